#pragma once
// The basket: components (food, water, hygiene, ...) of priced items and stated amounts.
//   MEB(a,t) = Σ_components Σ_items q_i(household) × p_i(a,t) + Σ fixed costs + Σ annual items / 12
// (primer section 2, after the WFP 2020 MEB guidance and CaLP 2022).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meb/statistics.hpp"
#include "meb/transfer.hpp"
#include "meb/units.hpp"

namespace meb {

enum class Per { person_day, person_month, household_month, household_year };
[[nodiscard]] std::string_view to_string(Per per);

/// An item whose price in an area is the statistic of the alternatives that have a price there.
struct Composite {
  std::vector<std::string> of;
  Statistic statistic = Statistic::mean;
};

struct BasketItem {
  std::string item;                      ///< matched to commodity names case-insensitively
  std::vector<std::string> aliases;      ///< other spellings of the same commodity
  double quantity = 0.0;
  Unit unit;                             ///< parsed from `unit`; multiples allowed ("500 G", "11 KG")
  Per per = Per::person_day;
  std::optional<Composite> composite;
  std::vector<std::string> substitutes;  ///< priced instead, in order, when the item has no price
  std::optional<double> density_kg_per_litre;
  std::optional<double> cost;            ///< a stated amount per `per`, instead of a market price
  std::size_t line = 0;                  ///< in the methodology file
};

/// How a component is costed: from market prices and stated amounts (normative), or from what a
/// reference group of surveyed households spends on it (expenditure-based; hybrids mix the two).
enum class ComponentMethod { normative, expenditure };
[[nodiscard]] std::string_view to_string(ComponentMethod method);

struct BasketComponent {
  std::string component;
  Tier tier = Tier::smeb;
  double markup_percent = 0.0;  ///< a mark-up on this component (Syria used 7.5% for price drift)
  ComponentMethod method = ComponentMethod::normative;
  std::vector<std::string> survey_components;  ///< expenditure: the survey components it takes (default: its name)
  std::vector<BasketItem> items;                ///< normative only
};

struct Basket {
  std::vector<BasketComponent> components;
  double markup_percent = 0.0;  ///< a mark-up on the total, after the components' own

  [[nodiscard]] bool has_smeb_lines() const;
};

/// How many `per` periods one household-month holds for `persons` persons: person/day → days × persons,
/// person/month → persons, household/month → 1, household/year → 1/12 (annual items spread over 12 months).
[[nodiscard]] double monthly_multiplier(Per per, double persons, double days_per_month);

}  // namespace meb

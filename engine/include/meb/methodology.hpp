#pragma once
// A methodology: everything the working group agrees on to turn prices into a transfer value, written
// in YAML and versioned. docs/methodology.md documents every key; the names are the public contract.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meb/areas.hpp"
#include "meb/basket.hpp"
#include "meb/expenditure.hpp"
#include "meb/household.hpp"
#include "meb/nutrition.hpp"
#include "meb/prices.hpp"
#include "meb/statistics.hpp"
#include "meb/survey.hpp"
#include "meb/transfer.hpp"

namespace meb {

/// A rule that fills an area's missing price (tried in order).
struct FillRule {
  enum class Kind { parent, carry_forward };
  Kind kind = Kind::parent;
  int months = 0;  ///< carry_forward: how far back
};

/// What a price still missing after filling does to its total.
enum class OnMissing { missing, zero, error };
[[nodiscard]] std::string_view to_string(OnMissing on_missing);

struct PriceSettings {
  std::string pricetype = "Retail";
  std::vector<std::string> priceflags{"actual"};
  std::vector<AreaLevel> levels{AreaLevel::market, AreaLevel::admin1};
  Statistic statistic = Statistic::median;
  int min_observations = 1;
  std::vector<FillRule> fill;
  OnMissing on_missing = OnMissing::missing;
  std::optional<WideMapping> wide;
};

/// The family of method (primer section 2). Each gives the same outputs: SMEB, MEB, transfer value.
/// normative: quantities × prices; expenditure: what a reference group of surveyed households spends;
/// food_share: a normative food basket divided by the food share of spending (Engel); hybrid: each
/// component its own method; hea: normative, with HEA's survival and livelihoods-protection thresholds as tiers.
enum class Method { normative, expenditure, food_share, hybrid, hea };
[[nodiscard]] std::string_view to_string(Method method);

/// The food share of the food-share method: stated (Mali: 53.2 % national, 57 % rural, 47 % urban,
/// INSTAT) or measured on the reference group of the survey.
struct FoodShare {
  std::optional<double> stated;
  bool measured = false;
};

struct Methodology {
  std::string id;
  std::string name;
  std::string version = "1";
  std::string description;
  std::string currency;
  double days_per_month = 30.0;
  Household household;
  PriceSettings prices;
  Basket basket;
  TransferRule transfer;
  std::vector<AreaLevel> output_levels;  ///< empty: every level of the path above market
  Method method = Method::normative;
  std::optional<SurveySpec> survey;      ///< how to read the household survey (`--survey FILE`)
  ReferenceGroup reference_group;        ///< which surveyed households, and what is taken of them
  FoodShare food_share;
  NutritionTargets nutrition;            ///< `nutrition:` the targets of the food basket check
  std::string food_composition;          ///< `nutrition.food_composition`, resolved against the file's directory
  std::string source_path;               ///< the file it was read from

  /// The levels results are reported for.
  [[nodiscard]] std::vector<AreaLevel> reported_levels() const;
};

/// Parses and validates a methodology. Every problem of the file is collected before throwing one
/// MethodologyError that lists them all, each with the file, line and column, the key and the value.
[[nodiscard]] Methodology parse_methodology(std::string_view yaml_text, const std::string& file_name);
[[nodiscard]] Methodology load_methodology(const std::string& path);

/// Reads a small mapping file for a wide survey export: the keys of `prices.wide` (date, market,
/// market_id, admin1, admin2, columns) at the top level. Throws MethodologyError listing every problem.
[[nodiscard]] WideMapping load_wide_mapping(const std::string& path);

/// The multi-line summary `meb validate` prints: components, items, household model, transfer rule.
[[nodiscard]] std::string summarise(const Methodology& methodology);

}  // namespace meb

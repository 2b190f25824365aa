#pragma once
// The expenditure-based MEB (primer section 2; WFP 2020 MEB guidance; CaLP 2022): what households that
// just meet their needs actually spend. A reference group of surveyed households is chosen by rule, and
// the MEB per person is its survey-weighted median (or mean) monthly spending on MEB-eligible items.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "meb/household.hpp"
#include "meb/statistics.hpp"
#include "meb/survey.hpp"
#include "meb/weighted.hpp"

namespace meb {

/// An outcome condition such as `fcs >= 42` (acceptable food consumption in the Sahel).
struct OutcomeCondition {
  enum class Op { ge, gt, le, lt, eq, ne };
  std::string outcome;
  Op op = Op::ge;
  double value = 0.0;

  [[nodiscard]] bool holds(double x) const;
  [[nodiscard]] std::string describe() const;
};

/// Parses "fcs >= 42" (operators >=, >, <=, <, ==, !=). Returns nothing when it is not such a condition.
[[nodiscard]] std::optional<OutcomeCondition> parse_outcome_condition(std::string_view text);

/// How the reference group is chosen, and what is taken of it.
struct ReferenceGroup {
  /// A band of the weighted distribution of per-capita MEB spending, as quantiles: {0.2, 0.5} = the 3rd to
  /// 5th deciles. The band is computed over every household the `admin1` filter keeps (all areas together,
  /// before the outcome conditions), so an area's group is its households within the common band that
  /// meet the conditions.
  std::optional<double> band_from;
  std::optional<double> band_to;
  std::vector<OutcomeCondition> conditions;  ///< all must hold
  std::vector<std::string> admin1;           ///< only households of these admin1 areas (empty: all)
  Statistic statistic = Statistic::median;   ///< median or mean (survey-weighted)
  bool per_adult_equivalent = false;         ///< spending per adult equivalent instead of per person
  EquivalenceScale scale = EquivalenceScale::oecd;
  bool pooled = false;  ///< one national group, carried to areas by a price index
  std::size_t min_households = 1;            ///< fewer households in an area's group: no value, with a reason

  [[nodiscard]] std::string describe() const;
};

/// What the reference group of one area spends, per person (or adult equivalent) per month.
struct ReferenceSpending {
  std::vector<std::string> components;  ///< in the survey columns' order
  Eigen::VectorXd per_person;           ///< per component; they add up to `total`
  double total = 0.0;                   ///< the group's statistic of total MEB spending per person
  double food_share = 0.0;              ///< Σ w·food / Σ w·total over the group (MEB-eligible spending)
  std::size_t households = 0;
  double weight = 0.0;
  std::string reason;                   ///< why there is no value (then households may be 0)

  [[nodiscard]] bool has_value() const { return reason.empty(); }
  /// The component's value, 0 when the group spends nothing on it.
  [[nodiscard]] double component(std::string_view name) const;
};

/// Which households form the reference group (before splitting by area): the admin1 filter, the
/// outcome conditions and the spending band. Throws InputError naming an outcome the survey lacks.
[[nodiscard]] Mask reference_households(const Survey& survey, const ReferenceGroup& group);

/// The reference spending of the households in `members` (a subset of the reference group).
/// The total is the weighted statistic of per-person MEB spending; with the median, components are the
/// total split by the group's aggregate shares Σ w·component / Σ w·total, so that they add up (a
/// component-by-component median would not). With the mean, each component is its own weighted mean.
[[nodiscard]] ReferenceSpending reference_spending(const Survey& survey, const ReferenceGroup& group,
                                                   const Mask& members);

/// Selects an area's households: by admin1 or admin2 name (case-insensitive), or all for the national area.
[[nodiscard]] Mask households_in_area(const Survey& survey, std::string_view level, std::string_view area);

}  // namespace meb

#pragma once
// Costing: the basket's lines priced in every area and month, and the SMEB and MEB as matrix products
// over them. For area a and month t (primer section 2):
//   cost_i(a,t) = q_i(household) × p_i(a,t) × (1 + component mark-up)
//   SMEB(a,t) = Σ_{i in smeb tier} cost_i,   MEB(a,t) = Σ_i cost_i,  each × (1 + total mark-up)
#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "meb/aggregation.hpp"
#include "meb/methodology.hpp"

namespace meb {

/// One line of the basket, ready to price: quantities already per household per month.
struct CostLine {
  /// priced/composite: market prices; stated: an amount the methodology states; survey: what the reference
  /// group spends per person on `survey_components`; food_share: the non-food part food × (1/share − 1).
  enum class Kind { priced, composite, stated, survey, food_share };
  Kind kind = Kind::priced;
  std::string component;
  Tier tier = Tier::smeb;
  std::string item;
  std::string unit;                 ///< the unit quantity and price are in ("" for a stated cost)
  double monthly_quantity = 0.0;    ///< per household per month, household model applied
  double markup_factor = 1.0;       ///< 1 + the component's mark-up
  double stated_cost = 0.0;         ///< stated: the amount per household per month
  int series = -1;                  ///< priced: the item's own series
  double series_factor = 1.0;       ///< price per line unit = series price × this
  Statistic composite_statistic = Statistic::mean;
  std::vector<int> alternatives;    ///< composite: series of the alternatives
  std::vector<double> alternative_factors;
  std::vector<int> substitutes;     ///< series priced instead, in order, when the item has no price
  std::vector<double> substitute_factors;
  std::vector<std::string> survey_components;  ///< survey: the survey components summed
};

/// Expands the basket for the household model. Expenditure components become one survey line each,
/// of quantity `persons` per month; a food-share methodology gets a last line for the non-food part. Throws MethodologyError when a line's unit cannot be
/// converted to the unit of a series it reads (e.g. a substitute priced in litres for an item in kg).
[[nodiscard]] std::vector<CostLine> expand_basket(const Methodology& methodology, const std::vector<SeriesSpec>& series);

/// Where a line's price comes from.
enum class LineSource : std::uint8_t { market, stated, survey, food_share };
[[nodiscard]] std::string_view to_string(LineSource source);

/// A line priced in one area and month.
struct LinePrice {
  double price = 0.0;  ///< per line unit; NaN when missing
  PriceStatus status = PriceStatus::missing;
  std::int32_t observations = 0;
  std::int32_t priced_as = -1;     ///< the series used (a substitute's, for a substitution); -1 item itself/stated
  std::int32_t source_area = -1;   ///< parent fill: the area the price came from
  std::int32_t source_month = -1;  ///< carried forward: the panel month it came from
  LineSource source = LineSource::market;
};

/// Prices one line in one area and month of the panel. Composite alternatives are combined after
/// filling, and the composite takes the least certain status of the alternatives used; substitutes are
/// tried, in order, when the item (or composite) has no price after filling.
[[nodiscard]] LinePrice price_line(const CostLine& line, const PricePanel& panel, std::size_t area, std::size_t month);

/// Row sums of the basket: `prices` is (area-months × lines) per line unit with NaN for missing;
/// `quantities` the monthly quantity × mark-up of each line. Lines in `tier_mask` (1/0) enter the total.
/// A missing price makes the total missing, except on a line of zero quantity (which adds nothing);
/// with `missing_as_zero` a missing price counts as 0.
[[nodiscard]] Eigen::VectorXd basket_totals(const Eigen::Ref<const Eigen::MatrixXd>& prices,
                                            const Eigen::Ref<const Eigen::VectorXd>& quantities,
                                            const Eigen::Ref<const Eigen::VectorXd>& tier_mask, bool missing_as_zero);

}  // namespace meb

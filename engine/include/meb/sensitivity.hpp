#pragma once
// Sensitivity of the MEB and the transfer value, per area and month (issue 4, section 4; docs/sensitivity.md):
// - the elasticity of the unrounded MEB and transfer value to each line's price. The MEB is linear in each
//   price, so p_i ∂MEB/∂p_i is exact, and the MEB elasticity is the line's cost share;
// - the transfer value after a change of one parameter (+1 person, +10 points of coverage, each rounding
//   mode, +10% of a stated cost);
// - the data of a tornado chart: the transfer value at a low and a high setting of each price and
//   parameter, recomputed exactly through the transfer rule (rounding included), ranked by the swing.
// Pure functions over a ComputePlan / ComputeResult and the Methodology; the writers of the three CSVs
// sit at the end.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "meb/compute.hpp"
#include "meb/household.hpp"
#include "meb/methodology.hpp"
#include "meb/survey.hpp"
#include "meb/transfer.hpp"

namespace meb {

/// The relative change of a price that the tornado applies both ways (±10%), and the coverage change (±10
/// percentage points).
constexpr double kTornadoPriceChange = 0.10;
constexpr double kCoverageChange = 0.10;

/// p_l × ∂total/∂p_l for every line of `result` in one row: how much the unrounded SMEB (`tier` smeb) or MEB
/// (`tier` meb) moves per unit of relative change of the line's price (its stated amount for a stated cost,
/// its spending per person for a survey line), the other lines' prices and every other area held fixed.
/// Every total is linear in each single price, so total(p_l × (1 + h)) = total + h × effect exactly. The
/// effect is the line's own cost × the total mark-up when the line is in the tier, plus what the price drags
/// along: the food-share line (food × (1/share − 1)) for a food line, and a pooled survey value carried to an
/// area by the index C(area)/C(national) for a market-priced line of an area below national.
/// NaN when the total is missing.
[[nodiscard]] std::vector<double> price_effects(const Methodology& methodology, const ComputeResult& result,
                                                std::size_t row, Tier tier);

/// The elasticity of the unrounded transfer value clamp(coverage × (basis − deduct), floor, cap) to a price
/// whose effect on the basis is `basis_effect` (p ∂basis/∂p): coverage × basis_effect / transfer value inside
/// the clamp, 0 when the floor or the cap binds. At a kink (the gap exactly at the floor or the cap) the
/// one-sided derivative for a price RISE is reported: the interior formula at the floor, 0 at the cap.
/// NaN when the basis is missing, or when the unrounded transfer value is 0 inside the clamp.
[[nodiscard]] double transfer_elasticity(const TransferRule& rule, double basis, double basis_effect);

/// One basket line in one row.
struct LineSensitivity {
  double cost = 0.0;        ///< the line's part of the MEB: quantity × price × both mark-ups (NaN when missing)
  double cost_share = 0.0;  ///< cost / MEB
  /// Elasticities of the unrounded MEB and transfer value to the line's price; NaN for a line without a
  /// market price (a stated cost, a survey line, the food-share line), which the parameters list instead.
  double elasticity_meb = 0.0;
  double elasticity_transfer = 0.0;
};

/// rows × lines of `result` (row-major): costs, cost shares and price elasticities.
[[nodiscard]] std::vector<LineSensitivity> price_elasticities(const Methodology& methodology, const ComputeResult& result);

/// The household with `delta` (+1 or −1) persons under its own model: the size for fixed, bands and capped (so
/// a band or a cap applies), one child more (or fewer; one adult fewer when there is no child) for an
/// equivalence scale, and a fixed household of two for +1 per capita. nullopt when the change leaves fewer
/// than one person, or for −1 per capita.
[[nodiscard]] std::optional<Household> household_changed(const Household& household, int delta);
/// "size 6 -> 7 (persons 6 -> 7)", "adults 2, children 3 -> adults 2, children 4 (persons 3.2 -> 3.7)", ...
[[nodiscard]] std::string describe_household_change(const Household& from, const Household& to);

/// A change of one parameter, the same in every row.
struct ParameterChange {
  std::string parameter;  ///< "household +1 person", "coverage +10 pp", "rounding", "stated cost: water +10%"
  std::string change;     ///< "size 6 -> 7 (persons 6 -> 7)", "0.6 -> 0.7", "nearest to 5000", "none", ...
};

/// One bar of a tornado chart: the transfer value at the factor's low and high setting.
struct TornadoBar {
  std::size_t factor = 0;  ///< index into Sensitivity::factors
  double low = 0.0;
  double high = 0.0;
  double swing = 0.0;      ///< |high − low|; NaN when the transfer value is missing
  double swing_unrounded = 0.0;  ///< the same before rounding: ranks the factors a rounding step ties
};

/// A factor of the tornado: a line's price (±10%), the household size (±1 person), the coverage (±10
/// points, within [0, 1]), the deduction (±10%), a stated cost or a survey value (±10%).
struct TornadoFactor {
  std::string name;          ///< "price: Millet", "household size", "coverage", "deduct", "stated cost: water"
  std::string low_setting;   ///< "-10%", "size 5 (persons 5)", "0.9", ...
  std::string high_setting;
};

struct Sensitivity {
  std::size_t n_lines = 0;
  std::vector<LineSensitivity> lines;      ///< rows × lines, row-major
  std::vector<ParameterChange> parameters;
  Eigen::MatrixXd transfer_changed;        ///< rows × parameters: the (rounded) transfer value after each change
  std::vector<TornadoFactor> factors;
  /// rows × factors; each row's bars by decreasing swing, then decreasing unrounded swing, then factor order.
  std::vector<TornadoBar> tornado;

  [[nodiscard]] const LineSensitivity& line(std::size_t row, std::size_t line) const {
    return lines[row * n_lines + line];
  }
  [[nodiscard]] const TornadoBar& bar(std::size_t row, std::size_t rank) const {
    return tornado[row * factors.size() + rank];
  }
};

/// Everything above for every row of `result`, which must be evaluate_plan(plan, methodology, market_values,
/// survey). The household changes are evaluated again with evaluate_plan on a copy of the methodology; every
/// other change goes through the transfer rule on the basis (exact: the basis is linear in each price and
/// stated amount).
[[nodiscard]] Sensitivity compute_sensitivity(const ComputePlan& plan, const Methodology& methodology,
                                              const std::vector<double>& market_values, const ComputeResult& result,
                                              const Survey* survey = nullptr);

/// elasticities.csv: area_level, area, month, item, component, cost, cost_share, elasticity_meb,
/// elasticity_transfer; one row per area, month and basket line.
[[nodiscard]] std::string elasticities_csv(const ComputeResult& result, const Sensitivity& sensitivity);
/// parameters.csv: area_level, area, month, parameter, change, transfer_value, transfer_value_changed, difference.
[[nodiscard]] std::string parameters_csv(const ComputeResult& result, const Sensitivity& sensitivity);
/// tornado.csv: area_level, area, month, rank, factor, low_setting, high_setting, transfer_value, low, high, swing,
/// swing_unrounded.
[[nodiscard]] std::string tornado_csv(const ComputeResult& result, const Sensitivity& sensitivity);

}  // namespace meb

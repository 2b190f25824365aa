#pragma once
// Harmonised transfer values: the few amounts a cash working group proposes instead of one per area
// (issue 5, section 5). Every function takes one value per area and its weight (population), in any
// order; results refer to areas by their index in that input.
//
// Bands are contiguous runs of the areas sorted by value: for the squared-gap and the largest-gap
// objectives an optimal partition into K groups can always be taken contiguous in the sorted order
// (Fisher 1958, "On grouping for maximum homogeneity", JASA 53:789-798), so dynamic programming over
// the sorted values finds it exactly in O(K n^2).
#include <cstddef>
#include <optional>
#include <vector>

#include <Eigen/Core>

#include "meb/transfer.hpp"

namespace meb {

/// The national value: the population-weighted mean or median (meb/weighted.hpp) of the areas' values.
enum class NationalStatistic { mean, median };
[[nodiscard]] double national_value(const Eigen::Ref<const Eigen::VectorXd>& values,
                                    const Eigen::Ref<const Eigen::VectorXd>& weights, NationalStatistic statistic);

/// What the partition minimises.
/// squared_gap: Σ_areas w_i (v_i − b_band(i))², each band paid its weighted mean;
/// largest_gap: max_areas |v_i − b_band(i)| / v_i, the largest gap relative to the area's own value, each
/// band paid the value that balances its two ends, b = 2·min·max / (min + max) (then the gap of both
/// ends is (max − min)/(max + min)).
enum class BandObjective { squared_gap, largest_gap };
[[nodiscard]] const char* to_string(BandObjective objective);

struct Band {
  std::vector<std::size_t> areas;  ///< input indices, in increasing order of value (ties by index)
  double value = 0.0;              ///< the band's value before rounding
  double paid = 0.0;               ///< value rounded by the rule given (== value without one)
  double weight = 0.0;             ///< Σ w of its areas
};

struct Partition {
  BandObjective objective = BandObjective::squared_gap;
  std::vector<Band> bands;                ///< in increasing order of value
  std::vector<std::size_t> band_of_area;  ///< per input area: its band
  /// The objective at the unrounded band values (Σ w·gap² or the largest relative gap).
  double objective_value = 0.0;
  /// Per input area: paid − own value, and (paid − own)/own (the gaps after rounding).
  Eigen::VectorXd gap;
  Eigen::VectorXd relative_gap;
};

/// The exact optimal partition of the areas into min(k, n) bands. Ties between equally good partitions are
/// broken deterministically (the one whose first band ends earliest, then the second, ...), so the same
/// input in any order gives the same bands. `rounding` rounds each band's value into `paid`.
/// Throws std::invalid_argument: sizes differ, n = 0, k < 1, a value not finite (or ≤ 0 for largest_gap),
/// a weight not finite or < 0, or all weights 0 — naming the index and the value.
[[nodiscard]] Partition optimal_bands(const Eigen::Ref<const Eigen::VectorXd>& values,
                                      const Eigen::Ref<const Eigen::VectorXd>& weights, std::size_t k,
                                      BandObjective objective, const std::optional<Rounding>& rounding = std::nullopt);

/// The smallest number of bands that pays every area within ±tolerance of its own value
/// (|paid − v_i| ≤ tolerance·v_i), with the paid values: each band's paid value is the multiple of the
/// rounding step (any real number without rounding) inside the band's feasible interval
/// [max_i v_i·(1 − tolerance), min_i v_i·(1 + tolerance)] closest to the band's weighted mean. Greedy from
/// the smallest value, which is optimal for intervals on a line. Nothing when an area alone cannot be paid
/// within tolerance (a rounding step too coarse for a small value). objective = squared_gap in the result.
[[nodiscard]] std::optional<Partition> fewest_bands_within(const Eigen::Ref<const Eigen::VectorXd>& values,
                                                           const Eigen::Ref<const Eigen::VectorXd>& weights,
                                                           double tolerance,
                                                           const std::optional<Rounding>& rounding = std::nullopt);

}  // namespace meb

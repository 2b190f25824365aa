#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "meb/harmonise.hpp"

using meb::BandObjective;
using meb::NationalStatistic;

namespace {

Eigen::VectorXd vec(const std::vector<double>& values) {
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
}

Eigen::VectorXd ones(Eigen::Index n) { return Eigen::VectorXd::Ones(n); }

meb::Rounding step(double size, meb::RoundingMode mode = meb::RoundingMode::nearest) {
  meb::Rounding rounding;
  rounding.step = size;
  rounding.mode = mode;
  return rounding;
}

/// The bands as sets of input indices, in band order.
std::vector<std::vector<std::size_t>> area_sets(const meb::Partition& partition) {
  std::vector<std::vector<std::size_t>> sets;
  for (const meb::Band& band : partition.bands) sets.push_back(band.areas);
  return sets;
}

/// Random areas: values in [lowest, highest) (rounded to integers when `with_ties`, so that equal values
/// occur), weights in [0, 10) with about a quarter of them exactly 0 (never all of them).
struct RandomAreas {
  Eigen::VectorXd values, weights;
};
RandomAreas random_areas(std::mt19937& rng, std::size_t n, bool with_ties, double lowest = 50.0,
                         double highest = 150.0) {
  std::uniform_real_distribution<double> value(lowest, highest), weight(0.0, 10.0), coin(0.0, 1.0);
  RandomAreas areas{Eigen::VectorXd(static_cast<Eigen::Index>(n)), Eigen::VectorXd(static_cast<Eigen::Index>(n))};
  for (Eigen::Index i = 0; i < areas.values.size(); ++i) {
    const double v = value(rng);
    areas.values[i] = with_ties ? std::round(lowest + (v - lowest) / 20.0) : v;  // ~5 distinct values
    areas.weights[i] = coin(rng) < 0.25 ? 0.0 : weight(rng);
  }
  if (areas.weights.maxCoeff() == 0.0) areas.weights[0] = 1.0;
  return areas;
}

/// Calls `visit(group_of, groups)` for every partition of {0, ..., n−1} into non-empty groups, as
/// restricted growth strings (group_of[0] = 0, group_of[i] ≤ 1 + max of the earlier ones): each set
/// partition exactly once (Knuth, TAOCP 7.2.1.5).
void for_each_set_partition(std::size_t n, const std::function<void(const std::vector<std::size_t>&, std::size_t)>& visit) {
  std::vector<std::size_t> group_of(n, 0);
  std::function<void(std::size_t, std::size_t)> place = [&](std::size_t i, std::size_t groups) {
    if (i == n) return visit(group_of, groups);
    for (std::size_t g = 0; g <= groups && g < n; ++g) {
      group_of[i] = g;
      place(i + 1, std::max(groups, g + 1));
    }
  };
  place(1, 1);
}

/// Σ w·(v − mean)² of a group, by the two-pass textbook formula; a group of zero weight costs nothing.
double group_squared_gap(const std::vector<double>& values, const std::vector<double>& weights) {
  double weight = 0.0, weighted = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    weight += weights[i];
    weighted += weights[i] * values[i];
  }
  if (weight == 0.0) return 0.0;
  const double mean = weighted / weight;
  double cost = 0.0;
  for (std::size_t i = 0; i < values.size(); ++i) cost += weights[i] * (values[i] - mean) * (values[i] - mean);
  return cost;
}

/// The least largest relative gap max |v − b|/v over a group: below b the gap (b − v)/v is largest at the
/// minimum, above b the gap (v − b)/v at the maximum, so the best b balances the two ends,
/// (b − lo)/lo = (hi − b)/hi ⇒ b = 2·lo·hi/(lo + hi), gap (hi − lo)/(hi + lo).
double group_largest_gap(const std::vector<double>& values) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  return (*hi - *lo) / (*hi + *lo);
}

/// For every k = 1..n, the least objective over ALL set partitions into k non-empty groups, contiguous in
/// the sorted order or not: an independent check of Fisher's contiguity theorem and of the programme.
std::vector<double> brute_force_minimum(const Eigen::VectorXd& values, const Eigen::VectorXd& weights,
                                        BandObjective objective) {
  const auto n = static_cast<std::size_t>(values.size());
  std::vector<double> minimum(n + 1, std::numeric_limits<double>::infinity());
  for_each_set_partition(n, [&](const std::vector<std::size_t>& group_of, std::size_t groups) {
    std::vector<std::vector<double>> group_values(groups), group_weights(groups);
    for (std::size_t i = 0; i < n; ++i) {
      group_values[group_of[i]].push_back(values[static_cast<Eigen::Index>(i)]);
      group_weights[group_of[i]].push_back(weights[static_cast<Eigen::Index>(i)]);
    }
    double cost = 0.0;
    for (std::size_t g = 0; g < groups; ++g)
      cost = objective == BandObjective::squared_gap ? cost + group_squared_gap(group_values[g], group_weights[g])
                                                     : std::max(cost, group_largest_gap(group_values[g]));
    minimum[groups] = std::min(minimum[groups], cost);
  });
  return minimum;
}

/// The partition's objective recomputed from its bands' values, and its bookkeeping checked.
double recomputed_objective(const meb::Partition& partition, const Eigen::VectorXd& values,
                            const Eigen::VectorXd& weights) {
  double objective = 0.0;
  std::vector<std::size_t> seen;
  for (std::size_t b = 0; b < partition.bands.size(); ++b) {
    const meb::Band& band = partition.bands[b];
    REQUIRE_FALSE(band.areas.empty());
    double weight = 0.0;
    for (const std::size_t area : band.areas) {
      const auto i = static_cast<Eigen::Index>(area);
      CHECK(partition.band_of_area[area] == b);
      weight += weights[i];
      seen.push_back(area);
      objective = partition.objective == BandObjective::squared_gap
                      ? objective + weights[i] * (values[i] - band.value) * (values[i] - band.value)
                      : std::max(objective, std::abs(values[i] - band.value) / values[i]);
    }
    CHECK(band.weight == Approx(weight).epsilon(1e-12));
    if (b > 0) CHECK(partition.bands[b - 1].value <= band.value);
  }
  std::sort(seen.begin(), seen.end());
  std::vector<std::size_t> all(static_cast<std::size_t>(values.size()));
  std::iota(all.begin(), all.end(), std::size_t{0});
  CHECK(seen == all);  // every area in exactly one band
  return objective;
}

}  // namespace

TEST_CASE("harmonise optimal bands equal brute force over all set partitions", "[harmonise]") {
  // All set partitions for every n ≤ 10, not only the contiguous splits of the sorted order: Bell(10) =
  // 115,975 partitions, a few milliseconds each input, so the contiguity theorem is checked rather than
  // assumed up to n = 10 (the brief allowed contiguous splits for n = 9 and 10 to save time; not needed).
  std::mt19937 rng(20261129);
  for (std::size_t n = 1; n <= 10; ++n) {
    for (int trial = 0; trial < 4; ++trial) {
      const bool with_ties = trial == 3;
      const RandomAreas areas = random_areas(rng, n, with_ties);
      for (const BandObjective objective : {BandObjective::squared_gap, BandObjective::largest_gap}) {
        const std::vector<double> minimum = brute_force_minimum(areas.values, areas.weights, objective);
        for (std::size_t k = 1; k <= n; ++k) {
          INFO("n = " << n << ", trial " << trial << ", k = " << k << ", " << meb::to_string(objective));
          const meb::Partition partition = meb::optimal_bands(areas.values, areas.weights, k, objective);
          CHECK(partition.bands.size() == k);
          CHECK(partition.objective_value == Approx(minimum[k]).epsilon(1e-9).margin(1e-12));
          CHECK(recomputed_objective(partition, areas.values, areas.weights) ==
                Approx(minimum[k]).epsilon(1e-9).margin(1e-12));
        }
      }
    }
  }
}

TEST_CASE("harmonise one band is the weighted mean", "[harmonise]") {
  // Values 10, 20, 40 with weights 1, 2, 1: b = (10 + 40 + 40) / 4 = 22.5;
  // Σ w·gap² = 1·12.5² + 2·2.5² + 1·17.5² = 156.25 + 12.5 + 306.25 = 475.
  const meb::Partition partition = meb::optimal_bands(vec({40, 10, 20}), vec({1, 1, 2}), 1, BandObjective::squared_gap);
  REQUIRE(partition.bands.size() == 1);
  CHECK(partition.bands[0].value == Approx(22.5).epsilon(1e-15));
  CHECK(partition.bands[0].paid == partition.bands[0].value);
  CHECK(partition.bands[0].weight == 4.0);
  CHECK(partition.bands[0].areas == std::vector<std::size_t>{1, 2, 0});  // by value: 10, 20, 40
  CHECK(partition.objective_value == Approx(475.0).epsilon(1e-14));
  // Gaps paid − own: 22.5 − 40 = −17.5, 22.5 − 10 = 12.5, 22.5 − 20 = 2.5.
  CHECK(partition.gap[0] == Approx(-17.5));
  CHECK(partition.gap[1] == Approx(12.5));
  CHECK(partition.gap[2] == Approx(2.5));
  CHECK(partition.relative_gap[0] == Approx(-17.5 / 40.0));
  CHECK(partition.relative_gap[1] == Approx(1.25));
}

TEST_CASE("harmonise as many bands as areas gives zero gap", "[harmonise]") {
  const Eigen::VectorXd values = vec({120, 80, 100, 95, 130});
  const Eigen::VectorXd weights = vec({3, 0, 1, 2, 5});
  for (const BandObjective objective : {BandObjective::squared_gap, BandObjective::largest_gap}) {
    // k = 5 and k = 9 > n both give the 5 areas alone.
    for (const std::size_t k : {std::size_t{5}, std::size_t{9}}) {
      const meb::Partition partition = meb::optimal_bands(values, weights, k, objective);
      REQUIRE(partition.bands.size() == 5);
      CHECK(partition.objective_value == 0.0);
      for (Eigen::Index i = 0; i < 5; ++i) {
        CHECK(partition.gap[i] == Approx(0.0).margin(1e-12));
        CHECK(partition.bands[partition.band_of_area[static_cast<std::size_t>(i)]].value == Approx(values[i]));
      }
      // Bands in increasing order of value: 80 (area 1), 95 (3), 100 (2), 120 (0), 130 (4).
      CHECK(area_sets(partition) == std::vector<std::vector<std::size_t>>{{1}, {3}, {2}, {0}, {4}});
    }
  }
}

TEST_CASE("harmonise two bands by hand", "[harmonise]") {
  // Values 10, 11, 20, 21, weights 1: the bands {10, 11} and {20, 21}, paid 10.5 and 20.5, each area
  // 0.5 away: Σ w·gap² = 4 × 0.25 = 1. (The next best, {10} {11, 20, 21}, has mean 52/3 and costs
  // (19/3)² + (8/3)² + (11/3)² = 546/9 ≈ 60.7.)
  const meb::Partition squared = meb::optimal_bands(vec({21, 10, 20, 11}), ones(4), 2, BandObjective::squared_gap);
  CHECK(area_sets(squared) == std::vector<std::vector<std::size_t>>{{1, 3}, {2, 0}});
  CHECK(squared.bands[0].value == 10.5);
  CHECK(squared.bands[1].value == 20.5);
  CHECK(squared.objective_value == 1.0);
  CHECK(squared.band_of_area == std::vector<std::size_t>{1, 0, 1, 0});

  // Largest relative gap, values 100, 110, 200, 240: {100, 110} paid 2·100·110/210 = 104.7619…, gap
  // 10/210 = 1/21; {200, 240} paid 2·200·240/440 = 218.1818…, gap 40/440 = 1/11. The other splits are
  // worse: {100} {110, 200, 240} 130/350; {100, 110, 200} {240} 100/300. Objective 1/11.
  const meb::Partition largest = meb::optimal_bands(vec({100, 110, 200, 240}), ones(4), 2, BandObjective::largest_gap);
  CHECK(area_sets(largest) == std::vector<std::vector<std::size_t>>{{0, 1}, {2, 3}});
  CHECK(largest.bands[0].value == Approx(22000.0 / 210.0).epsilon(1e-15));
  CHECK(largest.bands[1].value == Approx(96000.0 / 440.0).epsilon(1e-15));
  CHECK(largest.objective_value == Approx(1.0 / 11.0).epsilon(1e-15));
  // Both ends of a band are off by the same share: 100 is paid 1/21 more, 110 is paid 1/21 less.
  CHECK(largest.relative_gap[0] == Approx(1.0 / 21.0).epsilon(1e-14));
  CHECK(largest.relative_gap[1] == Approx(-1.0 / 21.0).epsilon(1e-14));
  CHECK(largest.relative_gap[3] == Approx(-1.0 / 11.0).epsilon(1e-14));
  // Any other value for the top band does worse at one end: 1 % more, and 200 is off by more than 1/11.
  const double b = largest.bands[1].value;
  CHECK(std::max((b * 1.01 - 200) / 200, (240 - b * 1.01) / 240) > 1.0 / 11.0);
  CHECK(std::max((b * 0.99 - 200) / 200, (240 - b * 0.99) / 240) > 1.0 / 11.0);

  // Three bands: {100, 110} {200} {240} has largest gap 1/21, better than {100} {110} {200, 240} (1/11).
  const meb::Partition three = meb::optimal_bands(vec({100, 110, 200, 240}), ones(4), 3, BandObjective::largest_gap);
  CHECK(area_sets(three) == std::vector<std::vector<std::size_t>>{{0, 1}, {2}, {3}});
  CHECK(three.objective_value == Approx(1.0 / 21.0).epsilon(1e-15));
}

TEST_CASE("harmonise ties between equally good partitions take the earliest first band", "[harmonise]") {
  // Values 1, 2, 3, weights 1, two bands: {1} {2, 3} and {1, 2} {3} both cost 2 × 0.5² = 0.5. The header
  // breaks the tie by the first band ending earliest: {1} {2, 3}, whatever the input order.
  CHECK(area_sets(meb::optimal_bands(vec({1, 2, 3}), ones(3), 2, BandObjective::squared_gap)) ==
        std::vector<std::vector<std::size_t>>{{0}, {1, 2}});
  CHECK(area_sets(meb::optimal_bands(vec({3, 2, 1}), ones(3), 2, BandObjective::squared_gap)) ==
        std::vector<std::vector<std::size_t>>{{2}, {1, 0}});
  // Largest gap, values 1, 2, 4: {1} {2, 4} and {1, 2} {4} both have largest gap 1/3 → {1} {2, 4}.
  const meb::Partition largest = meb::optimal_bands(vec({4, 1, 2}), ones(3), 2, BandObjective::largest_gap);
  CHECK(area_sets(largest) == std::vector<std::vector<std::size_t>>{{1}, {2, 0}});
  CHECK(largest.objective_value == Approx(1.0 / 3.0));
}

TEST_CASE("harmonise equal values stay in one band", "[harmonise]") {
  // Values 10, 20, 20, 20, 30 with weights 1, 1, 1, 1, 1 in three bands: {10} {20, 20, 20} {30}, cost 0.
  // Four bands would have to split the 20s (fewer distinct values than bands): still cost 0.
  const Eigen::VectorXd values = vec({20, 30, 20, 10, 20});
  const meb::Partition three = meb::optimal_bands(values, ones(5), 3, BandObjective::squared_gap);
  CHECK(area_sets(three) == std::vector<std::vector<std::size_t>>{{3}, {0, 2, 4}, {1}});
  const meb::Partition four = meb::optimal_bands(values, ones(5), 4, BandObjective::squared_gap);
  CHECK(four.bands.size() == 4);
  CHECK(four.objective_value == 0.0);
}

TEST_CASE("harmonise zero-weight areas cost nothing and an all-zero band takes the plain mean", "[harmonise]") {
  // Values 10, 12, 100, 200 with weights 0, 0, 1, 1. Three bands: {10} {12, 100} {200} costs 0 (the 12
  // weighs nothing, the band is paid 100) and has the earliest first band among cost-0 partitions. The
  // first band has no weight: it is paid the plain mean of its one value, 10.
  const Eigen::VectorXd values = vec({10, 12, 100, 200});
  const Eigen::VectorXd weights = vec({0, 0, 1, 1});
  const meb::Partition three = meb::optimal_bands(values, weights, 3, BandObjective::squared_gap);
  CHECK(area_sets(three) == std::vector<std::vector<std::size_t>>{{0}, {1, 2}, {3}});
  CHECK(three.objective_value == 0.0);
  CHECK(three.bands[0].value == 10.0);
  CHECK(three.bands[0].weight == 0.0);
  CHECK(three.bands[1].value == 100.0);
  // Two bands: {10} {12, 100, 200} and {10, 12} {100, 200} cost 1·50² + 1·50² = 5000; {10, 12, 100} {200}
  // costs 0, so it wins, paid 100 (the weighted mean ignores the zero weights) and 200.
  const meb::Partition two = meb::optimal_bands(values, weights, 2, BandObjective::squared_gap);
  CHECK(area_sets(two) == std::vector<std::vector<std::size_t>>{{0, 1, 2}, {3}});
  CHECK(two.bands[0].value == 100.0);
  CHECK(two.objective_value == 0.0);
  // Values 10 (weight 1), 500 and 600 (weight 0), two bands: {10} {500, 600} and {10, 500} {600} both cost
  // 0; the earliest first band is {10}. The second band weighs nothing: plain mean (500 + 600)/2 = 550.
  const meb::Partition plain = meb::optimal_bands(vec({600, 10, 500}), vec({0, 1, 0}), 2, BandObjective::squared_gap);
  CHECK(area_sets(plain) == std::vector<std::vector<std::size_t>>{{1}, {2, 0}});
  CHECK(plain.bands[1].value == 550.0);
  CHECK(plain.gap[2] == 50.0);   // 550 − 500
  CHECK(plain.gap[0] == -50.0);  // 550 − 600
}

TEST_CASE("harmonise band values are rounded by the rule and gaps use the paid value", "[harmonise]") {
  // Values 10,000, 11,000, 20,000, 21,000 (weights 1), two bands paid 10,500 and 20,500 before rounding.
  const Eigen::VectorXd values = vec({10000, 11000, 20000, 21000});
  // Nearest multiple of 5,000: 10,500/5,000 = 2.1 → 10,000; 20,500/5,000 = 4.1 → 20,000.
  const meb::Partition nearest = meb::optimal_bands(values, ones(4), 2, BandObjective::squared_gap, step(5000));
  CHECK(nearest.bands[0].value == 10500.0);
  CHECK(nearest.bands[0].paid == 10000.0);
  CHECK(nearest.bands[1].value == 20500.0);
  CHECK(nearest.bands[1].paid == 20000.0);
  CHECK(nearest.objective_value == 4.0 * 500.0 * 500.0);  // at the unrounded values: 4 × 500²
  // Gaps after rounding: 10,000 − 10,000 = 0; 10,000 − 11,000 = −1,000 (−1/11); 0; −1,000 (−1/21).
  CHECK(nearest.gap[0] == 0.0);
  CHECK(nearest.gap[1] == -1000.0);
  CHECK(nearest.relative_gap[1] == Approx(-1.0 / 11.0).epsilon(1e-15));
  CHECK(nearest.gap[3] == -1000.0);
  CHECK(nearest.relative_gap[3] == Approx(-1.0 / 21.0).epsilon(1e-15));
  // Up to the next multiple of 5,000: 15,000 and 25,000; gaps +5,000, +4,000, +5,000, +4,000.
  const meb::Partition up = meb::optimal_bands(values, ones(4), 2, BandObjective::squared_gap,
                                               step(5000, meb::RoundingMode::up));
  CHECK(up.bands[0].paid == 15000.0);
  CHECK(up.bands[1].paid == 25000.0);
  CHECK(up.gap[1] == 4000.0);
  CHECK(up.gap[2] == 5000.0);
  // The largest-gap band value 2·10,000·11,000/21,000 = 10,476.19…, to the nearest 500:
  // 10,476.19/500 = 20.95 → 21 × 500 = 10,500.
  const meb::Partition largest = meb::optimal_bands(values, ones(4), 2, BandObjective::largest_gap, step(500));
  CHECK(largest.bands[0].paid == 10500.0);
  CHECK(largest.gap[0] == 500.0);
}

TEST_CASE("harmonise bands do not depend on the input order", "[harmonise]") {
  std::mt19937 rng(17);
  for (int trial = 0; trial < 6; ++trial) {
    const bool with_ties = trial % 2 == 1;
    const RandomAreas areas = random_areas(rng, 40, with_ties);
    for (const BandObjective objective : {BandObjective::squared_gap, BandObjective::largest_gap}) {
      // At most 5 bands: the tied inputs have about 6 distinct values, and bands only split a run of equal
      // values when there are more bands than values; areas equal in value and weight are then
      // interchangeable, and which of them goes where may follow the input order.
      const std::size_t k = 3 + static_cast<std::size_t>(trial / 2);
      const meb::Partition reference = meb::optimal_bands(areas.values, areas.weights, k, objective, step(5));
      std::vector<std::size_t> order(40);
      std::iota(order.begin(), order.end(), std::size_t{0});
      for (int shuffle = 0; shuffle < 10; ++shuffle) {
        std::shuffle(order.begin(), order.end(), rng);
        Eigen::VectorXd values(40), weights(40);
        for (std::size_t i = 0; i < 40; ++i) {
          values[static_cast<Eigen::Index>(i)] = areas.values[static_cast<Eigen::Index>(order[i])];
          weights[static_cast<Eigen::Index>(i)] = areas.weights[static_cast<Eigen::Index>(order[i])];
        }
        const meb::Partition shuffled = meb::optimal_bands(values, weights, k, objective, step(5));
        REQUIRE(shuffled.bands.size() == reference.bands.size());
        // Same bands as sets of original areas (position i of the shuffled input is area order[i]), same
        // values, bit for bit.
        for (std::size_t b = 0; b < reference.bands.size(); ++b) {
          std::set<std::size_t> mapped;
          for (const std::size_t i : shuffled.bands[b].areas) mapped.insert(order[i]);
          CHECK(mapped == std::set<std::size_t>(reference.bands[b].areas.begin(), reference.bands[b].areas.end()));
          CHECK(shuffled.bands[b].value == reference.bands[b].value);
          CHECK(shuffled.bands[b].paid == reference.bands[b].paid);
        }
        CHECK(shuffled.objective_value == reference.objective_value);
      }
    }
  }
}

TEST_CASE("harmonise fewest bands within tolerance by hand", "[harmonise]") {
  // Values 130, 100, 150, 115, 105 with weights 1, 1, 1, 4, 1, tolerance ±10 %. Sorted: 100 105 115 130 150.
  // Band 1 from 100: paid ≤ 100·1.1 = 110; 105 needs ≥ 94.5, 115 needs ≥ 103.5, 130 needs ≥ 117 > 110: stop.
  //   {100, 105, 115}, interval [103.5, 110], weighted mean (100 + 105 + 4·115)/6 = 665/6 = 110.83 → 110.
  //   Σ w·gap² at 110 = 10² + 5² + 4·5² = 225.
  // Band 2 from 130: paid ≤ 143; 150 needs ≥ 135: {130, 150}, interval [135, 143], mean 140 → 140; 2·10² = 200.
  // One band is impossible (150 needs ≥ 135 > 110), so 2 is the fewest.
  const Eigen::VectorXd values = vec({130, 100, 150, 115, 105});
  const Eigen::VectorXd weights = vec({1, 1, 1, 4, 1});
  const std::optional<meb::Partition> bands = meb::fewest_bands_within(values, weights, 0.10);
  REQUIRE(bands);
  CHECK(bands->objective == BandObjective::squared_gap);
  CHECK(area_sets(*bands) == std::vector<std::vector<std::size_t>>{{1, 4, 3}, {0, 2}});
  CHECK(bands->bands[0].value == Approx(110.0).epsilon(1e-12));
  CHECK(bands->bands[0].paid == bands->bands[0].value);
  CHECK(bands->bands[1].value == Approx(140.0).epsilon(1e-15));
  CHECK(bands->objective_value == Approx(425.0).epsilon(1e-12));
  // The area of 100 is paid 110: exactly at the +10 % tolerance.
  CHECK(bands->relative_gap[1] == Approx(0.10).epsilon(1e-12));

  // Rounded to multiples of 5: band 1 may be paid 105 or 110; the mean 110.83 is nearest 110 (22.17 → 22).
  // Band 2 may be paid 135 or 140: 140. Rounded to 20: band 1 has no multiple of 20 in [103.5, 110]: the
  // greedy stops earlier, {100, 105} [94.5, 110] holds 100 → paid 100 (mean 102.5 → 5.125 steps → 5);
  // then {115, 130} [117, 126.5] holds 120 (mean 4·115+130 = 590/5 = 118 → 5.9 → 6 → 120); {150} alone
  // [135, 165]: 140 or 160, nearest to 150 is 7.5 steps → halves up → 8 → 160. Three bands.
  const std::optional<meb::Partition> fives = meb::fewest_bands_within(values, weights, 0.10, step(5));
  REQUIRE(fives);
  CHECK(fives->bands[0].paid == 110.0);
  CHECK(fives->bands[1].paid == 140.0);
  const std::optional<meb::Partition> twenties = meb::fewest_bands_within(values, weights, 0.10, step(20));
  REQUIRE(twenties);
  CHECK(area_sets(*twenties) == std::vector<std::vector<std::size_t>>{{1, 4}, {3, 0}, {2}});
  CHECK(twenties->bands[0].paid == 100.0);
  CHECK(twenties->bands[1].paid == 120.0);
  CHECK(twenties->bands[2].paid == 160.0);
  CHECK(twenties->gap[2] == 10.0);  // 160 − 150
}

TEST_CASE("harmonise fewest bands within tolerance is nothing when an area cannot be paid", "[harmonise]") {
  // 1,000 at ±10 % may be paid 900 to 1,100: no multiple of 5,000 in it.
  CHECK_FALSE(meb::fewest_bands_within(vec({40000, 1000, 60000}), ones(3), 0.10, step(5000)));
  // Without rounding every area can at least be paid its own value; tolerance 0 gives one band per value.
  const std::optional<meb::Partition> exact = meb::fewest_bands_within(vec({3, 1, 3, 2}), ones(4), 0.0);
  REQUIRE(exact);
  CHECK(area_sets(*exact) == std::vector<std::vector<std::size_t>>{{1}, {3}, {0, 2}});
  CHECK(exact->objective_value == 0.0);
}

TEST_CASE("harmonise fewest bands within tolerance equals brute force", "[harmonise]") {
  // The least number of groups over ALL set partitions such that each group has a paid value (a multiple
  // of the step when rounding) within tolerance of every member: [max v·(1 − t), min v·(1 + t)] holds one.
  std::mt19937 rng(4242);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 1 + static_cast<std::size_t>(trial % 8);
    const RandomAreas areas = random_areas(rng, n, trial % 3 == 0, 1000.0, 3000.0);
    const double tolerance = std::vector<double>{0.05, 0.10, 0.20}[static_cast<std::size_t>(trial) % 3];
    const std::optional<meb::Rounding> rounding =
        trial % 2 == 0 ? std::nullopt : std::optional<meb::Rounding>(step(trial % 4 == 1 ? 50.0 : 250.0));
    const auto group_feasible = [&](const std::vector<double>& group) {
      const double low = *std::max_element(group.begin(), group.end()) * (1.0 - tolerance);
      const double high = *std::min_element(group.begin(), group.end()) * (1.0 + tolerance);
      if (!rounding) return low <= high * (1 + 1e-12);
      return std::ceil(low / rounding->step - 1e-9) <= std::floor(high / rounding->step + 1e-9);
    };
    std::size_t fewest = n + 1;
    for_each_set_partition(n, [&](const std::vector<std::size_t>& group_of, std::size_t groups) {
      std::vector<std::vector<double>> members(groups);
      for (std::size_t i = 0; i < n; ++i) members[group_of[i]].push_back(areas.values[static_cast<Eigen::Index>(i)]);
      if (std::all_of(members.begin(), members.end(), group_feasible)) fewest = std::min(fewest, groups);
    });
    INFO("trial " << trial << ", n = " << n << ", tolerance " << tolerance);
    const std::optional<meb::Partition> bands =
        meb::fewest_bands_within(areas.values, areas.weights, tolerance, rounding);
    if (fewest > n) {
      CHECK_FALSE(bands);
      continue;
    }
    REQUIRE(bands);
    CHECK(bands->bands.size() == fewest);
    recomputed_objective(*bands, areas.values, areas.weights);  // bookkeeping only: paid is checked below
    for (Eigen::Index i = 0; i < areas.values.size(); ++i) {
      const double paid = bands->bands[bands->band_of_area[static_cast<std::size_t>(i)]].paid;
      CHECK(std::abs(paid - areas.values[i]) <= tolerance * areas.values[i] * (1 + 1e-12));
      if (rounding) CHECK(std::remainder(paid, rounding->step) == 0.0);
    }
  }
}

TEST_CASE("harmonise national value by population", "[harmonise]") {
  // Values 100, 200, 400 with populations 1,000, 3,000, 1,000 (and an area of no population).
  const Eigen::VectorXd values = vec({400, 100, 1e6, 200});
  const Eigen::VectorXd population = vec({1000, 1000, 0, 3000});
  // Mean: (100·1,000 + 200·3,000 + 400·1,000) / 5,000 = 1,100,000 / 5,000 = 220.
  CHECK(meb::national_value(values, population, NationalStatistic::mean) == Approx(220.0).epsilon(1e-15));
  // Median: sorted 100 (1,000), 200 (3,000), 400 (1,000); W = 5,000, W/2 = 2,500; cumulative 1,000, 4,000:
  // the first past 2,500 is 200.
  CHECK(meb::national_value(values, population, NationalStatistic::median) == 200.0);
  // Two equal populations: the half falls on the boundary, median (100 + 200)/2 = 150.
  CHECK(meb::national_value(vec({200, 100}), vec({5000, 5000}), NationalStatistic::median) == 150.0);
}

TEST_CASE("harmonise errors name the index and the value", "[harmonise]") {
  const auto sq = BandObjective::squared_gap;
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2}), vec({1}), 1, sq), Catch::Contains("2 values but 1 weights"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(Eigen::VectorXd(0), Eigen::VectorXd(0), 1, sq),
                      Catch::Contains("optimal_bands: no areas"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2}), ones(2), 0, sq), Catch::Contains("k = 0"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, std::nan("")}), ones(2), 1, sq),
                      Catch::Contains("values[1] = nan is not a finite number"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({5, -2}), ones(2), 1, BandObjective::largest_gap),
                      Catch::Contains("values[1] = -2 is not > 0"));
  CHECK_NOTHROW(meb::optimal_bands(vec({5, -2}), ones(2), 1, sq));  // the squared gap takes any finite value
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2, 3}), vec({1, 1, -0.5}), 1, sq),
                      Catch::Contains("weights[2] = -0.5 is not a finite number >= 0"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2}), vec({INFINITY, 1}), 1, sq),
                      Catch::Contains("weights[0] = inf is not a finite number >= 0"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2}), vec({0, 0}), 1, sq), Catch::Contains("every weight is 0 (2 areas)"));
  REQUIRE_THROWS_WITH(meb::optimal_bands(vec({1, 2}), ones(2), 1, sq, step(0)),
                      Catch::Contains("rounding step = 0 is not a finite number > 0"));
  REQUIRE_THROWS_WITH(meb::fewest_bands_within(vec({1, 2}), ones(2), -0.1),
                      Catch::Contains("fewest_bands_within: tolerance = -0.1 is not a finite number >= 0"));
  REQUIRE_THROWS_WITH(meb::fewest_bands_within(vec({1, 0}), ones(2), 0.1),
                      Catch::Contains("fewest_bands_within: values[1] = 0 is not > 0"));
  REQUIRE_THROWS_WITH(meb::national_value(vec({1, 2}), vec({1, -3}), NationalStatistic::mean),
                      Catch::Contains("national_value: weights[1] = -3 is not a finite number >= 0"));
  CHECK(std::string(meb::to_string(BandObjective::largest_gap)) == "largest_gap");
  CHECK(std::string(meb::to_string(BandObjective::squared_gap)) == "squared_gap");
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "meb/weighted.hpp"

using meb::band_mask;
using meb::Mask;
using meb::weighted_mean;
using meb::weighted_median;
using meb::weighted_quantile;

namespace {

Eigen::VectorXd vec(const std::vector<double>& values) {
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
}

Eigen::VectorXd ones(Eigen::Index n) { return Eigen::VectorXd::Ones(n); }

std::vector<bool> flags(const Mask& mask) {
  std::vector<bool> out;
  for (Eigen::Index i = 0; i < mask.size(); ++i) out.push_back(mask[i]);
  return out;
}

}  // namespace

TEST_CASE("weighted mean of a hand case", "[weighted]") {
  // (10·1 + 20·1 + 30·2) / (1 + 1 + 2) = 90 / 4 = 22.5
  CHECK(weighted_mean(vec({10, 20, 30}), vec({1, 1, 2})) == Approx(22.5).epsilon(1e-15));
  // Equal weights: the ordinary mean (1 + 2 + 6) / 3 = 3.
  CHECK(weighted_mean(vec({1, 2, 6}), vec({0.7, 0.7, 0.7})) == Approx(3.0).epsilon(1e-15));
}

TEST_CASE("weighted median with equal weights is the ordinary median", "[weighted]") {
  // Odd count: sorted 1 3 5, W = 3, p·W = 1.5, C = 1 2 3 → first C > 1.5 is C₂ → 3.
  CHECK(weighted_median(vec({5, 1, 3}), ones(3)) == 3.0);
  // Even count: sorted 1 2 3 4, W = 4, p·W = 2 = C₂ → (2 + 3) / 2 = 2.5.
  CHECK(weighted_median(vec({4, 1, 3, 2}), ones(4)) == 2.5);
  // The common weight does not matter (0.25 each: W = 1.25, p·W = 0.625 = C₃ of 6 values).
  // Sorted 10 20 30 40 50 60 → (30 + 40) / 2 = 35.
  CHECK(weighted_median(vec({60, 10, 50, 20, 40, 30}), Eigen::VectorXd::Constant(6, 0.25)) == 35.0);
}

TEST_CASE("weighted median with unequal weights and ties", "[weighted]") {
  // Sorted 1 2 3 with weights 1 1 4: W = 6, p·W = 3, C = 1 2 6 → 3 (the unweighted median would be 2).
  CHECK(weighted_median(vec({3, 1, 2}), vec({4, 1, 1})) == 3.0);
  // Ties: 10(1) 20(1) 20(2) 30(1): W = 5, p·W = 2.5, C = 1 2 4 5 → 20.
  CHECK(weighted_median(vec({20, 30, 10, 20}), vec({2, 1, 1, 1})) == 20.0);
  // All equal: 2 2 2 5, W = 4, p·W = 2 = C₂ → (2 + 2) / 2 = 2.
  CHECK(weighted_median(vec({2, 5, 2, 2}), ones(4)) == 2.0);
  // Boundary at the end of a run of ties: 10(1) 20(1) 20(1) 30(3): W = 6, p·W = 3 = C₃ → (20 + 30) / 2 = 25.
  CHECK(weighted_median(vec({30, 20, 10, 20}), vec({3, 1, 1, 1})) == 25.0);
}

TEST_CASE("weighted quantile of a single household", "[weighted]") {
  for (const double p : {0.0, 0.1, 0.5, 0.9, 1.0}) CHECK(weighted_quantile(vec({7}), vec({0.3}), p) == 7.0);
  CHECK(weighted_median(vec({7}), vec({12.5})) == 7.0);
  CHECK(weighted_mean(vec({7}), vec({12.5})) == 7.0);
}

TEST_CASE("weighted quantile averages exactly at a boundary of the cumulative weight", "[weighted]") {
  // Sorted 1 2 3 4 with weights 1 2 3 4: W = 10, C = 1 3 6 10.
  const Eigen::VectorXd x = vec({4, 2, 1, 3});
  const Eigen::VectorXd w = vec({4, 2, 1, 3});
  CHECK(weighted_quantile(x, w, 0.05) == 1.0);  // p·W = 0.5 < C₁ = 1
  CHECK(weighted_quantile(x, w, 0.1) == 1.5);   // p·W = 1 = C₁ → (1 + 2) / 2
  CHECK(weighted_quantile(x, w, 0.2) == 2.0);   // p·W = 2, first C > 2 is C₂ = 3
  CHECK(weighted_quantile(x, w, 0.3) == 2.5);   // p·W = 3 = C₂ → (2 + 3) / 2
  CHECK(weighted_quantile(x, w, 0.35) == 3.0);  // p·W = 3.5, first C > 3.5 is C₃ = 6
  CHECK(weighted_quantile(x, w, 0.6) == 3.5);   // p·W = 6 = C₃ → (3 + 4) / 2
  CHECK(weighted_quantile(x, w, 0.61) == 4.0);  // p·W = 6.1 → C₄
}

TEST_CASE("weighted quantile at p = 0 is the minimum and at p = 1 the maximum", "[weighted]") {
  const Eigen::VectorXd x = vec({3, -1, 8, 8, 0.5});
  const Eigen::VectorXd w = vec({0.1, 5, 2, 0.001, 3});
  CHECK(weighted_quantile(x, w, 0.0) == -1.0);
  CHECK(weighted_quantile(x, w, 1.0) == 8.0);
  CHECK(weighted_quantile(x, ones(5), 1.0) == 8.0);  // p·W = W = C₅: no x₆, the maximum
}

TEST_CASE("a household of weight 2 equals two copies of weight 1", "[weighted]") {
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<int> count(1, 12), value(0, 20), weight(1, 4);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int trial = 0; trial < 300; ++trial) {
    const int n = count(rng);
    std::vector<double> x, w, x_copies, w_copies;
    int total = 0;
    for (int i = 0; i < n; ++i) {
      // Small integer values give ties; integer weights give exact cumulative sums, so boundaries are hit.
      const double xi = value(rng) * 1.5;
      const int wi = weight(rng);
      x.push_back(xi);
      w.push_back(wi);
      for (int c = 0; c < wi; ++c) {
        x_copies.push_back(xi);
        w_copies.push_back(1.0);
      }
      total += wi;
    }
    // Every boundary j/W of the cumulative weight, plus random probabilities.
    std::vector<double> ps = {0.0, 0.5, 1.0, uniform(rng), uniform(rng)};
    for (int j = 1; j < total; ++j) ps.push_back(static_cast<double>(j) / total);
    for (const double p : ps) {
      INFO("trial " << trial << ", p = " << p);
      CHECK(weighted_quantile(vec(x), vec(w), p) == weighted_quantile(vec(x_copies), vec(w_copies), p));
    }
    CHECK(weighted_mean(vec(x), vec(w)) == Approx(weighted_mean(vec(x_copies), vec(w_copies))).epsilon(1e-14));

    // Real weights: one household of weight 2a against two of weight a, the others untouched.
    std::vector<double> real_w;
    for (int i = 0; i < n; ++i) real_w.push_back(0.1 + 3.0 * uniform(rng));
    real_w[0] *= 2.0;
    std::vector<double> split_x(x), split_w(real_w);
    split_w[0] = real_w[0] / 2.0;
    split_x.push_back(x[0]);
    split_w.push_back(real_w[0] / 2.0);
    for (const double p : {0.1, 0.25, 0.5, 0.75, 0.9, uniform(rng)}) {
      INFO("trial " << trial << ", real weights, p = " << p);
      CHECK(weighted_quantile(vec(x), vec(real_w), p) == weighted_quantile(vec(split_x), vec(split_w), p));
    }
  }
}

TEST_CASE("weighted quantiles do not depend on the order of the households", "[weighted]") {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int trial = 0; trial < 100; ++trial) {
    std::vector<std::pair<double, double>> rows;
    for (int i = 0; i < 9; ++i) rows.emplace_back(std::floor(uniform(rng) * 5.0), 0.5 + uniform(rng));
    auto split = [&](std::vector<double>& x, std::vector<double>& w) {
      x.clear();
      w.clear();
      for (const auto& [xi, wi] : rows) {
        x.push_back(xi);
        w.push_back(wi);
      }
    };
    std::vector<double> x1, w1, x2, w2;
    split(x1, w1);
    std::shuffle(rows.begin(), rows.end(), rng);
    split(x2, w2);
    for (const double p : {0.0, 0.2, 0.5, 0.8, 1.0}) CHECK(weighted_quantile(vec(x1), vec(w1), p) == weighted_quantile(vec(x2), vec(w2), p));
    CHECK(weighted_mean(vec(x1), vec(w1)) == weighted_mean(vec(x2), vec(w2)));
  }
}

TEST_CASE("scaling the values by k scales the weighted quantiles and mean by k", "[weighted]") {
  std::mt19937 rng(99);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (int trial = 0; trial < 100; ++trial) {
    const Eigen::Index n = 1 + static_cast<Eigen::Index>(uniform(rng) * 15.0);
    Eigen::VectorXd x(n), w(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      x[i] = 1000.0 * uniform(rng);
      w[i] = static_cast<double>(1 + static_cast<int>(uniform(rng) * 3.0));  // integer: boundaries occur
    }
    const double k = 0.1 + 10.0 * uniform(rng);
    for (const double p : {0.0, 0.2, 0.5, 0.7, 1.0}) {
      CHECK(weighted_quantile(k * x, w, p) == Approx(k * weighted_quantile(x, w, p)).epsilon(1e-13));
      // Scaling the weights changes nothing (the tolerance is relative to W).
      CHECK(weighted_quantile(x, 3.7 * w, p) == weighted_quantile(x, w, p));
    }
    CHECK(weighted_mean(k * x, w) == Approx(k * weighted_mean(x, w)).epsilon(1e-13));
  }
}

TEST_CASE("band_mask selects the 3rd to 5th deciles of ten households", "[weighted]") {
  // Per-capita spending of ten households; sorted 10 20 … 100.
  const Eigen::VectorXd x = vec({50, 10, 90, 30, 70, 20, 100, 40, 60, 80});
  // Equal weights: Q(0.2): p·W = 2 = C₂ → (20 + 30) / 2 = 25; Q(0.5): p·W = 5 = C₅ → (50 + 60) / 2 = 55.
  // In [25, 55]: 30, 40, 50 (indices 3, 7, 0).
  CHECK(flags(band_mask(x, ones(10), 0.2, 0.5)) ==
        std::vector<bool>{true, false, false, true, false, false, false, true, false, false});

  // The household spending 30 weighs 2: W = 11. Q(0.2): p·W = 2.2, C = 1 2 4 … → 30.
  // Q(0.5): p·W = 5.5, C(40) = 5, C(50) = 6 → 50. Band [30, 50]: the same three households; the one
  // of weight 2 straddles the lower boundary (cumulative 2 to 4 around 2.2) and is in.
  Eigen::VectorXd w = ones(10);
  w[3] = 2.0;
  CHECK(flags(band_mask(x, w, 0.2, 0.5)) ==
        std::vector<bool>{true, false, false, true, false, false, false, true, false, false});

  // The whole distribution, and a single decile (the 10th: Q(0.9) = (90 + 100) / 2 = 95 to Q(1) = 100).
  CHECK(band_mask(x, ones(10), 0.0, 1.0).count() == 10);
  CHECK(flags(band_mask(x, ones(10), 0.9, 1.0)) ==
        std::vector<bool>{false, false, false, false, false, false, true, false, false, false});
}

TEST_CASE("band_mask keeps tied households together", "[weighted]") {
  // Sorted 1 2 2 2 3: Q(0.2): p·W = 1 = C₁ → (1 + 2) / 2 = 1.5; Q(0.4): p·W = 2 = C₂ → (2 + 2) / 2 = 2.
  // Every household spending 2 is in, though the band spans only 20% of the weight.
  CHECK(flags(band_mask(vec({2, 1, 2, 3, 2}), ones(5), 0.2, 0.4)) == std::vector<bool>{true, false, true, false, true});
}

TEST_CASE("weighted statistics reject bad input with the offending value", "[weighted]") {
  const Eigen::VectorXd x = vec({1, 2, 3});
  REQUIRE_THROWS_AS(weighted_median(Eigen::VectorXd(), Eigen::VectorXd()), std::invalid_argument);
  REQUIRE_THROWS_WITH(weighted_median(Eigen::VectorXd(), Eigen::VectorXd()), Catch::Contains("no observations"));
  REQUIRE_THROWS_WITH(weighted_mean(x, ones(2)), Catch::Contains("3 values but 2 weights"));
  REQUIRE_THROWS_WITH(weighted_quantile(x, vec({1, 0, 1}), 0.5), Catch::Contains("weights[1] = 0 is not a finite number > 0"));
  REQUIRE_THROWS_WITH(weighted_median(x, vec({1, 1, -2.5})), Catch::Contains("weights[2] = -2.5"));
  REQUIRE_THROWS_WITH(weighted_mean(vec({1, std::nan(""), 3}), ones(3)), Catch::Contains("values[1] = nan"));
  REQUIRE_THROWS_AS(weighted_quantile(x, ones(3), 1.5), std::invalid_argument);
  REQUIRE_THROWS_WITH(weighted_quantile(x, ones(3), 1.5), Catch::Contains("p = 1.5 is outside [0, 1]"));
  REQUIRE_THROWS_WITH(weighted_quantile(x, ones(3), -0.25), Catch::Contains("p = -0.25 is outside [0, 1]"));
  REQUIRE_THROWS_WITH(band_mask(x, ones(3), 0.5, 0.2), Catch::Contains("p_from = 0.5 is greater than p_to = 0.2"));
  REQUIRE_THROWS_WITH(band_mask(x, ones(3), 0.2, 2.0), Catch::Contains("p_to = 2 is outside [0, 1]"));
}

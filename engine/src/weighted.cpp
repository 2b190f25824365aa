#include "meb/weighted.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace meb {
namespace {

/// The shortest decimal that reads back as `value` (0.2, not 0.20000000000000001).
std::string number(double value) {
  std::string text;
  for (int precision = 6; precision <= 17; ++precision) {
    std::ostringstream out;
    out.precision(precision);
    out << value;
    text = out.str();
    if (std::strtod(text.c_str(), nullptr) == value) break;
  }
  return text;
}

void check_inputs(const char* function, const Eigen::Ref<const Eigen::VectorXd>& values,
                  const Eigen::Ref<const Eigen::VectorXd>& weights) {
  const std::string name(function);
  if (values.size() == 0) throw std::invalid_argument(name + ": no observations");
  if (values.size() != weights.size())
    throw std::invalid_argument(name + ": " + std::to_string(values.size()) + " values but " +
                                std::to_string(weights.size()) + " weights");
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw std::invalid_argument(name + ": values[" + std::to_string(i) + "] = " + number(values[i]) +
                                  " is not a finite number");
    if (!(weights[i] > 0.0) || !std::isfinite(weights[i]))
      throw std::invalid_argument(name + ": weights[" + std::to_string(i) + "] = " + number(weights[i]) +
                                  " is not a finite number > 0");
  }
}

void check_probability(const char* function, const char* what, double p) {
  if (!(p >= 0.0 && p <= 1.0))
    throw std::invalid_argument(std::string(function) + ": " + what + " = " + number(p) + " is outside [0, 1]");
}

/// Observation indices sorted by value, ties by weight: a canonical order, so sums and cumulative
/// weights do not depend on the order of the input rows.
std::vector<Eigen::Index> sorted_order(const Eigen::Ref<const Eigen::VectorXd>& values,
                                       const Eigen::Ref<const Eigen::VectorXd>& weights) {
  std::vector<Eigen::Index> order(static_cast<std::size_t>(values.size()));
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::sort(order.begin(), order.end(), [&](Eigen::Index a, Eigen::Index b) {
    return values[a] < values[b] || (values[a] == values[b] && weights[a] < weights[b]);
  });
  return order;
}

/// Neumaier's compensated sum: cumulative weights of 10^5 households stay exact to a few ulps, well
/// inside the 1e-12 relative tolerance that decides whether p·W falls on a boundary.
class CompensatedSum {
 public:
  void add(double x) {
    const double t = sum_ + x;
    if (std::abs(sum_) >= std::abs(x))
      compensation_ += (sum_ - t) + x;
    else
      compensation_ += (x - t) + sum_;
    sum_ = t;
  }
  [[nodiscard]] double value() const { return sum_ + compensation_; }

 private:
  double sum_ = 0.0;
  double compensation_ = 0.0;
};

/// Hyndman & Fan (1996) definition 2 over observations already checked and sorted.
double quantile_sorted(const Eigen::Ref<const Eigen::VectorXd>& values, const Eigen::Ref<const Eigen::VectorXd>& weights,
                       const std::vector<Eigen::Index>& order, double p) {
  const std::size_t n = order.size();
  if (p == 0.0) return values[order.front()];
  if (p == 1.0) return values[order.back()];
  CompensatedSum total;
  for (const Eigen::Index i : order) total.add(weights[i]);
  const double target = p * total.value();
  const double tolerance = 1e-12 * total.value();
  CompensatedSum cumulative;
  for (std::size_t k = 0; k < n; ++k) {
    cumulative.add(weights[order[k]]);
    const double c = cumulative.value();
    // C is increasing, so the first C_k that reaches p·W (within the tolerance) decides: on the
    // boundary, the average with the next value; past it, this value.
    if (c < target - tolerance) continue;
    const double x = values[order[k]];
    if (c <= target + tolerance && k + 1 < n) return 0.5 * (x + values[order[k + 1]]);
    return x;
  }
  return values[order.back()];  // not reached: C_n = W ≥ p·W
}

}  // namespace

double weighted_mean(const Eigen::Ref<const Eigen::VectorXd>& values, const Eigen::Ref<const Eigen::VectorXd>& weights) {
  check_inputs("weighted_mean", values, weights);
  CompensatedSum weighted, total;
  for (const Eigen::Index i : sorted_order(values, weights)) {
    weighted.add(weights[i] * values[i]);
    total.add(weights[i]);
  }
  return weighted.value() / total.value();
}

double weighted_quantile(const Eigen::Ref<const Eigen::VectorXd>& values,
                         const Eigen::Ref<const Eigen::VectorXd>& weights, double p) {
  check_inputs("weighted_quantile", values, weights);
  check_probability("weighted_quantile", "p", p);
  return quantile_sorted(values, weights, sorted_order(values, weights), p);
}

double weighted_median(const Eigen::Ref<const Eigen::VectorXd>& values, const Eigen::Ref<const Eigen::VectorXd>& weights) {
  check_inputs("weighted_median", values, weights);
  return quantile_sorted(values, weights, sorted_order(values, weights), 0.5);
}

Mask band_mask(const Eigen::Ref<const Eigen::VectorXd>& values, const Eigen::Ref<const Eigen::VectorXd>& weights,
               double p_from, double p_to) {
  check_inputs("band_mask", values, weights);
  check_probability("band_mask", "p_from", p_from);
  check_probability("band_mask", "p_to", p_to);
  if (p_from > p_to)
    throw std::invalid_argument("band_mask: p_from = " + number(p_from) + " is greater than p_to = " + number(p_to));
  const std::vector<Eigen::Index> order = sorted_order(values, weights);
  const double low = quantile_sorted(values, weights, order, p_from);
  const double high = quantile_sorted(values, weights, order, p_to);
  return (values.array() >= low && values.array() <= high);
}

}  // namespace meb

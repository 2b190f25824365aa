#include "meb/harmonise.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>

#include "meb/weighted.hpp"

namespace meb {

const char* to_string(BandObjective objective) {
  return objective == BandObjective::largest_gap ? "largest_gap" : "squared_gap";
}

namespace {

using Vector = Eigen::Ref<const Eigen::VectorXd>;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// Two partitions whose objectives differ by less than this, relative, are equally good: the tie-break
/// of the header then decides, and rounding noise in the last bits cannot.
constexpr double kTieTolerance = 1e-12;

/// Slack on the tolerance interval [v·(1 − t), v·(1 + t)], relative: v·(1 ± t) is itself rounded, and an
/// area exactly at the tolerance (110 paid 99 at ±10 %) must count as within it.
constexpr double kIntervalSlack = 1e-12;

std::string shown(double value) {
  std::ostringstream text;
  text.precision(10);
  text << value;
  return text.str();
}

std::string at(const char* vector, Eigen::Index index, double value) {
  return std::string(vector) + "[" + std::to_string(index) + "] = " + shown(value);
}

/// The checks every function here shares (see the header's list); `positive_values` for the objectives
/// that divide by the area's own value.
void check_areas(const char* function, const Vector& values, const Vector& weights, bool positive_values) {
  const std::string name(function);
  if (values.size() != weights.size())
    throw std::invalid_argument(name + ": " + std::to_string(values.size()) + " values but " +
                                std::to_string(weights.size()) + " weights");
  if (values.size() == 0) throw std::invalid_argument(name + ": no areas");
  bool some_weight = false;
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    if (!std::isfinite(values[i]))
      throw std::invalid_argument(name + ": " + at("values", i, values[i]) + " is not a finite number");
    if (positive_values && !(values[i] > 0.0))
      throw std::invalid_argument(name + ": " + at("values", i, values[i]) +
                                  " is not > 0 (gaps are relative to the area's own value)");
    if (!std::isfinite(weights[i]) || !(weights[i] >= 0.0))
      throw std::invalid_argument(name + ": " + at("weights", i, weights[i]) + " is not a finite number >= 0");
    some_weight = some_weight || weights[i] > 0.0;
  }
  if (!some_weight)
    throw std::invalid_argument(name + ": every weight is 0 (" + std::to_string(values.size()) +
                                " areas): a population-weighted value needs some population");
}

void check_rounding(const char* function, const std::optional<Rounding>& rounding) {
  if (rounding && !(std::isfinite(rounding->step) && rounding->step > 0.0))
    throw std::invalid_argument(std::string(function) + ": rounding step = " + shown(rounding->step) +
                                " is not a finite number > 0");
}

/// Area indices sorted by (value, weight, index). Areas with the same value and weight are
/// interchangeable, so every computation below sees the same sequence of numbers, bit for bit, whatever
/// the input order: that is what makes the bands independent of it.
std::vector<std::size_t> sorted_areas(const Vector& values, const Vector& weights) {
  std::vector<std::size_t> order(static_cast<std::size_t>(values.size()));
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto i = static_cast<Eigen::Index>(a);
    const auto j = static_cast<Eigen::Index>(b);
    if (values[i] != values[j]) return values[i] < values[j];
    if (weights[i] != weights[j]) return weights[i] < weights[j];
    return a < b;
  });
  return order;
}

/// Weighted mean and Σ w·(v − mean)² of a growing band, updated one area at a time by West's algorithm
/// (D. H. D. West 1979, "Updating mean and variance estimates: an improved method", CACM 22(9):532-535).
/// It never forms Σ w·v² − (Σ w·v)²/Σ w, whose cancellation would swamp the small within-band costs the
/// partition compares. Zero-weight areas leave the weighted moments alone; a band of zero-weight areas
/// only is worth the plain mean of its values (it costs nothing wherever it is paid). Areas are added in
/// increasing order of value.
class BandMoments {
 public:
  void add(double value, double weight) {
    if (count_ == 0) lowest_ = value;
    highest_ = value;
    ++count_;
    plain_sum_ += value;
    if (weight == 0.0) return;
    if (weight_ == 0.0) {  // the first weighted area: its value exactly (value·w/w may round)
      mean_ = value;
      weight_ = weight;
      return;
    }
    const double total = weight_ + weight;
    const double delta = value - mean_;
    const double shift = delta * weight / total;
    mean_ += shift;
    squared_gap_ += weight_ * delta * shift;  // = weight_·weight/total · delta²
    weight_ = total;
  }
  [[nodiscard]] double weight() const { return weight_; }
  [[nodiscard]] double squared_gap() const { return squared_gap_; }
  /// The weighted mean (the plain mean without weight), kept within the band's values: a rounding of
  /// the update must not put a band above the next one's lowest value.
  [[nodiscard]] double value() const {
    const double mean = weight_ > 0.0 ? mean_ : plain_sum_ / static_cast<double>(count_);
    return std::clamp(mean, lowest_, highest_);
  }

 private:
  double lowest_ = 0.0;
  double highest_ = 0.0;
  double weight_ = 0.0;
  double mean_ = 0.0;
  double squared_gap_ = 0.0;
  double plain_sum_ = 0.0;
  std::size_t count_ = 0;
};

/// The areas sorted, as plain arrays the dynamic programme reads.
struct SortedAreas {
  std::vector<std::size_t> index;
  std::vector<double> value;
  std::vector<double> weight;

  SortedAreas(const Vector& values, const Vector& weights) : index(sorted_areas(values, weights)) {
    for (const std::size_t area : index) {
      value.push_back(values[static_cast<Eigen::Index>(area)]);
      weight.push_back(weights[static_cast<Eigen::Index>(area)]);
    }
  }
  [[nodiscard]] std::size_t size() const { return index.size(); }
  [[nodiscard]] std::size_t distinct_values() const {
    std::size_t distinct = 1;
    for (std::size_t i = 1; i < value.size(); ++i) distinct += value[i] != value[i - 1] ? 1 : 0;
    return distinct;
  }
};

/// A band over sorted positions [first, last]: its areas listed by (value, index) as the header says.
Band band_over(const SortedAreas& sorted, const Vector& values, std::size_t first, std::size_t last) {
  Band band;
  band.areas.assign(sorted.index.begin() + static_cast<std::ptrdiff_t>(first),
                    sorted.index.begin() + static_cast<std::ptrdiff_t>(last + 1));
  std::sort(band.areas.begin(), band.areas.end(), [&](std::size_t a, std::size_t b) {
    const double va = values[static_cast<Eigen::Index>(a)], vb = values[static_cast<Eigen::Index>(b)];
    return va < vb || (va == vb && a < b);
  });
  for (std::size_t i = first; i <= last; ++i) band.weight += sorted.weight[i];
  return band;
}

/// band_of_area and the per-area gaps after rounding, once every band has its paid value.
void fill_gaps(Partition& partition, const Vector& values) {
  const auto n = values.size();
  partition.band_of_area.assign(static_cast<std::size_t>(n), 0);
  partition.gap.resize(n);
  partition.relative_gap.resize(n);
  for (std::size_t b = 0; b < partition.bands.size(); ++b) {
    for (const std::size_t area : partition.bands[b].areas) {
      const auto i = static_cast<Eigen::Index>(area);
      partition.band_of_area[area] = b;
      partition.gap[i] = partition.bands[b].paid - values[i];
      partition.relative_gap[i] = partition.gap[i] / values[i];
    }
  }
}

/// Adds a band's cost to the cost of the bands after it: a sum for the squared gap, a maximum for the
/// largest gap.
template <BandObjective objective>
double combine(double band_cost, double rest_cost) {
  if constexpr (objective == BandObjective::squared_gap) return band_cost + rest_cost;
  else return std::max(band_cost, rest_cost);
}

/// The exact dynamic programme over the sorted areas (Fisher 1958; Jenks' natural breaks are its
/// squared-gap case). best(i, k) is the least cost of splitting the sorted areas i..n−1 into k bands,
///   best(i, k) = min over band ends j ≥ i of combine(cost(i..j), best(j + 1, k − 1)),  best(n, 0) = 0.
/// The programme runs over suffixes so that the tie-break can be read forwards: the first band takes the
/// earliest end that still reaches the optimum, then the second, and so on.
///
/// For each start i, one pass over j grows the band i..j (West's update for the squared gap) and feeds
/// every k at once, so the band costs are computed once, O(n²), and the K-fold work is a contiguous
/// min-plus loop (best is stored position-major, K + 1 numbers per position).
template <BandObjective objective>
std::vector<std::size_t> optimal_band_ends(const SortedAreas& sorted, std::size_t bands) {
  const std::size_t n = sorted.size();
  const std::size_t stride = bands + 1;
  // Bands never split a run of equal values unless there are fewer distinct values than bands: an
  // optimal partition without such a split always exists (move the run to the nearer band value), and
  // this keeps areas with the same value, but different weights or indices, together whatever their order.
  const bool keep_ties_together = bands <= sorted.distinct_values();
  std::vector<char> may_end(n, 1);
  if (keep_ties_together)
    for (std::size_t j = 0; j + 1 < n; ++j) may_end[j] = sorted.value[j] < sorted.value[j + 1] ? 1 : 0;

  const auto band_cost = [&](const BandMoments& band, std::size_t first, std::size_t last) {
    if constexpr (objective == BandObjective::squared_gap) return band.squared_gap();
    // Paid 2·min·max/(min + max), both ends are off by (max − min)/(max + min) of their own value, and
    // every area in between by less.
    else return (sorted.value[last] - sorted.value[first]) / (sorted.value[last] + sorted.value[first]);
  };

  std::vector<double> best((n + 1) * stride, kInfinity);
  best[n * stride] = 0.0;
  for (std::size_t first = n; first-- > 0;) {
    if (first > 0 && !may_end[first - 1]) continue;  // not a band start
    double* const here = &best[first * stride];
    const std::size_t most_bands = std::min(bands, n - first);
    BandMoments band;
    for (std::size_t last = first; last < n; ++last) {
      band.add(sorted.value[last], sorted.weight[last]);
      if (!may_end[last]) continue;
      const double cost = band_cost(band, first, last);
      const double* const rest = &best[(last + 1) * stride];
      for (std::size_t k = 1; k <= most_bands; ++k) here[k] = std::min(here[k], combine<objective>(cost, rest[k - 1]));
    }
  }

  // Forwards: each band ends at the first position whose total is the optimum, up to kTieTolerance.
  std::vector<std::size_t> ends;
  std::size_t first = 0;
  for (std::size_t left = bands; left > 0; --left) {
    const double target = best[first * stride + left];
    const double accepted = target + kTieTolerance * std::abs(target);
    BandMoments band;
    std::size_t last = first;
    for (;; ++last) {
      band.add(sorted.value[last], sorted.weight[last]);
      if (may_end[last] &&
          combine<objective>(band_cost(band, first, last), best[(last + 1) * stride + left - 1]) <= accepted)
        break;
    }
    ends.push_back(last);
    first = last + 1;
  }
  return ends;
}

}  // namespace

double national_value(const Vector& values, const Vector& weights, NationalStatistic statistic) {
  check_areas("national_value", values, weights, false);
  // Areas of zero population weigh nothing; weighted.hpp wants weights > 0, so they are left out.
  std::vector<double> kept_values, kept_weights;
  for (Eigen::Index i = 0; i < values.size(); ++i) {
    if (weights[i] == 0.0) continue;
    kept_values.push_back(values[i]);
    kept_weights.push_back(weights[i]);
  }
  const auto size = static_cast<Eigen::Index>(kept_values.size());
  const Eigen::Map<const Eigen::VectorXd> kept_v(kept_values.data(), size);
  const Eigen::Map<const Eigen::VectorXd> kept_w(kept_weights.data(), size);
  return statistic == NationalStatistic::median ? weighted_median(kept_v, kept_w) : weighted_mean(kept_v, kept_w);
}

Partition optimal_bands(const Vector& values, const Vector& weights, std::size_t k, BandObjective objective,
                        const std::optional<Rounding>& rounding) {
  check_areas("optimal_bands", values, weights, objective == BandObjective::largest_gap);
  if (k < 1) throw std::invalid_argument("optimal_bands: k = 0: at least one band is needed");
  check_rounding("optimal_bands", rounding);

  const SortedAreas sorted(values, weights);
  const std::size_t bands = std::min(k, sorted.size());
  const std::vector<std::size_t> ends = objective == BandObjective::squared_gap
                                            ? optimal_band_ends<BandObjective::squared_gap>(sorted, bands)
                                            : optimal_band_ends<BandObjective::largest_gap>(sorted, bands);

  Partition partition;
  partition.objective = objective;
  std::size_t first = 0;
  for (const std::size_t last : ends) {
    Band band = band_over(sorted, values, first, last);
    if (objective == BandObjective::squared_gap) {
      BandMoments moments;
      for (std::size_t i = first; i <= last; ++i) moments.add(sorted.value[i], sorted.weight[i]);
      band.value = moments.value();
      partition.objective_value += moments.squared_gap();
    } else {
      const double low = sorted.value[first], high = sorted.value[last];
      band.value = 2.0 * low * high / (low + high);
      partition.objective_value = std::max(partition.objective_value, (high - low) / (high + low));
    }
    band.paid = rounding ? round_to_step(band.value, *rounding) : band.value;
    partition.bands.push_back(std::move(band));
    first = last + 1;
  }
  fill_gaps(partition, values);
  return partition;
}

std::optional<Partition> fewest_bands_within(const Vector& values, const Vector& weights, double tolerance,
                                             const std::optional<Rounding>& rounding) {
  check_areas("fewest_bands_within", values, weights, true);
  if (!(std::isfinite(tolerance) && tolerance >= 0.0))
    throw std::invalid_argument("fewest_bands_within: tolerance = " + shown(tolerance) +
                                " is not a finite number >= 0");
  check_rounding("fewest_bands_within", rounding);

  const SortedAreas sorted(values, weights);
  const std::size_t n = sorted.size();
  // The band's paid values within tolerance of every area in it form [low, high]; with a rounding step,
  // the multiples step·m for m in [first_multiple, last_multiple]. Feasible while that is not empty.
  struct Interval {
    double low, high;
    double first_multiple = 0.0, last_multiple = 0.0;
  };
  const auto interval = [&](double low, double high) {
    Interval span{low, high};
    if (rounding) {
      span.first_multiple = std::ceil((low - kIntervalSlack * high) / rounding->step);
      span.last_multiple = std::floor((high + kIntervalSlack * high) / rounding->step);
    }
    return span;
  };
  const auto feasible = [&](const Interval& span) {
    return rounding ? span.first_multiple <= span.last_multiple : span.low <= span.high + kIntervalSlack * span.high;
  };

  Partition partition;
  partition.objective = BandObjective::squared_gap;
  for (std::size_t first = 0; first < n;) {
    // Sorted ascending, the band's lowest value bounds `high` and its highest value bounds `low`.
    const double high = sorted.value[first] * (1.0 + tolerance);
    Interval span = interval(sorted.value[first] * (1.0 - tolerance), high);
    if (!feasible(span)) return std::nullopt;  // this area alone cannot be paid within tolerance
    // Greedy: extend the band while a common paid value remains. Any feasible set of areas is a run of
    // sorted values, and a sub-run of a feasible run is feasible, so taking the longest first band
    // never needs more bands than an optimal cover (the interval-stabbing argument).
    std::size_t last = first;
    while (last + 1 < n) {
      const Interval wider = interval(sorted.value[last + 1] * (1.0 - tolerance), high);
      if (!feasible(wider)) break;
      span = wider;
      ++last;
    }
    BandMoments moments;
    for (std::size_t i = first; i <= last; ++i) moments.add(sorted.value[i], sorted.weight[i]);
    const double mean = moments.value();
    Band band = band_over(sorted, values, first, last);
    band.value = std::clamp(mean, std::min(span.low, span.high), span.high);
    if (rounding) {
      // The nearest multiple to the mean, halves up as round_to_step's nearest mode, kept in the interval.
      const double nearest = std::floor(mean / rounding->step + 0.5);
      band.paid = std::clamp(nearest, span.first_multiple, span.last_multiple) * rounding->step;
    } else {
      band.paid = band.value;
    }
    // Σ w·(v − b)² = Σ w·(v − mean)² + W·(mean − b)² at the unrounded band value b.
    partition.objective_value += moments.squared_gap() + moments.weight() * (mean - band.value) * (mean - band.value);
    partition.bands.push_back(std::move(band));
    first = last + 1;
  }
  fill_gaps(partition, values);
  return partition;
}

}  // namespace meb

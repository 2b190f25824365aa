#pragma once
// Uncertainty of the SMEB, MEB and transfer value that comes from which markets and which quotes were
// sampled: a two-stage nonparametric bootstrap (docs/uncertainty.md). Each replicate resamples, for every
// series, first-level area and month, the area's markets with replacement (as many draws as markets with
// a price) and, within each drawn market, its quotes with replacement (as many as it has); it recomputes
// the market values with the methodology's statistic and reruns the aggregation up the levels, the fill
// and the costing. Percentiles over the replicates are Hyndman & Fan's type 7 (linear interpolation).
#include <cstdint>
#include <string>
#include <vector>

#include "meb/compute.hpp"
#include "meb/survey.hpp"

namespace meb {

/// How a replicate draws a first-level area's value.
/// exact: from the exact distribution of the two-stage resampled statistic, computed once per cell (a
/// median or a minimum of n draws from a discrete distribution has a closed form), one draw per cell and
/// replicate; the same bootstrap, sampled in one step. Cells where that table would be too large, and
/// every cell under the mean, fall back to explicit draws.
/// explicit_draws: every market and every quote drawn one by one (the literal procedure; slower).
enum class BootstrapSampler { exact, explicit_draws };
[[nodiscard]] std::string_view to_string(BootstrapSampler sampler);

struct BootstrapSettings {
  std::size_t replicates = 1000;
  std::uint64_t seed = 1;
  std::vector<double> percentiles{5.0, 50.0, 95.0};  ///< in [0, 100], strictly increasing
  unsigned threads = 0;                              ///< 0: std::thread::hardware_concurrency()
  BootstrapSampler sampler = BootstrapSampler::exact;
};

/// Throws std::invalid_argument naming the setting and its value: no replicate, a percentile outside
/// [0, 100] or not a number, percentiles not strictly increasing, none at all.
void validate(const BootstrapSettings& settings);

/// What a replicate starts from besides the plan and the methodology.
struct BootstrapInputs {
  /// The household survey of survey-based lines; those lines keep their point value in every replicate.
  const Survey* survey = nullptr;
  /// A scenario's price changes, per QuoteBuckets cell: each resampled market value v becomes
  /// v × scale + shift (null: 1 and 0). The point estimate uses the same map on the markets' own values.
  const std::vector<double>* market_scale = nullptr;
  const std::vector<double>* market_shift = nullptr;
};

struct BootstrapResult {
  BootstrapSettings settings;  ///< as run (threads resolved)
  std::size_t rows = 0;        ///< the plan's rows, in order
  /// rows × percentiles, row-major; NaN where the point estimate is missing.
  std::vector<double> smeb;
  std::vector<double> meb;
  std::vector<double> transfer;  ///< of the transfer value after rounding (the `transfer_value` column)
  std::size_t exact_cells = 0;     ///< first-level cells drawn from their exact distribution
  std::size_t explicit_cells = 0;  ///< first-level cells drawn market by market and quote by quote

  [[nodiscard]] double smeb_at(std::size_t row, std::size_t k) const { return smeb[row * settings.percentiles.size() + k]; }
  [[nodiscard]] double meb_at(std::size_t row, std::size_t k) const { return meb[row * settings.percentiles.size() + k]; }
  [[nodiscard]] double transfer_at(std::size_t row, std::size_t k) const {
    return transfer[row * settings.percentiles.size() + k];
  }
};

/// One line for the manifest: what is resampled, what is rerun, the percentile definition, the streams.
[[nodiscard]] std::string describe_bootstrap_method(const BootstrapSettings& settings);

/// The column suffix of a percentile: 5 -> "p5", 2.5 -> "p2.5".
[[nodiscard]] std::string percentile_label(double percentile);

/// Runs the bootstrap. The random numbers of replicate r depend only on (seed, r): the result is the same
/// whatever the number of threads, and the same seed gives the same result. Throws std::invalid_argument
/// for bad settings (see validate), and what evaluate_plan throws for the point estimate.
[[nodiscard]] BootstrapResult bootstrap(const ComputePlan& plan, const Methodology& methodology,
                                        const BootstrapSettings& settings, const BootstrapInputs& inputs = {});

namespace detail {

/// A discrete distribution: distinct values in increasing order, with their probabilities.
struct Discrete {
  std::vector<double> values;
  std::vector<double> probabilities;
};

/// The exact distribution of `statistic` (median or min) of `draws` independent draws from `of`.
/// A median of an even number of draws is the mean of the two middle ones, as meb::combine computes it.
[[nodiscard]] Discrete resampled_statistic(Statistic statistic, const Discrete& of, std::size_t draws);

/// Hyndman & Fan type 7 (R's default, NumPy's "linear"): with the values sorted x_0 <= ... <= x_{n-1} and
/// h = (n - 1) × percent / 100, x_floor(h) + (h - floor(h)) × (x_floor(h)+1 - x_floor(h)). NaN with a NaN value.
[[nodiscard]] double percentile_type7(std::vector<double>& values, double percent);

/// Per row (and replicate): the SMEB, MEB and transfer value (after rounding).
struct ReplicateTotals {
  std::vector<double> smeb;
  std::vector<double> meb;
  std::vector<double> transfer;
};

/// The bootstrap's fast path run on an identity resample (every market and every quote drawn once): it
/// must equal evaluate_plan on the same market values. For tests and for checking the fast path.
[[nodiscard]] ReplicateTotals bootstrap_identity(const ComputePlan& plan, const Methodology& methodology,
                                                 const BootstrapInputs& inputs = {});

/// Every replicate's totals, [row × replicates + r]: what `bootstrap` takes its percentiles over.
[[nodiscard]] ReplicateTotals bootstrap_draws(const ComputePlan& plan, const Methodology& methodology,
                                              const BootstrapSettings& settings, const BootstrapInputs& inputs = {});

/// Replicate r of the bootstrap, as `bootstrap` draws it (for tests of the streams).
[[nodiscard]] ReplicateTotals bootstrap_replicate(const ComputePlan& plan, const Methodology& methodology,
                                                  const BootstrapSettings& settings, std::size_t replicate,
                                                  const BootstrapInputs& inputs = {});

}  // namespace detail

}  // namespace meb

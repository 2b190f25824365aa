#include "meb/bootstrap.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>

#include "meb/csv.hpp"
#include "meb/outputs.hpp"
#include "meb/statistics.hpp"

namespace meb {

std::string_view to_string(BootstrapSampler sampler) {
  return sampler == BootstrapSampler::exact ? "exact" : "explicit_draws";
}

void validate(const BootstrapSettings& settings) {
  if (settings.replicates == 0) throw std::invalid_argument("the number of bootstrap replicates must be at least 1, got 0");
  if (settings.percentiles.empty()) throw std::invalid_argument("no percentile to report: give at least one, e.g. 5,50,95");
  for (std::size_t k = 0; k < settings.percentiles.size(); ++k) {
    const double p = settings.percentiles[k];
    if (!(p >= 0.0 && p <= 100.0))
      throw std::invalid_argument("a percentile must be between 0 and 100, got " + format_number(p));
    if (k > 0 && !(p > settings.percentiles[k - 1]))
      throw std::invalid_argument("percentiles must be strictly increasing, got " +
                                  format_number(settings.percentiles[k - 1]) + " then " + format_number(p));
  }
}

std::string percentile_label(double percentile) { return "p" + format_number(percentile); }

std::string describe_bootstrap_method(const BootstrapSettings& settings) {
  return "two-stage nonparametric bootstrap: per series, first-level area and month, the markets with a price "
         "are drawn with replacement (as many draws as markets), then each drawn market's quotes with replacement "
         "(as many as it has), and the market and area values recomputed with the methodology's statistic; "
         "aggregation up the levels, fill (same sources as the point estimate) and costing rerun per replicate; "
         "survey-based lines kept at their point value; percentiles of Hyndman & Fan type 7 (linear interpolation); "
         "replicate r draws from splitmix64 streams keyed by (seed, r) only; first-level cells sampled " +
         std::string(settings.sampler == BootstrapSampler::exact
                          ? "from the exact distribution of their resampled statistic (explicit draws under the mean "
                            "or for large cells)"
                          : "by explicit draws of every market and quote");
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;  // splitmix64's increment (Steele, Lea, Flood 2014)
constexpr std::size_t kMaxTable = 4096;  // support points of a cell's exact table; larger cells draw explicitly
constexpr std::size_t kMaxSupportForPairs = 1024;  // distinct quotes of an even-count market: its pairs are quadratic
constexpr std::size_t kMaxExactDraws = 500;  // binomial coefficients stay far from overflow

constexpr std::size_t kMaxAlternatives = 16;  // as price_line

__extension__ typedef unsigned __int128 Wide;

/// splitmix64's output function (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", 2014).
inline std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

/// Replicate r's key: the (r + 1)-th output of splitmix64 seeded with mix64(seed).
inline std::uint64_t replicate_key(std::uint64_t seed, std::size_t replicate) {
  return mix64(mix64(seed) + (static_cast<std::uint64_t>(replicate) + 1) * kGolden);
}

/// The number of first-level cell `cell` (its index in the price panel) in replicate `key`: the (cell + 1)-th
/// output of the splitmix64 sequence seeded with the key. A cell sampled from its exact table uses it directly;
/// a cell drawn explicitly seeds its own splitmix64 sequence with it.
inline std::uint64_t cell_number(std::uint64_t key, std::uint64_t cell) { return mix64(key + (cell + 1) * kGolden); }

class Stream {
 public:
  explicit Stream(std::uint64_t state) : state_(state) {}
  std::uint64_t next() {
    state_ += kGolden;
    return mix64(state_);
  }
  /// Uniform in [0, range), exactly (Lemire, "Fast random integer generation in an interval", 2019).
  std::uint32_t below(std::uint32_t range) {
    Wide product = static_cast<Wide>(next()) * range;
    auto low = static_cast<std::uint64_t>(product);
    if (low < range) {
      const std::uint64_t threshold = (0 - static_cast<std::uint64_t>(range)) % range;
      while (low < threshold) {
        product = static_cast<Wide>(next()) * range;
        low = static_cast<std::uint64_t>(product);
      }
    }
    return static_cast<std::uint32_t>(product >> 64);
  }

 private:
  std::uint64_t state_;
};

/// Walker's alias method, Vose's construction: one 64-bit number picks a column (the high word of number ×
/// size) and tosses the column's coin (the low word): below the threshold it keeps its own point, else its alias.
struct AliasColumn {
  std::uint64_t threshold;
  std::uint32_t own;
  std::uint32_t alias;
};

void append_alias_table(const std::vector<double>& probabilities, std::vector<AliasColumn>& out,
                        std::vector<double>& scaled, std::vector<std::uint32_t>& small, std::vector<std::uint32_t>& large) {
  const std::size_t m = probabilities.size();
  double total = 0.0;
  for (const double p : probabilities) total += std::max(p, 0.0);
  scaled.resize(m);
  small.clear();
  large.clear();
  const std::size_t begin = out.size();
  for (std::size_t i = 0; i < m; ++i) {
    scaled[i] = std::max(probabilities[i], 0.0) / total * static_cast<double>(m);
    out.push_back({std::numeric_limits<std::uint64_t>::max(), static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i)});
    (scaled[i] < 1.0 ? small : large).push_back(static_cast<std::uint32_t>(i));
  }
  while (!small.empty() && !large.empty()) {
    const std::uint32_t s = small.back();
    small.pop_back();
    const std::uint32_t l = large.back();
    out[begin + s].alias = l;
    out[begin + s].threshold = static_cast<std::uint64_t>(std::ldexp(std::max(scaled[s], 0.0), 64));
    scaled[l] = (scaled[l] + scaled[s]) - 1.0;
    if (scaled[l] < 1.0) {
      large.pop_back();
      small.push_back(l);
    }
  }
  // What is left has probability 1 up to rounding: it keeps its own point (threshold and alias as initialised).
}

inline std::uint32_t alias_draw(const AliasColumn* columns, std::uint32_t size, std::uint64_t number) {
  const Wide product = static_cast<Wide>(number) * size;
  const AliasColumn& column = columns[static_cast<std::size_t>(product >> 64)];
  // Branch-free: the coin is a fair toss, so a branch would be mispredicted half the time.
  const std::uint32_t keep = 0U - static_cast<std::uint32_t>(static_cast<std::uint64_t>(product) < column.threshold);
  return column.alias ^ ((column.own ^ column.alias) & keep);
}

/// A uniform double in [0, 1) from the top 53 bits.
inline double unit_interval(std::uint64_t number) { return static_cast<double>(number >> 11) * 0x1.0p-53; }

/// Reused buffers: building ~10^5 small distributions must not allocate for each.
struct Scratch {
  std::vector<std::pair<double, double>> outcomes, mixture;
  detail::Discrete own, market_value, drawn;
  std::vector<double> probabilities, tie, split, tail;
  std::vector<double> F, at_least, above, powers_p, powers_q, choose, lower, scaled;
  std::vector<std::uint32_t> small, large;
};

/// Sorts (value, probability) pairs by value into `out`, merging equal values and dropping empty ones.
void merge_into(std::vector<std::pair<double, double>>& outcomes, detail::Discrete& out) {
  std::sort(outcomes.begin(), outcomes.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  out.values.clear();
  out.probabilities.clear();
  double total = 0.0;
  for (const auto& [value, probability] : outcomes) {
    if (!(probability > 0.0)) continue;  // rounding can leave a tiny negative difference
    total += probability;
    if (!out.values.empty() && out.values.back() == value) out.probabilities.back() += probability;
    else {
      out.values.push_back(value);
      out.probabilities.push_back(probability);
    }
  }
  for (double& p : out.probabilities) p /= total;
}

/// Binomial coefficients C(n, 0..n).
void binomial_row(std::size_t n, std::vector<double>& row) {
  row.assign(n + 1, 1.0);
  for (std::size_t i = 1; i <= n; ++i) row[i] = row[i - 1] * static_cast<double>(n - i + 1) / static_cast<double>(i);
}

/// P(Binomial(n, p) >= j), with q = 1 - p given separately (from suffix sums, accurate near 1).
double binomial_at_least(std::size_t n, std::size_t j, double p, double q, Scratch& scratch) {
  if (j == 0) return 1.0;
  if (j > n) return 0.0;
  std::vector<double>& pp = scratch.powers_p;
  std::vector<double>& qq = scratch.powers_q;
  pp.resize(n + 1);
  qq.resize(n + 1);
  pp[0] = qq[0] = 1.0;
  for (std::size_t i = 1; i <= n; ++i) {
    pp[i] = pp[i - 1] * p;
    qq[i] = qq[i - 1] * q;
  }
  double sum = 0.0;
  for (std::size_t i = j; i <= n; ++i) sum += scratch.choose[i] * pp[i] * qq[n - i];
  return std::min(sum, 1.0);
}

/// F[i] = P(X <= x_i), at_least[i] = P(X >= x_i), above[i] = P(X > x_i): suffix sums keep the upper tail exact.
void tails(const detail::Discrete& of, Scratch& scratch) {
  const std::size_t m = of.values.size();
  scratch.F.resize(m);
  scratch.at_least.resize(m);
  scratch.above.resize(m);
  double running = 0.0;
  for (std::size_t i = 0; i < m; ++i) scratch.F[i] = running += of.probabilities[i];
  running = 0.0;
  for (std::size_t i = m; i-- > 0;) {
    scratch.above[i] = running;
    scratch.at_least[i] = running += of.probabilities[i];
  }
}

/// P(X_(j) = x_i) for the j-th smallest of n draws: P(Binomial(n, F_i) >= j) - P(Binomial(n, F_{i-1}) >= j).
void order_statistic(const detail::Discrete& of, std::size_t n, std::size_t j, Scratch& scratch,
                     std::vector<double>& probabilities) {
  const std::size_t m = of.values.size();
  probabilities.resize(m);
  double previous = 0.0;
  for (std::size_t i = 0; i < m; ++i) {
    const double cdf = binomial_at_least(n, j, scratch.F[i], scratch.above[i], scratch);
    probabilities[i] = cdf - previous;
    previous = cdf;
  }
}

/// The pieces of the mean of the two middle draws of an even number n = 2j of draws, per support point a:
///   P(X_(j) = x_a, X_(j+1) = x_b) = C(n, j) (F_a^j - F_{a-1}^j) (P(X >= x_b)^j - P(X > x_b)^j) for b > a
/// (exactly j draws are <= x_a with x_a among them, the other j are >= x_b with x_b among them), so
///   P(X_(j) = x_a, X_(j+1) > x_a) = C(n, j) (F_a^j - F_{a-1}^j) P(X > x_a)^j            (`split`), and
///   P(X_(j) = X_(j+1) = x_a) = P(L <= j-1, M >= j+1), L = #{draws < x_a}, M = #{draws <= x_a}
///                            = P(M >= j+1) - P(L >= j) + C(n, j) F_{a-1}^j P(X > x_a)^j      (`tie`).
/// Given X_(j) = x_a and no tie, X_(j+1) is the smallest of j draws above x_a: P(X_(j+1) > x_b) = (tail_b / tail_a)
/// with tail = P(X > x)^j.
void middle_pair(const detail::Discrete& of, std::size_t n, Scratch& scratch, std::vector<double>& tie,
                 std::vector<double>& split, std::vector<double>& tail) {
  const std::size_t m = of.values.size();
  const std::size_t j = n / 2;
  const double jj = static_cast<double>(j);
  tie.resize(m);
  split.resize(m);
  tail.resize(m);
  for (std::size_t a = 0; a < m; ++a) {
    const double below = a == 0 ? 0.0 : scratch.F[a - 1];
    const double not_below = a == 0 ? 1.0 : scratch.at_least[a];  // P(X >= x_a) = 1 - F_{a-1}
    tail[a] = std::pow(scratch.above[a], jj);
    split[a] = scratch.choose[j] * (std::pow(scratch.F[a], jj) - std::pow(below, jj)) * tail[a];
    tie[a] = binomial_at_least(n, j + 1, scratch.F[a], scratch.above[a], scratch) -
             binomial_at_least(n, j, below, not_below, scratch) + scratch.choose[j] * std::pow(below, jj) * tail[a];
  }
}

void resampled_into(Statistic statistic, const detail::Discrete& of, std::size_t draws, Scratch& scratch,
                    detail::Discrete& out) {
  const std::size_t m = of.values.size();
  if (draws <= 1 || m <= 1) {
    out = of;
    return;
  }
  if (statistic == Statistic::mean) throw std::invalid_argument("resampled_statistic: the mean has no closed form here");
  tails(of, scratch);
  std::vector<std::pair<double, double>>& outcomes = scratch.outcomes;
  outcomes.clear();
  if (statistic == Statistic::min) {
    // P(min = x_i) = P(all >= x_i) - P(all > x_i).
    const double n = static_cast<double>(draws);
    for (std::size_t i = 0; i < m; ++i)
      outcomes.emplace_back(of.values[i], std::pow(scratch.at_least[i], n) - std::pow(scratch.above[i], n));
  } else if (draws % 2 == 1) {
    binomial_row(draws, scratch.choose);
    std::vector<double> probabilities;
    order_statistic(of, draws, (draws + 1) / 2, scratch, probabilities);
    for (std::size_t i = 0; i < m; ++i) outcomes.emplace_back(of.values[i], probabilities[i]);
  } else {
    binomial_row(draws, scratch.choose);
    std::vector<double> tie, split, tail;
    middle_pair(of, draws, scratch, tie, split, tail);
    for (std::size_t a = 0; a < m; ++a) {
      outcomes.emplace_back(0.5 * (of.values[a] + of.values[a]), tie[a]);
      if (!(split[a] > 0.0)) continue;
      for (std::size_t b = a + 1; b < m; ++b) {
        const double before = b == a + 1 ? tail[a] : tail[b - 1];
        outcomes.emplace_back(0.5 * (of.values[a] + of.values[b]), split[a] * (before - tail[b]) / tail[a]);
      }
    }
  }
  merge_into(outcomes, out);
}

}  // namespace

namespace detail {

Discrete resampled_statistic(Statistic statistic, const Discrete& of, std::size_t draws) {
  Scratch scratch;
  Discrete out;
  resampled_into(statistic, of, draws, scratch, out);
  return out;
}

}  // namespace detail

namespace {

/// A market of a first-level cell: its quotes in QuoteBuckets::prices, and the scenario's map of its value.
struct MarketQuotes {
  std::uint32_t begin;
  std::uint32_t count;
  double scale;
  double shift;
  bool mapped;
};

struct FirstCell {
  std::uint64_t id;  ///< the cell's index in the price panel: its random numbers are keyed by it
  std::uint32_t node;
  std::uint32_t market_begin;
  std::uint32_t market_count;
  std::uint32_t support_begin;  ///< into the support values (and tails, for a pair cell)
  std::uint32_t support_size;   ///< 0: drawn explicitly
  std::uint32_t column_begin;   ///< into the alias columns
  bool pairs;                   ///< the mean of the two middle draws (a median of an even number of markets)
};

struct HigherNode {
  std::uint32_t node;
  std::uint32_t child_begin;
  std::uint32_t child_count;
  std::uint32_t network;  ///< index of the comparator network for child_count values
};

struct Term {
  enum class Kind : std::uint8_t { node, composite, constant, food_share };
  Kind kind = Kind::constant;
  bool in_food = false;
  std::uint32_t index = 0;      ///< node: the node; composite: the composite
  double factor = 0.0;          ///< node: series units per line unit; constant: the price; food_share: 1/share - 1
  double before_food = kNaN;    ///< constant: the price the food total sees (NaN for a survey line, as evaluate_plan)
  double meb_weight = 0.0;      ///< monthly quantity × mark-up
  double smeb_weight = 0.0;     ///< the same × the SMEB tier mask
  double quantity = 0.0;
  double markup = 1.0;
};

struct Alternative {
  std::uint32_t node;
  double factor;
};

struct Composite {
  Statistic statistic;
  std::uint32_t begin;
  std::uint32_t count;
};

struct RowSpec {
  std::uint32_t row;  ///< index in the plan's rows
  std::uint32_t term_begin;
  std::uint32_t term_count;
  bool has_food_share;
};

/// What one month of the panel holds, in evaluation order: its first-level cells, the cells above, its rows.
/// A row only reads its own month and earlier ones (carry-forward looks back), so months run in order and the
/// working set stays one month wide.
struct MonthSpan {
  std::uint32_t first_begin = 0, first_end = 0;
  std::uint32_t higher_begin = 0, higher_end = 0;
  std::uint32_t row_begin = 0, row_end = 0;
};

/// A comparator network leaving in place the order statistics a statistic needs: Batcher's merge exchange
/// (Knuth, TAOCP vol. 3, 5.2.2, Algorithm M) sorts any n; for the median, comparators that cannot reach the
/// middle positions are pruned. Run on many replicates at once, it has no data-dependent branch.
std::vector<std::pair<std::uint32_t, std::uint32_t>> make_network(std::size_t n, Statistic statistic) {
  std::vector<std::pair<std::uint32_t, std::uint32_t>> all;
  if (n < 2 || statistic == Statistic::min) return all;
  std::size_t t = 0;
  while ((std::size_t{1} << t) < n) ++t;
  for (std::size_t p = std::size_t{1} << (t - 1); p > 0; p >>= 1) {
    std::size_t q = std::size_t{1} << (t - 1), r = 0, d = p;
    while (true) {
      for (std::size_t i = 0; i + d < n; ++i)
        if ((i & p) == r) all.emplace_back(static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(i + d));
      if (q == p) break;
      d = q - p;
      q >>= 1;
      r = p;
    }
  }
  if (statistic != Statistic::median) return all;  // the mean sums the sorted values, as combine does
  std::vector<char> needed(n, 0);
  needed[n / 2] = 1;
  if (n % 2 == 0) needed[n / 2 - 1] = 1;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> kept;
  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    if (!needed[it->first] && !needed[it->second]) continue;
    kept.push_back(*it);
    needed[it->first] = needed[it->second] = 1;
  }
  std::reverse(kept.begin(), kept.end());
  return kept;
}

/// The exact tables of first-level cells: support values, tails (pair cells) and alias columns.
struct ExactTables {
  std::vector<AliasColumn> columns;
  std::vector<double> support;
  std::vector<double> tails;  ///< indexed like the support (0 for a cell that is not a pair cell)
};

/// The exact distribution of a first-level cell's resampled value, when it is small enough: each market's
/// resampled value (closed forms of resampled_statistic), their mixture (a market drawn uniformly), then the
/// area's statistic of market_count draws from the mixture, as alias tables appended to `tables`.
void build_exact(FirstCell& cell, const MarketQuotes* markets, const double* prices, Statistic statistic,
                 ExactTables& tables, Scratch& scratch) {
  if (statistic == Statistic::mean || cell.market_count > kMaxExactDraws) return;
  scratch.mixture.clear();
  for (std::uint32_t i = 0; i < cell.market_count; ++i) {
    const MarketQuotes& market = markets[cell.market_begin + i];
    if (market.count > kMaxExactDraws) return;
    scratch.outcomes.clear();
    for (std::uint32_t q = 0; q < market.count; ++q) scratch.outcomes.emplace_back(prices[market.begin + q], 1.0);
    merge_into(scratch.outcomes, scratch.own);
    if (statistic == Statistic::median && market.count % 2 == 0 && scratch.own.values.size() > kMaxSupportForPairs) return;
    resampled_into(statistic, scratch.own, market.count, scratch, scratch.market_value);
    const detail::Discrete& value = scratch.market_value;
    for (std::size_t k = 0; k < value.values.size(); ++k) {
      const double v = market.mapped ? value.values[k] * market.scale + market.shift : value.values[k];
      scratch.mixture.emplace_back(v, value.probabilities[k] / static_cast<double>(cell.market_count));
    }
  }
  detail::Discrete& drawn = scratch.drawn;
  merge_into(scratch.mixture, drawn);
  const std::size_t m = drawn.values.size();
  const std::size_t n = cell.market_count;
  if (m > kMaxTable) return;
  cell.support_begin = static_cast<std::uint32_t>(tables.support.size());
  cell.support_size = static_cast<std::uint32_t>(m);
  cell.column_begin = static_cast<std::uint32_t>(tables.columns.size());
  tables.support.insert(tables.support.end(), drawn.values.begin(), drawn.values.end());
  tails(drawn, scratch);
  std::vector<double>& probabilities = scratch.probabilities;
  probabilities.resize(m);
  if (n == 1 || m == 1) {
    probabilities = drawn.probabilities;
  } else if (statistic == Statistic::min) {
    for (std::size_t i = 0; i < m; ++i)
      probabilities[i] = std::pow(scratch.at_least[i], static_cast<double>(n)) - std::pow(scratch.above[i], static_cast<double>(n));
  } else if (n % 2 == 1) {
    binomial_row(n, scratch.choose);
    order_statistic(drawn, n, (n + 1) / 2, scratch, probabilities);
  } else {
    binomial_row(n, scratch.choose);
    middle_pair(drawn, n, scratch, scratch.tie, scratch.split, scratch.tail);
    cell.pairs = true;
    probabilities.resize(2 * m);
    for (std::size_t a = 0; a < m; ++a) {
      probabilities[2 * a] = std::max(scratch.split[a], 0.0);
      probabilities[2 * a + 1] = std::max(scratch.tie[a], 0.0);
    }
    tables.tails.insert(tables.tails.end(), scratch.tail.begin(), scratch.tail.end());
  }
  if (!cell.pairs) tables.tails.resize(tables.support.size(), 0.0);
  append_alias_table(probabilities, tables.columns, scratch.scaled, scratch.small, scratch.large);
}

/// Flat index arrays built once from the plan and the point estimate: first-level cells with their markets'
/// quote ranges (and exact tables), the cells above with their children, the rows' terms; then replicates run
/// in lanes: values[node × lanes + b] holds node's value in replicate b of a block.
class Kernel {
 public:
  /// Replicates of a block: one read of a cell's table serves them all. Fewer when the plan is so large that
  /// the block's node values would pass kValueBudget bytes per thread.
  static constexpr std::size_t kMaxLanes = 64;
  static constexpr std::size_t kValueBudget = std::size_t{64} << 20;

  Kernel(const ComputePlan& plan, const Methodology& methodology, const BootstrapInputs& inputs, BootstrapSampler sampler,
         unsigned threads)
      : plan_(plan), methodology_(methodology), statistic_(methodology.prices.statistic) {
    std::vector<double> point_values = market_values(plan.buckets, statistic_);
    if (inputs.market_scale || inputs.market_shift)
      for (std::size_t c = 0; c < point_values.size(); ++c) point_values[c] = mapped(point_values[c], inputs, c);
    const ComputeResult point = evaluate_plan(plan, methodology, point_values, inputs.survey);
    const PricePanel& panel = point.panel;

    std::vector<int> step_of(plan.areas.areas.size(), -1);
    for (std::size_t step = 0; step < plan.areas.by_level.size(); ++step)
      for (const std::int32_t a : plan.areas.by_level[step]) step_of[static_cast<std::size_t>(a)] = static_cast<int>(step);
    auto month_of = [&](std::size_t cell) { return cell % panel.months; };
    auto area_of = [&](std::size_t cell) { return (cell / panel.months) % panel.areas; };
    auto series_of = [&](std::size_t cell) { return cell / panel.months / panel.areas; };

    // Which observed panel cells the rows read, through the fill and up the levels. The fill pattern does not
    // change between replicates: a replicate draws as many markets as have a price, so the same cells are observed.
    std::vector<std::uint32_t> node_of_cell(panel.value.size(), kUnset);
    std::vector<std::size_t> needed;
    auto need = [&](std::size_t cell) {
      if (node_of_cell[cell] != kUnset) return;
      node_of_cell[cell] = 0;
      needed.push_back(cell);
    };
    auto resolve = [&](std::size_t series, std::size_t area, std::size_t month) {
      std::size_t cell = panel.cell(series, area, month);
      if (panel.status[cell] == PriceStatus::parent)
        cell = panel.cell(series, static_cast<std::size_t>(panel.source_area[cell]), month);
      else if (panel.status[cell] == PriceStatus::carried_forward)
        cell = panel.cell(series, area, static_cast<std::size_t>(panel.source_month[cell]));
      need(cell);
      return cell;
    };

    // Row terms, in line order (the order evaluate_plan sums them in), with panel cells for now.
    const std::size_t n_lines = point.lines.size();
    const bool has_food_share_line = std::any_of(point.lines.begin(), point.lines.end(), [](const CostLine& line) {
      return line.kind == CostLine::Kind::food_share;
    });
    std::vector<std::size_t> term_cell, alternative_cell;
    std::vector<RowSpec> rows;
    for (std::size_t r = 0; r < point.rows.size(); ++r) {
      const auto area = static_cast<std::size_t>(point.rows[r].area);
      const std::size_t month = point.rows[r].month;
      RowSpec row{static_cast<std::uint32_t>(r), static_cast<std::uint32_t>(terms_.size()),
                  static_cast<std::uint32_t>(n_lines), false};
      double point_food = 0.0;
      for (std::size_t l = 0; l < n_lines; ++l) {
        const CostLine& line = point.lines[l];
        const LinePrice& price = point.line_price(r, l);
        Term term;
        term.meb_weight = line.monthly_quantity * line.markup_factor;
        term.smeb_weight = term.meb_weight * (line.tier == Tier::smeb ? 1.0 : 0.0);
        term.quantity = line.monthly_quantity;
        term.markup = line.markup_factor;
        term.in_food = detail::to_lower(line.component) == "food";
        std::size_t cell = kUnset;
        switch (line.kind) {
          case CostLine::Kind::stated:
            term.factor = term.before_food = line.stated_cost;
            break;
          case CostLine::Kind::survey:
            term.factor = price.price;  // fixed at the point value
            break;
          case CostLine::Kind::food_share: {
            row.has_food_share = true;
            const FoodShare& share = methodology.food_share;
            if (!share.measured && share.stated) {
              term.kind = Term::Kind::food_share;
              term.factor = *share.stated > 0.0 ? 1.0 / *share.stated - 1.0 : kNaN;
            } else if (std::isfinite(point_food) && point_food != 0.0) {
              // A measured share: the point's own multiplier 1/share - 1, recovered from its price.
              term.kind = Term::Kind::food_share;
              term.factor = price.price / point_food;
            } else {
              term.factor = price.price;
            }
            break;
          }
          case CostLine::Kind::priced:
          case CostLine::Kind::composite: {
            if (price.status == PriceStatus::missing) {
              term.factor = kNaN;  // a constant NaN: which prices are missing does not change between replicates
              break;
            }
            if (price.priced_as >= 0) {
              std::size_t k = 0;
              while (line.substitutes[k] != price.priced_as) ++k;
              term.kind = Term::Kind::node;
              term.factor = line.substitute_factors[k];
              cell = resolve(static_cast<std::size_t>(price.priced_as), area, month);
            } else if (line.kind == CostLine::Kind::priced) {
              term.kind = Term::Kind::node;
              term.factor = line.series_factor;
              cell = resolve(static_cast<std::size_t>(line.series), area, month);
            } else {
              term.kind = Term::Kind::composite;
              Composite composite{line.composite_statistic, static_cast<std::uint32_t>(alternatives_.size()), 0};
              for (std::size_t k = 0; k < line.alternatives.size() && k < kMaxAlternatives; ++k) {
                const auto series = static_cast<std::size_t>(line.alternatives[k]);
                if (panel.status[panel.cell(series, area, month)] == PriceStatus::missing) continue;
                alternatives_.push_back({0, line.alternative_factors[k]});
                alternative_cell.push_back(resolve(series, area, month));
                ++composite.count;
              }
              term.index = static_cast<std::uint32_t>(composites_.size());
              composites_.push_back(composite);
            }
            break;
          }
        }
        if (term.in_food && has_food_share_line) {
          const bool market_or_stated = line.kind == CostLine::Kind::priced ||
                                        line.kind == CostLine::Kind::composite || line.kind == CostLine::Kind::stated;
          point_food += line.monthly_quantity * (market_or_stated ? price.price : kNaN) * line.markup_factor;
        }
        terms_.push_back(term);
        term_cell.push_back(cell);
      }
      rows.push_back(row);
    }

    // Up the levels: an observed cell above the first level is the statistic of its children's observed values.
    for (std::size_t i = 0; i < needed.size(); ++i) {
      const std::size_t cell = needed[i];
      if (step_of[area_of(cell)] <= 0) continue;
      for (const std::int32_t child : plan.areas.areas[area_of(cell)].children) {
        const std::size_t child_cell = panel.cell(series_of(cell), static_cast<std::size_t>(child), month_of(cell));
        if (panel.status[child_cell] == PriceStatus::observed) need(child_cell);
      }
    }
    // Nodes month by month, each month bottom-up; first-level cells in panel order, so tables are read in order.
    std::sort(needed.begin(), needed.end(), [&](std::size_t a, std::size_t b) {
      if (month_of(a) != month_of(b)) return month_of(a) < month_of(b);
      const int sa = step_of[area_of(a)], sb = step_of[area_of(b)];
      return sa != sb ? sa < sb : a < b;
    });
    for (std::size_t i = 0; i < needed.size(); ++i) node_of_cell[needed[i]] = static_cast<std::uint32_t>(i);
    node_count_ = needed.size();
    for (std::size_t t = 0; t < terms_.size(); ++t)
      if (terms_[t].kind == Term::Kind::node) terms_[t].index = node_of_cell[term_cell[t]];
    for (std::size_t k = 0; k < alternatives_.size(); ++k) alternatives_[k].node = node_of_cell[alternative_cell[k]];

    months_.assign(panel.months, MonthSpan{});
    const QuoteBuckets& buckets = plan.buckets;
    for (const std::size_t cell : needed) {
      const std::size_t month = month_of(cell), area = area_of(cell), series = series_of(cell);
      MonthSpan& span = months_[month];
      const std::uint32_t node = node_of_cell[cell];
      if (step_of[area] == 0) {
        if (span.first_begin == span.first_end) span.first_begin = span.first_end = static_cast<std::uint32_t>(first_.size());
        FirstCell first{cell, node, static_cast<std::uint32_t>(markets_.size()), 0, 0, 0, 0, false};
        for (const std::int32_t m : plan.areas.areas[area].markets) {
          const std::size_t bucket = buckets.cell(series, static_cast<std::size_t>(m), month);
          const std::uint32_t begin = buckets.offsets[bucket], end = buckets.offsets[bucket + 1];
          if (end == begin) continue;
          const double scale = inputs.market_scale ? (*inputs.market_scale)[bucket] : 1.0;
          const double shift = inputs.market_shift ? (*inputs.market_shift)[bucket] : 0.0;
          markets_.push_back({begin, end - begin, scale, shift, inputs.market_scale || inputs.market_shift});
          max_quotes_ = std::max<std::size_t>(max_quotes_, end - begin);
        }
        first.market_count = static_cast<std::uint32_t>(markets_.size()) - first.market_begin;
        max_markets_ = std::max<std::size_t>(max_markets_, first.market_count);
        first_.push_back(first);
        span.first_end = static_cast<std::uint32_t>(first_.size());
      } else {
        if (span.higher_begin == span.higher_end)
          span.higher_begin = span.higher_end = static_cast<std::uint32_t>(higher_.size());
        HigherNode higher{node, static_cast<std::uint32_t>(children_.size()), 0, 0};
        for (const std::int32_t child : plan.areas.areas[area].children) {
          const std::size_t child_cell = panel.cell(series, static_cast<std::size_t>(child), month);
          if (panel.status[child_cell] != PriceStatus::observed) continue;
          children_.push_back(node_of_cell[child_cell]);
          ++higher.child_count;
        }
        higher.network = network_for(higher.child_count);
        max_children_ = std::max<std::size_t>(max_children_, higher.child_count);
        higher_.push_back(higher);
        span.higher_end = static_cast<std::uint32_t>(higher_.size());
      }
    }
    if (sampler == BootstrapSampler::exact) build_tables(threads);
    for (const FirstCell& first : first_) (first.support_size > 0 ? exact_cells_ : explicit_cells_) += 1;
    // Rows by month (stable: the plan's order within a month).
    std::stable_sort(rows.begin(), rows.end(), [&](const RowSpec& a, const RowSpec& b) {
      return point.rows[a.row].month < point.rows[b.row].month;
    });
    for (std::size_t i = 0; i < rows.size(); ++i) {
      MonthSpan& span = months_[point.rows[rows[i].row].month];
      if (span.row_begin == span.row_end) span.row_begin = span.row_end = static_cast<std::uint32_t>(i);
      span.row_end = static_cast<std::uint32_t>(i + 1);
    }
    rows_ = std::move(rows);
    row_count_ = point.rows.size();
    max_terms_ = n_lines;
    as_zero_ = methodology.prices.on_missing == OnMissing::zero;
    has_smeb_ = methodology.basket.has_smeb_lines();
    total_markup_ = 1.0 + methodology.basket.markup_percent / 100.0;
    lanes_ = std::clamp<std::size_t>(kValueBudget / (std::max<std::size_t>(node_count_, 1) * sizeof(double)), 1, kMaxLanes);
  }

  [[nodiscard]] std::size_t nodes() const { return node_count_; }
  [[nodiscard]] std::size_t lanes() const { return lanes_; }
  [[nodiscard]] std::size_t rows() const { return row_count_; }
  [[nodiscard]] std::size_t exact_cells() const { return exact_cells_; }
  [[nodiscard]] std::size_t explicit_cells() const { return explicit_cells_; }

  /// Per-thread buffers, allocated once: the node values of a block of replicates and the scratch of each stage.
  struct Workspace {
    std::vector<double> values, quotes, markets, network, prices, smeb, meb, food, limit;
    std::vector<std::uint32_t> lower, tie;
  };
  [[nodiscard]] Workspace workspace() const {
    Workspace work;
    work.values.resize(std::max<std::size_t>(node_count_, 1) * lanes_);
    work.quotes.resize(std::max<std::size_t>(max_quotes_, 1));
    work.markets.resize(std::max<std::size_t>(max_markets_, 1));
    work.network.resize(std::max<std::size_t>(max_children_, 1) * lanes_);
    work.prices.resize(std::max<std::size_t>(max_terms_, 1) * lanes_);
    work.smeb.resize(lanes_);
    work.meb.resize(lanes_);
    work.food.resize(lanes_);
    work.limit.resize(lanes_);
    work.lower.resize(lanes_);
    work.tie.resize(lanes_);
    return work;
  }

  /// Runs `lanes` replicates (keys; none: the identity resample, one lane) and writes each row's SMEB, MEB and
  /// transfer value to out[row × stride + b].
  void run(const std::uint64_t* keys, std::size_t lanes, Workspace& work, double* smeb, double* meb, double* transfer,
           std::size_t stride) const {
    for (const MonthSpan& span : months_) {
      draw_first_level(span, keys, lanes, work);
      aggregate(span, lanes, work);
      cost_rows(span, lanes, work, smeb, meb, transfer, stride);
    }
  }

 private:
  static constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();

  static double mapped(double value, const BootstrapInputs& inputs, std::size_t bucket) {
    if (inputs.market_scale) value *= (*inputs.market_scale)[bucket];
    if (inputs.market_shift) value += (*inputs.market_shift)[bucket];
    return value;
  }

  /// The first-level cells' exact tables, built by `threads` threads over contiguous ranges of cells, then
  /// joined in cell order: the same tables whatever the number of threads.
  void build_tables(unsigned threads) {
    const std::size_t chunks = std::max<std::size_t>(1, std::min<std::size_t>(threads, first_.size() / 256 + 1));
    std::vector<ExactTables> parts(chunks);
    auto range = [&](std::size_t chunk) { return first_.size() * chunk / chunks; };
    std::vector<std::thread> pool;
    auto build = [&](std::size_t chunk) {
      Scratch scratch;
      for (std::size_t c = range(chunk); c < range(chunk + 1); ++c)
        build_exact(first_[c], markets_.data(), plan_.buckets.prices.data(), statistic_, parts[chunk], scratch);
    };
    for (std::size_t chunk = 1; chunk < chunks; ++chunk) pool.emplace_back(build, chunk);
    build(0);
    for (auto& thread : pool) thread.join();
    for (std::size_t chunk = 0; chunk < chunks; ++chunk) {
      const auto support_base = static_cast<std::uint32_t>(tables_.support.size());
      const auto column_base = static_cast<std::uint32_t>(tables_.columns.size());
      for (std::size_t c = range(chunk); c < range(chunk + 1); ++c) {
        if (first_[c].support_size == 0) continue;
        first_[c].support_begin += support_base;
        first_[c].column_begin += column_base;
      }
      const ExactTables& part = parts[chunk];
      tables_.support.insert(tables_.support.end(), part.support.begin(), part.support.end());
      tables_.tails.insert(tables_.tails.end(), part.tails.begin(), part.tails.end());
      tables_.columns.insert(tables_.columns.end(), part.columns.begin(), part.columns.end());
    }
  }

  std::uint32_t network_for(std::uint32_t n) {
    while (networks_.size() <= n) networks_.push_back(make_network(networks_.size(), statistic_));
    return n;
  }

  void draw_first_level(const MonthSpan& span, const std::uint64_t* keys, std::size_t lanes, Workspace& work) const {
    double* values = work.values.data();
    for (std::uint32_t c = span.first_begin; c < span.first_end; ++c) {
      const FirstCell& cell = first_[c];
      double* out = values + static_cast<std::size_t>(cell.node) * lanes_;
      if (keys == nullptr) {
        out[0] = draw_explicit(cell, nullptr, work);
      } else if (cell.support_size == 0) {
        for (std::size_t b = 0; b < lanes; ++b) {
          Stream stream(cell_number(keys[b], cell.id));
          out[b] = draw_explicit(cell, &stream, work);
        }
      } else if (!cell.pairs) {
        const AliasColumn* columns = tables_.columns.data() + cell.column_begin;
        const double* support = tables_.support.data() + cell.support_begin;
        for (std::size_t b = 0; b < lanes; ++b)
          out[b] = support[alias_draw(columns, cell.support_size, cell_number(keys[b], cell.id))];
      } else {
        // Outcome 2a + 1: X_(j) = X_(j+1) = x_a; outcome 2a: X_(j) = x_a and X_(j+1) the smallest of j draws
        // above x_a, found from a second number v in (0, 1] as the first b > a with tail_b <= tail_a × v.
        const AliasColumn* columns = tables_.columns.data() + cell.column_begin;
        const double* support = tables_.support.data() + cell.support_begin;
        const double* tail = tables_.tails.data() + cell.support_begin;
        const std::uint32_t m = cell.support_size;
        // Two passes over the lanes: the draws, then the searches, so that the searches of many lanes overlap.
        std::uint32_t* lower = work.lower.data();
        std::uint32_t* tie = work.tie.data();
        double* limit = work.limit.data();
        for (std::size_t b = 0; b < lanes; ++b) {
          const std::uint64_t number = cell_number(keys[b], cell.id);
          const std::uint32_t outcome = alias_draw(columns, 2 * m, number);
          lower[b] = outcome >> 1;
          tie[b] = outcome & 1U;
          limit[b] = tail[lower[b]] * (1.0 - unit_interval(Stream(number).next()));
        }
        for (std::size_t b = 0; b < lanes; ++b) {
          // The first k with tail_k <= limit: a branchless binary search over the decreasing tails, whose trip
          // count depends only on m (every k <= a has tail_k >= tail_a >= limit, so it lands above a unless v = 1).
          const double* base = tail;
          for (std::uint32_t length = m; length > 1;) {
            const std::uint32_t half = length / 2;
            base = base[half] > limit[b] ? base + half : base;
            length -= half;
          }
          const std::uint32_t a = lower[b];
          const auto first_below = static_cast<std::uint32_t>(base - tail) + (*base > limit[b] ? 1U : 0U);
          const std::uint32_t next = std::min(std::max(first_below, a + 1), m - 1);
          const std::uint32_t upper = next ^ ((next ^ a) & (0U - tie[b]));  // a tie keeps a, without a branch
          out[b] = 0.5 * (support[a] + support[upper]);
        }
      }
    }
  }

  void aggregate(const MonthSpan& span, std::size_t lanes, Workspace& work) const {
    double* values = work.values.data();
    double* scratch = work.network.data();
    for (std::uint32_t h = span.higher_begin; h < span.higher_end; ++h) {
      const HigherNode& node = higher_[h];
      const std::uint32_t n = node.child_count;
      double* out = values + static_cast<std::size_t>(node.node) * lanes_;
      for (std::uint32_t k = 0; k < n; ++k)
        std::copy_n(values + static_cast<std::size_t>(children_[node.child_begin + k]) * lanes_, lanes, scratch + k * lanes_);
      for (const auto& [i, j] : networks_[node.network]) {
        double* x = scratch + i * lanes_;
        double* y = scratch + j * lanes_;
        for (std::size_t b = 0; b < lanes; ++b) {
          const double low = std::min(x[b], y[b]);  // minpd and maxpd: no NaN among observed values
          const double high = std::max(x[b], y[b]);
          x[b] = low;
          y[b] = high;
        }
      }
      switch (statistic_) {
        case Statistic::median:
          if (n % 2 == 1) std::copy_n(scratch + (n / 2) * lanes_, lanes, out);
          else
            for (std::size_t b = 0; b < lanes; ++b) out[b] = 0.5 * (scratch[(n / 2 - 1) * lanes_ + b] + scratch[(n / 2) * lanes_ + b]);
          break;
        case Statistic::min:
          for (std::size_t b = 0; b < lanes; ++b) {
            double low = scratch[b];
            for (std::uint32_t k = 1; k < n; ++k) low = std::min(low, scratch[k * lanes_ + b]);
            out[b] = low;
          }
          break;
        case Statistic::mean:  // sorted, then summed in ascending order, as combine does
          for (std::size_t b = 0; b < lanes; ++b) {
            double sum = 0.0;
            for (std::uint32_t k = 0; k < n; ++k) sum += scratch[k * lanes_ + b];
            out[b] = sum / static_cast<double>(n);
          }
          break;
      }
    }
  }

  void cost_rows(const MonthSpan& span, std::size_t lanes, Workspace& work, double* smeb_out, double* meb_out,
                 double* transfer_out, std::size_t stride) const {
    const double* values = work.values.data();
    const TransferRule& rule = methodology_.transfer;
    double* smeb = work.smeb.data();
    double* meb = work.meb.data();
    double* food = work.food.data();
    for (std::uint32_t i = span.row_begin; i < span.row_end; ++i) {
      const RowSpec& row = rows_[i];
      const Term* terms = terms_.data() + row.term_begin;
      std::fill_n(food, lanes, 0.0);
      for (std::uint32_t l = 0; l < row.term_count; ++l) {
        const Term& term = terms[l];
        double* price = work.prices.data() + l * lanes_;
        switch (term.kind) {
          case Term::Kind::node: {
            const double* value = values + static_cast<std::size_t>(term.index) * lanes_;
            for (std::size_t b = 0; b < lanes; ++b) price[b] = value[b] * term.factor;
            break;
          }
          case Term::Kind::composite: {
            const Composite& composite = composites_[term.index];
            for (std::size_t b = 0; b < lanes; ++b) {
              double parts[kMaxAlternatives];
              for (std::uint32_t k = 0; k < composite.count; ++k) {
                const Alternative& alternative = alternatives_[composite.begin + k];
                parts[k] = values[static_cast<std::size_t>(alternative.node) * lanes_ + b] * alternative.factor;
              }
              price[b] = combine(composite.statistic, parts, composite.count);
            }
            break;
          }
          case Term::Kind::constant:
            std::fill_n(price, lanes, term.factor);
            break;
          case Term::Kind::food_share:
            break;
        }
        if (row.has_food_share && term.in_food) {
          // The food total of evaluate_plan: quantity × price × mark-up, a survey line seen as NaN.
          for (std::size_t b = 0; b < lanes; ++b)
            food[b] += term.quantity * (term.kind == Term::Kind::constant ? term.before_food : price[b]) * term.markup;
        }
      }
      if (row.has_food_share)
        for (std::uint32_t l = 0; l < row.term_count; ++l)
          if (terms[l].kind == Term::Kind::food_share)
            for (std::size_t b = 0; b < lanes; ++b) work.prices[l * lanes_ + b] = food[b] * terms[l].factor;
      // Summed as basket_totals sums: line by line, zero weights skipped, NaN propagating unless on_missing: zero.
      std::fill_n(smeb, lanes, 0.0);
      std::fill_n(meb, lanes, 0.0);
      for (std::uint32_t l = 0; l < row.term_count; ++l) {
        const double* price = work.prices.data() + l * lanes_;
        const double meb_weight = terms[l].meb_weight, smeb_weight = terms[l].smeb_weight;
        if (as_zero_) {
          if (meb_weight != 0.0)
            for (std::size_t b = 0; b < lanes; ++b) meb[b] += (std::isnan(price[b]) ? 0.0 : price[b]) * meb_weight;
          if (smeb_weight != 0.0)
            for (std::size_t b = 0; b < lanes; ++b) smeb[b] += (std::isnan(price[b]) ? 0.0 : price[b]) * smeb_weight;
        } else {
          if (meb_weight != 0.0)
            for (std::size_t b = 0; b < lanes; ++b) meb[b] += price[b] * meb_weight;
          if (smeb_weight != 0.0)
            for (std::size_t b = 0; b < lanes; ++b) smeb[b] += price[b] * smeb_weight;
        }
      }
      const std::size_t at = static_cast<std::size_t>(row.row) * stride;
      for (std::size_t b = 0; b < lanes; ++b) {
        const double meb_total = meb[b] * total_markup_;
        const double smeb_total = has_smeb_ ? smeb[b] * total_markup_ : kNaN;
        const double basis = rule.basis == Tier::smeb ? smeb_total : meb_total;
        smeb_out[at + b] = smeb_total;
        meb_out[at + b] = meb_total;
        transfer_out[at + b] = std::isnan(basis) ? kNaN : apply_transfer_rule(rule, basis).value;
      }
    }
  }

  /// Draws (or, without a stream, takes each once) the cell's markets and their quotes.
  double draw_explicit(const FirstCell& cell, Stream* stream, Workspace& work) const {
    const double* prices = plan_.buckets.prices.data();
    for (std::uint32_t i = 0; i < cell.market_count; ++i) {
      const MarketQuotes& market = markets_[cell.market_begin + (stream ? stream->below(cell.market_count) : i)];
      for (std::uint32_t q = 0; q < market.count; ++q)
        work.quotes[q] = prices[market.begin + (stream ? stream->below(market.count) : q)];
      double value = combine(statistic_, work.quotes.data(), market.count);
      if (market.mapped) value = value * market.scale + market.shift;
      work.markets[i] = value;
    }
    return combine(statistic_, work.markets.data(), cell.market_count);
  }

  const ComputePlan& plan_;
  const Methodology& methodology_;
  Statistic statistic_;
  std::size_t node_count_ = 0, row_count_ = 0, lanes_ = kMaxLanes;
  std::vector<MonthSpan> months_;
  std::vector<FirstCell> first_;
  std::vector<MarketQuotes> markets_;
  ExactTables tables_;
  std::vector<HigherNode> higher_;
  std::vector<std::uint32_t> children_;
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> networks_;
  std::vector<Term> terms_;
  std::vector<Alternative> alternatives_;
  std::vector<Composite> composites_;
  std::vector<RowSpec> rows_;
  std::size_t max_quotes_ = 0, max_markets_ = 0, max_children_ = 0, max_terms_ = 0;
  std::size_t exact_cells_ = 0, explicit_cells_ = 0;
  bool as_zero_ = false, has_smeb_ = false;
  double total_markup_ = 1.0;
};

/// Runs `work` on `threads` threads, the calling one included.
void on_threads(unsigned threads, const std::function<void()>& work) {
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
}

unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

/// Type 7 percentiles of the n values at `from` (increasing percents), written to out[k × out_stride].
/// Moves the values of [begin, end) below `pivot` to its front, without a branch on the data (a branch on a
/// random comparison is mispredicted half the time); returns where the others start.
std::size_t partition_below(double* values, std::size_t begin, std::size_t end, double pivot, bool or_equal) {
  std::size_t i = begin;
  for (std::size_t j = begin; j < end; ++j) {
    const double v = values[j];
    const bool front = or_equal ? v <= pivot : v < pivot;
    values[j] = values[i];
    values[i] = v;
    i += front ? 1 : 0;
  }
  return i;
}

/// std::nth_element's contract on [begin, end): the k-th smallest at k, nothing larger before it, nothing smaller
/// after. Quickselect with a median-of-three pivot and three-way splits, so that many equal values (transfer
/// values rounded to a step) end it at once.
void select_in_place(double* values, std::size_t begin, std::size_t end, std::size_t k) {
  while (end - begin > 16) {
    double a = values[begin], b = values[begin + (end - begin) / 2], c = values[end - 1];
    if (b < a) std::swap(a, b);
    if (c < b) std::swap(b, c);
    if (b < a) std::swap(a, b);
    const std::size_t below = partition_below(values, begin, end, b, false);
    if (k < below) {
      end = below;
      continue;
    }
    const std::size_t equal_end = partition_below(values, below, end, b, true);
    if (k < equal_end) return;  // values[below .. equal_end) all equal the pivot
    begin = equal_end;
  }
  std::sort(values + begin, values + end);
}

/// Type 7 percentiles of the n values at `from` (increasing percents), written to out[k].
void percentiles_of(const double* from, std::size_t n, const std::vector<double>& percents, std::vector<double>& sorted,
                    double* out) {
  if (std::any_of(from, from + n, [](double v) { return std::isnan(v); })) return;  // missing: NaN
  sorted.assign(from, from + n);
  // Increasing percentiles: each selection only needs the part above the previous one.
  std::size_t done = 0;
  for (std::size_t k = 0; k < percents.size(); ++k) {
    const double h = static_cast<double>(n - 1) * percents[k] / 100.0;
    const auto low = static_cast<std::size_t>(std::floor(h));
    select_in_place(sorted.data(), done, n, low);
    const double x = sorted[low];
    double value = x;
    if (low + 1 < n) {
      double next = sorted[low + 1];
      for (std::size_t i = low + 2; i < n; ++i) next = std::min(next, sorted[i]);
      value = x + (h - static_cast<double>(low)) * (next - x);
    }
    out[k] = value;
    done = low;
  }
}

detail::ReplicateTotals single_run(const Kernel& kernel, const std::uint64_t* key) {
  Kernel::Workspace workspace = kernel.workspace();
  detail::ReplicateTotals totals;
  totals.smeb.resize(kernel.rows());
  totals.meb.resize(kernel.rows());
  totals.transfer.resize(kernel.rows());
  kernel.run(key, 1, workspace, totals.smeb.data(), totals.meb.data(), totals.transfer.data(), 1);
  return totals;
}

}  // namespace

namespace {

/// Runs every replicate on `threads` threads into smeb/meb/transfer[row × replicates + r]. Each thread takes blocks
/// of replicates from a shared counter, with its own buffers; which thread runs a replicate never changes its
/// numbers: they depend on (seed, r) only.
void run_replicates(const Kernel& kernel, const BootstrapSettings& settings, unsigned threads, double* smeb, double* meb,
                    double* transfer) {
  const std::size_t block_size = kernel.lanes();
  const std::size_t n = settings.replicates;
  const std::size_t blocks = (n + block_size - 1) / block_size;
  std::atomic<std::size_t> next_block{0};
  auto work = [&] {
    Kernel::Workspace workspace = kernel.workspace();
    std::vector<std::uint64_t> keys(block_size);
    for (std::size_t block = next_block++; block < blocks; block = next_block++) {
      const std::size_t begin = block * block_size;
      const std::size_t lanes = std::min(block_size, n - begin);
      for (std::size_t b = 0; b < lanes; ++b) keys[b] = replicate_key(settings.seed, begin + b);
      kernel.run(keys.data(), lanes, workspace, smeb + begin, meb + begin, transfer + begin, n);
    }
  };
  on_threads(threads, work);
}

unsigned threads_for(const BootstrapSettings& settings, const Kernel& kernel) {
  const std::size_t blocks = (settings.replicates + kernel.lanes() - 1) / kernel.lanes();
  return static_cast<unsigned>(std::max<std::size_t>(1, std::min<std::size_t>(resolve_threads(settings.threads), blocks)));
}

}  // namespace

BootstrapResult bootstrap(const ComputePlan& plan, const Methodology& methodology, const BootstrapSettings& settings,
                          const BootstrapInputs& inputs) {
  validate(settings);
  const Kernel kernel(plan, methodology, inputs, settings.sampler, resolve_threads(settings.threads));
  const std::size_t n = settings.replicates;
  const std::size_t n_rows = kernel.rows();
  const std::size_t n_percentiles = settings.percentiles.size();

  BootstrapResult result;
  result.settings = settings;
  result.rows = n_rows;
  result.exact_cells = kernel.exact_cells();
  result.explicit_cells = kernel.explicit_cells();
  const unsigned threads = threads_for(settings, kernel);
  result.settings.threads = threads;

  // Replicate values, [measure][row][replicate]; left uninitialised, every element is written once.
  const std::size_t per_measure = n_rows * n;
  std::unique_ptr<double[]> draws(new double[3 * per_measure]);
  run_replicates(kernel, settings, threads, draws.get(), draws.get() + per_measure, draws.get() + 2 * per_measure);

  // Then the percentiles per measure and row, also shared out.
  result.smeb.assign(n_rows * n_percentiles, kNaN);
  result.meb.assign(n_rows * n_percentiles, kNaN);
  result.transfer.assign(n_rows * n_percentiles, kNaN);
  double* outputs[3] = {result.smeb.data(), result.meb.data(), result.transfer.data()};
  std::atomic<std::size_t> next_series{0};
  on_threads(threads, [&] {
    std::vector<double> sorted(n);
    for (std::size_t i = next_series++; i < 3 * n_rows; i = next_series++)
      percentiles_of(draws.get() + i * n, n, settings.percentiles, sorted,
                     outputs[i / n_rows] + (i % n_rows) * n_percentiles);
  });
  return result;
}

namespace detail {

double percentile_type7(std::vector<double>& values, double percent) {
  // The bootstrap's own selection (percentiles_of), so the function the tests check is the one that runs.
  double out = kNaN;
  if (values.empty()) return out;
  std::vector<double> scratch;
  percentiles_of(values.data(), values.size(), {percent}, scratch, &out);
  return out;
}

ReplicateTotals bootstrap_draws(const ComputePlan& plan, const Methodology& methodology, const BootstrapSettings& settings,
                                const BootstrapInputs& inputs) {
  validate(settings);
  const Kernel kernel(plan, methodology, inputs, settings.sampler, resolve_threads(settings.threads));
  ReplicateTotals totals;
  totals.smeb.resize(kernel.rows() * settings.replicates);
  totals.meb.resize(totals.smeb.size());
  totals.transfer.resize(totals.smeb.size());
  run_replicates(kernel, settings, threads_for(settings, kernel), totals.smeb.data(), totals.meb.data(), totals.transfer.data());
  return totals;
}

ReplicateTotals bootstrap_identity(const ComputePlan& plan, const Methodology& methodology, const BootstrapInputs& inputs) {
  const Kernel kernel(plan, methodology, inputs, BootstrapSampler::explicit_draws, 1);
  return single_run(kernel, nullptr);
}

ReplicateTotals bootstrap_replicate(const ComputePlan& plan, const Methodology& methodology,
                                    const BootstrapSettings& settings, std::size_t replicate,
                                    const BootstrapInputs& inputs) {
  const Kernel kernel(plan, methodology, inputs, settings.sampler, resolve_threads(settings.threads));
  const std::uint64_t key = replicate_key(settings.seed, replicate);
  return single_run(kernel, &key);
}

}  // namespace detail

}  // namespace meb

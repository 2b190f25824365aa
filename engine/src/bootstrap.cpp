#include "meb/bootstrap.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
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
constexpr std::size_t kMaxSupportForPairs = 1024;
constexpr std::size_t kMaxExactDraws = 500;  // binomial coefficients stay far from overflow
constexpr std::size_t kBlock = 32;           // replicates a thread draws cell by cell, so each table stays in cache
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
  return static_cast<std::uint64_t>(product) < column.threshold ? column.own : column.alias;
}

/// A uniform double in [0, 1) from the top 53 bits.
inline double unit_interval(std::uint64_t number) { return static_cast<double>(number >> 11) * 0x1.0p-53; }

/// Reused buffers: building ~10^5 small distributions must not allocate for each.
struct Scratch {
  std::vector<std::pair<double, double>> outcomes;
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

double percentile_type7(std::vector<double>& values, double percent) {
  const std::size_t n = values.size();
  if (n == 0) return kNaN;
  const double h = static_cast<double>(n - 1) * percent / 100.0;
  const auto low = static_cast<std::size_t>(std::floor(h));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(low), values.end());
  const double x = values[low];
  if (low + 1 >= n) return x;
  const double next = *std::min_element(values.begin() + static_cast<std::ptrdiff_t>(low) + 1, values.end());
  return x + (h - static_cast<double>(low)) * (next - x);
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
  std::uint64_t id;  ///< the cell's index in the price panel: what its random numbers are keyed by
  std::uint32_t market_begin;
  std::uint32_t market_count;
  std::uint32_t table_begin;  ///< into the alias columns and the support values
  std::uint32_t table_size;   ///< 0: drawn explicitly
  std::uint32_t pair_begin;   ///< the mean of the two middle draws: into the pair points; else kNoPair
};

/// A support point of a cell whose value is the mean of its two middle draws (a median of an even count).
struct PairPoint {
  double tie;    ///< P(X_(j+1) = x_a | X_(j) = x_a)
  double kappa;  ///< tail_a / (1 - tie)
  double tail;   ///< P(X > x_a)^j
};
constexpr std::uint32_t kNoPair = std::numeric_limits<std::uint32_t>::max();

struct HigherNode {
  std::uint32_t child_begin;
  std::uint32_t child_count;
};

struct Term {
  enum class Kind : std::uint8_t { node, composite, constant, food_share };
  Kind kind = Kind::constant;
  bool in_food = false;
  std::uint32_t index = 0;      ///< node: the node; composite: the composite
  double factor = 0.0;          ///< node: series units per line unit; constant: the price; food_share: the multiplier
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
  std::uint32_t term_begin;
  std::uint32_t term_count;
  bool has_food_share;
};

/// Flat index arrays built once from the plan and the point estimate: first-level cells with their
/// markets' quote ranges (and exact tables), the higher levels' child lists, and the rows' terms.
class Kernel {
 public:
  Kernel(const ComputePlan& plan, const Methodology& methodology, const BootstrapInputs& inputs, BootstrapSampler sampler)
      : plan_(plan), methodology_(methodology) {
    const Statistic statistic = methodology.prices.statistic;
    statistic_ = statistic;
    std::vector<double> point_values = market_values(plan.buckets, statistic);
    if (inputs.market_scale || inputs.market_shift)
      for (std::size_t c = 0; c < point_values.size(); ++c) point_values[c] = mapped(point_values[c], inputs, c);
    const ComputeResult point = evaluate_plan(plan, methodology, point_values, inputs.survey);
    const PricePanel& panel = point.panel;

    std::vector<int> step_of(plan.areas.areas.size(), -1);
    for (std::size_t step = 0; step < plan.areas.by_level.size(); ++step)
      for (const std::int32_t a : plan.areas.by_level[step]) step_of[static_cast<std::size_t>(a)] = static_cast<int>(step);

    // Which observed panel cells the rows read, through the fill and up the levels.
    node_of_cell_.assign(panel.value.size(), kUnset);
    std::vector<std::size_t> needed;
    auto need = [&](std::size_t cell) {
      if (node_of_cell_[cell] != kUnset) return;
      node_of_cell_[cell] = 0;
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

    // Row terms, in line order (the order evaluate_plan sums them in), with cell references for now.
    const std::size_t n_lines = point.lines.size();
    const bool has_food_share_line = std::any_of(point.lines.begin(), point.lines.end(), [](const CostLine& line) {
      return line.kind == CostLine::Kind::food_share;
    });
    std::vector<std::size_t> term_cell;  // per term (node) or per alternative: the panel cell
    std::vector<std::size_t> alternative_cell;
    for (std::size_t r = 0; r < point.rows.size(); ++r) {
      const auto area = static_cast<std::size_t>(point.rows[r].area);
      const std::size_t month = point.rows[r].month;
      RowSpec row{static_cast<std::uint32_t>(terms_.size()), static_cast<std::uint32_t>(n_lines), false};
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
            if (price.status == PriceStatus::missing) break;  // a constant NaN: the pattern is fixed
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
          const double seen = line.kind == CostLine::Kind::priced || line.kind == CostLine::Kind::composite ||
                                      line.kind == CostLine::Kind::stated
                                  ? price.price
                                  : kNaN;
          point_food += line.monthly_quantity * seen * line.markup_factor;
        }
        terms_.push_back(term);
        term_cell.push_back(cell);
      }
      rows_.push_back(row);
    }

    // Up the levels: an observed cell above the first level is the statistic of its children's observed values.
    for (std::size_t i = 0; i < needed.size(); ++i) {
      const std::size_t cell = needed[i];
      const std::size_t month = cell % panel.months;
      const std::size_t area = (cell / panel.months) % panel.areas;
      const std::size_t series = cell / panel.months / panel.areas;
      if (step_of[area] <= 0) continue;
      for (const std::int32_t child : plan.areas.areas[area].children) {
        const std::size_t child_cell = panel.cell(series, static_cast<std::size_t>(child), month);
        if (panel.status[child_cell] == PriceStatus::observed) need(child_cell);
      }
    }
    // Nodes bottom-up: first-level cells (in panel order, so tables are read in memory order), then each level.
    std::sort(needed.begin(), needed.end(), [&](std::size_t a, std::size_t b) {
      const int sa = step_of[(a / panel.months) % panel.areas], sb = step_of[(b / panel.months) % panel.areas];
      return sa != sb ? sa < sb : a < b;
    });
    for (std::size_t i = 0; i < needed.size(); ++i) node_of_cell_[needed[i]] = static_cast<std::uint32_t>(i);
    node_count_ = needed.size();
    for (std::size_t t = 0; t < terms_.size(); ++t)
      if (terms_[t].kind == Term::Kind::node) terms_[t].index = node_of_cell_[term_cell[t]];
    for (std::size_t k = 0; k < alternatives_.size(); ++k) alternatives_[k].node = node_of_cell_[alternative_cell[k]];

    const QuoteBuckets& buckets = plan.buckets;
    Scratch scratch;
    for (const std::size_t cell : needed) {
      const std::size_t month = cell % panel.months;
      const std::size_t area = (cell / panel.months) % panel.areas;
      const std::size_t series = cell / panel.months / panel.areas;
      if (step_of[area] == 0) {
        FirstCell first{cell, static_cast<std::uint32_t>(markets_.size()), 0, 0, 0, kNoPair};
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
        if (sampler == BootstrapSampler::exact) build_exact(first, scratch);
        (first.table_size > 0 ? exact_cells_ : explicit_cells_) += 1;
        first_.push_back(first);
      } else {
        HigherNode node{static_cast<std::uint32_t>(children_.size()), 0};
        for (const std::int32_t child : plan.areas.areas[area].children) {
          const std::size_t child_cell = panel.cell(series, static_cast<std::size_t>(child), month);
          if (panel.status[child_cell] != PriceStatus::observed) continue;
          children_.push_back(node_of_cell_[child_cell]);
          ++node.child_count;
        }
        max_children_ = std::max<std::size_t>(max_children_, node.child_count);
        higher_.push_back(node);
      }
    }
    max_terms_ = n_lines;
    as_zero_ = methodology.prices.on_missing == OnMissing::zero;
    has_smeb_ = methodology.basket.has_smeb_lines();
    total_markup_ = 1.0 + methodology.basket.markup_percent / 100.0;
  }

  [[nodiscard]] std::size_t nodes() const { return node_count_; }
  [[nodiscard]] std::size_t rows() const { return rows_.size(); }
  [[nodiscard]] std::size_t exact_cells() const { return exact_cells_; }
  [[nodiscard]] std::size_t explicit_cells() const { return explicit_cells_; }

  /// Per-thread buffers, allocated once.
  struct Workspace {
    std::vector<double> quotes, markets, children, prices;
  };
  [[nodiscard]] Workspace workspace() const {
    Workspace work;
    work.quotes.resize(std::max<std::size_t>(max_quotes_, 1));
    work.markets.resize(std::max<std::size_t>(max_markets_, 1));
    work.children.resize(std::max<std::size_t>(max_children_, 1));
    work.prices.resize(std::max<std::size_t>(max_terms_, 1));
    return work;
  }

  /// The first-level values of `count` replicates (keys), cell by cell: values[b * nodes() + node].
  __attribute__((noinline)) void draw_first_level(const std::uint64_t* keys, std::size_t count, double* values, Workspace& work) const {
    const std::size_t stride = node_count_;
    for (std::size_t c = 0; c < first_.size(); ++c) {
      const FirstCell& cell = first_[c];
      if (cell.table_size > 0) {
        const AliasColumn* columns = columns_.data() + cell.table_begin;
        const double* support = support_.data() + cell.table_begin;
        if (cell.pair_begin == kNoPair) {
          for (std::size_t b = 0; b < count; ++b)
            values[b * stride + c] = support[alias_draw(columns, cell.table_size, cell_number(keys[b], cell.id))];
        } else {
          // X_(j) from its table, then a tie or the smallest of j draws above it (middle_pair): two numbers.
          const PairPoint* points = pairs_.data() + cell.pair_begin;
          for (std::size_t b = 0; b < count; ++b) {
            const std::uint64_t number = cell_number(keys[b], cell.id);
            const std::uint32_t a = alias_draw(columns, cell.table_size, number);
            const double w = unit_interval(Stream(number).next());
            const PairPoint& point = points[a];
            if (w < point.tie) {
              values[b * stride + c] = 0.5 * (support[a] + support[a]);
            } else {
              const double limit = point.kappa * (1.0 - w);
              std::uint32_t upper = a + 1;
              while (points[upper].tail > limit) ++upper;
              values[b * stride + c] = 0.5 * (support[a] + support[upper]);
            }
          }
        }
      } else {
        for (std::size_t b = 0; b < count; ++b) {
          Stream stream(cell_number(keys[b], cell.id));
          values[b * stride + c] = draw_explicit(cell, &stream, work);
        }
      }
    }
  }

  /// Every market and every quote drawn once: the point estimate through the fast path.
  void identity_first_level(double* values, Workspace& work) const {
    for (std::size_t c = 0; c < first_.size(); ++c) values[c] = draw_explicit(first_[c], nullptr, work);
  }

  /// From first-level values (values[0 .. first cells)) up the levels, then every row's totals.
  __attribute__((noinline)) void evaluate(double* values, Workspace& work, double* smeb, double* meb, double* transfer, std::size_t stride) const {
    const std::size_t first = first_.size();
    for (std::size_t h = 0; h < higher_.size(); ++h) {
      const HigherNode& node = higher_[h];
      double* scratch = work.children.data();
      for (std::uint32_t k = 0; k < node.child_count; ++k) scratch[k] = values[children_[node.child_begin + k]];
      values[first + h] = combine(statistic_, scratch, node.child_count);
    }
    const TransferRule& rule = methodology_.transfer;
    for (std::size_t r = 0; r < rows_.size(); ++r) {
      const RowSpec& row = rows_[r];
      const Term* terms = terms_.data() + row.term_begin;
      double* prices = work.prices.data();
      double food = 0.0;
      for (std::uint32_t l = 0; l < row.term_count; ++l) {
        const Term& term = terms[l];
        double price = kNaN;
        double seen = kNaN;  // what the food total sees
        switch (term.kind) {
          case Term::Kind::node:
            price = seen = values[term.index] * term.factor;
            break;
          case Term::Kind::composite: {
            const Composite& composite = composites_[term.index];
            double parts[kMaxAlternatives];
            for (std::uint32_t k = 0; k < composite.count; ++k) {
              const Alternative& alternative = alternatives_[composite.begin + k];
              parts[k] = values[alternative.node] * alternative.factor;
            }
            price = seen = combine(composite.statistic, parts, composite.count);
            break;
          }
          case Term::Kind::constant:
            price = term.factor;
            seen = term.before_food;
            break;
          case Term::Kind::food_share:
            break;
        }
        if (row.has_food_share && term.in_food) food += term.quantity * seen * term.markup;
        prices[l] = price;
      }
      if (row.has_food_share)
        for (std::uint32_t l = 0; l < row.term_count; ++l)
          if (terms[l].kind == Term::Kind::food_share) prices[l] = food * terms[l].factor;
      // Summed as basket_totals sums: line by line, skipping zero weights, NaN propagating unless on_missing: zero.
      double meb_total = 0.0, smeb_total = 0.0;
      for (std::uint32_t l = 0; l < row.term_count; ++l) {
        const double price = as_zero_ && std::isnan(prices[l]) ? 0.0 : prices[l];
        if (terms[l].meb_weight != 0.0) meb_total += price * terms[l].meb_weight;
        if (terms[l].smeb_weight != 0.0) smeb_total += price * terms[l].smeb_weight;
      }
      meb_total *= total_markup_;
      smeb_total = has_smeb_ ? smeb_total * total_markup_ : kNaN;
      const double basis = rule.basis == Tier::smeb ? smeb_total : meb_total;
      smeb[r * stride] = smeb_total;
      meb[r * stride] = meb_total;
      transfer[r * stride] = std::isnan(basis) ? kNaN : apply_transfer_rule(rule, basis).value;
    }
  }

 private:
  static constexpr std::uint32_t kUnset = std::numeric_limits<std::uint32_t>::max();

  static double mapped(double value, const BootstrapInputs& inputs, std::size_t bucket) {
    if (inputs.market_scale) value *= (*inputs.market_scale)[bucket];
    if (inputs.market_shift) value += (*inputs.market_shift)[bucket];
    return value;
  }

  /// Draws (or, without a stream, takes each once) the cell's markets and their quotes.
  double draw_explicit(const FirstCell& cell, Stream* stream, Workspace& work) const {
    const double* prices = plan_.buckets.prices.data();
    for (std::uint32_t i = 0; i < cell.market_count; ++i) {
      const MarketQuotes& market =
          markets_[cell.market_begin + (stream ? stream->below(cell.market_count) : i)];
      for (std::uint32_t q = 0; q < market.count; ++q)
        work.quotes[q] = prices[market.begin + (stream ? stream->below(market.count) : q)];
      double value = combine(statistic_, work.quotes.data(), market.count);
      if (market.mapped) value = value * market.scale + market.shift;
      work.markets[i] = value;
    }
    return combine(statistic_, work.markets.data(), cell.market_count);
  }

  /// The exact distribution of the cell's resampled value as alias tables, when it is small enough: each
  /// market's resampled value (closed forms of resampled_statistic), their mixture (a market drawn uniformly),
  /// then the area's statistic of market_count draws from the mixture.
  void build_exact(FirstCell& cell, Scratch& scratch) {
    if (statistic_ == Statistic::mean || cell.market_count > kMaxExactDraws) return;
    mixture_.clear();
    for (std::uint32_t i = 0; i < cell.market_count; ++i) {
      const MarketQuotes& market = markets_[cell.market_begin + i];
      if (market.count > kMaxExactDraws) return;
      scratch.outcomes.clear();
      for (std::uint32_t q = 0; q < market.count; ++q) scratch.outcomes.emplace_back(plan_.buckets.prices[market.begin + q], 1.0);
      merge_into(scratch.outcomes, own_);
      if (statistic_ == Statistic::median && market.count % 2 == 0 && own_.values.size() > kMaxSupportForPairs) return;
      resampled_into(statistic_, own_, market.count, scratch, market_value_);
      for (std::size_t k = 0; k < market_value_.values.size(); ++k) {
        const double v = market.mapped ? market_value_.values[k] * market.scale + market.shift : market_value_.values[k];
        mixture_.emplace_back(v, market_value_.probabilities[k] / static_cast<double>(cell.market_count));
      }
    }
    merge_into(mixture_, drawn_);
    const std::size_t m = drawn_.values.size();
    const std::size_t n = cell.market_count;
    if (m > kMaxTable) return;
    cell.table_begin = static_cast<std::uint32_t>(support_.size());
    cell.table_size = static_cast<std::uint32_t>(m);
    support_.insert(support_.end(), drawn_.values.begin(), drawn_.values.end());
    tails(drawn_, scratch);
    if (n == 1 || m == 1) {
      probabilities_ = drawn_.probabilities;
    } else if (statistic_ == Statistic::min) {
      probabilities_.resize(m);
      for (std::size_t i = 0; i < m; ++i)
        probabilities_[i] = std::pow(scratch.at_least[i], static_cast<double>(n)) - std::pow(scratch.above[i], static_cast<double>(n));
    } else if (n % 2 == 1) {
      binomial_row(n, scratch.choose);
      order_statistic(drawn_, n, (n + 1) / 2, scratch, probabilities_);
    } else {
      binomial_row(n, scratch.choose);
      middle_pair(drawn_, n, scratch, tie_, split_, tail_);
      probabilities_.resize(m);
      cell.pair_begin = static_cast<std::uint32_t>(pairs_.size());
      for (std::size_t a = 0; a < m; ++a) {
        const double tie = std::max(tie_[a], 0.0), split = std::max(split_[a], 0.0);
        probabilities_[a] = tie + split;
        const double tie_share = probabilities_[a] > 0.0 ? tie / probabilities_[a] : 1.0;
        pairs_.push_back({tie_share, tie_share < 1.0 ? tail_[a] / (1.0 - tie_share) : 0.0, tail_[a]});
      }
    }
    append_alias_table(probabilities_, columns_, scratch.scaled, scratch.small, scratch.large);
  }

  const ComputePlan& plan_;
  const Methodology& methodology_;
  Statistic statistic_ = Statistic::median;
  std::vector<std::uint32_t> node_of_cell_;
  std::size_t node_count_ = 0;
  std::vector<FirstCell> first_;
  std::vector<MarketQuotes> markets_;
  std::vector<AliasColumn> columns_;
  std::vector<double> support_;
  std::vector<PairPoint> pairs_;
  // Construction buffers.
  std::vector<std::pair<double, double>> mixture_;
  detail::Discrete own_, market_value_, drawn_;
  std::vector<double> probabilities_, tie_, split_, tail_;
  std::vector<HigherNode> higher_;
  std::vector<std::uint32_t> children_;
  std::vector<Term> terms_;
  std::vector<Alternative> alternatives_;
  std::vector<Composite> composites_;
  std::vector<RowSpec> rows_;
  std::size_t max_quotes_ = 0, max_markets_ = 0, max_children_ = 0, max_terms_ = 0;
  std::size_t exact_cells_ = 0, explicit_cells_ = 0;
  bool as_zero_ = false, has_smeb_ = false;
  double total_markup_ = 1.0;
};

unsigned resolve_threads(unsigned requested) {
  if (requested > 0) return requested;
  const unsigned hardware = std::thread::hardware_concurrency();
  return hardware > 0 ? hardware : 1;
}

}  // namespace

BootstrapResult bootstrap(const ComputePlan& plan, const Methodology& methodology, const BootstrapSettings& settings,
                          const BootstrapInputs& inputs) {
  validate(settings);
  const Kernel kernel(plan, methodology, inputs, settings.sampler);
  const std::size_t n = settings.replicates;
  const std::size_t n_rows = kernel.rows();
  const std::size_t n_percentiles = settings.percentiles.size();

  BootstrapResult result;
  result.settings = settings;
  result.rows = n_rows;
  result.exact_cells = kernel.exact_cells();
  result.explicit_cells = kernel.explicit_cells();
  const std::size_t blocks = (n + kBlock - 1) / kBlock;
  const unsigned threads = static_cast<unsigned>(std::min<std::size_t>(resolve_threads(settings.threads), blocks));
  result.settings.threads = threads;

  // Replicate values, [metric][row][replicate]; left uninitialised, every element is written once.
  const std::size_t per_metric = n_rows * n;
  std::unique_ptr<double[]> draws(new double[3 * per_metric]);
  double* smeb = draws.get();
  double* meb = smeb + per_metric;
  double* transfer = meb + per_metric;

  // Each thread takes blocks of replicates from a shared counter, with its own buffers. Which thread runs a
  // replicate never changes its numbers: they depend on (seed, r) only.
  std::atomic<std::size_t> next_block{0};
  auto work = [&] {
    Kernel::Workspace workspace = kernel.workspace();
    std::vector<double> values(kBlock * std::max<std::size_t>(kernel.nodes(), 1));
    std::uint64_t keys[kBlock];
    for (std::size_t block = next_block++; block < blocks; block = next_block++) {
      const std::size_t begin = block * kBlock;
      const std::size_t count = std::min(kBlock, n - begin);
      for (std::size_t b = 0; b < count; ++b) keys[b] = replicate_key(settings.seed, begin + b);
      kernel.draw_first_level(keys, count, values.data(), workspace);
      for (std::size_t b = 0; b < count; ++b)
        kernel.evaluate(values.data() + b * kernel.nodes(), workspace, smeb + begin + b, meb + begin + b,
                        transfer + begin + b, n);
    }
  };
  {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& thread : pool) thread.join();
  }

  // Percentiles per metric and row, also shared out between the threads.
  result.smeb.assign(n_rows * n_percentiles, kNaN);
  result.meb.assign(n_rows * n_percentiles, kNaN);
  result.transfer.assign(n_rows * n_percentiles, kNaN);
  double* outputs[3] = {result.smeb.data(), result.meb.data(), result.transfer.data()};
  std::atomic<std::size_t> next_series{0};
  auto summarise = [&] {
    std::vector<double> sorted(n);
    for (std::size_t i = next_series++; i < 3 * n_rows; i = next_series++) {
      const double* from = draws.get() + i * n;
      if (std::any_of(from, from + n, [](double v) { return std::isnan(v); })) continue;  // missing: NaN
      sorted.assign(from, from + n);
      // Increasing percentiles: each selection only needs the part above the previous one.
      std::size_t done = 0;
      for (std::size_t k = 0; k < n_percentiles; ++k) {
        const double h = static_cast<double>(n - 1) * settings.percentiles[k] / 100.0;
        const auto low = static_cast<std::size_t>(std::floor(h));
        std::nth_element(sorted.begin() + static_cast<std::ptrdiff_t>(done), sorted.begin() + static_cast<std::ptrdiff_t>(low),
                         sorted.end());
        const double x = sorted[low];
        double value = x;
        if (low + 1 < n) {
          const double next = *std::min_element(sorted.begin() + static_cast<std::ptrdiff_t>(low) + 1, sorted.end());
          value = x + (h - static_cast<double>(low)) * (next - x);
        }
        outputs[i / n_rows][(i % n_rows) * n_percentiles + k] = value;
        done = low;
      }
    }
  };
  {
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back(summarise);
    summarise();
    for (auto& thread : pool) thread.join();
  }
  return result;
}

namespace detail {

ReplicateTotals bootstrap_identity(const ComputePlan& plan, const Methodology& methodology, const BootstrapInputs& inputs) {
  const Kernel kernel(plan, methodology, inputs, BootstrapSampler::explicit_draws);
  Kernel::Workspace workspace = kernel.workspace();
  std::vector<double> values(std::max<std::size_t>(kernel.nodes(), 1));
  kernel.identity_first_level(values.data(), workspace);
  ReplicateTotals totals;
  totals.smeb.resize(kernel.rows());
  totals.meb.resize(kernel.rows());
  totals.transfer.resize(kernel.rows());
  kernel.evaluate(values.data(), workspace, totals.smeb.data(), totals.meb.data(), totals.transfer.data(), 1);
  return totals;
}

ReplicateTotals bootstrap_replicate(const ComputePlan& plan, const Methodology& methodology,
                                    const BootstrapSettings& settings, std::size_t replicate,
                                    const BootstrapInputs& inputs) {
  const Kernel kernel(plan, methodology, inputs, settings.sampler);
  Kernel::Workspace workspace = kernel.workspace();
  std::vector<double> values(std::max<std::size_t>(kernel.nodes(), 1));
  const std::uint64_t key = replicate_key(settings.seed, replicate);
  kernel.draw_first_level(&key, 1, values.data(), workspace);
  ReplicateTotals totals;
  totals.smeb.resize(kernel.rows());
  totals.meb.resize(kernel.rows());
  totals.transfer.resize(kernel.rows());
  kernel.evaluate(values.data(), workspace, totals.smeb.data(), totals.meb.data(), totals.transfer.data(), 1);
  return totals;
}

}  // namespace detail

}  // namespace meb

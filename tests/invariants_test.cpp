#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "test_helpers.hpp"

// Invariants over many generated inputs (seeded std::mt19937): random markets, areas, months, quotes in
// random units, random baskets and methodologies, run through meb::compute.
//   - scaling every price (and stated cost) by k scales the unrounded SMEB and MEB by k;
//   - shuffling the input rows changes nothing, bit for bit;
//   - a zero-quantity line adds nothing, even where its price is missing;
//   - a fully observed area never uses a filled price;
//   - MEB = Σ line costs × total mark-up, and SMEB ≤ MEB;
//   - every price and total agrees with a naive reference implementation written here from the rules
//     (quotes → market → each level by the statistic, min_observations, fill rules in order, costing).

using meb::AreaLevel;
using meb::PriceStatus;
using namespace meb::testing;

namespace {

const char* const kItems[] = {"Millet", "Sorghum", "Maize", "Cowpeas"};
struct UnitChoice {
  const char* text;
  double kg;
};
const UnitChoice kUnits[] = {{"KG", 1.0}, {"100 KG", 100.0}, {"50 KG", 50.0}, {"500 G", 0.5}, {"G", 0.001}};
const char* const kHeader = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";

struct GenMarket {
  std::string name, admin1, admin2;
};
struct GenQuote {
  std::size_t market = 0, item = 0, unit = 0;
  int month = 0;  // 0 = 2020-01
  int day = 15;
  double per_kg = 0.0;
  std::string commodity;  // item name, or "Extra" for the zero-quantity line
};
struct GenLine {
  std::size_t item = 0;
  double quantity = 0.0;
  bool smeb = true;
  bool per_person_day = false;
};
struct GenCase {
  std::vector<GenMarket> markets;
  std::vector<GenQuote> quotes;
  std::size_t n_items = 0;
  std::vector<GenLine> lines;
  double stated = 0.0;  // 0: no stated component
  bool stated_smeb = true;
  double household = 1.0;
  std::vector<AreaLevel> path;
  bool median = true;
  int min_obs = 1;
  std::vector<int> fill;  // 0 = parent, N > 0 = carry_forward N
  bool missing_as_zero = false;
  double smeb_markup = 0.0;
  double total_markup = 0.0;
};

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

const std::vector<std::vector<AreaLevel>> kPaths = {
    {AreaLevel::market, AreaLevel::admin1},
    {AreaLevel::market, AreaLevel::admin2},
    {AreaLevel::market, AreaLevel::national},
    {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1},
    {AreaLevel::market, AreaLevel::admin1, AreaLevel::national},
    {AreaLevel::market, AreaLevel::admin2, AreaLevel::national},
    {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1, AreaLevel::national},
};
const std::vector<std::vector<int>> kFills = {{}, {0}, {1}, {2}, {0, 2}, {2, 0}, {0, 1}};

/// A random case. `full`: every market quotes every item every month (and min_observations is 1).
GenCase generate(std::mt19937& rng, bool full) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  auto chance = [&](double p) { return std::uniform_real_distribution<double>(0.0, 1.0)(rng) < p; };
  GenCase c;
  const int n_admin1 = pick(1, 3);
  for (int a = 0; a < n_admin1; ++a) {
    const int n_admin2 = pick(1, 3);
    for (int d = 0; d < n_admin2; ++d) {
      // Admin2 and market names repeat across areas on purpose: an area is its name within its parent.
      const int n_markets = pick(1, 3);
      for (int m = 0; m < n_markets; ++m)
        c.markets.push_back({"M" + std::to_string(m), "R" + std::to_string(a), "D" + std::to_string(d)});
    }
  }
  const int months = pick(1, 6);
  c.n_items = static_cast<std::size_t>(pick(2, 4));
  const double p_quote = full ? 1.0 : std::vector<double>{0.3, 0.6, 0.9, 1.0}[static_cast<std::size_t>(pick(0, 3))];
  for (std::size_t m = 0; m < c.markets.size(); ++m)
    for (std::size_t i = 0; i < c.n_items; ++i)
      for (int t = 0; t < months; ++t) {
        if (!chance(p_quote)) continue;
        const int n_quotes = pick(1, 3);
        for (int q = 0; q < n_quotes; ++q) {
          GenQuote quote;
          quote.market = m;
          quote.item = i;
          quote.month = t;
          quote.day = pick(1, 28);
          quote.unit = static_cast<std::size_t>(pick(0, 4));
          quote.per_kg = pick(50, 1000) + 0.25 * pick(0, 3);
          quote.commodity = kItems[i];
          c.quotes.push_back(quote);
        }
      }
  if (c.quotes.empty()) {  // at least one quote, so there is something to compute
    GenQuote quote;
    quote.per_kg = pick(50, 1000);
    quote.commodity = kItems[0];
    c.quotes.push_back(quote);
  }
  for (std::size_t i = 0; i < c.n_items; ++i) {
    GenLine line;
    line.item = i;
    line.quantity = chance(0.2) ? 0.0 : pick(1, 1000) / 1000.0;
    line.smeb = i == 0 || chance(0.6);
    line.per_person_day = chance(0.5);
    c.lines.push_back(line);
  }
  if (chance(0.5)) {
    c.stated = pick(500, 5000);
    c.stated_smeb = chance(0.5);
  }
  c.household = pick(1, 8);
  c.path = kPaths[static_cast<std::size_t>(pick(0, static_cast<int>(kPaths.size()) - 1))];
  c.median = chance(0.5);
  c.min_obs = full ? 1 : pick(1, 2);
  c.fill = kFills[static_cast<std::size_t>(pick(0, static_cast<int>(kFills.size()) - 1))];
  if (full && c.fill.empty()) c.fill = {0, 2};
  c.missing_as_zero = chance(0.3);
  c.smeb_markup = std::vector<double>{0.0, 5.0, 7.5, 10.0}[static_cast<std::size_t>(pick(0, 3))];
  c.total_markup = chance(0.3) ? 2.5 : 0.0;
  return c;
}

std::string yaml_of(const GenCase& c, double k, bool extra_zero_line = false) {
  std::ostringstream y;
  y << "id: invariants\nname: Invariants\ncurrency: XOF\nhousehold: {size: " << number(c.household) << "}\n";
  y << "prices:\n  levels: [";
  for (std::size_t s = 0; s < c.path.size(); ++s) y << (s ? ", " : "") << meb::to_string(c.path[s]);
  y << "]\n  statistic: " << (c.median ? "median" : "mean") << "\n  min_observations: " << c.min_obs << "\n  fill: [";
  for (std::size_t r = 0; r < c.fill.size(); ++r)
    y << (r ? ", " : "") << (c.fill[r] == 0 ? std::string("parent") : "{carry_forward: " + std::to_string(c.fill[r]) + "}");
  y << "]\n  on_missing: " << (c.missing_as_zero ? "zero" : "missing") << "\nbasket:\n";
  for (const bool smeb : {true, false}) {
    bool any = false;
    for (const GenLine& line : c.lines) any = any || line.smeb == smeb;
    if (!any) continue;
    y << "  - component: " << (smeb ? "food" : "more_food") << "\n    tier: " << (smeb ? "smeb" : "meb") << "\n";
    if (smeb) y << "    markup_percent: " << number(c.smeb_markup) << "\n";
    y << "    items:\n";
    for (const GenLine& line : c.lines)
      if (line.smeb == smeb)
        y << "      - {item: " << kItems[line.item] << ", quantity: " << number(line.quantity) << ", unit: KG, per: "
          << (line.per_person_day ? "person/day" : "household/month") << "}\n";
  }
  if (c.stated > 0.0)
    y << "  - component: services\n    tier: " << (c.stated_smeb ? "smeb" : "meb") << "\n    cost: " << number(c.stated * k)
      << "\n    per: household/month\n";
  if (extra_zero_line)
    y << "  - component: zero\n    tier: smeb\n    items:\n      - {item: Extra, quantity: 0, unit: KG, per: person/day}\n";
  y << "markup_percent: " << number(c.total_markup) << "\ntransfer: {round: {step: 500}}\n";
  return y.str();
}

std::string row_text(const GenCase& c, const GenQuote& q, double k) {
  const GenMarket& m = c.markets[q.market];
  char date[16];
  std::snprintf(date, sizeof date, "2020-%02d-%02d", q.month % 12 + 1, q.day);
  const UnitChoice& unit = kUnits[q.unit];
  return std::string(date) + "," + m.name + "," + m.admin1 + "," + m.admin2 + "," + q.commodity + "," + unit.text +
         ",Retail,XOF," + number(q.per_kg * unit.kg * k) + "\n";
}

std::vector<std::string> rows_of(const GenCase& c, double k) {
  std::vector<std::string> rows;
  for (const GenQuote& q : c.quotes) rows.push_back(row_text(c, q, k));
  return rows;
}

meb::ComputeResult run(const std::string& yaml, const std::vector<std::string>& rows) {
  const meb::Methodology methodology = methodology_from(yaml);
  std::string csv = kHeader;
  for (const auto& row : rows) csv += row;
  return meb::compute(methodology, prices_for(methodology, csv), nullptr);
}

bool same_bits(double a, double b) {
  if (std::isnan(a) && std::isnan(b)) return true;
  std::uint64_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof a);
  std::memcpy(&y, &b, sizeof b);
  return x == y;
}

bool close(double a, double b, double relative = 1e-9) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::fabs(a - b) <= relative * std::max({1.0, std::fabs(a), std::fabs(b)});
}

/// Records the first failure of a loop over many cases, so one broken invariant prints one message.
struct Failures {
  std::size_t count = 0;
  std::string first;
  void add(const std::string& what) {
    if (count++ == 0) first = what;
  }
};

double statistic(bool median, std::vector<double> values) {
  if (!median) {
    double sum = 0.0;
    for (double v : values) sum += v;
    return sum / static_cast<double>(values.size());
  }
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : 0.5 * (values[n / 2 - 1] + values[n / 2]);
}

/// The naive reference: prices per KG by item, area and month, with status, from the rules as written.
struct Reference {
  std::vector<std::vector<std::string>> market_keys;  // per market, its area key at each step of the path
  std::vector<std::set<std::string>> keys;            // per step, the areas that exist
  std::map<std::string, std::string> parent;          // key at step s → key at step s + 1
  int first_month = 0, months = 0;
  struct Cell {
    double value = std::nan("");
    PriceStatus status = PriceStatus::missing;
  };
  std::map<std::tuple<std::size_t, std::string, int>, Cell> cells;  // (item, key, month)

  Cell at(std::size_t item, const std::string& key, int t) const {
    auto it = cells.find({item, key, t});
    return it == cells.end() ? Cell{} : it->second;
  }
};

std::string key_at(const GenMarket& m, AreaLevel level) {
  switch (level) {
    case AreaLevel::admin2: return "a2|" + m.admin1 + "|" + m.admin2;
    case AreaLevel::admin1: return "a1|" + m.admin1;
    case AreaLevel::national: return "n|";
    case AreaLevel::market: break;
  }
  return "m|" + m.admin1 + "|" + m.admin2 + "|" + m.name;
}

Reference reference(const GenCase& c) {
  Reference ref;
  const std::size_t steps = c.path.size() - 1;
  ref.keys.resize(steps);
  ref.market_keys.resize(c.markets.size());
  std::vector<char> used(c.markets.size(), 0);
  int first = 1 << 30, last = -1;
  for (const GenQuote& q : c.quotes) {
    used[q.market] = 1;
    first = std::min(first, q.month);
    last = std::max(last, q.month);
  }
  ref.first_month = first;
  ref.months = last - first + 1;
  for (std::size_t m = 0; m < c.markets.size(); ++m) {
    for (std::size_t s = 0; s < steps; ++s) ref.market_keys[m].push_back(key_at(c.markets[m], c.path[s + 1]));
    if (!used[m]) continue;
    for (std::size_t s = 0; s < steps; ++s) {
      ref.keys[s].insert(ref.market_keys[m][s]);
      if (s + 1 < steps) ref.parent[ref.market_keys[m][s]] = ref.market_keys[m][s + 1];
    }
  }
  // Market values: the statistic of the market's quotes in the month, converted to KG.
  std::map<std::tuple<std::size_t, std::size_t, int>, std::vector<double>> quotes;
  for (const GenQuote& q : c.quotes) {
    const double written = std::stod(number(q.per_kg * kUnits[q.unit].kg));
    quotes[{q.item, q.market, q.month}].push_back(written / kUnits[q.unit].kg);
  }
  // Observed values, level by level, from the observed values below.
  for (std::size_t i = 0; i < c.n_items; ++i) {
    for (int t = 0; t < ref.months; ++t) {
      const int month = ref.first_month + t;
      std::map<std::string, std::vector<double>> below;  // key at step s → values of its observations
      for (std::size_t m = 0; m < c.markets.size(); ++m) {
        auto it = quotes.find({i, m, month});
        if (it != quotes.end()) below[ref.market_keys[m][0]].push_back(statistic(c.median, it->second));
      }
      for (std::size_t s = 0; s < steps; ++s) {
        std::map<std::string, std::vector<double>> next;
        for (const auto& key : ref.keys[s]) {
          auto it = below.find(key);
          if (it == below.end() || it->second.size() < static_cast<std::size_t>(c.min_obs)) continue;
          const double value = statistic(c.median, it->second);
          ref.cells[{i, key, t}] = {value, PriceStatus::observed};
          if (s + 1 < steps) next[ref.parent.at(key)].push_back(value);
        }
        below = std::move(next);
      }
    }
  }
  // Fill, from observed values only, rules in order.
  std::map<std::tuple<std::size_t, std::string, int>, Reference::Cell> filled;
  for (std::size_t i = 0; i < c.n_items; ++i)
    for (std::size_t s = 0; s < steps; ++s)
      for (const auto& key : ref.keys[s])
        for (int t = 0; t < ref.months; ++t) {
          if (ref.at(i, key, t).status == PriceStatus::observed) continue;
          for (int rule : c.fill) {
            if (rule == 0) {
              auto p = ref.parent.find(key);
              if (p == ref.parent.end()) continue;
              const auto cell = ref.at(i, p->second, t);
              if (cell.status != PriceStatus::observed) continue;
              filled[{i, key, t}] = {cell.value, PriceStatus::parent};
              break;
            }
            bool done = false;
            for (int back = 1; back <= rule && t - back >= 0 && !done; ++back) {
              const auto cell = ref.at(i, key, t - back);
              if (cell.status != PriceStatus::observed) continue;
              filled[{i, key, t}] = {cell.value, PriceStatus::carried_forward};
              done = true;
            }
            if (done) break;
          }
        }
  for (const auto& entry : filled) ref.cells[entry.first] = entry.second;
  return ref;
}

/// The reference key of an engine area: the key, at the area's step, of any market below it. Also checks
/// that every market below it has that key (the area tree groups markets as the reference does).
std::string key_of(const GenCase& c, const Reference& ref, const meb::ComputeResult& result, std::size_t area,
                   std::size_t step, const meb::PriceTable& prices, bool& consistent) {
  std::vector<std::int32_t> stack{static_cast<std::int32_t>(area)};
  std::set<std::string> found;
  while (!stack.empty()) {
    const meb::Area& a = result.areas.areas[static_cast<std::size_t>(stack.back())];
    stack.pop_back();
    for (auto child : a.children) stack.push_back(child);
    for (auto m : a.markets) {
      const meb::Market& market = prices.markets[static_cast<std::size_t>(m)];
      for (std::size_t g = 0; g < c.markets.size(); ++g)
        if (c.markets[g].name == market.name && c.markets[g].admin1 == market.admin1 &&
            c.markets[g].admin2 == market.admin2)
          found.insert(ref.market_keys[g][step]);
    }
  }
  consistent = found.size() == 1;
  return found.empty() ? std::string() : *found.begin();
}

std::size_t step_of(const meb::ComputeResult& result, AreaLevel level) {
  for (std::size_t s = 1; s < result.areas.path.size(); ++s)
    if (result.areas.path[s] == level) return s - 1;
  return 0;
}

}  // namespace

TEST_CASE("invariants agree with a naive reference over random cases", "[invariants]") {
  std::mt19937 rng(20240611u);
  Failures failures;
  for (int n = 0; n < 200; ++n) {
    const GenCase c = generate(rng, false);
    const std::string yaml = yaml_of(c, 1.0);
    const meb::Methodology methodology = methodology_from(yaml);
    std::string csv = kHeader;
    for (const auto& row : rows_of(c, 1.0)) csv += row;
    const meb::PriceTable prices = prices_for(methodology, csv);
    const auto result = meb::compute(methodology, prices, nullptr);
    const Reference ref = reference(c);
    const std::string tag = "case " + std::to_string(n) + ": ";

    // Rows: every area of every level above market, every month of the window.
    std::size_t expected_rows = 0;
    for (const auto& keys : ref.keys) expected_rows += keys.size() * static_cast<std::size_t>(ref.months);
    if (result.rows.size() != expected_rows) {
      failures.add(tag + "rows " + std::to_string(result.rows.size()) + " expected " + std::to_string(expected_rows));
      continue;
    }
    for (std::size_t r = 0; r < result.rows.size(); ++r) {
      const auto area = static_cast<std::size_t>(result.rows[r].area);
      const std::size_t step = step_of(result, result.areas.areas[area].level);
      bool consistent = false;
      const std::string key = key_of(c, ref, result, area, step, prices, consistent);
      const int t = static_cast<int>(result.rows[r].month);  // the panel starts at the first month of the data here
      if (!consistent || ref.keys[step].count(key) == 0) {
        failures.add(tag + "area " + result.areas.areas[area].name + " groups markets unlike the reference");
        continue;
      }
      double smeb = 0.0, meb = 0.0;
      const double persons = c.household;
      for (const GenLine& line : c.lines) {
        const auto cell = ref.at(line.item, key, t);
        const auto& got = result.line_price(r, line_of(result, kItems[line.item]));
        if (got.status != cell.status || !close(got.price, cell.value, 1e-12)) {
          std::ostringstream what;
          what << tag << kItems[line.item] << " in " << key << " month " << t << ": got " << got.price << " ("
               << meb::to_string(got.status) << "), reference " << cell.value << " (" << meb::to_string(cell.status)
               << ")\n"
               << yaml;
          failures.add(what.str());
        }
        const double quantity = line.quantity * (line.per_person_day ? persons * 30.0 : 1.0);
        double price = cell.value;
        if (std::isnan(price) && (c.missing_as_zero || quantity == 0.0)) price = 0.0;
        const double cost = quantity == 0.0 ? 0.0 : quantity * price * (line.smeb ? 1.0 + c.smeb_markup / 100.0 : 1.0);
        meb += cost;
        if (line.smeb) smeb += cost;
      }
      if (c.stated > 0.0) {
        meb += c.stated;
        if (c.stated_smeb) smeb += c.stated;
      }
      smeb *= 1.0 + c.total_markup / 100.0;
      meb *= 1.0 + c.total_markup / 100.0;
      if (!close(result.smeb[static_cast<Eigen::Index>(r)], smeb) || !close(result.meb[static_cast<Eigen::Index>(r)], meb))
        failures.add(tag + "totals in " + key + " month " + std::to_string(t) + ": got SMEB " +
                     number(result.smeb[static_cast<Eigen::Index>(r)]) + " MEB " +
                     number(result.meb[static_cast<Eigen::Index>(r)]) + ", reference " + number(smeb) + " " +
                     number(meb));
    }
  }
  INFO(failures.first);
  CHECK(failures.count == 0);
}

TEST_CASE("invariants scaling every price by k scales the SMEB and MEB by k", "[invariants]") {
  std::mt19937 rng(7u);
  Failures failures;
  const double factors[] = {0.5, 3.0, 7.25, 1000.0, 0.01};
  for (int n = 0; n < 200; ++n) {
    const GenCase c = generate(rng, false);
    const double k = factors[n % 5];
    const auto base = run(yaml_of(c, 1.0), rows_of(c, 1.0));
    const auto scaled = run(yaml_of(c, k), rows_of(c, k));
    if (base.rows.size() != scaled.rows.size()) {
      failures.add("case " + std::to_string(n) + ": row counts differ");
      continue;
    }
    for (std::size_t r = 0; r < base.rows.size(); ++r) {
      const auto i = static_cast<Eigen::Index>(r);
      if (!close(scaled.smeb[i], k * base.smeb[i]) || !close(scaled.meb[i], k * base.meb[i]))
        failures.add("case " + std::to_string(n) + " k " + number(k) + " row " + std::to_string(r) + ": SMEB " +
                     number(base.smeb[i]) + " → " + number(scaled.smeb[i]) + ", MEB " + number(base.meb[i]) + " → " +
                     number(scaled.meb[i]));
      for (std::size_t l = 0; l < base.lines.size(); ++l)
        if (base.line_price(r, l).status != scaled.line_price(r, l).status)
          failures.add("case " + std::to_string(n) + ": a price status changed with the scale");
    }
  }
  INFO(failures.first);
  CHECK(failures.count == 0);
}

TEST_CASE("invariants shuffling the input rows changes nothing bit for bit", "[invariants]") {
  std::mt19937 rng(11u);
  Failures median_failures, mean_failures;  // kept apart: a failure says which statistic breaks the invariant
  std::size_t mean_cases = 0;
  for (int n = 0; n < 200; ++n) {
    const GenCase c = generate(rng, false);
    mean_cases += c.median ? 0 : 1;
    const std::string yaml = yaml_of(c, 1.0);
    std::vector<std::string> rows = rows_of(c, 1.0);
    const auto before = run(yaml, rows);
    std::shuffle(rows.begin(), rows.end(), rng);
    const auto after = run(yaml, rows);
    const std::string tag = "case " + std::to_string(n) + " (" + (c.median ? "median" : "mean") + "): ";
    Failures& failures = c.median ? median_failures : mean_failures;
    if (before.rows.size() != after.rows.size()) {
      failures.add(tag + "row counts differ");
      continue;
    }
    for (std::size_t r = 0; r < before.rows.size(); ++r) {
      const auto i = static_cast<Eigen::Index>(r);
      const auto& area_before = before.areas.areas[static_cast<std::size_t>(before.rows[r].area)];
      const auto& area_after = after.areas.areas[static_cast<std::size_t>(after.rows[r].area)];
      if (area_before.name != area_after.name || area_before.level != area_after.level ||
          before.rows[r].month != after.rows[r].month)
        failures.add(tag + "row " + std::to_string(r) + " is another area or month");
      if (!same_bits(before.smeb[i], after.smeb[i]) || !same_bits(before.meb[i], after.meb[i]) ||
          !same_bits(before.transfer[r].value, after.transfer[r].value))
        failures.add(tag + "row " + std::to_string(r) + " " + area_before.name + ": SMEB " + number(before.smeb[i]) +
                     " vs " + number(after.smeb[i]) + ", MEB " + number(before.meb[i]) + " vs " + number(after.meb[i]));
      for (std::size_t l = 0; l < before.lines.size(); ++l) {
        const auto& a = before.line_price(r, l);
        const auto& b = after.line_price(r, l);
        if (!same_bits(a.price, b.price) || a.status != b.status || a.observations != b.observations ||
            a.source_area != b.source_area || a.source_month != b.source_month)
          failures.add(tag + "row " + std::to_string(r) + " line " + before.lines[l].item + ": price " +
                       number(a.price) + " vs " + number(b.price));
      }
    }
  }
  REQUIRE(mean_cases > 50);  // both statistics are exercised
  {
    INFO(median_failures.count << " differences under median; first: " << median_failures.first);
    CHECK(median_failures.count == 0);
  }
  {
    INFO(mean_failures.count << " differences under mean; first: " << mean_failures.first);
    CHECK(mean_failures.count == 0);
  }
}

TEST_CASE("invariants a zero quantity adds nothing even when its price is missing", "[invariants]") {
  std::mt19937 rng(13u);
  Failures failures;
  for (int n = 0; n < 200; ++n) {
    GenCase c = generate(rng, false);
    const auto without = run(yaml_of(c, 1.0), rows_of(c, 1.0));
    // Extra (0 KG per person per day) is quoted in some of the market-months that already have quotes, so
    // the areas and months stay the same; elsewhere its price is missing.
    std::set<std::pair<std::size_t, int>> quoted;
    for (const GenQuote& q : c.quotes) quoted.insert({q.market, q.month});
    for (const auto& [market, month] : quoted) {
      if (std::uniform_int_distribution<int>(0, 1)(rng) == 0) continue;
      GenQuote extra;
      extra.market = market;
      extra.month = month;
      extra.per_kg = 1e6;
      extra.commodity = "Extra";
      c.quotes.push_back(extra);
    }
    const auto with = run(yaml_of(c, 1.0, true), rows_of(c, 1.0));
    if (with.rows.size() != without.rows.size()) {
      failures.add("case " + std::to_string(n) + ": row counts differ");
      continue;
    }
    for (std::size_t r = 0; r < with.rows.size(); ++r) {
      const auto i = static_cast<Eigen::Index>(r);
      if (!same_bits(with.smeb[i], without.smeb[i]) || !same_bits(with.meb[i], without.meb[i]))
        failures.add("case " + std::to_string(n) + " row " + std::to_string(r) + ": SMEB " + number(without.smeb[i]) +
                     " → " + number(with.smeb[i]) + " (Extra " +
                     std::string(meb::to_string(with.line_price(r, line_of(with, "Extra")).status)) + ")");
    }
  }
  INFO(failures.first);
  CHECK(failures.count == 0);
}

TEST_CASE("invariants a fully observed area never uses a filled price", "[invariants]") {
  std::mt19937 rng(17u);
  Failures failures;
  for (int n = 0; n < 200; ++n) {
    const GenCase c = generate(rng, true);  // every market quotes every item every month; fill rules on
    const auto result = run(yaml_of(c, 1.0), rows_of(c, 1.0));
    for (std::size_t r = 0; r < result.rows.size(); ++r)
      for (std::size_t l = 0; l < result.lines.size(); ++l) {
        const auto& price = result.line_price(r, l);
        if (price.source != meb::LineSource::market) continue;
        if (price.status != PriceStatus::observed || price.source_area != -1 || price.source_month != -1 ||
            std::isnan(price.price))
          failures.add("case " + std::to_string(n) + " row " + std::to_string(r) + " line " + result.lines[l].item +
                       ": status " + std::string(meb::to_string(price.status)));
      }
    if (result.count_by_status[1] + result.count_by_status[2] + result.count_by_status[3] != 0)
      failures.add("case " + std::to_string(n) + ": filled or missing prices counted");
    for (std::size_t r = 0; r < result.rows.size(); ++r)
      if (std::isnan(result.meb[static_cast<Eigen::Index>(r)])) failures.add("case " + std::to_string(n) + ": MEB missing");
  }
  INFO(failures.first);
  CHECK(failures.count == 0);
}

TEST_CASE("invariants MEB is the sum of the line costs and SMEB is at most MEB", "[invariants]") {
  std::mt19937 rng(19u);
  Failures failures;
  for (int n = 0; n < 200; ++n) {
    const GenCase c = generate(rng, false);
    const auto result = run(yaml_of(c, 1.0), rows_of(c, 1.0));
    const double total_markup = 1.0 + c.total_markup / 100.0;
    for (std::size_t r = 0; r < result.rows.size(); ++r) {
      double meb = 0.0, smeb = 0.0;
      bool meb_missing = false, smeb_missing = false;
      for (std::size_t l = 0; l < result.lines.size(); ++l) {
        const meb::CostLine& line = result.lines[l];
        const auto& price = result.line_price(r, l);
        const double quantity = line.monthly_quantity * line.markup_factor;
        if (quantity == 0.0) continue;
        double value = price.price;
        if (std::isnan(value)) {
          if (!c.missing_as_zero) {
            meb_missing = true;
            smeb_missing = smeb_missing || line.tier == meb::Tier::smeb;
            continue;
          }
          value = 0.0;
        }
        meb += quantity * value;
        if (line.tier == meb::Tier::smeb) smeb += quantity * value;
      }
      const auto i = static_cast<Eigen::Index>(r);
      const double want_meb = meb_missing ? std::nan("") : meb * total_markup;
      const double want_smeb = smeb_missing ? std::nan("") : smeb * total_markup;
      if (!close(result.meb[i], want_meb) || !close(result.smeb[i], want_smeb))
        failures.add("case " + std::to_string(n) + " row " + std::to_string(r) + ": MEB " + number(result.meb[i]) +
                     " vs Σ lines " + number(want_meb));
      if (!std::isnan(result.meb[i]) && !std::isnan(result.smeb[i]) && result.smeb[i] > result.meb[i])
        failures.add("case " + std::to_string(n) + " row " + std::to_string(r) + ": SMEB above MEB");
    }
  }
  INFO(failures.first);
  CHECK(failures.count == 0);
}

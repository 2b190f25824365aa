#include "meb/aggregation.hpp"

#include <cmath>
#include <limits>
#include <unordered_map>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/statistics.hpp"

namespace meb {

std::string_view to_string(PriceStatus status) {
  switch (status) {
    case PriceStatus::observed: return "observed";
    case PriceStatus::parent: return "parent";
    case PriceStatus::carried_forward: return "carried_forward";
    case PriceStatus::missing: return "missing";
  }
  return "missing";
}

namespace {
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

int find_series(const std::vector<SeriesSpec>& series, const std::string& lowered) {
  for (std::size_t s = 0; s < series.size(); ++s)
    for (const auto& name : series[s].match_names)
      if (name == lowered) return static_cast<int>(s);
  return -1;
}
}  // namespace

std::vector<SeriesSpec> collect_series(const Basket& basket) {
  std::vector<SeriesSpec> series;
  for (const auto& component : basket.components) {
    for (const auto& item : component.items) {
      if (item.cost || item.composite) continue;
      SeriesSpec spec;
      spec.name = item.item;
      spec.match_names.push_back(detail::to_lower(item.item));
      for (const auto& alias : item.aliases) spec.match_names.push_back(detail::to_lower(alias));
      spec.unit = item.unit;
      spec.density_kg_per_litre = item.density_kg_per_litre;
      series.push_back(std::move(spec));
    }
  }
  // Alternatives and substitutes that are not basket items of their own get their own series, in the
  // unit of the line that names them.
  for (const auto& component : basket.components) {
    for (const auto& item : component.items) {
      std::vector<std::string> named = item.substitutes;
      if (item.composite) named.insert(named.end(), item.composite->of.begin(), item.composite->of.end());
      for (const auto& name : named) {
        const std::string lowered = detail::to_lower(name);
        if (find_series(series, lowered) >= 0) continue;
        SeriesSpec spec;
        spec.name = name;
        spec.match_names.push_back(lowered);
        spec.unit = item.unit;
        spec.density_kg_per_litre = item.density_kg_per_litre;
        series.push_back(std::move(spec));
      }
    }
  }
  return series;
}

std::vector<std::string> commodity_names(const std::vector<SeriesSpec>& series) {
  std::vector<std::string> names;
  for (const auto& spec : series) names.insert(names.end(), spec.match_names.begin(), spec.match_names.end());
  return names;
}

QuoteBuckets bucket_quotes(const PriceTable& table, const std::vector<SeriesSpec>& series, Month first, Month last) {
  QuoteBuckets buckets;
  buckets.series = series.size();
  buckets.markets = table.markets.size();
  buckets.first = first;
  buckets.months = last >= first ? static_cast<std::size_t>(last.index - first.index + 1) : 0;
  buckets.quotes_per_series.assign(series.size(), 0);
  const std::size_t n_markets = buckets.markets;
  const std::size_t n_months = buckets.months;
  const std::size_t n_market_cells = buckets.series * n_markets * n_months;
  buckets.offsets.assign(n_market_cells + 1, 0);
  if (n_market_cells == 0) return buckets;

  // Each commodity to its series, each (unit, series) to a conversion factor, decided once.
  std::vector<int> series_of_commodity(table.commodities.size(), -1);
  for (std::size_t c = 0; c < table.commodities.size(); ++c)
    series_of_commodity[c] = find_series(series, detail::to_lower(table.commodities[c]));
  std::vector<Unit> units;
  units.reserve(table.units.size());
  for (const auto& text : table.units) units.push_back(parse_unit(text));
  std::unordered_map<std::uint64_t, double> per_series_unit;  // (unit, series) -> quote units per series unit

  // A counting sort by (series, market, month): linear in the number of quotes.
  std::vector<std::uint32_t>& offsets = buckets.offsets;
  std::vector<std::uint32_t> cell_of_quote(table.quotes.size(), std::numeric_limits<std::uint32_t>::max());
  std::vector<double> converted(table.quotes.size());
  for (std::size_t q = 0; q < table.quotes.size(); ++q) {
    const PriceQuote& quote = table.quotes[q];
    const int s = series_of_commodity[quote.commodity];
    if (s < 0 || quote.month < first || quote.month > last) continue;
    const std::uint64_t key = (static_cast<std::uint64_t>(quote.unit) << 32) | static_cast<std::uint32_t>(s);
    auto it = per_series_unit.find(key);
    if (it == per_series_unit.end()) {
      const SeriesSpec& spec = series[static_cast<std::size_t>(s)];
      // How many quote units one series unit holds: a price per "100 KG" divided by 100 is a price per KG.
      const auto factor = conversion_factor(spec.unit, units[quote.unit], spec.density_kg_per_litre);
      if (!factor) {
        std::string hint = (spec.unit.recognised() && units[quote.unit].recognised())
                               ? "; converting between " + std::string(to_string(units[quote.unit].dimension)) + " and " +
                                     std::string(to_string(spec.unit.dimension)) + " needs density_kg_per_l on the item"
                               : "";
        throw InputError::at_line(table.sources[quote.source].path, quote.line,
                                  "cannot convert the price of '" + table.commodities[quote.commodity] + "' from unit '" +
                                      units[quote.unit].text + "' to the basket unit '" + spec.unit.text +
                                      "' of item '" + spec.name + "'" + hint);
      }
      it = per_series_unit.emplace(key, *factor).first;
    }
    converted[q] = quote.price * it->second;
    const std::size_t cell = buckets.cell(static_cast<std::size_t>(s), quote.market,
                                          static_cast<std::size_t>(quote.month.index - first.index));
    cell_of_quote[q] = static_cast<std::uint32_t>(cell);
    ++offsets[cell + 1];
    ++buckets.quotes_per_series[static_cast<std::size_t>(s)];
  }
  for (std::size_t c = 0; c < n_market_cells; ++c) offsets[c + 1] += offsets[c];
  buckets.prices.resize(offsets.back());
  std::vector<std::uint32_t> cursor(offsets.begin(), offsets.end() - 1);
  for (std::size_t q = 0; q < table.quotes.size(); ++q)
    if (cell_of_quote[q] != std::numeric_limits<std::uint32_t>::max()) buckets.prices[cursor[cell_of_quote[q]]++] = converted[q];
  return buckets;
}

std::vector<double> market_values(const QuoteBuckets& buckets, Statistic statistic) {
  // Several quotes for one market, item and month (weekly quotes, several traders): the methodology's statistic.
  const std::size_t cells = buckets.offsets.empty() ? 0 : buckets.offsets.size() - 1;
  std::vector<double> values(cells, kMissing);
  std::vector<double> scratch;
  for (std::size_t c = 0; c < cells; ++c) {
    const std::uint32_t begin = buckets.offsets[c], end = buckets.offsets[c + 1];
    if (end == begin) continue;
    scratch.assign(buckets.prices.begin() + begin, buckets.prices.begin() + end);  // combine() reorders
    values[c] = combine(statistic, scratch.data(), scratch.size());
  }
  return values;
}

PricePanel build_price_panel(const PriceTable& table, const std::vector<SeriesSpec>& series, const AreaTree& tree,
                             const PriceSettings& settings, Month first, Month last) {
  const QuoteBuckets buckets = bucket_quotes(table, series, first, last);
  return aggregate_panel(market_values(buckets, settings.statistic), buckets, series, tree, settings);
}

PricePanel aggregate_panel(const std::vector<double>& market_value, const QuoteBuckets& buckets,
                           const std::vector<SeriesSpec>& series, const AreaTree& tree, const PriceSettings& settings) {
  PricePanel panel;
  panel.series = series;
  panel.first = buckets.first;
  panel.months = buckets.months;
  panel.areas = tree.areas.size();
  panel.quotes_per_series = buckets.quotes_per_series;
  const std::size_t n_series = series.size();
  const std::size_t n_markets = buckets.markets;
  const std::size_t n_months = panel.months;
  const std::size_t n_cells = n_series * panel.areas * n_months;
  panel.value.assign(n_cells, kMissing);
  panel.status.assign(n_cells, PriceStatus::missing);
  panel.observations.assign(n_cells, 0);
  panel.source_area.assign(n_cells, -1);
  panel.source_month.assign(n_cells, -1);
  if (n_months == 0 || n_series == 0) return panel;

  // 3. Observed values, level by level: the first level from the market values, each level above from the
  // observed values of the level below (detail::aggregate_above_first_level, with the fill).
  const auto min_obs = static_cast<std::size_t>(settings.min_observations);
  std::vector<double> scratch;
  for (std::size_t s = 0; s < n_series && !tree.by_level.empty(); ++s) {
    for (const std::int32_t a : tree.by_level[0]) {
      const Area& area = tree.areas[static_cast<std::size_t>(a)];
      for (std::size_t t = 0; t < n_months; ++t) {
        scratch.clear();
        for (const std::int32_t m : area.markets) {
          const double v = market_value[(s * n_markets + static_cast<std::size_t>(m)) * n_months + t];
          if (!std::isnan(v)) scratch.push_back(v);
        }
        const std::size_t cc = panel.cell(s, static_cast<std::size_t>(a), t);
        panel.observations[cc] = static_cast<std::int32_t>(scratch.size());
        if (scratch.empty() || scratch.size() < min_obs) continue;
        panel.value[cc] = combine(settings.statistic, scratch.data(), scratch.size());
        panel.status[cc] = PriceStatus::observed;
      }
    }
  }
  detail::aggregate_above_first_level(panel, tree, settings);
  return panel;
}

void detail::aggregate_above_first_level(PricePanel& panel, const AreaTree& tree, const PriceSettings& settings) {
  const std::size_t n_series = panel.series.size();
  const std::size_t n_months = panel.months;
  if (n_months == 0 || n_series == 0) return;
  const auto min_obs = static_cast<std::size_t>(settings.min_observations);
  std::vector<double> scratch;
  for (std::size_t step = 1; step < tree.by_level.size(); ++step) {
    for (std::size_t s = 0; s < n_series; ++s) {
      for (const std::int32_t a : tree.by_level[step]) {
        const Area& area = tree.areas[static_cast<std::size_t>(a)];
        for (std::size_t t = 0; t < n_months; ++t) {
          scratch.clear();
          for (const std::int32_t child : area.children) {
            const std::size_t cc = panel.cell(s, static_cast<std::size_t>(child), t);
            if (panel.status[cc] == PriceStatus::observed) scratch.push_back(panel.value[cc]);
          }
          if (scratch.empty() || scratch.size() < min_obs) {
            panel.observations[panel.cell(s, static_cast<std::size_t>(a), t)] = static_cast<std::int32_t>(scratch.size());
            continue;
          }
          const std::size_t cc = panel.cell(s, static_cast<std::size_t>(a), t);
          panel.value[cc] = combine(settings.statistic, scratch.data(), scratch.size());
          panel.status[cc] = PriceStatus::observed;
          panel.observations[cc] = static_cast<std::int32_t>(scratch.size());
        }
      }
    }
  }

  // 4. Fill, in the declared order, from observed values only: a filled value is never a source.
  if (settings.fill.empty()) return;
  for (std::size_t s = 0; s < n_series; ++s) {
    for (std::size_t a = 0; a < panel.areas; ++a) {
      const std::int32_t parent = tree.areas[a].parent;
      for (std::size_t t = 0; t < n_months; ++t) {
        const std::size_t cc = panel.cell(s, a, t);
        if (panel.status[cc] == PriceStatus::observed) continue;
        for (const FillRule& rule : settings.fill) {
          if (rule.kind == FillRule::Kind::parent) {
            if (parent < 0) continue;
            const std::size_t pc = panel.cell(s, static_cast<std::size_t>(parent), t);
            if (panel.status[pc] != PriceStatus::observed) continue;
            panel.value[cc] = panel.value[pc];
            panel.status[cc] = PriceStatus::parent;
            panel.observations[cc] = panel.observations[pc];
            panel.source_area[cc] = parent;
            break;
          }
          bool filled = false;
          for (int back = 1; back <= rule.months && static_cast<std::size_t>(back) <= t; ++back) {
            const std::size_t from = cc - static_cast<std::size_t>(back);
            if (panel.status[from] != PriceStatus::observed) continue;
            panel.value[cc] = panel.value[from];
            panel.status[cc] = PriceStatus::carried_forward;
            panel.observations[cc] = panel.observations[from];
            panel.source_month[cc] = static_cast<std::int32_t>(t) - back;
            filled = true;
            break;
          }
          if (filled) break;
        }
      }
    }
  }
}

}  // namespace meb

#pragma once
// From quotes to one price per item, area and month, with its status. REACH practice (primer
// section 5): quotes → market by the methodology's statistic, then each level from the level below,
// "median of medians"; missing values filled by declared rules, each filled value keeping a flag.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "meb/areas.hpp"
#include "meb/methodology.hpp"
#include "meb/month.hpp"
#include "meb/prices.hpp"
#include "meb/units.hpp"

namespace meb {

/// Ordered from the most to the least certain: a composite takes the least certain of its parts.
enum class PriceStatus : std::uint8_t { observed = 0, parent = 1, carried_forward = 2, missing = 3 };
[[nodiscard]] std::string_view to_string(PriceStatus status);

/// One priced commodity: a basket item (with its aliases), or an alternative or substitute named by one.
struct SeriesSpec {
  std::string name;                      ///< as the methodology writes it
  std::vector<std::string> match_names;  ///< lower case: the name and its aliases
  Unit unit;                             ///< prices are converted to this unit
  std::optional<double> density_kg_per_litre;
};

/// The series a methodology needs, in a stable order: basket items first, then alternatives and substitutes.
[[nodiscard]] std::vector<SeriesSpec> collect_series(const Basket& basket);

/// The commodity names (lower case) a set of series reads, for PriceFilter::commodities.
[[nodiscard]] std::vector<std::string> commodity_names(const std::vector<SeriesSpec>& series);

/// Prices per series unit for every series, area (of the AreaTree, above market) and month.
struct PricePanel {
  std::vector<SeriesSpec> series;
  Month first;
  std::size_t months = 0;
  std::size_t areas = 0;
  std::vector<double> value;              ///< NaN when missing
  std::vector<PriceStatus> status;
  std::vector<std::int32_t> observations;  ///< markets (first level) or child areas with a value behind it
  std::vector<std::int32_t> source_area;   ///< parent fill: the area the value came from, else -1
  std::vector<std::int32_t> source_month;  ///< carried forward: the month index it came from, else -1
  std::vector<std::size_t> quotes_per_series;

  [[nodiscard]] std::size_t cell(std::size_t series_index, std::size_t area, std::size_t month) const {
    return (series_index * areas + area) * months + month;
  }
  [[nodiscard]] Month month_at(std::size_t t) const { return Month{first.index + static_cast<int>(t)}; }
};

/// Quotes converted to their series' unit and bucketed by (series, market, month): what every
/// re-aggregation (a scenario, a bootstrap replicate) starts from, built once.
struct QuoteBuckets {
  std::size_t series = 0;
  std::size_t markets = 0;
  std::size_t months = 0;
  Month first;
  std::vector<std::uint32_t> offsets;  ///< per cell, the start of its quotes in `prices`; one more at the end
  std::vector<double> prices;          ///< per series unit
  std::vector<std::size_t> quotes_per_series;

  [[nodiscard]] std::size_t cell(std::size_t series_index, std::size_t market, std::size_t month) const {
    return (series_index * markets + market) * months + month;
  }
};

/// Converts every quote of months [first, last] to its series' unit and buckets it. Throws InputError (file
/// and line) when a quote's unit cannot be converted to its series' unit.
[[nodiscard]] QuoteBuckets bucket_quotes(const PriceTable& table, const std::vector<SeriesSpec>& series, Month first,
                                         Month last);

/// Each market's value for each series and month: the statistic of its quotes (NaN without a quote).
[[nodiscard]] std::vector<double> market_values(const QuoteBuckets& buckets, Statistic statistic);

/// Aggregates market values (laid out as QuoteBuckets cells) level by level and fills the gaps.
[[nodiscard]] PricePanel aggregate_panel(const std::vector<double>& market_values, const QuoteBuckets& buckets,
                                         const std::vector<SeriesSpec>& series, const AreaTree& areas,
                                         const PriceSettings& settings);

namespace detail {
/// aggregate_panel after its first level: each level above from the observed values of the level below, then
/// the fill. `panel` holds the first level's cells (and missing, empty cells elsewhere): for callers that
/// compute the first level their own way (a scenario sweep's fast path, meb/scenario.hpp).
void aggregate_above_first_level(PricePanel& panel, const AreaTree& areas, const PriceSettings& settings);
}  // namespace detail

/// bucket_quotes, market_values and aggregate_panel: converts, aggregates and fills over months [first, last].
/// Throws InputError (file and line) when a quote's unit cannot be converted to its series' unit.
[[nodiscard]] PricePanel build_price_panel(const PriceTable& table, const std::vector<SeriesSpec>& series,
                                           const AreaTree& areas, const PriceSettings& settings, Month first,
                                           Month last);

}  // namespace meb

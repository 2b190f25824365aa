#pragma once
// The normative computation end to end: prices → areas → aggregation and fill → costing → transfer
// values. Pure: it reads no file and writes none (readers and writers sit at the edges).
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "meb/aggregation.hpp"
#include "meb/areas.hpp"
#include "meb/costing.hpp"
#include "meb/methodology.hpp"
#include "meb/prices.hpp"
#include "meb/survey.hpp"
#include "meb/transfer.hpp"

namespace meb {

/// What to read from the price files for this methodology.
[[nodiscard]] PriceFilter make_price_filter(const Methodology& methodology, bool skip_bad_rows);

/// One output row: an area at a reported level, in one month.
struct AreaMonth {
  std::int32_t area = 0;
  std::size_t month = 0;  ///< index into the panel's months
};

struct ComputeResult {
  AreaTree areas;
  PricePanel panel;
  std::vector<CostLine> lines;
  std::vector<AreaMonth> rows;        ///< by level as reported, then area, then month
  std::vector<LinePrice> line_prices; ///< rows × lines, row-major
  Eigen::VectorXd smeb;               ///< NaN: missing (or no smeb lines)
  Eigen::VectorXd meb;
  std::vector<TransferValue> transfer;  ///< NaN fields when the basis is missing
  Month first;                        ///< the reported window
  Month last;
  bool has_smeb = false;
  std::size_t count_by_status[4] = {0, 0, 0, 0};  ///< priced lines in the window, by PriceStatus
  std::vector<std::string> notes;     ///< per row: why a value is missing (items without a price, no survey group)

  [[nodiscard]] const LinePrice& line_price(std::size_t row, std::size_t line) const {
    return line_prices[row * lines.size() + line];
  }
  /// A line's cost in a row: monthly quantity × price × the component's mark-up (NaN when missing).
  [[nodiscard]] double line_cost(std::size_t row, std::size_t line) const {
    return lines[line].monthly_quantity * line_price(row, line).price * lines[line].markup_factor;
  }
};

/// Runs the methodology over the prices. `from`/`to` narrow the reported months (default: the first to the
/// last month with a price of a basket item); months before `from` still feed carry-forward.
/// Throws InputError when there is nothing to compute or a price is missing under `on_missing: error`.
/// What does not change when only prices, the household, the basket quantities or the transfer rule
/// change: the series, the areas, the quotes bucketed by market, the reported rows. Scenarios and
/// bootstrap replicates evaluate one plan many times instead of re-reading and re-bucketing.
struct ComputePlan {
  std::vector<SeriesSpec> series;
  AreaTree areas;
  QuoteBuckets buckets;
  Month first;  ///< the reported window
  Month last;
  std::vector<AreaMonth> rows;
};

/// Everything of compute() that depends only on the inputs and the methodology's basket items and levels.
[[nodiscard]] ComputePlan plan_compute(const Methodology& methodology, const PriceTable& prices, const AreaFile* area_file,
                                       std::optional<Month> from = std::nullopt, std::optional<Month> to = std::nullopt);

/// Aggregates `market_values` (QuoteBuckets cells, e.g. market_values(plan.buckets, statistic) or shocked
/// or resampled ones) along the plan's areas and costs the methodology's basket. The methodology must have
/// the plan's basket items and levels; its household, quantities and transfer rule may differ.
[[nodiscard]] ComputeResult evaluate_plan(const ComputePlan& plan, const Methodology& methodology,
                                          const std::vector<double>& market_values, const Survey* survey = nullptr);

/// plan_compute then evaluate_plan on the markets' own values.
/// Expenditure components and a measured food share need the household `survey` (InputError without it).
[[nodiscard]] ComputeResult compute(const Methodology& methodology, const PriceTable& prices, const AreaFile* area_file,
                                    std::optional<Month> from = std::nullopt, std::optional<Month> to = std::nullopt,
                                    const Survey* survey = nullptr);

/// Whether a methodology reads a household survey.
[[nodiscard]] bool needs_survey(const Methodology& methodology);

}  // namespace meb

#pragma once
// What the monthly batch writes besides each methodology's usual outputs: changes.csv, alerts.csv and
// bands.csv per methodology, and out/<month>/report.md for the working group (docs/history.md).
#include <string>
#include <vector>

#include "meb/batch.hpp"
#include "meb/compute.hpp"
#include "meb/history.hpp"

namespace meb {

/// The rows of `result` in one month (the usual outputs of a batch month are written from it).
[[nodiscard]] ComputeResult month_slice(const ComputeResult& result, Month month);

/// One row per area: the change from the reference month and its parts, and the three largest line
/// contributions (item or component, effect).
[[nodiscard]] std::string changes_csv(const RevisionRecord& record);
/// One row per area and line: each line's price and quantity effects (the full split behind changes.csv).
[[nodiscard]] std::string change_lines_csv(const RevisionRecord& record);
/// One row per area: decision, computed value, value in force, gap, months in the run, observed share, reason.
[[nodiscard]] std::string alerts_csv(const RevisionRecord& record);
/// One row per proposal and area: variant, number of bands, band, area, weight, own value, band value, paid, gaps.
[[nodiscard]] std::string bands_csv(const RevisionRecord& record);

/// One methodology's month as the report shows it.
struct ReportEntry {
  const RevisionRecord* record = nullptr;
  RecordOutcome outcome;
  std::string methodology_name;
  std::string currency;
};

/// out/<month>/report.md: per methodology and area, the transfer value and its change, the top three
/// contributions, the alert, and the proposed bands; then what changed since the last revision and the notes.
[[nodiscard]] std::string batch_report_markdown(Month month, const std::vector<ReportEntry>& entries,
                                                const std::vector<std::string>& notes);

}  // namespace meb

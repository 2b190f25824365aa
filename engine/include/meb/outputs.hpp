#pragma once
// Writers at the output edge: transfer_values.csv, basket_costs.csv and manifest.json, written to
// temporary files and renamed into place only when the whole run succeeded.
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meb/bootstrap.hpp"
#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/nutrition.hpp"
#include "meb/survey.hpp"
#include "meb/prices.hpp"

namespace meb {

/// Appends a CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break: every CSV the
/// engine writes goes through this one function.
void append_csv_field(std::string& out, std::string_view text);
/// The same, as a string.
[[nodiscard]] std::string csv_field(std::string_view text);

/// A number as the CSVs print it: at most 6 decimals, trailing zeros dropped; NaN is an empty cell.
[[nodiscard]] std::string format_number(double value);
/// The same, appended to `out` without a temporary string (the writers' hot path).
void append_number(std::string& out, double value);

namespace detail {
/// One CSV row appended to `out`, field by field; the line ends when the row goes out of scope.
class CsvRow {
 public:
  explicit CsvRow(std::string& out) : out_(out) {}
  CsvRow& text(std::string_view field) {
    separate();
    append_csv_field(out_, field);
    return *this;
  }
  CsvRow& number(double value) {
    separate();
    append_number(out_, value);
    return *this;
  }
  CsvRow& count(std::size_t value) {
    separate();
    char digits[24];
    out_.append(digits, std::to_chars(digits, digits + sizeof digits, value).ptr);
    return *this;
  }
  ~CsvRow() { out_.push_back('\n'); }

 private:
  void separate() {
    if (!first_) out_.push_back(',');
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};
}  // namespace detail

/// One row per area and month: methodology, methodology_version, area_level, area, area_pcode,
/// parent_area, month, household_size, persons, currency, smeb, meb, transfer_value_unrounded,
/// rounding_difference, transfer_value, lines_observed, lines_filled, lines_missing, notes (why a value is
/// missing: items without a price, no surveyed reference household; the food share used).
/// With a bootstrap (`meb compute --bootstrap N`), the columns smeb_pX, then meb_pX, then transfer_value_pX for
/// each percentile X, and bootstrap_replicates follow the notes (docs/uncertainty.md).
[[nodiscard]] std::string transfer_values_csv(const Methodology& methodology, const ComputeResult& result,
                                              const BootstrapResult* bootstrap = nullptr);

/// Receives an output file's text piece by piece, in order.
using OutputSink = std::function<void(std::string_view piece)>;

/// One row per area, month and basket line, with the price's status, source and observations.
[[nodiscard]] std::string basket_costs_csv(const Methodology& methodology, const ComputeResult& result);
/// The same text passed to `sink` in pieces as it is formatted (a large country's file is 50 MB): for
/// write_files_atomically's streamed outputs.
void write_basket_costs_csv(const Methodology& methodology, const ComputeResult& result, const OutputSink& sink);

namespace detail {
/// basket_costs_csv with its rows cut into `blocks` blocks, formatted on two cores when there are two or more
/// (the public functions take 16 for files over 200,000 lines, else 1). The bytes do not depend on `blocks`.
[[nodiscard]] std::string basket_costs_csv(const Methodology& methodology, const ComputeResult& result,
                                           std::size_t blocks);
void write_basket_costs_csv(const Methodology& methodology, const ComputeResult& result, std::size_t blocks,
                            const OutputSink& sink);
}  // namespace detail

/// What the manifest records about the run besides the result.
/// An input file as read: hashed from the very bytes the engine used, so no file is read twice.
struct InputRecord {
  std::string role;  ///< methodology, prices, areas
  std::string path;
  std::size_t bytes = 0;
  std::string sha256;
};

struct RunRecord {
  std::vector<std::string> command_line;
  std::vector<InputRecord> inputs;
  double elapsed_seconds = 0.0;
  std::vector<std::pair<std::string, std::size_t>> outputs;  ///< (file name, data rows)
  /// The nutrition check of the food basket (manifest key "nutrition"); absent when no food
  /// composition table was given, which the manifest records as not checked.
  std::optional<NutritionReport> nutrition;
  /// The household survey, when the methodology reads one: households kept, and those dropped (invalid: drop).
  std::optional<std::size_t> survey_households;
  std::vector<Survey::Dropped> survey_dropped;
  /// `--bootstrap N` (manifest key "bootstrap"): the settings as run, and how many first-level cells were drawn
  /// from their exact distribution and how many explicitly.
  std::optional<BootstrapSettings> bootstrap;
  std::size_t bootstrap_exact_cells = 0;
  std::size_t bootstrap_explicit_cells = 0;
};

/// The record of an input from the very bytes the engine read (their size and SHA-256).
[[nodiscard]] InputRecord record_input(const std::string& role, const std::string& path, const std::string& content);

/// The nutrition check of the food basket (manifest key "nutrition") with the food composition table at
/// `food_composition`, else the methodology's nutrition.food_composition; nothing when neither names one.
/// The table is recorded as an input of `run` (role food_composition) when `run` is given. Throws InputError
/// naming the table for an unreadable or bad file.
[[nodiscard]] std::optional<NutritionReport> nutrition_check(const Methodology& methodology,
                                                             const std::string& food_composition, RunRecord* run);

[[nodiscard]] std::string manifest_json(const Methodology& methodology, const PriceTable& prices,
                                        const ComputeResult& result, const RunRecord& run);

/// Writes files into a directory all or nothing: each to a temporary file first, then every one renamed
/// into place. Throws OutputError naming the path when anything fails; earlier files are left intact.
void write_files_atomically(const std::string& directory,
                            const std::vector<std::pair<std::string, std::string>>& files);

/// A file whose text a function passes to a sink in pieces as it produces them (write_basket_costs_csv).
struct StreamedOutput {
  std::string name;
  std::function<void(const OutputSink& sink)> produce;
};

/// write_files_atomically with files written piece by piece as well (after `files`): a 50 MB CSV goes to disk
/// as it is formatted, never whole in memory. All or nothing as above; an exception from a `produce` leaves
/// the previous results intact and is rethrown.
void write_files_atomically(const std::string& directory,
                            const std::vector<std::pair<std::string, std::string>>& files,
                            const std::vector<StreamedOutput>& streamed);

}  // namespace meb

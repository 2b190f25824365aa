#pragma once
// Writers at the output edge: transfer_values.csv, basket_costs.csv and manifest.json, written to
// temporary files and renamed into place only when the whole run succeeded.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/nutrition.hpp"
#include "meb/survey.hpp"
#include "meb/prices.hpp"

namespace meb {

/// A number as the CSVs print it: at most 6 decimals, trailing zeros dropped; NaN is an empty cell.
[[nodiscard]] std::string format_number(double value);

/// One row per area and month: methodology, methodology_version, area_level, area, area_pcode,
/// parent_area, month, household_size, persons, currency, smeb, meb, transfer_value_unrounded,
/// rounding_difference, transfer_value, lines_observed, lines_filled, lines_missing, notes (why a value is
/// missing: items without a price, no surveyed reference household; the food share used).
[[nodiscard]] std::string transfer_values_csv(const Methodology& methodology, const ComputeResult& result);

/// One row per area, month and basket line, with the price's status, source and observations.
[[nodiscard]] std::string basket_costs_csv(const Methodology& methodology, const ComputeResult& result);

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
};

[[nodiscard]] std::string manifest_json(const Methodology& methodology, const PriceTable& prices,
                                        const ComputeResult& result, const RunRecord& run);

/// Writes files into a directory all or nothing: each to a temporary file first, then every one renamed
/// into place. Throws OutputError naming the path when anything fails; earlier files are left intact.
void write_files_atomically(const std::string& directory,
                            const std::vector<std::pair<std::string, std::string>>& files);

}  // namespace meb

#pragma once
// The monthly batch (issue 5): a batch file names the methodologies the group agreed on, their inputs,
// the revision rule of each, how to harmonise, and where history is kept. For each month, every
// methodology is computed, compared with the store's history (revision or unchanged), its change from the
// reference month explained, its alerts raised, and its harmonised values proposed; then everything is
// recorded in one transaction. docs/history.md documents the batch file and the store.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meb/areas.hpp"
#include "meb/compute.hpp"
#include "meb/decomposition.hpp"
#include "meb/harmonise.hpp"
#include "meb/history.hpp"
#include "meb/methodology.hpp"
#include "meb/revision.hpp"

namespace meb {

/// `population:` a CSV with one row per area: the column holding the area's name (or P-code) and the
/// column holding its population (the Mali COD admin files: admin1Name_fr or admin1Pcode, T_TL).
struct PopulationSource {
  std::string file;
  std::string area_column;
  std::string value_column;
};

/// The inputs of a methodology; each key of a methodology's entry replaces the batch file's default.
struct BatchInputs {
  std::vector<std::string> prices;
  std::optional<std::string> areas;
  std::optional<std::string> survey;
  std::optional<PopulationSource> population;
};

/// `harmonise:` which areas the harmonised values are proposed over, and how.
struct HarmoniseSettings {
  std::optional<AreaLevel> level;        ///< default: the first reported level below national
  std::size_t bands = 3;                 ///< K of the optimal partitions
  NationalStatistic national = NationalStatistic::mean;
  double tolerance = 0.10;               ///< for the smallest K that pays every area within ±tolerance
};

struct BatchMethodology {
  std::string file;   ///< resolved against the batch file's directory
  BatchInputs inputs;
  RevisionRule rule;
};

struct BatchConfig {
  std::string path;
  std::string history;  ///< the SQLite store, resolved against the batch file's directory
  std::string output;   ///< where out/<month>/... goes (default "out", relative to the working directory)
  std::optional<Month> reference;  ///< the month changes are explained from (default: the previous month)
  HarmoniseSettings harmonise;
  std::vector<BatchMethodology> methodologies;
};

/// Parses a batch file; paths are resolved against `directory`. Throws MethodologyError listing every
/// problem with its file, line, column, key and value.
[[nodiscard]] BatchConfig parse_batch_config(std::string_view yaml_text, const std::string& file_name,
                                             const std::string& directory);
[[nodiscard]] BatchConfig load_batch_config(const std::string& path);

/// Population per area name (folded: case and accents ignored) and per P-code. Throws InputError naming the
/// file, line and value (a missing column, a population that is not a non-negative number).
struct Population {
  std::string file;
  std::map<std::string, double> by_key;
  [[nodiscard]] std::optional<double> of(const std::string& name, const std::string& pcode) const;
};
[[nodiscard]] Population read_population(const PopulationSource& source, const std::string& content);

/// One methodology's month, computed: what the store records, before alerts, changes and bands.
/// `result` must report `month` (rows of other months are ignored).
[[nodiscard]] RevisionRecord revision_record(const Methodology& methodology, const std::string& methodology_yaml,
                                             const ComputeResult& result, Month month);

/// SHA-256 of everything the record holds that a revision is about: the methodology file, every result,
/// price, status and source, and the alerts, changes and bands once complete_record has added them.
[[nodiscard]] std::string record_fingerprint(const RevisionRecord& record);

/// The snapshot the decomposition reads, from a stored area's lines and result.
[[nodiscard]] BasketSnapshot stored_snapshot(const std::vector<StoredLine>& lines, const StoredResult& result,
                                             const TransferRule& rule);

/// Adds to `record` the alerts (against the store's earlier months and values in force), the change from
/// the reference month (the store's latest revision of it), and the harmonised values (at `level`, weighted by
/// `population`, equal weights without one). Run inside the month's transaction so the history read is the
/// history written to. The record's fingerprint is then brought up to date.
struct MonthContext {
  const BatchMethodology* settings = nullptr;
  const HarmoniseSettings* harmonise = nullptr;
  const Population* population = nullptr;
  std::optional<Month> reference;  ///< default: the previous month
  std::vector<std::string>* notes = nullptr;  ///< what could not be done (no reference month, no population...)
};
void complete_record(HistoryStore& store, const MonthContext& context, RevisionRecord& record);

/// What recording a month did for one methodology.
struct RecordOutcome {
  enum class Status { first, revised, unchanged };
  Status status = Status::first;
  std::int64_t revision = 0;                 ///< the revision now latest
  std::vector<std::string> changed_numbers;  ///< revised: "Mopti transfer_value 50000 -> 55000", ...
};
[[nodiscard]] std::string_view to_string(RecordOutcome::Status status);

/// Compares each record's fingerprint (set by revision_record, brought up to date by complete_record) with the
/// store's latest revision of its month; adds one run and a revision of every changed (or new) record, nothing
/// when all are unchanged. A revision lists what changed: results (old -> new) and alerts (a new value in force
/// changes the decision).
/// Call inside a Transaction, after complete_record.
[[nodiscard]] std::vector<RecordOutcome> record_month(HistoryStore& store, const RunInfo& run,
                                                      const std::vector<RevisionRecord>& records);

}  // namespace meb

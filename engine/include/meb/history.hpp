#pragma once
// The history store: every month the batch computed, every revision of it, the prices each number came
// from, the alerts, the proposed bands and the transfer values in force, in one SQLite file
// (docs/history.md documents the schema). Nothing is ever updated in place or deleted: a corrected input
// adds a revision of the month, and the old one stays.
//
// Durability: WAL journal, one transaction per batch month (BEGIN IMMEDIATE, so a second writer waits for
// the first, up to the busy timeout, then fails with HistoryError). A process killed at any point leaves
// the store as it was before the transaction or with all of it (SQLite's atomic commit).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "meb/month.hpp"
#include "meb/outputs.hpp"
#include "meb/transfer.hpp"

namespace meb {

namespace sqlite {
class Database;
}

/// The schema version this engine writes. Older stores are migrated when opened; newer ones refused.
constexpr int kHistorySchemaVersion = 2;

/// One area's result in one revision.
struct StoredResult {
  std::string level;
  std::string area;
  std::string pcode;
  double smeb = 0.0;
  double meb = 0.0;
  double basis_cost = 0.0;
  double unrounded = 0.0;
  double value = 0.0;
  double rounding_difference = 0.0;
  double observed_share = 0.0;  ///< share of the basis cost priced from prices observed in the area and month
  double household_size = 0.0;
  std::string note;
};

/// One basket line priced in one area (the prices used, with their status).
struct StoredLine {
  std::string level;
  std::string area;
  std::string component;
  std::string item;
  std::string tier;
  std::string unit;
  double quantity = 0.0;  ///< per household per month, mark-ups included (cost = quantity × price)
  double price = 0.0;
  std::string status;     ///< observed, carried_forward, parent, missing, ...
  std::int64_t observations = 0;
  std::string source;     ///< where a filled price came from ("Mopti 2019-07", a substitute), else ""
};

struct StoredAlert {
  std::string level;
  std::string area;
  std::string decision;  ///< revise, hold, insufficient data
  double computed = 0.0;
  double in_force = 0.0;  ///< NaN: no value in force
  double gap = 0.0;
  std::int64_t run_length = 0;
  double observed_share = 0.0;
  std::string reason;
};

/// The change of one area's value from a reference month, split (meb/decomposition.hpp).
struct StoredChange {
  std::string level;
  std::string area;
  std::string reference_month;
  double before = 0.0;
  double after = 0.0;
  double price_observed = 0.0;
  double price_filled = 0.0;
  double quantity = 0.0;
  double rule = 0.0;
  double rounding = 0.0;
  struct Line {
    std::string component;
    std::string item;
    double price_effect = 0.0;
    double quantity_effect = 0.0;
    bool filled = false;
  };
  std::vector<Line> lines;
};

/// One area in one proposed harmonisation (meb/harmonise.hpp).
struct StoredBand {
  std::string variant;  ///< national_mean, national_median, squared_gap, largest_gap, within_tolerance
  std::int64_t bands = 0;
  std::int64_t band = 0;  ///< 1-based, in increasing order of value
  std::string area;
  double weight = 0.0;
  double own_value = 0.0;
  double band_value = 0.0;
  double paid = 0.0;
  double gap = 0.0;
  double relative_gap = 0.0;
};

/// Everything recorded for one methodology and month.
struct RevisionRecord {
  std::string methodology_id;
  std::string methodology_version;
  std::string methodology_path;
  std::string methodology_yaml;
  std::string methodology_sha256;
  Month month;
  std::string fingerprint;  ///< SHA-256 of the methodology and every number and price status of the month
  TransferRule rule;
  std::vector<StoredResult> results;
  std::vector<StoredLine> lines;
  std::vector<StoredAlert> alerts;
  std::vector<StoredChange> changes;
  std::vector<StoredBand> bands;
};

/// A batch month as run.
struct RunInfo {
  Month month;
  std::string started_at;  ///< UTC, ISO 8601
  std::string engine_version;
  std::string command_line;
  std::string config_path;
  std::vector<InputRecord> inputs;  ///< config, methodologies, prices, areas, survey, population
};

/// A run as stored, with its inputs and the revisions it added.
struct StoredRun {
  std::int64_t run_id = 0;
  RunInfo info;
  std::string finished_at;
  std::string status;
  std::vector<std::pair<std::string, std::int64_t>> revisions;  ///< (methodology id, revision number)
};

/// The latest revision of a methodology's month.
struct RevisionInfo {
  std::int64_t revision_id = 0;
  std::int64_t revision = 0;  ///< 1, 2, ... per methodology and month
  std::int64_t run_id = 0;
  std::string fingerprint;
  std::string methodology_version;
  std::string recorded_at;
  TransferRule rule;
};

/// A transfer value in force for a methodology and area from a month on, set by `meb history set-in-force`.
struct InForceEntry {
  std::string methodology_id;
  std::string area;
  double value = 0.0;
  Month effective;
  std::string recorded_at;
  std::string note;
  std::string kind;  ///< "set" (a new value) or "kept" (a deliberate decision to keep the value unchanged)
};

/// One point of an area's series (the latest revision of each month).
struct SeriesPoint {
  Month month;
  std::int64_t revision = 0;
  std::string methodology_version;
  StoredResult result;
  double in_force = 0.0;  ///< NaN: none
  std::string decision;   ///< "" when no alert was recorded
  std::string reason;
};

struct HistoryOptions {
  int busy_timeout_ms = 10000;  ///< how long a writer waits for another one
  bool create = true;           ///< create the file when missing
};

class HistoryStore {
 public:
  /// Opens the store, creating it (schema kHistorySchemaVersion) or migrating an older schema in one
  /// transaction. Throws HistoryError naming the file: a newer schema, not a history store, locked.
  explicit HistoryStore(const std::string& path, HistoryOptions options = {});
  ~HistoryStore();
  HistoryStore(HistoryStore&&) noexcept;
  HistoryStore& operator=(HistoryStore&&) noexcept;

  [[nodiscard]] const std::string& path() const;
  [[nodiscard]] int schema_version() const;

  /// The write lock for one batch month: BEGIN IMMEDIATE now, ROLLBACK unless commit() is called.
  class Transaction {
   public:
    explicit Transaction(HistoryStore& store);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    HistoryStore* store_;
    bool open_ = true;
  };

  // Reading (inside or outside a transaction).
  [[nodiscard]] std::optional<RevisionInfo> latest_revision(const std::string& methodology_id, Month month);
  [[nodiscard]] std::vector<StoredResult> results(std::int64_t revision_id);
  [[nodiscard]] std::vector<StoredLine> lines(std::int64_t revision_id, const std::string& level, const std::string& area);
  [[nodiscard]] std::vector<StoredAlert> alerts(std::int64_t revision_id);
  /// The value in force for an area in a month: the latest entry effective on or before it.
  [[nodiscard]] std::optional<InForceEntry> in_force(const std::string& methodology_id, const std::string& area, Month month);
  [[nodiscard]] std::vector<InForceEntry> in_force_entries(const std::string& methodology_id);
  /// An area's series, month by month (latest revision each), between two months inclusive.
  [[nodiscard]] std::vector<SeriesPoint> series(const std::string& methodology_id, const std::string& area,
                                                std::optional<Month> from = std::nullopt,
                                                std::optional<Month> to = std::nullopt);
  /// Every revision of a methodology's month, oldest first.
  [[nodiscard]] std::vector<RevisionInfo> revisions(const std::string& methodology_id, Month month);
  /// Every run, oldest first.
  [[nodiscard]] std::vector<StoredRun> runs();
  /// The areas a methodology has results for, sorted.
  [[nodiscard]] std::vector<std::string> areas(const std::string& methodology_id);
  /// The methodology ids in the store, sorted.
  [[nodiscard]] std::vector<std::string> methodologies();
  [[nodiscard]] std::int64_t count_rows(const std::string& table);

  // Writing (inside a Transaction).
  std::int64_t add_run(const RunInfo& run);
  /// Adds the next revision of the record's methodology and month; returns its revision number.
  std::int64_t add_revision(std::int64_t run_id, const RevisionRecord& record);
  void add_in_force(const InForceEntry& entry);

 private:
  std::unique_ptr<sqlite::Database> database_;
  int schema_version_ = 0;
};

/// The area as the store spells it: names match ignoring case and accents ("segou" finds "Ségou"). Throws
/// InputError naming the store and listing the methodologies (an unknown methodology) or its areas.
[[nodiscard]] std::string stored_area(HistoryStore& store, const std::string& methodology_id, const std::string& area);

/// `meb history --format csv`: an area's series, the latest revision of each month, with the change from the
/// month before (empty when that month is not in the series).
[[nodiscard]] std::string series_csv(const std::string& methodology_id, const std::vector<SeriesPoint>& series);

/// `meb history in-force`: every value in force of a methodology, with its kind, date and note.
[[nodiscard]] std::string in_force_csv(const std::vector<InForceEntry>& entries);

/// Held by a batch for its whole run (an advisory lock on `<store>.lock`): a second batch on the same store
/// waits until the first has finished, so that each month is evaluated against the history of every month
/// before it, as a sequential run would, instead of interleaving months. Throws HistoryError naming the store
/// when the lock is still held after `wait_seconds`.
class HistoryLock {
 public:
  HistoryLock(const std::string& store_path, double wait_seconds);
  ~HistoryLock();
  HistoryLock(const HistoryLock&) = delete;
  HistoryLock& operator=(const HistoryLock&) = delete;

 private:
  int descriptor_ = -1;
};

/// The current UTC time as ISO 8601 (recorded_at columns).
[[nodiscard]] std::string utc_now();

/// `meb history set-in-force`: records `value` as the transfer value in force for an area (spelled as the store
/// spells it or not: stored_area) from `month` on, of kind "set"; without a value, the value in force in that
/// month again, of kind "kept" (a deliberate decision to keep it unchanged). Written in one transaction; the
/// entry is returned as recorded (recorded_at left to the store). Throws std::invalid_argument for a value that
/// is not a positive amount or nothing in force to keep (the CLI's usage errors, in its words), InputError for
/// an unknown methodology or area.
InForceEntry record_in_force(HistoryStore& store, const std::string& methodology_id, const std::string& area,
                             Month month, std::optional<double> value, const std::string& note);

}  // namespace meb

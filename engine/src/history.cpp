#include "meb/history.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <utility>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "sqlite.hpp"
#include "yaml_loader.hpp"

#include <cerrno>
#include <cstring>
#include <thread>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace meb {
namespace {

// The first layout (schema 1): runs, revisions, results, prices used, alerts, bands and values in force.
// Kept verbatim: it is what an older store holds, and what the migration test builds.
constexpr const char* kSchemaVersion1 = R"sql(
CREATE TABLE methodologies (
  sha256 TEXT PRIMARY KEY,
  id TEXT NOT NULL,
  version TEXT NOT NULL,
  path TEXT NOT NULL,
  yaml TEXT NOT NULL);
CREATE TABLE runs (
  run_id INTEGER PRIMARY KEY,
  month TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT NOT NULL,
  engine_version TEXT NOT NULL,
  command_line TEXT NOT NULL,
  config_path TEXT NOT NULL,
  status TEXT NOT NULL);
CREATE TABLE run_inputs (
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  role TEXT NOT NULL,
  path TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  PRIMARY KEY (run_id, role, path));
CREATE TABLE revisions (
  revision_id INTEGER PRIMARY KEY,
  methodology_id TEXT NOT NULL,
  month TEXT NOT NULL,
  revision INTEGER NOT NULL,
  run_id INTEGER NOT NULL REFERENCES runs(run_id),
  methodology_sha256 TEXT NOT NULL REFERENCES methodologies(sha256),
  methodology_version TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  rule_basis TEXT NOT NULL,
  rule_deduct REAL NOT NULL,
  rule_coverage REAL NOT NULL,
  rule_floor REAL NOT NULL,
  rule_cap REAL,
  rule_rounding_step REAL,
  rule_rounding_mode TEXT,
  UNIQUE (methodology_id, month, revision));
CREATE TABLE results (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  pcode TEXT NOT NULL,
  smeb REAL,
  meb REAL,
  basis_cost REAL,
  unrounded REAL,
  value REAL,
  rounding_difference REAL,
  observed_share REAL,
  household_size REAL,
  note TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE prices_used (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  component TEXT NOT NULL,
  item TEXT NOT NULL,
  tier TEXT NOT NULL,
  unit TEXT NOT NULL,
  quantity REAL NOT NULL,
  price REAL,
  status TEXT NOT NULL,
  observations INTEGER NOT NULL,
  source TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area, component, item));
CREATE TABLE alerts (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  decision TEXT NOT NULL,
  computed REAL,
  in_force REAL,
  gap REAL,
  run_length INTEGER NOT NULL,
  observed_share REAL,
  reason TEXT NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE changes (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  reference_month TEXT NOT NULL,
  before REAL NOT NULL,
  after REAL NOT NULL,
  price_observed REAL NOT NULL,
  price_filled REAL NOT NULL,
  quantity REAL NOT NULL,
  rule REAL NOT NULL,
  rounding REAL NOT NULL,
  PRIMARY KEY (revision_id, level, area));
CREATE TABLE bands (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  variant TEXT NOT NULL,
  bands INTEGER NOT NULL,
  band INTEGER NOT NULL,
  area TEXT NOT NULL,
  weight REAL NOT NULL,
  own_value REAL NOT NULL,
  band_value REAL NOT NULL,
  paid REAL NOT NULL,
  gap REAL NOT NULL,
  relative_gap REAL NOT NULL,
  PRIMARY KEY (revision_id, variant, area));
CREATE TABLE in_force (
  entry_id INTEGER PRIMARY KEY,
  methodology_id TEXT NOT NULL,
  area TEXT NOT NULL,
  value REAL NOT NULL,
  effective_month TEXT NOT NULL,
  recorded_at TEXT NOT NULL,
  note TEXT NOT NULL);
CREATE INDEX revisions_by_month ON revisions (methodology_id, month);
CREATE INDEX in_force_by_area ON in_force (methodology_id, area, effective_month);
)sql";

// Schema 2: each line's share of a change (change_lines), and in_force.kind, which tells a deliberate
// decision to keep a value unchanged ("kept") from a new value ("set").
constexpr const char* kMigrationTo2 = R"sql(
CREATE TABLE change_lines (
  revision_id INTEGER NOT NULL REFERENCES revisions(revision_id),
  level TEXT NOT NULL,
  area TEXT NOT NULL,
  component TEXT NOT NULL,
  item TEXT NOT NULL,
  price_effect REAL NOT NULL,
  quantity_effect REAL NOT NULL,
  filled INTEGER NOT NULL,
  PRIMARY KEY (revision_id, level, area, component, item));
ALTER TABLE in_force ADD COLUMN kind TEXT NOT NULL DEFAULT 'set' CHECK (kind IN ('set', 'kept'));
)sql";

// migrations[v] upgrades schema v to v + 1.
const std::pair<int, const char*> kMigrations[] = {{1, kMigrationTo2}};

int read_user_version(sqlite::Database& database) {
  auto statement = database.prepare("PRAGMA user_version");
  statement.step();
  return static_cast<int>(statement.column_int(0));
}

bool has_tables(sqlite::Database& database) {
  auto statement = database.prepare("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
  statement.step();
  return statement.column_int(0) > 0;
}

std::string text_of(RoundingMode mode) { return std::string(to_string(mode)); }

/// A stored enum read back with the methodology file's own parsers; a damaged value is an error, not a default.
template <typename Enum, typename Parse>
Enum stored_choice(const std::string& text, const char* column, Parse parse) {
  if (auto value = parse(text)) return *value;
  throw HistoryError(std::string("the history store's revisions.") + column + " holds '" + text +
                     "', which this engine does not know");
}

TransferRule rule_of(const sqlite::Statement& row, int first) {
  TransferRule rule;
  rule.basis = stored_choice<Tier>(row.column_text(first), "rule_basis", detail::parse_tier);
  rule.deduct = row.column_double(first + 1);
  rule.coverage = row.column_double(first + 2);
  rule.floor = row.column_double(first + 3);
  if (!row.column_is_null(first + 4)) rule.cap = row.column_double(first + 4);
  if (!row.column_is_null(first + 5))
    rule.rounding = Rounding{row.column_double(first + 5),
                             stored_choice<RoundingMode>(row.column_text(first + 6), "rule_rounding_mode",
                                                         detail::parse_rounding_mode)};
  return rule;
}

}  // namespace

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

std::string stored_area(HistoryStore& store, const std::string& methodology_id, const std::string& area) {
  const auto known = store.areas(methodology_id);
  if (std::find(known.begin(), known.end(), area) != known.end()) return area;
  for (const auto& name : known)
    if (detail::fold_name(name) == detail::fold_name(area)) return name;
  if (known.empty()) {
    std::string ids;
    for (const auto& id : store.methodologies()) ids += (ids.empty() ? "" : ", ") + id;
    throw InputError(store.path() + ": no methodology '" + methodology_id + "' in the history store (it holds: " +
                     (ids.empty() ? "nothing yet" : ids) + ")");
  }
  std::string names;
  for (const auto& name : known) names += (names.empty() ? "" : ", ") + name;
  throw InputError(store.path() + ": methodology '" + methodology_id + "' has no area '" + area + "' (areas: " +
                   names + ")");
}

std::string series_csv(const std::string& methodology_id, const std::vector<SeriesPoint>& series) {
  std::string out =
      "methodology,area_level,area,month,revision,methodology_version,household_size,smeb,meb,transfer_value_unrounded,"
      "transfer_value,change,observed_share,in_force,decision,reason\n";
  for (std::size_t i = 0; i < series.size(); ++i) {
    const auto& point = series[i];
    const bool consecutive = i > 0 && series[i - 1].month.index + 1 == point.month.index;
    detail::CsvRow row(out);
    row.text(methodology_id).text(point.result.level).text(point.result.area).text(point.month.to_string());
    row.count(static_cast<std::size_t>(point.revision)).text(point.methodology_version);
    row.number(point.result.household_size).number(point.result.smeb).number(point.result.meb);
    row.number(point.result.unrounded).number(point.result.value);
    row.number(consecutive ? point.result.value - series[i - 1].result.value : std::nan(""));
    row.number(point.result.observed_share).number(point.in_force).text(point.decision).text(point.reason);
  }
  return out;
}

std::string in_force_csv(const std::vector<InForceEntry>& entries) {
  std::string out = "methodology,area,effective_month,value,kind,recorded_at,note\n";
  for (const auto& entry : entries) {
    detail::CsvRow row(out);
    row.text(entry.methodology_id).text(entry.area).text(entry.effective.to_string()).number(entry.value);
    row.text(entry.kind).text(entry.recorded_at).text(entry.note);
  }
  return out;
}

HistoryLock::HistoryLock(const std::string& store_path, double wait_seconds) {
  const std::string lock_path = store_path + ".lock";
  descriptor_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (descriptor_ < 0)
    throw HistoryError(lock_path + ": cannot open the batch lock: " + std::strerror(errno));
  // flock is released by the kernel when the process dies (kill -9 included), so a crashed batch never
  // leaves the store locked.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_seconds);
  while (::flock(descriptor_, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      const std::string reason = std::strerror(errno);
      ::close(descriptor_);
      throw HistoryError(lock_path + ": cannot take the batch lock: " + reason);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(descriptor_);
      char waited[32];
      std::snprintf(waited, sizeof waited, "%.0f", wait_seconds);
      throw HistoryError(store_path + ": another meb batch is writing to this store (it holds " + lock_path +
                         "); waited " + waited + " s; try again when it has finished");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

HistoryLock::~HistoryLock() {
  if (descriptor_ >= 0) ::close(descriptor_);  // closing releases the lock
}

HistoryStore::HistoryStore(const std::string& path, HistoryOptions options) {
  const bool exists = std::filesystem::exists(path);
  if (!exists && !options.create) throw HistoryError(path + ": no such history store");
  database_ = std::make_unique<sqlite::Database>(path, options.create, options.busy_timeout_ms);
  auto& database = *database_;
  // A file this engine must refuse is refused before anything, the journal mode included, is changed in it.
  schema_version_ = read_user_version(database);
  if (schema_version_ > kHistorySchemaVersion)
    throw HistoryError(path + ": the history store has schema version " + std::to_string(schema_version_) +
                       ", newer than the " + std::to_string(kHistorySchemaVersion) +
                       " this engine knows; use a newer meb (the store was left unchanged)");
  if (schema_version_ == 0 && has_tables(database))
    throw HistoryError(path + ": not a meb history store (it has tables but no schema version); it was left unchanged");

  // WAL: readers never block the writer, and a killed writer's partial transaction is simply not in the
  // log's committed frames (https://www.sqlite.org/wal.html).
  {
    auto mode = database.prepare("PRAGMA journal_mode = WAL");
    if (!mode.step() || mode.column_text(0) != "wal") database.fail("cannot switch to WAL journal mode");
  }
  database.execute("PRAGMA foreign_keys = ON");
  database.execute("PRAGMA synchronous = FULL");
  if (schema_version_ == kHistorySchemaVersion) return;

  Transaction transaction(*this);
  // Read again under the write lock: another process may have created or migrated the store meanwhile.
  schema_version_ = read_user_version(database);
  if (schema_version_ == 0) {
    if (has_tables(database))
      throw HistoryError(path + ": not a meb history store (it has tables but no schema version)");
    database.execute(kSchemaVersion1);
    schema_version_ = 1;
  }
  for (const auto& [from, sql] : kMigrations) {
    if (schema_version_ == from) {
      database.execute(sql);
      schema_version_ = from + 1;
    }
  }
  database.execute("PRAGMA user_version = " + std::to_string(schema_version_));
  transaction.commit();
}

HistoryStore::~HistoryStore() = default;
HistoryStore::HistoryStore(HistoryStore&&) noexcept = default;
HistoryStore& HistoryStore::operator=(HistoryStore&&) noexcept = default;

const std::string& HistoryStore::path() const { return database_->path(); }
int HistoryStore::schema_version() const { return schema_version_; }

HistoryStore::Transaction::Transaction(HistoryStore& store) : store_(&store) {
  // IMMEDIATE takes the write lock now, so two batches serialise here instead of failing at their
  // first write halfway through a month.
  store_->database_->execute("BEGIN IMMEDIATE");
}

HistoryStore::Transaction::~Transaction() {
  if (open_) {
    try {
      store_->database_->execute("ROLLBACK");
    } catch (...) {
      // Nothing to do: SQLite rolls back an unfinished transaction when the connection closes.
    }
  }
}

void HistoryStore::Transaction::commit() {
  store_->database_->execute("COMMIT");
  open_ = false;
}

namespace {
constexpr const char* kRevisionColumns =
    "revision_id, revision, run_id, fingerprint, methodology_version, "
    "(SELECT started_at FROM runs WHERE runs.run_id = revisions.run_id), "
    "rule_basis, rule_deduct, rule_coverage, rule_floor, rule_cap, rule_rounding_step, rule_rounding_mode";

RevisionInfo revision_of(const sqlite::Statement& row) {
  RevisionInfo info;
  info.revision_id = row.column_int(0);
  info.revision = row.column_int(1);
  info.run_id = row.column_int(2);
  info.fingerprint = row.column_text(3);
  info.methodology_version = row.column_text(4);
  info.recorded_at = row.column_text(5);
  info.rule = rule_of(row, 6);
  return info;
}

StoredResult result_of(const sqlite::Statement& row, int first) {
  StoredResult result;
  result.level = row.column_text(first);
  result.area = row.column_text(first + 1);
  result.pcode = row.column_text(first + 2);
  result.smeb = row.column_double(first + 3);
  result.meb = row.column_double(first + 4);
  result.basis_cost = row.column_double(first + 5);
  result.unrounded = row.column_double(first + 6);
  result.value = row.column_double(first + 7);
  result.rounding_difference = row.column_double(first + 8);
  result.observed_share = row.column_double(first + 9);
  result.household_size = row.column_double(first + 10);
  result.note = row.column_text(first + 11);
  return result;
}

constexpr const char* kResultColumns =
    "level, area, pcode, smeb, meb, basis_cost, unrounded, value, rounding_difference, observed_share, "
    "household_size, note";

InForceEntry in_force_of(const sqlite::Statement& row) {
  InForceEntry entry;
  entry.methodology_id = row.column_text(0);
  entry.area = row.column_text(1);
  entry.value = row.column_double(2);
  entry.effective = *parse_month(row.column_text(3));
  entry.recorded_at = row.column_text(4);
  entry.note = row.column_text(5);
  entry.kind = row.column_text(6);
  return entry;
}

constexpr const char* kInForceColumns = "methodology_id, area, value, effective_month, recorded_at, note, kind";
}  // namespace

std::optional<RevisionInfo> HistoryStore::latest_revision(const std::string& methodology_id, Month month) {
  auto statement = database_->prepare(std::string("SELECT ") + kRevisionColumns +
                                      " FROM revisions WHERE methodology_id = ?1 AND month = ?2"
                                      " ORDER BY revision DESC LIMIT 1");
  statement.bind(1, methodology_id).bind(2, month.to_string());
  if (!statement.step()) return std::nullopt;
  return revision_of(statement);
}

std::vector<RevisionInfo> HistoryStore::revisions(const std::string& methodology_id, Month month) {
  auto statement = database_->prepare(std::string("SELECT ") + kRevisionColumns +
                                      " FROM revisions WHERE methodology_id = ?1 AND month = ?2 ORDER BY revision");
  statement.bind(1, methodology_id).bind(2, month.to_string());
  std::vector<RevisionInfo> out;
  while (statement.step()) out.push_back(revision_of(statement));
  return out;
}

std::vector<StoredResult> HistoryStore::results(std::int64_t revision_id) {
  auto statement = database_->prepare(std::string("SELECT ") + kResultColumns +
                                      " FROM results WHERE revision_id = ?1 ORDER BY rowid");
  statement.bind(1, revision_id);
  std::vector<StoredResult> out;
  while (statement.step()) out.push_back(result_of(statement, 0));
  return out;
}

std::vector<StoredLine> HistoryStore::lines(std::int64_t revision_id, const std::string& level, const std::string& area) {
  auto statement = database_->prepare(
      "SELECT level, area, component, item, tier, unit, quantity, price, status, observations, source "
      "FROM prices_used WHERE revision_id = ?1 AND level = ?2 AND area = ?3 ORDER BY rowid");
  statement.bind(1, revision_id).bind(2, level).bind(3, area);
  std::vector<StoredLine> out;
  while (statement.step()) {
    StoredLine line;
    line.level = statement.column_text(0);
    line.area = statement.column_text(1);
    line.component = statement.column_text(2);
    line.item = statement.column_text(3);
    line.tier = statement.column_text(4);
    line.unit = statement.column_text(5);
    line.quantity = statement.column_double(6);
    line.price = statement.column_double(7);
    line.status = statement.column_text(8);
    line.observations = statement.column_int(9);
    line.source = statement.column_text(10);
    out.push_back(std::move(line));
  }
  return out;
}

std::vector<StoredAlert> HistoryStore::alerts(std::int64_t revision_id) {
  auto statement = database_->prepare(
      "SELECT level, area, decision, computed, in_force, gap, run_length, observed_share, reason "
      "FROM alerts WHERE revision_id = ?1 ORDER BY rowid");
  statement.bind(1, revision_id);
  std::vector<StoredAlert> out;
  while (statement.step()) {
    StoredAlert alert;
    alert.level = statement.column_text(0);
    alert.area = statement.column_text(1);
    alert.decision = statement.column_text(2);
    alert.computed = statement.column_double(3);
    alert.in_force = statement.column_double(4);
    alert.gap = statement.column_double(5);
    alert.run_length = statement.column_int(6);
    alert.observed_share = statement.column_double(7);
    alert.reason = statement.column_text(8);
    out.push_back(std::move(alert));
  }
  return out;
}

std::optional<InForceEntry> HistoryStore::in_force(const std::string& methodology_id, const std::string& area,
                                                   Month month) {
  auto statement = database_->prepare(std::string("SELECT ") + kInForceColumns +
                                      " FROM in_force WHERE methodology_id = ?1 AND area = ?2 AND effective_month <= ?3"
                                      " ORDER BY effective_month DESC, entry_id DESC LIMIT 1");
  statement.bind(1, methodology_id).bind(2, area).bind(3, month.to_string());
  if (!statement.step()) return std::nullopt;
  return in_force_of(statement);
}

std::vector<InForceEntry> HistoryStore::in_force_entries(const std::string& methodology_id) {
  auto statement = database_->prepare(std::string("SELECT ") + kInForceColumns +
                                      " FROM in_force WHERE methodology_id = ?1 ORDER BY area, effective_month, entry_id");
  statement.bind(1, methodology_id);
  std::vector<InForceEntry> out;
  while (statement.step()) out.push_back(in_force_of(statement));
  return out;
}

std::vector<SeriesPoint> HistoryStore::series(const std::string& methodology_id, const std::string& area,
                                              std::optional<Month> from, std::optional<Month> to) {
  // The latest revision of each month; the alert recorded with it.
  auto statement = database_->prepare(
      std::string("SELECT r.month, r.revision, r.methodology_version, ") +
      "res.level, res.area, res.pcode, res.smeb, res.meb, res.basis_cost, res.unrounded, res.value, "
      "res.rounding_difference, res.observed_share, res.household_size, res.note, a.in_force, a.decision, a.reason "
      "FROM revisions r JOIN results res ON res.revision_id = r.revision_id "
      "LEFT JOIN alerts a ON a.revision_id = r.revision_id AND a.level = res.level AND a.area = res.area "
      "WHERE r.methodology_id = ?1 AND res.area = ?2 AND r.month >= ?3 AND r.month <= ?4 "
      "AND r.revision = (SELECT max(revision) FROM revisions r2 WHERE r2.methodology_id = r.methodology_id "
      "AND r2.month = r.month) ORDER BY r.month");
  statement.bind(1, methodology_id).bind(2, area);
  statement.bind(3, from ? from->to_string() : std::string("0000-00")).bind(4, to ? to->to_string() : std::string("9999-99"));
  std::vector<SeriesPoint> out;
  while (statement.step()) {
    SeriesPoint point;
    point.month = *parse_month(statement.column_text(0));
    point.revision = statement.column_int(1);
    point.methodology_version = statement.column_text(2);
    point.result = result_of(statement, 3);
    point.in_force = statement.column_double(15);
    point.decision = statement.column_text(16);
    point.reason = statement.column_text(17);
    out.push_back(std::move(point));
  }
  return out;
}

std::vector<StoredRun> HistoryStore::runs() {
  std::vector<StoredRun> out;
  auto run = database_->prepare(
      "SELECT run_id, month, started_at, finished_at, engine_version, command_line, config_path, status "
      "FROM runs ORDER BY run_id");
  while (run.step()) {
    StoredRun stored;
    stored.run_id = run.column_int(0);
    stored.info.month = *parse_month(run.column_text(1));
    stored.info.started_at = run.column_text(2);
    stored.finished_at = run.column_text(3);
    stored.info.engine_version = run.column_text(4);
    stored.info.command_line = run.column_text(5);
    stored.info.config_path = run.column_text(6);
    stored.status = run.column_text(7);
    out.push_back(std::move(stored));
  }
  auto input = database_->prepare("SELECT role, path, bytes, sha256 FROM run_inputs WHERE run_id = ?1 ORDER BY rowid");
  auto revision = database_->prepare(
      "SELECT methodology_id, revision FROM revisions WHERE run_id = ?1 ORDER BY revision_id");
  for (auto& stored : out) {
    input.bind(1, stored.run_id);
    while (input.step())
      stored.info.inputs.push_back(InputRecord{input.column_text(0), input.column_text(1),
                                               static_cast<std::size_t>(input.column_int(2)), input.column_text(3)});
    input.reset();
    revision.bind(1, stored.run_id);
    while (revision.step()) stored.revisions.emplace_back(revision.column_text(0), revision.column_int(1));
    revision.reset();
  }
  return out;
}

std::vector<std::string> HistoryStore::areas(const std::string& methodology_id) {
  auto statement = database_->prepare(
      "SELECT DISTINCT res.area FROM results res JOIN revisions r ON r.revision_id = res.revision_id "
      "WHERE r.methodology_id = ?1 ORDER BY res.area");
  statement.bind(1, methodology_id);
  std::vector<std::string> out;
  while (statement.step()) out.push_back(statement.column_text(0));
  return out;
}

std::vector<std::string> HistoryStore::methodologies() {
  auto statement = database_->prepare("SELECT DISTINCT methodology_id FROM revisions ORDER BY methodology_id");
  std::vector<std::string> out;
  while (statement.step()) out.push_back(statement.column_text(0));
  return out;
}

std::int64_t HistoryStore::count_rows(const std::string& table) {
  auto statement = database_->prepare("SELECT count(*) FROM \"" + table + "\"");
  statement.step();
  return statement.column_int(0);
}

std::int64_t HistoryStore::add_run(const RunInfo& run) {
  auto statement = database_->prepare(
      "INSERT INTO runs (month, started_at, finished_at, engine_version, command_line, config_path, status) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'complete')");
  statement.bind(1, run.month.to_string()).bind(2, run.started_at).bind(3, utc_now()).bind(4, run.engine_version);
  statement.bind(5, run.command_line).bind(6, run.config_path);
  statement.run();
  const std::int64_t run_id = database_->last_insert_id();
  auto input = database_->prepare(
      "INSERT OR IGNORE INTO run_inputs (run_id, role, path, bytes, sha256) VALUES (?1, ?2, ?3, ?4, ?5)");
  for (const auto& record : run.inputs) {
    input.bind(1, run_id).bind(2, record.role).bind(3, record.path);
    input.bind(4, static_cast<std::int64_t>(record.bytes)).bind(5, record.sha256);
    input.run();
  }
  return run_id;
}

std::int64_t HistoryStore::add_revision(std::int64_t run_id, const RevisionRecord& record) {
  auto& database = *database_;
  {
    auto methodology = database.prepare(
        "INSERT OR IGNORE INTO methodologies (sha256, id, version, path, yaml) VALUES (?1, ?2, ?3, ?4, ?5)");
    methodology.bind(1, record.methodology_sha256).bind(2, record.methodology_id).bind(3, record.methodology_version);
    methodology.bind(4, record.methodology_path).bind(5, record.methodology_yaml);
    methodology.run();
  }
  const auto latest = latest_revision(record.methodology_id, record.month);
  const std::int64_t revision = latest ? latest->revision + 1 : 1;
  {
    auto statement = database.prepare(
        "INSERT INTO revisions (methodology_id, month, revision, run_id, methodology_sha256, methodology_version, "
        "fingerprint, rule_basis, rule_deduct, rule_coverage, rule_floor, rule_cap, rule_rounding_step, "
        "rule_rounding_mode) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
    statement.bind(1, record.methodology_id).bind(2, record.month.to_string()).bind(3, revision).bind(4, run_id);
    statement.bind(5, record.methodology_sha256).bind(6, record.methodology_version).bind(7, record.fingerprint);
    const auto& rule = record.rule;
    statement.bind(8, to_string(rule.basis)).bind(9, rule.deduct).bind(10, rule.coverage).bind(11, rule.floor);
    if (rule.cap) statement.bind(12, *rule.cap); else statement.bind_null(12);
    if (rule.rounding) {
      statement.bind(13, rule.rounding->step).bind(14, text_of(rule.rounding->mode));
    } else {
      statement.bind_null(13).bind_null(14);
    }
    statement.run();
  }
  const std::int64_t revision_id = database.last_insert_id();

  auto result = database.prepare(
      "INSERT INTO results (revision_id, level, area, pcode, smeb, meb, basis_cost, unrounded, value, "
      "rounding_difference, observed_share, household_size, note) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  for (const auto& row : record.results) {
    result.bind(1, revision_id).bind(2, row.level).bind(3, row.area).bind(4, row.pcode).bind(5, row.smeb);
    result.bind(6, row.meb).bind(7, row.basis_cost).bind(8, row.unrounded).bind(9, row.value);
    result.bind(10, row.rounding_difference).bind(11, row.observed_share).bind(12, row.household_size);
    result.bind(13, row.note);
    result.run();
  }
  auto line = database.prepare(
      "INSERT INTO prices_used (revision_id, level, area, component, item, tier, unit, quantity, price, status, "
      "observations, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
  for (const auto& row : record.lines) {
    line.bind(1, revision_id).bind(2, row.level).bind(3, row.area).bind(4, row.component).bind(5, row.item);
    line.bind(6, row.tier).bind(7, row.unit).bind(8, row.quantity).bind(9, row.price).bind(10, row.status);
    line.bind(11, row.observations).bind(12, row.source);
    line.run();
  }
  auto alert = database.prepare(
      "INSERT INTO alerts (revision_id, level, area, decision, computed, in_force, gap, run_length, observed_share, "
      "reason) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  for (const auto& row : record.alerts) {
    alert.bind(1, revision_id).bind(2, row.level).bind(3, row.area).bind(4, row.decision).bind(5, row.computed);
    alert.bind(6, row.in_force).bind(7, row.gap).bind(8, row.run_length).bind(9, row.observed_share);
    alert.bind(10, row.reason);
    alert.run();
  }
  auto change = database.prepare(
      "INSERT INTO changes (revision_id, level, area, reference_month, before, after, price_observed, price_filled, "
      "quantity, rule, rounding) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  auto change_line = database.prepare(
      "INSERT INTO change_lines (revision_id, level, area, component, item, price_effect, quantity_effect, filled) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  for (const auto& row : record.changes) {
    change.bind(1, revision_id).bind(2, row.level).bind(3, row.area).bind(4, row.reference_month);
    change.bind(5, row.before).bind(6, row.after).bind(7, row.price_observed).bind(8, row.price_filled);
    change.bind(9, row.quantity).bind(10, row.rule).bind(11, row.rounding);
    change.run();
    for (const auto& part : row.lines) {
      change_line.bind(1, revision_id).bind(2, row.level).bind(3, row.area).bind(4, part.component);
      change_line.bind(5, part.item).bind(6, part.price_effect).bind(7, part.quantity_effect);
      change_line.bind(8, part.filled ? 1 : 0);
      change_line.run();
    }
  }
  auto band = database.prepare(
      "INSERT INTO bands (revision_id, variant, bands, band, area, weight, own_value, band_value, paid, gap, "
      "relative_gap) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
  for (const auto& row : record.bands) {
    band.bind(1, revision_id).bind(2, row.variant).bind(3, row.bands).bind(4, row.band).bind(5, row.area);
    band.bind(6, row.weight).bind(7, row.own_value).bind(8, row.band_value).bind(9, row.paid).bind(10, row.gap);
    band.bind(11, row.relative_gap);
    band.run();
  }
  return revision;
}

void HistoryStore::add_in_force(const InForceEntry& entry) {
  auto statement = database_->prepare(
      "INSERT INTO in_force (methodology_id, area, value, effective_month, recorded_at, note, kind) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  statement.bind(1, entry.methodology_id).bind(2, entry.area).bind(3, entry.value).bind(4, entry.effective.to_string());
  statement.bind(5, entry.recorded_at.empty() ? utc_now() : entry.recorded_at).bind(6, entry.note).bind(7, entry.kind);
  statement.run();
}

InForceEntry record_in_force(HistoryStore& store, const std::string& methodology_id, const std::string& area,
                             Month month, std::optional<double> value, const std::string& note) {
  // Checked before the store is read: a bad amount is wrong whatever the store holds (NaN is not positive).
  if (value && !(*value > 0.0))
    throw std::invalid_argument("--value expects a positive amount, got '" +
                                (std::isnan(*value) ? std::string("NaN") : format_number(*value)) + "'");
  // The value kept is read under the write lock: no other entry can come between reading and recording it.
  HistoryStore::Transaction transaction(store);
  InForceEntry entry;
  entry.methodology_id = methodology_id;
  entry.area = stored_area(store, methodology_id, area);
  entry.effective = month;
  entry.note = note;
  if (value) {
    entry.value = *value;
    entry.kind = "set";
  } else {
    const auto current = store.in_force(methodology_id, entry.area, month);
    if (!current)
      throw std::invalid_argument("--keep: no value is in force for " + entry.area + " in " + month.to_string() +
                                  "; set one with --value");
    entry.value = current->value;
    entry.kind = "kept";
  }
  store.add_in_force(entry);
  transaction.commit();
  return entry;
}

}  // namespace meb

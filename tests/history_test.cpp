#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "meb/error.hpp"
#include "meb/history.hpp"
#include "test_helpers.hpp"

// The history store (meb/history.hpp): what is written reads back field by field, revisions never replace
// one another, values in force are looked up by month, a transaction is all or nothing even when its process
// is killed (SIGKILL from a parent, issue 5 section 7), a second writer fails with a message naming the file,
// a schema-1 store is migrated and a newer or foreign file is refused. The store is inspected with the SQLite
// C API directly wherever the store's own readers would be checking themselves.

namespace fs = std::filesystem;
using meb::HistoryError;
using meb::HistoryOptions;
using meb::HistoryStore;
using meb::Month;
using meb::RevisionRecord;
using meb::RunInfo;
using meb::testing::ScratchDirectory;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Month month_of(int year, int month) { return Month::from_year_month(year, month); }

/// A plain SQLite connection, independent of the engine's wrapper: builds fixtures and reads the file back.
class RawDatabase {
 public:
  explicit RawDatabase(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &handle_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK)
      throw std::runtime_error("cannot open " + path);
  }
  ~RawDatabase() { sqlite3_close(handle_); }
  RawDatabase(const RawDatabase&) = delete;
  RawDatabase& operator=(const RawDatabase&) = delete;

  void execute(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(handle_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
      const std::string message = error ? error : "?";
      sqlite3_free(error);
      throw std::runtime_error(message + " in: " + sql.substr(0, 80));
    }
  }

  /// The first column of the first row as text ("" for NULL or no row).
  std::string text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(handle_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string(sqlite3_errmsg(handle_)) + " in: " + sql);
    std::string out;
    if (sqlite3_step(statement) == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr)
      out = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return out;
  }

  long long number(const std::string& sql) { return std::stoll(text(sql)); }

 private:
  sqlite3* handle_ = nullptr;
};

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

RunInfo run_of(Month month, const std::string& started_at = "2020-04-02T08:00:00Z") {
  RunInfo run;
  run.month = month;
  run.started_at = started_at;
  run.engine_version = "0.test";
  run.command_line = "meb batch --config batch.yaml --month " + month.to_string();
  run.config_path = "batch.yaml";
  run.inputs = {{"batch", "batch.yaml", 321, "aa11"}, {"prices", "prices.csv", 4567, "bb22"}};
  return run;
}

meb::StoredResult result_of(const std::string& area, const std::string& pcode, double smeb, double meb, double value) {
  meb::StoredResult result;
  result.level = "admin1";
  result.area = area;
  result.pcode = pcode;
  result.smeb = smeb;
  result.meb = meb;
  result.basis_cost = smeb;
  result.unrounded = value - 120.0;
  result.value = value;
  result.rounding_difference = 120.0;
  result.observed_share = 0.75;
  result.household_size = 6.0;
  result.note = area == "Gao" ? "Oil: no price" : "";
  return result;
}

meb::StoredLine line_of(const std::string& area, const std::string& item, double quantity, double price,
                        const std::string& status, const std::string& source) {
  meb::StoredLine line;
  line.level = "admin1";
  line.area = area;
  line.component = "food";
  line.item = item;
  line.tier = "smeb";
  line.unit = "KG";
  line.quantity = quantity;
  line.price = price;
  line.status = status;
  line.observations = status == "observed" ? 3 : 0;
  line.source = source;
  return line;
}

/// A revision of methodology "mali-test" with two areas, their lines, alerts, one explained change and bands.
/// Mopti's transfer value is `mopti_value`, so two calls with different values are two different revisions.
RevisionRecord sample_record(Month month, double mopti_value, const std::string& fingerprint) {
  RevisionRecord record;
  record.methodology_id = "mali-test";
  record.methodology_version = "2";
  record.methodology_path = "scenarios/mali-test.yaml";
  record.methodology_yaml = "id: mali-test\nversion: 2\n";
  record.methodology_sha256 = "c0ffee";
  record.month = month;
  record.fingerprint = fingerprint;
  record.rule.basis = meb::Tier::smeb;
  record.rule.deduct = 1000.0;
  record.rule.coverage = 0.8;
  record.rule.floor = 2000.0;
  record.rule.cap = 60000.0;
  record.rule.rounding = meb::Rounding{500.0, meb::RoundingMode::up};
  record.results = {result_of("Mopti", "ML05", 48000.0, 52000.0, mopti_value),
                    result_of("Gao", "ML07", kNaN, kNaN, kNaN)};
  record.lines = {line_of("Mopti", "Millet", 69.0, 300.0, "observed", ""),
                  line_of("Mopti", "Rice (imported)", 30.0, 550.0, "carried_forward", "carried from 2020-02"),
                  line_of("Gao", "Millet", 69.0, kNaN, "missing", "")};
  meb::StoredAlert revise;
  revise.level = "admin1";
  revise.area = "Mopti";
  revise.decision = "revise";
  revise.computed = mopti_value;
  revise.in_force = 50000.0;
  revise.gap = (mopti_value - 50000.0) / 50000.0;
  revise.run_length = 3;
  revise.observed_share = 0.75;
  revise.reason = "gap +12.0% above the 10% threshold for 3 of 3 months";
  meb::StoredAlert insufficient;
  insufficient.level = "admin1";
  insufficient.area = "Gao";
  insufficient.decision = "insufficient data";
  insufficient.computed = kNaN;
  insufficient.in_force = kNaN;
  insufficient.gap = kNaN;
  insufficient.run_length = 0;
  insufficient.observed_share = 0.0;
  insufficient.reason = "no computed transfer value and no transfer value in force";
  record.alerts = {revise, insufficient};
  meb::StoredChange change;
  change.level = "admin1";
  change.area = "Mopti";
  change.reference_month = Month{month.index - 1}.to_string();
  change.before = 54000.0;
  change.after = mopti_value;
  change.price_observed = 1500.0;
  change.price_filled = 400.0;
  change.quantity = 0.0;
  change.rule = 0.0;
  change.rounding = mopti_value - 54000.0 - 1900.0;
  change.lines = {{"food", "Millet", 1500.0, 0.0, false}, {"food", "Rice (imported)", 400.0, 0.0, true}};
  record.changes = {change};
  meb::StoredBand band;
  band.variant = "squared_gap";
  band.bands = 1;
  band.band = 1;
  band.area = "Mopti";
  band.weight = 2000000.0;
  band.own_value = mopti_value;
  band.band_value = 55250.0;
  band.paid = 55500.0;
  band.gap = 55500.0 - mopti_value;
  band.relative_gap = (55500.0 - mopti_value) / mopti_value;
  record.bands = {band, band};
  record.bands[1].variant = "national_mean";
  return record;
}

/// Writes one run with one revision in a transaction of its own; returns the revision number.
std::int64_t record_in_own_run(HistoryStore& store, const RevisionRecord& written,
                               const std::string& started_at = "2020-04-02T08:00:00Z") {
  HistoryStore::Transaction transaction(store);
  const std::int64_t run = store.add_run(run_of(written.month, started_at));
  const std::int64_t revision = store.add_revision(run, written);
  transaction.commit();
  return revision;
}

struct Counts {
  std::int64_t runs = 0, revisions = 0, results = 0, lines = 0;
  bool operator==(const Counts& other) const {
    return runs == other.runs && revisions == other.revisions && results == other.results && lines == other.lines;
  }
};

Counts counts_of(const std::string& path) {
  HistoryStore store(path, HistoryOptions{10000, false});
  return {store.count_rows("runs"), store.count_rows("revisions"), store.count_rows("results"),
          store.count_rows("prices_used")};
}

/// A revision with many lines: a transaction long enough for the kill to land in the middle of real work.
RevisionRecord large_record(Month month, std::size_t lines) {
  RevisionRecord out = sample_record(month, 56000.0, "large-" + std::to_string(lines));
  out.lines.clear();
  for (std::size_t i = 0; i < lines; ++i)
    out.lines.push_back(line_of("Mopti", "Item " + std::to_string(i), 1.0 + static_cast<double>(i), 100.0 + static_cast<double>(i),
                                "observed", std::string(64, 'x')));
  return out;
}

/// Forks a child that writes `large` to the store in one transaction (committing it when `commit`), then tells
/// the parent through a pipe and sleeps; the parent kills it with SIGKILL. Returns what the pipe said ("" when
/// the child died before writing: the child's exception is reported through its exit status).
std::string write_then_get_killed(const std::string& path, const RevisionRecord& large, bool commit) {
  int pipe_ends[2];
  REQUIRE(::pipe(pipe_ends) == 0);
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    // The child: never returns into Catch, never runs the parent's destructors.
    ::close(pipe_ends[0]);
    try {
      HistoryStore store(path);
      HistoryStore::Transaction transaction(store);
      const std::int64_t run = store.add_run(run_of(large.month));
      (void)store.add_revision(run, large);
      if (commit) transaction.commit();
      const char ready = commit ? 'c' : 'w';
      if (::write(pipe_ends[1], &ready, 1) != 1) ::_exit(3);
      for (;;) ::pause();  // the transaction stays open (or committed) until SIGKILL
    } catch (...) {
      ::_exit(2);
    }
  }
  ::close(pipe_ends[1]);
  char said = 0;
  const ssize_t got = ::read(pipe_ends[0], &said, 1);
  ::close(pipe_ends[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  INFO("child exit status " << (WIFEXITED(status) ? WEXITSTATUS(status) : -1));
  CHECK(WIFSIGNALED(status));
  return got == 1 ? std::string(1, said) : std::string();
}

}  // namespace

TEST_CASE("history a new store has the current schema and a WAL journal", "[history]") {
  ScratchDirectory directory("new");
  const std::string path = directory.file("history.sqlite");
  {
    HistoryStore store(path);
    CHECK(store.schema_version() == meb::kHistorySchemaVersion);
    CHECK(meb::kHistorySchemaVersion == 2);
    CHECK(store.path() == path);
    CHECK(store.count_rows("runs") == 0);
    CHECK(store.methodologies().empty());
  }
  RawDatabase raw(path);
  // WAL is a property of the file: a fresh connection reads it back without asking for it.
  CHECK(raw.text("PRAGMA journal_mode") == "wal");
  CHECK(raw.number("PRAGMA user_version") == 2);
  for (const char* table : {"methodologies", "runs", "run_inputs", "revisions", "results", "prices_used", "alerts",
                            "changes", "change_lines", "bands", "in_force"}) {
    INFO(table);
    CHECK(raw.number(std::string("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '") + table + "'") == 1);
  }
  // Opening it again neither migrates nor complains.
  HistoryStore again(path, HistoryOptions{10000, false});
  CHECK(again.schema_version() == 2);
}

TEST_CASE("history a revision record reads back field by field", "[history]") {
  ScratchDirectory directory("roundtrip");
  HistoryStore store(directory.file("history.sqlite"));
  const Month march = month_of(2020, 3);
  const RevisionRecord written = sample_record(march, 56000.0, "fingerprint-1");
  std::int64_t run_id = 0;
  {
    HistoryStore::Transaction transaction(store);
    run_id = store.add_run(run_of(march));
    CHECK(store.add_revision(run_id, written) == 1);
    transaction.commit();
  }

  const auto latest = store.latest_revision("mali-test", march);
  REQUIRE(latest);
  CHECK(latest->revision == 1);
  CHECK(latest->run_id == run_id);
  CHECK(latest->fingerprint == "fingerprint-1");
  CHECK(latest->methodology_version == "2");
  CHECK(latest->recorded_at == "2020-04-02T08:00:00Z");  // the run's start
  CHECK(latest->rule.basis == meb::Tier::smeb);
  CHECK(latest->rule.deduct == 1000.0);
  CHECK(latest->rule.coverage == 0.8);
  CHECK(latest->rule.floor == 2000.0);
  REQUIRE(latest->rule.cap);
  CHECK(*latest->rule.cap == 60000.0);
  REQUIRE(latest->rule.rounding);
  CHECK(latest->rule.rounding->step == 500.0);
  CHECK(latest->rule.rounding->mode == meb::RoundingMode::up);
  CHECK_FALSE(store.latest_revision("mali-test", month_of(2020, 4)));
  CHECK_FALSE(store.latest_revision("other", march));

  const auto results = store.results(latest->revision_id);
  REQUIRE(results.size() == 2);
  CHECK(results[0].level == "admin1");
  CHECK(results[0].area == "Mopti");
  CHECK(results[0].pcode == "ML05");
  CHECK(results[0].smeb == 48000.0);
  CHECK(results[0].meb == 52000.0);
  CHECK(results[0].basis_cost == 48000.0);
  CHECK(results[0].unrounded == 55880.0);
  CHECK(results[0].value == 56000.0);
  CHECK(results[0].rounding_difference == 120.0);
  CHECK(results[0].observed_share == 0.75);
  CHECK(results[0].household_size == 6.0);
  CHECK(results[0].note.empty());
  CHECK(results[1].area == "Gao");
  CHECK(results[1].pcode == "ML07");
  CHECK(std::isnan(results[1].smeb));  // a missing value is stored as NULL and read back as NaN
  CHECK(std::isnan(results[1].value));
  CHECK(results[1].note == "Oil: no price");

  const auto mopti = store.lines(latest->revision_id, "admin1", "Mopti");
  REQUIRE(mopti.size() == 2);
  CHECK(mopti[0].component == "food");
  CHECK(mopti[0].item == "Millet");
  CHECK(mopti[0].tier == "smeb");
  CHECK(mopti[0].unit == "KG");
  CHECK(mopti[0].quantity == 69.0);
  CHECK(mopti[0].price == 300.0);
  CHECK(mopti[0].status == "observed");
  CHECK(mopti[0].observations == 3);
  CHECK(mopti[0].source.empty());
  CHECK(mopti[1].item == "Rice (imported)");
  CHECK(mopti[1].price == 550.0);
  CHECK(mopti[1].status == "carried_forward");
  CHECK(mopti[1].observations == 0);
  CHECK(mopti[1].source == "carried from 2020-02");
  const auto gao = store.lines(latest->revision_id, "admin1", "Gao");
  REQUIRE(gao.size() == 1);
  CHECK(std::isnan(gao[0].price));
  CHECK(gao[0].status == "missing");
  CHECK(store.lines(latest->revision_id, "admin2", "Mopti").empty());

  const auto alerts = store.alerts(latest->revision_id);
  REQUIRE(alerts.size() == 2);
  CHECK(alerts[0].area == "Mopti");
  CHECK(alerts[0].decision == "revise");
  CHECK(alerts[0].computed == 56000.0);
  CHECK(alerts[0].in_force == 50000.0);
  CHECK(alerts[0].gap == Approx(0.12));  // (56000 − 50000) / 50000
  CHECK(alerts[0].run_length == 3);
  CHECK(alerts[0].observed_share == 0.75);
  CHECK(alerts[0].reason == "gap +12.0% above the 10% threshold for 3 of 3 months");
  CHECK(alerts[1].decision == "insufficient data");
  CHECK(std::isnan(alerts[1].in_force));
  CHECK(std::isnan(alerts[1].gap));

  const auto series = store.series("mali-test", "Mopti");
  REQUIRE(series.size() == 1);
  CHECK(series[0].month == march);
  CHECK(series[0].revision == 1);
  CHECK(series[0].methodology_version == "2");
  CHECK(series[0].result.value == 56000.0);
  CHECK(series[0].result.pcode == "ML05");
  CHECK(series[0].in_force == 50000.0);
  CHECK(series[0].decision == "revise");
  CHECK(series[0].reason == "gap +12.0% above the 10% threshold for 3 of 3 months");
  CHECK(store.series("mali-test", "Kayes").empty());

  CHECK(store.areas("mali-test") == std::vector<std::string>{"Gao", "Mopti"});
  CHECK(store.areas("other").empty());
  CHECK(store.methodologies() == std::vector<std::string>{"mali-test"});

  CHECK(store.count_rows("runs") == 1);
  CHECK(store.count_rows("run_inputs") == 2);
  CHECK(store.count_rows("methodologies") == 1);
  CHECK(store.count_rows("revisions") == 1);
  CHECK(store.count_rows("results") == 2);
  CHECK(store.count_rows("prices_used") == 3);
  CHECK(store.count_rows("alerts") == 2);
  CHECK(store.count_rows("changes") == 1);
  CHECK(store.count_rows("change_lines") == 2);
  CHECK(store.count_rows("bands") == 2);

  // What the store has no reader for, read with SQLite directly.
  RawDatabase raw(store.path());
  CHECK(raw.text("SELECT reference_month || ' ' || before || ' ' || after || ' ' || price_filled FROM changes") ==
        "2020-02 54000.0 56000.0 400.0");
  CHECK(raw.text("SELECT item || ' ' || price_effect || ' ' || filled FROM change_lines ORDER BY item DESC") ==
        "Rice (imported) 400.0 1");
  CHECK(raw.text("SELECT variant || ' ' || band_value || ' ' || paid || ' ' || gap FROM bands ORDER BY variant") ==
        "national_mean 55250.0 55500.0 -500.0");
  CHECK(raw.text("SELECT role || ' ' || path || ' ' || bytes || ' ' || sha256 FROM run_inputs ORDER BY role DESC") ==
        "prices prices.csv 4567 bb22");
  CHECK(raw.text("SELECT status FROM runs") == "complete");
  CHECK(raw.text("SELECT yaml FROM methodologies") == "id: mali-test\nversion: 2\n");
}

TEST_CASE("history a second revision of a month keeps the first", "[history]") {
  ScratchDirectory directory("revisions");
  HistoryStore store(directory.file("history.sqlite"));
  const Month march = month_of(2020, 3);
  CHECK(record_in_own_run(store, sample_record(month_of(2020, 2), 54000.0, "february")) == 1);
  CHECK(record_in_own_run(store, sample_record(march, 56000.0, "first"), "2020-04-02T08:00:00Z") == 1);
  CHECK(record_in_own_run(store, sample_record(march, 61000.0, "corrected"), "2020-04-09T08:00:00Z") == 2);

  const auto revisions = store.revisions("mali-test", march);
  REQUIRE(revisions.size() == 2);
  CHECK(revisions[0].revision == 1);
  CHECK(revisions[0].fingerprint == "first");
  CHECK(revisions[0].recorded_at == "2020-04-02T08:00:00Z");
  CHECK(revisions[1].revision == 2);
  CHECK(revisions[1].fingerprint == "corrected");
  CHECK(revisions[1].recorded_at == "2020-04-09T08:00:00Z");
  CHECK(store.latest_revision("mali-test", march)->revision_id == revisions[1].revision_id);
  // The first revision's numbers are still there.
  CHECK(store.results(revisions[0].revision_id)[0].value == 56000.0);
  CHECK(store.results(revisions[1].revision_id)[0].value == 61000.0);
  CHECK(store.count_rows("runs") == 3);
  CHECK(store.count_rows("revisions") == 3);
  CHECK(store.count_rows("results") == 6);
  CHECK(store.count_rows("methodologies") == 1);  // the same methodology text is kept once

  // The series reads the latest revision of each month, in month order, and its own alerts.
  const auto series = store.series("mali-test", "Mopti");
  REQUIRE(series.size() == 2);
  CHECK(series[0].month == month_of(2020, 2));
  CHECK(series[0].revision == 1);
  CHECK(series[0].result.value == 54000.0);
  CHECK(series[1].month == march);
  CHECK(series[1].revision == 2);
  CHECK(series[1].result.value == 61000.0);
  CHECK(series[1].decision == "revise");
  const auto from_march = store.series("mali-test", "Mopti", march, march);
  REQUIRE(from_march.size() == 1);
  CHECK(from_march[0].month == march);
  CHECK(store.series("mali-test", "Mopti", std::nullopt, month_of(2020, 2)).size() == 1);
  CHECK(store.series("mali-test", "Mopti", month_of(2020, 4)).empty());
}

TEST_CASE("history the value in force is the latest entry effective on or before the month", "[history]") {
  ScratchDirectory directory("in-force");
  HistoryStore store(directory.file("history.sqlite"));
  auto entry = [](const std::string& area, double value, Month effective, const std::string& kind,
                  const std::string& note, const std::string& recorded_at) {
    meb::InForceEntry out;
    out.methodology_id = "mali-test";
    out.area = area;
    out.value = value;
    out.effective = effective;
    out.kind = kind;
    out.note = note;
    out.recorded_at = recorded_at;
    return out;
  };
  {
    HistoryStore::Transaction transaction(store);
    store.add_in_force(entry("Mopti", 50000.0, month_of(2020, 1), "set", "CWG 2019-12 meeting", "2019-12-20T10:00:00Z"));
    // Recorded after the 2020-09 entries but effective earlier: order of recording does not matter.
    store.add_in_force(entry("Mopti", 60000.0, month_of(2020, 9), "set", "CWG 2020-08", "2020-08-20T10:00:00Z"));
    store.add_in_force(entry("Mopti", 61000.0, month_of(2020, 9), "set", "corrected figure", "2020-08-21T10:00:00Z"));
    store.add_in_force(entry("Mopti", 50000.0, month_of(2020, 6), "kept", "kept after the mid-year review", ""));
    store.add_in_force(entry("Gao", 40000.0, month_of(2020, 3), "set", "", "2020-02-25T10:00:00Z"));
    transaction.commit();
  }
  CHECK_FALSE(store.in_force("mali-test", "Mopti", month_of(2019, 12)));
  const auto january = store.in_force("mali-test", "Mopti", month_of(2020, 1));
  REQUIRE(january);
  CHECK(january->value == 50000.0);
  CHECK(january->effective == month_of(2020, 1));
  CHECK(january->kind == "set");
  CHECK(january->note == "CWG 2019-12 meeting");
  CHECK(january->recorded_at == "2019-12-20T10:00:00Z");
  // May: still January's entry (June's and September's are later and ignored).
  const auto may = store.in_force("mali-test", "Mopti", month_of(2020, 5));
  REQUIRE(may);
  CHECK(may->effective == month_of(2020, 1));
  CHECK(may->kind == "set");
  // July: the deliberate decision to keep the value, with its own date and note.
  const auto july = store.in_force("mali-test", "Mopti", month_of(2020, 7));
  REQUIRE(july);
  CHECK(july->value == 50000.0);
  CHECK(july->kind == "kept");
  CHECK(july->effective == month_of(2020, 6));
  CHECK(july->note == "kept after the mid-year review");
  // An entry recorded without a time gets the time of recording (UTC, ISO 8601).
  REQUIRE(july->recorded_at.size() == 20);
  CHECK(july->recorded_at[10] == 'T');
  CHECK(july->recorded_at.back() == 'Z');
  // Two entries effective the same month: the one recorded last.
  const auto october = store.in_force("mali-test", "Mopti", month_of(2020, 10));
  REQUIRE(october);
  CHECK(october->value == 61000.0);
  CHECK(october->note == "corrected figure");
  CHECK_FALSE(store.in_force("mali-test", "Gao", month_of(2020, 2)));
  CHECK(store.in_force("mali-test", "Gao", month_of(2020, 3))->value == 40000.0);
  CHECK_FALSE(store.in_force("other", "Mopti", month_of(2020, 7)));

  const auto entries = store.in_force_entries("mali-test");
  REQUIRE(entries.size() == 5);
  // By area, then effective month, then order of recording.
  CHECK(entries[0].area == "Gao");
  CHECK(entries[1].area == "Mopti");
  CHECK(entries[1].effective == month_of(2020, 1));
  CHECK(entries[2].effective == month_of(2020, 6));
  CHECK(entries[2].kind == "kept");
  CHECK(entries[3].effective == month_of(2020, 9));
  CHECK(entries[3].value == 60000.0);
  CHECK(entries[4].value == 61000.0);
  CHECK(store.in_force_entries("other").empty());
}

TEST_CASE("history a transaction without commit rolls back", "[history]") {
  ScratchDirectory directory("rollback");
  HistoryStore store(directory.file("history.sqlite"));
  record_in_own_run(store, sample_record(month_of(2020, 2), 54000.0, "kept"));
  {
    HistoryStore::Transaction transaction(store);
    const std::int64_t run = store.add_run(run_of(month_of(2020, 3)));
    (void)store.add_revision(run, sample_record(month_of(2020, 3), 56000.0, "dropped"));
    CHECK(store.count_rows("revisions") == 2);  // visible inside the transaction
  }  // no commit
  CHECK(store.count_rows("runs") == 1);
  CHECK(store.count_rows("revisions") == 1);
  CHECK(store.count_rows("results") == 2);
  CHECK(store.count_rows("prices_used") == 3);
  CHECK_FALSE(store.latest_revision("mali-test", month_of(2020, 3)));
  // The store is writable afterwards, and the next revision of March is the first.
  CHECK(record_in_own_run(store, sample_record(month_of(2020, 3), 56000.0, "again")) == 1);
}

TEST_CASE("history a writer killed mid-transaction leaves the store as it was", "[history]") {
  ScratchDirectory directory("killed");
  const std::string path = directory.file("history.sqlite");
  {
    HistoryStore store(path);
    record_in_own_run(store, sample_record(month_of(2020, 2), 54000.0, "before"));
  }  // closed before the fork: a connection must not cross it
  const Counts before = counts_of(path);
  REQUIRE(before.runs == 1);

  // 20,000 lines: more than SQLite's page cache holds, so uncommitted pages reach the WAL file before the kill.
  const RevisionRecord large = large_record(month_of(2020, 3), 20000);
  REQUIRE(write_then_get_killed(path, large, false) == "w");
  // The precondition of the test: the killed writer's uncommitted pages are in the WAL file on disk.
  const std::string wal = path + "-wal";
  REQUIRE(fs::exists(wal));
  CHECK(fs::file_size(wal) > 1000000);

  RawDatabase raw(path);
  CHECK(raw.text("PRAGMA integrity_check") == "ok");
  raw.execute("PRAGMA busy_timeout = 1000");
  CHECK(raw.number("SELECT count(*) FROM revisions WHERE month = '2020-03'") == 0);
  CHECK(counts_of(path) == before);
  HistoryStore store(path, HistoryOptions{10000, false});
  CHECK_FALSE(store.latest_revision("mali-test", month_of(2020, 3)));
  // The lock died with the writer: the next batch writes.
  CHECK(record_in_own_run(store, sample_record(month_of(2020, 3), 56000.0, "after")) == 1);
}

TEST_CASE("history a writer killed after its commit leaves all of its rows", "[history]") {
  ScratchDirectory directory("committed");
  const std::string path = directory.file("history.sqlite");
  {
    HistoryStore store(path);
    record_in_own_run(store, sample_record(month_of(2020, 2), 54000.0, "before"));
  }
  const Counts before = counts_of(path);
  const RevisionRecord large = large_record(month_of(2020, 3), 2000);
  REQUIRE(write_then_get_killed(path, large, true) == "c");

  RawDatabase raw(path);
  CHECK(raw.text("PRAGMA integrity_check") == "ok");
  const Counts after = counts_of(path);
  CHECK(after.runs == before.runs + 1);
  CHECK(after.revisions == before.revisions + 1);
  CHECK(after.results == before.results + 2);
  CHECK(after.lines == before.lines + 2000);
  HistoryStore store(path, HistoryOptions{10000, false});
  const auto march = store.latest_revision("mali-test", month_of(2020, 3));
  REQUIRE(march);
  CHECK(march->fingerprint == "large-2000");
  const auto lines = store.lines(march->revision_id, "admin1", "Mopti");
  REQUIRE(lines.size() == 2000);
  CHECK(lines.back().item == "Item 1999");
  CHECK(lines.back().price == 2099.0);  // 100 + 1999
}

TEST_CASE("history a second writer fails with a message naming the file", "[history]") {
  ScratchDirectory directory("two-writers");
  const std::string path = directory.file("history.sqlite");
  HistoryStore first(path, HistoryOptions{200, true});
  HistoryStore second(path, HistoryOptions{200, true});
  {
    HistoryStore::Transaction writing(first);
    const std::int64_t run = first.add_run(run_of(month_of(2020, 3)));
    (void)first.add_revision(run, sample_record(month_of(2020, 3), 56000.0, "first"));
    try {
      HistoryStore::Transaction blocked(second);
      FAIL("a second transaction started while the first was open");
    } catch (const HistoryError& error) {
      const std::string message = error.what();
      CHECK_THAT(message, Catch::Contains(path));
      CHECK_THAT(message, Catch::Contains("another meb batch"));
      CHECK_THAT(message, Catch::Contains("is writing to this store"));
    }
    // The reader still sees the store as it was (WAL: readers do not wait for the writer).
    CHECK(second.count_rows("revisions") == 0);
    writing.commit();
  }
  CHECK(second.count_rows("revisions") == 1);
  CHECK(record_in_own_run(second, sample_record(month_of(2020, 3), 57000.0, "second")) == 2);
  CHECK(first.revisions("mali-test", month_of(2020, 3)).size() == 2);
}

namespace {

/// The schema-1 layout as a store written by the first engine holds it, frozen in
/// tests/data/history/schema_v1.sql so that the fixture does not change when the engine's text does.
std::string schema_1_fixture() {
  std::ifstream in(std::string(MEB_TEST_DATA_DIR) + "/history/schema_v1.sql");
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("history a schema 1 store is migrated to schema 2", "[history]") {
  ScratchDirectory directory("migrate");
  const std::string path = directory.file("history-v1.sqlite");
  {
    RawDatabase old(path);
    old.execute(schema_1_fixture());
    old.execute("PRAGMA user_version = 1");
    old.execute(
        "INSERT INTO methodologies VALUES ('feed', 'mali-old', '1', 'mali-old.yaml', 'id: mali-old');"
        "INSERT INTO runs VALUES (1, '2019-08', '2019-09-01T07:00:00Z', '2019-09-01T07:01:00Z', '0.1', 'meb batch', "
        "'batch.yaml', 'complete');"
        "INSERT INTO revisions VALUES (1, 'mali-old', '2019-08', 1, 1, 'feed', '1', 'old-fingerprint', 'meb', 0, 1, 0, "
        "NULL, 5000, 'nearest');"
        "INSERT INTO results VALUES (1, 'admin1', 'Mopti', 'ML05', 70000, 95000, 95000, 94800, 95000, 200, 0.9, 6, '');"
        "INSERT INTO in_force (methodology_id, area, value, effective_month, recorded_at, note) "
        "VALUES ('mali-old', 'Mopti', 90000, '2019-01', '2018-12-15T09:00:00Z', 'agreed in December');");
  }
  HistoryStore store(path, HistoryOptions{10000, false});
  CHECK(store.schema_version() == 2);
  {
    RawDatabase raw(path);
    CHECK(raw.number("PRAGMA user_version") == 2);
    CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'change_lines'") == 1);
    CHECK(raw.text("SELECT kind FROM in_force") == "set");
    CHECK(raw.text("PRAGMA integrity_check") == "ok");
  }
  // The old value in force reads back as a new value ("set"), with its date and note.
  const auto in_force = store.in_force("mali-old", "Mopti", month_of(2019, 8));
  REQUIRE(in_force);
  CHECK(in_force->value == 90000.0);
  CHECK(in_force->kind == "set");
  CHECK(in_force->effective == month_of(2019, 1));
  CHECK(in_force->note == "agreed in December");
  // The old results, untouched.
  const auto latest = store.latest_revision("mali-old", month_of(2019, 8));
  REQUIRE(latest);
  CHECK(latest->revision == 1);
  CHECK(latest->fingerprint == "old-fingerprint");
  CHECK(latest->recorded_at == "2019-09-01T07:00:00Z");
  CHECK_FALSE(latest->rule.cap);
  REQUIRE(latest->rule.rounding);
  CHECK(latest->rule.rounding->step == 5000.0);
  CHECK(latest->rule.rounding->mode == meb::RoundingMode::nearest);
  const auto results = store.results(latest->revision_id);
  REQUIRE(results.size() == 1);
  CHECK(results[0].area == "Mopti");
  CHECK(results[0].smeb == 70000.0);
  CHECK(results[0].value == 95000.0);
  CHECK(results[0].observed_share == 0.9);
  // The migrated store takes schema-2 writes: a revision with change lines, a "kept" value in force.
  CHECK(record_in_own_run(store, sample_record(month_of(2019, 8), 56000.0, "new")) == 1);  // another methodology id
  CHECK(store.count_rows("change_lines") == 2);
  {
    HistoryStore::Transaction transaction(store);
    meb::InForceEntry kept;
    kept.methodology_id = "mali-old";
    kept.area = "Mopti";
    kept.value = 90000.0;
    kept.effective = month_of(2020, 1);
    kept.kind = "kept";
    store.add_in_force(kept);
    transaction.commit();
  }
  CHECK(store.in_force("mali-old", "Mopti", month_of(2020, 2))->kind == "kept");
}

TEST_CASE("history a store of a newer schema is refused and left unchanged", "[history]") {
  ScratchDirectory directory("newer");
  const std::string path = directory.file("history-v99.sqlite");
  {
    // As a newer meb would have left it: WAL, a table of its own, schema 99.
    RawDatabase newer(path);
    REQUIRE(newer.text("PRAGMA journal_mode = WAL") == "wal");
    newer.execute("CREATE TABLE runs_v99 (run_id INTEGER PRIMARY KEY, payload TEXT); INSERT INTO runs_v99 VALUES (1, 'x');");
    newer.execute("PRAGMA user_version = 99");
  }
  const std::string bytes_before = file_bytes(path);
  try {
    HistoryStore store(path);
    FAIL("a schema 99 store was opened");
  } catch (const HistoryError& error) {
    const std::string message = error.what();
    CHECK_THAT(message, Catch::StartsWith(path + ": "));
    CHECK_THAT(message, Catch::Contains("schema version 99"));
    CHECK_THAT(message, Catch::Contains("newer than the 2 this engine knows"));
  }
  const bool file_unchanged = file_bytes(path) == bytes_before;  // a bool: Catch would print both files
  CHECK(file_unchanged);
  RawDatabase raw(path);
  CHECK(raw.number("PRAGMA user_version") == 99);
  CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE type = 'table'") == 1);
}

TEST_CASE("history a database of another program is refused and left unchanged", "[history]") {
  ScratchDirectory directory("foreign");
  const std::string path = directory.file("inventory.sqlite");
  {
    // Another program's database, in SQLite's default rollback-journal mode, no user_version.
    RawDatabase foreign(path);
    foreign.execute("CREATE TABLE stock (item TEXT, quantity REAL); INSERT INTO stock VALUES ('Millet', 12.5);");
  }
  const std::string bytes_before = file_bytes(path);
  REQUIRE_THROWS_MATCHES(HistoryStore(path), HistoryError,
                         Catch::Matchers::Message(path + ": not a meb history store (it has tables but no schema version); it was left unchanged"));
  RawDatabase raw(path);
  CHECK(raw.number("PRAGMA user_version") == 0);
  CHECK(raw.text("SELECT item FROM stock") == "Millet");
  CHECK(raw.number("SELECT count(*) FROM sqlite_master WHERE type = 'table'") == 1);
  // Refusing a file must not rewrite it: its journal mode stays the owner's choice.
  CHECK(raw.text("PRAGMA journal_mode") == "delete");
  const bool file_unchanged = file_bytes(path) == bytes_before;
  CHECK(file_unchanged);
}

TEST_CASE("history a file that is not an SQLite database is refused and left unchanged", "[history]") {
  ScratchDirectory directory("not-sqlite");
  const std::string path = directory.file("prices.csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "date,market,commodity,price\n2020-01-15,Mopti,Millet,300\n";
  }
  const std::string bytes_before = file_bytes(path);
  try {
    HistoryStore store(path);
    FAIL("a CSV file was opened as a history store");
  } catch (const HistoryError& error) {
    const std::string message = error.what();
    CHECK_THAT(message, Catch::StartsWith(path + ": "));
    CHECK_THAT(message, Catch::Contains("not a readable meb history store"));
  }
  CHECK(file_bytes(path) == bytes_before);  // text: Catch prints it readably if it differs
  CHECK_FALSE(fs::exists(path + "-wal"));
}

TEST_CASE("history a missing file is refused when it may not be created", "[history]") {
  ScratchDirectory directory("missing");
  const std::string path = directory.file("absent.sqlite");
  REQUIRE_THROWS_MATCHES(HistoryStore(path, HistoryOptions{10000, false}), HistoryError,
                         Catch::Matchers::Message(path + ": no such history store"));
  CHECK_FALSE(fs::exists(path));
  // A directory where the file should be is no store either.
  const std::string folder = directory.file("folder.sqlite");
  fs::create_directories(folder);
  REQUIRE_THROWS_WITH(HistoryStore(folder), Catch::Contains(folder));
}

TEST_CASE("history runs lists every run with its inputs and the revisions it added", "[history]") {
  const ScratchDirectory directory("runs");
  HistoryStore store(directory.file("history.sqlite"));
  CHECK(store.runs().empty());
  record_in_own_run(store, sample_record(month_of(2020, 3), 55000.0, "first"), "2020-04-02T08:00:00Z");
  record_in_own_run(store, sample_record(month_of(2020, 3), 60000.0, "second"), "2020-04-09T08:00:00Z");
  const auto runs = store.runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].run_id == 1);
  CHECK(runs[0].info.month.to_string() == "2020-03");
  CHECK(runs[0].info.started_at == "2020-04-02T08:00:00Z");
  CHECK(runs[1].info.started_at == "2020-04-09T08:00:00Z");
  CHECK(runs[0].status == "complete");
  CHECK(runs[0].info.engine_version == "0.test");
  // run_of() records two inputs: the batch file (321 bytes) and a price file (4,567 bytes).
  REQUIRE(runs[0].info.inputs.size() == 2);
  CHECK(runs[0].info.inputs[1].role == "prices");
  CHECK(runs[0].info.inputs[1].bytes == 4567);
  CHECK(runs[0].info.inputs[1].sha256 == "bb22");
  // The second run added revision 2 of the same month.
  REQUIRE(runs[1].revisions.size() == 1);
  CHECK(runs[1].revisions[0].first == "mali-test");
  CHECK(runs[1].revisions[0].second == 2);
}

TEST_CASE("history record_in_force sets a value then keeps it and refuses what cannot be recorded", "[history]") {
  ScratchDirectory directory("record-in-force");
  HistoryStore store(directory.file("history.sqlite"));
  record_in_own_run(store, sample_record(month_of(2020, 3), 56000.0, "march"));  // areas Mopti and Gao

  // The area as typed ("mopti") is recorded as the store spells it.
  const meb::InForceEntry set = meb::record_in_force(store, "mali-test", "mopti", month_of(2020, 3), 35000.0, "CWG");
  CHECK(set.area == "Mopti");
  CHECK(set.value == 35000.0);
  CHECK(set.kind == "set");
  CHECK(set.note == "CWG");
  CHECK(set.effective == month_of(2020, 3));
  CHECK(store.in_force("mali-test", "Mopti", month_of(2020, 5))->value == 35000.0);

  // Keeping: the value in force in June is March's 35000.
  const meb::InForceEntry kept = meb::record_in_force(store, "mali-test", "Mopti", month_of(2020, 6), std::nullopt, "");
  CHECK(kept.value == 35000.0);
  CHECK(kept.kind == "kept");
  CHECK(store.in_force("mali-test", "Mopti", month_of(2020, 7))->kind == "kept");
  CHECK(store.count_rows("in_force") == 2);

  // Refused, and nothing written: nothing in force to keep (before March, or in Gao), an amount that is not
  // positive, an unknown area.
  CHECK_THROWS_WITH(meb::record_in_force(store, "mali-test", "Mopti", month_of(2020, 2), std::nullopt, ""),
                    "--keep: no value is in force for Mopti in 2020-02; set one with --value");
  CHECK_THROWS_AS(meb::record_in_force(store, "mali-test", "gao", month_of(2020, 6), std::nullopt, ""),
                  std::invalid_argument);
  CHECK_THROWS_WITH(meb::record_in_force(store, "mali-test", "Mopti", month_of(2020, 8), -5.0, ""),
                    "--value expects a positive amount, got '-5'");
  CHECK_THROWS_WITH(meb::record_in_force(store, "mali-test", "Mopti", month_of(2020, 8), 0.0, ""),
                    "--value expects a positive amount, got '0'");
  CHECK_THROWS_WITH(meb::record_in_force(store, "mali-test", "Mopti", month_of(2020, 8), kNaN, ""),
                    "--value expects a positive amount, got 'NaN'");
  CHECK_THROWS_WITH(meb::record_in_force(store, "mali-test", "Kidal", month_of(2020, 8), 1000.0, ""),
                    Catch::Contains("methodology 'mali-test' has no area 'Kidal' (areas: Gao, Mopti)"));
  CHECK_THROWS_AS(meb::record_in_force(store, "mali-test", "Kidal", month_of(2020, 8), 1000.0, ""), meb::InputError);
  CHECK(store.count_rows("in_force") == 2);
}

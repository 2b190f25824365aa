#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "meb/batch.hpp"
#include "meb/batch_report.hpp"
#include "meb/error.hpp"
#include "meb/history.hpp"
#include "test_helpers.hpp"

// The monthly batch (meb/batch.hpp, meb/batch_report.hpp): the batch file (defaults, per-methodology
// overrides, every problem reported with its position), the population file, what a computed month records
// (observed share, stored quantities, line sources, fingerprint), how a month is recorded (first, unchanged,
// revised), and a four-month history worked by hand: alerts against the value in force, the change from the
// previous month split into its parts, the harmonised bands weighted by population, and the files and report
// written from them.

namespace fs = std::filesystem;
using meb::BatchConfig;
using meb::HistoryStore;
using meb::Month;
using meb::RecordOutcome;
using meb::RevisionRecord;
using namespace meb::testing;

namespace {

Month month_of(int year, int month) { return Month::from_year_month(year, month); }

std::string batch_error_of(const std::string& yaml) {
  try {
    (void)meb::parse_batch_config(yaml, "batch.yaml", "dir");
  } catch (const meb::MethodologyError& error) {
    return error.what();
  }
  return "no error";
}

std::string input_error_of(const meb::PopulationSource& source, const std::string& csv) {
  try {
    (void)meb::read_population(source, csv);
  } catch (const meb::InputError& error) {
    return error.what();
  }
  return "no error";
}

const meb::StoredResult& result_in(const RevisionRecord& record, const std::string& area) {
  for (const auto& result : record.results)
    if (result.area == area) return result;
  throw std::runtime_error("no result for " + area);
}

std::vector<meb::StoredLine> lines_in(const RevisionRecord& record, const std::string& area) {
  std::vector<meb::StoredLine> out;
  for (const auto& line : record.lines)
    if (line.area == area) out.push_back(line);
  return out;
}

const meb::StoredAlert& alert_in(const RevisionRecord& record, const std::string& area) {
  for (const auto& alert : record.alerts)
    if (alert.area == area) return alert;
  throw std::runtime_error("no alert for " + area);
}

const meb::StoredChange& change_in(const RevisionRecord& record, const std::string& area) {
  for (const auto& change : record.changes)
    if (change.area == area) return change;
  throw std::runtime_error("no change for " + area);
}

std::vector<meb::StoredBand> bands_in(const RevisionRecord& record, const std::string& variant) {
  std::vector<meb::StoredBand> out;
  for (const auto& band : record.bands)
    if (band.variant == variant) out.push_back(band);
  return out;
}

meb::RunInfo run_of(Month month) {
  meb::RunInfo run;
  run.month = month;
  run.started_at = "2020-05-01T06:00:00Z";
  run.engine_version = "0.test";
  run.command_line = "meb batch --month " + month.to_string();
  run.config_path = "batch.yaml";
  return run;
}

/// The line of a CSV text at `index` (0: the header).
std::string csv_line(const std::string& csv, std::size_t index) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < index; ++i) {
    start = csv.find('\n', start);
    if (start == std::string::npos) return "";
    ++start;
  }
  const std::size_t end = csv.find('\n', start);
  return csv.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

/// The data line of a CSV whose fields start with `prefix`.
std::string csv_row_starting(const std::string& csv, const std::string& prefix) {
  std::size_t start = 0;
  while (start < csv.size()) {
    const std::size_t end = csv.find('\n', start);
    const std::string line = csv.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (line.rfind(prefix, 0) == 0) return line;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return "";
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// The batch file

TEST_CASE("batch config defaults and paths resolved against the batch file's directory", "[batch]") {
  const BatchConfig config = meb::parse_batch_config(
      "history: store/history.sqlite\n"
      "prices: [prices/a.csv, /data/b.csv]\n"
      "methodologies:\n"
      "  - m1.yaml\n"
      "  - file: sub/../m2.yaml\n",
      "/etc/meb/batch.yaml", "/etc/meb");
  CHECK(config.path == "/etc/meb/batch.yaml");
  CHECK(config.history == "/etc/meb/store/history.sqlite");
  CHECK(config.output == "out");
  CHECK_FALSE(config.reference);  // the previous month
  CHECK_FALSE(config.harmonise.level);
  CHECK(config.harmonise.bands == 3);
  CHECK(config.harmonise.national == meb::NationalStatistic::mean);
  CHECK(config.harmonise.tolerance == 0.10);
  REQUIRE(config.methodologies.size() == 2);
  const auto& first = config.methodologies[0];
  CHECK(first.file == "/etc/meb/m1.yaml");
  CHECK(first.inputs.prices == std::vector<std::string>{"/etc/meb/prices/a.csv", "/data/b.csv"});
  CHECK_FALSE(first.inputs.areas);
  CHECK_FALSE(first.inputs.survey);
  CHECK_FALSE(first.inputs.population);
  CHECK(first.rule.threshold == 0.10);
  CHECK(first.rule.hysteresis == 0.02);
  CHECK(first.rule.consecutive_months == 3);
  CHECK(first.rule.min_observed_share == 0.5);
  CHECK(first.rule.direction == meb::RevisionDirection::either);
  CHECK(config.methodologies[1].file == "/etc/meb/m2.yaml");  // lexically normal
  CHECK(config.methodologies[1].inputs.prices == first.inputs.prices);
  // `previous_month` is the default said out loud.
  CHECK_FALSE(meb::parse_batch_config("history: h\nprices: p\nreference: previous_month\nmethodologies: [m]\n", "b.yaml", ".")
                  .reference);
}

TEST_CASE("batch config an entry replaces the defaults it names and keeps the others", "[batch]") {
  const BatchConfig config = meb::parse_batch_config(
      "history: h.sqlite\n"
      "output: results\n"
      "reference: 2020-01\n"
      "prices: p.csv\n"
      "areas: areas.csv\n"
      "survey: survey.csv\n"
      "population: {file: pop.csv, area: admin1Name_fr, value: T_TL}\n"
      "revision: {threshold: 0.15, hysteresis: 0.05, months: 2, min_observed_share: 0.6, direction: up}\n"
      "harmonise: {level: admin1, bands: 4, national: median, tolerance: 0.05}\n"
      "methodologies:\n"
      "  - file: a.yaml\n"
      "  - file: b.yaml\n"
      "    prices: [q1.csv, q2.csv]\n"
      "    areas: none\n"
      "    population: none\n"
      "    survey: other.csv\n"
      "    revision: {threshold: 0.08}\n",
      "dir/batch.yaml", "dir");
  CHECK(config.history == "dir/h.sqlite");
  CHECK(config.output == "results");  // relative to the working directory, as documented
  REQUIRE(config.reference);
  CHECK(*config.reference == month_of(2020, 1));
  REQUIRE(config.harmonise.level);
  CHECK(*config.harmonise.level == meb::AreaLevel::admin1);
  CHECK(config.harmonise.bands == 4);
  CHECK(config.harmonise.national == meb::NationalStatistic::median);
  CHECK(config.harmonise.tolerance == 0.05);
  REQUIRE(config.methodologies.size() == 2);

  const auto& a = config.methodologies[0];
  CHECK(a.file == "dir/a.yaml");
  CHECK(a.inputs.prices == std::vector<std::string>{"dir/p.csv"});
  CHECK(a.inputs.areas == std::optional<std::string>("dir/areas.csv"));
  CHECK(a.inputs.survey == std::optional<std::string>("dir/survey.csv"));
  REQUIRE(a.inputs.population);
  CHECK(a.inputs.population->file == "dir/pop.csv");
  CHECK(a.inputs.population->area_column == "admin1Name_fr");
  CHECK(a.inputs.population->value_column == "T_TL");
  CHECK(a.rule.threshold == 0.15);
  CHECK(a.rule.hysteresis == 0.05);
  CHECK(a.rule.consecutive_months == 2);
  CHECK(a.rule.min_observed_share == 0.6);
  CHECK(a.rule.direction == meb::RevisionDirection::up);

  const auto& b = config.methodologies[1];
  CHECK(b.inputs.prices == std::vector<std::string>{"dir/q1.csv", "dir/q2.csv"});
  CHECK_FALSE(b.inputs.areas);
  CHECK_FALSE(b.inputs.population);
  CHECK(b.inputs.survey == std::optional<std::string>("dir/other.csv"));
  // Only the threshold is the entry's own; the other settings are the batch file's.
  CHECK(b.rule.threshold == 0.08);
  CHECK(b.rule.hysteresis == 0.05);
  CHECK(b.rule.consecutive_months == 2);
  CHECK(b.rule.min_observed_share == 0.6);
  CHECK(b.rule.direction == meb::RevisionDirection::up);
}

TEST_CASE("batch config reports every problem with its position and key", "[batch]") {
  // Columns by hand: line 2 "reference: " is 11 characters, the value starts at 12; line 5 "revision: " is 10,
  // the mapping's '{' is at 11; line 6 "harmonise: {tolerance: " is 23, the value at 24; line 9 "  - " is 4, the
  // entry's mapping starts at 5.
  const std::string message = batch_error_of(
      "output: out\n"
      "reference: 2020-13\n"
      "prices: p.csv\n"
      "colour: blue\n"
      "revision: {threshold: 0.05, hysteresis: 0.05}\n"
      "harmonise: {tolerance: 1.5}\n"
      "methodologies:\n"
      "  - file: a.yaml\n"
      "  - file: a.yaml\n");
  CHECK_THAT(message, Catch::Contains("batch.yaml:4:1: key 'colour': unknown key; allowed keys here: history, output"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:1:1: key 'history': is required"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:2:12: key 'reference': expected previous_month or a month YYYY-MM, "
                                      "got '2020-13'"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:5:11: key 'revision.hysteresis': must be smaller than the threshold"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:6:24: key 'harmonise.tolerance': must be a share in (0, 1), got '1.5'"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:9:5: key 'methodologies[1].file': 'dir/a.yaml' is listed twice"));
  // One line per problem, all of them.
  CHECK(std::count(message.begin(), message.end(), '\n') == 5);
}

TEST_CASE("batch config an entry without prices or with an unknown key is reported", "[batch]") {
  const std::string message = batch_error_of(
      "history: h.sqlite\n"
      "methodologies:\n"
      "  - file: a.yaml\n"
      "    weights: w.csv\n"
      "    revision: {threshold: 0.2, months: 0}\n");
  CHECK_THAT(message, Catch::Contains("batch.yaml:4:5: key 'methodologies[0].weights': unknown key"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:5:40: key 'methodologies[0].revision.months': expected a whole number "
                                      ">= 1, got '0'"));
  CHECK_THAT(message, Catch::Contains("batch.yaml:3:5: key 'methodologies[0].prices': no price file"));
  CHECK_THAT(batch_error_of("history: h.sqlite\nprices: p.csv\nmethodologies: []\n"),
             Catch::Contains("batch.yaml:3:16: key 'methodologies': expected a list of methodologies"));
  CHECK_THAT(batch_error_of("history: h.sqlite\nprices: p.csv\nharmonise: {tolerance: 0}\nmethodologies: [a.yaml]\n"),
             Catch::Contains("key 'harmonise.tolerance': must be a share in (0, 1), got '0'"));
  // A date is not a month.
  CHECK_THAT(batch_error_of("history: h.sqlite\nprices: p.csv\nreference: 2020-01-15\nmethodologies: [a.yaml]\n"),
             Catch::Contains("batch.yaml:3:12: key 'reference': expected previous_month or a month YYYY-MM, got '2020-01-15'"));
  CHECK_THAT(batch_error_of("history: [h.sqlite\n"), Catch::StartsWith("batch.yaml:") && Catch::Contains("YAML syntax error"));
}

// ---------------------------------------------------------------------------------------------------------
// The population file

TEST_CASE("batch population names fold case and accents and P-codes are looked up first", "[batch]") {
  // A UTF-8 byte order mark, as the COD files have, then "Ségou" with an accent and "TOMBOUCTOU" in capitals.
  const std::string csv =
      "\xEF\xBB\xBF"
      "admin1Name_fr,admin1Pcode,T_TL\n"
      "S\xC3\xA9gou,ML04,3000\n"
      "TOMBOUCTOU,ML06,1000.5\n";
  const meb::Population by_name = meb::read_population({"pop.csv", "admin1Name_fr", "T_TL"}, csv);
  CHECK(by_name.file == "pop.csv");
  CHECK(by_name.by_key.size() == 2);
  CHECK(by_name.of("Segou", "") == std::optional<double>(3000.0));
  CHECK(by_name.of("S\xC3\x89GOU", "") == std::optional<double>(3000.0));  // "SÉGOU"
  CHECK(by_name.of("Tombouctou", "") == std::optional<double>(1000.5));
  CHECK(by_name.of("Segou", "ML99") == std::optional<double>(3000.0));  // an unknown P-code falls back to the name
  CHECK_FALSE(by_name.of("Kidal", ""));

  const meb::Population by_pcode = meb::read_population({"pop.csv", "admin1Pcode", "T_TL"}, csv);
  CHECK(by_pcode.of("a name the file does not use", "ML04") == std::optional<double>(3000.0));
  CHECK(by_pcode.of("", "ml06") == std::optional<double>(1000.5));
  CHECK_FALSE(by_pcode.of("Segou", "ML99"));
}

TEST_CASE("batch population errors name the file, the line and the value", "[batch]") {
  const meb::PopulationSource source{"data/pop.csv", "area", "population"};
  CHECK(input_error_of(source, "area,people\nMopti,10\n") == "data/pop.csv:1: no column 'population' in the header");
  CHECK(input_error_of({"data/pop.csv", "region", "population"}, "area,population\nMopti,10\n") ==
        "data/pop.csv:1: no column 'region' in the header");
  CHECK(input_error_of(source, "area,population\nMopti,10\nGao,-5\n") ==
        "data/pop.csv:3: column 'population' is not a non-negative number: '-5'");
  CHECK(input_error_of(source, "area,population\nMopti,many\n") ==
        "data/pop.csv:2: column 'population' is not a non-negative number: 'many'");
  CHECK(input_error_of(source, "area,population\nS\xC3\xA9gou,10\nSEGOU,12\n") ==
        "data/pop.csv:3: area 'SEGOU' appears twice");
  CHECK(input_error_of(source, "area,population\nMopti\n") == "data/pop.csv:2: the row has 1 fields");
  CHECK(input_error_of(source, "") == "data/pop.csv: the population file is empty");
}

// ---------------------------------------------------------------------------------------------------------
// What a computed month records

namespace {

// Household of 5; maize 1 kg and oil 0.1 l per person per month, food marked up 20%, the whole basket 10%;
// water a stated 1,000 per household per month in the MEB only. Transfer: the MEB rounded to 100.
const std::string kRecordYaml =
    "id: batch-test\n"
    "name: Batch test\n"
    "version: 3\n"
    "currency: XOF\n"
    "household: {size: 5}\n"
    "markup_percent: 10\n"
    "prices:\n"
    "  levels: [market, admin1]\n"
    "  fill: [{carry_forward: 2}]\n"
    "basket:\n"
    "  - component: food\n"
    "    tier: smeb\n"
    "    markup_percent: 20\n"
    "    items:\n"
    "      - {item: Maize, quantity: 1, unit: KG, per: person/month}\n"
    "      - {item: Oil, quantity: 0.1, unit: L, per: person/month}\n"
    "  - {component: water, tier: meb, cost: 1000, per: household/month}\n"
    "transfer: {basis: meb, round: {step: 100, mode: nearest}}\n";

/// Area A: maize 300 and oil 2,000 in January; in February maize 300 and no oil quote (carried forward).
/// Area B: maize `b_maize_february` in February, 250 in January; oil 1,800 both months.
std::string record_rows(double b_maize_february = 250.0) {
  return "2020-01-15,MA,A,,Maize,KG,Retail,XOF,300\n"
         "2020-01-15,MA,A,,Oil,L,Retail,XOF,2000\n"
         "2020-02-15,MA,A,,Maize,KG,Retail,XOF,300\n"
         "2020-01-15,MB,B,,Maize,KG,Retail,XOF,250\n"
         "2020-01-15,MB,B,,Oil,L,Retail,XOF,1800\n"
         "2020-02-15,MB,B,,Maize,KG,Retail,XOF," + std::to_string(b_maize_february) + "\n"
         "2020-02-15,MB,B,,Oil,L,Retail,XOF,1800\n";
}

RevisionRecord february_record(double b_maize_february = 250.0) {
  const meb::Methodology methodology = methodology_from(kRecordYaml);
  const meb::ComputeResult result = compute_from(kRecordYaml, record_rows(b_maize_february));
  return meb::revision_record(methodology, kRecordYaml, result, month_of(2020, 2));
}

}  // namespace

TEST_CASE("batch revision record of a computed month", "[batch]") {
  const RevisionRecord record = february_record();
  CHECK(record.methodology_id == "batch-test");
  CHECK(record.methodology_version == "3");
  CHECK(record.methodology_path == "test.yaml");
  CHECK(record.methodology_yaml == kRecordYaml);
  CHECK(record.methodology_sha256.size() == 64);
  CHECK(record.month == month_of(2020, 2));
  CHECK(record.rule.basis == meb::Tier::meb);
  REQUIRE(record.rule.rounding);
  CHECK(record.rule.rounding->step == 100.0);
  CHECK(record.alerts.empty());
  CHECK(record.changes.empty());
  CHECK(record.bands.empty());

  // Only February: one row per admin1 area, three lines each.
  REQUIRE(record.results.size() == 2);
  CHECK(record.lines.size() == 6);
  for (const auto& line : record.lines) CHECK(line.level == "admin1");

  // A in February: maize 5 kg × 300 × 1.2 = 1,800; oil 0.5 l × 2,000 (carried) × 1.2 = 1,200; water 1,000.
  // SMEB = (1,800 + 1,200) × 1.1 = 3,300; MEB = (1,800 + 1,200 + 1,000) × 1.1 = 4,400 = the value (a multiple of 100).
  // Market cost with every mark-up: maize 6.6 × 300 = 1,980, oil 0.66 × 2,000 = 1,320, total 3,300; the oil
  // carried forward is 1,320 / 3,300 = 40% of it, so the observed share is 1,980 / 3,300 = 0.6.
  const meb::StoredResult& a = result_in(record, "A");
  CHECK(a.level == "admin1");
  CHECK(a.smeb == Approx(3300.0));
  CHECK(a.meb == Approx(4400.0));
  CHECK(a.basis_cost == Approx(4400.0));
  CHECK(a.unrounded == Approx(4400.0));
  CHECK(a.value == 4400.0);
  CHECK(a.rounding_difference == Approx(0.0).margin(1e-9));
  CHECK(a.observed_share == Approx(0.6));
  CHECK(a.household_size == 5.0);

  const auto a_lines = lines_in(record, "A");
  REQUIRE(a_lines.size() == 3);
  CHECK(a_lines[0].component == "food");
  CHECK(a_lines[0].item == "Maize");
  CHECK(a_lines[0].tier == "smeb");
  CHECK(a_lines[0].unit == "KG");
  CHECK(a_lines[0].quantity == Approx(6.6));  // 5 kg × 1.2 × 1.1
  CHECK(a_lines[0].price == Approx(300.0));
  CHECK(a_lines[0].status == "observed");
  CHECK(a_lines[0].observations == 1);
  CHECK(a_lines[0].source.empty());
  CHECK(a_lines[1].item == "Oil");
  CHECK(a_lines[1].quantity == Approx(0.66));  // 0.5 l × 1.2 × 1.1
  CHECK(a_lines[1].price == Approx(2000.0));
  CHECK(a_lines[1].status == "carried_forward");
  CHECK(a_lines[1].source == "carried from 2020-01");
  CHECK(a_lines[2].component == "water");
  CHECK(a_lines[2].tier == "meb");
  CHECK(a_lines[2].status == "stated");
  CHECK(a_lines[2].quantity == Approx(1.1));  // one household-month × the total mark-up
  CHECK(a_lines[2].price == Approx(1000.0));

  // B: maize 6.6 × 250 = 1,650, oil 0.66 × 1,800 = 1,188, both observed: share 1. SMEB 2,838, MEB 2,838 + 1,100
  // = 3,938, rounded to 3,900 (difference −38).
  const meb::StoredResult& b = result_in(record, "B");
  CHECK(b.smeb == Approx(2838.0));
  CHECK(b.meb == Approx(3938.0));
  CHECK(b.value == 3900.0);
  CHECK(b.rounding_difference == Approx(-38.0));
  CHECK(b.observed_share == 1.0);

  // The same inputs give the same fingerprint; one price changed gives another.
  CHECK(february_record().fingerprint == record.fingerprint);
  CHECK(february_record(251.0).fingerprint != record.fingerprint);
  CHECK(record.fingerprint.size() == 64);
  // Only February's numbers are fingerprinted: B's January maize changed (February's is observed, so nothing of
  // February reads it) leaves February's fingerprint as it was.
  const meb::Methodology methodology = methodology_from(kRecordYaml);
  const std::string january_b_maize = "2020-01-15,MB,B,,Maize,KG,Retail,XOF,250";
  std::string rows = record_rows();
  rows.replace(rows.find(january_b_maize), january_b_maize.size(), "2020-01-15,MB,B,,Maize,KG,Retail,XOF,260");
  const RevisionRecord changed_january =
      meb::revision_record(methodology, kRecordYaml, compute_from(kRecordYaml, rows), month_of(2020, 2));
  CHECK(changed_january.fingerprint == record.fingerprint);
}

TEST_CASE("batch record month first unchanged then revised", "[batch]") {
  ScratchDirectory directory("record-month");
  HistoryStore store(directory.file("history.sqlite"));
  const Month february = month_of(2020, 2);
  auto record_now = [&](const std::vector<RevisionRecord>& records) {
    HistoryStore::Transaction transaction(store);
    auto outcomes = meb::record_month(store, run_of(february), records);
    transaction.commit();
    return outcomes;
  };

  const auto first = record_now({february_record()});
  REQUIRE(first.size() == 1);
  CHECK(first[0].status == RecordOutcome::Status::first);
  CHECK(meb::to_string(first[0].status) == "recorded");
  CHECK(first[0].revision == 1);
  CHECK(first[0].changed_numbers.empty());
  CHECK(store.count_rows("runs") == 1);
  CHECK(store.count_rows("results") == 2);

  // The same inputs again: nothing is added, not even a run.
  const auto again = record_now({february_record()});
  CHECK(again[0].status == RecordOutcome::Status::unchanged);
  CHECK(meb::to_string(again[0].status) == "unchanged");
  CHECK(again[0].revision == 1);
  CHECK(store.count_rows("runs") == 1);
  CHECK(store.count_rows("revisions") == 1);

  // B's February maize corrected from 250 to 260: maize 6.6 × 260 = 1,716; SMEB 1,716 + 1,188 = 2,904;
  // MEB 2,904 + 1,100 = 4,004, rounded 4,000 (was 2,838, 3,938 and 3,900). A is unchanged.
  const auto revised = record_now({february_record(260.0)});
  CHECK(revised[0].status == RecordOutcome::Status::revised);
  CHECK(meb::to_string(revised[0].status) == "revised");
  CHECK(revised[0].revision == 2);
  CHECK(revised[0].changed_numbers == std::vector<std::string>{"B (admin1) smeb 2838 -> 2904", "B (admin1) meb 3938 -> 4004",
                                                               "B (admin1) transfer_value 3900 -> 4000"});
  CHECK(store.count_rows("runs") == 2);
  const auto revisions = store.revisions("batch-test", february);
  REQUIRE(revisions.size() == 2);
  // The old revision stays as it was.
  const auto old_results = store.results(revisions[0].revision_id);
  REQUIRE(old_results.size() == 2);
  CHECK(old_results[1].area == "B");
  CHECK(old_results[1].value == 3900.0);
  CHECK(store.results(revisions[1].revision_id)[1].value == 4000.0);

  // Two methodologies in one month, one unchanged and one new: one run, one revision added.
  RevisionRecord other = february_record(260.0);
  other.methodology_id = "batch-test-other";
  const auto mixed = record_now({february_record(260.0), other});
  REQUIRE(mixed.size() == 2);
  CHECK(mixed[0].status == RecordOutcome::Status::unchanged);
  CHECK(mixed[0].revision == 2);
  CHECK(mixed[1].status == RecordOutcome::Status::first);
  CHECK(mixed[1].revision == 1);
  CHECK(store.count_rows("runs") == 3);
  CHECK(store.count_rows("revisions") == 3);
}

// ---------------------------------------------------------------------------------------------------------
// A four-month history: alerts, changes, bands, files and report

namespace {

// One household; maize 10 kg and oil 1 l a month; the transfer is the MEB rounded to the nearest 100.
const std::string kAlertsYaml =
    "id: alerts-test\n"
    "name: Alerts test\n"
    "currency: XOF\n"
    "household: {size: 1}\n"
    "prices:\n"
    "  levels: [market, admin1]\n"
    "  fill: [{carry_forward: 2}]\n"
    "basket:\n"
    "  - component: food\n"
    "    tier: smeb\n"
    "    items:\n"
    "      - {item: Maize, quantity: 10, unit: KG, per: household/month}\n"
    "      - {item: Oil, quantity: 1, unit: L, per: household/month}\n"
    "transfer: {basis: meb, round: {step: 100, mode: nearest}}\n";

// A: Jan 10 × 400 + 1,000 = 5,000; Feb 10 × 460 + 1,000 = 5,600; Mar 10 × 470 + 1,000 (oil carried from Feb)
// = 5,700; Apr 10 × 480 + 1,030 = 5,830, rounded 5,800. B: 10 × 300 + 1,000 = 4,000 every month.
const std::string kAlertsRows =
    "2020-01-15,MA,A,,Maize,KG,Retail,XOF,400\n"
    "2020-01-15,MA,A,,Oil,L,Retail,XOF,1000\n"
    "2020-02-15,MA,A,,Maize,KG,Retail,XOF,460\n"
    "2020-02-15,MA,A,,Oil,L,Retail,XOF,1000\n"
    "2020-03-15,MA,A,,Maize,KG,Retail,XOF,470\n"
    "2020-04-15,MA,A,,Maize,KG,Retail,XOF,480\n"
    "2020-04-15,MA,A,,Oil,L,Retail,XOF,1030\n"
    "2020-01-15,MB,B,,Maize,KG,Retail,XOF,300\n"
    "2020-01-15,MB,B,,Oil,L,Retail,XOF,1000\n"
    "2020-02-15,MB,B,,Maize,KG,Retail,XOF,300\n"
    "2020-02-15,MB,B,,Oil,L,Retail,XOF,1000\n"
    "2020-03-15,MB,B,,Maize,KG,Retail,XOF,300\n"
    "2020-03-15,MB,B,,Oil,L,Retail,XOF,1000\n"
    "2020-04-15,MB,B,,Maize,KG,Retail,XOF,300\n"
    "2020-04-15,MB,B,,Oil,L,Retail,XOF,1000\n";

/// The store, the computed months and the batch settings of the four-month history. A's value in force is
/// 5,000 from January; B has none. Revise when the gap exceeds 10% for 3 months (hysteresis 2 points, at
/// least half of the cost observed). Harmonised at admin1 in one band, national mean, ±10%; population
/// A 3,000 and B 1,000.
class FourMonths {
 public:
  FourMonths()
      : directory_("four-months"),
        store(directory_.file("history.sqlite")),
        methodology(methodology_from(kAlertsYaml)),
        result(compute_from(kAlertsYaml, kAlertsRows)) {
    settings.file = "alerts-test.yaml";
    settings.rule.threshold = 0.10;
    settings.rule.hysteresis = 0.02;
    settings.rule.consecutive_months = 3;
    settings.rule.min_observed_share = 0.5;
    harmonise.level = meb::AreaLevel::admin1;
    harmonise.bands = 1;
    harmonise.national = meb::NationalStatistic::mean;
    harmonise.tolerance = 0.10;
    population = meb::read_population({"pop.csv", "area", "population"}, "area,population\nA,3000\nB,1000\n");
    HistoryStore::Transaction transaction(store);
    meb::InForceEntry entry;
    entry.methodology_id = "alerts-test";
    entry.area = "A";
    entry.value = 5000.0;
    entry.effective = month_of(2020, 1);
    entry.kind = "set";
    entry.note = "agreed in December";
    store.add_in_force(entry);
    transaction.commit();
  }

  meb::MonthContext context(std::vector<std::string>* notes, std::optional<Month> reference = std::nullopt) const {
    meb::MonthContext out;
    out.settings = &settings;
    out.harmonise = &harmonise;
    out.population = &population;
    out.reference = reference;
    out.notes = notes;
    return out;
  }

  /// Completes and records one month in one transaction, as `meb batch` does.
  RevisionRecord record_month(Month month, std::vector<std::string>* notes = nullptr,
                              RecordOutcome* outcome = nullptr) {
    RevisionRecord record = meb::revision_record(methodology, kAlertsYaml, result, month);
    HistoryStore::Transaction transaction(store);
    meb::complete_record(store, context(notes), record);
    const auto outcomes = meb::record_month(store, run_of(month), {record});
    transaction.commit();
    if (outcome) *outcome = outcomes.front();
    return record;
  }

 private:
  ScratchDirectory directory_;

 public:
  HistoryStore store;
  meb::Methodology methodology;
  meb::ComputeResult result;
  meb::BatchMethodology settings;
  meb::HarmoniseSettings harmonise;
  meb::Population population;
};

}  // namespace

TEST_CASE("batch alerts hold for N-1 months over the threshold and revise at N", "[batch]") {
  FourMonths history;
  std::vector<std::string> notes;
  const RevisionRecord january = history.record_month(month_of(2020, 1), &notes);
  // January has no December to explain a change from.
  CHECK(january.changes.empty());
  CHECK(std::find(notes.begin(), notes.end(),
                  "alerts-test: no change explained: the store has no 2019-12 (the reference month) for it") != notes.end());
  CHECK(alert_in(january, "A").decision == "hold");
  CHECK(alert_in(january, "A").gap == Approx(0.0).margin(1e-12));
  CHECK(alert_in(january, "A").run_length == 0);

  // February: (5,600 − 5,000) / 5,000 = +12% > 10%: a run of 1.
  const RevisionRecord february = history.record_month(month_of(2020, 2));
  CHECK(alert_in(february, "A").decision == "hold");
  CHECK(alert_in(february, "A").run_length == 1);
  CHECK(alert_in(february, "A").gap == Approx(0.12));

  // March: +14% (5,700), the oil carried forward: 4,700 of 5,700 observed (82%), enough. 2 of 3 months: hold.
  const RevisionRecord march = history.record_month(month_of(2020, 3));
  const meb::StoredAlert& a_march = alert_in(march, "A");
  CHECK(a_march.decision == "hold");
  CHECK(a_march.run_length == 2);
  CHECK(a_march.gap == Approx(0.14));
  CHECK(a_march.computed == 5700.0);
  CHECK(a_march.in_force == 5000.0);
  CHECK(a_march.observed_share == Approx(4700.0 / 5700.0));
  CHECK(a_march.reason == "gap +14.0% above the 10% threshold for 2 of 3 months");

  // April: 5,800 is +16%: the third month of the run, revise.
  std::vector<std::string> april_notes;
  RevisionRecord april = meb::revision_record(history.methodology, kAlertsYaml, history.result, month_of(2020, 4));
  {
    HistoryStore::Transaction transaction(history.store);
    meb::complete_record(history.store, history.context(&april_notes), april);
  }  // not recorded: April is read again below
  const meb::StoredAlert& a_april = alert_in(april, "A");
  CHECK(a_april.level == "admin1");
  CHECK(a_april.decision == "revise");
  CHECK(a_april.run_length == 3);
  CHECK(a_april.computed == 5800.0);
  CHECK(a_april.in_force == 5000.0);
  CHECK(a_april.gap == Approx(0.16));
  CHECK(a_april.observed_share == 1.0);  // April's oil is observed again
  CHECK(a_april.reason == "gap +16.0% above the 10% threshold for 3 of 3 months");
  // B has no value in force: insufficient data, whatever its values.
  const meb::StoredAlert& b_april = alert_in(april, "B");
  CHECK(b_april.decision == "insufficient data");
  CHECK(std::isnan(b_april.in_force));
  CHECK(b_april.run_length == 0);
  CHECK(b_april.reason == "no transfer value in force");

  // A value set in force from April (5,800) ends the run: gap 0, hold.
  {
    HistoryStore::Transaction transaction(history.store);
    meb::InForceEntry entry;
    entry.methodology_id = "alerts-test";
    entry.area = "A";
    entry.value = 5800.0;
    entry.effective = month_of(2020, 4);
    entry.kind = "set";
    history.store.add_in_force(entry);
    meb::complete_record(history.store, history.context(&april_notes), april);
  }
  CHECK(alert_in(april, "A").decision == "hold");
  CHECK(alert_in(april, "A").in_force == 5800.0);
  CHECK(alert_in(april, "A").run_length == 0);
  CHECK(april.alerts.size() == 2);  // completed twice, not appended twice
}

TEST_CASE("batch the change from the previous month adds up to after minus before", "[batch]") {
  FourMonths history;
  for (int m = 1; m <= 3; ++m) (void)history.record_month(month_of(2020, m));
  const RevisionRecord april = history.record_month(month_of(2020, 4));
  REQUIRE(april.changes.size() == 2);
  // A, March → April: maize q 10, Δp 10 → +100, observed both months; oil q 1, Δp 30 → +30, filled (carried in
  // March). Cost 5,700 → 5,830 passes through one for one (coverage 1, no floor or cap): rule 0. Rounding:
  // (5,800 − 5,830) − (5,700 − 5,700) = −30. Parts: 100 + 30 + 0 + 0 − 30 = 100 = 5,800 − 5,700.
  const meb::StoredChange& a = change_in(april, "A");
  CHECK(a.level == "admin1");
  CHECK(a.reference_month == "2020-03");
  CHECK(a.before == 5700.0);
  CHECK(a.after == 5800.0);
  CHECK(a.price_observed == Approx(100.0));
  CHECK(a.price_filled == Approx(30.0));
  CHECK(a.quantity == Approx(0.0).margin(1e-9));
  CHECK(a.rule == Approx(0.0).margin(1e-9));
  CHECK(a.rounding == Approx(-30.0));
  CHECK(a.price_observed + a.price_filled + a.quantity + a.rule + a.rounding == Approx(a.after - a.before));
  REQUIRE(a.lines.size() == 2);
  CHECK(a.lines[0].component == "food");
  CHECK(a.lines[0].item == "Maize");
  CHECK(a.lines[0].price_effect == Approx(100.0));
  CHECK_FALSE(a.lines[0].filled);
  CHECK(a.lines[1].item == "Oil");
  CHECK(a.lines[1].price_effect == Approx(30.0));
  CHECK(a.lines[1].filled);
  // B did not move: every part is zero.
  const meb::StoredChange& b = change_in(april, "B");
  CHECK(b.before == 4000.0);
  CHECK(b.after == 4000.0);
  for (double part : {b.price_observed, b.price_filled, b.quantity, b.rule, b.rounding}) CHECK(part == Approx(0.0).margin(1e-9));

  // Stored too: two areas' changes for February, March and April (January had no December), two lines each.
  CHECK(history.store.count_rows("changes") == 3 * 2);
  CHECK(history.store.count_rows("change_lines") == 3 * 2 * 2);

  // From a reference month of January instead: maize 10 × (480 − 400) = +800 and oil 1 × (1,030 − 1,000) = +30,
  // both observed in both months: price observed 830; rounding (5,800 − 5,830) − 0 = −30; total 800 = 5,800 − 5,000.
  RevisionRecord again = meb::revision_record(history.methodology, kAlertsYaml, history.result, month_of(2020, 4));
  {
    HistoryStore::Transaction transaction(history.store);
    meb::complete_record(history.store, history.context(nullptr, month_of(2020, 1)), again);
  }
  const meb::StoredChange& from_january = change_in(again, "A");
  CHECK(from_january.reference_month == "2020-01");
  CHECK(from_january.before == 5000.0);
  CHECK(from_january.price_observed == Approx(830.0));
  CHECK(from_january.price_filled == Approx(0.0).margin(1e-9));
  CHECK(from_january.rounding == Approx(-30.0));
  CHECK(from_january.price_observed + from_january.price_filled + from_january.quantity + from_january.rule +
            from_january.rounding ==
        Approx(800.0));
}

TEST_CASE("batch harmonised values weighted by population", "[batch]") {
  FourMonths history;
  std::vector<std::string> notes;
  RevisionRecord april = meb::revision_record(history.methodology, kAlertsYaml, history.result, month_of(2020, 4));
  {
    HistoryStore::Transaction transaction(history.store);
    meb::complete_record(history.store, history.context(&notes), april);
  }
  // April: A costs 5,830 (paid 5,800 after rounding; population 3,000), B 4,000 (population 1,000). Each area's own
  // value is its transfer value before rounding (the band's value is rounded once, by the methodology's rule).
  // National mean: (3,000 × 5,830 + 1,000 × 4,000) / 4,000 = 21,490,000 / 4,000 = 5,372.5, paid 5,400 (nearest 100).
  // Gaps: A 5,400 − 5,830 = −430 (−430 / 5,830 = −7.3756%), B 5,400 − 4,000 = +1,400 (+35%).
  const auto national = bands_in(april, "national_mean");
  REQUIRE(national.size() == 2);
  CHECK(national[0].area == "A");
  CHECK(national[0].bands == 1);
  CHECK(national[0].band == 1);
  CHECK(national[0].weight == 3000.0);
  CHECK(national[0].own_value == Approx(5830.0));
  CHECK(national[0].band_value == Approx(5372.5));
  CHECK(national[0].paid == 5400.0);
  CHECK(national[0].gap == Approx(-430.0));
  CHECK(national[0].relative_gap == Approx(-430.0 / 5830.0));
  CHECK(national[1].area == "B");
  CHECK(national[1].weight == 1000.0);
  CHECK(national[1].gap == Approx(1400.0));
  CHECK(national[1].relative_gap == Approx(0.35));
  // One band of least squared gap is the weighted mean: the same 5,372.5, paid 5,400.
  const auto squared = bands_in(april, "squared_gap");
  REQUIRE(squared.size() == 2);
  for (const auto& band : squared) {
    CHECK(band.bands == 1);
    CHECK(band.band == 1);
    CHECK(band.band_value == Approx(5372.5));
    CHECK(band.paid == 5400.0);
  }
  // One band of least largest gap: 2 × 4,000 × 5,830 / (4,000 + 5,830) = 46,640,000 / 9,830 = 4,744.66, paid 4,700.
  const auto largest = bands_in(april, "largest_gap");
  REQUIRE(largest.size() == 2);
  CHECK(largest[0].band_value == Approx(46640000.0 / 9830.0));
  CHECK(largest[0].paid == 4700.0);
  // Within ±10%: A may be paid 5,247..6,413 and B 3,600..4,400, which do not meet: two bands, B first (bands in
  // increasing order of value), each paid the multiple of 100 closest to its mean: 4,000 and 5,800 (gap −30).
  const auto within = bands_in(april, "within_tolerance");
  REQUIRE(within.size() == 2);
  CHECK(within[0].bands == 2);
  CHECK(within[0].area == "B");
  CHECK(within[0].band == 1);
  CHECK(within[0].paid == 4000.0);
  CHECK(within[1].area == "A");
  CHECK(within[1].band == 2);
  CHECK(within[1].paid == 5800.0);
  CHECK(within[1].gap == Approx(-30.0));
  // One value per area: each paid its own value rounded, A 5,800 and B 4,000. Band numbers are "1-based, in
  // increasing order of value" (meb/history.hpp, StoredBand::band), so B (4,000) is band 1 and A (5,830) band 2.
  const auto per_area = bands_in(april, "per_area");
  REQUIRE(per_area.size() == 2);
  for (const auto& band : per_area) {
    INFO(band.area);
    CHECK(band.bands == 2);
    CHECK(band.paid == (band.area == "A" ? 5800.0 : 4000.0));
    CHECK(band.band == (band.area == "A" ? 2 : 1));
  }
  // national_mean, per_area, squared_gap, largest_gap and within_tolerance, two areas each.
  CHECK(april.bands.size() == 10);
  // This store has no March: nothing to explain April's change from, and the notes say so.
  CHECK(april.changes.empty());
  CHECK(notes == std::vector<std::string>{"alerts-test: no change explained: the store has no 2020-03 (the reference month) for it"});

  // Without a population file every area weighs the same, and the notes say so: (5,830 + 4,000) / 2 = 4,915,
  // paid 4,900.
  {
    RevisionRecord unweighted = april;
    std::vector<std::string> unweighted_notes;
    meb::MonthContext context = history.context(&unweighted_notes);
    context.population = nullptr;
    HistoryStore::Transaction transaction(history.store);
    meb::complete_record(history.store, context, unweighted);
    const auto equal = bands_in(unweighted, "national_mean");
    REQUIRE(equal.size() == 2);
    CHECK(equal[0].weight == 1.0);
    CHECK(equal[0].band_value == Approx(4915.0));
    CHECK(equal[0].paid == 4900.0);
    CHECK(std::find(unweighted_notes.begin(), unweighted_notes.end(),
                    "alerts-test: harmonised values weight every area equally (no population file)") != unweighted_notes.end());
  }

  // A population file without B: refused, naming the file and the area.
  history.population = meb::read_population({"pop.csv", "area", "population"}, "area,population\nA,3000\n");
  HistoryStore::Transaction transaction(history.store);
  REQUIRE_THROWS_MATCHES(meb::complete_record(history.store, history.context(&notes), april), meb::InputError,
                         Catch::Matchers::Message("pop.csv: no population for B (admin1 areas of alerts-test)"));
}

// ---------------------------------------------------------------------------------------------------------
// What a batch month writes

TEST_CASE("batch month slice keeps the rows of one month", "[batch]") {
  const meb::ComputeResult result = compute_from(kAlertsYaml, kAlertsRows);
  const meb::ComputeResult march = meb::month_slice(result, month_of(2020, 3));
  CHECK(march.first == month_of(2020, 3));
  CHECK(march.last == month_of(2020, 3));
  REQUIRE(march.rows.size() == 2);
  for (const auto& row : march.rows) CHECK(march.panel.month_at(row.month) == month_of(2020, 3));
  CHECK(march.lines.size() == 2);
  CHECK(march.line_prices.size() == 4);
  CHECK(march.transfer.size() == 2);
  // A: 10 × 470 + 1,000 = 5,700; B: 4,000, in the order of the full result.
  const std::size_t a = row_of(result, meb::AreaLevel::admin1, "A", "2020-03");
  const std::size_t b = row_of(result, meb::AreaLevel::admin1, "B", "2020-03");
  CHECK(row_of(march, meb::AreaLevel::admin1, "A", "2020-03") == (a < b ? 0u : 1u));
  CHECK(march.transfer[row_of(march, meb::AreaLevel::admin1, "A", "2020-03")].value == 5700.0);
  CHECK(march.transfer[row_of(march, meb::AreaLevel::admin1, "B", "2020-03")].value == 4000.0);
  CHECK(meb_of(march, row_of(march, meb::AreaLevel::admin1, "A", "2020-03")) == Approx(5700.0));
  // Prices in March: A maize observed, A oil carried forward, B both observed.
  CHECK(march.count_by_status[static_cast<std::size_t>(meb::PriceStatus::observed)] == 3);
  CHECK(march.count_by_status[static_cast<std::size_t>(meb::PriceStatus::carried_forward)] == 1);
  CHECK(march.count_by_status[static_cast<std::size_t>(meb::PriceStatus::parent)] == 0);
  CHECK(march.count_by_status[static_cast<std::size_t>(meb::PriceStatus::missing)] == 0);
}

TEST_CASE("batch changes alerts and bands files and the report", "[batch]") {
  FourMonths history;
  for (int m = 1; m <= 3; ++m) (void)history.record_month(month_of(2020, m));
  RecordOutcome outcome;
  const RevisionRecord april = history.record_month(month_of(2020, 4), nullptr, &outcome);

  const std::string changes = meb::changes_csv(april);
  CHECK(csv_line(changes, 0) ==
        "methodology,area_level,area,reference_month,month,before,after,change,price_observed,price_filled,quantity,"
        "rule,rounding,top1,top1_effect,top2,top2_effect,top3,top3_effect");
  // A: 5,700 → 5,800, +100 = 100 observed + 30 filled − 30 rounding; the largest lines maize +100, oil +30.
  CHECK(csv_row_starting(changes, "alerts-test,admin1,A,") ==
        "alerts-test,admin1,A,2020-03,2020-04,5700,5800,100,100,30,0,0,-30,Maize,100,Oil,30,,");

  const std::string alerts = meb::alerts_csv(april);
  CHECK(csv_line(alerts, 0) ==
        "methodology,area_level,area,month,decision,computed,in_force,gap,run_length,observed_share,reason");
  // A: gap (5,800 − 5,000) / 5,000 = 0.16, both prices observed (share 1).
  CHECK(csv_row_starting(alerts, "alerts-test,admin1,A,") ==
        "alerts-test,admin1,A,2020-04,revise,5800,5000,0.16,3,1,gap +16.0% above the 10% threshold for 3 of 3 months");
  CHECK(csv_row_starting(alerts, "alerts-test,admin1,B,") ==
        "alerts-test,admin1,B,2020-04,insufficient data,4000,,,0,1,no transfer value in force");

  const std::string bands = meb::bands_csv(april);
  CHECK(csv_line(bands, 0) == "methodology,month,variant,bands,band,area,weight,own_value,band_value,paid,gap,relative_gap");
  // A's own value 5,830, the weighted mean 5,372.5 paid 5,400: gap −430, −430 / 5,830 = −0.0737564 → −0.073756.
  CHECK(csv_row_starting(bands, "alerts-test,2020-04,national_mean,1,1,A,") ==
        "alerts-test,2020-04,national_mean,1,1,A,3000,5830,5372.5,5400,-430,-0.073756");
  CHECK(csv_row_starting(bands, "alerts-test,2020-04,within_tolerance,2,1,") ==
        "alerts-test,2020-04,within_tolerance,2,1,B,1000,4000,4000,4000,0,0");

  CHECK(outcome.status == RecordOutcome::Status::first);
  const std::string report = meb::batch_report_markdown(month_of(2020, 4), {{&april, outcome, "Alerts test", "XOF"}},
                                                        {"a note for the group"});
  CHECK_THAT(report, Catch::StartsWith("# Transfer values, 2020-04\n"));
  CHECK_THAT(report, Catch::Contains("## alerts-test (version 1)"));
  CHECK_THAT(report, Catch::Contains("History: revision 1, recorded."));
  CHECK_THAT(report, Catch::Contains("| Area | Level | Transfer value (XOF) | Change |"));
  CHECK_THAT(report, Catch::Contains("| A | admin1 | 5,800 | +100 since 2020-03 | Maize +100, Oil +30 (filled); rounding -30 | "
                                     "100% | **revise**: gap +16.0% above the 10% threshold for 3 of 3 months | band 1: 5,400 |"));
  CHECK_THAT(report, Catch::Contains("| B | admin1 | 4,000 | 0 since 2020-03 | — | 100% | **insufficient data**: no transfer "
                                     "value in force | band 1: 5,400 |"));
  CHECK_THAT(report, Catch::Contains("- `national_mean` (1 value, largest gap 35.0%): 5,400 for A, B\n"));
  // A band's areas in increasing order of value; the largest gaps: 35% (B at 5,400), 1,130 / 5,830 = 19.4% (A at
  // 4,700), 30 / 5,830 = 0.5% (A at 5,800).
  CHECK_THAT(report, Catch::Contains("- `squared_gap` (1 value, largest gap 35.0%): 5,400 for B, A\n"));
  CHECK_THAT(report, Catch::Contains("- `largest_gap` (1 value, largest gap 19.4%): 4,700 for B, A\n"));
  CHECK_THAT(report, Catch::Contains("- `within_tolerance` (2 values, largest gap 0.5%): 4,000 for B; 5,800 for A\n"));
  CHECK_THAT(report, Catch::Contains("## Notes\n\n- a note for the group\n"));
}

TEST_CASE("batch a price missing under on_missing zero is decomposed as 0", "[batch]") {
  // Stored lines of one area in two months: maize 10 kg at 300 then 330; oil 1 l at 1,000 then missing, which
  // the engine counted as 0 (on_missing: zero) in a basis cost of 3,300 (10 × 330 + 1 × 0).
  const auto line = [](const std::string& item, double quantity, double price, const std::string& status) {
    meb::StoredLine stored;
    stored.level = "admin1";
    stored.area = "A";
    stored.component = "food";
    stored.item = item;
    stored.tier = "smeb";
    stored.quantity = quantity;
    stored.price = price;
    stored.status = status;
    return stored;
  };
  const auto result = [](double basis) {
    meb::StoredResult stored;
    stored.level = "admin1";
    stored.area = "A";
    stored.basis_cost = basis;
    stored.unrounded = basis;
    stored.value = basis;
    return stored;
  };
  const meb::TransferRule rule;  // coverage 1, no floor, cap or rounding
  const auto before = meb::stored_snapshot({line("Maize", 10, 300, "observed"), line("Oil", 1, 1000, "observed")},
                                           result(4000.0), rule);
  const auto after = meb::stored_snapshot(
      {line("Maize", 10, 330, "observed"), line("Oil", 1, std::nan(""), "missing")}, result(3300.0), rule);
  REQUIRE(after.lines[1].price == 0.0);
  CHECK(after.lines[1].filled);
  const meb::ChangeDecomposition parts = meb::decompose_change(before, after);
  // Maize: 10 × (330 − 300) = +300, observed; oil: 1 × (0 − 1,000) = −1,000, filled; total −700 = 3,300 − 4,000.
  CHECK(parts.price_observed == Approx(300.0));
  CHECK(parts.price_filled == Approx(-1000.0));
  CHECK(parts.sum_of_parts() == Approx(-700.0));
}

// `meb batch`: every methodology of a batch file over one month or a range of months, recorded in the
// history store, with the usual outputs, changes, alerts and bands under <out>/<month>/ (docs/history.md).
#include <filesystem>
#include <iostream>
#include <map>

#include "common.hpp"
#include "meb/batch.hpp"
#include "meb/batch_report.hpp"
#include "meb/error.hpp"
#include "meb/history.hpp"
#include "meb/version.hpp"
#include "progress.hpp"

namespace meb::cli {
namespace {

std::string joined(const std::vector<std::string>& words, const char* separator) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : separator) + word;
  return out;
}

/// The months the command line asks for, in order.
std::vector<meb::Month> batch_months(const po::variables_map& values) {
  const bool month = values.count("month") > 0;
  const bool range = values.count("from") > 0 || values.count("to") > 0;
  if (month == range) throw UsageError("meb batch needs either --month YYYY-MM or --from YYYY-MM --to YYYY-MM");
  if (month) return {month_option("month", values["month"].as<std::string>())};
  require(values, {"from", "to"}, "meb batch");
  const meb::Month from = month_option("from", values["from"].as<std::string>());
  const meb::Month to = month_option("to", values["to"].as<std::string>());
  if (to < from) throw UsageError("--to " + to.to_string() + " is before --from " + from.to_string());
  std::vector<meb::Month> months;
  for (meb::Month m = from; m <= to; m = meb::Month{m.index + 1}) months.push_back(m);
  return months;
}

std::size_t areas_in(const meb::ComputeResult& result, meb::Month month) {
  std::size_t count = 0;
  for (const auto& row : result.rows) count += result.panel.month_at(row.month) == month ? 1 : 0;
  return count;
}

}  // namespace

int run_batch(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb batch options");
  options.add_options()("help,h", "print this help")(
      "config", po::value<std::string>(), "the batch file (YAML): methodologies, inputs, rules, history store")(
      "month", po::value<std::string>(), "the month to compute, YYYY-MM")(
      "from", po::value<std::string>(), "back-fill: first month, YYYY-MM")(
      "to", po::value<std::string>(), "back-fill: last month, YYYY-MM")(
      "out", po::value<std::string>(), "output directory (default: the batch file's `output`, else out)")(
      "history", po::value<std::string>(), "the history store (default: the batch file's `history`)")(
      "wait", po::value<double>()->default_value(600.0),
      "seconds to wait for another batch writing to the same store before failing (exit code 6)")(
      "reference", po::value<std::string>(), "explain changes from this month, YYYY-MM (default: the batch file's `reference`, else the previous month)")(
      "quiet,q", po::bool_switch(), "no progress and no summary on success");
  const auto values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb batch --config FILE (--month YYYY-MM | --from YYYY-MM --to YYYY-MM) [--out DIR]\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"config"}, "meb batch");
  const std::vector<meb::Month> months = batch_months(values);
  const bool quiet = values["quiet"].as<bool>();
  const std::string config_path = values["config"].as<std::string>();
  meb::BatchConfig config = meb::load_batch_config(config_path);
  if (values.count("reference")) config.reference = month_option("reference", values["reference"].as<std::string>());
  const std::string out_root = values.count("out") ? values["out"].as<std::string>() : config.output;
  const std::string history_path = values.count("history") ? values["history"].as<std::string>() : config.history;

  Progress progress(config.methodologies.size() + months.size(), !quiet);
  FileCache files;
  // Each methodology is computed once over the whole range: a month's values depend only on that month and
  // earlier ones (carry-forward looks back, parent fill looks up), so slicing the range gives the same numbers
  // as computing month by month.
  std::vector<MethodologyRun> runs;
  std::vector<std::optional<meb::Population>> populations;
  std::map<std::string, meb::Population> population_cache;
  for (const auto& entry : config.methodologies) {
    progress.start("computing " + entry.file + " " + months.front().to_string() +
                   (months.size() > 1 ? " to " + months.back().to_string() : ""));
    MethodologyInputs inputs;
    inputs.prices = entry.inputs.prices;
    inputs.areas = entry.inputs.areas;
    inputs.survey = entry.inputs.survey;
    inputs.from = months.front();
    inputs.to = months.back();
    runs.push_back(run_methodology(entry.file, inputs, files, command_line, std::nullopt));
    std::optional<meb::Population> population;
    if (entry.inputs.population) {
      const auto& source = *entry.inputs.population;
      auto it = population_cache.find(source.file);
      if (it == population_cache.end())
        it = population_cache.emplace(source.file, meb::read_population(source, files.content(source.file))).first;
      population = it->second;
      runs.back().run.inputs.push_back(files.record("population", source.file));
    }
    populations.push_back(std::move(population));
    progress.finish_step();
  }

  const std::filesystem::path history_directory = std::filesystem::path(history_path).parent_path();
  if (!history_directory.empty()) {
    std::error_code error;
    std::filesystem::create_directories(history_directory, error);
    if (error) throw meb::HistoryError(history_path + ": cannot create its directory: " + error.message());
  }
  // One batch at a time per store, for the whole run: months are evaluated in order against all of their past.
  const meb::HistoryLock lock(history_path, values["wait"].as<double>());
  meb::HistoryStore store(history_path);

  std::vector<std::string> summary;
  for (const meb::Month month : months) {
    std::size_t areas = 0;
    for (const auto& run : runs) areas += areas_in(run.result, month);
    progress.start(month.to_string() + ": " + std::to_string(runs.size()) + " methodologies, " +
                   std::to_string(areas) + " area results");
    meb::RunInfo info;
    info.month = month;
    info.started_at = meb::utc_now();
    info.engine_version = meb::kVersion;
    info.command_line = joined(command_line, " ");
    info.config_path = config_path;
    info.inputs.push_back(files.record("batch", config_path));
    for (const auto& run : runs) info.inputs.insert(info.inputs.end(), run.run.inputs.begin(), run.run.inputs.end());

    std::vector<meb::RevisionRecord> records;
    std::vector<std::size_t> record_run;
    std::vector<std::string> notes;
    for (std::size_t m = 0; m < runs.size(); ++m) {
      if (areas_in(runs[m].result, month) == 0) {
        notes.push_back(runs[m].methodology.id + ": no result for " + month.to_string() +
                        " (no price of its basket in the window read); nothing recorded");
        continue;
      }
      records.push_back(meb::revision_record(runs[m].methodology, files.content(config.methodologies[m].file),
                                             runs[m].result, month));
      record_run.push_back(m);
    }
    std::vector<meb::RecordOutcome> outcomes;
    {
      meb::HistoryStore::Transaction transaction(store);
      for (std::size_t k = 0; k < records.size(); ++k) {
        const std::size_t m = record_run[k];
        meb::MonthContext context;
        context.settings = &config.methodologies[m];
        context.harmonise = &config.harmonise;
        context.population = populations[m] ? &*populations[m] : nullptr;
        context.reference = config.reference;
        context.notes = &notes;
        meb::complete_record(store, context, records[k]);
      }
      outcomes = meb::record_month(store, info, records);
      transaction.commit();
    }

    // The files follow the store: a month whose files failed to write is still recorded, and re-running it
    // (unchanged) writes them again.
    std::vector<std::pair<std::string, std::string>> outputs;
    std::vector<meb::ReportEntry> entries;
    std::size_t month_counts[3] = {0, 0, 0};  // by RecordOutcome::Status
    std::size_t month_revise = 0;
    for (std::size_t k = 0; k < records.size(); ++k) {
      const MethodologyRun& run = runs[record_run[k]];
      const meb::ComputeResult slice = meb::month_slice(run.result, month);
      const std::string folder = run.methodology.id + "/";
      outputs.emplace_back(folder + "transfer_values.csv", meb::transfer_values_csv(run.methodology, slice));
      outputs.emplace_back(folder + "basket_costs.csv", meb::basket_costs_csv(run.methodology, slice));
      outputs.emplace_back(folder + "manifest.json", meb::manifest_json(run.methodology, *run.prices, slice, run.run));
      outputs.emplace_back(folder + "changes.csv", meb::changes_csv(records[k]));
      outputs.emplace_back(folder + "change_lines.csv", meb::change_lines_csv(records[k]));
      outputs.emplace_back(folder + "alerts.csv", meb::alerts_csv(records[k]));
      outputs.emplace_back(folder + "bands.csv", meb::bands_csv(records[k]));
      entries.push_back({&records[k], outcomes[k], run.methodology.name, run.methodology.currency});

      std::size_t revise = 0;
      for (const auto& alert : records[k].alerts) revise += alert.decision == "revise" ? 1 : 0;
      ++month_counts[static_cast<std::size_t>(outcomes[k].status)];
      month_revise += revise;
      if (months.size() > 1) continue;  // a back-fill prints one line per month, below
      std::string line = month.to_string() + "  " + run.methodology.id + ": revision " +
                         std::to_string(outcomes[k].revision) + " " + std::string(meb::to_string(outcomes[k].status));
      if (outcomes[k].status == meb::RecordOutcome::Status::revised)
        line += " (" + std::to_string(outcomes[k].changed_numbers.size()) + " numbers changed)";
      line += ", " + std::to_string(records[k].results.size()) + " areas, " + std::to_string(revise) + " revise alerts";
      summary.push_back(line);
      for (const auto& alert : records[k].alerts)
        if (alert.decision == "revise") summary.push_back("    revise " + alert.area + ": " + alert.reason);
    }
    if (months.size() > 1) {
      using Status = meb::RecordOutcome::Status;
      const auto count = [&](Status status) { return std::to_string(month_counts[static_cast<std::size_t>(status)]); };
      summary.push_back(month.to_string() + ": " + count(Status::first) + " recorded, " + count(Status::revised) +
                        " revised, " + count(Status::unchanged) + " unchanged; " + std::to_string(month_revise) +
                        " revise alerts");
    }
    outputs.emplace_back("report.md", meb::batch_report_markdown(month, entries, notes));
    meb::write_files_atomically((std::filesystem::path(out_root) / month.to_string()).string(), outputs);
    progress.finish_step();
  }
  progress.done();
  if (!quiet) {
    for (const auto& line : summary) std::cout << line << "\n";
    std::cout << "history: " << history_path << "; outputs: " << out_root << "/<month>/ (report.md)\n";
  }
  return kSuccess;
}

}  // namespace meb::cli

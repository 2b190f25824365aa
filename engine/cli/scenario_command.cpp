// `meb scenario`: every scenario (and every point of its sweep) against its baseline, on the same inputs.
// Each baseline methodology is read, planned and computed once whatever the number of scenarios on it;
// a scenario is planned on its own only when its basket names a commodity the baseline does not price.
#include <chrono>
#include <iostream>
#include <memory>

#include "common.hpp"
#include "meb/bootstrap.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/json.hpp"
#include "meb/scenario.hpp"
#include "meb/version.hpp"

namespace meb::cli {

namespace {

/// A baseline methodology with its prices, plan and result.
struct Baseline {
  std::string path;
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::ComputePlan plan;
  meb::ComputeResult result;
  std::optional<meb::Survey> survey;
};

struct ScenarioRun {
  meb::Scenario scenario;
  std::size_t baseline = 0;
  std::unique_ptr<meb::ComputePlan> own_plan;  ///< when the basket names a commodity the baseline does not price
  std::vector<std::string> new_commodities;
  meb::ScenarioResult result;
  std::vector<meb::BootstrapResult> bootstrap;  ///< per point
};

/// Reads the price files for a methodology's basket (a scenario that adds a commodity reads them again for it).
meb::PriceTable read_prices_for(const meb::Methodology& methodology, const po::variables_map& values, FileCache& files) {
  const meb::PriceFilter filter = meb::make_price_filter(methodology, values["skip-bad-rows"].as<bool>());
  return *files.prices(values["prices"].as<std::vector<std::string>>(), filter);
}

}  // namespace

int run_scenario(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb scenario options");
  options.add_options()("help,h", "show this help")(
      "scenario", po::value<std::vector<std::string>>()->composing(), "scenario YAML file; repeat for several")(
      "out", po::value<std::string>(), "output directory (created if needed)")(
      "threads", po::value<unsigned>()->default_value(0), "threads for sweep points and replicates (0: every core)");
  add_input_options(options);
  add_bootstrap_options(options);
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb scenario --scenario S.yaml [--scenario ...] --prices FILE [--prices FILE ...] --out DIR\n"
                 "                    [--areas FILE] [--from YYYY-MM] [--to YYYY-MM] [--survey FILE] [--threads N]\n"
                 "                    [--bootstrap N [--seed S] [--percentiles 5,50,95]]\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"prices", "scenario", "out"}, "meb scenario");
  const std::optional<meb::Month> from =
      values.count("from") ? std::optional<meb::Month>(month_option("from", values["from"].as<std::string>())) : std::nullopt;
  const std::optional<meb::Month> to =
      values.count("to") ? std::optional<meb::Month>(month_option("to", values["to"].as<std::string>())) : std::nullopt;
  if (from && to && *to < *from) throw UsageError("--to " + to->to_string() + " is before --from " + from->to_string());
  std::optional<meb::BootstrapSettings> bootstrap = bootstrap_option(values);
  if (bootstrap) bootstrap->threads = values["threads"].as<unsigned>();
  const auto started = std::chrono::steady_clock::now();

  FileCache files;
  std::vector<meb::InputRecord> inputs;
  auto record = [&](const std::string& role, const std::string& path) {
    for (const auto& input : inputs)
      if (input.role == role && input.path == path) return;
    inputs.push_back(files.record(role, path));
  };
  std::optional<meb::AreaFile> areas;
  if (values.count("areas")) {
    const std::string path = values["areas"].as<std::string>();
    areas = meb::read_area_file(path);
    record("areas", path);
  }
  std::optional<meb::WideMapping> wide;
  if (values.count("wide-mapping")) {
    const std::string path = values["wide-mapping"].as<std::string>();
    wide = meb::load_wide_mapping(path);
    record("wide-mapping", path);
  }

  std::vector<std::unique_ptr<Baseline>> baselines;
  std::vector<ScenarioRun> runs;
  const auto paths = values["scenario"].as<std::vector<std::string>>();
  runs.reserve(paths.size());
  for (const auto& path : paths) {
    std::string text;
    try {
      text = files.content(path);
    } catch (const meb::InputError& error) {
      throw meb::ScenarioError(error.what());
    }
    record("scenario", path);
    const std::string baseline_path = meb::scenario_baseline(text, path);
    std::size_t index = baselines.size();
    for (std::size_t b = 0; b < baselines.size(); ++b)
      if (baselines[b]->path == baseline_path) index = b;
    if (index == baselines.size()) {
      auto baseline = std::make_unique<Baseline>();
      baseline->path = baseline_path;
      std::string methodology_text;
      try {
        methodology_text = files.content(baseline_path);
      } catch (const meb::InputError& error) {
        throw meb::ScenarioError(error.what() + std::string(" (the baseline of ") + path + ")");
      }
      baseline->methodology = meb::parse_methodology(methodology_text, baseline_path);
      if (wide) baseline->methodology.prices.wide = wide;
      record("methodology", baseline_path);
      baseline->prices = read_prices_for(baseline->methodology, values, files);
      for (const auto& prices : values["prices"].as<std::vector<std::string>>()) record("prices", prices);
      if (meb::needs_survey(baseline->methodology)) {
        if (!values.count("survey"))
          throw UsageError("the methodology " + baseline_path + " costs components from a household survey: give it with --survey FILE");
        const std::string survey = values["survey"].as<std::string>();
        baseline->survey = meb::read_survey(survey, files.content(survey), *baseline->methodology.survey);
        record("survey", survey);
      }
      baseline->plan = meb::plan_compute(baseline->methodology, baseline->prices, areas ? &*areas : nullptr, from, to);
      baseline->result = meb::evaluate_plan(baseline->plan, baseline->methodology,
                                            meb::market_values(baseline->plan.buckets, baseline->methodology.prices.statistic),
                                            baseline->survey ? &*baseline->survey : nullptr);
      baselines.push_back(std::move(baseline));
    }
    ScenarioRun run;
    run.baseline = index;
    run.scenario = meb::parse_scenario(text, path, baselines[index]->methodology);
    for (const auto& other : runs)
      if (other.scenario.id == run.scenario.id)
        throw UsageError("two scenarios have the id '" + run.scenario.id + "' (" + other.scenario.source_path + ", " + path +
                         "): ids name the scenarios in scenarios.csv");
    // A substitution or an added item that names a commodity the baseline does not price: plan once for it.
    const meb::Methodology planning = meb::planning_methodology(run.scenario);
    if (!meb::plan_covers(baselines[index]->plan, planning)) {
      const meb::PriceTable prices = read_prices_for(planning, values, files);
      run.own_plan = std::make_unique<meb::ComputePlan>(
          meb::plan_compute(planning, prices, areas ? &*areas : nullptr, from, to));
      run.new_commodities = meb::new_commodities(baselines[index]->plan, *run.own_plan);
    }
    runs.push_back(std::move(run));
  }

  for (auto& run : runs) {
    const Baseline& baseline = *baselines[run.baseline];
    const meb::ComputePlan& plan = run.own_plan ? *run.own_plan : baseline.plan;
    meb::ScenarioOptions scenario_options;
    scenario_options.threads = values["threads"].as<unsigned>();
    scenario_options.survey = baseline.survey ? &*baseline.survey : nullptr;
    run.result = meb::evaluate_scenario(run.scenario, plan, scenario_options);
    if (!bootstrap) continue;
    run.bootstrap.reserve(run.result.points);
    for (std::size_t p = 0; p < run.result.points; ++p)
      run.bootstrap.push_back(meb::bootstrap_point(run.scenario, p, plan, *bootstrap, scenario_options.survey));
  }

  std::vector<meb::ScenarioReport> reports;
  std::size_t rows = 0;
  for (const auto& run : runs) {
    reports.push_back({&run.scenario, &run.result, &baselines[run.baseline]->result, bootstrap ? &run.bootstrap : nullptr});
    rows += run.result.rows.size() * run.result.points;
  }
  std::string csv = meb::scenarios_csv(reports);

  meb::detail::JsonWriter json;
  json.begin_object();
  json.key("engine").begin_object().key("name").value("meb").key("version").value(meb::kVersion).end_object();
  json.key("command_line").begin_array();
  for (const auto& argument : command_line) json.value(argument);
  json.end_array();
  json.key("inputs").begin_array();
  for (const auto& input : inputs)
    json.begin_object().key("role").value(input.role).key("path").value(input.path).key("bytes").value(input.bytes)
        .key("sha256").value(input.sha256).end_object();
  json.end_array();
  json.key("baselines").begin_array();
  for (const auto& baseline : baselines) {
    const meb::Methodology& m = baseline->methodology;
    json.begin_object().key("id").value(m.id).key("name").value(m.name).key("version").value(m.version);
    json.key("file").value(m.source_path).key("currency").value(m.currency);
    json.key("household").value(m.household.describe()).key("transfer_rule").value(m.transfer.describe());
    json.key("months").begin_object().key("from").value(baseline->result.first.to_string())
        .key("to").value(baseline->result.last.to_string()).end_object();
    json.key("rows").value(baseline->result.rows.size()).end_object();
  }
  json.end_array();
  json.key("scenarios").begin_array();
  for (const auto& run : runs) {
    const meb::Scenario& s = run.scenario;
    json.begin_object().key("id").value(s.id).key("name").value(s.name).key("version").value(s.version);
    json.key("file").value(s.source_path).key("description").value(s.description);
    json.key("baseline").begin_object().key("id").value(s.baseline.id).key("version").value(s.baseline.version)
        .key("file").value(s.baseline.source_path).end_object();
    json.key("currency").value(run.result.currency);
    json.key("plan").begin_object().key("own").value(run.own_plan != nullptr);
    json.key("new_commodities").begin_array();
    for (const auto& name : run.new_commodities) json.value(name);
    json.end_array().end_object();
    json.key("changes").begin_array();
    for (const auto& change : s.changes)
      json.begin_object().key("kind").value(change.kind()).key("line").value(change.line).end_object();
    json.end_array();
    json.key("sweep").begin_array();
    for (const auto& parameter : s.sweep) {
      json.begin_object().key("path").value(parameter.path).key("line").value(parameter.line);
      json.key("values").begin_array();
      for (const double v : parameter.values) json.value(v);
      json.end_array().end_object();
    }
    json.end_array();
    json.key("points").value(run.result.points);
    json.key("point_order").value("nested loops over sweep.parameters in order: the first varies slowest, the last fastest");
    json.key("rows_per_point").value(run.result.rows.size());
    json.end_object();
  }
  json.end_array();
  json.key("bootstrap");
  if (bootstrap) {
    json.begin_object().key("replicates").value(bootstrap->replicates).key("seed").value(static_cast<std::size_t>(bootstrap->seed));
    json.key("percentiles").begin_array();
    for (const double p : bootstrap->percentiles) json.value(p);
    json.end_array();
    json.key("percentile_definition").value("Hyndman & Fan type 7 (linear interpolation between order statistics)");
    json.key("method").value(meb::describe_bootstrap_method(*bootstrap));
    json.key("currency").value("with a currency change, percentiles of the unrounded transfer value, converted, then rounded by the currency change's round");
    json.end_object();
  } else {
    json.null();
  }
  json.key("outputs").begin_object().key("scenarios.csv").begin_object().key("rows").value(rows).end_object().end_object();
  json.key("elapsed_seconds").value(std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  json.end_object();

  const std::string out = values["out"].as<std::string>();
  meb::write_files_atomically(out, {{"scenarios.csv", std::move(csv)}, {"manifest.json", json.str() + "\n"}});
  if (!values["quiet"].as<bool>()) {
    std::cout << "meb scenario: " << runs.size() << " scenario(s) on " << baselines.size() << " baseline(s):";
    for (const auto& run : runs)
      std::cout << " " << run.scenario.id << " (" << run.result.points << " point" << (run.result.points == 1 ? "" : "s")
                << (run.own_plan ? ", own plan" : "") << ")";
    std::cout << "; " << rows << " rows" << (bootstrap ? ", with bootstrap percentiles" : "") << "\nwrote " << out
              << "/scenarios.csv, manifest.json\n";
  }
  return kSuccess;
}

}  // namespace meb::cli

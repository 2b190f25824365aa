// The commands that compute: `meb compute`, `meb compare`, and `meb validate`.
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "meb/compare.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb::cli {

int run_compute(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb compute options");
  options.add_options()("help,h", "show this help")("methodology", po::value<std::string>(), "methodology YAML file")(
      "out", po::value<std::string>(), "output directory (created if needed)");
  add_input_options(options);
  add_bootstrap_options(options);
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb compute --prices FILE [--prices FILE ...] --methodology FILE --out DIR\n"
                 "                   [--from YYYY-MM] [--to YYYY-MM] [--areas FILE] [--survey FILE]\n"
                 "                   [--wide-mapping FILE] [--skip-bad-rows] [--food-composition CSV]\n"
                 "                   [--bootstrap N [--seed S] [--percentiles 5,50,95]]\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"prices", "methodology", "out"}, "meb compute");
  const std::optional<meb::BootstrapSettings> bootstrap_settings = bootstrap_option(values);
  const auto started = std::chrono::steady_clock::now();
  FileCache files;
  MethodologyRun computed =
      run_methodology(values["methodology"].as<std::string>(), values, files, command_line, std::nullopt);
  const meb::Methodology& methodology = computed.methodology;
  const meb::ComputeResult& result = computed.result;
  meb::RunRecord& run = computed.run;
  files.release_contents();  // parsed and hashed: the input's bytes are not needed for the outputs
  if (!bootstrap_settings) computed.plan.buckets = {};  // only a bootstrap evaluates the plan again

  // Confidence intervals: markets and quotes resampled, the plan evaluated again per replicate (docs/uncertainty.md).
  std::optional<meb::BootstrapResult> bootstrap;
  if (bootstrap_settings) {
    meb::BootstrapInputs inputs;
    inputs.survey = computed.survey ? &*computed.survey : nullptr;
    bootstrap = meb::bootstrap(computed.plan, methodology, *bootstrap_settings, inputs);
    run.bootstrap = *bootstrap_settings;
    run.bootstrap_exact_cells = bootstrap->exact_cells;
    run.bootstrap_explicit_cells = bootstrap->explicit_cells;
  }

  std::string transfer_values = meb::transfer_values_csv(methodology, result, bootstrap ? &*bootstrap : nullptr);
  run.outputs = {{"transfer_values.csv", result.rows.size()},
                 {"basket_costs.csv", result.rows.size() * result.lines.size()}};
  run.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string manifest = meb::manifest_json(methodology, *computed.prices, result, run);
  const std::string out = values["out"].as<std::string>();
  std::vector<std::pair<std::string, std::string>> files_out;
  files_out.emplace_back("transfer_values.csv", std::move(transfer_values));
  files_out.emplace_back("manifest.json", std::move(manifest));
  // basket_costs.csv (50 MB for a large country) goes to disk as it is formatted, never whole in memory.
  meb::write_files_atomically(
      out, files_out,
      {{"basket_costs.csv", [&](const meb::OutputSink& sink) { meb::write_basket_costs_csv(methodology, result, sink); }}});
  if (!values["quiet"].as<bool>()) {
    std::cout << "meb compute: " << methodology.id << " version " << methodology.version << ", "
              << result.rows.size() << " area-months from " << result.first.to_string() << " to "
              << result.last.to_string() << "; " << result.count_by_status[0] << " line prices observed, "
              << result.count_by_status[1] + result.count_by_status[2] << " filled, " << result.count_by_status[3]
              << " missing\n";
    if (bootstrap)
      std::cout << "bootstrap: " << bootstrap->settings.replicates << " replicates, seed " << bootstrap->settings.seed
                << ", percentiles in transfer_values.csv\n";
    std::cout << "wrote " << out << "/transfer_values.csv, basket_costs.csv, manifest.json\n";
    if (run.nutrition)
      std::cout << "nutrition: " << run.nutrition->warnings.size()
                << " warning(s), figures in manifest.json under \"nutrition\"\n";
    else
      std::cout << kNoFoodComposition << "\n";
  }
  return kSuccess;
}

int run_compare(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb compare options");
  options.add_options()("help,h", "show this help")(
      "methodology", po::value<std::vector<std::string>>()->composing(), "methodology YAML file; repeat, two or more")(
      "reference", po::value<std::string>(), "id of the methodology the others are compared with (default: the first)")(
      "household-size", po::value<double>(),
      "compare every method for a household of this size (a fixed size replaces each household model)")(
      "out", po::value<std::string>(), "output directory (created if needed)");
  add_input_options(options);
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb compare --methodology A.yaml --methodology B.yaml [...] --prices FILE [--survey FILE]\n"
                 "                   [--reference ID] [--household-size N] --out DIR [--from YYYY-MM] [--to YYYY-MM]\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"prices", "methodology", "out"}, "meb compare");
  const auto paths = values["methodology"].as<std::vector<std::string>>();
  if (paths.size() < 2) throw UsageError("meb compare needs at least two --methodology files");
  std::optional<double> household_size;
  if (values.count("household-size")) {
    household_size = values["household-size"].as<double>();
    if (!(*household_size >= 1.0))
      throw UsageError("--household-size expects a size of at least 1, got " + meb::format_number(*household_size));
  }
  const auto started = std::chrono::steady_clock::now();
  FileCache files;
  std::vector<MethodologyRun> runs;
  runs.reserve(paths.size());
  for (const auto& path : paths) runs.push_back(run_methodology(path, values, files, command_line, household_size));
  std::size_t reference = 0;
  if (values.count("reference")) {
    const std::string id = values["reference"].as<std::string>();
    std::string ids;
    bool found = false;
    for (std::size_t r = 0; r < runs.size(); ++r) {
      ids += (ids.empty() ? "" : ", ") + runs[r].methodology.id;
      if (runs[r].methodology.id == id && !found) {
        reference = r;
        found = true;
      }
    }
    if (!found) throw UsageError("--reference '" + id + "' is not the id of a compared methodology (" + ids + ")");
  }
  for (std::size_t a = 0; a < runs.size(); ++a)
    for (std::size_t b = a + 1; b < runs.size(); ++b)
      if (runs[a].methodology.id == runs[b].methodology.id)
        throw UsageError("two compared methodologies have the id '" + runs[a].methodology.id + "' (" + paths[a] +
                         ", " + paths[b] + "): ids name the methods in the outputs");

  std::vector<meb::MethodRun> method_runs;
  for (const auto& run : runs) method_runs.push_back({&run.methodology, &run.result});
  meb::Comparison comparison = meb::compare_methods(method_runs, reference);

  // Each method's own outputs too, under its id, so that every compared number can be traced.
  std::vector<std::pair<std::string, std::string>> outputs;
  std::vector<meb::StreamedOutput> basket_costs;  // written as formatted, never whole in memory
  for (auto& run : runs) {
    const std::string prefix = run.methodology.id + "/";
    run.run.outputs = {{"transfer_values.csv", run.result.rows.size()},
                       {"basket_costs.csv", run.result.rows.size() * run.result.lines.size()}};
    run.run.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    outputs.emplace_back(prefix + "transfer_values.csv", meb::transfer_values_csv(run.methodology, run.result));
    basket_costs.push_back({prefix + "basket_costs.csv", [&run](const meb::OutputSink& sink) {
                              meb::write_basket_costs_csv(run.methodology, run.result, sink);
                            }});
    outputs.emplace_back(prefix + "manifest.json", meb::manifest_json(run.methodology, *run.prices, run.result, run.run));
  }
  outputs.emplace_back("comparison.csv", std::move(comparison.comparison_csv));
  outputs.emplace_back("components.csv", std::move(comparison.components_csv));
  outputs.emplace_back("summary.md", std::move(comparison.summary_md));
  const std::string out = values["out"].as<std::string>();
  meb::write_files_atomically(out, outputs, basket_costs);
  if (!values["quiet"].as<bool>()) {
    std::cout << "meb compare: " << runs.size() << " methodologies, reference " << runs[reference].methodology.id
              << "; " << comparison.comparison_rows << " comparison rows, " << comparison.component_rows
              << " component rows\nwrote " << out << "/comparison.csv, components.csv, summary.md and one folder per "
              << "methodology\n";
  }
  return kSuccess;
}

int run_validate(const std::vector<std::string>& arguments) {
  po::options_description options("meb validate options");
  options.add_options()("help,h", "show this help")(
      "methodology", po::value<std::vector<std::string>>()->composing(), "methodology YAML file; repeat for several")(
      "food-composition", po::value<std::string>(),
      "food composition CSV for the nutrition check; overrides nutrition.food_composition");
  po::positional_options_description positional;
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb validate --methodology FILE [--methodology FILE ...] [--food-composition CSV]\n\n"
              << options;
    return kSuccess;
  }
  if (!values.count("methodology")) throw UsageError("meb validate needs --methodology (see meb validate --help)");
  for (const auto& path : values["methodology"].as<std::vector<std::string>>()) {
    const meb::Methodology methodology = meb::load_methodology(path);
    std::cout << meb::summarise(methodology);
    // Nutrition warnings are not errors: the methodology is still valid and the exit code stays 0.
    if (const auto nutrition = nutrition_check(methodology, values, nullptr)) std::cout << meb::summarise(*nutrition);
    else std::cout << kNoFoodComposition << "\n";
    std::cout << "valid\n";
  }
  return kSuccess;
}

}  // namespace meb::cli

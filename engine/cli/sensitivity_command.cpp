// `meb sensitivity`: per area and month, the price elasticities of the MEB and the transfer value, the
// transfer value after a change of each parameter, and the data of a tornado chart (docs/sensitivity.md).
#include <chrono>
#include <iostream>

#include "common.hpp"
#include "meb/sensitivity.hpp"
#include "meb/survey.hpp"

namespace meb::cli {

int run_sensitivity(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb sensitivity options");
  options.add_options()("help,h", "show this help")("methodology", po::value<std::string>(), "methodology YAML file")(
      "out", po::value<std::string>(), "output directory (created if needed)");
  add_input_options(options);
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb sensitivity --prices FILE [--prices FILE ...] --methodology FILE --out DIR\n"
                 "                       [--from YYYY-MM] [--to YYYY-MM] [--areas FILE] [--survey FILE]\n"
                 "                       [--wide-mapping FILE] [--skip-bad-rows] [--food-composition CSV] [--quiet]\n\n"
                 "writes elasticities.csv, parameters.csv, tornado.csv and manifest.json (docs/outputs.md)\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"prices", "methodology", "out"}, "meb sensitivity");
  const auto started = std::chrono::steady_clock::now();
  FileCache files;
  MethodologyRun computed =
      run_methodology(values["methodology"].as<std::string>(), values, files, command_line, std::nullopt);
  const meb::Methodology& methodology = computed.methodology;
  const meb::ComputeResult& result = computed.result;
  meb::RunRecord& run = computed.run;

  // The household and parameter changes evaluate the run's own plan again.
  const meb::ComputePlan& plan = computed.plan;
  const std::optional<meb::Survey>& survey = computed.survey;
  const std::vector<double> market = meb::market_values(plan.buckets, methodology.prices.statistic);
  const meb::Sensitivity sensitivity =
      meb::compute_sensitivity(plan, methodology, market, result, survey ? &*survey : nullptr);

  std::string elasticities = meb::elasticities_csv(result, sensitivity);
  std::string parameters = meb::parameters_csv(result, sensitivity);
  std::string tornado = meb::tornado_csv(result, sensitivity);
  run.outputs = {{"elasticities.csv", result.rows.size() * result.lines.size()},
                 {"parameters.csv", result.rows.size() * sensitivity.parameters.size()},
                 {"tornado.csv", result.rows.size() * sensitivity.factors.size()}};
  run.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string manifest = meb::manifest_json(methodology, *computed.prices, result, run);
  const std::string out = values["out"].as<std::string>();
  meb::write_files_atomically(out, {{"elasticities.csv", std::move(elasticities)},
                                    {"parameters.csv", std::move(parameters)},
                                    {"tornado.csv", std::move(tornado)},
                                    {"manifest.json", std::move(manifest)}});
  if (!values["quiet"].as<bool>()) {
    std::cout << "meb sensitivity: " << methodology.id << " version " << methodology.version << ", "
              << result.rows.size() << " area-months from " << result.first.to_string() << " to "
              << result.last.to_string() << "; " << result.lines.size() << " basket lines, "
              << sensitivity.parameters.size() << " parameter changes, " << sensitivity.factors.size()
              << " tornado factors\n"
              << "wrote " << out << "/elasticities.csv, parameters.csv, tornado.csv, manifest.json\n";
  }
  return kSuccess;
}

}  // namespace meb::cli

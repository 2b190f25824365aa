// The `meb` command: a thin layer over meb::engine. It parses the command line, reads the inputs at the
// edge, calls the library, writes the outputs atomically, and maps each kind of error to its exit code.
#include <chrono>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "meb/compare.hpp"
#include "meb/compute.hpp"
#include "meb/error.hpp"
#include "meb/methodology.hpp"
#include "meb/nutrition.hpp"
#include "meb/outputs.hpp"
#include "meb/prices.hpp"
#include "meb/sha256.hpp"
#include "meb/survey.hpp"
#include "meb/csv.hpp"
#include "meb/version.hpp"

namespace po = boost::program_options;

namespace {

// Exit codes, documented in the README.
constexpr int kSuccess = 0;
constexpr int kInternalError = 1;
constexpr int kUsageError = 2;
constexpr int kInputError = 3;
constexpr int kMethodologyError = 4;
constexpr int kOutputError = 5;

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr const char* kUsage =
    "usage: meb <command> [options]\n"
    "\n"
    "commands:\n"
    "  compute   SMEB, MEB and transfer value per area and month from price files and a methodology\n"
    "  validate  check a methodology file and print a summary of it\n"
    "  compare   run several methodologies on the same inputs and explain how far apart they land\n"
    "\n"
    "Run `meb <command> --help` for a command's options. `meb --version` prints the engine version.\n";

meb::Month month_option(const std::string& name, const std::string& text) {
  const auto month = meb::parse_month(text);
  if (!month || text.size() != 7) throw UsageError("--" + name + " expects a month YYYY-MM, got '" + text + "'");
  return *month;
}

po::variables_map parse(const po::options_description& options, const std::vector<std::string>& arguments) {
  po::variables_map values;
  try {
    po::store(po::command_line_parser(arguments).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(error.what());
  }
  return values;
}

meb::InputRecord record_input(const std::string& role, const std::string& path, const std::string& content) {
  return meb::InputRecord{role, path, content.size(), meb::sha256_hex(content)};
}

constexpr const char* kNoFoodComposition =
    "nutrition not checked: no food composition table (use --food-composition or nutrition.food_composition)";

/// The nutrition check of the food basket, with the table given by --food-composition, else by the
/// methodology's nutrition.food_composition; nothing when neither names one. The table is recorded as an
/// input of `run` when one is given.
std::optional<meb::NutritionReport> nutrition_check(const meb::Methodology& methodology, const po::variables_map& values,
                                                    meb::RunRecord* run) {
  const std::string path = values.count("food-composition") ? values["food-composition"].as<std::string>()
                                                            : methodology.food_composition;
  if (path.empty()) return std::nullopt;
  const std::string content = meb::read_file(path);
  const meb::FoodComposition table = meb::parse_food_composition(path, content);
  if (run) run->inputs.push_back(record_input("food_composition", path, content));
  return meb::check_nutrition(methodology, table, methodology.nutrition);
}

/// Every input file read once per command, whatever the number of methodologies that use it.
class FileCache {
 public:
  const std::string& content(const std::string& path) {
    auto it = files_.find(path);
    if (it == files_.end()) it = files_.emplace(path, meb::read_file(path)).first;
    return it->second;
  }

 private:
  std::map<std::string, std::string> files_;
};

/// The options every computing command shares: the inputs and the months.
void add_input_options(po::options_description& options) {
  options.add_options()(
      "prices", po::value<std::vector<std::string>>()->composing(),
      "price file (WFP/HDX current or old layout, long CSV, or wide export); repeat for several files")(
      "from", po::value<std::string>(), "first month to report, YYYY-MM")(
      "to", po::value<std::string>(), "last month to report, YYYY-MM")(
      "areas", po::value<std::string>(), "areas file mapping markets to admin2 and admin1 (CSV)")(
      "survey", po::value<std::string>(),
      "household survey table (CSV) for expenditure-based components and a measured food share")(
      "wide-mapping", po::value<std::string>(),
      "YAML mapping for a wide survey export (date, market, admin1, admin2, columns); overrides prices.wide")(
      "skip-bad-rows", po::bool_switch(), "skip bad price rows, counting and listing them in the manifest")(
      "food-composition", po::value<std::string>(),
      "food composition CSV for the nutrition check in the manifest; overrides nutrition.food_composition")(
      "quiet,q", po::bool_switch(), "print nothing on success");
}

/// One methodology with everything it was computed from and its result.
struct MethodologyRun {
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::RunRecord run;
  meb::ComputeResult result;
};

/// Reads a methodology and its inputs (through `files`, so each file is read once) and computes it.
/// `household_size`, when given, replaces the household model by a fixed size (comparisons).
MethodologyRun run_methodology(const std::string& methodology_path, const po::variables_map& values, FileCache& files,
                               const std::vector<std::string>& command_line, std::optional<double> household_size) {
  const std::optional<meb::Month> from =
      values.count("from") ? std::optional<meb::Month>(month_option("from", values["from"].as<std::string>())) : std::nullopt;
  const std::optional<meb::Month> to =
      values.count("to") ? std::optional<meb::Month>(month_option("to", values["to"].as<std::string>())) : std::nullopt;
  if (from && to && *to < *from) throw UsageError("--to " + to->to_string() + " is before --from " + from->to_string());

  MethodologyRun out;
  std::string methodology_text;
  try {
    methodology_text = files.content(methodology_path);
  } catch (const meb::InputError& error) {
    throw meb::MethodologyError(error.what());
  }
  out.methodology = meb::parse_methodology(methodology_text, methodology_path);
  meb::Methodology& methodology = out.methodology;
  if (household_size) {
    methodology.household = meb::Household{};
    methodology.household.size = *household_size;
  }
  out.run.command_line = command_line;
  out.run.inputs.push_back(record_input("methodology", methodology_path, methodology_text));
  if (values.count("wide-mapping")) {
    const std::string path = values["wide-mapping"].as<std::string>();
    methodology.prices.wide = meb::load_wide_mapping(path);
    out.run.inputs.push_back(record_input("wide-mapping", path, files.content(path)));
  }
  const meb::PriceFilter filter = meb::make_price_filter(methodology, values["skip-bad-rows"].as<bool>());
  for (const auto& path : values["prices"].as<std::vector<std::string>>()) {
    meb::read_prices(path, files.content(path), filter, out.prices);
    out.run.inputs.push_back(record_input("prices", path, files.content(path)));
  }
  std::optional<meb::AreaFile> areas;
  if (values.count("areas")) {
    const std::string path = values["areas"].as<std::string>();
    areas = meb::read_area_file(path);
    out.run.inputs.push_back(record_input("areas", path, files.content(path)));
  }
  std::optional<meb::Survey> survey;
  if (meb::needs_survey(methodology)) {
    if (!values.count("survey"))
      throw UsageError("the methodology " + methodology_path +
                       " costs components from a household survey: give it with --survey FILE");
    const std::string path = values["survey"].as<std::string>();
    survey = meb::read_survey(path, files.content(path), *methodology.survey);
    out.run.inputs.push_back(record_input("survey", path, files.content(path)));
    out.run.survey_households = static_cast<std::size_t>(survey->households());
    out.run.survey_dropped = survey->dropped;
  }
  out.run.nutrition = nutrition_check(methodology, values, &out.run);
  out.result = meb::compute(methodology, out.prices, areas ? &*areas : nullptr, from, to, survey ? &*survey : nullptr);
  return out;
}

void require(const po::variables_map& values, std::initializer_list<const char*> names, const std::string& command) {
  for (const char* name : names)
    if (!values.count(name)) throw UsageError(command + " needs --" + name + " (see " + command + " --help)");
}

int run_compute(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line) {
  po::options_description options("meb compute options");
  options.add_options()("help,h", "show this help")("methodology", po::value<std::string>(), "methodology YAML file")(
      "out", po::value<std::string>(), "output directory (created if needed)");
  add_input_options(options);
  const po::variables_map values = parse(options, arguments);
  if (values.count("help")) {
    std::cout << "usage: meb compute --prices FILE [--prices FILE ...] --methodology FILE --out DIR\n"
                 "                   [--from YYYY-MM] [--to YYYY-MM] [--areas FILE] [--survey FILE]\n"
                 "                   [--wide-mapping FILE] [--skip-bad-rows] [--food-composition CSV]\n\n"
              << options;
    return kSuccess;
  }
  require(values, {"prices", "methodology", "out"}, "meb compute");
  const auto started = std::chrono::steady_clock::now();
  FileCache files;
  MethodologyRun computed =
      run_methodology(values["methodology"].as<std::string>(), values, files, command_line, std::nullopt);
  const meb::Methodology& methodology = computed.methodology;
  const meb::ComputeResult& result = computed.result;
  meb::RunRecord& run = computed.run;

  std::string transfer_values = meb::transfer_values_csv(methodology, result);
  std::string basket_costs = meb::basket_costs_csv(methodology, result);
  run.outputs = {{"transfer_values.csv", result.rows.size()},
                 {"basket_costs.csv", result.rows.size() * result.lines.size()}};
  run.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::string manifest = meb::manifest_json(methodology, computed.prices, result, run);
  const std::string out = values["out"].as<std::string>();
  meb::write_files_atomically(out, {{"transfer_values.csv", std::move(transfer_values)},
                                    {"basket_costs.csv", std::move(basket_costs)},
                                    {"manifest.json", std::move(manifest)}});
  if (!values["quiet"].as<bool>()) {
    std::cout << "meb compute: " << methodology.id << " version " << methodology.version << ", "
              << result.rows.size() << " area-months from " << result.first.to_string() << " to "
              << result.last.to_string() << "; " << result.count_by_status[0] << " line prices observed, "
              << result.count_by_status[1] + result.count_by_status[2] << " filled, " << result.count_by_status[3]
              << " missing\n"
              << "wrote " << out << "/transfer_values.csv, basket_costs.csv, manifest.json\n";
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
  for (auto& run : runs) {
    const std::string prefix = run.methodology.id + "/";
    run.run.outputs = {{"transfer_values.csv", run.result.rows.size()},
                       {"basket_costs.csv", run.result.rows.size() * run.result.lines.size()}};
    run.run.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    outputs.emplace_back(prefix + "transfer_values.csv", meb::transfer_values_csv(run.methodology, run.result));
    outputs.emplace_back(prefix + "basket_costs.csv", meb::basket_costs_csv(run.methodology, run.result));
    outputs.emplace_back(prefix + "manifest.json", meb::manifest_json(run.methodology, run.prices, run.result, run.run));
  }
  outputs.emplace_back("comparison.csv", std::move(comparison.comparison_csv));
  outputs.emplace_back("components.csv", std::move(comparison.components_csv));
  outputs.emplace_back("summary.md", std::move(comparison.summary_md));
  const std::string out = values["out"].as<std::string>();
  meb::write_files_atomically(out, outputs);
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

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> command_line(argv, argv + argc);
  try {
    if (argc < 2) throw UsageError("no command given");
    const std::string command = argv[1];
    const std::vector<std::string> arguments(argv + 2, argv + argc);
    if (command == "--help" || command == "-h" || command == "help") {
      std::cout << kUsage;
      return kSuccess;
    }
    if (command == "--version") {
      std::cout << "meb " << meb::kVersion << "\n";
      return kSuccess;
    }
    if (command == "compute") return run_compute(arguments, command_line);
    if (command == "validate") return run_validate(arguments);
    if (command == "compare") return run_compare(arguments, command_line);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& error) {
    std::cerr << "meb: usage error: " << error.what() << "\n\n" << kUsage;
    return kUsageError;
  } catch (const meb::MethodologyError& error) {
    std::cerr << "meb: methodology error:\n" << error.what() << "\n";
    return kMethodologyError;
  } catch (const meb::InputError& error) {
    std::cerr << "meb: input error: " << error.what() << "\n";
    return kInputError;
  } catch (const meb::OutputError& error) {
    std::cerr << "meb: output error: " << error.what() << "\n";
    return kOutputError;
  } catch (const std::exception& error) {
    std::cerr << "meb: internal error: " << error.what() << "\n";
    return kInternalError;
  }
}

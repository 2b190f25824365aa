#include "common.hpp"

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/sha256.hpp"
#include "meb/survey.hpp"

namespace meb::cli {

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

const std::string& FileCache::content(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) it = files_.emplace(path, meb::read_file(path)).first;
  return it->second;
}

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

}  // namespace meb::cli

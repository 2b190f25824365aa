#include "common.hpp"

#include <cstdint>
#include <limits>

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

/// meb::nutrition_check with the table given by --food-composition, else the methodology's own, if any.
std::optional<meb::NutritionReport> nutrition_check(const meb::Methodology& methodology, const po::variables_map& values,
                                                    meb::RunRecord* run) {
  return meb::nutrition_check(methodology,
                              values.count("food-composition") ? values["food-composition"].as<std::string>() : "", run);
}

const std::string& FileCache::content(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) it = files_.emplace(path, meb::read_file(path)).first;
  return it->second;
}

meb::InputRecord FileCache::record(const std::string& role, const std::string& path) {
  auto it = digests_.find(path);
  if (it == digests_.end()) {
    const std::string& bytes = content(path);
    it = digests_.emplace(path, meb::StreamedFile{bytes.size(), meb::sha256_hex(bytes)}).first;
  }
  return meb::InputRecord{role, path, it->second.bytes, it->second.sha256};
}

namespace {
/// The files and what decides which of their quotes are kept: one parse per distinct key.
std::string filter_key(const std::vector<std::string>& paths, const meb::PriceFilter& filter) {
  std::string key;
  for (const auto& path : paths) key += path + '\x1f';
  return key + '\x1d' + meb::cache_key(filter);
}
}  // namespace

std::shared_ptr<const meb::PriceTable> FileCache::prices(const std::vector<std::string>& paths,
                                                         const meb::PriceFilter& filter) {
  const std::string key = filter_key(paths, filter);
  auto it = tables_.find(key);
  if (it == tables_.end()) {
    auto table = std::make_shared<meb::PriceTable>();
    for (const auto& path : paths) {
      if (const auto held = files_.find(path); held != files_.end()) {
        meb::read_prices(path, held->second, filter, *table);
      } else {
        meb::StreamedFile streamed = meb::read_price_file_hashed(path, filter, *table);
        digests_.emplace(path, std::move(streamed));
      }
    }
    it = tables_.emplace(key, std::move(table)).first;
  }
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
MethodologyInputs methodology_inputs(const po::variables_map& values) {
  MethodologyInputs inputs;
  if (values.count("prices")) inputs.prices = values["prices"].as<std::vector<std::string>>();
  for (auto [name, field] : {std::pair{"areas", &inputs.areas}, std::pair{"survey", &inputs.survey},
                             std::pair{"wide-mapping", &inputs.wide_mapping}})
    if (values.count(name)) *field = values[name].as<std::string>();
  if (values.count("food-composition")) inputs.food_composition = values["food-composition"].as<std::string>();
  inputs.skip_bad_rows = values.count("skip-bad-rows") && values["skip-bad-rows"].as<bool>();
  if (values.count("from")) inputs.from = month_option("from", values["from"].as<std::string>());
  if (values.count("to")) inputs.to = month_option("to", values["to"].as<std::string>());
  if (inputs.from && inputs.to && *inputs.to < *inputs.from)
    throw UsageError("--to " + inputs.to->to_string() + " is before --from " + inputs.from->to_string());
  return inputs;
}

MethodologyRun run_methodology(const std::string& methodology_path, const po::variables_map& values, FileCache& files,
                               const std::vector<std::string>& command_line, std::optional<double> household_size) {
  return run_methodology(methodology_path, methodology_inputs(values), files, command_line, household_size);
}

MethodologyRun run_methodology(const std::string& methodology_path, const MethodologyInputs& inputs, FileCache& files,
                               const std::vector<std::string>& command_line, std::optional<double> household_size) {
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
  out.run.inputs.push_back(files.record("methodology", methodology_path));
  if (inputs.wide_mapping) {
    methodology.prices.wide = meb::load_wide_mapping(*inputs.wide_mapping);
    out.run.inputs.push_back(files.record("wide-mapping", *inputs.wide_mapping));
  }
  const meb::PriceFilter filter = meb::make_price_filter(methodology, inputs.skip_bad_rows);
  out.prices = files.prices(inputs.prices, filter);
  for (const auto& path : inputs.prices) out.run.inputs.push_back(files.record("prices", path));
  std::optional<meb::AreaFile> areas;
  if (inputs.areas) {
    areas = meb::read_area_file(*inputs.areas);
    out.run.inputs.push_back(files.record("areas", *inputs.areas));
  }
  std::optional<meb::Survey>& survey = out.survey;
  if (meb::needs_survey(methodology)) {
    if (!inputs.survey)
      throw UsageError("the methodology " + methodology_path +
                       " costs components from a household survey: give it with --survey FILE");
    const std::string& path = *inputs.survey;
    survey = meb::read_survey(path, files.content(path), *methodology.survey);
    out.run.inputs.push_back(files.record("survey", path));
    out.run.survey_households = static_cast<std::size_t>(survey->households());
    out.run.survey_dropped = survey->dropped;
  }
  out.run.nutrition = meb::nutrition_check(methodology, inputs.food_composition, &out.run);
  // meb::compute, with the plan kept for a bootstrap.
  out.plan = meb::plan_compute(methodology, *out.prices, areas ? &*areas : nullptr, inputs.from, inputs.to);
  out.result = meb::evaluate_plan(out.plan, methodology, meb::market_values(out.plan.buckets, methodology.prices.statistic),
                                  survey ? &*survey : nullptr);
  return out;
}

void add_bootstrap_options(po::options_description& options) {
  options.add_options()(
      "bootstrap", po::value<std::string>(),
      "add bootstrap percentiles of SMEB, MEB and transfer value from N replicates (markets, then quotes, resampled)")(
      "seed", po::value<std::string>(), "bootstrap seed, a whole number (default 1): the same seed gives the same bytes")(
      "percentiles", po::value<std::string>(), "bootstrap percentiles, increasing, in [0, 100] (default 5,50,95)");
}

namespace {
/// A whole number written in decimal digits only (no sign, no exponent), at most 2^64 - 1.
std::optional<std::uint64_t> parse_whole(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return value;
}
}  // namespace

std::optional<meb::BootstrapSettings> bootstrap_option(const po::variables_map& values) {
  if (!values.count("bootstrap")) {
    for (const char* name : {"seed", "percentiles"})
      if (values.count(name)) throw UsageError(std::string("--") + name + " needs --bootstrap N");
    return std::nullopt;
  }
  meb::BootstrapSettings settings;
  const std::string replicates = values["bootstrap"].as<std::string>();
  const auto count = parse_whole(replicates);
  if (!count || *count == 0)
    throw UsageError("--bootstrap expects a number of replicates of at least 1, got '" + replicates + "'");
  settings.replicates = static_cast<std::size_t>(*count);
  if (values.count("seed")) {
    const std::string seed = values["seed"].as<std::string>();
    const auto parsed = parse_whole(seed);
    if (!parsed) throw UsageError("--seed expects a whole number from 0 to 18446744073709551615, got '" + seed + "'");
    settings.seed = *parsed;
  }
  if (values.count("percentiles")) {
    const std::string text = values["percentiles"].as<std::string>();
    settings.percentiles.clear();
    std::size_t begin = 0;
    while (true) {
      const std::size_t comma = text.find(',', begin);
      const std::string item(
          meb::detail::trim(text.substr(begin, comma == std::string::npos ? std::string::npos : comma - begin)));
      double value = 0.0;
      if (!meb::detail::parse_double(item, value))
        throw UsageError("--percentiles expects numbers separated by commas such as 5,50,95, got '" + text + "'");
      settings.percentiles.push_back(value);
      if (comma == std::string::npos) break;
      begin = comma + 1;
    }
  }
  try {
    meb::validate(settings);
  } catch (const std::invalid_argument& error) {
    const std::string given = values.count("percentiles") ? values["percentiles"].as<std::string>() : "5,50,95";
    throw UsageError("--percentiles " + given + ": " + error.what());
  }
  return settings;
}

void require(const po::variables_map& values, std::initializer_list<const char*> names, const std::string& command) {
  for (const char* name : names)
    if (!values.count(name)) throw UsageError(command + " needs --" + name + " (see " + command + " --help)");
}

}  // namespace meb::cli

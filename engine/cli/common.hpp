#pragma once
// What the `meb` commands share: exit codes, option parsing, reading a methodology's inputs once, and
// computing it. Each command lives in its own file (compute, validate, compare, ...) and main.cpp dispatches.
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/program_options.hpp>

#include "meb/bootstrap.hpp"
#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/nutrition.hpp"
#include "meb/outputs.hpp"
#include "meb/prices.hpp"
#include "meb/survey.hpp"

namespace meb::cli {

namespace po = boost::program_options;

// Exit codes, documented in the README.
constexpr int kSuccess = 0;
constexpr int kInternalError = 1;
constexpr int kUsageError = 2;
constexpr int kInputError = 3;
constexpr int kMethodologyError = 4;
constexpr int kOutputError = 5;
constexpr int kHistoryError = 6;

/// A command line that cannot be run as written (exit code 2).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};


constexpr const char* kNoFoodComposition =
    "nutrition not checked: no food composition table (use --food-composition or nutrition.food_composition)";

/// "--from" and "--to": a month YYYY-MM. Throws UsageError otherwise.
meb::Month month_option(const std::string& name, const std::string& text);
po::variables_map parse(const po::options_description& options, const std::vector<std::string>& arguments);
/// Throws UsageError naming the first option of `names` that is absent.
void require(const po::variables_map& values, std::initializer_list<const char*> names, const std::string& command);

/// meb::nutrition_check with the table given by --food-composition, else the methodology's own, if any.
std::optional<meb::NutritionReport> nutrition_check(const meb::Methodology& methodology, const po::variables_map& values,
                                                    meb::RunRecord* run);

/// Every input file read once per command, whatever the number of methodologies that use it; its SHA-256
/// computed once; and the price files parsed once per price filter (methodologies of the same items, price
/// type and currency share one parse: `meb compare` and `meb batch` over five methods read the file once).
/// Price files are streamed from disk (parsed and hashed chunk by chunk), never held whole in memory.
class FileCache {
 public:
  const std::string& content(const std::string& path);
  /// The input record (bytes, SHA-256) of a file, hashed once.
  meb::InputRecord record(const std::string& role, const std::string& path);
  /// Frees the files' bytes (their records and parsed tables stay): a command that has computed everything it
  /// reads keeps its peak memory to one of the input or the outputs, not both.
  void release_contents() { files_.clear(); }
  /// The quotes of `paths` kept by `filter`, parsed once per distinct filter.
  std::shared_ptr<const meb::PriceTable> prices(const std::vector<std::string>& paths, const meb::PriceFilter& filter);

 private:
  std::map<std::string, std::string> files_;
  std::map<std::string, meb::StreamedFile> digests_;  ///< bytes and SHA-256 of every file read
  std::map<std::string, std::shared_ptr<const meb::PriceTable>> tables_;
};

/// The options every computing command shares: the inputs and the months.
void add_input_options(po::options_description& options);

/// One methodology with everything it was computed from and its result.
struct MethodologyRun {
  meb::Methodology methodology;
  std::shared_ptr<const meb::PriceTable> prices;  ///< shared with the FileCache and the runs of the same filter
  meb::RunRecord run;
  meb::ComputePlan plan;               ///< what `result` was evaluated from (a bootstrap evaluates it again)
  std::optional<meb::Survey> survey;   ///< when the methodology reads one
  meb::ComputeResult result;
};

/// The files a methodology is computed from, and the reported months: from the command line's options, or
/// from a batch file.
struct MethodologyInputs {
  std::vector<std::string> prices;
  std::optional<std::string> areas;
  std::optional<std::string> survey;
  std::optional<std::string> wide_mapping;
  std::string food_composition;  ///< "" = the methodology's nutrition.food_composition, if any
  bool skip_bad_rows = false;
  std::optional<meb::Month> from;
  std::optional<meb::Month> to;
};

/// The inputs add_input_options() declares. Throws UsageError for a bad month or --to before --from.
MethodologyInputs methodology_inputs(const po::variables_map& values);

/// Reads a methodology and its inputs (through `files`, so each file is read once) and computes it.
/// `household_size`, when given, replaces the household model by a fixed size (comparisons).
MethodologyRun run_methodology(const std::string& methodology_path, const MethodologyInputs& inputs, FileCache& files,
                               const std::vector<std::string>& command_line, std::optional<double> household_size);
MethodologyRun run_methodology(const std::string& methodology_path, const po::variables_map& values, FileCache& files,
                               const std::vector<std::string>& command_line, std::optional<double> household_size);

/// `--bootstrap N`, `--seed S` and `--percentiles LIST`: confidence intervals (docs/uncertainty.md).
void add_bootstrap_options(po::options_description& options);

/// The bootstrap the options ask for; nothing without --bootstrap. Throws UsageError naming the option and the
/// value: N not a whole number of at least 1, a seed that is not a whole number, percentiles outside [0, 100], not
/// numbers or not increasing, --seed or --percentiles without --bootstrap.
std::optional<meb::BootstrapSettings> bootstrap_option(const po::variables_map& values);

// The commands.
int run_compute(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line);
int run_validate(const std::vector<std::string>& arguments);
int run_compare(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line);
int run_sensitivity(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line);
int run_scenario(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line);
int run_batch(const std::vector<std::string>& arguments, const std::vector<std::string>& command_line);
int run_history(const std::vector<std::string>& arguments);

}  // namespace meb::cli

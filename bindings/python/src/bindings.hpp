#pragma once
// What the files of the `_meb` module share: the Python-side value types (a price table that keeps the
// bytes it was read from, a methodology with its YAML text, a computed run) and the small helpers that
// move data across the boundary. Each concept binds itself in its own file through bind_<concept>().
//
// The module orchestrates the library the way engine/cli does (read the inputs once, plan, evaluate,
// bootstrap, compare), without calling the CLI: the same library calls give the same numbers, and the
// tables are the engine's own CSV writers' text, so columns and number formatting are the CLI's.
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>  // str or os.PathLike for path arguments

#include "meb/bootstrap.hpp"
#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/month.hpp"
#include "meb/outputs.hpp"
#include "meb/prices.hpp"
#include "meb/survey.hpp"

namespace meb::python {

namespace py = pybind11;

void bind_errors(py::module_& m);
void bind_run_options(py::module_& m);
void bind_prices(py::module_& m);
void bind_methodology(py::module_& m);
void bind_compute(py::module_& m);
void bind_compare(py::module_& m);
void bind_scenario(py::module_& m);
void bind_sensitivity(py::module_& m);
void bind_harmonise(py::module_& m);
void bind_history(py::module_& m);

/// One input as the engine reads it: its bytes and the name messages give it (a path, or a pseudo path
/// such as "<DataFrame>" for text handed over from Python).
struct InputFile {
  std::string path;
  std::string content;
};

/// From Python: a path (read from disk with meb::read_file, whose InputError names it) or a
/// (name, text) pair.
using InputSpec = std::pair<std::string, std::optional<std::string>>;
[[nodiscard]] InputFile read_input(const InputSpec& spec);

/// A methodology and the YAML text it was parsed from (the manifest hashes that text).
struct LoadedMethodology {
  meb::Methodology methodology;
  std::string yaml;
};
/// Shared, never modified once parsed (non-const only because pybind11 holders are).
using MethodologyPtr = std::shared_ptr<LoadedMethodology>;

/// The parse the CLI does: the text read (a missing file is a MethodologyError, as in `meb compute`),
/// then parse_methodology, which collects every problem of the file.
[[nodiscard]] MethodologyPtr methodology_from_file(const std::string& path);
[[nodiscard]] MethodologyPtr methodology_from_text(const std::string& yaml, const std::string& name);

/// Price files kept as bytes, read into a PriceTable once per distinct PriceFilter. A methodology's table
/// is read exactly as `meb compute` reads it (its price type, flags, currency and basket commodities), so
/// a table loaded once serves any methodology.
class Prices {
 public:
  Prices(std::vector<InputFile> files, bool skip_bad_rows);

  [[nodiscard]] const std::vector<InputFile>& files() const { return files_; }
  [[nodiscard]] bool skip_bad_rows() const { return skip_bad_rows_; }

  /// The table as `methodology` reads it.
  [[nodiscard]] std::shared_ptr<const meb::PriceTable> table_for(const meb::Methodology& methodology) const;
  /// Every commodity, price type and currency (price flag "actual", as the engine's default): the summary
  /// of a table loaded without a methodology. Bad rows are skipped and listed, never an error: no
  /// commodity is in use yet, and `meb compute` only fails on bad rows of the commodities its basket uses.
  /// `wide` (may be null) names the columns of a wide export.
  [[nodiscard]] std::shared_ptr<const meb::PriceTable> permissive_table(const meb::WideMapping* wide = nullptr) const;

  /// The table `summary()` describes: the one read at load (a methodology's, or the permissive one).
  std::shared_ptr<const meb::PriceTable> loaded;
  MethodologyPtr loaded_for;  ///< null: loaded without a methodology

 private:
  [[nodiscard]] std::shared_ptr<const meb::PriceTable> read(const meb::PriceFilter& filter) const;

  std::vector<InputFile> files_;
  bool skip_bad_rows_ = false;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::shared_ptr<const meb::PriceTable>> tables_;  ///< by filter
};

/// What a computation reads besides the prices and the methodology (the CLI's input options).
struct RunOptions {
  std::optional<std::string> areas;        ///< an areas file (read from disk)
  std::optional<InputSpec> survey;         ///< needed by survey-based methodologies
  std::optional<std::string> wide_mapping; ///< replaces the methodology's prices.wide
  std::string food_composition;            ///< "" = the methodology's nutrition.food_composition, if any
  std::optional<meb::Month> from;
  std::optional<meb::Month> to;
  std::optional<double> household_size;    ///< a fixed household replaces the model (comparisons)
  bool nutrition = true;                   ///< run the nutrition check for the manifest
  std::vector<std::string> command_line;   ///< recorded in the manifest
};

/// One methodology computed: everything `meb compute` writes can be produced from it.
struct Run {
  MethodologyPtr methodology;  ///< as run (after household_size and wide_mapping)
  std::shared_ptr<const meb::PriceTable> prices;
  meb::RunRecord record;
  meb::ComputePlan plan;
  std::optional<meb::Survey> survey;
  meb::ComputeResult result;
  std::optional<meb::BootstrapResult> bootstrap;
  double started = 0.0;  ///< steady clock seconds, for elapsed_seconds
};
using RunPtr = std::shared_ptr<Run>;

/// Reads a methodology's inputs and computes it, as engine/cli/common.cpp run_methodology does.
/// Call without the GIL. Throws ValueError-mapped std::invalid_argument where the CLI has a usage error.
[[nodiscard]] RunPtr run_methodology(const Prices& prices, MethodologyPtr methodology, const RunOptions& options);

/// Adds the bootstrap's percentiles to a run (`meb compute --bootstrap N`). Call without the GIL.
void bootstrap_run(Run& run, const meb::BootstrapSettings& settings);

/// The files `meb compute` writes, as text.
[[nodiscard]] std::vector<std::pair<std::string, std::string>> compute_outputs(const Run& run);

/// The options from Python's keywords, checked as the CLI checks its options: months YYYY-MM, to_month not
/// before from_month, a household size of at least 1 (std::invalid_argument -> ValueError otherwise).
[[nodiscard]] RunOptions run_options(std::optional<std::string> areas, std::optional<InputSpec> survey,
                                     std::optional<std::string> wide_mapping, std::optional<std::string> food_composition,
                                     const std::optional<std::string>& from_month,
                                     const std::optional<std::string>& to_month, std::optional<double> household_size,
                                     std::vector<std::string> command_line);

/// A month argument "YYYY-MM"; nothing for None. Throws std::invalid_argument naming the argument.
[[nodiscard]] std::optional<meb::Month> month_argument(const char* name, const std::optional<std::string>& text);
/// The window of `from_month`/`to_month`, checked as the CLI checks --from/--to.
void check_window(const RunOptions& options);

/// Bootstrap settings from Python arguments; nothing when replicates is None. validate()d.
[[nodiscard]] std::optional<meb::BootstrapSettings> bootstrap_settings(std::optional<std::size_t> replicates,
                                                                       std::uint64_t seed,
                                                                       const std::vector<double>& percentiles,
                                                                       unsigned threads);

// Crossing the boundary.

/// A read-only NumPy view of memory owned by `owner` (a bound C++ object): no copy; `owner` is kept
/// alive as the array's base. Strides in bytes.
[[nodiscard]] py::array readonly_view(const double* data, std::vector<py::ssize_t> shape,
                                      std::vector<py::ssize_t> strides, py::handle owner);
/// A table from the engine's CSV text: a pandas DataFrame when pandas is importable, else a dict of
/// NumPy arrays (meb/_tables.py). Columns are typed by name (meb._tables.TEXT_COLUMNS) and content;
/// `text` and `numbers` name the columns a table types otherwise.
[[nodiscard]] py::object table_from_csv(const std::string& csv, const std::vector<std::string>& text = {},
                                        const std::vector<std::string>& numbers = {});
/// The JSON text as Python objects.
[[nodiscard]] py::object json_loads(const std::string& text);

/// Seconds on the steady clock.
[[nodiscard]] double now_seconds();

}  // namespace meb::python

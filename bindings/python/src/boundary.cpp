// Crossing the boundary: inputs from Python into the engine's types, and results back out as NumPy views
// (no copy) or tables.
#include <chrono>
#include <stdexcept>

#include "bindings.hpp"
#include "meb/csv.hpp"
#include "meb/outputs.hpp"

namespace meb::python {

InputFile read_input(const InputSpec& spec) {
  if (spec.second) return InputFile{spec.first, *spec.second};
  return InputFile{spec.first, meb::read_file(spec.first)};
}

std::optional<meb::Month> month_argument(const char* name, const std::optional<std::string>& text) {
  if (!text) return std::nullopt;
  // As the CLI's --from/--to: exactly YYYY-MM (parse_month alone also takes full dates).
  const auto month = meb::parse_month(*text);
  if (!month || text->size() != 7)
    throw std::invalid_argument(std::string(name) + " expects a month YYYY-MM, got '" + *text + "'");
  return month;
}

void check_window(const RunOptions& options) {
  if (options.from && options.to && *options.to < *options.from)
    throw std::invalid_argument("to_month " + options.to->to_string() + " is before from_month " +
                                options.from->to_string());
}

std::optional<meb::BootstrapSettings> bootstrap_settings(std::optional<std::size_t> replicates, std::uint64_t seed,
                                                         const std::vector<double>& percentiles, unsigned threads) {
  if (!replicates) return std::nullopt;
  meb::BootstrapSettings settings;
  settings.replicates = *replicates;
  settings.seed = seed;
  settings.percentiles = percentiles;
  settings.threads = threads;
  meb::validate(settings);  // std::invalid_argument naming the setting -> ValueError
  return settings;
}

RunOptions run_options(std::optional<std::string> areas, std::optional<InputSpec> survey,
                       std::optional<std::string> wide_mapping, std::optional<std::string> food_composition,
                       const std::optional<std::string>& from_month, const std::optional<std::string>& to_month,
                       std::optional<double> household_size, std::vector<std::string> command_line) {
  RunOptions options;
  options.areas = std::move(areas);
  options.survey = std::move(survey);
  options.wide_mapping = std::move(wide_mapping);
  options.food_composition = food_composition.value_or("");
  options.from = month_argument("from_month", from_month);
  options.to = month_argument("to_month", to_month);
  check_window(options);
  // As `meb compare --household-size`.
  if (household_size && !(*household_size >= 1.0))
    throw std::invalid_argument("household_size expects a size of at least 1, got " + meb::format_number(*household_size));
  options.household_size = household_size;
  options.command_line = std::move(command_line);
  return options;
}

void bind_run_options(py::module_& m) {
  py::class_<RunOptions>(m, "_RunOptions", "What a computation reads besides the prices and the methodology.")
      .def(py::init(&run_options), py::arg("areas") = py::none(), py::arg("survey") = py::none(),
           py::arg("wide_mapping") = py::none(), py::arg("food_composition") = py::none(),
           py::arg("from_month") = py::none(), py::arg("to_month") = py::none(), py::arg("household_size") = py::none(),
           py::arg("command_line") = std::vector<std::string>{});
}

py::array readonly_view(const double* data, std::vector<py::ssize_t> shape, std::vector<py::ssize_t> strides,
                        py::handle owner) {
  // With a base object NumPy neither copies nor frees the memory; the base keeps its owner alive.
  py::array view(py::dtype::of<double>(), std::move(shape), std::move(strides), data, owner);
  view.attr("flags").attr("writeable") = false;
  return view;
}

py::object table_from_csv(const std::string& csv, const std::vector<std::string>& text,
                          const std::vector<std::string>& numbers) {
  return py::module_::import("meb._tables").attr("from_csv")(py::str(csv), text, numbers);
}

py::object json_loads(const std::string& text) { return py::module_::import("json").attr("loads")(py::str(text)); }

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace meb::python

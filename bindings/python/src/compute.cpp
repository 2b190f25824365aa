// meb.compute and meb.Result: one methodology computed as `meb compute` computes it (engine/cli/common.cpp,
// run_methodology; engine/cli/commands.cpp, run_compute), the bootstrap included. The tables are the text
// of the engine's writers (transfer_values_csv, basket_costs_csv), so their columns and numbers are the
// CLI's files'; the totals are also NumPy views of the result's own vectors, without a copy.
#include "bindings.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb::python {
namespace {

/// The methodology as run: a fixed household size (comparisons) or another wide mapping make a copy.
MethodologyPtr as_run(MethodologyPtr loaded, const RunOptions& options) {
  if (!options.household_size && !options.wide_mapping) return loaded;
  auto changed = std::make_shared<LoadedMethodology>(*loaded);
  if (options.household_size) {
    changed->methodology.household = meb::Household{};
    changed->methodology.household.size = *options.household_size;
  }
  if (options.wide_mapping) changed->methodology.prices.wide = meb::load_wide_mapping(*options.wide_mapping);
  return changed;
}

const Run& run_of(const py::object& self) { return self.cast<const Run&>(); }

/// A vector of `rows` doubles `stride` bytes apart, viewed in place.
py::array column_view(const double* first, std::size_t rows, std::size_t stride, const py::object& owner) {
  if (rows == 0) return readonly_view(nullptr, {0}, {static_cast<py::ssize_t>(sizeof(double))}, py::handle());
  return readonly_view(first, {static_cast<py::ssize_t>(rows)}, {static_cast<py::ssize_t>(stride)}, owner);
}

py::array transfer_field(const py::object& self, double meb::TransferValue::*field) {
  const Run& run = run_of(self);
  const auto& transfer = run.result.transfer;
  return column_view(transfer.empty() ? nullptr : &(transfer.front().*field), transfer.size(), sizeof(meb::TransferValue),
                     self);
}

/// The rows' labels, as the first columns of transfer_values.csv.
py::object rows_table(const Run& run) {
  std::string csv = "area_level,area,area_pcode,parent_area,month\n";
  const meb::ComputeResult& result = run.result;
  for (const auto& row : result.rows) {
    const meb::Area& area = result.areas.areas[static_cast<std::size_t>(row.area)];
    meb::detail::CsvRow out(csv);
    out.text(to_string(area.level)).text(area.name).text(area.pcode);
    out.text(result.areas.parent_name(static_cast<std::size_t>(row.area))).text(result.panel.month_at(row.month).to_string());
  }
  return table_from_csv(csv);
}

/// Percentiles rows × k, row-major, viewed in place.
py::array percentile_view(const std::vector<double>& values, std::size_t rows, std::size_t k, const py::object& owner) {
  const auto step = static_cast<py::ssize_t>(sizeof(double));
  const auto columns = static_cast<py::ssize_t>(k);
  if (values.empty()) return readonly_view(nullptr, {0, columns}, {step * columns, step}, py::handle());
  return readonly_view(values.data(), {static_cast<py::ssize_t>(rows), columns}, {step * columns, step}, owner);
}

py::object bootstrap_of(const py::object& self) {
  const Run& run = run_of(self);
  if (!run.bootstrap) return py::none();
  const meb::BootstrapResult& draws = *run.bootstrap;
  const std::size_t k = draws.settings.percentiles.size();
  py::dict out;
  out["replicates"] = draws.settings.replicates;
  out["seed"] = draws.settings.seed;
  out["percentiles"] = draws.settings.percentiles;
  out["smeb"] = percentile_view(draws.smeb, draws.rows, k, self);
  out["meb"] = percentile_view(draws.meb, draws.rows, k, self);
  out["transfer_value"] = percentile_view(draws.transfer, draws.rows, k, self);
  out["exact_cells"] = draws.exact_cells;
  out["explicit_cells"] = draws.explicit_cells;
  return out;
}

RunPtr compute(const std::shared_ptr<Prices>& prices, const MethodologyPtr& methodology, const RunOptions& options,
               std::optional<std::size_t> replicates, std::uint64_t seed, const std::vector<double>& percentiles,
               unsigned threads) {
  const auto settings = bootstrap_settings(replicates, seed, percentiles, threads);
  py::gil_scoped_release release;
  RunPtr run = run_methodology(*prices, methodology, options);
  if (settings) bootstrap_run(*run, *settings);
  run->record.elapsed_seconds = now_seconds() - run->started;
  return run;
}

}  // namespace

RunPtr run_methodology(const Prices& prices, MethodologyPtr methodology, const RunOptions& options) {
  auto run = std::make_shared<Run>();
  run->started = now_seconds();
  run->methodology = as_run(std::move(methodology), options);
  const meb::Methodology& m = run->methodology->methodology;
  meb::RunRecord& record = run->record;
  record.command_line = options.command_line;
  record.inputs.push_back(meb::record_input("methodology", m.source_path, run->methodology->yaml));
  if (options.wide_mapping)
    record.inputs.push_back(meb::record_input("wide-mapping", *options.wide_mapping, meb::read_file(*options.wide_mapping)));
  run->prices = prices.table_for(m);
  for (const auto& file : prices.files()) record.inputs.push_back(meb::record_input("prices", file.path, file.content));
  std::optional<meb::AreaFile> areas;
  if (options.areas) {
    areas = meb::read_area_file(*options.areas);
    record.inputs.push_back(meb::record_input("areas", *options.areas, meb::read_file(*options.areas)));
  }
  if (meb::needs_survey(m)) {
    // The CLI's usage error, with the keyword in place of --survey.
    if (!options.survey)
      throw std::invalid_argument("the methodology " + m.source_path +
                                  " costs components from a household survey: give it with survey=FILE");
    const InputFile survey = read_input(*options.survey);
    run->survey = meb::read_survey(survey.path, survey.content, *m.survey);
    record.inputs.push_back(meb::record_input("survey", survey.path, survey.content));
    record.survey_households = static_cast<std::size_t>(run->survey->households());
    record.survey_dropped = run->survey->dropped;
  }
  if (options.nutrition) record.nutrition = meb::nutrition_check(m, options.food_composition, &record);
  run->plan = meb::plan_compute(m, *run->prices, areas ? &*areas : nullptr, options.from, options.to);
  run->result = meb::evaluate_plan(run->plan, m, meb::market_values(run->plan.buckets, m.prices.statistic),
                                   run->survey ? &*run->survey : nullptr);
  record.outputs = {{"transfer_values.csv", run->result.rows.size()},
                    {"basket_costs.csv", run->result.rows.size() * run->result.lines.size()}};
  return run;
}

void bootstrap_run(Run& run, const meb::BootstrapSettings& settings) {
  meb::BootstrapInputs inputs;
  inputs.survey = run.survey ? &*run.survey : nullptr;
  run.bootstrap = meb::bootstrap(run.plan, run.methodology->methodology, settings, inputs);
  run.record.bootstrap = settings;
  run.record.bootstrap_exact_cells = run.bootstrap->exact_cells;
  run.record.bootstrap_explicit_cells = run.bootstrap->explicit_cells;
}

std::vector<std::pair<std::string, std::string>> compute_outputs(const Run& run) {
  const meb::Methodology& m = run.methodology->methodology;
  return {{"transfer_values.csv", meb::transfer_values_csv(m, run.result, run.bootstrap ? &*run.bootstrap : nullptr)},
          {"basket_costs.csv", meb::basket_costs_csv(m, run.result)},
          {"manifest.json", meb::manifest_json(m, *run.prices, run.result, run.record)}};
}

void bind_compute(py::module_& m) {
  py::class_<Run, RunPtr>(m, "Result", R"doc(
One methodology computed on a price table: what ``meb compute`` writes, in memory.

Tables (:attr:`transfer_values`, :attr:`basket_costs`) have exactly the columns of the CLI's CSV files
(``docs/outputs.md``), built from the same writer, so numbers are those of the files (at most 6
decimals); they are pandas DataFrames when pandas is importable, else dicts of NumPy arrays. The totals
:attr:`smeb`, :attr:`meb`, :attr:`transfer_value`, ... are read-only NumPy views of the engine's own
vectors, in the rows' order (:attr:`rows`), at full precision and without a copy.
)doc")
      .def_property_readonly("methodology", [](const Run& run) { return run.methodology; },
                             "The methodology as run (after ``household_size``).")
      .def_property_readonly("transfer_values", [](const Run& run) {
        const meb::Methodology& methodology = run.methodology->methodology;
        return table_from_csv(meb::transfer_values_csv(methodology, run.result, run.bootstrap ? &*run.bootstrap : nullptr));
      }, "transfer_values.csv: one row per area and month (with bootstrap percentile columns after a bootstrap).")
      .def_property_readonly("basket_costs", [](const Run& run) {
        return table_from_csv(meb::basket_costs_csv(run.methodology->methodology, run.result));
      }, "basket_costs.csv: one row per area, month and basket line.")
      .def_property_readonly("manifest", [](const Run& run) {
        return json_loads(meb::manifest_json(run.methodology->methodology, *run.prices, run.result, run.record));
      }, "manifest.json as a dict: inputs with their SHA-256, row counts, months, areas, nutrition, bootstrap.")
      .def_property_readonly("rows", [](const Run& run) { return rows_table(run); },
                             "The rows' labels (area_level, area, area_pcode, parent_area, month), in the arrays' order.")
      .def_property_readonly("smeb", [](const py::object& self) {
        const Run& run = run_of(self);
        return column_view(run.result.smeb.data(), static_cast<std::size_t>(run.result.smeb.size()), sizeof(double), self);
      }, "SMEB per row (NaN: missing), a read-only view.")
      .def_property_readonly("meb", [](const py::object& self) {
        const Run& run = run_of(self);
        return column_view(run.result.meb.data(), static_cast<std::size_t>(run.result.meb.size()), sizeof(double), self);
      }, "MEB per row (NaN: missing), a read-only view.")
      .def_property_readonly("transfer_value", [](const py::object& self) {
        return transfer_field(self, &meb::TransferValue::value);
      }, "The transfer value paid (rounded) per row, a read-only strided view.")
      .def_property_readonly("transfer_value_unrounded", [](const py::object& self) {
        return transfer_field(self, &meb::TransferValue::unrounded);
      }, "clamp(coverage x (basis - deduct), floor, cap) per row, a read-only strided view.")
      .def_property_readonly("rounding_difference", [](const py::object& self) {
        return transfer_field(self, &meb::TransferValue::rounding_difference);
      }, "transfer_value - transfer_value_unrounded per row, a read-only strided view.")
      .def_property_readonly("bootstrap", &bootstrap_of, R"doc(
None without a bootstrap; otherwise a dict: ``replicates``, ``seed``, ``percentiles`` and the arrays
``smeb``, ``meb``, ``transfer_value`` (rows x percentiles, read-only views), ``exact_cells``,
``explicit_cells``.
)doc")
      .def_property_readonly("first_month", [](const Run& run) { return run.result.first.to_string(); })
      .def_property_readonly("last_month", [](const Run& run) { return run.result.last.to_string(); })
      .def_property_readonly("line_prices_by_status", [](const Run& run) {
        py::dict out;
        const char* names[] = {"observed", "parent", "carried_forward", "missing"};
        for (std::size_t s = 0; s < 4; ++s) out[names[s]] = run.result.count_by_status[s];
        return out;
      }, "Priced line prices in the window by status (manifest ``line_prices_by_status``).")
      .def("write", [](const Run& run, const std::filesystem::path& directory) {
        auto files = compute_outputs(run);
        py::gil_scoped_release release;
        meb::write_files_atomically(directory.string(), files);
      }, py::arg("directory"), R"doc(
Write transfer_values.csv, basket_costs.csv and manifest.json into a directory, all or nothing.

Parameters
----------
directory : str or os.PathLike
    Created if needed.

Raises
------
OutputError
    A file could not be written; earlier files are left intact.
)doc")
      .def("__len__", [](const Run& run) { return run.result.rows.size(); })
      .def("__repr__", [](const Run& run) {
        return "<meb.Result " + run.methodology->methodology.id + ": " + std::to_string(run.result.rows.size()) +
               " area-months from " + run.result.first.to_string() + " to " + run.result.last.to_string() + ">";
      });

  m.def(
      "_compute",
      [](const std::shared_ptr<Prices>& prices, const MethodologyPtr& methodology, const RunOptions& options,
         std::optional<std::size_t> replicates, std::uint64_t seed, const std::vector<double>& percentiles,
         unsigned threads) { return compute(prices, methodology, options, replicates, seed, percentiles, threads); },
      py::arg("prices"), py::arg("methodology"), py::arg("options"), py::arg("bootstrap"), py::arg("seed"),
      py::arg("percentiles"), py::arg("threads"), "meb.compute's engine side; see meb.compute.");
}

}  // namespace meb::python

// meb.scenario: scenario files (price shocks, inflation, seasons, household, transfer, basket and currency
// changes, sweeps) evaluated against their baselines on the same prices, as `meb scenario` does
// (engine/cli/scenario_command.cpp): each baseline read, planned and computed once, a scenario planned on its
// own only when its basket names a commodity the baseline does not price, and with a bootstrap, each point's
// percentiles from its own methodology and price maps.
#include <algorithm>

#include "bindings.hpp"
#include "meb/areas.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/scenario.hpp"

namespace meb::python {
namespace {

struct ScenarioRun {
  meb::Scenario scenario;
  RunPtr baseline;
  std::unique_ptr<meb::ComputePlan> own_plan;  ///< when the basket names a commodity the baseline does not price
  std::vector<std::string> new_commodities;
  meb::ScenarioResult result;
  std::vector<meb::BootstrapResult> bootstrap;  ///< per point

  [[nodiscard]] const meb::ComputePlan& plan() const { return own_plan ? *own_plan : baseline->plan; }
};
using ScenarioRunPtr = std::shared_ptr<ScenarioRun>;

struct ScenarioSet {
  std::vector<RunPtr> baselines;
  std::vector<ScenarioRunPtr> runs;
  std::string csv;  ///< scenarios.csv
};

/// The scenario file's text; an unreadable file is a scenario error, as in `meb scenario`.
InputFile scenario_text(const InputSpec& spec) {
  try {
    return read_input(spec);
  } catch (const meb::InputError& error) {
    throw meb::ScenarioError(error.what());
  }
}

/// The baseline a scenario names, computed once whatever the number of scenarios on it.
RunPtr baseline_for(const std::string& baseline_path, const std::string& scenario_path, const Prices& prices,
                    const RunOptions& options, std::vector<RunPtr>& baselines) {
  for (const auto& baseline : baselines)
    if (baseline->methodology->methodology.source_path == baseline_path) return baseline;
  MethodologyPtr methodology;
  try {
    methodology = methodology_from_text(meb::read_file(baseline_path), baseline_path);
  } catch (const meb::InputError& error) {
    throw meb::ScenarioError(error.what() + std::string(" (the baseline of ") + scenario_path + ")");
  }
  baselines.push_back(run_methodology(prices, methodology, options));
  return baselines.back();
}

std::shared_ptr<ScenarioSet> run_scenarios(const std::vector<InputSpec>& files, const Prices& prices, RunOptions options,
                                           const std::optional<meb::BootstrapSettings>& bootstrap, unsigned threads) {
  if (files.empty()) throw std::invalid_argument("meb.scenario needs at least one scenario file");
  options.nutrition = false;  // `meb scenario` runs no nutrition check
  std::optional<meb::AreaFile> areas;
  if (options.areas) areas = meb::read_area_file(*options.areas);
  auto set = std::make_shared<ScenarioSet>();
  for (const auto& spec : files) {
    const InputFile file = scenario_text(spec);
    auto run = std::make_shared<ScenarioRun>();
    run->baseline = baseline_for(meb::scenario_baseline(file.content, file.path), file.path, prices, options, set->baselines);
    run->scenario = meb::parse_scenario(file.content, file.path, run->baseline->methodology->methodology);
    for (const auto& other : set->runs)
      if (other->scenario.id == run->scenario.id)
        throw std::invalid_argument("two scenarios have the id '" + run->scenario.id + "' (" + other->scenario.source_path +
                                    ", " + file.path + "): ids name the scenarios in scenarios.csv");
    const meb::Methodology planning = meb::planning_methodology(run->scenario);
    if (!meb::plan_covers(run->baseline->plan, planning)) {
      const auto table = prices.table_for(planning);
      run->own_plan = std::make_unique<meb::ComputePlan>(
          meb::plan_compute(planning, *table, areas ? &*areas : nullptr, options.from, options.to));
      run->new_commodities = meb::new_commodities(run->baseline->plan, *run->own_plan);
    }
    set->runs.push_back(run);
  }
  std::vector<meb::ScenarioReport> reports;
  for (const auto& run : set->runs) {
    meb::ScenarioOptions scenario_options;
    scenario_options.threads = threads;
    scenario_options.survey = run->baseline->survey ? &*run->baseline->survey : nullptr;
    run->result = meb::evaluate_scenario(run->scenario, run->plan(), scenario_options);
    if (bootstrap)
      for (std::size_t p = 0; p < run->result.points; ++p)
        run->bootstrap.push_back(meb::bootstrap_point(run->scenario, p, run->plan(), *bootstrap, scenario_options.survey));
    reports.push_back({&run->scenario, &run->result, &run->baseline->result, bootstrap ? &run->bootstrap : nullptr});
  }
  set->csv = meb::scenarios_csv(reports);
  return set;
}

/// A rows × points matrix (Eigen, column-major) viewed in place.
py::array matrix_view(const Eigen::MatrixXd& matrix, const py::object& owner) {
  const auto step = static_cast<py::ssize_t>(sizeof(double));
  const auto rows = static_cast<py::ssize_t>(matrix.rows());
  if (matrix.size() == 0)
    return readonly_view(nullptr, {rows, matrix.cols()}, {step, step * std::max<py::ssize_t>(rows, 1)}, py::handle());
  return readonly_view(matrix.data(), {rows, matrix.cols()}, {step, step * rows}, owner);
}

const ScenarioRun& scenario_of(const py::object& self) { return self.cast<const ScenarioRun&>(); }

py::object scenario_rows(const ScenarioRun& run) {
  std::string csv = "area_level,area,parent_area,month\n";
  for (const auto& row : run.result.rows) {
    const meb::Area& area = run.result.areas.areas[static_cast<std::size_t>(row.area)];
    meb::detail::CsvRow out(csv);
    out.text(to_string(area.level)).text(area.name).text(run.result.areas.parent_name(static_cast<std::size_t>(row.area)));
    out.text(run.result.month_at(row.month).to_string());
  }
  return table_from_csv(csv);
}

}  // namespace

void bind_scenario(py::module_& m) {
  py::class_<ScenarioRun, ScenarioRunPtr>(m, "Scenario", R"doc(
One scenario evaluated at every point of its sweep (one point without a sweep).

The matrices :attr:`smeb`, :attr:`meb`, :attr:`transfer_value` and :attr:`transfer_value_unrounded` are
rows x points, read-only views of the engine's matrices (no copy); :attr:`rows` labels the rows and
:attr:`point_values` the points (one column per swept parameter, :attr:`parameters`).
)doc")
      .def_property_readonly("id", [](const ScenarioRun& r) { return r.scenario.id; })
      .def_property_readonly("name", [](const ScenarioRun& r) { return r.scenario.name; })
      .def_property_readonly("version", [](const ScenarioRun& r) { return r.scenario.version; })
      .def_property_readonly("description", [](const ScenarioRun& r) { return r.scenario.description; })
      .def_property_readonly("baseline", [](const ScenarioRun& r) { return r.baseline; },
                             "The baseline methodology's Result on the same inputs.")
      .def_property_readonly("changes", [](const ScenarioRun& r) {
        std::vector<std::string> kinds;
        for (const auto& change : r.scenario.changes) kinds.emplace_back(change.kind());
        return kinds;
      }, "The kind of each change, in order (shock, inflation, seasonal, household, transfer, basket, currency).")
      .def_property_readonly("parameters", [](const ScenarioRun& r) {
        std::vector<std::string> paths;
        for (const auto& parameter : r.scenario.sweep) paths.push_back(parameter.path);
        return paths;
      }, "The swept keys, e.g. ``changes[0].shock.multiply``.")
      .def_property_readonly("points", [](const ScenarioRun& r) { return r.result.points; })
      .def_property_readonly("point_values", [](const ScenarioRun& r) {
        const std::size_t n = r.scenario.sweep.size();
        py::array_t<double> values({static_cast<py::ssize_t>(r.result.points), static_cast<py::ssize_t>(n)});
        auto out = values.mutable_unchecked<2>();
        for (std::size_t p = 0; p < r.result.points; ++p) {
          const std::vector<double> point = r.scenario.point_values(p);
          for (std::size_t k = 0; k < n; ++k) out(static_cast<py::ssize_t>(p), static_cast<py::ssize_t>(k)) = point[k];
        }
        return values;
      }, "points x parameters: each point's swept values (the first parameter varies slowest).")
      .def_property_readonly("currency", [](const ScenarioRun& r) { return r.result.currency; })
      .def_property_readonly("own_plan", [](const ScenarioRun& r) { return r.own_plan != nullptr; },
                             "Whether the scenario was planned on its own (its basket names a new commodity).")
      .def_property_readonly("new_commodities", [](const ScenarioRun& r) { return r.new_commodities; })
      .def_property_readonly("rows", [](const ScenarioRun& r) { return scenario_rows(r); },
                             "The rows' labels (area_level, area, parent_area, month), in the matrices' order.")
      .def_property_readonly("smeb", [](const py::object& self) { return matrix_view(scenario_of(self).result.smeb, self); })
      .def_property_readonly("meb", [](const py::object& self) { return matrix_view(scenario_of(self).result.meb, self); })
      .def_property_readonly("transfer_value", [](const py::object& self) {
        return matrix_view(scenario_of(self).result.transfer, self);
      })
      .def_property_readonly("transfer_value_unrounded", [](const py::object& self) {
        return matrix_view(scenario_of(self).result.transfer_unrounded, self);
      })
      .def_property_readonly("household_size", [](const ScenarioRun& r) { return r.result.household_size; }, "Per point.")
      .def_property_readonly("persons", [](const ScenarioRun& r) { return r.result.persons; }, "Per point.")
      .def_property_readonly("rate", [](const ScenarioRun& r) { return r.result.rate; },
                             "Per point: the currency rate (1 without a currency change).")
      .def("__repr__", [](const ScenarioRun& r) {
        return "<meb.Scenario " + r.scenario.id + ": " + std::to_string(r.result.points) + " point(s) x " +
               std::to_string(r.result.rows.size()) + " rows>";
      });

  py::class_<ScenarioSet, std::shared_ptr<ScenarioSet>>(m, "ScenarioSet", R"doc(
Scenarios evaluated against their baselines (``meb scenario``): :attr:`table` has the columns of
scenarios.csv (``docs/scenarios.md``), :attr:`scenarios` each scenario's matrices.
)doc")
      .def_property_readonly("table", [](const ScenarioSet& s) { return table_from_csv(s.csv); },
                             "scenarios.csv: one row per scenario, point, area and month.")
      .def_property_readonly("scenarios", [](const ScenarioSet& s) { return s.runs; }, "The scenarios, in the order given.")
      .def_property_readonly("baselines", [](const ScenarioSet& s) {
        py::dict out;
        for (const auto& run : s.baselines) out[py::str(run->methodology->methodology.id)] = run;
        return out;
      }, "Each baseline's Result, by methodology id.")
      .def("__getitem__", [](const ScenarioSet& s, const std::string& id) {
        for (const auto& run : s.runs)
          if (run->scenario.id == id) return run;
        throw py::key_error("no scenario '" + id + "'");
      })
      .def("__len__", [](const ScenarioSet& s) { return s.runs.size(); })
      .def("__repr__", [](const ScenarioSet& s) {
        return "<meb.ScenarioSet " + std::to_string(s.runs.size()) + " scenario(s) on " + std::to_string(s.baselines.size()) +
               " baseline(s)>";
      });

  m.def(
      "_scenario",
      [](const std::vector<InputSpec>& files, const std::shared_ptr<Prices>& prices, const RunOptions& options,
         std::optional<std::size_t> replicates, std::uint64_t seed, const std::vector<double>& percentiles,
         unsigned threads) {
        const auto settings = bootstrap_settings(replicates, seed, percentiles, threads);
        py::gil_scoped_release release;
        return run_scenarios(files, *prices, options, settings, threads);
      },
      py::arg("files"), py::arg("prices"), py::arg("options"), py::arg("bootstrap"), py::arg("seed"),
      py::arg("percentiles"), py::arg("threads"), "meb.scenario's engine side; see meb.scenario.");
}

}  // namespace meb::python

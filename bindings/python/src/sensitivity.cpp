// Result.sensitivity(): price elasticities, parameter changes and tornado data of a computed result, as
// `meb sensitivity` computes them (engine/cli/sensitivity_command.cpp) from the run's own plan.
#include "bindings.hpp"
#include "meb/sensitivity.hpp"

namespace meb::python {
namespace {

struct SensitivityRun {
  RunPtr run;
  meb::Sensitivity sensitivity;
};

std::shared_ptr<SensitivityRun> sensitivity_of(const RunPtr& run) {
  auto out = std::make_shared<SensitivityRun>();
  out->run = run;
  py::gil_scoped_release release;
  const meb::Methodology& methodology = run->methodology->methodology;
  const std::vector<double> market = meb::market_values(run->plan.buckets, methodology.prices.statistic);
  out->sensitivity = meb::compute_sensitivity(run->plan, methodology, market, run->result,
                                              run->survey ? &*run->survey : nullptr);
  return out;
}

}  // namespace

void bind_sensitivity(py::module_& m) {
  py::class_<SensitivityRun, std::shared_ptr<SensitivityRun>>(m, "Sensitivity", R"doc(
What moves the transfer value (``meb sensitivity``, ``docs/sensitivity.md``): :attr:`elasticities`,
:attr:`parameters` and :attr:`tornado` have the columns of elasticities.csv, parameters.csv and
tornado.csv.
)doc")
      .def_property_readonly("result", [](const SensitivityRun& s) { return s.run; }, "The Result it was computed from.")
      .def_property_readonly("elasticities", [](const SensitivityRun& s) {
        return table_from_csv(meb::elasticities_csv(s.run->result, s.sensitivity));
      }, "elasticities.csv: per area, month and line, its cost, cost share and price elasticities.")
      .def_property_readonly("parameters", [](const SensitivityRun& s) {
        return table_from_csv(meb::parameters_csv(s.run->result, s.sensitivity));
      }, "parameters.csv: the transfer value after each parameter change.")
      .def_property_readonly("tornado", [](const SensitivityRun& s) {
        return table_from_csv(meb::tornado_csv(s.run->result, s.sensitivity));
      }, "tornado.csv: each factor's low and high transfer value, ranked by swing.")
      .def("__repr__", [](const SensitivityRun& s) {
        return "<meb.Sensitivity " + s.run->methodology->methodology.id + ": " +
               std::to_string(s.sensitivity.parameters.size()) + " parameter changes, " +
               std::to_string(s.sensitivity.factors.size()) + " tornado factors>";
      });

  auto result = py::reinterpret_borrow<py::class_<Run, RunPtr>>(m.attr("Result"));
  result.def("sensitivity", &sensitivity_of, R"doc(
Price elasticities, parameter changes and tornado data of this result (``meb sensitivity``).

Returns
-------
Sensitivity
)doc");
}

}  // namespace meb::python

// The `_meb` extension module: the MEB engine (meb::engine) for Python. The package `meb`
// (bindings/python/meb/__init__.py) re-exports it with the functions that take Python inputs (paths,
// DataFrames, NumPy matrices) and documents the API.
#include "bindings.hpp"
#include "meb/version.hpp"

PYBIND11_MODULE(_meb, m) {
  m.doc() = "The MEB engine's library (meb::engine): prices, methodologies, computation, comparison, scenarios, "
            "sensitivity, harmonisation and the history store.";
  m.attr("__version__") = meb::kVersion;
  using namespace meb::python;
  bind_errors(m);
  bind_run_options(m);
  bind_methodology(m);
  bind_prices(m);
  bind_compute(m);
  bind_sensitivity(m);  // adds Result.sensitivity()
  bind_compare(m);
  bind_scenario(m);
  bind_harmonise(m);
  bind_history(m);
}

// The engine's exceptions as Python exceptions, with the engine's messages unchanged: str(error) is the
// text `meb` prints after "meb: input error: " (or "meb: methodology error:\n", ...).
//
//   meb.Error                       root of every error the engine raises on purpose
//   meb.InputError(Error, ValueError)         exit code 3: a price, areas, survey or data file
//   meb.MethodologyError(Error, ValueError)   exit code 4: every problem of a methodology file
//   meb.ScenarioError(MethodologyError)       exit code 4: a scenario file
//   meb.OutputError(Error, OSError)           exit code 5: results that could not be written
//   meb.HistoryError(Error, RuntimeError)     exit code 6: the history store cannot be used
//
// What the CLI calls a usage error (a bad month, a survey-based methodology without a survey) is a plain
// ValueError here, with the CLI's text.
#include <exception>

#include "bindings.hpp"
#include "meb/error.hpp"
#include "meb/scenario.hpp"

namespace meb::python {
namespace {

/// A new exception class `meb.<name>` deriving from `bases`, added to the module.
py::handle new_exception(py::module_& m, const char* name, const char* doc, py::tuple bases) {
  const std::string qualified = std::string("meb.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), nullptr);
  if (type == nullptr) throw py::error_already_set();
  m.add_object(name, py::handle(type));  // the module holds the reference for the interpreter's life
  return py::handle(type);
}

// Owned by the module (add_object); the translator only borrows them.
py::handle error_type, input_error_type, methodology_error_type, scenario_error_type, output_error_type,
    history_error_type;

}  // namespace

void bind_errors(py::module_& m) {
  const py::handle base = py::handle(PyExc_Exception);
  error_type = new_exception(m, "Error", "Root of every error the MEB engine raises on purpose.",
                             py::make_tuple(base));
  input_error_type = new_exception(
      m, "InputError",
      "Bad input data: a price, areas, survey or data file (the CLI's exit code 3). The message names the\n"
      "file, the line and the value, exactly as `meb` prints it after ``meb: input error:``.",
      py::make_tuple(error_type, py::handle(PyExc_ValueError)));
  methodology_error_type = new_exception(
      m, "MethodologyError",
      "A methodology that does not validate (exit code 4): every problem of the file, one per line, each\n"
      "with file:line:column, the key and the value.",
      py::make_tuple(error_type, py::handle(PyExc_ValueError)));
  scenario_error_type = new_exception(
      m, "ScenarioError", "A scenario file that does not validate, or names an area the prices do not have.",
      py::make_tuple(methodology_error_type));
  output_error_type = new_exception(m, "OutputError",
                                    "The results could not be written (exit code 5); earlier files are left intact.",
                                    py::make_tuple(error_type, py::handle(PyExc_OSError)));
  history_error_type = new_exception(
      m, "HistoryError",
      "The history store cannot be used (exit code 6): locked beyond the wait, written by a newer engine,\n"
      "not a meb store, or missing.",
      py::make_tuple(error_type, py::handle(PyExc_RuntimeError)));

  // Most derived first: a ScenarioError is also a MethodologyError.
  py::register_exception_translator([](std::exception_ptr thrown) {
    try {
      if (thrown) std::rethrow_exception(thrown);
    } catch (const meb::ScenarioError& error) {
      PyErr_SetString(scenario_error_type.ptr(), error.what());
    } catch (const meb::MethodologyError& error) {
      PyErr_SetString(methodology_error_type.ptr(), error.what());
    } catch (const meb::InputError& error) {
      PyErr_SetString(input_error_type.ptr(), error.what());
    } catch (const meb::OutputError& error) {
      PyErr_SetString(output_error_type.ptr(), error.what());
    } catch (const meb::HistoryError& error) {
      PyErr_SetString(history_error_type.ptr(), error.what());
    } catch (const meb::Error& error) {
      PyErr_SetString(error_type.ptr(), error.what());
    }
    // Anything else (std::invalid_argument -> ValueError, ...) goes on to pybind11's own translators.
  });
}

}  // namespace meb::python

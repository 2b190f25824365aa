// meb.Methodology: a methodology parsed and validated exactly as `meb validate` and `meb compute` do
// (parse_methodology collects every problem of the file into one MethodologyError).
#include "bindings.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb::python {

MethodologyPtr methodology_from_text(const std::string& yaml, const std::string& name) {
  auto loaded = std::make_shared<LoadedMethodology>();
  loaded->methodology = meb::parse_methodology(yaml, name);
  loaded->yaml = yaml;
  return loaded;
}

MethodologyPtr methodology_from_file(const std::string& path) {
  std::string text;
  try {
    text = meb::read_file(path);
  } catch (const meb::InputError& error) {
    // `meb compute` reports an unreadable methodology as a methodology error (exit code 4).
    throw meb::MethodologyError(error.what());
  }
  return methodology_from_text(text, path);
}

namespace {

const meb::Methodology& of(const LoadedMethodology& loaded) { return loaded.methodology; }

std::vector<std::string> item_names(const meb::Methodology& methodology) {
  std::vector<std::string> names;
  for (const auto& component : methodology.basket.components)
    for (const auto& item : component.items) names.push_back(item.item);
  return names;
}

}  // namespace

void bind_methodology(py::module_& m) {
  py::class_<LoadedMethodology, std::shared_ptr<LoadedMethodology>>(m, "Methodology", R"doc(
A methodology: the basket, household model, price rules and transfer rule a working group agreed on.

Build one with :meth:`from_file`, :meth:`from_yaml` or :meth:`from_dict`; every constructor validates the
text exactly as ``meb validate`` does and raises :class:`meb.MethodologyError` listing every problem, each
with file:line:column, the key and the value. ``docs/methodology.md`` documents the keys.
)doc")
      .def_static(
          "from_file", [](const std::filesystem::path& path) {
            return methodology_from_file(path.string());
          },
          py::arg("path"), R"doc(
Read and validate a methodology YAML file.

Parameters
----------
path : str or os.PathLike
    The YAML file. Relative paths inside it (``nutrition.food_composition``) are resolved against its
    directory.

Returns
-------
Methodology

Raises
------
MethodologyError
    The file cannot be read, or does not validate (every problem, one per line).
)doc")
      .def_static(
          "from_yaml", [](const std::string& text, const std::string& name) {
            return methodology_from_text(text, name);
          },
          py::arg("text"), py::arg("name") = "<string>", R"doc(
Parse and validate a methodology from YAML text.

Parameters
----------
text : str
    The YAML document.
name : str, optional
    The name messages give the text (default ``"<string>"``).

Returns
-------
Methodology
)doc")
      .def_static(
          "from_dict",
          [](const py::dict& document, const std::string& name) {
            // yaml.safe_dump then the engine's own parser: validation is exactly the CLI's.
            const py::object yaml = py::module_::import("yaml");
            const std::string text =
                yaml.attr("safe_dump")(document, py::arg("sort_keys") = false, py::arg("allow_unicode") = true)
                    .cast<std::string>();
            return methodology_from_text(text, name);
          },
          py::arg("document"), py::arg("name") = "<dict>", R"doc(
Build a methodology from a dict with the keys of the YAML file.

The dict is written out as YAML (``yaml.safe_dump``, keys in the dict's order) and parsed by the engine,
so validation and messages are the CLI's; the line numbers refer to that YAML text (see :attr:`yaml`).

Parameters
----------
document : dict
    The methodology's keys, e.g. ``{"id": "demo", "currency": "XOF", "basket": [...]}``.
name : str, optional
    The name messages give it (default ``"<dict>"``).

Returns
-------
Methodology
)doc")
      .def_property_readonly("id", [](const LoadedMethodology& l) { return of(l).id; }, "The methodology id.")
      .def_property_readonly("name", [](const LoadedMethodology& l) { return of(l).name; }, "Its name.")
      .def_property_readonly("version", [](const LoadedMethodology& l) { return of(l).version; }, "Its version.")
      .def_property_readonly("description", [](const LoadedMethodology& l) { return of(l).description; })
      .def_property_readonly("currency", [](const LoadedMethodology& l) { return of(l).currency; },
                             "The currency prices and values are in.")
      .def_property_readonly("method", [](const LoadedMethodology& l) { return std::string(to_string(of(l).method)); },
                             "normative, expenditure, food_share, hybrid or hea.")
      .def_property_readonly("household_size", [](const LoadedMethodology& l) { return of(l).household.reported_size(); },
                             "The household size reported beside every value (1 for per_capita).")
      .def_property_readonly("persons", [](const LoadedMethodology& l) { return of(l).household.persons(); },
                             "The multiplier of per-person quantities.")
      .def_property_readonly("household", [](const LoadedMethodology& l) { return of(l).household.describe(); },
                             "The household model in words.")
      .def_property_readonly("transfer_rule", [](const LoadedMethodology& l) { return of(l).transfer.describe(); },
                             "The transfer rule in words.")
      .def_property_readonly("days_per_month", [](const LoadedMethodology& l) { return of(l).days_per_month; })
      .def_property_readonly("items", [](const LoadedMethodology& l) { return item_names(of(l)); },
                             "The basket's item names (priced and stated), component by component.")
      .def_property_readonly("needs_survey", [](const LoadedMethodology& l) { return meb::needs_survey(of(l)); },
                             "Whether computing it needs a household survey (``survey=``).")
      .def_property_readonly("source_path", [](const LoadedMethodology& l) { return of(l).source_path; },
                             "The file (or pseudo name) it was read from.")
      .def_property_readonly("yaml", [](const LoadedMethodology& l) { return l.yaml; }, "The YAML text parsed.")
      .def("summary", [](const LoadedMethodology& l) { return meb::summarise(of(l)); }, R"doc(
The summary ``meb validate`` prints: components, items, household model, transfer rule.

Returns
-------
str
)doc")
      .def("__repr__", [](const LoadedMethodology& l) {
        return "<meb.Methodology " + of(l).id + " version " + of(l).version + " (" + std::string(to_string(of(l).method)) +
               ", " + of(l).currency + ")>";
      });
}

}  // namespace meb::python

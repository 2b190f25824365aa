// meb.compare: several methodologies on the same inputs and how far apart they land, as `meb compare` runs
// them (engine/cli/commands.cpp, run_compare): each computed as by meb.compute, then meb::compare_methods.
#include "bindings.hpp"
#include "meb/compare.hpp"

namespace meb::python {
namespace {

struct ComparisonRun {
  std::vector<RunPtr> runs;
  std::size_t reference = 0;
  meb::Comparison comparison;
};

/// The index of the reference methodology; the CLI's --reference message, with the keyword.
std::size_t reference_index(const std::vector<RunPtr>& runs, const std::optional<std::string>& reference) {
  if (!reference) return 0;
  std::string ids;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (runs[r]->methodology->methodology.id == *reference) return r;
    ids += (ids.empty() ? "" : ", ") + runs[r]->methodology->methodology.id;
  }
  throw std::invalid_argument("reference '" + *reference + "' is not the id of a compared methodology (" + ids + ")");
}

void check_distinct_ids(const std::vector<RunPtr>& runs) {
  for (std::size_t a = 0; a < runs.size(); ++a)
    for (std::size_t b = a + 1; b < runs.size(); ++b) {
      const meb::Methodology& first = runs[a]->methodology->methodology;
      const meb::Methodology& second = runs[b]->methodology->methodology;
      if (first.id == second.id)
        throw std::invalid_argument("two compared methodologies have the id '" + first.id + "' (" + first.source_path +
                                    ", " + second.source_path + "): ids name the methods in the outputs");
    }
}

std::shared_ptr<ComparisonRun> compare(const std::shared_ptr<Prices>& prices, const std::vector<MethodologyPtr>& methodologies,
                                       const std::optional<std::string>& reference, const RunOptions& options) {
  if (methodologies.size() < 2) throw std::invalid_argument("meb.compare needs at least two methodologies");
  auto out = std::make_shared<ComparisonRun>();
  py::gil_scoped_release release;
  const double started = now_seconds();
  for (const auto& methodology : methodologies) out->runs.push_back(run_methodology(*prices, methodology, options));
  out->reference = reference_index(out->runs, reference);
  check_distinct_ids(out->runs);
  std::vector<meb::MethodRun> method_runs;
  for (const auto& run : out->runs) method_runs.push_back({&run->methodology->methodology, &run->result});
  out->comparison = meb::compare_methods(method_runs, out->reference);
  // As in `meb compare`, each manifest's elapsed time runs from the start of the comparison.
  for (auto& run : out->runs) run->record.elapsed_seconds = now_seconds() - started;
  return out;
}

}  // namespace

void bind_compare(py::module_& m) {
  py::class_<ComparisonRun, std::shared_ptr<ComparisonRun>>(m, "Comparison", R"doc(
Several methodologies computed on the same inputs, compared with a reference (``meb compare``).

:attr:`comparison` and :attr:`components` have the columns of comparison.csv and components.csv
(``docs/outputs.md``); :attr:`summary` is summary.md; :attr:`results` holds each methodology's
:class:`Result` under its id.
)doc")
      .def_property_readonly("comparison", [](const ComparisonRun& c) { return table_from_csv(c.comparison.comparison_csv); },
                             "comparison.csv: per area, month and methodology, the totals and the difference from the reference.")
      .def_property_readonly("components", [](const ComparisonRun& c) { return table_from_csv(c.comparison.components_csv); },
                             "components.csv: the difference by component, and by item where both methods price it.")
      .def_property_readonly("summary", [](const ComparisonRun& c) { return c.comparison.summary_md; },
                             "summary.md, the tables a working group would project (Markdown text).")
      .def_property_readonly("reference", [](const ComparisonRun& c) {
        return c.runs[c.reference]->methodology->methodology.id;
      }, "The reference methodology's id.")
      .def_property_readonly("results", [](const ComparisonRun& c) {
        py::dict out;
        for (const auto& run : c.runs) out[py::str(run->methodology->methodology.id)] = run;
        return out;
      }, "Each methodology's Result, by id, in the order given.")
      .def("write", [](const ComparisonRun& c, const std::filesystem::path& directory) {
        // The layout `meb compare` writes: the three files, and each method's outputs in a folder named by its id.
        std::vector<std::pair<std::string, std::string>> files;
        for (const auto& run : c.runs)
          for (auto& [name, text] : compute_outputs(*run))
            files.emplace_back(run->methodology->methodology.id + "/" + name, std::move(text));
        files.emplace_back("comparison.csv", c.comparison.comparison_csv);
        files.emplace_back("components.csv", c.comparison.components_csv);
        files.emplace_back("summary.md", c.comparison.summary_md);
        py::gil_scoped_release release;
        meb::write_files_atomically(directory.string(), files);
      }, py::arg("directory"), R"doc(
Write the files ``meb compare`` writes into a directory, all or nothing.

Parameters
----------
directory : str or os.PathLike

Raises
------
OutputError
)doc")
      .def("__repr__", [](const ComparisonRun& c) {
        return "<meb.Comparison of " + std::to_string(c.runs.size()) + " methodologies, reference " +
               c.runs[c.reference]->methodology->methodology.id + ">";
      });

  m.def("_compare", &compare, py::arg("prices"), py::arg("methodologies"), py::arg("reference"), py::arg("options"),
        "meb.compare's engine side; see meb.compare.");
}

}  // namespace meb::python

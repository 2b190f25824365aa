// meb.History: the history store the monthly batch writes (meb/history.hpp, docs/history.md), read as
// `meb history` reads it (engine/cli/history_command.cpp): an area's series with the same columns as
// `meb history --format csv`, the values in force, the revisions, and setting a value in force.
#include <cmath>

#include "bindings.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/history.hpp"

namespace meb::python {
namespace {

/// A store opened once; calls are serialised (SQLite connections are not shared between threads).
class History {
 public:
  explicit History(const std::string& path) : path_(path) {
    meb::HistoryOptions options;
    options.create = false;  // as `meb history`: a missing store is an error, never created by a query
    py::gil_scoped_release release;
    store_ = std::make_unique<meb::HistoryStore>(path, options);
  }

  template <class Function>
  auto with_store(Function&& function) {
    py::gil_scoped_release release;
    const std::lock_guard<std::mutex> lock(mutex_);
    if (!store_) throw meb::HistoryError(path_ + ": the history store is closed");
    return function(*store_);
  }

  void close() {
    const std::lock_guard<std::mutex> lock(mutex_);
    store_.reset();
  }

 private:
  std::unique_ptr<meb::HistoryStore> store_;
  std::string path_;
  std::mutex mutex_;
};

/// `meb history --format csv` (meb::series_csv), with the area matched as `meb history` matches it.
std::string series_csv(meb::HistoryStore& store, const std::string& methodology, const std::string& area,
                       std::optional<meb::Month> from, std::optional<meb::Month> to) {
  return meb::series_csv(methodology, store.series(methodology, meb::stored_area(store, methodology, area), from, to));
}

/// `meb history in-force`.
std::string in_force_csv(meb::HistoryStore& store, const std::string& methodology) {
  return meb::in_force_csv(store.in_force_entries(methodology));
}

py::dict entry_dict(const meb::InForceEntry& entry) {
  py::dict out;
  out["methodology"] = entry.methodology_id;
  out["area"] = entry.area;
  out["value"] = entry.value;
  out["effective_month"] = entry.effective.to_string();
  out["kind"] = entry.kind;
  out["recorded_at"] = entry.recorded_at;
  out["note"] = entry.note;
  return out;
}

meb::Month required_month(const char* name, const std::string& text) { return *month_argument(name, text); }

}  // namespace

void bind_history(py::module_& m) {
  py::class_<History, std::shared_ptr<History>>(m, "History", R"doc(
The history store of the monthly batch (``meb batch``, ``docs/history.md``), opened for queries.

Parameters
----------
path : str or os.PathLike
    The SQLite file. It is never created here.

Raises
------
HistoryError
    No such store, not a meb store, written by a newer engine, or locked beyond the wait.
)doc")
      .def(py::init([](const std::filesystem::path& path) { return std::make_shared<History>(path.string()); }),
           py::arg("path"))
      .def("methodologies", [](History& h) { return h.with_store([](meb::HistoryStore& s) { return s.methodologies(); }); },
           "The methodology ids in the store, sorted.")
      .def("areas", [](History& h, const std::string& methodology) {
        return h.with_store([&](meb::HistoryStore& s) { return s.areas(methodology); });
      }, py::arg("methodology"), "The areas a methodology has results for, sorted.")
      .def("series", [](History& h, const std::string& methodology, const std::string& area,
                        const std::optional<std::string>& from_month, const std::optional<std::string>& to_month) {
        const auto from = month_argument("from_month", from_month);
        const auto to = month_argument("to_month", to_month);
        const std::string csv = h.with_store([&](meb::HistoryStore& s) { return series_csv(s, methodology, area, from, to); });
        return table_from_csv(csv, {}, {"change"});  // the change in value, not parameters.csv's words
      }, py::arg("methodology"), py::arg("area"), py::arg("from_month") = py::none(), py::arg("to_month") = py::none(), R"doc(
An area's series, month by month (the latest revision of each): the columns of
``meb history --format csv``.

Parameters
----------
methodology : str
    The methodology id.
area : str
    The area; case and accents are ignored ("segou" finds "Ségou").
from_month, to_month : str, optional
    ``YYYY-MM``, inclusive.

Returns
-------
pandas.DataFrame or dict of numpy.ndarray

Raises
------
InputError
    No such methodology or area in the store (the message lists what it holds).
)doc")
      .def("in_force", [](History& h, const std::string& methodology, const std::optional<std::string>& area,
                          const std::optional<std::string>& month) -> py::object {
        if (area.has_value() != month.has_value())
          throw std::invalid_argument("in_force needs both area and month, or neither (for every entry)");
        if (!area) return table_from_csv(h.with_store([&](meb::HistoryStore& s) { return in_force_csv(s, methodology); }));
        const meb::Month when = required_month("month", *month);
        const auto entry = h.with_store([&](meb::HistoryStore& s) {
          return s.in_force(methodology, meb::stored_area(s, methodology, *area), when);
        });
        return entry ? py::object(entry_dict(*entry)) : py::object(py::none());
      }, py::arg("methodology"), py::arg("area") = py::none(), py::arg("month") = py::none(), R"doc(
The transfer values in force.

Parameters
----------
methodology : str
area, month : str, optional
    Given together: the value in force for that area in that month (the latest entry effective on or
    before it) as a dict, or None. Omitted: every entry, with the columns of ``meb history in-force``.

Returns
-------
dict, None, or a table
)doc")
      .def("revisions", [](History& h, const std::string& methodology, const std::string& month) {
        const meb::Month when = required_month("month", month);
        const auto revisions = h.with_store([&](meb::HistoryStore& s) { return s.revisions(methodology, when); });
        py::list out;
        for (const auto& revision : revisions) {
          py::dict item;
          item["revision"] = revision.revision;
          item["run_id"] = revision.run_id;
          item["fingerprint"] = revision.fingerprint;
          item["methodology_version"] = revision.methodology_version;
          item["recorded_at"] = revision.recorded_at;
          item["transfer_rule"] = revision.rule.describe();
          out.append(item);
        }
        return out;
      }, py::arg("methodology"), py::arg("month"), "Every revision of a methodology's month, oldest first (a list of dicts).")
      .def("set_in_force", [](History& h, const std::string& methodology, const std::string& area, const std::string& month,
                              std::optional<double> value, bool keep, const std::string& note) {
        if (keep == value.has_value()) throw std::invalid_argument("set_in_force needs either value or keep=True");
        const meb::Month effective = required_month("month", month);
        const meb::InForceEntry entry = h.with_store([&](meb::HistoryStore& s) {
          return meb::record_in_force(s, methodology, area, effective, value, note);
        });
        return entry_dict(entry);
      }, py::arg("methodology"), py::arg("area"), py::arg("month"), py::arg("value") = py::none(), py::arg("keep") = false,
         py::arg("note") = "", R"doc(
Record a transfer value in force from a month on (``meb history set-in-force``).

Parameters
----------
methodology, area : str
month : str
    ``YYYY-MM``, the first month it is in force.
value : float, optional
    The amount; or
keep : bool, optional
    Record a decision to keep the value in force unchanged.
note : str, optional
    Why (a decision, a date, a reference).

Returns
-------
dict
    The entry recorded.
)doc")
      .def("close", &History::close, "Close the store (later calls raise HistoryError).")
      .def("__enter__", [](const std::shared_ptr<History>& h) { return h; })
      .def("__exit__", [](History& h, const py::args&) { h.close(); });
}

}  // namespace meb::python

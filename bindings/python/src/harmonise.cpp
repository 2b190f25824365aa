// Harmonised transfer values on NumPy arrays (meb/harmonise.hpp): the national value, the exact optimal K
// bands (Fisher 1958, by dynamic programming over the sorted values) and the fewest bands within a
// tolerance. Float64 contiguous arrays are read in place; anything else is converted once.
#include <Eigen/Core>

#include "bindings.hpp"
#include "meb/harmonise.hpp"

namespace meb::python {
namespace {

using Vector = py::array_t<double, py::array::c_style | py::array::forcecast>;

Eigen::Map<const Eigen::VectorXd> as_vector(const Vector& values, const char* name) {
  if (values.ndim() != 1)
    throw std::invalid_argument(std::string(name) + " must be one-dimensional, got " + std::to_string(values.ndim()) +
                                " dimensions");
  return Eigen::Map<const Eigen::VectorXd>(values.data(), values.shape(0));
}

/// Equal weights when none are given (the batch without a population file does the same).
Vector weights_or_ones(const std::optional<Vector>& weights, const Vector& values) {
  if (weights) return *weights;
  Vector ones(values.shape(0));
  std::fill(ones.mutable_data(), ones.mutable_data() + ones.shape(0), 1.0);
  return ones;
}

std::optional<meb::Rounding> rounding_of(std::optional<double> step, const std::string& mode) {
  meb::Rounding rounding;
  if (mode == "nearest") rounding.mode = meb::RoundingMode::nearest;
  else if (mode == "up") rounding.mode = meb::RoundingMode::up;
  else if (mode == "down") rounding.mode = meb::RoundingMode::down;
  else throw std::invalid_argument("round_mode expects nearest, up or down, got '" + mode + "'");
  if (!step) return std::nullopt;
  if (!(*step > 0.0)) throw std::invalid_argument("round_step must be > 0, got " + std::to_string(*step));
  rounding.step = *step;
  return rounding;
}

meb::BandObjective objective_of(const std::string& name) {
  if (name == "squared_gap") return meb::BandObjective::squared_gap;
  if (name == "largest_gap") return meb::BandObjective::largest_gap;
  throw std::invalid_argument("objective expects squared_gap or largest_gap, got '" + name + "'");
}

const meb::Partition& partition_of(const py::object& self) { return self.cast<const meb::Partition&>(); }

py::array vector_view(const Eigen::VectorXd& vector, const py::object& owner) {
  const auto step = static_cast<py::ssize_t>(sizeof(double));
  if (vector.size() == 0) return readonly_view(nullptr, {0}, {step}, py::handle());
  return readonly_view(vector.data(), {vector.size()}, {step}, owner);
}

}  // namespace

void bind_harmonise(py::module_& m) {
  py::class_<meb::Band>(m, "Band", "One band: its areas (input indices), value before rounding, value paid, weight.")
      .def_readonly("areas", &meb::Band::areas)
      .def_readonly("value", &meb::Band::value)
      .def_readonly("paid", &meb::Band::paid)
      .def_readonly("weight", &meb::Band::weight)
      .def("__repr__", [](const meb::Band& band) {
        return "<meb.Band " + std::to_string(band.areas.size()) + " areas, paid " + std::to_string(band.paid) + ">";
      });

  py::class_<meb::Partition, std::shared_ptr<meb::Partition>>(m, "Partition", R"doc(
Areas grouped into bands, each band paid one value.

Areas are referred to by their index in the input arrays. :attr:`gap` and :attr:`relative_gap` (paid minus
own value, absolute and relative) are read-only views without a copy, like :attr:`band_of_area`.
)doc")
      .def_property_readonly("objective", [](const meb::Partition& p) { return std::string(to_string(p.objective)); })
      .def_readonly("bands", &meb::Partition::bands, "The bands, in increasing order of value.")
      .def_readonly("objective_value", &meb::Partition::objective_value,
                    "Sum of w x gap^2 (squared_gap) or the largest relative gap (largest_gap), at the unrounded values.")
      .def_property_readonly("band_of_area", [](const py::object& self) {
        const auto& bands = partition_of(self).band_of_area;
        const auto step = static_cast<py::ssize_t>(sizeof(std::size_t));
        py::array view(py::dtype::of<std::size_t>(), {static_cast<py::ssize_t>(bands.size())}, {step},
                       bands.empty() ? nullptr : bands.data(), bands.empty() ? py::handle() : py::handle(self));
        view.attr("flags").attr("writeable") = false;
        return view;
      }, "Per input area: the index of its band.")
      .def_property_readonly("paid", [](const meb::Partition& p) {
        py::array_t<double> paid(static_cast<py::ssize_t>(p.band_of_area.size()));
        for (std::size_t i = 0; i < p.band_of_area.size(); ++i)
          paid.mutable_at(static_cast<py::ssize_t>(i)) = p.bands[p.band_of_area[i]].paid;
        return paid;
      }, "Per input area: the value its band pays (a new array).")
      .def_property_readonly("gap", [](const py::object& self) { return vector_view(partition_of(self).gap, self); },
                             "Per input area: paid - own value.")
      .def_property_readonly("relative_gap", [](const py::object& self) {
        return vector_view(partition_of(self).relative_gap, self);
      }, "Per input area: (paid - own value) / own value.")
      .def("__len__", [](const meb::Partition& p) { return p.bands.size(); })
      .def("__repr__", [](const meb::Partition& p) {
        return "<meb.Partition " + std::string(to_string(p.objective)) + ": " + std::to_string(p.bands.size()) + " bands over " +
               std::to_string(p.band_of_area.size()) + " areas>";
      });

  m.def(
      "optimal_bands",
      [](const Vector& values, const std::optional<Vector>& weights, std::size_t k, const std::string& objective,
         std::optional<double> round_step, const std::string& round_mode) {
        const Vector w = weights_or_ones(weights, values);
        const auto v = as_vector(values, "values");
        const auto wv = as_vector(w, "weights");
        const auto rounding = rounding_of(round_step, round_mode);
        const auto goal = objective_of(objective);
        py::gil_scoped_release release;
        return std::make_shared<meb::Partition>(meb::optimal_bands(v, wv, k, goal, rounding));
      },
      py::arg("values"), py::arg("weights") = py::none(), py::arg("k") = 3, py::arg("objective") = "squared_gap",
      py::arg("round_step") = py::none(), py::arg("round_mode") = "nearest", R"doc(
The exact optimal partition of the areas into min(k, n) bands.

Bands are contiguous runs of the areas sorted by value, which is optimal for both objectives (Fisher 1958);
dynamic programming finds the partition exactly in O(k n^2). Ties are broken deterministically, so the
same input in any order gives the same bands.

Parameters
----------
values : array_like of float
    One value per area (e.g. each region's unrounded transfer value).
weights : array_like of float, optional
    One weight per area (its population); equal weights when omitted.
k : int, optional
    The number of bands (default 3).
objective : {"squared_gap", "largest_gap"}, optional
    squared_gap: minimise sum of w (v - b)^2, each band paid its weighted mean; largest_gap: minimise the
    largest |v - b| / v, each band paid 2 min max / (min + max).
round_step : float, optional
    Round each band's value into ``paid`` to a multiple of this step.
round_mode : {"nearest", "up", "down"}, optional

Returns
-------
Partition

Raises
------
ValueError
    Sizes differ, no area, k < 1, a value not finite (or <= 0 for largest_gap), a weight not finite or
    negative, all weights 0 -- naming the index and the value.
)doc");

  m.def(
      "fewest_bands_within",
      [](const Vector& values, const std::optional<Vector>& weights, double tolerance, std::optional<double> round_step,
         const std::string& round_mode) -> std::optional<std::shared_ptr<meb::Partition>> {
        const Vector w = weights_or_ones(weights, values);
        const auto v = as_vector(values, "values");
        const auto wv = as_vector(w, "weights");
        const auto rounding = rounding_of(round_step, round_mode);
        py::gil_scoped_release release;
        auto partition = meb::fewest_bands_within(v, wv, tolerance, rounding);
        if (!partition) return std::nullopt;
        return std::make_shared<meb::Partition>(std::move(*partition));
      },
      py::arg("values"), py::arg("weights") = py::none(), py::arg("tolerance") = 0.10, py::arg("round_step") = py::none(),
      py::arg("round_mode") = "nearest", R"doc(
The smallest number of bands that pays every area within +-tolerance of its own value.

Each band pays the multiple of the rounding step (any number without one) inside its feasible interval
[max v (1 - tolerance), min v (1 + tolerance)] closest to its weighted mean. Greedy from the smallest
value, which is optimal for intervals on a line.

Parameters
----------
values : array_like of float
weights : array_like of float, optional
    Equal weights when omitted.
tolerance : float, optional
    Default 0.10 (+-10 %).
round_step : float, optional
round_mode : {"nearest", "up", "down"}, optional

Returns
-------
Partition or None
    None when an area alone cannot be paid within tolerance (a rounding step too coarse for its value).
)doc");

  m.def(
      "national_value",
      [](const Vector& values, const std::optional<Vector>& weights, const std::string& statistic) {
        const Vector w = weights_or_ones(weights, values);
        meb::NationalStatistic which = meb::NationalStatistic::mean;
        if (statistic == "median") which = meb::NationalStatistic::median;
        else if (statistic != "mean") throw std::invalid_argument("statistic expects mean or median, got '" + statistic + "'");
        return meb::national_value(as_vector(values, "values"), as_vector(w, "weights"), which);
      },
      py::arg("values"), py::arg("weights") = py::none(), py::arg("statistic") = "mean", R"doc(
The national value: the weighted mean or weighted median of the areas' values.

Parameters
----------
values : array_like of float
weights : array_like of float, optional
    Equal weights when omitted.
statistic : {"mean", "median"}, optional

Returns
-------
float
)doc");
}

}  // namespace meb::python

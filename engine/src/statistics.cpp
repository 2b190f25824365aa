#include "meb/statistics.hpp"

#include <algorithm>

namespace meb {

std::string_view to_string(Statistic statistic) {
  switch (statistic) {
    case Statistic::median: return "median";
    case Statistic::mean: return "mean";
    case Statistic::min: return "min";
  }
  return "median";
}

std::optional<Statistic> parse_statistic(std::string_view text) {
  if (text == "median") return Statistic::median;
  if (text == "mean") return Statistic::mean;
  if (text == "min") return Statistic::min;
  return std::nullopt;
}

double combine(Statistic statistic, double* values, std::size_t count) {
  switch (statistic) {
    case Statistic::mean: {
      // Summed in ascending order so that the result does not depend on the order of the input rows.
      if (count > 2) std::sort(values, values + count);  // a + b is already order-free
      double sum = 0.0;
      for (std::size_t i = 0; i < count; ++i) sum += values[i];
      return sum / static_cast<double>(count);
    }
    case Statistic::min: return *std::min_element(values, values + count);
    case Statistic::median: break;
  }
  if (count == 1) return values[0];
  if (count == 2) return 0.5 * (values[0] + values[1]);
  const std::size_t middle = count / 2;
  std::nth_element(values, values + middle, values + count);
  const double upper = values[middle];
  if (count % 2 == 1) return upper;
  // Even count: the mean of the two middle values; the lower one is the largest of the lower half.
  const double lower = *std::max_element(values, values + middle);
  return 0.5 * (lower + upper);
}

}  // namespace meb

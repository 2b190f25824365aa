#pragma once
// Side by side: several methodologies run on the same inputs, and how far apart they land, area by
// area, and why (component by component, and item by item where both are baskets). This is what the
// methodology working group needs to choose one method every partner can justify.
#include <string>
#include <vector>

#include "meb/compute.hpp"
#include "meb/methodology.hpp"

namespace meb {

/// One methodology and its result on the shared inputs.
struct MethodRun {
  const Methodology* methodology = nullptr;
  const ComputeResult* result = nullptr;
};

/// The three comparison files, as text.
struct Comparison {
  std::string comparison_csv;  ///< per area, month and method: SMEB, MEB, TV, per person, difference from the reference
  std::string components_csv;  ///< per area, month, method and component (and item where both are baskets): the gap
  std::string summary_md;      ///< per area tables, spread across methods, Spearman rank correlations
  std::size_t comparison_rows = 0;
  std::size_t component_rows = 0;
};

/// Compares the runs against runs[reference]. Areas are matched by level and name, months by month; an
/// area or month one method cannot compute gets a row that says why, never no row.
[[nodiscard]] Comparison compare_methods(const std::vector<MethodRun>& runs, std::size_t reference);

/// Spearman's rank correlation of two equally long series (average ranks for ties); NaN when fewer than
/// 3 values or a series is constant.
[[nodiscard]] double spearman(const std::vector<double>& x, const std::vector<double>& y);

}  // namespace meb

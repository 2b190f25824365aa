#include "meb/household.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace meb {

std::string_view to_string(HouseholdModel model) {
  switch (model) {
    case HouseholdModel::fixed: return "fixed";
    case HouseholdModel::per_capita: return "per_capita";
    case HouseholdModel::bands: return "bands";
    case HouseholdModel::capped: return "capped";
    case HouseholdModel::equivalence: return "equivalence";
  }
  return "fixed";
}

std::string_view to_string(EquivalenceScale scale) {
  switch (scale) {
    case EquivalenceScale::oecd: return "oecd";
    case EquivalenceScale::modified_oecd: return "modified_oecd";
    case EquivalenceScale::square_root: return "square_root";
  }
  return "oecd";
}

double Household::persons() const {
  switch (model) {
    case HouseholdModel::fixed: return size;
    case HouseholdModel::per_capita: return 1.0;
    case HouseholdModel::bands:
      for (const SizeBand& band : bands)
        if (size <= band.up_to) return band.persons;
      return bands.empty() ? size : bands.back().persons;
    case HouseholdModel::capped: return base * std::min(size, max);
    case HouseholdModel::equivalence:
      // OECD scales (OECD, "What are equivalence scales?"): the first adult counts 1, each further adult
      // 0.7 (modified: 0.5), each child 0.5 (modified: 0.3); the square-root scale is size^0.5.
      switch (scale) {
        case EquivalenceScale::oecd: return 1.0 + 0.7 * (adults - 1.0) + 0.5 * children;
        case EquivalenceScale::modified_oecd: return 1.0 + 0.5 * (adults - 1.0) + 0.3 * children;
        case EquivalenceScale::square_root: return std::sqrt(adults + children);
      }
  }
  return size;
}

double Household::reported_size() const {
  if (model == HouseholdModel::per_capita) return 1.0;
  if (model == HouseholdModel::equivalence) return adults + children;
  return size;
}

std::string Household::describe() const {
  std::ostringstream text;
  switch (model) {
    case HouseholdModel::fixed: text << "fixed size " << size; break;
    case HouseholdModel::per_capita: text << "per capita (one person)"; break;
    case HouseholdModel::bands:
      text << "size bands, household of " << size << " costed for " << persons() << " persons";
      break;
    case HouseholdModel::capped:
      text << "capped multiplier " << base << " x min(" << size << ", " << max << ") = " << persons();
      break;
    case HouseholdModel::equivalence:
      text << to_string(scale) << " equivalence scale, " << adults << " adults and " << children
           << " children = " << persons() << " adult equivalents";
      break;
  }
  return text.str();
}

}  // namespace meb

#pragma once
// Household models: how many "persons" the per-person quantities of a basket are multiplied by. All
// the models the primer lists (section 3) are choices, none is hard-coded: a fixed size, per capita,
// size bands, a capped multiplier (`base × min(size, max)`) and equivalence scales.
#include <string>
#include <string_view>
#include <vector>

namespace meb {

enum class HouseholdModel { fixed, per_capita, bands, capped, equivalence };
enum class EquivalenceScale { oecd, modified_oecd, square_root };
[[nodiscard]] std::string_view to_string(HouseholdModel model);
[[nodiscard]] std::string_view to_string(EquivalenceScale scale);

/// A size band: households of up to `up_to` persons (inclusive) are costed for `persons` persons.
struct SizeBand {
  double up_to = 0.0;  ///< infinity for an open last band
  double persons = 0.0;
};

struct Household {
  HouseholdModel model = HouseholdModel::fixed;
  double size = 1.0;        ///< the household's size (persons); for `equivalence`, adults + children
  std::vector<SizeBand> bands;  ///< `bands`: ordered by up_to
  double base = 1.0;        ///< `capped`: base × min(size, max)
  double max = 0.0;         ///< `capped`
  EquivalenceScale scale = EquivalenceScale::oecd;  ///< `equivalence`
  double adults = 1.0;      ///< `equivalence`
  double children = 0.0;    ///< `equivalence`

  /// The multiplier of per-person quantities:
  /// fixed: size; per_capita: 1; bands: the persons of the first band with size <= up_to;
  /// capped: base × min(size, max); equivalence: OECD 1 + 0.7 (adults − 1) + 0.5 children,
  /// modified OECD 1 + 0.5 (adults − 1) + 0.3 children, square root size^0.5.
  [[nodiscard]] double persons() const;
  /// The size reported beside every value (1 for per_capita).
  [[nodiscard]] double reported_size() const;
  /// One line for `meb validate`.
  [[nodiscard]] std::string describe() const;
};

}  // namespace meb

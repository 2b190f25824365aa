#pragma once
// Units of measure for prices and basket quantities. WFP files quote prices per `KG`, `100 KG`,
// `50 KG`, `L`, `pcs`, `30 pcs` ...; the primer (section 5) says to normalise them first: the price per
// standard unit is the price divided by the pack size.
#include <optional>
#include <string>
#include <string_view>

namespace meb {

enum class Dimension { mass, volume, count, unknown };

[[nodiscard]] std::string_view to_string(Dimension dimension);

/// A parsed unit: `amount` of the dimension's base unit (kg, litre, piece). An unrecognised unit keeps
/// its text and can only be matched to the very same text.
struct Unit {
  Dimension dimension = Dimension::unknown;
  double amount = 1.0;  ///< in base units: "50 KG" = 50, "500 G" = 0.5, "M3" = 1000 (litres)
  std::string text;     ///< as written, trimmed

  [[nodiscard]] bool recognised() const { return dimension != Dimension::unknown; }
};

/// Parses `KG`, `G`, `L`, `ML`, `M3`, `pcs`/`Unit`/`piece`, with an optional leading multiple
/// (`50 KG`, `1.1 KG`, `30 pcs`, `0.5L`). Never throws: an unrecognised unit has Dimension::unknown.
[[nodiscard]] Unit parse_unit(std::string_view text);

/// How many `to` units one `from` unit holds. Mass and volume convert through `density_kg_per_litre`
/// when it is given. Returns nothing when the units cannot be converted.
[[nodiscard]] std::optional<double> conversion_factor(const Unit& from, const Unit& to,
                                                      std::optional<double> density_kg_per_litre = std::nullopt);

}  // namespace meb

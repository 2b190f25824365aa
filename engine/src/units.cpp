#include "meb/units.hpp"

#include <cmath>

#include "meb/csv.hpp"

namespace meb {

std::string_view to_string(Dimension dimension) {
  switch (dimension) {
    case Dimension::mass: return "mass";
    case Dimension::volume: return "volume";
    case Dimension::count: return "count";
    case Dimension::unknown: break;
  }
  return "unknown";
}

namespace {
struct BaseUnit {
  std::string_view name;
  Dimension dimension;
  double amount;  // in the dimension's base unit
};

// Base units: kilogram, litre, piece. Names are compared in lower case.
constexpr BaseUnit kBaseUnits[] = {
    {"kg", Dimension::mass, 1.0},         {"kgs", Dimension::mass, 1.0},      {"g", Dimension::mass, 0.001},
    {"gr", Dimension::mass, 0.001},       {"mt", Dimension::mass, 1000.0},    {"tonne", Dimension::mass, 1000.0},
    {"l", Dimension::volume, 1.0},        {"litre", Dimension::volume, 1.0},  {"liter", Dimension::volume, 1.0},
    {"ml", Dimension::volume, 0.001},     {"m3", Dimension::volume, 1000.0},  {"pcs", Dimension::count, 1.0},
    {"pc", Dimension::count, 1.0},        {"piece", Dimension::count, 1.0},   {"pieces", Dimension::count, 1.0},
    {"unit", Dimension::count, 1.0},      {"units", Dimension::count, 1.0},
};
}  // namespace

Unit parse_unit(std::string_view text) {
  Unit unit;
  const std::string_view trimmed = detail::trim(text);
  unit.text = std::string(trimmed);
  // Split an optional leading number ("50 KG", "1.1 KG", "0.5L") from the unit name.
  std::size_t split = 0;
  while (split < trimmed.size() && ((trimmed[split] >= '0' && trimmed[split] <= '9') || trimmed[split] == '.')) ++split;
  double multiple = 1.0;
  if (split > 0) {
    if (!detail::parse_double(trimmed.substr(0, split), multiple) || !(multiple > 0.0)) return unit;
  }
  const std::string name = detail::to_lower(detail::trim(trimmed.substr(split)));
  for (const BaseUnit& base : kBaseUnits) {
    if (name == base.name) {
      unit.dimension = base.dimension;
      unit.amount = multiple * base.amount;
      return unit;
    }
  }
  return unit;
}

std::optional<double> conversion_factor(const Unit& from, const Unit& to, std::optional<double> density_kg_per_litre) {
  if (!from.recognised() || !to.recognised()) {
    // An unrecognised unit is usable only against exactly the same text.
    if (from.text == to.text) return 1.0;
    return std::nullopt;
  }
  if (from.dimension == to.dimension) return from.amount / to.amount;
  if (density_kg_per_litre && *density_kg_per_litre > 0.0) {
    if (from.dimension == Dimension::volume && to.dimension == Dimension::mass)
      return from.amount * *density_kg_per_litre / to.amount;
    if (from.dimension == Dimension::mass && to.dimension == Dimension::volume)
      return from.amount / *density_kg_per_litre / to.amount;
  }
  return std::nullopt;
}

}  // namespace meb

#pragma once
// The nutrition check of a food basket: energy, protein and fat per person per day from a food
// composition table, against the emergency ration targets (WFP/UNHCR 1997 "Guidelines for Estimating
// Food and Nutritional Needs in Emergencies", paragraphs 30-32; Sphere): at least 2,100 kcal, 10-12 % of
// energy from protein and about 17 % from fat. Energy from protein = 4 kcal/g, from fat = 9 kcal/g
// (UNHCR Handbook for Emergencies 1999, ch. 15, annex 1; data/nutrition/PROVENANCE.md section 5).
// A warning is not an error: a basket below target still prices.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace meb {

struct Methodology;

/// Energy, protein and fat of one food per 100 g edible portion.
struct FoodValues {
  std::string item;       ///< as written in the table
  std::string item_fr;
  double kcal = 0.0;      ///< energy_kcal_per_100g
  double protein_g = 0.0; ///< protein_g_per_100g
  double fat_g = 0.0;     ///< fat_g_per_100g
  std::string source;
  std::size_t line = 0;   ///< in the table file
};

/// A food composition table (data/nutrition/food_composition_sahel.csv). Names are unique, compared
/// case-insensitively.
struct FoodComposition {
  std::string path;
  std::vector<FoodValues> foods;

  /// The food of that name (case-insensitive, spaces around it ignored), or nullptr.
  [[nodiscard]] const FoodValues* find(std::string_view name) const;
};

/// Parses a food composition CSV (columns item, energy_kcal_per_100g, protein_g_per_100g,
/// fat_g_per_100g; item_fr, source, source_url and any others are optional). Throws InputError naming
/// `path`, the line and the value: a missing column, a wrong number of fields, an empty or duplicate
/// item, a value that is not a number, negative, or above 100 g per 100 g for protein and fat.
[[nodiscard]] FoodComposition parse_food_composition(const std::string& path, std::string_view content);
/// Reads and parses the file at `path`.
[[nodiscard]] FoodComposition read_food_composition(const std::string& path);

/// The targets the basket is checked against (methodology key `nutrition`). An empty optional is not
/// checked; in YAML, where null means absent, a minimum of 0 switches a floor off.
struct NutritionTargets {
  std::optional<double> min_kcal = 2100.0;
  /// The 1997 guidelines ask for "at least 10-12 %" of energy from protein: a floor, so by default only
  /// the minimum is checked (10 %). Set protein_percent_max (e.g. 12) to warn above the band too.
  std::optional<double> protein_percent_min = 10.0;
  std::optional<double> protein_percent_max;
  /// "At least 17 %" of energy from fat (same paragraphs).
  std::optional<double> fat_percent_min = 17.0;
  std::optional<double> fat_percent_max;
  /// The components checked. Empty: every component whose name contains "food" (case-insensitive).
  std::vector<std::string> components;
};

/// Energy, protein and fat per person per day.
struct NutrientTotals {
  double grams = 0.0;  ///< food mass assessed
  double kcal = 0.0;
  double protein_g = 0.0;
  double fat_g = 0.0;

  /// Percent of energy from protein, 100 × 4 × protein / kcal (NaN when kcal is 0).
  [[nodiscard]] double protein_percent() const;
  /// Percent of energy from fat, 100 × 9 × fat / kcal (NaN when kcal is 0).
  [[nodiscard]] double fat_percent() const;
  NutrientTotals& operator+=(const NutrientTotals& other);
};

/// One basket line of a checked component.
struct NutritionLine {
  enum class Status { assessed, not_found, not_assessed };
  Status status = Status::assessed;
  std::string component;
  std::string item;
  std::size_t line = 0;          ///< in the methodology file
  std::string matched;           ///< the table rows used: "Sorghum", or "mean of Millet + Sorghum (white)"
  std::string reason;            ///< not_found / not_assessed: why; assessed composite: alternatives missing
  NutrientTotals per_person_day; ///< zero unless assessed
};
[[nodiscard]] std::string_view to_string(NutritionLine::Status status);

struct ComponentNutrition {
  std::string component;
  NutrientTotals per_person_day;  ///< sum of its assessed lines
  std::size_t lines_assessed = 0;
  std::size_t lines_not_found = 0;
  std::size_t lines_not_assessed = 0;
};

struct NutritionReport {
  std::string food_composition;                 ///< the table's path
  NutritionTargets targets;
  std::vector<ComponentNutrition> components;   ///< the checked (food) components, in basket order
  std::vector<NutritionLine> lines;             ///< every line of the checked components, in basket order
  std::vector<std::string> other_components;    ///< components not checked (not food)
  NutrientTotals total;                         ///< the whole basket: all checked components
  std::vector<std::string> warnings;            ///< targets missed, lines left out of the totals

  [[nodiscard]] const ComponentNutrition* component(std::string_view name) const;
  [[nodiscard]] const NutritionLine* line(std::string_view item) const;
};

/// Checks the food components of a basket. Quantities are turned into grams per person per day:
///   person/day as stated; person/month ÷ days_per_month; household/month ÷ persons ÷ days_per_month;
///   household/year ÷ 12 ÷ persons ÷ days_per_month,
/// where persons is the household model's multiplier (Household::persons()), the same number the
/// per-person lines are multiplied by when the basket is priced, so that both kinds of line share one
/// "person". Mass units convert directly; volume units need the line's density_kg_per_l. Stated-cost
/// lines and count or unrecognised units cannot be weighed: they are listed as not assessed. A composite
/// uses the mean of the values of its alternatives found in the table; substitutes are ignored (the item
/// itself is assessed). A line is looked up by its item name, then by its aliases, in order.
[[nodiscard]] NutritionReport check_nutrition(const Methodology& methodology, const FoodComposition& table,
                                              const NutritionTargets& targets);

/// The text `meb validate` prints: per checked component and for the basket, kcal per person per day,
/// protein and fat in grams and percent of energy, each line, the lines left out, then the warnings.
[[nodiscard]] std::string summarise(const NutritionReport& report);

}  // namespace meb

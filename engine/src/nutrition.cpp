#include "meb/nutrition.hpp"

#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/methodology.hpp"

namespace meb {

namespace {

// Energy factors: 4 kcal per g of protein, 9 kcal per g of fat (UNHCR Handbook for Emergencies 1999,
// ch. 15, annex 1). WAFCT 2019 computes its energy with the same factors.
constexpr double kKcalPerGramProtein = 4.0;
constexpr double kKcalPerGramFat = 9.0;

std::string fixed(double value, int decimals) {
  if (std::isnan(value)) return "n/a";
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", decimals, value);
  std::string out(text);
  if (out == "-0.0" || out == "-0") out.erase(0, 1);
  return out;
}

/// A setting as written: 2100, 17, 12.5 (no trailing zeros).
std::string short_number(double value) {
  std::string out = fixed(value, 3);
  if (out.find('.') != std::string::npos) {
    while (out.back() == '0') out.pop_back();
    if (out.back() == '.') out.pop_back();
  }
  return out;
}

}  // namespace

double NutrientTotals::protein_percent() const {
  if (!(kcal > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return 100.0 * kKcalPerGramProtein * protein_g / kcal;
}

double NutrientTotals::fat_percent() const {
  if (!(kcal > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  return 100.0 * kKcalPerGramFat * fat_g / kcal;
}

NutrientTotals& NutrientTotals::operator+=(const NutrientTotals& other) {
  grams += other.grams;
  kcal += other.kcal;
  protein_g += other.protein_g;
  fat_g += other.fat_g;
  return *this;
}

std::string_view to_string(NutritionLine::Status status) {
  switch (status) {
    case NutritionLine::Status::assessed: return "assessed";
    case NutritionLine::Status::not_found: return "not_found";
    case NutritionLine::Status::not_assessed: return "not_assessed";
  }
  return "assessed";
}

const FoodValues* FoodComposition::find(std::string_view name) const {
  const std::string wanted = detail::to_lower(detail::trim(name));
  for (const auto& food : foods)
    if (detail::to_lower(food.item) == wanted) return &food;
  return nullptr;
}

FoodComposition parse_food_composition(const std::string& path, std::string_view content) {
  detail::CsvReader csv(content);
  std::vector<std::string_view> fields;
  FoodComposition table;
  table.path = path;
  // The CSV tokenizer knows no file name: its messages ("line 7: unterminated quoted field") get the path.
  auto next = [&]() {
    try {
      return csv.next(fields);
    } catch (const InputError& error) {
      throw InputError(path + ": " + error.what());
    }
  };
  if (!next()) throw InputError(path + ": the food composition table is empty");
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < fields.size(); ++i) column[detail::to_lower(detail::trim(fields[i]))] = i;
  const std::size_t width = fields.size();
  for (const char* required : {"item", "energy_kcal_per_100g", "protein_g_per_100g", "fat_g_per_100g"}) {
    if (!column.count(required))
      throw InputError::at_line(path, 1, std::string("the food composition table needs a column '") + required +
                                             "' (columns: item, item_fr, energy_kcal_per_100g, protein_g_per_100g, "
                                             "fat_g_per_100g, source, source_url)");
  }
  std::map<std::string, std::size_t> seen;  // lower-case item -> line
  while (next()) {
    const std::size_t line = csv.line();
    if (fields.size() != width)
      throw InputError::at_line(path, line, "expected " + std::to_string(width) + " columns, found " +
                                                std::to_string(fields.size()));
    auto get = [&](const char* name) -> std::string {
      auto it = column.find(name);
      return it == column.end() ? std::string() : std::string(detail::trim(fields[it->second]));
    };
    FoodValues food;
    food.line = line;
    food.item = get("item");
    food.item_fr = get("item_fr");
    food.source = get("source");
    if (food.item.empty()) throw InputError::at_line(path, line, "column 'item' is empty");
    const auto [it, inserted] = seen.try_emplace(detail::to_lower(food.item), line);
    if (!inserted)
      throw InputError::at_line(path, line, "duplicate item '" + food.item + "': already on line " +
                                                std::to_string(it->second));
    auto number = [&](const char* name, double maximum) {
      const std::string text = get(name);
      double value = 0.0;
      if (!detail::parse_double(text, value))
        throw InputError::at_line(path, line, std::string("column '") + name + "' of '" + food.item +
                                                  "' is not a number: '" + text + "'");
      if (value < 0.0 || value > maximum)
        throw InputError::at_line(path, line, std::string("column '") + name + "' of '" + food.item +
                                                  "' must be between 0 and " + fixed(maximum, 0) + ", got '" + text +
                                                  "'");
      return value;
    };
    // 900 kcal (pure fat) is the most 100 g of food can hold; 1,000 leaves room for other factors.
    food.kcal = number("energy_kcal_per_100g", 1000.0);
    food.protein_g = number("protein_g_per_100g", 100.0);
    food.fat_g = number("fat_g_per_100g", 100.0);
    table.foods.push_back(std::move(food));
  }
  if (table.foods.empty()) throw InputError(path + ": the food composition table has no rows");
  return table;
}

FoodComposition read_food_composition(const std::string& path) {
  const std::string content = read_file(path);
  return parse_food_composition(path, content);
}

const ComponentNutrition* NutritionReport::component(std::string_view name) const {
  for (const auto& entry : components)
    if (entry.component == name) return &entry;
  return nullptr;
}

const NutritionLine* NutritionReport::line(std::string_view item) const {
  for (const auto& entry : lines)
    if (entry.item == item) return &entry;
  return nullptr;
}

namespace {

bool is_checked(const BasketComponent& component, const NutritionTargets& targets) {
  if (targets.components.empty()) return detail::to_lower(component.component).find("food") != std::string::npos;
  for (const auto& name : targets.components)
    if (detail::to_lower(detail::trim(name)) == detail::to_lower(component.component)) return true;
  return false;
}

/// The share of one `per` quantity that one person eats in one day (see check_nutrition).
double per_person_day(Per per, double persons, double days_per_month) {
  switch (per) {
    case Per::person_day: return 1.0;
    case Per::person_month: return 1.0 / days_per_month;
    case Per::household_month: return 1.0 / (persons * days_per_month);
    case Per::household_year: return 1.0 / (12.0 * persons * days_per_month);
  }
  return 1.0;
}

std::string quoted_list(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "'" : ", '") + name + "'";
  return text;
}

/// Looks a line up in the table; fills `line.matched` and `line.reason`, returns the per-100 g values.
std::optional<FoodValues> look_up(const BasketItem& item, const FoodComposition& table, NutritionLine& line) {
  if (item.composite) {
    // A composite is priced as a statistic of its alternatives; its nutrients are the mean of the
    // alternatives the table knows (each alternative is equally likely to be bought).
    FoodValues mean;
    std::vector<std::string> found, missing;
    for (const auto& name : item.composite->of) {
      if (const FoodValues* food = table.find(name)) {
        mean.kcal += food->kcal;
        mean.protein_g += food->protein_g;
        mean.fat_g += food->fat_g;
        found.push_back(food->item);
      } else {
        missing.push_back(name);
      }
    }
    if (found.empty()) {
      line.reason = "no alternative of the composite is in the food composition table (looked for " +
                    quoted_list(item.composite->of) + ")";
      return std::nullopt;
    }
    const double n = static_cast<double>(found.size());
    mean.kcal /= n;
    mean.protein_g /= n;
    mean.fat_g /= n;
    line.matched = "mean of ";
    for (std::size_t k = 0; k < found.size(); ++k) line.matched += (k ? " + " : "") + found[k];
    if (!missing.empty())
      line.reason = "alternatives not in the food composition table: " + quoted_list(missing) +
                    "; the mean of the others is used";
    return mean;
  }
  std::vector<std::string> names{item.item};
  names.insert(names.end(), item.aliases.begin(), item.aliases.end());
  for (const auto& name : names) {
    if (const FoodValues* food = table.find(name)) {
      line.matched = food->item;
      return *food;
    }
  }
  line.reason = "not in the food composition table (looked for " + quoted_list(names) + ")";
  return std::nullopt;
}

/// Why a line cannot be weighed, or nothing; `grams` is set to its grams per `per` otherwise.
std::optional<std::string> weigh(const BasketItem& item, double& grams) {
  if (item.cost) return std::string("a stated cost, not a quantity");
  switch (item.unit.dimension) {
    case Dimension::mass: grams = item.quantity * item.unit.amount * 1000.0; return std::nullopt;
    case Dimension::volume:
      if (!item.density_kg_per_litre)
        return "volume unit '" + item.unit.text + "' without density_kg_per_l";
      grams = item.quantity * item.unit.amount * *item.density_kg_per_litre * 1000.0;
      return std::nullopt;
    case Dimension::count: return "count unit '" + item.unit.text + "' has no weight";
    case Dimension::unknown: break;
  }
  return "unit '" + item.unit.text + "' is not a mass or volume unit";
}

/// "energy from fat 9.6 % is below the minimum of 17 % (nutrition.fat_percent_min)".
void check_target(std::vector<std::string>& warnings, const std::string& measured, double value,
                  const std::optional<double>& minimum, const std::optional<double>& maximum, const std::string& unit,
                  const std::string& minimum_key, const std::string& maximum_key) {
  if (std::isnan(value)) return;
  if (minimum && value < *minimum)
    warnings.push_back(measured + " is below the minimum of " + short_number(*minimum) + unit + " (nutrition." +
                       minimum_key + ")");
  if (maximum && value > *maximum)
    warnings.push_back(measured + " is above the maximum of " + short_number(*maximum) + unit + " (nutrition." +
                       maximum_key + ")");
}

}  // namespace

NutritionReport check_nutrition(const Methodology& methodology, const FoodComposition& table,
                                const NutritionTargets& targets) {
  NutritionReport report;
  report.food_composition = table.path;
  report.targets = targets;
  const double persons = methodology.household.persons();
  for (const auto& component : methodology.basket.components) {
    if (!is_checked(component, targets)) {
      report.other_components.push_back(component.component);
      continue;
    }
    ComponentNutrition summary;
    summary.component = component.component;
    for (const auto& item : component.items) {
      NutritionLine line;
      line.component = component.component;
      line.item = item.item;
      line.line = item.line;
      double grams = 0.0;
      std::optional<std::string> unweighable = weigh(item, grams);
      const bool per_household = item.per == Per::household_month || item.per == Per::household_year;
      if (!unweighable && per_household && !(persons > 0.0))
        unweighable = "a household quantity, and the household model counts 0 persons";
      if (unweighable) {
        line.status = NutritionLine::Status::not_assessed;
        line.reason = *unweighable;
        ++summary.lines_not_assessed;
      } else if (const auto food = look_up(item, table, line)) {
        const double g = grams * per_person_day(item.per, persons, methodology.days_per_month);
        line.per_person_day.grams = g;
        line.per_person_day.kcal = g / 100.0 * food->kcal;
        line.per_person_day.protein_g = g / 100.0 * food->protein_g;
        line.per_person_day.fat_g = g / 100.0 * food->fat_g;
        summary.per_person_day += line.per_person_day;
        ++summary.lines_assessed;
      } else {
        line.status = NutritionLine::Status::not_found;
        ++summary.lines_not_found;
      }
      report.lines.push_back(std::move(line));
    }
    report.total += summary.per_person_day;
    report.components.push_back(std::move(summary));
  }

  // Warnings: the lines left out first (they make every figure below an under-estimate), then targets.
  auto& warnings = report.warnings;
  if (report.components.empty()) {
    warnings.push_back(targets.components.empty()
                           ? "no food component to check: no component name contains 'food' (name them in "
                             "nutrition.components)"
                           : "no component of the basket is named in nutrition.components " +
                                 quoted_list(targets.components));
    return report;
  }
  for (const auto& line : report.lines) {
    const std::string where = "'" + line.item + "' (component " + line.component + ", methodology line " +
                              std::to_string(line.line) + ")";
    if (line.status == NutritionLine::Status::not_found)
      warnings.push_back(where + ": " + line.reason + "; left out of the totals");
    else if (line.status == NutritionLine::Status::not_assessed)
      warnings.push_back(where + ": not assessed, " + line.reason + "; left out of the totals");
    else if (!line.reason.empty())
      warnings.push_back(where + ": " + line.reason);
  }
  if (!(report.total.kcal > 0.0)) {
    warnings.push_back("no energy from the food components: nothing to compare with the targets");
    return report;
  }
  const NutrientTotals& total = report.total;
  check_target(warnings, "energy " + fixed(total.kcal, 1) + " kcal per person per day", total.kcal, targets.min_kcal,
               std::nullopt, " kcal", "min_kcal", "");
  check_target(warnings, "energy from protein " + fixed(total.protein_percent(), 1) + " %", total.protein_percent(),
               targets.protein_percent_min, targets.protein_percent_max, " %", "protein_percent_min",
               "protein_percent_max");
  check_target(warnings, "energy from fat " + fixed(total.fat_percent(), 1) + " %", total.fat_percent(),
               targets.fat_percent_min, targets.fat_percent_max, " %", "fat_percent_min", "fat_percent_max");
  return report;
}

namespace {

std::string describe(const NutrientTotals& totals) {
  return fixed(totals.kcal, 1) + " kcal per person per day; protein " + fixed(totals.protein_g, 1) + " g (" +
         fixed(totals.protein_percent(), 1) + " % of energy); fat " + fixed(totals.fat_g, 1) + " g (" +
         fixed(totals.fat_percent(), 1) + " % of energy)";
}

std::string describe(const NutritionTargets& targets) {
  std::string text;
  auto add = [&](const std::string& part) { text += (text.empty() ? "" : ", ") + part; };
  auto range = [](const std::optional<double>& low, const std::optional<double>& high) {
    if (low && high) return short_number(*low) + "-" + short_number(*high) + " %";
    if (low) return "at least " + short_number(*low) + " %";
    return "at most " + short_number(*high) + " %";
  };
  if (targets.min_kcal) add("at least " + short_number(*targets.min_kcal) + " kcal");
  if (targets.protein_percent_min || targets.protein_percent_max)
    add("protein " + range(targets.protein_percent_min, targets.protein_percent_max) + " of energy");
  if (targets.fat_percent_min || targets.fat_percent_max)
    add("fat " + range(targets.fat_percent_min, targets.fat_percent_max) + " of energy");
  return text.empty() ? "none" : text;
}

}  // namespace

std::string summarise(const NutritionReport& report) {
  std::ostringstream out;
  out << "nutrition (food composition " << report.food_composition << "; targets: " << describe(report.targets)
      << "):\n";
  for (const auto& component : report.components) {
    out << "  " << component.component << ": " << describe(component.per_person_day) << "\n";
    for (const auto& line : report.lines) {
      if (line.component != component.component) continue;
      out << "    " << line.item << ": ";
      if (line.status == NutritionLine::Status::assessed)
        out << fixed(line.per_person_day.grams, 1) << " g -> " << fixed(line.per_person_day.kcal, 1) << " kcal, protein "
            << fixed(line.per_person_day.protein_g, 2) << " g, fat " << fixed(line.per_person_day.fat_g, 2) << " g ["
            << line.matched << "]\n";
      else if (line.status == NutritionLine::Status::not_found)
        out << "NOT FOUND, " << line.reason << "\n";
      else
        out << "not assessed, " << line.reason << "\n";
    }
  }
  if (!report.components.empty()) out << "  basket total: " << describe(report.total) << "\n";
  if (!report.other_components.empty()) {
    out << "  not checked (not food components):";
    for (const auto& name : report.other_components) out << " " << name;
    out << "\n";
  }
  if (report.warnings.empty()) {
    out << "nutrition: no warnings\n";
  } else {
    out << "WARNINGS (" << report.warnings.size() << "; a warning is not an error):\n";
    for (const auto& warning : report.warnings) out << "  warning: " << warning << "\n";
  }
  return out.str();
}

}  // namespace meb

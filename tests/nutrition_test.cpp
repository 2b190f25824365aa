#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "meb/error.hpp"
#include "meb/methodology.hpp"
#include "meb/nutrition.hpp"
#include "test_helpers.hpp"

using Catch::Matchers::Contains;
using meb::testing::methodology_error_of;
using meb::testing::methodology_from;

namespace {

// Per 100 g, the values of data/nutrition/food_composition_sahel.csv (WAFCT 2019) for these rows.
const std::string kTable =
    "item,item_fr,energy_kcal_per_100g,protein_g_per_100g,fat_g_per_100g,source,source_url\n"
    "Millet,mil,365,9.3,5.9,\"WAFCT 2019, 01_017\",https://example.org\n"
    "Sorghum,sorgho,345,11.5,3.5,\"WAFCT 2019, 01_039\",https://example.org\n"
    "Sorghum (white),sorgho blanc,344,10.1,3.4,\"WAFCT 2019, 01_040\",https://example.org\n"
    "Rice (local),riz local,344,7.0,0.6,\"WAFCT 2019, 01_037\",https://example.org\n"
    "Oil (vegetable),huile,900,0.0,100.0,\"WAFCT 2019, 11_010\",https://example.org\n"
    "\"Milk (powder, skimmed)\",lait,356,36.4,1.0,\"WAFCT 2019, 10_017\",https://example.org\n"
    "Salt,sel,0,0.0,0.0,\"WAFCT 2019, 13_015\",https://example.org\n";

meb::FoodComposition table() { return meb::parse_food_composition("table.csv", kTable); }

/// A methodology with one food component holding `items` (YAML flow mappings, one per line), for a
/// household of `size`, with `extra` top-level YAML appended.
std::string basket(const std::string& items, const std::string& size = "6", const std::string& extra = "") {
  return "id: nutrition-test\nname: Test\ncurrency: XOF\nhousehold: {size: " + size +
         "}\nbasket:\n  - component: food\n    tier: smeb\n    items:\n" + items + extra;
}

meb::NutritionReport check(const std::string& yaml) {
  const meb::Methodology m = methodology_from(yaml);
  return meb::check_nutrition(m, table(), m.nutrition);
}

std::string input_error(const std::string& csv) {
  try {
    (void)meb::parse_food_composition("table.csv", csv);
  } catch (const meb::InputError& error) {
    return error.what();
  }
  FAIL("expected an InputError for:\n" << csv);
  return "";
}


bool has_warning(const meb::NutritionReport& report, const std::string& needle) {
  for (const auto& warning : report.warnings)
    if (warning.find(needle) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("nutrition food composition table reads quoted fields and looks names up case-insensitively", "[nutrition]") {
  const meb::FoodComposition foods = table();
  CHECK(foods.path == "table.csv");
  REQUIRE(foods.foods.size() == 7);
  const meb::FoodValues* milk = foods.find("milk (POWDER, skimmed)");
  REQUIRE(milk != nullptr);
  CHECK(milk->item == "Milk (powder, skimmed)");
  CHECK(milk->kcal == 356.0);
  CHECK(milk->protein_g == 36.4);
  CHECK(milk->fat_g == 1.0);
  CHECK(milk->line == 7);
  CHECK(milk->source == "WAFCT 2019, 10_017");
  CHECK(foods.find("  millet ") != nullptr);
  CHECK(foods.find("Teff") == nullptr);
}

TEST_CASE("nutrition the shipped Sahel table reads with its sources", "[nutrition]") {
  const meb::FoodComposition foods =
      meb::read_food_composition(MEB_SOURCE_DIR "/data/nutrition/food_composition_sahel.csv");
  // 26 food rows (the file has 27 lines with the header).
  CHECK(foods.foods.size() == 26);
  const meb::FoodValues* groundnuts = foods.find("Groundnuts (shelled)");
  REQUIRE(groundnuts != nullptr);
  CHECK(groundnuts->kcal == 574.0);
  CHECK(groundnuts->protein_g == 22.4);
  CHECK(groundnuts->fat_g == 44.2);
  CHECK(foods.find("Milk (powder, skimmed)") != nullptr);
  CHECK(foods.find("Maize (white)")->item_fr == "maïs blanc");
}

TEST_CASE("nutrition bad food composition tables name the file line and value", "[nutrition]") {
  const std::string header = "item,energy_kcal_per_100g,protein_g_per_100g,fat_g_per_100g\n";
  CHECK_THAT(input_error(header + "Millet,365,9.3,5.9\nSorghum,345,abc,3.5\n"),
             Contains("table.csv:3: column 'protein_g_per_100g' of 'Sorghum' is not a number: 'abc'"));
  CHECK_THAT(input_error(header + "Millet,365,9.3,-1\n"),
             Contains("table.csv:2: column 'fat_g_per_100g' of 'Millet' must be between 0 and 100, got '-1'"));
  CHECK_THAT(input_error(header + "Millet,365,9.3,5.9\nMILLET,360,9,5\n"),
             Contains("table.csv:3: duplicate item 'MILLET': already on line 2"));
  CHECK_THAT(input_error(header + "Millet,365,9.3\n"), Contains("table.csv:2: expected 4 columns, found 3"));
  CHECK_THAT(input_error(header + ",365,9.3,5.9\n"), Contains("table.csv:2: column 'item' is empty"));
  CHECK_THAT(input_error("item,kcal,protein_g_per_100g,fat_g_per_100g\nMillet,365,9.3,5.9\n"),
             Contains("table.csv:1: the food composition table needs a column 'energy_kcal_per_100g'"));
  CHECK_THAT(input_error(header), Contains("table.csv: the food composition table has no rows"));
  CHECK_THAT(input_error(""), Contains("table.csv: the food composition table is empty"));
  CHECK_THAT(input_error(header + "\"Millet,365,9.3,5.9\n"), Contains("table.csv: line 2: unterminated quoted field"));
  CHECK_THROWS_WITH(meb::read_food_composition("/nonexistent/foods.csv"), Contains("/nonexistent/foods.csv"));
}

TEST_CASE("nutrition 150 g of millet per person per day by hand", "[nutrition]") {
  const meb::NutritionReport report = check(basket("      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"));
  REQUIRE(report.components.size() == 1);
  const meb::NutritionLine* millet = report.line("Millet");
  REQUIRE(millet != nullptr);
  CHECK(millet->status == meb::NutritionLine::Status::assessed);
  CHECK(millet->matched == "Millet");
  // 150 g x 365 kcal / 100 g = 547.5 kcal; protein 150 x 9.3 / 100 = 13.95 g; fat 150 x 5.9 / 100 = 8.85 g.
  CHECK(millet->per_person_day.grams == Approx(150.0));
  CHECK(millet->per_person_day.kcal == Approx(547.5));
  CHECK(millet->per_person_day.protein_g == Approx(13.95));
  CHECK(millet->per_person_day.fat_g == Approx(8.85));
  // Protein: 13.95 g x 4 = 55.8 kcal = 10.19 % of 547.5; fat: 8.85 g x 9 = 79.65 kcal = 14.55 %.
  CHECK(report.total.protein_percent() == Approx(100.0 * 55.8 / 547.5));
  CHECK(report.total.protein_percent() == Approx(10.19).margin(0.005));
  CHECK(report.total.fat_percent() == Approx(100.0 * 79.65 / 547.5));
  CHECK(report.components[0].per_person_day.kcal == Approx(547.5));
  CHECK(report.components[0].lines_assessed == 1);
  // Default targets: 547.5 < 2,100 kcal and 14.55 % < 17 % fat; protein 10.19 % >= 10 % is fine.
  REQUIRE(report.warnings.size() == 2);
  CHECK_THAT(report.warnings[0], Contains("energy 547.5 kcal per person per day is below the minimum of 2100 kcal"));
  CHECK_THAT(report.warnings[0], Contains("(nutrition.min_kcal)"));
  CHECK_THAT(report.warnings[1], Contains("energy from fat 14.5 % is below the minimum of 17 %"));
  CHECK_THAT(report.warnings[1], Contains("(nutrition.fat_percent_min)"));
}

TEST_CASE("nutrition the shipped sahel-normative basket against the shipped table", "[nutrition]") {
  const meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  const meb::FoodComposition foods = meb::read_food_composition(m.food_composition);
  const meb::NutritionReport report = meb::check_nutrition(m, foods, m.nutrition);
  // By hand from data/nutrition/food_composition_sahel.csv, grams per person per day:
  //   Millet        150 g x 365 = 547.5 kcal, protein 13.95 g, fat 8.85 g
  //   Sorghum       150 g x 345 = 517.5 kcal, protein 17.25 g, fat 5.25 g (the item name "Sorghum" is
  //                 in the table, so its alias "Sorghum (white)", 344 kcal, is not used)
  //   Maize         100 g x 346 = 346   kcal, protein  9.70 g, fat 3.80 g
  //   Rice (local)   50 g x 344 = 172   kcal, protein  3.50 g, fat 0.30 g
  //   Cowpeas        70 g x 325 = 227.5 kcal, protein 15.82 g, fat 1.05 g
  //   total                      1810.5 kcal, protein 60.22 g, fat 19.25 g
  // Protein 60.22 x 4 = 240.88 kcal = 13.30 %; fat 19.25 x 9 = 173.25 kcal = 9.57 %.
  REQUIRE(report.components.size() == 1);
  CHECK(report.components[0].component == "food");
  CHECK(report.line("Sorghum")->matched == "Sorghum");
  CHECK(report.total.kcal == Approx(1810.5));
  CHECK(report.total.protein_g == Approx(60.22));
  CHECK(report.total.fat_g == Approx(19.25));
  CHECK(report.total.protein_percent() == Approx(100.0 * 240.88 / 1810.5));
  CHECK(report.total.fat_percent() == Approx(100.0 * 173.25 / 1810.5));
  CHECK(report.total.grams == Approx(520.0));
  CHECK(report.other_components ==
        std::vector<std::string>{"water", "hygiene", "energy", "health", "education", "household_items"});
  // Below 2,100 kcal and below 17 % fat; 13.3 % protein is above the 10 % floor (no maximum by default).
  REQUIRE(report.warnings.size() == 2);
  CHECK_THAT(report.warnings[0], Contains("energy 1810.5 kcal per person per day is below the minimum of 2100 kcal"));
  CHECK_THAT(report.warnings[1], Contains("energy from fat 9.6 % is below the minimum of 17 %"));
}

TEST_CASE("nutrition the shipped mali-oma-demo basket with oil in kilograms", "[nutrition]") {
  const meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/mali-oma-demo.yaml");
  const meb::NutritionReport report =
      meb::check_nutrition(m, meb::read_food_composition(m.food_composition), m.nutrition);
  // Millet 200 g: 730 kcal, 18.6 g protein, 11.8 g fat; Sorghum 100 g (substitute Millet ignored): 345,
  // 11.5, 3.5; Rice (local) 100 g: 344, 7.0, 0.6; Oil 30 g through its alias "Oil (vegetable)": 270, 0, 30.
  // Total 1689 kcal; protein 37.1 g x 4 = 148.4 kcal = 8.79 %; fat 45.9 g x 9 = 413.1 kcal = 24.46 %.
  CHECK(report.line("Oil")->matched == "Oil (vegetable)");
  CHECK(report.line("Sorghum")->matched == "Sorghum");
  CHECK(report.total.kcal == Approx(1689.0));
  CHECK(report.total.protein_percent() == Approx(100.0 * 148.4 / 1689.0));
  CHECK(report.total.fat_percent() == Approx(100.0 * 413.1 / 1689.0));
  REQUIRE(report.warnings.size() == 2);
  CHECK_THAT(report.warnings[0], Contains("energy 1689.0 kcal"));
  CHECK_THAT(report.warnings[1], Contains("energy from protein 8.8 % is below the minimum of 10 %"));
}

TEST_CASE("nutrition every per converts to the same 150 g per person per day", "[nutrition]") {
  // Household of 6, 30 days a month. Each line is 150 g of millet per person per day:
  //   person/month     4.5 kg / 30 days                   = 150 g
  //   household/month  27 kg / 6 persons / 30 days        = 150 g
  //   household/month  0.54 x 50 KG = 27 kg, as above     = 150 g
  //   household/year   324 kg / 12 / 6 / 30               = 150 g
  //   person/day       150 G                              = 150 g
  for (const char* item : {"{item: Millet, quantity: 4.5, unit: KG, per: person/month}",
                           "{item: Millet, quantity: 27, unit: KG, per: household/month}",
                           "{item: Millet, quantity: 0.54, unit: 50 KG, per: household/month}",
                           "{item: Millet, quantity: 324, unit: KG, per: household/year}",
                           "{item: Millet, quantity: 150, unit: G, per: person/day}"}) {
    INFO(item);
    const meb::NutritionReport report = check(basket("      - " + std::string(item) + "\n"));
    REQUIRE(report.lines.size() == 1);
    CHECK(report.lines[0].status == meb::NutritionLine::Status::assessed);
    CHECK(report.lines[0].per_person_day.grams == Approx(150.0));
    CHECK(report.lines[0].per_person_day.kcal == Approx(547.5));
    CHECK(report.total.kcal == Approx(547.5));
  }
}

TEST_CASE("nutrition household lines are shared by the household model's persons and days_per_month", "[nutrition]") {
  // 10 persons, 25 days: 30 kg per household per month = 30,000 / 10 / 25 = 120 g per person per day
  // = 120 x 3.65 = 438 kcal. A person/day line does not depend on either.
  const meb::NutritionReport report = check(
      basket("      - {item: Millet, quantity: 30, unit: KG, per: household/month}\n"
             "      - {item: Rice (local), quantity: 0.1, unit: KG, per: person/day}\n",
             "10", "days_per_month: 25\n"));
  CHECK(report.line("Millet")->per_person_day.grams == Approx(120.0));
  CHECK(report.line("Millet")->per_person_day.kcal == Approx(438.0));
  CHECK(report.line("Rice (local)")->per_person_day.kcal == Approx(344.0));
  // Per capita: the household line is one person's (persons() = 1): 30,000 / 1 / 30 = 1,000 g.
  const meb::NutritionReport per_capita = check(
      "id: t\nname: T\ncurrency: XOF\nhousehold: {model: per_capita}\nbasket:\n  - component: food\n    tier: smeb\n"
      "    items:\n      - {item: Millet, quantity: 30, unit: KG, per: household/month}\n");
  CHECK(per_capita.line("Millet")->per_person_day.grams == Approx(1000.0));
}

TEST_CASE("nutrition a volume line is weighed through its density", "[nutrition]") {
  // 0.03 L x 0.92 kg/L = 27.6 g of oil per person per day = 248.4 kcal, all of it fat (27.6 g x 9).
  // 500 ML per household per month, household of 5: 0.5 L x 0.92 = 460 g / 5 / 30 = 3.0667 g = 27.6 kcal.
  const meb::NutritionReport report = check(basket(
      "      - {item: Oil, aliases: [Oil (vegetable)], quantity: 0.03, unit: L, per: person/day, density_kg_per_l: 0.92}\n"
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"));
  const meb::NutritionLine* oil = report.line("Oil");
  CHECK(oil->status == meb::NutritionLine::Status::assessed);
  CHECK(oil->matched == "Oil (vegetable)");
  CHECK(oil->per_person_day.grams == Approx(27.6));
  CHECK(oil->per_person_day.kcal == Approx(248.4));
  CHECK(oil->per_person_day.fat_g == Approx(27.6));
  CHECK(oil->per_person_day.protein_g == 0.0);
  // With 150 g millet: 547.5 + 248.4 = 795.9 kcal; fat 8.85 + 27.6 = 36.45 g x 9 = 328.05 kcal = 41.22 %.
  CHECK(report.total.kcal == Approx(795.9));
  CHECK(report.total.fat_percent() == Approx(100.0 * 328.05 / 795.9));
  const meb::NutritionReport household = check(basket(
      "      - {item: Oil (vegetable), quantity: 1, unit: 500 ML, per: household/month, density_kg_per_l: 0.92}\n", "5"));
  CHECK(household.total.grams == Approx(460.0 / 150.0));
  CHECK(household.total.kcal == Approx(27.6));
  // All energy from fat: 100 %; no protein: 0 %.
  CHECK(household.total.fat_percent() == Approx(100.0));
  CHECK(household.total.protein_percent() == Approx(0.0));
}

TEST_CASE("nutrition a volume line without density and count lines are listed as not assessed", "[nutrition]") {
  const meb::NutritionReport report = check(basket(
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
      "      - {item: Oil (vegetable), quantity: 0.03, unit: L, per: person/day}\n"
      "      - {item: Eggs, quantity: 1, unit: pcs, per: person/day}\n"
      "      - {item: Bread, quantity: 2, unit: loaf, exact_unit: true, per: person/day}\n"
      "  - component: food_extra\n    tier: meb\n    cost: 1000\n    per: household/month\n"));
  using Status = meb::NutritionLine::Status;
  CHECK(report.line("Oil (vegetable)")->status == Status::not_assessed);
  CHECK(report.line("Oil (vegetable)")->reason == "volume unit 'L' without density_kg_per_l");
  CHECK(report.line("Eggs")->status == Status::not_assessed);
  CHECK(report.line("Eggs")->reason == "count unit 'pcs' has no weight");
  CHECK(report.line("Bread")->reason == "unit 'loaf' is not a mass or volume unit");
  CHECK(report.line("food_extra")->status == Status::not_assessed);
  CHECK(report.line("food_extra")->reason == "a stated cost, not a quantity");
  REQUIRE(report.components.size() == 2);
  CHECK(report.components[0].lines_assessed == 1);
  CHECK(report.components[0].lines_not_assessed == 3);
  CHECK(report.components[1].lines_not_assessed == 1);
  // Only the millet counts: 547.5 kcal.
  CHECK(report.total.kcal == Approx(547.5));
  CHECK(report.line("Eggs")->per_person_day.kcal == 0.0);
  // Each line left out is a warning naming it and its methodology line (line 10 is the oil).
  CHECK(has_warning(report, "'Oil (vegetable)' (component food, methodology line 10): not assessed, volume unit 'L' "
                            "without density_kg_per_l; left out of the totals"));
  CHECK(has_warning(report, "'Eggs' (component food, methodology line 11)"));
  CHECK(has_warning(report, "'food_extra' (component food_extra, methodology line 13): not assessed, a stated cost"));
}

TEST_CASE("nutrition lines not in the table are listed and never silently skipped", "[nutrition]") {
  const meb::NutritionReport report = check(basket(
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
      "      - {item: Tinned tuna, aliases: [Fish (canned)], quantity: 0.05, unit: KG, per: person/day}\n"));
  const meb::NutritionLine* tuna = report.line("Tinned tuna");
  REQUIRE(tuna != nullptr);
  CHECK(tuna->status == meb::NutritionLine::Status::not_found);
  CHECK(tuna->reason == "not in the food composition table (looked for 'Tinned tuna', 'Fish (canned)')");
  CHECK(report.components[0].lines_not_found == 1);
  CHECK(report.total.kcal == Approx(547.5));
  CHECK(has_warning(report, "'Tinned tuna' (component food, methodology line 10): not in the food composition table"));
  CHECK(has_warning(report, "left out of the totals"));
  CHECK_THAT(meb::summarise(report), Contains("Tinned tuna: NOT FOUND"));
}

TEST_CASE("nutrition aliases are tried after the item name in order", "[nutrition]") {
  // "Sorghum" is in the table: its alias is not used (345 kcal, not 344).
  const meb::NutritionReport by_name = check(
      basket("      - {item: Sorghum, aliases: [Sorghum (white)], quantity: 0.1, unit: KG, per: person/day}\n"));
  CHECK(by_name.line("Sorghum")->matched == "Sorghum");
  CHECK(by_name.total.kcal == Approx(345.0));
  // "Sorgho" is not: the first alias found is used (Sorghum (white), 344 kcal for 100 g).
  const meb::NutritionReport by_alias = check(basket(
      "      - {item: Sorgho, aliases: [Sorgho blanc, sorghum (WHITE), Sorghum], quantity: 0.1, unit: KG, per: person/day}\n"));
  CHECK(by_alias.line("Sorgho")->matched == "Sorghum (white)");
  CHECK(by_alias.total.kcal == Approx(344.0));
}

TEST_CASE("nutrition a composite uses the mean of its alternatives in the table", "[nutrition]") {
  // 100 g of "mean of Millet, Sorghum": (365 + 345) / 2 = 355 kcal; protein (9.3 + 11.5) / 2 = 10.4 g;
  // fat (5.9 + 3.5) / 2 = 4.7 g.
  const meb::NutritionReport report = check(basket(
      "      - {item: Cereal, quantity: 0.1, unit: KG, per: person/day, composite: {of: [Millet, Sorghum]}}\n"
      "      - {item: Cereal2, quantity: 0.1, unit: KG, per: person/day, composite: {of: [Millet, Teff]}}\n"
      "      - {item: Cereal3, quantity: 0.1, unit: KG, per: person/day, composite: {of: [Teff, Fonio]}}\n"
      "      - {item: Rice (local), quantity: 0.1, unit: KG, per: person/day, substitutes: [Sorghum]}\n"));
  const meb::NutritionLine* cereal = report.line("Cereal");
  CHECK(cereal->matched == "mean of Millet + Sorghum");
  CHECK(cereal->per_person_day.kcal == Approx(355.0));
  CHECK(cereal->per_person_day.protein_g == Approx(10.4));
  CHECK(cereal->per_person_day.fat_g == Approx(4.7));
  // One alternative missing: the other one alone (365 kcal), with a warning naming the missing one.
  const meb::NutritionLine* partial = report.line("Cereal2");
  CHECK(partial->status == meb::NutritionLine::Status::assessed);
  CHECK(partial->matched == "mean of Millet");
  CHECK(partial->per_person_day.kcal == Approx(365.0));
  CHECK(has_warning(report, "'Cereal2' (component food, methodology line 10): alternatives not in the food "
                            "composition table: 'Teff'; the mean of the others is used"));
  // None found: not found, listing the alternatives.
  CHECK(report.line("Cereal3")->status == meb::NutritionLine::Status::not_found);
  CHECK(report.line("Cereal3")->reason ==
        "no alternative of the composite is in the food composition table (looked for 'Teff', 'Fonio')");
  // Substitutes are ignored: the rice itself is assessed (344 kcal, not sorghum's 345).
  CHECK(report.line("Rice (local)")->matched == "Rice (local)");
  CHECK(report.line("Rice (local)")->per_person_day.kcal == Approx(344.0));
  CHECK(report.total.kcal == Approx(355.0 + 365.0 + 344.0));
}

TEST_CASE("nutrition targets are settings and a minimum of 0 switches a check off", "[nutrition]") {
  const std::string millet = "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n";
  // 547.5 kcal, protein 10.19 %, fat 14.55 % (see the millet test).
  const meb::NutritionReport relaxed = check(basket(
      millet, "6", "nutrition: {min_kcal: 500, protein_percent_max: 10, fat_percent_min: 14.5, fat_percent_max: 14.6}\n"));
  CHECK(relaxed.targets.min_kcal == 500.0);
  REQUIRE(relaxed.warnings.size() == 1);
  CHECK(relaxed.warnings[0] ==
        "energy from protein 10.2 % is above the maximum of 10 % (nutrition.protein_percent_max)");
  // A maximum below the fat share warns too; minimums of 0 switch the other checks off.
  const meb::NutritionReport strict = check(basket(
      millet, "6", "nutrition:\n  min_kcal: 0\n  protein_percent_min: 0\n  fat_percent_min: 0\n  fat_percent_max: 14\n"));
  CHECK(strict.targets.min_kcal == 0.0);
  REQUIRE(strict.warnings.size() == 1);
  CHECK_THAT(strict.warnings[0], Contains("energy from fat 14.5 % is above the maximum of 14 %"));
  // A protein floor above 10.19 % warns.
  const meb::NutritionReport floor = check(basket(millet, "6", "nutrition: {min_kcal: 0, protein_percent_min: 11, fat_percent_min: 0}\n"));
  REQUIRE(floor.warnings.size() == 1);
  CHECK_THAT(floor.warnings[0], Contains("energy from protein 10.2 % is below the minimum of 11 %"));
  // Null counts as absent, as everywhere in a methodology: the default applies.
  const meb::Methodology defaults = methodology_from(basket(millet, "6", "nutrition: {min_kcal: null, fat_percent_max: ~}\n"));
  CHECK(defaults.nutrition.min_kcal == 2100.0);
  CHECK_FALSE(defaults.nutrition.fat_percent_max.has_value());
  // Checked directly: an empty target is not checked.
  meb::NutritionTargets none;
  none.min_kcal.reset();
  none.protein_percent_min.reset();
  none.fat_percent_min.reset();
  const meb::Methodology m = methodology_from(basket(millet));
  CHECK(meb::check_nutrition(m, table(), none).warnings.empty());
}

TEST_CASE("nutrition defaults are the WFP-UNHCR 1997 targets", "[nutrition]") {
  const meb::Methodology m =
      methodology_from(basket("      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"));
  CHECK(m.nutrition.min_kcal == 2100.0);
  CHECK(m.nutrition.protein_percent_min == 10.0);
  CHECK_FALSE(m.nutrition.protein_percent_max.has_value());
  CHECK(m.nutrition.fat_percent_min == 17.0);
  CHECK_FALSE(m.nutrition.fat_percent_max.has_value());
  CHECK(m.nutrition.components.empty());
  CHECK(m.food_composition.empty());
}

TEST_CASE("nutrition components are chosen by name", "[nutrition]") {
  const std::string yaml =
      "id: t\nname: T\ncurrency: XOF\nhousehold: {size: 6}\nbasket:\n"
      "  - component: cereals\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
      "  - component: Food-SMEB\n    tier: smeb\n    items:\n"
      "      - {item: Rice (local), quantity: 0.1, unit: KG, per: person/day}\n"
      "  - component: hygiene\n    tier: smeb\n    items:\n"
      "      - {item: Soap, quantity: 0.25, unit: KG, per: person/month}\n";
  // By default, components whose name contains "food": the soap is not looked up, the cereals not counted.
  const meb::NutritionReport by_default = check(yaml);
  REQUIRE(by_default.components.size() == 1);
  CHECK(by_default.components[0].component == "Food-SMEB");
  CHECK(by_default.other_components == std::vector<std::string>{"cereals", "hygiene"});
  CHECK(by_default.total.kcal == Approx(344.0));
  CHECK(by_default.line("Soap") == nullptr);
  // Named: cereals and food-smeb (case-insensitive): 547.5 + 344 = 891.5 kcal.
  const meb::NutritionReport named = check(yaml + "nutrition: {components: [cereals, food-smeb]}\n");
  REQUIRE(named.components.size() == 2);
  CHECK(named.total.kcal == Approx(891.5));
  CHECK(named.component("cereals")->per_person_day.kcal == Approx(547.5));
  // No food component at all: one warning says so.
  const meb::NutritionReport none = check(
      "id: t\nname: T\ncurrency: XOF\nhousehold: {size: 6}\nbasket:\n  - component: water\n    tier: smeb\n"
      "    cost: 3000\n    per: household/month\n");
  CHECK(none.components.empty());
  REQUIRE(none.warnings.size() == 1);
  CHECK_THAT(none.warnings[0], Contains("no food component to check"));
}

TEST_CASE("nutrition zero energy gives no percentages and no target warnings", "[nutrition]") {
  const meb::NutritionReport report = check(basket("      - {item: Salt, quantity: 0.005, unit: KG, per: person/day}\n"));
  CHECK(report.total.kcal == 0.0);
  CHECK(std::isnan(report.total.protein_percent()));
  CHECK(std::isnan(report.total.fat_percent()));
  REQUIRE(report.warnings.size() == 1);
  CHECK_THAT(report.warnings[0], Contains("no energy from the food components"));
}

TEST_CASE("nutrition quantities scale the figures and leave the shares unchanged", "[nutrition]") {
  const std::string items = "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
                            "      - {item: Oil (vegetable), quantity: 0.02, unit: KG, per: person/day}\n";
  const std::string doubled = "      - {item: Millet, quantity: 0.30, unit: KG, per: person/day}\n"
                              "      - {item: Oil (vegetable), quantity: 0.04, unit: KG, per: person/day}\n";
  const meb::NutritionReport once = check(basket(items));
  const meb::NutritionReport twice = check(basket(doubled, "9"));
  // 547.5 + 20 g x 9 = 727.5 kcal; twice that for twice the quantities, whatever the household size.
  CHECK(once.total.kcal == Approx(727.5));
  CHECK(twice.total.kcal == Approx(2.0 * 727.5));
  CHECK(twice.total.protein_percent() == Approx(once.total.protein_percent()));
  CHECK(twice.total.fat_percent() == Approx(once.total.fat_percent()));
}

TEST_CASE("nutrition methodology key errors name the file line key and value", "[nutrition]") {
  const std::string millet = "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n";
  // Line 10 is the `nutrition:` line (basket() puts its one item on line 9).
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {min_kcals: 2100}\n")),
             Contains("test.yaml:10:13: key 'nutrition.min_kcals': unknown key; allowed keys here: food_composition, "
                      "min_kcal, protein_percent_min"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {min_kcal: lots}\n")),
             Contains("test.yaml:10:23: key 'nutrition.min_kcal': expected a number, got 'lots'"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {fat_percent_min: 170}\n")),
             Contains("key 'nutrition.fat_percent_min': is a percent of energy, at most 100, got '170'"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {protein_percent_min: -1}\n")),
             Contains("key 'nutrition.protein_percent_min': must be >= 0, got '-1'"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {protein_percent_min: 12, protein_percent_max: 10}\n")),
             Contains("key 'nutrition.protein_percent_max': is below protein_percent_min '12'"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: [2100]\n")),
             Contains("key 'nutrition': expected a mapping (key: value), got [2100]"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {components: [cereals]}\n")),
             Contains("key 'nutrition.components[0]': 'cereals' is not a component of the basket; components: food"));
  CHECK_THAT(methodology_error_of(basket(millet, "6", "nutrition: {food_composition: [a.csv]}\n")),
             Contains("key 'nutrition.food_composition': expected text, got [a.csv]"));
}

TEST_CASE("nutrition food_composition paths are relative to the methodology file", "[nutrition]") {
  const std::string yaml = basket("      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n", "6",
                                  "nutrition: {food_composition: ../data/nutrition/foods.csv}\n");
  CHECK(meb::parse_methodology(yaml, "/srv/meb/scenarios/m.yaml").food_composition == "/srv/meb/data/nutrition/foods.csv");
  CHECK(meb::parse_methodology(yaml, "scenarios/m.yaml").food_composition == "data/nutrition/foods.csv");
  CHECK(meb::parse_methodology(yaml, "m.yaml").food_composition == "../data/nutrition/foods.csv");
  const std::string absolute = basket("      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n", "6",
                                      "nutrition: {food_composition: /tables/foods.csv}\n");
  CHECK(meb::parse_methodology(absolute, "/srv/meb/scenarios/m.yaml").food_composition == "/tables/foods.csv");
}

TEST_CASE("nutrition summary prints per component figures lines and warnings", "[nutrition]") {
  const meb::NutritionReport report = check(basket(
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
      "      - {item: Eggs, quantity: 1, unit: pcs, per: person/day}\n"));
  const std::string text = meb::summarise(report);
  CHECK_THAT(text, Contains("nutrition (food composition table.csv; targets: at least 2100 kcal, protein at least 10 % "
                            "of energy, fat at least 17 % of energy):"));
  CHECK_THAT(text, Contains("  food: 547.5 kcal per person per day; protein "));
  CHECK_THAT(text, Contains(" g (10.2 % of energy); fat "));
  CHECK_THAT(text, Contains(" g (14.5 % of energy)\n"));
  CHECK_THAT(text, Contains("    Millet: 150.0 g -> 547.5 kcal, protein 13.95 g, fat 8.85 g [Millet]"));
  CHECK_THAT(text, Contains("    Eggs: not assessed, count unit 'pcs' has no weight"));
  CHECK_THAT(text, Contains("  basket total: 547.5 kcal per person per day"));
  CHECK_THAT(text, Contains("WARNINGS (3; a warning is not an error):"));
  CHECK_THAT(text, Contains("  warning: energy 547.5 kcal"));
}

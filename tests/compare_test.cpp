#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "meb/compare.hpp"
#include "meb/csv.hpp"
#include "meb/survey.hpp"
#include "test_helpers.hpp"

// Known answers for meb/compare.hpp: Spearman's rank correlation against hand values, the three
// comparison files on a two-method case worked by hand, the invariant "a method compared with itself
// differs by zero everywhere" over seeded random inputs, and the four Mali methodologies on the real
// OMA prices and the synthetic survey.

using meb::AreaLevel;
using meb::ComputeResult;
using namespace meb::testing;

namespace {

/// Splits CSV text into rows of fields (quoted fields may hold commas and doubled quotes).
std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
    } else if (c == '\n') {
      row.push_back(field);
      rows.push_back(row);
      row.clear();
      field.clear();
    } else {
      field.push_back(c);
    }
  }
  return rows;
}

/// A CSV as records keyed by header name.
struct Table {
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> records;
};

Table table_of(const std::string& text) {
  const auto rows = parse_csv(text);
  Table table;
  REQUIRE(!rows.empty());
  table.header = rows[0];
  for (std::size_t r = 1; r < rows.size(); ++r) {
    REQUIRE(rows[r].size() == table.header.size());
    std::map<std::string, std::string> record;
    for (std::size_t c = 0; c < rows[r].size(); ++c) record[table.header[c]] = rows[r][c];
    table.records.push_back(record);
  }
  return table;
}

/// The records whose fields equal every (column, value) given.
std::vector<std::map<std::string, std::string>> select(const Table& table,
                                                       const std::map<std::string, std::string>& where) {
  std::vector<std::map<std::string, std::string>> out;
  for (const auto& record : table.records) {
    bool match = true;
    for (const auto& [column, value] : where) match = match && record.at(column) == value;
    if (match) out.push_back(record);
  }
  return out;
}

std::map<std::string, std::string> one(const Table& table, const std::map<std::string, std::string>& where) {
  const auto found = select(table, where);
  std::string key;
  for (const auto& [column, value] : where) key += column + "=" + value + " ";
  INFO("select " << key);
  REQUIRE(found.size() == 1);
  return found[0];
}

double number(const std::string& text) { return text.empty() ? std::nan("") : std::stod(text); }

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ------------------------------------------------------------------------------------------------
// The two-method case. Prices of Millet and Sorghum per KG in admin1 A, B, C, D (one market each):
//             Millet          Sorghum
//          2020-01 2020-02  2020-01 2020-02
//   A        100     120      250     300
//   B        200     250      120     100
//   C        150     300      180     200
//   D        120     130       —       —
// Method "ref" (reference): levels market, admin1, national; household 2; Millet 10 KG per household
// (food, smeb) + water 500 per household (meb).
// Method "alt": levels market, admin1; household 2; Millet 5 KG + Sorghum 10 KG (food, smeb) + water
// 400 (meb); it is run on the prices without D (its data lacks the area).
//
//   ref MEB (= 10 × Millet + 500):  Jan A 1500, B 2500, C 2000, D 1700; Feb A 1700, B 3000, C 3500, D 1800
//   ref national: Millet = median of the admin1 values, Jan {100, 200, 150, 120} → (120 + 150)/2 = 135
//                 → 1850; Feb {120, 250, 300, 130} → (130 + 250)/2 = 190 → 2400
//   alt MEB (= 5 × Millet + 10 × Sorghum + 400):
//     Jan A 500 + 2500 + 400 = 3400, B 1000 + 1200 + 400 = 2600, C 750 + 1800 + 400 = 2950
//     Feb A 600 + 3000 + 400 = 4000, B 1250 + 1000 + 400 = 2650, C 1500 + 2000 + 400 = 3900
// Transfer value = MEB (no rounding).
const std::string kRef =
    "id: ref\nname: Reference\nversion: 3\ncurrency: XOF\nhousehold: {size: 2}\n"
    "prices:\n  levels: [market, admin1, national]\n"
    "basket:\n  - component: food\n    tier: smeb\n    items:\n"
    "      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n"
    "  - {component: water, tier: meb, cost: 500, per: household/month}\n";
const std::string kAlt =
    "id: alt\nname: Alternative\ncurrency: XOF\nhousehold: {size: 2}\n"
    "prices:\n  levels: [market, admin1]\n"
    "basket:\n  - component: food\n    tier: smeb\n    items:\n"
    "      - {item: Millet, quantity: 5, unit: KG, per: household/month}\n"
    "      - {item: Sorghum, quantity: 10, unit: KG, per: household/month}\n"
    "  - {component: water, tier: meb, cost: 400, per: household/month}\n";
const std::string kRowsABC =
    "2020-01-15,MA,A,,Millet,KG,Retail,XOF,100\n2020-02-15,MA,A,,Millet,KG,Retail,XOF,120\n"
    "2020-01-15,MA,A,,Sorghum,KG,Retail,XOF,250\n2020-02-15,MA,A,,Sorghum,KG,Retail,XOF,300\n"
    "2020-01-15,MB,B,,Millet,KG,Retail,XOF,200\n2020-02-15,MB,B,,Millet,KG,Retail,XOF,250\n"
    "2020-01-15,MB,B,,Sorghum,KG,Retail,XOF,120\n2020-02-15,MB,B,,Sorghum,KG,Retail,XOF,100\n"
    "2020-01-15,MC,C,,Millet,KG,Retail,XOF,150\n2020-02-15,MC,C,,Millet,KG,Retail,XOF,300\n"
    "2020-01-15,MC,C,,Sorghum,KG,Retail,XOF,180\n2020-02-15,MC,C,,Sorghum,KG,Retail,XOF,200\n";
const std::string kRowsD =
    "2020-01-15,MD,D,,Millet,KG,Retail,XOF,120\n2020-02-15,MD,D,,Millet,KG,Retail,XOF,130\n";

struct TwoMethods {
  meb::Methodology ref = methodology_from(kRef);
  meb::Methodology alt = methodology_from(kAlt);
  ComputeResult ref_result = meb::compute(ref, prices_for(ref, kLongHeader + kRowsABC + kRowsD), nullptr);
  ComputeResult alt_result = meb::compute(alt, prices_for(alt, kLongHeader + kRowsABC), nullptr);
  meb::Comparison comparison = meb::compare_methods({{&ref, &ref_result}, {&alt, &alt_result}}, 0);
};

}  // namespace

TEST_CASE("compare spearman against hand values", "[compare]") {
  // No ties: x ranks 1 2 3 4, y ranks 1 3 2 4 → d = 0, −1, 1, 0, Σd² = 2 → 1 − 6·2/(4·15) = 0.8.
  CHECK(meb::spearman({10, 20, 30, 40}, {1, 3, 2, 4}) == Approx(0.8).epsilon(1e-12));
  CHECK(meb::spearman({1, 2, 3}, {10, 20, 30}) == Approx(1.0).epsilon(1e-12));
  CHECK(meb::spearman({1, 2, 3}, {30, 20, 10}) == Approx(-1.0).epsilon(1e-12));
  // Three values, one swap: ranks (1, 2, 3) and (3, 1, 2): d = −2, 1, 1, Σd² = 6 → 1 − 36/24 = −0.5.
  CHECK(meb::spearman({1700, 3000, 3500}, {4000, 2650, 3900}) == Approx(-0.5).epsilon(1e-12));
  // Ties take the average rank: y = 5, 6, 7, 8, 7 → ranks 1, 2, 3.5, 5, 3.5; x ranks 1..5.
  //   deviations from the mean 3: x −2 −1 0 1 2, y −2 −1 0.5 2 0.5
  //   Σ xy = 4 + 1 + 0 + 2 + 1 = 8, Σ x² = 10, Σ y² = 4 + 1 + 0.25 + 4 + 0.25 = 9.5
  //   ρ = 8 / √(10 × 9.5) = 8 / √95 = 0.820783
  CHECK(meb::spearman({1, 2, 3, 4, 5}, {5, 6, 7, 8, 7}) == Approx(8.0 / std::sqrt(95.0)).epsilon(1e-12));
  // Ties on both sides: x = 1, 1, 2, 3 → ranks 1.5, 1.5, 3, 4; y = 2, 1, 1, 3 → ranks 3, 1.5, 1.5, 4.
  //   mean 2.5: x −1 −1 0.5 1.5, y 0.5 −1 −1 1.5 → Σ xy = −0.5 + 1 − 0.5 + 2.25 = 2.25,
  //   Σ x² = 1 + 1 + 0.25 + 2.25 = 4.5 = Σ y² → ρ = 2.25 / 4.5 = 0.5
  CHECK(meb::spearman({1, 1, 2, 3}, {2, 1, 1, 3}) == Approx(0.5).epsilon(1e-12));
  // Fewer than 3 values, or a constant series: NaN.
  CHECK(std::isnan(meb::spearman({1, 2}, {2, 1})));
  CHECK(std::isnan(meb::spearman({}, {})));
  CHECK(std::isnan(meb::spearman({1, 2, 3}, {5, 5, 5})));
  CHECK(std::isnan(meb::spearman({1, 2, 3}, {1, 2})));
}

TEST_CASE("compare comparison csv rows and differences by hand", "[compare]") {
  const TwoMethods two;
  const Table table = table_of(two.comparison.comparison_csv);
  CHECK(table.header == std::vector<std::string>{"area_level", "area", "month", "methodology", "methodology_version",
                                                 "method", "household_size", "persons", "smeb", "meb", "transfer_value",
                                                 "meb_per_person", "reference", "meb_difference",
                                                 "meb_difference_percent", "transfer_value_difference",
                                                 "transfer_value_difference_percent", "notes"});
  // Every (level, area, month) of either method, for both: admin1 A, B, C, D and national, two months
  // = 10 keys × 2 methods = 20 rows; alt has no D and no national, and still gets their rows.
  CHECK(table.records.size() == 20);
  CHECK(two.comparison.comparison_rows == 20);
  for (const std::string month : {"2020-01", "2020-02"})
    for (const std::string area : {"A", "B", "C", "D"})
      for (const std::string method : {"ref", "alt"})
        CHECK(select(table, {{"area_level", "admin1"}, {"area", area}, {"month", month}, {"methodology", method}}).size() == 1);

  // alt, A, 2020-01: MEB 3400 against 1500 → +1900, 1900/1500 = 126.666667 %; SMEB 3000; per person 1700.
  auto row = one(table, {{"area", "A"}, {"month", "2020-01"}, {"methodology", "alt"}});
  CHECK(row["area_level"] == "admin1");
  CHECK(row["reference"] == "ref");
  CHECK(row["method"] == "normative");
  CHECK(row["methodology_version"] == "1");
  CHECK(number(row["household_size"]) == 2.0);
  CHECK(number(row["smeb"]) == Approx(3000.0));
  CHECK(number(row["meb"]) == Approx(3400.0));
  CHECK(number(row["transfer_value"]) == Approx(3400.0));
  CHECK(number(row["meb_per_person"]) == Approx(1700.0));
  CHECK(number(row["meb_difference"]) == Approx(1900.0));
  CHECK(number(row["meb_difference_percent"]) == Approx(126.666667).margin(1e-6));
  CHECK(number(row["transfer_value_difference"]) == Approx(1900.0));
  CHECK(number(row["transfer_value_difference_percent"]) == Approx(126.666667).margin(1e-6));

  // alt, B, 2020-02: 2650 against 3000 → −350, −11.666667 %.
  row = one(table, {{"area", "B"}, {"month", "2020-02"}, {"methodology", "alt"}});
  CHECK(number(row["meb"]) == Approx(2650.0));
  CHECK(number(row["meb_difference"]) == Approx(-350.0));
  CHECK(number(row["meb_difference_percent"]) == Approx(-11.666667).margin(1e-6));
  // alt, C, 2020-02: 3900 against 3500 → +400, +11.428571 %.
  row = one(table, {{"area", "C"}, {"month", "2020-02"}, {"methodology", "alt"}});
  CHECK(number(row["meb_difference"]) == Approx(400.0));
  CHECK(number(row["meb_difference_percent"]) == Approx(11.428571).margin(1e-6));

  // The reference against itself: zero; version 3 as its file says.
  row = one(table, {{"area", "C"}, {"month", "2020-02"}, {"methodology", "ref"}});
  CHECK(row["methodology_version"] == "3");
  CHECK(number(row["meb"]) == Approx(3500.0));
  CHECK(number(row["meb_difference"]) == 0.0);
  CHECK(number(row["meb_difference_percent"]) == 0.0);

  // national: the reference has it (2020-01 1850, 2020-02 2400); alt has a row that says why it has none.
  row = one(table, {{"area_level", "national"}, {"month", "2020-02"}, {"methodology", "ref"}});
  CHECK(number(row["meb"]) == Approx(2400.0));
  row = one(table, {{"area_level", "national"}, {"month", "2020-01"}, {"methodology", "alt"}});
  CHECK(row["meb"].empty());
  CHECK(row["meb_difference"].empty());
  CHECK(contains(row["notes"], "not computed by this method"));
  // D: alt's data has no such area.
  row = one(table, {{"area", "D"}, {"month", "2020-02"}, {"methodology", "alt"}});
  CHECK(row["meb"].empty());
  CHECK(contains(row["notes"], "not computed by this method"));
  row = one(table, {{"area", "D"}, {"month", "2020-02"}, {"methodology", "ref"}});
  CHECK(number(row["meb"]) == Approx(1800.0));
}

TEST_CASE("compare an area one method cannot value says why", "[compare]") {
  // The alternative computes D but has no Sorghum price there (on_missing: missing): the row is kept,
  // with an empty MEB and the note that names the item.
  const meb::Methodology ref = methodology_from(kRef);
  const meb::Methodology alt = methodology_from(kAlt);
  const auto ref_result = meb::compute(ref, prices_for(ref, kLongHeader + kRowsABC + kRowsD), nullptr);
  const auto alt_result = meb::compute(alt, prices_for(alt, kLongHeader + kRowsABC + kRowsD), nullptr);
  const auto comparison = meb::compare_methods({{&ref, &ref_result}, {&alt, &alt_result}}, 0);
  const Table table = table_of(comparison.comparison_csv);
  auto row = one(table, {{"area", "D"}, {"month", "2020-01"}, {"methodology", "alt"}});
  CHECK(row["meb"].empty());
  CHECK(contains(row["notes"], "Sorghum"));
  CHECK_THAT(comparison.summary_md, Catch::Contains("alt, D:") && Catch::Contains("Sorghum"));
}

TEST_CASE("compare components csv splits the gap by component and item", "[compare]") {
  const TwoMethods two;
  const Table table = table_of(two.comparison.components_csv);
  CHECK(table.header == std::vector<std::string>{"area_level", "area", "month", "methodology", "component", "item",
                                                 "cost", "reference_cost", "difference", "difference_percent"});
  // alt, A, 2020-02: food 600 + 3000 = 3600 against 10 × 120 = 1200 → +2400, +200 %;
  //                  water 400 against 500 → −100, −20 %.
  //   Items both price: Millet 5 × 120 = 600 against 1200 → −600, −50 %. Sorghum: only alt, no item row.
  const std::map<std::string, std::string> at{{"area", "A"}, {"month", "2020-02"}, {"methodology", "alt"}};
  auto where = [&](const std::string& component, const std::string& item) {
    auto w = at;
    w["component"] = component;
    w["item"] = item;
    return w;
  };
  auto row = one(table, where("food", ""));
  CHECK(number(row["cost"]) == Approx(3600.0));
  CHECK(number(row["reference_cost"]) == Approx(1200.0));
  CHECK(number(row["difference"]) == Approx(2400.0));
  CHECK(number(row["difference_percent"]) == Approx(200.0));
  row = one(table, where("water", ""));
  CHECK(number(row["difference"]) == Approx(-100.0));
  CHECK(number(row["difference_percent"]) == Approx(-20.0));
  const auto items = select(table, at);
  std::vector<std::string> item_names;
  for (const auto& record : items)
    if (!record.at("item").empty()) item_names.push_back(meb::detail::to_lower(record.at("item")));
  CHECK(item_names == std::vector<std::string>{"millet"});
  for (const auto& record : items) {
    if (record.at("item").empty()) continue;
    CHECK(record.at("component") == "food");
    CHECK(number(record.at("cost")) == Approx(600.0));
    CHECK(number(record.at("reference_cost")) == Approx(1200.0));
    CHECK(number(record.at("difference")) == Approx(-600.0));
    CHECK(number(record.at("difference_percent")) == Approx(-50.0));
  }
  // The component gaps add up to the MEB gap: 2400 − 100 = 2300 = 4000 − 1700.
  // No component rows for the areas alt does not compute.
  CHECK(select(table, {{"area", "D"}, {"methodology", "alt"}}).empty());
  CHECK(select(table, {{"area_level", "national"}, {"methodology", "alt"}}).empty());
  // Every computed (key, method) has its two components: ref 10 keys, alt 6 keys → 32 component rows,
  // plus one Millet row for each: 16 → 48.
  CHECK(table.records.size() == 48);
  CHECK(two.comparison.component_rows == 48);
}

TEST_CASE("compare summary md per area table spread and Spearman matrix", "[compare]") {
  const TwoMethods two;
  const std::string& md = two.comparison.summary_md;
  // The latest month, 2020-02, per area: ref and alt MEB and TV, min, max, CV.
  //   A: 1700 and 4000 → min 1700, max 4000, mean 2850, population SD 1150, CV 1150/2850 = 40.35 % → 40.4%
  //   B: 3000 and 2650 → mean 2825, SD 175, CV 6.19 % → 6.2%
  //   D: ref only, 1800 → min = max = 1800, CV 0
  CHECK_THAT(md, Catch::Contains("2020-02"));
  CHECK_THAT(md, Catch::Contains("| area | ref MEB | TV | alt MEB | TV | min MEB | max MEB | CV |"));
  CHECK_THAT(md, Catch::Contains("| A | 1700 | 1700 | 4000 | 4000 | 1700 | 4000 | 40.4% |"));
  CHECK_THAT(md, Catch::Contains("| B | 3000 | 3000 | 2650 | 2650 | 2650 | 3000 | 6.2% |"));
  CHECK_THAT(md, Catch::Contains("| D | 1800 | 1800 | — | — | 1800 | 1800 | 0% |"));
  // Spearman over the areas both value, A, B, C: ref ranks 1, 2, 3 (1700, 3000, 3500), alt ranks 3, 1, 2
  // (4000, 2650, 3900) → −0.5 (see the spearman case).
  CHECK_THAT(md, Catch::Contains("Spearman"));
  CHECK_THAT(md, Catch::Contains("| ref | 1 | -0.5 |"));
  CHECK_THAT(md, Catch::Contains("| alt | -0.5 | 1 |"));
  // What alt could not compute is listed.
  CHECK_THAT(md, Catch::Contains("alt, D: not computed by this method"));
}

// ------------------------------------------------------------------------------------------------
// Invariant: a methodology compared with itself differs by zero everywhere.

TEST_CASE("compare invariant a method against itself differs by zero everywhere", "[compare]") {
  std::mt19937 rng(4242);
  std::uniform_int_distribution<int> price(50, 900), households(4, 20), size(1, 9), amount(0, 4000), coin(0, 3);
  std::size_t checked = 0;
  for (int trial = 0; trial < 100; ++trial) {
    // Random prices in three admin1 areas over three months, some missing; a random survey.
    std::string rows;
    for (const char* area : {"A", "B", "C"})
      for (const char* month : {"2020-01", "2020-02", "2020-03"})
        for (const char* item : {"Millet", "Sorghum"})
          if (coin(rng) > 0)
            rows += std::string(month) + "-15,M" + area + "," + area + ",,"+ item + ",KG,Retail,XOF," +
                    std::to_string(price(rng)) + "\n";
    rows += "2020-01-15,MA,A,,Millet,KG,Retail,XOF,100\n";
    std::string survey = "hh_id,weight,hh_size,admin1,food_30d,energy_30d,other_30d\n";
    const int n = households(rng);
    for (int h = 0; h < n; ++h)
      survey += "H" + std::to_string(h) + "," + std::to_string(1 + coin(rng)) + "," + std::to_string(size(rng)) + "," +
                std::string(1, "ABC"[coin(rng) % 3]) + "," + std::to_string(amount(rng)) + "," +
                std::to_string(amount(rng)) + "," + std::to_string(amount(rng)) + "\n";
    const std::string yaml =
        "id: self\nname: Self\ncurrency: XOF\nmethod: hybrid\nhousehold: {size: " + std::to_string(size(rng)) + "}\n"
        "prices:\n  levels: [market, admin1, national]\n"
        "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  admin1: admin1\n  expenditures:\n"
        "    - {column: food_30d, category: food, recall: 30d}\n"
        "    - {column: energy_30d, category: energy, recall: 30d}\n"
        "    - {column: other_30d, category: other, recall: 30d}\n"
        "reference_group: {statistic: " + std::string(coin(rng) < 2 ? "median" : "mean") +
        ", min_households: " + std::to_string(1 + coin(rng)) + "}\n"
        "basket:\n  - component: food\n    tier: smeb\n    items:\n"
        "      - {item: Millet, quantity: 8, unit: KG, per: household/month}\n"
        "      - {item: Sorghum, quantity: 4, unit: KG, per: household/month}\n"
        "  - {component: water, tier: smeb, cost: 700, per: household/month}\n"
        "  - {component: energy, tier: smeb, method: expenditure}\n"
        "  - {component: other, tier: meb, method: expenditure}\n"
        "transfer: {round: {step: 500}}\n";
    INFO("trial " << trial << "\n" << yaml << rows << survey);
    const meb::Methodology methodology = methodology_from(yaml);
    const meb::PriceTable prices = prices_for(methodology, kLongHeader + rows);
    const meb::Survey parsed = meb::read_survey("survey.csv", survey, *methodology.survey);
    const auto first = meb::compute(methodology, prices, nullptr, std::nullopt, std::nullopt, &parsed);
    const auto second = meb::compute(methodology, prices, nullptr, std::nullopt, std::nullopt, &parsed);
    const auto comparison = meb::compare_methods({{&methodology, &first}, {&methodology, &second}}, 0);

    const Table rows_table = table_of(comparison.comparison_csv);
    CHECK(rows_table.records.size() == 2 * first.rows.size());
    for (const auto& record : rows_table.records) {
      // A value missing in both is an empty difference; a value present differs by exactly 0.
      for (const char* column : {"meb_difference", "transfer_value_difference"}) {
        const std::string& value = record.at(column);
        const std::string& base = record.at(std::string(column) == "meb_difference" ? "meb" : "transfer_value");
        CHECK(value == (base.empty() ? "" : "0"));
      }
      for (const char* column : {"meb_difference_percent", "transfer_value_difference_percent"}) {
        const std::string& value = record.at(column);
        CHECK((value.empty() || value == "0"));
      }
      checked += record.at("meb").empty() ? 0 : 1;
    }
    const Table components = table_of(comparison.components_csv);
    for (const auto& record : components.records) {
      CHECK(record.at("cost") == record.at("reference_cost"));
      CHECK(record.at("difference") == (record.at("cost").empty() ? "" : "0"));
      CHECK((record.at("difference_percent").empty() || record.at("difference_percent") == "0"));
    }
    // Every area with a value has a zero spread: the summary's CV column says 0%.
    std::istringstream md(comparison.summary_md);
    for (std::string line; std::getline(md, line);)
      if (line.size() > 3 && line.compare(line.size() - 3, 3, "% |") == 0) CHECK_THAT(line, Catch::EndsWith("| 0% |"));
  }
  CHECK(checked > 300);  // the invariant was checked on values, not only on empty cells
}

// ------------------------------------------------------------------------------------------------
// Real data: the four Mali methodologies on the OMA prices reported in the press (DEMONSTRATION) and
// the SYNTHETIC survey, 2019-08. The survey-based values are checked independently by
// tests/python/test_mali_methods.py; here the values worked by hand from the price file.

TEST_CASE("compare real data Mali four methods 2019-08", "[compare]") {
  const std::string root = MEB_SOURCE_DIR;
  std::vector<meb::Methodology> methodologies;
  for (const char* file : {"mali-normative.yaml", "mali-expenditure.yaml", "mali-food-share.yaml", "mali-hybrid.yaml"})
    methodologies.push_back(meb::load_methodology(root + "/scenarios/" + file));
  const meb::Month august = meb::Month::from_year_month(2019, 8);
  std::vector<ComputeResult> results;
  for (const auto& methodology : methodologies) {
    meb::PriceTable prices;
    meb::read_price_file(root + "/data/mli/oma_retail_prices_reported.csv", meb::make_price_filter(methodology, false),
                         prices);
    std::optional<meb::Survey> survey;
    if (meb::needs_survey(methodology))
      survey = meb::read_survey_file(root + "/data/synthetic/synthetic_survey_mli.csv", *methodology.survey);
    results.push_back(meb::compute(methodology, prices, nullptr, august, august, survey ? &*survey : nullptr));
  }
  std::vector<meb::MethodRun> runs;
  for (std::size_t m = 0; m < methodologies.size(); ++m) runs.push_back({&methodologies[m], &results[m]});
  const meb::Comparison comparison = meb::compare_methods(runs, 0);

  // The values below are worked by hand for the food basket of the three Mali files with one, per person
  // and day: Millet 0.23, Sorghum 0.1, Maize 0.1, Rice (imported) 0.1, Cowpeas 0.07 KG.
  for (const std::size_t m : {0, 2, 3}) {
    std::vector<std::pair<std::string, double>> food;
    for (const auto& item : methodologies[m].basket.components[0].items) food.emplace_back(item.item, item.quantity);
    INFO(methodologies[m].id << ": the hand values assume this food basket; work them again if it changed");
    REQUIRE(food == std::vector<std::pair<std::string, double>>{
                        {"Millet", 0.23}, {"Sorghum", 0.1}, {"Maize", 0.1}, {"Rice (imported)", 0.1}, {"Cowpeas", 0.07}});
  }

  // 2019-08 retail quotes (all on 2019-08-08, one market per region), KG:
  //            Millet Sorghum Maize Rice(imported) Cowpeas
  //   Bamako     200    200    175      375         400
  //   Kayes      250    250    200      350         600
  //   Koulikoro   —     175    175      375         400
  //   Sikasso    200    200    125      375         450
  //   Ségou      150    150    150       —           —
  // national = median of the regions: Millet {200, 250, 200, 150} → 200; Sorghum {150, 175, 200, 200, 250}
  //   → 200; Maize {125, 150, 175, 175, 200} → 175; Rice {350, 375, 375, 375} → 375; Cowpeas
  //   {400, 400, 450, 600} → 425.
  // Food per person-day: 0.23×200 + 0.1×200 + 0.1×175 + 0.1×375 + 0.07×425 = 46 + 20 + 17.5 + 37.5 + 29.75
  //   = 150.75; × 30 days × 6 persons = 27,135.
  // Normative national: SMEB = 27,135 + water 3,000 + hygiene 2,500 + energy 7,500 = 40,135;
  //   MEB = 40,135 + 3,000 + 2,500 + 3,000 + 1,500 + 30,000/12 = 52,635; TV nearest 5,000 → 55,000.
  // Food share national: MEB = 27,135 / 0.532 = 51,005.639098; SMEB = 27,135; TV → 50,000.
  // Ségou (Rice and Cowpeas from the national value, fill parent): 0.23×150 + 0.1×150 + 0.1×150 + 37.5
  //   + 29.75 = 131.75 → × 180 = 23,715; normative MEB 23,715 + 25,500 = 49,215; food share 44,577.067669.
  // Koulikoro (Millet from the national 200): 46 + 17.5 + 17.5 + 37.5 + 28 = 146.5 → 26,370.
  const Table table = table_of(comparison.comparison_csv);
  auto value = [&](const std::string& method, const std::string& level, const std::string& area,
                   const std::string& column) {
    return number(one(table, {{"methodology", method}, {"area_level", level}, {"area", area}, {"month", "2019-08"}})[column]);
  };
  CHECK(value("mali-normative", "national", "national", "smeb") == Approx(40135.0).epsilon(1e-12));
  CHECK(value("mali-normative", "national", "national", "meb") == Approx(52635.0).epsilon(1e-12));
  CHECK(value("mali-normative", "national", "national", "transfer_value") == 55000.0);
  CHECK(value("mali-normative", "admin1", "Ségou", "meb") == Approx(49215.0).epsilon(1e-12));
  CHECK(value("mali-food-share", "national", "national", "smeb") == Approx(27135.0).epsilon(1e-12));
  CHECK(value("mali-food-share", "national", "national", "meb") == Approx(51005.639098).margin(1e-6));
  CHECK(value("mali-food-share", "national", "national", "transfer_value") == 50000.0);
  CHECK(value("mali-food-share", "admin1", "Ségou", "meb") == Approx(44577.067669).margin(1e-6));
  CHECK(value("mali-food-share", "admin1", "Koulikoro", "smeb") == Approx(26370.0).epsilon(1e-12));
  // Differences from the normative reference: 51,005.639098 − 52,635 = −1,629.360902, −3.095584 %.
  CHECK(value("mali-food-share", "national", "national", "meb_difference") == Approx(-1629.360902).margin(1e-6));
  CHECK(value("mali-food-share", "national", "national", "meb_difference_percent") ==
        Approx(-100.0 * 1629.360902 / 52635.0).margin(1e-6));
  // The hybrid's food, water and hygiene are the normative ones: its national SMEB minus its survey
  // energy line is 27,135 + 3,000 + 2,500 = 32,635.
  const std::size_t national_hybrid = row_of(results[3], AreaLevel::national, "national", "2019-08");
  double energy = 0.0;
  for (std::size_t l = 0; l < results[3].lines.size(); ++l)
    if (results[3].lines[l].component == "energy") energy += results[3].line_cost(national_hybrid, l);
  CHECK(smeb(results[3], national_hybrid) - energy == Approx(32635.0).epsilon(1e-12));

  // Every area of every method is in the comparison: the eight regions with a retail quote of a basket
  // item in the file (Bamako, Gao, Kayes, Koulikoro, Mopti, Sikasso, Ségou, Tombouctou) and national,
  // for the four methods: 9 × 4 = 36 rows; every method's difference is its MEB minus the normative one.
  CHECK(table.records.size() == 36);
  for (const auto& record : table.records) {
    const double ref = value("mali-normative", record.at("area_level"), record.at("area"), "meb");
    const double meb = number(record.at("meb"));
    if (std::isnan(meb)) {
      CHECK_FALSE(record.at("notes").empty());  // a missing value says why
      continue;
    }
    CHECK(number(record.at("meb_difference")) == Approx(meb - ref).margin(2e-6));
  }
  CHECK_THAT(comparison.summary_md, Catch::Contains("mali-expenditure") && Catch::Contains("Spearman"));
}

TEST_CASE("compare lists each component once even when its cost is missing", "[compare]") {
  // Millet has no price in 2020-02: the food component's cost is missing in both runs of the same
  // methodology, and components.csv still has exactly one food row and one water row per method.
  const std::string yaml =
      "id: once\nname: Once\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices: {levels: [market, admin1]}\n"
      "basket:\n"
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
      "  - {component: water, tier: smeb, cost: 100, per: household/month}\n";
  const meb::Methodology methodology = meb::testing::methodology_from(yaml);
  const meb::ComputeResult result = meb::testing::compute_from(
      yaml, "2020-01-15,M1,Mopti,,Millet,KG,Retail,XOF,250\n2020-03-15,M1,Mopti,,Millet,KG,Retail,XOF,260\n");
  meb::Methodology other = methodology;
  other.id = "once-again";
  const meb::Comparison comparison = meb::compare_methods({{&methodology, &result}, {&other, &result}}, 0);
  std::size_t food_rows = 0, water_rows = 0;
  std::istringstream lines(comparison.components_csv);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("admin1,Mopti,2020-02,", 0) != 0) continue;
    if (line.find(",food,,") != std::string::npos) ++food_rows;
    if (line.find(",water,,") != std::string::npos) ++water_rows;
  }
  CHECK(food_rows == 2);   // one per method
  CHECK(water_rows == 2);
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/outputs.hpp"
#include "test_helpers.hpp"

using meb::testing::methodology_error_of;
using meb::testing::methodology_from;
using Catch::Matchers::Contains;

namespace {


std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A minimal valid methodology: only the required keys. Line numbers are used by the tests below.
//  1 id: test-1
//  2 name: Test
//  3 currency: XOF
//  4 household: {size: 6}
//  5 basket:
//  6   - component: food
//  7     tier: meb
//  8     items:
//  9       - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
const std::string kMinimal = R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
)";

}  // namespace

TEST_CASE("methodology defaults apply when keys are absent", "[methodology]") {
  const meb::Methodology m = methodology_from(kMinimal);
  CHECK(m.id == "test-1");
  CHECK(m.name == "Test");
  CHECK(m.currency == "XOF");
  CHECK(m.version == "1");
  CHECK(m.source_path == "test.yaml");
  CHECK(m.days_per_month == 30.0);
  // Household: fixed size.
  CHECK(m.household.model == meb::HouseholdModel::fixed);
  CHECK(m.household.size == 6.0);
  // Transfer: no round = no rounding, floor 0, no cap, deduct 0, coverage 1, basis meb.
  CHECK_FALSE(m.transfer.rounding.has_value());
  CHECK(m.transfer.floor == 0.0);
  CHECK_FALSE(m.transfer.cap.has_value());
  CHECK(m.transfer.deduct == 0.0);
  CHECK(m.transfer.coverage == 1.0);
  CHECK(m.transfer.basis == meb::Tier::meb);
  // Prices: fill empty, on_missing missing, levels [market, admin1], median, min_observations 1, [actual].
  CHECK(m.prices.fill.empty());
  CHECK(m.prices.on_missing == meb::OnMissing::missing);
  CHECK(m.prices.levels == std::vector<meb::AreaLevel>{meb::AreaLevel::market, meb::AreaLevel::admin1});
  CHECK(m.prices.statistic == meb::Statistic::median);
  CHECK(m.prices.min_observations == 1);
  CHECK(m.prices.priceflags == std::vector<std::string>{"actual"});
  CHECK(m.prices.pricetype == "Retail");
  CHECK_FALSE(m.prices.wide.has_value());
  // Outputs: every level above market.
  CHECK(m.output_levels.empty());
  CHECK(m.reported_levels() == std::vector<meb::AreaLevel>{meb::AreaLevel::admin1});
  // Basket: one meb component, no smeb line, no mark-up.
  REQUIRE(m.basket.components.size() == 1);
  CHECK(m.basket.markup_percent == 0.0);
  CHECK_FALSE(m.basket.has_smeb_lines());
  const meb::BasketComponent& food = m.basket.components[0];
  CHECK(food.component == "food");
  CHECK(food.tier == meb::Tier::meb);
  CHECK(food.markup_percent == 0.0);
  REQUIRE(food.items.size() == 1);
  const meb::BasketItem& millet = food.items[0];
  CHECK(millet.item == "Millet");
  CHECK(millet.quantity == 0.25);
  CHECK(millet.unit.dimension == meb::Dimension::mass);
  CHECK(millet.unit.amount == 1.0);
  CHECK(millet.per == meb::Per::person_day);
  CHECK(millet.line == 9);
  CHECK_FALSE(millet.cost.has_value());
  CHECK_FALSE(millet.composite.has_value());
  CHECK(millet.aliases.empty());
  CHECK(millet.substitutes.empty());
}

TEST_CASE("methodology a basket with no smeb line leaves the smeb missing", "[methodology]") {
  const meb::Methodology m = methodology_from(kMinimal);
  const meb::PriceTable prices = meb::testing::prices_for(m,
                                                          "date,market,admin1,commodity,unit,pricetype,currency,price\n"
                                                          "2020-01-15,Ouaga,Centre,Millet,KG,Retail,XOF,200\n");
  const meb::ComputeResult result = meb::compute(m, prices, nullptr);
  const std::size_t r = meb::testing::row_of(result, meb::AreaLevel::admin1, "Centre", "2020-01");
  CHECK_FALSE(result.has_smeb);
  CHECK(std::isnan(result.smeb[static_cast<Eigen::Index>(r)]));
  // MEB = 0.25 kg x 30 days x 6 persons x 200 XOF/kg = 9,000.
  CHECK(result.meb[static_cast<Eigen::Index>(r)] == Approx(9000.0));
  // The smeb cell of transfer_values.csv is empty (the column after currency), the meb cell 9000.
  CHECK_THAT(meb::transfer_values_csv(m, result), Contains(",2020-01,6,6,XOF,,9000,"));
}

TEST_CASE("methodology non-default values are read", "[methodology]") {
  const meb::Methodology m = methodology_from(R"(id: Full-2
name: Full
version: 2024.1
currency: XOF
days_per_month: 30.4
household: {size: 7}
prices:
  pricetype: Wholesale
  priceflags: [actual, aggregate]
  levels: [market, admin2, admin1, national]
  statistic: mean
  min_observations: 2
  fill: [{carry_forward: 3}, parent]
  on_missing: zero
output_levels: [national]
basket:
  - component: food
    tier: smeb
    items:
      - {item: Millet, quantity: 500, unit: 500 G, per: person/month}
transfer:
  basis: smeb
  deduct: 10000
  coverage: 0.6
  floor: 1000
  cap: 90000
  round: {step: 1000, mode: up}
)");
  CHECK(m.id == "Full-2");
  CHECK(m.version == "2024.1");
  CHECK(m.days_per_month == 30.4);
  CHECK(m.prices.pricetype == "Wholesale");
  CHECK(m.prices.priceflags == std::vector<std::string>{"actual", "aggregate"});
  CHECK(m.prices.levels == std::vector<meb::AreaLevel>{meb::AreaLevel::market, meb::AreaLevel::admin2,
                                                       meb::AreaLevel::admin1, meb::AreaLevel::national});
  CHECK(m.prices.statistic == meb::Statistic::mean);
  CHECK(m.prices.min_observations == 2);
  REQUIRE(m.prices.fill.size() == 2);
  CHECK(m.prices.fill[0].kind == meb::FillRule::Kind::carry_forward);
  CHECK(m.prices.fill[0].months == 3);
  CHECK(m.prices.fill[1].kind == meb::FillRule::Kind::parent);
  CHECK(m.prices.on_missing == meb::OnMissing::zero);
  CHECK(m.reported_levels() == std::vector<meb::AreaLevel>{meb::AreaLevel::national});
  // "500 G" is half a kilogram.
  CHECK(m.basket.components[0].items[0].unit.dimension == meb::Dimension::mass);
  CHECK(m.basket.components[0].items[0].unit.amount == Approx(0.5));
  CHECK(m.basket.components[0].items[0].per == meb::Per::person_month);
  CHECK(m.transfer.basis == meb::Tier::smeb);
  CHECK(m.transfer.deduct == 10000.0);
  CHECK(m.transfer.coverage == 0.6);
  CHECK(m.transfer.floor == 1000.0);
  REQUIRE(m.transfer.cap.has_value());
  CHECK(*m.transfer.cap == 90000.0);
  REQUIRE(m.transfer.rounding.has_value());
  CHECK(m.transfer.rounding->step == 1000.0);
  CHECK(m.transfer.rounding->mode == meb::RoundingMode::up);
}

TEST_CASE("methodology unknown top-level key names file line column and allowed keys", "[methodology]") {
  // Line 10, column 1: "colour".
  const std::string message = methodology_error_of(kMinimal + "colour: red\n");
  CHECK_THAT(message, Contains("test.yaml:10:1: key 'colour'"));
  CHECK_THAT(message, Contains("unknown key"));
  CHECK_THAT(message, Contains("id, name, version, description, currency, days_per_month, household, prices"));
  CHECK(lines_of(message).size() == 1);
}

TEST_CASE("methodology unknown key in an item names the item path", "[methodology]") {
  // Line 9: "      - {item: Millet, qty: 1, quantity: 0.25, unit: KG, per: person/day}"
  // columns: 6 spaces, '-' 7, '{' 9, "item" 10-13, ':' 14, "Millet" 16-21, ',' 22, "qty" at 24.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, qty: 1, quantity: 0.25, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:9:24: key 'basket[0].items[0].qty'"));
  CHECK_THAT(message, Contains("unknown key"));
  CHECK_THAT(message, Contains("item, aliases, quantity, unit"));
}

TEST_CASE("methodology unknown key in transfer names transfer and its allowed keys", "[methodology]") {
  // Line 12 "  rounding: {step: 500}": the key starts at column 3.
  const std::string message = methodology_error_of(kMinimal + R"(transfer:
  basis: meb
  rounding: {step: 500}
)");
  CHECK_THAT(message, Contains("test.yaml:12:3: key 'transfer.rounding'"));
  CHECK_THAT(message, Contains("basis, deduct, coverage, floor, cap, round"));
}

TEST_CASE("methodology a quantity that is not a number is a type error with its value", "[methodology]") {
  // Line 11 "        quantity: abc": 8 spaces, "quantity" 9-16, ':' 17, "abc" at 19.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
      - item: Cowpeas
        quantity: abc
        unit: KG
        per: person/day
)");
  CHECK_THAT(message, Contains("test.yaml:11:19: key 'basket[0].items[1].quantity'"));
  CHECK_THAT(message, Contains("expected a number"));
  CHECK_THAT(message, Contains("'abc'"));
}

TEST_CASE("methodology a household size that is not a number is a type error", "[methodology]") {
  // Line 4 "household: {size: six}": '{' 12, "size" 13-16, ':' 17, "six" at 19.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: six}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:4:19: key 'household.size'"));
  CHECK_THAT(message, Contains("'six'"));
}

TEST_CASE("methodology a negative quantity names the minimum and the value", "[methodology]") {
  // Line 9: "quantity" starts at 24, ':' 32, "-1" at 34.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, quantity: -1, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:9:34: key 'basket[0].items[0].quantity'"));
  CHECK_THAT(message, Contains(">= 0"));
  CHECK_THAT(message, Contains("'-1'"));
}

TEST_CASE("methodology an unknown unit is an error unless exact_unit is true", "[methodology]") {
  // Line 11 "        unit: sack": 8 spaces, "unit" 9-12, ':' 13, "sack" at 15.
  const std::string head = R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - item: Millet
        quantity: 2
        unit: sack
        per: household/month
)";
  const std::string message = methodology_error_of(head);
  CHECK_THAT(message, Contains("test.yaml:11:15: key 'basket[0].items[0].unit'"));
  CHECK_THAT(message, Contains("unknown unit 'sack'"));
  CHECK_THAT(message, Contains("KG, G, L, ML, M3, pcs"));
  CHECK_THAT(message, Contains("exact_unit: true"));

  const meb::Methodology m = methodology_from(head + "        exact_unit: true\n");
  const meb::BasketItem& item = m.basket.components[0].items[0];
  CHECK(item.unit.text == "sack");
  CHECK_FALSE(item.unit.recognised());
  CHECK(item.quantity == 2.0);
}

TEST_CASE("methodology an empty basket is an error", "[methodology]") {
  // Line 5 "basket: []": the list starts at column 9.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket: []
)");
  CHECK_THAT(message, Contains("test.yaml:5:9: key 'basket'"));
  CHECK_THAT(message, Contains("non-empty list of components"));
}

TEST_CASE("methodology a component with an empty item list is an error", "[methodology]") {
  // Line 8 "    items: []": the list starts at column 12.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items: []
)");
  CHECK_THAT(message, Contains("test.yaml:8:12: key 'basket[0].items'"));
}

TEST_CASE("methodology a duplicate item is an error, case-insensitively", "[methodology]") {
  // Line 10: the second item's mapping starts at '{', column 9.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
      - {item: millet, quantity: 0.10, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:10:9: key 'basket[0].items[1]'"));
  CHECK_THAT(message, Contains("duplicate item 'millet'"));
  CHECK_THAT(message, Contains("basket[0].items[0]"));
}

TEST_CASE("methodology a duplicate item through an alias is an error", "[methodology]") {
  // Line 10 "      - {item: Maize, aliases: [sorghum], ...": '{' 9, "item" 10-13, "Maize" 16-20, ',' 21,
  // "aliases" 23-29, ':' 30, '[' at 32.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - {item: Sorghum, quantity: 0.1, unit: KG, per: person/day}
      - {item: Maize, aliases: [sorghum], quantity: 0.1, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:10:32: key 'basket[0].items[1].aliases'"));
  CHECK_THAT(message, Contains("duplicate item 'sorghum'"));
  CHECK_THAT(message, Contains("basket[0].items[0]"));
}

TEST_CASE("methodology a duplicate across components is an error", "[methodology]") {
  // A stated-cost component named like an item of another component. Line 10 "  - component: millet":
  // the mapping starts at column 5.
  const std::string message = methodology_error_of(kMinimal + R"(  - component: millet
    tier: meb
    cost: 100
    per: household/month
)");
  CHECK_THAT(message, Contains("test.yaml:10:5: key 'basket[1].component'"));
  CHECK_THAT(message, Contains("duplicate item 'millet'"));
}

TEST_CASE("methodology a bad per lists the allowed values", "[methodology]") {
  // Line 12 "        per: person/week": 8 spaces, "per" 9-11, ':' 12, value at 14.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: meb
    items:
      - item: Millet
        quantity: 0.25
        unit: KG
        per: person/week
)");
  CHECK_THAT(message, Contains("test.yaml:12:14: key 'basket[0].items[0].per'"));
  CHECK_THAT(message, Contains("'person/week'"));
  CHECK_THAT(message, Contains("person/day, person/month, household/month, household/year"));
}

TEST_CASE("methodology a bad tier lists the allowed values", "[methodology]") {
  // Line 7 "    tier: luxury": 4 spaces, "tier" 5-8, ':' 9, value at 11.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6}
basket:
  - component: food
    tier: luxury
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
)");
  CHECK_THAT(message, Contains("test.yaml:7:11: key 'basket[0].tier'"));
  CHECK_THAT(message, Contains("'luxury'"));
  CHECK_THAT(message, Contains("smeb, meb"));
}

TEST_CASE("methodology levels out of order are an error naming the order", "[methodology]") {
  // Line 11 "  levels: [market, admin1, admin2]": "levels" 3-8, ':' 9, '[' at 11.
  const std::string message = methodology_error_of(kMinimal + R"(prices:
  levels: [market, admin1, admin2]
)");
  CHECK_THAT(message, Contains("test.yaml:11:11: key 'prices.levels'"));
  CHECK_THAT(message, Contains("[market, admin1, admin2]"));
  CHECK_THAT(message, Contains("admin2, admin1, national"));
}

TEST_CASE("methodology a path that does not start at market is an error", "[methodology]") {
  const std::string message = methodology_error_of(kMinimal + R"(prices:
  levels: [admin1, national]
)");
  CHECK_THAT(message, Contains("test.yaml:11:11: key 'prices.levels'"));
  CHECK_THAT(message, Contains("must start at market"));
}

TEST_CASE("methodology an unknown level name lists the allowed values", "[methodology]") {
  // Line 11 "  levels: [market, region]": '[' 11, "market" 12-17, ',' 18, "region" at 20.
  const std::string message = methodology_error_of(kMinimal + R"(prices:
  levels: [market, region]
)");
  CHECK_THAT(message, Contains("test.yaml:11:20: key 'prices.levels[1]'"));
  CHECK_THAT(message, Contains("'region'"));
  CHECK_THAT(message, Contains("market, admin2, admin1, national"));
}

TEST_CASE("methodology a bad fill rule lists the allowed rules", "[methodology]") {
  // Line 11 "  fill: [parent, nearest]": "fill" 3-6, ':' 7, '[' 9, "parent" 10-15, ',' 16, "nearest" at 18.
  const std::string message = methodology_error_of(kMinimal + R"(prices:
  fill: [parent, nearest]
)");
  CHECK_THAT(message, Contains("test.yaml:11:18: key 'prices.fill[1]'"));
  CHECK_THAT(message, Contains("nearest"));
  CHECK_THAT(message, Contains("parent, {carry_forward: N}"));
}

TEST_CASE("methodology a bad on_missing lists the allowed values", "[methodology]") {
  // Line 11 "  on_missing: skip": "on_missing" 3-12, ':' 13, value at 15.
  const std::string message = methodology_error_of(kMinimal + R"(prices:
  on_missing: skip
)");
  CHECK_THAT(message, Contains("test.yaml:11:15: key 'prices.on_missing'"));
  CHECK_THAT(message, Contains("'skip'"));
  CHECK_THAT(message, Contains("missing, zero, error"));
}

TEST_CASE("methodology a cap below the floor is an error", "[methodology]") {
  // Line 12 "  cap: 500": value at column 8.
  const std::string message = methodology_error_of(kMinimal + R"(transfer:
  floor: 1000
  cap: 500
)");
  CHECK_THAT(message, Contains("test.yaml:12:8: key 'transfer.cap'"));
  CHECK_THAT(message, Contains("below the floor"));
  CHECK_THAT(message, Contains("1000"));
}

TEST_CASE("methodology a coverage above 1 is an error", "[methodology]") {
  // Line 11 "  coverage: 1.5": "coverage" 3-10, ':' 11, value at 13.
  const std::string message = methodology_error_of(kMinimal + R"(transfer:
  coverage: 1.5
)");
  CHECK_THAT(message, Contains("test.yaml:11:13: key 'transfer.coverage'"));
  CHECK_THAT(message, Contains("between 0 and 1"));
  CHECK_THAT(message, Contains("'1.5'"));
}

TEST_CASE("methodology a bad rounding mode lists the allowed values", "[methodology]") {
  // Line 11 "  round: {step: 500, mode: half}": '{' 10, "step" 11-14, "500" 17-19, ',' 20, "mode" 22-25,
  // ':' 26, "half" at 28.
  const std::string message = methodology_error_of(kMinimal + R"(transfer:
  round: {step: 500, mode: half}
)");
  CHECK_THAT(message, Contains("test.yaml:11:28: key 'transfer.round.mode'"));
  CHECK_THAT(message, Contains("nearest, up, down"));
}

TEST_CASE("methodology basis smeb without smeb lines is an error", "[methodology]") {
  // Line 11 "  basis: smeb": "basis" 3-7, ':' 8, value at 10.
  const std::string message = methodology_error_of(kMinimal + R"(transfer:
  basis: smeb
)");
  CHECK_THAT(message, Contains("test.yaml:11:10: key 'transfer.basis'"));
  CHECK_THAT(message, Contains("smeb"));
}

TEST_CASE("methodology output_levels outside the path is an error naming the allowed levels", "[methodology]") {
  // Default path [market, admin1]. Line 10 "output_levels: [national]": '[' 16, "national" at 17.
  const std::string message = methodology_error_of(kMinimal + "output_levels: [national]\n");
  CHECK_THAT(message, Contains("test.yaml:10:17: key 'output_levels[0]'"));
  CHECK_THAT(message, Contains("'national'"));
  CHECK_THAT(message, Contains("allowed values: admin1"));

  // market is never a reported level.
  CHECK_THAT(methodology_error_of(kMinimal + "output_levels: [market]\n"), Contains("test.yaml:10:17: key 'output_levels[0]'"));
}

TEST_CASE("methodology an id with bad characters is an error", "[methodology]") {
  // Line 1 "id: my_id!": value at column 5.
  std::string yaml = kMinimal;
  yaml.replace(0, std::string("id: test-1").size(), "id: my_id!");
  const std::string message = methodology_error_of(yaml);
  CHECK_THAT(message, Contains("test.yaml:1:5: key 'id'"));
  CHECK_THAT(message, Contains("'my_id!'"));
  CHECK_THAT(message, Contains("letters, digits and '-'"));
}

TEST_CASE("methodology a missing required key is named", "[methodology]") {
  // No currency: the error points at the root mapping and names the key.
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("currency: XOF\n"), std::string("currency: XOF\n").size(), "");
  const std::string message = methodology_error_of(yaml);
  CHECK_THAT(message, Contains("test.yaml:"));
  CHECK_THAT(message, Contains("key 'currency'"));
  CHECK_THAT(message, Contains("required"));
}

TEST_CASE("methodology a YAML syntax error names its line", "[methodology]") {
  // Line 4 has an unterminated flow sequence followed by a new key at line 5. yaml-cpp reports where
  // the parser gave up; the message must name the file and a line at or after the bad one.
  const std::string message = methodology_error_of(R"(id: test-1
name: Test
currency: XOF
household: {size: 6, bands: [1, 2}
basket:
  - component: food
)");
  CHECK_THAT(message, Contains("test.yaml:4:"));
  CHECK_THAT(message, Contains("YAML syntax error"));
}

TEST_CASE("methodology a YAML syntax error on a mapping value names its line", "[methodology]") {
  // Line 2 "name: a: b" is a mapping value where none is allowed.
  const std::string message = methodology_error_of(R"(id: test-1
name: a: b
currency: XOF
)");
  CHECK_THAT(message, Contains("test.yaml:2:"));
  CHECK_THAT(message, Contains("YAML syntax error"));
}

TEST_CASE("methodology all errors of a file are reported at once", "[methodology]") {
  //  1 id: bad id!             -> id (1:5)
  //  4 colour: red             -> unknown key (4:1)
  //  8     tier: luxury        -> bad tier (8:11)
  // 10 ... quantity: -1 ...    -> negative quantity (10:34)
  const std::string message = methodology_error_of(R"(id: bad id!
name: Four errors
currency: XOF
colour: red
household: {size: 6}
basket:
  - component: food
    tier: luxury
    items:
      - {item: Millet, quantity: -1, unit: KG, per: person/day}
)");
  const auto lines = lines_of(message);
  CHECK(lines.size() == 4);
  CHECK_THAT(message, Contains("test.yaml:1:5: key 'id'"));
  CHECK_THAT(message, Contains("test.yaml:4:1: key 'colour'"));
  CHECK_THAT(message, Contains("test.yaml:8:11: key 'basket[0].tier'"));
  CHECK_THAT(message, Contains("test.yaml:10:34: key 'basket[0].items[0].quantity'"));
  for (const auto& line : lines) CHECK_THAT(line, Catch::StartsWith("test.yaml:"));
}

TEST_CASE("methodology household models are read from YAML", "[methodology]") {
  const std::string basket = R"(basket:
  - component: food
    tier: smeb
    items:
      - {item: Millet, quantity: 0.25, unit: KG, per: person/day}
)";
  const std::string head = "id: h\nname: H\ncurrency: XOF\n";
  SECTION("bands with an open last band") {
    const auto m = methodology_from(head + R"(household:
  model: bands
  size: 8
  bands: [{up_to: 1, persons: 1}, {up_to: 5, persons: 5}, {up_to: 7, persons: 7}, {persons: 9}]
)" + basket);
    CHECK(m.household.model == meb::HouseholdModel::bands);
    REQUIRE(m.household.bands.size() == 4);
    CHECK(std::isinf(m.household.bands[3].up_to));
    CHECK(m.household.persons() == 9.0);  // 8 > 7: the open band
  }
  SECTION("capped") {
    const auto m = methodology_from(head + "household: {model: capped, size: 9, base: 1, max: 7}\n" + basket);
    CHECK(m.household.persons() == 7.0);  // 1 x min(9, 7)
  }
  SECTION("modified OECD") {
    const auto m =
        methodology_from(head + "household: {model: equivalence, scale: modified_oecd, adults: 2, children: 3}\n" + basket);
    CHECK(m.household.persons() == Approx(2.4));  // 1 + 0.5 x 1 + 0.3 x 3
  }
  SECTION("an unknown model lists the allowed models") {
    // Line 4 "household: {model: family, size: 6}": '{' 12, "model" 13-17, ':' 18, "family" at 20.
    const std::string message = methodology_error_of(head + "household: {model: family, size: 6}\n" + basket);
    CHECK_THAT(message, Contains("test.yaml:4:20: key 'household.model'"));
    CHECK_THAT(message, Contains("fixed, per_capita, bands, capped, equivalence"));
  }
}

TEST_CASE("methodology the shipped sahel-normative scenario parses", "[methodology]") {
  const meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  CHECK(m.id == "sahel-normative-2019");
  CHECK(m.version == "1");
  CHECK(m.currency == "XOF");
  CHECK(m.days_per_month == 30.0);
  CHECK(m.household.model == meb::HouseholdModel::fixed);
  CHECK(m.household.persons() == 6.0);
  CHECK(m.prices.pricetype == "Retail");
  CHECK(m.prices.priceflags == std::vector<std::string>{"actual"});
  CHECK(m.prices.levels == std::vector<meb::AreaLevel>{meb::AreaLevel::market, meb::AreaLevel::admin1,
                                                       meb::AreaLevel::national});
  CHECK(m.prices.statistic == meb::Statistic::median);
  REQUIRE(m.prices.fill.size() == 2);
  CHECK(m.prices.fill[0].kind == meb::FillRule::Kind::parent);
  CHECK(m.prices.fill[1].kind == meb::FillRule::Kind::carry_forward);
  CHECK(m.prices.fill[1].months == 2);
  CHECK(m.prices.on_missing == meb::OnMissing::missing);
  CHECK(m.reported_levels() == std::vector<meb::AreaLevel>{meb::AreaLevel::admin1, meb::AreaLevel::national});
  // food, water, hygiene, energy, health, education, household_items.
  REQUIRE(m.basket.components.size() == 7);
  CHECK(m.basket.has_smeb_lines());
  const auto& food = m.basket.components[0];
  CHECK(food.component == "food");
  CHECK(food.tier == meb::Tier::smeb);
  REQUIRE(food.items.size() == 5);
  CHECK(food.items[0].item == "Millet");
  CHECK(food.items[0].quantity == 0.15);
  CHECK(food.items[1].item == "Sorghum");
  CHECK(food.items[1].aliases == std::vector<std::string>{"Sorghum (white)"});
  CHECK(food.items[4].item == "Cowpeas");
  CHECK(food.items[4].quantity == 0.07);
  CHECK(food.items[4].aliases == std::vector<std::string>{"Beans (niebe)"});
  const auto& water = m.basket.components[1];
  CHECK(water.component == "water");
  CHECK(water.tier == meb::Tier::smeb);
  REQUIRE(water.items.size() == 1);
  REQUIRE(water.items[0].cost.has_value());
  CHECK(*water.items[0].cost == 3000.0);
  CHECK(water.items[0].per == meb::Per::household_month);
  CHECK(m.basket.components[3].tier == meb::Tier::meb);
  const auto& household_items = m.basket.components[6];
  CHECK(household_items.component == "household_items");
  CHECK(household_items.items[0].per == meb::Per::household_year);
  CHECK(*household_items.items[0].cost == 24000.0);
  CHECK(m.transfer.basis == meb::Tier::meb);
  CHECK(m.transfer.coverage == 1.0);
  CHECK(m.transfer.deduct == 0.0);
  CHECK_FALSE(m.transfer.cap.has_value());
  REQUIRE(m.transfer.rounding.has_value());
  CHECK(m.transfer.rounding->step == 5000.0);
  CHECK(m.transfer.rounding->mode == meb::RoundingMode::nearest);
  // The summary names the components and the transfer rule.
  const std::string summary = meb::summarise(m);
  CHECK_THAT(summary, Contains("sahel-normative-2019"));
  CHECK_THAT(summary, Contains("household_items"));
  CHECK_THAT(summary, Contains("nearest"));
}

TEST_CASE("methodology the shipped sahel-capped-smeb scenario parses", "[methodology]") {
  const meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-capped-smeb.yaml");
  CHECK(m.id == "sahel-capped-smeb-2019");
  CHECK(m.household.model == meb::HouseholdModel::capped);
  CHECK(m.household.size == 9.0);
  CHECK(m.household.base == 1.0);
  CHECK(m.household.max == 7.0);
  CHECK(m.household.persons() == 7.0);  // 1 x min(9, 7)
  CHECK(m.household.reported_size() == 9.0);
  CHECK(m.prices.levels == std::vector<meb::AreaLevel>{meb::AreaLevel::market, meb::AreaLevel::admin1});
  REQUIRE(m.prices.fill.size() == 2);
  CHECK(m.prices.fill[0].kind == meb::FillRule::Kind::carry_forward);
  CHECK(m.prices.fill[0].months == 1);
  CHECK(m.prices.fill[1].kind == meb::FillRule::Kind::parent);
  CHECK(m.reported_levels() == std::vector<meb::AreaLevel>{meb::AreaLevel::admin1});
  CHECK(m.basket.components.size() == 7);
  CHECK(m.basket.components[0].items.size() == 5);
  CHECK(m.transfer.basis == meb::Tier::smeb);
  CHECK(m.transfer.deduct == 10000.0);
  CHECK(m.transfer.coverage == 0.6);
  CHECK(m.transfer.floor == 0.0);
  REQUIRE(m.transfer.cap.has_value());
  CHECK(*m.transfer.cap == 100000.0);
  REQUIRE(m.transfer.rounding.has_value());
  CHECK(m.transfer.rounding->step == 500.0);
  CHECK(m.transfer.rounding->mode == meb::RoundingMode::down);
}

TEST_CASE("methodology a missing file is a MethodologyError naming the path", "[methodology]") {
  REQUIRE_THROWS_AS(meb::load_methodology("/nonexistent/dir/m.yaml"), meb::MethodologyError);
  REQUIRE_THROWS_WITH(meb::load_methodology("/nonexistent/dir/m.yaml"), Contains("/nonexistent/dir/m.yaml"));
}

// Robustness: whatever a user does to a methodology file, loading it either succeeds or raises a
// MethodologyError; never another exception (yaml-cpp's InvalidNode, std::bad_alloc ...) or a crash.
TEST_CASE("methodology mutated files give a MethodologyError or load and never anything else", "[methodology]") {
  std::vector<std::string> lines;
  {
    std::istringstream text(meb::read_file(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml") + "\n" +
                            meb::read_file(MEB_SOURCE_DIR "/scenarios/mali-oma-demo.yaml"));
    for (std::string line; std::getline(text, line);) lines.push_back(line);
  }
  const std::vector<std::string> replacements = {"", "abc", "-1", "[]", "{}", "null", "1e309", "[a, b]", "{x: 1}",
                                                 "0", "\"\"", "true", "median", "person/day"};
  std::mt19937 random(20261129);
  std::size_t loaded = 0, rejected = 0;
  for (int round = 0; round < 600; ++round) {
    std::vector<std::string> mutated = lines;
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits; ++e) {
      const std::size_t at = random() % mutated.size();
      switch (random() % 4) {
        case 0: mutated.erase(mutated.begin() + static_cast<std::ptrdiff_t>(at)); break;
        case 1: mutated.insert(mutated.begin() + static_cast<std::ptrdiff_t>(at), mutated[at]); break;
        case 2: {  // replace the value after the first ': ' with something of another type
          const auto colon = mutated[at].find(": ");
          if (colon != std::string::npos)
            mutated[at] = mutated[at].substr(0, colon + 2) + replacements[random() % replacements.size()];
          break;
        }
        default: mutated[at] = "  " + mutated[at]; break;  // break the indentation
      }
      if (mutated.empty()) mutated.push_back("id: x");
    }
    std::string text;
    for (const auto& line : mutated) text += line + "\n";
    INFO("round " << round << ":\n" << text);
    try {
      (void)meb::parse_methodology(text, "mutated.yaml");
      ++loaded;
    } catch (const meb::MethodologyError& error) {
      CHECK_THAT(error.what(), Catch::Contains("mutated.yaml:"));
      ++rejected;
    }
  }
  // Both outcomes occur: the mutations are neither all harmless nor all fatal.
  CHECK(loaded > 0);
  CHECK(rejected > 0);
}

TEST_CASE("methodology keys of another household model, an empty carry_forward, a repeated output level and a band-less size are errors", "[methodology]") {
  const std::string yaml =
      "id: strict\nname: Strict\ncurrency: XOF\n"
      "household: {size: 6, max: 7}\n"                                    // line 4: max belongs to capped
      "prices:\n  levels: [market, admin1, national]\n"
      "  fill: [{carry_forward: }]\n"                                      // line 7
      "  pricetype: \"\"\n"                                                // line 8
      "output_levels: [admin1, admin1]\n"                                  // line 9
      "basket:\n  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n";
  std::string message;
  try {
    (void)methodology_from(yaml);
  } catch (const meb::MethodologyError& error) {
    message = error.what();
  }
  CHECK_THAT(message, Catch::Contains("test.yaml:4:") && Catch::Contains("key 'household.max': unknown key; allowed keys here: model, size"));
  CHECK_THAT(message, Catch::Contains("test.yaml:7:") && Catch::Contains("prices.fill[0].carry_forward': needs a number of months"));
  CHECK_THAT(message, Catch::Contains("test.yaml:8:") && Catch::Contains("prices.pricetype': must name a price type"));
  CHECK_THAT(message, Catch::Contains("test.yaml:9:") && Catch::Contains("output_levels[1]': 'admin1' is listed twice"));
  CHECK(std::count(message.begin(), message.end(), '\n') == 3);  // four errors, one per line

  const std::string bands =
      "id: bands\nname: Bands\ncurrency: XOF\n"
      "household:\n  model: bands\n  size: 9\n  bands: [{up_to: 5, persons: 5}, {up_to: 7, persons: 7}]\n"
      "basket:\n  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n";
  REQUIRE_THROWS_WITH(methodology_from(bands), Catch::Contains("key 'household.bands': no band holds a household of size '9'"));
}

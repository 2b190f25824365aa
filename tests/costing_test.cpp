#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>

#include "meb/costing.hpp"
#include "test_helpers.hpp"

// Known answers for meb/costing.hpp: composites, substitutes, stated costs, mark-ups, household models
// and the row sums of the basket, through meb::compute on inline long CSVs and YAML methodologies, and
// through price_line / basket_totals directly where that is plainer.

using meb::AreaLevel;
using meb::PriceStatus;
using namespace meb::testing;

namespace {

const std::string& kHeader = meb::testing::kLongHeader;

/// A methodology from its parts: `household` and `prices` are YAML flow maps or blocks, `basket` the list.
std::string methodology_text(const std::string& household, const std::string& prices, const std::string& basket,
                             const std::string& tail = "") {
  return "id: costing-test\nname: Costing test\ncurrency: XOF\nhousehold: " + household + "\nprices:\n" + prices +
         "basket:\n" + basket + tail;
}

meb::ComputeResult run(const std::string& yaml, const std::string& csv_rows) { return compute_from(yaml, csv_rows); }


std::string series_name(const meb::ComputeResult& result, const meb::LinePrice& price) {
  REQUIRE(price.priced_as >= 0);
  return result.panel.series[static_cast<std::size_t>(price.priced_as)].name;
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace

TEST_CASE("costing composite is the mean of the alternatives that have a price", "[costing]") {
  // Cooking gas = mean of Gas (public) and Gas (private), 2 bottles of 11 KG a month, household of 1.
  //   A: public 5,500 per 11 KG; private 600 per KG = 6,600 per 11 KG → mean 6,050, cost 2 × 6,050 = 12,100.
  //   B: only private, 660 per KG = 7,260 per 11 KG → 7,260 (the mean of what has a price), cost 14,520.
  //   C: neither (C exists through its Millet quote) → missing.
  const std::string basket =
      "  - component: energy\n    tier: smeb\n    items:\n"
      "      - {item: Cooking gas, composite: {of: [Gas (public), Gas (private)], statistic: mean}, quantity: 2, "
      "unit: 11 KG, per: household/month}\n"
      "      - {item: Millet, quantity: 0, unit: KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Gas (public),11 KG,Retail,XOF,5500\n"
                          "2020-01-15,M2,A,,Gas (private),KG,Retail,XOF,600\n"
                          "2020-01-15,M3,B,,Gas (private),KG,Retail,XOF,660\n"
                          "2020-01-15,M4,C,,Millet,KG,Retail,XOF,100\n");
  const std::size_t gas = line_of(result, "Cooking gas");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(result.line_price(a, gas).price == Approx(6050.0).epsilon(1e-12));
  CHECK(result.line_price(a, gas).status == PriceStatus::observed);
  CHECK(result.line_price(a, gas).observations == 2);  // one market behind each alternative
  CHECK(smeb(result, a) == Approx(12100.0).epsilon(1e-12));
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(result.line_price(b, gas).price == Approx(7260.0).epsilon(1e-12));
  CHECK(smeb(result, b) == Approx(14520.0).epsilon(1e-12));
  const std::size_t c = row_of(result, AreaLevel::admin1, "C", "2020-01");
  CHECK(result.line_price(c, gas).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, c)));
}

TEST_CASE("costing composite min and median of alternatives", "[costing]") {
  // Three alternatives in A: X 300, Y 100, Z 250 per KG; in B only X 300 and Z 250.
  //   min: A 100, B 250. median: A 250, B (300 + 250) / 2 = 275.
  const std::string rows =
      "2020-01-15,M1,A,,X,KG,Retail,XOF,300\n"
      "2020-01-15,M1,A,,Y,KG,Retail,XOF,100\n"
      "2020-01-15,M1,A,,Z,KG,Retail,XOF,250\n"
      "2020-01-15,M2,B,,X,KG,Retail,XOF,300\n"
      "2020-01-15,M2,B,,Z,KG,Retail,XOF,250\n";
  for (const std::string statistic : {"min", "median"}) {
    const std::string basket =
        "  - component: food\n    tier: smeb\n    items:\n"
        "      - {item: Cereal, composite: {of: [X, Y, Z], statistic: " + statistic +
        "}, quantity: 1, unit: KG, per: household/month}\n";
    const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket), rows);
    const double a = smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-01"));
    const double b = smeb(result, row_of(result, AreaLevel::admin1, "B", "2020-01"));
    if (statistic == "min") {
      CHECK(a == 100.0);
      CHECK(b == 250.0);
    } else {
      CHECK(a == 250.0);
      CHECK(b == 275.0);
    }
  }
}

TEST_CASE("costing composite uses filled alternatives and takes the least certain status", "[costing]") {
  // fill [{carry_forward: 1}]. A: public 5,500 (January only), private 7,000 per 11 KG in January and February.
  //   January: mean(5,500, 7,000) = 6,250, observed.
  //   February: public carried from January (5,500), private 7,700 → mean 6,600, status carried_forward.
  // B: private observed in January (8,000), nothing in February, public observed in February (6,000):
  //   February: mean(6,000 observed, 8,000 carried) = 7,000, carried_forward.
  const std::string basket =
      "  - component: energy\n    tier: smeb\n    items:\n"
      "      - {item: Cooking gas, composite: {of: [Gas (public), Gas (private)], statistic: mean}, quantity: 1, "
      "unit: 11 KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n  fill: [{carry_forward: 1}]\n",
                                           basket),
                          "2020-01-15,M1,A,,Gas (public),11 KG,Retail,XOF,5500\n"
                          "2020-01-15,M1,A,,Gas (private),11 KG,Retail,XOF,7000\n"
                          "2020-02-15,M1,A,,Gas (private),11 KG,Retail,XOF,7700\n"
                          "2020-01-15,M2,B,,Gas (private),11 KG,Retail,XOF,8000\n"
                          "2020-02-15,M2,B,,Gas (public),11 KG,Retail,XOF,6000\n");
  const std::size_t gas = line_of(result, "Cooking gas");
  const std::size_t a1 = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(result.line_price(a1, gas).price == 6250.0);
  CHECK(result.line_price(a1, gas).status == PriceStatus::observed);
  const std::size_t a2 = row_of(result, AreaLevel::admin1, "A", "2020-02");
  CHECK(result.line_price(a2, gas).price == 6600.0);
  CHECK(result.line_price(a2, gas).status == PriceStatus::carried_forward);
  // The composite names where its carried price came from: January, the panel's first month.
  CHECK(result.panel.month_at(static_cast<std::size_t>(result.line_price(a2, gas).source_month)).to_string() ==
        "2020-01");
  CHECK(smeb(result, a2) == 6600.0);
  const std::size_t b2 = row_of(result, AreaLevel::admin1, "B", "2020-02");
  CHECK(result.line_price(b2, gas).price == 7000.0);
  CHECK(result.line_price(b2, gas).status == PriceStatus::carried_forward);
  // B in January: only private (8,000), public has nothing to carry → the mean of one: 8,000, observed.
  const std::size_t b1 = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(result.line_price(b1, gas).price == 8000.0);
  CHECK(result.line_price(b1, gas).status == PriceStatus::observed);
}

TEST_CASE("costing composite status parent beats observed", "[costing]") {
  // [market, admin2, admin1], fill [parent]. R / D1: public 5,000 and private 7,000; R / D2: private 9,000.
  // R: public 5,000 (D1 only), private median(7,000, 9,000) = 8,000.
  // D2: public from the parent (5,000, status parent), private observed 9,000 → mean 7,000, status parent.
  const std::string basket =
      "  - component: energy\n    tier: smeb\n    items:\n"
      "      - {item: Cooking gas, composite: {of: [Gas (public), Gas (private)], statistic: mean}, quantity: 1, "
      "unit: 11 KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin2, admin1]\n  fill: [parent]\n", basket),
                          "2020-01-15,M1,R,D1,Gas (public),11 KG,Retail,XOF,5000\n"
                          "2020-01-15,M1,R,D1,Gas (private),11 KG,Retail,XOF,7000\n"
                          "2020-01-15,M2,R,D2,Gas (private),11 KG,Retail,XOF,9000\n");
  const std::size_t gas = line_of(result, "Cooking gas");
  const std::size_t d2 = row_of(result, AreaLevel::admin2, "D2", "2020-01");
  CHECK(result.line_price(d2, gas).price == 7000.0);
  CHECK(result.line_price(d2, gas).status == PriceStatus::parent);
  // ... and names the parent its public gas price came from.
  CHECK(result.areas.areas[static_cast<std::size_t>(result.line_price(d2, gas).source_area)].name == "R");
  const std::size_t r = row_of(result, AreaLevel::admin1, "R", "2020-01");
  CHECK(result.line_price(r, gas).price == 6500.0);  // mean(5,000, 8,000)
  CHECK(result.line_price(r, gas).status == PriceStatus::observed);
}

TEST_CASE("costing substitutes are priced in order when the item has no price", "[costing]") {
  // Millet, substitutes [Sorghum, Maize], 10 KG a month, household of 1.
  //   A: Millet 200 → 2,000, priced as itself.
  //   B: no Millet; Sorghum 150 and Maize 120 → the first substitute, Sorghum: 1,500.
  //   C: Maize 120 only → 1,200.
  //   D: none of them (D exists through a Cowpeas quote, a zero-quantity line) → missing.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, substitutes: [Sorghum, Maize], quantity: 10, unit: KG, per: household/month}\n"
      "      - {item: Cowpeas, quantity: 0, unit: KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n"
                          "2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,999\n"
                          "2020-01-15,M2,B,,Sorghum,KG,Retail,XOF,150\n"
                          "2020-01-15,M2,B,,Maize,KG,Retail,XOF,120\n"
                          "2020-01-15,M3,C,,Maize,100 KG,Retail,XOF,12000\n"
                          "2020-01-15,M4,D,,Cowpeas,KG,Retail,XOF,400\n");
  const std::size_t millet = line_of(result, "Millet");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == 2000.0);
  CHECK(result.line_price(a, millet).priced_as == -1);
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(smeb(result, b) == 1500.0);
  CHECK(series_name(result, result.line_price(b, millet)) == "Sorghum");
  CHECK(result.line_price(b, millet).status == PriceStatus::observed);
  const std::size_t c = row_of(result, AreaLevel::admin1, "C", "2020-01");
  CHECK(smeb(result, c) == Approx(1200.0).epsilon(1e-12));  // 12,000 per 100 KG = 120 per KG
  CHECK(series_name(result, result.line_price(c, millet)) == "Maize");
  const std::size_t d = row_of(result, AreaLevel::admin1, "D", "2020-01");
  CHECK(result.line_price(d, millet).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, d)));
}

TEST_CASE("costing substitutes come after the item's own filled price", "[costing]") {
  // fill [{carry_forward: 1}]. A: Millet 200 in January only; Sorghum 150 in February.
  // February: Millet has a (carried) price after filling, so the substitute is not used: 200.
  // March: Millet is 2 months old (no price after filling), Sorghum carried from February (150).
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, substitutes: [Sorghum], quantity: 1, unit: KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n  fill: [{carry_forward: 1}]\n",
                                           basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n"
                          "2020-02-15,M1,A,,Sorghum,KG,Retail,XOF,150\n"
                          "2020-03-15,M2,B,,Millet,KG,Retail,XOF,100\n");
  const std::size_t millet = line_of(result, "Millet");
  const std::size_t feb = row_of(result, AreaLevel::admin1, "A", "2020-02");
  CHECK(smeb(result, feb) == 200.0);
  CHECK(result.line_price(feb, millet).status == PriceStatus::carried_forward);
  CHECK(result.line_price(feb, millet).priced_as == -1);
  const std::size_t mar = row_of(result, AreaLevel::admin1, "A", "2020-03");
  CHECK(smeb(result, mar) == 150.0);
  CHECK(series_name(result, result.line_price(mar, millet)) == "Sorghum");
  CHECK(result.line_price(mar, millet).status == PriceStatus::carried_forward);
}

TEST_CASE("costing stated costs per household per month and per year", "[costing]") {
  // Household of 6. Food: Millet 0.5 KG per person per day at 100 → 0.5 × 6 × 30 × 100 = 9,000.
  // Water (smeb) 3,000 per household per month. Soap (smeb, an item with a cost) 100 per person per month
  // → 100 × 6 = 600. Household items (meb) 24,000 per household per year → 2,000 a month.
  // SMEB = 9,000 + 3,000 + 600 = 12,600. MEB = 12,600 + 2,000 = 14,600.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 0.5, unit: KG, per: person/day}\n"
      "  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n"
      "  - component: hygiene\n    tier: smeb\n    items:\n"
      "      - {item: Soap, cost: 100, per: person/month}\n"
      "  - component: household_items\n    tier: meb\n    cost: 24000\n    per: household/year\n";
  const auto result = run(methodology_text("{size: 6}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == Approx(12600.0).epsilon(1e-12));
  CHECK(meb_of(result, a) == Approx(14600.0).epsilon(1e-12));
  const meb::LinePrice& water = result.line_price(a, line_of(result, "water"));
  CHECK(water.source == meb::LineSource::stated);
  CHECK(water.status == PriceStatus::observed);
  CHECK(water.price == 3000.0);
  CHECK(result.line_price(a, line_of(result, "household_items")).price == Approx(2000.0).epsilon(1e-12));
  CHECK(result.line_price(a, line_of(result, "Soap")).price == Approx(600.0).epsilon(1e-12));
}

TEST_CASE("costing mark-up on a component and on the total", "[costing]") {
  // Household of 1. Food (smeb, mark-up 10%): Millet 1 KG at 200 → 220. Water (smeb) 3,000. Household items
  // (meb) 24,000 per year → 2,000. Total mark-up 5%:
  //   SMEB = (220 + 3,000) × 1.05 = 3,381.  MEB = (220 + 3,000 + 2,000) × 1.05 = 5,481.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    markup_percent: 10\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
      "  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n"
      "  - component: household_items\n    tier: meb\n    cost: 24000\n    per: household/year\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket, "markup_percent: 5\n"),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == Approx(3381.0).epsilon(1e-12));
  CHECK(meb_of(result, a) == Approx(5481.0).epsilon(1e-12));
  // The line keeps its price per unit; the mark-up is the line's factor.
  CHECK(result.line_price(a, line_of(result, "Millet")).price == 200.0);
  CHECK(result.lines[line_of(result, "Millet")].markup_factor == Approx(1.10).epsilon(1e-12));
  // A mark-up on a stated component (Syria's 7.5%): 3,000 × 1.075 = 3,225.
  const std::string marked =
      "  - component: water\n    tier: smeb\n    markup_percent: 7.5\n    cost: 3000\n    per: household/month\n"
      "  - component: food\n    tier: meb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
  const auto water = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", marked),
                         "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n");
  const std::size_t w = row_of(water, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(water, w) == Approx(3225.0).epsilon(1e-12));
  CHECK(meb_of(water, w) == Approx(3425.0).epsilon(1e-12));  // + 200
}

TEST_CASE("costing household models multiply per-person quantities", "[costing]") {
  // Millet 0.5 KG per person per day at 100 per KG, 30 days: cost = 0.5 × persons × 30 × 100 = 1,500 × persons.
  // A per-household item (Soap, 2 pcs a month at 250) does not depend on the model: + 500.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 0.5, unit: KG, per: person/day}\n"
      "      - {item: Soap, quantity: 2, unit: pcs, per: household/month}\n";
  const std::string rows = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                           "2020-01-15,M1,A,,Soap,pcs,Retail,XOF,250\n";
  struct Case {
    const char* household;
    double persons;
  };
  const Case cases[] = {
      {"{size: 6}", 6.0},                                        // fixed
      {"{model: fixed, size: 6.5}", 6.5},                        // fixed, a fractional mean size
      {"{model: per_capita}", 1.0},                              // per capita
      // bands: up to 1 → 1, up to 5 → 5, above → 7. Size 6 → 7 persons; size 5 → 5 (bounds inclusive).
      {"{model: bands, size: 6, bands: [{up_to: 1, persons: 1}, {up_to: 5, persons: 5}, {persons: 7}]}", 7.0},
      {"{model: bands, size: 5, bands: [{up_to: 1, persons: 1}, {up_to: 5, persons: 5}, {persons: 7}]}", 5.0},
      {"{model: capped, size: 8, base: 1, max: 5}", 5.0},        // 1 × min(8, 5)
      {"{model: capped, size: 3, base: 1, max: 5}", 3.0},        // 1 × min(3, 5)
      // OECD: 1 + 0.7 × (2 − 1) + 0.5 × 3 = 3.2; modified: 1 + 0.5 × 1 + 0.3 × 3 = 2.4; sqrt(2 + 2) = 2.
      {"{model: equivalence, scale: oecd, adults: 2, children: 3}", 3.2},
      {"{model: equivalence, scale: modified_oecd, adults: 2, children: 3}", 2.4},
      {"{model: equivalence, scale: square_root, adults: 2, children: 2}", 2.0},
  };
  for (const Case& c : cases) {
    INFO(c.household);
    const auto result = run(methodology_text(c.household, "  levels: [market, admin1]\n", basket), rows);
    const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
    CHECK(result.lines[line_of(result, "Millet")].monthly_quantity == Approx(0.5 * c.persons * 30.0).epsilon(1e-12));
    CHECK(result.lines[line_of(result, "Soap")].monthly_quantity == Approx(2.0).epsilon(1e-12));
    CHECK(smeb(result, a) == Approx(1500.0 * c.persons + 500.0).epsilon(1e-12));
  }
}

TEST_CASE("costing person per month items and days_per_month", "[costing]") {
  // Household of 6, 31 days a month. Millet 0.5 KG per person per day → 0.5 × 6 × 31 = 93 KG at 100 = 9,300.
  // Sugar 1 KG per person per month → 6 KG at 500 = 3,000. Total 12,300.
  const std::string yaml = "id: costing-test\nname: Costing test\ncurrency: XOF\ndays_per_month: 31\n"
                           "household: {size: 6}\nprices:\n  levels: [market, admin1]\nbasket:\n"
                           "  - component: food\n    tier: smeb\n    items:\n"
                           "      - {item: Millet, quantity: 0.5, unit: KG, per: person/day}\n"
                           "      - {item: Sugar, quantity: 1, unit: KG, per: person/month}\n";
  const auto result = run(yaml, "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                                "2020-01-15,M1,A,,Sugar,KG,Retail,XOF,500\n");
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-01")) == Approx(12300.0).epsilon(1e-12));
}

TEST_CASE("costing tiers the SMEB is the smeb lines and the MEB all lines", "[costing]") {
  // Household of 1. Millet (smeb) 2 KG at 100 = 200; Rice (meb) 1 KG at 400 = 400; water (meb) 1,000.
  // SMEB = 200; MEB = 1,600.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n"
      "  - component: extra\n    tier: meb\n    items:\n"
      "      - {item: Rice, quantity: 1, unit: KG, per: household/month}\n"
      "  - component: water\n    tier: meb\n    cost: 1000\n    per: household/month\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M1,A,,Rice,KG,Retail,XOF,400\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == 200.0);
  CHECK(meb_of(result, a) == 1600.0);
  CHECK(result.has_smeb);
  // A missing meb-tier price leaves the SMEB computable and the MEB missing.
  const auto partial = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                           "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                           "2020-01-15,M2,B,,Rice,KG,Retail,XOF,400\n");
  const std::size_t pa = row_of(partial, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(partial, pa) == 200.0);
  CHECK(std::isnan(meb_of(partial, pa)));
}

TEST_CASE("costing a basket without smeb lines has no SMEB", "[costing]") {
  const std::string basket =
      "  - component: food\n    tier: meb\n    items:\n"
      "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK_FALSE(result.has_smeb);
  CHECK(std::isnan(smeb(result, a)));
  CHECK(meb_of(result, a) == 200.0);
}

TEST_CASE("costing basket_totals sums quantity times price over the tier", "[costing]") {
  // Two rows, three lines. quantities 2, 0, 3; mask 1, 1, 0 (the third line is outside the tier).
  //   row 0: prices 10, NaN, 5 → 2 × 10 + (zero quantity: nothing) + (outside the tier) = 20.
  //   row 1: prices NaN, 7, 1 → the first line's price is missing → NaN; as zero: 0 + 0 × 7 = 0.
  Eigen::MatrixXd prices(2, 3);
  prices << 10.0, kNaN, 5.0, kNaN, 7.0, 1.0;
  Eigen::VectorXd quantities(3);
  quantities << 2.0, 0.0, 3.0;
  Eigen::VectorXd mask(3);
  mask << 1.0, 1.0, 0.0;
  const Eigen::VectorXd totals = meb::basket_totals(prices, quantities, mask, false);
  CHECK(totals[0] == 20.0);
  CHECK(std::isnan(totals[1]));
  const Eigen::VectorXd zeros = meb::basket_totals(prices, quantities, mask, true);
  CHECK(zeros[0] == 20.0);
  CHECK(zeros[1] == 0.0);
  // All lines: row 0 = 20 + 3 × 5 = 35; row 1 missing (line 0), or 0 + 3 × 1 = 3 as zero.
  const Eigen::VectorXd all = meb::basket_totals(prices, quantities, Eigen::VectorXd::Ones(3), false);
  CHECK(all[0] == 35.0);
  CHECK(std::isnan(all[1]));
  CHECK(meb::basket_totals(prices, quantities, Eigen::VectorXd::Ones(3), true)[1] == 3.0);
}

TEST_CASE("costing price_line converts the series price to the line unit", "[costing]") {
  // Millet priced per KG (the series is in the first line's unit, KG); a second basket line reads a
  // substitute in 500 G: Sorghum per 500 G = per KG / 2.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
      "      - {item: Flour, substitutes: [Millet], quantity: 4, unit: 500 G, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,300\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  const meb::CostLine& flour = result.lines[line_of(result, "Flour")];
  const meb::LinePrice price = meb::price_line(flour, result.panel, static_cast<std::size_t>(result.rows[a].area),
                                               result.rows[a].month);
  // 300 per KG = 150 per 500 G; 4 × 150 = 600; SMEB = 300 + 600 = 900.
  CHECK(price.price == Approx(150.0).epsilon(1e-12));
  CHECK(series_name(result, price) == "Millet");
  CHECK(smeb(result, a) == Approx(900.0).epsilon(1e-12));
}

TEST_CASE("costing a substitute priced in another unit is converted to the line unit", "[costing]") {
  // Millet (KG, 10 a month) with substitute Sorghum; Sorghum is also a basket line of its own in 50 KG
  // bags (quantity 0), so its series is per 50 KG. B has no Millet; Sorghum quoted 7,500 per 50 KG
  // = 150 per KG → Millet line priced 150, cost 10 × 150 = 1,500.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, substitutes: [Sorghum], quantity: 10, unit: KG, per: household/month}\n"
      "      - {item: Sorghum, quantity: 0, unit: 50 KG, per: household/month}\n";
  const auto result = run(methodology_text("{size: 1}", "  levels: [market, admin1]\n", basket),
                          "2020-01-15,M1,B,,Sorghum,50 KG,Retail,XOF,7500\n");
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(result.line_price(b, line_of(result, "Sorghum")).price == Approx(7500.0).epsilon(1e-12));
  CHECK(result.line_price(b, line_of(result, "Millet")).price == Approx(150.0).epsilon(1e-12));
  CHECK(smeb(result, b) == Approx(1500.0).epsilon(1e-12));
}

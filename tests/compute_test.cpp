#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "meb/error.hpp"
#include "test_helpers.hpp"

// Known answers for meb/compute.hpp end to end: on_missing, the transfer formula, the output rows (every
// area at each reported level for every month of the window), the national area's name, and two
// admin1-months of the real Burkina Faso file checked by hand against its rows.

using meb::AreaLevel;
using meb::Month;
using meb::PriceStatus;
using namespace meb::testing;

namespace {

const std::string& kHeader = meb::testing::kLongHeader;

std::string methodology_text(const std::string& prices, const std::string& basket, const std::string& tail = "") {
  return "id: compute-test\nname: Compute test\ncurrency: XOF\nhousehold: {size: 1}\nprices:\n" + prices +
         "basket:\n" + basket + tail;
}

meb::ComputeResult run(const std::string& yaml, const std::string& csv_rows) { return compute_from(yaml, csv_rows); }


std::string describe_row(const meb::ComputeResult& result, std::size_t r) {
  const meb::Area& area = result.areas.areas[static_cast<std::size_t>(result.rows[r].area)];
  return std::string(meb::to_string(area.level)) + " " + area.name + " " +
         result.panel.month_at(result.rows[r].month).to_string();
}

// Two smeb lines, household of 1: Millet 2 KG and Sorghum 3 KG a month.
const std::string kTwoItems =
    "  - component: food\n    tier: smeb\n    items:\n"
    "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n"
    "      - {item: Sorghum, quantity: 3, unit: KG, per: household/month}\n";
// A: Millet 100, Sorghum 50 → 2 × 100 + 3 × 50 = 350. B: Millet 100 only.
const std::string kSorghumMissingInB =
    "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,50\n"
    "2020-01-15,M2,B,,Millet,KG,Retail,XOF,100\n";

}  // namespace

TEST_CASE("compute on_missing missing leaves the total empty", "[compute]") {
  const auto result = run(methodology_text("  levels: [market, admin1]\n  on_missing: missing\n", kTwoItems,
                                           "transfer: {round: {step: 500}}\n"),
                          kSorghumMissingInB);
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == 350.0);
  CHECK(result.transfer[a].value == 500.0);  // 350 / 500 = 0.7 → nearest 1 step
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(std::isnan(smeb(result, b)));
  CHECK(std::isnan(meb_of(result, b)));
  CHECK(std::isnan(result.transfer[b].unrounded));
  CHECK(std::isnan(result.transfer[b].value));
  CHECK(std::isnan(result.transfer[b].rounding_difference));
  CHECK(result.line_price(b, line_of(result, "Sorghum")).status == PriceStatus::missing);
  // The default is `missing` too.
  const auto by_default = run(methodology_text("  levels: [market, admin1]\n", kTwoItems), kSorghumMissingInB);
  CHECK(std::isnan(smeb(by_default, row_of(by_default, AreaLevel::admin1, "B", "2020-01"))));
}

TEST_CASE("compute on_missing zero counts the missing item as 0", "[compute]") {
  const auto result = run(methodology_text("  levels: [market, admin1]\n  on_missing: zero\n", kTwoItems),
                          kSorghumMissingInB);
  // A: 350 as before. B: 2 × 100 + 3 × (missing → 0) = 200.
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-01")) == 350.0);
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(smeb(result, b) == 200.0);
  CHECK(meb_of(result, b) == 200.0);
  CHECK(result.transfer[b].value == 200.0);
  // The line itself is still reported missing.
  CHECK(result.line_price(b, line_of(result, "Sorghum")).status == PriceStatus::missing);
}

TEST_CASE("compute on_missing error names the item the area and the month", "[compute]") {
  const meb::Methodology methodology =
      methodology_from(methodology_text("  levels: [market, admin1]\n  on_missing: error\n", kTwoItems));
  const meb::PriceTable prices = prices_for(methodology, kHeader + kSorghumMissingInB);
  REQUIRE_THROWS_AS(meb::compute(methodology, prices, nullptr), meb::InputError);
  REQUIRE_THROWS_WITH(meb::compute(methodology, prices, nullptr),
                      Catch::Contains("'Sorghum'") && Catch::Contains("admin1 'B'") && Catch::Contains("2020-01") &&
                          Catch::Contains("on_missing: error") && Catch::Contains("test.yaml"));

  // A fill rule that supplies the price removes the error: [market, admin1, national], fill [parent]:
  // B's Sorghum = national's 50 → B = 2 × 100 + 3 × 50 = 350.
  const meb::Methodology filled = methodology_from(
      methodology_text("  levels: [market, admin1, national]\n  fill: [parent]\n  on_missing: error\n", kTwoItems));
  const auto result = meb::compute(filled, prices_for(filled, kHeader + kSorghumMissingInB), nullptr);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "B", "2020-01")) == 350.0);

  // A missing price on a zero-quantity line is no error.
  const std::string zero_sorghum =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n"
      "      - {item: Sorghum, quantity: 0, unit: KG, per: household/month}\n";
  const meb::Methodology zero = methodology_from(methodology_text("  levels: [market, admin1]\n  on_missing: error\n",
                                                                  zero_sorghum));
  const auto zero_result = meb::compute(zero, prices_for(zero, kHeader + kSorghumMissingInB), nullptr);
  CHECK(smeb(zero_result, row_of(zero_result, AreaLevel::admin1, "B", "2020-01")) == 200.0);
}

TEST_CASE("compute transfer value is round clamp coverage times basis minus deduct", "[compute]") {
  // Household of 1: Millet (smeb) 1 KG at 40,000 → SMEB 40,000; health (meb) 10,000 → MEB 50,000.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
      "  - component: health\n    tier: meb\n    cost: 10000\n    per: household/month\n";
  const std::string rows = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,40000\n";
  struct Case {
    const char* transfer;
    double unrounded;
    double value;
  };
  const Case cases[] = {
      // no transfer block: the MEB, unrounded.
      {"", 50000.0, 50000.0},
      // smeb: 0.8 × (40,000 − 2,000) = 30,400 → nearest 1,000: 30,000.
      {"transfer: {basis: smeb, deduct: 2000, coverage: 0.8, round: {step: 1000, mode: nearest}}\n", 30400.0, 30000.0},
      // meb: 0.8 × (50,000 − 2,000) = 38,400 → nearest 38,000, up 39,000, down 38,000.
      {"transfer: {basis: meb, deduct: 2000, coverage: 0.8, round: {step: 1000, mode: nearest}}\n", 38400.0, 38000.0},
      {"transfer: {basis: meb, deduct: 2000, coverage: 0.8, round: {step: 1000, mode: up}}\n", 38400.0, 39000.0},
      {"transfer: {basis: meb, deduct: 2000, coverage: 0.8, round: {step: 1000, mode: down}}\n", 38400.0, 38000.0},
      // 50,000 − 11,500 = 38,500: a half step goes up under nearest (39,000), down gives 38,000.
      {"transfer: {basis: meb, deduct: 11500, round: {step: 1000, mode: nearest}}\n", 38500.0, 39000.0},
      {"transfer: {basis: meb, deduct: 11500, round: {step: 1000, mode: down}}\n", 38500.0, 38000.0},
      // cap: 38,400 → 35,000, then rounded to 5,000 (default mode nearest): 35,000.
      {"transfer: {basis: meb, deduct: 2000, coverage: 0.8, cap: 35000, round: {step: 5000}}\n", 35000.0, 35000.0},
      // the cap applies before rounding: 38,400 → 33,333 → up to 1,000: 34,000.
      {"transfer: {basis: meb, deduct: 2000, coverage: 0.8, cap: 33333, round: {step: 1000, mode: up}}\n", 33333.0,
       34000.0},
      // floor: 0.5 × (40,000 − 2,000) = 19,000 → raised to 25,000; no rounding.
      {"transfer: {basis: smeb, deduct: 2000, coverage: 0.5, floor: 25000}\n", 25000.0, 25000.0},
      // a deduction above the basis: 0.6 × (50,000 − 55,000) = −3,000 → the default floor 0.
      {"transfer: {basis: meb, deduct: 55000, coverage: 0.6, round: {step: 500, mode: up}}\n", 0.0, 0.0},
      // coverage alone: 0.6 × 50,000 = 30,000, already a multiple of 5,000.
      {"transfer: {coverage: 0.6, round: {step: 5000, mode: up}}\n", 30000.0, 30000.0},
  };
  for (const Case& c : cases) {
    INFO(c.transfer);
    const auto result = run(methodology_text("  levels: [market, admin1]\n", basket, c.transfer), rows);
    const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
    REQUIRE(smeb(result, a) == 40000.0);
    REQUIRE(meb_of(result, a) == 50000.0);
    CHECK(result.transfer[a].unrounded == Approx(c.unrounded).margin(1e-6));
    CHECK(result.transfer[a].value == c.value);
    CHECK(result.transfer[a].rounding_difference == Approx(c.value - c.unrounded).margin(1e-6));
  }
}

TEST_CASE("compute rows cover every area at each reported level for every month", "[compute]") {
  // [market, admin1, national]. A: Millet in January (100) and March (120). B: February only (200).
  // Window January to March; rows: admin1 A, B and national, 3 months each = 9, by level, area, month.
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
  const std::string rows =
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
      "2020-03-15,M1,A,,Millet,KG,Retail,XOF,120\n"
      "2020-02-15,M2,B,,Millet,KG,Retail,XOF,200\n"
      "2019-06-15,M2,B,,Groundnuts,KG,Retail,XOF,500\n";  // no basket item: does not widen the window
  const auto result = run(methodology_text("  levels: [market, admin1, national]\n", basket), rows);
  REQUIRE(result.rows.size() == 9);
  const char* expected[] = {"admin1 A 2020-01",   "admin1 A 2020-02",   "admin1 A 2020-03",
                            "admin1 B 2020-01",   "admin1 B 2020-02",   "admin1 B 2020-03",
                            "national national 2020-01", "national national 2020-02", "national national 2020-03"};
  for (std::size_t r = 0; r < 9; ++r) CHECK(describe_row(result, r) == expected[r]);
  CHECK(result.first == Month::from_year_month(2020, 1));
  CHECK(result.last == Month::from_year_month(2020, 3));
  // B in January has no price: a row all the same, with an empty SMEB.
  const std::size_t b1 = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(std::isnan(smeb(result, b1)));
  CHECK(result.line_price(b1, 0).status == PriceStatus::missing);
  // National: January 100, February 200, March 120 (one admin1 value each month).
  CHECK(smeb(result, row_of(result, AreaLevel::national, "national", "2020-02")) == 200.0);
  CHECK(result.areas.parent_name(static_cast<std::size_t>(result.rows[b1].area)) == "national");

  // output_levels narrows the rows.
  const auto national_only =
      run(methodology_text("  levels: [market, admin1, national]\n", basket, "output_levels: [national]\n"), rows);
  REQUIRE(national_only.rows.size() == 3);
  for (std::size_t r = 0; r < 3; ++r)
    CHECK(national_only.areas.areas[static_cast<std::size_t>(national_only.rows[r].area)].level == AreaLevel::national);
  const auto admin1_only =
      run(methodology_text("  levels: [market, admin1, national]\n", basket, "output_levels: [admin1]\n"), rows);
  CHECK(admin1_only.rows.size() == 6);
  // National values do not depend on whether admin1 rows are reported: January 100.
  CHECK(smeb(national_only, row_of(national_only, AreaLevel::national, "national", "2020-01")) == 100.0);
}

TEST_CASE("compute from and to narrow the window and earlier months still feed carry_forward", "[compute]") {
  // fill [{carry_forward: 2}]. A: January 100, February 110. B: March 300.
  // Window March to May: A March carried from February (110), April carried from February (2 back),
  // May missing (3 back). B March 300, April and May carried (300).
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
  const meb::Methodology methodology =
      methodology_from(methodology_text("  levels: [market, admin1]\n  fill: [{carry_forward: 2}]\n", basket));
  const meb::PriceTable prices = prices_for(methodology, kHeader +
                                                             "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                                                             "2020-02-15,M1,A,,Millet,KG,Retail,XOF,110\n"
                                                             "2020-03-15,M2,B,,Millet,KG,Retail,XOF,300\n");
  const auto result =
      meb::compute(methodology, prices, nullptr, Month::from_year_month(2020, 3), Month::from_year_month(2020, 5));
  REQUIRE(result.rows.size() == 6);  // A and B, March to May
  CHECK_THROWS(row_of(result, AreaLevel::admin1, "A", "2020-02"));
  const std::size_t a3 = row_of(result, AreaLevel::admin1, "A", "2020-03");
  CHECK(smeb(result, a3) == 110.0);
  CHECK(result.line_price(a3, 0).status == PriceStatus::carried_forward);
  CHECK(result.panel.month_at(static_cast<std::size_t>(result.line_price(a3, 0).source_month)).to_string() == "2020-02");
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-04")) == 110.0);
  CHECK(std::isnan(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-05"))));
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "B", "2020-05")) == 300.0);
  // An empty window is an error naming both months.
  REQUIRE_THROWS_WITH(
      meb::compute(methodology, prices, nullptr, Month::from_year_month(2020, 5), Month::from_year_month(2020, 3)),
      Catch::Contains("2020-05") && Catch::Contains("2020-03"));
}

TEST_CASE("compute with no price of any basket item is an error naming the file", "[compute]") {
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
  const meb::Methodology methodology = methodology_from(methodology_text("  levels: [market, admin1]\n", basket));
  const meb::PriceTable prices =
      prices_for(methodology, kHeader + "2020-01-15,M1,A,,Maize,KG,Retail,XOF,100\n", "maize_only.csv");
  REQUIRE_THROWS_WITH(meb::compute(methodology, prices, nullptr),
                      Catch::Contains("maize_only.csv") && Catch::Contains("no price of any basket item"));
}

TEST_CASE("compute names the national area by countryiso3 when the data has it", "[compute]") {
  const std::string basket =
      "  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
  const meb::Methodology methodology =
      methodology_from(methodology_text("  levels: [market, admin1, national]\n", basket));
  // Current WFP/HDX layout with countryiso3, and its HXL row.
  const std::string wfp =
      "date,admin1,admin2,market,latitude,longitude,category,commodity,unit,priceflag,pricetype,currency,price,"
      "usdprice,countryiso3\n"
      "#date,#adm1+name,#adm2+name,#loc+market+name,#geo+lat,#geo+lon,#item+type,#item+name,#item+unit,"
      "#item+price+flag,#item+price+type,#currency+code,#value,#value+usd,#country+code\n"
      "2020-01-15,Sahel,Seno,Dori,14.03,-0.03,cereals and tubers,Millet,KG,actual,Retail,XOF,250,0.43,BFA\n"
      "2020-01-15,Centre,Kadiogo,Gounghin,12.37,-1.53,cereals and tubers,Millet,KG,actual,Retail,XOF,230,0.40,BFA\n";
  const auto result = meb::compute(methodology, prices_for(methodology, wfp), nullptr);
  // national = median(Centre 230, Sahel 250) = 240, named BFA.
  const std::size_t n = row_of(result, AreaLevel::national, "BFA", "2020-01");
  CHECK(smeb(result, n) == 240.0);
  CHECK_THROWS(row_of(result, AreaLevel::national, "national", "2020-01"));
  // The plain long CSV has no country code: "national".
  const auto plain = meb::compute(methodology, prices_for(methodology, kHeader + "2020-01-15,M1,A,,Millet,KG,Retail,XOF,1\n"),
                                  nullptr);
  CHECK(smeb(plain, row_of(plain, AreaLevel::national, "national", "2020-01")) == 1.0);
}

TEST_CASE("compute real data Burkina Faso 2019 Sahel and Centre by hand", "[compute]") {
  const meb::Methodology methodology = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  meb::PriceTable prices;
  meb::read_price_file(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv",
                       meb::make_price_filter(methodology, false), prices);
  const auto result =
      meb::compute(methodology, prices, nullptr, Month::from_year_month(2019, 1), Month::from_year_month(2019, 12));
  // 13 admin1 regions + the national area ("national": the old HDX layout has no countryiso3), 12 months.
  CHECK(result.rows.size() == 14 * 12);

  // Basket for a household of 6 over 30 days (180 person-days): Millet 0.15 → 27 KG, Sorghum (white) 27 KG,
  // Maize (white) 0.10 → 18 KG, Rice (local) 0.05 → 9 KG, Cowpeas (Beans (niebe)) 0.07 → 12.6 KG.
  // SMEB adds water 3,000 and hygiene 2,000; the MEB adds energy 6,000, health 2,500, education 2,000 and
  // household items 24,000 / 12 = 2,000, i.e. MEB = SMEB + 12,500. Transfer: MEB rounded to 5,000 (nearest).

  // --- Sahel, 2019-06: the Retail rows of basket items (grep '^2019-06-15' | grep ',Sahel,'):
  // 2019-06-15,Maize (white) - Retail,KG,...,188.0,XOF,Burkina Faso,Sahel,40287,Djibo,132,...
  // 2019-06-15,Millet - Retail,KG,...,169.0,...,Sahel,40287,Djibo
  // 2019-06-15,Beans (niebe) - Retail,KG,...,314.0,...,Sahel,40287,Djibo
  // 2019-06-15,Sorghum (white) - Retail,KG,...,167.0,...,Sahel,40287,Djibo
  // 2019-06-15,Maize (white) - Retail,KG,...,219.0,...,Sahel,40287,Dori
  // 2019-06-15,Millet - Retail,KG,...,250.0,...,Sahel,40287,Dori
  // 2019-06-15,Beans (niebe) - Retail,KG,...,361.0,...,Sahel,40287,Dori
  // 2019-06-15,Sorghum (white) - Retail,KG,...,219.0,...,Sahel,40287,Dori
  // 2019-06-15,Millet - Retail,KG,...,258.0,...,Sahel,40287,Gorom Gorom
  // 2019-06-15,Sorghum (white) - Retail,KG,...,208.0,...,Sahel,40287,Gorom Gorom
  // 2019-06-15,Millet - Retail,KG,...,202.0,...,Sahel,40287,Arbinda
  // 2019-06-15,Beans (niebe) - Retail,KG,...,302.0,...,Sahel,40287,Arbinda
  // 2019-06-15,Sorghum (white) - Retail,KG,...,181.0,...,Sahel,40287,Arbinda
  // 2019-06-15,Millet - Retail,KG,...,236.0,...,Sahel,40287,Markoye
  // 2019-06-15,Sorghum (white) - Retail,KG,...,202.0,...,Sahel,40287,Markoye
  // 2019-06-15,Millet - Retail,KG,...,227.0,...,Sahel,40287,Sebba
  // 2019-06-15,Beans (niebe) - Retail,KG,...,385.0,...,Sahel,40287,Sebba
  // 2019-06-15,Sorghum (white) - Retail,KG,...,171.0,...,Sahel,40287,Sebba
  // 2019-06-15,Millet - Retail,KG,...,215.0,...,Sahel,40287,Seytenga
  // 2019-06-15,Beans (niebe) - Retail,KG,...,515.0,...,Sahel,40287,Seytenga
  // 2019-06-15,Sorghum (white) - Retail,KG,...,182.0,...,Sahel,40287,Seytenga
  // (plus Rice (imported) and Groundnuts rows, which the basket does not use; no Rice (local) in Sahel.)
  //   Millet:  169, 202, 215, 227, 236, 250, 258 → 227 (7 markets)
  //   Sorghum: 167, 171, 181, 182, 202, 208, 219 → 182
  //   Maize:   188, 219 → 203.5
  //   Cowpeas: 302, 314, 361, 385, 515 → 361
  //   Rice (local): none in Sahel → fill `parent`: the national 2019-06 value, the median of the admin1
  //   medians of the Rice (local) - Retail rows of 2019-06 (grep '^2019-06-15,Rice (local) - Retail'):
  //     Boucle Du Mouhoun: Djibasso 249, Solenzo 264, Boromo 288, Nouna 292, Gassan 298 → 288
  //     Cascades: Douna 305 → 305
  //     Centre-est: Ouargaye 204, Koupela 257, Zabré 283 → 257
  //     Centre-nord: Boulsa 316. Centre-ouest: Tita 312.
  //     Centre-sud: Manga 248, Kombissiri 272, Po 319 → 272
  //     Est: Kompienga 268, Fada N'Gourma 332, Bogandé 344 → 332
  //     Hauts-bassins: Founza 265, N'Dorola 278, Orodara 351 → 278
  //     Plateau Central: Mogtédo 275. Sud-ouest: Gaoua 305, Dano 306, Hamélé 363 → 306
  //     ten admin1 values 257, 272, 275, 278, 288, 305, 306, 312, 316, 332 → (288 + 305) / 2 = 296.5
  //   food = 27 × 227 + 27 × 182 + 18 × 203.5 + 9 × 296.5 + 12.6 × 361
  //        = 6,129 + 4,914 + 3,663 + 2,668.5 + 4,548.6 = 21,923.1
  //   SMEB = 21,923.1 + 5,000 = 26,923.1; MEB = 39,423.1; transfer 40,000 (7.88 steps → 8), difference 576.9.
  const std::size_t sahel = row_of(result, AreaLevel::admin1, "Sahel", "2019-06");
  CHECK(smeb(result, sahel) == Approx(26923.1).margin(1e-6));
  CHECK(meb_of(result, sahel) == Approx(39423.1).margin(1e-6));
  CHECK(result.transfer[sahel].value == 40000.0);
  CHECK(result.transfer[sahel].rounding_difference == Approx(576.9).margin(1e-6));
  CHECK(result.line_price(sahel, line_of(result, "Millet")).price == 227.0);
  CHECK(result.line_price(sahel, line_of(result, "Millet")).observations == 7);
  CHECK(result.line_price(sahel, line_of(result, "Sorghum")).price == 182.0);
  CHECK(result.line_price(sahel, line_of(result, "Maize")).price == 203.5);
  CHECK(result.line_price(sahel, line_of(result, "Cowpeas")).price == 361.0);
  const meb::LinePrice& rice = result.line_price(sahel, line_of(result, "Rice (local)"));
  CHECK(rice.status == PriceStatus::parent);
  CHECK(rice.price == 296.5);
  CHECK(rice.observations == 10);
  REQUIRE(rice.source_area >= 0);
  CHECK(result.areas.areas[static_cast<std::size_t>(rice.source_area)].name == "national");
  const std::size_t national_june = row_of(result, AreaLevel::national, "national", "2019-06");
  CHECK(result.line_price(national_june, line_of(result, "Rice (local)")).price == 296.5);
  CHECK(result.line_price(national_june, line_of(result, "Rice (local)")).status == PriceStatus::observed);

  // --- Centre, 2019-03 (grep '^2019-03-15' | grep ',Centre,'):
  // 2019-03-15,Maize (white) - Retail,KG,...,152.0,...,Centre,40278,Ouagadougo (Sankaryare)
  // 2019-03-15,Millet - Retail,KG,...,217.0,...,Centre,40278,Ouagadougo (Sankaryare)
  // 2019-03-15,Beans (niebe) - Retail,KG,...,355.0,...,Centre,40278,Ouagadougo (Sankaryare)
  // 2019-03-15,Sorghum (white) - Retail,KG,...,220.0,...,Centre,40278,Ouagadougo (Sankaryare)
  // 2019-03-15,Maize (white) - Retail,KG,...,163.0,...,Centre,40278,Gounghin
  // 2019-03-15,Millet - Retail,KG,...,228.0,...,Centre,40278,Gounghin
  // 2019-03-15,Beans (niebe) - Retail,KG,...,357.0,...,Centre,40278,Gounghin
  // 2019-03-15,Sorghum (white) - Retail,KG,...,212.0,...,Centre,40278,Gounghin
  //   Millet (217 + 228) / 2 = 222.5; Sorghum (220 + 212) / 2 = 216; Maize (152 + 163) / 2 = 157.5;
  //   Cowpeas (355 + 357) / 2 = 356; Rice (local): none in Centre → national 2019-03 from
  //   grep '^2019-03-15,Rice (local) - Retail':
  //     Boucle Du Mouhoun: 268, 275, 280, 292, 303 → 280. Cascades: 306. Centre-est: 218, 258, 291 → 258.
  //     Centre-nord: 314. Centre-ouest: 316. Centre-sud: 250, 307, 344 → 307. Est: 263, 332, 355 → 332.
  //     Hauts-bassins: 278, 298, 330 → 298. Plateau Central: 283. Sud-ouest: 305, 317, 385 → 317.
  //     258, 280, 283, 298, 306, 307, 314, 316, 317, 332 → (306 + 307) / 2 = 306.5
  //   food = 27 × 222.5 + 27 × 216 + 18 × 157.5 + 9 × 306.5 + 12.6 × 356
  //        = 6,007.5 + 5,832 + 2,835 + 2,758.5 + 4,485.6 = 21,918.6
  //   SMEB = 26,918.6; MEB = 39,418.6; transfer 40,000.
  const std::size_t centre = row_of(result, AreaLevel::admin1, "Centre", "2019-03");
  CHECK(smeb(result, centre) == Approx(26918.6).margin(1e-6));
  CHECK(meb_of(result, centre) == Approx(39418.6).margin(1e-6));
  CHECK(result.transfer[centre].value == 40000.0);
  CHECK(result.line_price(centre, line_of(result, "Millet")).price == 222.5);
  CHECK(result.line_price(centre, line_of(result, "Cowpeas")).observations == 2);
  CHECK(result.line_price(centre, line_of(result, "Rice (local)")).price == 306.5);
  CHECK(result.line_price(centre, line_of(result, "Rice (local)")).status == PriceStatus::parent);
}

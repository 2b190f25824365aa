#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "meb/aggregation.hpp"
#include "test_helpers.hpp"

// Known answers for meb/aggregation.hpp: quotes → market → admin2 → admin1 → national ("median of
// medians", REACH practice), min_observations, and the fill rules, all through meb::compute on inline
// long CSVs (`date,market,admin1,admin2,commodity,unit,pricetype,currency,price`). The basket is one
// item, 1 KG of Millet per household per month for a household of 1, so the SMEB is the Millet price per KG.

using meb::AreaLevel;
using meb::PriceStatus;
using namespace meb::testing;

namespace {

const std::string& kHeader = meb::testing::kLongHeader;

/// A methodology with one line: 1 KG of Millet per household per month, household of 1.
std::string one_item(const std::string& prices_block, const std::string& unit = "KG", double quantity = 1.0) {
  return "id: agg-test\nname: Aggregation test\ncurrency: XOF\nhousehold: {size: 1}\nprices:\n" + prices_block +
         "basket:\n  - component: food\n    tier: smeb\n    items:\n      - {item: Millet, quantity: " +
         std::to_string(quantity) + ", unit: " + unit + ", per: household/month}\n";
}

meb::ComputeResult run(const std::string& yaml, const std::string& csv_rows) { return compute_from(yaml, csv_rows); }

/// Row of an area identified by its name and its parent's name (two admin2 areas may share a name).
std::size_t row_in(const meb::ComputeResult& result, AreaLevel level, const std::string& area, const std::string& parent,
                   const std::string& month) {
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const auto a = static_cast<std::size_t>(result.rows[r].area);
    const meb::Area& candidate = result.areas.areas[a];
    if (candidate.level == level && candidate.name == area && result.areas.parent_name(a) == parent &&
        result.panel.month_at(result.rows[r].month).to_string() == month)
      return r;
  }
  throw std::runtime_error("no row for " + area + " in " + parent + " " + month);
}

std::int32_t area_index(const meb::ComputeResult& result, AreaLevel level, const std::string& name) {
  for (std::size_t a = 0; a < result.areas.areas.size(); ++a)
    if (result.areas.areas[a].level == level && result.areas.areas[a].name == name) return static_cast<std::int32_t>(a);
  throw std::runtime_error("no area " + name);
}

const meb::LinePrice& millet(const meb::ComputeResult& result, std::size_t row) {
  return result.line_price(row, line_of(result, "Millet"));
}


std::string source_month(const meb::ComputeResult& result, const meb::LinePrice& price) {
  REQUIRE(price.source_month >= 0);
  return result.panel.month_at(static_cast<std::size_t>(price.source_month)).to_string();
}

// Eleven markets in three admin1 areas, one month. Millet per KG:
//   R / D1: M1 100, M2 110, M3 120      → D1 median 110
//   R / D2: M4 500                      → D2 500
//   R / D3: M5 130, M6 140, M7 600      → D3 median 140
//   S / D1: M8 1000 (an admin2 also named D1, in another admin1) → 1000
//   T / E1: M9 200, M10 260             → E1 median (200 + 260) / 2 = 230
//   T / E2: M11 900                     → E2 900
const std::string kElevenMarkets =
    "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M2,R,D1,Millet,KG,Retail,XOF,110\n"
    "2020-01-15,M3,R,D1,Millet,KG,Retail,XOF,120\n"
    "2020-01-15,M4,R,D2,Millet,KG,Retail,XOF,500\n"
    "2020-01-15,M5,R,D3,Millet,KG,Retail,XOF,130\n"
    "2020-01-15,M6,R,D3,Millet,KG,Retail,XOF,140\n"
    "2020-01-15,M7,R,D3,Millet,KG,Retail,XOF,600\n"
    "2020-01-15,M8,S,D1,Millet,KG,Retail,XOF,1000\n"
    "2020-01-15,M9,T,E1,Millet,KG,Retail,XOF,200\n"
    "2020-01-15,M10,T,E1,Millet,KG,Retail,XOF,260\n"
    "2020-01-15,M11,T,E2,Millet,KG,Retail,XOF,900\n";

}  // namespace

TEST_CASE("aggregation market to admin1 is the median of the markets", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin1]\n  statistic: median\n"), kElevenMarkets);
  // R: 100, 110, 120, 130, 140, 500, 600 → 130 (seven markets, the 4th). S: 1000.
  // T: 200, 260, 900 → 260.
  const std::size_t r = row_of(result, AreaLevel::admin1, "R", "2020-01");
  CHECK(smeb(result, r) == 130.0);
  CHECK(millet(result, r).status == PriceStatus::observed);
  CHECK(millet(result, r).observations == 7);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "S", "2020-01")) == 1000.0);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "T", "2020-01")) == 260.0);
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "T", "2020-01")).observations == 3);
  CHECK(result.rows.size() == 3);  // three admin1 areas, one month
}

TEST_CASE("aggregation even count median is the mean of the two middle values", "[aggregation]") {
  // A: 100, 300, 200, 1000 → sorted 100, 200, 300, 1000 → (200 + 300) / 2 = 250 (not 200, not 300).
  // B: 120, 180 → 150. C: 7, 1, 5, 3, 9, 11 → 1, 3, 5, 7, 9, 11 → (5 + 7) / 2 = 6.
  const auto result = run(one_item("  levels: [market, admin1]\n"),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,A,,Millet,KG,Retail,XOF,300\n"
                          "2020-01-15,M3,A,,Millet,KG,Retail,XOF,200\n"
                          "2020-01-15,M4,A,,Millet,KG,Retail,XOF,1000\n"
                          "2020-01-15,M5,B,,Millet,KG,Retail,XOF,120\n"
                          "2020-01-15,M6,B,,Millet,KG,Retail,XOF,180\n"
                          "2020-01-15,M7,C,,Millet,KG,Retail,XOF,7\n"
                          "2020-01-15,M8,C,,Millet,KG,Retail,XOF,1\n"
                          "2020-01-15,M9,C,,Millet,KG,Retail,XOF,5\n"
                          "2020-01-15,M10,C,,Millet,KG,Retail,XOF,3\n"
                          "2020-01-15,M11,C,,Millet,KG,Retail,XOF,9\n"
                          "2020-01-15,M12,C,,Millet,KG,Retail,XOF,11\n");
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-01")) == 250.0);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "B", "2020-01")) == 150.0);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "C", "2020-01")) == 6.0);
}

TEST_CASE("aggregation admin2 then admin1 is a median of medians", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n  statistic: median\n"), kElevenMarkets);
  // admin2 values: R/D1 110, R/D2 500, R/D3 140, S/D1 1000, T/E1 230, T/E2 900.
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "D1", "R", "2020-01")) == 110.0);
  CHECK(millet(result, row_in(result, AreaLevel::admin2, "D1", "R", "2020-01")).observations == 3);
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "D2", "R", "2020-01")) == 500.0);
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "D3", "R", "2020-01")) == 140.0);
  // D1 in S is another area than D1 in R: 1000 (merged they would give median(100, 110, 120, 1000) = 115).
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "D1", "S", "2020-01")) == 1000.0);
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "E1", "T", "2020-01")) == 230.0);
  // R = median(110, 500, 140) = 140, whereas the median of R's seven markets is 130.
  const std::size_t r = row_of(result, AreaLevel::admin1, "R", "2020-01");
  CHECK(smeb(result, r) == 140.0);
  CHECK(smeb(result, r) != 130.0);
  CHECK(millet(result, r).observations == 3);  // three admin2 areas, not seven markets
  // T = median(230, 900) = 565; the median of its markets 200, 260, 900 would be 260.
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "T", "2020-01")) == 565.0);
  // Reported levels: admin2 (6 areas) and admin1 (3 areas).
  CHECK(result.rows.size() == 9);
}

TEST_CASE("aggregation market to national is the median of all markets", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, national]\n"), kElevenMarkets);
  // 100, 110, 120, 130, 140, 200, 260, 500, 600, 900, 1000 → the 6th of eleven: 200.
  REQUIRE(result.rows.size() == 1);
  const std::size_t r = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(smeb(result, r) == 200.0);
  CHECK(millet(result, r).observations == 11);
}

TEST_CASE("aggregation over admin1 to national takes the median of admin1 medians", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin1, national]\n"), kElevenMarkets);
  // admin1: R 130, S 1000, T 260 (see the [market, admin1] case) → national median(130, 1000, 260) = 260.
  const std::size_t r = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(smeb(result, r) == 260.0);
  CHECK(millet(result, r).observations == 3);
}

TEST_CASE("aggregation over four levels is a median at every level", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin2, admin1, national]\n"), kElevenMarkets);
  // admin1: R 140, S 1000, T 565 → national median(140, 1000, 565) = 565.
  // For contrast: the median of the six admin2 values 110, 140, 230, 500, 900, 1000 is 365 and of the
  // eleven markets 200.
  const std::size_t n = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(smeb(result, n) == 565.0);
  CHECK(millet(result, n).observations == 3);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "R", "2020-01")) == 140.0);
  // Every level above market is reported: 6 admin2 + 3 admin1 + 1 national.
  CHECK(result.rows.size() == 10);
}

TEST_CASE("aggregation admin2 straight to national", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin2, national]\n"), kElevenMarkets);
  // Six admin2 values 110, 140, 230, 500, 900, 1000 → (230 + 500) / 2 = 365; the two D1 stay distinct.
  const std::size_t n = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(smeb(result, n) == 365.0);
  CHECK(millet(result, n).observations == 6);
}

TEST_CASE("aggregation with the mean statistic", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n  statistic: mean\n"), kElevenMarkets);
  // D3 = (130 + 140 + 600) / 3 = 290. R = (110 + 500 + 290) / 3 = 300 (D1 = (100 + 110 + 120) / 3 = 110).
  CHECK(smeb(result, row_in(result, AreaLevel::admin2, "D3", "R", "2020-01")) == Approx(290.0).epsilon(1e-12));
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "R", "2020-01")) == Approx(300.0).epsilon(1e-12));
  // T = ((200 + 260) / 2 + 900) / 2 = (230 + 900) / 2 = 565.
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "T", "2020-01")) == Approx(565.0).epsilon(1e-12));

  const auto flat = run(one_item("  levels: [market, admin1]\n  statistic: mean\n"), kElevenMarkets);
  // Straight from markets: R = (100 + 110 + 120 + 500 + 130 + 140 + 600) / 7 = 1700 / 7.
  CHECK(smeb(flat, row_of(flat, AreaLevel::admin1, "R", "2020-01")) == Approx(1700.0 / 7.0).epsilon(1e-12));
}

TEST_CASE("aggregation several quotes of one market and month are combined by the statistic", "[aggregation]") {
  // Weekly quotes: M1 has 100, 130, 400 in January, M2 has 200.
  const std::string rows =
      "2020-01-06,M1,A,,Millet,KG,Retail,XOF,100\n"
      "2020-01-13,M1,A,,Millet,KG,Retail,XOF,130\n"
      "2020-01-20,M1,A,,Millet,KG,Retail,XOF,400\n"
      "2020-01-15,M2,A,,Millet,KG,Retail,XOF,200\n";
  // median: M1 = median(100, 130, 400) = 130, then A = median(130, 200) = 165 (the median of the four
  // quotes happens to be 165 too, so the mean and a third case below tell the two apart).
  const auto median = run(one_item("  levels: [market, admin1]\n  statistic: median\n"), rows);
  const std::size_t r = row_of(median, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(median, r) == 165.0);
  CHECK(millet(median, r).observations == 2);  // two markets, not four quotes
  // mean: M1 = (100 + 130 + 400) / 3 = 210, A = (210 + 200) / 2 = 205; the mean of the four quotes is 207.5.
  const auto mean = run(one_item("  levels: [market, admin1]\n  statistic: mean\n"), rows);
  CHECK(smeb(mean, row_of(mean, AreaLevel::admin1, "A", "2020-01")) == Approx(205.0).epsilon(1e-12));
  // median where market-first matters: M3 quotes 10, 20, 30 (→ 20), M4 40, M5 50 → median(20, 40, 50) = 40,
  // whereas the median of the five quotes 10, 20, 30, 40, 50 is 30.
  const auto b = run(one_item("  levels: [market, admin1]\n"),
                     "2020-01-06,M3,B,,Millet,KG,Retail,XOF,10\n"
                     "2020-01-13,M3,B,,Millet,KG,Retail,XOF,20\n"
                     "2020-01-20,M3,B,,Millet,KG,Retail,XOF,30\n"
                     "2020-01-15,M4,B,,Millet,KG,Retail,XOF,40\n"
                     "2020-01-15,M5,B,,Millet,KG,Retail,XOF,50\n");
  CHECK(smeb(b, row_of(b, AreaLevel::admin1, "B", "2020-01")) == 40.0);
}

TEST_CASE("aggregation converts units before aggregating", "[aggregation]") {
  // M1: 25,000 per 100 KG = 250 per KG. M2: 230 per KG. M3: 12,000 per 50 KG = 240 per KG.
  // M4: 0.12 per G = 120 per KG. Median of 120, 230, 240, 250 per KG = (230 + 240) / 2 = 235.
  // Unconverted, the median of 25000, 230, 12000, 0.12 would be 6115.
  const std::string rows =
      "2020-01-15,M1,A,,Millet,100 KG,Retail,XOF,25000\n"
      "2020-01-15,M2,A,,Millet,KG,Retail,XOF,230\n"
      "2020-01-15,M3,A,,Millet,50 KG,Retail,XOF,12000\n"
      "2020-01-15,M4,A,,Millet,G,Retail,XOF,0.12\n";
  const auto per_kg = run(one_item("  levels: [market, admin1]\n"), rows);
  const std::size_t r = row_of(per_kg, AreaLevel::admin1, "A", "2020-01");
  CHECK(millet(per_kg, r).price == Approx(235.0).epsilon(1e-12));
  CHECK(smeb(per_kg, r) == Approx(235.0).epsilon(1e-12));

  // The same quotes for a basket in "500 G" units, 3 of them a month: 235 / 2 = 117.5 per 500 G,
  // cost 3 × 117.5 = 352.5.
  const auto half_kilo = run(one_item("  levels: [market, admin1]\n", "500 G", 3.0), rows);
  const std::size_t h = row_of(half_kilo, AreaLevel::admin1, "A", "2020-01");
  CHECK(millet(half_kilo, h).price == Approx(117.5).epsilon(1e-12));
  CHECK(smeb(half_kilo, h) == Approx(352.5).epsilon(1e-12));
}

TEST_CASE("aggregation min_observations at the first level counts markets", "[aggregation]") {
  // min_observations 2, [market, admin1]. A: two markets (100, 300) → 200. B: one market (500) → no value.
  const auto result = run(one_item("  levels: [market, admin1]\n  min_observations: 2\n"),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,A,,Millet,KG,Retail,XOF,300\n"
                          "2020-01-15,M3,B,,Millet,KG,Retail,XOF,500\n"
                          "2020-01-06,M3,B,,Millet,KG,Retail,XOF,700\n");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(result, a) == 200.0);
  CHECK(millet(result, a).observations == 2);
  // B has two quotes but one market: one observation, below 2.
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(millet(result, b).status == PriceStatus::missing);
  CHECK(std::isnan(millet(result, b).price));
  CHECK(std::isnan(smeb(result, b)));
}

TEST_CASE("aggregation min_observations at higher levels counts observed child areas", "[aggregation]") {
  // min_observations 2, [market, admin2, admin1].
  //   R / D1: 100, 200 → 150 (2 markets). R / D2: 300 alone → no value. R / D3: 400, 600 → 500.
  //   R = median of the observed children 150, 500 = 325 (with D2's 300 it would be 300).
  //   S / D4: 100, 300 → 200. S / D5: one market → no value. S has one observed child → no value.
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n  min_observations: 2\n"),
                          "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,R,D1,Millet,KG,Retail,XOF,200\n"
                          "2020-01-15,M3,R,D2,Millet,KG,Retail,XOF,300\n"
                          "2020-01-15,M4,R,D3,Millet,KG,Retail,XOF,400\n"
                          "2020-01-15,M5,R,D3,Millet,KG,Retail,XOF,600\n"
                          "2020-01-15,M6,S,D4,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M7,S,D4,Millet,KG,Retail,XOF,300\n"
                          "2020-01-15,M8,S,D5,Millet,KG,Retail,XOF,900\n");
  CHECK(millet(result, row_of(result, AreaLevel::admin2, "D2", "2020-01")).status == PriceStatus::missing);
  const std::size_t r = row_of(result, AreaLevel::admin1, "R", "2020-01");
  CHECK(smeb(result, r) == 325.0);
  CHECK(millet(result, r).observations == 2);
  const std::size_t s = row_of(result, AreaLevel::admin1, "S", "2020-01");
  CHECK(millet(result, s).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, s)));
}

TEST_CASE("aggregation a filled child is not an observation of its parent", "[aggregation]") {
  // [market, admin2, admin1], fill [{carry_forward: 1}], min_observations 1.
  //   January: D1 (M1 100), D2 (M2 300) → R = median(100, 300) = 200.
  //   February: D1 has no quote → carried forward (100); D2 (M2 500) observed.
  //   R in February = its one observed child D2 = 500, never median(100 carried, 500) = 300.
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n  min_observations: 1\n"
                                   "  fill: [{carry_forward: 1}]\n"),
                          "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,R,D2,Millet,KG,Retail,XOF,300\n"
                          "2020-02-15,M2,R,D2,Millet,KG,Retail,XOF,500\n");
  const std::size_t r1 = row_of(result, AreaLevel::admin1, "R", "2020-02");
  CHECK(smeb(result, r1) == 500.0);
  CHECK(millet(result, r1).status == PriceStatus::observed);
  CHECK(millet(result, r1).observations == 1);
  CHECK(millet(result, row_of(result, AreaLevel::admin2, "D1", "2020-02")).status == PriceStatus::carried_forward);

  // min_observations 2, two markets per admin2 so every admin2 value is observed when quoted.
  //   January: D1 100, D2 300 → R = median(100, 300) = 200 from 2 observed children.
  //   February: D1 carried (100), D2 observed 500: R has 1 observed child < 2, no value of its own, and is
  //   carried forward from January: 200.
  const auto two = run(one_item("  levels: [market, admin2, admin1]\n  min_observations: 2\n"
                                "  fill: [{carry_forward: 1}]\n"),
                       "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                       "2020-01-15,M2,R,D1,Millet,KG,Retail,XOF,100\n"
                       "2020-01-15,M3,R,D2,Millet,KG,Retail,XOF,300\n"
                       "2020-01-15,M4,R,D2,Millet,KG,Retail,XOF,300\n"
                       "2020-02-15,M3,R,D2,Millet,KG,Retail,XOF,500\n"
                       "2020-02-15,M4,R,D2,Millet,KG,Retail,XOF,500\n");
  const std::size_t r2 = row_of(two, AreaLevel::admin1, "R", "2020-02");
  CHECK(millet(two, r2).status == PriceStatus::carried_forward);
  CHECK(smeb(two, r2) == 200.0);
  CHECK(source_month(two, millet(two, r2)) == "2020-01");
}

TEST_CASE("aggregation fill parent takes the parent's own value in the same month", "[aggregation]") {
  // [market, admin2, admin1], fill [parent]. January:
  //   R / D1: M1 100. R / D4: M4 300. R / D2: M2 has no January quote (only February).
  //   R = median(100, 300) = 200 → D2 takes 200 (the parent's value, not its sibling D1's 100).
  //   S / D3: M3 only in February → in January S has no value of its own, so D3 stays missing.
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n  fill: [parent]\n"),
                          "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M4,R,D4,Millet,KG,Retail,XOF,300\n"
                          "2020-02-15,M2,R,D2,Millet,KG,Retail,XOF,250\n"
                          "2020-02-15,M3,S,D3,Millet,KG,Retail,XOF,400\n");
  const std::size_t d2 = row_of(result, AreaLevel::admin2, "D2", "2020-01");
  const meb::LinePrice& filled = millet(result, d2);
  CHECK(filled.status == PriceStatus::parent);
  CHECK(filled.price == 200.0);
  CHECK(smeb(result, d2) == 200.0);
  CHECK(filled.source_area == area_index(result, AreaLevel::admin1, "R"));
  CHECK(filled.source_month == -1);
  CHECK(filled.observations == 2);  // the parent's: two observed children
  // The parent itself is observed.
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "R", "2020-01")).status == PriceStatus::observed);
  // S has nothing in January, and is at the top of the path (no parent): both stay missing.
  const std::size_t d3 = row_of(result, AreaLevel::admin2, "D3", "2020-01");
  CHECK(millet(result, d3).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, d3)));
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "S", "2020-01")).status == PriceStatus::missing);
  // February: D2 observed 250, D1 and D4 take R's February value = median(250) = 250.
  const std::size_t d1 = row_of(result, AreaLevel::admin2, "D1", "2020-02");
  CHECK(millet(result, d1).status == PriceStatus::parent);
  CHECK(smeb(result, d1) == 250.0);
}

TEST_CASE("aggregation fill parent never passes on a filled parent value", "[aggregation]") {
  // [market, admin2, admin1, national], fill [parent]. January:
  //   R / D1: M1 100 → D1 100, R 100. S / D2: M2 only in February → S has no value of its own.
  //   national = median(R 100) = 100. S is filled from national (100, parent), but D2's parent S has
  //   no value of its own, so D2 stays missing rather than taking S's filled 100.
  const auto result = run(one_item("  levels: [market, admin2, admin1, national]\n  fill: [parent]\n"),
                          "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                          "2020-02-15,M2,S,D2,Millet,KG,Retail,XOF,400\n");
  const std::size_t s = row_of(result, AreaLevel::admin1, "S", "2020-01");
  CHECK(millet(result, s).status == PriceStatus::parent);
  CHECK(smeb(result, s) == 100.0);
  CHECK(millet(result, s).source_area == area_index(result, AreaLevel::national, "national"));
  const std::size_t d2 = row_of(result, AreaLevel::admin2, "D2", "2020-01");
  CHECK(millet(result, d2).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, d2)));
}

TEST_CASE("aggregation fill carry_forward takes the nearest observed month up to N back", "[aggregation]") {
  // [market, admin1], fill [{carry_forward: 2}]. A's Millet: Jan 100, Feb 110, none in Mar, Apr, May, Jun 150.
  //   Mar: 1 back = Feb 110 (nearest first, not Jan's 100). Apr: 2 back = Feb 110.
  //   May: Feb is 3 back, more than N = 2 → missing. Jun: observed 150.
  const auto result = run(one_item("  levels: [market, admin1]\n  fill: [{carry_forward: 2}]\n"),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-02-15,M1,A,,Millet,KG,Retail,XOF,110\n"
                          "2020-06-15,M1,A,,Millet,KG,Retail,XOF,150\n");
  REQUIRE(result.rows.size() == 6);  // January to June, even the months without a price
  const std::size_t mar = row_of(result, AreaLevel::admin1, "A", "2020-03");
  CHECK(millet(result, mar).status == PriceStatus::carried_forward);
  CHECK(smeb(result, mar) == 110.0);
  CHECK(source_month(result, millet(result, mar)) == "2020-02");
  CHECK(millet(result, mar).source_area == -1);
  CHECK(millet(result, mar).observations == 1);
  const std::size_t apr = row_of(result, AreaLevel::admin1, "A", "2020-04");
  CHECK(millet(result, apr).status == PriceStatus::carried_forward);
  CHECK(smeb(result, apr) == 110.0);
  CHECK(source_month(result, millet(result, apr)) == "2020-02");
  const std::size_t may = row_of(result, AreaLevel::admin1, "A", "2020-05");
  CHECK(millet(result, may).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, may)));
  const std::size_t jun = row_of(result, AreaLevel::admin1, "A", "2020-06");
  CHECK(millet(result, jun).status == PriceStatus::observed);
  CHECK(smeb(result, jun) == 150.0);
}

TEST_CASE("aggregation fill carry_forward never carries a carried value", "[aggregation]") {
  // fill [{carry_forward: 1}]: Jan 100 observed, Feb carried (100, 1 back), Mar: 1 back is Feb, which is
  // only carried → missing (chaining would give 100). Apr observed 130.
  const auto result = run(one_item("  levels: [market, admin1]\n  fill: [{carry_forward: 1}]\n"),
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-04-15,M1,A,,Millet,KG,Retail,XOF,130\n");
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "A", "2020-02")).status == PriceStatus::carried_forward);
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-02")) == 100.0);
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "A", "2020-03")).status == PriceStatus::missing);
  CHECK(std::isnan(smeb(result, row_of(result, AreaLevel::admin1, "A", "2020-03"))));
}

TEST_CASE("aggregation the order of fill rules matters", "[aggregation]") {
  // [market, admin2, admin1]. R / D1: M1 100 in January, nothing in February.
  // R / D2: M2 500 in January, 700 in February. February: R = 700 (D2 only).
  const std::string rows =
      "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
      "2020-01-15,M2,R,D2,Millet,KG,Retail,XOF,500\n"
      "2020-02-15,M2,R,D2,Millet,KG,Retail,XOF,700\n";
  // [parent, {carry_forward: 2}]: D1 in February takes R's 700.
  const auto parent_first =
      run(one_item("  levels: [market, admin2, admin1]\n  fill: [parent, {carry_forward: 2}]\n"), rows);
  const std::size_t p = row_of(parent_first, AreaLevel::admin2, "D1", "2020-02");
  CHECK(millet(parent_first, p).status == PriceStatus::parent);
  CHECK(smeb(parent_first, p) == 700.0);
  // [{carry_forward: 2}, parent]: D1 in February keeps its own January 100.
  const auto carry_first =
      run(one_item("  levels: [market, admin2, admin1]\n  fill: [{carry_forward: 2}, parent]\n"), rows);
  const std::size_t c = row_of(carry_first, AreaLevel::admin2, "D1", "2020-02");
  CHECK(millet(carry_first, c).status == PriceStatus::carried_forward);
  CHECK(smeb(carry_first, c) == 100.0);
  CHECK(source_month(carry_first, millet(carry_first, c)) == "2020-01");
}

TEST_CASE("aggregation the second fill rule applies when the first gives nothing", "[aggregation]") {
  // [market, admin1, national], fill [parent, {carry_forward: 2}], two items: Millet and Sorghum.
  //   January, Millet: A (M1) 100, B (M2) 300 → national = median(100, 300) = 200.
  //   February: no Millet anywhere (a Sorghum quote carries the data to February).
  //   National Millet in February: no value, no parent → carried forward from January: 200.
  //   A Millet in February: its parent has no value of its own (only a carried one), so `parent` gives
  //   nothing; carry_forward gives A's own January 100 (not the national 200).
  const std::string yaml =
      "id: agg-test\nname: Aggregation test\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices:\n  levels: [market, admin1, national]\n  fill: [parent, {carry_forward: 2}]\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
      "      - {item: Sorghum, quantity: 0, unit: KG, per: household/month}\n";
  const auto result = run(yaml,
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,B,,Millet,KG,Retail,XOF,300\n"
                          "2020-02-15,M1,A,,Sorghum,KG,Retail,XOF,150\n");
  const std::size_t n_feb = row_of(result, AreaLevel::national, "national", "2020-02");
  CHECK(millet(result, n_feb).status == PriceStatus::carried_forward);
  CHECK(smeb(result, n_feb) == 200.0);
  const std::size_t a_feb = row_of(result, AreaLevel::admin1, "A", "2020-02");
  CHECK(millet(result, a_feb).status == PriceStatus::carried_forward);
  CHECK(smeb(result, a_feb) == 100.0);
  CHECK(source_month(result, millet(result, a_feb)) == "2020-01");
  CHECK(millet(result, a_feb).source_area == -1);
  // January: every area observed (A 100, B 300, national 200).
  CHECK(millet(result, row_of(result, AreaLevel::admin1, "A", "2020-01")).status == PriceStatus::observed);
  CHECK(smeb(result, row_of(result, AreaLevel::national, "national", "2020-01")) == 200.0);

  // When the parent is observed, the first rule wins. A has Millet in January only, B in both months.
  //   February: national = median(B 320) = 320 → A takes 320 by `parent`, before carry_forward (100).
  const auto second = run(yaml,
                          "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                          "2020-01-15,M2,B,,Millet,KG,Retail,XOF,300\n"
                          "2020-02-15,M2,B,,Millet,KG,Retail,XOF,320\n");
  const std::size_t a2 = row_of(second, AreaLevel::admin1, "A", "2020-02");
  CHECK(millet(second, a2).status == PriceStatus::parent);
  CHECK(smeb(second, a2) == 320.0);
  CHECK(millet(second, a2).source_area == area_index(second, AreaLevel::national, "national"));
}

TEST_CASE("aggregation without fill rules a missing value stays missing", "[aggregation]") {
  const auto result = run(one_item("  levels: [market, admin2, admin1]\n"),
                          "2020-01-15,M1,R,D1,Millet,KG,Retail,XOF,100\n"
                          "2020-02-15,M1,R,D1,Millet,KG,Retail,XOF,110\n"
                          "2020-02-15,M2,R,D2,Millet,KG,Retail,XOF,300\n");
  // D2 in January: its parent R has 100 and its own February follows, but no rule: missing.
  const std::size_t d2 = row_of(result, AreaLevel::admin2, "D2", "2020-01");
  CHECK(millet(result, d2).status == PriceStatus::missing);
  CHECK(millet(result, d2).source_area == -1);
  CHECK(millet(result, d2).source_month == -1);
  CHECK(std::isnan(smeb(result, d2)));
  CHECK(std::isnan(result.meb[static_cast<Eigen::Index>(d2)]));
  // R in February: median(110, 300) = 205.
  CHECK(smeb(result, row_of(result, AreaLevel::admin1, "R", "2020-02")) == 205.0);
}

TEST_CASE("aggregation build_price_panel directly", "[aggregation]") {
  // The panel keeps every area (here admin1 A and B) and month; cells are addressed by series, area, month.
  const meb::Methodology methodology =
      methodology_from(one_item("  levels: [market, admin1]\n  fill: [{carry_forward: 1}]\n"));
  const meb::PriceTable prices = prices_for(methodology, kHeader +
                                                             "2020-01-15,M1,A,,Millet,100 KG,Retail,XOF,20000\n"
                                                             "2020-01-15,M2,A,,Millet,KG,Retail,XOF,260\n"
                                                             "2020-02-15,M3,B,,Millet,KG,Retail,XOF,300\n");
  const auto series = meb::collect_series(methodology.basket);
  REQUIRE(series.size() == 1);
  const meb::AreaTree tree = meb::build_area_tree(prices.markets, methodology.prices.levels, nullptr, "national");
  const meb::PricePanel panel = meb::build_price_panel(prices, series, tree, methodology.prices,
                                                       meb::Month::from_year_month(2020, 1),
                                                       meb::Month::from_year_month(2020, 2));
  REQUIRE(panel.months == 2);
  REQUIRE(panel.areas == 2);
  const std::size_t a = 0, b = 1;  // areas in name order
  REQUIRE(tree.areas[a].name == "A");
  // A, January: median(20000 / 100 = 200, 260) = 230, from 2 markets.
  CHECK(panel.value[panel.cell(0, a, 0)] == 230.0);
  CHECK(panel.observations[panel.cell(0, a, 0)] == 2);
  // A, February: carried from January.
  CHECK(panel.status[panel.cell(0, a, 1)] == PriceStatus::carried_forward);
  CHECK(panel.source_month[panel.cell(0, a, 1)] == 0);
  // B, January: nothing before it → missing. B, February: 300.
  CHECK(panel.status[panel.cell(0, b, 0)] == PriceStatus::missing);
  CHECK(std::isnan(panel.value[panel.cell(0, b, 0)]));
  CHECK(panel.value[panel.cell(0, b, 1)] == 300.0);
  CHECK(panel.quotes_per_series[0] == 3);
}

TEST_CASE("aggregation a quote in a unit that cannot be converted names file line and units", "[aggregation]") {
  const meb::Methodology methodology = methodology_from(one_item("  levels: [market, admin1]\n"));
  const meb::PriceTable prices = prices_for(methodology, kHeader +
                                                             "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n"
                                                             "2020-01-15,M2,A,,Millet,L,Retail,XOF,260\n");
  // Line 3 of prices.csv (the header is line 1) quotes Millet per litre, the basket is in KG.
  REQUIRE_THROWS_WITH(meb::compute(methodology, prices, nullptr),
                      Catch::Contains("prices.csv:3") && Catch::Contains("'L'") && Catch::Contains("'KG'") &&
                          Catch::Contains("Millet"));
}

TEST_CASE("aggregation mean does not depend on the order of the rows", "[aggregation]") {
  // In floating point (0.1 + 0.2) + 0.3 = 0.6000000000000001 but (0.3 + 0.2) + 0.1 = 0.6, so a mean summed
  // in row order depends on the order of the rows. The result must not: the same quotes, or the same
  // markets, in another order give the same bits.
  const std::string yaml = one_item("  levels: [market, admin1]\n  statistic: mean\n");
  // Three quotes of one market in one month.
  const auto quotes_up = run(yaml,
                             "2020-01-06,M1,A,,Millet,KG,Retail,XOF,0.1\n"
                             "2020-01-13,M1,A,,Millet,KG,Retail,XOF,0.2\n"
                             "2020-01-20,M1,A,,Millet,KG,Retail,XOF,0.3\n");
  const auto quotes_down = run(yaml,
                               "2020-01-20,M1,A,,Millet,KG,Retail,XOF,0.3\n"
                               "2020-01-13,M1,A,,Millet,KG,Retail,XOF,0.2\n"
                               "2020-01-06,M1,A,,Millet,KG,Retail,XOF,0.1\n");
  CHECK(smeb(quotes_up, 0) == Approx(0.2).epsilon(1e-12));
  CHECK(smeb(quotes_up, 0) == smeb(quotes_down, 0));
  // Three markets of one area.
  const auto markets_up = run(yaml,
                              "2020-01-15,M1,A,,Millet,KG,Retail,XOF,0.1\n"
                              "2020-01-15,M2,A,,Millet,KG,Retail,XOF,0.2\n"
                              "2020-01-15,M3,A,,Millet,KG,Retail,XOF,0.3\n");
  const auto markets_down = run(yaml,
                                "2020-01-15,M3,A,,Millet,KG,Retail,XOF,0.3\n"
                                "2020-01-15,M2,A,,Millet,KG,Retail,XOF,0.2\n"
                                "2020-01-15,M1,A,,Millet,KG,Retail,XOF,0.1\n");
  CHECK(smeb(markets_up, 0) == smeb(markets_down, 0));
}

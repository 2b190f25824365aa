#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "meb/error.hpp"
#include "meb/expenditure.hpp"
#include "meb/survey.hpp"
#include "test_helpers.hpp"

// Known answers for the survey-based methods (meb/expenditure.hpp, and their costing in meb/compute.hpp):
// the expenditure-based MEB (reference group by decile band, outcome condition, admin1 filter and their
// combination; weighted median and mean; per person and per adult equivalent; per area, national and
// pooled with a price index), the food-share (Engel) MEB with a stated and a measured share, hybrids,
// HEA's tier names, two invariants over seeded random surveys, and the validation messages.
// Every survey and price table is inline; every expected value is worked by hand in the comments.

using meb::AreaLevel;
using meb::ComputeResult;
using namespace meb::testing;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

/// Computes a survey-based methodology (inline YAML) on long-CSV price rows and an inline survey.
ComputeResult run_survey(const std::string& yaml, const std::string& price_rows, const std::string& survey_csv) {
  const meb::Methodology methodology = methodology_from(yaml);
  const meb::PriceTable prices = prices_for(methodology, kLongHeader + price_rows);
  REQUIRE(methodology.survey.has_value());
  const meb::Survey survey = meb::read_survey("survey.csv", survey_csv, *methodology.survey);
  return meb::compute(methodology, prices, nullptr, std::nullopt, std::nullopt, &survey);
}

std::size_t survey_line(const ComputeResult& result, const std::string& component) {
  for (std::size_t l = 0; l < result.lines.size(); ++l)
    if (result.lines[l].kind == meb::CostLine::Kind::survey && result.lines[l].component == component) return l;
  throw std::runtime_error("no survey line " + component);
}

std::size_t food_share_line(const ComputeResult& result) {
  for (std::size_t l = 0; l < result.lines.size(); ++l)
    if (result.lines[l].kind == meb::CostLine::Kind::food_share) return l;
  throw std::runtime_error("no food-share line");
}

double component_cost(const ComputeResult& result, std::size_t row, const std::string& component) {
  double cost = 0.0;
  for (std::size_t l = 0; l < result.lines.size(); ++l)
    if (result.lines[l].component == component) cost += result.line_cost(row, l);
  return cost;
}

// ------------------------------------------------------------------------------------------------
// Survey S1: ten households of weight 1 and size 1 in admin1 A, in shuffled file order. Food is recalled
// over 7 days (× 30/7), water over 30 days; tobacco is outside the MEB. Per-person MEB spending:
//   id   food_7d → food/month  water  total   fcs   tobacco
//   H1     14    →    60        40     100    30     2000
//   H2     28    →   120        80     200    30
//   H3     56    →   240        60     300    45
//   H4     70    →   300       100     400    20
//   H5    126    →   540       160     700    60
//   H6    140    →   600       200     800    42
//   H7    154    →   660       240     900    41
//   H8    168    →   720       280    1000    70
//   H9    196    →   840       260    1100    35
//   H10   210    →   900       300    1200    80
// (With the tobacco of H1 counted, H1 would spend 2,100 and the band would move: the tests below would
// then give other values.)
const std::string kSurveyS1 =
    "hh_id,weight,hh_size,admin1,fcs,food_7d,water_30d,tobacco_30d\n"
    "H7,1,1,A,41,154,240,0\n"
    "H3,1,1,A,45,56,60,0\n"
    "H10,1,1,A,80,210,300,0\n"
    "H1,1,1,A,30,14,40,2000\n"
    "H5,1,1,A,60,126,160,0\n"
    "H9,1,1,A,35,196,260,0\n"
    "H2,1,1,A,30,28,80,0\n"
    "H8,1,1,A,70,168,280,0\n"
    "H4,1,1,A,20,70,100,0\n"
    "H6,1,1,A,42,140,200,0\n";

const std::string kSurveyBlockS1 =
    "survey:\n"
    "  id: hh_id\n"
    "  weight: weight\n"
    "  size: hh_size\n"
    "  admin1: admin1\n"
    "  outcomes: [fcs]\n"
    "  expenditures:\n"
    "    - {column: food_7d, category: food, recall: 7d}\n"
    "    - {column: water_30d, category: water, recall: 30d}\n"
    "    - {column: tobacco_30d, category: other, recall: 30d, meb: false}\n";

/// An expenditure-based methodology on S1 for a household of 5 with the given reference group.
std::string s1_methodology(const std::string& reference_group, const std::string& household = "{size: 5}") {
  return "id: exp-s1\nname: Expenditure S1\ncurrency: XOF\nmethod: expenditure\nhousehold: " + household +
         "\nprices:\n  levels: [market, admin1, national]\n" + kSurveyBlockS1 + "reference_group:\n" + reference_group +
         "basket:\n  - {component: food, tier: smeb}\n  - {component: water, tier: meb}\n";
}

// The price file only sets the months and the areas of an all-survey basket (any commodity will do).
const std::string kPricesA = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n";

// ------------------------------------------------------------------------------------------------
// Survey S2: households of several sizes and weights in admin1 A and B (none in C), food and other
// spending over 30 days. Per person (household amount / size):
//   id  w  size admin1  food  other  → food/p  other/p  total/p
//   A1  1   2    A      200   100   →  100      50      150
//   A2  2   4    A      800   400   →  200     100      300
//   A3  1   1    A      250   250   →  250     250      500
//   A4  1   3    A      600     0   →  200       0      200
//   B1  3   2    B      500   300   →  250     150      400
//   B2  1   5    B     1000   500   →  200     100      300
const std::string kSurveyS2 =
    "hh_id,weight,hh_size,admin1,food_30d,other_30d\n"
    "B1,3,2,B,500,300\n"
    "A1,1,2,A,200,100\n"
    "A3,1,1,A,250,250\n"
    "B2,1,5,B,1000,500\n"
    "A2,2,4,A,800,400\n"
    "A4,1,3,A,600,0\n";

std::string s2_methodology(const std::string& reference_group) {
  return "id: exp-s2\nname: Expenditure S2\ncurrency: XOF\nmethod: expenditure\nhousehold: {size: 5}\n"
         "prices:\n  levels: [market, admin1, national]\n"
         "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  admin1: admin1\n  expenditures:\n"
         "    - {column: food_30d, category: food, recall: 30d}\n"
         "    - {column: other_30d, category: other, recall: 30d}\n"
         "reference_group:\n" +
         reference_group + "basket:\n  - {component: food, tier: smeb}\n  - {component: other, tier: meb}\n";
}

// Markets in A, B and C: the areas the results are reported for.
const std::string kPricesABC =
    "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M2,B,,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M3,C,,Millet,KG,Retail,XOF,100\n";

}  // namespace

TEST_CASE("expenditure reference group by a deciles band", "[expenditure]") {
  // deciles [3, 5] = quantiles [0.2, 0.5]. Ten households of weight 1: W = 10.
  //   Q(0.2): C_2 = 2 = 0.2 × 10 → (x2 + x3)/2 = (200 + 300)/2 = 250
  //   Q(0.5): C_5 = 5 = 0.5 × 10 → (x5 + x6)/2 = (700 + 800)/2 = 750
  //   band [250, 750] → H3 (300), H4 (400), H5 (700): the 3rd to 5th poorest.
  // Weighted median of {300, 400, 700}, W = 3: C_1 = 1 < 1.5, C_2 = 2 > 1.5 → 400 per person.
  // Components by the group's aggregate shares: Σ food = 240 + 300 + 540 = 1080, Σ water = 60 + 100 + 160
  // = 320, Σ total = 1400 → food 400 × 1080/1400 = 308.571429, water 400 × 320/1400 = 91.428571 (sum 400).
  // Household of 5: MEB = 5 × 400 = 2000, SMEB (food) = 5 × 308.571429 = 1542.857143, water 457.142857.
  const auto result = run_survey(s1_methodology("  deciles: [3, 5]\n"), kPricesA, kSurveyS1);
  REQUIRE(result.rows.size() == 2);  // admin1 A and national, 2020-01
  for (const auto& [level, area] : {std::pair{AreaLevel::national, "national"}, std::pair{AreaLevel::admin1, "A"}}) {
    const std::size_t r = row_of(result, level, area, "2020-01");
    CHECK(meb_of(result, r) == Approx(2000.0).epsilon(1e-12));
    CHECK(smeb(result, r) == Approx(1542.857142857143).epsilon(1e-12));
    CHECK(component_cost(result, r, "water") == Approx(457.1428571428571).epsilon(1e-12));
    // The survey line is priced per person; its quantity is the household's 5 persons.
    const std::size_t food = survey_line(result, "food");
    CHECK(result.lines[food].monthly_quantity == 5.0);
    CHECK(result.line_price(r, food).price == Approx(308.5714285714286).epsilon(1e-12));
    CHECK(result.line_price(r, food).source == meb::LineSource::survey);
    CHECK(result.line_price(r, food).observations == 3);  // three reference households
    CHECK(result.transfer[r].value == Approx(2000.0).epsilon(1e-12));
    CHECK(result.notes[r].empty());
  }
}

TEST_CASE("expenditure weighted median and weighted mean of the same group", "[expenditure]") {
  // Group H3, H4, H5 as above. The mean takes each component's own weighted mean:
  //   food (240 + 300 + 540)/3 = 360, water (60 + 100 + 160)/3 = 106.666667, total 466.666667
  //   MEB = 5 × 466.666667 = 2333.333333, SMEB = 5 × 360 = 1800.
  // The median (above): MEB 2000.
  const auto mean = run_survey(s1_methodology("  deciles: [3, 5]\n  statistic: mean\n"), kPricesA, kSurveyS1);
  const std::size_t r = row_of(mean, AreaLevel::national, "national", "2020-01");
  CHECK(meb_of(mean, r) == Approx(7000.0 / 3.0).epsilon(1e-12));
  CHECK(smeb(mean, r) == Approx(1800.0).epsilon(1e-12));
  CHECK(mean.line_price(r, survey_line(mean, "water")).price == Approx(320.0 / 3.0).epsilon(1e-12));
  const auto median = run_survey(s1_methodology("  deciles: [3, 5]\n  statistic: median\n"), kPricesA, kSurveyS1);
  CHECK(meb_of(median, row_of(median, AreaLevel::national, "national", "2020-01")) == Approx(2000.0).epsilon(1e-12));
}

TEST_CASE("expenditure reference group by an outcome condition", "[expenditure]") {
  // fcs >= 42 keeps H3 (45), H5 (60), H6 (42, the bound is included), H8 (70), H10 (80):
  //   totals {300, 700, 800, 1000, 1200}, W = 5, 2.5: C_2 = 2, C_3 = 3 > 2.5 → median 800.
  //   Σ food = 240 + 540 + 600 + 720 + 900 = 3000, Σ water = 60 + 160 + 200 + 280 + 300 = 1000 → shares 3/4, 1/4
  //   MEB = 5 × 800 = 4000, SMEB = 5 × 600 = 3000.
  const auto result = run_survey(s1_methodology("  where: [\"fcs >= 42\"]\n"), kPricesA, kSurveyS1);
  const std::size_t r = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(meb_of(result, r) == Approx(4000.0).epsilon(1e-12));
  CHECK(smeb(result, r) == Approx(3000.0).epsilon(1e-12));
  CHECK(result.line_price(r, survey_line(result, "food")).observations == 5);
  // A strict condition drops H6: {300, 700, 1000, 1200}, W = 4, C_2 = 2 = 0.5 × 4 → (700 + 1000)/2 = 850.
  const auto strict = run_survey(s1_methodology("  where: [\"fcs > 42\"]\n"), kPricesA, kSurveyS1);
  CHECK(meb_of(strict, row_of(strict, AreaLevel::national, "national", "2020-01")) == Approx(4250.0).epsilon(1e-12));
}

TEST_CASE("expenditure band and outcome combined take the band of the whole distribution", "[expenditure]") {
  // expenditure.hpp: "The band is computed over every household the admin1 filter keeps (all areas
  // together)", and the primer: "households with acceptable food consumption within a band of the
  // per-capita expenditure distribution". So: the band of all ten households, H3, H4, H5 (see above), of
  // which fcs >= 42 keeps H3 (45) and H5 (60); H4 (20) is out.
  //   median of {300, 700}, W = 2: C_1 = 1 = 0.5 × 2 → (300 + 700)/2 = 500 per person
  //   Σ food = 240 + 540 = 780, Σ water = 60 + 160 = 220, Σ total 1000 → food 500 × 0.78 = 390
  //   MEB = 5 × 500 = 2500, SMEB = 5 × 390 = 1950.
  // (Taking the band of the fcs >= 42 households instead, {300, 700, 800, 1000, 1200}: Q(0.2) = (300+700)/2
  //  = 500, Q(0.5) = 800, group H5, H6 → MEB 5 × 750 = 3750: the 3rd-5th deciles of the better-fed only.)
  const auto result = run_survey(s1_methodology("  deciles: [3, 5]\n  where: [\"fcs >= 42\"]\n"), kPricesA, kSurveyS1);
  const std::size_t r = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(meb_of(result, r) == Approx(2500.0).epsilon(1e-12));
  CHECK(smeb(result, r) == Approx(1950.0).epsilon(1e-12));
  CHECK(result.line_price(r, survey_line(result, "food")).observations == 2);
}

TEST_CASE("expenditure per area and national with min_households and a note", "[expenditure]") {
  // Reference group: every household, weighted median, at least 3 households per area.
  // A: {150 (w1), 200 (w1), 300 (w2), 500 (w1)}, W = 5, 2.5: C = 1, 2, 4 > 2.5 → 300 per person.
  //    Σ w·food/p = 100 + 2×200 + 250 + 200 = 950, Σ w·other/p = 50 + 200 + 250 + 0 = 500, Σ w·total/p = 1450
  //    MEB = 5 × 300 = 1500, SMEB = 5 × 300 × 950/1450 = 982.758621
  // B: two households, fewer than 3 → no value, and a note saying why.
  // C: a market but no surveyed household → no value, and a note.
  // national: {150 (1), 200 (1), 300 (1, B2), 300 (2, A2), 400 (3), 500 (1)}, W = 9, 4.5:
  //    C = 1, 2, 3, 5 > 4.5 → 300. Σ w·food/p = 950 + 3×250 + 200 = 1900, Σ w·total/p = 1450 + 3×400 + 300 = 2950
  //    MEB = 1500, SMEB = 5 × 300 × 1900/2950 = 966.101695
  const auto result = run_survey(s2_methodology("  min_households: 3\n"), kPricesABC, kSurveyS2);
  REQUIRE(result.rows.size() == 4);
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(meb_of(result, a) == Approx(1500.0).epsilon(1e-12));
  CHECK(smeb(result, a) == Approx(1500.0 * 950.0 / 1450.0).epsilon(1e-12));
  CHECK(result.notes[a].empty());

  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(std::isnan(meb_of(result, b)));
  CHECK(std::isnan(smeb(result, b)));
  CHECK(std::isnan(result.transfer[b].value));
  CHECK_THAT(result.notes[b], Catch::Contains("only 2 reference households") && Catch::Contains("fewer than 3"));
  CHECK(result.line_price(b, survey_line(result, "food")).status == meb::PriceStatus::missing);

  const std::size_t c = row_of(result, AreaLevel::admin1, "C", "2020-01");
  CHECK(std::isnan(meb_of(result, c)));
  CHECK_THAT(result.notes[c], Catch::Contains("no surveyed household in the reference group"));

  const std::size_t n = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(meb_of(result, n) == Approx(1500.0).epsilon(1e-12));
  CHECK(smeb(result, n) == Approx(1500.0 * 1900.0 / 2950.0).epsilon(1e-12));
  CHECK(result.notes[n].empty());
}

TEST_CASE("expenditure admin1 filter with a band over the kept households", "[expenditure]") {
  // admin1: [A] keeps A1..A4: per person {150 (1), 200 (1), 300 (2), 500 (1)}, W = 5.
  //   deciles [3, 5]: Q(0.2): C_1 = 1 = 0.2 × 5 → (150 + 200)/2 = 175; Q(0.5): 2.5 → 300. Band [175, 300]:
  //   A4 (200, w1) and A2 (300, w2). Median, W = 3, 1.5: C_1 = 1, C_2 = 3 > 1.5 → 300.
  //   Σ w·food/p = 200 + 2×200 = 600, Σ w·other/p = 0 + 2×100 = 200 → food 300 × 600/800 = 225
  //   national and A: MEB 5 × 300 = 1500, SMEB 5 × 225 = 1125. B: nobody in the group → no value.
  const auto result = run_survey(s2_methodology("  admin1: [A]\n  deciles: [3, 5]\n"), kPricesABC, kSurveyS2);
  for (const auto& [level, area] : {std::pair{AreaLevel::national, "national"}, std::pair{AreaLevel::admin1, "A"}}) {
    const std::size_t r = row_of(result, level, area, "2020-01");
    CHECK(meb_of(result, r) == Approx(1500.0).epsilon(1e-12));
    CHECK(smeb(result, r) == Approx(1125.0).epsilon(1e-12));
  }
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(std::isnan(meb_of(result, b)));
  CHECK_THAT(result.notes[b], Catch::Contains("no surveyed household in the reference group"));
}

TEST_CASE("expenditure per person times the household model", "[expenditure]") {
  // Same group as the deciles case: 400 per person. Per capita (persons 1): 400. A household of 7: 2800.
  const auto per_capita = run_survey(s1_methodology("  deciles: [3, 5]\n", "{model: per_capita}"), kPricesA, kSurveyS1);
  CHECK(meb_of(per_capita, row_of(per_capita, AreaLevel::national, "national", "2020-01")) == Approx(400.0).epsilon(1e-12));
  const auto seven = run_survey(s1_methodology("  deciles: [3, 5]\n", "{size: 7}"), kPricesA, kSurveyS1);
  CHECK(meb_of(seven, row_of(seven, AreaLevel::national, "national", "2020-01")) == Approx(2800.0).epsilon(1e-12));
}

TEST_CASE("expenditure per adult equivalent", "[expenditure]") {
  // OECD scale 1 + 0.7 (adults − 1) + 0.5 children.
  //   H1: 2 adults 2 children → 2.7 AE, 540 → 200 per AE (135 per person)
  //   H2: 1 adult              → 1 AE,   300 → 300 per AE (300 per person)
  //   H3: 3 adults 1 child    → 2.9 AE, 290 → 100 per AE (72.5 per person)
  // Median per AE {100, 200, 300} = 200. The household of 2 adults and 3 children: 1 + 0.7 + 1.5 = 3.2 AE
  //   → MEB = 3.2 × 200 = 640. Per person instead: median {72.5, 135, 300} = 135 → 3.2 × 135 = 432.
  const std::string survey =
      "hh_id,weight,hh_size,adults,children,admin1,food_30d\n"
      "H1,1,4,2,2,A,540\n"
      "H2,1,1,1,0,A,300\n"
      "H3,1,4,3,1,A,290\n";
  auto yaml = [](const std::string& per) {
    return "id: exp-ae\nname: Per adult equivalent\ncurrency: XOF\nmethod: expenditure\n"
           "household: {model: equivalence, scale: oecd, adults: 2, children: 3}\n"
           "prices:\n  levels: [market, admin1]\n"
           "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  adults: adults\n  children: children\n  admin1: admin1\n"
           "  expenditures:\n    - {column: food_30d, category: food, recall: 30d}\n"
           "reference_group: {per: " + per + ", scale: oecd}\n"
           "basket:\n  - {component: food, tier: smeb}\n";
  };
  const auto ae = run_survey(yaml("adult_equivalent"), kPricesA, survey);
  CHECK(meb_of(ae, row_of(ae, AreaLevel::admin1, "A", "2020-01")) == Approx(640.0).epsilon(1e-12));
  const auto person = run_survey(yaml("person"), kPricesA, survey);
  CHECK(meb_of(person, row_of(person, AreaLevel::admin1, "A", "2020-01")) == Approx(432.0).epsilon(1e-12));
}

TEST_CASE("expenditure pooled group carried to areas by the price index", "[expenditure]") {
  // Pooled: one group of all three households (per person 50, 100, 150) → median 100 per person.
  // Market-priced lines: Millet 10 KG per household: A 100 → C(A) = 1000, B 300 → C(B) = 3000,
  // national = median of the admin1 values (100, 300) = 200 → C(national) = 2000.
  //   index A = 1000/2000 = 0.5, B = 3000/2000 = 1.5, national 1.
  // Household of 2: other = 2 × 100 × index → A 100, B 300, national 200.
  //   MEB A = 1000 + 100 = 1100, B = 3000 + 300 = 3300, national = 2000 + 200 = 2200; SMEB = food.
  const std::string yaml =
      "id: pooled\nname: Pooled\ncurrency: XOF\nmethod: hybrid\nhousehold: {size: 2}\n"
      "prices:\n  levels: [market, admin1, national]\n"
      "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  expenditures:\n    - {column: other_30d, category: other, recall: 30d}\n"
      "reference_group: {pooled: true}\n"
      "basket:\n"
      "  - component: food\n    tier: smeb\n    items:\n      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n"
      "  - {component: other, tier: meb, method: expenditure}\n";
  const std::string survey = "hh_id,weight,hh_size,other_30d\nH1,1,1,50\nH2,1,1,100\nH3,1,1,150\n";
  const auto result = run_survey(yaml,
                                 "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                                 "2020-01-15,M2,B,,Millet,KG,Retail,XOF,300\n",
                                 survey);
  const std::size_t other = survey_line(result, "other");
  const std::size_t a = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(result.line_price(a, other).price == Approx(50.0).epsilon(1e-12));
  CHECK(meb_of(result, a) == Approx(1100.0).epsilon(1e-12));
  CHECK(smeb(result, a) == Approx(1000.0).epsilon(1e-12));
  const std::size_t b = row_of(result, AreaLevel::admin1, "B", "2020-01");
  CHECK(meb_of(result, b) == Approx(3300.0).epsilon(1e-12));
  const std::size_t n = row_of(result, AreaLevel::national, "national", "2020-01");
  CHECK(meb_of(result, n) == Approx(2200.0).epsilon(1e-12));
}

TEST_CASE("expenditure food share stated", "[expenditure]") {
  // Food: Millet 5 KG per household at 532 → 2660. Share 0.532: MEB = 2660 / 0.532 = 5000, the non-food
  // line = 2660 × (1/0.532 − 1) = 2340. SMEB = the food (tier smeb) = 2660.
  // Share 0.4: MEB = 2660 / 0.4 = 6650, non-food 3990, SMEB still 2660.
  auto yaml = [](const std::string& share) {
    return "id: food-share\nname: Food share\ncurrency: XOF\nmethod: food_share\nfood_share: " + share +
           "\nhousehold: {size: 2}\nprices:\n  levels: [market, admin1]\n"
           "basket:\n  - component: food\n    tier: smeb\n    items:\n"
           "      - {item: Millet, quantity: 5, unit: KG, per: household/month}\n";
  };
  const std::string rows = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,532\n";
  const auto result = compute_from(yaml("0.532"), rows);
  const std::size_t r = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(meb_of(result, r) == Approx(5000.0).epsilon(1e-12));
  CHECK(smeb(result, r) == Approx(2660.0).epsilon(1e-12));
  const std::size_t non_food = food_share_line(result);
  CHECK(result.lines[non_food].tier == meb::Tier::meb);
  CHECK(result.line_cost(r, non_food) == Approx(2340.0).epsilon(1e-12));
  CHECK(result.line_price(r, non_food).source == meb::LineSource::food_share);
  CHECK_THAT(result.notes[r], Catch::Contains("food share 0.532 (stated)"));

  const auto other = compute_from(yaml("0.4"), rows);
  CHECK(meb_of(other, r) == Approx(6650.0).epsilon(1e-12));
  CHECK(other.line_cost(r, food_share_line(other)) == Approx(3990.0).epsilon(1e-12));
  CHECK(smeb(other, r) == Approx(2660.0).epsilon(1e-12));
}

TEST_CASE("expenditure food share measured on the reference group", "[expenditure]") {
  // Σ w·food / Σ w·total over MEB-eligible household spending (tobacco excluded):
  //   H1 w1: food 600, water 400 (total 1000); H2 w3: food 300, water 300, tobacco 500 (total 600)
  //   share = (600 + 3×300) / (1000 + 3×600) = 1500 / 2800 = 15/28 = 0.535714
  //   (with the tobacco it would be 1500 / 4300.)
  // Food: Millet 5 KG at 300 = 1500 → MEB = 1500 × 28/15 = 2800, non-food 1300, SMEB 1500.
  const std::string yaml =
      "id: food-share-measured\nname: Food share measured\ncurrency: XOF\nmethod: food_share\nfood_share: measured\n"
      "household: {size: 2}\nprices:\n  levels: [market, admin1]\n"
      "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  admin1: admin1\n  expenditures:\n"
      "    - {column: food_30d, category: food, recall: 30d}\n"
      "    - {column: water_30d, category: water, recall: 30d}\n"
      "    - {column: tobacco_30d, category: other, recall: 30d, meb: false}\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 5, unit: KG, per: household/month}\n";
  const std::string survey = "hh_id,weight,hh_size,admin1,food_30d,water_30d,tobacco_30d\nH1,1,1,A,600,400,0\nH2,3,2,A,300,300,500\n";
  const auto result = run_survey(yaml, "2020-01-15,M1,A,,Millet,KG,Retail,XOF,300\n", survey);
  const std::size_t r = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(meb_of(result, r) == Approx(2800.0).epsilon(1e-12));
  CHECK(result.line_cost(r, food_share_line(result)) == Approx(1300.0).epsilon(1e-12));
  CHECK(smeb(result, r) == Approx(1500.0).epsilon(1e-12));
  CHECK_THAT(result.notes[r], Catch::Contains("food share 0.5357 (measured)"));
}

TEST_CASE("expenditure hybrid normative food and survey components by tier", "[expenditure]") {
  // Survey (size 1, weight 1): H1 food 400 energy 100 other 100 (600); H2 600/200/200 (1000);
  // H3 1000/400/600 (2000). Every household in the group: median total 1000 per person.
  //   Σ energy = 700, Σ other = 900, Σ total = 3600 → energy 1000 × 700/3600 = 194.444444, other 250
  // Household of 4: energy 777.777778, other 1000. Normative: Millet 10 KG × 200 = 2000, water 500.
  //   SMEB = food + water + energy = 2000 + 500 + 777.777778 = 3277.777778
  //   MEB  = SMEB + other = 4277.777778
  // A component may read several survey components: non-food = energy + other = 444.444444 per person
  //   → 4 × 444.444444 = 1777.777778, MEB = 2000 + 500 + 1777.777778 = 4277.777778 (all in the MEB tier).
  const std::string head =
      "id: hybrid\nname: Hybrid\ncurrency: XOF\nmethod: hybrid\nhousehold: {size: 4}\n"
      "prices:\n  levels: [market, admin1]\n"
      "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  admin1: admin1\n  expenditures:\n"
      "    - {column: food_30d, category: food, recall: 30d}\n"
      "    - {column: energy_30d, category: energy, recall: 30d}\n"
      "    - {column: other_30d, category: other, recall: 30d}\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n"
      "  - {component: water, tier: smeb, cost: 500, per: household/month}\n";
  const std::string survey =
      "hh_id,weight,hh_size,admin1,food_30d,energy_30d,other_30d\nH1,1,1,A,400,100,100\nH2,1,1,A,600,200,200\nH3,1,1,A,1000,400,600\n";
  const std::string rows = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n";
  const auto result = run_survey(head + "  - {component: energy, tier: smeb, method: expenditure}\n"
                                        "  - {component: other, tier: meb, method: expenditure}\n",
                                 rows, survey);
  const std::size_t r = row_of(result, AreaLevel::admin1, "A", "2020-01");
  CHECK(component_cost(result, r, "food") == Approx(2000.0).epsilon(1e-12));
  CHECK(component_cost(result, r, "energy") == Approx(7000.0 / 9.0).epsilon(1e-12));
  CHECK(component_cost(result, r, "other") == Approx(1000.0).epsilon(1e-12));
  CHECK(smeb(result, r) == Approx(2500.0 + 7000.0 / 9.0).epsilon(1e-12));
  CHECK(meb_of(result, r) == Approx(3500.0 + 7000.0 / 9.0).epsilon(1e-12));

  const auto merged = run_survey(
      head + "  - {component: non-food, tier: meb, method: expenditure, survey_components: [energy, other]}\n", rows, survey);
  CHECK(component_cost(merged, r, "non-food") == Approx(16000.0 / 9.0).epsilon(1e-12));
  CHECK(smeb(merged, r) == Approx(2500.0).epsilon(1e-12));
  CHECK(meb_of(merged, r) == Approx(2500.0 + 16000.0 / 9.0).epsilon(1e-12));
}

TEST_CASE("expenditure HEA tiers survival and livelihoods_protection are smeb and meb", "[expenditure]") {
  // Millet 10 KG × 200 = 2000 and water 500 (survival), education 1000 (livelihoods protection):
  //   survival threshold (SMEB) = 2500, livelihoods protection threshold (MEB) = 3500.
  // transfer basis survival = the SMEB.
  auto yaml = [](const std::string& method, const std::string& low, const std::string& high, const std::string& basis) {
    return "id: hea\nname: HEA\ncurrency: XOF\nmethod: " + method + "\nhousehold: {size: 5}\n"
           "prices:\n  levels: [market, admin1]\n"
           "basket:\n  - component: food\n    tier: " + low + "\n    items:\n"
           "      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n"
           "  - {component: water, tier: " + low + ", cost: 500, per: household/month}\n"
           "  - {component: education, tier: " + high + ", cost: 1000, per: household/month}\n"
           "transfer: {basis: " + basis + "}\n";
  };
  const std::string rows = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,200\n";
  const auto hea = compute_from(yaml("hea", "survival", "livelihoods_protection", "survival"), rows);
  const std::size_t r = row_of(hea, AreaLevel::admin1, "A", "2020-01");
  CHECK(smeb(hea, r) == Approx(2500.0).epsilon(1e-12));
  CHECK(meb_of(hea, r) == Approx(3500.0).epsilon(1e-12));
  CHECK(hea.transfer[r].value == Approx(2500.0).epsilon(1e-12));
  CHECK(hea.lines[line_of(hea, "Millet")].tier == meb::Tier::smeb);
  CHECK(hea.lines[line_of(hea, "education")].tier == meb::Tier::meb);
  const auto plain = compute_from(yaml("normative", "smeb", "meb", "smeb"), rows);
  CHECK(smeb(plain, r) == smeb(hea, r));
  CHECK(meb_of(plain, r) == meb_of(hea, r));
  CHECK(plain.transfer[r].value == hea.transfer[r].value);
}

// ------------------------------------------------------------------------------------------------
// Invariants over seeded random surveys.

namespace {

struct RandomHousehold {
  std::string id;
  double weight;
  int size;
  std::string admin1;
  int fcs;
  double food_7d, water_30d, health_6m, tobacco_30d;
};

std::string number(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string survey_csv(const std::vector<RandomHousehold>& households, double k = 1.0) {
  std::string csv = "hh_id,weight,hh_size,admin1,fcs,food_7d,water_30d,health_6m,tobacco_30d\n";
  for (const auto& h : households)
    csv += h.id + "," + number(h.weight) + "," + std::to_string(h.size) + "," + h.admin1 + "," + std::to_string(h.fcs) +
           "," + number(k * h.food_7d) + "," + number(k * h.water_30d) + "," + number(k * h.health_6m) + "," +
           number(k * h.tobacco_30d) + "\n";
  return csv;
}

std::vector<RandomHousehold> random_survey(std::mt19937& rng) {
  std::uniform_int_distribution<int> count(3, 25), size(1, 9), fcs(20, 80), amount(0, 5000), area(0, 2), weight(1, 3);
  std::vector<RandomHousehold> out;
  const int n = count(rng);
  for (int i = 0; i < n; ++i)
    out.push_back({"H" + std::to_string(i), static_cast<double>(weight(rng)), size(rng), std::string(1, "ABC"[area(rng)]),
                   fcs(rng), static_cast<double>(amount(rng)), static_cast<double>(amount(rng)),
                   static_cast<double>(amount(rng) * 3), static_cast<double>(amount(rng))});
  return out;
}

std::string random_methodology(std::mt19937& rng) {
  const char* statistics[] = {"median", "mean"};
  const char* bands[] = {"  deciles: [3, 5]\n", "  deciles: [1, 10]\n", "  quantiles: [0.1, 0.6]\n", ""};
  const char* conditions[] = {"  where: [\"fcs >= 42\"]\n", ""};
  std::uniform_int_distribution<int> two(0, 1), four(0, 3);
  return "id: invariant\nname: Invariant\ncurrency: XOF\nmethod: expenditure\nhousehold: {size: 6}\n"
         "prices:\n  levels: [market, admin1, national]\n"
         "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  admin1: admin1\n  outcomes: [fcs]\n"
         "  expenditures:\n"
         "    - {column: food_7d, category: food, recall: 7d}\n"
         "    - {column: water_30d, category: water, recall: 30d}\n"
         "    - {column: health_6m, category: health, recall: 6m}\n"
         "    - {column: tobacco_30d, category: other, recall: 30d, meb: false}\n"
         "reference_group:\n  statistic: " +
         std::string(statistics[two(rng)]) + "\n" + bands[four(rng)] + conditions[two(rng)] +
         "basket:\n  - {component: food, tier: smeb}\n  - {component: water, tier: smeb}\n"
         "  - {component: health, tier: meb}\n";
}

const std::string kPricesInvariant =
    "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M2,B,,Millet,KG,Retail,XOF,100\n"
    "2020-01-15,M3,C,,Millet,KG,Retail,XOF,100\n";

void check_same(double x, double y, double scale, const std::string& context) {
  INFO(context);
  if (std::isnan(x) || std::isnan(y)) {
    CHECK(std::isnan(x));
    CHECK(std::isnan(y));
  } else {
    CHECK(y == Approx(scale * x).epsilon(1e-11).margin(1e-9));
  }
}

}  // namespace

TEST_CASE("expenditure invariant a household of weight 2 equals two households of weight 1", "[expenditure]") {
  std::mt19937 rng(20240603);
  std::size_t valued = 0;  // rows with a value: the invariant is not checked on NaN alone
  for (int trial = 0; trial < 120; ++trial) {
    const std::vector<RandomHousehold> weighted = random_survey(rng);
    // The same survey with every household of weight 2 split into two identical households of weight 1
    // (the copy at the end of the file, under another id).
    std::vector<RandomHousehold> split = weighted;
    for (const auto& h : weighted) {
      if (h.weight != 2.0) continue;
      for (auto& s : split)
        if (s.id == h.id) s.weight = 1.0;
      RandomHousehold copy = h;
      copy.id += "b";
      copy.weight = 1.0;
      split.push_back(copy);
    }
    const std::string yaml = random_methodology(rng);
    const std::string context = "trial " + std::to_string(trial) + "\n" + yaml + survey_csv(weighted);
    const auto x = run_survey(yaml, kPricesInvariant, survey_csv(weighted));
    const auto y = run_survey(yaml, kPricesInvariant, survey_csv(split));
    REQUIRE(x.rows.size() == y.rows.size());
    for (std::size_t r = 0; r < x.rows.size(); ++r) valued += std::isnan(meb_of(x, r)) ? 0 : 1;
    for (std::size_t r = 0; r < x.rows.size(); ++r) {
      check_same(meb_of(x, r), meb_of(y, r), 1.0, context + " row " + std::to_string(r));
      check_same(smeb(x, r), smeb(y, r), 1.0, context + " row " + std::to_string(r));
    }
  }
  CHECK(valued > 200);
}

TEST_CASE("expenditure invariant scaling every expenditure by k scales the MEB by k", "[expenditure]") {
  std::mt19937 rng(7031);
  const double factors[] = {2.0, 0.5, 3.0, 7.25, 1000.0, 0.1};
  std::size_t valued = 0;  // rows with a value: the invariant is not checked on NaN alone
  for (int trial = 0; trial < 120; ++trial) {
    const std::vector<RandomHousehold> survey = random_survey(rng);
    const double k = factors[trial % 6];
    const std::string yaml = random_methodology(rng);
    const std::string context = "trial " + std::to_string(trial) + " k " + number(k) + "\n" + yaml + survey_csv(survey);
    const auto x = run_survey(yaml, kPricesInvariant, survey_csv(survey));
    const auto y = run_survey(yaml, kPricesInvariant, survey_csv(survey, k));
    REQUIRE(x.rows.size() == y.rows.size());
    for (std::size_t r = 0; r < x.rows.size(); ++r) valued += std::isnan(meb_of(x, r)) ? 0 : 1;
    for (std::size_t r = 0; r < x.rows.size(); ++r) {
      check_same(meb_of(x, r), meb_of(y, r), k, context + " row " + std::to_string(r));
      check_same(smeb(x, r), smeb(y, r), k, context + " row " + std::to_string(r));
    }
  }
  CHECK(valued > 200);
}

// ------------------------------------------------------------------------------------------------
// Errors.

TEST_CASE("expenditure a survey-based methodology computed without a survey names --survey", "[expenditure]") {
  const meb::Methodology methodology = methodology_from(s1_methodology("  deciles: [3, 5]\n"));
  CHECK(meb::needs_survey(methodology));
  const meb::PriceTable prices = prices_for(methodology, kLongHeader + kPricesA);
  REQUIRE_THROWS_AS(meb::compute(methodology, prices, nullptr), meb::InputError);
  REQUIRE_THROWS_WITH(meb::compute(methodology, prices, nullptr),
                      Catch::Contains("test.yaml") && Catch::Contains("--survey"));
  // A measured food share needs it too, a stated one does not.
  const meb::Methodology stated = methodology_from(
      "id: fs\nname: FS\ncurrency: XOF\nmethod: food_share\nfood_share: 0.5\nhousehold: {size: 1}\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n");
  CHECK_FALSE(meb::needs_survey(stated));
}

namespace {


const std::string kHead = "id: bad\nname: Bad\ncurrency: XOF\nhousehold: {size: 5}\n";
const std::string kSurveyMinimal =
    "survey:\n  id: hh_id\n  size: hh_size\n  expenditures:\n    - {column: food_30d, category: food, recall: 30d}\n";

}  // namespace

TEST_CASE("expenditure validation of the method against the basket", "[expenditure]") {
  // food_share without a food component (line 6 is `basket:`).
  CHECK_THAT(methodology_error_of(kHead + "method: food_share\nbasket:\n  - {component: water, tier: smeb, cost: 500, per: household/month}\n"
                                       "food_share: 0.532\n"),
             Catch::Contains("test.yaml:") && Catch::Contains("key 'basket'") &&
                 Catch::Contains("method food_share needs a normative component named food"));
  // food_share without a share.
  CHECK_THAT(methodology_error_of(kHead + "method: food_share\nbasket:\n  - component: food\n    tier: smeb\n    items:\n"
                                       "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"),
             Catch::Contains("key 'food_share'") && Catch::Contains("is required by method food_share"));
  // hybrid without both kinds: only normative components (line 5 holds `method: hybrid`).
  CHECK_THAT(methodology_error_of(kHead + "method: hybrid\nbasket:\n  - {component: water, tier: smeb, cost: 500, per: household/month}\n"),
             Catch::Contains("test.yaml:5:") && Catch::Contains("key 'method'") &&
                 Catch::Contains("hybrid needs at least one normative and one expenditure-based component"));
  // hybrid with only expenditure-based components.
  CHECK_THAT(methodology_error_of(kHead + "method: hybrid\n" + kSurveyMinimal +
                               "basket:\n  - {component: food, tier: smeb, method: expenditure}\n"),
             Catch::Contains("hybrid needs at least one normative and one expenditure-based component"));
  // an expenditure-based component with items (line 15: the first entry of the items list).
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\n" + kSurveyMinimal +
                               "basket:\n  - component: food\n    tier: smeb\n    items:\n"
                               "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"),
             Catch::Contains("test.yaml:15:") && Catch::Contains("key 'basket[0].items'") &&
                 Catch::Contains("an expenditure-based component is costed from the survey, so it has no items"));
  // pooled without the national level.
  CHECK_THAT(methodology_error_of(kHead + "method: hybrid\nprices:\n  levels: [market, admin1]\n" + kSurveyMinimal +
                               "reference_group:\n  pooled: true\n"
                               "basket:\n  - component: food\n    tier: smeb\n    items:\n"
                               "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n"
                               "  - {component: other, tier: meb, method: expenditure, survey_components: [food]}\n"),
             Catch::Contains("key 'reference_group.pooled'") &&
                 Catch::Contains("a pooled reference group is carried to the areas by a price index against the national "
                                 "level: add national to prices.levels"));
  // expenditure-based components without a survey section.
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\nbasket:\n  - {component: food, tier: smeb}\n"),
             Catch::Contains("key 'survey'") && Catch::Contains("is required by expenditure-based components"));
  // a normative methodology with an expenditure-based component.
  CHECK_THAT(methodology_error_of(kHead + "method: normative\n" + kSurveyMinimal +
                               "basket:\n  - {component: food, tier: smeb, method: expenditure}\n"),
             Catch::Contains("key 'method'") && Catch::Contains("a component is expenditure-based: say method: hybrid"));
  // a reference group condition that is not one.
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\n" + kSurveyMinimal +
                               "reference_group:\n  where: [\"fcs is high\"]\nbasket:\n  - {component: food, tier: smeb}\n"),
             Catch::Contains("key 'reference_group.where'") && Catch::Contains("'fcs is high' is not a condition"));
  // deciles out of range.
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\n" + kSurveyMinimal +
                               "reference_group:\n  deciles: [0, 5]\nbasket:\n  - {component: food, tier: smeb}\n"),
             Catch::Contains("key 'reference_group.deciles'") && Catch::Contains("whole numbers from 1 to 10"));
}

TEST_CASE("expenditure a component no survey column feeds is a methodology error", "[expenditure]") {
  // The survey section says which components the expenditure columns feed (here food and health). A
  // basket component costed from the survey under another name ("helth") would cost 0 without a word:
  // the household's health spending would silently drop out of the MEB. It is a mistake of the file.
  const std::string survey =
      "survey:\n  id: hh_id\n  size: hh_size\n  expenditures:\n"
      "    - {column: food_30d, category: food, recall: 30d}\n"
      "    - {column: health_30d, category: health, recall: 30d}\n";
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\n" + survey +
                               "basket:\n  - {component: food, tier: smeb}\n  - {component: helth, tier: meb}\n"),
             Catch::Contains("test.yaml:") && Catch::Contains("basket[1]") && Catch::Contains("'helth'"));
  CHECK_THAT(methodology_error_of(kHead + "method: expenditure\n" + survey +
                               "basket:\n  - {component: food, tier: smeb}\n"
                               "  - {component: services, tier: meb, survey_components: [helth]}\n"),
             Catch::Contains("test.yaml:") && Catch::Contains("basket[1].survey_components") &&
                 Catch::Contains("'helth'"));
}

TEST_CASE("expenditure a condition on an outcome the survey does not read", "[expenditure]") {
  // The methodology asks for fcs >= 42 but survey.outcomes does not list fcs: an InputError naming it.
  const std::string yaml =
      "id: exp\nname: Exp\ncurrency: XOF\nmethod: expenditure\nhousehold: {size: 5}\nprices:\n  levels: [market, admin1]\n"
      "survey:\n  id: hh_id\n  size: hh_size\n  admin1: admin1\n  expenditures:\n"
      "    - {column: food_30d, category: food, recall: 30d}\n"
      "reference_group:\n  where: [\"fcs >= 42\"]\nbasket:\n  - {component: food, tier: smeb}\n";
  const std::string survey = "hh_id,weight,hh_size,admin1,food_30d\nH1,1,1,A,100\n";
  REQUIRE_THROWS_WITH(run_survey(yaml, kPricesA, survey),
                      Catch::Contains("survey.csv") && Catch::Contains("outcome 'fcs'") &&
                          Catch::Contains("survey.outcomes"));
}

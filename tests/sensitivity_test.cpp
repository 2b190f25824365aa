#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "meb/sensitivity.hpp"
#include "test_helpers.hpp"

// meb/sensitivity.hpp: price elasticities (cost shares; checked against finite differences through
// evaluate_plan on the real Burkina Faso file), the transfer elasticity through the clamp, the parameter
// changes (+1 person under every household model, +10 points of coverage, the rounding modes) and the
// tornado's ranking, on small baskets worked by hand in the comments.

using meb::AreaLevel;
using meb::Month;
using namespace meb::testing;

namespace {

const double kNaN = std::numeric_limits<double>::quiet_NaN();

/// A methodology, its plan over inline long-CSV rows, the markets' own values and the evaluated result.
struct Fixture {
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::ComputePlan plan;
  std::vector<double> values;
  meb::ComputeResult result;

  explicit Fixture(meb::Methodology m, meb::PriceTable table, std::optional<Month> from = std::nullopt,
                   std::optional<Month> to = std::nullopt, const meb::Survey* survey = nullptr)
      : methodology(std::move(m)), prices(std::move(table)) {
    plan = meb::plan_compute(methodology, prices, nullptr, from, to);
    values = meb::market_values(plan.buckets, methodology.prices.statistic);
    result = meb::evaluate_plan(plan, methodology, values, survey);
  }
  static Fixture inline_rows(const std::string& yaml, const std::string& rows) {
    meb::Methodology m = methodology_from(yaml);
    meb::PriceTable table = prices_for(m, kLongHeader + rows);
    return Fixture(std::move(m), std::move(table));
  }
};

/// The index of a parameter change by its name and change text.
std::size_t parameter_of(const meb::Sensitivity& s, const std::string& parameter, const std::string& change) {
  for (std::size_t p = 0; p < s.parameters.size(); ++p)
    if (s.parameters[p].parameter == parameter && s.parameters[p].change == change) return p;
  throw std::runtime_error("no parameter " + parameter + " " + change);
}

double changed(const meb::Sensitivity& s, std::size_t row, std::size_t parameter) {
  return s.transfer_changed(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(parameter));
}

/// The factor names of a row's tornado, in rank order.
std::vector<std::string> ranking(const meb::Sensitivity& s, std::size_t row) {
  std::vector<std::string> names;
  for (std::size_t rank = 0; rank < s.factors.size(); ++rank) names.push_back(s.factors[s.bar(row, rank).factor].name);
  return names;
}

const meb::TornadoBar& bar_of(const meb::Sensitivity& s, std::size_t row, const std::string& factor) {
  for (std::size_t rank = 0; rank < s.factors.size(); ++rank)
    if (s.factors[s.bar(row, rank).factor].name == factor) return s.bar(row, rank);
  throw std::runtime_error("no factor " + factor);
}

// Household of 1; Millet 2 KG and Sorghum 3 KG a month at 100 and 50: 200 + 150 = 350.
const std::string kHead = "id: sens\nname: Sensitivity test\ncurrency: XOF\n";
const std::string kTwoItems =
    "basket:\n  - component: food\n    tier: smeb\n    items:\n"
    "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n"
    "      - {item: Sorghum, quantity: 3, unit: KG, per: household/month}\n";
const std::string kPricesA = "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,50\n";

}  // namespace

TEST_CASE("sensitivity elasticities are the cost shares and sum to 1 without fixed costs", "[sensitivity]") {
  // MEB = 350: e(Millet) = 200/350 = 4/7, e(Sorghum) = 150/350 = 3/7, sum 1. The transfer value is the MEB
  // (coverage 1, no deduction, not rounded), so its elasticities are the same.
  const Fixture f = Fixture::inline_rows(kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + kTwoItems,
                                         kPricesA);
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  const std::size_t millet = line_of(f.result, "Millet"), sorghum = line_of(f.result, "Sorghum");
  const std::size_t n = f.result.lines.size();
  CHECK(e[r * n + millet].cost == Approx(200.0));
  CHECK(e[r * n + millet].cost_share == Approx(4.0 / 7.0));
  CHECK(e[r * n + millet].elasticity_meb == Approx(4.0 / 7.0));
  CHECK(e[r * n + sorghum].elasticity_meb == Approx(3.0 / 7.0));
  CHECK(e[r * n + millet].elasticity_meb + e[r * n + sorghum].elasticity_meb == Approx(1.0).epsilon(1e-14));
  CHECK(e[r * n + millet].elasticity_transfer == Approx(4.0 / 7.0));
  CHECK(e[r * n + sorghum].elasticity_transfer == Approx(3.0 / 7.0));
}

TEST_CASE("sensitivity transfer elasticity through coverage and deduction", "[sensitivity]") {
  // TV = 0.5 × (350 − 100) = 125. dTV/dp × p = 0.5 × q p: Millet 0.5 × 200 / 125 = 0.8, Sorghum 0.5 × 150 /
  // 125 = 0.6; they sum to 350/250 = 1.4 (the deduction gears the transfer value up), the MEB's still to 1.
  const Fixture f = Fixture::inline_rows(kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + kTwoItems +
                                             "transfer: {coverage: 0.5, deduct: 100}\n",
                                         kPricesA);
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  CHECK(e[r * n + line_of(f.result, "Millet")].elasticity_transfer == Approx(0.8));
  CHECK(e[r * n + line_of(f.result, "Sorghum")].elasticity_transfer == Approx(0.6));
  CHECK(e[r * n + line_of(f.result, "Millet")].elasticity_meb == Approx(4.0 / 7.0));
}

TEST_CASE("sensitivity elasticities sum to 1 minus the fixed share with mark-ups and stated costs", "[sensitivity]") {
  // Food mark-up 10%: Millet 200 × 1.1 = 220, Sorghum 150 × 1.1 = 165; water stated 150 a month; total
  // mark-up 20%: MEB = (220 + 165 + 150) × 1.2 = 642. e(Millet) = 264/642, e(Sorghum) = 198/642, sum
  // 462/642 = 1 − 180/642, the water's share. The stated cost has no price elasticity.
  const Fixture f = Fixture::inline_rows(
      kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\nmarkup_percent: 20\n"
              "basket:\n  - component: food\n    tier: smeb\n    markup_percent: 10\n    items:\n"
              "      - {item: Millet, quantity: 2, unit: KG, per: household/month}\n"
              "      - {item: Sorghum, quantity: 3, unit: KG, per: household/month}\n"
              "  - {component: water, tier: smeb, cost: 150, per: household/month}\n",
      kPricesA);
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  REQUIRE(meb_of(f.result, r) == Approx(642.0));
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  const auto& millet = e[r * n + line_of(f.result, "Millet")];
  const auto& sorghum = e[r * n + line_of(f.result, "Sorghum")];
  const auto& water = e[r * n + line_of(f.result, "water")];
  CHECK(millet.cost == Approx(264.0));
  CHECK(millet.elasticity_meb == Approx(264.0 / 642.0));
  CHECK(sorghum.elasticity_meb == Approx(198.0 / 642.0));
  CHECK(water.cost == Approx(180.0));
  CHECK(water.cost_share == Approx(180.0 / 642.0));
  CHECK(std::isnan(water.elasticity_meb));
  CHECK(std::isnan(water.elasticity_transfer));
  CHECK(millet.elasticity_meb + sorghum.elasticity_meb == Approx(1.0 - water.cost_share).epsilon(1e-14));
  CHECK(millet.cost_share + sorghum.cost_share + water.cost_share == Approx(1.0).epsilon(1e-14));
}

TEST_CASE("sensitivity food share line moves with the food prices", "[sensitivity]") {
  // Food: Millet 5 KG at 100 = 500 and salt stated 100; share 0.5 stated, so the non-food line is
  // 600 × (1/0.5 − 1) = 600 and MEB = 1200. A Millet price change moves the food and the non-food line:
  // 500 × 2 = 1000 → e = 1000/1200 = 5/6 = 1 − (salt 100 × 2)/1200: the stated salt drags its part of the
  // non-food line, which is the fixed share here.
  const Fixture f = Fixture::inline_rows(
      kHead + "method: food_share\nfood_share: 0.5\nhousehold: {size: 1}\nprices: {levels: [market, admin1]}\n"
              "basket:\n  - component: food\n    tier: smeb\n    items:\n"
              "      - {item: Millet, quantity: 5, unit: KG, per: household/month}\n"
              "      - {item: salt, cost: 100, per: household/month}\n",
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n");
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  REQUIRE(meb_of(f.result, r) == Approx(1200.0));
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  CHECK(e[r * n + line_of(f.result, "Millet")].elasticity_meb == Approx(5.0 / 6.0));
  CHECK(e[r * n + line_of(f.result, "Millet")].cost_share == Approx(500.0 / 1200.0));
  const auto& non_food = e[r * n + line_of(f.result, "non-food (food share)")];
  CHECK(non_food.cost_share == Approx(600.0 / 1200.0));
  CHECK(std::isnan(non_food.elasticity_meb));
  // The SMEB (food only: 600) has no food-share line: p ∂SMEB/∂p(Millet) = 500.
  CHECK(meb::price_effects(f.methodology, f.result, r, meb::Tier::smeb)[line_of(f.result, "Millet")] == Approx(500.0));
  // The tornado moves the MEB by ±100 for Millet (TV 1100 / 1300) and by ±20 for salt (1180 / 1220).
  const meb::Sensitivity s = meb::compute_sensitivity(f.plan, f.methodology, f.values, f.result);
  CHECK(bar_of(s, r, "price: Millet").low == Approx(1100.0));
  CHECK(bar_of(s, r, "price: Millet").high == Approx(1300.0));
  CHECK(bar_of(s, r, "stated cost: salt").swing == Approx(40.0));
}

TEST_CASE("sensitivity pooled survey index moves with the area's own prices", "[sensitivity]") {
  // Pooled group: per person 50, 100, 150 → median 100; household of 2 → 200 × C(area)/C(national).
  // Millet 10 KG: A 100, B 300, C 200 → national = median(100, 300, 200) = 200, C(national) = 2000.
  // A: 1000 + 200 × 1000/2000 = 1100, and both terms are proportional to A's price: e = 1 (national fixed).
  // National: index 1, survey 200 fixed: e = 2000/2200 = 10/11.
  // Finite difference: A's market × (1 + 1e-6) leaves the national median at 200 (C's price).
  const std::string yaml =
      "id: pooled\nname: Pooled\ncurrency: XOF\nmethod: hybrid\nhousehold: {size: 2}\n"
      "prices:\n  levels: [market, admin1, national]\n"
      "survey:\n  id: hh_id\n  weight: weight\n  size: hh_size\n  expenditures:\n    - {column: other_30d, category: other, recall: 30d}\n"
      "reference_group: {pooled: true}\n"
      "basket:\n"
      "  - component: food\n    tier: smeb\n    items:\n      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n"
      "  - {component: other, tier: meb, method: expenditure}\n";
  meb::Methodology m = methodology_from(yaml);
  meb::PriceTable table = prices_for(m, kLongHeader +
                                            "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                                            "2020-01-15,M2,B,,Millet,KG,Retail,XOF,300\n"
                                            "2020-01-15,M3,C,,Millet,KG,Retail,XOF,200\n");
  const meb::Survey survey =
      meb::read_survey("survey.csv", "hh_id,weight,hh_size,other_30d\nH1,1,1,50\nH2,1,1,100\nH3,1,1,150\n", *m.survey);
  const Fixture f(std::move(m), std::move(table), std::nullopt, std::nullopt, &survey);
  const std::size_t a = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  const std::size_t national = row_of(f.result, AreaLevel::national, "national", "2020-01");
  REQUIRE(meb_of(f.result, a) == Approx(1100.0));
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  const std::size_t millet = line_of(f.result, "Millet");
  CHECK(e[a * n + millet].elasticity_meb == Approx(1.0));
  CHECK(e[national * n + millet].elasticity_meb == Approx(10.0 / 11.0));

  const double h = 1e-6;
  std::vector<double> shocked = f.values;
  std::size_t market_a = f.plan.buckets.markets;
  for (std::size_t k = 0; k < f.prices.markets.size(); ++k)
    if (f.prices.markets[k].name == "M1") market_a = k;
  REQUIRE(market_a < f.plan.buckets.markets);
  for (std::size_t t = 0; t < f.plan.buckets.months; ++t) shocked[f.plan.buckets.cell(0, market_a, t)] *= 1.0 + h;
  const meb::ComputeResult moved = meb::evaluate_plan(f.plan, f.methodology, shocked, &survey);
  CHECK((meb_of(moved, a) / meb_of(f.result, a) - 1.0) / h == Approx(1.0).margin(1e-6));
  CHECK(meb_of(moved, national) == meb_of(f.result, national));
}

TEST_CASE("sensitivity elasticities match finite differences on the BFA data", "[sensitivity]") {
  // sahel-normative on the real Burkina Faso file, 2019: every market value of one series × (1 + 1e-6),
  // evaluated again; the relative change of the unrounded MEB over 1e-6 is the elasticity (the medians of a
  // scaled series scale with it, filled values too). The transfer elasticity is checked the same way
  // under a rule with a deduction and a coverage (TV = 0.8 × (MEB − 5,000), not rounded).
  meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  m.transfer.deduct = 5000.0;
  m.transfer.coverage = 0.8;
  m.transfer.rounding.reset();
  meb::PriceTable table;
  meb::read_price_file(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv", meb::make_price_filter(m, false),
                       table);
  const Fixture f(std::move(m), std::move(table), Month::from_year_month(2019, 1), Month::from_year_month(2019, 12));
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  const std::vector<std::size_t> rows = {
      row_of(f.result, AreaLevel::admin1, "Sahel", "2019-06"), row_of(f.result, AreaLevel::admin1, "Centre", "2019-03"),
      row_of(f.result, AreaLevel::admin1, "Est", "2019-09"), row_of(f.result, AreaLevel::national, "national", "2019-12")};
  const double h = 1e-6;
  const meb::QuoteBuckets& buckets = f.plan.buckets;
  std::size_t checked = 0;
  for (std::size_t l = 0; l < n; ++l) {
    const meb::CostLine& line = f.result.lines[l];
    if (line.kind != meb::CostLine::Kind::priced) continue;
    std::vector<double> shocked = f.values;
    const auto s = static_cast<std::size_t>(line.series);
    for (std::size_t k = 0; k < buckets.markets; ++k)
      for (std::size_t t = 0; t < buckets.months; ++t) shocked[buckets.cell(s, k, t)] *= 1.0 + h;
    const meb::ComputeResult moved = meb::evaluate_plan(f.plan, f.methodology, shocked);
    for (const std::size_t r : rows) {
      INFO(line.item << " in row " << r);
      const double meb0 = meb_of(f.result, r);
      REQUIRE(!std::isnan(meb0));
      CHECK((meb_of(moved, r) / meb0 - 1.0) / h == Approx(e[r * n + l].elasticity_meb).margin(1e-6));
      const double tv0 = f.result.transfer[r].unrounded;
      CHECK((moved.transfer[r].unrounded / tv0 - 1.0) / h == Approx(e[r * n + l].elasticity_transfer).margin(1e-6));
      ++checked;
    }
  }
  CHECK(checked == 5 * rows.size());  // Millet, Sorghum, Maize, Rice (local), Cowpeas
  // The fixed costs: 3,000 + 2,000 + 6,000 + 2,500 + 2,000 + 24,000/12 = 17,500 a month.
  for (const std::size_t r : rows) {
    double sum = 0.0;
    for (std::size_t l = 0; l < n; ++l)
      if (!std::isnan(e[r * n + l].elasticity_meb)) sum += e[r * n + l].elasticity_meb;
    CHECK(sum == Approx(1.0 - 17500.0 / meb_of(f.result, r)).epsilon(1e-12));
  }
}

TEST_CASE("sensitivity transfer elasticity at the floor and the cap", "[sensitivity]") {
  // basis 500, deduct 100, coverage 0.5 → gap 200; a price with p ∂basis/∂p = 200 → 0.5 × 200 / 200 = 0.5.
  meb::TransferRule rule;
  rule.coverage = 0.5;
  rule.deduct = 100.0;
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == Approx(0.5));
  rule.cap = 201.0;  // not binding
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == Approx(0.5));
  rule.cap = 199.0;  // binds
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == 0.0);
  rule.cap = 200.0;  // at the kink: a rise stays capped
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == 0.0);
  rule.cap.reset();
  rule.floor = 201.0;  // binds
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == 0.0);
  rule.floor = 200.0;  // at the kink: a rise leaves the floor
  CHECK(meb::transfer_elasticity(rule, 500.0, 200.0) == Approx(0.5));
  rule.floor = 0.0;
  CHECK(std::isnan(meb::transfer_elasticity(rule, kNaN, 200.0)));
  CHECK(std::isnan(meb::transfer_elasticity(rule, 100.0, 200.0)));  // TV 0 inside the clamp: no elasticity
}

TEST_CASE("sensitivity transfer elasticity is 0 when the cap binds", "[sensitivity]") {
  // MEB 350, cap 300: the transfer value is 300 whatever a small price change; the MEB elasticities stay.
  const Fixture f = Fixture::inline_rows(kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + kTwoItems +
                                             "transfer: {cap: 300}\n",
                                         kPricesA);
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  REQUIRE(f.result.transfer[r].value == 300.0);
  const auto e = meb::price_elasticities(f.methodology, f.result);
  const std::size_t n = f.result.lines.size();
  for (const char* item : {"Millet", "Sorghum"}) {
    CHECK(e[r * n + line_of(f.result, item)].elasticity_transfer == 0.0);
    CHECK(e[r * n + line_of(f.result, item)].elasticity_meb > 0.0);
  }
}

TEST_CASE("sensitivity household changed under each model", "[sensitivity]") {
  meb::Household fixed;
  fixed.size = 6;
  CHECK(meb::household_changed(fixed, +1)->persons() == 7.0);
  CHECK(meb::household_changed(fixed, -1)->persons() == 5.0);
  fixed.size = 1;
  CHECK_FALSE(meb::household_changed(fixed, -1).has_value());

  meb::Household capped;  // 1 × min(size, 6): the cap holds a seventh person out
  capped.model = meb::HouseholdModel::capped;
  capped.size = 6;
  capped.max = 6;
  CHECK(meb::household_changed(capped, +1)->persons() == 6.0);
  CHECK(meb::describe_household_change(capped, *meb::household_changed(capped, +1)) == "size 6 -> size 7 (persons 6 -> 6)");

  meb::Household bands;  // up to 5 → 5 persons, then 7
  bands.model = meb::HouseholdModel::bands;
  bands.size = 5;
  bands.bands = {{5.0, 5.0}, {std::numeric_limits<double>::infinity(), 7.0}};
  CHECK(meb::household_changed(bands, +1)->persons() == 7.0);

  meb::Household oecd;  // 1 + 0.7 × 1 + 0.5 × 1 = 2.2; one more child: 2.7; one child fewer: 1.7
  oecd.model = meb::HouseholdModel::equivalence;
  oecd.adults = 2;
  oecd.children = 1;
  CHECK(meb::household_changed(oecd, +1)->persons() == Approx(2.7));
  CHECK(meb::household_changed(oecd, -1)->persons() == Approx(1.7));
  oecd.children = 0;  // no child: one adult fewer, 1 + 0.7 × 0 = 1
  CHECK(meb::household_changed(oecd, -1)->persons() == Approx(1.0));
  CHECK(meb::describe_household_change(oecd, *meb::household_changed(oecd, +1)) ==
        "adults 2, children 0 -> adults 2, children 1 (persons 1.7 -> 2.2)");

  meb::Household per_capita;  // one person's value; one person more is a household of two
  per_capita.model = meb::HouseholdModel::per_capita;
  CHECK(meb::household_changed(per_capita, +1)->persons() == 2.0);
  CHECK_FALSE(meb::household_changed(per_capita, -1).has_value());
}

TEST_CASE("sensitivity parameter changes worked by hand", "[sensitivity]") {
  // Household of 2; Millet 1 KG per person a month at 100 → 200; water stated 300 → MEB 500.
  // TV = 0.55 × (500 − 100) = 220, rounded nearest to 50 → 200 (4.4 steps).
  //   +1 person: MEB 300 + 300 = 600 → 0.55 × 500 = 275 → 5.5 steps → 300: +100.
  //   +10 pp: 0.65 × 400 = 260 → 5.2 → 250: +50.
  //   rounding of 220 to 50: nearest 200 (0), up 250 (+50), down 200 (0), none 220 (+20).
  //   water +10%: 330 → MEB 530 → 0.55 × 430 = 236.5 → 4.73 → 250: +50.
  const Fixture f = Fixture::inline_rows(
      kHead + "household: {size: 2}\nprices: {levels: [market, admin1]}\n"
              "basket:\n  - component: food\n    tier: smeb\n    items:\n"
              "      - {item: Millet, quantity: 1, unit: KG, per: person/month}\n"
              "  - {component: water, tier: smeb, cost: 300, per: household/month}\n"
              "transfer: {coverage: 0.55, deduct: 100, round: {step: 50, mode: nearest}}\n",
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n");
  const meb::Sensitivity s = meb::compute_sensitivity(f.plan, f.methodology, f.values, f.result);
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  REQUIRE(f.result.transfer[r].value == 200.0);
  CHECK(changed(s, r, parameter_of(s, "household +1 person", "size 2 -> size 3 (persons 2 -> 3)")) == 300.0);
  CHECK(changed(s, r, parameter_of(s, "coverage +10 pp", "0.55 -> 0.65")) == 250.0);
  CHECK(changed(s, r, parameter_of(s, "rounding", "nearest to 50")) == 200.0);
  CHECK(changed(s, r, parameter_of(s, "rounding", "up to 50")) == 250.0);
  CHECK(changed(s, r, parameter_of(s, "rounding", "down to 50")) == 200.0);
  CHECK(changed(s, r, parameter_of(s, "rounding", "none")) == Approx(220.0));
  CHECK(changed(s, r, parameter_of(s, "stated cost: water +10%", "300 -> 330")) == 250.0);
  CHECK(s.parameters.size() == 7);
  // The CSV: the difference column.
  const std::string csv = meb::parameters_csv(f.result, s);
  CHECK_THAT(csv, Catch::Contains("admin1,A,2020-01,household +1 person,size 2 -> size 3 (persons 2 -> 3),200,300,100\n"));
  CHECK_THAT(csv, Catch::Contains("admin1,A,2020-01,rounding,none,200,220,20\n"));

  // Coverage already 1: +10 pp is capped at 1 and changes nothing; an unrounded methodology has one
  // rounding change, none.
  const Fixture full = Fixture::inline_rows(kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + kTwoItems,
                                            kPricesA);
  const meb::Sensitivity t = meb::compute_sensitivity(full.plan, full.methodology, full.values, full.result);
  CHECK(changed(t, 0, parameter_of(t, "coverage +10 pp", "1 -> 1")) == Approx(350.0));
  CHECK_THROWS_WITH(parameter_of(t, "rounding", "nearest to 1"), Catch::Contains("no parameter rounding"));
}

TEST_CASE("sensitivity plus one person under the household models", "[sensitivity]") {
  // Millet 1 KG per person a month at 100, water 300 a household. No rounding: TV = MEB.
  auto tv_plus_one = [](const std::string& household) {
    const Fixture f = Fixture::inline_rows(
        kHead + "household: " + household + "\nprices: {levels: [market, admin1]}\n"
                "basket:\n  - component: food\n    tier: smeb\n    items:\n"
                "      - {item: Millet, quantity: 1, unit: KG, per: person/month}\n"
                "  - {component: water, tier: smeb, cost: 300, per: household/month}\n",
        "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n");
    const meb::Sensitivity s = meb::compute_sensitivity(f.plan, f.methodology, f.values, f.result);
    REQUIRE(s.parameters[0].parameter == "household +1 person");
    return std::pair{f.result.transfer[0].value, changed(s, 0, 0)};
  };
  // capped 1 × min(6, 6) = 6 → 900; size 7 is still 6 persons: 900.
  CHECK(tv_plus_one("{model: capped, size: 6, base: 1, max: 6}") == std::pair{900.0, 900.0});
  // bands: 5 → 5 persons (800), 6 → 7 persons (1000).
  CHECK(tv_plus_one("{model: bands, size: 5, bands: [{up_to: 5, persons: 5}, {up_to: null, persons: 7}]}") ==
        std::pair{800.0, 1000.0});
  // per capita: 100 + 300 = 400; a household of two: 200 + 300 = 500.
  CHECK(tv_plus_one("{model: per_capita}") == std::pair{400.0, 500.0});
  // modified OECD, 2 adults 2 children: 1 + 0.5 + 0.6 = 2.1 → 510; one more child 2.4 → 540.
  const auto [base, plus] = tv_plus_one("{model: equivalence, scale: modified_oecd, adults: 2, children: 2}");
  CHECK(base == Approx(510.0));
  CHECK(plus == Approx(540.0));
}

TEST_CASE("sensitivity tornado ranking on a small case", "[sensitivity]") {
  // Household of 1: Millet 2 KG per person a month at 100 (200), Sorghum 3 KG a household at 50 (150),
  // water 100 → MEB 450. TV = 0.8 × (450 − 50) = 320, not rounded. Low / high / swing:
  //   household size: −1 not possible (low = 320); +1: MEB 650 → 0.8 × 600 = 480; swing 160
  //   coverage 0.7 / 0.9: 280 / 360; swing 80
  //   price: Millet ±20 on the MEB → ±16: 304 / 336; swing 32
  //   price: Sorghum ±15 → ±12: 308 / 332; swing 24
  //   stated cost: water ±10 → ±8: 312 / 328; swing 16
  //   deduct 45 / 55: 324 / 316; swing 8
  const std::string basket =
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 2, unit: KG, per: person/month}\n"
      "      - {item: Sorghum, quantity: 3, unit: KG, per: household/month}\n"
      "  - {component: water, tier: smeb, cost: 100, per: household/month}\n";
  const std::string head = kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + basket;
  const Fixture f = Fixture::inline_rows(head + "transfer: {coverage: 0.8, deduct: 50}\n", kPricesA);
  const meb::Sensitivity s = meb::compute_sensitivity(f.plan, f.methodology, f.values, f.result);
  const std::size_t r = row_of(f.result, AreaLevel::admin1, "A", "2020-01");
  CHECK(ranking(s, r) == std::vector<std::string>{"household size", "coverage", "price: Millet", "price: Sorghum",
                                                  "stated cost: water", "deduct"});
  CHECK(bar_of(s, r, "household size").low == Approx(320.0));
  CHECK(bar_of(s, r, "household size").high == Approx(480.0));
  CHECK(bar_of(s, r, "coverage").low == Approx(280.0));
  CHECK(bar_of(s, r, "coverage").high == Approx(360.0));
  CHECK(bar_of(s, r, "price: Millet").low == Approx(304.0));
  CHECK(bar_of(s, r, "price: Millet").swing == Approx(32.0));
  CHECK(bar_of(s, r, "price: Sorghum").swing == Approx(24.0));
  CHECK(bar_of(s, r, "stated cost: water").swing == Approx(16.0));
  CHECK(bar_of(s, r, "deduct").low == Approx(324.0));
  CHECK(bar_of(s, r, "deduct").high == Approx(316.0));
  CHECK(bar_of(s, r, "deduct").swing == Approx(8.0));
  CHECK(s.factors[bar_of(s, r, "household size").factor].low_setting == "not possible");

  // Rounded to 50 (nearest): 320 → 300. Household 300 / 500 (swing 200); coverage 280 → 300, 360 → 350
  // (swing 50, unrounded 80); Millet 304 → 300, 336 → 350 (50, unrounded 32); Sorghum 308 → 300, 332 → 350
  // (50, 24); water 312 → 300, 328 → 350 (50, 16); deduct 324 → 300, 316 → 300 (0). Equal swings are
  // ranked by the unrounded swing: coverage comes before the prices although it is listed after them.
  const Fixture g = Fixture::inline_rows(head + "transfer: {coverage: 0.8, deduct: 50, round: {step: 50}}\n", kPricesA);
  const meb::Sensitivity t = meb::compute_sensitivity(g.plan, g.methodology, g.values, g.result);
  CHECK(ranking(t, r) == std::vector<std::string>{"household size", "coverage", "price: Millet", "price: Sorghum",
                                                  "stated cost: water", "deduct"});
  CHECK(bar_of(t, r, "household size").swing == 200.0);
  CHECK(bar_of(t, r, "coverage").swing == 50.0);
  CHECK(bar_of(t, r, "coverage").swing_unrounded == Approx(80.0));
  CHECK(bar_of(t, r, "price: Sorghum").low == 300.0);
  CHECK(bar_of(t, r, "price: Sorghum").high == 350.0);
  CHECK(bar_of(t, r, "deduct").swing == 0.0);
  const std::string csv = meb::tornado_csv(g.result, t);
  CHECK_THAT(csv, Catch::StartsWith("area_level,area,month,rank,factor,low_setting,high_setting,transfer_value,low,high,"
                                    "swing,swing_unrounded\n"));
  CHECK_THAT(csv, Catch::Contains("admin1,A,2020-01,2,coverage,0.7,0.9,300,300,350,50,80\n"));
}

TEST_CASE("sensitivity of a missing total is empty", "[sensitivity]") {
  // B has no Sorghum price: its MEB, transfer value, elasticities and swings are missing (empty cells).
  const Fixture f = Fixture::inline_rows(kHead + "household: {size: 1}\nprices: {levels: [market, admin1]}\n" + kTwoItems,
                                         kPricesA + "2020-01-15,M2,B,,Millet,KG,Retail,XOF,100\n");
  const meb::Sensitivity s = meb::compute_sensitivity(f.plan, f.methodology, f.values, f.result);
  const std::size_t b = row_of(f.result, AreaLevel::admin1, "B", "2020-01");
  const std::size_t millet = line_of(f.result, "Millet");
  CHECK(s.line(b, millet).cost == Approx(200.0));
  CHECK(std::isnan(s.line(b, millet).cost_share));
  CHECK(std::isnan(s.line(b, millet).elasticity_meb));
  CHECK(std::isnan(s.line(b, millet).elasticity_transfer));
  for (std::size_t rank = 0; rank < s.factors.size(); ++rank) CHECK(std::isnan(s.bar(b, rank).swing));
  CHECK_THAT(meb::elasticities_csv(f.result, s), Catch::Contains("admin1,B,2020-01,Millet,food,200,,,\n"));
}

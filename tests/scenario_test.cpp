#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "meb/outputs.hpp"
#include "meb/scenario.hpp"
#include "test_helpers.hpp"

// meb/scenario.hpp: price shocks, inflation, seasons, household, transfer, basket and currency changes, sweeps,
// the errors of a bad scenario file, and scenarios.csv. Known answers are worked by hand beside each check.

using meb::AreaLevel;
using namespace meb::testing;

namespace {

// Three regions, a national level; quantities per person per month so that the household size matters.
//   A: M1 Millet 100, Rice 300, Soap 50; M2 Millet 120, Rice 320, Soap 70
//      → medians Millet 110, Rice 310, Soap 60: SMEB = 10 × 110 + 5 × 310 = 2,650; MEB = 2,650 + 2 × 60 = 2,770
//   B: M3 Millet 200, Rice 400, Soap 100 → SMEB 2,000 + 2,000 = 4,000; MEB 4,200
//   C: M4 Millet 150, Rice 350, Soap 80 → SMEB 1,500 + 1,750 = 3,250; MEB 3,410
//   national: medians of the regions, Millet 150, Rice 350, Soap 80 → SMEB 3,250; MEB 3,410
const std::string kBaseline =
    "id: base\nname: Base\ncurrency: XOF\nhousehold: {size: 1}\n"
    "prices:\n  levels: [market, admin1, national]\n  fill: [parent]\n"
    "basket:\n"
    "  - component: food\n    tier: smeb\n    items:\n"
    "      - {item: Millet, quantity: 10, unit: KG, per: person/month}\n"
    "      - {item: Rice, quantity: 5, unit: KG, per: person/month}\n"
    "  - component: soap\n    tier: meb\n    items:\n"
    "      - {item: Soap, quantity: 2, unit: pcs, per: household/month}\n"
    "transfer: {round: {step: 500}}\n";

const std::string kPrices =
    "2019-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
    "2019-01-15,M1,A,,Rice,KG,Retail,XOF,300\n"
    "2019-01-15,M1,A,,Soap,pcs,Retail,XOF,50\n"
    "2019-01-15,M2,A,,Millet,KG,Retail,XOF,120\n"
    "2019-01-15,M2,A,,Rice,KG,Retail,XOF,320\n"
    "2019-01-15,M2,A,,Soap,pcs,Retail,XOF,70\n"
    "2019-01-15,M3,B,,Millet,KG,Retail,XOF,200\n"
    "2019-01-15,M3,B,,Rice,KG,Retail,XOF,400\n"
    "2019-01-15,M3,B,,Soap,pcs,Retail,XOF,100\n"
    "2019-01-15,M4,C,,Millet,KG,Retail,XOF,150\n"
    "2019-01-15,M4,C,,Rice,KG,Retail,XOF,350\n"
    "2019-01-15,M4,C,,Soap,pcs,Retail,XOF,80\n"
    // Read only by a plan that prices it (a substitution, an added item).
    "2019-01-15,M1,A,,Rice (imported),KG,Retail,XOF,500\n"
    "2019-01-15,M3,B,,Rice (imported),KG,Retail,XOF,450\n"
    "2019-01-15,M4,C,,Rice (imported),KG,Retail,XOF,460\n"
    "2019-01-15,M1,A,,Bucket,pcs,Retail,XOF,1000\n"
    "2019-01-15,M3,B,,Bucket,pcs,Retail,XOF,1200\n"
    "2019-01-15,M4,C,,Bucket,pcs,Retail,XOF,1100\n";

/// A scenario's inputs read as `meb scenario` reads them: the plan of its baseline, or its own when its
/// basket names a commodity the baseline does not price.
struct Fixture {
  meb::Methodology baseline;
  meb::PriceTable prices;
  meb::ComputePlan plan;

  explicit Fixture(const std::string& methodology = kBaseline, const std::string& rows = kPrices)
      : baseline(methodology_from(methodology)),
        prices(prices_for(baseline, kLongHeader + rows)),
        plan(meb::plan_compute(baseline, prices, nullptr)),
        rows_(rows) {}

  [[nodiscard]] meb::Scenario scenario(const std::string& yaml, const std::string& file = "s.yaml") const {
    return meb::parse_scenario(yaml, file, baseline);
  }
  [[nodiscard]] meb::ComputeResult base() const {
    return meb::evaluate_plan(plan, baseline, meb::market_values(plan.buckets, baseline.prices.statistic));
  }
  [[nodiscard]] meb::ScenarioResult run(const meb::Scenario& scenario, meb::ScenarioOptions options = {}) {
    const meb::Methodology planning = meb::planning_methodology(scenario);
    if (meb::plan_covers(plan, planning)) return meb::evaluate_scenario(scenario, plan, options);
    own_prices_ = prices_for(planning, kLongHeader + rows_);
    own_plan_ = meb::plan_compute(planning, own_prices_, nullptr);
    return meb::evaluate_scenario(scenario, own_plan_, options);
  }

 private:
  std::string rows_;
  meb::PriceTable own_prices_;
  meb::ComputePlan own_plan_;
};

std::string with_changes(const std::string& changes, const std::string& sweep = "") {
  return "id: s\nname: S\nbaseline: base.yaml\nchanges:\n" + changes + sweep;
}

/// Row of an area and month in a scenario result.
std::size_t row_in(const meb::ScenarioResult& result, AreaLevel level, const std::string& area, const std::string& month) {
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const meb::Area& a = result.areas.areas[static_cast<std::size_t>(result.rows[r].area)];
    if (a.level == level && a.name == area && result.month_at(result.rows[r].month).to_string() == month) return r;
  }
  throw std::runtime_error("no row for " + area + " " + month);
}

double at(const Eigen::MatrixXd& matrix, std::size_t row, std::size_t point = 0) {
  return matrix(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(point));
}

/// The message of the ScenarioError that parsing (and, with a fixture, evaluating) a scenario throws.
std::string scenario_error_of(const std::string& yaml, Fixture& fixture, const std::string& file = "bad.yaml") {
  try {
    (void)fixture.run(fixture.scenario(yaml, file));
  } catch (const meb::ScenarioError& error) {
    return error.what();
  }
  return "no error";
}

/// Both matrices equal, element by element, NaN equal to NaN.
bool same(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.rows(); ++i)
    for (Eigen::Index j = 0; j < a.cols(); ++j) {
      const double x = a(i, j), y = b(i, j);
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  return true;
}

/// CSV rows split into fields (no quoted commas in the columns compared here).
std::vector<std::vector<std::string>> split_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;
    for (const char c : line) {
      if (c == '"') quoted = !quoted;
      else if (c == ',' && !quoted) {
        fields.push_back(field);
        field.clear();
      } else {
        field.push_back(c);
      }
    }
    fields.push_back(field);
    rows.push_back(fields);
  }
  return rows;
}

std::size_t column(const std::vector<std::string>& header, const std::string& name) {
  for (std::size_t c = 0; c < header.size(); ++c)
    if (header[c] == name) return c;
  throw std::runtime_error("no column " + name);
}

struct Bfa {
  meb::Methodology baseline = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  meb::PriceTable prices;
  meb::ComputePlan plan;
  Bfa() {
    meb::read_price_file(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv",
                         meb::make_price_filter(baseline, false), prices);
    plan = meb::plan_compute(baseline, prices, nullptr, meb::Month::from_year_month(2019, 1),
                             meb::Month::from_year_month(2019, 12));
  }
};

}  // namespace

TEST_CASE("scenario a +10 percent shock on every price raises the unrounded SMEB and MEB by 10 percent", "[scenario]") {
  Fixture fixture;
  const meb::ComputeResult base = fixture.base();
  const auto result = fixture.run(fixture.scenario(with_changes("  - shock: {multiply: 1.1}\n")));
  REQUIRE(result.rows.size() == base.rows.size());
  for (std::size_t r = 0; r < base.rows.size(); ++r) {
    CHECK(at(result.smeb, r) == Approx(1.1 * smeb(base, r)).epsilon(1e-12));
    CHECK(at(result.meb, r) == Approx(1.1 * meb_of(base, r)).epsilon(1e-12));
    CHECK(at(result.transfer_unrounded, r) == Approx(1.1 * base.transfer[r].unrounded).epsilon(1e-12));
  }
  // A: 1.1 × 2,770 = 3,047 → nearest 500 is 3,000.
  const std::size_t a = row_in(result, AreaLevel::admin1, "A", "2019-01");
  CHECK(at(result.meb, a) == Approx(3047.0).epsilon(1e-12));
  CHECK(at(result.transfer, a) == 3000.0);
}

TEST_CASE("scenario a +10 percent shock on the BFA data moves only the market-priced part", "[scenario]") {
  // sahel-normative states 17,500 a month of non-food (5,000 of it in the SMEB): those do not move, every
  // market price does, through medians, parent fill and carry-forward alike.
  const Bfa bfa;
  const meb::ComputeResult base =
      meb::evaluate_plan(bfa.plan, bfa.baseline, meb::market_values(bfa.plan.buckets, bfa.baseline.prices.statistic));
  const meb::Scenario scenario = meb::parse_scenario(with_changes("  - shock: {multiply: 1.1}\n"), "s.yaml", bfa.baseline);
  const meb::ScenarioResult result = meb::evaluate_scenario(scenario, bfa.plan);
  REQUIRE(result.rows.size() == base.rows.size());
  std::size_t compared = 0;
  for (std::size_t r = 0; r < base.rows.size(); ++r) {
    if (std::isnan(meb_of(base, r))) continue;
    ++compared;
    const double meb = at(result.meb, r), smeb_value = at(result.smeb, r);
    CHECK(std::fabs(meb - (meb_of(base, r) + 0.1 * (meb_of(base, r) - 17500.0))) <= 1e-12 * meb);
    CHECK(std::fabs(smeb_value - (smeb(base, r) + 0.1 * (smeb(base, r) - 5000.0))) <= 1e-12 * smeb_value);
  }
  CHECK(compared == 14 * 12);  // 13 regions and the national level, 12 months
}

TEST_CASE("scenario a shock on one area changes no other area and moves its parent only through aggregation",
          "[scenario]") {
  Fixture fixture;
  const meb::ComputeResult base = fixture.base();
  const auto result = fixture.run(fixture.scenario(with_changes("  - shock: {areas: [A], multiply: 1.2}\n")));
  // A: Millet 132, Rice 372, Soap 72 → SMEB 1,320 + 1,860 = 3,180; MEB 3,180 + 144 = 3,324.
  const std::size_t a = row_in(result, AreaLevel::admin1, "A", "2019-01");
  CHECK(at(result.smeb, a) == Approx(3180.0).epsilon(1e-12));
  CHECK(at(result.meb, a) == Approx(3324.0).epsilon(1e-12));
  for (const char* other : {"B", "C"}) {
    const std::size_t r = row_in(result, AreaLevel::admin1, other, "2019-01");
    CHECK(at(result.smeb, r) == smeb(base, row_of(base, AreaLevel::admin1, other, "2019-01")));
    CHECK(at(result.meb, r) == meb_of(base, row_of(base, AreaLevel::admin1, other, "2019-01")));
  }
  // National, the medians of the regions: Millet median(132, 200, 150) = 150 (unchanged), Rice median(372,
  // 400, 350) = 372, Soap median(72, 100, 80) = 80 → SMEB 1,500 + 1,860 = 3,360; MEB 3,360 + 160 = 3,520.
  const std::size_t national = row_in(result, AreaLevel::national, "national", "2019-01");
  CHECK(at(result.smeb, national) == Approx(3360.0).epsilon(1e-12));
  CHECK(at(result.meb, national) == Approx(3520.0).epsilon(1e-12));
}

TEST_CASE("scenario a shock on the Sahel region of the BFA data leaves every other region as it was", "[scenario]") {
  const Bfa bfa;
  const meb::ComputeResult base =
      meb::evaluate_plan(bfa.plan, bfa.baseline, meb::market_values(bfa.plan.buckets, bfa.baseline.prices.statistic));
  const meb::Scenario scenario = meb::parse_scenario(
      with_changes("  - shock: {categories: [food], areas: [Sahel], months: {from: 2019-06, to: 2019-09}, multiply: 1.25}\n"),
      "s.yaml", bfa.baseline);
  const meb::ScenarioResult result = meb::evaluate_scenario(scenario, bfa.plan);
  std::size_t sahel_moved = 0;
  for (std::size_t r = 0; r < base.rows.size(); ++r) {
    const meb::Area& area = base.areas.areas[static_cast<std::size_t>(base.rows[r].area)];
    const std::string month = base.panel.month_at(base.rows[r].month).to_string();
    const bool window = month >= "2019-06" && month <= "2019-09";
    if (area.level == AreaLevel::admin1 && (area.name != "Sahel" || !window)) {
      INFO(area.name << " " << month);
      CHECK(at(result.meb, r) == meb_of(base, r));
    }
    if (area.name == "Sahel" && window && at(result.meb, r) > meb_of(base, r)) ++sahel_moved;
  }
  CHECK(sahel_moved == 4);
}

TEST_CASE("scenario an empty scenario equals the baseline byte for byte", "[scenario]") {
  const Bfa bfa;
  const meb::ComputeResult base =
      meb::evaluate_plan(bfa.plan, bfa.baseline, meb::market_values(bfa.plan.buckets, bfa.baseline.prices.statistic));
  const meb::Scenario scenario =
      meb::parse_scenario("id: empty\nname: Empty\nbaseline: ../scenarios/sahel-normative.yaml\n", "s.yaml", bfa.baseline);
  CHECK(scenario.changes.empty());
  CHECK(scenario.point_count() == 1);
  const meb::ScenarioResult result = meb::evaluate_scenario(scenario, bfa.plan);
  const auto scenarios = split_csv(meb::scenarios_csv({{&scenario, &result, &base, nullptr}}));
  const auto transfer_values = split_csv(meb::transfer_values_csv(bfa.baseline, base));
  REQUIRE(scenarios.size() == transfer_values.size());
  const auto& sh = scenarios[0];
  const auto& th = transfer_values[0];
  for (std::size_t r = 1; r < scenarios.size(); ++r) {
    for (const char* name : {"area_level", "area", "parent_area", "month", "smeb", "meb", "transfer_value_unrounded",
                             "transfer_value", "currency", "household_size", "persons"})
      CHECK(scenarios[r][column(sh, name)] == transfer_values[r][column(th, name)]);
    CHECK(scenarios[r][column(sh, "baseline_meb")] == transfer_values[r][column(th, "meb")]);
    CHECK(scenarios[r][column(sh, "meb_change")] == (scenarios[r][column(sh, "meb")].empty() ? "" : "0"));
  }
}

TEST_CASE("scenario inflation compounds from its start month, which is month 0", "[scenario]") {
  const std::string methodology =
      "id: base\nname: Base\ncurrency: XOF\nhousehold: {size: 1}\nprices:\n  levels: [market, admin1]\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 10, unit: KG, per: household/month}\n";
  const std::string rows =
      "2019-01-15,M1,A,,Millet,KG,Retail,XOF,100\n2019-02-15,M1,A,,Millet,KG,Retail,XOF,100\n"
      "2019-03-15,M1,A,,Millet,KG,Retail,XOF,100\n2019-04-15,M1,A,,Millet,KG,Retail,XOF,100\n";
  Fixture fixture(methodology, rows);
  const auto result = fixture.run(fixture.scenario(with_changes("  - inflation: {monthly_rate: 0.01, from: 2019-02}\n")));
  // Jan (before the start) 10 × 100; Feb (month 0) 10 × 100; Mar 10 × 101; Apr 10 × 100 × 1.01² = 1,020.1.
  CHECK(at(result.meb, row_in(result, AreaLevel::admin1, "A", "2019-01")) == 1000.0);
  CHECK(at(result.meb, row_in(result, AreaLevel::admin1, "A", "2019-02")) == 1000.0);
  CHECK(at(result.meb, row_in(result, AreaLevel::admin1, "A", "2019-03")) == Approx(1010.0).epsilon(1e-12));
  CHECK(at(result.meb, row_in(result, AreaLevel::admin1, "A", "2019-04")) == Approx(1020.1).epsilon(1e-12));

  // A seasonal profile multiplies by calendar month: Feb × 1.15, Mar × 1.25, the others × 1.
  const auto seasonal = fixture.run(fixture.scenario(with_changes("  - seasonal: {profile: {2: 1.15, 3: 1.25}}\n")));
  CHECK(at(seasonal.meb, row_in(seasonal, AreaLevel::admin1, "A", "2019-01")) == 1000.0);
  CHECK(at(seasonal.meb, row_in(seasonal, AreaLevel::admin1, "A", "2019-02")) == Approx(1150.0).epsilon(1e-12));
  CHECK(at(seasonal.meb, row_in(seasonal, AreaLevel::admin1, "A", "2019-03")) == Approx(1250.0).epsilon(1e-12));
  CHECK(at(seasonal.meb, row_in(seasonal, AreaLevel::admin1, "A", "2019-04")) == 1000.0);

  // Changes apply in order: seasons then +10 gives Feb 10 × (115 + 10) = 1,250; +10 then seasons 10 × 110 × 1.15 = 1,265.
  const auto season_first = fixture.run(fixture.scenario(
      with_changes("  - seasonal: {profile: {2: 1.15}}\n  - shock: {add: 10, months: [2019-02]}\n")));
  const auto add_first = fixture.run(fixture.scenario(
      with_changes("  - shock: {add: 10, months: [2019-02]}\n  - seasonal: {profile: {2: 1.15}}\n")));
  CHECK(at(season_first.meb, row_in(season_first, AreaLevel::admin1, "A", "2019-02")) == Approx(1250.0).epsilon(1e-12));
  CHECK(at(add_first.meb, row_in(add_first, AreaLevel::admin1, "A", "2019-02")) == Approx(1265.0).epsilon(1e-12));
  CHECK(at(add_first.meb, row_in(add_first, AreaLevel::admin1, "A", "2019-03")) == 1000.0);

  // An inflation path limited to one item leaves the others alone.
  const auto other_item = fixture.run(fixture.scenario(
      with_changes("  - inflation: {monthly_rate: 0.5, from: 2019-01, items: [Millet]}\n")));
  // Apr: 100 × 1.5³ = 337.5 → 3,375.
  CHECK(at(other_item.meb, row_in(other_item, AreaLevel::admin1, "A", "2019-04")) == Approx(3375.0).epsilon(1e-12));
}

TEST_CASE("scenario a sweep runs the cross product, the last parameter fastest", "[scenario]") {
  Fixture fixture;
  const meb::Scenario scenario = fixture.scenario(with_changes(
      "  - shock: {areas: [A], multiply: 1.25}\n  - household: {size: 6}\n",
      "sweep:\n  parameters:\n"
      "    - {path: 'changes[0].shock.multiply', range: {from: 1.0, to: 1.5, step: 0.05}}\n"
      "    - {path: 'changes[1].household.size', range: {from: 5, to: 8, step: 1}}\n"));
  REQUIRE(scenario.sweep.size() == 2);
  // 1.0 to 1.5 by 0.05: 11 values, both ends included; 5 to 8: 4 values.
  CHECK(scenario.sweep[0].values.size() == 11);
  CHECK(scenario.sweep[0].values[3] == 1.15);  // the double nearest 1.15, not 1.0 + 3 × 0.05
  CHECK(scenario.sweep[0].values.back() == 1.5);
  CHECK(scenario.sweep[1].values == std::vector<double>{5, 6, 7, 8});
  CHECK(scenario.point_count() == 44);
  CHECK(scenario.point_values(0) == std::vector<double>{1.0, 5.0});
  CHECK(scenario.point_values(1) == std::vector<double>{1.0, 6.0});
  CHECK(scenario.point_values(4) == std::vector<double>{1.05, 5.0});
  CHECK(scenario.point_values(43) == std::vector<double>{1.5, 8.0});

  const meb::ScenarioResult result = fixture.run(scenario);
  CHECK(result.points == 44);
  const std::size_t a = row_in(result, AreaLevel::admin1, "A", "2019-01");
  const std::size_t b = row_in(result, AreaLevel::admin1, "B", "2019-01");
  // Point 41 = (1.5, 6): A Millet 165, Rice 465, Soap 90 → SMEB 6 × (1,650 + 2,325) = 23,850; MEB + 180 = 24,030.
  CHECK(at(result.smeb, a, 41) == Approx(23850.0).epsilon(1e-12));
  CHECK(at(result.meb, a, 41) == Approx(24030.0).epsilon(1e-12));
  CHECK(result.household_size[41] == 6.0);
  // B is not shocked: SMEB 6 × 4,000 = 24,000, MEB 24,200 at every multiplier.
  CHECK(at(result.meb, b, 41) == 24200.0);
  CHECK(at(result.meb, b, 1) == 24200.0);
  // Point 0 = (1.0, 5): the baseline for a household of 5: 5 × 2,650 + 120.
  CHECK(at(result.meb, a, 0) == 13370.0);

  // Every point equals the same scenario written with that point's values, evaluated on its own.
  for (const std::size_t point : {std::size_t{6}, std::size_t{23}, std::size_t{42}}) {
    const auto values = scenario.point_values(point);
    const meb::Scenario fixed = fixture.scenario(with_changes(
        "  - shock: {areas: [A], multiply: " + meb::format_number(values[0]) + "}\n  - household: {size: " +
        meb::format_number(values[1]) + "}\n"));
    const auto alone = fixture.run(fixed);
    for (std::size_t r = 0; r < result.rows.size(); ++r) {
      CHECK(at(result.meb, r, point) == at(alone.meb, r));
      CHECK(at(result.transfer, r, point) == at(alone.transfer, r));
    }
  }
}

TEST_CASE("scenario a range in either direction and a list of values", "[scenario]") {
  Fixture fixture;
  const meb::Scenario down = fixture.scenario(with_changes(
      "  - transfer: {coverage: 1}\n",
      "sweep:\n  parameters:\n    - {path: 'changes[0].transfer.coverage', range: {from: 1, to: 0.5, step: -0.25}}\n"));
  CHECK(down.sweep[0].values == std::vector<double>{1.0, 0.75, 0.5});
  const meb::Scenario listed = fixture.scenario(with_changes(
      "  - transfer: {deduct: 0}\n",
      "sweep:\n  parameters:\n    - {path: 'changes[0].transfer.deduct', values: [0, 1000, 2500]}\n"));
  CHECK(listed.point_count() == 3);
  const auto result = fixture.run(listed);
  // A's MEB 2,770: minus 2,500 leaves 270 → nearest 500 is 500; minus 1,000 leaves 1,770 → 2,000.
  const std::size_t a = row_in(result, AreaLevel::admin1, "A", "2019-01");
  CHECK(at(result.transfer, a, 1) == 2000.0);
  CHECK(at(result.transfer, a, 2) == 500.0);
}

TEST_CASE("scenario household, transfer, basket and currency changes", "[scenario]") {
  Fixture fixture;
  const auto a_of = [](const meb::ScenarioResult& result) { return row_in(result, AreaLevel::admin1, "A", "2019-01"); };
  {
    // Capped: 1 × min(5, 2) = 2 persons → SMEB 2 × 2,650 = 5,300; MEB 5,420.
    const auto result = fixture.run(fixture.scenario(with_changes("  - household: {model: capped, size: 5, max: 2}\n")));
    CHECK(at(result.meb, a_of(result)) == 5420.0);
    CHECK(result.persons[0] == 2.0);
    CHECK(result.household_size[0] == 5.0);
  }
  {
    // 0.5 × (2,770 − 100) = 1,335 → nearest 500: 1,500. A cap of 1,000 then holds it at 1,000.
    const auto result = fixture.run(fixture.scenario(with_changes("  - transfer: {coverage: 0.5, deduct: 100}\n")));
    CHECK(at(result.transfer_unrounded, a_of(result)) == 1335.0);
    CHECK(at(result.transfer, a_of(result)) == 1500.0);
    const auto capped = fixture.run(fixture.scenario(
        with_changes("  - transfer: {coverage: 0.5, deduct: 100}\n  - transfer: {cap: 1000, round: null}\n")));
    CHECK(at(capped.transfer, a_of(capped)) == 1000.0);
  }
  {
    // Millet 20 KG: 20 × 110 + 1,550 = 3,750.
    const auto result = fixture.run(fixture.scenario(with_changes("  - basket: {quantity: {item: Millet, quantity: 20}}\n")));
    CHECK(at(result.smeb, a_of(result)) == 3750.0);
  }
  {
    // Without rice: SMEB 1,100; MEB 1,220.
    const auto result = fixture.run(fixture.scenario(with_changes("  - basket: {remove: Rice}\n")));
    CHECK(at(result.smeb, a_of(result)) == 1100.0);
    CHECK(at(result.meb, a_of(result)) == 1220.0);
  }
  {
    // Rice priced as imported rice, a commodity the baseline does not read: the scenario is planned again.
    // A: 10 × 110 + 5 × 500 = 3,600.
    const meb::Scenario scenario =
        fixture.scenario(with_changes("  - basket: {substitute: {item: Rice, with: Rice (imported)}}\n"));
    CHECK_FALSE(meb::plan_covers(fixture.plan, meb::planning_methodology(scenario)));
    const auto result = fixture.run(scenario);
    CHECK(at(result.smeb, a_of(result)) == 3600.0);
    // A shock on the new commodity moves it: 5 × 500 × 1.1 = 2,750 → 3,850.
    const auto shocked = fixture.run(fixture.scenario(with_changes(
        "  - basket: {substitute: {item: Rice, with: Rice (imported)}}\n"
        "  - shock: {items: [Rice (imported)], multiply: 1.1}\n")));
    CHECK(at(shocked.smeb, a_of(shocked)) == Approx(3850.0).epsilon(1e-12));
  }
  {
    // One bucket a month in the MEB: 2,770 + 1,000 = 3,770.
    const auto result = fixture.run(fixture.scenario(with_changes(
        "  - basket: {add: {component: soap, item: {item: Bucket, quantity: 1, unit: pcs, per: household/month}}}\n")));
    CHECK(at(result.meb, a_of(result)) == 3770.0);
    CHECK(at(result.smeb, a_of(result)) == 2650.0);
  }
  {
    // Paid in USD at 0.002: SMEB 5.3, MEB 5.54; the transfer is rounded after conversion, up to 1 USD: 6.
    const auto result =
        fixture.run(fixture.scenario(with_changes("  - currency: {to: USD, rate: 0.002, round: {step: 1, mode: up}}\n")));
    CHECK(result.currency == "USD");
    CHECK(at(result.smeb, a_of(result)) == Approx(5.3).epsilon(1e-12));
    CHECK(at(result.meb, a_of(result)) == Approx(5.54).epsilon(1e-12));
    CHECK(at(result.transfer_unrounded, a_of(result)) == Approx(5.54).epsilon(1e-12));
    CHECK(at(result.transfer, a_of(result)) == 6.0);
    // Without its own rounding a converted value is not rounded (the 500 step is in FCFA).
    const auto plain = fixture.run(fixture.scenario(with_changes("  - currency: {to: USD, rate: 0.002}\n")));
    CHECK(at(plain.transfer, a_of(plain)) == Approx(5.54).epsilon(1e-12));
  }
}

TEST_CASE("scenario the fast path equals evaluate_plan for every point and any number of threads", "[scenario]") {
  const Bfa bfa;
  const meb::Scenario scenario = meb::parse_scenario(
      with_changes("  - shock: {categories: [food], areas: [Sahel, Nord], months: {from: 2019-06, to: 2019-09}, multiply: 1.25}\n"
                   "  - seasonal: {items: [Millet], profile: {7: 1.1, 8: 1.2}}\n"
                   "  - household: {size: 6}\n  - transfer: {coverage: 0.8}\n",
                   "sweep:\n  parameters:\n"
                   "    - {path: 'changes[0].shock.multiply', values: [1.0, 1.3]}\n"
                   "    - {path: 'changes[2].household.size', values: [5, 7]}\n"
                   "    - {path: 'changes[3].transfer.coverage', values: [0.6, 1]}\n"),
      "s.yaml", bfa.baseline);
  meb::ScenarioOptions full;
  full.full_evaluation = true;
  full.threads = 1;
  meb::ScenarioOptions one;
  one.threads = 1;
  meb::ScenarioOptions two;
  two.threads = 2;
  const auto reference = meb::evaluate_scenario(scenario, bfa.plan, full);
  const auto fast_one = meb::evaluate_scenario(scenario, bfa.plan, one);
  const auto fast_two = meb::evaluate_scenario(scenario, bfa.plan, two);
  CHECK(reference.points == 8);
  CHECK(same(reference.smeb, fast_one.smeb));
  CHECK(same(reference.meb, fast_one.meb));
  CHECK(same(reference.transfer_unrounded, fast_one.transfer_unrounded));
  CHECK(same(reference.transfer, fast_one.transfer));
  CHECK(same(fast_one.meb, fast_two.meb));
  CHECK(same(fast_one.transfer, fast_two.transfer));
}

TEST_CASE("scenario price_change_maps gives the same prices as applying the changes", "[scenario]") {
  Fixture fixture;
  const meb::Scenario scenario = fixture.scenario(with_changes(
      "  - shock: {areas: [A], add: 10}\n  - shock: {items: [Rice], multiply: 1.5}\n  - inflation: {monthly_rate: 0.02, from: 2018-12}\n"));
  const auto changes = scenario.changes_at(0);
  std::vector<double> values = meb::market_values(fixture.plan.buckets, meb::Statistic::median);
  const std::vector<double> original = values;
  meb::apply_price_changes(scenario, changes, fixture.plan, values);
  std::vector<double> scale, shift;
  meb::price_change_maps(scenario, changes, fixture.plan, scale, shift);
  for (std::size_t c = 0; c < values.size(); ++c) {
    if (std::isnan(original[c])) continue;
    CHECK(values[c] == Approx(original[c] * scale[c] + shift[c]).epsilon(1e-12));
  }
  // M1's rice in January: (300 + 10) × 1.5 × 1.02 = 474.3.
  const std::size_t rice = 1, m1 = 0;
  CHECK(values[fixture.plan.buckets.cell(rice, m1, 0)] == Approx(474.3).epsilon(1e-12));
}

TEST_CASE("scenario errors name the file, the line and the value", "[scenario]") {
  Fixture fixture;
  SECTION("an unknown item") {
    const std::string message = scenario_error_of(with_changes("  - shock: {items: [Milet], multiply: 1.1}\n"), fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:5:") && Catch::Contains("changes[0].shock.items[0]") &&
                            Catch::Contains("unknown item 'Milet'") && Catch::Contains("Millet, Rice, Soap"));
  }
  SECTION("an unknown category") {
    const std::string message = scenario_error_of(with_changes("  - shock: {categories: [cereals], multiply: 1.1}\n"), fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:5:") && Catch::Contains("unknown category 'cereals'") &&
                            Catch::Contains("food, soap"));
  }
  SECTION("an unknown area, found once the prices are read") {
    const std::string message =
        scenario_error_of(with_changes("  - shock:\n      areas: [A, Sahle]\n      multiply: 1.1\n"), fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:6:18: key 'changes[0].shock.areas[1]': unknown area 'Sahle'") &&
                            Catch::Contains("admin1 A, admin1 B, admin1 C, national national"));
  }
  SECTION("an unknown key") {
    const std::string message = scenario_error_of(with_changes("  - shock: {multiply: 1.1, regions: [A]}\n"), fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:5:") && Catch::Contains("key 'changes[0].shock.regions': unknown key"));
    const std::string top = scenario_error_of("id: s\nname: S\nbaseline: base.yaml\nchanges: []\nsweeps: {}\n", fixture);
    CHECK_THAT(top, Catch::Contains("bad.yaml:5:1: key 'sweeps': unknown key"));
  }
  SECTION("a range with step 0, or the wrong sign") {
    const std::string message = scenario_error_of(
        with_changes("  - shock: {multiply: 1.1}\n",
                     "sweep:\n  parameters:\n    - path: 'changes[0].shock.multiply'\n"
                     "      range: {from: 1, to: 1.5, step: 0}\n"),
        fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:9:") && Catch::Contains("sweep.parameters[0].range.step") &&
                            Catch::Contains("is 0"));
    const std::string sign = scenario_error_of(
        with_changes("  - shock: {multiply: 1.1}\n",
                     "sweep:\n  parameters:\n    - {path: 'changes[0].shock.multiply', range: {from: 1, to: 1.5, step: -0.1}}\n"),
        fixture);
    CHECK_THAT(sign, Catch::Contains("bad.yaml:8:") && Catch::Contains("wrong sign"));
  }
  SECTION("a sweep path that names no number of a change") {
    const std::string message = scenario_error_of(
        with_changes("  - shock: {multiply: 1.1}\n",
                     "sweep:\n  parameters:\n    - {path: 'changes[0].shock.add', values: [1]}\n"
                     "    - {path: 'changes[3].household.size', values: [1]}\n"),
        fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:8:") && Catch::Contains("does not add") &&
                            Catch::Contains("bad.yaml:9:") && Catch::Contains("does not name a change"));
  }
  SECTION("a swept value outside its key's range") {
    const std::string message = scenario_error_of(
        with_changes("  - household: {size: 6}\n",
                     "sweep:\n  parameters:\n    - {path: 'changes[0].household.size', values: [5, 0.5]}\n"),
        fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:8:") && Catch::Contains("household.size must be >= 1, got '0.5'"));
  }
  SECTION("basket changes that do not apply") {
    const std::string message = scenario_error_of(
        with_changes("  - basket: {remove: Sorghum}\n  - basket: {add: {component: hygiene, item: {item: Bucket, "
                     "quantity: 1, unit: pcs, per: household/month}}}\n  - basket: {substitute: {item: Millet, with: Rice}}\n"),
        fixture);
    CHECK_THAT(message, Catch::Contains("bad.yaml:5:") && Catch::Contains("'Sorghum' is not an item of the basket") &&
                            Catch::Contains("bad.yaml:6:") && Catch::Contains("'hygiene' is not a component") &&
                            Catch::Contains("bad.yaml:7:") && Catch::Contains("'Rice' is already an item"));
  }
  SECTION("every problem of the file at once") {
    const std::string message = scenario_error_of(
        "id: s\nname: S\nbaseline: base.yaml\nchanges:\n"
        "  - shock: {items: [Milet], multiply: -1}\n"
        "  - inflation: {monthly_rate: 0.01, from: June}\n"
        "  - wage: {amount: 1}\n",
        fixture);
    CHECK_THAT(message, Catch::Contains("unknown item 'Milet'") && Catch::Contains("changes[0].shock.multiply': must be >= 0") &&
                            Catch::Contains("bad.yaml:6:") && Catch::Contains("expected a month YYYY-MM, got 'June'") &&
                            Catch::Contains("bad.yaml:7:") && Catch::Contains("unknown change"));
  }
  SECTION("no baseline") {
    try {
      (void)meb::scenario_baseline("id: s\nname: S\n", "bad.yaml");
      FAIL("no error");
    } catch (const meb::ScenarioError& error) {
      CHECK_THAT(std::string(error.what()), Catch::Contains("bad.yaml:1:1: key 'baseline': is required"));
    }
  }
}

TEST_CASE("scenario the shipped scenarios load and the lean-season shock raises Sahel and Nord", "[scenario]") {
  for (const char* file : {"lean-season-shock.yaml", "inflation-path.yaml", "cereal-shock-sweep.yaml"}) {
    INFO(file);
    CHECK_NOTHROW(meb::load_scenario(std::string(MEB_SOURCE_DIR "/scenarios/") + file));
  }
  const meb::Scenario sweep = meb::load_scenario(MEB_SOURCE_DIR "/scenarios/cereal-shock-sweep.yaml");
  CHECK(sweep.point_count() == 11 * 4);
  CHECK(sweep.baseline.id == "sahel-normative-2019");
}

TEST_CASE("scenario new_commodities names what the own plan prices and the baseline plan does not", "[scenario]") {
  Fixture fixture;
  CHECK(meb::new_commodities(fixture.plan, fixture.plan).empty());
  // Rice priced as imported rice and a bucket added: the baseline reads Millet, Rice and Soap only.
  const meb::Scenario scenario = fixture.scenario(with_changes(
      "  - basket: {substitute: {item: Rice, with: Rice (imported)}}\n"
      "  - basket: {add: {component: soap, item: {item: Bucket, quantity: 1, unit: pcs, per: household/month}}}\n"));
  const meb::Methodology planning = meb::planning_methodology(scenario);
  REQUIRE_FALSE(meb::plan_covers(fixture.plan, planning));
  const meb::PriceTable prices = prices_for(planning, kLongHeader + kPrices);
  const meb::ComputePlan own = meb::plan_compute(planning, prices, nullptr);
  std::vector<std::string> added = meb::new_commodities(fixture.plan, own);
  std::sort(added.begin(), added.end());
  CHECK(added == std::vector<std::string>{"Bucket", "Rice (imported)"});
}

TEST_CASE("scenario bootstrap_point equals the baseline bootstrap scaled by a shock and converted by a currency",
          "[scenario]") {
  Fixture fixture;
  meb::BootstrapSettings settings;
  settings.replicates = 60;
  settings.seed = 11;
  settings.threads = 1;
  // The baseline's replicates, unrounded (a converted transfer is rounded after conversion only).
  meb::Methodology unrounded = fixture.baseline;
  unrounded.transfer.rounding.reset();
  const meb::BootstrapResult base = meb::bootstrap(fixture.plan, unrounded, settings, {});
  // Point 1 of the sweep multiplies every price by 1.1 and pays in USD at 0.002, rounded up to 1 USD: each
  // replicate's cost is linear in the market values, so each percentile is the baseline's × 1.1 × 0.002
  // (type 7 interpolation commutes with a positive scale); the transfer is ceil(unrounded × 1.1 × 0.002).
  const meb::Scenario scenario = fixture.scenario(with_changes(
      "  - shock: {multiply: 1.0}\n  - currency: {to: USD, rate: 0.002, round: {step: 1, mode: up}}\n",
      "sweep:\n  parameters:\n    - {path: 'changes[0].shock.multiply', values: [1.0, 1.1]}\n"));
  const meb::BootstrapResult point = meb::bootstrap_point(scenario, 1, fixture.plan, settings);
  REQUIRE(base.rows == fixture.plan.rows.size());
  REQUIRE(base.rows > 0);
  REQUIRE(point.rows == base.rows);
  REQUIRE(point.smeb.size() == base.smeb.size());
  const double factor = 1.1 * 0.002;
  for (std::size_t i = 0; i < base.smeb.size(); ++i) {
    INFO("cell " << i);
    CHECK(point.smeb[i] == Approx(base.smeb[i] * factor).epsilon(1e-12));
    CHECK(point.meb[i] == Approx(base.meb[i] * factor).epsilon(1e-12));
    // Rounded up to a whole dollar: the next whole number at or above the converted value.
    const double converted = base.transfer[i] * factor;
    CHECK(point.transfer[i] == std::round(point.transfer[i]));
    CHECK(point.transfer[i] >= converted - 1e-9);
    CHECK(point.transfer[i] < converted + 1.0);
  }
  // Point 0 (no shock) in the baseline's currency would be the baseline's own bootstrap: with the currency
  // change, its values are the baseline's × 0.002.
  const meb::BootstrapResult first = meb::bootstrap_point(scenario, 0, fixture.plan, settings);
  for (std::size_t i = 0; i < base.meb.size(); ++i) CHECK(first.meb[i] == Approx(base.meb[i] * 0.002).epsilon(1e-12));
}

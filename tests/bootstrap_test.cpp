#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "meb/bootstrap.hpp"
#include "meb/csv.hpp"
#include "meb/statistics.hpp"
#include "test_helpers.hpp"

// meb/bootstrap.hpp: the fast path against evaluate_plan (an identity resample), the exact distributions
// against brute-force enumeration, known small cases against the enumeration of every equally likely resample,
// determinism (same seed, any number of threads), and the errors of bad settings.

using meb::AreaLevel;
using meb::BootstrapSampler;
using meb::BootstrapSettings;
using meb::Month;
using meb::Statistic;
using namespace meb::testing;

namespace {

/// Equal element by element, NaN equal to NaN (a missing value), and nothing else tolerated.
bool same_values(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (!(a[i] == b[i] || (std::isnan(a[i]) && std::isnan(b[i])))) return false;
  return true;
}

bool same_value(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

/// Differences above 1e-9 (relative to the value) between the fast path and evaluate_plan.
void check_identity(const meb::ComputePlan& plan, const meb::Methodology& methodology, const meb::Survey* survey) {
  const meb::ComputeResult point =
      meb::evaluate_plan(plan, methodology, meb::market_values(plan.buckets, methodology.prices.statistic), survey);
  meb::BootstrapInputs inputs;
  inputs.survey = survey;
  const meb::detail::ReplicateTotals identity = meb::detail::bootstrap_identity(plan, methodology, inputs);
  REQUIRE(identity.meb.size() == point.rows.size());
  std::size_t compared = 0;
  for (std::size_t r = 0; r < point.rows.size(); ++r) {
    const auto i = static_cast<Eigen::Index>(r);
    INFO(methodology.id << " row " << r);
    for (const auto& [fast, exact] : {std::pair<double, double>{identity.smeb[r], point.smeb[i]},
                                      std::pair<double, double>{identity.meb[r], point.meb[i]},
                                      std::pair<double, double>{identity.transfer[r], point.transfer[r].value}}) {
      CHECK(std::isnan(fast) == std::isnan(exact));
      if (!std::isnan(exact)) {
        CHECK(std::fabs(fast - exact) <= 1e-9 * std::max(1.0, std::fabs(exact)));
        ++compared;
      }
    }
  }
  CHECK(compared > 0);
}

struct Bfa {
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::ComputePlan plan;
};

const Bfa& bfa() {
  static const Bfa data = [] {
    Bfa out;
    out.methodology = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
    meb::read_price_file(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv",
                         meb::make_price_filter(out.methodology, false), out.prices);
    out.plan = meb::plan_compute(out.methodology, out.prices, nullptr, Month::from_year_month(2019, 1),
                                 Month::from_year_month(2019, 6));
    return out;
  }();
  return data;
}

/// One item, 1 KG per household per month, household of 1, markets -> admin1, no fill: SMEB = MEB = the
/// admin1 value of the item, exactly.
std::string one_item(const std::string& statistic = "median") {
  return "id: one-item\nname: One item\ncurrency: XOF\nhousehold: {size: 1}\n"
         "prices:\n  levels: [market, admin1]\n  statistic: " + statistic + "\n"
         "basket:\n  - component: food\n    tier: smeb\n    items:\n"
         "      - {item: Millet, quantity: 1, unit: KG, per: household/month}\n";
}

struct Small {
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::ComputePlan plan;
};

Small small_case(const std::string& yaml, const std::string& rows) {
  Small out;
  out.methodology = methodology_from(yaml);
  out.prices = prices_for(out.methodology, kLongHeader + rows);
  out.plan = meb::plan_compute(out.methodology, out.prices, nullptr);
  return out;
}

/// Frequencies of the SMEB of row 0 over replicates 0 .. n-1.
std::map<double, double> replicate_frequencies(const Small& data, BootstrapSettings settings, std::size_t n) {
  settings.replicates = n;
  const meb::detail::ReplicateTotals draws = meb::detail::bootstrap_draws(data.plan, data.methodology, settings);
  std::map<double, double> counts;
  for (std::size_t r = 0; r < n; ++r) counts[draws.smeb[r]] += 1.0;
  for (auto& [value, count] : counts) count /= static_cast<double>(n);
  return counts;
}

/// No outcome outside the enumerated support; each within 5 standard deviations of its probability; and
/// Pearson's chi-square over all outcomes (those expected fewer than 5 times pooled) below df + 6 sqrt(2 df),
/// six standard deviations of a chi-square above its mean.
void check_frequencies(const std::map<double, double>& observed, const std::map<double, double>& expected, std::size_t n) {
  for (const auto& [value, frequency] : observed) {
    INFO("outcome " << value);
    REQUIRE(expected.count(value) == 1);
  }
  const double count = static_cast<double>(n);
  double chi_square = 0.0, pooled_observed = 0.0, pooled_expected = 0.0;
  std::size_t cells = 0;
  for (const auto& [value, probability] : expected) {
    const auto it = observed.find(value);
    const double frequency = it == observed.end() ? 0.0 : it->second;
    const double sd = std::sqrt(probability * (1.0 - probability) / count);
    INFO("outcome " << value << " probability " << probability << " frequency " << frequency);
    CHECK(std::fabs(frequency - probability) <= 5.0 * sd + 1e-12);
    if (probability * count < 5.0) {
      pooled_observed += frequency * count;
      pooled_expected += probability * count;
      continue;
    }
    chi_square += std::pow(frequency * count - probability * count, 2) / (probability * count);
    ++cells;
  }
  if (pooled_expected > 0.0) {
    chi_square += std::pow(pooled_observed - pooled_expected, 2) / pooled_expected;
    ++cells;
  }
  const double df = static_cast<double>(cells - 1);
  INFO("chi-square " << chi_square << " with " << df << " degrees of freedom");
  CHECK(chi_square < df + 6.0 * std::sqrt(2.0 * df));
}

/// The value at percent p of a discrete distribution as Hyndman & Fan type 7 converges to for many replicates,
/// when p is not within `margin` of a jump of its distribution function (then it is the outcome there).
double limit_percentile(const std::map<double, double>& distribution, double percent, double margin) {
  double cumulative = 0.0;
  for (const auto& [value, probability] : distribution) {
    cumulative += probability;
    REQUIRE(std::fabs(cumulative - percent / 100.0) > margin);
    if (cumulative > percent / 100.0) return value;
  }
  return distribution.rbegin()->first;
}

}  // namespace

TEST_CASE("bootstrap resampled_statistic matches brute-force enumeration", "[bootstrap]") {
  // Every sequence of n draws from the distribution, with the product of its probabilities, through
  // meb::combine: the definition of the statistic of n draws with replacement.
  const std::vector<double> values = {10.0, 20.0, 25.0, 40.0};
  const std::vector<double> probabilities = {0.1, 0.4, 0.3, 0.2};
  for (const Statistic statistic : {Statistic::median, Statistic::min}) {
    for (std::size_t n = 1; n <= 6; ++n) {
      std::map<double, double> expected;
      std::vector<std::size_t> index(n, 0);
      while (true) {
        std::vector<double> draw(n);
        double p = 1.0;
        for (std::size_t i = 0; i < n; ++i) {
          draw[i] = values[index[i]];
          p *= probabilities[index[i]];
        }
        expected[meb::combine(statistic, draw.data(), n)] += p;
        std::size_t i = 0;
        while (i < n && ++index[i] == values.size()) index[i++] = 0;
        if (i == n) break;
      }
      const meb::detail::Discrete exact =
          meb::detail::resampled_statistic(statistic, meb::detail::Discrete{values, probabilities}, n);
      INFO(meb::to_string(statistic) << " of " << n << " draws");
      REQUIRE(exact.values.size() == expected.size());
      std::size_t k = 0;
      for (const auto& [value, p] : expected) {
        CHECK(exact.values[k] == value);
        CHECK(exact.probabilities[k] == Approx(p).margin(1e-12));
        ++k;
      }
    }
  }
}

TEST_CASE("bootstrap percentile_type7 by hand", "[bootstrap]") {
  // Sorted 1, 2, 3, 4: h = (n - 1) p / 100. p = 50: h = 1.5, 2 + 0.5 × (3 - 2) = 2.5. p = 5: h = 0.15,
  // 1 + 0.15 × 1 = 1.15. p = 95: h = 2.85, 3 + 0.85 = 3.85. p = 0 and 100: the extremes. (R: quantile(1:4,
  // c(.05, .5, .95)) gives 1.15, 2.5, 3.85.)
  std::vector<double> values = {4.0, 1.0, 3.0, 2.0};
  CHECK(meb::detail::percentile_type7(values, 50.0) == Approx(2.5));
  CHECK(meb::detail::percentile_type7(values, 5.0) == Approx(1.15));
  CHECK(meb::detail::percentile_type7(values, 95.0) == Approx(3.85));
  CHECK(meb::detail::percentile_type7(values, 0.0) == 1.0);
  CHECK(meb::detail::percentile_type7(values, 100.0) == 4.0);
  std::vector<double> one = {7.0};
  CHECK(meb::detail::percentile_type7(one, 5.0) == 7.0);
}

TEST_CASE("bootstrap identity resample equals evaluate_plan on the shipped data", "[bootstrap]") {
  check_identity(bfa().plan, bfa().methodology, nullptr);

  // The Mali methods on the OMA prices and the synthetic survey: substitutes, a stated food share, survey lines
  // (fixed at their point value), expenditure and HEA tiers.
  const std::string prices_path = MEB_SOURCE_DIR "/data/mli/oma_retail_prices_reported.csv";
  for (const char* file : {"mali-normative.yaml", "mali-food-share.yaml", "mali-hybrid.yaml", "mali-expenditure.yaml",
                           "mali-hea.yaml"}) {
    const meb::Methodology methodology = meb::load_methodology(std::string(MEB_SOURCE_DIR "/scenarios/") + file);
    meb::PriceTable prices;
    meb::read_price_file(prices_path, meb::make_price_filter(methodology, false), prices);
    std::optional<meb::Survey> survey;
    if (meb::needs_survey(methodology))
      survey = meb::read_survey_file(MEB_SOURCE_DIR "/data/synthetic/synthetic_survey_mli.csv", *methodology.survey);
    const meb::ComputePlan plan = meb::plan_compute(methodology, prices, nullptr);
    check_identity(plan, methodology, survey ? &*survey : nullptr);
  }
}

TEST_CASE("bootstrap identity resample equals evaluate_plan with composites substitutes fills mark-ups and on_missing", "[bootstrap]") {
  // Two admin1 areas under the national level. Gas is a composite of two series, Sorghum is priced as Millet
  // when it has no price, B's Oil is filled from the national value (parent), Beans are carried forward one
  // month, Salt has one quote (A, January): B's February Salt stays missing (on_missing decides); a stated
  // cost, component and total mark-ups.
  const std::string rows =
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,104\n"
      "2020-01-15,M2,A,,Millet,KG,Retail,XOF,90\n"
      "2020-01-15,M3,B,,Millet,KG,Retail,XOF,120\n"
      "2020-01-15,M4,B,,Millet,KG,Retail,XOF,111\n"
      "2020-01-15,M4,B,,Millet,KG,Retail,XOF,117\n"
      "2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,80\n"
      "2020-01-15,M1,A,,Oil,L,Retail,XOF,900\n"
      "2020-01-15,M2,A,,Oil,L,Retail,XOF,950\n"
      "2020-01-15,M1,A,,Gas (public),KG,Retail,XOF,500\n"
      "2020-01-15,M2,A,,Gas (private),KG,Retail,XOF,560\n"
      "2020-01-15,M3,B,,Gas (private),KG,Retail,XOF,610\n"
      "2020-01-15,M1,A,,Beans,KG,Retail,XOF,300\n"
      "2020-01-15,M3,B,,Beans,KG,Retail,XOF,340\n"
      "2020-01-15,M2,A,,Salt,KG,Retail,XOF,150\n"
      "2020-02-15,M1,A,,Millet,KG,Retail,XOF,101\n"
      "2020-02-15,M3,B,,Millet,KG,Retail,XOF,125\n"
      "2020-02-15,M3,B,,Millet,KG,Retail,XOF,126\n"
      "2020-02-15,M4,B,,Millet,KG,Retail,XOF,119\n"
      "2020-02-15,M2,A,,Oil,L,Retail,XOF,970\n"
      "2020-02-15,M1,A,,Gas (public),KG,Retail,XOF,520\n"
      "2020-02-15,M3,B,,Gas (public),KG,Retail,XOF,530\n"
      "2020-02-15,M4,B,,Gas (private),KG,Retail,XOF,640\n";
  for (const std::string statistic : {"median", "mean"}) {  // the methodology allows these two
    for (const std::string on_missing : {"missing", "zero"}) {
      const std::string yaml =
          "id: features\nname: Features\ncurrency: XOF\nhousehold: {size: 5}\nmarkup_percent: 7.5\n"
          "prices:\n  levels: [market, admin1, national]\n  statistic: " + statistic + "\n"
          "  fill: [parent, {carry_forward: 1}]\n  on_missing: " + on_missing + "\n"
          "basket:\n"
          "  - component: food\n    tier: smeb\n    markup_percent: 10\n    items:\n"
          "      - {item: Millet, quantity: 0.3, unit: KG, per: person/day}\n"
          "      - {item: Sorghum, quantity: 0.1, unit: KG, per: person/day, substitutes: [Millet]}\n"
          "      - {item: Oil, quantity: 0.03, unit: L, per: person/day}\n"
          "      - {item: Beans, quantity: 2, unit: KG, per: household/month}\n"
          "      - {item: Salt, quantity: 1, unit: KG, per: household/month}\n"
          "  - component: energy\n    tier: meb\n    items:\n"
          "      - item: Gas\n        composite: {of: [Gas (public), Gas (private)], statistic: mean}\n"
          "        quantity: 12\n        unit: KG\n        per: household/month\n"
          "  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n"
          "transfer: {basis: smeb, deduct: 1000, coverage: 0.8, round: {step: 500, mode: up}}\n";
      INFO("statistic " << statistic << ", on_missing " << on_missing);
      const Small data = small_case(yaml, rows);
      check_identity(data.plan, data.methodology, nullptr);
    }
  }
}

TEST_CASE("bootstrap same seed gives identical results whatever the number of threads", "[bootstrap]") {
  BootstrapSettings settings;
  settings.replicates = 300;  // not a multiple of the 64-replicate blocks: a partial last block
  settings.seed = 20190601;
  settings.threads = 1;
  const meb::BootstrapResult one = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  settings.threads = 2;
  const meb::BootstrapResult two = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  const meb::BootstrapResult again = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  settings.threads = 3;
  const meb::BootstrapResult three = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  for (const meb::BootstrapResult* other : {&two, &again, &three}) {
    CHECK(same_values(one.smeb, other->smeb));
    CHECK(same_values(one.meb, other->meb));
    CHECK(same_values(one.transfer, other->transfer));
  }
  settings.seed = 20190602;
  const meb::BootstrapResult other_seed = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  CHECK_FALSE(same_values(one.meb, other_seed.meb));
}

TEST_CASE("bootstrap percentiles are those of the replicates drawn one by one", "[bootstrap]") {
  // Replicate r's numbers depend on (seed, r) only: drawing each replicate on its own and taking type 7
  // percentiles of the series gives the bootstrap's figures exactly.
  BootstrapSettings settings;
  settings.replicates = 150;
  settings.seed = 99;
  settings.percentiles = {2.5, 50, 97.5};
  const meb::BootstrapResult result = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  std::vector<std::vector<double>> smeb(bfa().plan.rows.size()), transfer(bfa().plan.rows.size());
  for (std::size_t r = 0; r < settings.replicates; ++r) {
    const auto totals = meb::detail::bootstrap_replicate(bfa().plan, bfa().methodology, settings, r);
    for (std::size_t row = 0; row < smeb.size(); ++row) {
      smeb[row].push_back(totals.smeb[row]);
      transfer[row].push_back(totals.transfer[row]);
    }
  }
  for (std::size_t row = 0; row < smeb.size(); ++row) {
    for (std::size_t k = 0; k < settings.percentiles.size(); ++k) {
      INFO("row " << row << " percentile " << settings.percentiles[k]);
      std::vector<double> series = smeb[row];
      const bool missing = std::any_of(series.begin(), series.end(), [](double v) { return std::isnan(v); });
      CHECK(same_value(result.smeb_at(row, k), missing ? std::nan("") : meb::detail::percentile_type7(series, settings.percentiles[k])));
      series = transfer[row];
      CHECK(same_value(result.transfer_at(row, k), missing ? std::nan("") : meb::detail::percentile_type7(series, settings.percentiles[k])));
    }
  }
}

TEST_CASE("bootstrap interval contains the point estimate on the BFA data", "[bootstrap]") {
  BootstrapSettings settings;
  settings.replicates = 2000;
  settings.seed = 7;
  const meb::BootstrapResult result = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  const meb::ComputeResult point = meb::evaluate_plan(
      bfa().plan, bfa().methodology, meb::market_values(bfa().plan.buckets, bfa().methodology.prices.statistic));
  REQUIRE(result.rows == point.rows.size());
  std::size_t rows_with_values = 0, rows_with_width = 0;
  for (std::size_t r = 0; r < result.rows; ++r) {
    const auto i = static_cast<Eigen::Index>(r);
    if (std::isnan(point.meb[i])) {
      CHECK(std::isnan(result.meb_at(r, 0)));
      continue;
    }
    ++rows_with_values;
    INFO("row " << r << " SMEB " << point.smeb[i] << " in [" << result.smeb_at(r, 0) << ", " << result.smeb_at(r, 2) << "]");
    CHECK(result.smeb_at(r, 0) <= point.smeb[i]);
    CHECK(point.smeb[i] <= result.smeb_at(r, 2));
    CHECK(result.meb_at(r, 0) <= point.meb[i]);
    CHECK(point.meb[i] <= result.meb_at(r, 2));
    CHECK(result.transfer_at(r, 0) <= point.transfer[r].value);
    CHECK(point.transfer[r].value <= result.transfer_at(r, 2));
    CHECK(result.smeb_at(r, 0) <= result.smeb_at(r, 1));
    CHECK(result.smeb_at(r, 1) <= result.smeb_at(r, 2));
    if (result.meb_at(r, 2) > result.meb_at(r, 0)) ++rows_with_width;
    // The MEB is the SMEB plus 12,500 of stated costs in every replicate.
    CHECK(result.meb_at(r, 1) == Approx(result.smeb_at(r, 1) + 12500.0));
  }
  CHECK(rows_with_values == 14 * 6);
  CHECK(rows_with_width > 0);
}

TEST_CASE("bootstrap interval collapses with one market per area and one quote per market", "[bootstrap]") {
  // Every resample draws the only market and its only quote: every replicate is the point estimate.
  const Small data = small_case(
      "id: single\nname: Single\ncurrency: XOF\nhousehold: {size: 6}\n"
      "prices:\n  levels: [market, admin1, national]\n  fill: [parent]\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n"
      "      - {item: Sorghum, quantity: 0.1, unit: KG, per: person/day}\n"
      "  - component: water\n    tier: meb\n    cost: 3000\n    per: household/month\n"
      "transfer: {round: {step: 500}}\n",
      "2020-01-15,M1,A,,Millet,KG,Retail,XOF,210\n"
      "2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,190\n"
      "2020-01-15,M2,B,,Millet,KG,Retail,XOF,230\n"
      "2020-01-15,M3,C,,Sorghum,KG,Retail,XOF,205\n"
      "2020-01-15,M3,C,,Millet,KG,Retail,XOF,250\n");
  for (const BootstrapSampler sampler : {BootstrapSampler::exact, BootstrapSampler::explicit_draws}) {
    BootstrapSettings settings;
    settings.replicates = 200;
    settings.sampler = sampler;
    const meb::BootstrapResult result = meb::bootstrap(data.plan, data.methodology, settings);
    const meb::ComputeResult point = meb::compute(data.methodology, data.prices, nullptr);
    for (std::size_t r = 0; r < result.rows; ++r) {
      const auto i = static_cast<Eigen::Index>(r);
      INFO("row " << r);
      for (std::size_t k = 0; k < 3; ++k) {
        CHECK(same_value(result.smeb_at(r, k), point.smeb[i]));
        CHECK(same_value(result.meb_at(r, k), point.meb[i]));
        CHECK(same_value(result.transfer_at(r, k), point.transfer[r].value));
      }
    }
    // B has no Sorghum: filled from the national median of A and C (190, 205) = 197.5;
    // SMEB(B) = 27 × 230 + 18 × 197.5 = 6,210 + 3,555 = 9,765.
    const std::size_t b = row_of(point, AreaLevel::admin1, "B", "2020-01");
    CHECK(result.smeb_at(b, 1) == Approx(9765.0));
  }
}

TEST_CASE("bootstrap known case of three single-quote markets matches its 27 equally likely resamples", "[bootstrap]") {
  // One area, markets at 100, 200 and 400 with one quote each. A replicate draws 3 markets with replacement:
  // 27 equally likely sequences, whose medians are enumerated here (100: 7, 200: 13, 400: 7 of 27).
  const Small data = small_case(one_item(), "2020-01-15,M1,A,,Millet,KG,Retail,XOF,100\n"
                                            "2020-01-15,M2,A,,Millet,KG,Retail,XOF,200\n"
                                            "2020-01-15,M3,A,,Millet,KG,Retail,XOF,400\n");
  const double prices[3] = {100.0, 200.0, 400.0};
  std::map<double, double> expected;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) {
        double draw[3] = {prices[i], prices[j], prices[k]};
        expected[meb::combine(Statistic::median, draw, 3)] += 1.0 / 27.0;
      }
  CHECK(expected[100.0] == Approx(7.0 / 27.0));
  CHECK(expected[200.0] == Approx(13.0 / 27.0));
  CHECK(expected[400.0] == Approx(7.0 / 27.0));

  const std::size_t n = 20000;
  for (const BootstrapSampler sampler : {BootstrapSampler::exact, BootstrapSampler::explicit_draws}) {
    INFO("sampler " << meb::to_string(sampler));
    BootstrapSettings settings;
    settings.replicates = n;
    settings.seed = 3;
    settings.sampler = sampler;
    // Away from the jumps at 7/27 = 25.9 % and 20/27 = 74.1 % by at least 1.9 points, i.e. 6 standard
    // deviations of a frequency over 20,000 replicates (sqrt(0.26 × 0.74 / 20,000) = 0.31 points).
    settings.percentiles = {5, 20, 24, 28, 50, 72, 76, 80, 95};
    const meb::BootstrapResult result = meb::bootstrap(data.plan, data.methodology, settings);
    REQUIRE(result.rows == 1);
    for (std::size_t k = 0; k < settings.percentiles.size(); ++k) {
      INFO("percentile " << settings.percentiles[k]);
      CHECK(result.smeb_at(0, k) == limit_percentile(expected, settings.percentiles[k], 0.018));
    }
    check_frequencies(replicate_frequencies(data, settings, 200000), expected, 200000);
  }
}

TEST_CASE("bootstrap known case of four markets with resampled quotes matches the enumeration", "[bootstrap]") {
  // Markets A {100, 300}, B {250}, C {180, 200, 400}, D {220}; an even number of markets (the median of 4
  // draws is the mean of the middle two) and markets with 2 and 3 quotes resampled within. Enumerated: each
  // market's resampled value over its k^k equally likely quote sequences, then the 4^4 market sequences.
  const Small data = small_case(one_item(), "2020-01-15,MA,A,,Millet,KG,Retail,XOF,100\n"
                                            "2020-01-15,MA,A,,Millet,KG,Retail,XOF,300\n"
                                            "2020-01-15,MB,A,,Millet,KG,Retail,XOF,250\n"
                                            "2020-01-15,MC,A,,Millet,KG,Retail,XOF,180\n"
                                            "2020-01-15,MC,A,,Millet,KG,Retail,XOF,200\n"
                                            "2020-01-15,MC,A,,Millet,KG,Retail,XOF,400\n"
                                            "2020-01-15,MD,A,,Millet,KG,Retail,XOF,220\n");
  const std::vector<std::vector<double>> quotes = {{100, 300}, {250}, {180, 200, 400}, {220}};
  std::vector<std::map<double, double>> market(4);
  for (std::size_t m = 0; m < 4; ++m) {
    const std::size_t k = quotes[m].size();
    std::vector<std::size_t> index(k, 0);
    while (true) {
      std::vector<double> draw(k);
      for (std::size_t i = 0; i < k; ++i) draw[i] = quotes[m][index[i]];
      market[m][meb::combine(Statistic::median, draw.data(), k)] += std::pow(1.0 / static_cast<double>(k), static_cast<double>(k));
      std::size_t i = 0;
      while (i < k && ++index[i] == k) index[i++] = 0;
      if (i == k) break;
    }
  }
  std::map<double, double> expected;
  for (std::size_t m0 = 0; m0 < 4; ++m0)
    for (std::size_t m1 = 0; m1 < 4; ++m1)
      for (std::size_t m2 = 0; m2 < 4; ++m2)
        for (std::size_t m3 = 0; m3 < 4; ++m3)
          for (const auto& [v0, p0] : market[m0])
            for (const auto& [v1, p1] : market[m1])
              for (const auto& [v2, p2] : market[m2])
                for (const auto& [v3, p3] : market[m3]) {
                  double draw[4] = {v0, v1, v2, v3};
                  expected[meb::combine(Statistic::median, draw, 4)] += p0 * p1 * p2 * p3 / 256.0;
                }
  double total = 0.0;
  for (const auto& [value, p] : expected) total += p;
  REQUIRE(total == Approx(1.0));
  // By hand, the extremes: the median is 100 only when 3 or 4 of the 4 draws are A at 100 (each: A then 100 of
  // {100, 300} twice, 1/4 × 1/4 = 1/16): 4 × (1/16)^3 × 15/16 + (1/16)^4 = 61/65,536.
  CHECK(expected[100.0] == Approx(61.0 / 65536.0));

  for (const BootstrapSampler sampler : {BootstrapSampler::exact, BootstrapSampler::explicit_draws}) {
    INFO("sampler " << meb::to_string(sampler));
    BootstrapSettings settings;
    settings.seed = 11;
    settings.sampler = sampler;
    const std::size_t n = 200000;
    check_frequencies(replicate_frequencies(data, settings, n), expected, n);
  }
}

TEST_CASE("bootstrap exact and explicit samplers agree on the BFA data", "[bootstrap]") {
  BootstrapSettings settings;
  settings.replicates = 4000;
  settings.seed = 5;
  const meb::BootstrapResult exact = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  settings.sampler = BootstrapSampler::explicit_draws;
  settings.seed = 6;
  const meb::BootstrapResult explicit_draws = meb::bootstrap(bfa().plan, bfa().methodology, settings);
  CHECK(exact.exact_cells > 0);
  CHECK(exact.explicit_cells == 0);
  CHECK(explicit_draws.exact_cells == 0);
  for (std::size_t r = 0; r < exact.rows; ++r)
    for (std::size_t k = 0; k < 3; ++k) {
      INFO("row " << r << " percentile " << k);
      // Two independent Monte Carlo runs of the same bootstrap: within 1 % of the value.
      CHECK(exact.smeb_at(r, k) == Approx(explicit_draws.smeb_at(r, k)).epsilon(0.01));
      CHECK(exact.meb_at(r, k) == Approx(explicit_draws.meb_at(r, k)).epsilon(0.01));
    }
}

TEST_CASE("bootstrap a scenario scale of 2 on every market doubles every percentile exactly", "[bootstrap]") {
  // The affine map acts on each resampled market value; doubling is exact in binary floating point, and the
  // replicates draw the same random numbers, so SMEB and MEB percentiles double exactly (a basket of one priced
  // line and no stated cost).
  const Small data = small_case(one_item(), "2020-01-15,MA,A,,Millet,KG,Retail,XOF,100\n"
                                            "2020-01-15,MA,A,,Millet,KG,Retail,XOF,300\n"
                                            "2020-01-15,MB,A,,Millet,KG,Retail,XOF,250\n"
                                            "2020-01-15,MC,A,,Millet,KG,Retail,XOF,180\n"
                                            "2020-01-15,MC,B,,Millet,KG,Retail,XOF,200\n"
                                            "2020-01-15,MD,B,,Millet,KG,Retail,XOF,220\n");
  BootstrapSettings settings;
  settings.replicates = 500;
  const meb::BootstrapResult plain = meb::bootstrap(data.plan, data.methodology, settings);
  const std::vector<double> scale(data.plan.buckets.offsets.size() - 1, 2.0);
  meb::BootstrapInputs inputs;
  inputs.market_scale = &scale;
  const meb::BootstrapResult doubled = meb::bootstrap(data.plan, data.methodology, settings, inputs);
  for (std::size_t r = 0; r < plain.rows; ++r)
    for (std::size_t k = 0; k < 3; ++k) {
      CHECK(doubled.smeb_at(r, k) == 2.0 * plain.smeb_at(r, k));
      CHECK(doubled.meb_at(r, k) == 2.0 * plain.meb_at(r, k));
    }
  // The identity resample under the map equals evaluate_plan on the mapped market values.
  std::vector<double> values = meb::market_values(data.plan.buckets, data.methodology.prices.statistic);
  for (double& value : values) value *= 2.0;
  const meb::ComputeResult point = meb::evaluate_plan(data.plan, data.methodology, values);
  const auto identity = meb::detail::bootstrap_identity(data.plan, data.methodology, inputs);
  for (std::size_t r = 0; r < plain.rows; ++r) CHECK(identity.meb[r] == point.meb[static_cast<Eigen::Index>(r)]);
}

TEST_CASE("bootstrap survey-based lines keep their point value", "[bootstrap]") {
  // mali-expenditure costs every component from the survey: no line is priced from markets, so every replicate
  // is the point estimate.
  const meb::Methodology methodology = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/mali-expenditure.yaml");
  meb::PriceTable prices;
  meb::read_price_file(MEB_SOURCE_DIR "/data/mli/oma_retail_prices_reported.csv", meb::make_price_filter(methodology, false),
                       prices);
  const meb::Survey survey =
      meb::read_survey_file(MEB_SOURCE_DIR "/data/synthetic/synthetic_survey_mli.csv", *methodology.survey);
  const meb::ComputePlan plan = meb::plan_compute(methodology, prices, nullptr);
  const meb::ComputeResult point =
      meb::evaluate_plan(plan, methodology, meb::market_values(plan.buckets, methodology.prices.statistic), &survey);
  BootstrapSettings settings;
  settings.replicates = 100;
  meb::BootstrapInputs inputs;
  inputs.survey = &survey;
  const meb::BootstrapResult result = meb::bootstrap(plan, methodology, settings, inputs);
  std::size_t compared = 0;
  for (std::size_t r = 0; r < result.rows; ++r) {
    const double value = point.meb[static_cast<Eigen::Index>(r)];
    for (std::size_t k = 0; k < 3; ++k) CHECK(same_value(result.meb_at(r, k), value));
    compared += std::isnan(value) ? 0 : 1;
  }
  CHECK(compared > 0);
}

TEST_CASE("bootstrap settings errors name the value", "[bootstrap]") {
  BootstrapSettings settings;
  settings.replicates = 0;
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("at least 1, got 0"));
  REQUIRE_THROWS_AS(meb::bootstrap(bfa().plan, bfa().methodology, settings), std::invalid_argument);
  settings.replicates = 10;
  settings.percentiles = {5, 150};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("between 0 and 100, got 150"));
  settings.percentiles = {-1};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("between 0 and 100, got -1"));
  settings.percentiles = {50, 5};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("strictly increasing, got 50 then 5"));
  settings.percentiles = {5, 5};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("strictly increasing, got 5 then 5"));
  settings.percentiles = {std::nan("")};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("between 0 and 100"));
  settings.percentiles = {};
  REQUIRE_THROWS_WITH(meb::validate(settings), Catch::Contains("no percentile"));
  settings.percentiles = {0, 2.5, 100};
  CHECK_NOTHROW(meb::validate(settings));
  CHECK(meb::percentile_label(2.5) == "p2.5");
  CHECK(meb::percentile_label(95) == "p95");
}

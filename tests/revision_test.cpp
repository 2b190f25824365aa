#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "meb/month.hpp"
#include "meb/revision.hpp"

using meb::evaluate_revisions;
using meb::Month;
using meb::RevisionDecision;
using meb::RevisionDirection;
using meb::RevisionInput;
using meb::RevisionRule;
using meb::RevisionStatus;

namespace {

constexpr double not_computed = std::numeric_limits<double>::quiet_NaN();

RevisionRule rule_of(double threshold, double hysteresis, int consecutive_months,
                     RevisionDirection direction = RevisionDirection::either, double min_observed_share = 0.5) {
  RevisionRule rule;
  rule.threshold = threshold;
  rule.hysteresis = hysteresis;
  rule.consecutive_months = consecutive_months;
  rule.direction = direction;
  rule.min_observed_share = min_observed_share;
  return rule;
}

Month month_of(int year, int month) { return Month::from_year_month(year, month); }

/// Consecutive months from 2020-01, all against a value in force of 100, fully observed: computed 112 is a
/// gap of (112 − 100) / 100 = +12%.
std::vector<RevisionInput> against_100(const std::vector<double>& computed) {
  std::vector<RevisionInput> series;
  for (std::size_t i = 0; i < computed.size(); ++i)
    series.push_back({Month{month_of(2020, 1).index + static_cast<int>(i)}, computed[i], 100.0, 1.0});
  return series;
}

std::vector<RevisionDecision> decisions(const std::vector<RevisionStatus>& statuses) {
  std::vector<RevisionDecision> out;
  for (const auto& status : statuses) out.push_back(status.decision);
  return out;
}

std::vector<int> run_lengths(const std::vector<RevisionStatus>& statuses) {
  std::vector<int> out;
  for (const auto& status : statuses) out.push_back(status.run_length);
  return out;
}

std::vector<int> run_signs(const std::vector<RevisionStatus>& statuses) {
  std::vector<int> out;
  for (const auto& status : statuses) out.push_back(status.run_sign);
  return out;
}

std::string what_of(const RevisionRule& rule, const std::vector<RevisionInput>& series) {
  try {
    (void)evaluate_revisions(rule, series);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no exception>";
}

constexpr auto revise = RevisionDecision::revise;
constexpr auto hold = RevisionDecision::hold;
constexpr auto insufficient = RevisionDecision::insufficient_data;

}  // namespace

TEST_CASE("a gap beyond the threshold for N-1 months holds and for N months revises", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 3);
  // Gaps against 100: 112 → +12%, 113 → +13%, 115 → +15%, 111 → +11%, all above 10%.
  const auto statuses = evaluate_revisions(rule, against_100({112, 113, 115, 111}));
  REQUIRE(statuses.size() == 4);
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, revise, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 3, 4});
  CHECK(run_signs(statuses) == std::vector<int>{1, 1, 1, 1});
  CHECK(statuses[0].month == month_of(2020, 1));
  CHECK(statuses[3].month == month_of(2020, 4));
  CHECK(statuses[0].gap == Approx(0.12));
  CHECK(statuses[2].gap == Approx(0.15));
  CHECK(statuses[0].reason == "gap +12.0% above the 10% threshold for 1 of 3 months");
  CHECK(statuses[1].reason == "gap +13.0% above the 10% threshold for 2 of 3 months");
  CHECK(statuses[2].reason == "gap +15.0% above the 10% threshold for 3 of 3 months");
  CHECK(statuses[3].reason == "gap +11.0% above the 10% threshold for 4 months, 3 needed");
}

TEST_CASE("a gap below the value in force revises after N months too", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 2);
  // 88 → (88 − 100) / 100 = −12%, 87.6 → −12.4%.
  const auto statuses = evaluate_revisions(rule, against_100({88, 87.6}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, revise});
  CHECK(run_signs(statuses) == std::vector<int>{-1, -1});
  CHECK(statuses[1].gap == Approx(-0.124));
  CHECK(statuses[0].reason == "gap -12.0% below the -10% threshold for 1 of 2 months");
  CHECK(statuses[1].reason == "gap -12.4% below the -10% threshold for 2 of 2 months");
}

TEST_CASE("a gap within the threshold holds with no run", "[revision]") {
  // 104 → +4%, 90 → −10% exactly: the threshold must be exceeded strictly to start a run.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 1), against_100({104, 90}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold});
  CHECK(run_lengths(statuses) == std::vector<int>{0, 0});
  CHECK(run_signs(statuses) == std::vector<int>{0, 0});
  CHECK(statuses[0].reason == "gap +4.0% within ±10%");
  CHECK(statuses[1].reason == "gap -10.0% within ±10%");
}

TEST_CASE("N equal to 1 revises on the first month beyond the threshold", "[revision]") {
  // 125 → +25% > 10%.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.0, 1), against_100({125}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{revise});
  CHECK(statuses[0].reason == "gap +25.0% above the 10% threshold for 1 of 1 month");
}

TEST_CASE("little observed data gives insufficient data and restarts the run", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 3, RevisionDirection::either, 0.5);
  auto series = against_100({112, 112, 112, 112, 112, 112});
  series[2].observed_share = 0.4;  // below the 50% minimum
  series[3].observed_share = 0.5;  // exactly the minimum is enough
  const auto statuses = evaluate_revisions(rule, series);
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, insufficient, hold, hold, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 0, 1, 2, 3});
  CHECK(run_signs(statuses) == std::vector<int>{1, 1, 0, 1, 1, 1});
  // The gap is still known: (112 − 100) / 100 = +12%.
  CHECK(statuses[2].gap == Approx(0.12));
  CHECK(statuses[2].reason ==
        "only 40.0% of the basket's cost observed (minimum 50%), ending a run of 2 months above");
}

TEST_CASE("a minimum observed share of 0 accepts any share", "[revision]") {
  auto series = against_100({112});
  series[0].observed_share = 0.0;
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 1, RevisionDirection::either, 0.0), series);
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{revise});
}

TEST_CASE("no value in force or no computed value gives insufficient data", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 2);
  auto series = against_100({112, 112, 112, 112, not_computed, 112, 112});
  series[1].in_force = std::nullopt;
  series[3].in_force = 0.0;
  const auto statuses = evaluate_revisions(rule, series);
  CHECK(decisions(statuses) ==
        std::vector<RevisionDecision>{hold, insufficient, hold, insufficient, insufficient, hold, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 0, 1, 0, 0, 1, 2});
  CHECK(statuses[1].reason == "no transfer value in force, ending a run of 1 month above");
  CHECK(std::isnan(statuses[1].gap));
  CHECK(statuses[3].reason == "the transfer value in force 0 is not positive, ending a run of 1 month above");
  CHECK(std::isnan(statuses[3].gap));
  CHECK(statuses[4].reason == "no computed transfer value");
  CHECK(std::isnan(statuses[4].gap));
}

TEST_CASE("every missing figure is named", "[revision]") {
  RevisionInput input{month_of(2021, 6), not_computed, std::nullopt, 0.2};
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 3), {input});
  REQUIRE(statuses.size() == 1);
  CHECK(statuses[0].decision == insufficient);
  CHECK(statuses[0].reason ==
        "no computed transfer value and no transfer value in force and only 20.0% of the basket's cost observed "
        "(minimum 50%)");
}

TEST_CASE("hysteresis keeps a run through a month inside the band", "[revision]") {
  // Gaps +12%, +9%, +12%; threshold 10%, hysteresis 2 pp: the run continues while the gap is ≥ 10 − 2 = 8%.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 3), against_100({112, 109, 112}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 3});
  CHECK(statuses[1].reason == "gap +9.0% within the hysteresis band (8% to 10%), run continues (2 of 3 months)");
  CHECK(statuses[2].reason == "gap +12.0% above the 10% threshold for 3 of 3 months");

  // Below the value in force the band mirrors: −9% lies in −10% to −8%.
  const auto below = evaluate_revisions(rule_of(0.10, 0.02, 3), against_100({88, 91, 88}));
  CHECK(decisions(below) == std::vector<RevisionDecision>{hold, hold, revise});
  CHECK(below[1].reason == "gap -9.0% within the hysteresis band (-10% to -8%), run continues (2 of 3 months)");
}

TEST_CASE("without hysteresis a month under the threshold restarts the run", "[revision]") {
  // Same gaps +12%, +9%, +12% with hysteresis 0: 9% < 10 − 0 = 10% ends the run, the third month starts a new one.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.0, 3), against_100({112, 109, 112}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, hold});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 0, 1});
  CHECK(statuses[1].reason == "gap +9.0% within ±10%, ending a run of 1 month above");
}

TEST_CASE("a gap below the hysteresis band ends the run", "[revision]") {
  // +12%, +7%, +12% with the band at 8%: 7% < 8% ends the run.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 2), against_100({112, 107, 112, 112}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, hold, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 0, 1, 2});
}

TEST_CASE("the hysteresis edges: the threshold starts strictly and the band continues inclusively", "[revision]") {
  // Binary-exact figures: threshold 1/4, hysteresis 1/8, value in force 8.
  // computed 10 → (10 − 8) / 8 = 0.25 exactly: equal to the threshold, no run.
  // computed 11 → 3/8 = 0.375 > 0.25: a run starts.
  // computed 9  → 1/8 = 0.125 = 0.25 − 0.125 exactly: on the band's edge, the run continues.
  const RevisionRule rule = rule_of(0.25, 0.125, 2);
  std::vector<RevisionInput> series;
  const double computed[] = {10, 11, 9, 10};
  for (int i = 0; i < 4; ++i) series.push_back({month_of(2019, 3 + i), computed[i], 8.0, 1.0});
  const auto statuses = evaluate_revisions(rule, series);
  CHECK(run_lengths(statuses) == std::vector<int>{0, 1, 2, 3});
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, revise, revise});
  CHECK(statuses[3].reason == "gap +25.0% within the hysteresis band (12.5% to 25%), run continues (3 months, 2 needed)");
}

TEST_CASE("a sign flip restarts the run with the other sign", "[revision]") {
  // +12%, +12%, −12%, −12%, −12%: the flip at month 3 starts a run below, revised at month 5.
  const auto statuses = evaluate_revisions(rule_of(0.10, 0.02, 3), against_100({112, 112, 88, 88, 88}));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, hold, hold, revise});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 1, 2, 3});
  CHECK(run_signs(statuses) == std::vector<int>{1, 1, -1, -1, -1});
  CHECK(statuses[2].reason ==
        "gap -12.0% below the -10% threshold for 1 of 3 months, the sign changed, ending a run of 2 months above");

  // A flip to a small gap (−9%, inside what would be the band on the other side) just ends the run.
  const auto small = evaluate_revisions(rule_of(0.10, 0.02, 3), against_100({112, 112, 91}));
  CHECK(run_lengths(small) == std::vector<int>{1, 2, 0});
  CHECK(run_signs(small) == std::vector<int>{1, 1, 0});
  CHECK(small[2].reason == "gap -9.0% within ±10%, ending a run of 2 months above");
}

TEST_CASE("direction up ignores gaps below and direction down ignores gaps above", "[revision]") {
  const RevisionRule up = rule_of(0.10, 0.02, 2, RevisionDirection::up);
  const RevisionRule down = rule_of(0.10, 0.02, 2, RevisionDirection::down);
  // −12%, −12%, −12%: counted only by `down`.
  const auto below = against_100({88, 88, 88});
  const auto up_below = evaluate_revisions(up, below);
  CHECK(decisions(up_below) == std::vector<RevisionDecision>{hold, hold, hold});
  CHECK(run_lengths(up_below) == std::vector<int>{0, 0, 0});
  CHECK(up_below[0].reason == "gap -12.0% below the -10% threshold, but the rule counts only gaps above");
  CHECK(decisions(evaluate_revisions(down, below)) == std::vector<RevisionDecision>{hold, revise, revise});

  // +12%, +12%, +12%: counted only by `up`.
  const auto above = against_100({112, 112, 112});
  CHECK(decisions(evaluate_revisions(up, above)) == std::vector<RevisionDecision>{hold, revise, revise});
  const auto down_above = evaluate_revisions(down, above);
  CHECK(run_lengths(down_above) == std::vector<int>{0, 0, 0});
  CHECK(down_above[0].reason == "gap +12.0% above the 10% threshold, but the rule counts only gaps below");

  // +12%, −12%, +12%, +12% with `up`: the month below ends the run, which restarts after it.
  const auto mixed = evaluate_revisions(up, against_100({112, 88, 112, 112}));
  CHECK(run_lengths(mixed) == std::vector<int>{1, 0, 1, 2});
  CHECK(decisions(mixed) == std::vector<RevisionDecision>{hold, hold, hold, revise});
  CHECK(mixed[1].reason ==
        "gap -12.0% below the -10% threshold, but the rule counts only gaps above, ending a run of 1 month above");
}

TEST_CASE("a missing calendar month ends the run", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 3);
  // +12% in 2020-01, 2020-02, then 2020-04 (no 2020-03), 2020-05, 2020-06.
  std::vector<RevisionInput> series;
  for (int month : {1, 2, 4, 5, 6}) series.push_back({month_of(2020, month), 112.0, 100.0, 1.0});
  const auto statuses = evaluate_revisions(rule, series);
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 1, 2, 3});
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, hold, hold, hold, revise});
  CHECK(statuses[2].reason ==
        "gap +12.0% above the 10% threshold for 1 of 3 months; the previous run of 2 months ended with no data for "
        "2020-03");

  // Several months missing are named as a range; December to January across a year is consecutive.
  std::vector<RevisionInput> across;
  for (const Month month : {month_of(2019, 11), month_of(2019, 12), month_of(2020, 1), month_of(2020, 5)})
    across.push_back({month, 112.0, 100.0, 1.0});
  const auto across_statuses = evaluate_revisions(rule, across);
  CHECK(run_lengths(across_statuses) == std::vector<int>{1, 2, 3, 1});
  CHECK(decisions(across_statuses) == std::vector<RevisionDecision>{hold, hold, revise, hold});
  CHECK_THAT(across_statuses[3].reason,
             Catch::Contains("the previous run of 3 months ended with no data for 2020-02 to 2020-04"));
}

TEST_CASE("the gap is against each month's own value in force", "[revision]") {
  const RevisionRule rule = rule_of(0.10, 0.02, 2);
  // computed 112 throughout; in force 100, 100, then revised to 110: gaps +12%, +12%, (112 − 110) / 110 = +1.82%.
  std::vector<RevisionInput> series{{month_of(2020, 1), 112.0, 100.0, 1.0},
                                    {month_of(2020, 2), 112.0, 100.0, 1.0},
                                    {month_of(2020, 3), 112.0, 110.0, 1.0},
                                    // in force cut to 100 again: (112 − 100) / 100 = +12%, a new run
                                    {month_of(2020, 4), 112.0, 100.0, 1.0}};
  const auto statuses = evaluate_revisions(rule, series);
  CHECK(statuses[2].gap == Approx(2.0 / 110.0));
  CHECK(decisions(statuses) == std::vector<RevisionDecision>{hold, revise, hold, hold});
  CHECK(run_lengths(statuses) == std::vector<int>{1, 2, 0, 1});
  CHECK(statuses[2].reason == "gap +1.8% within ±10%, ending a run of 2 months above");

  // A value kept unchanged while the computed value drifts: 100 in force, computed 100, 100, then 90 in force
  // against computed 100 → (100 − 90) / 90 = +11.1%.
  std::vector<RevisionInput> lowered{{month_of(2020, 1), 100.0, 100.0, 1.0}, {month_of(2020, 2), 100.0, 90.0, 1.0}};
  const auto lowered_statuses = evaluate_revisions(rule_of(0.10, 0.02, 1), lowered);
  CHECK(lowered_statuses[0].gap == Approx(0.0));
  CHECK(lowered_statuses[1].gap == Approx(10.0 / 90.0));
  CHECK(decisions(lowered_statuses) == std::vector<RevisionDecision>{hold, revise});
}

TEST_CASE("an empty series gives no status", "[revision]") {
  CHECK(evaluate_revisions(RevisionRule{}, {}).empty());
}

TEST_CASE("invalid rules throw naming the value", "[revision]") {
  const auto series = against_100({112});
  CHECK(what_of(rule_of(0.0, 0.0, 3), series) == "revision rule: threshold 0 must be a finite number > 0");
  CHECK(what_of(rule_of(-0.1, 0.0, 3), series) == "revision rule: threshold -0.1 must be a finite number > 0");
  CHECK_THAT(what_of(rule_of(std::nan(""), 0.0, 3), series), Catch::Contains("revision rule: threshold"));
  CHECK(what_of(rule_of(0.1, 0.12, 3), series) == "revision rule: hysteresis 0.12 must be >= 0 and < threshold 0.1");
  CHECK(what_of(rule_of(0.1, 0.1, 3), series) == "revision rule: hysteresis 0.1 must be >= 0 and < threshold 0.1");
  CHECK(what_of(rule_of(0.1, -0.01, 3), series) == "revision rule: hysteresis -0.01 must be >= 0 and < threshold 0.1");
  CHECK(what_of(rule_of(0.1, 0.02, 0), series) == "revision rule: consecutive_months 0 must be >= 1");
  CHECK(what_of(rule_of(0.1, 0.02, -2), series) == "revision rule: consecutive_months -2 must be >= 1");
  CHECK(what_of(rule_of(0.1, 0.02, 3, RevisionDirection::either, 1.5), series) ==
        "revision rule: min_observed_share 1.5 must be in [0, 1]");
  CHECK(what_of(rule_of(0.1, 0.02, 3, RevisionDirection::either, -0.25), series) ==
        "revision rule: min_observed_share -0.25 must be in [0, 1]");
  // The boundaries of the domain are accepted.
  CHECK(what_of(rule_of(0.1, 0.0, 1, RevisionDirection::either, 0.0), series) == "<no exception>");
  CHECK(what_of(rule_of(0.1, 0.09, 1, RevisionDirection::either, 1.0), series) == "<no exception>");
}

TEST_CASE("months not strictly increasing throw naming the months", "[revision]") {
  const RevisionRule rule;
  const std::vector<RevisionInput> repeated{{month_of(2020, 1), 100.0, 100.0, 1.0},
                                            {month_of(2020, 2), 100.0, 100.0, 1.0},
                                            {month_of(2020, 2), 100.0, 100.0, 1.0}};
  CHECK(what_of(rule, repeated) ==
        "revision series: month 2020-02 at position 2 does not follow 2020-02; months must be strictly increasing");
  const std::vector<RevisionInput> backwards{{month_of(2020, 3), 100.0, 100.0, 1.0},
                                             {month_of(2020, 1), 100.0, 100.0, 1.0}};
  CHECK(what_of(rule, backwards) ==
        "revision series: month 2020-01 at position 1 does not follow 2020-03; months must be strictly increasing");
}

TEST_CASE("directions, decisions and rules print in words", "[revision]") {
  CHECK(meb::to_string(RevisionDirection::either) == "either");
  CHECK(meb::to_string(RevisionDirection::up) == "up");
  CHECK(meb::to_string(RevisionDirection::down) == "down");
  CHECK(meb::to_string(RevisionDecision::revise) == "revise");
  CHECK(meb::to_string(RevisionDecision::hold) == "hold");
  CHECK(meb::to_string(RevisionDecision::insufficient_data) == "insufficient data");

  CHECK(RevisionRule{}.describe() ==
        "revise when the computed transfer value is more than 10% above or below (in the same direction) the value "
        "in force for 3 consecutive months (hysteresis 2 pp: a run continues while |gap| stays at or above 8%), with "
        "at least 50% of the basket's cost observed");
  CHECK(rule_of(0.15, 0.05, 1, RevisionDirection::up, 0.75).describe() ==
        "revise when the computed transfer value is more than 15% above the value in force for 1 consecutive month "
        "(hysteresis 5 pp: a run continues while |gap| stays at or above 10%), with at least 75% of the basket's "
        "cost observed");
  CHECK_THAT(rule_of(0.1, 0.0, 2, RevisionDirection::down).describe(), Catch::Contains("more than 10% below the"));
}

namespace {

/// The property's independent reading of the rule with hysteresis 0: month i is `revise` iff the N months
/// ending at i are consecutive calendar months, each with sufficient data and a gap beyond the threshold, all of
/// one sign the direction allows. No run state: each month looks back N months on its own.
RevisionDecision brute_force(const RevisionRule& rule, const std::vector<RevisionInput>& series, std::size_t i) {
  const auto sufficient = [&](const RevisionInput& input) {
    return std::isfinite(input.computed) && input.in_force && *input.in_force > 0.0 &&
           input.observed_share >= rule.min_observed_share;
  };
  if (!sufficient(series[i])) return insufficient;
  const auto needed = static_cast<std::size_t>(rule.consecutive_months);
  if (i + 1 < needed) return hold;
  int common_sign = 0;
  for (std::size_t k = i + 1 - needed; k <= i; ++k) {
    const RevisionInput& input = series[k];
    if (!sufficient(input)) return hold;
    if (input.month.index != series[i].month.index - static_cast<int>(i - k)) return hold;
    const double gap = (input.computed - *input.in_force) / *input.in_force;
    if (!(std::abs(gap) > rule.threshold)) return hold;
    const int sign = gap > 0 ? 1 : -1;
    if (rule.direction == RevisionDirection::up && sign < 0) return hold;
    if (rule.direction == RevisionDirection::down && sign > 0) return hold;
    if (common_sign != 0 && sign != common_sign) return hold;
    common_sign = sign;
  }
  return revise;
}

/// A random series: months mostly consecutive with some skipped, gaps spread over ±30% around a value in force
/// that is sometimes reset, and some months missing a figure or observed too little.
std::vector<RevisionInput> random_series(std::mt19937& generator, std::size_t length) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::vector<RevisionInput> series;
  int month = month_of(2018, 1).index;
  double in_force = 100.0;
  for (std::size_t i = 0; i < length; ++i) {
    month += unit(generator) < 0.08 ? 2 : 1;
    if (unit(generator) < 0.1) in_force = 50.0 + 100.0 * unit(generator);
    // Gaps cluster near ±10% so that runs often start, break and flip.
    const double gap = (unit(generator) < 0.5 ? 0.1 : -0.1) + 0.12 * (unit(generator) - 0.5);
    RevisionInput input{Month{month}, in_force * (1.0 + gap), in_force, 0.3 + 0.7 * unit(generator)};
    const double fault = unit(generator);
    if (fault < 0.03) input.computed = not_computed;
    else if (fault < 0.06) input.in_force = std::nullopt;
    series.push_back(input);
  }
  return series;
}

}  // namespace

TEST_CASE("without hysteresis revise means the last N months all beyond the threshold with one sign", "[revision]") {
  std::mt19937 generator(20200705);
  const RevisionDirection directions[] = {RevisionDirection::either, RevisionDirection::up, RevisionDirection::down};
  int revisions = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const RevisionRule rule = rule_of(0.10, 0.0, 1 + trial % 4, directions[trial % 3], 0.4);
    const auto series = random_series(generator, 40);
    const auto statuses = evaluate_revisions(rule, series);
    REQUIRE(statuses.size() == series.size());
    for (std::size_t i = 0; i < series.size(); ++i) {
      INFO("trial " << trial << ", month " << series[i].month.to_string() << ", rule " << rule.describe());
      REQUIRE(statuses[i].decision == brute_force(rule, series, i));
      revisions += statuses[i].decision == revise;
    }
  }
  CHECK(revisions > 500);  // the series do exercise the revise branch
}

TEST_CASE("a hysteresis band only lengthens runs", "[revision]") {
  // A month in a run without hysteresis is in a run at least as long with it: the band lowers the level a run
  // needs to continue and never the level it needs to start.
  std::mt19937 generator(5);
  for (int trial = 0; trial < 100; ++trial) {
    const auto series = random_series(generator, 40);
    const auto direction = trial % 2 == 0 ? RevisionDirection::either : RevisionDirection::up;
    const auto without = evaluate_revisions(rule_of(0.10, 0.0, 3, direction), series);
    const auto with = evaluate_revisions(rule_of(0.10, 0.03, 3, direction), series);
    for (std::size_t i = 0; i < series.size(); ++i) {
      INFO("trial " << trial << ", month " << series[i].month.to_string());
      REQUIRE(with[i].run_length >= without[i].run_length);
      if (without[i].decision == revise) REQUIRE(with[i].decision == revise);
    }
  }
}

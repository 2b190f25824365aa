#include <catch2/catch.hpp>

#include <cmath>

#include "meb/transfer.hpp"
#include "test_helpers.hpp"

namespace {

meb::Rounding step(double size, meb::RoundingMode mode) {
  meb::Rounding rounding;
  rounding.step = size;
  rounding.mode = mode;
  return rounding;
}

}  // namespace

TEST_CASE("transfer round nearest sends halves up", "[transfer]") {
  const auto nearest = step(5000.0, meb::RoundingMode::nearest);
  CHECK(meb::round_to_step(2500.0, nearest) == 5000.0);     // 0.5 steps: up
  CHECK(meb::round_to_step(2499.99, nearest) == 0.0);
  CHECK(meb::round_to_step(7499.99, nearest) == 5000.0);    // 1.499998 steps
  CHECK(meb::round_to_step(7500.0, nearest) == 10000.0);    // 1.5 steps: up
  CHECK(meb::round_to_step(12345.0, nearest) == 10000.0);
  CHECK(meb::round_to_step(0.0, nearest) == 0.0);
  CHECK(meb::round_to_step(60000.0, nearest) == 60000.0);   // already a multiple
  CHECK(meb::round_to_step(250.0, step(500.0, meb::RoundingMode::nearest)) == 500.0);
  CHECK(meb::round_to_step(749.0, step(500.0, meb::RoundingMode::nearest)) == 500.0);
}

TEST_CASE("transfer round up and down", "[transfer]") {
  const auto up = step(500.0, meb::RoundingMode::up);
  const auto down = step(500.0, meb::RoundingMode::down);
  CHECK(meb::round_to_step(10001.0, up) == 10500.0);
  CHECK(meb::round_to_step(10000.0, up) == 10000.0);
  CHECK(meb::round_to_step(10499.99, down) == 10000.0);
  CHECK(meb::round_to_step(10500.0, down) == 10500.0);
  CHECK(meb::round_to_step(1.0, up) == 500.0);
  CHECK(meb::round_to_step(499.0, down) == 0.0);
}

TEST_CASE("transfer rounding is not fooled by floating point noise", "[transfer]") {
  const auto up = step(500.0, meb::RoundingMode::up);
  const auto down = step(500.0, meb::RoundingMode::down);
  // 10,000.0000001 / 500 = 20.0000000002: a multiple for every practical purpose.
  CHECK(meb::round_to_step(10000.0000001, up) == 10000.0);
  // 0.1 + 0.2 = 0.30000000000000004; step 0.1 up stays at 0.3 (3 steps).
  CHECK(meb::round_to_step(0.1 + 0.2, step(0.1, meb::RoundingMode::up)) == Approx(0.3));
  // 9,999.9999999 down stays 10,000 (19.9999999998 steps snaps to 20).
  CHECK(meb::round_to_step(9999.9999999, down) == 10000.0);
  // A real difference of one FCFA above a multiple still rounds up.
  CHECK(meb::round_to_step(10001.0, up) == 10500.0);
}

TEST_CASE("transfer rule with defaults passes the basis through unrounded", "[transfer]") {
  const meb::TransferRule rule;  // coverage 1, deduct 0, floor 0, no cap, no rounding
  const meb::TransferValue value = meb::apply_transfer_rule(rule, 61234.5);
  CHECK(value.unrounded == 61234.5);
  CHECK(value.value == 61234.5);
  CHECK(value.rounding_difference == 0.0);
}

TEST_CASE("transfer rule applies coverage deduct cap and rounding in order", "[transfer]") {
  // The capped Sahel scenario: round_down_500(clamp(0.6 × (basis − 10,000), 0, 100,000)).
  meb::TransferRule rule;
  rule.basis = meb::Tier::smeb;
  rule.deduct = 10000.0;
  rule.coverage = 0.6;
  rule.floor = 0.0;
  rule.cap = 100000.0;
  rule.rounding = step(500.0, meb::RoundingMode::down);

  SECTION("coverage of the gap") {
    // 0.6 × (61,234 − 10,000) = 0.6 × 51,234 = 30,740.4 → down to 30,500; difference −240.4
    const auto value = meb::apply_transfer_rule(rule, 61234.0);
    CHECK(value.unrounded == Approx(30740.4));
    CHECK(value.value == 30500.0);
    CHECK(value.rounding_difference == Approx(-240.4));
    CHECK(value.rounding_difference == Approx(value.value - value.unrounded));
  }
  SECTION("deduct above the basis gives the floor") {
    // 0.6 × (5,000 − 10,000) = −3,000 → clamp to floor 0
    const auto value = meb::apply_transfer_rule(rule, 5000.0);
    CHECK(value.unrounded == 0.0);
    CHECK(value.value == 0.0);
    CHECK(value.rounding_difference == 0.0);
  }
  SECTION("a positive floor") {
    rule.floor = 2200.0;
    // −3,000 → floor 2,200 → down to 2,000; difference −200
    const auto value = meb::apply_transfer_rule(rule, 5000.0);
    CHECK(value.unrounded == 2200.0);
    CHECK(value.value == 2000.0);
    CHECK(value.rounding_difference == Approx(-200.0));
  }
  SECTION("the cap binds") {
    // 0.6 × (300,000 − 10,000) = 174,000 → cap 100,000
    const auto value = meb::apply_transfer_rule(rule, 300000.0);
    CHECK(value.unrounded == 100000.0);
    CHECK(value.value == 100000.0);
    CHECK(value.rounding_difference == 0.0);
  }
  SECTION("a cap that is not a multiple of the step is rounded after clamping") {
    rule.cap = 99999.0;
    rule.rounding = step(5000.0, meb::RoundingMode::nearest);
    // clamp → 99,999 → nearest 5,000 = 100,000 (19.9998 steps); difference +1
    const auto value = meb::apply_transfer_rule(rule, 300000.0);
    CHECK(value.unrounded == 99999.0);
    CHECK(value.value == 100000.0);
    CHECK(value.rounding_difference == Approx(1.0));
  }
}

TEST_CASE("transfer rule nearest rounding reports a positive difference", "[transfer]") {
  meb::TransferRule rule;
  rule.rounding = step(5000.0, meb::RoundingMode::nearest);
  // 62,500 is 12.5 steps → up to 65,000; difference +2,500
  const auto value = meb::apply_transfer_rule(rule, 62500.0);
  CHECK(value.unrounded == 62500.0);
  CHECK(value.value == 65000.0);
  CHECK(value.rounding_difference == 2500.0);
  // 62,499 → 60,000; difference −2,499
  const auto lower = meb::apply_transfer_rule(rule, 62499.0);
  CHECK(lower.value == 60000.0);
  CHECK(lower.rounding_difference == -2499.0);
}

TEST_CASE("transfer rule from YAML matches the formula", "[transfer]") {
  const auto m = meb::testing::methodology_from(R"(id: t
name: T
currency: XOF
household: {size: 6}
basket:
  - component: water
    tier: smeb
    cost: 3000
    per: household/month
transfer:
  basis: smeb
  deduct: 1000
  coverage: 0.5
  floor: 500
  cap: 50000
  round: {step: 1000, mode: up}
)");
  // 0.5 × (3,000 − 1,000) = 1,000 → within [500, 50,000] → up to 1,000
  const auto value = meb::apply_transfer_rule(m.transfer, 3000.0);
  CHECK(value.unrounded == 1000.0);
  CHECK(value.value == 1000.0);
  // 0.5 × (3,500 − 1,000) = 1,250 → up to 2,000; difference +750
  const auto other = meb::apply_transfer_rule(m.transfer, 3500.0);
  CHECK(other.unrounded == 1250.0);
  CHECK(other.value == 2000.0);
  CHECK(other.rounding_difference == 750.0);
  CHECK_THAT(m.transfer.describe(), Catch::Contains("up"));
}

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "meb/decomposition.hpp"
#include "test_helpers.hpp"

// Known answers for meb/decomposition.hpp: hand-worked Bennet/Shapley splits (arithmetic in the comments),
// snapshots of real computes, and invariants over generated baskets (the parts add up to the change, and
// swapping the months negates every part).

using meb::AreaLevel;
using meb::BasketSnapshot;
using meb::ChangeDecomposition;
using meb::LineSnapshot;
using meb::TransferRule;
using namespace meb::testing;

namespace {

LineSnapshot line(const std::string& component, const std::string& item, double quantity, double price,
                  bool filled = false) {
  LineSnapshot out;
  out.component = component;
  out.item = item;
  out.quantity = quantity;
  out.price = price;
  out.filled = filled;
  return out;
}

/// A snapshot as `snapshot` would build it: basis cost Σ q × p, the rule applied to it.
BasketSnapshot basket(std::vector<LineSnapshot> lines, const TransferRule& rule) {
  BasketSnapshot out;
  out.lines = std::move(lines);
  out.rule = rule;
  for (const auto& l : out.lines) out.basis_cost += l.quantity * l.price;
  const meb::TransferValue value = meb::apply_transfer_rule(rule, out.basis_cost);
  out.unrounded = value.unrounded;
  out.value = value.value;
  return out;
}

TransferRule rule_with(double coverage, std::optional<double> cap = std::nullopt,
                       std::optional<meb::Rounding> rounding = std::nullopt) {
  TransferRule rule;
  rule.coverage = coverage;
  rule.cap = cap;
  rule.rounding = rounding;
  return rule;
}

/// The parts add up to the change within the header's bound.
void check_adds_up(const ChangeDecomposition& d) {
  INFO("change " << d.change << " sum of parts " << d.sum_of_parts());
  CHECK(std::fabs(d.sum_of_parts() - d.change) <= 1e-9 * (std::fabs(d.before) + std::fabs(d.after)));
}

const std::string kFood = "food";

}  // namespace

TEST_CASE("decomposition hand-worked price change with a filled line and rounding", "[decomposition]") {
  // Coverage 1, rounded to the nearest 500.
  // Before: maize 10 kg × 300 = 3000, oil 1 l × 1000 = 1000: C₀ = 4000 = U₀, T₀ = 500 × round(8) = 4000.
  // After:  maize 10 kg × 330 = 3300 (observed), oil 1 l × 1100 = 1100 (filled): C₁ = 4400 = U₁,
  //         T₁ = 500 × round(8.8) = 4500. Change 500.
  // Bennet: maize q̄·Δp = 10 × 30 = 300, p̄·Δq = 0; oil q̄·Δp = 1 × 100 = 100, p̄·Δq = 0.
  // Cost effect = ½[(4400 − 4000) + (4400 − 4000)] = 400 over ΔC = 400: pass-through 1.
  // price observed 300, price filled 100, quantity 0, rule (4400 − 4000) − 400 = 0,
  // rounding (4500 − 4400) − (4000 − 4000) = 100. 300 + 100 + 0 + 0 + 100 = 500.
  const TransferRule rule = rule_with(1.0, std::nullopt, meb::Rounding{500.0, meb::RoundingMode::nearest});
  const BasketSnapshot before = basket({line(kFood, "Maize", 10, 300), line(kFood, "Oil", 1, 1000)}, rule);
  const BasketSnapshot after = basket({line(kFood, "Maize", 10, 330), line(kFood, "Oil", 1, 1100, true)}, rule);
  REQUIRE(before.value == 4000.0);
  REQUIRE(after.value == 4500.0);
  const ChangeDecomposition d = meb::decompose_change(before, after);
  CHECK(d.before == 4000.0);
  CHECK(d.after == 4500.0);
  CHECK(d.change == 500.0);
  CHECK(d.price_observed == Approx(300.0));
  CHECK(d.price_filled == Approx(100.0));
  CHECK(d.quantity == 0.0);
  CHECK(d.rule == Approx(0.0).margin(1e-9));
  CHECK(d.rounding == Approx(100.0));
  check_adds_up(d);
  REQUIRE(d.lines.size() == 2);
  CHECK(d.lines[0].item == "Maize");
  CHECK_FALSE(d.lines[0].filled);
  CHECK(d.lines[0].price_effect == Approx(300.0));
  CHECK(d.lines[1].item == "Oil");
  CHECK(d.lines[1].filled);
  CHECK(d.lines[1].price_effect == Approx(100.0));
  REQUIRE(d.components.size() == 1);
  CHECK(d.components[0].first == "food");
  CHECK(d.components[0].second == Approx(400.0));
  const auto top = d.largest(1);
  REQUIRE(top.size() == 1);
  CHECK(top[0].item == "Maize");
  CHECK(d.largest(5).size() == 2);
}

TEST_CASE("decomposition household 6 to 7 is a quantity effect only", "[decomposition]") {
  // Maize 2 kg and oil 0.1 l per person per month at 300 and 1000, the same prices in both versions.
  // Household 6: 12 × 300 + 0.6 × 1000 = 3600 + 600 = 4200. Household 7: 14 × 300 + 0.7 × 1000 = 4200 + 700 =
  // 4900. Coverage 1, no rounding: change 700 = quantity effect (maize 300 × 2 = 600, oil 1000 × 0.1 = 100).
  auto yaml = [](int size) {
    return "id: household\nname: Household\ncurrency: XOF\nhousehold: {size: " + std::to_string(size) +
           "}\nprices:\n  levels: [market, admin1]\nbasket:\n"
           "  - component: food\n    tier: smeb\n    items:\n"
           "      - {item: Maize, quantity: 2, unit: KG, per: person/month}\n"
           "      - {item: Oil, quantity: 0.1, unit: L, per: person/month}\n";
  };
  const std::string rows = "2020-01-15,M1,A,,Maize,KG,Retail,XOF,300\n2020-01-15,M1,A,,Oil,L,Retail,XOF,1000\n";
  const meb::Methodology six = methodology_from(yaml(6));
  const meb::Methodology seven = methodology_from(yaml(7));
  const auto result6 = compute_from(yaml(6), rows);
  const auto result7 = compute_from(yaml(7), rows);
  const BasketSnapshot before = meb::snapshot(result6, six, row_of(result6, AreaLevel::admin1, "A", "2020-01"));
  const BasketSnapshot after = meb::snapshot(result7, seven, row_of(result7, AreaLevel::admin1, "A", "2020-01"));
  CHECK(before.value == Approx(4200.0));
  CHECK(after.value == Approx(4900.0));
  const ChangeDecomposition d = meb::decompose_change(before, after);
  CHECK(d.change == Approx(700.0));
  CHECK(d.price_observed == 0.0);
  CHECK(d.price_filled == 0.0);
  CHECK(d.quantity == Approx(700.0));
  CHECK(d.quantity == Approx(d.change));
  REQUIRE(d.lines.size() == 2);
  CHECK(d.lines[0].quantity_effect == Approx(600.0));
  CHECK(d.lines[1].quantity_effect == Approx(100.0));
  CHECK(d.rule == Approx(0.0).margin(1e-9));
  CHECK(d.rounding == 0.0);
  check_adds_up(d);
}

TEST_CASE("decomposition coverage 1 to 0.8 with a cap is a rule effect", "[decomposition]") {
  const auto lines0 = std::vector<LineSnapshot>{line(kFood, "Maize", 10, 300), line(kFood, "Oil", 1, 1000)};
  SECTION("same prices: the whole change is the rule's") {
    // C = 4000 in both months. Before: min(1 × 4000, cap 3500) = 3500. After: min(0.8 × 4000, 3500) = 3200.
    // Change −300: cost effect ½[(3500 − 3500) + (3200 − 3200)] = 0, rule −300.
    const ChangeDecomposition d =
        meb::decompose_change(basket(lines0, rule_with(1.0, 3500.0)), basket(lines0, rule_with(0.8, 3500.0)));
    CHECK(d.change == Approx(-300.0));
    CHECK(d.rule == Approx(-300.0));
    CHECK(d.price_observed == 0.0);
    CHECK(d.price_filled == 0.0);
    CHECK(d.quantity == 0.0);
    CHECK(d.rounding == 0.0);
    check_adds_up(d);
  }
  SECTION("prices up and the old rule hits its cap") {
    // C₀ = 4000, C₁ = 10 × 330 + 1 × 1100 = 4400. g₀ = min(1 × C, 4200), g₁ = min(0.8 × C, 4200).
    // g₀(C₀) = 4000, g₀(C₁) = 4200 (cap), g₁(C₀) = 3200, g₁(C₁) = 3520. Change 3520 − 4000 = −480.
    // Cost effect ½[(4200 − 4000) + (3520 − 3200)] = ½[200 + 320] = 260: pass-through 260 / 400 = 0.65,
    // maize 0.65 × 10 × 30 = 195, oil 0.65 × 1 × 100 = 65 (filled).
    // Rule effect ½[(3200 − 4000) + (3520 − 4200)] = ½[−800 − 680] = −740. 195 + 65 − 740 = −480.
    const auto lines1 = std::vector<LineSnapshot>{line(kFood, "Maize", 10, 330), line(kFood, "Oil", 1, 1100, true)};
    const ChangeDecomposition d =
        meb::decompose_change(basket(lines0, rule_with(1.0, 4200.0)), basket(lines1, rule_with(0.8, 4200.0)));
    CHECK(d.change == Approx(-480.0));
    CHECK(d.price_observed == Approx(195.0));
    CHECK(d.price_filled == Approx(65.0));
    CHECK(d.quantity == 0.0);
    CHECK(d.rule == Approx(-740.0));
    CHECK(d.rounding == 0.0);
    check_adds_up(d);
  }
}

TEST_CASE("decomposition a month with no price change has a zero price effect", "[decomposition]") {
  SECTION("quantities and the rule change, prices do not") {
    // Same prices, maize 10 → 12 kg, coverage 1 → 0.9, deduction 500, rounding up to 100 after.
    TransferRule after_rule = rule_with(0.9, std::nullopt, meb::Rounding{100.0, meb::RoundingMode::up});
    after_rule.deduct = 500.0;
    const ChangeDecomposition d = meb::decompose_change(
        basket({line(kFood, "Maize", 10, 300), line(kFood, "Oil", 1, 1000, true)}, rule_with(1.0)),
        basket({line(kFood, "Maize", 12, 300), line(kFood, "Oil", 1, 1000, true)}, after_rule));
    CHECK(d.price_observed == 0.0);
    CHECK(d.price_filled == 0.0);
    for (const auto& l : d.lines) CHECK(l.price_effect == 0.0);
    check_adds_up(d);
  }
  SECTION("prices move but cancel: the lines show it, the cost effect is 0") {
    // Maize 10 kg 300 → 310 (+100), oil 1 l 1000 → 900 (−100): C = 4000 in both months, change 0.
    // Coverage 0.5, no floor or cap: the rule is linear at C̄ = 4000, so the lines pass through at slope 0.5:
    // maize +50, oil −50, and the cost effect 50 − 50 = 0; rule 0, rounding 0.
    const TransferRule rule = rule_with(0.5);
    const ChangeDecomposition d =
        meb::decompose_change(basket({line(kFood, "Maize", 10, 300), line(kFood, "Oil", 1, 1000)}, rule),
                              basket({line(kFood, "Maize", 10, 310), line(kFood, "Oil", 1, 900)}, rule));
    CHECK(d.change == 0.0);
    REQUIRE(d.lines.size() == 2);
    CHECK(d.lines[0].price_effect == Approx(50.0));
    CHECK(d.lines[1].price_effect == Approx(-50.0));
    CHECK(d.price_observed == Approx(0.0).margin(1e-9));
    CHECK(d.rule == Approx(0.0).margin(1e-9));
    CHECK(d.sum_of_parts() == 0.0);
    // Held at a cap of 1000 (0.5 × 4000 = 2000 > 1000) the rule passes nothing through: every part is 0.
    const TransferRule capped = rule_with(0.5, 1000.0);
    const ChangeDecomposition held =
        meb::decompose_change(basket({line(kFood, "Maize", 10, 300), line(kFood, "Oil", 1, 1000)}, capped),
                              basket({line(kFood, "Maize", 10, 310), line(kFood, "Oil", 1, 900)}, capped));
    CHECK(held.lines[0].price_effect == 0.0);
    CHECK(held.lines[1].price_effect == 0.0);
    CHECK(held.rule == 0.0);
  }
}

TEST_CASE("decomposition lines added and removed are quantity effects at their own price", "[decomposition]") {
  // Before: maize 10 × 300, soap 1 × 400 (hygiene): C₀ = 3400. After: maize 10 × 300, sugar 2 × 500 (new):
  // C₁ = 4000. Coverage 1, no rounding, change 600.
  // Sugar: q₀ = 0, p₀ taken = p₁ = 500: p̄·Δq = 500 × 2 = 1000, q̄·Δp = 0.
  // Soap: q₁ = 0, p₁ taken = p₀ = 400: p̄·Δq = 400 × (0 − 1) = −400. 1000 − 400 = 600.
  const TransferRule rule = rule_with(1.0);
  const ChangeDecomposition d = meb::decompose_change(
      basket({line(kFood, "Maize", 10, 300), line("hygiene", "Soap", 1, 400)}, rule),
      basket({line(kFood, "Maize", 10, 300), line(kFood, "Sugar", 2, 500, true)}, rule));
  CHECK(d.change == 600.0);
  CHECK(d.price_observed == 0.0);
  CHECK(d.price_filled == 0.0);
  CHECK(d.quantity == Approx(600.0));
  REQUIRE(d.lines.size() == 3);  // after's lines, then the line only in before
  CHECK(d.lines[0].item == "Maize");
  CHECK(d.lines[1].item == "Sugar");
  CHECK(d.lines[1].quantity_effect == Approx(1000.0));
  CHECK(d.lines[1].filled);
  CHECK(d.lines[2].item == "Soap");
  CHECK(d.lines[2].quantity_effect == Approx(-400.0));
  // Components in order of first appearance: food (0 + 1000), hygiene (−400).
  REQUIRE(d.components.size() == 2);
  CHECK(d.components[0].first == "food");
  CHECK(d.components[0].second == Approx(1000.0));
  CHECK(d.components[1].first == "hygiene");
  CHECK(d.components[1].second == Approx(-400.0));
  // Largest by |total|: sugar 1000, soap −400; maize 0 last.
  const auto top = d.largest(2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].item == "Sugar");
  CHECK(top[1].item == "Soap");
  check_adds_up(d);
}

TEST_CASE("decomposition on generated baskets adds up and is antisymmetric", "[decomposition]") {
  std::mt19937 random(20240605u);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  auto chance = [&](double p) { return unit(random) < p; };
  auto between = [&](double lo, double hi) { return lo + (hi - lo) * unit(random); };
  const std::vector<std::string> components = {"food", "hygiene", "energy"};
  auto random_rule = [&]() {
    TransferRule rule;
    rule.coverage = chance(0.2) ? 1.0 : between(0.0, 1.0);
    if (chance(0.4)) rule.deduct = between(0.0, 30000.0);
    if (chance(0.4)) rule.floor = between(0.0, 20000.0);
    if (chance(0.4)) rule.cap = rule.floor + between(0.0, 60000.0);
    if (chance(0.6)) {
      const double steps[] = {1.0, 100.0, 500.0, 1000.0, 2500.0};
      const meb::RoundingMode modes[] = {meb::RoundingMode::nearest, meb::RoundingMode::up, meb::RoundingMode::down};
      rule.rounding = meb::Rounding{steps[random() % 5], modes[random() % 3]};
    }
    return rule;
  };
  int cases_with_price_change = 0;
  for (int c = 0; c < 1500; ++c) {
    // A basket of 1 to 10 lines; each line may be dropped after, a few lines are new after.
    const int n = 1 + static_cast<int>(random() % 10);
    std::vector<LineSnapshot> before_lines, after_lines;
    for (int i = 0; i < n; ++i) {
      const std::string component = components[random() % components.size()];
      const std::string item = "item" + std::to_string(i);
      const double q0 = chance(0.1) ? 0.0 : between(0.1, 30.0);
      const double p0 = between(50.0, 5000.0);
      const bool present_before = chance(0.9);
      const bool present_after = !present_before || chance(0.9);
      const double q1 = chance(0.5) ? q0 : between(0.0, 30.0);
      const double p1 = chance(0.3) ? p0 : p0 * between(0.7, 1.4);
      if (present_before) before_lines.push_back(line(component, item, q0, p0, chance(0.3)));
      if (present_after) after_lines.push_back(line(component, item, q1, p1, chance(0.3)));
    }
    // Shuffle after's order: matching is on (component, item), not position.
    std::shuffle(after_lines.begin(), after_lines.end(), random);
    const TransferRule rule0 = random_rule();
    const TransferRule rule1 = chance(0.5) ? rule0 : random_rule();
    const BasketSnapshot before = basket(before_lines, rule0);
    const BasketSnapshot after = basket(after_lines, rule1);
    INFO("case " << c << ": T0 " << before.value << " T1 " << after.value << ", " << rule0.describe() << " -> "
                 << rule1.describe());

    const ChangeDecomposition forward = meb::decompose_change(before, after);
    const ChangeDecomposition backward = meb::decompose_change(after, before);
    check_adds_up(forward);
    check_adds_up(backward);
    // Shapley is symmetric: swapping the months negates every part.
    const double scale = 1e-9 * (std::fabs(before.value) + std::fabs(after.value) + 1.0);
    CHECK(forward.price_observed == Approx(-backward.price_observed).margin(scale));
    CHECK(forward.price_filled == Approx(-backward.price_filled).margin(scale));
    CHECK(forward.quantity == Approx(-backward.quantity).margin(scale));
    CHECK(forward.rule == Approx(-backward.rule).margin(scale));
    CHECK(forward.rounding == Approx(-backward.rounding).margin(scale));
    CHECK(forward.lines.size() == backward.lines.size());

    // The rule effect by its own formula ½[(g₁(C₀) − g₀(C₀)) + (g₁(C₁) − g₀(C₁))], and the lines' sum by
    // the cost effect ½[(g₀(C₁) − g₀(C₀)) + (g₁(C₁) − g₁(C₀))], independently of the engine's remainders.
    auto g = [](const TransferRule& rule, double cost) { return meb::apply_transfer_rule(rule, cost).unrounded; };
    const double c0 = before.basis_cost, c1 = after.basis_cost;
    const double rule_formula = 0.5 * ((g(rule1, c0) - g(rule0, c0)) + (g(rule1, c1) - g(rule0, c1)));
    const double cost_formula = 0.5 * ((g(rule0, c1) - g(rule0, c0)) + (g(rule1, c1) - g(rule1, c0)));
    const double cost_scale = 1e-9 * (std::fabs(c0) + std::fabs(c1) + 1.0);
    CHECK(forward.rule == Approx(rule_formula).margin(cost_scale));
    CHECK(forward.price_observed + forward.price_filled + forward.quantity == Approx(cost_formula).margin(cost_scale));
    CHECK(forward.rounding ==
          Approx((after.value - after.unrounded) - (before.value - before.unrounded)).margin(scale));

    // Without a price change the price effect is exactly 0.
    bool prices_moved = false;
    for (const auto& a : after_lines)
      for (const auto& b : before_lines)
        if (a.item == b.item && a.price != b.price) prices_moved = true;
    if (!prices_moved) {
      CHECK(forward.price_observed == 0.0);
      CHECK(forward.price_filled == 0.0);
    } else {
      ++cases_with_price_change;
    }
  }
  CHECK(cases_with_price_change > 1000);  // the generator mostly moves prices
}

TEST_CASE("decomposition snapshot of a real compute with a carried-forward price", "[decomposition]") {
  // Food (smeb, mark-up 10%): maize 10 kg, oil 1 l; hygiene (meb) stated 500 a month; total mark-up 20%.
  // Quantities × 1.1 × 1.2 = × 1.32 for food: maize 13.2, oil 1.32; hygiene 1 × 1.2 = 1.2.
  // A, January: maize 300, oil 1000 observed: C₀ = 13.2 × 300 + 1.32 × 1000 + 1.2 × 500 = 3960 + 1320 + 600 =
  //   5880, T₀ = 500 × round(11.76) = 6000.
  // A, February: maize 330 observed, oil carried forward from January (1000, filled): C₁ = 4356 + 1320 + 600 =
  //   6276, T₁ = 500 × round(12.552) = 6500. Change 500 = maize 13.2 × 30 = 396 (observed) + oil 0 (filled)
  //   + rounding (6500 − 6276) − (6000 − 5880) = 224 − 120 = 104.
  // B, January (on_missing: zero): maize 200, oil never priced → 0 and filled: 2640 + 0 + 600 = 3240.
  const std::string yaml_head =
      "id: decomposition-test\nname: Decomposition test\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices:\n  levels: [market, admin1]\n  fill: [{carry_forward: 1}]\n  on_missing: zero\n"
      "markup_percent: 20\nbasket:\n"
      "  - component: food\n    tier: smeb\n    markup_percent: 10\n    items:\n"
      "      - {item: Maize, quantity: 10, unit: KG, per: household/month}\n"
      "      - {item: Oil, quantity: 1, unit: L, per: household/month}\n"
      "  - component: hygiene\n    tier: meb\n    cost: 500\n    per: household/month\n";
  const std::string rows = "2020-01-15,M1,A,,Maize,KG,Retail,XOF,300\n"
                           "2020-01-15,M1,A,,Oil,L,Retail,XOF,1000\n"
                           "2020-02-15,M1,A,,Maize,KG,Retail,XOF,330\n"
                           "2020-01-15,M2,B,,Maize,KG,Retail,XOF,200\n";
  SECTION("basis meb: every line") {
    const std::string yaml = yaml_head + "transfer: {basis: meb, round: {step: 500}}\n";
    const meb::Methodology methodology = methodology_from(yaml);
    const auto result = compute_from(yaml, rows);
    const std::size_t jan = row_of(result, AreaLevel::admin1, "A", "2020-01");
    const std::size_t feb = row_of(result, AreaLevel::admin1, "A", "2020-02");
    const BasketSnapshot before = meb::snapshot(result, methodology, jan);
    const BasketSnapshot after = meb::snapshot(result, methodology, feb);
    REQUIRE(before.lines.size() == 3);
    CHECK(before.lines[0].component == "food");
    CHECK(before.lines[0].item == "Maize");
    CHECK(before.lines[0].quantity == Approx(13.2));
    CHECK(before.lines[0].price == Approx(300.0));
    CHECK_FALSE(before.lines[0].filled);
    CHECK(before.lines[1].item == "Oil");
    CHECK(before.lines[1].quantity == Approx(1.32));
    CHECK_FALSE(before.lines[1].filled);
    CHECK(before.lines[2].component == "hygiene");
    CHECK(before.lines[2].item == "");  // a stated component cost: the line is the component
    CHECK(before.lines[2].tier == meb::Tier::meb);
    CHECK(before.lines[2].quantity == Approx(1.2));
    CHECK(before.lines[2].price == Approx(500.0));
    CHECK_FALSE(before.lines[2].filled);
    CHECK(before.basis_cost == Approx(5880.0));
    CHECK(before.unrounded == Approx(5880.0));
    CHECK(before.value == 6000.0);
    CHECK(before.rule.rounding->step == 500.0);
    REQUIRE(after.lines.size() == 3);
    CHECK(after.lines[0].price == Approx(330.0));
    CHECK_FALSE(after.lines[0].filled);
    CHECK(after.lines[1].price == Approx(1000.0));
    CHECK(after.lines[1].filled);  // carried forward from January
    CHECK(after.basis_cost == Approx(6276.0));
    CHECK(after.value == 6500.0);

    const ChangeDecomposition d = meb::decompose_change(before, after);
    CHECK(d.change == 500.0);
    CHECK(d.change == result.transfer[feb].value - result.transfer[jan].value);
    CHECK(d.sum_of_parts() == Approx(result.transfer[feb].value - result.transfer[jan].value).epsilon(1e-12));
    CHECK(d.price_observed == Approx(396.0));
    CHECK(d.price_filled == 0.0);
    CHECK(d.quantity == 0.0);
    CHECK(d.rule == Approx(0.0).margin(1e-9));
    CHECK(d.rounding == Approx(104.0));
    REQUIRE(d.lines.size() == 3);
    CHECK(d.lines[1].filled);

    const BasketSnapshot b = meb::snapshot(result, methodology, row_of(result, AreaLevel::admin1, "B", "2020-01"));
    REQUIRE(b.lines.size() == 3);
    CHECK(b.lines[1].item == "Oil");
    CHECK(b.lines[1].price == 0.0);
    CHECK(b.lines[1].filled);
    CHECK(b.basis_cost == Approx(3240.0));
  }
  SECTION("basis smeb: the smeb lines only") {
    // SMEB, January: (10 × 300 + 1 × 1000) × 1.1 × 1.2 = 5280.
    const std::string yaml = yaml_head + "transfer: {basis: smeb}\n";
    const meb::Methodology methodology = methodology_from(yaml);
    const auto result = compute_from(yaml, rows);
    const BasketSnapshot s = meb::snapshot(result, methodology, row_of(result, AreaLevel::admin1, "A", "2020-01"));
    REQUIRE(s.lines.size() == 2);
    CHECK(s.lines[0].item == "Maize");
    CHECK(s.lines[1].item == "Oil");
    CHECK(s.basis_cost == Approx(5280.0));
    CHECK(s.value == Approx(5280.0));
    CHECK(s.rule.basis == meb::Tier::smeb);
  }
}

TEST_CASE("decomposition snapshot counts a substituted price as filled", "[decomposition]") {
  // Millet has no price in A and is priced from Sorghum (observed, 250): the item was not observed.
  const std::string yaml =
      "id: substitute\nname: Substitute\ncurrency: XOF\nhousehold: {size: 1}\nprices:\n  levels: [market, admin1]\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 4, unit: KG, per: household/month, substitutes: [Sorghum]}\n";
  const meb::Methodology methodology = methodology_from(yaml);
  const auto result = compute_from(yaml, "2020-01-15,M1,A,,Sorghum,KG,Retail,XOF,250\n");
  const std::size_t row = row_of(result, AreaLevel::admin1, "A", "2020-01");
  REQUIRE(result.line_price(row, 0).status == meb::PriceStatus::observed);
  const BasketSnapshot s = meb::snapshot(result, methodology, row);
  REQUIRE(s.lines.size() == 1);
  CHECK(s.lines[0].price == Approx(250.0));
  CHECK(s.lines[0].filled);
  CHECK(s.basis_cost == Approx(1000.0));  // 4 × 250
}

TEST_CASE("decomposition errors name what is missing", "[decomposition]") {
  const TransferRule rule = rule_with(1.0);
  const BasketSnapshot good = basket({line(kFood, "Maize", 10, 300)}, rule);
  BasketSnapshot missing_value = good;
  missing_value.value = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(meb::decompose_change(good, missing_value),
                      Catch::Contains("after") && Catch::Contains("transfer value is NaN"));
  REQUIRE_THROWS_WITH(meb::decompose_change(missing_value, good),
                      Catch::Contains("before") && Catch::Contains("transfer value is NaN"));
  BasketSnapshot missing_price = good;
  missing_price.lines[0].price = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_WITH(meb::decompose_change(missing_price, good),
                      Catch::Contains("'Maize'") && Catch::Contains("'food'") && Catch::Contains("quantity 10") &&
                          Catch::Contains("before"));
  // A NaN price on a line of zero quantity does not enter the cost: no error.
  BasketSnapshot zero_quantity = good;
  zero_quantity.lines.push_back(line(kFood, "Oil", 0.0, std::numeric_limits<double>::quiet_NaN()));
  const ChangeDecomposition d = meb::decompose_change(zero_quantity, good);
  CHECK(d.change == 0.0);
  CHECK(d.sum_of_parts() == 0.0);
  // A row past the end of the result.
  const std::string yaml = "id: e\nname: E\ncurrency: XOF\nhousehold: {size: 1}\nprices:\n  levels: [market, admin1]\n"
                           "basket:\n  - component: food\n    tier: smeb\n    items:\n"
                           "      - {item: Maize, quantity: 1, unit: KG, per: household/month}\n";
  const auto result = compute_from(yaml, "2020-01-15,M1,A,,Maize,KG,Retail,XOF,300\n");
  REQUIRE_THROWS_WITH(meb::snapshot(result, methodology_from(yaml), 7),
                      Catch::Contains("row 7") && Catch::Contains("1 rows"));
}

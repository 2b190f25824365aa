#include "meb/sensitivity.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "meb/csv.hpp"
#include "meb/outputs.hpp"

namespace meb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

bool market_priced(const CostLine& line) {
  return line.kind == CostLine::Kind::priced || line.kind == CostLine::Kind::composite;
}

/// The line's term of basket_totals (before the total mark-up): quantity × component mark-up × price, 0 for
/// a line of zero quantity, 0 for a missing price under on_missing: zero, NaN for a missing price otherwise.
double line_term(const ComputeResult& result, std::size_t row, std::size_t line, bool missing_as_zero) {
  const double weight = result.lines[line].monthly_quantity * result.lines[line].markup_factor;
  if (weight == 0.0) return 0.0;
  const double price = result.line_price(row, line).price;
  if (std::isnan(price)) return missing_as_zero ? 0.0 : kNaN;
  return weight * price;
}

double basis_of(const Methodology& methodology, const ComputeResult& result, std::size_t row) {
  const Eigen::VectorXd& basis = methodology.transfer.basis == Tier::smeb ? result.smeb : result.meb;
  return basis[static_cast<Eigen::Index>(row)];
}

/// The transfer value of a basis under a rule; NaN fields for a missing basis, as evaluate_plan does.
TransferValue transfer_of(const TransferRule& rule, double basis) {
  return std::isnan(basis) ? TransferValue{kNaN, kNaN, kNaN} : apply_transfer_rule(rule, basis);
}

std::string describe_persons(const Household& household) {
  if (household.model == HouseholdModel::per_capita) return "per capita";
  if (household.model == HouseholdModel::equivalence)
    return "adults " + format_number(household.adults) + ", children " + format_number(household.children);
  return "size " + format_number(household.size);
}

/// A CSV field and its separator.
void field(std::string& out, std::string_view text, bool last = false) {
  append_csv_field(out, text);
  out.push_back(last ? '\n' : ',');
}

/// area_level, area, month: the first three columns of every sensitivity CSV.
void row_fields(std::string& out, const ComputeResult& result, std::size_t row) {
  const Area& area = result.areas.areas[static_cast<std::size_t>(result.rows[row].area)];
  field(out, to_string(area.level));
  field(out, area.name);
  field(out, result.panel.month_at(result.rows[row].month).to_string());
}

}  // namespace

std::vector<double> price_effects(const Methodology& methodology, const ComputeResult& result, std::size_t row,
                                  Tier tier) {
  const std::size_t n = result.lines.size();
  const bool as_zero = methodology.prices.on_missing == OnMissing::zero;
  const double total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
  auto in_tier = [&](const CostLine& line) { return tier == Tier::meb || line.tier == Tier::smeb; };

  // Food share (primer section 2): the non-food line is food × (1/share − 1), with food the sum of the food
  // component's line costs, so a food line's price also moves it, by its cost × (1/share − 1) = cost × fs/food.
  double food_factor = 0.0;
  for (std::size_t l = 0; l < n; ++l) {
    const CostLine& line = result.lines[l];
    if (line.kind != CostLine::Kind::food_share || !in_tier(line)) continue;
    double food = 0.0;
    for (std::size_t k = 0; k < n; ++k)
      if (detail::to_lower(result.lines[k].component) == "food") food += result.line_cost(row, k);
    const double non_food = result.line_price(row, l).price;
    if (std::isnan(non_food)) food_factor = as_zero ? 0.0 : kNaN;  // counted as 0: no food price moves it
    else food_factor = food != 0.0 ? non_food / food : 0.0;
  }

  // A pooled survey value reaches an area below national as value × C(area)/C(national), with C the cost of
  // the market-priced lines at their quantities (compute.cpp): the area's own price p_i moves the survey line
  // by its cost × q_i p_i / C(area); the national price is another area's and is held fixed.
  double survey_cost = 0.0;
  double market_cost = 0.0;
  const Area& area = result.areas.areas[static_cast<std::size_t>(result.rows[row].area)];
  if (needs_survey(methodology) && methodology.reference_group.pooled && area.level != AreaLevel::national) {
    for (std::size_t l = 0; l < n; ++l) {
      const CostLine& line = result.lines[l];
      if (line.kind == CostLine::Kind::survey && in_tier(line)) survey_cost += line_term(result, row, l, as_zero);
      if (market_priced(line)) market_cost += line.monthly_quantity * result.line_price(row, l).price;
    }
  }

  std::vector<double> effects(n, 0.0);
  for (std::size_t l = 0; l < n; ++l) {
    const CostLine& line = result.lines[l];
    const double term = line_term(result, row, l, as_zero);
    double effect = in_tier(line) ? term : 0.0;
    if (food_factor != 0.0 && detail::to_lower(line.component) == "food" && term != 0.0) effect += term * food_factor;
    if (survey_cost != 0.0 && market_priced(line) && term != 0.0)
      effect += survey_cost * line.monthly_quantity * result.line_price(row, l).price / market_cost;
    effects[l] = effect * total_markup;
  }
  // A missing total has no effects (NaN propagates through the total, not always through a line's term).
  const double total = (tier == Tier::smeb ? result.smeb : result.meb)[static_cast<Eigen::Index>(row)];
  if (std::isnan(total)) std::fill(effects.begin(), effects.end(), kNaN);
  return effects;
}

double transfer_elasticity(const TransferRule& rule, double basis, double basis_effect) {
  if (std::isnan(basis) || std::isnan(basis_effect)) return kNaN;
  const double gap = rule.coverage * (basis - rule.deduct);
  // The clamp binds: a small price change leaves the transfer value where it is. At the cap itself a rise
  // stays capped (0); at the floor itself a rise leaves the floor (the interior formula below).
  if (gap < rule.floor) return 0.0;
  if (rule.cap && gap >= *rule.cap) return 0.0;
  const double value = apply_transfer_rule(rule, basis).unrounded;
  if (value == 0.0) return kNaN;
  return rule.coverage * basis_effect / value;
}

std::vector<LineSensitivity> price_elasticities(const Methodology& methodology, const ComputeResult& result) {
  const std::size_t n = result.lines.size();
  const bool as_zero = methodology.prices.on_missing == OnMissing::zero;
  const double total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
  std::vector<LineSensitivity> out(result.rows.size() * n);
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const double meb = result.meb[static_cast<Eigen::Index>(r)];
    const bool has_meb = !std::isnan(meb) && meb != 0.0;
    const std::vector<double> meb_effects = price_effects(methodology, result, r, Tier::meb);
    const std::vector<double> basis_effects =
        methodology.transfer.basis == Tier::meb ? meb_effects : price_effects(methodology, result, r, Tier::smeb);
    const double basis = basis_of(methodology, result, r);
    for (std::size_t l = 0; l < n; ++l) {
      LineSensitivity& line = out[r * n + l];
      line.cost = line_term(result, r, l, as_zero) * total_markup;
      line.cost_share = has_meb ? line.cost / meb : kNaN;
      if (market_priced(result.lines[l])) {
        line.elasticity_meb = has_meb ? meb_effects[l] / meb : kNaN;
        line.elasticity_transfer = transfer_elasticity(methodology.transfer, basis, basis_effects[l]);
      } else {
        line.elasticity_meb = kNaN;
        line.elasticity_transfer = kNaN;
      }
    }
  }
  return out;
}

std::optional<Household> household_changed(const Household& household, int delta) {
  Household changed = household;
  switch (household.model) {
    case HouseholdModel::fixed:
    case HouseholdModel::bands:
    case HouseholdModel::capped:
      changed.size = household.size + delta;
      if (changed.size < 1.0) return std::nullopt;
      return changed;
    case HouseholdModel::per_capita:
      // One person's value: one person more is a household of two.
      if (delta < 0) return std::nullopt;
      changed = Household{};
      changed.size = 1.0 + delta;
      return changed;
    case HouseholdModel::equivalence:
      // A household usually grows by a child; it shrinks by a child while there is one, else by an adult.
      if (delta >= 0 || household.children + delta >= 0.0) {
        changed.children = household.children + delta;
      } else {
        changed.adults = household.adults + delta;
        if (changed.adults < 1.0) return std::nullopt;
      }
      return changed;
  }
  return std::nullopt;
}

std::string describe_household_change(const Household& from, const Household& to) {
  return describe_persons(from) + " -> " + describe_persons(to) + " (persons " + format_number(from.persons()) +
         " -> " + format_number(to.persons()) + ")";
}

Sensitivity compute_sensitivity(const ComputePlan& plan, const Methodology& methodology,
                                const std::vector<double>& market_values, const ComputeResult& result,
                                const Survey* survey) {
  Sensitivity out;
  const std::size_t n_rows = result.rows.size();
  const std::size_t n_lines = result.lines.size();
  out.n_lines = n_lines;
  out.lines = price_elasticities(methodology, result);
  const TransferRule& rule = methodology.transfer;

  // Household ±1: the quantities change, so the basket is evaluated again on a copy of the methodology.
  auto household_values = [&](int delta, std::string& setting) {
    std::vector<TransferValue> values(n_rows, TransferValue{kNaN, kNaN, kNaN});
    const std::optional<Household> household = household_changed(methodology.household, delta);
    if (!household) {
      setting = "not possible";
      return values;
    }
    setting = describe_household_change(methodology.household, *household);
    Methodology changed = methodology;
    changed.household = *household;
    const ComputeResult evaluated = evaluate_plan(plan, changed, market_values, survey);
    for (std::size_t r = 0; r < n_rows; ++r) values[r] = evaluated.transfer[r];
    return values;
  };
  std::string plus_setting, minus_setting;
  const std::vector<TransferValue> plus_person = household_values(+1, plus_setting);
  const std::vector<TransferValue> minus_person = household_values(-1, minus_setting);
  const bool minus_possible = household_changed(methodology.household, -1).has_value();

  TransferRule more_coverage = rule;
  more_coverage.coverage = rule.coverage >= 1.0 ? rule.coverage : std::min(rule.coverage + kCoverageChange, 1.0);
  TransferRule less_coverage = rule;
  less_coverage.coverage = std::max(rule.coverage - kCoverageChange, 0.0);
  TransferRule less_deduct = rule;
  less_deduct.deduct = rule.deduct * (1.0 - kTornadoPriceChange);
  TransferRule more_deduct = rule;
  more_deduct.deduct = rule.deduct * (1.0 + kTornadoPriceChange);

  // --- parameters.csv: one change at a time, each against the methodology's own transfer value.
  out.parameters.push_back({"household +1 person", plus_setting});
  out.parameters.push_back({"coverage +10 pp", format_number(rule.coverage) + " -> " + format_number(more_coverage.coverage)});
  std::vector<TransferRule> roundings;
  if (rule.rounding) {
    for (const RoundingMode mode : {RoundingMode::nearest, RoundingMode::up, RoundingMode::down}) {
      TransferRule rounded = rule;
      rounded.rounding = Rounding{rule.rounding->step, mode};
      roundings.push_back(rounded);
      out.parameters.push_back({"rounding", std::string(to_string(mode)) + " to " + format_number(rule.rounding->step)});
    }
  }
  TransferRule unrounded = rule;
  unrounded.rounding.reset();
  roundings.push_back(unrounded);
  out.parameters.push_back({"rounding", "none"});
  std::vector<std::size_t> stated;  // lines whose amount is a parameter: stated costs and survey values
  for (std::size_t l = 0; l < n_lines; ++l) {
    const CostLine& line = result.lines[l];
    if (line.kind == CostLine::Kind::stated) {
      stated.push_back(l);
      out.parameters.push_back({"stated cost: " + line.item + " +10%", format_number(line.stated_cost) + " -> " +
                                                                          format_number(line.stated_cost * (1.0 + kTornadoPriceChange))});
    } else if (line.kind == CostLine::Kind::survey) {
      stated.push_back(l);
      out.parameters.push_back({"survey spending: " + line.item + " +10%", "per person x 1.1"});
    }
  }

  // --- the tornado's factors: every market-priced line, then the parameters.
  std::vector<std::size_t> priced;
  for (std::size_t l = 0; l < n_lines; ++l)
    if (market_priced(result.lines[l])) {
      priced.push_back(l);
      out.factors.push_back({"price: " + result.lines[l].item, "-10%", "+10%"});
    }
  out.factors.push_back({"household size", minus_setting, plus_setting});
  out.factors.push_back({"coverage", format_number(less_coverage.coverage), format_number(more_coverage.coverage)});
  out.factors.push_back({"deduct", format_number(less_deduct.deduct), format_number(more_deduct.deduct)});
  for (const std::size_t l : stated) {
    const CostLine& line = result.lines[l];
    out.factors.push_back({(line.kind == CostLine::Kind::stated ? "stated cost: " : "survey spending: ") + line.item,
                           "-10%", "+10%"});
  }

  out.transfer_changed.resize(static_cast<Eigen::Index>(n_rows), static_cast<Eigen::Index>(out.parameters.size()));
  out.tornado.resize(n_rows * out.factors.size());
  for (std::size_t r = 0; r < n_rows; ++r) {
    const auto row = static_cast<Eigen::Index>(r);
    const double basis = basis_of(methodology, result, r);
    const std::vector<double> effects = price_effects(methodology, result, r, rule.basis);
    // The basis is linear in each price and stated amount: basis(p (1 + h)) = basis + h × effect, exactly.
    auto at = [&](std::size_t line, double h) { return transfer_of(rule, basis + h * effects[line]); };

    Eigen::Index p = 0;
    out.transfer_changed(row, p++) = plus_person[r].value;
    out.transfer_changed(row, p++) = transfer_of(more_coverage, basis).value;
    for (const TransferRule& rounded : roundings) out.transfer_changed(row, p++) = transfer_of(rounded, basis).value;
    for (const std::size_t l : stated) out.transfer_changed(row, p++) = at(l, kTornadoPriceChange).value;

    TornadoBar* bars = &out.tornado[r * out.factors.size()];
    std::size_t f = 0;
    auto add = [&](const TransferValue& low, const TransferValue& high) {
      bars[f] = TornadoBar{f, low.value, high.value, std::fabs(high.value - low.value),
                           std::fabs(high.unrounded - low.unrounded)};
      ++f;
    };
    for (const std::size_t l : priced) add(at(l, -kTornadoPriceChange), at(l, kTornadoPriceChange));
    // A household that cannot lose a person (one person, per capita) keeps its value at the low setting.
    add(minus_possible ? minus_person[r] : result.transfer[r], plus_person[r]);
    add(transfer_of(less_coverage, basis), transfer_of(more_coverage, basis));
    add(transfer_of(less_deduct, basis), transfer_of(more_deduct, basis));
    for (const std::size_t l : stated) add(at(l, -kTornadoPriceChange), at(l, kTornadoPriceChange));
    // Largest swing first; a rounding step often hides a small factor, so equal swings are ranked by the
    // unrounded swing, then keep the factors' order; a missing swing last.
    std::stable_sort(bars, bars + out.factors.size(), [](const TornadoBar& a, const TornadoBar& b) {
      if (std::isnan(a.swing) || std::isnan(b.swing)) return !std::isnan(a.swing) && std::isnan(b.swing);
      if (a.swing != b.swing) return a.swing > b.swing;
      return a.swing_unrounded > b.swing_unrounded;
    });
  }
  return out;
}

std::string elasticities_csv(const ComputeResult& result, const Sensitivity& sensitivity) {
  std::string out = "area_level,area,month,item,component,cost,cost_share,elasticity_meb,elasticity_transfer\n";
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    for (std::size_t l = 0; l < result.lines.size(); ++l) {
      const LineSensitivity& line = sensitivity.line(r, l);
      row_fields(out, result, r);
      field(out, result.lines[l].item);
      field(out, result.lines[l].component);
      field(out, format_number(line.cost));
      field(out, format_number(line.cost_share));
      field(out, format_number(line.elasticity_meb));
      field(out, format_number(line.elasticity_transfer), true);
    }
  }
  return out;
}

std::string parameters_csv(const ComputeResult& result, const Sensitivity& sensitivity) {
  std::string out = "area_level,area,month,parameter,change,transfer_value,transfer_value_changed,difference\n";
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const double base = result.transfer[r].value;
    for (std::size_t p = 0; p < sensitivity.parameters.size(); ++p) {
      const double changed = sensitivity.transfer_changed(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(p));
      row_fields(out, result, r);
      field(out, sensitivity.parameters[p].parameter);
      field(out, sensitivity.parameters[p].change);
      field(out, format_number(base));
      field(out, format_number(changed));
      field(out, format_number(changed - base), true);
    }
  }
  return out;
}

std::string tornado_csv(const ComputeResult& result, const Sensitivity& sensitivity) {
  std::string out =
      "area_level,area,month,rank,factor,low_setting,high_setting,transfer_value,low,high,swing,swing_unrounded\n";
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    for (std::size_t rank = 0; rank < sensitivity.factors.size(); ++rank) {
      const TornadoBar& bar = sensitivity.bar(r, rank);
      const TornadoFactor& factor = sensitivity.factors[bar.factor];
      row_fields(out, result, r);
      field(out, std::to_string(rank + 1));
      field(out, factor.name);
      field(out, factor.low_setting);
      field(out, factor.high_setting);
      field(out, format_number(result.transfer[r].value));
      field(out, format_number(bar.low));
      field(out, format_number(bar.high));
      field(out, format_number(bar.swing));
      field(out, format_number(bar.swing_unrounded), true);
    }
  }
  return out;
}

}  // namespace meb

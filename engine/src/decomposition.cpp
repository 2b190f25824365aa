#include "meb/decomposition.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <stdexcept>
#include <utility>

#include "meb/outputs.hpp"

namespace meb {

namespace {

/// Whether a line's price stands in for an observation of this item in this area and month.
/// PriceStatus orders observed < parent < carried_forward < missing (meb/aggregation.hpp), and a composite
/// already takes the least certain status of the alternatives it used (price_line), so any status other
/// than `observed` is a fill. A substitution is different: price_line returns the substitute's own status,
/// which is `observed` when the substitute was quoted, yet the item itself was not; the header counts
/// substitution as filled, and a substitution is recognisable by `priced_as` naming the substitute's
/// series (an item priced from its own series, a composite, or a stated/survey line has -1).
bool is_filled(const LinePrice& price) {
  if (price.status != PriceStatus::observed) return true;
  return price.source == LineSource::market && price.priced_as >= 0;
}

/// The rule's output g(C) before rounding: what the cost effect and the rule effect are measured on.
double rule_before_rounding(const TransferRule& rule, double basis_cost) {
  return apply_transfer_rule(rule, basis_cost).unrounded;
}

/// dg/dC at `basis_cost`: the coverage where coverage × (C − deduct) lies strictly between the floor and the
/// cap, 0 where the floor or the cap holds the value (a kink counts as clamped).
double rule_slope(const TransferRule& rule, double basis_cost) {
  const double gap = rule.coverage * (basis_cost - rule.deduct);
  const bool above_floor = gap > rule.floor;
  const bool below_cap = !rule.cap || gap < *rule.cap;
  return above_floor && below_cap ? rule.coverage : 0.0;
}

std::string describe_line(const LineSnapshot& line) {
  return line.item.empty() ? "component '" + line.component + "'"
                           : "item '" + line.item + "' (component '" + line.component + "')";
}

void require_value(const BasketSnapshot& snapshot, const char* which) {
  const std::string where = std::string("decompose_change: the ") + which + " snapshot's ";
  if (std::isnan(snapshot.value))
    throw std::invalid_argument(where + "transfer value is NaN (missing): there is nothing to decompose");
  if (std::isnan(snapshot.unrounded))
    throw std::invalid_argument(where + "unrounded value is NaN while its value is " + format_number(snapshot.value));
  if (std::isnan(snapshot.basis_cost))
    throw std::invalid_argument(where + "basis cost is NaN while its value is " + format_number(snapshot.value));
}

void require_price(const LineSnapshot& line, std::size_t index, const char* which) {
  if (std::isnan(line.quantity))
    throw std::invalid_argument(std::string("decompose_change: the quantity of ") + describe_line(line) + " (line " +
                                std::to_string(index) + " of the " + which + " snapshot) is NaN");
  if (line.quantity != 0.0 && std::isnan(line.price))
    throw std::invalid_argument(std::string("decompose_change: the price of ") + describe_line(line) + " (line " +
                                std::to_string(index) + " of the " + which + " snapshot, quantity " +
                                format_number(line.quantity) + ") is NaN (missing): there is nothing to decompose");
}

/// A line of either month, paired with the same (component, item) in the other month if there is one.
struct LinePair {
  const LineSnapshot* before = nullptr;
  const LineSnapshot* after = nullptr;
};

/// Pairs lines on (component, item): the k-th occurrence of a key in `after` with its k-th occurrence in
/// `before`, so that a basket listing an item twice still pairs one to one. Order: `after`'s lines, then the
/// lines only in `before`.
std::vector<LinePair> pair_lines(const BasketSnapshot& before, const BasketSnapshot& after) {
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> unmatched_before;
  for (std::size_t i = 0; i < before.lines.size(); ++i)
    unmatched_before[{before.lines[i].component, before.lines[i].item}].push_back(i);
  std::map<std::pair<std::string, std::string>, std::size_t> taken;
  std::vector<char> matched(before.lines.size(), 0);
  std::vector<LinePair> pairs;
  pairs.reserve(after.lines.size() + before.lines.size());
  for (const LineSnapshot& line : after.lines) {
    LinePair pair;
    pair.after = &line;
    const auto key = std::make_pair(line.component, line.item);
    const auto found = unmatched_before.find(key);
    std::size_t& next = taken[key];
    if (found != unmatched_before.end() && next < found->second.size()) {
      const std::size_t i = found->second[next++];
      pair.before = &before.lines[i];
      matched[i] = 1;
    }
    pairs.push_back(pair);
  }
  for (std::size_t i = 0; i < before.lines.size(); ++i)
    if (!matched[i]) pairs.push_back(LinePair{&before.lines[i], nullptr});
  return pairs;
}

/// q̄·Δp and p̄·Δq of one pair (the Bennet terms). A line present in one month only has quantity 0 in the
/// other and the same price in both; a price that multiplies a zero quantity does not enter the cost, so when
/// it is NaN the other month's price stands in (and 0 when both are NaN: the line then adds nothing).
std::pair<double, double> bennet_terms(const LinePair& pair) {
  double q0 = pair.before ? pair.before->quantity : 0.0;
  double q1 = pair.after ? pair.after->quantity : 0.0;
  double p0 = pair.before ? pair.before->price : std::numeric_limits<double>::quiet_NaN();
  double p1 = pair.after ? pair.after->price : std::numeric_limits<double>::quiet_NaN();
  if (std::isnan(p0)) p0 = p1;
  if (std::isnan(p1)) p1 = p0;
  if (std::isnan(p0)) p0 = p1 = 0.0;  // both quantities are 0 here (require_price)
  const double mean_quantity = 0.5 * (q0 + q1);
  const double mean_price = 0.5 * (p0 + p1);
  return {mean_quantity * (p1 - p0), mean_price * (q1 - q0)};
}

}  // namespace

BasketSnapshot snapshot(const ComputeResult& result, const Methodology& methodology, std::size_t row) {
  if (row >= result.rows.size())
    throw std::out_of_range("snapshot: row " + std::to_string(row) + " is out of range (the result has " +
                            std::to_string(result.rows.size()) + " rows)");
  BasketSnapshot out;
  out.rule = methodology.transfer;
  // As evaluate_plan costs the basket: quantity × component mark-up per line, the sum × the total mark-up.
  const double total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
  const bool missing_as_zero = methodology.prices.on_missing == OnMissing::zero;
  for (std::size_t l = 0; l < result.lines.size(); ++l) {
    const CostLine& line = result.lines[l];
    // SMEB-tier lines enter both totals, MEB-tier lines the MEB only (meb/transfer.hpp, Tier).
    if (out.rule.basis == Tier::smeb && line.tier != Tier::smeb) continue;
    const LinePrice& price = result.line_price(row, l);
    LineSnapshot entry;
    entry.component = line.component;
    // A component stated as one amount, an expenditure component and the food-share line are each one line
    // named after their component (expand_basket): the header's "" for "the line is the component".
    const bool whole_component = line.kind != CostLine::Kind::priced && line.kind != CostLine::Kind::composite &&
                                 line.item == line.component;
    entry.item = whole_component ? std::string() : line.item;
    entry.tier = line.tier;
    entry.quantity = line.monthly_quantity * line.markup_factor * total_markup;
    // For every kind of line LinePrice::price is the price per line unit, so cost = quantity × price
    // (ComputeResult::line_cost): a stated line has quantity 1 and its amount as price, a survey line `persons`
    // and the spending per person, the food-share line 1 and the non-food amount.
    entry.price = price.price;
    entry.filled = is_filled(price);
    if (std::isnan(entry.price) && missing_as_zero) {
      entry.price = 0.0;  // basket_totals counts a missing price as 0 under on_missing: zero
      entry.filled = true;
    }
    out.lines.push_back(std::move(entry));
  }
  const Eigen::VectorXd& basis = out.rule.basis == Tier::smeb ? result.smeb : result.meb;
  out.basis_cost = basis[static_cast<Eigen::Index>(row)];
  out.unrounded = result.transfer[row].unrounded;
  out.value = result.transfer[row].value;
  return out;
}

std::vector<LineContribution> ChangeDecomposition::largest(std::size_t n) const {
  std::vector<LineContribution> sorted = lines;
  std::stable_sort(sorted.begin(), sorted.end(), [](const LineContribution& a, const LineContribution& b) {
    return std::fabs(a.total()) > std::fabs(b.total());
  });
  if (sorted.size() > n) sorted.resize(n);
  return sorted;
}

ChangeDecomposition decompose_change(const BasketSnapshot& before, const BasketSnapshot& after) {
  require_value(before, "before");
  require_value(after, "after");
  for (std::size_t i = 0; i < before.lines.size(); ++i) require_price(before.lines[i], i, "before");
  for (std::size_t i = 0; i < after.lines.size(); ++i) require_price(after.lines[i], i, "after");

  ChangeDecomposition out;
  out.before = before.value;
  out.after = after.value;
  out.change = after.value - before.value;

  // Two factors, the basis cost C and the rule g: the Shapley cost effect averages the cost change seen
  // through the old rule and through the new one (header of meb/decomposition.hpp).
  const TransferRule& g0 = before.rule;
  const TransferRule& g1 = after.rule;
  const double c0 = before.basis_cost;
  const double c1 = after.basis_cost;
  const double cost_effect = 0.5 * ((rule_before_rounding(g0, c1) - rule_before_rounding(g0, c0)) +
                                    (rule_before_rounding(g1, c1) - rule_before_rounding(g1, c0)));
  // Σ(q̄·Δp + p̄·Δq) = ΔC, so each line gets `pass_through` × its terms, with pass_through = cost effect / ΔC:
  // the mean secant slope of the two rules over [C₀, C₁], between 0 and the larger coverage since each rule is
  // monotone and coverage-Lipschitz. When ΔC is nothing but floating-point noise the secant is meaningless
  // (and undefined at ΔC = 0, where line terms may still be large and cancel, e.g. one price up and another
  // down by the same amount), so the lines pass through at the rules' mean local slope at C̄ = (C₀ + C₁)/2
  // (the limit of the secant; C̄ keeps decompose(a, b) = −decompose(b, a)). Whatever the lines then do not
  // account for (ΔC's rounding noise here) joins the rule effect below, so the parts still add up.
  const double cost_change = c1 - c0;
  const double noise = 1e-12 * (std::fabs(c0) + std::fabs(c1));
  double pass_through = 0.0;
  if (std::fabs(cost_change) > noise) {
    pass_through = cost_effect / cost_change;
  } else {
    const double mean_cost = 0.5 * (c0 + c1);
    pass_through = 0.5 * (rule_slope(g0, mean_cost) + rule_slope(g1, mean_cost));
  }

  std::map<std::string, std::size_t> component_index;
  for (const LinePair& pair : pair_lines(before, after)) {
    const LineSnapshot& named = pair.after ? *pair.after : *pair.before;
    const auto [price_term, quantity_term] = bennet_terms(pair);
    LineContribution line;
    line.component = named.component;
    line.item = named.item;
    line.filled = (pair.before && pair.before->filled) || (pair.after && pair.after->filled);
    line.price_effect = pass_through * price_term;  // exactly 0 when the price did not move
    line.quantity_effect = pass_through * quantity_term;
    (line.filled ? out.price_filled : out.price_observed) += line.price_effect;
    out.quantity += line.quantity_effect;
    const auto [at, inserted] = component_index.try_emplace(line.component, out.components.size());
    if (inserted) out.components.emplace_back(line.component, 0.0);
    out.components[at->second].second += line.total();
    out.lines.push_back(std::move(line));
  }

  // The rule effect is the rest of the unrounded change: U₁ − U₀ = g₁(C₁) − g₀(C₀) = cost effect + the
  // Shapley rule effect ½[(g₁(C₀) − g₀(C₀)) + (g₁(C₁) − g₀(C₁))], so taking it as the remainder equals that
  // formula up to floating point, and also absorbs the pass-through remainder of the ΔC ≈ 0 case.
  // The rounding effect is (T₁ − U₁) − (T₀ − U₀). The last floating-point remainder goes to the last part
  // that sum_of_parts() adds, so the parts reproduce the change (exactly when the change is 0): to the
  // rounding effect when there is one, else to the rule effect, so that no rounding rule means exactly 0.
  const double lines_total = (out.price_observed + out.price_filled) + out.quantity;
  const double rounding = (after.value - after.unrounded) - (before.value - before.unrounded);
  if (rounding == 0.0) {
    out.rule = out.change - lines_total;
    out.rounding = 0.0;
  } else {
    out.rule = (after.unrounded - before.unrounded) - lines_total;
    out.rounding = out.change - (lines_total + out.rule);
  }
  return out;
}

}  // namespace meb

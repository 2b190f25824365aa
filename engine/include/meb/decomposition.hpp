#pragma once
// Why did a transfer value change? (issue 5, section 3). The change of one area's transfer value between
// a reference month (before) and a month (after), possibly computed with different methodology versions,
// is split into parts that add up to the change:
//
//   ΔT = price effect of observed prices + price effect of filled prices + quantity/method effect
//        + transfer rule effect + rounding effect
//
// Convention: the symmetric (Shapley) split, which is order-free and exact. For a basket line i with
// quantity q (per household per month, mark-ups included) and price p, q₁p₁ − q₀p₀ =
// q̄·Δp + p̄·Δq with q̄ = (q₀+q₁)/2, p̄ = (p₀+p₁)/2 (the Bennet decomposition: the Shapley value of the two
// factors; the mean of the Laspeyres and Paasche splits). The basis cost C feeds the transfer rule g
// (coverage, deduction, floor, cap): the rule effect is ½[(g₁(C₀) − g₀(C₀)) + (g₁(C₁) − g₀(C₁))], and the
// cost effect ½[(g₀(C₁) − g₀(C₀)) + (g₁(C₁) − g₁(C₀))] is shared among the lines in proportion to their
// q̄·Δp and p̄·Δq (exact when g is linear in C, as it is between floor and cap). The rounding effect is
// (T₁ − U₁) − (T₀ − U₀), U the unrounded value. A line's price effect counts as "filled" when its price
// was filled (carried forward, from a parent area, or substituted) in either month.
#include <string>
#include <vector>

#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/transfer.hpp"

namespace meb {

/// One basket line in one area and month, as the decomposition needs it.
struct LineSnapshot {
  std::string component;
  std::string item;        ///< "" for a stated cost (the line is the component)
  Tier tier = Tier::smeb;
  double quantity = 0.0;   ///< per household per month, × the component's and the total mark-ups
  double price = 0.0;      ///< per unit; NaN when missing
  bool filled = false;     ///< the price was not observed in this area and month
};

/// One area and month of one methodology's result.
struct BasketSnapshot {
  std::vector<LineSnapshot> lines;
  TransferRule rule;
  double basis_cost = 0.0;  ///< Σ over the basis tier's lines of quantity × price (the rule's input)
  double unrounded = 0.0;   ///< rule applied to basis_cost, before rounding
  double value = 0.0;       ///< the transfer value
};

/// The snapshot of `row` of a result computed with `methodology` (the result's own lines and prices).
[[nodiscard]] BasketSnapshot snapshot(const ComputeResult& result, const Methodology& methodology, std::size_t row);

/// One line's share of the change (lines are matched on component and item; a line in one month only has
/// quantity 0 in the other, and its price is taken equal in both months so that it has no price effect).
struct LineContribution {
  std::string component;
  std::string item;
  double price_effect = 0.0;     ///< its share of the cost effect from q̄·Δp
  double quantity_effect = 0.0;  ///< its share of the cost effect from p̄·Δq
  bool filled = false;
  [[nodiscard]] double total() const { return price_effect + quantity_effect; }
};

struct ChangeDecomposition {
  double before = 0.0;            ///< T₀
  double after = 0.0;             ///< T₁
  double change = 0.0;            ///< T₁ − T₀
  double price_observed = 0.0;    ///< Σ price effects of lines observed in both months
  double price_filled = 0.0;      ///< Σ price effects of lines filled in either month
  double quantity = 0.0;          ///< Σ quantity effects (basket or household model changed)
  double rule = 0.0;              ///< the transfer rule changed (coverage, deduction, floor, cap)
  double rounding = 0.0;          ///< (T₁ − U₁) − (T₀ − U₀)
  std::vector<LineContribution> lines;  ///< in the order of `after`'s lines, then lines only in `before`
  /// Per component, in order of first appearance: Σ of its lines' total().
  std::vector<std::pair<std::string, double>> components;

  /// The parts' sum: equals `change` up to floating-point rounding (|difference| ≤ 1e-9 × (|T₀| + |T₁|)).
  [[nodiscard]] double sum_of_parts() const { return price_observed + price_filled + quantity + rule + rounding; }
  /// The `n` lines of largest |total()|, ties by order in `lines`.
  [[nodiscard]] std::vector<LineContribution> largest(std::size_t n) const;
};

/// Splits after.value − before.value. Throws std::invalid_argument when either value or a price of a basis
/// line with non-zero quantity is NaN (there is nothing to decompose).
[[nodiscard]] ChangeDecomposition decompose_change(const BasketSnapshot& before, const BasketSnapshot& after);

}  // namespace meb

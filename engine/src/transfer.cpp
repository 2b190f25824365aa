#include "meb/transfer.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace meb {

std::string_view to_string(Tier tier) { return tier == Tier::smeb ? "smeb" : "meb"; }

std::string_view to_string(RoundingMode mode) {
  switch (mode) {
    case RoundingMode::nearest: return "nearest";
    case RoundingMode::up: return "up";
    case RoundingMode::down: return "down";
  }
  return "nearest";
}

namespace {
std::string format_amount(double amount) {
  std::ostringstream text;
  text << amount;
  return text.str();
}
}  // namespace

std::string TransferRule::describe() const {
  std::ostringstream text;
  text << "round(clamp(" << coverage << " x (" << to_string(basis) << " - " << deduct << "), " << floor << ", "
       << (cap ? format_amount(*cap) : std::string("no cap")) << "))";
  if (rounding) text << ", rounded " << to_string(rounding->mode) << " to a multiple of " << rounding->step;
  else text << ", not rounded";
  return text.str();
}

double round_to_step(double amount, const Rounding& rounding) {
  double quotient = amount / rounding.step;
  const double snapped = std::round(quotient);
  if (std::fabs(quotient - snapped) < 1e-9) quotient = snapped;
  switch (rounding.mode) {
    case RoundingMode::nearest: return std::floor(quotient + 0.5) * rounding.step;
    case RoundingMode::up: return std::ceil(quotient) * rounding.step;
    case RoundingMode::down: return std::floor(quotient) * rounding.step;
  }
  return amount;
}

TransferValue apply_transfer_rule(const TransferRule& rule, double basis_cost) {
  TransferValue result;
  double gap = rule.coverage * (basis_cost - rule.deduct);
  gap = std::max(gap, rule.floor);
  if (rule.cap) gap = std::min(gap, *rule.cap);
  result.unrounded = gap;
  result.value = rule.rounding ? round_to_step(gap, *rule.rounding) : gap;
  result.rounding_difference = result.value - result.unrounded;
  return result;
}

}  // namespace meb

#pragma once
// From a basket cost to the amount paid (primer section 4):
//   transfer value = round(clamp(coverage × (basis − deduct), floor, cap))
#include <optional>
#include <string>
#include <string_view>

namespace meb {

enum class Tier { smeb, meb };  ///< smeb lines are in the SMEB and the MEB; meb lines in the MEB only
[[nodiscard]] std::string_view to_string(Tier tier);

/// nearest: halves go up; up: the next multiple; down: the previous multiple.
enum class RoundingMode { nearest, up, down };
[[nodiscard]] std::string_view to_string(RoundingMode mode);

struct Rounding {
  double step = 1.0;
  RoundingMode mode = RoundingMode::nearest;
};

struct TransferRule {
  Tier basis = Tier::meb;
  double deduct = 0.0;    ///< other assistance per household per month (e.g. Jigisèmèjiri, 10,000 FCFA/month)
  double coverage = 1.0;  ///< share of the gap paid
  double floor = 0.0;
  std::optional<double> cap;
  std::optional<Rounding> rounding;

  [[nodiscard]] std::string describe() const;
};

struct TransferValue {
  double unrounded = 0.0;           ///< clamp(coverage × (basis − deduct), floor, cap)
  double value = 0.0;               ///< after rounding
  double rounding_difference = 0.0; ///< value − unrounded: the rounding bias the primer asks to report
};

/// Rounds to a multiple of the step. The quotient is first snapped to 1e-9 so that 10,000.0000001 / 500
/// does not round up to 10,500 under `up` because of binary floating point.
[[nodiscard]] double round_to_step(double amount, const Rounding& rounding);

/// Applies the rule to a basis cost (the MEB or the SMEB of one household for one month).
[[nodiscard]] TransferValue apply_transfer_rule(const TransferRule& rule, double basis_cost);

}  // namespace meb

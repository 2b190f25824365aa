#pragma once
// Revision alerts (issue 5, section 4): should the transfer value in force be revised? A rule states
// a threshold on the gap between the computed value and the value in force, a direction, a number of
// consecutive months, and a minimum share of the basket's prices observed rather than filled. A
// hysteresis band keeps an alert from flapping when the gap hovers around the threshold (a Schmitt
// trigger: the gap must exceed the threshold to start a run of months, and must fall back below
// threshold − hysteresis, or change sign, to end it).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meb/month.hpp"

namespace meb {

/// Which gaps count: above (computed > in force), below, or either (a run then keeps one sign).
enum class RevisionDirection { either, up, down };
[[nodiscard]] std::string_view to_string(RevisionDirection direction);

struct RevisionRule {
  double threshold = 0.10;          ///< relative gap |computed − in force| / in force that starts a run
  double hysteresis = 0.02;         ///< a run ends when the gap falls below threshold − hysteresis
  int consecutive_months = 3;       ///< months in a run before `revise`
  double min_observed_share = 0.5;  ///< share of the basket's cost priced from observed prices, in [0, 1]
  RevisionDirection direction = RevisionDirection::either;

  [[nodiscard]] std::string describe() const;  ///< e.g. "revise when |gap| > 10% for 3 months (hysteresis 2 pp, ...)"
};

/// One area and month of the series the rule reads, in month order.
struct RevisionInput {
  Month month;
  double computed = 0.0;           ///< the computed transfer value (NaN: not computed)
  std::optional<double> in_force;  ///< the transfer value in force that month (nothing: none set)
  double observed_share = 1.0;     ///< share of the basket's cost from observed prices
};

enum class RevisionDecision { revise, hold, insufficient_data };
[[nodiscard]] std::string_view to_string(RevisionDecision decision);  ///< "revise", "hold", "insufficient data"

/// The rule's verdict for one month, with the figures behind it.
struct RevisionStatus {
  Month month;
  RevisionDecision decision = RevisionDecision::hold;
  double gap = 0.0;      ///< (computed − in force) / in force; NaN without both
  int run_length = 0;    ///< consecutive months, this one included, in the current run (0: no run)
  int run_sign = 0;      ///< +1 above, −1 below, 0 no run
  std::string reason;    ///< one sentence with the figures, e.g. "gap +12.4% above 10% for 3 of 3 months"
};

/// Applies the rule month by month. A month with insufficient data (computed NaN, no value in force, or an
/// observed share below the minimum) is `insufficient data` and ends any run. Months must be strictly
/// increasing; a gap in the months (a month not in the series) also ends the run.
/// Throws std::invalid_argument on a rule outside its domain (threshold ≤ 0, hysteresis < 0 or ≥ threshold,
/// consecutive_months < 1, share outside [0, 1]) or months not increasing, naming the value.
[[nodiscard]] std::vector<RevisionStatus> evaluate_revisions(const RevisionRule& rule,
                                                             const std::vector<RevisionInput>& series);

}  // namespace meb

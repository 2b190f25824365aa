#include "meb/revision.hpp"

// Revision alerts (issue 5, section 4). The rule reads one area's series month by month:
//
//  1. Sufficient data. A month whose computed value is not a finite number, which has no transfer value in
//     force (or one that is not a positive finite number), or whose observed share of the basket's cost is
//     below the rule's minimum is `insufficient data`. It ends any run (run_length 0, run_sign 0); its gap is
//     still reported when both values exist, and its reason names every missing figure.
//  2. Calendar continuity. Months must be strictly increasing (std::invalid_argument otherwise). A month that
//     does not follow the previous one (months missing in between) ends any run before it is evaluated:
//     "N consecutive months" means calendar months, and nothing is known about the missing ones.
//  3. The gap is (computed − in force) / in force, against that month's own value in force, so a new value set
//     mid-series changes the gap from that month on.
//  4. Direction. `up` counts only positive gaps and `down` only negative ones; a gap of the other sign is
//     treated as no run. `either` counts both, but a run keeps the sign it started with.
//  5. Hysteresis, a Schmitt trigger (two thresholds so that a gap hovering around one threshold does not make
//     the alert flap): a run starts when |gap| > threshold (strictly) with an allowed sign, length 1. A month
//     of a run of sign s continues it, and counts toward the consecutive months, while s·gap ≥ threshold −
//     hysteresis. The run ends when s·gap < threshold − hysteresis or the sign flips; a flipped gap with
//     |gap| > threshold (and an allowed sign) starts a new run of the other sign at length 1.
//  6. Decision: `revise` when run_length ≥ consecutive_months, else `hold`.
//
// Figures measured each month (gap, observed share) print with one decimal; the rule's own settings print as
// given (10%, 2 pp).

#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "meb/outputs.hpp"

namespace meb {

std::string_view to_string(RevisionDirection direction) {
  switch (direction) {
    case RevisionDirection::either: return "either";
    case RevisionDirection::up: return "up";
    case RevisionDirection::down: return "down";
  }
  return "unknown direction";
}

std::string_view to_string(RevisionDecision decision) {
  switch (decision) {
    case RevisionDecision::revise: return "revise";
    case RevisionDecision::hold: return "hold";
    case RevisionDecision::insufficient_data: return "insufficient data";
  }
  return "unknown decision";
}

namespace {

/// A rule setting given as a fraction, printed as the percentage it was written as: 0.1 → "10%".
std::string setting_percent(double fraction) { return format_number(fraction * 100.0) + "%"; }

/// A measured share, one decimal: 0.4 → "40.0%".
std::string measured_percent(double fraction) {
  char text[48];
  std::snprintf(text, sizeof text, "%.1f%%", fraction * 100.0);
  return text;
}

/// A measured gap, signed, one decimal: 0.124 → "+12.4%", -0.04 → "-4.0%".
std::string signed_percent(double fraction) {
  char text[48];
  std::snprintf(text, sizeof text, "%+.1f%%", fraction * 100.0);
  return text;
}

std::string months_word(int count) { return count == 1 ? "month" : "months"; }

void validate(const RevisionRule& rule) {
  // Negated comparisons so that NaN settings are refused too.
  if (!(rule.threshold > 0.0) || !std::isfinite(rule.threshold))
    throw std::invalid_argument("revision rule: threshold " + format_number(rule.threshold) +
                                " must be a finite number > 0");
  if (!(rule.hysteresis >= 0.0 && rule.hysteresis < rule.threshold))
    throw std::invalid_argument("revision rule: hysteresis " + format_number(rule.hysteresis) +
                                " must be >= 0 and < threshold " + format_number(rule.threshold));
  if (rule.consecutive_months < 1)
    throw std::invalid_argument("revision rule: consecutive_months " + std::to_string(rule.consecutive_months) +
                                " must be >= 1");
  if (!(rule.min_observed_share >= 0.0 && rule.min_observed_share <= 1.0))
    throw std::invalid_argument("revision rule: min_observed_share " + format_number(rule.min_observed_share) +
                                " must be in [0, 1]");
  switch (rule.direction) {
    case RevisionDirection::either:
    case RevisionDirection::up:
    case RevisionDirection::down: return;
  }
  throw std::invalid_argument("revision rule: direction " + std::to_string(static_cast<int>(rule.direction)) +
                              " is not either, up or down");
}

bool has_value_in_force(const RevisionInput& input) {
  return input.in_force && std::isfinite(*input.in_force) && *input.in_force > 0.0;
}

/// (computed − in force) / in force, or NaN when either value is missing.
double gap_of(const RevisionInput& input) {
  if (!std::isfinite(input.computed) || !has_value_in_force(input)) return std::nan("");
  return (input.computed - *input.in_force) / *input.in_force;
}

/// The figures a month lacks, joined into one phrase; empty when the data suffice.
std::string missing_figures(const RevisionRule& rule, const RevisionInput& input) {
  std::vector<std::string> missing;
  if (!std::isfinite(input.computed)) missing.emplace_back("no computed transfer value");
  if (!input.in_force)
    missing.emplace_back("no transfer value in force");
  else if (!has_value_in_force(input))
    missing.push_back("the transfer value in force " + format_number(*input.in_force) + " is not positive");
  // With a minimum of 0 the share does not matter, even when unknown.
  if (rule.min_observed_share > 0.0 && !(input.observed_share >= rule.min_observed_share)) {
    if (std::isnan(input.observed_share))
      missing.push_back("the observed share of the basket's cost is unknown (minimum " +
                        setting_percent(rule.min_observed_share) + ")");
    else
      missing.push_back("only " + measured_percent(input.observed_share) + " of the basket's cost observed (minimum " +
                        setting_percent(rule.min_observed_share) + ")");
  }
  std::string phrase;
  for (std::size_t i = 0; i < missing.size(); ++i) phrase += (i == 0 ? "" : " and ") + missing[i];
  return phrase;
}

/// "above the 10% threshold" / "below the -10% threshold".
std::string beyond_threshold(int sign, double threshold) {
  return sign > 0 ? "above the " + setting_percent(threshold) + " threshold"
                  : "below the " + setting_percent(-threshold) + " threshold";
}

/// "8% to 10%" above the value in force, "-10% to -8%" below it.
std::string hysteresis_band(int sign, const RevisionRule& rule) {
  const double inner = rule.threshold - rule.hysteresis;
  return sign > 0 ? setting_percent(inner) + " to " + setting_percent(rule.threshold)
                  : setting_percent(-rule.threshold) + " to " + setting_percent(-inner);
}

/// "2 of 3 months" while short of the rule, "for 5 months (3 needed)" past it.
std::string run_count(int run_length, int needed) {
  if (run_length <= needed)
    return std::to_string(run_length) + " of " + std::to_string(needed) + " " + months_word(needed);
  return std::to_string(run_length) + " " + months_word(run_length) + ", " + std::to_string(needed) + " needed";
}

std::string ended_run(int run_length, int run_sign) {
  return "ending a run of " + std::to_string(run_length) + " " + months_word(run_length) +
         (run_sign > 0 ? " above" : " below");
}

/// The months strictly between two months of the series: "2020-03" or "2020-03 to 2020-05".
std::string missing_months(Month before, Month after) {
  const Month first{before.index + 1};
  const Month last{after.index - 1};
  return first == last ? first.to_string() : first.to_string() + " to " + last.to_string();
}

bool direction_allows(RevisionDirection direction, int sign) {
  switch (direction) {
    case RevisionDirection::either: return sign != 0;
    case RevisionDirection::up: return sign > 0;
    case RevisionDirection::down: return sign < 0;
  }
  return false;
}

}  // namespace

std::string RevisionRule::describe() const {
  std::string where;
  switch (direction) {
    case RevisionDirection::either: where = "above or below (in the same direction)"; break;
    case RevisionDirection::up: where = "above"; break;
    case RevisionDirection::down: where = "below"; break;
  }
  const std::string months = std::to_string(consecutive_months) + " consecutive " + months_word(consecutive_months);
  return "revise when the computed transfer value is more than " + setting_percent(threshold) + " " + where +
         " the value in force for " + months + " (hysteresis " + format_number(hysteresis * 100.0) +
         " pp: a run continues while |gap| stays at or above " + setting_percent(threshold - hysteresis) +
         "), with at least " + setting_percent(min_observed_share) + " of the basket's cost observed";
}

std::vector<RevisionStatus> evaluate_revisions(const RevisionRule& rule, const std::vector<RevisionInput>& series) {
  validate(rule);
  const double continue_level = rule.threshold - rule.hysteresis;
  std::vector<RevisionStatus> statuses;
  statuses.reserve(series.size());
  int run_length = 0;
  int run_sign = 0;
  for (std::size_t i = 0; i < series.size(); ++i) {
    const RevisionInput& input = series[i];
    // Why the previous run ended before this month was read, told in this month's reason.
    std::string interruption;
    if (i > 0) {
      const Month previous = series[i - 1].month;
      if (!(previous < input.month))
        throw std::invalid_argument("revision series: month " + input.month.to_string() + " at position " +
                                    std::to_string(i) + " does not follow " + previous.to_string() +
                                    "; months must be strictly increasing");
      if (input.month.index != previous.index + 1) {
        if (run_length > 0)
          interruption = "; the previous run of " + std::to_string(run_length) + " " + months_word(run_length) +
                         " ended with no data for " + missing_months(previous, input.month);
        run_length = 0;
        run_sign = 0;
      }
    }

    RevisionStatus status;
    status.month = input.month;
    status.gap = gap_of(input);

    const std::string missing = missing_figures(rule, input);
    if (!missing.empty()) {
      status.decision = RevisionDecision::insufficient_data;
      status.reason = missing + (run_length > 0 ? ", " + ended_run(run_length, run_sign) : "") + interruption;
      run_length = 0;
      run_sign = 0;
      statuses.push_back(std::move(status));
      continue;
    }

    const double gap = status.gap;
    const int sign = gap > 0.0 ? 1 : (gap < 0.0 ? -1 : 0);
    const bool beyond = std::abs(gap) > rule.threshold;
    std::string reason = "gap " + signed_percent(gap) + " ";
    if (run_length > 0 && sign == run_sign && run_sign * gap >= continue_level) {
      ++run_length;
      if (beyond)
        reason += beyond_threshold(run_sign, rule.threshold) + " for " + run_count(run_length, rule.consecutive_months);
      else
        reason += "within the hysteresis band (" + hysteresis_band(run_sign, rule) + "), run continues (" +
                  run_count(run_length, rule.consecutive_months) + ")";
    } else {
      const int ended_length = run_length;
      const int ended_sign = run_sign;
      run_length = 0;
      run_sign = 0;
      if (beyond && direction_allows(rule.direction, sign)) {
        run_length = 1;
        run_sign = sign;
        reason += beyond_threshold(sign, rule.threshold) + " for " + run_count(1, rule.consecutive_months);
        if (ended_length > 0) reason += ", the sign changed, " + ended_run(ended_length, ended_sign);
      } else {
        if (beyond)  // only a gap against the rule's direction lands here
          reason += beyond_threshold(sign, rule.threshold) + ", but the rule counts only gaps " +
                    (rule.direction == RevisionDirection::up ? "above" : "below");
        else
          reason += "within ±" + setting_percent(rule.threshold);
        if (ended_length > 0) reason += ", " + ended_run(ended_length, ended_sign);
      }
    }
    status.run_length = run_length;
    status.run_sign = run_sign;
    status.decision = run_length >= rule.consecutive_months ? RevisionDecision::revise : RevisionDecision::hold;
    status.reason = reason + interruption;
    statuses.push_back(std::move(status));
  }
  return statuses;
}

}  // namespace meb

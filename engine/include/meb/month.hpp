#pragma once
// Months are the engine's unit of time. They are stored as a count of months since year 0 so that
// "N months back" is a subtraction, and printed as YYYY-MM.
#include <optional>
#include <string>
#include <string_view>

namespace meb {

struct Month {
  int index = 0;  ///< year * 12 + (month - 1)

  [[nodiscard]] static constexpr Month from_year_month(int year, int month) { return Month{year * 12 + month - 1}; }
  [[nodiscard]] constexpr int year() const { return index / 12; }
  [[nodiscard]] constexpr int month() const { return index % 12 + 1; }
  [[nodiscard]] std::string to_string() const;  ///< "YYYY-MM"

  friend constexpr bool operator==(Month a, Month b) { return a.index == b.index; }
  friend constexpr bool operator!=(Month a, Month b) { return a.index != b.index; }
  friend constexpr bool operator<(Month a, Month b) { return a.index < b.index; }
  friend constexpr bool operator<=(Month a, Month b) { return a.index <= b.index; }
  friend constexpr bool operator>(Month a, Month b) { return a.index > b.index; }
  friend constexpr bool operator>=(Month a, Month b) { return a.index >= b.index; }
};

/// Parses the month of a date written `YYYY-MM`, `YYYY-MM-DD`, or `YYYY-MM-DDThh:mm...` (KoBo exports),
/// or `DD/MM/YYYY`. Returns nothing when the text is not such a date or the month is not 1..12.
[[nodiscard]] std::optional<Month> parse_month(std::string_view text);

}  // namespace meb

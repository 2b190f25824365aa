#include "meb/month.hpp"

#include <cstdio>

namespace meb {

std::string Month::to_string() const {
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02d", year(), month());
  return text;
}

namespace {
bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}
int to_int(std::string_view digits) {
  int value = 0;
  for (char c : digits) value = value * 10 + (c - '0');
  return value;
}
}  // namespace

std::optional<Month> parse_month(std::string_view text) {
  int year = 0;
  int month = 0;
  if (text.size() >= 7 && text[4] == '-' && all_digits(text.substr(0, 4)) && all_digits(text.substr(5, 2))) {
    year = to_int(text.substr(0, 4));
    month = to_int(text.substr(5, 2));
    if (text.size() > 7) {
      // YYYY-MM-DD with an optional time part.
      if (text.size() < 10 || text[7] != '-' || !all_digits(text.substr(8, 2))) return std::nullopt;
      const int day = to_int(text.substr(8, 2));
      if (day < 1 || day > 31) return std::nullopt;
      if (text.size() > 10 && text[10] != 'T' && text[10] != ' ') return std::nullopt;
    }
  } else if (text.size() == 10 && text[2] == '/' && text[5] == '/' && all_digits(text.substr(0, 2)) &&
             all_digits(text.substr(3, 2)) && all_digits(text.substr(6, 4))) {
    const int day = to_int(text.substr(0, 2));
    if (day < 1 || day > 31) return std::nullopt;
    month = to_int(text.substr(3, 2));
    year = to_int(text.substr(6, 4));
  } else {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || year < 1900 || year > 2200) return std::nullopt;
  return Month::from_year_month(year, month);
}

}  // namespace meb

#include <catch2/catch.hpp>

#include <string>

#include "meb/month.hpp"
#include "test_helpers.hpp"

using meb::Month;
using meb::parse_month;

namespace {
std::string parsed(const char* text) {
  const auto month = parse_month(text);
  return month ? month->to_string() : std::string("<none>");
}
}  // namespace

TEST_CASE("YYYY-MM and YYYY-MM-DD give their month", "[month]") {
  CHECK(parsed("2020-04") == "2020-04");
  CHECK(parsed("2020-04-15") == "2020-04");
  CHECK(parsed("2019-12-01") == "2019-12");
  CHECK(parsed("1992-01-15") == "1992-01");
  CHECK(parsed("2020-04-30") == "2020-04");
  const auto month = parse_month("2020-04-15");
  REQUIRE(month);
  CHECK(month->year() == 2020);
  CHECK(month->month() == 4);
  CHECK(month->index == 2020 * 12 + 3);  // year * 12 + (month - 1)
}

TEST_CASE("KoBo date-times give their month", "[month]") {
  CHECK(parsed("2020-04-15T10:22:00.000+00:00") == "2020-04");
  CHECK(parsed("2021-01-31T23:59:59.999-05:00") == "2021-01");
  CHECK(parsed("2020-04-15 10:22:00") == "2020-04");
}

TEST_CASE("DD/MM/YYYY gives its month", "[month]") {
  CHECK(parsed("15/04/2020") == "2020-04");
  CHECK(parsed("01/12/2019") == "2019-12");
  CHECK(parsed("31/01/2021") == "2021-01");
}

TEST_CASE("text that is not a date is rejected", "[month]") {
  for (const char* text : {"2020-13", "2020-13-15", "2020-00", "2020-00-15", "2020/04", "2020/04/15", "", "abcd-ef",
                           "abcd-ef-gh", "2020-4", "2020-4-15", "20-04-15", "04/2020", "2020-04-32", "2020-04-00",
                           "2020-04-15X", "2020-04-1", "2020-04x15", "15/13/2020", "32/04/2020", "00/04/2020",
                           "15-04-2020", "April 2020"}) {
    INFO("'" << text << "'");
    CHECK_FALSE(parse_month(text).has_value());
  }
}

TEST_CASE("months count, compare and print", "[month]") {
  const Month december = Month::from_year_month(2019, 12);
  const Month january = Month::from_year_month(2020, 1);
  CHECK(january.index - december.index == 1);
  CHECK(december < january);
  CHECK(january > december);
  CHECK(december <= december);
  CHECK(december != january);
  CHECK(december == Month{2019 * 12 + 11});
  CHECK(december.to_string() == "2019-12");
  CHECK(january.to_string() == "2020-01");
  // 14 months back from 2020-02 is 2018-12: 2020 * 12 + 1 - 14 = 2018 * 12 + 11.
  const Month back = Month{Month::from_year_month(2020, 2).index - 14};
  CHECK(back.year() == 2018);
  CHECK(back.month() == 12);
  CHECK(back.to_string() == "2018-12");
}

TEST_CASE("every month of a year round-trips through text", "[month]") {
  for (int year : {1990, 2000, 2020, 2024}) {
    for (int m = 1; m <= 12; ++m) {
      const Month month = Month::from_year_month(year, m);
      INFO(month.to_string());
      CHECK(month.year() == year);
      CHECK(month.month() == m);
      REQUIRE(parse_month(month.to_string()));
      CHECK(*parse_month(month.to_string()) == month);
      REQUIRE(parse_month(month.to_string() + "-15"));
      CHECK(*parse_month(month.to_string() + "-15") == month);
    }
  }
}

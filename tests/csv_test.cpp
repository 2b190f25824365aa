#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "test_helpers.hpp"

using meb::detail::CsvReader;

namespace {
struct Record {
  std::size_t line;
  std::vector<std::string> fields;
};

// Every record of a buffer, with the line it started on.
std::vector<Record> records_of(std::string_view text) {
  CsvReader reader(text);
  std::vector<std::string_view> fields;
  std::vector<Record> out;
  while (reader.next(fields)) out.push_back({reader.line(), std::vector<std::string>(fields.begin(), fields.end())});
  return out;
}

using Fields = std::vector<std::string>;
}  // namespace

TEST_CASE("plain records split on commas", "[csv]") {
  const auto records = records_of("date,market,price\n2020-01-15,Mopti,250\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"date", "market", "price"});
  CHECK(records[1].fields == Fields{"2020-01-15", "Mopti", "250"});
  CHECK(records[0].line == 1);
  CHECK(records[1].line == 2);
}

TEST_CASE("empty fields, a trailing comma and a missing final newline", "[csv]") {
  const auto records = records_of("a,,c\nx,y,\nlast,row");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"a", "", "c"});
  CHECK(records[1].fields == Fields{"x", "y", ""});
  CHECK(records[2].fields == Fields{"last", "row"});
}

TEST_CASE("quoted fields keep their commas", "[csv]") {
  const auto records = records_of("2020-01-15,\"Bread (bakery, parallel market)\",KG,\"1,250\"\n");
  REQUIRE(records.size() == 1);
  CHECK(records[0].fields == Fields{"2020-01-15", "Bread (bakery, parallel market)", "KG", "1,250"});
}

TEST_CASE("doubled quotes inside a quoted field are one quote", "[csv]") {
  const auto records = records_of("\"He said \"\"cheap\"\"\",x\n\"\"\"\",\"\"\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields == Fields{"He said \"cheap\"", "x"});
  CHECK(records[1].fields == Fields{"\"", ""});  // """" is one quote, "" is empty
}

TEST_CASE("fields with escapes stay valid until the next record", "[csv]") {
  CsvReader reader("\"a\"\"1\",\"b\"\"2\",\"c\"\"3\"\n");
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  REQUIRE(fields.size() == 3);
  CHECK(fields[0] == "a\"1");
  CHECK(fields[1] == "b\"2");
  CHECK(fields[2] == "c\"3");
}

TEST_CASE("CRLF line ends are not part of the last field", "[csv]") {
  const auto records = records_of("date,price\r\n2020-01-15,250\r\n\"quoted\",\"last\"\r\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0].fields == Fields{"date", "price"});
  CHECK(records[1].fields == Fields{"2020-01-15", "250"});
  CHECK(records[2].fields == Fields{"quoted", "last"});
  CHECK(records[2].line == 3);
}

TEST_CASE("a UTF-8 byte order mark is skipped", "[csv]") {
  const auto records = records_of("\xEF\xBB\xBF" "date,price\n2020-01-15,250\n");
  REQUIRE(records.size() == 2);
  CHECK(records[0].fields[0] == "date");
  CHECK(records[0].line == 1);
}

TEST_CASE("blank lines are skipped but counted", "[csv]") {
  const auto records = records_of("h\n\n\na\r\n\r\nb\n\n");
  REQUIRE(records.size() == 3);
  CHECK(records[0].line == 1);
  CHECK(records[1].fields == Fields{"a"});
  CHECK(records[1].line == 4);  // lines 2 and 3 are blank
  CHECK(records[2].fields == Fields{"b"});
  CHECK(records[2].line == 6);  // line 5 is a blank CRLF line
  CHECK(records_of("").empty());
  CHECK(records_of("\n\n\r\n").empty());
}

TEST_CASE("a quoted field spanning lines moves the next record's line", "[csv]") {
  const auto records = records_of("market,note\nMopti,\"first\nsecond\nthird\"\nSevare,plain\n");
  REQUIRE(records.size() == 3);
  CHECK(records[1].line == 2);
  CHECK(records[1].fields == Fields{"Mopti", "first\nsecond\nthird"});
  CHECK(records[2].line == 5);  // the quoted field took lines 2, 3 and 4
  CHECK(records[2].fields == Fields{"Sevare", "plain"});
  // The same with CRLF line ends: the CR inside the quotes is data, the one after them is not.
  const auto crlf = records_of("market,note\r\nMopti,\"first\r\nsecond\"\r\nSevare,plain\r\n");
  REQUIRE(crlf.size() == 3);
  CHECK(crlf[1].fields == Fields{"Mopti", "first\r\nsecond"});
  CHECK(crlf[2].line == 4);
  CHECK(crlf[2].fields == Fields{"Sevare", "plain"});
}

TEST_CASE("an unterminated quoted field is an error naming its line", "[csv]") {
  CsvReader reader("h1,h2\nok,row\nbad,\"never closed\nmore text\n");
  std::vector<std::string_view> fields;
  REQUIRE(reader.next(fields));
  REQUIRE(reader.next(fields));
  REQUIRE_THROWS_AS(reader.next(fields), meb::InputError);
  CsvReader again("h1,h2\nok,row\nbad,\"never closed\nmore text\n");
  REQUIRE(again.next(fields));
  REQUIRE(again.next(fields));
  REQUIRE_THROWS_WITH(again.next(fields), Catch::Contains("line 3") && Catch::Contains("unterminated quoted field"));
}

TEST_CASE("parse_double reads whole finite numbers only", "[csv]") {
  using meb::detail::parse_double;
  struct Good {
    const char* text;
    double value;
  };
  for (const Good& c : std::vector<Good>{{"250", 250.0},
                                         {"12.5", 12.5},
                                         {" 7 ", 7.0},
                                         {"\t4.25\t", 4.25},
                                         {"+3", 3.0},
                                         {"-2.5", -2.5},
                                         {"1e3", 1000.0},
                                         {"0", 0.0},
                                         {".5", 0.5},
                                         {"400.0", 400.0}}) {
    INFO("'" << c.text << "'");
    double value = -1.0;
    CHECK(parse_double(c.text, value));
    CHECK(value == Approx(c.value));
  }
  for (const char* text : {"", "  ", "abc", "12abc", "1,5", "1 000", "nan", "inf", "-inf", "1e400", "0x10", "++1", "+",
                           "-", "12.5.1", "$12"}) {
    INFO("'" << text << "'");
    double value = 0.0;
    CHECK_FALSE(parse_double(text, value));
  }
}

TEST_CASE("trim and to_lower", "[csv]") {
  using meb::detail::to_lower;
  using meb::detail::trim;
  CHECK(trim("  Mopti \t") == "Mopti");
  CHECK(trim("Mopti\r") == "Mopti");
  CHECK(trim("   ").empty());
  CHECK(trim("a b") == "a b");
  CHECK(to_lower("Millet - RETAIL") == "millet - retail");
}

TEST_CASE("read_file names a file it cannot open", "[csv]") {
  const std::string path = std::string(MEB_TEST_DATA_DIR) + "/prices/no-such-file.csv";
  REQUIRE_THROWS_AS(meb::read_file(path), meb::InputError);
  REQUIRE_THROWS_WITH(meb::read_file(path), Catch::Contains(path));
}

#include <catch2/catch.hpp>

#include <charconv>
#include <cstring>
#include <random>
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

namespace {
// The byte-by-byte reader the windowed one replaced, kept as the reference: every record, its line, the
// position after it, and the error, if any, of a buffer.
struct Reading {
  std::vector<Record> records;
  std::vector<std::size_t> positions;
  std::string error;
};

Reading reference_reading(std::string_view buffer) {
  Reading out;
  std::size_t pos = 0, line = 1;
  const std::size_t size = buffer.size();
  while (true) {
    while (pos < size && (buffer[pos] == '\n' || buffer[pos] == '\r')) {
      if (buffer[pos] == '\n') ++line;
      ++pos;
    }
    if (pos >= size) return out;
    Record record{line, {}};
    bool more = true;
    while (more) {
      if (pos < size && buffer[pos] == '"') {
        std::string text;
        ++pos;
        while (true) {
          if (pos >= size) {
            out.error = "line " + std::to_string(record.line) + ": unterminated quoted field";
            return out;
          }
          if (buffer[pos] == '"') {
            if (pos + 1 < size && buffer[pos + 1] == '"') {
              text.push_back('"');
              pos += 2;
              continue;
            }
            ++pos;
            break;
          }
          if (buffer[pos] == '\n') ++line;
          text.push_back(buffer[pos++]);
        }
        while (pos < size && buffer[pos] != ',' && buffer[pos] != '\n') ++pos;
        record.fields.push_back(text);
      } else {
        const std::size_t start = pos;
        while (pos < size && buffer[pos] != ',' && buffer[pos] != '\n') ++pos;
        std::size_t end = pos;
        if (end > start && buffer[end - 1] == '\r') --end;
        record.fields.emplace_back(buffer.substr(start, end - start));
      }
      if (pos >= size) break;
      if (buffer[pos] == ',') {
        ++pos;
        continue;
      }
      ++pos;
      ++line;
      more = false;
    }
    out.records.push_back(record);
    out.positions.push_back(pos);
  }
}

Reading windowed_reading(std::string_view buffer) {
  Reading out;
  CsvReader reader(buffer, 0, 1);
  std::vector<std::string_view> fields;
  try {
    while (reader.next(fields)) {
      out.records.push_back({reader.line(), std::vector<std::string>(fields.begin(), fields.end())});
      out.positions.push_back(reader.position());
    }
  } catch (const meb::InputError& error) {
    out.error = error.what();
  }
  return out;
}
}  // namespace

TEST_CASE("the windowed reader reads random buffers as the byte-by-byte reader does", "[csv]") {
  // Buffers of 0 to 400 bytes (up to seven 64-byte windows) over an alphabet dense in delimiters, quotes and
  // CRs; long runs without a delimiter make whole windows empty. Seeded: the same buffers on every run.
  std::mt19937 random(20261129);
  const std::string alphabet = "ab ,,\n\n\r\"\"x";
  std::size_t with_quotes = 0, with_errors = 0, records = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 400)(random);
    const bool sparse = round % 4 == 0;  // mostly letters: fields longer than a window
    std::string buffer(size, 'a');
    for (char& c : buffer)
      c = sparse && random() % 50 != 0 ? 'z' : alphabet[random() % alphabet.size()];
    const Reading expected = reference_reading(buffer);
    const Reading actual = windowed_reading(buffer);
    INFO("buffer: " << buffer);
    REQUIRE(actual.records.size() == expected.records.size());
    for (std::size_t i = 0; i < expected.records.size(); ++i) {
      REQUIRE(actual.records[i].line == expected.records[i].line);
      REQUIRE(actual.records[i].fields == expected.records[i].fields);
    }
    REQUIRE(actual.positions == expected.positions);
    REQUIRE(actual.error == expected.error);
    with_quotes += buffer.find('"') != std::string::npos;
    with_errors += !expected.error.empty();
    records += expected.records.size();
  }
  // The rounds did exercise quoting, errors and many records.
  CHECK(with_quotes > 10000);
  CHECK(with_errors > 1000);
  CHECK(records > 100000);
}

TEST_CASE("parse_double gives from_chars's double, bit for bit, on random decimals", "[csv]") {
  // parse_double reads plain decimals of up to 15 digits itself (one exact division); from_chars is the
  // independent reference. Seeded buffers of 1 to 17 digits with 0 to 16 decimals, signs and leading zeros.
  std::mt19937_64 random(7);
  std::size_t compared = 0;
  for (int round = 0; round < 200000; ++round) {
    const int digits = 1 + static_cast<int>(random() % 17);
    const int decimals = static_cast<int>(random() % (digits + 1));
    std::string text = random() % 8 == 0 ? "-" : "";
    for (int d = 0; d < digits; ++d) {
      if (d == digits - decimals && decimals > 0) text += d == 0 ? "0." : ".";
      text += static_cast<char>('0' + random() % 10);
    }
    double expected = 0.0, actual = 0.0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), expected);
    REQUIRE(result.ec == std::errc());
    REQUIRE(result.ptr == text.data() + text.size());
    INFO(text);
    REQUIRE(meb::detail::parse_double(text, actual));
    REQUIRE(std::memcmp(&actual, &expected, sizeof actual) == 0);
    ++compared;
  }
  CHECK(compared == 200000);
  // Forms the fast path leaves to from_chars.
  double value = 0.0;
  CHECK(meb::detail::parse_double("5.", value));
  CHECK(value == 5.0);
  CHECK(meb::detail::parse_double("1234567890123456789", value));
  CHECK(value == 1234567890123456789.0);
  CHECK_FALSE(meb::detail::parse_double("-", value));
  CHECK_FALSE(meb::detail::parse_double("1.2.3", value));
  CHECK_FALSE(meb::detail::parse_double(".", value));
}

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include <unistd.h>

#include "meb/error.hpp"
#include "meb/json.hpp"
#include "meb/outputs.hpp"
#include "meb/sha256.hpp"
#include "test_helpers.hpp"

using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

/// A fresh empty directory under the system temp directory, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("meb-outputs-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void spit(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

std::set<std::string> names_in(const fs::path& directory) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) names.insert(entry.path().filename().string());
  return names;
}

/// Splits one CSV record (RFC 4180 quoting), written independently of the engine's reader.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("outputs format_number keeps at most 6 decimals and drops trailing zeros", "[outputs]") {
  CHECK(meb::format_number(1.5) == "1.5");
  CHECK(meb::format_number(2.0) == "2");
  CHECK(meb::format_number(100.0) == "100");
  CHECK(meb::format_number(9000.0) == "9000");
  CHECK(meb::format_number(30740.4) == "30740.4");
  CHECK(meb::format_number(-2.5) == "-2.5");
  CHECK(meb::format_number(1234567.1234567) == "1234567.123457");  // 7th decimal 7 rounds the 6th up
  CHECK(meb::format_number(0.1234564) == "0.123456");
  CHECK(meb::format_number(0.1 + 0.2) == "0.3");
  CHECK(meb::format_number(1e15) == "1000000000000000");
  CHECK(meb::format_number(0.0000001) == "0");
}

TEST_CASE("outputs format_number writes NaN as an empty cell and negative zero as 0", "[outputs]") {
  CHECK(meb::format_number(std::numeric_limits<double>::quiet_NaN()).empty());
  CHECK(meb::format_number(-0.0) == "0");
  CHECK(meb::format_number(-0.0000001) == "0");  // rounds to -0.000000
  CHECK(meb::format_number(0.0) == "0");
}

TEST_CASE("outputs sha256 matches the FIPS 180-4 example vectors", "[outputs]") {
  CHECK(meb::sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(meb::sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // The two-block message: 448 bits, so the padding spills into a second block.
  CHECK(meb::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(meb::sha256_hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("outputs sha256 of the shipped BFA price file matches sha256sum", "[outputs]") {
  // `sha256sum data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv`
  const std::string content = slurp(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv");
  REQUIRE(content.size() > 1000000);
  CHECK(meb::sha256_hex(content) == "bbb045e443333fbdea4a81ef777538f865b9cbe8d00b9c4f7fab0a77da6e0b6e");
}

TEST_CASE("outputs sha256 block boundaries", "[outputs]") {
  // Lengths around the 55/56/64-byte padding boundaries, checked against `printf 'a%.0s' ... | sha256sum`.
  CHECK(meb::sha256_hex(std::string(55, 'a')) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  CHECK(meb::sha256_hex(std::string(56, 'a')) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  CHECK(meb::sha256_hex(std::string(64, 'a')) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST_CASE("outputs json_quote escapes quotes backslashes and control characters", "[outputs]") {
  using meb::detail::json_quote;
  CHECK(json_quote("plain") == "\"plain\"");
  CHECK(json_quote("a\"b") == "\"a\\\"b\"");
  CHECK(json_quote("C:\\data") == "\"C:\\\\data\"");
  CHECK(json_quote("l1\nl2\r\tx") == "\"l1\\nl2\\r\\tx\"");
  CHECK(json_quote(std::string("\x01\x1f", 2)) == "\"\\u0001\\u001f\"");
  CHECK(json_quote(std::string("a\0b", 3)) == "\"a\\u0000b\"");
  CHECK(json_quote("S\xC3\xA9gou") == "\"S\xC3\xA9gou\"");  // UTF-8 passes through unchanged
}

TEST_CASE("outputs JsonWriter writes ordered keys and null for NaN", "[outputs]") {
  meb::detail::JsonWriter json;
  json.begin_object()
      .key("name")
      .value("say \"hi\"")
      .key("n")
      .value(1.5)
      .key("nan")
      .value(std::numeric_limits<double>::quiet_NaN())
      .key("list")
      .begin_array()
      .value(1)
      .value(true)
      .end_array()
      .key("empty")
      .begin_object()
      .end_object()
      .end_object();
  CHECK(json.str() ==
        "{\n"
        "  \"name\": \"say \\\"hi\\\"\",\n"
        "  \"n\": 1.5,\n"
        "  \"nan\": null,\n"
        "  \"list\": [\n"
        "    1,\n"
        "    true\n"
        "  ],\n"
        "  \"empty\": {}\n"
        "}");
}

TEST_CASE("outputs write_files_atomically writes every file and no temporary", "[outputs]") {
  TempDir temp;
  const fs::path directory = temp.path() / "new" / "results";  // created when missing
  meb::write_files_atomically(directory.string(), {{"a.csv", "x,y\n1,2\n"}, {"b.json", "{}\n"}});
  CHECK(slurp(directory / "a.csv") == "x,y\n1,2\n");
  CHECK(slurp(directory / "b.json") == "{}\n");
  CHECK(names_in(directory) == std::set<std::string>{"a.csv", "b.json"});

  // A second run replaces the files.
  meb::write_files_atomically(directory.string(), {{"a.csv", "second\n"}, {"b.json", "[]\n"}});
  CHECK(slurp(directory / "a.csv") == "second\n");
  CHECK(slurp(directory / "b.json") == "[]\n");
  CHECK(names_in(directory) == std::set<std::string>{"a.csv", "b.json"});
}

TEST_CASE("outputs write_files_atomically under a regular file throws OutputError", "[outputs]") {
  // Tests run as root, so a read-only directory would not stop a write: a path under a FILE does.
  TempDir temp;
  const fs::path file = temp.path() / "not-a-directory";
  spit(file, "keep me\n");
  const std::string target = (file / "results").string();
  REQUIRE_THROWS_AS(meb::write_files_atomically(target, {{"a.csv", "new\n"}}), meb::OutputError);
  REQUIRE_THROWS_WITH(meb::write_files_atomically(target, {{"a.csv", "new\n"}}), Contains(target));
  CHECK(slurp(file) == "keep me\n");
  CHECK(names_in(temp.path()) == std::set<std::string>{"not-a-directory"});

  // The directory itself a regular file.
  REQUIRE_THROWS_AS(meb::write_files_atomically(file.string(), {{"a.csv", "new\n"}}), meb::OutputError);
  CHECK(slurp(file) == "keep me\n");
}

TEST_CASE("outputs write_files_atomically leaves previous files when a write fails", "[outputs]") {
  TempDir temp;
  const fs::path directory = temp.path() / "results";
  meb::write_files_atomically(directory.string(), {{"a.csv", "old a\n"}, {"b.csv", "old b\n"}});
  // The second file cannot be written: its sub-folder "sub" is a regular file. Nothing changes.
  { std::ofstream(directory / "sub") << "a file, not a folder\n"; }
  REQUIRE_THROWS_AS(meb::write_files_atomically(directory.string(), {{"a.csv", "new a\n"}, {"sub/b.csv", "new b\n"}}),
                    meb::OutputError);
  CHECK(slurp(directory / "a.csv") == "old a\n");
  CHECK(slurp(directory / "b.csv") == "old b\n");
  CHECK(names_in(directory) == std::set<std::string>{"a.csv", "b.csv", "sub"});  // no temporary left behind
}

TEST_CASE("outputs write_files_atomically leaves previous files when a rename fails", "[outputs]") {
  TempDir temp;
  const fs::path directory = temp.path() / "results";
  meb::write_files_atomically(directory.string(), {{"a.csv", "old a\n"}});
  // b.csv is a non-empty directory, so no file can be renamed over it. The run fails, and a.csv, listed
  // first, must still hold the previous results: all or nothing.
  fs::create_directories(directory / "b.csv");
  spit(directory / "b.csv" / "inside", "x");
  REQUIRE_THROWS_AS(meb::write_files_atomically(directory.string(), {{"a.csv", "new a\n"}, {"b.csv", "new b\n"}}),
                    meb::OutputError);
  CHECK(slurp(directory / "a.csv") == "old a\n");
  CHECK(names_in(directory) == std::set<std::string>{"a.csv", "b.csv"});
}

TEST_CASE("outputs write_files_atomically writes streamed files piece by piece, all or nothing", "[outputs]") {
  TempDir temp;
  const fs::path directory = temp.path() / "results";
  const auto pieces = [](std::vector<std::string> parts) {
    return [parts](const meb::OutputSink& sink) {
      for (const auto& part : parts) sink(part);
    };
  };
  meb::write_files_atomically(directory.string(), {{"a.csv", "old a\n"}},
                              {{"big.csv", pieces({"h\n", "1\n", "", "2\n"})}, {"sub/c.csv", pieces({"c\n"})}});
  CHECK(slurp(directory / "a.csv") == "old a\n");
  CHECK(slurp(directory / "big.csv") == "h\n1\n2\n");
  CHECK(slurp(directory / "sub" / "c.csv") == "c\n");
  // A producer that fails half-way: its exception comes out, and every previous file is intact, no temporary left.
  const auto failing = [](const meb::OutputSink& sink) {
    sink("half\n");
    throw std::runtime_error("formatting failed");
  };
  REQUIRE_THROWS_WITH(meb::write_files_atomically(directory.string(), {{"a.csv", "new a\n"}}, {{"big.csv", failing}}),
                      "formatting failed");
  CHECK(slurp(directory / "a.csv") == "old a\n");
  CHECK(slurp(directory / "big.csv") == "h\n1\n2\n");
  CHECK(names_in(directory) == std::set<std::string>{"a.csv", "big.csv", "sub"});
}

namespace {
/// The shipped BFA file under the Sahel basket: every area and month of its history (4,802 area-months).
const std::pair<meb::Methodology, meb::ComputeResult>& bfa_history() {
  static const auto computed = [] {
    const meb::Methodology methodology = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
    meb::PriceTable prices;
    meb::read_price_file(MEB_SOURCE_DIR "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv",
                         meb::make_price_filter(methodology, false), prices);
    return std::make_pair(methodology,
                          meb::compute(methodology, prices, nullptr, std::nullopt, std::nullopt, nullptr));
  }();
  return computed;
}
}  // namespace

TEST_CASE("outputs write_basket_costs_csv streams the bytes of basket_costs_csv", "[outputs]") {
  const auto& [methodology, result] = bfa_history();
  for (const std::size_t blocks : {1, 4, 16}) {
    std::string streamed;
    std::size_t pieces = 0;
    meb::detail::write_basket_costs_csv(methodology, result, blocks, [&](std::string_view piece) {
      streamed += piece;
      ++pieces;
    });
    CHECK(pieces == 1 + blocks);  // the header, then one piece a block
    CHECK(streamed == meb::detail::basket_costs_csv(methodology, result, 1));
  }
}

TEST_CASE("outputs CSV quotes names with commas and quotes", "[outputs]") {
  const meb::Methodology m = meb::testing::methodology_from(R"yaml(id: test-1
name: Test
currency: XOF
household: {size: 2}
basket:
  - component: food
    tier: smeb
    items:
      - {item: "Bread (bakery, parallel market)", quantity: 0.1, unit: KG, per: person/day}
)yaml");
  const meb::PriceTable prices = meb::testing::prices_for(
      m,
      "date,market,admin1,commodity,unit,pricetype,currency,price\n"
      "2020-01-15,Dedougou,\"Boucle, \"\"Nord\"\"\",\"Bread (bakery, parallel market)\",KG,Retail,XOF,500\n");
  const meb::ComputeResult result = meb::compute(m, prices, nullptr);

  // transfer_values.csv: MEB = SMEB = 0.1 kg × 30 days × 2 persons × 500 XOF = 3,000.
  const auto transfer_lines = lines_of(meb::transfer_values_csv(m, result));
  REQUIRE(transfer_lines.size() == 2);
  const auto header = split_csv(transfer_lines[0]);
  const auto row = split_csv(transfer_lines[1]);
  REQUIRE(row.size() == header.size());
  CHECK_THAT(transfer_lines[1], Contains(",\"Boucle, \"\"Nord\"\"\","));
  CHECK(row[3] == "Boucle, \"Nord\"");  // area
  CHECK(row[6] == "2020-01");
  CHECK(row[10] == "3000");  // smeb
  CHECK(row[11] == "3000");  // meb
  CHECK(row[14] == "3000");  // transfer_value

  // basket_costs.csv: the item name is quoted too.
  const auto cost_lines = lines_of(meb::basket_costs_csv(m, result));
  REQUIRE(cost_lines.size() == 2);
  const auto cost_header = split_csv(cost_lines[0]);
  const auto cost_row = split_csv(cost_lines[1]);
  REQUIRE(cost_row.size() == cost_header.size());
  CHECK_THAT(cost_lines[1], Contains(",\"Bread (bakery, parallel market)\","));
  CHECK(cost_row[2] == "Boucle, \"Nord\"");
  CHECK(cost_row[7] == "Bread (bakery, parallel market)");
  CHECK(cost_row[9] == "6");      // 0.1 × 30 × 2 kg a month
  CHECK(cost_row[11] == "500");   // price per kg
  CHECK(cost_row[12] == "observed");
  CHECK(cost_row[16] == "3000");  // cost
}

TEST_CASE("outputs basket_costs names the alternatives a composite price was computed from", "[outputs]") {
  // Gas is the mean of two alternatives; in 2020-02 only the private one is quoted.
  //   2020-01: (5000 + 7000) / 2 = 6000 per 11 KG bottle, from both
  //   2020-02: 7200, from Gas (private) only
  const std::string yaml =
      "id: composite-out\nname: Composite\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices: {levels: [market, admin1]}\n"
      "basket:\n"
      "  - component: energy\n    tier: smeb\n    items:\n"
      "      - {item: Cooking gas, composite: {of: [Gas (public), Gas (private)], statistic: mean}, quantity: 1, "
      "unit: 11 KG, per: household/month}\n";
  const std::string rows =
      "2020-01-15,M1,Mopti,,Gas (public),11 KG,Retail,XOF,5000\n"
      "2020-01-15,M1,Mopti,,Gas (private),11 KG,Retail,XOF,7000\n"
      "2020-02-15,M1,Mopti,,Gas (private),11 KG,Retail,XOF,7200\n";
  const meb::Methodology methodology = meb::testing::methodology_from(yaml);
  const meb::ComputeResult result = meb::testing::compute_from(yaml, rows);
  const std::string csv = meb::basket_costs_csv(methodology, result);
  CHECK_THAT(csv, Contains("Mopti,,2020-01,energy,smeb,Cooking gas,mean of Gas (public) + Gas (private),1,11 KG,6000,observed"));
  CHECK_THAT(csv, Contains("Mopti,,2020-02,energy,smeb,Cooking gas,mean of Gas (private),1,11 KG,7200,observed"));
}

TEST_CASE("outputs write_files_atomically writes files in sub-folders", "[outputs]") {
  TempDir temp;
  const fs::path directory = temp.path() / "results";
  meb::write_files_atomically(directory.string(), {{"m1/a.csv", "a\n"}, {"summary.md", "s\n"}});
  CHECK(slurp(directory / "m1" / "a.csv") == "a\n");
  CHECK(slurp(directory / "summary.md") == "s\n");
  CHECK(names_in(directory / "m1") == std::set<std::string>{"a.csv"});
}

TEST_CASE("sha256_hex with the CPU's SHA extensions equals the portable implementation", "[outputs]") {
  // Every length from 0 to 300 bytes (all padding cases: one or two final blocks) and a 1 MB buffer, of
  // bytes from a fixed linear congruential sequence.
  std::string data;
  std::uint32_t x = 12345;
  for (int i = 0; i < 1 << 20; ++i) {
    x = x * 1103515245u + 12345u;
    data.push_back(static_cast<char>(x >> 24));
  }
  for (std::size_t length = 0; length <= 300; ++length)
    CHECK(meb::sha256_hex(std::string_view(data).substr(0, length)) ==
          meb::detail::sha256_hex_portable(std::string_view(data).substr(0, length)));
  CHECK(meb::sha256_hex(data) == meb::detail::sha256_hex_portable(data));
  INFO("SHA extensions in use: " << meb::detail::sha256_uses_cpu_extensions());
  CHECK(meb::detail::sha256_hex_portable("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("format_number prints at most six decimals without trailing zeros", "[outputs]") {
  CHECK(meb::format_number(0.0) == "0");
  CHECK(meb::format_number(-0.0) == "0");
  CHECK(meb::format_number(26923.1) == "26923.1");
  CHECK(meb::format_number(1.0 / 3.0) == "0.333333");
  CHECK(meb::format_number(2.0 / 3.0) == "0.666667");
  CHECK(meb::format_number(-1.5) == "-1.5");
  CHECK(meb::format_number(1e-7) == "0");
  CHECK(meb::format_number(-1e-7) == "0");
  CHECK(meb::format_number(123456789012.0) == "123456789012");
  CHECK(meb::format_number(1e300).size() == 301);
  CHECK(meb::format_number(std::nan("")).empty());
}

TEST_CASE("Sha256 fed in pieces gives the digest of the whole", "[outputs]") {
  std::string data;
  for (int i = 0; i < 5000; ++i) data += std::to_string(i * 7919 % 1000) + ",";
  // Pieces of 0 to 130 bytes, crossing the 64-byte blocks at every offset.
  meb::Sha256 pieces;
  std::size_t at = 0;
  for (std::size_t size = 0; at < data.size(); size = (size + 1) % 131) {
    pieces.update(std::string_view(data).substr(at, size));
    at += size;
  }
  CHECK(pieces.hex_digest() == meb::detail::sha256_hex_portable(data));
  // The object starts over after a digest: "abc" (FIPS 180-4 example).
  pieces.update("a");
  pieces.update("bc");
  CHECK(pieces.hex_digest() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("outputs record_input records the size and SHA-256 of the bytes given", "[outputs]") {
  // FIPS 180-2, appendix B.1: SHA-256("abc").
  const meb::InputRecord record = meb::record_input("prices", "in-memory.csv", "abc");
  CHECK(record.role == "prices");
  CHECK(record.path == "in-memory.csv");
  CHECK(record.bytes == 3);
  CHECK(record.sha256 == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("outputs nutrition_check takes the table given, else the methodology's, and records it", "[outputs]") {
  meb::Methodology m = meb::load_methodology(MEB_SOURCE_DIR "/scenarios/sahel-normative.yaml");
  const std::string table = m.food_composition;
  REQUIRE_FALSE(table.empty());
  meb::RunRecord run;
  const auto report = meb::nutrition_check(m, "", &run);
  REQUIRE(report.has_value());
  // 1810.5 kcal per person per day, by hand in nutrition_test.cpp (the shipped sahel-normative basket).
  CHECK(report->total.kcal == Approx(1810.5));
  CHECK(report->food_composition == table);
  REQUIRE(run.inputs.size() == 1);
  CHECK(run.inputs[0].role == "food_composition");
  CHECK(run.inputs[0].path == table);
  CHECK(run.inputs[0].bytes == fs::file_size(table));

  // A table given replaces the methodology's: a missing one is an InputError naming it, nothing recorded.
  meb::RunRecord failed;
  CHECK_THROWS_WITH(meb::nutrition_check(m, "no-such-table.csv", &failed),
                    Contains("cannot open 'no-such-table.csv' for reading"));
  CHECK(failed.inputs.empty());

  // Neither the methodology nor the caller names a table: not checked, nothing recorded.
  m.food_composition.clear();
  meb::RunRecord none;
  CHECK_FALSE(meb::nutrition_check(m, "", &none).has_value());
  CHECK(none.inputs.empty());
  CHECK_FALSE(meb::nutrition_check(m, "", nullptr).has_value());
}

TEST_CASE("outputs basket_costs formatted in blocks on two cores is byte for byte the one-pass file", "[outputs]") {
  const auto& [methodology, result] = bfa_history();
  REQUIRE(result.rows.size() > 1000);
  const std::string one_pass = meb::detail::basket_costs_csv(methodology, result, 1);
  // One line per area-month and basket line, after the header.
  CHECK(static_cast<std::size_t>(std::count(one_pass.begin(), one_pass.end(), '\n')) ==
        1 + result.rows.size() * result.lines.size());
  for (const std::size_t blocks : {2, 3, 16, 17}) {
    INFO(blocks << " blocks");
    CHECK(meb::detail::basket_costs_csv(methodology, result, blocks) == one_pass);
  }
  CHECK(meb::basket_costs_csv(methodology, result) == one_pass);
}

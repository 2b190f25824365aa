#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "meb/areas.hpp"
#include "meb/error.hpp"
#include "test_helpers.hpp"

using meb::Area;
using meb::AreaLevel;
using meb::AreaTree;
using meb::InputError;
using meb::Market;

namespace {

// Writes `content` to a file of its own in the system's temporary directory and returns its path.
class TempFile {
 public:
  TempFile(const std::string& name, const std::string& content) {
    static int counter = 0;
    const auto dir = std::filesystem::temp_directory_path() /
                     ("meb_areas_test_" + std::to_string(static_cast<long>(::getpid())) + "_" + std::to_string(++counter));
    std::filesystem::create_directories(dir);
    path_ = (dir / name).string();
    std::ofstream(path_, std::ios::binary) << content;
  }
  ~TempFile() {
    std::error_code ignored;
    std::filesystem::remove_all(std::filesystem::path(path_).parent_path(), ignored);
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  std::string path_;
};

Market market(const std::string& name, const std::string& admin1, const std::string& admin2 = "",
              const std::string& id = "") {
  Market m;
  m.id = id;
  m.name = name;
  m.admin1 = admin1;
  m.admin2 = admin2;
  return m;
}

// Five markets in three regions of Mali (admin1) and four cercles (admin2).
std::vector<Market> mali_markets() {
  return {market("Mopti", "Mopti", "Mopti"), market("Sevare", "Mopti", "Mopti"), market("Djenne", "Mopti", "Djenne"),
          market("Medina Coura", "Bamako", "Bamako"), market("Kati", "Koulikoro", "Kati")};
}

// Index of the area with this level, name and parent name ("" at the top); fails when absent or ambiguous.
std::size_t area_index(const AreaTree& tree, AreaLevel level, const std::string& name, const std::string& parent = "") {
  std::vector<std::size_t> found;
  for (std::size_t a = 0; a < tree.areas.size(); ++a)
    if (tree.areas[a].level == level && tree.areas[a].name == name && tree.parent_name(a) == parent) found.push_back(a);
  INFO(meb::to_string(level) << " '" << name << "' in '" << parent << "'");
  REQUIRE(found.size() == 1);
  return found[0];
}

std::vector<std::string> names_at(const AreaTree& tree, std::size_t step) {
  std::vector<std::string> names;
  for (auto a : tree.by_level[step]) names.push_back(tree.areas[static_cast<std::size_t>(a)].name);
  return names;
}

std::vector<std::int32_t> sorted(std::vector<std::int32_t> values) {
  std::sort(values.begin(), values.end());
  return values;
}

std::string error_of(const std::vector<Market>& markets, const std::vector<AreaLevel>& path, const meb::AreaFile* file) {
  try {
    (void)meb::build_area_tree(markets, path, file, "MLI");
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

std::string read_error(const std::string& content) {
  TempFile file("areas.csv", content);
  try {
    (void)meb::read_area_file(file.path());
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("area levels print and parse", "[areas]") {
  for (AreaLevel level : {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1, AreaLevel::national}) {
    REQUIRE(meb::parse_area_level(meb::to_string(level)).has_value());
    CHECK(*meb::parse_area_level(meb::to_string(level)) == level);
  }
  CHECK_FALSE(meb::parse_area_level("admin3").has_value());
  CHECK_FALSE(meb::parse_area_level("").has_value());
}

TEST_CASE("read_area_file reads the columns, P-codes and population", "[areas]") {
  TempFile file("areas.csv",
                "market,admin2,admin1,admin2_pcode,admin1_pcode,population\n"
                "#loc+market+name,#adm2+name,#adm1+name,#adm2+code,#adm1+code,#population\n"
                "Medina Coura,Bamako District,Bamako,ML0901,ML09,2500000\n"
                "\n"
                "\"Niarela, Bamako\",Bamako District,Bamako,ML0901,ML09,\n"
                "Kati,Kati,Koulikoro,ML0205,ML02,  190000 \n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  CHECK(areas.path == file.path());
  CHECK_FALSE(areas.has_market_id);
  REQUIRE(areas.rows.size() == 3);
  CHECK(areas.rows[0].market == "Medina Coura");
  CHECK(areas.rows[0].admin2 == "Bamako District");
  CHECK(areas.rows[0].admin1 == "Bamako");
  CHECK(areas.rows[0].admin2_pcode == "ML0901");
  CHECK(areas.rows[0].admin1_pcode == "ML09");
  REQUIRE(areas.rows[0].population.has_value());
  CHECK(*areas.rows[0].population == 2500000.0);
  CHECK(areas.rows[0].line == 3);
  CHECK(areas.rows[1].market == "Niarela, Bamako");
  CHECK_FALSE(areas.rows[1].population.has_value());
  CHECK(areas.rows[1].line == 5);  // line 4 is blank
  CHECK(areas.rows[2].population == Approx(190000.0));
  CHECK(areas.rows[2].line == 6);
}

TEST_CASE("read_area_file with only the required columns, in any order and case", "[areas]") {
  TempFile file("areas.csv", "Admin1,Market,market_id\r\nMopti,Mopti,101\r\nMopti,Sevare,103\r\n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  CHECK(areas.has_market_id);
  REQUIRE(areas.rows.size() == 2);
  CHECK(areas.rows[1].market == "Sevare");
  CHECK(areas.rows[1].market_id == "103");
  CHECK(areas.rows[1].admin1 == "Mopti");
  CHECK(areas.rows[1].admin2.empty());
  CHECK_FALSE(areas.rows[1].population.has_value());
}

TEST_CASE("read_area_file errors name the file, the line and the value", "[areas]") {
  SECTION("a missing column") {
    const std::string message = read_error("market,admin2\nMopti,Mopti\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:1") && Catch::Contains("'admin1'"));
  }
  SECTION("a wrong column count") {
    const std::string message = read_error("market,admin2,admin1\nMopti,Mopti,Mopti\nKati,Koulikoro\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:3") && Catch::Contains("3") && Catch::Contains("2"));
  }
  SECTION("a population that is not a number") {
    const std::string message = read_error("market,admin2,admin1,population\nMopti,Mopti,Mopti,many\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:2") && Catch::Contains("population") && Catch::Contains("'many'"));
  }
  SECTION("a negative population") {
    const std::string message = read_error("market,admin2,admin1,population\nMopti,Mopti,Mopti,12\nKati,Kati,Koulikoro,-4\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:3") && Catch::Contains("'-4'"));
  }
  SECTION("an empty admin1") {
    const std::string message = read_error("market,admin2,admin1\nMopti,Mopti,Mopti\nKati,Kati,\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:3") && Catch::Contains("admin1") && Catch::Contains("Kati"));
  }
  SECTION("an empty market") {
    const std::string message = read_error("market,admin2,admin1\n,Mopti,Mopti\n");
    CHECK_THAT(message, Catch::Contains("areas.csv:2") && Catch::Contains("market"));
  }
  SECTION("a file that does not exist") {
    const std::string path = std::string(MEB_TEST_DATA_DIR) + "/no-such-areas.csv";
    REQUIRE_THROWS_WITH(meb::read_area_file(path), Catch::Contains(path));
  }
}

TEST_CASE("path market, admin1", "[areas]") {
  const auto markets = mali_markets();
  const AreaTree tree = meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin1}, nullptr, "MLI");
  REQUIRE(tree.by_level.size() == 1);
  REQUIRE(tree.areas.size() == 3);
  CHECK(names_at(tree, 0) == std::vector<std::string>{"Bamako", "Koulikoro", "Mopti"});
  const std::size_t mopti = area_index(tree, AreaLevel::admin1, "Mopti");
  const std::size_t bamako = area_index(tree, AreaLevel::admin1, "Bamako");
  REQUIRE(tree.market_area.size() == 5);
  CHECK(tree.market_area[0] == static_cast<std::int32_t>(mopti));
  CHECK(tree.market_area[1] == static_cast<std::int32_t>(mopti));
  CHECK(tree.market_area[2] == static_cast<std::int32_t>(mopti));
  CHECK(tree.market_area[3] == static_cast<std::int32_t>(bamako));
  CHECK(sorted(tree.areas[mopti].markets) == std::vector<std::int32_t>{0, 1, 2});
  for (const Area& area : tree.areas) {
    CHECK(area.parent == -1);
    CHECK(area.children.empty());
  }
}

TEST_CASE("path market, admin2, admin1", "[areas]") {
  const auto markets = mali_markets();
  const AreaTree tree =
      meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, nullptr, "MLI");
  REQUIRE(tree.by_level.size() == 2);
  CHECK(tree.by_level[0].size() == 4);  // cercles Mopti, Djenne, Bamako, Kati
  CHECK(names_at(tree, 1) == std::vector<std::string>{"Bamako", "Koulikoro", "Mopti"});
  REQUIRE(tree.areas.size() == 7);
  // Bottom level first.
  for (std::size_t a = 0; a < 4; ++a) CHECK(tree.areas[a].level == AreaLevel::admin2);
  for (std::size_t a = 4; a < 7; ++a) CHECK(tree.areas[a].level == AreaLevel::admin1);
  const std::size_t mopti1 = area_index(tree, AreaLevel::admin1, "Mopti");
  const std::size_t mopti2 = area_index(tree, AreaLevel::admin2, "Mopti", "Mopti");
  const std::size_t djenne = area_index(tree, AreaLevel::admin2, "Djenne", "Mopti");
  const std::size_t kati = area_index(tree, AreaLevel::admin2, "Kati", "Koulikoro");
  CHECK(tree.areas[mopti2].parent == static_cast<std::int32_t>(mopti1));
  CHECK(sorted(tree.areas[mopti1].children) ==
        sorted({static_cast<std::int32_t>(mopti2), static_cast<std::int32_t>(djenne)}));
  CHECK(sorted(tree.areas[mopti2].markets) == std::vector<std::int32_t>{0, 1});
  CHECK(tree.areas[djenne].markets == std::vector<std::int32_t>{2});
  CHECK(tree.areas[kati].markets == std::vector<std::int32_t>{4});
  CHECK(tree.areas[mopti1].markets.empty());  // markets hang on the first level above market only
  CHECK(tree.market_area[2] == static_cast<std::int32_t>(djenne));
  CHECK(tree.parent_name(kati) == "Koulikoro");
  CHECK(tree.parent_name(mopti1).empty());
}

TEST_CASE("path market, national", "[areas]") {
  const auto markets = mali_markets();
  const AreaTree tree = meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::national}, nullptr, "MLI");
  REQUIRE(tree.areas.size() == 1);
  CHECK(tree.areas[0].level == AreaLevel::national);
  CHECK(tree.areas[0].name == "MLI");
  CHECK(tree.areas[0].parent == -1);
  CHECK(sorted(tree.areas[0].markets) == std::vector<std::int32_t>{0, 1, 2, 3, 4});
  for (auto area : tree.market_area) CHECK(area == 0);
}

TEST_CASE("path market, admin2, admin1, national", "[areas]") {
  const auto markets = mali_markets();
  const AreaTree tree = meb::build_area_tree(
      markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1, AreaLevel::national}, nullptr, "national");
  REQUIRE(tree.by_level.size() == 3);
  CHECK(tree.by_level[0].size() == 4);
  CHECK(tree.by_level[1].size() == 3);
  REQUIRE(tree.by_level[2].size() == 1);
  CHECK(tree.areas.size() == 8);
  const std::size_t country = area_index(tree, AreaLevel::national, "national");
  CHECK(tree.areas[country].parent == -1);
  CHECK(tree.areas[country].children.size() == 3);
  for (auto a : tree.by_level[1]) CHECK(tree.areas[static_cast<std::size_t>(a)].parent == static_cast<std::int32_t>(country));
  const std::size_t djenne = area_index(tree, AreaLevel::admin2, "Djenne", "Mopti");
  const std::size_t mopti1 = area_index(tree, AreaLevel::admin1, "Mopti", "national");
  CHECK(tree.areas[djenne].parent == static_cast<std::int32_t>(mopti1));
}

TEST_CASE("two admin2 areas of the same name in different admin1 areas are different", "[areas]") {
  const std::vector<Market> markets = {market("North market", "North", "Central"),
                                       market("South market", "South", "Central")};
  const AreaTree tree =
      meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, nullptr, "national");
  REQUIRE(tree.by_level[0].size() == 2);
  const std::size_t north = area_index(tree, AreaLevel::admin2, "Central", "North");
  const std::size_t south = area_index(tree, AreaLevel::admin2, "Central", "South");
  CHECK(north != south);
  CHECK(tree.market_area[0] == static_cast<std::int32_t>(north));
  CHECK(tree.market_area[1] == static_cast<std::int32_t>(south));
}

TEST_CASE("an areas file regroups the markets of a city into one admin2", "[areas]") {
  // The price file splits Bamako into communes; the areas file pools them into one district.
  const std::vector<Market> markets = {market("Medina Coura", "Bamako", "Commune III"),
                                       market("Niarela", "Bamako", "Commune II"),
                                       market("Dibida", "Bamako", "Commune III"), market("Kati", "Koulikoro", "")};
  TempFile file("areas.csv",
                "market,admin2,admin1,admin2_pcode,admin1_pcode,population\n"
                "Medina Coura,Bamako District,Bamako,ML0901,ML09,2500000\n"
                "Niarela,Bamako District,Bamako,ML0901,ML09,2500000\n"
                "Dibida,Bamako District,Bamako,ML0901,ML09,\n"
                "Kati,Kati,Koulikoro,ML0205,ML02,190000\n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  const AreaTree tree =
      meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, &areas, "MLI");
  REQUIRE(tree.by_level[0].size() == 2);
  const std::size_t district = area_index(tree, AreaLevel::admin2, "Bamako District", "Bamako");
  CHECK(sorted(tree.areas[district].markets) == std::vector<std::int32_t>{0, 1, 2});
  CHECK(tree.areas[district].pcode == "ML0901");
  REQUIRE(tree.areas[district].population.has_value());
  CHECK(*tree.areas[district].population == 2500000.0);
  const std::size_t kati = area_index(tree, AreaLevel::admin2, "Kati", "Koulikoro");
  CHECK(tree.areas[kati].pcode == "ML0205");  // the areas file places a market the price file did not
  CHECK(tree.areas[kati].population == Approx(190000.0));
  const std::size_t bamako = area_index(tree, AreaLevel::admin1, "Bamako");
  CHECK(tree.areas[bamako].pcode == "ML09");
}

TEST_CASE("two populations for one area in the areas file is an error naming both lines", "[areas]") {
  const std::vector<Market> markets = {market("Medina Coura", "Bamako"), market("Niarela", "Bamako")};
  TempFile file("areas.csv",
                "market,admin2,admin1,population\n"
                "Medina Coura,Bamako District,Bamako,2500000\n"
                "Niarela,Bamako District,Bamako,2400000\n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  const std::string message = error_of(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, &areas);
  CHECK_THAT(message, Catch::Contains("areas.csv:3") && Catch::Contains("Bamako District") && Catch::Contains("line 2"));
}

TEST_CASE("markets are found in the areas file by market_id, else by name and admin1", "[areas]") {
  SECTION("by market_id, whatever the name") {
    const std::vector<Market> markets = {market("Mopti Central", "Mopti", "", "101"), market("Sevare", "Mopti", "", "103")};
    TempFile file("areas.csv", "market_id,market,admin2,admin1\n101,Mopti,Mopti,Mopti\n103,Sevare,Mopti,Mopti\n");
    const meb::AreaFile areas = meb::read_area_file(file.path());
    const AreaTree tree =
        meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, &areas, "MLI");
    const std::size_t mopti = area_index(tree, AreaLevel::admin2, "Mopti", "Mopti");
    CHECK(sorted(tree.areas[mopti].markets) == std::vector<std::int32_t>{0, 1});
  }
  SECTION("one name in two admin1 areas") {
    const std::vector<Market> markets = {market("Central", "North"), market("Central", "South")};
    TempFile file("areas.csv", "market,admin2,admin1\nCentral,North A,North\nCentral,South B,South\n");
    const meb::AreaFile areas = meb::read_area_file(file.path());
    const AreaTree tree =
        meb::build_area_tree(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, &areas, "MLI");
    CHECK(tree.market_area[0] == static_cast<std::int32_t>(area_index(tree, AreaLevel::admin2, "North A", "North")));
    CHECK(tree.market_area[1] == static_cast<std::int32_t>(area_index(tree, AreaLevel::admin2, "South B", "South")));
  }
}

TEST_CASE("a market listed twice in one admin1 of the areas file is an error naming both lines", "[areas]") {
  const std::vector<Market> markets = {market("Central", "North")};
  TempFile file("areas.csv", "market,admin2,admin1\nCentral,North A,North\nCentral,North B,North\n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  const std::string message = error_of(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, &areas);
  CHECK_THAT(message, Catch::Contains("areas.csv") && Catch::Contains("'Central'") && Catch::Contains("2") &&
                          Catch::Contains("3"));
}

TEST_CASE("a market missing from the areas file is an error naming it", "[areas]") {
  const auto markets = mali_markets();
  TempFile file("areas.csv",
                "market,admin2,admin1\nMopti,Mopti,Mopti\nSevare,Mopti,Mopti\nDjenne,Djenne,Mopti\n"
                "Medina Coura,Bamako,Bamako\n");
  const meb::AreaFile areas = meb::read_area_file(file.path());
  const std::string message = error_of(markets, {AreaLevel::market, AreaLevel::admin1}, &areas);
  CHECK_THAT(message, Catch::Contains("areas.csv") && Catch::Contains("'Kati'") && Catch::Contains("not in the areas file"));
}

TEST_CASE("a market with no admin2 name on a path with admin2 is an error naming it", "[areas]") {
  std::vector<Market> markets = mali_markets();
  markets.push_back(market("Gao", "Gao", ""));
  const std::string message = error_of(markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1}, nullptr);
  CHECK_THAT(message, Catch::Contains("'Gao'") && Catch::Contains("admin2"));
  // The same markets are fine when the path skips admin2.
  CHECK(error_of(markets, {AreaLevel::market, AreaLevel::admin1}, nullptr).empty());
}

TEST_CASE("a market with no admin1 name on a path with admin1 is an error naming it", "[areas]") {
  const std::vector<Market> markets = {market("Mopti", "Mopti"), market("Nowhere", "")};
  const std::string message = error_of(markets, {AreaLevel::market, AreaLevel::admin1}, nullptr);
  CHECK_THAT(message, Catch::Contains("'Nowhere'") && Catch::Contains("admin1"));
  CHECK(error_of(markets, {AreaLevel::market, AreaLevel::national}, nullptr).empty());
}

TEST_CASE("the areas do not depend on the order of the markets", "[areas]") {
  const std::vector<AreaLevel> path = {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1, AreaLevel::national};
  std::vector<Market> markets = mali_markets();
  markets.push_back(market("North market", "North", "Central"));
  markets.push_back(market("South market", "South", "Central"));
  // (level, name, parent name, market names) of every area, in the tree's order.
  auto describe = [&](const std::vector<Market>& ms) {
    const AreaTree tree = meb::build_area_tree(ms, path, nullptr, "MLI");
    std::vector<std::string> out;
    for (std::size_t a = 0; a < tree.areas.size(); ++a) {
      std::vector<std::string> names;
      for (auto m : tree.areas[a].markets) names.push_back(ms[static_cast<std::size_t>(m)].name);
      std::sort(names.begin(), names.end());
      std::string text = std::string(meb::to_string(tree.areas[a].level)) + "|" + tree.areas[a].name + "|" +
                         tree.parent_name(a) + "|";
      for (const auto& n : names) text += n + ";";
      out.push_back(text);
    }
    return out;
  };
  const auto reference = describe(markets);
  // 6 admin2 (Mopti, Djenne, Bamako, Kati, Central in North, Central in South), 5 admin1, 1 national.
  CHECK(reference.size() == 12);
  std::vector<Market> reversed(markets.rbegin(), markets.rend());
  CHECK(describe(reversed) == reference);
  std::vector<Market> rotated = markets;
  std::rotate(rotated.begin(), rotated.begin() + 3, rotated.end());
  CHECK(describe(rotated) == reference);
  CHECK(describe(markets) == reference);  // and the same twice
}

TEST_CASE("the shipped Mali areas file places WFP markets by market_id with COD P-codes", "[areas]") {
  // data/mli/areas_mli_wfp_markets.csv (scripts/make_mali_areas.py): WFP market 247 is Bamako (cercle
  // ML0901, region ML09, population 2,231,344 in COD-PS v2); 248 is Gao (ML0703 in ML07); 249 is
  // "Kayes Centre" in cercle Kayes (ML0103, 632,503). The price file's names need not match: the id decides.
  const meb::AreaFile file = meb::read_area_file(std::string(MEB_SOURCE_DIR) + "/data/mli/areas_mli_wfp_markets.csv");
  CHECK(file.has_market_id);
  CHECK(file.rows.size() == 153);
  const std::vector<Market> markets = {{"247", "Bamako", "", ""}, {"248", "Gao", "", ""}, {"249", "Kayes", "", ""}};
  const AreaTree tree = meb::build_area_tree(
      markets, {AreaLevel::market, AreaLevel::admin2, AreaLevel::admin1, AreaLevel::national}, &file, "MLI");
  REQUIRE(tree.by_level.size() == 3);
  REQUIRE(tree.by_level[0].size() == 3);
  auto area = [&](std::size_t step, const std::string& name) -> const Area& {
    for (const auto index : tree.by_level[step])
      if (tree.areas[static_cast<std::size_t>(index)].name == name) return tree.areas[static_cast<std::size_t>(index)];
    FAIL("no area " << name);
    throw std::logic_error("unreachable");
  };
  CHECK(area(0, "Bamako").pcode == "ML0901");
  CHECK(area(0, "Bamako").population == Approx(2231344.0));
  CHECK(area(0, "Kayes").pcode == "ML0103");
  CHECK(area(0, "Kayes").population == Approx(632503.0));
  CHECK(area(1, "Gao").pcode == "ML07");
  CHECK(area(1, "Bamako").pcode == "ML09");
  CHECK(area(2, "MLI").pcode == "MLI");
  CHECK(tree.parent_name(static_cast<std::size_t>(tree.by_level[1][0])) == "MLI");
}

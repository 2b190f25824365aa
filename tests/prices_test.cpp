#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <numeric>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "meb/error.hpp"
#include "meb/csv.hpp"
#include "meb/prices.hpp"
#include "meb/sha256.hpp"
#include "test_helpers.hpp"

using meb::InputError;
using meb::Methodology;
using meb::PriceLayout;
using meb::PriceTable;
using meb::testing::methodology_from;
using meb::testing::prices_for;

namespace {

// A methodology whose basket uses Millet, Sorghum (alias "Sorghum (white)"), Maize (alias "Maize (white)"),
// "Bread (bakery, parallel market)" and Oil (vegetable); `prices` is the YAML of its prices block.
std::string yaml_with(const std::string& prices = "prices: {pricetype: Retail}\n") {
  return "id: test\n"
         "name: Test\n"
         "currency: XOF\n"
         "household: {size: 1}\n" +
         prices +
         "basket:\n"
         "  - component: food\n"
         "    tier: smeb\n"
         "    items:\n"
         "      - {item: Millet, quantity: 1, unit: KG, per: person/day}\n"
         "      - {item: Sorghum, aliases: [\"Sorghum (white)\"], quantity: 1, unit: KG, per: person/day}\n"
         "      - {item: Maize, aliases: [\"Maize (white)\"], quantity: 1, unit: KG, per: person/day}\n"
         "      - {item: \"Bread (bakery, parallel market)\", quantity: 1, unit: KG, per: person/day}\n"
         "      - {item: Oil (vegetable), quantity: 1, unit: L, per: person/day}\n";
}

std::string data_path(const std::string& name) { return std::string(MEB_TEST_DATA_DIR) + "/prices/" + name; }

PriceTable read_fixture(const Methodology& methodology, const std::string& name, bool skip_bad_rows = false) {
  PriceTable table;
  meb::read_price_file(data_path(name), meb::make_price_filter(methodology, skip_bad_rows), table);
  return table;
}

std::vector<std::string_view> fields(const std::vector<std::string>& names) {
  return std::vector<std::string_view>(names.begin(), names.end());
}

const std::string& commodity_of(const PriceTable& table, std::size_t q) { return table.commodities[table.quotes[q].commodity]; }
const std::string& unit_of(const PriceTable& table, std::size_t q) { return table.units[table.quotes[q].unit]; }
const meb::Market& market_of(const PriceTable& table, std::size_t q) { return table.markets[table.quotes[q].market]; }

// The message of the InputError that reading `csv` raises ("" when none).
std::string error_reading(const Methodology& methodology, const std::string& csv) {
  try {
    (void)prices_for(methodology, csv);
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

// Current WFP layout without the optional ids, for short inline files.
const std::string kCurrentHeader = "date,admin1,admin2,market,commodity,unit,priceflag,pricetype,currency,price,usdprice\n";

}  // namespace

TEST_CASE("layout detection of the WFP current layout", "[prices]") {
  const std::vector<std::string> full = {"date",      "admin1",    "admin2",   "market",   "market_id", "latitude",
                                         "longitude", "category",  "commodity", "commodity_id", "unit", "priceflag",
                                         "pricetype", "currency", "price",    "usdprice"};
  CHECK(meb::detect_layout(fields(full), nullptr, "p.csv") == PriceLayout::wfp_current);
  std::vector<std::string> with_country = full;
  with_country.insert(with_country.begin(), "countryiso3");
  CHECK(meb::detect_layout(fields(with_country), nullptr, "p.csv") == PriceLayout::wfp_current);
  const std::vector<std::string> without_ids = {"date",     "admin1",    "admin2",    "market", "latitude",
                                                "longitude", "category", "commodity", "unit",   "priceflag",
                                                "pricetype", "currency", "price",     "usdprice"};
  CHECK(meb::detect_layout(fields(without_ids), nullptr, "p.csv") == PriceLayout::wfp_current);
  // Header names are compared without regard to case or surrounding spaces.
  const std::vector<std::string> shouting = {"Date", " Admin1", "Market ", "Commodity", "Unit", "PriceFlag", "Price"};
  CHECK(meb::detect_layout(fields(shouting), nullptr, "p.csv") == PriceLayout::wfp_current);
}

TEST_CASE("layout detection of the old WFP layout, a long CSV and a wide export", "[prices]") {
  const std::vector<std::string> old = {"date",   "cmname", "unit", "category", "price", "currency",
                                        "country", "admname", "adm1id", "mktname", "mktid", "cmid",
                                        "ptid",   "umid",   "catid", "sn",       "default"};
  CHECK(meb::detect_layout(fields(old), nullptr, "p.csv") == PriceLayout::wfp_old);
  const std::vector<std::string> long_csv = {"date", "market", "admin1", "item", "unit", "pricetype", "currency", "price"};
  CHECK(meb::detect_layout(fields(long_csv), nullptr, "p.csv") == PriceLayout::long_csv);

  meb::WideMapping wide;
  wide.date = "today";
  wide.market = "market_name";
  wide.columns = {{"price_millet", "Millet", "KG"}};
  const std::vector<std::string> kobo = {"today", "region", "market_name", "price_millet"};
  CHECK(meb::detect_layout(fields(kobo), &wide, "p.csv") == PriceLayout::wide);
  // Without a mapping, the wide header is not understood: the message says what to add.
  REQUIRE_THROWS_WITH(meb::detect_layout(fields(kobo), nullptr, "kobo.csv"),
                      Catch::Contains("kobo.csv:1") && Catch::Contains("today, region, market_name, price_millet") &&
                          Catch::Contains("prices.wide"));
  const std::vector<std::string> nonsense = {"a", "b"};
  REQUIRE_THROWS_WITH(meb::detect_layout(fields(nonsense), &wide, "x.csv"),
                      Catch::Contains("x.csv:1") && Catch::Contains("a, b") && Catch::Contains("today") &&
                          Catch::Contains("market_name"));
}

TEST_CASE("WFP current file with its HXL row, filters and counts", "[prices]") {
  const Methodology methodology = methodology_from(yaml_with());
  const PriceTable table = read_fixture(methodology, "wfp_current.csv");
  REQUIRE(table.sources.size() == 1);
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.path == data_path("wfp_current.csv"));
  CHECK(source.layout == PriceLayout::wfp_current);
  CHECK(source.hxl_row);
  // 8 data rows, each set aside for exactly one reason or kept:
  // line 4 Wholesale, line 5 aggregate, line 6 National Average, line 9 Rice (unused),
  // line 10 "actual,aggregate" (not asked for); kept: lines 3, 7, 8.
  CHECK(source.rows_read == 8);
  CHECK(source.rows_used == 3);
  CHECK(source.filtered_pricetype == 1);
  CHECK(source.filtered_priceflag == 2);
  CHECK(source.filtered_national_average == 1);
  CHECK(source.filtered_commodity == 1);
  CHECK(source.skipped_bad_rows == 0);
  CHECK(source.bad_unused_rows == 0);
  CHECK(table.issues.empty());

  REQUIRE(table.quotes.size() == 3);
  CHECK(table.quotes[0].line == 3);
  CHECK(commodity_of(table, 0) == "Millet");
  CHECK(unit_of(table, 0) == "KG");
  CHECK(table.quotes[0].price == 250.0);
  CHECK(table.quotes[0].month.to_string() == "2020-01");
  CHECK(market_of(table, 0).id == "101");
  CHECK(market_of(table, 0).name == "Mopti");
  CHECK(market_of(table, 0).admin1 == "Mopti");
  CHECK(market_of(table, 0).admin2 == "Mopti");
  // The quoted name with a comma is one commodity, kept whole.
  CHECK(table.quotes[1].line == 7);
  CHECK(commodity_of(table, 1) == "Bread (bakery, parallel market)");
  CHECK(table.quotes[1].price == 500.0);
  CHECK(table.quotes[1].market == table.quotes[0].market);
  // Empty admin2, latitude, longitude and usdprice are accepted.
  CHECK(table.quotes[2].line == 8);
  CHECK(commodity_of(table, 2) == "Sorghum (white)");
  CHECK(table.quotes[2].month.to_string() == "2020-02");
  CHECK(market_of(table, 2).name == "Sevare");
  CHECK(market_of(table, 2).admin2.empty());
  // National Average is never a market.
  REQUIRE(table.markets.size() == 2);
  for (const auto& market : table.markets) CHECK(market.name != "National Average");
}

TEST_CASE("price flags are kept as the methodology asks", "[prices]") {
  SECTION("actual and aggregate") {
    const PriceTable table = read_fixture(methodology_from(yaml_with("prices: {priceflags: [actual, aggregate]}\n")),
                                          "wfp_current.csv");
    // Line 5 (aggregate) joins lines 3, 7 and 8; line 10 ("actual,aggregate") stays out.
    CHECK(table.sources[0].rows_used == 4);
    CHECK(table.sources[0].filtered_priceflag == 1);
    std::vector<std::uint32_t> lines;
    for (const auto& quote : table.quotes) lines.push_back(quote.line);
    CHECK(lines == std::vector<std::uint32_t>{3, 5, 7, 8});
  }
  SECTION("actual and actual,aggregate") {
    const PriceTable table = read_fixture(
        methodology_from(yaml_with("prices: {priceflags: [actual, \"actual,aggregate\"]}\n")), "wfp_current.csv");
    CHECK(table.sources[0].rows_used == 4);
    CHECK(table.sources[0].filtered_priceflag == 1);
    std::vector<std::uint32_t> lines;
    for (const auto& quote : table.quotes) lines.push_back(quote.line);
    CHECK(lines == std::vector<std::uint32_t>{3, 7, 8, 10});
    REQUIRE(table.quotes.size() == 4);
    CHECK(commodity_of(table, 3) == "Oil (vegetable)");
    CHECK(unit_of(table, 3) == "L");
    CHECK(table.quotes[3].price == 1100.0);
  }
  SECTION("actual,aggregate alone") {
    const PriceTable table =
        read_fixture(methodology_from(yaml_with("prices: {priceflags: [\"actual,aggregate\"]}\n")), "wfp_current.csv");
    const auto kept = [&](std::uint32_t line) {
      return std::any_of(table.quotes.begin(), table.quotes.end(), [&](const auto& q) { return q.line == line; });
    };
    CHECK(kept(10));
    CHECK_FALSE(kept(5));  // "aggregate" alone was not asked for
  }
}

TEST_CASE("price types are never mixed", "[prices]") {
  const std::string csv = kCurrentHeader +
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,100 KG,actual,Wholesale,XOF,22000,\n"
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,retail,XOF,260,\n"
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Producer,XOF,180,\n";
  const PriceTable retail = prices_for(methodology_from(yaml_with()), csv);
  REQUIRE(retail.quotes.size() == 2);  // "Retail" and "retail"
  CHECK(retail.quotes[0].price == 250.0);
  CHECK(retail.quotes[1].price == 260.0);
  CHECK(retail.sources[0].filtered_pricetype == 2);
  const PriceTable wholesale = prices_for(methodology_from(yaml_with("prices: {pricetype: Wholesale}\n")), csv);
  REQUIRE(wholesale.quotes.size() == 1);
  CHECK(wholesale.quotes[0].price == 22000.0);
  CHECK(wholesale.units[wholesale.quotes[0].unit] == "100 KG");
  CHECK(wholesale.sources[0].filtered_pricetype == 3);
}

TEST_CASE("the country code comes from countryiso3", "[prices]") {
  const std::string csv =
      "countryiso3,date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,unit,"
      "priceflag,pricetype,currency,price,usdprice\n"
      "#country+code,#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,#item+type,"
      "#item+name,#item+code,#item+unit,#item+price+flag,#item+price+type,#currency,#value,#value+usd\n"
      "MLI,2023-05-15,Gao,Gao,Gao,300,16.27,-0.04,cereals and tubers,Millet,65,KG,actual,Retail,XOF,350,0.58\n";
  const PriceTable table = prices_for(methodology_from(yaml_with()), csv);
  CHECK(table.sources[0].layout == PriceLayout::wfp_current);
  CHECK(table.sources[0].hxl_row);
  CHECK(table.sources[0].rows_read == 1);
  CHECK(table.country_code == "MLI");
  REQUIRE(table.quotes.size() == 1);
  CHECK(table.quotes[0].line == 3);
  CHECK(table.markets[0].id == "300");
}

TEST_CASE("a file without an HXL row reads from line 2", "[prices]") {
  const PriceTable table =
      prices_for(methodology_from(yaml_with()), kCurrentHeader + "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n");
  CHECK_FALSE(table.sources[0].hxl_row);
  CHECK(table.sources[0].rows_read == 1);
  REQUIRE(table.quotes.size() == 1);
  CHECK(table.quotes[0].line == 2);
  CHECK(table.country_code.empty());
}

TEST_CASE("rows of commodities no basket uses are counted, not kept", "[prices]") {
  const std::string csv = kCurrentHeader +
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,XOF,400,\n"   // 2: fine
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,XOF,abc,\n"   // 3
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,XOF,-3,\n"    // 4
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,XOF,,\n"      // 5
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),,actual,Retail,XOF,410,\n"     // 6
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,USD,0.7,\n"   // 7: fine
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n";           // 8: kept
  PriceTable table;
  REQUIRE_NOTHROW(table = prices_for(methodology_from(yaml_with()), csv));
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.rows_read == 7);
  CHECK(source.rows_used == 1);
  CHECK(source.filtered_commodity == 6);
  CHECK(source.bad_unused_rows == 4);
  CHECK(source.skipped_bad_rows == 0);
  REQUIRE(table.quotes.size() == 1);
  CHECK(table.commodities.size() == 1);  // Rice is never interned
  REQUIRE(table.issues.size() == 4);
  const std::vector<std::size_t> lines = {3, 4, 5, 6};
  const std::vector<std::string> values = {"abc", "-3", "", ""};
  const std::vector<std::string> reasons = {"not a number", "negative", "missing price", "missing unit"};
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("issue " << i);
    CHECK(table.issues[i].file == "prices.csv");
    CHECK(table.issues[i].line == lines[i]);
    CHECK(table.issues[i].commodity == "Rice (imported)");
    CHECK(table.issues[i].value == values[i]);
    CHECK_THAT(table.issues[i].reason, Catch::Contains(reasons[i]));
  }
}

TEST_CASE("all_commodities keeps the rows of every named commodity whatever the list holds", "[prices]") {
  const std::string csv = kCurrentHeader +
                          "2020-01-15,Mopti,Mopti,Mopti,Rice (imported),KG,actual,Retail,XOF,400,\n"  // 2: kept
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"           // 3: kept
                          "2020-01-15,Mopti,Mopti,Mopti,,KG,actual,Retail,XOF,100,\n"                 // 4: no name
                          "2020-01-15,Mopti,Mopti,Mopti,rice (imported),KG,actual,Retail,XOF,abc,\n"  // 5: bad, kept
                          "2020-01-15,Mopti,Mopti,Mopti,Sugar,KG,forecast,Retail,XOF,600,\n";         // 6: flag
  meb::PriceFilter filter;
  filter.pricetype = "Retail";
  filter.commodities = {"millet"};  // ignored: every commodity is kept
  filter.all_commodities = true;
  filter.skip_bad_rows = true;
  PriceTable table;
  meb::read_prices("prices.csv", csv, filter, table);
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.rows_read == 5);
  CHECK(source.rows_used == 2);             // lines 2 and 3
  CHECK(source.filtered_commodity == 1);    // line 4: an empty name is no commodity
  CHECK(source.filtered_priceflag == 1);    // line 6: the filter's other keys still apply
  CHECK(source.skipped_bad_rows == 1);      // line 5: a kept commodity's bad row is skipped, not listed as unused
  CHECK(source.bad_unused_rows == 0);
  REQUIRE(table.quotes.size() == 2);
  CHECK(commodity_of(table, 0) == "Rice (imported)");
  CHECK(commodity_of(table, 1) == "Millet");
  REQUIRE(table.issues.size() == 1);
  CHECK(table.issues[0].line == 5);
  CHECK(table.issues[0].value == "abc");
}

TEST_CASE("cache_key tells apart exactly the filters that read different tables", "[prices]") {
  meb::PriceFilter retail;
  retail.pricetype = "Retail";
  retail.currency = "XOF";
  retail.priceflags = {"actual", "aggregate"};
  retail.commodities = {"millet", "sorghum"};
  // The reader compares price type, currency and flags ignoring case, and flags in any order.
  meb::PriceFilter same = retail;
  same.pricetype = "RETAIL";
  same.currency = "xof";
  same.priceflags = {" Aggregate", "ACTUAL"};
  CHECK(meb::cache_key(same) == meb::cache_key(retail));
  for (auto change : std::vector<void (*)(meb::PriceFilter&)>{
           [](meb::PriceFilter& f) { f.pricetype = "Wholesale"; },
           [](meb::PriceFilter& f) { f.currency = "USD"; },
           [](meb::PriceFilter& f) { f.priceflags = {"actual"}; },
           [](meb::PriceFilter& f) { f.commodities.insert("maize"); },
           [](meb::PriceFilter& f) { f.all_commodities = true; },
           [](meb::PriceFilter& f) { f.markets_of_all_rows = true; },
           [](meb::PriceFilter& f) { f.skip_bad_rows = true; }}) {
    meb::PriceFilter other = retail;
    change(other);
    CHECK(meb::cache_key(other) != meb::cache_key(retail));
  }
  // Every commodity is kept whatever the list holds.
  meb::PriceFilter every = retail, every_other = retail;
  every.all_commodities = every_other.all_commodities = true;
  every_other.commodities = {"rice"};
  CHECK(meb::cache_key(every) == meb::cache_key(every_other));
  // Wide mappings compare by content: two copies at two addresses share a key, a changed column does not.
  const meb::WideMapping mapping{"today", "market_name", "", "region", "", {{"millet_price", "Millet", "KG"}}};
  meb::WideMapping copy = mapping, moved = mapping;
  moved.columns[0].unit = "500 G";
  meb::PriceFilter wide = retail, wide_copy = retail, wide_moved = retail;
  wide.wide = &mapping;
  wide_copy.wide = &copy;
  wide_moved.wide = &moved;
  CHECK(meb::cache_key(wide) == meb::cache_key(wide_copy));
  CHECK(meb::cache_key(wide) != meb::cache_key(wide_moved));
  CHECK(meb::cache_key(wide) != meb::cache_key(retail));
}

TEST_CASE("a currency other than the methodology's is an error naming it", "[prices]") {
  const std::string csv = kCurrentHeader +
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,xof,255,\n"
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,USD,0.43,\n";
  const std::string message = error_reading(methodology_from(yaml_with()), csv);
  CHECK_THAT(message, Catch::Contains("prices.csv:4") && Catch::Contains("USD") && Catch::Contains("XOF"));
}

TEST_CASE("market identity follows market_id, else the name within its areas", "[prices]") {
  SECTION("without market_id, one name in two admin1 areas is two markets") {
    const std::string csv = kCurrentHeader +
                            "2020-01-15,North,Central,Central Market,Millet,KG,actual,Retail,XOF,200,\n"
                            "2020-01-15,South,Central,Central Market,Millet,KG,actual,Retail,XOF,300,\n"
                            "2020-02-15,North,Central,Central Market,Millet,KG,actual,Retail,XOF,210,\n";
    const PriceTable table = prices_for(methodology_from(yaml_with()), csv);
    REQUIRE(table.quotes.size() == 3);
    REQUIRE(table.markets.size() == 2);
    CHECK(table.quotes[0].market == table.quotes[2].market);
    CHECK(table.quotes[0].market != table.quotes[1].market);
    CHECK(market_of(table, 0).admin1 == "North");
    CHECK(market_of(table, 1).admin1 == "South");
    CHECK(market_of(table, 0).id.empty());
  }
  SECTION("with market_id, the id decides") {
    const std::string csv =
        "date,admin1,admin2,market,market_id,commodity,unit,priceflag,pricetype,currency,price,usdprice\n"
        "2020-01-15,Mopti,Mopti,Mopti,101,Millet,KG,actual,Retail,XOF,250,\n"
        "2020-02-15,Mopti,Mopti,Mopti Central,101,Millet,KG,actual,Retail,XOF,255,\n"
        "2020-01-15,Mopti,Mopti,Mopti,104,Millet,KG,actual,Retail,XOF,245,\n";
    const PriceTable table = prices_for(methodology_from(yaml_with()), csv);
    REQUIRE(table.quotes.size() == 3);
    REQUIRE(table.markets.size() == 2);
    CHECK(table.quotes[0].market == table.quotes[1].market);  // same id, renamed
    CHECK(table.quotes[0].market != table.quotes[2].market);  // same name, another id
    CHECK(market_of(table, 2).id == "104");
  }
  SECTION("the same market_id in two files is one market") {
    const Methodology methodology = methodology_from(yaml_with());
    const auto filter = meb::make_price_filter(methodology, false);
    const std::string header =
        "date,admin1,admin2,market,market_id,commodity,unit,priceflag,pricetype,currency,price,usdprice\n";
    PriceTable table;
    meb::read_prices("a.csv", header + "2020-01-15,Mopti,Mopti,Mopti,101,Millet,KG,actual,Retail,XOF,250,\n", filter, table);
    meb::read_prices("b.csv", header + "2020-02-15,Mopti,Mopti,Mopti,101,Millet,KG,actual,Retail,XOF,260,\n", filter, table);
    REQUIRE(table.sources.size() == 2);
    CHECK(table.sources[0].path == "a.csv");
    CHECK(table.sources[1].path == "b.csv");
    REQUIRE(table.quotes.size() == 2);
    CHECK(table.quotes[0].source == 0);
    CHECK(table.quotes[1].source == 1);
    CHECK(table.markets.size() == 1);
    CHECK(table.commodities.size() == 1);
  }
}

TEST_CASE("bad rows are errors naming the file, the line and the value", "[prices]") {
  const Methodology methodology = methodology_from(yaml_with());
  const std::string good = "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n";
  SECTION("wrong column count") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + good + "2020-01-15,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:3") && Catch::Contains("11") && Catch::Contains("10"));
  }
  SECTION("unparseable date") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + good + "2020-13-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:3") && Catch::Contains("'2020-13-15'") && Catch::Contains("date"));
  }
  SECTION("unparseable date in a row of an unused commodity") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + "15.01.2020,Mopti,Mopti,Mopti,Rice,KG,actual,Retail,XOF,400,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:2") && Catch::Contains("'15.01.2020'"));
  }
  SECTION("missing price") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + good + "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:3") && Catch::Contains("missing price") && Catch::Contains("Millet"));
  }
  SECTION("non-numeric price") {
    const std::string message = error_reading(
        methodology, kCurrentHeader + good + "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,\"2,50\",\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:3") && Catch::Contains("'2,50'") && Catch::Contains("Millet"));
  }
  SECTION("negative price") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + good + "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,-5,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:3") && Catch::Contains("'-5'") && Catch::Contains("negative"));
  }
  SECTION("the line counts the lines of a quoted field spanning lines") {
    const std::string message = error_reading(
        methodology, kCurrentHeader + "2020-01-15,Mopti,Mopti,Mopti,\"Bread (bakery,\nparallel market)\",KG,actual,Retail,XOF,500,\n" +
                         "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,abc,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:4") && Catch::Contains("'abc'"));
  }
  SECTION("the line counts the HXL row") {
    const std::string message = error_reading(
        methodology, kCurrentHeader + "#date,#adm1+name,#adm2+name,#loc+market+name,#item+name,#item+unit,#item+price+flag,"
                                      "#item+price+type,#currency,#value,#value+usd\n" +
                         good + "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,abc,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv:4") && Catch::Contains("'abc'"));
  }
  SECTION("an unterminated quoted field") {
    const std::string message =
        error_reading(methodology, kCurrentHeader + good + "2020-01-15,Mopti,Mopti,Mopti,\"Millet,KG,actual,Retail,XOF,250,\n");
    CHECK_THAT(message, Catch::Contains("prices.csv") && Catch::Contains("line 3") && Catch::Contains("unterminated"));
  }
  SECTION("an empty file") {
    const std::string message = error_reading(methodology, "");
    CHECK_THAT(message, Catch::Contains("prices.csv") && Catch::Contains("empty"));
    CHECK_THAT(message, !Catch::Contains("prices.csv: prices.csv"));  // the file is named once
  }
}

TEST_CASE("skip_bad_rows counts and lists bad rows instead of failing", "[prices]") {
  const std::string csv = kCurrentHeader +
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"     // 2: kept
                          "2020-01-15,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"           // 3: 10 columns
                          "2020-13-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,\n"     // 4: bad date
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,,\n"        // 5: missing price
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,abc,\n"     // 6: not a number
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,-5,\n"      // 7: negative
                          "2020-01-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,USD,0.4,\n"     // 8: currency
                          "2020-02-15,Mopti,Mopti,Mopti,Millet,KG,actual,Retail,XOF,260,\n";    // 9: kept
  PriceTable table;
  REQUIRE_NOTHROW(table = prices_for(methodology_from(yaml_with()), csv, "prices.csv", true));
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.rows_read == 8);
  CHECK(source.rows_used == 2);
  CHECK(source.skipped_bad_rows == 6);
  REQUIRE(table.quotes.size() == 2);
  CHECK(table.quotes[0].line == 2);
  CHECK(table.quotes[1].line == 9);
  REQUIRE(table.issues.size() == 6);
  const std::vector<std::size_t> lines = {3, 4, 5, 6, 7, 8};
  // A row of the wrong width is shown as read, since no single field is at fault.
  const std::vector<std::string> values = {"2020-01-15,Mopti,Mopti,Millet,KG,actual,Retail,XOF,250,", "2020-13-15", "",
                                           "abc", "-5", "USD"};
  for (std::size_t i = 0; i < 6; ++i) {
    INFO("issue " << i);
    CHECK(table.issues[i].file == "prices.csv");
    CHECK(table.issues[i].line == lines[i]);
    CHECK(table.issues[i].value == values[i]);
    CHECK_FALSE(table.issues[i].reason.empty());
  }
}

TEST_CASE("old WFP layout splits cmname into commodity and price type", "[prices]") {
  const std::string csv =
      "date,cmname,unit,category,price,currency,country,admname,adm1id,mktname,mktid,cmid,ptid,umid,catid,sn,default\n"
      "#date,#item+name,#item+unit,#item+type,#value,#currency,#country+name,#adm1+name,#adm1+code,#name+market,,"
      "#item+code,,,#item+type+code,#meta+id,\n"
      "2020-04-15,Millet - Retail,KG,cereals and tubers,200.0,XOF,Burkina Faso,Centre,40277,Ouagadougou,150,73,15,5,1,150_73_15_5,\n"
      "2020-04-15,Millet - Wholesale,100 KG,cereals and tubers,17500.0,XOF,Burkina Faso,Centre,40277,Ouagadougou,150,73,14,17,1,150_73_14_17,\n"
      "2020-05-15,Maize (white) - Retail,KG,cereals and tubers,165.0,XOF,Burkina Faso,Sahel,40282,Djibo,160,52,15,5,1,160_52_15_5,\n"
      "2020-05-15,Rice (imported) - Retail,KG,cereals and tubers,400.0,XOF,Burkina Faso,Sahel,40282,Djibo,160,64,15,5,1,160_64_15_5,\n";
  const Methodology retail = methodology_from(yaml_with());
  const PriceTable table = prices_for(retail, csv);
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.layout == PriceLayout::wfp_old);
  CHECK(source.hxl_row);
  CHECK(source.rows_read == 4);
  CHECK(source.filtered_pricetype == 1);
  CHECK(source.filtered_commodity == 1);
  REQUIRE(table.quotes.size() == 2);
  CHECK(commodity_of(table, 0) == "Millet");
  CHECK(table.quotes[0].price == 200.0);
  CHECK(table.quotes[0].line == 3);
  CHECK(market_of(table, 0).name == "Ouagadougou");
  CHECK(market_of(table, 0).admin1 == "Centre");
  CHECK(market_of(table, 0).id == "150");
  CHECK(commodity_of(table, 1) == "Maize (white)");
  CHECK(table.quotes[1].month.to_string() == "2020-05");
  CHECK(market_of(table, 1).name == "Djibo");

  const PriceTable wholesale = prices_for(methodology_from(yaml_with("prices: {pricetype: Wholesale}\n")), csv);
  REQUIRE(wholesale.quotes.size() == 1);
  CHECK(commodity_of(wholesale, 0) == "Millet");
  CHECK(unit_of(wholesale, 0) == "100 KG");
  CHECK(wholesale.quotes[0].price == 17500.0);
  CHECK(wholesale.sources[0].filtered_pricetype == 3);
}

TEST_CASE("a plain long CSV", "[prices]") {
  const std::string csv =
      "date,market,admin1,admin2,item,unit,pricetype,currency,price\n"
      "2020-03,Gao,Gao,Gao,Millet,KG,Retail,XOF,275\n"
      "2020-03,Gao,Gao,Gao,Millet,50 KG,Wholesale,XOF,12000\n"
      "2020-04,Ansongo,Gao,Ansongo,sorghum,KG,Retail,XOF,230\n"
      "2020-04,National Average,,,Millet,KG,Retail,XOF,260\n";
  const PriceTable table = prices_for(methodology_from(yaml_with()), csv);
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.layout == PriceLayout::long_csv);
  CHECK_FALSE(source.hxl_row);
  CHECK(source.rows_read == 4);
  CHECK(source.filtered_pricetype == 1);
  CHECK(source.filtered_national_average == 1);
  REQUIRE(table.quotes.size() == 2);
  CHECK(commodity_of(table, 0) == "Millet");
  CHECK(table.quotes[0].month.to_string() == "2020-03");
  CHECK(market_of(table, 0).admin2 == "Gao");
  CHECK(commodity_of(table, 1) == "sorghum");  // item names match case-insensitively, kept as written
  CHECK(market_of(table, 1).name == "Ansongo");
  CHECK(market_of(table, 1).admin2 == "Ansongo");
}

TEST_CASE("a wide survey export read through the methodology's mapping", "[prices]") {
  const Methodology methodology = methodology_from(yaml_with(
      "prices:\n"
      "  pricetype: Retail\n"
      "  wide:\n"
      "    date: today\n"
      "    market: market_name\n"
      "    admin1: region\n"
      "    admin2: cercle\n"
      "    columns:\n"
      "      - {column: price_millet, item: Millet, unit: KG}\n"
      "      - {column: price_sorghum_500g, item: Sorghum, unit: 500 G}\n"
      "      - {column: price_soap, item: Soap, unit: pcs}\n"
      "      - {column: price_oil, item: Oil (vegetable), unit: L}\n"));
  const PriceTable table = read_fixture(methodology, "kobo_wide.csv");
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.layout == PriceLayout::wide);
  CHECK_FALSE(source.hxl_row);
  CHECK(source.rows_read == 2);
  // Row 2: millet, sorghum kept, soap unused, oil empty. Row 3: millet empty, sorghum and oil kept,
  // soap unused and not a number.
  CHECK(source.rows_used == 4);
  CHECK(source.filtered_empty_cells == 2);
  CHECK(source.filtered_commodity == 2);
  CHECK(source.bad_unused_rows == 1);
  REQUIRE(table.issues.size() == 1);
  CHECK(table.issues[0].line == 3);
  CHECK(table.issues[0].commodity == "Soap");
  CHECK(table.issues[0].value == "abc");
  REQUIRE(table.quotes.size() == 4);
  CHECK(commodity_of(table, 0) == "Millet");
  CHECK(unit_of(table, 0) == "KG");
  CHECK(table.quotes[0].price == 250.0);
  CHECK(table.quotes[0].month.to_string() == "2020-04");  // from the KoBo date-time
  CHECK(market_of(table, 0).admin1 == "Mopti");
  CHECK(commodity_of(table, 1) == "Sorghum");
  CHECK(unit_of(table, 1) == "500 G");
  CHECK(table.quotes[1].price == 110.0);
  CHECK(commodity_of(table, 2) == "Sorghum");
  CHECK(table.quotes[2].line == 3);
  CHECK(market_of(table, 2).name == "Djenne");
  CHECK(market_of(table, 2).admin2 == "Djenne");
  CHECK(commodity_of(table, 3) == "Oil (vegetable)");
  CHECK(unit_of(table, 3) == "L");
  CHECK(table.quotes[3].price == 1200.0);
  CHECK(table.markets.size() == 2);
}

TEST_CASE("a wide mapping naming a column the file lacks is an error naming it", "[prices]") {
  const Methodology methodology = methodology_from(yaml_with(
      "prices:\n"
      "  wide:\n"
      "    date: today\n"
      "    market: market_name\n"
      "    columns:\n"
      "      - {column: price_rice, item: Millet, unit: KG}\n"));
  std::string message;
  try {
    (void)read_fixture(methodology, "kobo_wide.csv");
  } catch (const InputError& error) {
    message = error.what();
  }
  CHECK_THAT(message, Catch::Contains("kobo_wide.csv") && Catch::Contains("'price_rice'"));
}

TEST_CASE("a price file that cannot be opened is an error naming it", "[prices]") {
  PriceTable table;
  const std::string path = data_path("absent.csv");
  REQUIRE_THROWS_WITH(meb::read_price_file(path, meb::make_price_filter(methodology_from(yaml_with()), false), table),
                      Catch::Contains(path));
}

TEST_CASE("the shipped Burkina Faso file, checked against an independent count", "[prices]") {
  // Counts from a separate pass with Python's csv module over the same file:
  // 30,564 data rows after the header and the HXL row; 7,323 "Millet - Retail" rows, all in KG and XOF,
  // over 62 markets (mktid), prices summing to 1,268,687.5325; 3,893 Wholesale rows
  // (2 + 63 + 1,275 + 1,243 + 30 + 1,217 + 63); the other 26,671 - 7,323 = 19,348 Retail rows are
  // other commodities. June 2019: 62 Millet quotes summing to 11,122.
  const Methodology methodology = methodology_from(
      "id: bfa-millet\nname: Millet only\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices: {pricetype: Retail, levels: [market, admin1, national]}\n"
      "basket:\n"
      "  - component: food\n"
      "    tier: smeb\n"
      "    items:\n"
      "      - {item: Millet, quantity: 0.15, unit: KG, per: person/day}\n");
  PriceTable table;
  meb::read_price_file(std::string(MEB_SOURCE_DIR) + "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv",
                       meb::make_price_filter(methodology, false), table);
  REQUIRE(table.sources.size() == 1);
  const meb::PriceSource& source = table.sources[0];
  CHECK(source.layout == PriceLayout::wfp_old);
  CHECK(source.hxl_row);
  CHECK(source.rows_read == 30564);
  CHECK(source.rows_used == 7323);
  CHECK(source.filtered_pricetype == 3893);
  CHECK(source.filtered_commodity == 19348);
  CHECK(source.filtered_priceflag == 0);
  CHECK(source.filtered_national_average == 0);
  CHECK(source.skipped_bad_rows == 0);
  CHECK(source.bad_unused_rows == 0);
  CHECK(table.issues.empty());
  REQUIRE(table.quotes.size() == 7323);
  CHECK(table.markets.size() == 62);
  REQUIRE(table.commodities.size() == 1);
  CHECK(table.commodities[0] == "Millet");
  REQUIRE(table.units.size() == 1);
  CHECK(table.units[0] == "KG");
  const double total = std::accumulate(table.quotes.begin(), table.quotes.end(), 0.0,
                                       [](double sum, const meb::PriceQuote& q) { return sum + q.price; });
  CHECK(total == Approx(1268687.5325));
  std::size_t june = 0;
  double june_total = 0.0;
  for (const auto& quote : table.quotes) {
    if (quote.month.to_string() != "2019-06") continue;
    ++june;
    june_total += quote.price;
  }
  CHECK(june == 62);
  CHECK(june_total == Approx(11122.0));
  const auto [first, last] = std::minmax_element(table.quotes.begin(), table.quotes.end(),
                                                 [](const auto& a, const auto& b) { return a.month < b.month; });
  CHECK(first->month.to_string() == "1992-01");
  CHECK(last->month.to_string() == "2020-07");
  // The first Millet Retail row is on physical line 219 (Tougan, January 1992, 53 XOF/kg).
  CHECK(table.quotes[0].line == 219);
  CHECK(table.quotes[0].price == 53.0);
  CHECK(market_of(table, 0).name == "Tougan");
  CHECK(market_of(table, 0).admin1 == "Boucle Du Mouhoun");
}

// Robustness: a damaged price file (cut lines, stray quotes, swapped fields, junk bytes) is read or
// rejected with an InputError that names the file; never another exception or a crash. Every mutated
// file is read twice: strictly, and with skip_bad_rows, which must then account for every data row.
TEST_CASE("mutated price files give an InputError naming the file or are read", "[prices]") {
  const std::vector<std::string> sources = {data_path("wfp_current.csv"), data_path("kobo_wide.csv"),
                                            std::string(MEB_SOURCE_DIR) + "/data/mli/oma_retail_prices_reported.csv"};
  const Methodology methodology = methodology_from(
      "id: fuzz\nname: Fuzz\ncurrency: XOF\nhousehold: {size: 1}\n"
      "prices:\n  wide:\n    date: today\n    market: market_name\n    admin1: region\n    columns:\n"
      "      - {column: price_millet, item: Millet, unit: KG}\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n"
      "      - {item: Millet, quantity: 0.2, unit: KG, per: person/day}\n"
      "      - {item: Sorghum, quantity: 0.1, unit: KG, per: person/day}\n");
  const std::vector<std::string> junk = {"\"", ",", "\n", "\r\n", "abc", "-5", "", "2020-13-01", "\xEF\xBB\xBF", "#x"};
  std::mt19937 random(7);
  std::size_t read = 0, rejected = 0;
  for (const std::string& source : sources) {
    const std::string original = meb::read_file(source);
    for (int round = 0; round < 300; ++round) {
      std::string text = original;
      const int edits = 1 + static_cast<int>(random() % 4);
      for (int e = 0; e < edits && !text.empty(); ++e) {
        const std::size_t at = random() % text.size();
        switch (random() % 3) {
          case 0: text.erase(at, 1 + random() % 20); break;
          case 1: text.insert(at, junk[random() % junk.size()]); break;
          default: text[at] = static_cast<char>(random() % 128); break;
        }
      }
      INFO(source << " round " << round);
      for (const bool skip : {false, true}) {
        PriceTable table;
        try {
          meb::read_prices("mutated.csv", text, meb::make_price_filter(methodology, skip), table);
          ++read;
          const meb::PriceSource& s = table.sources.at(0);
          // With skipping, every data row is kept, filtered, or skipped and listed: none vanishes.
          if (skip && s.layout != PriceLayout::wide)
            CHECK(s.rows_read == s.rows_used + s.filtered_pricetype + s.filtered_priceflag +
                                     s.filtered_national_average + s.filtered_commodity + s.skipped_bad_rows);
        } catch (const meb::InputError& error) {
          CHECK_THAT(error.what(), Catch::Contains("mutated.csv"));
          ++rejected;
        }
      }
    }
  }
  CHECK(read > 0);
  CHECK(rejected > 0);
}

namespace {

/// Everything a read leaves in a table, as text: two reads are the same read when these are equal.
std::string describe_table(const PriceTable& table) {
  std::string out = "country " + table.country_code + "\n";
  out += "months " + (table.first_month ? table.first_month->to_string() : "-") + " " +
         (table.last_month ? table.last_month->to_string() : "-") + "\n";
  for (const auto& m : table.markets) out += "market " + m.id + "|" + m.name + "|" + m.admin1 + "|" + m.admin2 + "\n";
  for (const auto& c : table.commodities) out += "commodity " + c + "\n";
  for (const auto& u : table.units) out += "unit " + u + "\n";
  for (const auto& s : table.sources)
    out += "source " + s.path + " " + std::to_string(s.hxl_row) + " " + std::to_string(s.rows_read) + " " +
           std::to_string(s.rows_used) + " " + std::to_string(s.filtered_pricetype) + " " +
           std::to_string(s.filtered_priceflag) + " " + std::to_string(s.filtered_national_average) + " " +
           std::to_string(s.filtered_commodity) + " " + std::to_string(s.skipped_bad_rows) + " " +
           std::to_string(s.bad_unused_rows) + "\n";
  for (const auto& q : table.quotes)
    out += "quote " + std::to_string(q.market) + " " + std::to_string(q.commodity) + " " + std::to_string(q.unit) + " " +
           std::to_string(q.source) + " " + std::to_string(q.line) + " " + q.month.to_string() + " " +
           std::to_string(q.price) + "\n";
  for (const auto& i : table.issues)
    out += "issue " + i.file + ":" + std::to_string(i.line) + " " + i.commodity + " " + i.reason + " " + i.value + "\n";
  return out;
}

/// A basket of millet and maize in XOF: the commodities the split and streamed reads keep.
Methodology millet_and_maize() {
  return methodology_from(R"(
id: t
name: millet and maize
currency: XOF
household: {size: 1}
prices: {levels: [market, admin1]}
basket:
  - component: food
    tier: smeb
    items:
      - {item: Millet, quantity: 1, unit: KG, per: person/month}
      - {item: Maize, quantity: 1, unit: KG, per: person/month}
)");
}

PriceTable read_in_parts(const std::string& content, const meb::PriceFilter& filter, std::size_t parts) {
  PriceTable table;
  meb::detail::read_prices_in_parts("prices.csv", content, filter, table, parts);
  return table;
}

std::string error_in_parts(const std::string& content, const meb::PriceFilter& filter, std::size_t parts) {
  try {
    (void)read_in_parts(content, filter, parts);
  } catch (const InputError& error) {
    return error.what();
  }
  return "no error";
}

}  // namespace

TEST_CASE("a file read in two halves gives the table of one pass", "[prices]") {
  const Methodology methodology = millet_and_maize();
  meb::PriceFilter filter = meb::make_price_filter(methodology, false);

  SECTION("the real Burkina Faso file (old layout, HXL row)") {
    const std::string content = meb::read_file(std::string(MEB_SOURCE_DIR) + "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv");
    filter.currency.clear();
    const PriceTable one = read_in_parts(content, filter, 1);
    REQUIRE(one.quotes.size() > 1000);
    CHECK(describe_table(read_in_parts(content, filter, 2)) == describe_table(one));
  }

  // A generated long file: markets appearing first in the second half, an unused commodity with a bad price,
  // quoted names with commas, and a quoted field holding a line break placed at the middle of the file.
  std::string content = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
  for (int i = 0; i < 400; ++i) {
    const std::string market = "M" + std::to_string(i % (i < 200 ? 5 : 9));
    content += "2020-0" + std::to_string(1 + i % 6) + "-15," + market + ",\"North, East\",D,Millet,KG,Retail,XOF," +
               std::to_string(100 + i) + "\n";
    if (i % 7 == 0) content += "2020-01-15," + market + ",A1,D,Rice,KG,Retail,XOF,abc\n";
    if (i == 190) content += "2020-02-15,\"Market\nwith a break\",A1,D,Maize,KG,Retail,XOF,250\n";
    if (i % 11 == 0) content += "2020-03-15," + market + ",A1,D,Maize,KG,Wholesale,XOF,90\n";
  }
  SECTION("generated: every quote, market, listed row and count, with the file's line numbers") {
    const PriceTable one = read_in_parts(content, filter, 1);
    REQUIRE(one.quotes.size() == 401);  // 400 millet rows and the maize row whose market name holds a break
    REQUIRE(one.issues.size() == 58);   // the unused Rice rows with a price that is not a number (i = 0, 7, ..., 399)
    const PriceTable two = read_in_parts(content, filter, 2);
    CHECK(describe_table(two) == describe_table(one));
    CHECK(two.quotes.back().line == one.quotes.back().line);
  }
  SECTION("every row with a line break inside a quoted field: the halves still meet between records") {
    std::string broken = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
    for (int i = 0; i < 301; ++i)
      broken += "2020-01-15,\"Market " + std::to_string(i) + "\nannex\",A1,D,Millet,KG,Retail,XOF,100\n";
    const PriceTable one = read_in_parts(broken, filter, 1);
    REQUIRE(one.markets.size() == 301);
    CHECK(one.quotes.back().line == 1 + 2 * 300 + 1);  // record i starts on line 2 + 2i
    CHECK(describe_table(read_in_parts(broken, filter, 2)) == describe_table(one));
  }
  SECTION("the first bad row of the file is the error, whichever half it is in") {
    std::string late = content;
    late.insert(late.rfind("2020-0"), "2020-01-15,M1,A1,D,Millet,KG,Retail,XOF,-3\n");
    CHECK(error_in_parts(late, filter, 2) == error_in_parts(late, filter, 1));
    CHECK_THAT(error_in_parts(late, filter, 2), Catch::Contains("negative price"));
    std::string both = late;
    both.insert(both.find("2020-0"), "2020-01-15,M1,A1,D,Millet,KG,Retail,XOF,\n");
    CHECK(error_in_parts(both, filter, 2) == error_in_parts(both, filter, 1));
    CHECK_THAT(error_in_parts(both, filter, 2), Catch::Contains("prices.csv:2:"));
    filter.skip_bad_rows = true;
    CHECK(describe_table(read_in_parts(both, filter, 2)) == describe_table(read_in_parts(both, filter, 1)));
  }
}

TEST_CASE("a file streamed in chunks, or mapped, gives the table and errors and size and digest of the whole file", "[prices]") {
  const Methodology methodology = millet_and_maize();
  meb::PriceFilter filter = meb::make_price_filter(methodology, false);
  const meb::testing::ScratchDirectory directory("streamed");
  const auto streamed_equals_whole = [&](const std::string& content, std::size_t chunk) {
    const std::string path = directory.file("prices.csv");
    std::ofstream(path, std::ios::binary) << content;
    PriceTable whole, streamed;
    std::string whole_error, streamed_error;
    try {
      meb::read_prices(path, content, filter, whole);
    } catch (const InputError& error) {
      whole_error = error.what();
    }
    meb::StreamedFile file;
    try {
      file = meb::read_price_file_streamed(path, filter, streamed, chunk);
      CHECK(file.bytes == content.size());
      CHECK(file.sha256 == meb::sha256_hex(content));
    } catch (const InputError& error) {
      streamed_error = error.what();
    }
    CHECK(streamed_error == whole_error);
    if (whole_error.empty()) CHECK(describe_table(streamed) == describe_table(whole));
    // The mapped read (hashed on a thread of its own, pages released behind), in one part and in two.
    for (const std::size_t parts : {std::size_t{1}, std::size_t{2}}) {
      INFO("mapped, " << parts << " part(s)");
      PriceTable mapped;
      std::string mapped_error;
      try {
        const std::optional<meb::StreamedFile> read = meb::detail::read_price_file_mapped(path, filter, mapped, parts);
        REQUIRE(read.has_value());
        CHECK(read->bytes == content.size());
        CHECK(read->sha256 == meb::sha256_hex(content));
      } catch (const InputError& error) {
        mapped_error = error.what();
      }
      CHECK(mapped_error == whole_error);
      if (whole_error.empty()) CHECK(describe_table(mapped) == describe_table(whole));
    }
  };

  SECTION("the real Burkina Faso file (HXL row), in chunks of 1 KB to 4 MB") {
    filter.currency.clear();
    const std::string content =
        meb::read_file(std::string(MEB_SOURCE_DIR) + "/data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv");
    for (const std::size_t chunk : {std::size_t{1000}, std::size_t{65536}, std::size_t{4} << 20})
      streamed_equals_whole(content, chunk);
  }
  SECTION("records with line breaks in quoted fields, across every chunk boundary") {
    std::string content = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
    for (int i = 0; i < 120; ++i)
      content += "2020-0" + std::to_string(1 + i % 6) + "-15,\"Market " + std::to_string(i % 13) +
                 "\nannex, \"\"B\"\"\",A1,D," + (i % 3 ? "Millet" : "Rice") + ",KG,Retail,XOF," + std::to_string(90 + i) +
                 (i % 17 == 0 ? "\r\n\n" : "\n");
    for (const std::size_t chunk : {std::size_t{7}, std::size_t{64}, std::size_t{333}, std::size_t{100000}})
      streamed_equals_whole(content, chunk);
    // A bad row near the end, and an unterminated quote at the very end: the same messages.
    streamed_equals_whole(content + "2020-01-15,M,A1,D,Millet,KG,Retail,XOF,-1\n", 50);
    streamed_equals_whole(content + "2020-01-15,\"M,A1,D,Millet,KG,Retail,XOF,1\n", 50);
  }
  SECTION("a 14 MB file: pages released behind the two parsers and the hasher, every 8 MB") {
    std::string content = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
    for (int i = 0; i < 240000; ++i)
      content += "2020-" + std::string(i % 12 < 9 ? "0" : "") + std::to_string(1 + i % 12) + "-15,\"Market " +
                 std::to_string(i % 97) + ", East\",A" + std::to_string(i % 7) + ",D," +
                 (i % 5 == 0 ? "Rice" : i % 2 ? "Millet" : "Maize") + ",KG,Retail,XOF," +
                 (i % 1010 == 0 ? "n/a" : std::to_string(100 + i % 300)) + "\n";
    REQUIRE(content.size() > (std::size_t{12} << 20));
    streamed_equals_whole(content, std::size_t{16} << 20);
    // Every row read: 192,000 millet and maize quotes kept; the 238 unused rice rows with "n/a" listed.
    PriceTable table;
    (void)meb::read_price_file_hashed(directory.file("prices.csv"), filter, table);
    CHECK(table.quotes.size() == 192000);
    CHECK(table.issues.size() == 238);
  }
}

TEST_CASE("a price file that cannot be mapped is streamed: a pipe reads as the file does", "[prices]") {
  const Methodology methodology = millet_and_maize();
  const meb::PriceFilter filter = meb::make_price_filter(methodology, false);
  const std::string content = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n"
                              "2020-01-15,M1,A1,D,Millet,KG,Retail,XOF,250\n"
                              "2020-02-15,M1,A1,D,Maize,KG,Retail,XOF,180\n";
  const meb::testing::ScratchDirectory directory("fifo");
  const std::string path = directory.file("prices.fifo");
  REQUIRE(::mkfifo(path.c_str(), 0600) == 0);
  std::thread writer([&] { std::ofstream(path, std::ios::binary) << content; });
  PriceTable table;
  const meb::StreamedFile file = meb::read_price_file_hashed(path, filter, table);
  writer.join();
  CHECK(file.bytes == content.size());
  CHECK(file.sha256 == meb::sha256_hex(content));
  REQUIRE(table.quotes.size() == 2);
  CHECK(table.quotes[0].price == 250.0);
  CHECK(table.quotes[1].price == 180.0);
  CHECK(table.quotes[1].line == 3);
}

TEST_CASE("a price file truncated by another program while it is read is an error, not a crash", "[prices]") {
  // Mapped files fault (SIGBUS) past a new end: the engine turns that into an InputError naming the file.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // AddressSanitizer owns SIGBUS in its builds, and ThreadSanitizer takes the page of zeros the handler maps for
  // a race; the Release suite runs this case.
  SUCCEED("skipped under a sanitizer");
#else
  const Methodology methodology = millet_and_maize();
  const meb::PriceFilter filter = meb::make_price_filter(methodology, false);
  std::string content = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
  for (int i = 0; i < 20000; ++i)
    content += "2020-0" + std::to_string(1 + i % 6) + "-15,M" + std::to_string(i % 9) + ",A1,D,Millet,KG,Retail,XOF," +
               std::to_string(100 + i % 50) + "\n";
  const meb::testing::ScratchDirectory directory("truncated");
  const std::string path = directory.file("prices.csv");
  for (const std::size_t parts : {std::size_t{1}, std::size_t{2}}) {
    INFO(parts << " part(s)");
    std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    PriceTable table;
    const auto cut = [&] { REQUIRE(::truncate(path.c_str(), 8192) == 0); };
    REQUIRE_THROWS_WITH(meb::detail::read_price_file_mapped(path, filter, table, parts, cut),
                        Catch::Contains(path) && Catch::Contains("changed (truncated or rewritten) by another program") &&
                            Catch::Contains(std::to_string(content.size()) + " bytes when opened"));
  }
  // Rewritten in place (same size, new bytes, a later modification time) between mapping and reading.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  {
    PriceTable table;
    std::string rewritten = content;
    rewritten[rewritten.size() - 3] = '9';
    const auto rewrite = [&] {
      struct timespec times[2] = {{0, UTIME_OMIT}, {1, 0}};  // a modification time that cannot be the file's
      std::ofstream(path, std::ios::binary | std::ios::in | std::ios::out) << rewritten;
      REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    };
    REQUIRE_THROWS_WITH(meb::detail::read_price_file_mapped(path, filter, table, 1, rewrite),
                        Catch::Contains("changed (truncated or rewritten) by another program"));
  }
  // Written again in full, it reads without error: nothing of the earlier cut is left behind.
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
  PriceTable table;
  CHECK(meb::read_price_file_hashed(path, filter, table).sha256 == meb::sha256_hex(content));
  CHECK(table.quotes.size() == 20000);
#endif
}

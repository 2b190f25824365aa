#pragma once
// Deterministic benchmark inputs: a WFP/HDX price file in the current layout, generated in memory, and a
// methodology whose basket names every generated commodity. Everything is drawn from a seeded
// std::mt19937, so two runs (and two machines) time the same bytes.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "meb/compute.hpp"
#include "meb/methodology.hpp"
#include "meb/prices.hpp"

namespace meb::bench {

/// One generated commodity: its WFP category, the unit it is usually quoted in and a typical XOF price.
struct CommoditySpec {
  const char* name;
  const char* category;
  const char* unit;  ///< "KG", "L" or "Unit"; KG items are sometimes quoted per "100 KG" or "50 KG"
  double price;      ///< per unit
};

// 30 commodities, some with commas inside the name (quoted in the CSV, as HDX files have them).
inline constexpr CommoditySpec kCommodities[] = {
    {"Millet", "cereals and tubers", "KG", 250},
    {"Sorghum", "cereals and tubers", "KG", 230},
    {"Maize", "cereals and tubers", "KG", 200},
    {"Rice (local)", "cereals and tubers", "KG", 400},
    {"Rice (imported, broken)", "cereals and tubers", "KG", 420},
    {"Wheat flour", "cereals and tubers", "KG", 500},
    {"Maize flour", "cereals and tubers", "KG", 300},
    {"Cassava (fresh)", "cereals and tubers", "KG", 180},
    {"Yam", "cereals and tubers", "KG", 350},
    {"Bread (bakery, parallel market)", "cereals and tubers", "Unit", 150},
    {"Cowpeas", "pulses and nuts", "KG", 450},
    {"Groundnuts (shelled)", "pulses and nuts", "KG", 600},
    {"Beans (red, dry)", "pulses and nuts", "KG", 700},
    {"Lentils", "pulses and nuts", "KG", 800},
    {"Oil (vegetable, local)", "oil and fats", "L", 1100},
    {"Oil (palm)", "oil and fats", "L", 900},
    {"Shea butter", "oil and fats", "KG", 1200},
    {"Sugar", "miscellaneous food", "KG", 650},
    {"Salt (iodised)", "miscellaneous food", "KG", 200},
    {"Milk (powder)", "milk and dairy", "KG", 3500},
    {"Eggs", "meat, fish and eggs", "Unit", 100},
    {"Fish (dried, smoked)", "meat, fish and eggs", "KG", 2500},
    {"Meat (beef)", "meat, fish and eggs", "KG", 2800},
    {"Onions", "vegetables and fruits", "KG", 400},
    {"Tomatoes", "vegetables and fruits", "KG", 500},
    {"Soap", "non-food", "Unit", 250},
    {"Charcoal", "non-food", "KG", 150},
    {"Firewood", "non-food", "KG", 60},
    {"Kerosene", "non-food", "L", 700},
    {"Water (drinking, 20 L)", "non-food", "Unit", 25},
};
inline constexpr std::size_t kCommodityCount = sizeof(kCommodities) / sizeof(kCommodities[0]);

/// The shape of a generated price file: its universe of markets and months, and its number of rows.
struct PriceFileSpec {
  std::size_t rows = 10000;     ///< data rows written (the header and the HXL row excluded)
  std::size_t markets = 2000;   ///< market i is in admin2 i / markets_per_admin2
  std::size_t markets_per_admin2 = 10;
  std::size_t admin2_per_admin1 = 4;  ///< 2,000 markets: 200 admin2 in 50 admin1
  std::size_t months = 120;     ///< from 2011-01
  std::uint32_t seed = 20190601;
};

/// Appends a double with two decimals (std::to_chars: no locale, no printf parsing).
inline void append_fixed(std::string& out, double value) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed, 2);
  out.append(buffer, result.ptr);
}

inline void append_uint(std::string& out, std::size_t value, int width = 0) {
  char buffer[24];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), value);
  for (int pad = width - static_cast<int>(result.ptr - buffer); pad > 0; --pad) out.push_back('0');
  out.append(buffer, result.ptr);
}

/// A CSV field, quoted when it holds a comma.
inline void append_field(std::string& out, std::string_view field) {
  if (field.find(',') == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  out.append(field);
  out.push_back('"');
}

/// A WFP/HDX price file in the current layout (date, admin1, admin2, market, market_id, latitude, longitude,
/// category, commodity, commodity_id, unit, priceflag, pricetype, currency, price, usdprice), with its HXL row.
///
/// Each (month, week, market, commodity) slot -- four weekly quote days per month -- is kept with the same
/// probability, by selection sampling (Knuth's algorithm S), so the file has exactly `spec.rows` rows, sorted
/// by date then market then commodity as HDX exports are, and a quoted market-month usually has a few quotes.
/// About 5 % of the rows are Wholesale and 3 % carry the "aggregate" flag (both filtered out by the
/// methodology); 10 % of the KG quotes are per "100 KG" and 5 % per "50 KG".
inline std::string generate_wfp_prices(const PriceFileSpec& spec) {
  std::mt19937 rng(spec.seed);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);

  // Per market: a price level and coordinates, drawn once.
  struct MarketDraw {
    double level;
    double latitude;
    double longitude;
  };
  std::vector<MarketDraw> markets(spec.markets);
  for (auto& market : markets)
    market = {0.8 + 0.4 * uniform(rng), 10.0 + 5.0 * uniform(rng), -5.0 + 7.0 * uniform(rng)};

  std::string text;
  text.reserve(spec.rows * 175 + 512);
  text +=
      "date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,unit,priceflag,"
      "pricetype,currency,price,usdprice\n"
      "#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,#item+type,#item+name,"
      "#item+code,#item+unit,#item+type,#item+price+type,#currency,#value,#value+usd\n";

  const std::size_t slots = spec.months * 4 * spec.markets * kCommodityCount;
  std::size_t needed = std::min(spec.rows, slots);
  std::size_t remaining = slots;
  for (std::size_t m = 0; m < spec.months && needed > 0; ++m) {
    const std::size_t year = 2011 + m / 12;
    const std::size_t month = 1 + m % 12;
    const double trend = 1.0 + 0.004 * static_cast<double>(m);  // ~5 % a year
    for (std::size_t week = 0; week < 4; ++week) {
      for (std::size_t k = 0; k < spec.markets; ++k) {
        for (std::size_t c = 0; c < kCommodityCount; ++c, --remaining) {
          // Algorithm S: keep this slot with probability needed / remaining.
          if (needed == 0 || uniform(rng) * static_cast<double>(remaining) >= static_cast<double>(needed)) continue;
          --needed;
          const CommoditySpec& commodity = kCommodities[c];
          const std::size_t admin2 = k / spec.markets_per_admin2;
          const std::size_t admin1 = admin2 / spec.admin2_per_admin1;
          double multiple = 1.0;
          const char* unit = commodity.unit;
          if (unit[0] == 'K') {
            const double draw = uniform(rng);
            if (draw < 0.10) {
              unit = "100 KG";
              multiple = 100.0;
            } else if (draw < 0.15) {
              unit = "50 KG";
              multiple = 50.0;
            }
          }
          const double kind = uniform(rng);
          const char* pricetype = kind < 0.05 ? "Wholesale" : "Retail";
          const char* priceflag = kind > 0.97 ? "aggregate" : "actual";
          const double price =
              commodity.price * markets[k].level * trend * multiple * (0.9 + 0.2 * uniform(rng));

          append_uint(text, year);
          text += '-';
          append_uint(text, month, 2);
          text += '-';
          append_uint(text, 1 + 7 * week, 2);
          text += ",Region ";
          append_uint(text, admin1 + 1, 2);
          text += ",District ";
          append_uint(text, admin2 + 1, 3);
          text += ",Market ";
          append_uint(text, k + 1, 4);
          text += ',';
          append_uint(text, 100000 + k);
          text += ',';
          append_fixed(text, markets[k].latitude);
          text += ',';
          append_fixed(text, markets[k].longitude);
          text += ',';
          append_field(text, commodity.category);
          text += ',';
          append_field(text, commodity.name);
          text += ',';
          append_uint(text, 50 + c);
          text += ',';
          text += unit;
          text += ',';
          text += priceflag;
          text += ',';
          text += pricetype;
          text += ",XOF,";
          append_fixed(text, price);
          text += ',';
          append_fixed(text, price / 600.0);
          text += '\n';
        }
      }
    }
  }
  return text;
}

/// A methodology naming all 30 commodities: market -> admin2 -> admin1, median of medians,
/// fill [parent, {carry_forward: 2}], 20 SMEB food lines, 10 MEB-only lines and two fixed costs.
inline std::string methodology_yaml() {
  std::string yaml =
      "id: bench-wfp-30\n"
      "name: Benchmark basket over 30 generated commodities\n"
      "version: 1\n"
      "currency: XOF\n"
      "days_per_month: 30\n"
      "household:\n"
      "  size: 6\n"
      "prices:\n"
      "  pricetype: Retail\n"
      "  priceflags: [actual]\n"
      "  levels: [market, admin2, admin1]\n"
      "  statistic: median\n"
      "  min_observations: 1\n"
      "  fill: [parent, {carry_forward: 2}]\n"
      "  on_missing: missing\n"
      "basket:\n";
  for (int tier = 0; tier < 2; ++tier) {
    yaml += tier == 0 ? "  - component: food\n    tier: smeb\n    items:\n"
                      : "  - component: other\n    tier: meb\n    items:\n";
    for (std::size_t c = tier == 0 ? 0 : 20; c < (tier == 0 ? 20 : kCommodityCount); ++c) {
      const CommoditySpec& commodity = kCommodities[c];
      yaml += "      - {item: \"";
      yaml += commodity.name;
      yaml += "\", quantity: 0.05, unit: ";
      yaml += commodity.unit;
      yaml += ", per: person/day}\n";
    }
  }
  yaml +=
      "  - component: water\n"
      "    tier: smeb\n"
      "    cost: 3000\n"
      "    per: household/month\n"
      "  - component: household_items\n"
      "    tier: meb\n"
      "    cost: 24000\n"
      "    per: household/year\n"
      "transfer:\n"
      "  basis: meb\n"
      "  round: {step: 500, mode: nearest}\n";
  return yaml;
}

inline const Methodology& methodology() {
  static const Methodology parsed = parse_methodology(methodology_yaml(), "bench.yaml");
  return parsed;
}

/// Google Benchmark calls a fixture's SetUp for every trial run of a size; a generated input is expensive
/// (10^7 rows is ~1.3 GB of text), so the last one built is kept and rebuilt only when the size changes.
template <typename Value>
class LastInput {
 public:
  template <typename Make>
  const Value& get(std::size_t key, Make make) {
    if (!value_ || key_ != key) {
      value_.reset();  // free the previous size before building the next
      value_ = std::make_unique<Value>(make());
      key_ = key;
    }
    return *value_;
  }
  void clear() { value_.reset(); }

 private:
  std::unique_ptr<Value> value_;
  std::size_t key_ = 0;
};

}  // namespace meb::bench

#pragma once
// Areas form a hierarchy, market → admin2 → admin1 → national. A methodology declares the path it
// aggregates along (e.g. [market, admin2, admin1]); this builds the areas of that path from the
// markets of the price data and an optional areas file (which can regroup markets and adds P-codes).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "meb/prices.hpp"

namespace meb {

enum class AreaLevel { market, admin2, admin1, national };
[[nodiscard]] std::string_view to_string(AreaLevel level);
[[nodiscard]] std::optional<AreaLevel> parse_area_level(std::string_view text);

/// One row of an areas file: where a market belongs.
struct AreaFileRow {
  std::string market;
  std::string market_id;  ///< optional column, matched to the price file's market_id
  std::string admin2;
  std::string admin1;
  std::string admin2_pcode;
  std::string admin1_pcode;
  std::optional<double> population;
  std::size_t line = 0;
};

struct AreaFile {
  std::string path;
  bool has_market_id = false;
  std::vector<AreaFileRow> rows;
};

/// Reads an areas file (CSV: market, admin2, admin1 and optionally market_id, admin2_pcode,
/// admin1_pcode, population). Throws InputError naming the file, line and value.
[[nodiscard]] AreaFile read_area_file(const std::string& path);

/// An area above the market level. Its identity is its name within its parent.
struct Area {
  AreaLevel level = AreaLevel::admin1;
  std::string name;
  std::string pcode;
  std::optional<double> population;
  std::int32_t parent = -1;  ///< index into AreaTree::areas, -1 at the top of the path
  std::vector<std::int32_t> children;  ///< areas one step down the path (empty at the first level)
  std::vector<std::int32_t> markets;   ///< markets, at the first level above market only
};

struct AreaTree {
  std::vector<AreaLevel> path;            ///< starts with market
  std::vector<Area> areas;                ///< ordered by level (bottom first), then by name
  std::vector<std::int32_t> market_area;  ///< per market of the PriceTable: its area at path[1]
  std::vector<std::vector<std::int32_t>> by_level;  ///< per step of the path above market, its areas

  [[nodiscard]] const std::string& parent_name(std::size_t area) const;
};

/// Builds the areas of `path` over the markets. The national area is named `national_name`.
/// Throws InputError when a market is missing from the areas file, or has no name at a level of the path.
[[nodiscard]] AreaTree build_area_tree(const std::vector<Market>& markets, const std::vector<AreaLevel>& path,
                                       const AreaFile* area_file, const std::string& national_name);

}  // namespace meb

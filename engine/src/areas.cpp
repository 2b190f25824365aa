#include "meb/areas.hpp"

#include <algorithm>
#include <map>

#include "meb/csv.hpp"
#include "meb/error.hpp"

namespace meb {

std::string_view to_string(AreaLevel level) {
  switch (level) {
    case AreaLevel::market: return "market";
    case AreaLevel::admin2: return "admin2";
    case AreaLevel::admin1: return "admin1";
    case AreaLevel::national: return "national";
  }
  return "market";
}

std::optional<AreaLevel> parse_area_level(std::string_view text) {
  if (text == "market") return AreaLevel::market;
  if (text == "admin2") return AreaLevel::admin2;
  if (text == "admin1") return AreaLevel::admin1;
  if (text == "national") return AreaLevel::national;
  return std::nullopt;
}

AreaFile read_area_file(const std::string& path) {
  const std::string content = read_file(path);
  detail::CsvReader csv(content);
  std::vector<std::string_view> fields;
  AreaFile file;
  file.path = path;
  if (!csv.next(fields)) throw InputError(path + ": the areas file is empty");
  std::map<std::string, std::size_t> column;
  for (std::size_t i = 0; i < fields.size(); ++i) column[detail::to_lower(detail::trim(fields[i]))] = i;
  const std::size_t width = fields.size();
  for (const char* required : {"market", "admin1"}) {
    if (!column.count(required))
      throw InputError::at_line(path, 1, std::string("the areas file needs a column '") + required +
                                             "' (columns: market, admin2, admin1, and optionally market_id, "
                                             "admin2_pcode, admin1_pcode, population)");
  }
  auto get = [&](const char* name) -> std::string {
    auto it = column.find(name);
    return it == column.end() ? std::string() : std::string(detail::trim(fields[it->second]));
  };
  file.has_market_id = column.count("market_id") > 0;
  while (csv.next(fields)) {
    if (fields.size() != width)
      throw InputError::at_line(path, csv.line(), "expected " + std::to_string(width) + " columns, found " +
                                                      std::to_string(fields.size()));
    if (fields.size() == 1 || detail::trim(fields[0]).rfind('#', 0) == 0) continue;  // HXL row
    AreaFileRow row;
    row.line = csv.line();
    row.market = get("market");
    row.market_id = get("market_id");
    row.admin2 = get("admin2");
    row.admin1 = get("admin1");
    row.admin2_pcode = get("admin2_pcode");
    row.admin1_pcode = get("admin1_pcode");
    const std::string population = get("population");
    if (!population.empty()) {
      double value = 0.0;
      if (!detail::parse_double(population, value) || value < 0.0)
        throw InputError::at_line(path, row.line, "column 'population' is not a non-negative number: '" + population + "'");
      row.population = value;
    }
    if (row.market.empty() && row.market_id.empty())
      throw InputError::at_line(path, row.line, "column 'market' is empty");
    if (row.admin1.empty()) throw InputError::at_line(path, row.line, "column 'admin1' is empty for market '" + row.market + "'");
    file.rows.push_back(std::move(row));
  }
  return file;
}

const std::string& AreaTree::parent_name(std::size_t area) const {
  static const std::string none;
  const std::int32_t parent = areas[area].parent;
  return parent < 0 ? none : areas[static_cast<std::size_t>(parent)].name;
}

namespace {

/// Where a market sits: its names at each admin level, from the areas file or the price file.
struct Placement {
  std::string admin2, admin1, admin2_pcode, admin1_pcode;
  std::optional<double> population;
  const AreaFileRow* row = nullptr;
};

std::string describe(const Market& market) {
  std::string text = "market '" + market.name + "'";
  if (!market.id.empty()) text += " (market_id " + market.id + ")";
  if (!market.admin1.empty()) text += " in admin1 '" + market.admin1 + "'";
  if (!market.admin2.empty()) text += ", admin2 '" + market.admin2 + "'";
  return text;
}

Placement place(const Market& market, const AreaFile* file) {
  Placement placement;
  if (file == nullptr) {
    placement.admin2 = market.admin2;
    placement.admin1 = market.admin1;
    return placement;
  }
  std::vector<const AreaFileRow*> matches;
  if (file->has_market_id && !market.id.empty()) {
    for (const auto& row : file->rows)
      if (row.market_id == market.id) matches.push_back(&row);
  }
  if (matches.empty()) {
    const std::string name = detail::to_lower(market.name);
    for (const auto& row : file->rows)
      if (detail::to_lower(row.market) == name) matches.push_back(&row);
    if (matches.size() > 1) {
      // Two markets of the same name in different areas: the price file's admin names decide.
      std::vector<const AreaFileRow*> same_area;
      for (const auto* row : matches)
        if (detail::to_lower(row->admin1) == detail::to_lower(market.admin1) &&
            (market.admin2.empty() || detail::to_lower(row->admin2) == detail::to_lower(market.admin2)))
          same_area.push_back(row);
      matches = same_area;
    }
  }
  if (matches.empty())
    throw InputError(file->path + ": " + describe(market) + " of the price data is not in the areas file");
  if (matches.size() > 1)
    throw InputError(file->path + ":" + std::to_string(matches[1]->line) + ": " + describe(market) +
                     " matches several rows (lines " + std::to_string(matches[0]->line) + " and " +
                     std::to_string(matches[1]->line) + "); add a market_id column");
  const AreaFileRow& row = *matches.front();
  placement.admin2 = row.admin2;
  placement.admin1 = row.admin1;
  placement.admin2_pcode = row.admin2_pcode;
  placement.admin1_pcode = row.admin1_pcode;
  placement.population = row.population;
  placement.row = &row;
  return placement;
}

}  // namespace

AreaTree build_area_tree(const std::vector<Market>& markets, const std::vector<AreaLevel>& path,
                         const AreaFile* area_file, const std::string& national_name) {
  AreaTree tree;
  tree.path = path;
  const std::size_t steps = path.size() - 1;  // levels above market
  tree.by_level.resize(steps);

  // Identity of an area: its names from the top of the hierarchy down to its own level.
  std::vector<std::map<std::string, std::int32_t>> keys(steps);
  std::vector<std::vector<std::string>> market_keys(markets.size(), std::vector<std::string>(steps));
  struct Pending {
    std::string name, pcode;
    std::optional<double> population;
    const AreaFileRow* population_row = nullptr;
  };
  std::vector<std::map<std::string, Pending>> pending(steps);

  for (std::size_t m = 0; m < markets.size(); ++m) {
    const Placement placement = place(markets[m], area_file);
    for (std::size_t step = 0; step < steps; ++step) {
      const AreaLevel level = path[step + 1];
      std::string key, name, pcode;
      switch (level) {
        case AreaLevel::admin2:
          name = placement.admin2;
          pcode = placement.admin2_pcode;
          key = detail::to_lower(placement.admin1) + "\x1f" + detail::to_lower(placement.admin2);
          break;
        case AreaLevel::admin1:
          name = placement.admin1;
          pcode = placement.admin1_pcode;
          key = detail::to_lower(placement.admin1);
          break;
        case AreaLevel::national:
          name = national_name;
          key = "";
          break;
        case AreaLevel::market: break;
      }
      if (name.empty())
        throw InputError(describe(markets[m]) + " has no " + std::string(to_string(level)) +
                         " name; give an areas file that places it, or drop " + std::string(to_string(level)) +
                         " from prices.levels");
      market_keys[m][step] = key;
      auto [it, inserted] = pending[step].try_emplace(key, Pending{name, pcode, std::nullopt, nullptr});
      if (it->second.pcode.empty()) it->second.pcode = pcode;
      // A population is given per row of the areas file, for the lowest area the row names.
      const bool lowest = (level == AreaLevel::admin2) || (level == AreaLevel::admin1 && placement.admin2.empty());
      if (lowest && placement.population) {
        if (it->second.population && *it->second.population != *placement.population)
          throw InputError(area_file->path + ":" + std::to_string(placement.row->line) + ": population " +
                           std::to_string(*placement.population) + " of " + std::string(to_string(level)) + " '" +
                           name + "' differs from " + std::to_string(*it->second.population) + " on line " +
                           std::to_string(it->second.population_row->line));
        it->second.population = placement.population;
        it->second.population_row = placement.row;
      }
    }
  }
  // Areas in a stable order: bottom level first, then by identity (names), so outputs are deterministic.
  for (std::size_t step = 0; step < steps; ++step) {
    for (auto& [key, area] : pending[step]) {
      const auto index = static_cast<std::int32_t>(tree.areas.size());
      keys[step][key] = index;
      Area built;
      built.level = path[step + 1];
      built.name = area.name;
      // The national area's code is the country code when the data has one (its name is then that code).
      built.pcode = built.level == AreaLevel::national ? (national_name == "national" ? "" : national_name) : area.pcode;
      built.population = area.population;
      tree.areas.push_back(std::move(built));
      tree.by_level[step].push_back(index);
    }
  }
  tree.market_area.resize(markets.size(), -1);
  for (std::size_t m = 0; m < markets.size(); ++m) {
    if (steps == 0) break;
    const std::int32_t first = keys[0][market_keys[m][0]];
    tree.market_area[m] = first;
    tree.areas[static_cast<std::size_t>(first)].markets.push_back(static_cast<std::int32_t>(m));
    for (std::size_t step = 0; step + 1 < steps; ++step) {
      const std::int32_t child = keys[step][market_keys[m][step]];
      const std::int32_t parent = keys[step + 1][market_keys[m][step + 1]];
      Area& area = tree.areas[static_cast<std::size_t>(child)];
      if (area.parent < 0) {
        area.parent = parent;
        tree.areas[static_cast<std::size_t>(parent)].children.push_back(child);
      }
    }
  }
  return tree;
}

}  // namespace meb

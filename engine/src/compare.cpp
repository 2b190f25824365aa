#include "meb/compare.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <sstream>

#include "meb/csv.hpp"
#include "meb/outputs.hpp"

namespace meb {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct RowKey {
  std::string level, area, month;
  bool operator<(const RowKey& other) const {
    return std::tie(level, area, month) < std::tie(other.level, other.area, other.month);
  }
};

RowKey key_of(const ComputeResult& result, std::size_t row) {
  const Area& area = result.areas.areas[static_cast<std::size_t>(result.rows[row].area)];
  return {std::string(to_string(area.level)), area.name, result.panel.month_at(result.rows[row].month).to_string()};
}

std::string percent(double difference, double reference) {
  if (std::isnan(difference) || std::isnan(reference) || reference == 0.0) return "";
  return format_number(100.0 * difference / reference);
}

/// Component totals of one row, in the order the components first appear.
std::vector<std::pair<std::string, double>> component_costs(const ComputeResult& result, std::size_t row) {
  std::vector<std::pair<std::string, double>> costs;
  for (std::size_t l = 0; l < result.lines.size(); ++l) {
    const std::string& name = result.lines[l].component;
    auto it = std::find_if(costs.begin(), costs.end(), [&](const auto& entry) { return entry.first == name; });
    if (it == costs.end()) {
      costs.emplace_back(name, 0.0);
      it = costs.end() - 1;
    }
    it->second += result.line_cost(row, l);
  }
  return costs;
}

double find_cost(const std::vector<std::pair<std::string, double>>& costs, const std::string& name) {
  for (const auto& [component, cost] : costs)
    if (component == name) return cost;
  return kNaN;
}

/// A basket line priced from the market, as compared item by item.
struct ItemCost {
  std::string component;
  std::string item;  ///< as the methodology writes it
  double cost = 0.0;
};

/// The basket lines of one row priced from the market, by lower-case item name (items match across
/// methodologies whatever their case).
std::map<std::string, ItemCost> item_costs(const ComputeResult& result, std::size_t row) {
  std::map<std::string, ItemCost> items;
  for (std::size_t l = 0; l < result.lines.size(); ++l) {
    const CostLine& line = result.lines[l];
    if (line.kind != CostLine::Kind::priced && line.kind != CostLine::Kind::composite) continue;
    items[detail::to_lower(line.item)] = {line.component, line.item, result.line_cost(row, l)};
  }
  return items;
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  std::vector<std::size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i;
    while (j + 1 < order.size() && values[order[j + 1]] == values[order[i]]) ++j;
    const double rank = 0.5 * static_cast<double>(i + j) + 1.0;  // ties share the average of their ranks
    for (std::size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

}  // namespace

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  if (x.size() != y.size() || x.size() < 3) return kNaN;
  // Pearson's correlation of the average ranks: exact with ties, unlike 1 − 6Σd²/(n(n²−1)).
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double n = static_cast<double>(x.size());
  const double mx = std::accumulate(rx.begin(), rx.end(), 0.0) / n;
  const double my = std::accumulate(ry.begin(), ry.end(), 0.0) / n;
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (std::size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) * (rx[i] - mx);
    syy += (ry[i] - my) * (ry[i] - my);
  }
  if (sxx == 0.0 || syy == 0.0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

Comparison compare_methods(const std::vector<MethodRun>& runs, std::size_t reference) {
  Comparison out;
  const std::size_t n_runs = runs.size();
  // Every (level, area, month) any method reports, in the reference's order, then the others' extras.
  std::vector<RowKey> keys;
  std::map<RowKey, std::vector<long>> row_of;  // per key: the row in each run, -1 when absent
  auto visit = [&](std::size_t r) {
    const ComputeResult& result = *runs[r].result;
    for (std::size_t row = 0; row < result.rows.size(); ++row) {
      RowKey key = key_of(result, row);
      auto [it, inserted] = row_of.try_emplace(key, std::vector<long>(n_runs, -1));
      if (inserted) keys.push_back(key);
      it->second[r] = static_cast<long>(row);
    }
  };
  visit(reference);
  for (std::size_t r = 0; r < n_runs; ++r)
    if (r != reference) visit(r);

  const Methodology& ref_method = *runs[reference].methodology;
  std::ostringstream comparison;
  comparison << "area_level,area,month,methodology,methodology_version,method,household_size,persons,smeb,meb,"
                "transfer_value,meb_per_person,reference,meb_difference,meb_difference_percent,"
                "transfer_value_difference,transfer_value_difference_percent,notes\n";
  std::ostringstream components;
  components << "area_level,area,month,methodology,component,item,cost,reference_cost,difference,"
                "difference_percent\n";
  for (const RowKey& key : keys) {
    const std::vector<long>& rows = row_of[key];
    const long ref_row = rows[reference];
    const ComputeResult& ref = *runs[reference].result;
    const double ref_meb = ref_row >= 0 ? ref.meb[ref_row] : kNaN;
    const double ref_tv = ref_row >= 0 ? ref.transfer[static_cast<std::size_t>(ref_row)].value : kNaN;
    const auto ref_components = ref_row >= 0 ? component_costs(ref, static_cast<std::size_t>(ref_row))
                                             : std::vector<std::pair<std::string, double>>{};
    const auto ref_items = ref_row >= 0 ? item_costs(ref, static_cast<std::size_t>(ref_row))
                                        : std::map<std::string, ItemCost>{};
    for (std::size_t r = 0; r < n_runs; ++r) {
      const Methodology& m = *runs[r].methodology;
      const ComputeResult& result = *runs[r].result;
      const long row = rows[r];
      const std::string head = csv_field(key.level) + "," + csv_field(key.area) + "," + key.month + "," + csv_field(m.id);
      if (row < 0) {
        comparison << head << "," << csv_field(m.version) << "," << to_string(m.method) << ","
                   << format_number(m.household.reported_size()) << "," << format_number(m.household.persons())
                   << ",,,,," << csv_field(ref_method.id) << ",,,,,"
                   << csv_field("not computed by this method: " + key.level + " is not among its reported levels or " +
                                "the area is not in its data")
                   << "\n";
        ++out.comparison_rows;
        continue;
      }
      const auto index = static_cast<std::size_t>(row);
      const double meb = result.meb[row];
      const double tv = result.transfer[index].value;
      const double size = m.household.reported_size();
      comparison << head << "," << csv_field(m.version) << "," << to_string(m.method) << "," << format_number(size)
                 << "," << format_number(m.household.persons()) << "," << format_number(result.smeb[row]) << ","
                 << format_number(meb) << "," << format_number(tv) << "," << format_number(meb / size) << ","
                 << csv_field(ref_method.id) << "," << format_number(meb - ref_meb) << ","
                 << percent(meb - ref_meb, ref_meb) << "," << format_number(tv - ref_tv) << ","
                 << percent(tv - ref_tv, ref_tv) << "," << csv_field(result.notes[index]) << "\n";
      ++out.comparison_rows;
      // Components: the union of this method's and the reference's components.
      auto own = component_costs(result, index);
      for (const auto& [name, cost] : ref_components) {
        const bool listed = std::any_of(own.begin(), own.end(), [&](const auto& entry) { return entry.first == name; });
        if (!listed) own.emplace_back(name, kNaN);  // the reference's component this method does not have
      }
      for (const auto& [name, cost] : own) {
        const double ref_cost = find_cost(ref_components, name);
        components << head << "," << csv_field(name) << ",," << format_number(cost) << "," << format_number(ref_cost)
                   << "," << format_number(cost - ref_cost) << "," << percent(cost - ref_cost, ref_cost) << "\n";
        ++out.component_rows;
      }
      // Items, where both methods price the same item from the market.
      for (const auto& [lowered, entry] : item_costs(result, index)) {
        const auto ref_item = ref_items.find(lowered);
        if (ref_item == ref_items.end()) continue;
        const double cost = entry.cost, ref_cost = ref_item->second.cost;
        components << head << "," << csv_field(entry.component) << "," << csv_field(entry.item) << "," << format_number(cost)
                   << "," << format_number(ref_cost) << "," << format_number(cost - ref_cost) << ","
                   << percent(cost - ref_cost, ref_cost) << "\n";
        ++out.component_rows;
      }
    }
  }
  out.comparison_csv = comparison.str();
  out.components_csv = components.str();

  // summary.md: the latest month, one table per level, the spread, the rank correlations.
  std::string last_month;
  for (const RowKey& key : keys) last_month = std::max(last_month, key.month);
  std::ostringstream md;
  md << "# Methodology comparison\n\n";
  md << "Reference: **" << ref_method.id << "** (version " << ref_method.version << "). Month shown: **" << last_month
     << "**; `comparison.csv` has every month.\n\n";
  md << "| methodology | version | method | household | transfer rule |\n|---|---|---|---|---|\n";
  for (const auto& run : runs)
    md << "| " << run.methodology->id << " | " << run.methodology->version << " | " << to_string(run.methodology->method)
       << " | " << run.methodology->household.describe() << " | " << run.methodology->transfer.describe() << " |\n";
  std::vector<std::string> levels;
  for (const RowKey& key : keys)
    if (std::find(levels.begin(), levels.end(), key.level) == levels.end()) levels.push_back(key.level);
  std::vector<std::string> explanations;
  for (const std::string& level : levels) {
    md << "\n## " << level << ", MEB and transfer value per household (" << ref_method.currency << ")\n\n| area |";
    for (const auto& run : runs) md << " " << run.methodology->id << " MEB | TV |";
    md << " min MEB | max MEB | CV |\n|---|";
    for (std::size_t r = 0; r < n_runs; ++r) md << "---:|---:|";
    md << "---:|---:|---:|\n";
    for (const RowKey& key : keys) {
      if (key.level != level || key.month != last_month) continue;
      md << "| " << key.area << " |";
      std::vector<double> mebs;
      for (std::size_t r = 0; r < n_runs; ++r) {
        const long row = row_of[key][r];
        const double meb = row >= 0 ? runs[r].result->meb[row] : kNaN;
        const double tv = row >= 0 ? runs[r].result->transfer[static_cast<std::size_t>(row)].value : kNaN;
        md << " " << (std::isnan(meb) ? "—" : format_number(std::round(meb))) << " | "
           << (std::isnan(tv) ? "—" : format_number(tv)) << " |";
        if (!std::isnan(meb)) mebs.push_back(meb);
        else
          explanations.push_back(runs[r].methodology->id + ", " + key.area + ": " +
                                 (row >= 0 && !runs[r].result->notes[static_cast<std::size_t>(row)].empty()
                                      ? runs[r].result->notes[static_cast<std::size_t>(row)]
                                      : std::string("not computed by this method")));
      }
      if (mebs.empty()) {
        md << " — | — | — |\n";
        continue;
      }
      const double lo = *std::min_element(mebs.begin(), mebs.end());
      const double hi = *std::max_element(mebs.begin(), mebs.end());
      const double mean = std::accumulate(mebs.begin(), mebs.end(), 0.0) / static_cast<double>(mebs.size());
      double variance = 0.0;
      for (double v : mebs) variance += (v - mean) * (v - mean);
      // Coefficient of variation with the population standard deviation: the spread of these methods only.
      const double cv = mebs.size() > 1 ? std::sqrt(variance / static_cast<double>(mebs.size())) / mean : 0.0;
      md << " " << format_number(std::round(lo)) << " | " << format_number(std::round(hi)) << " | "
         << format_number(std::round(cv * 1000.0) / 10.0) << "% |\n";
    }
    // How the methods rank the areas of this level (Spearman), over areas every pair has values for.
    if (level == "national") continue;
    md << "\nSpearman rank correlation of the areas' MEB, " << level << ", " << last_month << ":\n\n|   |";
    for (const auto& run : runs) md << " " << run.methodology->id << " |";
    md << "\n|---|";
    for (std::size_t r = 0; r < n_runs; ++r) md << "---:|";
    md << "\n";
    for (std::size_t a = 0; a < n_runs; ++a) {
      md << "| " << runs[a].methodology->id << " |";
      for (std::size_t b = 0; b < n_runs; ++b) {
        std::vector<double> x, y;
        for (const RowKey& key : keys) {
          if (key.level != level || key.month != last_month) continue;
          const long ra = row_of[key][a], rb = row_of[key][b];
          if (ra < 0 || rb < 0) continue;
          const double va = runs[a].result->meb[ra], vb = runs[b].result->meb[rb];
          if (std::isnan(va) || std::isnan(vb)) continue;
          x.push_back(va);
          y.push_back(vb);
        }
        const double rho = spearman(x, y);
        md << " " << (std::isnan(rho) ? "—" : format_number(std::round(rho * 1000.0) / 1000.0)) << " |";
      }
      md << "\n";
    }
  }
  if (!explanations.empty()) {
    md << "\n## Values a method could not compute (" << last_month << ")\n\n";
    for (const auto& line : explanations) md << "- " << line << "\n";
  }
  md << "\nCV: coefficient of variation of the MEB across methods (population standard deviation / mean). "
        "Differences in `comparison.csv` are each method minus the reference; `components.csv` splits them by "
        "component, and by item where both methods price the same item.\n";
  out.summary_md = md.str();
  return out;
}

}  // namespace meb

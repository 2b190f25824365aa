#include "meb/batch.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <set>

#include <yaml-cpp/yaml.h>

#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/sha256.hpp"
#include "yaml_loader.hpp"

namespace meb {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string resolve(const std::string& directory, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (std::filesystem::path(directory) / path).lexically_normal().string();
}

std::optional<RevisionDirection> parse_direction(std::string_view text) {
  if (text == "either") return RevisionDirection::either;
  if (text == "up") return RevisionDirection::up;
  if (text == "down") return RevisionDirection::down;
  return std::nullopt;
}

std::optional<NationalStatistic> parse_national(std::string_view text) {
  if (text == "mean") return NationalStatistic::mean;
  if (text == "median") return NationalStatistic::median;
  return std::nullopt;
}

/// `revision:` keys over `rule` (the batch file's defaults, or a methodology's own).
void load_rule(detail::Loader& in, const YAML::Node& node, const std::string& key, RevisionRule& rule) {
  if (!node.IsDefined() || node.IsNull() || !in.expect_map(node, key)) return;
  in.check_keys(node, key, {"threshold", "hysteresis", "months", "min_observed_share", "direction"});
  if (auto value = in.number(node, "threshold", key + ".threshold", false)) {
    if (*value <= 0.0 || *value >= 10.0) in.error(node["threshold"], key + ".threshold", "must be a share > 0 (0.10 = 10%), got " + detail::show(node["threshold"]));
    else rule.threshold = *value;
  }
  if (auto value = in.number(node, "hysteresis", key + ".hysteresis", false, 0.0, ">= 0")) rule.hysteresis = *value;
  if (auto value = in.integer(node, "months", key + ".months", 1)) rule.consecutive_months = *value;
  if (auto value = in.number(node, "min_observed_share", key + ".min_observed_share", false, 0.0, ">= 0")) {
    if (*value > 1.0) in.error(node["min_observed_share"], key + ".min_observed_share", "must be a share in [0, 1], got " + detail::show(node["min_observed_share"]));
    else rule.min_observed_share = *value;
  }
  if (auto value = in.choice<RevisionDirection>(node, "direction", key + ".direction", false, parse_direction, {"either", "up", "down"}))
    rule.direction = *value;
  if (rule.hysteresis >= rule.threshold)
    in.error(node, key + ".hysteresis", "must be smaller than the threshold " + std::to_string(rule.threshold) +
                                            ", got " + std::to_string(rule.hysteresis));
}

/// The input keys (prices, areas, survey, population) of the top level or of a methodology's entry.
void load_inputs(detail::Loader& in, const YAML::Node& node, const std::string& prefix, const std::string& directory,
                 BatchInputs& inputs) {
  const YAML::Node prices = node["prices"];
  if (prices.IsDefined()) {
    inputs.prices.clear();
    if (prices.IsScalar()) inputs.prices.push_back(resolve(directory, prices.Scalar()));
    else
      for (const auto& path : in.text_list(node, "prices", prefix + "prices")) inputs.prices.push_back(resolve(directory, path));
  }
  for (auto [name, field] : {std::pair{"areas", &inputs.areas}, std::pair{"survey", &inputs.survey}}) {
    const YAML::Node value = node[name];
    if (!value.IsDefined()) continue;
    // `areas: none` (or null) in a methodology's entry drops the batch file's default.
    if (value.IsNull() || (value.IsScalar() && value.Scalar() == "none")) field->reset();
    else if (auto path = in.text(node, name, prefix + name, false)) *field = resolve(directory, *path);
  }
  const YAML::Node population = node["population"];
  if (population.IsDefined()) {
    if (population.IsNull() || (population.IsScalar() && population.Scalar() == "none")) {
      inputs.population.reset();
    } else if (in.expect_map(population, prefix + "population")) {
      in.check_keys(population, prefix + "population", {"file", "area", "value"});
      PopulationSource source;
      if (auto file = in.text(population, "file", prefix + "population.file", true)) source.file = resolve(directory, *file);
      if (auto column = in.text(population, "area", prefix + "population.area", true)) source.area_column = *column;
      if (auto column = in.text(population, "value", prefix + "population.value", true)) source.value_column = *column;
      inputs.population = source;
    }
  }
}

}  // namespace

BatchConfig parse_batch_config(std::string_view yaml_text, const std::string& file_name, const std::string& directory) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& error) {
    throw MethodologyError::at(file_name, static_cast<std::size_t>(error.mark.line + 1),
                               static_cast<std::size_t>(error.mark.column + 1), "YAML syntax error: " + error.msg);
  }
  if (!root.IsMap())
    throw MethodologyError::at(file_name, 1, 1, "a batch file is a YAML mapping with keys history, methodologies, ...");
  detail::Loader in(file_name);
  in.check_keys(root, "", {"history", "output", "reference", "prices", "areas", "survey", "population", "revision",
                           "harmonise", "methodologies"});
  BatchConfig config;
  config.path = file_name;
  if (auto history = in.text(root, "history", "history", true)) config.history = resolve(directory, *history);
  config.output = in.text(root, "output", "output", false).value_or("out");
  if (auto reference = in.text(root, "reference", "reference", false)) {
    if (*reference != "previous_month") {
      const auto month = parse_month(*reference);
      if (!month || reference->size() != 7)
        in.error(root["reference"], "reference", "expected previous_month or a month YYYY-MM, got '" + *reference + "'");
      else config.reference = month;
    }
  }
  BatchInputs defaults;
  load_inputs(in, root, "", directory, defaults);
  RevisionRule default_rule;
  load_rule(in, root["revision"], "revision", default_rule);

  const YAML::Node harmonise = root["harmonise"];
  if (harmonise.IsDefined() && !harmonise.IsNull() && in.expect_map(harmonise, "harmonise")) {
    in.check_keys(harmonise, "harmonise", {"level", "bands", "national", "tolerance"});
    if (auto level = in.choice<AreaLevel>(harmonise, "level", "harmonise.level", false, parse_area_level,
                                          {"admin2", "admin1"}))
      config.harmonise.level = *level;
    if (auto bands = in.integer(harmonise, "bands", "harmonise.bands", 1)) config.harmonise.bands = static_cast<std::size_t>(*bands);
    if (auto national = in.choice<NationalStatistic>(harmonise, "national", "harmonise.national", false, parse_national,
                                                     {"mean", "median"}))
      config.harmonise.national = *national;
    if (auto tolerance = in.number(harmonise, "tolerance", "harmonise.tolerance", false, 0.0, ">= 0")) {
      if (*tolerance <= 0.0 || *tolerance >= 1.0) in.error(harmonise["tolerance"], "harmonise.tolerance", "must be a share in (0, 1), got " + detail::show(harmonise["tolerance"]));
      else config.harmonise.tolerance = *tolerance;
    }
  }

  const YAML::Node methodologies = root["methodologies"];
  if (!methodologies.IsDefined() || !methodologies.IsSequence() || methodologies.size() == 0) {
    in.error(methodologies.IsDefined() ? methodologies : root, "methodologies",
             "expected a list of methodologies ({file: ...}), got " + detail::show(methodologies));
  } else {
    std::set<std::string> files;
    for (std::size_t i = 0; i < methodologies.size(); ++i) {
      const YAML::Node entry = methodologies[i];
      const std::string key = "methodologies[" + std::to_string(i) + "]";
      BatchMethodology methodology{"", defaults, default_rule};
      if (entry.IsScalar()) {
        methodology.file = resolve(directory, entry.Scalar());
      } else if (in.expect_map(entry, key)) {
        in.check_keys(entry, key, {"file", "prices", "areas", "survey", "population", "revision"});
        if (auto file = in.text(entry, "file", key + ".file", true)) methodology.file = resolve(directory, *file);
        load_inputs(in, entry, key + ".", directory, methodology.inputs);
        load_rule(in, entry["revision"], key + ".revision", methodology.rule);
      }
      if (!methodology.file.empty() && !files.insert(methodology.file).second)
        in.error(entry, key + ".file", "'" + methodology.file + "' is listed twice");
      if (methodology.inputs.prices.empty() && !methodology.file.empty())
        in.error(entry, key + ".prices", "no price file: give prices at the top of the batch file or in this entry");
      config.methodologies.push_back(std::move(methodology));
    }
  }
  if (!in.errors().empty()) throw MethodologyError(in.report());
  return config;
}

BatchConfig load_batch_config(const std::string& path) {
  const std::string text = detail::read_definition_file<MethodologyError>(path);
  const std::string directory = std::filesystem::path(path).parent_path().string();
  return parse_batch_config(text, path, directory.empty() ? "." : directory);
}

std::optional<double> Population::of(const std::string& name, const std::string& pcode) const {
  if (!pcode.empty())
    if (auto it = by_key.find(detail::fold_name(pcode)); it != by_key.end()) return it->second;
  if (auto it = by_key.find(detail::fold_name(name)); it != by_key.end()) return it->second;
  return std::nullopt;
}

Population read_population(const PopulationSource& source, const std::string& content) {
  Population population;
  population.file = source.file;
  detail::CsvReader reader(content);
  std::vector<std::string_view> fields;
  if (!reader.next(fields)) throw InputError(source.file + ": the population file is empty");
  std::optional<std::size_t> area_column, value_column;
  for (std::size_t c = 0; c < fields.size(); ++c) {
    const std::string name(detail::trim(fields[c]));
    if (name == source.area_column) area_column = c;
    if (name == source.value_column) value_column = c;
  }
  for (auto [column, name] : {std::pair{area_column, &source.area_column}, std::pair{value_column, &source.value_column}})
    if (!column) throw InputError::at_line(source.file, reader.line(), "no column '" + *name + "' in the header");
  while (reader.next(fields)) {
    if (fields.size() <= std::max(*area_column, *value_column))
      throw InputError::at_line(source.file, reader.line(), "the row has " + std::to_string(fields.size()) + " fields");
    const std::string area(detail::trim(fields[*area_column]));
    double value = 0.0;
    if (!detail::parse_double(detail::trim(fields[*value_column]), value) || value < 0.0)
      throw InputError::at_line(source.file, reader.line(), "column '" + source.value_column +
                                                                "' is not a non-negative number: '" +
                                                                std::string(fields[*value_column]) + "'");
    if (!population.by_key.emplace(detail::fold_name(area), value).second)
      throw InputError::at_line(source.file, reader.line(), "area '" + area + "' appears twice");
  }
  return population;
}

namespace {

/// A number written for the fingerprint: every bit of the double, so that any change of any number is a change.
void fingerprint_number(std::string& out, double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g|", value);
  out += text;
}

bool is_filled(const StoredLine& line) {
  return line.status == "parent" || line.status == "carried_forward" || line.status == "missing" ||
         line.source.rfind("substitute ", 0) == 0;
}

}  // namespace

std::string record_fingerprint(const RevisionRecord& record) {
  // What the month's record says, and what it was computed with: the same fingerprint means nothing worth a
  // revision changed, whatever bytes of the input files did. The alerts, changes and bands are in it, so a new
  // value in force (or a revised earlier month) that changes an alert is recorded as a revision, not lost.
  std::string text = record.methodology_sha256 + "\n";
  for (const auto& row : record.results) {
    text += row.level + "|" + row.area + "|" + row.pcode + "|" + row.note + "|";
    for (double value : {row.smeb, row.meb, row.unrounded, row.value, row.observed_share, row.household_size})
      fingerprint_number(text, value);
    text += '\n';
  }
  for (const auto& line : record.lines) {
    text += line.level + "|" + line.area + "|" + line.component + "|" + line.item + "|" + line.status + "|" +
            line.source + "|" + std::to_string(line.observations) + "|";
    fingerprint_number(text, line.quantity);
    fingerprint_number(text, line.price);
    text += '\n';
  }
  for (const auto& alert : record.alerts) {
    text += "alert|" + alert.level + "|" + alert.area + "|" + alert.decision + "|" + alert.reason + "|";
    fingerprint_number(text, alert.in_force);
    text += '\n';
  }
  for (const auto& change : record.changes) {
    text += "change|" + change.level + "|" + change.area + "|" + change.reference_month + "|";
    for (double value : {change.before, change.price_observed, change.price_filled, change.quantity, change.rule,
                         change.rounding})
      fingerprint_number(text, value);
    text += '\n';
  }
  for (const auto& band : record.bands) {
    text += "band|" + band.variant + "|" + band.area + "|" + std::to_string(band.band) + "|";
    fingerprint_number(text, band.weight);
    fingerprint_number(text, band.paid);
    text += '\n';
  }
  return sha256_hex(text);
}

RevisionRecord revision_record(const Methodology& methodology, const std::string& methodology_yaml,
                               const ComputeResult& result, Month month) {
  RevisionRecord record;
  record.methodology_id = methodology.id;
  record.methodology_version = methodology.version;
  record.methodology_path = methodology.source_path;
  record.methodology_yaml = methodology_yaml;
  record.methodology_sha256 = sha256_hex(methodology_yaml);
  record.month = month;
  record.rule = methodology.transfer;
  const double total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
  const double household_size = methodology.household.reported_size();
  for (std::size_t r = 0; r < result.rows.size(); ++r) {
    const AreaMonth& row = result.rows[r];
    if (result.panel.month_at(row.month) != month) continue;
    const Area& area = result.areas.areas[static_cast<std::size_t>(row.area)];
    StoredResult stored;
    stored.level = std::string(to_string(area.level));
    stored.area = area.name;
    stored.pcode = area.pcode;
    stored.smeb = result.smeb[static_cast<Eigen::Index>(r)];
    stored.meb = result.meb[static_cast<Eigen::Index>(r)];
    stored.basis_cost = methodology.transfer.basis == Tier::smeb ? stored.smeb : stored.meb;
    stored.unrounded = result.transfer[r].unrounded;
    stored.value = result.transfer[r].value;
    stored.rounding_difference = result.transfer[r].rounding_difference;
    stored.household_size = household_size;
    stored.note = r < result.notes.size() ? result.notes[r] : std::string();
    // The share of the basis cost priced from prices observed in this area and month, over the lines priced
    // from markets (stated amounts and survey figures are not prices, and count on neither side).
    double market_cost = 0.0, observed_cost = 0.0;
    for (std::size_t l = 0; l < result.lines.size(); ++l) {
      const CostLine& line = result.lines[l];
      const LinePrice& price = result.line_price(r, l);
      StoredLine stored_line;
      stored_line.level = stored.level;
      stored_line.area = area.name;
      stored_line.component = line.component;
      stored_line.item = line.item;
      stored_line.tier = std::string(to_string(line.tier));
      stored_line.unit = line.unit;
      stored_line.quantity = line.monthly_quantity * line.markup_factor * total_markup;
      stored_line.price = price.price;
      stored_line.status = std::string(price.source == LineSource::market ? to_string(price.status) : to_string(price.source));
      stored_line.observations = price.observations;
      if (price.source == LineSource::market) {
        if (price.priced_as >= 0) stored_line.source = "substitute " + result.panel.series[static_cast<std::size_t>(price.priced_as)].name;
        if (price.source_area >= 0) {
          if (!stored_line.source.empty()) stored_line.source += ", ";
          stored_line.source += "from " + result.areas.areas[static_cast<std::size_t>(price.source_area)].name;
        }
        if (price.source_month >= 0) {
          if (!stored_line.source.empty()) stored_line.source += ", ";
          stored_line.source += "carried from " + result.panel.month_at(static_cast<std::size_t>(price.source_month)).to_string();
        }
        const bool in_basis = methodology.transfer.basis == Tier::meb || line.tier == Tier::smeb;
        const double cost = stored_line.quantity * price.price;
        if (in_basis && std::isfinite(cost)) {
          market_cost += cost;
          if (!is_filled(stored_line)) observed_cost += cost;
        }
      }
      record.lines.push_back(std::move(stored_line));
    }
    stored.observed_share = market_cost > 0.0 ? observed_cost / market_cost : (std::isnan(stored.value) ? 0.0 : 1.0);
    record.results.push_back(std::move(stored));
  }
  record.fingerprint = record_fingerprint(record);
  return record;
}

BasketSnapshot stored_snapshot(const std::vector<StoredLine>& lines, const StoredResult& result, const TransferRule& rule) {
  BasketSnapshot snapshot;
  snapshot.rule = rule;
  for (const auto& line : lines) {
    if (rule.basis == Tier::smeb && line.tier != "smeb") continue;
    LineSnapshot part;
    part.component = line.component;
    part.item = line.item;
    part.tier = line.tier == "smeb" ? Tier::smeb : Tier::meb;
    part.quantity = line.quantity;
    part.price = line.price;
    part.filled = is_filled(line);
    // A missing price in a basis whose cost was computed counted as 0 (on_missing: zero), as snapshot() has it.
    if (std::isnan(part.price) && std::isfinite(result.basis_cost)) part.price = 0.0;
    snapshot.lines.push_back(std::move(part));
  }
  snapshot.basis_cost = result.basis_cost;
  snapshot.unrounded = result.unrounded;
  snapshot.value = result.value;
  return snapshot;
}

namespace {

std::vector<StoredLine> lines_of_area(const RevisionRecord& record, const StoredResult& result) {
  std::vector<StoredLine> out;
  for (const auto& line : record.lines)
    if (line.level == result.level && line.area == result.area) out.push_back(line);
  return out;
}

std::string format_share(double share) {
  char text[32];
  std::snprintf(text, sizeof text, "%.0f%%", share * 100.0);
  return text;
}

/// The value in force for an area in a month: the last of `entries` (ordered by area, month, entry as
/// HistoryStore::in_force_entries gives them) for that area effective on or before the month.
std::optional<double> value_in_force(const std::vector<InForceEntry>& entries, const std::string& area, Month month) {
  std::optional<double> value;
  for (const auto& entry : entries)
    if (entry.area == area && entry.effective <= month) value = entry.value;
  return value;
}

void add_alerts(HistoryStore& store, const MonthContext& context, RevisionRecord& record) {
  const RevisionRule& rule = context.settings->rule;
  const std::vector<InForceEntry> entries = store.in_force_entries(record.methodology_id);  // one query per record
  for (const auto& result : record.results) {
    // The area's earlier months as stored (latest revision each), then this month.
    std::vector<RevisionInput> series;
    for (const auto& point : store.series(record.methodology_id, result.area, std::nullopt,
                                          Month{record.month.index - 1})) {
      if (point.result.level != result.level) continue;
      series.push_back({point.month, point.result.value, value_in_force(entries, result.area, point.month),
                        point.result.observed_share});
    }
    const std::optional<double> in_force = value_in_force(entries, result.area, record.month);
    series.push_back({record.month, result.value, in_force, result.observed_share});
    const RevisionStatus status = evaluate_revisions(rule, series).back();
    StoredAlert alert;
    alert.level = result.level;
    alert.area = result.area;
    alert.decision = std::string(to_string(status.decision));
    alert.computed = result.value;
    alert.in_force = in_force.value_or(kNaN);
    alert.gap = status.gap;
    alert.run_length = status.run_length;
    alert.observed_share = result.observed_share;
    alert.reason = status.reason;
    record.alerts.push_back(std::move(alert));
  }
}

void add_changes(HistoryStore& store, const MonthContext& context, RevisionRecord& record) {
  const Month reference = context.reference.value_or(Month{record.month.index - 1});
  if (reference == record.month) return;
  const auto before = store.latest_revision(record.methodology_id, reference);
  if (!before) {
    if (context.notes)
      context.notes->push_back(record.methodology_id + ": no change explained: the store has no " +
                               reference.to_string() + " (the reference month) for it");
    return;
  }
  const std::vector<StoredResult> before_results = store.results(before->revision_id);
  for (const auto& result : record.results) {
    const auto old = std::find_if(before_results.begin(), before_results.end(), [&](const StoredResult& row) {
      return row.level == result.level && row.area == result.area;
    });
    if (old == before_results.end() || std::isnan(old->value) || std::isnan(result.value)) continue;
    ChangeDecomposition parts;
    try {
      parts = decompose_change(stored_snapshot(store.lines(before->revision_id, old->level, old->area), *old, before->rule),
                               stored_snapshot(lines_of_area(record, result), result, record.rule));
    } catch (const std::invalid_argument& error) {
      if (context.notes) context.notes->push_back(record.methodology_id + " " + result.area + ": " + error.what());
      continue;
    }
    StoredChange change;
    change.level = result.level;
    change.area = result.area;
    change.reference_month = reference.to_string();
    change.before = parts.before;
    change.after = parts.after;
    change.price_observed = parts.price_observed;
    change.price_filled = parts.price_filled;
    change.quantity = parts.quantity;
    change.rule = parts.rule;
    change.rounding = parts.rounding;
    for (const auto& line : parts.lines)
      change.lines.push_back({line.component, line.item, line.price_effect, line.quantity_effect, line.filled});
    record.changes.push_back(std::move(change));
  }
}

void add_bands(const MonthContext& context, RevisionRecord& record) {
  const HarmoniseSettings& settings = *context.harmonise;
  // The level: the one asked for, else the lowest reported level above market and below national.
  std::string level = settings.level ? std::string(to_string(*settings.level)) : "";
  if (level.empty())
    for (const auto& result : record.results)
      if (result.level != "national" && result.level != "market") { level = result.level; break; }
  std::vector<const StoredResult*> areas;
  for (const auto& result : record.results)
    if (result.level == level && std::isfinite(result.unrounded)) areas.push_back(&result);
  if (areas.empty()) {
    if (context.notes)
      context.notes->push_back(record.methodology_id + ": no harmonised values: no " + (level.empty() ? "sub-national" : level) +
                               " area has a transfer value");
    return;
  }
  const auto n = static_cast<Eigen::Index>(areas.size());
  Eigen::VectorXd values(n), weights(n);
  std::vector<std::string> unweighted;
  for (Eigen::Index i = 0; i < n; ++i) {
    const StoredResult& area = *areas[static_cast<std::size_t>(i)];
    // Each area's own value is its transfer value before rounding: the band's value is rounded once, by the
    // methodology's rule, and the gap is measured from what the area's basket actually costs.
    values[i] = area.unrounded;
    std::optional<double> weight = context.population ? context.population->of(area.area, area.pcode) : std::nullopt;
    if (context.population && !weight) unweighted.push_back(area.area);
    weights[i] = weight.value_or(1.0);
  }
  if (context.population && !unweighted.empty()) {
    // A partial population would weight the named areas against an arbitrary 1: refuse it, say which.
    std::string names;
    for (const auto& name : unweighted) names += (names.empty() ? "" : ", ") + name;
    throw InputError(context.population->file + ": no population for " + names + " (" + level +
                     " areas of " + record.methodology_id + ")");
  }
  if (!context.population && context.notes)
    context.notes->push_back(record.methodology_id + ": harmonised values weight every area equally (no population file)");
  const auto& rounding = record.rule.rounding;
  // One area's row of a proposal: its own value, the band's value, what the band pays, and the gap.
  const auto push_band = [&](const std::string& variant, std::size_t bands, std::size_t band, std::size_t area,
                             double band_value, double paid) {
    const auto i = static_cast<Eigen::Index>(area);
    StoredBand row;
    row.variant = variant;
    row.bands = static_cast<std::int64_t>(bands);
    row.band = static_cast<std::int64_t>(band);
    row.area = areas[area]->area;
    row.weight = weights[i];
    row.own_value = values[i];
    row.band_value = band_value;
    row.paid = paid;
    row.gap = paid - values[i];
    row.relative_gap = row.gap / values[i];
    record.bands.push_back(std::move(row));
  };
  const auto add_partition = [&](const std::string& variant, const Partition& partition) {
    for (std::size_t b = 0; b < partition.bands.size(); ++b)
      for (const std::size_t i : partition.bands[b].areas)
        push_band(variant, partition.bands.size(), b + 1, i, partition.bands[b].value, partition.bands[b].paid);
  };
  // The national value is the one-band proposal with the national statistic instead of the band's mean.
  const double national = national_value(values, weights, settings.national);
  for (std::size_t i = 0; i < areas.size(); ++i)
    push_band(settings.national == NationalStatistic::mean ? "national_mean" : "national_median", 1, 1, i, national,
              rounding ? round_to_step(national, *rounding) : national);
  // One value per area: each paid its own value, rounded (the "no harmonisation" proposal the others are
  // measured against), numbered in increasing order of value.
  std::vector<std::size_t> by_value(areas.size());
  for (std::size_t i = 0; i < areas.size(); ++i) by_value[i] = i;
  std::stable_sort(by_value.begin(), by_value.end(), [&](std::size_t a, std::size_t b) {
    return values[static_cast<Eigen::Index>(a)] < values[static_cast<Eigen::Index>(b)];
  });
  for (std::size_t rank = 0; rank < by_value.size(); ++rank) {
    const double own = values[static_cast<Eigen::Index>(by_value[rank])];
    push_band("per_area", areas.size(), rank + 1, by_value[rank], own, rounding ? round_to_step(own, *rounding) : own);
  }
  add_partition("squared_gap", optimal_bands(values, weights, settings.bands, BandObjective::squared_gap, rounding));
  if ((values.array() > 0.0).all()) {
    add_partition("largest_gap", optimal_bands(values, weights, settings.bands, BandObjective::largest_gap, rounding));
    if (auto fewest = fewest_bands_within(values, weights, settings.tolerance, rounding))
      add_partition("within_tolerance", *fewest);
    else if (context.notes)
      context.notes->push_back(record.methodology_id + ": no banding pays every area within ±" +
                               format_share(settings.tolerance) + " with the rounding step");
  }
}

}  // namespace

void complete_record(HistoryStore& store, const MonthContext& context, RevisionRecord& record) {
  record.alerts.clear();
  record.changes.clear();
  record.bands.clear();
  add_alerts(store, context, record);
  add_changes(store, context, record);
  add_bands(context, record);
  record.fingerprint = record_fingerprint(record);
}

std::string_view to_string(RecordOutcome::Status status) {
  switch (status) {
    case RecordOutcome::Status::first: return "recorded";
    case RecordOutcome::Status::revised: return "revised";
    case RecordOutcome::Status::unchanged: return "unchanged";
  }
  return "?";
}

namespace {

std::string show_number(double value) {
  if (std::isnan(value)) return "missing";
  char text[40];
  std::snprintf(text, sizeof text, "%.6g", value);
  return text;
}

std::vector<std::string> changed_numbers(const std::vector<StoredResult>& before, const std::vector<StoredResult>& after) {
  std::vector<std::string> out;
  const auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
  for (const auto& row : after) {
    const auto old = std::find_if(before.begin(), before.end(), [&](const StoredResult& r) {
      return r.level == row.level && r.area == row.area;
    });
    if (old == before.end()) {
      out.push_back(row.area + " (" + row.level + ") is new: transfer_value " + show_number(row.value));
      continue;
    }
    for (auto [name, a, b] : {std::tuple{"smeb", old->smeb, row.smeb}, std::tuple{"meb", old->meb, row.meb},
                              std::tuple{"transfer_value", old->value, row.value}})
      if (!same(a, b)) out.push_back(row.area + " (" + row.level + ") " + name + " " + show_number(a) + " -> " + show_number(b));
  }
  for (const auto& row : before)
    if (std::none_of(after.begin(), after.end(), [&](const StoredResult& r) { return r.level == row.level && r.area == row.area; }))
      out.push_back(row.area + " (" + row.level + ") is no longer computed (was " + show_number(row.value) + ")");
  return out;
}

std::vector<std::string> changed_alerts(const std::vector<StoredAlert>& before, const std::vector<StoredAlert>& after) {
  std::vector<std::string> out;
  for (const auto& alert : after) {
    const auto old = std::find_if(before.begin(), before.end(), [&](const StoredAlert& a) {
      return a.level == alert.level && a.area == alert.area;
    });
    const bool same_in_force = old != before.end() && ((std::isnan(old->in_force) && std::isnan(alert.in_force)) ||
                                                       old->in_force == alert.in_force);
    if (old != before.end() && old->decision == alert.decision && same_in_force) continue;
    out.push_back(alert.area + " (" + alert.level + ") alert " + (old == before.end() ? std::string("none") : old->decision) +
                  " -> " + alert.decision + " (value in force " + show_number(alert.in_force) + ")");
  }
  return out;
}

}  // namespace

std::vector<RecordOutcome> record_month(HistoryStore& store, const RunInfo& run, const std::vector<RevisionRecord>& records) {
  std::vector<RecordOutcome> outcomes(records.size());
  std::vector<std::size_t> to_add;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const auto latest = store.latest_revision(records[i].methodology_id, records[i].month);
    if (!latest) {
      outcomes[i].status = RecordOutcome::Status::first;
      to_add.push_back(i);
    } else if (latest->fingerprint == records[i].fingerprint) {
      outcomes[i].status = RecordOutcome::Status::unchanged;
      outcomes[i].revision = latest->revision;
    } else {
      outcomes[i].status = RecordOutcome::Status::revised;
      outcomes[i].changed_numbers = changed_numbers(store.results(latest->revision_id), records[i].results);
      for (auto& line : changed_alerts(store.alerts(latest->revision_id), records[i].alerts))
        outcomes[i].changed_numbers.push_back(std::move(line));
      if (outcomes[i].changed_numbers.empty())
        outcomes[i].changed_numbers.push_back("no transfer value or alert changed: the methodology file, a price's "
                                              "status, source or observation count, a change's split or a band did");
      to_add.push_back(i);
    }
  }
  if (to_add.empty()) return outcomes;
  const std::int64_t run_id = store.add_run(run);
  for (const std::size_t i : to_add) outcomes[i].revision = store.add_revision(run_id, records[i]);
  return outcomes;
}

}  // namespace meb

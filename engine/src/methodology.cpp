#include "meb/methodology.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "meb/costing.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "yaml_loader.hpp"

namespace meb {

std::string_view to_string(OnMissing on_missing) {
  switch (on_missing) {
    case OnMissing::missing: return "missing";
    case OnMissing::zero: return "zero";
    case OnMissing::error: return "error";
  }
  return "missing";
}

std::string_view to_string(Method method) {
  switch (method) {
    case Method::normative: return "normative";
    case Method::expenditure: return "expenditure";
    case Method::food_share: return "food_share";
    case Method::hybrid: return "hybrid";
    case Method::hea: return "hea";
  }
  return "normative";
}

std::vector<AreaLevel> Methodology::reported_levels() const {
  if (!output_levels.empty()) return output_levels;
  return std::vector<AreaLevel>(prices.levels.begin() + 1, prices.levels.end());
}

namespace {

using detail::join;
using detail::Loader;
using detail::parse_household_model;
using detail::parse_per;
using detail::parse_rounding_mode;
using detail::parse_scale;
using detail::parse_tier;
using detail::show;

std::optional<OnMissing> parse_on_missing(std::string_view text) {
  if (text == "missing") return OnMissing::missing;
  if (text == "zero") return OnMissing::zero;
  if (text == "error") return OnMissing::error;
  return std::nullopt;
}
std::optional<ComponentMethod> parse_component_method(std::string_view text) {
  if (text == "normative") return ComponentMethod::normative;
  if (text == "expenditure") return ComponentMethod::expenditure;
  return std::nullopt;
}
std::optional<Method> parse_method(std::string_view text) {
  if (text == "normative") return Method::normative;
  if (text == "expenditure") return Method::expenditure;
  if (text == "food_share") return Method::food_share;
  if (text == "hybrid") return Method::hybrid;
  if (text == "hea") return Method::hea;
  return std::nullopt;
}
std::optional<Statistic> parse_area_statistic(std::string_view text) {
  if (text == "median") return Statistic::median;
  if (text == "mean") return Statistic::mean;
  return std::nullopt;
}

void load_household(Loader& in, const YAML::Node& root, Household& household) {
  const YAML::Node node = root["household"];
  if (!node.IsDefined() || node.IsNull()) {
    in.error(root, "household", "is required (for example `household: {size: 6}`)");
    return;
  }
  if (!in.expect_map(node, "household")) return;
  household.model = in.choice<HouseholdModel>(node, "model", "household.model", false, parse_household_model,
                                              {"fixed", "per_capita", "bands", "capped", "equivalence"})
                        .value_or(HouseholdModel::fixed);
  // Each model takes only its own keys, so that a key meant for another model is not silently ignored.
  switch (household.model) {
    case HouseholdModel::fixed: in.check_keys(node, "household", {"model", "size"}); break;
    case HouseholdModel::per_capita: in.check_keys(node, "household", {"model"}); break;
    case HouseholdModel::bands: in.check_keys(node, "household", {"model", "size", "bands"}); break;
    case HouseholdModel::capped: in.check_keys(node, "household", {"model", "size", "base", "max"}); break;
    case HouseholdModel::equivalence:
      in.check_keys(node, "household", {"model", "scale", "adults", "children"});
      break;
  }
  const bool needs_size = household.model == HouseholdModel::fixed || household.model == HouseholdModel::bands ||
                          household.model == HouseholdModel::capped;
  if (auto size = in.number(node, "size", "household.size", needs_size, 1.0, ">= 1")) household.size = *size;
  if (household.model == HouseholdModel::bands) {
    const YAML::Node bands = node["bands"];
    if (!bands.IsDefined() || !bands.IsSequence() || bands.size() == 0) {
      in.error(bands.IsDefined() ? bands : node, "household.bands", "expected a non-empty list of {up_to, persons}");
    } else {
      double previous = 0.0;
      for (std::size_t i = 0; i < bands.size(); ++i) {
        const std::string key = "household.bands[" + std::to_string(i) + "]";
        if (!in.expect_map(bands[i], key)) continue;
        in.check_keys(bands[i], key, {"up_to", "persons"});
        SizeBand band;
        band.up_to = in.number(bands[i], "up_to", key + ".up_to", false, 1.0, ">= 1")
                         .value_or(std::numeric_limits<double>::infinity());
        if (auto persons = in.number(bands[i], "persons", key + ".persons", true, 0.0, ">= 0")) band.persons = *persons;
        if (band.up_to <= previous) in.error(bands[i], key + ".up_to", "bands must be in increasing order of up_to");
        previous = band.up_to;
        household.bands.push_back(band);
      }
      if (!household.bands.empty() && household.size > household.bands.back().up_to)
        in.error(bands, "household.bands",
                 "no band holds a household of size " + show(node["size"]) + "; end with an open band {up_to: null, persons: N}");
    }
  }
  if (household.model == HouseholdModel::capped) {
    household.base = in.number(node, "base", "household.base", false, 0.0, ">= 0").value_or(1.0);
    if (auto max = in.number(node, "max", "household.max", true, 1.0, ">= 1")) household.max = *max;
  }
  if (household.model == HouseholdModel::equivalence) {
    if (auto scale = in.choice<EquivalenceScale>(node, "scale", "household.scale", true, parse_scale,
                                                 {"oecd", "modified_oecd", "square_root"}))
      household.scale = *scale;
    if (auto adults = in.number(node, "adults", "household.adults", true, 1.0, ">= 1")) household.adults = *adults;
    household.children = in.number(node, "children", "household.children", false, 0.0, ">= 0").value_or(0.0);
  }
}

/// A wide-export mapping, under `prices.wide` in a methodology or at the top of a mapping file (`where`
/// is the key prefix its messages use: "prices.wide." or "").
std::optional<WideMapping> load_wide(Loader& in, const YAML::Node& node, const std::string& where) {
  const std::string self = where.empty() ? std::string("mapping") : where.substr(0, where.size() - 1);
  if (!in.expect_map(node, self)) return std::nullopt;
  in.check_keys(node, where.empty() ? "" : self, {"date", "market", "market_id", "admin1", "admin2", "columns"});
  WideMapping wide;
  wide.date = in.text(node, "date", where + "date", true).value_or("");
  wide.market = in.text(node, "market", where + "market", true).value_or("");
  wide.market_id = in.text(node, "market_id", where + "market_id", false).value_or("");
  wide.admin1 = in.text(node, "admin1", where + "admin1", false).value_or("");
  wide.admin2 = in.text(node, "admin2", where + "admin2", false).value_or("");
  const YAML::Node columns = node["columns"];
  if (!columns.IsDefined() || !columns.IsSequence() || columns.size() == 0) {
    in.error(columns.IsDefined() ? columns : node, where + "columns",
             "expected a non-empty list of {column, item, unit}");
  } else {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const std::string key = where + "columns[" + std::to_string(i) + "]";
      if (!in.expect_map(columns[i], key)) continue;
      in.check_keys(columns[i], key, {"column", "item", "unit"});
      WideColumn column;
      column.column = in.text(columns[i], "column", key + ".column", true).value_or("");
      column.item = in.text(columns[i], "item", key + ".item", true).value_or("");
      column.unit = in.text(columns[i], "unit", key + ".unit", true).value_or("");
      wide.columns.push_back(column);
    }
  }
  return wide;
}

void load_prices(Loader& in, const YAML::Node& node, PriceSettings& prices) {
  if (!node.IsDefined()) return;  // every key has a default
  if (!in.expect_map(node, "prices")) return;
  in.check_keys(node, "prices",
                {"pricetype", "priceflags", "levels", "statistic", "min_observations", "fill", "on_missing", "wide"});
  if (auto pricetype = in.text(node, "pricetype", "prices.pricetype", false)) {
    // Price types are never mixed (primer section 5), so the filter cannot be switched off.
    if (detail::trim(*pricetype).empty()) in.error(node["pricetype"], "prices.pricetype", "must name a price type such as Retail");
    prices.pricetype = *pricetype;
  }
  if (node["priceflags"].IsDefined()) {
    prices.priceflags = in.text_list(node, "priceflags", "prices.priceflags");
    for (std::size_t i = 0; i < prices.priceflags.size(); ++i) {
      const std::string& flag = prices.priceflags[i];
      if (flag != "actual" && flag != "aggregate" && flag != "actual,aggregate")
        in.error(node["priceflags"][i], "prices.priceflags[" + std::to_string(i) + "]",
                 "unknown WFP price flag '" + flag + "'; allowed values: actual, aggregate, actual,aggregate");
    }
    if (prices.priceflags.empty()) in.error(node["priceflags"], "prices.priceflags", "must name at least one flag");
  }
  if (node["levels"].IsDefined()) {
    const auto names = in.text_list(node, "levels", "prices.levels");
    std::vector<AreaLevel> levels;
    bool valid = true;
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto level = parse_area_level(names[i]);
      if (!level) {
        in.error(node["levels"][i], "prices.levels[" + std::to_string(i) + "]",
                 "unknown level '" + names[i] + "'; allowed values: market, admin2, admin1, national");
        valid = false;
      } else {
        levels.push_back(*level);
      }
    }
    if (valid) {
      bool ordered = levels.size() >= 2 && levels.front() == AreaLevel::market;
      for (std::size_t i = 1; i < levels.size(); ++i) ordered = ordered && levels[i - 1] < levels[i];
      if (!ordered)
        in.error(node["levels"], "prices.levels",
                 "must start at market and go up in the order admin2, admin1, national (e.g. [market, admin2, "
                 "admin1]), got " + show(node["levels"]));
      else
        prices.levels = levels;
    }
  }
  if (auto statistic = in.choice<Statistic>(node, "statistic", "prices.statistic", false, parse_area_statistic,
                                            {"median", "mean"}))
    prices.statistic = *statistic;
  if (auto minimum = in.integer(node, "min_observations", "prices.min_observations", 1)) prices.min_observations = *minimum;
  const YAML::Node fill = node["fill"];
  if (fill.IsDefined() && !fill.IsNull()) {
    if (!fill.IsSequence()) {
      in.error(fill, "prices.fill", "expected a list of rules such as [parent, {carry_forward: 2}], got " + show(fill));
    } else {
      for (std::size_t i = 0; i < fill.size(); ++i) {
        const std::string key = "prices.fill[" + std::to_string(i) + "]";
        const YAML::Node rule = fill[i];
        if (rule.IsScalar() && rule.Scalar() == "parent") {
          prices.fill.push_back({FillRule::Kind::parent, 0});
        } else if (rule.IsMap() && rule.size() == 1 && rule["carry_forward"].IsDefined()) {
          if (rule["carry_forward"].IsNull())
            in.error(rule, key + ".carry_forward", "needs a number of months, e.g. {carry_forward: 2}");
          else if (auto months = in.integer(rule, "carry_forward", key + ".carry_forward", 1))
            prices.fill.push_back({FillRule::Kind::carry_forward, *months});
        } else {
          in.error(rule, key, "unknown fill rule " + show(rule) + "; allowed: parent, {carry_forward: N}");
        }
      }
    }
  }
  if (auto on_missing = in.choice<OnMissing>(node, "on_missing", "prices.on_missing", false, parse_on_missing,
                                             {"missing", "zero", "error"}))
    prices.on_missing = *on_missing;
  if (node["wide"].IsDefined()) prices.wide = load_wide(in, node["wide"], "prices.wide.");
}

void load_item(Loader& in, const YAML::Node& node, const std::string& key, BasketItem& item) {
  in.check_keys(node, key,
                {"item", "aliases", "quantity", "unit", "exact_unit", "per", "composite", "substitutes",
                 "density_kg_per_l", "cost"});
  item.line = static_cast<std::size_t>(node.Mark().line + 1);
  item.item = in.text(node, "item", key + ".item", true).value_or("");
  item.aliases = in.text_list(node, "aliases", key + ".aliases");
  item.substitutes = in.text_list(node, "substitutes", key + ".substitutes");
  if (auto per = in.choice<Per>(node, "per", key + ".per", true, parse_per,
                                {"person/day", "person/month", "household/month", "household/year"}))
    item.per = *per;
  item.cost = in.number(node, "cost", key + ".cost", false, 0.0, ">= 0");
  if (item.cost) {
    for (const char* priced_only : {"quantity", "unit", "composite", "substitutes", "aliases"})
      if (node[priced_only].IsDefined())
        in.error(node[priced_only], key + "." + priced_only, "a line with a stated cost has no market price, so no " +
                                                                 std::string(priced_only));
    return;
  }
  if (auto quantity = in.number(node, "quantity", key + ".quantity", true, 0.0, ">= 0")) item.quantity = *quantity;
  if (auto unit = in.text(node, "unit", key + ".unit", true)) {
    item.unit = parse_unit(*unit);
    const bool exact = node["exact_unit"].IsDefined() && node["exact_unit"].IsScalar() &&
                       node["exact_unit"].Scalar() == "true";
    if (!item.unit.recognised() && !exact)
      in.error(node["unit"], key + ".unit",
               "unknown unit '" + *unit +
                   "'; allowed: KG, G, L, ML, M3, pcs (or Unit), optionally with a multiple such as 50 KG or 10 pcs; "
                   "to match prices quoted in exactly this unit, add `exact_unit: true`");
  }
  item.density_kg_per_litre = in.number(node, "density_kg_per_l", key + ".density_kg_per_l", false, 1e-9, "> 0");
  const YAML::Node composite = node["composite"];
  if (composite.IsDefined()) {
    if (in.expect_map(composite, key + ".composite")) {
      in.check_keys(composite, key + ".composite", {"of", "statistic"});
      Composite built;
      built.of = in.text_list(composite, "of", key + ".composite.of");
      if (built.of.size() < 2 || built.of.size() > 16)
        in.error(composite, key + ".composite.of",
                 "a composite needs between 2 and 16 alternatives, got " + show(composite["of"]));
      built.statistic = in.choice<Statistic>(composite, "statistic", key + ".composite.statistic", false, parse_statistic,
                                             {"mean", "median", "min"})
                            .value_or(Statistic::mean);
      item.composite = built;
    }
  }
}

void load_basket(Loader& in, const YAML::Node& root, Basket& basket, Method method) {
  const YAML::Node node = root["basket"];
  if (!node.IsDefined() || !node.IsSequence() || node.size() == 0) {
    in.error(node.IsDefined() ? node : root, "basket", "expected a non-empty list of components");
    return;
  }
  std::map<std::string, std::string> names;  // lower-case name or alias -> where it was declared
  auto declare = [&](const YAML::Node& at, const std::string& key, const std::string& name) {
    const std::string lowered = detail::to_lower(name);
    auto [it, inserted] = names.try_emplace(lowered, key);
    if (!inserted) in.error(at, key, "duplicate item '" + name + "': already declared at " + it->second);
  };
  for (std::size_t c = 0; c < node.size(); ++c) {
    const std::string key = "basket[" + std::to_string(c) + "]";
    const YAML::Node entry = node[c];
    if (!in.expect_map(entry, key)) continue;
    in.check_keys(entry, key,
                  {"component", "tier", "markup_percent", "items", "cost", "per", "method", "survey_components"});
    BasketComponent component;
    component.component = in.text(entry, "component", key + ".component", true).value_or("");
    if (auto tier = in.choice<Tier>(entry, "tier", key + ".tier", true, parse_tier,
                                    {"smeb", "meb", "survival", "livelihoods_protection"}))
      component.tier = *tier;
    component.markup_percent = in.number(entry, "markup_percent", key + ".markup_percent", false, 0.0, ">= 0").value_or(0.0);
    // An expenditure methodology costs every component from the survey unless a component says otherwise.
    component.method = in.choice<ComponentMethod>(entry, "method", key + ".method", false, parse_component_method,
                                                  {"normative", "expenditure"})
                           .value_or(method == Method::expenditure ? ComponentMethod::expenditure
                                                                   : ComponentMethod::normative);
    component.survey_components = in.text_list(entry, "survey_components", key + ".survey_components");
    const YAML::Node items = entry["items"];
    if (component.method == ComponentMethod::expenditure) {
      for (const char* normative_only : {"items", "cost", "per"})
        if (entry[normative_only].IsDefined())
          in.error(entry[normative_only], key + "." + normative_only,
                   "an expenditure-based component is costed from the survey, so it has no " + std::string(normative_only));
      declare(entry, key + ".component", component.component);
    } else if (!component.survey_components.empty()) {
      in.error(entry["survey_components"], key + ".survey_components", "only an expenditure-based component reads survey components");
    } else if (entry["cost"].IsDefined()) {
      // A component stated as one amount (water: 3,000 per household per month).
      if (items.IsDefined()) in.error(items, key + ".items", "a component has either items or a cost, not both");
      BasketItem item;
      item.line = static_cast<std::size_t>(entry.Mark().line + 1);
      item.item = component.component;
      item.cost = in.number(entry, "cost", key + ".cost", true, 0.0, ">= 0");
      if (auto per = in.choice<Per>(entry, "per", key + ".per", true, parse_per,
                                    {"person/day", "person/month", "household/month", "household/year"}))
        item.per = *per;
      declare(entry, key + ".component", item.item);
      component.items.push_back(item);
    } else if (!items.IsDefined() || !items.IsSequence() || items.size() == 0) {
      in.error(items.IsDefined() ? items : entry, key + ".items", "expected a non-empty list of items, or a cost");
    } else {
      if (entry["per"].IsDefined()) in.error(entry["per"], key + ".per", "`per` goes on each item, or with a component cost");
      for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string item_key = key + ".items[" + std::to_string(i) + "]";
        if (!in.expect_map(items[i], item_key)) continue;
        BasketItem item;
        load_item(in, items[i], item_key, item);
        if (!item.item.empty()) declare(items[i], item_key, item.item);
        for (const auto& alias : item.aliases) declare(items[i]["aliases"], item_key + ".aliases", alias);
        component.items.push_back(std::move(item));
      }
    }
    basket.components.push_back(std::move(component));
  }
  basket.markup_percent = in.number(root, "markup_percent", "markup_percent", false, 0.0, ">= 0").value_or(0.0);
}

void load_survey_spec(Loader& in, const YAML::Node& node, SurveySpec& spec) {
  if (!in.expect_map(node, "survey")) return;
  in.check_keys(node, "survey",
                {"id", "weight", "size", "adults", "children", "admin1", "admin2", "outcomes", "missing", "invalid",
                 "expenditures"});
  spec.id = in.text(node, "id", "survey.id", false).value_or(spec.id);
  spec.weight = in.text(node, "weight", "survey.weight", false).value_or(spec.weight);
  spec.size = in.text(node, "size", "survey.size", false).value_or(spec.size);
  spec.adults = in.text(node, "adults", "survey.adults", false).value_or("");
  spec.children = in.text(node, "children", "survey.children", false).value_or("");
  spec.admin1 = in.text(node, "admin1", "survey.admin1", false).value_or("");
  spec.admin2 = in.text(node, "admin2", "survey.admin2", false).value_or("");
  spec.outcomes = in.text_list(node, "outcomes", "survey.outcomes");
  if (auto missing = in.text(node, "missing", "survey.missing", false)) {
    if (*missing == "zero") spec.missing = SurveySpec::Missing::zero;
    else if (*missing != "error")
      in.error(node["missing"], "survey.missing", "unknown value '" + *missing + "'; allowed values: error, zero");
  }
  if (auto invalid = in.text(node, "invalid", "survey.invalid", false)) {
    if (*invalid == "drop") spec.invalid = SurveySpec::Invalid::drop;
    else if (*invalid != "error")
      in.error(node["invalid"], "survey.invalid", "unknown value '" + *invalid + "'; allowed values: error, drop");
  }
  const YAML::Node columns = node["expenditures"];
  if (!columns.IsDefined() || !columns.IsSequence() || columns.size() == 0) {
    in.error(columns.IsDefined() ? columns : node, "survey.expenditures",
             "expected a non-empty list of {column, category, recall, meb, component}");
    return;
  }
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const std::string key = "survey.expenditures[" + std::to_string(i) + "]";
    if (!in.expect_map(columns[i], key)) continue;
    in.check_keys(columns[i], key, {"column", "category", "recall", "meb", "component"});
    ExpenditureColumn column;
    column.column = in.text(columns[i], "column", key + ".column", true).value_or("");
    if (auto category = in.choice<ExpenditureCategory>(
            columns[i], "category", key + ".category", true, parse_expenditure_category,
            {"food", "water", "hygiene", "energy", "rent", "health", "education", "transport", "communication", "other"}))
      column.category = *category;
    if (auto recall = in.choice<Recall>(columns[i], "recall", key + ".recall", true, parse_recall, {"7d", "30d", "6m", "12m"}))
      column.recall = *recall;
    if (auto meb = in.text(columns[i], "meb", key + ".meb", false)) {
      if (*meb == "false") column.in_meb = false;
      else if (*meb != "true") in.error(columns[i]["meb"], key + ".meb", "expected true or false, got '" + *meb + "'");
    }
    column.component = in.text(columns[i], "component", key + ".component", false).value_or("");
    spec.expenditures.push_back(column);
  }
}

void load_reference_group(Loader& in, const YAML::Node& node, ReferenceGroup& group) {
  if (!in.expect_map(node, "reference_group")) return;
  in.check_keys(node, "reference_group",
                {"deciles", "quantiles", "where", "admin1", "statistic", "per", "scale", "pooled", "min_households"});
  // A band of the weighted per-capita spending distribution: deciles [3, 5] = quantiles [0.2, 0.5].
  for (const char* name : {"deciles", "quantiles"}) {
    const YAML::Node band = node[name];
    if (!band.IsDefined()) continue;
    const std::string key = std::string("reference_group.") + name;
    const bool deciles = std::string(name) == "deciles";
    double low = 0.0, high = 0.0;
    if (!band.IsSequence() || band.size() != 2 || !band[0].IsScalar() || !band[1].IsScalar() ||
        !detail::parse_double(band[0].Scalar(), low) || !detail::parse_double(band[1].Scalar(), high)) {
      in.error(band, key, std::string("expected two numbers, e.g. ") + (deciles ? "[3, 5]" : "[0.2, 0.5]") + ", got " + show(band));
      continue;
    }
    if (deciles) {
      if (low < 1 || high > 10 || low > high || low != std::floor(low) || high != std::floor(high)) {
        in.error(band, key, "deciles are whole numbers from 1 to 10, the first no larger than the second, got " + show(band));
        continue;
      }
      low = (low - 1.0) / 10.0;  // the 3rd decile starts at quantile 0.2
      high = high / 10.0;        // and the 5th ends at 0.5
    } else if (low < 0 || high > 1 || low > high) {
      in.error(band, key, "quantiles lie in [0, 1], the first no larger than the second, got " + show(band));
      continue;
    }
    group.band_from = low;
    group.band_to = high;
  }
  for (const auto& text : in.text_list(node, "where", "reference_group.where")) {
    if (auto condition = parse_outcome_condition(text)) group.conditions.push_back(*condition);
    else in.error(node["where"], "reference_group.where", "'" + text + "' is not a condition such as 'fcs >= 42'");
  }
  group.admin1 = in.text_list(node, "admin1", "reference_group.admin1");
  if (auto statistic = in.choice<Statistic>(node, "statistic", "reference_group.statistic", false, parse_area_statistic,
                                            {"median", "mean"}))
    group.statistic = *statistic;
  if (auto per = in.text(node, "per", "reference_group.per", false)) {
    if (*per == "adult_equivalent") group.per_adult_equivalent = true;
    else if (*per != "person")
      in.error(node["per"], "reference_group.per", "unknown value '" + *per + "'; allowed values: person, adult_equivalent");
  }
  if (auto scale = in.choice<EquivalenceScale>(node, "scale", "reference_group.scale", false, parse_scale,
                                               {"oecd", "modified_oecd", "square_root"}))
    group.scale = *scale;
  if (auto pooled = in.text(node, "pooled", "reference_group.pooled", false)) {
    if (*pooled == "true") group.pooled = true;
    else if (*pooled != "false") in.error(node["pooled"], "reference_group.pooled", "expected true or false, got '" + *pooled + "'");
  }
  if (auto minimum = in.integer(node, "min_households", "reference_group.min_households", 1))
    group.min_households = static_cast<std::size_t>(*minimum);
}

/// The keys of the survey-based methods, and the consistency of the method with the basket.
void load_survey_method(Loader& in, const YAML::Node& root, Methodology& m) {
  if (root["survey"].IsDefined()) {
    m.survey = SurveySpec{};
    load_survey_spec(in, root["survey"], *m.survey);
  }
  // Spending per adult equivalent takes the household model's scale unless the group names its own.
  if (m.household.model == HouseholdModel::equivalence) m.reference_group.scale = m.household.scale;
  if (root["reference_group"].IsDefined()) load_reference_group(in, root["reference_group"], m.reference_group);
  const YAML::Node share = root["food_share"];
  if (share.IsDefined()) {
    double value = 0.0;
    if (share.IsScalar() && share.Scalar() == "measured") m.food_share.measured = true;
    else if (share.IsScalar() && detail::parse_double(share.Scalar(), value) && value > 0.0 && value <= 1.0)
      m.food_share.stated = value;
    else
      in.error(share, "food_share", "expected a share in (0, 1] such as 0.532 (Mali, INSTAT) or 'measured', got " + show(share));
  }
  bool expenditure = false, normative = false, food = false;
  for (const auto& component : m.basket.components) {
    (component.method == ComponentMethod::expenditure ? expenditure : normative) = true;
    if (detail::to_lower(component.component) == "food" && component.method == ComponentMethod::normative) food = true;
  }
  // Every survey component an expenditure-based component reads must be fed by an MEB column of the
  // survey: a misspelt name would otherwise cost 0 without a word.
  if (m.survey) {
    std::vector<std::string> fed;
    for (const auto& column : m.survey->expenditures)
      if (column.in_meb) fed.push_back(column.component.empty() ? std::string(to_string(column.category)) : column.component);
    const YAML::Node basket = root["basket"];
    for (std::size_t c = 0; c < m.basket.components.size(); ++c) {
      const BasketComponent& component = m.basket.components[c];
      if (component.method != ComponentMethod::expenditure) continue;
      const std::vector<std::string> names =
          component.survey_components.empty() ? std::vector<std::string>{component.component} : component.survey_components;
      for (const auto& name : names) {
        if (std::find(fed.begin(), fed.end(), name) != fed.end()) continue;
        std::string known;
        for (const auto& f : fed)
          if (known.find("'" + f + "'") == std::string::npos) known += (known.empty() ? "'" : ", '") + f + "'";
        const bool listed = !component.survey_components.empty();
        in.error(listed ? basket[c]["survey_components"] : basket[c],
                 "basket[" + std::to_string(c) + "]." + (listed ? "survey_components" : "component"),
                 "expenditure-based component reads survey component '" + name +
                     "', which no MEB column of the survey feeds; the survey's components are " + known +
                     " (name others with survey_components)");
      }
    }
  }
  if (m.method == Method::food_share) {
    // Engel: the non-food part is derived from the food share, so a normative non-food line would count twice.
    for (std::size_t c = 0; c < m.basket.components.size(); ++c)
      if (detail::to_lower(m.basket.components[c].component) != "food")
        in.error(root["basket"][c], "basket[" + std::to_string(c) + "]",
                 "method food_share derives every non-food need from the food share (MEB = food / share): the "
                 "basket holds only the food component, not '" + m.basket.components[c].component + "'");
  }
  if ((expenditure || m.food_share.measured) && !m.survey)
    in.error(root, "survey", "is required by expenditure-based components and a measured food share: it names the "
                             "survey's columns (id, weight, size, expenditures)");
  if (m.method == Method::food_share) {
    if (!share.IsDefined()) in.error(root, "food_share", "is required by method food_share (e.g. 0.532, or measured)");
    if (!food) in.error(root["basket"].IsDefined() ? root["basket"] : root, "basket",
                        "method food_share needs a normative component named food: MEB = food cost / food share");
  } else if (share.IsDefined()) {
    in.error(share, "food_share", "is only read by method food_share");
  }
  if (m.method == Method::hybrid && !(expenditure && normative))
    in.error(root["method"], "method", "hybrid needs at least one normative and one expenditure-based component");
  if ((m.method == Method::normative || m.method == Method::hea || m.method == Method::food_share) && expenditure)
    in.error(root["method"].IsDefined() ? root["method"] : root, "method",
             "a component is expenditure-based: say method: hybrid (or expenditure)");
  if (m.reference_group.pooled) {
    const auto& levels = m.prices.levels;
    if (std::find(levels.begin(), levels.end(), AreaLevel::national) == levels.end())
      in.error(root["reference_group"]["pooled"], "reference_group.pooled",
               "a pooled reference group is carried to the areas by a price index against the national level: add "
               "national to prices.levels");
    if (!normative)
      in.error(root["reference_group"]["pooled"], "reference_group.pooled",
               "a pooled reference group needs market-priced basket lines for the price index");
  }
}

void load_transfer(Loader& in, const YAML::Node& node, TransferRule& rule, bool has_smeb) {
  if (!node.IsDefined()) return;  // defaults: the whole MEB, no deduction, full coverage, no rounding
  if (!in.expect_map(node, "transfer")) return;
  in.check_keys(node, "transfer", {"basis", "deduct", "coverage", "floor", "cap", "round"});
  if (auto basis = in.choice<Tier>(node, "basis", "transfer.basis", false, parse_tier, {"meb", "smeb"})) {
    rule.basis = *basis;
    if (rule.basis == Tier::smeb && !has_smeb) in.error(node["basis"], "transfer.basis", "is smeb but no basket component has tier smeb");
  }
  rule.deduct = in.number(node, "deduct", "transfer.deduct", false, 0.0, ">= 0").value_or(0.0);
  if (auto coverage = in.number(node, "coverage", "transfer.coverage", false, 0.0, ">= 0")) {
    if (*coverage > 1.0) in.error(node["coverage"], "transfer.coverage", "is a share of the gap, between 0 and 1, got " + show(node["coverage"]));
    rule.coverage = *coverage;
  }
  rule.floor = in.number(node, "floor", "transfer.floor", false, 0.0, ">= 0").value_or(0.0);
  rule.cap = in.number(node, "cap", "transfer.cap", false, 0.0, ">= 0");
  if (rule.cap && *rule.cap < rule.floor) in.error(node["cap"], "transfer.cap", "is below the floor " + show(node["floor"]));
  const YAML::Node round = node["round"];
  if (round.IsDefined() && !round.IsNull()) {
    if (in.expect_map(round, "transfer.round")) {
      in.check_keys(round, "transfer.round", {"step", "mode"});
      Rounding rounding;
      if (auto step = in.number(round, "step", "transfer.round.step", true, 1e-9, "> 0")) rounding.step = *step;
      rounding.mode = in.choice<RoundingMode>(round, "mode", "transfer.round.mode", false, parse_rounding_mode,
                                              {"nearest", "up", "down"})
                          .value_or(RoundingMode::nearest);
      rule.rounding = rounding;
    }
  }
}

/// `nutrition:` the targets of the food basket check (meb/nutrition.hpp). Every key is optional and, like
/// every key, null means absent (the default applies); a minimum of 0 never warns. Read after the basket,
/// whose component names `components` must use.
void load_nutrition(Loader& in, const YAML::Node& node, const std::string& file_name, Methodology& methodology) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!in.expect_map(node, "nutrition")) return;
  in.check_keys(node, "nutrition",
                {"food_composition", "min_kcal", "protein_percent_min", "protein_percent_max", "fat_percent_min",
                 "fat_percent_max", "components"});
  if (auto path = in.text(node, "food_composition", "nutrition.food_composition", false)) {
    if (detail::trim(*path).empty()) {
      in.error(node["food_composition"], "nutrition.food_composition", "must name a CSV file, got ''");
    } else {
      // Relative to the methodology file, so that a scenario runs from any working directory.
      std::filesystem::path table(std::string(detail::trim(*path)));
      if (table.is_relative()) table = std::filesystem::path(file_name).parent_path() / table;
      methodology.food_composition = table.lexically_normal().string();
    }
  }
  NutritionTargets& targets = methodology.nutrition;
  // An absent key keeps the default (WFP/UNHCR 1997 targets; no maximum).
  auto target = [&](const char* name, std::optional<double>& value, double maximum) {
    const std::string key = std::string("nutrition.") + name;
    const auto given = in.number(node, name, key, false, 0.0, ">= 0");
    if (!given) return;
    if (*given > maximum) in.error(node[name], key, "is a percent of energy, at most 100, got " + show(node[name]));
    else value = given;
  };
  target("min_kcal", targets.min_kcal, std::numeric_limits<double>::infinity());
  target("protein_percent_min", targets.protein_percent_min, 100.0);
  target("protein_percent_max", targets.protein_percent_max, 100.0);
  target("fat_percent_min", targets.fat_percent_min, 100.0);
  target("fat_percent_max", targets.fat_percent_max, 100.0);
  if (targets.protein_percent_min && targets.protein_percent_max &&
      *targets.protein_percent_max < *targets.protein_percent_min)
    in.error(node["protein_percent_max"], "nutrition.protein_percent_max",
             "is below protein_percent_min " + show(node["protein_percent_min"]));
  if (targets.fat_percent_min && targets.fat_percent_max && *targets.fat_percent_max < *targets.fat_percent_min)
    in.error(node["fat_percent_max"], "nutrition.fat_percent_max", "is below fat_percent_min " + show(node["fat_percent_min"]));
  targets.components = in.text_list(node, "components", "nutrition.components");
  for (std::size_t i = 0; i < targets.components.size(); ++i) {
    const std::string wanted = detail::to_lower(detail::trim(targets.components[i]));
    std::string names;
    bool known = false;
    for (const auto& component : methodology.basket.components) {
      known = known || detail::to_lower(component.component) == wanted;
      names += (names.empty() ? "" : ", ") + component.component;
    }
    if (!known)
      in.error(node["components"][i], "nutrition.components[" + std::to_string(i) + "]",
               "'" + targets.components[i] + "' is not a component of the basket; components: " + names);
  }
}

bool valid_id(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
  return true;
}

}  // namespace

void detail::load_basket_item(Loader& in, const YAML::Node& node, const std::string& key, BasketItem& item) {
  load_item(in, node, key, item);
}

Methodology parse_methodology(std::string_view yaml_text, const std::string& file_name) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& error) {
    throw MethodologyError::at(file_name, static_cast<std::size_t>(error.mark.line + 1),
                               static_cast<std::size_t>(error.mark.column + 1), "YAML syntax error: " + error.msg);
  }
  if (!root.IsMap()) throw MethodologyError(file_name + ":1:1: a methodology is a YAML mapping with keys id, name, currency, household, basket ...");
  Loader in(file_name);
  Methodology methodology;
  methodology.source_path = file_name;
  in.check_keys(root, "",
                {"id", "name", "version", "description", "currency", "days_per_month", "household", "prices",
                 "basket", "markup_percent", "transfer", "output_levels", "nutrition", "method", "survey",
                 "reference_group", "food_share"});
  methodology.method = in.choice<Method>(root, "method", "method", false, parse_method,
                                         {"normative", "expenditure", "food_share", "hybrid", "hea"})
                           .value_or(Method::normative);
  if (auto id = in.text(root, "id", "id", true)) {
    if (!valid_id(*id)) in.error(root["id"], "id", "must be letters, digits and '-', got '" + *id + "'");
    methodology.id = *id;
  }
  methodology.name = in.text(root, "name", "name", true).value_or("");
  methodology.version = in.text(root, "version", "version", false).value_or("1");
  methodology.description = in.text(root, "description", "description", false).value_or("");
  methodology.currency = in.text(root, "currency", "currency", true).value_or("");
  methodology.days_per_month = in.number(root, "days_per_month", "days_per_month", false, 1.0, ">= 1").value_or(30.0);
  load_household(in, root, methodology.household);
  load_prices(in, root["prices"], methodology.prices);
  load_basket(in, root, methodology.basket, methodology.method);
  load_survey_method(in, root, methodology);
  load_transfer(in, root["transfer"], methodology.transfer, methodology.basket.has_smeb_lines());
  load_nutrition(in, root["nutrition"], file_name, methodology);
  if (root["output_levels"].IsDefined()) {
    const auto names = in.text_list(root, "output_levels", "output_levels");
    for (std::size_t i = 0; i < names.size(); ++i) {
      const auto level = parse_area_level(names[i]);
      const auto& path = methodology.prices.levels;
      if (!level || *level == AreaLevel::market || std::find(path.begin(), path.end(), *level) == path.end()) {
        std::string allowed;
        for (std::size_t k = 1; k < path.size(); ++k) allowed += (k > 1 ? ", " : "") + std::string(to_string(path[k]));
        in.error(root["output_levels"][i], "output_levels[" + std::to_string(i) + "]",
                 "'" + names[i] + "' is not a level of prices.levels above market; allowed values: " + allowed);
      } else if (std::find(methodology.output_levels.begin(), methodology.output_levels.end(), *level) !=
                 methodology.output_levels.end()) {
        in.error(root["output_levels"][i], "output_levels[" + std::to_string(i) + "]", "'" + names[i] + "' is listed twice");
      } else {
        methodology.output_levels.push_back(*level);
      }
    }
  }
  if (in.errors().empty()) {
    // Lines that read another item's price (substitutes, composite alternatives) must convert its unit.
    (void)expand_basket(methodology, collect_series(methodology.basket));
  }
  if (!in.errors().empty()) throw MethodologyError(in.report());
  return methodology;
}

Methodology load_methodology(const std::string& path) {
  return parse_methodology(detail::read_definition_file<MethodologyError>(path), path);
}

WideMapping load_wide_mapping(const std::string& path) {
  std::string text;
  try {
    text = read_file(path);
  } catch (const InputError& error) {
    throw MethodologyError(error.what());
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& error) {
    throw MethodologyError::at(path, static_cast<std::size_t>(error.mark.line + 1),
                               static_cast<std::size_t>(error.mark.column + 1), "YAML syntax error: " + error.msg);
  }
  Loader in(path);
  const std::optional<WideMapping> mapping = load_wide(in, root, "");
  if (!in.errors().empty() || !mapping)
    throw MethodologyError(in.errors().empty() ? path + ":1:1: a mapping file is a YAML mapping" : in.report());
  return *mapping;
}

std::string summarise(const Methodology& m) {
  std::ostringstream out;
  out << "methodology " << m.id << " version " << m.version << ": " << m.name << "\n";
  out << "  file: " << m.source_path << "\n";
  out << "  currency: " << m.currency << ", " << m.days_per_month << " days a month\n";  out << "  method: " << to_string(m.method) << "\n";
  if (m.survey) {
    std::size_t in_meb = 0;
    for (const auto& column : m.survey->expenditures) in_meb += column.in_meb ? 1 : 0;
    out << "  survey: " << m.survey->expenditures.size() << " expenditure columns (" << in_meb
        << " in the MEB), household id '" << m.survey->id << "', weight '" << m.survey->weight << "'\n";
    out << "  reference group: " << m.reference_group.describe() << "\n";
  }
  if (m.method == Method::food_share)
    out << "  food share: "
        << (m.food_share.measured ? std::string("measured on the reference group") : std::to_string(*m.food_share.stated))
        << " (MEB = food / share)\n";
  out << "  household: " << m.household.describe() << " (per-person quantities x " << m.household.persons() << ")\n";
  out << "  prices: " << m.prices.pricetype << ", levels";
  for (auto level : m.prices.levels) out << " " << to_string(level);
  out << ", " << to_string(m.prices.statistic) << ", min_observations " << m.prices.min_observations << ", fill [";
  for (std::size_t i = 0; i < m.prices.fill.size(); ++i) {
    const auto& rule = m.prices.fill[i];
    out << (i ? ", " : "") << (rule.kind == FillRule::Kind::parent ? std::string("parent")
                                                                    : "carry_forward " + std::to_string(rule.months));
  }
  out << "], on_missing " << to_string(m.prices.on_missing) << "\n";
  std::size_t items = 0;
  for (const auto& component : m.basket.components) items += component.items.size();
  out << "  basket: " << m.basket.components.size() << " components, " << items << " lines";
  if (m.basket.markup_percent > 0) out << ", mark-up " << m.basket.markup_percent << "% on the total";
  out << "\n";
  for (const auto& component : m.basket.components) {
    out << "    " << component.component << " (" << to_string(component.tier) << ")";
    if (component.method == ComponentMethod::expenditure) {
      out << ": what the reference group spends on";
      if (component.survey_components.empty()) out << " " << component.component;
      for (const auto& name : component.survey_components) out << " " << name;
      out << ", per person\n";
      continue;
    }
    if (component.markup_percent > 0) out << " mark-up " << component.markup_percent << "%";
    out << ":";
    for (const auto& item : component.items) {
      out << "\n      " << item.item << ": ";
      if (item.cost) out << *item.cost << " " << m.currency << " per " << to_string(item.per);
      else out << item.quantity << " " << item.unit.text << " per " << to_string(item.per);
      if (item.composite) {
        out << ", composite " << to_string(item.composite->statistic) << " of";
        for (const auto& name : item.composite->of) out << " [" << name << "]";
      }
      if (!item.substitutes.empty()) {
        out << ", substitutes";
        for (const auto& name : item.substitutes) out << " [" << name << "]";
      }
    }
    out << "\n";
  }
  out << "  transfer: " << m.transfer.describe() << "\n";
  return out.str();
}

}  // namespace meb

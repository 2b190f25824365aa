#include "meb/scenario.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <set>
#include <thread>
#include <unordered_map>

#include <yaml-cpp/yaml.h>

#include "meb/costing.hpp"
#include "meb/csv.hpp"
#include "meb/outputs.hpp"
#include "yaml_loader.hpp"

namespace meb {

using detail::Loader;
using detail::show;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
/// A sweep's cross product is evaluated in memory (rows × points): beyond this it is a mistake, not a sweep.
constexpr std::size_t kMaxPoints = 1000000;

const char* const kKinds[] = {"shock", "inflation", "seasonal", "household", "transfer", "basket", "currency"};

std::string lower(std::string_view text) { return detail::to_lower(detail::trim(text)); }

/// "a, b, c" of at most `limit` names, then how many more.
std::string list_names(const std::vector<std::string>& names, std::size_t limit = 30) {
  std::string text;
  for (std::size_t i = 0; i < names.size() && i < limit; ++i) text += (i ? ", " : "") + names[i];
  if (names.size() > limit) text += ", ... (" + std::to_string(names.size() - limit) + " more)";
  return text;
}

/// The item names a basket prices at market, lower case: items, aliases, composite alternatives and substitutes
/// (a line with a stated cost has no market price).
void basket_names(const Basket& basket, std::set<std::string>& names) {
  for (const auto& component : basket.components)
    for (const auto& item : component.items) {
      if (item.cost) continue;
      names.insert(lower(item.item));
      for (const auto& alias : item.aliases) names.insert(lower(alias));
      for (const auto& name : item.substitutes) names.insert(lower(name));
      if (item.composite)
        for (const auto& name : item.composite->of) names.insert(lower(name));
    }
}

/// A basket item by name or alias: (component, item) indices.
std::optional<std::pair<std::size_t, std::size_t>> find_item(const Basket& basket, const std::string& name) {
  const std::string wanted = lower(name);
  for (std::size_t c = 0; c < basket.components.size(); ++c)
    for (std::size_t i = 0; i < basket.components[c].items.size(); ++i) {
      const BasketItem& item = basket.components[c].items[i];
      if (lower(item.item) == wanted) return std::make_pair(c, i);
      for (const auto& alias : item.aliases)
        if (lower(alias) == wanted) return std::make_pair(c, i);
    }
  return std::nullopt;
}

/// The market-priced items of a basket, as written.
std::vector<std::string> item_list(const Basket& basket) {
  std::vector<std::string> names;
  for (const auto& component : basket.components)
    for (const auto& item : component.items)
      if (component.method == ComponentMethod::normative && !item.cost) names.push_back(item.item);
  return names;
}

/// Applies one basket change; returns why it cannot be applied ("" when it was).
std::string apply_basket_change(Basket& basket, const BasketChange& change) {
  if (change.kind == BasketChange::Kind::add) {
    const std::string wanted = lower(change.component);
    for (auto& component : basket.components) {
      if (lower(component.component) != wanted) continue;
      if (component.method == ComponentMethod::expenditure)
        return "component '" + component.component + "' is costed from the survey: it has no items to add to";
      if (find_item(basket, change.added.item))
        return "'" + change.added.item + "' is already an item of the basket; change its quantity instead";
      component.items.push_back(change.added);
      return "";
    }
    std::vector<std::string> names;
    for (const auto& component : basket.components) names.push_back(component.component);
    return "'" + change.component + "' is not a component of the basket; components: " + list_names(names);
  }
  const auto where = find_item(basket, change.item);
  if (!where) return "'" + change.item + "' is not an item of the basket; items: " + list_names(item_list(basket));
  BasketComponent& component = basket.components[where->first];
  BasketItem& item = component.items[where->second];
  switch (change.kind) {
    case BasketChange::Kind::remove:
      component.items.erase(component.items.begin() + static_cast<std::ptrdiff_t>(where->second));
      return "";
    case BasketChange::Kind::quantity:
      if (item.cost) return "'" + item.item + "' has a stated cost, not a quantity";
      item.quantity = change.quantity;
      return "";
    case BasketChange::Kind::substitute: {
      if (item.cost) return "'" + item.item + "' has a stated cost, not a market price to substitute";
      const auto other = find_item(basket, change.with);
      if (other && *other != *where)
        return "'" + change.with + "' is already an item of the basket; remove one of the two instead";
      // The line keeps its quantity, unit and per and is priced as the other commodity from now on.
      const std::string with_lower = lower(change.with);
      item.item = change.with;
      item.aliases.clear();
      item.composite.reset();
      item.substitutes.erase(std::remove_if(item.substitutes.begin(), item.substitutes.end(),
                                            [&](const std::string& name) { return lower(name) == with_lower; }),
                             item.substitutes.end());
      return "";
    }
    case BasketChange::Kind::add: break;
  }
  return "";
}

void apply_household_change(Household& household, const HouseholdChange& change) {
  if (change.model) household.model = *change.model;
  if (change.size) household.size = *change.size;
  if (change.bands) household.bands = *change.bands;
  if (change.base) household.base = *change.base;
  if (change.max) household.max = *change.max;
  if (change.scale) household.scale = *change.scale;
  if (change.adults) household.adults = *change.adults;
  if (change.children) household.children = *change.children;
}

void apply_transfer_change(TransferRule& rule, const TransferChange& change) {
  if (change.basis) rule.basis = *change.basis;
  if (change.deduct) rule.deduct = *change.deduct;
  if (change.coverage) rule.coverage = *change.coverage;
  if (change.floor) rule.floor = *change.floor;
  if (change.sets_cap) rule.cap = change.cap;
  if (change.sets_rounding) rule.rounding = change.rounding;
  if (change.round_step) rule.rounding = Rounding{*change.round_step, rule.rounding ? rule.rounding->mode : RoundingMode::nearest};
}

/// What is wrong with a household after a change ("" when it is complete).
std::string household_problem(const Household& household) {
  switch (household.model) {
    case HouseholdModel::bands:
      if (household.bands.empty()) return "the bands model needs bands";
      if (household.size > household.bands.back().up_to)
        return "no band holds a household of size " + format_number(household.size);
      return "";
    case HouseholdModel::capped:
      if (household.max < 1.0) return "the capped model needs max >= 1";
      return "";
    default: return "";
  }
}

/// Rounds a swept value to 12 significant digits, so that a range of 0.05 steps gives the decimals written
/// (1.0 + 3 × 0.05 is 1.1500000000000001 in binary; the value used is the double nearest 1.15).
double tidy(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.12g", value);
  return std::strtod(text, nullptr);
}

struct FieldSpec {
  SweepParameter::Field field;
  const char* name;       ///< after "changes[i].<kind>."
  double minimum;
  double maximum;
  bool minimum_open;      ///< minimum excluded
  const char* range_text;
};

constexpr double kInf = std::numeric_limits<double>::infinity();

const FieldSpec kFields[] = {
    {SweepParameter::Field::shock_amount, "shock.multiply", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::shock_amount, "shock.add", -kInf, kInf, false, "a number"},
    {SweepParameter::Field::inflation_rate, "inflation.monthly_rate", -1.0, kInf, true, "> -1"},
    {SweepParameter::Field::household_size, "household.size", 1.0, kInf, false, ">= 1"},
    {SweepParameter::Field::household_base, "household.base", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::household_max, "household.max", 1.0, kInf, false, ">= 1"},
    {SweepParameter::Field::household_adults, "household.adults", 1.0, kInf, false, ">= 1"},
    {SweepParameter::Field::household_children, "household.children", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::transfer_deduct, "transfer.deduct", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::transfer_coverage, "transfer.coverage", 0.0, 1.0, false, "between 0 and 1"},
    {SweepParameter::Field::transfer_floor, "transfer.floor", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::transfer_cap, "transfer.cap", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::transfer_round_step, "transfer.round.step", 0.0, kInf, true, "> 0"},
    {SweepParameter::Field::basket_quantity, "basket.quantity.quantity", 0.0, kInf, false, ">= 0"},
    {SweepParameter::Field::currency_rate, "currency.rate", 0.0, kInf, true, "> 0"},
};

bool in_range(const FieldSpec& spec, double value) {
  if (std::isnan(value) || value > spec.maximum) return false;
  return spec.minimum_open ? value > spec.minimum : value >= spec.minimum;
}

void set_field(Change& change, const SweepParameter& parameter, double value) {
  using Field = SweepParameter::Field;
  switch (parameter.field) {
    case Field::shock_amount: std::get<PriceShock>(change.spec).amount = value; break;
    case Field::inflation_rate: std::get<InflationPath>(change.spec).monthly_rate = value; break;
    case Field::seasonal_month:
      std::get<SeasonalProfile>(change.spec).multiplier[static_cast<std::size_t>(parameter.month - 1)] = value;
      break;
    case Field::household_size: std::get<HouseholdChange>(change.spec).size = value; break;
    case Field::household_base: std::get<HouseholdChange>(change.spec).base = value; break;
    case Field::household_max: std::get<HouseholdChange>(change.spec).max = value; break;
    case Field::household_adults: std::get<HouseholdChange>(change.spec).adults = value; break;
    case Field::household_children: std::get<HouseholdChange>(change.spec).children = value; break;
    case Field::transfer_deduct: std::get<TransferChange>(change.spec).deduct = value; break;
    case Field::transfer_coverage: std::get<TransferChange>(change.spec).coverage = value; break;
    case Field::transfer_floor: std::get<TransferChange>(change.spec).floor = value; break;
    case Field::transfer_cap: {
      auto& transfer = std::get<TransferChange>(change.spec);
      transfer.sets_cap = true;
      transfer.cap = value;
      break;
    }
    case Field::transfer_round_step: {
      auto& transfer = std::get<TransferChange>(change.spec);
      if (transfer.sets_rounding && transfer.rounding) transfer.rounding->step = value;
      else transfer.round_step = value;  // keeps the mode in force
      break;
    }
    case Field::basket_quantity: std::get<BasketChange>(change.spec).quantity = value; break;
    case Field::currency_rate: std::get<CurrencyChange>(change.spec).rate = value; break;
  }
}

std::optional<RoundingMode> parse_mode(std::string_view text) { return detail::parse_rounding_mode(text); }

/// Reads a scenario, with every problem collected.
class ScenarioParser {
 public:
  ScenarioParser(const std::string& file, const Methodology& baseline) : in_(file), baseline_(baseline) {
    working_ = baseline;
    basket_names(baseline.basket, known_items_);
    for (const auto& component : baseline.basket.components) components_.push_back(component.component);
  }

  Scenario parse(const YAML::Node& root, const std::string& file_name) {
    Scenario scenario;
    scenario.source_path = file_name;
    scenario.baseline = baseline_;
    in_.check_keys(root, "", {"id", "name", "version", "description", "baseline", "changes", "sweep"});
    if (auto id = in_.text(root, "id", "id", true)) {
      bool valid = !id->empty();
      for (char c : *id)
        valid = valid && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-');
      if (!valid) in_.error(root["id"], "id", "must be letters, digits and '-', got '" + *id + "'");
      scenario.id = *id;
    }
    scenario.name = in_.text(root, "name", "name", true).value_or("");
    scenario.version = in_.text(root, "version", "version", false).value_or("1");
    scenario.description = in_.text(root, "description", "description", false).value_or("");
    if (auto baseline = in_.text(root, "baseline", "baseline", true)) scenario.baseline_path = resolve(file_name, *baseline);

    const YAML::Node changes = root["changes"];
    // A scenario without changes is the baseline itself: allowed, and the reference of the byte-for-byte test.
    if (changes.IsDefined() && !changes.IsNull()) {
      if (!changes.IsSequence()) {
        in_.error(changes, "changes", "expected a list of changes such as - {shock: {...}}, got " + show(changes));
      } else {
        // Names a later basket change adds can be shocked too.
        for (std::size_t i = 0; i < changes.size(); ++i) collect_added_names(changes[i]);
        for (std::size_t i = 0; i < changes.size(); ++i) parse_change(changes[i], i, scenario);
      }
    }
    check_final_methodology(root);
    if (root["sweep"].IsDefined() && !root["sweep"].IsNull()) parse_sweep(root["sweep"], scenario);
    return scenario;
  }

  [[nodiscard]] const std::vector<std::string>& errors() const { return in_.errors(); }

 private:
  static std::string resolve(const std::string& file_name, const std::string& path) {
    std::filesystem::path target(std::string(detail::trim(path)));
    if (target.is_relative()) target = std::filesystem::path(file_name).parent_path() / target;
    return target.lexically_normal().string();
  }

  void collect_added_names(const YAML::Node& change) {
    // yaml-cpp throws on IsMap() of an absent key: every step checks IsDefined() first.
    auto is = [](const YAML::Node& node, YAML::NodeType::value type) { return node.IsDefined() && node.Type() == type; };
    if (!change.IsMap()) return;
    const YAML::Node basket = change["basket"];
    if (!is(basket, YAML::NodeType::Map)) return;
    const YAML::Node substitute = basket["substitute"];
    if (is(substitute, YAML::NodeType::Map) && is(substitute["with"], YAML::NodeType::Scalar))
      known_items_.insert(lower(substitute["with"].Scalar()));
    const YAML::Node add = basket["add"];
    if (!is(add, YAML::NodeType::Map) || !is(add["item"], YAML::NodeType::Map)) return;
    const YAML::Node item = add["item"];
    if (is(item["item"], YAML::NodeType::Scalar)) known_items_.insert(lower(item["item"].Scalar()));
    const YAML::Node aliases = item["aliases"];
    if (is(aliases, YAML::NodeType::Sequence))
      for (std::size_t i = 0; i < aliases.size(); ++i)
        if (aliases[i].IsScalar()) known_items_.insert(lower(aliases[i].Scalar()));
  }

  std::optional<Month> month(const YAML::Node& node, const std::string& key) {
    const std::string text = node.IsScalar() ? std::string(detail::trim(node.Scalar())) : std::string();
    const auto parsed = parse_month(text);
    if (!node.IsScalar() || !parsed || text.size() != 7) {
      in_.error(node, key, "expected a month YYYY-MM, got " + show(node));
      return std::nullopt;
    }
    return parsed;
  }

  PriceSelection selection(const YAML::Node& node, const std::string& key, bool with_months) {
    PriceSelection where;
    where.items = in_.text_list(node, "items", key + ".items");
    for (std::size_t i = 0; i < where.items.size(); ++i) {
      if (known_items_.count(lower(where.items[i]))) continue;
      const auto stated = find_item(baseline_.basket, where.items[i]);
      if (stated)
        in_.error(node["items"][i], key + ".items[" + std::to_string(i) + "]",
                  "'" + where.items[i] + "' is a stated amount, not a market price: a price change cannot move it");
      else
        in_.error(node["items"][i], key + ".items[" + std::to_string(i) + "]",
                  "unknown item '" + where.items[i] + "'; the basket's market-priced items: " +
                      list_names(item_list(working_.basket)));
    }
    where.categories = in_.text_list(node, "categories", key + ".categories");
    for (std::size_t i = 0; i < where.categories.size(); ++i) {
      bool known = false, priced = false;
      for (const auto& component : working_.basket.components) {
        if (lower(component.component) != lower(where.categories[i])) continue;
        known = true;
        for (const auto& item : component.items) priced = priced || !item.cost;
      }
      for (const auto& component : components_) known = known || lower(component) == lower(where.categories[i]);
      const std::string at = key + ".categories[" + std::to_string(i) + "]";
      if (!known)
        in_.error(node["categories"][i], at,
                  "unknown category '" + where.categories[i] + "'; categories are the basket's components: " +
                      list_names(components_));
      else if (!priced)
        in_.error(node["categories"][i], at,
                  "component '" + where.categories[i] + "' has no market-priced item: a price change cannot move it");
    }
    const auto areas = in_.text_list(node, "areas", key + ".areas");
    for (std::size_t i = 0; i < areas.size(); ++i) {
      const YAML::Node at = node["areas"][i];
      where.areas.push_back({areas[i], static_cast<std::size_t>(at.Mark().line + 1),
                             static_cast<std::size_t>(at.Mark().column + 1), key + ".areas[" + std::to_string(i) + "]"});
    }
    if (!with_months) return where;
    const YAML::Node months = node["months"];
    if (!months.IsDefined() || months.IsNull()) return where;
    if (months.IsMap()) {
      in_.check_keys(months, key + ".months", {"from", "to"});
      if (months["from"].IsDefined()) where.from = month(months["from"], key + ".months.from");
      if (months["to"].IsDefined()) where.to = month(months["to"], key + ".months.to");
      if (!months["from"].IsDefined() && !months["to"].IsDefined())
        in_.error(months, key + ".months", "expected from and/or to, e.g. {from: 2019-06, to: 2019-09}");
      if (where.from && where.to && *where.to < *where.from)
        in_.error(months["to"], key + ".months.to", "is before from " + show(months["from"]));
    } else if (months.IsSequence()) {
      for (std::size_t i = 0; i < months.size(); ++i)
        if (auto m = month(months[i], key + ".months[" + std::to_string(i) + "]")) where.months.push_back(*m);
    } else {
      in_.error(months, key + ".months",
                "expected {from: YYYY-MM, to: YYYY-MM} or a list of months, got " + show(months));
    }
    return where;
  }

  std::optional<Rounding> rounding(const YAML::Node& round, const std::string& key) {
    if (!in_.expect_map(round, key)) return std::nullopt;
    in_.check_keys(round, key, {"step", "mode"});
    Rounding result;
    if (auto step = in_.number(round, "step", key + ".step", true, 1e-12, "> 0")) result.step = *step;
    result.mode = in_.choice<RoundingMode>(round, "mode", key + ".mode", false, parse_mode, {"nearest", "up", "down"})
                      .value_or(RoundingMode::nearest);
    return result;
  }

  void parse_change(const YAML::Node& node, std::size_t index, Scenario& scenario) {
    const std::string key = "changes[" + std::to_string(index) + "]";
    change_nodes_.push_back(YAML::Node());
    if (!node.IsMap() || node.size() != 1) {
      in_.error(node, key,
                "a change is a mapping with one key, one of shock, inflation, seasonal, household, transfer, basket, "
                "currency; got " + show(node));
      scenario.changes.push_back({});  // keeps the indices of the later changes for sweep paths
      kinds_.push_back("");
      return;
    }
    const std::string kind = node.begin()->first.Scalar();
    const YAML::Node body = node.begin()->second;
    change_nodes_.back() = body;
    kinds_.push_back(kind);
    Change change;
    change.line = static_cast<std::size_t>(node.Mark().line + 1);
    const std::string at = key + "." + kind;
    if (kind == "shock") {
      PriceShock shock;
      if (in_.expect_map(body, at)) {
        in_.check_keys(body, at, {"items", "categories", "areas", "months", "multiply", "add"});
        shock.where = selection(body, at, true);
        const bool multiply = body["multiply"].IsDefined(), add = body["add"].IsDefined();
        if (multiply == add) in_.error(body, at, "needs exactly one of multiply (e.g. 1.25) or add (e.g. 50)");
        if (multiply) {
          shock.op = PriceShock::Op::multiply;
          shock.amount = in_.number(body, "multiply", at + ".multiply", true, 0.0, ">= 0").value_or(1.0);
        } else if (add) {
          shock.op = PriceShock::Op::add;
          shock.amount = in_.number(body, "add", at + ".add", true).value_or(0.0);
        }
      }
      change.spec = shock;
    } else if (kind == "inflation") {
      InflationPath path;
      if (in_.expect_map(body, at)) {
        in_.check_keys(body, at, {"monthly_rate", "from", "items", "categories", "areas"});
        path.where = selection(body, at, false);
        if (auto rate = in_.number(body, "monthly_rate", at + ".monthly_rate", true)) {
          if (*rate <= -1.0) in_.error(body["monthly_rate"], at + ".monthly_rate", "must be > -1, got " + show(body["monthly_rate"]));
          path.monthly_rate = *rate;
        }
        if (!body["from"].IsDefined()) in_.error(body, at + ".from", "is required: the month inflation starts from (month 0)");
        else if (auto from = month(body["from"], at + ".from")) path.from = *from;
      }
      change.spec = path;
    } else if (kind == "seasonal") {
      SeasonalProfile profile;
      if (in_.expect_map(body, at)) {
        in_.check_keys(body, at, {"profile", "items", "categories", "areas"});
        profile.where = selection(body, at, false);
        const YAML::Node months = body["profile"];
        if (!months.IsDefined() || !months.IsMap() || months.size() == 0) {
          in_.error(months.IsDefined() ? months : body, at + ".profile",
                    "expected a multiplier per calendar month, e.g. {6: 1.15, 7: 1.25, 8: 1.25, 9: 1.1}");
        } else {
          for (const auto& entry : months) {
            double number = 0.0;
            const std::string month_text = entry.first.Scalar();
            if (!detail::parse_double(month_text, number) || number != std::floor(number) || number < 1 || number > 12) {
              in_.error(entry.first, at + ".profile." + month_text, "a calendar month is a number from 1 to 12");
              continue;
            }
            const std::string entry_key = at + ".profile." + month_text;
            double value = 0.0;
            if (!entry.second.IsScalar() || !detail::parse_double(entry.second.Scalar(), value) || value < 0.0)
              in_.error(entry.second, entry_key, "expected a multiplier >= 0, got " + show(entry.second));
            else
              profile.multiplier[static_cast<std::size_t>(number) - 1] = value;
          }
        }
      }
      change.spec = profile;
    } else if (kind == "household") {
      change.spec = household(body, at);
    } else if (kind == "transfer") {
      change.spec = transfer(body, at);
    } else if (kind == "basket") {
      change.spec = basket(body, at);
    } else if (kind == "currency") {
      CurrencyChange currency;
      if (in_.expect_map(body, at)) {
        in_.check_keys(body, at, {"to", "rate", "round"});
        currency.to = in_.text(body, "to", at + ".to", true).value_or("");
        if (auto rate = in_.number(body, "rate", at + ".rate", true, 1e-300, "> 0")) currency.rate = *rate;
        if (body["round"].IsDefined() && !body["round"].IsNull()) currency.rounding = rounding(body["round"], at + ".round");
        if (seen_currency_) in_.error(node.begin()->first, at, "a scenario converts to one currency: this is the second currency change");
        seen_currency_ = true;
      }
      change.spec = currency;
    } else {
      in_.error(node.begin()->first, key + "." + kind,
                "unknown change; allowed: shock, inflation, seasonal, household, transfer, basket, currency");
      kinds_.back() = "";
    }
    scenario.changes.push_back(std::move(change));
  }

  HouseholdChange household(const YAML::Node& body, const std::string& at) {
    HouseholdChange change;
    if (!in_.expect_map(body, at)) return change;
    in_.check_keys(body, at, {"model", "size", "bands", "base", "max", "scale", "adults", "children"});
    if (body.size() == 0) in_.error(body, at, "names no household key to change");
    change.model = in_.choice<HouseholdModel>(body, "model", at + ".model", false, detail::parse_household_model,
                                              {"fixed", "per_capita", "bands", "capped", "equivalence"});
    change.size = in_.number(body, "size", at + ".size", false, 1.0, ">= 1");
    change.base = in_.number(body, "base", at + ".base", false, 0.0, ">= 0");
    change.max = in_.number(body, "max", at + ".max", false, 1.0, ">= 1");
    change.scale = in_.choice<EquivalenceScale>(body, "scale", at + ".scale", false, detail::parse_scale,
                                                {"oecd", "modified_oecd", "square_root"});
    change.adults = in_.number(body, "adults", at + ".adults", false, 1.0, ">= 1");
    change.children = in_.number(body, "children", at + ".children", false, 0.0, ">= 0");
    const YAML::Node bands = body["bands"];
    if (bands.IsDefined()) {
      if (!bands.IsSequence() || bands.size() == 0) {
        in_.error(bands, at + ".bands", "expected a non-empty list of {up_to, persons}");
      } else {
        std::vector<SizeBand> list;
        double previous = 0.0;
        for (std::size_t i = 0; i < bands.size(); ++i) {
          const std::string key = at + ".bands[" + std::to_string(i) + "]";
          if (!in_.expect_map(bands[i], key)) continue;
          in_.check_keys(bands[i], key, {"up_to", "persons"});
          SizeBand band;
          band.up_to = in_.number(bands[i], "up_to", key + ".up_to", false, 1.0, ">= 1").value_or(kInf);
          band.persons = in_.number(bands[i], "persons", key + ".persons", true, 0.0, ">= 0").value_or(0.0);
          if (band.up_to <= previous) in_.error(bands[i], key + ".up_to", "bands must be in increasing order of up_to");
          previous = band.up_to;
          list.push_back(band);
        }
        change.bands = list;
      }
    }
    apply_household_change(working_.household, change);
    const std::string problem = household_problem(working_.household);
    if (!problem.empty()) in_.error(body, at, "after this change " + problem);
    return change;
  }

  TransferChange transfer(const YAML::Node& body, const std::string& at) {
    TransferChange change;
    if (!in_.expect_map(body, at)) return change;
    in_.check_keys(body, at, {"basis", "deduct", "coverage", "floor", "cap", "round"});
    if (body.size() == 0) in_.error(body, at, "names no transfer key to change");
    change.basis = in_.choice<Tier>(body, "basis", at + ".basis", false, detail::parse_tier, {"meb", "smeb"});
    change.deduct = in_.number(body, "deduct", at + ".deduct", false, 0.0, ">= 0");
    if (auto coverage = in_.number(body, "coverage", at + ".coverage", false, 0.0, ">= 0")) {
      if (*coverage > 1.0) in_.error(body["coverage"], at + ".coverage", "is a share of the gap, between 0 and 1, got " + show(body["coverage"]));
      change.coverage = coverage;
    }
    change.floor = in_.number(body, "floor", at + ".floor", false, 0.0, ">= 0");
    if (body["cap"].IsDefined()) {
      change.sets_cap = true;
      change.cap = in_.number(body, "cap", at + ".cap", false, 0.0, ">= 0");
    }
    if (body["round"].IsDefined()) {
      change.sets_rounding = true;
      if (!body["round"].IsNull()) change.rounding = rounding(body["round"], at + ".round");
    }
    apply_transfer_change(working_.transfer, change);
    if (working_.transfer.cap && *working_.transfer.cap < working_.transfer.floor)
      in_.error(body, at, "after this change the cap " + format_number(*working_.transfer.cap) + " is below the floor " +
                              format_number(working_.transfer.floor));
    return change;
  }

  BasketChange basket(const YAML::Node& body, const std::string& at) {
    BasketChange change;
    const std::size_t errors_before = in_.errors().size();
    if (!body.IsMap() || body.size() != 1) {
      in_.error(body, at, "expected one of {substitute: {item, with}}, {quantity: {item, quantity}}, {remove: ITEM}, "
                          "{add: {component, item: {...}}}, got " + show(body));
      return change;
    }
    const std::string kind = body.begin()->first.Scalar();
    const YAML::Node node = body.begin()->second;
    const std::string key = at + "." + kind;
    if (kind == "substitute") {
      change.kind = BasketChange::Kind::substitute;
      if (in_.expect_map(node, key)) {
        in_.check_keys(node, key, {"item", "with"});
        change.item = in_.text(node, "item", key + ".item", true).value_or("");
        change.with = in_.text(node, "with", key + ".with", true).value_or("");
      }
    } else if (kind == "quantity") {
      change.kind = BasketChange::Kind::quantity;
      if (in_.expect_map(node, key)) {
        in_.check_keys(node, key, {"item", "quantity"});
        change.item = in_.text(node, "item", key + ".item", true).value_or("");
        change.quantity = in_.number(node, "quantity", key + ".quantity", true, 0.0, ">= 0").value_or(0.0);
      }
    } else if (kind == "remove") {
      change.kind = BasketChange::Kind::remove;
      if (!node.IsScalar()) in_.error(node, key, "expected the name of a basket item, got " + show(node));
      else change.item = node.Scalar();
    } else if (kind == "add") {
      change.kind = BasketChange::Kind::add;
      if (in_.expect_map(node, key)) {
        in_.check_keys(node, key, {"component", "item"});
        change.component = in_.text(node, "component", key + ".component", true).value_or("");
        const YAML::Node item = node["item"];
        if (!item.IsDefined()) in_.error(node, key + ".item", "is required: the item's keys (item, quantity, unit, per, ...)");
        else if (in_.expect_map(item, key + ".item")) detail::load_basket_item(in_, item, key + ".item", change.added);
      }
    } else {
      in_.error(body.begin()->first, key, "unknown basket change; allowed: substitute, quantity, remove, add");
      return change;
    }
    if (in_.errors().size() == errors_before) {
      const std::string problem = apply_basket_change(working_.basket, change);
      if (!problem.empty()) in_.error(node, key, problem);
    }
    return change;
  }

  /// The basket after every change must still cost: units convert, an SMEB basis has SMEB lines.
  void check_final_methodology(const YAML::Node& root) {
    if (!in_.errors().empty()) return;
    if (working_.transfer.basis == Tier::smeb && !working_.basket.has_smeb_lines())
      in_.error(root["changes"], "changes", "the transfer basis is the SMEB but no SMEB line is left in the basket");
    try {
      (void)expand_basket(working_, collect_series(working_.basket));
    } catch (const MethodologyError& error) {
      in_.error(root["changes"], "changes", std::string("the changed basket cannot be costed: ") + error.what());
    }
  }

  void parse_sweep(const YAML::Node& sweep, Scenario& scenario) {
    if (!in_.expect_map(sweep, "sweep")) return;
    in_.check_keys(sweep, "sweep", {"parameters"});
    const YAML::Node parameters = sweep["parameters"];
    if (!parameters.IsDefined() || !parameters.IsSequence() || parameters.size() == 0) {
      in_.error(parameters.IsDefined() ? parameters : sweep, "sweep.parameters",
                "expected a non-empty list of {path, values} or {path, range: {from, to, step}}");
      return;
    }
    double points = 1.0;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
      const std::string key = "sweep.parameters[" + std::to_string(i) + "]";
      const YAML::Node node = parameters[i];
      if (!in_.expect_map(node, key)) continue;
      in_.check_keys(node, key, {"path", "values", "range"});
      SweepParameter parameter;
      parameter.line = static_cast<std::size_t>(node.Mark().line + 1);
      const auto path = in_.text(node, "path", key + ".path", true);
      const FieldSpec* spec = path ? sweep_target(node["path"], key + ".path", *path, parameter) : nullptr;
      for (const auto& other : scenario.sweep)
        if (path && other.path == *path) in_.error(node["path"], key + ".path", "'" + *path + "' is swept twice");
      const bool has_values = node["values"].IsDefined(), has_range = node["range"].IsDefined();
      if (has_values == has_range) {
        in_.error(node, key, "needs exactly one of values (a list) or range ({from, to, step})");
        continue;
      }
      if (has_values) {
        const YAML::Node values = node["values"];
        if (!values.IsSequence() || values.size() == 0) {
          in_.error(values, key + ".values", "expected a non-empty list of numbers, got " + show(values));
          continue;
        }
        for (std::size_t v = 0; v < values.size(); ++v) {
          const std::string value_key = key + ".values[" + std::to_string(v) + "]";
          double value = 0.0;
          if (!values[v].IsScalar() || !detail::parse_double(values[v].Scalar(), value)) {
            in_.error(values[v], value_key, "expected a number, got " + show(values[v]));
            continue;
          }
          if (spec && !in_range(*spec, value)) {
            in_.error(values[v], value_key, std::string(spec->name) + " must be " + spec->range_text + ", got " + show(values[v]));
            continue;
          }
          parameter.values.push_back(value);
        }
      } else {
        range(node["range"], key + ".range", spec, parameter);
      }
      if (parameter.values.empty()) continue;
      points *= static_cast<double>(parameter.values.size());
      if (spec) scenario.sweep.push_back(std::move(parameter));
    }
    if (points > static_cast<double>(kMaxPoints))
      in_.error(parameters, "sweep.parameters",
                "the cross product has " + format_number(points) + " points, more than " + std::to_string(kMaxPoints));
  }

  void range(const YAML::Node& node, const std::string& key, const FieldSpec* spec, SweepParameter& parameter) {
    if (!in_.expect_map(node, key)) return;
    in_.check_keys(node, key, {"from", "to", "step"});
    const auto from = in_.number(node, "from", key + ".from", true);
    const auto to = in_.number(node, "to", key + ".to", true);
    const auto step = in_.number(node, "step", key + ".step", true);
    if (!from || !to || !step) return;
    if (*step == 0.0) {
      in_.error(node["step"], key + ".step", "is 0: a range needs a step that goes from " + show(node["from"]) + " to " + show(node["to"]));
      return;
    }
    const double span = (*to - *from) / *step;
    if (span < -1e-9) {
      in_.error(node["step"], key + ".step",
                "has the wrong sign: " + show(node["step"]) + " never goes from " + show(node["from"]) + " to " + show(node["to"]));
      return;
    }
    // Both ends inclusive, with a tolerance of 1e-9 steps: 1.0 to 1.5 by 0.05 has 11 values.
    const double count = std::floor(span + 1e-9) + 1.0;
    if (count > static_cast<double>(kMaxPoints)) {
      in_.error(node, key, "gives " + format_number(count) + " values, more than " + std::to_string(kMaxPoints));
      return;
    }
    for (std::size_t k = 0; k < static_cast<std::size_t>(count); ++k) {
      const double value = tidy(*from + static_cast<double>(k) * *step);
      if (spec && !in_range(*spec, value)) {
        in_.error(node, key, std::string(spec->name) + " must be " + spec->range_text + ", but the range gives " + format_number(value));
        parameter.values.clear();
        return;
      }
      parameter.values.push_back(value);
    }
  }

  /// Resolves "changes[i].<kind>.<key>" to the number it replaces; reports why it cannot be swept.
  const FieldSpec* sweep_target(const YAML::Node& at, const std::string& key, const std::string& path,
                                SweepParameter& parameter) {
    parameter.path = path;
    const std::string prefix = "changes[";
    const auto close = path.find("].");
    std::size_t index = 0;
    bool valid = path.compare(0, prefix.size(), prefix) == 0 && close != std::string::npos && close > prefix.size();
    for (std::size_t c = prefix.size(); valid && c < close; ++c) valid = path[c] >= '0' && path[c] <= '9';
    if (valid) index = static_cast<std::size_t>(std::stoul(path.substr(prefix.size(), close - prefix.size())));
    if (!valid || index >= kinds_.size()) {
      in_.error(at, key,
                "'" + path + "' does not name a change: write changes[N].<kind>.<key>, N from 0 to " +
                    std::to_string(kinds_.empty() ? 0 : kinds_.size() - 1) + " (e.g. changes[0].shock.multiply)");
      return nullptr;
    }
    parameter.change = index;
    const std::string rest = path.substr(close + 2);
    const std::string& kind = kinds_[index];
    if (kind.empty() || !change_nodes_[index].IsMap()) return nullptr;  // the change itself is in error
    if (kind == "seasonal" && rest.compare(0, std::string("seasonal.profile.").size(), "seasonal.profile.") == 0) {
      double month = 0.0;
      const std::string number = rest.substr(std::string("seasonal.profile.").size());
      if (detail::parse_double(number, month) && month == std::floor(month) && month >= 1 && month <= 12) {
        parameter.field = SweepParameter::Field::seasonal_month;
        parameter.month = static_cast<int>(month);
        static const FieldSpec seasonal{SweepParameter::Field::seasonal_month, "seasonal.profile.<month>", 0.0, kInf,
                                        false, ">= 0"};
        return &seasonal;
      }
    }
    std::string allowed;
    for (const FieldSpec& spec : kFields) {
      const std::string name = spec.name;
      if (name.compare(0, kind.size() + 1, kind + ".") != 0) continue;
      allowed += (allowed.empty() ? "" : ", ") + prefix + std::to_string(index) + "]." + name;
      if (rest != name) continue;
      const YAML::Node body = change_nodes_[index];
      if (spec.field == SweepParameter::Field::shock_amount && !body[name.substr(6)].IsDefined()) {
        in_.error(at, key, "'" + path + "': the shock of changes[" + std::to_string(index) + "] does not " +
                               name.substr(6) + "; sweep the key it writes");
        return nullptr;
      }
      if (spec.field == SweepParameter::Field::basket_quantity && !body["quantity"].IsDefined()) {
        in_.error(at, key, "'" + path + "': changes[" + std::to_string(index) + "] is not a basket quantity change");
        return nullptr;
      }
      parameter.field = spec.field;
      return &spec;
    }
    if (kind == "seasonal") allowed = prefix + std::to_string(index) + "].seasonal.profile.<1..12>";
    in_.error(at, key,
              "'" + path + "' cannot be swept" +
                  (allowed.empty() ? std::string(": changes[" + std::to_string(index) + "] is a " + kind + " change, which has no number to sweep")
                                   : "; the numbers of changes[" + std::to_string(index) + "] are " + allowed));
    return nullptr;
  }

  Loader in_;
  const Methodology& baseline_;
  Methodology working_;                  ///< the baseline with the changes read so far
  std::set<std::string> known_items_;    ///< lower case
  std::vector<std::string> components_;
  std::vector<std::string> kinds_;       ///< per change: its kind ("" when in error)
  std::vector<YAML::Node> change_nodes_; ///< per change: its body
  bool seen_currency_ = false;
};

YAML::Node load_yaml(std::string_view yaml_text, const std::string& file_name) {
  try {
    return YAML::Load(std::string(yaml_text));
  } catch (const YAML::ParserException& error) {
    throw ScenarioError(file_name + ":" + std::to_string(error.mark.line + 1) + ":" + std::to_string(error.mark.column + 1) +
                        ": YAML syntax error: " + error.msg);
  }
}

}  // namespace

bool PriceSelection::takes_month(Month month) const {
  if (!months.empty()) return std::find(months.begin(), months.end(), month) != months.end();
  if (from && month < *from) return false;
  if (to && month > *to) return false;
  return true;
}

std::string_view Change::kind() const { return kKinds[spec.index()]; }

const PriceSelection* Change::selection() const {
  if (const auto* shock = std::get_if<PriceShock>(&spec)) return &shock->where;
  if (const auto* path = std::get_if<InflationPath>(&spec)) return &path->where;
  if (const auto* profile = std::get_if<SeasonalProfile>(&spec)) return &profile->where;
  return nullptr;
}

bool SweepParameter::moves_prices() const {
  return field == Field::shock_amount || field == Field::inflation_rate || field == Field::seasonal_month;
}

std::size_t Scenario::point_count() const {
  std::size_t count = 1;
  for (const auto& parameter : sweep) count *= parameter.values.size();
  return count;
}

std::vector<double> Scenario::point_values(std::size_t point) const {
  std::vector<double> values(sweep.size());
  for (std::size_t k = sweep.size(); k-- > 0;) {
    const std::size_t n = sweep[k].values.size();
    values[k] = sweep[k].values[point % n];
    point /= n;
  }
  return values;
}

std::vector<Change> Scenario::changes_at(std::size_t point) const {
  std::vector<Change> result = changes;
  const std::vector<double> values = point_values(point);
  for (std::size_t k = 0; k < sweep.size(); ++k) set_field(result[sweep[k].change], sweep[k], values[k]);
  return result;
}

std::string scenario_baseline(std::string_view yaml_text, const std::string& file_name) {
  const YAML::Node root = load_yaml(yaml_text, file_name);
  if (!root.IsMap()) throw ScenarioError(file_name + ":1:1: a scenario is a YAML mapping with keys id, name, baseline, changes ...");
  const YAML::Node baseline = root["baseline"];
  if (!baseline.IsDefined() || baseline.IsNull() || !baseline.IsScalar() || detail::trim(baseline.Scalar()).empty()) {
    const YAML::Mark mark = baseline.IsDefined() ? baseline.Mark() : root.Mark();
    throw ScenarioError(file_name + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1) +
                        ": key 'baseline': is required: the path of the baseline methodology, relative to this file");
  }
  std::filesystem::path target(std::string(detail::trim(baseline.Scalar())));
  if (target.is_relative()) target = std::filesystem::path(file_name).parent_path() / target;
  return target.lexically_normal().string();
}

Scenario parse_scenario(std::string_view yaml_text, const std::string& file_name, const Methodology& baseline) {
  const YAML::Node root = load_yaml(yaml_text, file_name);
  if (!root.IsMap()) throw ScenarioError(file_name + ":1:1: a scenario is a YAML mapping with keys id, name, baseline, changes ...");
  ScenarioParser parser(file_name, baseline);
  Scenario scenario = parser.parse(root, file_name);
  if (!parser.errors().empty()) {
    std::string message;
    for (const auto& line : parser.errors()) message += (message.empty() ? "" : "\n") + line;
    throw ScenarioError(message);
  }
  return scenario;
}

Scenario load_scenario(const std::string& path) {
  const std::string text = detail::read_definition_file<ScenarioError>(path);
  const Methodology baseline = load_methodology(scenario_baseline(text, path));
  return parse_scenario(text, path, baseline);
}

Methodology apply_changes(const Methodology& baseline, const std::vector<Change>& changes) {
  Methodology methodology = baseline;
  for (const Change& change : changes) {
    if (const auto* household = std::get_if<HouseholdChange>(&change.spec)) {
      apply_household_change(methodology.household, *household);
    } else if (const auto* transfer = std::get_if<TransferChange>(&change.spec)) {
      apply_transfer_change(methodology.transfer, *transfer);
    } else if (const auto* basket = std::get_if<BasketChange>(&change.spec)) {
      const std::string problem = apply_basket_change(methodology.basket, *basket);
      if (!problem.empty())
        throw ScenarioError(baseline.source_path + ": a basket change at line " + std::to_string(change.line) + ": " + problem);
    }
  }
  return methodology;
}

Methodology planning_methodology(const Scenario& scenario) { return apply_changes(scenario.baseline, scenario.changes); }

bool plan_covers(const ComputePlan& plan, const Methodology& methodology) {
  if (plan.areas.path != methodology.prices.levels) return false;
  for (const SeriesSpec& wanted : collect_series(methodology.basket))
    for (const auto& name : wanted.match_names) {
      bool found = false;
      for (const SeriesSpec& have : plan.series)
        found = found || std::find(have.match_names.begin(), have.match_names.end(), name) != have.match_names.end();
      if (!found) return false;
    }
  return true;
}

void check_areas(const Scenario& scenario, const AreaTree& areas) {
  std::set<std::string> names;
  for (const Area& area : areas.areas) names.insert(lower(area.name));
  std::vector<std::string> errors;
  for (const Change& change : scenario.changes) {
    const PriceSelection* where = change.selection();
    if (!where) continue;
    for (const NamedArea& area : where->areas) {
      if (names.count(lower(area.name))) continue;
      std::vector<std::string> known;
      for (std::size_t step = 0; step < areas.by_level.size(); ++step) {
        std::string level = std::string(to_string(areas.path[step + 1])) + " ";
        for (const std::int32_t a : areas.by_level[step]) known.push_back(level + areas.areas[static_cast<std::size_t>(a)].name);
      }
      errors.push_back(scenario.source_path + ":" + std::to_string(area.line) + ":" + std::to_string(area.column) +
                       ": key '" + area.key + "': unknown area '" + area.name +
                       "': no area of the prices has this name; areas: " + list_names(known, 40));
    }
  }
  if (errors.empty()) return;
  std::string message;
  for (const auto& line : errors) message += (message.empty() ? "" : "\n") + line;
  throw ScenarioError(message);
}

namespace {

/// A price change resolved against a plan: the series, markets and months it moves.
struct ResolvedSelection {
  std::vector<std::size_t> series;
  std::vector<std::uint32_t> markets;
  std::vector<std::uint32_t> months;
};

void add_series_named(const std::vector<SeriesSpec>& series, const std::string& name, std::vector<std::size_t>& out) {
  const std::string wanted = lower(name);
  for (std::size_t s = 0; s < series.size(); ++s)
    if (std::find(series[s].match_names.begin(), series[s].match_names.end(), wanted) != series[s].match_names.end())
      out.push_back(s);
}

void add_item_series(const std::vector<SeriesSpec>& series, const BasketItem& item, std::vector<std::size_t>& out) {
  if (item.cost) return;
  add_series_named(series, item.item, out);
  for (const auto& alias : item.aliases) add_series_named(series, alias, out);
  for (const auto& name : item.substitutes) add_series_named(series, name, out);
  if (item.composite)
    for (const auto& name : item.composite->of) add_series_named(series, name, out);
}

ResolvedSelection resolve(const PriceSelection& where, const Methodology& methodology, const ComputePlan& plan) {
  ResolvedSelection resolved;
  const std::vector<SeriesSpec>& series = plan.series;
  if (where.items.empty() && where.categories.empty()) {
    resolved.series.resize(series.size());
    std::iota(resolved.series.begin(), resolved.series.end(), std::size_t{0});
  }
  for (const auto& name : where.items) {
    add_series_named(series, name, resolved.series);
    // A composite item moves the alternatives it is the statistic of.
    if (const auto at = find_item(methodology.basket, name)) {
      const BasketItem& item = methodology.basket.components[at->first].items[at->second];
      if (item.composite)
        for (const auto& alternative : item.composite->of) add_series_named(series, alternative, resolved.series);
    }
  }
  for (const auto& category : where.categories)
    for (const auto& component : methodology.basket.components)
      if (lower(component.component) == lower(category))
        for (const auto& item : component.items) add_item_series(series, item, resolved.series);
  std::sort(resolved.series.begin(), resolved.series.end());
  resolved.series.erase(std::unique(resolved.series.begin(), resolved.series.end()), resolved.series.end());

  const AreaTree& tree = plan.areas;
  if (where.areas.empty()) {
    for (std::uint32_t m = 0; m < plan.buckets.markets; ++m) resolved.markets.push_back(m);
  } else {
    std::vector<char> named(tree.areas.size(), 0);
    for (const NamedArea& area : where.areas)
      for (std::size_t a = 0; a < tree.areas.size(); ++a)
        if (lower(tree.areas[a].name) == lower(area.name)) named[a] = 1;
    for (std::uint32_t m = 0; m < plan.buckets.markets && m < tree.market_area.size(); ++m)
      for (std::int32_t a = tree.market_area[m]; a >= 0; a = tree.areas[static_cast<std::size_t>(a)].parent)
        if (named[static_cast<std::size_t>(a)]) {
          resolved.markets.push_back(m);
          break;
        }
  }
  for (std::uint32_t t = 0; t < plan.buckets.months; ++t)
    if (where.takes_month(Month{plan.buckets.first.index + static_cast<int>(t)})) resolved.months.push_back(t);
  return resolved;
}

/// Applies one price change to values laid out as (slot, market, month) cells; `slot_of_series` maps a plan
/// series to its slot (-1: not held). With `shift`, `values` and `shift` hold the map v × scale + shift
/// instead: every price change is affine (a shock adds or multiplies, inflation and seasons multiply).
/// A price change's factor (or amount, when it adds) for each month of the buckets.
std::vector<double> month_factors(const Change& change, std::size_t months, Month first, bool& add) {
  std::vector<double> factor(months, 1.0);
  add = false;
  if (const auto* shock = std::get_if<PriceShock>(&change.spec)) {
    add = shock->op == PriceShock::Op::add;
    std::fill(factor.begin(), factor.end(), shock->amount);
  } else if (const auto* path = std::get_if<InflationPath>(&change.spec)) {
    // Compounded from `from`, which is month 0: (1 + r)^k for the k-th month after it.
    for (std::size_t t = 0; t < months; ++t) {
      const int k = first.index + static_cast<int>(t) - path->from.index;
      factor[t] = k > 0 ? std::pow(1.0 + path->monthly_rate, static_cast<double>(k)) : 1.0;
    }
  } else if (const auto* profile = std::get_if<SeasonalProfile>(&change.spec)) {
    for (std::size_t t = 0; t < months; ++t)
      factor[t] = profile->multiplier[static_cast<std::size_t>(Month{first.index + static_cast<int>(t)}.month() - 1)];
  }
  return factor;
}

void apply_price_change(const Change& change, const ResolvedSelection& where, const std::vector<int>& slot_of_series,
                        std::size_t markets, std::size_t months, Month first, double* values, double* shift = nullptr) {
  bool add = false;
  const std::vector<double> factor = month_factors(change, months, first, add);
  for (const std::size_t s : where.series) {
    const int slot = slot_of_series[s];
    if (slot < 0) continue;
    for (const std::uint32_t m : where.markets) {
      const std::size_t offset = (static_cast<std::size_t>(slot) * markets + m) * months;
      double* cells = values + offset;
      if (shift) {
        double* shifts = shift + offset;
        for (const std::uint32_t t : where.months) {
          if (add) {
            shifts[t] += factor[t];
          } else {
            cells[t] *= factor[t];
            shifts[t] *= factor[t];
          }
        }
        continue;
      }
      for (const std::uint32_t t : where.months) {
        double& value = cells[t];
        value = add ? value + factor[t] : value * factor[t];  // a missing value (NaN) stays missing
      }
    }
  }
}

}  // namespace

void apply_price_changes(const Scenario& scenario, const std::vector<Change>& changes, const ComputePlan& plan,
                         std::vector<double>& market_values) {
  const Methodology methodology = planning_methodology(scenario);
  std::vector<int> identity(plan.series.size());
  std::iota(identity.begin(), identity.end(), 0);
  for (const Change& change : changes) {
    if (!change.moves_prices()) continue;
    apply_price_change(change, resolve(*change.selection(), methodology, plan), identity, plan.buckets.markets,
                       plan.buckets.months, plan.buckets.first, market_values.data());
  }
}

void price_change_maps(const Scenario& scenario, const std::vector<Change>& changes, const ComputePlan& plan,
                       std::vector<double>& scale, std::vector<double>& shift) {
  const Methodology methodology = planning_methodology(scenario);
  const std::size_t cells = plan.buckets.series * plan.buckets.markets * plan.buckets.months;
  scale.assign(cells, 1.0);
  shift.assign(cells, 0.0);
  std::vector<int> identity(plan.series.size());
  std::iota(identity.begin(), identity.end(), 0);
  for (const Change& change : changes) {
    if (!change.moves_prices()) continue;
    apply_price_change(change, resolve(*change.selection(), methodology, plan), identity, plan.buckets.markets,
                       plan.buckets.months, plan.buckets.first, scale.data(), shift.data());
  }
}

namespace {

const CurrencyChange* currency_of(const std::vector<Change>& changes) {
  for (const Change& change : changes)
    if (const auto* currency = std::get_if<CurrencyChange>(&change.spec)) return currency;
  return nullptr;
}

/// Evaluates the points of one scenario. The fast path re-aggregates only the series a price change moves,
/// re-prices only the basket lines that read them, and re-costs (a matrix-vector product) for every point;
/// the full path calls evaluate_plan per point (survey-based lines, a food share, on_missing: error).
class Evaluator {
 public:
  Evaluator(const Scenario& scenario, const ComputePlan& plan, const ScenarioOptions& options)
      : scenario_(scenario), plan_(plan), options_(options), planning_(planning_methodology(scenario)) {
    const std::size_t n_series = plan.series.size();
    for (std::size_t c = 0; c < scenario.changes.size(); ++c)
      resolved_.push_back(scenario.changes[c].moves_prices()
                              ? resolve(*scenario.changes[c].selection(), planning_, plan)
                              : ResolvedSelection{});
    slot_of_series_.assign(n_series, -1);
    for (std::size_t c = 0; c < scenario.changes.size(); ++c)
      for (const std::size_t s : resolved_[c].series) slot_of_series_[s] = 0;
    for (std::size_t s = 0; s < n_series; ++s)
      if (slot_of_series_[s] == 0) {
        slot_of_series_[s] = static_cast<int>(touched_.size());
        touched_.push_back(s);
      }
    for (std::size_t k = 0; k < scenario.sweep.size(); ++k)
      (scenario.sweep[k].moves_prices() ? price_parameters_ : cost_parameters_).push_back(k);
    base_values_ = market_values(plan.buckets, planning_.prices.statistic);
    fast_ = !options.full_evaluation && !needs_survey(planning_) && planning_.method != Method::food_share &&
            planning_.prices.on_missing != OnMissing::error;
    if (fast_) prepare_fast();
  }

  ScenarioResult run() {
    ScenarioResult result;
    result.rows = plan_.rows;
    result.areas = plan_.areas;
    result.panel_first = plan_.buckets.first;
    result.points = scenario_.point_count();
    const CurrencyChange* currency = currency_of(scenario_.changes);
    result.currency = currency ? currency->to : scenario_.baseline.currency;
    const auto n_rows = static_cast<Eigen::Index>(plan_.rows.size());
    const auto n_points = static_cast<Eigen::Index>(result.points);
    result.smeb.resize(n_rows, n_points);
    result.meb.resize(n_rows, n_points);
    result.transfer_unrounded.resize(n_rows, n_points);
    result.transfer.resize(n_rows, n_points);
    result.household_size.assign(result.points, kNaN);
    result.persons.assign(result.points, kNaN);
    result.rate.assign(result.points, 1.0);

    // Points with the same price values are evaluated one after the other, so each aggregation is reused.
    std::vector<std::size_t> order(result.points);
    std::iota(order.begin(), order.end(), std::size_t{0});
    if (!price_parameters_.empty() && !cost_parameters_.empty()) {
      std::vector<std::vector<double>> keys(result.points);
      for (std::size_t p = 0; p < result.points; ++p) keys[p] = price_key(p);
      std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return keys[a] < keys[b]; });
    }

    unsigned threads = options_.threads ? options_.threads : std::max(1u, std::thread::hardware_concurrency());
    threads = static_cast<unsigned>(std::min<std::size_t>(threads, result.points));
    const std::size_t chunk = std::max<std::size_t>(1, result.points / (static_cast<std::size_t>(threads) * 4));
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> failures(threads);
    auto work = [&](unsigned thread) {
      try {
        Workspace workspace;
        for (;;) {
          const std::size_t begin = next.fetch_add(chunk);
          if (begin >= order.size()) break;
          const std::size_t end = std::min(order.size(), begin + chunk);
          for (std::size_t i = begin; i < end; ++i) evaluate_point(order[i], workspace, result);
        }
      } catch (...) {
        failures[thread] = std::current_exception();
        next.store(order.size());
      }
    };
    if (threads <= 1) {
      work(0);
    } else {
      std::vector<std::thread> pool;
      pool.reserve(threads);
      for (unsigned t = 0; t < threads; ++t) pool.emplace_back(work, t);
      for (auto& thread : pool) thread.join();
    }
    for (const auto& failure : failures)
      if (failure) std::rethrow_exception(failure);
    return result;
  }

 private:
  struct Workspace {
    PricePanel sub;              ///< the moved series alone, re-aggregated
    std::vector<std::vector<double>> factors;  ///< per change: its factor (or amount) per month at this point
    std::vector<char> adds;                    ///< per change: whether it adds
    PricePanel panel;            ///< the full panel, the moved series re-aggregated
    Eigen::MatrixXd prices;      ///< rows × lines
    bool priced = false;
    std::vector<double> price_key;
    bool costed = false;
    std::vector<double> cost_key;
    Eigen::VectorXd weights;
    Eigen::VectorXd smeb_mask;
    Eigen::VectorXd ones;
    double total_markup = 1.0;
    TransferRule rule;
    bool has_smeb = false;
    bool as_zero = false;
    std::optional<CurrencyChange> currency;
    double size = 0.0;
    double persons = 0.0;
  };

  std::vector<double> price_key(std::size_t point) const {
    const std::vector<double> values = scenario_.point_values(point);
    std::vector<double> key;
    key.reserve(price_parameters_.size());
    for (const std::size_t k : price_parameters_) key.push_back(values[k]);
    return key;
  }
  std::vector<double> cost_key(const std::vector<double>& values) const {
    std::vector<double> key;
    key.reserve(cost_parameters_.size());
    for (const std::size_t k : cost_parameters_) key.push_back(values[k]);
    return key;
  }

  void prepare_fast() {
    lines_ = expand_basket(planning_, plan_.series);
    base_panel_ = aggregate_panel(base_values_, plan_.buckets, plan_.series, plan_.areas, planning_.prices);
    const std::size_t n_rows = plan_.rows.size(), n_lines = lines_.size();
    base_prices_.resize(static_cast<Eigen::Index>(n_rows), static_cast<Eigen::Index>(n_lines));
    for (std::size_t l = 0; l < n_lines; ++l) {
      const CostLine& line = lines_[l];
      // A stated line's amount depends on the household: it goes into the line's weight, its "price" is 1.
      if (line.kind == CostLine::Kind::stated) {
        base_prices_.col(static_cast<Eigen::Index>(l)).setOnes();
        continue;
      }
      bool moved = false;
      auto reads = [&](int series) { moved = moved || (series >= 0 && slot_of_series_[static_cast<std::size_t>(series)] >= 0); };
      reads(line.series);
      for (const int s : line.alternatives) reads(s);
      for (const int s : line.substitutes) reads(s);
      if (moved) moved_lines_.push_back(l);
      for (std::size_t r = 0; r < n_rows; ++r)
        base_prices_(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(l)) =
            price_line(line, base_panel_, static_cast<std::size_t>(plan_.rows[r].area), plan_.rows[r].month).price;
    }
    prepare_first_level();
  }

  /// What a point's first level is computed from. A price change moves whole first-level areas (it names
  /// areas, never markets), so within a (series, first-level area, month) cell every market value goes
  /// through the same map f: a product or a sum per change, in order, non-decreasing (factors are >= 0).
  /// The statistic of f(values) then needs only f of the cell's sorted base values -- the middle one or two
  /// for a median, the first for a minimum, all of them in ascending order for a mean -- and is the very
  /// number combine() computes on the mapped values (the same operations on the same operands).
  void prepare_first_level() {
    const AreaTree& tree = plan_.areas;
    if (touched_.empty() || tree.by_level.empty()) return;
    const std::vector<std::int32_t>& first = tree.by_level[0];
    const std::size_t n_first = first.size(), months = plan_.buckets.months, markets = plan_.buckets.markets;
    std::vector<std::size_t> position(tree.areas.size(), 0);
    for (std::size_t i = 0; i < n_first; ++i) position[static_cast<std::size_t>(first[i])] = i;
    cell_begin_.assign(touched_.size() * n_first * months + 1, 0);
    std::vector<double> scratch;
    for (std::size_t k = 0; k < touched_.size(); ++k)
      for (std::size_t i = 0; i < n_first; ++i)
        for (std::size_t t = 0; t < months; ++t) {
          scratch.clear();
          for (const std::int32_t m : tree.areas[static_cast<std::size_t>(first[i])].markets) {
            const double v = base_values_[(touched_[k] * markets + static_cast<std::size_t>(m)) * months + t];
            if (!std::isnan(v)) scratch.push_back(v);
          }
          std::sort(scratch.begin(), scratch.end());
          sorted_.insert(sorted_.end(), scratch.begin(), scratch.end());
          cell_begin_[(k * n_first + i) * months + t + 1] = sorted_.size();
        }
    // Per (moved series, first-level area): the price changes that select it, in order; per change its months.
    applies_.assign(touched_.size() * n_first, {});
    change_months_.assign(scenario_.changes.size(), {});
    for (std::size_t c = 0; c < scenario_.changes.size(); ++c) {
      if (!scenario_.changes[c].moves_prices()) continue;
      const ResolvedSelection& where = resolved_[c];
      std::vector<char> area_selected(n_first, 0);
      for (const std::uint32_t m : where.markets)
        if (m < tree.market_area.size() && tree.market_area[m] >= 0)
          area_selected[position[static_cast<std::size_t>(tree.market_area[m])]] = 1;
      for (const std::size_t series : where.series)
        for (std::size_t i = 0; i < n_first; ++i)
          if (area_selected[i]) applies_[static_cast<std::size_t>(slot_of_series_[series]) * n_first + i].push_back(c);
      change_months_[c].assign(months, 0);
      for (const std::uint32_t t : where.months) change_months_[c][t] = 1;
    }
    for (const std::size_t s : touched_) sub_series_.push_back(plan_.series[s]);
  }

  /// The panel and line prices for a point's price values: the moved series re-aggregated (their first level
  /// from the sorted base values, the levels above and the fill as aggregate_panel does them), and the lines
  /// that read them re-priced.
  void reprice(const std::vector<Change>& changes, Workspace& ws) const {
    if (!ws.priced) {
      ws.prices = base_prices_;
      ws.panel = base_panel_;
      PricePanel& sub = ws.sub;
      sub.series = sub_series_;
      sub.first = plan_.buckets.first;
      sub.months = plan_.buckets.months;
      sub.areas = plan_.areas.areas.size();
      const std::size_t cells = sub.series.size() * sub.areas * sub.months;
      sub.value.resize(cells);
      sub.status.resize(cells);
      sub.observations.resize(cells);
      sub.source_area.resize(cells);
      sub.source_month.resize(cells);
      ws.factors.resize(changes.size());
      ws.adds.resize(changes.size());
    }
    if (touched_.empty() || plan_.areas.by_level.empty()) return;
    PricePanel& sub = ws.sub;
    std::fill(sub.value.begin(), sub.value.end(), kNaN);
    std::fill(sub.status.begin(), sub.status.end(), PriceStatus::missing);
    std::fill(sub.observations.begin(), sub.observations.end(), 0);
    std::fill(sub.source_area.begin(), sub.source_area.end(), -1);
    std::fill(sub.source_month.begin(), sub.source_month.end(), -1);
    const std::size_t months = plan_.buckets.months;
    for (std::size_t c = 0; c < changes.size(); ++c) {
      if (!changes[c].moves_prices()) continue;
      bool add = false;
      ws.factors[c] = month_factors(changes[c], months, plan_.buckets.first, add);
      ws.adds[c] = add ? 1 : 0;
    }
    const std::vector<std::int32_t>& first = plan_.areas.by_level[0];
    const std::size_t n_first = first.size();
    const auto min_obs = static_cast<std::size_t>(planning_.prices.min_observations);
    const Statistic statistic = planning_.prices.statistic;
    for (std::size_t k = 0; k < touched_.size(); ++k)
      for (std::size_t i = 0; i < n_first; ++i) {
        const std::vector<std::size_t>& applying = applies_[k * n_first + i];
        for (std::size_t t = 0; t < months; ++t) {
          const std::size_t q = (k * n_first + i) * months + t;
          const double* values = sorted_.data() + cell_begin_[q];
          const std::size_t count = cell_begin_[q + 1] - cell_begin_[q];
          const std::size_t cc = sub.cell(k, static_cast<std::size_t>(first[i]), t);
          sub.observations[cc] = static_cast<std::int32_t>(count);
          if (count == 0 || count < min_obs) continue;
          // f: the point's price changes on this cell, in order, as apply_price_change computes them.
          auto f = [&](double v) {
            for (const std::size_t c : applying)
              if (change_months_[c][t]) v = ws.adds[c] ? v + ws.factors[c][t] : v * ws.factors[c][t];
            return v;
          };
          double value = 0.0;
          switch (statistic) {
            case Statistic::mean: {
              double sum = 0.0;
              for (std::size_t j = 0; j < count; ++j) sum += f(values[j]);
              value = sum / static_cast<double>(count);
              break;
            }
            case Statistic::min: value = f(values[0]); break;
            case Statistic::median: {
              const std::size_t middle = count / 2;
              if (count == 1) value = f(values[0]);
              else if (count % 2 == 1) value = f(values[middle]);
              else value = 0.5 * (f(values[middle - 1]) + f(values[middle]));
              break;
            }
          }
          sub.value[cc] = value;
          sub.status[cc] = PriceStatus::observed;
        }
      }
    detail::aggregate_above_first_level(sub, plan_.areas, planning_.prices);
    const std::size_t cells = ws.panel.areas * ws.panel.months;
    for (std::size_t k = 0; k < touched_.size(); ++k) {
      const auto from = static_cast<std::ptrdiff_t>(k * cells), to = static_cast<std::ptrdiff_t>(touched_[k] * cells);
      std::copy_n(sub.value.begin() + from, cells, ws.panel.value.begin() + to);
      std::copy_n(sub.status.begin() + from, cells, ws.panel.status.begin() + to);
      std::copy_n(sub.observations.begin() + from, cells, ws.panel.observations.begin() + to);
      std::copy_n(sub.source_area.begin() + from, cells, ws.panel.source_area.begin() + to);
      std::copy_n(sub.source_month.begin() + from, cells, ws.panel.source_month.begin() + to);
    }
    for (const std::size_t l : moved_lines_)
      for (std::size_t r = 0; r < plan_.rows.size(); ++r)
        ws.prices(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(l)) =
            price_line(lines_[l], ws.panel, static_cast<std::size_t>(plan_.rows[r].area), plan_.rows[r].month).price;
  }

  /// The weights, the transfer rule and the currency of a point's methodology.
  void recost(const std::vector<Change>& changes, Workspace& ws) const {
    const Methodology methodology = apply_changes(scenario_.baseline, changes);
    const std::vector<CostLine> lines = expand_basket(methodology, plan_.series);
    const auto n_lines = static_cast<Eigen::Index>(lines.size());
    ws.weights.resize(n_lines);
    ws.smeb_mask.resize(n_lines);
    for (Eigen::Index j = 0; j < n_lines; ++j) {
      const CostLine& line = lines[static_cast<std::size_t>(j)];
      const double quantity = line.monthly_quantity * line.markup_factor;
      ws.weights[j] = line.kind == CostLine::Kind::stated ? line.stated_cost * quantity : quantity;
      ws.smeb_mask[j] = line.tier == Tier::smeb ? 1.0 : 0.0;
    }
    ws.ones = Eigen::VectorXd::Ones(n_lines);
    ws.total_markup = 1.0 + methodology.basket.markup_percent / 100.0;
    ws.rule = methodology.transfer;
    ws.has_smeb = methodology.basket.has_smeb_lines();
    ws.as_zero = methodology.prices.on_missing == OnMissing::zero;
    ws.size = methodology.household.reported_size();
    ws.persons = methodology.household.persons();
    const CurrencyChange* currency = currency_of(changes);
    ws.currency = currency ? std::optional<CurrencyChange>(*currency) : std::nullopt;
  }

  void evaluate_point(std::size_t point, Workspace& ws, ScenarioResult& result) const {
    const std::vector<Change> changes = scenario_.changes_at(point);
    const auto column = static_cast<Eigen::Index>(point);
    if (!fast_) {
      std::vector<double> values = base_values_;
      std::vector<int> identity(plan_.series.size());
      std::iota(identity.begin(), identity.end(), 0);
      for (std::size_t c = 0; c < changes.size(); ++c)
        if (changes[c].moves_prices())
          apply_price_change(changes[c], resolved_[c], identity, plan_.buckets.markets, plan_.buckets.months,
                             plan_.buckets.first, values.data());
      const Methodology methodology = apply_changes(scenario_.baseline, changes);
      const ComputeResult computed = evaluate_plan(plan_, methodology, values, options_.survey);
      const CurrencyChange* currency = currency_of(changes);
      for (std::size_t r = 0; r < plan_.rows.size(); ++r)
        store(result, static_cast<Eigen::Index>(r), column, computed.smeb[static_cast<Eigen::Index>(r)],
              computed.meb[static_cast<Eigen::Index>(r)], computed.transfer[r], currency);
      result.household_size[point] = methodology.household.reported_size();
      result.persons[point] = methodology.household.persons();
      result.rate[point] = currency ? currency->rate : 1.0;
      return;
    }
    const std::vector<double> values = scenario_.point_values(point);
    std::vector<double> pkey;
    for (const std::size_t k : price_parameters_) pkey.push_back(values[k]);
    if (!ws.priced || pkey != ws.price_key) {
      reprice(changes, ws);
      ws.priced = true;
      ws.price_key = std::move(pkey);
    }
    std::vector<double> ckey = cost_key(values);
    if (!ws.costed || ckey != ws.cost_key) {
      recost(changes, ws);
      ws.costed = true;
      ws.cost_key = std::move(ckey);
    }
    // As evaluate_plan: row sums over the lines, then the total mark-up, then the transfer rule.
    const Eigen::VectorXd meb = basket_totals(ws.prices, ws.weights, ws.ones, ws.as_zero) * ws.total_markup;
    Eigen::VectorXd smeb;
    if (ws.has_smeb) smeb = basket_totals(ws.prices, ws.weights, ws.smeb_mask, ws.as_zero) * ws.total_markup;
    else smeb = Eigen::VectorXd::Constant(meb.size(), kNaN);
    const Eigen::VectorXd& basis = ws.rule.basis == Tier::smeb ? smeb : meb;
    for (Eigen::Index r = 0; r < meb.size(); ++r) {
      const double cost = basis[r];
      const TransferValue transfer = std::isnan(cost) ? TransferValue{kNaN, kNaN, kNaN} : apply_transfer_rule(ws.rule, cost);
      store(result, r, column, smeb[r], meb[r], transfer, ws.currency ? &*ws.currency : nullptr);
    }
    result.household_size[point] = ws.size;
    result.persons[point] = ws.persons;
    result.rate[point] = ws.currency ? ws.currency->rate : 1.0;
  }

  /// Writes one row of one point, converted to the scenario's currency: the transfer value is rounded after
  /// conversion, by the currency change's own rounding (none without it).
  static void store(ScenarioResult& result, Eigen::Index r, Eigen::Index column, double smeb, double meb,
                    const TransferValue& transfer, const CurrencyChange* currency) {
    if (!currency) {
      result.smeb(r, column) = smeb;
      result.meb(r, column) = meb;
      result.transfer_unrounded(r, column) = transfer.unrounded;
      result.transfer(r, column) = transfer.value;
      return;
    }
    const double unrounded = transfer.unrounded * currency->rate;
    result.smeb(r, column) = smeb * currency->rate;
    result.meb(r, column) = meb * currency->rate;
    result.transfer_unrounded(r, column) = unrounded;
    result.transfer(r, column) =
        currency->rounding && !std::isnan(unrounded) ? round_to_step(unrounded, *currency->rounding) : unrounded;
  }

  const Scenario& scenario_;
  const ComputePlan& plan_;
  const ScenarioOptions& options_;
  Methodology planning_;
  std::vector<ResolvedSelection> resolved_;  ///< per change (empty for those that move no price)
  std::vector<int> slot_of_series_;          ///< plan series → slot among the moved series, -1 if not moved
  std::vector<std::size_t> touched_;         ///< the moved series
  std::vector<std::size_t> price_parameters_;
  std::vector<std::size_t> cost_parameters_;
  std::vector<double> base_values_;
  bool fast_ = false;
  std::vector<CostLine> lines_;
  PricePanel base_panel_;
  Eigen::MatrixXd base_prices_;
  std::vector<std::size_t> moved_lines_;
  std::vector<SeriesSpec> sub_series_;      ///< the moved series, in slot order
  std::vector<double> sorted_;              ///< per (slot, first-level area, month): its base market values, sorted
  std::vector<std::size_t> cell_begin_;     ///< where each such cell starts in sorted_ (one more at the end)
  std::vector<std::vector<std::size_t>> applies_;  ///< per (slot, first-level area): the changes that select it
  std::vector<std::vector<char>> change_months_;   ///< per change: the months it selects
};

}  // namespace

ScenarioResult evaluate_scenario(const Scenario& scenario, const ComputePlan& plan, const ScenarioOptions& options) {
  check_areas(scenario, plan.areas);
  Evaluator evaluator(scenario, plan, options);
  return evaluator.run();
}

std::vector<std::string> new_commodities(const ComputePlan& baseline, const ComputePlan& own) {
  std::vector<std::string> names;
  for (const auto& series : own.series) {
    const bool known = std::any_of(baseline.series.begin(), baseline.series.end(),
                                   [&](const SeriesSpec& have) { return have.match_names == series.match_names; });
    if (!known) names.push_back(series.name);
  }
  return names;
}

BootstrapResult bootstrap_point(const Scenario& scenario, std::size_t point, const ComputePlan& plan,
                                const BootstrapSettings& settings, const Survey* survey) {
  const std::vector<Change> changes = scenario.changes_at(point);
  Methodology methodology = apply_changes(scenario.baseline, changes);
  const CurrencyChange* currency = currency_of(changes);
  // Converted values are rounded after conversion: the replicates' transfer is taken unrounded.
  if (currency) methodology.transfer.rounding.reset();
  std::vector<double> scale, shift;
  price_change_maps(scenario, changes, plan, scale, shift);
  BootstrapInputs inputs;
  inputs.survey = survey;
  inputs.market_scale = &scale;
  inputs.market_shift = &shift;
  BootstrapResult draws = bootstrap(plan, methodology, settings, inputs);
  if (!currency) return draws;
  for (std::vector<double>* values : {&draws.smeb, &draws.meb})
    for (double& value : *values) value *= currency->rate;
  for (double& value : draws.transfer) {
    value *= currency->rate;
    if (currency->rounding && !std::isnan(value)) value = round_to_step(value, *currency->rounding);
  }
  return draws;
}

namespace {


/// The change from the baseline, in the scenario's currency (the baseline converted at the point's rate).
void append_change(std::string& out, double value, double baseline) {
  const double change = value - baseline;
  out += ',' + format_number(change);
  out += ',' + format_number(baseline != 0.0 ? 100.0 * change / baseline : kNaN);
}

}  // namespace

std::string scenarios_csv(const std::vector<ScenarioReport>& reports) {
  // The swept paths of every scenario, in order of first appearance: one column each.
  std::vector<std::string> paths;
  for (const auto& report : reports)
    for (const auto& parameter : report.scenario->sweep)
      if (std::find(paths.begin(), paths.end(), parameter.path) == paths.end()) paths.push_back(parameter.path);
  std::string out = "scenario,scenario_version,point";
  for (const auto& path : paths) {
    out += ',';
    append_csv_field(out, path);
  }
  out += ",baseline,baseline_version,area_level,area,area_pcode,parent_area,month,household_size,persons,currency,"
         "smeb,meb,transfer_value_unrounded,transfer_value,baseline_currency,baseline_smeb,baseline_meb,"
         "baseline_transfer_value,smeb_change,smeb_change_percent,meb_change,meb_change_percent,transfer_value_change,"
         "transfer_value_change_percent";
  // Bootstrap percentiles, when any scenario has them: the replicates, then each measure at each percentile.
  std::vector<double> percentiles;
  for (const auto& report : reports)
    if (report.bootstrap && !report.bootstrap->empty() && percentiles.empty())
      percentiles = report.bootstrap->front().settings.percentiles;
  if (!percentiles.empty()) {
    for (const char* measure : {"smeb", "meb", "transfer_value"})
      for (const double percentile : percentiles) out += std::string(",") + measure + "_" + percentile_label(percentile);
    out += ",bootstrap_replicates";
  }
  out += '\n';
  for (const auto& report : reports) {
    const Scenario& scenario = *report.scenario;
    const ScenarioResult& result = *report.result;
    const ComputeResult& baseline = *report.baseline;
    // Each row's baseline row, by level, area, parent and month (a scenario planned on its own may have more rows).
    std::unordered_map<std::string, std::size_t> baseline_rows;
    auto row_key = [](const AreaTree& tree, std::size_t area, const std::string& month) {
      const Area& a = tree.areas[area];
      return std::string(to_string(a.level)) + '\x1f' + a.name + '\x1f' + tree.parent_name(area) + '\x1f' + month;
    };
    for (std::size_t r = 0; r < baseline.rows.size(); ++r)
      baseline_rows.emplace(row_key(baseline.areas, static_cast<std::size_t>(baseline.rows[r].area),
                                    baseline.panel.month_at(baseline.rows[r].month).to_string()),
                            r);
    std::vector<std::string> prefix(result.rows.size());  // the row's area columns, the same for every point
    std::vector<std::ptrdiff_t> match(result.rows.size(), -1);
    for (std::size_t r = 0; r < result.rows.size(); ++r) {
      const auto area = static_cast<std::size_t>(result.rows[r].area);
      const Area& a = result.areas.areas[area];
      const std::string month = result.month_at(result.rows[r].month).to_string();
      std::string& text = prefix[r];
      append_csv_field(text, scenario.baseline.id);
      text += ',';
      append_csv_field(text, scenario.baseline.version);
      text += ',';
      text += to_string(a.level);
      text += ',';
      append_csv_field(text, a.name);
      text += ',';
      append_csv_field(text, a.pcode);
      text += ',';
      append_csv_field(text, result.areas.parent_name(area));
      text += ',' + month;
      const auto found = baseline_rows.find(row_key(result.areas, area, month));
      if (found != baseline_rows.end()) match[r] = static_cast<std::ptrdiff_t>(found->second);
    }
    for (std::size_t p = 0; p < result.points; ++p) {
      const std::vector<double> values = scenario.point_values(p);
      std::string head;
      append_csv_field(head, scenario.id);
      head += ',';
      append_csv_field(head, scenario.version);
      head += ',' + std::to_string(p);
      for (const auto& path : paths) {
        head += ',';
        for (std::size_t k = 0; k < scenario.sweep.size(); ++k)
          if (scenario.sweep[k].path == path) head += format_number(values[k]);
      }
      const double rate = result.rate[p];
      const auto column = static_cast<Eigen::Index>(p);
      for (std::size_t r = 0; r < result.rows.size(); ++r) {
        const auto row = static_cast<Eigen::Index>(r);
        double base_smeb = kNaN, base_meb = kNaN, base_transfer = kNaN;
        if (match[r] >= 0) {
          const auto b = static_cast<std::size_t>(match[r]);
          base_smeb = baseline.smeb[static_cast<Eigen::Index>(b)];
          base_meb = baseline.meb[static_cast<Eigen::Index>(b)];
          base_transfer = baseline.transfer[b].value;
        }
        out += head;
        out += ',';
        out += prefix[r];
        out += ',' + format_number(result.household_size[p]) + ',' + format_number(result.persons[p]) + ',';
        append_csv_field(out, result.currency);
        out += ',' + format_number(result.smeb(row, column)) + ',' + format_number(result.meb(row, column)) + ',' +
               format_number(result.transfer_unrounded(row, column)) + ',' + format_number(result.transfer(row, column)) + ',';
        append_csv_field(out, scenario.baseline.currency);
        out += ',' + format_number(base_smeb) + ',' + format_number(base_meb) + ',' + format_number(base_transfer);
        append_change(out, result.smeb(row, column), base_smeb * rate);
        append_change(out, result.meb(row, column), base_meb * rate);
        append_change(out, result.transfer(row, column), base_transfer * rate);
        if (!percentiles.empty()) {
          const BootstrapResult* draws =
              report.bootstrap && p < report.bootstrap->size() ? &(*report.bootstrap)[p] : nullptr;
          for (int measure = 0; measure < 3; ++measure)
            for (std::size_t k = 0; k < percentiles.size(); ++k) {
              double value = kNaN;
              if (draws && k < draws->settings.percentiles.size())
                value = measure == 0 ? draws->smeb_at(r, k) : measure == 1 ? draws->meb_at(r, k) : draws->transfer_at(r, k);
              out += ',' + format_number(value);
            }
          out += ',';
          if (draws) out += std::to_string(draws->settings.replicates);
        }
        out += '\n';
      }
    }
  }
  return out;
}

}  // namespace meb

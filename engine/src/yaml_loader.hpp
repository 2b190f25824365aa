#pragma once
// Private to the engine: reading a YAML file into value types while collecting every problem of the
// file, each with its file, line and column, key and value (methodology.cpp, scenario.cpp).
#include <cmath>
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "meb/basket.hpp"
#include "meb/csv.hpp"
#include "meb/error.hpp"
#include "meb/household.hpp"
#include "meb/transfer.hpp"

namespace meb::detail {

inline std::string join(std::initializer_list<const char*> words) {
  std::string text;
  for (const char* word : words) text += (text.empty() ? "" : ", ") + std::string(word);
  return text;
}

inline std::string show(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "null";
  if (node.IsScalar()) return "'" + node.Scalar() + "'";
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

/// Collects every problem of a file, each with its position, before reporting them together.
class Loader {
 public:
  explicit Loader(const std::string& file) : file_(file) {}

  void error(const YAML::Node& at, const std::string& key, const std::string& what) {
    // An absent key has no position of its own (yaml-cpp throws for it): callers pass the enclosing node.
    const YAML::Mark mark = at.IsDefined() ? at.Mark() : YAML::Mark::null_mark();
    const std::size_t line = mark.line >= 0 ? static_cast<std::size_t>(mark.line) + 1 : 0;
    const std::size_t column = mark.column >= 0 ? static_cast<std::size_t>(mark.column) + 1 : 0;
    errors_.push_back(file_ + ":" + std::to_string(line) + ":" + std::to_string(column) + ": key '" + key + "': " + what);
  }

  [[nodiscard]] const std::vector<std::string>& errors() const { return errors_; }
  /// Every problem, one per line ("" when there is none).
  [[nodiscard]] std::string report() const {
    std::string message;
    for (const auto& line : errors_) message += (message.empty() ? "" : "\n") + line;
    return message;
  }

  /// Reports keys of `map` that are not in `allowed`.
  void check_keys(const YAML::Node& map, const std::string& where, std::initializer_list<const char*> allowed) {
    if (!map.IsMap()) return;
    for (const auto& entry : map) {
      const std::string key = entry.first.Scalar();
      bool known = false;
      for (const char* name : allowed) known = known || key == name;
      if (!known)
        error(entry.first, where.empty() ? key : where + "." + key,
              "unknown key; allowed keys here: " + join(allowed));
    }
  }

  bool expect_map(const YAML::Node& node, const std::string& key) {
    if (node.IsMap()) return true;
    error(node, key, "expected a mapping (key: value), got " + show(node));
    return false;
  }

  std::optional<std::string> text(const YAML::Node& parent, const char* name, const std::string& key, bool required) {
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) error(parent, key, "is required");
      return std::nullopt;
    }
    if (!node.IsScalar()) {
      error(node, key, "expected text, got " + show(node));
      return std::nullopt;
    }
    return node.Scalar();
  }

  std::optional<double> number(const YAML::Node& parent, const char* name, const std::string& key, bool required,
                               double minimum = -std::numeric_limits<double>::infinity(),
                               const char* minimum_text = nullptr) {
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull()) {
      if (required) error(parent, key, "is required");
      return std::nullopt;
    }
    double value = 0.0;
    if (!node.IsScalar() || !detail::parse_double(node.Scalar(), value)) {
      error(node, key, "expected a number, got " + show(node));
      return std::nullopt;
    }
    if (value < minimum) {
      error(node, key, std::string("must be ") + (minimum_text ? minimum_text : ">= minimum") + ", got " + show(node));
      return std::nullopt;
    }
    return value;
  }

  std::optional<int> integer(const YAML::Node& parent, const char* name, const std::string& key, int minimum) {
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull()) return std::nullopt;
    double value = 0.0;
    if (!node.IsScalar() || !detail::parse_double(node.Scalar(), value) || value != std::floor(value) ||
        value < minimum || value > 1e6) {
      error(node, key, "expected a whole number >= " + std::to_string(minimum) + ", got " + show(node));
      return std::nullopt;
    }
    return static_cast<int>(value);
  }

  std::vector<std::string> text_list(const YAML::Node& parent, const char* name, const std::string& key) {
    std::vector<std::string> values;
    const YAML::Node node = parent[name];
    if (!node.IsDefined() || node.IsNull()) return values;
    if (!node.IsSequence()) {
      error(node, key, "expected a list, got " + show(node));
      return values;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      if (!node[i].IsScalar()) error(node[i], key + "[" + std::to_string(i) + "]", "expected text, got " + show(node[i]));
      else values.push_back(node[i].Scalar());
    }
    return values;
  }

  template <typename Enum, typename Parse>
  std::optional<Enum> choice(const YAML::Node& parent, const char* name, const std::string& key, bool required,
                             Parse parse, std::initializer_list<const char*> allowed) {
    const auto value = text(parent, name, key, required);
    if (!value) return std::nullopt;
    if (auto parsed = parse(*value)) return parsed;
    error(parent[name], key, "unknown value '" + *value + "'; allowed values: " + join(allowed));
    return std::nullopt;
  }

 private:
  std::string file_;
  std::vector<std::string> errors_;
};

/// The text of a definition file (methodology, scenario, batch file): a file that cannot be read is reported
/// as the definition's error (exit code 4), not as bad input data.
template <typename DefinitionError>
std::string read_definition_file(const std::string& path) {
  try {
    return read_file(path);
  } catch (const InputError& error) {
    throw DefinitionError(error.what());
  }
}

inline std::optional<Per> parse_per(std::string_view text) {
  if (text == "person/day") return Per::person_day;
  if (text == "person/month") return Per::person_month;
  if (text == "household/month") return Per::household_month;
  if (text == "household/year") return Per::household_year;
  return std::nullopt;
}
inline std::optional<Tier> parse_tier(std::string_view text) {
  // HEA outcome analysis names the two thresholds: survival (the SMEB tier) and livelihoods protection.
  if (text == "smeb" || text == "survival") return Tier::smeb;
  if (text == "meb" || text == "livelihoods_protection") return Tier::meb;
  return std::nullopt;
}
inline std::optional<RoundingMode> parse_rounding_mode(std::string_view text) {
  if (text == "nearest") return RoundingMode::nearest;
  if (text == "up") return RoundingMode::up;
  if (text == "down") return RoundingMode::down;
  return std::nullopt;
}
inline std::optional<HouseholdModel> parse_household_model(std::string_view text) {
  if (text == "fixed") return HouseholdModel::fixed;
  if (text == "per_capita") return HouseholdModel::per_capita;
  if (text == "bands") return HouseholdModel::bands;
  if (text == "capped") return HouseholdModel::capped;
  if (text == "equivalence") return HouseholdModel::equivalence;
  return std::nullopt;
}
inline std::optional<EquivalenceScale> parse_scale(std::string_view text) {
  if (text == "oecd") return EquivalenceScale::oecd;
  if (text == "modified_oecd") return EquivalenceScale::modified_oecd;
  if (text == "square_root") return EquivalenceScale::square_root;
  return std::nullopt;
}

/// One basket item (`basket[c].items[i]` of a methodology, or an item a scenario adds): the keys item,
/// aliases, quantity, unit, exact_unit, per, composite, substitutes, density_kg_per_l, cost.
void load_basket_item(Loader& in, const YAML::Node& node, const std::string& key, BasketItem& item);

}  // namespace meb::detail

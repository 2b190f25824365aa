#pragma once
// Scenarios: "what happens to each region's transfer value if ...". A scenario names a baseline methodology
// and an ordered list of changes -- price shocks, an inflation path, a seasonal profile, household,
// transfer-rule, basket and currency changes -- and can sweep some of their numbers over a cross product
// of values. docs/scenarios.md documents every key; the names are the public contract.
//
// Price changes act on each market's value (the statistic of its quotes in a month, QuoteBuckets cells)
// before aggregation and filling; household, transfer and basket changes act on a copy of the methodology.
// Sweep points are independent: they are evaluated on every core, each from the same plan, and a point's
// numbers do not depend on the number of threads.
#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <Eigen/Core>

#include "meb/bootstrap.hpp"
#include "meb/compute.hpp"
#include "meb/error.hpp"
#include "meb/methodology.hpp"
#include "meb/month.hpp"

namespace meb {

/// A scenario file that does not validate, or names an area the prices do not have (exit code 4). Holds
/// every problem found, one per line, each as file:line:column.
class ScenarioError : public MethodologyError {
 public:
  using MethodologyError::MethodologyError;
};

/// Where a scenario file names something checked only once the prices are read (an area).
struct NamedArea {
  std::string name;
  std::size_t line = 0;
  std::size_t column = 0;
  std::string key;  ///< e.g. "changes[0].shock.areas[1]"
};

/// Which market prices a price change moves. Every list left empty means "all".
struct PriceSelection {
  std::vector<std::string> items;       ///< basket items, aliases, composite alternatives or substitutes
  std::vector<std::string> categories;  ///< basket components (food, water, ...)
  std::vector<NamedArea> areas;         ///< areas at any level above market: all the markets under them
  std::optional<Month> from;            ///< months: a window (inclusive, either end open) ...
  std::optional<Month> to;
  std::vector<Month> months;            ///< ... or a list

  [[nodiscard]] bool takes_month(Month month) const;
};

/// `shock`: each selected market price multiplied by `amount`, or `amount` added to it (per the unit the
/// basket writes for the item; a negative amount lowers prices, and nothing stops it below 0: every price
/// change stays an affine map of the market value, which the bootstrap relies on).
struct PriceShock {
  enum class Op { multiply, add };
  PriceSelection where;
  Op op = Op::multiply;
  double amount = 1.0;
};

/// `inflation`: month `from` + k gets (1 + monthly_rate)^k, k = 0, 1, 2, ...: the start month is month 0
/// and keeps its price; months before `from` are unchanged.
struct InflationPath {
  PriceSelection where;
  double monthly_rate = 0.0;
  Month from;
};

/// `seasonal`: a multiplier per calendar month (1 for a month the profile does not list).
struct SeasonalProfile {
  PriceSelection where;
  std::array<double, 12> multiplier{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
};

/// `household`: the keys written replace the baseline's (any key of the household models).
struct HouseholdChange {
  std::optional<HouseholdModel> model;
  std::optional<double> size;
  std::optional<std::vector<SizeBand>> bands;
  std::optional<double> base;
  std::optional<double> max;
  std::optional<EquivalenceScale> scale;
  std::optional<double> adults;
  std::optional<double> children;
};

/// `transfer`: the keys written replace the baseline's; `cap: null` removes the cap, `round: null` the rounding.
struct TransferChange {
  std::optional<Tier> basis;
  std::optional<double> deduct;
  std::optional<double> coverage;
  std::optional<double> floor;
  bool sets_cap = false;
  std::optional<double> cap;
  bool sets_rounding = false;
  std::optional<Rounding> rounding;
  std::optional<double> round_step;  ///< a swept step on a change without `round`: the mode in force is kept
};

/// `basket`: one substitution, changed quantity, removed item or added item.
struct BasketChange {
  enum class Kind { substitute, quantity, remove, add };
  Kind kind = Kind::quantity;
  std::string item;       ///< the basket item changed (substitute, quantity, remove)
  std::string with;       ///< substitute: the commodity the line is priced as from now on
  double quantity = 0.0;  ///< quantity: the new quantity, in the item's unit and per
  std::string component;  ///< add: the component the item joins
  BasketItem added;       ///< add
};

/// `currency`: a transfer paid in another currency. SMEB, MEB and transfer value are multiplied by `rate`;
/// the transfer value is rounded after conversion by `round` (not at all without it: the methodology's
/// rounding step is in its own currency).
struct CurrencyChange {
  std::string to;
  double rate = 1.0;
  std::optional<Rounding> rounding;
};

using ChangeSpec =
    std::variant<PriceShock, InflationPath, SeasonalProfile, HouseholdChange, TransferChange, BasketChange, CurrencyChange>;

struct Change {
  ChangeSpec spec;
  std::size_t line = 0;  ///< in the scenario file

  /// shock, inflation, seasonal, household, transfer, basket or currency.
  [[nodiscard]] std::string_view kind() const;
  /// Whether it moves market prices (a shock, an inflation path or a seasonal profile).
  [[nodiscard]] bool moves_prices() const { return spec.index() <= 2; }
  [[nodiscard]] const PriceSelection* selection() const;
};

/// One swept number: the key it replaces and the values it takes.
struct SweepParameter {
  enum class Field {
    shock_amount, inflation_rate, seasonal_month, household_size, household_base, household_max, household_adults,
    household_children, transfer_deduct, transfer_coverage, transfer_floor, transfer_cap, transfer_round_step,
    basket_quantity, currency_rate
  };
  std::string path;        ///< as written, e.g. "changes[0].shock.multiply"
  std::size_t change = 0;  ///< index into Scenario::changes
  Field field = Field::shock_amount;
  int month = 0;           ///< seasonal_month: the calendar month 1..12
  std::vector<double> values;
  std::size_t line = 0;

  /// Whether the values move market prices (then the sweep re-aggregates; otherwise it only re-costs).
  [[nodiscard]] bool moves_prices() const;
};

struct Scenario {
  std::string id;
  std::string name;
  std::string version = "1";
  std::string description;
  std::string baseline_path;  ///< as resolved against the scenario file's directory
  Methodology baseline;
  std::vector<Change> changes;
  std::vector<SweepParameter> sweep;
  std::string source_path;

  /// The size of the sweep's cross product (1 without a sweep).
  [[nodiscard]] std::size_t point_count() const;
  /// The value of each swept parameter at a point. Points are numbered like nested loops: the first
  /// parameter varies slowest, the last fastest.
  [[nodiscard]] std::vector<double> point_values(std::size_t point) const;
  /// The changes with the point's values in place.
  [[nodiscard]] std::vector<Change> changes_at(std::size_t point) const;
};

/// The baseline methodology path a scenario names (resolved against its directory). Throws ScenarioError
/// when the file is not YAML or has no `baseline`.
[[nodiscard]] std::string scenario_baseline(std::string_view yaml_text, const std::string& file_name);

/// Parses and validates a scenario against its baseline methodology (already read: `scenario_baseline` says
/// which). Every problem of the file is collected before throwing one ScenarioError that lists them all.
/// Items and categories are checked against the baseline's basket; areas only by check_areas (they need the prices).
[[nodiscard]] Scenario parse_scenario(std::string_view yaml_text, const std::string& file_name,
                                      const Methodology& baseline);
/// Reads a scenario file and its baseline.
[[nodiscard]] Scenario load_scenario(const std::string& path);

/// The methodology a point costs: the baseline with its household, transfer and basket changes applied in
/// order (price and currency changes act elsewhere).
[[nodiscard]] Methodology apply_changes(const Methodology& baseline, const std::vector<Change>& changes);

/// The methodology a scenario's plan must price: the baseline with the scenario's basket changes.
[[nodiscard]] Methodology planning_methodology(const Scenario& scenario);

/// Whether a plan prices every commodity a methodology's basket reads. When it does not (a substitution or
/// an added item names a new commodity), plan the scenario with planning_methodology() -- once per scenario.
[[nodiscard]] bool plan_covers(const ComputePlan& plan, const Methodology& methodology);

/// Throws ScenarioError listing every area a price change names that is not an area of the plan's tree.
void check_areas(const Scenario& scenario, const AreaTree& areas);

/// Applies a point's price changes, in order, to market values laid out as the plan's QuoteBuckets cells.
void apply_price_changes(const Scenario& scenario, const std::vector<Change>& changes, const ComputePlan& plan,
                         std::vector<double>& market_values);

/// The same price changes as a map of each QuoteBuckets cell, value × scale + shift (what the bootstrap
/// applies to every resampled market value).
void price_change_maps(const Scenario& scenario, const std::vector<Change>& changes, const ComputePlan& plan,
                       std::vector<double>& scale, std::vector<double>& shift);

/// The names of the series a scenario's own plan (built with planning_methodology() when plan_covers() is
/// false) prices that the baseline's plan does not, in the own plan's order: the commodities a substitution or
/// an added item brings in.
[[nodiscard]] std::vector<std::string> new_commodities(const ComputePlan& baseline, const ComputePlan& own);

struct ScenarioOptions {
  unsigned threads = 0;           ///< 0: every core
  bool full_evaluation = false;   ///< evaluate_plan for every point (the reference the fast path is tested against)
  const Survey* survey = nullptr;
};

/// SMEB, MEB and transfer value for every row of the plan (rows) and every sweep point (columns).
struct ScenarioResult {
  std::vector<AreaMonth> rows;
  AreaTree areas;
  Month panel_first;
  std::size_t points = 0;
  std::string currency;                 ///< after a currency change
  Eigen::MatrixXd smeb;                 ///< rows × points; NaN: missing
  Eigen::MatrixXd meb;
  Eigen::MatrixXd transfer_unrounded;
  Eigen::MatrixXd transfer;
  std::vector<double> household_size;   ///< per point: the size reported and the persons costed
  std::vector<double> persons;
  std::vector<double> rate;             ///< per point: the currency rate (1 without a currency change)

  [[nodiscard]] Month month_at(std::size_t t) const { return Month{panel_first.index + static_cast<int>(t)}; }
};

/// Evaluates every point of a scenario over a plan (the baseline's, or one built with planning_methodology()).
/// Points sharing their price values share one aggregation; points differing only in household, transfer or
/// basket quantities only re-cost. Throws ScenarioError for an unknown area.
[[nodiscard]] ScenarioResult evaluate_scenario(const Scenario& scenario, const ComputePlan& plan,
                                               const ScenarioOptions& options = {});

/// The bootstrap of one sweep point (`meb scenario --bootstrap N`, docs/uncertainty.md): the point's
/// methodology (apply_changes), its price changes as a map of the resampled market values (price_change_maps),
/// over `plan` (the one the scenario was evaluated on). With a currency change, SMEB and MEB are converted and
/// the transfer value is taken unrounded, converted, then rounded by the change's own rule, as evaluate_scenario
/// does for the point estimate (docs/scenarios.md).
[[nodiscard]] BootstrapResult bootstrap_point(const Scenario& scenario, std::size_t point, const ComputePlan& plan,
                                              const BootstrapSettings& settings, const Survey* survey = nullptr);

/// A scenario evaluated, with its baseline computed on the same inputs.
struct ScenarioReport {
  const Scenario* scenario = nullptr;
  const ScenarioResult* result = nullptr;
  const ComputeResult* baseline = nullptr;
  /// Per point, the bootstrap's percentiles in the scenario's currency (`meb scenario --bootstrap N`); null: none.
  const std::vector<BootstrapResult>* bootstrap = nullptr;
};

/// scenarios.csv: one row per scenario, point, area and month (docs/scenarios.md, "Outputs").
[[nodiscard]] std::string scenarios_csv(const std::vector<ScenarioReport>& reports);

}  // namespace meb

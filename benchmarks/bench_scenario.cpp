// Scenario sweeps: meb::evaluate_scenario over a plan built once in SetUp (reading, bucketing and the area
// tree are not timed; neither is parsing the scenario). The input is the size: 50 areas × 30 items ×
// 12 months -- 200 markets (4 per admin1, 50 admin1), the 30 generated commodities, 12 months of 2011, about
// 100,000 price rows -- costed with the 32-line benchmark basket (bench_inputs.hpp) over [market, admin1].
//
// - BM_Scenario_SweepEveryPrice: a shock on every price, its multiplier swept over N values: every point moves
//   every series, so every point re-aggregates the 30 series and re-prices every line (the worst case).
// - BM_Scenario_SweepCereals: a shock on the four cereals crossed with household sizes (40 × 25 = 1,000
//   points): 40 aggregations of 4 series, then 1,000 re-costings (a matrix-vector product each).
// - BM_Scenario_SweepHousehold: household sizes only: no re-aggregation at all, 1,000 re-costings.
// Each runs with 1 and 2 threads (sweep points are independent); times are wall-clock (UseRealTime).
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "bench_inputs.hpp"
#include "meb/scenario.hpp"

namespace {

struct Inputs {
  meb::Methodology methodology;
  meb::PriceTable table;
  meb::ComputePlan plan;
};

const Inputs& inputs() {
  static const std::unique_ptr<Inputs> built = [] {
    auto in = std::make_unique<Inputs>();
    std::string yaml = meb::bench::methodology_yaml();
    const std::string levels = "levels: [market, admin2, admin1]";
    yaml.replace(yaml.find(levels), levels.size(), "levels: [market, admin1]");
    in->methodology = meb::parse_methodology(yaml, "bench.yaml");
    meb::bench::PriceFileSpec spec;
    spec.rows = 100000;
    spec.markets = 200;
    spec.markets_per_admin2 = 4;
    spec.admin2_per_admin1 = 1;  // 50 admin2 = 50 admin1, 4 markets each
    spec.months = 12;
    const std::string text = meb::bench::generate_wfp_prices(spec);
    meb::read_prices("bench.csv", text, meb::make_price_filter(in->methodology, false), in->table);
    in->plan = meb::plan_compute(in->methodology, in->table, nullptr);
    return in;
  }();
  return *built;
}

std::string sweep_yaml(const std::string& changes, const std::string& parameters) {
  return "id: bench\nname: Bench\nbaseline: bench.yaml\nchanges:\n" + changes + "sweep:\n  parameters:\n" + parameters;
}

/// N values of a multiplier: 1, 1 + 0.5/N, ... (a range, as a sweep file writes it).
std::string multiplier_range(std::int64_t count) {
  return "{from: 1, to: " + std::to_string(1.0 + 0.5 * static_cast<double>(count - 1) / static_cast<double>(count)) +
         ", step: " + std::to_string(0.5 / static_cast<double>(count)) + "}";
}

void run(benchmark::State& state, const meb::Scenario& scenario) {
  const Inputs& in = inputs();
  meb::ScenarioOptions options;
  options.threads = static_cast<unsigned>(state.range(1));
  std::size_t points = 0;
  for (auto _ : state) {
    const meb::ScenarioResult result = meb::evaluate_scenario(scenario, in.plan, options);
    points = result.points;
    benchmark::DoNotOptimize(result.meb.data());
    benchmark::DoNotOptimize(result.transfer.data());
  }
  // items/s = sweep points per second.
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(points));
  state.counters["points"] = static_cast<double>(points);
  state.counters["rows"] = static_cast<double>(in.plan.rows.size());
  state.counters["series"] = static_cast<double>(in.plan.series.size());
  state.counters["markets"] = static_cast<double>(in.plan.buckets.markets);
}

void BM_Scenario_SweepEveryPrice(benchmark::State& state) {
  const meb::Scenario scenario = meb::parse_scenario(
      sweep_yaml("  - shock: {multiply: 1.1}\n",
                 "    - {path: 'changes[0].shock.multiply', range: " + multiplier_range(state.range(0)) + "}\n"),
      "bench-scenario.yaml", inputs().methodology);
  run(state, scenario);
}

void BM_Scenario_SweepCereals(benchmark::State& state) {
  // 40 multipliers × 25 household sizes (1 to 25) = 1,000 points.
  const meb::Scenario scenario = meb::parse_scenario(
      sweep_yaml("  - shock: {items: [Millet, Sorghum, Maize, 'Rice (local)'], multiply: 1.1}\n  - household: {size: 6}\n",
                 "    - {path: 'changes[0].shock.multiply', range: " + multiplier_range(40) + "}\n"
                 "    - {path: 'changes[1].household.size', range: {from: 1, to: 25, step: 1}}\n"),
      "bench-scenario.yaml", inputs().methodology);
  run(state, scenario);
}

void BM_Scenario_SweepHousehold(benchmark::State& state) {
  const meb::Scenario scenario = meb::parse_scenario(
      sweep_yaml("  - household: {size: 6}\n",
                 "    - {path: 'changes[0].household.size', range: {from: 1, to: " +
                     std::to_string(1.0 + 0.01 * static_cast<double>(state.range(0) - 1)) + ", step: 0.01}}\n"),
      "bench-scenario.yaml", inputs().methodology);
  run(state, scenario);
}

}  // namespace

BENCHMARK(BM_Scenario_SweepEveryPrice)
    ->ArgNames({"points", "threads"})
    ->Args({10, 1})
    ->Args({100, 1})
    ->Args({1000, 1})
    ->Args({10, 2})
    ->Args({100, 2})
    ->Args({1000, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Scenario_SweepCereals)
    ->ArgNames({"points", "threads"})
    ->Args({1000, 1})
    ->Args({1000, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Scenario_SweepHousehold)
    ->ArgNames({"points", "threads"})
    ->Args({1000, 1})
    ->Args({1000, 2})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

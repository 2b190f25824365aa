// The bootstrap of SMEB, MEB and transfer values (meb::bootstrap, docs/uncertainty.md) over a generated
// dataset: first-level areas under a national level, each with 4 to 8 markets, every market quoting every
// item every month 1 to 3 times; median of medians, fill [parent, {carry_forward: 2}], a stated cost, a
// household of 6, rounding to 500. The plan (areas, bucketed quotes, rows) is built once in SetUp; the timed
// call is the whole bootstrap: precomputation, every replicate on every core, and the percentiles.
//
// - BM_Bootstrap_Replicates: 50 areas x 30 items x 12 months, 100 to 10,000 replicates (the target:
//   10,000 replicates in under 2 s on the 2-core machine).
// - BM_Bootstrap_Areas: 1,000 replicates over 10, 25, 50 and 100 areas (30 items).
// - BM_Bootstrap_Items: 1,000 replicates over 10, 30 and 60 items (50 areas).
// Times are wall-clock (UseRealTime): the work runs on std::threads, which CPU time of the main thread misses.
#include <benchmark/benchmark.h>

#include <random>
#include <thread>
#include <string>

#include "bench_inputs.hpp"
#include "meb/bootstrap.hpp"

namespace {

struct Dataset {
  meb::Methodology methodology;
  meb::PriceTable prices;
  meb::ComputePlan plan;
};

/// A long price CSV: `areas` admin1 areas of 4 to 8 markets, `items` items, 12 months of 2020, 1 to 3 quotes
/// per market, item and month. Seeded std::mt19937: the same bytes on every run.
std::string generate_prices(std::size_t areas, std::size_t items) {
  std::mt19937 rng(20200101);
  std::uniform_int_distribution<int> markets_in_area(4, 8), quotes_in_month(1, 3);
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  std::string text = "date,market,admin1,admin2,commodity,unit,pricetype,currency,price\n";
  std::size_t market = 0;
  for (std::size_t a = 0; a < areas; ++a) {
    const int n_markets = markets_in_area(rng);
    for (int m = 0; m < n_markets; ++m, ++market) {
      const double level = 0.8 + 0.4 * uniform(rng);
      for (std::size_t t = 0; t < 12; ++t) {
        for (std::size_t i = 0; i < items; ++i) {
          const double base = 100.0 + 25.0 * static_cast<double>(i % 40);
          const int quotes = quotes_in_month(rng);
          for (int q = 0; q < quotes; ++q) {
            text += "2020-";
            meb::bench::append_uint(text, t + 1, 2);
            text += "-15,Market ";
            meb::bench::append_uint(text, market + 1, 4);
            text += ",Area ";
            meb::bench::append_uint(text, a + 1, 3);
            text += ",,Item ";
            meb::bench::append_uint(text, i + 1, 2);
            text += ",KG,Retail,XOF,";
            meb::bench::append_fixed(text, base * level * (1.0 + 0.01 * static_cast<double>(t)) * (0.9 + 0.2 * uniform(rng)));
            text += '\n';
          }
        }
      }
    }
  }
  return text;
}

std::string methodology_yaml(std::size_t items) {
  std::string yaml =
      "id: bench-bootstrap\nname: Bootstrap benchmark\nversion: 1\ncurrency: XOF\ndays_per_month: 30\n"
      "household:\n  size: 6\n"
      "prices:\n  pricetype: Retail\n  priceflags: [actual]\n  levels: [market, admin1, national]\n"
      "  statistic: median\n  min_observations: 1\n  fill: [parent, {carry_forward: 2}]\n  on_missing: missing\n"
      "basket:\n  - component: food\n    tier: smeb\n    items:\n";
  for (std::size_t i = 0; i < items; ++i) {
    yaml += "      - {item: \"Item ";
    meb::bench::append_uint(yaml, i + 1, 2);
    yaml += "\", quantity: 0.02, unit: KG, per: person/day}\n";
  }
  yaml +=
      "  - component: water\n    tier: smeb\n    cost: 3000\n    per: household/month\n"
      "transfer:\n  basis: meb\n  round: {step: 500, mode: nearest}\n";
  return yaml;
}

class BootstrapFixture : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State& state) override {
    const auto areas = static_cast<std::size_t>(state.range(1));
    const auto items = static_cast<std::size_t>(state.range(2));
    data_ = &cache().get(areas * 1000 + items, [&] {
      Dataset data;
      data.methodology = meb::parse_methodology(methodology_yaml(items), "bench-bootstrap.yaml");
      meb::read_prices("generated.csv", generate_prices(areas, items), meb::make_price_filter(data.methodology, false),
                       data.prices);
      data.plan = meb::plan_compute(data.methodology, data.prices, nullptr);
      return data;
    });
  }

 protected:
  static meb::bench::LastInput<Dataset>& cache() {
    static meb::bench::LastInput<Dataset> last;
    return last;
  }
  const Dataset* data_ = nullptr;
};

void run_bootstrap(benchmark::State& state, const Dataset& data) {
  meb::BootstrapSettings settings;
  settings.replicates = static_cast<std::size_t>(state.range(0));
  settings.seed = 42;
  std::size_t exact = 0, explicit_cells = 0;
  for (auto _ : state) {
    const meb::BootstrapResult result = meb::bootstrap(data.plan, data.methodology, settings);
    exact = result.exact_cells;
    explicit_cells = result.explicit_cells;
    benchmark::DoNotOptimize(result.transfer.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(settings.replicates));
  state.counters["rows"] = static_cast<double>(data.plan.rows.size());
  state.counters["quotes"] = static_cast<double>(data.plan.buckets.prices.size());
  state.counters["first_level_cells"] = static_cast<double>(exact + explicit_cells);
  state.counters["explicit_cells"] = static_cast<double>(explicit_cells);
  state.counters["threads"] = static_cast<double>(std::thread::hardware_concurrency());
}

BENCHMARK_DEFINE_F(BootstrapFixture, BM_Bootstrap_Replicates)(benchmark::State& state) { run_bootstrap(state, *data_); }
BENCHMARK_DEFINE_F(BootstrapFixture, BM_Bootstrap_Areas)(benchmark::State& state) { run_bootstrap(state, *data_); }
BENCHMARK_DEFINE_F(BootstrapFixture, BM_Bootstrap_Items)(benchmark::State& state) { run_bootstrap(state, *data_); }

BENCHMARK_REGISTER_F(BootstrapFixture, BM_Bootstrap_Replicates)
    ->ArgNames({"replicates", "areas", "items"})
    ->Args({100, 50, 30})
    ->Args({1000, 50, 30})
    ->Args({10000, 50, 30})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(BootstrapFixture, BM_Bootstrap_Areas)
    ->ArgNames({"replicates", "areas", "items"})
    ->Args({1000, 10, 30})
    ->Args({1000, 25, 30})
    ->Args({1000, 50, 30})
    ->Args({1000, 100, 30})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(BootstrapFixture, BM_Bootstrap_Items)
    ->ArgNames({"replicates", "areas", "items"})
    ->Args({1000, 50, 10})
    ->Args({1000, 50, 30})
    ->Args({1000, 50, 60})
    ->Iterations(5)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

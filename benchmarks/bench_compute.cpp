// Aggregation plus costing: meb::compute over a PriceTable read once in SetUp. compute builds the area
// tree, buckets and converts the quotes, aggregates market -> admin2 -> admin1 (median of medians), fills
// with [parent, {carry_forward: 2}], prices every basket line in every area-month and computes the SMEB,
// the MEB and the transfer value.
//
// Two families, both from 10^4 to 10^7 price rows:
// - BM_Compute_Costing: a fixed universe (2,000 markets, 200 admin2, 50 admin1, 30 commodities, 120 months)
//   quoted more and more densely: the output (30,000 area-months x 32 lines) is the same at every size, so
//   the growth is the cost of the quotes on top of the fixed cost of the panel.
// - BM_Compute_CostingScaled: the same density (about 35 % of the weekly slots) over a universe that grows
//   with the rows (2 markets at 10^4 up to 2,000 at 10^7): input and output grow together.
#include <benchmark/benchmark.h>

#include "bench_inputs.hpp"

namespace {

using meb::bench::PriceFileSpec;

PriceFileSpec spec_for(std::size_t rows, bool scaled) {
  PriceFileSpec spec;
  spec.rows = rows;
  // 2,000 markets x 30 commodities x 120 months x 4 weekly slots = 28.8 M slots; 10^7 rows fill ~35 %.
  if (scaled) spec.markets = std::max<std::size_t>(2, rows / 5000);
  return spec;
}

class ComputeFixture : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State& state) override {
    const auto rows = static_cast<std::size_t>(state.range(0));
    const bool scaled = state.range(1) != 0;
    const PriceFileSpec spec = spec_for(rows, scaled);
    // Keyed by the input, not the family: the same rows over the same markets are the same table.
    table_ = &cache().get(spec.rows * 100000 + spec.markets, [&] {
      const std::string text = meb::bench::generate_wfp_prices(spec);
      meb::PriceTable table;
      meb::read_prices("generated.csv", text, meb::make_price_filter(meb::bench::methodology(), false), table);
      table.quotes.shrink_to_fit();
      return table;
    });
  }

 protected:
  static meb::bench::LastInput<meb::PriceTable>& cache() {
    static meb::bench::LastInput<meb::PriceTable> last;
    return last;
  }
  const meb::PriceTable* table_ = nullptr;
};

void run_compute(benchmark::State& state, const meb::PriceTable& table) {
  const meb::Methodology& methodology = meb::bench::methodology();
  std::size_t cells = 0, area_months = 0, lines = 0;
  for (auto _ : state) {
    const meb::ComputeResult result = meb::compute(methodology, table, nullptr);
    area_months = result.rows.size();
    lines = result.lines.size();
    cells = area_months * lines;
    benchmark::DoNotOptimize(result.meb.data());
    benchmark::DoNotOptimize(result.transfer.data());
  }
  // items/s = area-month x basket-line cells per second.
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(cells));
  state.counters["quotes/s"] =
      benchmark::Counter(static_cast<double>(table.quotes.size()), benchmark::Counter::kIsIterationInvariantRate);
  state.counters["quotes"] = static_cast<double>(table.quotes.size());
  state.counters["markets"] = static_cast<double>(table.markets.size());
  state.counters["area_months"] = static_cast<double>(area_months);
  state.counters["lines"] = static_cast<double>(lines);
}

BENCHMARK_DEFINE_F(ComputeFixture, BM_Compute_Costing)(benchmark::State& state) { run_compute(state, *table_); }
BENCHMARK_DEFINE_F(ComputeFixture, BM_Compute_CostingScaled)(benchmark::State& state) { run_compute(state, *table_); }

// Registration order is run order: the small sizes of both families first, then the two 10^7 runs back to
// back, which are the same input (2,000 markets either way) and so share one generated table.
BENCHMARK_REGISTER_F(ComputeFixture, BM_Compute_Costing)
    ->ArgNames({"rows", "scaled"})
    ->Args({10000, 0})
    ->Args({100000, 0})
    ->Args({1000000, 0})
    ->Iterations(5)  // 150 to 250 ms each: min_time 0.05 would time a single call
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(ComputeFixture, BM_Compute_CostingScaled)
    ->ArgNames({"rows", "scaled"})
    ->Args({10000, 1})
    ->Args({100000, 1})
    ->Args({1000000, 1})
    ->MinTime(0.5)  // 0.3 to 60 ms each: enough calls at every size
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(ComputeFixture, BM_Compute_Costing)
    ->ArgNames({"rows", "scaled"})
    ->Args({10000000, 0})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(ComputeFixture, BM_Compute_CostingScaled)
    ->ArgNames({"rows", "scaled"})
    ->Args({10000000, 1})
    ->Iterations(2)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

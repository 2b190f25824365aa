// Price ingestion: meb::read_prices over a WFP/HDX file in the current layout, held in memory, so the
// figure is the parser's (tokenizer, filters, unit and market interning), not the disk's.
#include <benchmark/benchmark.h>

#include "bench_inputs.hpp"

namespace {

using meb::bench::PriceFileSpec;

class IngestFixture : public benchmark::Fixture {
 public:
  void SetUp(const benchmark::State& state) override {
    PriceFileSpec spec;
    spec.rows = static_cast<std::size_t>(state.range(0));
    text_ = &cache().get(spec.rows, [&] { return meb::bench::generate_wfp_prices(spec); });
    filter_ = meb::make_price_filter(meb::bench::methodology(), false);
  }
  void TearDown(const benchmark::State&) override { filter_ = {}; }

 protected:
  static meb::bench::LastInput<std::string>& cache() {
    static meb::bench::LastInput<std::string> last;
    return last;
  }
  const std::string* text_ = nullptr;
  meb::PriceFilter filter_;
};

BENCHMARK_DEFINE_F(IngestFixture, BM_Ingest_ReadPrices)(benchmark::State& state) {
  std::size_t kept = 0;
  for (auto _ : state) {
    meb::PriceTable table;
    meb::read_prices("generated.csv", *text_, filter_, table);
    kept = table.quotes.size();
    benchmark::DoNotOptimize(table.quotes.data());
    benchmark::ClobberMemory();
  }
  const auto rows = static_cast<std::int64_t>(state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(text_->size()));
  state.SetItemsProcessed(state.iterations() * rows);  // items/s = price rows per second
  state.counters["quotes_kept"] = static_cast<double>(kept);
  state.counters["MB"] = static_cast<double>(text_->size()) / 1e6;
}
// Explicit iteration counts above 10^5 rows: --benchmark_min_time=0.05 would give a single iteration there,
// the first, which pays for the page faults of a fresh table. 10^7 rows is ~1.3 GB of text.
BENCHMARK_REGISTER_F(IngestFixture, BM_Ingest_ReadPrices)
    ->RangeMultiplier(10)
    ->Range(10000, 100000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(IngestFixture, BM_Ingest_ReadPrices)->Arg(1000000)->Iterations(5)->Unit(benchmark::kMillisecond);
BENCHMARK_REGISTER_F(IngestFixture, BM_Ingest_ReadPrices)->Arg(10000000)->Iterations(2)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

// Price ingestion over a WFP/HDX file in the current layout:
// - BM_Ingest_ReadPrices: meb::read_prices on the text held in memory (two cores from 8 MB), wall clock;
// - BM_Ingest_ReadPricesOneCore: the same parse on one core (issue 7's target: 300 MB/s on one core);
// - BM_Ingest_ReadPriceFile: meb::read_price_file_hashed on the file written to /tmp (in the page cache),
//   as the CLI reads it: mapped, parsed on two cores, hashed (SHA-256) on a third thread.
// The first two are the parser's figure (tokenizer, filters, unit and market interning), not the disk's.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>

#include "bench_inputs.hpp"
#include "meb/prices.hpp"

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

/// Runs `read` (which fills a table) once per iteration and reports bytes, rows and quotes kept.
template <typename Read>
void run_ingest(benchmark::State& state, std::size_t bytes, const Read& read) {
  std::size_t kept = 0;
  for (auto _ : state) {
    meb::PriceTable table;
    read(table);
    kept = table.quotes.size();
    benchmark::DoNotOptimize(table.quotes.data());
    benchmark::ClobberMemory();
  }
  const auto rows = static_cast<std::int64_t>(state.range(0));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(state.iterations() * rows);  // items/s = price rows per second
  state.counters["quotes_kept"] = static_cast<double>(kept);
  state.counters["MB"] = static_cast<double>(bytes) / 1e6;
}

BENCHMARK_DEFINE_F(IngestFixture, BM_Ingest_ReadPrices)(benchmark::State& state) {
  run_ingest(state, text_->size(), [&](meb::PriceTable& table) { meb::read_prices("generated.csv", *text_, filter_, table); });
}

BENCHMARK_DEFINE_F(IngestFixture, BM_Ingest_ReadPricesOneCore)(benchmark::State& state) {
  run_ingest(state, text_->size(), [&](meb::PriceTable& table) {
    meb::detail::read_prices_in_parts("generated.csv", *text_, filter_, table, 1);
  });
}

BENCHMARK_DEFINE_F(IngestFixture, BM_Ingest_ReadPriceFile)(benchmark::State& state) {
  const std::string path = "/tmp/meb-bench-ingest-" + std::to_string(state.range(0)) + ".csv";
  std::ofstream(path, std::ios::binary) << *text_;
  std::string digest;
  run_ingest(state, text_->size(), [&](meb::PriceTable& table) {
    digest = meb::read_price_file_hashed(path, filter_, table).sha256;
  });
  benchmark::DoNotOptimize(digest.data());
  std::remove(path.c_str());
}

// Wall clock (UseRealTime): the two-core reads run on threads whose CPU time the main thread's would miss.
// Explicit iteration counts above 10^5 rows: --benchmark_min_time=0.05 would give a single iteration there,
// the first, which pays for the page faults of a fresh table. 10^7 rows is ~1.3 GB of text.
#define MEB_INGEST_SIZES(name)                                                                                   \
  BENCHMARK_REGISTER_F(IngestFixture, name)->RangeMultiplier(10)->Range(10000, 100000)->UseRealTime()->Unit(     \
      benchmark::kMillisecond);                                                                                  \
  BENCHMARK_REGISTER_F(IngestFixture, name)->Arg(1000000)->Iterations(5)->UseRealTime()->Unit(                   \
      benchmark::kMillisecond);                                                                                  \
  BENCHMARK_REGISTER_F(IngestFixture, name)->Arg(10000000)->Iterations(2)->UseRealTime()->Unit(benchmark::kMillisecond)
MEB_INGEST_SIZES(BM_Ingest_ReadPrices);
MEB_INGEST_SIZES(BM_Ingest_ReadPricesOneCore);
MEB_INGEST_SIZES(BM_Ingest_ReadPriceFile);

}  // namespace

BENCHMARK_MAIN();

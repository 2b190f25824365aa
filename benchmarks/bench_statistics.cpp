// The combine() kernel over the small arrays aggregation feeds it: the quotes of one market-month, the
// markets of one admin2, the admin2 areas of one admin1 (a handful to a few dozen values).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <vector>

#include "meb/statistics.hpp"

namespace {

class CombineFixture : public benchmark::Fixture {
 public:
  static constexpr std::size_t kArrays = 4096;

  void SetUp(const benchmark::State& state) override {
    size_ = static_cast<std::size_t>(state.range(0));
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> price(150.0, 450.0);
    values_.resize(kArrays * size_);
    for (double& v : values_) v = price(rng);
    scratch_.resize(size_);
  }

 protected:
  void run(benchmark::State& state, meb::Statistic statistic) {
    // combine() reorders its input, so each call gets a fresh copy of an unsorted array; the copy of a few
    // doubles is part of the timed work, as it is in aggregation (values are gathered into a scratch vector).
    std::size_t next = 0;
    for (auto _ : state) {
      const double* source = values_.data() + next * size_;
      std::copy(source, source + size_, scratch_.begin());
      benchmark::DoNotOptimize(meb::combine(statistic, scratch_.data(), size_));
      next = next + 1 == kArrays ? 0 : next + 1;
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(size_));  // values per second
  }

  std::size_t size_ = 0;
  std::vector<double> values_;
  std::vector<double> scratch_;
};

BENCHMARK_DEFINE_F(CombineFixture, BM_Statistics_Median)(benchmark::State& state) {
  run(state, meb::Statistic::median);
}
BENCHMARK_REGISTER_F(CombineFixture, BM_Statistics_Median)->RangeMultiplier(2)->Range(1, 64);

BENCHMARK_DEFINE_F(CombineFixture, BM_Statistics_Mean)(benchmark::State& state) { run(state, meb::Statistic::mean); }
BENCHMARK_REGISTER_F(CombineFixture, BM_Statistics_Mean)->RangeMultiplier(2)->Range(1, 64);

}  // namespace

BENCHMARK_MAIN();

#!/usr/bin/env bash
# Usage: scripts/bench.sh [--out DIR] [--filter REGEX] [--build-dir DIR]
# Builds the engine and the Google Benchmark executables in Release (build/bench by default), then runs
# bench_ingest, bench_compute, bench_statistics, bench_bootstrap and bench_scenario. With --out, each also writes DIR/bench_<area>.json.
# --filter is passed to every executable as --benchmark_filter (e.g. '/10000$|rows:10000/' for a quick run).
# The full run (10^4 to 10^7 price rows) takes a few minutes and peaks at about 3 GiB of memory;
# docs/performance.md records the figures and the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

out=""
filter=""
build_dir=build/bench
usage="Usage: scripts/bench.sh [--out DIR] [--filter REGEX] [--build-dir DIR]"
while [ "$#" -gt 0 ]; do
  case "$1" in
    --out|--filter|--build-dir)
      [ "$#" -ge 2 ] || { echo "bench.sh: $1 needs a value ($usage)" >&2; exit 2; }
      case "$1" in
        --out) out=$2 ;;
        --filter) filter=$2 ;;
        --build-dir) build_dir=$2 ;;
      esac
      shift 2
      ;;
    -h|--help)
      echo "$usage"
      exit 0
      ;;
    *)
      echo "bench.sh: unknown argument '$1' ($usage)" >&2
      exit 2
      ;;
  esac
done

bash scripts/setup.sh
cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DMEB_BUILD_TESTS=OFF -DMEB_BUILD_BENCHMARKS=ON
cmake --build "$build_dir" -j2 --target bench_ingest bench_compute bench_statistics bench_bootstrap bench_scenario

[ -z "$out" ] || mkdir -p "$out"
for area in ingest compute statistics bootstrap scenario; do
  args=(--benchmark_min_time=0.05)  # Google Benchmark 1.7: seconds, without an 's' suffix
  [ -z "$filter" ] || args+=("--benchmark_filter=$filter")
  [ -z "$out" ] || args+=("--benchmark_out=$out/bench_$area.json" --benchmark_out_format=json)
  echo "== bench_$area"
  "$build_dir/benchmarks/bench_$area" "${args[@]}"
done

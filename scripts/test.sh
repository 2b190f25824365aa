#!/usr/bin/env bash
# Usage: scripts/test.sh [--sanitize | --tsan]
# Builds and runs every ctest entry (C++ and Python) with the release preset, with the
# address/undefined sanitizer preset "asan" when --sanitize is given, or with the thread sanitizer preset
# "tsan" when --tsan is given.
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
while [ "$#" -gt 0 ]; do
  case "$1" in
    --sanitize)
      preset=asan
      shift
      ;;
    --tsan)
      preset=tsan
      shift
      ;;
    -h|--help)
      echo "Usage: scripts/test.sh [--sanitize | --tsan]"
      exit 0
      ;;
    *)
      echo "test.sh: unknown argument '$1' (usage: scripts/test.sh [--sanitize | --tsan])" >&2
      exit 2
      ;;
  esac
done

if [ "$preset" = asan ]; then
  # Any sanitizer report must fail the run, not just print.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
if [ "$preset" = tsan ]; then
  export TSAN_OPTIONS=halt_on_error=1
fi

bash scripts/build.sh --preset "$preset"
ctest --preset "$preset" --output-on-failure --no-tests=error

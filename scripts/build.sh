#!/usr/bin/env bash
# Usage: scripts/build.sh [--preset NAME]   (NAME defaults to "release"; see CMakePresets.json)
set -euo pipefail
cd "$(dirname "$0")/.."

preset=release
while [ "$#" -gt 0 ]; do
  case "$1" in
    --preset)
      [ "$#" -ge 2 ] || { echo "build.sh: --preset needs a NAME" >&2; exit 2; }
      preset=$2
      shift 2
      ;;
    --preset=*)
      preset=${1#--preset=}
      shift
      ;;
    -h|--help)
      echo "Usage: scripts/build.sh [--preset NAME]"
      exit 0
      ;;
    *)
      echo "build.sh: unknown argument '$1' (usage: scripts/build.sh [--preset NAME])" >&2
      exit 2
      ;;
  esac
done

bash scripts/setup.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -j2

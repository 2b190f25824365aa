#!/usr/bin/env bash
# The main job: the monthly batch over the shipped data (scenarios/batch.yaml), back-filled from 2017-01
# to 2020-07, with the history in out/history.sqlite and each month's outputs and report in out/<month>/.
# Running it again changes nothing and says so (the history store already holds every month).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh --preset release

meb=build/release/engine/meb
"$meb" batch --config scenarios/batch.yaml --from 2017-01 --to 2020-07 --out out --history out/history.sqlite

echo
echo "History store: $(pwd)/out/history.sqlite"
echo "Latest month:  $(pwd)/out/2020-07/report.md"
echo
echo "Burkina Faso, Centre region, normative MEB, the last 12 months of the history:"
"$meb" history --db out/history.sqlite --methodology sahel-normative-2019 --area Centre --from 2019-08 --to 2020-07

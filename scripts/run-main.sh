#!/usr/bin/env bash
# Computes the Sahel normative MEB and transfer values for Burkina Faso, 2017-01 to 2020-07.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh --preset release

out=out/sahel-normative
build/release/engine/meb compute \
  --prices data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv \
  --methodology scenarios/sahel-normative.yaml \
  --from 2017-01 --to 2020-07 \
  --out "$out"

echo
echo "Results in $(pwd)/$out:"
for f in transfer_values.csv basket_costs.csv manifest.json; do
  echo "  $out/$f"
done
echo
echo "First lines of $out/transfer_values.csv:"
head -n 10 "$out/transfer_values.csv"

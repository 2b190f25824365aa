"""Independent check of the monthly batch's change decomposition on real data (WFP Burkina Faso prices).

`meb batch` explains each area's change of transfer value from the previous month with the symmetric
(Shapley) split (docs/history.md). This test recomputes that split with pandas from nothing but the
batch's own basket_costs.csv and transfer_values.csv of two consecutive months, and compares every line
and every part with changes.csv and change_lines.csv:

  line price effect = q̄·Δp × s,  line quantity effect = p̄·Δq × s,  s = (g(C₁) − g(C₀)) / ΔC
  (g the transfer rule before rounding: clamp(coverage × (C − deduct), floor, cap); the rule is the same in
  both months, so the rule effect is 0), rounding effect = (T₁ − U₁) − (T₀ − U₀),
  a line is "filled" when its price came from a parent area, was carried forward or is missing, or was priced
  from a substitute, in either month (stated amounts count as observed).

Run:  MEB_BINARY=build/release/engine/meb /usr/bin/python3 -m pytest tests/python/test_batch_decomposition.py -q
"""

from __future__ import annotations

import math
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("MEB_SOURCE_DIR") or HERE.parents[1]).resolve()
BINARY = os.environ.get("MEB_BINARY")
PRICES = ROOT / "data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv"

# The two Sahel methodologies: one on the MEB with a plain rule, one on the SMEB with a deduction, 60 %
# coverage, a cap and rounding down (scenarios/sahel-capped-smeb.yaml).
RULES = {
    "sahel-normative-2019": dict(file="sahel-normative.yaml", basis="meb", deduct=0.0, coverage=1.0,
                                 floor=0.0, cap=math.inf),
    "sahel-capped-smeb-2019": dict(file="sahel-capped-smeb.yaml", basis="smeb", deduct=10000.0, coverage=0.6,
                                   floor=0.0, cap=100000.0),
}
MONTHS = ["2019-05", "2019-06", "2019-07"]

pytestmark = pytest.mark.skipif(not BINARY, reason="MEB_BINARY is not set")


def rule_value(rule: dict, cost: float) -> float:
    """The transfer value before rounding (primer section 4)."""
    return min(max(rule["coverage"] * (cost - rule["deduct"]), rule["floor"]), rule["cap"])


@pytest.fixture(scope="module")
def batch_out(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("batch")
    config = work / "batch.yaml"
    entries = "\n".join(f"  - file: {ROOT / 'scenarios' / r['file']}" for r in RULES.values())
    config.write_text(f"history: {work / 'history.sqlite'}\nprices: [{PRICES}]\nmethodologies:\n{entries}\n")
    subprocess.run([BINARY, "batch", "--config", str(config), "--from", MONTHS[0], "--to", MONTHS[-1],
                    "--out", str(work / "out"), "--quiet"], check=True)
    return work / "out"


def independent_split(out: Path, methodology: str, before: str, after: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    rule = RULES[methodology]
    lines = []
    totals = []
    for month in (before, after):
        costs = pd.read_csv(out / month / methodology / "basket_costs.csv", keep_default_na=False, na_values=[""])
        if rule["basis"] == "smeb":
            costs = costs[costs["tier"] == "smeb"]
        costs = costs.assign(
            # cost = quantity × price × mark-ups, so cost / price is the quantity the split uses.
            q=lambda d: d["cost"] / d["price"],
            # Filled: not observed in this area and month. Stated amounts are not prices and count as observed.
            filled=lambda d: d["price_status"].isin(["parent", "carried_forward", "missing"])
            | ((d["price_status"] == "observed") & (d["priced_as"] != d["item"])),
            item_key=lambda d: d["item"].where(d["item"].notna(), ""),
            month_key=month)
        lines.append(costs)
        values = pd.read_csv(out / month / methodology / "transfer_values.csv")
        totals.append(values.assign(month_key=month))
    b, a = lines
    merged = a.merge(b, on=["area_level", "area", "component", "item_key"], suffixes=("_1", "_0"))
    merged["price_term"] = (merged["q_0"] + merged["q_1"]) / 2 * (merged["price_1"] - merged["price_0"])
    merged["quantity_term"] = (merged["price_0"] + merged["price_1"]) / 2 * (merged["q_1"] - merged["q_0"])
    merged["filled"] = merged["filled_0"] | merged["filled_1"]
    t0, t1 = totals
    tv = t1.merge(t0, on=["area_level", "area"], suffixes=("_1", "_0"))
    basis = rule["basis"]
    tv["C0"], tv["C1"] = tv[f"{basis}_0"], tv[f"{basis}_1"]
    tv["cost_effect"] = tv["C1"].map(lambda c: rule_value(rule, c)) - tv["C0"].map(lambda c: rule_value(rule, c))
    tv["scale"] = tv["cost_effect"] / (tv["C1"] - tv["C0"])
    tv["rounding"] = (tv["transfer_value_1"] - tv["transfer_value_unrounded_1"]) - (
        tv["transfer_value_0"] - tv["transfer_value_unrounded_0"])
    merged = merged.merge(tv[["area_level", "area", "scale"]], on=["area_level", "area"])
    merged["price_effect"] = merged["price_term"] * merged["scale"]
    merged["quantity_effect"] = merged["quantity_term"] * merged["scale"]
    return merged, tv


@pytest.mark.parametrize("methodology", sorted(RULES))
@pytest.mark.parametrize("before,after", [("2019-05", "2019-06"), ("2019-06", "2019-07")])
def test_change_lines_match_an_independent_shapley_split(batch_out, methodology, before, after):
    expected, totals = independent_split(batch_out, methodology, before, after)
    got = pd.read_csv(batch_out / after / methodology / "change_lines.csv", keep_default_na=False, na_values=[""])
    got["item_key"] = got["item"].where(got["item"].notna(), "")
    assert (got["reference_month"] == before).all()
    joined = expected.merge(got, on=["area_level", "area", "component", "item_key"], suffixes=("_expected", ""))
    # Every area with a value in both months, every basis line of it.
    assert len(joined) == len(got) == len(expected.dropna(subset=["price_effect"]))
    assert len(joined) >= 70  # 13 or 14 areas × 5 to 8 basis lines
    for row in joined.itertuples():
        where = f"{row.area} {row.item_key} {before}->{after}"
        assert row.price_effect == pytest.approx(row.price_effect_expected, abs=1e-6), where
        assert row.quantity_effect == pytest.approx(0.0, abs=1e-9), where  # the same basket in both months
        assert bool(row.filled) == bool(row.filled_expected), where


@pytest.mark.parametrize("methodology", sorted(RULES))
def test_changes_parts_match_and_sum_to_the_change(batch_out, methodology):
    before, after = "2019-06", "2019-07"
    expected, totals = independent_split(batch_out, methodology, before, after)
    changes = pd.read_csv(batch_out / after / methodology / "changes.csv")
    assert len(changes) == len(totals.dropna(subset=["transfer_value_0", "transfer_value_1"]))
    by_area = expected.groupby(["area_level", "area"])
    for row in changes.itertuples():
        lines = by_area.get_group((row.area_level, row.area))
        observed = lines.loc[~lines["filled"], "price_effect"].sum()
        filled = lines.loc[lines["filled"], "price_effect"].sum()
        total = totals[(totals["area_level"] == row.area_level) & (totals["area"] == row.area)].iloc[0]
        where = f"{methodology} {row.area}"
        assert row.before == total["transfer_value_0"] and row.after == total["transfer_value_1"], where
        assert row.price_observed == pytest.approx(observed, abs=1e-6), where
        assert row.price_filled == pytest.approx(filled, abs=1e-6), where
        assert row.quantity == pytest.approx(0.0, abs=1e-9) and row.rule == pytest.approx(0.0, abs=1e-9), where
        assert row.rounding == pytest.approx(total["rounding"], abs=1e-6), where
        parts = row.price_observed + row.price_filled + row.quantity + row.rule + row.rounding
        assert parts == pytest.approx(row.change, abs=1e-6), where


def test_the_real_data_exercises_filled_prices(batch_out):
    """The split of observed and filled price effects is checked above only if some lines were filled."""
    filled = pd.concat(pd.read_csv(batch_out / month / m / "change_lines.csv")
                       for month in MONTHS[1:] for m in RULES)
    assert ((filled["filled"]) & (filled["price_effect"].abs() > 0)).sum() >= 1

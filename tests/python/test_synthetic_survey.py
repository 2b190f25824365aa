"""Checks of the SYNTHETIC Mali survey (data/synthetic/synthetic_survey_mli.csv).

1. Reproducibility: the generator, run with its default seed into a temporary directory, writes the
   shipped CSV and README byte for byte.
2. Calibration and consistency, recomputed here from the shipped CSV with the csv module only (no
   code shared with the generator): weighted food share, household size, composition, weights,
   spending values, areas, FCS range.

Run:  /usr/bin/python3 -m pytest tests/python/test_synthetic_survey.py -q
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("MEB_SOURCE_DIR") or HERE.parents[1]).resolve()
SCRIPT = ROOT / "scripts" / "generate_synthetic_survey.py"
SHIPPED = ROOT / "data" / "synthetic" / "synthetic_survey_mli.csv"
SHIPPED_README = ROOT / "data" / "synthetic" / "README.md"
MARKETS = ROOT / "data" / "mli" / "wfp_markets_mli.csv"

REGIONS = {"Bamako", "Kayes", "Koulikoro", "Sikasso", "Segou", "Mopti", "Tombouctou", "Gao", "Kidal"}
# Months per recall period, written out from the primer (x 30/7, x 1, / 6, / 12).
TO_MONTH = {"7d": 30 / 7, "30d": 1.0, "6m": 1 / 6, "12m": 1 / 12}
FOOD = ["exp_cereals_7d", "exp_pulses_7d", "exp_oil_7d", "exp_other_food_7d"]
NON_FOOD = ["exp_water_30d", "exp_hygiene_30d", "exp_energy_30d", "exp_transport_30d",
            "exp_communication_30d", "exp_rent_30d", "exp_health_6m", "exp_education_6m",
            "exp_clothing_6m", "exp_household_items_12m", "exp_ceremonies_12m", "exp_tobacco_30d"]
EXPENDITURE = FOOD + NON_FOOD
HEADER = (["hh_id", "weight", "admin1", "admin2", "milieu", "hh_size", "n_adults", "n_children", "fcs"]
          + EXPENDITURE)


def monthly(row, column):
    return float(row[column]) * TO_MONTH[column.rsplit("_", 1)[1]]


@pytest.fixture(scope="module")
def rows():
    with open(SHIPPED, encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames == HEADER
        return list(reader)


def food_share(rows):
    food = sum(float(r["weight"]) * sum(monthly(r, c) for c in FOOD) for r in rows)
    total = sum(float(r["weight"]) * sum(monthly(r, c) for c in EXPENDITURE) for r in rows)
    return food / total


def test_monthly_conversion_by_hand():
    row = {"exp_cereals_7d": "700", "exp_health_6m": "6000", "exp_household_items_12m": "1200",
           "exp_water_30d": "250"}
    assert monthly(row, "exp_cereals_7d") == pytest.approx(3000.0)  # 700 x 30 / 7
    assert monthly(row, "exp_health_6m") == pytest.approx(1000.0)  # 6000 / 6
    assert monthly(row, "exp_household_items_12m") == pytest.approx(100.0)  # 1200 / 12
    assert monthly(row, "exp_water_30d") == pytest.approx(250.0)


def test_food_share_by_hand():
    # Two households. A (w 1): food 7d 700 -> 3000/month, rent 30d 1000 -> total 4000.
    # B (w 3): food 7d 1400 -> 6000/month, health 6m 24000 -> 4000/month -> total 10000.
    # share = (1 x 3000 + 3 x 6000) / (1 x 4000 + 3 x 10000) = 21000 / 34000 = 0.617647...
    zero = {c: "0" for c in EXPENDITURE}
    a = dict(zero, weight="1", exp_cereals_7d="700", exp_rent_30d="1000")
    b = dict(zero, weight="3", exp_other_food_7d="1400", exp_health_6m="24000")
    assert food_share([a, b]) == pytest.approx(21000 / 34000)


def test_regenerated_with_default_seed_is_byte_identical(tmp_path):
    out = tmp_path / "synthetic_survey_mli.csv"
    result = subprocess.run([sys.executable, str(SCRIPT), "--out", str(out)],
                            capture_output=True, text=True, cwd=tmp_path, check=False)
    assert result.returncode == 0, result.stderr
    assert "SYNTHETIC DATA" in result.stdout
    assert out.read_bytes() == SHIPPED.read_bytes()
    assert (tmp_path / "README.md").read_bytes() == SHIPPED_README.read_bytes()


def test_other_seed_gives_other_data_same_header(tmp_path):
    out = tmp_path / "s.csv"
    subprocess.run([sys.executable, str(SCRIPT), "--seed", "7", "--households", "50", "--out", str(out)],
                   capture_output=True, text=True, check=True)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(HEADER)
    assert len(lines) == 51
    assert lines[1:] != SHIPPED.read_text(encoding="utf-8").splitlines()[1:51]


def test_labelled_synthetic(rows):
    assert "synthetic" in SHIPPED.name
    text = SHIPPED_README.read_text(encoding="utf-8")
    assert "SYNTHETIC DATA — generated, not surveyed; do not use for analysis or programme decisions" in text
    assert "SYNTHETIC" in (SHIPPED.parent / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "synthetic/synthetic_survey_mli.csv" in (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert all(r["hh_id"].startswith("SYN-") for r in rows)
    assert len({r["hh_id"] for r in rows}) == len(rows) == 1200


def test_food_share_national_rural_urban(rows):
    national = food_share(rows)
    rural = food_share([r for r in rows if r["milieu"] == "rural"])
    urban = food_share([r for r in rows if r["milieu"] == "urban"])
    assert 0.50 <= national <= 0.56, national  # INSTAT 53.2%
    assert rural > urban, (rural, urban)
    assert 0.54 <= rural <= 0.60, rural  # INSTAT 57%
    assert 0.44 <= urban <= 0.50, urban  # INSTAT 47%


def test_household_size_and_composition(rows):
    sizes = [int(r["hh_size"]) for r in rows]
    weights = [float(r["weight"]) for r in rows]
    assert 5.5 <= sum(sizes) / len(sizes) <= 6.5
    assert 5.5 <= sum(w * s for w, s in zip(weights, sizes)) / sum(weights) <= 6.5
    assert min(sizes) >= 1 and max(sizes) <= 20
    assert max(sizes) >= 12  # a realistic spread, not everyone at 6
    for r in rows:
        adults, children = int(r["n_adults"]), int(r["n_children"])
        assert adults + children == int(r["hh_size"]), r["hh_id"]
        assert adults >= 1 and children >= 0, r["hh_id"]


def test_weights_positive_and_varying_by_stratum(rows):
    weights = [float(r["weight"]) for r in rows]
    assert min(weights) > 0
    by_stratum = {}
    for r in rows:
        by_stratum.setdefault((r["admin1"], r["milieu"]), []).append(float(r["weight"]))
    means = [sum(v) / len(v) for v in by_stratum.values()]
    assert max(means) > 2 * min(means)


def test_spending_non_negative_rounded_with_zeros(rows):
    for r in rows:
        for c in EXPENDITURE:
            value = int(r[c])
            assert value >= 0 and value % 25 == 0, (r["hh_id"], c, r[c])
    rural = [r for r in rows if r["milieu"] == "rural"]
    rural_no_rent = sum(r["exp_rent_30d"] == "0" for r in rural) / len(rural)
    assert rural_no_rent > 0.85
    assert any(r["exp_tobacco_30d"] == "0" for r in rows)


def test_areas_are_wfp_cercles_of_their_region(rows):
    with open(MARKETS, encoding="utf-8", newline="") as f:
        cercles = {(m["admin1"], m["admin2"]) for m in csv.DictReader(f) if not m["market_id"].startswith("#")}
    assert {r["admin1"] for r in rows} == REGIONS
    for r in rows:
        assert (r["admin1"], r["admin2"]) in cercles, (r["hh_id"], r["admin1"], r["admin2"])
        assert r["milieu"] in ("urban", "rural"), r["hh_id"]
    assert all(r["milieu"] == "urban" for r in rows if r["admin1"] == "Bamako")


def weighted_median(pairs):
    pairs = sorted(pairs)
    half = sum(w for _, w in pairs) / 2
    acc = 0.0
    for value, w in pairs:
        acc += w
        if acc >= half:
            return value
    raise AssertionError("empty")


def test_per_capita_spending_spread_and_bamako_richest(rows):
    def pc(r):
        return sum(monthly(r, c) for c in EXPENDITURE) / int(r["hh_size"])
    medians = {region: weighted_median([(pc(r), float(r["weight"])) for r in rows if r["admin1"] == region])
               for region in REGIONS}
    assert max(medians, key=medians.get) == "Bamako", medians
    values = sorted(pc(r) for r in rows)
    d1, d9 = values[len(values) // 10], values[9 * len(values) // 10]
    assert 3 <= d9 / d1 <= 10, (d1, d9)


def test_fcs_range_and_correlated_with_spending(rows):
    fcs = [float(r["fcs"]) for r in rows]
    assert all(0 <= f <= 112 for f in fcs)
    # Households above the median per-capita spending have a higher mean FCS than those below.
    pc = [sum(monthly(r, c) for c in EXPENDITURE) / int(r["hh_size"]) for r in rows]
    median = sorted(pc)[len(pc) // 2]
    high = [f for f, p in zip(fcs, pc) if p >= median]
    low = [f for f, p in zip(fcs, pc) if p < median]
    assert sum(high) / len(high) > sum(low) / len(low) + 5
    acceptable = sum(float(r["weight"]) for r in rows if float(r["fcs"]) >= 42) / sum(
        float(r["weight"]) for r in rows)
    assert 0.3 <= acceptable <= 0.9

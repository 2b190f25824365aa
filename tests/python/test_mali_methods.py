"""Real-data check of the four Mali methodologies (normative, expenditure-based, food share, hybrid) on the
OMA prices reported in the press (DEMONSTRATION, data/mli/PROVENANCE_oma.md) and the SYNTHETIC survey
(data/synthetic/synthetic_survey_mli.csv), 2019-08, against the independent re-implementation in
independent_mali_methods.py and against numbers worked by hand.

Run:  MEB_BINARY=build/engine/meb /usr/bin/python3 -m pytest tests/python/test_mali_methods.py -q

Tests that need the engine are skipped when MEB_BINARY is unset; the hand checks of the Python
reference always run.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import independent_mali_methods as im  # noqa: E402

ROOT = Path(os.environ.get("MEB_SOURCE_DIR") or HERE.parents[1]).resolve()
PRICES = ROOT / "data/mli/oma_retail_prices_reported.csv"
SURVEY = ROOT / "data/synthetic/synthetic_survey_mli.csv"
SCENARIOS = {
    "mali-normative": "mali-normative.yaml",
    "mali-expenditure": "mali-expenditure.yaml",
    "mali-food-share": "mali-food-share.yaml",
    "mali-hybrid": "mali-hybrid.yaml",
}
MONTH = "2019-08"
RTOL = 1e-9

# Hand-worked (from `grep ^2019-08 data/mli/oma_retail_prices_reported.csv`, all on 2019-08-08, KG):
#            Millet Sorghum Maize Rice(imported) Cowpeas
#   Bamako     200    200    175      375         400
#   Kayes      250    250    200      350         600
#   Koulikoro   -     175    175      375         400
#   Sikasso    200    200    125      375         450
#   Segou      150    150    150       -           -
# national = median of the regions: 200, 200, 175, 375, 425 -> with the scenarios' food basket (per
# person-day Millet 0.23, Sorghum 0.1, Maize 0.1, Rice (imported) 0.1, Cowpeas 0.07 KG):
# 0.23*200 + 0.1*200 + 0.1*175 + 0.1*375 + 0.07*425 = 150.75; x 30 x 6 = 27,135.
FOOD_BASKET = [("Millet", 0.23), ("Sorghum", 0.1), ("Maize", 0.1), ("Rice (imported)", 0.1), ("Cowpeas", 0.07)]
NATIONAL_FOOD = 27135.0
# Normative MEB = food + water 3000 + hygiene 2500 + energy 7500 + health 3000 + education 2500
#                 + transport 3000 + communication 1500 + 30000/12 = 27135 + 25500 = 52635.
NATIONAL_NORMATIVE_MEB = 52635.0


def binary() -> str:
    path = os.environ.get("MEB_BINARY")
    if not path:
        pytest.skip("MEB_BINARY is not set")
    return path


# ------------------------------------------------------------------------- the reference, by hand
def test_weighted_quantile_hand_cases():
    # Ten equal weights: Q(0.2) = (x2 + x3)/2, Q(0.5) = (x5 + x6)/2 (weighted.hpp).
    xs = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert im.weighted_quantile(xs, [1] * 10, 0.2) == 25
    assert im.weighted_quantile(xs, [1] * 10, 0.5) == 55
    # Weights 1, 2, 1: W = 4, half 2: C = 1, 3 > 2 -> 20.
    assert im.weighted_quantile([10, 20, 30], [1, 2, 1], 0.5) == 20
    # One household: its value.
    assert im.weighted_quantile([7], [3], 0.5) == 7


def test_reference_national_food_cost_by_hand():
    a1, nat = im.price_levels()
    assert [nat[(c, MONTH)] for c in ["millet", "sorghum", "maize", "rice (imported)", "cowpeas"]] == [
        200, 200, 175, 375, 425]
    method = im.load("mali-normative.yaml")
    for name in ["mali-normative.yaml", "mali-food-share.yaml", "mali-hybrid.yaml"]:
        food = [(i["item"], i["quantity"]) for i in im.load(name)["basket"][0]["items"]]
        assert food == FOOD_BASKET, f"{name}: the hand values assume this food basket; work them again"
    components = im.normative_components(method, None, MONTH, a1, nat)
    assert components["food"] == pytest.approx(NATIONAL_FOOD, rel=1e-12)
    assert sum(components.values()) == pytest.approx(NATIONAL_NORMATIVE_MEB, rel=1e-12)
    # Segou: Rice (imported) and Cowpeas from the national value (fill parent):
    # 0.23*150 + 0.1*150 + 0.1*150 + 37.5 + 29.75 = 131.75 -> x 180 = 23,715.
    assert im.normative_components(method, "Ségou", MONTH, a1, nat)["food"] == pytest.approx(23715.0)


def test_reference_survey_conversion_by_hand():
    # SYN-00001 (first row): cereals 9200 + pulses 975 + oil 7325 + other food 19750 over 7 days
    # = 37250 x 30/7 = 159642.857; water 23175 + hygiene 27075 + energy 34725 + transport 2975 +
    # communication 72325 (30 days) = 160275; health 91450 + education 10075 + clothing 163750 over
    # 6 months = 265275 / 6 = 44212.5; household items 34875 / 12 = 2906.25. Rent, ceremonies and
    # tobacco are outside the MEB. Total 367036.607; 5 persons -> 73407.321 per person.
    survey = im.survey_table(im.load("mali-expenditure.yaml"))
    first = survey.iloc[0]
    assert first["id"] == "SYN-00001"
    assert first["c_food"] == pytest.approx(37250 * 30 / 7)
    assert first["total"] == pytest.approx(37250 * 30 / 7 + 160275 + 265275 / 6 + 34875 / 12)
    assert first["per_capita"] == pytest.approx(first["total"] / 5)


# ------------------------------------------------------------------------- the engine
def run_compute(tmp_path: Path, name: str) -> pd.DataFrame:
    method = im.load(SCENARIOS[name])
    out = tmp_path / name
    command = [binary(), "compute", "--prices", str(PRICES), "--methodology", str(ROOT / "scenarios" / SCENARIOS[name]),
               "--from", MONTH, "--to", MONTH, "--out", str(out), "--quiet"]
    if "survey" in method:
        command[4:4] = ["--survey", str(SURVEY)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return pd.read_csv(out / "transfer_values.csv", dtype={"area": str}, keep_default_na=False,
                       na_values=[""])


@pytest.fixture(scope="module")
def expected():
    return im.mali_methods(MONTH)


def engine_value(table: pd.DataFrame, area: str | None, column: str) -> float:
    level = "national" if area is None else "admin1"
    rows = table[(table["area_level"] == level) & (table["month"] == MONTH)]
    if area is not None:
        rows = rows[rows["area"] == area]
    assert len(rows) == 1, (area, column)
    return float(rows.iloc[0][column])


def same(x: float, y: float) -> bool:
    return (math.isnan(x) and math.isnan(y)) or math.isclose(x, y, rel_tol=RTOL, abs_tol=1e-6)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_engine_matches_reference_every_area(tmp_path, expected, name):
    table = run_compute(tmp_path, name)
    values = expected[name]
    # Same areas: the admin1 regions of the price file and national.
    assert sorted(table[table["area_level"] == "admin1"]["area"]) == sorted(a for a in values if a is not None)
    for area, (smeb, meb) in values.items():
        assert same(engine_value(table, area, "smeb"), smeb), (name, area, "smeb", engine_value(table, area, "smeb"), smeb)
        assert same(engine_value(table, area, "meb"), meb), (name, area, "meb", engine_value(table, area, "meb"), meb)


def test_expenditure_national_is_six_times_the_weighted_median(tmp_path):
    # National expenditure-based MEB = 6 x weighted median per-capita MEB spending of the households in
    # the 3rd-5th deciles (of all households) with fcs >= 42.
    method = im.load("mali-expenditure.yaml")
    survey = im.survey_table(method)
    q20 = im.weighted_quantile(survey["per_capita"], survey["weight"], 0.2)
    q50 = im.weighted_quantile(survey["per_capita"], survey["weight"], 0.5)
    group = survey[(survey["per_capita"] >= q20) & (survey["per_capita"] <= q50) & (survey["fcs"] >= 42)]
    assert len(group) > 100
    median = im.weighted_quantile(group["per_capita"], group["weight"], 0.5)
    table = run_compute(tmp_path, "mali-expenditure")
    assert engine_value(table, None, "meb") == pytest.approx(6 * median, rel=RTOL)
    # Rounded to the nearest 5,000 for the transfer value.
    assert engine_value(table, None, "transfer_value") == 5000 * math.floor(6 * median / 5000 + 0.5)


def test_food_share_national_is_normative_food_over_0532(tmp_path):
    table = run_compute(tmp_path, "mali-food-share")
    assert engine_value(table, None, "meb") == pytest.approx(NATIONAL_FOOD / 0.532, rel=RTOL)
    assert engine_value(table, None, "smeb") == pytest.approx(NATIONAL_FOOD, rel=RTOL)
    normative = run_compute(tmp_path, "mali-normative")
    assert engine_value(normative, None, "meb") == pytest.approx(NATIONAL_NORMATIVE_MEB, rel=RTOL)


def test_compare_four_methods(tmp_path, expected):
    out = tmp_path / "compare"
    command = [binary(), "compare", "--prices", str(PRICES), "--survey", str(SURVEY), "--from", MONTH, "--to", MONTH,
               "--reference", "mali-normative", "--out", str(out), "--quiet"]
    for file in SCENARIOS.values():
        command += ["--methodology", str(ROOT / "scenarios" / file)]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(out / "comparison.csv", dtype={"area": str, "notes": str}, keep_default_na=False,
                        na_values=[""])
    # 8 regions + national, 4 methods: every one has its row.
    assert len(table) == 9 * 4
    for name, values in expected.items():
        for area, (_, meb) in values.items():
            level = "national" if area is None else "admin1"
            row = table[(table["methodology"] == name) & (table["area_level"] == level)
                        & (table["area"] == (area or "national"))]
            assert len(row) == 1, (name, area)
            row = row.iloc[0]
            assert same(float(row["meb"]), meb), (name, area, row["meb"], meb)
            reference = expected["mali-normative"][area][1]
            if math.isnan(meb):
                assert isinstance(row["notes"], str) and row["notes"], (name, area)
            else:
                assert same(float(row["meb_difference"]), meb - reference), (name, area)
                assert float(row["meb_difference_percent"]) == pytest.approx(100 * (meb - reference) / reference,
                                                                             abs=1e-6)
    summary = (out / "summary.md").read_text(encoding="utf-8")
    assert "Spearman" in summary and "mali-hybrid" in summary

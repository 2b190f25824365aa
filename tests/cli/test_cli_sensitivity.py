"""`meb sensitivity`: elasticities.csv, parameters.csv, tornado.csv and manifest.json (docs/outputs.md).

The small fixture (tests/data/bad/small.yaml on prices_ok.csv, worked in tests/data/bad/README.md): household
of 5 over 30 days, Millet 0.2 KG and Cowpeas 0.05 KG per person per day (30 KG and 7.5 KG a month), water
1,000 a month, transfer = MEB rounded to 500 (nearest).
  Centre:      Millet 30 x 200 = 6,000, Cowpeas 7.5 x 400 = 3,000, water 1,000 -> MEB 10,000, TV 10,000
  Centre-Nord: Millet 30 x 250 = 7,500, Cowpeas 7.5 x 500 = 3,750, water 1,000 -> MEB 12,250, TV 12,500

Run with /usr/bin/python3 -m pytest tests/cli. The binary comes from MEB_BINARY and the repository root
from MEB_SOURCE_DIR (ctest sets both); without them every test is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")

OUTPUTS = {"elasticities.csv", "parameters.csv", "tornado.csv", "manifest.json"}


def source(*parts: str) -> str:
    return str(Path(SOURCE, *parts))


def meb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120)


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


SMALL = source("tests", "data", "bad", "small.yaml")
PRICES_OK = source("tests", "data", "bad", "prices_ok.csv")
SAHEL = source("scenarios", "sahel-normative.yaml")
BFA = source("data", "bfa", "wfp_food_prices_bfa_hdx_2020-08.csv")


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    out = tmp_path_factory.mktemp("sensitivity") / "out"
    result = meb("sensitivity", "--prices", PRICES_OK, "--methodology", SMALL, "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def test_writes_the_four_files_and_the_manifest(small):
    assert {p.name for p in small.iterdir()} == OUTPUTS
    manifest = json.loads((small / "manifest.json").read_text())
    assert manifest["methodology"]["id"] == "cli-small"
    assert manifest["methodology"]["version"] == "3"
    inputs = {i["role"]: i for i in manifest["inputs"]}
    assert inputs["methodology"]["sha256"] == sha256(SMALL)
    assert inputs["prices"]["sha256"] == sha256(PRICES_OK)
    # 2 areas x 1 month: 3 lines, 7 parameter changes (household, coverage, 3 rounding modes and none,
    # water), 6 tornado factors (2 prices, household size, coverage, deduct, water).
    assert manifest["outputs"] == {"elasticities.csv": {"rows": 6}, "parameters.csv": {"rows": 14},
                                   "tornado.csv": {"rows": 12}}


def test_elasticities_are_the_cost_shares_by_hand(small):
    table = rows(small / "elasticities.csv")
    assert list(table[0]) == ["area_level", "area", "month", "item", "component", "cost", "cost_share",
                              "elasticity_meb", "elasticity_transfer"]
    by = {(r["area"], r["item"]): r for r in table}
    # Centre: 6,000 / 10,000 and 3,000 / 10,000; the transfer value is the MEB, so the same.
    assert float(by["Centre", "Millet"]["cost"]) == pytest.approx(6000)
    assert float(by["Centre", "Millet"]["elasticity_meb"]) == pytest.approx(0.6)
    assert float(by["Centre", "Cowpeas"]["elasticity_transfer"]) == pytest.approx(0.3)
    # Centre-Nord: 7,500 / 12,250 = 0.612245, 3,750 / 12,250 = 0.306122; water 1,000 / 12,250 = 0.081633
    # with no price elasticity (empty cells).
    assert float(by["Centre-Nord", "Millet"]["elasticity_meb"]) == pytest.approx(7500 / 12250, abs=1e-6)
    assert float(by["Centre-Nord", "Cowpeas"]["elasticity_meb"]) == pytest.approx(3750 / 12250, abs=1e-6)
    water = by["Centre-Nord", "water"]
    assert float(water["cost_share"]) == pytest.approx(1000 / 12250, abs=1e-6)
    assert water["elasticity_meb"] == "" and water["elasticity_transfer"] == ""
    assert water["component"] == "water" and water["area_level"] == "admin1" and water["month"] == "2020-01"


def test_parameters_by_hand(small):
    table = rows(small / "parameters.csv")
    assert list(table[0]) == ["area_level", "area", "month", "parameter", "change", "transfer_value",
                              "transfer_value_changed", "difference"]
    nord = {(r["parameter"], r["change"]): r for r in table if r["area"] == "Centre-Nord"}
    # +1 person: 36 x 250 + 9 x 500 + 1,000 = 14,500 = 29 steps of 500 -> +2,000.
    plus = nord["household +1 person", "size 5 -> size 6 (persons 5 -> 6)"]
    assert (plus["transfer_value"], plus["transfer_value_changed"], plus["difference"]) == ("12500", "14500", "2000")
    assert nord["coverage +10 pp", "1 -> 1"]["difference"] == "0"
    # 12,250 / 500 = 24.5: nearest 12,500, up 12,500, down 12,000, none 12,250.
    assert nord["rounding", "nearest to 500"]["transfer_value_changed"] == "12500"
    assert nord["rounding", "up to 500"]["transfer_value_changed"] == "12500"
    assert nord["rounding", "down to 500"]["difference"] == "-500"
    assert nord["rounding", "none"]["transfer_value_changed"] == "12250"
    # Water +10%: 12,350 -> 24.7 steps -> 12,500.
    assert nord["stated cost: water +10%", "1000 -> 1100"]["difference"] == "0"


def test_tornado_ranking_by_hand(small):
    table = [r for r in rows(small / "tornado.csv") if r["area"] == "Centre-Nord"]
    assert list(table[0]) == ["area_level", "area", "month", "rank", "factor", "low_setting", "high_setting",
                              "transfer_value", "low", "high", "swing", "swing_unrounded"]
    # Centre-Nord, base 12,500 (steps of 500, nearest):
    #   household size 4 / 6: 24 x 250 + 6 x 500 + 1,000 = 10,000 / 14,500: swing 4,500
    #   Millet +-750: 11,500 / 13,000: swing 1,500 (unrounded 1,500)
    #   coverage 0.9 / 1: 11,025 -> 11,000 / 12,500: swing 1,500 (unrounded 1,225)
    #   Cowpeas +-375: 11,875 -> 12,000 / 12,625 -> 12,500: swing 500 (unrounded 750)
    #   water +-100: 12,150 -> 12,000 / 12,350 -> 12,500: swing 500 (unrounded 200)
    #   deduct 0 / 0: swing 0
    assert [r["factor"] for r in table] == ["household size", "price: Millet", "coverage", "price: Cowpeas",
                                            "stated cost: water", "deduct"]
    assert [r["rank"] for r in table] == ["1", "2", "3", "4", "5", "6"]
    assert [(r["low"], r["high"], r["swing"]) for r in table] == [
        ("10000", "14500", "4500"), ("11500", "13000", "1500"), ("11000", "12500", "1500"),
        ("12000", "12500", "500"), ("12000", "12500", "500"), ("12500", "12500", "0")]
    assert table[2]["swing_unrounded"] == "1225"
    assert table[0]["low_setting"] == "size 5 -> size 4 (persons 5 -> 4)"


def test_bfa_elasticities_sum_to_one_minus_the_fixed_share(tmp_path):
    # sahel-normative: fixed costs 3,000 + 2,000 + 6,000 + 2,500 + 2,000 + 24,000/12 = 17,500 a month. The
    # MEB comes from an independent `meb compute` run on the same inputs.
    args = ["--prices", BFA, "--methodology", SAHEL, "--from", "2019-01", "--to", "2019-03"]
    result = meb("sensitivity", *args, "--out", str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    assert "meb sensitivity: sahel-normative-2019 version 1, 42 area-months" in result.stdout
    result = meb("compute", *args, "--out", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    mebs = {(r["area"], r["month"]): r for r in rows(tmp_path / "c" / "transfer_values.csv")}
    sums: dict[tuple[str, str], float] = {}
    for r in rows(tmp_path / "s" / "elasticities.csv"):
        if r["elasticity_meb"]:
            sums[r["area"], r["month"]] = sums.get((r["area"], r["month"]), 0.0) + float(r["elasticity_meb"])
    assert len(sums) == 42  # 13 regions and the national area, 3 months, all priced
    for key, total in sums.items():
        assert total == pytest.approx(1 - 17500 / float(mebs[key]["meb"]), abs=5e-6), key
    # "rounding none" is the unrounded transfer value of `meb compute`; the ranks of every area-month run
    # 1..14 by decreasing swing.
    for r in rows(tmp_path / "s" / "parameters.csv"):
        if r["parameter"] == "rounding" and r["change"] == "none":
            expected = float(mebs[r["area"], r["month"]]["transfer_value_unrounded"])
            assert float(r["transfer_value_changed"]) == pytest.approx(expected, abs=1e-6)
    tornado: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows(tmp_path / "s" / "tornado.csv"):
        tornado.setdefault((r["area"], r["month"]), []).append(r)
    for bars in tornado.values():
        assert [int(b["rank"]) for b in bars] == list(range(1, 15))
        swings = [float(b["swing"]) for b in bars]
        assert swings == sorted(swings, reverse=True)


def test_missing_out_is_usage_error(tmp_path):
    result = meb("sensitivity", "--prices", PRICES_OK, "--methodology", SMALL)
    assert result.returncode == 2
    assert "meb sensitivity needs --out" in result.stderr


def test_help_and_usage_list_the_command():
    result = meb("sensitivity", "--help")
    assert result.returncode == 0
    assert "usage: meb sensitivity --prices FILE" in result.stdout
    assert "sensitivity" in meb("--help").stdout

"""Real-data check of the meb engine on WFP Burkina Faso prices (2019), against an independent
Python re-implementation of the rules (independent_bfa.py) and against numbers worked by hand.

Run:  MEB_BINARY=build/meb /usr/bin/python3 -m pytest tests/python -q
      (MEB_SOURCE_DIR = repository root; default: two levels above this file)

Tests that need the engine are skipped when MEB_BINARY is unset. The hand-check of the Python
reference itself always runs.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import independent_bfa as ib  # noqa: E402

ROOT = Path(os.environ.get("MEB_SOURCE_DIR") or HERE.parents[1]).resolve()
PRICES = ROOT / "data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv"
SCENARIOS = ["sahel-normative.yaml", "sahel-capped-smeb.yaml"]
MONTHS = ib.month_range("2019-01", "2019-12")
RTOL = 1e-9
KEYS = ["area_level", "area", "month"]
VALUES = ["smeb", "meb", "transfer_value_unrounded", "transfer_value"]

# ---------------------------------------------------------------------------------------------
# Hand-checked numbers (read from the CSV with awk/grep, medians and sums done by hand; NOT taken
# from the engine or from independent_bfa.py). Retail, unit KG, date = month-15.
#
# (1) admin1 "Sahel", 2019-06, sahel-normative (household 6 -> 30 x 6 = 180 person-days)
#   Millet          Arbinda 202, Djibo 169, Dori 250, Gorom Gorom 258, Markoye 236, Sebba 227,
#                   Seytenga 215                      -> median 227
#   Sorghum (white) Arbinda 181, Djibo 167, Dori 219, Gorom Gorom 208, Markoye 202, Sebba 171,
#                   Seytenga 182                      -> median 182
#   Maize (white)   Djibo 188, Dori 219               -> median 203.5
#   Beans (niebe)   Arbinda 302, Djibo 314, Dori 361, Sebba 385, Seytenga 515 -> median 361
#   Rice (local)    no Sahel market quotes it in 2019 -> fill "parent" = national 2019-06:
#     admin1 medians: Boucle Du Mouhoun (Boromo 288, Djibasso 249, Gassan 298, Nouna 292,
#     Solenzo 264) 288; Cascades (Douna) 305; Centre-est (Koupela 257, Ouargaye 204, Zabre 283)
#     257; Centre-nord (Boulsa) 316; Centre-ouest (Tita) 312; Centre-sud (Kombissiri 272,
#     Manga 248, Po 319) 272; Est (Bogande 344, Fada N'Gourma 332, Kompienga 268) 332;
#     Hauts-bassins (Founza 265, N'Dorola 278, Orodara 351) 278; Plateau Central (Mogtedo) 275;
#     Sud-ouest (Dano 306, Gaoua 305, Hamele 363) 306
#     -> national = median of 10 = (288 + 305) / 2 = 296.5
#   per person-day: .15*227 + .15*182 + .10*203.5 + .05*296.5 + .07*361
#                 = 34.05 + 27.3 + 20.35 + 14.825 + 25.27 = 121.795
#   food = 180 * 121.795 = 21923.1; SMEB = 21923.1 + 3000 water + 2000 hygiene = 26923.1
#   MEB = SMEB + 6000 + 2500 + 2000 + 24000/12 = 39423.1; TV nearest 5000 -> 40000
#
# (2) admin1 "Centre", 2019-03, sahel-normative
#   Millet Gounghin 228, Ouagadougo (Sankaryare) 217 -> 222.5
#   Sorghum (white) Gounghin 212, Ouagadougo (Sankaryare) 220 -> 216
#   Maize (white) Gounghin 163, Ouagadougo (Sankaryare) 152 -> 157.5
#   Beans (niebe) Gounghin 357, Ouagadougo (Sankaryare) 355 -> 356
#   Rice (local) not quoted in Centre -> national 2019-03 = median of admin1 medians
#     BdM (280, 268, 303, 292, 275) 280; Cascades 306; Centre-est (258, 218, 291) 258;
#     Centre-nord 314; Centre-ouest 316; Centre-sud (307, 250, 344) 307;
#     Est (355, 332, 263) 332; Hauts-bassins (298, 278, 330) 298; Plateau Central 283;
#     Sud-ouest (317, 305, 385) 317 -> (306 + 307) / 2 = 306.5
#   per person-day: 33.375 + 32.4 + 15.75 + 15.325 + 24.92 = 121.77; food = 180 * 121.77
#   = 21918.6; SMEB = 26918.6; MEB = 39418.6; TV -> 40000
#
# (3) sahel-capped-smeb: Rice (local) has NO quote in Centre, Nord or Sahel in all of 2019, and
#   with levels [market, admin1] there is no parent to borrow from (carry_forward 1 finds
#   nothing either) -> Centre 2019-03 and Sahel 2019-06 are MISSING.
#   admin1 "Cascades", 2019-06 (persons = 1 x min(9, 7) = 7 -> 210 person-days):
#   Millet Banfora 202, Douna 265 -> 233.5; Sorghum (white) Banfora 132, Douna 148 -> 140;
#   Maize (white) Banfora 141, Douna 120 -> 130.5; Rice (local) Douna 305 -> 305;
#   Beans (niebe) Banfora 351, Douna 398 -> 374.5
#   per person-day: 35.025 + 21 + 13.05 + 15.25 + 26.215 = 110.54; food = 210 * 110.54 = 23213.4
#   SMEB = 28213.4; MEB = 40713.4; TV unrounded = 0.6 * (28213.4 - 10000) = 10928.04;
#   down to 500 -> 10500 (cap 100000 does not bind)
# ---------------------------------------------------------------------------------------------
NAN = float("nan")
HAND = {
    ("sahel-normative.yaml", "admin1", "Sahel", "2019-06"): (26923.1, 39423.1, 39423.1, 40000.0),
    ("sahel-normative.yaml", "admin1", "Centre", "2019-03"): (26918.6, 39418.6, 39418.6, 40000.0),
    ("sahel-capped-smeb.yaml", "admin1", "Centre", "2019-03"): (NAN, NAN, NAN, NAN),
    ("sahel-capped-smeb.yaml", "admin1", "Sahel", "2019-06"): (NAN, NAN, NAN, NAN),
    ("sahel-capped-smeb.yaml", "admin1", "Cascades", "2019-06"): (28213.4, 40713.4, 10928.04, 10500.0),
}
HAND_NATIONAL_RICE_LOCAL = {"2019-06": 296.5, "2019-03": 306.5}


def _same(a, b, rtol=RTOL) -> bool:
    a_nan = a is None or (isinstance(a, float) and math.isnan(a))
    b_nan = b is None or (isinstance(b, float) and math.isnan(b))
    if a_nan or b_nan:
        return a_nan and b_nan
    return math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=1e-9)


def _round_spec(yaml_path):
    with open(yaml_path, encoding="utf-8") as fh:
        m = yaml.safe_load(fh)
    return m["id"], m["transfer"]["round"]


def _on_rounding_boundary(x, step, mode) -> bool:
    """True when x/step is (within float noise) exactly at a rounding boundary, where the engine
    and this reference may legitimately fall either side."""
    if isinstance(x, float) and math.isnan(x):
        return False
    q = x / step + (0.5 if mode == "nearest" else 0.0)
    return abs(q - round(q)) < 1e-9


# --------------------------------------------------------------------------------------------
# 1. The independent reference reproduces the hand-worked numbers (no engine needed)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", list(HAND), ids=lambda k: f"{k[0]}:{k[2]}:{k[3]}")
def test_reference_matches_hand_numbers(key):
    scen, level, area, month = key
    exp = ib.expected(ROOT / "scenarios" / scen, PRICES, [month])
    row = exp[(exp.area_level == level) & (exp.area == area) & (exp.month == month)]
    assert len(row) == 1
    for col, want in zip(VALUES, HAND[key]):
        assert _same(row.iloc[0][col], want), f"{key} {col}: reference {row.iloc[0][col]} != hand {want}"


def test_reference_national_rice_median():
    with open(ROOT / "scenarios/sahel-normative.yaml", encoding="utf-8") as fh:
        items = yaml.safe_load(fh)["basket"][0]["items"]
    obs = ib.observed_values(ib.load_prices(PRICES), items, ["market", "admin1", "national"], "median", 1)
    for month, want in HAND_NATIONAL_RICE_LOCAL.items():
        assert obs[("national", "Rice (local)", "national", month)] == want


# --------------------------------------------------------------------------------------------
# 2. The engine, run on the real file, against the reference (every 2019 row) and the hand numbers
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def engine_binary():
    path = os.environ.get("MEB_BINARY")
    if not path:
        pytest.skip("MEB_BINARY is not set: set it to the built meb executable to run the "
                    "real-data engine checks (e.g. MEB_BINARY=build/meb)")
    assert Path(path).exists(), f"MEB_BINARY={path} does not exist"
    return path


@pytest.fixture(scope="module")
def engine_output(engine_binary, tmp_path_factory):
    out = {}
    for scen in SCENARIOS:
        outdir = tmp_path_factory.mktemp(scen.replace(".yaml", ""))
        cmd = [engine_binary, "compute", "--prices", str(PRICES),
               "--methodology", str(ROOT / "scenarios" / scen),
               "--from", "2019-01", "--to", "2019-12", "--out", str(outdir)]
        res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        assert res.returncode == 0, f"{' '.join(cmd)}\nexit {res.returncode}\n{res.stdout}\n{res.stderr}"
        csv = outdir / "transfer_values.csv"
        assert csv.exists(), f"{csv} not written"
        df = pd.read_csv(csv, dtype=str, keep_default_na=False)
        for col in ["smeb", "meb", "transfer_value_unrounded", "rounding_difference", "transfer_value"]:
            df[col] = pd.to_numeric(df[col].replace("", None), errors="raise")
        df["month"] = df["month"].str[:7]
        out[scen] = df
    return out


@pytest.mark.parametrize("scen", SCENARIOS)
def test_engine_matches_reference_every_row(engine_output, scen):
    got = engine_output[scen]
    got = got[got["month"].str.startswith("2019")]
    exp = ib.expected(ROOT / "scenarios" / scen, PRICES, MONTHS)
    mid, rnd = _round_spec(ROOT / "scenarios" / scen)

    assert set(got["methodology"]) == {mid}, f"methodology column: {set(got['methodology'])}"
    dups = got[got.duplicated(KEYS, keep=False)]
    assert dups.empty, f"duplicate rows in engine output:\n{dups}"

    g = got.set_index(KEYS)
    e = exp.set_index(KEYS)
    only_engine = sorted(set(g.index) - set(e.index))
    only_ref = sorted(set(e.index) - set(g.index))
    assert not only_engine and not only_ref, (
        f"row sets differ; only in engine: {only_engine[:10]} ({len(only_engine)}); "
        f"only in reference: {only_ref[:10]} ({len(only_ref)})")

    problems = []
    for key, er in e.iterrows():
        gr = g.loc[key]
        for col in VALUES:
            if _same(gr[col], er[col]):
                continue
            if (col == "transfer_value"
                    and _on_rounding_boundary(er["transfer_value_unrounded"], rnd["step"], rnd["mode"])
                    and abs(gr[col] - er[col]) <= rnd["step"] + 1e-6):
                continue  # exact tie at a rounding boundary: either side is acceptable
            problems.append(f"{key} {col}: engine {gr[col]!r} expected {er[col]!r}")
        # rounding_difference is the gap between paid and unrounded values (sign convention free)
        if not (isinstance(er["transfer_value"], float) and math.isnan(er["transfer_value"])):
            diff = abs(gr["transfer_value"] - gr["transfer_value_unrounded"])
            if not _same(abs(gr["rounding_difference"]), diff, 1e-7):
                problems.append(f"{key} rounding_difference {gr['rounding_difference']!r} vs {diff!r}")
        elif not math.isnan(gr["rounding_difference"]):
            problems.append(f"{key} rounding_difference should be missing, got {gr['rounding_difference']!r}")
    assert not problems, f"{len(problems)} mismatches:\n" + "\n".join(problems[:40])


@pytest.mark.parametrize("key", list(HAND), ids=lambda k: f"{k[0]}:{k[2]}:{k[3]}")
def test_engine_matches_hand_numbers(engine_output, key):
    scen, level, area, month = key
    df = engine_output[scen]
    row = df[(df.area_level == level) & (df.area == area) & (df.month == month)]
    assert len(row) == 1, f"{key}: {len(row)} rows in engine output"
    for col, want in zip(VALUES, HAND[key]):
        assert _same(row.iloc[0][col], want), f"{key} {col}: engine {row.iloc[0][col]} != hand {want}"

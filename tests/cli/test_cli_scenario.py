"""`meb scenario`: the shipped scenarios on the Burkina Faso data, checked by hand and against the independent
pandas re-implementation (tests/python/independent_bfa.py) run on prices shocked in pandas; the empty scenario
against `meb compute`; the sweep's cross product; manifest.json; exit codes and error messages; determinism.

Run with /usr/bin/python3 -m pytest tests/cli. The binary comes from MEB_BINARY and the repository root from
MEB_SOURCE_DIR (ctest sets both); without them every test is skipped.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")

ROOT = Path(SOURCE or ".")
PRICES = str(ROOT / "data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv")
BASELINE = ROOT / "scenarios/sahel-normative.yaml"
WINDOW = ["--from", "2019-01", "--to", "2019-12"]
CEREALS = {"millet", "sorghum (white)", "maize (white)", "rice (local)"}  # the BFA names of the cereal items
FOOD = CEREALS | {"beans (niebe)"}


def meb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=300)


def scenario(out: Path, *files: str, extra: tuple = ()) -> subprocess.CompletedProcess:
    args = ["scenario"]
    for f in files:
        args += ["--scenario", f]
    return meb(*args, "--prices", PRICES, *WINDOW, "--out", str(out), *extra)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def shipped(name: str) -> str:
    return str(ROOT / "scenarios" / name)


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def independent():
    sys.path.insert(0, str(ROOT / "tests" / "python"))
    import independent_bfa  # noqa: E402

    return independent_bfa


def close(a: str, b: float) -> bool:
    if a == "" or (isinstance(b, float) and math.isnan(b)):
        return a == "" and (isinstance(b, float) and math.isnan(b))
    return math.isclose(float(a), b, rel_tol=1e-9, abs_tol=1e-6)


def expected_with(monkeypatch, tmp_path: Path, shock, methodology_changes: dict | None = None):
    """The independent reference on prices shocked in pandas: `shock(df)` returns the factor of each quote row."""
    ib = independent()
    original = ib.load_prices

    def shocked(path, pricetype="Retail"):
        df = original(path, pricetype)
        return df.assign(price_per_kg=df["price_per_kg"] * shock(df))

    monkeypatch.setattr(ib, "load_prices", shocked)
    methodology = yaml.safe_load(BASELINE.read_text())
    for key, value in (methodology_changes or {}).items():
        section, name = key.split(".")
        methodology[section][name] = value
    path = tmp_path / "methodology.yaml"
    path.write_text(yaml.safe_dump(methodology))
    return ib.expected(path, PRICES, ib.month_range("2019-01", "2019-12"))


def check_against(result_rows: list[dict[str, str]], expected) -> int:
    by_key = {(r["area_level"], r["area"], r["month"]): r for r in result_rows}
    compared = 0
    for e in expected.itertuples(index=False):
        area = e.area
        key = (e.area_level, area if e.area_level != "national" else next(
            k[1] for k in by_key if k[0] == "national"), e.month)
        row = by_key[key]
        for column in ("smeb", "meb", "transfer_value_unrounded", "transfer_value"):
            assert close(row[column], getattr(e, column)), (key, column, row[column], getattr(e, column))
        compared += 1
    return compared


# --------------------------------------------------------------------------------------------------
# The shipped scenarios
# --------------------------------------------------------------------------------------------------
def test_lean_season_shock_by_hand_and_against_pandas(tmp_path, monkeypatch):
    result = scenario(tmp_path / "out", shipped("lean-season-shock.yaml"))
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {"scenarios.csv", "manifest.json"}
    got = rows(tmp_path / "out" / "scenarios.csv")
    assert len(got) == 14 * 12
    sahel = next(r for r in got if r["area"] == "Sahel" and r["month"] == "2019-06")
    # By hand (baseline Sahel 2019-06 in tests/python/test_real_data_bfa.py): per person-day
    # 1.25 x (.15 x 227 + .15 x 182 + .10 x 203.5) + .05 x 296.5 (local rice from the national median,
    # which no Sahel or Nord market feeds) + .07 x 361 = 1.25 x 81.7 + 40.095 = 142.22;
    # food 180 x 142.22 = 25,599.6; SMEB 30,599.6; MEB 43,099.6 -> 45,000; baseline 39,423.1 -> 40,000.
    assert float(sahel["smeb"]) == pytest.approx(30599.6, rel=1e-12)
    assert float(sahel["meb"]) == pytest.approx(43099.6, rel=1e-12)
    assert sahel["transfer_value"] == "45000"
    assert float(sahel["baseline_meb"]) == pytest.approx(39423.1, rel=1e-12)
    assert float(sahel["meb_change"]) == pytest.approx(3676.5, rel=1e-9)
    assert float(sahel["meb_change_percent"]) == pytest.approx(100 * 3676.5 / 39423.1, rel=1e-6)
    assert sahel["transfer_value_change"] == "5000"
    # Outside Sahel and Nord, or outside June to September, no region moves.
    for r in got:
        inside = r["area"] in ("Sahel", "Nord") and "2019-06" <= r["month"] <= "2019-09"
        if r["area_level"] == "admin1" and not inside:
            assert r["meb_change"] == "0", r
        if r["area_level"] == "admin1" and inside:
            assert float(r["meb_change"]) > 0, r

    def factor(df):
        hit = df["commodity"].str.lower().isin(CEREALS) & df["admin1"].isin(["Sahel", "Nord"])
        hit &= (df["month"] >= "2019-06") & (df["month"] <= "2019-09")
        return hit.map({True: 1.25, False: 1.0})

    assert check_against(got, expected_with(monkeypatch, tmp_path, factor)) == 14 * 12


def test_inflation_path_against_pandas(tmp_path, monkeypatch):
    result = scenario(tmp_path / "out", shipped("inflation-path.yaml"))
    assert result.returncode == 0, result.stderr
    got = rows(tmp_path / "out" / "scenarios.csv")

    def factor(df):
        # 2019-07 is month 0: 1.02^k for the k-th month after it, earlier months unchanged.
        k = df["month"].map(lambda m: max(0, (int(m[:4]) - 2019) * 12 + int(m[5:7]) - 7))
        return df["commodity"].str.lower().isin(FOOD).map({True: 1.0, False: 0.0}) * (1.02 ** k - 1) + 1

    expected = expected_with(monkeypatch, tmp_path, factor, {"transfer.coverage": 0.8})
    assert check_against(got, expected) == 14 * 12
    june = next(r for r in got if r["area"] == "Sahel" and r["month"] == "2019-06")
    assert float(june["meb"]) == float(june["baseline_meb"])  # before the start month
    assert float(june["transfer_value_unrounded"]) == pytest.approx(0.8 * 39423.1, rel=1e-12)


def test_sweep_cross_product(tmp_path, monkeypatch):
    result = scenario(tmp_path / "out", shipped("cereal-shock-sweep.yaml"))
    assert result.returncode == 0, result.stderr
    got = rows(tmp_path / "out" / "scenarios.csv")
    multiply, size = "changes[0].shock.multiply", "changes[1].household.size"
    assert len(got) == 11 * 4 * 14 * 12
    points = {(r["point"], r[multiply], r[size]) for r in got}
    expected_points = {(str(4 * i + j), f"{1 + 0.05 * i:.2f}".rstrip("0").rstrip("."), str(5 + j))
                       for i in range(11) for j in range(4)}
    assert points == expected_points
    assert {r["household_size"] for r in got if r["point"] == "6"} == {"7"}
    # Point 26 = multiply 1.30, size 7, against the independent reference with that shock and household.
    point = [r for r in got if r["point"] == "26"]
    assert {(r[multiply], r[size]) for r in point} == {("1.3", "7")}

    def factor(df):
        return df["commodity"].str.lower().isin(CEREALS).map({True: 1.3, False: 1.0})

    assert check_against(point, expected_with(monkeypatch, tmp_path, factor, {"household.size": 7})) == 14 * 12


def test_empty_scenario_equals_meb_compute(tmp_path):
    empty = write(tmp_path / "empty.yaml", f"id: empty\nname: Nothing changes\nbaseline: {BASELINE}\n")
    assert scenario(tmp_path / "s", empty).returncode == 0
    computed = meb("compute", "--prices", PRICES, "--methodology", str(BASELINE), *WINDOW, "--out", str(tmp_path / "c"))
    assert computed.returncode == 0, computed.stderr
    got = rows(tmp_path / "s" / "scenarios.csv")
    want = rows(tmp_path / "c" / "transfer_values.csv")
    assert len(got) == len(want)
    for g, w in zip(got, want):
        for column in ("area_level", "area", "parent_area", "month", "household_size", "persons", "currency", "smeb",
                       "meb", "transfer_value_unrounded", "transfer_value"):
            assert g[column] == w[column], (column, g, w)  # the same bytes
        assert (g["baseline_meb"], g["baseline_transfer_value"]) == (w["meb"], w["transfer_value"])
        assert g["meb_change"] in ("0", "")


def test_manifest(tmp_path):
    files = [shipped("lean-season-shock.yaml"), shipped("cereal-shock-sweep.yaml")]
    assert scenario(tmp_path / "out", *files).returncode == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    inputs = {(i["role"], i["path"]): i for i in manifest["inputs"]}
    for role, path in [("scenario", files[0]), ("scenario", files[1]), ("prices", PRICES),
                       ("methodology", str(BASELINE))]:
        entry = inputs[(role, path)]
        data = Path(path).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest()
        assert entry["bytes"] == len(data)
    assert [b["id"] for b in manifest["baselines"]] == ["sahel-normative-2019"]  # one baseline, computed once
    assert manifest["baselines"][0]["version"] == "1"
    ids = [s["id"] for s in manifest["scenarios"]]
    assert ids == ["lean-season-2019", "cereal-shock-sweep-2019"]
    sweep = manifest["scenarios"][1]
    assert sweep["version"] == "1"
    assert sweep["baseline"] == {"id": "sahel-normative-2019", "version": "1", "file": str(BASELINE)}
    assert sweep["points"] == 44
    assert [p["path"] for p in sweep["sweep"]] == ["changes[0].shock.multiply", "changes[1].household.size"]
    assert sweep["sweep"][1]["values"] == [5, 6, 7, 8]
    assert [c["kind"] for c in sweep["changes"]] == ["shock", "household"]
    assert manifest["bootstrap"] is None
    assert manifest["outputs"]["scenarios.csv"]["rows"] == (1 + 44) * 14 * 12


def test_substitution_plans_the_scenario_again(tmp_path):
    # Local rice priced as imported rice, a commodity the baseline does not read: the scenario reads the
    # prices again for it and says so in the manifest.
    path = write(tmp_path / "rice.yaml",
                 f"id: imported-rice\nname: Imported rice\nbaseline: {BASELINE}\nchanges:\n"
                 "  - basket: {substitute: {item: Rice (local), with: Rice (imported)}}\n")
    result = scenario(tmp_path / "out", path)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["scenarios"][0]["plan"] == {"own": True, "new_commodities": ["Rice (imported)"]}
    got = rows(tmp_path / "out" / "scenarios.csv")
    assert all(r["meb"] != "" for r in got)
    assert any(float(r["meb_change"]) != 0 for r in got)


# --------------------------------------------------------------------------------------------------
# Determinism and the bootstrap
# --------------------------------------------------------------------------------------------------
def test_threads_and_bootstrap_seed_give_the_same_bytes(tmp_path):
    sweep = shipped("cereal-shock-sweep.yaml")
    one = scenario(tmp_path / "one", sweep, extra=("--threads", "1", "--bootstrap", "50", "--seed", "11"))
    two = scenario(tmp_path / "two", sweep, extra=("--threads", "2", "--bootstrap", "50", "--seed", "11"))
    assert one.returncode == 0 and two.returncode == 0, one.stderr + two.stderr
    assert (tmp_path / "one" / "scenarios.csv").read_bytes() == (tmp_path / "two" / "scenarios.csv").read_bytes()
    got = rows(tmp_path / "one" / "scenarios.csv")
    for r in got[:500]:
        assert r["bootstrap_replicates"] == "50"
        if r["meb"]:
            assert float(r["meb_p5"]) <= float(r["meb_p50"]) <= float(r["meb_p95"])
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest["bootstrap"]["replicates"] == 50 and manifest["bootstrap"]["seed"] == 11


# --------------------------------------------------------------------------------------------------
# Errors: exit code 4 for a bad scenario file (file:line:column), 2 for a bad command line
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("changes, line, words", [
    ("  - shock: {items: [Milet], multiply: 1.1}\n", 5, "unknown item 'Milet'"),
    ("  - shock: {areas: [Sahle], multiply: 1.1}\n", 5, "unknown area 'Sahle'"),
    ("  - shock: {multiply: 1.1, region: Sahel}\n", 5, "key 'changes[0].shock.region': unknown key"),
    ("  - shock: {multiply: 1.1}\nsweep:\n  parameters:\n    - path: changes[0].shock.multiply\n"
     "      range: {from: 1, to: 2, step: 0}\n", 9, "is 0"),
])
def test_bad_scenario_names_the_file_and_line(tmp_path, changes, line, words):
    path = write(tmp_path / "bad.yaml", f"id: bad\nname: Bad\nbaseline: {BASELINE}\nchanges:\n{changes}")
    result = scenario(tmp_path / "out", path)
    assert result.returncode == 4, result.stderr
    assert "scenario error" in result.stderr
    assert f"{path}:{line}:" in result.stderr
    assert words in result.stderr
    assert not (tmp_path / "out").exists()


def test_usage_errors(tmp_path):
    no_scenario = meb("scenario", "--prices", PRICES, "--out", str(tmp_path / "out"))
    assert no_scenario.returncode == 2 and "--scenario" in no_scenario.stderr
    seed_alone = scenario(tmp_path / "out", shipped("lean-season-shock.yaml"), extra=("--seed", "3"))
    assert seed_alone.returncode == 2 and "--seed needs --bootstrap" in seed_alone.stderr
    missing = scenario(tmp_path / "out", str(tmp_path / "nowhere.yaml"))
    assert missing.returncode == 4 and "nowhere.yaml" in missing.stderr
    same_id = scenario(tmp_path / "out", shipped("lean-season-shock.yaml"), shipped("lean-season-shock.yaml"))
    assert same_id.returncode == 2 and "two scenarios have the id 'lean-season-2019'" in same_id.stderr

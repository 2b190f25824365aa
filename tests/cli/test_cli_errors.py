"""Exit codes, error messages and output guarantees of the `meb` command line.

Exit codes observed (engine/cli/main.cpp, documented in the README):

    0  success (also `meb validate` on a valid file, `--help`, `--version`)
    1  internal error (an unexpected exception; not provoked here)
    2  usage error: unknown command, no command, missing --prices/--methodology/--out, a --from/--to
       that is not YYYY-MM, --to before --from
    3  input-data error: a bad price row of a commodity a basket uses (wrong column count, bad date,
       missing, non-numeric or negative price), a unit that cannot be converted to the basket's, a
       market missing from the --areas file, a missing input file
    4  methodology error: every problem of the YAML file, one per line, each as file:line:column
    5  output error: the output directory cannot be created or written; earlier results stay untouched

Run with /usr/bin/python3 -m pytest tests/cli. The binary comes from MEB_BINARY and the repository root
from MEB_SOURCE_DIR (ctest sets both); without them every test is skipped. Fixtures are in
tests/data/bad (see its README for the broken line of each file and the hand-computed values).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")

OUTPUTS = {"transfer_values.csv", "basket_costs.csv", "manifest.json"}


def bad(name: str) -> str:
    return str(Path(SOURCE) / "tests" / "data" / "bad" / name)


def meb(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120)


def compute(prices: str, out: Path, *extra: str, methodology: str | None = None) -> subprocess.CompletedProcess:
    return meb("compute", "--prices", prices, "--methodology", methodology or bad("small.yaml"), "--out", str(out),
               *extra)


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file in a directory (hidden ones included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def sha256(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# --------------------------------------------------------------------------------------------------
# 0: success, with values computed by hand (tests/data/bad/README.md)
# --------------------------------------------------------------------------------------------------
def test_success_exit_0_and_hand_values(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out")
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == OUTPUTS
    values = {r["area"]: r for r in rows(tmp_path / "out" / "transfer_values.csv")}
    assert set(values) == {"Centre", "Centre-Nord"}
    # Centre: 30 kg x 200 + 7.5 kg x 400 + 1,000 = 10,000
    assert float(values["Centre"]["smeb"]) == pytest.approx(10000)
    assert float(values["Centre"]["meb"]) == pytest.approx(10000)
    assert float(values["Centre"]["transfer_value"]) == 10000
    # Centre-Nord: 30 x 250 + 7.5 x 500 + 1,000 = 12,250 -> 24.5 steps of 500 -> 12,500
    assert float(values["Centre-Nord"]["meb"]) == pytest.approx(12250)
    assert float(values["Centre-Nord"]["transfer_value_unrounded"]) == pytest.approx(12250)
    assert float(values["Centre-Nord"]["transfer_value"]) == 12500
    assert float(values["Centre-Nord"]["rounding_difference"]) == pytest.approx(250)
    assert values["Centre"]["month"] == "2020-01"
    assert values["Centre"]["area_level"] == "admin1"


def test_success_with_areas_file(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", "--areas", bad("areas_ok.csv"))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    areas_inputs = [i for i in manifest["inputs"] if i["role"] == "areas"]
    assert len(areas_inputs) == 1
    assert areas_inputs[0]["sha256"] == sha256(bad("areas_ok.csv"))


# --------------------------------------------------------------------------------------------------
# 2: usage errors
# --------------------------------------------------------------------------------------------------
def test_unknown_command_is_usage_error():
    result = meb("frobnicate")
    assert result.returncode == 2
    assert "unknown command 'frobnicate'" in result.stderr


def test_no_command_is_usage_error():
    result = meb()
    assert result.returncode == 2
    assert "usage" in result.stderr


def test_missing_prices_is_usage_error(tmp_path):
    result = meb("compute", "--methodology", bad("small.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "--prices" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("month", ["2020-1", "2020-13", "Jan 2020", "2020-01-15"])
def test_bad_from_is_usage_error(tmp_path, month):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", "--from", month)
    assert result.returncode == 2
    assert "--from" in result.stderr
    assert f"'{month}'" in result.stderr
    assert not (tmp_path / "out").exists()


def test_to_before_from_is_usage_error(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", "--from", "2020-03", "--to", "2020-01")
    assert result.returncode == 2
    assert "2020-01" in result.stderr and "2020-03" in result.stderr


def test_unknown_option_is_usage_error(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", "--colour", "red")
    assert result.returncode == 2
    assert "colour" in result.stderr


# --------------------------------------------------------------------------------------------------
# 3: input-data errors, each naming the file, the line and the value
# --------------------------------------------------------------------------------------------------
BAD_ROWS = [
    # (fixture, line, text the message must hold, commodity listed in the manifest)
    ("prices_wrong_columns.csv", 4, "expected 8 columns, found 7", ""),
    ("prices_bad_date.csv", 3, "'2020-13-15'", ""),
    ("prices_non_numeric.csv", 5, "'abc'", "Cowpeas"),
    ("prices_negative.csv", 2, "'-200'", "Millet"),
    ("prices_missing_price.csv", 3, "missing price", "Cowpeas"),
]


@pytest.mark.parametrize("fixture,line,needle,commodity", BAD_ROWS)
def test_bad_price_row_is_input_error(tmp_path, fixture, line, needle, commodity):
    result = compute(bad(fixture), tmp_path / "out")
    assert result.returncode == 3, result.stderr
    assert f"{bad(fixture)}:{line}:" in result.stderr
    assert needle in result.stderr
    if commodity:
        assert commodity in result.stderr
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_bad_date_message_names_the_date_column(tmp_path):
    result = compute(bad("prices_bad_date.csv"), tmp_path / "out")
    assert result.returncode == 3
    assert "date" in result.stderr


def test_market_missing_from_areas_file_is_input_error(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", "--areas", bad("areas_missing_market.csv"))
    assert result.returncode == 3, result.stderr
    assert bad("areas_missing_market.csv") in result.stderr
    assert "'Kaya'" in result.stderr
    assert "not in the areas file" in result.stderr


def test_unconvertible_unit_is_input_error(tmp_path):
    result = compute(bad("prices_bad_unit.csv"), tmp_path / "out")
    assert result.returncode == 3, result.stderr
    assert f"{bad('prices_bad_unit.csv')}:4:" in result.stderr
    assert "'L'" in result.stderr and "'KG'" in result.stderr
    assert "Millet" in result.stderr


def test_missing_price_file_is_input_error(tmp_path):
    missing = str(tmp_path / "no-such-prices.csv")
    result = compute(missing, tmp_path / "out")
    assert result.returncode == 3
    assert missing in result.stderr


# --------------------------------------------------------------------------------------------------
# 4: methodology errors
# --------------------------------------------------------------------------------------------------
FOUR_ERRORS = [
    ":1:5: key 'id'",
    ":4:1: key 'colour'",
    ":8:11: key 'basket[0].tier'",
    ":10:34: key 'basket[0].items[0].quantity'",
]


def test_methodology_error_in_compute_is_exit_4(tmp_path):
    result = compute(bad("prices_ok.csv"), tmp_path / "out", methodology=bad("four_errors.yaml"))
    assert result.returncode == 4
    for needle in FOUR_ERRORS:
        assert bad("four_errors.yaml") + needle in result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_prints_summary_and_exits_0():
    path = str(Path(SOURCE) / "scenarios" / "sahel-normative.yaml")
    result = meb("validate", "--methodology", path)
    assert result.returncode == 0, result.stderr
    summary = result.stdout
    assert "sahel-normative-2019" in summary
    for component in ("food", "water", "hygiene", "energy", "health", "education", "household_items"):
        assert component in summary
    for item in ("Millet", "Sorghum", "Maize", "Rice (local)", "Cowpeas"):
        assert item in summary
    assert "household" in summary and "fixed size 6" in summary
    assert "transfer" in summary and "5000" in summary
    assert "valid" in summary


def test_validate_lists_every_error_and_exits_4():
    result = meb("validate", "--methodology", bad("four_errors.yaml"))
    assert result.returncode == 4
    error_lines = [l for l in result.stderr.splitlines() if l.startswith(bad("four_errors.yaml") + ":")]
    assert len(error_lines) == 4
    for needle in FOUR_ERRORS:
        assert any(needle in l for l in error_lines), needle
    # The values and allowed values are named.
    assert "'luxury'" in result.stderr and "smeb, meb" in result.stderr
    assert "'-1'" in result.stderr
    assert "'bad id!'" in result.stderr


def test_validate_missing_file_is_exit_4(tmp_path):
    missing = str(tmp_path / "none.yaml")
    result = meb("validate", "--methodology", missing)
    assert result.returncode == 4
    assert missing in result.stderr


# --------------------------------------------------------------------------------------------------
# 5: output errors
# --------------------------------------------------------------------------------------------------
def test_unwritable_output_is_exit_5(tmp_path):
    # Tests run as root, so a read-only directory would not stop the write: go under a regular FILE.
    blocker = tmp_path / "blocker"
    blocker.write_text("keep\n")
    out = blocker / "results"
    result = compute(bad("prices_ok.csv"), out)
    assert result.returncode == 5, result.stderr
    assert str(out) in result.stderr
    assert blocker.read_text() == "keep\n"
    assert [p.name for p in tmp_path.iterdir()] == ["blocker"]


def test_output_directory_is_a_file_is_exit_5(tmp_path):
    blocker = tmp_path / "results"
    blocker.write_text("keep\n")
    result = compute(bad("prices_ok.csv"), blocker)
    assert result.returncode == 5
    assert blocker.read_text() == "keep\n"


# --------------------------------------------------------------------------------------------------
# A failed run leaves earlier results byte-identical and no temporary files
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "prices,extra,methodology,code",
    [
        ("prices_non_numeric.csv", (), None, 3),
        ("prices_bad_unit.csv", (), None, 3),
        ("prices_ok.csv", ("--areas", "areas_missing_market.csv"), None, 3),
        ("prices_ok.csv", (), "four_errors.yaml", 4),
    ],
)
def test_failed_run_leaves_previous_results_untouched(tmp_path, prices, extra, methodology, code):
    out = tmp_path / "out"
    first = compute(bad("prices_ok.csv"), out)
    assert first.returncode == 0, first.stderr
    before = snapshot(out)
    assert set(before) == OUTPUTS
    extra_args = [bad(a) if a.endswith(".csv") else a for a in extra]
    failed = compute(bad(prices), out, *extra_args, methodology=bad(methodology) if methodology else None)
    assert failed.returncode == code, failed.stderr
    assert snapshot(out) == before  # same names (no partial or temporary file), same bytes


# --------------------------------------------------------------------------------------------------
# --skip-bad-rows and rows of commodities no basket uses
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fixture,line,needle,commodity", BAD_ROWS)
def test_skip_bad_rows_turns_failure_into_success(tmp_path, fixture, line, needle, commodity):
    out = tmp_path / "out"
    result = compute(bad(fixture), out, "--skip-bad-rows")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    issues = manifest["row_issues"]
    assert len(issues) == 1
    assert issues[0]["file"] == bad(fixture)
    assert issues[0]["line"] == line
    assert issues[0]["commodity"] == commodity
    assert issues[0]["reason"].startswith("skipped")
    prices = [i for i in manifest["inputs"] if i["role"] == "prices"][0]
    assert prices["rows_skipped_bad"] == 1
    assert prices["rows_read"] == 6
    assert prices["rows_used"] == 3  # 4 good retail rows of basket items, one of them broken


def test_skip_bad_rows_lists_the_value(tmp_path):
    out = tmp_path / "out"
    assert compute(bad("prices_non_numeric.csv"), out, "--skip-bad-rows").returncode == 0
    issue = json.loads((out / "manifest.json").read_text())["row_issues"][0]
    assert issue["value"] == "abc"
    # Centre-Nord lost its only Cowpeas quote: its SMEB and MEB are missing (empty cells), Centre is whole.
    values = {r["area"]: r for r in rows(out / "transfer_values.csv")}
    assert values["Centre-Nord"]["meb"] == ""
    assert values["Centre-Nord"]["transfer_value"] == ""
    assert float(values["Centre"]["meb"]) == pytest.approx(10000)


def test_bad_row_of_unused_commodity_never_fails(tmp_path):
    out = tmp_path / "out"
    result = compute(bad("prices_unused_bad.csv"), out)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    issues = manifest["row_issues"]
    assert len(issues) == 1
    assert issues[0]["file"] == bad("prices_unused_bad.csv")
    assert issues[0]["line"] == 8
    assert issues[0]["commodity"] == "Sugar"
    assert issues[0]["value"] == "n/a"
    assert "unused commodity" in issues[0]["reason"]
    prices = [i for i in manifest["inputs"] if i["role"] == "prices"][0]
    assert prices["rows_bad_unused_commodity"] == 1
    assert prices["rows_skipped_bad"] == 0
    # The values are those of prices_ok.csv.
    values = {r["area"]: r for r in rows(out / "transfer_values.csv")}
    assert float(values["Centre-Nord"]["transfer_value"]) == 12500


# --------------------------------------------------------------------------------------------------
# manifest.json
# --------------------------------------------------------------------------------------------------
def test_manifest_records_the_run(tmp_path):
    out = tmp_path / "out"
    args = ["compute", "--prices", bad("prices_ok.csv"), "--methodology", bad("small.yaml"), "--out", str(out),
            "--areas", bad("areas_ok.csv")]
    result = meb(*args)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())

    version = meb("--version")
    assert version.returncode == 0
    assert manifest["engine"]["version"] == version.stdout.split()[-1]
    assert manifest["command_line"] == [BINARY, *args]
    assert manifest["methodology"]["id"] == "cli-small"
    assert manifest["methodology"]["version"] == "3"

    by_role = {i["role"]: i for i in manifest["inputs"]}
    assert set(by_role) == {"methodology", "prices", "areas"}
    for role, path in (("methodology", bad("small.yaml")), ("prices", bad("prices_ok.csv")),
                       ("areas", bad("areas_ok.csv"))):
        assert by_role[role]["path"] == path
        assert by_role[role]["sha256"] == sha256(path)

    # prices_ok.csv: 6 data rows; 4 used; 1 Wholesale; 1 Rice (imported), which no basket uses.
    prices = by_role["prices"]
    assert prices["rows_read"] == 6
    assert prices["rows_used"] == 4
    assert prices["rows_filtered"]["other_pricetype"] == 1
    assert prices["rows_filtered"]["commodity_not_in_basket"] == 1
    assert prices["rows_skipped_bad"] == 0
    assert manifest["row_issues"] == []

    assert isinstance(manifest["elapsed_seconds"], (int, float))
    assert 0 <= manifest["elapsed_seconds"] < 120


def test_manifest_hashes_the_shipped_price_file(tmp_path):
    prices = str(Path(SOURCE) / "data" / "bfa" / "wfp_food_prices_bfa_hdx_2020-08.csv")
    methodology = str(Path(SOURCE) / "scenarios" / "sahel-normative.yaml")
    out = tmp_path / "out"
    result = compute(prices, out, methodology=methodology)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    by_role = {i["role"]: i for i in manifest["inputs"]}
    assert by_role["prices"]["sha256"] == sha256(prices)
    assert by_role["methodology"]["sha256"] == sha256(methodology)
    assert manifest["methodology"]["id"] == "sahel-normative-2019"
    assert manifest["methodology"]["version"] == "1"
    p = by_role["prices"]
    # Every data row is either used or filtered out for a stated reason (no bad rows in this file; a bad row
    # of an unused commodity would be counted within commodity_not_in_basket).
    assert p["rows_skipped_bad"] == 0
    filtered = sum(p["rows_filtered"].values())
    assert p["rows_read"] == p["rows_used"] + filtered


# --------------------------------------------------------------------------------------------------
# Determinism
# --------------------------------------------------------------------------------------------------
def test_same_inputs_give_byte_identical_outputs(tmp_path):
    prices = str(Path(SOURCE) / "data" / "bfa" / "wfp_food_prices_bfa_hdx_2020-08.csv")
    methodology = str(Path(SOURCE) / "scenarios" / "sahel-capped-smeb.yaml")
    first = compute(prices, tmp_path / "a", methodology=methodology)
    second = compute(prices, tmp_path / "b", methodology=methodology)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    for name in ("transfer_values.csv", "basket_costs.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name

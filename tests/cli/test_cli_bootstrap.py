"""`meb compute --bootstrap N --seed S [--percentiles ...]` (docs/uncertainty.md).

The same seed gives the same bytes; the percentile columns follow the existing ones; the point values are
untouched; the manifest records the replicates, the seed, the percentiles and the method; bad options are usage
errors (exit code 2) that name the value. Run on the shipped Burkina Faso data (scenarios/sahel-normative.yaml).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")

POINT_COLUMNS = [
    "methodology", "methodology_version", "area_level", "area", "area_pcode", "parent_area", "month",
    "household_size", "persons", "currency", "smeb", "meb", "transfer_value_unrounded", "rounding_difference",
    "transfer_value", "lines_observed", "lines_filled", "lines_missing", "notes",
]


def compute(out: Path, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BINARY, "compute", "--prices", str(Path(SOURCE) / "data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv"),
         "--methodology", str(Path(SOURCE) / "scenarios/sahel-normative.yaml"), "--from", "2019-01", "--to", "2019-03",
         "--out", str(out), "--quiet", *extra],
        capture_output=True, text=True, timeout=300)


def table(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text())))


def test_same_seed_same_bytes(tmp_path):
    for name in ("a", "b"):
        result = compute(tmp_path / name, "--bootstrap", "500", "--seed", "7")
        assert result.returncode == 0, result.stderr
    first = (tmp_path / "a" / "transfer_values.csv").read_bytes()
    assert first == (tmp_path / "b" / "transfer_values.csv").read_bytes()
    result = compute(tmp_path / "c", "--bootstrap", "500", "--seed", "8")
    assert result.returncode == 0, result.stderr
    assert first != (tmp_path / "c" / "transfer_values.csv").read_bytes()


def test_columns_follow_the_point_values_which_are_unchanged(tmp_path):
    assert compute(tmp_path / "plain").returncode == 0
    result = compute(tmp_path / "boot", "--bootstrap", "300", "--seed", "1", "--percentiles", "2.5,50,97.5")
    assert result.returncode == 0, result.stderr
    plain = table(tmp_path / "plain" / "transfer_values.csv")
    boot = table(tmp_path / "boot" / "transfer_values.csv")
    assert plain[0] == POINT_COLUMNS
    assert boot[0] == POINT_COLUMNS + [
        "smeb_p2.5", "smeb_p50", "smeb_p97.5", "meb_p2.5", "meb_p50", "meb_p97.5",
        "transfer_value_p2.5", "transfer_value_p50", "transfer_value_p97.5", "bootstrap_replicates"]
    assert len(boot) == len(plain) == 1 + 14 * 3  # 13 admin1 regions and the national level, 3 months
    for plain_row, boot_row in zip(plain[1:], boot[1:]):
        assert boot_row[:len(POINT_COLUMNS)] == plain_row
        assert boot_row[-1] == "300"
        values = dict(zip(boot[0], boot_row))
        for measure in ("smeb", "meb", "transfer_value"):
            low, mid, high = (float(values[f"{measure}_p{p}"]) for p in ("2.5", "50", "97.5"))
            assert low <= mid <= high
            assert low <= float(values[measure]) <= high  # the interval holds the point estimate
        # MEB = SMEB + 12,500 of stated costs in every replicate, so in every percentile.
        assert float(values["meb_p50"]) == pytest.approx(float(values["smeb_p50"]) + 12500, abs=1e-6)


def test_manifest_records_the_bootstrap(tmp_path):
    result = compute(tmp_path / "out", "--bootstrap", "200", "--seed", "42")
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    bootstrap = manifest["bootstrap"]
    assert bootstrap["replicates"] == 200
    assert bootstrap["seed"] == 42
    assert bootstrap["percentiles"] == [5, 50, 95]
    assert "type 7" in bootstrap["percentile_definition"]
    assert "markets with a price are drawn with replacement" in bootstrap["method"]
    assert bootstrap["sampler"] == "exact"
    plain = compute(tmp_path / "plain")
    assert plain.returncode == 0
    assert "bootstrap" not in json.loads((tmp_path / "plain" / "manifest.json").read_text())


@pytest.mark.parametrize("options, message", [
    (["--bootstrap", "0"], "--bootstrap expects a number of replicates of at least 1, got '0'"),
    (["--bootstrap", "-5"], "--bootstrap expects a number of replicates of at least 1, got '-5'"),
    (["--bootstrap", "ten"], "--bootstrap expects a number of replicates of at least 1, got 'ten'"),
    (["--bootstrap", "10", "--percentiles", "5,150"], "a percentile must be between 0 and 100, got 150"),
    (["--bootstrap", "10", "--percentiles", "50,5"], "percentiles must be strictly increasing, got 50 then 5"),
    (["--bootstrap", "10", "--percentiles", "5,x"], "--percentiles expects numbers separated by commas"),
    (["--bootstrap", "10", "--seed", "-1"], "--seed expects a whole number"),
    (["--seed", "3"], "--seed needs --bootstrap N"),
    (["--percentiles", "5,95"], "--percentiles needs --bootstrap N"),
])
def test_bad_options_are_usage_errors(tmp_path, options, message):
    result = compute(tmp_path / "out", *options)
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert not (tmp_path / "out").exists()  # nothing written

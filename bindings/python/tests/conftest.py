"""Shared fixtures of the binding tests: the `meb` binary to compare with, the shipped data, and a table check.

ctest (python.bindings) sets PYTHONPATH to the built package, MEB_BINARY and MEB_SOURCE_DIR. Run by hand:

    PYTHONPATH=build/release/bindings/python MEB_BINARY=build/release/engine/meb MEB_SOURCE_DIR=$PWD \
        /usr/bin/python3 -m pytest bindings/python/tests
"""

from __future__ import annotations

import csv
import math
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = Path(os.environ.get("MEB_SOURCE_DIR", Path(__file__).resolve().parents[3]))

BFA_PRICES = str(SOURCE / "data" / "bfa" / "wfp_food_prices_bfa_hdx_2020-08.csv")
MALI_PRICES = str(SOURCE / "data" / "mli" / "oma_retail_prices_reported.csv")
MALI_SURVEY = str(SOURCE / "data" / "synthetic" / "synthetic_survey_mli.csv")
BAD = SOURCE / "tests" / "data" / "bad"


def scenario_file(name: str) -> str:
    return str(SOURCE / "scenarios" / name)


def run_meb(*args: object) -> subprocess.CompletedProcess:
    """The `meb` command, for the values and messages the bindings must reproduce."""
    if not BINARY:
        pytest.skip("MEB_BINARY is not set (ctest sets it)")
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=600)


def run_meb_ok(*args: object) -> subprocess.CompletedProcess:
    done = run_meb(*args)
    assert done.returncode == 0, done.stderr
    return done


def cli_error(done: subprocess.CompletedProcess, prefix: str) -> str:
    """The CLI's message after its prefix ("meb: input error: ", "meb: methodology error:\\n", ...)."""
    assert done.returncode != 0, done.stdout
    assert done.stderr.startswith(prefix), done.stderr
    return done.stderr[len(prefix):].rstrip("\n")


def read_rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def columns_of(table) -> list[str]:
    return list(table.columns) if hasattr(table, "columns") else list(table)


def assert_table_equals_csv(table, path: Path) -> None:
    """Every column and every cell of a table equal the CLI's CSV file: text columns as text, numeric columns as
    the number written (an empty cell is NaN)."""
    rows = read_rows(path)
    header, body = rows[0], rows[1:]
    assert columns_of(table) == header
    mismatches = []
    for j, name in enumerate(header):
        values = list(table[name])
        assert len(values) == len(body), (name, len(values), len(body))
        for i, (row, value) in enumerate(zip(body, values)):
            cell = row[j]
            if isinstance(value, str):
                same = value == cell
            elif cell == "":
                same = math.isnan(value)
            else:
                same = float(cell) == float(value)
            if not same:
                mismatches.append((i, name, cell, value))
    assert not mismatches, mismatches[:10]


@pytest.fixture(scope="session")
def bfa_prices():
    import meb

    return meb.load_prices(BFA_PRICES)


@pytest.fixture(scope="session")
def small():
    import meb

    return meb.Methodology.from_file(str(BAD / "small.yaml"))

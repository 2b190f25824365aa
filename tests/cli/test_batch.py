"""`meb batch` and `meb history` end to end (issue 5): outputs, the SQLite history store, revisions,
change decomposition, revision alerts, crash safety, concurrency, progress and errors.

Exit codes (engine/cli/main.cpp): 0 ok, 1 internal, 2 usage, 3 input, 4 methodology or batch file,
5 output, 6 history store.

Every output and history file goes to tmp_path (--out and --history on the command line), so nothing is
written into the repository. Most tests use a small batch file written in tmp_path that names the two
Burkina Faso methodologies by absolute path and a COPY of the BFA price file, so that a test can correct
a price without touching data/. The store is read with the standard library's sqlite3, independently of
the engine; expected values come from `meb compute` (a separate path through the CLI), from the CSV
files, or from arithmetic written next to the assertion.

Run with /usr/bin/python3 -m pytest tests/cli/test_batch.py; MEB_BINARY and MEB_SOURCE_DIR must be set.
"""

from __future__ import annotations

import csv
import io
import math
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")

ROOT = Path(SOURCE) if SOURCE else Path(".")
SHIPPED_BATCH = ROOT / "scenarios" / "batch.yaml"
BFA_PRICES = ROOT / "data" / "bfa" / "wfp_food_prices_bfa_hdx_2020-08.csv"
NORMATIVE = ROOT / "scenarios" / "sahel-normative.yaml"
CAPPED = ROOT / "scenarios" / "sahel-capped-smeb.yaml"
NORMATIVE_ID = "sahel-normative-2019"
CAPPED_ID = "sahel-capped-smeb-2019"
SMALL_IDS = [NORMATIVE_ID, CAPPED_ID]

BATCH_OUTPUTS = {"transfer_values.csv", "basket_costs.csv", "manifest.json", "changes.csv", "change_lines.csv",
                 "alerts.csv", "bands.csv"}
STORE_TABLES = ["methodologies", "runs", "run_inputs", "revisions", "results", "prices_used", "alerts", "changes",
                "change_lines", "bands", "in_force"]

# The default revision rule of the small batch (as in scenarios/batch.yaml): 10% threshold, 3 months.
THRESHOLD = 0.10
MONTHS_TO_REVISE = 3
MIN_OBSERVED_SHARE = 0.5


# --------------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------------
def meb(*args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([BINARY, *map(str, args)], capture_output=True, text=True, timeout=timeout)


def batch(config: Path, out: Path, history: Path, *months: str) -> subprocess.CompletedProcess:
    return meb("batch", "--config", config, "--out", out, "--history", history, *months)


def rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text())))


def number(text: str) -> float:
    return float(text) if text != "" else math.nan


def by_area(path: Path) -> dict[tuple[str, str], dict[str, str]]:
    """transfer_values.csv (or any CSV with area_level and area) keyed by (level, area)."""
    return {(r["area_level"], r["area"]): r for r in rows(path)}


def connect(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(str(db), timeout=30)


def table_counts(db: Path) -> dict[str, int]:
    with connect(db) as connection:
        return {t: connection.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in STORE_TABLES}


def integrity(db: Path) -> str:
    with connect(db) as connection:
        return connection.execute("PRAGMA integrity_check").fetchone()[0]


def month_range(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    while f"{year:04d}-{month:02d}" <= last:
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def write_small_batch(directory: Path, prices: Path, extra_top: str = "") -> Path:
    """A two-methodology batch file with absolute paths, the shipped batch's rules and harmonisation."""
    path = directory / "small_batch.yaml"
    path.write_text(
        f"history: {directory / 'default_history.sqlite'}\n"
        f"output: {directory / 'default_out'}\n"
        f"prices: [{prices}]\n"
        f"{extra_top}"
        f"revision: {{threshold: {THRESHOLD}, hysteresis: 0.02, months: {MONTHS_TO_REVISE}, "
        f"min_observed_share: {MIN_OBSERVED_SHARE}, direction: either}}\n"
        "harmonise: {level: admin1, bands: 3, national: median, tolerance: 0.10}\n"
        "methodologies:\n"
        f"  - file: {NORMATIVE}\n"
        f"  - file: {CAPPED}\n"
        "    revision: {threshold: 0.08, months: 2}\n")
    return path


def small_setup(tmp_path: Path) -> tuple[Path, Path, Path, Path]:
    """(batch file, price copy, out dir, history store), all under tmp_path."""
    prices = tmp_path / "prices.csv"
    shutil.copyfile(BFA_PRICES, prices)
    return write_small_batch(tmp_path, prices), prices, tmp_path / "out", tmp_path / "history.sqlite"


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under a directory, recursively, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def methodology_id(path: Path) -> str:
    match = re.search(r"^id:\s*(\S+)", path.read_text(), re.MULTILINE)
    assert match, path
    return match.group(1)


def shipped_methodology_ids() -> list[str]:
    """The ids of the methodologies the shipped batch file lists, read from the files it names."""
    files = re.findall(r"^\s*- file:\s*(\S+)", SHIPPED_BATCH.read_text(), re.MULTILINE)
    return [methodology_id(SHIPPED_BATCH.parent / f) for f in files]


def latest_results(db: Path, methodology: str, month: str) -> dict[tuple[str, str], sqlite3.Row]:
    with connect(db) as connection:
        connection.row_factory = sqlite3.Row
        found = connection.execute(
            "SELECT res.* FROM results res JOIN revisions r ON r.revision_id = res.revision_id "
            "WHERE r.methodology_id = ? AND r.month = ? AND r.revision = "
            "(SELECT max(revision) FROM revisions WHERE methodology_id = ? AND month = ?)",
            (methodology, month, methodology, month)).fetchall()
    return {(r["level"], r["area"]): r for r in found}


def summary_line(stdout: str, month: str, methodology: str) -> str:
    """The line `meb batch` prints for one methodology of a single month."""
    lines = [l for l in stdout.splitlines() if l.startswith(month) and f" {methodology}:" in l]
    assert len(lines) == 1, stdout
    return lines[0]


# --------------------------------------------------------------------------------------------------
# the shipped batch, one month, then the same month again
# --------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shipped_2019_08(tmp_path_factory):
    """Runs the shipped batch for 2019-08 twice on the same store; records what each run left."""
    base = tmp_path_factory.mktemp("shipped")
    out, history = base / "out", base / "history.sqlite"
    first = batch(SHIPPED_BATCH, out, history, "--month", "2019-08")
    counts_first = table_counts(history) if first.returncode == 0 else None
    report_first = (out / "2019-08" / "report.md").read_text() if first.returncode == 0 else ""
    second = batch(SHIPPED_BATCH, out, history, "--month", "2019-08")
    counts_second = table_counts(history) if history.exists() else None
    return {"base": base, "out": out, "history": history, "first": first, "second": second,
            "counts_first": counts_first, "counts_second": counts_second, "report_first": report_first}


def test_shipped_batch_one_month_outputs_and_store(shipped_2019_08):
    first = shipped_2019_08["first"]
    assert first.returncode == 0, first.stderr
    out = shipped_2019_08["out"] / "2019-08"
    ids = shipped_methodology_ids()
    assert len(ids) == 7
    report = shipped_2019_08["report_first"]
    for id_ in ids:
        assert id_ in report, id_
        assert {p.name for p in (out / id_).iterdir()} == BATCH_OUTPUTS, id_
    assert {p.name for p in out.iterdir()} == set(ids) | {"report.md"}

    # The batch's Burkina Faso values equal those of `meb compute` on the same month (independent path).
    compute_out = shipped_2019_08["base"] / "compute"
    computed = meb("compute", "--methodology", NORMATIVE, "--prices", BFA_PRICES, "--from", "2019-08",
                   "--to", "2019-08", "--out", compute_out, "--quiet")
    assert computed.returncode == 0, computed.stderr
    from_batch = by_area(out / NORMATIVE_ID / "transfer_values.csv")
    from_compute = by_area(compute_out / "transfer_values.csv")
    assert set(from_batch) == set(from_compute)
    assert len(from_batch) == 14  # 13 admin1 regions of the BFA file + the national level
    for key, row in from_compute.items():
        assert from_batch[key]["month"] == "2019-08"
        for column in ("smeb", "meb", "transfer_value_unrounded", "transfer_value", "lines_observed", "lines_filled"):
            assert from_batch[key][column] == row[column], (key, column)

    # One run (2019-08), seven revisions (one per methodology, all revision 1), results for each.
    with connect(shipped_2019_08["history"]) as connection:
        assert connection.execute("SELECT month, status FROM runs").fetchall() == [("2019-08", "complete")]
        revisions = connection.execute("SELECT methodology_id, month, revision FROM revisions").fetchall()
        assert sorted(revisions) == sorted((id_, "2019-08", 1) for id_ in ids)
        stored = connection.execute(
            "SELECT level, area, value FROM results JOIN revisions USING (revision_id) WHERE methodology_id = ?",
            (NORMATIVE_ID,)).fetchall()
    assert {(level, area): value for level, area, value in stored} == {
        key: float(row["transfer_value"]) for key, row in from_compute.items()}


def test_shipped_batch_rerun_same_inputs_changes_nothing(shipped_2019_08):
    second = shipped_2019_08["second"]
    assert shipped_2019_08["first"].returncode == 0, shipped_2019_08["first"].stderr
    assert second.returncode == 0, second.stderr
    for id_ in shipped_methodology_ids():
        assert "unchanged" in summary_line(second.stdout, "2019-08", id_)
    assert "recorded" not in second.stdout and "revised" not in second.stdout
    assert shipped_2019_08["counts_second"] == shipped_2019_08["counts_first"]
    assert shipped_2019_08["counts_first"]["runs"] == 1


# --------------------------------------------------------------------------------------------------
# a corrected price file: a new revision, the old one kept, the report lists the changed numbers
# --------------------------------------------------------------------------------------------------
def correct_price(prices: Path, date: str, commodity: str, admin1: str, market: str, old: str, new: str) -> None:
    """Replaces the price of exactly one row of the price file copy."""
    lines = prices.read_text().split("\n")
    hits = [i for i, line in enumerate(lines)
            if line.startswith(f"{date},{commodity},") and f",{admin1}," in line and f",{market}," in line]
    assert len(hits) == 1, hits
    fields = next(csv.reader([lines[hits[0]]]))
    assert fields[4] == old, fields
    fields[4] = new
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(fields)
    lines[hits[0]] = buffer.getvalue()
    prices.write_text("\n".join(lines))


def test_corrected_input_adds_a_revision_and_keeps_the_old(tmp_path):
    config, prices, out, history = small_setup(tmp_path)
    first = batch(config, out, history, "--month", "2019-03")
    assert first.returncode == 0, first.stderr
    for id_ in SMALL_IDS:
        assert "revision 1 recorded" in summary_line(first.stdout, "2019-03", id_)
    before = latest_results(history, NORMATIVE_ID, "2019-03")
    csv_before = by_area(out / "2019-03" / NORMATIVE_ID / "transfer_values.csv")

    # Centre has two retail millet markets in 2019-03: Ouagadougo (Sankaryare) 217 and Gounghin 228, median
    # 222.5. Sankaryare x 1.5 = 325.5 gives a median of (228 + 325.5) / 2 = 276.75. The household eats
    # 0.15 kg x 30 days x 6 persons = 27 kg of millet: the Centre SMEB and MEB rise by 27 x 54.25 = 1,464.75.
    correct_price(prices, "2019-03-15", "Millet - Retail", "Centre", "Ouagadougo (Sankaryare)", "217.0", "325.5")
    second = batch(config, out, history, "--month", "2019-03")
    assert second.returncode == 0, second.stderr
    assert "revision 2 revised" in summary_line(second.stdout, "2019-03", NORMATIVE_ID)
    assert "revised" in summary_line(second.stdout, "2019-03", CAPPED_ID)

    with connect(history) as connection:
        revisions = connection.execute(
            "SELECT revision, run_id FROM revisions WHERE methodology_id = ? AND month = '2019-03' ORDER BY revision",
            (NORMATIVE_ID,)).fetchall()
        assert [r for r, _ in revisions] == [1, 2]
        assert revisions[0][1] != revisions[1][1]
        assert connection.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
        old_rows = connection.execute(
            "SELECT level, area, smeb, meb, value FROM results JOIN revisions USING (revision_id) "
            "WHERE methodology_id = ? AND month = '2019-03' AND revision = 1", (NORMATIVE_ID,)).fetchall()
    # Revision 1 still holds the old values, exactly as the first run wrote them.
    assert {(l, a): (s, m, v) for l, a, s, m, v in old_rows} == {
        k: (r["smeb"], r["meb"], r["value"]) for k, r in before.items()}
    assert {(l, a): v for l, a, _, _, v in old_rows} == {
        k: number(r["transfer_value"]) for k, r in csv_before.items()}

    after = latest_results(history, NORMATIVE_ID, "2019-03")
    centre = ("admin1", "Centre")
    assert after[centre]["smeb"] == pytest.approx(before[centre]["smeb"] + 1464.75, abs=1e-6)
    assert after[centre]["meb"] == pytest.approx(before[centre]["meb"] + 1464.75, abs=1e-6)
    # Every other region has its own markets: unchanged.
    for key in before:
        if key[0] == "admin1" and key != centre:
            assert (after[key]["smeb"], after[key]["meb"], after[key]["value"]) == (
                before[key]["smeb"], before[key]["meb"], before[key]["value"]), key

    report = (out / "2019-03" / "report.md").read_text()
    assert "Changed since the previous revision" in report
    for column in ("smeb", "meb"):
        assert f"Centre (admin1) {column} {before[centre][column]:.6g} -> {after[centre][column]:.6g}" in report
    value_line = f"Centre (admin1) transfer_value {before[centre]['value']:.6g} -> {after[centre]['value']:.6g}"
    assert (value_line in report) == (before[centre]["value"] != after[centre]["value"])
    assert "Boucle Du Mouhoun (admin1)" not in report.split("Changed since the previous revision")[1].split("|")[0]


# --------------------------------------------------------------------------------------------------
# back-fill: months in order, the change decomposition adds up
# --------------------------------------------------------------------------------------------------
BACKFILL = month_range("2019-01", "2019-06")


@pytest.fixture(scope="module")
def backfill(tmp_path_factory):
    base = tmp_path_factory.mktemp("backfill")
    config, _, out, history = small_setup(base)
    result = batch(config, out, history, "--from", BACKFILL[0], "--to", BACKFILL[-1])
    return {"base": base, "config": config, "out": out, "history": history, "result": result}


def test_backfill_runs_months_in_order(backfill):
    result = backfill["result"]
    assert result.returncode == 0, result.stderr
    with connect(backfill["history"]) as connection:
        assert [m for (m,) in connection.execute("SELECT month FROM runs ORDER BY run_id")] == BACKFILL
        for id_ in SMALL_IDS:
            assert connection.execute(
                "SELECT month, revision FROM revisions WHERE methodology_id = ? ORDER BY revision_id",
                (id_,)).fetchall() == [(m, 1) for m in BACKFILL]
    # One summary line per month, in order.
    assert [l[:7] for l in result.stdout.splitlines() if re.match(r"\d{4}-\d{2}: ", l)] == BACKFILL


@pytest.mark.parametrize("id_", SMALL_IDS)
def test_backfill_changes_add_up_and_match_the_previous_month(backfill, id_):
    assert backfill["result"].returncode == 0, backfill["result"].stderr
    out = backfill["out"]
    previous = by_area(out / "2019-01" / id_ / "transfer_values.csv")
    current = by_area(out / "2019-02" / id_ / "transfer_values.csv")
    changes = rows(out / "2019-02" / id_ / "changes.csv")
    lines = rows(out / "2019-02" / id_ / "change_lines.csv")
    # Every area with a transfer value in both months has its change explained.
    both = {k for k in current if previous.get(k, {}).get("transfer_value") and current[k]["transfer_value"]}
    assert both, "no area has a value in both months"
    assert {(c["area_level"], c["area"]) for c in changes} == both
    for change in changes:
        key = (change["area_level"], change["area"])
        assert change["reference_month"] == "2019-01" and change["month"] == "2019-02"
        before, after = float(change["before"]), float(change["after"])
        assert before == float(previous[key]["transfer_value"]), key
        assert after == float(current[key]["transfer_value"]), key
        assert float(change["change"]) == pytest.approx(after - before, abs=1e-6)
        parts = sum(float(change[p]) for p in ("price_observed", "price_filled", "quantity", "rule", "rounding"))
        assert parts == pytest.approx(after - before, abs=1e-6), key
        # The line contributions add up to the price and quantity parts of their area.
        own = [l for l in lines if (l["area_level"], l["area"]) == key]
        assert sum(float(l["price_effect"]) for l in own if l["filled"] == "false") == pytest.approx(
            float(change["price_observed"]), abs=1e-5), key
        assert sum(float(l["price_effect"]) for l in own if l["filled"] == "true") == pytest.approx(
            float(change["price_filled"]), abs=1e-5), key
        assert sum(float(l["quantity_effect"]) for l in own) == pytest.approx(float(change["quantity"]), abs=1e-5), key


def test_backfill_rounding_part_is_the_change_of_rounding_differences(backfill):
    """The rounding part of the change is the rounded change minus the unrounded change:
    (value' − unrounded') − (value − unrounded), read from the two months' transfer_values.csv."""
    out = backfill["out"]
    previous = by_area(out / "2019-01" / NORMATIVE_ID / "transfer_values.csv")
    current = by_area(out / "2019-02" / NORMATIVE_ID / "transfer_values.csv")
    for change in rows(out / "2019-02" / NORMATIVE_ID / "changes.csv"):
        key = (change["area_level"], change["area"])
        expected = float(current[key]["rounding_difference"]) - float(previous[key]["rounding_difference"])
        assert float(change["rounding"]) == pytest.approx(expected, abs=1e-5), key


# --------------------------------------------------------------------------------------------------
# meb history
# --------------------------------------------------------------------------------------------------
HISTORY_HEADER = ("methodology,area_level,area,month,revision,methodology_version,household_size,smeb,meb,"
                  "transfer_value_unrounded,transfer_value,change,observed_share,in_force,decision,reason")


def test_history_csv_is_the_stored_series(backfill):
    assert backfill["result"].returncode == 0, backfill["result"].stderr
    db = backfill["history"]
    result = meb("history", "--db", db, "--methodology", NORMATIVE_ID, "--area", "Centre", "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == HISTORY_HEADER
    series = rows_of_text(result.stdout)
    assert [r["month"] for r in series] == BACKFILL
    for i, row in enumerate(series):
        stored = latest_results(db, NORMATIVE_ID, row["month"])[("admin1", "Centre")]
        written = by_area(backfill["out"] / row["month"] / NORMATIVE_ID / "transfer_values.csv")[("admin1", "Centre")]
        assert (row["methodology"], row["area_level"], row["area"], row["revision"]) == (
            NORMATIVE_ID, "admin1", "Centre", "1")
        assert float(row["smeb"]) == pytest.approx(stored["smeb"], abs=1e-6)
        assert float(row["meb"]) == pytest.approx(stored["meb"], abs=1e-6)
        assert float(row["transfer_value"]) == stored["value"] == float(written["transfer_value"])
        assert float(row["observed_share"]) == pytest.approx(stored["observed_share"], abs=1e-6)
        # The change column is this month's value minus the previous month's; empty for the first month.
        if i == 0:
            assert row["change"] == ""
        else:
            assert float(row["change"]) == float(row["transfer_value"]) - float(series[i - 1]["transfer_value"])
        # No value in force was set: the alert says so.
        assert row["in_force"] == "" and row["decision"] == "insufficient data"


def rows_of_text(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_history_matches_the_area_ignoring_case(backfill):
    db = backfill["history"]
    exact = meb("history", "--db", db, "--methodology", NORMATIVE_ID, "--area", "Centre", "--format", "csv")
    folded = meb("history", "--db", db, "--methodology", NORMATIVE_ID, "--area", "centre", "--format", "csv")
    assert folded.returncode == 0, folded.stderr
    assert folded.stdout == exact.stdout and len(folded.stdout.splitlines()) == 1 + len(BACKFILL)
    table = meb("history", "--db", db, "--methodology", NORMATIVE_ID, "--area", "CENTRE")
    assert table.returncode == 0, table.stderr
    assert all(m in table.stdout for m in BACKFILL)


def test_history_unknown_area_lists_the_areas(backfill):
    db = backfill["history"]
    result = meb("history", "--db", db, "--methodology", NORMATIVE_ID, "--area", "Atlantis")
    assert result.returncode == 3, result.stderr
    assert "Atlantis" in result.stderr
    with connect(db) as connection:
        areas = [a for (a,) in connection.execute(
            "SELECT DISTINCT area FROM results JOIN revisions USING (revision_id) WHERE methodology_id = ?",
            (NORMATIVE_ID,))]
    assert len(areas) == 14
    for area in areas:
        assert area in result.stderr, area


def test_history_unknown_methodology_and_missing_store(backfill, tmp_path):
    unknown = meb("history", "--db", backfill["history"], "--methodology", "no-such-method", "--area", "Centre")
    assert unknown.returncode == 3, unknown.stderr
    assert "no-such-method" in unknown.stderr
    for id_ in SMALL_IDS:
        assert id_ in unknown.stderr  # what the store does hold
    missing = tmp_path / "nowhere.sqlite"
    result = meb("history", "--db", missing, "--methodology", NORMATIVE_ID, "--area", "Centre")
    assert result.returncode == 6, result.stderr
    assert str(missing) in result.stderr
    assert not missing.exists()  # reading must not create a store


# --------------------------------------------------------------------------------------------------
# values in force and revision alerts
# --------------------------------------------------------------------------------------------------
def observed_share(basket_costs: Path, area: str) -> float:
    """Share of the basis cost (the MEB: every line) priced from prices observed in the area, over the
    market-priced lines (stated costs count on neither side), from basket_costs.csv."""
    market, observed = 0.0, 0.0
    for line in rows(basket_costs):
        if line["area_level"] != "admin1" or line["area"] != area:
            continue
        if line["price_status"] in ("observed", "parent", "carried_forward"):
            cost = float(line["quantity"]) * float(line["price"])
            market += cost
            observed += cost if line["price_status"] == "observed" else 0.0
    return observed / market


def test_set_in_force_then_alerts_hold_hold_revise(tmp_path):
    config, _, out, history = small_setup(tmp_path)
    months = ["2019-01", "2019-02", "2019-03"]
    # The store must know the areas before a value can be set in force: record the month before.
    first = batch(config, out, history, "--month", "2018-12")
    assert first.returncode == 0, first.stderr
    # The computed Centre values, from `meb compute` (independent of the batch).
    computed_dir = tmp_path / "compute"
    computed = meb("compute", "--methodology", NORMATIVE, "--prices", BFA_PRICES, "--from", months[0], "--to",
                   months[-1], "--out", computed_dir, "--quiet")
    assert computed.returncode == 0, computed.stderr
    centre = {r["month"]: float(r["transfer_value"]) for r in rows(computed_dir / "transfer_values.csv")
              if r["area_level"] == "admin1" and r["area"] == "Centre"}
    assert sorted(centre) == months
    # A value in force 20% under the lowest computed value: every month's gap is at least 1/0.8 − 1 = 25%.
    in_force = round(min(centre.values()) * 0.8)
    gaps = {m: (v - in_force) / in_force for m, v in centre.items()}
    assert all(g > THRESHOLD for g in gaps.values()), gaps

    note = "CWG meeting 2018-12-20, minute 4"
    result = meb("history", "set-in-force", "--db", history, "--methodology", NORMATIVE_ID, "--area", "Centre",
                 "--month", "2019-01", "--value", str(in_force), "--note", note)
    assert result.returncode == 0, result.stderr

    result = batch(config, out, history, "--from", months[0], "--to", months[-1])
    assert result.returncode == 0, result.stderr
    # The rule (threshold 10%, 3 months, either direction): every gap is above the threshold in the same
    # direction, so the run grows 1, 2, 3 and the decision is hold, hold, revise, provided at least half of
    # the basket's cost is observed each month (checked from basket_costs.csv).
    expected_decisions = ["hold", "hold", "revise"]
    for k, month in enumerate(months):
        share = observed_share(out / month / NORMATIVE_ID / "basket_costs.csv", "Centre")
        assert share >= MIN_OBSERVED_SHARE, (month, share)
        alerts = {(a["area_level"], a["area"]): a for a in rows(out / month / NORMATIVE_ID / "alerts.csv")}
        alert = alerts[("admin1", "Centre")]
        assert float(alert["computed"]) == centre[month]
        assert float(alert["in_force"]) == in_force
        assert float(alert["gap"]) == pytest.approx(gaps[month], abs=1e-6)
        assert float(alert["observed_share"]) == pytest.approx(share, abs=1e-6)
        assert int(alert["run_length"]) == k + 1
        assert alert["decision"] == expected_decisions[k], alert
        # Areas without a value in force cannot be judged.
        assert alerts[("admin1", "Sahel")]["decision"] == "insufficient data"
    # The month before the value took effect had nothing in force.
    december = {(a["area_level"], a["area"]): a for a in rows(out / "2018-12" / NORMATIVE_ID / "alerts.csv")}
    assert december[("admin1", "Centre")]["decision"] == "insufficient data"

    # The group keeps the value unchanged: recorded as 'kept', with the same value.
    kept = meb("history", "set-in-force", "--db", history, "--methodology", NORMATIVE_ID, "--area", "centre",
               "--month", "2019-04", "--keep", "--note", "kept until the next harvest")
    assert kept.returncode == 0, kept.stderr
    with connect(history) as connection:
        entries = connection.execute(
            "SELECT area, value, effective_month, kind, note FROM in_force WHERE methodology_id = ? ORDER BY entry_id",
            (NORMATIVE_ID,)).fetchall()
    assert entries == [("Centre", in_force, "2019-01", "set", note),
                       ("Centre", in_force, "2019-04", "kept", "kept until the next harvest")]

    listed = meb("history", "in-force", "--db", history, "--methodology", NORMATIVE_ID)
    assert listed.returncode == 0, listed.stderr
    printed = rows_of_text(listed.stdout)
    assert [(r["area"], float(r["value"]), r["effective_month"], r["kind"], r["note"]) for r in printed] == [
        (a, v, m, k, n) for a, v, m, k, n in entries]


def test_value_set_in_force_after_months_were_recorded_reaches_the_store(tmp_path):
    """A group usually sets the value in force after the months were first computed. Rerunning those months
    (same prices) evaluates their alerts against the new value; the store, which `meb history` reads, must
    then tell the same decision as the month's alerts.csv and the batch's summary, not the stale
    `insufficient data` recorded before any value was in force."""
    config, _, out, history = small_setup(tmp_path)
    months = ["2019-01", "2019-02", "2019-03"]
    assert batch(config, out, history, "--from", months[0], "--to", months[-1]).returncode == 0
    values = {m: float(by_area(out / m / NORMATIVE_ID / "transfer_values.csv")[("admin1", "Centre")]["transfer_value"])
              for m in months}
    in_force = round(min(values.values()) * 0.8)  # every gap >= 25%: hold, hold, revise
    set_value = meb("history", "set-in-force", "--db", history, "--methodology", NORMATIVE_ID, "--area", "Centre",
                    "--month", months[0], "--value", str(in_force))
    assert set_value.returncode == 0, set_value.stderr
    rerun = batch(config, out, history, "--from", months[0], "--to", months[-1])
    assert rerun.returncode == 0, rerun.stderr
    written = [by_area(out / m / NORMATIVE_ID / "alerts.csv")[("admin1", "Centre")] for m in months]
    assert [a["decision"] for a in written] == ["hold", "hold", "revise"]
    series = rows_of_text(meb("history", "--db", history, "--methodology", NORMATIVE_ID, "--area", "Centre",
                              "--format", "csv").stdout)
    assert [(r["month"], r["decision"], r["in_force"]) for r in series] == [
        (m, a["decision"], a["in_force"]) for m, a in zip(months, written)]


# --------------------------------------------------------------------------------------------------
# crash safety and concurrency
# --------------------------------------------------------------------------------------------------
def store_shape(db: Path) -> dict[tuple[str, str], list[tuple[int, int, int, int]]]:
    """(methodology, month) -> [(revision, results rows, prices_used rows, alerts rows)] per revision."""
    with connect(db) as connection:
        found = connection.execute(
            "SELECT r.methodology_id, r.month, r.revision, "
            "(SELECT count(*) FROM results WHERE revision_id = r.revision_id), "
            "(SELECT count(*) FROM prices_used WHERE revision_id = r.revision_id), "
            "(SELECT count(*) FROM alerts WHERE revision_id = r.revision_id) "
            "FROM revisions r ORDER BY r.revision_id").fetchall()
    shape: dict[tuple[str, str], list[tuple[int, int, int, int]]] = {}
    for id_, month, revision, results, prices, alerts in found:
        shape.setdefault((id_, month), []).append((revision, results, prices, alerts))
    return shape


def assert_whole_months(db: Path, reference: dict[tuple[str, str], tuple[int, int, int]]) -> set[str]:
    """Integrity, every run with the revisions of all its methodologies, every revision with all its rows.
    Returns the months recorded."""
    assert integrity(db) == "ok"
    with connect(db) as connection:
        runs = connection.execute("SELECT run_id, month, status FROM runs").fetchall()
        members = connection.execute("SELECT run_id, methodology_id, month FROM revisions").fetchall()
    expected_ids = {}
    for (id_, month) in reference:
        expected_ids.setdefault(month, set()).add(id_)
    for run_id, month, status in runs:
        assert status == "complete"
        assert {i for r, i, _ in members if r == run_id} == expected_ids[month], (run_id, month)
        assert {m for r, _, m in members if r == run_id} == {month}
    for key, revisions in store_shape(db).items():
        for revision, results, prices, alerts in revisions:
            assert (results, prices, alerts) == reference[key], (key, revision)
    return {month for _, month, _ in runs}


def test_kill_9_during_backfill_leaves_whole_months(tmp_path):
    config, _, out, history = small_setup(tmp_path)
    months = month_range("2017-01", "2020-07")
    # A complete run in a separate store: how many rows each methodology's month has.
    reference_store = tmp_path / "reference.sqlite"
    complete = batch(config, tmp_path / "reference_out", reference_store, "--from", months[0], "--to", months[-1])
    assert complete.returncode == 0, complete.stderr
    reference = {key: revisions[0][1:] for key, revisions in store_shape(reference_store).items()}
    assert {m for _, m in reference} == set(months)

    # The delay starts when the batch begins writing months (its first "[k/N] YYYY-MM: ..." progress line):
    # before that it only reads and computes, and a kill there would test nothing about the store.
    rng = random.Random(20190801)
    partial_seen = False
    for attempt in range(5):
        delay = rng.uniform(0.01, 0.3)
        process = subprocess.Popen([BINARY, "batch", "--config", str(config), "--out", str(out), "--history",
                                    str(history), "--from", months[0], "--to", months[-1]],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for line in process.stderr:
            if re.match(r"\[\d+/\d+\] \d{4}-\d{2}: ", line):
                break
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        process.stderr.close()
        recorded = assert_whole_months(history, reference) if history.exists() else set()
        partial_seen = partial_seen or 0 < len(recorded) < len(months)
        # Months are written in order: what is recorded is a prefix of the range.
        assert sorted(recorded) == months[:len(recorded)], (attempt, delay, sorted(recorded))
    assert partial_seen, "no kill landed in the middle of the back-fill"

    final = batch(config, out, history, "--from", months[0], "--to", months[-1])
    assert final.returncode == 0, final.stderr
    assert assert_whole_months(history, reference) == set(months)
    shape = store_shape(history)
    assert set(shape) == set(reference)
    # A kill between a month's commit and its files is repaired by the rerun (an unchanged month is written).
    for month in months:
        assert (out / month / "report.md").is_file(), month
        for id_ in SMALL_IDS:
            assert len(rows(out / month / id_ / "transfer_values.csv")) == reference[(id_, month)][0], (id_, month)
    assert all(len(revisions) == 1 for revisions in shape.values())
    # The same values as the uninterrupted run.
    for id_ in SMALL_IDS:
        for month in ("2017-01", "2018-06", "2020-07"):
            assert {k: r["value"] for k, r in latest_results(history, id_, month).items()} == {
                k: r["value"] for k, r in latest_results(reference_store, id_, month).items()}


@pytest.mark.parametrize("ranges", [[("2019-01", "2019-06"), ("2019-07", "2019-12")],
                                    [("2019-01", "2019-06"), ("2019-04", "2019-09")]],
                         ids=["disjoint", "overlapping"])
def test_two_batches_at_once_on_the_same_store(tmp_path, ranges):
    """Both start on a store that does not exist yet. The batch lock (<store>.lock) runs them one after the
    other, so both succeed. With overlapping ranges a shared month is recorded once when the batch that
    explains it from its previous month goes first; when the other one goes first, its record of 2019-04 has
    no previous month to explain the change from, and the second batch adds a revision that has it
    (docs/history.md: a revision is any difference in what the month records). Never more than that."""
    config, _, out, history = small_setup(tmp_path)
    processes = [subprocess.Popen([BINARY, "batch", "--config", str(config), "--out", str(out), "--history",
                                   str(history), "--from", first, "--to", last],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for first, last in ranges]
    results = [(p.returncode, out_text, err) for p in processes for out_text, err in [p.communicate(timeout=600)]]
    codes = [code for code, _, _ in results]
    assert all(code in (0, 6) for code in codes), results
    assert 0 in codes, results
    for code, _, err in results:
        if code == 6:
            assert "another meb batch" in err, err
    assert integrity(history) == "ok"
    # Whole months: each revision has one results row per row of the month's transfer_values.csv, and one
    # prices_used row per row of its basket_costs.csv; a batch that ended with 0 recorded all its months.
    with connect(history) as connection:
        found = connection.execute(
            "SELECT r.methodology_id, r.month, "
            "(SELECT count(*) FROM results WHERE revision_id = r.revision_id), "
            "(SELECT count(*) FROM prices_used WHERE revision_id = r.revision_id) FROM revisions r").fetchall()
    recorded = {}
    for id_, month, results_rows, price_rows in found:
        assert results_rows == len(rows(out / month / id_ / "transfer_values.csv")), (id_, month)
        assert price_rows == len(rows(out / month / id_ / "basket_costs.csv")), (id_, month)
        recorded.setdefault(month, []).append(id_)
    assert codes == [0, 0], results
    first_months = set(month_range(*ranges[0]))
    second_months = set(month_range(*ranges[1]))
    for month in first_months | second_months:
        ids = recorded.get(month, [])
        assert set(ids) == set(SMALL_IDS), month
        if month not in (first_months & second_months) or month != ranges[1][0]:
            assert sorted(ids) == sorted(SMALL_IDS), month  # recorded once
        else:
            assert len(ids) in (len(SMALL_IDS), 2 * len(SMALL_IDS)), month
    with connect(history) as connection:
        unexplained = connection.execute(
            "SELECT r.methodology_id, r.month FROM revisions r WHERE r.month > ? AND r.revision = "
            "(SELECT max(revision) FROM revisions r2 WHERE r2.methodology_id = r.methodology_id AND r2.month = r.month)"
            " AND NOT EXISTS (SELECT 1 FROM changes c WHERE c.revision_id = r.revision_id)", (ranges[0][0],)).fetchall()
    # Every latest revision after the first month explains its change from the previous month, except the first
    # month of the second range when that batch ran first (its previous month was not recorded yet; with
    # overlapping ranges the other batch then re-records it with the change explained).
    assert {month for _, month in unexplained} <= {ranges[1][0]}
    if ranges[1][0] in first_months:
        assert unexplained == []


def test_a_batch_that_cannot_get_the_write_lock_exits_6_and_changes_nothing(tmp_path):
    """Another writer holds the store (here: this test, with BEGIN IMMEDIATE) longer than the batch waits
    (HistoryOptions::busy_timeout_ms, 10 s): exit 6, a message saying another batch is writing, nothing
    recorded and the month's files not written."""
    config, _, out, history = small_setup(tmp_path)
    first = batch(config, out, history, "--month", "2019-03")
    assert first.returncode == 0, first.stderr
    counts = table_counts(history)
    holder = sqlite3.connect(str(history), isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        result = batch(config, out, history, "--month", "2019-04")
        waited = time.monotonic() - started
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.returncode == 6, result.stderr
    assert "another meb batch" in result.stderr and str(history) in result.stderr
    assert waited >= 9.0  # it waited for the lock before giving up
    assert not (out / "2019-04").exists()
    assert table_counts(history) == counts
    assert integrity(history) == "ok"


# --------------------------------------------------------------------------------------------------
# progress
# --------------------------------------------------------------------------------------------------
def test_progress_is_plain_lines_when_not_a_terminal(tmp_path):
    config, _, out, history = small_setup(tmp_path)
    result = batch(config, out, history, "--month", "2019-08")
    assert result.returncode == 0, result.stderr
    assert "\r" not in result.stderr and "\x1b" not in result.stderr
    lines = result.stderr.splitlines()
    # 2 methodologies computed + 1 month recorded = 3 steps.
    assert [re.match(r"\[(\d+)/(\d+)\] ", l).groups() for l in lines] == [("1", "3"), ("2", "3"), ("3", "3")]
    assert NORMATIVE.name in lines[0] and CAPPED.name in lines[1]
    areas = sum(len(rows(out / "2019-08" / id_ / "transfer_values.csv")) for id_ in SMALL_IDS)
    assert f"2019-08: 2 methodologies, {areas} area results" in lines[2]
    assert all("time left" in l for l in lines)

    quiet = batch(config, tmp_path / "quiet_out", tmp_path / "quiet.sqlite", "--month", "2019-08", "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and quiet.stderr == ""


# --------------------------------------------------------------------------------------------------
# errors
# --------------------------------------------------------------------------------------------------
def test_unknown_key_in_batch_file_exit_4_with_position(tmp_path):
    config, _, out, history = small_setup(tmp_path)
    text = config.read_text().split("\n")
    text.insert(2, "colour: red")  # line 3, column 1
    config.write_text("\n".join(text))
    result = batch(config, out, history, "--month", "2019-08")
    assert result.returncode == 4, result.stderr
    assert f"{config}:3:1" in result.stderr and "colour" in result.stderr
    assert not out.exists() and not history.exists()


def test_missing_price_file_exit_3_names_it(tmp_path):
    missing = tmp_path / "no_such_prices.csv"
    config = write_small_batch(tmp_path, missing)
    result = batch(config, tmp_path / "out", tmp_path / "history.sqlite", "--month", "2019-08")
    assert result.returncode == 3, result.stderr
    assert str(missing) in result.stderr


def test_month_and_range_together_exit_2(tmp_path):
    config, _, out, history = small_setup(tmp_path)
    result = batch(config, out, history, "--month", "2019-08", "--from", "2019-01", "--to", "2019-02")
    assert result.returncode == 2, result.stderr
    assert "--month" in result.stderr
    assert not history.exists()


def test_newer_store_refused_exit_6(tmp_path):
    config, _, out, _ = small_setup(tmp_path)
    newer = tmp_path / "newer.sqlite"
    with connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    result = batch(config, out, newer, "--month", "2019-08")
    assert result.returncode == 6, result.stderr
    assert "newer" in result.stderr and str(newer) in result.stderr
    with connect(newer) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == 99
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # not switched to WAL


def test_failed_runs_leave_previous_outputs_and_store_unchanged(tmp_path):
    config, prices, out, history = small_setup(tmp_path)
    good = batch(config, out, history, "--month", "2019-03")
    assert good.returncode == 0, good.stderr
    files = snapshot(out)
    assert len(files) == 1 + 7 * 2
    counts = table_counts(history)

    # 1. A price file that does not exist (exit 3).
    failing = tmp_path / "failing"
    failing.mkdir()
    missing = write_small_batch(failing, failing / "missing.csv")
    result = batch(missing, out, history, "--month", "2019-03")
    assert result.returncode == 3, result.stderr
    assert snapshot(out) == files

    # 2. A store from a newer engine (exit 6).
    newer = tmp_path / "newer.sqlite"
    with connect(newer) as connection:
        connection.execute("PRAGMA user_version = 99")
    result = batch(config, out, newer, "--month", "2019-03")
    assert result.returncode == 6, result.stderr
    assert snapshot(out) == files

    # 3. A failure inside the month's transaction: a population file without most regions (exit 3). The
    # month is neither recorded again nor written.
    population = tmp_path / "population.csv"
    population.write_text("region,people\nCentre,3000000\n")
    with_population = tmp_path / "with_population"
    with_population.mkdir()
    broken = write_small_batch(with_population, prices,
                               extra_top=f"population: {{file: {population}, area: region, value: people}}\n")
    result = batch(broken, out, history, "--month", "2019-03")
    assert result.returncode == 3, result.stderr
    assert str(population) in result.stderr and "Sahel" in result.stderr
    assert snapshot(out) == files
    assert table_counts(history) == counts
    assert integrity(history) == "ok"

"""meb.History on a store written by `meb batch`: the series is what `meb history --format csv` prints and what
the batch wrote to transfer_values.csv; values in force set from Python are what `meb history in-force` lists."""

from __future__ import annotations

import csv
import io

import pytest

import meb
from conftest import SOURCE, assert_table_equals_csv, cli_error, read_rows, run_meb, run_meb_ok

NORMATIVE = "sahel-normative-2019"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    base = tmp_path_factory.mktemp("batch")
    run_meb_ok("batch", "--config", SOURCE / "scenarios" / "batch.yaml", "--from", "2019-07", "--to", "2019-08",
               "--out", base / "out", "--history", base / "history.sqlite", "--quiet")
    return base


def history_csv(db, *args) -> str:
    return run_meb_ok("history", "--db", db, *args).stdout


def test_methodologies_and_areas(store):
    with meb.History(store / "history.sqlite") as history:
        ids = history.methodologies()
        assert ids == sorted(p.name for p in (store / "out" / "2019-08").iterdir() if p.is_dir())
        assert len(ids) == 7
        written = read_rows(store / "out" / "2019-08" / NORMATIVE / "transfer_values.csv")
        assert history.areas(NORMATIVE) == sorted({row[3] for row in written[1:]})


def test_series_is_what_meb_history_prints(store, tmp_path):
    db = store / "history.sqlite"
    history = meb.History(str(db))
    for area in ("Centre", "Nord", "national"):
        expected = tmp_path / f"{area}.csv"
        expected.write_text(history_csv(db, "--methodology", NORMATIVE, "--area", area, "--format", "csv"))
        series = history.series(NORMATIVE, area)
        assert_table_equals_csv(series, expected)
        assert list(series["month"]) == ["2019-07", "2019-08"]
    # Names match ignoring case, as in `meb history`.
    assert list(history.series(NORMATIVE, "centre")["area"]) == ["Centre", "Centre"]
    assert len(history.series(NORMATIVE, "Centre", from_month="2019-08")) == 1


def test_series_equals_the_batch_outputs(store):
    history = meb.History(store / "history.sqlite")
    series = history.series(NORMATIVE, "Centre")
    for month, stored in zip(("2019-07", "2019-08"), series.itertuples()):
        rows = read_rows(store / "out" / month / NORMATIVE / "transfer_values.csv")
        header = rows[0]
        centre = next(dict(zip(header, row)) for row in rows[1:] if row[header.index("area")] == "Centre")
        for column in ("smeb", "meb", "transfer_value_unrounded", "transfer_value", "household_size"):
            assert getattr(stored, column) == float(centre[column]), (month, column)
    # change = this month's transfer value - last month's.
    assert series["change"].iloc[1] == series["transfer_value"].iloc[1] - series["transfer_value"].iloc[0]


def test_unknown_area_is_the_cli_input_error(store):
    db = store / "history.sqlite"
    expected = cli_error(run_meb("history", "--db", db, "--methodology", NORMATIVE, "--area", "Nope"),
                         "meb: input error: ")
    with pytest.raises(meb.InputError) as raised:
        meb.History(db).series(NORMATIVE, "Nope")
    assert str(raised.value) == expected


def test_set_in_force_is_listed_by_meb_history(store, tmp_path):
    db = store / "history.sqlite"
    history = meb.History(db)
    assert history.in_force(NORMATIVE, "Centre", "2019-08") is None
    entry = history.set_in_force(NORMATIVE, "centre", "2019-08", value=35000, note="CWG decision")
    assert (entry["area"], entry["value"], entry["kind"]) == ("Centre", 35000.0, "set")
    assert history.in_force(NORMATIVE, "Centre", "2019-09")["value"] == 35000.0
    assert history.in_force(NORMATIVE, "Centre", "2019-07") is None
    kept = history.set_in_force(NORMATIVE, "Centre", "2019-10", keep=True)
    assert (kept["value"], kept["kind"]) == (35000.0, "kept")
    listed = tmp_path / "in_force.csv"
    listed.write_text(run_meb_ok("history", "in-force", "--db", db, "--methodology", NORMATIVE).stdout)
    assert_table_equals_csv(history.in_force(NORMATIVE), listed)
    assert len(list(csv.reader(io.StringIO(listed.read_text())))) == 3
    with pytest.raises(ValueError, match="either value or keep"):
        history.set_in_force(NORMATIVE, "Centre", "2019-11")
    history.close()
    with pytest.raises(meb.HistoryError, match="closed"):
        history.methodologies()

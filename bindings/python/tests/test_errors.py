"""Engine errors as Python exceptions: the right class, and the very message `meb` prints after its prefix.

Fixtures: tests/data/bad (its README names the broken line of each file)."""

from __future__ import annotations

import pytest

import meb
from conftest import BAD, MALI_PRICES, cli_error, run_meb, scenario_file

SMALL = str(BAD / "small.yaml")


def cli_compute(prices: str, out, *extra: str, methodology: str = SMALL):
    return run_meb("compute", "--prices", prices, "--methodology", methodology, "--out", out, *extra)


def test_exception_classes():
    for error in (meb.InputError, meb.MethodologyError):
        assert issubclass(error, ValueError) and issubclass(error, meb.Error)
    assert issubclass(meb.ScenarioError, meb.MethodologyError)
    assert issubclass(meb.OutputError, meb.Error) and issubclass(meb.HistoryError, meb.Error)
    assert not issubclass(meb.OutputError, ValueError)
    assert meb.InputError.__module__ == "meb"


@pytest.mark.parametrize("fixture, line", [("prices_wrong_columns.csv", 4), ("prices_bad_date.csv", 3),
                                           ("prices_non_numeric.csv", 5), ("prices_negative.csv", 2),
                                           ("prices_missing_price.csv", 3), ("prices_bad_unit.csv", 4)])
def test_bad_price_rows_raise_the_cli_message(fixture, line, tmp_path):
    path = str(BAD / fixture)
    expected = cli_error(cli_compute(path, tmp_path / "out"), "meb: input error: ")
    assert f"{path}:{line}" in expected
    with pytest.raises(meb.InputError) as raised:
        meb.compute(path, SMALL)
    assert str(raised.value) == expected
    # Loading for the methodology reads as `meb compute` reads: the same error, at load.
    if fixture != "prices_bad_unit.csv":  # a unit is only converted when the series are built
        with pytest.raises(meb.InputError) as at_load:
            meb.load_prices(path, methodology=SMALL)
        assert str(at_load.value) == expected


def test_a_table_loaded_without_methodology_lists_bad_rows_and_compute_raises(tmp_path):
    path = str(BAD / "prices_non_numeric.csv")
    prices = meb.load_prices(path)
    issues = prices.issues
    assert list(issues["line"]) == [5] and list(issues["value"]) == ["abc"]
    assert prices.summary()["rows_skipped"] == 1
    expected = cli_error(cli_compute(path, tmp_path / "out"), "meb: input error: ")
    with pytest.raises(meb.InputError, match="price is not a number") as raised:
        meb.compute(prices, SMALL)
    assert str(raised.value) == expected


def test_bad_rows_of_unused_commodities_are_listed_never_raised():
    prices = meb.load_prices(str(BAD / "prices_unused_bad.csv"), methodology=SMALL)
    issues = prices.issues
    assert list(issues["line"]) == [8] and list(issues["commodity"]) == ["Sugar"]
    assert list(issues["value"]) == ["n/a"]
    result = meb.compute(prices, SMALL)
    assert list(result.transfer_values["transfer_value"]) == [10000, 12500]  # tests/data/bad/README.md


def test_methodology_errors_list_every_problem_as_the_cli(tmp_path):
    path = str(BAD / "four_errors.yaml")
    expected = cli_error(run_meb("validate", "--methodology", path), "meb: methodology error:\n")
    assert len(expected.splitlines()) == 4
    with pytest.raises(meb.MethodologyError) as raised:
        meb.Methodology.from_file(path)
    assert str(raised.value) == expected
    with pytest.raises(meb.MethodologyError) as from_text:
        meb.Methodology.from_yaml((BAD / "four_errors.yaml").read_text(), name=path)
    assert str(from_text.value) == expected


def test_from_dict_errors_name_the_key():
    with pytest.raises(meb.MethodologyError) as raised:
        meb.Methodology.from_dict({"id": "demo", "currency": "XOF", "colour": "red", "basket": []})
    assert "<dict>:3:1: key 'colour': unknown key" in str(raised.value)


def test_missing_files(tmp_path):
    expected = cli_error(cli_compute("nope.csv", tmp_path / "out"), "meb: input error: ")
    with pytest.raises(meb.InputError) as raised:
        meb.load_prices("nope.csv")
    assert str(raised.value) == expected == "cannot open 'nope.csv' for reading"
    expected = cli_error(cli_compute(str(BAD / "prices_ok.csv"), tmp_path / "out", methodology="nope.yaml"),
                         "meb: methodology error:\n")
    with pytest.raises(meb.MethodologyError) as raised:
        meb.Methodology.from_file("nope.yaml")
    assert str(raised.value) == expected


def test_areas_file_missing_a_market(tmp_path):
    areas = str(BAD / "areas_missing_market.csv")
    expected = cli_error(cli_compute(str(BAD / "prices_ok.csv"), tmp_path / "out", "--areas", areas),
                         "meb: input error: ")
    with pytest.raises(meb.InputError) as raised:
        meb.compute(str(BAD / "prices_ok.csv"), SMALL, areas=areas)
    assert str(raised.value) == expected


def test_output_error_when_the_directory_cannot_be_made(tmp_path):
    (tmp_path / "blocker").write_text("a file, not a directory")
    out = tmp_path / "blocker" / "out"
    expected = cli_error(cli_compute(str(BAD / "prices_ok.csv"), out), "meb: output error: ")
    result = meb.compute(str(BAD / "prices_ok.csv"), SMALL)
    with pytest.raises(meb.OutputError) as raised:
        result.write(out)
    assert str(raised.value) == expected


def test_history_error_for_a_missing_store(tmp_path):
    db = tmp_path / "none.sqlite"
    expected = cli_error(run_meb("history", "--db", db, "--methodology", "a", "--area", "b"),
                         "meb: history store error: ")
    with pytest.raises(meb.HistoryError) as raised:
        meb.History(db)
    assert str(raised.value) == expected
    assert not db.exists()


def test_usage_errors_are_value_errors_with_the_cli_text(tmp_path):
    """What the CLI calls usage errors, with the keyword named instead of the option."""
    with pytest.raises(ValueError, match=r"^from_month expects a month YYYY-MM, got '2019-1'$"):
        meb.compute(str(BAD / "prices_ok.csv"), SMALL, from_month="2019-1")
    with pytest.raises(ValueError, match=r"^to_month 2019-01 is before from_month 2019-03$"):
        meb.compute(str(BAD / "prices_ok.csv"), SMALL, from_month="2019-03", to_month="2019-01")
    expected = cli_error(run_meb("compute", "--prices", MALI_PRICES, "--methodology", scenario_file("mali-expenditure.yaml"),
                                 "--out", tmp_path / "out"), "meb: usage error: ").splitlines()[0]
    with pytest.raises(ValueError) as raised:
        meb.compute(MALI_PRICES, scenario_file("mali-expenditure.yaml"))
    assert str(raised.value) == expected.replace("--survey FILE", "survey=FILE")
    expected = cli_error(cli_compute(str(BAD / "prices_ok.csv"), tmp_path / "out", "--bootstrap", "10", "--percentiles",
                                     "90,10"), "meb: usage error: --percentiles 90,10: ").splitlines()[0]
    with pytest.raises(ValueError) as raised:
        meb.compute(str(BAD / "prices_ok.csv"), SMALL, bootstrap=10, percentiles=[90, 10])
    assert str(raised.value) == expected == "percentiles must be strictly increasing, got 90 then 10"

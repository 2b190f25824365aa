"""In-memory inputs: a DataFrame gives the result of the file it holds, a NumPy matrix gives values computed by
hand, and tables come out as dicts of NumPy arrays when pandas is not importable."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pytest

import meb
from conftest import (BAD, BFA_PRICES, MALI_PRICES, MALI_SURVEY, assert_table_equals_csv, columns_of, run_meb_ok,
                      scenario_file)

NORMATIVE = scenario_file("sahel-normative.yaml")
WINDOW = {"from_month": "2019-01", "to_month": "2019-06"}


@pytest.fixture(scope="module")
def from_file():
    return meb.compute(BFA_PRICES, NORMATIVE, **WINDOW)


def assert_same_result(result, expected):
    pd.testing.assert_frame_equal(result.transfer_values, expected.transfer_values)
    pd.testing.assert_frame_equal(result.basket_costs, expected.basket_costs)


def test_dataframe_of_the_file_gives_the_files_result(from_file):
    # The WFP file as pandas reads it (the HXL row left out), every cell as text.
    frame = pd.read_csv(BFA_PRICES, skiprows=[1], dtype=str, keep_default_na=False)
    result = meb.compute(frame, NORMATIVE, **WINDOW)
    assert_same_result(result, from_file)
    assert meb.load_prices(frame).paths == ["<DataFrame>"]


def test_dataframe_in_the_long_layout_gives_the_files_result(from_file, tmp_path):
    # The old WFP layout turned into the long layout: "Millet - Retail" split into commodity and price type,
    # prices as numbers, dates as datetime64 (written back as YYYY-MM-DD).
    wfp = pd.read_csv(BFA_PRICES, skiprows=[1])
    split = wfp["cmname"].str.rsplit(" - ", n=1)
    long = pd.DataFrame({
        "date": pd.to_datetime(wfp["date"]),
        "market": wfp["mktname"],
        "admin1": wfp["admname"],
        "admin2": "",
        "commodity": split.str[0],
        "unit": wfp["unit"],
        "pricetype": split.str[1],
        "currency": wfp["currency"],
        "price": wfp["price"].astype(float),
    })
    result = meb.compute(long, NORMATIVE, **WINDOW)
    assert_same_result(result, from_file)
    # The same frame written to a file and given to `meb compute`: the CLI agrees too.
    path = tmp_path / "long.csv"
    long.assign(date=long["date"].dt.strftime("%Y-%m-%d")).to_csv(path, index=False)
    run_meb_ok("compute", "--prices", path, "--methodology", NORMATIVE, "--from", "2019-01", "--to", "2019-06",
               "--out", tmp_path / "cli", "--quiet")
    assert_table_equals_csv(result.transfer_values, tmp_path / "cli" / "transfer_values.csv")


def test_mapping_of_columns_gives_the_files_result():
    rows = pd.read_csv(BAD / "prices_ok.csv", dtype=str)
    columns = {name: list(rows[name]) for name in rows.columns}
    small = str(BAD / "small.yaml")
    assert_same_result(meb.compute(columns, small), meb.compute(str(BAD / "prices_ok.csv"), small))


# Hand values (tests/data/bad/README.md): a household of 5 over 30 days eats 0.2 x 30 x 5 = 30 kg of millet and
# 0.05 x 150 = 7.5 kg of cowpeas; water is a stated 1,000; the transfer is rounded to the nearest 500.
SMALL_BASKET = {
    "id": "matrix-demo",
    "name": "Two regions from a matrix",
    "currency": "XOF",
    "household": {"size": 5},
    "prices": {"pricetype": "Retail", "levels": ["market", "admin1", "national"]},
    "basket": [
        {"component": "food", "tier": "smeb", "items": [
            {"item": "Millet", "quantity": 0.2, "unit": "KG", "per": "person/day"},
            {"item": "Cowpeas", "quantity": 0.05, "unit": "KG", "per": "person/day"}]},
        {"component": "water", "tier": "smeb", "cost": 1000, "per": "household/month"},
    ],
    "transfer": {"round": {"step": 500, "mode": "nearest"}},
}


def test_numpy_matrix_gives_hand_computed_values():
    matrix = np.array([[200.0, 400.0], [250.0, 500.0]])
    prices = meb.prices_from_matrix(matrix, areas=["Centre", "Centre-Nord"], items=["Millet", "Cowpeas"],
                                    month="2020-01", currency="XOF")
    assert prices.summary()["observations"] == 4
    result = meb.compute(prices, meb.Methodology.from_dict(SMALL_BASKET))
    table = result.transfer_values.set_index("area")
    # Centre: 30 x 200 + 7.5 x 400 + 1,000 = 10,000 (a multiple of 500).
    # Centre-Nord: 30 x 250 + 7.5 x 500 + 1,000 = 12,250, 24.5 steps of 500, halves up: 12,500.
    # National: the median of the two regions, millet (200 + 250) / 2 = 225 and cowpeas 450:
    #   30 x 225 + 7.5 x 450 + 1,000 = 11,125, 22.25 steps: 11,000.
    assert table.loc["Centre", "meb"] == 10000 and table.loc["Centre", "transfer_value"] == 10000
    assert table.loc["Centre-Nord", "meb"] == 12250 and table.loc["Centre-Nord", "transfer_value"] == 12500
    assert table.loc["national", "meb"] == 11125 and table.loc["national", "transfer_value"] == 11000
    assert table.loc["Centre-Nord", "rounding_difference"] == 250
    assert list(table["month"]) == ["2020-01"] * 3


def test_numpy_matrix_nan_is_no_quote():
    # Cowpeas unpriced in Centre-Nord: its MEB is missing there (an empty cell, never 0) and the national
    # cowpea price is Centre's 400 alone: 30 x 225 + 7.5 x 400 + 1,000 = 10,750, 21.5 steps: 11,000.
    matrix = np.array([[200.0, 400.0], [250.0, np.nan]])
    prices = meb.prices_from_matrix(matrix, ["Centre", "Centre-Nord"], ["Millet", "Cowpeas"],
                                    datetime.date(2020, 1, 15), "XOF")
    table = meb.compute(prices, SMALL_BASKET).transfer_values.set_index("area")
    assert np.isnan(table.loc["Centre-Nord", "meb"])
    assert table.loc["Centre-Nord", "notes"] == "no price for Cowpeas"
    assert table.loc["national", "meb"] == 10750 and table.loc["national", "transfer_value"] == 11000


def test_matrix_shape_is_checked():
    with pytest.raises(ValueError, match=r"areas x items = 2 x 2, got shape \(2, 3\)"):
        meb.prices_from_matrix(np.ones((2, 3)), ["a", "b"], ["x", "y"], "2020-01", "XOF")


def test_tables_without_pandas_are_dicts_of_numpy_arrays(monkeypatch, from_file):
    frame = from_file.transfer_values
    monkeypatch.setattr(meb._tables, "_pandas", lambda: None)
    result = meb.compute(BFA_PRICES, NORMATIVE, **WINDOW)
    table = result.transfer_values
    assert isinstance(table, dict)
    assert columns_of(table) == list(frame.columns)
    for name, column in table.items():
        assert isinstance(column, np.ndarray)
        if frame[name].dtype == object:
            assert column.dtype.kind == "U" and list(column) == list(frame[name]), name
        else:
            np.testing.assert_array_equal(column, frame[name].to_numpy(), err_msg=name)
    assert table["lines_observed"].dtype == np.int64 and table["smeb"].dtype == np.float64


def test_survey_dataframe_gives_the_files_result():
    expenditure = scenario_file("mali-expenditure.yaml")
    window = {"from_month": "2019-08", "to_month": "2019-08"}
    expected = meb.compute(MALI_PRICES, expenditure, survey=MALI_SURVEY, **window)
    frame = pd.read_csv(MALI_SURVEY, dtype=str, keep_default_na=False)
    result = meb.compute(MALI_PRICES, expenditure, survey=frame, **window)
    assert_same_result(result, expected)
    assert [i["path"] for i in result.manifest["inputs"] if i["role"] == "survey"] == ["<survey DataFrame>"]

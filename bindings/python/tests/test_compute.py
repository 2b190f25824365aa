"""meb.compute against `meb compute` on the shipped data: every column of both tables, the manifest's record
of the inputs, the bootstrap, the files written, and the NumPy views of the totals (no copy, read-only)."""

from __future__ import annotations

import gc
import json
import math

import numpy as np
import pandas as pd
import pytest

import meb
from conftest import (BFA_PRICES, MALI_PRICES, MALI_SURVEY, SOURCE, assert_table_equals_csv, read_rows, run_meb_ok,
                      scenario_file)

# (methodology, price file, survey, from, to): both countries, the four families of method.
RUNS = {
    "sahel-normative": ("sahel-normative.yaml", BFA_PRICES, None, "2019-01", "2019-12"),
    "sahel-capped-smeb": ("sahel-capped-smeb.yaml", BFA_PRICES, None, "2018-06", "2019-02"),
    "mali-normative": ("mali-normative.yaml", MALI_PRICES, None, "2019-06", "2019-10"),
    "mali-expenditure": ("mali-expenditure.yaml", MALI_PRICES, MALI_SURVEY, "2019-08", "2019-09"),
    "mali-food-share": ("mali-food-share.yaml", MALI_PRICES, None, "2019-08", "2019-08"),
}


def cli_compute(out, methodology, prices, survey, first, last, *extra):
    args = ["compute", "--methodology", scenario_file(methodology), "--prices", prices, "--from", first, "--to", last,
            "--out", out, "--quiet", *extra]
    if survey:
        args += ["--survey", survey]
    run_meb_ok(*args)
    return out


@pytest.mark.parametrize("name", sorted(RUNS))
def test_tables_equal_the_cli_files_column_by_column(name, tmp_path):
    methodology, prices, survey, first, last = RUNS[name]
    out = cli_compute(tmp_path / "cli", methodology, prices, survey, first, last)
    result = meb.compute(prices, scenario_file(methodology), survey=survey, from_month=first, to_month=last)
    assert isinstance(result.transfer_values, pd.DataFrame)
    assert_table_equals_csv(result.transfer_values, out / "transfer_values.csv")
    assert_table_equals_csv(result.basket_costs, out / "basket_costs.csv")
    assert len(result) == len(read_rows(out / "transfer_values.csv")) - 1


def test_one_price_table_serves_several_methodologies(bfa_prices, tmp_path):
    """A table loaded without a methodology is read again with each methodology's filter, as the CLI reads it."""
    for methodology in ("sahel-normative.yaml", "sahel-capped-smeb.yaml"):
        out = cli_compute(tmp_path / methodology, methodology, BFA_PRICES, None, "2019-05", "2019-07")
        result = meb.compute(bfa_prices, scenario_file(methodology), from_month="2019-05", to_month="2019-07")
        assert_table_equals_csv(result.transfer_values, out / "transfer_values.csv")


def test_manifest_records_what_the_cli_records(tmp_path):
    out = cli_compute(tmp_path / "cli", "sahel-normative.yaml", BFA_PRICES, None, "2019-01", "2019-03")
    cli = json.loads((out / "manifest.json").read_text())
    result = meb.compute(BFA_PRICES, scenario_file("sahel-normative.yaml"), from_month="2019-01", to_month="2019-03")
    mine = result.manifest
    assert mine["engine"] == cli["engine"] == {"name": "meb", "version": meb.__version__}
    for key in ("methodology", "inputs", "household", "transfer_rule", "months", "areas", "series",
                "line_prices_by_status", "row_issues", "nutrition", "outputs"):
        assert mine[key] == cli[key], key
    assert mine["command_line"][-1] == "meb.compute"
    assert result.line_prices_by_status == cli["line_prices_by_status"]


def test_write_gives_the_cli_files(tmp_path):
    out = cli_compute(tmp_path / "cli", "sahel-normative.yaml", BFA_PRICES, None, "2019-01", "2019-03")
    result = meb.compute(BFA_PRICES, scenario_file("sahel-normative.yaml"), from_month="2019-01", to_month="2019-03")
    result.write(tmp_path / "py")
    for name in ("transfer_values.csv", "basket_costs.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (out / name).read_bytes(), name
    assert json.loads((tmp_path / "py" / "manifest.json").read_text())["inputs"] == result.manifest["inputs"]


def test_bootstrap_equals_the_cli(tmp_path):
    out = cli_compute(tmp_path / "cli", "sahel-normative.yaml", BFA_PRICES, None, "2019-01", "2019-02",
                      "--bootstrap", "40", "--seed", "7", "--percentiles", "10,90")
    result = meb.bootstrap(BFA_PRICES, scenario_file("sahel-normative.yaml"), replicates=40, seed=7,
                           percentiles=[10, 90], from_month="2019-01", to_month="2019-02")
    assert_table_equals_csv(result.transfer_values, out / "transfer_values.csv")
    draws = result.bootstrap
    assert (draws["replicates"], draws["seed"], draws["percentiles"]) == (40, 7, [10.0, 90.0])
    table = result.transfer_values
    for measure in ("smeb", "meb", "transfer_value"):
        assert draws[measure].shape == (len(result), 2)
        assert not draws[measure].flags.writeable
        # The CSV prints at most 6 decimals; the arrays are the engine's doubles.
        np.testing.assert_allclose(draws[measure][:, 0], table[f"{measure}_p10"], rtol=0, atol=5e-7)
        np.testing.assert_allclose(draws[measure][:, 1], table[f"{measure}_p90"], rtol=0, atol=5e-7)
    assert (table["bootstrap_replicates"] == 40).all()
    assert meb.compute(BFA_PRICES, scenario_file("sahel-normative.yaml"), from_month="2019-01").bootstrap is None


def test_totals_are_read_only_views_without_copies():
    result = meb.compute(BFA_PRICES, scenario_file("sahel-normative.yaml"), from_month="2019-01", to_month="2019-03")
    smeb, again = result.smeb, result.smeb
    assert np.shares_memory(smeb, again)  # two accesses, one memory: nothing was copied
    assert smeb.base is result and smeb.dtype == np.float64
    # The three transfer fields are strided views into one array of {unrounded, value, rounding_difference}.
    value, unrounded, difference = result.transfer_value, result.transfer_value_unrounded, result.rounding_difference
    assert value.strides == unrounded.strides == difference.strides == (3 * 8,)
    assert value.__array_interface__["data"][0] - unrounded.__array_interface__["data"][0] == 8
    for array in (smeb, result.meb, value, unrounded, difference):
        assert not array.flags.writeable
        with pytest.raises(ValueError):
            array[0] = 1.0
    table = result.transfer_values
    for name, array in (("smeb", smeb), ("meb", result.meb), ("transfer_value", value),
                        ("transfer_value_unrounded", unrounded), ("rounding_difference", difference)):
        np.testing.assert_allclose(array, table[name], rtol=0, atol=5e-7, err_msg=name)
    labels = result.rows
    assert list(labels["area"]) == list(table["area"]) and list(labels["month"]) == list(table["month"])
    # The view keeps the result alive.
    kept = result.meb.copy()
    view = result.meb
    del result, table, smeb, again
    gc.collect()
    np.testing.assert_array_equal(view, kept)


def test_price_table_summary_counts_the_file(bfa_prices):
    # Counted independently with pandas: the old WFP layout, "Millet - Retail", an HXL row under the header.
    frame = pd.read_csv(BFA_PRICES, skiprows=[1], dtype=str, keep_default_na=False)
    summary = bfa_prices.summary()
    assert summary["rows_read"] == len(frame)
    assert summary["observations"] == len(frame)  # every row kept: every commodity, type and currency
    assert summary["markets"] == frame["mktid"].nunique()
    commodities = frame["cmname"].str.rsplit(" - ", n=1).str[0]
    assert summary["items"] == commodities.value_counts().to_dict()
    months = frame["date"].str[:7]
    assert (summary["months"]["first"], summary["months"]["last"]) == (months.min(), months.max())
    assert summary["admin1"] == sorted(frame["admname"].unique())
    assert summary["files"][0]["layout"] == "wfp-hdx-old" and summary["files"][0]["hxl_row"] is True
    assert summary["methodology"] is None


def test_price_table_summary_for_a_methodology_is_what_the_cli_reads(tmp_path):
    out = cli_compute(tmp_path / "cli", "sahel-normative.yaml", BFA_PRICES, None, "2019-01", "2019-03")
    cli = json.loads((out / "manifest.json").read_text())["inputs"][1]
    prices = meb.load_prices(BFA_PRICES, methodology=scenario_file("sahel-normative.yaml"))
    summary = prices.summary()
    assert summary["methodology"] == "sahel-normative-2019"
    assert summary["rows_used"] == summary["observations"] == cli["rows_used"]
    assert summary["files"][0]["rows_filtered"] == cli["rows_filtered"]
    # Independently: the Retail rows of the basket's commodities and aliases (sahel-normative.yaml).
    frame = pd.read_csv(BFA_PRICES, skiprows=[1], dtype=str, keep_default_na=False)
    commodity, pricetype = frame["cmname"].str.rsplit(" - ", n=1).str[0], frame["cmname"].str.rsplit(" - ", n=1).str[1]
    basket = {"millet", "sorghum", "sorghum (white)", "maize", "maize (white)", "rice (local)", "cowpeas", "beans (niebe)"}
    kept = frame[commodity.str.lower().isin(basket) & (pricetype == "Retail")]
    quotes = prices.quotes
    assert len(quotes) == len(kept) == cli["rows_used"]
    assert math.isclose(quotes["price"].sum(), kept["price"].astype(float).sum(), rel_tol=1e-12)
    assert sorted(quotes["market_id"].unique()) == sorted(kept["mktid"].unique())


# A KoBo/JMMI wide export, its methodology and the mapping that names its columns (tests/cli/test_cli_wide_mapping.py).
KOBO_WIDE, KOBO_METHODOLOGY, KOBO_MAPPING = (str(SOURCE / "tests" / "data" / "prices" / name)
                                             for name in ("kobo_wide.csv", "kobo_methodology.yaml", "kobo_mapping.yaml"))


def test_a_wide_export_given_by_path_is_read_through_wide_mapping_as_the_cli_reads_it(tmp_path):
    out = tmp_path / "cli"
    run_meb_ok("compute", "--methodology", KOBO_METHODOLOGY, "--prices", KOBO_WIDE, "--wide-mapping", KOBO_MAPPING,
               "--out", out, "--quiet")
    result = meb.compute(KOBO_WIDE, KOBO_METHODOLOGY, wide_mapping=KOBO_MAPPING)
    assert_table_equals_csv(result.transfer_values, out / "transfer_values.csv")
    assert_table_equals_csv(result.basket_costs, out / "basket_costs.csv")
    cli = json.loads((out / "manifest.json").read_text())
    assert result.manifest["inputs"] == cli["inputs"]
    assert [i["role"] for i in cli["inputs"]] == ["methodology", "wide-mapping", "prices"]
    # By hand (tests/cli/test_cli_wide_mapping.py): admin1 Mopti = 6 x 250 + 3 x 225 + 0.9 x 1200 / 0.92.
    rows = result.rows
    mopti = [i for i in range(len(result)) if rows["area_level"][i] == "admin1" and rows["area"][i] == "Mopti"]
    assert len(mopti) == 1
    assert result.smeb[mopti[0]] == pytest.approx(6 * 250 + 3 * 225 + 0.9 * 1200 / 0.92, abs=1e-9)
    # Loaded first, with or without the methodology, then computed: the same tables.
    for table in (meb.load_prices(KOBO_WIDE, wide_mapping=KOBO_MAPPING),
                  meb.load_prices(KOBO_WIDE, KOBO_METHODOLOGY, wide_mapping=KOBO_MAPPING)):
        again = meb.compute(table, KOBO_METHODOLOGY, wide_mapping=KOBO_MAPPING)
        assert_table_equals_csv(again.transfer_values, out / "transfer_values.csv")


def test_a_wide_export_loaded_without_a_methodology_reads_every_mapped_column():
    summary = meb.load_prices(KOBO_WIDE, wide_mapping=KOBO_MAPPING).summary()
    assert summary["files"][0]["layout"] == "wide-survey"
    # Mopti: millet 250, sorghum 110, soap 150 (no oil); Djenne: sorghum 115, oil 1200 (no millet), soap 'abc'
    # skipped as a bad row: 5 quotes, 2 empty cells.
    assert summary["items"] == {"Millet": 1, "Sorghum": 2, "Soap": 1, "Oil (vegetable)": 1}
    assert summary["observations"] == 5
    assert summary["rows_skipped"] == 1
    assert summary["files"][0]["rows_filtered"]["empty_price_cell"] == 2

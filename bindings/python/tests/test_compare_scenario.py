"""meb.compare, meb.scenario and Result.sensitivity() against `meb compare`, `meb scenario` and
`meb sensitivity` on the shipped data."""

from __future__ import annotations

import numpy as np
import pytest

import meb
from conftest import (BFA_PRICES, MALI_PRICES, MALI_SURVEY, assert_table_equals_csv, cli_error, run_meb,
                      run_meb_ok, scenario_file)

MALI = [scenario_file(f"mali-{name}.yaml") for name in ("normative", "expenditure", "food-share", "hybrid")]


def test_compare_equals_meb_compare(tmp_path):
    # The README's comparison: four Mali methods on the OMA prices of August 2019 and the synthetic survey.
    args = []
    for path in MALI:
        args += ["--methodology", path]
    run_meb_ok("compare", *args, "--prices", MALI_PRICES, "--survey", MALI_SURVEY, "--reference", "mali-normative",
               "--from", "2019-08", "--to", "2019-08", "--out", tmp_path / "cli", "--quiet")
    comparison = meb.compare(MALI_PRICES, MALI, reference="mali-normative", survey=MALI_SURVEY,
                             from_month="2019-08", to_month="2019-08")
    cli = tmp_path / "cli"
    assert_table_equals_csv(comparison.comparison, cli / "comparison.csv")
    assert_table_equals_csv(comparison.components, cli / "components.csv")
    assert comparison.summary == (cli / "summary.md").read_text()
    assert comparison.reference == "mali-normative"
    assert list(comparison.results) == ["mali-normative", "mali-expenditure", "mali-food-share", "mali-hybrid"]
    for id_, result in comparison.results.items():
        assert_table_equals_csv(result.transfer_values, cli / id_ / "transfer_values.csv")
    comparison.write(tmp_path / "py")
    for name in ("comparison.csv", "components.csv", "summary.md", "mali-hybrid/basket_costs.csv"):
        assert (tmp_path / "py" / name).read_bytes() == (cli / name).read_bytes(), name


def test_compare_errors_are_the_cli_usage_errors(tmp_path):
    pair = [scenario_file("mali-normative.yaml"), scenario_file("mali-food-share.yaml")]
    expected = cli_error(run_meb("compare", "--methodology", pair[0], "--methodology", pair[1], "--prices", MALI_PRICES,
                                 "--reference", "nope", "--out", tmp_path), "meb: usage error: ").splitlines()[0]
    with pytest.raises(ValueError) as raised:
        meb.compare(MALI_PRICES, pair, reference="nope")
    assert "--" + str(raised.value) == expected
    with pytest.raises(ValueError, match="two compared methodologies have the id 'mali-normative'"):
        meb.compare(MALI_PRICES, [pair[0], pair[0]])
    with pytest.raises(ValueError, match="at least two"):
        meb.compare(MALI_PRICES, pair[:1])


def test_scenarios_equal_meb_scenario(tmp_path):
    files = [scenario_file("lean-season-shock.yaml"), scenario_file("cereal-shock-sweep.yaml")]
    run_meb_ok("scenario", "--scenario", files[0], "--scenario", files[1], "--prices", BFA_PRICES, "--from", "2019-01",
               "--to", "2019-12", "--out", tmp_path / "cli", "--quiet")
    scenarios = meb.scenario(files, BFA_PRICES, from_month="2019-01", to_month="2019-12")
    table = scenarios.table
    assert_table_equals_csv(table, tmp_path / "cli" / "scenarios.csv")
    assert [s.id for s in scenarios.scenarios] == list(dict.fromkeys(table["scenario"]))
    assert list(scenarios.baselines) == ["sahel-normative-2019"]

    # The sweep: 11 shocks x 4 household sizes = 44 points (cereal-shock-sweep.yaml), rows x points matrices that
    # are views of the engine's column-major matrices.
    sweep = scenarios.scenarios[1]
    assert sweep.points == 44 and sweep.point_values.shape == (44, len(sweep.parameters)) == (44, 2)
    matrix = sweep.transfer_value
    assert matrix.shape == (len(sweep.rows), 44)
    assert matrix.flags.f_contiguous and not matrix.flags.writeable
    assert np.shares_memory(matrix, sweep.transfer_value)
    mine = table[table["scenario"] == sweep.id]
    for point in (0, 17, 43):
        rows = mine[mine["point"] == point]
        np.testing.assert_allclose(matrix[:, point], rows["transfer_value"], rtol=0, atol=5e-7)
        np.testing.assert_allclose(sweep.meb[:, point], rows["meb"], rtol=0, atol=5e-7)


def test_scenario_with_bootstrap_equals_meb_scenario(tmp_path):
    file = scenario_file("lean-season-shock.yaml")
    run_meb_ok("scenario", "--scenario", file, "--prices", BFA_PRICES, "--from", "2019-06", "--to", "2019-07",
               "--bootstrap", "30", "--seed", "3", "--out", tmp_path / "cli", "--quiet")
    scenarios = meb.scenario(file, BFA_PRICES, from_month="2019-06", to_month="2019-07", bootstrap=30, seed=3)
    assert_table_equals_csv(scenarios.table, tmp_path / "cli" / "scenarios.csv")


def test_sensitivity_equals_meb_sensitivity(tmp_path):
    normative = scenario_file("sahel-normative.yaml")
    run_meb_ok("sensitivity", "--methodology", normative, "--prices", BFA_PRICES, "--from", "2019-08", "--to",
               "2019-09", "--out", tmp_path / "cli", "--quiet")
    sensitivity = meb.sensitivity(BFA_PRICES, normative, from_month="2019-08", to_month="2019-09")
    assert_table_equals_csv(sensitivity.elasticities, tmp_path / "cli" / "elasticities.csv")
    assert_table_equals_csv(sensitivity.parameters, tmp_path / "cli" / "parameters.csv")
    assert_table_equals_csv(sensitivity.tornado, tmp_path / "cli" / "tornado.csv")
    assert sensitivity.result.methodology.id == "sahel-normative-2019"

"""meb.Methodology: the three constructors validate as `meb validate` does and give the same computation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

import meb
from conftest import BAD, run_meb_ok, scenario_file

NORMATIVE = scenario_file("sahel-normative.yaml")


def test_properties_of_the_shipped_methodology():
    methodology = meb.Methodology.from_file(Path(NORMATIVE))
    # sahel-normative.yaml: id, version 1, FCFA, a fixed household of 6.
    assert (methodology.id, methodology.version, methodology.currency) == ("sahel-normative-2019", "1", "XOF")
    assert (methodology.household_size, methodology.persons, methodology.method) == (6.0, 6.0, "normative")
    assert methodology.items[:5] == ["Millet", "Sorghum", "Maize", "Rice (local)", "Cowpeas"]
    assert not methodology.needs_survey
    assert methodology.source_path == NORMATIVE
    assert methodology.yaml == Path(NORMATIVE).read_text()
    assert meb.Methodology.from_file(scenario_file("mali-expenditure.yaml")).needs_survey


def test_summary_is_what_meb_validate_prints():
    methodology = meb.Methodology.from_file(NORMATIVE)
    printed = run_meb_ok("validate", "--methodology", NORMATIVE).stdout
    summary = methodology.summary()
    assert summary and printed.startswith(summary)
    assert printed.rstrip().endswith("valid")


def test_yaml_and_dict_give_the_files_methodology():
    from_file = meb.Methodology.from_file(str(BAD / "small.yaml"))
    text = (BAD / "small.yaml").read_text()
    from_text = meb.Methodology.from_yaml(text)
    from_dict = meb.Methodology.from_dict(yaml.safe_load(text))
    prices = meb.load_prices(str(BAD / "prices_ok.csv"))
    expected = meb.compute(prices, from_file).transfer_values
    for other in (from_text, from_dict):
        assert (other.id, other.version, other.household_size) == ("cli-small", "3", 5.0)
        # The second line names the file; the rest describes the same methodology.
        assert other.summary().splitlines()[2:] == from_file.summary().splitlines()[2:]
        pd.testing.assert_frame_equal(meb.compute(prices, other).transfer_values, expected)
    assert from_text.source_path == "<string>" and from_dict.source_path == "<dict>"
    # A dict is also accepted wherever a methodology is.
    pd.testing.assert_frame_equal(meb.compute(prices, yaml.safe_load(text)).transfer_values, expected)

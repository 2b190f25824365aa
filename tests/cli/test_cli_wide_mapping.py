"""`meb compute --wide-mapping`: a KoBo/JMMI wide export priced through a small mapping file.

Expected values by hand (household of 1, 30 days):
  Mopti market:  millet 250 /KG, sorghum 110 per 500 G = 220 /KG, no oil
  Djenne market: no millet, sorghum 115 per 500 G = 230 /KG, oil 1200 /L = 1200 / 0.92 /KG = 1304.347826...
  admin2 Mopti:  250, 220, oil from parent (admin1 Mopti) 1304.347826
  admin2 Djenne: millet from parent 250, 230, 1304.347826
  admin1 Mopti:  millet 250, sorghum median(220, 230) = 225, oil 1304.347826
  monthly quantities: millet 0.2 x 30 = 6 KG, sorghum 3 KG, oil 0.9 KG
  SMEB admin1 Mopti  = 6 x 250 + 3 x 225 + 0.9 x 1304.347826 = 3348.913043
  SMEB admin2 Mopti  = 1500 + 3 x 220 + 1173.913043 = 3333.913043
  SMEB admin2 Djenne = 1500 + 3 x 230 + 1173.913043 = 3363.913043
"""
import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = Path(os.environ.get("MEB_SOURCE_DIR", Path(__file__).resolve().parents[2]))
DATA = SOURCE / "tests" / "data" / "prices"

pytestmark = pytest.mark.skipif(not BINARY, reason="MEB_BINARY is not set (run through ctest)")


def run(out, *extra):
    return subprocess.run(
        [BINARY, "compute", "--prices", str(DATA / "kobo_wide.csv"),
         "--methodology", str(DATA / "kobo_methodology.yaml"), "--out", str(out), *extra],
        capture_output=True, text=True)


def test_wide_export_priced_through_a_mapping_file(tmp_path):
    result = run(tmp_path, "--wide-mapping", str(DATA / "kobo_mapping.yaml"))
    assert result.returncode == 0, result.stderr
    rows = {(r["area_level"], r["area"]): r for r in csv.DictReader(open(tmp_path / "transfer_values.csv"))}
    assert float(rows[("admin1", "Mopti")]["smeb"]) == pytest.approx(3348.913043, abs=1e-6)
    assert float(rows[("admin2", "Mopti")]["smeb"]) == pytest.approx(3333.913043, abs=1e-6)
    assert float(rows[("admin2", "Djenne")]["smeb"]) == pytest.approx(3363.913043, abs=1e-6)
    costs = list(csv.DictReader(open(tmp_path / "basket_costs.csv")))
    djenne_millet = [c for c in costs if c["area"] == "Djenne" and c["item"] == "Millet"][0]
    assert djenne_millet["price_status"] == "parent" and djenne_millet["source_area"] == "Mopti"
    manifest = json.load(open(tmp_path / "manifest.json"))
    roles = [i["role"] for i in manifest["inputs"]]
    assert roles == ["methodology", "wide-mapping", "prices"]
    prices = manifest["inputs"][2]
    assert prices["layout"] == "wide-survey"
    assert prices["rows_bad_unused_commodity"] == 1  # soap 'abc' on line 3: listed, not an error
    assert manifest["row_issues"][0]["line"] == 3


def test_wide_export_without_a_mapping_is_an_input_error_with_a_hint(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 3
    assert "kobo_wide.csv:1: cannot tell the layout" in result.stderr
    assert "prices.wide mapping" in result.stderr


def test_a_bad_mapping_file_is_a_methodology_error_naming_the_key(tmp_path):
    bad = tmp_path / "bad_mapping.yaml"
    bad.write_text("date: today\nmarket: market_name\ncolums: []\n")
    result = run(tmp_path / "out", "--wide-mapping", str(bad))
    assert result.returncode == 4
    assert "bad_mapping.yaml:3:1: key 'colums': unknown key" in result.stderr
    assert "key 'columns': expected a non-empty list" in result.stderr

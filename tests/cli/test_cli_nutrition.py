"""The nutrition check of food baskets on the command line (`meb validate`, manifest.json of `meb compute`).

A warning is not an error: `meb validate` prints the figures and the warnings and exits 0. Every expected
figure below is computed by hand from data/nutrition/food_composition_sahel.csv (per 100 g: Millet 365 kcal,
9.3 g protein, 5.9 g fat; Sorghum 345/11.5/3.5; Maize 346/9.7/3.8; Rice (local) 344/7.0/0.6; Cowpeas
325/22.6/1.5), with 4 kcal per g of protein and 9 kcal per g of fat.

Run with /usr/bin/python3 -m pytest tests/cli. The binary comes from MEB_BINARY and the repository root
from MEB_SOURCE_DIR (ctest sets both); without them every test is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

BINARY = os.environ.get("MEB_BINARY")
SOURCE = os.environ.get("MEB_SOURCE_DIR")

pytestmark = pytest.mark.skipif(not BINARY or not SOURCE, reason="MEB_BINARY and MEB_SOURCE_DIR are not set")


def source(*parts: str) -> str:
    return str(Path(SOURCE, *parts))


def meb(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([BINARY, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


TABLE = source("data", "nutrition", "food_composition_sahel.csv")
SAHEL = source("scenarios", "sahel-normative.yaml")
SMALL = source("tests", "data", "bad", "small.yaml")  # no nutrition key: 200 g millet, 50 g cowpeas
PRICES_OK = source("tests", "data", "bad", "prices_ok.csv")

# sahel-normative, per person per day:
#   Millet 150 g -> 547.5 kcal, 13.95 g protein, 8.85 g fat
#   Sorghum 150 g -> 517.5, 17.25, 5.25 (the item name "Sorghum" is in the table; its alias is not used)
#   Maize 100 g -> 346, 9.7, 3.8;  Rice (local) 50 g -> 172, 3.5, 0.3;  Cowpeas 70 g -> 227.5, 15.82, 1.05
#   total 1810.5 kcal; protein 60.22 g = 240.88 kcal = 13.30 %; fat 19.25 g = 173.25 kcal = 9.57 %
SAHEL_KCAL = 1810.5
SAHEL_PROTEIN_PERCENT = 100 * 240.88 / 1810.5
SAHEL_FAT_PERCENT = 100 * 173.25 / 1810.5


def test_validate_prints_the_nutrition_report_and_warnings_with_exit_0():
    # From another working directory: the table path is relative to the methodology file.
    result = meb("validate", "--methodology", SAHEL, cwd="/")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "nutrition (food composition " in out and "food_composition_sahel.csv" in out
    assert "  food: 1810.5 kcal per person per day" in out
    assert "(13.3 % of energy)" in out and "(9.6 % of energy)" in out
    assert "    Millet: 150.0 g -> 547.5 kcal, protein 13.95 g, fat 8.85 g [Millet]" in out
    assert "    Cowpeas: 70.0 g -> 227.5 kcal" in out
    assert "  basket total: 1810.5 kcal per person per day" in out
    assert "not checked (not food components): water hygiene energy health education household_items" in out
    assert "WARNINGS (2; a warning is not an error):" in out
    assert "warning: energy 1810.5 kcal per person per day is below the minimum of 2100 kcal" in out
    assert "warning: energy from fat 9.6 % is below the minimum of 17 %" in out
    # The report comes after the summary, and the file is still valid.
    assert out.index("transfer:") < out.index("nutrition (")
    assert out.rstrip().splitlines()[-1] == "valid"


def test_validate_without_a_table_says_the_nutrition_is_not_checked():
    result = meb("validate", "--methodology", SMALL)
    assert result.returncode == 0, result.stderr
    assert ("nutrition not checked: no food composition table (use --food-composition or "
            "nutrition.food_composition)") in result.stdout
    assert "WARNINGS" not in result.stdout


def test_validate_food_composition_option_lists_lines_not_found(tmp_path):
    table = tmp_path / "millet_only.csv"
    table.write_text("item,energy_kcal_per_100g,protein_g_per_100g,fat_g_per_100g\nMillet,365,9.3,5.9\n")
    result = meb("validate", "--methodology", SMALL, "--food-composition", str(table))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    # 200 g millet = 730 kcal; Cowpeas is not in this table: listed, left out of the totals.
    assert "  food: 730.0 kcal per person per day" in out
    assert "    Cowpeas: NOT FOUND, not in the food composition table (looked for 'Cowpeas')" in out
    assert "warning: 'Cowpeas' (component food, methodology line 15): not in the food composition table" in out
    assert "left out of the totals" in out
    assert out.rstrip().splitlines()[-1] == "valid"


def test_validate_food_composition_option_overrides_the_methodology(tmp_path):
    table = tmp_path / "rich.csv"
    # Everything at 500 kcal per 100 g: 520 g -> 2,600 kcal, no energy warning.
    rows = "".join(f"{item},500,20,10\n" for item in ("Millet", "Sorghum", "Maize", "Rice (local)", "Cowpeas"))
    table.write_text("item,energy_kcal_per_100g,protein_g_per_100g,fat_g_per_100g\n" + rows)
    result = meb("validate", "--methodology", SAHEL, "--food-composition", str(table))
    assert result.returncode == 0, result.stderr
    assert "  basket total: 2600.0 kcal per person per day" in result.stdout
    assert str(table) in result.stdout
    # protein 20 x 4 = 80 kcal of 500 = 16 %; fat 10 x 9 = 90 of 500 = 18 %: no warning at all.
    assert "nutrition: no warnings" in result.stdout


def test_a_bad_table_is_an_input_error_naming_file_line_and_value(tmp_path):
    table = tmp_path / "bad.csv"
    table.write_text("item,energy_kcal_per_100g,protein_g_per_100g,fat_g_per_100g\nMillet,365,nine,5.9\n")
    result = meb("validate", "--methodology", SMALL, "--food-composition", str(table))
    assert result.returncode == 3
    assert f"{table}:2: column 'protein_g_per_100g' of 'Millet' is not a number: 'nine'" in result.stderr
    missing = str(tmp_path / "none.csv")
    result = meb("validate", "--methodology", SMALL, "--food-composition", missing)
    assert result.returncode == 3
    assert missing in result.stderr


def test_compute_writes_the_nutrition_figures_to_the_manifest(tmp_path):
    prices = source("data", "bfa", "wfp_food_prices_bfa_hdx_2020-08.csv")
    out = tmp_path / "out"
    result = meb("compute", "--prices", prices, "--methodology", SAHEL, "--out", str(out), "--from", "2019-01",
                 "--to", "2019-03", cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "nutrition: 2 warning(s)" in result.stdout
    manifest = json.loads((out / "manifest.json").read_text())
    nutrition = manifest["nutrition"]
    assert nutrition["checked"] is True
    assert nutrition["targets"] == {"min_kcal": 2100, "protein_percent_min": 10, "protein_percent_max": None,
                                    "fat_percent_min": 17, "fat_percent_max": None}
    total = nutrition["total"]
    assert total["kcal_per_person_day"] == pytest.approx(SAHEL_KCAL)
    assert total["protein_g_per_person_day"] == pytest.approx(60.22)
    assert total["fat_g_per_person_day"] == pytest.approx(19.25)
    assert total["protein_percent_of_energy"] == pytest.approx(SAHEL_PROTEIN_PERCENT)
    assert total["fat_percent_of_energy"] == pytest.approx(SAHEL_FAT_PERCENT)
    [food] = nutrition["components"]
    assert food["component"] == "food"
    assert food["kcal_per_person_day"] == pytest.approx(SAHEL_KCAL)
    assert (food["lines_assessed"], food["lines_not_found"], food["lines_not_assessed"]) == (5, 0, 0)
    lines = {line["item"]: line for line in food["lines"]}
    assert lines["Sorghum"]["matched"] == "Sorghum"
    assert lines["Sorghum"]["kcal_per_person_day"] == pytest.approx(517.5)
    assert lines["Cowpeas"]["protein_g_per_person_day"] == pytest.approx(15.82)
    assert nutrition["not_checked_components"] == ["water", "hygiene", "energy", "health", "education",
                                                   "household_items"]
    assert len(nutrition["warnings"]) == 2
    assert "below the minimum of 2100 kcal (nutrition.min_kcal)" in nutrition["warnings"][0]
    assert "energy from fat 9.6 %" in nutrition["warnings"][1]
    # The table is an input of the run, hashed like the others.
    [table] = [i for i in manifest["inputs"] if i["role"] == "food_composition"]
    assert Path(table["path"]).resolve() == Path(TABLE).resolve()
    assert table["sha256"] == hashlib.sha256(Path(TABLE).read_bytes()).hexdigest()


def test_compute_with_the_option_and_without_a_table(tmp_path):
    out = tmp_path / "with"
    result = meb("compute", "--prices", PRICES_OK, "--methodology", SMALL, "--out", str(out),
                 "--food-composition", TABLE)
    assert result.returncode == 0, result.stderr
    nutrition = json.loads((out / "manifest.json").read_text())["nutrition"]
    # 200 g millet: 730 kcal, 18.6 g protein, 11.8 g fat; 50 g cowpeas: 162.5 kcal, 11.3 g, 0.75 g.
    # Total 892.5 kcal; protein 29.9 g = 119.6 kcal = 13.40 %; fat 12.55 g = 112.95 kcal = 12.66 %.
    assert nutrition["total"]["kcal_per_person_day"] == pytest.approx(892.5)
    assert nutrition["total"]["protein_percent_of_energy"] == pytest.approx(100 * 119.6 / 892.5)
    assert nutrition["total"]["fat_percent_of_energy"] == pytest.approx(100 * 112.95 / 892.5)
    assert len(nutrition["warnings"]) == 2

    out = tmp_path / "without"
    result = meb("compute", "--prices", PRICES_OK, "--methodology", SMALL, "--out", str(out))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["nutrition"] == {
        "checked": False,
        "reason": "no food composition table (use --food-composition or nutrition.food_composition)"}
    assert "food_composition" not in {i["role"] for i in manifest["inputs"]}

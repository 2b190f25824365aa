"""Independent re-implementation of the survey-based MEB methods on the Mali data, for checking the
C++ engine (tests/python/test_mali_methods.py).

Written from the rules below (issue 3, the primer section 2 and the documented contracts in
engine/include/meb/weighted.hpp and expenditure.hpp), NOT from the engine's source.

Inputs: data/mli/oma_retail_prices_reported.csv (OMA prices reported in the press, DEMONSTRATION),
data/synthetic/synthetic_survey_mli.csv (SYNTHETIC survey) and scenarios/mali-*.yaml.

Rules implemented
-----------------
* Prices (long CSV): keep pricetype Retail and currency XOF; month = date[:7]; market value = median of
  the market's quotes of the month; admin1 value = median over its markets; national value = median over
  the observed admin1 values. Every basket item in these scenarios is quoted in KG.
* Fill (admin1 only, scenarios say `fill: [parent, {carry_forward: 3}]`): the national value of the
  same month, else the admin1's own observed value 1..3 months back. Substitutes are tried, in order,
  only when the item has no value after filling.
* Normative line = quantity x 30 x persons x price (person/day) ; stated cost per household/month as
  is, per household/year / 12.
* Survey: each expenditure column converted to a month (7d x 30/7, 30d x 1, 6m / 6, 12m / 12); only the
  columns with meb true count. Per-capita MEB spending = household MEB spending / hh_size.
* Weighted quantile (Hyndman & Fan definition 2 with weights): sort by value, W = sum of weights,
  C_k = cumulative weight; p = 0 -> min, p = 1 -> max; if some C_k == p W (first such k) then
  (x_k + x_k+1) / 2, else x_k for the smallest k with C_k > p W.
* Reference group: the decile band [3, 5] = quantiles [0.2, 0.5] of the weighted distribution of
  per-capita MEB spending over ALL households (expenditure.hpp: "The band is computed over every
  household the admin1 filter keeps (all areas together)"; the primer: "households with acceptable food
  consumption within a band of the per-capita expenditure distribution"), bounds included; then the
  outcome condition fcs >= 42. An area's group is its households of that group (admin1 names compared
  without accents); fewer than min_households -> no value.
* MEB per person of a group = weighted median of its per-capita totals; a component = that median x
  sum(w * component per capita) / sum(w * total per capita) (the components add up to the median).
* Expenditure-based MEB = persons x median; food-share MEB = normative food / share; hybrid MEB =
  normative components + persons x the expenditure components' part of the median.

Run ``/usr/bin/python3 tests/python/independent_mali_methods.py`` to print the 2019-08 values.
"""

from __future__ import annotations

import math
import unicodedata
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[2]
PRICES = ROOT / "data/mli/oma_retail_prices_reported.csv"
SURVEY = ROOT / "data/synthetic/synthetic_survey_mli.csv"
MONTH = "2019-08"
TO_MONTH = {"7d": 30 / 7, "30d": 1.0, "6m": 1 / 6, "12m": 1 / 12}


def fold(name: str) -> str:
    """Area names without accents or case: the survey spells Segou, the prices Ségou."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).lower().strip()


def previous_months(month: str, n: int) -> list[str]:
    year, mon = int(month[:4]), int(month[5:])
    out = []
    for _ in range(n):
        mon -= 1
        if mon == 0:
            year, mon = year - 1, 12
        out.append(f"{year:04d}-{mon:02d}")
    return out


# ------------------------------------------------------------------------------------------- prices
def price_levels(path: Path = PRICES) -> tuple[dict, dict]:
    """(admin1 values, national values): {(commodity, area, month): price}, observed only."""
    df = pd.read_csv(path, dtype=str)
    df = df[(df["pricetype"] == "Retail") & (df["currency"] == "XOF")].copy()
    # "N KG" quotes are per N kilograms; litres are never a basket item here.
    df = df[df["unit"].str.fullmatch(r"(\d+ )?KG")].copy()
    per = df["unit"].str.extract(r"^(\d+) KG$")[0].fillna("1").astype(float)
    df["price"] = df["price"].astype(float) / per
    df["month"] = df["date"].str[:7]
    market = df.groupby(["commodity", "admin1", "market", "month"])["price"].median().reset_index()
    admin1 = market.groupby(["commodity", "admin1", "month"])["price"].median().reset_index()
    national = admin1.groupby(["commodity", "month"])["price"].median().reset_index()
    a1 = {(r.commodity.lower(), r.admin1, r.month): r.price for r in admin1.itertuples()}
    nat = {(r.commodity.lower(), r.month): r.price for r in national.itertuples()}
    return a1, nat


def admin1_areas(commodities: set[str] | None, path: Path = PRICES) -> list[str]:
    """The admin1 areas of the Retail rows of the price file, in any month: of rows quoting one of
    `commodities` (the basket's items and substitutes), or of every row when the basket has no
    market-priced item (an all-survey methodology)."""
    df = pd.read_csv(path, dtype=str)
    df = df[(df["pricetype"] == "Retail") & (df["currency"] == "XOF")]
    if commodities is not None:
        df = df[df["commodity"].str.lower().isin({c.lower() for c in commodities})]
    return sorted(set(df["admin1"]))


def basket_commodities(method: dict) -> set[str] | None:
    names = set()
    for component in method["basket"]:
        for item in component.get("items", []):
            names.add(item["item"])
            names.update(item.get("substitutes", []))
    return names or None


def filled_price(commodity: str, area: str | None, month: str, a1: dict, nat: dict) -> float:
    """An item's price in an admin1 area (None: national) after fill, NaN when none."""
    c = commodity.lower()
    if area is None:
        return nat.get((c, month), math.nan)
    if (c, area, month) in a1:
        return a1[(c, area, month)]
    if (c, month) in nat:  # fill: parent
        return nat[(c, month)]
    for back in previous_months(month, 3):  # fill: carry_forward 3
        if (c, area, back) in a1:
            return a1[(c, area, back)]
    return math.nan


def item_price(item: dict, area: str | None, month: str, a1: dict, nat: dict) -> float:
    price = filled_price(item["item"], area, month, a1, nat)
    for substitute in item.get("substitutes", []) if math.isnan(price) else []:
        price = filled_price(substitute, area, month, a1, nat)
        if not math.isnan(price):
            break
    return price


def normative_components(method: dict, area: str | None, month: str, a1: dict, nat: dict) -> dict:
    """Cost per household per month of each normative component."""
    persons = float(method["household"]["size"])
    out = {}
    for component in method["basket"]:
        if component.get("method") == "expenditure" or method.get("method") == "expenditure":
            continue
        if "cost" in component:
            per = component["per"]
            factor = {"household/month": 1.0, "household/year": 1 / 12, "person/month": persons,
                      "person/day": 30 * persons}[per]
            out[component["component"]] = component["cost"] * factor
            continue
        total = 0.0
        for item in component["items"]:
            assert item["per"] == "person/day" and item["unit"] == "KG"
            total += item["quantity"] * 30 * persons * item_price(item, area, month, a1, nat)
        out[component["component"]] = total
    return out


# ------------------------------------------------------------------------------------------- survey
def weighted_quantile(values, weights, p: float) -> float:
    pairs = sorted(zip(values, weights))
    xs = [v for v, _ in pairs]
    ws = [w for _, w in pairs]
    total = sum(ws)
    if p <= 0:
        return xs[0]
    if p >= 1:
        return xs[-1]
    target = p * total
    cumulative = 0.0
    for k, w in enumerate(ws):
        cumulative += w
        if abs(cumulative - target) <= 1e-12 * total:
            return (xs[k] + xs[k + 1]) / 2 if k + 1 < len(xs) else xs[k]
        if cumulative > target:
            return xs[k]
    return xs[-1]


def survey_table(method: dict, path: Path = SURVEY) -> pd.DataFrame:
    """One row per household: weight, size, admin1, fcs, and monthly MEB spending per component."""
    spec = method["survey"]
    df = pd.read_csv(path, dtype={spec["id"]: str, spec["admin1"]: str})
    out = pd.DataFrame({
        "id": df[spec["id"]],
        "weight": df[spec["weight"]].astype(float),
        "size": df[spec["size"]].astype(float),
        "admin1": df[spec["admin1"]],
        "fcs": df["fcs"].astype(float),
    })
    components: list[str] = []
    for column in spec["expenditures"]:
        if column.get("meb", True) is False:
            continue
        name = column.get("component") or column["category"]
        monthly = df[column["column"]].astype(float) * TO_MONTH[column["recall"]]
        if name not in components:
            components.append(name)
            out["c_" + name] = 0.0
        out["c_" + name] += monthly
    out["total"] = sum(out["c_" + c] for c in components)
    out["per_capita"] = out["total"] / out["size"]
    out.attrs["components"] = components
    return out


def reference_group(method: dict, survey: pd.DataFrame) -> pd.Series:
    """The households of the reference group (before splitting by area)."""
    group = method["reference_group"]
    low, high = group["deciles"]
    q_low = weighted_quantile(survey["per_capita"], survey["weight"], (low - 1) / 10)
    q_high = weighted_quantile(survey["per_capita"], survey["weight"], high / 10)
    mask = (survey["per_capita"] >= q_low) & (survey["per_capita"] <= q_high)
    for condition in group.get("where", []):
        name, op, value = condition.split()
        assert name == "fcs" and op == ">=", condition
        mask &= survey["fcs"] >= float(value)
    return mask


def reference_spending(method: dict, survey: pd.DataFrame, members: pd.Series) -> dict | None:
    """{'total': per-person median, component: per-person part}, or None below min_households."""
    group = survey[members]
    if len(group) < int(method["reference_group"].get("min_households", 1)):
        return None
    assert method["reference_group"].get("statistic", "median") == "median"
    per_capita = group["per_capita"]
    median = weighted_quantile(per_capita, group["weight"], 0.5)
    weighted_total = (group["weight"] * per_capita).sum()
    out = {"total": median, "households": len(group)}
    for c in survey.attrs["components"]:
        out[c] = median * (group["weight"] * group["c_" + c] / group["size"]).sum() / weighted_total
    return out


# ------------------------------------------------------------------------------------------- methods
def load(name: str) -> dict:
    with open(ROOT / "scenarios" / name, encoding="utf-8") as f:
        return yaml.safe_load(f)


def mali_methods(month: str = MONTH) -> dict:
    """{methodology id: {area: (smeb, meb)}} with area None = national, NaN where there is no value."""
    a1, nat = price_levels()
    results = {}
    for file in ["mali-normative.yaml", "mali-expenditure.yaml", "mali-food-share.yaml", "mali-hybrid.yaml"]:
        method = load(file)
        areas = [None] + admin1_areas(basket_commodities(method))
        persons = float(method["household"]["size"])
        tier = {c["component"]: c["tier"] for c in method["basket"]}
        survey = survey_table(method) if "survey" in method else None
        members = reference_group(method, survey) if survey is not None else None
        values = {}
        for area in areas:
            normative = normative_components(method, area, month, a1, nat)
            smeb = sum(v for c, v in normative.items() if tier[c] == "smeb")
            meb = sum(normative.values())
            if method.get("method") == "food_share":
                meb = normative["food"] / float(method["food_share"])
            if survey is not None:
                in_area = members if area is None else members & (survey["admin1"].map(fold) == fold(area))
                spending = reference_spending(method, survey, in_area)
                for component in method["basket"]:
                    name = component["component"]
                    if component.get("method") != "expenditure" and method.get("method") != "expenditure":
                        continue
                    cost = math.nan if spending is None else persons * spending.get(name, 0.0)
                    meb += cost
                    if tier[name] == "smeb":
                        smeb += cost
            values[area] = (smeb, meb)
        results[method["id"]] = values
    return results


def main() -> None:
    for method, values in mali_methods().items():
        print(method)
        for area, (smeb, meb) in values.items():
            print(f"  {area or 'national':12s} SMEB {smeb:12.4f}  MEB {meb:12.4f}")


if __name__ == "__main__":
    main()

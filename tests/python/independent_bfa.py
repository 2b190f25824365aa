"""Independent re-implementation of the MEB rules, for checking the C++ engine on real data.

Written from the rules listed below only, NOT from the
engine's source, so that an error in one is unlikely to be repeated in the other. It reads the
WFP/HDX *old layout* price file (data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv) and a methodology
YAML (scenarios/*.yaml) and returns the expected rows of transfer_values.csv.

Rules implemented
-----------------
* Prices: read with pandas, skip the HXL row (row 2); split ``cmname`` on the LAST " - " into
  commodity and price type; keep the methodology's price type; drop market "National Average";
  month = date[:7]; unit "N KG" -> price / N per KG ("KG" as is).
* Items: a commodity belongs to a basket item when it equals (case-insensitively) the item name or
  one of its aliases. Substitutes are not implemented (the scenarios here use none).
* Aggregation (statistic median or mean):
    market value   = stat of the quotes of (item, market, month)
    admin1 value   = stat over the markets of that admin1 with a value; observed only when at
                     least ``min_observations`` markets have one
    national value = stat over the OBSERVED admin1 values (area name "national")
* Fill, only for levels above market, rules in the methodology's order:
    parent          -> the parent area's OBSERVED value, same month (top level has no parent;
                       admin1's parent is "national" only when national is in ``levels``)
    carry_forward N -> the area's own OBSERVED value 1..N months back, nearest first
  Filled values never feed other values. Carry-forward looks at ALL months in the file (e.g. a
  2019-01 gap may be filled from 2018-12), not only the requested months.
* Line cost = quantity x multiplier x price, multiplier: person/day -> days_per_month x persons;
  person/month -> persons; household/month -> 1; household/year -> 1/12. Fixed-cost components:
  cost x multiplier. persons: fixed size -> size; capped -> base x min(size, max);
  per_capita -> 1. A component's ``markup_percent`` multiplies its lines by (1 + m/100).
* SMEB = sum of smeb-tier lines; MEB = all lines; any line without a price -> total is NaN
  (on_missing: missing; "zero" counts it as 0; "error" raises).
* Transfer: unrounded = clamp(coverage x (basis - deduct), floor, cap); rounded to step:
  nearest = floor(x/step + 0.5)*step, up = ceil(x/step)*step, down = floor(x/step)*step.

Run ``/usr/bin/python3 tests/python/independent_bfa.py`` to print the 2019 values.
"""

from __future__ import annotations

import math
import re
import sys
from pathlib import Path

import pandas as pd
import yaml

NATIONAL = "national"
_UNIT_RE = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)\s*)?KG\s*$", re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------------
def month_range(first: str, last: str) -> list[str]:
    """Inclusive list of 'YYYY-MM' strings."""
    return [str(p) for p in pd.period_range(first, last, freq="M")]


def _shift_month(month: str, k: int) -> str:
    return str(pd.Period(month, freq="M") - k)


def kg_factor(unit: str) -> float:
    """Number of KG in one priced unit ('KG' -> 1, '100 KG' -> 100)."""
    m = _UNIT_RE.match(str(unit))
    if not m:
        raise ValueError(f"unit not handled by the independent check: {unit!r}")
    return float(m.group(1)) if m.group(1) else 1.0


def persons(household) -> float:
    if isinstance(household, (int, float)):
        return float(household)
    model = household.get("model", "fixed")
    if model == "fixed":
        return float(household["size"])
    if model == "capped":
        return float(household["base"]) * min(float(household["size"]), float(household["max"]))
    if model == "per_capita":
        return 1.0
    raise NotImplementedError(f"household model {model!r} not implemented in the independent check")


def multiplier(per: str, n_persons: float, days_per_month: float) -> float:
    return {
        "person/day": days_per_month * n_persons,
        "person/month": n_persons,
        "household/month": 1.0,
        "household/year": 1.0 / 12.0,
    }[per]


def round_to_step(x: float, step: float, mode: str) -> float:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return float("nan")
    q = x / step
    if mode == "nearest":
        return math.floor(q + 0.5) * step
    if mode == "up":
        return math.ceil(q) * step
    if mode == "down":
        return math.floor(q) * step
    raise ValueError(mode)


def _stat(values: pd.core.groupby.SeriesGroupBy, statistic: str) -> pd.Series:
    if statistic == "median":
        return values.median()
    if statistic == "mean":
        return values.mean()
    raise ValueError(statistic)


# --------------------------------------------------------------------------------------------
# prices
# --------------------------------------------------------------------------------------------
def load_prices(prices_csv_path, pricetype: str = "Retail") -> pd.DataFrame:
    """Old-HDX-layout file -> rows (commodity, pricetype, market, admin1, month, price_per_kg)."""
    df = pd.read_csv(prices_csv_path, skiprows=[1], dtype={"date": str, "cmname": str})
    parts = df["cmname"].str.rsplit(" - ", n=1, expand=True)
    df["commodity"] = parts[0].str.strip()
    df["pricetype"] = parts[1].str.strip()
    df = df[df["pricetype"] == pricetype]
    df = df[df["mktname"] != "National Average"]
    df = df.assign(
        month=df["date"].str[:7],
        price_per_kg=df["price"] / df["unit"].map(kg_factor),
        market=df["mktname"],
        admin1=df["admname"],
    )
    return df[["commodity", "pricetype", "market", "admin1", "month", "price_per_kg", "unit", "price"]]


def observed_values(prices: pd.DataFrame, items: list[dict], levels: list[str], statistic: str,
                    min_observations: int) -> dict:
    """OBSERVED values: {(level, item, area, month): value}. Also returns area lists per level."""
    name_of = {}
    for it in items:
        for n in [it["item"]] + list(it.get("aliases", []) or []):
            key = n.lower()
            if key in name_of and name_of[key] != it["item"]:
                raise ValueError(f"name {n!r} matches two items")
            name_of[key] = it["item"]
    p = prices.assign(item=prices["commodity"].str.lower().map(name_of)).dropna(subset=["item"])

    obs = {}
    mk = _stat(p.groupby(["item", "market", "admin1", "month"])["price_per_kg"], statistic).reset_index()
    if "market" in levels:
        for r in mk.itertuples(index=False):
            obs[("market", r.item, r.market, r.month)] = r.price_per_kg
    a1 = mk.groupby(["item", "admin1", "month"])["price_per_kg"]
    a1 = pd.DataFrame({"value": _stat(a1, statistic), "n": a1.count()}).reset_index()
    a1 = a1[a1["n"] >= min_observations]
    for r in a1.itertuples(index=False):
        obs[("admin1", r.item, r.admin1, r.month)] = r.value
    if NATIONAL in levels:
        nat = _stat(a1.groupby(["item", "month"])["value"], statistic).reset_index()
        for r in nat.itertuples(index=False):
            obs[(NATIONAL, r.item, NATIONAL, r.month)] = r.value
    return obs


def price_with_fill(obs: dict, level: str, item: str, area: str, month: str, levels: list[str],
                    fill: list, parent_of: dict):
    """Observed value, else the first fill rule that yields an OBSERVED value, else None."""
    v = obs.get((level, item, area, month))
    if v is not None or level == "market":
        return v
    for rule in fill:
        if rule == "parent":
            i = levels.index(level)
            if i + 1 < len(levels):
                plevel = levels[i + 1]
                parea = NATIONAL if plevel == NATIONAL else parent_of.get(area)
                v = obs.get((plevel, item, parea, month))
        elif isinstance(rule, dict) and "carry_forward" in rule:
            for k in range(1, int(rule["carry_forward"]) + 1):
                v = obs.get((level, item, area, _shift_month(month, k)))
                if v is not None:
                    break
        else:
            raise ValueError(f"fill rule not handled: {rule!r}")
        if v is not None:
            return v
    return None


# --------------------------------------------------------------------------------------------
# main entry point
# --------------------------------------------------------------------------------------------
def expected(methodology_yaml_path, prices_csv_path, months) -> pd.DataFrame:
    """Expected rows: area_level, area, month, smeb, meb, transfer_value_unrounded, transfer_value."""
    with open(methodology_yaml_path, encoding="utf-8") as fh:
        m = yaml.safe_load(fh)
    pr = m.get("prices", {}) or {}
    levels = pr.get("levels", ["market", "admin1", NATIONAL])
    if not set(levels) <= {"market", "admin1", NATIONAL}:
        raise NotImplementedError(f"levels {levels} (the BFA file has no admin2)")
    statistic = pr.get("statistic", "median")
    min_obs = int(pr.get("min_observations", 1))
    fill = pr.get("fill", []) or []
    on_missing = pr.get("on_missing", "missing")
    out_levels = m.get("output_levels") or levels
    days = float(m.get("days_per_month", 30))
    n_persons = persons(m["household"])

    prices = load_prices(prices_csv_path, pr.get("pricetype", "Retail"))
    for comp in m["basket"]:
        for it in comp.get("items", []) or []:
            if str(it.get("unit", "KG")).upper() != "KG":
                raise NotImplementedError("only KG items are handled")
    items = [it for comp in m["basket"] for it in (comp.get("items") or [])]
    obs = observed_values(prices, items, levels, statistic, min_obs)

    parent_of = prices.groupby("market")["admin1"].first().to_dict()
    areas = {
        "market": sorted(prices["market"].unique()),
        "admin1": sorted(prices["admin1"].unique()),
        NATIONAL: [NATIONAL],
    }

    tr = m.get("transfer", {}) or {}
    basis = tr.get("basis", "meb")
    deduct = float(tr.get("deduct", 0) or 0)
    coverage = float(tr.get("coverage", 1.0))
    floor_ = tr.get("floor", 0)
    cap = tr.get("cap", None)
    rnd = tr.get("round") or {"step": 1, "mode": "nearest"}

    rows = []
    for level in out_levels:
        for area in areas[level]:
            for month in months:
                totals = {"smeb": 0.0, "meb": 0.0}
                for comp in m["basket"]:
                    markup = 1.0 + float(comp.get("markup_percent", 0) or 0) / 100.0
                    if "items" in comp and comp["items"]:
                        lines = []
                        for it in comp["items"]:
                            p = price_with_fill(obs, level, it["item"], area, month, levels, fill,
                                                parent_of)
                            if p is None:
                                if on_missing == "error":
                                    raise RuntimeError(f"no price: {it['item']} {level} {area} {month}")
                                p = 0.0 if on_missing == "zero" else float("nan")
                            lines.append(float(it["quantity"]) * multiplier(it["per"], n_persons, days) * p)
                        cost = sum(lines) * markup
                    else:
                        cost = float(comp["cost"]) * multiplier(comp["per"], n_persons, days) * markup
                    totals["meb"] += cost
                    if comp.get("tier", "meb") == "smeb":
                        totals["smeb"] += cost
                b = totals[basis]
                if math.isnan(b):
                    unrounded = float("nan")
                else:
                    unrounded = coverage * (b - deduct)
                    if floor_ is not None:
                        unrounded = max(float(floor_), unrounded)
                    if cap is not None:
                        unrounded = min(float(cap), unrounded)
                rows.append({
                    "area_level": level, "area": area, "month": month,
                    "smeb": totals["smeb"], "meb": totals["meb"],
                    "transfer_value_unrounded": unrounded,
                    "transfer_value": round_to_step(unrounded, float(rnd["step"]), rnd.get("mode", "nearest")),
                })
    return pd.DataFrame(rows, columns=["area_level", "area", "month", "smeb", "meb",
                                       "transfer_value_unrounded", "transfer_value"])


if __name__ == "__main__":
    root = Path(__file__).resolve().parents[2]
    csv = root / "data/bfa/wfp_food_prices_bfa_hdx_2020-08.csv"
    pd.set_option("display.width", 200, "display.max_rows", 400)
    for name in sys.argv[1:] or ["sahel-normative.yaml", "sahel-capped-smeb.yaml"]:
        print(f"== {name}")
        print(expected(root / "scenarios" / name, csv, month_range("2019-01", "2019-12")).to_string())

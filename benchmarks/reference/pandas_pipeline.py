#!/usr/bin/env python3
"""The normative MEB in pandas: the tool an analyst would use instead of the engine (issue 7, section 2).

    /usr/bin/python3 benchmarks/reference/pandas_pipeline.py --prices P.csv --methodology M.yaml --out DIR
    /usr/bin/python3 benchmarks/reference/pandas_pipeline.py --index /tmp/meb-perf/r1e6/countries.json --out DIR

With --index (written by benchmarks/generate_prices.py) every country's file is computed with its own
methodology, one after the other in this one process, and DIR/<iso3>/transfer_values.csv is written for
each. The output has the key columns of the engine's transfer_values.csv: area_level, parent_area, area,
month, smeb, meb, transfer_value_unrounded, transfer_value (``parent_area`` is part of the key because an
admin2 area is named within its admin1, and two admin1 regions may both have a "Centre").

Written the way a competent analyst writes it: one ``read_csv`` with categorical columns, filters and
unit factors evaluated once per category (not per row), ``groupby().median()`` per market, then per
level, the fill and the costing on dense numpy arrays (item x area x month). There is no Python loop over
rows; the loops run over the levels, the fill rules and the basket lines.

The rules come from docs/methodology.md (sections 4, 6, 7, 9), the same contract the engine implements:

* Rows: drop market "National Average" (any case); keep ``prices.pricetype`` (any case, trimmed) and
  ``prices.priceflags`` (lower-cased, trimmed; empty = ``actual``); keep commodities a basket item
  names (item or alias, any case, trimmed). A kept row in another currency is an error.
* Units: "50 KG" is 50 KG; a price per quote unit times (line unit amount / quote unit amount) is a
  price per line unit. Mass, volume and count do not mix (no density in this basket).
* A market is its market_id (else admin1, admin2 and name, any case). Its areas are those of its first
  kept row. An admin2 area is (admin1, admin2), an admin1 area its name, any case; each is named as
  first written. Only markets with a kept row make areas.
* Months: every month from the first to the last month of the kept rows; every area of every reported
  level gets a row in every month.
* Values: market = statistic of its quotes in the month; first level above market = statistic of its
  markets' values; each higher level = statistic of its children's *observed* values (at least
  ``min_observations`` of them, else no value of its own).
* Fill, in the declared order, from observed values only: ``parent`` = the parent area's observed
  value in the same month (the top level has no parent); ``{carry_forward: N}`` = the area's own
  observed value 1..N months back, the most recent first.
* Costing: line weight = quantity x multiplier (person/day: days_per_month x persons; person/month:
  persons; household/month: 1; household/year: 1/12) x (1 + component mark-up); stated cost = cost x
  multiplier. SMEB = sum of the smeb-tier lines, MEB = sum of all lines, each x (1 + markup_percent);
  a missing price makes the total missing (on_missing: missing) or counts 0 (zero).
* Transfer: clamp(coverage x (basis - deduct), floor, cap), then rounded to the step: the quotient is
  snapped to a whole number within 1e-9, then nearest (halves up), up or down.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

TEXT_COLUMNS = ["date", "admin1", "admin2", "market", "market_id", "commodity", "unit", "priceflag", "pricetype",
                "currency"]
LEVELS = ["market", "admin2", "admin1", "national"]
BASE_UNITS = {"kg": ("mass", 1.0), "kgs": ("mass", 1.0), "g": ("mass", 0.001), "gr": ("mass", 0.001),
              "mt": ("mass", 1000.0), "tonne": ("mass", 1000.0), "l": ("volume", 1.0), "litre": ("volume", 1.0),
              "liter": ("volume", 1.0), "ml": ("volume", 0.001), "m3": ("volume", 1000.0), "pcs": ("count", 1.0),
              "pc": ("count", 1.0), "piece": ("count", 1.0), "pieces": ("count", 1.0), "unit": ("count", 1.0),
              "units": ("count", 1.0)}


def parse_unit(text: str):
    """(dimension, amount in the base unit) of "50 KG", "0.5L", "750 ML"; None when not recognised."""
    text = text.strip()
    split = 0
    while split < len(text) and (text[split].isdigit() or text[split] == "."):
        split += 1
    multiple = 1.0
    if split:
        try:
            multiple = float(text[:split])
        except ValueError:
            return None
        if not multiple > 0:
            return None
    base = BASE_UNITS.get(text[split:].strip().lower())
    return None if base is None else (base[0], multiple * base[1])


def mask_by_category(column: pd.Series, keep) -> np.ndarray:
    """Evaluates `keep` on the categories of a categorical column only, then maps it to the rows."""
    categories = pd.Series(column.cat.categories)
    return keep(categories).to_numpy(dtype=bool)[column.cat.codes.to_numpy()]


class Methodology:
    """The keys of a normative methodology this reference implements (others are refused, never ignored)."""

    def __init__(self, path: Path):
        self.path = path
        m = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key in ("method", "survey", "reference_group", "food_share"):
            if m.get(key) not in (None, "normative"):
                raise NotImplementedError(f"{path}: '{key}' is not implemented by the pandas reference")
        self.id = str(m["id"])
        self.currency = str(m["currency"])
        self.days = float(m.get("days_per_month", 30))
        household = m["household"]
        if household.get("model", "fixed") != "fixed":
            raise NotImplementedError(f"{path}: household model {household.get('model')!r}")
        self.persons = float(household["size"])
        prices = m.get("prices") or {}
        if prices.get("wide"):
            raise NotImplementedError(f"{path}: prices.wide (wide exports) is not implemented by the pandas reference")
        self.pricetype = str(prices.get("pricetype", "Retail"))
        self.priceflags = [str(f).strip().lower() for f in prices.get("priceflags", ["actual"])]
        self.levels = list(prices.get("levels", ["market", "admin1"]))
        self.statistic = prices.get("statistic", "median")
        self.min_observations = int(prices.get("min_observations", 1))
        self.fill = list(prices.get("fill") or [])
        self.on_missing = prices.get("on_missing", "missing")
        if self.on_missing not in ("missing", "zero"):
            raise NotImplementedError(f"{path}: on_missing {self.on_missing!r}")
        self.output_levels = list(m.get("output_levels") or self.levels[1:])
        self.markup = 1.0 + float(m.get("markup_percent", 0) or 0) / 100.0

        # Basket lines in order: (tier, weight, series index or None, stated price).
        self.series = []        # (item name, unit (dimension, amount), lower-case names)
        self.lines = []
        for component in m["basket"]:
            markup = 1.0 + float(component.get("markup_percent", 0) or 0) / 100.0
            tier = {"survival": "smeb", "livelihoods_protection": "meb"}.get(component["tier"], component["tier"])
            entries = component.get("items") or [{"item": component["component"], "cost": component["cost"],
                                                  "per": component["per"]}]
            for item in entries:
                for key in ("composite", "substitutes", "density_kg_per_l", "exact_unit"):
                    if key in item:
                        raise NotImplementedError(f"{path}: item key '{key}' is not implemented by the pandas reference")
                multiplier = {"person/day": self.days * self.persons, "person/month": self.persons,
                              "household/month": 1.0, "household/year": 1.0 / 12.0}[item["per"]]
                if "cost" in item:
                    self.lines.append((tier, 1.0 * markup, None, float(item["cost"]) * multiplier))
                    continue
                unit = parse_unit(str(item["unit"]))
                if unit is None:
                    raise NotImplementedError(f"{path}: unit {item['unit']!r} is not recognised")
                names = [str(n).strip().lower() for n in [item["item"]] + list(item.get("aliases") or [])]
                self.lines.append((tier, float(item["quantity"]) * multiplier * markup, len(self.series), None))
                self.series.append((str(item["item"]), unit, names))

        transfer = m.get("transfer") or {}
        self.basis = transfer.get("basis", "meb")
        self.deduct = float(transfer.get("deduct", 0) or 0)
        self.coverage = float(transfer.get("coverage", 1.0))
        self.floor = float(transfer.get("floor", 0) or 0)
        self.cap = None if transfer.get("cap") is None else float(transfer["cap"])
        rounding = transfer.get("round")
        self.step = None if not rounding else float(rounding["step"])
        self.round_mode = None if not rounding else rounding.get("mode", "nearest")


def statistic_of(groups, statistic: str) -> pd.Series:
    return groups.median() if statistic == "median" else groups.mean()


def read_prices(path: Path, m: Methodology) -> pd.DataFrame:
    """The kept rows: item (series index), market, month (integer), price per line unit."""
    df = pd.read_csv(path, skiprows=[1], usecols=TEXT_COLUMNS + ["price"],
                     dtype={**{c: "category" for c in TEXT_COLUMNS}, "price": "float64"},
                     keep_default_na=False, na_values={"price": [""]})
    keep = ~mask_by_category(df["market"], lambda c: c.str.strip().str.lower() == "national average")
    wanted_type = m.pricetype.strip().lower()
    keep &= mask_by_category(df["pricetype"], lambda c: c.str.strip().str.lower() == wanted_type)
    flags = set(m.priceflags)
    keep &= mask_by_category(df["priceflag"], lambda c: c.str.strip().str.lower().replace("", "actual").isin(flags))
    series_of_name = {name: s for s, (_item, _unit, names) in enumerate(m.series) for name in names}
    commodity_series = pd.Series(df["commodity"].cat.categories).str.strip().str.lower().map(series_of_name)
    series = commodity_series.to_numpy(dtype=float)[df["commodity"].cat.codes.to_numpy()]
    keep &= ~np.isnan(series)
    df = df[keep]
    series = series[keep].astype(np.int64)
    if df.empty:
        raise ValueError(f"{path}: no price of any basket item")

    other_currency = ~mask_by_category(df["currency"], lambda c: c.str.strip().str.lower() == m.currency.lower())
    if other_currency.any():
        first = int(np.flatnonzero(other_currency)[0])
        raise ValueError(f"{path}:{df.index[first] + 3}: currency differs from the methodology's {m.currency}: "
                         f"{df['currency'].iloc[first]!r}")

    # Month as an integer (year x 12 + month - 1), parsed once per distinct date.
    dates = pd.Series(df["date"].cat.categories).str.strip()
    month_of_date = (dates.str[:4].astype(int) * 12 + dates.str[5:7].astype(int) - 1).to_numpy()
    month = month_of_date[df["date"].cat.codes.to_numpy()]

    # Unit factors per (series, unit) pair: line amount / quote amount.
    unit_categories = list(df["unit"].cat.categories)
    factors = np.full((len(m.series), len(unit_categories)), np.nan)
    pairs = pd.DataFrame({"s": series, "u": df["unit"].cat.codes.to_numpy()}).drop_duplicates()
    for s, u in pairs.itertuples(index=False):   # a few dozen pairs, not rows
        item, (dimension, amount), _names = m.series[s]
        quoted = parse_unit(unit_categories[u])
        if quoted is None or quoted[0] != dimension:
            raise ValueError(f"{path}: cannot convert the price of '{item}' from unit '{unit_categories[u]}'")
        factors[s, u] = amount / quoted[1]
    price = df["price"].to_numpy() * factors[series, df["unit"].cat.codes.to_numpy()]

    # A market is its market_id; rows without one are named by (admin1, admin2, market), any case.
    id_text = pd.Series(df["market_id"].cat.categories).str.strip()
    if (id_text == "").any() and (id_text.to_numpy()[df["market_id"].cat.codes.to_numpy()] == "").any():
        market = (df["market_id"].astype(str).str.strip() + "\x1f" + df["admin1"].astype(str).str.lower() + "\x1f" +
                  df["admin2"].astype(str).str.lower() + "\x1f" + df["market"].astype(str).str.strip().str.lower())
        market = market.where(df["market_id"].astype(str).str.strip() == "", df["market_id"].astype(str).str.strip())
    else:
        market = df["market_id"].cat.codes
    return pd.DataFrame({"series": series, "market": market.to_numpy(), "month": month, "price": price,
                         "admin1": df["admin1"].array, "admin2": df["admin2"].array})


def areas_of(rows: pd.DataFrame, levels: list[str]):
    """Markets placed in their areas; per level above market: area names, keys and parents (as codes)."""
    markets = rows.groupby("market", sort=False)[["admin1", "admin2"]].first().astype(str)
    markets = markets.apply(lambda column: column.str.strip())
    keys = {"admin2": markets["admin1"].str.lower() + "\x1f" + markets["admin2"].str.lower(),
            "admin1": markets["admin1"].str.lower(), "national": pd.Series("", index=markets.index)}
    names = {"admin2": markets["admin2"], "admin1": markets["admin1"], "national": pd.Series("national", index=markets.index)}
    levels_out = []
    for level in levels[1:]:
        key = keys[level]
        first = ~key.duplicated()
        # Areas sorted by key, as the engine orders them; named as first written.
        table = pd.DataFrame({"key": key[first].to_numpy(), "name": names[level][first].to_numpy()}).sort_values("key")
        code = pd.Series(np.arange(len(table)), index=table["key"].to_numpy())
        levels_out.append({"level": level, "names": table["name"].to_numpy(), "keys": table["key"].to_numpy(),
                           "market_code": code.reindex(key.to_numpy()).to_numpy()})
    for below, above in zip(levels_out, levels_out[1:]):
        # The parent of an area: the area above of any of its markets (all agree: the key above is a prefix).
        parent = pd.Series(above["market_code"]).groupby(below["market_code"]).first()
        below["parent"] = parent.reindex(np.arange(len(below["keys"]))).to_numpy()
        below["parent_names"] = above["names"][below["parent"]]
    if levels_out:
        levels_out[-1]["parent"] = None
        levels_out[-1]["parent_names"] = np.full(len(levels_out[-1]["keys"]), "", dtype=object)
    return markets.index, levels_out


def compute(prices: Path, m: Methodology) -> pd.DataFrame:
    rows = read_prices(prices, m)
    market_index, levels = areas_of(rows, m.levels)
    first, last = int(rows["month"].min()), int(rows["month"].max())
    n_months, n_series = last - first + 1, len(m.series)

    # Market values: the statistic of each market's quotes in a month.
    rows["market_code"] = market_index.get_indexer(rows["market"])
    values = statistic_of(rows.groupby(["series", "market_code", "month"], sort=False)["price"], m.statistic).reset_index()

    # Observed values level by level, each from the level below (first level: from the market values).
    observed = []
    below_code = values["market_code"].to_numpy()
    for k, level in enumerate(levels):
        area = level["market_code"][below_code] if k == 0 else levels[k - 1]["parent"][below_code]
        grouped = pd.DataFrame({"series": values["series"].to_numpy(), "area": area,
                                "month": values["month"].to_numpy(), "price": values["price"].to_numpy()})
        groups = grouped.groupby(["series", "area", "month"], sort=False)["price"]
        stat = statistic_of(groups, m.statistic)
        counts = groups.count()
        stat = stat[counts >= m.min_observations].reset_index()
        panel = np.full((n_series, len(level["keys"]), n_months), np.nan)
        panel[stat["series"].to_numpy(), stat["area"].to_numpy(), stat["month"].to_numpy() - first] = stat["price"].to_numpy()
        observed.append(panel)
        values, below_code = stat, stat["area"].to_numpy()

    # Fill, in the declared order, from observed values only.
    filled = []
    for k, level in enumerate(levels):
        panel = observed[k].copy()
        for rule in m.fill:
            if rule == "parent":
                if level["parent"] is not None:
                    source = observed[k + 1][:, level["parent"], :]
                    panel = np.where(np.isnan(panel), source, panel)
            elif isinstance(rule, dict) and "carry_forward" in rule:
                for back in range(1, int(rule["carry_forward"]) + 1):
                    shifted = np.full_like(panel, np.nan)
                    shifted[:, :, back:] = observed[k][:, :, :-back]
                    panel = np.where(np.isnan(panel), shifted, panel)
            else:
                raise NotImplementedError(f"fill rule {rule!r}")
        filled.append(panel)

    # Costing and the transfer rule, per reported level: arrays of area x month.
    out = []
    month_text = np.array([f"{t // 12:04d}-{t % 12 + 1:02d}" for t in range(first, last + 1)])
    for level_name in m.output_levels:
        k = [level["level"] for level in levels].index(level_name)
        level = levels[k]
        shape = (len(level["keys"]), n_months)
        totals = {"smeb": np.zeros(shape), "meb": np.zeros(shape)}
        for tier, weight, s, stated in m.lines:
            if weight == 0.0:
                continue
            price = np.full(shape, stated) if s is None else filled[k][s]
            if m.on_missing == "zero":
                price = np.nan_to_num(price, nan=0.0)
            cost = price * weight
            totals["meb"] = totals["meb"] + cost
            if tier == "smeb":
                totals["smeb"] = totals["smeb"] + cost
        smeb, meb = totals["smeb"] * m.markup, totals["meb"] * m.markup
        gap = np.maximum(m.coverage * ((smeb if m.basis == "smeb" else meb) - m.deduct), m.floor)
        if m.cap is not None:
            gap = np.minimum(gap, m.cap)
        value = gap
        if m.step is not None:
            quotient = gap / m.step
            snapped = np.round(quotient)
            quotient = np.where(np.abs(quotient - snapped) < 1e-9, snapped, quotient)
            rounder = {"nearest": lambda q: np.floor(q + 0.5), "up": np.ceil, "down": np.floor}[m.round_mode]
            value = rounder(quotient) * m.step
        n_areas = shape[0]
        out.append(pd.DataFrame({
            "area_level": level_name,
            "parent_area": np.repeat(level["parent_names"], n_months),
            "area": np.repeat(level["names"], n_months),
            "month": np.tile(month_text, n_areas),
            "smeb": smeb.ravel(), "meb": meb.ravel(),
            "transfer_value_unrounded": gap.ravel(), "transfer_value": value.ravel()}))
    return pd.concat(out, ignore_index=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--prices", type=Path)
    parser.add_argument("--methodology", type=Path)
    parser.add_argument("--index", type=Path, help="countries.json of generate_prices.py: every country")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if args.index:
        index = json.loads(args.index.read_text(encoding="utf-8"))
        runs = [(args.index.parent / c["prices"], args.index.parent / c["methodology"], args.out / c["iso3"].lower())
                for c in index["countries"]]
    elif args.prices and args.methodology:
        runs = [(args.prices, args.methodology, args.out)]
    else:
        parser.error("give --index, or --prices and --methodology")
    for prices, methodology, out in runs:
        result = compute(prices, Methodology(methodology))
        out.mkdir(parents=True, exist_ok=True)
        result.to_csv(out / "transfer_values.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

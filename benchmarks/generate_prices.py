#!/usr/bin/env python3
"""Deterministic generator of WFP/HDX price files at global scale, for the side-by-side benchmark.

    /usr/bin/python3 benchmarks/generate_prices.py --rows 1e6 --seed 7 --out /tmp/meb-perf/r1e6

writes, in --out, one price file per country in the *current* WFP/HDX layout (the header and the HXL
row of HDX's ``wfp_food_prices_<iso3>.csv``), one normative methodology per country, and an index
``countries.json`` naming them. The files hold exactly --rows data rows in total.

Why one file and one methodology per country
--------------------------------------------
A methodology has one ``currency``, and the engine treats a row of a basket commodity in another
currency as a *bad row* (``engine/src/prices.cpp``, ``read_long_rows``): the run stops with an input
error, or, under ``--skip-bad-rows``, every such row is listed in ``manifest.json``. A global file in which
the same commodity names recur in every country's currency cannot be computed in one run, and running
one methodology per country over the whole global file would error on the first foreign row. HDX
publishes the current layout per country anyway (one currency per file), so the generator writes what
an analyst downloads: one file per country, each with its own currency. Both pipelines of
``compare_pandas.py`` process every country; the engine with one ``meb compute`` per country.

Shape (each country drawn from its own seeded stream, so a country does not depend on the others)
-------------------------------------------------------------------------------------------------
* Countries: up to 24 (ISO3, currency and an exchange rate of the right order); sizes are skewed
  (log-normal weights), as in the real database where a few countries hold most rows.
* Areas: admin1 regions holding 2-5 admin2 areas holding 1-3 markets. Some admin2 names recur in
  several admin1 regions ("Centre"), as real ones do: an admin2 area is named within its admin1.
  A few market names carry a comma or an accent ("Marché Central, Nord").
* Commodities: 20-60 per country from a catalogue of real WFP names (some quoted because of commas:
  "Peas (yellow, split)", "Wage (non-qualified labour, non-agricultural)"), with their units
  ("KG", "50 KG", "500 G", "L", "750 ML", "Unit", "Bunch" ...). Every country has the eight basket
  commodities, each under one of its names ("Maize" or "Maize (white)").
* Series: each market carries a commodity or not; a series may start late and may have an outage of
  1-8 months; some are quoted weekly (dates 01, 08, 15, 22) rather than monthly (15). The rows kept are
  an exact-size uniform sample of every possible row, so gaps also fall at random.
* Price types Retail (most rows) and Wholesale (cereals and pulses in 50 KG, 100 KG, MT); price flags
  ``actual``, ``aggregate`` and ``actual,aggregate``; "National Average" rows (flag aggregate).
* Prices: commodity base price in USD x exchange rate x country level x market level x monthly
  inflation x seasonality x a per-quote noise; ``usdprice`` divides by the drifting exchange rate.
* Rows are sorted by date, then market, commodity and price type, as HDX exports are.

The methodology of each country (``<iso3>-normative.yaml``): the eight basket commodities priced at
the median of medians along market -> admin2 -> admin1, fill ``[parent, {carry_forward: 3}]``,
fixed non-food costs in local currency, a household of 5-7, transfer = 80 % of the MEB rounded to a
step of about one US dollar. ``--months N`` shortens every country's calendar to its last N months
(small smoke files); ``--countries K`` sets the number of countries.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

HEADER = ("date,admin1,admin2,market,market_id,latitude,longitude,category,commodity,commodity_id,unit,"
          "priceflag,pricetype,currency,price,usdprice")
HXL = ("#date,#adm1+name,#adm2+name,#loc+market+name,#loc+market+code,#geo+lat,#geo+lon,#item+type,"
       "#item+name,#item+code,#item+unit,#item+price+flag,#item+price+type,#currency+code,#value,#value+usd")

LAST_MONTH = 2024 * 12 + 11  # 2024-12, months counted from year 0
FIRST_YEARS = (2007, 2016)   # a country's series start between these years

# (iso3, name, currency, local units per USD around 2020). Several countries share XOF/XAF, as in reality.
COUNTRIES = [
    ("AFG", "Afghanistan", "AFN", 75.0), ("BFA", "Burkina Faso", "XOF", 580.0), ("MLI", "Mali", "XOF", 580.0),
    ("NGA", "Nigeria", "NGN", 380.0), ("KEN", "Kenya", "KES", 105.0), ("ETH", "Ethiopia", "ETB", 35.0),
    ("SOM", "Somalia", "SOS", 575.0), ("SSD", "South Sudan", "SSP", 165.0), ("SDN", "Sudan", "SDG", 55.0),
    ("YEM", "Yemen", "YER", 600.0), ("SYR", "Syrian Arab Republic", "SYP", 1250.0),
    ("LBN", "Lebanon", "LBP", 1510.0), ("IRQ", "Iraq", "IQD", 1190.0), ("COD", "DR Congo", "CDF", 1950.0),
    ("CAF", "Central African Republic", "XAF", 580.0), ("TCD", "Chad", "XAF", 580.0),
    ("NER", "Niger", "XOF", 580.0), ("HTI", "Haiti", "HTG", 90.0), ("MOZ", "Mozambique", "MZN", 70.0),
    ("MWI", "Malawi", "MWK", 750.0), ("BGD", "Bangladesh", "BDT", 85.0), ("MMR", "Myanmar", "MMK", 1400.0),
    ("COL", "Colombia", "COP", 3700.0), ("IDN", "Indonesia", "IDR", 14500.0),
]

# The basket every country can price: (name, other names a country may use, category, USD per base unit,
# base unit of the basket line, retail units with weights, wholesale units, quantity, per, component).
# Retail units are all recognised by the engine and of the line's dimension, so every quote converts.
BASKET = [
    ("Maize (white)", ["Maize"], "cereals and tubers", 0.35, "KG",
     [("KG", 0.8), ("50 KG", 0.1), ("25 KG", 0.1)], ["100 KG", "50 KG", "MT"], 0.20, "person/day", "food"),
    ("Rice (imported)", [], "cereals and tubers", 0.90, "KG",
     [("KG", 0.75), ("25 KG", 0.15), ("50 KG", 0.10)], ["50 KG", "100 KG"], 0.10, "person/day", "food"),
    ("Beans (red)", ["Beans"], "pulses and nuts", 1.20, "KG",
     [("KG", 0.9), ("500 G", 0.1)], ["100 KG"], 0.05, "person/day", "food"),
    ("Peas (yellow, split)", [], "pulses and nuts", 1.00, "KG", [("KG", 1.0)], ["50 KG"], 0.02, "person/day", "food"),
    ("Oil (vegetable)", [], "oil and fats", 1.80, "L",
     [("L", 0.7), ("5 L", 0.1), ("750 ML", 0.1), ("0.5 L", 0.1)], ["20 L"], 0.025, "person/day", "food"),
    ("Sugar", [], "miscellaneous food", 1.00, "KG", [("KG", 0.85), ("500 G", 0.15)], ["50 KG"], 0.02, "person/day", "food"),
    ("Salt", [], "miscellaneous food", 0.40, "KG", [("KG", 0.7), ("500 G", 0.3)], [], 0.005, "person/day", "food"),
    ("Soap (laundry, bar)", [], "non-food", 0.50, "pcs", [("Unit", 0.8), ("4 pcs", 0.2)], [], 2.0,
     "household/month", "hygiene"),
]

# Other commodities: (name, category, USD per base unit, retail units with weights, wholesale units). No
# basket uses them, so their units need not be recognised ("Bunch", "Day", "USD/LCU").
CATALOGUE = [
    ("Sorghum", "cereals and tubers", 0.35, [("KG", 0.8), ("50 KG", 0.2)], ["100 KG"]),
    ("Millet", "cereals and tubers", 0.40, [("KG", 0.8), ("50 KG", 0.2)], ["100 KG"]),
    ("Wheat", "cereals and tubers", 0.40, [("KG", 1.0)], ["100 KG", "MT"]),
    ("Wheat flour", "cereals and tubers", 0.60, [("KG", 0.8), ("50 KG", 0.2)], ["50 KG"]),
    ("Maize flour", "cereals and tubers", 0.50, [("KG", 1.0)], ["50 KG"]),
    ("Rice (local)", "cereals and tubers", 0.80, [("KG", 1.0)], ["50 KG"]),
    ("Bread", "cereals and tubers", 1.20, [("KG", 0.6), ("400 G", 0.4)], []),
    ("Cassava", "cereals and tubers", 0.30, [("KG", 1.0)], ["100 KG"]),
    ("Cassava flour", "cereals and tubers", 0.50, [("KG", 1.0)], []),
    ("Potatoes", "cereals and tubers", 0.50, [("KG", 1.0)], ["50 KG"]),
    ("Sweet potatoes", "cereals and tubers", 0.45, [("KG", 1.0)], []),
    ("Teff", "cereals and tubers", 1.10, [("KG", 1.0)], ["100 KG"]),
    ("Pasta", "cereals and tubers", 1.50, [("KG", 0.5), ("500 G", 0.5)], []),
    ("Bulgur", "cereals and tubers", 1.00, [("KG", 1.0)], []),
    ("Yam", "cereals and tubers", 0.60, [("KG", 1.0)], []),
    ("Plantains", "cereals and tubers", 0.50, [("KG", 0.5), ("Bunch", 0.5)], []),
    ("Lentils", "pulses and nuts", 1.30, [("KG", 1.0)], ["50 KG"]),
    ("Chickpeas", "pulses and nuts", 1.40, [("KG", 1.0)], []),
    ("Groundnuts (shelled)", "pulses and nuts", 1.50, [("KG", 1.0)], ["100 KG"]),
    ("Cowpeas", "pulses and nuts", 0.90, [("KG", 1.0)], ["100 KG"]),
    ("Beans (white)", "pulses and nuts", 1.20, [("KG", 1.0)], []),
    ("Tomatoes", "vegetables and fruits", 0.80, [("KG", 0.9), ("Bunch", 0.1)], []),
    ("Onions", "vegetables and fruits", 0.60, [("KG", 1.0)], ["50 KG"]),
    ("Cabbage", "vegetables and fruits", 0.50, [("KG", 0.5), ("Head", 0.5)], []),
    ("Carrots", "vegetables and fruits", 0.70, [("KG", 1.0)], []),
    ("Bananas", "vegetables and fruits", 0.60, [("KG", 0.5), ("Dozen", 0.5)], []),
    ("Oranges", "vegetables and fruits", 0.90, [("KG", 1.0)], []),
    ("Garlic", "vegetables and fruits", 2.50, [("KG", 1.0)], []),
    ("Peppers (green)", "vegetables and fruits", 1.40, [("KG", 1.0)], []),
    ("Eggplants", "vegetables and fruits", 0.80, [("KG", 1.0)], []),
    ("Meat (beef)", "meat, fish and eggs", 5.50, [("KG", 1.0)], []),
    ("Meat (goat)", "meat, fish and eggs", 6.00, [("KG", 1.0)], []),
    ("Meat (chicken, whole)", "meat, fish and eggs", 3.50, [("KG", 0.7), ("Unit", 0.3)], []),
    ("Fish (dry)", "meat, fish and eggs", 4.00, [("KG", 1.0)], []),
    ("Fish (fresh)", "meat, fish and eggs", 3.00, [("KG", 1.0)], []),
    ("Eggs", "meat, fish and eggs", 0.15, [("Unit", 0.5), ("30 pcs", 0.3), ("Dozen", 0.2)], []),
    ("Milk (fresh)", "milk and dairy", 0.90, [("L", 1.0)], []),
    ("Milk (powder)", "milk and dairy", 6.00, [("KG", 0.5), ("400 G", 0.5)], []),
    ("Cheese", "milk and dairy", 7.00, [("KG", 1.0)], []),
    ("Yogurt", "milk and dairy", 2.00, [("L", 0.5), ("500 ML", 0.5)], []),
    ("Oil (palm)", "oil and fats", 1.50, [("L", 1.0)], ["20 L"]),
    ("Oil (sunflower)", "oil and fats", 2.00, [("L", 1.0)], []),
    ("Butter", "oil and fats", 6.50, [("KG", 1.0)], []),
    ("Ghee", "oil and fats", 5.00, [("KG", 1.0)], []),
    ("Tea (black)", "miscellaneous food", 4.00, [("KG", 0.4), ("250 G", 0.6)], []),
    ("Coffee", "miscellaneous food", 6.00, [("KG", 1.0)], []),
    ("Sugar (brown)", "miscellaneous food", 0.90, [("KG", 1.0)], []),
    ("Tomato paste", "miscellaneous food", 3.00, [("400 G", 0.6), ("KG", 0.4)], []),
    ("Wheat flour (imported, fortified)", "cereals and tubers", 0.70, [("KG", 1.0)], ["50 KG"]),
    ("Fuel (diesel)", "non-food", 1.00, [("L", 1.0)], []),
    ("Fuel (petrol-gasoline)", "non-food", 1.10, [("L", 1.0)], []),
    ("Fuel (kerosene)", "non-food", 0.90, [("L", 1.0)], []),
    ("Charcoal", "non-food", 0.30, [("KG", 0.5), ("50 KG", 0.5)], []),
    ("Firewood", "non-food", 2.00, [("Bundle", 1.0)], []),
    ("Cement", "non-food", 8.00, [("50 KG", 1.0)], []),
    ("Cooking gas", "non-food", 15.00, [("12.5 KG", 1.0)], []),
    ("Exchange rate (unofficial)", "non-food", 1.00, [("USD/LCU", 1.0)], []),
    ("Wage (non-qualified labour, non-agricultural)", "non-food", 4.00, [("Day", 1.0)], []),
    ("Wage (qualified labour)", "non-food", 8.00, [("Day", 1.0)], []),
    ("Transport (public)", "non-food", 0.40, [("Unit", 1.0)], []),
]

SYLLABLES = ["ka", "lo", "ba", "ma", "ko", "ri", "sa", "ne", "to", "gu", "di", "mu", "fa", "zo", "ye", "ha",
             "bu", "ni", "wa", "se", "ta", "ra", "mi", "do", "ga", "le", "ku", "po", "jo", "ve"]
SHARED_ADMIN2_NAMES = ["Centre", "Nord", "Sud", "Est", "Ouest"]  # recur in several admin1 regions


def unit_amount(unit: str) -> float:
    """Quantity of the base unit (KG, L, piece) in a unit such as "50 KG" or "750 ML"; 1 for unknown units."""
    parts = unit.split()
    number = float(parts[0]) if len(parts) == 2 else 1.0
    name = parts[-1].lower()
    return number * {"g": 0.001, "ml": 0.001, "mt": 1000.0}.get(name, 1.0)


def csv_field(text: str) -> str:
    """RFC 4180 quoting, only when needed (commas, quotes)."""
    if any(c in text for c in ',"\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def nice_step(amount: float) -> float:
    """The 1-2-5 value nearest below `amount` (a rounding step of about one US dollar)."""
    power = 10.0 ** math.floor(math.log10(amount))
    for mantissa in (5.0, 2.0, 1.0):
        if amount >= mantissa * power:
            return mantissa * power
    return power


def round_money(amount: float) -> float:
    """A stated cost as a cash working group writes it: two significant figures."""
    power = 10.0 ** (math.floor(math.log10(amount)) - 1)
    return round(amount / power) * power


def made_up_name(rng: np.random.Generator, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES, size=syllables)).capitalize()


def country_areas(rng: np.random.Generator, n_markets: int, iso3: str, market_id_base: int):
    """Markets placed in admin2 areas (1-3 markets each) in admin1 regions (2-5 admin2 each)."""
    markets = []
    admin1_count = 0
    while len(markets) < n_markets:
        admin1 = made_up_name(rng, 3)
        admin1_count += 1
        used_admin2 = set()
        for _ in range(int(rng.integers(2, 6))):
            if rng.random() < 0.15:
                admin2 = str(rng.choice(SHARED_ADMIN2_NAMES))
            else:
                admin2 = made_up_name(rng, 3)
            if admin2 in used_admin2:
                continue
            used_admin2.add(admin2)
            for _ in range(int(rng.integers(1, 4))):
                name = made_up_name(rng, 2)
                draw = rng.random()
                if draw < 0.04:
                    name = f"Marché {name}, Nord"   # a comma and an accent: quoted, UTF-8
                elif draw < 0.08:
                    name = f"{name} (town)"
                markets.append((admin1, admin2, name))
                if len(markets) == n_markets:
                    break
            if len(markets) == n_markets:
                break
    lat0, lon0 = rng.uniform(-20, 35), rng.uniform(-80, 120)
    out = []
    for k, (admin1, admin2, name) in enumerate(markets):
        lat, lon = lat0 + rng.uniform(-4, 4), lon0 + rng.uniform(-4, 4)
        fields = [admin1, admin2, name, str(market_id_base + k), f"{lat:.4f}", f"{lon:.4f}"]
        out.append(",".join(csv_field(f) for f in fields))
    # HDX writes its "National Average" rows with empty areas and no coordinates.
    out.append(f",,National Average,{market_id_base + n_markets},,")
    return out, admin1_count


class Country:
    """One country's commodities, series and rows, drawn from its own random stream."""

    def __init__(self, index: int, rows: int, seed: int, months: int | None, start_year: int | None = None):
        iso3, name, currency, fx = COUNTRIES[index]
        self.iso3, self.name, self.currency, self.fx, self.rows = iso3, name, currency, fx, rows
        rng = np.random.default_rng([seed, index])
        self.rng = rng
        drawn_year = int(rng.integers(FIRST_YEARS[0], FIRST_YEARS[1] + 1))
        start_year = start_year or drawn_year
        full_months = LAST_MONTH - start_year * 12 + 1
        if months is not None:
            full_months = min(full_months, months)

        # Commodities: the basket (one of each item's names) and 12-52 others (20-60 in all).
        n_commodities = int(rng.integers(20, 61))
        others = rng.choice(len(CATALOGUE), size=min(n_commodities - len(BASKET), len(CATALOGUE)), replace=False)
        self.commodities = []  # (name, category, id, usd, retail units, wholesale units)
        for k, (item, aliases, category, usd, _unit, retail, wholesale, *_rest) in enumerate(BASKET):
            names = [item] + aliases
            chosen = names[int(rng.integers(len(names)))]
            self.commodities.append((chosen, category, 1 + k, usd, retail, wholesale, True))
        for k in sorted(others):
            item, category, usd, retail, wholesale = CATALOGUE[k]
            self.commodities.append((item, category, 100 + int(k), usd, retail, wholesale, False))
        n_comm = len(self.commodities)
        self.household_size = int(rng.integers(5, 8))

        # Expected rows a market yields per month: carried share x quotes a month x (1 + wholesale share).
        carry = np.array([0.92 if c[6] else rng.uniform(0.3, 0.8) for c in self.commodities])
        weekly = rng.random(n_comm) < 0.12
        has_wholesale = np.array([len(c[5]) > 0 for c in self.commodities])
        per_market_month = float(np.sum(carry * np.where(weekly, 4, 1) * (1 + 0.3 * has_wholesale))) * 0.85
        keep = 0.8  # the share of possible rows kept by the final exact-size sample
        min_markets = 8
        n_months = int(min(full_months, max(6, rows / (keep * per_market_month * min_markets))))
        self.first_month = LAST_MONTH - n_months + 1
        n_markets = max(min_markets, math.ceil(rows / (keep * per_market_month * n_months)))

        # Price model, per commodity and per country.
        self.level = rng.lognormal(0.0, 0.2)
        self.inflation = math.log1p(rng.uniform(0.03, 0.6)) / 12.0  # per month
        self.season_amp = rng.uniform(0.0, 0.15, n_comm)
        self.season_phase = rng.uniform(0, 2 * math.pi, n_comm)
        self.base = np.array([c[3] for c in self.commodities]) * fx * self.level

        for _attempt in range(50):
            if self._draw_series(n_markets, n_months, carry, weekly, index):
                break
            n_markets += max(1, n_markets // 10)
        else:
            raise RuntimeError(f"{iso3}: could not draw {rows} rows")

    def _draw_series(self, n_markets, n_months, carry, weekly, index) -> bool:
        rng = self.rng
        n_comm = len(self.commodities)
        self.markets, self.admin1_count = country_areas(rng, n_markets, self.iso3, 100000 * (index + 1))
        national = n_markets  # the "National Average" pseudo-market
        # Series: (market, commodity, price type, unit). Every market-commodity pair is drawn, then kept.
        mk, cm = np.meshgrid(np.arange(n_markets), np.arange(n_comm), indexing="ij")
        mk, cm = mk.ravel(), cm.ravel()
        carried = rng.random(mk.size) < carry[cm]
        mk, cm = mk[carried], cm[carried]
        wholesale_ok = np.array([len(c[5]) > 0 for c in self.commodities])
        w_pick = wholesale_ok[cm] & (rng.random(mk.size) < 0.3)
        # National Average: Retail, every commodity of a country that publishes it (about half do).
        nat_comm = np.arange(n_comm) if rng.random() < 0.5 else np.arange(0)
        s_market = np.concatenate([mk, mk[w_pick], np.full(nat_comm.size, national)])
        s_comm = np.concatenate([cm, cm[w_pick], nat_comm])
        s_ptype = np.concatenate([np.zeros(mk.size, int), np.ones(int(w_pick.sum()), int), np.zeros(nat_comm.size, int)])
        n_series = s_market.size

        # Units: one per series, drawn from the commodity's retail or wholesale units.
        self.units = []
        unit_index = {}
        s_unit = np.empty(n_series, dtype=np.int64)
        for s in range(n_series):  # loop over series (thousands), not rows
            c = self.commodities[s_comm[s]]
            if s_ptype[s] == 1:
                unit = c[5][int(rng.integers(len(c[5])))]
            else:
                names, weights = zip(*c[4])
                unit = names[int(rng.choice(len(names), p=np.array(weights) / sum(weights)))]
            s_unit[s] = unit_index.setdefault(unit, len(unit_index))
        self.units = list(unit_index)

        # Activity: a late start for 30 % of series, one outage of 1-8 months for 30 %.
        start = np.where(rng.random(n_series) < 0.3, rng.integers(0, max(1, n_months // 2), n_series), 0)
        gap_start = rng.integers(0, n_months, n_series)
        gap_len = np.where(rng.random(n_series) < 0.3, rng.integers(1, 9, n_series), 0)
        t = np.arange(n_months)
        active = (t[None, :] >= start[:, None]) & ~((t[None, :] >= gap_start[:, None]) &
                                                    (t[None, :] < (gap_start + gap_len)[:, None]))
        series, month = np.nonzero(active)
        qpm = np.where(weekly[s_comm[series]], 4, 1)
        series, month = np.repeat(series, qpm), np.repeat(month, qpm)
        week = np.arange(series.size) - np.repeat(np.cumsum(qpm) - qpm, qpm)
        day = np.where(weekly[s_comm[series]], np.array([1, 8, 15, 22])[np.minimum(week, 3)], 15)
        if series.size < self.rows:
            return False

        # Exactly `rows` rows: a uniform sample of every possible row, then HDX order.
        pick = rng.choice(series.size, size=self.rows, replace=False)
        series, month, day = series[pick], month[pick], day[pick]
        order = np.lexsort((s_ptype[series], s_comm[series], s_market[series], day, month))
        self.r_series, self.r_month, self.r_day = series[order], month[order], day[order]
        self.s_market, self.s_comm, self.s_ptype, self.s_unit = s_market, s_comm, s_ptype, s_unit

        # Prices: base x market level x inflation x season x noise, per unit quoted; wholesale 15 % cheaper.
        n = self.rows
        m_level = rng.lognormal(0.0, 0.12, n_markets + 1)
        c = s_comm[self.r_series]
        log_price = (np.log(self.base[c]) + np.log(m_level[s_market[self.r_series]]) + self.inflation * self.r_month
                     + self.season_amp[c] * np.sin(2 * math.pi * ((self.first_month + self.r_month) % 12) / 12
                                                   + self.season_phase[c])
                     + rng.normal(0.0, 0.06, n))
        amounts = np.array([unit_amount(u) for u in self.units])
        price = np.exp(log_price) * amounts[s_unit[self.r_series]] * np.where(s_ptype[self.r_series] == 1, 0.85, 1.0)
        fx_now = self.fx * np.exp(self.inflation * self.r_month * 0.8)
        self.price, self.usd = price, price / fx_now
        flag_draw = rng.random(n)
        self.flag = np.where(s_market[self.r_series] == national, 1, np.where(flag_draw < 0.03, 1, np.where(flag_draw < 0.04, 2, 0)))
        return True

    def write(self, path: Path) -> int:
        """Writes the rows; returns the file size in bytes."""
        commodity_fields = [",".join([csv_field(c[1]), csv_field(c[0]), str(c[2])]) for c in self.commodities]
        # The middle of a row (category .. unit), one string per series.
        middle = [f"{commodity_fields[c]},{csv_field(self.units[u])}" for c, u in zip(self.s_comm.tolist(), self.s_unit.tolist())]
        ptype_names = ["Retail", "Wholesale"]
        flags = ["actual", "aggregate", '"actual,aggregate"']
        tail = [f"{p},{self.currency}" for p in ptype_names]
        series_tail = [tail[p] for p in self.s_ptype.tolist()]
        months = [f"{(self.first_month + t) // 12:04d}-{(self.first_month + t) % 12 + 1:02d}-" for t in range(LAST_MONTH - self.first_month + 1)]
        with open(path, "w", encoding="utf-8", newline="") as out:
            out.write(HEADER + "\n" + HXL + "\n")
            chunk = 200_000
            for begin in range(0, self.rows, chunk):
                end = min(self.rows, begin + chunk)
                lines = [
                    f"{months[t]}{d:02d},{self.markets[self.s_market[s]]},{middle[s]},{flags[f]},{series_tail[s]},"
                    f"{p:.2f},{u:.4f}" if p < 100 else
                    f"{months[t]}{d:02d},{self.markets[self.s_market[s]]},{middle[s]},{flags[f]},{series_tail[s]},"
                    f"{p:.0f}.0,{u:.4f}"
                    for s, t, d, f, p, u in zip(self.r_series[begin:end].tolist(), self.r_month[begin:end].tolist(),
                                                self.r_day[begin:end].tolist(), self.flag[begin:end].tolist(),
                                                self.price[begin:end].tolist(), self.usd[begin:end].tolist())
                ]
                out.write("\n".join(lines))
                out.write("\n")
        return path.stat().st_size

    def methodology(self) -> str:
        """The normative methodology of this country (YAML text)."""
        fx = self.fx
        # Fixed non-food amounts of the right order in local currency: about 4, 10, 5 USD a month and
        # 60 USD a year of household items (illustrative, like scenarios/sahel-normative.yaml).
        water, energy, education, items = (round_money(fx * usd) for usd in (4.0, 10.0, 5.0, 60.0))
        step = nice_step(fx)
        lines = []
        for name, aliases, _category, _usd, unit, _r, _w, quantity, per, component in BASKET:
            alias_text = f", aliases: {json.dumps(aliases)}" if aliases else ""
            lines.append((component, f"      - {{item: {json.dumps(name)}{alias_text}, quantity: {quantity}, "
                                     f"unit: {json.dumps(unit)}, per: {per}}}"))
        food = "\n".join(text for component, text in lines if component == "food")
        hygiene = "\n".join(text for component, text in lines if component == "hygiene")
        return f"""# Generated by benchmarks/generate_prices.py: the normative benchmark methodology for {self.name}.
id: bench-{self.iso3.lower()}-normative
name: Normative SMEB and MEB, benchmark basket ({self.name})
version: 1
currency: {self.currency}
days_per_month: 30
household: {{size: {self.household_size}}}
prices:
  pricetype: Retail
  priceflags: [actual]
  levels: [market, admin2, admin1]
  statistic: median
  min_observations: 1
  fill: [parent, {{carry_forward: 3}}]
  on_missing: missing
basket:
  - component: food
    tier: smeb
    items:
{food}
  - component: hygiene
    tier: smeb
    items:
{hygiene}
  - component: water
    tier: smeb
    cost: {water:g}
    per: household/month
  - component: energy
    tier: meb
    cost: {energy:g}
    per: household/month
  - component: education
    tier: meb
    cost: {education:g}
    per: household/month
  - component: household_items
    tier: meb
    cost: {items:g}
    per: household/year
transfer:
  basis: meb
  deduct: 0
  coverage: 0.8
  floor: 0
  cap: null
  round: {{step: {step:g}, mode: nearest}}
"""


def split_rows(total: int, countries: int, seed: int) -> list[int]:
    """Skewed country sizes summing to `total` (largest remainders)."""
    rng = np.random.default_rng([seed, 1_000_003])
    weights = rng.lognormal(0.0, 0.8, countries)
    share = weights / weights.sum() * total
    rows = np.floor(share).astype(np.int64)
    for k in np.argsort(-(share - rows))[: total - int(rows.sum())]:
        rows[k] += 1
    return [int(r) for r in rows]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=float, required=True, help="data rows in total, e.g. 1e6 (1e4 .. 1e7)")
    parser.add_argument("--out", required=True, help="directory to write (created)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--countries", type=int, default=None,
                        help=f"number of countries (default: rows / 5,000, at most {len(COUNTRIES) - 4})")
    parser.add_argument("--months", type=int, default=None, help="at most this many months per country")
    parser.add_argument("--start-year", type=int, default=None,
                        help=f"every country's series start in this year (default: drawn in {FIRST_YEARS[0]}-{FIRST_YEARS[1]})")
    args = parser.parse_args(argv)
    total = int(round(args.rows))
    if total < 100:
        parser.error("--rows must be at least 100")
    countries = args.countries or max(1, min(len(COUNTRIES) - 4, total // 5000))
    if not 1 <= countries <= len(COUNTRIES):
        parser.error(f"--countries must be between 1 and {len(COUNTRIES)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    index = []
    for k, rows in enumerate(split_rows(total, countries, args.seed)):
        country = Country(k, rows, args.seed, args.months, args.start_year)
        prices = out / f"wfp_food_prices_{country.iso3.lower()}.csv"
        methodology = out / f"{country.iso3.lower()}-normative.yaml"
        size = country.write(prices)
        methodology.write_text(country.methodology(), encoding="utf-8")
        index.append({"iso3": country.iso3, "country": country.name, "currency": country.currency,
                      "prices": prices.name, "methodology": methodology.name, "rows": rows, "bytes": size,
                      "markets": len(country.markets) - 1, "admin1": country.admin1_count,
                      "commodities": len(country.commodities),
                      "months": LAST_MONTH - country.first_month + 1})
    summary = {"rows": total, "seed": args.seed, "countries": index,
               "bytes": sum(c["bytes"] for c in index), "generator": "benchmarks/generate_prices.py",
               "months_cap": args.months, "start_year": args.start_year}
    (out / "countries.json").write_text(json.dumps(summary, indent=1) + "\n", encoding="utf-8")
    print(f"{total} rows in {len(index)} countries, {summary['bytes'] / 1e6:.1f} MB, in {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

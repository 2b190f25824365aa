#!/usr/bin/env python3
"""Generates a SYNTHETIC Mali household expenditure survey (data/synthetic/synthetic_survey_mli.csv).

SYNTHETIC DATA: generated, not surveyed. Household microdata for Mali (EHCVM, EMOP, ENSAN) are licensed
and cannot be shipped, so the expenditure-based, food-share and hybrid methods of issue 3 are tested and
demonstrated on this file instead. Its published aggregates are calibrated to the facts of the MEB
primer (shared/domain/MEB-PRIMER.md): food share of monthly consumption 53.2% nationally, 57% rural and
47% urban (INSTAT); mean household size about 6; a lognormal spread of per-capita spending, richer in
Bamako and in towns; survey weights that vary by stratum. Nothing in it describes real households.

Model (one pass, numpy only, every draw from one seeded PCG64 stream, in a fixed order):
  1. Strata = region x milieu. Region populations are the OCHA COD-PS v2 totals; the urban share of
     each region is a stated assumption (URBAN_SHARE). The sample is allocated to regions in
     proportion to their households to the power 0.6 (small regions are oversampled, as national
     surveys do), then to milieu with towns oversampled 1.5x. Households come in clusters of 12
     (enumeration areas); each cluster lies in one cercle of its region, drawn in proportion to the
     cercle population (the region's capital cercle 3x as likely for urban clusters). Cercle names are
     spelled as in the WFP Mali market list, so survey areas match price areas.
  2. Weight = the stratum's inverse sampling fraction (households in the population / households in
     the sample) x a cluster non-response factor (lognormal, sd 0.15), scaled so the mean weight is
     WEIGHT_MEAN. Only relative weights matter to weighted shares, medians and quantiles.
  3. Household size = 1 + negative binomial (mean SIZE_MEAN[milieu] - 1, dispersion 4), redrawn above
     20. Children = binomial(size - 1, CHILD_PROB[milieu]); adults = size - children >= 1.
  4. Per-capita monthly consumption: log pc = log(PC_MEDIAN[region] x URBAN_FACTOR if urban)
     - 0.3 (log size - log 6)  (economies of scale) + cluster effect N(0, 0.2) + N(0, 0.5).
     Household total = pc x size.
  5. Food share (Engel's law): logit s = alpha[milieu] - 0.5 (log pc - log stratum median) + N(0, 0.35).
     alpha is solved by bisection so that the weighted food share of the sample, sum(w food) /
     sum(w total), equals FOOD_SHARE_TARGET[milieu] exactly before rounding.
  6. Food is split into cereals, pulses, oil and other food (Dirichlet around FOOD_SPLIT[milieu]; some
     households buy no pulses). Non-food is split into the twelve non-food categories: each category
     is used with probability PARTICIPATION (rent: 5% of rural, 35% of urban, 50% of Bamako households;
     education mostly where there are children) and, if used, gets NONFOOD_BASE x Gamma(1.5)/1.5; the
     parts are rescaled to the household's non-food total.
  7. Monthly amounts are converted to each column's recall period (x 7/30 for 7 days, x 6 for 6
     months, x 12 for 12 months) and rounded to 25 XOF, as enumerators' figures usually are.
  8. FCS is computed the WFP way from days of consumption (0-7) of the eight food groups, weights
     cereals 2, pulses 3, vegetables 1, fruit 1, meat/fish 4, milk 4, sugar 0.5, oil 0.5 (max 112).
     Days ~ binomial(7, logistic(a_g + b_g q)) where q is standardised log per-capita spending plus
     noise, so FCS rises with spending.

Usage (from the repository root):
  /usr/bin/python3 scripts/generate_synthetic_survey.py [--seed S] [--households N] [--out PATH]
                                                        [--readme PATH]
Defaults: seed 20240653, 1,200 households, data/synthetic/synthetic_survey_mli.csv, and the README next
to the CSV. The same seed, size and numpy version give the same bytes (numpy's PCG64 streams are only
guaranteed within a numpy version). The README (with the calibration report) is generated too: edit
this script, not the README.
"""
from __future__ import annotations

import argparse
import csv
import io
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SEED = 20240653
DEFAULT_HOUSEHOLDS = 1200
DEFAULT_OUT = ROOT / "data" / "synthetic" / "synthetic_survey_mli.csv"
CANONICAL_COMMAND = "/usr/bin/python3 scripts/generate_synthetic_survey.py"

# Regions in the WFP Mali market list spelling. COD-PS names carry accents ("Ségou").
REGIONS = ["Bamako", "Kayes", "Koulikoro", "Sikasso", "Segou", "Mopti", "Tombouctou", "Gao", "Kidal"]
COD_NAME = {"Segou": "Ségou"}

# Assumptions (not published figures): urban share of each region's population.
URBAN_SHARE = {"Bamako": 1.0, "Kayes": 0.13, "Koulikoro": 0.15, "Sikasso": 0.15, "Segou": 0.12,
               "Mopti": 0.11, "Tombouctou": 0.12, "Gao": 0.22, "Kidal": 0.40}
# Median per-capita monthly consumption of rural households, XOF (Bamako: its urban median). The
# order of magnitude follows the EHCVM 2018/19 poverty line (about 270,000 XOF per person per year,
# 22,500 a month, with about 42% of people below it); the regional ranking (Sikasso and Mopti poorest,
# Bamako richest) follows the published poverty maps. Towns spend URBAN_FACTOR times more.
PC_MEDIAN = {"Bamako": 46000, "Kayes": 23000, "Koulikoro": 22500, "Sikasso": 19000, "Segou": 21000,
             "Mopti": 18500, "Tombouctou": 20000, "Gao": 21500, "Kidal": 24000}
URBAN_FACTOR = 1.5
SIZE_MEAN = {"rural": 6.3, "urban": 5.6}
CHILD_PROB = {"rural": 0.58, "urban": 0.50}
SIZE_DISPERSION = 4.0
SIZE_ELASTICITY = -0.3
SIGMA_CLUSTER = 0.2
SIGMA_HOUSEHOLD = 0.5
CLUSTER_SIZE = 12
# Sample per region proportional to households ** 0.6: between proportional (1) and equal (0).
ALLOCATION_POWER = 0.6
URBAN_OVERSAMPLING = 1.5
WEIGHT_MEAN = 220.0
WEIGHT_NOISE = 0.15
# INSTAT figures quoted in the primer, section 2 (national 53.2% follows from the mix of the two).
FOOD_SHARE_TARGET = {"rural": 0.57, "urban": 0.47}
ENGEL_SLOPE = -0.5
SIGMA_FOOD_SHARE = 0.35
ROUND_TO = 25

FOOD = ["cereals", "pulses", "oil", "other_food"]
FOOD_SPLIT = {"rural": [0.42, 0.06, 0.08, 0.44], "urban": [0.30, 0.05, 0.07, 0.58]}
FOOD_CONCENTRATION = 30.0
PULSES_PARTICIPATION = {"rural": 0.75, "urban": 0.85}

NONFOOD = ["water", "hygiene", "energy", "transport", "communication", "rent", "health", "education",
           "clothing", "household_items", "ceremonies", "tobacco"]
# Relative size of each non-food category when the household spends on it (rural, urban).
NONFOOD_BASE = {"water": (0.04, 0.06), "hygiene": (0.10, 0.07), "energy": (0.16, 0.14),
                "transport": (0.08, 0.10), "communication": (0.06, 0.07), "rent": (0.15, 0.25),
                "health": (0.10, 0.08), "education": (0.08, 0.11), "clothing": (0.13, 0.10),
                "household_items": (0.07, 0.06), "ceremonies": (0.09, 0.07), "tobacco": (0.04, 0.03)}
# Probability that a household spends anything on the category over its recall period (rural, urban).
PARTICIPATION = {"water": (0.35, 0.85), "hygiene": (0.97, 0.99), "energy": (0.80, 0.99),
                 "transport": (0.60, 0.85), "communication": (0.70, 0.92), "rent": (0.05, 0.35),
                 "health": (0.70, 0.75), "education": (0.45, 0.80), "clothing": (0.85, 0.90),
                 "household_items": (0.60, 0.65), "ceremonies": (0.55, 0.55), "tobacco": (0.25, 0.25)}
RENT_PARTICIPATION_BAMAKO = 0.50
EDUCATION_PARTICIPATION_NO_CHILDREN = 0.10

# Column name, category, recall period in days (30 = a month; 182.5 = 6 months; 365 = 12 months),
# counted in the MEB. Monthly = value x 30 / days (so x 30/7, x 1, / 6, / 12 as the primer says).
RECALL_FACTOR = {"7d": 7 / 30, "30d": 1.0, "6m": 6.0, "12m": 12.0}
EXPENDITURE_COLUMNS = [
    ("exp_cereals_7d", "cereals", "food", "7d", True),
    ("exp_pulses_7d", "pulses", "food", "7d", True),
    ("exp_oil_7d", "oil", "food", "7d", True),
    ("exp_other_food_7d", "other_food", "food", "7d", True),
    ("exp_water_30d", "water", "water", "30d", True),
    ("exp_hygiene_30d", "hygiene", "hygiene", "30d", True),
    ("exp_energy_30d", "energy", "energy", "30d", True),
    ("exp_transport_30d", "transport", "transport", "30d", True),
    ("exp_communication_30d", "communication", "communication", "30d", True),
    ("exp_rent_30d", "rent", "rent", "30d", True),
    ("exp_health_6m", "health", "health", "6m", True),
    ("exp_education_6m", "education", "education", "6m", True),
    ("exp_clothing_6m", "clothing", "other", "6m", True),
    ("exp_household_items_12m", "household_items", "other", "12m", True),
    ("exp_ceremonies_12m", "ceremonies", "other", "12m", False),
    ("exp_tobacco_30d", "tobacco", "other", "30d", False),
]
RECALL_LABEL = {"7d": "7 days (monthly = x 30/7)", "30d": "30 days (monthly = as is)",
                "6m": "6 months (monthly = / 6)", "12m": "12 months (monthly = / 12)"}
COLUMNS = (["hh_id", "weight", "admin1", "admin2", "milieu", "hh_size", "n_adults", "n_children", "fcs"]
           + [c[0] for c in EXPENDITURE_COLUMNS])

# Food Consumption Score (WFP): group weight, intercept and slope of the daily-use logit.
FCS_GROUPS = [("cereals", 2.0, 3.5, 0.5), ("pulses", 3.0, -1.0, 0.6), ("vegetables", 1.0, 0.3, 0.6),
              ("fruit", 1.0, -2.3, 0.7), ("meat_fish", 4.0, -0.6, 0.9), ("milk", 4.0, -1.2, 0.8),
              ("sugar", 0.5, 0.8, 0.6), ("oil", 0.5, 1.2, 0.6)]
FCS_QUALITY_NOISE = 1.3
FCS_THRESHOLDS = (21.0, 35.0, 42.0)  # poor / borderline; 42 is the Sahel "acceptable" cut-off


def monthly_factor(recall):
    """Multiply a value recalled over `recall` by this to get a month (x 30/7, x 1, / 6, / 12)."""
    return 1.0 / RECALL_FACTOR[recall]


def load_cercles():
    """Cercles of each region as WFP spells them, with the COD-PS population of the cercle."""
    with open(ROOT / "data/mli/wfp_markets_mli.csv", encoding="utf-8", newline="") as f:
        markets = [r for r in csv.DictReader(f) if not r["market_id"].startswith("#")]
    with open(ROOT / "data/mli/areas_mli_wfp_markets.csv", encoding="utf-8", newline="") as f:
        population = {r["market_id"]: int(r["population"]) for r in csv.DictReader(f)}
    cercles = {region: {} for region in REGIONS}
    for m in markets:
        cercles[m["admin1"]][m["admin2"]] = population[m["market_id"]]
    return {region: sorted(c.items()) for region, c in cercles.items()}


def load_region_population():
    with open(ROOT / "data/mli/mli_admin1_pcodes_population_cod_ps_v2.csv", encoding="utf-8-sig",
              newline="") as f:
        total = {r["admin1Name_fr"]: int(r["T_TL"]) for r in csv.DictReader(f)}
    return {region: total[COD_NAME.get(region, region)] for region in REGIONS}


def largest_remainder(shares, n):
    """Integers summing to n, proportional to shares (Hamilton's method, ties by order)."""
    shares = np.asarray(shares, dtype=float)
    quota = shares / shares.sum() * n
    alloc = np.floor(quota).astype(int)
    rest = n - alloc.sum()
    order = sorted(range(len(quota)), key=lambda i: (-(quota[i] - alloc[i]), i))
    for i in order[:rest]:
        alloc[i] += 1
    return alloc


def logistic(x):
    return 1.0 / (1.0 + np.exp(-x))


def weighted_quantile(values, weights, p):
    """Inverse of the weighted CDF: the smallest value whose cumulative weight share reaches p."""
    order = np.argsort(values, kind="stable")
    v, w = np.asarray(values)[order], np.asarray(weights)[order]
    cum = np.cumsum(w) / w.sum()
    return float(v[np.searchsorted(cum, p - 1e-12)])


def solve_intercept(total, weights, slope_term, noise, target):
    """alpha such that sum(w s total) / sum(w total) = target, s = logistic(alpha + slope + noise)."""
    lo, hi = -10.0, 10.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        share = (weights * total * logistic(mid + slope_term + noise)).sum() / (weights * total).sum()
        if share < target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def generate(seed, n_households):
    rng = np.random.Generator(np.random.PCG64(seed))
    cercles = load_cercles()
    population = load_region_population()

    # 1. Strata and sample allocation.
    strata = []  # (region, milieu, households in population)
    for region in REGIONS:
        for milieu in ("urban", "rural"):
            share = URBAN_SHARE[region] if milieu == "urban" else 1.0 - URBAN_SHARE[region]
            if share > 0:
                strata.append((region, milieu, population[region] * share / SIZE_MEAN[milieu]))
    region_households = np.array([sum(h for r, _, h in strata if r == region) for region in REGIONS])
    region_sample = largest_remainder(region_households ** ALLOCATION_POWER, n_households)
    stratum_sample = []
    for region, n_region in zip(REGIONS, region_sample):
        own = [s for s in strata if s[0] == region]
        boost = [URBAN_OVERSAMPLING if m == "urban" else 1.0 for _, m, _ in own]
        stratum_sample += list(largest_remainder([h * b for (_, _, h), b in zip(own, boost)], n_region))

    region_col, milieu_col, admin2_col, cluster_col, base_weight = [], [], [], [], []
    cluster_id = 0
    for (region, milieu, households), n in zip(strata, stratum_sample):
        names = [c for c, _ in cercles[region]]
        pop = np.array([p for _, p in cercles[region]], dtype=float)
        if milieu == "urban":
            pop = pop * np.array([3.0 if c == region else 1.0 for c in names])
        n_clusters = math.ceil(n / CLUSTER_SIZE)
        for k in range(n_clusters):
            size = min(CLUSTER_SIZE, n - k * CLUSTER_SIZE)
            cercle = names[rng.choice(len(names), p=pop / pop.sum())]
            adjustment = math.exp(rng.normal(0.0, WEIGHT_NOISE))
            for _ in range(size):
                region_col.append(region)
                milieu_col.append(milieu)
                admin2_col.append(cercle)
                cluster_col.append(cluster_id)
                base_weight.append(households / n * adjustment)
            cluster_id += 1
    n = n_households
    urban = np.array([m == "urban" for m in milieu_col])
    cluster = np.array(cluster_col)

    # 2. Weights, mean WEIGHT_MEAN.
    weight = np.array(base_weight)
    weight = weight * WEIGHT_MEAN / weight.mean()

    # 3. Household size and composition.
    mean_extra = np.where(urban, SIZE_MEAN["urban"], SIZE_MEAN["rural"]) - 1.0
    p_nb = SIZE_DISPERSION / (SIZE_DISPERSION + mean_extra)
    size = 1 + rng.negative_binomial(SIZE_DISPERSION, p_nb)
    while (size > 20).any():
        redo = size > 20
        size[redo] = 1 + rng.negative_binomial(SIZE_DISPERSION, p_nb[redo])
    children = rng.binomial(size - 1, np.where(urban, CHILD_PROB["urban"], CHILD_PROB["rural"]))
    adults = size - children

    # 4. Per-capita monthly consumption.
    stratum_median = np.array([PC_MEDIAN[r] * (URBAN_FACTOR if m == "urban" and r != "Bamako" else 1.0)
                               for r, m in zip(region_col, milieu_col)])
    cluster_effect = rng.normal(0.0, SIGMA_CLUSTER, cluster_id)[cluster]
    log_pc = (np.log(stratum_median) + SIZE_ELASTICITY * (np.log(size) - math.log(6.0))
              + cluster_effect + rng.normal(0.0, SIGMA_HOUSEHOLD, n))
    total = np.exp(log_pc) * size

    # 5. Food share, calibrated per milieu.
    slope_term = ENGEL_SLOPE * (log_pc - np.log(stratum_median))
    share_noise = rng.normal(0.0, SIGMA_FOOD_SHARE, n)
    food_share = np.empty(n)
    for milieu, mask in (("rural", ~urban), ("urban", urban)):
        if not mask.any():
            continue
        alpha = solve_intercept(total[mask], weight[mask], slope_term[mask], share_noise[mask],
                                FOOD_SHARE_TARGET[milieu])
        food_share[mask] = logistic(alpha + slope_term[mask] + share_noise[mask])
    food = total * food_share
    nonfood = total - food

    # 6. Split into categories (monthly XOF).
    monthly = {}
    split = np.empty((n, len(FOOD)))
    for i in range(n):
        split[i] = rng.dirichlet(FOOD_CONCENTRATION * np.array(FOOD_SPLIT["urban" if urban[i] else "rural"]))
    buys_pulses = rng.random(n) < np.where(urban, PULSES_PARTICIPATION["urban"], PULSES_PARTICIPATION["rural"])
    split[:, 1] *= buys_pulses
    split /= split.sum(axis=1, keepdims=True)
    for j, name in enumerate(FOOD):
        monthly[name] = food * split[:, j]

    parts = np.empty((n, len(NONFOOD)))
    for j, name in enumerate(NONFOOD):
        base = np.where(urban, NONFOOD_BASE[name][1], NONFOOD_BASE[name][0])
        p = np.where(urban, PARTICIPATION[name][1], PARTICIPATION[name][0])
        if name == "rent":
            p = np.where(np.array(region_col) == "Bamako", RENT_PARTICIPATION_BAMAKO, p)
        if name == "education":
            p = np.where(children == 0, EDUCATION_PARTICIPATION_NO_CHILDREN, p)
        uses = rng.random(n) < p
        parts[:, j] = base * rng.gamma(1.5, 1.0 / 1.5, n) * uses
    parts[parts.sum(axis=1) == 0, NONFOOD.index("hygiene")] = NONFOOD_BASE["hygiene"][0]
    parts /= parts.sum(axis=1, keepdims=True)
    for j, name in enumerate(NONFOOD):
        monthly[name] = nonfood * parts[:, j]

    # 7. Recall periods and rounding to 25 XOF.
    recorded = {}
    for column, name, _, recall, _ in EXPENDITURE_COLUMNS:
        value = monthly[name] * RECALL_FACTOR[recall]
        recorded[column] = (np.rint(value / ROUND_TO) * ROUND_TO).astype(np.int64)

    # 8. Food Consumption Score from food-group days.
    centre = weighted_quantile(log_pc, weight, 0.5)
    quality = (log_pc - centre) / 0.6 + rng.normal(0.0, FCS_QUALITY_NOISE, n)
    fcs = np.zeros(n)
    for _, group_weight, a, b in FCS_GROUPS:
        days = rng.binomial(7, logistic(a + b * quality))
        fcs += group_weight * days

    rows = []
    for i in range(n):
        row = [f"SYN-{i + 1:05d}", f"{weight[i]:.4f}", region_col[i], admin2_col[i], milieu_col[i],
               str(size[i]), str(adults[i]), str(children[i]), f"{fcs[i]:.1f}"]
        row += [str(recorded[c[0]][i]) for c in EXPENDITURE_COLUMNS]
        rows.append(row)
    return rows


def to_csv(rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return buffer.getvalue()


def calibration(rows):
    """Published aggregates, computed from the rows as written (rounded values)."""
    idx = {c: k for k, c in enumerate(COLUMNS)}
    w = np.array([float(r[idx["weight"]]) for r in rows])
    size = np.array([int(r[idx["hh_size"]]) for r in rows])
    urban = np.array([r[idx["milieu"]] == "urban" for r in rows])
    region = np.array([r[idx["admin1"]] for r in rows])
    fcs = np.array([float(r[idx["fcs"]]) for r in rows])
    food = np.zeros(len(rows))
    total = np.zeros(len(rows))
    for column, _, category, recall, _ in EXPENDITURE_COLUMNS:
        value = np.array([float(r[idx[column]]) for r in rows]) * monthly_factor(recall)
        total += value
        if category == "food":
            food += value
    pc = total / size

    def share(mask):
        if not mask.any():
            return float("nan")
        return float((w[mask] * food[mask]).sum() / (w[mask] * total[mask]).sum())

    every = np.ones(len(rows), dtype=bool)
    report = {
        "households": len(rows),
        "food_share_national": share(every),
        "food_share_rural": share(~urban),
        "food_share_urban": share(urban),
        "mean_household_share": float((w * food / total).sum() / w.sum()),
        "mean_size_weighted": float((w * size).sum() / w.sum()),
        "mean_size": float(size.mean()),
        "size_min": int(size.min()),
        "size_max": int(size.max()),
        "urban_weight_share": float(w[urban].sum() / w.sum()),
        "weight_min": float(w.min()),
        "weight_max": float(w.max()),
        "deciles": [weighted_quantile(pc, w, d / 10) for d in range(1, 10)],
        "region_median_pc": {r: weighted_quantile(pc[region == r], w[region == r], 0.5)
                             for r in REGIONS if (region == r).any()},
        "fcs_poor": float(w[fcs <= FCS_THRESHOLDS[0]].sum() / w.sum()),
        "fcs_borderline": float(w[(fcs > FCS_THRESHOLDS[0]) & (fcs <= FCS_THRESHOLDS[1])].sum() / w.sum()),
        "fcs_acceptable_42": float(w[fcs >= FCS_THRESHOLDS[2]].sum() / w.sum()),
        "fcs_mean": float((w * fcs).sum() / w.sum()),
        "fcs_logpc_corr": float(np.corrcoef(fcs, np.log(pc))[0, 1]) if len(rows) > 2 else float("nan"),
        "rural_rent_zero": float((np.array([r[idx["exp_rent_30d"]] == "0" for r in rows]) & ~urban).sum()
                                 / (~urban).sum()),
    }
    return report


def format_report(c):
    lines = [
        f"Households: {c['households']:,}; urban share of weights {c['urban_weight_share']:.1%}; "
        f"weights {c['weight_min']:.1f} to {c['weight_max']:.1f}",
        f"Weighted food share of monthly consumption (sum w*food / sum w*total): national "
        f"{c['food_share_national']:.1%} (target 53.2%), rural {c['food_share_rural']:.1%} (57%), "
        f"urban {c['food_share_urban']:.1%} (47%)",
        f"Weighted mean of household food shares: {c['mean_household_share']:.1%}",
        f"Household size: weighted mean {c['mean_size_weighted']:.2f}, unweighted mean {c['mean_size']:.2f}, "
        f"range {c['size_min']} to {c['size_max']}",
        "Per-capita monthly consumption, weighted deciles D1..D9 (XOF): "
        + ", ".join(f"{d:,.0f}" for d in c["deciles"]),
        "Weighted median per-capita monthly consumption by region (XOF): "
        + ", ".join(f"{r} {v:,.0f}" for r, v in c["region_median_pc"].items()),
        f"FCS: weighted mean {c['fcs_mean']:.1f}; poor (<= 21) {c['fcs_poor']:.1%}, borderline (21.5-35) "
        f"{c['fcs_borderline']:.1%}, fcs >= 42 (Sahel acceptable) {c['fcs_acceptable_42']:.1%}; "
        f"correlation of FCS with log per-capita spending {c['fcs_logpc_corr']:.2f}",
        f"Rural households with no rent: {c['rural_rent_zero']:.1%}",
    ]
    return "\n".join(lines)


def readme(seed, n_households, report, csv_name):
    default_run = seed == DEFAULT_SEED and n_households == DEFAULT_HOUSEHOLDS
    command = CANONICAL_COMMAND if default_run else f"{CANONICAL_COMMAND} --seed {seed} --households {n_households}"
    dictionary = "\n".join(
        f"| `{column}` | {category} | {RECALL_LABEL[recall]} | {'yes' if meb else 'no'} |"
        for column, _, category, recall, meb in EXPENDITURE_COLUMNS)
    return f"""# Synthetic Mali household expenditure survey

**SYNTHETIC DATA — generated, not surveyed; do not use for analysis or programme decisions.**

`{csv_name}` is a made-up household survey of Mali. No household in it exists. It is here to test
and demonstrate the expenditure-based, food-share and hybrid MEB methods and `meb compare`.

## Why synthetic

Household microdata for Mali (INSTAT's EHCVM, EMOP, WFP's ENSAN) are licensed and cannot be shipped
with an open-source project. Only their published aggregates are public, so this file is generated to
match those aggregates (MEB primer, section 2: food share 53.2% national, 57% rural, 47% urban,
INSTAT; section 3: household size about 6) and nothing more. Any other pattern in it is an artefact
of the model.

## How it was generated

This file and this README were written by `scripts/generate_synthetic_survey.py` (the model is
described step by step in its docstring), with seed {seed} and {n_households:,} households:

    {command}

The same seed and size give the same bytes (with the same numpy version);
`tests/python/test_synthetic_survey.py` regenerates the file and checks it. In short:

- Strata are region × milieu, with COD-PS v2 region populations and an assumed urban share per
  region. The sample is allocated in proportion to each region's households to the power 0.6 (small
  regions oversampled), towns oversampled 1.5×, in clusters of 12 households, each cluster in one
  cercle drawn in proportion to its population. `weight` is the inverse sampling fraction times a
  cluster non-response factor, scaled to a mean of {WEIGHT_MEAN:.0f}: only relative weights matter.
- Household size is 1 + negative binomial (mean 6.3 rural, 5.6 urban), at most 20; children are
  binomial among the members other than the first adult.
- Per-capita monthly consumption is lognormal around a median per region and milieu (rural medians
  18,500–24,000 XOF, towns ×{URBAN_FACTOR}, Bamako {PC_MEDIAN['Bamako']:,}), lower in larger households, with
  cluster and household noise.
- The food share falls with per-capita spending (Engel's law, on the logit scale); its intercept is
  solved per milieu so that the weighted food share of the sample equals 57% rural and 47% urban.
- Food and non-food are split into the columns below; each non-food category is used by a share of
  households only (rent by 5% of rural households), so there are zeros. Amounts are converted to the
  column's recall period and rounded to 25 XOF.
- `fcs` is the WFP Food Consumption Score computed from synthetic days of use (0–7) of the eight food
  groups, with the probability of use rising with per-capita spending.

## Calibration report (computed from the CSV as written)

```
{format_report(report)}
```

The food share is the share of food in the weighted total of monthly consumption, all sixteen
expenditure columns converted to a month. Deciles and regional medians use the inverse of the
weighted distribution function (the smallest value whose cumulative weight share reaches p).

## Columns

One row per household; comma-separated, UTF-8, header on the first line, no HXL row.

| Column | Meaning |
|---|---|
| `hh_id` | Household id, `SYN-00001`… (the prefix marks the data as synthetic) |
| `weight` | Survey weight (> 0, varies by stratum and cluster) |
| `admin1` | Region, spelled as in the WFP Mali market list (`Segou`, not `Ségou`) |
| `admin2` | Cercle of that region, spelled as in `data/mli/wfp_markets_mli.csv` |
| `milieu` | `urban` or `rural` |
| `hh_size` | Household members (integer, 1–20) |
| `n_adults`, `n_children` | Composition; `n_adults + n_children = hh_size`, `n_adults >= 1` |
| `fcs` | Food Consumption Score, 0–112 (poor <= 21, borderline 21.5–35; acceptable >= 42 in the Sahel convention, > 35 elsewhere) |

Expenditure columns, XOF, recorded over the recall period in their name (monthly conversion as in the
primer: ×30/7 for 7 days, ÷6 for 6 months, ÷12 for 12 months). All are >= 0 and multiples of 25.

| Column | Category | Recall period | MEB-eligible |
|---|---|---|---|
{dictionary}

Clothing and household items are in the MEB's "other" category; ceremonies and tobacco are spending,
counted in total consumption (and hence in the food share), but not MEB-eligible (primer, section 2).
Rent is eligible only where the methodology puts it in scope; most rural households pay none.

## Licence

Generated by this project; MIT, like the code (see `PROVENANCE.md`). The region and cercle
populations used to allocate the sample come from the OCHA COD-PS files in `data/mli/` (CC BY-IGO);
no value of those files is reproduced here other than through the sample allocation.
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument("--households", type=int, default=DEFAULT_HOUSEHOLDS,
                        help=f"number of households (default {DEFAULT_HOUSEHOLDS})")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="CSV to write")
    parser.add_argument("--readme", type=Path, default=None,
                        help="README to write (default: README.md next to the CSV)")
    args = parser.parse_args(argv)
    if args.households < 1:
        parser.error(f"--households must be at least 1, got {args.households}")
    rows = generate(args.seed, args.households)
    report = calibration(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="") as f:
        f.write(to_csv(rows))
    readme_path = args.readme or args.out.parent / "README.md"
    with open(readme_path, "w", encoding="utf-8", newline="") as f:
        f.write(readme(args.seed, args.households, report, args.out.name))
    print("SYNTHETIC DATA: generated, not surveyed")
    print(format_report(report))
    print(f"wrote {args.out} and {readme_path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""What an analyst does in a notebook, as a script: load the shipped WFP prices of Burkina Faso, compute two
methodologies, compare them, and plot one region's MEB and transfer value month by month.

    PYTHONPATH=build/release/bindings/python /usr/bin/python3 bindings/python/examples/analyst.py \
        out/analyst-centre-est.png --area Centre-est --from 2019-01 --to 2020-07

The figure needs matplotlib (Debian python3-matplotlib); without it the script prints the comparison and says
that no figure was drawn.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

import meb

ROOT = Path(__file__).resolve().parents[3]
PRICES = ROOT / "data" / "bfa" / "wfp_food_prices_bfa_hdx_2020-08.csv"
METHODOLOGIES = [ROOT / "scenarios" / "sahel-normative.yaml", ROOT / "scenarios" / "sahel-capped-smeb.yaml"]


def region_series(result: meb.Result, area: str) -> pd.DataFrame:
    """One admin1 region's rows of transfer_values.csv, indexed by month."""
    table = result.transfer_values
    rows = table[(table["area_level"] == "admin1") & (table["area"] == area)]
    return rows.set_index(pd.PeriodIndex(rows["month"], freq="M").to_timestamp())


def plot(results: dict[str, meb.Result], area: str, figure: Path) -> bool:
    try:
        import matplotlib
    except ImportError:
        return False
    matplotlib.use("Agg")  # no display: render to a file
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    for (id_, result), colour in zip(results.items(), ("tab:blue", "tab:orange")):
        series = region_series(result, area)
        ax.plot(series.index, series["meb"], color=colour, alpha=0.5, label=f"{id_}: MEB")
        ax.step(series.index, series["transfer_value"], where="mid", color=colour, label=f"{id_}: transfer value")
    currency = next(iter(results.values())).methodology.currency
    ax.set_title(f"{area}: MEB and transfer value per household and month")
    ax.set_ylabel(currency)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.autofmt_xdate()
    figure.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(figure, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("figure", nargs="?", default="out/analyst-centre-est.png", help="where to save the figure (PNG)")
    parser.add_argument("--area", default="Centre-est", help="the admin1 region to plot (default Centre-est)")
    parser.add_argument("--from", dest="first", default="2019-01", help="first month, YYYY-MM")
    parser.add_argument("--to", dest="last", default="2020-07", help="last month, YYYY-MM")
    options = parser.parse_args(argv)

    prices = meb.load_prices(PRICES)
    summary = prices.summary()
    print(f"prices: {summary['observations']} quotes, {summary['markets']} markets, {len(summary['items'])} commodities,"
          f" {summary['months']['first']} to {summary['months']['last']}")

    methodologies = [meb.Methodology.from_file(path) for path in METHODOLOGIES]
    window = {"from_month": options.first, "to_month": options.last}
    results = {m.id: meb.compute(prices, m, **window) for m in methodologies}
    for id_, result in results.items():
        print(f"{id_}: {len(result)} area-months, household {result.methodology.household}")

    comparison = meb.compare(prices, methodologies, **window)
    table = comparison.comparison
    last = table[(table["area"] == options.area) & (table["month"] == options.last)]
    if last.empty:
        print(f"no area '{options.area}' in {options.last}", file=sys.stderr)
        return 1
    print(f"\n{options.area}, {options.last} (reference {comparison.reference}):")
    print(last[["methodology", "smeb", "meb", "transfer_value", "meb_difference_percent"]].to_string(index=False))

    figure = Path(options.figure)
    if plot(results, options.area, figure):
        print(f"\nwrote {figure}")
    else:
        print("\nmatplotlib is not installed (Debian: python3-matplotlib): no figure drawn")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Builds data/mli/areas_mli_wfp_markets.csv, the areas file for Mali WFP price data.

It places each of the 153 markets of WFP's Mali market list (data/mli/wfp_markets_mli.csv, keyed by the
market_id of the HDX price files) in its cercle (admin2) and region (admin1), with the OCHA COD P-codes
and the COD-PS v2 population of the cercle (data/mli/mli_admin*_pcodes_population_cod_ps_v2.csv).

Names are matched as the primer advises (section 6: match on code and name, record the vintage): WFP
spells names without accents ("Segou"), the COD with them ("Ségou"), so both are compared without
accents, case or punctuation. One cercle is spelled differently and is mapped explicitly below. Area
names are written as the COD spells them. The P-codes are those of the pre-2023 COD (ML09 = Bamako).

Usage: /usr/bin/python3 scripts/make_mali_areas.py   (from the repository root; rewrites the file)
"""
import csv
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "mli"
# WFP spelling -> COD spelling, after normalisation.
ADMIN2_SPELLINGS = {"baroueli": "baraoueli"}


def norm(text):
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def main():
    with open(DATA / "wfp_markets_mli.csv", encoding="utf-8", newline="") as f:
        markets = [r for r in csv.DictReader(f) if not r["market_id"].startswith("#")]
    with open(DATA / "mli_admin1_pcodes_population_cod_ps_v2.csv", encoding="utf-8-sig", newline="") as f:
        admin1 = {norm(r["admin1Name_fr"]): r for r in csv.DictReader(f)}
    with open(DATA / "mli_admin2_pcodes_population_cod_ps_v2.csv", encoding="utf-8-sig", newline="") as f:
        admin2 = {(norm(r["admin1Name_fr"]), norm(r["admin2Name_fr"])): r for r in csv.DictReader(f)}
    rows, unmatched = [], []
    for market in sorted(markets, key=lambda r: int(r["market_id"])):
        region = admin1.get(norm(market["admin1"]))
        cercle_key = (norm(market["admin1"]), ADMIN2_SPELLINGS.get(norm(market["admin2"]), norm(market["admin2"])))
        cercle = admin2.get(cercle_key)
        if region is None or cercle is None:
            unmatched.append(market)
            continue
        rows.append({
            "market_id": market["market_id"],
            "market": market["market"],
            "admin2": cercle["admin2Name_fr"],
            "admin1": region["admin1Name_fr"],
            "admin2_pcode": cercle["admin2Pcode"],
            "admin1_pcode": region["admin1Pcode"],
            "population": cercle["T_TL"],
        })
    if unmatched:
        for market in unmatched:
            print(f"no COD area for market {market['market_id']} {market['market']} "
                  f"({market['admin1']} / {market['admin2']})", file=sys.stderr)
        return 1
    out = DATA / "areas_mli_wfp_markets.csv"
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {out.relative_to(ROOT)}: {len(rows)} markets")
    return 0


if __name__ == "__main__":
    sys.exit(main())

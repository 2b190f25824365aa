#!/usr/bin/env python3
"""The engine and the pandas reference side by side, on the same generated files (issue 7).

    /usr/bin/python3 benchmarks/compare_pandas.py --sizes 1e5,1e6 --runs 3
    /usr/bin/python3 benchmarks/compare_pandas.py --smoke --meb build/release/engine/meb --workdir DIR

For each size it generates (once, cached under --workdir, by default /tmp/meb-perf) the price files and
methodologies of benchmarks/generate_prices.py, then runs, alternately and --runs times each:

* the engine: ``meb compute --prices <country file> --methodology <country methodology> --out DIR -q``
  once per country, one after the other (a methodology has one currency; see generate_prices.py);
* the reference: ``benchmarks/reference/pandas_pipeline.py --index countries.json --out DIR``, one
  process that computes every country.

Wall time is the time from launching the first process of a run to the end of its last one, so the
engine's process start-ups count. Peak memory is each process's peak resident set, as GNU time reports it
(``/usr/bin/time -f %M``: the child's ru_maxrss, "Maximum resident set size" of ``time -v``); a run's peak
is the largest of its processes (the engine's processes run one at a time). CPU time is GNU time's user +
system, to 0.01 s per process. Best and median over the runs are printed, with the ratios pandas / engine for time and engine /
pandas for memory, and the exponent b of time ~ rows^b fitted by least squares on log-log over the sizes.
Before timing, every input file is read once, so both tools find it in the page cache.

The outputs must agree: the same (area_level, parent_area, area, month) rows, missing in the same places,
and smeb, meb, transfer_value_unrounded and transfer_value within half a cent (0.005). Every difference
is listed (country, row, column, both values); the exit code is 1 when there is one.

``--five-methods ROWS`` also times the "history" target: one country of ROWS rows, 14 years (2011-01 to
2024-12) x 12 months, 5 methodologies, in one ``meb compare`` run and as 5 ``meb compute`` runs.

``--smoke`` is the ctest entry benchmarks.smoke: 2,000 rows in 2 countries, one run of each, agreement
asserted, no timing asserted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = HERE / "generate_prices.py"
REFERENCE = HERE / "reference" / "pandas_pipeline.py"
KEYS = ["area_level", "parent_area", "area", "month"]
VALUES = ["smeb", "meb", "transfer_value_unrounded", "transfer_value"]
TOLERANCE = 0.005  # half a cent: "agree to a cent"


# ----------------------------------------------------------------------------------------------------
# running and measuring
# ----------------------------------------------------------------------------------------------------
GNU_TIME = "/usr/bin/time"


def run_measured(command: list[str]) -> dict:
    """Runs one child process; returns its wall time, CPU time and peak RSS (bytes), or raises with stderr.

    The peak comes from GNU time (``%M``, the child's ru_maxrss), not from this process's own wait4: Linux
    counts in a child's ru_maxrss the resident set it had before exec, i.e. a copy of this Python process
    with pandas loaded (about 65 MB), which would hide the engine's own peak at small sizes. GNU time is a
    small C program, so the pre-exec share it adds is about 2 MB.
    """
    if not os.access(GNU_TIME, os.X_OK):
        return run_measured_without_gnu_time(command)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as measured:
        started = time.perf_counter()
        process = subprocess.run([GNU_TIME, "-f", "%M %U %S", "-o", measured.name] + command,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise RuntimeError(f"exit code {process.returncode}: {' '.join(command)}\n"
                               f"{process.stderr.decode('utf-8', 'replace')}")
        peak_kib, user, system = measured.read().split()[-3:]
    return {"wall": wall, "cpu": float(user) + float(system), "peak_rss": int(peak_kib) * 1024}


def run_measured_without_gnu_time(command: list[str]) -> dict:
    """The same figures from os.wait4, when the Debian package `time` is absent: the peak then includes this
    Python process's resident set at the fork (see run_measured), so it overstates small peaks."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = process.stderr.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.stderr.close()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise RuntimeError(f"exit code {process.returncode}: {' '.join(command)}\n{stderr.decode('utf-8', 'replace')}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_rss": usage.ru_maxrss * 1024}


def engine_run(meb: str, data: Path, index: dict, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    children = [run_measured([meb, "compute", "--prices", str(data / c["prices"]), "--methodology",
                              str(data / c["methodology"]), "--out", str(out / c["iso3"].lower()), "-q"])
                for c in index["countries"]]
    return {"wall": time.perf_counter() - started, "cpu": sum(c["cpu"] for c in children),
            "peak_rss": max(c["peak_rss"] for c in children), "processes": len(children)}


def pandas_run(data: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    result = run_measured([sys.executable, str(REFERENCE), "--index", str(data / "countries.json"), "--out", str(out)])
    result["processes"] = 1
    return result


def warm_page_cache(data: Path) -> None:
    for path in sorted(data.iterdir()):
        with open(path, "rb") as handle:
            while handle.read(1 << 24):
                pass


def generated(workdir: Path, rows: int, seed: int, countries: int | None, months: int | None,
              start_year: int | None = None) -> Path:
    """The directory of a generated data set, generated on first use."""
    name = f"rows{rows}-seed{seed}" + (f"-c{countries}" if countries else "") + (f"-m{months}" if months else "") + \
        (f"-y{start_year}" if start_year else "")
    data = workdir / name
    index = data / "countries.json"
    if not index.exists() or index.stat().st_mtime < GENERATOR.stat().st_mtime:  # a changed generator regenerates
        shutil.rmtree(data, ignore_errors=True)
        command = [sys.executable, str(GENERATOR), "--rows", str(rows), "--seed", str(seed), "--out", str(data)]
        if countries:
            command += ["--countries", str(countries)]
        if months:
            command += ["--months", str(months)]
        if start_year:
            command += ["--start-year", str(start_year)]
        started = time.perf_counter()
        subprocess.run(command, check=True)
        print(f"  generated {data} in {time.perf_counter() - started:.1f} s", flush=True)
    return data


# ----------------------------------------------------------------------------------------------------
# agreement
# ----------------------------------------------------------------------------------------------------
def read_values(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, usecols=KEYS + VALUES, dtype=str, keep_default_na=False)
    for column in VALUES:
        frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    return frame


def compare_outputs(index: dict, engine_out: Path, pandas_out: Path, show: int = 20) -> dict:
    """Every area and month of every country: the same rows, missing alike, values within TOLERANCE."""
    rows = missing = 0
    problems = []
    for country in index["countries"]:
        iso3 = country["iso3"].lower()
        engine = read_values(engine_out / iso3 / "transfer_values.csv")
        reference = read_values(pandas_out / iso3 / "transfer_values.csv")
        for name, frame in (("engine", engine), ("pandas", reference)):
            duplicated = frame[frame.duplicated(KEYS, keep=False)]
            for row in duplicated.head(show).itertuples(index=False):
                problems.append(f"{iso3}: {name} has the row {tuple(row[:4])} more than once")
        merged = engine.merge(reference, on=KEYS, how="outer", suffixes=("_engine", "_pandas"), indicator=True)
        alone = merged[merged["_merge"] != "both"]
        for row, which in zip(alone[KEYS].itertuples(index=False), alone["_merge"]):
            side = "engine" if which == "left_only" else "pandas"
            problems.append(f"{iso3}: only the {side} has {row.area_level} '{row.area}' (in '{row.parent_area}') {row.month}")
        both = merged[merged["_merge"] == "both"]
        rows += len(both)
        missing += int(both["meb_engine"].isna().sum())
        for column in VALUES:
            a, b = both[f"{column}_engine"], both[f"{column}_pandas"]
            differs = (a.isna() != b.isna()) | ((a - b).abs() > TOLERANCE)
            for row, x, y in zip(both[differs][KEYS].itertuples(index=False), a[differs], b[differs]):
                problems.append(f"{iso3}: {row.area_level} '{row.area}' (in '{row.parent_area}') {row.month} {column}: "
                                f"engine {x!r}, pandas {y!r}, difference {abs(x - y) if x == x and y == y else 'one missing'}")
    return {"rows": rows, "missing_meb": missing, "problems": problems}


def checker_catches_differences(index: dict, engine_out: Path, pandas_out: Path, workdir: Path) -> bool:
    """The agreement check is not vacuous: a cent added to one MEB and one row dropped are both reported."""
    perturbed = workdir / "out-pandas-perturbed"
    shutil.rmtree(perturbed, ignore_errors=True)
    shutil.copytree(pandas_out, perturbed)
    path = perturbed / index["countries"][0]["iso3"].lower() / "transfer_values.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with_meb = frame.index[frame["meb"] != ""]
    if len(with_meb) == 0 or len(frame) < 2:
        return False
    frame.loc[with_meb[0], "meb"] = repr(float(frame.loc[with_meb[0], "meb"]) + 0.01)
    frame = frame.drop(index=frame.index[-1] if frame.index[-1] != with_meb[0] else frame.index[0])
    frame.to_csv(path, index=False)
    problems = compare_outputs(index, engine_out, perturbed)["problems"]
    shutil.rmtree(perturbed, ignore_errors=True)
    return any(" meb: engine " in line for line in problems) and any("only the engine has" in line for line in problems)


# ----------------------------------------------------------------------------------------------------
# reporting
# ----------------------------------------------------------------------------------------------------
def summary(runs: list[dict]) -> dict:
    walls = [r["wall"] for r in runs]
    peaks = [r["peak_rss"] for r in runs]
    return {"best": min(walls), "median": statistics.median(walls), "cpu_median": statistics.median(r["cpu"] for r in runs),
            "peak_median": statistics.median(peaks), "peak_max": max(peaks), "walls": walls, "peaks": peaks}


def fit_exponent(sizes: list[int], times: list[float]) -> float | None:
    """b in time = a x rows^b, least squares on log-log over the sizes whose time is above zero (GNU time's CPU
    times are 0.01 s steps: the engine's 20 processes at 10^5 rows can all read 0.00)."""
    points = [(size, time) for size, time in zip(sizes, times) if time > 0]
    if len(points) < 2:
        return None
    slope, _intercept = np.polyfit(np.log([p[0] for p in points]), np.log([p[1] for p in points]), 1)
    return float(slope)


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory = next(l for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    except (OSError, StopIteration):
        memory = "unknown"
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": memory.split(":", 1)[-1].strip(),
            "python": platform.python_version(), "pandas": pd.__version__, "numpy": np.__version__}


def git_commit() -> str:
    try:
        commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        return commit + (" (with uncommitted changes)" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def megabytes(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


# ----------------------------------------------------------------------------------------------------
# the five-methodology history target
# ----------------------------------------------------------------------------------------------------
FIVE_VARIANTS = [
    ("normative", {}),
    ("mean", {"prices": {"statistic": "mean"}}),
    ("admin1", {"prices": {"levels": ["market", "admin1"]}}),
    ("smeb-capped", {"transfer": {"basis": "smeb", "coverage": 0.6, "round": {"mode": "down"}}}),
    ("carry1-zero", {"prices": {"fill": [{"carry_forward": 1}], "on_missing": "zero"}}),
]


def five_methods(meb: str, workdir: Path, rows: int, seed: int, runs: int) -> dict:
    data = generated(workdir, rows, seed, 1, None, 2011)
    index = json.loads((data / "countries.json").read_text())
    country = index["countries"][0]
    base = yaml.safe_load((data / country["methodology"]).read_text())
    paths = []
    for name, change in FIVE_VARIANTS:
        variant = json.loads(json.dumps(base))
        variant["id"] = f"{base['id']}-{name}"
        for section, keys in change.items():
            for key, value in keys.items():
                if isinstance(value, dict):
                    variant[section][key].update(value)
                else:
                    variant[section][key] = value
        path = data / f"five-{name}.yaml"
        path.write_text(yaml.safe_dump(variant, sort_keys=False))
        paths.append(path)
    warm_page_cache(data)
    command = [meb, "compare"] + [a for p in paths for a in ("--methodology", str(p))] + \
        ["--prices", str(data / country["prices"]), "--from", "2011-01", "--to", "2024-12", "--out", str(workdir / "five-out"), "-q"]
    timings = [run_measured(command) for _ in range(runs)]
    result = summary(timings)
    # The same work as five separate `meb compute` runs, one process each (wall of the five together).
    separate = []
    for _ in range(runs):
        started = time.perf_counter()
        children = [run_measured([meb, "compute", "--methodology", str(p), "--prices", str(data / country["prices"]),
                                  "--from", "2011-01", "--to", "2024-12", "--out", str(workdir / "five-out" / p.stem), "-q"])
                    for p in paths]
        separate.append({"wall": time.perf_counter() - started, "cpu": sum(c["cpu"] for c in children),
                         "peak_rss": max(c["peak_rss"] for c in children)})
    result["separate_computes"] = summary(separate)
    result.update({"rows": country["rows"], "bytes": country["bytes"], "markets": country["markets"],
                   "months": country["months"], "command": " ".join(command)})
    return result


# ----------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1e5,1e6", help="total rows, comma-separated (e.g. 1e5,1e6,1e7)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each tool per size (best and median)")
    parser.add_argument("--meb", default=str(ROOT / "build/release/engine/meb"), help="the meb binary")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/meb-perf"), help="generated files and outputs")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--countries", type=int, default=None, help="countries per data set (default: the generator's)")
    parser.add_argument("--months", type=int, default=None, help="at most this many months per country")
    parser.add_argument("--pandas-max-rows", type=float, default=None, help="do not run pandas above this size")
    parser.add_argument("--five-methods", type=float, default=None, metavar="ROWS",
                        help="also time 5 methodologies x 168 months on one country of ROWS rows (meb compare)")
    parser.add_argument("--json", type=Path, default=None, help="write every figure to this file")
    parser.add_argument("--smoke", action="store_true", help="2,000 rows, 2 countries, one run: agreement only")
    args = parser.parse_args(argv)
    if args.smoke:
        args.sizes, args.runs, args.countries, args.months = "2000", 1, 2, 12
    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    if not Path(args.meb).is_file():
        parser.error(f"no meb binary at {args.meb} (build it, or give --meb)")
    args.workdir.mkdir(parents=True, exist_ok=True)

    report = {"date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": git_commit(),
              "machine": machine(), "meb": args.meb, "runs": args.runs, "seed": args.seed, "sizes": []}
    print(f"{report['date']}, engine {report['commit']}, {report['machine']['cpu']} x {report['machine']['cores']}, "
          f"pandas {pd.__version__}, load average {os.getloadavg()[0]:.2f}", flush=True)
    agree = True
    for rows in sizes:
        data = generated(args.workdir, rows, args.seed, args.countries, args.months)
        index = json.loads((data / "countries.json").read_text())
        warm_page_cache(data)
        load_before = os.getloadavg()
        with_pandas = args.pandas_max_rows is None or rows <= args.pandas_max_rows
        engine_runs, pandas_runs = [], []
        for _ in range(args.runs):  # alternated, so that both tools see the same machine load
            engine_runs.append(engine_run(args.meb, data, index, args.workdir / "out-engine"))
            if with_pandas:
                pandas_runs.append(pandas_run(data, args.workdir / "out-pandas"))
        entry = {"rows": rows, "bytes": index["bytes"], "countries": len(index["countries"]),
                 "largest_country_rows": max(c["rows"] for c in index["countries"]),
                 "load_before": load_before, "load_after": os.getloadavg(), "engine": summary(engine_runs)}
        print(f"\n== {rows:,} rows, {len(index['countries'])} countries (largest {entry['largest_country_rows']:,} rows), "
              f"{megabytes(index['bytes'])}; load average {load_before[0]:.2f} -> {entry['load_after'][0]:.2f}")
        e = entry["engine"]
        print(f"  engine  wall best {e['best']:.3f} s, median {e['median']:.3f} s ({index['bytes'] / e['best'] / 1e6:.0f} MB/s "
              f"end to end); peak RSS {megabytes(e['peak_median'])} (median), CPU {e['cpu_median']:.3f} s")
        if with_pandas:
            entry["pandas"] = p = summary(pandas_runs)
            print(f"  pandas  wall best {p['best']:.3f} s, median {p['median']:.3f} s; peak RSS {megabytes(p['peak_median'])}"
                  f" (median), CPU {p['cpu_median']:.3f} s")
            entry["time_ratio_best"] = p["best"] / e["best"]
            entry["time_ratio_median"] = p["median"] / e["median"]
            entry["cpu_ratio_median"] = p["cpu_median"] / e["cpu_median"] if e["cpu_median"] > 0 else None
            entry["memory_ratio"] = e["peak_median"] / p["peak_median"]
            cpu_ratio = f"{entry['cpu_ratio_median']:.1f}x" if entry["cpu_ratio_median"] else "n/a"
            print(f"  ratios  pandas/engine wall: {entry['time_ratio_best']:.1f}x (best), {entry['time_ratio_median']:.1f}x "
                  f"(median), CPU {cpu_ratio} (median); engine/pandas peak memory: {entry['memory_ratio']:.2f}")
            check = compare_outputs(index, args.workdir / "out-engine", args.workdir / "out-pandas")
            entry["agreement"] = {"rows": check["rows"], "missing_meb": check["missing_meb"],
                                  "problems": len(check["problems"])}
            if check["problems"]:
                agree = False
                print(f"  DISAGREE: {len(check['problems'])} difference(s) over {check['rows']:,} area-months:")
                for line in check["problems"][:50]:
                    print("    " + line)
            else:
                print(f"  agree   on all {check['rows']:,} area-months of every country ({check['missing_meb']:,} with no MEB"
                      f" in both), to {TOLERANCE} or better")
        report["sizes"].append(entry)
        if args.smoke and with_pandas:
            caught = checker_catches_differences(index, args.workdir / "out-engine", args.workdir / "out-pandas", args.workdir)
            print("  self-check: the comparison " + ("reports" if caught else "DOES NOT report") +
                  " a cent added to one MEB and a dropped row")
            agree = agree and caught

    timed = [s for s in report["sizes"] if s["rows"] >= 10_000]
    if len(timed) >= 2:
        xs = [s["rows"] for s in timed]
        report["exponent"] = {"engine_best": fit_exponent(xs, [s["engine"]["best"] for s in timed]),
                              "engine_median": fit_exponent(xs, [s["engine"]["median"] for s in timed]),
                              "engine_cpu_median": fit_exponent(xs, [s["engine"]["cpu_median"] for s in timed])}
        with_p = [s for s in timed if "pandas" in s]
        if len(with_p) >= 2:
            report["exponent"]["pandas_median"] = fit_exponent([s["rows"] for s in with_p],
                                                               [s["pandas"]["median"] for s in with_p])
        print("\ngrowth exponent b (time ~ rows^b, least squares on log-log over "
              f"{', '.join(f'{x:.0e}' for x in xs)}): " +
              ", ".join(f"{k} {v:.3f}" if v is not None else f"{k} n/a" for k, v in report["exponent"].items()))
    if args.five_methods:
        five = five_methods(args.meb, args.workdir, int(args.five_methods), args.seed, max(args.runs, 3))
        report["five_methods"] = five
        print(f"\n== 5 methodologies x {five['months']} months, one country ({five['rows']:,} rows, {five['markets']} markets, "
              f"{megabytes(five['bytes'])}): meb compare best {five['best']:.3f} s, median {five['median']:.3f} s, "
              f"peak RSS {megabytes(five['peak_median'])}; 5 x meb compute best {five['separate_computes']['best']:.3f} s, "
              f"median {five['separate_computes']['median']:.3f} s\n  {five['command']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1) + "\n")
    print("\nagreement: " + ("every output agrees" if agree else "THE OUTPUTS DIFFER (see above)"))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())

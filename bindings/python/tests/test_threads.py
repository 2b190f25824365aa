"""The GIL is released while the engine computes: Python threads keep running beside a long bootstrap, and
computations run from several threads give the results of a sequential run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

import meb
from conftest import scenario_file

NORMATIVE = scenario_file("sahel-normative.yaml")


def test_python_threads_run_during_a_bootstrap(bfa_prices):
    methodology = meb.Methodology.from_file(NORMATIVE)
    done = {}

    def work():
        started = time.perf_counter()
        # The whole 1992-2020 window, 2,000 replicates on one thread: long enough to notice a held GIL.
        done["result"] = meb.compute(bfa_prices, methodology, bootstrap=2000, seed=5, threads=1)
        done["seconds"] = time.perf_counter() - started

    worker = threading.Thread(target=work)
    ticks = [time.perf_counter()]
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # Holding the GIL would stop this loop for the whole computation: one gap as long as the run.
    assert done["seconds"] > 0.05
    assert max(gaps) < 0.5 * done["seconds"], (max(gaps), done["seconds"])
    assert done["result"].bootstrap["replicates"] == 2000


def test_concurrent_computations_equal_sequential_ones(bfa_prices):
    files = ["sahel-normative.yaml", "sahel-capped-smeb.yaml"] * 2

    def run(name):
        return meb.compute(bfa_prices, scenario_file(name), from_month="2018-01", to_month="2019-12", bootstrap=50,
                           seed=11).transfer_values

    sequential = [run(name) for name in files]
    with ThreadPoolExecutor(max_workers=4) as pool:
        concurrent = list(pool.map(run, files))
    for a, b in zip(sequential, concurrent):
        pd.testing.assert_frame_equal(a, b)

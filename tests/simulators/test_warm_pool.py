"""Parallel replications reuse one warm worker pool (issue 20): no process start or simulator
import per call, and the same numbers as a serial run."""

from __future__ import annotations

import os

from simulators import load_scenario, run_replications
from simulators import replications as reps


def test_the_pool_is_created_once_and_its_workers_serve_later_calls():
    if reps.workers() < 2:
        return  # one core: replicate() runs serially and makes no pool
    sc = load_scenario("line", "basic-three-station-line")
    first = run_replications("line", sc, replications=6, parallel=True)
    pool = reps._pools[min(reps.workers(), 6)]
    pids = set(pool._processes)
    second = run_replications("line", sc, replications=6, parallel=True)
    assert reps._pools[min(reps.workers(), 6)] is pool
    assert set(pool._processes) == pids and pool.submit(os.getpid).result() in pids
    serial = run_replications("line", sc, replications=6, parallel=False)
    assert first.means() == second.means() == serial.means()

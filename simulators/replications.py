"""Independent replications, in parallel on all cores, summarised with 95 % confidence intervals."""

from __future__ import annotations

import math
import multiprocessing
import os
import sys
import threading
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from simulators.errors import ScenarioError
from simulators.stats import MetricSummary, summarize
from simulators.validation import MAX_REPLICATIONS


@dataclass
class ReplicationSummary:
    kind: str
    seed: int
    replications: int
    metrics: dict[str, MetricSummary]
    runs: list[dict[str, float]] = field(default_factory=list)
    bottlenecks: dict[str, int] = field(default_factory=dict)  # line: station → replications it was the bottleneck

    def means(self) -> dict[str, float]:
        return {name: s.mean for name, s in self.metrics.items()}


def run_one(kind: str, scenario: Any, seed: int, replication: int) -> tuple[dict[str, float], str | None]:
    """Metrics (and the line's bottleneck) of one replication; no time series recorded."""
    if kind == "line":
        from simulators.line.runner import run_line

        line = run_line(scenario, seed, replication, record=False)
        return line.metrics, line.bottleneck_station
    if kind == "maintenance":
        from simulators.maintenance.runner import run_maintenance

        return run_maintenance(scenario, seed, replication, record=False).metrics, None
    if kind == "vibration":
        from simulators.vibration.runner import run_vibration

        return run_vibration(scenario, seed, replication).metrics, None
    if kind == "robot_arm":
        from simulators.robot.arm.runner import run_robot_arm

        return run_robot_arm(scenario, seed, replication).metrics, None
    from simulators.robot.runner import run_robot

    return run_robot(scenario, seed, replication).metrics, None


def _batch(args: tuple[str, Any, int, list[int]]) -> list[tuple[dict[str, float], str | None]]:
    kind, scenario, seed, reps = args
    return [run_one(kind, scenario, seed, r) for r in reps]


def _context() -> Any:
    """fork while single-threaded (fast, no ``__main__`` guard needed); once threads run
    (the GUI), forkserver, which forks from a clean helper process; spawn off Linux."""
    if sys.platform.startswith("win") or sys.platform == "darwin":
        return multiprocessing.get_context("spawn")
    if threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(list(_RUNNER_MODULES))
    return ctx


_RUNNER_MODULES = ("simulators.replications", "simulators.line.runner", "simulators.maintenance.runner",
                   "simulators.robot.runner", "simulators.vibration.runner")


def _warm_worker() -> None:
    """Worker initializer: import every simulator once per worker, not in its first task."""
    import importlib

    for name in _RUNNER_MODULES:
        importlib.import_module(name)


# One pool per worker count, created on first use and kept: starting processes and importing
# the simulators in each cost more than 100 short replications gain on 2 cores (issue 20).
_pools: dict[int, ProcessPoolExecutor] = {}
_pools_lock = threading.Lock()


def _pool(n_workers: int) -> ProcessPoolExecutor:
    with _pools_lock:
        pool = _pools.get(n_workers)
        if pool is None:
            pool = ProcessPoolExecutor(max_workers=n_workers, mp_context=_context(), initializer=_warm_worker)
            _pools[n_workers] = pool
        return pool


def _drop_pool(n_workers: int) -> None:
    with _pools_lock:
        pool = _pools.pop(n_workers, None)
    if pool is not None:
        pool.shutdown(wait=False, cancel_futures=True)


def workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def replicate(kind: str, scenario: Any, seed: int, replications: int,
              parallel: bool = True) -> ReplicationSummary:
    if not 1 <= replications <= MAX_REPLICATIONS:  # callers may bypass the scenario's own limit
        raise ScenarioError("replications", f"must be from 1 to {MAX_REPLICATIONS:,}, got {replications:,}")
    reps = list(range(replications))
    n_workers = min(workers(), replications)
    outputs: list[tuple[dict[str, float], str | None]] | None = None
    if parallel and replications > 1 and n_workers > 1:
        # a few batches per worker keeps the pipe traffic low and the load balanced
        size = max(1, math.ceil(replications / (n_workers * 4)))
        batches = [(kind, scenario, seed, reps[i:i + size]) for i in range(0, replications, size)]
        try:
            outputs = [item for chunk in _pool(n_workers).map(_batch, batches) for item in chunk]
        except (OSError, BrokenProcessPool, PermissionError):
            _drop_pool(n_workers)  # a worker died or processes are not allowed here: serial
            outputs = None
    if outputs is None:
        outputs = [run_one(kind, scenario, seed, r) for r in reps]
    runs = [m for m, _ in outputs]
    names = list(runs[0])
    metrics = {name: summarize([r[name] for r in runs]) for name in names}
    bottlenecks = dict(Counter(b for _, b in outputs if b is not None))
    return ReplicationSummary(kind, seed, replications, metrics, runs, bottlenecks)

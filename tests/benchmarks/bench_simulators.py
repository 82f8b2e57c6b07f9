"""Simulator speed: our line model against a bare SimPy model of the same line, and parallel replications.

The floor is a minimal SimPy implementation written the usual way (``simpy.Store``
buffers, one process per station, failures by remaining busy time, a counter
of finished parts and nothing else), run in the same process.

Where the time goes (issue 20; CPU time of one 8-hour shift, 6 stations, ~49 500 events:
~30 200 holds, ~19 300 wake-ups, on the 2-core test machine; old and new code run alternately,
2 runs of this file each, medians of 7 interleaved with the floor in each):

==========================================  ===========  ===========  ============
                                            before       after        floor
==========================================  ===========  ===========  ============
8-hour shift with failures (goal < 80 ms)   89.9–90.0    70.4–71.1    141.3–143.3
line vs bare SimPy, 32 h                    355–357      277–280      550–559
==========================================  ===========  ===========  ============

What changed (December 2026, second round): each server waits on its own two SimPy events,
re-armed each time exactly as ``Timeout.__init__``/``Event.__init__`` arm a new one (empty
callbacks, scheduled with the same priority and the next event id), instead of allocating a
``Timeout`` per operation (~30 000, each an object with a dict and a callbacks list and
two Python calls; ~14 % of the CPU; not the garbage collector: the same with it off) and an
``Event`` per wait (~19 000; ~5 %); the three hot state changes and the
source/sink WIP update are inline (~4 %). Still SimPy (the chosen stack; a hand-written kernel
was removed) and the same event order: the metrics, series, timelines and emitted events of
every bundled line scenario and of four feature-covering ones (time and operation failures,
setups, scrap and rework, maintenance, arrivals, parallel servers, zero-capacity buffers;
3 seeds x 2 replications, recorded and subscribed) are bit-identical before and after.
cProfile now puts SimPy's loop (``step``, ``Process._resume``, ``schedule``, ``succeed``,
the heap) at ~45 % and the model (server generators, buffers, normal draws kept as CPython's
algorithm so the random streams stay the same) at ~55 %; no event is spare (one hold per
operation or repair, one wake-up per hand-over to a waiting server).
Wall times on a machine shared with other jobs read higher; the notes print the CPU times.
"""

from __future__ import annotations

import math
import os
import statistics
import time

import simpy

from simulators import load_scenario, replications, run, run_replications
from simulators.replications import workers
from simulators.streams import stream
from tests.benchmarks._report import report

SHIFT_S = 8 * 3600.0

# Six stations, normal processing times, operation-dependent exponential failures, buffers of 5.
STATIONS = [
    ("Loader", 4.5, 0.3, 14_400.0, 180.0),
    ("CNC", 4.6, 0.4, 3_600.0, 150.0),
    ("Robot", 5.2, 0.3, 7_200.0, 120.0),
    ("Press", 4.8, 0.4, 2_400.0, 150.0),
    ("Vision", 3.0, 0.1, 28_800.0, 60.0),
    ("Packer", 4.4, 0.3, 1_800.0, 150.0),
]
CAPACITY = 5


def scenario_dict(shift_s: float = SHIFT_S) -> dict:
    return {
        "kind": "line",
        "stations": [
            {
                "name": name,
                "process": {"dist": "normal", "mean": mean, "sd": sd},
                "failures": {"tbf": {"dist": "exponential", "mean": mtbf},
                             "ttr": {"dist": "exponential", "mean": mttr}, "mode": "operation"},
            }
            for name, mean, sd, mtbf, mttr in STATIONS
        ],
        "buffers": [CAPACITY] * (len(STATIONS) - 1),
        "shift_length_s": shift_s,
        "seed": 11,
    }


def bare_simpy_line(shift_s: float = SHIFT_S, seed: int = 11) -> int:
    """The same line in plain SimPy; returns the parts finished."""
    env = simpy.Environment()
    stores = [simpy.Store(env, capacity=CAPACITY) for _ in range(len(STATIONS) - 1)]
    done = [0]

    def station(i: int, mean: float, sd: float, mtbf: float, mttr: float):
        name = STATIONS[i][0]
        proc = stream(seed, name, "process")
        tbf = stream(seed, name, "tbf")
        ttr = stream(seed, name, "ttr")
        budget = tbf.expovariate(1 / mtbf)
        while True:
            if i > 0:
                yield stores[i - 1].get()
            p = proc.normalvariate(mean, sd)
            while p < 0:
                p = proc.normalvariate(mean, sd)
            while p >= budget:
                yield env.timeout(budget)
                p -= budget
                yield env.timeout(ttr.expovariate(1 / mttr))
                budget = tbf.expovariate(1 / mtbf)
            budget -= p
            yield env.timeout(p)
            if i < len(STATIONS) - 1:
                yield stores[i].put(1)
            else:
                done[0] += 1

    for i, (_, mean, sd, mtbf, mttr) in enumerate(STATIONS):
        env.process(station(i, mean, sd, mtbf, mttr))
    env.run(until=shift_s)
    return done[0]


def _timed(fn) -> tuple[float, float]:
    """(wall ms, CPU ms) of one call."""
    c0, t0 = time.process_time(), time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000


def _interleaved(ours_fn, floor_fn, repeat: int) -> tuple[float, float, str]:
    """Median wall ms of each, measured alternately so that load from other processes hits both
    alike, and a note with the median CPU ms of each (what the wall time hides on a busy machine)."""
    ours, floor = [], []
    for _ in range(repeat):
        ours.append(_timed(ours_fn))
        floor.append(_timed(floor_fn))
    cpu_ours, cpu_floor = (statistics.median(c for _w, c in xs) for xs in (ours, floor))
    note = f"CPU ours {cpu_ours:.1f} ms, floor {cpu_floor:.1f} ms, ratio {cpu_ours / cpu_floor:.2f}"
    return statistics.median(w for w, _c in ours), statistics.median(w for w, _c in floor), note


def test_line_overhead_vs_bare_simpy() -> None:
    sc = load_scenario("line", scenario_dict(4 * SHIFT_S))
    ours_parts = run("line", sc).metrics["good_parts"]
    bare_parts = bare_simpy_line(4 * SHIFT_S)
    # same physics: the two models agree on output within a few percent
    assert abs(ours_parts - bare_parts) / bare_parts < 0.05
    ours, floor, cpu = _interleaved(lambda: run("line", sc), lambda: bare_simpy_line(4 * SHIFT_S), repeat=5)
    ratio = report("line model vs bare SimPy (6 stations, 32 h)", ours, floor, "ms",
                   note=f"metrics, state intervals, series, per-element streams; {cpu}")
    assert ratio <= 1.5


def test_eight_hour_shift_six_stations() -> None:
    sc = load_scenario("line", scenario_dict())
    ours, floor, cpu = _interleaved(lambda: run("line", sc), bare_simpy_line, repeat=7)
    report("8-hour shift, 6-station line with failures", ours, floor, "ms",
           note=f"floor: bare SimPy; {cpu}; goal < 80 ms")


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a live process (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_parallel_replications_speedup() -> None:
    """Warm pool (created once per process, simulators imported by its initializer), serial and
    parallel runs interleaved, medians. The wall-clock speed-up needs a free second core; on a
    machine shared with other jobs the CPU figure shows what the pool gives when cores are free:
    serial CPU over the busiest worker's CPU for the same 100 replications (the critical path)."""
    sc = load_scenario("line", scenario_dict())
    n = min(workers(), 100)
    run_replications("line", sc, replications=2 * workers(), parallel=True)  # warm the pool
    pids = list(replications._pools[n]._processes) if n > 1 else []
    serial_ms, parallel_ms, cpu_speedups, results = [], [], [], []
    for _ in range(3):
        c0, t0 = time.process_time(), time.perf_counter()
        results.append(run_replications("line", sc, replications=100, parallel=False))
        serial_ms.append((time.perf_counter() - t0) * 1000)
        serial_cpu = time.process_time() - c0
        before = {pid: _cpu_s(pid) for pid in pids}
        t0 = time.perf_counter()
        results.append(run_replications("line", sc, replications=100, parallel=True))
        parallel_ms.append((time.perf_counter() - t0) * 1000)
        if pids:
            cpu_speedups.append(serial_cpu / max(_cpu_s(pid) - before[pid] for pid in pids))
    assert all(r.means() == results[0].means() for r in results)  # same numbers whichever way they ran
    speedup = statistics.median(serial_ms) / statistics.median(parallel_ms)
    cpu_note = f", CPU critical path {statistics.median(cpu_speedups):.2f}x" if cpu_speedups else ""
    report("100 replications, parallel (warm pool) vs serial", statistics.median(parallel_ms),
           statistics.median(serial_ms), "ms",
           note=f"wall speed-up {speedup:.2f}x{cpu_note} on {workers()} cores, "
                f"load {os.getloadavg()[0]:.1f}; goal >= 1.7x")
    # No speed-up assertion: other processes on a shared machine can take the second core.
    assert math.isfinite(speedup) and results[1].replications == 100

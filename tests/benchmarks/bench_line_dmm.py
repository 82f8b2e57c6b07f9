"""The order-driven line on the five DMM lab scenarios: CPU per graded run (``record=False``, as a
lab's grading and its robustness check run it) against a floor of SimPy alone processing the
same number of events (one process re-arming one event: the queue and resume cost, no model).

Measured 2026-12 (issue 20, session 4), CPU ms per run incl. set-up and result on a loaded 2-core
machine (noisy ±15 %), before → after the order-driven server loop in one generator (re-armed hold
and starved wait, FIFO without a pick call, in-order backlog beside its heap): dmm-oee-loss-hunt
~27 → ~16 (4,930 events), dmm-conwip-lead-time ~27 → ~16 (4,338), dmm-changeover-sequencing
~14 → ~9 (2,533), dmm-line-balancing ~11 → ~8 (2,615), dmm-dispatching-due-dates ~5.5 → ~4.5
(817). The floor is ~0.7 µs an event there: the rest is the model's own work per unit and station.
"""

from __future__ import annotations

import statistics
import time

import simpy
from simpy.events import NORMAL, Event

from simulators import load_scenario
from simulators.line.runner import LineRunner

from ._report import report

NAMES = ["dmm-oee-loss-hunt", "dmm-conwip-lead-time", "dmm-changeover-sequencing", "dmm-line-balancing",
         "dmm-dispatching-due-dates"]
SEEDS = 7


def bare_events(n: int) -> None:
    """SimPy processing ``n`` events of one process that re-arms one event (the floor)."""
    env = simpy.Environment(0.0)
    hold = Event(env)
    hold._ok = True
    hold._value = None

    def proc():
        for _ in range(n):
            hold.callbacks = []
            env.schedule(hold, NORMAL, 1.0)
            yield hold

    env.process(proc())
    env.run()


def _cpu_ms(fn) -> float:
    c0 = time.process_time()
    fn()
    return (time.process_time() - c0) * 1000


def test_dmm_scenarios_cpu_per_graded_run() -> None:
    for name in NAMES:
        sc = load_scenario("line", name)
        ours, floor, events = [], [], 0
        for seed in range(SEEDS):
            runner = LineRunner(sc, 1000 + seed, 0, record=False)
            ours.append(_cpu_ms(runner.run_to_end))
            events = runner.events
            floor.append(_cpu_ms(lambda n=events: bare_events(n)))
        report(f"{name}: CPU per graded run", statistics.median(ours), statistics.median(floor), "ms",
               note=f"{events:,} events; floor: bare SimPy, same events")

"""A steppable line run for the GUI; ``run`` drives the same runner to the end."""

from __future__ import annotations

from typing import Any

from simulators.events import Subscriber
from simulators.line.model import STATE_NAMES, LineModel
from simulators.line.results import LineResult, collect
from simulators.line.scenario import LineScenario


class LineRunner:
    """Advance in slices, pause (just stop calling), resume, reset; read snapshots; subscribe."""

    kind = "line"

    def __init__(self, scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.record = record
        self._subscribers: list[Subscriber] = []
        self._result: LineResult | None = None
        self.model = LineModel(scenario, seed, replication, record)

    @property
    def end_time(self) -> float:
        return self.model.end_time

    @property
    def now(self) -> float:
        return float(self.model.env.now)

    @property
    def done(self) -> bool:
        return self.model.env.now >= self.model.end_time

    def advance(self, until: float) -> None:
        """Run every event before ``until`` (clamped to the end); the clock then reads ``until``."""
        target = min(float(until), self.model.end_time)
        if target > self.model.env.now:
            self.model.env.run(until=target)

    def reset(self) -> None:
        """Back to t = 0 with the same seed; subscribers stay subscribed."""
        self.model = LineModel(self.scenario, self.seed, self.replication, self.record)
        for callback in self._subscribers:
            self.model.subscribe(callback)
        self._result = None

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)
        self.model.subscribe(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)
            self.model._subscribers.remove(callback)

    def snapshot(self) -> dict[str, Any]:
        """Current state: per-station server states and counters, buffer levels, WIP, totals.

        Counters count from the end of warm-up; ``finished_total`` from t = 0.
        """
        m = self.model
        return {
            "time": self.now,
            "in_warmup": self.now < m.warmup,
            "stations": {
                st.name: {
                    "servers": [STATE_NAMES[s.state] for s in st.servers_list],
                    "produced": st.ops,
                    "scrap": st.scrap,
                    "failures": st.failures,
                }
                for st in m.stations
            },
            "buffers": {b.name: len(b.items) for b in m.buffers},
            "input_queue": len(m.input.items) if m.input is not None else None,
            "wip": m.wip,
            "good_parts": m.good,
            "finished_total": m.finished_total,
            "scrap_total": m.scrap_total,
        }

    def result(self) -> LineResult:
        if not self.done:
            raise RuntimeError("the run has not reached its end time yet")
        if self._result is None:
            self._result = collect(self.model)
        return self._result


def run_line(scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> LineResult:
    runner = LineRunner(scenario, seed, replication, record)
    runner.advance(runner.end_time)
    return runner.result()

"""The stepping machinery shared by the steppable runners (line, maintenance; robot and vibration replay).

A runner owns one model built by ``_new_model`` (its ``env`` a SimPy environment); the GUI
advances it in slices, resets it with the same seed, and subscribes to its events.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from simpy.core import URGENT, StopSimulation
from simpy.events import Event

from simulators.errors import WorkLimitError
from simulators.events import Subscriber
from simulators.validation import MAX_EVENTS_PER_RUN

ResultT = TypeVar("ResultT")


class SteppableRunner(Generic[ResultT]):
    kind = ""

    def __init__(self, scenario: Any, seed: int, replication: int = 0, record: bool = True) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.record = record
        self._subscribers: list[Subscriber] = []
        self._result: ResultT | None = None
        self.event_budget = MAX_EVENTS_PER_RUN
        self.events = 0  # processed so far in this run
        self.model = self._new_model()

    def _new_model(self) -> Any:
        raise NotImplementedError

    def _collect(self) -> ResultT:
        raise NotImplementedError

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
        env = self.model.env
        if target <= env.now:
            return
        # SimPy's own ``run(until)`` loop, counting: an urgent event at ``target`` stops it, and
        # the loop ends anyway after the events left in this run's budget (no cost per event).
        stop = Event(env)
        stop._ok = True
        stop._value = None
        env.schedule(stop, URGENT, target - env.now)
        stop.callbacks.append(StopSimulation.callback)
        step = env.step
        done = 0
        left = self.event_budget - self.events
        work = self._allow_work(target, left)
        try:
            for done in range(1, left + 2):  # noqa: B007 - the count is used below
                step()
        except StopSimulation:
            self.events += done - 1 + self._work_done() - work  # the stop event is not the model's
            if self.events <= self.event_budget:
                return
        self.events = self.event_budget
        raise WorkLimitError(
            "scenario",
            f"the run stopped after {self.event_budget:,} simulation events at t = {env.now:,.0f} of "
            f"{self.model.end_time:,.0f}: this scenario makes too much work per run (a very short time "
            "between events over a long run?)")

    def _allow_work(self, until: float, budget: int) -> int:
        """Before a slice: a model doing work without events learns where the slice ends and how
        much of the budget is left; returns its work counter so far."""
        return 0

    def _work_done(self) -> int:
        return 0

    def reset(self) -> None:
        """Back to t = 0 with the same seed; subscribers stay subscribed."""
        self.model = self._new_model()
        self.events = 0
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

    def result(self) -> ResultT:
        if not self.done:
            raise RuntimeError("the run has not reached its end time yet")
        if self._result is None:
            self._result = self._collect()
        return self._result

    def run_to_end(self) -> ResultT:
        self.advance(self.end_time)
        return self.result()


class ReplayRunner(Generic[ResultT]):
    """The same interface over a run computed at once (a robot cycle, a vibration record): only
    the clock moves, so a view can reveal the run as time passes."""

    kind = ""
    _now = 0.0

    @property
    def end_time(self) -> float:
        raise NotImplementedError

    @property
    def now(self) -> float:
        return self._now

    @property
    def done(self) -> bool:
        return self._now >= self.end_time

    def advance(self, until: float) -> None:
        self._now = max(self._now, min(float(until), self.end_time))

    def result(self) -> ResultT:
        raise NotImplementedError

    def run_to_end(self) -> ResultT:
        self.advance(self.end_time)
        return self.result()


class EventReplayRunner(ReplayRunner[ResultT]):
    """A replay whose run also has timed events (a robot's steps, alarms, stops): subscribers get each event
    once the clock passes its time. Subclasses set ``_events`` (sorted by time) and ``_subscribers``, then
    call ``reset()``."""

    _events: list[Any]
    _subscribers: list[Any]
    _next = 0

    def reset(self) -> None:
        self._now = 0.0
        self._next = 0
        self._flush(0.0)

    def _flush(self, until: float) -> None:
        while self._next < len(self._events) and self._events[self._next].time <= until:
            event = self._events[self._next]
            self._next += 1
            for callback in list(self._subscribers):
                callback(event)

    def advance(self, until: float) -> None:
        super().advance(until)
        self._flush(self._now)

    def subscribe(self, callback: Any) -> None:
        self._subscribers.append(callback)

    def unsubscribe(self, callback: Any) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)

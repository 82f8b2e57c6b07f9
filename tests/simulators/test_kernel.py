"""The lean kernel orders events exactly as SimPy does, so a model moved to it keeps its results."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest
import simpy

from simulators.kernel import Interrupt, Kernel


class _SimpyAdapter:
    """The same model code on SimPy: numbers become timeouts, signals become events."""

    def __init__(self) -> None:
        self.env = simpy.Environment()

    @property
    def now(self) -> float:
        return float(self.env.now)

    def hold(self, seconds: float) -> Any:
        return self.env.timeout(seconds)

    def signal(self) -> Any:
        return self.env.event()

    def process(self, gen: Any) -> Any:
        return self.env.process(gen)

    def call_in(self, delay: float, fn: Callable[[], None]) -> None:
        self.env.timeout(delay).callbacks.append(lambda _e: fn())

    def interrupt(self, proc: Any, cause: Any, _signal: Any) -> None:
        proc.interrupt(cause)

    def wait(self, target: Any) -> Any:
        try:
            return (yield target)
        except simpy.Interrupt as intr:
            return ("interrupted", intr.cause)

    def processed(self, ev: Any) -> bool:
        return ev.processed

    def run(self, until: float) -> None:
        self.env.run(until=until)


class _KernelAdapter:
    def __init__(self) -> None:
        self.k = Kernel()

    @property
    def now(self) -> float:
        return self.k.now

    def hold(self, seconds: float) -> Any:
        return seconds

    def signal(self) -> Any:
        return self.k.signal()

    def process(self, gen: Any) -> Any:
        return self.k.process(gen)

    def call_in(self, delay: float, fn: Callable[[], None]) -> None:
        self.k.call_in(delay, fn)

    def interrupt(self, proc: Any, cause: Any, signal: Any) -> None:
        self.k.interrupt(proc, cause, signal)

    def wait(self, target: Any) -> Any:
        got = yield target
        return ("interrupted", got.cause) if got.__class__ is Interrupt else got

    def processed(self, ev: Any) -> bool:
        return ev.processed

    def run(self, until: float) -> None:
        self.k.run(until)


def _model(sim: Any, seed: int, breakdowns: bool = False) -> list[tuple[float, str]]:
    """Workers hold integer times (many exact ties), hand tokens to waiters, set alarms and start
    workers; with ``breakdowns`` a breaker interrupts them wherever they are. The log records who
    did what when, which depends on the order of simultaneous events."""
    rng = random.Random(seed)
    log: list[tuple[float, str]] = []
    waiting: list[Any] = []
    spawned: list[str] = []
    procs: dict[str, Any] = {}
    waits: dict[str, Any] = {}

    def worker(name: str) -> Any:
        while True:
            d = rng.choice([0, 0, 1, 2, 3])
            got = yield from sim.wait(sim.hold(d))
            log.append((sim.now, f"{name} held {d}: {got}"))
            if waiting and rng.random() < 0.5:
                waiting.pop(0).succeed(name)
            if rng.random() < 0.2:
                sim.call_in(rng.choice([0, 1, 2]), lambda n=name: log.append((sim.now, f"alarm {n}")))
            if rng.random() < 0.05 and len(spawned) < 4:  # a process started mid-run goes first
                spawned.append(f"{name}.{len(spawned)}")
                procs[spawned[-1]] = sim.process(worker(spawned[-1]))
            if rng.random() < 0.3:
                ev = sim.signal()
                waiting.append(ev)
                while not sim.processed(ev):  # an interrupted wait goes on, as the order-driven line's
                    waits[name] = ev
                    got = yield from sim.wait(ev)
                    waits[name] = None
                    log.append((sim.now, f"{name} woken by {got}"))

    def breaker() -> Any:
        while True:
            yield sim.hold(rng.choice([1, 2, 3]))
            name = rng.choice(sorted(procs))
            sim.interrupt(procs[name], sim.now, waits.get(name))
            log.append((sim.now, f"interrupt {name}"))

    for i in range(6):
        procs[f"w{i}"] = sim.process(worker(f"w{i}"))
    if breakdowns:
        sim.process(breaker())
    for until in (7, 7.5, 30, 60):  # in slices, as the GUI steps a run
        sim.run(until)
        log.append((sim.now, "slice"))
    return log


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("breakdowns", [False, True])
def test_same_event_order_as_simpy(seed: int, breakdowns: bool) -> None:
    ours = _model(_KernelAdapter(), seed, breakdowns)
    assert len(ours) > 150  # a real run, with ties, wake-ups and alarms
    assert any("woken" in what for _t, what in ours) and any("alarm" in what for _t, what in ours)
    if breakdowns:
        assert sum("interrupted" in what for _t, what in ours) > 10
    assert ours == _model(_SimpyAdapter(), seed, breakdowns)


def test_a_signal_succeeded_before_it_is_waited_for_resumes_at_once() -> None:
    k = Kernel()
    seen: list[tuple[float, Any]] = []
    sig = k.signal()

    def proc() -> Any:
        yield 2.0
        seen.append((k.now, (yield sig)))

    k.process(proc())
    k.call_in(1.0, lambda: sig.succeed("early"))
    k.run(5.0)
    assert seen == [(2.0, "early")] and k.now == 5.0

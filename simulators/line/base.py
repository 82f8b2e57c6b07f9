"""What the serial and the order-driven line models share: each server's state clock and
timeline, the WIP integral and the sampled time series.

A server's timeline is kept as change points — ``starts`` and ``states`` of the recorded
intervals, the last ending at ``since`` — rather than a tuple per interval: a state change
then costs two list appends at most, and the intervals are built only when a result is read
(``results.intervals``).
"""

from __future__ import annotations

from typing import Any

import simpy
from simpy.events import PENDING, Event

from simulators.events import Publisher
from simulators.streams import stream

WORKING, STARVED, BLOCKED, DOWN, MAINTENANCE, SETUP = range(6)
STATE_NAMES = ("working", "starved", "blocked", "down", "maintenance", "setup")


def wait_event(env: simpy.Environment, srv: Any) -> Event:
    """A server's own wait event (``srv.wait_ev``) pending again, as ``Event.__init__`` makes a new one
    (empty callbacks, value pending); its first wait creates it. Safe: a server waits again only once its
    last wait event was processed, and then no queue holds it any more (a wake-up pops it first).
    Both line models' queues use it, instead of an Event per wait."""
    ev = srv.wait_ev
    if ev is None:
        ev = srv.wait_ev = Event(env)
    else:
        ev.callbacks = []
        ev._value = PENDING
    return ev


class ServerClock:
    """A server's state, when it entered it, the time spent in each state, and its timeline."""

    __slots__ = ("station", "index", "label", "state", "since", "acc", "starts", "states")

    def __init__(self, station: Any, index: int, n_states: int) -> None:
        self.station = station
        self.index = index
        self.label = station.name if station.n == 1 else f"{station.name}#{index + 1}"
        self.state = STARVED
        self.since = 0.0
        self.acc = [0.0] * n_states
        self.starts: list[float] = []
        self.states: list[int] = []


class LineProcess(simpy.Process):
    """A line model's process (servers, release, breakdowns, sampling): SimPy's ``Process`` whose
    resumption, on nearly every event of a run, looks up the generator's ``send`` and its own bound
    ``_resume`` once instead of per event; the same steps, events and errors as ``Process._resume``
    otherwise (the models yield only events)."""

    def __init__(self, env: simpy.Environment, generator: Any) -> None:
        super().__init__(env, generator)
        self._send = generator.send
        self._resume_cb = self._resume

    def _resume(self, event: Any) -> None:
        env = self.env
        env._active_proc = self
        while True:
            try:
                if event._ok:
                    event = self._send(event._value)
                else:  # a failed event (an interrupt): thrown into the generator, as SimPy does
                    event._defused = True
                    exc = type(event._value)(*event._value.args)
                    exc.__cause__ = event._value
                    event = self._generator.throw(exc)
            except StopIteration as e:
                event = None
                self._ok = True
                self._value = e.args[0] if len(e.args) else None
                env.schedule(self)
                break
            except BaseException as e:  # noqa: BLE001 - the process fails with it, as in SimPy
                event = None
                self._ok = False
                e.__traceback__ = e.__traceback__.tb_next  # type: ignore[union-attr]
                self._value = e
                env.schedule(self)
                break
            callbacks = event.callbacks  # a server yields only events
            if callbacks is not None:
                callbacks.append(self._resume_cb)
                break
        self._target = event
        env._active_proc = None


class LineBase(Publisher):
    """State accounting, WIP and series for a line model; the model supplies ``env``, ``stations``,
    ``buffers``, ``record``, ``state_names`` and ``input_level``."""

    state_names: tuple[str, ...]
    env: Any
    record: bool
    stations: list[Any]
    buffers: list[Any]

    seed: int
    replication: int

    def _start(self, scenario: Any, seed: int, replication: int, record: bool) -> simpy.Environment:
        """One replication of ``scenario``: its identity, clock and horizon."""
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.record = record
        self.env = simpy.Environment(0.0)  # a float clock from t = 0: times read the same in every record
        self.end_time = scenario.end_time
        self.warmup = scenario.warmup_s
        return self.env

    def _call_in(self, delay: float, fn: Any) -> None:
        """Call ``fn()`` ``delay`` seconds from now (a timeout's callback: no process to resume)."""
        self.env.timeout(delay).callbacks.append(lambda _event: fn())

    def failure_samplers(self, st: Any, k: int) -> tuple[Any, Any]:
        """Server ``k``'s time-between-failures and repair-time samplers, each on its own stream."""
        element = st.name if k == 0 else f"{st.name}#{k + 1}"
        f = st.spec.failures
        return (f.tbf.sampler(stream(self.seed, element, "tbf", self.replication)),
                f.ttr.sampler(stream(self.seed, element, "ttr", self.replication)))

    def _init_totals(self, step_s: float) -> None:
        self.wip = 0
        self.wip_area = 0.0
        self.wip_last = 0.0
        self.finished_total = 0
        self.finished_at_sample = 0
        self.scrap_total = 0
        self.series_t: list[float] = []
        self.series_buffers: list[list[int]] = [[] for _ in self.buffers]
        self.series_input: list[int] = []
        self.series_wip: list[int] = []
        self.series_rate: list[float] = []
        LineProcess(self.env, self._sampler(step_s))

    def _close(self, srv: ServerClock, now: float) -> None:
        """Account the time since the last change to the current state (warm-up end)."""
        since = srv.since
        if now > since:
            old = srv.state
            srv.acc[old] += now - since
            if self.record:
                states = srv.states
                if not states or states[-1] != old:
                    states.append(old)
                    srv.starts.append(since)
        srv.since = now

    def _set(self, srv: ServerClock, new: int) -> None:
        old = srv.state
        if old == new:
            return
        # SimPy's clock without its ``now`` property: this runs on every state change (~5 % of a
        # shift's CPU for the property calls here, in the buffers and in wip_change)
        now = self.env._now
        since = srv.since
        if now > since:
            srv.acc[old] += now - since
            if self.record:  # as in _close, inline: this runs on every state change
                # intervals are contiguous: one that follows another of the same state extends it
                states = srv.states
                if not states or states[-1] != old:
                    states.append(old)
                    srv.starts.append(since)
        srv.since = now
        srv.state = new
        if self._subscribers:
            names = self.state_names
            self._emit(now, "state", srv.station.name, server=srv.index, old=names[old], new=names[new])

    def _reset_clocks(self, now: float) -> None:
        """Warm-up end: close every server's current interval and zero its state times."""
        n = len(self.state_names)
        for st in self.stations:
            st.reset_counters()
            for srv in st.servers_list:
                self._close(srv, now)
                srv.acc = [0.0] * n

    def input_level(self) -> int:
        raise NotImplementedError

    def _sampler(self, step: float) -> Any:
        env = self.env
        last_out = 0
        k = 0
        while True:
            self.series_t.append(env.now)
            for i, buf in enumerate(self.buffers):
                self.series_buffers[i].append(len(buf.items))
            level = self.input_level()
            if level is not None:
                self.series_input.append(level)
            self.series_wip.append(self.wip)
            self.series_rate.append((self.finished_total - last_out) / step * 3600.0 if k else 0.0)
            last_out = self.finished_at_sample = self.finished_total
            k += 1
            # an absolute grid avoids drift from summing float steps
            yield env.timeout(k * step - env.now)

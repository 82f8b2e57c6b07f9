"""Where parts wait: servers' state, buffers with capacity (0 = hand-over only), source and sink."""

from __future__ import annotations

from collections import deque
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL

from simulators.line.base import STARVED, STATE_NAMES, ServerClock, wait_event

# The model (simulators.line.model) builds on this module, so its types are ``Any`` here
# rather than imported back (no import cycle).
LineModel = Any
StationRuntime = Any

INF = float("inf")


def _wake(env: simpy.Environment, ev: Any, value: Any) -> None:
    """``ev.succeed(value)`` for a waiting server's own pending event, without its checks and its
    ``env.schedule`` call (a buffer wakes a server for most parts): the same heap entry."""
    ev._ok = True
    ev._value = value
    heappush(env._queue, (env._now, NORMAL, next(env._eid), ev))


class Server(ServerClock):
    """One parallel server of a serial-line station: its state clock, failure clock and wait.

    A starved or blocked server waits on ``wait_ev``, one event per server made pending again
    for each wait as ``Event.__init__`` makes a new one (empty callbacks, value pending): a new
    event per wait (~19,000 a shift) cost ~5 % of a shift's CPU. It is safe because the server
    waits again only after it resumed, i.e. after its previous wait event was processed; until
    then ``wait_ev.triggered`` says, as before, whether it resumes this instant.
    """

    __slots__ = ("next_fail", "budget", "gen", "wait_ev", "wait_on", "wait_part", "resume_state", "pm_due", "count",
                 "tbf", "ttr")

    def __init__(self, station: StationRuntime, index: int) -> None:
        super().__init__(station, index, len(STATE_NAMES))
        self.next_fail = INF
        self.budget = INF
        self.gen = 0
        self.wait_ev: simpy.Event | None = None
        self.wait_on: Any = None
        self.wait_part = 0.0
        self.resume_state = STARVED
        self.pm_due = False
        self.count = 0


class Buffer:
    """A FIFO of parts (their entry times) with capacity; capacity 0 = hand-over only."""

    __slots__ = ("model", "name", "capacity", "items", "getters", "putters", "area", "last", "env")

    def __init__(self, model: LineModel, name: str, capacity: float) -> None:
        self.model = model
        self.env = model.env
        self.name = name
        self.capacity = capacity
        self.items: deque[float] = deque()
        self.getters: deque[Server] = deque()
        self.putters: deque[Server] = deque()
        self.area = 0.0
        self.last = 0.0

    def _touch(self) -> None:
        now = self.env.now
        self.area += len(self.items) * (now - self.last)
        self.last = now

    def try_get(self) -> float | None:
        items = self.items
        if items:
            env = self.env
            now = env._now  # SimPy's clock without its property, as in LineBase._set
            self.area += len(items) * (now - self.last)
            self.last = now
            part = items.popleft()
            if self.putters:  # a blocked upstream server moves its part in
                srv = self.putters.popleft()
                items.append(srv.wait_part)
                _wake(env, srv.wait_ev, None)
            return part
        if self.putters:  # zero capacity: take the part straight from the blocked server
            srv = self.putters.popleft()
            srv.wait_ev.succeed()  # type: ignore[union-attr]
            return srv.wait_part
        return None

    def wait_get(self, srv: Server) -> simpy.Event:
        ev = wait_event(self.env, srv)  # the server's own wait event, pending again
        srv.wait_on = self
        self.getters.append(srv)
        return ev

    def try_put(self, part: float) -> bool:
        if self.getters:
            _wake(self.env, self.getters.popleft().wait_ev, part)
            return True
        items = self.items
        if len(items) < self.capacity:
            now = self.env._now
            self.area += len(items) * (now - self.last)
            self.last = now
            items.append(part)
            return True
        return False

    def wait_put(self, srv: Server, part: float) -> simpy.Event:
        ev = wait_event(self.env, srv)
        srv.wait_on = self
        srv.wait_part = part
        self.putters.append(srv)
        return ev

    def detach(self, srv: Server) -> None:
        (self.getters if srv.state == STARVED else self.putters).remove(srv)

    def reattach(self, srv: Server) -> None:
        """Put a server back in line after an outage that struck while it waited."""
        if srv.state == STARVED:
            part = self.try_get()
            if part is None:
                self.getters.append(srv)
            else:
                srv.wait_ev.succeed(part)  # type: ignore[union-attr]
        elif self.try_put(srv.wait_part):
            srv.wait_ev.succeed()  # type: ignore[union-attr]
        else:
            self.putters.append(srv)


class SaturatedSource:
    """There is always a raw part: taking one releases it into the line."""

    name = "source"

    def __init__(self, model: LineModel) -> None:
        self.model = model

    def try_get(self) -> float:
        m = self.model
        now = m.env._now
        m.entered += 1
        m.wip_area += m.wip * (now - m.wip_last)  # m.wip_change(1), inline: once per part
        m.wip_last = now
        m.wip += 1
        return now


class Sink:
    """The end of the line: records good parts and their lead times."""

    name = "sink"

    def __init__(self, model: LineModel) -> None:
        self.model = model

    def try_put(self, part: float) -> bool:
        m = self.model
        now = m.env._now
        m.good += 1
        m.finished_total += 1
        m.lead_sum += now - part
        m.wip_area += m.wip * (now - m.wip_last)  # m.wip_change(-1), inline: once per part
        m.wip_last = now
        m.wip -= 1
        if m._subscribers:
            m._emit(now, "part_finished", "sink", lead_time_s=now - part)
        return True

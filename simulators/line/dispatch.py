"""Units, orders and the queues in front of stations of an order-driven line, with dispatching rules.

A station's queue holds units; when a server looks for work, its station's rule picks one:
FIFO (arrival at the queue), SPT (shortest ideal time here), EDD (earliest due date), CR
(critical ratio: time to the due date / remaining ideal work, smallest first) or min_setup
(shortest changeover from the family the server last ran, then FIFO). Ties go to the
earlier arrival. Capacity 0 means hand-over only: the upstream server stays blocked
holding its unit until a server here takes it (and the rule picks among those units).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from heapq import heappush
from operator import attrgetter
from typing import Any

import simpy
from simpy.events import NORMAL, PENDING, Event

from simulators.line.base import wait_event

# A queue's waiting servers are FlowServers (simulators.line.flow_station); typed ``Any`` here so
# that this module stays below the station module (no import cycle).
FlowServer = Any

INF = float("inf")


class ProductRt:
    """A product at run time: family, route (station indices) and ideal time per station."""

    __slots__ = ("name", "family", "route", "ideal", "samplers", "due_allowance", "work")

    def __init__(self, name: str, family: str, route: list[int], ideal: dict[int, float],
                 samplers: dict[int, Callable[[], float]], due_allowance: float | None) -> None:
        self.name = name
        self.family = family
        self.route = route
        self.ideal = ideal
        self.samplers = samplers
        self.due_allowance = due_allowance
        self.work = sum(ideal.values())


class OrderRt:
    """A production order at run time; ``completed`` is when its last good unit left the line."""

    __slots__ = ("id", "product", "quantity", "release", "due", "good", "completed", "position")

    def __init__(self, oid: str, product: ProductRt, quantity: int, release: float, due: float,
                 position: int) -> None:
        self.id = oid
        self.product = product
        self.quantity = quantity
        self.release = release
        self.due = due
        self.good = 0
        self.completed: float | None = None
        self.position = position


class Unit:
    """One unit travelling its product's route; ``cards`` are the kanban loops it holds."""

    __slots__ = ("seq", "order", "product", "step", "arrived", "entered", "due", "queued", "cards", "remaining",
                 "rush", "tag")

    def __init__(self, seq: int, product: ProductRt, due: float, order: OrderRt | None, now: float) -> None:
        self.seq = seq
        self.arrived = now
        self.order = order
        self.product = product
        self.step = 0
        self.entered = 0.0
        self.due = due
        self.queued = 0.0
        self.cards: list[LoopRt] = []
        self.remaining = product.work
        self.rush = False  # a make-up unit for a scrapped one: released first, heads a FIFO queue
        self.tag: tuple[str, str, str] | None = None  # its event-log fields, once logged

    @property
    def label(self) -> str:
        return f"{self.order.id}/{self.seq}" if self.order is not None else f"U{self.seq}"

    @property
    def station(self) -> int:
        return self.product.route[self.step]


def rule_key(rule: str, station: int, now: float, setup_mean: Callable[[str | None, str], float],
             last_family: str | None) -> Callable[[Unit], tuple[float, ...]]:
    """The sort key a rule ranks waiting units by (smallest first)."""
    if rule == "spt":
        return lambda u: (u.product.ideal[station], u.queued, u.seq)
    if rule == "edd":
        return attrgetter("due", "queued", "seq")  # the tuple built in C
    if rule == "cr":
        def critical_ratio(u: Unit) -> tuple[float, ...]:
            slack = u.due - now
            ratio = slack / u.remaining if u.remaining > 0 else (INF if slack >= 0 else -INF)
            return (ratio, u.queued, u.seq)
        return critical_ratio
    if rule == "min_setup":
        return lambda u: (setup_mean(last_family, u.product.family), u.queued, u.seq)
    return attrgetter("queued", "seq")


class LoopRt:
    """A kanban loop's free cards and the servers waiting for one (FIFO)."""

    __slots__ = ("first", "last", "free", "waiters", "held")

    def __init__(self, first: int, last: int, cards: int) -> None:
        self.first = first
        self.last = last
        self.free = cards
        self.held = 0
        self.waiters: deque[tuple[Any, Unit, simpy.Event]] = deque()

    def release(self) -> None:
        self.held -= 1
        while self.waiters:
            owner, unit, ev = self.waiters.popleft()
            if ev.triggered:
                continue
            unit.cards.append(self)
            self.held += 1
            ev.succeed()
            return
        self.free += 1


class StationQueue:
    """Units waiting in front of one station, with a capacity and the level's time integral.

    ``take`` and ``try_put`` run for every unit at every station: they read SimPy's clock without
    its ``now`` property and succeed a waiting server's event as ``Event.succeed`` does (value
    None, its heap entry now at NORMAL priority as ``env.schedule`` makes it), two calls less each."""

    __slots__ = ("env", "name", "capacity", "items", "getters", "putters", "area", "last", "pick", "make", "fifo")

    def __init__(self, env: simpy.Environment, name: str, capacity: float,
                 pick: Callable[[FlowServer, list[Unit]], int], fifo: bool = False) -> None:
        self.env = env
        self.name = name
        self.capacity = capacity
        self.items: list[Unit] = []
        self.getters: deque[tuple[FlowServer, simpy.Event]] = deque()
        self.putters: deque[tuple[FlowServer, Unit, simpy.Event]] = deque()
        self.area = 0.0
        self.last = 0.0
        self.pick = pick
        self.fifo = fifo  # the rule picks the first unit: no call to ``pick``
        self.make: Callable[[], Unit] | None = None  # a saturated source: a unit on demand

    def touch(self) -> None:
        now = self.env._now
        self.area += len(self.items) * (now - self.last)
        self.last = now

    def take(self, srv: FlowServer) -> Unit | None:
        """The unit the station's rule picks for ``srv``, or None if there is none."""
        items = self.items
        if items:
            now = self.env._now
            self.area += len(items) * (now - self.last)
            self.last = now
            unit = items.pop(0 if self.fifo else self.pick(srv, items))
            if self.putters:  # the longest-blocked upstream server moves its unit in
                _owner, moved, ev = self.putters.popleft()
                moved.queued = now
                items.append(moved)
                ev._ok = True
                ev._value = None
                heappush(self.env._queue, (now, NORMAL, next(self.env._eid), ev))
            return unit
        if self.putters:  # hand-over: choose among the units held by blocked servers
            held = [p[1] for p in self.putters]
            i = self.pick(srv, held)
            _owner, unit, ev = self.putters[i]
            del self.putters[i]
            ev.succeed()
            return unit
        if self.make is not None:
            return self.make()
        return None

    def wait_get(self, srv: FlowServer) -> simpy.Event:
        """The server's own starved-wait event, pending again (base.wait_event)."""
        ev = wait_event(self.env, srv)
        self.getters.append((srv, ev))
        return ev

    def try_put(self, unit: Unit) -> bool:
        """Queue ``unit`` if there is space; a waiting server is woken and picks by its rule once
        everything arriving at this instant is in (so simultaneous releases are dispatched too)."""
        now = self.env._now
        unit.queued = now
        items = self.items
        getters = self.getters
        while getters:
            _srv, ev = getters.popleft()
            if ev._value is PENDING:
                self.area += len(items) * (now - self.last)
                self.last = now
                items.append(unit)
                ev._ok = True
                ev._value = None
                heappush(self.env._queue, (now, NORMAL, next(self.env._eid), ev))
                return True
        if len(items) < self.capacity:
            self.area += len(items) * (now - self.last)
            self.last = now
            if unit.rush:
                items.insert(0, unit)
            else:
                items.append(unit)
            return True
        return False

    def wait_put(self, srv: FlowServer, unit: Unit) -> simpy.Event:
        ev = Event(self.env)
        self.putters.append((srv, unit, ev))
        return ev

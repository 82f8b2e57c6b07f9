"""How work enters an order-driven line: the order plan, random arrivals or an endless supply,
held in a backlog and released by the release rule when the kanban/CONWIP loops give a card.

A mixin of ``FlowModel``: it uses the model's clock, products, loops and counters (and does not
import the model, so the two modules form no cycle).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Generator
from heapq import heappop, heappush
from typing import Any

from simpy.events import PENDING

from simulators.line.dispatch import INF, OrderRt, ProductRt, Unit
from simulators.line.scenario import ArrivalSource
from simulators.streams import stream


class Backlog:
    """Units waiting for release as ``(release key, seq, unit)`` entries, the smallest key first.

    A heap, with the entries that come in increasing order (an order plan's units, arrivals under
    the plan rule: most of them) in a queue beside it: those cost O(1) instead of a heap's sift
    through a thousand-unit plan (~2.5 µs a unit). Keys are unique (they end with the unit's
    number), so the two give the units in exactly the order one heap would."""

    __slots__ = ("run", "heap")

    def __init__(self) -> None:
        self.run: deque[tuple[tuple[float, ...], int, Unit]] = deque()
        self.heap: list[tuple[tuple[float, ...], int, Unit]] = []

    def __len__(self) -> int:
        return len(self.run) + len(self.heap)

    def push(self, entry: tuple[tuple[float, ...], int, Unit]) -> None:
        run = self.run
        if not run or entry > run[-1]:
            run.append(entry)
        else:
            heappush(self.heap, entry)

    def pop(self) -> Unit:
        heap, run = self.heap, self.run
        if heap and (not run or heap[0] < run[0]):
            return heappop(heap)[2]
        return run.popleft()[2]


class Release:
    """The source side of ``FlowModel``."""

    def _new_unit(self, product: ProductRt, due: float, order: OrderRt | None = None) -> Unit:
        self.seq += 1
        return Unit(self.seq, product, due, order, self.env._now)

    def _draw_product(self) -> ProductRt:
        if len(self.mix) == 1:
            return self.mix[0][0]
        total = sum(w for _p, w in self.mix)
        u = self.mix_rng.random() * total
        for prod, w in self.mix:
            u -= w
            if u < 0:
                return prod
        return self.mix[-1][0]

    def _source_unit(self) -> Unit:
        prod = self._draw_product()
        due = self.env.now + prod.due_allowance if prod.due_allowance is not None else INF
        unit = self._new_unit(prod, due)
        unit.queued = self.env.now
        return unit

    def _enter(self, unit: Unit) -> None:
        unit.entered = self.env._now
        self.entered += 1
        self.wip_change(1, unit.product.name)
        if self.record:
            self._log("release", self.scenario.stations[unit.station].name, -1, unit)

    def _make_unit(self) -> Unit:
        unit = self._source_unit()
        self._enter(unit)
        return unit

    def _to_backlog(self, unit: Unit) -> None:
        # ordered on the release key: a unit's key never changes while it waits
        self.backlog.push((self._release_key(unit), unit.seq, unit))
        if self.backlog_ev._value is PENDING:  # not yet triggered
            self.backlog_ev.succeed()

    def _plan(self) -> Generator[Any, Any, None]:
        sc = self.scenario
        rank = {oid: i for i, oid in enumerate(sc.release.sequence or [])}
        for i, o in enumerate(sc.orders):
            pos = rank.get(o.id, len(rank) + i)
            self.orders.append(OrderRt(o.id, self.products[o.product], o.quantity, o.release_s, o.due_s, pos))
        families: dict[str, int] = {}
        for order in sorted(self.orders, key=lambda o: (o.release, o.position)):
            families.setdefault(order.product.family, len(families))
        self.family_rank = families
        for order in sorted(self.orders, key=lambda o: (o.release, o.position)):
            if order.release > self.env.now:
                yield self.env.timeout(order.release - self.env.now)
            self._order_to_backlog(order)

    def _order_to_backlog(self, order: OrderRt) -> None:
        """An order's units into the backlog at once, as ``_new_unit`` and ``_to_backlog`` would put
        them one by one: their keys share the order's prefix and end with their increasing numbers,
        so if the first follows the backlog's in-order run, they all do (one extend for a plan's
        thousand units instead of a key, a comparison and an append each)."""
        n = order.quantity
        if n <= 0:
            return
        product, due, now, seq = order.product, order.due, self.env._now, self.seq
        units = [Unit(k, product, due, order, now) for k in range(seq + 1, seq + n + 1)]
        self.seq = seq + n
        prefix = self._release_key(units[0])[:-1]
        entries = [((*prefix, u.seq), u.seq, u) for u in units]
        backlog = self.backlog
        run = backlog.run
        if not run or entries[0] > run[-1]:
            run.extend(entries)
        else:
            for entry in entries:
                backlog.push(entry)
        if self.backlog_ev._value is PENDING:
            self.backlog_ev.succeed()

    def _arrivals(self, src: ArrivalSource) -> Generator[Any, Any, None]:
        sample = src.interarrival.sampler(stream(self.seed, "source", "arrivals", self.replication))
        cap = src.capacity if src.capacity is not None else INF
        timeout = self.env.timeout
        while True:
            yield timeout(sample())
            if len(self.backlog) + len(self.input.items) >= cap:
                self.lost += 1
                continue
            self._to_backlog(self._source_unit())

    def _release_key(self, unit: Unit) -> tuple[float, ...]:
        rule, o = self.scenario.release.rule, unit.order
        plan = (o.release, o.position, unit.seq) if o is not None else (unit.arrived, 0, unit.seq)
        if unit.rush:
            return (-INF, *plan)
        if rule == "edd":
            return (unit.due, *plan)
        if rule == "spt":
            return (unit.product.work, *plan)
        if rule == "family" and o is not None:
            return (self.family_rank[unit.product.family], *plan)
        return plan

    def _releaser(self) -> Generator[Any, Any, None]:
        """Move units from the backlog into the line: by the release rule, when the loops allow."""
        env = self.env
        backlog, enter, stations = self.backlog, self.enter, self.stations
        run = backlog.run
        no_loops = not self.loops
        record = self.record
        while True:
            if not (run or backlog.heap):  # empty (without a call to its __len__)
                if self.saturated:
                    self._to_backlog(self._source_unit())
                else:
                    self.backlog_ev = env.event()
                    yield self.backlog_ev
                    continue
            if no_loops and not backlog.heap:
                # the in-order run straight into the line (an order plan's units at once): nothing
                # else runs until this process yields, so the heap stays empty and the clock still
                now = env._now
                product_wip = self.product_wip
                while run:
                    unit = run.popleft()[2]
                    name = unit.product.name
                    if record or self.wip_last != now:
                        self._enter(unit)
                    else:  # as _enter: wip_change adds no area at the same instant
                        unit.entered = now
                        self.entered += 1
                        self.wip += 1
                        product_wip[name] += 1
                    queue = stations[unit.product.route[0]].queue
                    items = queue.items
                    if queue.getters or unit.rush or len(items) >= queue.capacity:
                        if not queue.try_put(unit):
                            yield queue.wait_put(None, unit)  # type: ignore[arg-type]
                            break
                    else:  # as try_put: space, no waiting server
                        unit.queued = now
                        queue.area += len(items) * (now - queue.last)
                        queue.last = now
                        items.append(unit)
                continue
            unit = backlog.pop()
            route = unit.product.route
            for loop in enter[unit.product.name][0]:
                if loop.free > 0:
                    loop.free -= 1
                    loop.held += 1
                    unit.cards.append(loop)
                else:
                    ev = env.event()
                    loop.waiters.append((None, unit, ev))
                    yield ev
            self._enter(unit)
            queue = stations[route[0]].queue
            if not queue.try_put(unit):
                yield queue.wait_put(None, unit)  # type: ignore[arg-type]

"""The order-driven line as a discrete-event model: products on their routes, orders, dispatching at each
queue, release control (push, CONWIP, kanban loops), changeovers and the six-big-loss sources.

Each server is one SimPy process: take a unit (the station's rule picks), change over if the
family changes, process it (reduced speed, minor stops, operation-dependent breakdowns inline),
judge quality (startup and production rejects, rework), then move it on: take the cards of
the loops it enters, wait for space downstream, free the cards of the loops it leaves.
Time-dependent breakdowns interrupt the server wherever it is. Every state change is
accounted per server (working, starved, blocked, down, setup, minor stop, reduced speed), and
with ``record`` every production event is logged for the MES view (``simulators.line.mes``).
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL, Event

from simulators.line.base import BLOCKED, DOWN, SETUP, STARVED, WORKING, LineBase, LineProcess
from simulators.line.dispatch import INF, LoopRt, OrderRt, StationQueue, Unit, rule_key
from simulators.line.flow_release import Backlog, Release
from simulators.line.flow_station import (
    EPS,
    FLOW_STATES,
    MINOR_STOP,
    REDUCED_SPEED,
    FlowServer,
    FlowStation,
    build_products,
    scaled,
)
from simulators.line.scenario import ArrivalSource, LineScenario
from simulators.streams import stream


def armed_event(env: simpy.Environment) -> Event:
    """An event that succeeds with None once scheduled: a server's reusable hold (see ``_hold``)."""
    ev = Event(env)
    ev._ok = True
    ev._value = None
    return ev


class FlowModel(Release, LineBase):
    """One replication of an order-driven line."""

    def __init__(self, scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> None:
        super().__init__()
        env = self._start(scenario, seed, replication, record)
        sc = scenario
        self.state_names = FLOW_STATES
        self.log: list[tuple[float, str, str, int, str, str, str, float]] = []
        self.seq = 0
        self.products = build_products(sc, seed, replication)
        self.product_wip = dict.fromkeys(self.products, 0)
        self.product_area = dict.fromkeys(self.products, 0.0)
        self.reset_counters()
        n = len(sc.stations)
        caps = [INF] + [float(b.capacity) for b in sc.buffers]
        names = ["input"] + [b.name for b in sc.buffers]
        queues = [StationQueue(env, names[i], caps[i], self._picker(i), sc.stations[i].dispatch == "fifo")
                  for i in range(n)]
        self.stations = [FlowStation(sc, seed, replication, s, i, queues[i]) for i, s in enumerate(sc.stations)]
        self.buffers = queues[1:]
        self.input = queues[0]
        index = {s.name: i for i, s in enumerate(sc.stations)}
        loops = []
        if sc.release.type == "conwip":
            loops.append(LoopRt(0, n - 1, sc.release.wip_cap or 1))
        loops += [LoopRt(index[lp.first], index[lp.last], lp.cards) for lp in sc.release.loops]
        self.loops = loops
        self.enter: dict[str, list[list[LoopRt]]] = {}
        self.leave: dict[str, list[list[LoopRt]]] = {}
        for name, prod in self.products.items():
            self.enter[name] = [[] for _ in prod.route]
            self.leave[name] = [[] for _ in prod.route]
            for lp in loops:
                inside = [k for k, st in enumerate(prod.route) if lp.first <= st <= lp.last]
                if inside:
                    self.enter[name][inside[0]].append(lp)
                    self.leave[name][inside[-1]].append(lp)
        self.mix_rng = stream(seed, "source", "mix", replication)
        weights = sc.mix or dict.fromkeys(self.products, 1.0)
        self.mix = [(self.products[p], w) for p, w in weights.items() if w > 0]
        self.backlog = Backlog()
        self.backlog_ev = env.event()
        self.orders: list[OrderRt] = []
        src = sc.source
        self.saturated = not sc.orders and not isinstance(src, ArrivalSource)
        if self.saturated and not any(self.enter[p.name][0] for p, _w in self.mix):
            self.input.make = self._make_unit  # push from an endless supply: station 1 never starves
        else:
            LineProcess(env, self._releaser())
        if sc.orders:
            LineProcess(env, self._plan())
        elif isinstance(src, ArrivalSource):
            LineProcess(env, self._arrivals(src))
        for st in self.stations:
            spec = st.spec
            for k in range(st.n):
                srv = FlowServer(st, k)
                srv.hold = armed_event(env)
                st.servers_list.append(srv)
                if spec.failures is not None:
                    srv.tbf, ttr = self.failure_samplers(st, k)
                    srv.ttr = scaled(ttr, st.ttr_cut)
                    if spec.failures.mode == "operation":
                        srv.fail_budget = srv.tbf()
                if st.minor_every is not None:
                    srv.minor_budget = st.minor_every()
                srv.proc = LineProcess(env, self._serve(srv))
                if spec.failures is not None and spec.failures.mode == "time":
                    LineProcess(env, self._breakdowns(srv))
        if self.warmup > 0:
            self._call_in(self.warmup, self._end_warmup)
        self._init_totals(sc.series_step_s)

    # --- set-up -----------------------------------------------------------------------------

    def _picker(self, station: int) -> Any:
        def pick(srv: FlowServer, units: list[Unit]) -> int:
            st = self.stations[station]
            if st.rule == "fifo":
                return 0  # queues and blocked servers are both kept in arrival order
            if len(units) == 1:
                return 0
            key = rule_key(st.rule, station, self.env._now, st.changeover_mean, srv.family if srv else None)
            # keys end with the unit's number, so the smallest is one unit: find it, then its place
            return units.index(min(units, key=key))
        return pick

    def reset_counters(self) -> None:
        self.good = 0
        self.scrap = 0
        self.reworks = 0
        self.lead_sum = 0.0
        self.entered = 0
        self.lost = 0
        self.jobs: list[tuple[str, float, float, float]] = []  # (product, release, due, completion)
        self.product_good = dict.fromkeys(self.products, 0)
        self.product_lead = dict.fromkeys(self.products, 0.0)

    def _end_warmup(self) -> None:
        """Statistics cover the shift only: forget everything counted during warm-up."""
        now = self.env.now
        self._reset_clocks(now)
        self.reset_counters()
        self.wip_change(0, None)
        self.wip_area = 0.0
        self.product_area = dict.fromkeys(self.products, 0.0)
        for q in [self.input, *self.buffers]:
            q.touch()
            q.area = 0.0
        if self._subscribers:
            self._emit(now, "warmup_end", "line")

    # --- bookkeeping ------------------------------------------------------------------------

    def wip_change(self, delta: int, product: str | None) -> None:
        now = self.env._now
        dt = now - self.wip_last
        if dt:  # nothing to add otherwise (areas are >= 0: adding 0.0 leaves their bits alone)
            self.wip_area += self.wip * dt
            area = self.product_area
            for p, w in self.product_wip.items():
                if w:
                    area[p] += w * dt
        self.wip_last = now
        self.wip += delta
        if product is not None:
            self.product_wip[product] += delta

    def _log(self, kind: str, station: str, server: int, unit: Unit | None, value: float = 0.0) -> None:
        if self.record:
            if unit is None:
                self.log.append((self.env._now, kind, station, server, "", "", "", value))
                return
            tag = unit.tag  # (label, order, product): the same in each of the unit's ~6 log lines
            if tag is None:
                tag = unit.tag = (unit.label, unit.order.id if unit.order is not None else "", unit.product.name)
            self.log.append((self.env._now, kind, station, server, tag[0], tag[1], tag[2], value))

    # --- a server's life --------------------------------------------------------------------

    def _serve(self, srv: FlowServer) -> Generator[Any, Any, None]:
        """A server's life, its common path in this one generator: take a unit (or wait, starved),
        prepare, process it (again after each rework) on the minor-stop and failure budgets, judge
        its quality, move it on. The rare paths (changeovers, repairs, minor stops, a full queue or
        loop downstream) are the helpers below. One generator frame instead of five nested ones (a
        call and a frame per helper and unit were most of a run's CPU) and the server's own re-armed
        hold (see ``_hold``); events, draws, states and logs come in the order the helpers gave."""
        st = srv.station
        queue = st.queue
        env = self.env
        heap, eid = env._queue, env._eid  # holds scheduled as env.schedule does it, inline (one call less)
        record = self.record
        i, name, k = st.index, st.name, srv.index
        plain_prepare = st.spec.changeover is None and not st.setup_every
        no_setups = not st.setup_every
        slow_at = st.slow_at if st.slow is not None else None
        budgets = srv.minor_budget < INF or srv.fail_budget < INF  # minor stops, operation-dependent failures
        enter, leave, stations = self.enter, self.leave, self.stations
        while True:
            unit = queue.take(srv)
            if unit is None:
                ev = queue.wait_get(srv)
                while ev.callbacks is not None:  # as _wait(srv, ev, STARVED)
                    if srv.state != STARVED:
                        self._set(srv, STARVED)
                    try:
                        yield ev
                    except simpy.Interrupt as intr:
                        yield from self._down(srv, intr.cause)
                continue
            prod = unit.product
            if plain_prepare or (no_setups and srv.family == prod.family):
                srv.family = prod.family  # no changeover, no set-up: all _prepare would do
            else:
                yield from self._prepare(srv, unit)
            ideal = prod.ideal[i]
            sample = prod.samplers[i]
            scrapped = False
            while True:  # process; a rework processes again
                p = sample()
                state = WORKING
                if slow_at is not None and slow_at(env._now):
                    p /= st.slow.factor
                    state = REDUCED_SPEED
                if record:
                    self._log("start", name, k, unit, p)
                while p > EPS:  # minor stops and operation-dependent failures on their budgets
                    chunk = min(p, srv.minor_budget, srv.fail_budget) if budgets else p
                    left = chunk
                    while left > EPS:  # as _hold(srv, chunk, state)
                        if srv.state != state:
                            self._set(srv, state)
                        start = env._now
                        hold = srv.hold
                        hold.callbacks = []
                        heappush(heap, (env._now + left, NORMAL, next(eid), hold))
                        try:
                            yield hold
                            left = 0.0
                        except simpy.Interrupt as intr:
                            left -= env._now - start
                            srv.hold = armed_event(env)  # the interrupted one stays scheduled
                            yield from self._down(srv, intr.cause)
                    if not budgets:
                        break  # the whole time in one hold (p - p is 0.0; the infinite budgets stay)
                    p -= chunk
                    srv.minor_budget -= chunk
                    srv.fail_budget -= chunk
                    if srv.fail_budget <= EPS:
                        yield from self._down(srv, srv.ttr())
                        srv.fail_budget = srv.tbf()
                    elif srv.minor_budget <= EPS:
                        yield from self._minor_stop(srv)
                st.ops += 1
                st.ideal_all += ideal
                if srv.startup_left > 0:
                    srv.startup_left -= 1
                    if st.startup_rng() < st.startup_p:
                        st.startup_scrap += 1
                        st.scrap += 1
                        st.ideal_startup += ideal
                        if record:
                            self._log("scrap", name, k, unit, 1.0)
                        scrapped = True
                        break
                if st.scrap_p or st.rework_p:
                    u = st.quality()
                    if u < st.scrap_p:
                        st.scrap += 1
                        st.ideal_rejects += ideal
                        if record:
                            self._log("scrap", name, k, unit, 0.0)
                        scrapped = True
                        break
                    if u < st.scrap_p + st.rework_p:
                        st.reworks += 1
                        self.reworks += 1
                        st.ideal_rejects += ideal
                        if record:
                            self._log("rework", name, k, unit)
                        if self._subscribers:
                            self._emit(env._now, "rework", name, server=k)
                        continue
                st.ideal_good += ideal
                if record:
                    self._log("end", name, k, unit)
                break
            if scrapped:
                self._scrapped(unit)
                continue
            # move it on: the cards of the loops it enters, space downstream, then
            # the cards of the loops it leaves
            route = prod.route
            leaving = leave[prod.name][unit.step]
            unit.remaining -= prod.ideal[route[unit.step]]
            nxt = unit.step + 1
            if nxt < len(route):
                for loop in enter[prod.name][nxt]:
                    if loop.free > 0:
                        loop.free -= 1
                        loop.held += 1
                        unit.cards.append(loop)
                    else:
                        ev = env.event()
                        loop.waiters.append((srv, unit, ev))
                        yield from self._wait(srv, ev, BLOCKED)
                unit.step = nxt
                downstream = stations[route[nxt]].queue
                if not downstream.try_put(unit):
                    yield from self._wait(srv, downstream.wait_put(srv, unit), BLOCKED)
            for loop in leaving:
                unit.cards.remove(loop)
                loop.release()
            if nxt >= len(route):
                self._finish(unit)

    def _wait(self, srv: FlowServer, ev: simpy.Event, state: int) -> Generator[Any, Any, Any]:
        """Wait for ``ev`` in ``state``; a breakdown meanwhile is repaired, the wait goes on."""
        while not ev.processed:
            self._set(srv, state)
            try:
                yield ev
            except simpy.Interrupt as intr:
                yield from self._down(srv, intr.cause)
        return ev.value

    def _hold(self, srv: FlowServer, duration: float, state: int) -> Generator[Any, Any, None]:
        """Spend ``duration`` in ``state``; a breakdown pauses it and the rest follows the repair.

        The hold is the server's own event, re-armed as ``Timeout.__init__`` arms a new one (empty
        callbacks, scheduled after ``left`` at NORMAL priority with the next event id): the same
        schedule without an allocation. It is safe because the server holds again only after it
        resumed; an interrupted hold stays in SimPy's queue, so the server gets a fresh one."""
        env = self.env
        left = duration
        while left > EPS:
            self._set(srv, state)
            start = env._now
            hold = srv.hold
            hold.callbacks = []
            env.schedule(hold, NORMAL, left)
            try:
                yield hold
                left = 0.0
            except simpy.Interrupt as intr:
                left -= env._now - start
                srv.hold = armed_event(env)
                yield from self._down(srv, intr.cause)

    def _down(self, srv: FlowServer, ttr: float) -> Generator[Any, Any, None]:
        env, st = self.env, srv.station
        self._set(srv, DOWN)
        st.failures += 1
        if self._subscribers:
            self._emit(env.now, "failure", st.name, server=srv.index, repair_s=ttr)
        self._log("failure", st.name, srv.index, None, ttr)
        left = ttr
        while left > EPS:
            start = env.now
            try:
                yield env.timeout(left)
                left = 0.0
            except simpy.Interrupt as intr:  # another failure during the repair adds its repair time
                left += intr.cause - (env.now - start)
        srv.startup_left = st.startup_units
        if self._subscribers:
            self._emit(env.now, "repair", st.name, server=srv.index)
        self._log("repair", st.name, srv.index, None)

    def _breakdowns(self, srv: FlowServer) -> Generator[Any, Any, None]:
        """Time-dependent failures: the clock runs in every state; the next one is drawn after the repair."""
        while True:
            yield self.env.timeout(srv.tbf())
            ttr = srv.ttr()
            assert srv.proc is not None
            srv.proc.interrupt(ttr)
            yield self.env.timeout(ttr)

    def _prepare(self, srv: FlowServer, unit: Unit) -> Generator[Any, Any, None]:
        st = srv.station
        family = unit.product.family
        if st.spec.changeover is not None and srv.family is not None and srv.family != family:
            d = st.changeover(srv.family, family)
            if d > 0:
                st.changeovers += 1
                self._log("changeover", st.name, srv.index, unit, d)
                if self._subscribers:
                    self._emit(self.env.now, "changeover", st.name, server=srv.index, duration_s=d,
                               family=family)
                yield from self._hold(srv, d, SETUP)
                srv.startup_left = st.startup_units
        srv.family = family
        if st.setup_every:
            if srv.count % st.setup_every == 0:
                yield from self._hold(srv, st.setup_sample(), SETUP)  # type: ignore[misc]
                srv.startup_left = st.startup_units
            srv.count += 1

    def _minor_stop(self, srv: FlowServer) -> Generator[Any, Any, None]:
        st = srv.station
        d = st.minor_duration()
        st.minor_stops += 1
        self._log("minor_stop", st.name, srv.index, None, d)
        yield from self._hold(srv, d, MINOR_STOP)
        srv.minor_budget = st.minor_every()

    def _scrapped(self, unit: Unit) -> None:
        self.scrap += 1
        self.scrap_total += 1
        self.wip_change(-1, unit.product.name)
        for loop in unit.cards:
            loop.release()
        unit.cards = []
        if self._subscribers:
            self._emit(self.env.now, "scrap", self.scenario.stations[unit.station].name)
        if unit.order is not None:  # the order still needs its quantity: make up for it at once
            extra = self._new_unit(unit.product, unit.due, unit.order)
            extra.rush = True
            self._to_backlog(extra)

    def _finish(self, unit: Unit) -> None:
        now = self.env._now
        name = unit.product.name
        lead = now - unit.entered
        self.good += 1
        self.finished_total += 1
        self.lead_sum += lead
        self.product_good[name] += 1
        self.product_lead[name] += lead
        self.wip_change(-1, name)
        if self.record:
            self._log("complete", "sink", -1, unit, lead)
        if self._subscribers:
            self._emit(now, "part_finished", "sink", lead_time_s=lead, product=name)
        order = unit.order
        if order is not None:
            order.good += 1
            if order.good == order.quantity:
                order.completed = now
                self.jobs.append((name, order.release, order.due, now))
                self._log("order_done", "sink", -1, unit, now - order.due)
        elif unit.due < INF:
            self.jobs.append((name, unit.arrived, unit.due, now))

    def input_level(self) -> int:
        return len(self.input.items) + len(self.backlog)


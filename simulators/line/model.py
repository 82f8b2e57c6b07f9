"""The production line as a discrete-event model: servers pull parts, buffers hold them, monitors count.

Each server of each station is one SimPy process. Buffers are small custom
queues rather than ``simpy.Store`` because they need a zero capacity (direct
hand-over, blocking after service) and must let a failure detach a waiting
server. State accounting is done on every state change (working, starved,
blocked, down, maintenance, setup), so the metrics cost a few list updates per
part, not a monitoring process.
"""

from __future__ import annotations

from collections.abc import Generator
from heapq import heappush
from typing import Any

from simpy.events import NORMAL, Event

from simulators.line.base import (
    BLOCKED,
    DOWN,
    MAINTENANCE,
    SETUP,
    STARVED,
    STATE_NAMES,
    WORKING,
    LineBase,
    LineProcess,
)
from simulators.line.buffers import INF, Buffer, SaturatedSource, Server, Sink
from simulators.line.scenario import ArrivalSource, LineScenario, Station
from simulators.streams import stream

NO_FAILURES, TIME_FAILURES, OPERATION_FAILURES = 0, 1, 2


class StationRuntime:
    """Per-station runtime data: samplers, counters and servers."""

    def __init__(self, spec: Station, index: int, seed: int, rep: int) -> None:
        self.spec = spec
        self.name = spec.name
        self.index = index
        self.n = spec.servers
        self.servers_list: list[Server] = []
        dist = spec.process_time()
        self.pri = dist.mean  # planned run time per item (ISO 22400 PRI)
        self.sample = dist.sampler(stream(seed, spec.name, "process", rep))
        self.quality = stream(seed, spec.name, "quality", rep).random if (spec.scrap or spec.rework) else None
        self.scrap_p = spec.scrap
        self.rework_p = spec.scrap + spec.rework
        self.setup_every = spec.setup.every_parts if spec.setup else 0
        self.setup_sample = spec.setup.time.sampler(stream(seed, spec.name, "setup", rep)) if spec.setup else None
        f = spec.failures
        self.fmode = NO_FAILURES if f is None else (TIME_FAILURES if f.mode == "time" else OPERATION_FAILURES)
        self.pm_sample = (spec.maintenance.duration.sampler(stream(seed, spec.name, "maintenance", rep))
                          if spec.maintenance else None)
        self.up: Any = None
        self.down: Any = None
        self.reset_counters()

    def reset_counters(self) -> None:
        self.ops = 0          # completed operations (produced quantity, incl. scrap and rework passes)
        self.scrap = 0
        self.reworks = 0
        self.failures = 0


class LineModel(LineBase):
    """One replication of a line scenario, advanced by SimPy."""

    def __init__(self, scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> None:
        super().__init__()
        env = self._start(scenario, seed, replication, record)
        self.state_names = STATE_NAMES
        self.reset_counters()
        self.stations = [StationRuntime(s, i, seed, replication) for i, s in enumerate(scenario.stations)]
        self.buffers = [Buffer(self, b.name, b.capacity) for b in scenario.buffers]
        self.input: Buffer | None = None
        src = scenario.source
        if isinstance(src, ArrivalSource):
            cap = src.capacity if src.capacity is not None else INF
            self.input = Buffer(self, "input", cap)
            first_up: Any = self.input
            LineProcess(env, self._arrivals(src, stream(seed, "source", "arrivals", replication)))
        else:
            first_up = SaturatedSource(self)
        sink = Sink(self)
        for i, st in enumerate(self.stations):
            st.up = first_up if i == 0 else self.buffers[i - 1]
            st.down = sink if i == len(self.stations) - 1 else self.buffers[i]
        for st in self.stations:
            spec = st.spec
            for k in range(st.n):
                srv = Server(st, k)
                st.servers_list.append(srv)
                if spec.failures is not None:
                    srv.tbf, srv.ttr = self.failure_samplers(st, k)
                    if st.fmode == TIME_FAILURES:
                        srv.next_fail = srv.tbf()
                        self._arm_failure(srv)
                    else:
                        srv.budget = srv.tbf()
                LineProcess(env, self._serve(srv))
            if spec.maintenance is not None:
                LineProcess(env, self._maintenance_plan(st))
        if self.warmup > 0:
            self._call_in(self.warmup, self._end_warmup)
        self._init_totals(scenario.series_step_s)

    # --- counters ---------------------------------------------------------------------------

    def reset_counters(self) -> None:
        self.good = 0
        self.scrap = 0
        self.reworks = 0
        self.lead_sum = 0.0
        self.entered = 0
        self.lost = 0

    def wip_change(self, delta: int) -> None:
        now = self.env._now
        self.wip_area += self.wip * (now - self.wip_last)
        self.wip_last = now
        self.wip += delta

    def _end_warmup(self) -> None:
        """Statistics cover the shift only: forget everything counted during warm-up."""
        now = self.env.now
        self._reset_clocks(now)
        self.reset_counters()
        self.wip_change(0)
        self.wip_area = 0.0
        for buf in [*self.buffers, *([self.input] if self.input else [])]:
            buf._touch()
            buf.area = 0.0
        if self._subscribers:
            self._emit(now, "warmup_end", "line")

    # --- processes --------------------------------------------------------------------------

    def _arrivals(self, src: ArrivalSource, rng: Any) -> Generator[Any, Any, None]:
        sample = src.interarrival.sampler(rng)
        env = self.env
        queue = self.input
        assert queue is not None
        schedule = env.schedule
        hold = Event(env)  # re-armed for each arrival, as a server's hold (see _serve)
        hold._ok = True
        hold._value = None
        while True:
            hold.callbacks = []
            schedule(hold, NORMAL, sample())
            yield hold
            now = env._now
            if queue.try_put(now):
                self.entered += 1
                self.wip_change(1)
            else:
                self.lost += 1
                if self._subscribers:
                    self._emit(now, "arrival_lost", "source")

    def _serve(self, srv: Server) -> Generator[Any, Any, None]:
        env = self.env
        st = srv.station
        up, down = st.up, st.down
        take, give = up.try_get, down.try_put
        sample = st.sample
        quality = st.quality
        scrap_p, rework_p = st.scrap_p, st.rework_p
        setup_every = st.setup_every
        fmode = st.fmode
        timed = fmode == TIME_FAILURES
        set_state = self._set
        timeout = env.timeout
        # a hold is scheduled as env.schedule does it, inline: SimPy's heap entry, one call less
        heap, eid = env._queue, env._eid
        record = self.record
        subs = self._subscribers  # the same list for the whole run (subscribing appends to it)
        states, starts = srv.states, srv.starts
        # One operation's hold is this server's own event, re-armed as ``Timeout.__init__`` arms a new
        # one (empty callbacks, scheduled after ``p`` at NORMAL priority with the next event id), so
        # the event order is SimPy's and every result the same; allocating ~30,000 ``Timeout``
        # objects per shift was ~15 % of its CPU. Safe to re-arm: the process resumes only once its
        # hold was processed, and nothing interrupts it (idle failures detach the wait instead).
        hold = Event(env)
        hold._ok = True
        hold._value = None
        while True:
            if srv.pm_due:
                yield from self._maintain(srv)
            part = take()
            if part is None:
                if timed and srv.next_fail <= env._now:
                    yield from self._fail(srv, STARVED)
                    continue
                # set_state(srv, STARVED) inline (LineBase._set), as WORKING and BLOCKED below: the
                # three hot state changes, ~38,000 a shift (~4 % of its CPU in calls)
                old = srv.state
                if old != STARVED:
                    now = env._now
                    since = srv.since
                    if now > since:
                        srv.acc[old] += now - since
                        if record and (not states or states[-1] != old):
                            states.append(old)
                            starts.append(since)
                    srv.since = now
                    srv.state = STARVED
                    if subs:
                        self._emit(now, "state", st.name, server=srv.index, old=STATE_NAMES[old], new="starved")
                part = yield up.wait_get(srv)
            if setup_every:
                if srv.count % setup_every == 0:
                    set_state(srv, SETUP)
                    d = st.setup_sample()  # type: ignore[misc]
                    if timed:
                        yield from self._timed(srv, d, SETUP)
                    else:
                        yield timeout(d)
                srv.count += 1
            old = srv.state
            if old != WORKING:
                now = env._now
                since = srv.since
                if now > since:
                    srv.acc[old] += now - since
                    if record and (not states or states[-1] != old):
                        states.append(old)
                        starts.append(since)
                srv.since = now
                srv.state = WORKING
                if subs:
                    self._emit(now, "state", st.name, server=srv.index, old=STATE_NAMES[old], new="working")
            while True:
                p = sample()
                if fmode == NO_FAILURES:
                    hold.callbacks = []
                    heappush(heap, (env._now + p, NORMAL, next(eid), hold))
                    yield hold
                elif timed:
                    if env._now + p < srv.next_fail:
                        hold.callbacks = []
                        heappush(heap, (env._now + p, NORMAL, next(eid), hold))
                        yield hold
                    else:
                        yield from self._timed(srv, p, WORKING)
                elif p < srv.budget:
                    srv.budget -= p
                    hold.callbacks = []
                    heappush(heap, (env._now + p, NORMAL, next(eid), hold))
                    yield hold
                else:
                    yield from self._operate(srv, p)
                st.ops += 1
                if quality is None:
                    break
                u = quality()
                if u < scrap_p:
                    part = -1.0
                    break
                if u >= rework_p:
                    break
                st.reworks += 1
                self.reworks += 1
                if subs:
                    self._emit(env._now, "rework", st.name, server=srv.index)
            if part < 0:
                st.scrap += 1
                self.scrap += 1
                self.scrap_total += 1
                self.wip_change(-1)
                if subs:
                    self._emit(env._now, "scrap", st.name, server=srv.index)
                continue
            if not give(part):
                if timed and srv.next_fail <= env._now:
                    yield from self._fail(srv, BLOCKED)
                    if give(part):
                        continue
                old = srv.state
                if old != BLOCKED:
                    now = env._now
                    since = srv.since
                    if now > since:
                        srv.acc[old] += now - since
                        if record and (not states or states[-1] != old):
                            states.append(old)
                            starts.append(since)
                    srv.since = now
                    srv.state = BLOCKED
                    if subs:
                        self._emit(now, "state", st.name, server=srv.index, old=STATE_NAMES[old], new="blocked")
                yield down.wait_put(srv, part)

    def _timed(self, srv: Server, p: float, state: int) -> Generator[Any, Any, None]:
        """A timed activity under a time-dependent failure clock: fail at ``next_fail``, then resume."""
        env = self.env
        while True:
            now = env.now
            if now + p < srv.next_fail:
                yield env.timeout(p)
                return
            if srv.next_fail > now:
                run = srv.next_fail - now
                yield env.timeout(run)
                p -= run
            yield from self._fail(srv, state)

    def _operate(self, srv: Server, p: float) -> Generator[Any, Any, None]:
        """Processing under an operation-dependent clock: failures strike after ``budget`` busy time."""
        timeout = self.env.timeout
        while p >= srv.budget:
            run = srv.budget
            yield timeout(run)
            p -= run
            srv.budget = 0.0
            yield from self._fail(srv, WORKING)
        srv.budget -= p
        yield timeout(p)

    def _fail(self, srv: Server, resume: int) -> Generator[Any, Any, None]:
        """Break down now, wait for the repair, renew the failure clock, resume ``resume``."""
        yield self.env.timeout(self._break_down(srv))
        self._repaired(srv)
        self._set(srv, resume)

    def _break_down(self, srv: Server) -> float:
        """The server fails now (busy or idle): counted, announced; returns the repair time."""
        srv.gen += 1  # any pending idle-failure alarm is now stale
        self._set(srv, DOWN)
        srv.station.failures += 1
        ttr = srv.ttr()
        if self._subscribers:
            self._emit(self.env.now, "failure", srv.station.name, server=srv.index, repair_s=ttr)
        return ttr

    def _repaired(self, srv: Server) -> None:
        self._renew(srv)
        if self._subscribers:
            self._emit(self.env.now, "repair", srv.station.name, server=srv.index)

    def _renew(self, srv: Server) -> None:
        """Draw the next failure (after a repair or planned maintenance: as good as new)."""
        if srv.station.fmode == TIME_FAILURES:
            srv.next_fail = self.env.now + srv.tbf()
            self._arm_failure(srv)
        elif srv.station.fmode == OPERATION_FAILURES:
            srv.budget = srv.tbf()

    def _arm_failure(self, srv: Server) -> None:
        """Wake up at ``next_fail`` in case the server is then idle (starved or blocked)."""
        srv.gen += 1
        gen = srv.gen
        self._call_in(srv.next_fail - self.env.now, lambda: self._idle_failure(srv, gen))

    def _idle_failure(self, srv: Server, gen: int) -> None:
        if gen != srv.gen or srv.state not in (STARVED, BLOCKED):
            return  # stale, or busy: the server process fails itself at next_fail
        if srv.wait_ev is None or srv.wait_ev.triggered:
            return  # resuming this instant: it checks next_fail before waiting again
        srv.wait_on.detach(srv)
        srv.resume_state = srv.state
        self._call_in(self._break_down(srv), lambda: self._idle_repaired(srv))

    def _idle_repaired(self, srv: Server) -> None:
        self._repaired(srv)
        self._resume_idle(srv)

    def _resume_idle(self, srv: Server) -> None:
        if srv.pm_due:
            self._idle_maintenance(srv)
            return
        self._set(srv, srv.resume_state)
        srv.wait_on.reattach(srv)

    # --- planned maintenance ----------------------------------------------------------------

    def _maintenance_plan(self, st: StationRuntime) -> Generator[Any, Any, None]:
        plan = st.spec.maintenance
        assert plan is not None
        first = plan.first_at_s if plan.first_at_s is not None else plan.interval_s
        yield self.env.timeout(first)
        while True:
            for srv in st.servers_list:
                srv.pm_due = True
                if srv.state in (STARVED, BLOCKED) and srv.wait_ev is not None and not srv.wait_ev.triggered:
                    srv.wait_on.detach(srv)
                    srv.resume_state = srv.state
                    self._idle_maintenance(srv)
            yield self.env.timeout(plan.interval_s)

    def _idle_maintenance(self, srv: Server) -> None:
        def done() -> None:
            self._maintained(srv)
            self._resume_idle(srv)

        self._call_in(self._start_maintenance(srv), done)

    def _maintain(self, srv: Server) -> Generator[Any, Any, None]:
        yield self.env.timeout(self._start_maintenance(srv))
        self._maintained(srv)

    def _start_maintenance(self, srv: Server) -> float:
        """Planned maintenance starts now (busy or idle server); returns its duration."""
        srv.pm_due = False
        srv.gen += 1
        self._set(srv, MAINTENANCE)
        d = srv.station.pm_sample()  # type: ignore[misc]
        if self._subscribers:
            self._emit(self.env.now, "maintenance_start", srv.station.name, server=srv.index, duration_s=d)
        return d

    def _maintained(self, srv: Server) -> None:
        self._renew(srv)
        if self._subscribers:
            self._emit(self.env.now, "maintenance_end", srv.station.name, server=srv.index)

    def input_level(self) -> int | None:
        return len(self.input.items) if self.input is not None else None

"""The stations of an order-driven line at run time: settings turned into samplers (with the
kaizen applied), per-station counters for the ISO 22400 KPIs, and each server's state clock."""

from __future__ import annotations

from typing import Any

import simpy

from simulators.line.base import STATE_NAMES, ServerClock
from simulators.line.dispatch import INF, ProductRt, StationQueue
from simulators.line.dmm_checks import DEFAULT_PRODUCT
from simulators.line.scenario import LineScenario, Station
from simulators.streams import stream

MINOR_STOP, REDUCED_SPEED = 6, 7
FLOW_STATES = (*STATE_NAMES, "minor_stop", "reduced_speed")
EPS = 1e-9


def scaled(sampler: Any, factor: float) -> Any:
    return sampler if factor == 1.0 else (lambda: sampler() * factor)


class FlowServer(ServerClock):
    """One server of a station: its state clock and what it last ran."""

    __slots__ = ("proc", "hold", "wait_ev", "family", "startup_left", "fail_budget", "minor_budget", "count", "tbf",
                 "ttr")

    def __init__(self, station: FlowStation, index: int) -> None:
        super().__init__(station, index, len(FLOW_STATES))
        self.proc: simpy.Process | None = None  # for breakdowns to interrupt
        self.hold: simpy.Event | None = None  # its reusable hold (FlowModel._hold)
        self.wait_ev: simpy.Event | None = None  # its reusable starved wait (StationQueue.wait_get)
        self.family: str | None = None
        self.startup_left = 0
        self.fail_budget = INF
        self.minor_budget = INF
        self.count = 0
        self.tbf: Any = None
        self.ttr: Any = None


class FlowStation:
    """A station's settings as samplers (kaizen applied) and its counters."""

    def __init__(self, sc: LineScenario, seed: int, rep: int, spec: Station, index: int, queue: StationQueue) -> None:
        kz = sc.kaizen if sc.kaizen is not None and sc.kaizen.station == spec.name else None
        cut = {kz.loss: 1.0 - kz.reduction} if kz is not None and kz.loss != "none" else {}
        self.spec = spec
        self.index = index
        self.name = spec.name
        self.n = spec.servers
        self.queue = queue
        self.rule = spec.dispatch
        self.servers_list: list[FlowServer] = []
        self.quality = stream(seed, spec.name, "quality", rep).random
        self.startup_rng = stream(seed, spec.name, "startup", rep).random
        self.scrap_p = spec.scrap * cut.get("production_rejects", 1.0)
        self.rework_p = spec.rework * cut.get("production_rejects", 1.0)
        self.startup_units = spec.startup_rejects.units if spec.startup_rejects else 0
        self.startup_p = spec.startup_rejects.probability * cut.get("startup_rejects", 1.0) \
            if spec.startup_rejects else 0.0
        setup_cut = cut.get("setups", 1.0)
        self.ttr_cut = cut.get("breakdowns", 1.0)
        co = spec.changeover
        self.co_samplers: dict[tuple[str, str], Any] = {}
        self.co_means: dict[tuple[str, str], float] = {}
        self.co_default: Any = None
        if co is not None:
            rng = stream(seed, spec.name, "changeover", rep)
            for a, row in co.times.items():
                for b, dist in row.items():
                    self.co_samplers[(a, b)] = scaled(dist.sampler(rng), setup_cut)
                    self.co_means[(a, b)] = dist.mean * setup_cut
            self.co_default = scaled(co.default.sampler(rng), setup_cut)
            self.co_default_mean = co.default.mean * setup_cut
        self.setup_every = spec.setup.every_parts if spec.setup else 0
        self.setup_sample = scaled(spec.setup.time.sampler(stream(seed, spec.name, "setup", rep)), setup_cut) \
            if spec.setup else None
        self.minor_every: Any = None
        if spec.minor_stops is not None and cut.get("minor_stops", 1.0) > 0:
            ms = spec.minor_stops
            self.minor_every = scaled(ms.every.sampler(stream(seed, spec.name, "minor_every", rep)),
                                       1.0 / cut.get("minor_stops", 1.0))
            self.minor_duration = ms.duration.sampler(stream(seed, spec.name, "minor_duration", rep))
        self.slow = spec.reduced_speed if spec.reduced_speed is not None and cut.get("reduced_speed", 1.0) > 0 \
            else None
        if self.slow is not None:
            self.slow_every = scaled(self.slow.every.sampler(stream(seed, spec.name, "slow_every", rep)),
                                      1.0 / cut.get("reduced_speed", 1.0))
            self.slow_duration = self.slow.duration.sampler(stream(seed, spec.name, "slow_duration", rep))
            self.slow_start, self.slow_end = 0.0, 0.0
        self.reset_counters()

    def reset_counters(self) -> None:
        self.ops = 0
        self.scrap = 0
        self.startup_scrap = 0
        self.reworks = 0
        self.failures = 0
        self.changeovers = 0
        self.minor_stops = 0
        self.ideal_all = 0.0
        self.ideal_good = 0.0
        self.ideal_startup = 0.0
        self.ideal_rejects = 0.0

    def changeover_mean(self, old: str | None, new: str) -> float:
        if old is None or old == new or self.spec.changeover is None:
            return 0.0
        return self.co_means.get((old, new), self.co_default_mean)

    def changeover(self, old: str, new: str) -> float:
        return self.co_samplers.get((old, new), self.co_default)()

    def slow_at(self, now: float) -> bool:
        """Whether a unit started now runs at reduced speed (episodes drawn lazily, in clock time)."""
        while now >= self.slow_end:
            self.slow_start = self.slow_end + self.slow_every()
            self.slow_end = self.slow_start + self.slow_duration()
        return self.slow_start <= now


def build_products(sc: LineScenario, seed: int, replication: int) -> dict[str, ProductRt]:
    """Run-time products; without a ``products`` list, one product 'part' on every station."""
    index = {s.name: i for i, s in enumerate(sc.stations)}
    out = {}
    specs = sc.products or [None]
    for prod in specs:
        name = prod.name if prod is not None else DEFAULT_PRODUCT
        route = [index[s] for s in (prod.route if prod and prod.route else index)]
        ideal, samplers = {}, {}
        for i in route:
            st = sc.stations[i]
            dist = prod.process.get(st.name) if prod is not None else None
            dist = dist if dist is not None else st.process_time()
            ideal[i] = dist.mean
            samplers[i] = dist.sampler(stream(seed, f"{st.name}/{name}", "process", replication))
        family = prod.family_name if prod is not None else name
        out[name] = ProductRt(name, family, route, ideal, samplers, prod.due_allowance_s if prod else None)
    return out

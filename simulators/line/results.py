"""Line metrics (ISO 22400-2 KPIs, state fractions), bottleneck detection and time series."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from simulators.line.base import STATE_NAMES
from simulators.line.model import LineModel

LINE_METRICS = frozenset(
    {
        "throughput_per_hour", "good_parts", "scrap", "rework", "started_parts", "lost_arrivals",
        "mean_wip", "mean_lead_time_s", "availability", "performance", "quality", "oee",
    }
)
STATION_METRICS = frozenset(
    {*STATE_NAMES, "availability", "performance", "quality", "oee", "failures", "produced", "scrap", "uptime"}
)
BUFFER_METRICS = frozenset({"mean_level"})


class StateInterval(NamedTuple):
    server: int
    start: float
    end: float
    state: str


class Timeline(NamedTuple):
    """One server's recorded states (change points) and the interval still open at the end."""

    server: int
    starts: list[float]
    states: list[int]
    since: float
    state: int
    end: float

    def rows(self) -> list[tuple[int, float, float, int]]:
        k, starts = self.server, self.starts
        ends = [*starts[1:], self.since] if starts else []
        out = [(k, a, b, s) for a, b, s in zip(starts, ends, self.states)]
        if self.end > self.since:
            out.append((k, self.since, self.end, self.state))
        return out


@dataclass
class LineSeries:
    """Samples every ``step_s`` seconds from t = 0 (warm-up included) to the end."""

    step_s: float
    times: list[float]
    buffer_levels: dict[str, list[int]]
    input_queue: list[int]
    wip: list[int]
    output_rate_per_hour: list[float]


@dataclass
class LineResult:
    kind: str
    seed: int
    replication: int
    metrics: dict[str, float]
    bottleneck_station: str
    bottleneck_method: str
    bottleneck_reason: str
    constraint_station: str
    series: LineSeries
    timelines: dict[str, list[Timeline]] = field(default_factory=dict, repr=False)
    state_names: tuple[str, ...] = STATE_NAMES
    production: Any = field(default=None, repr=False)  # order-driven lines: a mes.ProductionLog

    @functools.cached_property
    def raw_intervals(self) -> dict[str, list[tuple[int, float, float, int]]]:
        """Per station, ``(server, start, end, state index)`` rows, server by server."""
        return {name: [row for tl in rows for row in tl.rows()] for name, rows in self.timelines.items()}

    @functools.cached_property
    def state_intervals(self) -> dict[str, list[StateInterval]]:
        """Per station, every server's states over the whole run, sorted by start time."""
        out = {}
        for name, rows in self.raw_intervals.items():
            items = [StateInterval(k, a, b, self.state_names[s]) for k, a, b, s in rows]
            items.sort(key=lambda r: (r.start, r.server))
            out[name] = items
        return out


BOTTLENECK_METHOD = "arrow method (Kuo, Lim & Meerkov 1996) on blocked/starved fractions"


def find_bottleneck(names: list[str], starved: list[float], blocked: list[float]) -> tuple[str, str]:
    """The primary bottleneck of a serial line and a sentence saying why.

    Between stations i and i+1 the arrow points downstream when BL_i > ST_{i+1}
    (i is held up by what lies after it), else upstream. A station both arrows
    point at is a bottleneck; among several, the largest severity wins.
    """
    m = len(names)
    if m == 1:
        return names[0], f"{names[0]} is the only station"
    down = [blocked[i] > starved[i + 1] for i in range(m - 1)]
    candidates = [j for j in range(m) if (j == 0 or down[j - 1]) and (j == m - 1 or not down[j])]

    def severity(j: int) -> float:
        s = 0.0
        if j < m - 1:
            s += abs(starved[j + 1] - blocked[j])
        if j > 0:
            s += abs(blocked[j - 1] - starved[j])
        return s

    best = max(candidates, key=lambda j: (severity(j), -j))
    parts = []
    if best > 0:
        parts.append(
            f"{names[best - 1]} (upstream) is blocked {blocked[best - 1]:.1%} of the time, "
            f"more than {names[best]} is starved ({starved[best]:.1%})"
        )
    if best < m - 1:
        parts.append(
            f"{names[best + 1]} (downstream) is starved {starved[best + 1]:.1%} of the time, "
            f"more than {names[best]} is blocked ({blocked[best]:.1%})"
        )
    reason = "; ".join(parts)
    if len(candidates) > 1:
        others = ", ".join(names[j] for j in candidates if j != best)
        reason += f"; other candidates with smaller severity: {others}"
    return names[best], reason


def closed_acc(model: Any, end: float) -> list[list[float]]:
    """Per station: time in each state summed over servers, up to ``end`` (model untouched)."""
    out = []
    for st in model.stations:
        acc = [0.0] * len(model.state_names)
        for srv in st.servers_list:
            for i, v in enumerate(srv.acc):
                acc[i] += v
            if end > srv.since:
                acc[srv.state] += end - srv.since
        out.append(acc)
    return out


def series(model: Any) -> LineSeries:
    """The sampled series, closed with a last sample at the end of the run."""
    end = model.end_time
    times = list(model.series_t)
    levels = {buf.name: list(model.series_buffers[i]) for i, buf in enumerate(model.buffers)}
    queue = list(model.series_input)
    wip = list(model.series_wip)
    rate = list(model.series_rate)
    if not times or times[-1] < end:
        last = times[-1] if times else 0.0
        times.append(end)
        for buf in model.buffers:
            levels[buf.name].append(len(buf.items))
        level = model.input_level()
        if level is not None:
            queue.append(level)
        wip.append(model.wip)
        done_since = model.finished_total - model.finished_at_sample
        rate.append(done_since / (end - last) * 3600.0 if end > last else 0.0)
    return LineSeries(model.scenario.series_step_s, times, levels, queue, wip, rate)


def timelines(model: Any) -> dict[str, list[Timeline]]:
    """Every server's recorded states, per station (empty lists when the run was not recorded)."""
    end = model.end_time
    return {st.name: [Timeline(srv.index, list(srv.starts), list(srv.states), srv.since, srv.state, end)
                      for srv in st.servers_list] for st in model.stations}


def line_totals(model: Any, end: float, window: float, availability: float, performance: float) -> dict[str, float]:
    """The buffers' mean levels and the line's own metrics; its OEE takes A and P from the constraint
    and Q = GQ / (GQ + SQ + RQ) over the whole line (ISO 22400's work unit)."""
    out = {}
    for buf in model.buffers:
        area = buf.area + len(buf.items) * (end - buf.last)
        out[f"buffer.{buf.name}.mean_level"] = area / window
    produced = model.good + model.scrap + model.reworks
    quality = model.good / produced if produced else 0.0
    wip_area = model.wip_area + model.wip * (end - model.wip_last)
    out.update({
        "throughput_per_hour": model.good / window * 3600.0,
        "good_parts": float(model.good),
        "scrap": float(model.scrap),
        "rework": float(model.reworks),
        "started_parts": float(model.entered),
        "lost_arrivals": float(model.lost),
        "mean_wip": wip_area / window,
        "mean_lead_time_s": model.lead_sum / model.good if model.good else 0.0,
        "availability": availability,
        "performance": performance,
        "quality": quality,
        "oee": availability * performance * quality,
    })
    return out


def line_result(model: Any, metrics: dict[str, float], bottleneck: tuple[str, str], method: str,
                constraint: str, **extra: Any) -> LineResult:
    """A finished run's result: its metrics, the bottleneck (station, reason) found by ``method``,
    the series and the state timelines."""
    return LineResult(kind="line", seed=model.seed, replication=model.replication, metrics=metrics,
                      bottleneck_station=bottleneck[0], bottleneck_method=method, bottleneck_reason=bottleneck[1],
                      constraint_station=constraint, series=series(model), timelines=timelines(model), **extra)


def collect(model: LineModel) -> LineResult:
    """The result of a finished replication."""
    end = model.end_time
    window = end - model.warmup
    metrics: dict[str, float] = {}
    accs = closed_acc(model, end)
    starved, blocked = [], []
    kpis = []
    for st, acc in zip(model.stations, accs):
        total = st.n * window
        pre = f"station.{st.name}."
        for i, name in enumerate(STATE_NAMES):
            metrics[pre + name] = acc[i] / total
        starved.append(acc[1] / total)
        blocked.append(acc[2] / total)
        pbt = total - acc[4]  # planned busy time: planned maintenance is planned downtime
        apt = acc[0]          # actual production time: processing only
        pq, gq = st.ops, st.ops - st.scrap - st.reworks
        availability = apt / pbt if pbt > 0 else 0.0
        performance = st.pri * pq / apt if apt > 0 else 0.0
        quality = gq / pq if pq else 0.0
        metrics[pre + "availability"] = availability
        metrics[pre + "performance"] = performance
        metrics[pre + "quality"] = quality
        metrics[pre + "oee"] = availability * performance * quality
        metrics[pre + "failures"] = float(st.failures)
        metrics[pre + "produced"] = float(pq)
        metrics[pre + "scrap"] = float(st.scrap)
        metrics[pre + "uptime"] = 1.0 - acc[3] / total
        kpis.append((availability, performance))
    # The constraint: the station with the longest planned run time per server.
    loads = [st.pri / st.n for st in model.stations]
    c = max(range(len(loads)), key=lambda i: (loads[i], -i))
    metrics.update(line_totals(model, end, window, *kpis[c]))
    names = [st.name for st in model.stations]
    return line_result(model, metrics, find_bottleneck(names, starved, blocked), BOTTLENECK_METHOD, names[c])


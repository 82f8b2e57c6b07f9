"""Line metrics (ISO 22400-2 KPIs, state fractions), bottleneck detection and time series."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from simulators.line.model import STATE_NAMES, LineModel

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
    raw_intervals: dict[str, list[tuple[int, float, float, int]]] = field(default_factory=dict, repr=False)
    state_names: tuple[str, ...] = STATE_NAMES
    production: Any = field(default=None, repr=False)  # order-driven lines: a mes.ProductionLog

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


def _closed_acc(model: LineModel, end: float) -> list[list[float]]:
    """Per station: time in each state summed over servers, up to ``end`` (model untouched)."""
    out = []
    for st in model.stations:
        acc = [0.0] * 6
        for srv in st.servers_list:
            for i, v in enumerate(srv.acc):
                acc[i] += v
            if end > srv.since:
                acc[srv.state] += end - srv.since
        out.append(acc)
    return out


def collect(model: LineModel) -> LineResult:
    """The result of a finished replication."""
    sc = model.scenario
    end = model.end_time
    window = end - model.warmup
    metrics: dict[str, float] = {}
    accs = _closed_acc(model, end)
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
    for buf in model.buffers:
        area = buf.area + len(buf.items) * (end - buf.last)
        metrics[f"buffer.{buf.name}.mean_level"] = area / window

    # The line as an ISO 22400 work unit: A and P of the constraint (the station with the
    # longest planned run time per server), Q = GQ / (GQ + SQ + RQ) over the whole line.
    loads = [st.pri / st.n for st in model.stations]
    c = max(range(len(loads)), key=lambda i: (loads[i], -i))
    produced = model.good + model.scrap + model.reworks
    quality = model.good / produced if produced else 0.0
    availability, performance = kpis[c]
    wip_area = model.wip_area + model.wip * (end - model.wip_last)
    metrics.update(
        {
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
        }
    )
    names = [st.name for st in model.stations]
    bottleneck, reason = find_bottleneck(names, starved, blocked)

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
        if model.input is not None:
            queue.append(len(model.input.items))
        wip.append(model.wip)
        done_since = model.finished_total - model.finished_at_sample
        rate.append(done_since / (end - last) * 3600.0 if end > last else 0.0)
    intervals: dict[str, list[tuple[int, float, float, int]]] = {}
    for st in model.stations:
        rows: list[tuple[int, float, float, int]] = []
        for srv in st.servers_list:
            k = srv.index
            rows.extend([(k, a, b, s) for a, b, s in srv.intervals])
            if end > srv.since:
                rows.append((k, srv.since, end, srv.state))
        intervals[st.name] = rows
    series = LineSeries(sc.series_step_s, times, levels, queue, wip, rate)
    return LineResult(
        kind="line",
        seed=model.seed,
        replication=model.replication,
        metrics=metrics,
        bottleneck_station=bottleneck,
        bottleneck_method=BOTTLENECK_METHOD,
        bottleneck_reason=reason,
        constraint_station=names[c],
        series=series,
        raw_intervals=intervals,
    )


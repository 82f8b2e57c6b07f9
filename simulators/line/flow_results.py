"""Metrics of an order-driven line run: the line's usual KPIs, delivery (tardiness, on-time
delivery, flow time), per product, per station with the six big losses, and line balance."""

from __future__ import annotations

import math
from typing import Any

from simulators.line import balancing as bal
from simulators.line.flow_model import FLOW_STATES, FlowModel
from simulators.line.mes import LOSS_NAMES, ProductionLog, oee_breakdown
from simulators.line.results import LineResult, closed_acc, line_result, line_totals

ORDER_METRICS = frozenset({
    "orders_completed", "open_orders", "tardy_orders", "on_time_delivery", "mean_tardiness_s", "max_tardiness_s",
    "total_tardiness_s", "max_lateness_s", "mean_flow_time_s", "makespan_s", "changeovers", "changeover_time_s",
})
"""Line-level metrics an order-driven line adds. A job is an order (or, without an order plan, a
unit whose product has a due allowance). Orders still open at the end but due by then count as
late, with the end as their completion (a lower bound on tardiness). Nothing due: on-time
delivery 1."""
FLOW_STATION_METRICS = frozenset({
    *FLOW_STATES, "availability", "performance", "quality", "oee", "failures", "produced", "scrap", "uptime",
    "changeovers", "minor_stop_count", "startup_scrap", "valuable", *(f"loss_{n}" for n in LOSS_NAMES),
})
PRODUCT_METRICS = frozenset({
    "throughput_per_hour", "good_parts", "mean_wip", "mean_lead_time_s", "on_time_delivery", "mean_tardiness_s",
    "mean_flow_time_s",
})
BALANCE_METRICS = frozenset({
    "balance.takt_s", "balance.cycle_time_s", "balance.stations", "balance.min_stations", "balance.efficiency",
    "balance.delay", "balance.line_efficiency", "balance.smoothness_index", "balance.feasible",
    "balance.bottleneck", "balance.demand_met",
})


def is_flow_metric(scenario: Any, name: str) -> bool:
    """Whether an order-driven ``scenario`` reports ``name`` (beyond the classic line metrics)."""
    if not getattr(scenario, "order_driven", False):
        return False
    if name in ORDER_METRICS or (scenario.balancing is not None and name in BALANCE_METRICS):
        return True
    head, _, rest = name.partition(".")
    element, _, metric = rest.rpartition(".")
    if head == "station":
        return element in {s.name for s in scenario.stations} and metric in FLOW_STATION_METRICS
    if head == "product":
        products = {p.name for p in scenario.products} or {"part"}
        return element in products and metric in PRODUCT_METRICS
    return False


UTILISATION_METHOD = "utilisation: the share of time a station is neither starved nor blocked"


def utilisation_bottleneck(names: list[str], busy: list[float]) -> tuple[str, str]:
    """The busiest station and a sentence saying why. Orders, routes and release control make
    the arrow method (built for saturated serial lines) misleading here, so the most utilised
    station — working, changing over or being repaired — is the bottleneck (Hopp & Spearman)."""
    best = max(range(len(names)), key=lambda i: (busy[i], -i))
    others = sorted((b, n) for n, b in zip(names, busy) if n != names[best])
    reason = f"{names[best]} is busy (neither starved nor blocked) {busy[best]:.1%} of the time"
    if others:
        reason += f", more than any other station (next: {others[-1][1]}, {others[-1][0]:.1%})"
    return names[best], reason


def flow_metric_names(scenario: Any) -> list[str]:
    """Every metric an order-driven ``scenario`` adds to the classic line metrics, for editors' pick lists."""
    if not getattr(scenario, "order_driven", False):
        return []
    names = sorted(ORDER_METRICS)
    if scenario.balancing is not None:
        names += sorted(BALANCE_METRICS)
    for st in scenario.stations:
        names += [f"station.{st.name}.{m}" for m in sorted(FLOW_STATION_METRICS)]
    for product in [p.name for p in scenario.products] or ["part"]:
        names += [f"product.{product}.{m}" for m in sorted(PRODUCT_METRICS)]
    return names


def _delivery(done: list[tuple[str, float, float, float]], open_late: list[tuple[str, float, float, float]],
              prefix: str, metrics: dict[str, float], extended: bool) -> None:
    """Delivery metrics over finished jobs and jobs still open past their due date (always late)."""
    due = [j for j in done if math.isfinite(j[2])]
    lateness = [c - d for _p, _r, d, c in due] + [c - d for _p, _r, d, c in open_late]
    late = [max(0.0, x) for x in lateness]
    on_time = sum(1 for _p, _r, d, c in due if c <= d)
    metrics[prefix + "on_time_delivery"] = on_time / len(lateness) if lateness else 1.0
    metrics[prefix + "mean_tardiness_s"] = sum(late) / len(late) if late else 0.0
    flows = [c - r for _p, r, _d, c in done]
    metrics[prefix + "mean_flow_time_s"] = sum(flows) / len(flows) if flows else 0.0
    if extended:
        metrics["tardy_orders"] = float(len(lateness) - on_time)
        metrics["max_tardiness_s"] = max(late, default=0.0)
        metrics["total_tardiness_s"] = sum(late)
        metrics["max_lateness_s"] = max(lateness, default=0.0)


def _station_metrics(model: FlowModel, end: float, window: float, metrics: dict[str, float]) -> list[Any]:
    kpis = []
    for st, acc in zip(model.stations, closed_acc(model, end)):
        total = st.n * window
        pre = f"station.{st.name}."
        for i, name in enumerate(FLOW_STATES):
            metrics[pre + name] = acc[i] / total
        b = oee_breakdown(dict(zip(FLOW_STATES, acc)), st.ideal_all, st.ideal_good, st.ideal_startup,
                          st.ideal_rejects, st.ops, st.ops - st.scrap - st.reworks)
        metrics[pre + "availability"] = b.availability
        metrics[pre + "performance"] = b.effectiveness
        metrics[pre + "quality"] = b.quality
        metrics[pre + "oee"] = b.oee
        metrics[pre + "failures"] = float(st.failures)
        metrics[pre + "produced"] = float(st.ops)
        metrics[pre + "scrap"] = float(st.scrap)
        metrics[pre + "startup_scrap"] = float(st.startup_scrap)
        metrics[pre + "uptime"] = 1.0 - acc[3] / total
        metrics[pre + "changeovers"] = float(st.changeovers)
        metrics[pre + "minor_stop_count"] = float(st.minor_stops)
        pbt = b.pbt_s or 1.0
        for name, seconds in b.losses.items():
            metrics[pre + "loss_" + name] = seconds / pbt
        metrics[pre + "valuable"] = b.valuable_s / pbt
        kpis.append(b)
    return kpis


def _constraint(model: FlowModel) -> int:
    """The station with the most planned work per server for the product mix (ISO 22400's work unit)."""
    sc = model.scenario
    if sc.orders:
        weights: dict[str, float] = {}
        for o in sc.orders:
            weights[o.product] = weights.get(o.product, 0.0) + o.quantity
    else:
        weights = {p.name: w for p, w in model.mix}
    loads = [0.0] * len(model.stations)
    for name, w in weights.items():
        prod = model.products[name]
        for i, t in prod.ideal.items():
            loads[i] += w * t / model.stations[i].n
    return max(range(len(loads)), key=lambda i: (loads[i], -i))


def _balance(model: FlowModel, metrics: dict[str, float]) -> None:
    spec = model.scenario.balancing
    assert spec is not None
    available = spec.available_s or model.scenario.shift_length_s
    tasks = bal.elements(spec.tasks)
    takt = bal.takt_time(available, spec.demand)
    report = bal.evaluate(tasks, {t.name: t.station for t in spec.tasks}, takt)
    metrics.update({
        "balance.takt_s": takt,
        "balance.cycle_time_s": report.cycle_time_s,
        "balance.stations": float(report.stations),
        "balance.min_stations": float(report.min_stations),
        "balance.efficiency": report.efficiency,
        "balance.delay": report.balance_delay,
        "balance.line_efficiency": report.line_efficiency,
        "balance.smoothness_index": report.smoothness_index,
        "balance.feasible": 1.0 if report.feasible else 0.0,
        "balance.bottleneck": float(report.bottleneck),
        "balance.demand_met": model.good / (spec.demand * model.scenario.shift_length_s / available),
    })


def collect_flow(model: FlowModel) -> LineResult:
    """The result of a finished order-driven replication."""
    sc = model.scenario
    end = model.end_time
    window = end - model.warmup
    metrics: dict[str, float] = {}
    kpis = _station_metrics(model, end, window, metrics)
    c = _constraint(model)
    metrics.update(line_totals(model, end, window, kpis[c].availability, kpis[c].effectiveness))
    dt = end - model.wip_last
    jobs = list(model.jobs)
    open_late = [(o.product.name, o.release, o.due, end) for o in model.orders
                 if o.completed is None and o.due <= end]
    _delivery(jobs, open_late, "", metrics, extended=True)
    metrics["orders_completed"] = float(len(jobs))
    metrics["open_orders"] = float(sum(1 for o in model.orders if o.completed is None))
    done = [o.completed for o in model.orders if o.completed is not None]
    metrics["makespan_s"] = max(done) if done and len(done) == len(model.orders) else end
    metrics["changeovers"] = float(sum(st.changeovers for st in model.stations))
    metrics["changeover_time_s"] = sum(metrics[f"station.{st.name}.setup"] * st.n * window for st in model.stations)
    for name in model.products:
        pre = f"product.{name}."
        good = model.product_good[name]
        metrics[pre + "throughput_per_hour"] = good / window * 3600.0
        metrics[pre + "good_parts"] = float(good)
        metrics[pre + "mean_wip"] = (model.product_area[name] + model.product_wip[name] * dt) / window
        metrics[pre + "mean_lead_time_s"] = model.product_lead[name] / good if good else 0.0
        _delivery([j for j in jobs if j[0] == name], [j for j in open_late if j[0] == name], pre, metrics,
                  extended=False)
    if sc.balancing is not None:
        _balance(model, metrics)
    names = [st.name for st in model.stations]
    busy = [1.0 - metrics[f"station.{n}.starved"] - metrics[f"station.{n}.blocked"] for n in names]
    return line_result(model, metrics, utilisation_bottleneck(names, busy), UTILISATION_METHOD, names[c],
                       state_names=FLOW_STATES,
                       production=ProductionLog(list(model.log)) if model.record else None)


"""Properties of the order-driven line and of line balancing over generated inputs (Hypothesis)."""

from __future__ import annotations

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulators import run
from simulators.line import balancing as bal
from simulators.line.mes import LOSS_NAMES

RULES = ("fifo", "spt", "edd", "cr", "min_setup")


@st.composite
def task_graphs(draw) -> list[bal.WorkElement]:
    n = draw(st.integers(2, 12))
    tasks = []
    for i in range(n):
        preds = draw(st.sets(st.integers(0, i - 1), max_size=min(i, 3))) if i else set()
        tasks.append(bal.WorkElement(f"T{i}", float(draw(st.integers(1, 40))), tuple(f"T{p}" for p in sorted(preds))))
    return tasks


@settings(max_examples=80, deadline=None)
@given(task_graphs(), st.integers(0, 30))
def test_heuristics_give_feasible_balances(tasks: list[bal.WorkElement], slack: int) -> None:
    takt = max(t.time for t in tasks) + slack
    for heuristic in (bal.ranked_positional_weight, bal.largest_candidate):
        assignment = heuristic(tasks, takt)
        report = bal.evaluate(tasks, assignment, takt)
        assert report.feasible, report.problems
        assert report.stations >= report.min_stations
        assert math.isclose(sum(report.station_times), report.work_content_s)
        assert 0 < report.efficiency <= 1 + 1e-9 and report.cycle_time_s <= takt + 1e-9
    order = bal.topological_order(tasks)
    position = {name: i for i, name in enumerate(order)}
    assert all(position[p] < position[t.name] for t in tasks for p in t.after)


@st.composite
def lines(draw) -> dict:
    n = draw(st.integers(1, 4))
    stations = []
    for i in range(n):
        st_ = {"name": f"S{i}", "process": {"dist": "exponential", "mean": draw(st.integers(5, 40))},
               "dispatch": draw(st.sampled_from(RULES))}
        if draw(st.booleans()):
            st_["failures"] = {"tbf": {"dist": "exponential", "mean": draw(st.integers(200, 3000))},
                               "ttr": {"dist": "exponential", "mean": draw(st.integers(10, 300))},
                               "mode": draw(st.sampled_from(["time", "operation"]))}
        if draw(st.booleans()):
            st_["minor_stops"] = {"every": {"dist": "exponential", "mean": 120}, "duration": 15}
        if draw(st.booleans()):
            st_["reduced_speed"] = {"every": 600, "duration": 200, "factor": 0.7}
        if draw(st.booleans()):
            st_["changeover"] = {"default": draw(st.integers(0, 120))}
            st_["startup_rejects"] = {"units": 2, "probability": 0.3}
        st_["scrap"] = draw(st.sampled_from([0.0, 0.05]))
        stations.append(st_)
    names = [s["name"] for s in stations]
    products = [{"name": "A", "family": "a"},
                {"name": "B", "family": "b", "route": draw(st.lists(st.sampled_from(names), min_size=1,
                                                                     unique=True).map(sorted))}]
    data = {"kind": "line", "stations": stations, "buffers": draw(st.lists(st.integers(0, 5), min_size=n - 1,
                                                                            max_size=n - 1)),
            "products": products, "shift_length_s": 2500, "series_step_s": 100,
            "warmup_s": draw(st.sampled_from([0, 300]))}
    release = draw(st.sampled_from(["push", "conwip", "kanban"]))
    if draw(st.booleans()):
        data["orders"] = [{"id": f"O{k}", "product": draw(st.sampled_from(["A", "B"])),
                           "quantity": draw(st.integers(1, 8)), "release_s": draw(st.integers(0, 2000)),
                           "due_s": draw(st.integers(100, 5000))} for k in range(draw(st.integers(1, 8)))]
    else:
        data["source"] = draw(st.sampled_from([{"type": "saturated"},
                                               {"type": "arrivals", "interarrival": {"dist": "exponential",
                                                                                     "mean": 30}}]))
        data["mix"] = {"A": 1, "B": 1}
        data["products"][1]["route"] = names if data["source"]["type"] == "saturated" else \
            data["products"][1]["route"]
        data["products"][1]["due_allowance_s"] = 600
    if release == "conwip":
        data["release"] = {"type": "conwip", "wip_cap": draw(st.integers(1, 6))}
    elif release == "kanban":
        first = draw(st.integers(0, n - 1))
        data["release"] = {"type": "kanban", "loops": [{"first": names[first], "last": names[draw(st.integers(
            first, n - 1))], "cards": draw(st.integers(1, 4))}]}
    return data


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines(), st.integers(0, 1000))
def test_any_line_runs_and_keeps_its_books(data: dict, seed: int) -> None:
    r = run("line", data, seed=seed)
    m = r.metrics
    assert all(math.isfinite(v) for v in m.values())
    for station in data["stations"]:
        pre = f"station.{station['name']}."
        shares = sum(m[pre + s] for s in r.state_names)
        assert math.isclose(shares, 1.0, abs_tol=1e-9)
        parts = sum(m[pre + "loss_" + n] for n in LOSS_NAMES) + m[pre + "valuable"]
        assert math.isclose(parts, 1.0, abs_tol=1e-9)
        assert math.isclose(m[pre + "oee"], m[pre + "availability"] * m[pre + "performance"] * m[pre + "quality"])
    assert 0 <= m["on_time_delivery"] <= 1
    assert m["mean_wip"] >= 0
    if not data["warmup_s"]:  # counters restart at the warm-up; units started before may finish after
        assert m["good_parts"] + m["scrap"] <= m["started_parts"]
    if data.get("release", {}).get("type") == "conwip":
        assert max(r.series.wip) <= data["release"]["wip_cap"]
    if data.get("orders") and not data.get("warmup_s"):
        assert m["orders_completed"] + m["open_orders"] == len(data["orders"])
    assert sum(m[f"product.{p}.good_parts"] for p in ("A", "B")) == m["good_parts"]
    assert run("line", data, seed=seed).metrics == m  # deterministic per seed

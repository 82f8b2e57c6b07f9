"""The order-driven line against scheduling, queueing and OEE theory.

Single-machine sequencing (Smith 1956, Jackson 1955), Little's law per product, CONWIP on a
balanced line (Hopp & Spearman, Factory Physics ch. 7), the ISO 22400 OEE identity and the
line-balancing measures of a textbook example (Heizer & Render, 'Operations Management').
"""

from __future__ import annotations

import itertools
import math

import pytest

from simulators import load_scenario, run, run_replications, scenario_data
from simulators.line import balancing as bal
from simulators.line.mes import LOSS_NAMES

from .conftest import close_to

TIMES = [7.0, 3.0, 11.0, 5.0, 2.0, 9.0]
DUES = [30.0, 12.0, 35.0, 10.0, 40.0, 20.0]


def _single_machine(dispatch: str = "fifo", sequence: list[str] | None = None) -> dict:
    """Six one-unit jobs waiting at t = 0 in front of one machine with fixed times."""
    data = {
        "kind": "line",
        "stations": [{"name": "M", "process": 1.0, "dispatch": dispatch}],
        "products": [{"name": f"P{i}", "process": {"M": t}} for i, t in enumerate(TIMES)],
        "orders": [{"id": f"J{i}", "product": f"P{i}", "due_s": d} for i, d in enumerate(DUES)],
        "shift_length_s": 100.0, "series_step_s": 10.0,
    }
    if sequence is not None:
        data["release"] = {"sequence": sequence}
    return data


def _all_sequences() -> list[dict[str, float]]:
    out = []
    for perm in itertools.permutations(range(len(TIMES))):
        m = run("line", _single_machine(sequence=[f"J{i}" for i in perm]), seed=1).metrics
        out.append(m)
    return out


@pytest.fixture(scope="module")
def every_sequence() -> list[dict[str, float]]:
    return _all_sequences()


def test_fifo_follows_the_release_sequence() -> None:
    m = run("line", _single_machine(sequence=["J4", "J1", "J3", "J0", "J5", "J2"]), seed=1).metrics
    done = [2, 5, 10, 17, 26, 37]  # completion times in that order
    assert m["mean_flow_time_s"] == pytest.approx(sum(done) / 6)
    assert m["makespan_s"] == pytest.approx(sum(TIMES))


def test_spt_minimises_mean_flow_time_on_one_machine(every_sequence) -> None:
    best = min(m["mean_flow_time_s"] for m in every_sequence)
    spt = run("line", _single_machine("spt"), seed=1).metrics
    assert spt["mean_flow_time_s"] == pytest.approx(best)
    ordered = sorted(TIMES)
    assert best == pytest.approx(sum(sum(ordered[:k + 1]) for k in range(6)) / 6)
    for rule in ("fifo", "edd", "cr"):
        assert run("line", _single_machine(rule), seed=1).metrics["mean_flow_time_s"] > best + 1e-9


def test_edd_minimises_maximum_lateness_on_one_machine(every_sequence) -> None:
    best = min(m["max_lateness_s"] for m in every_sequence)
    edd = run("line", _single_machine("edd"), seed=1).metrics
    assert edd["max_lateness_s"] == pytest.approx(best)
    for rule in ("fifo", "spt"):
        assert run("line", _single_machine(rule), seed=1).metrics["max_lateness_s"] > best + 1e-9


def _little(shift: float) -> dict:
    return {
        "kind": "line",
        "source": {"type": "arrivals", "interarrival": {"dist": "exponential", "mean": 60}},
        "stations": [{"name": "Cut", "process": {"dist": "exponential", "mean": 20}, "dispatch": "spt"},
                     {"name": "Weld", "process": {"dist": "exponential", "mean": 30}}],
        "buffers": [1000],
        "products": [{"name": "A", "process": {"Cut": {"dist": "exponential", "mean": 25}}},
                     {"name": "B", "route": ["Weld"], "process": {"Weld": {"dist": "uniform", "low": 20, "high": 60}}}],
        "mix": {"A": 0.6, "B": 0.4},
        "shift_length_s": shift, "warmup_s": 10_000, "series_step_s": 3600,
    }


def test_littles_law_per_product() -> None:
    s = run_replications("line", load_scenario("line", _little(300_000)), 5, 6)
    for product, share in (("A", 0.6), ("B", 0.4)):
        pre = f"product.{product}."
        lw = [r[pre + "throughput_per_hour"] / 3600 * r[pre + "mean_lead_time_s"] for r in s.runs]
        for r, x in zip(s.runs, lw):
            assert r[pre + "mean_wip"] == pytest.approx(x, rel=0.03)
        diff = [r[pre + "mean_wip"] - x for r, x in zip(s.runs, lw)]
        mean = sum(diff) / len(diff)
        sd = math.sqrt(sum((d - mean) ** 2 for d in diff) / (len(diff) - 1))
        assert abs(mean) <= 2.6 * sd / math.sqrt(len(diff)) + 0.01  # t(0.975, 5) = 2.57
        assert close_to(s.metrics[pre + "throughput_per_hour"], 60 * share, rel=0.02)
    total = s.metrics["product.A.mean_wip"].mean + s.metrics["product.B.mean_wip"].mean
    assert total == pytest.approx(s.metrics["mean_wip"].mean, rel=1e-9)


def _conwip(cap: int, dist: str) -> dict:
    t = 10.0
    process = t if dist == "fixed" else {"dist": dist, "mean": t}
    return {
        "kind": "line",
        "stations": [{"name": f"S{i + 1}", "process": process} for i in range(4)],
        "buffers": [100] * 3,
        "release": {"type": "conwip", "wip_cap": cap},
        "shift_length_s": 120_000, "warmup_s": 2_000, "series_step_s": 3600,
    }


@pytest.mark.parametrize("w", [1, 2, 3, 5, 8])
def test_conwip_throughput_between_best_case_and_practical_worst_case(w: int) -> None:
    # balanced line: T0 = 40 s, rb = 0.1 /s, W0 = rb T0 = 4
    t0, rb, w0 = 40.0, 0.1, 4
    best = min(w / t0, rb) * 3600
    pwc = w / (w0 + w - 1) * rb * 3600
    fixed = run("line", _conwip(w, "fixed"), seed=1).metrics
    assert fixed["throughput_per_hour"] == pytest.approx(best, rel=0.005)
    assert fixed["mean_wip"] == pytest.approx(w, rel=1e-6)
    s = run_replications("line", load_scenario("line", _conwip(w, "exponential")), 11, 4)
    th = s.metrics["throughput_per_hour"]
    assert th.mean <= best + 4 * th.half_width
    assert close_to(th, pwc, rel=0.02)  # exponential single servers: the PWC is exact
    if w > 1:
        assert th.mean < best * 0.99
    assert s.metrics["mean_wip"].mean == pytest.approx(w, rel=1e-6)


def _lossy(**kaizen: object) -> dict:
    data = {
        "kind": "line",
        "stations": [
            {"name": "Press", "process": {"dist": "normal", "mean": 20, "sd": 2},
             "failures": {"tbf": {"dist": "exponential", "mean": 3000}, "ttr": {"dist": "exponential", "mean": 300}},
             "minor_stops": {"every": {"dist": "exponential", "mean": 600}, "duration": {"dist": "uniform", "low": 20,
                                                                                        "high": 60}},
             "reduced_speed": {"every": {"dist": "exponential", "mean": 3600}, "duration": 900, "factor": 0.7},
             "startup_rejects": {"units": 3, "probability": 0.3},
             "changeover": {"default": {"dist": "normal", "mean": 120, "sd": 20}},
             "scrap": 0.02, "rework": 0.01},
            {"name": "Pack", "process": 12},
        ],
        "buffers": [4],
        "products": [{"name": "A", "family": "small"}, {"name": "B", "family": "large",
                                                        "process": {"Press": {"dist": "normal", "mean": 26, "sd": 2}}}],
        "mix": {"A": 0.8, "B": 0.2},
        "shift_length_s": 28_800, "warmup_s": 600,
    }
    if kaizen:
        data["kaizen"] = {"station": "Press", **kaizen}
    return data


def test_oee_identity_and_loss_tree() -> None:
    for seed in range(3):
        m = run("line", _lossy(), seed=seed).metrics
        for st in ("Press", "Pack"):
            pre = f"station.{st}."
            a, e, q = m[pre + "availability"], m[pre + "performance"], m[pre + "quality"]
            assert m[pre + "oee"] == pytest.approx(a * e * q, rel=1e-12)
            parts = sum(m[pre + "loss_" + n] for n in LOSS_NAMES) + m[pre + "valuable"]
            assert parts == pytest.approx(1.0, abs=1e-9)  # the losses split the planned busy time
            assert a == pytest.approx(m[pre + "working"] + m[pre + "reduced_speed"] + m[pre + "minor_stop"])
        pre = "station.Press."
        for loss in ("breakdowns", "setups", "minor_stops", "startup_rejects", "production_rejects"):
            assert m[pre + "loss_" + loss] > 0
        assert m[pre + "loss_reduced_speed"] > 0.01  # 30 % slower a fifth of the time
        assert m[pre + "loss_breakdowns"] == pytest.approx(m[pre + "down"])
        assert m[pre + "loss_setups"] == pytest.approx(m[pre + "setup"])
        assert m[pre + "quality"] == pytest.approx(
            (m[pre + "produced"] - m[pre + "scrap"] - m["rework"]) / m[pre + "produced"])


def test_oee_single_product_matches_iso_22400_counts() -> None:
    # one product, fixed PRI: E = PRI * PQ / APT exactly
    data = _lossy()
    data["products"] = [{"name": "A"}]
    data["mix"] = None
    data["stations"][0]["process"] = 20
    m = run("line", data, seed=4).metrics
    pre = "station.Press."
    apt = (m[pre + "working"] + m[pre + "reduced_speed"] + m[pre + "minor_stop"]) * 28_800
    assert m[pre + "performance"] == pytest.approx(20 * m[pre + "produced"] / apt, rel=1e-9)


def test_availability_matches_mtbf_over_mtbf_plus_mttr() -> None:
    data = {"kind": "line", "stations": [{"name": "M", "process": {"dist": "exponential", "mean": 30},
                                          "dispatch": "spt",
                                          "failures": {"tbf": {"dist": "exponential", "mean": 2000},
                                                       "ttr": {"dist": "exponential", "mean": 500}}}],
            "shift_length_s": 400_000, "series_step_s": 3600}
    s = run_replications("line", load_scenario("line", data), 2, 4)
    assert close_to(s.metrics["station.M.uptime"], 2000 / 2500, rel=0.01)


HEIZER = [("A", 10, ()), ("B", 11, ("A",)), ("C", 5, ("B",)), ("D", 4, ("B",)), ("E", 12, ("A",)),
          ("F", 3, ("C", "D")), ("G", 7, ("F",)), ("H", 11, ("E",)), ("I", 3, ("G", "H"))]


def test_line_balancing_textbook_example() -> None:
    # Heizer & Render: 66 min of work, 40 units in 480 min: takt 12 min, at least 6 stations, 91.7 %.
    tasks = [bal.WorkElement(n, t, a) for n, t, a in HEIZER]
    takt = bal.takt_time(480, 40)
    assert takt == 12 and bal.min_stations(tasks, takt) == 6
    assert bal.positional_weights(tasks)["A"] == 66 and bal.positional_weights(tasks)["B"] == 33
    for heuristic in (bal.ranked_positional_weight, bal.largest_candidate):
        report = bal.evaluate(tasks, heuristic(tasks, takt), takt)
        assert report.feasible and report.stations == 6
        assert report.efficiency == pytest.approx(66 / 72) and report.balance_delay == pytest.approx(6 / 72)
        assert report.cycle_time_s <= takt
    textbook = {"A": 1, "B": 2, "E": 3, "C": 4, "D": 4, "F": 4, "H": 5, "G": 6, "I": 6}
    report = bal.evaluate(tasks, textbook, takt)
    assert report.station_times == [10, 11, 12, 12, 11, 10] and report.bottleneck == 3
    assert report.smoothness_index == pytest.approx(math.sqrt(4 + 1 + 0 + 0 + 1 + 4))
    bad = {**textbook, "H": 2, "G": 4}
    problems = bal.assignment_problems(tasks, bad, takt)
    assert "task 'H' (station 2) needs 'E' first, but 'E' is at station 3" in problems
    assert "station 4 has 19 s of work, more than the takt time of 12 s" in problems
    with pytest.raises(bal.BalancingError, match="not assigned"):
        bal.evaluate(tasks, {"A": 1}, takt)
    with pytest.raises(bal.BalancingError, match="cycle"):
        bal.check_graph([bal.WorkElement("X", 1, ("Y",)), bal.WorkElement("Y", 1, ("X",))])
    with pytest.raises(bal.BalancingError, match="longer than the takt"):
        bal.ranked_positional_weight(tasks, 11)


def test_balanced_line_runs_at_its_cycle_time() -> None:
    tasks = [{"name": n, "time": t, "after": list(a), "station": s}
             for (n, t, a), s in zip(HEIZER, [1, 2, 4, 4, 3, 4, 6, 5, 6])]
    data = {"kind": "line", "balancing": {"demand": 40, "available_s": 480 * 60, "tasks": tasks},
            "shift_length_s": 480 * 60, "series_step_s": 600}
    data["balancing"]["tasks"] = [dict(t, time=t["time"] * 60) for t in tasks]
    m = run("line", data, seed=1).metrics
    assert m["balance.takt_s"] == 720 and m["balance.stations"] == 6 and m["balance.feasible"] == 1
    assert m["balance.efficiency"] == pytest.approx(66 / 72)
    # deterministic stations, buffers of 2: the line makes one unit per longest station time after filling
    assert m["good_parts"] == pytest.approx((480 * 60 - 66 * 60) / 720 + 1, abs=1)
    assert m["balance.demand_met"] >= 0.85


def test_order_driven_model_agrees_with_the_serial_model() -> None:
    # The same three-station line (breakdowns, scrap, finite buffers) on both models. They share
    # the breakdown streams but draw process times and quality from their own streams, so the
    # estimates must agree within their confidence intervals, not bit for bit.
    base = scenario_data(load_scenario("line", "basic-three-station-line"))
    flow = load_scenario("line", {**base, "release": {"type": "push", "rule": "edd"}})
    assert flow.order_driven and not load_scenario("line", base).order_driven
    a = run_replications("line", load_scenario("line", base), 3, 12)
    b = run_replications("line", flow, 3, 12)
    for name in ("throughput_per_hour", "mean_wip", "mean_lead_time_s", "station.Mill.working",
                 "station.Saw.blocked", "station.Inspection.starved", "station.Mill.availability"):
        x, y = a.metrics[name], b.metrics[name]
        assert abs(x.mean - y.mean) <= 3 * math.hypot(x.half_width, y.half_width) + 1e-9, name

"""The order-driven line: release control, changeovers, orders, kaizen, MES data, validation messages."""

from __future__ import annotations

import csv
import io
import json

import pytest

from simulators import ScenarioError, apply_overrides, is_metric, load_scenario, make_runner, run, scenario_data
from simulators.line.mes import EVENT_FIELDS, export_events, export_state_log


def _families(sequence: list[str] | None = None, dispatch: str = "fifo") -> dict:
    """Eight orders of three families on a press with a changeover matrix, then a packer."""
    orders = [("O1", "A"), ("O2", "B"), ("O3", "A"), ("O4", "C"), ("O5", "B"), ("O6", "A"), ("O7", "C"), ("O8", "B")]
    data = {
        "kind": "line",
        "stations": [
            {"name": "Press", "process": 30, "dispatch": dispatch,
             "changeover": {"times": {"red": {"blue": 600, "green": 900}, "blue": {"red": 300, "green": 600},
                                      "green": {"red": 900, "blue": 600}}}},
            {"name": "Pack", "process": 20},
        ],
        "buffers": [50],
        "products": [{"name": "A", "family": "red"}, {"name": "B", "family": "blue"},
                     {"name": "C", "family": "green"}],
        "orders": [{"id": o, "product": p, "quantity": 10, "due_s": 14_400} for o, p in orders],
        "shift_length_s": 28_800, "series_step_s": 600,
    }
    if sequence is not None:
        data["release"] = {"sequence": sequence}
    return data


def test_changeovers_follow_the_matrix_and_grouping_cuts_them() -> None:
    plain = run("line", _families(), seed=1).metrics
    # A B A C B A C B: red→blue 600, blue→red 300, red→green 900, green→blue 600, blue→red 300,
    # red→green 900, green→blue 600
    assert plain["changeovers"] == 7
    assert plain["changeover_time_s"] == pytest.approx(4200)
    grouped = run("line", _families("O1,O3,O6,O2,O5,O8,O4,O7"), seed=1).metrics
    assert grouped["changeovers"] == 2 and grouped["changeover_time_s"] == pytest.approx(600 + 600)
    assert grouped["makespan_s"] < plain["makespan_s"] - 2900
    smart = run("line", _families(dispatch="min_setup"), seed=1).metrics
    assert smart["changeovers"] == 2


def test_order_quantities_replace_scrapped_units_and_complete() -> None:
    data = _families()
    data["stations"][1]["scrap"] = 0.1
    m = run("line", data, seed=3).metrics
    assert m["orders_completed"] == 8 and m["open_orders"] == 0
    assert m["good_parts"] == 80 and m["scrap"] > 0
    assert m["started_parts"] == 80 + m["scrap"]


def test_due_dates_tardiness_and_on_time_delivery() -> None:
    data = _families()
    for i, o in enumerate(data["orders"]):
        o["due_s"] = 800 * (i + 1)
    m = run("line", data, seed=1).metrics
    assert 0 < m["on_time_delivery"] < 1 and m["tardy_orders"] >= 1
    assert m["max_tardiness_s"] >= m["mean_tardiness_s"] > 0
    assert m["max_lateness_s"] == pytest.approx(m["max_tardiness_s"])
    short = dict(data, shift_length_s=1700)
    for i, o in enumerate(short["orders"]):
        o["due_s"] = 400 * (i + 1)
    m = run("line", short, seed=1).metrics  # O3 (due 1200) is still open at 1700: late
    assert m["orders_completed"] == 2 and m["open_orders"] == 6
    assert m["on_time_delivery"] == pytest.approx(1 / 4)  # O1 on time; O2 late; O3, O4 open and due
    assert m["max_tardiness_s"] == pytest.approx(1700 - 1200)


def test_conwip_caps_work_in_progress() -> None:
    data = {"kind": "line", "stations": [{"name": f"S{i}", "process": {"dist": "exponential", "mean": 10}}
                                         for i in range(3)],
            "buffers": [20, 20], "release": {"type": "conwip", "wip_cap": 3},
            "shift_length_s": 20_000, "series_step_s": 10}
    r = run("line", data, seed=1)
    assert max(r.series.wip) == 3 and r.metrics["mean_wip"] == pytest.approx(3)
    push = run("line", {**data, "release": {"type": "push"}, "buffers": [20, 20]}, seed=1)
    assert max(push.series.wip) > 3


def test_kanban_loop_limits_the_work_between_two_stations() -> None:
    data = {"kind": "line",
            "stations": [{"name": "Fast", "process": {"dist": "exponential", "mean": 5}},
                         {"name": "Mid", "process": {"dist": "exponential", "mean": 8}},
                         {"name": "Slow", "process": {"dist": "exponential", "mean": 10}}],
            "buffers": [100, 100],
            "release": {"type": "kanban", "loops": [{"first": "Mid", "last": "Slow", "cards": 4}]},
            "shift_length_s": 30_000, "series_step_s": 5}
    r = run("line", data, seed=2)
    named = {**data, "release": {"type": "kanban", "loops": [{"name": "L1", "first": "Mid", "last": "Slow",
                                                              "cards": 4}]}}
    changed = load_scenario("line", apply_overrides("line", named, {"release.loops.L1.cards": 6}))
    assert changed.release.loops[0].cards == 6
    mid, slow = r.series.buffer_levels["B1"], r.series.buffer_levels["B2"]
    assert max(a + b for a, b in zip(mid, slow)) <= 4  # B1, Mid, B2 and Slow share 4 cards
    assert max(slow) >= 2
    assert r.metrics["station.Fast.blocked"] > 0.3  # Fast waits for a free card, holding its unit
    assert r.metrics["mean_wip"] < 5 + 1e-9
    assert r.metrics["throughput_per_hour"] > 300


def test_dispatching_rules_change_tardiness_under_load() -> None:
    base = {"kind": "line", "source": {"type": "arrivals", "interarrival": {"dist": "exponential", "mean": 50}},
            "stations": [{"name": "M", "process": 1}],
            "products": [{"name": "Short", "process": {"M": {"dist": "exponential", "mean": 20}},
                          "due_allowance_s": 300},
                         {"name": "Long", "process": {"M": {"dist": "exponential", "mean": 70}},
                          "due_allowance_s": 1200}],
            "mix": {"Short": 0.6, "Long": 0.4}, "shift_length_s": 200_000, "warmup_s": 5000, "series_step_s": 3600}
    results = {}
    for rule in ("fifo", "spt", "edd", "cr"):
        data = json.loads(json.dumps(base))
        data["stations"][0]["dispatch"] = rule
        results[rule] = run("line", data, seed=4).metrics
    assert results["spt"]["mean_flow_time_s"] < results["fifo"]["mean_flow_time_s"]
    assert results["edd"]["mean_tardiness_s"] < results["fifo"]["mean_tardiness_s"]
    assert results["cr"]["on_time_delivery"] > results["fifo"]["on_time_delivery"]
    throughput = {r: m["throughput_per_hour"] for r, m in results.items()}
    assert max(throughput.values()) - min(throughput.values()) < 3  # the rule reorders, it does not add capacity


def test_kaizen_cuts_the_chosen_loss() -> None:
    from .test_line_dmm_theory import _lossy

    before = run("line", _lossy(), seed=5).metrics
    for loss, metric in (("minor_stops", "loss_minor_stops"), ("setups", "loss_setups"),
                         ("breakdowns", "loss_breakdowns"), ("startup_rejects", "loss_startup_rejects")):
        after = run("line", _lossy(loss=loss, reduction=0.8), seed=5).metrics
        assert after["station.Press." + metric] < 0.6 * before["station.Press." + metric], loss
    none = run("line", _lossy(loss="none"), seed=5).metrics
    assert none["station.Press.oee"] == before["station.Press.oee"]


def test_event_log_genealogy_and_export(tmp_path) -> None:
    result = run("line", _families(), seed=1)
    log = result.production
    kinds = {e[1] for e in log.events}
    assert {"release", "changeover", "start", "end", "complete", "order_done"} <= kinds
    genealogy = log.genealogy()
    assert len(genealogy) == 80
    ops = genealogy["O4/31"]
    assert [o.station for o in ops] == ["Press", "Pack"] and ops[0].end <= ops[1].start
    assert all(o.outcome == "good" for o in ops)
    assert {e[1] for e in log.of_order("O2")} >= {"release", "start", "end", "complete", "order_done"}
    path = tmp_path / "events.csv"
    assert export_events(log.events, path) == len(log.events)
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert tuple(rows[0]) == EVENT_FIELDS and len(rows) == len(log.events)
    buf = io.StringIO()
    export_events(log.events, buf, "jsonl")
    first = json.loads(buf.getvalue().splitlines()[0])
    assert first["event"] == "release" and first["order"] == "O1"
    assert export_state_log(result.state_intervals, tmp_path / "states.csv") > 0
    with pytest.raises(ValueError, match="unknown export format"):
        export_events(log.events, buf, "xml")


def test_runner_steps_snapshots_and_events_are_deterministic() -> None:
    seen: list[str] = []
    runner = make_runner("line", _families(), seed=2)
    runner.subscribe(lambda e: seen.append(e.kind))
    runner.advance(1000)
    snap = runner.snapshot()
    assert snap["stations"]["Press"]["servers"][0] in ("working", "setup")
    assert snap["backlog"] + snap["wip"] + snap["good_parts"] == 80
    runner.advance(runner.end_time)
    assert {"state", "changeover", "part_finished"} <= set(seen)
    assert runner.result().metrics == run("line", _families(), seed=2).metrics
    states = {iv.state for rows in runner.result().state_intervals.values() for iv in rows}
    assert {"working", "setup", "starved"} <= states


def test_metric_names_of_an_order_driven_line() -> None:
    data = _families()
    for name in ("on_time_delivery", "max_lateness_s", "product.A.mean_wip", "station.Press.loss_setups",
                 "station.Pack.minor_stop", "changeover_time_s", "oee"):
        assert is_metric("line", data, name), name
    assert not is_metric("line", data, "product.Z.mean_wip")
    assert not is_metric("line", data, "balance.takt_s")
    assert not is_metric("line", "basic-three-station-line", "on_time_delivery")


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"products": [{"name": "A", "route": ["Pack", "Press"]}]}, "products.0.route.1", "comes before"),
    ({"products": [{"name": "A", "route": ["Oven"]}]}, "products.0.route.0", "unknown station 'Oven'"),
    ({"release": {"sequence": "O1, O9"}}, "release.sequence.1", "unknown order 'O9'"),
    ({"release": {"type": "conwip"}}, "release.wip_cap", "needs a WIP cap"),
    ({"release": {"type": "kanban", "loops": [{"first": "Pack", "last": "Press", "cards": 2}]}},
     "release.loops.0.last", "comes before"),
    ({"kaizen": {"station": "Oven", "loss": "setups"}}, "kaizen.station", "unknown station"),
    ({"orders": [{"id": "X", "product": "Z", "due_s": 10}]}, "orders.0.product", "unknown product 'Z'"),
    ({"mix": {"A": 1}}, "mix", "with an order plan"),
    ({"source": {"type": "arrivals", "interarrival": 60}}, "source", "takes its work from the orders"),
    ({"stations": [{"name": "Press", "process": 30, "maintenance": {"interval_s": 3600, "duration": 60}},
                   {"name": "Pack", "process": 20}]}, "stations.0.maintenance", "not modelled"),
])
def test_bad_settings_name_the_field(change: dict, field: str, message: str) -> None:
    data = {**_families(), **change}
    with pytest.raises(ScenarioError) as err:
        load_scenario("line", data)
    assert err.value.field == field and message in err.value.message


def test_unknown_family_and_rule_and_override_paths() -> None:
    data = _families()
    data["stations"][0]["changeover"]["times"]["purple"] = {"red": 5}
    with pytest.raises(ScenarioError, match="unknown family 'purple'"):
        load_scenario("line", data)
    with pytest.raises(ScenarioError) as err:
        apply_overrides("line", _families(), {"stations.Press.dispatch": "random"})
    assert err.value.field == "stations.Press.dispatch"
    full = scenario_data(load_scenario("line", _families()))  # what a lab applies its controls to
    changed = apply_overrides("line", full, {"release.sequence": "O2,O5,O8", "stations.Press.dispatch": "edd"})
    sc = load_scenario("line", changed)
    assert sc.release.sequence == ["O2", "O5", "O8"] and sc.stations[0].dispatch == "edd"


def test_balancing_section_builds_the_line_and_blames_the_task() -> None:
    data = {"kind": "line", "shift_length_s": 3600, "series_step_s": 60,
            "balancing": {"demand": 60, "tasks": [{"name": "A", "time": 30, "station": 1},
                                                  {"name": "B", "time": 40, "after": ["A"], "station": 2},
                                                  {"name": "C", "time": 20, "after": ["A"], "station": 1}]}}
    sc = load_scenario("line", data)
    assert [s.name for s in sc.stations] == ["WS1", "WS2"] and sc.stations[0].label["zh_CN"] == "工作站 1"
    assert sc.stations[0].process.mean == 50
    with pytest.raises(ScenarioError) as err:
        apply_overrides("line", data, {"balancing.tasks.B.station": 3})
    assert "station 2 has no task" in str(err.value)
    bad = apply_overrides("line", data, {"balancing.tasks.C.station": 1})
    bad["balancing"]["tasks"][0]["station"] = 2
    with pytest.raises(ScenarioError, match="needs 'A' first, but 'A' is at station 2"):
        load_scenario("line", bad)


def test_the_event_log_tells_the_same_losses_as_the_state_accounting() -> None:
    from simulators.line.mes import loss_summary

    sc = load_scenario("line", "dmm-oee-loss-hunt")
    for seed in range(3):
        r = run("line", sc, seed=seed)
        m = r.metrics
        log = loss_summary(r.production.events, "Filler", sc.warmup_s, sc.end_time)
        window = sc.shift_length_s
        pre = "station.Filler."
        assert log["breakdowns"] == m[pre + "failures"]
        assert log["breakdowns_s"] == pytest.approx(m[pre + "down"] * window, abs=1e-6)
        assert log["changeovers"] == m[pre + "changeovers"]
        assert log["minor_stops"] == m[pre + "minor_stop_count"]
        # a changeover or jam that a breakdown interrupted ends later than its logged duration says
        assert log["changeovers_s"] == pytest.approx(m[pre + "setup"] * window, rel=0.02)
        assert log["minor_stops_s"] == pytest.approx(m[pre + "minor_stop"] * window, rel=0.02)
        assert log["startup_rejects"] == m[pre + "startup_scrap"]
        assert log["startup_rejects"] + log["production_rejects"] == m[pre + "scrap"]
        assert log["good"] + log["startup_rejects"] + log["production_rejects"] + log["reworks"] == \
            m[pre + "produced"]
        biggest = max(("breakdowns_s", "changeovers_s", "minor_stops_s"), key=log.get)
        assert biggest == "minor_stops_s"  # the lab's answer, read off the log

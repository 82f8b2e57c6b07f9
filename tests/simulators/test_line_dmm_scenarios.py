"""The five lab-ready digital-manufacturing scenarios: their recorded lab settings discriminate.

Each scenario file starts with comment lines::

    # lab: replications 3; objectives: on_time_delivery >= 0.9, mean_tardiness_s <= 120
    # known-good: {"stations.CNC.dispatch": "edd"}
    # known-bad: {"stations.CNC.dispatch": "fifo"}

A run is graded like a lab: the objectives on the means of ``replications`` replications.
Over 30 grading seeds a known-good setting must pass in at least 95 % of them and a
known-bad one in at most 5 %: the slow test runs the app's own lab robustness check
(``app.courses.robustness``) on the recorded lab, so a course lab built on these settings passes it.
"""

from __future__ import annotations

import json
import operator
import re
from pathlib import Path

import pytest

from simulators import apply_overrides, bundled_scenarios, load_scenario, run, run_replications, scenario_data

NAMES = ["dmm-dispatching-due-dates", "dmm-conwip-lead-time", "dmm-line-balancing", "dmm-oee-loss-hunt",
         "dmm-changeover-sequencing"]
OPS = {">=": operator.ge, "<=": operator.le, ">": operator.gt, "<": operator.lt}


def lab_spec(name: str) -> tuple[int, list[tuple[str, str, float]], list[tuple[str, dict]]]:
    """(replications, objectives, [(good|bad, overrides)]) from the scenario's header comments."""
    path = bundled_scenarios()[name][1]
    reps, objectives, settings = 1, [], []
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if m := re.match(r"# lab: replications (\d+); objectives: (.*)$", line):
            reps = int(m.group(1))
            for part in m.group(2).split(","):
                metric, op, target = part.split()
                objectives.append((metric, op, float(target)))
        elif m := re.match(r"# known-(good|bad): (\{.*\})$", line):
            settings.append((m.group(1), json.loads(m.group(2))))
    return reps, objectives, settings


def _scenario(name: str, overrides: dict) -> object:
    return load_scenario("line", apply_overrides("line", scenario_data(load_scenario("line", name)), overrides))


def passes(metrics: dict[str, float], objectives: list[tuple[str, str, float]]) -> bool:
    return all(OPS[op](metrics[metric], target) for metric, op, target in objectives)


def _graded(scenario: object, seed: int, reps: int) -> dict[str, float]:
    if reps == 1:
        return run("line", scenario, seed=seed).metrics
    return run_replications("line", scenario, seed=seed, replications=reps, parallel=False).means()


@pytest.mark.parametrize("name", NAMES)
def test_scenario_is_bundled_bilingual_and_records_its_lab(name: str) -> None:
    assert bundled_scenarios()[name][0] == "line"
    sc = load_scenario("line", name)
    assert sc.order_driven and sc.title and sc.description
    for st in sc.stations:
        assert st.label and {"en", "zh_CN"} <= set(st.label), st.name
    for product in sc.products:
        assert product.label and {"en", "zh_CN"} <= set(product.label), product.name
    reps, objectives, settings = lab_spec(name)
    assert objectives and {k for k, _ in settings} == {"good", "bad"}
    assert load_scenario("line", scenario_data(sc)) == sc  # a lab applies its controls to this round trip


@pytest.mark.parametrize("name", NAMES)
def test_known_settings_at_the_scenario_seed(name: str) -> None:
    reps, objectives, settings = lab_spec(name)
    for kind, overrides in settings:
        sc = _scenario(name, overrides)
        metrics = _graded(sc, sc.seed, reps)
        assert passes(metrics, objectives) is (kind == "good"), (kind, overrides)


def as_lab(name: str) -> object:
    """The scenario's recorded lab as a real ``lab.yaml`` model: one control per dotted path
    (text for strings, int otherwise), its objectives, replications and examples."""
    from app.courses import models as m

    reps, objectives, settings = lab_spec(name)
    paths = sorted({path for _k, values in settings for path in values})
    ids = {path: f"c{i}" for i, path in enumerate(paths)}
    controls = []
    for path in paths:
        sample = next(v[path] for _k, v in settings if path in v)
        kind = {"type": "program"} if isinstance(sample, str) else {"type": "int", "min": 0, "max": 1000}
        controls.append({"id": ids[path], "path": path, "label": {"en": path, "zh_CN": path}, **kind})
    examples = {"good": [], "bad": []}
    for kind, values in settings:
        examples[kind].append({ids[p]: v for p, v in values.items()})
    return m.Lab.model_validate({
        "simulator": "line", "scenario": name, "task": {"en": name, "zh_CN": name}, "controls": controls,
        "objectives": [{"metric": metric, "op": op, "target": target} for metric, op, target in objectives],
        "grading_replications": reps, "examples": examples,
    })


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_known_settings_are_robust_over_30_seeds(name: str) -> None:
    """The app's own lab robustness check (``zhizao validate --robustness``) on the recorded lab."""
    from app.courses.robustness import check_lab

    lab = as_lab(name)
    result = check_lab(lab, None, 30, workers=1)
    for example in result.examples:
        assert example.error is None and example.fair, (example.kind, example.settings, example.pass_rate)
    assert result.never_binding(lab) == []


def test_zhizao_simulate_runs_the_new_scenarios(capsys) -> None:
    import argparse

    from app.cli import simulate

    parser = argparse.ArgumentParser(prog="zhizao")
    simulate.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["simulate", "dmm-changeover-sequencing", "--replications", "2", "--json", "--set",
                              "release.sequence=MO02,MO05,MO08,MO04,MO09,MO12,MO01,MO06,MO11,MO03,MO07,MO10"])
    assert args.func(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["metrics"]["changeover_time_s"]["mean"] == 1020 and data["metrics"]["orders_completed"]["mean"] == 12
    args = parser.parse_args(["simulate", "dmm-line-balancing", "--replications", "1", "--set",
                              "balancing.tasks.F.station=1"])
    assert args.func(args) == 1
    err = capsys.readouterr().err
    assert "balancing.tasks" in err and "needs" in err and "Traceback" not in err


@pytest.mark.parametrize("name", NAMES)
def test_recorded_lab_binds_to_the_scenario(name: str, tmp_path) -> None:
    """The lab validator finds every control path and objective metric; a bad value is one sentence."""
    from app.courses.labcheck import check_lab_simulation
    from app.courses.reporter import Reporter

    lab = as_lab(name)
    for control in lab.controls:  # give each control a default so the validator tries its path
        example = next(e for e in lab.examples.good + lab.examples.bad if control.id in e)
        control.default = example[control.id]
    rep = Reporter(tmp_path)
    check_lab_simulation(rep, "lab.yaml", lab, tmp_path)
    assert not rep.problems, [p.message for p in rep.problems]


def test_a_trainee_s_bad_assignment_is_one_clear_message() -> None:
    from app.courses.grading import LabConfigError, lab_scenario

    lab = as_lab("dmm-line-balancing")
    task_f = next(c.id for c in lab.controls if c.path == "balancing.tasks.F.station")
    with pytest.raises(LabConfigError) as err:
        lab_scenario(lab, None, {task_f: 1})
    assert "task 'F' (station 1) needs 'C' first, but 'C' is at station 2" in str(err.value)
    lab = as_lab("dmm-changeover-sequencing")
    seq = next(c.id for c in lab.controls if c.path == "release.sequence")
    with pytest.raises(LabConfigError, match="unknown order 'MO99'"):
        lab_scenario(lab, None, {seq: "MO01, MO99"})


@pytest.mark.parametrize("name", NAMES)
def test_pick_lists_offer_the_recorded_paths_and_metrics(name: str) -> None:
    from simulators import is_metric
    from simulators.line.dmm_checks import control_paths
    from simulators.line.flow_results import flow_metric_names

    sc = load_scenario("line", name)
    paths = control_paths(sc)
    _reps, objectives, settings = lab_spec(name)
    assert {p for _k, values in settings for p in values} <= set(paths)
    data = scenario_data(sc)
    for path in paths:  # every offered path can be set on this scenario
        value = {"dispatch": "edd", "loss": "setups", "station": 1, "rule": "edd", "sequence": [],
                 "reduction": 0.5}.get(path.rsplit(".", 1)[1], 3)
        if path.startswith("kaizen.station"):
            value = sc.stations[0].name
        elif path.startswith("balancing."):
            value = next(t.station for t in sc.balancing.tasks if t.name == path.split(".")[2])
        apply_overrides("line", data, {path: value})
    names = flow_metric_names(sc)
    assert {m for m, _op, _t in objectives} <= set(names) | {"oee", "throughput_per_hour", "mean_lead_time_s"}
    assert all(is_metric("line", sc, n) for n in names)

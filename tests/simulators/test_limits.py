"""Runaway work (issue 21): out-of-range values are refused at validation, naming the field;
the runner's event budget stops what validation cannot foresee; replications are capped everywhere."""

from __future__ import annotations

import pickle
import shutil
from pathlib import Path

import pytest

import simulators
from app.courses.validator import validate_path
from app.paths import courses_dir
from simulators import stepping
from simulators.errors import ScenarioError, WorkLimitError
from simulators.loading import scenario_data
from simulators.validation import (
    MAX_EVENTS_PER_RUN,
    MAX_ORDERED_UNITS,
    MAX_ORDERS,
    MAX_REPLICATIONS,
    MAX_SIM_TIME_S,
)
from tests.simulators.test_cli import call  # `zhizao simulate ARGS` in-process


def with_value(kind: str, name: str, path: str, value: object) -> dict:
    return simulators.apply_overrides(kind, scenario_data(simulators.load_scenario(kind, name)), {path: value})


@pytest.mark.parametrize(("kind", "name", "path", "value"), [
    ("line", "basic-three-station-line", "shift_length_s", 1e12),
    ("line", "basic-three-station-line", "shift_length_s", 1e308),
    ("line", "basic-three-station-line", "shift_length_s", float("inf")),
    ("line", "basic-three-station-line", "shift_length_s", float("nan")),
    ("line", "basic-three-station-line", "warmup_s", 1e12),
    ("line", "basic-three-station-line", "series_step_s", 1e-6),
    ("line", "basic-three-station-line", "replications", 100_000_000),
    ("maintenance", "pump-bearing-wear", "horizon_h", 1e12),
    ("maintenance", "pump-bearing-wear", "sample_interval_h", 1e-6),
    ("maintenance", "pump-bearing-wear", "replications", 100_000_000),
    ("robot_cell", "pick-and-place-cell", "replications", 100_000_000),
    ("robot_cell", "pick-and-place-cell", "path_step_s", 1e-9),
    ("robot_cell", "pick-and-place-cell", "robot.max_tcp_speed_mm_s", 1e-6),
    ("robot_cell", "pick-and-place-cell", "robot.j1_accel_deg_s2", 1e-300),
    ("robot_cell", "pick-and-place-cell", "robot.max_reach_mm", 1e300),
    ("vibration", "vibration-fault-gallery", "replications", 100_000_000),
    ("vibration", "vibration-fault-gallery", "samples", 1_048_576),  # × 7 machines
])
def test_out_of_range_values_are_refused_naming_the_field(kind, name, path, value):
    with pytest.raises(ScenarioError) as info:
        with_value(kind, name, path, value)
    assert info.value.field == path


def test_orders_are_limited_in_number_and_in_units():
    data = scenario_data(simulators.load_scenario("line", "dmm-dispatching-due-dates"))
    order = data["orders"][0]
    for orders in ([{**order, "id": f"O{i}", "quantity": 1} for i in range(MAX_ORDERS + 1)],
                   [{**order, "quantity": MAX_ORDERED_UNITS}, *data["orders"][1:]]):
        with pytest.raises(ScenarioError) as info:
            simulators.load_scenario("line", {**data, "orders": orders})
        assert info.value.field == "orders"


def test_every_bundled_scenario_is_within_the_limits():
    for name, (kind, _path) in simulators.bundled_scenarios().items():
        sc = simulators.load_scenario(kind, name)
        assert sc.replications <= MAX_REPLICATIONS
        if kind == "line":
            assert sc.warmup_s + sc.shift_length_s <= MAX_SIM_TIME_S / 10, name


def test_the_largest_allowed_shift_is_accepted():
    data = with_value("line", "basic-three-station-line", "series_step_s", 3600)
    sc = simulators.load_scenario("line", {**data, "shift_length_s": MAX_SIM_TIME_S, "warmup_s": MAX_SIM_TIME_S})
    assert sc.shift_length_s == sc.warmup_s == MAX_SIM_TIME_S


def test_replications_are_capped_even_past_the_scenario():
    with pytest.raises(ScenarioError) as info:
        simulators.run_replications("line", "basic-three-station-line", replications=100_000_000)
    assert info.value.field == "replications" and f"{MAX_REPLICATIONS:,}" in info.value.message


def test_cli_refuses_huge_replications_in_one_line(capsys):
    code, out, err = call(capsys, "basic-three-station-line", "--replications", "100000000")
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and f"at most {MAX_REPLICATIONS}" in err


@pytest.mark.parametrize("value", ["1e308", ".inf", "1e12"])
def test_cli_refuses_a_huge_shift_naming_the_field(capsys, value):
    code, out, err = call(capsys, "basic-three-station-line", "--set", f"shift_length_s={value}")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "shift_length_s" in err and "Traceback" not in err


def billion_laughs() -> str:
    """Nine levels of YAML aliases: ~400 million strings once expanded."""
    lines = ["kind: line", 'a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    lines.append(f"stations: [{','.join(['*a8'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("deep.yaml", "kind: line\nstations: " + "[" * 5_000 + "]" * 5_000 + "\n", "nested too deeply"),
    ("deep.json", '{"kind": "line", "stations": ' + "[" * 100_000 + "]" * 100_000 + "}", "nested too deeply"),
    ("d33.yaml", "kind: line\nstations: " + "[" * 33 + "]" * 33 + "\n", "nested too deeply"),
    ("laughs.yaml", billion_laughs(), "more than 500,000 values"),
    ("huge.yaml", "kind: line\ndescription: " + "x" * 2_000_001 + "\n", "too large"),
])
def test_scenario_files_that_would_exhaust_the_loader_are_refused(capsys, tmp_path, name, text, expected):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    code, out, err = call(capsys, str(path))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert (f"{path}: scenario: " in err or f"{path}:2: scenario: " in err) and expected in err  # :line if known


# --- the runner's event budget ----------------------------------------------------------------------


def sliced_run(slices: int = 20):
    """The busiest bundled line, advanced in slices as the GUI does."""
    runner = simulators.make_runner("line", "unreliable-robot-line")
    for k in range(1, slices + 1):
        runner.advance(runner.end_time * k / slices)
    return runner


def test_the_budget_counts_across_slices_and_does_not_change_results(monkeypatch):
    whole = simulators.make_runner("line", "unreliable-robot-line")
    metrics = whole.run_to_end().metrics
    events = sliced_run().events
    assert 0 < whole.events <= events < MAX_EVENTS_PER_RUN // 10  # the busiest bundled line, far from it
    monkeypatch.setattr(stepping, "MAX_EVENTS_PER_RUN", events)  # exactly enough
    runner = sliced_run()
    assert runner.done and runner.events == events
    assert runner.result().metrics == metrics


def test_a_run_past_the_budget_stops_with_a_clear_error(monkeypatch):
    events = sliced_run().events
    monkeypatch.setattr(stepping, "MAX_EVENTS_PER_RUN", events - 1)
    with pytest.raises(WorkLimitError) as info:
        sliced_run()
    assert f"{events - 1:,} simulation events" in str(info.value)
    runner = simulators.make_runner("line", "unreliable-robot-line")
    runner.event_budget = 1000
    with pytest.raises(WorkLimitError):
        runner.run_to_end()
    assert not runner.done
    runner.reset()  # a reset run has its whole budget again
    assert runner.events == 0


def test_maintenance_runs_have_the_same_budget(monkeypatch):
    monkeypatch.setattr(stepping, "MAX_EVENTS_PER_RUN", 100)
    with pytest.raises(WorkLimitError):
        simulators.run("maintenance", "pump-bearing-wear")


def test_a_robot_path_past_its_budget_stops_before_sampling(monkeypatch, capsys):
    from simulators.robot import model

    slow = {"robot.max_tcp_speed_mm_s": 1, "robot.j1_speed_deg_s": 1, "robot.radial_speed_mm_s": 1,
            "robot.z_speed_mm_s": 1, "path_step_s": 0.001}  # the slowest cell allowed
    data = simulators.apply_overrides("robot_cell", scenario_data(simulators.load_scenario(
        "robot_cell", "pick-and-place-cell")), slow)
    with pytest.raises(WorkLimitError) as info:
        simulators.run("robot_cell", data)
    assert info.value.field == "program" and "500,000 points" in info.value.message
    assert len(simulators.run("robot_cell", "pick-and-place-cell").path) < 1000  # bundled: far below
    monkeypatch.setattr(model, "MAX_PATH_POINTS", 50)
    code, out, err = call(capsys, "pick-and-place-cell", "--replications", "1")
    assert code == 1 and out == "" and err.count("\n") == 1 and "more than 50 points" in err


def test_the_budget_error_survives_a_replication_worker():
    err = WorkLimitError("scenario", "the run stopped", source="x.yaml", line=3)
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is WorkLimitError and back.located() == err.located()


def test_cli_reports_the_budget_in_one_line(capsys, monkeypatch):
    monkeypatch.setattr(stepping, "MAX_EVENTS_PER_RUN", 500)
    code, out, err = call(capsys, "basic-three-station-line", "--replications", "1")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "500 simulation events" in err


# --- course labs ------------------------------------------------------------------------------------


def test_a_lab_with_a_huge_shift_is_refused_at_file_and_line(tmp_path: Path):
    course = tmp_path / "courses" / "fixture-mini"
    shutil.copytree(courses_dir() / "_fixture-mini", course)
    lab = course / "modules" / "line" / "buffer-lab"
    text = simulators.bundled_scenarios()["basic-three-station-line"][1].read_text(encoding="utf-8")
    (lab / "scenario.yaml").write_text(text.replace("shift_length_s: 28800", "shift_length_s: 1e12"),
                                       encoding="utf-8")
    lab_yaml = lab / "lab.yaml"
    lab_yaml.write_text(lab_yaml.read_text(encoding="utf-8").replace(
        "scenario: basic-three-station-line", "scenario_file: scenario.yaml"), encoding="utf-8")
    problems = [p for p in validate_path(course, catalog_dirs=[]) if p.severity == "error"]
    assert len(problems) == 1, [p.message for p in problems]
    line = next(i for i, t in enumerate(text.splitlines(), 1) if t.startswith("shift_length_s"))
    assert "shift_length_s" in problems[0].message and f"scenario.yaml:{line}" in problems[0].message

"""Robot cell: the language, trapezoidal move times, reach and joint limits, the safety fence, the runner."""

from __future__ import annotations

import math

import pytest

from simulators import ProgramError, load_scenario, make_runner, parse_program, run, scenario_data
from simulators.robot.language import Grip, Loop, Move, SetOutput, WaitInput, WaitTime
from simulators.robot.model import trapezoid_position, trapezoid_time


@pytest.fixture(scope="module")
def cell_data() -> dict:
    return scenario_data(load_scenario("robot_cell", "pick-and-place-cell"))


def run_program(cell_data: dict, program: str, **change):
    return run("robot_cell", load_scenario("robot_cell", {**cell_data, **change, "program": program}))


def test_parse_every_statement() -> None:
    program = parse_program(
        "POINT a = (400, 0, 500)   # a comment\n"
        "movej a\n"
        "MOVEL (500, 100, 300) 25%\n"
        "GRIP\nRELEASE\nWAIT DI[3]\nWAIT 0.5\nSET DO[2] OFF\nSET DO[1]\n"
        "LOOP 3\n  MOVEJ a 50\nENDLOOP\n"
    )
    assert program.points == {"a": (400.0, 0.0, 500.0)}
    kinds = [type(s) for s in program.body]
    assert kinds == [Move, Move, Grip, Grip, WaitInput, WaitTime, SetOutput, SetOutput, Loop]
    assert program.body[0] == Move(2, "MOVEJ", "a", 1.0)
    assert program.body[1] == Move(3, "MOVEL", (500.0, 100.0, 300.0), 0.25)
    assert program.body[6] == SetOutput(8, 2, False) and program.body[7] == SetOutput(9, 1, True)
    loop = program.body[8]
    assert isinstance(loop, Loop) and loop.count == 3 and loop.body == (Move(11, "MOVEJ", "a", 0.5),)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("MOVEJ a\nJUMP b", 2, "unknown instruction 'JUMP'"),
        ("POINT a = (1, 2)", 1, "expected coordinates"),
        ("POINT a = (1,2,3)\nPOINT a = (3,2,1)", 2, "already defined on line 1"),
        ("MOVEL (1, 2, 3) 150%", 1, "between 1% and 100%"),
        ("MOVEL (1, 2, 3) fast", 1, "percentage"),
        ("GRIP now", 1, "takes no arguments"),
        ("WAIT", 1, "WAIT DI[n]"),
        ("LOOP 0\nGRIP\nENDLOOP", 1, "LOOP count"),
        ("GRIP\nENDLOOP", 2, "without a matching LOOP"),
        ("GRIP\nLOOP 2\nGRIP\n", 2, "LOOP without ENDLOOP"),
        ("LOOP 2\nENDLOOP", 1, "empty LOOP"),
        ("# nothing\n\n", 2, "no instructions"),
    ],
)
def test_program_errors_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ProgramError) as info:
        parse_program(text)
    assert info.value.line == line
    assert words in info.value.message
    assert str(info.value) == f"line {line}: {info.value.message}"


def test_static_checks_reach_limits_and_wiring(cell_data: dict) -> None:
    cases = {
        "MOVEJ nowhere": "line 1: unknown point 'nowhere'",
        "POINT far = (1500, 0, 300)\nMOVEJ far": "line 2: point 'far' (1500, 0, 300) is out of reach",
        "MOVEJ (100, 0, 300)": "line 1: target (100, 0, 300) is too close to the base axis",
        "MOVEJ (600, 0, 1500)": "outside the lift range",
        "MOVEJ (-600, 50, 300)": "beyond the ±170° joint limit",
        "WAIT DI[9]": "line 1: DI[9] is not wired in this cell",
    }
    for program, words in cases.items():
        with pytest.raises(Exception) as info:
            run_program(cell_data, program)
        assert info.value.field == "program"  # type: ignore[attr-defined]
        assert words in info.value.message  # type: ignore[attr-defined]


def test_trapezoid_closed_form() -> None:
    # long move: accelerate to v, cruise, brake: t = d/v + v/a
    assert math.isclose(trapezoid_time(1000, 500, 2000), 1000 / 500 + 500 / 2000)
    # short move: never reaches v: t = 2 sqrt(d/a)
    assert math.isclose(trapezoid_time(10, 500, 2000), 2 * math.sqrt(10 / 2000))
    assert trapezoid_time(0, 500, 2000) == 0.0
    total = trapezoid_time(1000, 500, 2000)
    assert trapezoid_position(total, 1000, 500, 2000) == 1000
    assert math.isclose(trapezoid_position(total / 2, 1000, 500, 2000), 500)
    assert math.isclose(trapezoid_position(0.25, 1000, 500, 2000), 0.5 * 2000 * 0.25**2)


def test_movel_time_speed_and_t1_cap(cell_data: dict) -> None:
    rob = cell_data["robot"]
    a = rob["max_tcp_accel_mm_s2"]
    program = "POINT s = (600, -300, 300)\nPOINT e = (600, 300, 300)\nMOVEJ s\nMOVEL e {}%\n"
    full = run_program(cell_data, program.format(100), operator_inside=[])
    assert math.isclose(full.cycle_time_s, trapezoid_time(600, rob["max_tcp_speed_mm_s"], a), rel_tol=1e-9)
    half = run_program(cell_data, program.format(50), operator_inside=[])
    assert math.isclose(half.cycle_time_s, trapezoid_time(600, rob["max_tcp_speed_mm_s"] / 2, a), rel_tol=1e-9)
    t1 = run_program(cell_data, program.format(100), operator_inside=[], mode="T1")
    assert math.isclose(t1.cycle_time_s, trapezoid_time(600, 250, a), rel_tol=1e-9)
    assert t1.metrics["max_tcp_speed_mm_s"] <= 250 + 1e-9
    assert math.isclose(full.metrics["path_length_mm"], 600, rel_tol=1e-6)
    # MOVEJ in T1 is capped as well
    j = run_program(cell_data, "MOVEJ (600, -300, 300)\nMOVEJ (600, 300, 300)", operator_inside=[], mode="T1")
    assert j.metrics["max_tcp_speed_mm_s"] <= 250 + 1e-6
    assert j.cycle_time_s > run_program(cell_data, "MOVEJ (600, -300, 300)\nMOVEJ (600, 300, 300)",
                                        operator_inside=[]).cycle_time_s


def test_default_program_and_metrics(cell_data: dict) -> None:
    r = run("robot_cell", "pick-and-place-cell")
    assert r.metrics["violations"] == 0 and r.violations == []
    assert r.metrics["parts_per_cycle"] == 1
    assert math.isclose(r.metrics["parts_per_hour"], 3600 / r.cycle_time_s)
    assert r.path[0][0] == 0.0 and math.isclose(r.path[-1][0], r.cycle_time_s)
    assert all(b[0] >= a[0] for a, b in zip(r.path, r.path[1:]))
    assert any(p[4] for p in r.path) and not r.path[0][4]  # the gripper closes during the cycle
    lines = [s.line for s in r.steps]
    assert lines == sorted(lines)  # no loops: executed in order


def test_safety_zone_violation_without_waiting_for_the_light_curtain(cell_data: dict) -> None:
    program = cell_data["program"].replace("WAIT DI[2]", "# no wait").replace("50%", "100%").replace("20%", "100%")
    bad = run_program(cell_data, program)
    assert bad.metrics["violations"] >= 1
    v = bad.violations[0]
    assert "safety zone" in v.message and str(v) == f"line {v.line}: {v.message}"
    assert "MOVE" in cell_data["program"].splitlines()[v.line - 1] or "place" in cell_data["program"].splitlines()[
        v.line - 1]
    good = run_program(cell_data, program.replace("# no wait", "WAIT DI[2]"))
    assert good.metrics["violations"] == 0
    assert good.cycle_time_s > bad.cycle_time_s


def test_path_violations_near_base_and_behind(cell_data: dict) -> None:
    near = run_program(cell_data, "MOVEJ (600, -400, 300)\nMOVEL (-300, 400, 300)", operator_inside=[])
    assert any("base axis" in v.message and v.line == 2 for v in near.violations)
    behind = run_program(cell_data, "MOVEJ (-700, 300, 300)\nMOVEL (-700, -300, 300)", operator_inside=[])
    assert any("J1" in v.message and v.line == 2 for v in behind.violations)
    around = run_program(cell_data, "MOVEJ (-700, 300, 300)\nMOVEJ (-700, -300, 300)", operator_inside=[])
    assert around.violations == []  # MOVEJ swings the long way round, within the limit
    assert around.cycle_time_s > 1.5


def test_loops_count_parts(cell_data: dict) -> None:
    program = ("POINT a = (600, -300, 200)\nPOINT b = (600, 300, 200)\nLOOP 4\nMOVEJ a\nGRIP\nMOVEJ b\nRELEASE\n"
               "ENDLOOP\n")
    r = run_program(cell_data, program, operator_inside=[])
    assert r.metrics["parts_per_cycle"] == 4
    assert r.metrics["moves"] == 8
    assert math.isclose(r.metrics["parts_per_hour"], 4 * 3600 / r.cycle_time_s)


def test_wait_for_zone_clear_waits_for_the_operator(cell_data: dict) -> None:
    r = run_program(cell_data, "WAIT DI[2]\nWAIT DI[1]", operator_inside=[[0.0, 2.5]])
    assert math.isclose(r.cycle_time_s, 2.5 + 0.5)


def test_runner_replays_the_cycle(cell_data: dict) -> None:
    sc = load_scenario("robot_cell", "pick-and-place-cell")
    runner = make_runner("robot_cell", sc, 1)
    events = []
    runner.subscribe(events.append)
    runner.advance(1.0)
    snap = runner.snapshot()
    assert snap["time"] == 1.0 and snap["line"] is not None
    x, y, z = snap["tcp"]
    assert math.hypot(x, y) <= sc.robot.max_reach_mm
    assert all(e.time <= 1.0 for e in events) and events[0].kind == "step"
    runner.advance(runner.end_time)
    assert runner.done and runner.snapshot()["parts_placed"] == 1
    assert runner.result().metrics == run("robot_cell", sc).metrics
    runner.reset()
    assert runner.now == 0.0

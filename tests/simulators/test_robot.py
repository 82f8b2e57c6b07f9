"""Robot cell: the language, trapezoidal move times, reach and joint limits, the safety fence, the runner."""

from __future__ import annotations

import math
import random

import pytest

from simulators import ProgramError, ScenarioError, load_scenario, make_runner, parse_program, run, scenario_data
from simulators.errors import MESSAGES, Diagnostic
from simulators.robot.language import Grip, Loop, Move, SetOutput, WaitInput, WaitTime, read_program
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
        "MOVEJ nowhere": ("robot.point.unknown", 1, 7, "line 1: unknown point 'nowhere'"),
        "POINT far = (1500, 0, 300)\nMOVEJ far": ("robot.reach.too_far", 2, 7,
                                                 "line 2: far (1500, 0, 300) is out of reach: 1500 mm"),
        "MOVEJ (100, 0, 300)": ("robot.reach.too_close", 1, 7, "line 1: (100, 0, 300) is too close to the base axis"),
        "MOVEJ (600, 0, 1500)": ("robot.reach.lift_range", 1, 7, "outside the lift range z = 0…1200 mm"),
        "MOVEJ (-600, 50, 300)": ("robot.reach.joint_limit", 1, 7, "beyond the ±170° joint limit"),
        "  WAIT DI[9]": ("robot.input.not_wired", 1, 11, "line 1: DI[9] is not wired in this cell"),
    }
    for program, (code, line, column, words) in cases.items():
        with pytest.raises(ScenarioError) as info:
            run_program(cell_data, program)
        assert info.value.field == "program"
        assert words in info.value.message
        (d,) = info.value.diagnostics
        assert (d.code, d.line, d.column) == (code, line, column)
    with pytest.raises(ScenarioError) as info:
        run_program(cell_data, "MOVEJ (600, 0, 1500)")
    assert info.value.diagnostics[0].args == {"where": "(600, 0, 1500)", "z_min": 0, "z_max": 1200}


def test_every_error_of_a_program_at_once(cell_data: dict) -> None:
    """Syntax errors on several lines and what the cell refuses, in one go, each at its column."""
    program = ("POINT pick = (600, -400, 100)\n"
               "MOVEJ pick 100%\n"
               "MOVEL\n"                      # syntax: no target
               "MOVEL pik 30%\n"              # typo: unknown point
               "    WAIT DI[9]\n"             # not wired
               "MOVEJ pick fast\n")           # speed is not a percentage
    with pytest.raises(ScenarioError) as info:
        run_program(cell_data, program)
    found = [(d.code, d.line, d.column) for d in info.value.diagnostics]
    assert found == [("robot.move.expected_point", 3, 1), ("robot.point.unknown", 4, 7),
                     ("robot.input.not_wired", 5, 13), ("robot.speed.not_percent", 6, 12)]
    assert info.value.diagnostics[1].args == {"name": "pik"}
    assert info.value.message.startswith("line 3: expected MOVEL <point> [speed%]; line 4: unknown point 'pik'")


def test_recovery_does_not_invent_follow_on_errors() -> None:
    # A broken POINT does not make its uses "unknown"; a bad LOOP line still pairs with its ENDLOOP;
    # a loop whose only line is wrong is not reported as empty as well.
    _program, errors = read_program("POINT a = (1, 2)\nMOVEJ a\nLOOP x\nGRIP\nENDLOOP\nLOOP 2\nJUMP\nENDLOOP\n")
    assert [(d.code, d.line) for d in errors] == [("robot.coords.expected", 1), ("robot.loop.count_not_whole", 3),
                                                   ("robot.instruction.unknown", 7)]
    assert errors[0].column == 11 and errors[1].column == 6 and errors[1].args == {"text": "x"}


def test_parse_keeps_the_good_lines_of_a_bad_program() -> None:
    program, errors = read_program("MOVEJ (600, 0, 300)\nFOO\nGRIP\nLOOP 2\nRELEASE\n")
    assert [(d.code, d.line) for d in errors] == [("robot.instruction.unknown", 2), ("robot.loop.unclosed", 4)]
    kinds = [type(s) for s in program.body]
    assert kinds == [Move, Grip, Loop]


def test_every_code_has_an_english_text_and_a_column_where_it_points() -> None:
    texts = ["MOVEJ a\nJUMP b", "POINT a = (1, 2)", "POINT a = (1,2,3)\nPOINT a = (3,2,1)", "MOVEL (1, 2, 3) 150%",
             "GRIP now", "WAIT", "WAIT 5000", "SET DO", "LOOP", "LOOP 0\nGRIP\nENDLOOP", "GRIP\nENDLOOP x",
             "POINT movej = (1,2,3)", "POINT", "RELEASE 1", "LOOP 2\nENDLOOP"]
    seen = set()
    for text in texts:
        _program, errors = read_program(text)
        assert errors, text
        for d in errors:
            assert d.code in MESSAGES and d.message == MESSAGES[d.code].format(**d.args)
            assert d.line is not None and d.line >= 1
            seen.add(d.code)
    assert {"robot.point.keyword", "robot.point.syntax", "robot.wait.range", "robot.set.syntax", "robot.loop.syntax",
            "robot.loop.count_range", "robot.instruction.no_arguments", "robot.loop.empty"} <= seen
    assert read_program(42)[1][0].code == "robot.program.not_text"
    assert read_program("GRIP\n" * 2001)[1][0].code == "robot.program.too_long"
    with pytest.raises(KeyError):
        Diagnostic("robot.no.such.code")


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


def test_light_curtain_stops_a_robot_heading_into_the_zone_whatever_the_program(cell_data: dict) -> None:
    """The safety controller protects, not the program (content review findings 3, 4): without the WAIT the
    robot is not let in while the operator is inside — a protective stop that costs the time until the operator
    has left plus the reset — and the program has no violation of its own."""
    program = cell_data["program"].replace("WAIT DI[2]", "# no wait").replace("50%", "100%").replace("20%", "100%")
    zone = load_scenario("robot_cell", cell_data).safety_zone
    bad = run_program(cell_data, program)
    assert bad.metrics["violations"] == 0 and bad.metrics["protective_stops"] == 1
    (stop,) = bad.protective_stops
    assert (stop.device, stop.reason) == ("light_curtain", "heading_in")
    assert 1.0 <= stop.time_s < 3.0  # while the operator is inside (1.0 s to 3.0 s)
    assert "place" in cell_data["program"].splitlines()[stop.line - 1]
    assert not zone.contains(*stop.position)  # stopped before it entered
    reset = cell_data["safety_controller"]["reset_s"]
    assert math.isclose(stop.held_s, 3.0 - stop.time_s + reset)
    assert str(stop).startswith(f"line {stop.line}: protective stop at ")
    # nothing of the path lies in the zone while the operator is inside
    assert not any(zone.contains(x, y, z) and 1.0 <= t < 3.0 for t, x, y, z, _ in bad.path)
    free = run_program(cell_data, program, operator_inside=[])
    assert math.isclose(bad.cycle_time_s, free.cycle_time_s + bad.metrics["stopped_s"], abs_tol=1e-9)
    # lost: from the last path sample before the stop (≤ one path step earlier) to the restart
    assert stop.held_s <= bad.metrics["stopped_s"] <= stop.held_s + cell_data["path_step_s"]
    good = run_program(cell_data, program.replace("# no wait", "WAIT DI[2]"))
    assert good.metrics["protective_stops"] == 0 and good.metrics["violations"] == 0
    assert good.cycle_time_s < bad.cycle_time_s  # waiting before the zone beats being stopped
    quick = run_program(cell_data, program, safety_controller={"device": "scanner", "reset_s": 0})
    assert quick.protective_stops[0].device == "scanner"
    assert quick.metrics["protective_stops"] == 1 and quick.cycle_time_s < bad.cycle_time_s - reset + 0.1


def test_standing_in_the_zone_when_the_operator_comes_is_a_protective_stop(cell_data: dict) -> None:
    inside = "MOVEJ (650, 450, 300)\nWAIT 2\nMOVEJ (600, -400, 300)"
    r = run_program(cell_data, inside, operator_inside=[[1.0, 1.5]], safety_controller={"reset_s": 4.0})
    (stop,) = r.protective_stops
    assert stop.reason == "inside" and stop.line == 2 and math.isclose(stop.time_s, 1.0)
    assert math.isclose(stop.held_s, 0.5 + 4.0)
    wait = next(s for s in r.steps if s.line == 2)
    assert math.isclose(wait.end_s - wait.start_s, 2.0 + 4.5)  # the rest of the wait goes on after the reset
    leaving = run_program(cell_data, inside, operator_inside=[[5.0, 6.0]])
    assert leaving.protective_stops == []  # already out of the zone when the operator comes
    runner = make_runner("robot_cell", load_scenario("robot_cell", {
        **cell_data, "program": inside, "operator_inside": [[1.0, 1.5]], "safety_controller": {"reset_s": 4.0}}), 1)
    events = []
    runner.subscribe(events.append)
    runner.advance(2.0)
    snap = runner.snapshot()
    assert snap["stopped"] and len(snap["protective_stops"]) == 1
    assert [e.data["reason"] for e in events if e.kind == "protective_stop"] == ["inside"]


def test_path_violations_near_base_and_behind(cell_data: dict) -> None:
    near = run_program(cell_data, "MOVEJ (600, -400, 300)\nMOVEL (-300, 400, 300)", operator_inside=[])
    assert any("base axis" in v.message and v.line == 2 for v in near.violations)
    (v,) = near.violations
    # the distance of the line from the base: |600·800 − 400·900| / 1204 mm
    assert v.code == "robot.path.near_base_axis" and v.args == {"distance": 100, "min": 250}
    behind = run_program(cell_data, "MOVEJ (-700, 300, 300)\nMOVEL (-700, -300, 300)", operator_inside=[])
    assert any("J1" in v.message and v.line == 2 for v in behind.violations)
    assert [v.code for v in behind.violations] == ["robot.path.j1_swing"] and behind.violations[0].args == {
        "limit": 170}
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


def test_any_program_text_gives_messages_never_an_exception() -> None:
    rng = random.Random(11)
    lines = ["POINT a = (600, 0, 300)", "MOVEJ a", "MOVEL (600, 0, 300) 50%", "GRIP", "RELEASE x", "WAIT DI[1]",
             "WAIT 5", "SET DO[1] ON", "LOOP 2", "LOOP x", "ENDLOOP", "END", "FOO", "MOVEL", "POINT", "  # note",
             "MOVEJ a 150%", "POINT b = (1,", "WAIT 99999", "\tMOVEJ b", "POINT a = (1, 2, 3)", "SET", ""]
    for _ in range(3000):
        text = "\n".join(rng.choice(lines) for _ in range(rng.randint(0, 14)))
        program, errors = read_program(text)
        rows = text.splitlines()
        for d in errors:
            assert d.code in MESSAGES and d.message
            assert d.line is not None and 1 <= d.line <= max(len(rows), 1), (text, d)
            if d.column is not None:
                assert 1 <= d.column <= len(rows[d.line - 1]) + 1, (text, d)
        if not errors:
            assert program.body

"""The six-axis language's interpreter: targets against hand computation, registers and blocks, waits and I/O,
palletizing, zones, alarms with their lines and times, tool changes, the safety controller, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.errors import MESSAGES, ProgramError
from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.cell import Box, Cell, LightCurtain, SafeZone
from simulators.robot.arm.frames import make_pose
from simulators.robot.arm.lang import InputScript, RunSetup, TaughtPoint, parse_arm_program, run_arm_program
from simulators.robot.arm.orientation import matrix_to_wpr, rot_x, rot_y, rot_z

ARM = Arm(R12_1440)
Q0 = np.radians([0, 0, 0, 0, -90, 0])  # R12-1440: tool pointing down, TCP at (795, 0, 1014) with no tool
TILTED = make_pose((0, 0, 150), rot_y(math.radians(30)))  # a TCP 150 mm out, turned 30° about the flange's y
FIXTURE = make_pose((600, 0, 200), rot_z(math.radians(90)))  # a user frame turned 90° about z


def setup(**kw: object) -> RunSetup:
    base: dict[str, object] = {"arm": ARM, "start_q": Q0, "tools": {"tilted": TILTED, "flange": np.eye(4)},
                               "user_frames": {"fixture": FIXTURE}}
    base.update(kw)
    return RunSetup(**base)  # type: ignore[arg-type]


def tcp_at_end_of(run, line: int, nth: int = 0) -> np.ndarray:
    ends = [t1 for ln, _t0, t1 in run.executed if ln == line]
    return run.trajectory.tcp[run.sample_at(ends[nth])]


def test_offs_moves_along_the_user_frame_and_reltool_along_the_tilted_tool() -> None:
    program = """\
TOOL tilted
UFRAME fixture
POINT p = (0, 100, 50, 180, 30, 0)
MOVEJ p 50%
MOVEL OFFS(p, 0, 0, 100) 200 mm/s
MOVEL RELTOOL(p, 0, 0, 100) 200 mm/s
MOVEL OFFS(p, 10, 0, 0) 200 mm/s
"""
    run = run_arm_program(program, setup())
    assert run.alarms == [] and run.stopped_by is None
    # p in world: fixture origin + Rz(90)·(0, 100, 50) = (600 − 100, 0, 250)
    assert np.allclose(tcp_at_end_of(run, 4), (500, 0, 250), atol=1e-6)
    # OFFS +100 along the fixture's z (= world z)
    assert np.allclose(tcp_at_end_of(run, 5), (500, 0, 350), atol=1e-6)
    # RELTOOL +100 along the tool's z at p: Rz(90)·Ry(30)·Rx(180)·ẑ = Rz(90)·(−sin 30°, 0, −cos 30°)
    assert np.allclose(tcp_at_end_of(run, 6), (500, -50, 250 - 100 * math.cos(math.radians(30))), atol=1e-6)
    # OFFS +10 along the fixture's x, which is world y
    assert np.allclose(tcp_at_end_of(run, 7), (500, 10, 250), atol=1e-6)
    # the orientation at the end is p's: the flange pose times the tilted tool
    q_end = run.trajectory.q[-1]
    rot = (ARM.fk(q_end) @ TILTED)[:3, :3]
    expected = rot_z(math.radians(90)) @ rot_z(0) @ rot_y(math.radians(30)) @ rot_x(math.pi)
    assert np.allclose(rot, expected, atol=1e-9)


def test_a_point_stays_in_the_frame_it_was_defined_in() -> None:
    program = "UFRAME fixture\nPOINT p = (0, 0, 100)\nUFRAME WORLD\nPOINT w = (500, 0, 300)\nMOVEJ p 50%\nMOVEJ w 50%"
    run = run_arm_program(program, setup(tool="flange"))
    assert np.allclose(tcp_at_end_of(run, 5), (600, 0, 300), atol=1e-6)
    assert np.allclose(tcp_at_end_of(run, 6), (500, 0, 300), atol=1e-6)


def test_registers_if_else_while_semantics() -> None:
    program = """\
R[1] = 0
R[2] = 1
WHILE R[1] < 5 DO
  R[1] = R[1] + 1
  R[2] = R[2] * R[1]
ENDWHILE
IF R[2] == 120 AND NOT R[1] <> 5 THEN
  R[3] = (R[2] - 20) / 4 - -1
ELSE
  R[3] = -1
ENDIF
IF R[3] > 100 OR R[3] <= 0 THEN
  R[4] = 1
ELSE
  R[4] = 2
ENDIF
LOOP 3
  LOOP 4
    R[5] = R[5] + 1
  ENDLOOP
ENDLOOP
"""
    run = run_arm_program(program, setup())
    assert run.registers == {1: 5.0, 2: 120.0, 3: 26.0, 4: 2.0, 5: 12.0}
    assert run.stopped_by is None and run.cycle_time == 0.0
    # WHILE's line runs once per test (6 times), its body 5 times
    assert [ln for ln, _, _ in run.executed].count(3) == 6
    assert [ln for ln, _, _ in run.executed].count(4) == 5


def test_a_condition_reads_the_input_at_the_program_time() -> None:
    program = """\
POINT a = (700, 0, 500)
POINT b = (700, 200, 500)
MOVEJ a 100%
IF DI[3] THEN
  R[1] = 1
ELSE
  R[1] = 2
ENDIF
WAIT 2
IF DI[3] THEN
  R[2] = 1
ENDIF
"""
    run = run_arm_program(program, setup(tool="flange", inputs=[(1.5, 3, True)]))
    t_move = run.executed[2][2]
    assert t_move < 1.5  # the move ends before the input comes on …
    assert run.registers == {1: 2.0, 2: 1.0}  # … so the first IF sees it off, the one after the wait on


def test_wait_input_continues_when_the_input_comes_and_logs_io() -> None:
    program = "SET DO[2] ON\nWAIT DI[1]\nSET DO[2] OFF\nWAIT DI[1] OFF TIMEOUT 5\nGRIP"
    run = run_arm_program(program, setup(inputs=[(1.234, 1, True), (3.0, 1, False)]))
    assert run.alarms == []
    assert run.io_log == [(0.0, "DO", 2, True), (1.234, "DI", 1, True), (pytest.approx(1.24), "DO", 2, False),
                          (3.0, "DI", 1, False)]
    times = {ln: (t0, t1) for ln, t0, t1 in run.executed}
    assert times[2] == (0.0, pytest.approx(1.24))  # whole ticks of 10 ms: the wait ends on the tick after 1.234
    assert times[4] == (pytest.approx(1.24), pytest.approx(3.0))
    assert times[5] == (pytest.approx(3.0), pytest.approx(3.25))  # GRIP takes 0.25 s
    assert run.cycle_time == pytest.approx(3.25)


def test_wait_timeout_is_an_alarm_with_its_line_and_time() -> None:
    program = "POINT a = (700, 0, 500)\nMOVEJ a 100%\nWAIT DI[4] TIMEOUT 2.5\nGRIP"
    run = run_arm_program(program, setup(tool="flange", wired=[4]))
    move_end = run.executed[1][2]
    [alarm] = run.alarms
    assert (alarm.code, alarm.line) == ("robot.wait.timeout", 3)
    assert alarm.params == {"channel": 4, "state": "ON", "timeout": 2.5}
    assert alarm.time == pytest.approx(move_end + 2.5)
    assert run.stopped_by == "program" and run.cycle_time == pytest.approx(move_end + 2.5)
    assert 4 not in [ln for ln, _, _ in run.executed]  # GRIP never ran
    assert alarm.message == "DI[4] did not turn ON within 2.5 s"


def test_waiting_for_an_input_that_never_comes_or_is_not_wired() -> None:
    run = run_arm_program("WAIT DI[4]", setup(wired=[4]))
    assert [(a.code, a.line) for a in run.alarms] == [("arm.run.wait_forever", 1)]
    run = run_arm_program("GRIP\nWAIT DI[5]", setup(wired=[4], inputs=[(1.0, 6, True)]))
    [alarm] = run.alarms
    assert (alarm.code, alarm.line, alarm.params) == ("arm.run.input_not_wired", 2,
                                                      {"channel": 5, "wired": "DI[4], DI[6]"})
    assert alarm.time == pytest.approx(0.25)


def test_palletizing_three_by_three_by_two_visits_eighteen_places() -> None:
    program = """\
POINT pal = (600, -150, 300)
R[4] = 0
WHILE R[4] < 2 DO
  R[2] = 0
  WHILE R[2] < 3 DO
    R[3] = 0
    WHILE R[3] < 3 DO
      MOVEL OFFS(pal, R[2]*60, R[3]*60, R[4]*40 + 100) 800 mm/s Z20
      MOVEL OFFS(pal, R[2]*60, R[3]*60, R[4]*40) 300 mm/s
      RELEASE
      MOVEL OFFS(pal, R[2]*60, R[3]*60, R[4]*40 + 100) 800 mm/s Z20
      R[3] = R[3] + 1
    ENDWHILE
    R[2] = R[2] + 1
  ENDWHILE
  R[4] = R[4] + 1
ENDWHILE
"""
    run = run_arm_program(program, setup(tool="flange"))
    assert run.alarms == []
    releases = [run.trajectory.tcp[run.sample_at(t0)] for ln, t0, _ in run.executed if ln == 10]
    expected = [(600 + i * 60, -150 + j * 60, 300 + k * 40) for k in range(2) for i in range(3) for j in range(3)]
    assert np.allclose(releases, expected, atol=1e-6)
    assert len({tuple(np.round(p, 3)) for p in releases}) == 18
    assert run.registers == {4: 2.0, 2: 3.0, 3: 3.0}


def test_a_blended_program_is_faster_than_the_same_with_fine_points() -> None:
    body = """\
POINT a = (700, -200, 400)
POINT b = (700, 200, 400)
POINT c = (900, 200, 400)
POINT d = (900, -200, 400)
MOVEJ a 100%
LOOP 2
  MOVEL b 500 mm/s {z}
  MOVEL c 500 mm/s {z}
  MOVEL d 500 mm/s {z}
  MOVEL a 500 mm/s {z}
ENDLOOP
"""
    fine = run_arm_program(body.format(z="FINE"), setup(tool="flange"))
    blended = run_arm_program(body.format(z="Z20"), setup(tool="flange"))
    assert fine.alarms == [] and blended.alarms == []
    assert blended.cycle_time < fine.cycle_time - 0.1
    assert blended.path_length < fine.path_length  # corners cut
    # the blended path passes within the zone of corner b but not through it
    d = np.min(np.linalg.norm(blended.trajectory.tcp - (700, 200, 400), axis=1))
    assert 0.5 < d < 20.0


def test_movec_passes_through_its_via_point() -> None:
    program = ("POINT s = (800, -100, 400)\nPOINT v = (900, 0, 400)\nPOINT e = (800, 100, 400)\n"
               "MOVEJ s 100%\nMOVEC v e 200 mm/s")
    run = run_arm_program(program, setup(tool="flange"))
    assert run.alarms == []
    assert np.min(np.linalg.norm(run.trajectory.tcp - (900, 0, 400), axis=1)) < 1.0
    assert np.allclose(run.trajectory.tcp[-1], (800, 100, 400), atol=1e-6)


def test_joints_and_conf_targets_give_those_joints() -> None:
    program = """\
JOINTS park = [10, -20, 30, 40, -50, 60]
MOVEJ park 50%
POINT p = (800, 0, 400, 180, 0, 180) CONF "F U T, 0, 0, -1"
MOVEJ p 50%
"""
    run = run_arm_program(program, setup(tool="flange"))
    assert run.alarms == []
    park_end = run.sample_at(run.executed[1][2])
    assert np.allclose(np.degrees(run.trajectory.q[park_end]), (10, -20, 30, 40, -50, 60), atol=1e-9)
    q = run.trajectory.q[-1]
    assert ARM.configuration(q).flip and not ARM.configuration(q).back  # F: J5 negative
    assert math.degrees(q[5]) == pytest.approx(-180.0)  # J6's turn number −1: θ − (−1)·360° in (−180°, 180°]
    assert np.allclose(ARM.fk(q)[:3, 3], (800, 0, 400), atol=1e-6)


def test_an_unreachable_configuration_is_an_alarm_on_its_line() -> None:
    program = 'POINT p = (800, 0, 400, 180, 0, 180) CONF "N U T, 2, 0, 0"\nGRIP\nMOVEJ p 50%'
    run = run_arm_program(program, setup(tool="flange"))
    assert [(a.code, a.line, a.params) for a in run.alarms] == [
        ("arm.run.configuration", 3, {"conf": "N U T, 2, 0, 0"})]
    assert run.stopped_by == "motion" and run.alarms[0].time == pytest.approx(0.25)


def test_taught_points_move_with_their_user_frame() -> None:
    pose = make_pose((0, -300, 50), rot_x(math.radians(210)))  # taught in the fixture frame
    taught = TaughtPoint("p1", np.zeros(6), pose, user="fixture", configuration="")
    moved = make_pose((650, 0, 200), rot_z(math.radians(90)))  # the fixture re-taught 50 mm further in x
    run = run_arm_program("MOVEJ p1 50%\nMOVEL OFFS(p1, 0, 0, 50) 100 mm/s", setup(
        tool="flange", points={"p1": taught}, user_frames={"fixture": moved}))
    assert run.alarms == []
    assert np.allclose(tcp_at_end_of(run, 1), (950, 0, 250), atol=1e-6)  # (650, 0, 200) + Rz(90)·(0, −300, 50)
    assert np.allclose(tcp_at_end_of(run, 2), (950, 0, 300), atol=1e-6)


def test_names_unknown_to_the_parse_are_run_alarms() -> None:
    program = parse_arm_program("GRIP\nMOVEJ p9 50%", points=None)
    run = run_arm_program(program, setup())
    assert [(a.code, a.line, a.params) for a in run.alarms] == [("arm.run.point_unknown", 2, {"name": "p9"})]
    run = run_arm_program(parse_arm_program("GRIP\nTOOL welder"), setup())
    assert [(a.code, a.line, a.params) for a in run.alarms] == [
        ("arm.run.tool_unknown", 2, {"name": "welder", "known": "flange, tilted"})]
    run = run_arm_program(parse_arm_program("UFRAME desk"), setup())
    assert [(a.code, a.line, a.params) for a in run.alarms] == [
        ("arm.run.uframe_unknown", 1, {"name": "desk", "known": "fixture"})]
    with pytest.raises(ProgramError) as info:
        run_arm_program("MOVEJ p9 50%\nTOOL welder", setup())
    assert [d.code for d in info.value.diagnostics] == ["arm.lang.point.unknown", "arm.lang.tool.unknown"]


def test_runtime_arithmetic_alarms() -> None:
    run = run_arm_program("R[1] = 0\nGRIP\nR[2] = 5 / R[1]", setup())
    assert [(a.code, a.line) for a in run.alarms] == [("arm.run.division_by_zero", 3)]
    run = run_arm_program("R[1] = 999999999\nWHILE R[1] > 0\n  R[1] = R[1] * R[1]\nENDWHILE", setup())
    assert [(a.code, a.line) for a in run.alarms] == [("arm.run.number_overflow", 3)]
    assert all(a.code in MESSAGES for a in run.alarms)


def test_an_endless_loop_stops_at_the_instruction_budget() -> None:
    run = run_arm_program("R[1] = 0\nWHILE R[1] < 1\n  R[2] = R[2] + 1\nENDWHILE", setup(max_instructions=1000))
    [alarm] = run.alarms
    assert (alarm.code, alarm.params) == ("arm.run.too_many_steps", {"max": 1000})
    assert run.stopped_by == "budget" and run.instructions == 1001
    # nested LOOPs whose bodies are empty of time still count every pass
    nested = "\n".join(["LOOP 1000"] * 4 + ["R[1] = 1"] + ["ENDLOOP"] * 4)
    assert run_arm_program(nested, setup(max_instructions=5000)).stopped_by == "budget"


def test_a_singularity_alarm_carries_its_line_and_stops_the_program() -> None:
    # a straight line between two poses on either side of J5 = 0: the planner stops it (a MOVEJ would pass)
    qb = np.radians([10, 20, 10, 0, -12, 0])
    x, y, z = ARM.fk(qb)[:3, 3]
    w, p, r = np.degrees(matrix_to_wpr(ARM.fk(qb)[:3, :3]))
    program = (f"JOINTS a = [10, 20, 10, 0, 12, 0]\nPOINT b = ({x}, {y}, {z}, {w}, {p}, {r})\nMOVEJ a 100%\n"
               "MOVEL b 100 mm/s\nGRIP")
    run = run_arm_program(program, setup(tool="flange"))
    assert run_arm_program(program.replace("MOVEL b 100 mm/s", "MOVEJ b 50%"), setup(tool="flange")).alarms == []
    [alarm] = run.alarms
    assert (alarm.code, alarm.line) == ("motion.singularity", 4)
    assert run.stopped_by == "motion"
    assert 5 not in [ln for ln, _, _ in run.executed]
    assert alarm.time == pytest.approx(run.cycle_time, abs=0.011)


def test_tool_change_starts_the_next_moves_with_the_new_tcp() -> None:
    program = "TOOL flange\nPOINT p = (800, 0, 400)\nMOVEJ p 50%\nTOOL tilted\nMOVEJ p 50%\nGRIP"
    run = run_arm_program(program, setup())
    assert run.alarms == [] and run.tool == "tilted"
    assert np.allclose(tcp_at_end_of(run, 3), (800, 0, 400), atol=1e-6)
    assert np.allclose(tcp_at_end_of(run, 5), (800, 0, 400), atol=1e-6)
    t = run.trajectory.t
    assert np.allclose(np.diff(t), 0.01)  # one time grid across the change
    i = run.sample_at(run.executed[3][1])  # each side of the change shows its own tool's TCP
    q, tcp = run.trajectory.q, run.trajectory.tcp
    assert np.allclose(tcp[:i + 1], (ARM.fk(q[:i + 1]) @ np.eye(4))[:, :3, 3], atol=1e-9)
    assert np.allclose(tcp[i + 1:], (ARM.fk(q[i + 1:]) @ TILTED)[:, :3, 3], atol=1e-9)
    assert np.linalg.norm(np.diff(q, axis=0), axis=1).max() < 0.05  # the joints move on without a jump


def test_t1_caps_every_link_point_at_250_mm_s() -> None:
    program = "POINT a = (700, -300, 400)\nPOINT b = (700, 300, 600)\nMOVEJ a 100%\nMOVEJ b 100%\nMOVEL a 2000 mm/s"
    t2 = run_arm_program(program, setup(tool="tilted"))
    t1 = run_arm_program(program, setup(tool="tilted", mode="T1"))
    assert t2.max_link_speed > 400
    assert t1.max_link_speed <= 250 * 1.001
    assert t1.cycle_time > t2.cycle_time


def test_override_slows_the_program() -> None:
    program = "POINT a = (700, -300, 400)\nMOVEL a 400 mm/s"
    full = run_arm_program(program, setup(tool="flange"))
    half = run_arm_program(program, setup(tool="flange", override=0.5))
    assert half.cycle_time > 1.5 * full.cycle_time


def _cell(zones: list[SafeZone] = (), curtains: list[LightCurtain] = ()) -> Cell:
    return Cell("r12-1440", np.eye(4), [], list(zones), list(curtains))


def test_a_keep_out_zone_stops_the_program_where_the_arm_enters_it() -> None:
    zone = SafeZone("fixture", Box("fixture box", make_pose((800, 0, 300)), (100, 100, 100), "fixture"), "keep_out")
    program = "POINT a = (800, -300, 300)\nPOINT b = (800, 300, 300)\nMOVEJ a 100%\nMOVEL b 200 mm/s\nGRIP"
    run = run_arm_program(program, setup(tool="flange", cell=_cell([zone])))
    codes = {(a.code, a.line) for a in run.alarms}
    assert ("safety.zone_violation", 4) in codes
    assert run.stopped_by == "safety"
    y = run.trajectory.tcp[-1][1]
    assert -150 < y < 0  # stopped on the way in, not at b
    assert 5 not in [ln for ln, _, _ in run.executed]
    free = run_arm_program(program, setup(tool="flange", cell=_cell()))
    assert free.alarms == [] and free.cycle_time > run.cycle_time


def test_a_light_curtain_stops_the_arm_only_while_it_is_interrupted() -> None:
    guarded = Box("shared area", make_pose((800, 300, 300)), (300, 200, 600), "fence")
    curtain = LightCurtain("operator side", guarded, input=7)
    program = "POINT a = (800, -300, 300)\nPOINT b = (800, 300, 300)\nMOVEJ a 100%\nWAIT 1\nMOVEL b 200 mm/s"
    cell = _cell(curtains=[curtain])
    clear = run_arm_program(program, setup(tool="flange", cell=cell, inputs=[(0.5, 7, True), (0.9, 7, False)]))
    assert clear.alarms == []
    stopped = run_arm_program(program, setup(tool="flange", cell=cell, inputs=[(0.5, 7, True)]))
    assert [a.code for a in stopped.alarms] == ["safety.light_curtain"]
    assert stopped.stopped_by == "safety" and stopped.alarms[0].line == 5


def test_determinism_bit_for_bit() -> None:
    program = "POINT a = (700, -200, 400)\nPOINT b = (800, 200, 500)\nLOOP 3\n  MOVEJ a 80% Z30\n" \
              "  MOVEL b 600 mm/s Z10\n  SET DO[1] ON\nENDLOOP"
    one = run_arm_program(program, setup(tool="tilted"))
    two = run_arm_program(program, setup(tool="tilted"))
    assert np.array_equal(one.trajectory.q, two.trajectory.q)
    assert np.array_equal(one.trajectory.tcp, two.trajectory.tcp)
    assert one.executed == two.executed and one.io_log == two.io_log and one.alarms == two.alarms


def test_stepping_information() -> None:
    program = "POINT a = (700, -200, 400)\nR[1] = 1\nMOVEJ a 50%\nGRIP\nMOVEL OFFS(a, 0, 0, 50) 100 mm/s"
    run = run_arm_program(program, setup(tool="flange"))
    assert run.motion_lines == {3, 5}
    starts = [t0 for _, t0, _ in run.executed]
    assert starts == sorted(starts)
    # stepping back over line 5 shows the pose before it: the end of line 3's move
    line5 = next(e for e in run.executed if e[0] == 5)
    assert np.allclose(run.trajectory.tcp[run.sample_at(line5[1])], (700, -200, 400), atol=1e-6)
    assert run.sample_at(1e9) == len(run.trajectory.t) - 1 and run.sample_at(-1.0) == 0


def test_random_programs_run_to_an_end_or_an_alarm_never_an_exception() -> None:
    """Random statements over points that may be out of reach, joint targets near limits, waits on inputs and
    registers: every run ends with coded alarms (or none), times in order, and the same result twice."""
    rng = np.random.default_rng(5)
    templates = [
        lambda: f"MOVEJ p{rng.integers(3)} {rng.integers(1, 101)}% {rng.choice(['FINE', 'Z10', 'Z80'])}",
        lambda: f"MOVEL p{rng.integers(3)} {rng.integers(50, 2000)} mm/s {rng.choice(['FINE', 'Z5', 'Z50'])}",
        lambda: f"MOVEL OFFS(p{rng.integers(3)}, {rng.integers(-300, 300)}, 0, R[1]) 400 mm/s Z10",
        lambda: f"MOVEL RELTOOL(p{rng.integers(3)}, 0, 0, {rng.integers(-100, 100)}, 0, 20, 0) 300 mm/s",
        lambda: "MOVEC p0 p1 200 mm/s",
        lambda: "MOVEJ j 60%",
        lambda: f"R[1] = R[1] + {rng.integers(-50, 50)}",
        lambda: f"WAIT DI[1] TIMEOUT {rng.integers(0, 3)}",
        lambda: f"SET DO[{rng.integers(1, 4)}] {rng.choice(['ON', 'OFF'])}",
        lambda: rng.choice(["GRIP", "RELEASE", "WAIT 0.2", "TOOL tilted", "TOOL flange", "UFRAME fixture",
                            "UFRAME WORLD"]),
    ]
    for _ in range(12):
        pts = [f"POINT p{k} = ({rng.integers(-200, 1600)}, {rng.integers(-900, 900)}, {rng.integers(-200, 1500)}, "
               f"180, {rng.integers(-40, 40)}, {rng.integers(-180, 180)})" for k in range(3)]
        lines = pts + [f"JOINTS j = [{rng.integers(-170, 170)}, 10, 20, 0, {rng.integers(-150, 150)}, 0]"]
        lines += [templates[rng.integers(len(templates))]() for _ in range(int(rng.integers(1, 25)))]
        text = "\n".join(lines)
        kw = {"inputs": [(float(rng.uniform(0, 5)), 1, True)], "wired": [1]}
        one = run_arm_program(text, setup(**kw))
        two = run_arm_program(text, setup(**kw))
        assert one.executed == two.executed and np.array_equal(one.trajectory.q, two.trajectory.q), text
        assert (one.stopped_by is None) == (not one.alarms), text
        assert all(isinstance(a.code, str) and a.line >= 1 for a in one.alarms), text
        assert np.all(np.diff(one.trajectory.t) > 0) and one.cycle_time == pytest.approx(one.trajectory.t[-1])


def test_an_input_script_may_be_given_instead_of_a_list() -> None:
    script = InputScript([(2.0, 1, False), (0.5, 1, True)], initial={1: False})
    assert [script.value_at(1, t) for t in (0.0, 0.5, 1.9, 2.0)] == [False, True, True, False]
    assert script.next_time(1, False, 1.0) == 2.0 and script.next_time(1, True, 2.5) is None
    run = run_arm_program("WAIT DI[1]\nWAIT DI[1] OFF", setup(inputs=script, wired=[1]))
    assert [(ln, t0, t1) for ln, t0, t1 in run.executed] == [(1, 0.0, pytest.approx(0.5)),
                                                             (2, pytest.approx(0.5), pytest.approx(2.0))]


def test_a_start_pose_already_in_a_keep_out_zone_stops_at_once_on_the_first_move() -> None:
    tcp0 = ARM.fk(Q0)[:3, 3]
    zone = SafeZone("around the start", Box("start box", make_pose(tcp0), (200, 200, 200), "fixture"), "keep_out")
    run = run_arm_program("R[1] = 1\nPOINT a = (700, 0, 500)\nMOVEJ a 50%", setup(tool="flange", cell=_cell([zone])))
    assert {(a.code, a.line, a.time) for a in run.alarms} == {("safety.zone_violation", 3, 0.0)}
    assert "J6 link" in {a.params["link"] for a in run.alarms}  # each link inside is named (no tool: the J6 link)
    assert len(run.trajectory.t) == 1 and run.stopped_by == "safety"


def test_palletizing_in_the_bundled_training_cell_with_its_gripper_and_pallet_frame() -> None:
    from simulators.robot.arm.cell import load_cell

    cell = load_cell("training-cell")
    program = """\
TOOL gripper
UFRAME pallet
POINT above = (100, 100, 400)
JOINTS park = [90, 0, 0, 0, -90, 0]
MOVEJ park 50%
LOOP 2
  MOVEJ OFFS(above, 0, 0, 100) 80% Z50
  MOVEL above 500 mm/s
  RELEASE
  MOVEL OFFS(above, 0, 0, 100) 800 mm/s Z20
  MOVEJ park 100%
ENDLOOP
"""
    kw = {"arm": ARM, "cell": cell, "tools": {n: g.tcp for n, g in cell.tools.items()},
          "user_frames": dict(cell.frames), "start_q": Q0}
    run = run_arm_program(program, RunSetup(**kw))
    assert run.alarms == [] and run.stopped_by is None
    place = cell.frames["pallet"] @ make_pose((100, 100, 400))
    releases = [run.trajectory.tcp[run.sample_at(t0)] for ln, t0, _ in run.executed if ln == 9]
    assert np.allclose(releases, [place[:3, 3]] * 2, atol=1e-6)
    # a place 20 mm below the pallet's top: the gripper's collision is a protective stop on the way down
    low = run_arm_program(program.replace("(100, 100, 400)", "(400, 300, -20)"), RunSetup(**kw))
    assert [(a.code, a.line, a.params["link"], a.params["solid"]) for a in low.alarms] == [
        ("cell.collision", 8, "tool", "pallet")]
    assert low.stopped_by == "safety" and 9 not in [ln for ln, _, _ in low.executed]


def test_a_joints_target_of_a_linear_move_is_its_tcp_with_the_tool_of_the_move() -> None:
    program = ("JOINTS j = [10, 20, 10, 0, -60, 0]\nTOOL tilted\nMOVEJ j 50%\n"
               "MOVEL OFFS((900, 0, 600), 0, 0, 0) 300 mm/s\nMOVEL j 300 mm/s")
    run = run_arm_program(program, setup(tool="flange"))
    assert run.alarms == []
    q = np.radians([10, 20, 10, 0, -60, 0])
    assert np.allclose(run.trajectory.q[-1], q, atol=1e-9)
    assert np.allclose(run.trajectory.tcp[-1], (ARM.fk(q) @ TILTED)[:3, 3], atol=1e-6)


def test_program_time_is_capped_without_building_the_samples_first() -> None:
    run = run_arm_program("LOOP 1000\n  WAIT 3600\nENDLOOP", setup())  # 1,000 hours asked for
    [alarm] = run.alarms
    assert (alarm.code, alarm.line, alarm.params) == ("arm.run.too_long", 2, {"max": 1800})
    assert run.stopped_by == "budget" and run.cycle_time == pytest.approx(1800.0)
    # a move that could not end in time is refused before it is planned
    program = "POINT p = (800, -600, 500)\nPOINT q = (800, 600, 500)\nMOVEL p 1 mm/s\nMOVEL q 1 mm/s"
    run = run_arm_program(program, setup(tool="flange"))
    assert [(a.code, a.line) for a in run.alarms] == [("arm.run.too_long", 4)]
    assert run.cycle_time < 1800.0 and np.allclose(run.trajectory.tcp[-1], (800, -600, 500), atol=1e-6)


def test_an_override_below_one_percent_counts_as_one_percent() -> None:
    program = "POINT a = (700, -300, 400)\nMOVEL a 400 mm/s"
    tiny = run_arm_program(program, setup(tool="flange", override=1e-6))
    one = run_arm_program(program, setup(tool="flange", override=0.01))
    assert tiny.cycle_time == one.cycle_time and tiny.alarms == []


@pytest.mark.parametrize("kw", [
    {"start_q": np.full(6, np.nan)}, {"start_q": np.zeros(5)}, {"tools": {"t": np.full((4, 4), np.inf)}},
    {"user_frames": {"f": np.eye(3)}}, {"inputs": [(-1.0, 1, True)]}, {"inputs": [(float("nan"), 1, True)]},
    {"override": 0.0}, {"override": 1.5}, {"mode": "T3"}, {"max_instructions": 0}, {"tool": "welder"},
])
def test_a_bad_setup_is_a_clear_value_error(kw: dict) -> None:
    with pytest.raises(ValueError):
        run_arm_program("GRIP", setup(**kw))

"""Lab kind robot_arm, program tasks: palletizing, glue path, singularity, user frame, plain programs.

Each on a constructed good program and a bad one; the numbers come from the real interpreter and planner.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulators
from simulators.errors import ScenarioError
from simulators.robot.arm.frames import invert
from simulators.robot.arm.orientation import matrix_to_wpr
from simulators.robot.arm.runner import build_environment, simulate
from simulators.robot.arm.scenario import RobotArmScenario
from simulators.robot.arm.tasks import TASK_METRICS, pose_matrix

BASE = {"arm": "r7-700", "tools": [{"name": "pen", "tcp": [0, 0, 100, 0, 0, 0]}], "mode": "AUTO",
        "start_joints": [0, 0, 0, 0, 60, 0]}


def run(task: dict, program: str, **extra) -> dict[str, float]:
    sc = RobotArmScenario.model_validate({**BASE, "task": task, "program": program, **extra})
    result = simulate(sc)
    assert set(result.metrics) == TASK_METRICS[task["kind"]]
    return result.metrics


# --- palletizing ------------------------------------------------------------------------------------------------

PALLET = {"kind": "palletizing", "pallet": [350, 150, 100, 0, 0, 0], "pattern": [2, 2, 1], "pitch": [60, 60, 40]}


def pallet_program(pitch: float = 60, zone: str = "Z20") -> str:
    return f"""TOOL pen
POINT home = (400, 0, 400)
POINT pick = (300, -250, 150)
POINT pal = (350, 150, 100)
MOVEJ home 100%
R[1] = 0
WHILE R[1] < 2 DO
  R[2] = 0
  WHILE R[2] < 2 DO
    MOVEL OFFS(pick, 0, 0, 80) 1000 mm/s {zone}
    MOVEL pick 500 mm/s FINE
    GRIP
    MOVEL OFFS(pick, 0, 0, 80) 1000 mm/s {zone}
    MOVEL OFFS(pal, R[1]*{pitch}, R[2]*{pitch}, 80) 1000 mm/s {zone}
    MOVEL OFFS(pal, R[1]*{pitch}, R[2]*{pitch}, 0) 500 mm/s FINE
    RELEASE
    MOVEL OFFS(pal, R[1]*{pitch}, R[2]*{pitch}, 80) 1000 mm/s {zone}
    R[2] = R[2] + 1
  ENDWHILE
  R[1] = R[1] + 1
ENDWHILE
MOVEJ home 100%
"""


def test_palletizing_fills_every_slot():
    m = run(PALLET, pallet_program())
    assert m["parts_placed"] == 4 and m["releases"] == 4 and m["completed"] == 1
    assert m["collisions"] == m["protective_stops"] == 0


def test_palletizing_with_the_wrong_pitch_misses_slots():
    m = run(PALLET, pallet_program(pitch=70))
    assert m["releases"] == 4 and m["parts_placed"] == 1  # only the first slot (offset 0) is right


def test_blending_shortens_the_cycle():
    fine = run(PALLET, pallet_program(zone="FINE"))["cycle_time"]
    blended = run(PALLET, pallet_program(zone="Z20"))["cycle_time"]
    assert blended < fine - 0.2


# --- glue path --------------------------------------------------------------------------------------------------

GLUE = {"kind": "glue_path", "start": [400, -100, 200], "output": 1, "tolerance_mm": 1.0,
        "segments": [{"to": [500, -100, 200]}, {"via": [550, -50, 200], "to": [500, 0, 200]}]}
GLUE_HEAD = """TOOL pen
POINT a = (400, -100, 200)
POINT b = (500, -100, 200)
POINT via = (550, -50, 200)
POINT c = (500, 0, 200)
MOVEJ OFFS(a, 0, 0, 50) 100%
MOVEL a 200 mm/s FINE
SET DO[1] ON
"""
GLUE_TAIL = """SET DO[1] OFF
MOVEL OFFS(c, 0, 0, 50) 200 mm/s FINE
"""


def test_glue_path_with_movel_and_movec():
    m = run(GLUE, GLUE_HEAD + "MOVEL b 100 mm/s Z1\nMOVEC via c 100 mm/s FINE\n" + GLUE_TAIL)
    assert m["path_deviation_mm"] < 0.5 and m["path_coverage"] == 1.0
    assert m["orientation_deviation_deg"] < 1e-3 and m["speed_cv"] < 0.15
    assert m["glue_time_s"] == pytest.approx(100 / 100 + math.pi * 50 / 100, abs=0.3)


def test_glue_path_cut_short_with_straight_lines_deviates():
    m = run(GLUE, GLUE_HEAD + "MOVEL b 100 mm/s FINE\nMOVEL c 100 mm/s FINE\n" + GLUE_TAIL)
    assert m["path_deviation_mm"] > 10 and m["path_coverage"] < 0.8


def test_glue_path_with_the_tool_tilted_and_the_speed_changing():
    tilted = GLUE_HEAD.replace("POINT b = (500, -100, 200)", "POINT b = (500, -100, 200, 180, 20, 0)")
    m = run(GLUE, tilted + "MOVEL b 30 mm/s FINE\nMOVEC via c 300 mm/s FINE\n" + GLUE_TAIL)
    assert m["orientation_deviation_deg"] > 15 and m["speed_cv"] > 0.5


def test_glue_never_switched_on():
    m = run(GLUE, GLUE_HEAD.replace("SET DO[1] ON\n", "") + "MOVEL b 100 mm/s FINE\n")
    assert m["path_coverage"] == 0 and math.isinf(m["path_deviation_mm"]) and m["glue_time_s"] == 0


# --- singularity ------------------------------------------------------------------------------------------------

def _through_wrist_singularity(move: str) -> str:
    env = build_environment(RobotArmScenario.model_validate({**BASE, "task": {"kind": "singularity"}}))
    p = env.tcp_of(np.radians([0, 10, 20, 0, 0, 0]))  # J5 = 0: the wrist singularity
    w, pp, r = (math.degrees(a) for a in matrix_to_wpr(p[:3, :3]))
    x, y, z = p[:3, 3]
    return (f"POINT a = ({x:.3f}, {y - 150:.3f}, {z:.3f}, {w:.3f}, {pp:.3f}, {r:.3f})\n"
            f"POINT b = ({x:.3f}, {y + 150:.3f}, {z:.3f}, {w:.3f}, {pp:.3f}, {r:.3f})\n"
            f"TOOL pen\nMOVEJ a 100%\n{move}\n")


def test_a_linear_move_through_the_wrist_singularity_stops():
    m = run({"kind": "singularity"}, _through_wrist_singularity("MOVEL b 200 mm/s FINE"))
    assert m["singularity_alarms"] == 1 and m["completed"] == 0


def test_a_joint_move_passes_the_singularity():
    m = run({"kind": "singularity"}, _through_wrist_singularity("MOVEJ b 50%"))
    assert m["singularity_alarms"] == 0 and m["completed"] == 1 and m["cycle_time"] > 0


# --- user frame: the program runs in the taught frame ---------------------------------------------------------

FIXTURE = [450.0, -150.0, 150.0, 0.0, 15.0, 20.0]
FRAME_PROGRAM = """TOOL pen
UFRAME fixture
POINT p1 = (50, 50, 0)
POINT p2 = (150, 100, 0)
MOVEJ OFFS(p1, 0, 0, 60) 100%
MOVEL p1 200 mm/s FINE
RELEASE
MOVEL OFFS(p2, 0, 0, 60) 300 mm/s Z10
MOVEL p2 200 mm/s FINE
RELEASE
MOVEL OFFS(p2, 0, 0, 60) 300 mm/s FINE
"""


def _taught(frame: list[float]) -> list[dict]:
    """Points uf_o, uf_x, uf_y taught (by joints) on the plate of a fixture at ``frame``."""
    sc = RobotArmScenario.model_validate({**BASE, "task": {"kind": "program"}})
    env = build_environment(sc)
    out = []
    for name, local in (("uf_o", (0, 0, 0)), ("uf_x", (180, 0, 0)), ("uf_y", (30, 120, 0))):
        world = pose_matrix(frame) @ pose_matrix([*local, 180, 0, 0])
        flange = invert(env.frames.base) @ world @ invert(env.frames.tools["pen"].tcp)
        out.append({"name": name, "joints": list(np.degrees(env.arm.ik(flange, env.start_q)))})
    return out


def test_user_frame_program_lands_on_the_taught_fixture():
    task = {"kind": "user_frame", "fixture": FIXTURE, "size": [200, 150]}
    old = [{"name": "fixture", "frame": [450, -150, 150, 0, 0, 0]}]  # the frame before the fixture was tilted
    good = run(task, FRAME_PROGRAM, points=_taught(FIXTURE), user_frames=old)
    assert good["frame_error_mm"] < 1e-6 and good["parts_on_fixture"] == 2 and good["releases"] == 2
    untaught = run(task, FRAME_PROGRAM, user_frames=old)
    assert math.isinf(untaught["frame_error_mm"]) and untaught["parts_on_fixture"] == 0


# --- plain programs ---------------------------------------------------------------------------------------------

def test_a_program_into_the_bench_collides():
    program = "TOOL gripper\nPOINT above = (450, 0, 1100)\nPOINT deep = (450, 0, 700)\nMOVEJ above 100%\n" \
              "MOVEL deep 250 mm/s FINE\n"
    sc = RobotArmScenario.model_validate({"cell": "bench-cell", "mode": "AUTO", "start_joints": [0, 0, 0, 0, 60, 0],
                                          "task": {"kind": "program"}, "program": program})
    m = simulate(sc).metrics
    assert m["collisions"] == 1 and m["protective_stops"] == 1 and m["completed"] == 0


def test_t1_is_slower_than_auto():
    program = "TOOL pen\nPOINT a = (400, -200, 300)\nPOINT b = (400, 200, 300)\nMOVEJ a 100%\nMOVEL b 1000 mm/s\n"
    auto = run({"kind": "program"}, program)
    t1 = run({"kind": "program"}, program, mode="T1")
    assert t1["max_link_speed_mm_s"] <= 250 + 1e-6 < auto["max_tcp_speed_mm_s"]
    assert t1["cycle_time"] > auto["cycle_time"]


def test_the_program_runs_from_where_the_session_left_the_arm():
    log = [{"tick": 0, "ev": "mode", "v": "T1"}, {"tick": 1, "ev": "enable", "v": 2},
           {"tick": 2, "ev": "key", "frame": "joint", "axis": "J1", "dir": 1, "down": True},
           {"tick": 200, "ev": "key", "frame": "joint", "axis": "J1", "dir": 1, "down": False},
           {"tick": 201, "ev": "record", "name": "here"}]
    sc = RobotArmScenario.model_validate({**BASE, "task": {"kind": "user_frame", "fixture": FIXTURE},
                                          "session": log, "program": "MOVEJ here 100%\n"})
    result = simulate(sc)
    assert result.run.trajectory.q[0][0] > math.radians(5)  # J1 was jogged before the program started
    assert result.metrics["cycle_time"] == pytest.approx(0.0, abs=0.05)  # "here" is where it already is


def test_program_errors_come_all_at_once_with_line_and_column():
    with pytest.raises(ScenarioError) as err:
        simulators.load_scenario("robot_arm", {**BASE, "task": {"kind": "program"},
                                               "program": "MOVEJ nowhere 100%\nMOVEL 5 mm/s\nFROB\n"})
    assert err.value.field == "program"
    assert len(err.value.diagnostics) >= 2
    assert all(d.line is not None and d.column is not None for d in err.value.diagnostics)


def test_zhizao_simulate_runs_a_robot_arm_scenario(capsys, tmp_path):
    import json

    from tests.simulators.test_cli import call

    path = tmp_path / "pallet.yaml"
    path.write_text("kind: robot_arm\narm: r7-700\ntools: [{name: pen, tcp: [0, 0, 100, 0, 0, 0]}]\nmode: AUTO\n"
                    "start_joints: [0, 0, 0, 0, 60, 0]\n"
                    "task: {kind: palletizing, pallet: [350, 150, 100, 0, 0, 0], pattern: [2, 1, 1]}\n"
                    "program: |\n  TOOL pen\n  POINT pal = (350, 150, 100)\n  MOVEJ OFFS(pal, 0, 0, 50) 100%\n"
                    "  MOVEL pal 200 mm/s FINE\n  RELEASE\n  MOVEL OFFS(pal, 60, 0, 0) 200 mm/s FINE\n  RELEASE\n",
                    encoding="utf-8")
    code, out, err = call(capsys, str(path), "--kind", "robot_arm", "--json", "--replications", "2")
    assert code == 0 and err == ""
    data = json.loads(out)
    assert data["kind"] == "robot_arm" and data["metrics"]["parts_placed"]["mean"] == 2
    assert data["metrics"]["cycle_time"]["half_width"] == 0  # no randomness in the arm
    code, _out, err = call(capsys, str(path), "--set", "task.pattern=[2, 1]")
    assert code != 0 and "task.pattern.2: required field is missing" in err


def test_the_steppable_runner_reveals_the_program_in_time():
    sc = RobotArmScenario.model_validate({**BASE, "task": PALLET, "program": pallet_program()})
    runner = simulators.make_runner("robot_arm", sc)
    steps: list[int] = []
    runner.subscribe(lambda e: steps.append(e.data["line"]) if e.kind == "step" else None)
    runner.advance(runner.end_time / 2)
    half = runner.snapshot()
    assert 0 < len(steps) and half["line"] in steps and half["time"] == pytest.approx(runner.end_time / 2)
    runner.advance(runner.end_time)
    end = runner.snapshot()
    assert runner.done and end["line"] == 22 and end["tcp"] != half["tcp"]
    assert runner.result().metrics["parts_placed"] == 4


def test_the_contour_arcs_and_its_bounded_sampling():
    from simulators.robot.arm import tasks
    from simulators.robot.arm.scenario import GluePathTask

    half = GluePathTask.model_validate({"kind": "glue_path", "start": [0, 0, 0],
                                        "segments": [{"via": [50, 50, 0], "to": [100, 0, 0]}]})
    pts, length = tasks._contour(half, np.eye(4))
    assert length == pytest.approx(math.pi * 50)
    assert np.allclose(np.linalg.norm(pts - [50, 0, 0], axis=1), 50) and pts[:, 1].min() >= -1e-9  # via the top
    far = GluePathTask.model_validate({"kind": "glue_path", "start": [-9000, -9000, 0], "segments": [
        {"to": [9000 * (-1) ** i, 9000 * (-1) ** (i // 2), 0]} for i in range(500)]})
    pts, length = tasks._contour(far, np.eye(4))  # a course file's 9 km zigzag: coarser, never millions
    assert length > 8e6 and len(pts) <= tasks.MAX_CONTOUR_POINTS + 501

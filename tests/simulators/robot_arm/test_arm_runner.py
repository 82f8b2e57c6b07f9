"""Lab kind robot_arm, pendant tasks: each task's metrics from a replayed log or exact taught points, good and bad.

The logs are built against a live pendant session (``autojog.drive``), so they hold only the pendant's own keys;
the runner replays them as the service does. Exact inputs (points taught by joints) check the arithmetic.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simulators
from simulators.errors import ScenarioError
from simulators.robot.arm.autojog import AutojogOptions, drive
from simulators.robot.arm.frames import invert
from simulators.robot.arm.pendant import PendantSession
from simulators.robot.arm.runner import build_environment, pendant_setup, run_robot_arm, simulate
from simulators.robot.arm.scenario import RobotArmScenario
from simulators.robot.arm.tasks import TASK_METRICS, pose_matrix

TARGET = [450.0, 100.0, 350.0, 180.0, 0.0, 30.0]
TOOL = {"name": "pen", "tcp": [0, 0, 100, 0, 0, 0]}


def scenario(task: dict, **extra) -> RobotArmScenario:
    data = {"arm": "r7-700", "tools": [TOOL], "start_joints": [0, 10, 10, 0, 60, 0], "task": task, **extra}
    return RobotArmScenario.model_validate(data)


def log_to(sc: RobotArmScenario, *, pose=None, joints=None, record=None, frame="world") -> list[dict]:
    env = build_environment(sc)
    return drive(PendantSession(pendant_setup(sc, env)), pose=pose, joints=joints, record=record,
                 options=AutojogOptions(frame=frame))


def with_session(sc: RobotArmScenario, log: list[dict]) -> RobotArmScenario:
    return RobotArmScenario.model_validate({**simulators.scenario_data(sc), "session": log})


# --- jog to targets ---------------------------------------------------------------------------------------------

JOG = {"kind": "jog_targets", "frame": "world", "targets": [{"name": "t1", "pose": TARGET}], "tolerance_mm": 1.0,
       "tolerance_deg": 1.0}


def test_jog_targets_reached_through_the_pendant():
    sc = scenario(JOG)
    result = simulate(with_session(sc, log_to(sc, pose=pose_matrix(TARGET), record="t1")))
    m = result.metrics
    assert m["targets_reached"] == 1 and m["targets_missing"] == 0
    assert m["max_position_error_mm"] <= 0.1 and m["max_orientation_error_deg"] <= 0.1
    assert m["collisions"] == m["enabling_violations"] == m["wrong_frame_jogs"] == 0
    assert m["elapsed_s"] > 1
    assert set(m) == TASK_METRICS["jog_targets"]


def test_jog_targets_off_target_missing_and_wrong_frame():
    sc = scenario({**JOG, "targets": [{"name": "t1", "pose": TARGET}, {"name": "t2", "pose": [400, -100, 300]}]})
    off = [TARGET[0] + 3, *TARGET[1:]]  # 3 mm beside the mark: outside the 1 mm tolerance
    log = log_to(sc, pose=pose_matrix(off), record="t1", frame="tool")
    m = simulate(with_session(sc, log)).metrics
    assert m["targets_reached"] == 0 and m["targets_missing"] == 1
    assert math.isinf(m["max_position_error_mm"])  # t2 never recorded: no objective on it can be met
    assert m["wrong_frame_jogs"] > 0  # the task names world, the log jogged in the tool frame
    alone = scenario(JOG)
    m1 = simulate(with_session(alone, log)).metrics
    assert 2.9 <= m1["max_position_error_mm"] <= 3.1 and m1["targets_reached"] == 0


def test_jogging_without_the_enabling_device_is_counted():
    sc = scenario(JOG)
    log = [{"tick": 0, "ev": "mode", "v": "T1"},
           {"tick": 1, "ev": "key", "frame": "joint", "axis": "J1", "dir": 1, "down": True},
           {"tick": 50, "ev": "key", "frame": "joint", "axis": "J1", "dir": 1, "down": False}]
    result = simulate(with_session(sc, log))
    assert result.metrics["enabling_violations"] >= 1
    assert np.allclose(result.session.joints, np.radians(sc.start_joints))  # and the arm did not move


def test_a_target_in_a_user_frame():
    frame = [300, -200, 100, 0, 0, 90]
    local = [150, -300, 250, 180, 0, 0]
    sc = scenario({**JOG, "targets": [{"name": "t1", "frame": "bench", "pose": local}]},
                  user_frames=[{"name": "bench", "frame": frame}])
    world = pose_matrix(frame) @ pose_matrix(local)
    m = simulate(with_session(sc, log_to(sc, pose=world, record="t1"))).metrics
    assert m["targets_reached"] == 1 and m["max_position_error_mm"] <= 0.1


def test_collision_while_jogging_is_a_protective_stop():
    sc = RobotArmScenario.model_validate({
        "cell": "training-cell", "tool": "gripper", "start_joints": [0, 0, 0, 0, 30, 0],
        "task": {"kind": "jog_targets", "targets": [{"name": "t1", "pose": [1000, 0, 1000]}]}})
    log = [{"tick": 0, "ev": "mode", "v": "T1"}, {"tick": 1, "ev": "enable", "v": 2},
           {"tick": 2, "ev": "key", "frame": "joint", "axis": "J2", "dir": 1, "down": True},
           {"tick": 6000, "ev": "key", "frame": "joint", "axis": "J2", "dir": 1, "down": False}]
    result = simulate(with_session(sc, log))
    m = result.metrics
    assert m["collisions"] >= 1 and m["protective_stops"] >= 1
    assert result.session.collisions[0].params["solid"] == "table"
    assert math.degrees(result.session.joints[1]) < 90  # stopped at the contact, not at the joint limit


# --- TCP calibration --------------------------------------------------------------------------------------------

PIN = (500.0, 50.0, 200.0)
TRUE_TCP = [3.0, -2.0, 120.0, 0, 0, 0]
TILTS = [(180, 0, 0), (155, 0, 0), (180, 25, 0), (200, -10, 90)]


def _touching(sc: RobotArmScenario, tilt, miss_mm=0.0) -> list[float]:
    """Joints (degrees) with the real tool tip on the pin (or ``miss_mm`` beside it), in orientation ``tilt``."""
    env = build_environment(sc)
    tip = pose_matrix([PIN[0] + miss_mm, *PIN[1:], *tilt])
    flange = invert(env.frames.base) @ tip @ invert(pose_matrix(TRUE_TCP))
    return list(np.degrees(env.arm.ik(flange, env.start_q)))


def _tcp_scenario(miss_mm=0.0, **task) -> RobotArmScenario:
    base = scenario({"kind": "tcp_calibration", "pin": PIN, "true_tcp": TRUE_TCP, **task}, tool="tool0")
    points = [{"name": f"p{i + 1}", "joints": _touching(base, t, miss_mm if i == 3 else 0.0)}
              for i, t in enumerate(TILTS)]
    return RobotArmScenario.model_validate({**simulators.scenario_data(base), "points": points})


def test_tcp_calibration_exact_points_recover_the_real_tcp():
    m = simulate(_tcp_scenario()).metrics
    assert m["points_recorded"] == 4
    assert m["tcp_error_mm"] < 1e-6 and m["tcp_mean_error_mm"] < 1e-6 and m["pin_error_mm"] < 1e-6


def test_tcp_calibration_with_one_point_off_the_pin():
    m = simulate(_tcp_scenario(miss_mm=4.0)).metrics
    assert m["pin_error_mm"] == pytest.approx(4.0, abs=1e-6)
    assert m["tcp_error_mm"] > 0.5 and m["tcp_mean_error_mm"] > 0.5


def test_tcp_calibration_uses_the_pendants_calibrate_event():
    sc = _tcp_scenario()
    log = [{"tick": 0, "ev": "calibrate_tcp", "points": ["p1", "p2", "p3", "p4"], "tool": "probe"}]
    result = simulate(with_session(sc, log))
    assert result.session.tcp_calibration["tool"] == "probe"
    assert result.metrics["tcp_error_mm"] < 1e-6


def test_tcp_calibration_without_points_meets_nothing():
    sc = scenario({"kind": "tcp_calibration", "pin": PIN, "true_tcp": TRUE_TCP})
    m = simulate(sc).metrics
    assert m["points_recorded"] == 0 and math.isinf(m["tcp_error_mm"])


# --- user frame (teaching part; the program part is in test_arm_runner_programs) ---------------------------------

FIXTURE = [450.0, -150.0, 150.0, 0.0, 15.0, 20.0]


def _frame_scenario(shift_mm=0.0) -> RobotArmScenario:
    base = scenario({"kind": "user_frame", "fixture": FIXTURE, "size": [200, 150]})
    env = build_environment(base)
    fixture = pose_matrix(FIXTURE)
    points = []
    for name, local in (("uf_o", (shift_mm, 0, 0)), ("uf_x", (180, 0, 0)), ("uf_y", (30, 120, 0))):
        world = fixture @ pose_matrix([*local, 180, 0, 0])
        flange = invert(env.frames.base) @ world @ invert(env.frames.tools["pen"].tcp)
        points.append({"name": name, "joints": list(np.degrees(env.arm.ik(flange, env.start_q)))})
    return RobotArmScenario.model_validate({**simulators.scenario_data(base), "points": points})


def test_user_frame_from_three_points():
    assert simulate(_frame_scenario()).metrics["frame_error_mm"] < 1e-6
    assert 4 < simulate(_frame_scenario(shift_mm=5.0)).metrics["frame_error_mm"] < 20


def test_user_frame_defined_on_the_pendant_wins_over_the_points():
    sc = _frame_scenario()
    log = [{"tick": 0, "ev": "define_user_frame", "points": ["uf_o", "uf_y", "uf_x"], "name": "fixture"}]
    m = simulate(with_session(sc, log)).metrics  # +X and XY swapped: the frame is mirrored onto its diagonal
    assert m["frame_error_mm"] > 50


# --- revolution counters ----------------------------------------------------------------------------------------

def _rev_scenario(start) -> RobotArmScenario:
    return scenario({"kind": "rev_counters", "tolerance_deg": 0.5, "home": [0, 0, 0, 0, 30, 0]},
                    start_joints=start)


def _updates(axes=range(1, 7)) -> list[dict]:
    return [{"tick": 0, "ev": "rev_update", "axis": f"J{j}"} for j in axes]


def test_rev_counters_all_updated_on_their_marks():
    m = simulate(with_session(_rev_scenario([0, 0, 0, 0, 0, 0]), _updates())).metrics
    assert m["counters_ok"] == 6 and m["home_error_mm"] < 1e-9 and m["max_counter_error_deg"] == 0


def test_rev_counters_off_mark_and_forgotten():
    off = simulate(with_session(_rev_scenario([2, 0, 0, 0, 0, 0]), _updates())).metrics
    assert off["counters_ok"] == 5 and off["max_counter_error_deg"] == pytest.approx(2.0)
    assert off["home_error_mm"] > 5  # 2° of J1 at ~500 mm from its axis
    forgotten = simulate(with_session(_rev_scenario([0, 0, 0, 0, 0, 0]), _updates(range(1, 6)))).metrics
    assert forgotten["counters_ok"] == 5 and forgotten["max_counter_error_deg"] == pytest.approx(8.0)


def test_rev_counters_jogged_to_the_mark():
    sc = _rev_scenario([0, 0, 0, 0, 3, 0])
    log = log_to(sc, joints=np.radians([0, 0, 0, 0, 0, 0]))
    tick = log[-1]["tick"] + 1
    result = simulate(with_session(sc, log + [{**e, "tick": tick} for e in _updates()]))
    assert result.metrics["counters_ok"] == 6


# --- the scenario as hostile input ------------------------------------------------------------------------------

@pytest.mark.parametrize(("session", "fragment"), [
    ("not a list", "must be a list"),
    ([{"tick": 0, "ev": "teleport"}], "unknown event kind"),
    ([{"tick": 5, "ev": "reset"}, {"tick": 4, "ev": "reset"}], "comes before"),
    ([{"tick": 0, "ev": "key", "axis": "J1", "frame": "world", "dir": 1, "down": True}], "cannot be jogged"),
    ([{"tick": 10**9, "ev": "reset"}], "whole number from 0"),
    ([{"tick": 0, "ev": "reset"}] * 100_001, "at most 100000"),
])
def test_a_bad_log_is_one_clear_error(session, fragment):
    with pytest.raises(ScenarioError) as err:
        simulators.load_scenario("robot_arm", {"task": JOG, "session": session})
    assert fragment in err.value.message and err.value.field.startswith("session")


@pytest.mark.parametrize(("change", "field"), [
    ({"start_joints": [0, 0, 0]}, "start_joints"),
    ({"tool": "hammer"}, "tool"),
    ({"cell": "no-such-cell"}, "cell"),
    ({"arm": "r7-700", "cell": "training-cell"}, "arm"),
    ({"task": {"kind": "glue_path", "start": [0, 0, 0], "segments": [{"to": [1, 0, 0]}], "frame": "x"}}, "task.frame"),
    ({"task": {"kind": "jump"}}, "task"),
    ({"user_frames": [{"name": "a", "frame": [0, 0, 0]}, {"name": "A", "frame": [1, 0, 0]}]}, "user_frames.1.name"),
    ({"start_joints": [0, 0, 0, 0, float("nan"), 0]}, "start_joints"),
])
def test_a_bad_scenario_names_its_field(change, field):
    with pytest.raises(ScenarioError) as err:
        simulators.load_scenario("robot_arm", {"task": JOG, **change})
    assert err.value.field.startswith(field)


def test_runs_are_deterministic_and_reported_per_task():
    sc = scenario(JOG)
    sc = with_session(sc, log_to(sc, pose=pose_matrix(TARGET), record="t1"))
    assert simulate(sc).metrics == simulate(sc).metrics == run_robot_arm(sc, 5).metrics
    assert simulators.is_metric("robot_arm", sc, "targets_reached")
    assert not simulators.is_metric("robot_arm", sc, "parts_placed")  # another task's metric
    runner = simulators.make_runner("robot_arm", sc)
    runner.advance(runner.end_time)
    assert runner.done and runner.result().metrics == simulate(sc).metrics

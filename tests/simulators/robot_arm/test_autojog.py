"""Automatic jogging: its logs use only the pendant's keys, replay to the target, and are deterministic."""

import copy
import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.autojog import (
    Autojog,
    AutojogError,
    AutojogOptions,
    drive,
    fixed_axis_angles,
    pose_error,
    split_steps,
    tool_axis_angles,
)
from simulators.robot.arm.frames import Frames, Tool, UserFrame, make_pose
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z, wpr_to_matrix
from simulators.robot.arm.pendant import PendantSession, PendantSetup, replay
from simulators.robot.arm.pendant_log import validate_log

D = math.radians


def _setup(model=R12_1440, start=(0, 0, 0, 0, -60, 0)):
    frames = Frames()
    frames.add_tool(Tool("gun", make_pose((20, 0, 150))))
    frames.add_user(UserFrame("fixture", make_pose((900, 300, 200), wpr_to_matrix(0, D(20), D(30)))))
    frames.select(tool="gun", user="fixture")
    return PendantSetup(Arm(model), np.radians(start), frames)


TARGET = make_pose((1000, -250, 450), wpr_to_matrix(D(170), D(10), D(60)))


@pytest.mark.parametrize("frame", ["world", "base", "user", "tool"])
def test_pose_log_replays_within_a_tenth(frame):
    setup = _setup()
    log = drive(PendantSession(setup), pose=TARGET, options=AutojogOptions(frame=frame), record="t1")
    result = replay(setup, log)
    pos, ang = pose_error(result.tcp, TARGET)
    assert pos <= 0.1 and ang <= 0.1
    assert not result.alarms and not result.stops[1:]  # only the enabling device let go at the end
    recorded = result.points["t1"]
    assert recorded.user == "fixture" and pose_error(recorded.world, TARGET)[0] <= 0.1


def test_small_arm_with_a_start_far_away():
    setup = _setup(R7_700, start=(-60, -20, 30, 0, 45, 0))
    target = make_pose((450, 150, 300), rot_y(math.pi) @ rot_z(D(25)))
    result = replay(setup, drive(PendantSession(setup), pose=target))
    assert pose_error(result.tcp, target)[0] <= 0.1


def test_joint_log_lands_within_half_the_finest_increment():
    setup = _setup()
    goal = np.radians([30, 10, -20, 40, -50, 90])
    result = replay(setup, drive(PendantSession(setup), joints=goal))
    assert np.max(np.abs(np.degrees(result.joints - goal))) <= 0.05 + 1e-9


def test_the_log_is_only_pendant_events_and_is_deterministic():
    setup = _setup()
    a = drive(PendantSession(setup), pose=TARGET)
    b = drive(PendantSession(setup), pose=TARGET)
    assert a == b
    assert validate_log(a) == a  # canonical already: what a panel would have written
    kinds = {e["ev"] for e in a}
    assert kinds <= {"mode", "override", "enable", "inc", "frame", "key", "record"}
    assert a[0]["ev"] == "mode" and a[0]["v"] == "T1"
    downs = [e for e in a if e["ev"] == "key" and e["down"]]
    ups = [e for e in a if e["ev"] == "key" and not e["down"]]
    assert len(downs) == len(ups) > 6  # every key pressed is let go
    ticks = [e["tick"] for e in a]
    assert ticks == sorted(ticks)


def test_fine_phase_uses_the_finest_increments_only_as_needed():
    setup = _setup()
    s = PendantSession(setup)
    log = drive(s, pose=TARGET)
    incs = [i for i, e in enumerate(log) if e["ev"] == "inc"]
    first_key = next(i for i, e in enumerate(log) if e["ev"] == "key")
    assert first_key < incs[0]  # continuous joint jogs come first (the session starts in continuous mode)
    assert log[first_key]["frame"] == "joint" and "0.1mm" in {log[i]["v"] for i in incs}
    presses = sum(1 for e in log if e["ev"] == "key" and e["down"])
    assert presses < 80  # coarse joints first, so the increments only remove the last few millimetres


def test_unreachable_target_is_a_coded_error():
    setup = _setup()
    with pytest.raises(AutojogError) as err:
        drive(PendantSession(setup), pose=make_pose((5000, 0, 500)))
    assert err.value.code == "autojog.unreachable"


def test_a_jog_stopped_by_an_alarm_is_reported():
    setup = _setup()
    s = PendantSession(setup)
    job = Autojog(s)
    job.prepare()
    goal = np.array(s.q)
    goal[4] = D(200)  # past J5's limit: the jog stops on the limit with an alarm
    with pytest.raises(AutojogError) as err:
        job.coarse_joints(goal, order=[5])
    assert err.value.params["alarm"] == "jog.joint_limit"


@pytest.mark.parametrize("amount", [0.0, 0.04, 0.06, 7.3, 12.25, 99.99, 123.456])
def test_split_steps_leaves_at_most_half_the_finest(amount):
    parts = split_steps(amount, (10.0, 1.0, 0.1))
    total = sum(size * n for size, n in parts)
    assert abs(total - amount) <= 0.05 + 1e-9
    assert [size for size, _ in parts] == sorted((size for size, _ in parts), reverse=True)


def test_rotation_decompositions_rebuild_the_target():
    r0 = wpr_to_matrix(D(170), D(-20), D(35))
    r1 = wpr_to_matrix(D(-160), D(15), D(-70))
    a, b, c = fixed_axis_angles(r0, r1)
    assert np.allclose(rot_z(c) @ rot_y(b) @ rot_x(a) @ r0, r1, atol=1e-12)
    a, b, c = tool_axis_angles(r0, r1)
    assert np.allclose(r0 @ rot_x(a) @ rot_y(b) @ rot_z(c), r1, atol=1e-12)


def test_coarse_moves_take_an_axis_order_that_clears_the_cell():
    """Swinging J1 first would sweep the pointer through the tilted fixture, J3 first drags it over the table; the
    log keeps only the order that gets there, and replaying it touches nothing."""
    from simulators.robot.arm import runner
    from simulators.robot.arm.scenario import RobotArmScenario
    from simulators.robot.arm.tasks import pose_matrix

    sc = RobotArmScenario.model_validate({
        "cell": "training-cell", "tool": "pointer", "start_joints": [0, 0, 0, 0, 30, 0],
        "task": {"kind": "jog_targets", "targets": [{"name": "t", "pose": [1150, -250, 780, 180, 0, 45]}]}})
    setup = runner.pendant_setup(sc, runner.build_environment(sc))
    session = PendantSession(setup)
    job = Autojog(session)
    job.prepare()
    job.to_pose(pose_matrix([1150, -250, 780, 180, 0, 45]), lift_mm=200, approach_mm=150)
    job.lift(200)
    goal = job.joints_for(pose_matrix([700, 150, 1020, 180, 20, 0]))
    orders = [(1, 4, 5, 6, 3, 2), (3, 2, 1, 4, 5, 6), (2, 3, 1, 4, 5, 6)]
    trial = Autojog(copy.deepcopy(session))
    with pytest.raises(AutojogError) as err:
        trial.coarse_joints(goal, orders[0])
    assert err.value.params["params"]["solid"] == "tilted_fixture"
    job.coarse_clear(goal, orders)
    result = replay(setup, job.events)
    assert not result.collisions and not result.alarms
    assert np.max(np.abs(result.joints - goal)) < math.radians(1.0)


def _bench(task: dict, **extra):
    from simulators.robot.arm.scenario import RobotArmScenario

    return RobotArmScenario.model_validate({"cell": "bench-cell", "tool": "pointer", "task": task, **extra})


def test_show_me_demo_of_a_jog_targets_task_passes_its_grade():
    from simulators.robot.arm import runner
    from simulators.robot.arm.autojog import demo_log

    sc = _bench({"kind": "jog_targets", "frame": "world", "tolerance_mm": 0.5, "tolerance_deg": 1.0,
                 "targets": [{"name": "a", "pose": [400, 100, 950, 180, 0, 30]},
                             {"name": "b", "pose": [350, -150, 900, 180, 15, 0]}]}, start_joints=[0, 0, 0, 0, 45, 0])
    log = demo_log(sc)
    metrics = runner.simulate(sc.model_copy(update={"session": log})).metrics
    assert metrics["targets_reached"] == 2 and metrics["max_position_error_mm"] <= 0.1
    assert metrics["collisions"] == 0 and metrics["enabling_violations"] == 0 and metrics["wrong_frame_jogs"] == 0
    assert log[-1]["ev"] == "enable" and log[-1]["v"] == 1  # the demo lets go of the enabling device at the end


def test_show_me_demo_of_the_revolution_counters():
    from simulators.robot.arm import runner
    from simulators.robot.arm.autojog import demo_log

    sc = _bench({"kind": "rev_counters", "marks_deg": [0, 0, 0, 0, 0, 0]}, start_joints=[12, -8, 10, 20, 25, -30])
    log = demo_log(sc)
    assert [e["axis"] for e in log if e["ev"] == "rev_update"] == [1, 2, 3, 4, 5, 6]
    metrics = runner.simulate(sc.model_copy(update={"session": log})).metrics
    assert metrics["counters_ok"] == 6 and metrics["home_error_mm"] == 0 and metrics["collisions"] == 0


def test_no_demo_for_a_program_task():
    from simulators.robot.arm.autojog import demo_log

    with pytest.raises(ValueError, match="program"):
        demo_log(_bench({"kind": "program"}))

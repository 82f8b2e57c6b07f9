"""Jogging (issue 23): tool/world/user frame jogs, increments, the T1 cap on every link point, limits, determinism."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.frames import Frames, Tool, UserFrame, make_pose
from simulators.robot.arm.jog import JogAxis, Jogger
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z
from simulators.robot.arm.safety_state import Mode, SafetyState

D = math.radians
HOME = {R7_700.key: np.radians([10, 20, 10, 30, -50, 20]), R12_1440.key: np.radians([10, 20, -10, 30, -50, 20])}
TOOL = Tool("gripper", make_pose((0.0, 30.0, 150.0), rot_x(D(20))))


def _jogger(model=R12_1440, mode=Mode.T1, tool=True, **kw):
    frames = Frames(base=make_pose((100.0, -50.0, 20.0), rot_z(D(15))))
    if tool:
        frames.add_tool(TOOL)
        frames.add_user(UserFrame("table", make_pose((800.0, 200.0, 300.0), rot_z(D(30)) @ rot_y(D(10)))))
        frames.select(tool="gripper", user="table")
    safety = SafetyState(mode)
    safety.set_enabling(2)
    return Jogger(Arm(model), HOME[model.key], frames=frames, safety=safety, **kw)


def _rot_err(a, b):
    return float(np.linalg.norm(a[:3, :3] - b[:3, :3]))


@pytest.mark.parametrize("model", [R7_700, R12_1440], ids=lambda m: m.key)
@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_tool_frame_jog_moves_exactly_along_the_tool_axis(model, axis):
    j = _jogger(model, mode=Mode.T2)
    p0 = j.tcp_world()
    k = "xyz".index(axis)
    for _ in range(30):
        r = j.jog(JogAxis("tool", axis), -1, 0.01)
        assert r.moved and r.alarm is None
        p = j.tcp_world()
        d = p[:3, 3] - p0[:3, 3]
        along = float(d @ p0[:3, k])
        assert along < 0
        np.testing.assert_allclose(d, along * p0[:3, k], atol=1e-8)  # no sideways drift at any step
        assert _rot_err(p, p0) < 1e-10  # a linear jog does not turn the tool
    assert r.done == pytest.approx(30 * 0.01 * 250.0)  # T2: the jog speed itself, 250 mm/s at 100 %


@pytest.mark.parametrize("frame", ["world", "base", "user"])
def test_linear_jog_in_a_fixed_frame_keeps_the_orientation(frame):
    j = _jogger()
    p0 = j.tcp_world()
    axis_world = {"world": np.array([0.0, 1.0, 0.0]), "base": j.frames.base[:3, 1],
                  "user": j.frames.users["table"].matrix[:3, 1]}[frame]
    for _ in range(50):
        assert j.jog(JogAxis(frame, "y"), 1, 0.01).moved
    p = j.tcp_world()
    assert _rot_err(p, p0) < 1e-10
    d = p[:3, 3] - p0[:3, 3]
    np.testing.assert_allclose(d, (d @ axis_world) * axis_world, atol=1e-8)


def test_rotation_jogs_turn_about_the_tcp():
    j = _jogger(mode=Mode.T2)
    p0 = j.tcp_world()
    for _ in range(20):
        j.jog(JogAxis("world", "rz"), 1, 0.01)
    p = j.tcp_world()
    np.testing.assert_allclose(p[:3, 3], p0[:3, 3], atol=1e-8)  # the TCP stays put
    np.testing.assert_allclose(p[:3, :3], rot_z(20 * 0.01 * D(30)) @ p0[:3, :3], atol=1e-10)
    j.release()
    p0 = j.tcp_world()
    j.increment(JogAxis("tool", "rx"), 1, 5.0)
    p = j.tcp_world()
    np.testing.assert_allclose(p[:3, 3], p0[:3, 3], atol=1e-8)
    np.testing.assert_allclose(p[:3, :3], p0[:3, :3] @ rot_x(D(5)), atol=1e-10)


@pytest.mark.parametrize("size", [0.1, 1.0, 10.0])
def test_linear_increments_land_exactly(size):
    j = _jogger()
    p0 = j.tcp_world()
    r = j.increment(JogAxis("user", "x"), 1, size)
    assert r.alarm is None and r.done == size
    ux = j.frames.users["table"].matrix[:3, 0]
    np.testing.assert_allclose(j.tcp_world()[:3, 3], p0[:3, 3] + size * ux, atol=1e-9)
    # 10 mm at 250 mm/s (or slower under the T1 cap) in 10 ms steps: at least 4 steps
    assert r.steps >= math.ceil(size / 2.5)


@pytest.mark.parametrize("size", [0.1, 1.0, 5.0])
def test_joint_increments_land_exactly(size):
    j = _jogger()
    q0 = j.q.copy()
    j.increment(JogAxis("joint", 4), -1, size)
    expected = q0.copy()
    expected[3] -= D(size)
    np.testing.assert_allclose(j.q, expected, atol=1e-15)


def test_override_scales_the_step():
    full, slow = _jogger(mode=Mode.T2), _jogger(mode=Mode.T2, override=10)
    a = full.jog(JogAxis("joint", 1), 1, 0.01)
    b = slow.jog(JogAxis("joint", 1), 1, 0.01)
    assert b.done == pytest.approx(a.done / 10)
    with pytest.raises(ValueError):
        full.set_override(0)


def _max_point_speed(j, axis, direction, steps, dt, per_link=25):
    worst, prev = 0.0, j.sample_points(j.q, per_link)
    for _ in range(steps):
        r = j.jog(axis, direction, dt)
        pts = j.sample_points(j.q, per_link)
        worst = max(worst, float(np.max(np.linalg.norm(pts - prev, axis=1))) / dt)
        prev = pts
    return worst, r


@pytest.mark.parametrize("model", [R7_700, R12_1440], ids=lambda m: m.key)
@pytest.mark.parametrize("axis", [JogAxis("joint", 1), JogAxis("joint", 2), JogAxis("world", "rz"),
                                  JogAxis("tool", "ry"), JogAxis("tool", "z"), JogAxis("world", "x")])
def test_t1_cap_holds_at_every_sampled_point_of_every_link(model, axis):
    """25 points per link (the engine checks only the link ends), speeds by finite differences."""
    j = _jogger(model, speeds=None)
    j.speeds = type(j.speeds)(linear_mm_s=250.0, angular_deg_s=90.0, joint_fraction=1.0)  # fast enough to bind
    worst, r = _max_point_speed(j, axis, 1, 40, 0.01)
    assert worst <= 250.0 + 1e-9
    assert worst > 200.0  # the cap binds rather than the jog being slow anyway
    # the same jog in T2 goes faster than 250 mm/s somewhere: the test can see a violation
    t2 = _jogger(model, mode=Mode.T2)
    t2.speeds = type(j.speeds)(linear_mm_s=500.0, angular_deg_s=180.0, joint_fraction=1.0)
    worst_t2, _ = _max_point_speed(t2, axis, 1, 5, 0.01)
    assert worst_t2 > 250.0


def test_joint_jog_stops_exactly_at_the_limit():
    j = _jogger(mode=Mode.T2)
    j.q[0] = D(169.5)
    res = [j.jog(JogAxis("joint", 1), 1, 0.01) for _ in range(20)]
    hit = next(r for r in res if r.alarm is not None)
    assert hit.alarm.code == "jog.joint_limit" and hit.alarm.params["joint"] == 1
    assert j.q[0] == D(170)
    after = j.jog(JogAxis("joint", 1), 1, 0.01)
    assert not after.moved and after.alarm.code == "jog.joint_limit"
    j.release()
    assert j.jog(JogAxis("joint", 1), -1, 0.01).moved  # back away from it


def test_cartesian_jog_stops_before_the_reach_limit():
    # at 10 % the elbow's joint speeds stay below their maxima until the singularity zone
    j = _jogger(R7_700, mode=Mode.T2, tool=False, override=10)
    j.q = np.radians([0.0, 30.0, -20.0, 0.0, 60.0, 0.0])
    last = None
    for _ in range(4000):
        r = j.jog(JogAxis("world", "x"), 1, 0.01)
        if not r.moved:
            last = r
            break
    # the elbow's 2° zone is only ~0.1 mm deep in distance: a 0.25 mm step may jump it and meet the reach limit
    assert last is not None and last.alarm.code in ("jog.reach", "arm.singularity.elbow")
    wc = j.arm.wrist_centre(j.q)
    assert np.hypot(np.hypot(wc[0], wc[1]) - R7_700.a1, wc[2] - R7_700.d1) < R7_700.a2 + R7_700.forearm


def test_jog_stops_before_the_wrist_singularity_and_may_leave_it():
    j = _jogger(R12_1440, mode=Mode.T2, tool=False)
    j.q = np.radians([0.0, 10.0, -10.0, 0.0, -10.0, 0.0])  # J5 = −10°, tool tilted about the flange y
    stopped = None
    for _ in range(300):
        r = j.jog(JogAxis("tool", "ry"), 1, 0.01)  # + turns J5 toward 0 here
        if not r.moved:
            stopped = r
            break
        if r.moved:
            assert abs(math.degrees(j.q[4])) >= 2.0  # never inside the threshold
    assert stopped is not None and stopped.alarm.code == "arm.singularity.wrist"
    assert stopped.alarm.params["threshold"] == 2.0
    again = j.jog(JogAxis("tool", "ry"), 1, 0.01)
    assert not again.moved  # held key: stays stopped
    j.release()
    assert j.jog(JogAxis("tool", "ry"), -1, 0.01).moved  # jogging away is allowed


def test_jogging_is_not_offered_in_auto():
    j = _jogger(mode=Mode.AUTO)
    assert j.safety.switch_drives_on() is None
    r = j.jog(JogAxis("joint", 1), 1, 0.01)
    assert not r.moved and r.alarm.code == "jog.mode_auto"


def _script(j):
    out = []
    for axis, d, n in [(JogAxis("tool", "x"), 1, 37), (JogAxis("world", "rz"), -1, 23), (JogAxis("user", "z"), 1, 41),
                       (JogAxis("joint", 2), -1, 19), (JogAxis("tool", "ry"), 1, 29), (JogAxis("base", "y"), -1, 31)]:
        for _ in range(n):
            out.append(j.jog(axis, d, 0.01).q)
        j.release()
    out.append(j.increment(JogAxis("tool", "z"), 1, 10.0).q)
    return np.array(out)


def test_determinism_two_runs_are_equal():
    a, b = _script(_jogger()), _script(_jogger())
    assert np.array_equal(a, b)  # bit for bit: no clock, no randomness
    assert np.ptp(a, axis=0).max() > 0.05  # and the script did move the arm

"""Motion planner timing and paths against hand calculation (issue 23): trapezoids, synchronised joints,
straight lines, circles, fixed-tick samples, determinism."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.frames import make_pose
from simulators.robot.arm.motion import FINE, MoveCmd, Planner, Zone
from simulators.robot.arm.orientation import rot_x, rotation_angle
from simulators.robot.arm.profile import Trapezoid, synchronized

TOOL = make_pose((0.0, 0.0, 120.0))
Q0 = np.radians([0.0, 10.0, 10.0, 0.0, 60.0, 0.0])


def J(q_deg, speed=1.0, zone=FINE, line=1):
    return MoveCmd("J", None, np.radians(q_deg), None, speed, zone, line)


def L(pose, speed, zone=FINE, line=1):
    return MoveCmd("L", pose, None, None, speed, zone, line)


def shifted(pose, dx=0.0, dy=0.0, dz=0.0):
    out = pose.copy()
    out[:3, 3] += (dx, dy, dz)
    return out


# ---------------------------------------------------------------- trapezoid
def test_trapezoid_hand_values() -> None:
    p = Trapezoid(100.0, 50.0, 100.0, 100.0)  # ramps 0.5 s / 12.5 mm each, cruise 75 mm in 1.5 s
    assert p.duration == pytest.approx(100 / 50 + 50 / 100, abs=1e-12)
    assert float(p.position(0.5)) == pytest.approx(12.5)
    assert float(p.position(1.0)) == pytest.approx(37.5)
    assert float(p.position(2.5)) == pytest.approx(100.0)
    assert p.time_at(37.5) == pytest.approx(1.0)
    tri = Trapezoid(10.0, 50.0, 100.0, 100.0)  # too short to cruise: t = 2·sqrt(d/a)
    assert tri.duration == pytest.approx(2 * math.sqrt(10 / 100))
    assert tri.v_peak == pytest.approx(math.sqrt(10 * 100))
    asym = Trapezoid(100.0, 50.0, 100.0, 25.0)  # slower ramp down: 0.5 s up, 2 s down, 62.5 mm of ramps
    assert asym.duration == pytest.approx(0.5 + 37.5 / 50 + 2.0)


def test_synchronized_takes_the_slowest_joint_for_speed_and_for_acceleration() -> None:
    d = np.array([1.0, 0.5, 0.0])
    v = np.array([2.0, 0.5, 9.0])  # joint 2 limits speed: 0.5 / 0.5 = 1 per s
    a = np.array([4.0, 8.0, 9.0])  # joint 1 limits acceleration: 4 / 1
    p = synchronized(d, v, a)
    assert (p.v_max, p.a_acc) == (1.0, 4.0)
    assert p.duration == pytest.approx(1 / 1 + 1 / 4)


# ---------------------------------------------------------------- MOVEJ
@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_single_joint_movej_takes_d_over_v_plus_v_over_a(model) -> None:
    arm = Arm(model)
    p = Planner(arm, TOOL, start_q=Q0)
    start = np.degrees(Q0)
    target = start.copy()
    target[0] += 100.0  # ≥ v²/a for both models: the joint reaches its top speed
    p.add(J(target))
    tr = p.flush()
    v, a = model.max_speed_deg_s[0], model.max_accel_deg_s2[0]
    assert 100.0 >= v * v / a
    t = 100.0 / v + v / a
    assert tr.segments[0].duration == pytest.approx(t, rel=1e-12)
    assert tr.cycle_time == pytest.approx(math.ceil(t / 0.01 - 1e-9) * 0.01, abs=1e-12)  # whole ticks
    np.testing.assert_allclose(tr.q[-1], np.radians(target), atol=1e-12)  # a fine point is a sample
    np.testing.assert_array_equal(tr.q[:, 1:], np.broadcast_to(Q0[1:], tr.q[:, 1:].shape))
    speed = np.degrees(np.abs(np.diff(tr.q[:, 0]))) / 0.01
    assert speed.max() <= v * (1 + 1e-9)
    assert speed.max() > 0.95 * v  # it did cruise near the top speed (slowed < 1 tick by the rounding)


def test_movej_speed_and_override_scale_the_top_speed_not_the_acceleration() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0, override=0.5)
    target = np.degrees(Q0)
    target[3] += 60.0
    p.add(J(target, speed=0.4))
    v, a = 400.0 * 0.4 * 0.5, 1600.0
    assert p.flush().segments[0].duration == pytest.approx(60.0 / v + v / a, rel=1e-12)


def test_short_movej_is_a_triangle() -> None:
    arm = Arm(R12_1440)
    p = Planner(arm, start_q=Q0)
    target = np.degrees(Q0)
    target[1] += 20.0  # < v²/a = 230²/770 ≈ 68.7°
    p.add(J(target))
    assert p.flush().segments[0].duration == pytest.approx(2 * math.sqrt(20.0 / 770.0), rel=1e-12)


def test_movej_joints_start_and_stop_together() -> None:
    arm = Arm(R12_1440)
    p = Planner(arm, TOOL, start_q=Q0)
    delta = np.array([80.0, -30.0, 45.0, 120.0, -50.0, 200.0])
    target = np.degrees(Q0) + delta
    p.add(J(target, speed=0.8))
    tr = p.flush()
    progress = (tr.q - Q0) / np.radians(delta)  # each joint's fraction of its move
    np.testing.assert_allclose(progress, np.repeat(progress[:, :1], 6, axis=1), atol=1e-12)
    moving = np.abs(np.diff(tr.q, axis=0)) > 1e-12
    assert moving[0].all() and moving[-1].all()  # all move in the first and in the last tick
    # the slowest joint sets the time: no joint could do its share faster alone
    m = R12_1440
    alone = [Trapezoid(abs(d), v * 0.8, acc, acc).duration
             for d, v, acc in zip(delta, m.max_speed_deg_s, m.max_accel_deg_s2, strict=True)]
    assert tr.segments[0].duration >= max(alone) - 1e-12
    speeds = np.degrees(np.abs(np.diff(tr.q, axis=0))) / 0.01
    assert (speeds <= np.array(m.max_speed_deg_s) * 0.8 * (1 + 1e-9)).all()


# ---------------------------------------------------------------- MOVEL / MOVEC
def _start_pose(arm):
    return Planner(arm, TOOL, start_q=Q0).tcp_pose()


@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_movel_is_straight_with_constant_cruise_speed(model) -> None:
    arm = Arm(model)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    b = shifted(a, -120.0, 150.0, -80.0)
    b[:3, :3] = a[:3, :3] @ rot_x(math.radians(20))
    p.add(L(b, 250.0))
    tr = p.flush()
    p0, p1 = a[:3, 3], b[:3, 3]
    u = (p1 - p0) / np.linalg.norm(p1 - p0)
    rel = tr.tcp - p0
    off_line = np.linalg.norm(rel - np.outer(rel @ u, u), axis=1)
    assert off_line.max() < 1e-6
    np.testing.assert_allclose(tr.tcp[-1], p1, atol=1e-6)
    poses = arm.fk(tr.q) @ TOOL
    turned = rotation_angle(np.swapaxes(poses[:, :3, :3], -1, -2) @ a[:3, :3])  # angle from the start
    along = (rel @ u) / np.linalg.norm(p1 - p0)
    np.testing.assert_allclose(turned, math.radians(20) * along, atol=1e-9)  # slerp: turn ∝ distance
    length = float(np.linalg.norm(p1 - p0))
    t = length / 250.0 + 250.0 / 4000.0
    seg = tr.segments[0]
    assert seg.duration == pytest.approx(t, rel=1e-12)
    speed = np.linalg.norm(np.diff(tr.tcp, axis=0), axis=1) / 0.01
    stretch = seg.t_end / seg.duration
    ramp = 250.0 / 4000.0 * stretch
    cruise = (tr.t[1:] >= ramp + 0.01) & (tr.t[1:] <= seg.t_end - ramp)
    assert cruise.sum() > 20
    np.testing.assert_allclose(speed[cruise], 250.0 / stretch, rtol=1e-9)
    assert tr.path_length == pytest.approx(length, rel=1e-9)


def test_movec_samples_lie_on_the_circle_through_three_points() -> None:
    arm = Arm(R12_1440)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    # circle of radius 100 in a vertical plane; start at its top, via a quarter on, end half way round
    c = a[:3, 3] + (0.0, 0.0, -100.0)
    via = shifted(a, 0.0, 100.0, -100.0)
    end = shifted(a, 0.0, 0.0, -200.0)
    p.add(MoveCmd("C", end, None, via, 200.0, FINE, 4))
    tr = p.flush()
    assert not tr.alarms
    np.testing.assert_allclose(np.linalg.norm(tr.tcp - c, axis=1), 100.0, atol=1e-6)
    np.testing.assert_allclose(tr.tcp[:, 0], c[0], atol=1e-6)  # in the plane x = c_x
    assert tr.tcp[:, 1].max() == pytest.approx(100.0 + c[1], abs=0.5)  # went round through the via side
    np.testing.assert_allclose(tr.tcp[-1], end[:3, 3], atol=1e-6)
    assert tr.segments[0].duration == pytest.approx(math.pi * 100 / 200 + 200 / 4000, rel=1e-12)


def test_collinear_movec_is_an_alarm() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    p.add(MoveCmd("C", shifted(a, 0, 0, -100), None, shifted(a, 0, 0, -50), 100.0, FINE, 9))
    tr = p.flush()
    assert [(x.code, x.line) for x in tr.alarms] == [("motion.circle_degenerate", 9)]
    assert len(tr.t) == 1 and p.stopped


# ---------------------------------------------------------------- program level
def _program(planner: Planner) -> None:
    a = planner.tcp_pose()
    planner.add(L(shifted(a, 0, 150, 0), 400.0, Zone(20), 1))
    planner.add(L(shifted(a, 0, 150, -150), 400.0, Zone(20), 2))
    planner.add(J(np.degrees(Q0) + (30, 0, 0, 0, 0, 0), 0.5, Zone(30), 3))
    planner.add(MoveCmd("C", shifted(a, 0, -100, 0), None, shifted(a, 0, -50, -50), 150.0, FINE, 4))
    planner.dwell(0.255, 5)
    planner.add(L(a, 300.0, FINE, 6))


def test_two_runs_are_bit_identical_and_ticks_are_fixed() -> None:
    arm = Arm(R12_1440)
    runs = []
    for _ in range(2):
        p = Planner(arm, TOOL, start_q=Q0)
        _program(p)
        runs.append(p.flush())
    a, b = runs
    for name in ("t", "q", "tcp", "line"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.segments == b.segments and not a.alarms
    np.testing.assert_allclose(np.diff(a.t), 0.01, atol=1e-12)
    dwell = [s for s in a.segments if s.kind == "dwell"][0]
    assert dwell.t_end - dwell.t_start == pytest.approx(0.26)  # 0.255 s rounded up to whole ticks
    assert sorted(set(a.line.tolist())) == [0, 1, 2, 3, 4, 5, 6]


def test_flush_midway_gives_the_same_samples_as_one_flush() -> None:
    arm = Arm(R7_700)
    p1 = Planner(arm, TOOL, start_q=Q0)
    _program(p1)
    whole = p1.flush()
    p2 = Planner(arm, TOOL, start_q=Q0)
    a = p2.tcp_pose()
    p2.add(L(shifted(a, 0, 150, 0), 400.0, Zone(20), 1))
    part = p2.flush()  # ends the first move fine: the planner stops there
    assert part.q.shape[0] < whole.q.shape[0]
    np.testing.assert_allclose(part.tcp[-1], shifted(a, 0, 150, 0)[:3, 3], atol=1e-6)
    assert p2.current_time == pytest.approx(part.cycle_time)


@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_one_configuration_ik_equals_that_column_of_the_batch(model) -> None:
    from simulators.robot.arm.paths import ik_configuration

    arm = Arm(model)
    lim = model.limits_rad
    q = np.random.default_rng(11).uniform(lim[:, 0], lim[:, 1], size=(3000, 6))
    poses = arm.fk(q)
    every, _ = arm.ik_batch(poses)
    for k in range(8):
        np.testing.assert_allclose(ik_configuration(arm, poses, k), every[:, k], atol=1e-12, equal_nan=True)


def test_slowing_a_move_down_takes_more_ticks_even_when_rounding_had_slowed_it() -> None:
    """A move 0.1 % too fast on its samples must come out slower; a factor applied to the exact profile would
    vanish in the rounding up to whole ticks, which had already slowed it more than that."""
    from simulators.robot.arm.segments import Path, slow_down

    p = Planner(Arm(R7_700))
    path = Path(None, Q0, Q0, 100.0, 1.0, 1 / 0.75, 40.0)  # 0.75 s + 1/30 s of ramps: 0.7833 s → 79 ticks
    prof, ticks, stretch = p._plan(path, 0.0)
    assert stretch > 1.005
    slow_down(path, 1.001, stretch)
    prof2, ticks2, stretch2 = p._plan(path, 0.0)
    assert ticks2 > ticks
    assert prof2.v_peak / stretch2 <= prof.v_peak / stretch / 1.001


def test_a_move_to_where_the_arm_is_takes_no_time() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    p.add(J(np.degrees(Q0), line=1))
    p.add(L(a, 200.0, line=2))
    tr = p.flush()
    assert len(tr.t) == 1 and tr.cycle_time == 0.0 and not tr.alarms
    assert [(s.line, s.t_start, s.t_end) for s in tr.segments] == [(1, 0.0, 0.0), (2, 0.0, 0.0)]

"""Motion planner: zones, alarms and the T1 cap (issue 23)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.frames import Frames, Tool, make_pose
from simulators.robot.arm.jog import Jogger
from simulators.robot.arm.kinematics import Configuration
from simulators.robot.arm.motion import FINE, MoveCmd, Planner, Zone
from simulators.robot.arm.paths import link_points, measures

TOOL = make_pose((0.0, 0.0, 120.0))
Q0 = np.radians([0.0, 10.0, 10.0, 0.0, 60.0, 0.0])


def shifted(pose, dx=0.0, dy=0.0, dz=0.0):
    out = pose.copy()
    out[:3, 3] += (dx, dy, dz)
    return out


def _corner(arm, zone, kind="L"):
    """Across 200 mm, then down 200 mm: the corner is the first target."""
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    corner, end = shifted(a, 0, 200, 0), shifted(a, 0, 200, -200)
    if kind == "L":
        p.add(MoveCmd("L", corner, None, None, 500.0, zone, 1))
        p.add(MoveCmd("L", end, None, None, 500.0, FINE, 2))
    else:
        for i, target in enumerate((corner, end)):
            q = arm.ik(np.linalg.inv(p.base) @ target @ np.linalg.inv(TOOL), p.current_q)
            p.add(MoveCmd("J", None, q, None, 0.6, zone if i == 0 else FINE, i + 1))
    return p.flush(), corner[:3, 3], end[:3, 3]


@pytest.mark.parametrize("model", [R7_700, R12_1440])
@pytest.mark.parametrize("kind", ["L", "J"])
def test_a_zone_cuts_the_corner_within_r_and_shortens_the_cycle(model, kind) -> None:
    arm = Arm(model)
    fine, corner, end = _corner(arm, FINE, kind)
    z10, _, _ = _corner(arm, Zone(10.0), kind)
    assert not fine.alarms and not z10.alarms
    assert z10.cycle_time < fine.cycle_time
    d_fine = np.linalg.norm(fine.tcp - corner, axis=1)
    d_z10 = np.linalg.norm(z10.tcp - corner, axis=1)
    assert d_fine.min() < 1e-6  # FINE stops on the corner (a sample)
    assert 0.5 < d_z10.min() <= 10.0  # Z10 passes within 10 mm of it, not through it
    np.testing.assert_allclose(z10.tcp[-1], end, atol=1e-6)
    if kind == "L":  # away from the corner the blended path is the two lines
        far = d_z10 > 10.0 + 1e-9
        on_first = np.abs(z10.tcp[:, 2] - corner[2]) < 1e-6
        on_second = np.abs(z10.tcp[:, 1] - corner[1]) < 1e-6
        assert (on_first | on_second)[far].all()
        # superposed ramps: never faster than the programmed 500 mm/s (+ the sampling)
        assert z10.max_tcp_speed <= 500.0 * (1 + 1e-9)


def test_hand_computed_saving_of_a_z10_corner() -> None:
    """500 mm/s, 4000 mm/s²: the ramp down over the last 10 mm lasts √(2·10/4000) = 70.7 ms → 7 whole ticks."""
    arm = Arm(R12_1440)
    fine, _, _ = _corner(arm, FINE)
    z10, _, _ = _corner(arm, Zone(10.0))
    assert fine.cycle_time - z10.cycle_time == pytest.approx(0.07, abs=1e-9)


def test_the_zone_is_clamped_to_half_of_each_move() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    corner = shifted(a, 0, 30, 0)  # a 30 mm move: Z100 acts as Z15
    p.add(MoveCmd("L", corner, None, None, 200.0, Zone(100.0), 1))
    p.add(MoveCmd("L", shifted(a, 0, 30, -200), None, None, 200.0, FINE, 2))
    tr = p.flush()
    d = np.linalg.norm(tr.tcp - corner[:3, 3], axis=1)
    assert 0.0 < d.min() <= 15.0


def test_dwell_ends_blending() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    corner = shifted(a, 0, 100, 0)
    p.add(MoveCmd("L", corner, None, None, 300.0, Zone(20.0), 1))
    p.dwell(0.0, 2)  # a SET DO between two moves: a fine point
    p.add(MoveCmd("L", shifted(a, 0, 100, -100), None, None, 300.0, FINE, 3))
    tr = p.flush()
    assert np.linalg.norm(tr.tcp - corner[:3, 3], axis=1).min() < 1e-6


# ---------------------------------------------------------------- alarms
@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_movel_through_j5_zero_stops_with_a_wrist_alarm_and_movej_does_not(model) -> None:
    arm = Arm(model)
    qa, qb = np.radians([10, 20, 10, 0, 12, 0]), np.radians([10, 20, 10, 0, -12, 0])
    p = Planner(arm, TOOL, start_q=qa)
    target = p.tcp_pose(qb)
    p.add(MoveCmd("L", target, None, None, 200.0, FINE, 7))
    p.add(MoveCmd("L", p.tcp_pose(qa), None, None, 200.0, FINE, 8))  # ignored: planning stopped
    tr = p.flush()
    assert [(a.code, a.line, a.params["kind"]) for a in tr.alarms] == [("motion.singularity", 7, "wrist")]
    assert tr.alarms[0].time == pytest.approx(tr.cycle_time)
    wrist = measures(arm, tr.q)["wrist"]
    assert wrist.min() >= 2.0  # stopped before the 2° zone, at the last good sample
    assert wrist[-1] < 12.0 and set(tr.line.tolist()) <= {0, 7}
    assert np.abs(np.diff(tr.q, axis=0)).max() < math.radians(10)  # no wrist flip on the way
    pj = Planner(arm, TOOL, start_q=qa)
    pj.add(MoveCmd("J", target, None, None, 0.5, FINE, 7))
    trj = pj.flush()
    assert not trj.alarms
    np.testing.assert_allclose(trj.q[-1], qb, atol=1e-9)  # through J5 = 0 to the other side


def test_movel_moving_out_of_a_singularity_zone_is_allowed() -> None:
    arm = Arm(R7_700)
    qa = np.radians([10, 20, 10, 0, 1.0, 0])  # inside the wrist zone
    p = Planner(arm, TOOL, start_q=qa)
    p.add(MoveCmd("L", p.tcp_pose(np.radians([10, 20, 10, 0, 20.0, 0])), None, None, 200.0, FINE, 1))
    assert not p.flush().alarms


def test_unreachable_target_and_configuration_change() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    a = p.tcp_pose()
    p.add(MoveCmd("L", shifted(a, 2000, 0, 0), None, None, 200.0, FINE, 3))
    tr = p.flush()
    assert [(x.code, x.line) for x in tr.alarms] == [("arm.reach", 3)] and len(tr.t) == 1
    p = Planner(arm, TOOL, start_q=Q0)
    other = Configuration(False, False, True)  # flipped wrist
    p.add(MoveCmd("L", shifted(a, 0, 0, -50), None, None, 200.0, FINE, 4, other))
    assert [x.code for x in p.flush().alarms] == ["motion.config_change"]
    p = Planner(arm, TOOL, start_q=Q0)
    p.add(MoveCmd("J", None, np.radians([0, 0, 0, 0, 200, 0]), None, 0.5, FINE, 5))
    tr = p.flush()
    assert [(x.code, x.params["joint"]) for x in tr.alarms] == [("arm.joint_limit", 5)]


def test_movel_past_the_j1_axis_stops_with_a_shoulder_alarm() -> None:
    arm = Arm(R12_1440)
    down = np.diag([-1.0, 1.0, -1.0])  # tool pointing down: the wrist centre is d6 above the flange
    a, b = make_pose((100.0, -300.0, 950.0), down), make_pose((-80.0, 300.0, 950.0), down)
    # the line passes |100·300 − (−80)·(−300)| / |(−180, 600)| = 9.6 mm from the J1 axis (threshold 20 mm)
    q = arm.ik(a, np.radians([-70, 0, 0, 0, -60, 0]))
    p = Planner(arm, np.eye(4), start_q=q)
    p.add(MoveCmd("L", b, None, None, 300.0, FINE, 2))
    tr = p.flush()
    assert [(x.code, x.params["kind"]) for x in tr.alarms] == [("motion.singularity", "shoulder")]
    shoulder = measures(arm, tr.q)["shoulder"]
    assert shoulder.min() >= 20.0 and shoulder[-1] < 40.0  # stopped at the zone, not long before it
    pj = Planner(arm, np.eye(4), start_q=q)
    pj.add(MoveCmd("J", b, None, None, 0.5, FINE, 2))
    assert not pj.flush().alarms


# ---------------------------------------------------------------- T1
@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_t1_caps_every_checked_link_point_at_250_mm_s(model) -> None:
    arm = Arm(model)
    runs = {}
    for t1 in (False, True):
        p = Planner(arm, TOOL, start_q=Q0, t1=t1)
        a = p.tcp_pose()
        p.add(MoveCmd("J", None, np.radians([90, 30, 20, 90, -40, 180]), None, 1.0, Zone(50), 1))
        p.add(MoveCmd("L", a, None, None, 1500.0, Zone(20), 2))
        p.add(MoveCmd("L", shifted(a, 0, 150, -150), None, None, 1500.0, FINE, 3))
        runs[t1] = p.flush()
    assert runs[False].max_link_speed > 1000.0  # the same program is fast outside T1
    tr = runs[True]
    assert not tr.alarms
    assert tr.max_link_speed <= 250.0 * (1 + 1e-9)
    # 25 points along every link, as the jog test checks: finite differences between all samples
    frames = Frames()
    frames.add_tool(Tool("t", TOOL))
    frames.select(tool="t")
    jog = Jogger(arm, Q0, frames=frames)  # the points the jog checks are the ones checked here
    pts = link_points(arm, tr.q, TOOL, np.eye(4))
    np.testing.assert_allclose(pts[17], jog.link_points(tr.q[17]), atol=1e-9)
    s = np.linspace(0, 1, 25)[:, None, None, None]
    dense = pts[None, :, :-1] + s * (pts[None, :, 1:] - pts[None, :, :-1])
    speed = np.linalg.norm(np.diff(dense, axis=1), axis=-1) / 0.01
    assert speed.max() <= 250.0 * (1 + 1e-9)
    assert tr.cycle_time > runs[False].cycle_time


def test_movel_to_joints_of_another_configuration_is_a_config_change() -> None:
    arm = Arm(R7_700)
    p = Planner(arm, TOOL, start_q=Q0)
    flipped = arm.solutions(p.tcp_pose() @ np.linalg.inv(TOOL), Q0)
    other = [s.joints for s in flipped if s.configuration.flip and s.within_limits][0]
    p.add(MoveCmd("L", None, other, None, 200.0, FINE, 3))
    tr = p.flush()
    assert [(x.code, x.params["to"]) for x in tr.alarms] == [("motion.config_change", arm.configuration(other).index)]


def test_random_programs_keep_every_limit() -> None:
    """Random J/L/C moves with zones and dwells from random starts, half in T1: whatever the alarms, the samples
    never exceed a joint's speed or limit, never jump, and in T1 never move a link point faster than 250 mm/s."""
    from simulators.robot.arm.orientation import rot_x, rot_y, rot_z

    rng = np.random.default_rng(0)
    moved = 0
    for trial in range(40):
        model = (R7_700, R12_1440)[trial % 2]
        arm, lim = Arm(model), model.limits_rad
        t1 = trial % 4 < 2
        p = Planner(arm, make_pose((0, 0, rng.uniform(0, 200))), start_q=rng.uniform(lim[:, 0], lim[:, 1]) * 0.35,
                    t1=t1, override=float(rng.uniform(0.2, 1)))
        for k in range(6):
            kind = "JLC"[rng.integers(3)]
            cur = p.tcp_pose()
            tgt = shifted(cur, *rng.normal(0, 70, 3))
            turn = rot_x(rng.normal(0, 0.3)) @ rot_y(rng.normal(0, 0.3)) @ rot_z(rng.normal(0, 0.5))
            tgt[:3, :3] = cur[:3, :3] @ turn
            via = shifted(cur, *((tgt[:3, 3] - cur[:3, 3]) / 2 + rng.normal(0, 60, 3))) if kind == "C" else None
            speed = float(rng.uniform(0.1, 1)) if kind == "J" else float(rng.uniform(50, 1500))
            if rng.random() < 0.2:
                p.dwell(float(rng.uniform(0, 0.3)), 99)
            p.add(MoveCmd(kind, tgt, None, via, speed, Zone(float(rng.choice([0, 5, 20, 100]))), k + 1))
        tr = p.flush()
        assert not np.isnan(tr.q).any() and len(tr.alarms) <= 1
        if len(tr.t) < 2:
            continue
        moved += 1
        step = np.abs(np.diff(tr.q, axis=0))
        assert (step / 0.01 <= model.max_speed_rad_s * (1 + 1e-9)).all()
        assert arm.limit_violation(tr.q).max() < 1e-9
        if t1:
            assert tr.max_link_speed <= 250.0 * (1 + 1e-9)
    assert moved > 25


@pytest.mark.parametrize("model", [R7_700, R12_1440])
def test_movel_towards_the_stretched_arm_stops_with_an_elbow_alarm(model) -> None:
    """Target 1° from the stretched arm (J3 = β − 89°, β the forearm offset angle): inside the 2° zone."""
    arm = Arm(model)
    beta, s3 = math.degrees(math.atan2(model.a3, model.d4)), model.signs[2]
    qa = np.radians([0, 20, s3 * (beta - 60), 0, 40, 0])
    qb = np.radians([0, 20, s3 * (beta - 89), 0, 40, 0])
    assert measures(arm, qb)["elbow"][0] == pytest.approx(1.0)
    p = Planner(arm, np.eye(4), start_q=qa)
    p.add(MoveCmd("L", p.tcp_pose(qb), None, None, 300.0, FINE, 2))
    tr = p.flush()
    assert [(a.code, a.params["kind"]) for a in tr.alarms] == [("motion.singularity", "elbow")]
    assert 2.0 <= measures(arm, tr.q)["elbow"].min() < 5.0  # stopped at the zone's edge
    pj = Planner(arm, np.eye(4), start_q=qa)
    pj.add(MoveCmd("J", pj.tcp_pose(qb), None, None, 0.3, FINE, 2))
    trj = pj.flush()
    assert not trj.alarms
    np.testing.assert_allclose(trj.q[-1], qb, atol=1e-9)

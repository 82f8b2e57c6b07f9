"""Frames and the tool: 4-point TCP, 3-point user frame, Offs vs RelTool, the frame chain."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, Arm, FrameError
from simulators.robot.arm.frames import (
    Frames,
    Tool,
    UserFrame,
    invert,
    make_pose,
    offs,
    reltool,
    teach_tcp,
    user_frame_3points,
)
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z, wpr_to_matrix

TCP = np.array([12.3, -4.5, 180.2])
TIP = np.array([600.0, 100.0, 200.0])
D = math.radians
# four approaches to one tip: down, tilted 30° forward, 30° sideways, tilted and twisted
ORIENTATIONS = [rot_x(math.pi), rot_x(math.pi) @ rot_y(D(30)), rot_x(math.pi) @ rot_x(D(30)),
                rot_z(D(90)) @ rot_x(math.pi) @ rot_y(D(-25)) @ rot_x(D(-20))]


def _flange_poses(noise=0.0, rng=None):
    poses = []
    for r in ORIENTATIONS:
        p = TIP - r @ TCP
        if noise:
            p = p + rng.normal(0, noise, 3)
        poses.append(make_pose(p, r))
    return poses


def test_tcp_four_points_exact():
    cal = teach_tcp(_flange_poses())
    assert np.abs(cal.tcp - TCP).max() < 0.01
    assert np.abs(cal.tcp - TCP).max() < 1e-9
    np.testing.assert_allclose(cal.point, TIP, atol=1e-9)
    assert cal.max_error < 1e-9


def test_tcp_with_noise_reports_the_expected_error():
    # 12 equations, 6 unknowns: the squared residuals sum to σ²·(12 − 6) on average
    rng = np.random.default_rng(4)
    sigma = 0.2
    sums, tcp_err = [], []
    for _ in range(300):
        cal = teach_tcp(_flange_poses(sigma, rng))
        sums.append((cal.errors ** 2).sum())
        tcp_err.append(np.linalg.norm(cal.tcp - TCP))
        assert cal.max_error >= cal.mean_error > 0
    assert np.mean(sums) / 6 == pytest.approx(sigma ** 2, rel=0.15)
    assert np.median(tcp_err) < 5 * sigma


def test_tcp_needs_different_orientations():
    same = [make_pose(TIP - rot_x(math.pi) @ TCP + (i, 0, 0), rot_x(math.pi)) for i in range(4)]
    with pytest.raises(FrameError) as err:
        teach_tcp(same)
    assert err.value.params["reason"] == "tcp_orientations_alike"


def test_user_frame_three_points():
    truth = make_pose((100.0, 200.0, 50.0), rot_z(D(30)) @ rot_x(D(10)))
    o, x, y = truth[:3, 3], truth[:3, 0], truth[:3, 1]
    frame = user_frame_3points(o, o + 150 * x, o + 80 * x + 60 * y)
    np.testing.assert_allclose(frame.matrix, truth, atol=1e-12)
    with pytest.raises(FrameError) as err:
        user_frame_3points(o, o + x, o + 2 * x)
    assert err.value.params["reason"] == "frame_points_collinear"


def test_offs_and_reltool_differ_as_they_should():
    down = make_pose((500.0, 0.0, 300.0), rot_x(math.pi))
    assert offs(down, 0, 0, 50)[2, 3] == pytest.approx(350.0)  # along the frame's z: up
    assert reltool(down, 0, 0, 50)[2, 3] == pytest.approx(250.0)  # along the tool's z: down into the part
    np.testing.assert_allclose(offs(down, 0, 0, 50)[:3, :3], down[:3, :3])
    tilted = make_pose((500.0, 0.0, 300.0), wpr_to_matrix(D(150), D(20), D(35)))
    moved = reltool(tilted, 10, -5, 40)
    np.testing.assert_allclose(moved[:3, 3], tilted[:3, 3] + tilted[:3, :3] @ (10, -5, 40), atol=1e-12)
    turned = reltool(tilted, 0, 0, 0, rz=D(90))
    np.testing.assert_allclose(turned[:3, 2], tilted[:3, 2], atol=1e-12)  # turning about the tool z keeps it
    np.testing.assert_allclose(turned[:3, 0], tilted[:3, 1], atol=1e-12)


def test_frame_chain_and_switching():
    arm = Arm(R7_700)
    frames = Frames(base=make_pose((1000.0, 0.0, 0.0), rot_z(D(90))))
    frames.add_tool(Tool("gripper", make_pose(TCP), 1.2))
    fixture = UserFrame("fixture", make_pose((1200.0, 400.0, 100.0), rot_z(D(-30))))
    frames.add_user(fixture)
    frames.select(tool="gripper", user="fixture")
    q = np.radians([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    point = frames.tcp_in_user(arm.fk(q))
    np.testing.assert_allclose(frames.flange_for(point), arm.fk(q), atol=1e-9)
    np.testing.assert_allclose(arm.ik(frames.flange_for(point), q), q, atol=1e-9)
    # the point is stored in the fixture: moving the fixture moves where the tool must go, by the same shift
    frames.add_user(UserFrame("fixture", fixture.matrix @ make_pose((0.0, 0.0, 20.0))))
    shifted = frames.users["fixture"].matrix @ point
    np.testing.assert_allclose((frames.base @ frames.flange_for(point) @ make_pose(TCP))[:3, 3], shifted[:3, 3],
                               atol=1e-9)
    with pytest.raises(KeyError):
        frames.select(tool="welder")
    assert frames.tool == "gripper"
    np.testing.assert_allclose(invert(fixture.matrix) @ fixture.matrix, np.eye(4), atol=1e-12)

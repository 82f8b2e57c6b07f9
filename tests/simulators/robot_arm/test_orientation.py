"""Orientation conventions against hand-computed matrices and quaternions; Shepperd on half-turns."""

import math

import numpy as np
import pytest

from simulators.robot.arm.orientation import (
    abc_to_matrix,
    axis_angle_to_matrix,
    matrix_to_abc,
    matrix_to_quat,
    matrix_to_wpr,
    quat_to_matrix,
    rotation_angle,
    wpr_to_matrix,
)

R2 = math.sqrt(0.5)
D = math.radians

# (W, P, R in degrees) → matrix and quaternion worked out by hand
HAND = [
    ((90, 0, 0), [[1, 0, 0], [0, 0, -1], [0, 1, 0]], [R2, R2, 0, 0]),
    ((0, 90, 0), [[0, 0, 1], [0, 1, 0], [-1, 0, 0]], [R2, 0, R2, 0]),
    ((0, 0, 90), [[0, -1, 0], [1, 0, 0], [0, 0, 1]], [R2, 0, 0, R2]),
    # x → y, y → z, z → x: 120° about (1, 1, 1)
    ((90, 0, 90), [[0, 0, 1], [1, 0, 0], [0, 1, 0]], [0.5, 0.5, 0.5, 0.5]),
    # tool pointing down, the pendant's everyday pose: half-turn about x
    ((180, 0, 0), [[1, 0, 0], [0, -1, 0], [0, 0, -1]], [0, 1, 0, 0]),
    # pointing down and turned 90° about the world z: half-turn about (1, 1, 0)
    ((180, 0, 90), [[0, 1, 0], [1, 0, 0], [0, 0, -1]], [0, R2, R2, 0]),
    # pointing down, turned −90°: half-turn about (1, −1, 0) — where sign-from-differences formulas fail
    ((180, 0, -90), [[0, -1, 0], [-1, 0, 0], [0, 0, -1]], [0, R2, -R2, 0]),
    ((30, 0, 0), [[1, 0, 0], [0, math.cos(D(30)), -0.5], [0, 0.5, math.cos(D(30))]],
     [math.cos(D(15)), math.sin(D(15)), 0, 0]),
]


@pytest.mark.parametrize(("wpr", "matrix", "quat"), HAND)
def test_hand_computed_cases(wpr, matrix, quat):
    m = wpr_to_matrix(*map(D, wpr))
    np.testing.assert_allclose(m, matrix, atol=1e-15)
    np.testing.assert_allclose(matrix_to_quat(m), quat, atol=1e-15)
    np.testing.assert_allclose(quat_to_matrix(quat), matrix, atol=1e-15)
    # A-B-C of a pose equals R-P-W of it
    w, p, r = wpr
    np.testing.assert_allclose(abc_to_matrix(D(r), D(p), D(w)), matrix, atol=1e-15)


def _naive_quat(m):
    """The common shortcut: magnitudes from the diagonal, signs from off-diagonal differences."""
    w = math.sqrt(max(0.0, 1 + m[0, 0] + m[1, 1] + m[2, 2])) / 2
    x = math.copysign(math.sqrt(max(0.0, 1 + m[0, 0] - m[1, 1] - m[2, 2])) / 2, m[2, 1] - m[1, 2])
    y = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] + m[1, 1] - m[2, 2])) / 2, m[0, 2] - m[2, 0])
    z = math.copysign(math.sqrt(max(0.0, 1 - m[0, 0] - m[1, 1] + m[2, 2])) / 2, m[1, 0] - m[0, 1])
    return np.array([w, x, y, z])


def test_half_turn_about_1_minus1_0_is_right_where_the_shortcut_is_wrong():
    m = np.array([[0.0, -1.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, -1.0]])  # exact, as a taught pose stores it
    q = matrix_to_quat(m)
    np.testing.assert_allclose(q, [0, R2, -R2, 0], atol=1e-15)
    np.testing.assert_allclose(quat_to_matrix(q), m, atol=1e-15)
    wrong = _naive_quat(m)
    assert rotation_angle(quat_to_matrix(wrong).T @ m) == pytest.approx(math.pi)


def test_every_tool_down_half_turn_round_trips():
    for deg in range(0, 360, 5):
        a = D(deg)
        m = axis_angle_to_matrix((math.cos(a), math.sin(a), 0.0), math.pi)
        assert m[2, 2] == pytest.approx(-1.0)  # tool z points down
        assert rotation_angle(quat_to_matrix(matrix_to_quat(m)).T @ m) < 1e-14


def test_random_round_trips():
    rng = np.random.default_rng(3)
    for q in rng.normal(size=(2000, 4)):
        q /= np.linalg.norm(q)
        q *= np.sign(q[0])
        m = quat_to_matrix(q)
        np.testing.assert_allclose(matrix_to_quat(m), q, atol=1e-12)
        np.testing.assert_allclose(wpr_to_matrix(*matrix_to_wpr(m)), m, atol=1e-12)
        a, b, c = matrix_to_abc(m)
        assert (c, b, a) == matrix_to_wpr(m)
        np.testing.assert_allclose(abc_to_matrix(a, b, c), m, atol=1e-12)


def test_gimbal_lock_keeps_the_matrix():
    for p in (90.0, -90.0):
        m = wpr_to_matrix(D(25), D(p), D(40))
        w, p2, r = matrix_to_wpr(m)
        assert w == 0.0
        assert math.degrees(p2) == pytest.approx(p)
        np.testing.assert_allclose(wpr_to_matrix(w, p2, r), m, atol=1e-12)


def test_rotation_angle_resolves_tiny_turns():
    for angle in (1e-12, 1e-9, 1e-3, 3.0):
        assert rotation_angle(axis_angle_to_matrix((0.3, -0.2, 0.9), angle)) == pytest.approx(angle, rel=1e-6)

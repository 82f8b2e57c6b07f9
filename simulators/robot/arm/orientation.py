"""Orientation conventions of the pendants the course shows, as 3×3 rotation matrices (radians).

* W-P-R (FANUC style): R = Rz(R)·Ry(P)·Rx(W), rotations about the fixed x, y, z axes in that order.
* A-B-C (KUKA style): R = Rz(A)·Ry(B)·Rx(C) = Z-Y′-X″ about the moving axes, so A, B, C of a pose
  equal R, P, W of it.
* Quaternion [q1 q2 q3 q4] (ABB style): q1 is the scalar part. Matrix → quaternion by Shepperd's method:
  it starts from the largest of q1², q2², q3², q4² (read off the diagonal), so half-turns — where q1 = 0
  and the usual "signs from the off-diagonal differences" formula returns zeros — come out right.
"""

from __future__ import annotations

import math

import numpy as np

GIMBAL_EPS = 1e-12  # |cos P| below this: W and R turn about the same axis; W is set to 0


def rot_x(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def rot_y(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def rot_z(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def wpr_to_matrix(w: float, p: float, r: float) -> np.ndarray:
    """FANUC W, P, R (radians) → rotation matrix Rz(R)·Ry(P)·Rx(W)."""
    return rot_z(r) @ rot_y(p) @ rot_x(w)


def matrix_to_wpr(m: np.ndarray) -> tuple[float, float, float]:
    """Rotation matrix → (W, P, R) in radians, P in [−π/2, π/2]; at P = ±90° W is 0 and R carries the turn."""
    cp = math.hypot(m[0, 0], m[1, 0])
    p = math.atan2(-m[2, 0], cp)
    if cp < GIMBAL_EPS:
        return 0.0, p, math.atan2(-m[0, 1], m[1, 1])
    return math.atan2(m[2, 1], m[2, 2]), p, math.atan2(m[1, 0], m[0, 0])


def abc_to_matrix(a: float, b: float, c: float) -> np.ndarray:
    """KUKA A, B, C (radians) → Rz(A)·Ry(B)·Rx(C)."""
    return rot_z(a) @ rot_y(b) @ rot_x(c)


def matrix_to_abc(m: np.ndarray) -> tuple[float, float, float]:
    """Rotation matrix → (A, B, C) in radians; (A, B, C) = (R, P, W) of the same pose."""
    w, p, r = matrix_to_wpr(m)
    return r, p, w


def quat_to_matrix(q: np.ndarray | tuple[float, ...]) -> np.ndarray:
    """Quaternion [q1 q2 q3 q4] (scalar first; normalised here) → rotation matrix."""
    w, x, y, z = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """Rotation matrix → [q1 q2 q3 q4] by Shepperd's method, with q1 ≥ 0 (for q1 = 0: the largest part > 0)."""
    tr = m[0, 0] + m[1, 1] + m[2, 2]
    k = int(np.argmax((tr, m[0, 0], m[1, 1], m[2, 2])))
    if k == 0:
        s = 2.0 * math.sqrt(max(1.0 + tr, 0.0))
        q = (s / 4, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s)
    elif k == 1:
        s = 2.0 * math.sqrt(max(1.0 + m[0, 0] - m[1, 1] - m[2, 2], 0.0))
        q = ((m[2, 1] - m[1, 2]) / s, s / 4, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s)
    elif k == 2:
        s = 2.0 * math.sqrt(max(1.0 - m[0, 0] + m[1, 1] - m[2, 2], 0.0))
        q = ((m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, s / 4, (m[1, 2] + m[2, 1]) / s)
    else:
        s = 2.0 * math.sqrt(max(1.0 - m[0, 0] - m[1, 1] + m[2, 2], 0.0))
        q = ((m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, s / 4)
    out = np.array(q)
    if out[0] < 0:  # q and −q are the same turn; pendants show q1 ≥ 0
        out = -out
    return out / np.linalg.norm(out)


def axis_angle_to_matrix(axis: np.ndarray | tuple[float, ...], angle: float) -> np.ndarray:
    """Rodrigues: turn by ``angle`` (radians) about ``axis`` (normalised here)."""
    n = np.asarray(axis, dtype=float)
    n = n / np.linalg.norm(n)
    k = np.array([[0.0, -n[2], n[1]], [n[2], 0.0, -n[0]], [-n[1], n[0], 0.0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * (k @ k)


def rotation_angle(m: np.ndarray) -> np.ndarray | float:
    """Angle of the rotation ``m`` (…×3×3), accurate for tiny angles too (atan2 of sin and cos parts).

    ``arccos((trace − 1)/2)`` cannot resolve angles below ~1e-8 rad; this can, which the IK tests need.
    """
    m = np.asarray(m)
    s = 0.5 * np.sqrt(
        (m[..., 2, 1] - m[..., 1, 2]) ** 2 + (m[..., 0, 2] - m[..., 2, 0]) ** 2 + (m[..., 1, 0] - m[..., 0, 1]) ** 2
    )
    c = 0.5 * (m[..., 0, 0] + m[..., 1, 1] + m[..., 2, 2] - 1.0)
    return np.arctan2(s, c)

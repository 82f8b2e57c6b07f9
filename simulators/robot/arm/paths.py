"""Geometry the motion planner samples: lines, circles, orientation slerp, link points, singularity measures.

Everything works on stacks (numpy) so a move's samples are computed in a few calls. Poses are 4×4, mm.
"""

from __future__ import annotations

import math

import numpy as np

from simulators.robot.arm.kinematics import WRIST_EPS, Arm, wrap
from simulators.robot.arm.orientation import rotation_angle


def rotvec(r: np.ndarray) -> tuple[np.ndarray, float]:
    """Unit axis and angle of the rotation ``r`` (angle in [0, π]); axis x for the identity."""
    angle = float(rotation_angle(r))
    if angle < 1e-12:
        return np.array([1.0, 0.0, 0.0]), 0.0
    if angle < math.pi - 1e-6:
        v = np.array([r[2, 1] - r[1, 2], r[0, 2] - r[2, 0], r[1, 0] - r[0, 1]])
        return v / math.sqrt(float(v.dot(v))), angle  # np.linalg.norm's sqrt of the dot product, less overhead
    # near a half-turn the skew part vanishes: the axis is the largest column of (R + I) / 2
    b = 0.5 * (r + np.eye(3))
    k = int(np.argmax(np.diag(b)))
    v = b[:, k] / math.sqrt(max(b[k, k], 1e-300))
    return v / np.linalg.norm(v), angle


def skew_terms(axis: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """K and K² of a unit axis, for ``rodrigues`` (a move computes them once for all its samplings)."""
    x, y, z = axis
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return k, k @ k


def rodrigues(axis: np.ndarray, angles: np.ndarray, terms: tuple[np.ndarray, np.ndarray] | None = None
              ) -> np.ndarray:
    """(n, 3, 3) turns by ``angles`` about one unit ``axis`` (``terms``: its ``skew_terms`` if known)."""
    k, kk = skew_terms(axis) if terms is None else terms
    a = np.asarray(angles, dtype=float)[:, None, None]
    return np.eye(3) + np.sin(a) * k + (1.0 - np.cos(a)) * kk


def slerp(r0: np.ndarray, r1: np.ndarray, s: np.ndarray) -> np.ndarray:
    """(n, 3, 3) orientations from ``r0`` (s = 0) to ``r1`` (s = 1) turning at constant rate about one axis."""
    axis, angle = rotvec(r0.T @ r1)
    return r0 @ rodrigues(axis, angle * np.asarray(s, dtype=float))


def circle(p0: np.ndarray, pv: np.ndarray, p1: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, np.ndarray,
                                                                  float] | None:
    """Circle through three points, travelled p0 → pv → p1: (centre, radius, e1, e2, sweep angle).

    Points on it: centre + radius·(cos φ·e1 + sin φ·e2), φ from 0 to the sweep. None when the points are
    (nearly) collinear or coincide.
    """
    a, b = pv - p0, p1 - p0
    n = np.cross(a, b)
    nn = float(np.linalg.norm(n))
    if nn < 1e-6 * max(1e-9, float(np.linalg.norm(a) * np.linalg.norm(b))) or nn < 1e-9:
        return None
    c = p0 + np.cross(float(a @ a) * b - float(b @ b) * a, n) / (2.0 * nn * nn)
    radius = float(np.linalg.norm(p0 - c))
    e1 = (p0 - c) / radius
    e2 = np.cross(n / nn, e1)
    d = p1 - c
    sweep = math.atan2(float(d @ e2), float(d @ e1)) % (2.0 * math.pi)
    return c, radius, e1, e2, sweep


def link_points(arm: Arm, q: np.ndarray, tool: np.ndarray, base: np.ndarray) -> np.ndarray:
    """(n, 8, 3) skeleton vertices in world, as ``Jogger.link_points``: base, J1 top, shoulder, elbow, forearm
    bend, wrist centre, flange, TCP. A point of a straight link moves by the weighted mean of its ends'
    displacements, so capping these caps every point of every link."""
    m = arm.model
    q = np.asarray(q, dtype=float).reshape(-1, 6)
    t = q * arm._sign
    c1, s1 = np.cos(t[:, 0]), np.sin(t[:, 0])
    t23 = t[:, 1] + t[:, 2]
    n = len(q)
    r_el, z_el = m.a1 + m.a2 * np.sin(t[:, 1]), m.d1 + m.a2 * np.cos(t[:, 1])
    r_fb, z_fb = r_el + m.a3 * np.sin(t23), z_el + m.a3 * np.cos(t23)
    r_wc, z_wc = r_fb + m.d4 * np.cos(t23), z_fb - m.d4 * np.sin(t23)
    rr, zz = np.empty((n, 6)), np.empty((n, 6))  # filled, not stacked: the same values, fewer numpy calls
    rr[:, 0], rr[:, 1], rr[:, 2], rr[:, 3], rr[:, 4], rr[:, 5] = 0.0, 0.0, m.a1, r_el, r_fb, r_wc
    zz[:, 0], zz[:, 1], zz[:, 2], zz[:, 3], zz[:, 4], zz[:, 5] = 0.0, m.d1, m.d1, z_el, z_fb, z_wc
    pts = np.empty((n, 8, 3))
    pts[:, :6, 0], pts[:, :6, 1], pts[:, :6, 2] = c1[:, None] * rr, s1[:, None] * rr, zz
    flange = arm.fk(q)
    pts[:, 6] = flange[:, :3, 3]
    pts[:, 7] = flange[:, :3, :3] @ tool[:3, 3] + flange[:, :3, 3]
    return pts @ base[:3, :3].T + base[:3, 3]


def measures(arm: Arm, q: np.ndarray) -> dict[str, np.ndarray]:
    """``singularities.measures`` for a stack of joint vectors (degrees, mm, degrees)."""
    m = arm.model
    q = np.asarray(q, dtype=float).reshape(-1, 6)
    t = q * arm._sign
    # the wrist centre's x and y as ``Arm.wrist_centre`` computes them (its z is not needed)
    t0, t1, t23 = t[:, 0], t[:, 1], t[:, 1] + t[:, 2]
    r = m.a1 + m.a2 * np.sin(t1) + m.d4 * np.cos(t23) + m.a3 * np.sin(t23)
    return {
        "wrist": np.degrees(np.arcsin(np.minimum(1.0, np.abs(np.sin(t[:, 4]))))),
        "shoulder": np.hypot(np.cos(t0) * r, np.sin(t0) * r),
        "elbow": np.degrees(np.arcsin(np.minimum(1.0, np.abs(np.cos(t[:, 2] - arm._beta))))),
    }


def ik_configuration(arm: Arm, flange: np.ndarray, k: int) -> np.ndarray:
    """(n, 6) solutions of flange poses in configuration index ``k`` only, wrapped to (−π, π] (NaN: out of reach).

    ``Arm.ik_batch``'s algebra for one of its eight branches: a linear move keeps its configuration, so the
    planner needs one solution per sample, and computing all eight cost ~5× more.
    """
    m = arm.model
    flange = np.asarray(flange, dtype=float).reshape(-1, 4, 4)
    back, elbow_down, flip = bool(k & 4), bool(k & 2), bool(k & 1)
    r6 = flange[:, :3, :3] @ arm._flange.T
    pw = flange[:, :3, 3] - m.d6 * r6[:, :, 0]
    rho = np.hypot(pw[:, 0], pw[:, 1])
    front = np.arctan2(pw[:, 1], pw[:, 0])
    t1 = wrap(front + np.pi) if back else front
    u = (-rho if back else rho) - m.a1
    v = pw[:, 2] - m.d1
    dd = u * u + v * v
    big_l = arm._forearm
    two_al = 2.0 * m.a2 * big_l
    one_minus = ((m.a2 + big_l) ** 2 - dd) / two_al
    one_plus = (dd - (m.a2 - big_l) ** 2) / two_al
    ok = (one_minus >= 0) & (one_plus >= 0)
    c = np.sqrt(np.maximum(one_minus, 0.0) * np.maximum(one_plus, 0.0))
    t3 = arm._beta - np.arctan2(1.0 - one_minus, -c if elbow_down else c)
    c3, s3 = np.cos(t3), np.sin(t3)
    k1 = m.d4 * c3 + m.a3 * s3
    k2 = m.a2 - m.d4 * s3 + m.a3 * c3
    t2 = np.arctan2(u, v) - np.arctan2(k1, k2)
    # W = R3ᵀ·R6 with R3 = Rz(t1)·Ry(t2 + t3): R3ᵀ filled in place, one batched product
    t23 = t2 + t3
    c1, s1, ca, sa = np.cos(t1), np.sin(t1), np.cos(t23), np.sin(t23)
    r3t = np.empty((len(flange), 3, 3))
    r3t[:, 0, 0], r3t[:, 0, 1], r3t[:, 0, 2] = c1 * ca, s1 * ca, -sa
    r3t[:, 1, 0], r3t[:, 1, 1], r3t[:, 1, 2] = -s1, c1, 0.0
    r3t[:, 2, 0], r3t[:, 2, 1], r3t[:, 2, 2] = c1 * sa, s1 * sa, ca
    w = r3t @ r6
    w00, w10, w20 = w[:, 0, 0], w[:, 1, 0], w[:, 2, 0]
    w11, w21, w12, w22 = w[:, 1, 1], w[:, 2, 1], w[:, 1, 2], w[:, 2, 2]
    t4 = np.where(np.hypot(w10, w20) < WRIST_EPS, 0.0, np.arctan2(w10, -w20))
    c4, s4 = np.cos(t4), np.sin(t4)
    t5 = np.arctan2(s4 * w10 - c4 * w20, w00)
    t6 = np.arctan2(-(c4 * w12 + s4 * w22), c4 * w11 + s4 * w21)
    if flip == (m.signs[4] > 0):  # the canonical negative-J5 branch: J4 and J6 turned by π
        t4, t5, t6 = wrap(t4 + np.pi), -t5, wrap(t6 + np.pi)
    q = np.empty((len(flange), 6))
    q[:, 0], q[:, 1], q[:, 2], q[:, 3], q[:, 4], q[:, 5] = t1, t2, t3, t4, t5, t6
    q *= arm._sign
    q = wrap(q)
    if not np.logical_and.reduce(ok):
        q[~ok] = np.nan
    return q

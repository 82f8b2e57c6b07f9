"""The arm and its tools as meshes in their link frames, and the link frames for a joint vector (no Qt).

Shapes follow the model's geometry (``d1 a1 a2 a3 d4 d6``, see ``simulators.robot.arm.models``): a pedestal, the
J1 turret with the shoulder housing, a tapered upper arm, the elbow with the J4 motor behind it, the forearm tube
ending in the wrist fork, the J5 housing and the flange. Widths scale with the arm's size, so the R7-700 looks
slender and the R12-1440 heavy. Link frames (base frame, canonical joint signs t = q·signs):

    T1 = Rz(t1)                         J1 turret
    T2 = T1·Tr(a1, 0, d1)·Ry(t2)        upper arm along its z
    T3 = T2·Tr(0, 0, a2)·Ry(t3)         elbow
    T4 = T3·Tr(0, 0, a3)·Rx(t4)         forearm along its x
    T5 = T4·Tr(d4, 0, 0)·Ry(t5)         wrist centre
    T6 = T5·Rx(t6)                      flange disc (d6 along x)
    T7 = Arm.fk(q)                      flange frame: the tool's meshes (z along the tool)

so T5's origin is ``Arm.wrist_centre`` and T6·(d6, 0, 0) the flange position (tested).
"""

from __future__ import annotations

import math

import numpy as np

from app.ui.robot3d.materials import ARM, ARM_DARK, ARM_JOINT, FLANGE, TOOL, TOOL_TIP
from app.ui.robot3d.mesh import (
    Mesh,
    box,
    cylinder,
    frustum,
    merge,
    rod,
    rotation_to,
    tapered_box,
    translation,
)

LINKS = 8  # base, J1…J6, tool


def link_width(model) -> float:
    """A link's typical width (mm): the arm's size sets its bulk."""
    return 0.09 * (model.d1 + model.a2 + model.d4)


def _along(axis: str, mesh: Mesh, at=(0.0, 0.0, 0.0)) -> Mesh:
    return mesh.transformed(translation(*at) @ rotation_to(axis))


def _across_y(radius: float, half_len: float, at, segments: int, material: int) -> Mesh:
    """A housing on a J2/J3/J5-style axis (local y), centred at ``at``."""
    x, y, z = at
    return _along("y", cylinder(radius, 2 * half_len, segments, material), (x, y - half_len, z))


def _bands(length: float, w: float) -> int:
    """Bands for a long link: about 1.5 link widths each (see ``mesh.frustum``)."""
    return max(1, min(5, round(length / (1.5 * w))))


def arm_link_meshes(model) -> list[Mesh]:
    """Seven meshes (base, J1…J6) in their link frames."""
    w = link_width(model)
    d1, a1, a2, a3, d4, d6 = model.d1, model.a1, model.a2, model.a3, model.d4, model.d6
    base = [
        box((-1.35 * w, -1.35 * w, 0.0), (1.35 * w, 1.35 * w, 0.05 * d1), ARM_DARK),
        cylinder(1.15 * w, 0.25 * d1, 16, ARM_DARK).transformed(translation(0, 0, 0.05 * d1)),  # on the plate
    ]
    turret_top = max(0.55 * d1, d1 - 0.9 * w)
    j1 = [
        frustum(1.05 * w, 0.95 * w, turret_top - 0.3 * d1, 16, ARM).transformed(translation(0, 0, 0.3 * d1)),
        box((-0.8 * w, -0.62 * w, turret_top), (a1 + 0.45 * w, 0.62 * w, d1), ARM),
        _across_y(0.7 * w, 0.8 * w, (a1, 0.0, d1), 16, ARM),
        _across_y(0.42 * w, 0.22 * w, (a1, -1.02 * w, d1), 12, ARM_DARK),  # J2 motor
    ]
    j2 = [
        # ends just inside the shoulder and elbow housings: less overlap for the painter's algorithm to get wrong
        tapered_box(0.35 * w, a2 - 0.3 * w, (0.5 * w, 0.46 * w), (0.38 * w, 0.4 * w), ARM, bands=_bands(a2, w)),
    ]
    back = 0.95 * w
    j3 = [
        _across_y(0.56 * w, 0.6 * w, (0.0, 0.0, 0.0), 16, ARM),
        box((-back, -0.5 * w, -0.1 * w), (0.42 * w, 0.5 * w, a3 + 0.42 * w), ARM),
        _along("x", cylinder(0.34 * w, 0.4 * w, 12, ARM_DARK), (-back - 0.4 * w, 0.0, a3)),  # J4 motor
    ]
    fork0 = d4 - 0.62 * w
    j4 = [
        _along("x", frustum(0.4 * w, 0.3 * w, fork0 - 0.42 * w, 16, ARM, rings=_bands(fork0, w)), (0.42 * w, 0.0, 0.0)),
        box((fork0, -0.44 * w, -0.3 * w), (fork0 + 0.16 * w, 0.44 * w, 0.3 * w), ARM),
        box((fork0 + 0.16 * w, 0.24 * w, -0.3 * w), (d4 + 0.12 * w, 0.44 * w, 0.3 * w), ARM),
        box((fork0 + 0.16 * w, -0.44 * w, -0.3 * w), (d4 + 0.12 * w, -0.24 * w, 0.3 * w), ARM),
    ]
    nose = max(d6 - 0.12 * w, 0.3 * w)
    j5 = [
        _across_y(0.27 * w, 0.23 * w, (0.0, 0.0, 0.0), 12, ARM_JOINT),
        _along("x", frustum(0.24 * w, 0.22 * w, nose, 12, ARM), (0.0, 0.0, 0.0)),
    ]
    j6 = [
        _along("x", cylinder(0.27 * w, d6 - nose, 12, FLANGE), (nose, 0.0, 0.0)),
    ]
    return [merge(parts) for parts in (base, j1, j2, j3, j4, j5, j6)]


def _rx(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    t = np.eye(4)
    t[1:3, 1:3] = [[c, -s], [s, c]]
    return t


def _ry(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    t = np.eye(4)
    t[0, 0], t[0, 2], t[2, 0], t[2, 2] = c, s, -s, c
    return t


def _rz(a: float) -> np.ndarray:
    c, s = math.cos(a), math.sin(a)
    t = np.eye(4)
    t[:2, :2] = [[c, -s], [s, c]]
    return t


def link_frames(arm, q) -> list[np.ndarray]:
    """The eight frames (base, J1…J6, flange) in the robot's base frame for joints ``q`` (radians)."""
    m = arm.model
    t = np.asarray(q, dtype=float) * np.asarray(m.signs, dtype=float)
    f1 = _rz(t[0])
    f2 = f1 @ translation(m.a1, 0.0, m.d1) @ _ry(t[1])
    f3 = f2 @ translation(0.0, 0.0, m.a2) @ _ry(t[2])
    f4 = f3 @ translation(0.0, 0.0, m.a3) @ _rx(t[3])
    f5 = f4 @ translation(m.d4, 0.0, 0.0) @ _ry(t[4])
    f6 = f5 @ _rx(t[5])
    return [np.eye(4), f1, f2, f3, f4, f5, f6, arm.fk(q)]


# ---------------------------------------------------------------------------------------------- tools
def tool_kind(name: str) -> str:
    """The drawing style a tool's name suggests: gripper, glue (nozzle) or pointer (calibration tip)."""
    n = name.lower()
    if "grip" in n or "hand" in n or "suction" in n:
        return "gripper"
    if "glue" in n or "gun" in n or "disp" in n or "weld" in n or "torch" in n:
        return "glue"
    return "pointer"


def tool_mesh(tcp: np.ndarray, kind: str = "pointer", flange_radius: float = 40.0) -> Mesh:
    """A tool in the flange frame (z along the tool) reaching the TCP ``tcp`` (4×4, flange → TCP)."""
    tip = np.asarray(tcp, dtype=float)[:3, 3]
    reach = max(float(tip[2]), 20.0)
    plate = cylinder(flange_radius, 12.0, 12, TOOL_TIP)
    if kind == "gripper":
        body_end = 0.55 * reach
        parts = [plate, box((-55.0, -35.0, 12.0), (55.0, 35.0, body_end), TOOL)]
        for side in (-1.0, 1.0):
            x0 = tip[0] + side * 22.0
            parts.append(box((min(x0, x0 + side * 14.0), tip[1] - 12.0, body_end),
                             (max(x0, x0 + side * 14.0), tip[1] + 12.0, reach), TOOL_TIP))
        return merge(parts)
    if kind == "glue":
        body_end = 0.5 * reach
        return merge([plate, cylinder(0.8 * flange_radius, body_end, 12, TOOL).transformed(translation(0, 0, 12.0)),
                      rod((0.0, 0.0, body_end), tip, 9.0, 8, TOOL_TIP, r1=3.0)])
    return merge([plate, rod((0.0, 0.0, 12.0), tip, 14.0, 8, TOOL, r1=2.0)])

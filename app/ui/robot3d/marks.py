"""Revolution-counter sync marks drawn on the joints (the rev-counters lab): on each axis a tick on the fixed
part and one on the moving part, as the scribed lines on a real robot. They meet in one straight line when the
joint stands on its mark; green within the tolerance, orange otherwise. Pure numpy: segments in world."""

from __future__ import annotations

import math

import numpy as np

from app.ui.robot3d.arm_mesh import _rx, _ry, _rz, link_width

# each joint's axis in its link frame (see arm_mesh.link_frames) and the radial direction the ticks point to
AXES = (("z", (1.0, 0.0, 0.0)), ("y", (0.0, 0.0, 1.0)), ("y", (0.0, 0.0, 1.0)), ("x", (0.0, 0.0, 1.0)),
        ("y", (0.0, 0.0, 1.0)), ("x", (0.0, 0.0, 1.0)))
_ROT = {"x": _rx, "y": _ry, "z": _rz}


def sync_mark_segments(frames: list[np.ndarray], q: np.ndarray, signs, marks_deg, tolerance_deg: float,
                       model) -> tuple[np.ndarray, np.ndarray]:
    """(aligned, off): segments (n, 2, 3) in world. ``frames`` are the scene's (base, J1…J6, flange)."""
    width = link_width(model)
    r0, r1, r2 = 0.55 * width, 0.8 * width, 1.05 * width  # moving tick r0→r1, fixed tick r1→r2
    aligned, off = [], []
    for i, (axis, radial) in enumerate(AXES):
        f = frames[i + 1]
        t = float(q[i]) * float(signs[i])
        mark = math.radians(float(marks_deg[i])) * float(signs[i])
        u = np.array([*radial, 0.0])
        moving = (f @ u)[:3]
        fixed = (f @ _ROT[axis](-t) @ _ROT[axis](mark) @ u)[:3]
        p = f[:3, 3]
        segs = [(p + r0 * moving, p + r1 * moving), (p + r1 * fixed, p + r2 * fixed)]
        ok = abs(math.degrees(float(q[i])) - float(marks_deg[i])) <= tolerance_deg
        (aligned if ok else off).extend(segs)
    as_array = lambda s: np.array(s, dtype=float).reshape(-1, 2, 3)
    return as_array(aligned), as_array(off)

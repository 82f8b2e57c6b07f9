"""Samples of a blended corner: two moves superposed over their overlapping ramps (see ``motion.py``).

Between two Cartesian moves (L/C) the TCP positions are added and the turns composed, then solved by IK in the
configuration of the second move, so the corner stays in the plane of the two paths. Any corner with a joint
move adds joint values: the J move has no Cartesian path to keep, and a sum of joint ramps is the classic
parabolic blend. Should IK fail on a Cartesian corner sample, the corner falls back to the joint sum.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulators.robot.arm.segments import solve

Planner = Any  # motion.Planner / motion._Planned (not imported: no cycles)
_Planned = Any


def blend_samples(planner: Planner, a: _Planned, b: _Planned, ov: int) -> np.ndarray:
    """Joints for the ``ov`` ticks where ``b`` has started and ``a`` has not ended (``b.q[0]`` is the corner)."""
    j1 = np.arange(a.ticks - ov, a.ticks)
    j2 = np.arange(0, ov)
    if a.tcp is not None and b.tcp is not None:
        pa, pb, corner = a.tcp[j1], b.tcp[j2], b.tcp[0]
        poses = np.zeros((ov, 4, 4))
        poses[:, :3, 3] = pa[:, :3, 3] + pb[:, :3, 3] - corner[:3, 3]
        poses[:, :3, :3] = pa[:, :3, :3] @ corner[:3, :3].T @ pb[:, :3, :3]
        poses[:, 3, 3] = 1.0
        q = solve(planner, poses, b.path.conf, a.q[j1[0]])
        if not np.logical_or.reduce(np.isnan(q), axis=None):
            return q
    return a.q[j1] + b.q[j2] - b.q[0]

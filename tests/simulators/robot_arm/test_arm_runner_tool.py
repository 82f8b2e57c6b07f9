"""A scenario's own tool: its collision capsule reaches the TCP and no further."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.robot.arm.runner import build_environment
from simulators.robot.arm.scenario import RobotArmScenario


def _tool(tcp, radius=20.0):
    data = {"arm": "r7-700", "tools": [{"name": "pen", "tcp": tcp, "radius_mm": radius}],
            "start_joints": [0, 10, 10, 0, 60, 0],
            "task": {"kind": "jog_targets", "frame": "world",
                     "targets": [{"name": "t", "pose": [450, 0, 350, 180, 0, 0]}]}}
    return build_environment(RobotArmScenario.model_validate(data)).geometry


@pytest.mark.parametrize("tcp", [[0, 0, 100, 0, 0, 0], [30, 0, 120, 0, 0, 0]])
def test_the_capsule_ends_one_radius_short_so_its_tip_is_the_tcp(tcp):
    geometry = _tool(tcp)
    (capsule,) = geometry.capsules
    tip = np.asarray(capsule.p1, dtype=float)
    reach = np.linalg.norm(tip) + capsule.radius
    assert reach == pytest.approx(np.linalg.norm(tcp[:3]), abs=1e-9)  # a pointer touching a pin is not a collision
    assert np.allclose(np.cross(tip, tcp[:3]), 0.0)  # along the flange → TCP line


def test_a_tool_shorter_than_its_radius_has_no_capsule():
    assert _tool([0, 0, 10, 0, 0, 0]).capsules == ()

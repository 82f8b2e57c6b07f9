"""Configuration data as three pendant families write it, computed from joint values (radians).

* ABB-style ``(cf1, cf4, cf6, cfx)``: cf1/cf4/cf6 = quadrant floor(θ/90°) of axes 1/4/6; cfx =
  4·(wrist centre behind axis 1) + 2·(wrist centre behind the lower arm) + (axis 5 negative).
* KUKA-style ``(Status, Turn)``: Status bit 0 = wrist centre behind axis 1 ("overhead"), bit 1 = elbow
  (wrist centre behind the lower arm), bit 2 = wrist flip (axis 5 negative); Turn bit i set when axis i+1 < 0.
* FANUC-style ``"N U T, 0, 0, 0"`` — our own documented dialect, since sources disagree on which joints
  the turn digits count: flip letter F (axis 5 negative) or N, elbow U or D, shoulder T (toward: wrist
  centre in front of axis 1) or B, then the turn numbers of axes 1, 4 and 6: the k for which
  θ − k·360° lies in (−180°, 180°].
"""

from __future__ import annotations

import math
import re

import numpy as np

from simulators.robot.arm.errors import ConfigurationError
from simulators.robot.arm.kinematics import Arm, Configuration

QUARTER = math.pi / 2


def abb_conf(arm: Arm, q: np.ndarray) -> tuple[int, int, int, int]:
    """(cf1, cf4, cf6, cfx) of a joint vector."""
    return (
        math.floor(q[0] / QUARTER),
        math.floor(q[3] / QUARTER),
        math.floor(q[5] / QUARTER),
        arm.configuration(q).index,
    )


def kuka_status_turn(arm: Arm, q: np.ndarray) -> tuple[int, int]:
    """(Status, Turn) of a joint vector; Status bits as ABB's cfx bits, in the reverse order."""
    c = arm.configuration(q)
    status = int(c.back) | int(c.elbow_down) << 1 | int(c.flip) << 2
    turn = sum(1 << i for i in range(6) if q[i] < 0)
    return status, turn


def turn_number(theta: float) -> int:
    """k such that θ − k·2π lies in (−π, π]."""
    return -math.floor((math.pi - theta) / (2 * math.pi))


def fanuc_string(arm: Arm, q: np.ndarray) -> str:
    """e.g. ``"N U T, 0, 0, -1"``."""
    c = arm.configuration(q)
    letters = f"{'F' if c.flip else 'N'} {'D' if c.elbow_down else 'U'} {'B' if c.back else 'T'}"
    return f"{letters}, {turn_number(q[0])}, {turn_number(q[3])}, {turn_number(q[5])}"


_FANUC = re.compile(r"^\s*([NF])\s*([UD])\s*([TB])\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*$", re.IGNORECASE)


def parse_fanuc(text: str) -> tuple[Configuration, tuple[int, int, int]]:
    """``"N U T, 0, 0, 0"`` → (Configuration, turns of axes 1, 4, 6); ConfigurationError if malformed."""
    m = _FANUC.match(text)
    if not m:
        raise ConfigurationError(f"not a configuration string: {text!r}", text=text)
    f, e, s = (g.upper() for g in m.group(1, 2, 3))
    return Configuration(back=s == "B", elbow_down=e == "D", flip=f == "F"), (
        int(m.group(4)), int(m.group(5)), int(m.group(6)))


def ik_with_turns(arm: Arm, pose: np.ndarray, configuration: Configuration, centres: dict[int, float]) -> np.ndarray:
    """The solution of ``configuration`` whose joints in ``centres`` (0-based index → angle, radians) are the
    turns nearest those angles; how ABB's cf1/cf4/cf6 and FANUC's turn numbers pick among whole turns.

    Raises ConfigurationError naming the joint when that turn lies outside the joint's limits.
    """
    sol = next((s for s in arm.solutions(pose) if s.configuration == configuration), None)
    if sol is None:
        raise ConfigurationError("pose not reachable in this configuration", configuration=configuration.index)
    q = sol.joints.copy()
    lim = arm.model.limits_rad
    for j, centre in centres.items():
        q[j] += 2 * math.pi * round((centre - q[j]) / (2 * math.pi))
        if not lim[j, 0] <= q[j] <= lim[j, 1]:
            raise ConfigurationError(
                f"joint {j + 1} at {math.degrees(q[j]):.1f} deg is outside its limits in this configuration",
                joint=j + 1, value_deg=round(math.degrees(q[j]), 3), configuration=configuration.index)
    viol = arm.limit_violation(q)
    if viol.any():
        j = int(np.argmax(viol))
        raise ConfigurationError(
            f"joint {j + 1} at {math.degrees(q[j]):.1f} deg is outside its limits in this configuration",
            joint=j + 1, value_deg=round(math.degrees(q[j]), 3), configuration=configuration.index)
    return q


def ik_abb(arm: Arm, pose: np.ndarray, conf: tuple[int, int, int, int]) -> np.ndarray:
    """Joints for a robtarget-like (pose, (cf1, cf4, cf6, cfx)): quadrant centres pick the turns."""
    cf1, cf4, cf6, cfx = conf
    centres = {0: (cf1 + 0.5) * QUARTER, 3: (cf4 + 0.5) * QUARTER, 5: (cf6 + 0.5) * QUARTER}
    q = ik_with_turns(arm, pose, Configuration.from_index(cfx), centres)
    for j, cf in ((0, cf1), (3, cf4), (5, cf6)):
        _check(q, j, math.floor(q[j] / QUARTER) == cf, cfx)
    return q


def ik_fanuc(arm: Arm, pose: np.ndarray, text: str) -> np.ndarray:
    """Joints for a pose with a FANUC-style configuration string."""
    config, (t1, t4, t6) = parse_fanuc(text)
    centres = {0: t1 * 2 * math.pi, 3: t4 * 2 * math.pi, 5: t6 * 2 * math.pi}
    q = ik_with_turns(arm, pose, config, centres)
    for j, t in ((0, t1), (3, t4), (5, t6)):
        _check(q, j, turn_number(q[j]) == t, config.index)
    return q


def _check(q: np.ndarray, j: int, ok: bool, cfx: int) -> None:
    if not ok:
        raise ConfigurationError(
            f"joint {j + 1} at {math.degrees(q[j]):.1f} deg does not match the configuration asked for",
            joint=j + 1, value_deg=round(math.degrees(q[j]), 3), configuration=cfx)

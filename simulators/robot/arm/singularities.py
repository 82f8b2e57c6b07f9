"""Distance of a joint position to the three singularities of a spherical-wrist arm.

Each measure is zero at the singularity and grows away from it, so one threshold per kind says "too close":

* wrist — J5 ≈ 0 (J4 and J6 line up): |J5| folded to the nearest of 0°/±180°, in degrees;
* shoulder — the wrist centre on the J1 axis: its distance from that axis, in mm;
* elbow — the arm stretched (or folded back onto itself): the angle of J3 from those positions, in degrees.

A linear move that comes within a threshold stops with an alarm naming the kind (the motion engine decides);
a joint move passes through, as on real controllers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulators.robot.arm.kinematics import Arm

DEFAULT_THRESHOLDS = {"wrist": 2.0, "shoulder": 20.0, "elbow": 2.0}  # degrees, mm, degrees
KINDS = ("wrist", "shoulder", "elbow")


@dataclass(frozen=True)
class Singularity:
    kind: str  # "wrist" | "shoulder" | "elbow"
    distance: float  # degrees for wrist/elbow, mm for shoulder
    threshold: float

    @property
    def code(self) -> str:
        """Stable message code for the app's catalog."""
        return f"arm.singularity.{self.kind}"


def measures(arm: Arm, q: np.ndarray) -> dict[str, float]:
    """The three distances for one joint vector (radians)."""
    q = np.asarray(q, dtype=float)
    t = q * np.array(arm.model.signs, dtype=float)
    wc = arm.wrist_centre(q)
    wrist = math.degrees(math.asin(min(1.0, abs(math.sin(t[4])))))
    elbow = math.degrees(math.asin(min(1.0, abs(math.cos(t[2] - math.atan2(arm.model.a3, arm.model.d4))))))
    return {"wrist": wrist, "shoulder": math.hypot(wc[0], wc[1]), "elbow": elbow}


def near(arm: Arm, q: np.ndarray, thresholds: dict[str, float] | None = None) -> list[Singularity]:
    """The singularities ``q`` is within the threshold of (closest first, relative to its threshold)."""
    th = {**DEFAULT_THRESHOLDS, **(thresholds or {})}
    found = [Singularity(k, d, th[k]) for k, d in measures(arm, q).items() if d < th[k]]
    return sorted(found, key=lambda s: s.distance / s.threshold)

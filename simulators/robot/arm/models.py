"""Six-axis arm models as data: link lengths, joint limits, speeds, payload.

Geometry convention (the "OPW" form of an arm with a spherical wrist; same letters as issue 23):

* J1 turns about the base z axis; the shoulder (J2 axis) sits ``a1`` forward and ``d1`` up.
* The upper arm (ABB: "lower arm") has length ``a2``; at J2 = 0 it points straight up.
* From the elbow (J3 axis) the forearm goes ``a3`` up then ``d4`` forward to the wrist centre;
  at J3 = 0 it is horizontal.
* J4 turns about the forearm, J5 bends the wrist, J6 turns the flange, ``d6`` beyond the wrist centre.

All models share one canonical kinematics (ABB sign convention: J2 positive = tilt forward, J3 positive =
forearm down, J4/J6 about the forearm/flange axis, J5 positive = bend down). A model whose joints count the
other way (the Yaskawa GP12 has U, R, B, T reversed) states ``signs``; its flange frame is turned by
``flange_rz_deg`` about the tool axis so that it matches the vendor's ``tool0``. Both were checked against the
ROS-Industrial URDFs (abb_irb1200_support irb1200_7_70, motoman_gp12_support gp12) in the tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ArmModel:
    """One arm type. Lengths in mm, angles in degrees (data), payload in kg."""

    key: str
    label: str  # generic name shown in the app; the real arm it copies is in ``geometry_source``
    d1: float
    a1: float
    a2: float
    a3: float
    d4: float
    d6: float
    limits_deg: tuple[tuple[float, float], ...]
    max_speed_deg_s: tuple[float, ...]
    payload_kg: float
    signs: tuple[int, ...] = (1, 1, 1, 1, 1, 1)
    flange_rz_deg: float = 0.0
    geometry_source: str = ""
    # joint accelerations (°/s²) for motion timing; not in the datasheets, chosen so each joint reaches its top
    # speed in ~0.25 s (small arm) / ~0.3 s (larger arm), as on real controllers at nominal payload
    max_accel_deg_s2: tuple[float, ...] = ()

    @property
    def forearm(self) -> float:
        """Distance elbow → wrist centre (mm)."""
        return math.hypot(self.a3, self.d4)

    @property
    def reach(self) -> float:
        """Largest distance of the wrist centre from the J1 axis: arm stretched horizontally (mm).

        This is how the datasheets quote reach (to the wrist centre, "point P"), so it is checked against them.
        """
        return self.a1 + self.a2 + self.forearm

    @property
    def limits_rad(self) -> np.ndarray:
        """(6, 2) array of lower/upper joint limits in radians."""
        return np.radians(np.array(self.limits_deg, dtype=float))

    @property
    def max_speed_rad_s(self) -> np.ndarray:
        return np.radians(np.array(self.max_speed_deg_s, dtype=float))

    @property
    def max_accel_rad_s2(self) -> np.ndarray:
        """Joint accelerations (rad/s²); a model without data gets 4 × its top speed per second."""
        acc = self.max_accel_deg_s2 or tuple(4.0 * v for v in self.max_speed_deg_s)
        return np.radians(np.array(acc, dtype=float))


R7_700 = ArmModel(
    key="r7-700",
    label="R7-700",
    d1=399.1, a1=0.0, a2=350.0, a3=42.0, d4=351.0, d6=82.0,
    limits_deg=((-170, 170), (-100, 135), (-200, 70), (-270, 270), (-130, 130), (-360, 360)),
    max_speed_deg_s=(288, 240, 300, 400, 405, 600),
    payload_kg=7.0,
    max_accel_deg_s2=(1150, 960, 1200, 1600, 1620, 2400),
    geometry_source="ABB IRB 1200-7/0.7 (ROS-Industrial abb_irb1200_support, irb1200_7_70)",
)

R12_1440 = ArmModel(
    key="r12-1440",
    label="R12-1440",
    d1=450.0, a1=155.0, a2=614.0, a3=200.0, d4=640.0, d6=100.0,
    limits_deg=((-170, 170), (-90, 155), (-85, 150), (-200, 200), (-150, 150), (-455, 455)),
    max_speed_deg_s=(260, 230, 260, 470, 470, 700),
    payload_kg=12.0,
    signs=(1, 1, -1, -1, -1, -1),
    flange_rz_deg=180.0,
    max_accel_deg_s2=(870, 770, 870, 1570, 1570, 2330),
    geometry_source="Yaskawa Motoman GP12 (ROS-Industrial motoman_gp12_support, gp12)",
)

MODELS: dict[str, ArmModel] = {m.key: m for m in (R7_700, R12_1440)}


def get_model(key: str) -> ArmModel:
    """The model with this key; KeyError names the known keys."""
    try:
        return MODELS[key]
    except KeyError:
        raise KeyError(f"unknown arm model {key!r}; known: {', '.join(MODELS)}") from None

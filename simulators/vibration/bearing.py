"""Rolling-bearing defect frequencies from the bearing geometry (inner ring rotating, outer ring fixed)."""

from __future__ import annotations

import math
from typing import NamedTuple


class DefectFrequencies(NamedTuple):
    """Hz at one shaft speed: the rates at which a defect on each part is struck."""

    ftf: float   # fundamental train (cage) frequency
    bpfo: float  # ball pass frequency, outer race
    bpfi: float  # ball pass frequency, inner race
    bsf: float   # ball spin frequency (a ball defect strikes the races at 2 × BSF)

    def scaled(self, factor: float) -> DefectFrequencies:
        return DefectFrequencies(*(f * factor for f in self))


def defect_frequencies(balls: int, ball_diameter: float, pitch_diameter: float, contact_angle_deg: float,
                       shaft_hz: float) -> DefectFrequencies:
    """FTF = fr/2·(1 − r), BPFO = n·FTF, BPFI = n·fr/2·(1 + r), BSF = D/(2d)·fr·(1 − r²),
    with r = (d/D)·cos φ. Any length unit, as long as d and D share it."""
    if balls < 1 or ball_diameter <= 0 or pitch_diameter <= ball_diameter:
        raise ValueError("needs at least one ball and 0 < ball diameter < pitch diameter")
    r = ball_diameter / pitch_diameter * math.cos(math.radians(contact_angle_deg))
    ftf = shaft_hz / 2 * (1 - r)
    return DefectFrequencies(
        ftf=ftf,
        bpfo=balls * ftf,
        bpfi=balls * shaft_hz / 2 * (1 + r),
        bsf=pitch_diameter / (2 * ball_diameter) * shaft_hz * (1 - r * r),
    )

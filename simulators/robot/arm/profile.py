"""Trapezoidal velocity profile on a normalised path parameter (distance ``length``, usually 1).

Separate acceleration and deceleration rates: a move that blends into the next (zone > 0) ramps down over
the zone instead of at full deceleration, so its ramp and the next move's overlap (see ``motion.py``).
No jerk limit ("S-less" trapezoid): what the course's timing exercises compute by hand, t = d/v + v/a.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class Trapezoid:
    """Rest-to-rest motion over ``length`` with speed ≤ ``v_max``, ramps at ``a_acc`` / ``a_dec``."""

    length: float
    v_max: float
    a_acc: float
    a_dec: float

    def __post_init__(self) -> None:
        if not (self.length >= 0 and self.v_max > 0 and self.a_acc > 0 and self.a_dec > 0):
            raise ValueError(f"bad trapezoid {self}")

    @cached_property
    def v_peak(self) -> float:
        """Cruise speed, or the top of the triangle when the move is too short to reach ``v_max``."""
        d_ramps = self.v_max**2 / (2 * self.a_acc) + self.v_max**2 / (2 * self.a_dec)
        if self.length >= d_ramps:
            return self.v_max
        return math.sqrt(2.0 * self.length / (1.0 / self.a_acc + 1.0 / self.a_dec))

    @cached_property
    def t_acc(self) -> float:
        return self.v_peak / self.a_acc

    @cached_property
    def t_dec(self) -> float:
        return self.v_peak / self.a_dec

    @cached_property
    def t_cruise(self) -> float:
        v = self.v_peak
        if v <= 0:
            return 0.0
        return max(0.0, (self.length - v * v / (2 * self.a_acc) - v * v / (2 * self.a_dec)) / v)

    @cached_property
    def duration(self) -> float:
        """Total time; with a cruise phase and a_acc = a_dec = a: length / v + v / a."""
        return self.t_acc + self.t_cruise + self.t_dec

    def position(self, t: np.ndarray | float) -> np.ndarray:
        """Distance covered at times ``t`` (clipped to [0, duration])."""
        t = np.minimum(np.maximum(np.asarray(t, dtype=float), 0.0), self.duration)  # np.clip: same, slower
        v, ta, tc = self.v_peak, self.t_acc, self.t_cruise
        t2 = ta + tc
        acc = 0.5 * self.a_acc * t * t
        cruise = 0.5 * v * ta + v * (t - ta)
        rem = self.duration - t
        dec = self.length - 0.5 * self.a_dec * rem * rem
        return np.where(t < ta, acc, np.where(t < t2, cruise, dec))

    def time_at(self, s: float) -> float:
        """Time at which distance ``s`` is reached (the inverse of ``position``)."""
        s = min(max(s, 0.0), self.length)
        v, ta, tc = self.v_peak, self.t_acc, self.t_cruise
        d_acc = 0.5 * v * ta
        if s <= d_acc:
            return math.sqrt(2.0 * s / self.a_acc)
        if s <= d_acc + v * tc:
            return ta + (s - d_acc) / v
        return self.duration - math.sqrt(max(0.0, 2.0 * (self.length - s) / self.a_dec))


def synchronized(distances: np.ndarray, v_max: np.ndarray, a_max: np.ndarray) -> Trapezoid:
    """One profile on s ∈ [0, 1] for joints that start and stop together.

    Joint i moves ``distances[i]`` · s(t); its speed and acceleration are ``distances[i]`` times those of s,
    so the slowest joint sets both limits of s. A single moving joint gets exactly its own trapezoid.
    """
    d = np.abs(np.asarray(distances, dtype=float))
    moving = d > 1e-12
    if not moving.any():
        return Trapezoid(1.0, 1e9, 1e12, 1e12)
    v = float(np.min(v_max[moving] / d[moving]))
    a = float(np.min(a_max[moving] / d[moving]))
    return Trapezoid(1.0, v, a, a)

"""Trapezoidal velocity profile on a normalised path parameter (distance ``length``, usually 1).

Separate acceleration and deceleration rates: a move that blends into the next (zone > 0) ramps down over
the zone instead of at full deceleration, so its ramp and the next move's overlap (see ``motion.py``).
No jerk limit ("S-less" trapezoid): what the course's timing exercises compute by hand, t = d/v + v/a.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Trapezoid:
    """Rest-to-rest motion over ``length`` with speed ≤ ``v_max``, ramps at ``a_acc`` / ``a_dec``."""

    length: float
    v_max: float
    a_acc: float
    a_dec: float
    # set by __post_init__: v_peak (cruise speed), t_acc, t_cruise, t_dec, duration
    v_peak: float = field(init=False, repr=False, compare=False)
    t_acc: float = field(init=False, repr=False, compare=False)
    t_cruise: float = field(init=False, repr=False, compare=False)
    t_dec: float = field(init=False, repr=False, compare=False)
    duration: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not (self.length >= 0 and self.v_max > 0 and self.a_acc > 0 and self.a_dec > 0):
            raise ValueError(f"bad trapezoid {self}")
        # computed once here, not as cached properties: the planner makes a few profiles per move and reads
        # these again and again (functools.cached_property costs more than the arithmetic)
        d_ramps = self.v_max**2 / (2 * self.a_acc) + self.v_max**2 / (2 * self.a_dec)
        # cruise speed, or the top of the triangle when the move is too short to reach v_max
        v = self.v_max
        if self.length < d_ramps:
            v = math.sqrt(2.0 * self.length / (1.0 / self.a_acc + 1.0 / self.a_dec))
        t_cruise = 0.0 if v <= 0 else max(0.0, (self.length - v * v / (2 * self.a_acc) - v * v / (2 * self.a_dec)) / v)
        t_acc, t_dec = v / self.a_acc, v / self.a_dec
        object.__setattr__(self, "v_peak", v)
        object.__setattr__(self, "t_acc", t_acc)
        object.__setattr__(self, "t_dec", t_dec)
        object.__setattr__(self, "t_cruise", t_cruise)
        # total time; with a cruise phase and a_acc = a_dec = a: length / v + v / a
        object.__setattr__(self, "duration", t_acc + t_cruise + t_dec)

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
    # six values: plain floats (the same divisions and minimum as with numpy, without its per-call cost)
    d = [abs(x) for x in np.asarray(distances, dtype=float).tolist()]
    lims = [(vm, am, x) for vm, am, x in zip(np.asarray(v_max, dtype=float).tolist(),
                                             np.asarray(a_max, dtype=float).tolist(), d, strict=True) if x > 1e-12]
    if not lims:
        return Trapezoid(1.0, 1e9, 1e12, 1e12)
    v = min(vm / x for vm, _, x in lims)
    a = min(am / x for _, am, x in lims)
    return Trapezoid(1.0, v, a, a)

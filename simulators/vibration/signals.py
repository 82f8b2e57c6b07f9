"""Synthesise the acceleration a machine's accelerometer records (in g).

* Shaft faults are lines at orders of the shaft speed, specified as velocity (mm/s RMS) the
  way analysts read them: unbalance a dominant 1×; misalignment a 2× at or above 1× with some
  3× and 4×; looseness a comb of harmonics to 10× with half orders (½×, 1½×, …).
* A bearing defect is struck at its defect rate (BPFO, BPFI, 2 × BSF, lowered by ``slip``);
  each impact rings the structural resonance down (a damped sine at ``resonance_hz``). An
  inner-race defect enters and leaves the load zone once per revolution, so its impacts are
  amplitude-modulated at 1×; a ball defect rides with the cage, modulated at FTF, and strikes
  the outer race harder than the inner, so BSF shows beside 2 × BSF.
* Every machine has some residual unbalance and white acceleration noise.

Random phases, impact jitter and ±15 % fault scatter come from the machine's own stream, so a
machine's record depends only on (seed, replication, machine name).
"""

from __future__ import annotations

import math

import numpy as np

from simulators.vibration.bearing import DefectFrequencies
from simulators.vibration.scenario import Machine

G = 9.80665  # m/s² per g

# (order, share of the fault level) per shaft fault
_ORDERS: dict[str, tuple[tuple[float, float], ...]] = {
    "unbalance": ((1, 1.0), (2, 0.08), (3, 0.03)),
    "misalignment": ((1, 0.6), (2, 1.0), (3, 0.35), (4, 0.12)),
    "looseness": ((1, 1.0), (2, 0.75), (3, 0.6), (4, 0.5), (5, 0.42), (6, 0.36), (7, 0.3), (8, 0.26),
                  (9, 0.22), (10, 0.18), (0.5, 0.3), (1.5, 0.35), (2.5, 0.3), (3.5, 0.25), (4.5, 0.2)),
}
_IMPACT_JITTER = 0.003  # relative scatter of the time between two impacts
_IMPACT_SCATTER = 0.1   # relative scatter of one impact's strength


def velocity_lines(machine: Machine, rng: np.random.Generator) -> list[tuple[float, float]]:
    """(frequency Hz, mm/s RMS) of every sinusoidal line in the machine's vibration."""
    fr = machine.shaft_hz
    r = machine.residual_unbalance_mm_s
    lines = [(fr, r), (2 * fr, 0.3 * r)]
    fault = machine.fault
    if fault is None:
        return lines
    if fault.type in _ORDERS:
        for order, share in _ORDERS[fault.type]:
            lines.append((order * fr, fault.level * share * rng.uniform(0.85, 1.15)))
        return lines
    if fault.tone_mm_s > 0:
        freqs = actual_defect_frequencies(machine)
        base = {"outer_race": freqs.bpfo, "inner_race": freqs.bpfi, "ball": 2 * freqs.bsf}[fault.type]
        side = {"outer_race": 0.0, "inner_race": fr, "ball": freqs.ftf}[fault.type]
        for k, share in ((1, 1.0), (2, 0.5), (3, 0.3)):
            tone = fault.tone_mm_s * share
            lines.append((k * base, tone))
            if side:
                lines += [(k * base - side, 0.4 * tone), (k * base + side, 0.4 * tone)]
    return lines


def actual_defect_frequencies(machine: Machine) -> DefectFrequencies:
    """The rates the defects are really struck at: the calculated ones lowered by the fault's slip."""
    calculated = machine.bearing.frequencies(machine.shaft_hz)
    slip = machine.fault.slip if machine.fault is not None and machine.fault.type in ("outer_race", "inner_race",
                                                                                        "ball") else 0.0
    return calculated.scaled(1 - slip)


def _impact_times(rate_hz: float, duration_s: float, rng: np.random.Generator) -> np.ndarray:
    period = 1.0 / rate_hz
    n = int(duration_s * rate_hz) + 3
    gaps = period * (1 + _IMPACT_JITTER * rng.standard_normal(n))
    times = rng.uniform(0, period) + np.concatenate(([0.0], np.cumsum(gaps[:-1])))
    return times[times < duration_s]


def _ring(x: np.ndarray, times: np.ndarray, amps: np.ndarray, fs: float, f_res: float, zeta: float) -> None:
    """Add to ``x`` one decaying resonance per impact, each starting exactly at its (off-grid) time."""
    tau = 1.0 / (zeta * 2 * math.pi * f_res)
    wd = 2 * math.pi * f_res * math.sqrt(1 - zeta * zeta)
    length = max(2, int(math.ceil(8 * tau * fs)))
    start = np.ceil(times * fs).astype(np.int64)
    idx = start[:, None] + np.arange(length)[None, :]
    dt = idx / fs - times[:, None]
    wave = amps[:, None] * np.exp(-dt / tau) * np.sin(wd * dt)
    inside = idx < len(x)
    np.add.at(x, idx[inside], wave[inside])


def bearing_impacts(machine: Machine, fs: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Acceleration (g) of the impacts of a bearing fault; zeros for other machines."""
    x = np.zeros(n)
    fault = machine.fault
    if fault is None or fault.type not in ("outer_race", "inner_race", "ball"):
        return x
    freqs = actual_defect_frequencies(machine)
    duration = n / fs
    rate = {"outer_race": freqs.bpfo, "inner_race": freqs.bpfi, "ball": 2 * freqs.bsf}[fault.type]
    times = _impact_times(rate, duration, rng)
    amps = fault.level * (1 + _IMPACT_SCATTER * rng.standard_normal(len(times)))
    if fault.type == "inner_race":
        amps *= 0.55 + 0.45 * np.cos(2 * math.pi * machine.shaft_hz * times + rng.uniform(0, 2 * math.pi))
    elif fault.type == "ball":
        amps *= 0.55 + 0.45 * np.cos(2 * math.pi * freqs.ftf * times + rng.uniform(0, 2 * math.pi))
        amps[1::2] *= 0.6  # every other strike is on the inner race, damped by the longer path
    _ring(x, times, amps, fs, machine.resonance_hz, machine.damping)
    return x


def acceleration(machine: Machine, fs: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """The machine's acceleration record in g: shaft lines, bearing impacts and noise."""
    t = np.arange(n) / fs
    x = np.zeros(n)
    nyquist = fs / 2
    for freq, v_rms in velocity_lines(machine, rng):
        phase = rng.uniform(0, 2 * math.pi)
        if 0 < freq < nyquist:
            # v = √2·V·sin(ωt + φ) mm/s  →  a = √2·V·ω·cos(ωt + φ) / 1000 m/s²
            x += math.sqrt(2) * v_rms * 2 * math.pi * freq / 1000 / G * np.cos(2 * math.pi * freq * t + phase)
    x += bearing_impacts(machine, fs, n, rng)
    if machine.noise_g > 0:
        x += machine.noise_g * rng.standard_normal(n)
    return x

"""Run a vibration scenario: each machine's record, its spectra, features, and the diagnosis metrics."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.stepping import ReplayRunner
from simulators.streams import derive_seed
from simulators.vibration import spectra
from simulators.vibration.scenario import Machine, VibrationScenario
from simulators.vibration.signals import G, acceleration, actual_defect_frequencies

VIBRATION_METRICS = frozenset(
    {"machines", "correct_diagnoses", "wrong_diagnoses", "undiagnosed", "diagnosis_accuracy",
     "max_velocity_rms_mm_s"}
)
MACHINE_METRICS = frozenset(
    {"correct", "velocity_rms_mm_s", "acceleration_rms_g", "acceleration_peak_g", "crest_factor", "kurtosis",
     "frequency_error_hz"}
)
"""Per machine, reported as ``machine.<name>.<metric>`` (``frequency_error_hz`` only when ``reading_hz`` is set)."""


@dataclass
class MachineRecord:
    """One machine's measurement, ready to plot. ``true_diagnosis`` and ``fault_frequencies_hz`` are the
    hidden truth, for grading and the debriefing."""

    name: str
    title: str
    speed_hz: float
    diagnosis: str | None
    true_diagnosis: str
    fault_frequencies_hz: tuple[float, ...]
    markers: dict[str, float]
    time_s: np.ndarray
    acceleration_g: np.ndarray
    velocity_mm_s: np.ndarray
    acceleration_spectrum: spectra.Spectrum
    velocity_spectrum: spectra.Spectrum
    envelope_spectrum: spectra.Spectrum
    envelope_band_hz: tuple[float, float]
    features: dict[str, float]


@dataclass
class VibrationResult:
    kind: str
    seed: int
    replication: int
    metrics: dict[str, float]
    machines: dict[str, MachineRecord] = field(default_factory=dict)


def markers(machine: Machine) -> dict[str, float]:
    """Shaft orders and the *calculated* bearing frequencies, as an analyser's cursor set shows them."""
    fr = machine.shaft_hz
    f = machine.bearing.frequencies(fr)
    return {"½×": 0.5 * fr, "1×": fr, "2×": 2 * fr, "3×": 3 * fr, "FTF": f.ftf, "BSF": f.bsf, "2×BSF": 2 * f.bsf,
            "BPFO": f.bpfo, "BPFI": f.bpfi}


def fault_frequencies(machine: Machine) -> tuple[float, ...]:
    """The frequencies that name the machine's fault (1× for a healthy machine); a reading near any counts."""
    fr = machine.shaft_hz
    kind = machine.true_diagnosis
    if kind in ("healthy", "unbalance", "looseness"):
        return (fr,)
    if kind == "misalignment":
        return (2 * fr,)
    f = actual_defect_frequencies(machine)
    return {"outer_race": (f.bpfo,), "inner_race": (f.bpfi,), "ball": (f.bsf, 2 * f.bsf)}[kind]


def measure(machine: Machine, sc: VibrationScenario, seed: int, replication: int = 0) -> MachineRecord:
    fs, n = sc.sample_rate_hz, sc.samples
    rng = np.random.default_rng(derive_seed(seed, machine.name, "vibration", replication))
    acc = acceleration(machine, fs, n, rng)
    low, high = sc.velocity_band_hz
    vel = spectra.integrate(acc * G, fs, low, high) * 1000.0  # m/s → mm/s
    band = machine.band
    acc_features = spectra.features(acc)
    feats = {
        "velocity_rms_mm_s": spectra.features(vel)["rms"],
        "acceleration_rms_g": acc_features["rms"],
        "acceleration_peak_g": acc_features["peak"],
        "crest_factor": acc_features["crest_factor"],
        "kurtosis": acc_features["kurtosis"],
    }
    return MachineRecord(
        name=machine.name, title=machine.title, speed_hz=machine.shaft_hz, diagnosis=machine.diagnosis,
        true_diagnosis=machine.true_diagnosis, fault_frequencies_hz=fault_frequencies(machine),
        markers=markers(machine), time_s=np.arange(n) / fs, acceleration_g=acc, velocity_mm_s=vel,
        acceleration_spectrum=spectra.amplitude_spectrum(acc, fs, "g"),
        velocity_spectrum=spectra.amplitude_spectrum(vel, fs, "mm/s"),
        envelope_spectrum=spectra.envelope_spectrum(acc, fs, band[0], min(band[1], fs / 2), "g"),
        envelope_band_hz=band, features=feats,
    )


def collect(sc: VibrationScenario, records: dict[str, MachineRecord]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    correct = wrong = undiagnosed = 0
    for machine in sc.machines:
        rec = records[machine.name]
        hit = machine.diagnosis == machine.true_diagnosis
        correct += hit
        wrong += machine.diagnosis is not None and not hit
        undiagnosed += machine.diagnosis is None
        prefix = f"machine.{machine.name}."
        metrics[prefix + "correct"] = float(hit)
        for key, value in rec.features.items():
            metrics[prefix + key] = value
        if machine.reading_hz is not None:
            metrics[prefix + "frequency_error_hz"] = min(abs(machine.reading_hz - f) for f in rec.fault_frequencies_hz)
    count = len(sc.machines)
    metrics.update({
        "machines": float(count),
        "correct_diagnoses": float(correct),
        "wrong_diagnoses": float(wrong),
        "undiagnosed": float(undiagnosed),
        "diagnosis_accuracy": correct / count,
        "max_velocity_rms_mm_s": max(r.features["velocity_rms_mm_s"] for r in records.values()),
    })
    return metrics


def run_vibration(scenario: VibrationScenario, seed: int, replication: int = 0) -> VibrationResult:
    records = {m.name: measure(m, scenario, seed, replication) for m in scenario.machines}
    return VibrationResult("vibration", seed, replication, collect(scenario, records), records)


class VibrationRunner(ReplayRunner["VibrationResult"]):
    """The steppable interface of the other simulators over one record (sim time in seconds).

    The whole record is computed at once (it takes milliseconds); ``advance`` only moves the clock,
    so a view can reveal the waveform as time passes.
    """

    kind = "vibration"

    def __init__(self, scenario: VibrationScenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self._result = run_vibration(scenario, seed, replication)
        self._now = 0.0

    @property
    def end_time(self) -> float:
        return self.scenario.samples / self.scenario.sample_rate_hz

    def reset(self) -> None:
        self._now = 0.0

    def subscribe(self, callback: Any) -> None:
        """Nothing happens during a record, so there are no events to send."""

    def unsubscribe(self, callback: Any) -> None:
        """See ``subscribe``."""

    def snapshot(self) -> dict[str, Any]:
        """Per machine: speed and the answers given so far; the clock."""
        return {"time": self._now, "machines": {
            name: {"speed_hz": rec.speed_hz, "diagnosis": rec.diagnosis} for name, rec in self._result.machines.items()
        }}

    def result(self) -> VibrationResult:
        if not self.done:
            raise RuntimeError("the run has not reached its end time yet")
        return self._result

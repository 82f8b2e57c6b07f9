"""The vibration scenario: machines on a survey route, each with a speed, a bearing, a resonance and a fault.

Units: speed in r/min, frequencies in Hz, shaft-fault levels in mm/s RMS (velocity), bearing
impact levels in g (acceleration peak), noise in g RMS. ``diagnosis`` and ``reading_hz`` are
the trainee's answers; the runner reports whether they match the simulated fault.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from simulators.validation import MAX_REPLICATIONS, MAX_VIBRATION_SAMPLES, field_error
from simulators.vibration.bearing import DefectFrequencies, defect_frequencies

SHAFT_FAULTS = ("unbalance", "misalignment", "looseness")
BEARING_FAULTS = ("outer_race", "inner_race", "ball")
FAULT_TYPES = SHAFT_FAULTS + BEARING_FAULTS
DIAGNOSES = ("healthy", *FAULT_TYPES)

FaultType = Literal["unbalance", "misalignment", "looseness", "outer_race", "inner_race", "ball"]
Diagnosis = Literal["healthy", "unbalance", "misalignment", "looseness", "outer_race", "inner_race", "ball"]

# The highest shaft order a fault puts into the signal (looseness: harmonics up to 10×).
_HIGHEST_ORDER = {"unbalance": 3, "misalignment": 4, "looseness": 10}
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,31}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Bearing(_Model):
    """Rolling-bearing geometry: n rolling elements of diameter d on pitch diameter D, contact angle φ."""

    designation: str = Field(default="", max_length=40)
    balls: int = Field(ge=3, le=60)
    ball_diameter_mm: float = Field(gt=0)
    pitch_diameter_mm: float = Field(gt=0)
    contact_angle_deg: float = Field(default=0.0, ge=0, lt=90)

    @model_validator(mode="after")
    def _sizes(self) -> Bearing:
        if self.ball_diameter_mm >= self.pitch_diameter_mm:
            raise field_error("ball_diameter_mm", "must be smaller than pitch_diameter_mm")
        return self

    def frequencies(self, shaft_hz: float) -> DefectFrequencies:
        return defect_frequencies(self.balls, self.ball_diameter_mm, self.pitch_diameter_mm,
                                  self.contact_angle_deg, shaft_hz)


def _default_bearing() -> Bearing:
    # A 6205 deep-groove ball bearing: 9 balls of 7.94 mm on a 39.04 mm pitch circle.
    return Bearing(designation="6205", balls=9, ball_diameter_mm=7.94, pitch_diameter_mm=39.04)


class Fault(_Model):
    """One fault. ``level``: for unbalance, misalignment and looseness the mm/s RMS of the
    dominant line (1×, 2× and 1×); for bearing faults the peak g of one impact's ringing.

    Bearing faults only: ``slip`` lowers the real defect rates below the calculated ones (the
    rolling elements skid); ``tone_mm_s`` puts the defect frequency into the velocity spectrum
    too (a late-stage fault; 0 = an early fault seen only in the envelope spectrum).
    """

    type: FaultType
    level: float = Field(gt=0, le=100)
    slip: float = Field(default=0.01, ge=0, le=0.05)
    tone_mm_s: float = Field(default=0.0, ge=0, le=50)

    @model_validator(mode="after")
    def _bearing_only(self) -> Fault:
        if self.type in SHAFT_FAULTS and self.tone_mm_s:
            raise field_error("tone_mm_s", f"applies to bearing faults only, not to {self.type}")
        return self


class Machine(_Model):
    name: str = Field(description="short tag, used in metric names: machine.<name>.<metric>")
    title: str = ""
    speed_rpm: float = Field(gt=0, le=60_000)
    bearing: Bearing = Field(default_factory=_default_bearing)
    resonance_hz: float = Field(default=3000.0, gt=0)
    damping: float = Field(default=0.05, gt=0, lt=1, description="damping ratio of the structural resonance")
    envelope_band_hz: tuple[float, float] | None = Field(
        default=None, description="band-pass for the envelope; default resonance ± 20 %")
    residual_unbalance_mm_s: float = Field(default=0.5, ge=0, le=50)
    noise_g: float = Field(default=0.01, ge=0, le=10)
    fault: Fault | None = None
    diagnosis: Diagnosis | None = None
    reading_hz: float | None = Field(default=None, ge=0, le=100_000)

    @model_validator(mode="after")
    def _check(self) -> Machine:
        if not _NAME.match(self.name):
            raise field_error("name", "must start with a letter and use only letters, digits, - and _ (≤ 32)")
        if self.envelope_band_hz is not None and not 0 <= self.envelope_band_hz[0] < self.envelope_band_hz[1]:
            raise field_error("envelope_band_hz", "needs 0 ≤ low < high")
        return self

    @property
    def shaft_hz(self) -> float:
        return self.speed_rpm / 60.0

    @property
    def band(self) -> tuple[float, float]:
        if self.envelope_band_hz is not None:
            return self.envelope_band_hz
        return 0.8 * self.resonance_hz, 1.2 * self.resonance_hz

    @property
    def true_diagnosis(self) -> str:
        return self.fault.type if self.fault is not None else "healthy"

    def highest_frequency(self) -> float:
        """The highest frequency this machine's signal is meant to contain (for the Nyquist check)."""
        top = max(self.band[1], self.resonance_hz * 1.2)
        if self.fault is not None and self.fault.type in SHAFT_FAULTS:
            top = max(top, _HIGHEST_ORDER[self.fault.type] * self.shaft_hz)
        return top


class VibrationScenario(_Model):
    kind: Literal["vibration"] = "vibration"
    name: str = ""
    title: str = ""
    description: str = ""
    sample_rate_hz: float = Field(default=12_800.0, gt=0, le=200_000)
    samples: int = Field(default=32_768, ge=256, le=1_048_576, description="record length N; Δf = fs / N")
    velocity_band_hz: tuple[float, float] = Field(default=(10.0, 1000.0),
                                                  description="band of the overall velocity RMS (ISO 10816)")
    machines: list[Machine] = Field(min_length=1, max_length=12)
    seed: int = 1
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)

    @model_validator(mode="after")
    def _check(self) -> VibrationScenario:
        nyquist = self.sample_rate_hz / 2
        low, high = self.velocity_band_hz
        if not 0 < low < high:
            raise field_error("velocity_band_hz", "needs 0 < low < high")
        if high > nyquist:
            raise field_error("velocity_band_hz", f"ends above the Nyquist frequency fs/2 = {nyquist:g} Hz")
        if self.samples * len(self.machines) > MAX_VIBRATION_SAMPLES:
            raise field_error("samples", f"{self.samples:,} samples × {len(self.machines)} machines is more than "
                                         f"{MAX_VIBRATION_SAMPLES:,} in all: record fewer samples")
        seen: set[str] = set()
        for i, machine in enumerate(self.machines):
            if machine.name in seen:
                raise field_error(f"machines.{i}.name", f"'{machine.name}' is used twice")
            seen.add(machine.name)
            top = machine.highest_frequency()
            if top >= nyquist:
                raise field_error("sample_rate_hz", f"too low for machine '{machine.name}': its signal reaches "
                                  f"{top:g} Hz, above the Nyquist frequency fs/2 = {nyquist:g} Hz")
        return self

    def machine(self, name: str) -> Machine | None:
        return next((m for m in self.machines if m.name == name), None)

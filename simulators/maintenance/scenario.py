"""The predictive-maintenance scenario. Times are hours of operation; money in one currency unit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from simulators.distributions import Distribution, Fixed
from simulators.maintenance.gamma_process import mean_life_factor
from simulators.validation import MAX_REPLICATIONS, field_error


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GammaWear(_Model):
    """Wear grows by independent gamma increments and the part fails when it first reaches 1.

    ``mean_life_h`` is the true mean life (mean first-passage time); ``cv`` sets the
    scatter of the wear path (the life's own cv is close to it for small cv). The
    increments over ``dt`` hours are Gamma(shape = dt / (cv² · unit_wear_h), scale = cv²),
    where ``unit_wear_h`` = mean_life_h / g(cv²) is when the *expected* wear reaches 1
    (``g`` in ``gamma_process``; ≈ 1 + cv²/2). Before December 2026 ``mean_life_h`` was
    that unit-wear time, which made lives about cv²/2 longer than stated.
    """

    model: Literal["gamma"]
    mean_life_h: float = Field(gt=0)
    cv: float = Field(default=0.25, gt=0, le=2)

    @property
    def unit_wear_h(self) -> float:
        """Operating hours at which the expected wear reaches 1 (shorter than the mean life)."""
        return self.mean_life_h / mean_life_factor(self.cv**2)


class WeibullWear(_Model):
    """Life ~ Weibull(shape, scale_h); the hidden wear is age / life (reaches 1 at failure)."""

    model: Literal["weibull"]
    shape: float = Field(gt=0)
    scale_h: float = Field(gt=0)


Degradation = Annotated[GammaWear | WeibullWear, Field(discriminator="model")]


class SignalModel(_Model):
    """reading = base + (at_failure − base) · wear^exponent + Normal(0, noise_sd)."""

    base: float
    at_failure: float
    exponent: float = Field(default=2.0, gt=0)
    noise_sd: float = Field(default=0.0, ge=0)


class Sensors(_Model):
    vibration: SignalModel = SignalModel(base=1.2, at_failure=8.0, exponent=3.0, noise_sd=0.35)   # mm/s RMS
    temperature: SignalModel = SignalModel(base=45.0, at_failure=85.0, exponent=2.0, noise_sd=1.5)  # °C
    current: SignalModel = SignalModel(base=12.0, at_failure=14.5, exponent=1.5, noise_sd=0.15)   # A


class VibrationZones(_Model):
    """Zone limits in mm/s RMS (ISO 10816-3 / 20816-3 style; default: group 2, rigid foundation).

    A: newly commissioned; B: unrestricted long-term operation; C: restricted, plan a repair;
    D: vibration severe enough to cause damage."""

    a_b: float = Field(default=1.4, gt=0)
    b_c: float = Field(default=2.8, gt=0)
    c_d: float = Field(default=4.5, gt=0)

    @model_validator(mode="after")
    def _order(self) -> VibrationZones:
        if not self.a_b < self.b_c < self.c_d:
            raise field_error("b_c", "zone limits must increase: a_b < b_c < c_d")
        return self

    def zone(self, value: float) -> int:
        """1 = A … 4 = D."""
        return 1 if value < self.a_b else 2 if value < self.b_c else 3 if value < self.c_d else 4


class Repair(_Model):
    corrective_h: Distribution = Field(default_factory=lambda: Fixed(value=24.0))  # diagnosis, parts, repair
    planned_h: Distribution = Field(default_factory=lambda: Fixed(value=4.0))      # planned replacement
    inspection_h: Distribution = Field(default_factory=lambda: Fixed(value=1.0))   # stop that finds no fault
    replace_above: float = Field(default=0.5, ge=0, le=1)  # wear at which an inspection replaces the part


class Costs(_Model):
    downtime_per_h: float = Field(default=800.0, ge=0)
    corrective_repair: float = Field(default=5000.0, ge=0)
    planned_repair: float = Field(default=1200.0, ge=0)
    inspection: float = Field(default=200.0, ge=0)
    spare_part: float = Field(default=1500.0, ge=0)


class RunToFailure(_Model):
    type: Literal["run_to_failure"]


class FixedInterval(_Model):
    """Replace the part every ``interval_h`` operating hours (age since the last replacement)."""

    type: Literal["fixed_interval"]
    interval_h: float = Field(gt=0)


class ConditionBased(_Model):
    """Alarm when ``signal`` ≥ ``threshold`` in ``persistence`` consecutive readings;
    the planned stop follows ``response_h`` hours later."""

    type: Literal["condition_based"]
    signal: Literal["vibration", "temperature", "current"] = "vibration"
    threshold: float
    persistence: int = Field(default=1, ge=1, le=1000)
    response_h: float = Field(default=8.0, ge=0)


class RulePolicy(_Model):
    """Alarm when the trainee's ``rule`` holds in ``persistence`` consecutive readings."""

    type: Literal["rule"]
    rule: str = Field(min_length=1, max_length=2000)
    persistence: int = Field(default=1, ge=1, le=1000)
    response_h: float = Field(default=8.0, ge=0)

    _compiled: object = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _compile(self) -> RulePolicy:
        from simulators.maintenance.rules import RuleError, compile_rule

        try:
            compile_rule(self.rule)
        except RuleError as exc:
            raise field_error("rule", str(exc)) from None
        return self


Policy = Annotated[RunToFailure | FixedInterval | ConditionBased | RulePolicy, Field(discriminator="type")]


class MaintenanceScenario(_Model):
    kind: Literal["maintenance"] = "maintenance"
    name: str = ""
    title: str = ""
    description: str = ""
    machines: int = Field(default=1, ge=1, le=100)
    horizon_h: float = Field(default=8760.0, gt=0, le=1_000_000)
    sample_interval_h: float = Field(default=1.0, gt=0)
    degradation: Degradation
    random_failure_rate_per_h: float = Field(default=0.0, ge=0)
    sensors: Sensors = Field(default_factory=Sensors)
    zones: VibrationZones = Field(default_factory=VibrationZones)
    repair: Repair = Field(default_factory=Repair)
    costs: Costs = Field(default_factory=Costs)
    policy: Policy
    seed: int = 1
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)

    @model_validator(mode="after")
    def _check(self) -> MaintenanceScenario:
        if self.sample_interval_h > self.horizon_h:
            raise field_error("sample_interval_h", "must not exceed horizon_h")
        if self.horizon_h / self.sample_interval_h * self.machines > 5_000_000:
            raise field_error("sample_interval_h", "too many sensor readings: use a longer interval or horizon")
        return self

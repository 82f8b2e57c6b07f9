"""The robot cell scenario: robot limits, points, I/O wiring, safety fence, operator and program.

Lengths in mm, angles in degrees, times in seconds. The robot is a cylindrical
(R-θ-Z) arm standing at the origin: J1 turns about the vertical axis, J2 extends
radially, J3 lifts — enough to teach reach, joint limits and move times.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from simulators.robot.language import Program, parse_program, read_program
from simulators.validation import MAX_REPLICATIONS, field_error


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RobotSpec(_Model):
    # Speeds and accelerations from 1 unit/s (a crawl) and a 10 m work envelope keep every move's
    # duration finite and its sampled path bounded (see MAX_PATH_POINTS and docs/simulators.md "Limits").
    min_reach_mm: float = Field(default=250.0, ge=0)
    max_reach_mm: float = Field(default=1400.0, gt=0, le=10_000)
    z_min_mm: float = Field(default=0.0, ge=-10_000, le=10_000)
    z_max_mm: float = Field(default=1200.0, ge=-10_000, le=10_000)
    j1_limit_deg: float = Field(default=170.0, gt=0, le=180)
    max_tcp_speed_mm_s: float = Field(default=2000.0, ge=1)
    max_tcp_accel_mm_s2: float = Field(default=8000.0, ge=1)
    j1_speed_deg_s: float = Field(default=180.0, ge=1)
    j1_accel_deg_s2: float = Field(default=720.0, ge=1)
    radial_speed_mm_s: float = Field(default=1500.0, ge=1)
    radial_accel_mm_s2: float = Field(default=6000.0, ge=1)
    z_speed_mm_s: float = Field(default=1000.0, ge=1)
    z_accel_mm_s2: float = Field(default=5000.0, ge=1)
    gripper_time_s: float = Field(default=0.25, ge=0, le=60)

    @model_validator(mode="after")
    def _ranges(self) -> RobotSpec:
        if self.min_reach_mm >= self.max_reach_mm:
            raise field_error("min_reach_mm", "must be less than max_reach_mm")
        if self.z_min_mm >= self.z_max_mm:
            raise field_error("z_min_mm", "must be less than z_max_mm")
        return self


class DigitalInput(_Model):
    """``source: delay`` — the signal comes ``delay_s`` after the robot starts waiting;
    ``source: zone_clear`` — on while no operator is inside the fenced zone."""

    name: str = ""
    source: Literal["delay", "zone_clear"] = "delay"
    delay_s: float = Field(default=0.0, ge=0, le=3600)


class Zone(_Model):
    """An axis-aligned box (mm) fenced off for the operator."""

    min: tuple[float, float, float]
    max: tuple[float, float, float]

    @model_validator(mode="after")
    def _order(self) -> Zone:
        if any(a >= b for a, b in zip(self.min, self.max)):
            raise field_error("max", "each coordinate must be greater than in 'min'")
        return self

    def contains(self, x: float, y: float, z: float) -> bool:
        return (self.min[0] <= x <= self.max[0] and self.min[1] <= y <= self.max[1]
                and self.min[2] <= z <= self.max[2])


class SafetyControllerSpec(_Model):
    """The cell's safety function, configured apart from the program: the presence-sensing device on the
    fenced zone (``light_curtain`` at its entrance, or a ``scanner`` watching the area) acts through the
    safety controller. While the operator is inside, a robot in the zone or heading into it gets a
    protective stop; it stays stopped until the operator has left and ``reset_s`` (acknowledging at the
    reset button outside the guard, then the start command) has passed."""

    device: Literal["light_curtain", "scanner"] = "light_curtain"
    reset_s: float = Field(default=10.0, ge=0, le=3600)


class RobotCellScenario(_Model):
    kind: Literal["robot_cell"] = "robot_cell"
    name: str = ""
    title: str = ""
    description: str = ""
    robot: RobotSpec = Field(default_factory=RobotSpec)
    mode: Literal["AUTO", "T1", "T2"] = "AUTO"
    points: dict[str, tuple[float, float, float]] = Field(default_factory=dict)
    inputs: dict[int, DigitalInput] = Field(default_factory=dict)
    safety_zone: Zone | None = None
    operator_inside: list[tuple[float, float]] = Field(default_factory=list)
    safety_controller: SafetyControllerSpec = Field(default_factory=SafetyControllerSpec)
    program: str
    path_step_s: float = Field(default=0.05, ge=0.001, le=10)
    seed: int = 1
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)

    _parsed: Program | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> RobotCellScenario:
        for i, (start, end) in enumerate(self.operator_inside):
            if start < 0 or end <= start:
                raise field_error(f"operator_inside.{i}", "each interval is [start_s, end_s] with 0 <= start < end")
        if self.operator_inside and self.safety_zone is None:
            raise field_error("safety_zone", "an operator schedule needs a safety_zone")
        from simulators.errors import ProgramError
        from simulators.robot.checks import program_problems

        # Syntax errors and what the cell refuses, all at once: the static checks also look
        # at the lines that did parse.
        parsed, errors = read_program(self.program)
        problems = [*errors, *program_problems(parsed, self)]
        if problems:
            exc = ProgramError(problems)
            raise field_error("program", str(exc), diagnostics=exc.diagnostics)
        self._parsed = parsed
        return self

    def parsed(self) -> Program:
        if self._parsed is None:
            self._parsed = parse_program(self.program)
        return self._parsed

"""The production-line scenario: a source, ordered stations and the buffers between them.

Times are seconds of simulated time.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator

from simulators.distributions import Distribution, FailureDistribution
from simulators.line import dmm_spec as dmm
from simulators.validation import (
    MAX_ORDERED_UNITS,
    MAX_ORDERS,
    MAX_REPLICATIONS,
    MAX_SERIES_POINTS,
    MAX_SIM_TIME_S,
    field_error,
)

STATION_KINDS = ("machine", "robot", "inspection", "assembly")
NAME_PATTERN = r"^[^.\s][^.]{0,39}$"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SaturatedSource(_Model):
    """A part is always waiting in front of the first station."""

    type: Literal["saturated"] = "saturated"


class ArrivalSource(_Model):
    """Parts arrive with random interarrival times into an input queue.

    ``capacity`` bounds that queue (arrivals finding it full are lost); null = unbounded.
    """

    type: Literal["arrivals"]
    interarrival: Distribution
    capacity: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _positive(self) -> ArrivalSource:
        if self.interarrival.mean <= 0:
            raise field_error("interarrival", "mean interarrival time must be > 0")
        return self


Source = Annotated[SaturatedSource | ArrivalSource, Field(discriminator="type")]


class Failures(_Model):
    """Breakdowns: time between failures (TBF), time to repair (TTR).

    ``mode: time`` — the failure clock runs all the time (also while starved or blocked);
    ``mode: operation`` — it runs only while processing parts.
    """

    tbf: FailureDistribution
    ttr: Distribution
    mode: Literal["time", "operation"] = "time"


class Setup(_Model):
    """A changeover of duration ``time`` before every ``every_parts`` parts (per server)."""

    time: Distribution
    every_parts: int = Field(default=1, ge=1)


class PlannedMaintenance(_Model):
    """Planned maintenance every ``interval_s`` (sim clock), starting at ``first_at_s``.

    A busy server finishes its current part first. Maintenance renews the failure
    clock (as good as new). Its time is planned downtime in ISO 22400 terms.
    """

    interval_s: float = Field(gt=0)
    duration: Distribution
    first_at_s: float | None = Field(default=None, ge=0)


class RobotLink(_Model):
    """Use a robot cell's program cycle time as this station's processing time."""

    cell: str = "pick-and-place-cell"
    program: str | None = None
    extra_s: float = Field(default=0.0, ge=0)


class Station(_Model):
    name: str = Field(pattern=NAME_PATTERN)
    label: dict[str, str] | None = Field(default=None, description="display name, e.g. {en: Saw, zh_CN: 锯床}")
    kind: Literal["machine", "robot", "inspection", "assembly"] = "machine"
    servers: int = Field(default=1, ge=1, le=50)
    process: Distribution | None = None
    failures: Failures | None = None
    scrap: float = Field(default=0.0, ge=0, lt=1)
    rework: float = Field(default=0.0, ge=0, lt=1)
    setup: Setup | None = None
    maintenance: PlannedMaintenance | None = None
    robot: RobotLink | None = None
    # order-driven lines (see simulators.line.dmm_spec)
    dispatch: Literal["fifo", "spt", "edd", "cr", "min_setup"] = "fifo"
    changeover: dmm.Changeover | None = None
    minor_stops: dmm.MinorStops | None = None
    reduced_speed: dmm.ReducedSpeed | None = None
    startup_rejects: dmm.StartupRejects | None = None

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return dmm.labels(value)

    _robot_cycle_s: float | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _check(self) -> Station:
        if self.robot is not None:
            if self.kind != "robot":
                raise field_error("robot", "only a station of kind 'robot' can run a robot program")
            if self.process is not None:
                raise field_error("process", "give either 'process' or 'robot', not both")
            self._robot_cycle_s = _robot_cycle(self.robot)
        elif self.process is None:
            raise field_error("process", "required field is missing")
        elif self.process.mean <= 0:
            raise field_error("process", "mean processing time must be > 0")
        if self.scrap + self.rework >= 1:
            raise field_error("rework", "scrap + rework must be < 1")
        return self

    def process_time(self) -> Distribution:
        """The processing-time distribution (a fixed time for a robot station)."""
        if self.robot is not None:
            from simulators.distributions import Fixed

            return Fixed(value=float(self._robot_cycle_s or 0.0) + self.robot.extra_s)
        assert self.process is not None
        return self.process


def _robot_cycle(link: RobotLink) -> float:
    """Cycle time per part of the linked robot cell; errors blame ``robot.*``."""
    from simulators.errors import ProgramError, ScenarioError
    from simulators.loading import bundled_scenarios, load_scenario, scenario_data
    from simulators.robot.model import simulate_cell

    bundled = bundled_scenarios()
    if link.cell not in bundled or bundled[link.cell][0] != "robot_cell":
        names = sorted(n for n, (k, _) in bundled.items() if k == "robot_cell")
        raise field_error("robot.cell", f"unknown robot cell '{link.cell}' (bundled cells: {', '.join(names)})")
    try:
        cell = load_scenario("robot_cell", bundled[link.cell][1])
        if link.program is not None:
            cell = load_scenario("robot_cell", {**scenario_data(cell), "program": link.program})
        outcome = simulate_cell(cell)
    except (ProgramError, ScenarioError) as exc:
        raise field_error("robot.program", str(exc.message if isinstance(exc, ScenarioError) else exc)) from None
    if outcome.violations:
        v = outcome.violations[0]
        raise field_error("robot.program", f"line {v.line}: {v.message}")
    if outcome.parts_per_cycle < 1:
        raise field_error("robot.program", "the program places no part (no RELEASE after a GRIP)")
    return outcome.cycle_time_s / outcome.parts_per_cycle


class Buffer(_Model):
    """Parts waiting between two stations; ``capacity: 0`` blocks the upstream station after service."""

    name: str = Field(pattern=NAME_PATTERN)
    capacity: int = Field(ge=0, le=100_000)


class LineScenario(_Model):
    kind: Literal["line"] = "line"
    name: str = ""
    title: str = ""
    description: str = ""
    source: Source = Field(default_factory=SaturatedSource)
    stations: list[Station] = Field(min_length=1, max_length=50)
    buffers: list[Buffer] = Field(default_factory=list)
    shift_length_s: float = Field(default=28_800.0, gt=0, le=MAX_SIM_TIME_S)
    warmup_s: float = Field(default=0.0, ge=0, le=MAX_SIM_TIME_S)
    series_step_s: float = Field(default=60.0, gt=0)
    seed: int = 1
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)
    # order-driven lines (see simulators.line.dmm_spec and simulators.line.flow_model)
    products: list[dmm.Product] = Field(default_factory=list, max_length=100)
    orders: list[dmm.Order] = Field(default_factory=list, max_length=MAX_ORDERS)
    mix: dict[str, float] | None = Field(default=None, description="product → weight, for units from the source")
    release: dmm.Release = Field(default_factory=dmm.Release)
    kaizen: dmm.Kaizen | None = None
    balancing: dmm.Balancing | None = None

    @model_validator(mode="before")
    @classmethod
    def _buffer_names(cls, data: Any) -> Any:
        """Accept ``buffers: [2, 5]`` and name unnamed buffers B1, B2, …; build a balanced line's stations."""
        if isinstance(data, dict) and isinstance(data.get("balancing"), dict):
            from simulators.line.dmm_checks import balanced_stations

            data = balanced_stations(data)
        if isinstance(data, dict) and isinstance(data.get("buffers"), list):
            data = dict(data)
            fixed = []
            for i, item in enumerate(data["buffers"]):
                if isinstance(item, int) and not isinstance(item, bool):
                    item = {"capacity": item}
                if isinstance(item, dict) and "name" not in item:
                    item = {"name": f"B{i + 1}", **item}
                fixed.append(item)
            data["buffers"] = fixed
        return data

    @model_validator(mode="after")
    def _check(self) -> LineScenario:
        names = [s.name for s in self.stations]
        for i, name in enumerate(names):
            if name in names[:i]:
                raise field_error(f"stations.{i}.name", f"duplicate station name '{name}'")
        if len(self.buffers) != len(self.stations) - 1:
            raise field_error(
                "buffers",
                f"expected {len(self.stations) - 1} buffers (one between each pair of stations), "
                f"got {len(self.buffers)}",
            )
        bnames = [b.name for b in self.buffers]
        for i, name in enumerate(bnames):
            if name in bnames[:i]:
                raise field_error(f"buffers.{i}.name", f"duplicate buffer name '{name}'")
        if self.series_step_s > self.warmup_s + self.shift_length_s:
            raise field_error("series_step_s", "must not exceed the simulated time")
        if (self.warmup_s + self.shift_length_s) / self.series_step_s > MAX_SERIES_POINTS:
            raise field_error("series_step_s", f"too short: the series would have more than {MAX_SERIES_POINTS} "
                                               "points (use a longer step)")
        if sum(o.quantity for o in self.orders) > MAX_ORDERED_UNITS:
            raise field_error("orders", f"more than {MAX_ORDERED_UNITS:,} units ordered in all")
        if self.order_driven:
            from simulators.line.dmm_checks import check_order_driven

            check_order_driven(self)
        return self

    @property
    def order_driven(self) -> bool:
        """Whether the line needs the order-driven model (products, orders, dispatching, release
        control, changeovers, the six-big-loss sources, a kaizen or a balancing)."""
        return bool(
            self.products or self.orders or self.mix or self.kaizen or self.balancing
            or self.release != dmm.Release()
            or any(s.dispatch != "fifo" or s.changeover or s.minor_stops or s.reduced_speed or s.startup_rejects
                   for s in self.stations)
        )

    @property
    def end_time(self) -> float:
        return self.warmup_s + self.shift_length_s

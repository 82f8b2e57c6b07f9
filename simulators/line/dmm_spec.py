"""Scenario sections for digital manufacturing management: products and their routes, orders,
release control (push, CONWIP, kanban loops), changeovers, the six-big-loss sources and a kaizen.

These are parts of ``LineScenario``; a line that uses any of them runs on the order-driven
model (``simulators.line.flow_model``) instead of the anonymous-part serial model.
Times are seconds of simulated time.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from simulators.distributions import Distribution, Fixed
from simulators.validation import field_error

NAME_PATTERN = r"^[^.\s][^.]{0,39}$"
DISPATCH_RULES = ("fifo", "spt", "edd", "cr", "min_setup")
"""Queue disciplines: first in first out, shortest processing time, earliest due date,
critical ratio (time to due date / remaining work, smallest first), and shortest changeover next."""
RELEASE_RULES = ("plan", "edd", "spt", "family")
LOSSES = ("breakdowns", "setups", "minor_stops", "reduced_speed", "startup_rejects", "production_rejects")
"""Nakajima's six big losses, in the order of the OEE loss tree."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


def labels(value: Any) -> Any:
    """A display name may be a plain string (all languages) or ``{en: ..., zh_CN: ...}``."""
    if isinstance(value, str):
        return {"en": value}
    return value


class Product(_Model):
    """A product type: its family (for changeovers), its route and its own process times.

    ``route`` lists station names in line order (a product may skip stations); by default
    every station. ``process`` gives a station → time distribution where the product differs
    from the station's own ``process``.
    """

    name: str = Field(pattern=NAME_PATTERN)
    label: dict[str, str] | None = None
    family: str | None = None
    route: list[str] | None = Field(default=None, min_length=1)
    process: dict[str, Distribution] = Field(default_factory=dict)
    due_allowance_s: float | None = Field(default=None, gt=0,
                                          description="due date of a unit from the source: arrival + this")

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return labels(value)

    @property
    def family_name(self) -> str:
        return self.family or self.name


class Order(_Model):
    """A production order: ``quantity`` units of ``product`` released at ``release_s``, due at ``due_s``."""

    id: str = Field(pattern=NAME_PATTERN)
    product: str
    quantity: int = Field(default=1, ge=1, le=100_000)
    release_s: float = Field(default=0.0, ge=0)
    due_s: float = Field(gt=0)


class Loop(_Model):
    """A kanban loop: ``cards`` cards circulate between station ``first`` and station ``last``.

    A unit takes a card before it enters the queue of the first station of the loop on its
    route, and frees it when it leaves the loop's last station on its route.
    """

    name: str | None = Field(default=None, pattern=NAME_PATTERN, description="lets a lab path say loops.<name>")
    first: str
    last: str
    cards: int = Field(ge=1, le=100_000)


class Release(_Model):
    """How work enters the line.

    ``push``: by the plan (or as fast as the source delivers); ``conwip``: a new unit only when
    fewer than ``wip_cap`` are in the line; ``kanban``: the ``loops`` limit work between stations.
    ``rule`` orders the waiting backlog (``plan``: release time then list order; ``edd``; ``spt``
    on total work; ``family``: grouped by family in order of first appearance); ``sequence``
    lists order ids to release first, in that order (a list or a comma-separated string).
    """

    type: Literal["push", "conwip", "kanban"] = "push"
    wip_cap: int | None = Field(default=None, ge=1, le=100_000)
    loops: list[Loop] = Field(default_factory=list)
    rule: Literal["plan", "edd", "spt", "family"] = "plan"
    sequence: list[str] | None = None

    @field_validator("sequence", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [s.strip() for s in value.replace(";", ",").split(",") if s.strip()]
        return value

    @model_validator(mode="after")
    def _check(self) -> Release:
        if self.type == "conwip" and self.wip_cap is None:
            raise field_error("wip_cap", "a CONWIP release needs a WIP cap")
        if self.type != "conwip" and self.wip_cap is not None:
            raise field_error("wip_cap", "only a CONWIP release has a WIP cap")
        if self.type == "kanban" and not self.loops:
            raise field_error("loops", "a kanban release needs at least one loop")
        if self.type != "kanban" and self.loops:
            raise field_error("loops", "kanban loops need release type 'kanban'")
        return self


class Changeover(_Model):
    """Sequence-dependent changeover between product families at a station.

    ``times[from][to]`` is the changeover from family ``from`` to family ``to``; pairs not listed
    take ``default``. The same family needs none. The first unit after start needs none.
    """

    times: dict[str, dict[str, Distribution]] = Field(default_factory=dict)
    default: Distribution = Field(default_factory=lambda: Fixed(value=0.0))


class MinorStops(_Model):
    """Short stops (jams, sensor trips) during processing: after ``every`` operating time, a stop of
    ``duration``. Counted in actual production time, so they lower performance, not availability."""

    every: Distribution
    duration: Distribution

    @model_validator(mode="after")
    def _check(self) -> MinorStops:
        if self.every.mean <= 0:
            raise field_error("every", "mean time between minor stops must be > 0")
        return self


class ReducedSpeed(_Model):
    """Episodes of slow running: every ``every`` (clock time) the station runs at ``factor`` of its
    ideal rate for ``duration``; a unit started during an episode takes time / factor."""

    every: Distribution
    duration: Distribution
    factor: float = Field(gt=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> ReducedSpeed:
        if self.every.mean <= 0:
            raise field_error("every", "mean time between slow episodes must be > 0")
        return self


class StartupRejects(_Model):
    """After a changeover, a setup or a repair, each of the next ``units`` is scrapped with ``probability``."""

    units: int = Field(ge=1, le=10_000)
    probability: float = Field(ge=0, le=1)


class Kaizen(_Model):
    """One improvement project: cut one of the six big losses at one station by ``reduction``.

    breakdowns: repair time; setups: changeover and setup time (SMED); minor_stops and
    reduced_speed: how often they happen; startup_rejects and production_rejects: reject rate.
    ``loss: none`` applies nothing.
    """

    station: str
    loss: Literal["none", "breakdowns", "setups", "minor_stops", "reduced_speed", "startup_rejects",
                  "production_rejects"] = "none"
    reduction: float = Field(default=0.5, ge=0, le=1)


class Task(_Model):
    """A work element of a line to balance: its time, the tasks it needs done first, its station (1-based)."""

    name: str = Field(pattern=NAME_PATTERN)
    label: dict[str, str] | None = None
    time: float = Field(gt=0)
    after: list[str] = Field(default_factory=list)
    station: int = Field(ge=1, le=50)

    @field_validator("label", mode="before")
    @classmethod
    def _label(cls, value: Any) -> Any:
        return labels(value)


class Balancing(_Model):
    """A line built from a task assignment: workstation ``k`` does the tasks assigned to it.

    Takt = available time / demand. Station times vary with coefficient of variation ``cv``
    (normal); ``buffer`` places between consecutive workstations.
    """

    demand: int = Field(ge=1, description="units to make in the available time")
    available_s: float | None = Field(default=None, gt=0, description="default: the shift length")
    tasks: list[Task] = Field(min_length=1, max_length=200)
    cv: float = Field(default=0.0, ge=0, le=1)
    buffer: int = Field(default=2, ge=0, le=1000)

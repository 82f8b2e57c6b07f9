"""The robot cell as data: solids (boxes, cylinders), safe zones, light curtains, tools with their geometry.

A cell is read from YAML (a bundled name in ``cells/``, YAML text or a plain mapping) by ``load_cell``; the
pydantic ``CellSpec`` checks it and names the field of any error (``solids.3.size: …``), then it becomes the
frozen dataclasses below that the collision check, the safety controller, the 3D view and the labs use.
World frame: the floor, z up, mm; orientations as W-P-R degrees (R = Rz(R)·Ry(P)·Rx(W), FANUC style).

* ``Box`` — pose = its centre; ``size`` full lengths along its local x, y, z.
* ``Cylinder`` — pose = the centre of its base disc, axis = local z, ``height`` along +z.
* ``SafeZone`` — ``keep_out``: no link or tool may enter the box; ``keep_in``: the TCP and the flange must stay
  inside it. Both are safety-rated space limits of the safety controller, never of the program.
* ``LightCurtain`` — while its input is on (beam interrupted) the robot may not be in, or head into, the guarded
  box: the safety controller makes a protective stop (see ``safety_controller``).
* ``ToolGeometry`` — the TCP (flange → TCP 4×4) and capsules in the flange frame, for collisions.
* ``mount`` names the solid the robot stands on (plinth, bench): the J1 link resting on it is not a collision.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from simulators.errors import ScenarioError
from simulators.robot.arm.models import MODELS
from simulators.robot.arm.orientation import wpr_to_matrix
from simulators.validation import convert, field_error

CELL_DIR = Path(__file__).resolve().parent / "cells"

MAX_COORD_MM = 20_000.0  # a cell fits in 40 m × 40 m
MAX_SIZE_MM = 20_000.0
MAX_SOLIDS = 200
MAX_ZONES = 32
MAX_CURTAINS = 16
MAX_TOOLS = 16
MAX_TOOL_CAPSULES = 8
MAX_FRAMES = 64
MAX_INPUT = 64  # digital inputs DI[1]…DI[64]

SOLID_KINDS = ("table", "fixture", "fence", "conveyor", "pallet", "part", "pin", "plinth")
LINK_NAMES = ("J1 link", "J2 link", "J3 link", "J4 link", "J5 link", "J6 link")

# Capsule radii (mm) of the links J1…J6 per model: the housings of the real arms, rounded up (data, not fitted).
LINK_RADII: dict[str, tuple[float, ...]] = {
    "r7-700": (110.0, 75.0, 70.0, 55.0, 45.0, 35.0),
    "r12-1440": (160.0, 110.0, 100.0, 80.0, 60.0, 45.0),
}


# ---------------------------------------------------------------------------------------------- dataclasses
@dataclass(frozen=True)
class Box:
    name: str
    pose: np.ndarray  # 4×4 world, the box's centre
    size: tuple[float, float, float]
    kind: str = "table"

    @property
    def half(self) -> np.ndarray:
        return np.asarray(self.size, dtype=float) / 2.0

    def corners(self) -> np.ndarray:
        """(8, 3) corners in world (for drawing)."""
        s = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float) * self.half
        return s @ self.pose[:3, :3].T + self.pose[:3, 3]

    def contains(self, points: np.ndarray) -> np.ndarray:
        """Which world points (…, 3) lie inside (boundary included)."""
        local = (np.asarray(points, dtype=float) - self.pose[:3, 3]) @ self.pose[:3, :3]
        return np.all(np.abs(local) <= self.half + 1e-9, axis=-1)


@dataclass(frozen=True)
class Cylinder:
    name: str
    pose: np.ndarray  # 4×4 world, the centre of the base disc; axis = local z
    radius: float
    height: float
    kind: str = "fixture"


Solid = Box | Cylinder


@dataclass(frozen=True)
class SafeZone:
    name: str
    box: Box
    rule: str  # "keep_out" | "keep_in"


@dataclass(frozen=True)
class LightCurtain:
    name: str
    box: Box  # the guarded box the robot must not be in, or head into, while the curtain is interrupted
    input: int  # DI channel: on = interrupted
    approach_mm: float = 300.0  # heading towards the box within this distance counts (its stopping distance)


@dataclass(frozen=True)
class ToolCapsule:
    p0: tuple[float, float, float]  # flange frame, mm
    p1: tuple[float, float, float]
    radius: float


@dataclass(frozen=True)
class ToolGeometry:
    name: str
    tcp: np.ndarray = field(default_factory=lambda: np.eye(4))  # flange → TCP
    capsules: tuple[ToolCapsule, ...] = ()
    mass_kg: float = 0.0


@dataclass
class Cell:
    arm_model: str
    base: np.ndarray  # 4×4 world pose of the robot base
    solids: list[Solid]
    zones: list[SafeZone] = field(default_factory=list)
    curtains: list[LightCurtain] = field(default_factory=list)
    name: str = ""
    mount: str | None = None  # the solid the robot stands on
    tools: dict[str, ToolGeometry] = field(default_factory=dict)
    frames: dict[str, np.ndarray] = field(default_factory=dict)  # named reference frames in world (pin tip, …)
    link_radii: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if not self.link_radii:
            self.link_radii = LINK_RADII.get(self.arm_model, LINK_RADII["r12-1440"])

    def solid(self, name: str) -> Solid:
        for s in self.solids:
            if s.name == name:
                return s
        raise KeyError(f"no solid named {name!r}")


def pose_from(at: tuple[float, float, float] | list[float], wpr_deg: tuple[float, float, float] | list[float]
              = (0.0, 0.0, 0.0)) -> np.ndarray:
    """4×4 from a position (mm) and W, P, R in degrees."""
    t = np.eye(4)
    t[:3, :3] = wpr_to_matrix(*(math.radians(a) for a in wpr_deg))
    t[:3, 3] = at
    return t


# ---------------------------------------------------------------------------------------------- YAML schema
Coord = Annotated[float, Field(ge=-MAX_COORD_MM, le=MAX_COORD_MM, allow_inf_nan=False)]
Angle = Annotated[float, Field(ge=-720.0, le=720.0, allow_inf_nan=False)]
Length = Annotated[float, Field(gt=0.0, le=MAX_SIZE_MM, allow_inf_nan=False)]
Name = Annotated[str, Field(min_length=1, max_length=64)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PoseSpec(_Model):
    at: tuple[Coord, Coord, Coord] = (0.0, 0.0, 0.0)
    wpr: tuple[Angle, Angle, Angle] = (0.0, 0.0, 0.0)

    def matrix(self) -> np.ndarray:
        return pose_from(self.at, self.wpr)


class SolidSpec(PoseSpec):
    """A box (``size``) or a cylinder (``radius``, ``height``); ``shape`` defaults to box."""

    name: Name
    shape: Literal["box", "cylinder"] = "box"
    kind: Literal[SOLID_KINDS] | None = None  # type: ignore[valid-type]
    size: tuple[Length, Length, Length] | None = None
    radius: Length | None = None
    height: Length | None = None

    @model_validator(mode="after")
    def _fields(self) -> SolidSpec:
        need, extra = (("size",), ("radius", "height")) if self.shape == "box" else (("radius", "height"), ("size",))
        for f in need:
            if getattr(self, f) is None:
                raise field_error(f, f"required for a {self.shape}")
        for f in extra:
            if getattr(self, f) is not None:
                raise field_error(f, f"not a field of a {self.shape}")
        return self

    def build(self) -> Solid:
        if self.shape == "box":
            assert self.size is not None
            return Box(self.name, self.matrix(), tuple(float(v) for v in self.size),  # type: ignore[arg-type]
                       self.kind or "table")
        assert self.radius is not None and self.height is not None
        return Cylinder(self.name, self.matrix(), float(self.radius), float(self.height), self.kind or "fixture")


class ZoneSpec(PoseSpec):
    name: Name
    rule: Literal["keep_out", "keep_in"]
    size: tuple[Length, Length, Length]


class CurtainSpec(PoseSpec):
    name: Name
    input: int = Field(ge=1, le=MAX_INPUT)
    size: tuple[Length, Length, Length]
    approach_mm: float = Field(default=300.0, ge=0.0, le=5_000.0)


class CapsuleSpec(_Model):
    p0: tuple[Coord, Coord, Coord]
    p1: tuple[Coord, Coord, Coord]
    radius: Length


class ToolSpec(_Model):
    tcp: PoseSpec = PoseSpec()
    mass_kg: float = Field(default=0.0, ge=0.0, le=1_000.0)
    capsules: list[CapsuleSpec] = Field(default_factory=list, max_length=MAX_TOOL_CAPSULES)


class CellSpec(_Model):
    """A cell as written in YAML (see ``cells/training-cell.yaml``)."""

    name: str = Field(default="", max_length=64)
    description: str = Field(default="", max_length=2_000)
    arm_model: str
    base: PoseSpec = PoseSpec()
    mount: str | None = None
    link_radii: tuple[Length, Length, Length, Length, Length, Length] | None = None
    solids: list[SolidSpec] = Field(default_factory=list, max_length=MAX_SOLIDS)
    zones: list[ZoneSpec] = Field(default_factory=list, max_length=MAX_ZONES)
    curtains: list[CurtainSpec] = Field(default_factory=list, max_length=MAX_CURTAINS)
    tools: dict[Name, ToolSpec] = Field(default_factory=dict, max_length=MAX_TOOLS)
    frames: dict[Name, PoseSpec] = Field(default_factory=dict, max_length=MAX_FRAMES)

    @model_validator(mode="after")
    def _check(self) -> CellSpec:
        if self.arm_model not in MODELS:
            raise field_error("arm_model", f"unknown arm model '{self.arm_model}' (known: {', '.join(MODELS)})")
        for group in ("solids", "zones", "curtains"):
            seen: dict[str, int] = {}
            for i, item in enumerate(getattr(self, group)):
                if item.name in seen:
                    raise field_error(f"{group}.{i}.name",
                                      f"'{item.name}' is already used by {group} {seen[item.name]}")
                seen[item.name] = i
        names = {s.name for s in self.solids}
        if self.mount is not None and self.mount not in names:
            raise field_error("mount", f"no solid named '{self.mount}'")
        inputs: dict[int, str] = {}
        for i, c in enumerate(self.curtains):
            if c.input in inputs:
                raise field_error(f"curtains.{i}.input", f"DI[{c.input}] is already the input of '{inputs[c.input]}'")
            inputs[c.input] = c.name
        return self


def cell_from_spec(spec: CellSpec) -> Cell:
    """The dataclasses of a checked spec."""
    def box(z: ZoneSpec | CurtainSpec, kind: str) -> Box:
        return Box(z.name, z.matrix(), tuple(float(v) for v in z.size), kind)  # type: ignore[arg-type]

    tools = {
        name: ToolGeometry(name, t.tcp.matrix(),
                           tuple(ToolCapsule(tuple(c.p0), tuple(c.p1), float(c.radius)) for c in t.capsules),
                           float(t.mass_kg))
        for name, t in spec.tools.items()
    }
    return Cell(
        arm_model=spec.arm_model,
        base=spec.base.matrix(),
        solids=[s.build() for s in spec.solids],
        zones=[SafeZone(z.name, box(z, "zone"), z.rule) for z in spec.zones],
        curtains=[LightCurtain(c.name, box(c, "curtain"), c.input, float(c.approach_mm)) for c in spec.curtains],
        name=spec.name,
        mount=spec.mount,
        tools=tools,
        frames={k: f.matrix() for k, f in spec.frames.items()},
        link_radii=tuple(float(r) for r in spec.link_radii) if spec.link_radii else (),
    )


def bundled_cells() -> dict[str, Path]:
    """Bundled cell name → file."""
    return {p.stem: p for p in sorted(CELL_DIR.glob("*.yaml"))}


def load_cell(data: dict[str, Any] | str | CellSpec) -> Cell:
    """A cell from a mapping, YAML text or a bundled name; ``ScenarioError`` (field path, line when known) if bad."""
    from simulators.loading import _line_of, read_file, read_text  # loading imports scenario models lazily too

    tree, label, bundled = None, None, None
    if isinstance(data, CellSpec):
        return cell_from_spec(data)
    if isinstance(data, str):
        if "\n" in data or ":" in data:
            data, tree = read_text(data, "<cell>")
            label = "<cell>"
        else:
            path = bundled_cells().get(data)
            if path is None:
                raise ScenarioError("cell", f"no bundled cell '{data}' (bundled: {', '.join(bundled_cells())})")
            stat = path.stat()
            bundled = (path, stat.st_mtime_ns, stat.st_size)
            known = _BUNDLED_SPECS.get(path)
            if known is not None and known[0] == bundled:
                return cell_from_spec(known[1])
            data, tree = read_file(path)
            label = str(path)
    if not isinstance(data, dict):
        raise ScenarioError("cell", "must be a mapping of fields or the name of a bundled cell")
    try:
        spec = CellSpec.model_validate(data)
    except ValidationError as exc:
        err = convert(exc, data)
        if tree is not None:
            err.source, err.line = label, _line_of(tree, err.field)
        raise err from None
    if bundled is not None:
        _BUNDLED_SPECS[bundled[0]] = (bundled, spec)
    return cell_from_spec(spec)


# A bundled cell's checked spec by file, with the file's mtime and size when read (a changed file is read
# again): a scenario names its cell and is checked, planned and run with it (three to five loads), each a YAML
# parse and check of ~5 ms. Only the spec is kept; every load builds a new Cell (callers may change theirs).
_BUNDLED_SPECS: dict[Path, tuple[tuple[Path, int, int], CellSpec]] = {}

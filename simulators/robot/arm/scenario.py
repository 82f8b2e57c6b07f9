"""The ``robot_arm`` lab scenario: a six-axis arm in a cell, a task to grade, and the trainee's work.

Units as the pendant shows them: mm and degrees; a pose is ``[x, y, z, w, p, r]`` (W-P-R, fixed axes, like the
language's ``POINT``), or ``[x, y, z]`` for a tool pointing straight down (W = 180, P = 0, R = 0). Every pose is
in the world frame unless the field says otherwise.

The trainee's work arrives in two fields, each the target of one lab control:

* ``program`` — the robot program (control type ``program``);
* ``session`` — the teach pendant's event log (control type ``pendant``; see ``pendant_log.py``), replayed by
  the runner: the service grades what the log does, never a pose the widget reports.

``task`` says what is graded (``kind`` picks the metrics, see ``runner.py``)::

    kind: robot_arm
    arm: r7-700
    cell: pick-place-cell          # bundled cell name, an inline mapping, or omitted (an empty cell)
    tools: [{name: gripper, tcp: [0, 0, 120, 0, 0, 0]}]
    user_frames: [{name: table, frame: [400, -200, 100, 0, 0, 0]}]
    start_joints: [0, 0, 0, 0, 60, 0]
    mode: T1
    task:
      kind: jog_targets
      frame: world
      targets: [{name: t1, pose: [450, 0, 300]}]

Examples in a lab (``examples.good``/``bad``) give a pendant control a recorded log as
``{session: {file: good.json}}`` — a JSON list of events in the step folder — or the list itself inline.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from simulators.validation import MAX_REPLICATIONS, field_error

MAX_COORD_MM = 10_000.0
MAX_ANGLE_DEG = 3_600.0
MAX_PROGRAM_CHARS = 200_000
MAX_ITEMS = 500          # tools, frames, points, targets, contour segments
MAX_INPUT_CHANGES = 10_000
MAX_INSTRUCTIONS = 1_000_000
DOWN = (180.0, 0.0, 0.0)  # W, P, R of a tool pointing straight down


def _pose(value: Any) -> Any:
    """``[x, y, z]`` → ``[x, y, z, 180, 0, 0]``; anything not 3 or 6 finite numbers is left to fail."""
    if isinstance(value, list | tuple) and len(value) == 3:
        return [*value, *DOWN]
    return value


def _finite_numbers(values: tuple[float, ...], limit: float, what: str) -> tuple[float, ...]:
    for v in values:
        if not math.isfinite(v) or abs(v) > limit:
            raise ValueError(f"{what} must be finite numbers within ±{limit:g}")
    return values


def _check_pose(value: tuple[float, ...]) -> tuple[float, ...]:
    _finite_numbers(value[:3], MAX_COORD_MM, "positions (mm)")
    _finite_numbers(value[3:], MAX_ANGLE_DEG, "angles (degrees)")
    return value


def _check_xyz(value: tuple[float, ...]) -> tuple[float, ...]:
    return _finite_numbers(value, MAX_COORD_MM, "positions (mm)")


def _check_joints(value: tuple[float, ...]) -> tuple[float, ...]:
    return _finite_numbers(value, MAX_ANGLE_DEG, "joint angles (degrees)")


Pose = Annotated[tuple[float, float, float, float, float, float], BeforeValidator(_pose), AfterValidator(_check_pose)]
Xyz = Annotated[tuple[float, float, float], AfterValidator(_check_xyz)]
Joints = Annotated[tuple[float, float, float, float, float, float], AfterValidator(_check_joints)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")]  # identifiers of the robot language


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ToolSpec(_Model):
    """A tool: its TCP in the flange frame, its mass, and the radius of its collision capsule."""

    name: Name
    tcp: Pose = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    mass_kg: float = Field(default=0.0, ge=0, le=1000)
    radius_mm: float = Field(default=20.0, gt=0, le=1000)


class UserFrameSpec(_Model):
    """A user (work-object) frame given in world."""

    name: Name
    frame: Pose


class PointSpec(_Model):
    """A point taught before the lab starts, usable by name in the program: a pose in ``frame`` (``world``
    or a user frame), with an optional configuration string, or a joint target."""

    name: Name
    pose: Pose | None = None
    joints: Joints | None = None
    frame: str = "world"
    conf: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _one(self) -> PointSpec:
        if (self.pose is None) == (self.joints is None):
            raise field_error("pose", "give either a pose or joints")
        return self


class InputChange(_Model):
    """Digital input ``channel`` becomes ``value`` at ``t`` seconds after the program starts."""

    t: float = Field(ge=0, le=86_400)
    channel: int = Field(ge=1, le=64)
    value: bool


class Inputs(_Model):
    wired: list[int] = Field(default_factory=list, max_length=64)
    timeline: list[InputChange] = Field(default_factory=list, max_length=MAX_INPUT_CHANGES)


# --- tasks ---------------------------------------------------------------------------------------------------


class ProgramTask(_Model):
    """Run the program; graded on cycle time, alarms, stops and collisions."""

    kind: Literal["program"]


class Target(_Model):
    """A marked pose the trainee brings the TCP to and records under ``name``; ``frame`` is the frame
    ``pose`` is given in (``world`` or a user frame)."""

    name: Name
    pose: Pose
    frame: str = "world"


class JogTargetsTask(_Model):
    """Jog (in ``frame``: the jog frame the task names) to each target and record it by its name."""

    kind: Literal["jog_targets"]
    frame: Literal["joint", "world", "base", "tool", "user"] = "world"
    targets: list[Target] = Field(min_length=1, max_length=MAX_ITEMS)
    tolerance_mm: float = Field(default=2.0, gt=0, le=1000)
    tolerance_deg: float = Field(default=5.0, gt=0, le=180)


class TcpCalibrationTask(_Model):
    """Touch the pin's tip with the tool's tip from four orientations (recorded ``points``); the TCP computed
    from them (4-point method) is compared with the tool's real TCP, which the trainee does not see."""

    kind: Literal["tcp_calibration"]
    pin: Xyz
    true_tcp: Pose
    points: list[Name] = Field(default_factory=lambda: ["p1", "p2", "p3", "p4"], min_length=3, max_length=8)


class UserFrameTask(_Model):
    """Teach user frame ``frame`` on the tilted fixture with 3 points (origin, +X, XY plane), then the program
    (which works in ``UFRAME <frame>``) runs in the taught frame and must place its parts on the fixture."""

    kind: Literal["user_frame"]
    frame: Name = "fixture"
    fixture: Pose
    size: tuple[float, float] = Field(default=(300.0, 200.0))
    points: list[Name] = Field(default_factory=lambda: ["uf_o", "uf_x", "uf_y"], min_length=3, max_length=3)
    place_tolerance_mm: float = Field(default=3.0, gt=0, le=1000)


class SingularityTask(_Model):
    """The program must complete its cycle without a singularity alarm."""

    kind: Literal["singularity"]


class PalletizingTask(_Model):
    """Place parts on a ``pattern`` (rows along x, columns along y, layers along z) of slots ``pitch`` apart,
    the first slot at the origin of the ``pallet`` frame (in world, z up: e.g. ``[x, y, z, 0, 0, 0]``); a part
    is placed where the TCP is when a RELEASE starts."""

    kind: Literal["palletizing"]
    pallet: Pose
    pattern: tuple[int, int, int] = (3, 3, 2)
    pitch: Xyz = (60.0, 60.0, 40.0)
    tolerance_mm: float = Field(default=3.0, gt=0, le=1000)

    @model_validator(mode="after")
    def _pattern(self) -> PalletizingTask:
        if any(n < 1 or n > 50 for n in self.pattern):
            raise field_error("pattern", "each count must be between 1 and 50")
        return self


class Segment(_Model):
    """A contour piece to ``to``: straight, or a circular arc through ``via``."""

    to: Xyz
    via: Xyz | None = None


class GluePathTask(_Model):
    """Follow the contour (from ``start`` through ``segments``, in ``frame``) with the glue output on, at a
    constant TCP speed, the tool axis along ``tool_direction`` (in ``frame``)."""

    kind: Literal["glue_path"]
    frame: str = "world"
    start: Xyz
    segments: list[Segment] = Field(min_length=1, max_length=MAX_ITEMS)
    output: int = Field(default=1, ge=1, le=64)
    tool_direction: Xyz = (0.0, 0.0, -1.0)
    tolerance_mm: float = Field(default=1.0, gt=0, le=100)

    @model_validator(mode="after")
    def _direction(self) -> GluePathTask:
        if math.hypot(*self.tool_direction) < 1e-9:
            raise field_error("tool_direction", "must not be the zero vector")
        return self


class RevCountersTask(_Model):
    """After the encoder battery change the counters are lost: jog each axis to its sync mark and update its
    counter (pendant ``rev_update``); the residual error of each axis moves the home position."""

    kind: Literal["rev_counters"]
    marks_deg: Joints = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    tolerance_deg: float = Field(default=0.5, gt=0, le=45)
    lost_deg: Joints = (4.0, -3.0, 5.0, -6.0, 7.0, -8.0)  # each axis's error while its counter is lost
    home: Joints = (0.0, 0.0, 0.0, 0.0, 30.0, 0.0)


Task = Annotated[
    ProgramTask | JogTargetsTask | TcpCalibrationTask | UserFrameTask | SingularityTask | PalletizingTask
    | GluePathTask | RevCountersTask,
    Field(discriminator="kind"),
]
TASK_KINDS = ("program", "jog_targets", "tcp_calibration", "user_frame", "singularity", "palletizing", "glue_path",
              "rev_counters")


class RobotArmScenario(_Model):
    kind: Literal["robot_arm"] = "robot_arm"
    name: str = ""
    title: str = ""
    description: str = ""
    arm: Literal["r7-700", "r12-1440"] | None = None  # default: the cell's arm, else r7-700
    cell: str | dict[str, Any] | None = None
    tools: list[ToolSpec] = Field(default_factory=list, max_length=MAX_ITEMS)
    user_frames: list[UserFrameSpec] = Field(default_factory=list, max_length=MAX_ITEMS)
    points: list[PointSpec] = Field(default_factory=list, max_length=MAX_ITEMS)
    # The tool mounted (its geometry is what collides) and active at the start: default the first of the cell's,
    # then of ``tools``. Selecting other tool data on the pendant changes the TCP, not what is mounted.
    tool: str | None = None
    user_frame: str | None = None  # the active user frame at the start (default none: world)
    start_joints: Joints = (0.0, 0.0, 0.0, 0.0, 30.0, 0.0)
    mode: Literal["T1", "T2", "AUTO"] = "T1"  # the pendant starts in it; the program runs in it (T1: 250 mm/s)
    override: float = Field(default=100.0, gt=0, le=100)
    inputs: Inputs = Field(default_factory=Inputs)
    task: Task
    program: str = Field(default="", max_length=MAX_PROGRAM_CHARS)
    session: list[dict[str, Any]] = Field(default_factory=list)
    max_instructions: int = Field(default=100_000, ge=1, le=MAX_INSTRUCTIONS)
    seed: int = 1
    replications: int = Field(default=1, ge=1, le=MAX_REPLICATIONS)

    @model_validator(mode="before")
    @classmethod
    def _session_first(cls, data: Any) -> Any:
        # The log is hostile until checked (a sync bundle, a course file): its size and every event, before
        # pydantic copies 100k dicts.
        if isinstance(data, dict) and "session" in data:
            from simulators.robot.arm.pendant_log import PendantLogError, validate_log

            try:
                data = {**data, "session": validate_log(data["session"])}
            except PendantLogError as exc:
                where = "session" if exc.index is None else f"session.{exc.index}"
                raise field_error(where, str(exc)) from None
        return data

    @model_validator(mode="after")
    def _names(self) -> RobotArmScenario:
        for field, items in (("tools", self.tools), ("user_frames", self.user_frames), ("points", self.points)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.name.lower() in seen:
                    raise field_error(f"{field}.{i}.name", f"'{item.name}' is defined twice")
                seen.add(item.name.lower())
        frames = {"world"} | {f.name for f in self.user_frames} | self._taught_frames()
        for i, p in enumerate(self.points):
            if p.frame not in frames:
                known = ", ".join(sorted(frames))
                raise field_error(f"points.{i}.frame", f"unknown frame '{p.frame}' (known: {known})")
        task = self.task
        if isinstance(task, JogTargetsTask):
            for i, t in enumerate(task.targets):
                if t.frame not in frames:
                    raise field_error(f"task.targets.{i}.frame", f"unknown frame '{t.frame}'")
        if isinstance(task, GluePathTask) and task.frame not in frames:
            raise field_error("task.frame", f"unknown frame '{task.frame}'")
        cell_tools = self._check_cell() if self.cell is not None else []
        tools = ["tool0", *cell_tools, *(t.name for t in self.tools)]
        if self.tool is not None and self.tool not in tools:
            raise field_error("tool", f"unknown tool '{self.tool}' (known: {', '.join(tools)})")
        if self.user_frame is not None and self.user_frame not in frames - {"world"}:
            raise field_error("user_frame", f"unknown user frame '{self.user_frame}'")
        if self.program.strip():
            self._check_program(tools, frames)
        return self

    def _taught_frames(self) -> set[str]:
        return {self.task.frame} if isinstance(self.task, UserFrameTask) else set()

    def _check_cell(self) -> list[str]:
        """The cell's tool names; the cell data is checked (errors name ``cell.<field>``)."""
        from simulators.errors import ScenarioError
        from simulators.robot.arm.cell import load_cell

        try:
            cell = load_cell(self.cell)
        except ScenarioError as exc:
            sub = exc.field if exc.field.startswith("cell") else f"cell.{exc.field}"
            raise field_error(sub, exc.message) from None
        if self.arm is not None and cell.arm_model != self.arm:
            raise field_error("arm", f"the cell is built for the {cell.arm_model}, not the {self.arm}")
        return list(cell.tools)

    def arm_model(self) -> str:
        """The arm: as given, else the cell's, else the R7-700."""
        if self.arm is not None:
            return self.arm
        if self.cell is not None:
            from simulators.robot.arm.cell import load_cell

            return load_cell(self.cell).arm_model
        return "r7-700"

    def _check_program(self, tools: list[str], frames: set[str]) -> None:
        """All the program's errors at once. Points: those of the scenario and the ones the log records; with no
        log yet (a lab before the trainee's work) names not defined are left to the run (``arm.run.point_unknown``).
        """
        from simulators.errors import ProgramError
        from simulators.robot.arm.lang import parse_arm_program

        points: set[str] | None = None
        if self.session:
            points = {p.name for p in self.points}
            points |= {ev["name"] for ev in self.session if ev["ev"] == "record"}
            points |= {ev["to"] for ev in self.session if ev["ev"] == "rename"}
            tools = [*tools, *(ev["tool"] for ev in self.session if ev["ev"] == "calibrate_tcp")]
            frames = frames | {ev["name"] for ev in self.session if ev["ev"] == "define_user_frame"}
        try:
            parse_arm_program(self.program, points=points, tools=tools, frames=frames | {"wobj0"})
        except ProgramError as exc:
            raise field_error("program", str(exc), diagnostics=exc.diagnostics) from None


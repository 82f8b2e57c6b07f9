"""What a program run starts from (``RunSetup``) and what it gives (``ProgramRun``), and the input timeline.

Stepping through a run (the pendant's STEP keys): the run is computed at once, so stepping is seeking.
``executed`` lists every statement in the order it ran as ``(line, t_start, t_end)``; motion, waits and
gripper statements span time, the others take none. Forward: go to the next entry and show the trajectory up
to its ``t_end`` (``sample_at``). Backward is offered for motion lines only (``motion_lines``), as on a real
pendant: go back to the previous motion entry's ``t_start``, the pose the robot had before that move. A
blended move's ``t_end`` lies after the next move's ``t_start`` (the corner is shared).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np

from simulators.errors import MESSAGES
from simulators.robot.arm.kinematics import Arm
from simulators.robot.arm.motion import Trajectory
from simulators.robot.arm.paths import link_points

Change = tuple[float, int, bool]  # (time s, DI channel, value)


@dataclass(frozen=True)
class TaughtPoint:
    """A point taught on the pendant, as the language needs it (the pendant's own ``TaughtPoint`` fits too).

    ``pose`` is the TCP in the user frame ``user`` (``world``/``wobj0``/unknown: in world); ``configuration``
    a FANUC-style string or "" (then the move takes the solution nearest the current joints).
    """

    name: str
    joints: np.ndarray
    pose: np.ndarray
    user: str = "world"
    tool: str = ""
    configuration: str = ""


@dataclass
class RunSetup:
    """Everything a run depends on besides the program text (mm, radians, seconds).

    ``tools``: name → flange→TCP 4×4; ``tool``: the one active at the start (default: the first, or the bare
    flange if there are none). ``user_frames``: name → 4×4 in world (``UFRAME WORLD`` and ``wobj0`` are the
    world itself). ``inputs``: DI changes ``(t, channel, value)`` (or an ``InputScript``); ``wired``: the DI
    channels wired in the cell (the timeline's channels and the cell's light curtains count as wired too).
    ``override`` is a fraction in (0, 1]. ``base``: the robot base in world (default: the cell's, else the
    identity).
    """

    arm: Arm
    cell: Any = None  # simulators.robot.arm.cell.Cell | None: when given, the trajectory is safety-checked
    tools: Mapping[str, np.ndarray] = field(default_factory=dict)
    user_frames: Mapping[str, np.ndarray] = field(default_factory=dict)
    start_q: np.ndarray = field(default_factory=lambda: np.zeros(6))
    inputs: Sequence[Change] | InputScript = ()
    wired: Sequence[int] = ()
    mode: str = "T2"  # "T1" | "T2" | "AUTO"
    override: float = 1.0
    points: Mapping[str, Any] = field(default_factory=dict)  # name → TaughtPoint (or the pendant's)
    max_instructions: int = 100_000
    tool: str | None = None
    base: np.ndarray | None = None
    initial_inputs: Mapping[int, bool] = field(default_factory=dict)
    tool_geometry: Mapping[str, Any] = field(default_factory=dict)  # name → cell.ToolGeometry (collisions)
    dt: float = 0.01

    def __post_init__(self) -> None:
        if not 0.0 < float(self.override) <= 1.0:
            raise ValueError("override is a fraction in (0, 1]")
        if self.mode not in ("T1", "T2", "AUTO"):
            raise ValueError(f"unknown mode {self.mode!r}")
        if self.max_instructions < 1:
            raise ValueError("max_instructions must be at least 1")
        q = np.asarray(self.start_q, dtype=float)
        if q.shape != (6,) or not np.isfinite(q).all():
            raise ValueError("start_q must be 6 finite joint values in radians")
        for kind, table in (("tool", self.tools), ("user frame", self.user_frames)):
            for name, m in table.items():
                m = np.asarray(m, dtype=float)
                if m.shape != (4, 4) or not np.isfinite(m).all():
                    raise ValueError(f"{kind} {name!r} must be a finite 4x4 matrix")
        if not isinstance(self.inputs, InputScript):
            for t, channel, _value in self.inputs:
                if not (math.isfinite(float(t)) and t >= 0) or int(channel) != channel:
                    raise ValueError(f"bad input change {(t, channel, _value)!r}: time ≥ 0 s, whole channel")


class InputScript:
    """The DI timeline: the value of a channel at a time, and when it next takes a value."""

    def __init__(self, changes: Sequence[Change], initial: Mapping[int, bool] | None = None) -> None:
        self.initial = dict(initial or {})
        self.changes = sorted(((float(t), int(ch), bool(v)) for t, ch, v in changes), key=lambda c: c[0])
        self._by_channel: dict[int, tuple[list[float], list[bool]]] = {}
        for t, ch, v in self.changes:
            times, values = self._by_channel.setdefault(ch, ([], []))
            times.append(t)
            values.append(v)

    def value_at(self, channel: int, t: float) -> bool:
        """The last change at or before ``t`` (the initial value before any)."""
        times, values = self._by_channel.get(channel, ([], []))
        k = bisect.bisect_right(times, t) - 1
        return values[k] if k >= 0 else self.initial.get(channel, False)

    def next_time(self, channel: int, value: bool, t: float) -> float | None:
        """The first time ≥ ``t`` at which the channel is ``value`` (None: never again)."""
        if self.value_at(channel, t) == value:
            return t
        times, values = self._by_channel.get(channel, ([], []))
        for k in range(bisect.bisect_right(times, t), len(times)):
            if values[k] == value:
                return times[k]
        return None

    def channels(self) -> set[int]:
        return set(self._by_channel)


@dataclass(frozen=True)
class RunAlarm:
    """A runtime alarm: stable code, plain params, program line and time (s)."""

    code: str
    params: dict[str, Any]
    line: int
    time: float

    @property
    def message(self) -> str:
        """English text (the app translates from ``code``); the code itself if it has no text."""
        template = MESSAGES.get(self.code)
        if template is None:
            return self.code
        try:
            return template.format(**self.params)
        except (KeyError, IndexError, ValueError):
            return template


@dataclass
class ProgramRun:
    """A run's outputs. ``cycle_time``, ``path_length``, ``max_tcp_speed`` (mm/s) and ``max_link_speed`` (mm/s, the
    fastest checked link point, each tool's share with its own TCP) are computed from the trajectory when first
    read."""

    trajectory: Trajectory
    alarms: list[RunAlarm]
    io_log: list[tuple[float, str, int, bool]]  # (t, "DO"|"DI", channel, value), in time order
    executed: list[tuple[int, float, float]]  # (line, t_start, t_end) in execution order
    stopped_by: str | None  # None: ran to the end; "motion" | "safety" | "program" | "budget"
    registers: dict[int, float]
    outputs: dict[int, bool] = field(default_factory=dict)  # DO states at the end
    tool: str | None = None  # active at the end
    motion_lines: frozenset[int] = frozenset()  # lines whose statements move the arm (step back allowed)
    instructions: int = 0  # statements executed (the budget counts these)
    tool_spans: list[tuple[float, float, np.ndarray]] = field(default_factory=list, repr=False)  # (t0, t1, TCP)

    @property
    def cycle_time(self) -> float:
        return self.trajectory.cycle_time

    @cached_property
    def path_length(self) -> float:
        return self.trajectory.path_length

    @cached_property
    def max_tcp_speed(self) -> float:
        return float(self.trajectory.max_tcp_speed)

    @cached_property
    def max_link_speed(self) -> float:
        tr = self.trajectory
        if len(tr.t) < 2 or tr._arm is None:
            return 0.0
        spans = self.tool_spans or [(0.0, float(tr.t[-1]), tr._tool if tr._tool is not None else np.eye(4))]
        best = 0.0
        for t0, t1, tool in spans:
            lo, hi = int(np.searchsorted(tr.t, t0 - 1e-9)), int(np.searchsorted(tr.t, t1 + 1e-9))
            if hi - lo >= 2:
                pts = link_points(tr._arm, tr.q[lo:hi], tool, tr._base if tr._base is not None else np.eye(4))
                best = max(best, float(np.max(np.linalg.norm(np.diff(pts, axis=0), axis=2)) / tr.dt))
        return best

    def sample_at(self, t: float) -> int:
        """Index of the trajectory sample shown at time ``t`` (the last at or before it)."""
        times = self.trajectory.t
        if not len(times):
            return 0
        return max(0, min(int(np.searchsorted(times, t + 1e-9, side="right")) - 1, len(times) - 1))

"""The teach pendant without Qt: a session of events applied at fixed ticks, replayable for grading (issue 24).

A :class:`PendantSession` holds the arm, its frames, a :class:`~simulators.robot.arm.jog.Jogger` and a
:class:`~simulators.robot.arm.safety_state.SafetyState`. Events (the log format is in ``pendant_log``) change
settings at once; ``step()`` advances one tick of ``DT`` = 0.01 s, in which a held jog key (continuous mode) or
a running increment moves the arm. The panel only appends events and steps; the service grades by replaying the
log with :func:`replay`, so a pose the widget reports is never trusted. No clock and no randomness: the same log
gives the same joints, bit for bit.

Teaching: ``record`` stores a point (joints, TCP pose in the active user frame, tool and user frame names,
configuration string); ``touchup`` re-records an existing one; ``calibrate_tcp`` computes a tool from 3–8 points
taught on one fixed tip (4-point method); ``define_user_frame`` a user frame from 3 points (origin, +X, XY
plane); ``rev_update`` updates an axis' revolution counter at the current position: within the tolerance of the
axis' sync mark it is right, otherwise it is set wrong by the distance from the mark (what the lab grades).
Refused operations (unknown point, tool, degenerate frame, …) are alarms with a code, never exceptions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.robot.arm.configuration import fanuc_string
from simulators.robot.arm.errors import FrameError
from simulators.robot.arm.frames import Frames, Tool, invert, make_pose, teach_tcp, user_frame_3points
from simulators.robot.arm.jog import JogAxis, Jogger, JogResult
from simulators.robot.arm.kinematics import Arm
from simulators.robot.arm.pendant_log import (
    INCREMENTS,
    JOG_FRAMES,
    JOINT_AXES,
    MAX_EVENTS,
    MAX_MOTION_TICKS,
    PendantLogError,
    validate_event,
    validate_log,
)
from simulators.robot.arm.safety_state import Alarm, Mode, SafetyState

DT = 0.01  # s per tick
COUNTER_STATES = ("ok", "lost", "wrong")

__all__ = ["DT", "PendantLogError", "PendantSession", "PendantSetup", "SessionAlarm", "SessionResult",
           "SessionStop", "TaughtPoint", "replay", "validate_log"]


@dataclass(frozen=True)
class TaughtPoint:
    """A point recorded on the pendant. ``pose`` is the TCP in the user frame ``user``, ``world`` in world."""

    name: str
    joints: np.ndarray  # (6,) rad
    pose: np.ndarray  # 4×4, mm
    user: str
    tool: str
    configuration: str  # FANUC-style, e.g. "N U T, 0, 0, 0"
    world: np.ndarray  # 4×4 TCP in world, mm
    tick: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain numbers for JSON: joints in degrees, position in mm, rotation matrix rows."""
        return {"name": self.name, "joints_deg": [round(math.degrees(v), 6) for v in self.joints],
                "xyz_mm": [round(float(v), 6) for v in self.pose[:3, 3]],
                "rotation": [[round(float(v), 9) for v in row] for row in self.pose[:3, :3]],
                "user": self.user, "tool": self.tool, "configuration": self.configuration, "tick": self.tick}


@dataclass(frozen=True)
class SessionAlarm:
    tick: int
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionStop:
    tick: int
    code: str  # safety.estop | safety.enabling_released | safety.mode_changed | …
    category: int


# (arm, frames, q) → alarms (contacts with the cell; params name the link and solid, optional ``depth_mm``).
# A new contact, or a deeper one, is a collision and a protective stop.
CollisionCheck = Callable[[Arm, Frames, np.ndarray], list[Alarm]]


@dataclass
class PendantSetup:
    """What a session starts from. ``frames`` is copied, never changed."""

    arm: Arm
    start_q: np.ndarray  # rad
    frames: Frames = field(default_factory=Frames)
    mode: str = "T1"
    override: float = 100.0
    jog_frame: str = "joint"
    increment: str = "continuous"
    points: dict[str, TaughtPoint] = field(default_factory=dict)
    sync_marks_deg: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0)
    sync_tolerance_deg: float = 0.5
    counters_lost: bool = False  # after an encoder-battery change: Cartesian jogs refused until updated
    collision_check: CollisionCheck | None = None


@dataclass
class SessionResult:
    joints: np.ndarray  # rad
    tcp: np.ndarray  # 4×4 world
    tcp_user: np.ndarray  # 4×4 in the active user frame
    configuration: str
    points: dict[str, TaughtPoint]
    alarms: list[SessionAlarm]
    stops: list[SessionStop]
    collisions: list[SessionAlarm]
    ticks: int
    elapsed: float  # s
    tool: str
    user: str
    tools: dict[str, np.ndarray]  # name → flange→TCP 4×4 (calibrated ones included)
    user_frames: dict[str, np.ndarray]  # name → 4×4 in world (defined ones included)
    tcp_calibration: dict[str, Any] | None  # the last: tool, tcp_mm, mean_error_mm, max_error_mm, errors_mm
    counters: dict[int, dict[str, Any]]  # axis → {"state": ok|lost|wrong, "error_deg": float}
    path: np.ndarray | None  # (ticks + 1, 3) TCP in world per tick, when asked for


def _contact_key(alarm: Alarm) -> tuple:
    """A contact's identity: its code and its names (link, solid), not its numbers (depth)."""
    return alarm.code, tuple(sorted((k, v) for k, v in alarm.params.items() if isinstance(v, str)))


def _check_setup(setup: PendantSetup) -> None:
    """A setup comes from a scenario the service checked; a wrong one is a programming error: say which field."""
    if setup.mode not in ("T1", "T2", "AUTO"):
        raise ValueError(f"PendantSetup.mode must be T1, T2 or AUTO, not {setup.mode!r}")
    if setup.jog_frame not in JOG_FRAMES:
        raise ValueError(f"PendantSetup.jog_frame must be one of {JOG_FRAMES}, not {setup.jog_frame!r}")
    if setup.increment not in INCREMENTS:
        raise ValueError(f"PendantSetup.increment must be one of {tuple(INCREMENTS)}, not {setup.increment!r}")
    if np.shape(setup.start_q) != (6,) or not np.all(np.isfinite(setup.start_q)):
        raise ValueError("PendantSetup.start_q must be 6 finite joint values (rad)")
    if len(setup.sync_marks_deg) != 6:
        raise ValueError("PendantSetup.sync_marks_deg must give the 6 axes' sync marks")


def _copy_frames(frames: Frames) -> Frames:
    return Frames(base=frames.base.copy(), tools=dict(frames.tools), users=dict(frames.users),
                  tool=frames.tool, user=frames.user)


class PendantSession:
    """One trainee's pendant: apply events at the current tick, ``step()`` to the next."""

    def __init__(self, setup: PendantSetup, *, record_path: bool = False) -> None:
        _check_setup(setup)
        self.setup = setup
        self.arm = setup.arm
        self.frames = _copy_frames(setup.frames)
        self.safety = SafetyState(Mode(setup.mode))
        self.jogger = Jogger(self.arm, np.array(setup.start_q, dtype=float), frames=self.frames,
                             safety=self.safety, override=setup.override)
        self.tick = 0
        self.motion_ticks = 0  # ticks in which the arm moved (bounded: MAX_MOTION_TICKS)
        self.jog_frame = setup.jog_frame
        self.increment = setup.increment
        self.points: dict[str, TaughtPoint] = dict(setup.points)
        self.alarms: list[SessionAlarm] = []
        self.stops: list[SessionStop] = []
        self.collisions: list[SessionAlarm] = []
        self.log: list[dict[str, Any]] = []
        self.tcp_calibration: dict[str, Any] | None = None
        state = "lost" if setup.counters_lost else "ok"
        self.counters = {j: {"state": state, "error_deg": 0.0} for j in range(1, 7)}
        self._held: tuple[JogAxis, int, str] | None = None  # continuous: axis, direction, log axis name
        self._inc: tuple[JogAxis, int, float] | None = None  # running increment: axis, direction, goal
        self._last_alarm: str | None = None  # one alarm per press, not one per tick
        self._seen_stops = 0
        self._contacts: dict[tuple, float] = {}  # contacts after the last step → depth (mm)
        self.tcp_speed_mm_s = 0.0
        self._tcp_pos = self.jogger.tcp_world()[:3, 3].copy()
        self._path: list[np.ndarray] | None = [self.jogger.tcp_world()[:3, 3].copy()] if record_path else None

    # ------------------------------------------------------------------ state
    @property
    def q(self) -> np.ndarray:
        return self.jogger.q

    @property
    def moving(self) -> bool:
        return self._held is not None or self._inc is not None

    def tcp_world(self) -> np.ndarray:
        return self.jogger.tcp_world()

    def tcp_user(self) -> np.ndarray:
        return self.frames.tcp_in_user(self.arm.fk(self.q))

    def tcp_in(self, frame: str) -> np.ndarray:
        """The TCP as a pendant shows it in a jog frame: world, base, user (tool/joint show the user frame)."""
        world = self.tcp_world()
        if frame == "base":
            return invert(self.frames.base) @ world
        if frame == "world":
            return world
        return self.tcp_user()

    def configuration(self) -> str:
        return fanuc_string(self.arm, self.q)

    @property
    def speed_limit_mm_s(self) -> float | None:
        return self.safety.speed_limit_mm_s

    # ------------------------------------------------------------------ events
    def apply(self, event: dict[str, Any]) -> None:
        """Apply one event at the current tick (its ``tick`` is set to it if missing; a different one is refused)."""
        event = dict(event)
        event.setdefault("tick", self.tick)
        if event.get("tick") != self.tick:
            raise PendantLogError("pendant.log.tick_order", len(self.log), tick=event.get("tick"),
                                  previous=self.tick)
        if len(self.log) >= MAX_EVENTS:  # the log would be refused as a whole: refuse the event instead
            raise PendantLogError("pendant.log.too_long", count=len(self.log) + 1, max=MAX_EVENTS)
        ev = validate_event(event, len(self.log), self.tick)
        self.log.append(ev)
        getattr(self, "_on_" + ev["ev"])(ev)
        self._collect_stops()

    def _alarm(self, code: str, **params: Any) -> None:
        self.alarms.append(SessionAlarm(self.tick, code, params))

    def _stop_motion(self) -> None:
        self._held = self._inc = None
        self._last_alarm = None
        self.jogger.release()

    def _collect_stops(self) -> None:
        for e in self.safety.events[self._seen_stops:]:
            self.stops.append(SessionStop(self.tick, e.code, int(e.category)))
        self._seen_stops = len(self.safety.events)

    def _on_mode(self, ev: dict) -> None:
        self._stop_motion()  # a mode change asks nothing but stops motion
        self.safety.set_mode(Mode(ev["v"]))

    def _on_enable(self, ev: dict) -> None:
        self.safety.set_enabling(ev["v"])

    def _on_estop(self, ev: dict) -> None:
        if ev["v"]:
            self.safety.press_estop()
        else:
            self.safety.release_estop()

    def _on_reset(self, ev: dict) -> None:
        for a in self.safety.reset():
            self._alarm(a.code, **a.params)

    def _on_motors_on(self, ev: dict) -> None:
        a = self.safety.switch_drives_on()
        if a is not None:
            self._alarm(a.code, **a.params)

    def _on_door(self, ev: dict) -> None:
        self.safety.set_door(ev["v"])

    def _jog_axis(self, ev: dict) -> JogAxis:
        name = ev["axis"]
        if name in JOINT_AXES:
            return JogAxis("joint", int(name[1]))
        return JogAxis(ev["frame"], name.lower())

    def _on_key(self, ev: dict) -> None:
        axis, direction = self._jog_axis(ev), ev["dir"]
        if not ev["down"]:
            if self._held is not None and self._held[:2] == (axis, direction):
                self._stop_motion()
            return
        if self._inc is not None:
            return  # an increment runs to its end (or its stop); keys pressed meanwhile are ignored
        self._stop_motion()  # one key at a time: the newest press wins
        if axis.frame != "joint":
            lost = [j for j, c in self.counters.items() if c["state"] == "lost"]
            if lost:
                self._alarm("pendant.not_synchronized", joint=lost[0])
                return
        size = INCREMENTS[self.increment]
        if size is None:
            self._held = (axis, direction, ev["axis"])
        else:
            amount = size[1] if axis.rotational else size[0]
            self._inc = (axis, direction, math.radians(amount) if axis.rotational else amount)

    def _on_inc(self, ev: dict) -> None:
        self._stop_motion()
        self.increment = ev["v"]

    def _on_override(self, ev: dict) -> None:
        self.jogger.set_override(ev["v"])

    def _on_frame(self, ev: dict) -> None:
        self._stop_motion()
        self.jog_frame = ev["v"]

    def _on_tool(self, ev: dict) -> None:
        self._select(tool=ev["v"])

    def _on_user(self, ev: dict) -> None:
        self._select(user=ev["v"])

    def _select(self, **which: str) -> None:
        try:
            self.frames.select(**which)
        except KeyError:
            kind, name = next(iter(which.items()))
            self._alarm(f"pendant.unknown_{kind}", name=name)
            return
        self._stop_motion()
        self._tcp_pos = self.tcp_world()[:3, 3].copy()  # a new tool moves the TCP, not the arm

    def _point(self, name: str) -> TaughtPoint:
        q = self.q.copy()
        world = self.tcp_world()
        return TaughtPoint(name, q, invert(self.frames.users[self.frames.user].matrix) @ world, self.frames.user,
                           self.frames.tool, fanuc_string(self.arm, q), world, self.tick)

    def _on_record(self, ev: dict) -> None:
        if ev["name"] in self.points:
            self._alarm("pendant.point_exists", name=ev["name"])
            return
        self.points[ev["name"]] = self._point(ev["name"])

    def _on_touchup(self, ev: dict) -> None:
        if ev["name"] not in self.points:
            self._alarm("pendant.point_unknown", name=ev["name"])
            return
        self.points[ev["name"]] = self._point(ev["name"])

    def _on_rename(self, ev: dict) -> None:
        old, new = ev["name"], ev["to"]
        if old not in self.points:
            self._alarm("pendant.point_unknown", name=old)
        elif new in self.points and new != old:
            self._alarm("pendant.point_exists", name=new)
        else:
            p = self.points.pop(old)
            self.points[new] = TaughtPoint(new, p.joints, p.pose, p.user, p.tool, p.configuration, p.world, p.tick)

    def _on_delete(self, ev: dict) -> None:
        if self.points.pop(ev["name"], None) is None:
            self._alarm("pendant.point_unknown", name=ev["name"])

    def _points_named(self, names: list[str]) -> list[TaughtPoint] | None:
        missing = [n for n in names if n not in self.points]
        if missing:
            self._alarm("pendant.point_unknown", name=missing[0])
            return None
        return [self.points[n] for n in names]

    def _on_calibrate_tcp(self, ev: dict) -> None:
        pts = self._points_named(ev["points"])
        if pts is None:
            return
        try:
            cal = teach_tcp([self.arm.fk(p.joints) for p in pts])
        except FrameError as e:
            self._alarm(e.code, **e.params)
            return
        name = ev["tool"]
        self.frames.add_tool(Tool(name, make_pose(cal.tcp)))
        if self.frames.tool == name:
            self._stop_motion()
            self._tcp_pos = self.tcp_world()[:3, 3].copy()
        self.tcp_calibration = {"tool": name, "tcp_mm": [float(v) for v in cal.tcp],
                                "mean_error_mm": cal.mean_error, "max_error_mm": cal.max_error,
                                "errors_mm": [float(v) for v in cal.errors], "points": list(ev["points"]),
                                "tick": self.tick}

    def _on_define_user_frame(self, ev: dict) -> None:
        if len(ev["points"]) != 3:
            self._alarm("frame.degenerate", reason="frame_needs_3_points", count=len(ev["points"]))
            return
        pts = self._points_named(ev["points"])
        if pts is None:
            return
        try:
            frame = user_frame_3points(*(p.world[:3, 3] for p in pts), name=ev["name"])
        except FrameError as e:
            self._alarm(e.code, **e.params)
            return
        self.frames.add_user(frame)
        if self.frames.user == ev["name"]:
            self._stop_motion()

    def _on_rev_update(self, ev: dict) -> None:
        j = ev["axis"]
        error = math.degrees(self.q[j - 1]) - self.setup.sync_marks_deg[j - 1]
        ok = abs(error) <= self.setup.sync_tolerance_deg
        self.counters[j] = {"state": "ok" if ok else "wrong", "error_deg": 0.0 if ok else error}
        if not ok:
            self._alarm("pendant.counter_off_mark", joint=j, error_deg=round(error, 3))

    # ------------------------------------------------------------------ time
    def step(self) -> None:
        """Advance one tick: a held key or a running increment moves the arm by one jog step."""
        res: JogResult | None = None
        if self.moving and self.motion_ticks >= MAX_MOTION_TICKS:
            self._alarm("pendant.motion_budget", max_s=round(MAX_MOTION_TICKS * DT))
            self._stop_motion()
        if self._held is not None:
            axis, direction, _name = self._held
            res = self.jogger.jog(axis, direction, DT)
        elif self._inc is not None:
            axis, direction, goal = self._inc
            res = self.jogger._advance(axis, direction, DT, goal)  # one step of the increment (Jogger's own)
            if not res.moved or res.alarm is not None or res.done >= goal:
                self._inc = None
                self.jogger.release()
        self.tick += 1
        if res is not None:
            self._after_step(res)
        else:
            self.tcp_speed_mm_s = 0.0
        if self._path is not None:
            self._path.append(self._tcp_pos.copy())
        self._collect_stops()

    def _after_step(self, res: JogResult) -> None:
        if res.alarm is not None:
            if res.alarm.code != self._last_alarm:
                self._alarm(res.alarm.code, **res.alarm.params)
            self._last_alarm = res.alarm.code
        else:
            self._last_alarm = None
        if not res.moved:
            self.tcp_speed_mm_s = 0.0
            return
        self.motion_ticks += 1
        tcp = self.tcp_world()[:3, 3]
        self.tcp_speed_mm_s = float(np.linalg.norm(tcp - self._tcp_pos) / DT)
        self._tcp_pos = tcp
        check = self.setup.collision_check
        if check is None:
            return
        found = check(self.arm, self.frames, self.q)
        contacts = {_contact_key(a): float(a.params.get("depth_mm", 0.0)) for a in found}
        # A new contact, or one pressed deeper, stops the arm; jogging back out of a contact is allowed.
        fresh = [a for a in found if _contact_key(a) not in self._contacts
                 or float(a.params.get("depth_mm", 0.0)) > self._contacts[_contact_key(a)] + 1e-9]
        self._contacts = contacts
        for a in fresh:
            self.collisions.append(SessionAlarm(self.tick, a.code, dict(a.params)))
            self._alarm(a.code, **a.params)
        if fresh:
            self.safety.protective_stop(fresh[0].code)
            self._stop_motion()

    def advance_to(self, tick: int) -> None:
        """Step until ``tick``; idle ticks (nothing moving) are skipped without computing."""
        while self.tick < tick:
            if not self.moving and self._path is None:
                self.tick = tick
                self.tcp_speed_mm_s = 0.0
                return
            self.step()

    # ------------------------------------------------------------------ result
    def result(self) -> SessionResult:
        return SessionResult(
            joints=self.q.copy(), tcp=self.tcp_world(), tcp_user=self.tcp_user(), configuration=self.configuration(),
            points=dict(self.points), alarms=list(self.alarms), stops=list(self.stops),
            collisions=list(self.collisions), ticks=self.tick, elapsed=self.tick * DT,
            tool=self.frames.tool, user=self.frames.user,
            tools={n: t.tcp.copy() for n, t in self.frames.tools.items()},
            user_frames={n: u.matrix.copy() for n, u in self.frames.users.items()},
            tcp_calibration=self.tcp_calibration, counters={j: dict(c) for j, c in self.counters.items()},
            path=np.array(self._path) if self._path is not None else None)


def replay(setup: PendantSetup, events: Iterable[dict[str, Any]] | Any, *, end_tick: int | None = None,
           record_path: bool = False) -> SessionResult:
    """Run a log from ``setup``: the same result as the live session that wrote it (PendantLogError if refused).

    The session ends at ``end_tick`` (default: the last event's tick; motion still running then is cut).
    """
    checked = validate_log(events)
    session = PendantSession(setup, record_path=record_path)
    for ev in checked:
        session.advance_to(ev["tick"])
        session.apply(ev)
    if end_tick is not None:
        session.advance_to(end_tick)
    return session.result()

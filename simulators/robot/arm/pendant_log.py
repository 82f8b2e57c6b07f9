"""The pendant session's event log: its format, and the check of a log that comes from outside.

A log is a list of JSON objects ``{"tick": n, "ev": kind, ...}`` applied at integer ticks of 0.01 s (ticks never
decrease; several events may share a tick, applied in order). It arrives from a trainee's workstation, a sync
bundle or a course file, so it is hostile until checked: ``validate_log`` refuses it as a whole with one
:class:`PendantLogError` (stable ``code``, the event's ``index``, plain ``params``) and otherwise returns the
events in canonical form (axis names, increments and directions normalised), which is what a session applies.
"""

from __future__ import annotations

import math
import re
from typing import Any

MAX_EVENTS = 100_000
MAX_TICKS = 1_440_000  # four hours at 100 Hz; idle ticks cost nothing in a replay
# Ticks in which the arm moves cost ~0.3-0.5 ms each to replay: ten minutes of motion bound the grader's work
# (~30 s CPU on a loaded 2-core machine); past it the session refuses to move (alarm pendant.motion_budget).
MAX_MOTION_TICKS = 60_000
MAX_POINTS_PER_EVENT = 8
NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,31}$")  # point names are identifiers of the robot language
MAX_FRAME_NAME = 64

MODES = ("T1", "T2", "AUTO")
JOG_FRAMES = ("joint", "world", "base", "tool", "user")
JOINT_AXES = ("J1", "J2", "J3", "J4", "J5", "J6")
CARTESIAN_AXES = ("X", "Y", "Z", "Rx", "Ry", "Rz")
# Increment levels: (mm for linear jogs, degrees for rotations and joints); None = continuous.
INCREMENTS: dict[str, tuple[float, float] | None] = {
    "continuous": None, "0.1mm": (0.1, 0.1), "1mm": (1.0, 1.0), "10mm": (10.0, 5.0),
}
_INCREMENT_ALIASES = {"0.1deg": "0.1mm", "1deg": "1mm", "5deg": "10mm", "cont": "continuous"}

# Event kind → {field: checker}; "tick" and "ev" are common to all.
_STR, _NAME, _NAMES, _BOOL, _INT, _NUM = "str", "name", "names", "bool", "int", "num"
EVENTS: dict[str, dict[str, str]] = {
    "mode": {"v": "mode"},
    "enable": {"v": "enable"},
    "estop": {"v": _BOOL},
    "reset": {},
    "motors_on": {},
    "door": {"v": _BOOL},
    "key": {"axis": "axis", "frame": "frame?", "dir": "dir", "down": _BOOL},
    "inc": {"v": "inc"},
    "override": {"v": "override"},
    "frame": {"v": "frame"},
    "tool": {"v": _STR},
    "user": {"v": _STR},
    "record": {"name": _NAME},
    "touchup": {"name": _NAME},
    "rename": {"name": _NAME, "to": _NAME},
    "delete": {"name": _NAME},
    "calibrate_tcp": {"points": _NAMES, "tool": _STR},
    "define_user_frame": {"points": _NAMES, "name": _STR},
    "rev_update": {"axis": "joint"},
}

# English text of each code (the app translates by code).
MESSAGES = {
    "pendant.log.not_list": "the pendant log must be a list of events",
    "pendant.log.too_long": "the pendant log has {count} events; at most {max} are allowed",
    "pendant.log.not_object": "event {index} is not an object",
    "pendant.log.unknown_event": "event {index}: unknown event kind {ev!r}",
    "pendant.log.missing_field": "event {index} ({ev}): field {field!r} is missing",
    "pendant.log.unknown_field": "event {index} ({ev}): unknown field {field!r}",
    "pendant.log.bad_value": "event {index} ({ev}): bad value for {field!r}",
    "pendant.log.bad_tick": "event {index}: the tick must be a whole number from 0 to {max}",
    "pendant.log.tick_order": "event {index}: tick {tick} comes before the previous event's tick {previous}",
    "pendant.log.axis_frame": "event {index}: axis {axis} cannot be jogged in the {frame} frame",
}


class PendantLogError(ValueError):
    """A refused log: ``code`` (``pendant.log.*``), ``index`` of the event (None for the whole log), ``params``."""

    def __init__(self, code: str, index: int | None = None, **params: Any) -> None:
        self.code, self.index = code, index
        self.params = {"index": index, **params} if index is not None else dict(params)
        super().__init__(MESSAGES[code].format(**self.params))


def _joint(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 6:
        return value
    if isinstance(value, str) and value.upper() in JOINT_AXES:
        return int(value[1])
    return None


def _axis(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    for name in JOINT_AXES + CARTESIAN_AXES:
        if value.lower() == name.lower():
            return name
    return None


def _check(kind: str, value: Any) -> tuple[bool, Any]:
    """(ok, canonical value) for one field."""
    if kind == _BOOL:
        return isinstance(value, bool), value
    if kind == _STR:
        return isinstance(value, str) and 0 < len(value) <= MAX_FRAME_NAME, value
    if kind == _NAME:
        return isinstance(value, str) and NAME_RE.match(value) is not None, value
    if kind == _NAMES:
        ok = (isinstance(value, list) and 0 < len(value) <= MAX_POINTS_PER_EVENT
              and all(isinstance(v, str) and NAME_RE.match(v) for v in value))
        return ok, list(value) if ok else value
    if kind == "mode":
        return value in MODES, value
    if kind == "enable":
        return value in (1, 2, 3) and not isinstance(value, bool), value
    if kind == "dir":
        return value in (1, -1) and not isinstance(value, bool), value
    if kind == "override":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
        return ok and 0 < value <= 100, float(value) if ok else value
    if kind in ("frame", "frame?"):
        return value in JOG_FRAMES, value
    if kind == "inc":
        v = _INCREMENT_ALIASES.get(value, value) if isinstance(value, str) else None
        return v in INCREMENTS, v
    if kind == "axis":
        v = _axis(value)
        return v is not None, v
    if kind == "joint":
        v = _joint(value)
        return v is not None, v
    raise AssertionError(kind)  # pragma: no cover - the table above names only these kinds


def validate_event(event: Any, index: int = 0, previous_tick: int = 0) -> dict[str, Any]:
    """One event in canonical form, or PendantLogError."""
    if not isinstance(event, dict):
        raise PendantLogError("pendant.log.not_object", index)
    ev = event.get("ev")
    if not isinstance(ev, str) or ev not in EVENTS:
        raise PendantLogError("pendant.log.unknown_event", index, ev=str(ev)[:40])
    tick = event.get("tick")
    if not isinstance(tick, int) or isinstance(tick, bool) or not 0 <= tick <= MAX_TICKS:
        raise PendantLogError("pendant.log.bad_tick", index, max=MAX_TICKS)
    if tick < previous_tick:
        raise PendantLogError("pendant.log.tick_order", index, tick=tick, previous=previous_tick)
    fields = EVENTS[ev]
    for name in event:
        if name not in fields and name not in ("tick", "ev"):
            raise PendantLogError("pendant.log.unknown_field", index, ev=ev, field=str(name)[:40])
    out: dict[str, Any] = {"tick": tick, "ev": ev}
    for name, kind in fields.items():
        if name not in event:
            if kind.endswith("?"):
                continue
            raise PendantLogError("pendant.log.missing_field", index, ev=ev, field=name)
        ok, value = _check(kind, event[name])
        if not ok:
            raise PendantLogError("pendant.log.bad_value", index, ev=ev, field=name)
        out[name] = value
    if ev == "key":
        joint = out["axis"] in JOINT_AXES
        frame = out.setdefault("frame", "joint" if joint else "world")
        if joint != (frame == "joint"):
            raise PendantLogError("pendant.log.axis_frame", index, axis=out["axis"], frame=frame)
    return out


def validate_log(events: Any) -> list[dict[str, Any]]:
    """The whole log checked (size first, before looking at any event) and in canonical form."""
    if not isinstance(events, list | tuple):
        raise PendantLogError("pendant.log.not_list")
    if len(events) > MAX_EVENTS:
        raise PendantLogError("pendant.log.too_long", count=len(events), max=MAX_EVENTS)
    out, previous = [], 0
    for i, event in enumerate(events):
        checked = validate_event(event, i, previous)
        previous = checked["tick"]
        out.append(checked)
    return out

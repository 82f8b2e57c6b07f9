"""The cell's safety controller: safe zones, light curtains and collisions → protective stops.

Configured from the cell, separately from any robot program, like a safety PLC or a controller's safety option
(SafeMove, DCS, SafeOperation): the program only coordinates (waits for a signal so as not to be stopped
needlessly); this controller protects, whatever the program does. It acts on the arm's geometry each cycle:

* **keep-out zone** — no link or tool capsule may enter the box: ``safety.zone_violation`` (zone, link).
* **keep-in zone** — the TCP and the flange must stay inside: ``safety.zone_violation`` (zone, link = TCP|flange).
* **light curtain** — while its input is on (beam interrupted), the robot may not be in the guarded box, nor
  within ``approach_mm`` of it and getting closer: ``safety.light_curtain`` (curtain, input, link). Elsewhere
  the robot keeps working (the curtain guards the shared area, not the whole cell).
* **collision** with a solid of the cell or between non-adjacent links: ``cell.collision`` (link, solid).

Every alarm is a protective stop (``stop = "protective"``); with a ``SafetyState`` attached the controller
latches it there (``SafetyState.protective_stop(cause=code)``), and only a reset clears it — never by itself.
``check_trajectory`` checks a whole sampled motion (arrays of joints) at once and reports the first violation.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from simulators.robot.arm.cell import Box, Cell, ToolGeometry
from simulators.robot.arm.collision import (
    TOUCH_MM,
    CapsuleArrays,
    Capsules,
    CollisionModel,
    SolidArrays,
    capsule_arrays,
    pair_distances,
)
from simulators.robot.arm.kinematics import Arm
from simulators.robot.arm.safety_state import SafetyState

COLLISION = "cell.collision"
ZONE = "safety.zone_violation"
CURTAIN = "safety.light_curtain"


@dataclass(frozen=True)
class SafetyAlarm:
    """A protective stop asked for by the safety controller; ``params`` plain names/numbers for the catalog."""

    code: str
    params: dict[str, object] = field(default_factory=dict)
    time: float | None = None
    sample: int | None = None  # index into the checked trajectory
    stop: str = "protective"


@dataclass
class TrajectoryCheck:
    """The first sample with a violation (None if none) and its alarms."""

    first_sample: int | None
    first_time: float | None
    alarms: list[SafetyAlarm]

    @property
    def ok(self) -> bool:
        return self.first_sample is None


InputTimeline = Sequence[tuple[float, int, bool]]  # (time s, DI channel, value), in time order


def inputs_at(times: np.ndarray, channel: int, timeline: InputTimeline, initial: bool = False) -> np.ndarray:
    """The value of DI[channel] at each time (the last change at or before it)."""
    ev = [(t, v) for t, ch, v in timeline if ch == channel]
    out = np.full(len(times), bool(initial))
    if ev:
        et = np.array([t for t, _ in ev], dtype=float)
        ev_v = np.array([bool(v) for _, v in ev])
        k = np.searchsorted(et, times, side="right") - 1
        out = np.where(k >= 0, ev_v[np.maximum(k, 0)], out)
    return out


class SafetyController:
    """Safety functions of one cell; ``check`` per control cycle, ``check_trajectory`` for a sampled motion.

    Zones and curtains are read once, here (the controller's configuration); solids are followed as they are.
    """

    def __init__(self, cell: Cell, state: SafetyState | None = None, *, collisions: bool = True,
                 self_collision: bool = True) -> None:
        self.cell, self.state = cell, state
        self.collisions, self.self_collision = collisions, self_collision
        self._keep_out = [z for z in cell.zones if z.rule == "keep_out"]
        self._keep_in = [z for z in cell.zones if z.rule == "keep_in"]
        self._out_solids = SolidArrays.of([z.box for z in self._keep_out])
        self._curtain_solids = SolidArrays.of([c.box for c in cell.curtains])
        self._last_curtain: np.ndarray | None = None  # per curtain: distance at the previous check

    def reset(self) -> None:
        """Forget the previous cycle (a new motion starts; no 'moving towards' from an old pose)."""
        self._last_curtain = None

    # ------------------------------------------------------------------ the per-sample arrays
    def _zone_columns(self, caps: CapsuleArrays) -> list[tuple[np.ndarray, dict[str, object]]]:
        """(violated (n,), params) per keep-out zone × capsule name and keep-in zone × point."""
        out: list[tuple[np.ndarray, dict[str, object]]] = []
        if self._keep_out:
            d, _ = pair_distances(caps, self._out_solids)  # (n, k, z)
            for zi, zone in enumerate(self._keep_out):
                for name in dict.fromkeys(caps.names):
                    cols = [j for j, nm in enumerate(caps.names) if nm == name]
                    out.append(((d[:, cols, zi] < -TOUCH_MM).any(1), {"zone": zone.name, "link": name}))
        for zone in self._keep_in:
            for label, pts in (("TCP", caps.tcp), ("flange", caps.flange)):  # unknown (NaN) for bare capsules
                out.append((~zone.box.contains(pts) & ~np.isnan(pts).any(-1), {"zone": zone.name, "link": label}))
        return out

    def _curtain_distance(self, caps: CapsuleArrays) -> tuple[np.ndarray, np.ndarray]:
        """(n, c) nearest capsule distance to each guarded box, and (n, c) the index of that capsule."""
        n = caps.p0.shape[0]
        if not self.cell.curtains:
            return np.zeros((n, 0)), np.zeros((n, 0), dtype=int)
        approach = max(c.approach_mm for c in self.cell.curtains)
        d, _ = pair_distances(caps, self._curtain_solids, bound=approach + TOUCH_MM)  # (n, k, c)
        return d.min(1), d.argmin(1)

    def _collision_columns(self, caps: CapsuleArrays) -> tuple[np.ndarray, CollisionModel | None]:
        if not self.collisions:
            return np.zeros((caps.p0.shape[0], 0)), None
        model = CollisionModel.for_cell(self.cell, caps.names, self_collision=self.self_collision)
        return model.distances(caps), model

    @staticmethod
    def _collision_alarms(dist_row: np.ndarray, model: CollisionModel | None, t: float | None,
                          sample: int | None = None) -> list[SafetyAlarm]:
        if model is None:
            return []
        return [SafetyAlarm(COLLISION, {"link": c.link, "solid": c.solid, "depth_mm": round(-c.distance, 3)}, t,
                            sample) for c in model.contacts(dist_row)]

    # ------------------------------------------------------------------ one cycle
    def check(self, capsules: Capsules | CapsuleArrays, inputs: Mapping[int, bool] | None = None,
              t: float | None = None) -> list[SafetyAlarm]:
        """Alarms for the pose now (``capsules`` from ``link_capsules``), with the inputs now (DI → on)."""
        caps = capsules if isinstance(capsules, CapsuleArrays) else CapsuleArrays.from_capsules(capsules)
        inputs = inputs or {}
        alarms: list[SafetyAlarm] = []
        dist, model = self._collision_columns(caps)
        alarms += self._collision_alarms(dist[0], model, t)
        for violated, params in self._zone_columns(caps):
            if violated[0]:
                alarms.append(SafetyAlarm(ZONE, dict(params), t))
        cd, ci = self._curtain_distance(caps)
        last = self._last_curtain
        for k, curtain in enumerate(self.cell.curtains):
            if not inputs.get(curtain.input, False):
                continue
            d = float(cd[0, k])
            towards = last is not None and d < last[k] - 1e-9 and d <= curtain.approach_mm
            if d < -TOUCH_MM or towards:
                alarms.append(SafetyAlarm(CURTAIN, {"curtain": curtain.name, "input": curtain.input,
                                                    "link": caps.names[int(ci[0, k])]}, t))
        self._last_curtain = cd[0].copy()
        if alarms and self.state is not None:
            self.state.protective_stop(cause=alarms[0].code)
        return alarms

    # ------------------------------------------------------------------ a whole trajectory
    def check_trajectory(self, arm: Arm, q: np.ndarray, times: np.ndarray | None = None,
                         tool: ToolGeometry | str | None = None, inputs: InputTimeline = (),
                         initial_inputs: Mapping[int, bool] | None = None,
                         ignore_from: int = 0) -> TrajectoryCheck:
        """Check joints q (n, 6) sampled at ``times`` (default 0, 1, 2 …) with the DI timeline; first violation.

        Alarms are those of the first violating sample (the robot stops there). Samples before ``ignore_from``
        are not checked (a motion that starts where a previous one ended).
        """
        q = np.atleast_2d(np.asarray(q, dtype=float))
        n = q.shape[0]
        times = np.arange(n, dtype=float) if times is None else np.asarray(times, dtype=float)
        geometry = self.cell.tools[tool] if isinstance(tool, str) else tool
        caps = capsule_arrays(arm, q, geometry, self.cell.base, self.cell.link_radii)
        bad = np.zeros(n, dtype=bool)
        dist, model = self._collision_columns(caps)
        coll = dist < -TOUCH_MM
        bad |= coll.any(1)
        zones = self._zone_columns(caps)
        for violated, _ in zones:
            bad |= violated
        cd, ci = self._curtain_distance(caps)
        initial_inputs = initial_inputs or {}
        curtain_bad = np.zeros((n, len(self.cell.curtains)), dtype=bool)
        for k, curtain in enumerate(self.cell.curtains):
            on = inputs_at(times, curtain.input, inputs, initial_inputs.get(curtain.input, False))
            d = cd[:, k]
            closer = np.zeros(n, dtype=bool)
            closer[1:] = d[1:] < d[:-1] - 1e-9
            curtain_bad[:, k] = on & ((d < -TOUCH_MM) | (closer & (d <= curtain.approach_mm)))
        bad |= curtain_bad.any(1)
        bad[:ignore_from] = False
        hits = np.nonzero(bad)[0]
        if hits.size == 0:
            return TrajectoryCheck(None, None, [])
        i = int(hits[0])
        t = float(times[i])
        alarms = self._collision_alarms(dist[i], model, t, i)
        for violated, params in zones:
            if violated[i]:
                alarms.append(SafetyAlarm(ZONE, dict(params), t, i))
        for k, curtain in enumerate(self.cell.curtains):
            if curtain_bad[i, k]:
                alarms.append(SafetyAlarm(CURTAIN, {"curtain": curtain.name, "input": curtain.input,
                                                    "link": caps.names[int(ci[i, k])]}, t, i))
        if self.state is not None:
            self.state.protective_stop(cause=alarms[0].code)
        return TrajectoryCheck(i, t, alarms)


def guarded_boxes(cell: Cell) -> Iterable[Box]:
    """Every box the safety controller watches (zones and curtains), for drawing."""
    yield from (z.box for z in cell.zones)
    yield from (c.box for c in cell.curtains)

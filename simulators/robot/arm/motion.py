"""Trajectory planning for the six-axis arm: MOVEJ / MOVEL / MOVEC, zones, alarms, fixed-step samples.

Timing. Every move is a trapezoid (``profile.py``) on a path parameter s ∈ [0, 1]:

* J — joints go in a straight line in joint space, all starting and stopping together: joint i moves Δqᵢ·s,
  so the slowest joint (its speed × ``speed`` × override, its acceleration) sets s's limits;
* L — the TCP on a straight line (orientation turned at a constant rate about one axis, "slerp");
* C — the TCP on the circle through start, via and end (orientation slerped start → end).

L/C speed is the programmed mm/s × override with ``TCP_ACCEL_MM_S2``; the orientation turn is limited too
(``ORI_SPEED_DEG_S``). Each sample is solved by IK in the start's configuration, nearest the previous sample.
A joint that would exceed its top speed slows the whole move (uniformly); in T1 the move is slowed until no
checked link point (``paths.link_points``) exceeds 250 mm/s. Speeds are checked again on the final samples.

Time grid. Durations are rounded up to whole ticks of ``dt`` by slowing the move uniformly (a controller
interpolates in ticks), so every fine point is a sample and every machine computes the same numbers.
``Segment.duration`` keeps the exact trapezoid time.

Zones. FINE stops on the target. ``Zone(r)`` starts the next move before this one ends: the two motions are
added (superposition) while this one ramps down over its last r mm and the next ramps up over its first r mm
(r clamped to half of each move; the ramps are made long enough to cover r). The overlap lies inside both
ramps, so the sum of the two speeds never exceeds the larger cruise speed. L/C → L/C corners add TCP
positions (and compose the two turns) and solve IK; corners with a J move add joint values (parabolic blend in
joint space — the J move has no Cartesian path to keep). The corner is cut, never passed through, and the
cycle is shorter than with FINE.

Alarms stop planning; the trajectory ends at the last good sample: ``motion.singularity`` (L/C only: a MOVEJ
passes through), ``arm.reach``, ``arm.joint_limit``, ``motion.config_change``, ``motion.circle_degenerate``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from simulators.robot.arm.blend import blend_samples
from simulators.robot.arm.frames import invert
from simulators.robot.arm.kinematics import Arm, Configuration
from simulators.robot.arm.paths import link_points
from simulators.robot.arm.profile import Trapezoid
from simulators.robot.arm.segments import (
    ORI_ACCEL_DEG_S2,
    ORI_SPEED_DEG_S,
    T1_CAP_MM_S,
    TCP_ACCEL_MM_S2,
    Path,
    build_path,
    check_cartesian,
    slow_down,
)


@dataclass(frozen=True)
class Zone:
    """FINE = Zone(0.0); Z10 = Zone(10.0): corner radius in mm at the TCP."""

    radius_mm: float


FINE = Zone(0.0)


@dataclass(frozen=True)
class MoveCmd:
    kind: str  # "J" | "L" | "C"
    target: np.ndarray | None  # 4×4 TCP pose in world …
    joints: np.ndarray | None  # … or explicit joints (rad)
    via: np.ndarray | None  # MOVEC via pose (world)
    speed: float  # J: fraction of max joint speed (0, 1]; L/C: TCP mm/s
    zone: Zone
    line: int
    configuration: Configuration | None = None


@dataclass(frozen=True)
class MotionAlarm:
    code: str
    params: dict
    line: int
    time: float


@dataclass(frozen=True)
class Segment:
    """One instruction's share of the trajectory (``t_end`` of a blended move is after the next one's start)."""

    line: int
    kind: str  # "J" | "L" | "C" | "dwell"
    t_start: float
    t_end: float
    duration: float  # the exact trapezoid time before rounding to ticks


@dataclass
class Trajectory:
    t: np.ndarray  # (n,)
    q: np.ndarray  # (n, 6) rad
    tcp: np.ndarray  # (n, 3) mm world
    line: np.ndarray  # (n,)
    alarms: list[MotionAlarm]
    segments: list[Segment] = field(default_factory=list)
    dt: float = 0.01
    _arm: Arm | None = field(default=None, repr=False)
    _tool: np.ndarray | None = field(default=None, repr=False)
    _base: np.ndarray | None = field(default=None, repr=False)

    @property
    def cycle_time(self) -> float:
        return float(self.t[-1]) if len(self.t) else 0.0

    @property
    def path_length(self) -> float:
        """TCP path length (mm), summed over the samples' chords."""
        return float(np.sum(np.linalg.norm(np.diff(self.tcp, axis=0), axis=1))) if len(self.t) > 1 else 0.0

    @property
    def max_tcp_speed(self) -> float:
        return self.path_length and float(np.max(np.linalg.norm(np.diff(self.tcp, axis=0), axis=1)) / self.dt)

    def link_points(self) -> np.ndarray:
        """(n, 8, 3) checked link points (skeleton vertices, TCP included) at every sample."""
        return link_points(self._arm, self.q, self._tool, self._base)

    @property
    def max_link_speed(self) -> float:
        """Fastest checked link point (mm/s, finite differences between samples)."""
        if len(self.t) < 2:
            return 0.0
        pts = self.link_points()
        return float(np.max(np.linalg.norm(np.diff(pts, axis=0), axis=2)) / self.dt)


@dataclass
class _Planned:
    """A move with its profile and samples; ``start`` is its first tick on the global grid."""

    path: Path
    prof: Trapezoid
    ticks: int
    stretch: float  # ≥ 1: slowed so that the duration is whole ticks
    q: np.ndarray  # (ticks + 1, 6)
    tcp: np.ndarray | None  # (ticks + 1, 4, 4) world TCP poses for L/C
    start: int = 0

    @property
    def end(self) -> int:
        return self.start + self.ticks


class Planner:
    """Plans moves one by one; ``flush`` gives everything planned so far as a ``Trajectory``."""

    def __init__(self, arm: Arm, tool: np.ndarray | None = None, *, dt: float = 0.01, t1: bool = False,
                 override: float = 1.0, start_q: np.ndarray | None = None, base: np.ndarray | None = None) -> None:
        if not 0.0 < override <= 1.0:
            raise ValueError("override is a fraction in (0, 1]")
        if dt <= 0:
            raise ValueError("dt must be positive")
        self.arm, self.dt, self.t1, self.override = arm, float(dt), bool(t1), float(override)
        self.tool = np.eye(4) if tool is None else np.asarray(tool, dtype=float)
        self.base = np.eye(4) if base is None else np.asarray(base, dtype=float)
        self._tool_inv, self._base_inv = invert(self.tool), invert(self.base)
        self._base_is_eye = bool(np.array_equal(self.base, np.eye(4)))
        self._q = np.zeros(6) if start_q is None else np.array(start_q, dtype=float)
        self._corner_pose: np.ndarray | None = None  # world TCP pose at current_q when known without FK
        self._pending: Path | None = None  # geometry known, end (fine or blended) not yet
        self._last: _Planned | None = None  # sampled; its tail may still blend into the next move
        self._chunks_q: list[np.ndarray] = [self._q[None, :].copy()]
        self._chunks_line: list[np.ndarray] = [np.zeros(1, dtype=int)]
        self._segments: list[Segment] = []
        self.alarms: list[MotionAlarm] = []
        self._emitted = 1  # next global tick to emit (tick 0 is the start)
        self._end_tick = 0

    # ------------------------------------------------------------------ state
    @property
    def stopped(self) -> bool:
        """An alarm stopped planning: further moves are ignored."""
        return bool(self.alarms)

    @property
    def current_q(self) -> np.ndarray:
        """Joints at the end of everything added (the target of the last move)."""
        return self._q.copy()

    @property
    def current_time(self) -> float:
        """End time of everything added, a pending blended move counted as FINE (exact after ``flush``)."""
        end = self._end_tick
        if self._pending is not None:
            end += self._plan(self._pending, 0.0)[1]
        return end * self.dt

    def tcp_pose(self, q: np.ndarray | None = None) -> np.ndarray:
        return self.base @ self.arm.fk(self._q if q is None else q) @ self.tool

    # ------------------------------------------------------------------ commands
    def add(self, cmd: MoveCmd) -> None:
        """Queue one move; a zone > 0 blends into the next move added (not across ``dwell``/``flush``)."""
        if self.stopped:
            return
        if cmd.kind not in ("J", "L", "C"):
            raise ValueError(f"unknown move kind {cmd.kind!r}")
        if not cmd.speed > 0 or (cmd.kind == "J" and cmd.speed > 1.0):
            raise ValueError("speed: J a fraction in (0, 1], L/C mm/s > 0")
        path = build_path(self, cmd)
        prev = self._pending
        r = 0.0
        if prev is not None and prev.cmd.zone.radius_mm > 0 and prev.alarm is None:
            r = min(prev.cmd.zone.radius_mm, 0.5 * prev.length_mm, 0.5 * path.length_mm)
        path.r_in = r
        if path.pose_fn is not None:
            check_cartesian(self, path)
            if path.alarm is not None and prev is not None:  # stopped short: blend into what is left of it
                path.r_in = r = min(r, 0.5 * path.length_mm)
                path.pre = None
        if prev is not None:
            self._finalize(prev, r)
        self._pending = path
        self._q = path.q_end.copy()
        self._corner_pose = path.end_pose
        if path.alarm is not None:
            self._finalize_pending()
            code, params = path.alarm
            self.alarms.append(MotionAlarm(code, {**params, "line": cmd.line}, cmd.line, self._end_tick * self.dt))

    def dwell(self, seconds: float, line: int) -> None:
        """Non-motion time (wait, grip): ends any blending with a fine point, then holds still."""
        if self.stopped:
            return
        if seconds < 0:
            raise ValueError("dwell time must be ≥ 0")
        self._finalize_pending()
        self._emit_last_fully()
        ticks = math.ceil(seconds / self.dt - 1e-9)
        start = self._end_tick
        if ticks:
            self._chunks_q.append(np.repeat(self._q[None, :], ticks, axis=0))
            self._chunks_line.append(np.full(ticks, line, dtype=int))
        self._emitted += ticks
        self._end_tick += ticks
        self._segments.append(Segment(line, "dwell", start * self.dt, self._end_tick * self.dt, float(seconds)))

    def flush(self) -> Trajectory:
        """Everything planned so far; a pending blended move ends fine (the caller waits here)."""
        self._finalize_pending()
        self._emit_last_fully()
        q = np.concatenate(self._chunks_q)
        line = np.concatenate(self._chunks_line)
        self._chunks_q, self._chunks_line = [q], [line]
        flange = self.arm.fk(q)
        if self._base_is_eye:  # base @ flange is flange: skipped, and one (4n, 4) product for the tool, not n
            tcp = (flange.reshape(-1, 4) @ self.tool).reshape(flange.shape)[:, :3, 3]
        else:
            tcp = (self.base @ flange @ self.tool)[:, :3, 3]
        n = len(q)
        return Trajectory(np.arange(n) * self.dt, q, tcp, line, list(self.alarms), list(self._segments), self.dt,
                          self.arm, self.tool, self.base)

    # ------------------------------------------------------------------ planning one move
    def _plan(self, path: Path, r_out: float) -> tuple[Trapezoid, int, float]:
        """The move's trapezoid on s, its ticks and the stretch that makes them whole."""
        v, a = path.v_s, path.a_s
        a_acc = a_dec = a
        if path.r_in > 0:  # ramp up over at least the first r mm: the overlap with the previous move
            a_acc = min(a, v * v / (2.0 * path.r_in / path.length_mm))
        if r_out > 0:
            a_dec = min(a, v * v / (2.0 * r_out / path.length_mm))
        prof = Trapezoid(path.s_end, v, a_acc, a_dec)
        if path.s_end <= 0:
            return prof, 0, 1.0
        exact = prof.duration
        ticks = max(1, math.ceil(exact / self.dt - 1e-9))
        return prof, ticks, ticks * self.dt / exact

    def _sample(self, path: Path, r_out: float) -> _Planned:
        """Profile and samples, slowed again if the samples show a joint or (T1) a link point too fast."""
        pre = path.pre
        if pre is not None and pre[0] == r_out:  # sampled when it was checked, for this very end
            return _Planned(path, *pre[1:])
        for _ in range(12):
            prof, ticks, stretch = self._plan(path, r_out)
            s = prof.position(np.arange(ticks + 1) * (self.dt / stretch)) if ticks else np.zeros(1)
            q, tcp = path.at(s)
            if ticks == 0:
                break
            ratio = self._speed_ratio(q)
            if ratio <= 1.0 + 1e-9:
                break
            slow_down(path, ratio, stretch)
        return _Planned(path, prof, ticks, stretch, q, tcp)

    def _speed_ratio(self, q: np.ndarray) -> float:
        """Largest of (joint speed / its max) and, in T1, (link point speed / 250 mm/s) over the samples."""
        dq = np.abs(q[1:] - q[:-1]) / self.dt  # np.diff's numbers without its Python overhead
        ratio = float(np.maximum.reduce(dq / self.arm._speed, axis=None)) if len(dq) else 0.0  # np.max, less overhead
        if self.t1 and len(q) > 1:
            pts = link_points(self.arm, q, self.tool, self.base)
            d = pts[1:] - pts[:-1]  # np.linalg.norm(np.diff(…)) as its reductions, without the Python overhead
            step = float(np.maximum.reduce(np.sqrt(np.add.reduce(d * d, axis=2)), axis=None))
            ratio = max(ratio, step / self.dt / T1_CAP_MM_S)
        return ratio

    def _finalize(self, path: Path, r_out: float) -> None:
        """Sample ``path`` (its end now known), place it on the grid and emit what no longer changes."""
        seg = self._sample(path, r_out)
        last = self._last
        ov = 0
        if last is not None and path.r_in > 0 and last.ticks and seg.ticks:
            ov = self._overlap(last, seg)
        blend = None
        while ov:  # the sum of two motions within their limits; halve the overlap if a sample says otherwise
            blend = blend_samples(self, last, seg, ov)
            around = np.concatenate([last.q[last.ticks - ov - 1:last.ticks - ov], blend, seg.q[ov:ov + 1]])
            if self._speed_ratio(around) <= 1.0 + 1e-9:
                break
            ov, blend = ov // 2, None
        if last is not None:
            seg.start = last.end - ov
            self._emit(last, seg.start)
            if blend is not None:
                self._chunks_q.append(blend)
                self._chunks_line.append(np.full(len(blend), path.cmd.line, dtype=int))
                self._emitted += len(blend)
        else:
            seg.start = self._end_tick
        self._end_tick = seg.end
        self._segments.append(Segment(path.cmd.line, path.cmd.kind, seg.start * self.dt, seg.end * self.dt,
                                      seg.prof.duration))
        self._last = seg

    def _overlap(self, a: _Planned, b: _Planned) -> int:
        """Ticks the two moves overlap: inside a's ramp down over its last r and b's ramp up over its first r."""
        r = b.path.r_in
        pa, pb = a.prof, b.prof
        ra, rb = r / a.path.length_mm, r / b.path.length_mm
        t_a = min(pa.t_dec, pa.duration - pa.time_at(pa.length - ra)) * a.stretch
        t_b = min(pb.t_acc, pb.time_at(rb)) * b.stretch
        return max(0, min(a.ticks, b.ticks, math.floor(min(t_a, t_b) / self.dt + 1e-9)))

    def _emit(self, seg: _Planned, upto: int) -> None:
        """Emit ``seg``'s own samples for global ticks [emitted, upto)."""
        lo, hi = self._emitted - seg.start, upto - seg.start
        if hi > lo:
            self._chunks_q.append(seg.q[lo:hi])
            self._chunks_line.append(np.full(hi - lo, seg.path.cmd.line, dtype=int))
            self._emitted = upto

    def _finalize_pending(self) -> None:
        if self._pending is not None:
            self._finalize(self._pending, 0.0)
            self._pending = None

    def _emit_last_fully(self) -> None:
        if self._last is not None:
            self._emit(self._last, self._last.end + 1)
            self._last = None


__all__ = [
    "FINE", "ORI_ACCEL_DEG_S2", "ORI_SPEED_DEG_S", "T1_CAP_MM_S", "TCP_ACCEL_MM_S2", "MotionAlarm", "MoveCmd",
    "Planner", "Segment", "Trajectory", "Zone",
]

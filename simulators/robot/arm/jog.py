"""Jogging the six-axis arm: joint by joint or along/around the axes of the world, base, tool or user frame.

Time-stepped and clock-free: ``jog(axis, direction, dt)`` advances one step of a held jog key, ``increment``
moves exactly one increment (0.1 / 1 / 10 mm, 0.1 / 1 / 5°) in steps of ``dt``. The same calls give the same
poses on every machine.

A Cartesian jog is measured from the pose where the key was pressed (the anchor), not added step on step, so
it stays on its line (or turns about the TCP) without drift and an increment lands exactly. Each step is
solved by IK in the current configuration, nearest the current joints, and checked before it is taken: out of
reach, past a joint limit, closer to a singularity than its threshold, or a joint faster than its maximum speed
(the sign of a nearby singularity) — the step is not taken and the jog stops with an alarm (``jog.*``), as a
real controller stops before the singularity. A joint jog stops exactly at the limit.

In T1 no checked point — TCP, flange, and the vertices of every link's skeleton (base, shoulder, elbow, forearm
bend, wrist centre, flange, TCP) — may move faster than 250 mm/s: the step is scaled down until none does.
Between two poses a point of a rigid straight segment moves by the weighted mean of its ends' displacements,
so capping the vertices caps every point of the skeleton.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from simulators.robot.arm.errors import ArmError, JointLimitError, ReachError
from simulators.robot.arm.frames import Frames, invert
from simulators.robot.arm.kinematics import Arm
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z
from simulators.robot.arm.safety_state import Alarm, Mode, SafetyState
from simulators.robot.arm.singularities import measures, near

FRAMES = ("joint", "world", "base", "tool", "user")
CARTESIAN_AXES = ("x", "y", "z", "rx", "ry", "rz")
LINEAR_INCREMENTS_MM = (0.1, 1.0, 10.0)
ANGULAR_INCREMENTS_DEG = (0.1, 1.0, 5.0)
_ROT = (rot_x, rot_y, rot_z)


@dataclass(frozen=True)
class JogAxis:
    """``frame`` one of FRAMES; ``axis`` 1…6 for a joint, else one of CARTESIAN_AXES."""

    frame: str
    axis: int | str

    def __post_init__(self) -> None:
        if self.frame not in FRAMES:
            raise ValueError(f"unknown jog frame {self.frame!r}")
        ok = self.axis in range(1, 7) if self.frame == "joint" else self.axis in CARTESIAN_AXES
        if not ok:
            raise ValueError(f"unknown axis {self.axis!r} for frame {self.frame!r}")

    @property
    def rotational(self) -> bool:
        return self.frame == "joint" or str(self.axis).startswith("r")


@dataclass(frozen=True)
class JogSpeeds:
    """Jog speeds at 100 % override."""

    linear_mm_s: float = 250.0
    angular_deg_s: float = 30.0
    joint_fraction: float = 0.1  # of each joint's maximum speed


@dataclass(frozen=True)
class JogResult:
    q: np.ndarray  # joints after the step
    moved: bool
    alarm: Alarm | None = None
    scale: float = 1.0  # < 1 when the T1 cap slowed the step
    done: float = 0.0  # distance (mm) or angle (rad) travelled since the key was pressed
    steps: int = 1


class Jogger:
    """Jogging of one arm with its frames under a safety state."""

    def __init__(self, arm: Arm, q: np.ndarray, frames: Frames | None = None, safety: SafetyState | None = None,
                 speeds: JogSpeeds | None = None, override: float = 100.0, samples_per_link: int = 2) -> None:
        self.arm, self.frames = arm, frames or Frames()
        self.safety = safety or SafetyState()
        self.speeds = speeds or JogSpeeds()
        self.q = np.array(q, dtype=float)
        self.set_override(override)
        self.samples_per_link = samples_per_link
        self._signs3 = np.array(arm.model.signs[:3], dtype=float)
        self._held: tuple[JogAxis, int, int] | None = None  # axis, direction, stop epoch at press
        self._anchor: np.ndarray | None = None  # TCP in world (Cartesian) or joints (joint jog) at press
        self._done = 0.0
        self._halted: Alarm | None = None
        self._pts_cache: list[tuple[tuple[bytes, bytes, bytes], np.ndarray]] = []

    # ----------------------------------------------------------------- settings and keys
    def set_override(self, percent: float) -> None:
        if not 0.0 < percent <= 100.0:
            raise ValueError("override is a percentage in (0, 100]")
        self.override = float(percent)

    def release(self) -> None:
        """The jog key is let go: the jog ends; the next ``jog`` call starts a new one."""
        self._held, self._anchor, self._done, self._halted = None, None, 0.0, None

    def tcp_world(self, q: np.ndarray | None = None) -> np.ndarray:
        return self.frames.base @ self.arm.fk(self.q if q is None else q) @ self.frames.tools[self.frames.tool].tcp

    # ----------------------------------------------------------------- geometry
    def link_points(self, q: np.ndarray) -> np.ndarray:
        """Skeleton vertices in world: base, J1 top, shoulder, elbow, forearm bend, wrist centre, flange, TCP."""
        m = self.arm.model
        q = np.asarray(q, dtype=float)
        t0, t1, t2 = (q[:3] * self._signs3).tolist()
        c1, s1 = math.cos(t0), math.sin(t0)
        t23 = t1 + t2
        rz = [(0.0, 0.0), (0.0, m.d1), (m.a1, m.d1)]
        r, z = m.a1 + m.a2 * math.sin(t1), m.d1 + m.a2 * math.cos(t1)
        rz.append((r, z))
        r, z = r + m.a3 * math.sin(t23), z + m.a3 * math.cos(t23)
        rz.append((r, z))
        rz.append((r + m.d4 * math.cos(t23), z - m.d4 * math.sin(t23)))
        pts = np.empty((8, 3))
        pts[:6] = [(c1 * a, s1 * a, b) for a, b in rz]
        flange = self.arm.fk(q)
        pts[6] = flange[:3, 3]
        pts[7] = (flange @ self.frames.tools[self.frames.tool].tcp)[:3, 3]
        base = self.frames.base
        return pts @ base[:3, :3].T + base[:3, 3]

    def sample_points(self, q: np.ndarray, per_link: int | None = None) -> np.ndarray:
        """``per_link`` evenly spaced points on every skeleton segment, ends included."""
        v = self.link_points(q)
        n = self.samples_per_link if per_link is None else per_link
        s = np.linspace(0.0, 1.0, max(n, 2))[:, None, None]
        return (v[:-1] + s * (v[1:] - v[:-1])).reshape(-1, 3)

    def _axis_world(self, axis: JogAxis, anchor: np.ndarray) -> np.ndarray:
        """Unit vector (world) of a Cartesian jog axis; the tool frame's is taken at the anchor pose."""
        k = CARTESIAN_AXES.index(axis.axis) % 3
        if axis.frame == "world":
            return np.eye(3)[k]
        if axis.frame == "base":
            return self.frames.base[:3, k]
        if axis.frame == "user":
            return self.frames.users[self.frames.user].matrix[:3, k]
        return anchor[:3, k]

    def _target(self, axis: JogAxis, amount: float) -> np.ndarray:
        """Joints (joint jog) or TCP world pose (Cartesian) ``amount`` mm / rad from the anchor."""
        a = self._anchor
        if axis.frame == "joint":
            q = a.copy()
            q[axis.axis - 1] += amount
            return q
        out = a.copy()
        if not axis.rotational:
            out[:3, 3] += amount * self._axis_world(axis, a)
        elif axis.frame == "tool":  # about the tool's own axis, through the TCP
            out[:3, :3] = a[:3, :3] @ _ROT[CARTESIAN_AXES.index(axis.axis) % 3](amount)
        else:  # about a fixed axis through the TCP
            out[:3, :3] = _axis_angle(self._axis_world(axis, a), amount) @ a[:3, :3]
        return out

    # ----------------------------------------------------------------- one candidate
    def _solve(self, axis: JogAxis, amount: float) -> tuple[np.ndarray | None, Alarm | None, bool]:
        """Joints for ``amount`` from the anchor, or the alarm that stops there; third: clamped at a limit."""
        target = self._target(axis, amount)
        if axis.frame == "joint":
            j = axis.axis - 1
            lo, hi = self.arm.model.limits_rad[j]
            if lo <= target[j] <= hi:
                return target, None, False
            target[j] = min(max(target[j], lo), hi)
            lo_d, hi_d = self.arm.model.limits_deg[j]
            return target, Alarm("jog.joint_limit", {"joint": j + 1, "lower_deg": lo_d, "upper_deg": hi_d}), True
        flange = invert(self.frames.base) @ target @ invert(self.frames.tools[self.frames.tool].tcp)
        try:
            q = self.arm.ik(flange, self.q, self.arm.configuration(self.q))
        except JointLimitError as e:
            return None, Alarm("jog.joint_limit", dict(e.params)), False
        except ReachError as e:
            return None, Alarm("jog.reach", dict(e.params)), False
        except ArmError as e:  # pragma: no cover - other arm errors carry their own code
            return None, Alarm(e.code, dict(e.params)), False
        before = measures(self.arm, self.q)
        for s in near(self.arm, q):
            if s.distance <= before[s.kind]:  # moving out of a singularity's zone is allowed
                return None, Alarm(s.code, {"kind": s.kind, "distance": round(s.distance, 3),
                                            "threshold": s.threshold}), False
        return q, None, False

    def _too_fast(self, q: np.ndarray, dt: float) -> Alarm | None:
        v = np.abs(q - self.q) / dt
        over = v / self.arm.model.max_speed_rad_s
        j = int(np.argmax(over))
        if over[j] > 1.0 + 1e-9:
            return Alarm("jog.joint_speed", {"joint": j + 1, "speed_deg_s": round(math.degrees(v[j]), 3),
                                             "max_deg_s": self.arm.model.max_speed_deg_s[j]})
        return None

    def _points_cached(self, q: np.ndarray) -> np.ndarray:
        """``link_points`` remembering the last two joint vectors: the accepted candidate is next step's start."""
        key = (q.tobytes(), self.frames.tools[self.frames.tool].tcp.tobytes(), self.frames.base.tobytes())
        for k, pts in self._pts_cache:
            if k == key:
                return pts
        pts = self.link_points(q)
        self._pts_cache = [self._pts_cache[-1], (key, pts)] if self._pts_cache else [(key, pts)]
        return pts

    def _peak_speed(self, q: np.ndarray, dt: float) -> float:
        before = self._points_cached(self.q)
        d = self._points_cached(q) - before
        # np.linalg.norm(d, axis=1)'s own arithmetic; the root of the largest square is the largest root
        return math.sqrt(float(np.max(np.add.reduce(d * d, axis=1)))) / dt

    # ----------------------------------------------------------------- stepping
    def _press(self, axis: JogAxis, direction: int) -> Alarm | None:
        """Start or continue a held key; the alarm when motion is not allowed now."""
        if direction not in (1, -1):
            raise ValueError("direction is +1 or -1")
        blocked = self.safety.motion_blocked()
        if blocked is None and self.safety.mode == Mode.AUTO:
            blocked = Alarm("jog.mode_auto")  # jogging is a manual-mode operation
        held = self._held
        if held is None or held[0] != axis or held[1] != direction:
            self.release()
            if blocked is not None:
                return blocked
            self._held = (axis, direction, self.safety.stop_epoch)
            self._anchor = self.q.copy() if axis.frame == "joint" else self.tcp_world()
            return None
        if blocked is not None:
            return blocked
        if held[2] != self.safety.stop_epoch:  # stopped since the press: a reset does not restart the jog
            return Alarm("jog.release_key")
        return self._halted

    def jog(self, axis: JogAxis, direction: int, dt: float) -> JogResult:
        """One step of ``dt`` seconds of a held jog key (continuous jog)."""
        return self._advance(axis, direction, dt, None)

    def increment(self, axis: JogAxis, direction: int, size: float, dt: float = 0.01) -> JogResult:
        """One incremental jog: exactly ``size`` (mm, or degrees for rotations/joints) in steps of ``dt``.

        Ends at the increment, or earlier with the alarm that stopped it. The key is released afterwards.
        """
        amount = math.radians(size) if axis.rotational else float(size)
        self.release()
        steps, res = 0, None
        while True:
            res = self._advance(axis, direction, dt, amount)
            steps += 1
            if not res.moved or res.alarm is not None or res.done >= amount:
                break
        self.release()
        return JogResult(res.q, steps > 1 or res.moved, res.alarm, res.scale, res.done, steps)

    def _advance(self, axis: JogAxis, direction: int, dt: float, goal: float | None) -> JogResult:
        if dt <= 0:
            raise ValueError("dt must be positive")
        alarm = self._press(axis, direction)
        if alarm is not None:
            return JogResult(self.q.copy(), False, alarm, 1.0, self._done)
        sp = self.speeds
        if axis.frame == "joint":
            speed = sp.joint_fraction * float(self.arm.model.max_speed_rad_s[axis.axis - 1])
        else:
            speed = math.radians(sp.angular_deg_s) if axis.rotational else sp.linear_mm_s
        step = speed * self.override / 100.0 * dt
        cap = self.safety.speed_limit_mm_s
        scale = 1.0
        for _ in range(40):
            done = self._done + scale * step
            if goal is not None and done >= goal:
                done = goal
            q, alarm, clamped = self._solve(axis, direction * done)
            if q is None:
                break
            peak = self._peak_speed(q, dt) if cap is not None else 0.0
            if cap is None or peak <= cap:
                break
            scale *= 0.999 * cap / peak  # the peak is nearly proportional to the step: one or two passes
        else:  # pragma: no cover - 40 passes each cutting the step by ≥ 0.1 %: never reached in practice
            q, alarm = None, Alarm("jog.speed_cap")
        if q is not None and axis.frame != "joint":  # after the T1 scaling, which may have slowed it enough
            alarm = self._too_fast(q, dt)
            q = None if alarm is not None else q
        if q is None:
            self._halted = alarm
            return JogResult(self.q.copy(), False, alarm, scale, self._done)
        if clamped:
            done = abs(q[axis.axis - 1] - self._anchor[axis.axis - 1])
            self._halted = alarm
        self.q, self._done = q, done
        return JogResult(self.q.copy(), True, alarm, scale, done)


def _axis_angle(u: np.ndarray, angle: float) -> np.ndarray:
    """Rotation by ``angle`` about the unit vector ``u`` (Rodrigues)."""
    x, y, z = u
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)

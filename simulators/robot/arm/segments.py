"""One move's geometry for the planner: its path in s ∈ [0, 1], speed limits on s, and the checks that stop it.

An L/C move is solved on its own samples, timed as if it ends with its zone (``check_cartesian``): they show
where it must stop (singularity, reach, joint limit, configuration change) and whether a joint or, in T1, a
link point would be too fast (then the move is slowed in time and sampled again when placed). A minimum of a
singularity measure between two samples is searched for in finer samples, so a line through J5 = 0 cannot
slip between them. A J move needs no IK: a geometric pass (every 2° of the largest joint) gives its TCP path
length and, in T1, how fast s may go.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from simulators.robot.arm.errors import ArmError, JointLimitError
from simulators.robot.arm.kinematics import Configuration
from simulators.robot.arm.paths import (
    circle,
    ik_configuration,
    link_points,
    measures,
    rodrigues,
    rotvec,
    skew_terms,
)
from simulators.robot.arm.profile import synchronized
from simulators.robot.arm.singularities import DEFAULT_THRESHOLDS, KINDS

# motion.Planner and motion.MoveCmd: not imported, the package's modules may not import each other in a cycle
Planner = Any
MoveCmd = Any

TCP_ACCEL_MM_S2 = 4000.0  # L/C path acceleration
ORI_SPEED_DEG_S = 250.0  # L/C orientation turn rate and acceleration limits
ORI_ACCEL_DEG_S2 = 1000.0
T1_CAP_MM_S = 250.0
T1_MARGIN = 0.98  # a J move's geometric pass plans for 98 % of the cap; the samples are checked against all of it
_any = np.logical_or.reduce
JUMP_RAD = math.radians(60.0)  # a joint turning this much between two samples (and finer ones): another configuration


@dataclass
class Path:
    cmd: MoveCmd
    q_start: np.ndarray
    q_end: np.ndarray
    length_mm: float  # TCP path length (to ``s_end``)
    s_end: float  # 1, or where an alarm stops the move
    v_s: float  # max ds/dt
    a_s: float  # max d²s/dt²
    alarm: tuple[str, dict] | None = None
    r_in: float = 0.0  # zone radius blending in from the previous move
    # L/C geometry: TCP pose of s
    pose_fn: object = None
    conf: int = 0
    planner: Planner | None = None
    end_pose: np.ndarray | None = None  # world TCP pose at s_end when known without FK (L/C), else None
    start_pose: np.ndarray | None = None
    pre: tuple | None = None  # (r_out, profile, ticks, stretch, q, tcp) sampled by check_cartesian

    def at(self, s: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Joints (n, 6) and, for L/C, world TCP poses (n, 4, 4) at path parameters ``s``."""
        s = np.asarray(s, dtype=float)
        if self.pose_fn is None:
            return self.q_start + s[:, None] * (self.q_end - self.q_start), None
        poses = self.pose_fn(s)
        return solve(self.planner, poses, self.conf, self.q_start), poses


def solve(planner: Planner, poses: np.ndarray, conf: int, q_ref: np.ndarray) -> np.ndarray:
    """IK of world TCP poses in configuration ``conf``, turns continued from ``q_ref`` (NaN: unreachable)."""
    based = planner._base_inv @ poses
    flange = (based.reshape(-1, 4) @ planner._tool_inv).reshape(based.shape)  # one BLAS call, not n (same numbers)
    q = ik_configuration(planner.arm, flange, conf)
    # whole turns continued from q_ref sample by sample; added as exact multiples of 2π to the IK values
    step = np.empty_like(q)  # np.diff(q, prepend=q_ref), without its Python overhead (it runs per move)
    step[0] = q[0] - q_ref
    np.subtract(q[1:], q[:-1], out=step[1:])
    # np.cumsum / np.round are add.accumulate / rint behind a Python wrapper: called directly (per move)
    path = q_ref + np.add.accumulate(np.mod(step + math.pi, 2.0 * math.pi) - math.pi, axis=0)
    return q + 2.0 * math.pi * np.rint((path - q) / (2.0 * math.pi))


def solve_joint_target(planner: Planner, cmd: MoveCmd) -> np.ndarray:
    """Joints of a move's target: explicit, or IK nearest the current joints (raises ArmError)."""
    if cmd.joints is not None:
        q = np.asarray(cmd.joints, dtype=float)
        viol = planner.arm.limit_violation(q)
        if np.any(viol > 1e-12):
            j = int(np.argmax(viol))
            lo, hi = planner.arm.model.limits_deg[j]
            raise JointLimitError("joint target outside limits", joint=j + 1,
                                  value_deg=round(math.degrees(q[j]), 3), lower_deg=lo, upper_deg=hi)
        return q
    flange = planner._base_inv @ np.asarray(cmd.target, dtype=float) @ planner._tool_inv
    return planner.arm.ik(flange, planner._q, cmd.configuration)


def build_path(planner: Planner, cmd: MoveCmd) -> Path:
    if cmd.kind == "J":
        return _joint(planner, cmd)
    return _cartesian(planner, cmd)


def _still(planner: Planner, cmd: MoveCmd, alarm: tuple[str, dict]) -> Path:
    q = planner._q.copy()
    return Path(cmd, q, q, 0.0, 0.0, 1.0, 1.0, alarm, end_pose=planner._corner_pose)


def _joint(planner: Planner, cmd: MoveCmd) -> Path:
    q0 = planner._q.copy()
    try:
        q1 = solve_joint_target(planner, cmd)
    except ArmError as e:
        return _still(planner, cmd, (e.code, dict(e.params)))
    d = q1 - q0
    if not np.any(np.abs(d) > 1e-12):  # already there: no time, no samples
        return Path(cmd, q0, q1, 0.0, 0.0, 1.0, 1.0, end_pose=planner._corner_pose)
    prof = synchronized(d, planner.arm._speed * cmd.speed * planner.override, planner.arm._accel)
    n = max(8, math.ceil(math.degrees(float(np.max(np.abs(d)))) / 2.0)) + 1
    s = np.linspace(0.0, 1.0, n)
    q = q0 + s[:, None] * d
    based = planner.base @ planner.arm.fk(q)
    poses = (based.reshape(-1, 4) @ planner.tool).reshape(based.shape)  # one BLAS call, not n (same numbers)
    p = poses[:, :3, 3]
    chords = p[1:] - p[:-1]
    length = float(np.sum(np.sqrt(np.add.reduce(chords * chords, axis=1))))  # np.linalg.norm's numbers, faster
    v_s = prof.v_max
    if planner.t1:
        v_s = min(v_s, _t1_limit(planner, q, s))
    return Path(cmd, q0, q1, length, 1.0, v_s, prof.a_acc, end_pose=poses[-1])


def _t1_limit(planner: Planner, q: np.ndarray, s: np.ndarray) -> float:
    pts = link_points(planner.arm, q, planner.tool, planner.base)
    d = pts[1:] - pts[:-1]  # np.linalg.norm(np.diff(…)) as its reductions, without the Python overhead
    rate = np.maximum.reduce(np.sqrt(np.add.reduce(d * d, axis=2)), axis=1) / (s[1:] - s[:-1])
    peak = float(np.maximum.reduce(rate)) if len(rate) else 0.0
    return math.inf if peak <= 0 else T1_MARGIN * T1_CAP_MM_S / peak


def _cartesian(planner: Planner, cmd: MoveCmd) -> Path:
    arm = planner.arm
    q0 = planner._q.copy()
    start = planner._corner_pose if planner._corner_pose is not None else planner.tcp_pose(q0)
    if cmd.target is None and cmd.joints is None:
        raise ValueError("a linear/circular move needs a target pose or joints")
    target = np.asarray(cmd.target, dtype=float) if cmd.target is not None else planner.tcp_pose(cmd.joints)
    r0, r1 = start[:3, :3], target[:3, :3]
    axis, theta = rotvec(r0.T @ r1)
    p0, p1 = start[:3, 3], target[:3, 3]
    if cmd.kind == "C":
        if cmd.via is None:
            raise ValueError("MOVEC needs a via pose")
        circ = circle(p0, np.asarray(cmd.via, dtype=float)[:3, 3], p1)
        if circ is None:
            return _still(planner, cmd, ("motion.circle_degenerate", {}))
        c, radius, e1, e2, sweep = circ
        length = radius * sweep

        def pos(s: np.ndarray) -> np.ndarray:
            ph = sweep * s[:, None]
            return c + radius * (np.cos(ph) * e1 + np.sin(ph) * e2)
    else:
        d01 = p1 - p0
        length = math.sqrt(float(d01.dot(d01)))  # np.linalg.norm's arithmetic, less overhead

        def pos(s: np.ndarray) -> np.ndarray:
            return p0 + s[:, None] * (p1 - p0)

    terms = skew_terms(axis)

    def pose_fn(s: np.ndarray) -> np.ndarray:
        out = np.zeros((len(s), 4, 4))
        out[:, :3, :3] = r0 @ rodrigues(axis, theta * s, terms)
        out[:, :3, 3] = pos(s)
        out[:, 3, 3] = 1.0
        return out

    conf = arm.configuration(q0)
    asked = cmd.configuration
    if asked is None and cmd.target is None:  # a joint target names its configuration
        asked = arm.configuration(cmd.joints)
    if asked is not None and asked != conf:
        return _still(planner, cmd, ("motion.config_change", {"from": conf.index, "to": asked.index}))
    if length < 1e-9 and theta < 1e-12:
        return Path(cmd, q0, q0, 0.0, 0.0, 1.0, 1.0, end_pose=start)
    ori = math.radians(ORI_SPEED_DEG_S), math.radians(ORI_ACCEL_DEG_S2)
    v_s = min(cmd.speed * planner.override / max(length, 1e-9), ori[0] / max(theta, 1e-12))
    a_s = min(TCP_ACCEL_MM_S2 / max(length, 1e-9), ori[1] / max(theta, 1e-12))
    return Path(cmd, q0, q0, length, 1.0, v_s, a_s, pose_fn=pose_fn, conf=conf.index, planner=planner,
                end_pose=target, start_pose=start)


def check_cartesian(planner: Planner, path: Path) -> None:
    """Sample an L/C move as if it ends with its own zone and find where it must stop (sets ``path.alarm``,
    truncates it) or how much slower it must go. The samples are kept (``path.pre``): when the move really ends
    that way — the usual case — they are the move's samples and the IK is not solved twice."""
    arm, cmd = planner.arm, path.cmd
    zone = cmd.zone.radius_mm
    r_out = min(zone, 0.5 * path.length_mm) if zone > 0 else 0.0
    prof, ticks, stretch = planner._plan(path, r_out)
    s = prof.position(np.arange(ticks + 1) * (planner.dt / stretch))
    q, tcp = path.at(s)
    # the target itself (NaN: out of reach; ``limit_violation`` in plain floats, 6 values): refuse to start
    if any(x != x or max(lo - x, 0.0) + max(x - hi, 0.0) > 1e-9 for x, (lo, hi) in zip(q[-1].tolist(), arm._lim_list)):
        flange_t = planner._base_inv @ path.end_pose @ planner._tool_inv
        conf = Configuration.from_index(path.conf)
        try:
            arm.ik(flange_t, path.q_start, conf)
        except ArmError as e:
            try:
                other = arm.ik(flange_t, path.q_start)
                alarm = ("motion.config_change", {"from": path.conf, "to": arm.configuration(other).index})
            except ArmError:
                alarm = (e.code, dict(e.params))
            _truncate(path, 0, alarm)
            return
    stop = _first_stop(planner, path.pose_fn, s, q, path.conf)
    if stop is not None:
        i, alarm = stop
        _truncate(path, i, alarm, s, q, tcp)
        return
    path.q_end = q[-1].copy()
    ratio = planner._speed_ratio(q)
    if ratio <= 1.0 + 1e-9:
        path.pre = (r_out, prof, ticks, stretch, q, tcp)
    else:  # sampled again, slower, when it is placed
        slow_down(path, ratio, stretch)


def slow_down(path: Path, ratio: float, stretch: float) -> None:
    """Slow the move in time so that what the samples showed ``ratio`` too fast is not: every speed / k, every
    acceleration / k², ramps included. Relative to the profile as sampled — already slowed by ``stretch`` to
    whole ticks — so that the next sampling takes more ticks."""
    k = ratio * 1.002 * stretch
    path.v_s, path.a_s = path.v_s / k, path.a_s / (k * k)


def _truncate(path: Path, i: int, alarm: tuple, s=None, q=None, tcp=None) -> None:
    """The move ends at sample ``i − 1`` (i = 0: it does not start) with ``alarm``."""
    path.alarm = alarm
    if i <= 0:
        path.s_end, path.length_mm, path.q_end, path.end_pose = 0.0, 0.0, path.q_start.copy(), path.start_pose
        path.pose_fn = None
        return
    path.s_end = float(s[i - 1])
    path.length_mm *= path.s_end
    path.q_end, path.end_pose = q[i - 1].copy(), tcp[i - 1]


def _first_stop(planner: Planner, pose_fn, s: np.ndarray, q: np.ndarray, conf: int) -> tuple[int, tuple] | None:
    """Index of the first geometric sample the move may not reach, with its alarm (None: the whole path is fine)."""
    arm = planner.arm
    n = len(s)
    # .any()/.max()/.min() are these ufunc reductions behind Python wrappers; called directly (per move)
    nan = _any(np.isnan(q), axis=1)
    qq = np.where(nan[:, None], 0.0, q) if _any(nan) else q
    bad = nan | _any(arm.limit_violation(qq) > 1e-9, axis=1)
    step = np.abs(qq[1:] - qq[:-1])
    big = np.maximum.reduce(step, axis=None, initial=0.0) > JUMP_RAD
    jumps = (np.flatnonzero(_any(step > JUMP_RAD, axis=1)) + 1).tolist() if big else ()
    for i in jumps:
        # a jump that stays a jump between finer samples is a change of configuration; a fast turn is not
        fine = solve(planner, pose_fn(np.linspace(s[i - 1], s[i], 17)), conf, qq[i - 1])
        if np.isnan(fine).any() or (np.abs(np.diff(fine, axis=0)) > JUMP_RAD / 2).any():
            bad[i] = True
            break
    first_bad = int(np.argmax(bad)) if _any(bad) else n
    m = measures(arm, qq)
    best: tuple[int, tuple] | None = None
    for kind in KINDS:
        th, mk = DEFAULT_THRESHOLDS[kind], m[kind][: min(first_bad + 1, n)]
        # nowhere near the threshold: no hit, no minimum to look at (the usual case)
        if len(mk) < 2 or np.minimum.reduce(mk[1:]) >= 10 * th:
            continue
        hits = np.flatnonzero((mk[1:] < th) & (mk[1:] < mk[0])) + 1
        hit = (int(hits[0]), float(mk[hits[0]])) if len(hits) else None
        # a minimum between samples may dip into the zone: look closer at the local minima near it
        inner = mk[1:-1]
        minima = np.flatnonzero((inner <= mk[:-2]) & (inner <= mk[2:]) & (inner < 10 * th) & (inner >= th)) + 1
        for i in minima.tolist():
            if hit is not None and i >= hit[0]:
                break
            low = _refine_min(planner, pose_fn, s[i - 1], s[i + 1], conf, q[i - 1], kind)
            if low < th and low < mk[0]:
                hit = (i, low)
                break
        if hit is not None and (best is None or hit[0] < best[0]):
            best = (hit[0], ("motion.singularity", {"kind": kind, "distance": round(hit[1], 3), "threshold": th}))
    if first_bad < n and (best is None or first_bad < best[0]):
        i = first_bad
        flange = planner._base_inv @ pose_fn(s[i:i + 1])[0] @ planner._tool_inv
        code, params = "motion.config_change", {"from": conf}
        try:
            arm.ik(flange, q[i - 1], Configuration.from_index(conf))
        except ArmError as e:
            try:
                params["to"] = arm.configuration(arm.ik(flange, q[i - 1])).index
            except ArmError:
                code, params = e.code, dict(e.params)
        best = (i, (code, params))
    return best


def _refine_min(planner: Planner, pose_fn, lo: float, hi: float, conf: int, q_ref: np.ndarray, kind: str) -> float:
    """Smallest singularity measure on [lo, hi], zooming three times on 17 samples."""
    low = math.inf
    for _ in range(3):
        s = np.linspace(lo, hi, 17)
        q = solve(planner, pose_fn(s), conf, q_ref)
        mk = measures(planner.arm, np.where(np.isnan(q), 0.0, q))[kind]
        j = int(np.argmin(mk))
        low = min(low, float(mk[j]))
        lo, hi = s[max(j - 1, 0)], s[min(j + 1, 16)]
    return low

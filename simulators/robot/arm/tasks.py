"""The metrics of each ``robot_arm`` task kind, from a replayed pendant session and/or a program run.

Pure functions of their inputs (no clock, no randomness): the same log and program give the same numbers.
A value the work does not define (no target recorded, no TCP taught) is ``inf`` or ``nan``: it meets no
objective, and the app stores it as null.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from simulators.robot.arm.errors import FrameError
from simulators.robot.arm.frames import invert, make_pose, teach_tcp, user_frame_3points
from simulators.robot.arm.orientation import wpr_to_matrix
from simulators.robot.arm.scenario import (
    GluePathTask,
    JogTargetsTask,
    PalletizingTask,
    RevCountersTask,
    TcpCalibrationTask,
    UserFrameTask,
)

INF = float("inf")
NAN = float("nan")

SESSION_METRICS = frozenset({"collisions", "protective_stops", "enabling_violations", "alarms", "elapsed_s"})
PROGRAM_METRICS = frozenset({"cycle_time", "alarms", "protective_stops", "collisions", "completed", "path_length_mm",
                             "max_tcp_speed_mm_s", "max_link_speed_mm_s", "singularity_alarms"})
TASK_METRICS: dict[str, frozenset[str]] = {
    "program": PROGRAM_METRICS,
    "jog_targets": SESSION_METRICS | {"targets_reached", "targets_missing", "max_position_error_mm",
                                      "max_orientation_error_deg", "wrong_frame_jogs"},
    "tcp_calibration": SESSION_METRICS | {"tcp_error_mm", "tcp_mean_error_mm", "tcp_max_error_mm", "pin_error_mm",
                                          "points_recorded"},
    "user_frame": SESSION_METRICS | PROGRAM_METRICS | {"frame_error_mm", "parts_on_fixture", "releases"},
    "singularity": PROGRAM_METRICS,
    "palletizing": PROGRAM_METRICS | {"parts_placed", "releases"},
    "glue_path": PROGRAM_METRICS | {"path_deviation_mm", "path_coverage", "speed_cv", "orientation_deviation_deg",
                                    "glue_time_s"},
    "rev_counters": SESSION_METRICS | {"counters_ok", "home_error_mm", "max_counter_error_deg"},
}
ROBOT_ARM_METRICS = frozenset().union(*TASK_METRICS.values())


def pose_matrix(pose: Iterable[float]) -> np.ndarray:
    """``[x, y, z, w, p, r]`` (mm, degrees) → 4×4."""
    x, y, z, w, p, r = (float(v) for v in pose)
    return make_pose((x, y, z), wpr_to_matrix(math.radians(w), math.radians(p), math.radians(r)))


def angle_between_deg(r_a: np.ndarray, r_b: np.ndarray) -> float:
    """The angle of the rotation taking one 3×3 orientation to the other, in degrees."""
    c = (np.trace(r_a.T @ r_b) - 1.0) / 2.0
    return math.degrees(math.acos(max(-1.0, min(1.0, float(c)))))


# --- pendant work -------------------------------------------------------------------------------------------

def session_metrics(session: Any) -> dict[str, float]:
    """What every pendant task reports: contacts, protective stops, enabling-device refusals, alarms, time."""
    codes = [a.code for a in session.alarms]
    return {
        "collisions": float(len(session.collisions)),
        "protective_stops": float(sum(1 for s in session.stops if s.code == "safety.protective_stop")),
        "enabling_violations": float(sum(1 for c in codes if c.startswith("safety.enabling"))),
        "alarms": float(len(codes)),
        "elapsed_s": float(session.elapsed),
    }


def jog_targets(task: JogTargetsTask, session: Any, user_frames: dict[str, np.ndarray],
                log: list[dict[str, Any]]) -> tuple[dict[str, float], dict[str, Any]]:
    """Each target against the point recorded under its name (TCP in world)."""
    reached, pos_errors, rot_errors, per_target = 0, [], [], {}
    for t in task.targets:
        goal = user_frames.get(t.frame, np.eye(4)) @ pose_matrix(t.pose)
        point = session.points.get(t.name)
        if point is None:
            per_target[t.name] = None
            pos_errors.append(INF)
            rot_errors.append(INF)
            continue
        dp = float(np.linalg.norm(point.world[:3, 3] - goal[:3, 3]))
        da = angle_between_deg(point.world[:3, :3], goal[:3, :3])
        ok = dp <= task.tolerance_mm and da <= task.tolerance_deg
        reached += ok
        pos_errors.append(dp)
        rot_errors.append(da)
        per_target[t.name] = {"position_error_mm": dp, "orientation_error_deg": da, "reached": ok}
    wrong = sum(1 for ev in log if ev["ev"] == "key" and ev["down"] and ev["frame"] not in ("joint", task.frame))
    metrics = {
        "targets_reached": float(reached),
        "targets_missing": float(sum(1 for v in per_target.values() if v is None)),
        "max_position_error_mm": max(pos_errors),
        "max_orientation_error_deg": max(rot_errors),
        "wrong_frame_jogs": float(wrong),
    }
    return metrics, {"targets": per_target}


def tcp_calibration(task: TcpCalibrationTask, session: Any, fk: Any, base: np.ndarray
                    ) -> tuple[dict[str, float], dict[str, Any]]:
    """The TCP the trainee taught (the last ``calibrate_tcp``, else the task's points) against the real one;
    ``pin_error_mm``: how far the real tool tip was from the pin at each point used (the worst)."""
    names = list(task.points)
    cal = session.tcp_calibration
    if cal is not None:
        names = list(cal.get("points") or names)
    points = [session.points[n] for n in names if n in session.points]
    true_tcp = pose_matrix(task.true_tcp)
    metrics = {"points_recorded": float(sum(1 for n in task.points if n in session.points)),
               "tcp_error_mm": INF, "tcp_mean_error_mm": INF, "tcp_max_error_mm": INF, "pin_error_mm": INF}
    details: dict[str, Any] = {"points": names}
    if len(points) < 3 or len(points) < len(names):
        return metrics, details
    flanges = [base @ fk(p.joints) for p in points]
    tips = [f @ true_tcp for f in flanges]
    metrics["pin_error_mm"] = max(float(np.linalg.norm(t[:3, 3] - np.asarray(task.pin))) for t in tips)
    if cal is not None:
        tcp, mean, worst = np.asarray(cal["tcp_mm"]), float(cal["mean_error_mm"]), float(cal["max_error_mm"])
    else:
        try:
            result = teach_tcp(flanges)
        except FrameError:
            return metrics, details
        tcp, mean, worst = result.tcp, result.mean_error, result.max_error
    metrics["tcp_error_mm"] = float(np.linalg.norm(tcp - true_tcp[:3, 3]))
    metrics["tcp_mean_error_mm"], metrics["tcp_max_error_mm"] = mean, worst
    details["tcp_mm"] = [float(v) for v in tcp]
    return metrics, details


def taught_user_frame(task: UserFrameTask, session: Any, log: list[dict[str, Any]]) -> np.ndarray | None:
    """The frame as the trainee defined it on the pendant (``define_user_frame``: if that was refused, the frame
    the controller had before), else from the task's 3 recorded points."""
    if any(ev["ev"] == "define_user_frame" and ev["name"] == task.frame for ev in log):
        found = session.user_frames.get(task.frame)
        return None if found is None else np.asarray(found)
    pts = [session.points.get(n) for n in task.points]
    if any(p is None for p in pts):
        return None
    try:
        return user_frame_3points(*(p.world[:3, 3] for p in pts)).matrix
    except FrameError:
        return None


def plate_corners(task: UserFrameTask) -> np.ndarray:
    sx, sy = task.size
    return np.array([[0, 0, 0, 1], [sx, 0, 0, 1], [0, sy, 0, 1], [sx, sy, 0, 1]], dtype=float)


def frame_error_mm(task: UserFrameTask, taught: np.ndarray | None) -> float:
    """Worst distance between where the taught and the real frame put the plate's corners."""
    if taught is None:
        return INF
    corners = plate_corners(task)
    true = pose_matrix(task.fixture)
    return float(np.max(np.linalg.norm((corners @ taught.T - corners @ true.T)[:, :3], axis=1)))


def parts_on_fixture(task: UserFrameTask, releases: np.ndarray) -> float:
    """Releases on the real plate: within its rectangle and ``place_tolerance_mm`` of its surface."""
    if len(releases) == 0:
        return 0.0
    local = (releases - pose_matrix(task.fixture)[:3, 3]) @ pose_matrix(task.fixture)[:3, :3]
    tol = task.place_tolerance_mm
    sx, sy = task.size
    on = ((local[:, 0] >= -tol) & (local[:, 0] <= sx + tol) & (local[:, 1] >= -tol) & (local[:, 1] <= sy + tol)
          & (np.abs(local[:, 2]) <= tol))
    return float(on.sum())


def rev_counters(task: RevCountersTask, session: Any, tcp_of: Any) -> tuple[dict[str, float], dict[str, Any]]:
    """Counters updated on their marks; the home position then lands off by each axis' residual error."""
    residual = []
    for j in range(1, 7):
        c = session.counters.get(j, {"state": "lost"})
        if c["state"] == "ok":
            residual.append(0.0)
        elif c["state"] == "wrong":
            residual.append(float(c["error_deg"]))
        else:
            residual.append(task.lost_deg[j - 1])
    home = np.radians(task.home)
    true_home = tcp_of(home + np.radians(residual))
    error = float(np.linalg.norm(true_home[:3, 3] - tcp_of(home)[:3, 3]))
    ok = sum(1 for j in range(1, 7) if session.counters.get(j, {}).get("state") == "ok")
    return ({"counters_ok": float(ok), "home_error_mm": error, "max_counter_error_deg": max(abs(r) for r in residual)},
            {"residual_deg": residual})


# --- program work -------------------------------------------------------------------------------------------

def program_metrics(run: Any) -> dict[str, float]:
    codes = [a.code for a in run.alarms]
    return {
        "cycle_time": float(run.cycle_time),
        "alarms": float(len(codes)),
        # a contact stops the robot like any other protective stop (the safety controller's)
        "protective_stops": float(sum(1 for c in codes if c.startswith("safety.") or c == "cell.collision")),
        "collisions": float(sum(1 for c in codes if c == "cell.collision")),
        "completed": 1.0 if run.stopped_by is None else 0.0,
        "path_length_mm": float(run.path_length),
        "max_tcp_speed_mm_s": float(run.max_tcp_speed),
        "max_link_speed_mm_s": float(run.max_link_speed),
        "singularity_alarms": float(sum(1 for c in codes if "singularity" in c)),
    }


def release_positions(run: Any, release_lines: set[int]) -> np.ndarray:
    """TCP positions (world) where a RELEASE started: the trajectory sample at its start time."""
    traj = run.trajectory
    out = []
    for line, t_start, _t_end in run.executed:
        if line in release_lines and len(traj.t):
            i = min(int(np.searchsorted(traj.t, t_start - 1e-9)), len(traj.t) - 1)
            out.append(traj.tcp[i])
    return np.array(out, dtype=float).reshape(-1, 3)


def palletizing(task: PalletizingTask, releases: np.ndarray) -> dict[str, float]:
    """Distinct slots of the pattern that got a part (a release within ``tolerance_mm`` of the slot)."""
    pallet = pose_matrix(task.pallet)
    rows, cols, layers = task.pattern
    slots = np.array([(i * task.pitch[0], j * task.pitch[1], k * task.pitch[2])
                      for k in range(layers) for i in range(rows) for j in range(cols)], dtype=float)
    filled: set[int] = set()
    if len(releases):
        local = (releases - pallet[:3, 3]) @ pallet[:3, :3]
        for p in local:
            d = np.linalg.norm(slots - p, axis=1)
            k = int(np.argmin(d))
            if d[k] <= task.tolerance_mm:
                filled.add(k)
    return {"parts_placed": float(len(filled)), "releases": float(len(releases))}


MAX_CONTOUR_POINTS = 20_000  # a contour is sampled every 0.5 mm, coarser only if it is longer than 10 m


def _contour(task: GluePathTask, frame: np.ndarray) -> tuple[np.ndarray, float]:
    """Points along the contour (every 0.5 mm, at most ``MAX_CONTOUR_POINTS``), in world, and its length."""
    pieces, a = [], np.asarray(task.start, dtype=float)
    for seg in task.segments:
        b = np.asarray(seg.to, dtype=float)
        circle = None if seg.via is None else _circle(a, np.asarray(seg.via, dtype=float), b)
        pieces.append((a, b, circle, float(np.linalg.norm(b - a)) if circle is None else circle[1] * circle[4]))
        a = b
    length = sum(p[3] for p in pieces)
    step = max(0.5, length / MAX_CONTOUR_POINTS)
    pts = [np.asarray(task.start, dtype=float)[None]]
    for a, b, circle, seg_len in pieces:
        n = max(1, int(math.ceil(seg_len / step)))
        if circle is None:
            pts.append(a + np.outer(np.arange(1, n + 1) / n, b - a))
        else:
            centre, radius, x, y, end = circle
            th = np.arange(1, n + 1) / n * end
            pts.append(centre + radius * (np.outer(np.cos(th), x) + np.outer(np.sin(th), y)))
    local = np.vstack(pts)
    return local @ frame[:3, :3].T + frame[:3, 3], length


def _circle(a: np.ndarray, via: np.ndarray, b: np.ndarray) -> tuple | None:
    """(centre, radius, x, y, angle) of the arc from a through via to b (x, y span its plane, x towards a);
    None when the three points are collinear (then the piece is straight)."""
    u, v = via - a, b - a
    normal = np.cross(u, v)
    if np.linalg.norm(normal) < 1e-9:
        return None
    # circumcentre of the triangle (a, via, b)
    w = normal / np.linalg.norm(normal)
    nn = 2 * np.dot(normal, normal)
    centre = a + (np.dot(u, u) * np.cross(v, normal) + np.dot(v, v) * np.cross(normal, u)) / nn
    radius = float(np.linalg.norm(a - centre))
    x = (a - centre) / radius
    y = np.cross(w, x)
    d = b - centre
    end = math.atan2(float(np.dot(d, y)), float(np.dot(d, x))) % (2 * math.pi) or 2 * math.pi
    return centre, radius, x, y, end


def glue_on_mask(run: Any, output: int) -> np.ndarray:
    """Which trajectory samples lie where DO[output] is on (from the program's I/O log)."""
    t = run.trajectory.t
    on = np.zeros(len(t), dtype=bool)
    state, since = False, 0.0
    for time, kind, channel, value in list(run.io_log) + [(INF, "DO", output, False)]:
        if kind != "DO" or channel != output:
            continue
        if state and not value:
            on |= (t >= since) & (t <= time)
        if value and not state:
            since = time
        state = bool(value)
    return on


def glue_path(task: GluePathTask, run: Any, frame: np.ndarray, tool_z: np.ndarray) -> tuple[dict[str, float],
                                                                                          dict[str, Any]]:
    """Deviation from the contour, its coverage, speed constancy and tool-axis error while the glue is on.

    ``tool_z``: (n, 3) the tool's z axis in world at each trajectory sample.
    """
    contour, _length = _contour(task, frame)
    traj = run.trajectory
    mask = glue_on_mask(run, task.output)
    metrics = {"path_deviation_mm": INF, "path_coverage": 0.0, "speed_cv": INF, "orientation_deviation_deg": INF,
               "glue_time_s": 0.0}
    if mask.sum() < 2:
        return metrics, {}
    pts = traj.tcp[mask]
    nearest_contour = _min_dist(pts, contour)
    covered = _min_dist(contour, pts) <= task.tolerance_mm
    dt = np.diff(traj.t)
    speeds = np.linalg.norm(np.diff(traj.tcp, axis=0), axis=1) / np.where(dt > 0, dt, np.inf)
    both = mask[1:] & mask[:-1]
    v = speeds[both]
    want = frame[:3, :3] @ (np.asarray(task.tool_direction) / np.linalg.norm(task.tool_direction))
    cosines = np.clip(tool_z[mask] @ want, -1.0, 1.0)
    metrics.update({
        "path_deviation_mm": float(nearest_contour.max()),
        "path_coverage": float(covered.mean()),
        "speed_cv": float(v.std() / v.mean()) if len(v) and v.mean() > 0 else INF,
        "orientation_deviation_deg": float(np.degrees(np.arccos(cosines)).max()),
        "glue_time_s": float(dt[both].sum()),
    })
    return metrics, {"contour": contour}


def _min_dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each point of ``a`` its distance to the nearest point of ``b`` (chunked: ~16 MB at a time).

    ``np.linalg.norm``'s arithmetic, with the root taken after the minimum (the root is monotonic: the same
    numbers, at a third of the cost of a root per pair)."""
    out = np.empty(len(a))
    chunk = max(1, 2_000_000 // max(1, len(b)))
    for i in range(0, len(a), chunk):
        d = a[i:i + chunk, None, :] - b[None, :, :]
        out[i:i + chunk] = np.add.reduce(d * d, axis=2).min(axis=1)
    return np.sqrt(out)


__all__ = ["ROBOT_ARM_METRICS", "TASK_METRICS", "angle_between_deg", "frame_error_mm", "glue_path",
           "jog_targets", "palletizing", "parts_on_fixture", "pose_matrix", "program_metrics", "release_positions",
           "rev_counters", "session_metrics", "taught_user_frame", "tcp_calibration", "invert"]

"""Runs a ``robot_arm`` scenario: replays the pendant log, runs the program, and computes the task's metrics.

Order of a run (what a trainee did, in the order it happened at the robot):

1. The pendant session (``scenario.session``) is replayed from the start joints with the cell's collision
   check: points recorded, tools calibrated, user frames defined, counters updated.
2. The program (``scenario.program``), if any, runs from where the session left the arm, with the taught
   points usable by name and the user frame the trainee taught (user-frame task) in place of the old one.
3. The task's metrics (``tasks.py``) from both.

Deterministic: the seed only labels the result (no randomness anywhere in the arm).
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.errors import ProgramError, ScenarioError
from simulators.events import SimEvent, Subscriber
from simulators.robot.arm import tasks
from simulators.robot.arm.configuration import fanuc_string
from simulators.robot.arm.errors import ArmError
from simulators.robot.arm.frames import Frames, Tool, UserFrame, invert
from simulators.robot.arm.kinematics import Arm
from simulators.robot.arm.models import get_model
from simulators.robot.arm.safety_state import Alarm
from simulators.robot.arm.scenario import (
    GluePathTask,
    JogTargetsTask,
    PalletizingTask,
    RevCountersTask,
    RobotArmScenario,
    TcpCalibrationTask,
    UserFrameTask,
)
from simulators.robot.arm.tasks import ROBOT_ARM_METRICS, TASK_METRICS, pose_matrix
from simulators.stepping import EventReplayRunner

__all__ = ["ROBOT_ARM_METRICS", "TASK_METRICS", "ArmEnvironment", "ArmResult", "RobotArmRunner", "build_environment",
           "measure", "program_run", "run_robot_arm", "simulate"]

_RELEASE = re.compile(r"^\s*RELEASE\b", re.IGNORECASE)


@dataclass
class ArmEnvironment:
    """What a session and a program start from, built from the scenario (shared with the lab view)."""

    arm: Arm
    cell: Any  # simulators.robot.arm.cell.Cell | None
    frames: Frames
    start_q: np.ndarray  # rad
    points: dict[str, Any]  # name → pendant TaughtPoint (the scenario's pre-taught points)
    geometry: Any  # the mounted tool's ToolGeometry (collisions, drawing), or None

    def tcp_of(self, q: np.ndarray, tool: str | None = None) -> np.ndarray:
        """The TCP in world for joints q with a tool's data (default: the active one)."""
        return self.frames.base @ self.arm.fk(q) @ self.frames.tools[tool or self.frames.tool].tcp


def _tool_geometry(sc: RobotArmScenario, cell: Any, name: str) -> Any:
    from simulators.robot.arm.cell import ToolCapsule, ToolGeometry

    for t in sc.tools:
        if t.name == name:
            tcp = pose_matrix(t.tcp)
            # The capsule ends one radius short of the TCP (as the bundled tools do): its rounded
            # end then reaches the TCP exactly, so a pointer touching a pin is not a collision.
            length = float(np.linalg.norm(tcp[:3, 3]))
            if length <= t.radius_mm:
                return ToolGeometry(name, tcp, (), t.mass_kg)
            end = tcp[:3, 3] * (1.0 - t.radius_mm / length)
            capsule = ToolCapsule((0.0, 0.0, 0.0), tuple(float(v) for v in end), t.radius_mm)
            return ToolGeometry(name, tcp, (capsule,), t.mass_kg)
    if cell is not None and name in cell.tools:
        return cell.tools[name]
    return None


def build_environment(sc: RobotArmScenario) -> ArmEnvironment:
    """The arm, cell, frames (tools of the cell then of the scenario; user frames), start joints and points."""
    cell = None
    if sc.cell is not None:
        from simulators.robot.arm.cell import load_cell

        cell = load_cell(sc.cell)
    arm = Arm(get_model(sc.arm_model()))
    frames = Frames(base=cell.base.copy() if cell is not None else np.eye(4))
    for name, geometry in (cell.tools if cell is not None else {}).items():
        frames.add_tool(Tool(name, np.array(geometry.tcp, dtype=float), float(geometry.mass_kg)))
    for t in sc.tools:
        frames.add_tool(Tool(t.name, pose_matrix(t.tcp), t.mass_kg))
    for f in sc.user_frames:
        frames.add_user(UserFrame(f.name, pose_matrix(f.frame)))
    tool = sc.tool or next(iter([*(cell.tools if cell is not None else {}), *(t.name for t in sc.tools)]), "tool0")
    frames.select(tool=tool, user=sc.user_frame)
    start_q = np.radians(np.asarray(sc.start_joints, dtype=float))
    env = ArmEnvironment(arm, cell, frames, start_q, {}, _tool_geometry(sc, cell, tool))
    env.points = _points(sc, env)
    return env


def _points(sc: RobotArmScenario, env: ArmEnvironment) -> dict[str, Any]:
    from simulators.robot.arm.pendant import TaughtPoint

    out = {}
    frames = env.frames
    for i, p in enumerate(sc.points):
        user = frames.users[p.frame].matrix if p.frame in frames.users else np.eye(4)
        if p.joints is not None:
            q = np.radians(np.asarray(p.joints, dtype=float))
            world = env.tcp_of(q)
        else:
            world = user @ pose_matrix(p.pose)
            flange = invert(frames.base) @ world @ invert(frames.tools[frames.tool].tcp)
            try:
                q = env.arm.ik(flange, env.start_q)
            except ArmError as exc:
                raise ScenarioError(f"points.{i}", f"cannot be reached: {exc}") from None
        out[p.name] = TaughtPoint(p.name, q, invert(user) @ world, p.frame if p.frame in frames.users else "wobj0",
                                  frames.tool, fanuc_string(env.arm, q), world, 0)
    return out


def collision_check(env: ArmEnvironment) -> Any:
    """The pendant's check: contacts of the arm and the mounted tool with the cell → ``cell.collision`` alarms."""
    if env.cell is None:
        return None
    from simulators.robot.arm.collision import PoseContacts

    contacts_of = PoseContacts(env.cell, env.geometry)

    def check(arm: Arm, frames: Frames, q: np.ndarray) -> list[Alarm]:
        contacts = contacts_of(arm, q)
        return [Alarm("cell.collision", {"link": c.link, "solid": c.solid, "depth_mm": round(-c.distance, 3)})
                for c in contacts]

    return check


def pendant_setup(sc: RobotArmScenario, env: ArmEnvironment) -> Any:
    from simulators.robot.arm.pendant import PendantSetup

    task = sc.task
    rev = isinstance(task, RevCountersTask)
    return PendantSetup(
        arm=env.arm, start_q=env.start_q.copy(), frames=env.frames, mode=sc.mode, override=sc.override,
        jog_frame=task.frame if isinstance(task, JogTargetsTask) else "joint", points=dict(env.points),
        sync_marks_deg=tuple(task.marks_deg) if rev else (0.0,) * 6,
        sync_tolerance_deg=task.tolerance_deg if rev else 0.5, counters_lost=rev,
        collision_check=collision_check(env))


@dataclass
class ArmResult:
    kind: str
    seed: int
    replication: int
    metrics: dict[str, float]
    task: str
    session: Any = None  # pendant SessionResult
    run: Any = None  # ProgramRun
    details: dict[str, Any] = field(default_factory=dict)


def run_program(sc: RobotArmScenario, env: ArmEnvironment, start_q: np.ndarray, points: dict[str, Any],
                frames: Frames) -> Any:
    """The program from ``start_q`` with ``frames``' tools and user frames and the taught ``points``."""
    from simulators.robot.arm.lang import RunSetup, run_arm_program

    inputs = [(c.t, c.channel, c.value) for c in sc.inputs.timeline]
    setup = RunSetup(
        arm=env.arm, cell=env.cell, tools={n: t.tcp for n, t in frames.tools.items()},
        user_frames={n: u.matrix for n, u in frames.users.items() if n != "wobj0"}, start_q=start_q,
        inputs=inputs, wired=list(sc.inputs.wired), mode=sc.mode, override=sc.override / 100.0, points=points,
        max_instructions=sc.max_instructions, tool=frames.tool, base=frames.base,
        tool_geometry={n: g for n in frames.tools if (g := _tool_geometry(sc, env.cell, n)) is not None})
    try:
        return run_arm_program(sc.program, setup)
    except ProgramError as exc:  # e.g. a point the log never taught: the program's problem, with line and column
        raise ScenarioError("program", str(exc), diagnostics=exc.diagnostics) from None


def simulate(sc: RobotArmScenario, seed: int = 1, replication: int = 0) -> ArmResult:
    """Replay, run and measure (see the module doc)."""
    env = build_environment(sc)
    session = None
    log = list(sc.session)
    if sc.task.kind not in PROGRAM_ONLY or log:
        from simulators.robot.arm.pendant import replay

        session = replay(pendant_setup(sc, env), log)
    return measure(sc, env, session, log, seed, replication)


PROGRAM_ONLY = ("program", "singularity", "palletizing", "glue_path")


def measure(sc: RobotArmScenario, env: ArmEnvironment, session: Any, log: list[dict[str, Any]], seed: int = 1,
            replication: int = 0, *, run: Any = None) -> ArmResult:
    """The task's metrics from a session (replayed, or the lab view's live one) and the program: ``run`` if it
    was planned already (by ``program_run`` with the same inputs), else planned here."""
    task = sc.task
    metrics: dict[str, float] = {}
    details: dict[str, Any] = {}
    if session is not None:
        metrics.update(tasks.session_metrics(session))
    if isinstance(task, JogTargetsTask):
        found, details = tasks.jog_targets(task, session, {n: u.matrix for n, u in env.frames.users.items()}, log)
        metrics.update(found)
    elif isinstance(task, TcpCalibrationTask):
        found, details = tasks.tcp_calibration(task, session, env.arm.fk, env.frames.base)
        metrics.update(found)
    elif isinstance(task, RevCountersTask):
        found, details = tasks.rev_counters(task, session, lambda q: env.tcp_of(q))
        metrics.update(found)
    if task.kind in (*PROGRAM_ONLY, "user_frame"):
        run, found = _program_part(sc, env, session, log, run)
        _merge(metrics, found)
    wanted = TASK_METRICS[task.kind]
    return ArmResult("robot_arm", seed, replication, {k: v for k, v in metrics.items() if k in wanted}, task.kind,
                     session, run, details)


def _merge(metrics: dict[str, float], found: dict[str, float]) -> None:
    """Program numbers join the session's: counts add up (a collision while jogging and one while running)."""
    for k, v in found.items():
        metrics[k] = metrics[k] + v if k in ("alarms", "collisions", "protective_stops") and k in metrics else v


def program_start(sc: RobotArmScenario, env: ArmEnvironment, session: Any, log: list[dict[str, Any]]
                  ) -> tuple[np.ndarray, dict[str, Any], Frames, np.ndarray | None]:
    """Where the program starts after the session: joints, points by name, frames (the session's tools and
    user frames; for a user-frame task the frame as taught), and that taught frame (None if not taught)."""
    frames = Frames(base=env.frames.base, tools=dict(env.frames.tools), users=dict(env.frames.users),
                    tool=env.frames.tool, user=env.frames.user)
    points = dict(env.points)
    start_q = env.start_q
    if session is not None:
        points.update(session.points)
        start_q = session.joints
        for name, m in session.tools.items():
            frames.add_tool(Tool(name, m))
        for name, m in session.user_frames.items():
            frames.add_user(UserFrame(name, m))
        frames.tool = session.tool if session.tool in frames.tools else frames.tool
    taught = None
    if isinstance(sc.task, UserFrameTask):
        taught = tasks.taught_user_frame(sc.task, session, log)
        if taught is not None:
            frames.add_user(UserFrame(sc.task.frame, taught))
    return np.array(start_q, dtype=float), points, frames, taught


def program_run(sc: RobotArmScenario, env: ArmEnvironment, session: Any, log: list[dict[str, Any]]) -> Any:
    """The program's run exactly as grading plans it after this session (ScenarioError if it cannot run)."""
    start_q, points, frames, _taught = program_start(sc, env, session, log)
    return run_program(sc, env, start_q, points, frames)


def _program_part(sc: RobotArmScenario, env: ArmEnvironment, session: Any, log: list[dict[str, Any]], run: Any
                  ) -> tuple[Any, dict[str, float]]:
    task = sc.task
    start_q, points, frames, taught = program_start(sc, env, session, log)
    found: dict[str, float] = {}
    if isinstance(task, UserFrameTask):
        found["frame_error_mm"] = tasks.frame_error_mm(task, taught)
    if not sc.program.strip():
        found.update(releases=0.0, parts_on_fixture=0.0, parts_placed=0.0, completed=0.0)
        return None, found
    if run is None:
        run = run_program(sc, env, start_q, points, frames)
    found.update(tasks.program_metrics(run))
    lines = {i + 1 for i, text in enumerate(sc.program.splitlines()) if _RELEASE.match(text)}
    releases = tasks.release_positions(run, lines)
    if isinstance(task, UserFrameTask):
        found.update(parts_on_fixture=tasks.parts_on_fixture(task, releases), releases=float(len(releases)))
    elif isinstance(task, PalletizingTask):
        found.update(tasks.palletizing(task, releases))
    elif isinstance(task, GluePathTask):
        frame = frames.users[task.frame].matrix if task.frame in frames.users else np.eye(4)
        traj = run.trajectory
        tool = frames.tools[getattr(run, "tool", None) or frames.tool].tcp
        tool_z = (frames.base @ env.arm.fk(traj.q) @ tool)[:, :3, 2] if len(traj.t) else np.zeros((0, 3))
        more, _contour = tasks.glue_path(task, run, frame, tool_z)
        found.update(more)
    return run, found


class RobotArmRunner(EventReplayRunner["ArmResult"]):
    """The run computed at once; the clock reveals the program's trajectory (or the session) as time passes."""

    kind = "robot_arm"

    def __init__(self, scenario: RobotArmScenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self._result = simulate(scenario, seed, replication)
        self._subscribers: list[Subscriber] = []
        self._events = self._timeline()
        self.reset()

    def _timeline(self) -> list[SimEvent]:
        run = self._result.run
        events: list[SimEvent] = []
        if run is not None:
            events += [SimEvent(float(t0), "step", f"line {line}", {"line": int(line), "end_s": float(t1)})
                       for line, t0, t1 in run.executed]
            events += [SimEvent(float(a.time), "alarm", a.code,
                                {"line": a.line, "code": a.code, "args": dict(a.params)}) for a in run.alarms]
        events.sort(key=lambda e: (e.time, e.kind != "step"))
        return events

    @property
    def end_time(self) -> float:
        run, session = self._result.run, self._result.session
        if run is not None:
            return float(run.cycle_time)
        return float(session.elapsed) if session is not None else 0.0

    def snapshot(self) -> dict[str, Any]:
        """Joints (degrees), TCP (mm) and the program line at ``now``."""
        run, session = self._result.run, self._result.session
        if run is not None and len(run.trajectory.t):
            traj = run.trajectory
            i = run.sample_at(self._now)
            return {"time": self._now, "joints": [math.degrees(v) for v in traj.q[i]],
                    "tcp": tuple(float(v) for v in traj.tcp[i]), "line": int(traj.line[i])}
        q = session.joints if session is not None else np.zeros(6)
        tcp = session.tcp[:3, 3] if session is not None else np.zeros(3)
        return {"time": self._now, "joints": [math.degrees(v) for v in q], "tcp": tuple(float(v) for v in tcp),
                "line": None}

    def result(self) -> ArmResult:
        return self._result


_CACHE: dict[str, dict[str, float]] = {}
_CACHE_SIZE = 16


def run_robot_arm(scenario: RobotArmScenario, seed: int, replication: int = 0) -> ArmResult:
    """One run. The arm has no randomness, so the metrics of a scenario already run in this process are
    reused whatever the seed: ``zhizao validate --robustness`` grades each example on 30 seeds."""
    key = hashlib.sha256(scenario.model_dump_json().encode()).hexdigest()
    if key in _CACHE:
        return ArmResult("robot_arm", seed, replication, dict(_CACHE[key]), scenario.task.kind)
    result = simulate(scenario, seed, replication)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = dict(result.metrics)
    return result

"""Running a six-axis program: statements → moves for the planner, a program clock, I/O, alarms.

The interpreter walks the statement tree; each move's target is resolved into a world TCP pose (the point's
user frame, the active tool) and handed to ``motion.Planner``, which times it and blends zones. Waits, SET and
GRIP/RELEASE are planner dwells (a fine point before them, then the time they take). The program clock is the
end of the motion planned so far: a condition reading DI[n] reads it then — the controller's look-ahead, with a
pending blended move counted as if it stopped fine.

Points. ``POINT`` stores its pose in the user frame active on its line; ``OFFS`` shifts along that frame's axes
(ABB ``Offs``), ``RELTOOL`` along/about the tool's own axes at the point. A ``CONF`` string fixes the
configuration and the turns: a MOVEJ goes to exactly those joints, a MOVEL/MOVEC must end in that posture
(else ``motion.config_change``). A taught point moves to its pose in its user frame with its configuration,
so re-teaching the frame moves it along; a ``JOINTS`` target is joints (MOVEL to it: its TCP pose).

A tool change ends one planner and starts the next from the same joints (the planner's tool is fixed): the
run's trajectory is the concatenation. When ``setup.cell`` is given, the finished trajectory is checked by
the cell's ``SafetyController`` with the DI timeline; a protective stop cuts the run at that sample.
The run stops at the first alarm, or when ``max_instructions`` statements have run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.robot.arm.configuration import ik_fanuc, parse_fanuc
from simulators.robot.arm.errors import ArmError, ConfigurationError
from simulators.robot.arm.frames import invert, make_pose, offs, reltool
from simulators.robot.arm.lang import ast as a
from simulators.robot.arm.lang.expr import EvalError, evaluate
from simulators.robot.arm.lang.parser import GRIP_TIME, parse_arm_program
from simulators.robot.arm.lang.runs import InputScript, ProgramRun, RunAlarm, RunSetup
from simulators.robot.arm.lang.stitch import Episode, safety_cut, stitch
from simulators.robot.arm.motion import MoveCmd, Planner, Zone
from simulators.robot.arm.orientation import wpr_to_matrix

MAX_PROGRAM_TIME = 1800.0  # s of robot time: loops of waits or slow moves stop here (the samples stay small)
MIN_OVERRIDE = 0.01  # an override below 1 % counts as 1 %, as on a pendant


class _Stop(Exception):
    """Ends the run: an alarm was recorded."""


@dataclass
class _Point:
    """A resolved target: the frame it is expressed in (world 4×4), its pose there, and what pins it down."""

    frame: np.ndarray
    local: np.ndarray
    conf: str | None = None
    joints: np.ndarray | None = None  # a JOINTS target (not offset)

    @property
    def world(self) -> np.ndarray:
        return self.frame @ self.local


def pose_of(values: tuple[float, ...]) -> np.ndarray:
    """x y z mm, W P R degrees → 4×4."""
    x, y, z, w, p, r = values
    return make_pose((x, y, z), wpr_to_matrix(math.radians(w), math.radians(p), math.radians(r)))


@dataclass
class _State:
    registers: dict[int, float] = field(default_factory=dict)
    outputs: dict[int, bool] = field(default_factory=dict)
    points: dict[str, _Point] = field(default_factory=dict)
    frame: np.ndarray = field(default_factory=lambda: np.eye(4))
    steps: int = 0


class _Interpreter:
    def __init__(self, program: a.ArmProgram, setup: RunSetup) -> None:
        self.program, self.setup, self.arm = program, setup, setup.arm
        cell = setup.cell
        self.base = np.asarray(setup.base if setup.base is not None else (cell.base if cell is not None
                                                                          else np.eye(4)), dtype=float)
        self.tools = {name: np.asarray(m, dtype=float) for name, m in setup.tools.items()}
        self.frames = {name: np.asarray(m, dtype=float) for name, m in setup.user_frames.items()}
        self.tool = setup.tool if setup.tool is not None else next(iter(self.tools), None)
        if self.tool is not None and self.tool not in self.tools:
            raise ValueError(f"unknown start tool {self.tool!r}")
        given = setup.inputs
        self.inputs = given if isinstance(given, InputScript) else InputScript(given, setup.initial_inputs)
        curtains = {c.input for c in cell.curtains} if cell is not None else set()
        self.wired = set(setup.wired) | self.inputs.channels() | curtains
        model = self.arm.model
        self.reach = model.d1 + model.a1 + model.a2 + model.forearm + model.d6  # base origin to the flange, at most
        self.state = _State()
        self.alarms: list[RunAlarm] = []
        self.io_log: list[tuple[float, str, int, bool]] = []
        self.executed: list[list[Any]] = []  # [line, t_start, t_end]
        self.episodes: list[Episode] = []
        self.stopped_by: str | None = None
        self.motion_lines: set[int] = set()
        self._longest_j: dict[tuple[float, float], float] = {}  # shortest_time's bound per MOVEJ speed
        self._new_planner(np.asarray(setup.start_q, dtype=float), 0.0)

    # ------------------------------------------------------------------ the planner and the clock
    def _new_planner(self, q: np.ndarray, offset: float) -> None:
        tool = self.tools[self.tool] if self.tool is not None else np.eye(4)
        planner = Planner(self.arm, tool, dt=self.setup.dt, t1=self.setup.mode == "T1",
                          override=max(float(self.setup.override), MIN_OVERRIDE), start_q=q, base=self.base)
        self.episodes.append(Episode(planner, self.tool, tool, offset))

    @property
    def planner(self) -> Planner:
        return self.episodes[-1].planner

    def now(self) -> float:
        ep = self.episodes[-1]
        return ep.offset + ep.planner.current_time

    def record(self, line: int, timed: bool = False, t: float | None = None) -> None:
        """An executed statement; ``timed``: its times come from the planner segment it adds."""
        t = self.now() if t is None else t
        entry = [line, t, t, timed]
        self.executed.append(entry)
        if timed:
            self.episodes[-1].entries.append(entry)

    def alarm(self, code: str, line: int, stopped_by: str = "program", params: dict[str, Any] | None = None,
              **more: Any) -> _Stop:
        self.alarms.append(RunAlarm(code, {**(params or {}), **more}, line, self.now()))
        self.stopped_by = stopped_by
        return _Stop(code)

    def after_planner_call(self) -> None:
        if self.planner.stopped:
            self.stopped_by = "motion"
            raise _Stop("motion")

    def dwell(self, seconds: float, line: int) -> None:
        room = max(MAX_PROGRAM_TIME - self.now(), 0.0)
        self.record(line, timed=True)
        self.planner.dwell(min(seconds, room), line)
        self.after_planner_call()
        if seconds > room:
            raise self.alarm("arm.run.too_long", line, "budget", max=int(MAX_PROGRAM_TIME))

    def shortest_time(self, cmd: MoveCmd, now: float) -> float:
        """A lower bound of a move's duration (s) at its speed and the override: joints at their top speed,
        the TCP along the chords (MOVEC through its via point). 0 when even the longest such move would end
        before the time cap (the usual case: no kinematics computed)."""
        p, arm = self.planner, self.arm
        if cmd.kind == "J":
            key = (cmd.speed, p.override)
            longest = self._longest_j.get(key)
            if longest is None:  # the slowest full-range joint move at this speed, once per speed
                speed = arm._speed * cmd.speed * p.override  # the model's max_speed_rad_s and limits_rad, cached
                longest = self._longest_j[key] = float(np.max((arm._limits[:, 1] - arm._limits[:, 0]) / speed))
            if now + longest <= MAX_PROGRAM_TIME:
                return 0.0
            speed = arm._speed * cmd.speed * p.override
            q1 = cmd.joints
            if q1 is None:
                try:
                    q1 = self.arm.ik(invert(self.base) @ cmd.target @ invert(self.tool_matrix()), p.current_q)
                except ArmError:
                    return 0.0  # the planner raises its alarm
            return float(np.max(np.abs(np.asarray(q1) - p.current_q) / speed))
        end, origin = cmd.target[:3, 3], self.base[:3, 3]
        # the start lies within reach (arm plus tool) of the base: the chords are at most this long
        reach = self.reach + _norm(self.tool_matrix()[:3, 3])
        far = _norm(end - origin) + reach
        if cmd.via is not None:
            via = _norm(cmd.via[:3, 3] - origin)
            far = via + reach + via + _norm(end - origin)
        if now + far / (cmd.speed * p.override) <= MAX_PROGRAM_TIME:
            return 0.0
        start = p.tcp_pose()[:3, 3]
        length = float(np.linalg.norm(end - start))
        if cmd.via is not None:
            length = float(np.linalg.norm(cmd.via[:3, 3] - start) + np.linalg.norm(end - cmd.via[:3, 3]))
        return length / (cmd.speed * p.override)

    # ------------------------------------------------------------------ running
    def run(self) -> None:
        try:
            self.block(self.program.body)
        except _Stop:
            pass

    def step(self, line: int) -> None:
        self.state.steps += 1
        if self.state.steps > self.setup.max_instructions:
            raise self.alarm("arm.run.too_many_steps", line, "budget", max=self.setup.max_instructions)

    def block(self, body: tuple[a.Statement, ...]) -> None:
        for stmt in body:
            self.statement(stmt)

    def statement(self, s: a.Statement) -> None:
        self.step(s.line)
        if isinstance(s, a.Move):
            self.move(s)
        elif isinstance(s, a.If):
            self.record(s.line)
            if self.truth(s.condition, s.line):
                self.block(s.then)
            else:
                self.block(s.orelse)
        elif isinstance(s, a.While):
            while True:
                self.record(s.line)
                if not self.truth(s.condition, s.line):
                    break
                self.block(s.body)
                self.step(s.line)
        elif isinstance(s, a.Loop):
            for i in range(s.count):
                if i:
                    self.step(s.line)
                self.record(s.line)
                self.block(s.body)
        elif isinstance(s, a.Assign):
            self.record(s.line)
            self.state.registers[s.register] = self.number(s.value, s.line)
        elif isinstance(s, a.PointDef):
            self.record(s.line)
            self.state.points[s.name] = _Point(self.state.frame.copy(), pose_of(s.values), s.conf)
        elif isinstance(s, a.JointsDef):
            self.record(s.line)
            q = np.radians(np.asarray(s.degrees, dtype=float))
            self.state.points[s.name] = _Point(np.eye(4), np.eye(4), None, q)  # its pose: with the tool of the move
        elif isinstance(s, a.SelectTool):
            self.select_tool(s)
        elif isinstance(s, a.SelectFrame):
            self.record(s.line)
            self.state.frame = self.frame_matrix(s.name, s.line)
        elif isinstance(s, a.SetOutput):
            self.dwell(0.0, s.line)
            self.state.outputs[s.channel] = s.on
            self.io_log.append((self.now(), "DO", s.channel, s.on))
        elif isinstance(s, a.WaitTime):
            self.dwell(s.seconds, s.line)
        elif isinstance(s, a.Grip):
            self.dwell(GRIP_TIME, s.line)
        elif isinstance(s, a.WaitInput):
            self.wait_input(s)

    # ------------------------------------------------------------------ expressions and I/O
    def read_io(self, kind: str, channel: int, line: int) -> bool:
        if kind == "DO":
            return self.state.outputs.get(channel, False)
        self.check_wired(channel, line)
        return self.inputs.value_at(channel, self.now())

    def check_wired(self, channel: int, line: int) -> None:
        if channel not in self.wired:
            wired = ", ".join(f"DI[{n}]" for n in sorted(self.wired)) or "-"
            raise self.alarm("arm.run.input_not_wired", line, channel=channel, wired=wired)

    def number(self, expr: a.Expr, line: int) -> float:
        try:
            return evaluate(expr, self.state.registers, lambda kind, ch: self.read_io(kind, ch, line))
        except EvalError as exc:
            raise self.alarm(exc.code, line) from None

    def truth(self, expr: a.Expr, line: int) -> bool:
        return self.number(expr, line) != 0.0

    def wait_input(self, s: a.WaitInput) -> None:
        self.check_wired(s.channel, s.line)
        self.planner.dwell(0.0, s.line)  # the robot stops before it waits (a fine point)
        self.episodes[-1].entries.append(None)
        self.after_planner_call()
        t0 = self.now()
        hit = self.inputs.next_time(s.channel, s.on, t0)
        state = "ON" if s.on else "OFF"
        if s.timeout is not None and (hit is None or hit - t0 > s.timeout):
            self.dwell(s.timeout, s.line)
            raise self.alarm("robot.wait.timeout", s.line, channel=s.channel, state=state,
                             timeout=_plain(s.timeout))
        if hit is None:
            self.record(s.line)
            raise self.alarm("arm.run.wait_forever", s.line, channel=s.channel, state=state)
        self.dwell(hit - t0, s.line)

    # ------------------------------------------------------------------ tools and frames
    def tool_matrix(self) -> np.ndarray:
        return self.tools[self.tool] if self.tool is not None else np.eye(4)

    def select_tool(self, s: a.SelectTool) -> None:
        if s.name not in self.tools:
            self.record(s.line)
            raise self.alarm("arm.run.tool_unknown", s.line, name=s.name, known=", ".join(sorted(self.tools)) or "-")
        ep = self.episodes[-1]
        if s.name == self.tool or not ep.entries:  # same tool, or nothing planned yet: no new episode
            self.record(s.line)
            if s.name != self.tool:
                self.episodes.pop()
                self.tool = s.name
                self._new_planner(ep.planner.current_q, ep.offset)
            return
        self.dwell(0.0, s.line)  # a tool change is not blended through
        ep.finish()
        self.tool = s.name
        self._new_planner(ep.planner.current_q, ep.offset + ep.planner.current_time)

    def frame_matrix(self, name: str | None, line: int) -> np.ndarray:
        if name is None or name in ("wobj0", "world") and name not in self.frames:
            return np.eye(4)
        if name not in self.frames:
            raise self.alarm("arm.run.uframe_unknown", line, name=name, known=", ".join(sorted(self.frames)) or "-")
        return self.frames[name].copy()

    # ------------------------------------------------------------------ targets and moves
    def resolve(self, target: a.Target, line: int) -> _Point:
        if isinstance(target, a.Named):
            point = self.state.points.get(target.name)
            if point is not None and point.joints is not None:
                world = self.base @ self.arm.fk(point.joints) @ self.tool_matrix()
                return _Point(np.eye(4), world, None, point.joints)
            if point is not None:
                return point
            taught = self.setup.points.get(target.name)
            if taught is None:
                raise self.alarm("arm.run.point_unknown", line, name=target.name)
            return self.taught(taught)
        if isinstance(target, a.Literal):
            return _Point(self.state.frame.copy(), pose_of(target.values))
        base = self.resolve(target.base, line)
        v = [self.number(e, line) for e in target.args]
        if target.kind == "OFFS":
            local = offs(base.local, *v)
        else:
            local = reltool(base.local, *v[:3], *(math.radians(x) for x in v[3:]))
        return _Point(base.frame, local, base.conf)

    def taught(self, p: Any) -> _Point:
        user = getattr(p, "user", "world")
        frame = self.frames.get(user)
        if frame is None:  # world, wobj0, or a frame this run does not know: the pose as recorded in world
            world = getattr(p, "world", None)
            return _Point(np.eye(4), np.asarray(world if world is not None else p.pose, dtype=float),
                          getattr(p, "configuration", "") or None)
        return _Point(frame.copy(), np.asarray(p.pose, dtype=float), getattr(p, "configuration", "") or None)

    def joints_for(self, point: _Point, line: int) -> np.ndarray | None:
        """Exact joints for a MOVEJ: a JOINTS target, or a pose with CONF (turns included)."""
        if point.joints is not None:
            return point.joints
        if point.conf is None:
            return None
        flange = invert(self.base) @ point.world @ invert(self.tool_matrix())
        try:
            return ik_fanuc(self.arm, flange, point.conf)
        except ConfigurationError:
            raise self.alarm("arm.run.configuration", line, "motion", conf=point.conf) from None
        except ArmError as exc:
            raise self.alarm(exc.code, line, "motion", dict(exc.params)) from None

    def move(self, s: a.Move) -> None:
        self.motion_lines.add(s.line)
        point = self.resolve(s.target, s.line)
        via = self.resolve(s.via, s.line).world if s.via is not None else None
        if s.kind == "J":
            cmd = MoveCmd("J", point.world, self.joints_for(point, s.line), None, s.speed, Zone(s.zone), s.line)
        else:
            conf = None
            if point.joints is not None:
                conf = self.arm.configuration(point.joints)
            elif point.conf is not None:
                conf = parse_fanuc(point.conf)[0]
            cmd = MoveCmd(s.kind, point.world, None, via, s.speed, Zone(s.zone), s.line, conf)
        now = self.now()
        if now + self.shortest_time(cmd, now) > MAX_PROGRAM_TIME:
            self.record(s.line, t=now)
            raise self.alarm("arm.run.too_long", s.line, "budget", max=int(MAX_PROGRAM_TIME))
        self.record(s.line, timed=True, t=now)
        self.planner.add(cmd)
        self.after_planner_call()
        if self.now() > MAX_PROGRAM_TIME:  # slower than the bound (T1, joint limits on a linear move)
            raise self.alarm("arm.run.too_long", s.line, "budget", max=int(MAX_PROGRAM_TIME))

    # ------------------------------------------------------------------ the result
    def result(self) -> ProgramRun:
        self.episodes[-1].finish()
        for ep in self.episodes:
            ep.fill_times()
        trajectory, motion_alarms = stitch(self.episodes)
        self.alarms.extend(motion_alarms)
        io_log = self.io_log + [(t, "DI", ch, v) for t, ch, v in self.inputs.changes]
        io_log.sort(key=lambda e: e[0])
        executed = self.timed_entries(float(trajectory.t[-1]) if len(trajectory.t) else 0.0)
        if self.setup.cell is not None and len(trajectory.t):
            cut = safety_cut(self, trajectory)
            if cut is not None:
                trajectory, alarms = cut
                t_stop = float(trajectory.t[-1])
                self.alarms = [x for x in self.alarms if x.time <= t_stop] + alarms
                executed = [(ln, t0, min(t1, t_stop)) for ln, t0, t1 in executed if t0 <= t_stop]
                self.stopped_by = "safety"
                io_log = [e for e in io_log if e[0] <= t_stop]
        end = float(trajectory.t[-1]) if len(trajectory.t) else 0.0
        io_log = [e for e in io_log if e[0] <= end or e[1] == "DO"]
        return ProgramRun(
            trajectory=trajectory, alarms=self.alarms, io_log=io_log, executed=executed, stopped_by=self.stopped_by,
            registers=dict(self.state.registers), outputs=dict(self.state.outputs), tool=self.tool,
            motion_lines=frozenset(self.motion_lines), instructions=self.state.steps,
            tool_spans=[(ep.offset, ep.end, ep.tool) for ep in self.episodes])


    def timed_entries(self, end: float) -> list[tuple[int, float, float]]:
        """Executed entries with their final times. A statement that takes no time (registers, IF, POINT…) is
        placed where the next motion or wait starts: the program pointer passes it just before."""
        out: list[tuple[int, float, float]] = []
        following = end
        for line, t0, t1, timed in reversed(self.executed):
            if timed:
                following = t0
            else:
                t0 = t1 = min(t0, following)
            out.append((int(line), float(t0), float(t1)))
        return out[::-1]


def _norm(v: np.ndarray) -> float:
    """``np.linalg.norm`` of a 3-vector (the same sqrt of the dot product) without its Python overhead."""
    return math.sqrt(float(v.dot(v)))


def _plain(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


def run_arm_program(program: a.ArmProgram | str, setup: RunSetup) -> ProgramRun:
    """Run a program (text is parsed first: ``ProgramError`` listing every error) on the setup's arm and cell.

    Deterministic: the same program and setup give the same numbers, bit for bit, on one machine.
    """
    if isinstance(program, str):
        program = parse_arm_program(program, points=set(setup.points), tools=set(setup.tools),
                                    frames={*setup.user_frames, "wobj0"})
    interpreter = _Interpreter(program, setup)
    interpreter.run()
    return interpreter.result()

"""Executing a robot program: trapezoidal move times, reach/joint checks, the cell's safety function.

Every move follows a trapezoidal velocity profile (accelerate, cruise, brake) along
a path parameter s ∈ [0, 1]: MOVEL along the straight line with the TCP's maximum
speed and acceleration; MOVEJ in joint space, all joints synchronised to the
slowest one. In T1 the TCP speed is capped at 250 mm/s (ISO 10218-1 reduced speed).

Personnel safety is the safety controller's, not the program's (ISO 10218-2): the light curtain or
scanner on the fenced zone reports the operator inside (``operator_inside``), and a robot that is in the
zone or heading into it then gets a **protective stop** — between two path samples, whatever the
program does. The robot stands at the last sample before the step until the operator has left, then
``safety_controller.reset_s`` for the reset and restart, and goes on. The stop is counted
(``protective_stops``) and costs that time; braking distance is not modelled (the stop is at the sample).
A program's ``WAIT DI[n]`` on the zone-clear signal only coordinates: it keeps the robot from being stopped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from simulators.errors import Diagnostic, ProgramError, WorkLimitError
from simulators.robot.checks import all_points, from_joints, joints, plain_number
from simulators.robot.language import Grip, Loop, Move, SetOutput, Statement, WaitInput, WaitTime
from simulators.robot.scenario import RobotCellScenario
from simulators.validation import MAX_PATH_POINTS

T1_SPEED_MM_S = 250.0
MAX_STEPS = 200_000
MAX_VIOLATIONS = 200

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Violation:
    """A safety problem found while running: ``code`` and ``args`` as in ``simulators.errors.MESSAGES``."""

    line: int
    time_s: float
    code: str
    args: dict[str, str | int | float] = field(default_factory=dict, hash=False)

    @property
    def diagnostic(self) -> Diagnostic:
        return Diagnostic(self.code, self.line, None, self.args)

    @property
    def message(self) -> str:
        """English text, for logs and the command line."""
        return self.diagnostic.message

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ProtectiveStop:
    """A protective stop by the safety controller: robot in (``inside``) or heading into (``heading_in``)
    the fenced zone while the operator was inside; held ``held_s`` until the operator left plus the reset."""

    line: int
    time_s: float
    device: str  # light_curtain | scanner
    reason: str  # inside | heading_in
    held_s: float
    position: Point

    def __str__(self) -> str:
        what = "in the zone" if self.reason == "inside" else "heading into the zone"
        return (f"line {self.line}: protective stop at {self.time_s:g} s by the {self.device.replace('_', ' ')} "
                f"(robot {what} while the operator is inside), {self.held_s:g} s lost")


@dataclass(frozen=True)
class Step:
    """One executed statement: what, where in the program and when."""

    line: int
    what: str
    start_s: float
    end_s: float


@dataclass
class CellOutcome:
    cycle_time_s: float
    path: list[tuple[float, float, float, float, bool]]
    violations: list[Violation]
    violation_count: int
    steps: list[Step]
    io_log: list[tuple[float, str, bool]]
    parts_per_cycle: int
    path_length_mm: float
    max_tcp_speed_mm_s: float
    moves: int
    start: Point = (0.0, 0.0, 0.0)
    trajectory: list[tuple[float, float, Point, Point, str, float, float]] = field(default_factory=list)
    protective_stops: list[ProtectiveStop] = field(default_factory=list)
    stopped_s: float = 0.0  # time lost to protective stops


# --- trapezoidal profile ----------------------------------------------------------------------

def trapezoid_time(distance: float, v_max: float, a_max: float) -> float:
    """Time to travel ``distance`` from rest to rest with speed ≤ v_max and acceleration ≤ a_max."""
    if distance <= 0:
        return 0.0
    if distance >= v_max * v_max / a_max:
        return distance / v_max + v_max / a_max
    return 2.0 * math.sqrt(distance / a_max)


def trapezoid_position(t: float, distance: float, v_max: float, a_max: float) -> float:
    """Distance travelled at time ``t`` of the same profile."""
    total = trapezoid_time(distance, v_max, a_max)
    if t <= 0:
        return 0.0
    if t >= total:
        return distance
    if distance >= v_max * v_max / a_max:
        ta = v_max / a_max
        if t < ta:
            return 0.5 * a_max * t * t
        if t <= total - ta:
            return 0.5 * a_max * ta * ta + v_max * (t - ta)
        return distance - 0.5 * a_max * (total - t) ** 2
    half = total / 2
    if t <= half:
        return 0.5 * a_max * t * t
    return distance - 0.5 * a_max * (total - t) ** 2


def peak_speed(distance: float, v_max: float, a_max: float) -> float:
    return min(v_max, math.sqrt(distance * a_max)) if distance > 0 else 0.0


# --- execution --------------------------------------------------------------------------------

class _Executor:
    def __init__(self, cell: RobotCellScenario) -> None:
        self.cell = cell
        self.program = cell.parsed()
        self.points = all_points(self.program, cell)
        self.t = 0.0
        self.gripper = False
        self.holding = False
        self.parts = 0
        self.path: list[tuple[float, float, float, float, bool]] = []
        self.violations: list[Violation] = []
        self.violation_count = 0
        self.steps: list[Step] = []
        self.io: list[tuple[float, str, bool]] = []
        self.length = 0.0
        self.vmax_seen = 0.0
        self.moves = 0
        self.executed = 0
        self.trajectory: list[tuple[float, float, Point, Point, str, float, float]] = []
        self.stops: list[ProtectiveStop] = []
        self.stopped_s = 0.0
        self.pos = self._start()
        self.start = self.pos
        self._sample(self.t, self.pos)

    def _start(self) -> Point:
        if "home" in self.points:
            return self.points["home"]
        for st in self.program.statements():
            if isinstance(st, Move):
                return self._target(st)
        rob = self.cell.robot
        return ((rob.min_reach_mm + rob.max_reach_mm) / 2, 0.0, (rob.z_min_mm + rob.z_max_mm) / 2)

    def _target(self, move: Move) -> Point:
        return self.points[move.target] if isinstance(move.target, str) else move.target

    def _sample(self, t: float, p: Point) -> None:
        self.path.append((round(t, 6), p[0], p[1], p[2], self.gripper))

    def _violate(self, line: int, t: float, code: str, **args: str | int | float) -> None:
        self.violation_count += 1
        if len(self.violations) < MAX_VIOLATIONS:
            self.violations.append(Violation(line, round(t, 6), code, args))

    def _presence_end(self, t: float) -> float:
        """When the operator is out of the zone, from ``t`` on (``t`` itself if nobody is inside)."""
        moved = True
        while moved:
            moved = False
            for a, b in self.cell.operator_inside:
                if a <= t < b:
                    t, moved = b, True
        return t

    def _arrival(self, t0: float, t1: float) -> float | None:
        """The first time in [t0, t1] the operator is inside, or None."""
        starts = [max(a, t0) for a, b in self.cell.operator_inside if a <= t1 and b > t0]
        return min(starts) if starts else None

    def _guard(self, line: int, t0: float, t1: float, before: Point, after: Point) -> tuple[float, float] | None:
        """The safety controller over one step from ``before`` (at t0) to ``after`` (at t1): a protective stop's
        (start, restart) while the robot stands at ``before``, or None."""
        zone = self.cell.safety_zone
        if zone is None or not self.cell.operator_inside:
            return None
        inside = zone.contains(*before)
        if not (inside or zone.contains(*after)):
            return None
        s = self._arrival(t0, t1)
        if s is None:
            return None
        end = self._presence_end(s) + self.cell.safety_controller.reset_s
        self.stops.append(ProtectiveStop(line, round(s, 6), self.cell.safety_controller.device,
                                         "inside" if inside else "heading_in", round(end - s, 6), before))
        self._sample(s, before)
        self._sample(end, before)
        return s, end

    def run(self) -> CellOutcome:
        self._block(self.program.body)
        return CellOutcome(
            cycle_time_s=self.t,
            path=self.path,
            violations=self.violations,
            violation_count=self.violation_count,
            steps=self.steps,
            io_log=self.io,
            parts_per_cycle=self.parts,
            path_length_mm=self.length,
            max_tcp_speed_mm_s=self.vmax_seen,
            moves=self.moves,
            start=self.start,
            trajectory=self.trajectory,
            protective_stops=self.stops,
            stopped_s=self.stopped_s,
        )

    def _block(self, body: tuple[Statement, ...]) -> None:
        for st in body:
            if isinstance(st, Loop):
                for _ in range(st.count):
                    self._block(st.body)
                continue
            self.executed += 1
            if self.executed > MAX_STEPS:
                raise ProgramError([Diagnostic("robot.run.too_many_steps", st.line, None, {"max": MAX_STEPS})])
            start = self.t
            if isinstance(st, Move):
                what = self._move(st)
            elif isinstance(st, Grip):
                what = self._grip(st)
            elif isinstance(st, WaitInput):
                what = self._wait_input(st)
            elif isinstance(st, WaitTime):
                self._dwell(st.line, st.seconds)
                what = f"WAIT {st.seconds:g}"
            else:
                assert isinstance(st, SetOutput)
                self.io.append((self.t, f"DO[{st.channel}]", st.on))
                what = f"SET DO[{st.channel}] {'ON' if st.on else 'OFF'}"
            self.steps.append(Step(st.line, what, start, self.t))

    def _dwell(self, line: int, seconds: float) -> None:
        """Stand still for ``seconds``; standing in the fenced zone when the operator comes in is a protective
        stop, after which the rest of the wait goes on."""
        t0, t1 = self.t, self.t + seconds
        while (stop := self._guard(line, t0, t1, self.pos, self.pos)) is not None:
            s, end = stop  # the wait is paused from the stop to the restart
            self.stopped_s += end - s
            t0, t1 = end, t1 + end - s
        self.t = t1
        if seconds > 0:
            self._sample(self.t, self.pos)

    def _grip(self, st: Grip) -> str:
        self.gripper = st.close
        if st.close:
            self.holding = True
        elif self.holding:
            self.holding = False
            self.parts += 1
        self._dwell(st.line, self.cell.robot.gripper_time_s)
        self._sample(self.t, self.pos)
        return "GRIP" if st.close else "RELEASE"

    def _wait_input(self, st: WaitInput) -> str:
        wiring = self.cell.inputs[st.channel]
        if wiring.source == "zone_clear":
            wait = self._presence_end(self.t) - self.t
        else:
            wait = wiring.delay_s
        self._dwell(st.line, wait)
        return f"WAIT DI[{st.channel}]"

    def _move(self, st: Move) -> str:
        cell, rob = self.cell, self.cell.robot
        p0, p1 = self.pos, self._target(st)
        name = st.target if isinstance(st.target, str) else "({:g}, {:g}, {:g})".format(*p1)
        what = f"{st.kind} {name} {st.speed * 100:g}%"
        self.moves += 1
        if p0 == p1:
            return what
        if st.kind == "MOVEL":
            length = math.dist(p0, p1)
            v_s = rob.max_tcp_speed_mm_s * st.speed / length
            a_s = rob.max_tcp_accel_mm_s2 / length
            gain = length  # |dP/ds|
            self._check_line(st.line, p0, p1)

            def at(s: float) -> Point:
                return (p0[0] + s * (p1[0] - p0[0]), p0[1] + s * (p1[1] - p0[1]), p0[2] + s * (p1[2] - p0[2]))
        else:
            q0, q1 = joints(p0), joints(p1)
            d = [abs(b - a) for a, b in zip(q0, q1)]
            limits = ((rob.j1_speed_deg_s, rob.j1_accel_deg_s2), (rob.radial_speed_mm_s, rob.radial_accel_mm_s2),
                      (rob.z_speed_mm_s, rob.z_accel_mm_s2))
            v_s = min((v * st.speed / dj for dj, (v, _) in zip(d, limits) if dj > 0), default=math.inf)
            a_s = min((a / dj for dj, (_, a) in zip(d, limits) if dj > 0), default=math.inf)
            gain = math.sqrt(d[1] ** 2 + (max(q0[1], q1[1]) * math.radians(d[0])) ** 2 + d[2] ** 2)

            def at(s: float) -> Point:
                return from_joints(q0[0] + s * (q1[0] - q0[0]), q0[1] + s * (q1[1] - q0[1]),
                                   q0[2] + s * (q1[2] - q0[2]))
        if cell.mode == "T1" and gain > 0:
            v_s = min(v_s, T1_SPEED_MM_S / gain)
        duration = trapezoid_time(1.0, v_s, a_s)
        self.vmax_seen = max(self.vmax_seen, peak_speed(1.0, v_s, a_s) * gain)
        t0 = self.t
        self.trajectory.append((t0, t0 + duration, p0, p1, st.kind, v_s, a_s))
        step = cell.path_step_s
        if duration / step > MAX_PATH_POINTS - len(self.path):  # checked before sampling: no runaway memory
            raise WorkLimitError("program", f"line {st.line}: the path would have more than {MAX_PATH_POINTS:,} "
                                            "points (a very slow move or a very long program?)")
        n = max(2, math.ceil(duration / step))
        prev, t_prev, shift = p0, 0.0, 0.0  # shift: time spent in protective stops during this move
        for k in range(1, n + 1):
            t = duration * k / n
            p = at(trapezoid_position(t, 1.0, v_s, a_s))
            while (stop := self._guard(st.line, t0 + shift + t_prev, t0 + shift + t, prev, p)) is not None:
                held = stop[1] - (t0 + shift + t_prev)  # the robot stands at the last sample until the restart
                shift += held
                self.stopped_s += held
            self.length += math.dist(prev, p)
            prev, t_prev = p, t
            self._sample(t0 + shift + t, p)
        self.t = t0 + shift + duration
        self.pos = p1
        return what

    def _check_line(self, line: int, p0: Point, p1: Point) -> None:
        """A straight path may pass too close to the base axis or swing J1 past its limit."""
        rob = self.cell.robot
        dx, dy = p1[0] - p0[0], p1[1] - p0[1]
        seg2 = dx * dx + dy * dy
        s = 0.0 if seg2 == 0 else max(0.0, min(1.0, -(p0[0] * dx + p0[1] * dy) / seg2))
        closest = math.hypot(p0[0] + s * dx, p0[1] + s * dy)
        if closest < rob.min_reach_mm:
            self._violate(line, self.t, "robot.path.near_base_axis", distance=round(closest),
                          min=plain_number(rob.min_reach_mm))
            return
        worst = 0.0
        for k in range(257):
            s = k / 256
            x, y = p0[0] + s * dx, p0[1] + s * dy
            worst = max(worst, abs(math.degrees(math.atan2(y, x))))
        crosses_back = (p0[1] > 0) != (p1[1] > 0) and min(p0[0], p1[0]) < 0 and (
            p0[0] - p0[1] * dx / dy if dy else p0[0]) < 0
        if worst > rob.j1_limit_deg or crosses_back:
            self._violate(line, self.t, "robot.path.j1_swing", limit=plain_number(rob.j1_limit_deg))


def simulate_cell(cell: RobotCellScenario) -> CellOutcome:
    """Run the program once (one cycle)."""
    return _Executor(cell).run()

"""What a robot cell refuses before running a program: unknown points, unreachable targets, unwired inputs.

Also the cell's kinematics (``joints``/``from_joints``), shared with the model. This module does not
import the scenario (it only reads the cell's fields), so the scenario's validator can use it.
"""

from __future__ import annotations

import math
from typing import Any

from simulators.errors import Diagnostic, ProgramError
from simulators.robot.language import Move, Program, WaitInput

Point = tuple[float, float, float]
Cell = Any  # a RobotCellScenario; not imported, to keep the scenario → checks import one-way


def joints(p: Point) -> tuple[float, float, float]:
    """(J1 degrees, radial mm, z mm) of a TCP position."""
    return math.degrees(math.atan2(p[1], p[0])), math.hypot(p[0], p[1]), p[2]


def from_joints(theta: float, r: float, z: float) -> Point:
    a = math.radians(theta)
    return (r * math.cos(a), r * math.sin(a), z)


def plain_number(value: float) -> int | float:
    """A limit as written in the scenario: 1400.0 → 1400, 0.5 → 0.5."""
    return int(value) if float(value).is_integer() else float(value)


def reach_problem(p: Point, cell: Cell, name: str | None = None) -> tuple[str, dict] | None:
    """(code, args) when the TCP cannot reach ``p``; ``name`` is the point's name, if it has one."""
    rob = cell.robot
    theta, r, z = joints(p)
    where = f"({p[0]:g}, {p[1]:g}, {p[2]:g})"
    if name is not None:
        where = f"{name} {where}"
    if r > rob.max_reach_mm:
        return "robot.reach.too_far", {"where": where, "distance": round(r), "max": plain_number(rob.max_reach_mm)}
    if r < rob.min_reach_mm:
        return "robot.reach.too_close", {"where": where, "distance": round(r), "min": plain_number(rob.min_reach_mm)}
    if not rob.z_min_mm <= z <= rob.z_max_mm:
        return "robot.reach.lift_range", {"where": where, "z_min": plain_number(rob.z_min_mm),
                                          "z_max": plain_number(rob.z_max_mm)}
    if abs(theta) > rob.j1_limit_deg:
        return "robot.reach.joint_limit", {"where": where, "angle": round(theta),
                                           "limit": plain_number(rob.j1_limit_deg)}
    return None


def all_points(program: Program, cell: Cell) -> dict[str, Point]:
    """The cell's named points, overridden by the program's POINT lines."""
    points = {k: tuple(v) for k, v in cell.points.items()}
    points.update(program.points)
    return points  # type: ignore[return-value]


def program_problems(program: Program, cell: Cell) -> list[Diagnostic]:
    """Static checks, every problem: known points, reachable targets, wired inputs."""
    points = all_points(program, cell)
    found: list[Diagnostic] = []
    for st in program.statements():
        if isinstance(st, Move):
            if isinstance(st.target, str):
                if st.target not in points:
                    if st.target not in program.broken_points:
                        found.append(Diagnostic("robot.point.unknown", st.line, st.column, {"name": st.target}))
                    continue
                problem = reach_problem(points[st.target], cell, st.target)
            else:
                problem = reach_problem(st.target, cell)
            if problem:
                found.append(Diagnostic(problem[0], st.line, st.column, problem[1]))
        elif isinstance(st, WaitInput) and st.channel not in cell.inputs:
            wired = ", ".join(f"DI[{n}]" for n in sorted(cell.inputs)) or "—"
            found.append(Diagnostic("robot.input.not_wired", st.line, st.column,
                                    {"channel": st.channel, "wired": wired}))
    return found


def check_program(program: Program, cell: Cell) -> None:
    """Static checks; raises ProgramError with every problem found."""
    problems = program_problems(program, cell)
    if problems:
        raise ProgramError(problems)

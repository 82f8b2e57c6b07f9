"""The teach-pendant language: a parser producing a small statement tree.

One statement per line, keywords case-insensitive, ``#`` starts a comment::

    POINT pick = (500, -200, 120)     # named point, x y z in mm
    MOVEJ home 100%                   # joint move, speed 1–100 % (default 100 %)
    MOVEL pick 30%                    # straight-line move; a target may also be (x, y, z)
    GRIP / RELEASE                    # close / open the gripper
    WAIT DI[1]                        # wait for a digital input
    WAIT 0.5                          # wait 0.5 s
    SET DO[2] ON                      # set a digital output (ON by default, or OFF)
    LOOP 3 … ENDLOOP                  # repeat the enclosed lines
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from simulators.errors import ProgramError

MAX_LOOP = 1000
MAX_DEPTH = 5
MAX_LINES = 2000

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Move:
    line: int
    kind: str            # "MOVEJ" | "MOVEL"
    target: str | Point  # a point name or literal coordinates
    speed: float         # fraction of the robot's maximum, 0 < speed <= 1


@dataclass(frozen=True)
class Grip:
    line: int
    close: bool


@dataclass(frozen=True)
class WaitInput:
    line: int
    channel: int


@dataclass(frozen=True)
class WaitTime:
    line: int
    seconds: float


@dataclass(frozen=True)
class SetOutput:
    line: int
    channel: int
    on: bool


@dataclass(frozen=True)
class Loop:
    line: int
    count: int
    body: tuple[Statement, ...]


Statement = Move | Grip | WaitInput | WaitTime | SetOutput | Loop


@dataclass(frozen=True)
class Program:
    points: dict[str, Point] = field(default_factory=dict)
    point_lines: dict[str, int] = field(default_factory=dict)
    body: tuple[Statement, ...] = ()

    def statements(self) -> list[Statement]:
        """Every statement, loops flattened once (for static checks)."""
        out: list[Statement] = []

        def walk(items: tuple[Statement, ...]) -> None:
            for s in items:
                out.append(s)
                if isinstance(s, Loop):
                    walk(s.body)

        walk(self.body)
        return out


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_COORDS = re.compile(rf"^\(\s*({_NUM})\s*,\s*({_NUM})\s*,\s*({_NUM})\s*\)$")
_POINT = re.compile(rf"^POINT\s+({_NAME})\s*=\s*(.+)$", re.I)
_MOVE = re.compile(rf"^(MOVEJ|MOVEL)\s+({_NAME}|\([^)]*\))(?:\s+(\S+))?$", re.I)
_DI = re.compile(r"^WAIT\s+DI\s*\[\s*(\d+)\s*\]$", re.I)
_WAIT = re.compile(rf"^WAIT\s+({_NUM})\s*(?:S)?$", re.I)
_DO = re.compile(r"^SET\s+DO\s*\[\s*(\d+)\s*\](?:\s*(?:=\s*)?(ON|OFF|1|0|TRUE|FALSE))?$", re.I)
_LOOP = re.compile(r"^LOOP\s+(\S+)$", re.I)
KEYWORDS = ("POINT", "MOVEJ", "MOVEL", "GRIP", "RELEASE", "WAIT", "SET", "LOOP", "ENDLOOP")


def _coords(text: str, line: int) -> Point:
    m = _COORDS.match(text.strip())
    if not m:
        raise ProgramError(line, f"expected coordinates like (400, 0, 500) in mm, got '{text.strip()}'")
    x, y, z = (float(v) for v in m.groups())
    if not all(math.isfinite(v) for v in (x, y, z)):
        raise ProgramError(line, "coordinates must be finite numbers")
    return (x, y, z)


def _speed(text: str | None, line: int) -> float:
    if text is None:
        return 1.0
    raw = text.strip()
    if raw.endswith("%"):
        raw = raw[:-1]
    try:
        value = float(raw)
    except ValueError:
        raise ProgramError(line, f"speed must be a percentage like 50%, got '{text}'") from None
    if not 0 < value <= 100:
        raise ProgramError(line, f"speed must be between 1% and 100%, got {text}")
    return value / 100.0


def parse_program(text: str) -> Program:
    """Parse a program; raises ProgramError(line, message) at the first error."""
    if not isinstance(text, str):
        raise ProgramError(1, "the program must be text")
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ProgramError(MAX_LINES + 1, f"programs are limited to {MAX_LINES} lines")
    points: dict[str, Point] = {}
    point_lines: dict[str, int] = {}
    stack: list[tuple[int, int, list[Statement]]] = [(0, 1, [])]  # (line, count, body)
    for number, raw in enumerate(lines, start=1):
        code = raw.split("#", 1)[0].strip()
        if not code:
            continue
        word = code.split()[0].upper()
        body = stack[-1][2]
        if m := _POINT.match(code):
            name = m.group(1)
            if name.upper() in KEYWORDS:
                raise ProgramError(number, f"'{name}' is a keyword, not a point name")
            if name in points:
                raise ProgramError(number, f"point '{name}' is already defined on line {point_lines[name]}")
            points[name] = _coords(m.group(2), number)
            point_lines[name] = number
        elif word == "POINT":
            raise ProgramError(number, "expected POINT name = (x, y, z)")
        elif m := _MOVE.match(code):
            target_text = m.group(2)
            target: str | Point = _coords(target_text, number) if target_text.startswith("(") else target_text
            body.append(Move(number, m.group(1).upper(), target, _speed(m.group(3), number)))
        elif word in ("MOVEJ", "MOVEL"):
            raise ProgramError(number, f"expected {word} <point> [speed%]")
        elif word in ("GRIP", "RELEASE"):
            if code.upper() != word:
                raise ProgramError(number, f"{word} takes no arguments")
            body.append(Grip(number, word == "GRIP"))
        elif m := _DI.match(code):
            body.append(WaitInput(number, int(m.group(1))))
        elif m := _WAIT.match(code):
            seconds = float(m.group(1))
            if seconds < 0 or seconds > 3600:
                raise ProgramError(number, "a wait must be between 0 and 3600 s")
            body.append(WaitTime(number, seconds))
        elif word == "WAIT":
            raise ProgramError(number, "expected WAIT DI[n] or WAIT <seconds>")
        elif m := _DO.match(code):
            state = (m.group(2) or "ON").upper()
            body.append(SetOutput(number, int(m.group(1)), state in ("ON", "1", "TRUE")))
        elif word == "SET":
            raise ProgramError(number, "expected SET DO[n] ON|OFF")
        elif m := _LOOP.match(code):
            try:
                count = int(m.group(1))
            except ValueError:
                raise ProgramError(number, f"LOOP needs a whole number of repetitions, got '{m.group(1)}'") from None
            if not 1 <= count <= MAX_LOOP:
                raise ProgramError(number, f"LOOP count must be between 1 and {MAX_LOOP}")
            if len(stack) > MAX_DEPTH:
                raise ProgramError(number, f"loops may be nested at most {MAX_DEPTH} deep")
            stack.append((number, count, []))
        elif word == "LOOP":
            raise ProgramError(number, "expected LOOP <count>")
        elif word in ("ENDLOOP", "END"):
            if code.upper() not in ("ENDLOOP", "END LOOP", "END"):
                raise ProgramError(number, "ENDLOOP takes no arguments")
            if len(stack) == 1:
                raise ProgramError(number, "ENDLOOP without a matching LOOP")
            start, count, inner = stack.pop()
            if not inner:
                raise ProgramError(start, "empty LOOP")
            stack[-1][2].append(Loop(start, count, tuple(inner)))
        else:
            raise ProgramError(number, f"unknown instruction '{code.split()[0]}'")
    if len(stack) > 1:
        raise ProgramError(stack[-1][0], "LOOP without ENDLOOP")
    program = Program(points, point_lines, tuple(stack[0][2]))
    if not program.body:
        raise ProgramError(max(len(lines), 1), "the program has no instructions")
    return program

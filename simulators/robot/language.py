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

from simulators.errors import Diagnostic, ProgramError, sort_diagnostics

MAX_LOOP = 1000
MAX_DEPTH = 5
MAX_LINES = 2000
MAX_ERRORS = 100  # a pasted essay should not produce thousands of messages

Point = tuple[float, float, float]


@dataclass(frozen=True)
class Move:
    line: int
    kind: str            # "MOVEJ" | "MOVEL"
    target: str | Point  # a point name or literal coordinates
    speed: float         # fraction of the robot's maximum, 0 < speed <= 1
    column: int = field(default=1, compare=False)  # of the target, for messages about it


@dataclass(frozen=True)
class Grip:
    line: int
    close: bool


@dataclass(frozen=True)
class WaitInput:
    line: int
    channel: int
    column: int = field(default=1, compare=False)  # of the channel number


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
    # Points whose POINT line had an error: their uses are not reported again as unknown.
    broken_points: frozenset[str] = frozenset()

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
_POINT_NAME = re.compile(rf"^POINT\s+({_NAME})", re.I)
_MOVE = re.compile(rf"^(MOVEJ|MOVEL)\s+({_NAME}|\([^)]*\))(?:\s+(\S+))?$", re.I)
_DI = re.compile(r"^WAIT\s+DI\s*\[\s*(\d+)\s*\]$", re.I)
_WAIT = re.compile(rf"^WAIT\s+({_NUM})\s*(?:S)?$", re.I)
_DO = re.compile(r"^SET\s+DO\s*\[\s*(\d+)\s*\](?:\s*(?:=\s*)?(ON|OFF|1|0|TRUE|FALSE))?$", re.I)
_LOOP = re.compile(r"^LOOP\s+(\S+)$", re.I)
_FIRST_ARG = re.compile(r"^\S+\s+")
KEYWORDS = ("POINT", "MOVEJ", "MOVEL", "GRIP", "RELEASE", "WAIT", "SET", "LOOP", "ENDLOOP")


class _LineError(Exception):
    """Stops reading one line; the parser records it and goes on with the next line."""

    def __init__(self, code: str, column: int, **args: str | int | float) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.args_ = args


def _coords(text: str, column: int) -> Point:
    m = _COORDS.match(text.strip())
    if not m:
        raise _LineError("robot.coords.expected", column, text=text.strip())
    x, y, z = (float(v) for v in m.groups())
    if not all(math.isfinite(v) for v in (x, y, z)):
        raise _LineError("robot.coords.not_finite", column)
    return (x, y, z)


def _speed(text: str | None, column: int) -> float:
    if text is None:
        return 1.0
    raw = text.strip()
    if raw.endswith("%"):
        raw = raw[:-1]
    try:
        value = float(raw)
    except ValueError:
        raise _LineError("robot.speed.not_percent", column, text=text) from None
    if not 0 < value <= 100:
        raise _LineError("robot.speed.range", column, text=text)
    return value / 100.0


@dataclass
class _Frame:
    """An open LOOP (the outermost frame is the program itself)."""

    line: int
    column: int
    count: int
    body: list[Statement]
    errors_before: int


class _Parser:
    """Reads every line; a bad line is reported and skipped, so one pass finds all syntax errors."""

    def __init__(self) -> None:
        self.errors: list[Diagnostic] = []
        self.points: dict[str, Point] = {}
        self.point_lines: dict[str, int] = {}
        self.broken: set[str] = set()
        self.stack = [_Frame(0, 1, 1, [], 0)]

    def error(self, code: str, line: int | None, column: int | None = None, **args: str | int | float) -> None:
        self.errors.append(Diagnostic(code, line, column, args))

    def parse(self, lines: list[str]) -> Program:
        for number, raw in enumerate(lines, start=1):
            if len(self.errors) >= MAX_ERRORS:
                break
            code = raw.split("#", 1)[0].strip()
            if not code:
                continue
            indent = len(raw) - len(raw.lstrip())
            try:
                self.statement(number, code, indent)
            except _LineError as exc:
                self.error(exc.code, number, exc.column, **exc.args_)
        while len(self.stack) > 1:  # unclosed loops: keep their lines for the checks that follow
            frame = self.stack[-1]
            self.error("robot.loop.unclosed", frame.line, frame.column)
            self.close_loop()
        return Program(self.points, self.point_lines, tuple(self.stack[0].body), frozenset(self.broken))

    def statement(self, number: int, code: str, indent: int) -> None:
        word = code.split()[0].upper()
        start = indent + 1

        def col(m: re.Match[str], group: int) -> int:
            return indent + m.start(group) + 1

        body = self.stack[-1].body
        if m := _POINT.match(code):
            name = m.group(1)
            if name.upper() in KEYWORDS:
                raise _LineError("robot.point.keyword", col(m, 1), name=name)
            if name in self.points:
                raise _LineError("robot.point.duplicate", col(m, 1), name=name, first_line=self.point_lines[name])
            try:
                self.points[name] = _coords(m.group(2), col(m, 2))
            except _LineError:
                self.broken.add(name)
                raise
            self.point_lines[name] = number
        elif word == "POINT":
            if named := _POINT_NAME.match(code):
                self.broken.add(named.group(1))
            raise _LineError("robot.point.syntax", start)
        elif m := _MOVE.match(code):
            target_text = m.group(2)
            target: str | Point = _coords(target_text, col(m, 2)) if target_text.startswith("(") else target_text
            speed = _speed(m.group(3), col(m, 3) if m.group(3) else start)
            body.append(Move(number, m.group(1).upper(), target, speed, col(m, 2)))
        elif word in ("MOVEJ", "MOVEL"):
            raise _LineError("robot.move.expected_point", start, keyword=word)
        elif word in ("GRIP", "RELEASE"):
            if code.upper() != word:
                raise _LineError("robot.instruction.no_arguments", _arg_column(code, indent), keyword=word)
            body.append(Grip(number, word == "GRIP"))
        elif m := _DI.match(code):
            body.append(WaitInput(number, int(m.group(1)), col(m, 1)))
        elif m := _WAIT.match(code):
            seconds = float(m.group(1))
            if seconds < 0 or seconds > 3600:
                raise _LineError("robot.wait.range", col(m, 1), text=m.group(1))
            body.append(WaitTime(number, seconds))
        elif word == "WAIT":
            raise _LineError("robot.wait.syntax", start)
        elif m := _DO.match(code):
            state = (m.group(2) or "ON").upper()
            body.append(SetOutput(number, int(m.group(1)), state in ("ON", "1", "TRUE")))
        elif word == "SET":
            raise _LineError("robot.set.syntax", start)
        elif word == "LOOP":
            self.open_loop(number, code, indent)
        elif word in ("ENDLOOP", "END"):
            if len(self.stack) == 1:
                raise _LineError("robot.loop.unmatched_end", start)
            self.close_loop()
            if code.upper() not in ("ENDLOOP", "END LOOP", "END"):
                raise _LineError("robot.instruction.no_arguments", _arg_column(code, indent), keyword="ENDLOOP")
        else:
            raise _LineError("robot.instruction.unknown", start, word=code.split()[0])

    def open_loop(self, number: int, code: str, indent: int) -> None:
        """Open the loop even when its line is wrong, so that its ENDLOOP still matches."""
        frame = _Frame(number, indent + 1, 1, [], len(self.errors))
        problem: _LineError | None = None
        m = _LOOP.match(code)
        if not m:
            problem = _LineError("robot.loop.syntax", indent + 1)
        else:
            column = indent + m.start(1) + 1
            try:
                frame.count = int(m.group(1))
            except ValueError:
                problem = _LineError("robot.loop.count_not_whole", column, text=m.group(1))
            else:
                if not 1 <= frame.count <= MAX_LOOP:
                    problem = _LineError("robot.loop.count_range", column, max=MAX_LOOP)
                    frame.count = 1
        if problem is None and len(self.stack) > MAX_DEPTH:
            problem = _LineError("robot.loop.too_deep", indent + 1, max=MAX_DEPTH)
        self.stack.append(frame)
        if problem is not None:
            frame.errors_before += 1  # its own error does not make the loop "empty" for the trainee
            raise problem

    def close_loop(self) -> None:
        frame = self.stack.pop()
        if not frame.body:
            if len(self.errors) == frame.errors_before:  # empty only because its lines had errors: say nothing more
                self.error("robot.loop.empty", frame.line, frame.column)
            return
        self.stack[-1].body.append(Loop(frame.line, frame.count, tuple(frame.body)))


def _arg_column(code: str, indent: int) -> int:
    m = _FIRST_ARG.match(code)
    return indent + (m.end() if m else 0) + 1


def read_program(text: object) -> tuple[Program, tuple[Diagnostic, ...]]:
    """Parse as much as possible: the program of the lines that are right, and every error found."""
    if not isinstance(text, str):
        return Program(), (Diagnostic("robot.program.not_text", 1),)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        return Program(), (Diagnostic("robot.program.too_long", MAX_LINES + 1, None, {"max": MAX_LINES}),)
    parser = _Parser()
    program = parser.parse(lines)
    if not program.body and not parser.errors:
        parser.error("robot.program.empty", max(len(lines), 1))
    return program, sort_diagnostics(parser.errors)


def parse_program(text: str) -> Program:
    """Parse a program; raises ProgramError carrying every error (``line``/``message`` of the first)."""
    program, errors = read_program(text)
    if errors:
        raise ProgramError(errors)
    return program

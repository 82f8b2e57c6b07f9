"""The statement tree of a six-axis program: plain frozen dataclasses, every node with its line (1-based).

Units as written: mm, degrees, mm/s, seconds; a MOVEJ speed is a fraction of the maximum joint speed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# --- expressions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Reg:
    index: int  # 1..MAX_REGISTER
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class IoRead:
    kind: str  # "DI" | "DO": a boolean
    channel: int
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Unary:
    op: str  # "-" | "+" | "NOT"
    operand: Expr
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Binary:
    op: str  # "+" "-" "*" "/" | "<" "<=" ">" ">=" "==" "<>" | "AND" "OR"
    left: Expr
    right: Expr
    column: int = field(default=0, compare=False)


Expr = Num | Reg | IoRead | Unary | Binary

# --- targets ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Named:
    """A point by name: POINT or JOINTS of the program, or a point taught on the pendant."""

    name: str
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Literal:
    """``(x, y, z[, w, p, r])`` written in the move itself, in the active user frame."""

    values: tuple[float, ...]
    column: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Offset:
    """``OFFS(base, dx, dy, dz)`` (along the point's user frame) or ``RELTOOL(base, dx, dy, dz[, rx, ry, rz])``
    (along/about the tool's own axes at the point); offsets are expressions, evaluated when the move runs."""

    kind: str  # "OFFS" | "RELTOOL"
    base: Target
    args: tuple[Expr, ...]
    column: int = field(default=0, compare=False)


Target = Named | Literal | Offset

# --- statements ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointDef:
    line: int
    name: str
    values: tuple[float, float, float, float, float, float]  # x y z mm, W P R degrees
    conf: str | None = None  # FANUC-style configuration string, checked by the parser


@dataclass(frozen=True)
class JointsDef:
    line: int
    name: str
    degrees: tuple[float, float, float, float, float, float]


@dataclass(frozen=True)
class Move:
    line: int
    kind: str  # "J" | "L" | "C"
    target: Target
    speed: float  # J: fraction 0 < s <= 1 of the maximum joint speed; L/C: TCP mm/s
    zone: float  # corner radius mm; 0 = FINE
    via: Target | None = None  # MOVEC only


@dataclass(frozen=True)
class SelectTool:
    line: int
    name: str


@dataclass(frozen=True)
class SelectFrame:
    line: int
    name: str | None  # None: WORLD


@dataclass(frozen=True)
class Assign:
    line: int
    register: int
    value: Expr


@dataclass(frozen=True)
class If:
    line: int
    condition: Expr
    then: tuple[Statement, ...]
    orelse: tuple[Statement, ...] = ()
    else_line: int | None = None


@dataclass(frozen=True)
class While:
    line: int
    condition: Expr
    body: tuple[Statement, ...]
    end_line: int = 0


@dataclass(frozen=True)
class Loop:
    line: int
    count: int
    body: tuple[Statement, ...]
    end_line: int = 0


@dataclass(frozen=True)
class SetOutput:
    line: int
    channel: int
    on: bool


@dataclass(frozen=True)
class WaitInput:
    line: int
    channel: int
    on: bool = True
    timeout: float | None = None


@dataclass(frozen=True)
class WaitTime:
    line: int
    seconds: float


@dataclass(frozen=True)
class Grip:
    line: int
    close: bool  # GRIP closes, RELEASE opens


Statement = (PointDef | JointsDef | Move | SelectTool | SelectFrame | Assign | If | While | Loop | SetOutput
             | WaitInput | WaitTime | Grip)


@dataclass(frozen=True)
class ArmProgram:
    """A parsed program: the statements in order, and where each point was defined."""

    body: tuple[Statement, ...]
    point_lines: dict[str, int] = field(default_factory=dict, compare=False)
    line_count: int = 0

    def walk(self) -> list[Statement]:
        """Every statement, blocks flattened in text order (for static checks and tables)."""
        out: list[Statement] = []
        todo: list[tuple[Statement, ...]] = [self.body]
        while todo:
            items = todo.pop()
            for s in items:
                out.append(s)
                if isinstance(s, If):
                    todo.append(s.then)
                    todo.append(s.orelse)
                elif isinstance(s, While | Loop):
                    todo.append(s.body)
        return sorted(out, key=lambda s: s.line)

"""Reading a six-axis program: one statement per line, every error of the text at once.

Each line is tokenized and read by a small recursive-descent reader; a line with an error is reported
(one diagnostic per statement, at the offending token) and skipped, and reading goes on. Blocks are kept on
an explicit stack, so a nesting bomb costs no recursion: an IF/WHILE/LOOP line opens its block even when the
rest of the line is wrong, so that its END still matches. Errors are capped (``MAX_ERRORS``) and the text
is bounded (``MAX_LINES`` × ``MAX_LINE_LENGTH``) before any tokenizing.

Points are names known before their use: a POINT/JOINTS line above, or a point taught on the pendant
(``points=`` of ``parse_arm_program``). POINT/JOINTS stand outside blocks, so "defined above" is a fact of
the text and never depends on a branch taken.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from simulators.errors import Diagnostic, ProgramError, sort_diagnostics
from simulators.robot.arm.configuration import parse_fanuc
from simulators.robot.arm.errors import ConfigurationError
from simulators.robot.arm.lang import ast as a
from simulators.robot.arm.lang.expr import Cursor, StatementError, read_condition, read_number
from simulators.robot.arm.lang.lexer import Token, strip_comment, tokenize

MAX_LINES = 2000
MAX_LINE_LENGTH = 500
MAX_ERRORS = 50
MAX_DEPTH = 8  # nested IF/WHILE/LOOP
MAX_LOOP = 1000
MAX_TARGET_DEPTH = 4  # OFFS(RELTOOL(OFFS(p, …), …), …)
MAX_COORD = 100_000.0  # mm
MAX_ANGLE = 1000.0  # degrees (±455° is the widest joint)
MIN_TCP_SPEED = 1.0  # mm/s: with 1 % for MOVEJ, bounds how long one move may take
MAX_TCP_SPEED = 5000.0  # mm/s
MAX_ZONE = 500  # mm
MAX_WAIT = 3600.0  # s
GRIP_TIME = 0.25  # s

KEYWORDS = frozenset({
    "POINT", "JOINTS", "MOVEJ", "MOVEL", "MOVEC", "TOOL", "UFRAME", "WORLD", "OFFS", "RELTOOL", "CONF", "FINE",
    "R", "DI", "DO", "IF", "THEN", "ELSE", "ENDIF", "WHILE", "ENDWHILE", "LOOP", "ENDLOOP", "SET", "WAIT",
    "TIMEOUT", "ON", "OFF", "GRIP", "RELEASE", "AND", "OR", "NOT"})
_CLOSER = {"IF": "ENDIF", "WHILE": "ENDWHILE", "LOOP": "ENDLOOP"}
_OPENER = {v: k for k, v in _CLOSER.items()}
_DEFINITION = re.compile(r"^\s*(POINT|JOINTS)\s+([A-Za-z_][A-Za-z0-9_]*)", re.IGNORECASE)
_ZONE = re.compile(r"^Z(\d{1,6})$")
_VSPEED = re.compile(r"^V(\d{1,6})$")
DOWN = (180.0, 0.0, 0.0)  # W P R of a tool pointing straight down: the orientation of a 3-number point


@dataclass
class _Block:
    kind: str  # "ROOT" | "IF" | "WHILE" | "LOOP"
    line: int
    column: int
    condition: a.Expr | None = None
    count: int = 1
    body: list[a.Statement] = field(default_factory=list)
    orelse: list[a.Statement] | None = None
    else_line: int | None = None


@dataclass(frozen=True)
class _Known:
    """What a name stands for: a pose, joints, both (a taught point) or a broken definition (already reported)."""

    kind: str  # "pose" | "joints" | "taught" | "broken"
    line: int = 0


class _Parser:
    def __init__(self, points: Collection[str] | None, tools: Collection[str] | None,
                 frames: Collection[str] | None, later: dict[str, int]) -> None:
        self.errors: list[Diagnostic] = []
        self.names: dict[str, _Known] = {n: _Known("taught") for n in points or ()}
        self.check_names = points is not None
        self.point_lines: dict[str, int] = {}
        self.tools = None if tools is None else sorted(tools)
        self.frames = None if frames is None else sorted(frames)
        self.later = later
        self.stack = [_Block("ROOT", 0, 1)]
        self.line = 0

    # ------------------------------------------------------------------ driver
    def parse(self, lines: list[str]) -> a.ArmProgram:
        for number, raw in enumerate(lines, start=1):
            if len(self.errors) >= MAX_ERRORS:
                self.errors.append(Diagnostic("arm.lang.too_many_errors", None, None, {"max": MAX_ERRORS}))
                break
            self.line = number
            if len(raw) > MAX_LINE_LENGTH:
                self.errors.append(Diagnostic("arm.lang.line.too_long", number, MAX_LINE_LENGTH + 1,
                                              {"max": MAX_LINE_LENGTH}))
                continue
            tokens, lex_errors = tokenize(strip_comment(raw), number)
            if tokens[0].kind == "end":
                continue
            try:
                self.statement(Cursor(tokens))
            except StatementError as exc:
                if not lex_errors:
                    self.errors.append(Diagnostic(exc.code, number, exc.column, exc.args_))
            if lex_errors:  # the character, not what the reader made of it
                self.errors.append(lex_errors[0])
        while len(self.stack) > 1:
            block = self.stack.pop()
            if len(self.errors) >= MAX_ERRORS:  # capped: the blocks left open may be closed further down
                continue
            self.errors.append(Diagnostic("arm.lang.block.unclosed", block.line, block.column, {
                "opener": block.kind, "closer": _CLOSER[block.kind], "open_line": block.line}))
        return a.ArmProgram(tuple(self.stack[0].body), dict(self.point_lines), len(lines))

    @property
    def body(self) -> list[a.Statement]:
        block = self.stack[-1]
        return block.orelse if block.orelse is not None else block.body

    def statement(self, cur: Cursor) -> None:
        tok = cur.tok
        word = tok.value if tok.kind == "name" else ""
        if word == "R" and cur.peek().kind == "op" and cur.peek().value == "[":
            self.body.append(self.assign(cur))
            return
        handler = _HANDLERS.get(word)
        if handler is None:
            raise cur.fail("arm.lang.instruction.unknown", word=tok.text)
        handler(self, cur)

    # ------------------------------------------------------------------ definitions
    def definition_name(self, cur: Cursor, keyword: str) -> tuple[str, Token]:
        tok = cur.tok
        if tok.kind != "name":
            raise cur.fail("arm.lang.name.expected", found=tok.text) if tok.kind != "end" else cur.fail(
                "arm.lang.name.missing", keyword=keyword)
        cur.take()
        if tok.value in KEYWORDS:
            raise cur.fail("arm.lang.name.keyword", tok, name=tok.text)
        known = self.names.get(tok.text)
        if known is not None and known.kind != "taught":
            raise cur.fail("arm.lang.point.duplicate", tok, name=tok.text, first_line=known.line)
        if len(self.stack) > 1:
            self.names.setdefault(tok.text, _Known("broken", self.line))  # reported here, not again at each use
            raise cur.fail("arm.lang.point.in_block", cur.tokens[0], keyword=keyword)
        return tok.text, tok

    def point(self, cur: Cursor) -> None:
        cur.take()
        name, _ = self.definition_name(cur, "POINT")
        self.names[name] = _Known("broken", self.line)  # its uses are not reported again if this line fails
        cur.expect_op("=")
        values, opening = self.numbers(cur, "(", ")", MAX_COORD)
        if len(values) not in (3, 6):
            raise cur.fail("arm.lang.point.count", opening, count=len(values))
        conf = None
        if cur.is_word("CONF"):
            cur.take()
            text = cur.tok
            if text.kind != "string":
                raise cur.fail("arm.lang.conf.expected")
            cur.take()
            try:
                parse_fanuc(text.value)
            except ConfigurationError:
                raise cur.fail("arm.lang.conf.syntax", text, text=text.value) from None
            conf = text.value.strip()
        cur.expect_end()
        full = tuple(values) if len(values) == 6 else (*values, *DOWN)
        self.names[name] = _Known("pose", self.line)
        self.point_lines[name] = self.line
        self.body.append(a.PointDef(self.line, name, full, conf))  # type: ignore[arg-type]

    def joints(self, cur: Cursor) -> None:
        cur.take()
        name, _ = self.definition_name(cur, "JOINTS")
        self.names[name] = _Known("broken", self.line)
        cur.expect_op("=")
        values, opening = self.numbers(cur, "[", "]", MAX_ANGLE)
        if len(values) != 6:
            raise cur.fail("arm.lang.joints.count", opening, count=len(values))
        cur.expect_end()
        self.names[name] = _Known("joints", self.line)
        self.point_lines[name] = self.line
        self.body.append(a.JointsDef(self.line, name, tuple(values)))  # type: ignore[arg-type]

    def numbers(self, cur: Cursor, open_: str, close: str, limit: float) -> tuple[list[float], Token]:
        """``(n, n, …)`` / ``[n, …]`` of literal numbers (at most 12 read)."""
        opening = cur.expect_op(open_)
        values: list[float] = []
        while True:
            value, _ = cur.number(limit=limit)
            values.append(value)
            if cur.is_op(",") and len(values) < 12:
                cur.take()
                continue
            cur.expect_op(close)
            return values, opening

    # ------------------------------------------------------------------ moves
    def move(self, cur: Cursor) -> None:
        keyword = cur.take()
        kind = keyword.value[-1]  # J | L | C
        if cur.at_end():
            raise cur.fail("arm.lang.move.target_missing", keyword=keyword.value)
        via = self.target(cur, 0) if kind == "C" else None
        if kind == "C" and not self.starts_target(cur.tok):
            raise cur.fail("arm.lang.move.circle_end_missing")
        target = self.target(cur, 0)
        speed = self.speed(cur, keyword.value)
        zone = self.zone(cur)
        cur.expect_end()
        self.body.append(a.Move(self.line, kind, target, speed, zone, via))

    def starts_target(self, tok: Token) -> bool:
        if tok.kind == "op":
            return tok.value == "("
        return tok.kind == "name" and tok.value not in KEYWORDS and (
            tok.text in self.names or not _VSPEED.match(tok.value))

    def target(self, cur: Cursor, depth: int) -> a.Target:
        tok = cur.tok
        if tok.kind == "name" and tok.value in ("OFFS", "RELTOOL"):
            if depth >= MAX_TARGET_DEPTH:
                raise cur.fail("arm.lang.target.too_deep", max=MAX_TARGET_DEPTH)
            cur.take()
            cur.expect_op("(")
            base_tok = cur.tok
            base = self.target(cur, depth + 1)
            if isinstance(base, a.Named) and self.names.get(base.name, _Known("")).kind == "joints":
                raise cur.fail("arm.lang.offset.joint_target", base_tok, name=base.name, function=tok.value)
            args: list[a.Expr] = []
            most = 3 if tok.value == "OFFS" else 6
            while cur.is_op(",") and len(args) < most:
                cur.take()
                args.append(read_number(cur))
            if len(args) not in ((3,) if tok.value == "OFFS" else (3, 6)) or not cur.is_op(")"):
                raise cur.fail(f"arm.lang.{tok.value.lower()}.args", tok)
            cur.take()
            return a.Offset(tok.value, base, tuple(args), tok.column)
        if tok.kind == "op" and tok.value == "(":
            values, _ = self.numbers(cur, "(", ")", MAX_COORD)
            if len(values) not in (3, 6):
                raise cur.fail("arm.lang.point.count", tok, count=len(values))
            full = tuple(values) if len(values) == 6 else (*values, *DOWN)
            return a.Literal(full, tok.column)
        if tok.kind != "name" or tok.value in KEYWORDS:
            raise cur.fail("arm.lang.move.target_expected", found=tok.text)
        cur.take()
        if tok.text not in self.names:
            if tok.text in self.later:
                raise cur.fail("arm.lang.point.later", tok, name=tok.text, line=self.later[tok.text])
            alike = sorted(n for n in self.names if n.lower() == tok.text.lower())
            if alike:  # names are case-sensitive, keywords are not: say so
                raise cur.fail("arm.lang.point.case", tok, name=tok.text, known=alike[0])
            if self.check_names:
                raise cur.fail("arm.lang.point.unknown", tok, name=tok.text)
        return a.Named(tok.text, tok.column)

    def speed(self, cur: Cursor, keyword: str) -> float:
        tok = cur.tok
        joint = keyword == "MOVEJ"
        if tok.kind == "end":
            raise cur.fail("arm.lang.move.speed_missing", keyword=keyword)
        vmatch = _VSPEED.match(tok.value) if tok.kind == "name" else None
        if vmatch:
            if joint:
                raise cur.fail("arm.lang.move.speed_percent", tok)
            cur.take()
            return self.tcp_speed(cur, float(vmatch.group(1)), tok)
        if tok.kind != "number":
            raise cur.fail("arm.lang.move.speed_expected", found=tok.text)
        value, _ = cur.number(signed=False)
        if cur.is_op("%"):
            cur.take()
            if not joint:
                raise cur.fail("arm.lang.move.speed_mm_s", tok, keyword=keyword)
            if not 1 <= value <= 100:  # 1 %: as on a pendant, and a floor on how long one move may take
                raise cur.fail("arm.lang.move.percent_range", tok, value=_plain(value))
            return value / 100.0
        if cur.is_word("MM") and cur.peek().kind == "op" and cur.peek().value == "/" \
                and cur.peek(2).kind == "name" and cur.peek(2).value == "S":
            cur.take(), cur.take(), cur.take()
            if joint:
                raise cur.fail("arm.lang.move.speed_percent", tok)
            return self.tcp_speed(cur, value, tok)
        raise cur.fail("arm.lang.move.speed_percent" if joint else "arm.lang.move.speed_mm_s", tok, keyword=keyword)

    def tcp_speed(self, cur: Cursor, value: float, tok: Token) -> float:
        if not MIN_TCP_SPEED <= value <= MAX_TCP_SPEED:
            raise cur.fail("arm.lang.move.mm_s_range", tok, value=_plain(value), min=int(MIN_TCP_SPEED),
                           max=int(MAX_TCP_SPEED))
        return value

    def zone(self, cur: Cursor) -> float:
        tok = cur.tok
        if tok.kind == "end":
            return 0.0
        if tok.kind == "name" and tok.value == "FINE":
            cur.take()
            return 0.0
        m = _ZONE.match(tok.value) if tok.kind == "name" else None
        if tok.kind == "name" and tok.value == "Z" and cur.peek().kind == "number":
            cur.take()
            value, _ = cur.number(signed=False)
        elif m:
            cur.take()
            value = float(m.group(1))
        else:
            raise cur.fail("arm.lang.move.zone", found=tok.text)
        if value > MAX_ZONE:
            raise cur.fail("arm.lang.move.zone_range", tok, max=MAX_ZONE)
        return value

    # ------------------------------------------------------------------ frames, registers
    def select(self, cur: Cursor) -> None:
        keyword = cur.take()
        tok = cur.tok
        if tok.kind != "name":
            raise cur.fail("arm.lang.name.missing" if tok.kind == "end" else "arm.lang.name.expected",
                           keyword=keyword.value, found=tok.text)
        cur.take()
        cur.expect_end()
        if keyword.value == "UFRAME" and tok.value == "WORLD":
            self.body.append(a.SelectFrame(self.line, None))
            return
        known = self.tools if keyword.value == "TOOL" else self.frames
        if known is not None and tok.text not in known:
            code = "arm.lang.tool.unknown" if keyword.value == "TOOL" else "arm.lang.uframe.unknown"
            raise cur.fail(code, tok, name=tok.text, known=", ".join(known) or "-")
        self.body.append(a.SelectTool(self.line, tok.text) if keyword.value == "TOOL"
                         else a.SelectFrame(self.line, tok.text))

    def assign(self, cur: Cursor) -> a.Assign:
        n, _ = cur.indexed("R")
        if cur.is_op("=="):
            raise cur.fail("arm.lang.assign.double_equals")
        cur.expect_op("=")
        value = read_number(cur)
        cur.expect_end()
        return a.Assign(self.line, n, value)

    # ------------------------------------------------------------------ blocks
    def open_block(self, cur: Cursor) -> None:
        """Open first (so that its END matches even if the rest of the line is wrong), then read the header."""
        keyword = cur.take()
        block = _Block(keyword.value, self.line, keyword.column)
        self.stack.append(block)
        if len(self.stack) - 1 > MAX_DEPTH:
            raise cur.fail("arm.lang.block.too_deep", keyword, max=MAX_DEPTH)
        if block.kind == "LOOP":
            block.count, _ = cur.whole("arm.lang.loop.count", 1, MAX_LOOP)
        else:
            if cur.at_end():
                raise cur.fail("arm.lang.expr.condition_missing", keyword=block.kind)
            block.condition = read_condition(cur)
            word = "THEN" if block.kind == "IF" else "DO"
            if cur.is_word(word):  # optional, as the trainee may know it from another controller
                cur.take()
        cur.expect_end()

    def else_(self, cur: Cursor) -> None:
        keyword = cur.take()
        block = self.stack[-1]
        if block.kind != "IF":
            raise cur.fail("arm.lang.block.else_without_if", keyword)
        if block.orelse is not None:
            raise cur.fail("arm.lang.block.duplicate_else", keyword, first_line=block.else_line or 0)
        block.orelse, block.else_line = [], self.line
        cur.expect_end()

    def close_block(self, cur: Cursor) -> None:
        keyword = cur.take()
        opener = _OPENER[keyword.value]
        top = self.stack[-1]
        if top.kind != opener:
            match = next((i for i in range(len(self.stack) - 1, 0, -1) if self.stack[i].kind == opener), None)
            if top.kind == "ROOT":
                raise cur.fail("arm.lang.block.unmatched", keyword, keyword=keyword.value, opener=opener)
            if match is None:  # a stray END inside another block: leave that block open
                raise cur.fail("arm.lang.block.mismatched", keyword, keyword=keyword.value, opener=top.kind,
                               open_line=top.line)
            del self.stack[match + 1:]  # the blocks in between were never closed: this END closes the outer one
            self.finish(self.stack.pop())
            raise cur.fail("arm.lang.block.mismatched", keyword, keyword=keyword.value, opener=top.kind,
                           open_line=top.line)
        self.finish(self.stack.pop())
        cur.expect_end()

    def finish(self, block: _Block) -> None:
        if block.kind == "IF" and block.condition is not None:
            stmt: a.Statement = a.If(block.line, block.condition, tuple(block.body), tuple(block.orelse or ()),
                                     block.else_line)
        elif block.kind == "WHILE" and block.condition is not None:
            stmt = a.While(block.line, block.condition, tuple(block.body), self.line)
        elif block.kind == "LOOP":
            stmt = a.Loop(block.line, block.count, tuple(block.body), self.line)
        else:
            return  # its header had an error (reported): no statement
        self.body.append(stmt)

    # ------------------------------------------------------------------ I/O, waits, gripper
    def set_output(self, cur: Cursor) -> None:
        cur.take()
        if not cur.is_word("DO"):
            raise cur.fail("arm.lang.set.syntax")
        n, _ = cur.indexed("DO")
        if cur.is_op("="):
            cur.take()
        if not cur.is_word("ON", "OFF"):
            raise cur.fail("arm.lang.set.syntax")
        on = cur.take().value == "ON"
        cur.expect_end()
        self.body.append(a.SetOutput(self.line, n, on))

    def wait(self, cur: Cursor) -> None:
        cur.take()
        if cur.is_word("DI"):
            n, _ = cur.indexed("DI")
            on = True
            if cur.is_op("="):
                cur.take()
            if cur.is_word("ON", "OFF"):
                on = cur.take().value == "ON"
            timeout = None
            if cur.is_word("TIMEOUT"):
                cur.take()
                timeout = self.seconds(cur)
            cur.expect_end()
            self.body.append(a.WaitInput(self.line, n, on, timeout))
        elif cur.tok.kind == "number":
            seconds = self.seconds(cur)
            cur.expect_end()
            self.body.append(a.WaitTime(self.line, seconds))
        else:
            raise cur.fail("arm.lang.wait.syntax")

    def seconds(self, cur: Cursor) -> float:
        tok = cur.tok
        value, _ = cur.number(signed=True)
        if not 0 <= value <= MAX_WAIT:
            raise cur.fail("arm.lang.wait.range", tok, max=int(MAX_WAIT), value=_plain(value))
        if cur.is_word("S"):
            cur.take()
        return value

    def grip(self, cur: Cursor) -> None:
        keyword = cur.take()
        if not cur.at_end():
            raise cur.fail("arm.lang.instruction.no_arguments", keyword=keyword.value)
        self.body.append(a.Grip(self.line, keyword.value == "GRIP"))


def _plain(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


_HANDLERS = {
    "POINT": _Parser.point, "JOINTS": _Parser.joints, "MOVEJ": _Parser.move, "MOVEL": _Parser.move,
    "MOVEC": _Parser.move, "TOOL": _Parser.select, "UFRAME": _Parser.select, "IF": _Parser.open_block,
    "WHILE": _Parser.open_block, "LOOP": _Parser.open_block, "ELSE": _Parser.else_,
    "ENDIF": _Parser.close_block, "ENDWHILE": _Parser.close_block, "ENDLOOP": _Parser.close_block,
    "SET": _Parser.set_output, "WAIT": _Parser.wait, "GRIP": _Parser.grip, "RELEASE": _Parser.grip,
}


def read_arm_program(text: object, *, points: Collection[str] | None = None, tools: Collection[str] | None = None,
                     frames: Collection[str] | None = None) -> tuple[a.ArmProgram | None, tuple[Diagnostic, ...]]:
    """The program (None if there is any error) and every error found, sorted by position.

    ``points``: the names taught on the pendant (usable without a POINT line): any other name that no POINT or
    JOINTS line defines is an error now. ``None`` (the default) when they are not known yet, e.g. a scenario
    checked before its pendant session is replayed: such names are then reported when the program runs
    (``arm.run.point_unknown``); a name defined only further down is an error either way.
    ``tools``/``frames``: when given, TOOL/UFRAME names are checked now rather than when the program runs.
    """
    if not isinstance(text, str):
        return None, (Diagnostic("arm.lang.program.not_text", 1),)
    if len(text) > MAX_LINES * (MAX_LINE_LENGTH + 2):
        return None, (Diagnostic("arm.lang.program.too_long", None, None, {"max": MAX_LINES}),)
    lines = [line.rstrip("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) > MAX_LINES:
        return None, (Diagnostic("arm.lang.program.too_long", MAX_LINES + 1, None, {"max": MAX_LINES}),)
    later: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        if m := _DEFINITION.match(line):
            later.setdefault(m.group(2), number)
    parser = _Parser(points, tools, frames, later)
    program = parser.parse(lines)
    if not program.body and not parser.errors:
        return None, (Diagnostic("arm.lang.program.empty", max(len(lines), 1)),)
    errors = sort_diagnostics(parser.errors)
    return (None if errors else program), errors


def parse_arm_program(text: str, *, points: Collection[str] | None = None, tools: Collection[str] | None = None,
                      frames: Collection[str] | None = None) -> a.ArmProgram:
    """Parse a program; raises ``ProgramError`` carrying every error (``str(d)`` is ``line N, col M: …``)."""
    program, errors = read_arm_program(text, points=points, tools=tools, frames=frames)
    if errors or program is None:
        raise ProgramError(errors)
    return program

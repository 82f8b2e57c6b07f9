"""Expressions: register arithmetic and conditions, read from a line's tokens, and their evaluation.

Grammar (loosest first)::

    or      := and ("OR" and)*
    and     := not ("AND" not)*
    not     := "NOT" not | compare
    compare := sum [("<" | "<=" | ">" | ">=" | "==" | "<>") sum]
    sum     := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | primary
    primary := number | R[n] | DI[n] | DO[n] | ON | OFF | "(" or ")"

Two types, checked while reading: numbers (numbers, registers, arithmetic) and conditions (comparisons,
DI[n]/DO[n], ON/OFF, AND/OR/NOT; conditions compare with == and <> only). ``=`` in a condition is refused
with a hint to write ``==``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from simulators.robot.arm.lang.ast import Binary, Expr, IoRead, Num, Reg, Unary
from simulators.robot.arm.lang.lexer import Token

MAX_REGISTER = 100
MAX_CHANNEL = 32
MAX_EXPR_DEPTH = 32
MAX_LITERAL = 1e9  # larger literals are typing mistakes, and keep register arithmetic far from overflow
COMPARISONS = ("<", "<=", ">", ">=", "==", "<>")


class StatementError(Exception):
    """Stops reading one statement: the parser records it and goes on with the next line."""

    def __init__(self, code: str, column: int, **args: str | int | float) -> None:
        super().__init__(code)
        self.code = code
        self.column = column
        self.args_ = args


class Cursor:
    """Reading position in one line's tokens."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def take(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "end":
            self.i += 1
        return tok

    def at_end(self) -> bool:
        return self.tok.kind == "end"

    def is_op(self, *values: str) -> bool:
        return self.tok.kind == "op" and self.tok.value in values

    def is_word(self, *words: str) -> bool:
        return self.tok.kind == "name" and self.tok.value in words

    def fail(self, code: str, tok: Token | None = None, **args: str | int | float) -> StatementError:
        return StatementError(code, (tok or self.tok).column, **args)

    def expect_op(self, symbol: str) -> Token:
        """Take ``symbol`` or stop with 'expected …' (or 'missing …' at the end of the line)."""
        if self.is_op(symbol):
            return self.take()
        if self.at_end():
            raise self.fail("arm.lang.syntax.missing", symbol=symbol)
        raise self.fail("arm.lang.syntax.expected_symbol", symbol=symbol, found=self.tok.text)

    def expect_end(self) -> None:
        if not self.at_end():
            raise self.fail("arm.lang.syntax.extra", token=self.tok.text)

    def number(self, *, signed: bool = True, limit: float = MAX_LITERAL) -> tuple[float, Token]:
        """A literal number (with an optional sign), finite and within ``limit``."""
        first = self.tok
        sign = 1.0
        if signed and self.is_op("-", "+"):
            sign = -1.0 if self.take().value == "-" else 1.0
        tok = self.tok
        if tok.kind != "number":
            if tok.kind == "end":
                raise self.fail("arm.lang.number.expected_end", first)
            raise self.fail("arm.lang.number.expected", tok, found=tok.text)
        self.take()
        value = float(tok.value)
        if not math.isfinite(value) or value > limit:
            raise self.fail("arm.lang.number.too_large", first, max=_plain(limit))
        return sign * value, first

    def whole(self, code: str, low: int, high: int, **args: str | int | float) -> tuple[int, Token]:
        """A whole number literal in [low, high]; ``code`` (with low/high) otherwise."""
        tok = self.tok
        if tok.kind != "number" or "." in tok.value:
            if tok.kind == "end":
                raise self.fail("arm.lang.number.expected_end", tok)
            raise self.fail(code, tok, min=low, max=high, found=tok.text, **args)
        self.take()
        value = int(tok.value) if len(tok.value) <= 12 else high + 1
        if not low <= value <= high:
            raise self.fail(code, tok, min=low, max=high, found=tok.text, **args)
        return value, tok

    def indexed(self, kind: str) -> tuple[int, Token]:
        """``R[n]``, ``DI[n]`` or ``DO[n]`` with the name already current; returns the index."""
        name = self.take()
        if not self.is_op("["):
            raise self.fail("arm.lang.index.syntax", kind=kind)
        self.take()
        if kind == "R":
            n, _ = self.whole("arm.lang.register.range", 1, MAX_REGISTER)
        else:
            n, _ = self.whole("arm.lang.io.range", 1, MAX_CHANNEL, kind=kind)
        self.expect_op("]")
        return n, name


def _plain(v: float) -> int | float:
    return int(v) if float(v).is_integer() else v


# --- reading --------------------------------------------------------------------------------------

NUM, BOOL = "number", "condition"


def read_number(cur: Cursor) -> Expr:
    expr, kind, tok = _or(cur)
    if kind != NUM:
        raise cur.fail("arm.lang.expr.not_number", tok)
    return expr


def read_condition(cur: Cursor) -> Expr:
    expr, kind, tok = _or(cur)
    if cur.is_op("="):
        raise cur.fail("arm.lang.expr.single_equals")
    if kind != BOOL:
        raise cur.fail("arm.lang.expr.not_condition", tok)
    return expr


def _logic(cur: Cursor, word: str, inner: Callable[[Cursor], tuple[Expr, str, Token]]) -> tuple[Expr, str, Token]:
    left, kind, first = inner(cur)
    while cur.is_word(word):
        op = cur.take()
        if kind != BOOL:
            raise cur.fail("arm.lang.expr.not_condition", first)
        right, rkind, rtok = inner(cur)
        if rkind != BOOL:
            raise cur.fail("arm.lang.expr.not_condition", rtok)
        left = Binary(word, left, right, op.column)
    return left, kind, first


def _or(cur: Cursor) -> tuple[Expr, str, Token]:
    return _logic(cur, "OR", _and)


def _and(cur: Cursor) -> tuple[Expr, str, Token]:
    return _logic(cur, "AND", _not)


def _deeper(cur: Cursor, tok: Token) -> None:
    cur.depth += 1
    if cur.depth > MAX_EXPR_DEPTH:
        raise cur.fail("arm.lang.expr.too_deep", tok, max=MAX_EXPR_DEPTH)


def _not(cur: Cursor) -> tuple[Expr, str, Token]:
    if cur.is_word("NOT"):
        tok = cur.take()
        _deeper(cur, tok)
        operand, kind, otok = _not(cur)
        cur.depth -= 1
        if kind != BOOL:
            raise cur.fail("arm.lang.expr.not_condition", otok)
        return Unary("NOT", operand, tok.column), BOOL, tok
    return _compare(cur)


def _compare(cur: Cursor) -> tuple[Expr, str, Token]:
    left, kind, first = _arith(cur, ("+", "-"), _term)
    if cur.is_op(*COMPARISONS):
        op = cur.take()
        right, rkind, rtok = _arith(cur, ("+", "-"), _term)
        if kind != rkind:
            raise cur.fail("arm.lang.expr.not_number", first if kind != NUM else rtok)
        if kind == BOOL and op.value not in ("==", "<>"):
            raise cur.fail("arm.lang.expr.not_number", first)
        if cur.is_op(*COMPARISONS):
            raise cur.fail("arm.lang.expr.chained_comparison")
        return Binary(op.value, left, right, op.column), BOOL, first
    return left, kind, first


def _arith(cur: Cursor, symbols: tuple[str, ...], inner: Callable[[Cursor], tuple[Expr, str, Token]]
           ) -> tuple[Expr, str, Token]:
    left, kind, first = inner(cur)
    while cur.is_op(*symbols):
        op = cur.take()
        if kind != NUM:
            raise cur.fail("arm.lang.expr.not_number", first)
        right, rkind, rtok = inner(cur)
        if rkind != NUM:
            raise cur.fail("arm.lang.expr.not_number", rtok)
        left = Binary(op.value, left, right, op.column)
    return left, kind, first


def _term(cur: Cursor) -> tuple[Expr, str, Token]:
    return _arith(cur, ("*", "/"), _unary)


def _unary(cur: Cursor) -> tuple[Expr, str, Token]:
    if cur.is_op("-", "+"):
        tok = cur.take()
        _deeper(cur, tok)
        operand, kind, otok = _unary(cur)
        cur.depth -= 1
        if kind != NUM:
            raise cur.fail("arm.lang.expr.not_number", otok)
        if isinstance(operand, Num):  # fold a signed literal
            return Num(-operand.value if tok.value == "-" else operand.value, tok.column), NUM, tok
        return Unary(tok.value, operand, tok.column), NUM, tok
    return _primary(cur)


def _primary(cur: Cursor) -> tuple[Expr, str, Token]:
    tok = cur.tok
    if tok.kind == "number":
        value, _ = cur.number(signed=False)
        return Num(value, tok.column), NUM, tok
    if tok.kind == "name" and tok.value == "R" and cur.peek().kind == "op" and cur.peek().value == "[":
        n, _ = cur.indexed("R")
        return Reg(n, tok.column), NUM, tok
    if tok.kind == "name" and tok.value in ("ON", "OFF"):  # DI[1] == OFF
        cur.take()
        return Num(1.0 if tok.value == "ON" else 0.0, tok.column), BOOL, tok
    if tok.kind == "name" and tok.value in ("DI", "DO"):
        n, _ = cur.indexed(tok.value)
        return IoRead(tok.value, n, tok.column), BOOL, tok
    if cur.is_op("("):
        cur.take()
        _deeper(cur, tok)
        inner, kind, _ = _or(cur)
        cur.depth -= 1
        if not cur.is_op(")"):
            if cur.at_end():
                raise cur.fail("arm.lang.expr.unclosed", open_column=tok.column)
            raise cur.fail("arm.lang.syntax.expected_symbol", symbol=")", found=cur.tok.text)
        cur.take()
        return inner, kind, tok
    if tok.kind == "end":
        raise cur.fail("arm.lang.expr.incomplete")
    raise cur.fail("arm.lang.expr.expected", found=tok.text)


# --- evaluation -----------------------------------------------------------------------------------


class EvalError(Exception):
    """A runtime problem in an expression (division by zero, a register overflowing)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def evaluate(expr: Expr, registers: dict[int, float], io: Callable[[str, int], bool]) -> float:
    """A number (conditions give 1.0 / 0.0). Raises EvalError for division by zero or a non-finite result."""
    if isinstance(expr, Num):
        return expr.value
    if isinstance(expr, Reg):
        return registers.get(expr.index, 0.0)
    if isinstance(expr, IoRead):
        return 1.0 if io(expr.kind, expr.channel) else 0.0
    if isinstance(expr, Unary):
        v = evaluate(expr.operand, registers, io)
        return (0.0 if v else 1.0) if expr.op == "NOT" else (-v if expr.op == "-" else v)
    op = expr.op
    left = evaluate(expr.left, registers, io)
    if op == "AND":
        return 1.0 if left and evaluate(expr.right, registers, io) else 0.0
    if op == "OR":
        return 1.0 if left or evaluate(expr.right, registers, io) else 0.0
    right = evaluate(expr.right, registers, io)
    if op == "/":
        if right == 0:
            raise EvalError("arm.run.division_by_zero")
        value = left / right
    elif op in _ARITH:
        value = _ARITH[op](left, right)
    else:
        return 1.0 if _COMPARE[op](left, right) else 0.0
    if not math.isfinite(value):
        raise EvalError("arm.run.number_overflow")
    return value


_ARITH: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b}
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b, "<>": lambda a, b: a != b}

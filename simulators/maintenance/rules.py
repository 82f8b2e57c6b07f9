"""The trainee's alarm rule: a small, safe expression language over the sensor readings.

Examples::

    vibration > 4.5
    ewma(vibration, 0.2) > 4.0 and temperature > 60
    slope(vibration, 24) > 0.02 or zone(vibration) >= 4

Names: ``vibration`` (mm/s RMS), ``temperature`` (°C), ``current`` (A).
Functions: ``ewma(x, alpha)``, ``mean(x, n)``, ``max(x, n)``, ``min(x, n)`` over the last n
readings, ``delta(x, n)`` (change over n readings), ``slope(x, n)`` (least-squares
trend per hour over n readings), ``zone(x)`` (ISO vibration zone 1=A … 4=D), ``abs(x)``.
Operators: ``+ - * /``, comparisons (chains allowed), ``and or not``, parentheses.
The rule is parsed with Python's ``ast`` and only these nodes are accepted.
"""

from __future__ import annotations

import ast
import math
from collections import deque
from collections.abc import Callable

from simulators.maintenance.scenario import SIGNALS

Signals = dict[str, float]
Expr = Callable[[Signals], float]

WINDOW_FUNCS = ("mean", "max", "min", "delta", "slope")


class RuleError(ValueError):
    """``col N: message`` (1-based column in the rule text)."""

    def __init__(self, col: int, message: str) -> None:
        self.col = col
        self.message = message
        super().__init__(f"col {col}: {message}")


class _Stateful:
    """A function with memory (ewma, windows); updated once per reading, before evaluation."""

    def __init__(self, name: str, arg: Expr, param: float, dt_h: float) -> None:
        self.name = name
        self.arg = arg
        self.param = param
        self.dt_h = dt_h
        self.value = 0.0
        self.started = False
        self.window: deque[float] = deque(maxlen=int(param) if name in WINDOW_FUNCS else 1)

    def update(self, signals: Signals) -> None:
        x = self.arg(signals)
        if self.name == "ewma":
            self.value = x if not self.started else self.param * x + (1 - self.param) * self.value
            self.started = True
            return
        w = self.window
        w.append(x)
        if self.name == "mean":
            self.value = sum(w) / len(w)
        elif self.name == "max":
            self.value = max(w)
        elif self.name == "min":
            self.value = min(w)
        elif self.name == "delta":
            self.value = w[-1] - w[0]
        else:  # slope per hour by least squares
            n = len(w)
            if n < 2:
                self.value = 0.0
                return
            mx = (n - 1) / 2
            my = sum(w) / n
            sxx = sum((i - mx) ** 2 for i in range(n))
            sxy = sum((i - mx) * (y - my) for i, y in enumerate(w))
            self.value = sxy / sxx / self.dt_h

    def __call__(self, _signals: Signals) -> float:
        return self.value


class Rule:
    """One evaluation state of a compiled rule (one per machine)."""

    def __init__(self, root: Expr, stateful: list[_Stateful]) -> None:
        self._root = root
        self._stateful = stateful

    def __call__(self, signals: Signals) -> bool:
        for s in self._stateful:
            s.update(signals)
        return bool(self._root(signals))


_CMP = {
    ast.Gt: lambda a, b: a > b, ast.GtE: lambda a, b: a >= b,
    ast.Lt: lambda a, b: a < b, ast.LtE: lambda a, b: a <= b,
}
_BIN = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b if b else math.inf,
}


class _Compiler:
    def __init__(self, dt_h: float, zone: Callable[[float], int]) -> None:
        self.dt_h = dt_h
        self.zone = zone
        self.stateful: list[_Stateful] = []

    def err(self, node: ast.AST, message: str) -> RuleError:
        return RuleError(getattr(node, "col_offset", 0) + 1, message)

    def number(self, node: ast.AST, what: str) -> float:
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -self.number(node.operand, what)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            return float(node.value)
        raise self.err(node, f"{what} must be a number")

    def build(self, node: ast.AST) -> Expr:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.err(node, f"unexpected value {node.value!r}: only numbers are allowed")
            value = float(node.value)
            return lambda s: value
        if isinstance(node, ast.Name):
            if node.id not in SIGNALS:
                raise self.err(node, f"unknown name '{node.id}' (signals: {', '.join(SIGNALS)})")
            key = node.id
            return lambda s: s[key]
        if isinstance(node, ast.BoolOp):
            parts = [self.build(v) for v in node.values]
            if isinstance(node.op, ast.And):
                return lambda s: float(all(p(s) for p in parts))
            return lambda s: float(any(p(s) for p in parts))
        if isinstance(node, ast.UnaryOp):
            inner = self.build(node.operand)
            if isinstance(node.op, ast.Not):
                return lambda s: float(not inner(s))
            if isinstance(node.op, ast.USub):
                return lambda s: -inner(s)
            if isinstance(node.op, ast.UAdd):
                return inner
        if isinstance(node, ast.BinOp) and type(node.op) in _BIN:
            f, a, b = _BIN[type(node.op)], self.build(node.left), self.build(node.right)
            return lambda s: f(a(s), b(s))
        if isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _CMP:
                    raise self.err(node, "only <, <=, > and >= comparisons are allowed")
            terms = [self.build(node.left), *(self.build(c) for c in node.comparators)]
            ops = [_CMP[type(op)] for op in node.ops]

            def compare(s: Signals) -> float:
                values = [t(s) for t in terms]
                return float(all(op(values[i], values[i + 1]) for i, op in enumerate(ops)))

            return compare
        if isinstance(node, ast.Call):
            return self.call(node)
        raise self.err(node, f"'{ast.unparse(node) if hasattr(ast, 'unparse') else node}' is not allowed here")

    def call(self, node: ast.Call) -> Expr:
        if not isinstance(node.func, ast.Name) or node.keywords:
            raise self.err(node, "only calls like ewma(vibration, 0.2) are allowed")
        name, args = node.func.id, node.args
        if name in ("abs", "zone"):
            if len(args) != 1:
                raise self.err(node, f"{name}() takes one argument")
            inner = self.build(args[0])
            if name == "abs":
                return lambda s: abs(inner(s))
            zone = self.zone
            return lambda s: float(zone(inner(s)))
        if name == "ewma":
            if len(args) != 2:
                raise self.err(node, "ewma(x, alpha) takes two arguments")
            alpha = self.number(args[1], "alpha")
            if not 0 < alpha <= 1:
                raise self.err(args[1], "alpha must be in (0, 1]")
            state = _Stateful("ewma", self.build(args[0]), alpha, self.dt_h)
        elif name in WINDOW_FUNCS:
            if len(args) != 2:
                raise self.err(node, f"{name}(x, n) takes two arguments")
            n = self.number(args[1], "n")
            if n != int(n) or not 1 <= n <= 10_000 or (name in ("delta", "slope") and n < 2):
                raise self.err(args[1], f"n must be a whole number of readings{' >= 2' if name in ('delta', 'slope') else ' >= 1'}")
            state = _Stateful(name, self.build(args[0]), n, self.dt_h)
        else:
            raise self.err(node, f"unknown function '{name}' (use ewma, mean, max, min, delta, slope, zone, abs)")
        self.stateful.append(state)
        return state


def compile_rule(text: str, dt_h: float = 1.0, zone: Callable[[float], int] | None = None) -> Callable[[], Rule]:
    """Check ``text`` and return a factory of fresh rule states. Raises RuleError."""
    source = " ".join(text.split())  # newlines are just spaces in a rule
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError as exc:
        raise RuleError(exc.offset or 1, f"syntax error: {exc.msg}") from None
    zone_fn = zone or (lambda v: 1 if v < 1.4 else 2 if v < 2.8 else 3 if v < 4.5 else 4)
    _Compiler(dt_h, zone_fn).build(tree.body)  # validate now

    def fresh() -> Rule:
        compiler = _Compiler(dt_h, zone_fn)
        root = compiler.build(tree.body)
        return Rule(root, compiler.stateful)

    return fresh

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

The rule is read by our own parser (``rule_parser``), never by Python's, and every
problem is a ``Diagnostic`` with a code from ``simulators.errors.MESSAGES``.
"""

from __future__ import annotations

import math
import operator
from collections import deque
from collections.abc import Callable

from simulators.errors import Diagnostic, RuleError, sort_diagnostics
from simulators.maintenance import rule_parser as p
from simulators.maintenance.signals import SIGNALS

__all__ = ["FUNCTIONS", "Rule", "RuleError", "check_rule", "compile_rule"]

Signals = dict[str, float]
Expr = Callable[[Signals], float]

WINDOW_FUNCS = ("mean", "max", "min", "delta", "slope")
MAX_WINDOW = 10_000
# How each function is written, for messages.
FUNCTIONS = {"ewma": "ewma(x, alpha)", "mean": "mean(x, n)", "max": "max(x, n)", "min": "min(x, n)",
             "delta": "delta(x, n)", "slope": "slope(x, n)", "zone": "zone(x)", "abs": "abs(x)"}
MAX_ERRORS = 20


class _Stateful:
    """A function with memory (ewma, windows); updated once per reading, before evaluation."""

    def __init__(self, name: str, arg: Expr, param: float, dt_h: float) -> None:
        self.name = name
        self.arg = arg
        self.param = param
        self.keep = 1 - param  # ewma: the old value's weight
        self.dt_h = dt_h
        self.value = 0.0
        self.started = False
        self.window: deque[float] = deque(maxlen=int(param) if name in WINDOW_FUNCS else 1)
        if name == "ewma":  # the rule's most common function: its own update, without the others' tests
            self.update = self._ewma

    def _ewma(self, signals: Signals) -> None:
        x = self.arg(signals)
        self.value = x if not self.started else self.param * x + self.keep * self.value
        self.started = True

    def update(self, signals: Signals) -> None:
        x = self.arg(signals)
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


class Rule:
    """One evaluation state of a compiled rule (one per machine)."""

    def __init__(self, root: Expr, stateful: list[_Stateful]) -> None:
        self._root = root
        self._stateful = stateful

    def __call__(self, signals: Signals) -> bool:
        for s in self._stateful:
            s.update(signals)
        return bool(self._root(signals))


_CMP: dict[str, Callable[[float, float], bool]] = {">": operator.gt, ">=": operator.ge, "<": operator.lt,
                                                   "<=": operator.le}
_BIN: dict[str, Callable[[float, float], float]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "/": lambda a, b: a / b if b else math.inf,
}


def _plain(value: float) -> int | float:
    return int(value) if value.is_integer() else value


class _Compiler:
    """Checks the meaning of a tree (every problem, not only the first) and builds its evaluator."""

    def __init__(self, dt_h: float, zone: Callable[[float], int]) -> None:
        self.dt_h = dt_h
        self.zone = zone
        self.stateful: list[_Stateful] = []
        self.errors: list[Diagnostic] = []

    def err(self, node: p.Node, code: str, **args: str | int | float) -> Expr:
        self.errors.append(Diagnostic(code, node.line, node.column, args))
        return _nothing

    def number(self, node: p.Node, name: str, param: str) -> float | None:
        """A literal number (``-0.5`` included), or None after reporting it."""
        if isinstance(node, p.Unary) and node.op in ("-", "+") and isinstance(node.operand, p.Number):
            return -node.operand.value if node.op == "-" else node.operand.value
        if isinstance(node, p.Number):
            return node.value
        if not isinstance(node, p.Missing):
            self.err(node, "rule.call.number_expected", name=name, param=param)
        return None

    def build(self, node: p.Node) -> Expr:
        if isinstance(node, p.Missing):
            return _nothing
        if isinstance(node, p.Number):
            value = node.value
            return lambda s: value
        if isinstance(node, p.Name):
            if node.name in SIGNALS:
                key = node.name
                return lambda s: s[key]
            if node.name in FUNCTIONS:
                return self.err(node, "rule.name.function_without_call", name=node.name, usage=FUNCTIONS[node.name])
            return self.err(node, "rule.name.unknown_signal", name=node.name, signals=", ".join(SIGNALS))
        if isinstance(node, p.Logic):
            parts = [self.build(v) for v in node.values]
            if node.op == "and":
                return lambda s: float(all(q(s) for q in parts))
            return lambda s: float(any(q(s) for q in parts))
        if isinstance(node, p.Unary):
            inner = self.build(node.operand)
            if node.op == "not":
                return lambda s: float(not inner(s))
            if node.op == "-":
                return lambda s: -inner(s)
            return inner
        if isinstance(node, p.Binary):
            f, a, b = _BIN[node.op], self.build(node.left), self.build(node.right)
            return lambda s: f(a(s), b(s))
        if isinstance(node, p.Compare):
            for op in node.ops:
                if op.value not in _CMP:
                    self.errors.append(Diagnostic("rule.compare.not_allowed", op.line, op.column, {"op": op.text}))
            terms = [self.build(t) for t in node.terms]
            ops = [_CMP.get(op.value, _CMP[">"]) for op in node.ops]
            if len(ops) == 1:  # the usual ``x > limit``: no list, no loop
                cmp, left, right = ops[0], terms[0], terms[1]
                return lambda s: float(cmp(left(s), right(s)))

            def compare(s: Signals) -> float:
                values = [t(s) for t in terms]
                return float(all(op(values[i], values[i + 1]) for i, op in enumerate(ops)))

            return compare
        assert isinstance(node, p.Call)
        return self.call(node)

    def call(self, node: p.Call) -> Expr:
        name, args = node.name, node.args
        if name not in FUNCTIONS:
            for arg in args:
                self.build(arg)  # still check what is inside
            if name in SIGNALS:
                return self.err(node, "rule.name.not_a_function", name=name)
            return self.err(node, "rule.name.unknown_function", name=name, functions=", ".join(FUNCTIONS))
        expected = 1 if name in ("abs", "zone") else 2
        if len(args) != expected or not node.complete:
            for arg in args:
                self.build(arg)
            if not node.complete:
                return _nothing  # the syntax error says what is wrong
            return self.err(node, "rule.call.arg_count", name=name, usage=FUNCTIONS[name])
        inner = self.build(args[0])
        if name == "abs":
            return lambda s: abs(inner(s))
        if name == "zone":
            zone = self.zone
            return lambda s: float(zone(inner(s)))
        if name == "ewma":
            alpha = self.number(args[1], name, "alpha")
            if alpha is None:
                return _nothing
            if not 0 < alpha <= 1:
                return self.err(args[1], "rule.call.alpha_range", value=_plain(alpha))
            param = alpha
        else:
            n = self.number(args[1], name, "n")
            if n is None:
                return _nothing
            least = 2 if name in ("delta", "slope") else 1
            if n != int(n) or not least <= n <= MAX_WINDOW:
                return self.err(args[1], "rule.call.window_size", name=name, value=_plain(n), min=least,
                                max=MAX_WINDOW)
            param = n
        state = _Stateful(name, inner, param, self.dt_h)
        self.stateful.append(state)
        return lambda s: state.value


def _nothing(_signals: Signals) -> float:
    return 0.0


def _default_zone(v: float) -> int:
    return 1 if v < 1.4 else 2 if v < 2.8 else 3 if v < 4.5 else 4


def check_rule(text: str) -> tuple[Diagnostic, ...]:
    """Every problem of ``text`` (empty when the rule can run), in the order they appear."""
    if not isinstance(text, str):
        return (Diagnostic("rule.syntax.empty", 1, 1),)
    tree, errors = p.parse(text)
    compiler = _Compiler(1.0, _default_zone)
    compiler.build(tree)
    return sort_diagnostics([*errors, *compiler.errors])[:MAX_ERRORS]


def compile_rule(text: str, dt_h: float = 1.0, zone: Callable[[float], int] | None = None) -> Callable[[], Rule]:
    """Check ``text`` and return a factory of fresh rule states. Raises RuleError with every problem."""
    problems = check_rule(text)
    if problems:
        raise RuleError(problems)
    tree, _errors = p.parse(text)
    zone_fn = zone or _default_zone

    def fresh() -> Rule:
        compiler = _Compiler(dt_h, zone_fn)
        root = compiler.build(tree)
        return Rule(root, compiler.stateful)

    return fresh

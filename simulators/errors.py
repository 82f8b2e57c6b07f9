"""Errors the simulators raise for bad input, and the diagnostics they carry.

A ``Diagnostic`` is one problem in a trainee's robot program or alarm rule: a stable
``code`` (listed in ``MESSAGES``), where it is (1-based ``line`` and ``column``) and
``args`` (plain names and numbers). The app renders it in the user's language from the
code; ``message`` is the English text for logs and the command line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

Arg = str | int | float

# Every code a simulator can emit, with its English text ({name} placeholders are ``args``).
MESSAGES: dict[str, str] = {
    # robot language: the program as a whole
    "robot.program.not_text": "the program must be text",
    "robot.program.too_long": "programs are limited to {max} lines",
    "robot.program.empty": "the program has no instructions",
    "robot.instruction.unknown": "unknown instruction '{word}'",
    "robot.instruction.no_arguments": "{keyword} takes no arguments",
    # points and coordinates
    "robot.point.syntax": "expected POINT name = (x, y, z)",
    "robot.point.keyword": "'{name}' is a keyword, not a point name",
    "robot.point.duplicate": "point '{name}' is already defined on line {first_line}",
    "robot.point.unknown": "unknown point '{name}' (define it with POINT {name} = (x, y, z))",
    "robot.coords.expected": "expected coordinates like (400, 0, 500) in mm, got '{text}'",
    "robot.coords.not_finite": "coordinates must be finite numbers",
    # moves
    "robot.move.expected_point": "expected {keyword} <point> [speed%]",
    "robot.speed.not_percent": "speed must be a percentage like 50%, got '{text}'",
    "robot.speed.range": "speed must be between 1% and 100%, got {text}",
    # waits, outputs, loops
    "robot.wait.syntax": "expected WAIT DI[n] or WAIT <seconds>",
    "robot.wait.range": "a wait must be between 0 and 3600 s, got {text}",
    "robot.set.syntax": "expected SET DO[n] ON|OFF",
    "robot.loop.syntax": "expected LOOP <count>",
    "robot.loop.count_not_whole": "LOOP needs a whole number of repetitions, got '{text}'",
    "robot.loop.count_range": "LOOP count must be between 1 and {max}",
    "robot.loop.too_deep": "loops may be nested at most {max} deep",
    "robot.loop.unmatched_end": "ENDLOOP without a matching LOOP",
    "robot.loop.unclosed": "LOOP without ENDLOOP",
    "robot.loop.empty": "empty LOOP",
    # what the cell refuses before running
    "robot.reach.too_far": "{where} is out of reach: {distance} mm from the base axis, the arm reaches {max} mm",
    "robot.reach.too_close": "{where} is too close to the base axis: {distance} mm, minimum {min} mm",
    "robot.reach.lift_range": "{where} is outside the lift range z = {z_min}…{z_max} mm",
    "robot.reach.joint_limit": "{where} needs J1 at {angle}°, beyond the ±{limit}° joint limit",
    "robot.input.not_wired": "DI[{channel}] is not wired in this cell (wired: {wired})",
    "robot.run.too_many_steps": "the program executes more than {max} instructions",
    # safety, found while running
    "robot.safety.waiting_in_zone": "robot inside the safety zone while the operator is inside",
    "robot.safety.entered_zone": "robot entered the safety zone while the operator is inside",
    "robot.path.near_base_axis": "the straight path passes {distance} mm from the base axis "
                                 "(minimum {min} mm): use MOVEJ or a via point",
    "robot.path.j1_swing": "the straight path swings J1 beyond its ±{limit}° limit: use MOVEJ",
    # alarm rules: syntax
    "rule.syntax.empty": "the rule is empty",
    "rule.syntax.unexpected_char": "'{char}' is not allowed in a rule",
    "rule.syntax.text_not_allowed": "text in quotes is not allowed: only numbers and signal names",
    "rule.syntax.bad_number": "'{text}' is not a number",
    "rule.syntax.incomplete": "incomplete rule (syntax error): a value is expected after '{after}'",
    "rule.syntax.expected_value": "a value is expected here, not '{token}'",
    "rule.syntax.unexpected_token": "'{token}' is not allowed here: an operator or the end of the rule is expected",
    "rule.syntax.unclosed_paren": "the '(' opened in column {open_column} is never closed",
    "rule.syntax.unmatched_paren": "')' without a matching '('",
    "rule.syntax.expected_comma": "expected ',' or ')' after an argument, not '{token}'",
    # alarm rules: meaning
    "rule.name.unknown_signal": "unknown name '{name}' (signals: {signals})",
    "rule.name.unknown_function": "unknown function '{name}' (use {functions})",
    "rule.name.not_a_function": "'{name}' is a signal, not a function",
    "rule.name.function_without_call": "'{name}' is a function: write it like {usage}",
    "rule.call.arg_count": "wrong number of arguments: use {usage}",
    "rule.call.number_expected": "{param} in {name}() must be a number",
    "rule.call.alpha_range": "alpha must be in (0, 1], got {value}",
    "rule.call.window_size": "n in {name}() must be a whole number of readings from {min} to {max}, got {value}",
    "rule.compare.not_allowed": "'{op}': only <, <=, > and >= comparisons are allowed",
}


@dataclass(frozen=True)
class Diagnostic:
    """One problem at ``line``/``column`` (1-based; ``None`` when it concerns the whole text)."""

    code: str
    line: int | None = None
    column: int | None = None
    args: Mapping[str, Arg] = field(default_factory=dict, hash=False)

    def __post_init__(self) -> None:
        if self.code not in MESSAGES:
            raise KeyError(f"unknown diagnostic code {self.code!r}")

    @property
    def message(self) -> str:
        """English text, without the position."""
        return MESSAGES[self.code].format(**self.args)

    def where(self) -> str:
        """``line N, col M`` (or the parts that are known)."""
        parts = []
        if self.line is not None:
            parts.append(f"line {self.line}")
        if self.column is not None:
            parts.append(f"col {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        return f"{where}: {self.message}" if where else self.message


def sort_diagnostics(diagnostics: Iterable[Diagnostic]) -> tuple[Diagnostic, ...]:
    """By position (whole-text problems last), without duplicates."""
    seen: list[Diagnostic] = []
    for d in diagnostics:
        if d not in seen:
            seen.append(d)
    big = 1 << 30
    return tuple(sorted(seen, key=lambda d: (d.line if d.line is not None else big,
                                             d.column if d.column is not None else 0)))


class ScenarioError(ValueError):
    """An invalid scenario or override; ``str(e)`` is ``"<field>: <message>"``.

    ``source`` and ``line`` tell where in a YAML/JSON file the field is, when known;
    ``diagnostics`` are the structured problems of a program or rule field, when that is the cause.
    """

    def __init__(self, field: str, message: str, *, source: str | None = None, line: int | None = None,
                 diagnostics: Iterable[Diagnostic] = ()) -> None:
        self.field = field
        self.message = message
        self.source = source
        self.line = line
        self.diagnostics = tuple(diagnostics)
        super().__init__(f"{field}: {message}")

    def located(self) -> str:
        """``file:line: field: message`` when the position is known, else ``str(self)``."""
        if self.source and self.line:
            return f"{self.source}:{self.line}: {self}"
        if self.source:
            return f"{self.source}: {self}"
        return str(self)

    def __reduce__(self) -> tuple[object, ...]:
        # keyword-only fields: the default pickling (``args`` only) breaks in a replication worker
        return (_rebuild, (type(self), self.field, self.message, self.source, self.line, self.diagnostics))


def _rebuild(cls: type[ScenarioError], field: str, message: str, source: str | None, line: int | None,
             diagnostics: tuple[Diagnostic, ...]) -> ScenarioError:
    return cls(field, message, source=source, line=line, diagnostics=diagnostics)


class WorkLimitError(ScenarioError):
    """A run stopped by the runner's work budget (``simulators.validation.MAX_EVENTS_PER_RUN``):
    the scenario was valid but would take too long, e.g. a very fast process over a long shift."""


class _DiagnosticsError(ValueError):
    """Base of the errors that carry every problem found (at least one), first one first."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = sort_diagnostics(diagnostics)
        if not self.diagnostics:
            raise ValueError("an error needs at least one diagnostic")
        first = self.diagnostics[0]
        self.line = first.line
        self.message = first.message
        super().__init__("; ".join(self._text(d) for d in self.diagnostics))

    def _text(self, d: Diagnostic) -> str:
        return str(d)


class ProgramError(_DiagnosticsError):
    """Errors in a robot program; ``str(e)`` is ``"line N: message"`` per error, joined by ``; ``."""

    def _text(self, d: Diagnostic) -> str:
        return f"line {d.line}: {d.message}" if d.line is not None else d.message


class RuleError(_DiagnosticsError):
    """Errors in an alarm rule; ``str(e)`` is ``"col N: message"`` per error (``line L, col N`` past line 1)."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        super().__init__(diagnostics)
        self.col = self.diagnostics[0].column or 1

    def _text(self, d: Diagnostic) -> str:
        where = f"col {d.column or 1}" if (d.line or 1) == 1 else f"line {d.line}, col {d.column or 1}"
        return f"{where}: {d.message}"

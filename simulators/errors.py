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
    "rule.syntax.too_deep": "the rule is nested more than {max} levels deep",
    "rule.syntax.number_too_large": "'{text}' is too large a number",
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
    # six-axis robot language (simulators/robot/arm/lang): the program as a whole
    "arm.lang.program.not_text": "the program must be text",
    "arm.lang.program.too_long": "programs are limited to {max} lines",
    "arm.lang.program.empty": "the program has no instructions",
    "arm.lang.line.too_long": "a line may have at most {max} characters",
    "arm.lang.too_many_errors": "more than {max} errors: correct these first",
    "arm.lang.char.unexpected": "'{char}' is not allowed in a program",
    "arm.lang.string.unclosed": "the text in quotes is never closed",
    "arm.lang.instruction.unknown": "unknown instruction '{word}'",
    "arm.lang.instruction.no_arguments": "{keyword} takes no arguments",
    "arm.lang.syntax.expected_symbol": "expected '{symbol}' here, not '{found}'",
    "arm.lang.syntax.missing": "'{symbol}' is missing at the end of the line",
    "arm.lang.syntax.extra": "'{token}' is not expected here: the instruction is already complete",
    "arm.lang.number.expected": "a number is expected here, not '{found}'",
    "arm.lang.number.expected_end": "a number is missing at the end of the line",
    "arm.lang.number.too_large": "numbers here may be at most {max}",
    "arm.lang.name.expected": "a name is expected here, not '{found}'",
    "arm.lang.name.missing": "{keyword} needs a name",
    "arm.lang.name.keyword": "'{name}' is a keyword and cannot be used as a name",
    # six-axis robot language: points, joints, frames
    "arm.lang.point.count": "a point has 3 numbers (x, y, z) or 6 (x, y, z, w, p, r), got {count}",
    "arm.lang.point.duplicate": "point '{name}' is already defined on line {first_line}",
    "arm.lang.point.in_block": "define points with {keyword} outside IF, WHILE and LOOP blocks",
    "arm.lang.point.later": "point '{name}' is defined later, on line {line}: define it before its first use",
    "arm.lang.point.case": "unknown point '{name}': names are case-sensitive, did you mean '{known}'?",
    "arm.lang.point.unknown": "unknown point '{name}': define it with POINT or teach it on the pendant",
    "arm.lang.conf.expected": "CONF needs a configuration in quotes, like CONF \"N U T, 0, 0, 0\"",
    "arm.lang.conf.syntax": "'{text}' is not a configuration: write it like \"N U T, 0, 0, 0\"",
    "arm.lang.joints.count": "JOINTS needs 6 joint values in degrees, got {count}",
    "arm.lang.tool.unknown": "unknown tool '{name}' (tools: {known})",
    "arm.lang.uframe.unknown": "unknown user frame '{name}' (frames: {known}, or WORLD)",
    # six-axis robot language: moves
    "arm.lang.move.target_missing": "{keyword} needs a target: a point name, OFFS(…) or RELTOOL(…)",
    "arm.lang.move.target_expected": "a target is expected here (a point name, OFFS(…) or RELTOOL(…)), "
                                     "not '{found}'",
    "arm.lang.move.circle_end_missing": "MOVEC needs a via point and an end point, like MOVEC p1 p2 100 mm/s",
    "arm.lang.move.speed_missing": "{keyword} needs a speed: a percentage for MOVEJ (50%), "
                                   "mm/s for MOVEL and MOVEC (250 mm/s)",
    "arm.lang.move.speed_expected": "a speed is expected here, not '{found}'",
    "arm.lang.move.speed_percent": "the MOVEJ speed is a percentage of the maximum joint speed, like 50%",
    "arm.lang.move.speed_mm_s": "the {keyword} speed is in mm/s, like 250 mm/s or v250",
    "arm.lang.move.percent_range": "the speed must be between 1% and 100% (got {value})",
    "arm.lang.move.mm_s_range": "the speed must be between {min} and {max} mm/s (got {value})",
    "arm.lang.move.zone": "expected FINE or a zone like Z10 here, not '{found}'",
    "arm.lang.move.zone_range": "a zone radius may be at most {max} mm",
    "arm.lang.offs.args": "write OFFS(point, dx, dy, dz)",
    "arm.lang.reltool.args": "write RELTOOL(point, dx, dy, dz) or RELTOOL(point, dx, dy, dz, rx, ry, rz)",
    "arm.lang.offset.joint_target": "{function} needs a position, but '{name}' is a JOINTS target",
    "arm.lang.target.too_deep": "OFFS and RELTOOL may be nested at most {max} deep",
    # six-axis robot language: registers, conditions, blocks, I/O
    "arm.lang.index.syntax": "write {kind}[n] with the number in square brackets",
    "arm.lang.register.range": "registers are numbered {min} to {max}, not '{found}'",
    "arm.lang.io.range": "{kind} channels are numbered {min} to {max}, not '{found}'",
    "arm.lang.assign.double_equals": "use = to set a register (== compares)",
    "arm.lang.expr.expected": "a value is expected here, not '{found}'",
    "arm.lang.expr.incomplete": "the expression ends too early: a value is missing",
    "arm.lang.expr.unclosed": "the '(' in column {open_column} is never closed",
    "arm.lang.expr.too_deep": "the expression is nested more than {max} levels deep",
    "arm.lang.expr.not_number": "a number is expected here, not a condition",
    "arm.lang.expr.not_condition": "a condition is expected here: a comparison like R[1] < 3, or DI[n]",
    "arm.lang.expr.single_equals": "use == to compare (= sets a register)",
    "arm.lang.expr.chained_comparison": "compare two values at a time: join comparisons with AND",
    "arm.lang.expr.condition_missing": "{keyword} needs a condition, like R[1] < 3 or DI[1]",
    "arm.lang.loop.count": "LOOP needs a whole number from {min} to {max}, not '{found}'",
    "arm.lang.block.too_deep": "IF, WHILE and LOOP may be nested at most {max} deep",
    "arm.lang.block.unmatched": "{keyword} without a matching {opener}",
    "arm.lang.block.mismatched": "{keyword} cannot close the {opener} opened on line {open_line}",
    "arm.lang.block.unclosed": "the {opener} on line {open_line} is never closed: add {closer}",
    "arm.lang.block.else_without_if": "ELSE without a matching IF",
    "arm.lang.block.duplicate_else": "this IF already has an ELSE, on line {first_line}",
    "arm.lang.set.syntax": "write SET DO[n] ON or SET DO[n] OFF",
    "arm.lang.wait.syntax": "write WAIT DI[n] [ON|OFF] [TIMEOUT s] or WAIT <seconds>",
    "arm.lang.wait.range": "a wait or timeout must be between 0 and {max} s (got {value})",
    # six-axis robot program, found while running (simulators/robot/arm/lang/interpreter.py)
    "arm.run.too_long": "the program runs longer than {max} s: check the loops and the waits",
    "arm.run.too_many_steps": "the program executes more than {max} instructions: check the loop conditions",
    "arm.run.division_by_zero": "division by zero",
    "arm.run.number_overflow": "a register value grew beyond the numbers the controller can hold",
    "arm.run.input_not_wired": "DI[{channel}] is not wired in this cell (wired: {wired})",
    "arm.run.wait_forever": "DI[{channel}] never turns {state}: the program would wait forever",
    "arm.run.tool_unknown": "unknown tool '{name}' (tools: {known})",
    "arm.run.uframe_unknown": "unknown user frame '{name}' (frames: {known}, or WORLD)",
    "arm.run.configuration": "the target cannot be reached in the configuration \"{conf}\"",
    "arm.run.point_unknown": "unknown point '{name}': define it with POINT or teach it on the pendant",
    "robot.wait.timeout": "DI[{channel}] did not turn {state} within {timeout} s",
    # six-axis motion planner (simulators/robot/arm/motion.py): the robot stops at the last good sample
    "motion.singularity": "the linear move stops before a singularity: pass it with MOVEJ or go around it",
    "motion.config_change": "a linear move cannot change the arm's configuration: reach this target with MOVEJ",
    "motion.circle_degenerate": "MOVEC needs a via point off the line from the start to the end point",
    "arm.reach": "out of reach: the wrist centre would be {distance_mm} mm from the shoulder",
    "arm.joint_limit": "J{joint} would be at {value_deg}°, outside its limits {lower_deg}° … {upper_deg}°",
    # the safety controller of the six-axis cell (protective stops)
    "cell.collision": "collision: {link} touches {solid}; protective stop",
    "safety.zone_violation": "{link} entered the safe zone {zone}; protective stop",
    "safety.light_curtain": "light curtain {curtain} interrupted; protective stop",
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

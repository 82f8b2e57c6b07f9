"""Simulator diagnostics in the user's language.

The simulators report a problem in a robot program or an alarm rule as a
``simulators.errors.Diagnostic``: a stable ``code``, a 1-based ``line``/``column`` and plain
``args``. Each code has one translatable template here, with the same named placeholders
as the simulator's English text. A message is rendered when it is shown, so a language
switch re-renders it; nothing stores translated text.
"""

from __future__ import annotations

from typing import Any

from app.i18n import N_, _, format_number

# code → template; placeholders are the diagnostic's args (numbers are formatted for the locale).
TEMPLATES: dict[str, str] = {
    # robot language: the program as a whole
    "robot.program.not_text": N_("The program must be text."),
    "robot.program.too_long": N_("A program may have at most {max} lines."),
    "robot.program.empty": N_("The program has no instructions."),
    "robot.instruction.unknown": N_("Unknown instruction “{word}”. Use POINT, MOVEJ, MOVEL, GRIP, RELEASE, WAIT, "
                                    "SET, LOOP or ENDLOOP."),
    "robot.instruction.no_arguments": N_("{keyword} takes no arguments."),
    # points and coordinates
    "robot.point.syntax": N_("Write a point as POINT name = (x, y, z)."),
    "robot.point.keyword": N_("“{name}” is a keyword and cannot name a point."),
    "robot.point.duplicate": N_("Point “{name}” is already defined on line {first_line}."),
    "robot.point.unknown": N_("Unknown point “{name}”: define it with POINT {name} = (x, y, z)."),
    "robot.coords.expected": N_("Expected coordinates in mm such as (400, 0, 500), not “{text}”."),
    "robot.coords.not_finite": N_("Coordinates must be finite numbers."),
    # moves
    "robot.move.expected_point": N_("Write {keyword} <point> [speed%], for example {keyword} home 50%."),
    "robot.speed.not_percent": N_("The speed must be a percentage such as 50%, not “{text}”."),
    "robot.speed.range": N_("The speed must be between 1% and 100% (got {text})."),
    # waits, outputs, loops
    "robot.wait.syntax": N_("Write WAIT DI[n] or WAIT <seconds>."),
    "robot.wait.range": N_("A wait must be between 0 and 3600 s (got {text})."),
    "robot.set.syntax": N_("Write SET DO[n] ON or SET DO[n] OFF."),
    "robot.loop.syntax": N_("Write LOOP <count>."),
    "robot.loop.count_not_whole": N_("LOOP needs a whole number of repetitions, not “{text}”."),
    "robot.loop.count_range": N_("The LOOP count must be between 1 and {max}."),
    "robot.loop.too_deep": N_("Loops may be nested at most {max} deep."),
    "robot.loop.unmatched_end": N_("ENDLOOP without a matching LOOP."),
    "robot.loop.unclosed": N_("LOOP without ENDLOOP."),
    "robot.loop.empty": N_("The loop is empty: put instructions between LOOP and ENDLOOP."),
    # what the cell refuses before running
    "robot.reach.too_far": N_("{where} is out of reach: {distance} mm from the base axis, but the arm reaches "
                              "{max} mm."),
    "robot.reach.too_close": N_("{where} is too close to the base axis: {distance} mm, minimum {min} mm."),
    "robot.reach.lift_range": N_("{where} is outside the lift range z = {z_min}…{z_max} mm."),
    "robot.reach.joint_limit": N_("{where} needs J1 at {angle}°, beyond the ±{limit}° joint limit."),
    "robot.input.not_wired": N_("DI[{channel}] is not wired in this cell (wired: {wired})."),
    "robot.run.too_many_steps": N_("The program executes more than {max} instructions: check the loop counts."),
    # safety, found while running
    "robot.safety.waiting_in_zone": N_("The robot stays inside the safety zone while the operator is inside."),
    "robot.safety.entered_zone": N_("The robot entered the safety zone while the operator was inside."),
    "robot.path.near_base_axis": N_("The straight path passes {distance} mm from the base axis (minimum {min} mm): "
                                    "use MOVEJ or a via point."),
    "robot.path.j1_swing": N_("The straight path swings J1 beyond its ±{limit}° limit: use MOVEJ."),
    # alarm rules: syntax
    "rule.syntax.empty": N_("The rule is empty: write a condition such as vibration > 4.5."),
    "rule.syntax.unexpected_char": N_("“{char}” cannot be used in a rule."),
    "rule.syntax.text_not_allowed": N_("Text in quotes cannot be used: only numbers, signal names and functions."),
    "rule.syntax.bad_number": N_("“{text}” is not a number."),
    "rule.syntax.incomplete": N_("The rule is incomplete: a value is expected after “{after}”."),
    "rule.syntax.expected_value": N_("A value is expected here, not “{token}”."),
    "rule.syntax.unexpected_token": N_("“{token}” cannot stand here: an operator (and, or, >, +, …) or the end of "
                                       "the rule is expected."),
    "rule.syntax.unclosed_paren": N_("The “(” in column {open_column} is never closed."),
    "rule.syntax.unmatched_paren": N_("“)” without a matching “(”."),
    "rule.syntax.expected_comma": N_("Expected “,” or “)” after an argument, not “{token}”."),
    # alarm rules: meaning
    "rule.name.unknown_signal": N_("Unknown signal “{name}” (signals: {signals})."),
    "rule.name.unknown_function": N_("Unknown function “{name}” (functions: {functions})."),
    "rule.name.not_a_function": N_("“{name}” is a signal, not a function."),
    "rule.name.function_without_call": N_("“{name}” is a function: write it like {usage}."),
    "rule.call.arg_count": N_("Wrong number of arguments: write {usage}."),
    "rule.call.number_expected": N_("{param} in {name}() must be a number."),
    "rule.call.alpha_range": N_("alpha must be greater than 0 and at most 1 (got {value})."),
    "rule.call.window_size": N_("n in {name}() must be a whole number of readings from {min} to {max} "
                                "(got {value})."),
    "rule.compare.not_allowed": N_("“{op}” cannot be used: compare with <, <=, > or >=."),
}

# How a position is shown in front of a message.
LINE_COLUMN = N_("Line {line}, column {column}: {message}")
LINE_ONLY = N_("Line {line}: {message}")
COLUMN_ONLY = N_("Column {column}: {message}")


def _arg(value: Any) -> str:
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return format_number(value)
    return str(value)


def message(diagnostic: Any) -> str:
    """The diagnostic's text in the current language (its English text if the code is new to us)."""
    template = TEMPLATES.get(diagnostic.code)
    if template is None:
        return str(diagnostic.message)
    return _(template).format(**{k: _arg(v) for k, v in diagnostic.args.items()})


def located(diagnostic: Any, *, with_line: bool = True) -> str:
    """``Line 3, column 7: …`` (the parts that are known); ``with_line=False`` for one-line texts."""
    text = message(diagnostic)
    line = diagnostic.line if with_line else None
    if line is not None and diagnostic.column is not None:
        return _(LINE_COLUMN).format(line=line, column=diagnostic.column, message=text)
    if line is not None:
        return _(LINE_ONLY).format(line=line, message=text)
    if diagnostic.column is not None:
        return _(COLUMN_ONLY).format(column=diagnostic.column, message=text)
    return text


def diagnostics_of(exc: BaseException | None) -> tuple[Any, ...]:
    """The simulator diagnostics behind ``exc``: its own, or those of the error it was raised from.

    ``LabConfigError`` is raised ``from None`` over the ScenarioError that carries them; the
    original stays reachable as ``__context__``.
    """
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        found = getattr(exc, "diagnostics", None)
        if found:
            return tuple(found)
        exc = exc.__cause__ or exc.__context__
    return ()


def describe(exc: BaseException, *, with_line: bool = True, separator: str = "\n") -> str:
    """An error for the user: its diagnostics in the current language, else its own text."""
    found = diagnostics_of(exc)
    if found:
        return separator.join(located(d, with_line=with_line) for d in found)
    return str(exc)

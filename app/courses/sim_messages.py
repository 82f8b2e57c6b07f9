"""Simulator diagnostics in the user's language.

The simulators report a problem in a robot program or an alarm rule as a
``simulators.errors.Diagnostic``: a stable ``code``, a 1-based ``line``/``column`` and plain
``args``. Each code has one translatable template here, with the same named placeholders
as the simulator's English text. A message is rendered when it is shown, so a language
switch re-renders it; nothing stores translated text.
"""

from __future__ import annotations

import re
from typing import Any

from app.i18n import N_, _, format_number, pgettext

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
    "rule.syntax.too_deep": N_("The rule is nested more than {max} levels deep: write it more simply."),
    "rule.syntax.number_too_large": N_("“{text}” is too large a number."),
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
    # six-axis robot language and its runs (simulators/robot/arm/lang)
    "arm.lang.program.not_text": N_("The program must be text."),
    "arm.lang.program.too_long": N_("A program may have at most {max} lines."),
    "arm.lang.program.empty": N_("The program has no instructions."),
    "arm.lang.line.too_long": N_("A line may have at most {max} characters."),
    "arm.lang.too_many_errors": N_("More than {max} errors: correct these first."),
    "arm.lang.char.unexpected": N_("“{char}” cannot be used in a program."),
    "arm.lang.string.unclosed": N_("The text in quotes is never closed."),
    "arm.lang.instruction.unknown": N_("Unknown instruction “{word}”. Use POINT, JOINTS, MOVEJ, MOVEL, MOVEC, TOOL, "
                                       "UFRAME, R[n] =, IF, WHILE, LOOP, SET, WAIT, GRIP or RELEASE."),
    "arm.lang.instruction.no_arguments": N_("{keyword} takes no arguments."),
    "arm.lang.syntax.expected_symbol": N_("“{symbol}” is expected here, not “{found}”."),
    "arm.lang.syntax.missing": N_("“{symbol}” is missing at the end of the line."),
    "arm.lang.syntax.extra": N_("“{token}” is not expected here: the instruction is already complete."),
    "arm.lang.number.expected": N_("A number is expected here, not “{found}”."),
    "arm.lang.number.expected_end": N_("A number is missing at the end of the line."),
    "arm.lang.number.too_large": N_("Numbers here may be at most {max}."),
    "arm.lang.name.expected": N_("A name is expected here, not “{found}”."),
    "arm.lang.name.missing": N_("{keyword} needs a name."),
    "arm.lang.name.keyword": N_("“{name}” is a keyword and cannot be used as a name."),
    "arm.lang.point.count": N_("A point has 3 numbers (x, y, z) or 6 (x, y, z, w, p, r), not {count}."),
    "arm.lang.point.duplicate": N_("Point “{name}” is already defined on line {first_line}."),
    "arm.lang.point.in_block": N_("Define points with {keyword} outside IF, WHILE and LOOP blocks."),
    "arm.lang.point.later": N_("Point “{name}” is defined later, on line {line}: define it before its first use."),
    "arm.lang.point.case": N_("Unknown point “{name}”: names are case-sensitive. Did you mean “{known}”?"),
    "arm.lang.point.unknown": N_("Unknown point “{name}”: define it with POINT or teach it on the teach pendant."),
    "arm.lang.conf.expected": N_("CONF needs a configuration in quotes, for example CONF \"N U T, 0, 0, 0\"."),
    "arm.lang.conf.syntax": N_("“{text}” is not a configuration: write it like \"N U T, 0, 0, 0\"."),
    "arm.lang.joints.count": N_("JOINTS needs 6 joint values in degrees, not {count}."),
    "arm.lang.tool.unknown": N_("Unknown tool “{name}” (tools: {known})."),
    "arm.lang.uframe.unknown": N_("Unknown user frame “{name}” (frames: {known}, or WORLD)."),
    "arm.lang.move.target_missing": N_("{keyword} needs a target: a point name, OFFS(…) or RELTOOL(…)."),
    "arm.lang.move.target_expected": N_("A target is expected here (a "
                                        "point name, OFFS(…) or RELTOOL(…)), not “{found}”."),
    "arm.lang.move.circle_end_missing": N_("MOVEC needs a via point and an end "
                                           "point, for example MOVEC p1 p2 100 mm/s."),
    "arm.lang.move.speed_missing": N_("{keyword} needs a speed: a percentage for MOVEJ "
                                      "(50%), mm/s for MOVEL and MOVEC (250 mm/s)."),
    "arm.lang.move.speed_expected": N_("A speed is expected here, not “{found}”."),
    "arm.lang.move.speed_percent": N_("The MOVEJ speed is a percentage of the maximum joint speed, for example 50%."),
    "arm.lang.move.speed_mm_s": N_("The {keyword} speed is in mm/s, for example 250 mm/s or v250."),
    "arm.lang.move.percent_range": N_("The speed must be between 1% and 100% (got {value})."),
    "arm.lang.move.mm_s_range": N_("The speed must be between {min} and {max} mm/s (got {value})."),
    "arm.lang.move.zone": N_("FINE or a zone such as Z10 is expected here, not “{found}”."),
    "arm.lang.move.zone_range": N_("A zone radius may be at most {max} mm."),
    "arm.lang.offs.args": N_("Write OFFS(point, dx, dy, dz)."),
    "arm.lang.reltool.args": N_("Write RELTOOL(point, dx, dy, dz) or RELTOOL(point, dx, dy, dz, rx, ry, rz)."),
    "arm.lang.offset.joint_target": N_("{function} needs a position, but “{name}” is a JOINTS target."),
    "arm.lang.target.too_deep": N_("OFFS and RELTOOL may be nested at most {max} deep."),
    "arm.lang.index.syntax": N_("Write {kind}[n] with the number in square brackets."),
    "arm.lang.register.range": N_("Registers are numbered {min} to {max}, not “{found}”."),
    "arm.lang.io.range": N_("{kind} channels are numbered {min} to {max}, not “{found}”."),
    "arm.lang.assign.double_equals": N_("Use = to set a register (== compares)."),
    "arm.lang.expr.expected": N_("A value is expected here, not “{found}”."),
    "arm.lang.expr.incomplete": N_("The expression ends too early: a value is missing."),
    "arm.lang.expr.unclosed": N_("The “(” in column {open_column} is never closed."),
    "arm.lang.expr.too_deep": N_("The expression is nested more than {max} levels deep."),
    "arm.lang.expr.not_number": N_("A number is expected here, not a condition."),
    "arm.lang.expr.not_condition": N_("A condition is expected here: a comparison such as R[1] < 3, or DI[n]."),
    "arm.lang.expr.single_equals": N_("Use == to compare (= sets a register)."),
    "arm.lang.expr.chained_comparison": N_("Compare two values at a time: join comparisons with AND."),
    "arm.lang.expr.condition_missing": N_("{keyword} needs a condition, for example R[1] < 3 or DI[1]."),
    "arm.lang.loop.count": N_("LOOP needs a whole number from {min} to {max}, not “{found}”."),
    "arm.lang.block.too_deep": N_("IF, WHILE and LOOP may be nested at most {max} deep."),
    "arm.lang.block.unmatched": N_("{keyword} without a matching {opener}."),
    "arm.lang.block.mismatched": N_("{keyword} cannot close the {opener} opened on line {open_line}."),
    "arm.lang.block.unclosed": N_("The {opener} on line {open_line} is never closed: add {closer}."),
    "arm.lang.block.else_without_if": N_("ELSE without a matching IF."),
    "arm.lang.block.duplicate_else": N_("This IF already has an ELSE, on line {first_line}."),
    "arm.lang.set.syntax": N_("Write SET DO[n] ON or SET DO[n] OFF."),
    "arm.lang.wait.syntax": N_("Write WAIT DI[n] [ON|OFF] [TIMEOUT s] or WAIT <seconds>."),
    "arm.lang.wait.range": N_("A wait or timeout must be between 0 and {max} s (got {value})."),
    "arm.run.too_long": N_("The program runs longer than {max} s: check the loops and the waits."),
    "arm.run.too_many_steps": N_("The program executes more than {max} instructions: check the loop conditions."),
    "arm.run.division_by_zero": N_("Division by zero."),
    "arm.run.number_overflow": N_("A register value grew beyond the numbers the controller can hold."),
    "arm.run.input_not_wired": N_("DI[{channel}] is not wired in this cell (wired: {wired})."),
    "arm.run.wait_forever": N_("DI[{channel}] never turns {state}: the program would wait forever."),
    "arm.run.tool_unknown": N_("Unknown tool “{name}” (tools: {known})."),
    "arm.run.uframe_unknown": N_("Unknown user frame “{name}” (frames: {known}, or WORLD)."),
    "arm.run.configuration": N_("The target cannot be reached in the configuration “{conf}”."),
    "arm.run.point_unknown": N_("Unknown point “{name}”: define it with POINT or teach it on the teach pendant."),
    "robot.wait.timeout": N_("DI[{channel}] did not turn {state} within {timeout} s."),
    "motion.singularity": N_("The linear move stops before a singularity: pass it with MOVEJ or go around it."),
    "motion.config_change": N_("A linear move cannot change the arm's configuration: reach this target with MOVEJ."),
    "motion.circle_degenerate": N_("MOVEC needs a via point off the line from the start to the end point."),
    "arm.reach": N_("Out of reach: the wrist centre would be {distance_mm} mm from the shoulder."),
    "arm.joint_limit": N_("J{joint} would be at {value_deg}°, outside its limits {lower_deg}° … {upper_deg}°."),
    # the safety controller of the six-axis cell (the same texts as the pendant's alarm list)
    "cell.collision": N_("Collision: {link} touches {solid}. Protective stop."),
    "safety.zone_violation": N_("{link} entered the safe zone {zone}. Protective stop."),
    "safety.light_curtain": N_("Light curtain {curtain} interrupted. Protective stop."),
}

# A code whose ``kind`` argument changes what the trainee should do gets one template per kind.
KIND_TEMPLATES: dict[tuple[str, str], str] = {
    ("motion.singularity", "wrist"): N_("The linear move stops before a wrist singularity (J5 near 0°): reach the "
                                        "point with MOVEJ, turn the tool a little or add a via point."),
    ("motion.singularity", "shoulder"): N_("The linear move stops before a shoulder singularity (the wrist centre "
                                           "above the J1 axis): go around it with MOVEJ or a via point."),
    ("motion.singularity", "elbow"): N_("The linear move stops before an elbow singularity (the arm stretched to "
                                        "the edge of its reach): keep the target closer or use MOVEJ."),
}

# The arm's parts as the safety controller names them ("J2 link", "tool").
_LINK = re.compile(r"^J([1-6]) link$")

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


def part_name(value: Any) -> str:
    """A link or the tool as the user's language names it (other names, e.g. a tool's, unchanged)."""
    text = str(value)
    found = _LINK.match(text)
    if found:
        return pgettext("robot part", "J{n} link").format(n=found.group(1))
    return pgettext("robot part", "tool") if text == "tool" else text


def message(diagnostic: Any) -> str:
    """The diagnostic's text in the current language (its English text if the code is new to us)."""
    args = diagnostic.args
    template = KIND_TEMPLATES.get((diagnostic.code, str(args.get("kind")))) or TEMPLATES.get(diagnostic.code)
    if template is None:
        return str(diagnostic.message)
    shown = {k: (part_name(v) if k == "link" else _arg(v)) for k, v in args.items()}
    return _(template).format(**shown)


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

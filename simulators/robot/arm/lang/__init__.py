"""The six-axis robot language (issue 23): parser and interpreter, Qt-free and app-free.

``parse_arm_program(text)`` reads a program and raises ``simulators.errors.ProgramError`` listing every error
(each a ``Diagnostic``: stable code, 1-based line and column, args). The statements are in ``ast``.
``run_arm_program(program, RunSetup(...))`` runs it into a ``ProgramRun`` (trajectory, alarms, I/O log,
executed lines with their times); see ``interpreter`` and ``runs``.
"""

from simulators.robot.arm.lang.ast import ArmProgram
from simulators.robot.arm.lang.interpreter import run_arm_program
from simulators.robot.arm.lang.parser import MAX_LINES, parse_arm_program, read_arm_program
from simulators.robot.arm.lang.runs import InputScript, ProgramRun, RunAlarm, RunSetup, TaughtPoint

__all__ = ["MAX_LINES", "ArmProgram", "InputScript", "ProgramRun", "RunAlarm", "RunSetup", "TaughtPoint",
           "parse_arm_program", "read_arm_program", "run_arm_program"]

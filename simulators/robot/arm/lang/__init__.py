"""The six-axis robot language (issue 23): parser and interpreter, Qt-free and app-free.

``parse_arm_program(text)`` reads a program and raises ``simulators.errors.ProgramError`` listing every error
(each a ``Diagnostic``: stable code, 1-based line and column, args). The statements are in ``ast``.
"""

from simulators.robot.arm.lang.ast import ArmProgram
from simulators.robot.arm.lang.parser import MAX_LINES, parse_arm_program, read_arm_program

__all__ = ["MAX_LINES", "ArmProgram", "parse_arm_program", "read_arm_program"]

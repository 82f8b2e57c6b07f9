"""Six-axis articulated arm (issue 23): models, kinematics, singularities, orientations, configurations, frames.

Qt-free and app-free like the rest of ``simulators``; lengths in mm, angles in radians except the data tables
(degrees). The three-axis cell in ``simulators.robot`` is separate and unchanged.
"""

from simulators.robot.arm.errors import ArmError, ConfigurationError, FrameError, JointLimitError, ReachError
from simulators.robot.arm.kinematics import Arm, Configuration, Solution
from simulators.robot.arm.models import MODELS, R7_700, R12_1440, ArmModel, get_model

__all__ = [
    "MODELS",
    "R7_700",
    "R12_1440",
    "Arm",
    "ArmError",
    "ArmModel",
    "Configuration",
    "ConfigurationError",
    "FrameError",
    "JointLimitError",
    "ReachError",
    "Solution",
    "get_model",
]

"""Errors of the six-axis arm with a stable code and parameters, so the app can translate them.

The message text here is English for logs and tracebacks only; the app shows ``code`` + ``params``
through its own catalog.
"""

from __future__ import annotations


class ArmError(Exception):
    """Base class: ``code`` is stable (e.g. ``arm.joint_limit``), ``params`` holds plain numbers/strings."""

    code = "arm.error"

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.params = params


class ReachError(ArmError):
    """The wrist centre is farther than the stretched arm (or closer than the folded arm) can reach."""

    code = "arm.reach"


class JointLimitError(ArmError):
    """Every solution (or the requested one) puts a joint outside its limits; ``params['joint']`` is 1-based."""

    code = "arm.joint_limit"


class FrameError(ArmError):
    """Frame teaching failed: collinear points, too similar TCP poses."""

    code = "frame.degenerate"


class ConfigurationError(ArmError):
    """A configuration string does not parse, or a pose cannot be reached in the configuration asked for."""

    code = "arm.configuration"

"""The virtual teach pendant panel (issue 24); the session it drives is ``simulators.robot.arm.pendant``."""

from app.ui.pendant.panel import PendantPanel

__all__ = ["PendantPanel"]

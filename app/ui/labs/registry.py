"""Which lab view shows a lab step, by the lab's simulator kind.

A new lab kind adds its view class to ``LAB_VIEWS`` (or calls ``register_lab_view``);
the views import ``labs.base``, and only this module imports the views.
"""

from __future__ import annotations

from app.i18n import _
from app.ui.common.step_base import NoticeStepView, StepView
from app.ui.labs.arm_lab import ArmLabView
from app.ui.labs.robot_lab import RobotLabView
from app.ui.labs.sim_lab import SimLabView
from app.ui.labs.vibration_lab import VibrationLabView

LAB_VIEWS: dict[str, type[StepView]] = {
    "robot_cell": RobotLabView,
    "line": SimLabView,
    "maintenance": SimLabView,
    "vibration": VibrationLabView,
    "robot_arm": ArmLabView,
}


def register_lab_view(simulator: str, view: type[StepView]) -> None:
    """Show labs of ``simulator`` with ``view`` (a ``LabViewBase`` subclass)."""
    LAB_VIEWS[simulator] = view


class BrokenLabView(NoticeStepView):
    """A lab step without a usable lab (a course problem): says so instead of failing."""

    note_name = "errorLabel"

    def note_text(self) -> str:
        return _("This lab cannot be opened: its lab definition is missing or its simulator is unknown. "
                 "Tell your instructor.")


def make_lab_view(ctx, actor, course, module, step) -> StepView:
    """The view for a lab step, by its simulator."""
    kind = getattr(getattr(step, "lab", None), "simulator", None)
    view = LAB_VIEWS.get(kind) if isinstance(kind, str) else None
    return (view or BrokenLabView)(ctx, actor, course, module, step)

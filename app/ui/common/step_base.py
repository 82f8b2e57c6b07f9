"""The widget that shows one step of a course, chosen by the step's kind.

Views register a factory per kind with ``register_step_view`` (the built-in
kinds are registered by ``app.ui.trainee.steps``, which imports this base, never
the reverse). Every view is a ``StepView``: it emits
``completed`` when it recorded something that may change the step's status
(``status_changed`` when it merely started, e.g. a draft now exists), and
``save_state`` writes work in progress (before the lock, logout or quit);
``leave`` is called when the trainee moves to another step.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.context import AppContext
from app.i18n import _
from app.services.auth import Actor
from app.services.errors import WRITE_ERRORS
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)

__all__ = ["WRITE_ERRORS", "StepView", "NoticeStepView", "PendingStepView", "register_step_view",
           "make_step_view", "registered_kinds"]


class StepView(QWidget):
    """Base of every step view."""

    completed = Signal()  # recorded a result (an attempt, a lesson read): the status may have changed
    status_changed = Signal()  # started something (a draft now exists): the status may have changed

    def __init__(self, ctx: AppContext, actor: Actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.course = course
        self.module = module
        self.step = step
        self.step_key = step.key

    def step_layout(self) -> QVBoxLayout:
        """The view's layout in the margins of a step, the step's title on top (``self.heading``;
        ``retranslate`` fills it with ``content_text(self.step.title)``). Returns it for the rest."""
        lay = QVBoxLayout(self)
        lay.setContentsMargins(20, 14, 20, 12)
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        lay.addWidget(self.heading)
        return lay

    def save_state(self) -> None:
        """Persist work in progress; called before the view goes away, the lock and quit."""

    def leave(self) -> None:
        """The trainee moves to another step or closes the course (record time, save drafts)."""
        self.save_state()


StepViewFactory = Callable[[AppContext, Actor, object, object, object], QWidget]
_registry: dict[str, StepViewFactory] = {}


def register_step_view(kind: str, factory: StepViewFactory) -> None:
    """Use ``factory(ctx, actor, course, module, step)`` for steps of ``kind`` (replaces an earlier one)."""
    _registry[kind] = factory


def registered_kinds() -> list[str]:
    return sorted(_registry)


def make_step_view(kind: str, ctx: AppContext, actor: Actor, course, module, step) -> StepView:
    factory = _registry.get(kind)
    if factory is None:
        return PendingStepView(ctx, actor, course, module, step)
    return factory(ctx, actor, course, module, step)


class NoticeStepView(StepView):
    """A step that can only say something (missing view, broken lab); never completes."""

    note_name = "placeholderNote"

    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 20)
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        self.note = QLabel(objectName=self.note_name, wordWrap=True)
        self.note.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.heading)
        lay.addWidget(self.note)
        lay.addStretch(1)
        on_language_changed(self, self.retranslate)

    def note_text(self) -> str:
        raise NotImplementedError

    def retranslate(self) -> None:
        self.heading.setText(content_text(self.step.title))
        self.note.setText(self.note_text())


class PendingStepView(NoticeStepView):
    """Shown for a kind with no view yet (labs until the lab view is installed)."""

    def note_text(self) -> str:
        if self.step.kind == "lab":
            return _("This lab opens in the lab view, which is not installed on this workstation. "
                     "The step stays open until you complete the lab there.")
        return _("This kind of step cannot be shown here yet.")

"""The built-in step views, registered by kind; import this module before making a step view.

Registration lives here, above the views, so that the base (``step_base``) never
imports the views that build on it.
"""

from __future__ import annotations

import logging

from app.ui.common.step_base import make_step_view, register_step_view, registered_kinds
from app.ui.trainee.lesson_view import LessonView
from app.ui.trainee.practical_view import PracticalView
from app.ui.trainee.quiz.quiz_view import QuizView

log = logging.getLogger(__name__)

__all__ = ["make_step_view", "registered_kinds"]

register_step_view("lesson", LessonView)
register_step_view("quiz", QuizView)
register_step_view("practical", PracticalView)

# Without the lab views (or if they fail to load) labs show a placeholder and the rest of the course works.
try:
    from app.ui.labs.registry import make_lab_view
except Exception:
    log.exception("the lab views cannot be loaded")
else:
    register_step_view("lab", make_lab_view)

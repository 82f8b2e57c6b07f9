"""The widget for each question type of the course format (choice widgets and arranged ones)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.ui.trainee.quiz.question_arrange import FillBlankWidget, MatchingWidget, OrderingWidget
from app.ui.trainee.quiz.question_widgets import (
    MultipleWidget,
    NumericWidget,
    QuestionWidget,
    SingleWidget,
    TrueFalseWidget,
)

WIDGETS: dict[str, type[QuestionWidget]] = {
    "single": SingleWidget,
    "multiple": MultipleWidget,
    "true_false": TrueFalseWidget,
    "numeric": NumericWidget,
    "ordering": OrderingWidget,
    "matching": MatchingWidget,
    "fill_blank": FillBlankWidget,
}


def widget_class(question_type: str) -> type[QuestionWidget]:
    """The widget class for a question type of the course format."""
    return WIDGETS[question_type]


def make_question_widget(question, order: list[str] | None = None, parent: QWidget | None = None) -> QuestionWidget:
    return widget_class(question.type)(question, order, parent)

"""Feedback on answers: a question with its verdict, the answers in words, the review of an attempt."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QLabel, QVBoxLayout, QWidget

from app import i18n
from app.i18n import _, format_number
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.style import set_style_property
from app.ui.trainee.quiz.question_factory import make_question_widget
from app.ui.trainee.quiz.question_widgets import QuestionWidget


class QuestionPane(QWidget):
    """A question's widget and, once checked, its feedback."""

    def __init__(self, question, order: list[str] | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.question = question
        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 6, 14, 8)
        self.widget: QuestionWidget = make_question_widget(question, order)
        lay.addWidget(self.widget)
        self.feedback = QFrame(objectName="feedback")
        fb = QVBoxLayout(self.feedback)
        fb.setContentsMargins(12, 10, 12, 10)
        self.verdict = QLabel(objectName="verdict", wordWrap=True)
        self.expected = QLabel(objectName="expected", wordWrap=True)
        self.explanation = QLabel(objectName="explanation", wordWrap=True)
        for w in (self.verdict, self.expected, self.explanation):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            fb.addWidget(w)
        self.feedback.hide()
        lay.addWidget(self.feedback)
        lay.addStretch(1)
        self._correct: bool | None = None
        on_language_changed(self, self.retranslate)

    def show_feedback(self, correct: bool) -> None:
        self._correct = correct
        self.widget.set_locked(True)
        self.widget.show_solution()
        state = "correct" if correct else "wrong"
        for w in (self.feedback, self.verdict):
            set_style_property(w, "state", state)
        self.feedback.show()
        self.retranslate()

    def retranslate(self) -> None:
        if self._correct is None:
            return
        q = self.question
        self.verdict.setText(_("✔ Correct") if self._correct else _("✘ Not correct"))
        self.expected.setText(_("Correct answer: {answer}").format(answer=correct_text(q, i18n.current_locale())))
        self.expected.setVisible(not self._correct)
        text = content_text(q.explanation) if q.explanation else ""
        self.explanation.setText(text)
        self.explanation.setVisible(bool(text))


def _option_texts(question) -> dict[str, str]:
    return {o.id: content_text(o.text) for o in getattr(question, "options", [])}


def response_text(question, response: Any) -> str:
    """The trainee's answer as the trainee saw it."""
    if response in (None, "", [], {}):
        return _("(no answer)")
    t = question.type
    if t == "single":
        return _option_texts(question).get(response, str(response))
    if t == "multiple":
        texts = _option_texts(question)
        return "; ".join(texts.get(r, str(r)) for r in response)
    if t == "true_false":
        return _("True") if response else _("False")
    if t == "numeric":
        value = format_number(response) if isinstance(response, (int, float)) else str(response)
        return f"{value} {question.unit}" if question.unit else value
    if t == "ordering":
        texts = _option_texts(question)
        return " → ".join(texts.get(r, str(r)) for r in response)
    if t == "matching":
        pairs = {p.id: p for p in question.pairs}
        parts = []
        for p in question.pairs:
            chosen = response.get(p.id) if isinstance(response, dict) else None
            right = content_text(pairs[chosen].right) if chosen in pairs else "—"
            parts.append(f"{content_text(p.left)} → {right}")
        return "\n".join(parts)
    return str(response)


def correct_text(question, locale: str) -> str:
    """The expected answer, for feedback."""
    t = question.type
    if t == "single":
        return _option_texts(question).get(question.answer, question.answer)
    if t == "multiple":
        texts = _option_texts(question)
        return "; ".join(texts.get(a, a) for a in question.answer)
    if t == "true_false":
        return _("True") if question.answer else _("False")
    if t == "numeric":
        value = format_number(question.answer)
        if question.tolerance:
            value = _("{value} (± {tolerance})").format(value=value, tolerance=format_number(question.tolerance))
        return f"{value} {question.unit}" if question.unit else value
    if t == "ordering":
        texts = _option_texts(question)
        return " → ".join(texts.get(a, a) for a in question.answer)
    if t == "matching":
        return "\n".join(f"{content_text(p.left)} → {content_text(p.right)}" for p in question.pairs)
    if t == "fill_blank":
        accepted = question.accepted.get(locale) or next((v for v in question.accepted.values() if v), [])
        return " / ".join(accepted)
    return ""


def review_html(quiz, result) -> str:
    """Every question of a graded attempt: the trainee's answer, the right one, the explanation."""
    locale = i18n.current_locale()
    parts = [f"<h3>{html.escape(_('Review'))}</h3>"]
    for n, r in enumerate(result.per_question, start=1):
        q = quiz.question(r.question_id)
        mark = _("✔ Correct") if r.correct else _("✘ Not correct")
        colour = "#1a7f37" if r.correct else "#b42318"
        parts.append(f"<p><b>{n}. {html.escape(content_text(q.prompt))}</b><br>"
                     f"<span style='color:{colour}'><b>{html.escape(mark)}</b></span><br>")
        parts.append(html.escape(_("Your answer: {answer}").format(
            answer=response_text(q, r.response))).replace("\n", "<br>") + "<br>")
        if not r.correct:
            parts.append(html.escape(_("Correct answer: {answer}").format(
                answer=correct_text(q, locale))).replace("\n", "<br>") + "<br>")
        if q.explanation:
            parts.append(f"<i>{html.escape(content_text(q.explanation))}</i>")
        parts.append("</p>")
    return "".join(parts)

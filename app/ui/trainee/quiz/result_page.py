"""The quiz's result page: passed or not, the points, the review of every answer, Overview / Try again."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QTextBrowser, QVBoxLayout, QWidget

from app import i18n
from app.i18n import _, format_percent, ngettext
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.style import set_style_property
from app.ui.trainee.quiz.quiz_review import review_html


class QuizResultPage(QWidget):
    """Shows a graded attempt; ``overview_btn`` and ``retry_btn`` are the caller's to connect.

    ``show_result`` keeps what it was given and renders it again after a language switch.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="quizResult")
        self._shown: tuple | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.result_label = QLabel(objectName="resultLabel", wordWrap=True)
        lay.addWidget(self.result_label)
        self.result_detail = QLabel(objectName="subtitle", wordWrap=True)
        lay.addWidget(self.result_detail)
        self.review = QTextBrowser(objectName="quizReview")
        self.review.setOpenLinks(False)
        lay.addWidget(self.review, 1)
        row = QHBoxLayout()
        self.overview_btn = QPushButton(objectName="quizOverview")
        self.retry_btn = QPushButton(objectName="retryQuiz")
        self.retry_btn.setProperty("primary", True)
        row.addWidget(self.overview_btn)
        row.addStretch(1)
        row.addWidget(self.retry_btn)
        lay.addLayout(row)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.overview_btn.setText(_("Quiz overview"))
        self.retry_btn.setText(_("Try again"))
        if self._shown is not None:
            self.show_result(*self._shown)

    def show_result(self, quiz, result, left: int | None) -> None:
        """``result``: the service's graded attempt; ``left``: attempts left, None when unlimited."""
        self._shown = (quiz, result, left)
        score = format_percent(result.score)
        if result.passed:
            set_style_property(self.result_label, "state", "passed")
            self.result_label.setText(_("Passed — {score}").format(score=score))
        else:
            set_style_property(self.result_label, "state", "failed")
            self.result_label.setText(_("Not passed — {score}").format(score=score))
        detail = _("{right} of {total} points; the pass mark is {mark}.").format(
            right=i18n.format_number(result.points_awarded), total=i18n.format_number(result.points_possible),
            mark=format_percent(quiz.pass_mark))
        if left is not None:
            detail += " " + ngettext("{n} attempt left.", "{n} attempts left.", left).format(n=left)
        self.result_detail.setText(detail)
        self.retry_btn.setVisible(left is None or left > 0)
        # After a pass, Enter must not use up another attempt: "Try again" is then not the primary button.
        set_style_property(self.retry_btn, "primary", not result.passed)
        set_style_property(self.overview_btn, "primary", result.passed)
        self.review.setHtml(review_html(quiz, result))
        if not self.isHidden():  # the current page of its stack
            (self.retry_btn if not result.passed and self.retry_btn.isVisible() else self.overview_btn).setFocus()

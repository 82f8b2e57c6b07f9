"""The quiz's start page: the facts (questions, pass mark, attempts, feedback), the trainee's
attempts so far and the Start button."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.clock import as_utc
from app.i18n import _, format_datetime, format_percent, ngettext
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.table_model import Selection, list_table


class QuizStartPage(QWidget):
    """Shows a quiz and the attempts at it; ``start_btn`` is the caller's to connect.

    ``show_quiz`` keeps what it was given and renders it again after a language switch.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="quizStart")
        self._shown: tuple | None = None
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 8, 0, 0)
        self.facts = QLabel(objectName="quizFacts", wordWrap=True)
        self.facts.setTextFormat(Qt.TextFormat.RichText)
        lay.addWidget(self.facts)
        self.keys_help = QLabel(objectName="subtitle", wordWrap=True)
        lay.addWidget(self.keys_help)
        self.limit_note = QLabel(objectName="warningLabel", wordWrap=True)
        lay.addWidget(self.limit_note)
        row = QHBoxLayout()
        self.start_btn = QPushButton(objectName="startQuiz")
        self.start_btn.setProperty("primary", True)
        row.addWidget(self.start_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.history_title = QLabel(objectName="sectionTitle")
        lay.addWidget(self.history_title)
        self.history = list_table(4, "attemptHistory", selection=Selection.NoSelection)
        lay.addWidget(self.history, 1)
        lay.addStretch(1)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.history_title.setText(_("Your attempts"))
        self.keys_help.setText(_("Keyboard: number keys 1–9 choose an option, Tab moves between controls, "
                                 "Enter checks the answer or goes to the next question."))
        self.history.setHorizontalHeaderLabels([_("#"), _("Date"), _("Score"), _("Result")])
        if self._shown is not None:
            self.show_quiz(*self._shown)

    def show_quiz(self, quiz, attempts: list, left: int | None) -> None:
        """``attempts``: the trainee's finished quiz attempts, oldest first; ``left``: None when unlimited."""
        self._shown = (quiz, attempts, left)
        self._fill_facts(quiz, attempts, left)
        self.history.setRowCount(len(attempts))
        for i, a in enumerate(attempts):
            when = as_utc(a.finished_at or a.started_at)
            cells = [str(i + 1), format_datetime(when, "short") if when else "—",
                     format_percent(a.score) if a.score is not None else "—",
                     _("Passed") if a.passed else _("Not passed")]
            for col, text in enumerate(cells):
                self.history.setItem(i, col, QTableWidgetItem(text))
        self.history.setVisible(bool(attempts))
        self.history_title.setVisible(bool(attempts))
        if left == 0:
            self.start_btn.setEnabled(False)
            self.start_btn.setText(_("No attempts left"))
            self.limit_note.setText(_("You have used every attempt at this quiz. Your instructor can help you "
                                      "with what to revise."))
            self.limit_note.show()
        else:
            self.start_btn.setEnabled(True)
            self.start_btn.setText(_("&Start the quiz") if not attempts else _("&Start a new attempt"))
            self.limit_note.setVisible(left is not None)
            if left is not None:
                self.limit_note.setText(ngettext("{n} attempt left.", "{n} attempts left.", left).format(n=left))

    def _fill_facts(self, quiz, attempts: list, left: int | None) -> None:
        n = quiz.draw_count
        rows = [
            (_("Questions"), ngettext("{n} question", "{n} questions", n).format(n=n)),
            (_("Pass mark"), format_percent(quiz.pass_mark)),
            (_("Attempts"), _("{used} used, unlimited").format(used=len(attempts)) if left is None else
             _("{used} used of {max}").format(used=len(attempts), max=quiz.max_attempts)),
            (_("Feedback"), _("after each question") if quiz.feedback == "immediate"
             else _("at the end of the quiz")),
        ]
        scores = [a.score for a in attempts if a.score is not None]
        if scores:
            best = max(scores)
            passed = any(a.passed for a in attempts)
            rows.append((_("Best score"), (_("{score} — passed") if passed else _("{score} — not passed yet"))
                         .format(score=format_percent(best))))
        self.facts.setText("<table cellspacing='0' cellpadding='3'>" + "".join(
            f"<tr><td><b>{html.escape(k)}</b></td><td>&nbsp;&nbsp;{html.escape(v)}</td></tr>" for k, v in rows)
            + "</table>")

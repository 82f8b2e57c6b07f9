"""The quiz's question page: one question of the attempt at a time, where the trainee is,
Check / Next / Previous / Finish, and the feedback after a check."""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.courses.grading import grade_question
from app.i18n import _
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.common.style import repolish
from app.ui.trainee.quiz.attempt import AttemptState
from app.ui.trainee.quiz.quiz_review import QuestionPane


class QuizRunPage(QWidget):
    """Runs an attempt on screen; the caller stores it and submits it.

    It changes ``attempt`` as the trainee answers and moves, and says so: ``answer_changed``
    (save once the trainee pauses), ``moved`` (another question, or an answer checked: save now),
    ``finish_requested`` (Finish, or Enter on the last question).
    """

    answer_changed = Signal()
    moved = Signal()
    finish_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="quizRun")
        self.quiz = None
        self.attempt: AttemptState | None = None
        self.panes: dict[str, QuestionPane] = {}
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 4, 0, 0)
        top = QHBoxLayout()
        self.position = QLabel(objectName="quizPosition")
        self.answered_label = QLabel(objectName="subtitle")
        top.addWidget(self.position)
        top.addStretch(1)
        top.addWidget(self.answered_label)
        lay.addLayout(top)
        self.bar = QProgressBar(objectName="quizProgress", textVisible=False)
        self.bar.setMaximumHeight(8)
        lay.addWidget(self.bar)
        self.scroll = QScrollArea(objectName="questionScroll", widgetResizable=True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        # Every pane of the attempt lives in one holder; only the current one is shown
        # (hidden widgets take no room in a layout).
        self.holder = QWidget(objectName="questionHolder")
        self.holder_lay = QVBoxLayout(self.holder)
        self.holder_lay.setContentsMargins(0, 0, 0, 0)
        self.scroll.setWidget(self.holder)
        lay.addWidget(self.scroll, 1)
        self.run_status = StatusLine(objectName="warningLabel")
        lay.addWidget(self.run_status)
        buttons = QHBoxLayout()
        self.prev_btn = QPushButton(objectName="prevQuestion")
        self.check_btn = QPushButton(objectName="checkAnswer")
        self.next_btn = QPushButton(objectName="nextQuestion")
        self.finish_btn = QPushButton(objectName="finishQuiz")
        self.prev_btn.clicked.connect(lambda: self.go(self.attempt.index - 1) if self.attempt else None)
        self.next_btn.clicked.connect(lambda: self.go(self.attempt.index + 1) if self.attempt else None)
        self.check_btn.clicked.connect(self.check_current)
        self.finish_btn.clicked.connect(lambda: self.finish_requested.emit())
        buttons.addWidget(self.prev_btn)
        buttons.addStretch(1)
        for b in (self.check_btn, self.next_btn, self.finish_btn):
            buttons.addWidget(b)
        self.check_btn.setProperty("primary", True)
        self.next_btn.setProperty("primary", True)
        lay.addLayout(buttons)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.prev_btn.setText(_("← &Previous"))
        self.check_btn.setText(_("&Check answer"))
        self.next_btn.setText(_("&Next →"))
        self.finish_btn.setText(_("&Finish quiz"))
        self.prev_btn.setToolTip(_("Previous question"))
        self.next_btn.setToolTip(_("Next question (Enter)"))
        self.check_btn.setToolTip(_("Check this answer (Enter)"))
        if self.attempt is not None:
            self._update()

    # --- the attempt's panes ---------------------------------------------------------------

    def load(self, quiz, state: AttemptState) -> None:
        """Show ``state`` (new or resumed from its draft): its answers, its checked feedback, its question."""
        self.clear()
        self.quiz = quiz
        self.attempt = state
        for qid in state.ids:
            q = quiz.question(qid)
            pane = QuestionPane(q, state.orders.get(qid), self.holder)
            pane.hide()
            self.holder_lay.addWidget(pane)
            if qid in state.responses:
                pane.widget.set_response(state.responses[qid])
            pane.widget.changed.connect(lambda qid=qid: self._answer_changed(qid))
            if qid in state.checked:
                correct, _pts = grade_question(q, pane.widget.response())
                pane.show_feedback(correct)
            self.panes[qid] = pane
        self.go(state.index, save=False)

    def clear(self) -> None:
        """Forget the attempt and its panes."""
        self.attempt = None
        for pane in self.panes.values():
            self.holder_lay.removeWidget(pane)
            pane.hide()
            pane.deleteLater()
        self.panes = {}

    def collect(self) -> None:
        """Copy every pane's answer into the attempt."""
        for qid in self.attempt.ids:
            self.attempt.responses[qid] = self.panes[qid].widget.response()

    def unanswered(self) -> int:
        return sum(1 for qid in self.attempt.ids if not self.panes[qid].widget.answered())

    def current_pane(self) -> QuestionPane | None:
        if not self.attempt:
            return None
        return self.panes.get(self.attempt.ids[self.attempt.index])

    # --- moving and checking ---------------------------------------------------------------

    def go(self, index: int, save: bool = True) -> None:
        a = self.attempt
        if a is None or not 0 <= index < len(a.ids):
            return
        old = self.current_pane()
        a.index = index
        pane = self.panes[a.ids[index]]
        if old is not None and old is not pane:
            old.hide()
        pane.show()
        self.scroll.verticalScrollBar().setValue(0)
        self.run_status.say(None)
        self._update()
        self._tab_order(pane)
        pane.widget.focus_first()
        if save:
            self.moved.emit()

    def _tab_order(self, pane: QuestionPane) -> None:
        """Tab goes through the answers first, then Check, Next, Finish and Previous (review #37)."""
        fields = [w for w in pane.findChildren(QWidget)
                  if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(pane)]
        chain = fields + [self.check_btn, self.next_btn, self.finish_btn, self.prev_btn]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _update(self) -> None:
        a = self.attempt
        total = len(a.ids)
        self.position.setText(_("Question {n} of {total}").format(n=a.index + 1, total=total))
        answered = total - self.unanswered()
        self.answered_label.setText(_("Answered: {n} of {total}").format(n=answered, total=total))
        self.bar.setRange(0, total)
        self.bar.setValue(a.index + 1)
        immediate = self.quiz.feedback == "immediate"
        qid = a.ids[a.index]
        last = a.index == total - 1
        checked = qid in a.checked
        self.prev_btn.setEnabled(a.index > 0)
        self.check_btn.setVisible(immediate and not checked)
        self.next_btn.setVisible(not last)
        self.finish_btn.setVisible(True)
        self.finish_btn.setProperty("primary", last and (checked or not immediate))
        repolish(self.finish_btn)

    def _answer_changed(self, qid: str) -> None:
        if self.attempt is None:
            return
        self.attempt.responses[qid] = self.panes[qid].widget.response()
        self.run_status.say(None)
        self._update()
        self.answer_changed.emit()

    def check_current(self) -> None:
        a = self.attempt
        pane = self.current_pane()
        if a is None or pane is None or self.quiz.feedback != "immediate":
            return
        qid = a.ids[a.index]
        if qid in a.checked:
            return
        response = pane.widget.response()
        if not pane.widget.answered():
            self.run_status.say(lambda: _("Answer the question first, then check it."))
            return
        correct, _pts = grade_question(pane.question, response)
        a.responses[qid] = response
        a.checked.append(qid)
        pane.show_feedback(correct)
        self._update()
        self.moved.emit()
        (self.next_btn if self.next_btn.isVisible() else self.finish_btn).setFocus()
        # The feedback is under the answers: bring it into view once the layout has made room (review #26).
        QTimer.singleShot(0, lambda: self.scroll.ensureWidgetVisible(pane.feedback, 0, 8)
                          if pane.isVisible() else None)

    def primary_action(self) -> None:
        """Enter: check the answer (immediate feedback), else go on; on the last question, finish."""
        a = self.attempt
        if a is None:
            return
        qid = a.ids[a.index]
        if self.quiz.feedback == "immediate" and qid not in a.checked and self.panes[qid].widget.answered():
            self.check_current()
        elif a.index < len(a.ids) - 1:
            self.go(a.index + 1)
        else:
            self.finish_requested.emit()

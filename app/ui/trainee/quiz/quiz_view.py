"""Quiz runner: start screen, one question per page, feedback, the stored attempt.

The attempt in progress (drawn questions, option orders, answers so far, the
current question) is saved as a draft on every change, so the idle lock, a
logout or closing the app resumes exactly there. Submitting stores the attempt
with every answer in the shape the instructors' item analysis reads::

    {"questions": [{"id", "type", "response", "correct", "points", "max_points"}], "seed": int}
"""

from __future__ import annotations

import html
import logging
from dataclasses import asdict, dataclass, field
from typing import Any

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.clock import as_utc
from app.courses.grading import draw_questions, grade_question, matching_right_order
from app.i18n import _, format_datetime, format_percent, ngettext
from app.services.auth import ServiceError
from app.services.errors import WRITE_ERRORS
from app.services.grading import QuizDraw, stored_draw
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.step_base import StepView
from app.ui.trainee.quiz.quiz_review import QuestionPane, review_html

log = logging.getLogger(__name__)

DRAFT_KIND = "quiz-attempt"
SAVE_DELAY_MS = 400  # typing in a box saves once the trainee pauses


@dataclass
class AttemptState:
    """An attempt in progress; exactly what the draft stores."""

    seed: int
    ids: list[str]
    orders: dict[str, list[str]]
    responses: dict[str, Any] = field(default_factory=dict)
    index: int = 0
    checked: list[str] = field(default_factory=list)
    started_at: str = ""
    elapsed_s: float = 0.0

    def to_draft(self) -> dict[str, Any]:
        return {"kind": DRAFT_KIND, **asdict(self)}

    @classmethod
    def from_draft(cls, data: dict[str, Any], quiz) -> AttemptState | None:
        """The attempt in ``data``, or None if it does not fit the quiz as installed now
        or is not the draw the service made (the one it will grade)."""
        if not isinstance(data, dict) or data.get("kind") != DRAFT_KIND:
            return None
        draw = stored_draw(data, quiz)
        if draw is None or data.get("seed") != draw.seed or list(data.get("ids") or []) != list(draw.ids):
            return None
        try:
            state = cls(seed=int(data["seed"]), ids=[str(i) for i in data["ids"]],
                        orders={str(k): [str(x) for x in v] for k, v in dict(data.get("orders") or {}).items()},
                        responses=dict(data.get("responses") or {}), index=int(data.get("index", 0)),
                        checked=[str(i) for i in data.get("checked") or []],
                        started_at=str(data.get("started_at") or ""), elapsed_s=float(data.get("elapsed_s", 0.0)))
        except (KeyError, TypeError, ValueError):
            return None
        if not state.ids or any(quiz.question(qid) is None for qid in state.ids):
            return None
        state.index = max(0, min(state.index, len(state.ids) - 1))
        return state

    @classmethod
    def new(cls, quiz, draw: QuizDraw) -> AttemptState:
        """A fresh attempt on the questions the service drew (``ProgressService.start_quiz``)."""
        seed = draw.seed
        drawn = draw_questions(quiz, seed)
        orders: dict[str, list[str]] = {}
        for q in drawn:
            if q.type in ("single", "multiple", "ordering"):
                orders[q.id] = [o.id for o in q.options]
            elif q.type == "matching":
                orders[q.id] = matching_right_order(q, seed)
        return cls(seed=seed, ids=[q.id for q in drawn], orders=orders, started_at=draw.started_at)


class QuizView(StepView):
    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        self.quiz = step.quiz
        self.attempt: AttemptState | None = None
        self.panes: dict[str, QuestionPane] = {}
        self._timer = QElapsedTimer()
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_state)
        self.last_result = None

        root = QVBoxLayout(self)
        root.setContentsMargins(20, 14, 20, 12)
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        root.addWidget(self.heading)
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)
        self._build_start()
        self._build_run()
        self._build_result()
        on_language_changed(self, self.retranslate)
        draft = self.ctx.progress.load_draft(actor, course.id, self.step_key)
        state = AttemptState.from_draft(draft, self.quiz) if draft else None
        if state is not None:
            self._begin(state)
        else:
            self.show_start()

    # --- pages ---------------------------------------------------------------------------

    def _build_start(self) -> None:
        page = QWidget(objectName="quizStart")
        lay = QVBoxLayout(page)
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
        self.start_btn.clicked.connect(self.start_attempt)
        row.addWidget(self.start_btn)
        row.addStretch(1)
        lay.addLayout(row)
        self.history_title = QLabel(objectName="sectionTitle")
        lay.addWidget(self.history_title)
        self.history = QTableWidget(0, 4, objectName="attemptHistory")
        self.history.verticalHeader().hide()
        self.history.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.history.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.history.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.history.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.history, 1)
        lay.addStretch(1)
        self.stack.addWidget(page)
        self.start_page = page

    def _build_run(self) -> None:
        page = QWidget(objectName="quizRun")
        lay = QVBoxLayout(page)
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
        self.run_status = QLabel(objectName="warningLabel", wordWrap=True)
        lay.addWidget(self.run_status)
        buttons = QHBoxLayout()
        self.prev_btn = QPushButton(objectName="prevQuestion")
        self.check_btn = QPushButton(objectName="checkAnswer")
        self.next_btn = QPushButton(objectName="nextQuestion")
        self.finish_btn = QPushButton(objectName="finishQuiz")
        self.prev_btn.clicked.connect(lambda: self.go(self.attempt.index - 1) if self.attempt else None)
        self.next_btn.clicked.connect(lambda: self.go(self.attempt.index + 1) if self.attempt else None)
        self.check_btn.clicked.connect(self.check_current)
        self.finish_btn.clicked.connect(lambda: self.finish())
        buttons.addWidget(self.prev_btn)
        buttons.addStretch(1)
        for b in (self.check_btn, self.next_btn, self.finish_btn):
            buttons.addWidget(b)
        self.check_btn.setProperty("primary", True)
        self.next_btn.setProperty("primary", True)
        lay.addLayout(buttons)
        self.stack.addWidget(page)
        self.run_page = page

    def _build_result(self) -> None:
        page = QWidget(objectName="quizResult")
        lay = QVBoxLayout(page)
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
        self.overview_btn.clicked.connect(self.show_start)
        self.retry_btn = QPushButton(objectName="retryQuiz")
        self.retry_btn.clicked.connect(self.start_attempt)
        self.retry_btn.setProperty("primary", True)
        row.addWidget(self.overview_btn)
        row.addStretch(1)
        row.addWidget(self.retry_btn)
        lay.addLayout(row)
        self.stack.addWidget(page)
        self.result_page = page

    def _say(self, render) -> None:
        """The status line under the question, kept as a function so a language switch re-renders it."""
        self._status = render
        self.run_status.setText(render() if render else "")

    def retranslate(self) -> None:
        self._say(getattr(self, "_status", None))
        self.heading.setText(content_text(self.step.title))
        self.history_title.setText(_("Your attempts"))
        self.keys_help.setText(_("Keyboard: number keys 1–9 choose an option, Tab moves between controls, "
                                 "Enter checks the answer or goes to the next question."))
        self.history.setHorizontalHeaderLabels([_("#"), _("Date"), _("Score"), _("Result")])
        self.prev_btn.setText(_("← &Previous"))
        self.check_btn.setText(_("&Check answer"))
        self.next_btn.setText(_("&Next →"))
        self.finish_btn.setText(_("&Finish quiz"))
        self.prev_btn.setToolTip(_("Previous question"))
        self.next_btn.setToolTip(_("Next question (Enter)"))
        self.check_btn.setToolTip(_("Check this answer (Enter)"))
        self.overview_btn.setText(_("Quiz overview"))
        self.retry_btn.setText(_("Try again"))
        if self.stack.currentWidget() is self.start_page:
            self._fill_start()
        elif self.stack.currentWidget() is self.run_page and self.attempt:
            self._update_run()
        elif self.stack.currentWidget() is self.result_page and self.last_result is not None:
            self._fill_result()

    # --- start screen --------------------------------------------------------------------

    def _attempts(self) -> list:
        return [a for a in self.ctx.progress.attempts(self.actor, self.actor.user_id, self.course.id, self.step_key)
                if a.kind == "quiz"]

    def attempts_left(self) -> int | None:
        """None when unlimited."""
        if self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - len(self._attempts()))

    def show_start(self) -> None:
        self.stack.setCurrentWidget(self.start_page)
        self._fill_start()
        self.start_btn.setFocus()

    def _fill_start(self) -> None:
        quiz = self.quiz
        attempts = self._attempts()
        left = self.attempts_left()
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

    # --- running an attempt --------------------------------------------------------------

    def start_attempt(self) -> None:
        if self.attempts_left() == 0:
            self.show_start()
            return
        try:
            draw = self.ctx.progress.start_quiz(self.actor, self.course, self.step)
        except (ServiceError, *WRITE_ERRORS) as exc:
            messages.warn(self, _("Cannot start the quiz"), str(exc))
            return
        self._begin(AttemptState.new(self.quiz, draw))
        self.save_state()
        self.status_changed.emit()  # the step is in progress now

    def _begin(self, state: AttemptState) -> None:
        self._drop_panes()
        self.attempt = state
        self.last_result = None
        for qid in state.ids:
            q = self.quiz.question(qid)
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
        self.stack.setCurrentWidget(self.run_page)
        self._timer.restart() if self.isVisible() else self._timer.invalidate()
        self.go(state.index, save=False)

    def _drop_panes(self) -> None:
        for pane in self.panes.values():
            self.holder_lay.removeWidget(pane)
            pane.hide()
            pane.deleteLater()
        self.panes = {}

    def current_pane(self) -> QuestionPane | None:
        if not self.attempt:
            return None
        return self.panes.get(self.attempt.ids[self.attempt.index])

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
        self._say(None)
        self._update_run()
        self._tab_order(pane)
        pane.widget.focus_first()
        if save:
            self.save_state()

    def _tab_order(self, pane: QuestionPane) -> None:
        """Tab goes through the answers first, then Check, Next, Finish and Previous (review #37)."""
        fields = [w for w in pane.findChildren(QWidget)
                  if w.focusPolicy() & Qt.FocusPolicy.TabFocus and w.isVisibleTo(pane)]
        chain = fields + [self.check_btn, self.next_btn, self.finish_btn, self.prev_btn]
        for first, second in zip(chain, chain[1:]):
            QWidget.setTabOrder(first, second)

    def _update_run(self) -> None:
        a = self.attempt
        total = len(a.ids)
        self.position.setText(_("Question {n} of {total}").format(n=a.index + 1, total=total))
        answered = sum(1 for qid in a.ids if self.panes[qid].widget.answered())
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
        self.finish_btn.style().unpolish(self.finish_btn)
        self.finish_btn.style().polish(self.finish_btn)

    def _answer_changed(self, qid: str) -> None:
        if self.attempt is None:
            return
        self.attempt.responses[qid] = self.panes[qid].widget.response()
        self._say(None)
        self._update_run()
        self._save_timer.start()

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
            self._say(lambda: _("Answer the question first, then check it."))
            return
        correct, _pts = grade_question(pane.question, response)
        a.responses[qid] = response
        a.checked.append(qid)
        pane.show_feedback(correct)
        self._update_run()
        self.save_state()
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
            self.finish()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~(
                Qt.KeyboardModifier.KeypadModifier):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton) and focus.isVisible() and focus.isEnabled():
                focus.click()
            elif self.stack.currentWidget() is self.run_page:
                self.primary_action()
            elif self.stack.currentWidget() is self.start_page and self.start_btn.isEnabled():
                self.start_btn.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def finish(self, confirm: bool = True) -> None:
        a = self.attempt
        if a is None:
            return
        for qid in a.ids:
            a.responses[qid] = self.panes[qid].widget.response()
        missing = sum(1 for qid in a.ids if not self.panes[qid].widget.answered())
        if confirm and missing:
            if not messages.ask(self, _("Finish the quiz?"), ngettext(
                    "{n} question is not answered yet. Unanswered questions score nothing. Finish anyway?",
                    "{n} questions are not answered yet. Unanswered questions score nothing. Finish anyway?",
                    missing).format(n=missing), destructive=True):
                return
        self.submit()

    def submit(self) -> None:
        """Hand the answers to the service, which grades the attempt and stores it."""
        a = self.attempt
        elapsed = a.elapsed_s + self._running_s()
        try:
            result = self.ctx.progress.submit_quiz(self.actor, self.course, self.step, dict(a.responses),
                                                   duration_s=elapsed).result
        except ServiceError as exc:
            messages.warn(self, _("Not saved"), str(exc))
            self.ctx.progress.clear_draft(self.actor, self.course.id, self.step_key)
            self.attempt = None
            self._drop_panes()
            self.show_start()
            return
        except WRITE_ERRORS as exc:
            log.exception("storing a quiz attempt failed")
            messages.warn(self, _("Not saved"), _("Your answers could not be saved: {error}\n"
                          "They are kept on this screen; try again.").format(error=exc))
            return
        self._save_timer.stop()
        self.last_result = (a, result)
        self.attempt = None
        self._timer.invalidate()
        self._drop_panes()
        self.stack.setCurrentWidget(self.result_page)
        self._fill_result()
        self.completed.emit()

    # --- result and review ---------------------------------------------------------------

    def _fill_result(self) -> None:
        attempt, result = self.last_result
        score = format_percent(result.score)
        if result.passed:
            self.result_label.setProperty("state", "passed")
            self.result_label.setText(_("Passed — {score}").format(score=score))
        else:
            self.result_label.setProperty("state", "failed")
            self.result_label.setText(_("Not passed — {score}").format(score=score))
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)
        left = self.attempts_left()
        detail = _("{right} of {total} points; the pass mark is {mark}.").format(
            right=i18n.format_number(result.points_awarded), total=i18n.format_number(result.points_possible),
            mark=format_percent(self.quiz.pass_mark))
        if left is not None:
            detail += " " + ngettext("{n} attempt left.", "{n} attempts left.", left).format(n=left)
        self.result_detail.setText(detail)
        self.retry_btn.setVisible(left is None or left > 0)
        # After a pass, Enter must not use up another attempt: "Try again" is then not the primary button.
        self.retry_btn.setProperty("primary", not result.passed)
        self.overview_btn.setProperty("primary", result.passed)
        for b in (self.retry_btn, self.overview_btn):
            b.style().unpolish(b)
            b.style().polish(b)
        self.review.setHtml(review_html(self.quiz, result))
        if self.stack.currentWidget() is self.result_page:
            (self.retry_btn if not result.passed and self.retry_btn.isVisible() else self.overview_btn).setFocus()

    # --- time and drafts -----------------------------------------------------------------

    def _running_s(self) -> float:
        return self._timer.elapsed() / 1000.0 if self._timer.isValid() else 0.0

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self.attempt is not None and not self._timer.isValid():
            self._timer.start()

    def hideEvent(self, event) -> None:
        if self.attempt is not None and self._timer.isValid():
            self.attempt.elapsed_s += self._running_s()
            self._timer.invalidate()
        super().hideEvent(event)

    def save_state(self) -> None:
        """Write the attempt in progress as a draft (every answer so far and where the trainee is)."""
        self._save_timer.stop()
        a = self.attempt
        if a is None:
            return
        for qid in a.ids:
            a.responses[qid] = self.panes[qid].widget.response()
        if self._timer.isValid():
            a.elapsed_s += self._running_s()
            self._timer.restart()
        try:
            self.ctx.progress.save_draft(self.actor, self.course.id, self.step_key, a.to_draft())
        except WRITE_ERRORS:
            log.warning("cannot save the quiz draft for %s", self.step_key)

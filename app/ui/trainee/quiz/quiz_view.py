"""Quiz runner: start page, one question per page, result page, the stored attempt.

The attempt in progress (``attempt.AttemptState``: drawn questions, option orders, answers so
far, the current question) is saved as a draft on every change, so the idle lock, a logout or
closing the app resumes exactly there. Submitting hands the answers to the service, which grades
the attempt and stores every answer in the shape the instructors' item analysis reads::

    {"questions": [{"id", "type", "response", "correct", "points", "max_points"}], "seed": int}

The pages are their own widgets (``start_page``, ``run_page``, ``result_page``); this view moves
between them, keeps the draft and the time spent, and talks to the service.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtWidgets import QPushButton, QStackedWidget, QWidget

from app.i18n import _, ngettext
from app.services.auth import ServiceError
from app.services.errors import WRITE_ERRORS
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.step_base import StepView
from app.ui.trainee.quiz.attempt import AttemptState
from app.ui.trainee.quiz.quiz_review import QuestionPane
from app.ui.trainee.quiz.result_page import QuizResultPage
from app.ui.trainee.quiz.run_page import QuizRunPage
from app.ui.trainee.quiz.start_page import QuizStartPage

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 400  # typing in a box saves once the trainee pauses


class QuizView(StepView):
    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        self.quiz = step.quiz
        self._timer = QElapsedTimer()
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_state)
        self.last_result = None  # (the submitted AttemptState, the service's result)

        root = self.step_layout()
        self.stack = QStackedWidget()
        root.addWidget(self.stack, 1)
        self.start_page = QuizStartPage()
        self.run_page = QuizRunPage()
        self.result_page = QuizResultPage()
        for page in (self.start_page, self.run_page, self.result_page):
            self.stack.addWidget(page)
        # The controls callers and tests press, by their short names.
        self.start_btn = self.start_page.start_btn
        self.facts, self.history = self.start_page.facts, self.start_page.history
        run = self.run_page
        self.check_btn, self.next_btn, self.finish_btn = run.check_btn, run.next_btn, run.finish_btn
        self.run_status = run.run_status
        result = self.result_page
        self.result_label, self.review = result.result_label, result.review
        self.retry_btn, self.overview_btn = result.retry_btn, result.overview_btn

        self.start_btn.clicked.connect(self.start_attempt)
        self.retry_btn.clicked.connect(self.start_attempt)
        self.overview_btn.clicked.connect(self.show_start)
        run.answer_changed.connect(self._save_timer.start)
        run.moved.connect(self.save_state)
        run.finish_requested.connect(self.finish)
        on_language_changed(self, self.retranslate)
        draft = self.ctx.progress.load_draft(actor, course.id, self.step_key)
        state = AttemptState.from_draft(draft, self.quiz) if draft else None
        if state is not None:
            self._begin(state)
        else:
            self.show_start()

    def retranslate(self) -> None:
        self.heading.setText(content_text(self.step.title))

    @property
    def attempt(self) -> AttemptState | None:
        """The attempt in progress (None on the start and result pages)."""
        return self.run_page.attempt

    @property
    def panes(self) -> dict[str, QuestionPane]:
        return self.run_page.panes

    def current_pane(self) -> QuestionPane | None:
        return self.run_page.current_pane()

    def check_current(self) -> None:
        self.run_page.check_current()

    # --- start page ----------------------------------------------------------------------

    def _attempts(self) -> list:
        return [a for a in self.ctx.progress.attempts(self.actor, self.actor.user_id, self.course.id, self.step_key)
                if a.kind == "quiz"]

    def attempts_left(self, attempts: list | None = None) -> int | None:
        """None when unlimited."""
        if self.quiz.max_attempts is None:
            return None
        return max(0, self.quiz.max_attempts - len(self._attempts() if attempts is None else attempts))

    def show_start(self) -> None:
        self.stack.setCurrentWidget(self.start_page)
        attempts = self._attempts()
        self.start_page.show_quiz(self.quiz, attempts, self.attempts_left(attempts))
        self.start_btn.setFocus()

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
        self.last_result = None
        self.stack.setCurrentWidget(self.run_page)  # first: loading focuses the first answer
        self.run_page.load(self.quiz, state)
        self._timer.restart() if self.isVisible() else self._timer.invalidate()

    def keyPressEvent(self, event) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~(
                Qt.KeyboardModifier.KeypadModifier):
            focus = self.focusWidget()
            if isinstance(focus, QPushButton) and focus.isVisible() and focus.isEnabled():
                focus.click()
            elif self.stack.currentWidget() is self.run_page:
                self.run_page.primary_action()
            elif self.stack.currentWidget() is self.start_page and self.start_btn.isEnabled():
                self.start_btn.click()
            event.accept()
            return
        super().keyPressEvent(event)

    def finish(self, confirm: bool = True) -> None:
        if self.attempt is None:
            return
        self.run_page.collect()
        missing = self.run_page.unanswered()
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
            self.run_page.clear()
            self.show_start()
            return
        except WRITE_ERRORS as exc:
            log.exception("storing a quiz attempt failed")
            messages.warn(self, _("Not saved"), _("Your answers could not be saved: {error}\n"
                          "They are kept on this screen; try again.").format(error=exc))
            return
        self._save_timer.stop()
        self.last_result = (a, result)
        self._timer.invalidate()
        self.run_page.clear()
        self.stack.setCurrentWidget(self.result_page)
        self.result_page.show_result(self.quiz, result, self.attempts_left())
        self.completed.emit()

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
        self.run_page.collect()
        if self._timer.isValid():
            a.elapsed_s += self._running_s()
            self._timer.restart()
        try:
            self.ctx.progress.save_draft(self.actor, self.course.id, self.step_key, a.to_draft())
        except WRITE_ERRORS:
            log.warning("cannot save the quiz draft for %s", self.step_key)

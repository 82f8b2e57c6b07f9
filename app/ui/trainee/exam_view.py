"""The trainee's exam (issue 19): a banner when an exam is open for them here, and the exam runner.

While an exam runs the shell is locked to the runner (``Shell.lock_to``): no lessons, no other
courses, no other pages. Every answer goes to the service as it is given (``ExamService.answer``),
so a crash, a lock or a restart resumes with the answers; the countdown is computed from the stored
deadline, never kept here. Nothing tells the trainee whether an answer is right: the service gives
the result only when the exam has ended, and only then is it shown.
"""

from __future__ import annotations

import logging
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.courses.grading import matching_right_order
from app.i18n import _, format_duration, format_percent, ngettext
from app.services.auth import Actor
from app.services.errors import WRITE_ERRORS
from app.services.exams import ExamError, ExamResult, ExamSitting, ExamTimeUp
from app.ui.common import messages
from app.ui.common.background import run_in_background
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.labs.panels import ControlsForm
from app.ui.trainee.quiz.question_factory import make_question_widget

log = logging.getLogger(__name__)
POLL_MS = 15_000  # how often the banner looks for an exam opened meanwhile
SAVE_DELAY_MS = 400  # typing is saved once it pauses, every choice at once


def attach_exam(shell) -> ExamBanner:
    """Give the shell its exam banner; a running exam (after a restart) locks the shell at once."""
    banner = ExamBanner(shell)
    for i in range(shell.layout().count()):
        lay = shell.layout().itemAt(i).layout()
        if lay is not None and lay.indexOf(shell.stack) >= 0:
            lay.insertWidget(lay.indexOf(shell.stack), banner)
            break
    shell.exam_banner = banner
    banner.refresh()
    return banner


def _clock_text(seconds: float) -> str:
    s = max(0, int(seconds + 0.999))
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60:02d}:{s % 60:02d}"


class ExamBanner(QWidget):
    """"Exam open for you: …  [Start the exam]" above the pages, while a session is open for this user here."""

    def __init__(self, shell) -> None:
        super().__init__(shell, objectName="examBanner")
        self.shell = shell
        self.ctx = shell.ctx
        self.actor: Actor = shell.actor
        self.setStyleSheet("#examBanner { background: #e8f0fe; border-bottom: 1px solid #9bb7e0; }")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(16, 8, 16, 8)
        self.label = QLabel(objectName="examBannerText", wordWrap=True)
        self.start_btn = QPushButton(objectName="examStart")
        self.start_btn.clicked.connect(self.start)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.start_btn)
        self.session = None
        self.timer = QTimer(self, interval=POLL_MS, timeout=self.refresh)
        self.timer.start()
        on_language_changed(self, self.retranslate)
        self.hide()

    def retranslate(self) -> None:
        self.start_btn.setText(_("Start the exam"))
        if self.session is not None:
            self.label.setText(_("Exam: {course}. It is open for you on this workstation.").format(
                course=self._course_title(self.session.course_id)))

    def _course_title(self, course_id: str) -> str:
        try:
            course = self.ctx.library.get(course_id)
        except KeyError:
            return course_id
        title = course.exam.title if course.exam and course.exam.title else course.title
        return content_text(title)

    def refresh(self) -> None:
        """Resume a running exam, else offer an open one; quietly keep the last state if the store fails."""
        if not shiboken6.isValid(self.shell) or self.shell.locked_to() is not None:
            return
        try:
            sitting = self.ctx.exams.current(self.actor)
            if sitting is not None:
                self.hide()
                self.shell.lock_to(ExamView(self.ctx, self.actor, sitting, self._finished))
                return
            available = self.ctx.exams.available(self.actor)
        except (ExamError, *WRITE_ERRORS) as exc:
            log.warning("exam check failed: %s", exc)
            return
        self.session = available[0] if available else None
        self.setVisible(self.session is not None)
        self.retranslate()

    def start(self) -> None:
        if self.session is None:
            return
        if not messages.ask(self, _("Start the exam"), _(
                "The clock starts now and runs until you finish, even if the program is closed. Until then "
                "you cannot open lessons, other courses or other pages. Start the exam?"), _("Start the exam")):
            return
        try:
            sitting = self.ctx.exams.start(self.actor, self.session.session_id)
        except (ExamError, *WRITE_ERRORS) as exc:
            messages.warn(self, _("Exam"), messages.error_text(exc))
            self.refresh()
            return
        self.hide()
        self.shell.lock_to(ExamView(self.ctx, self.actor, sitting, self._finished))

    def _finished(self) -> None:
        self.shell.lock_to(None)
        self.refresh()


class ExamView(QWidget):
    """The exam runner: a countdown, the drawn questions (and the practical), Finish; then the result."""

    def __init__(self, ctx, actor: Actor, sitting: ExamSitting, on_done) -> None:
        super().__init__(objectName="examView")
        self.ctx, self.actor, self.sitting, self.on_done = ctx, actor, sitting, on_done
        self.result: ExamResult | None = None
        self._pending: set[str] = set()
        course = ctx.library.get(sitting.course_id)
        self.course = course
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 16, 24, 12)
        head = QHBoxLayout()
        self.title = QLabel(objectName="pageTitle", wordWrap=True)
        self.countdown = QLabel(objectName="examCountdown")
        self.countdown.setStyleSheet("#examCountdown { font-size: 20px; font-weight: bold; }")
        head.addWidget(self.title, 1)
        head.addWidget(self.countdown)
        lay.addLayout(head)
        self.note = QLabel(objectName="examNote", wordWrap=True)
        lay.addWidget(self.note)

        self.body = QStackedWidget()
        lay.addWidget(self.body, 1)
        running = QWidget()
        row = QHBoxLayout(running)
        row.setContentsMargins(0, 0, 0, 0)
        self.index = QListWidget(objectName="examQuestions")
        self.index.setFixedWidth(170)
        row.addWidget(self.index)
        right = QVBoxLayout()
        self.pages = QStackedWidget()
        right.addWidget(self.pages, 1)
        nav = QHBoxLayout()
        self.prev_btn = QPushButton(objectName="examPrevious", clicked=lambda: self._go(-1))
        self.next_btn = QPushButton(objectName="examNext", clicked=lambda: self._go(1))
        self.answered = QLabel(objectName="examAnswered")
        self.finish_btn = QPushButton(objectName="examFinish", clicked=self.finish)
        nav.addWidget(self.prev_btn)
        nav.addWidget(self.next_btn)
        nav.addWidget(self.answered, 1)
        nav.addWidget(self.finish_btn)
        right.addLayout(nav)
        row.addLayout(right, 1)
        self.body.addWidget(running)

        self.widgets: dict[str, Any] = {}
        questions = ctx.exams.questions(actor, sitting.attempt_id)
        for eq in questions:
            order = matching_right_order(eq.question, sitting.attempt_id) if eq.question.type == "matching" else None
            w = make_question_widget(eq.question, order)
            if eq.qid in sitting.answers and sitting.answers[eq.qid] is not None:
                w.set_response(sitting.answers[eq.qid])
            w.changed.connect(lambda qid=eq.qid: self._changed(qid))
            self.widgets[eq.qid] = w
            scroll = QScrollArea(widgetResizable=True)
            scroll.setWidget(w)
            self.pages.addWidget(scroll)
            self.index.addItem(QListWidgetItem())
        self.practical = self._practical_page() if sitting.practical_lab else None
        self.index.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.index.currentRowChanged.connect(lambda _r: self._update())
        self.index.setCurrentRow(0)

        self.result_page = QWidget()
        res = QVBoxLayout(self.result_page)
        self.result_text = QLabel(objectName="examResult", wordWrap=True)
        self.result_text.setStyleSheet("#examResult { font-size: 16px; }")
        self.done_btn = QPushButton(objectName="examDone", clicked=self._done)
        res.addWidget(self.result_text)
        res.addWidget(self.done_btn, 0, Qt.AlignmentFlag.AlignLeft)
        res.addStretch(1)
        self.body.addWidget(self.result_page)

        self.save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS, timeout=self.save_pending)
        self.tick_timer = QTimer(self, interval=1000, timeout=self.tick)
        self.tick_timer.start()
        on_language_changed(self, self.retranslate)
        self.tick()

    # --- the practical part ---------------------------------------------------------------------

    def _practical_page(self) -> QWidget:
        step = self.course.step(self.sitting.practical_lab)
        page = QWidget(objectName="examPractical")
        lay = QVBoxLayout(page)
        self.practical_task = QLabel(wordWrap=True, textFormat=Qt.TextFormat.MarkdownText)
        lay.addWidget(self.practical_task)
        self.controls = ControlsForm(step.lab.controls)
        lay.addWidget(self.controls)
        self.programs: dict[str, QPlainTextEdit] = {}
        for c in step.lab.controls:
            if c.type == "program":
                edit = QPlainTextEdit(objectName=f"program-{c.id}")
                edit.setPlainText(str(c.default_in("en") or ""))
                self.programs[c.id] = edit
                lay.addWidget(edit, 1)
        self.practical_btn = QPushButton(objectName="examPracticalSubmit", clicked=self.submit_practical)
        self.practical_state = QLabel(objectName="examPracticalState", wordWrap=True)
        lay.addWidget(self.practical_btn, 0, Qt.AlignmentFlag.AlignLeft)
        lay.addWidget(self.practical_state)
        lay.addStretch(1)
        scroll = QScrollArea(widgetResizable=True)
        scroll.setWidget(page)
        self.pages.addWidget(scroll)
        self.index.addItem(QListWidgetItem())
        self._step = step
        return page

    def submit_practical(self) -> None:
        settings = dict(self.controls.values())
        settings.update({cid: e.toPlainText() for cid, e in self.programs.items()})
        if not messages.ask(self, _("Practical"), _(
                "Submit these settings? The practical part can be submitted once; its result is shown at the "
                "end with the rest."), _("Submit")):
            return
        self.practical_btn.setEnabled(False)
        self.practical_state.setText(_("Running the lab…"))

        def ok(_value) -> None:
            self.sitting = self.ctx.exams.current(self.actor) or self.sitting
            self.retranslate()

        def failed(exc: Exception) -> None:
            self.practical_btn.setEnabled(True)
            self.retranslate()
            if isinstance(exc, ExamTimeUp):
                self.show_result()
            else:
                messages.warn(self, _("Practical"), messages.error_text(exc))

        run_in_background(lambda: self.ctx.exams.submit_practical(self.actor, self.sitting.attempt_id, settings),
                          ok, failed, parent=self)

    # --- answering ------------------------------------------------------------------------------

    def _changed(self, qid: str) -> None:
        self._pending.add(qid)
        self.save_timer.start()
        self._update()

    def save_pending(self) -> bool:
        """Send the changed answers to the service; False when the time is up (the result is shown)."""
        while self._pending:
            qid = self._pending.pop()
            try:
                self.ctx.exams.answer(self.actor, self.sitting.attempt_id, qid, self.widgets[qid].response())
            except ExamTimeUp:
                self.show_result()
                return False
            except (ExamError, *WRITE_ERRORS) as exc:
                self._pending.add(qid)  # kept on screen and sent again with the next change
                messages.warn_later(self, _("Exam"), _("Your answer could not be saved: {error}").format(
                    error=messages.error_text(exc)))
                return True
        return True

    def _go(self, step: int) -> None:
        self.index.setCurrentRow(max(0, min(self.index.count() - 1, self.index.currentRow() + step)))

    def _update(self) -> None:
        n = len(self.widgets)
        done = sum(1 for w in self.widgets.values() if w.response() not in (None, "", [], {}))
        self.answered.setText(ngettext("{done} of {n} question answered", "{done} of {n} questions answered",
                                       n).format(done=done, n=n))
        row = self.index.currentRow()
        self.prev_btn.setEnabled(row > 0)
        self.next_btn.setEnabled(row < self.index.count() - 1)
        for i, w in enumerate(self.widgets.values()):
            mark = " •" if w.response() not in (None, "", [], {}) else ""
            self.index.item(i).setText(_("Question {n}").format(n=i + 1) + mark)

    def retranslate(self) -> None:
        exam = self.course.exam
        self.title.setText(content_text(exam.title) if exam and exam.title else content_text(self.course.title))
        self.note.setText(_("Answers are saved as you give them. Whether they are right is shown only when the "
                            "exam has ended."))
        self.prev_btn.setText(_("Previous"))
        self.next_btn.setText(_("Next"))
        self.finish_btn.setText(_("Finish the exam"))
        self.done_btn.setText(_("Back to the courses"))
        if self.practical is not None:
            self.index.item(self.index.count() - 1).setText(_("Practical"))
            lab = self._step.lab
            self.practical_task.setText(content_text(lab.task))
            self.practical_btn.setText(_("Submit the practical"))
            if self.sitting.practical_done:
                self.practical_btn.setEnabled(False)
                self.practical_state.setText(_("Submitted. Its result is shown at the end."))
        self._update()
        if self.result is not None:
            self._result_text()

    # --- the clock and the end --------------------------------------------------------------------

    def remaining_s(self) -> float:
        return (self.sitting.deadline_at - self.ctx.exams.now()).total_seconds()

    def tick(self) -> None:
        if self.result is not None:
            return
        left = self.remaining_s()
        self.countdown.setText(_("Time left {clock}").format(clock=_clock_text(left)))
        if left <= 0:
            self.save_pending()
            self.show_result()

    def finish(self) -> None:
        n = len(self.widgets)
        open_ = n - sum(1 for w in self.widgets.values() if w.response() not in (None, "", [], {}))
        text = _("Finish the exam now? You cannot change your answers afterwards.")
        if open_:
            text = ngettext("{n} question is not answered yet.", "{n} questions are not answered yet.",
                            open_).format(n=open_) + " " + text
        if not messages.ask(self, _("Finish the exam"), text, _("Finish the exam")):
            return
        if self.save_pending():
            self.show_result()

    def show_result(self) -> None:
        """End the attempt (the service grades and seals it) and show its result."""
        if self.result is not None:
            return
        try:
            self.result = self.ctx.exams.finish(self.actor, self.sitting.attempt_id)
        except (ExamError, *WRITE_ERRORS) as exc:
            messages.warn(self, _("Exam"), messages.error_text(exc))
            return
        self.tick_timer.stop()
        self.countdown.setText("")
        self._result_text()
        self.body.setCurrentWidget(self.result_page)
        self.done_btn.setFocus()

    def _result_text(self) -> None:
        r = self.result
        verdict = _("Passed") if r.passed else _("Not passed")
        lines = [_("Your result: {score} — {verdict}").format(score=format_percent(r.score or 0), verdict=verdict),
                 _("Time used: {time}").format(time=format_duration(r.time_used_s))]
        if r.end_reason == "timeout":
            lines.append(_("The time ran out: the exam was submitted with the answers given."))
        if r.practical_score is not None:
            lines.append(_("Questions {quiz}, practical {practical}").format(
                quiz=format_percent(r.quiz_score or 0), practical=format_percent(r.practical_score)))
        self.result_text.setText("\n".join(lines))

    def hideEvent(self, event) -> None:
        # A lock or a logout hides the runner: what was typed in the last moment is saved first.
        if self.result is None and self._pending:
            self.save_pending()
        super().hideEvent(event)

    def _done(self) -> None:
        self.tick_timer.stop()
        self.on_done()

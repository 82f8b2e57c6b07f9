"""Instructor workspace, Exams tab (issue 19): open a session, watch it live, close it, results, regrade.

Opening names the course (those with an exam), the class, the workstations where it may be taken
and each trainee's extra time. The live list shows every class member's state (not started,
running with the time left, finished with the sealed result) and is refreshed every few seconds
while the tab is shown. Grants, closing and regrading are the service's (it checks the role).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_datetime, format_duration, format_percent, ngettext
from app.services.auth import Actor
from app.services.errors import WRITE_ERRORS
from app.services.exams import ExamError
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine

REFRESH_MS = 5000
_ERRORS = (ExamError, PermissionError, *WRITE_ERRORS)


class ExamsPanel(QWidget):
    def __init__(self, ctx, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="examsPanel")
        self.ctx, self.actor = ctx, actor
        lay = QHBoxLayout(self)

        # --- left: open a session ---
        self.open_box = QGroupBox()
        form = QFormLayout(self.open_box)
        self.course = QComboBox(objectName="examCourse")
        self.cohort = QComboBox(objectName="examClass")
        self.cohort.currentIndexChanged.connect(self._fill_members)
        self.stations = QListWidget(objectName="examWorkstations")
        self.stations.setMaximumHeight(110)
        self.extra = QTableWidget(0, 2, objectName="examExtraTime")
        self.extra.verticalHeader().hide()
        self.extra.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.open_btn = QPushButton(objectName="examOpen", clicked=self.open_session)
        self.course_label, self.class_label = QLabel(), QLabel()
        self.stations_label, self.extra_label = QLabel(), QLabel()
        form.addRow(self.course_label, self.course)
        form.addRow(self.class_label, self.cohort)
        form.addRow(self.stations_label, self.stations)
        form.addRow(self.extra_label, self.extra)
        form.addRow(self.open_btn)
        self.open_box.setMaximumWidth(420)
        lay.addWidget(self.open_box)

        # --- right: sessions, live list, results ---
        right = QVBoxLayout()
        top = QHBoxLayout()
        self.session_label = QLabel()
        self.sessions = QComboBox(objectName="examSessions")
        self.sessions.currentIndexChanged.connect(lambda _i: self.refresh_roster())
        self.close_btn = QPushButton(objectName="examClose", clicked=self.close_session)
        top.addWidget(self.session_label)
        top.addWidget(self.sessions, 1)
        top.addWidget(self.close_btn)
        right.addLayout(top)
        self.roster = QTableWidget(0, 6, objectName="examRoster")
        self.roster.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.roster.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.roster.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.roster.verticalHeader().hide()
        self.roster.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        right.addWidget(self.roster, 1)
        actions = QHBoxLayout()
        self.grant_btn = QPushButton(objectName="examGrant", clicked=self.grant)
        self.reason = QLineEdit(objectName="examRegradeReason")
        self.regrade_btn = QPushButton(objectName="examRegrade", clicked=self.regrade)
        actions.addWidget(self.grant_btn)
        actions.addStretch(1)
        actions.addWidget(self.reason, 1)
        actions.addWidget(self.regrade_btn)
        right.addLayout(actions)
        self.status = StatusLine(objectName="examStatus")
        right.addWidget(self.status)
        lay.addLayout(right, 1)

        self.timer = QTimer(self, interval=REFRESH_MS, timeout=self.refresh_roster)
        self._rows: list = []
        on_language_changed(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.open_box.setTitle(_("Open an exam session"))
        self.course_label.setText(_("Course"))
        self.class_label.setText(_("Class"))
        self.stations_label.setText(_("Workstations"))
        self.extra_label.setText(_("Extra time"))
        self.extra.setHorizontalHeaderLabels([_("Trainee"), _("Minutes")])
        self.open_btn.setText(_("Open the session"))
        self.session_label.setText(_("Session"))
        self.close_btn.setText(_("Close the session"))
        self.grant_btn.setText(_("Grant another attempt"))
        self.reason.setPlaceholderText(_("What was corrected in the key"))
        self.regrade_btn.setText(_("Regrade the course"))
        self.roster.setHorizontalHeaderLabels([_("Trainee"), _("State"), _("Attempts"), _("Time left"), _("Score"),
                                               _("Result")])
        self._fill_roster()

    # --- lists ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Courses with an exam, classes, workstations and sessions, keeping the current choices."""
        keep_course, keep_class = self.course.currentData(), self.cohort.currentData()
        self.course.clear()
        for course in self.ctx.library.courses():
            if course.exam is not None:
                self.course.addItem(content_text(course.title), course.id)
        self.cohort.blockSignals(True)
        self.cohort.clear()
        for c in self.ctx.cohorts.list(self.actor):
            self.cohort.addItem(c.name, c.cohort_id)
        self.cohort.blockSignals(False)
        for combo, value in ((self.course, keep_course), (self.cohort, keep_class)):
            i = combo.findData(value)
            if i >= 0:
                combo.setCurrentIndex(i)
        self._fill_members()
        self.stations.clear()
        for ws_id, label in self.ctx.exams.known_workstations(self.actor):
            item = QListWidgetItem(f"{label} ({ws_id[:8]})")
            item.setData(Qt.ItemDataRole.UserRole, ws_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if ws_id == self.ctx.exams.workstation_id
                               else Qt.CheckState.Unchecked)
            self.stations.addItem(item)
        self._fill_sessions()
        self.retranslate()

    def _title(self, course_id: str) -> str:
        try:
            return content_text(self.ctx.library.get(course_id).title)
        except KeyError:
            return course_id

    def _fill_members(self) -> None:
        cohort_id = self.cohort.currentData()
        members = self.ctx.cohorts.members(self.actor, cohort_id) if cohort_id else []
        self.extra.setRowCount(len(members))
        for row, (user_id, _login, name) in enumerate(members):
            item = QTableWidgetItem(name)
            item.setData(Qt.ItemDataRole.UserRole, user_id)
            item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.extra.setItem(row, 0, item)
            spin = QSpinBox(minimum=0, maximum=600, singleStep=5)
            self.extra.setCellWidget(row, 1, spin)

    def _fill_sessions(self, select: str | None = None) -> None:
        keep = select or self.sessions.currentData()
        self.sessions.blockSignals(True)
        self.sessions.clear()
        for s in self.ctx.exams.sessions(self.actor):
            state = _("open") if s.open else _("closed")
            self.sessions.addItem(_("{course} · {cohort} · {opened} ({state})").format(
                course=self._title(s.course_id), cohort=s.cohort_name, opened=format_datetime(s.opened_at),
                state=state), s.session_id)
        i = self.sessions.findData(keep)
        self.sessions.setCurrentIndex(i if i >= 0 else 0)
        self.sessions.blockSignals(False)
        self.refresh_roster()

    def refresh_roster(self) -> None:
        session_id = self.sessions.currentData()
        try:
            self._rows = self.ctx.exams.roster(self.actor, session_id) if session_id else []
            info = self.ctx.exams.session(self.actor, session_id) if session_id else None
        except _ERRORS as exc:
            self.status.setText(messages.error_text(exc))
            return
        self.close_btn.setEnabled(bool(info and info.open))
        self.grant_btn.setEnabled(bool(info and info.open))
        self._fill_roster()

    def _fill_roster(self) -> None:
        states = {"not_started": _("Not started"), "running": _("Running"), "finished": _("Finished")}
        self.roster.setRowCount(len(self._rows))
        for row, r in enumerate(self._rows):
            result = "" if r.passed is None else (_("Passed") if r.passed else _("Not passed"))
            cells = [r.user_name, states[r.state], f"{r.attempts}/{r.attempts_allowed}",
                     format_duration(r.remaining_s) if r.remaining_s is not None else "",
                     format_percent(r.score) if r.score is not None else "", result]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.user_id)
                self.roster.setItem(row, col, item)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh_roster()
        self.timer.start()

    def hideEvent(self, event) -> None:
        self.timer.stop()
        super().hideEvent(event)

    # --- actions --------------------------------------------------------------------------------

    def open_session(self) -> None:
        stations = [self.stations.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.stations.count())
                    if self.stations.item(i).checkState() == Qt.CheckState.Checked]
        extra = {self.extra.item(r, 0).data(Qt.ItemDataRole.UserRole): self.extra.cellWidget(r, 1).value()
                 for r in range(self.extra.rowCount()) if self.extra.cellWidget(r, 1).value()}
        if self.course.currentData() is None or self.cohort.currentData() is None:
            messages.warn(self, _("Exams"), _("Choose a course with an exam and a class."))
            return
        try:
            info = self.ctx.exams.open_session(self.actor, self.course.currentData(), self.cohort.currentData(),
                                               stations, extra)
        except _ERRORS as exc:
            messages.warn(self, _("Exams"), messages.error_text(exc))
            return
        n_open = len(info.workstation_ids)
        self.status.say(lambda: ngettext("The exam is open on {n} workstation.",
                                         "The exam is open on {n} workstations.", n_open).format(n=n_open))
        self._fill_sessions(select=info.session_id)

    def close_session(self) -> None:
        session_id = self.sessions.currentData()
        if not session_id or not messages.ask(self, _("Close the session"), _(
                "Close this exam session? Nobody can start it any more, and exams still running are submitted "
                "with the answers given."), _("Close the session"), destructive=True):
            return
        try:
            n = self.ctx.exams.close_session(self.actor, session_id)
        except _ERRORS as exc:
            messages.warn(self, _("Exams"), messages.error_text(exc))
            return
        self.status.say(lambda: ngettext("Closed; {n} running exam was submitted.",
                                         "Closed; {n} running exams were submitted.", n).format(n=n))
        self._fill_sessions(select=session_id)

    def grant(self) -> None:
        row = self.roster.currentRow()
        session_id = self.sessions.currentData()
        if row < 0 or not session_id:
            messages.inform(self, _("Exams"), _("Choose a trainee in the list first."))
            return
        r = self._rows[row]
        if not messages.ask(self, _("Grant another attempt"), _("Let {name} take this exam once more?").format(
                name=r.user_name), _("Grant")):
            return
        try:
            self.ctx.exams.grant_attempt(self.actor, session_id, r.user_id)
        except _ERRORS as exc:
            messages.warn(self, _("Exams"), messages.error_text(exc))
            return
        self.status.say(lambda: _("{name} may take the exam once more.").format(name=r.user_name))
        self.refresh_roster()

    def regrade(self) -> None:
        course_id = self.course.currentData()
        if course_id is None:
            return
        if not messages.ask(self, _("Regrade the course"), _(
                "Regrade every exam result of “{course}” against the course as installed now? Each changed "
                "result is recorded in the audit log.").format(course=self.course.currentText()), _("Regrade")):
            return
        try:
            changes = self.ctx.exams.regrade(self.actor, course_id, self.reason.text().strip())
        except _ERRORS as exc:
            messages.warn(self, _("Exams"), messages.error_text(exc))
            return
        self.status.say(lambda: ngettext("{n} result changed.", "{n} results changed.", len(changes)).format(
            n=len(changes)))
        self.refresh_roster()

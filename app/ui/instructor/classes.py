"""Instructor workspace, classes tab: create classes, add or import trainees, assign courses."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date
from app.services.auth import ServiceError
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed


class AssignDialog(QDialog):
    def __init__(self, courses, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Assign a course"))
        form = QFormLayout(self)
        self.course = QComboBox(objectName="assignCourse")
        for c in courses:
            self.course.addItem(content_text(c.title), c.id)
        self.due = QDateEdit(objectName="assignDue", calendarPopup=True)
        self.due.setDate(QDate.currentDate().addDays(30))
        form.addRow(_("Course:"), self.course)
        form.addRow(_("Due date:"), self.due)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def due_date(self) -> dt.date:
        return self.due.date().toPython()


class CohortsPanel(QWidget):
    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        lay = QHBoxLayout(self)
        split = QSplitter()
        lay.addWidget(split)
        left = QWidget()
        ll = QVBoxLayout(left)
        self.new_btn = QPushButton(objectName="newCohort")
        self.new_btn.clicked.connect(self._new)
        self.list = QListWidget(objectName="cohortList")
        self.list.currentRowChanged.connect(lambda _row: self._show_members())
        ll.addWidget(self.new_btn)
        ll.addWidget(self.list, 1)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(objectName="addMember")
        self.import_btn = QPushButton(objectName="importRoster")
        self.assign_btn = QPushButton(objectName="assignCourse")
        for b in (self.add_btn, self.import_btn, self.assign_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        rl.addLayout(bar)
        self.courses_label = QLabel(objectName="cohortCourses", wordWrap=True)
        rl.addWidget(self.courses_label)
        self.members = QTableWidget(0, 2, objectName="memberTable")
        self.members.verticalHeader().hide()
        self.members.horizontalHeader().setStretchLastSection(True)
        self.members.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        rl.addWidget(self.members, 1)
        self.status = QLabel(objectName="statusLabel", wordWrap=True)
        rl.addWidget(self.status)
        split.addWidget(right)
        split.setSizes([260, 700])
        self.add_btn.clicked.connect(self._add_member)
        self.import_btn.clicked.connect(self._import)
        self.assign_btn.clicked.connect(self._assign)
        on_language_changed(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.new_btn.setText(_("New class…"))
        self.add_btn.setText(_("Add trainee…"))
        self.import_btn.setText(_("Import roster (CSV/XLSX)…"))
        self.assign_btn.setText(_("Assign course…"))
        self.members.setHorizontalHeaderLabels([_("Login"), _("Name")])
        self._show_members()

    def refresh(self) -> None:
        current = self.current_id()
        self.cohorts = self.ctx.cohorts.list(self.actor)
        self.list.blockSignals(True)
        self.list.clear()
        for info in self.cohorts:
            item = QListWidgetItem(f"{info.name} ({info.members})")
            self.list.addItem(item)
        self.list.blockSignals(False)
        ids = [c.cohort_id for c in self.cohorts]
        self.list.setCurrentRow(ids.index(current) if current in ids else (0 if ids else -1))
        self._show_members()

    def current_id(self) -> str | None:
        row = self.list.currentRow() if hasattr(self, "cohorts") else -1
        return self.cohorts[row].cohort_id if 0 <= row < len(self.cohorts) else None

    def _show_members(self) -> None:
        cid = self.current_id()
        for b in (self.add_btn, self.import_btn, self.assign_btn):
            b.setEnabled(cid is not None)
        if cid is None:
            self.members.setRowCount(0)
            self.courses_label.setText(_("Create a class to start."))
            return
        rows = self.ctx.cohorts.members(self.actor, cid)
        self.members.setRowCount(len(rows))
        for r, (_uid, login, name) in enumerate(rows):
            self.members.setItem(r, 0, QTableWidgetItem(login))
            self.members.setItem(r, 1, QTableWidgetItem(name))
        info = self.cohorts[self.list.currentRow()]
        titles = {c.id: content_text(c.title) for c in self._courses()}
        if info.courses:
            parts = [_("{course} (due {date})").format(course=titles.get(cid_, cid_),
                                                     date=format_date(due, "medium") if due else "—")
                     for cid_, due in info.courses]
            self.courses_label.setText(_("Assigned courses: {list}").format(list="; ".join(parts)))
        else:
            self.courses_label.setText(_("No course assigned yet."))

    def _courses(self):
        try:
            return self.ctx.library.courses()
        except Exception:  # noqa: BLE001 - shown as no courses; the catalog reports problems
            return []

    def _new(self) -> None:
        name, ok = QInputDialog.getText(self, _("New class"), _("Class name:"))
        if not ok:
            return
        try:
            self.ctx.cohorts.create(self.actor, name)
        except ServiceError as exc:
            messages.warn(self, _("New class"), str(exc))
            return
        self.refresh()
        self.list.setCurrentRow(next(i for i, c in enumerate(self.cohorts) if c.name == name.strip()))

    def _add_member(self) -> None:
        cid = self.current_id()
        login, ok = QInputDialog.getText(self, _("Add trainee"), _("Login of the trainee:"))
        if not ok or cid is None:
            return
        try:
            self.ctx.cohorts.add_member(self.actor, cid, login)
        except ServiceError as exc:
            messages.warn(self, _("Add trainee"), str(exc))
            return
        self.refresh()

    def _import(self) -> None:
        cid = self.current_id()
        path, _filter = QFileDialog.getOpenFileName(self, _("Import roster"), "",
                                                    _("Rosters (*.csv *.xlsx)"))
        if not path or cid is None:
            return
        self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        cid = self.current_id()
        try:
            res = self.ctx.cohorts.import_roster(self.actor, cid, path)
        except ServiceError as exc:
            messages.warn(self, _("Import roster"), str(exc))
            return
        lines = [_("{added} trainees added, {created} new accounts.").format(added=len(set(res.added)),
                                                                          created=len(res.created))]
        if res.passwords:
            lines.append(_("Initial passwords (hand them out; trainees can change them in Settings):"))
            lines += [f"  {login}: {pw}" for login, pw in res.passwords.items()]
        lines += res.errors
        self.status.setText("\n".join(lines))
        self.refresh()

    def _assign(self) -> None:
        cid = self.current_id()
        dlg = AssignDialog(self._courses(), self)
        if cid is None or dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            n = self.ctx.cohorts.assign_course(self.actor, cid, dlg.course.currentData(), dlg.due_date())
        except ServiceError as exc:
            messages.warn(self, _("Assign a course"), str(exc))
            return
        self.status.setText(_("Course assigned to {n} trainees.").format(n=n))
        self.refresh()

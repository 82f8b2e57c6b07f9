"""Instructor workspace, classes tab: classes and their trainees, rosters, course assignments.

Trainees are added by searching their name or login (``CohortService.find_trainees``); the
service refuses anyone who is not a trainee. Due dates are shown in the user's language in
Babel's medium format (Jan 6, 2027 / 2027年1月6日), never as ambiguous numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from PySide6.QtCore import QDate, QLocale, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, babel_locale, format_date, ngettext
from app.services.auth import PermissionDenied, ServiceError
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.dialogs import ok_button, ok_cancel
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine


def qt_medium_date_format() -> str:
    """Babel's medium date pattern for the UI language as a Qt display format ("MMM d, yyyy", "yyyy年M月d日")."""
    from babel.dates import get_date_format

    pattern = get_date_format("medium", locale=babel_locale()).pattern
    return re.sub(r"y+", "yyyy", pattern)


class AssignDialog(QDialog):
    def __init__(self, courses, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Assign a course"))
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.course = QComboBox(objectName="assignCourse")
        self.course.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        for c in courses:
            self.course.addItem(content_text(c.title), c.id)
        self.due = QDateEdit(objectName="assignDue", calendarPopup=True)
        self.due.setLocale(QLocale(babel_locale().language + ("_" + babel_locale().territory
                                                              if babel_locale().territory else "")))
        self.due.setDisplayFormat(qt_medium_date_format())
        self.due.setDate(QDate.currentDate().addDays(30))
        form.addRow(_("Course:"), self.course)
        form.addRow(_("Due date:"), self.due)
        form.addRow(ok_cancel(self))

    def due_date(self) -> dt.date:
        return self.due.date().toPython()


class AddTraineesDialog(QDialog):
    """Search trainees by name or login and tick the ones to add; members already in are shown greyed."""

    def __init__(self, find, members: set[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Add trainees"))
        self.setMinimumSize(520, 420)
        self._find = find
        self._members = members
        lay = QVBoxLayout(self)
        self.search = QLineEdit(objectName="traineeSearch", placeholderText=_("Type part of a name or login…"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._update)
        self.matches = QListWidget(objectName="traineeMatches")
        self.matches.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.matches.itemActivated.connect(self._toggle)
        self.count = QLabel(objectName="statusLabel")
        lay.addWidget(self.search)
        lay.addWidget(self.matches, 1)
        lay.addWidget(self.count)
        buttons = ok_cancel(self)
        self.ok_btn = ok_button(buttons)
        lay.addWidget(buttons)
        self.search.returnPressed.connect(self._enter)
        self._update()
        self.search.setFocus()

    def _update(self) -> None:
        ticked = set(self.chosen())
        self.matches.clear()
        for login, name in self._find(self.search.text()):
            item = QListWidgetItem(f"{name}  ·  {login}")
            item.setData(Qt.ItemDataRole.UserRole, login)
            if login in self._members:
                item.setText(_("{name}  ·  {login} (already in the class)").format(name=name, login=login))
                item.setFlags(Qt.ItemFlag.NoItemFlags)
            else:
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked if login in ticked else Qt.CheckState.Unchecked)
            self.matches.addItem(item)
        if self.matches.count() == 0:
            self.count.setText(_("No trainee matches “{text}”.").format(text=self.search.text().strip()))
        else:
            self.count.setText(ngettext("{n} trainee found. Tick the ones to add.",
                                        "{n} trainees found. Tick the ones to add.",
                                        self.matches.count()).format(n=self.matches.count()))

    def _toggle(self, item: QListWidgetItem) -> None:
        if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
            checked = item.checkState() == Qt.CheckState.Checked
            item.setCheckState(Qt.CheckState.Unchecked if checked else Qt.CheckState.Checked)

    def _enter(self) -> None:
        """Enter with one match ticks it; with ticks, adds them."""
        open_items = [self.matches.item(i) for i in range(self.matches.count())
                      if self.matches.item(i).flags() & Qt.ItemFlag.ItemIsUserCheckable]
        if not self.chosen() and len(open_items) == 1:
            open_items[0].setCheckState(Qt.CheckState.Checked)
        if self.chosen():
            self.accept()

    def chosen(self) -> list[str]:
        return [self.matches.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.matches.count())
                if self.matches.item(i).checkState() == Qt.CheckState.Checked]


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
        self.rename_btn = QPushButton(objectName="renameCohort")
        self.rename_btn.clicked.connect(self._rename)
        self.delete_btn = QPushButton(objectName="deleteCohort")
        self.delete_btn.clicked.connect(self._delete)
        self.list = QListWidget(objectName="cohortList")
        self.list.currentRowChanged.connect(lambda _row: self._show_members())
        ll.addWidget(self.new_btn)
        ll.addWidget(self.list, 1)
        lb = QHBoxLayout()
        lb.addWidget(self.rename_btn)
        lb.addWidget(self.delete_btn)
        ll.addLayout(lb)
        split.addWidget(left)
        right = QWidget()
        rl = QVBoxLayout(right)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(objectName="addMember")
        self.import_btn = QPushButton(objectName="importRoster")
        self.assign_btn = QPushButton(objectName="assignCourse")
        self.remove_btn = QPushButton(objectName="removeMember")
        for b in (self.add_btn, self.remove_btn, self.import_btn, self.assign_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        rl.addLayout(bar)
        self.courses_label = QLabel(objectName="cohortCourses", wordWrap=True)
        rl.addWidget(self.courses_label)
        self.members = QTableWidget(0, 2, objectName="memberTable")
        self.members.verticalHeader().hide()
        self.members.horizontalHeader().setStretchLastSection(True)
        self.members.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.members.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.members.itemSelectionChanged.connect(self._selection_changed)
        rl.addWidget(self.members, 1)
        self.status = StatusLine()
        rl.addWidget(self.status)
        split.addWidget(right)
        split.setSizes([260, 700])
        self.add_btn.clicked.connect(self._add_member)
        self.import_btn.clicked.connect(self._import)
        self.assign_btn.clicked.connect(self._assign)
        self.remove_btn.clicked.connect(self._remove_members)
        on_language_changed(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.new_btn.setText(_("New class…"))
        self.add_btn.setText(_("Add trainees…"))
        self.remove_btn.setText(_("Remove from class…"))
        self.rename_btn.setText(_("Rename class…"))
        self.delete_btn.setText(_("Delete class…"))
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
        for b in (self.add_btn, self.import_btn, self.assign_btn, self.rename_btn, self.delete_btn):
            b.setEnabled(cid is not None)
        self.remove_btn.setEnabled(False)
        if cid is None:
            self.members.setRowCount(0)
            self.courses_label.setText(_("Create a class to start."))
            return
        rows = self.ctx.cohorts.members(self.actor, cid)
        self.member_rows = rows
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

    def _selection_changed(self) -> None:
        self.remove_btn.setEnabled(bool(self.members.selectionModel().selectedRows()))

    def add_dialog(self) -> AddTraineesDialog:
        members = {login for _uid, login, _name in getattr(self, "member_rows", [])}
        return AddTraineesDialog(lambda text: self.ctx.cohorts.find_trainees(self.actor, text), members, self)

    def _add_member(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        dlg = self.add_dialog()
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        self.add_members(dlg.chosen())

    def add_members(self, logins: list[str]) -> None:
        cid = self.current_id()
        added, problems = 0, []
        for login in logins:
            try:
                self.ctx.cohorts.add_member(self.actor, cid, login)
                added += 1
            except (ServiceError, PermissionDenied) as exc:
                problems.append(str(exc))
        self.status.say_lines([lambda: ngettext("{n} trainee added.", "{n} trainees added.", added).format(n=added)]
                              + [lambda p=p: p for p in problems])
        self.refresh()

    def _remove_members(self) -> None:
        cid = self.current_id()
        rows = sorted({i.row() for i in self.members.selectionModel().selectedRows()})
        if cid is None or not rows:
            return
        people = [self.member_rows[r] for r in rows]
        names = ", ".join(f"{name} ({login})" for _uid, login, name in people)
        if not messages.ask(self, _("Remove from class"),
                            _("Remove {names} from the class? They keep their courses and progress.").format(
                                names=names), yes_label=_("Remove"), destructive=True):
            return
        try:
            for uid, _login, _name in people:
                self.ctx.cohorts.remove_member(self.actor, cid, uid)
        except (ServiceError, PermissionDenied) as exc:
            self.status.setText(str(exc))
        else:
            self.status.say(lambda: ngettext("{n} trainee removed from the class.",
                                             "{n} trainees removed from the class.", len(people)).format(n=len(people)))
        self.refresh()

    def _rename(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        old = self.cohorts[self.list.currentRow()].name
        name, ok = QInputDialog.getText(self, _("Rename class"), _("Class name:"), text=old)
        if not ok or name.strip() == old:
            return
        try:
            self.ctx.cohorts.rename(self.actor, cid, name)
        except (ServiceError, PermissionDenied) as exc:
            messages.warn(self, _("Rename class"), str(exc))
            return
        self.status.say(lambda: _("Renamed the class “{old}” to “{new}”.").format(old=old, new=name.strip()))
        self.refresh()

    def _delete(self) -> None:
        cid = self.current_id()
        if cid is None:
            return
        info = self.cohorts[self.list.currentRow()]
        if not messages.ask(self, _("Delete class"),
                            ngettext("Delete the class “{name}” with its {n} trainee? The trainee keeps the courses "
                                     "and progress; only the class goes.",
                                     "Delete the class “{name}” with its {n} trainees? The trainees keep their "
                                     "courses and progress; only the class goes.", info.members).format(
                                         name=info.name, n=info.members),
                            yes_label=_("Delete class"), destructive=True):
            return
        try:
            self.ctx.cohorts.delete(self.actor, cid)
        except (ServiceError, PermissionDenied) as exc:
            self.status.setText(str(exc))
            return
        self.status.say(lambda: _("Deleted the class “{name}”.").format(name=info.name))
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
        lines = [lambda: _("{added} trainees added, {created} new accounts.").format(added=len(set(res.added)),
                                                                                  created=len(res.created))]
        if res.passwords:
            lines.append(lambda: _("Initial passwords (hand them out; trainees can change them in Settings):"))
            lines += [lambda line=f"  {login}: {pw}": line for login, pw in res.passwords.items()]
        lines += [lambda e=e: e for e in res.errors]
        self.status.say_lines(lines)
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
        self.status.say(lambda: _("Course assigned to {n} trainees.").format(n=n))
        self.refresh()

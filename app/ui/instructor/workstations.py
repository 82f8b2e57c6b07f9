"""Instructor workspace, Workstations tab (administrators): this PC's fingerprint, enrol and revoke.

A workstation's bundles import only when an administrator has enrolled its fingerprint here
(app/services/workstations.py decides and audits; docs/administrator-sync.md explains). The
fingerprint is typed or pasted, then shown again in a confirmation to compare, character
group by character group, with what the other workstation shows, the way SSH host keys are.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QCompleter,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.auth import PermissionDenied, Role, ServiceError, require_role
from app.services.workstations import WorkstationInfo, parse_fingerprint
from app.ui.common import messages
from app.ui.common.form_rows import action_row, labelled_rows
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.common.table_model import Column, RowsModel, make_view
from app.ui.instructor.dates import when


def kind_label(info_role: Role) -> str:
    """What an enrolment lets the workstation change, in the administrator's words."""
    return {Role.TRAINEE: _("A trainee's own device"), Role.INSTRUCTOR: _("Instructor workstation"),
            Role.ADMIN: _("Administrator workstation")}[Role(info_role)]


def fingerprint_font(size: int) -> QFont:
    font = QFont("monospace")
    font.setStyleHint(QFont.StyleHint.Monospace)
    font.setPointSize(size)
    font.setBold(True)
    return font


def may_change_text(w: WorkstationInfo) -> str:
    return kind_label(w.role) + (f" ({w.account_login})" if w.account_login else "")


def status_text(w: WorkstationInfo) -> str:
    if w.revoked_at is not None:
        return _("Revoked {when}").format(when=when(w.revoked_at))
    if w.last_import_at is not None:
        return _("Enrolled · last import {when}").format(when=when(w.last_import_at))
    return _("Enrolled · nothing imported yet")


def workstations_model() -> RowsModel:
    """The enrolled workstations: one row a ``WorkstationInfo``."""
    return RowsModel([
        Column(lambda: _("Workstation"), lambda w: w.name),
        Column(lambda: _("Fingerprint"), lambda w: w.fingerprint, font=fingerprint_font(10)),
        Column(lambda: _("May change"), may_change_text),
        Column(lambda: _("Enrolled by"), lambda w: w.enrolled_by or "—"),
        Column(lambda: _("Enrolled on"), lambda w: when(w.enrolled_at)),
        Column(lambda: _("Status"), status_text, stretch=True),
    ])


class WorkstationsPanel(QWidget):
    """The administrator's trust screen: whose bundles this center accepts."""

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        require_role(actor, Role.ADMIN)
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        lay = QVBoxLayout(self)

        self.own_box = QGroupBox()
        own = QVBoxLayout(self.own_box)
        self.own_intro = QLabel(wordWrap=True)
        row = QHBoxLayout()
        self.own_fp = QLabel(objectName="ownFingerprint")
        # A style sheet, not setFont: the application's style sheet would override the font.
        self.own_fp.setStyleSheet("QLabel { font-family: monospace; font-size: 22pt; font-weight: bold; "
                                  "color: #123a5c; padding: 4px 0px; }")
        self.own_fp.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.copy_btn = QPushButton(objectName="copyFingerprint")
        self.copy_btn.clicked.connect(self._copy_own)
        row.addWidget(self.own_fp)
        row.addWidget(self.copy_btn)
        row.addStretch(1)
        own.addWidget(self.own_intro)
        own.addLayout(row)
        lay.addWidget(self.own_box)

        self.enrol_box = QGroupBox()
        form = QFormLayout(self.enrol_box)
        self.fp_edit = QLineEdit(objectName="enrolFingerprint", placeholderText="K7QW-3MZD-PX2A-UFTN-ELC4")
        self.fp_edit.setFont(fingerprint_font(11))
        self.name_edit = QLineEdit(objectName="enrolName")
        self.kind = QComboBox(objectName="enrolKind")
        for r in (Role.INSTRUCTOR, Role.ADMIN, Role.TRAINEE):
            self.kind.addItem("", r.value)
        self.trainee_login = QLineEdit(objectName="enrolTrainee")
        self.form_labels = labelled_rows(form, (self.fp_edit, self.name_edit, self.kind, self.trainee_login))
        self.enrol_btn = QPushButton(objectName="enrolWorkstation")
        self.enrol_btn.clicked.connect(self._enrol)
        self.fp_edit.returnPressed.connect(self._enrol)
        self.enrol_msg = action_row(form, self.enrol_btn)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        lay.addWidget(self.enrol_box)

        bar = QHBoxLayout()
        self.list_label = QLabel(objectName="sectionTitle")
        self.refresh_btn = QPushButton(objectName="refreshWorkstations")
        self.revoke_btn = QPushButton(objectName="revokeWorkstation")
        bar.addWidget(self.list_label, 1)
        bar.addWidget(self.refresh_btn)
        bar.addWidget(self.revoke_btn)
        lay.addLayout(bar)
        self.model = workstations_model()
        self.table = make_view(self.model, "workstationsTable")
        lay.addWidget(self.table, 1)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.refresh_btn.clicked.connect(self.refresh)
        self.revoke_btn.clicked.connect(self._revoke)
        on_language_changed(self, self.retranslate)
        self._kind_changed()
        self.refresh()

    def retranslate(self) -> None:
        self.own_box.setTitle(_("This workstation"))
        self.own_intro.setText(_("Other workstations enrol this fingerprint to accept bundles from this one. "
                                 "Read it out and compare it on both screens."))
        self.copy_btn.setText(_("Copy"))
        self.enrol_box.setTitle(_("Enrol a workstation"))
        for label, text in zip(self.form_labels, (_("&Fingerprint:"), _("N&ame:"), _("It may &change:"),
                                                  _("&Trainee's login:"))):
            label.setText(text)
        self.name_edit.setPlaceholderText(_("e.g. Room 2, PC 3"))
        for i in range(self.kind.count()):
            self.kind.setItemText(i, kind_label(Role(self.kind.itemData(i))))
        self.enrol_btn.setText(_("Enrol…"))
        self.list_label.setText(_("Enrolled workstations"))
        self.refresh_btn.setText(_("Refresh"))
        self.revoke_btn.setText(_("Revoke…"))
        self.model.retranslate()

    def refresh(self) -> None:
        try:
            self.own_fp.setText(self.ctx.workstations.own_fingerprint())
            self.model.set_rows(self.ctx.workstations.list(self.actor))
        except (ServiceError, PermissionDenied) as exc:
            self.status.setText(str(exc))
            return

    def _kind_changed(self) -> None:
        trainee = Role(self.kind.currentData()) is Role.TRAINEE
        self.trainee_login.setEnabled(trainee)
        self.form_labels[3].setEnabled(trainee)
        if trainee:  # offer the trainees' logins as they are typed (name or login)
            try:
                people = self.ctx.accounts.list_users(self.actor, Role.TRAINEE)
            except (ServiceError, PermissionDenied):
                people = []
            completer = QCompleter([u.login for u in people], self.trainee_login)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            self.trainee_login.setCompleter(completer)

    def _copy_own(self) -> None:
        QGuiApplication.clipboard().setText(self.own_fp.text())
        self.status.say(lambda: _("Fingerprint copied."))

    def _selected(self) -> WorkstationInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def _enrol(self) -> None:
        try:
            fp = parse_fingerprint(self.fp_edit.text())
        except ServiceError as exc:
            self.enrol_msg.setText(str(exc))
            self.fp_edit.setFocus()
            return
        role = Role(self.kind.currentData())
        login = self.trainee_login.text().strip() if role is Role.TRAINEE else None
        name = self.name_edit.text().strip() or fp
        who = kind_label(role) + (f" ({login})" if login else "")
        text = _("Compare this fingerprint with the one the workstation shows, group by group:\n\n{fp}\n\n"
                 "Name: {name}\nIt may change: {kind}\n\nEnrol it only if every character is the same.").format(
            fp=fp, name=name, kind=who)
        if not messages.ask(self, _("Enrol workstation"), text, yes_label=_("They match: enrol")):
            return
        try:
            info = self.ctx.workstations.enroll(self.actor, fp, name, role, login)
        except (ServiceError, PermissionDenied) as exc:
            self.enrol_msg.setText(str(exc))
            return
        self.enrol_msg.say(lambda: _("Enrolled {name} ({fp}).").format(name=info.name, fp=info.fingerprint))
        for field in (self.fp_edit, self.name_edit, self.trainee_login):
            field.clear()
        self.refresh()

    def _revoke(self) -> None:
        w = self._selected()
        if w is None:
            self.status.say(lambda: _("Choose a workstation in the list first."))
            return
        if not messages.ask(self, _("Revoke workstation"),
                            _("Refuse bundles from {name} ({fp}) from now on? What it brought before stays.").format(
                                name=w.name, fp=w.fingerprint), yes_label=_("Revoke"), destructive=True):
            return
        try:
            info = self.ctx.workstations.revoke(self.actor, w.fingerprint)
        except (ServiceError, PermissionDenied) as exc:
            self.status.setText(str(exc))
            return
        self.status.say(lambda: _("Revoked {name} ({fp}).").format(name=info.name, fp=info.fingerprint))
        self.refresh()

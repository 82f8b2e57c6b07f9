"""Instructor workspace, accounts tab: create trainees, reset passwords, disable, rename, see lockouts.

The service decides who may do what and checks names (``check_display_name``); this tab
keeps the user's input when it refuses, and refreshes whenever it is shown, so accounts
added on the command line or by an import appear without logging in again.
"""

from __future__ import annotations

import datetime as dt

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.accounts import MIN_PASSWORD_LENGTH, UserInfo, check_display_name
from app.services.auth import PermissionDenied, Role, ServiceError, role_label
from app.ui.common import messages
from app.ui.common.dialogs import add_form_footer
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.common.table_model import Column, RowsModel, make_view
from app.ui.instructor.dates import when


def locked(user: UserInfo) -> bool:
    """Locked out after too many wrong passwords (until the time passes or a password reset)."""
    return user.locked_until is not None and user.locked_until > dt.datetime.now(dt.UTC)


def status_text(user: UserInfo) -> str:
    if user.disabled:
        return _("Disabled")
    if locked(user):
        return _("Locked until {time}").format(time=when(user.locked_until))
    return _("Active")


BLOCKED = QColor("#b3261e")  # a disabled or locked-out account's status


def users_model() -> RowsModel:
    """The accounts table: one row a ``UserInfo``."""
    return RowsModel([
        Column(lambda: _("Login"), lambda u: u.login),
        Column(lambda: _("Name"), lambda u: u.display_name),
        Column(lambda: _("Role"), lambda u: role_label(u.role)),
        Column(lambda: _("Status"), status_text,
               foreground=lambda u: BLOCKED if u.disabled or locked(u) else None),
        Column(lambda: _("Last login"), lambda u: when(u.last_login_at) if u.last_login_at else "—", stretch=True),
    ])


class NewUserDialog(QDialog):
    """Name, login, role and the password typed twice; ``create(dialog)`` is tried on OK.

    When the service refuses, its message is shown inside the dialog, which stays open
    with everything typed, and the field it is about gets the focus.
    """

    def __init__(self, allow_staff: bool, create, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New account"))
        self.setMinimumWidth(480)
        self._create = create
        self.created: UserInfo | None = None
        form = QFormLayout(self)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.name = QLineEdit(objectName="newUserName")
        self.login = QLineEdit(objectName="newUserLogin")
        self.role = QComboBox(objectName="newUserRole")
        roles = [Role.TRAINEE] + ([Role.INSTRUCTOR, Role.ADMIN] if allow_staff else [])
        for r in roles:
            self.role.addItem(role_label(r), r.value)
        self.password = QLineEdit(objectName="newUserPassword", echoMode=QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(objectName="newUserRepeat", echoMode=QLineEdit.EchoMode.Password)
        form.addRow(_("Full name:"), self.name)
        form.addRow(_("Login:"), self.login)
        form.addRow(_("Role:"), self.role)
        form.addRow(_("Initial password:"), self.password)
        form.addRow(_("Repeat password:"), self.repeat)
        self.error, self.ok_btn = add_form_footer(self, form, _("Create account"))
        self.name.setFocus()

    def accept(self) -> None:
        if self.password.text() != self.repeat.text():
            self._refuse(_("The passwords do not match."), self.repeat)
            return
        try:
            self.created = self._create(self)
        except (ServiceError, PermissionDenied) as exc:
            self._refuse(str(exc), self._field_at_fault())
            return
        super().accept()

    def _field_at_fault(self) -> QLineEdit:
        """Which field the refusal is about, by the service's own rules (focus goes there)."""
        try:
            check_display_name(self.name.text())
        except ServiceError:
            return self.name
        return self.password if len(self.password.text()) < MIN_PASSWORD_LENGTH else self.login

    def _refuse(self, text: str, field: QLineEdit) -> None:
        self.error.setText(text)
        field.setFocus()
        field.selectAll()


class RenameDialog(QDialog):
    """Correct a display name; the service checks it and audits the change."""

    def __init__(self, user: UserInfo, rename, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Rename"))
        self.setMinimumWidth(480)
        self._rename = rename
        self.user = user
        self.renamed: UserInfo | None = None
        form = QFormLayout(self)
        self.intro = QLabel(_("Correct the name of {login}. Certificates already issued keep the name they were "
                              "signed with; new ones print the corrected name.").format(login=user.login),
                            wordWrap=True)
        form.addRow(self.intro)
        self.name = QLineEdit(user.display_name, objectName="renameName")
        form.addRow(_("Full name:"), self.name)
        self.error, _ok = add_form_footer(self, form)
        self.name.selectAll()

    def accept(self) -> None:
        try:
            self.renamed = self._rename(self.user, self.name.text())
        except (ServiceError, PermissionDenied) as exc:
            self.error.setText(str(exc))
            self.name.setFocus()
            return
        super().accept()


class AccountsPanel(QWidget):
    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.add_btn = QPushButton(objectName="addUser")
        self.reset_btn = QPushButton(objectName="resetPassword")
        self.disable_btn = QPushButton(objectName="toggleDisabled")
        self.rename_btn = QPushButton(objectName="renameUser")
        self.refresh_btn = QPushButton(objectName="refreshUsers")
        for b in (self.add_btn, self.reset_btn, self.disable_btn, self.rename_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.refresh_btn)
        self.rename_btn.setVisible(actor.role is Role.ADMIN)  # the service allows administrators only
        lay.addLayout(bar)
        self.model = users_model()
        self.table = make_view(self.model, "usersTable")
        lay.addWidget(self.table, 1)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.add_btn.clicked.connect(self._add)
        self.reset_btn.clicked.connect(self._reset)
        self.disable_btn.clicked.connect(self._toggle)
        self.rename_btn.clicked.connect(self._rename)
        self.refresh_btn.clicked.connect(self.refresh)
        self.table.doubleClicked.connect(lambda _index: self._rename() if self.rename_btn.isVisible() else None)
        on_language_changed(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.add_btn.setText(_("New account…"))
        self.reset_btn.setText(_("Reset password…"))
        self.disable_btn.setText(_("Disable / enable"))
        self.rename_btn.setText(_("Rename…"))
        self.refresh_btn.setText(_("Refresh"))
        self.model.retranslate()

    def refresh(self) -> None:
        chosen = self._selected()
        self.model.set_rows(self.ctx.accounts.list_users(self.actor))
        if chosen is not None:
            row = next((i for i, u in enumerate(self.model.rows) if u.user_id == chosen.user_id), None)
            if row is not None:
                self.table.selectRow(row)

    def showEvent(self, event) -> None:
        # Accounts come from the CLI and from imports too: show the store as it is now.
        self.refresh()
        super().showEvent(event)

    def _selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.rows[rows[0].row()] if rows else None

    def new_account_dialog(self) -> NewUserDialog:
        def create(dlg: NewUserDialog) -> UserInfo:
            return self.ctx.accounts.add_user(self.actor, dlg.login.text(), dlg.name.text(),
                                              Role(dlg.role.currentData()), dlg.password.text())

        return NewUserDialog(self.actor.role is Role.ADMIN, create, self)

    def _add(self) -> None:
        dlg = self.new_account_dialog()
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.created is None:
            return
        login = dlg.created.login
        self.status.say(lambda: _("Created {login}.").format(login=login))
        self.refresh()

    def rename_dialog(self, user: UserInfo) -> RenameDialog:
        return RenameDialog(user, lambda u, name: self.ctx.accounts.rename_user(self.actor, u.user_id, name), self)

    def _rename(self) -> None:
        user = self._selected()
        if user is None:
            self.status.say(lambda: _("Choose an account in the list first."))
            return
        dlg = self.rename_dialog(user)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.renamed is None:
            return
        name = dlg.renamed.display_name
        self.status.say(lambda: _("Renamed {login}: {name}.").format(login=user.login, name=name))
        self.refresh()

    def _reset(self) -> None:
        user = self._selected()
        if user is None:
            return
        pw, ok = QInputDialog.getText(self, _("Reset password"),
                                      _("New password for {name}:").format(name=user.display_name),
                                      QLineEdit.EchoMode.Password)
        if not ok:
            return
        try:
            self.ctx.accounts.set_password(self.actor, user.login, pw)
        except (ServiceError, PermissionError) as exc:
            messages.warn(self, _("Reset password"), str(exc))
            return
        self.status.say(lambda: _("Password reset for {login}.").format(login=user.login))
        self.refresh()  # a reset also ends a lockout

    def _toggle(self) -> None:
        user = self._selected()
        if user is None:
            return
        try:
            self.ctx.accounts.set_disabled(self.actor, user.login, not user.disabled)
        except (ServiceError, PermissionError) as exc:
            messages.warn(self, _("Disable / enable"), str(exc))
            return
        self.refresh()

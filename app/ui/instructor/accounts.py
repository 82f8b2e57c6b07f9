"""Instructor workspace, accounts tab: create trainees, reset passwords, disable accounts."""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_datetime
from app.services.accounts import UserInfo
from app.services.auth import Role, ServiceError, role_label
from app.ui.common import messages
from app.ui.common.qt_i18n import on_language_changed


class UsersModel(QAbstractTableModel):
    def __init__(self) -> None:
        super().__init__()
        self.users: list[UserInfo] = []

    def set_users(self, users: list[UserInfo]) -> None:
        self.beginResetModel()
        self.users = users
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.users)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 5

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return (_("Login"), _("Name"), _("Role"), _("Status"), _("Last login"))[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role != Qt.ItemDataRole.DisplayRole or not index.isValid():
            return None
        u = self.users[index.row()]
        col = index.column()
        if col == 0:
            return u.login
        if col == 1:
            return u.display_name
        if col == 2:
            return role_label(u.role)
        if col == 3:
            return _("Disabled") if u.disabled else _("Active")
        return format_datetime(u.last_login_at, "short") if u.last_login_at else "—"


class NewUserDialog(QDialog):
    def __init__(self, allow_staff: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("New account"))
        form = QFormLayout(self)
        self.name = QLineEdit(objectName="newUserName")
        self.login = QLineEdit(objectName="newUserLogin")
        self.role = QComboBox(objectName="newUserRole")
        roles = [Role.TRAINEE] + ([Role.INSTRUCTOR, Role.ADMIN] if allow_staff else [])
        for r in roles:
            self.role.addItem(role_label(r), r.value)
        self.password = QLineEdit(objectName="newUserPassword", echoMode=QLineEdit.EchoMode.Password)
        form.addRow(_("Full name:"), self.name)
        form.addRow(_("Login:"), self.login)
        form.addRow(_("Role:"), self.role)
        form.addRow(_("Initial password:"), self.password)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


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
        for b in (self.add_btn, self.reset_btn, self.disable_btn):
            bar.addWidget(b)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.model = UsersModel()
        self.table = QTableView(objectName="usersTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().hide()
        lay.addWidget(self.table, 1)
        self.status = QLabel(objectName="statusLabel", wordWrap=True)
        lay.addWidget(self.status)
        self.add_btn.clicked.connect(self._add)
        self.reset_btn.clicked.connect(self._reset)
        self.disable_btn.clicked.connect(self._toggle)
        on_language_changed(self, self.retranslate)
        self.refresh()

    def retranslate(self) -> None:
        self.add_btn.setText(_("New account…"))
        self.reset_btn.setText(_("Reset password…"))
        self.disable_btn.setText(_("Disable / enable"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 4)
        self.model.layoutChanged.emit()

    def refresh(self) -> None:
        self.model.set_users(self.ctx.accounts.list_users(self.actor))
        self.table.resizeColumnsToContents()

    def _selected(self) -> UserInfo | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.users[rows[0].row()] if rows else None

    def _add(self) -> None:
        dlg = NewUserDialog(self.actor.role is Role.ADMIN, self)
        if dlg.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            info = self.ctx.accounts.add_user(self.actor, dlg.login.text(), dlg.name.text(),
                                              Role(dlg.role.currentData()), dlg.password.text())
        except (ServiceError, PermissionError) as exc:
            messages.warn(self, _("New account"), str(exc))
            return
        self.status.setText(_("Created {login}.").format(login=info.login))
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
        self.status.setText(_("Password reset for {login}.").format(login=user.login))

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

"""First-run setup and login pages of the main window (and the idle-lock screen).

Both pages focus their first field when shown and submit on Enter from any field (review #19).
Their own error lines are kept as a function that renders them, so a language switch re-renders
them (review #22); a service's refusal arrives translated and stays as it was said.

At start they paint before the store is open (issue 20): built without an accounts service,
they take typing at once; Enter before :meth:`bind` waits (busy cursor) and is carried out
when the service arrives. The services (and the ORM under them) are imported only then.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.i18n import _
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine

if TYPE_CHECKING:
    from app.services.accounts import AccountService
    from app.services.auth import Actor


def _card(parent: QWidget) -> tuple[QFrame, QVBoxLayout]:
    outer = QVBoxLayout(parent)
    outer.addStretch(1)
    row = QHBoxLayout()
    row.addStretch(1)
    card = QFrame(parent)
    card.setObjectName("card")
    card.setMinimumWidth(420)
    card.setMaximumWidth(520)
    row.addWidget(card)
    row.addStretch(1)
    outer.addLayout(row)
    outer.addStretch(2)
    inner = QVBoxLayout(card)
    inner.setContentsMargins(28, 24, 28, 24)
    inner.setSpacing(12)
    return card, inner


class LanguageCombo(QComboBox):
    """Language chooser usable before anyone logs in."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("languageCombo")
        for code in i18n.available_locales():
            self.addItem(i18n.locale_display_name(code), code)
        self._sync()
        self.currentIndexChanged.connect(self._chosen)
        on_language_changed(self, self._sync)

    def _sync(self) -> None:
        idx = self.findData(i18n.current_locale())
        if idx >= 0 and idx != self.currentIndex():
            self.blockSignals(True)
            self.setCurrentIndex(idx)
            self.blockSignals(False)

    def _chosen(self, index: int) -> None:
        code = self.itemData(index)
        if code and code != i18n.current_locale():
            i18n.set_locale(code)


class _WaitsForAccounts:
    """A submit pressed before the accounts service is there waits (busy cursor) and is carried
    out by :meth:`resume` once :meth:`bind` brought it; the fields stay editable, so no keystroke
    is lost."""

    accounts: AccountService | None
    _pending: Callable[[], None] | None = None

    def bind(self, accounts: AccountService) -> None:
        self.accounts = accounts

    def resume(self) -> None:
        """Carry out the submit that waited for :meth:`bind`, if any."""
        pending, self._pending = self._pending, None
        if pending is not None:
            QApplication.restoreOverrideCursor()
            pending()

    def cancel_wait(self) -> None:
        """The store did not open: drop the waiting submit and the busy cursor."""
        if self._pending is not None:
            self._pending = None
            QApplication.restoreOverrideCursor()

    @property
    def waiting(self) -> bool:
        return self._pending is not None

    def _ready_or_wait(self, action: Callable[[], None]) -> bool:
        if self.accounts is not None:
            return True
        if self._pending is None:
            from PySide6.QtCore import Qt  # not at import: the page paints before the Qt namespace loads

            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._pending = action
        return False


class SetupPage(_WaitsForAccounts, QWidget):
    """Shown once, when the store has no account: creates the first administrator."""

    created = Signal(object)  # Actor

    def __init__(self, accounts: AccountService | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        _card_frame, lay = _card(self)
        self.title = QLabel(objectName="pageTitle")
        self.intro = QLabel(wordWrap=True)
        lay.addWidget(self.title)
        lay.addWidget(self.intro)
        form = QFormLayout()
        self.name = QLineEdit(objectName="setupName")
        self.login = QLineEdit(objectName="setupLogin")
        self.password = QLineEdit(objectName="setupPassword", echoMode=QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit(objectName="setupRepeat", echoMode=QLineEdit.EchoMode.Password)
        self.labels = [QLabel() for _i in range(4)]
        for label, field in zip(self.labels, (self.name, self.login, self.password, self.repeat)):
            label.setBuddy(field)
            form.addRow(label, field)
        lay.addLayout(form)
        self.error = StatusLine(objectName="errorLabel")
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(LanguageCombo())
        buttons.addStretch(1)
        self.create_btn = QPushButton(objectName="createAdmin", default=True, autoDefault=True)
        self.create_btn.setProperty("primary", True)
        self.create_btn.clicked.connect(self._create)
        buttons.addWidget(self.create_btn)
        lay.addLayout(buttons)
        for field in (self.name, self.login, self.password, self.repeat):
            field.returnPressed.connect(self._create)
        on_language_changed(self, self.retranslate)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not any(f.hasFocus() for f in (self.name, self.login, self.password, self.repeat)):
            self.name.setFocus()

    def retranslate(self) -> None:
        self.title.setText(_("Welcome to Zhizao Academy"))
        self.intro.setText(_("No account exists yet. Create the administrator account for this training center."))
        for label, text in zip(self.labels, (_("Full &name:"), _("&Login:"), _("&Password:"), _("&Repeat password:"))):
            label.setText(text)
        self.create_btn.setText(_("Create administrator"))

    def _create(self) -> None:
        if self.password.text() != self.repeat.text():
            self._show_error(lambda: _("The passwords do not match."))
            self.repeat.clear()
            self.repeat.setFocus()
            return
        if not self._ready_or_wait(self._create):
            return
        from app.services.auth import ServiceError

        try:
            actor = self.accounts.create_first_admin(self.login.text(), self.name.text(), self.password.text())
        except (ServiceError, PermissionError) as exc:
            said = str(exc)
            self._show_error(lambda: said)
            return
        self.password.clear()
        self.repeat.clear()
        self.error.say(None)
        self.error.hide()
        self.created.emit(actor)

    def _show_error(self, render: Callable[[], str]) -> None:
        self.error.say(render)  # re-rendered after a language switch
        self.error.show()


class LoginPage(_WaitsForAccounts, QWidget):
    """Choose or type the user, enter the password. Doubles as the idle-lock screen."""

    logged_in = Signal(object)  # Actor

    def __init__(self, accounts: AccountService | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.accounts = accounts
        self.locked_actor: Actor | None = None
        _frame, lay = _card(self)
        self.title = QLabel(objectName="pageTitle")
        self.subtitle = QLabel(wordWrap=True, objectName="subtitle")
        lay.addWidget(self.title)
        lay.addWidget(self.subtitle)
        form = QFormLayout()
        self.user = QComboBox(objectName="loginUser", editable=True)
        self.user.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.password = QLineEdit(objectName="loginPassword", echoMode=QLineEdit.EchoMode.Password)
        self.user_label, self.password_label = QLabel(), QLabel()
        self.user_label.setBuddy(self.user)
        self.password_label.setBuddy(self.password)
        form.addRow(self.user_label, self.user)
        form.addRow(self.password_label, self.password)
        lay.addLayout(form)
        self.error = StatusLine(objectName="errorLabel")
        self.error.hide()
        lay.addWidget(self.error)
        buttons = QHBoxLayout()
        buttons.addWidget(LanguageCombo())
        buttons.addStretch(1)
        self.switch_btn = QPushButton(objectName="switchUser")
        self.switch_btn.clicked.connect(self._switch_user)
        self.switch_btn.hide()
        buttons.addWidget(self.switch_btn)
        self.login_btn = QPushButton(objectName="loginButton", default=True, autoDefault=True)
        self.login_btn.setProperty("primary", True)
        self.login_btn.clicked.connect(self._login)
        buttons.addWidget(self.login_btn)
        lay.addLayout(buttons)
        self.password.returnPressed.connect(self._login)
        self.user.lineEdit().returnPressed.connect(self._user_entered)
        on_language_changed(self, self.retranslate)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not (self.user.hasFocus() or self.password.hasFocus()):
            (self.password if self.locked_actor is not None else self.user).setFocus()

    def _user_entered(self) -> None:
        # Enter in the user field: on to the password, or log in when it is already typed.
        if self.password.text():
            self._login()
        else:
            self.password.setFocus()

    def retranslate(self) -> None:
        self.user_label.setText(_("&User:"))
        self.password_label.setText(_("&Password:"))
        self.login_btn.setText(_("Log in") if self.locked_actor is None else _("Unlock"))
        self.switch_btn.setText(_("Switch user"))
        if self.locked_actor is None:
            self.title.setText(_("Zhizao Academy"))
            self.subtitle.setText(_("Log in to continue your training."))
        else:
            self.title.setText(_("Screen locked"))
            self.subtitle.setText(_("Locked after inactivity. {name}, enter your password to continue where you "
                                    "left off.").format(name=self.locked_actor.display_name))

    def prepare(self, locked: Actor | None = None, choices: list[tuple[str, str]] | None = None) -> None:
        """Refresh the user list (``choices``: (login, name) pairs already read, e.g. by the start-up
        probe); with ``locked`` show the lock screen for that user."""
        self.locked_actor = locked
        self.user.clear()
        if choices is None:
            choices = self.accounts.login_choices() if self.accounts is not None else []
        for login, name in choices:
            self.user.addItem(f"{name} ({login})", login)
        if locked is not None:
            idx = self.user.findData(locked.login)
            self.user.setCurrentIndex(idx)
            self.user.setEnabled(False)
        else:
            self.user.setEnabled(True)
            self.user.setCurrentIndex(-1)
            self.user.setEditText("")
        self.switch_btn.setVisible(locked is not None)
        self.password.clear()
        self.error.say(None)
        self.error.hide()
        self.retranslate()
        (self.password if locked is not None else self.user).setFocus()

    def selected_login(self) -> str:
        text = self.user.currentText().strip()
        idx = self.user.currentIndex()
        if idx >= 0 and self.user.itemText(idx) == text:
            return self.user.itemData(idx)
        return text

    def _switch_user(self) -> None:
        self.prepare(None)

    def _login(self) -> None:
        login = self.selected_login()
        if not login:
            self._show_error(lambda: _("Choose or type your login."))
            self.user.setFocus()
            return
        if not self._ready_or_wait(self._login):
            return
        from app.services.auth import ServiceError

        try:
            actor = self.accounts.authenticate(login, self.password.text())
        except ServiceError as exc:
            self.password.clear()
            said = str(exc)
            self._show_error(lambda: said)
            self.password.setFocus()
            return
        self.password.clear()
        self.error.say(None)
        self.error.hide()
        self.logged_in.emit(actor)

    def _show_error(self, render: Callable[[], str]) -> None:
        self.error.say(render)  # re-rendered after a language switch
        self.error.show()

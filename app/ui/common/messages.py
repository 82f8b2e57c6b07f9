"""The one way the UI tells the user something, or asks: ``inform``, ``warn``, ``error``, ``ask``.

Every dialog box goes through here (never ``QMessageBox`` directly), so the look,
the button texts and the logging are the same everywhere, and tests capture what
the user was told with the ``messages`` fixture (``tests/ui/conftest.py``) instead
of patching Qt in each module, the way qutebrowser's ``utils.message`` does.

A message is a :class:`Message`: its level, title and text (already in the user's
language). The *sink* shows it and returns the key of the button chosen; the
default sink opens a modal box. ``ask`` returns True only when the user chose
the affirmative button; ``choose`` returns the key of any of several buttons.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

from app.i18n import _

log = logging.getLogger(__name__)

INFO, WARNING, ERROR, QUESTION = "info", "warning", "error", "question"


@dataclass(frozen=True)
class Message:
    level: str
    title: str
    text: str
    detail: str = ""
    # Questions: (key, button text) in order; the first is the affirmative one, the last cancels (Esc).
    choices: tuple[tuple[str, str], ...] = ()
    default: str = ""  # the key of the default button (Enter)


def _show(parent: QWidget | None, msg: Message) -> str:
    icon = {INFO: QMessageBox.Icon.Information, WARNING: QMessageBox.Icon.Warning,
            ERROR: QMessageBox.Icon.Critical, QUESTION: QMessageBox.Icon.Question}[msg.level]
    box = QMessageBox(icon, msg.title, msg.text, QMessageBox.StandardButton.NoButton, parent)
    if msg.detail:
        box.setDetailedText(msg.detail)
    if not msg.choices:
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.exec()
        return "ok"
    buttons = {}
    for i, (key, label) in enumerate(msg.choices):
        role = (QMessageBox.ButtonRole.AcceptRole if i == 0 else QMessageBox.ButtonRole.RejectRole
                if i == len(msg.choices) - 1 else QMessageBox.ButtonRole.DestructiveRole)
        buttons[key] = box.addButton(label, role)
    box.setDefaultButton(buttons.get(msg.default) or buttons[msg.choices[0][0]])
    box.setEscapeButton(buttons[msg.choices[-1][0]])
    box.exec()
    return next((k for k, b in buttons.items() if box.clickedButton() is b), msg.choices[-1][0])


Sink = Callable[[QWidget | None, Message], str]
_sink: Sink = _show


def set_sink(sink: Sink | None) -> Sink:
    """Show messages with ``sink`` (None: the dialog boxes again); returns the previous one. For tests."""
    global _sink
    previous, _sink = _sink, (sink or _show)
    return previous


def _emit(parent: QWidget | None, msg: Message) -> str:
    if msg.level in (WARNING, ERROR):
        log.info("told the user (%s): %s: %s", msg.level, msg.title, msg.text)
    return _sink(parent, msg)


def inform(parent: QWidget | None, title: str, text: str) -> None:
    _emit(parent, Message(INFO, title, text))


def warn(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """Something the user can correct or should know (not saved, refused by a rule)."""
    _emit(parent, Message(WARNING, title, text, detail))


def error(parent: QWidget | None, title: str, text: str, detail: str = "") -> None:
    """Something failed that the user cannot fix here (the database, the disk)."""
    _emit(parent, Message(ERROR, title, text, detail))


def ask(parent: QWidget | None, title: str, text: str, yes_label: str = "", destructive: bool = False) -> bool:
    """A yes/no question; ``yes_label`` names the action ("Delete", "Open"), ``destructive`` defaults to No."""
    choices = (("yes", yes_label or _("Yes")), ("no", _("Cancel") if yes_label else _("No")))
    return _emit(parent, Message(QUESTION, title, text, choices=choices,
                                 default="no" if destructive else "yes")) == "yes"


def choose(parent: QWidget | None, title: str, text: str, choices: list[tuple[str, str]], default: str = "") -> str:
    """Several answers (e.g. Save / Discard / Cancel): the key of the one chosen; Esc gives the last."""
    return _emit(parent, Message(QUESTION, title, text, choices=tuple(choices), default=default))


def warn_later(parent: QWidget | None, title: str, text: str) -> None:
    """A warning that does not stop the user's work (a box that stays open beside it)."""
    msg = Message(WARNING, title, text)
    if _sink is not _show:
        _emit(parent, msg)
        return
    log.info("told the user (%s): %s: %s", msg.level, msg.title, msg.text)
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, parent)
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.setModal(False)
    box.show()


def about(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.about(parent, title, text)


def error_text(exc: BaseException) -> str:
    """What to show for an exception a service raised on purpose (its message is already translated)."""
    return str(exc) or type(exc).__name__

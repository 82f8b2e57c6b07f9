"""GUI fixtures: the real main window on a fresh store."""

from __future__ import annotations

import pytest

from app.ui.shell.application import make_qapp
from app.ui.shell.main_window import MainWindow


@pytest.fixture(autouse=True)
def no_forgotten_modal(qapp):
    """A modal dialog nobody answers would hang the suite: close it after 5 s and fail the test."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    seen: dict[int, int] = {}
    stuck: list[str] = []

    def check() -> None:
        modal = QApplication.activeModalWidget()
        if modal is None:
            seen.clear()
            return
        key = id(modal)
        seen[key] = seen.get(key, 0) + 1
        if seen[key] >= 10:
            stuck.append(f"{type(modal).__name__}: {modal.windowTitle()!r}")
            modal.close()
            seen.clear()

    timer = QTimer()
    timer.timeout.connect(check)
    timer.start(500)
    yield
    timer.stop()
    assert not stuck, f"unanswered modal dialog(s): {stuck}"


@pytest.fixture(autouse=True)
def no_leftover_windows(qapp):
    """Delete the top-level widgets a test leaves behind: pyqtgraph's parentless context menus,
    panels made without a parent, the window pytest-qt only deleteLater()s. Hundreds piled up
    in a file's run and every later test paid for them: make_qapp's setStyleSheet re-polishes
    every live widget (0.3-0.5 s of CPU per test at ~600 widgets) and a language switch
    re-translates every leftover page. Runs after the test's own fixtures (set up first)."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication
    from shiboken6 import getCppPointer

    before = {getCppPointer(w)[0] for w in QApplication.topLevelWidgets()}
    yield
    for widget in QApplication.topLevelWidgets():
        if getCppPointer(widget)[0] not in before:
            widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


_APP_SET_UP: dict = {}


@pytest.fixture
def qapp_ready(qapp):
    """The QApplication as the app sets it up (name, bundled fonts, style sheet), once per process.

    make_qapp adds the bundled fonts to Qt's font database on every call and Qt keeps every copy: with one
    more copy per test, text layout slowed down over a run (a trainee's login took 160 ms of CPU, 290 ms
    after 300 calls; the app itself calls it once). Should a test change the application's style sheet or
    font, the next test gets make_qapp's back."""
    from PySide6.QtGui import QFont

    if not _APP_SET_UP:
        make_qapp()
        _APP_SET_UP.update(sheet=qapp.styleSheet(), font=QFont(qapp.font()))
    if qapp.styleSheet() != _APP_SET_UP["sheet"]:
        qapp.setStyleSheet(_APP_SET_UP["sheet"])
    if qapp.font() != _APP_SET_UP["font"]:
        qapp.setFont(_APP_SET_UP["font"])
    return qapp


@pytest.fixture
def window(qtbot, qapp_ready, ctx):
    win = MainWindow(ctx)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.idle.stop()


def login(qtbot, win, login_name: str, password: str) -> None:
    page = win.login_page
    page.user.setEditText(login_name)
    qtbot.keyClicks(page.password, password)
    qtbot.mouseClick(page.login_btn, __import__("PySide6.QtCore", fromlist=["Qt"]).Qt.MouseButton.LeftButton)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a user: ASCII as key clicks, Chinese as an IME commit (as Pinyin input delivers it).

    QTest.keyClicks only knows ASCII keys; a real Chinese IME sends a
    QInputMethodEvent with the committed characters, so we do the same.
    """

    widget.setFocus()
    chunk = ""
    for ch in text:
        if ord(ch) < 128:
            if chunk:
                _commit(widget, chunk)
                chunk = ""
            qtbot.keyClicks(widget, ch)
        else:
            chunk += ch
    if chunk:
        _commit(widget, chunk)


def _commit(widget, text: str) -> None:
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QInputMethodEvent

    preedit = QInputMethodEvent(text.lower(), [])  # the pinyin-like pre-edit stage
    QCoreApplication.sendEvent(widget, preedit)
    event = QInputMethodEvent()
    event.setCommitString(text)
    QCoreApplication.sendEvent(widget, event)


class MessageRecorder:
    """Captures what ``app.ui.common.messages`` would show; questions take the scripted answers in order."""

    def __init__(self) -> None:
        self.shown: list = []
        self._answers: list[str] = []

    def answer(self, *keys: str) -> None:
        """The keys of the buttons the user will choose ("yes", "no", "save", …), in order."""
        self._answers.extend(keys)

    def texts(self, level: str | None = None) -> list[str]:
        return [m.text for m in self.shown if level is None or m.level == level]

    def __call__(self, parent, msg) -> str:
        self.shown.append(msg)
        if not msg.choices:
            return "ok"
        assert self._answers, f"a question nobody scripted an answer for: {msg.title}: {msg.text}"
        key = self._answers.pop(0)
        assert key in dict(msg.choices), f"{key!r} is not a button of {msg.title!r}: {msg.choices}"
        return key


@pytest.fixture
def messages():
    """What the user was told or asked through app.ui.common.messages (qutebrowser's messagemock)."""
    from app.ui.common import messages as ui_messages

    recorder = MessageRecorder()
    previous = ui_messages.set_sink(recorder)
    yield recorder
    ui_messages.set_sink(previous)

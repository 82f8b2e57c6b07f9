"""The idle lock's event filter: every kind of input restarts the countdown, nothing else does."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QInputMethodEvent, QPointingDevice, QTabletEvent, QTouchEvent, QWheelEvent
from PySide6.QtWidgets import QLineEdit, QWidget

from app.ui.shell.idle import IdleWatcher


@pytest.fixture
def watched(qtbot, qapp_ready):
    """A shown line edit and a started watcher whose restarts are counted."""
    field = QLineEdit()
    field.setAttribute(Qt.WidgetAttribute.WA_AcceptTouchEvents)
    qtbot.addWidget(field)
    field.show()
    qtbot.waitExposed(field)
    field.setFocus()
    watcher = IdleWatcher(10)
    watcher.start()
    restarts: list[int] = []
    watcher._restart = lambda: restarts.append(1)  # the countdown starting again
    yield field, restarts
    watcher.stop()


def _wheel(field) -> None:
    QCoreApplication.sendEvent(field, QWheelEvent(
        QPointF(3, 3), QPointF(3, 3), QPoint(), QPoint(0, 120), Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False))


def _touch(field) -> None:
    QCoreApplication.sendEvent(field, QTouchEvent(QEvent.Type.TouchBegin, QPointingDevice.primaryPointingDevice()))


def _tablet(field) -> None:
    QCoreApplication.sendEvent(field, QTabletEvent(
        QEvent.Type.TabletPress, QPointingDevice.primaryPointingDevice(), QPointF(2, 2), QPointF(2, 2),
        0.5, 0, 0, 0, 0, 0, Qt.KeyboardModifier.NoModifier, Qt.MouseButton.LeftButton, Qt.MouseButton.LeftButton))


def _ime_commit(field) -> None:
    # What a Pinyin input method sends (not spontaneous): typing Chinese is input too.
    event = QInputMethodEvent()
    event.setCommitString("中")
    QCoreApplication.sendEvent(field, event)


@pytest.mark.parametrize("send", [
    lambda qtbot, f: qtbot.keyPress(f, Qt.Key.Key_A),
    lambda qtbot, f: qtbot.keyPress(f, Qt.Key.Key_Shift),
    lambda qtbot, f: qtbot.mousePress(f, Qt.MouseButton.LeftButton),
    lambda qtbot, f: qtbot.mouseMove(f, QPoint(7, 6)),
    lambda qtbot, f: _wheel(f),
    lambda qtbot, f: _touch(f),
    lambda qtbot, f: _tablet(f),
    lambda qtbot, f: _ime_commit(f),
], ids=["key", "modifier key", "mouse press", "mouse move", "wheel", "touch", "tablet", "input method"])
def test_input_restarts_the_countdown(qtbot, watched, send):
    field, restarts = watched
    send(qtbot, field)
    assert restarts


def test_what_is_not_input_leaves_the_countdown_alone(qtbot, watched):
    field, restarts = watched
    QWidget(field).show()  # child added, polish, show
    field.update()
    field.resize(field.width() + 10, field.height())
    QCoreApplication.sendEvent(field, QEvent(QEvent.Type.UpdateRequest))
    qtbot.keyRelease(field, Qt.Key.Key_A)  # a key event, but not a press
    qtbot.wait(20)  # paints, timers
    assert not restarts

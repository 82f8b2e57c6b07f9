"""Lab and trainee pages as a trainee meets them (review ux-2026-12): the wheel, the maintenance plot,
My progress → Labs, the dashboard's lab chart, the window size and lesson diagrams."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QSplitter

from tests.ui import test_labs
from tests.ui.test_labs import open_lab


@pytest.fixture
def labs_course(ctx, tmp_path):
    """The fixture course with its line lab, a maintenance lab and a robot lab (as in test_labs)."""
    return test_labs.course.__wrapped__(ctx, tmp_path)


def wheel(widget, steps: int = -3) -> None:
    """Turn the mouse wheel over the middle of ``widget`` (negative: towards the user, i.e. scroll down)."""
    pos = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QWheelEvent(pos, glob, QPoint(0, 0), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


# --- #2: the wheel never changes a graded setting it merely passes over ---------------------------

def test_wheel_over_an_unfocused_spin_box_scrolls_the_panel_and_changes_nothing(qtbot, ctx, trainee, labs_course):
    view = open_lab(qtbot, ctx, trainee, labs_course, "line/pump-lab", size=(1000, 420))
    left = view.findChild(QSplitter, "labLeft")
    left.setSizes([300, 100])    # a tall task: the settings below it need scrolling
    qtbot.waitUntil(lambda: view.side_scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    box = view.form.editors["threshold"]
    bar = view.side_scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the settings panel must scroll at this size for the test to mean anything"
    bar.setValue(0)
    view.submit_btn.setFocus()
    before = box.value()
    wheel(box, -3)
    assert box.value() == before
    assert view.control_values()["threshold"] == before
    assert bar.value() > 0            # the panel scrolled instead
    # Once the trainee clicks into it, the wheel does change the value (on purpose).
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    box.setFocus()
    assert box.hasFocus()
    wheel(box, 1)
    assert box.value() == before + box.singleStep()


def test_every_lab_editor_takes_the_wheel_only_with_focus(qtbot, ctx, trainee, labs_course):
    view = open_lab(qtbot, ctx, trainee, labs_course, "line/buffer-lab")
    for editor in view.form.editors.values():
        assert editor.focusPolicy() == Qt.FocusPolicy.StrongFocus
        value = view.form.values()
        view.submit_btn.setFocus()
        wheel(editor, 2)
        assert view.form.values() == value

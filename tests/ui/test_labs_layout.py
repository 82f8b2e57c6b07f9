"""Every lab kind fits a 1366×768 screen with a taskbar (1366×700): the objectives and Submit are in view
without scrolling, in English and in Chinese; the course's steps list folds away (review #6)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication

from app import i18n
from app.ui.labs.base import LabViewBase
from tests.ui.conftest import login

# One bundled lab of each kind (simulator → course, step).
LABS = {
    "robot_cell": ("industrial-robot-operation", "pick-place/cycle-time-lab"),
    "line": ("ai-predictive-maintenance", "decisions-oee/buffer-oee-lab"),
    "maintenance": ("ai-predictive-maintenance", "condition-monitoring/vibration-alarm-lab"),
}


def bundled_labs(ctx) -> dict[str, tuple[str, str]]:
    """``LABS`` plus the first bundled lab of any other registered kind (e.g. a spectrum lab)."""
    from app.ui.labs.registry import LAB_VIEWS

    found = dict(LABS)
    for course in ctx.library.courses():
        for module in course.modules:
            for step in module.steps:
                kind = getattr(getattr(step, "lab", None), "simulator", None)
                if kind in LAB_VIEWS and kind not in found:
                    found[kind] = (course.id, step.key)
    return found


def in_view(widget, window) -> list[str]:
    """Why ``widget`` is not wholly on screen in ``window`` (empty: it is)."""
    why = []
    if not widget.isVisible():
        return [f"{widget.objectName()} hidden"]
    seen = widget.visibleRegion().boundingRect()
    if seen != widget.rect():
        why.append(f"{widget.objectName()} clipped: {seen} of {widget.rect()}")
    where = QRect(widget.mapTo(window, QPoint(0, 0)), widget.size())
    if not window.rect().contains(where):
        why.append(f"{widget.objectName()} at {where} outside the window {window.rect()}")
    return why


@pytest.fixture
def small_screen(qtbot, window, trainee):
    login(qtbot, window, "zhangwei", "trainee-pass")
    window.resize(1366, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    return window


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_objectives_and_submit_in_view_at_1366x700(qtbot, small_screen, ctx, locale):
    window = small_screen
    i18n.set_locale(locale)
    labs = bundled_labs(ctx)
    assert set(LABS) <= set(labs)
    problems = []
    for kind, (course_id, key) in labs.items():
        cview = window.shell.show_page("catalog").show_course(course_id, key)
        view = cview.view
        assert isinstance(view, LabViewBase), kind
        assert cview.tree_visible()           # with the steps list shown, as a trainee first sees it
        QApplication.processEvents()
        qtbot.wait(50)
        for widget in (view.submit_btn, view.objectives):
            problems += [f"{kind}: {p}" for p in in_view(widget, window)]
        # The task has room to be read (review: "squeezed into 130 px").
        if view.task.height() < 130:
            problems.append(f"{kind}: the task is {view.task.height()} px high")
    assert problems == []


def test_the_steps_list_folds_away_and_stays_folded(qtbot, small_screen, ctx):
    window = small_screen
    course_id, key = LABS["robot_cell"]
    cview = window.shell.show_page("catalog").show_course(course_id, key)
    lab_width = cview.host.width()
    assert cview.tree_visible() and cview.tree_btn.isChecked()
    qtbot.mouseClick(cview.tree_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: cview.host.width() > lab_width + 200)
    assert not cview.tree_visible() and cview.splitter.sizes()[0] == 0
    # The lab gets the room: the robot program is wide enough for its comments.
    assert cview.view.editor.width() > 500
    # Remembered: the next course opens with the list folded; Ctrl+B brings it back.
    window.shell.show_page("catalog").show_course(*LABS["line"])
    cview = window.shell.show_page("catalog").show_course(*LABS["line"])
    assert not cview.tree_visible()
    cview.view.setFocus()
    qtbot.keyClick(cview.view, Qt.Key.Key_B, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(cview.tree_visible)
    assert cview.tree_btn.isChecked() and cview.tree.width() >= cview.tree.minimumWidth()


def test_dragging_the_divider_fully_left_folds_the_list(qtbot, small_screen, ctx):
    cview = small_screen.shell.show_page("catalog").show_course(*LABS["line"])
    cview.splitter.moveSplitter(0, 1)
    qtbot.waitUntil(lambda: cview.splitter.sizes()[0] == 0)
    assert not cview.tree_btn.isChecked()


def test_the_line_diagram_fits_without_scrolling(qtbot, small_screen, ctx):
    cview = small_screen.shell.show_page("catalog").show_course(*LABS["line"])
    diagram = cview.view.diagram
    assert len(diagram.stations) == 6 and cview.tree_visible()
    qtbot.wait(50)
    assert diagram.horizontalScrollBarPolicy() == Qt.ScrollBarPolicy.ScrollBarAlwaysOff
    assert diagram.horizontalScrollBar().maximum() == 0
    assert diagram.viewport().width() >= diagram.mapFromScene(diagram.sceneRect()).boundingRect().width() - 2


def test_every_bundled_lab_fits(qtbot, small_screen, ctx):
    """Not only one lab per kind: every bundled lab (long objective lists, many settings) at 1366×700."""
    window = small_screen
    problems = []
    for course in ctx.library.courses():
        for module in course.modules:
            for step in module.steps:
                if step.kind != "lab":
                    continue
                cview = window.shell.show_page("catalog").show_course(course.id, step.key)
                view = cview.view
                QApplication.processEvents()
                for widget in (view.submit_btn, view.objectives):
                    problems += [f"{course.id}/{step.key}: {p}" for p in in_view(widget, window)]
    assert problems == []

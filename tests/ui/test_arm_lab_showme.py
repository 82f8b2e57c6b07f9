"""The bundled six-axis labs as a trainee sees them: *Show me* plays the lab's demonstration in the 3D view only
(the graded pendant log and the trainee's pose untouched, Submit grades the trainee's own work), and the layout
at 1366×768 — the compact pendant beside the steps list, the program beside the 3D view in a wide, low lab."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app.ui.labs.arm_lab import ArmLabView
from tests.ui.conftest import login
from tests.ui.test_labs import lab_runs, open_lab
from tests.ui.test_pendant import _hold_enabling, _ticks

LEFT = Qt.MouseButton.LeftButton
COURSE = "industrial-robot-operation"


def test_show_me_plays_in_3d_only_and_submit_grades_the_trainees_log(qtbot, ctx, trainee):
    course = ctx.library.get(COURSE)
    view = open_lab(qtbot, ctx, trainee, course, "servicing/rev-counters-lab", size=(1366, 768))
    assert isinstance(view, ArmLabView) and view.demo is not None and view.demo_btn.isVisible()
    panel = view.pendant
    panel.timer.stop()  # the test ticks the pendant itself
    panel._run = False
    panel.setFocus()
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # J1 + (joint jog: allowed while the counters are lost)
    _ticks(panel, 40)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    _ticks(panel, 2)
    mine, q = panel.log(), panel.session.q.copy()
    assert mine and np.allclose(view.view3d.scene.q, q)

    shown: list[np.ndarray] = []
    view.demo.pose.connect(lambda p: shown.append(np.array(p)))
    view.demo.ticks_per_frame = 200
    qtbot.mouseClick(view.demo_btn, LEFT)
    assert view.demo.busy and not panel.isEnabled()  # no jogging while the demonstration has the 3D view
    # the pendant is locked: the enabling device held on the keyboard is let go, as the log says
    assert panel.log()[len(mine):] == [{"tick": panel.session.tick, "ev": "enable", "v": 1}]
    mine = panel.log()
    qtbot.waitUntil(lambda: view.demo.session is not None or not view.demo.busy, timeout=30_000)
    assert view.demo_btn.text() == "Stop the demonstration"
    qtbot.waitUntil(lambda: not view.demo.busy, timeout=60_000)
    # the demonstration moved the 3D arm: each axis to its mark (0°), far from where the trainee left it
    assert len(shown) > 2 and max(np.abs(s - q).max() for s in shown) > np.radians(10)
    # and left the trainee's work alone: the log, the pose, the 3D view back on the trainee's arm
    assert panel.log() == mine and np.array_equal(panel.session.q, q)
    assert np.allclose(view.view3d.scene.q, q) and panel.isEnabled()
    assert view.demo_btn.text() == "Show me"

    qtbot.mouseClick(view.submit_btn, LEFT)
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    run = lab_runs(ctx, "servicing/rev-counters-lab")[-1]
    assert run.parameters["session"] == mine  # the trainee's log was graded, not the demonstration's
    assert run.passed is False and run.metrics["counters_ok"] == 0


def test_show_me_can_be_stopped_and_a_program_lab_has_none(qtbot, ctx, trainee):
    course = ctx.library.get(COURSE)
    view = open_lab(qtbot, ctx, trainee, course, "servicing/rev-counters-lab", size=(1366, 768))
    view.pendant.timer.stop()
    view.demo.ticks_per_frame = 1
    qtbot.mouseClick(view.demo_btn, LEFT)
    qtbot.waitUntil(lambda: view.demo.session is not None, timeout=30_000)
    qtbot.wait(100)
    qtbot.mouseClick(view.demo_btn, LEFT)  # Stop the demonstration
    assert not view.demo.busy and view.pendant.isEnabled()
    assert np.allclose(view.view3d.scene.q, view.pendant.session.q) and view.pendant.log() == []
    program_lab = open_lab(qtbot, ctx, trainee, course, "pick-place/palletizing-lab", size=(1366, 768))
    assert program_lab.demo is None and not program_lab.demo_btn.isVisible()


@pytest.fixture
def window_1366(qtbot, window, trainee):
    login(qtbot, window, "zhangwei", "trainee-pass")
    window.resize(1366, 768)
    qtbot.waitUntil(lambda: window.height() == 768)
    return window


def _open(qtbot, window, key: str):
    cview = window.shell.show_page("catalog").show_course(COURSE, key)
    QApplication.processEvents()
    qtbot.wait(50)
    return cview


@pytest.mark.parametrize("key", ["jogging/jog-targets-lab", "coordinates/user-frame-lab"])
def test_the_pendant_goes_compact_beside_the_steps_list(qtbot, window_1366, key):
    cview = _open(qtbot, window_1366, key)
    view = cview.view
    assert cview.tree_visible()
    qtbot.waitUntil(lambda: view.pendant.compact, timeout=3000)
    # compact: the jog keys over the position, not beside it (the wide pendant was cut off at the right)
    keys, position = view.pendant.jog_keys, view.pendant.position
    assert position.mapTo(view.pendant, position.rect().topLeft()).y() > keys.mapTo(view.pendant,
                                                                                   keys.rect().bottomLeft()).y()
    cut = view.pendant_scroll.horizontalScrollBar().maximum
    qtbot.waitUntil(lambda: cut() == 0, timeout=3000)  # nothing cut off across, once the sizes are set
    qtbot.mouseClick(cview.tree_btn, LEFT)  # fold the steps list: room for the wide pendant
    qtbot.waitUntil(lambda: not view.pendant.compact, timeout=3000)
    qtbot.waitUntil(lambda: cut() == 0, timeout=3000)


def test_a_wide_program_lab_puts_the_program_beside_the_3d_view(qtbot, window_1366):
    cview = _open(qtbot, window_1366, "pick-place/palletizing-lab")
    view = cview.view
    qtbot.waitUntil(lambda: view.centre_split.orientation() == Qt.Orientation.Horizontal, timeout=3000)
    editor = view.program.editor
    # the editor gets the centre's height, not a quarter of it
    assert editor.height() > 0.5 * view.centre_split.height()
    lines = editor.viewport().height() // editor.fontMetrics().lineSpacing()
    assert lines >= 10
    # every run button shows its whole text
    for b in (view.program.run_btn, view.program.fwd_btn, view.program.back_btn, view.program.stop_btn):
        assert b.width() >= b.sizeHint().width()
    # the 3D view frames the cell in the size the layout gave it
    v = view.view3d
    xy, _depth = v.camera.project(v._fit_points, v.width(), v.height())
    assert (xy >= -1).all() and (xy[:, 0] <= v.width() + 1).all() and (xy[:, 1] <= v.height() + 1).all()


def test_the_glue_lab_shows_the_contour_to_follow(qtbot, ctx, trainee):
    view = open_lab(qtbot, ctx, trainee, ctx.library.get(COURSE), "motion/glue-path-lab", size=(1366, 768))
    task = view.scenario.task
    frame = view.env.frames.users[task.frame].matrix
    ref = view.view3d.reference
    assert len(ref) > 100
    start = frame[:3, :3] @ np.asarray(task.start, dtype=float) + frame[:3, 3]
    assert np.allclose(ref[0], start)
    # every point on the contour's plane (z = the start's in the task frame)
    local = (ref - frame[:3, 3]) @ frame[:3, :3]
    assert np.allclose(local[:, 2], task.start[2], atol=1e-6)

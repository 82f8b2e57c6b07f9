"""The six-axis robot lab (robot_arm) driven through its real widgets: teach on the pendant, program with the taught
points, run, step forward and back, the enabling device holding a T1 run back, Submit graded by the service.

The lab is ``tests/arm_lab_course``'s: a trainee records ``pal`` where the TCP starts (the pallet's first slot),
jogs away, and a program places two parts with ``OFFS(pal, …)``. The pendant's timer is stopped and ticked by the
test, so the log is the same on every run.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.ui.labs.arm_lab import ArmLabView
from tests.arm_lab_course import BAD, GOOD, install
from tests.ui.test_labs import lab_runs, open_lab
from tests.ui.test_pendant import _hold_enabling, _ticks

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def course(ctx, tmp_path):
    return install(ctx, tmp_path)


def open_arm_lab(qtbot, ctx, trainee, course) -> ArmLabView:
    view = open_lab(qtbot, ctx, trainee, course, "line/arm-lab", size=(1366, 768))
    assert isinstance(view, ArmLabView)
    view.pendant.timer.stop()  # the test ticks the pendant itself
    view.pendant._run = False
    view.program.speed = 25.0  # play the preview fast
    return view


def settled(pane) -> bool:
    """The click's plan has landed (it is planned off the GUI thread) and the cursor has stopped."""
    return pane.pending is None and not pane.planning and pane.goal is None


def planned(pane) -> bool:
    """The click's run is installed (the cursor may still be moving)."""
    return pane.pending is None and not pane.planning and pane.run is not None


def type_program(qtbot, view: ArmLabView, text: str) -> None:
    editor = view.program.editor
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    for i, line in enumerate(text.split("\n")):
        if i:
            qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.keyClicks(editor, line)
    view.check_program()


def teach_pal_and_jog_away(qtbot, view: ArmLabView) -> None:
    panel = view.pendant
    panel.setFocus()
    _hold_enabling(qtbot, panel)
    panel.points.name.setText("pal")
    qtbot.mouseClick(panel.points.record, LEFT)
    assert "pal" in panel.session.points
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # J1 + while held
    _ticks(panel, 100)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    _ticks(panel, 2)
    assert panel.session.q[0] > np.radians(3)
    assert np.allclose(view.view3d.scene.q, panel.session.q)  # the 3D view follows the pendant


def test_teach_on_the_pendant_then_run_a_program_with_the_point(qtbot, ctx, trainee, course):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    type_program(qtbot, view, GOOD)
    # "pal" is not taught yet: every use is listed at its line and column
    assert [(p.line, p.column) for p in view.program.problems] == [(2, 12), (3, 7), (5, 12), (6, 12), (8, 12)]
    assert all("pal" in p.text() for p in view.program.problems)
    assert view.program.errors.item(0).text().startswith("Line 2, column 12:")
    assert not view.program.run_btn.isEnabled()

    teach_pal_and_jog_away(qtbot, view)
    qtbot.waitUntil(lambda: not view.program.problems, timeout=3000)
    qtbot.mouseClick(view.program.run_btn, LEFT)
    qtbot.waitUntil(lambda: planned(view.program), timeout=20_000)
    run = view.program.run
    assert run is not None and run.stopped_by is None and not run.alarms
    assert np.allclose(run.trajectory.q[0], view.pendant.session.q)  # planned from where the pendant left it
    qtbot.waitUntil(lambda: settled(view.program), timeout=20_000)
    assert view.program.t == pytest.approx(run.cycle_time)
    assert np.allclose(view.view3d.scene.q, run.trajectory.q[-1])
    assert view.program.editor.running_line == 8  # the last line executed
    assert view.objectives.states() == ["met", "met"]  # the preview judges the planned run
    assert view.status.text().startswith("Preview: 2 of 2 objectives met")


def test_step_forward_and_back(qtbot, ctx, trainee, course):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    pane = view.program
    qtbot.mouseClick(pane.fwd_btn, LEFT)  # TOOL pen: no motion
    qtbot.waitUntil(lambda: settled(pane), timeout=5000)
    assert pane.editor.running_line == 1 and pane.t == 0
    qtbot.mouseClick(pane.fwd_btn, LEFT)  # MOVEJ above pal
    qtbot.waitUntil(lambda: settled(pane), timeout=10_000)
    line, t0, t1 = pane.run.executed[1]
    assert line == 2 and pane.editor.running_line == 2 and pane.t == pytest.approx(t1)
    above = view.view3d.scene.q.copy()
    qtbot.mouseClick(pane.fwd_btn, LEFT)  # MOVEL down to pal
    qtbot.waitUntil(lambda: settled(pane), timeout=10_000)
    assert pane.editor.running_line == 3
    assert np.allclose(view.env.tcp_of(view.view3d.scene.q)[:3, 3], view.pendant.session.points["pal"].world[:3, 3],
                       atol=0.01)
    qtbot.mouseClick(pane.back_btn, LEFT)  # back to the start of the MOVEL: above pal again
    qtbot.waitUntil(lambda: settled(pane), timeout=10_000)
    assert pane.editor.running_line == 3 and np.allclose(view.view3d.scene.q, above, atol=1e-9)
    qtbot.mouseClick(pane.back_btn, LEFT)  # back to before the MOVEJ: where the pendant left the arm
    qtbot.waitUntil(lambda: settled(pane), timeout=10_000)
    assert pane.editor.running_line == 2 and pane.t == pytest.approx(t0)
    assert np.allclose(view.view3d.scene.q, view.pendant.session.q, atol=1e-9)
    qtbot.mouseClick(pane.back_btn, LEFT)  # nothing before the first motion: stays
    assert pane.t == pytest.approx(t0)


def test_a_t1_run_waits_for_the_enabling_device(qtbot, ctx, trainee, course):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    panel, pane = view.pendant, view.program
    panel.setFocus()
    qtbot.keyRelease(panel, Qt.Key.Key_Space)  # let go of the enabling device
    assert panel.enabling.position == 1
    qtbot.mouseClick(pane.run_btn, LEFT)
    qtbot.waitUntil(lambda: planned(pane), timeout=20_000)
    qtbot.wait(200)
    assert pane.t == 0 and pane.waiting and "enabling device" in pane.where.text()
    _hold_enabling(qtbot, panel)
    qtbot.waitUntil(lambda: pane.t > 0.5, timeout=10_000)
    qtbot.keyRelease(panel, Qt.Key.Key_Space)
    qtbot.wait(100)
    paused_at = pane.t
    qtbot.wait(200)
    assert pane.t == paused_at < pane.run.cycle_time and pane.waiting
    qtbot.mouseClick(pane.stop_btn, LEFT)
    assert pane.goal is None


@pytest.mark.parametrize(("program", "passed"), [(GOOD, True), (BAD, False)])
def test_submit_is_graded_by_the_service(qtbot, ctx, trainee, course, program, passed):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, program)
    qtbot.mouseClick(view.submit_btn, LEFT)
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    assert view.result_label.isVisible()
    run = lab_runs(ctx, "line/arm-lab")[-1]
    assert run.passed is passed
    assert run.metrics["parts_placed"] == (2 if passed else 1)
    # what was stored is the pendant's log and the program: the service replayed the one and ran the other
    assert run.parameters["program"] == program
    assert [e["ev"] for e in run.parameters["session"][:3]] == ["enable", "record", "key"]


def test_the_pendant_log_is_kept_in_the_draft(qtbot, ctx, trainee, course):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    q = view.pendant.session.q.copy()
    view.save_state()
    again = open_arm_lab(qtbot, ctx, trainee, course)
    assert "pal" in again.pendant.session.points
    assert np.allclose(again.pendant.session.q, q)
    qtbot.mouseClick(again.restart_btn, LEFT)
    assert not again.pendant.session.points and again.pendant.log() == []


def test_a_given_program_is_shown_read_only_and_runs_with_the_taught_point(qtbot, ctx, trainee, tmp_path):
    course = install(ctx, tmp_path, given_program=GOOD)
    view = open_arm_lab(qtbot, ctx, trainee, course)
    assert view.program_control is None and view.program.editor.isReadOnly()
    assert view.program.editor.toPlainText() == GOOD
    teach_pal_and_jog_away(qtbot, view)
    qtbot.waitUntil(lambda: not view.program.problems, timeout=3000)
    qtbot.mouseClick(view.program.run_btn, LEFT)
    qtbot.waitUntil(lambda: settled(view.program), timeout=20_000)
    assert view.program.run.stopped_by is None
    assert set(view.control_values()) == {"session"}
    qtbot.mouseClick(view.submit_btn, LEFT)
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    assert lab_runs(ctx, "line/arm-lab")[-1].passed


def test_pendant_work_is_previewed_on_the_objectives(qtbot, ctx, trainee, tmp_path):
    course = install(ctx, tmp_path, jog=True)
    view = open_lab(qtbot, ctx, trainee, course, "line/arm-lab", size=(1366, 768))
    view.pendant.timer.stop()
    assert view.program is None  # a pendant-only lab: the 3D view and the pendant
    panel = view.pendant
    panel.setFocus()
    _hold_enabling(qtbot, panel)
    panel.points.name.setText("t1")
    qtbot.mouseClick(panel.points.record, LEFT)
    qtbot.waitUntil(lambda: view.objectives.states() == ["met", "met"], timeout=5000)
    assert "target t1" in view.view3d.points and "t1" in view.view3d.points
    qtbot.mouseClick(view.restart_btn, LEFT)
    qtbot.waitUntil(lambda: view.objectives.states()[0] != "met", timeout=5000)


def test_the_lab_editor_knows_the_kind():
    from app.ui.instructor.authoring.lab_tables import CONTROL_TYPES, metric_choices, path_choices

    assert "pendant" in CONTROL_TYPES
    assert ("session", "session") in path_choices("robot_arm", None)
    data = {"kind": "robot_arm", "task": {"kind": "glue_path"}}
    names = [n for n, _label in metric_choices("robot_arm", data)]
    assert "path_deviation_mm" in names and "speed_cv" in names and "targets_reached" not in names


def test_a_run_alarm_is_listed_marked_in_3d_and_jumps_to_its_line(qtbot, ctx, trainee, course):
    from tests.simulators.robot_arm.test_arm_runner_programs import _through_wrist_singularity

    view = open_arm_lab(qtbot, ctx, trainee, course)
    type_program(qtbot, view, _through_wrist_singularity("MOVEL b 200 mm/s FINE").rstrip("\n"))
    pane = view.program
    view.pendant.setFocus()
    _hold_enabling(qtbot, view.pendant)
    qtbot.mouseClick(pane.run_btn, LEFT)
    qtbot.waitUntil(lambda: settled(pane), timeout=20_000)
    assert pane.alarms.isVisible() and pane.alarms.count() == 1
    text = pane.alarms.item(0).text()
    assert text.startswith("Line 5 at ") and "singular" in text.lower()
    assert len(view.view3d.alarms) == 1  # marked where the TCP was when it stopped
    assert view.objectives.states()[1] == "unmet"  # completed == 1 is not met
    pane.editor.goto_line(1)
    qtbot.mouseClick(pane.alarms.viewport(), LEFT, pos=pane.alarms.visualItemRect(pane.alarms.item(0)).center())
    assert pane.editor.textCursor().blockNumber() + 1 == 5

"""A program run in the robot arm lab obeys the pendant's safety, as the real robot does: the E-stop pressed mid-run
holds it where it is (it kept moving before), the reason is shown in words, and after the button is pulled out and
Reset pressed it moves on only once the enabling device is taken again (reset never restarts motion)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.arm_lab_course import GOOD
from tests.ui.test_arm_lab import course, open_arm_lab, teach_pal_and_jog_away, type_program  # noqa: F401
from tests.ui.test_pendant import _hold_enabling, _ticks

LEFT = Qt.MouseButton.LeftButton


def test_an_estop_mid_run_holds_the_program_until_reset_and_enabling(qtbot, ctx, trainee, course):  # noqa: F811
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    panel, pane = view.pendant, view.program
    view.program.speed = 2.0
    panel.setFocus()
    _hold_enabling(qtbot, panel)
    qtbot.mouseClick(pane.run_btn, LEFT)
    qtbot.waitUntil(lambda: pane.t > 0.3, timeout=10_000)
    qtbot.mouseClick(panel.estop, LEFT)  # the enabling device is still held
    _ticks(panel, 1)
    qtbot.wait(100)
    held = pane.t
    qtbot.wait(300)
    assert pane.t == held < pane.run.cycle_time and pane.waiting
    assert pane.where.text().startswith("Paused: Emergency stop")
    qtbot.mouseClick(panel.estop, LEFT)  # pulled out
    qtbot.mouseClick(panel.reset_button, LEFT)
    _ticks(panel, 1)
    qtbot.wait(300)
    assert pane.t == held  # a reset never restarts motion: the drives are off
    qtbot.keyRelease(panel, Qt.Key.Key_Space)
    _hold_enabling(qtbot, panel)  # taken again: drives on
    qtbot.waitUntil(lambda: pane.t > held + 0.2, timeout=10_000)
    qtbot.mouseClick(pane.stop_btn, LEFT)

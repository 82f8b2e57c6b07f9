"""A six-axis robot lab (robot_arm) is authored in the course editor like any lab: its objectives are edited
in the table, "Try" grades it through the same runner, and Save writes the lab file."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from app.courses.library import CourseLibrary
from tests import arm_lab_course as arm
from tests.ui.test_authoring import _edit_cell, _open_authoring, _open_fixture, _wait_checked


def test_an_instructor_edits_and_tries_a_robot_arm_lab(qtbot, window, ctx, instructor, tmp_path):
    written = arm.install(ctx, tmp_path, load=False)
    shutil.move(str(written), str(ctx.library_dir / arm.FIXTURE_ID))
    ctx._library = CourseLibrary(tmp_path / "bundled", ctx.library_dir, tmp_path / "cache")
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("step", "line", "arm-lab"))
    lab = panel.editor
    assert lab.simulator.currentData() == "robot_arm"
    lab.tabs.setCurrentIndex(2)
    objectives = lab.objectives.table
    assert objectives.cellWidget(0, 0).currentText() == "parts_placed"  # a combo of the task's metrics
    assert objectives.item(0, 2).text() == "2"
    _edit_cell(qtbot, objectives, 0, 2, "1")  # one part is enough now
    assert panel.model.draft.get(lab.rel, ["objectives", 0, "target"]) == 1
    problems = _wait_checked(qtbot, panel)
    assert not [p for p in problems if p.severity == "error"], [str(p) for p in problems]
    assert panel.save()
    text = (ctx.library_dir / arm.FIXTURE_ID / "modules/line/arm-lab/lab.yaml").read_text(encoding="utf-8")
    assert "simulator: robot_arm" in text and "target: 1" in text

    lab = panel.editor
    lab.tabs.setCurrentIndex(3)
    qtbot.mouseClick(lab.try_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_grade is not None, timeout=60000)
    # The default program only selects the tool: nothing is placed, so the edited objective still fails.
    assert lab.last_metrics["parts_placed"] == 0 and not lab.last_grade.passed

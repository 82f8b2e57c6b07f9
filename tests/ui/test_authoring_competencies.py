"""The skills matrix in the course editor: competencies and their evidence steps edited in tables (issue 19)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from app.courses.loader import load_course
from tests.ui.test_authoring import _edit_cell, _library_with, _open_authoring, _open_fixture, _wait_checked


def _choose(combo, data) -> None:
    """Pick a combo entry as a user would (activated fires only on a user choice)."""
    idx = combo.findData(data)
    assert idx >= 0, [combo.itemData(i) for i in range(combo.count())]
    combo.setCurrentIndex(idx)
    combo.activated.emit(idx)


def test_add_a_competency_with_evidence_saves_a_loadable_course(qtbot, window, ctx, instructor, tmp_path):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    draft = panel.model.draft
    panel.tree.select(("course",))
    form = panel.editor
    assert form.competencies.table.rowCount() == 0 and not form.evidence.isEnabled()

    qtbot.mouseClick(form.competencies.add_btn, Qt.MouseButton.LeftButton)
    assert draft.get("course.yaml", ["competencies", 0, "id"]) == "competency-1"
    table = form.competencies.table
    _edit_cell(qtbot, table, 0, 0, "line-balancing")
    _edit_cell(qtbot, table, 0, 1, "Line balancing")
    _edit_cell(qtbot, table, 0, 2, "产线平衡")
    assert draft.get("course.yaml", ["competencies", 0, "name"]) == {"en": "Line balancing", "zh_CN": "产线平衡"}
    # No evidence yet: the live check says so, pointing at the competency.
    problems = _wait_checked(qtbot, panel)
    assert any(p.is_error and p.pointer.startswith("course.yaml#competencies.0") for p in problems), problems

    form.competencies.table.setCurrentCell(0, 0)
    assert form.evidence.isEnabled()
    qtbot.mouseClick(form.evidence.add_btn, Qt.MouseButton.LeftButton)
    steps = form.evidence.table.cellWidget(0, 0)
    offered = [steps.itemData(i) for i in range(steps.count())]
    assert offered == ["basics/quiz", "line/buffer-lab", "line/practical"]  # graded steps only, no lesson
    _choose(steps, "line/buffer-lab")
    _choose(form.evidence.table.cellWidget(0, 1), "intermediate")
    assert draft.get("course.yaml", ["competencies", 0, "evidence"]) == [
        {"step": "line/buffer-lab", "level": "intermediate"}]
    assert not [p for p in _wait_checked(qtbot, panel) if p.is_error]

    # Undo takes back the level choice; redo puts it again.
    panel.undo_action.trigger()
    assert draft.get("course.yaml", ["competencies", 0, "evidence", 0, "level"]) == "beginner"
    assert form.evidence.table.cellWidget(0, 1).currentData() == "beginner"
    panel.redo_action.trigger()

    panel.save()
    assert not panel.dirty
    course = load_course(ctx.library_dir / "fixture-mini")
    [comp] = course.competencies
    assert comp.id == "line-balancing" and comp.name == {"en": "Line balancing", "zh_CN": "产线平衡"}
    assert [(e.step, e.level) for e in comp.evidence] == [("line/buffer-lab", "intermediate")]

"""Instructor workspace: classes, roster import and practical sign-off through the real widgets."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog
from sqlalchemy import select

from app.services.progress import StepStatus
from app.storage.models import AuditEntry, SignOff
from tests.ui.conftest import login


def _open_workspace(qtbot, window, who="teacher", password="teach-pass"):
    window.show_login()
    login(qtbot, window, who, password)
    page = window.shell.show_page("instructor")
    assert page is not None
    return page


def test_create_class_and_import_roster(qtbot, window, ctx, instructor, tmp_path, monkeypatch):
    page = _open_workspace(qtbot, window)
    panel = page.cohorts
    page.tabs.setCurrentWidget(panel)
    monkeypatch.setattr(QInputDialog, "getText", lambda *a, **k: ("重庆一班", True))
    qtbot.mouseClick(panel.new_btn, Qt.MouseButton.LeftButton)
    assert panel.list.count() == 1 and panel.list.item(0).text().startswith("重庆一班")
    roster = tmp_path / "roster.csv"
    roster.write_text("login,name\nli01,李娜\nwang02,王强\n,缺账号\n", encoding="utf-8")
    panel.import_file(roster)
    assert panel.members.rowCount() == 2
    assert panel.members.item(0, 1).text() == "李娜"
    assert "row 4" in panel.status.text()
    assert "li01:" in panel.status.text()  # the generated initial password is shown


def _row_text(panel, row: int) -> str:
    return " | ".join(panel.table.item(row, c).text() for c in range(panel.table.columnCount()))


def test_sign_off_a_practical(qtbot, window, ctx, instructor, trainee, fixture_course):
    ctx.progress.enroll(trainee, "fixture-mini", fixture_course.version)  # the list holds enrolled trainees
    page = _open_workspace(qtbot, window)
    panel = page.signoffs
    page.tabs.setCurrentWidget(panel)
    panel.refresh()
    rows = [_row_text(panel, i) for i in range(panel.table.rowCount())]
    mine = [i for i, r in enumerate(rows) if "张伟" in r and "Lockout/tagout sign-off" in r]
    assert len(mine) == 1
    panel.select(mine[0])
    assert len(panel.checks) == 4
    assert not panel.sign_btn.isEnabled()  # a pass needs every item ticked
    for _id, cb in panel.checks:
        cb.setFocus()
        qtbot.keyClick(cb, Qt.Key.Key_Space)
    assert panel.sign_btn.isEnabled()
    qtbot.keyClicks(panel.comment, "good job")
    qtbot.mouseClick(panel.sign_btn, Qt.MouseButton.LeftButton)
    with ctx.store.session() as s:
        so = s.scalar(select(SignOff))
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "practical.signoff"))
    assert so.passed and so.instructor_id == instructor.user_id and so.comment == "good job"
    assert audit.target_user_id == trainee.user_id
    prog = ctx.progress.course_progress(trainee, trainee.user_id, "fixture-mini", fixture_course.step_kinds())
    assert prog.status("line/practical") is StepStatus.PASSED
    left = [_row_text(panel, i) for i in range(panel.table.rowCount())]
    assert not any("张伟" in r and "Lockout/tagout sign-off" in r for r in left)

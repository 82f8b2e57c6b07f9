"""Pages never look for each other: they ask the shell (open_requested) or the window (settings_changed)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from tests.ui.conftest import login


def test_my_progress_opens_the_course_in_the_catalog(qtbot, window, ctx, trainee, fixture_course):
    window.show_login()
    login(qtbot, window, "zhangwei", "trainee-pass")
    ctx.progress.enroll(trainee, fixture_course.id, fixture_course.version)
    progress = window.shell.show_page("progress")
    progress.activated()
    assert progress.table.rowCount() == 1
    progress.table.setCurrentCell(0, 0)
    qtbot.mouseClick(progress.open_course_btn, Qt.MouseButton.LeftButton)
    catalog = window.shell.page("catalog")
    assert window.shell.stack.currentWidget() is catalog
    view = catalog.course_view
    assert view is not None and view.course.id == fixture_course.id and view.isVisible()


def test_saving_center_settings_changes_the_idle_lock_at_once(qtbot, window, ctx, admin):
    window.show_login()
    login(qtbot, window, "admin", "admin-pass")
    settings = window.shell.show_page("settings")
    settings.idle.setValue(3)
    qtbot.mouseClick(settings.center_btn, Qt.MouseButton.LeftButton)
    assert ctx.settings.idle_lock_minutes() == 3
    assert window.idle.timer.interval() == 3 * 60_000

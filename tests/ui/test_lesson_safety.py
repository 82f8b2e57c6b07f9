"""The lesson view's links (programs never run, documents after confirmation, pictures and text in the app)
and the course glossary panel (Ctrl+G), through the real window."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QApplication

from app import i18n
from app.ui.trainee import steps  # noqa: F401 - registers the built-in step views
from app.ui.trainee.course_file_view import CourseFileDialog
from app.ui.trainee.glossary_panel import GlossaryPanel
from app.ui.trainee.lesson_view import LessonView
from tests.ui.test_trainee_support import FIXTURE_ID, install_fixture, login_trainee, open_fixture

GLOSSARY = """\
terms:
  - term: {en: teach pendant, zh_CN: 示教器}
    definition:
      en: The hand-held operator unit used to jog the robot.
      zh_CN: 用于点动机器人的手持操作单元。
    aliases: [TP]
  - term: {en: tool centre point (TCP), zh_CN: 工具中心点（TCP）}
    definition:
      en: The working point of the tool.
      zh_CN: 工具的工作点。
"""

FILES = {
    "setup.exe": b"MZ\x90\x00",
    "install.bat": b"@echo off\r\n",
    "evil.desktop": b"[Desktop Entry]\nExec=sh\n",
    "guide.pdf": b"%PDF-1.4\n",
    "notes.txt": "Torque the bolts to 25 N·m. 扭矩 25 N·m。".encode(),
}


def _lesson(qtbot, window, ctx, tmp_path, glossary: bool = True) -> LessonView:
    course = install_fixture(ctx, tmp_path)
    lesson_dir = course.path / "modules" / "basics" / "lesson"
    for name, data in FILES.items():
        (lesson_dir / name).write_bytes(data)
    if glossary:
        (course.path / "glossary.yaml").write_text(GLOSSARY, encoding="utf-8")
    ctx.library.reload()
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    lesson = view.open_step("basics/lesson")
    assert isinstance(lesson, LessonView)
    return lesson


def _click(lesson: LessonView, name: str) -> None:
    path = lesson.course.path / "modules" / "basics" / "lesson" / name
    lesson.browser.anchorClicked.emit(QUrl.fromLocalFile(str(path)))


def test_programs_linked_from_a_lesson_are_never_opened(qtbot, window, ctx, trainee, tmp_path, monkeypatch, messages):
    lesson = _lesson(qtbot, window, ctx, tmp_path)
    opened: list[str] = []
    monkeypatch.setattr("app.ui.trainee.lesson_view.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toString()))
    for name in ("setup.exe", "install.bat", "evil.desktop"):
        _click(lesson, name)
    assert opened == []
    warnings = messages.texts("warning")
    assert len(warnings) == 3 and all("never start programs" in w for w in warnings)
    assert [n for n in ("setup.exe", "install.bat", "evil.desktop") if any(n in w for w in warnings)] == [
        "setup.exe", "install.bat", "evil.desktop"]
    lesson.browser.anchorClicked.emit(QUrl("javascript:alert(1)"))
    assert opened == [] and "javascript" in messages.texts("warning")[-1]


def test_a_document_opens_only_after_a_confirmation_naming_it(qtbot, window, ctx, trainee, tmp_path, monkeypatch,
                                                              messages):
    lesson = _lesson(qtbot, window, ctx, tmp_path)
    opened: list[str] = []
    monkeypatch.setattr("app.ui.trainee.lesson_view.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    messages.answer("no", "yes")
    _click(lesson, "guide.pdf")
    assert opened == [] and "guide.pdf" in messages.shown[-1].text
    _click(lesson, "guide.pdf")
    assert opened == [str((lesson.course.path / "modules/basics/lesson/guide.pdf").resolve())]


def test_text_files_are_shown_inside_the_app(qtbot, window, ctx, trainee, tmp_path, monkeypatch, messages):
    lesson = _lesson(qtbot, window, ctx, tmp_path)
    monkeypatch.setattr("app.ui.trainee.lesson_view.QDesktopServices.openUrl",
                        lambda url: (_ for _ in ()).throw(AssertionError("handed to the desktop")))
    _click(lesson, "notes.txt")
    dialogs = [w for w in QApplication.topLevelWidgets() if isinstance(w, CourseFileDialog) and w.isVisible()]
    assert len(dialogs) == 1
    assert "扭矩 25 N·m" in dialogs[0].browser.toPlainText()
    dialogs[0].close()
    _click(lesson, "../lesson/line.svg")  # a picture of the course, sanitised like the lesson's own
    (svg_dialog,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, CourseFileDialog) and w.isVisible()]
    assert 'src="data:image/svg+xml;base64,' in svg_dialog.browser.toHtml()
    svg_dialog.close()
    assert messages.shown == []


def test_the_glossary_opens_with_ctrl_g_and_searches_both_languages(qtbot, window, ctx, trainee, tmp_path):
    lesson = _lesson(qtbot, window, ctx, tmp_path)
    assert lesson.glossary_btn.isVisibleTo(lesson) and lesson.glossary_btn.text() == "Glossary"
    window.activateWindow()
    lesson.browser.setFocus()
    qtbot.keyClick(lesson.browser, Qt.Key.Key_G, Qt.KeyboardModifier.ControlModifier)
    panel = lesson.glossary
    assert isinstance(panel, GlossaryPanel) and panel.isVisible()
    assert panel.shown_terms() == ["teach pendant — 示教器", "tool centre point (TCP) — 工具中心点（TCP）"]
    panel.set_query("tp")
    assert panel.shown_terms()[0] == "teach pendant — 示教器"
    assert "hand-held operator unit" in panel.detail.toPlainText() and "手持操作单元" in panel.detail.toPlainText()
    panel.set_query("工作点")
    assert panel.shown_terms() == ["tool centre point (TCP) — 工具中心点（TCP）"]
    panel.set_query("nothing like this")
    assert panel.shown_terms() == [] and "No term matches" in panel.detail.toPlainText()
    assert panel.count.text() == "0 terms"

    i18n.set_locale("zh_CN")
    panel.set_query("")
    assert sorted(panel.shown_terms()) == ["工具中心点（TCP） — tool centre point (TCP)", "示教器 — teach pendant"]
    panel.results.setCurrentRow(panel.shown_terms().index("示教器 — teach pendant"))
    assert panel.detail.toPlainText().startswith("示教器")  # the UI language first
    panel.close()
    qtbot.mouseClick(lesson.glossary_btn, Qt.MouseButton.LeftButton)
    assert lesson.glossary is panel and panel.isVisible()
    panel.close()


def test_no_glossary_button_without_a_glossary(qtbot, window, ctx, trainee, tmp_path):
    lesson = _lesson(qtbot, window, ctx, tmp_path, glossary=False)
    assert not lesson.glossary_btn.isVisibleTo(lesson)
    lesson.open_glossary()
    assert lesson.glossary is None
    assert lesson.course.id == FIXTURE_ID

"""The course authoring editor through the real widgets: from nothing to a course a trainee takes."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QLineEdit, QTableWidget

from app.courses.errors import has_errors
from app.courses.library import CourseLibrary
from app.courses.package import import_course
from app.courses.validator import validate_path
from app.services.progress import StepStatus
from app.ui.instructor.authoring import AuthoringPanel
from app.ui.instructor.authoring.dialogs import CopyCourseDialog, NewCourseDialog, PublishDialog
from app.ui.instructor.authoring.lab_editor import LabEditor
from app.ui.instructor.authoring.lesson_editor import LessonEditor
from app.ui.instructor.authoring.quiz_editor import QuizEditor
from app.ui.instructor.authoring.raw_editor import RawFileEditor
from app.ui.instructor.authoring.tables import BoundTable
from app.ui.trainee.lesson_view import LessonView
from app.ui.trainee.quiz.quiz_view import QuizView
from tests.ui.conftest import login, type_text
from tests.ui.test_trainee_support import FIXTURE_DIR, answer, press_enter

CTRL = Qt.KeyboardModifier.ControlModifier


def _png(path: Path) -> Path:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\x20\x80\xc0" * 4 for _ in range(3))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 3, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def _open_authoring(qtbot, window, who="teacher", password="teach-pass") -> AuthoringPanel:
    window.show_login()
    login(qtbot, window, who, password)
    page = window.shell.show_page("instructor")
    assert page.tabs.indexOf(page.authoring) == 0  # the Courses tab comes first
    page.tabs.setCurrentWidget(page.authoring)
    _activate(qtbot, window)
    return page.authoring


def _activate(qtbot, window) -> None:
    # Other widgets may flash up as windows and take the activation (e.g. catalog cards being built).
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _replace(qtbot, widget, text: str) -> None:
    """Select everything in a field and type over it (Chinese through the input method)."""
    widget.setFocus()
    qtbot.keyClick(widget, Qt.Key.Key_A, CTRL)
    type_text(qtbot, widget, text)


def _wait_checked(qtbot, panel: AuthoringPanel) -> list:
    qtbot.waitUntil(lambda: not panel.validation.busy, timeout=20000)
    return panel.validation.problems


def _edit_cell(qtbot, table: QTableWidget, row: int, col: int, text: str) -> None:
    """Open the cell editor like a double click, type (IME for Chinese), press Enter."""
    table.setCurrentCell(row, col)
    table.editItem(table.item(row, col))
    editor = next(w for w in table.viewport().findChildren(QLineEdit)
                  if w.isVisible() and w.parentWidget() is table.viewport())
    editor.selectAll()
    type_text(qtbot, editor, text)
    qtbot.keyClick(editor, Qt.Key.Key_Return)  # the view commits on its next event loop turn
    # A hang guard, not a speed check: a loaded machine with many leftover widgets can take seconds here.
    qtbot.waitUntil(lambda: table.state() != QTableWidget.State.EditingState, timeout=30_000)


def _undo(qtbot, panel, redo=False):
    target = QApplication.focusWidget() or panel.tree
    if redo:
        qtbot.keyClick(target, Qt.Key.Key_Z, CTRL | Qt.KeyboardModifier.ShiftModifier)
    else:
        qtbot.keyClick(target, Qt.Key.Key_Z, CTRL)


def test_author_a_course_from_nothing_and_a_trainee_takes_it(qtbot, window, ctx, instructor, trainee, tmp_path,
                                                               monkeypatch):
    panel = _open_authoring(qtbot, window)

    # --- a new course ------------------------------------------------------------------------------
    draft = _new_course(qtbot, window, panel, monkeypatch)
    assert draft.course_id == "night-shift" and draft.root == ctx.library_dir / "night-shift"
    form = panel.editor
    assert form.title.widgets["zh_CN"].text() == "夜班基础"
    type_text(qtbot, form.summary.widgets["en"], "What every night shift needs.")
    assert form.summary.widgets["zh_CN"].property("missingTranslation") is True  # flagged until written
    type_text(qtbot, form.summary.widgets["zh_CN"], "夜班须知。")
    assert form.summary.widgets["zh_CN"].property("missingTranslation") is False
    assert draft.get("course.yaml", ["summary"]) == {"en": "What every night shift needs.", "zh_CN": "夜班须知。"}

    # --- a module ----------------------------------------------------------------------------------
    qtbot.mouseClick(panel.add_module_btn, Qt.MouseButton.LeftButton)
    assert panel.tree.current_node() == ("module", "module")
    module_form = panel.editor
    module_form.id_edit.edit.setFocus()
    module_form.id_edit.edit.selectAll()
    qtbot.keyClicks(module_form.id_edit.edit, "basics")
    qtbot.keyClick(module_form.id_edit.edit, Qt.Key.Key_Return)
    assert draft.module_ids() == ["basics"] and panel.tree.current_node() == ("module", "basics")
    module_form = panel.editor
    _replace(qtbot, module_form.title.widgets["en"], "Line basics")
    _replace(qtbot, module_form.title.widgets["zh_CN"], "产线基础")
    assert draft.get(draft.module_rel("basics"), ["title"]) == {"en": "Line basics", "zh_CN": "产线基础"}
    # Typing in one field is one undo step; redo brings it back.
    _undo(qtbot, panel)
    assert draft.get(draft.module_rel("basics"), ["title", "zh_CN"]) == "新模块"
    assert module_form.title.widgets["zh_CN"].text() == "新模块"
    _undo(qtbot, panel, redo=True)
    assert module_form.title.widgets["zh_CN"].text() == "产线基础"

    # --- a lesson with an image --------------------------------------------------------------------
    panel.step_actions["lesson"].trigger()
    lesson = panel.editor
    assert isinstance(lesson, LessonEditor) and panel.tree.current_node() == ("step", "basics", "lesson")
    _replace(qtbot, lesson.header.title.widgets["en"], "Stations and buffers")
    _replace(qtbot, lesson.header.title.widgets["zh_CN"], "工位与缓冲区")
    _replace(qtbot, lesson.edits["en"], "# Stations and buffers")
    qtbot.keyClick(lesson.edits["en"], Qt.Key.Key_Return)
    qtbot.keyClick(lesson.edits["en"], Qt.Key.Key_Return)
    qtbot.keyClicks(lesson.edits["en"], "A buffer holds parts between two stations. ")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(_png(tmp_path / "Line View.png")), ""))
    qtbot.mouseClick(lesson.image_btn, Qt.MouseButton.LeftButton)
    assert "![](line-view.png)" in lesson.edits["en"].toPlainText()
    assert draft.entry("modules/basics/lesson/line-view.png").kind == "blob"
    qtbot.waitUntil(lambda: "line-view.png" in lesson.preview.toHtml() and "<img" in lesson.preview.toHtml())
    lesson.tabs.setCurrentIndex(1)
    _replace(qtbot, lesson.edits["zh_CN"], "缓冲区存放两个工位之间的工件。")
    assert draft.text("modules/basics/lesson/lesson.zh_CN.md") == "缓冲区存放两个工位之间的工件。"
    qtbot.waitUntil(lambda: "缓冲区存放" in lesson.preview.toPlainText())

    # --- a quiz with two question types --------------------------------------------------------------
    panel.step_actions["quiz"].trigger()
    quiz = panel.editor
    assert isinstance(quiz, QuizEditor)
    rel = quiz.rel
    q = quiz.form
    _replace(qtbot, q.prompt.widgets["en"], "Where do parts wait between stations?")
    _replace(qtbot, q.prompt.widgets["zh_CN"], "工件在工位之间的哪里等待？")
    options = q.table.table
    _edit_cell(qtbot, options, 0, 2, "In the buffer")
    _edit_cell(qtbot, options, 0, 3, "在缓冲区")
    _edit_cell(qtbot, options, 1, 2, "At the gate")
    _edit_cell(qtbot, options, 1, 3, "在门口")
    options.item(1, 0).setCheckState(Qt.CheckState.Checked)  # the wrong one first
    assert draft.get(rel, ["questions", 0, "answer"]) == "b"
    options.item(0, 0).setCheckState(Qt.CheckState.Checked)  # single choice: checking a moves the answer
    assert draft.get(rel, ["questions", 0, "answer"]) == "a"
    assert options.item(1, 0).checkState() == Qt.CheckState.Unchecked
    assert draft.get(rel, ["questions", 0, "options", 1, "text"]) == {"en": "At the gate", "zh_CN": "在门口"}
    quiz.add_actions["fill_blank"].trigger()
    assert quiz.questions.count() == 2 and quiz.form.qtype == "fill_blank"
    q2 = quiz.form
    _replace(qtbot, q2.prompt.widgets["en"], "Parts wait in a ___ between stations.")
    _replace(qtbot, q2.prompt.widgets["zh_CN"], "工件在工位之间的缓冲区等待。")  # forgot the blank
    _replace(qtbot, q2.accepted["en"], "buffer")
    _replace(qtbot, q2.accepted["zh_CN"], "缓冲区")
    assert draft.get(rel, ["questions", 1, "accepted"]) == {"en": ["buffer"], "zh_CN": ["缓冲区"]}

    # --- a lab -------------------------------------------------------------------------------------
    panel.step_actions["lab"].trigger()
    lab = panel.editor
    assert isinstance(lab, LabEditor) and lab.scenario_combo.currentText() == "basic-three-station-line"
    lab_rel = lab.rel
    lab.tabs.setCurrentIndex(1)
    qtbot.mouseClick(lab.controls.add_btn, Qt.MouseButton.LeftButton)
    controls = lab.controls.table
    path_combo = controls.cellWidget(0, 1)
    path_combo.setCurrentIndex(path_combo.findText("buffers.B1.capacity"))
    _edit_cell(qtbot, controls, 0, 2, "Buffer before the mill")
    _edit_cell(qtbot, controls, 0, 3, "铣床前缓冲区")
    _edit_cell(qtbot, controls, 0, 6, "20")
    _edit_cell(qtbot, controls, 0, 9, "3")
    assert draft.get(lab_rel, ["controls", 0]) == {
        "id": "control", "path": "buffers.B1.capacity",
        "label": {"en": "Buffer before the mill", "zh_CN": "铣床前缓冲区"},
        "type": "int", "min": 0, "max": 20, "step": 1, "default": 3}
    lab.tabs.setCurrentIndex(2)
    _edit_cell(qtbot, lab.objectives.table, 0, 2, "45")
    assert draft.get(lab_rel, ["objectives", 0, "target"]) == 45
    lab.tabs.setCurrentIndex(3)
    qtbot.mouseClick(lab.try_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_grade is not None, timeout=60000)
    throughput = lab.last_metrics["throughput_per_hour"]
    assert throughput > 0 and lab.last_grade.passed == (throughput >= 45)
    assert lab.results.item(0, 0).text() == "throughput_per_hour"
    assert lab.results.item(0, 3).text() == ("✔" if throughput >= 45 else "✘")

    # --- the problems list: click the error, the field gets the focus, fix it -------------------------
    problems = _wait_checked(qtbot, panel)
    errors = [p for p in problems if p.is_error]
    assert [p.pointer for p in errors] == [f"{rel}#questions.1.prompt.zh_CN"], [str(p) for p in problems]
    _activate(qtbot, window)
    panel.validation.activate(problems.index(errors[0]))
    quiz = panel.editor
    assert isinstance(quiz, QuizEditor) and quiz.questions.currentRow() == 1
    focused = QApplication.focusWidget()
    assert focused is quiz.form.prompt.widgets["zh_CN"]
    cursor = focused.textCursor()
    cursor.setPosition(len("工件在工位之间的"))
    focused.setTextCursor(cursor)
    qtbot.keyClick(focused, Qt.Key.Key_Delete)
    qtbot.keyClick(focused, Qt.Key.Key_Delete)
    qtbot.keyClick(focused, Qt.Key.Key_Delete)
    type_text(qtbot, focused, "___")
    assert draft.get(rel, ["questions", 1, "prompt", "zh_CN"]) == "工件在工位之间的___等待。"
    problems = _wait_checked(qtbot, panel)
    assert not has_errors(problems), [str(p) for p in problems]

    # --- save: the files are in the library and valid ---------------------------------------------
    _activate(qtbot, window)
    quiz.form.prompt.widgets["zh_CN"].setFocus()
    qtbot.keyClick(quiz.form.prompt.widgets["zh_CN"], Qt.Key.Key_S, CTRL)
    root = ctx.library_dir / "night-shift"
    assert (root / "modules/basics/lesson/line-view.png").read_bytes() == (tmp_path / "Line View.png").read_bytes()
    assert not has_errors(validate_path(root, catalog_dirs=[]))
    zh = (root / "modules/basics/lesson/lesson.zh_CN.md").read_text(encoding="utf-8")
    assert zh == "缓冲区存放两个工位之间的工件。"
    assert not panel.dirty and not panel.save_btn.isEnabled()
    course = ctx.library.get("night-shift")
    assert course.step_keys() == ["basics/lesson", "basics/quiz", "basics/lab"]

    # --- a trainee finds it in the catalog and takes it --------------------------------------------
    window.logout()
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.show_page("catalog")
    card = catalog.card("night-shift")
    assert card is not None and card.title.text() == "Night shift basics"
    qtbot.mouseClick(card.button, Qt.MouseButton.LeftButton)
    view = catalog.course_view
    assert isinstance(view.view, LessonView) and "A buffer holds parts" in view.view.browser.toPlainText()
    qtbot.mouseClick(view.view.read_btn, Qt.MouseButton.LeftButton)
    assert view.status("basics/lesson") is StepStatus.PASSED
    qtbot.mouseClick(view.continue_btn, Qt.MouseButton.LeftButton)
    taking = view.view
    assert isinstance(taking, QuizView)
    window.activateWindow()
    taking.start_btn.setFocus()
    press_enter(qtbot, taking)
    for _n in range(len(taking.attempt.ids)):
        pane = taking.current_pane()
        answer(qtbot, pane, True)
        press_enter(qtbot, taking)
        press_enter(qtbot, taking)
    assert taking.result_label.text().startswith("Passed")
    assert view.status("basics/quiz") is StepStatus.PASSED


def _library_with(ctx, tmp_path, bundled: bool):
    """The fixture course, bundled (read-only) or in the instructor library."""
    bdir = tmp_path / "bundled"
    bdir.mkdir()
    if bundled:
        shutil.copytree(FIXTURE_DIR, bdir / "fixture-mini")
    else:
        shutil.copytree(FIXTURE_DIR, ctx.library_dir / "fixture-mini")
    ctx._library = CourseLibrary(bdir, ctx.library_dir, tmp_path / "cache")


def _open_fixture(panel, source: str) -> None:
    idx = next(i for i in range(panel.course_combo.count())
               if (panel.course_combo.itemData(i) or ("", ""))[1].endswith("fixture-mini")
               and panel.course_combo.itemData(i)[0] == source)
    panel.course_combo.setCurrentIndex(idx)
    panel.course_combo.activated.emit(idx)


def test_bundled_course_is_read_only_until_copied(qtbot, window, ctx, instructor, tmp_path, monkeypatch):
    _library_with(ctx, tmp_path, bundled=True)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "bundled")
    assert panel.model.read_only and panel.banner.isVisible() and panel.copy_btn.isVisible()
    assert not panel.add_module_btn.isEnabled()
    form = panel.editor
    assert form.title.widgets["en"].isReadOnly()
    qtbot.keyClicks(form.title.widgets["en"], "x")
    assert panel.model.draft.get("course.yaml", ["title", "en"]) == "Fixture mini course"

    def copy(dialog):
        assert dialog.course_id() == "fixture-mini"
        dialog.id_edit.setText("my-line-basics")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(CopyCourseDialog, "exec", copy)
    qtbot.mouseClick(panel.copy_btn, Qt.MouseButton.LeftButton)
    assert panel.model.draft.root == ctx.library_dir / "my-line-basics" and not panel.model.read_only
    assert "# A tiny but complete course" in (ctx.library_dir / "my-line-basics/course.yaml").read_text(
        encoding="utf-8")
    assert ctx.library.get("my-line-basics").source == "library"
    assert panel.add_module_btn.isEnabled() and not panel.banner.isVisible()


def test_drag_and_drop_moves_a_step_and_undo_puts_it_back(qtbot, window, ctx, instructor, tmp_path):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    tree, draft = panel.tree, panel.model.draft
    assert tree.plan_move(("module", "line"), ("step", "basics", "lesson"), "on") is None  # modules stay on top
    assert tree.plan_move(("step", "basics", "quiz"), ("course",), "on") is None
    source = tree.item_for(("step", "basics", "quiz"))
    target = tree.item_for(("module", "line"))
    tree.setCurrentItem(source)
    mime = tree.mimeData([source])
    rect = tree.visualItemRect(target)
    point = QPoint(rect.center().x(), rect.center().y())
    event = QDropEvent(point, Qt.DropAction.MoveAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    tree.dropEvent(event)
    qtbot.waitUntil(lambda: draft.step_ids("line") == ["buffer-lab", "practical", "quiz"])
    assert draft.step_ids("basics") == ["lesson"]
    assert draft.get("course.yaml", ["passing", "required"]) == ["line/quiz", "line/practical"]
    assert tree.current_node() == ("step", "line", "quiz")
    assert tree.item_for(("step", "line", "quiz")).parent() is tree.item_for(("module", "line"))
    panel.undo_action.trigger()
    assert draft.step_ids("basics") == ["lesson", "quiz"] and draft.step_ids("line") == ["buffer-lab", "practical"]
    assert tree.item_for(("step", "basics", "quiz")) is not None
    panel.redo_action.trigger()
    assert draft.step_ids("line") == ["buffer-lab", "practical", "quiz"]


def test_structure_edits_publish_and_export(qtbot, window, ctx, instructor, tmp_path, monkeypatch, messages):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    draft = panel.model.draft
    panel.tree.select(("step", "basics", "quiz"))
    qtbot.mouseClick(panel.dup_btn, Qt.MouseButton.LeftButton)
    assert draft.step_ids("basics") == ["lesson", "quiz", "quiz-2"]
    qtbot.mouseClick(panel.up_btn, Qt.MouseButton.LeftButton)
    assert draft.step_ids("basics") == ["lesson", "quiz-2", "quiz"]
    qtbot.mouseClick(panel.del_btn, Qt.MouseButton.LeftButton)
    assert draft.step_ids("basics") == ["lesson", "quiz"]
    panel.undo_action.trigger()
    assert draft.step_ids("basics") == ["lesson", "quiz-2", "quiz"]
    panel.undo_action.trigger()
    panel.undo_action.trigger()
    assert draft.step_ids("basics") == ["lesson", "quiz"] and not panel.dirty

    # An error blocks publishing; nothing is written.
    quiz = _remove_the_correct_option(qtbot, panel, draft)
    monkeypatch.setattr(PublishDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    warnings = messages.shown
    before = (ctx.library_dir / "fixture-mini/course.yaml").read_text(encoding="utf-8")
    assert not panel.publish()
    assert "error" in warnings[-1].text and draft.version == "1.0.0"
    assert (ctx.library_dir / "fixture-mini/course.yaml").read_text(encoding="utf-8") == before
    panel.undo_action.trigger()
    panel.undo_action.trigger()
    assert draft.get(quiz.rel, ["questions", 0, "answer"]) == "a"

    # Publish (minor by default): version raised, saved with comments kept, library reloaded.
    assert panel.publish()
    text = (ctx.library_dir / "fixture-mini/course.yaml").read_text(encoding="utf-8")
    assert "version: 1.1.0" in text and text.startswith("# A tiny but complete course")
    assert text.replace("version: 1.1.0", "version: 1.0.0") == before
    assert ctx.library.get("fixture-mini").version == "1.1.0"

    out = tmp_path / "out" / "fixture"
    out.parent.mkdir()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), ""))
    exported = panel.export()
    assert exported == out.with_suffix(".zhizao") and exported.is_file()
    other = tmp_path / "other-library"
    result = import_course(exported, other)
    assert result.version == "1.1.0" and (other / "fixture-mini/course.yaml").read_text(encoding="utf-8") == text


def test_editor_follows_the_language(qtbot, window, ctx, instructor, tmp_path):
    from app import i18n

    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("module", "basics"))
    assert panel.tree.item_for(("module", "basics")).text(0) == "Line basics"
    i18n.set_locale("zh_CN")
    assert panel.tree.item_for(("module", "basics")).text(0) == "产线基础"  # course content in the UI language
    assert panel.save_btn.text() == "保存"
    assert panel.tree.item_for(("step", "basics", "quiz")).text(1) == "测验"
    panel.tree.select(("step", "line", "buffer-lab"))
    lab = panel.editor
    lab.set_source("file")
    lab.set_source("bundled")  # the scenario widgets are rebuilt twice; switching language must still work
    i18n.set_locale("en")
    assert lab.tabs.tabText(0) == "Task and scenario"
    i18n.set_locale("zh_CN")
    assert lab.tabs.tabText(0) != "Task and scenario"
    assert panel.model.draft.get(lab.rel, ["scenario"]) == "basic-three-station-line"


@pytest.fixture(autouse=True)
def _fixture_draft_is_untouched():
    """The bundled fixture course must never be written by these tests."""
    before = {p: p.read_bytes() for p in FIXTURE_DIR.rglob("*") if p.is_file()}
    yield
    assert {p: p.read_bytes() for p in FIXTURE_DIR.rglob("*") if p.is_file()} == before



def test_unsaved_edits_survive_a_logout(qtbot, window, ctx, instructor, tmp_path, monkeypatch):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("module", "basics"))
    _replace(qtbot, panel.editor.title.widgets["en"], "Line basics at night")
    lesson_rel = "modules/basics/lesson/lesson.en.md"
    panel.tree.select(("step", "basics", "lesson"))
    type_text(qtbot, panel.editor.edits["en"], "夜班")
    edited = panel.model.draft.text(lesson_rel)
    _undo(qtbot, panel)  # the lesson text is one undo step too
    assert panel.model.draft.text(lesson_rel) == (FIXTURE_DIR / lesson_rel).read_text(encoding="utf-8")
    _undo(qtbot, panel, redo=True)
    assert panel.model.draft.text(lesson_rel) == edited and panel.editor.edits["en"].toPlainText() == edited
    window.logout()  # nothing was saved
    assert (ctx.library_dir / "fixture-mini" / lesson_rel).read_text(encoding="utf-8") != edited
    monkeypatch.setattr(AuthoringPanel, "ask_restore", lambda self: True)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    draft = panel.model.draft
    assert draft.text(lesson_rel) == edited and panel.dirty
    assert draft.get(draft.module_rel("basics"), ["title", "en"]) == "Line basics at night"
    assert draft.changed_files() == [lesson_rel, draft.module_rel("basics")]
    assert panel.save()
    assert (ctx.library_dir / "fixture-mini" / lesson_rel).read_text(encoding="utf-8") == edited
    assert not (ctx.data_dir / "authoring-recovery" / "fixture-mini").exists()


def test_lab_scenario_copied_into_the_step_and_edited_in_tables(qtbot, window, ctx, instructor, tmp_path):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("step", "line", "buffer-lab"))
    lab = panel.editor
    lab.set_source("file")
    draft = panel.model.draft
    rel = "modules/line/buffer-lab/scenario.yaml"
    assert draft.get(lab.rel, ["scenario_file"]) == "scenario.yaml" and draft.get(lab.rel, ["scenario"]) is None
    stations = next(p for p in lab.scenario_parts if isinstance(p, BoundTable)
                    and p.table.objectName() == "stationsTable")
    assert [stations.table.item(r, 0).text() for r in range(3)] == ["Saw", "Mill", "Inspection"]
    assert stations.table.item(1, 3).text() == "58" and stations.table.item(1, 4).text() == "5400"
    _edit_cell(qtbot, stations.table, 1, 2, "2")  # a second mill
    _edit_cell(qtbot, stations.table, 0, 5, "120")  # the saw gets failures (MTTR typed first)
    assert draft.get(rel, ["stations", 1, "servers"]) == 2
    assert draft.get(rel, ["stations", 0, "failures", "ttr"]) == {"dist": "exponential", "mean": 120}
    problems = _wait_checked(qtbot, panel)
    assert not has_errors(problems), [str(p) for p in problems]
    assert panel.save()
    text = (ctx.library_dir / "fixture-mini" / rel).read_text(encoding="utf-8")
    assert text.startswith("kind: line") and "description: >" in text and "servers: 2" in text
    lab_text = (ctx.library_dir / "fixture-mini/modules/line/buffer-lab/lab.yaml").read_text(encoding="utf-8")
    assert "scenario_file: scenario.yaml" in lab_text and lab_text.startswith("# known-good:")
    lab = panel.editor
    lab.tabs.setCurrentIndex(3)
    qtbot.mouseClick(lab.try_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: lab.last_grade is not None, timeout=60000)
    assert lab.last_metrics["station.Saw.failures"] > 0  # the run used the edited scenario file


def test_a_file_that_does_not_parse_is_repaired_as_text(qtbot, window, ctx, instructor, tmp_path):
    _library_with(ctx, tmp_path, bundled=False)
    quiz_file = ctx.library_dir / "fixture-mini/modules/basics/quiz/quiz.yaml"
    good = quiz_file.read_text(encoding="utf-8")
    quiz_file.write_text(good.replace("shuffle: true", "shuffle: [true"), encoding="utf-8")
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("step", "basics", "quiz"))
    raw = panel.editor
    assert isinstance(raw, RawFileEditor) and "not valid YAML" in raw.note.text()
    problems = _wait_checked(qtbot, panel)
    assert any(p.is_error and p.file.endswith("quiz.yaml") for p in problems)
    raw.apply()
    assert "still not valid YAML" in raw.note.text()
    cursor = raw.edit.textCursor()
    cursor.setPosition(raw.edit.toPlainText().index("[true"))
    raw.edit.setTextCursor(cursor)
    qtbot.keyClick(raw.edit, Qt.Key.Key_Delete)
    qtbot.mouseClick(raw.apply_btn, Qt.MouseButton.LeftButton)
    assert isinstance(panel.editor, QuizEditor) and panel.editor.questions.count() == 7
    assert not has_errors(_wait_checked(qtbot, panel))
    assert panel.save()
    assert quiz_file.read_text(encoding="utf-8") == good


# --- review #8, #9, #10, #36 ------------------------------------------------------------------------

def _remove_the_correct_option(qtbot, panel, draft):
    """In the quiz's first question, remove the option marked correct (an error the checks report);
    returns the quiz editor."""
    panel.tree.select(("step", "basics", "quiz"))
    quiz = panel.editor
    quiz.questions.setCurrentRow(0)
    quiz.form.table.table.item(2, 0).setCheckState(Qt.CheckState.Checked)
    quiz.form.table.remove_btn.setEnabled(True)
    quiz.form.table.table.setCurrentCell(2, 1)
    qtbot.mouseClick(quiz.form.table.remove_btn, Qt.MouseButton.LeftButton)
    assert "answer" not in draft.get(quiz.rel, ["questions", 0])
    return quiz


def _new_course(qtbot, window, panel, monkeypatch, course_id="night-shift"):
    def fill_new(dialog):
        dialog.show()
        qtbot.keyClicks(dialog.id_edit, course_id)
        type_text(qtbot, dialog.titles["en"], "Night shift basics")
        type_text(qtbot, dialog.titles["zh_CN"], "夜班基础")
        dialog.hide()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(NewCourseDialog, "exec", fill_new)
    qtbot.mouseClick(panel.new_btn, Qt.MouseButton.LeftButton)
    _activate(qtbot, window)
    return panel.model.draft


def test_typing_after_an_id_rename_stays_in_the_form(qtbot, window, ctx, instructor, tmp_path, monkeypatch):
    panel = _open_authoring(qtbot, window)
    # Before any course is open the tree has real headings, and "Add step" is not cut by its arrow.
    assert [panel.tree.headerItem().text(i) for i in range(2)] == ["Course structure", "Kind"]
    btn = panel.add_step_btn
    assert btn.width() >= btn.fontMetrics().horizontalAdvance(btn.text()) + 24
    draft = _new_course(qtbot, window, panel, monkeypatch)
    # A new course issues a certificate unless the author turns it off.
    assert draft.get("course.yaml", ["certificate", "title"]) == {"en": "Night shift basics", "zh_CN": "夜班基础"}
    assert panel.editor.cert_check.isChecked()

    qtbot.mouseClick(panel.add_module_btn, Qt.MouseButton.LeftButton)
    form = panel.editor
    form.id_edit.edit.setFocus()
    form.id_edit.edit.selectAll()
    qtbot.keyClicks(form.id_edit.edit, "safety")
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)  # on to the next field: the rename happens now
    assert draft.module_ids() == ["safety"]
    focused = QApplication.focusWidget()
    assert focused is not None and panel.editor.isAncestorOf(focused), focused
    assert focused is panel.editor.title.widgets["en"]
    focused.selectAll()
    qtbot.keyClicks(focused, "Safety first")  # the review's "Safety" opened Settings through the navigation
    assert window.shell.current_page().key == "instructor"
    assert draft.get(draft.module_rel("safety"), ["title", "en"]) == "Safety first"

    # The same with Enter in the id field: the focus stays in the form.
    form = panel.editor
    form.id_edit.edit.setFocus()
    form.id_edit.edit.selectAll()
    qtbot.keyClicks(form.id_edit.edit, "loto")
    qtbot.keyClick(form.id_edit.edit, Qt.Key.Key_Return)
    assert draft.module_ids() == ["loto"]
    assert panel.editor.isAncestorOf(QApplication.focusWidget())


def test_problems_in_form_words_and_publish_warns_without_certificate(qtbot, window, ctx, instructor, tmp_path,
                                                                      monkeypatch, messages):
    _library_with(ctx, tmp_path, bundled=False)
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    draft = panel.model.draft
    _remove_the_correct_option(qtbot, panel, draft)
    _wait_checked(qtbot, panel)
    items = [panel.validation.list.topLevelItem(i) for i in range(panel.validation.list.topLevelItemCount())]
    words = {item.text(0): item.text(1) for item in items}
    assert "Question 1: tick a correct option." in words, words
    detail = words["Question 1: tick a correct option."]
    assert detail.startswith("modules/basics/quiz/quiz.yaml:") and "“answer”" in detail  # file:line kept
    # The list shows several problems at 700 px, not two.
    assert panel.validation.list.minimumHeight() >= 4 * panel.validation.list.fontMetrics().height()
    panel.undo_action.trigger()
    _wait_checked(qtbot, panel)

    # Turning the certificate off: Publish asks first, and "no" keeps everything as it was.
    panel.tree.select(("course",))
    course_form = panel.editor
    course_form.cert_check.setChecked(False)
    assert "certificate" not in draft.get("course.yaml", [])
    monkeypatch.setattr(PublishDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    messages.answer("no")
    assert not panel.publish()
    assert messages.shown[-1].title == "No certificate" and "no certificate" in messages.shown[-1].text
    assert draft.version == "1.0.0"
    messages.answer("yes")
    assert panel.publish() and draft.version == "1.1.0"

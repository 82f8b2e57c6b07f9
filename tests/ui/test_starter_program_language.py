"""Starting programs per language in the app: the trainee's lab opens with theirs; the course editor edits each."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPlainTextEdit

from app import i18n
from app.courses.checks import program_code
from app.ui.instructor.authoring.lab_editor import LabEditor
from tests.courses.conftest import edit_yaml
from tests.courses.test_starter_programs import EN, ZH, _robot_lab
from tests.ui.conftest import type_text
from tests.ui.test_authoring import _library_with, _open_authoring, _open_fixture, _replace
from tests.ui.test_labs import open_lab


@pytest.mark.parametrize("locale, comment", [("en", "# First draft from a colleague"), ("zh_CN", "# 同事的初稿")])
def test_robot_lab_starts_with_the_program_in_the_trainee_s_language(qtbot, ctx, trainee, locale, comment):
    i18n.set_locale(locale)
    course = ctx.library.get("industrial-robot-operation")
    view = open_lab(qtbot, ctx, trainee, course, "motion/first-program-lab")
    program = view.lab.control("program").default
    text = view.editor.toPlainText()
    assert text == program[locale] and text.startswith(comment)
    assert program_code(text) == program_code(program["en"])


def test_the_course_editor_shows_and_edits_each_language_s_program(qtbot, window, ctx, instructor, tmp_path):
    _library_with(ctx, tmp_path, bundled=False)
    edit_yaml(ctx.library_dir / "fixture-mini/modules/line/buffer-lab/lab.yaml", _robot_lab({"en": EN, "zh_CN": ZH}))
    panel = _open_authoring(qtbot, window)
    _open_fixture(panel, "library")
    panel.tree.select(("step", "line", "buffer-lab"))
    lab = panel.editor
    assert isinstance(lab, LabEditor)
    lab.tabs.setCurrentIndex(1)
    lab.controls.table.setCurrentCell(0, 0)
    en = lab.findChild(QPlainTextEdit, "programDefault_en")
    zh = lab.findChild(QPlainTextEdit, "programDefault_zh_CN")
    assert en.toPlainText() == EN and zh.toPlainText() == ZH
    assert lab.controls.table.item(0, 9).text().startswith("# Pick the part")  # the English one in the table
    _replace(qtbot, zh, "# 只改注释")
    qtbot.keyClick(zh, Qt.Key.Key_Return)
    type_text(qtbot, zh, "POINT home = (500, 0, 600)")
    assert panel.model.draft.get(lab.rel, ["controls", 0, "default"]) == {
        "en": EN, "zh_CN": "# 只改注释\nPOINT home = (500, 0, 600)"}

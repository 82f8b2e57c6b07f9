"""The lesson editor's Markdown toolbar (review #36): each mark edits the text of the tab shown, is one
undo step, and the preview shows the result; the rules themselves as plain functions."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QTextCursor

from app.ui.instructor.authoring import markdown_edits as md
from app.ui.instructor.authoring.lesson_editor import LessonEditor
from tests.ui.test_authoring import _library_with, _open_fixture

LEFT = Qt.MouseButton.LeftButton
CTRL = Qt.KeyboardModifier.ControlModifier
LESSON = "modules/basics/lesson/lesson.en.md"


def _apply(edit: md.Edit, text: str) -> tuple[str, str]:
    """(the new text, what is selected in it)."""
    new = text[:edit.start] + edit.text + text[edit.end:]
    return new, new[edit.select[0]:edit.select[1]]


@pytest.mark.parametrize(("text", "start", "end", "tool", "expected"), [
    ("a word here", 2, 6, lambda t, s, e: md.wrap(t, s, e, "**"), ("a **word** here", "word")),
    ("a **word** here", 4, 8, lambda t, s, e: md.wrap(t, s, e, "**"), ("a word here", "word")),  # again: off
    ("a **word** here", 2, 10, lambda t, s, e: md.wrap(t, s, e, "**"), ("a word here", "word")),
    ("a **word** here", 4, 8, lambda t, s, e: md.wrap(t, s, e, "*"), ("a ***word*** here", "word")),  # not bold's
    ("a *word* here", 3, 7, lambda t, s, e: md.wrap(t, s, e, "*"), ("a word here", "word")),
    ("ab", 2, 2, lambda t, s, e: md.wrap(t, s, e, "**"), ("ab****", "")),
    ("x\nTitle\ny", 3, 3, lambda t, s, e: md.prefix_lines(t, s, e, "## "), ("x\n## Title\ny", "")),
    ("x\n### Title\ny", 8, 8, lambda t, s, e: md.prefix_lines(t, s, e, "## "), ("x\n## Title\ny", "")),
    ("x\n## Title\ny", 6, 6, lambda t, s, e: md.prefix_lines(t, s, e, "## "), ("x\nTitle\ny", "")),
    ("one\ntwo\nthree", 1, 5, lambda t, s, e: md.prefix_lines(t, s, e, "- "), ("- one\n- two\nthree", "- one\n- two")),
    ("- one\n- two", 0, 11, lambda t, s, e: md.prefix_lines(t, s, e, "- "), ("one\ntwo", "one\ntwo")),
    ("see the guide", 8, 13, md.link, ("see the [guide](https://)", "https://")),
    ("intro", 5, 5, md.table, ("intro\n\n|  |  |\n|---|---|\n|  |  |\n", "")),
    ("A\nB", 0, 3, md.table, ("|  |  |\n|---|---|\n| A |  |\n| B |  |\n", "")),
    ("run x = 1 now", 4, 9, md.code, ("run `x = 1` now", "x = 1")),
    ("a\nb = 2\nc", 2, 7, md.code, ("a\n\n```\nb = 2\n```\n\nc", "b = 2")),
])
def test_markdown_marks(text, start, end, tool, expected):
    assert _apply(tool(text, start, end), text) == expected


@pytest.fixture
def lesson(qtbot, qapp_ready, ctx, instructor, tmp_path):
    from app.ui.instructor.authoring import AuthoringPanel

    _library_with(ctx, tmp_path, bundled=False)
    panel = AuthoringPanel(ctx, instructor)
    qtbot.addWidget(panel)
    panel.resize(1300, 700)
    panel.show()
    panel.refresh_courses()
    _open_fixture(panel, "library")
    panel.tree.select(("step", "basics", "lesson"))
    editor = panel.editor
    assert isinstance(editor, LessonEditor)
    return panel, editor


def _select(edit, start: int, end: int) -> None:
    cursor = edit.textCursor()
    cursor.setPosition(start)
    cursor.setPosition(end, QTextCursor.MoveMode.KeepAnchor)
    edit.setTextCursor(cursor)


def test_toolbar_edits_the_lesson_with_undo(qtbot, lesson):
    panel, editor = lesson
    draft = panel.model.draft
    edit = editor.edits["en"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "Buffers hold parts")
    typed = "Buffers hold parts"
    assert draft.text(LESSON) == typed
    _select(edit, 8, 12)  # "hold"
    qtbot.mouseClick(_button(editor, "bold"), LEFT)
    assert draft.text(LESSON) == "Buffers **hold** parts" and edit.textCursor().selectedText() == "hold"
    qtbot.waitUntil(lambda: _bold_in_preview(editor) == ["hold"])
    # One undo takes the mark away and leaves the typing; a second takes the typing.
    panel.undo_action.trigger()
    assert draft.text(LESSON) == typed and edit.toPlainText() == typed
    panel.redo_action.trigger()
    assert edit.toPlainText() == "Buffers **hold** parts"

    # The keyboard: Ctrl+I in the text box; the heading and list act on the line.
    _select(edit, 0, 7)
    # Offscreen, the window can lose activation to a transient top-level window; a real
    # desktop keeps it. Shortcuts need an active window with the focus in the box.
    edit.window().activateWindow()
    qtbot.waitUntil(edit.window().isActiveWindow)
    edit.setFocus()
    qtbot.waitUntil(edit.hasFocus)
    qtbot.keyClick(edit, Qt.Key.Key_I, CTRL)
    assert edit.toPlainText() == "*Buffers* **hold** parts"
    editor.format_actions["heading"].trigger()
    assert edit.toPlainText() == "## *Buffers* **hold** parts"
    edit.moveCursor(QTextCursor.MoveOperation.End)
    qtbot.keyClick(edit, Qt.Key.Key_Return)
    qtbot.keyClicks(edit, "first")
    editor.format_actions["list"].trigger()
    qtbot.keyClicks(edit, " item")
    assert edit.toPlainText().endswith("\n- first item")
    editor.format_actions["table"].trigger()
    qtbot.keyClicks(edit, "Station")
    assert "\n\n| Station |  |\n|---|---|\n|  |  |\n" in edit.toPlainText()
    edit.moveCursor(QTextCursor.MoveOperation.End)
    editor.format_actions["code"].trigger()
    qtbot.keyClicks(edit, "print(1)")
    assert "```\nprint(1)\n```" in edit.toPlainText()
    before_link = edit.toPlainText()
    _select(edit, 3, 3)
    qtbot.keyClick(edit, Qt.Key.Key_K, CTRL)
    qtbot.keyClicks(edit, "the guide")
    assert edit.toPlainText().startswith("## [the guide](https://)*Buffers*")
    assert draft.text(LESSON) == edit.toPlainText()
    panel.undo_action.trigger()  # the typing after the link …
    assert edit.toPlainText().startswith("## [](https://)*Buffers*")
    panel.undo_action.trigger()  # … then the link: each mark is an undo step of its own
    assert edit.toPlainText() == before_link == draft.text(LESSON)
    qtbot.waitUntil(lambda: "<table" in editor.preview.toHtml())


def _bold_in_preview(editor) -> list[str]:
    """The words the preview draws in bold."""
    from PySide6.QtGui import QFont

    found = []
    block = editor.preview.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            fragment = it.fragment()
            if fragment.charFormat().fontWeight() >= QFont.Weight.Bold and fragment.text().strip():
                found.append(fragment.text())
            it += 1
        block = block.next()
    return found


def _button(editor, key):
    from PySide6.QtWidgets import QToolButton

    return editor.findChild(QToolButton, f"markdownButton_{key}")


def test_toolbar_off_when_read_only(qtbot, qapp_ready, ctx, instructor, tmp_path):
    from app.ui.instructor.authoring import AuthoringPanel

    _library_with(ctx, tmp_path, bundled=True)
    panel = AuthoringPanel(ctx, instructor)
    qtbot.addWidget(panel)
    panel.show()
    panel.refresh_courses()
    _open_fixture(panel, "bundled")
    panel.tree.select(("step", "basics", "lesson"))
    editor = panel.editor
    assert panel.model.read_only
    assert not any(a.isEnabled() for a in editor.format_actions.values())
    before = editor.edits["en"].toPlainText()
    editor.apply_markdown(md.link)
    assert editor.edits["en"].toPlainText() == before
    assert _button(editor, "bold").text() == "Bold" and "Ctrl+B" in _button(editor, "bold").toolTip()


def test_marks_after_an_emoji_land_on_the_words_chosen(qtbot, lesson):
    """Qt counts UTF-16 units, Python characters: a 🏭 before the selection must not shift the mark."""
    panel, editor = lesson
    edit = editor.edits["en"]
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "x")
    edit.setPlainText("🏭 hold 🏭 parts")
    _select(edit, 3, 7)  # "hold": the emoji is two UTF-16 units
    assert edit.textCursor().selectedText() == "hold"
    editor.format_actions["bold"].trigger()
    assert edit.toPlainText() == "🏭 **hold** 🏭 parts" and edit.textCursor().selectedText() == "hold"
    assert panel.model.draft.text(LESSON) == edit.toPlainText()

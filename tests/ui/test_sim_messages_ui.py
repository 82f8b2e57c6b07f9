"""Robot-program and alarm-rule problems in the lab views: in the user's language, every one of them, at
the right line and column, re-rendered on a language switch, shown under Submit when Submit is refused,
and never logged as an ERROR."""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import i18n
from tests.courses.sim_fragment import with_fragment
from tests.ui import test_labs
from tests.ui.test_labs import UNSAFE_PROGRAM, open_lab, replace_program

course = test_labs.course  # the labs course fixture, shared with test_labs

TWO_ERRORS = "MOVEJ (500, 0, 600) 50%\nMOVEL\nMOVEL pik 30%\n"
# The review's example: a misspelt signal and a dangling "and".
BAD_RULE = "ewma(vibraton, 0.1) > 2.4 and"


@pytest.fixture
def chinese(monkeypatch):
    with_fragment(monkeypatch)
    i18n.set_locale("zh_CN")
    yield
    i18n.set_locale("en")


@pytest.fixture
def no_error_records(caplog):
    caplog.set_level(logging.INFO)
    yield caplog
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    assert not any(r.exc_info for r in caplog.records)


def click(qtbot, widget, row: int) -> None:
    rect = widget.visualItemRect(widget.item(row))
    qtbot.mouseClick(widget.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def on_screen(widget) -> bool:
    """Shown and not scrolled out of view (some of it is painted)."""
    return widget.isVisible() and not widget.visibleRegion().isEmpty()


def test_robot_program_with_two_errors_in_chinese(qtbot, ctx, trainee, course, chinese,
                                                  no_error_records):
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    replace_program(qtbot, view, TWO_ERRORS)
    qtbot.waitUntil(lambda: view.error_list.count() == 2, timeout=3000)
    assert view.error_list.texts() == [
        "第 2 行第 1 列：写法是 MOVEL <点> [速度%]，例如 MOVEL home 50%。",
        "第 3 行第 7 列：未知的点“pik”：请先用 POINT pik = (x, y, z) 定义。",
    ]
    assert view.error_list.wordWrap()
    assert sorted(view.editor.errors) == [2, 3] and view.editor.error_columns == {2: [1], 3: [7]}
    assert view.status.text() == i18n.ngettext("{n} error in the program: fix it before running.",
                                               "{n} errors in the program: fix them before running.", 2).format(n=2)
    assert "MOVEL" not in view.status.text() or "程序" in view.status.text()

    # Clicking a message puts the cursor on its line and column.
    view.editor.goto_line(1)
    click(qtbot, view.error_list, 1)
    cursor = view.editor.textCursor()
    assert (cursor.blockNumber() + 1, cursor.positionInBlock() + 1) == (3, 7)

    # A language switch re-renders the messages: nothing stored the Chinese text.
    i18n.set_locale("en")
    QApplication.processEvents()
    assert view.error_list.texts() == [
        "Line 2, column 1: Write MOVEL <point> [speed%], for example MOVEL home 50%.",
        "Line 3, column 7: Unknown point “pik”: define it with POINT pik = (x, y, z).",
    ]
    assert view.status.text() == "2 errors in the program: fix them before running."
    assert "pik" in view.editor.errors[3] and "Unknown point" in view.editor.errors[3]


def test_submit_with_an_error_says_so_under_submit(qtbot, ctx, trainee, course, chinese,
                                                   no_error_records):
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab", size=(1100, 640))
    replace_program(qtbot, view, TWO_ERRORS)
    qtbot.waitUntil(lambda: view.error_list.count() == 2, timeout=3000)
    view.side_scroll.verticalScrollBar().setValue(0)
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)
    assert not view.grading
    assert view.refusal.text() == "未评分：有 2 个问题需要先改正。"
    assert view.refusal_list.texts()[1].startswith("第 3 行第 7 列：未知的点“pik”")
    qtbot.waitUntil(lambda: on_screen(view.refusal) and on_screen(view.refusal_list), timeout=3000)
    assert view.status.property("kind") == "error"

    # It follows the language, and clears once the program is fixed and submitted.
    i18n.set_locale("en")
    QApplication.processEvents()
    assert view.refusal.text() == "Not graded: 2 problems to fix first."
    replace_program(qtbot, view, "MOVEJ (500, 0, 600) 50%\nMOVEL pik 30%\n")
    qtbot.waitUntil(lambda: view.refusal_list.count() == 1, timeout=3000)  # the list follows the edits
    replace_program(qtbot, view, "MOVEJ (500, 0, 600) 50%\nWAIT DI[1]\n")
    qtbot.waitUntil(lambda: not view.errors, timeout=3000)
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)
    assert not view.refusal.isVisible() and not view.refusal_list.isVisible()
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    assert view.result_label.isVisible()


def test_alarm_rule_errors_in_chinese_at_their_column(qtbot, ctx, trainee, chinese, no_error_records):
    pdm = ctx.library.get("ai-predictive-maintenance")
    view = open_lab(qtbot, ctx, trainee, pdm, "anomaly-rul/ewma-rule-lab")
    editor = view.rule_editors["alarm-rule"]
    problems = view.rule_problems["alarm-rule"]
    assert problems.count() == 0 and not problems.isVisible()
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, BAD_RULE)
    assert problems.texts() == ["第 6 列：未知信号“vibraton”（可用的信号：vibration, temperature, current）。",
                                "第 30 列：规则不完整：“and”后面缺少一个值。"]
    assert editor.error_columns == {1: [6, 30]}
    # The preview's status says the same, in Chinese only (no English half, no Python parser text).
    qtbot.waitUntil(lambda: view.status.property("kind") == "error", timeout=5000)
    status = view.status.text()
    assert status.startswith("无法仿真这些设置：第 6 列：未知信号“vibraton”") and "第 30 列" in status
    assert "col" not in status and "syntax" not in status and "invalid" not in status

    click(qtbot, problems, 1)
    assert editor.textCursor().positionInBlock() + 1 == 30  # just after "and", where the value is missing

    i18n.set_locale("en")
    QApplication.processEvents()
    assert problems.texts()[0] == ("Column 6: Unknown signal “vibraton” (signals: vibration, temperature, "
                                   "current).")
    assert view.status.text().startswith("These settings cannot be simulated: Column 6: Unknown signal")

    # Submit is refused with the rule's problems, next to Submit.
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)
    assert not view.grading and view.refusal.text() == "Not graded: 2 problems to fix first."
    assert view.refusal_list.texts() == problems.texts()

    # The missing comma of the review: our own message at the right column.
    editor.selectAll()
    qtbot.keyClicks(editor, "ewma(vibration 0.1) > 2.4")
    assert problems.texts() == ["Column 16: Expected “,” or “)” after an argument, not “0.1”."]
    assert view.refusal_list.texts() == problems.texts()


def test_a_program_that_runs_too_long_is_refused_as_the_trainees_mistake(qtbot, ctx, trainee, course,
                                                                         chinese, no_error_records):
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    replace_program(qtbot, view, "LOOP 1000\nLOOP 1000\nWAIT 0\nENDLOOP\nENDLOOP")
    qtbot.waitUntil(lambda: view.run_btn.isEnabled(), timeout=3000)  # it reads well: only running finds it
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.error_list.count() == 1, timeout=30_000)
    assert view.error_list.texts() == ["第 3 行：程序执行的指令超过 200,000 条：请检查循环次数。"]
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)  # refused at once: running found the problem
    assert view.refusal_list.texts() == view.error_list.texts() and not view.grading
    replace_program(qtbot, view, "LOOP 1000\nLOOP 100\nWAIT 0\nENDLOOP\nENDLOOP")
    qtbot.waitUntil(lambda: view.error_list.count() == 0 and view.refusal_list.count() == 0, timeout=3000)
    # Submitted without a Run first: grading finds it, and says so in the same place.
    replace_program(qtbot, view, "LOOP 1000\nLOOP 1000\nWAIT 0.0\nENDLOOP\nENDLOOP")
    qtbot.waitUntil(lambda: view.run_btn.isEnabled(), timeout=3000)
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    assert view.refusal_list.texts() == ["第 3 行：程序执行的指令超过 200,000 条：请检查循环次数。"]
    assert view.refusal.text() == "未评分：有 1 个问题需要先改正。"


def test_protective_stops_in_the_users_language(qtbot, ctx, trainee, course, chinese, no_error_records):
    """A path into the guarded zone while the operator is inside: the safety controller stops the robot (not a
    program "violation"), and the list says where, why and what it cost in the trainee's language."""
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    replace_program(qtbot, view, UNSAFE_PROGRAM)
    qtbot.waitUntil(lambda: view.run_btn.isEnabled(), timeout=3000)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    view.replay.pause()
    texts = [view.violation_list.item(i).text() for i in range(view.violation_list.count())]
    assert len(texts) == len(view.result.protective_stops) >= 1
    assert texts[0].startswith("第 12 行，") and "保护性停止" in texts[0] and "光幕" in texts[0]
    i18n.set_locale("en")
    QApplication.processEvents()
    assert view.violation_list.item(0).text().startswith("Line 12 at ")
    assert "protective stop" in view.violation_list.item(0).text()

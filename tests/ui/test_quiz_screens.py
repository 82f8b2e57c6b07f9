"""The quiz's three pages in both languages at 1366×768; ``ZHIZAO_SHOTS=<folder>`` keeps the pictures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from app import i18n
from tests.ui.test_trainee_support import answer, install_fixture, login_trainee, open_fixture


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_quiz_pages_render_in_both_languages(qtbot, window, ctx, trainee, tmp_path, messages, locale):
    shots = Path(os.environ.get("ZHIZAO_SHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    install_fixture(ctx, tmp_path)
    i18n.set_locale(locale)
    window.resize(1366, 768)
    login_trainee(qtbot, window)
    quiz = open_fixture(qtbot, window).open_step("basics/quiz")

    def shot(name: str) -> None:
        qtbot.wait(50)
        path = shots / f"quiz-{name}-{locale}.png"
        window.grab().save(str(path))
        assert path.stat().st_size > 10_000

    shot("start")
    qtbot.mouseClick(quiz.start_btn, Qt.MouseButton.LeftButton)
    answer(qtbot, quiz.current_pane(), False)
    qtbot.mouseClick(quiz.check_btn, Qt.MouseButton.LeftButton)
    shot("question")
    assert quiz.current_pane().feedback.isVisible()
    messages.answer("yes")
    qtbot.mouseClick(quiz.finish_btn, Qt.MouseButton.LeftButton)
    assert quiz.stack.currentWidget() is quiz.result_page
    assert quiz.result_label.text() == i18n._("Not passed — {score}").format(
        score=i18n.format_percent(quiz.last_result[1].score))
    shot("result")
    qtbot.mouseClick(quiz.overview_btn, Qt.MouseButton.LeftButton)
    assert quiz.history.rowCount() == 1 and quiz.history.item(0, 3).text() == i18n._("Not passed")
    shot("history")

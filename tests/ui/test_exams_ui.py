"""Exams in the GUI (issue 19): the banner, the locked runner, no early feedback, resume, the Exams tab."""

from __future__ import annotations

import os
import pathlib

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from app import i18n
from app.courses.grading import grade_question
from app.ui.shell.main_window import MainWindow
from app.ui.trainee.exam_view import ExamView
from tests.core.test_exams import Clock, install_exam_course, right_answer, service
from tests.ui.conftest import login

SHOTS = __import__("pathlib").Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture
def exam_setup(ctx, instructor, trainee):
    install_exam_course(ctx)
    clock = Clock()
    ctx.exams = service(ctx, clock)
    cohort_id = ctx.cohorts.create(instructor, "Line A")
    ctx.cohorts.add_member(instructor, cohort_id, "zhangwei")
    info = ctx.exams.open_session(instructor, "fixture-mini", cohort_id, [ctx.workstation_id])
    return clock, info


def start_exam(qtbot, window, messages) -> ExamView:
    window.show_login()
    login(qtbot, window, "zhangwei", "trainee-pass")
    banner = window.shell.exam_banner
    assert banner.isVisible() and ("Fixture exam" in banner.label.text() or "测试考试" in banner.label.text())
    messages.answer("yes")
    qtbot.mouseClick(banner.start_btn, Qt.MouseButton.LeftButton)
    view = window.shell.locked_to()
    assert isinstance(view, ExamView) and window.shell.stack.currentWidget() is view
    return view


def visible_texts(widget) -> str:
    return " ".join(lbl.text() for lbl in widget.findChildren(QLabel) if lbl.isVisibleTo(widget))


def test_navigation_is_locked_while_the_exam_runs(qtbot, window, ctx, exam_setup, messages):
    view = start_exam(qtbot, window, messages)
    shell = window.shell
    for row in range(shell.nav.count()):
        rect = shell.nav.visualItemRect(shell.nav.item(row))
        qtbot.mouseClick(shell.nav.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        assert shell.stack.currentWidget() is view
    qtbot.keyClick(shell, Qt.Key.Key_2, Qt.KeyboardModifier.ControlModifier)
    assert shell.show_page("progress") is None and shell.stack.currentWidget() is view
    shell.open_item("catalog", None)
    assert shell.stack.currentWidget() is view and not shell.nav.isEnabled()


def test_no_feedback_until_the_end_then_the_result(qtbot, window, ctx, exam_setup, messages):
    view = start_exam(qtbot, window, messages)
    assert "Time left 10:00" in view.countdown.text()
    questions = ctx.exams.questions(window.shell.actor, view.sitting.attempt_id)
    for eq in questions:
        view.widgets[eq.qid].set_response(right_answer(eq.question))
        view._changed(eq.qid)
    view.save_pending()
    # Nothing on screen says right or wrong, and no solution is marked.
    text = visible_texts(view).lower()
    assert not any(word in text for word in ("correct", "wrong", "passed", "score", "✔"))
    assert not [w for w in view.findChildren(QLabel) if w.property("solution")]
    messages.answer("yes")
    qtbot.mouseClick(view.finish_btn, Qt.MouseButton.LeftButton)
    assert view.body.currentWidget() is view.result_page
    assert "Your result: 100%" in view.result_text.text() and "Passed" in view.result_text.text()
    qtbot.mouseClick(view.done_btn, Qt.MouseButton.LeftButton)
    assert window.shell.locked_to() is None and window.shell.nav.isEnabled()


def test_answers_and_clock_resume_after_lock_and_restart(qtbot, qapp_ready, window, ctx, exam_setup, messages):
    clock, _info = exam_setup
    view = start_exam(qtbot, window, messages)
    qid = view.sitting.question_ids[0]
    question = next(eq.question for eq in ctx.exams.questions(window.shell.actor, view.sitting.attempt_id)
                    if eq.qid == qid)
    view.widgets[qid].set_response(right_answer(question))
    view._changed(qid)
    window.lock()  # hiding the runner saves the pending answer
    clock.advance(minutes=3)
    qtbot.keyClicks(window.login_page.password, "trainee-pass")
    qtbot.keyClick(window.login_page.password, Qt.Key.Key_Return)
    assert window.shell.locked_to() is view
    view.tick()
    assert "Time left 07:00" in view.countdown.text()

    # A restart: a new window on the same store resumes the same attempt, locked, with the answer.
    window.close()
    again = MainWindow(ctx)
    qtbot.addWidget(again)
    again.show()
    clock.advance(minutes=1)
    login(qtbot, again, "zhangwei", "trainee-pass")
    resumed = again.shell.locked_to()
    assert isinstance(resumed, ExamView) and resumed.sitting.attempt_id == view.sitting.attempt_id
    assert grade_question(question, resumed.widgets[qid].response())[0]  # the answer given (as the widget orders it)
    assert "Time left 06:00" in resumed.countdown.text()
    again.idle.stop()


def test_time_out_submits_and_shows_the_result(qtbot, window, ctx, exam_setup, messages):
    clock, _info = exam_setup
    view = start_exam(qtbot, window, messages)
    clock.advance(minutes=10, seconds=1)
    view.tick()
    assert view.body.currentWidget() is view.result_page
    assert "time ran out" in view.result_text.text()


def test_exams_tab_opens_watches_grants_and_closes(qtbot, window, ctx, instructor, trainee, messages):
    install_exam_course(ctx)
    cohort_id = ctx.cohorts.create(instructor, "Line A")
    ctx.cohorts.add_member(instructor, cohort_id, "zhangwei")
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    page.activated()
    panel = page.exams
    page.tabs.setCurrentWidget(panel)
    assert panel.course.currentData() == "fixture-mini" and panel.cohort.currentText() == "Line A"
    panel.extra.cellWidget(0, 1).setValue(15)
    qtbot.mouseClick(panel.open_btn, Qt.MouseButton.LeftButton)
    (info,) = ctx.exams.sessions(instructor)
    assert info.open and info.extra_s == {trainee.user_id: 900} and info.workstation_ids == (ctx.workstation_id,)
    assert panel.roster.rowCount() == 1 and panel.roster.item(0, 1).text() == "Not started"
    sitting = ctx.exams.start(trainee, info.session_id)
    ctx.exams.finish(trainee, sitting.attempt_id)
    panel.refresh_roster()
    assert panel.roster.item(0, 1).text() == "Finished" and panel.roster.item(0, 4).text() == "0%"
    panel.roster.selectRow(0)
    messages.answer("yes")
    qtbot.mouseClick(panel.grant_btn, Qt.MouseButton.LeftButton)
    assert panel.roster.item(0, 2).text() == "1/2"
    messages.answer("yes")
    qtbot.mouseClick(panel.close_btn, Qt.MouseButton.LeftButton)
    assert not ctx.exams.session(instructor, info.session_id).open and not panel.close_btn.isEnabled()


def with_fragment(monkeypatch) -> None:
    """Until the lead merges i18n/zh_CN/fragments/exams.po, the screenshots read it as a fallback catalog."""
    import gettext
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    fragment = SHOTS.parents[1] / "i18n" / "zh_CN" / "LC_MESSAGES" / "messages.po"
    buf = io.BytesIO()
    write_mo(buf, read_po(fragment.open("rb")))
    buf.seek(0)
    extra = gettext.GNUTranslations(buf)
    load = i18n._load

    def loaded(code: str):
        translation = load(code)
        if code == "zh_CN":
            translation.add_fallback(extra)
        return translation

    monkeypatch.setattr(i18n, "_load", loaded)


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_screenshots(qtbot, window, ctx, exam_setup, messages, instructor, locale, monkeypatch, tmp_path):
    """Both screens render in both languages; ``ZHIZAO_SHOTS=docs/screenshots`` keeps the pictures."""
    shots = pathlib.Path(os.environ.get("ZHIZAO_SHOTS", tmp_path))
    with_fragment(monkeypatch)
    i18n.set_locale(locale)
    window.resize(1366, 768)
    view = start_exam(qtbot, window, messages)
    view.index.setCurrentRow(1)
    qtbot.wait(50)
    shots.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(shots / f"exam-runner-{locale}.png"))
    window.logout()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    page.activated()
    page.tabs.setCurrentWidget(page.exams)
    qtbot.wait(50)
    window.grab().save(str(shots / f"exam-tab-{locale}.png"))
    assert (shots / f"exam-tab-{locale}.png").stat().st_size > 10_000


def test_practical_part_runs_in_the_background_without_feedback(qtbot, window, ctx, instructor, trainee, messages):
    install_exam_course(ctx, practical=True)
    cohort_id = ctx.cohorts.create(instructor, "Line A")
    ctx.cohorts.add_member(instructor, cohort_id, "zhangwei")
    ctx.exams.open_session(instructor, "fixture-mini", cohort_id, [ctx.workstation_id])
    view = start_exam(qtbot, window, messages)
    view.index.setCurrentRow(view.index.count() - 1)
    assert view.index.currentItem().text() == "Practical"
    view.controls.editors["mill-servers"].setValue(2)
    messages.answer("yes")
    qtbot.mouseClick(view.practical_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.sitting.practical_done, timeout=60_000)
    assert not view.practical_btn.isEnabled() and "shown at the end" in view.practical_state.text()
    assert "%" not in visible_texts(view)
    messages.answer("yes")
    qtbot.mouseClick(view.finish_btn, Qt.MouseButton.LeftButton)
    assert "practical 100%" in view.result_text.text()

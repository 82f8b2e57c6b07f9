"""Catalog, course view, lesson reader, quiz modes and limits, resume after lock and restart, My progress."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from ruamel.yaml import YAML
from sqlalchemy import select

from app import i18n
from app.courses.library import CourseLibrary
from app.services.auth import ServiceError
from app.services.progress import StepStatus
from app.storage.models import LessonTime
from app.ui.common import step_base as step_views
from app.ui.shell.main_window import MainWindow
from app.ui.trainee import steps  # noqa: F401 - registers the built-in step views
from app.ui.trainee.lesson_view import ZOOM_PREF, LessonView
from app.ui.trainee.quiz.quiz_view import QuizView
from tests.stored_progress import store_lab_run, store_quiz_attempt
from tests.ui.conftest import login
from tests.ui.test_trainee_support import (
    FIXTURE_DIR,
    FIXTURE_ID,
    answer,
    install_fixture,
    login_trainee,
    open_fixture,
    press_enter,
)


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def _edit_yaml(path, **changes) -> None:
    yaml = YAML()
    data = yaml.load(path.read_text(encoding="utf-8"))
    data.update(changes)
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)


def _second_course(tmp_path, course_id="fixture-next", prerequisites=(FIXTURE_ID,), track="ai-maintenance"):
    """A copy of the fixture under another id, track and title, needing the fixture first."""
    target = tmp_path / "bundled" / course_id
    shutil.copytree(FIXTURE_DIR, target)
    _edit_yaml(target / "course.yaml", id=course_id, prerequisites=list(prerequisites), track=track,
               title={"en": "Predictive follow-up", "zh_CN": "预测性维护进阶"})
    return target


def _complete_fixture(ctx, trainee, instructor, course) -> None:
    p = ctx.progress
    p.record_lesson(trainee, course.id, course.version, "basics/lesson", 5, completed=True)
    store_quiz_attempt(p, trainee, course.id, course.version, "basics/quiz", answers={"questions": [], "seed": 0},
                          score=1.0, passed=True, duration_s=5)
    store_lab_run(p, trainee, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                     metrics={"oee": 0.9, "throughput_per_hour": 70.0}, score=1.0, passed=True, duration_s=3)
    p.sign_off(instructor, trainee.user_id, course.id, "line/practical", {"notify": True})


# --- catalog -------------------------------------------------------------------------------------

def test_catalog_filters_searches_and_locks_until_prerequisites_are_done(qtbot, window, ctx, trainee, instructor,
                                                                          tmp_path):
    course = install_fixture(ctx, tmp_path)
    _second_course(tmp_path)
    ctx._library = CourseLibrary(tmp_path / "bundled", None, tmp_path / "course-cache")
    login_trainee(qtbot, window)
    catalog = window.shell.page("catalog")
    assert sorted(catalog.visible_course_ids()) == [FIXTURE_ID, "fixture-next"]
    catalog.track.setCurrentIndex(catalog.track.findData("ai-maintenance"))
    assert catalog.visible_course_ids() == ["fixture-next"]
    catalog.track.setCurrentIndex(0)
    qtbot.keyClicks(catalog.search, "predictive")
    assert catalog.visible_course_ids() == ["fixture-next"]
    catalog.search.clear()
    qtbot.keyClicks(catalog.search, "no such course")
    assert catalog.visible_course_ids() == [] and catalog.empty.isVisible()
    catalog.search.clear()
    locked = catalog.card("fixture-next")
    assert not locked.button.isEnabled() and "Fixture mini course" in locked.lock_note.text()
    first = catalog.card(FIXTURE_ID)
    assert first.button.text() == "Enroll and start" and first.progress.value() == 0
    _complete_fixture(ctx, trainee, instructor, course)
    catalog.reload()
    assert catalog.card("fixture-next").button.isEnabled()
    assert catalog.card(FIXTURE_ID).progress.value() == 100


def test_card_opens_the_course_and_back_returns(qtbot, window, ctx, trainee, tmp_path):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    catalog = window.shell.page("catalog")
    assert catalog.stack.currentWidget() is view
    assert view.title.text() == "Fixture mini course"
    # Modules → steps with their status in words.
    assert view.tree.topLevelItemCount() == 2
    lab_item = view.items["line/buffer-lab"]
    assert lab_item.data(0, Qt.ItemDataRole.UserRole + 1)[0] == "Not started"
    assert view.items["line/practical"].data(0, Qt.ItemDataRole.UserRole + 1)[0] == "Not started"  # review #27
    qtbot.keyClick(view.tree, Qt.Key.Key_Left, Qt.KeyboardModifier.AltModifier)
    assert catalog.course_view is None and catalog.stack.currentWidget() is catalog.catalog_panel
    assert catalog.card(FIXTURE_ID).button.text() == "Continue"


def test_lab_placeholder_never_completes_and_a_registered_view_replaces_it(qtbot, window, ctx, trainee, tmp_path,
                                                                           monkeypatch):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    step_views.registered_kinds()  # the built-in views (and the lab views, if installed) are registered now
    monkeypatch.delitem(step_views._registry, "lab", raising=False)  # as on a workstation without lab views
    placeholder = view.open_step("line/buffer-lab")
    assert isinstance(placeholder, step_views.PendingStepView)
    assert "lab view" in placeholder.note.text()
    assert view.status("line/buffer-lab") is StepStatus.NOT_STARTED
    made = []

    class FakeLab(step_views.StepView):
        def __init__(self, *args):
            super().__init__(*args)
            made.append(self)

    monkeypatch.setitem(step_views._registry, "lab", FakeLab)
    view.open_step("basics/lesson")
    view.open_step("line/buffer-lab")
    assert made and view.view is made[0] and made[0].step_key == "line/buffer-lab"


# --- lesson --------------------------------------------------------------------------------------

def _body_pt(lesson) -> float:
    """The point size of the lesson's first paragraph as laid out."""
    block = lesson.browser.document().begin()
    while block.isValid():
        if block.text().startswith("A production line"):
            return block.charFormat().font().pointSizeF()
        block = block.next()
    raise AssertionError("paragraph not found")


def test_lesson_zoom_is_remembered_and_links_ask_first(qtbot, window, ctx, trainee, tmp_path, monkeypatch, messages):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    lesson = view.view
    assert isinstance(lesson, LessonView)
    size = _body_pt(lesson)
    qtbot.keyClick(lesson.browser, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(lesson.browser, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert lesson.zoom == 2 and _body_pt(lesson) == pytest.approx(size * 1.2)
    qtbot.keyClick(lesson.browser, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert lesson.zoom == 1
    assert ctx.accounts.get_preference(trainee, ZOOM_PREF) == "1"
    view.open_step("basics/quiz")
    again = view.open_step("basics/lesson")
    assert again.zoom == 1 and _body_pt(again) == pytest.approx(size * 1.1)
    qtbot.mouseClick(again.zoom_in_btn, Qt.MouseButton.LeftButton)
    assert again.zoom == 2
    qtbot.keyClick(again.browser, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert again.zoom == 0 and _body_pt(again) == pytest.approx(size)

    opened = []
    monkeypatch.setattr("app.ui.trainee.lesson_view.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toString()))
    messages.answer("no", "yes")
    from PySide6.QtCore import QUrl

    url = QUrl("https://en.wikipedia.org/wiki/Overall_equipment_effectiveness")
    again.browser.anchorClicked.emit(url)
    assert opened == []  # cancelled: nothing is opened (and nothing is ever fetched by the app)
    again.browser.anchorClicked.emit(url)
    assert opened == [url.toString()]


def test_leaving_a_lesson_records_the_time_on_task(qtbot, window, ctx, trainee, tmp_path):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    lesson = view.view
    qtbot.waitUntil(lambda: lesson.seconds_on_task() > 1.05, timeout=5000)
    view.open_step("basics/quiz")
    with ctx.store.sessions() as s:
        rows = list(s.scalars(select(LessonTime).where(LessonTime.user_id == trainee.user_id)))
    assert len(rows) == 1 and rows[0].step_key == "basics/lesson" and rows[0].seconds > 1
    assert view.status("basics/lesson") is StepStatus.IN_PROGRESS


def test_language_switch_retranslates_the_course_view_and_lesson(qtbot, window, ctx, trainee, tmp_path):
    course = install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    window.lang_actions["zh_CN"].trigger()
    assert view.title.text() == course.title["zh_CN"]
    assert view.items["basics/lesson"].text(0) == course.step("basics/lesson").title["zh_CN"]
    assert "缓冲区" in view.view.browser.toPlainText()
    assert view.view.heading.text() == course.step("basics/lesson").title["zh_CN"]


# --- quiz modes, limits, resume --------------------------------------------------------------------

def test_end_feedback_review_and_attempts_limit(qtbot, window, ctx, trainee, tmp_path, monkeypatch, messages):
    install_fixture(ctx, tmp_path)
    quiz_yaml = tmp_path / "bundled" / FIXTURE_ID / "modules/basics/quiz/quiz.yaml"
    _edit_yaml(quiz_yaml, feedback="end", max_attempts=1, draw=4)
    ctx._library = CourseLibrary(tmp_path / "bundled", None, tmp_path / "course-cache")
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    quiz = view.open_step("basics/quiz")
    assert isinstance(quiz, QuizView)
    assert "at the end of the quiz" in quiz.facts.text() and "0 used of 1" in quiz.facts.text()
    qtbot.mouseClick(quiz.start_btn, Qt.MouseButton.LeftButton)
    assert len(quiz.attempt.ids) == 4
    assert not quiz.check_btn.isVisible()
    answer(qtbot, quiz.current_pane(), True)
    press_enter(qtbot, quiz)  # end feedback: Enter goes straight on, nothing is revealed
    assert quiz.attempt.index == 1 and not quiz.panes[quiz.attempt.ids[0]].feedback.isVisible()
    messages.answer("yes")
    qtbot.mouseClick(quiz.finish_btn, Qt.MouseButton.LeftButton)
    assert "3 questions are not answered" in messages.texts()[0]
    review = quiz.review.toPlainText()
    bank = view.course.step("basics/quiz").quiz
    for n, qid in enumerate(quiz.last_result[0].ids, start=1):
        q = bank.question(qid)
        assert f"{n}. {q.prompt['en']}" in review
        if q.explanation:
            assert q.explanation["en"] in review
    assert review.count("(no answer)") == 3 and "Correct answer:" in review
    assert not quiz.retry_btn.isVisible()
    qtbot.mouseClick(quiz.overview_btn, Qt.MouseButton.LeftButton)
    assert not quiz.start_btn.isEnabled() and quiz.start_btn.text() == "No attempts left"
    with pytest.raises(ServiceError):  # the service refuses too, whatever the screen shows
        store_quiz_attempt(ctx.progress, trainee, FIXTURE_ID, "1.0.0", "basics/quiz", answers={}, score=1,
                                         passed=True, duration_s=1, max_attempts=1)


def _open_quiz(qtbot, window, ctx, tmp_path):
    """The trainee opens the fixture course's quiz in the active window; returns (course view, quiz view)."""
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    return view, view.open_step("basics/quiz")


def _answered_two(qtbot, quiz):
    qtbot.mouseClick(quiz.start_btn, Qt.MouseButton.LeftButton)
    answer(qtbot, quiz.current_pane(), True)
    press_enter(qtbot, quiz)  # check
    press_enter(qtbot, quiz)  # next
    answer(qtbot, quiz.current_pane(), False)
    return quiz.attempt.ids[:2], {qid: quiz.panes[qid].widget.response() for qid in quiz.attempt.ids[:2]}


def test_idle_lock_mid_quiz_keeps_answers_and_saves_the_draft(qtbot, window, ctx, trainee, tmp_path):
    view, quiz = _open_quiz(qtbot, window, ctx, tmp_path)
    ids, responses = _answered_two(qtbot, quiz)
    window.lock()
    draft = ctx.progress.load_draft(trainee, FIXTURE_ID, "basics/quiz")
    assert draft["ids"] == quiz.attempt.ids and draft["index"] == 1 and draft["checked"] == [ids[0]]
    assert {k: draft["responses"][k] for k in ids} == responses
    qtbot.keyClicks(window.login_page.password, "trainee-pass")
    qtbot.keyClick(window.login_page.password, Qt.Key.Key_Return)
    assert window.shell.page("catalog").course_view is view and view.view is quiz
    assert quiz.attempt.index == 1 and quiz.current_pane().widget.response() == responses[ids[1]]


def test_closing_the_app_mid_quiz_resumes_there_after_login(qtbot, qapp_ready, window, ctx, trainee, tmp_path):
    view, quiz = _open_quiz(qtbot, window, ctx, tmp_path)
    ids, responses = _answered_two(qtbot, quiz)
    seed = quiz.attempt.seed
    window.close()
    reopened = MainWindow(ctx)
    qtbot.addWidget(reopened)
    reopened.show()
    login(qtbot, reopened, "zhangwei", "trainee-pass")
    catalog = reopened.shell.page("catalog")
    assert catalog.course_view is not None and catalog.course_view.current_key == "basics/quiz"
    resumed = catalog.course_view.view
    assert isinstance(resumed, QuizView) and resumed.stack.currentWidget() is resumed.run_page
    assert resumed.attempt.seed == seed and resumed.attempt.index == 1
    assert {qid: resumed.panes[qid].widget.response() for qid in ids} == responses
    first = resumed.panes[ids[0]]
    assert not first.feedback.isHidden() and first.widget.locked  # the checked answer stays checked
    reopened.idle.stop()


# --- practical and My progress ----------------------------------------------------------------------

def test_practical_shows_awaiting_then_signed_off(qtbot, window, ctx, trainee, instructor, tmp_path):
    course = install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    practical = view.open_step("line/practical")
    checklist = course.step("line/practical").practical.checklist
    assert practical.checklist.count() == len(checklist)
    assert practical.status.text().startswith("Awaiting sign-off")
    ctx.progress.sign_off(instructor, trainee.user_id, course.id, "line/practical",
                          {item.id: item.id != "verify" for item in checklist}, "verify again")
    practical.refresh()
    assert practical.status.text().startswith("Not passed yet") and "李老师" in practical.status.text()
    assert practical.checklist.item(0).text().startswith("☑") and practical.checklist.item(3).text().startswith("☐")
    assert "verify again" in practical.comment.text()
    view.refresh()
    assert view.status("line/practical") is StepStatus.FAILED


def test_my_progress_lists_courses_labs_and_certificates(qtbot, window, ctx, trainee, instructor, tmp_path,
                                                        monkeypatch):
    course = install_fixture(ctx, tmp_path)
    _complete_fixture(ctx, trainee, instructor, course)
    store_lab_run(ctx.progress, trainee, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                                metrics={"oee": 0.4}, score=0.5, passed=False, duration_s=3)
    issued = ctx.certificates.check_and_issue(trainee, trainee.user_id, course)
    assert issued is not None
    login_trainee(qtbot, window)
    page = window.shell.show_page("progress")
    assert page.table.rowCount() == 1
    cells = [page.table.item(0, c).text() for c in range(page.table.columnCount())]
    assert cells[0] == "Fixture mini course" and cells[1] == "100%" and cells[2] == "4 of 4"
    assert cells[3] == "100%" and cells[5] == "Complete"
    assert page.labs.rowCount() == 1
    lab = [page.labs.item(0, c).text() for c in range(page.labs.columnCount())]
    assert lab[0] == "Size the buffer" and lab[2] == "100%" and lab[3] == "Passed" and lab[4] == "2"
    assert lab[5].startswith("Good parts per hour: 70, ")   # the objectives first, in words
    assert page.certs.rowCount() == 1
    assert page.certs.item(0, 1).text() == issued.number and page.certs.item(0, 4).text() == "Valid"
    assert page.cert_actions.isEnabled()
    opened = []
    monkeypatch.setattr("app.ui.certificates.actions.QDesktopServices.openUrl",
                        lambda url: opened.append(url.toLocalFile()))
    qtbot.mouseClick(page.cert_actions.open_btn, Qt.MouseButton.LeftButton)
    pdf = ctx.certificates.pdf_path(issued)
    assert opened == [str(pdf)] and pdf.read_bytes().startswith(b"%PDF")
    target = tmp_path / "copy.pdf"
    monkeypatch.setattr("app.ui.certificates.actions.QFileDialog.getSaveFileName", lambda *a, **k: (str(target), ""))
    qtbot.mouseClick(page.cert_actions.save_btn, Qt.MouseButton.LeftButton)
    assert target.read_bytes() == pdf.read_bytes()
    i18n.set_locale("zh_CN")
    assert page.table.item(0, 0).text() == course.title["zh_CN"]


def test_first_library_load_runs_in_the_background(qtbot, window, ctx, trainee, tmp_path):
    install_fixture(ctx, tmp_path)
    ctx._library = CourseLibrary(tmp_path / "bundled", None, tmp_path / "course-cache")  # not loaded yet
    login_trainee(qtbot, window)
    catalog = window.shell.page("catalog")
    assert catalog.loading.isVisible() or catalog.cards  # shown while the worker parses the courses
    qtbot.waitUntil(lambda: catalog.card(FIXTURE_ID) is not None, timeout=20000)
    assert not catalog.loading.isVisible()


# --- review #26, #27, #37 ------------------------------------------------------------------------------

def test_quiz_tab_goes_to_the_answers_first_and_feedback_comes_into_view(qtbot, window, ctx, trainee, tmp_path):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    window.resize(1366, 700)
    view = open_fixture(qtbot, window)
    quiz = view.open_step("basics/quiz")
    quiz.start_btn.setFocus()
    press_enter(qtbot, quiz)  # Enter on the focused Start button
    pane = quiz.current_pane()
    first = QApplication.focusWidget()
    assert first is not None and pane.isAncestorOf(first)  # the answers have the focus
    seen = [first]
    for _ in range(12):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
        if seen[-1] is quiz.check_btn:
            break
    in_pane = [pane.isAncestorOf(w) for w in seen[:-1]]
    assert seen[-1] is quiz.check_btn and all(in_pane), [w.objectName() for w in seen]
    answer(qtbot, pane, False)
    qtbot.mouseClick(quiz.check_btn, Qt.MouseButton.LeftButton)
    qtbot.wait(50)
    visible = pane.feedback.visibleRegion().boundingRect()
    assert pane.feedback.isVisible() and visible.height() > 0  # scrolled into view


def test_after_a_pass_enter_does_not_start_another_attempt(qtbot, window, ctx, trainee, tmp_path, messages):
    course = install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    quiz = view.open_step("basics/quiz")
    qtbot.mouseClick(quiz.start_btn, Qt.MouseButton.LeftButton)
    for _ in quiz.attempt.ids:
        answer(qtbot, quiz.current_pane(), True)
        press_enter(qtbot, quiz)  # check
        if quiz.attempt.index < len(quiz.attempt.ids) - 1:
            press_enter(qtbot, quiz)  # next
    qtbot.mouseClick(quiz.finish_btn, Qt.MouseButton.LeftButton)
    assert quiz.stack.currentWidget() is quiz.result_page and quiz.last_result[1].passed
    assert quiz.retry_btn.isVisible() and not quiz.retry_btn.property("primary")
    assert QApplication.focusWidget() is quiz.overview_btn
    used = len(ctx.progress.attempts(trainee, trainee.user_id, course.id, "basics/quiz"))
    press_enter(qtbot, quiz)
    assert quiz.stack.currentWidget() is quiz.start_page and quiz.attempt is None
    assert len(ctx.progress.attempts(trainee, trainee.user_id, course.id, "basics/quiz")) == used


def test_a_practical_is_not_started_until_opened(qtbot, window, ctx, trainee, tmp_path):
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    status = lambda: view.items["line/practical"].data(0, Qt.ItemDataRole.UserRole + 1)[0]
    assert status() == "Not started"
    view.open_step("line/practical")
    qtbot.waitUntil(lambda: status() == "Awaiting sign-off", timeout=3000)


def test_my_progress_counts_the_score_like_the_certificate_and_says_one_course(qtbot, window, ctx, trainee,
                                                                               tmp_path):
    """Review #30: "1 courses"; "Average best score 100 %" where the certificate rule says 30 %; buttons
    floating over an empty certificates tab."""
    from app.services.completion import evaluate

    course = install_fixture(ctx, tmp_path)
    store_quiz_attempt(ctx.progress, trainee, course.id, course.version, "basics/quiz",
                       answers={"questions": [], "seed": 0}, score=1.0, passed=True, duration_s=5)
    login_trainee(qtbot, window)
    page = window.shell.show_page("progress")
    prog = ctx.progress.course_progress(trainee, trainee.user_id, course.id,
                                        [(k, course.step(k).kind) for k in course.step_keys()])
    overall = evaluate(course, prog).overall_score
    assert overall < 1.0  # the lab was never tried: it counts 0
    assert page.table.item(0, 3).text() == i18n.format_percent(overall)
    assert page.table.horizontalHeaderItem(3).text() == "Overall score"
    assert page.summary.text().startswith("1 course ·")
    page.tabs.setCurrentIndex(2)
    assert page.certs_empty.isVisible() and not page.cert_actions.isVisible()


def test_quiz_status_line_follows_a_language_switch(qtbot, window, ctx, trainee, tmp_path):
    """Review #22: status lines kept the language they were written in."""
    install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    view = open_fixture(qtbot, window)
    quiz = view.open_step("basics/quiz")
    qtbot.mouseClick(quiz.start_btn, Qt.MouseButton.LeftButton)
    quiz.check_current()  # nothing answered yet
    assert quiz.run_status.text() == "Answer the question first, then check it."
    i18n.set_locale("zh_CN")
    assert quiz.run_status.text() == i18n._("Answer the question first, then check it.") != \
        "Answer the question first, then check it."

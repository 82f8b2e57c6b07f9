"""A whole trainee journey through the real GUI on the fixture course, checked against the stored records."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

import simulators
from app.courses import grading
from app.services.progress import StepStatus
from app.storage.models import Enrollment, LabRun, LessonTime, StepAttempt
from app.ui.common.step_base import PendingStepView
from app.ui.trainee.lesson_view import LessonView
from app.ui.trainee.quiz.quiz_view import QuizView
from tests.ui.test_labs import submit_and_wait, type_into_spin
from tests.ui.test_trainee_support import (
    FIXTURE_ID,
    answer,
    install_fixture,
    known_good,
    login_trainee,
    open_fixture,
    press_enter,
)


def _take_quiz(qtbot, view: QuizView, correct: bool) -> None:
    """Answer every question with the keyboard: the answer, Enter to check, Enter to go on."""
    for n in range(len(view.attempt.ids)):
        assert view.attempt.index == n
        pane = view.current_pane()
        answer(qtbot, pane, correct)
        press_enter(qtbot, view)  # check (immediate feedback)
        assert pane.feedback.isVisible()
        assert pane.verdict.text() == ("✔ Correct" if correct else "✘ Not correct")
        if pane.question.explanation:
            assert pane.explanation.text()
        press_enter(qtbot, view)  # next, or finish on the last question


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window)


def test_trainee_journey(qtbot, window, ctx, trainee, instructor, tmp_path):
    course = install_fixture(ctx, tmp_path)
    login_trainee(qtbot, window)
    _activate(qtbot, window)
    view = open_fixture(qtbot, window)
    with ctx.store.sessions() as s:
        enrollment = s.scalar(select(Enrollment).where(Enrollment.user_id == trainee.user_id))
    assert enrollment.course_id == FIXTURE_ID and enrollment.course_version == course.version

    # --- read the lesson: it opens first, time is measured while it is shown ----------------------
    lesson = view.view
    assert isinstance(lesson, LessonView) and view.current_key == "basics/lesson"
    html = lesson.browser.toHtml()
    assert "<table" in html and "lesson-svg:" in html   # the diagram, inlined and drawn sharp (lesson_images)
    qtbot.waitUntil(lambda: lesson.seconds_on_task() > 0.05)
    qtbot.mouseClick(lesson.read_btn, Qt.MouseButton.LeftButton)
    assert view.status("basics/lesson") is StepStatus.PASSED
    assert not lesson.read_btn.isEnabled()

    # --- Continue goes to the quiz; fail it once with the keyboard --------------------------------
    qtbot.mouseClick(view.continue_btn, Qt.MouseButton.LeftButton)
    quiz = view.view
    assert isinstance(quiz, QuizView) and view.current_key == "basics/quiz"
    assert quiz.stack.currentWidget() is quiz.start_page
    quiz.start_btn.setFocus()
    press_enter(qtbot, quiz)
    assert quiz.stack.currentWidget() is quiz.run_page
    first_seed = quiz.attempt.seed
    _take_quiz(qtbot, quiz, correct=False)
    assert quiz.stack.currentWidget() is quiz.result_page
    assert quiz.result_label.text().startswith("Not passed")
    assert view.status("basics/quiz") is StepStatus.FAILED
    assert "Correct answer" in quiz.review.toPlainText()

    # --- retry and pass ---------------------------------------------------------------------------
    assert quiz.retry_btn.isVisible()
    qtbot.mouseClick(quiz.retry_btn, Qt.MouseButton.LeftButton)
    _take_quiz(qtbot, quiz, correct=True)
    assert quiz.result_label.text().startswith("Passed")
    assert view.status("basics/quiz") is StepStatus.PASSED

    # --- the lab ------------------------------------------------------------------------------------
    qtbot.mouseClick(view.continue_btn, Qt.MouseButton.LeftButton)
    assert view.current_key == "line/buffer-lab"
    lab_step = course.step("line/buffer-lab")
    lab_view = view.view
    assert not isinstance(lab_view, PendingStepView), "the real lab view must be installed"
    # The trainee types the known-good settings into the lab's own controls and submits;
    # grading runs headlessly with the lab's grading seed.
    settings = known_good(lab_step.path / "lab.yaml")
    for control_id, value in settings.items():
        type_into_spin(qtbot, lab_view.form.editors[control_id], str(value))
    submit_and_wait(qtbot, lab_view)
    assert lab_view.result_label.property("state") == "passed"
    kind, scenario = grading.lab_scenario(lab_step.lab, course.path, settings)
    expected = grading.grade_lab(lab_step.lab, simulators.run(kind, scenario, seed=lab_step.lab.grading_seed).metrics)
    assert expected.passed
    view.refresh()
    assert view.status("line/buffer-lab") is StepStatus.PASSED

    # --- the practical waits for the instructor; after the sign-off the course is complete ----------
    qtbot.mouseClick(view.continue_btn, Qt.MouseButton.LeftButton)
    assert view.current_key == "line/practical"
    practical = view.view
    assert "Awaiting sign-off" in practical.status.text()
    assert not view.progress.complete
    checklist = {item.id: True for item in course.step("line/practical").practical.checklist}
    ctx.progress.sign_off(instructor, trainee.user_id, course.id, "line/practical", checklist)
    view.refresh()
    practical.refresh()
    assert "Signed off by 李老师" in practical.status.text()
    assert view.progress.complete
    assert view.done_banner.isVisible() and not view.continue_btn.isEnabled()
    assert view.bar.value() == 100

    # --- the stored records match what happened ----------------------------------------------------
    with ctx.store.sessions() as s:
        attempts = list(s.scalars(select(StepAttempt).where(StepAttempt.user_id == trainee.user_id)
                                  .order_by(StepAttempt.created_at)))
        lesson_secs = sum(s.scalars(select(LessonTime.seconds).where(LessonTime.user_id == trainee.user_id)))
        enrollment = s.scalar(select(Enrollment).where(Enrollment.user_id == trainee.user_id))
    assert [(a.step_key, a.kind, a.passed) for a in attempts] == [
        ("basics/lesson", "lesson", True), ("basics/quiz", "quiz", False), ("basics/quiz", "quiz", True),
        ("line/buffer-lab", "lab", True)]
    assert lesson_secs > 0
    quiz_bank = course.step("basics/quiz").quiz
    failed, passed = attempts[1], attempts[2]
    assert failed.answers["seed"] == first_seed and passed.answers["seed"] != first_seed
    for attempt, ok in ((failed, False), (passed, True)):
        rows = attempt.answers["questions"]
        assert len(rows) == quiz_bank.draw_count
        assert {r["type"] for r in rows} == {q.type for q in quiz_bank.questions}
        for r in rows:
            assert set(r) == {"id", "type", "response", "correct", "points", "max_points"}
            q = quiz_bank.question(r["id"])
            assert r["correct"] is ok and r["max_points"] == q.points
            assert r["points"] == (q.points if ok else 0)
            assert grading.grade_question(q, r["response"]) == (ok, r["points"])
        assert attempt.score == (1.0 if ok else 0.0) and attempt.duration_s > 0
    assert ctx.progress.load_draft(trainee, course.id, "basics/quiz") is None
    with ctx.store.sessions() as s:
        (run,) = s.scalars(select(LabRun).where(LabRun.user_id == trainee.user_id)).all()
    assert {k: run.parameters[k] for k in settings} == settings and run.seed == lab_step.lab.grading_seed
    assert (run.score, run.passed) == (expected.score, True)
    assert enrollment.completed_at is not None
    # Meeting the passing rules issued the certificate, listed under My progress.
    (certificate,) = ctx.certificates.list_for_user(trainee, trainee.user_id)
    assert certificate.course_id == course.id and certificate.status() == "valid"

    # --- back in the catalog the card shows the completed course ----------------------------------
    qtbot.keyClick(view.tree, Qt.Key.Key_Escape)
    catalog = window.shell.page("catalog")
    assert catalog.course_view is None
    card = catalog.card(FIXTURE_ID)
    assert card.progress.value() == 100 and card.state.text() == "✔ Completed"

"""ProgressService: statuses, attempts limit, drafts, enrollments, best lab runs, sign-off details."""

from __future__ import annotations

import pytest

from app.services.auth import ServiceError
from app.services.grading import GradingError
from app.services.progress import StepStatus
from tests.stored_progress import store_lab_run, store_quiz_attempt

STEPS = [("basics/lesson", "lesson"), ("basics/quiz", "quiz"), ("line/lab", "lab"), ("line/practical", "practical")]
ORDER = [k for k, _kind in STEPS]


def _quiz(ctx, actor, score, passed, **kw):
    return store_quiz_attempt(ctx.progress, actor, "c1", "1.0.0", "basics/quiz",
                              answers={"questions": [], "seed": 1}, score=score, passed=passed, duration_s=30, **kw)


def right_answer(q):
    """The keyed response to a question of the fixture quiz, in the shape the quiz view sends."""
    if q.type == "matching":
        return {pair.id: pair.id for pair in q.pairs}
    if q.type == "fill_blank":
        return next(iter(q.accepted.values()))[0]
    return q.answer


def test_statuses_follow_the_records(ctx, trainee, instructor):
    p = ctx.progress
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert [prog.status(k) for k in ORDER] == [StepStatus.NOT_STARTED] * 4  # a practical too, until opened
    p.save_draft(trainee, "c1", ORDER[3], {"kind": "practical-seen"})
    assert p.course_progress(trainee, trainee.user_id, "c1", STEPS).status(ORDER[3]) is StepStatus.AWAITING_SIGNOFF
    p.record_lesson(trainee, "c1", "1.0.0", "basics/lesson", 12.5, completed=False)
    p.save_draft(trainee, "c1", "basics/quiz", {"responses": {}})
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert prog.status("basics/lesson") is StepStatus.IN_PROGRESS
    assert prog.status("basics/quiz") is StepStatus.IN_PROGRESS
    _quiz(ctx, trainee, 0.4, False)
    assert p.course_progress(trainee, trainee.user_id, "c1", STEPS).status("basics/quiz") is StepStatus.FAILED
    assert p.load_draft(trainee, "c1", "basics/quiz") is None  # the attempt replaced the draft
    _quiz(ctx, trainee, 0.9, True)
    p.record_lesson(trainee, "c1", "1.0.0", "basics/lesson", 20, completed=True)
    store_lab_run(p, trainee, "c1", "1.0.0", "line/lab", parameters={"b": 3}, seed=7, metrics={"oee": 0.8},
                  score=1.0, passed=True, duration_s=40)
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert not prog.complete
    assert prog.next_incomplete(ORDER) == "line/practical"
    p.sign_off(instructor, trainee.user_id, "c1", "line/practical", {"a": True, "b": True})
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert prog.complete and prog.fraction == 1.0
    assert prog.steps["basics/quiz"].best_score == 0.9 and prog.steps["basics/quiz"].attempts == 2
    assert prog.steps["basics/lesson"].time_s == pytest.approx(32.5)
    assert prog.next_incomplete(ORDER) is None


def test_next_incomplete_looks_after_the_current_step_and_wraps(ctx, trainee):
    p = ctx.progress
    p.record_lesson(trainee, "c1", "1.0.0", "basics/lesson", 5, completed=True)
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert prog.next_incomplete(ORDER) == "basics/quiz"
    assert prog.next_incomplete(ORDER, after="basics/quiz") == "line/lab"
    assert prog.next_incomplete(ORDER, after="line/lab") == "basics/quiz"  # wraps; the practical waits last
    assert prog.next_incomplete(ORDER, after="line/practical") == "basics/quiz"


def test_submit_quiz_grades_the_stored_draw(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("basics/quiz")
    draw = p.start_quiz(trainee, fixture_course, step)
    assert p.start_quiz(trainee, fixture_course, step) == draw  # resuming keeps the draw
    quiz = step.quiz
    responses = {qid: right_answer(quiz.question(qid)) for qid in draw.ids}
    responses["not-drawn"] = "a"
    outcome = p.submit_quiz(trainee, fixture_course, step, responses, duration_s=42)
    assert outcome.result.passed and outcome.result.score == 1.0
    (attempt,) = p.attempts(trainee, trainee.user_id, fixture_course.id, "basics/quiz")
    assert attempt.id == outcome.attempt_id and attempt.passed and attempt.score == 1.0
    assert attempt.answers["seed"] == draw.seed and attempt.duration_s == 42
    assert [q["id"] for q in attempt.answers["questions"]] == list(draw.ids)
    assert all(q["correct"] and q["points"] == q["max_points"] for q in attempt.answers["questions"])
    assert p.load_draft(trainee, fixture_course.id, "basics/quiz") is None
    # The attempt is over: submitting again needs a new start (and a new draw).
    with pytest.raises(GradingError, match="not started"):
        p.submit_quiz(trainee, fixture_course, step, responses)


def test_a_wrong_answer_costs_its_points(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("basics/quiz")
    draw = p.start_quiz(trainee, fixture_course, step)
    responses = {qid: right_answer(step.quiz.question(qid)) for qid in draw.ids}
    responses["q-numeric"] = "119"  # worth 2 of 8 points; pass mark 0.7
    outcome = p.submit_quiz(trainee, fixture_course, step, responses)
    assert outcome.result.score == pytest.approx(6 / 8) and outcome.result.passed
    by_id = {r.question_id: r for r in outcome.result.per_question}
    assert not by_id["q-numeric"].correct and by_id["q-single"].correct


def test_attempts_limit_is_enforced_by_the_service(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("basics/quiz")
    assert step.quiz.max_attempts == 3
    for _n in range(3):
        p.start_quiz(trainee, fixture_course, step)
        assert not p.submit_quiz(trainee, fixture_course, step, {}).result.passed
    p.start_quiz(trainee, fixture_course, step)
    with pytest.raises(ServiceError, match="No attempts left"):
        p.submit_quiz(trainee, fixture_course, step, {})
    assert p.attempt_count(trainee, trainee.user_id, fixture_course.id, "basics/quiz", "quiz") == 3
    # Lessons on the same key do not use up quiz attempts.
    p.record_lesson(trainee, fixture_course.id, "1.0.0", "basics/quiz", 3, completed=True)
    assert p.attempt_count(trainee, trainee.user_id, fixture_course.id, "basics/quiz", "quiz") == 3


def test_the_draft_keeps_the_service_draw(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("basics/quiz")
    draw = p.start_quiz(trainee, fixture_course, step)
    p.save_draft(trainee, fixture_course.id, step.key, {"responses": {"q-single": "a"},
                                                        "draw": {"seed": 1, "ids": ["q-single"]}})
    state = p.load_draft(trainee, fixture_course.id, step.key)
    assert state["responses"] == {"q-single": "a"} and state["draw"]["seed"] == draw.seed
    assert p.start_quiz(trainee, fixture_course, step) == draw


def test_submit_lab_runs_and_grades_it(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("line/buffer-lab")
    good = p.submit_lab(trainee, fixture_course, step, {"mill-servers": 2}, duration_s=5, parallel=False)
    bad = p.submit_lab(trainee, fixture_course, step, {}, parallel=False)
    assert good.grade.passed and good.grade.score == 1.0 and good.metrics["throughput_per_hour"] >= 60
    assert not bad.grade.passed
    runs = p.lab_runs(trainee, trainee.user_id, fixture_course.id)
    assert [(r.id, r.passed, r.parameters, r.seed) for r in runs] == [
        (good.run_id, True, {"mill-servers": 2}, step.lab.grading_seed), (bad.run_id, False, {}, step.lab.grading_seed)]
    assert runs[0].metrics == good.metrics
    status = p.course_progress(trainee, trainee.user_id, fixture_course.id, [(step.key, "lab")]).status(step.key)
    assert status is StepStatus.PASSED


def test_lab_settings_the_lab_does_not_allow_store_nothing(ctx, trainee, fixture_course):
    p = ctx.progress
    step = fixture_course.step("line/buffer-lab")
    for settings, message in (({"mill-servers": 9}, "between 1 and 3"), ({"turbo": 1}, "no control"),
                              ({"mill-servers": "2"}, "must be a number")):
        with pytest.raises(GradingError, match=message):
            p.submit_lab(trainee, fixture_course, step, settings, parallel=False)
    assert p.lab_runs(trainee, trainee.user_id) == []


def test_a_step_of_another_course_or_kind_is_refused(ctx, trainee, fixture_course):
    p = ctx.progress
    with pytest.raises(GradingError, match="not a quiz step"):
        p.start_quiz(trainee, fixture_course, fixture_course.step("line/buffer-lab"))
    stranger = fixture_course.step("basics/quiz").model_copy(update={"id": "elsewhere"})
    with pytest.raises(GradingError, match="not a quiz step"):
        p.start_quiz(trainee, fixture_course, stranger)


def test_enroll_is_idempotent_and_completion_is_stamped_once(ctx, trainee):
    p = ctx.progress
    first = p.enroll(trainee, "c1", "1.0.0")
    again = p.enroll(trainee, "c1", "1.1.0")
    assert first.id == again.id and again.course_version == "1.0.0"
    assert [e.course_id for e in p.enrollments(trainee, trainee.user_id)] == ["c1"]
    assert p.mark_course_completed(trainee, "c1", "1.0.0") is True
    assert p.mark_course_completed(trainee, "c1", "1.0.0") is False
    assert p.enrollment(trainee, trainee.user_id, "c1").completed_at is not None


def test_best_lab_run_prefers_passed_then_score(ctx, trainee):
    p = ctx.progress
    for score, passed in ((0.5, False), (1.0, True), (0.75, False)):
        store_lab_run(p, trainee, "c1", "1.0.0", "line/lab", parameters={"s": score}, seed=1,
                      metrics={"oee": score}, score=score, passed=passed, duration_s=1)
    best = p.best_lab_runs(trainee, trainee.user_id)
    assert list(best) == [("c1", "line/lab")]
    assert best[("c1", "line/lab")].parameters == {"s": 1.0}


def test_signoff_details_name_the_instructor(ctx, trainee, instructor):
    ctx.progress.sign_off(instructor, trainee.user_id, "c1", "line/practical", {"a": True, "b": False}, "redo b")
    info = ctx.progress.signoffs(trainee, trainee.user_id, "c1")["line/practical"]
    assert info.instructor_name == "李老师" and not info.passed and info.comment == "redo b"
    assert info.signed_at.tzinfo is not None

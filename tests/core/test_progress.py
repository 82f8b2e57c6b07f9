"""ProgressService: statuses, attempts limit, drafts, enrollments, best lab runs, sign-off details."""

from __future__ import annotations

import pytest

from app.services.auth import ServiceError
from app.services.progress import StepStatus

STEPS = [("basics/lesson", "lesson"), ("basics/quiz", "quiz"), ("line/lab", "lab"), ("line/practical", "practical")]
ORDER = [k for k, _kind in STEPS]


def _quiz(ctx, actor, score, passed, **kw):
    return ctx.progress.record_quiz_attempt(actor, "c1", "1.0.0", "basics/quiz", answers={"questions": [], "seed": 1},
                                            score=score, passed=passed, duration_s=30, **kw)


def test_statuses_follow_the_records(ctx, trainee, instructor):
    p = ctx.progress
    prog = p.course_progress(trainee, trainee.user_id, "c1", STEPS)
    assert [prog.status(k) for k in ORDER] == [StepStatus.NOT_STARTED, StepStatus.NOT_STARTED,
                                               StepStatus.NOT_STARTED, StepStatus.AWAITING_SIGNOFF]
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
    p.record_lab_run(trainee, "c1", "1.0.0", "line/lab", parameters={"b": 3}, seed=7, metrics={"oee": 0.8},
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


def test_attempts_limit_is_enforced_by_the_service(ctx, trainee):
    _quiz(ctx, trainee, 0.1, False, max_attempts=2)
    _quiz(ctx, trainee, 0.2, False, max_attempts=2)
    with pytest.raises(ServiceError, match="No attempts left"):
        _quiz(ctx, trainee, 1.0, True, max_attempts=2)
    assert ctx.progress.attempt_count(trainee, trainee.user_id, "c1", "basics/quiz", "quiz") == 2
    # Lessons and labs on the same key do not use up quiz attempts.
    ctx.progress.record_lesson(trainee, "c1", "1.0.0", "basics/quiz", 3, completed=True)
    assert ctx.progress.attempt_count(trainee, trainee.user_id, "c1", "basics/quiz", "quiz") == 2


def test_quiz_answers_are_stored_as_given(ctx, trainee):
    answers = {"questions": [{"id": "q1", "type": "single", "response": "a", "correct": True, "points": 1.0,
                              "max_points": 1.0},
                             {"id": "q2", "type": "matching", "response": {"p1": "p2"}, "correct": False,
                              "points": 0.0, "max_points": 2.0}], "seed": 99}
    ctx.progress.record_quiz_attempt(trainee, "c1", "1.0.0", "basics/quiz", answers=answers, score=1 / 3,
                                     passed=False, duration_s=12)
    (attempt,) = ctx.progress.attempts(trainee, trainee.user_id, "c1", "basics/quiz")
    assert attempt.answers == answers and attempt.kind == "quiz" and attempt.course_version == "1.0.0"


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
        p.record_lab_run(trainee, "c1", "1.0.0", "line/lab", parameters={"s": score}, seed=1, metrics={"oee": score},
                         score=score, passed=passed, duration_s=1)
    best = p.best_lab_runs(trainee, trainee.user_id)
    assert list(best) == [("c1", "line/lab")]
    assert best[("c1", "line/lab")].parameters == {"s": 1.0}


def test_signoff_details_name_the_instructor(ctx, trainee, instructor):
    ctx.progress.sign_off(instructor, trainee.user_id, "c1", "line/practical", {"a": True, "b": False}, "redo b")
    info = ctx.progress.signoffs(trainee, trainee.user_id, "c1")["line/practical"]
    assert info.instructor_name == "李老师" and not info.passed and info.comment == "redo b"
    assert info.signed_at.tzinfo is not None

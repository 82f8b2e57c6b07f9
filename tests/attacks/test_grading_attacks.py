"""Attacks on grading: a caller tries to hand the services a score, a pass or an easy quiz.

Grades are decided in the service layer (``ProgressService.submit_quiz``/``submit_lab``);
nothing public takes a score or a passed flag, and what a caller sends besides the
trainee's answers or settings is ignored.
"""

from __future__ import annotations

import inspect

import pytest

from app.courses.grading import grade_lab
from app.services import dashboard_queries, progress
from app.services.dashboard_queries import DashboardQueries
from app.services.grading import GradingError
from tests.stored_progress import store_lab_run

FORBIDDEN = {"score", "passed", "points", "result", "grade"}


def _public_methods(cls):
    return [(name, fn) for name, fn in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")]


@pytest.mark.parametrize("cls", [progress.ProgressService, DashboardQueries])
def test_no_public_service_method_accepts_a_score_or_pass(cls):
    offenders = [f"{name}({p})" for name, fn in _public_methods(cls)
                 for p in inspect.signature(fn).parameters if p in FORBIDDEN]
    assert offenders == []
    assert not hasattr(progress.ProgressService, "record_quiz_attempt")
    assert not hasattr(progress.ProgressService, "record_lab_run")


def test_a_quiz_with_no_answers_stores_a_fail(ctx, trainee, fixture_course):
    step = fixture_course.step("basics/quiz")
    ctx.progress.start_quiz(trainee, fixture_course, step)
    outcome = ctx.progress.submit_quiz(trainee, fixture_course, step, {})
    (attempt,) = ctx.progress.attempts(trainee, trainee.user_id, fixture_course.id, step.key)
    assert not outcome.result.passed and outcome.result.score == 0
    assert attempt.passed is False and attempt.score == 0
    assert all(not q["correct"] for q in attempt.answers["questions"])


def test_a_score_smuggled_into_the_responses_is_ignored(ctx, trainee, fixture_course):
    step = fixture_course.step("basics/quiz")
    ctx.progress.start_quiz(trainee, fixture_course, step)
    outcome = ctx.progress.submit_quiz(trainee, fixture_course, step,
                                       {"score": 1.0, "passed": True, "q-single": "b", "questions": []})
    (attempt,) = ctx.progress.attempts(trainee, trainee.user_id, fixture_course.id, step.key)
    assert not outcome.result.passed and attempt.passed is False and attempt.score == 0


def test_a_forged_easy_draw_in_the_draft_is_not_used(ctx, trainee, fixture_course):
    """Only the service draws: a draft naming one easy question does not make a one-question quiz."""
    step = fixture_course.step("basics/quiz")
    ctx.progress.save_draft(trainee, fixture_course.id, step.key, {"draw": {"seed": 1, "ids": ["q-true-false"]}})
    with pytest.raises(GradingError, match="not started"):
        ctx.progress.submit_quiz(trainee, fixture_course, step, {"q-true-false": True})
    draw = ctx.progress.start_quiz(trainee, fixture_course, step)
    assert len(draw.ids) == len(step.quiz.questions)
    outcome = ctx.progress.submit_quiz(trainee, fixture_course, step, {"q-true-false": True})
    assert not outcome.result.passed and outcome.result.score == pytest.approx(1 / 8)
    assert ctx.progress.attempt_count(trainee, trainee.user_id, fixture_course.id, step.key, "quiz") == 1


def test_a_lab_with_easier_objectives_sent_by_the_caller_is_graded_by_the_course(ctx, trainee, fixture_course):
    step = fixture_course.step("line/buffer-lab")
    easy = step.model_copy(deep=True)
    for obj in easy.lab.objectives:
        obj.op, obj.target = ">=", -1e9
    outcome = ctx.progress.submit_lab(trainee, fixture_course, easy, {}, parallel=False)
    assert not outcome.grade.passed
    (run,) = ctx.progress.lab_runs(trainee, trainee.user_id, fixture_course.id)
    assert run.passed is False


def test_dashboard_and_grading_agree_on_a_boundary_value(ctx, trainee, instructor, fixture_course):
    """0.1 + 0.7 prints as 0.8: a value on the target meets it for the grader and the dashboard alike."""
    step = fixture_course.step("line/buffer-lab")
    lab = step.lab.model_copy(deep=True)
    objective = lab.objectives[0].model_copy(update={"metric": "oee", "op": ">=", "target": 0.8})
    lab.objectives = [objective]
    value = 0.1 + 0.7
    assert value < 0.8  # the float really is below the target
    grade = grade_lab(lab, {"oee": value})
    assert grade.passed
    step.lab.objectives = [objective]  # the installed course now grades oee >= 0.8
    store_lab_run(ctx.progress, trainee, fixture_course.id, fixture_course.version, step.key, parameters={},
                  seed=lab.grading_seed, metrics={"oee": value}, score=grade.score, passed=grade.passed,
                  duration_s=1)
    board = ctx.dashboards.dashboard(instructor, None, fixture_course)
    (stats,) = [s for s in board.labs if s.step_key == step.key]
    assert stats.met == 1 and stats.meets(value)


@pytest.mark.parametrize("op, target, target_max, value, met", [
    ("between", 900, 1400, 900 - 1e-5, False),
    ("between", 900, 1400, 1400.0000000001, True),
    ("between", 900, 1400, 1401, False),
    ("<=", 8.9, None, 8.9 + 1e-12, True),
    ("<", 8.9, None, 8.9, False),
])
def test_band_and_bound_objectives_mean_the_same_in_both_places(op, target, target_max, value, met):
    from app.courses.grading import compare

    stats = dashboard_queries.LabMetricStats("m/lab", "x", op, target, None, (), (), (), target_max)
    assert compare(op, value, target, target_max) is met and stats.meets(value) is met


"""ProgressService and AccountService basics, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from app.context import AppContext
from app.services.accounts import LoginFailed
from app.services.auth import SYSTEM, PermissionDenied, ServiceError
from app.services.progress import StepStatus
from tests.store.helpers import quiz_answers, trainee
from tests.stored_progress import store_lab_run, store_quiz_attempt

STEPS = [("m1/intro", "lesson"), ("m1/quiz", "quiz"), ("m2/lab", "lab"), ("m3/practical", "practical"),
         ("m3/more", "lesson")]


def test_progress_is_derived_from_the_records(ctx, admin, instructor):
    t = trainee(ctx, admin, "chen", "陈静")
    p = ctx.progress
    p.record_lesson(t, "rb", "1.0.0", "m1/intro", seconds=95.04, completed=True)
    first = store_quiz_attempt(p, t, "rb", "1.0.0", "m1/quiz", answers=quiz_answers([True, False]), score=0.5,
                                  passed=False, duration_s=40)
    p.save_draft(t, "rb", "m3/more", {"scroll": 0.4})
    assert p.course_progress(t, t.user_id, "rb", STEPS).status("m3/practical") is StepStatus.NOT_STARTED
    p.save_draft(t, "rb", "m3/practical", {"kind": "practical-seen"})  # the trainee opened the practical
    prog = p.course_progress(t, t.user_id, "rb", STEPS)
    assert prog.status("m1/intro") is StepStatus.PASSED
    assert prog.status("m1/quiz") is StepStatus.FAILED
    assert prog.status("m2/lab") is StepStatus.NOT_STARTED
    assert prog.status("m3/practical") is StepStatus.AWAITING_SIGNOFF
    assert prog.status("m3/more") is StepStatus.IN_PROGRESS
    store_quiz_attempt(p, t, "rb", "1.0.0", "m1/quiz", answers=quiz_answers([True, True]), score=1.0, passed=True,
                          duration_s=35)
    run = store_lab_run(p, t, "rb", "1.0.0", "m2/lab", parameters={"speed": 2}, seed=7, metrics={"oee": 0.8},
                           score=0.9, passed=True, duration_s=300)
    p.sign_off(instructor, t.user_id, "rb", "m3/practical", {"guard": True, "e-stop": True}, comment="好")
    prog = p.course_progress(instructor, t.user_id, "rb", STEPS)
    assert [prog.status(k) for k, _ in STEPS[:4]] == [StepStatus.PASSED] * 4
    assert prog.steps["m1/quiz"].attempts == 2 and prog.steps["m1/quiz"].best_score == 1.0
    assert prog.steps["m1/quiz"].time_s == 75.0
    assert prog.passed_steps == 4 and prog.fraction == pytest.approx(0.8)
    attempts = p.attempts(t, t.user_id, "rb", "m1/quiz")
    assert attempts[0].id == first and attempts[0].answers["questions"][1]["correct"] is False
    runs = p.lab_runs(t, t.user_id, "rb")
    assert [r.id for r in runs] == [run] and runs[0].metrics == {"oee": 0.8} and runs[0].attempt_id


def test_drafts_survive_and_a_submitted_attempt_clears_them(ctx, admin):
    t = trainee(ctx, admin, "lin", "林")
    ctx.progress.save_draft(t, "rb", "m1/quiz", {"answers": {"q1": "b"}})
    ctx.progress.save_draft(t, "rb", "m1/quiz", {"answers": {"q1": "c"}})
    assert ctx.progress.load_draft(t, "rb", "m1/quiz") == {"answers": {"q1": "c"}}
    store_quiz_attempt(ctx.progress, t, "rb", "1", "m1/quiz", answers={}, score=1, passed=True, duration_s=1)
    assert ctx.progress.load_draft(t, "rb", "m1/quiz") is None


def test_trainees_see_only_their_own_records(ctx, admin):
    a = trainee(ctx, admin, "aaa", "甲")
    b = trainee(ctx, admin, "bbb", "乙")
    with pytest.raises(PermissionDenied):
        ctx.progress.course_progress(a, b.user_id, "rb", STEPS)
    with pytest.raises(PermissionDenied):
        ctx.progress.sign_off(a, b.user_id, "rb", "m3/practical", {"ok": True})


def test_enrollment_and_completion(ctx, admin):
    t = trainee(ctx, admin, "he", "何")
    e = ctx.progress.enroll(t, "rb", "1.0.0")
    assert ctx.progress.enroll(t, "rb", "1.0.0").id == e.id
    assert ctx.progress.mark_course_completed(t, "rb", "1.0.0") is True
    assert ctx.progress.mark_course_completed(t, "rb", "1.0.0") is False
    assert ctx.progress.enrollment(t, t.user_id, "rb").completed_at is not None


def test_accounts_basics(ctx, admin):
    ctx.accounts.add_user(admin, "Zhang.Wei", "张伟", "trainee", "first-pass")
    with pytest.raises(ServiceError):
        ctx.accounts.add_user(admin, "zhang.wei", "Another", "trainee", "first-pass")
    assert ctx.accounts.authenticate("ZHANG.WEI", "first-pass").display_name == "张伟"
    for _ in range(5):
        with pytest.raises(LoginFailed):
            ctx.accounts.authenticate("zhang.wei", "wrong-pass")
    with pytest.raises(LoginFailed, match="Too many failed attempts"):
        ctx.accounts.authenticate("zhang.wei", "first-pass")
    ctx.accounts.set_password(SYSTEM, "zhang.wei", "second-pass")
    assert ctx.accounts.authenticate("zhang.wei", "second-pass").login == "Zhang.Wei"
    assert {u.login for u in ctx.accounts.list_users(admin)} == {"admin", "Zhang.Wei"}


def test_a_second_workstation_on_the_same_database_sees_everything_live(ctx, admin, tmp_path):
    """What a center server gives: every PC writes to and reads from one database."""
    other = AppContext.open(tmp_path / "pc2", ctx.store.url)
    try:
        t = trainee(other, admin, "ma", "马")
        store_quiz_attempt(other.progress, t, "rb", "1", "m1/quiz", answers={}, score=0.9, passed=True,
                                           duration_s=12)
        prog = ctx.progress.course_progress(admin, t.user_id, "rb", STEPS)
        assert prog.status("m1/quiz") is StepStatus.PASSED
        assert other.settings.get("center_id") == ctx.settings.get("center_id")
        assert other.workstation_id != ctx.workstation_id
    finally:
        other.close()


def test_a_lab_run_with_undefined_metrics_is_stored_on_every_backend(ctx, admin):
    """NaN/inf metrics (e.g. a mean over no finished parts) are kept as null: PostgreSQL refuses NaN in JSON
    and the graded run would be lost."""
    t = trainee(ctx, admin, "wu", "吴")
    run = store_lab_run(ctx.progress, t, "rb", "1.0.0", "m2/lab", parameters={"speed": 2}, seed=7,
                        metrics={"oee": 0.8, "mean_flow_s": float("nan"), "trace": [1.5, float("inf")]},
                        score=0.4, passed=False, duration_s=60)
    runs = ctx.progress.lab_runs(t, t.user_id, "rb")
    assert [r.id for r in runs] == [run]
    assert runs[0].metrics == {"oee": 0.8, "mean_flow_s": None, "trace": [1.5, None]}

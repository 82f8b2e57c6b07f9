"""Exam sessions (issue 19): the service decides access, draw, clock, grade, seal and regrade."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import select, update

from app.context import AppContext
from app.courses import exam as exam_def
from app.courses.library import CourseLibrary
from app.courses.loader import read_course
from app.services.auth import PermissionDenied
from app.services.exams import ExamError, ExamService, ExamTimeUp
from app.storage.models import AuditEntry, ExamAttempt, ExamRegrade, Role
from tests.conftest import FIXTURE_COURSE

EXAM_YAML = """
exam:
  title: {en: Fixture exam, zh_CN: 测试考试}
  time_limit_minutes: 10
  pass_mark: 0.7
  blueprint:
    - {from_steps: [basics/quiz], count: 5}
"""
PRACTICAL_YAML = "  practical: {lab: line/buffer-lab, weight: 0.3}\n"
T0 = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **kw: float) -> None:
        self.now += dt.timedelta(**kw)


def install_exam_course(ctx: AppContext, practical: bool = False):
    """The fixture course with an exam, in a library of its own (loading the bundled courses takes seconds)."""
    ctx._library = CourseLibrary(None, ctx.library_dir, None)
    dest = ctx.library_dir / "fixture-mini"
    shutil.copytree(FIXTURE_COURSE, dest)
    with (dest / "course.yaml").open("a", encoding="utf-8") as f:
        f.write(EXAM_YAML + (PRACTICAL_YAML if practical else ""))
    ctx.library.reload()
    return ctx.library.get("fixture-mini")


def service(ctx: AppContext, clock: Clock) -> ExamService:
    return ExamService(ctx.store.sessions, ctx.workstation_id, ctx.library.get, clock, parallel_labs=False)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def course(ctx):
    return install_exam_course(ctx)


@pytest.fixture
def klass(ctx, instructor, trainee):
    cohort_id = ctx.cohorts.create(instructor, "Line A")
    ctx.cohorts.add_member(instructor, cohort_id, "zhangwei")
    return cohort_id


@pytest.fixture
def exams(ctx, clock, course):
    return service(ctx, clock)


def right_answer(q):
    kind = q.type
    if kind == "single":
        return q.answer
    if kind in ("multiple", "ordering"):
        return list(q.answer)
    if kind in ("true_false", "numeric"):
        return q.answer
    if kind == "matching":
        return {p.id: p.id for p in q.pairs}
    return q.accepted["en"][0]


def answer_all(exams, actor, sitting, *, right=True):
    for eq in exams.questions(actor, sitting.attempt_id):
        exams.answer(actor, sitting.attempt_id, eq.qid, right_answer(eq.question) if right else "nonsense")


# --- course format ---------------------------------------------------------------------------


def test_blueprint_too_big_is_reported_with_its_place(tmp_path):
    dest = tmp_path / "fixture-mini"
    shutil.copytree(FIXTURE_COURSE, dest)
    with (dest / "course.yaml").open("a", encoding="utf-8") as f:
        f.write(EXAM_YAML.replace("count: 5", "count: 50").replace("basics/quiz", "basics/lesson"))
    course, problems = read_course(dest)
    assert course is None
    assert any("not a quiz" in p.message and p.file.endswith("course.yaml") and p.line for p in problems)


def test_bundled_courses_have_a_drawable_exam(ctx):
    for course_id in ("industrial-robot-operation", "ai-predictive-maintenance"):
        course = ctx.library.get(course_id)
        assert course.exam is not None and course.exam.practical is not None
        assert exam_def.check_exam(course) == []
        ids = exam_def.draw(course, 7)
        assert len(ids) == len(set(ids)) == sum(r.count for r in course.exam.blueprint)
        modules = [qid.split("/")[0] for qid in ids]
        assert all(modules.count(row.from_steps[0]) == row.count for row in course.exam.blueprint)


def test_difficulty_rows_draw_only_that_difficulty(course):
    quiz = course.step("basics/quiz").quiz
    hard = {q.id for q in quiz.questions[:3]}
    quiz_q = [q.model_copy(update={"difficulty": "hard" if q.id in hard else "easy"}) for q in quiz.questions]
    step = course.step("basics/quiz")
    step.quiz = quiz.model_copy(update={"questions": quiz_q})
    course.exam.blueprint[0] = course.exam.blueprint[0].model_copy(update={"count": 3, "difficulty": "hard"})
    for seed in range(5):
        assert {qid.rsplit("/", 1)[1] for qid in exam_def.draw(course, seed)} == hard


# --- access and roles ------------------------------------------------------------------------


def test_trainee_cannot_open_close_regrade_or_grant(ctx, exams, trainee, instructor, klass):
    with pytest.raises(PermissionDenied):
        exams.open_session(trainee, "fixture-mini", klass, [ctx.workstation_id])
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    for call in (lambda: exams.close_session(trainee, info.session_id),
                 lambda: exams.regrade(trainee, "fixture-mini"),
                 lambda: exams.grant_attempt(trainee, info.session_id, trainee.user_id),
                 lambda: exams.results(trainee, info.session_id),
                 lambda: exams.roster(trainee, info.session_id)):
        with pytest.raises(PermissionDenied):
            call()
    assert exams.session(instructor, info.session_id).open


def test_start_only_in_an_open_session_on_an_allowed_workstation_for_members(ctx, exams, instructor, trainee,
                                                                            admin, klass):
    elsewhere = exams.open_session(instructor, "fixture-mini", klass, ["another-pc"])
    assert exams.available(trainee) == []
    with pytest.raises(ExamError, match="workstation"):
        exams.start(trainee, elsewhere.session_id)
    here = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    assert [s.session_id for s in exams.available(trainee)] == [here.session_id]
    ctx.accounts.add_user(admin, "outsider", "外人", Role.TRAINEE, "outsider-pass")
    outsider = ctx.accounts.authenticate("outsider", "outsider-pass")
    assert exams.available(outsider) == []
    with pytest.raises(PermissionDenied):
        exams.start(outsider, here.session_id)
    exams.close_session(instructor, here.session_id)
    with pytest.raises(ExamError, match="closed"):
        exams.start(trainee, here.session_id)


def test_one_attempt_unless_granted(ctx, exams, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    first = exams.start(trainee, info.session_id)
    assert exams.start(trainee, info.session_id).attempt_id == first.attempt_id  # resumed, not a new one
    exams.finish(trainee, first.attempt_id)
    with pytest.raises(ExamError, match="used your attempt"):
        exams.start(trainee, info.session_id)
    exams.grant_attempt(instructor, info.session_id, trainee.user_id, "fire alarm")
    second = exams.start(trainee, info.session_id)
    assert second.attempt_no == 2 and second.attempt_id != first.attempt_id
    exams.finish(trainee, second.attempt_id)
    with pytest.raises(ExamError):
        exams.start(trainee, info.session_id)
    roster = {r.login: r for r in exams.roster(instructor, info.session_id)}
    assert roster["zhangwei"].attempts == 2 and roster["zhangwei"].attempts_allowed == 2


# --- draw, no feedback, clock ----------------------------------------------------------------


def test_draw_is_reproducible_from_the_stored_seed(ctx, exams, course, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    with ctx.store.sessions() as s:
        row = s.get(ExamAttempt, sitting.attempt_id)
        seed, stored = row.seed, list(row.question_ids)
    assert len(stored) == 5 and stored == list(sitting.question_ids)
    assert exam_def.draw(course, seed) == stored
    assert exam_def.draw(course, seed + 1) != stored or exam_def.draw(course, seed + 2) != stored
    shown = [eq.qid for eq in exams.questions(trainee, sitting.attempt_id)]
    assert shown == stored


def test_no_feedback_before_the_end(ctx, exams, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    qid = sitting.question_ids[0]
    left = exams.answer(trainee, sitting.attempt_id, qid, "whatever")
    assert isinstance(left, float)  # only the time left, nothing about the answer
    current = exams.current(trainee)
    assert not any(hasattr(current, name) for name in ("score", "passed", "correct", "points"))
    with pytest.raises(ExamError, match="ended"):
        exams.result(trainee, sitting.attempt_id)
    with pytest.raises(ExamError):
        exams.result(instructor, sitting.attempt_id)  # not even the proctor sees a running score
    result = exams.finish(trainee, sitting.attempt_id)
    assert result.score is not None and result.passed is False


def test_answers_and_remaining_time_survive_a_crash(tmp_path, clock, instructor):
    data = tmp_path / "crash"
    first = AppContext.open(data)
    admin = first.accounts.create_first_admin("admin", "管理员", "admin-pass")
    first.accounts.add_user(admin, "zhangwei", "张伟", Role.TRAINEE, "trainee-pass")
    trainee = first.accounts.authenticate("zhangwei", "trainee-pass")
    install_exam_course(first)
    cohort_id = first.cohorts.create(admin, "Line A")
    first.cohorts.add_member(admin, cohort_id, "zhangwei")
    exams = service(first, clock)
    info = exams.open_session(admin, "fixture-mini", cohort_id, [first.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    qids = sitting.question_ids
    exams.answer(trainee, sitting.attempt_id, qids[0], "a")
    exams.answer(trainee, sitting.attempt_id, qids[1], ["x", "y"])
    clock.advance(minutes=4)
    first.store.engine.dispose()  # the process dies: no close, no goodbye

    clock.advance(minutes=1)  # the restart takes a minute: the exam clock does not stop
    again = AppContext.open(data)
    try:
        assert again.workstation_id == first.workstation_id
        resumed = service(again, clock).current(trainee)
        assert resumed is not None and resumed.attempt_id == sitting.attempt_id
        assert resumed.question_ids == qids
        assert resumed.answers == {qids[0]: "a", qids[1]: ["x", "y"]}
        assert resumed.remaining_s == pytest.approx(5 * 60)
    finally:
        again.close()


def test_lock_and_unlock_resume_the_same_attempt(ctx, exams, clock, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    exams.answer(trainee, sitting.attempt_id, sitting.question_ids[2], True)
    clock.advance(minutes=3)  # the screen locks, the trainee logs back in
    again = ctx.accounts.authenticate("zhangwei", "trainee-pass")
    resumed = exams.current(again)
    assert resumed.attempt_id == sitting.attempt_id
    assert resumed.answers == {sitting.question_ids[2]: True}
    assert resumed.remaining_s == pytest.approx(7 * 60)


def test_time_out_submits_the_answers_given(ctx, exams, clock, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    answer_all(exams, trainee, sitting)
    clock.advance(minutes=12)
    with pytest.raises(ExamTimeUp):
        exams.answer(trainee, sitting.attempt_id, sitting.question_ids[0], "late")
    assert exams.current(trainee) is None
    result = exams.result(trainee, sitting.attempt_id)
    assert result.end_reason == "timeout" and result.score == 1.0 and result.passed
    assert result.time_used_s == 600  # the deadline, not when it was noticed
    assert result.seal_ok


def test_time_out_is_submitted_when_the_proctor_looks(ctx, exams, clock, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    exams.start(trainee, info.session_id)
    clock.advance(minutes=11)  # the trainee's PC is dead; the proctor opens the live list
    (entry,) = exams.roster(instructor, info.session_id)
    assert entry.state == "finished" and entry.score == 0.0
    (result,) = exams.results(instructor, info.session_id)
    assert result.end_reason == "timeout"


def test_extra_time_moves_the_deadline(ctx, exams, clock, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id],
                              extra_minutes={trainee.user_id: 5})
    sitting = exams.start(trainee, info.session_id)
    assert sitting.remaining_s == pytest.approx(15 * 60)
    clock.advance(minutes=12)
    exams.answer(trainee, sitting.attempt_id, sitting.question_ids[0], "a")  # still in time
    exams.add_time(instructor, info.session_id, trainee.user_id, 2)
    assert exams.current(trainee).remaining_s == pytest.approx(5 * 60)
    clock.advance(minutes=6)
    assert exams.current(trainee) is None
    assert exams.result(trainee, sitting.attempt_id).time_used_s == 17 * 60
    with pytest.raises(ExamError):
        exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id], extra_minutes={"nobody": 5})


def test_close_submits_running_attempts(ctx, exams, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    assert exams.close_session(instructor, info.session_id) == 1
    assert exams.result(trainee, sitting.attempt_id).end_reason == "closed"
    assert exams.current(trainee) is None


# --- sealed results, regrade -----------------------------------------------------------------


def test_result_is_sealed_with_draw_time_and_proctor(ctx, exams, clock, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    answer_all(exams, trainee, sitting)
    clock.advance(minutes=3, seconds=30)
    result = exams.finish(trainee, sitting.attempt_id)
    assert (result.score, result.passed, result.time_used_s) == (1.0, True, 210)
    assert result.question_ids == sitting.question_ids and result.proctor_name == "李老师" and result.seal_ok
    with ctx.store.sessions() as s, s.begin():
        s.execute(update(ExamAttempt).where(ExamAttempt.id == sitting.attempt_id).values(time_used_s=100))
    assert not exams.result(instructor, sitting.attempt_id).seal_ok


def test_regrade_after_a_key_correction_recomputes_and_audits(ctx, exams, course, instructor, trainee, klass):
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    answer_all(exams, trainee, sitting)
    before = exams.finish(trainee, sitting.attempt_id)
    assert before.score == 1.0
    # The key of one drawn question was wrong and is corrected in the course: the old answer is now wrong.
    qid = next(q for q in sitting.question_ids if exam_def.find_question(course, q).type != "matching")
    flip_key(ctx, qid)
    assert exams.regrade(instructor, "fixture-mini", "key of one question corrected") != []
    after = exams.result(instructor, sitting.attempt_id)
    assert after.score < 1.0 and after.seal_ok
    with ctx.store.sessions() as s:
        (audit,) = s.scalars(select(ExamRegrade)).all()
        assert (audit.old_score, audit.new_score) == (1.0, after.score) and audit.old_seal != audit.new_seal
        assert s.scalar(select(AuditEntry).where(AuditEntry.action == "exam.regrade")).target_user_id == trainee.user_id
    assert exams.regrade(instructor, "fixture-mini") == []  # nothing left to change: no second audit row


def flip_key(ctx, qid):
    """Correct (change) the key of ``qid`` in the installed course's quiz.yaml and reload."""
    import json

    from app.courses.yamlio import parse_yaml

    module, step, question_id = qid.split("/")
    path = ctx.library_dir / "fixture-mini" / "modules" / module / step / "quiz.yaml"
    data = parse_yaml(path.read_text(encoding="utf-8"))
    q = next(q for q in data["questions"] if q["id"] == question_id)
    if q["type"] == "true_false":
        q["answer"] = not q["answer"]
    elif q["type"] == "numeric":
        q["answer"] = q["answer"] + 1000
    elif q["type"] == "single":
        q["answer"] = next(o["id"] for o in q["options"] if o["id"] != q["answer"])
    elif q["type"] in ("multiple", "ordering"):
        q["answer"] = list(reversed(q["answer"])) if q["type"] == "ordering" else q["answer"][:-1]
    elif q["type"] == "fill_blank":
        q["accepted"] = {loc: ["zzz-corrected"] for loc in q["accepted"]}
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    ctx.library.reload()


# --- practical part --------------------------------------------------------------------------


def test_practical_runs_the_lab_under_exam_conditions(ctx, clock, instructor, trainee, klass):
    install_exam_course(ctx, practical=True)
    exams = service(ctx, clock)
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    sitting = exams.start(trainee, info.session_id)
    assert sitting.practical_lab == "line/buffer-lab" and not sitting.practical_done
    answer_all(exams, trainee, sitting)
    assert exams.submit_practical(trainee, sitting.attempt_id, {"mill-servers": 2}) is None  # no feedback
    assert exams.current(trainee).practical_done
    with pytest.raises(ExamError, match="already"):
        exams.submit_practical(trainee, sitting.attempt_id, {})
    result = exams.finish(trainee, sitting.attempt_id)
    assert result.practical_score == 1.0 and result.score == pytest.approx(1.0) and result.passed
    with ctx.store.sessions() as s:
        practical = s.get(ExamAttempt, sitting.attempt_id).practical
    assert practical["seed"] == 20261124 and practical["replications"] == 1 and practical["passed"]


# --- CLI -------------------------------------------------------------------------------------


def test_cli_open_list_results_close_regrade(tmp_path, capsys):
    from app.cli.main import main

    data = tmp_path / "cli"
    setup = AppContext.open(data)
    admin = setup.accounts.create_first_admin("admin", "管理员", "admin-pass")
    setup.accounts.add_user(admin, "teacher", "李老师", Role.INSTRUCTOR, "teach-pass")
    setup.accounts.add_user(admin, "zhangwei", "张伟", Role.TRAINEE, "trainee-pass")
    setup.cohorts.create(admin, "Line A")
    setup.cohorts.add_member(admin, setup.cohorts.list(admin)[0].cohort_id, "zhangwei")
    install_exam_course(setup)
    setup.close()

    def zhizao(*args: str) -> tuple[int, str, str]:
        code = main(["--data-dir", str(data), "exam", *args])
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _out, err = zhizao("open", "--course", "fixture-mini", "--class", "Line A", "--workstation", "this",
                             "--proctor", "zhangwei")
    assert code == 1 and "Instructor" in err and "Traceback" not in err  # a trainee cannot open an exam
    code, out, err = zhizao("open", "--course", "fixture-mini", "--class", "Line A", "--workstation", "this",
                            "--extra", "zhangwei=15", "--proctor", "teacher")
    assert code == 0, err
    session_id = out.split()[2]
    code, out, _err = zhizao("list", "--open")
    assert code == 0 and session_id in out and "Line A" in out and "李老师" in out

    ctx = AppContext.open(data)
    try:
        trainee = ctx.accounts.authenticate("zhangwei", "trainee-pass")
        sitting = ctx.exams.start(trainee, session_id)
        assert sitting.remaining_s > 24 * 60  # 10 minutes and the 15 extra
        answer_all(ctx.exams, trainee, sitting)
    finally:
        ctx.close()
    code, out, _err = zhizao("close", session_id[:13], "--proctor", "teacher")
    assert code == 0 and "1 running attempt submitted" in out
    code, out, _err = zhizao("results", session_id, "--json")
    (row,) = json.loads(out)
    assert code == 0 and row["login"] == "zhangwei" and row["score"] == 1.0 and row["end_reason"] == "closed"
    assert row["seal_ok"] and len(row["questions"]) == 5 and row["proctor"] == "李老师"
    code, out, _err = zhizao("regrade", "--course", "fixture-mini", "--proctor", "teacher")
    assert code == 0 and "No result changed" in out
    code, _out, err = zhizao("results", "nonexistent")
    assert code == 2 and "No exam session" in err


def test_the_json_schema_describes_the_exam_block():
    from app.courses.schema import file_schema

    schema = file_schema("course.yaml")
    assert "exam" in schema["properties"]
    exam = schema["$defs"]["Exam"]
    assert {"time_limit_minutes", "blueprint"} <= set(exam["required"])
    assert schema["$defs"]["ExamPoolRow"]["properties"]["difficulty"]


def test_a_course_asking_for_a_review_streak_gates_the_exam(ctx, clock, instructor, trainee, klass):
    install_exam_course(ctx)
    with (ctx.library_dir / "fixture-mini" / "course.yaml").open("a", encoding="utf-8") as f:
        f.write("review_streak_days: 2\n")
    ctx.library.reload()
    exams = ExamService(ctx.store.sessions, ctx.workstation_id, ctx.library.get, clock,
                        gate=ctx.review.check_exam_streak)
    info = exams.open_session(instructor, "fixture-mini", klass, [ctx.workstation_id])
    with pytest.raises(ExamError, match="review streak of 2 days"):
        exams.start(trainee, info.session_id)
    assert exams.current(trainee) is None and exams.roster(instructor, info.session_id)[0].attempts == 0
    assert ctx.exams._gate is not None  # the app wires the gate in

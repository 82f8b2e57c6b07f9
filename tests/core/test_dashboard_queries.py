"""Dashboard figures for a seeded class, against values worked out here from the seed itself.

``seed_cohort`` is shared with tests/ui/test_dashboard.py: six trainees in the fixture
course with known quiz answers, lab runs, reading time and a sign-off, each dated on a
known day so completion over time is predictable.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy import update

from app.services.auth import Actor, PermissionDenied
from app.services.dashboard_queries import histogram, item_flags
from app.services.reports import ItemStats
from app.storage.models import Enrollment, LabRun, LessonTime, Role, SignOff, StepAttempt
from tests.stored_progress import store_lab_run, store_quiz_attempt

COURSE = "fixture-mini"
LESSON, QUIZ, LAB, PRACTICAL = "basics/lesson", "basics/quiz", "line/buffer-lab", "line/practical"
UTC = dt.UTC
QUESTIONS = ["q-single", "q-multiple", "q-true-false", "q-numeric", "q-ordering", "q-matching", "q-fill-blank"]
POINTS = {"q-numeric": 2.0}

# First attempts: which questions each trainee got right.
FIRST = {
    "t1": [1, 1, 1, 1, 1, 0, 0],
    "t2": [1, 1, 1, 1, 0, 0, 0],
    "t3": [1, 1, 1, 0, 1, 0, 0],
    "t4": [1, 0, 1, 0, 0, 0, 1],
    "t5": [1, 0, 1, 0, 1, 0, 1],
    "t6": [1, 0, 0, 0, 0, 0, 1],
}
NAMES = {"t1": "张三", "t2": "李四", "t3": "王五", "t4": "赵六", "t5": "钱七", "t6": "孙八"}


def score_of(correct: list[int]) -> float:
    total = sum(POINTS.get(q, 1.0) for q in QUESTIONS)
    return sum(POINTS.get(q, 1.0) for q, ok in zip(QUESTIONS, correct) if ok) / total


def answers(correct: list[int], seed: int = 7) -> dict:
    return {"questions": [{"id": q, "type": "single", "response": "x", "correct": bool(ok),
                           "points": POINTS.get(q, 1.0) if ok else 0.0, "max_points": POINTS.get(q, 1.0)}
                          for q, ok in zip(QUESTIONS, correct)], "seed": seed}


@dataclass
class Seed:
    cohort_id: str
    day0: dt.date
    due: dt.date
    people: dict[str, Actor]
    passes: dict[str, dict[str, int]]  # trainee -> step -> day offset of its first pass
    best_quiz: dict[str, float]
    lab_runs: dict[str, list[tuple[dict, bool]]]  # metrics, passed
    lesson_s: dict[str, float]
    quiz_s: dict[str, float]
    lab_s: dict[str, float]


def seed_cohort(ctx, admin: Actor, instructor: Actor) -> Seed:
    today = dt.datetime.now(UTC).date()
    day0 = today - dt.timedelta(days=10)

    def at(offset: int, hour: int = 9) -> dt.datetime:
        return dt.datetime.combine(day0 + dt.timedelta(days=offset), dt.time(hour), UTC)

    people = {}
    for login, name in NAMES.items():
        info = ctx.accounts.add_user(admin, login, name, Role.TRAINEE, "secret-" + login)
        people[login] = Actor(info.user_id, info.login, info.display_name, info.role)
    cohort = ctx.cohorts.create(instructor, "一班 Line A")
    for login in NAMES:
        ctx.cohorts.add_member(instructor, cohort, login)
    due = day0 + dt.timedelta(days=7)
    ctx.cohorts.assign_course(instructor, cohort, COURSE, due)
    p = ctx.progress

    def dated(model, row_id: str, when: dt.datetime) -> None:
        with ctx.store.session() as s, s.begin():
            s.execute(update(model).where(model.id == row_id).values(created_at=when))

    def lesson(who: str, seconds: float, offset: int, completed: bool = True) -> None:
        p.record_lesson(people[who], COURSE, "1.0.0", LESSON, seconds=seconds, completed=completed)
        with ctx.store.session() as s, s.begin():
            for model in (StepAttempt, LessonTime):
                s.execute(update(model).where(model.user_id == people[who].user_id).where(
                    model.step_key == LESSON).values(created_at=at(offset)))

    def quiz(who: str, correct: list[int], offset: int, duration: float) -> None:
        score = score_of(correct)
        aid = store_quiz_attempt(p, people[who], COURSE, "1.0.0", QUIZ, answers=answers(correct), score=score,
                                    passed=score >= 0.7, duration_s=duration, started_at=at(offset, 8))
        dated(StepAttempt, aid, at(offset))

    def lab(who: str, metrics: dict, passed: bool, offset: int, duration: float) -> None:
        rid = store_lab_run(p, people[who], COURSE, "1.0.0", LAB, parameters={"mill-servers": 2 if passed else 1},
                               seed=20261124, metrics=metrics, score=1.0 if passed else 0.0, passed=passed,
                               duration_s=duration)
        with ctx.store.session() as s, s.begin():
            run = s.get(LabRun, rid)
            run.created_at = at(offset)
            s.execute(update(StepAttempt).where(StepAttempt.id == run.attempt_id).values(created_at=at(offset)))

    lesson("t1", 100, 1)
    quiz("t1", FIRST["t1"], 2, 300)
    lab("t1", {"throughput_per_hour": 50.4, "mean_wip": 3.0}, False, 3, 600)
    lab("t1", {"throughput_per_hour": 70.1, "mean_wip": 3.4}, True, 3, 300)
    sid = p.sign_off(instructor, people["t1"].user_id, COURSE, PRACTICAL, {"a": True, "b": True})
    dated(SignOff, sid, at(5))
    lesson("t2", 200, 1)
    quiz("t2", FIRST["t2"], 4, 400)
    lab("t2", {"throughput_per_hour": 55.0, "mean_wip": 12.5}, False, 4, 400)
    lesson("t3", 150, 2)
    quiz("t3", FIRST["t3"], 2, 350)
    lab("t3", {"throughput_per_hour": 62.0, "mean_wip": 9.0}, False, 6, 500)
    lesson("t4", 30, 1, completed=False)
    for offset in (1, 2, 3):
        quiz("t4", FIRST["t4"], offset, 200)
    quiz("t5", FIRST["t5"], 2, 500)
    lesson("t6", 120, 3)
    quiz("t6", FIRST["t6"], 3, 250)
    quiz("t6", [1, 1, 1, 1, 1, 0, 1], 7, 150)  # a retake: counts for the best score, not the item analysis
    lab("t6", {"throughput_per_hour": 65.0, "mean_wip": 5.0, "note": "text is ignored"}, True, 8, 700)
    with ctx.store.session() as s, s.begin():
        s.execute(update(Enrollment).values(created_at=at(0)))
    return Seed(
        cohort, day0, due, people,
        passes={"t1": {LESSON: 1, QUIZ: 2, LAB: 3, PRACTICAL: 5}, "t2": {LESSON: 1}, "t3": {LESSON: 2},
                "t4": {}, "t5": {}, "t6": {LESSON: 3, QUIZ: 7, LAB: 8}},
        best_quiz={"t1": score_of(FIRST["t1"]), "t2": score_of(FIRST["t2"]), "t3": score_of(FIRST["t3"]),
                   "t4": score_of(FIRST["t4"]), "t5": score_of(FIRST["t5"]), "t6": 7 / 8},
        lab_runs={"t1": [({"throughput_per_hour": 50.4, "mean_wip": 3.0}, False),
                         ({"throughput_per_hour": 70.1, "mean_wip": 3.4}, True)],
                  "t2": [({"throughput_per_hour": 55.0, "mean_wip": 12.5}, False)],
                  "t3": [({"throughput_per_hour": 62.0, "mean_wip": 9.0}, False)],
                  "t6": [({"throughput_per_hour": 65.0, "mean_wip": 5.0}, True)]},
        lesson_s={"t1": 100, "t2": 200, "t3": 150, "t4": 30, "t6": 120},
        quiz_s={"t1": 300, "t2": 400, "t3": 350, "t4": 600, "t5": 500, "t6": 400},
        lab_s={"t1": 900, "t2": 400, "t3": 500, "t6": 700},
    )


@dataclass
class World:
    ctx: object
    instructor: Actor
    course: object
    seed: Seed


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One seeded store for the whole module: the tests only read it (seeding hashes eight passwords)."""
    import shutil

    from app.context import AppContext
    from tests.conftest import FIXTURE_COURSE

    ctx = AppContext.open(tmp_path_factory.mktemp("dash") / "data")
    admin = ctx.accounts.create_first_admin("admin", "管理员", "admin-pass")
    ctx.accounts.add_user(admin, "teacher", "李老师", Role.INSTRUCTOR, "teach-pass")
    instructor = ctx.accounts.authenticate("teacher", "teach-pass")
    shutil.copytree(FIXTURE_COURSE, ctx.library_dir / "fixture-mini")
    ctx.library.reload()
    course = ctx.library.get(COURSE)
    seed = seed_cohort(ctx, admin, instructor)
    yield World(ctx, instructor, course, seed)
    ctx.close()


@pytest.fixture
def seeded(world) -> Seed:
    return world.seed


@pytest.fixture
def board(world):
    return world.ctx.dashboards.dashboard(world.instructor, world.seed.cohort_id, world.course, tz=UTC)


def test_completion_over_time_matches_the_seeded_days(board, seeded):
    tl = board.timeline
    today = dt.datetime.now(UTC).date()
    assert tl.days[0] == seeded.day0 and tl.days[-1] == today and len(tl.days) == 11
    assert tl.trainees == 6 and tl.due_dates == ((seeded.due, 6),)
    steps = (LESSON, QUIZ, LAB, PRACTICAL)
    for i, day in enumerate(tl.days):
        offset = (day - seeded.day0).days
        done = sum(1 for p in seeded.passes.values() if len(p) == 4 and max(p.values()) <= offset)
        passed = sum(1 for p in seeded.passes.values() for k in steps if k in p and p[k] <= offset)
        assert tl.completed[i] == pytest.approx(done / 6), day
        assert tl.progress[i] == pytest.approx(passed / 24), day
    assert tl.completed[-1] == pytest.approx(1 / 6) and tl.progress[-1] == pytest.approx(9 / 24)


def test_score_distribution_uses_each_trainees_best_score(board, seeded):
    [quiz] = board.quizzes
    assert quiz.step_key == QUIZ and quiz.pass_mark == 0.7
    expected = [0] * 10
    for score in seeded.best_quiz.values():
        expected[min(9, math.floor(score * 10))] += 1
    assert list(quiz.distribution.bins) == expected == [0, 0, 0, 1, 0, 2, 1, 1, 1, 0]
    assert quiz.distribution.n == 6
    assert quiz.passed == sum(1 for score in seeded.best_quiz.values() if score >= 0.7) == 2
    assert quiz.distribution.mean == pytest.approx(statistics.fmean(seeded.best_quiz.values()))


def test_item_analysis_difficulty_discrimination_and_flags(board):
    [quiz] = board.quizzes
    scores = {who: score_of(row) for who, row in FIRST.items()}
    ranked = sorted(scores, key=lambda who: scores[who])
    k = math.ceil(0.27 * len(ranked))
    lower, upper = ranked[:k], ranked[-k:]
    assert sorted(lower) == ["t4", "t6"] and sorted(upper) == ["t1", "t2"]  # no ties at the group edges
    got = {i.question_id: i for i in quiz.items}
    assert sorted(got) == sorted(QUESTIONS)
    for j, qid in enumerate(QUESTIONS):
        p = statistics.fmean(FIRST[w][j] for w in FIRST)
        d = statistics.fmean(FIRST[w][j] for w in upper) - statistics.fmean(FIRST[w][j] for w in lower)
        assert got[qid].n == 6
        assert got[qid].difficulty == pytest.approx(p), qid
        assert got[qid].discrimination == pytest.approx(d), qid
    assert got["q-fill-blank"].discrimination == pytest.approx(-1.0)
    assert got["q-fill-blank"].flags == ("negative_d",) and got["q-fill-blank"].broken
    assert got["q-matching"].flags == ("nobody_correct",) and got["q-matching"].broken
    assert got["q-single"].flags == ("too_easy",) and not got["q-single"].broken
    assert got["q-multiple"].flags == () and got["q-numeric"].flags == ()
    assert "check the key" in got["q-fill-blank"].flag_labels()[0]


def test_item_flags_rules():
    def flags(n, p, d):
        return item_flags(ItemStats("q", n, p, d, None, None))

    assert flags(20, 0.1, 0.3) == ("too_hard",)
    assert flags(20, 0.5, 0.1) == ("weak_d",)
    assert flags(20, 0.5, -0.2) == ("negative_d",)
    assert flags(20, 0.0, 0.0) == ("nobody_correct",)
    assert flags(3, 0.5, 0.5) == ("few_answers",)
    assert flags(20, 0.6, 0.45) == ()


def test_lab_metric_distribution_against_the_objective_target(board, seeded):
    by_metric = {m.metric: m for m in board.labs}
    assert set(by_metric) == {"throughput_per_hour", "mean_wip"}
    for metric, op, target, pick in (("throughput_per_hour", ">=", 60, max), ("mean_wip", "<=", 8, min)):
        stats = by_metric[metric]
        assert (stats.step_key, stats.op, stats.target) == (LAB, op, target)
        best = {who: pick(m[metric] for m, _ok in runs) for who, runs in seeded.lab_runs.items()}
        assert {v.login: v.value for v in stats.values} == pytest.approx(best)
        assert {v.login: v.runs for v in stats.values} == {w: len(r) for w, r in seeded.lab_runs.items()}
        values = list(best.values())
        counts, edges = np.histogram(values, bins=10, range=(min(values + [target]), max(values + [target])))
        assert list(stats.counts) == counts.tolist()
        assert stats.edges == pytest.approx(edges.tolist())
        met = sum(1 for v in values if (v >= target if op == ">=" else v <= target))
        assert stats.met == met
    assert by_metric["throughput_per_hour"].met == 3 and by_metric["mean_wip"].met == 2
    assert by_metric["mean_wip"].label["en"].startswith("Average work in progress")


def test_histogram_counts_like_numpy():
    values = [0.0, 0.1, 0.2, 0.30000000000000004, 0.7, 0.9999, 1.0, 1.0, 0.5]
    edges, counts = histogram(values, 10, 0.0, 1.0)
    ref, ref_edges = np.histogram(values, bins=10, range=(0.0, 1.0))
    assert list(counts) == ref.tolist() and list(edges) == pytest.approx(ref_edges.tolist())
    assert histogram([5.0, 5.0], 4, 5.0, 5.0)[1] == (0, 0, 2, 0)  # one value: a unit-wide range round it


def test_time_on_task_per_step(board, seeded):
    times = {t.step_key: t for t in board.times}
    assert list(times) == [LESSON, QUIZ, LAB, PRACTICAL]
    for key, spent in ((LESSON, seeded.lesson_s), (QUIZ, seeded.quiz_s), (LAB, seeded.lab_s)):
        t = times[key]
        assert t.total_s == pytest.approx(sum(spent.values()))
        assert t.trainees == len(spent)
        assert t.mean_s == pytest.approx(statistics.fmean(spent.values()))
        assert t.median_s == pytest.approx(statistics.median(spent.values()))
    assert times[PRACTICAL].trainees == 0 and times[PRACTICAL].mean_s is None
    assert times[LESSON].estimated_s == 20 * 60 and times[LAB].estimated_s == 15 * 60


def test_at_risk_and_report(world, board, seeded):
    got = {r.login: r.reasons for r in board.at_risk}
    steps = [(s.key, s.kind) for _m, s in world.course.iter_steps()]
    assert list(board.at_risk) == world.ctx.reports.at_risk(world.instructor, seeded.cohort_id, {COURSE: steps},
                                                            now=board.generated_at)
    # Due date passed for everyone not done; t4 failed the quiz three times; t2 and t3 score low on two steps.
    assert got == {"t2": ("overdue", "low_scores"), "t3": ("overdue", "low_scores"),
                   "t4": ("overdue", "repeated_failures"), "t5": ("overdue",), "t6": ("overdue",)}
    fractions = {r.login: r.fraction for r in board.report}
    assert fractions == {who: len(p) / 4 for who, p in seeded.passes.items()}
    assert board.trainees == 6


def test_trainee_record(world, seeded):
    rec = world.ctx.dashboards.trainee_record(world.instructor, seeded.people["t1"].user_id, {COURSE: world.course})
    assert (rec.login, rec.display_name, rec.cohorts) == ("t1", "张三", ["一班 Line A"])
    [course] = rec.courses
    assert course.course_id == COURSE and course.due_date == seeded.due
    assert course.progress.passed_steps == 4 and course.progress.complete
    assert [(a.step_key, a.kind) for a in rec.attempts] == [(LAB, "lab"), (LAB, "lab"), (QUIZ, "quiz"),
                                                            (LESSON, "lesson")]
    assert rec.attempts[-1].when.date() == seeded.day0 + dt.timedelta(days=1)
    assert [r.metrics["throughput_per_hour"] for r in rec.lab_runs] == [70.1, 50.4]  # newest first (same day)
    assert rec.lab_runs[0].parameters == {"mill-servers": 2}
    [so] = rec.signoffs
    assert so.passed and so.instructor == "李老师" and so.checklist == {"a": True, "b": True}


def test_completion_over_time_alone_equals_the_dashboards(world, seeded, board):
    alone = world.ctx.dashboards.completion_over_time(world.instructor, seeded.cohort_id, world.course, tz=UTC)
    assert alone == board.timeline


def test_trainees_cannot_call_the_dashboard(world, seeded):
    ctx, fixture_course = world.ctx, world.course
    t1 = seeded.people["t1"]
    for call in (lambda: ctx.dashboards.dashboard(t1, seeded.cohort_id, fixture_course),
                 lambda: ctx.dashboards.completion_over_time(t1, None, fixture_course),
                 lambda: ctx.dashboards.trainee_record(t1, t1.user_id, {COURSE: fixture_course})):
        with pytest.raises(PermissionDenied):
            call()


def test_an_empty_class(ctx, instructor, fixture_course):
    cohort = ctx.cohorts.create(instructor, "空班")
    board = ctx.dashboards.dashboard(instructor, cohort, fixture_course)
    assert board.trainees == 0 and board.timeline.days == () and board.at_risk == ()
    assert board.quizzes[0].distribution is None and board.quizzes[0].items == ()
    assert all(m.values == () and sum(m.counts) == 0 for m in board.labs)

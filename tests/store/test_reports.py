"""Instructor dashboard queries against hand-computed figures, and CSV/XLSX cohort reports."""

from __future__ import annotations

import csv
import datetime as dt

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from app.services.auth import PermissionDenied
from app.services.reports import ReportService, write_csv, write_xlsx
from app.storage.models import Cohort, CohortMember, Enrollment, LessonTime, StepAttempt
from tests.store.helpers import quiz_answers, trainee
from tests.stored_progress import store_lab_run, store_quiz_attempt

C = "rb"
STEPS = [("m1/intro", "lesson"), ("m1/quiz", "quiz"), ("m2/lab", "lab"), ("m3/practical", "practical")]
COURSES = {C: STEPS}
T0 = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def cohort(ctx, admin, instructor):
    p = ctx.progress
    t1, t2, t3, t4 = (trainee(ctx, admin, login, name) for login, name in
                      (("t1", "张三"), ("t2", "李四"), ("t3", "王五"), ("t4", "赵六")))
    t5 = trainee(ctx, admin, "t5", "外人")

    def quiz(t, answers, score, passed, minutes):
        store_quiz_attempt(p, t, C, "1", "m1/quiz", answers=quiz_answers(answers), score=score, passed=passed,
                              duration_s=60, started_at=T0 + dt.timedelta(minutes=minutes))

    def lab(t, score, passed):
        store_lab_run(p, t, C, "1", "m2/lab", parameters={}, seed=1, metrics={}, score=score, passed=passed,
                         duration_s=300)

    p.record_lesson(t1, C, "1", "m1/intro", seconds=100, completed=True)
    quiz(t1, [True, True, True], 1.0, True, 0)
    lab(t1, 0.9, True)
    p.sign_off(instructor, t1.user_id, C, "m3/practical", {"guard": True})
    p.record_lesson(t2, C, "1", "m1/intro", seconds=50, completed=True)
    quiz(t2, [True, True, False], 2 / 3, True, 1)
    quiz(t3, [True, False, False], 1 / 3, False, 2)
    lab(t3, 0.2, False)
    quiz(t4, [False, False, False], 0.0, False, 3)
    quiz(t4, [True, True, True], 1.0, True, 60)  # a retake: not in the item analysis
    for _ in range(3):
        lab(t4, 0.1, False)
    quiz(t5, [True, True, True], 1.0, True, 4)  # not in the cohort
    store_quiz_attempt(p, instructor, C, "1", "m1/quiz", answers=quiz_answers([False] * 3), score=0, passed=False,
                          duration_s=5)  # staff trying the quiz: never in a report
    members = (t1, t2, t3, t4)
    with ctx.store.session() as s, s.begin():
        group = Cohort(name="Line A 产线")
        s.add(group)
        s.flush()
        s.add_all(CohortMember(cohort_id=group.id, user_id=t.user_id) for t in members)
        for t in members:
            s.add(Enrollment(user_id=t.user_id, course_id=C, course_version="1", cohort_id=group.id,
                             due_date=dt.date.today() - dt.timedelta(days=1) if t is t2 else None))
        month_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        for model in (StepAttempt, LessonTime, Enrollment):
            s.execute(update(model).where(model.user_id == t3.user_id).values(created_at=month_ago))
        group_id = group.id
    return group_id, dict(zip(("t1", "t2", "t3", "t4", "t5"), (t1, t2, t3, t4, t5)))


def test_completion_per_course(ctx, instructor, cohort):
    group, _t = cohort
    reports = ReportService(ctx.store.sessions)
    [row] = reports.completion_per_course(instructor, group, COURSES)
    assert (row.trainees, row.started, row.completed) == (4, 4, 1)
    assert row.mean_fraction == pytest.approx((1 + 0.5 + 0 + 0.25) / 4)
    [center] = reports.completion_per_course(instructor, None, COURSES)
    assert (center.trainees, center.completed) == (5, 1)  # t5 too; staff never


def test_score_distribution_uses_best_scores(ctx, instructor, cohort):
    group, _t = cohort
    [dist] = ReportService(ctx.store.sessions).score_distribution(instructor, group, C)
    assert dist.step_key == "m1/quiz" and dist.n == 4
    assert dist.bins == (0, 0, 0, 1, 0, 0, 1, 0, 0, 2)
    assert dist.mean == pytest.approx((1 + 2 / 3 + 1 / 3 + 1) / 4)
    assert dist.median == pytest.approx((2 / 3 + 1) / 2)


def test_item_analysis_difficulty_and_discrimination(ctx, instructor, cohort):
    group, _t = cohort
    items = ReportService(ctx.store.sessions).item_analysis(instructor, group, C, "m1/quiz")
    got = {i.question_id: (i.n, i.difficulty, i.upper_p, i.lower_p, i.discrimination) for i in items}
    # First attempts only; top 27 % (2 of 4) = t1, t2; bottom = t3, t4.
    assert got == {"q1": (4, 0.75, 1.0, 0.5, 0.5), "q2": (4, 0.5, 1.0, 0.0, 1.0), "q3": (4, 0.25, 0.5, 0.0, 0.5)}


def test_time_on_task(ctx, instructor, cohort):
    group, t = cohort
    rows = {r.login: r.seconds for r in ReportService(ctx.store.sessions).time_on_task(instructor, group, C)}
    assert rows == {"t1": 100 + 60 + 300, "t2": 50 + 60, "t3": 60 + 300, "t4": 2 * 60 + 3 * 300}


def test_trainees_at_risk(ctx, instructor, cohort):
    group, t = cohort
    risky = ReportService(ctx.store.sessions).at_risk(instructor, group, COURSES)
    got = {r.login: r.reasons for r in risky}
    assert got == {"t2": ("overdue",), "t3": ("inactive", "low_scores"), "t4": ("repeated_failures", "low_scores")}
    assert {r.user_id for r in risky} == {t["t2"].user_id, t["t3"].user_id, t["t4"].user_id}
    assert risky[0].labels()  # translated labels for the dashboard


def test_reports_are_for_staff_only(ctx, cohort):
    group, t = cohort
    reports = ReportService(ctx.store.sessions)
    for call in (lambda: reports.completion_per_course(t["t1"], group, COURSES),
                 lambda: reports.item_analysis(t["t1"], group, C, "m1/quiz"),
                 lambda: reports.cohort_report(t["t1"], group, COURSES)):
        with pytest.raises(PermissionDenied):
            call()


def test_cohort_report_files_keep_chinese_names(ctx, instructor, cohort, tmp_path):
    group, _t = cohort
    rows = ReportService(ctx.store.sessions).cohort_report(instructor, group, COURSES)
    assert [(r.login, r.passed_steps, r.total_steps) for r in rows] == [("t1", 4, 4), ("t2", 2, 4), ("t3", 0, 4),
                                                                        ("t4", 1, 4)]
    write_csv(rows, tmp_path / "r.csv")
    raw = (tmp_path / "r.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens it as UTF-8
    with open(tmp_path / "r.csv", encoding="utf-8-sig", newline="") as fh:
        table = list(csv.reader(fh))
    assert table[0][:3] == ["Login", "Name", "Course"]
    assert [r[1] for r in table[1:]] == ["张三", "李四", "王五", "赵六"]
    assert table[1][5] == "100.0" and table[4][12]  # t1 done; t4 has risks

    write_xlsx(rows, tmp_path / "r.xlsx", "Line A 产线")
    ws = load_workbook(tmp_path / "r.xlsx").active
    assert ws.title == "Line A 产线"
    assert [ws.cell(row=i, column=2).value for i in range(2, 6)] == ["张三", "李四", "王五", "赵六"]
    assert ws.cell(row=2, column=6).value == 100.0
    assert not list(tmp_path.glob("*.part"))

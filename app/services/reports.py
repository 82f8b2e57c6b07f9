"""Instructor dashboard queries and cohort reports (CSV, XLSX). Staff only.

Quiz attempts store ``answers`` as::

    {"questions": [{"id": "q1", "response": <any JSON>, "correct": true, "points": 1.0}, ...],
     "seed": 1234}

(the quiz runner writes exactly that). Item analysis reads it; everything
else reads only the covering index ``ix_attempt_progress`` and
``ix_lessontime_progress`` (user, course, step, kind, passed, score,
duration, created_at), never the attempt rows with their JSON.

A step counts as passed as in :mod:`app.services.progress`: a passed attempt,
or for a practical a passed sign-off. Courses are given as
``{course_id: [(step_key, kind), ...]}`` from the course definitions.
``cohort_id=None`` means every trainee of the center.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Select, and_, case, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.atomic import write_via
from app.i18n import N_, _
from app.services.auth import Actor, ServiceError, as_utc, require_staff
from app.services.errors import storage_errors
from app.storage.models import Cohort, CohortMember, Enrollment, LessonTime, Role, SignOff, StepAttempt, User

Steps = Sequence[tuple[str, str]]
CourseSteps = Mapping[str, Steps]

RISK_LABELS = {
    "overdue": N_("past the due date"),
    "inactive": N_("no activity for a while"),
    "repeated_failures": N_("failed a step repeatedly"),
    "low_scores": N_("low scores"),
}


class ReportError(ServiceError):
    """A report that cannot be made or written; the message says why (translated)."""


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CourseCompletion:
    course_id: str
    trainees: int
    started: int
    completed: int
    mean_fraction: float


@dataclass(frozen=True)
class ScoreDistribution:
    """Best score per trainee on one scored step, in ``len(bins)`` equal bins over 0..1."""

    step_key: str
    bins: tuple[int, ...]
    n: int
    mean: float | None
    median: float | None


@dataclass(frozen=True)
class ItemStats:
    """Classical item analysis of one question, over each trainee's first attempt.

    ``difficulty`` is p, the share answering correctly; ``discrimination`` is
    p in the top 27 % of trainees by quiz score minus p in the bottom 27 %.
    """

    question_id: str
    n: int
    difficulty: float
    discrimination: float | None
    upper_p: float | None
    lower_p: float | None


@dataclass(frozen=True)
class TimeOnTask:
    user_id: str
    login: str
    display_name: str
    course_id: str
    seconds: float


@dataclass(frozen=True)
class AtRisk:
    user_id: str
    login: str
    display_name: str
    course_id: str
    reasons: tuple[str, ...]
    fraction: float
    last_activity: dt.datetime | None

    def labels(self) -> list[str]:
        return [_(RISK_LABELS[r]) for r in self.reasons]


@dataclass(frozen=True)
class ReportRow:
    """One trainee x course line of a cohort report."""

    user_id: str
    login: str
    display_name: str
    course_id: str
    passed_steps: int
    total_steps: int
    fraction: float
    mean_best_score: float | None
    attempts: int
    time_s: float
    last_activity: dt.datetime | None
    completed_at: dt.datetime | None
    due_date: dt.date | None
    risks: tuple[str, ...]


@dataclass
class _StepSummary:
    kind: str = ""
    passed: bool = False
    attempts: int = 0
    fails: int = 0
    best: float | None = None


@dataclass
class _Summary:
    """Everything one trainee did in one course, from the covering indexes."""

    steps: dict[str, _StepSummary] = field(default_factory=dict)
    signed: dict[str, bool] = field(default_factory=dict)
    attempt_time: float = 0.0
    lesson_time: float = 0.0
    last: dt.datetime | None = None

    def seen(self, when: dt.datetime | None) -> None:
        if when is not None:
            when = as_utc(when)
            if self.last is None or when > self.last:
                self.last = when

    def passed(self, steps: Steps) -> int:
        return sum(1 for key, kind in steps if self.step_passed(key, kind))

    def step_passed(self, key: str, kind: str) -> bool:
        if kind == "practical":
            return self.signed.get(key, False)
        rec = self.steps.get(key)
        return bool(rec and rec.passed)

    @property
    def time_s(self) -> float:
        return self.attempt_time + self.lesson_time

    @property
    def attempts(self) -> int:
        return sum(r.attempts for r in self.steps.values())

    def best_scores(self) -> list[float]:
        return [r.best for r in self.steps.values() if r.best is not None and r.kind in ("quiz", "lab")]


@storage_errors
class ReportService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    # --- whom a report covers -----------------------------------------------------------------

    def cohorts(self, actor: Actor) -> list[tuple[str, str, int]]:
        """(id, name, members) of the cohorts not archived, by name."""
        require_staff(actor)
        with self._sessions() as s:
            rows = s.execute(select(Cohort.id, Cohort.name, func.count(CohortMember.user_id))
                             .outerjoin(CohortMember, CohortMember.cohort_id == Cohort.id)
                             .where(Cohort.archived.is_(False)).group_by(Cohort.id, Cohort.name)
                             .order_by(Cohort.name)).all()
        return [(r[0], r[1], r[2]) for r in rows]

    def find_cohort(self, actor: Actor, name_or_id: str) -> str:
        require_staff(actor)
        with self._sessions() as s:
            found = s.scalars(select(Cohort.id).where((Cohort.id == name_or_id) | (Cohort.name == name_or_id))).all()
        if not found:
            raise ReportError(_("No cohort named “{name}”.").format(name=name_or_id))
        if len(found) > 1:
            raise ReportError(_("Several cohorts are named “{name}”; give the cohort id.").format(name=name_or_id))
        return found[0]

    @staticmethod
    def _members(cohort_id: str | None) -> Select:
        if cohort_id is None:
            return select(User.id).where(User.role == Role.TRAINEE.value)
        return (select(CohortMember.user_id).join(User, User.id == CohortMember.user_id)
                .where(CohortMember.cohort_id == cohort_id, User.role == Role.TRAINEE.value))

    def _people(self, s: Session, cohort_id: str | None) -> dict[str, tuple[str, str]]:
        members = self._members(cohort_id).subquery()
        rows = s.execute(select(User.id, User.login, User.display_name).where(User.id.in_(select(members))))
        return {r[0]: (r[1], r[2]) for r in rows}

    def _summaries(self, s: Session, cohort_id: str | None,
                   course_ids: Sequence[str] | None) -> dict[tuple[str, str], _Summary]:
        members = self._members(cohort_id).subquery()
        out: dict[tuple[str, str], _Summary] = defaultdict(_Summary)
        a = StepAttempt
        cond = [a.user_id.in_(select(members))]
        if course_ids is not None:
            cond.append(a.course_id.in_(list(course_ids)))
        q = (select(a.user_id, a.course_id, a.step_key, a.kind, func.count(),
                    func.max(case((a.passed.is_(True), 1), else_=0)),
                    func.sum(case((a.passed.is_(False), 1), else_=0)),
                    func.max(a.score), func.sum(a.duration_s), func.max(a.created_at))
             .where(and_(*cond)).group_by(a.user_id, a.course_id, a.step_key, a.kind))
        for user_id, course, key, kind, n, passed, fails, best, duration, last in s.execute(q):
            summ = out[(user_id, course)]
            rec = summ.steps.setdefault(key, _StepSummary(kind=kind))
            rec.attempts += n
            rec.passed = rec.passed or bool(passed)
            rec.fails += int(fails or 0)
            if best is not None:
                rec.best = best if rec.best is None else max(rec.best, best)
            if kind != "lesson":
                summ.attempt_time += float(duration or 0.0)
            summ.seen(last)
        lt = LessonTime
        cond = [lt.user_id.in_(select(members))]
        if course_ids is not None:
            cond.append(lt.course_id.in_(list(course_ids)))
        q = (select(lt.user_id, lt.course_id, func.sum(lt.seconds), func.max(lt.created_at))
             .where(and_(*cond)).group_by(lt.user_id, lt.course_id))
        for user_id, course, seconds, last in s.execute(q):
            summ = out[(user_id, course)]
            summ.lesson_time += float(seconds or 0.0)
            summ.seen(last)
        so = SignOff
        cond = [so.user_id.in_(select(members))]
        if course_ids is not None:
            cond.append(so.course_id.in_(list(course_ids)))
        for user_id, course, key, passed, when in s.execute(
                select(so.user_id, so.course_id, so.step_key, so.passed, so.created_at).where(and_(*cond))):
            summ = out[(user_id, course)]
            summ.signed[key] = summ.signed.get(key, False) or bool(passed)
            summ.seen(when)
        return out

    def _enrollments(self, s: Session, cohort_id: str | None,
                     course_ids: Sequence[str]) -> dict[tuple[str, str], Enrollment]:
        members = self._members(cohort_id).subquery()
        rows = s.scalars(select(Enrollment).where(Enrollment.user_id.in_(select(members)),
                                                  Enrollment.course_id.in_(list(course_ids))))
        return {(e.user_id, e.course_id): e for e in rows}

    # --- dashboard queries ----------------------------------------------------------------------

    def completion_per_course(self, actor: Actor, cohort_id: str | None,
                              courses: CourseSteps) -> list[CourseCompletion]:
        """Per course: trainees in the cohort, how many started, completed every step, mean progress."""
        require_staff(actor)
        with self._sessions() as s:
            people = self._people(s, cohort_id)
            summaries = self._summaries(s, cohort_id, list(courses))
        out = []
        for course_id, steps in courses.items():
            total = len(steps)
            started = completed = 0
            fractions = []
            for user_id in people:
                summ = summaries.get((user_id, course_id))
                done = summ.passed(steps) if summ else 0
                started += summ is not None
                completed += bool(total) and done == total
                fractions.append(done / total if total else 0.0)
            mean = sum(fractions) / len(fractions) if fractions else 0.0
            out.append(CourseCompletion(course_id, len(people), started, completed, mean))
        return out

    def score_distribution(self, actor: Actor, cohort_id: str | None, course_id: str, bins: int = 10,
                           kinds: Sequence[str] = ("quiz",)) -> list[ScoreDistribution]:
        """Per scored step of the course: the histogram of each trainee's best score."""
        require_staff(actor)
        a = StepAttempt
        members = self._members(cohort_id).subquery()
        q = (select(a.step_key, a.user_id, func.max(a.score))
             .where(a.user_id.in_(select(members)), a.course_id == course_id, a.kind.in_(list(kinds)),
                    a.score.is_not(None))
             .group_by(a.user_id, a.step_key))
        best: dict[str, list[float]] = defaultdict(list)
        with self._sessions() as s:
            for key, _user, score in s.execute(q):
                best[key].append(float(score))
        out = []
        for key in sorted(best):
            counts = [0] * bins
            for score in best[key]:
                counts[min(bins - 1, max(0, int(score * bins)))] += 1
            values = best[key]
            out.append(ScoreDistribution(key, tuple(counts), len(values), statistics.fmean(values),
                                         statistics.median(values)))
        return out

    def item_analysis(self, actor: Actor, cohort_id: str | None, course_id: str,
                      step_key: str) -> list[ItemStats]:
        """Difficulty and discrimination of each question of a quiz step (first attempts)."""
        require_staff(actor)
        a = StepAttempt
        members = self._members(cohort_id).subquery()
        q = (select(a.user_id, a.started_at, a.id, a.score, a.answers)
             .where(a.course_id == course_id, a.step_key == step_key, a.kind == "quiz",
                    a.user_id.in_(select(members))))
        first: dict[str, tuple[Any, ...]] = {}
        with self._sessions() as s:
            for user_id, started, att_id, score, answers in s.execute(q):
                order = (as_utc(started), att_id)
                if user_id not in first or order < first[user_id][0]:
                    first[user_id] = (order, score, answers)
        # Rank trainees by quiz score (ties by user id, so the groups are deterministic).
        ranked = sorted(first.items(), key=lambda kv: (kv[1][1] if kv[1][1] is not None else -1.0, kv[0]))
        n = len(ranked)
        k = math.ceil(0.27 * n) if n else 0
        lower = {u for u, _v in ranked[:k]}
        upper = {u for u, _v in ranked[n - k:]} if k else set()
        stats: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0, 0, 0])  # n, ok, up_n, up_ok, lo_n, lo_ok
        for user_id, (_order, _score, answers) in ranked:
            questions = answers.get("questions") if isinstance(answers, dict) else None
            for item in questions or []:
                if not isinstance(item, dict) or "id" not in item:
                    continue
                st = stats[str(item["id"])]
                ok = int(item.get("correct") is True)
                st[0] += 1
                st[1] += ok
                if user_id in upper:
                    st[2] += 1
                    st[3] += ok
                if user_id in lower:
                    st[4] += 1
                    st[5] += ok
        out = []
        for qid in sorted(stats):
            cnt, ok, up_n, up_ok, lo_n, lo_ok = stats[qid]
            up_p = up_ok / up_n if up_n else None
            lo_p = lo_ok / lo_n if lo_n else None
            disc = up_p - lo_p if up_p is not None and lo_p is not None else None
            out.append(ItemStats(qid, cnt, ok / cnt, disc, up_p, lo_p))
        return out

    def time_on_task(self, actor: Actor, cohort_id: str | None,
                     course_id: str | None = None) -> list[TimeOnTask]:
        """Seconds per trainee and course: lesson reading plus quiz/lab/practical attempts."""
        require_staff(actor)
        with self._sessions() as s:
            people = self._people(s, cohort_id)
            summaries = self._summaries(s, cohort_id, [course_id] if course_id else None)
        out = [TimeOnTask(u, *people[u], c, summ.time_s) for (u, c), summ in summaries.items() if u in people]
        return sorted(out, key=lambda t: (t.course_id, -t.seconds, t.login))

    def at_risk(self, actor: Actor, cohort_id: str | None, courses: CourseSteps, *,
                now: dt.datetime | None = None, inactive_days: int = 14, max_failures: int = 3,
                min_score: float = 0.7) -> list[AtRisk]:
        """Trainees not done with a course who are overdue, idle, stuck on a step or scoring low."""
        rows = self.cohort_report(actor, cohort_id, courses, now=now, inactive_days=inactive_days,
                                  max_failures=max_failures, min_score=min_score)
        return [AtRisk(r.user_id, r.login, r.display_name, r.course_id, r.risks, r.fraction, r.last_activity)
                for r in rows if r.risks]

    def cohort_report(self, actor: Actor, cohort_id: str | None, courses: CourseSteps, *,
                      now: dt.datetime | None = None, inactive_days: int = 14, max_failures: int = 3,
                      min_score: float = 0.7) -> list[ReportRow]:
        """One row per trainee and course: progress, scores, time, dates and risks."""
        require_staff(actor)
        now = as_utc(now) if now else dt.datetime.now(dt.UTC)
        with self._sessions() as s:
            people = self._people(s, cohort_id)
            summaries = self._summaries(s, cohort_id, list(courses))
            enrolled = self._enrollments(s, cohort_id, list(courses))
        rows = []
        for course_id, steps in courses.items():
            total = len(steps)
            for user_id, (login, name) in people.items():
                summ = summaries.get((user_id, course_id))
                enr = enrolled.get((user_id, course_id))
                if summ is None and enr is None:
                    continue  # not taking this course
                summ = summ or _Summary()
                passed = summ.passed(steps)
                scores = summ.best_scores()
                completed = as_utc(enr.completed_at) if enr and enr.completed_at else None
                done = completed is not None or (total > 0 and passed == total)
                risks: list[str] = []
                if not done:
                    if enr is not None and enr.due_date is not None and enr.due_date < now.date():
                        risks.append("overdue")
                    since = summ.last or (as_utc(enr.created_at) if enr else None)
                    if since is not None and now - since > dt.timedelta(days=inactive_days):
                        risks.append("inactive")
                    if any(r.fails >= max_failures and not r.passed for r in summ.steps.values()):
                        risks.append("repeated_failures")
                    if len(scores) >= 2 and statistics.fmean(scores) < min_score:
                        risks.append("low_scores")
                rows.append(ReportRow(user_id, login, name, course_id, passed, total, passed / total if total else 0.0,
                                      statistics.fmean(scores) if scores else None, summ.attempts, summ.time_s,
                                      summ.last, completed, enr.due_date if enr else None, tuple(risks)))
        rows.sort(key=lambda r: (r.course_id, r.login))
        return rows


# --- files ------------------------------------------------------------------------------------

def report_headers() -> list[str]:
    return [_("Login"), _("Name"), _("Course"), _("Steps passed"), _("Steps"), _("Progress (%)"),
            _("Mean best score (%)"), _("Attempts"), _("Time on task (min)"), _("Last activity (UTC)"),
            _("Completed (UTC)"), _("Due date"), _("At risk")]


def _cells(r: ReportRow) -> list[Any]:
    return [r.login, r.display_name, r.course_id, r.passed_steps, r.total_steps, round(r.fraction * 100, 1),
            round(r.mean_best_score * 100, 1) if r.mean_best_score is not None else None, r.attempts,
            round(r.time_s / 60, 1),
            r.last_activity.replace(tzinfo=None, microsecond=0) if r.last_activity else None,
            r.completed_at.replace(tzinfo=None, microsecond=0) if r.completed_at else None,
            r.due_date, "; ".join(_(RISK_LABELS[x]) for x in r.risks)]


def write_csv(rows: Sequence[ReportRow], path: Path) -> Path:
    """UTF-8 with a byte-order mark, so Excel on a Chinese Windows shows names right."""

    def write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(report_headers())
            for r in rows:
                out.writerow(["" if v is None else (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else v)
                              for v in _cells(r)])

    return write_via(path, write, ReportError)


def write_xlsx(rows: Sequence[ReportRow], path: Path, title: str = "") -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    def write(tmp: Path) -> None:
        wb = Workbook()
        ws = wb.active
        safe = "".join(c for c in (title or _("Cohort report")) if c not in '[]:*?/\\')[:31]
        ws.title = safe or "Report"
        ws.append(report_headers())
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for r in rows:
            ws.append(_cells(r))
        ws.freeze_panes = "A2"
        for idx, col in enumerate(ws.columns, start=1):
            width = max(len(str(c.value)) if c.value is not None else 0 for c in col)
            ws.column_dimensions[get_column_letter(idx)].width = min(40, max(10, width * 1.6 + 2))
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                if isinstance(cell.value, dt.datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
        wb.save(tmp)

    return write_via(path, write, ReportError)


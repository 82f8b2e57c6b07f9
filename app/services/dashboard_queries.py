"""What the instructor dashboard shows for one class and one course, computed in one call. Staff only.

Builds on :class:`app.services.reports.ReportService` (completion, score
distributions, item analysis, at-risk, cohort report) and adds what a
dashboard needs on top: completion over time against the due dates, item
flags, lab metric distributions against the objective targets, time on task
per step, and one trainee's full record.

The trainees counted are those of the class (every trainee when
``cohort_id`` is None) who take the course: enrolled in it, or with any
activity in it. A step counts as passed from its first passed attempt (a
passed sign-off for a practical), as in :mod:`app.services.progress`.
No Qt here: the UI runs :meth:`DashboardQueries.dashboard` in the background.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.courses.grading import compare, objective_value
from app.courses.models import Course
from app.i18n import N_, _
from app.services.auth import Actor, as_utc, require_staff
from app.services.errors import storage_errors
from app.services.progress import CourseProgress, ProgressService
from app.services.reports import AtRisk, ItemStats, ReportRow, ReportService, ScoreDistribution
from app.storage.models import Cohort, CohortMember, Enrollment, LabRun, LessonTime, SignOff, StepAttempt, User, utcnow

# Item analysis: thresholds of the usual rules of thumb (p = share correct, D = upper − lower p).
MIN_ANSWERS = 5
TOO_HARD_P = 0.2
TOO_EASY_P = 0.95
WEAK_D = 0.2

ITEM_FLAGS = {
    "nobody_correct": N_("nobody answered correctly — check the key"),
    "negative_d": N_("negative discrimination — check the key"),
    "too_hard": N_("too hard"),
    "weak_d": N_("weak discrimination"),
    "too_easy": N_("too easy"),
    "few_answers": N_("too few answers to judge"),
}
BROKEN_FLAGS = frozenset({"nobody_correct", "negative_d"})
"""Flags that say a question itself looks wrong (a bad key, a misleading prompt), not just hard."""

SCORE_BINS = 10
METRIC_BINS = 10


# --- results --------------------------------------------------------------------------------

@dataclass(frozen=True)
class CompletionTimeline:
    """Per day: the share of trainees who had passed every step, and the mean share of steps passed."""

    days: tuple[dt.date, ...]
    completed: tuple[float, ...]
    progress: tuple[float, ...]
    trainees: int
    due_dates: tuple[tuple[dt.date, int], ...]  # (due date, trainees due then), by date


@dataclass(frozen=True)
class ItemRow:
    question_id: str
    n: int
    difficulty: float
    discrimination: float | None
    flags: tuple[str, ...]

    @property
    def broken(self) -> bool:
        return any(f in BROKEN_FLAGS for f in self.flags)

    def flag_labels(self) -> list[str]:
        return [_(ITEM_FLAGS[f]) for f in self.flags]


@dataclass(frozen=True)
class QuizStats:
    step_key: str
    pass_mark: float
    distribution: ScoreDistribution | None
    items: tuple[ItemRow, ...]
    passed: int  # trainees with a passed attempt


@dataclass(frozen=True)
class MetricValue:
    user_id: str
    login: str
    display_name: str
    value: float
    runs: int


@dataclass(frozen=True)
class LabMetricStats:
    """Each trainee's best value of one objective metric of one lab, against the objective's target.

    "Best" follows the objective: the highest value for ``>=``/``>``, the lowest
    for ``<=``/``<``, the closest for ``==`` and ``between``. ``stat`` says which value of
    a run that is (the mean over its replications, or a bound of its confidence interval).
    """

    step_key: str
    metric: str
    op: str
    target: float
    label: Mapping[str, str] | None
    values: tuple[MetricValue, ...]
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    target_max: float | None = None
    stat: str = "mean"

    def meets(self, value: float) -> bool:
        """The grading rule itself (``app.courses.grading.compare``), so the two never disagree."""
        return compare(self.op, value, self.target, self.target_max)

    @property
    def met(self) -> int:
        return sum(1 for v in self.values if self.meets(v.value))


@dataclass(frozen=True)
class StepTime:
    """Time on one step: lesson reading, or the summed durations of quiz/lab/practical attempts."""

    step_key: str
    kind: str
    total_s: float
    trainees: int  # trainees who spent any time on it
    mean_s: float | None
    median_s: float | None
    estimated_s: float


@dataclass(frozen=True)
class Dashboard:
    cohort_id: str | None
    course_id: str
    generated_at: dt.datetime
    trainees: int
    timeline: CompletionTimeline
    quizzes: tuple[QuizStats, ...]
    labs: tuple[LabMetricStats, ...]
    times: tuple[StepTime, ...]
    at_risk: tuple[AtRisk, ...]
    report: tuple[ReportRow, ...]


@dataclass(frozen=True)
class AttemptEntry:
    when: dt.datetime
    course_id: str
    step_key: str
    kind: str
    score: float | None
    passed: bool | None
    duration_s: float


@dataclass(frozen=True)
class LabRunEntry:
    when: dt.datetime
    course_id: str
    step_key: str
    parameters: dict[str, Any]
    metrics: dict[str, Any]
    score: float
    passed: bool


@dataclass(frozen=True)
class SignOffEntry:
    when: dt.datetime
    course_id: str
    step_key: str
    passed: bool
    instructor: str
    comment: str
    checklist: dict[str, bool]


@dataclass(frozen=True)
class CourseEntry:
    course_id: str
    progress: CourseProgress
    due_date: dt.date | None
    completed_at: dt.datetime | None


@dataclass
class TraineeRecord:
    """Everything stored about one trainee, newest first within each list."""

    user_id: str
    login: str
    display_name: str
    cohorts: list[str] = field(default_factory=list)
    courses: list[CourseEntry] = field(default_factory=list)
    attempts: list[AttemptEntry] = field(default_factory=list)
    lab_runs: list[LabRunEntry] = field(default_factory=list)
    signoffs: list[SignOffEntry] = field(default_factory=list)


# --- pure helpers ---------------------------------------------------------------------------

def _better(op: str, target: float, a: float, b: float, target_max: float | None = None) -> bool:
    """Whether ``a`` is a better result than ``b`` for an objective ``op target`` (``… target_max``)."""
    if op in (">=", ">"):
        return a > b
    if op in ("<=", "<"):
        return a < b
    high = target if target_max is None else target_max

    def off(v: float) -> float:
        return max(target - v, v - high, 0.0)

    return off(a) < off(b)


def histogram(values: Sequence[float], bins: int, lo: float, hi: float) -> tuple[tuple[float, ...], tuple[int, ...]]:
    """Equal bins over [lo, hi], each half-open except the last (as numpy.histogram counts)."""
    if hi <= lo:
        lo, hi = lo - 0.5, lo + 0.5
    width = (hi - lo) / bins
    edges = tuple(lo + i * width for i in range(bins)) + (hi,)
    counts = [0] * bins
    for v in values:
        if lo <= v <= hi:
            i = min(bins - 1, int((v - lo) / width))
            # Guard float rounding at the edges so a value on an edge lands in the bin it opens.
            if i + 1 < bins and v >= edges[i + 1]:
                i += 1
            elif i > 0 and v < edges[i]:
                i -= 1
            counts[i] += 1
    return edges, tuple(counts)


def item_flags(item: ItemStats) -> tuple[str, ...]:
    """Why a question deserves a look, most serious first (empty when it looks fine).

    Below :data:`MIN_ANSWERS` answers the statistics are noise (one wrong answer is "nobody
    correct"): such a question is only marked as having too few answers (review #33).
    """
    if item.n < MIN_ANSWERS:
        return ("few_answers",)
    flags: list[str] = []
    p, d = item.difficulty, item.discrimination
    if item.n and p == 0:
        flags.append("nobody_correct")
    if d is not None and d < 0:
        flags.append("negative_d")
    if 0 < p < TOO_HARD_P:
        flags.append("too_hard")
    if d is not None and 0 <= d < WEAK_D and TOO_HARD_P <= p <= TOO_EASY_P:
        flags.append("weak_d")
    if p > TOO_EASY_P:
        flags.append("too_easy")
    return tuple(flags)



# --- the service ----------------------------------------------------------------------------

@storage_errors
class DashboardQueries:
    def __init__(self, sessions: sessionmaker[Session], reports: ReportService, progress: ProgressService) -> None:
        self._sessions = sessions
        self._reports = reports
        self._progress = progress

    def dashboard(self, actor: Actor, cohort_id: str | None, course: Course, *,
                  now: dt.datetime | None = None, tz: dt.tzinfo | None = None) -> Dashboard:
        """Every panel of the dashboard for one class and one course."""
        require_staff(actor)
        now = as_utc(now) if now else utcnow()
        steps = course.step_kinds()
        rows = self._reports.cohort_report(actor, cohort_id, {course.id: steps}, now=now)
        users = [r.user_id for r in rows]
        # ReportService.at_risk is exactly the report's rows with risks; derived here so the report runs once.
        risky = [AtRisk(r.user_id, r.login, r.display_name, r.course_id, r.risks, r.fraction, r.last_activity)
                 for r in rows if r.risks]
        dists = {d.step_key: d for d in self._reports.score_distribution(actor, cohort_id, course.id, SCORE_BINS)}
        due = Counter(r.due_date for r in rows if r.due_date is not None)
        with self._sessions() as s:
            passed = self._passed_counts(s, users, course.id)
        quizzes = []
        for _m, step in course.iter_steps():
            if step.kind == "quiz" and step.quiz is not None:
                items = self._reports.item_analysis(actor, cohort_id, course.id, step.key)
                quizzes.append(QuizStats(step.key, step.quiz.pass_mark, dists.get(step.key),
                                         tuple(ItemRow(i.question_id, i.n, i.difficulty, i.discrimination,
                                                       item_flags(i)) for i in items),
                                         passed.get(step.key, 0)))
        with self._sessions() as s:
            timeline = self._timeline(s, users, course.id, steps, sorted(due.items()), now, tz)
            labs = self._lab_metrics(s, users, course)
            times = self._step_times(s, users, course)
        return Dashboard(cohort_id, course.id, now, len(users), timeline, tuple(quizzes), tuple(labs), tuple(times),
                         tuple(risky), tuple(rows))

    @staticmethod
    def _passed_counts(s: Session, users: Sequence[str], course_id: str) -> dict[str, int]:
        if not users:
            return {}
        a = StepAttempt
        rows = s.execute(select(a.step_key, func.count(func.distinct(a.user_id)))
                         .where(a.user_id.in_(users), a.course_id == course_id, a.passed.is_(True))
                         .group_by(a.step_key))
        return {row[0]: row[1] for row in rows}

    # --- completion over time --------------------------------------------------------------

    def completion_over_time(self, actor: Actor, cohort_id: str | None, course: Course, *,
                             now: dt.datetime | None = None, tz: dt.tzinfo | None = None) -> CompletionTimeline:
        """Only the completion chart's data (the dashboard computes it along with the rest)."""
        require_staff(actor)
        now = as_utc(now) if now else utcnow()
        steps = course.step_kinds()
        rows = self._reports.cohort_report(actor, cohort_id, {course.id: steps}, now=now)
        due = Counter(r.due_date for r in rows if r.due_date is not None)
        with self._sessions() as s:
            return self._timeline(s, [r.user_id for r in rows], course.id, steps, sorted(due.items()), now, tz)

    def _timeline(self, s: Session, users: Sequence[str], course_id: str, steps: Sequence[tuple[str, str]],
                  due: Sequence[tuple[dt.date, int]], now: dt.datetime, tz: dt.tzinfo | None) -> CompletionTimeline:
        def day(when: dt.datetime) -> dt.date:
            return as_utc(when).astimezone(tz).date() if tz else as_utc(when).astimezone().date()

        if not users or not steps:
            return CompletionTimeline((), (), (), len(users), tuple(due))
        kinds = dict(steps)
        first: dict[tuple[str, str], dt.datetime] = {}

        def passed_at(user: str, key: str, when: dt.datetime) -> None:
            when = as_utc(when)
            if key in kinds and ((user, key) not in first or when < first[(user, key)]):
                first[(user, key)] = when

        a, so = StepAttempt, SignOff
        for user, key, _kind, when in s.execute(
                select(a.user_id, a.step_key, a.kind, func.min(a.created_at))
                .where(a.user_id.in_(users), a.course_id == course_id, a.passed.is_(True))
                .group_by(a.user_id, a.step_key, a.kind)):
            if kinds.get(key) != "practical":
                passed_at(user, key, when)
        for user, key, when in s.execute(
                select(so.user_id, so.step_key, func.min(so.created_at))
                .where(so.user_id.in_(users), so.course_id == course_id, so.passed.is_(True))
                .group_by(so.user_id, so.step_key)):
            if kinds.get(key) == "practical":
                passed_at(user, key, when)
        starts = [s.scalar(select(func.min(a.created_at)).where(a.user_id.in_(users), a.course_id == course_id)),
                  s.scalar(select(func.min(LessonTime.created_at)).where(LessonTime.user_id.in_(users),
                                                                         LessonTime.course_id == course_id)),
                  s.scalar(select(func.min(Enrollment.created_at)).where(Enrollment.user_id.in_(users),
                                                                         Enrollment.course_id == course_id))]
        known = [day(t) for t in starts if t is not None]
        today = day(now)
        start = min(known + [today])
        days = [start + dt.timedelta(days=i) for i in range((today - start).days + 1)]
        index = {d: i for i, d in enumerate(days)}
        passes = [0] * len(days)  # steps first passed on each day, all trainees together
        done = [0] * len(days)  # trainees whose last missing step was passed on each day
        total = len(steps)
        per_user: dict[str, list[dt.datetime]] = defaultdict(list)
        for (user, _key), when in first.items():
            per_user[user].append(when)
            d = day(when)
            if d <= today:
                passes[index[max(d, start)]] += 1
        for times in per_user.values():
            if len(times) == total:
                d = day(max(times))
                if d <= today:
                    done[index[max(d, start)]] += 1
        n = len(users)
        completed, progress = [], []
        run_passes = run_done = 0
        for i in range(len(days)):
            run_passes += passes[i]
            run_done += done[i]
            completed.append(run_done / n)
            progress.append(run_passes / (n * total))
        return CompletionTimeline(tuple(days), tuple(completed), tuple(progress), n, tuple(due))

    # --- labs ------------------------------------------------------------------------------

    def _lab_metrics(self, s: Session, users: Sequence[str], course: Course) -> list[LabMetricStats]:
        labs = [step for _m, step in course.iter_steps() if step.kind == "lab" and step.lab is not None]
        if not labs:
            return []
        runs: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
        if users:
            for user, key, metrics in s.execute(
                    select(LabRun.user_id, LabRun.step_key, LabRun.metrics)
                    .where(LabRun.user_id.in_(users), LabRun.course_id == course.id,
                           LabRun.step_key.in_([st.key for st in labs]))
                    .order_by(LabRun.created_at)):
                runs[key].append((user, metrics if isinstance(metrics, dict) else {}))
            people = {r[0]: (r[1], r[2]) for r in s.execute(
                select(User.id, User.login, User.display_name).where(User.id.in_(users)))}
        else:
            people = {}
        out = []
        for step in labs:
            for obj in step.lab.objectives:
                best: dict[str, list[float | int]] = {}  # user -> [value, runs]
                for user, metrics in runs.get(step.key, []):
                    value = objective_value(obj, metrics)
                    if value is None:
                        continue
                    cur = best.get(user)
                    if cur is None:
                        best[user] = [value, 1]
                    else:
                        cur[1] += 1
                        if _better(obj.op, obj.target, value, cur[0], obj.target_max):
                            cur[0] = value
                values = tuple(MetricValue(u, *people.get(u, ("", "")), float(v), int(n))
                               for u, (v, n) in sorted(best.items(), key=lambda kv: people.get(kv[0], ("",))[0]))
                nums = [v.value for v in values]
                bounds = [obj.target] + ([obj.target_max] if obj.target_max is not None else [])
                edges, counts = histogram(nums, METRIC_BINS, min(nums + bounds), max(nums + bounds))
                out.append(LabMetricStats(step.key, obj.metric, obj.op, obj.target,
                                          dict(obj.label) if obj.label else None, values, edges, counts,
                                          obj.target_max, obj.stat))
        return out

    # --- time on task ----------------------------------------------------------------------

    def _step_times(self, s: Session, users: Sequence[str], course: Course) -> list[StepTime]:
        spent: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))  # step -> user -> seconds
        if users:
            a = StepAttempt
            for user, key, secs in s.execute(
                    select(a.user_id, a.step_key, func.sum(a.duration_s))
                    .where(a.user_id.in_(users), a.course_id == course.id, a.kind != "lesson")
                    .group_by(a.user_id, a.step_key)):
                spent[key][user] += float(secs or 0.0)
            lt = LessonTime
            for user, key, secs in s.execute(
                    select(lt.user_id, lt.step_key, func.sum(lt.seconds))
                    .where(lt.user_id.in_(users), lt.course_id == course.id).group_by(lt.user_id, lt.step_key)):
                spent[key][user] += float(secs or 0.0)
        out = []
        for _m, step in course.iter_steps():
            per_user = [v for v in spent.get(step.key, {}).values() if v > 0]
            out.append(StepTime(step.key, step.kind, sum(per_user), len(per_user),
                                statistics.fmean(per_user) if per_user else None,
                                statistics.median(per_user) if per_user else None,
                                float(step.estimated_minutes) * 60))
        return out

    # --- one trainee ------------------------------------------------------------------------

    def trainee_record(self, actor: Actor, user_id: str, courses: Mapping[str, Any]) -> TraineeRecord:
        """A trainee's progress in every course they take, every attempt, lab run and sign-off.

        ``courses`` maps course id to the loaded course (for the steps); progress in a
        course that is no longer installed is shown by its attempts only.
        """
        require_staff(actor)
        with self._sessions() as s:
            user = s.get(User, user_id)
            if user is None:
                raise LookupError(user_id)
            rec = TraineeRecord(user.id, user.login, user.display_name)
            rec.cohorts = list(s.scalars(select(Cohort.name).join(CohortMember, CohortMember.cohort_id == Cohort.id)
                                         .where(CohortMember.user_id == user_id).order_by(Cohort.name)))
            enrolled = {e.course_id: e for e in s.scalars(select(Enrollment).where(Enrollment.user_id == user_id))}
            a = StepAttempt
            rec.attempts = [AttemptEntry(as_utc(r.created_at), r.course_id, r.step_key, r.kind, r.score, r.passed,
                                         float(r.duration_s or 0.0))
                            for r in s.execute(select(a.created_at, a.course_id, a.step_key, a.kind, a.score,
                                                      a.passed, a.duration_s)
                                               .where(a.user_id == user_id)
                                               .order_by(a.created_at.desc(), a.id.desc()))]
            rec.lab_runs = [LabRunEntry(as_utc(r.created_at), r.course_id, r.step_key, dict(r.parameters or {}),
                                        dict(r.metrics or {}), r.score, r.passed)
                            for r in s.scalars(select(LabRun).where(LabRun.user_id == user_id)
                                               .order_by(LabRun.created_at.desc(), LabRun.id.desc()))]
            rec.signoffs = [SignOffEntry(as_utc(so.created_at), so.course_id, so.step_key, so.passed, name,
                                         so.comment, dict(so.checklist or {}))
                            for so, name in s.execute(select(SignOff, User.display_name)
                                                      .join(User, User.id == SignOff.instructor_id)
                                                      .where(SignOff.user_id == user_id)
                                                      .order_by(SignOff.created_at.desc(), SignOff.id.desc()))]
        taken = list(dict.fromkeys([*enrolled, *(x.course_id for x in reversed(rec.attempts))]))
        for course_id in taken:
            course = courses.get(course_id)
            if course is None:
                continue
            enr = enrolled.get(course_id)
            progress = self._progress.course_progress(actor, user_id, course_id, course.step_kinds())
            rec.courses.append(CourseEntry(course_id, progress, enr.due_date if enr else None,
                                           as_utc(enr.completed_at) if enr and enr.completed_at else None))
        return rec


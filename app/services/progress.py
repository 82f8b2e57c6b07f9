"""Recording and reading a trainee's progress: attempts, lab runs, time on task, drafts.

Progress is keyed on (course id, "module/step"), never on course version, so a
new version of a course keeps the completion of steps whose ids are unchanged.
Commits that complete a step are made durable (synchronous=FULL).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.courses.models import Course, Step
from app.i18n import _, ngettext
from app.services import grading
from app.services.auth import Actor, ServiceError, as_utc, require_self_or_staff, require_staff
from app.services.errors import storage_errors
from app.storage.db import durable
from app.storage.models import AuditEntry, Draft, Enrollment, LabRun, LessonTime, SignOff, StepAttempt, User, utcnow


class StepStatus(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    PASSED = "passed"
    FAILED = "failed"
    AWAITING_SIGNOFF = "awaiting_signoff"


@dataclass(frozen=True)
class StepRecord:
    """What a trainee did on one step, derived from the stored attempts."""

    status: StepStatus
    attempts: int
    best_score: float | None
    time_s: float


@dataclass(frozen=True)
class SignOffInfo:
    step_key: str
    passed: bool
    checklist: dict[str, bool]
    comment: str
    instructor_name: str
    signed_at: dt.datetime


@dataclass(frozen=True)
class CourseProgress:
    course_id: str
    steps: dict[str, StepRecord]
    total_steps: int
    practicals: frozenset[str] = frozenset()  # steps only an instructor can finish

    @property
    def passed_steps(self) -> int:
        return sum(1 for r in self.steps.values() if r.status is StepStatus.PASSED)

    @property
    def fraction(self) -> float:
        return self.passed_steps / self.total_steps if self.total_steps else 0.0

    @property
    def time_s(self) -> float:
        return sum(r.time_s for r in self.steps.values())

    @property
    def complete(self) -> bool:
        """Every step passed (lessons read, quizzes and labs passed, practicals signed off)."""
        return bool(self.total_steps) and self.passed_steps == self.total_steps

    def next_incomplete(self, order: Iterable[str], after: str | None = None) -> str | None:
        """The next step in ``order`` not passed yet, looking after ``after`` first and then wrapping round.

        Steps only an instructor can finish (practicals awaiting sign-off) come last.
        """
        order = list(order)
        if after in order:
            i = order.index(after) + 1
            order = order[i:] + order[:i]
        for key in order:
            if self.status(key) not in (StepStatus.PASSED, StepStatus.AWAITING_SIGNOFF) and key not in self.practicals:
                return key
        return next((k for k in order if self.status(k) is not StepStatus.PASSED), None)

    def status(self, step_key: str) -> StepStatus:
        rec = self.steps.get(step_key)
        return rec.status if rec else StepStatus.NOT_STARTED


@storage_errors
class ProgressService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str = "") -> None:
        self._sessions = sessions
        self._ws = workstation_id

    # --- writes (each one a unit of work) ----------------------------------

    def record_lesson(self, actor: Actor, course_id: str, version: str, step_key: str,
                      seconds: float, completed: bool) -> None:
        """Time on task, and a passed attempt when the trainee marks the lesson read."""
        with self._sessions() as s, s.begin():
            if seconds > 0:
                s.add(LessonTime(user_id=actor.user_id, course_id=course_id, step_key=step_key,
                                 seconds=round(seconds, 1), workstation_id=self._ws))
            if completed:
                with durable(s):
                    s.add(StepAttempt(user_id=actor.user_id, course_id=course_id, course_version=version,
                                      step_key=step_key, kind="lesson", finished_at=utcnow(),
                                      duration_s=round(seconds, 1), score=None, passed=True,
                                      workstation_id=self._ws))
                    s.flush()

    # --- graded work: the service grades, callers never send a score ---------

    def start_quiz(self, actor: Actor, course: Course, step: Step) -> grading.QuizDraw:
        """The draw of the acting user's attempt: the one already started, else a new one (kept in the draft)."""
        step = grading.course_step(course, step, "quiz")
        with self._sessions() as s, s.begin():
            draft = s.get(Draft, (actor.user_id, course.id, step.key))
            draw = grading.stored_draw(draft.state if draft else None, step.quiz)
            if draw is not None:
                return draw
            draw = grading.new_draw(step.quiz, utcnow())
            if draft is None:
                s.add(Draft(user_id=actor.user_id, course_id=course.id, step_key=step.key,
                            state={"draw": draw.to_state()}))
            else:
                draft.state = {"draw": draw.to_state()}  # an attempt of a quiz that has changed since
                draft.updated_at = utcnow()
            return draw

    def submit_quiz(self, actor: Actor, course: Course, step: Step, responses: dict[str, Any], *,
                    duration_s: float = 0.0) -> grading.QuizOutcome:
        """Grade the started attempt against its stored draw, store it and drop the draft.

        Unanswered questions score nothing; the quiz's ``max_attempts`` is enforced here.
        """
        step = grading.course_step(course, step, "quiz")
        quiz = step.quiz
        with self._sessions() as s, s.begin(), durable(s):
            draft = s.get(Draft, (actor.user_id, course.id, step.key))
            draw = grading.stored_draw(draft.state if draft else None, quiz)
            if draw is None:
                raise grading.GradingError(
                    _("This quiz attempt was not started (or the quiz has changed since): start it again."))
            result, answers = grading.grade_quiz_attempt(quiz, draw, responses)
            attempt_id = self._store_attempt(s, actor, course.id, course.version, step.key, kind="quiz",
                                             score=result.score, passed=result.passed, answers=answers,
                                             duration_s=duration_s, started_at=_parse_time(draw.started_at),
                                             max_attempts=quiz.max_attempts)
        return grading.QuizOutcome(attempt_id, result)

    def submit_lab(self, actor: Actor, course: Course, step: Step, settings: dict[str, Any], *,
                   duration_s: float = 0.0, parallel: bool = True) -> grading.LabOutcome:
        """Run the lab with ``settings`` as graded (grading seed and replications), grade and store the run.

        Takes seconds: call it off the UI thread. GradingError for settings the lab does not allow.
        """
        step = grading.course_step(course, step, "lab")
        outcome = grading.run_lab(course, step, settings, parallel=parallel)
        with self._sessions() as s, s.begin(), durable(s):
            run_id = self._store_lab_run(s, actor, course.id, course.version, step.key,
                                         parameters=outcome.parameters, seed=outcome.seed, metrics=outcome.metrics,
                                         score=outcome.grade.score, passed=outcome.grade.passed,
                                         duration_s=duration_s)
        return grading.LabOutcome(run_id, outcome.grade, outcome.metrics, outcome.parameters, outcome.seed)

    def _store_lab_run(self, s: Session, actor: Actor, course_id: str, version: str, step_key: str, *,
                       parameters: dict[str, Any], seed: int, metrics: dict[str, Any], score: float,
                       passed: bool, duration_s: float) -> str:
        """One graded lab run and its attempt (the caller grades it; only this module calls this)."""
        attempt_id = self._store_attempt(s, actor, course_id, version, step_key, kind="lab", score=score,
                                         passed=passed, answers={"parameters": parameters}, duration_s=duration_s)
        run = LabRun(user_id=actor.user_id, attempt_id=attempt_id, course_id=course_id, course_version=version,
                     step_key=step_key, parameters=parameters, seed=seed, metrics=_finite(metrics), score=score,
                     passed=passed, workstation_id=self._ws)
        s.add(run)
        s.flush()
        return run.id

    def _store_attempt(self, s: Session, actor: Actor, course_id: str, version: str, step_key: str, *,
                       kind: str, score: float, passed: bool, answers: dict[str, Any], duration_s: float,
                       started_at: dt.datetime | None = None, max_attempts: int | None = None) -> str:
        """One graded attempt (the caller grades it; only this module calls this). Drops the draft."""
        if max_attempts is not None:
            used = s.scalar(select(func.count()).select_from(StepAttempt).where(
                StepAttempt.user_id == actor.user_id, StepAttempt.course_id == course_id,
                StepAttempt.step_key == step_key, StepAttempt.kind == kind)) or 0
            if used >= max_attempts:
                raise ServiceError(ngettext("No attempts left: this quiz allows {n} attempt.",
                                            "No attempts left: this quiz allows {n} attempts.",
                                            max_attempts).format(n=max_attempts))
        attempt = StepAttempt(user_id=actor.user_id, course_id=course_id, course_version=version,
                              step_key=step_key, kind=kind, started_at=started_at or utcnow(),
                              finished_at=utcnow(), duration_s=round(max(0.0, duration_s), 1), score=score,
                              passed=passed, answers=answers, workstation_id=self._ws)
        s.add(attempt)
        if kind == "quiz":
            s.execute(delete(Draft).where(Draft.user_id == actor.user_id, Draft.course_id == course_id,
                                          Draft.step_key == step_key))
        s.flush()
        return attempt.id

    def sign_off(self, actor: Actor, trainee_id: str, course_id: str, step_key: str,
                 checklist: dict[str, bool], comment: str = "") -> str:
        """An instructor signs off a practical; recorded in the audit log."""
        require_staff(actor)
        passed = bool(checklist) and all(checklist.values())
        with self._sessions() as s, s.begin(), durable(s):
            row = SignOff(user_id=trainee_id, instructor_id=actor.user_id, course_id=course_id,
                          step_key=step_key, checklist=checklist, passed=passed, comment=comment,
                          workstation_id=self._ws)
            s.add(row)
            s.add(AuditEntry(actor_id=actor.user_id, action="practical.signoff", target_user_id=trainee_id,
                             details={"course_id": course_id, "step_key": step_key, "passed": passed,
                                      "checklist": checklist}, workstation_id=self._ws))
            s.flush()
            return row.id

    # --- enrollment -----------------------------------------------------------

    def enroll(self, actor: Actor, course_id: str, version: str) -> Enrollment:
        """Enroll the acting user (idempotent: an existing enrollment is returned unchanged)."""
        with self._sessions() as s, s.begin():
            row = self._own_enrollment(s, actor, course_id, version)
            s.flush()
            s.expunge(row)
            return row

    def _own_enrollment(self, s: Session, actor: Actor, course_id: str, version: str) -> Enrollment:
        """The acting user's enrollment in a course, created when missing."""
        row = s.scalar(select(Enrollment).where(Enrollment.user_id == actor.user_id,
                                                Enrollment.course_id == course_id))
        if row is None:
            row = Enrollment(user_id=actor.user_id, course_id=course_id, course_version=version,
                             workstation_id=self._ws)
            s.add(row)
        return row

    def enrollment(self, actor: Actor, user_id: str, course_id: str) -> Enrollment | None:
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            return s.scalar(select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id))

    def enrollments(self, actor: Actor, user_id: str) -> list[Enrollment]:
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            return list(s.scalars(select(Enrollment).where(Enrollment.user_id == user_id)
                                  .order_by(Enrollment.created_at)))

    def mark_course_completed(self, actor: Actor, course_id: str, version: str) -> bool:
        """Stamp the acting user's enrollment as completed once; True if it was stamped now."""
        with self._sessions() as s, s.begin():
            row = self._own_enrollment(s, actor, course_id, version)
            if row.completed_at is not None:
                return False
            row.completed_at = utcnow()
            return True

    # --- drafts: work in progress survives closing and the idle lock ---------

    def save_draft(self, actor: Actor, course_id: str, step_key: str, state: dict[str, Any]) -> None:
        """Store work in progress. A quiz's ``draw`` is the service's (``start_quiz``): a caller cannot set it."""
        with self._sessions() as s, s.begin():
            draft = s.get(Draft, (actor.user_id, course_id, step_key))
            state = {k: v for k, v in dict(state).items() if k != "draw"}
            if draft is None:
                s.add(Draft(user_id=actor.user_id, course_id=course_id, step_key=step_key, state=state))
            else:
                if isinstance(draft.state, dict) and "draw" in draft.state:
                    state["draw"] = draft.state["draw"]
                draft.state = state
                draft.updated_at = utcnow()

    def load_draft(self, actor: Actor, course_id: str, step_key: str) -> dict[str, Any] | None:
        with self._sessions() as s:
            draft = s.get(Draft, (actor.user_id, course_id, step_key))
            return dict(draft.state) if draft else None

    def clear_draft(self, actor: Actor, course_id: str, step_key: str) -> None:
        with self._sessions() as s, s.begin():
            s.execute(delete(Draft).where(Draft.user_id == actor.user_id, Draft.course_id == course_id,
                                          Draft.step_key == step_key))

    # --- reads -------------------------------------------------------------

    def course_progress(self, actor: Actor, user_id: str, course_id: str,
                        steps: Iterable[tuple[str, str]]) -> CourseProgress:
        """Derive each step's status from the stored records.

        ``steps`` are (step_key, kind) pairs of the course as installed now.
        """
        require_self_or_staff(actor, user_id)
        steps = list(steps)
        with self._sessions() as s:
            attempts = s.execute(select(StepAttempt.step_key, StepAttempt.score, StepAttempt.passed,
                                        StepAttempt.duration_s)
                                 .where(StepAttempt.user_id == user_id, StepAttempt.course_id == course_id)).all()
            signoffs = s.execute(select(SignOff.step_key, SignOff.passed)
                                 .where(SignOff.user_id == user_id, SignOff.course_id == course_id)).all()
            lesson_time = s.execute(select(LessonTime.step_key, LessonTime.seconds)
                                    .where(LessonTime.user_id == user_id, LessonTime.course_id == course_id)).all()
            drafts = set(s.scalars(select(Draft.step_key).where(Draft.user_id == user_id,
                                                                Draft.course_id == course_id)))
        by_step: dict[str, list] = {}
        for row in attempts:
            by_step.setdefault(row[0], []).append(row)
        signed: dict[str, bool] = {}
        for key, passed in signoffs:
            signed[key] = signed.get(key, False) or passed
        times: dict[str, float] = {}
        for key, secs in lesson_time:
            times[key] = times.get(key, 0.0) + secs
        records: dict[str, StepRecord] = {}
        for key, kind in steps:
            rows = by_step.get(key, [])
            scores = [r[1] for r in rows if r[1] is not None]
            time_s = times.get(key, 0.0) + sum(r[3] for r in rows if kind != "lesson")
            if kind == "practical":
                if key in signed:
                    status = StepStatus.PASSED if signed[key] else StepStatus.FAILED
                elif key in drafts or key in times:  # the trainee has opened it: now it is the instructor's turn
                    status = StepStatus.AWAITING_SIGNOFF
                else:
                    status = StepStatus.NOT_STARTED
            elif any(r[2] for r in rows):
                status = StepStatus.PASSED
            elif rows:
                status = StepStatus.FAILED
            elif key in drafts or key in times:
                status = StepStatus.IN_PROGRESS
            else:
                status = StepStatus.NOT_STARTED
            records[key] = StepRecord(status, len(rows), max(scores) if scores else None, time_s)
        return CourseProgress(course_id, records, len(steps),
                              frozenset(key for key, kind in steps if kind == "practical"))

    def attempts(self, actor: Actor, user_id: str, course_id: str, step_key: str) -> list[StepAttempt]:
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            return list(s.scalars(select(StepAttempt).where(
                StepAttempt.user_id == user_id, StepAttempt.course_id == course_id,
                StepAttempt.step_key == step_key).order_by(StepAttempt.started_at)))

    def lab_runs(self, actor: Actor, user_id: str, course_id: str | None = None) -> list[LabRun]:
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            q = select(LabRun).where(LabRun.user_id == user_id)
            if course_id:
                q = q.where(LabRun.course_id == course_id)
            return list(s.scalars(q.order_by(LabRun.created_at)))

    def attempt_count(self, actor: Actor, user_id: str, course_id: str, step_key: str, kind: str) -> int:
        return sum(1 for a in self.attempts(actor, user_id, course_id, step_key) if a.kind == kind)

    def best_lab_runs(self, actor: Actor, user_id: str, course_id: str | None = None) -> dict[tuple[str, str], LabRun]:
        """The best run per (course, step): highest score, passed before failed, earliest on a tie."""
        best: dict[tuple[str, str], LabRun] = {}
        for run in self.lab_runs(actor, user_id, course_id):
            key = (run.course_id, run.step_key)
            cur = best.get(key)
            if cur is None or (run.passed, run.score) > (cur.passed, cur.score):
                best[key] = run
        return best

    def signoffs(self, actor: Actor, user_id: str, course_id: str) -> dict[str, SignOffInfo]:
        """The latest sign-off per practical step, with the instructor's name."""
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            rows = s.execute(select(SignOff, User.display_name).join(User, User.id == SignOff.instructor_id)
                             .where(SignOff.user_id == user_id, SignOff.course_id == course_id)
                             .order_by(SignOff.created_at)).all()
        return {row.step_key: SignOffInfo(row.step_key, row.passed, dict(row.checklist or {}), row.comment,
                                          name, as_utc(row.created_at))
                for row, name in rows}


def _parse_time(text: str) -> dt.datetime | None:
    try:
        return as_utc(dt.datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None


def _finite(value: Any) -> Any:
    """A metric the simulation could not define (NaN, ±inf: e.g. a mean over no finished parts) is stored as
    null: JSON has no such numbers, and PostgreSQL refuses them in a JSON column — the graded run would be lost."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value

"""Exam sessions (issue 19): opened by an instructor, taken by trainees, sealed, regraded.

The service decides everything that matters: who may open, start, answer and regrade, what
each trainee draws (from the course's exam blueprint and a stored seed), when time is up,
and the grade. Callers never see correctness before an attempt has ended.

The clock is stored, not kept in memory: an attempt has a fixed ``deadline_at`` (start +
time limit + the trainee's extra time), so after a crash, a lock or a restart the exam
resumes with the time that is really left, and its answers (each one committed as given).
An attempt past its deadline is submitted as it stands by whichever call sees it first.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.clock import as_utc, utcnow
from app.courses import exam as exam_def
from app.courses import models as m
from app.i18n import _
from app.services import grading
from app.services.auth import Actor, PermissionDenied, ServiceError, require_self_or_staff, require_staff
from app.services.errors import storage_errors
from app.services.exam_seal import seal_of
from app.services.exam_types import ExamResult, ExamSessionInfo, ExamSitting, RegradeChange, RosterEntry
from app.services.grading import _plain as plain_response  # the quiz's JSON-safe response rule
from app.storage.db import durable
from app.storage.models import (
    AuditEntry,
    Cohort,
    CohortMember,
    ExamAttempt,
    ExamGrant,
    ExamRegrade,
    ExamSession,
    User,
    Workstation,
)

__all__ = ["ExamError", "ExamResult", "ExamService", "ExamSessionInfo", "ExamSitting", "ExamTimeUp", "RegradeChange",
           "RosterEntry"]

RUNNING, SUBMITTED, TIMEOUT, CLOSED = "", "submitted", "timeout", "closed"


class ExamError(ServiceError):
    """An exam action that cannot be done now (closed session, no attempt left, time is up …)."""


class ExamTimeUp(ExamError):
    """The attempt's time ran out: it has been submitted as it stood."""


CourseLookup = Callable[[str], m.Course]
# Asked before a trainee starts: raises a ServiceError saying why not (the review streak a course asks for).
ExamGate = Callable[[Actor, str, m.Course], None]


@storage_errors
class ExamService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str, courses: CourseLookup,
                 clock: Callable[[], dt.datetime] = utcnow, *, parallel_labs: bool = True,
                 gate: ExamGate | None = None) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._courses = courses
        self._now = clock
        self._parallel = parallel_labs
        self._gate = gate

    @property
    def workstation_id(self) -> str:
        return self._ws

    def now(self) -> dt.datetime:
        """The service's clock (the exam runner counts down against it)."""
        return self._now()

    def _course(self, course_id: str) -> m.Course:
        try:
            course = self._courses(course_id)
        except KeyError:
            course = None
        if course is None:
            raise ExamError(_("The course “{id}” is not installed on this workstation.").format(id=course_id))
        if course.exam is None:
            raise ExamError(_("The course “{id}” has no exam.").format(id=course_id))
        return course

    # --- instructor: sessions ----------------------------------------------------------------

    def open_session(self, actor: Actor, course_id: str, cohort_id: str, workstation_ids: Iterable[str],
                     extra_minutes: dict[str, float] | None = None) -> ExamSessionInfo:
        """Open an exam of ``course_id`` for a class on the given workstations (ids, at least one)."""
        require_staff(actor)
        course = self._course(course_id)
        problems = exam_def.check_exam(course)
        if problems:
            raise ExamError(problems[0][1])
        stations = sorted({w.strip() for w in workstation_ids if w and w.strip()})
        if not stations:
            raise ExamError(_("Choose at least one workstation for the exam."))
        extra: dict[str, float] = {}
        for user_id, minutes in (extra_minutes or {}).items():
            if not isinstance(minutes, int | float) or not 0 <= minutes <= 600:
                raise ExamError(_("Extra time must be between 0 and 600 minutes."))
            if minutes:
                extra[user_id] = round(float(minutes) * 60, 1)
        with self._sessions() as s, s.begin(), durable(s):
            cohort = s.get(Cohort, cohort_id)
            if cohort is None or cohort.archived:
                raise ExamError(_("This class no longer exists."))
            members = set(s.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
            if extra.keys() - members:
                raise ExamError(_("Extra time can only be given to members of the class."))
            row = ExamSession(course_id=course.id, course_version=course.version, cohort_id=cohort_id,
                              proctor_id=actor.user_id, exam=course.exam.model_dump(mode="json"),
                              workstation_ids=stations, extra_s=extra, opened_at=self._now(),
                              workstation_id=self._ws)
            s.add(row)
            s.flush()
            s.add(AuditEntry(actor_id=actor.user_id, action="exam.open",
                             details={"session_id": row.id, "course_id": course.id, "cohort_id": cohort_id,
                                      "workstations": stations, "extra_s": extra}, workstation_id=self._ws))
            return self._session_info(s, row)

    def close_session(self, actor: Actor, session_id: str) -> int:
        """Close a session: nobody can start any more, and running attempts are submitted as they stand.

        Returns how many running attempts were submitted.
        """
        require_staff(actor)
        with self._sessions() as s, s.begin(), durable(s):
            row = self._session_row(s, session_id)
            if row.closed_at is not None:
                raise ExamError(_("This exam session is already closed."))
            now = self._now()
            row.closed_at = now
            row.closed_by = actor.user_id
            running = list(s.scalars(select(ExamAttempt).where(ExamAttempt.session_id == session_id,
                                                               ExamAttempt.ended_at.is_(None))))
            for attempt in running:
                expired = now >= as_utc(attempt.deadline_at)
                self._finish(s, attempt, TIMEOUT if expired else CLOSED, now)
            s.add(AuditEntry(actor_id=actor.user_id, action="exam.close",
                             details={"session_id": session_id, "submitted": len(running)},
                             workstation_id=self._ws))
            return len(running)

    def add_time(self, actor: Actor, session_id: str, user_id: str, minutes: float) -> None:
        """Give a trainee extra time in an open session (also to an attempt already running)."""
        require_staff(actor)
        if not isinstance(minutes, int | float) or not 0 < minutes <= 600:
            raise ExamError(_("Extra time must be between 0 and 600 minutes."))
        with self._sessions() as s, s.begin(), durable(s):
            row = self._open_session_row(s, session_id)
            extra = dict(row.extra_s or {})
            extra[user_id] = round(float(extra.get(user_id, 0.0)) + minutes * 60, 1)
            row.extra_s = extra
            attempt = self._running(s, user_id, session_id)
            if attempt is not None:
                attempt.deadline_at = as_utc(attempt.deadline_at) + dt.timedelta(minutes=minutes)
                attempt.extra_s = round(attempt.extra_s + minutes * 60, 1)
            s.add(AuditEntry(actor_id=actor.user_id, action="exam.extra_time", target_user_id=user_id,
                             details={"session_id": session_id, "minutes": minutes}, workstation_id=self._ws))

    def grant_attempt(self, actor: Actor, session_id: str, user_id: str, reason: str = "") -> None:
        """Allow a trainee one more attempt in this session."""
        require_staff(actor)
        with self._sessions() as s, s.begin(), durable(s):
            row = self._open_session_row(s, session_id)
            if s.get(CohortMember, (row.cohort_id, user_id)) is None:
                raise ExamError(_("Only members of the class can take this exam."))
            s.add(ExamGrant(session_id=session_id, user_id=user_id, granted_by=actor.user_id, reason=reason,
                            workstation_id=self._ws))
            s.add(AuditEntry(actor_id=actor.user_id, action="exam.grant", target_user_id=user_id,
                             details={"session_id": session_id, "reason": reason}, workstation_id=self._ws))

    def sessions(self, actor: Actor, *, open_only: bool = False, course_id: str | None = None) -> list[ExamSessionInfo]:
        require_staff(actor)
        with self._sessions() as s:
            q = select(ExamSession)
            if open_only:
                q = q.where(ExamSession.closed_at.is_(None))
            if course_id:
                q = q.where(ExamSession.course_id == course_id)
            return [self._session_info(s, r) for r in s.scalars(q.order_by(ExamSession.opened_at.desc()))]

    def session(self, actor: Actor, session_id: str) -> ExamSessionInfo:
        require_staff(actor)
        with self._sessions() as s:
            return self._session_info(s, self._session_row(s, session_id))

    def known_workstations(self, actor: Actor) -> list[tuple[str, str]]:
        """(workstation id, label) of this workstation and the enrolled ones whose id is known."""
        require_staff(actor)
        found = {self._ws: _("This workstation")}
        with self._sessions() as s:
            for name, ws_id in s.execute(select(Workstation.name, Workstation.last_workstation_id)
                                         .where(Workstation.revoked_at.is_(None))):
                if ws_id and ws_id not in found:
                    found[ws_id] = name or ws_id
        return list(found.items())

    def roster(self, actor: Actor, session_id: str) -> list[RosterEntry]:
        """Every class member with their state in the session; expired attempts are submitted first."""
        require_staff(actor)
        self._submit_expired(session_id=session_id)
        now = self._now()
        with self._sessions() as s:
            row = self._session_row(s, session_id)
            members = s.execute(select(User.id, User.display_name, User.login)
                                .join(CohortMember, CohortMember.user_id == User.id)
                                .where(CohortMember.cohort_id == row.cohort_id).order_by(User.display_name)).all()
            attempts = list(s.scalars(select(ExamAttempt).where(ExamAttempt.session_id == session_id)
                                      .order_by(ExamAttempt.attempt_no)))
            grants = dict(s.execute(select(ExamGrant.user_id, func.count()).where(ExamGrant.session_id == session_id)
                                    .group_by(ExamGrant.user_id)).all())
        out = []
        for user_id, name, login in members:
            mine = [a for a in attempts if a.user_id == user_id]
            last = mine[-1] if mine else None
            if last is None:
                state, remaining = "not_started", None
            elif last.ended_at is None:
                state, remaining = "running", max(0.0, (as_utc(last.deadline_at) - now).total_seconds())
            else:
                state, remaining = "finished", None
            done = last is not None and last.ended_at is not None
            out.append(RosterEntry(user_id, name, login, state, len(mine), 1 + grants.get(user_id, 0), remaining,
                                   last.score if done else None, last.passed if done else None))
        return out

    def results(self, actor: Actor, session_id: str) -> list[ExamResult]:
        require_staff(actor)
        self._submit_expired(session_id=session_id)
        with self._sessions() as s:
            rows = list(s.scalars(select(ExamAttempt).where(ExamAttempt.session_id == session_id,
                                                            ExamAttempt.ended_at.is_not(None))
                                  .order_by(ExamAttempt.created_at)))
            return [self._result(s, a) for a in rows]

    def regrade(self, actor: Actor, course_id: str, reason: str = "") -> list[RegradeChange]:
        """Regrade every finished attempt of a course against its installed (corrected) key.

        Each changed result is stored, resealed, and audited (old and new score, pass, seal).
        """
        require_staff(actor)
        course = self._course(course_id)
        changes: list[RegradeChange] = []
        with self._sessions() as s, s.begin(), durable(s):
            rows = list(s.scalars(select(ExamAttempt).where(ExamAttempt.course_id == course_id,
                                                            ExamAttempt.ended_at.is_not(None))))
            for a in rows:
                practical = (a.practical or {}).get("score")
                new = exam_def.grade(course, a.question_ids, a.answers or {}, practical)
                if new.score == a.score and new.passed == a.passed:
                    continue
                old_score, old_passed, old_seal = a.score, a.passed, a.seal
                a.score, a.passed = new.score, new.passed
                a.detail = _detail(new, practical)
                a.seal = seal_of(a)
                user = s.get(User, a.user_id)
                name = user.display_name if user else ""
                s.add(ExamRegrade(attempt_id=a.id, actor_id=actor.user_id, reason=reason, old_score=old_score,
                                  new_score=new.score, old_passed=old_passed, new_passed=new.passed,
                                  old_seal=old_seal, new_seal=a.seal, details={"course_version": course.version},
                                  workstation_id=self._ws))
                s.add(AuditEntry(actor_id=actor.user_id, action="exam.regrade", target_user_id=a.user_id,
                                 details={"attempt_id": a.id, "old_score": old_score, "new_score": new.score,
                                          "old_passed": old_passed, "new_passed": new.passed, "reason": reason},
                                 workstation_id=self._ws))
                changes.append(RegradeChange(a.id, name, old_score, new.score, old_passed, new.passed))
        return changes

    def regrade_log(self, actor: Actor, course_id: str) -> list[ExamRegrade]:
        require_staff(actor)
        with self._sessions() as s:
            return list(s.scalars(select(ExamRegrade).join(ExamAttempt, ExamAttempt.id == ExamRegrade.attempt_id)
                                  .where(ExamAttempt.course_id == course_id).order_by(ExamRegrade.created_at)))

    # --- trainee: taking the exam -----------------------------------------------------------

    def available(self, actor: Actor) -> list[ExamSessionInfo]:
        """Open sessions the acting user may sit on this workstation (a member of the class)."""
        with self._sessions() as s:
            rows = s.scalars(select(ExamSession).join(CohortMember, CohortMember.cohort_id == ExamSession.cohort_id)
                             .where(ExamSession.closed_at.is_(None), CohortMember.user_id == actor.user_id)
                             .order_by(ExamSession.opened_at))
            return [self._session_info(s, r) for r in rows if self._ws in (r.workstation_ids or [])]

    def current(self, actor: Actor) -> ExamSitting | None:
        """The acting user's running attempt, resumed with its stored answers and the time really left.

        None when there is none; an attempt whose time ran out meanwhile is submitted first.
        """
        self._submit_expired(user_id=actor.user_id)
        with self._sessions() as s:
            attempt = self._running(s, actor.user_id)
            return self._sitting(s, attempt) if attempt is not None else None

    def start(self, actor: Actor, session_id: str) -> ExamSitting:
        """Start (or resume) the acting user's attempt: only in an open session, on an allowed workstation,
        for a class member, one attempt unless the instructor granted another."""
        self._submit_expired(user_id=actor.user_id)
        with self._sessions() as s, s.begin(), durable(s):
            row = self._open_session_row(s, session_id)
            if self._ws not in (row.workstation_ids or []):
                raise ExamError(_("This exam cannot be taken on this workstation."))
            if s.get(CohortMember, (row.cohort_id, actor.user_id)) is None:
                raise PermissionDenied(_("Only members of the class can take this exam."))
            running = self._running(s, actor.user_id)
            if running is not None:
                if running.session_id != session_id:
                    raise ExamError(_("Finish the exam you have started first."))
                return self._sitting(s, running)
            used = s.scalar(select(func.count()).select_from(ExamAttempt).where(
                ExamAttempt.session_id == session_id, ExamAttempt.user_id == actor.user_id)) or 0
            granted = s.scalar(select(func.count()).select_from(ExamGrant).where(
                ExamGrant.session_id == session_id, ExamGrant.user_id == actor.user_id)) or 0
            if used >= 1 + granted:
                raise ExamError(_("You have used your attempt at this exam; the instructor can grant another."))
            course = self._course(row.course_id)
            if self._gate is not None:
                try:
                    self._gate(actor, actor.user_id, course)
                except ServiceError as exc:
                    raise ExamError(str(exc)) from None
            seed = random.SystemRandom().randrange(1, 2**31)
            try:
                qids = exam_def.draw(course, seed)
            except exam_def.ExamDefinitionError as exc:
                raise ExamError(str(exc)) from None
            now = self._now()
            extra = float((row.extra_s or {}).get(actor.user_id, 0.0))
            limit = float(row.exam.get("time_limit_minutes", 0)) * 60
            attempt = ExamAttempt(session_id=session_id, user_id=actor.user_id, course_id=row.course_id,
                                  course_version=course.version, attempt_no=used + 1, seed=seed, question_ids=qids,
                                  answers={}, practical={}, started_at=now,
                                  deadline_at=now + dt.timedelta(seconds=limit + extra), extra_s=extra,
                                  proctor_id=row.proctor_id, workstation_id=self._ws)
            s.add(attempt)
            s.flush()
            return self._sitting(s, attempt)

    def answer(self, actor: Actor, attempt_id: str, question_id: str, response: Any) -> float:
        """Store one answer as given (durable); returns the seconds left. Never says whether it is right."""
        self._submit_expired(user_id=actor.user_id)
        with self._sessions() as s, s.begin(), durable(s):
            attempt = self._own_running(s, actor, attempt_id)
            if question_id not in attempt.question_ids:
                raise ExamError(_("This question is not part of your exam."))
            answers = dict(attempt.answers or {})
            answers[question_id] = plain_response(response)
            attempt.answers = answers
            return max(0.0, (as_utc(attempt.deadline_at) - self._now()).total_seconds())

    def submit_practical(self, actor: Actor, attempt_id: str, settings: dict[str, Any]) -> None:
        """Run the exam's lab with ``settings`` as graded (its seed and replications) and keep the grade
        sealed in the attempt. Once per attempt; returns nothing, as no feedback is given before the end.

        Takes seconds: call it off the UI thread.
        """
        self._submit_expired(user_id=actor.user_id)
        with self._sessions() as s:
            attempt = self._own_running(s, actor, attempt_id)
            if attempt.practical:
                raise ExamError(_("The practical part has already been submitted."))
            course = self._course(attempt.course_id)
        practical = course.exam.practical
        step = course.step(practical.lab) if practical else None
        if step is None or step.lab is None:
            raise ExamError(_("This exam has no practical part."))
        outcome = grading.run_lab(course, step, settings, parallel=self._parallel)
        with self._sessions() as s, s.begin(), durable(s):
            attempt = self._own_running(s, actor, attempt_id)
            if attempt.practical:
                raise ExamError(_("The practical part has already been submitted."))
            attempt.practical = {"lab": practical.lab, "parameters": outcome.parameters, "seed": outcome.seed,
                                 "replications": step.lab.grading_replications, "metrics": outcome.metrics,
                                 "score": outcome.grade.score, "passed": outcome.grade.passed}

    def finish(self, actor: Actor, attempt_id: str) -> ExamResult:
        """Submit the acting user's attempt: graded, sealed, and only now its result is shown."""
        with self._sessions() as s, s.begin(), durable(s):
            attempt = s.get(ExamAttempt, attempt_id)
            if attempt is None or attempt.user_id != actor.user_id:
                raise PermissionDenied(_("This is not your exam."))
            if attempt.ended_at is None:
                now = self._now()
                expired = now >= as_utc(attempt.deadline_at)
                self._finish(s, attempt, TIMEOUT if expired else SUBMITTED, now)
            return self._result(s, attempt)

    def result(self, actor: Actor, attempt_id: str) -> ExamResult:
        """A finished attempt's result (the trainee's own, or any for staff)."""
        with self._sessions() as s:
            attempt = s.get(ExamAttempt, attempt_id)
            if attempt is None:
                raise ExamError(_("This exam attempt does not exist."))
            require_self_or_staff(actor, attempt.user_id)
            if attempt.ended_at is None:
                raise ExamError(_("The result is shown when the exam has ended."))
            return self._result(s, attempt)

    def latest_result(self, actor: Actor, course_id: str) -> ExamResult | None:
        with self._sessions() as s:
            attempt = s.scalar(select(ExamAttempt).where(ExamAttempt.user_id == actor.user_id,
                                                         ExamAttempt.course_id == course_id,
                                                         ExamAttempt.ended_at.is_not(None))
                               .order_by(ExamAttempt.ended_at.desc()).limit(1))
            return self._result(s, attempt) if attempt is not None else None

    def questions(self, actor: Actor, attempt_id: str) -> list[exam_def.ExamQuestion]:
        """The drawn questions of the acting user's running attempt, in order, options in the attempt's
        shuffle (from its seed). A question no longer in the course is left out."""
        with self._sessions() as s:
            attempt = self._own_running(s, actor, attempt_id)
            qids, seed, course_id = list(attempt.question_ids), attempt.seed, attempt.course_id
        return exam_def.presented(self._course(course_id), qids, seed)

    # --- internals --------------------------------------------------------------------------

    def _session_row(self, s: Session, session_id: str) -> ExamSession:
        row = s.get(ExamSession, session_id)
        if row is None:
            raise ExamError(_("This exam session does not exist."))
        return row

    def _open_session_row(self, s: Session, session_id: str) -> ExamSession:
        row = self._session_row(s, session_id)
        if row.closed_at is not None:
            raise ExamError(_("This exam session is closed."))
        return row

    @staticmethod
    def _running(s: Session, user_id: str, session_id: str | None = None) -> ExamAttempt | None:
        q = select(ExamAttempt).where(ExamAttempt.user_id == user_id, ExamAttempt.ended_at.is_(None))
        if session_id:
            q = q.where(ExamAttempt.session_id == session_id)
        return s.scalar(q.order_by(ExamAttempt.started_at.desc()).limit(1))

    def _own_running(self, s: Session, actor: Actor, attempt_id: str) -> ExamAttempt:
        attempt = s.get(ExamAttempt, attempt_id)
        if attempt is None or attempt.user_id != actor.user_id:
            raise PermissionDenied(_("This is not your exam."))
        if attempt.ended_at is not None:
            if attempt.end_reason == TIMEOUT:
                raise ExamTimeUp(_("Time is up: your exam was submitted with the answers given."))
            raise ExamError(_("This exam has ended."))
        if self._now() >= as_utc(attempt.deadline_at):
            # Submitted by the next call that sees it (_submit_expired), in its own transaction.
            raise ExamTimeUp(_("Time is up: your exam was submitted with the answers given."))
        return attempt

    def _submit_expired(self, *, user_id: str | None = None, session_id: str | None = None) -> None:
        now = self._now()
        with self._sessions() as s, s.begin(), durable(s):
            q = select(ExamAttempt).where(ExamAttempt.ended_at.is_(None))
            if user_id:
                q = q.where(ExamAttempt.user_id == user_id)
            if session_id:
                q = q.where(ExamAttempt.session_id == session_id)
            for attempt in s.scalars(q):
                if now >= as_utc(attempt.deadline_at):
                    self._finish(s, attempt, TIMEOUT, now)

    def _finish(self, s: Session, attempt: ExamAttempt, reason: str, now: dt.datetime) -> None:
        """Grade and seal. A time-out ends at the deadline: the time used never exceeds the time given."""
        course = self._course(attempt.course_id)
        practical = (attempt.practical or {}).get("score")
        result = exam_def.grade(course, attempt.question_ids, attempt.answers or {}, practical)
        ended = min(now, as_utc(attempt.deadline_at))
        attempt.ended_at = ended
        attempt.end_reason = reason
        attempt.time_used_s = round(max(0.0, (ended - as_utc(attempt.started_at)).total_seconds()), 1)
        attempt.score, attempt.passed = result.score, result.passed
        attempt.detail = _detail(result, practical)
        attempt.seal = seal_of(attempt)

    def _sitting(self, s: Session, attempt: ExamAttempt) -> ExamSitting:
        session = s.get(ExamSession, attempt.session_id)
        practical = (session.exam or {}).get("practical") if session else None
        remaining = max(0.0, (as_utc(attempt.deadline_at) - self._now()).total_seconds())
        return ExamSitting(attempt.id, attempt.session_id, attempt.course_id, attempt.attempt_no,
                           tuple(attempt.question_ids), dict(attempt.answers or {}), as_utc(attempt.deadline_at),
                           remaining, practical.get("lab") if practical else None, bool(attempt.practical))

    def _session_info(self, s: Session, row: ExamSession) -> ExamSessionInfo:
        cohort = s.get(Cohort, row.cohort_id) if row.cohort_id else None
        proctor = s.get(User, row.proctor_id)
        return ExamSessionInfo(row.id, row.course_id, row.course_version, row.cohort_id,
                               cohort.name if cohort else "", proctor.display_name if proctor else "",
                               tuple(row.workstation_ids or ()), dict(row.extra_s or {}),
                               float((row.exam or {}).get("time_limit_minutes", 0)) * 60,
                               as_utc(row.opened_at), as_utc(row.closed_at))

    @staticmethod
    def _result(s: Session, a: ExamAttempt) -> ExamResult:
        user = s.get(User, a.user_id)
        proctor = s.get(User, a.proctor_id) if a.proctor_id else None
        detail = a.detail or {}
        return ExamResult(a.id, a.session_id, a.user_id, user.display_name if user else "", user.login if user else "",
                          a.course_id, a.attempt_no, a.score, a.passed, detail.get("quiz_score"),
                          detail.get("practical_score"), a.time_used_s, a.end_reason, as_utc(a.started_at),
                          as_utc(a.ended_at), tuple(a.question_ids), a.seed, proctor.display_name if proctor else "",
                          bool(a.seal) and a.seal == seal_of(a))


def _detail(result: exam_def.ExamGrade, practical: float | None) -> dict[str, Any]:
    return {"quiz_score": result.quiz_score, "practical_score": practical, "points": result.points,
            "missing": result.missing}

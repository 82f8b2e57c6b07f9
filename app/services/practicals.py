"""Practical steps awaiting an instructor's sign-off, and the sign-off history."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.services.auth import Actor, as_utc, require_self_or_staff, require_staff
from app.services.errors import storage_errors
from app.storage.models import CohortMember, Enrollment, LessonTime, Role, SignOff, StepAttempt, User


@dataclass(frozen=True)
class PendingPractical:
    user_id: str
    login: str
    display_name: str
    course_id: str
    step_key: str
    # The trainee has worked in the practical's module (an attempt or reading time there): likely waiting.
    working_on_it: bool = False
    not_passed_before: bool = False  # an earlier sign-off recorded it as not passed


@dataclass(frozen=True)
class SignOffRecord:
    instructor: str
    signed_at: dt.datetime
    passed: bool
    checklist: dict[str, bool]
    comment: str


@storage_errors
class PracticalService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def pending(self, actor: Actor, courses, cohort_id: str | None = None) -> list[PendingPractical]:
        """(trainee, practical step) not yet signed off as passed, for trainees enrolled in the course.

        Optionally for one class only.
        """
        require_staff(actor)
        practicals = [(c.id, s.key) for c in courses for _m, s in c.iter_steps() if s.kind == "practical"]
        with self._sessions() as s:
            enrolled = {(r[0], r[1]) for r in s.execute(select(Enrollment.user_id, Enrollment.course_id))}
            worked = {(r[0], r[1], r[2].split("/")[0]) for table in (StepAttempt, LessonTime)
                      for r in s.execute(select(table.user_id, table.course_id, table.step_key).distinct())}
            failed = {(r[0], r[1], r[2]) for r in s.execute(
                select(SignOff.user_id, SignOff.course_id, SignOff.step_key).where(SignOff.passed.is_(False)))}
            q = select(User.id, User.login, User.display_name).where(User.role == Role.TRAINEE.value,
                                                                     User.disabled.is_(False))
            if cohort_id:
                q = q.join(CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort_id)
            trainees = s.execute(q.order_by(User.login)).all()
            done = {(r[0], r[1], r[2]) for r in s.execute(
                select(SignOff.user_id, SignOff.course_id, SignOff.step_key).where(SignOff.passed.is_(True)))}
        return [PendingPractical(t[0], t[1], t[2], course_id, key,
                                 (t[0], course_id, key.split("/")[0]) in worked, (t[0], course_id, key) in failed)
                for t in trainees for course_id, key in practicals
                if (t[0], course_id) in enrolled and (t[0], course_id, key) not in done]

    def history(self, actor: Actor, user_id: str, course_id: str, step_key: str) -> list[SignOffRecord]:
        require_self_or_staff(actor, user_id)
        with self._sessions() as s:
            rows = s.execute(select(SignOff, User.display_name).join(User, User.id == SignOff.instructor_id)
                             .where(SignOff.user_id == user_id, SignOff.course_id == course_id,
                                    SignOff.step_key == step_key).order_by(SignOff.created_at)).all()
            return [SignOffRecord(name, as_utc(so.created_at), so.passed, dict(so.checklist), so.comment)
                    for so, name in rows]

"""The progress store's schema (SQLAlchemy 2 typed ORM).

Every record carries a UUIDv7 ``id`` and the ``workstation_id`` that made it,
so records from many workstations merge without collisions.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from app.clock import utcnow
from app.storage.ids import uuid7


class Base(DeclarativeBase):
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON, list[Any]: JSON}


class Role(str, enum.Enum):
    TRAINEE = "trainee"
    INSTRUCTOR = "instructor"
    ADMIN = "admin"


class Record:
    """Columns shared by every mergeable record."""

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    workstation_id: Mapped[str] = mapped_column(String(36), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Setting(Base):
    """Center-wide key/value settings (center name, idle minutes, workstation id)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class User(Record, Base):
    __tablename__ = "users"
    login: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16), default=Role.TRAINEE.value)
    password_hash: Mapped[str] = mapped_column(String(255))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    # When a field that travels between workstations last changed (see USER_SYNCED_FIELDS);
    # a login or a lockout does not count. Newest wins when bundles are merged.
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


USER_SYNCED_FIELDS = ("login", "display_name", "role", "password_hash", "disabled", "locale")


@event.listens_for(User, "before_update")
def _user_changed(_mapper, _connection, target: User) -> None:
    state = inspect(target)
    if state.attrs.updated_at.history.has_changes():
        return  # set explicitly (a merge keeps the winner's time)
    if any(state.attrs[name].history.has_changes() for name in USER_SYNCED_FIELDS):
        target.updated_at = utcnow()


class UserPreference(Base):
    """Per-user UI preferences (window geometry, zoom) as key/value."""

    __tablename__ = "user_preferences"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text, default="")


class Cohort(Record, Base):
    __tablename__ = "cohorts"
    name: Mapped[str] = mapped_column(String(200))
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    members: Mapped[list[CohortMember]] = relationship(back_populates="cohort", cascade="all, delete-orphan")


class CohortMember(Base):
    __tablename__ = "cohort_members"
    __table_args__ = (Index("ix_cohort_members_user", "user_id"),)
    cohort_id: Mapped[str] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    cohort: Mapped[Cohort] = relationship(back_populates="members")


class Enrollment(Record, Base):
    __tablename__ = "enrollments"
    __table_args__ = (UniqueConstraint("user_id", "course_id"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(64), index=True)
    course_version: Mapped[str] = mapped_column(String(32), default="")
    cohort_id: Mapped[str | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(nullable=True)
    completed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StepAttempt(Record, Base):
    """One attempt at a step: a quiz attempt, a lesson read, a lab submission."""

    __tablename__ = "step_attempts"
    # ix_attempt_progress covers course progress and the dashboard queries (no JSON row reads).
    __table_args__ = (Index("ix_attempt_progress", "user_id", "course_id", "step_key", "kind", "passed", "score",
                            "duration_s", "created_at"),
                      Index("ix_attempt_course_step", "course_id", "step_key"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32), default="")
    step_key: Mapped[str] = mapped_column(String(140))  # "module/step"
    kind: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    duration_s: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class LabRun(Record, Base):
    __tablename__ = "lab_runs"
    __table_args__ = (Index("ix_labrun_user_course_step", "user_id", "course_id", "step_key"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    attempt_id: Mapped[str | None] = mapped_column(ForeignKey("step_attempts.id", ondelete="SET NULL"), nullable=True)
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32), default="")
    step_key: Mapped[str] = mapped_column(String(140))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    passed: Mapped[bool] = mapped_column(Boolean, default=False)


class LessonTime(Record, Base):
    """Time on task in a lesson, one row per reading session."""

    __tablename__ = "lesson_time"
    __table_args__ = (Index("ix_lessontime_progress", "user_id", "course_id", "step_key", "seconds", "created_at"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    step_key: Mapped[str] = mapped_column(String(140))
    seconds: Mapped[float] = mapped_column(Float, default=0.0)


class SignOff(Record, Base):
    """An instructor's sign-off of a practical step for a trainee."""

    __tablename__ = "signoffs"
    __table_args__ = (Index("ix_signoff_user_course", "user_id", "course_id"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    instructor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    course_id: Mapped[str] = mapped_column(String(64))
    step_key: Mapped[str] = mapped_column(String(140))
    checklist: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    passed: Mapped[bool] = mapped_column(Boolean, default=True)
    comment: Mapped[str] = mapped_column(Text, default="")


class Certificate(Record, Base):
    __tablename__ = "certificates"
    number: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32), default="")
    issued_on: Mapped[dt.date]
    expires_on: Mapped[dt.date | None] = mapped_column(nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    claims: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    signature: Mapped[str] = mapped_column(Text, default="")
    issued_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_reason: Mapped[str] = mapped_column(Text, default="")
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)


class Draft(Base):
    """Work in progress (quiz answers so far, lab settings) so a closed app resumes there."""

    __tablename__ = "drafts"
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    course_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    step_key: Mapped[str] = mapped_column(String(140), primary_key=True)
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class AuditEntry(Record, Base):
    """Instructor and admin actions: overrides, sign-offs, revocations, password resets."""

    __tablename__ = "audit_log"
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    action: Mapped[str] = mapped_column(String(64))
    target_user_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Workstation(Base):
    """A workstation enrolled here by an administrator: bundles signed by its key may be imported.

    Local trust, never synced. ``role`` is the most its bundles may change; a trainee's own
    device is bound to that trainee's account (``account_id``).
    """

    __tablename__ = "workstations"
    fingerprint: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(16), default=Role.INSTRUCTOR.value)
    account_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    enrolled_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    enrolled_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    last_workstation_id: Mapped[str] = mapped_column(String(36), default="")


class ExamSession(Record, Base):
    """An exam an instructor opened for a class on chosen workstations (issue 19).

    ``exam`` is the course's exam definition as it was when the session opened, so a
    later course update never changes a running exam; ``extra_s`` maps a trainee's user
    id to extra seconds (an accommodation); ``workstation_ids`` lists where it may be taken.
    """

    __tablename__ = "exam_sessions"
    __table_args__ = (Index("ix_exam_session_course", "course_id", "closed_at"),)
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32), default="")
    cohort_id: Mapped[str | None] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), nullable=True)
    proctor_id: Mapped[str] = mapped_column(ForeignKey("users.id"))
    exam: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    workstation_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    extra_s: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    opened_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    closed_by: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExamAttempt(Record, Base):
    """One trainee's sitting of an exam session: the draw, the answers, the clock and the sealed result.

    The clock is stored (``started_at``, ``deadline_at``), never kept in memory, so a crash,
    lock or restart resumes with the remaining time. ``seal`` is a SHA-256 over the result
    fields (see app/services/exams.py), so an edit of the stored result is detectable.
    """

    __tablename__ = "exam_attempts"
    __table_args__ = (UniqueConstraint("session_id", "user_id", "attempt_no"),
                      Index("ix_exam_attempt_user", "user_id", "course_id"))
    session_id: Mapped[str] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    course_version: Mapped[str] = mapped_column(String(32), default="")
    attempt_no: Mapped[int] = mapped_column(Integer, default=1)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    question_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)  # ["module/step/question", ...]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    practical: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # settings, seed, metrics, score
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    deadline_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    extra_s: Mapped[float] = mapped_column(Float, default=0.0)
    ended_at: Mapped[dt.datetime | None] = mapped_column(nullable=True)
    end_reason: Mapped[str] = mapped_column(String(16), default="")  # submitted | timeout | closed
    time_used_s: Mapped[float] = mapped_column(Float, default=0.0)
    proctor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # per-question points
    seal: Mapped[str] = mapped_column(String(64), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ExamGrant(Record, Base):
    """An instructor's grant of one more attempt to a trainee in a session."""

    __tablename__ = "exam_grants"
    __table_args__ = (Index("ix_exam_grant_session_user", "session_id", "user_id"),)
    session_id: Mapped[str] = mapped_column(ForeignKey("exam_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    granted_by: Mapped[str] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")


class ExamRegrade(Record, Base):
    """Audit of one result changed by a regrade after a key correction."""

    __tablename__ = "exam_regrades"
    attempt_id: Mapped[str] = mapped_column(ForeignKey("exam_attempts.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[str | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    old_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    new_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    new_passed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    old_seal: Mapped[str] = mapped_column(String(64), default="")
    new_seal: Mapped[str] = mapped_column(String(64), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class ReviewCard(Base):
    """A trainee's spaced-review card (issue 19): a missed quiz question or a glossary term.

    A local cache, never synced: ``card`` is the FSRS card state (``fsrs.Card.to_dict()``)
    after replaying the ``reps`` review logs of this card, which are the synced truth, so a
    workstation that imports more logs replays the card (app/services/review.py).
    """

    __tablename__ = "review_cards"
    __table_args__ = (UniqueConstraint("user_id", "course_id", "source", "ref"),
                      Index("ix_review_card_due", "user_id", "due"))
    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=uuid7)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))  # question | term
    ref: Mapped[str] = mapped_column(String(200))  # "module/step/question" or the term's normalized English name
    card: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    due: Mapped[dt.datetime] = mapped_column(default=utcnow)
    reps: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReviewLog(Record, Base):
    """One answer to a review card (Again/Hard/Good/Easy = 1..4); synced like attempts, append-only."""

    __tablename__ = "review_logs"
    __table_args__ = (Index("ix_review_log_card", "user_id", "course_id", "source", "ref", "reviewed_at"),)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    course_id: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(200))
    rating: Mapped[int] = mapped_column(Integer)
    reviewed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)

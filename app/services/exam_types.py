"""What the exam service returns: plain, frozen data (safe to hand to widgets and the CLI)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ExamSessionInfo:
    session_id: str
    course_id: str
    course_version: str
    cohort_id: str | None
    cohort_name: str
    proctor_name: str
    workstation_ids: tuple[str, ...]
    extra_s: dict[str, float]
    time_limit_s: float
    opened_at: dt.datetime
    closed_at: dt.datetime | None

    @property
    def open(self) -> bool:
        return self.closed_at is None


@dataclass(frozen=True)
class ExamSitting:
    """A running attempt as the trainee sees it: the drawn questions and their answers, no grades."""

    attempt_id: str
    session_id: str
    course_id: str
    attempt_no: int
    question_ids: tuple[str, ...]
    answers: dict[str, Any]
    deadline_at: dt.datetime
    remaining_s: float
    practical_lab: str | None  # "module/lab-step" when the exam has a practical part
    practical_done: bool


@dataclass(frozen=True)
class ExamResult:
    attempt_id: str
    session_id: str
    user_id: str
    user_name: str
    login: str
    course_id: str
    attempt_no: int
    score: float | None
    passed: bool | None
    quiz_score: float | None
    practical_score: float | None
    time_used_s: float
    end_reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    question_ids: tuple[str, ...]
    seed: int
    proctor_name: str
    seal_ok: bool


@dataclass(frozen=True)
class RosterEntry:
    """One class member's state in a session, for the proctor's live list."""

    user_id: str
    user_name: str
    login: str
    state: str  # not_started | running | finished
    attempts: int
    attempts_allowed: int
    remaining_s: float | None
    score: float | None
    passed: bool | None


@dataclass(frozen=True)
class RegradeChange:
    attempt_id: str
    user_name: str
    old_score: float | None
    new_score: float | None
    old_passed: bool | None
    new_passed: bool | None

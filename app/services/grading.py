"""Grading done by the service layer: callers hand in what the trainee did, never a score.

A quiz is graded against the draw the service made when the attempt started (kept in
the step's draft under ``draw``, which ``ProgressService.save_draft`` never lets a caller
change); a lab is run and graded with the lab's own grading seed and replications. The
store calls are in :class:`app.services.progress.ProgressService` (``start_quiz``,
``submit_quiz``, ``submit_lab``); this module decides the outcome.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from app.courses import grading
from app.courses import models as m
from app.i18n import _
from app.services.auth import ServiceError

MAX_RESPONSE_CHARS = 20_000
"""A single answer longer than this is not an answer (a fill-in or a number is a few words)."""


class GradingError(ServiceError):
    """The work cannot be graded as sent (not a step of the course, no quiz started, bad lab settings)."""


@dataclass(frozen=True)
class QuizDraw:
    """The questions of one attempt, drawn by the service: ``ids`` follow from ``seed``."""

    seed: int
    ids: tuple[str, ...]
    started_at: str

    def to_state(self) -> dict[str, Any]:
        return {"seed": self.seed, "ids": list(self.ids), "started_at": self.started_at}


@dataclass(frozen=True)
class QuizOutcome:
    attempt_id: str
    result: grading.QuizResult


@dataclass(frozen=True)
class LabOutcome:
    run_id: str
    grade: grading.LabGrade
    metrics: dict[str, float | None]
    parameters: dict[str, Any]
    seed: int


def course_step(course: m.Course, step: m.Step, kind: str) -> m.Step:
    """The course's own definition of ``step`` (not the caller's copy); GradingError if it is not a ``kind``."""
    own = course.step(step.key)
    if own is None or own.kind != kind or own.content is None:
        raise GradingError(_("“{step}” is not a {kind} step of course “{course}”.").format(
            step=step.key, kind=kind, course=course.id))
    return own


def _drawn_ids(quiz: m.Quiz, seed: int) -> tuple[str, ...]:
    return tuple(q.id for q in grading.draw_questions(quiz, seed))


def new_draw(quiz: m.Quiz, now: dt.datetime) -> QuizDraw:
    seed = secrets.randbelow(2**31)
    return QuizDraw(seed, _drawn_ids(quiz, seed), now.isoformat())


def stored_draw(state: Mapping[str, Any] | None, quiz: m.Quiz) -> QuizDraw | None:
    """The draw kept in a draft, if it is one the service made for this quiz as installed now."""
    raw = state.get("draw") if isinstance(state, Mapping) else None
    if not isinstance(raw, Mapping):
        return None
    seed = raw.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int):
        return None
    ids = _drawn_ids(quiz, seed)
    if list(raw.get("ids") or []) != list(ids):
        return None  # the quiz changed since the attempt started
    return QuizDraw(seed, ids, str(raw.get("started_at") or ""))


def _plain(value: Any, depth: int = 0) -> Any:
    """A response as plain JSON data (str, number, bool, list, str-keyed dict); None if it is not one."""
    if depth > 4:
        return None
    if value is None or isinstance(value, bool | str):
        return value if not isinstance(value, str) or len(value) <= MAX_RESPONSE_CHARS else None
    if isinstance(value, int | float):
        return value if math.isfinite(value) else None
    if isinstance(value, list | tuple):
        return [_plain(v, depth + 1) for v in value[:200]]
    if isinstance(value, Mapping):
        return {str(k): _plain(v, depth + 1) for k, v in list(value.items())[:200]}
    return None


def grade_quiz_attempt(quiz: m.Quiz, draw: QuizDraw,
                       responses: Mapping[str, Any]) -> tuple[grading.QuizResult, dict[str, Any]]:
    """The result, and the attempt's answers in the shape item analysis reads::

        {"questions": [{"id", "type", "response", "correct", "points", "max_points"}], "seed": int}

    Only the drawn questions count; a response to any other id is ignored.
    """
    given = {qid: _plain(responses[qid]) for qid in draw.ids if isinstance(responses, Mapping) and qid in responses}
    result = grading.grade_quiz(quiz, draw.ids, given)
    questions = [{"id": r.question_id, "type": quiz.question(r.question_id).type, "response": r.response,
                  "correct": r.correct, "points": r.points_awarded, "max_points": r.points_possible}
                 for r in result.per_question]
    return result, {"questions": questions, "seed": draw.seed}


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def run_lab(course: m.Course, step: m.Step, settings: Mapping[str, Any], *,
            parallel: bool = True) -> LabOutcome:
    """Run and grade a lab as graded (``run_id`` left empty: the caller stores it)."""
    lab = step.lab
    assert lab is not None
    if not isinstance(settings, Mapping):
        raise GradingError(_("The lab settings must be a mapping of control to value."))
    try:
        grade, metrics = grading.run_and_grade_lab(lab, course.path, dict(settings), parallel=parallel)
    except grading.LabConfigError as exc:
        raise GradingError(str(exc)) from None
    parameters = json.loads(json.dumps({str(k): _plain(v) for k, v in settings.items()}))
    for control in lab.controls:  # a pendant log is kept whole (checked by the run): it is what was graded
        if control.type == "pendant" and control.id in settings:
            parameters[control.id] = grading.check_control_value(control, settings[control.id])
    clean = {str(k): _finite(float(v)) if isinstance(v, int | float) and not isinstance(v, bool) else None
             for k, v in metrics.items()}
    return LabOutcome("", grade, clean, parameters, lab.grading_seed)

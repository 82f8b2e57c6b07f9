"""Test data: graded attempts and lab runs written straight to the store, with any score.

The app has no public way to do this (``ProgressService.submit_quiz``/``submit_lab``
grade themselves); tests that need a particular history (reports, sync, certificates,
durability) seed it here, as a sync import or an older version of the app would have.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from app.services.auth import Actor
from app.services.progress import ProgressService
from app.storage.db import durable


def store_quiz_attempt(progress: ProgressService, actor: Actor, course_id: str, version: str, step_key: str, *,
                       answers: dict[str, Any], score: float, passed: bool, duration_s: float,
                       started_at: dt.datetime | None = None, max_attempts: int | None = None) -> str:
    with progress._sessions() as s, s.begin(), durable(s):
        return progress._store_attempt(s, actor, course_id, version, step_key, kind="quiz", score=score,
                                       passed=passed, answers=answers, duration_s=duration_s,
                                       started_at=started_at, max_attempts=max_attempts)


def store_lab_run(progress: ProgressService, actor: Actor, course_id: str, version: str, step_key: str, *,
                  parameters: dict[str, Any], seed: int, metrics: dict[str, Any], score: float, passed: bool,
                  duration_s: float) -> str:
    with progress._sessions() as s, s.begin(), durable(s):
        return progress._store_lab_run(s, actor, course_id, version, step_key, parameters=parameters, seed=seed,
                                       metrics=metrics, score=score, passed=passed, duration_s=duration_s)

"""The seal of an exam result: a SHA-256 over every stored field that makes the result.

A result edited in the database (a score, an answer, the questions drawn, the time used, the
proctor) no longer matches its seal; a regrade reseals and keeps the old seal in its audit row.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from app.clock import as_utc

SEALED_FIELDS = ("id", "session_id", "user_id", "course_id", "course_version", "attempt_no", "seed",
                 "question_ids", "answers", "practical", "started_at", "deadline_at", "extra_s", "ended_at",
                 "end_reason", "time_used_s", "proctor_id", "score", "passed", "detail")


def _plain(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return as_utc(value).isoformat() if hasattr(value, "tzinfo") else value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def seal_of(attempt: Any) -> str:
    """The hex SHA-256 of the attempt's sealed fields as canonical JSON."""
    record = {name: _plain(getattr(attempt, name)) for name in SEALED_FIELDS}
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()

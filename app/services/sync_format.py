"""The bundle's record format: which tables travel, in what order, and how values become JSON.

Shared by the export (:mod:`app.services.sync`) and the merge (:mod:`app.services.sync_merge`).
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from sqlalchemy import Date, DateTime, Table

from app.clock import as_utc
from app.services.auth import ServiceError
from app.storage.models import AuditEntry, Base, LabRun, LessonTime, ReviewLog, SignOff, StepAttempt

APPEND_ONLY: dict[str, type[Base]] = {
    "step_attempts": StepAttempt, "lab_runs": LabRun, "lesson_time": LessonTime,
    "signoffs": SignOff, "audit_log": AuditEntry, "review_logs": ReviewLog,
}
TABLE_ORDER = ("users", "cohorts", "cohort_members", "enrollments", "step_attempts", "lab_runs",
               "lesson_time", "signoffs", "certificates", "audit_log", "review_logs")
# Columns that stay on the workstation: lockout state and last login are local facts.
LOCAL_ONLY = {"users": {"failed_attempts", "locked_until", "last_login_at"}}


class SyncError(ServiceError):
    """A bundle that cannot be exported or imported; the message says why (translated)."""


def tables() -> dict[str, Table]:
    return {name: Base.metadata.tables[name] for name in TABLE_ORDER}


@functools.cache
def columns(name: str) -> tuple[str, ...]:
    return tuple(c.name for c in Base.metadata.tables[name].columns if c.name not in LOCAL_ONLY.get(name, set()))


@functools.cache
def user_fk_columns() -> dict[str, list[str]]:
    """Every column, in every table, that points at users.id."""
    found: dict[str, list[str]] = {}
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "users" and fk.column.name == "id":
                found.setdefault(table.name, []).append(fk.parent.name)
    return found


# --- values <-> JSON ------------------------------------------------------------------------

@functools.cache
def codec(table: Table) -> dict[str, str]:
    kinds: dict[str, str] = {}
    for col in table.columns:
        if isinstance(col.type, DateTime):
            kinds[col.name] = "datetime"
        elif isinstance(col.type, Date):
            kinds[col.name] = "date"
    return kinds


def encode(value: Any, kind: str | None) -> Any:
    if value is None:
        return None
    if kind == "datetime":
        return as_utc(value).isoformat()
    if kind == "date":
        return value.isoformat()
    return value


def decode_value(value: Any, kind: str | None) -> Any:
    if value is None or kind is None:
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if kind == "datetime":
        return as_utc(dt.datetime.fromisoformat(value))
    return dt.date.fromisoformat(value)

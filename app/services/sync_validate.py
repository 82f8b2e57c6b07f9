"""Every field of a bundle record checked before it can reach the merge.

Types follow the columns (a string fits its column, a flag is a JSON boolean,
an integer fits 32 bits, a number is finite), ids look like ids, roles and step
kinds are known values, scores and durations are in range, JSON documents are
small and shallow, and times are plausible: ``updated_at`` later than the
import is clamped to the import time (and reported), any other time more than
a day ahead of this clock refuses the record.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Table, Text

from app.i18n import _
from app.services.accounts import check_display_name
from app.services.auth import ServiceError
from app.storage.models import Base, Role

ID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
LOCALE_RE = re.compile(r"^[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8}){0,2}$")
ACTION_RE = re.compile(r"^[a-z][a-z0-9_.]{0,63}$")
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
STEP_KINDS = frozenset({"lesson", "quiz", "lab", "practical"})
ROLES = frozenset(r.value for r in Role)
TEXT_MAX = 20_000  # Text columns: comments, reasons, signatures
JSON_MAX = 256 * 1024  # bytes of one JSON document (answers, metrics, claims…)
JSON_DEPTH = 32
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1  # Integer is 32-bit on PostgreSQL
MAX_SECONDS = 7 * 24 * 3600.0  # one attempt or reading session
FUTURE_SKEW = dt.timedelta(days=1)  # offline clocks drift; beyond this a time is refused
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
# Columns that hold a record id (a UUID); the rest of the String(36) columns are free text.
_ID_COLUMNS = frozenset({"id", "user_id", "attempt_id", "cohort_id", "instructor_id", "issued_by", "revoked_by",
                         "actor_id", "target_user_id"})
# Number ranges by (table, column): a fraction for graded work, a percentage on a certificate.
_RANGES: dict[tuple[str, str], tuple[float, float]] = {
    ("step_attempts", "score"): (0.0, 1.0), ("lab_runs", "score"): (0.0, 1.0),
    ("certificates", "score"): (0.0, 100.0), ("step_attempts", "duration_s"): (0.0, MAX_SECONDS),
    ("lesson_time", "seconds"): (0.0, MAX_SECONDS),
}
_NOT_EMPTY = frozenset({("users", "display_name"), ("users", "password_hash"), ("step_attempts", "course_id"),
                        ("step_attempts", "step_key"), ("lab_runs", "course_id"), ("lab_runs", "step_key"),
                        ("lesson_time", "course_id"), ("lesson_time", "step_key"), ("signoffs", "course_id"),
                        ("signoffs", "step_key"), ("enrollments", "course_id"), ("certificates", "number"),
                        ("certificates", "course_id"), ("cohorts", "name")})


class Invalid(ValueError):
    """A record that cannot be merged; the message (translated) says which field and why."""


@dataclass(frozen=True)
class Clamp:
    """A time moved back to the import time: what it said and what was kept."""

    column: str
    sent: dt.datetime
    kept: dt.datetime


@dataclass(frozen=True)
class _Field:
    """What one column accepts, worked out once per table (the merge checks every field of every record)."""

    kind: str  # datetime | date | bool | int | float | json | text
    nullable: bool
    limit: int = 0
    low: float = 0.0
    high: float = 0.0
    is_id: bool = False
    not_empty: bool = False
    check_controls: bool = False


@functools.cache
def _fields(table_name: str) -> dict[str, _Field]:
    table: Table = Base.metadata.tables[table_name]
    out: dict[str, _Field] = {}
    for col in table.columns:
        t = col.type
        if isinstance(t, DateTime):
            kind = "datetime"
        elif isinstance(t, Date):
            kind = "date"
        elif isinstance(t, Boolean):
            kind = "bool"
        elif isinstance(t, Integer):
            kind = "int"
        elif isinstance(t, Float):
            kind = "float"
        elif isinstance(t, JSON):
            kind = "json"
        elif isinstance(t, (String, Text)):
            kind = "text"
        else:
            raise TypeError(f"no sync check for {table_name}.{col.name} ({t})")
        low, high = _RANGES.get((table_name, col.name), (-1e12, 1e12))
        out[col.name] = _Field(kind, bool(col.nullable), getattr(t, "length", None) or TEXT_MAX, low, high,
                               col.name in _ID_COLUMNS, (table_name, col.name) in _NOT_EMPTY,
                               kind == "text" and not isinstance(t, Text))
    return out


def _depth(value: Any, limit: int) -> int:
    """Nesting depth of a decoded JSON value, stopping early past ``limit``."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, d = stack.pop()
        deepest = max(deepest, d)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, d + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, d + 1) for v in item)
    return deepest


def validate(table_name: str, row: dict[str, Any], now: dt.datetime) -> list[Clamp]:
    """Check ``row`` (decoded values) in place; raise :class:`Invalid`, or return the clamped times."""
    fields = _fields(table_name)
    clamps: list[Clamp] = []
    for name, value in list(row.items()):
        f = fields[name]
        if value is None:
            if not f.nullable:
                raise Invalid(_("{field} is empty").format(field=name))
            continue
        kind = f.kind
        if kind == "text":
            if type(value) is not str:
                raise Invalid(_("{field} is not text").format(field=name))
            if len(value) > f.limit:
                raise Invalid(_("{field} is longer than {n} characters").format(field=name, n=f.limit))
            if f.is_id and not ID_RE.match(value):
                raise Invalid(_("{field} is not a record id").format(field=name))
            if f.check_controls and CONTROL_RE.search(value):
                raise Invalid(_("{field} contains control characters").format(field=name))
            if f.not_empty and not value.strip():
                raise Invalid(_("{field} is empty").format(field=name))
        elif kind == "datetime":
            if value < EARLIEST:
                raise Invalid(_("{field} is before the year 2000").format(field=name))
            if value > now:
                if name == "updated_at":
                    row[name] = now
                    clamps.append(Clamp(name, value, now))
                elif value > now + FUTURE_SKEW:
                    raise Invalid(_("{field} is in the future ({value})").format(field=name, value=value.isoformat()))
        elif kind == "float":
            if type(value) not in (int, float) or not math.isfinite(value):
                raise Invalid(_("{field} is not a number").format(field=name))
            if not f.low <= value <= f.high:
                raise Invalid(_("{field} = {value} is outside {low}…{high}").format(
                    field=name, value=value, low=f.low, high=f.high))
        elif kind == "bool":
            if type(value) is not bool:
                raise Invalid(_("{field} is not true or false").format(field=name))
        elif kind == "int":
            if type(value) is not int or not INT_MIN <= value <= INT_MAX:
                raise Invalid(_("{field} is not a whole number in range").format(field=name))
        elif kind == "json":
            if type(value) is not dict:
                raise Invalid(_("{field} is not a JSON object").format(field=name))
            if _depth(value, JSON_DEPTH) > JSON_DEPTH:
                raise Invalid(_("{field} is nested too deeply").format(field=name))
            try:
                size = len(json.dumps(value, ensure_ascii=False, allow_nan=False))
            except ValueError:  # NaN or infinity: not JSON, and not a number we can compare
                raise Invalid(_("{field} holds a number that is not finite").format(field=name)) from None
            if size > JSON_MAX:
                raise Invalid(_("{field} is too large").format(field=name))
        elif kind == "date":
            if not 2000 <= value.year <= 2199:
                raise Invalid(_("{field} is not a plausible date ({value})").format(field=name, value=value))
            if name == "issued_on" and value > now.date() + FUTURE_SKEW:
                raise Invalid(_("{field} is in the future ({value})").format(field=name, value=value.isoformat()))
    _check_values(table_name, row)
    return clamps


def _check_values(table_name: str, row: dict[str, Any]) -> None:
    """The enumerations and formats a column type alone does not say."""
    if table_name == "users":
        if row.get("role") not in ROLES:
            raise Invalid(_("role “{value}” is not one of {known}").format(value=row.get("role"),
                                                                          known=", ".join(sorted(ROLES))))
        if not LOGIN_RE.match(row.get("login") or ""):
            raise Invalid(_("login “{value}” is not a valid login").format(value=row.get("login")))
        if "display_name" in row:
            try:
                check_display_name(row["display_name"])
            except ServiceError as exc:  # the same rule as an account made here (printable on a certificate)
                raise Invalid(_("display_name: {error}").format(error=exc)) from None
        if row.get("locale") is not None and not LOCALE_RE.match(row["locale"]):
            raise Invalid(_("locale “{value}” is not a language code").format(value=row["locale"]))
    elif table_name == "step_attempts" and row.get("kind") not in STEP_KINDS:
        raise Invalid(_("step kind “{value}” is not one of {known}").format(value=row.get("kind"),
                                                                          known=", ".join(sorted(STEP_KINDS))))
    elif table_name == "audit_log" and not ACTION_RE.match(row.get("action") or ""):
        raise Invalid(_("action “{value}” is not an audit action").format(value=row.get("action")))

"""Merging progress bundles: the rules that make a merge idempotent and order-independent.

* attempts, lab runs, lesson time, sign-offs, audit entries are immutable:
  the union by id (an id already present is skipped; nothing is ever deleted);
* users: one account per login. Two ids for one login keep the smaller id
  (UUIDv7: the older one) and every record of the other is re-pointed to it;
  name, role, password, disabled and locale come from the version changed
  last (``updated_at``, then a content hash breaks ties); lockout state and
  last login stay local;
* cohorts by id, newest version wins; cohort membership is a union;
* enrollments: one per (user, course), smaller id kept, newest version wins
  for version, cohort and due date, the earliest completion time is kept;
* certificates by id; a revocation is kept (the earliest one wins); a number
  already used by another certificate stops the import.

Each rule picks a maximum under a total order (or a union), so the result is
the same whichever order bundles arrive in, and importing one twice is a no-op.
Step status is never stored: it is derived from the union of attempts, so it
is recomputed by the merge itself.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Date, DateTime, Table, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.i18n import _
from app.services.auth import ServiceError
from app.storage.models import (USER_SYNCED_FIELDS, AuditEntry, Base, Cohort, LabRun, LessonTime, SignOff,
                                StepAttempt, User)

CHUNK = 1000
APPEND_ONLY: dict[str, type[Base]] = {
    "step_attempts": StepAttempt, "lab_runs": LabRun, "lesson_time": LessonTime,
    "signoffs": SignOff, "audit_log": AuditEntry,
}
TABLE_ORDER = ("users", "cohorts", "cohort_members", "enrollments", "step_attempts", "lab_runs",
               "lesson_time", "signoffs", "certificates", "audit_log")
# Columns that stay on the workstation: lockout state and last login are local facts.
LOCAL_ONLY = {"users": {"failed_attempts", "locked_until", "last_login_at"}}
ENROLLMENT_LWW = ("course_version", "cohort_id", "due_date")
COHORT_LWW = ("name", "archived")


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

def as_utc(value: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; every stored time is UTC."""
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


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
        raise ValueError(f"expected a date string, got {value!r}")
    if kind == "datetime":
        return as_utc(dt.datetime.fromisoformat(value))
    return dt.date.fromisoformat(value)


def _canon(values: dict[str, Any]) -> str:
    """Stable hash of a record's merge-relevant values: the deterministic tie-breaker."""
    norm = {k: (as_utc(v).isoformat() if isinstance(v, dt.datetime) else
                v.isoformat() if isinstance(v, dt.date) else v) for k, v in values.items()}
    return hashlib.sha256(json.dumps(norm, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _newer(incoming: dict[str, Any], local: dict[str, Any], fields: Iterable[str]) -> bool:
    """True if the incoming version wins last-writer-wins over the local one."""
    fields = list(fields)
    a = (as_utc(incoming.get("updated_at") or incoming["created_at"]), _canon({f: incoming.get(f) for f in fields}))
    b = (as_utc(local["updated_at"]), _canon({f: local.get(f) for f in fields}))
    return a > b


# --- the merge ------------------------------------------------------------------------------

@dataclass
class ImportResult:
    source_workstation: str
    key_status: str  # "center" | "trusted" | "known" | "new"
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    merged_logins: list[str] = field(default_factory=list)

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


class Merger:
    """One import: streams the records table by table inside the caller's transaction."""

    def __init__(self, s: Session, filename: str, result: ImportResult) -> None:
        self.s = s
        self.file = filename
        self.result = result
        self.tables = tables()
        self.user_map: dict[str, str] = {}  # bundle user id -> id here
        self.known_users: set[str] = set()
        self.known_cohorts: set[str] = set()

    def fail(self, line: int, message: str) -> SyncError:
        return SyncError(_("{file}: line {line}: {message}").format(file=self.file, line=line, message=message))

    def count(self, which: dict[str, int], table: str, n: int = 1) -> None:
        which[table] = which.get(table, 0) + n

    def decode(self, table: str, line: int, row: dict[str, Any]) -> dict[str, Any]:
        t = self.tables[table]
        kinds = codec(t)
        out: dict[str, Any] = {}
        try:
            for col in columns(table):
                if col in row:
                    out[col] = decode_value(row[col], kinds.get(col))
                elif col == "id" or (not t.c[col].nullable and t.c[col].default is None):
                    raise ValueError(f"{col} is missing")
        except (ValueError, TypeError) as exc:
            raise self.fail(line, str(exc)) from None
        return out

    def map_user(self, line: int, user_id: str | None, nullable: bool = False) -> str | None:
        if user_id is None:
            if nullable:
                return None
            raise self.fail(line, _("a user reference is missing"))
        mapped = self.user_map.get(user_id, user_id)
        if mapped not in self.known_users:
            raise self.fail(line, _("refers to user {id}, who is neither in the bundle nor here").format(id=user_id))
        return mapped

    def run(self, records: Iterator[tuple[int, str, dict[str, Any]]]) -> None:
        self.known_users = set(self.s.scalars(select(User.id)))
        self.known_cohorts = set(self.s.scalars(select(Cohort.id)))
        handlers: dict[str, Callable[[list[tuple[int, dict[str, Any]]]], None]] = {
            "users": self.users, "cohorts": self.cohorts, "cohort_members": self.members,
            "enrollments": self.enrollments, "certificates": self.certificates,
        }
        batch: list[tuple[int, dict[str, Any]]] = []
        current = ""

        def flush() -> None:
            if batch:
                handler = handlers.get(current)
                if handler is not None:
                    handler(batch)
                else:
                    self.append_only(current, batch)
                batch.clear()

        for line, table, row in records:
            if table != current:
                flush()
                current = table
            batch.append((line, self.decode(table, line, row)))
            if len(batch) >= CHUNK and current in APPEND_ONLY:
                flush()
        flush()

    # --- users: one account per login ------------------------------------------------------

    def users(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        fields = [f for f in USER_SYNCED_FIELDS if f != "login"]
        table = self.tables["users"]
        for line, u in batch:
            if not isinstance(u.get("id"), str) or not isinstance(u.get("login"), str):
                raise self.fail(line, _("a user needs an id and a login"))
            local = self._user_row(User.id == u["id"])
            if local is None:
                by_login = self._user_row(func.lower(User.login) == u["login"].lower())
                if by_login is not None and by_login["id"] < u["id"]:
                    self.user_map[u["id"]] = by_login["id"]
                    self.result.merged_logins.append(u["login"])
                    local = by_login
                elif by_login is not None:
                    self._rekey_user(by_login, u)
                    self.result.merged_logins.append(u["login"])
                    local = self._user_row(User.id == u["id"])
                else:
                    self.s.execute(insert(table), [{**u, "failed_attempts": 0}])
                    self.known_users.add(u["id"])
                    self.count(self.result.added, "users")
                    continue
            assert local is not None
            if _newer(u, local, fields):
                self.s.execute(update(table).where(table.c.id == local["id"])
                               .values({f: u.get(f) for f in fields} | {"updated_at": u["updated_at"]}))
                self.count(self.result.updated, "users")

    def _user_row(self, cond) -> dict[str, Any] | None:  # noqa: ANN001
        row = self.s.execute(select(self.tables["users"]).where(cond)).mappings().first()
        return dict(row) if row is not None else None

    def _rekey_user(self, old: dict[str, Any], incoming: dict[str, Any]) -> None:
        """Give the local account the bundle's (smaller) id and re-point every record to it."""
        users = self.tables["users"]
        new_id = incoming["id"]
        self.s.execute(update(users).where(users.c.id == old["id"]).values(login="~" + old["id"][:60]))
        self.s.execute(insert(users), [{**old, "id": new_id, "workstation_id": incoming.get("workstation_id", ""),
                                        "created_at": incoming.get("created_at", old["created_at"])}])
        for table_name, cols in user_fk_columns().items():
            t = Base.metadata.tables[table_name]
            for col in cols:
                values: dict[Any, Any] = {col: new_id}
                if "updated_at" in t.c:
                    values["updated_at"] = t.c.updated_at  # re-pointing is not an edit (no onupdate)
                self.s.execute(update(t).where(t.c[col] == old["id"]).values(values))
        self.s.execute(users.delete().where(users.c.id == old["id"]))
        self.known_users.discard(old["id"])
        self.known_users.add(new_id)
        self.user_map[old["id"]] = new_id

    # --- cohorts and membership ---------------------------------------------------------------

    def cohorts(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables["cohorts"]
        for _line, c in batch:
            local = self.s.execute(select(table).where(table.c.id == c["id"])).mappings().first()
            if local is None:
                self.s.execute(insert(table), [c])
                self.known_cohorts.add(c["id"])
                self.count(self.result.added, "cohorts")
            elif _newer(c, dict(local), COHORT_LWW):
                self.s.execute(update(table).where(table.c.id == c["id"])
                               .values({f: c[f] for f in COHORT_LWW} | {"updated_at": c["updated_at"]}))
                self.count(self.result.updated, "cohorts")

    def members(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables["cohort_members"]
        for line, m in batch:
            if m.get("cohort_id") not in self.known_cohorts:
                raise self.fail(line, _("refers to a cohort that is not in the bundle"))
            row = {"cohort_id": m["cohort_id"], "user_id": self.map_user(line, m.get("user_id"))}
            exists = self.s.execute(select(table.c.user_id).where(table.c.cohort_id == row["cohort_id"],
                                                                  table.c.user_id == row["user_id"])).first()
            if exists is None:
                self.s.execute(insert(table), [row])
                self.count(self.result.added, "cohort_members")

    # --- enrollments: one per (user, course) -------------------------------------------------

    def enrollments(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables["enrollments"]
        for line, e in batch:
            e["user_id"] = self.map_user(line, e.get("user_id"))
            if e.get("cohort_id") is not None and e["cohort_id"] not in self.known_cohorts:
                raise self.fail(line, _("refers to a cohort that is not in the bundle"))
            local = self.s.execute(select(table).where(table.c.id == e["id"])).mappings().first()
            if local is None:
                local = self.s.execute(select(table).where(table.c.user_id == e["user_id"],
                                                           table.c.course_id == e["course_id"])).mappings().first()
            if local is None:
                self.s.execute(insert(table), [e])
                self.count(self.result.added, "enrollments")
                continue
            local = dict(local)
            values: dict[str, Any] = {}
            if e["id"] < local["id"]:
                values.update(id=e["id"], workstation_id=e.get("workstation_id", ""), created_at=e["created_at"])
            if _newer(e, local, ENROLLMENT_LWW):
                values.update({f: e.get(f) for f in ENROLLMENT_LWW}, updated_at=e["updated_at"])
            done = [as_utc(t) for t in (local["completed_at"], e.get("completed_at")) if t is not None]
            if done and (local["completed_at"] is None or min(done) < as_utc(local["completed_at"])):
                values["completed_at"] = min(done)
            if values:
                values.setdefault("updated_at", local["updated_at"])  # a merge is not an edit
                self.s.execute(update(table).where(table.c.id == local["id"]).values(values))
                self.count(self.result.updated, "enrollments")

    # --- certificates: immutable, but a revocation sticks ------------------------------------

    def certificates(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables["certificates"]
        for line, c in batch:
            c["user_id"] = self.map_user(line, c.get("user_id"))
            for col in ("issued_by", "revoked_by"):
                c[col] = self.map_user(line, c.get(col), nullable=True)
            local = self.s.execute(select(table).where(table.c.id == c["id"])).mappings().first()
            if local is None:
                clash = self.s.execute(select(table.c.id).where(table.c.number == c["number"])).first()
                if clash is not None:
                    raise self.fail(line, _("certificate number {number} is already used by another certificate")
                                    .format(number=c["number"]))
                self.s.execute(insert(table), [c])
                self.count(self.result.added, "certificates")
                continue
            theirs, mine = c.get("revoked_at"), local["revoked_at"]
            if theirs is not None and (mine is None or as_utc(theirs) < as_utc(mine)):
                self.s.execute(update(table).where(table.c.id == c["id"]).values(
                    revoked_at=theirs, revoked_reason=c.get("revoked_reason", ""), revoked_by=c.get("revoked_by")))
                self.count(self.result.updated, "certificates")

    # --- append-only records: the union by id ----------------------------------------------

    def append_only(self, name: str, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables[name]
        fks = user_fk_columns().get(name, [])
        ids = [r["id"] for _l, r in batch]
        present = set(self.s.scalars(select(table.c.id).where(table.c.id.in_(ids))))
        rows: list[dict[str, Any]] = []
        for line, r in batch:
            if r["id"] in present:
                continue
            present.add(r["id"])
            for col in fks:
                r[col] = self.map_user(line, r.get(col), nullable=table.c[col].nullable)
            rows.append(r)
        if rows:
            try:
                self.s.execute(insert(table), rows)
            except IntegrityError as exc:
                raise self.fail(batch[0][0], _("records do not fit this database ({error})").format(
                    error=exc.orig)) from exc
            self.count(self.result.added, name, len(rows))

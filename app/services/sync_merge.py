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
  already used by another certificate refuses that certificate.

Each rule picks a maximum under a total order (or a union), so the result is
the same whichever order bundles arrive in, and importing one twice is a no-op.
Step status is never stored: it is derived from the union of attempts, so it
is recomputed by the merge itself.

Before a record is merged its fields are checked (:mod:`app.services.sync_validate`)
and the bundle's authority must allow it (:mod:`app.services.sync_policy`); a record
that fails either is left out and listed in :attr:`ImportResult.refused`, and so is
every record that depends on it. Records already here are skipped first.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.clock import as_utc
from app.i18n import _
from app.services.errors import constraint_summary
from app.services.sync_format import (
    APPEND_ONLY,
    SyncError,
    codec,
    columns,
    decode_value,
    tables,
    user_fk_columns,
)
from app.services.sync_policy import Authority, Refused
from app.services.sync_validate import validate
from app.storage.models import (
    USER_SYNCED_FIELDS,
    Base,
    Cohort,
    Role,
    StepAttempt,
    User,
)

CHUNK = 1000
ENROLLMENT_LWW = ("course_version", "cohort_id", "due_date")
COHORT_LWW = ("name", "archived")


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


# --- the import report ------------------------------------------------------------------------

@dataclass(frozen=True)
class Refusal:
    """A record that was not written, and why (translated)."""

    table: str
    line: int
    record_id: str
    reason: str


@dataclass(frozen=True)
class Clamped:
    """A time later than the import, moved back to the import time."""

    table: str
    line: int
    record_id: str
    column: str
    sent: dt.datetime
    kept: dt.datetime


@dataclass
class ImportResult:
    source_workstation: str  # the workstation id the bundle names
    fingerprint: str  # of the key that signed it
    workstation_name: str  # as enrolled here ("this workstation" for our own key)
    authority: Role  # the most this bundle could change (see sync_policy)
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    merged_logins: list[str] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)
    clamped: list[Clamped] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)  # escalations the center's administrator approved

    @property
    def total_added(self) -> int:
        return sum(self.added.values())


# --- the merge ------------------------------------------------------------------------------

class Merger:
    """One import: streams the records table by table inside the caller's transaction.

    Each record is decoded, validated (:mod:`app.services.sync_validate`) and checked
    against the bundle's :class:`Authority`; a record that fails is left out and listed
    in the report, and so is every record that depends on it.
    """

    def __init__(self, s: Session, filename: str, result: ImportResult, authority: Authority,
                 now: dt.datetime) -> None:
        self.s = s
        self.file = filename
        self.result = result
        self.authority = authority
        self.now = now
        self.tables = tables()
        self.user_map: dict[str, str] = {}  # bundle user id -> id here
        self.roles: dict[str, str] = {}  # every account here (and accepted from the bundle): id -> role
        self.logins: dict[str, str] = {}  # id -> login, for messages
        self.known_cohorts: set[str] = set()
        self.refused_ids: dict[str, set[str]] = {}
        self._clamps: dict[tuple[str, str], list[Clamped]] = {}

    def fail(self, line: int, message: str) -> SyncError:
        return SyncError(_("{file}: line {line}: {message}").format(file=self.file, line=line, message=message))

    def count(self, which: dict[str, int], table: str, n: int = 1) -> None:
        which[table] = which.get(table, 0) + n

    def refuse(self, table: str, line: int, record_id: Any, reason: str) -> None:
        rid = record_id if isinstance(record_id, str) else ""
        self.result.refused.append(Refusal(table, line, rid[:36], reason))
        self.refused_ids.setdefault(table, set()).add(rid)
        self._clamps.pop((table, rid), None)

    def decode(self, table: str, line: int, row: dict[str, Any]) -> dict[str, Any]:
        t = self.tables[table]
        kinds = codec(t)
        out: dict[str, Any] = {}
        for col in columns(table):
            if col in row:
                try:
                    out[col] = decode_value(row[col], kinds.get(col))
                except (ValueError, TypeError, OverflowError):
                    raise ValueError(_("{field} is not a valid date or time").format(field=col)) from None
            elif col == "id" or (not t.c[col].nullable and t.c[col].default is None):
                raise ValueError(_("{field} is missing").format(field=col))
        for clamp in validate(table, out, self.now):
            self._clamps.setdefault((table, str(out.get("id", ""))), []).append(
                Clamped(table, line, str(out.get("id", "")), clamp.column, clamp.sent, clamp.kept))
        return out

    def map_user(self, user_id: str | None, nullable: bool = False) -> str | None:
        if user_id is None:
            if nullable:
                return None
            raise Refused(_("a user reference is missing"))
        mapped = self.user_map.get(user_id, user_id)
        if mapped not in self.roles:
            raise Refused(_("refers to account {id}, which is neither here nor accepted from this bundle").format(
                id=user_id))
        return mapped

    def run(self, records: Iterator[tuple[int, str, dict[str, Any]]]) -> None:
        for uid, role, login in self.s.execute(select(User.id, User.role, User.login)):
            self.roles[uid], self.logins[uid] = role, login
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
            if table in APPEND_ONLY:
                batch.append((line, row))  # decoded in append_only, once records already here are skipped
                if len(batch) >= CHUNK:
                    flush()
                continue
            decoded = self._decoded(table, line, row)
            if decoded is not None:
                batch.append((line, decoded))
        flush()
        self.result.clamped.extend(c for group in self._clamps.values() for c in group)

    def _decoded(self, table: str, line: int, row: dict[str, Any]) -> dict[str, Any] | None:
        """The checked record, or None when it is refused (and listed in the report)."""
        try:
            return self.decode(table, line, row)
        except (ValueError, TypeError, OverflowError) as exc:
            self.refuse(table, line, row.get("id"), str(exc))
            return None

    def _each(self, table: str, batch: list[tuple[int, dict[str, Any]]],
              handle: Callable[[int, dict[str, Any]], None]) -> None:
        for line, row in batch:
            try:
                handle(line, row)
            except Refused as exc:
                self.refuse(table, line, row.get("id", row.get("cohort_id")), str(exc))

    # --- users: one account per login ------------------------------------------------------

    def users(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        self._each("users", batch, self._user)

    def _user(self, line: int, u: dict[str, Any]) -> None:
        fields = [f for f in USER_SYNCED_FIELDS if f != "login"]
        table = self.tables["users"]
        local = self._user_row(User.id == u["id"])
        by_login = None if local is not None else self._user_row(func.lower(User.login) == u["login"].lower())
        target = local or by_login
        if target is None:
            self.authority.accounts()
            if u["role"] == Role.ADMIN.value:
                self.authority.escalation(_("A new administrator account {login}").format(login=u["login"]))
                self.result.approved.append(_("new administrator {login}").format(login=u["login"]))
            self.s.execute(insert(table), [{**u, "failed_attempts": 0}])
            self.roles[u["id"]], self.logins[u["id"]] = u["role"], u["login"]
            self.count(self.result.added, "users")
            return
        changes = _newer(u, target, fields) and any(u.get(f) != target.get(f) for f in fields)
        rekey = by_login is not None and by_login["id"] > u["id"]
        if self.authority.role is not Role.ADMIN:
            # Other workstations only name accounts this center has; they never change them.
            if by_login is not None:
                self.user_map[u["id"]] = by_login["id"]
            if changes:
                self.authority.accounts()
            return
        if target["role"] == Role.ADMIN.value and (changes or rekey):
            self.authority.escalation(_("A change to administrator account {login}").format(login=target["login"]))
            self.result.approved.append(_("change to administrator {login}").format(login=target["login"]))
        elif changes and u["role"] == Role.ADMIN.value:
            self.authority.escalation(_("Making {login} an administrator").format(login=target["login"]))
            self.result.approved.append(_("{login} made administrator").format(login=target["login"]))
        if by_login is not None:
            self.result.merged_logins.append(u["login"])
            if rekey:
                self._rekey_user(by_login, u)
                target = self._user_row(User.id == u["id"])
            else:
                self.user_map[u["id"]] = by_login["id"]
        assert target is not None
        if _newer(u, target, fields):
            self.s.execute(update(table).where(table.c.id == target["id"])
                           .values({f: u.get(f) for f in fields} | {"updated_at": u["updated_at"]}))
            self.roles[target["id"]] = u["role"]
            self.count(self.result.updated, "users")

    def _user_row(self, cond) -> dict[str, Any] | None:
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
        self.roles[new_id] = self.roles.pop(old["id"])
        self.logins[new_id] = self.logins.pop(old["id"])
        self.user_map[old["id"]] = new_id

    # --- cohorts and membership ---------------------------------------------------------------

    def cohorts(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        self._each("cohorts", batch, self._cohort)

    def _cohort(self, _line: int, c: dict[str, Any]) -> None:
        table = self.tables["cohorts"]
        local = self.s.execute(select(table).where(table.c.id == c["id"])).mappings().first()
        if local is None:
            self.authority.cohorts()
            self.s.execute(insert(table), [c])
            self.known_cohorts.add(c["id"])
            self.count(self.result.added, "cohorts")
        elif _newer(c, dict(local), COHORT_LWW):
            if any(c.get(f) != local[f] for f in COHORT_LWW):
                self.authority.cohorts()
            elif not self.authority.is_staff:
                return  # the same cohort, only a later time: nothing a trainee's device may change
            self.s.execute(update(table).where(table.c.id == c["id"])
                           .values({f: c[f] for f in COHORT_LWW} | {"updated_at": c["updated_at"]}))
            self.count(self.result.updated, "cohorts")

    def members(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        self._each("cohort_members", batch, self._member)

    def _member(self, _line: int, m: dict[str, Any]) -> None:
        table = self.tables["cohort_members"]
        if m.get("cohort_id") not in self.known_cohorts:
            raise Refused(_("refers to a cohort that is neither here nor accepted from this bundle"))
        row = {"cohort_id": m["cohort_id"], "user_id": self.map_user(m.get("user_id"))}
        exists = self.s.execute(select(table.c.user_id).where(table.c.cohort_id == row["cohort_id"],
                                                              table.c.user_id == row["user_id"])).first()
        if exists is None:
            self.authority.cohorts()
            self.s.execute(insert(table), [row])
            self.count(self.result.added, "cohort_members")

    # --- enrollments: one per (user, course) -------------------------------------------------

    def enrollments(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        self._each("enrollments", batch, self._enrollment)

    def _enrollment(self, _line: int, e: dict[str, Any]) -> None:
        table = self.tables["enrollments"]
        e["user_id"] = self.map_user(e.get("user_id"))
        lww: tuple[str, ...] = ENROLLMENT_LWW
        if not self.authority.is_staff:
            # Cohort and due date are an instructor's decisions; a trainee's device brings the rest.
            e["cohort_id"], e["due_date"], lww = None, None, ("course_version",)
        local = self.s.execute(select(table).where(table.c.id == e["id"])).mappings().first()
        if local is None:
            local = self.s.execute(select(table).where(table.c.user_id == e["user_id"],
                                                       table.c.course_id == e["course_id"])).mappings().first()
        if local is None:
            self._may_enroll(e)
            self.s.execute(insert(table), [e])
            self.count(self.result.added, "enrollments")
            return
        local = dict(local)
        values: dict[str, Any] = {}
        if e["id"] < local["id"]:
            values.update(id=e["id"], workstation_id=e.get("workstation_id", ""), created_at=e["created_at"])
        if _newer(e, local, lww):
            values.update({f: e.get(f) for f in lww}, updated_at=e["updated_at"])
        done = [as_utc(t) for t in (local["completed_at"], e.get("completed_at")) if t is not None]
        if done and (local["completed_at"] is None or min(done) < as_utc(local["completed_at"])):
            values["completed_at"] = min(done)
        if values:
            self._may_enroll(e)
            values.setdefault("updated_at", local["updated_at"])  # a merge is not an edit
            self.s.execute(update(table).where(table.c.id == local["id"]).values(values))
            self.count(self.result.updated, "enrollments")

    def _may_enroll(self, e: dict[str, Any]) -> None:
        self.authority.own_records(e["user_id"], self.logins.get(e["user_id"], ""))
        if e.get("cohort_id") is not None and e["cohort_id"] not in self.known_cohorts:
            raise Refused(_("refers to a cohort that is neither here nor accepted from this bundle"))

    # --- certificates: immutable, but a revocation sticks ------------------------------------

    def certificates(self, batch: list[tuple[int, dict[str, Any]]]) -> None:
        self._each("certificates", batch, self._certificate)

    def _certificate(self, _line: int, c: dict[str, Any]) -> None:
        table = self.tables["certificates"]
        c["user_id"] = self.map_user(c.get("user_id"))
        for col in ("issued_by", "revoked_by"):
            c[col] = self.map_user(c.get(col), nullable=True)
        local = self.s.execute(select(table).where(table.c.id == c["id"])).mappings().first()
        if local is None:
            self.authority.certificate(c["issued_by"], self.roles)
            if c.get("revoked_at") is not None:
                self.authority.revocation(c["revoked_by"], self.roles)
            clash = self.s.execute(select(table.c.id).where(table.c.number == c["number"])).first()
            if clash is not None:
                raise Refused(_("certificate number {number} is already used by another certificate").format(
                    number=c["number"]))
            self.s.execute(insert(table), [c])
            self.count(self.result.added, "certificates")
            return
        theirs, mine = c.get("revoked_at"), local["revoked_at"]
        if theirs is not None and (mine is None or as_utc(theirs) < as_utc(mine)):
            self.authority.revocation(c["revoked_by"], self.roles)
            self.s.execute(update(table).where(table.c.id == c["id"]).values(
                revoked_at=theirs, revoked_reason=c.get("revoked_reason", ""), revoked_by=c.get("revoked_by")))
            self.count(self.result.updated, "certificates")

    # --- append-only records: the union by id ----------------------------------------------

    def append_only(self, name: str, batch: list[tuple[int, dict[str, Any]]]) -> None:
        table = self.tables[name]
        fks = user_fk_columns().get(name, [])
        ids = [r["id"] for _l, r in batch if isinstance(r.get("id"), str)]
        present = set(self.s.scalars(select(table.c.id).where(table.c.id.in_(ids))))
        fresh = [(line, r) for line, r in batch if r.get("id") not in present]
        checked = [(line, d) for line, r in fresh if (d := self._decoded(name, line, r)) is not None]
        attempts: set[str] = set()
        if name == "lab_runs":
            wanted = {r["attempt_id"] for _l, r in checked if r.get("attempt_id")}
            attempts = set(self.s.scalars(select(StepAttempt.id).where(StepAttempt.id.in_(wanted))))
        rows: list[dict[str, Any]] = []
        lines: list[int] = []
        for line, r in checked:
            if r["id"] in present:
                continue
            try:
                for col in fks:
                    r[col] = self.map_user(r.get(col), nullable=table.c[col].nullable)
                self._may_append(name, r, attempts)
            except Refused as exc:
                self.refuse(name, line, r["id"], str(exc))
                continue
            present.add(r["id"])
            rows.append(r)
            lines.append(line)
        if rows:
            try:
                self.s.execute(insert(table), rows)
            except IntegrityError as exc:
                raise self.fail(lines[0], _("records do not fit this database ({error})").format(
                    error=constraint_summary(exc))) from exc
            self.count(self.result.added, name, len(rows))

    def _may_append(self, name: str, r: dict[str, Any], attempts: set[str]) -> None:
        if name in ("step_attempts", "lab_runs", "lesson_time", "review_logs"):
            self.authority.own_records(r["user_id"], self.logins.get(r["user_id"], ""))
        if name == "lab_runs" and r.get("attempt_id") and r["attempt_id"] not in attempts:
            raise Refused(_("refers to attempt {id}, which is neither here nor accepted from this bundle").format(
                id=r["attempt_id"]))
        if name == "signoffs":
            self.authority.signoff(r["instructor_id"], self.roles)
        elif name == "audit_log":
            self.authority.audit(r.get("actor_id"), self.roles)

"""Offline workstations: signed progress bundles, exported and merged idempotently.

A bundle is a zip file with three members:

``records.jsonl``
    One record a line, ``{"t": table, "r": {column: value}}``, tables in
    :data:`TABLE_ORDER`, rows by id. Times are UTC ISO 8601.
``manifest.json``
    Center and workstation ids, who exported it, the export time, ``since``,
    record counts, the SHA-256 of ``records.jsonl`` and the signer's Ed25519
    public key.
``manifest.sig``
    Base64 Ed25519 signature of ``manifest.json``'s exact bytes, made with the
    exporting workstation's own sync key (:mod:`app.services.workstations`).

A bundle is imported only when its key is enrolled here and not revoked; what it
may change follows :mod:`app.services.sync_policy`, every field is checked by
:mod:`app.services.sync_validate`, and the merge rules are in
:mod:`app.services.sync_merge`. A damaged file is reported as changed or
damaged, never as an unexpected error.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Table, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.atomic import atomic_path
from app.certificates.keys import CenterKeys, KeyFileError, public_key_from_pem
from app.clock import as_utc
from app.i18n import _, format_date
from app.services.auth import Actor, PermissionDenied
from app.services.errors import constraint_summary, storage_errors
from app.services.sync_format import (
    APPEND_ONLY,
    LOCAL_ONLY,
    TABLE_ORDER,
    SyncError,
    codec,
    columns,
    encode,
    tables,
)
from app.services.sync_merge import Clamped, ImportResult, Merger, Refusal
from app.services.sync_policy import Authority, lower_role
from app.services.sync_validate import ID_RE
from app.services.workstations import WorkstationError, short_fingerprint, workstation_keys
from app.storage.db import durable
from app.storage.models import LabRun, Role, Setting, StepAttempt, User, Workstation, utcnow

__all__ = ["APPEND_ONLY", "BUNDLE_FORMAT", "LOCAL_ONLY", "TABLE_ORDER", "BundleInfo", "Clamped", "ExportResult",
           "ImportResult", "Refusal", "SyncError", "SyncService"]

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "zhizao-progress-bundle"
FORMAT_VERSION = 1
MANIFEST, SIGNATURE, RECORDS = "manifest.json", "manifest.sig", "records.jsonl"
MANIFEST_MAX = 1 << 20  # bytes; a real manifest is about 2 KB
LINE_MAX = 8 << 20  # bytes of one record line (answers and metrics are capped far below)
# What a damaged zip or member raises while being read: bad CRC, bad deflate data, a truncated
# file, an unsupported method, nesting too deep for the JSON parser.
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError, ValueError,
           RecursionError, UnicodeDecodeError)
# Tables a trainee's own export carries (their own rows only); the rest are staff business.
TRAINEE_TABLES = {"users": "id", "enrollments": "user_id", "step_attempts": "user_id", "lab_runs": "user_id",
                  "lesson_time": "user_id"}


# --- results --------------------------------------------------------------------------------

@dataclass
class ExportResult:
    path: Path
    counts: dict[str, int]
    since: dt.datetime | None
    fingerprint: str

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class BundleInfo:
    """A bundle whose signature and record hash have been checked."""

    path: Path
    manifest: dict[str, Any]
    fingerprint: str

    @property
    def center_id(self) -> str:
        return str(self.manifest.get("center_id", ""))

    @property
    def workstation_id(self) -> str:
        return str(self.manifest.get("workstation_id", ""))


# --- the service ----------------------------------------------------------------------------

@storage_errors
class SyncService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str, keys_dir: Path) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._keys_dir = Path(keys_dir)

    def _keys(self) -> CenterKeys:
        try:
            return workstation_keys(self._keys_dir)
        except WorkstationError as exc:
            raise SyncError(str(exc)) from exc

    def _setting(self, key: str) -> str:
        with self._sessions() as s:
            row = s.get(Setting, key)
            return row.value if row is not None else ""

    def center_id(self) -> str:
        return self._setting("center_id")

    def fingerprint(self) -> str:
        """This workstation's short fingerprint, the one an administrator enrols at the center."""
        return short_fingerprint(self._keys().public_key)

    # --- export ---------------------------------------------------------------------------

    def export_bundle(self, actor: Actor, path: Path, since: dt.datetime | None = None) -> ExportResult:
        """Write every mergeable record (attempts etc. created at/after ``since``) to a signed bundle.

        Users, cohorts, memberships, enrollments and certificates always travel
        whole (they are few and mutable); ``since`` limits the append-only records.
        A trainee's export carries only their own account and records. The file
        appears only when complete (written to ``.part``, then renamed).
        """
        path = Path(path)
        keys = self._keys()
        center = self.center_id()
        if not center:
            raise SyncError(_("This workstation has no center id yet; open it once with write access."))
        since_utc = as_utc(since) if since is not None else None
        only_user = None if actor.is_staff else actor.user_id
        if only_user is not None and not only_user:
            raise PermissionDenied(_("Log in to export your progress."))
        counts: dict[str, int] = {}
        digest = hashlib.sha256()
        try:
            with (atomic_path(path, durable=True) as tmp,
                  zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf):
                with zf.open(RECORDS, "w", force_zip64=True) as out, self._sessions() as s:
                    for name, table in tables().items():
                        counts[name] = 0
                        if only_user is not None and name not in TRAINEE_TABLES:
                            continue
                        for line in self._export_lines(s, name, table, since_utc, only_user):
                            out.write(line)
                            digest.update(line)
                            counts[name] += 1
                manifest = {
                    "format": BUNDLE_FORMAT,
                    "format_version": FORMAT_VERSION,
                    "app_version": __version__,
                    "center_id": center,
                    "center_name": self._setting("center_name"),
                    "workstation_id": self._ws,
                    "exported_by": {"user_id": actor.user_id, "login": actor.login},
                    "exported_at": dt.datetime.now(dt.UTC).isoformat(),
                    "since": since_utc.isoformat() if since_utc else None,
                    "records": {"file": RECORDS, "sha256": digest.hexdigest(), "counts": counts,
                                "tables": list(TABLE_ORDER)},
                    "signer": {"algorithm": "Ed25519", "public_key": keys.public_pem().decode("ascii"),
                               "fingerprint": short_fingerprint(keys.public_key)},
                }
                data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
                zf.writestr(MANIFEST, data)
                zf.writestr(SIGNATURE, base64.b64encode(keys.sign(data)) + b"\n")
        except OSError as exc:
            raise SyncError(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
        log.info("exported %d records to %s", sum(counts.values()), path)
        return ExportResult(path, counts, since_utc, short_fingerprint(keys.public_key))

    def _export_lines(self, s: Session, name: str, table: Table, since: dt.datetime | None,
                      only_user: str | None) -> Iterator[bytes]:
        cols = columns(name)
        kinds = codec(table)
        query = select(*(table.c[c] for c in cols))
        if since is not None and name in APPEND_ONLY:
            cond = table.c.created_at >= since
            if name == "step_attempts":
                # A lab run in the bundle brings its attempt, whenever that was made.
                cond = or_(cond, table.c.id.in_(select(LabRun.attempt_id).where(LabRun.created_at >= since)))
            query = query.where(cond)
        if only_user is not None:
            query = query.where(table.c[TRAINEE_TABLES[name]] == only_user)
        if name == "audit_log":  # enrolments are this store's own trust decisions, like the table they change
            query = query.where(table.c.action.not_like("workstation.%"))
        query = query.order_by(*table.primary_key.columns)
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
        for row in s.execute(query.execution_options(yield_per=2000)):
            rec = {c: encode(v, kinds.get(c)) for c, v in zip(cols, row)}
            yield (dumps({"t": name, "r": rec}) + "\n").encode("utf-8")

    # --- reading and checking a bundle ---------------------------------------------------

    def open_bundle(self, path: Path) -> BundleInfo:
        """Check the file is a bundle, untouched since it was signed; return its manifest.

        A damaged file (bad CRC, bad compressed data, truncated, JSON too deep) gets the
        same message as a changed one: either way nothing in it can be trusted.
        """
        path = Path(path)
        name = path.name
        tampered = SyncError(_("{file} has been changed since it was exported, or is damaged (the signature "
                               "does not match); nothing was imported.").format(file=name))
        try:
            zf = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise SyncError(_("{file}: no such file").format(file=path)) from None
        except DAMAGED:
            raise SyncError(_("{file} is not a Zhizao progress bundle (not a zip file).").format(file=name)) from None
        try:
            with zf:
                members = set(zf.namelist())
                missing = [m for m in (MANIFEST, SIGNATURE, RECORDS) if m not in members]
                if missing:
                    raise SyncError(_("{file} is not a Zhizao progress bundle ({member} is missing).").format(
                        file=name, member=missing[0]))
                with zf.open(MANIFEST) as fh:
                    raw = fh.read(MANIFEST_MAX + 1)
                if len(raw) > MANIFEST_MAX:
                    raise tampered
                manifest = json.loads(raw)
                if (not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT
                        or not all(isinstance(manifest.get(k), str) and 0 < len(manifest[k]) <= 64
                                   for k in ("center_id", "workstation_id"))):
                    raise SyncError(_("{file} is not a Zhizao progress bundle.").format(file=name))
                version = manifest.get("format_version")
                if not isinstance(version, int) or version > FORMAT_VERSION:
                    raise SyncError(_("{file} was made by a newer Zhizao (bundle format {version}); "
                                      "update this workstation first.").format(file=name, version=version))
                try:
                    signer = manifest["signer"]
                    key = public_key_from_pem(str(signer["public_key"]).encode("ascii"), name)
                    with zf.open(SIGNATURE) as fh:
                        signature = base64.b64decode(fh.read(1024).strip(), validate=True)
                    key.verify(signature, raw)
                except (KeyError, TypeError, KeyFileError, InvalidSignature):
                    raise tampered from None
                digest = hashlib.sha256()
                with zf.open(RECORDS) as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        digest.update(block)
                records = manifest.get("records")
                if not isinstance(records, dict) or records.get("sha256") != digest.hexdigest():
                    raise tampered
        except SyncError:
            raise
        except DAMAGED:
            raise tampered from None
        return BundleInfo(path, manifest, short_fingerprint(key))

    def _iter_records(self, info: BundleInfo) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(line number, table, row) in file order; a malformed line is a clear error."""
        name = info.path.name
        known = tables()
        rank = {t: i for i, t in enumerate(TABLE_ORDER)}
        last = -1
        digest = hashlib.sha256()  # again: the file must not change between the check and the merge
        try:
            with zipfile.ZipFile(info.path) as zf, zf.open(RECORDS) as fh:
                for lineno, line in enumerate(iter(lambda: fh.readline(LINE_MAX + 1), b""), start=1):
                    digest.update(line)
                    if len(line) > LINE_MAX:
                        raise SyncError(_("{file}: line {line} is too long to be a record; nothing was imported.")
                                        .format(file=name, line=lineno))
                    if not line.strip():
                        continue
                    try:
                        rec = json.loads(line)
                        table, row = rec["t"], rec["r"]
                        if table not in known or not isinstance(row, dict):
                            raise ValueError(table)
                    except (ValueError, KeyError, TypeError, RecursionError):
                        raise SyncError(_("{file}: line {line} is not a record; nothing was imported.").format(
                            file=name, line=lineno)) from None
                    if rank[table] < last:
                        raise SyncError(_("{file}: line {line}: records are out of order.").format(
                            file=name, line=lineno))
                    last = rank[table]
                    yield lineno, table, row
        except SyncError:
            raise
        except DAMAGED:
            raise SyncError(_("{file} has been changed since it was exported, or is damaged (the signature "
                              "does not match); nothing was imported.").format(file=name)) from None
        if digest.hexdigest() != info.manifest["records"]["sha256"]:
            raise SyncError(_("{file} changed while it was being imported; nothing was imported.").format(file=name))

    # --- trust -----------------------------------------------------------------------------

    def _enrolment(self, s: Session, info: BundleInfo) -> tuple[Workstation | None, Role, str | None]:
        """(enrolment, most it may change, bound account) for the key that signed; refused if unknown."""
        fp = info.fingerprint
        if fp == short_fingerprint(self._keys().public_key):
            return None, Role.ADMIN, None  # our own bundle, back again
        row = s.get(Workstation, fp)
        file = info.path.name
        if row is None:
            raise SyncError(_("{file} is signed by workstation {fp}, which is not enrolled here; nothing was "
                              "imported. Check that 'zhizao sync enroll' on that workstation shows the same "
                              "fingerprint, then an administrator enrols it here: zhizao sync trust {fp} "
                              "--name NAME").format(file=file, fp=fp))
        if row.revoked_at is not None:
            raise SyncError(_("{file} is signed by workstation {name} ({fp}), whose enrolment was revoked on "
                              "{date}; nothing was imported. An administrator can enrol it again: zhizao sync "
                              "trust {fp}").format(file=file, name=row.name, fp=fp,
                                                   date=format_date(as_utc(row.revoked_at).date())))
        return row, Role(row.role), row.account_id

    def _authority(self, s: Session, info: BundleInfo, ceiling: Role, bound: str | None,
                   approve: bool) -> Authority:
        """The lower of the enrolment's role and the exporting account's role here."""
        sender = info.manifest.get("exported_by")
        user_id = sender.get("user_id") if isinstance(sender, dict) else ""
        login = sender.get("login") if isinstance(sender, dict) else ""
        if not user_id:  # the workstation's operator: the enrolment alone decides
            return Authority(ceiling, bound, approve)
        user = s.get(User, user_id) if isinstance(user_id, str) and ID_RE.match(user_id) else None
        if user is None and isinstance(login, str) and login:
            user = s.scalar(select(User).where(func.lower(User.login) == login.lower()[:64]))
        file = info.path.name
        if user is None:
            raise SyncError(_("{file} was exported by {login}, who has no account at this center; nothing was "
                              "imported.").format(file=file, login=str(login)[:64]))
        if user.disabled:
            raise SyncError(_("{file} was exported by {login}, whose account is disabled here; nothing was "
                              "imported.").format(file=file, login=user.login))
        if user.role not in {r.value for r in Role}:  # a role no release makes (an earlier forged import)
            raise SyncError(_("{file} was exported by {login}, whose role here is not a known role; nothing was "
                              "imported.").format(file=file, login=user.login))
        role = lower_role(ceiling, Role(user.role))
        if role is Role.TRAINEE:
            if bound is not None and Role(user.role) is Role.TRAINEE and user.id != bound:
                raise SyncError(_("{file} was exported by {login} on a device enrolled for another trainee; "
                                  "nothing was imported.").format(file=file, login=user.login))
            bound = bound or user.id
        return Authority(role, bound, approve)

    # --- import ---------------------------------------------------------------------------

    def import_bundle(self, actor: Actor, path: Path, accept_center: str | None = None,
                      approve_escalations: bool = False) -> ImportResult:
        """Merge a bundle from an enrolled workstation in one durable transaction.

        Records the bundle may not write are left out and listed in the result
        (``refused``); a bundle that cannot be trusted at all raises
        :class:`SyncError` and nothing is written. ``approve_escalations`` lets
        changes that make or touch an administrator through; only an
        administrator of this center may pass it.
        """
        if not actor.is_staff:
            raise PermissionDenied(_("Only instructors and administrators can import progress."))
        if approve_escalations and actor.role is not Role.ADMIN:
            raise PermissionDenied(_("Only an administrator of this center can approve administrator changes."))
        info = self.open_bundle(path)
        with self._sessions() as s:
            enrolled, ceiling, bound = self._enrolment(s, info)
            if enrolled is None:
                # Signed with our own key: whoever holds it already controls this data folder.
                authority = Authority(Role.ADMIN, None, approve_escalations)
                name = _("this workstation")
            else:
                authority = self._authority(s, info, ceiling, bound, approve_escalations)
                name = enrolled.name
        ours = self.center_id()
        adopt = False
        if info.center_id != ours:
            if accept_center is not None and accept_center == info.center_id:
                pass
            elif not self._is_empty():
                raise SyncError(_("{file} comes from another center ({theirs}; this one is {ours}). "
                                  "Nothing was imported. If that is intended, repeat with --accept-center {theirs}.")
                                .format(file=info.path.name, theirs=info.center_id, ours=ours))
            else:
                adopt = True  # a fresh workstation joins the center of its first bundle
        result = ImportResult(info.workstation_id, info.fingerprint, name, authority.role)
        now = utcnow()
        try:
            with self._sessions() as s, s.begin(), durable(s):
                Merger(s, info.path.name, result, authority, now).run(self._iter_records(info))
                if enrolled is not None:
                    row = s.get(Workstation, info.fingerprint)
                    if row is not None:
                        row.last_import_at = now
                        row.last_workstation_id = info.workstation_id[:36]
                if adopt:
                    s.merge(Setting(key="center_id", value=info.center_id))
        except IntegrityError as exc:
            raise SyncError(_("{file} does not fit this database ({error}); nothing was imported.").format(
                file=info.path.name, error=constraint_summary(exc))) from exc
        log.info("imported %s from workstation %s (%s, %s): added %s, updated %s, refused %d, clamped %d",
                 info.path, info.workstation_id, info.fingerprint, authority.role.value, result.added,
                 result.updated, len(result.refused), len(result.clamped))
        return result

    def _is_empty(self) -> bool:
        with self._sessions() as s:
            return not any(s.scalar(select(func.count()).select_from(m)) for m in (User, StepAttempt))

"""Offline workstations: signed progress bundles, exported and merged idempotently.

A bundle is a zip file with three members:

``records.jsonl``
    One record a line, ``{"t": table, "r": {column: value}}``, tables in
    :data:`TABLE_ORDER`, rows by id. Times are UTC ISO 8601.
``manifest.json``
    Center and workstation ids, the export time, ``since``, record counts, the
    SHA-256 of ``records.jsonl`` and the signer's Ed25519 public key.
``manifest.sig``
    Base64 Ed25519 signature of ``manifest.json``'s exact bytes, made with the
    exporting workstation's center key (:class:`app.certificates.keys.CenterKeys`).

The merge rules are in :mod:`app.services.sync_merge`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import logging
import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from sqlalchemy import Table, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app import __version__
from app.certificates.keys import CenterKeys, KeyFileError, TrustedIssuers, fingerprint, public_key_from_pem
from app.i18n import _
from app.services.auth import Actor, require_staff
from app.services.sync_merge import (APPEND_ONLY, LOCAL_ONLY, TABLE_ORDER, ImportResult, Merger, SyncError, as_utc,
                                     codec, columns, encode, tables)
from app.storage.db import durable
from app.storage.models import LabRun, Setting, StepAttempt, User

__all__ = ["APPEND_ONLY", "BUNDLE_FORMAT", "LOCAL_ONLY", "TABLE_ORDER", "BundleInfo", "ExportResult",
           "ImportResult", "SyncError", "SyncService"]

log = logging.getLogger(__name__)

BUNDLE_FORMAT = "zhizao-progress-bundle"
FORMAT_VERSION = 1
MANIFEST, SIGNATURE, RECORDS = "manifest.json", "manifest.sig", "records.jsonl"
TRUST_PREFIX = "sync_key:"  # setting: workstation id -> fingerprint of its key (trust on first use)


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

class SyncService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str, keys_dir: Path) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._keys_dir = Path(keys_dir)

    def _keys(self) -> CenterKeys:
        try:
            return CenterKeys.load_or_create(self._keys_dir)
        except (KeyFileError, OSError) as exc:
            raise SyncError(_("Cannot use this center's signing key: {error}").format(error=exc)) from exc

    def _setting(self, key: str) -> str:
        with self._sessions() as s:
            row = s.get(Setting, key)
            return row.value if row is not None else ""

    def center_id(self) -> str:
        return self._setting("center_id")

    # --- export ---------------------------------------------------------------------------

    def export_bundle(self, actor: Actor, path: Path, since: dt.datetime | None = None) -> ExportResult:
        """Write every mergeable record (attempts etc. created at/after ``since``) to a signed bundle.

        Users, cohorts, memberships, enrollments and certificates always travel
        whole (they are few and mutable); ``since`` limits the append-only records.
        The file appears only when complete (written to ``.part``, then renamed).
        """
        require_staff(actor)
        path = Path(path)
        keys = self._keys()
        center = self.center_id()
        if not center:
            raise SyncError(_("This workstation has no center id yet; open it once with write access."))
        since_utc = as_utc(since) if since is not None else None
        tmp = path.with_name(path.name + ".part")
        counts: dict[str, int] = {}
        digest = hashlib.sha256()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
                with zf.open(RECORDS, "w", force_zip64=True) as out, self._sessions() as s:
                    for name, table in tables().items():
                        counts[name] = 0
                        for line in self._export_lines(s, name, table, since_utc):
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
                    "exported_at": dt.datetime.now(dt.timezone.utc).isoformat(),
                    "since": since_utc.isoformat() if since_utc else None,
                    "records": {"file": RECORDS, "sha256": digest.hexdigest(), "counts": counts,
                                "tables": list(TABLE_ORDER)},
                    "signer": {"algorithm": "Ed25519", "public_key": keys.public_pem().decode("ascii"),
                               "fingerprint": keys.fingerprint()},
                }
                data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode("utf-8")
                zf.writestr(MANIFEST, data)
                zf.writestr(SIGNATURE, base64.b64encode(keys.sign(data)) + b"\n")
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            _discard(tmp)
            raise SyncError(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
        except BaseException:
            _discard(tmp)
            raise
        log.info("exported %d records to %s", sum(counts.values()), path)
        return ExportResult(path, counts, since_utc, keys.fingerprint())

    def _export_lines(self, s: Session, name: str, table: Table, since: dt.datetime | None) -> Iterator[bytes]:
        cols = columns(name)
        kinds = codec(table)
        query = select(*(table.c[c] for c in cols))
        if since is not None and name in APPEND_ONLY:
            cond = table.c.created_at >= since
            if name == "step_attempts":
                # A lab run in the bundle brings its attempt, whenever that was made.
                cond = or_(cond, table.c.id.in_(select(LabRun.attempt_id).where(LabRun.created_at >= since)))
            query = query.where(cond)
        query = query.order_by(*table.primary_key.columns)
        dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode
        for row in s.execute(query.execution_options(yield_per=2000)):
            rec = {c: encode(v, kinds.get(c)) for c, v in zip(cols, row)}
            yield (dumps({"t": name, "r": rec}) + "\n").encode("utf-8")

    # --- reading and checking a bundle ---------------------------------------------------

    def open_bundle(self, path: Path) -> BundleInfo:
        """Check the file is a bundle, untouched since it was signed; return its manifest."""
        path = Path(path)
        name = path.name
        try:
            zf = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise SyncError(_("{file}: no such file").format(file=path)) from None
        except (zipfile.BadZipFile, OSError):
            raise SyncError(_("{file} is not a Zhizao progress bundle (not a zip file).").format(file=name)) from None
        with zf:
            members = set(zf.namelist())
            missing = [m for m in (MANIFEST, SIGNATURE, RECORDS) if m not in members]
            if missing:
                raise SyncError(_("{file} is not a Zhizao progress bundle ({member} is missing).").format(
                    file=name, member=missing[0]))
            raw = zf.read(MANIFEST)
            try:
                manifest = json.loads(raw)
            except ValueError as exc:
                raise SyncError(_("{file}: {member} is not valid JSON ({error}).").format(
                    file=name, member=MANIFEST, error=exc)) from None
            if (not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT
                    or not all(isinstance(manifest.get(k), str) and 0 < len(manifest[k]) <= 64
                               for k in ("center_id", "workstation_id"))):
                raise SyncError(_("{file} is not a Zhizao progress bundle.").format(file=name))
            version = manifest.get("format_version")
            if not isinstance(version, int) or version > FORMAT_VERSION:
                raise SyncError(_("{file} was made by a newer Zhizao (bundle format {version}); "
                                  "update this workstation first.").format(file=name, version=version))
            tampered = SyncError(_("{file} has been changed since it was exported (the signature does not "
                                   "match); nothing was imported.").format(file=name))
            try:
                signer = manifest["signer"]
                key = public_key_from_pem(str(signer["public_key"]).encode("ascii"), name)
                signature = base64.b64decode(zf.read(SIGNATURE).strip(), validate=True)
                key.verify(signature, raw)
            except (KeyError, TypeError, ValueError, KeyFileError, InvalidSignature):
                raise tampered from None
            digest = hashlib.sha256()
            with zf.open(RECORDS) as fh:
                for block in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(block)
            records = manifest.get("records")
            if not isinstance(records, dict) or records.get("sha256") != digest.hexdigest():
                raise tampered
        return BundleInfo(path, manifest, fingerprint(key))

    def _iter_records(self, info: BundleInfo) -> Iterator[tuple[int, str, dict[str, Any]]]:
        """(line number, table, row) in file order; a malformed line is a clear error."""
        name = info.path.name
        known = tables()
        rank = {t: i for i, t in enumerate(TABLE_ORDER)}
        last = -1
        digest = hashlib.sha256()  # again: the file must not change between the check and the merge
        with zipfile.ZipFile(info.path) as zf, zf.open(RECORDS) as fh:
            for lineno, line in enumerate(fh, start=1):
                digest.update(line)
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                    table, row = rec["t"], rec["r"]
                    if table not in known or not isinstance(row, dict):
                        raise ValueError(f"unknown table {table!r}")
                except (ValueError, KeyError, TypeError) as exc:
                    raise SyncError(_("{file}: line {line}: not a record ({error}).").format(
                        file=name, line=lineno, error=exc)) from None
                if rank[table] < last:
                    raise SyncError(_("{file}: line {line}: records are out of order.").format(file=name, line=lineno))
                last = rank[table]
                yield lineno, table, row
        if digest.hexdigest() != info.manifest["records"]["sha256"]:
            raise SyncError(_("{file} changed while it was being imported; nothing was imported.").format(file=name))

    # --- import ---------------------------------------------------------------------------

    def import_bundle(self, actor: Actor, path: Path, accept_center: str | None = None) -> ImportResult:
        """Merge a bundle into this store in one durable transaction (all or nothing)."""
        require_staff(actor)
        info = self.open_bundle(path)
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
        key_status = self._check_signer(info)
        result = ImportResult(info.workstation_id, key_status)
        try:
            with self._sessions() as s, s.begin(), durable(s):
                merger = Merger(s, info.path.name, result)
                merger.run(self._iter_records(info))
                if key_status == "new" and info.workstation_id:
                    s.merge(Setting(key=TRUST_PREFIX + info.workstation_id, value=info.fingerprint))
                if adopt:
                    s.merge(Setting(key="center_id", value=info.center_id))
        except IntegrityError as exc:
            raise SyncError(_("{file} does not fit this database ({error}); nothing was imported.").format(
                file=info.path.name, error=exc.orig)) from exc
        log.info("imported %s from workstation %s: added %s, updated %s, merged logins %s", info.path,
                 info.workstation_id, result.added, result.updated, result.merged_logins)
        return result

    def _is_empty(self) -> bool:
        with self._sessions() as s:
            return not any(s.scalar(select(func.count()).select_from(m)) for m in (User, StepAttempt))

    def _check_signer(self, info: BundleInfo) -> str:
        """Which key signed it: ours/trusted, or a workstation key seen before (trust on first use)."""
        fp = info.fingerprint
        own = self._keys()
        if fp == own.fingerprint():
            return "center"
        if any(k.fingerprint == fp for k in TrustedIssuers.load(self._keys_dir, own)):
            return "trusted"
        if info.workstation_id == self._ws:
            raise SyncError(_("{file} claims to come from this workstation but is signed with another key; "
                              "nothing was imported.").format(file=info.path.name))
        known = self._setting(TRUST_PREFIX + info.workstation_id)
        if known and known != fp:
            raise SyncError(_("{file} is signed with a different key than earlier bundles from workstation "
                              "{ws} (key {fp}); nothing was imported.").format(
                                  file=info.path.name, ws=info.workstation_id, fp=fp))
        return "known" if known else "new"


def _discard(path: Path) -> None:
    """Remove a half-written file, if there is one (never mask the original error)."""
    try:
        path.unlink()
    except OSError:
        pass

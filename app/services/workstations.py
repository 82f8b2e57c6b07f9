"""Workstation trust for progress bundles: this PC's sync key and the workstations enrolled here.

Every workstation signs its bundles with its own Ed25519 key (``<data>/keys/workstation/``),
shown as a short fingerprint such as ``K7QW-3MZD-PX2A-UFTN-ELC4`` that two people can compare
on two screens, as with SSH. An administrator enrols that fingerprint at the center; a bundle
signed by any other key is refused. The enrolment also says the most the workstation's
bundles may change (:class:`Role`): a trainee's own device (that trainee's records only), an
instructor workstation (trainees' records, sign-offs, revocations) or an administrator
workstation (accounts too). The rules per record are in :mod:`app.services.sync_policy`.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.certificates.keys import CenterKeys, KeyFileError, raw_public_bytes
from app.i18n import _
from app.services.auth import Actor, ServiceError, as_utc, require_role
from app.services.errors import storage_errors
from app.storage.models import AuditEntry, Role, User, Workstation, utcnow

WORKSTATION_KEY_DIR = "workstation"  # under <data>/keys: the same file layout as the center key
FINGERPRINT_CHARS = 20  # base32 characters: 100 bits, far beyond any second-preimage search
_GROUP = 4
_NAME_MAX = 100


class WorkstationError(ServiceError):
    """An enrolment request that cannot be done; the message says why (translated)."""


def short_fingerprint(public_key: Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, base32, first 20 characters in groups of four."""
    digest = base64.b32encode(hashlib.sha256(raw_public_bytes(public_key)).digest()).decode("ascii")
    return _grouped(digest[:FINGERPRINT_CHARS])


def _grouped(chars: str) -> str:
    return "-".join(chars[i:i + _GROUP] for i in range(0, len(chars), _GROUP))


def parse_fingerprint(text: str) -> str:
    """The canonical form of a typed fingerprint (any case, spaces or dashes, 0 for O, 1 for I)."""
    raw = re.sub(r"^\s*SHA256:", "", str(text), flags=re.IGNORECASE)
    chars = re.sub(r"[\s\-:]", "", raw).upper().replace("0", "O").replace("1", "I")
    if len(chars) != FINGERPRINT_CHARS or not re.fullmatch(r"[A-Z2-7]+", chars):
        raise WorkstationError(_("“{text}” is not a workstation fingerprint (20 letters and digits like "
                                 "K7QW-3MZD-PX2A-UFTN-ELC4; 'zhizao sync enroll' shows it).").format(text=text))
    return _grouped(chars)


def workstation_keys(keys_dir: Path) -> CenterKeys:
    """This workstation's sync key pair, made on first use (private key mode 0600)."""
    try:
        return CenterKeys.load_or_create(Path(keys_dir) / WORKSTATION_KEY_DIR)
    except (KeyFileError, OSError) as exc:
        raise WorkstationError(_("Cannot use this workstation's sync key: {error}").format(error=exc)) from exc


@dataclass(frozen=True)
class WorkstationInfo:
    fingerprint: str
    name: str
    role: Role
    account_login: str | None  # a trainee's own device: whose records it may bring
    enrolled_at: dt.datetime
    revoked_at: dt.datetime | None
    last_import_at: dt.datetime | None
    last_workstation_id: str
    enrolled_by: str | None = None  # the administrator's login

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def _info(s: Session, row: Workstation) -> WorkstationInfo:
    login = s.scalar(select(User.login).where(User.id == row.account_id)) if row.account_id else None
    by = s.scalar(select(User.login).where(User.id == row.enrolled_by)) if row.enrolled_by else None
    return WorkstationInfo(row.fingerprint, row.name, Role(row.role), login, as_utc(row.enrolled_at),
                           as_utc(row.revoked_at), as_utc(row.last_import_at), row.last_workstation_id, by)


@storage_errors
class WorkstationService:
    """List, enrol and revoke workstations (administrators only, every change audited)."""

    def __init__(self, sessions: sessionmaker[Session], workstation_id: str, keys_dir: Path) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._keys_dir = Path(keys_dir)

    def own_fingerprint(self) -> str:
        """This workstation's fingerprint: what an administrator enrols at the center."""
        return short_fingerprint(workstation_keys(self._keys_dir).public_key)

    def list(self, actor: Actor) -> list[WorkstationInfo]:
        require_role(actor, Role.ADMIN)
        with self._sessions() as s:
            rows = s.scalars(select(Workstation).order_by(Workstation.revoked_at.is_not(None), Workstation.name,
                                                          Workstation.fingerprint)).all()
            return [_info(s, r) for r in rows]

    def get(self, actor: Actor, fingerprint: str) -> WorkstationInfo | None:
        require_role(actor, Role.ADMIN)
        fp = parse_fingerprint(fingerprint)
        with self._sessions() as s:
            row = s.get(Workstation, fp)
            return _info(s, row) if row is not None else None

    def enroll(self, actor: Actor, fingerprint: str, name: str = "", role: Role | str = Role.INSTRUCTOR,
               trainee_login: str | None = None) -> WorkstationInfo:
        """Trust bundles signed by ``fingerprint``; enrolling again changes the terms or re-enrols a revoked one.

        ``trainee_login`` makes it a trainee's own device: its bundles may bring that trainee's
        records and nothing else (``role`` is then trainee).
        """
        require_role(actor, Role.ADMIN)
        fp = parse_fingerprint(fingerprint)
        role = Role.TRAINEE if trainee_login else Role(role)
        name = " ".join(str(name).split())
        if len(name) > _NAME_MAX:
            raise WorkstationError(_("A workstation name has at most {n} characters.").format(n=_NAME_MAX))
        if fp == self.own_fingerprint():
            raise WorkstationError(_("{fp} is this workstation's own key; enrol it at the center, "
                                     "not here.").format(fp=fp))
        with self._sessions() as s, s.begin():
            account_id = None
            if role is Role.TRAINEE:
                if not trainee_login:
                    raise WorkstationError(_("A trainee's device is enrolled for one trainee: give their login."))
                user = s.scalar(select(User).where(func.lower(User.login) == trainee_login.strip().lower()))
                if user is None:
                    raise WorkstationError(_("No user with the login “{login}”.").format(login=trainee_login))
                account_id = user.id
            row = s.get(Workstation, fp)
            action = "workstation.enroll"
            if row is None:
                row = Workstation(fingerprint=fp, last_workstation_id="")
                s.add(row)
            elif row.revoked_at is None:
                action = "workstation.update"
            row.name = name or row.name or fp
            row.role = role.value
            row.account_id = account_id
            row.enrolled_at = utcnow()
            row.enrolled_by = actor.user_id or None
            row.revoked_at = None
            row.revoked_by = None
            s.add(AuditEntry(actor_id=actor.user_id or None, action=action, target_user_id=account_id,
                             details={"fingerprint": fp, "name": row.name, "role": role.value},
                             workstation_id=self._ws))
            s.flush()
            return _info(s, row)

    def revoke(self, actor: Actor, fingerprint: str) -> WorkstationInfo:
        """Refuse this workstation's bundles from now on (what it brought before stays)."""
        require_role(actor, Role.ADMIN)
        fp = parse_fingerprint(fingerprint)
        with self._sessions() as s, s.begin():
            row = s.get(Workstation, fp)
            if row is None:
                raise WorkstationError(_("No workstation with the fingerprint {fp} is enrolled here.").format(fp=fp))
            if row.revoked_at is not None:
                raise WorkstationError(_("Workstation {name} ({fp}) is already revoked.").format(name=row.name,
                                                                                               fp=fp))
            row.revoked_at = utcnow()
            row.revoked_by = actor.user_id or None
            s.add(AuditEntry(actor_id=actor.user_id or None, action="workstation.revoke",
                             target_user_id=row.account_id, details={"fingerprint": fp, "name": row.name},
                             workstation_id=self._ws))
            s.flush()
            return _info(s, row)

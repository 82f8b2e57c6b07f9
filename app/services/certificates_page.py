"""What the verification page embeds, gathered from the center (issue 22).

Qt-free. :meth:`CertificateService.export_verifier_page` checks the actor and calls
:func:`write_verifier_page`; the page itself is built by :mod:`app.certificates.verifier.page`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.certificates.keys import CenterKeys, TrustedIssuers, raw_public_bytes
from app.certificates.verifier.page import PageData, PageIssuer, PageRevocation, write_page
from app.i18n import _
from app.services.auth import ServiceError
from app.services.settings import SettingsService
from app.storage.models import Certificate


def write_verifier_page(sessions: sessionmaker[Session], own: CenterKeys, keys_dir: Path, settings: SettingsService,
                        out_path: Path, now: dt.datetime | None = None) -> Path:
    """Write the page and return its path; :class:`ServiceError` when it cannot be written.

    It embeds the center's name, this center's public key, the issuer keys this workstation trusts
    (``keys/trusted/*.pem``: the app accepts them, so the page does too), and every revocation in
    the records as of ``now`` (default: this moment), with that date and time.
    """
    from app import __version__

    own_raw = raw_public_bytes(own.public_key)
    issuers = tuple(PageIssuer(k.name, raw_public_bytes(k.public_key), raw_public_bytes(k.public_key) == own_raw)
                    for k in TrustedIssuers.load(keys_dir, own))
    snapshot = now or dt.datetime.now(dt.UTC)
    with sessions() as s:
        rows = s.execute(select(Certificate.number, Certificate.revoked_at, Certificate.revoked_reason)
                         .where(Certificate.revoked_at.is_not(None))).all()
    revocations = tuple(PageRevocation(number, revoked_at.date(), reason or "")
                        for number, revoked_at, reason in rows)
    data = PageData(settings.get("center_name").strip(), settings.get("center_name_zh").strip(),
                    issuers, revocations, snapshot, __version__)
    try:
        return write_page(out_path, data)
    except OSError as exc:
        raise ServiceError(_("The verification page could not be written to {path}: {error}").format(
            path=out_path, error=exc.strerror or exc)) from exc

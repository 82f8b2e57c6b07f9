"""Verifying certificates at the center: this center's and imported issuer keys, plus its revocations.

Qt-free. The checks themselves are in :mod:`app.certificates.verify`; this
adds what only the center knows (which certificates it revoked). Verifying
never creates a key or a database row.
"""

from __future__ import annotations

import datetime as dt
import logging
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.certificates.claims import normalize_certificate_number
from app.storage.models import Certificate

log = logging.getLogger(__name__)


class CertificateVerifier:
    def __init__(self, sessions: sessionmaker[Session], keys_dir: Path) -> None:
        self._sessions = sessions
        self.keys_dir = Path(keys_dir)

    def revoked_lookup(self, number: str) -> tuple[bool, str]:
        """(revoked?, reason) from this center's records, for the verifier."""
        try:
            with self._sessions() as s:
                row = s.execute(select(Certificate.revoked_at, Certificate.revoked_reason)
                                .where(Certificate.number == normalize_certificate_number(number))).first()
        except Exception:  # an unreadable store must not fail the signature check
            log.exception("revocation lookup for %s failed", number)
            return False, ""
        if row is None or row[0] is None:
            return False, ""
        return True, row[1] or ""

    # --- verification ----------------------------------------------------------------------------

    def trusted_issuers(self):
        """This center's public key and ``keys/trusted/*.pem`` (never makes a key)."""
        from app.certificates.keys import TrustedIssuers

        return TrustedIssuers.load(self.keys_dir)

    def verify_pdf(self, path: Path, today: dt.date | None = None):
        from app.certificates.verify import verify_pdf

        return verify_pdf(Path(path), self.trusted_issuers(), self.revoked_lookup, today)

    def verify_qr(self, text: str, today: dt.date | None = None):
        from app.certificates.verify import verify_qr_text

        return verify_qr_text(text, self.trusted_issuers(), self.revoked_lookup, today)

    def verify_image(self, path: Path, today: dt.date | None = None):
        from app.certificates.verify import verify_image

        return verify_image(Path(path), self.trusted_issuers(), self.revoked_lookup, today)

    def verify_badge(self, doc: object, today: dt.date | None = None):
        from app.certificates.badge import verify_open_badge

        return verify_open_badge(doc, self.trusted_issuers(), self.revoked_lookup, today)

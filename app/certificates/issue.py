"""Sign claims and write the certificate files (PDF + Open Badges credential).

Store-free: the service that decides *whether* a learner gets a certificate
(and records it) builds the :class:`Claims` and calls :func:`write_certificate`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from app.certificates.badge import open_badge_credential
from app.certificates.claims import Claims, canonical_bytes
from app.certificates.keys import CenterKeys
from app.certificates.pdf import DEFAULT_SIGNER_TITLE, render_certificate
from app.certificates.qr import encode_payload

BADGE_SUFFIX = ".openbadge.json"


@dataclass(frozen=True)
class IssuedCertificate:
    claims: Claims
    signature: bytes
    key_id: bytes
    payload: str  # the QR text
    pdf_path: Path
    badge_path: Path | None


def sign_claims(claims: Claims, keys: CenterKeys) -> bytes:
    """Ed25519 signature over the canonical claims bytes."""
    return keys.sign(canonical_bytes(claims))


def badge_path_for(pdf_path: Path) -> Path:
    return Path(pdf_path).with_suffix(BADGE_SUFFIX)


def write_certificate(claims: Claims, keys: CenterKeys, pdf_path: Path, *, locale: str = "zh_CN",
                      logo_path: Path | None = None, signer_title: str = DEFAULT_SIGNER_TITLE,
                      signer_name: str = "", badge: bool = True) -> IssuedCertificate:
    """Sign, render the PDF and (by default) write ``<name>.openbadge.json`` beside it."""
    signature = sign_claims(claims, keys)
    pdf = render_certificate(claims, signature, Path(pdf_path), key_id=keys.key_id(), locale=locale,
                             logo_path=logo_path, signer_title=signer_title, signer_name=signer_name)
    badge_path = None
    if badge:
        badge_path = badge_path_for(pdf)
        doc = open_badge_credential(claims, keys, signature=signature)
        badge_path.write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return IssuedCertificate(claims, signature, keys.key_id(), encode_payload(claims, signature, keys.key_id()),
                             pdf, badge_path)

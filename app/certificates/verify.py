"""Offline verification of a certificate PDF, QR text, or photo of the QR code.

Outcome precedence: unreadable > tampered / unknown issuer > revoked >
expired > valid. "Tampered" means a trusted issuer's key id is present but
its signature does not match the claims (or the PDF's copies of the claims
disagree); "unknown issuer" means no trusted key signed it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.certificates.claims import Claims, ClaimsError, parse_canonical
from app.certificates.envelope import ATTACHMENT_NAME, EnvelopeError, parse_envelope
from app.certificates.keys import TrustedIssuers, TrustedKey, as_issuers
from app.certificates.qr import PayloadError, SignedPayload, decode_payload
from app.i18n import N_, _, format_date

log = logging.getLogger(__name__)

Status = Literal["valid", "tampered", "unknown_issuer", "revoked", "expired", "unreadable"]
RevokedLookup = Callable[[str], tuple[bool, str]]
Trusted = TrustedIssuers | Iterable[TrustedKey | Ed25519PublicKey]
INFO_KEY = "/ZhizaoCertificate"

STATUS_LABELS: dict[str, str] = {
    "valid": N_("Valid"),
    "tampered": N_("Tampered"),
    "unknown_issuer": N_("Unknown issuer"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "unreadable": N_("Unreadable"),
}


def status_label(status: str) -> str:
    return _(STATUS_LABELS.get(status, status))


@dataclass(frozen=True)
class Verification:
    status: Status
    claims: Claims | None
    message: str
    issuer: str = ""               # name of the trusted key that signed
    fingerprint: str = ""          # its SHA-256 fingerprint
    revocation_reason: str = ""
    notes: tuple[str, ...] = field(default=())  # what else was checked

    @property
    def ok(self) -> bool:
        return self.status == "valid"


def _unreadable(message: str) -> Verification:
    return Verification("unreadable", None, message)


def _try_claims(data: bytes) -> Claims | None:
    try:
        return parse_canonical(data)
    except ClaimsError:
        return None


def verify_signed(signed: SignedPayload, trusted_keys: Trusted, revoked_lookup: RevokedLookup | None = None,
                  today: date | None = None, notes: tuple[str, ...] = ()) -> Verification:
    """Check a signature, then revocation and expiry."""
    issuers = as_issuers(trusted_keys)
    candidates = issuers.with_key_id(signed.key_id)
    signer = next((k for k in candidates if k.verify(signed.signature, signed.claims_bytes)), None)
    if signer is None:  # the key id is only a hint: an altered id must not hide a good signature
        signer = next((k for k in issuers if k not in candidates
                       and k.verify(signed.signature, signed.claims_bytes)), None)
    if signer is None:
        shown = _try_claims(signed.claims_bytes)
        if candidates:
            return Verification("tampered", shown, _(
                "Tampered: the certificate data does not match the issuer's signature. "
                "Do not trust the details shown."), issuer=candidates[0].name,
                fingerprint=candidates[0].fingerprint, notes=notes)
        return Verification("unknown_issuer", shown, _(
            "Unknown issuer: the certificate was not signed by a trusted center key "
            "(key id {kid}). Import that center's public key to check it.").format(
                kid=signed.key_id.hex().upper()), notes=notes)
    claims = _try_claims(signed.claims_bytes)
    if claims is None:
        return Verification("unreadable", None, _(
            "Unreadable: the signed data is not certificate claims this version understands."),
            issuer=signer.name, fingerprint=signer.fingerprint, notes=notes)
    return _status(claims, signer, revoked_lookup, today, notes)


def _status(claims: Claims, signer: TrustedKey, revoked_lookup: RevokedLookup | None,
            today: date | None, notes: tuple[str, ...]) -> Verification:
    common = {"issuer": signer.name, "fingerprint": signer.fingerprint, "notes": notes}
    if revoked_lookup is not None:
        revoked, reason = revoked_lookup(claims.number)
        if revoked:
            return Verification("revoked", claims, _(
                "Revoked: certificate {number} was withdrawn by the issuer. Reason: {reason}").format(
                    number=claims.number, reason=reason or "—"), revocation_reason=reason, **common)
    today = today or date.today()
    if claims.expires_on is not None and claims.expires_on < today:
        return Verification("expired", claims, _(
            "Expired: certificate {number} was valid until {date}.").format(
                number=claims.number, date=format_date(claims.expires_on)), **common)
    return Verification("valid", claims, _(
        "Valid: certificate {number} for {name} was issued by {center}.").format(
            number=claims.number, name=claims.learner_name,
            center=claims.center_name_zh or claims.center_name), **common)


def verify_qr_text(text: str, trusted_keys: Trusted, revoked_lookup: RevokedLookup | None = None,
                   today: date | None = None) -> Verification:
    """Verify the text of a scanned or pasted QR code."""
    try:
        signed = decode_payload(text)
    except PayloadError as exc:
        return _unreadable(_("Unreadable: {reason}").format(reason=exc))
    return verify_signed(signed, trusted_keys, revoked_lookup, today)


def verify_image(path: Path, trusted_keys: Trusted, revoked_lookup: RevokedLookup | None = None,
                 today: date | None = None) -> Verification:
    """Verify a photo or scan of the certificate's QR code."""
    from app.certificates.decode_image import ImageDecodeError, certificate_payloads, decode_qr_texts

    try:
        payloads = certificate_payloads(path)
        if not payloads:
            others = decode_qr_texts(path)
    except ImageDecodeError as exc:
        return _unreadable(str(exc))
    if not payloads:
        if others:
            return _unreadable(_("Unreadable: the QR code in the image is not a Zhizao certificate."))
        return _unreadable(_("Unreadable: no QR code found in the image. Try a sharper, closer photo."))
    return verify_qr_text(payloads[0], trusted_keys, revoked_lookup, today)


def _pdf_sources(path: Path) -> tuple[bytes | None, str | None, str]:
    """(attachment bytes, info payload, page text) of a certificate PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        attachment = reader.attachments.get(ATTACHMENT_NAME)
        info = reader.metadata or {}
        payload = info.get(INFO_KEY)
        text = reader.pages[0].extract_text() if len(reader.pages) else ""
    except (PyPdfError, OSError, ValueError, KeyError, IndexError) as exc:
        raise PayloadError(_("{path}: not a readable PDF ({error})").format(path=path, error=exc)) from None
    data = attachment[0] if attachment else None
    return data, (str(payload) if payload is not None else None), text or ""


def _visible_qr(path: Path) -> list[str] | None:
    """Certificate payloads in the rendered first page; None if it cannot be checked."""
    try:
        from app.certificates.decode_image import certificate_payloads, render_pdf_page

        return certificate_payloads(render_pdf_page(path, dpi=150))
    except Exception:  # noqa: BLE001 - a renderer/decoder failure must not fail verification
        log.warning("could not check the visible QR code of %s", path, exc_info=True)
        return None


def verify_pdf(path: Path, trusted_keys: Trusted, revoked_lookup: RevokedLookup | None = None,
               today: date | None = None, check_visible: bool = True) -> Verification:
    """Verify a certificate PDF from its embedded data, then check the printed page agrees.

    The embedded JSON attachment is preferred, the document-info payload is
    the fallback, and the visible QR code the last resort. With
    ``check_visible`` the page's QR code and text must match the signed
    claims, or the PDF is reported as tampered.
    """
    path = Path(path)
    try:
        attachment, info_payload, page_text = _pdf_sources(path)
    except PayloadError as exc:
        return _unreadable(_("Unreadable: {reason}").format(reason=exc))

    notes: list[str] = []
    signed: SignedPayload | None = None
    payload_text = info_payload
    if attachment is not None:
        try:
            env = parse_envelope(attachment)
        except (EnvelopeError, ClaimsError) as exc:
            return Verification("tampered", None, _(
                "Tampered: the certificate data embedded in the PDF is damaged or altered ({reason}).").format(
                    reason=exc))
        signed = SignedPayload(env.key_id, env.signature, env.claims_bytes)
        try:
            in_payload = decode_payload(env.payload)
        except PayloadError:
            in_payload = None
        if in_payload != signed or (info_payload is not None and info_payload != env.payload):
            return Verification("tampered", env.claims, _(
                "Tampered: the copies of the certificate data inside the PDF disagree."))
        payload_text = env.payload
        notes.append(_("embedded certificate data read"))
    elif info_payload is not None:
        try:
            signed = decode_payload(info_payload)
        except PayloadError as exc:
            return Verification("tampered", None, _(
                "Tampered: the certificate code in the PDF's properties is damaged ({reason}).").format(
                    reason=exc))
        notes.append(_("certificate code in the document properties checked"))

    visible = _visible_qr(path) if (check_visible or signed is None) else None
    if signed is None:
        if not visible:
            return _unreadable(_("Unreadable: {path} holds no Zhizao certificate data.").format(path=path.name))
        payload_text = visible[0]
        try:
            signed = decode_payload(payload_text)
        except PayloadError as exc:
            return _unreadable(_("Unreadable: {reason}").format(reason=exc))
        notes.append(_("only the printed QR code could be read"))

    result = verify_signed(signed, trusted_keys, revoked_lookup, today, tuple(notes))
    if result.status in ("unreadable", "tampered", "unknown_issuer") or not check_visible:
        return result
    # The page people read must say what was signed.
    claims = result.claims
    assert claims is not None
    flat = "".join(page_text.split())
    if "".join(claims.number.split()) not in flat or "".join(claims.learner_name.split()) not in flat:
        return Verification("tampered", claims, _(
            "Tampered: the printed name or number differs from the signed certificate data."),
            issuer=result.issuer, fingerprint=result.fingerprint)
    if not visible:  # a decoder miss is not proof of tampering; a different code is
        notes.append(_("the printed QR code could not be read"))
    elif payload_text not in visible:
        return Verification("tampered", claims, _(
            "Tampered: the printed QR code does not match the certificate data in the PDF."),
            issuer=result.issuer, fingerprint=result.fingerprint)
    else:
        notes.append(_("printed QR code matches"))
    return Verification(result.status, claims, result.message, result.issuer, result.fingerprint,
                        result.revocation_reason, tuple(notes))


def claims_rows(claims: Claims) -> list[tuple[str, str]]:
    """(label, value) pairs to show verified claims in the CLI or the Verify dialog."""
    from app.i18n import format_decimal, format_percent

    def num(value: float) -> str:
        return format_decimal(value, 0 if float(value).is_integer() else 1)

    rows = [
        (_("Certificate No."), claims.number),
        (_("Learner"), f"{claims.learner_name} ({claims.learner_login})" if claims.learner_login
         else claims.learner_name),
        (_("Course"), " / ".join(t for t in (claims.course_title_zh, claims.course_title_en) if t)),
        (_("Course id and version"), f"{claims.course_id} {claims.course_version}"),
        (_("Completed on"), format_date(claims.issued_on)),
        (_("Score"), format_percent(claims.score / 100, 0 if float(claims.score).is_integer() else 1)
         if claims.score is not None else _("Pass")),
        (_("Hours"), num(claims.hours)),
        (_("Modules completed"), str(claims.modules_completed)),
        (_("Valid until"), format_date(claims.expires_on) if claims.expires_on else _("No expiry")),
        (_("Issuer"), " / ".join(n for n in (claims.center_name_zh, claims.center_name) if n)),
        (_("Center id"), claims.center_id),
    ]
    return rows

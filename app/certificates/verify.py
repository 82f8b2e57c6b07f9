"""Offline verification of a certificate PDF, QR text, or photo of the QR code.

Outcome precedence: unreadable > tampered / unknown issuer > revoked >
expired > valid. "Tampered" means a trusted issuer's key id is present but
its signature does not match the claims, the PDF's copies of the claims
disagree, or the visible page differs from the signed claims
(:mod:`app.certificates.page_compare`); "unknown issuer" means no trusted
key signed it.

A valid signature says what was signed, not what the paper shows: every
result carries :meth:`Verification.facts` (name, course, date, score, hours,
issuer, validity) to show first, under :data:`COMPARE_HINT`, and ``page``
says whether the page itself was compared: ``matches``, ``differs``,
``not_compared`` (a photo or unclear scan: "signature valid — compare the
details with the paper") or ``none`` (QR text, badge).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.certificates.claims import OVERRIDE_REASONS, Claims, ClaimsError, parse_canonical
from app.certificates.envelope import ATTACHMENT_NAME, EnvelopeError, parse_envelope
from app.certificates.keys import TrustedIssuers, TrustedKey, as_issuers
from app.certificates.qr import PayloadError, SignedPayload, decode_payload
from app.i18n import N_, _, format_date

log = logging.getLogger(__name__)

Status = Literal["valid", "tampered", "unknown_issuer", "revoked", "expired", "unreadable"]
PageOutcome = Literal["matches", "differs", "not_compared", "none"]
RevokedLookup = Callable[[str], tuple[bool, str]]
Trusted = TrustedIssuers | Iterable[TrustedKey | Ed25519PublicKey]
INFO_KEY = "/ZhizaoCertificate"
LAYOUT_KEY = "/ZhizaoLayout"

STATUS_LABELS: dict[str, str] = {
    "valid": N_("Valid"),
    "tampered": N_("Tampered"),
    "unknown_issuer": N_("Unknown issuer"),
    "revoked": N_("Revoked"),
    "expired": N_("Expired"),
    "unreadable": N_("Unreadable"),
}


COMPARE_HINT = N_("Compare these with the paper")
OVERRIDE_REASON_LABELS: dict[str, str] = {
    "prior_learning": N_("recognition of prior learning"),
    "assessed_elsewhere": N_("assessed in person by the training center"),
    "records_lost": N_("verified by the training center (records incomplete)"),
    "other": N_("decision of the training center (see its records)"),
}
assert set(OVERRIDE_REASON_LABELS) == set(OVERRIDE_REASONS)


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
    page: PageOutcome = "none"      # was the visible page compared with the signed claims?
    differences: tuple[str, ...] = field(default=())  # what differs on the page (translated names)

    @property
    def ok(self) -> bool:
        return self.status == "valid"

    @property
    def page_matches(self) -> bool:
        return self.page == "matches"

    def facts(self) -> list[tuple[str, str]]:
        """The signed facts to show first and large, under :data:`COMPARE_HINT` (empty without claims)."""
        return facts_rows(self.claims) if self.claims is not None else []


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
    return Verification("valid", claims, _valid_message(claims, "none"), **common)


def _valid_message(claims: Claims, page: str) -> str:
    center = claims.center_name_zh or claims.center_name
    if page == "matches":
        return _("Valid: certificate {number} for {name} was issued by {center}, "
                 "and the printed page matches it.").format(number=claims.number, name=claims.learner_name,
                                                            center=center)
    if page == "none":  # QR text or badge: the signed data is all there is
        return _("Valid: certificate {number} for {name} was issued by {center}.").format(
            number=claims.number, name=claims.learner_name, center=center)
    return _("Signature valid — compare the details with the paper: certificate {number} for {name} "
             "was issued by {center}.").format(number=claims.number, name=claims.learner_name, center=center)


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
    """Verify a photo or scan of the certificate's QR code; a scan of the whole page is compared too."""
    from app.certificates.decode_image import ImageDecodeError, certificate_payloads, decode_qr_texts, load_image

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
    result = verify_qr_text(payloads[0], trusted_keys, revoked_lookup, today)
    if result.status in ("unreadable", "tampered", "unknown_issuer") or result.claims is None:
        return result
    from app.certificates.page_compare import compare_certificate_image

    signed = decode_payload(payloads[0])
    try:
        comparison = compare_certificate_image(load_image(path), result.claims, signed.signature, signed.key_id)
    except ImageDecodeError:  # it was read a moment ago
        comparison = None
    return _with_page(result, comparison)


def _with_page(result: Verification, comparison) -> Verification:
    """``result`` with what the page comparison found (None: the page was not compared)."""
    notes = list(result.notes)
    claims = result.claims
    assert claims is not None
    if comparison is not None:
        notes.extend(comparison.notes)
    if comparison is not None and comparison.outcome == "differs":
        names = comparison.field_names
        return replace(result, status="tampered", message=_(
            "Tampered: the printed details differ from the signed certificate: {which}.").format(
                which=", ".join(names)), notes=tuple(notes), page="differs", differences=tuple(names))
    outcome = comparison.outcome if comparison is not None else "not_compared"
    if outcome == "matches":
        notes.append(_("the printed page matches the signed data"))
    elif comparison is not None:
        notes.append(_("the page was not compared: {reason}").format(reason=comparison.reason))
    message = _valid_message(claims, outcome) if result.status == "valid" else result.message
    return replace(result, message=message, notes=tuple(notes), page=outcome)


def _pdf_sources(path: Path) -> tuple[bytes | None, str | None, int, str | None]:
    """(attachment bytes, info payload, page count, layout version) of a certificate PDF."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(str(path))
        attachment = reader.attachments.get(ATTACHMENT_NAME)
        info = reader.metadata or {}
        payload = info.get(INFO_KEY)
        layout = info.get(LAYOUT_KEY)
        pages = len(reader.pages)
    except (PyPdfError, OSError, ValueError, KeyError, IndexError) as exc:
        raise PayloadError(_("{path}: not a readable PDF ({error})").format(path=path, error=exc)) from None
    data = attachment[0] if attachment else None
    return (data, (str(payload) if payload is not None else None), pages,
            str(layout) if layout is not None else None)


SCAN_DPIS = (150, 300)  # a printed or scanned page: try sharper only when the QR is not found


def _visible_qr(path: Path, pages: int, all_pages: bool) -> tuple[list[str] | None, int]:
    """(certificate payloads, page index) of the first page whose QR code reads; None if none could be checked.

    The app's own PDF has the certificate on page 1; a scan may hold it on any page.
    """
    try:
        from app.certificates.decode_image import certificate_payloads, render_pdf_page

        for dpi in SCAN_DPIS:
            for index in range(pages if all_pages else min(pages, 1)):
                found = certificate_payloads(render_pdf_page(path, index, dpi=dpi))
                if found:
                    return found, index
        return [], 0
    except Exception:
        log.warning("could not check the visible QR code of %s", path, exc_info=True)
        return None, 0


def _other_pages(path: Path, page_index: int) -> list[int]:
    from app.certificates.page_compare import other_pages_with_content

    try:
        return other_pages_with_content(path, page_index)
    except Exception:
        log.warning("could not render the other pages of %s", path, exc_info=True)
        return []


def verify_pdf(path: Path, trusted_keys: Trusted, revoked_lookup: RevokedLookup | None = None,
               today: date | None = None, check_visible: bool = True) -> Verification:
    """Verify a certificate PDF from its embedded data, then check the printed page agrees.

    The embedded JSON attachment is preferred, the document-info payload is
    the fallback, and the visible QR code (any page, rasterised: printouts
    and scans are images) the last resort. With ``check_visible`` the page's
    QR code must match and the page is compared with the one drawn again
    from the signed claims: a page that differs is reported as tampered, one
    that cannot be compared as "signature valid — compare the details with
    the paper". A missing text layer is never a reason for "tampered".
    """
    path = Path(path)
    try:
        attachment, info_payload, pages, layout = _pdf_sources(path)
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

    visible, page_index = (_visible_qr(path, pages, all_pages=signed is None)
                           if (check_visible or signed is None) else (None, 0))
    if signed is None:
        if not visible:
            return _unreadable(_("Unreadable: {path} holds no Zhizao certificate data and no readable "
                                 "certificate QR code.").format(path=path.name))
        payload_text = visible[0]
        try:
            signed = decode_payload(payload_text)
        except PayloadError as exc:
            return _unreadable(_("Unreadable: {reason}").format(reason=exc))
        notes.append(_("only the printed QR code could be read"))

    result = verify_signed(signed, trusted_keys, revoked_lookup, today, tuple(notes))
    if result.status in ("unreadable", "tampered", "unknown_issuer") or not check_visible:
        return result
    claims = result.claims
    assert claims is not None
    if not visible:  # a decoder miss is not proof of tampering; a different code is
        notes.append(_("the printed QR code could not be read"))
    elif payload_text not in visible:
        return replace(result, status="tampered", message=_(
            "Tampered: the printed QR code does not match the certificate data in the PDF."), notes=tuple(notes))
    else:
        notes.append(_("printed QR code matches"))

    from app.certificates.page_compare import PageComparison, compare_certificate_page

    if layout is None and (attachment is not None or info_payload is not None):
        layout = "1"  # our own PDF from before layouts were numbered
    comparison = compare_certificate_page(path, page_index, claims, signed.signature, signed.key_id, layout)
    if pages > 1 and comparison.outcome != "differs" and _other_pages(path, page_index):
        # A second "certificate" beside the genuine one would be read by people, never checked.
        comparison = PageComparison("differs", ("pages",))
    return _with_page(replace(result, notes=tuple(notes)), comparison)


def _formatted(claims: Claims) -> dict[str, str]:
    from app.i18n import format_decimal, format_percent

    def num(value: float) -> str:
        return format_decimal(value, 0 if float(value).is_integer() else 1)

    return {
        "course": " / ".join(t for t in (claims.course_title_zh, claims.course_title_en) if t),
        "date": format_date(claims.issued_on),
        "score": (format_percent(claims.score / 100, 0 if float(claims.score).is_integer() else 1)
                  if claims.score is not None else _("Pass")),
        "hours": num(claims.hours),
        "issuer": " / ".join(n for n in (claims.center_name_zh, claims.center_name) if n),
        "valid": format_date(claims.expires_on) if claims.expires_on else _("No expiry"),
    }


def award_text(claims: Claims) -> str:
    """How the certificate was earned, in words (overrides say so)."""
    if not claims.is_override:
        return _("Completed the course")
    basis = OVERRIDE_REASON_LABELS.get(claims.override_reason, OVERRIDE_REASON_LABELS["other"])
    return _("Awarded by the training center, not by completing the course ({basis})").format(basis=_(basis))


def facts_rows(claims: Claims) -> list[tuple[str, str]]:
    """The signed facts an employer compares with the paper: name, course, date, score, hours, issuer, validity."""
    f = _formatted(claims)
    rows = [
        (_("Name"), claims.learner_name),
        (_("Course"), f["course"]),
        (_("Awarded on") if claims.is_override else _("Completed on"), f["date"]),
        (_("Score"), f["score"]),
        (_("Hours"), f["hours"]),
        (_("Issuer"), f["issuer"]),
        (_("Valid until"), f["valid"]),
    ]
    if claims.is_override:
        rows.append((_("Basis"), award_text(claims)))
    if claims.renews:
        rows.append((_("Renewal"), renews_text(claims)))
    return rows


def renews_text(claims: Claims) -> str:
    """The signed link to the certificate a renewal replaces (empty on other certificates)."""
    return _("Renews certificate {number}").format(number=claims.renews) if claims.renews else ""


def claims_rows(claims: Claims) -> list[tuple[str, str]]:
    """(label, value) pairs to show verified claims in the CLI or the Verify dialog."""
    f = _formatted(claims)
    return [
        (_("Certificate No."), claims.number),
        (_("Learner"), f"{claims.learner_name} ({claims.learner_login})" if claims.learner_login
         else claims.learner_name),
        (_("Course"), f["course"]),
        (_("Course id and version"), f"{claims.course_id} {claims.course_version}"),
        (_("Awarded on") if claims.is_override else _("Completed on"), f["date"]),
        (_("Score"), f["score"]),
        (_("Hours"), f["hours"]),
        (_("Modules completed"), str(claims.modules_completed)),
        (_("Basis"), award_text(claims)),
        (_("Valid until"), f["valid"]),
        (_("Issuer"), f["issuer"]),
        (_("Center id"), claims.center_id),
    ] + ([(_("Renewal"), renews_text(claims))] if claims.renews else [])

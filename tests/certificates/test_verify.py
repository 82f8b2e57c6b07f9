"""Verification outcomes: valid, tampered, unknown issuer, revoked, expired, unreadable."""

from __future__ import annotations

import base64
import json
import zlib
from datetime import date

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject
from reportlab.pdfgen.canvas import Canvas

from app.certificates.claims import canonical_bytes
from app.certificates.envelope import ATTACHMENT_NAME
from app.certificates.issue import sign_claims, write_certificate
from app.certificates.keys import TrustedIssuers
from app.certificates.qr import PREFIX, ZDICT, decode_payload, encode_payload
from app.certificates.verify import claims_rows, verify_image, verify_pdf, verify_qr_text
from tests.certificates.conftest import make_claims

TODAY = date(2027, 1, 1)


def _payload(claims, keys):
    return encode_payload(claims, sign_claims(claims, keys), keys.key_id())


def _repack(key_id: bytes, sig: bytes, claims_bytes: bytes) -> str:
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=ZDICT)
    blob = key_id + sig + packer.compress(claims_bytes) + packer.flush()
    return PREFIX + base64.b32encode(blob).decode().rstrip("=")


def test_valid_qr(claims, session_keys, trusted):
    v = verify_qr_text(_payload(claims, session_keys), trusted, today=TODAY)
    assert v.status == "valid" and v.ok
    assert v.claims == claims
    assert v.fingerprint == session_keys.fingerprint()
    assert "张伟" in v.message


def test_changing_any_byte_of_the_claims_gives_tampered(claims, session_keys, trusted):
    signed = decode_payload(_payload(claims, session_keys))
    data = signed.claims_bytes
    for i in range(len(data)):
        for flip in (0x01, 0x20):
            altered = data[:i] + bytes([data[i] ^ flip]) + data[i + 1:]
            v = verify_qr_text(_repack(signed.key_id, signed.signature, altered), trusted, today=TODAY)
            assert v.status == "tampered", (i, flip, v.message)


def test_changing_the_signature_gives_tampered(claims, session_keys, trusted):
    signed = decode_payload(_payload(claims, session_keys))
    sig = bytes([signed.signature[0] ^ 1]) + signed.signature[1:]
    assert verify_qr_text(_repack(signed.key_id, sig, signed.claims_bytes), trusted).status == "tampered"


def test_foreign_key_gives_unknown_issuer_but_shows_claims(claims, foreign_keys, trusted):
    v = verify_qr_text(_payload(claims, foreign_keys), trusted, today=TODAY)
    assert v.status == "unknown_issuer"
    assert v.claims == claims  # shown, with the warning in the message
    assert foreign_keys.key_id().hex().upper() in v.message


def test_foreign_key_becomes_valid_once_imported(claims, foreign_keys, session_keys):
    issuers = TrustedIssuers([session_keys.public_key, foreign_keys.public_key])
    assert verify_qr_text(_payload(claims, foreign_keys), issuers, today=TODAY).status == "valid"


def test_altered_key_id_does_not_hide_a_good_signature(claims, session_keys, trusted):
    signed = decode_payload(_payload(claims, session_keys))
    v = verify_qr_text(_repack(b"\0" * 8, signed.signature, signed.claims_bytes), trusted, today=TODAY)
    assert v.status == "valid"


def test_revoked_with_reason(claims, session_keys, trusted):
    asked = []

    def lookup(number):
        asked.append(number)
        return True, "exam misconduct"

    v = verify_qr_text(_payload(claims, session_keys), trusted, revoked_lookup=lookup, today=TODAY)
    assert v.status == "revoked" and v.revocation_reason == "exam misconduct"
    assert "exam misconduct" in v.message
    assert asked == [claims.number]


def test_not_revoked_lookup_keeps_valid(claims, session_keys, trusted):
    v = verify_qr_text(_payload(claims, session_keys), trusted, revoked_lookup=lambda n: (False, ""), today=TODAY)
    assert v.status == "valid"


def test_expired_after_the_expiry_date_only(session_keys, trusted):
    c = make_claims(expires_on=date(2027, 6, 30))
    payload = _payload(c, session_keys)
    assert verify_qr_text(payload, trusted, today=date(2027, 6, 30)).status == "valid"
    v = verify_qr_text(payload, trusted, today=date(2027, 7, 1))
    assert v.status == "expired" and "2027" in v.message


def test_no_expiry_never_expires(session_keys, trusted):
    c = make_claims(expires_on=None)
    assert verify_qr_text(_payload(c, session_keys), trusted, today=date(2099, 1, 1)).status == "valid"


def test_precedence(session_keys, foreign_keys, trusted):
    c = make_claims(expires_on=date(2027, 6, 30))
    late = date(2030, 1, 1)
    revoked = lambda n: (True, "r")
    assert verify_qr_text(_payload(c, session_keys), trusted, revoked, late).status == "revoked"
    signed = decode_payload(_payload(c, session_keys))
    bad = _repack(signed.key_id, signed.signature, signed.claims_bytes.replace(b"zhangwei", b"zhangwe1"))
    assert verify_qr_text(bad, trusted, revoked, late).status == "tampered"
    assert verify_qr_text(_payload(c, foreign_keys), trusted, revoked, late).status == "unknown_issuer"
    assert verify_qr_text("ZZC1:AAAA", trusted, revoked, late).status == "unreadable"


def test_garbage_qr_is_unreadable(trusted):
    v = verify_qr_text("https://example.org/", trusted)
    assert v.status == "unreadable" and v.claims is None and "ZZC1:" in v.message


def test_valid_pdf_checks_embedded_data_and_printed_qr(issued_zh, trusted):
    v = verify_pdf(issued_zh.pdf_path, trusted, today=TODAY)
    assert v.status == "valid", v.message
    assert v.claims == issued_zh.claims
    assert any("printed QR code matches" in n for n in v.notes)


def test_pdf_verification_reports_revocation_and_expiry(issued_zh, trusted):
    assert verify_pdf(issued_zh.pdf_path, trusted, lambda n: (True, "duplicate"), TODAY).status == "revoked"
    assert verify_pdf(issued_zh.pdf_path, trusted, today=date(2030, 1, 1)).status == "expired"


def test_pdf_signed_by_another_center_is_unknown_issuer(tmp_path, foreign_keys, trusted):
    issued = write_certificate(make_claims(), foreign_keys, tmp_path / "f.pdf", badge=False)
    assert verify_pdf(issued.pdf_path, trusted, today=TODAY).status == "unknown_issuer"


def _rewrite(src, dst, attachment: bytes | None = None, info_payload: str | None = None, drop=False):
    reader = PdfReader(str(src))
    writer = PdfWriter()
    writer.append(reader)
    if not drop:
        data = attachment if attachment is not None else reader.attachments[ATTACHMENT_NAME][0]
        writer.add_attachment(ATTACHMENT_NAME, data)
    meta = {k: v for k, v in (reader.metadata or {}).items() if not (drop and k == "/ZhizaoCertificate")}
    if info_payload is not None:
        meta["/ZhizaoCertificate"] = info_payload
    writer.add_metadata({NameObject(k): TextStringObject(str(v)) for k, v in meta.items()})
    with open(dst, "wb") as fh:
        writer.write(fh)
    return dst


def test_rewritten_but_unchanged_pdf_is_still_valid(issued_zh, trusted, tmp_path):
    copy = _rewrite(issued_zh.pdf_path, tmp_path / "copy.pdf")
    assert verify_pdf(copy, trusted, today=TODAY).status == "valid"


def test_edited_embedded_claims_give_tampered(issued_zh, trusted, tmp_path):
    doc = json.loads(PdfReader(str(issued_zh.pdf_path)).attachments[ATTACHMENT_NAME][0])
    doc["claims"]["score"] = 100
    forged = _rewrite(issued_zh.pdf_path, tmp_path / "forged.pdf",
                      attachment=json.dumps(doc, ensure_ascii=False).encode())
    v = verify_pdf(forged, trusted, today=TODAY)
    assert v.status == "tampered"


def test_damaged_attachment_gives_tampered(issued_zh, trusted, tmp_path):
    forged = _rewrite(issued_zh.pdf_path, tmp_path / "broken.pdf", attachment=b"{not json")
    assert verify_pdf(forged, trusted, today=TODAY).status == "tampered"


def test_another_valid_certificate_pasted_into_the_pdf_gives_tampered(issued_zh, session_keys, trusted, tmp_path):
    """Embedded data re-signed for someone else: the signature is fine, the printed page is not theirs."""
    other = write_certificate(make_claims(number="ZZ-2026-0000-0000", learner_name="李娜"), session_keys,
                              tmp_path / "other.pdf", badge=False)
    other_data = PdfReader(str(other.pdf_path)).attachments[ATTACHMENT_NAME][0]
    forged = _rewrite(issued_zh.pdf_path, tmp_path / "swap.pdf", attachment=other_data,
                      info_payload=other.payload)
    v = verify_pdf(forged, trusted, today=TODAY)
    assert v.status == "tampered", v.message


def test_info_payload_disagreeing_with_attachment_gives_tampered(issued_zh, session_keys, trusted, tmp_path):
    other = _payload(make_claims(learner_name="李娜"), session_keys)
    forged = _rewrite(issued_zh.pdf_path, tmp_path / "info.pdf", info_payload=other)
    assert verify_pdf(forged, trusted, today=TODAY).status == "tampered"


def test_stripped_pdf_falls_back_to_the_printed_qr(issued_zh, trusted, tmp_path):
    stripped = _rewrite(issued_zh.pdf_path, tmp_path / "stripped.pdf", drop=True)
    assert not PdfReader(str(stripped)).attachments
    v = verify_pdf(stripped, trusted, today=TODAY)
    assert v.status == "valid"
    assert any("only the printed QR" in n for n in v.notes)


def test_plain_pdf_and_non_pdf_are_unreadable(tmp_path, trusted):
    plain = tmp_path / "plain.pdf"
    c = Canvas(str(plain))
    c.drawString(100, 700, "hello")
    c.save()
    assert verify_pdf(plain, trusted).status == "unreadable"
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"not a pdf at all")
    v = verify_pdf(junk, trusted)
    assert v.status == "unreadable" and "junk.pdf" in v.message


def test_photo_of_the_certificate_verifies(issued_zh, trusted, tmp_path):
    from app.certificates.decode_image import render_pdf_page

    photo = render_pdf_page(issued_zh.pdf_path, dpi=110).rotate(-4, expand=True, fillcolor=(90, 90, 90))
    path = tmp_path / "photo.jpg"
    photo.convert("RGB").save(path, quality=70)
    v = verify_image(path, trusted, today=TODAY)
    assert v.status == "valid", v.message


def test_image_without_code_is_unreadable(tmp_path, trusted):
    from PIL import Image

    path = tmp_path / "blank.png"
    Image.new("RGB", (200, 200), "white").save(path)
    assert verify_image(path, trusted).status == "unreadable"
    (tmp_path / "bad.png").write_text("x")
    v = verify_image(tmp_path / "bad.png", trusted)
    assert v.status == "unreadable" and "bad.png" in v.message


def test_claims_rows_show_every_claim(claims):
    rows = dict(claims_rows(claims))
    assert rows["Certificate No."] == claims.number
    assert "张伟" in rows["Learner"] and "工业机器人操作与编程" in rows["Course"]
    assert rows["Score"] == "92.5%" and rows["Hours"] == "16" and rows["Modules completed"] == "6"
    assert rows["Completed on"] == "November 24, 2026"


def test_canonical_bytes_are_what_is_signed(claims, session_keys):
    session_keys.public_key.verify(sign_claims(claims, session_keys), canonical_bytes(claims))

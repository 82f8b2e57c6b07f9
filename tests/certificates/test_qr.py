"""The compact QR payload: encoding, decoding, garbage, and real QR round trips."""

from __future__ import annotations

import base64
import os
import zlib

import pytest
import zxingcpp
from PIL import Image, ImageFilter

from app.certificates.claims import canonical_bytes
from app.certificates.decode_image import certificate_payloads, decode_qr_texts
from app.certificates.qr import (
    PREFIX,
    PayloadError,
    _qrcode_matrix,
    decode_payload,
    encode_payload,
    qr_image,
    qr_matrix,
)

QR_ALPHANUMERIC = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
SIG, KID = bytes(range(64)), bytes(range(8))


def test_round_trip_keeps_the_exact_signed_bytes(claims):
    text = encode_payload(claims, SIG, KID)
    got = decode_payload(text)
    assert got.claims_bytes == canonical_bytes(claims)
    assert got.signature == SIG and got.key_id == KID
    assert got.claims() == claims


def test_payload_uses_only_qr_alphanumeric_characters_and_is_compact(claims):
    text = encode_payload(claims, SIG, KID)
    assert text.startswith(PREFIX)
    assert set(text) <= QR_ALPHANUMERIC and " " not in text
    assert len(text) < 450  # the preset dictionary keeps a typical code around version 12


def test_pasted_text_with_spaces_newlines_and_lower_case_decodes(claims):
    text = encode_payload(claims, SIG, KID)
    mangled = "  " + text[:40].lower() + "\n" + text[40:90] + " \r\n" + text[90:] + "\n"
    assert decode_payload(mangled).claims() == claims


@pytest.mark.parametrize("text, message", [
    ("", "empty"),
    ("hello world", "should start with ZZC1:"),
    ("ZZC1:!!!!", "damaged"),
    ("ZZC1:" + base64.b32encode(b"short").decode().rstrip("="), "too short"),
    ("ZZC1:" + base64.b32encode(os.urandom(120)).decode().rstrip("="), "damaged|cut off"),
])
def test_garbage_gives_a_clear_error(text, message):
    with pytest.raises(PayloadError, match=message):
        decode_payload(text)


def test_truncated_payload_is_reported(claims):
    text = encode_payload(claims, SIG, KID)
    with pytest.raises(PayloadError):
        decode_payload(text[:-40])


def test_decompression_bomb_is_refused():
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    bomb = packer.compress(b"0" * 200_000) + packer.flush()
    text = PREFIX + base64.b32encode(KID + SIG + bomb).decode().rstrip("=")
    with pytest.raises(PayloadError, match="too much"):
        decode_payload(text)


def test_fast_and_fallback_encoders_make_valid_codes(claims):
    text = encode_payload(claims, SIG, KID)
    for matrix in (qr_matrix(text), _qrcode_matrix(text)):
        n = len(matrix)
        img = Image.new("L", (n, n), 255)
        img.putdata([0 if d else 255 for row in matrix for d in row])
        img = img.resize((n * 6, n * 6), Image.NEAREST)
        assert [b.text for b in zxingcpp.read_barcodes(img)] == [text]


def test_qr_image_decodes_back(claims):
    text = encode_payload(claims, SIG, KID)
    assert decode_qr_texts(qr_image(text, box_size=5)) == [text]


def test_photo_like_image_still_decodes(claims, tmp_path):
    """Rotated, blurred, grey-on-grey, JPEG-compressed: like a phone photo of the paper."""
    text = encode_payload(claims, SIG, KID)
    img = qr_image(text, box_size=7).convert("L")
    canvas = Image.new("L", (img.width + 300, img.height + 300), 200)
    canvas.paste(img.point(lambda v: 60 if v < 128 else 215), (150, 150))
    photo = canvas.rotate(8, expand=True, fillcolor=190).filter(ImageFilter.GaussianBlur(1.2))
    path = tmp_path / "photo.jpg"
    photo.convert("RGB").save(path, quality=55)
    assert certificate_payloads(path) == [text]


def test_image_without_certificate_code(tmp_path):
    import qrcode

    path = tmp_path / "other.png"
    qrcode.make("https://example.org").save(path)
    assert decode_qr_texts(path) == ["https://example.org"]
    assert certificate_payloads(path) == []


def test_rows_fall_back_to_the_qrcode_package(claims, monkeypatch):
    import sys

    from app.certificates.qr import qr_rows

    text = encode_payload(claims, SIG, KID)
    fast = qr_rows(text)
    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # as if the wheel were missing
    slow = qr_rows(text)
    monkeypatch.undo()
    for rows in (fast, slow):
        n = len(rows)
        assert all(len(r) == n for r in rows) and rows[0] == bytes(n)  # square, quiet zone
        img = Image.frombytes("L", (n, n), b"".join(rows).translate(bytes([255, 0]) + bytes(254)))
        assert [b.text for b in zxingcpp.read_barcodes(img.resize((n * 6, n * 6), Image.NEAREST))] == [text]

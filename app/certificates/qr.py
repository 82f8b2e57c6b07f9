"""The compact signed payload carried by the certificate's QR code.

Text form: ``ZZC1:`` + RFC 4648 base32 (upper case, no padding) of::

    key id (8 bytes) | Ed25519 signature (64 bytes) | raw DEFLATE(canonical claims, ZDICT)

Base32 keeps every character in the QR "alphanumeric" mode (5.5 bits per
character, so 8.8 bits per byte) while containing no space, unlike base45:
the text survives being pasted from a phone's scanner app or an e-mail.
The key id is the first 8 bytes of the issuer key's SHA-256 fingerprint; it
tells "tampered" (a known issuer's signature fails) from "unknown issuer".
"""

from __future__ import annotations

import base64
import binascii
import zlib
from dataclasses import dataclass

from app.certificates.claims import Claims, canonical_bytes, parse_canonical
from app.certificates.keys import KEY_ID_LEN
from app.i18n import _

PREFIX = "ZZC1:"
SIG_LEN = 64
MAX_CLAIMS_BYTES = 16_384  # refuses DEFLATE bombs; real claims are < 1 kB

# Preset DEFLATE dictionary: the claim keys and words common in course and
# center names. It shrinks a typical payload from ~360 to ~180 bytes (a much
# smaller QR). FROZEN: codes already printed depend on it; a different
# dictionary needs a new prefix (ZZC2:).
ZDICT = (
    "Training Center Academy Institute College Vocational Technical School Factory "
    "Introduction Basics Advanced Safety Quality Sensor Motor Servo Welding Assembly Line "
    "PLC Automation Control Machine Learning AI Predictive Maintenance Industrial Robot "
    "Operation Programming & 职业技术学校 工厂 入门 基础 高级 安全 质量 传感器 电机 伺服 焊接 "
    "装配 产线 自动化 控制 机器学习 人工智能 预测性维护 工业机器人操作与编程 智造学院培训中心"
    '{"center_id":"","center_name":"","center_name_zh":"","course_id":"","course_title_en":"",'
    '"course_title_zh":"","course_version":"","expires_on":null,"hours":,"issued_on":"20",'
    '"learner_login":"","learner_name":"","modules_completed":,"number":"ZZ-20","score":null,"v":1}'
).encode()


class PayloadError(ValueError):
    """Text that is not a readable Zhizao certificate payload (message says why)."""


@dataclass(frozen=True)
class SignedPayload:
    key_id: bytes
    signature: bytes
    claims_bytes: bytes  # exactly the bytes that were signed

    def claims(self) -> Claims:
        """Parsed claims; raises ClaimsError if the bytes are not canonical claims."""
        return parse_canonical(self.claims_bytes)


def encode_payload(claims: Claims | bytes, signature: bytes, key_id: bytes) -> str:
    """The QR text for signed claims."""
    data = canonical_bytes(claims) if isinstance(claims, Claims) else claims
    if len(signature) != SIG_LEN or len(key_id) != KEY_ID_LEN:
        raise ValueError("signature must be 64 bytes and key id 8 bytes")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=ZDICT)
    packed = packer.compress(data) + packer.flush()
    blob = key_id + signature + packed
    return PREFIX + base64.b32encode(blob).decode("ascii").rstrip("=")


def decode_payload(text: str) -> SignedPayload:
    """Parse QR text back; :class:`PayloadError` for anything else."""
    if not isinstance(text, str):
        raise PayloadError(_("the certificate code is not text"))
    compact = "".join(text.split())
    if not compact:
        raise PayloadError(_("the certificate code is empty"))
    if compact[: len(PREFIX)].upper() != PREFIX:
        raise PayloadError(_("not a Zhizao certificate code (it should start with {prefix})").format(prefix=PREFIX))
    body = compact[len(PREFIX):].upper().rstrip("=")
    try:
        blob = base64.b32decode(body + "=" * (-len(body) % 8))
    except (binascii.Error, ValueError):
        raise PayloadError(_("the certificate code is damaged (characters outside A–Z, 2–7)")) from None
    if len(blob) <= KEY_ID_LEN + SIG_LEN:
        raise PayloadError(_("the certificate code is too short (cut off?)"))
    kid, sig, packed = blob[:KEY_ID_LEN], blob[KEY_ID_LEN:KEY_ID_LEN + SIG_LEN], blob[KEY_ID_LEN + SIG_LEN:]
    unpacker = zlib.decompressobj(-15, zdict=ZDICT)
    try:
        data = unpacker.decompress(packed, MAX_CLAIMS_BYTES)
    except zlib.error:
        raise PayloadError(_("the certificate code is damaged (its data does not unpack)")) from None
    if unpacker.unconsumed_tail:
        raise PayloadError(_("the certificate code holds too much data"))
    if not unpacker.eof:
        raise PayloadError(_("the certificate code is cut off"))
    return SignedPayload(key_id=kid, signature=sig, claims_bytes=data)


QUIET = 4  # modules of white border the QR standard asks for
_DARK = bytes(1 if px < 128 else 0 for px in range(256))  # zxing pixel → 1 = dark module


def qr_rows(payload: str) -> list[bytes]:
    """Module rows (byte 1 = dark) with the quiet zone, error correction M.

    zxing-cpp's C++ encoder makes them in about a millisecond; the pure-Python
    ``qrcode`` package (the fallback) takes ~20 ms, more than the rest of a
    certificate page. M (15 % recovery) keeps the code small enough to scan
    from 3.5 cm of paper.
    """
    try:
        import zxingcpp
    except ImportError:
        zxingcpp = None
    if zxingcpp is not None and hasattr(zxingcpp, "create_barcode"):
        code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
        view = memoryview(code.to_image(scale=1, add_quiet_zones=False))
        n = view.shape[1]
        flat = view.tobytes().translate(_DARK)
        rows = [flat[i:i + n] for i in range(0, len(flat), n)]
    else:
        rows = [bytes(row) for row in _qrcode_matrix(payload, border=0)]
    pad = bytes(QUIET)
    blank = bytes(len(rows[0]) + 2 * QUIET)
    return [blank] * QUIET + [pad + r + pad for r in rows] + [blank] * QUIET


def qr_matrix(payload: str) -> list[list[bool]]:
    """Module matrix (True = dark) with the quiet zone."""
    return [[bool(m) for m in row] for row in qr_rows(payload)]


def _qrcode_matrix(payload: str, border: int = QUIET) -> list[list[bool]]:
    """The same matrix from the pure-Python ``qrcode`` package."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=border)
    qr.add_data(payload)
    qr.make(fit=True)
    return [list(row) for row in qr.get_matrix()]


def qr_image(payload: str, box_size: int = 8):
    """A PIL image of the QR code (for the GUI, tests and PNG export)."""
    from PIL import Image

    matrix = qr_matrix(payload)
    n = len(matrix)
    img = Image.new("L", (n, n), 255)
    img.putdata([0 if dark else 255 for row in matrix for dark in row])
    return img.resize((n * box_size, n * box_size), Image.NEAREST)

"""Test vectors made with the app's own signer, and the app's verdict on each.

Every vector is QR text (what an employer pastes); ``expected`` is what
:func:`app.certificates.verify.verify_qr_text` says with the same keys and revocation
snapshot the page embeds, so a test compares the page with the app, never with a
hand-written answer.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import random
import zlib
from datetime import date

from app.certificates.claims import Claims, canonical_bytes, normalize_certificate_number
from app.certificates.keys import CenterKeys
from app.certificates.qr import PREFIX, ZDICT, encode_payload
from app.certificates.verifier.page import PageData, PageIssuer, PageRevocation
from app.certificates.verify import verify_qr_text

HOSTILE_NAME = '<script>document.title="pwned"</script><img src=x onerror=alert(1)>'
REVOKED_REASON = "issued in error <b>bold?</b>"


def base_claims(**changes) -> Claims:
    c = Claims(number="ZZ-2026-0003-RJ0E", learner_name="张伟", learner_login="zhangwei",
               course_id="robot-ops-101", course_version="1.2.0",
               course_title_en="Industrial Robot Operation & Programming", course_title_zh="工业机器人操作与编程",
               issued_on=date(2026, 11, 24), score=92.5, hours=16, modules_completed=6,
               expires_on=date(2099, 11, 24), center_id="0190a8f0-1234-7abc-8def-0123456789ab",
               center_name="Zhizao Academy Training Center", center_name_zh="智造学院培训中心")
    return dataclasses.replace(c, **changes)


def raw_payload(data: bytes, signature: bytes, key_id: bytes) -> str:
    """QR text for arbitrary signed bytes (encode_payload without the claims check)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=ZDICT)
    blob = key_id + signature + packer.compress(data) + packer.flush()
    return PREFIX + base64.b32encode(blob).decode("ascii").rstrip("=")


def signed(keys: CenterKeys, claims: Claims) -> str:
    return encode_payload(claims, keys.sign(canonical_bytes(claims)), keys.key_id())


def tampered_field(keys: CenterKeys, claims: Claims, key: str, value) -> str:
    """The genuine signature over ``claims`` on bytes with one field changed."""
    doc = json.loads(canonical_bytes(claims))
    doc[key] = value
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    return raw_payload(data, keys.sign(canonical_bytes(claims)), keys.key_id())


TAMPER = {"number": "ZZ-2026-0003-RJ0F", "learner_name": "张三", "learner_login": "zhangsan",
          "course_id": "robot-ops-102", "course_version": "1.3.0", "course_title_en": "Welding",
          "course_title_zh": "焊接", "issued_on": "2026-11-25", "score": 99.5, "hours": 160,
          "modules_completed": 7, "expires_on": "2199-11-24", "center_id": "other-center",
          "center_name": "Other Center", "center_name_zh": "其他中心"}


def make_vectors(keys: CenterKeys, foreign: CenterKeys) -> dict[str, str]:
    """name → QR text."""
    good = base_claims()
    v: dict[str, str] = {"valid": signed(keys, good)}
    v["valid_pass_fail_no_expiry"] = signed(keys, base_claims(number="ZZ-2026-0004-0000", score=None,
                                                                expires_on=None, hours=7.5))
    v["valid_override_renewal"] = signed(keys, base_claims(number="ZZ-2026-0005-0000", award="override",
                                                             override_reason="records_lost",
                                                             renews="ZZ-2025-0001-0000"))
    v["valid_hostile_name"] = signed(keys, base_claims(number="ZZ-2026-0006-0000", learner_name=HOSTILE_NAME,
                                                         course_title_en="</script><script>alert(2)</script>"))
    v["valid_tiny_hours"] = signed(keys, base_claims(number="ZZ-2026-0007-0000", hours=0.00001, score=33.3))
    v["valid_lowercase_spaced"] = " " + "\n".join(v["valid"].lower()[i:i + 40]
                                                   for i in range(0, len(v["valid"]), 40)) + "\u3000"
    for key, value in TAMPER.items():
        v[f"tampered_{key}"] = tampered_field(keys, good, key, value)
    sig = bytearray(keys.sign(canonical_bytes(good)))
    sig[10] ^= 1
    v["tampered_signature_bit"] = encode_payload(good, bytes(sig), keys.key_id())
    v["unknown_key"] = signed(foreign, good)
    v["wrong_key_id_good_signature"] = encode_payload(good, keys.sign(canonical_bytes(good)), b"\x01" * 8)
    v["revoked"] = signed(keys, base_claims(number="ZZ-2026-0009-0000"))
    v["expired"] = signed(keys, base_claims(number="ZZ-2019-0001-0000", issued_on=date(2019, 1, 1),
                                            expires_on=date(2020, 1, 1)))
    noncanon = json.dumps(json.loads(canonical_bytes(good)), sort_keys=True).encode()  # with spaces
    v["signed_non_canonical"] = raw_payload(noncanon, keys.sign(noncanon), keys.key_id())
    v["signed_not_claims"] = raw_payload(b'{"hello":1}', keys.sign(b'{"hello":1}'), keys.key_id())
    v["empty"] = "   "
    v["garbage"] = "hello world, this is not a certificate"
    v["wrong_prefix"] = "ZZC2:" + v["valid"][5:]
    v["bad_characters"] = v["valid"][:40] + "0189" + v["valid"][44:]
    v["too_short"] = v["valid"][:100]
    v["truncated"] = v["valid"][:-12]
    v["truncated_odd"] = v["valid"][:-1]
    v["truncated_at_a_block"] = v["valid"][:5 + 8 * ((len(v["valid"]) - 5) // 8 - 2)]
    v["trailing_garbage_after_stream"] = v["valid"] + "AAAAAAAA"
    return v


def garbage_vectors(keys: CenterKeys, count: int, seed: int = 22) -> list[str]:
    """Random damage: bytes after the key id and signature, and flipped characters of a real code."""
    rng = random.Random(seed)
    good = signed(keys, base_claims())
    out = []
    for i in range(count):
        if i % 2:
            blob = keys.key_id() + bytes(64) + rng.randbytes(rng.randrange(1, 200))
            out.append(PREFIX + base64.b32encode(blob).decode().rstrip("="))
        else:
            chars = list(good)
            for _ in range(rng.randrange(1, 4)):
                pos = rng.randrange(5, len(chars))
                chars[pos] = rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
            out.append("".join(chars))
    return out


def page_data(keys: CenterKeys, extra: tuple[PageIssuer, ...] = ()) -> PageData:
    """This center's key (plus ``extra``) and one revocation, written with a lower-case number and O for 0."""
    own = PageIssuer("this center", keys.public_key.public_bytes_raw(), own=True)
    return PageData("Zhizao Academy Training Center", "智造学院培训中心", (own, *extra),
                    (PageRevocation("zz-2026-0009-oooo", date(2026, 12, 1), REVOKED_REASON),))


def app_verdict(text: str, data: PageData, today: date | None = None):
    """What the app says about ``text`` with the page's keys and revocation snapshot."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from app.certificates.keys import TrustedIssuers, TrustedKey

    issuers = TrustedIssuers(TrustedKey(Ed25519PublicKey.from_public_bytes(k.public_key), k.name)
                             for k in data.issuers)
    revoked = {normalize_certificate_number(r.number): r.reason for r in data.revocations}

    def lookup(number: str) -> tuple[bool, str]:
        n = normalize_certificate_number(number)
        return (n in revoked, revoked.get(n, ""))

    return verify_qr_text(text, issuers, lookup, today)

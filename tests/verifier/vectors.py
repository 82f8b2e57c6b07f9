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


def _signed_doc(keys: CenterKeys, doc, **raw: str) -> str:
    """``doc`` as compact sorted JSON with ``raw`` values spliced in as written, signed by ``keys``."""
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for key, value in raw.items():
        text = text.replace(f'"{key}":"@@"', f'"{key}":{value}')
    data = text.encode("utf-8")
    return raw_payload(data, keys.sign(data), keys.key_id())


def signed_edge_cases(keys: CenterKeys) -> dict[str, str]:
    """Bytes the center's key really signed that are at the edge of canonical claims: numbers, escapes,
    white space, dates, optional keys. Each is valid or unreadable; the page must say which, as the app."""
    base = json.loads(canonical_bytes(base_claims()))
    out: dict[str, str] = {}

    def case(name: str, **changes) -> None:
        raw = {k[4:]: v for k, v in changes.items() if k.startswith("raw_")}
        doc = {**base, **{k: v for k, v in changes.items() if not k.startswith("raw_")},
               **dict.fromkeys(raw, "@@")}
        out[name] = _signed_doc(keys, doc, **raw)

    for literal in ("1e-05", "1.5e-07", "0.1", "33.333333333333336", "1e+22", "10000000000000000", "1e16",
                    "16.0", "-0.0", "12345678901234567168", "12345678901234567890", "1E-5", "0.00001"):
        case(f"hours {literal}", raw_hours=literal)
    for literal in ("92.5", "100", "100.0", "-0", "1e2", "null", "true", '"92.5"', "NaN", "Infinity"):
        case(f"score {literal}", raw_score=literal)
    for literal in ("6", "6.0", "-1", "true"):
        case(f"modules {literal}", raw_modules_completed=literal)
    for name in (r"\u00e9", r"a\/b", r"\u001c", r"\u3000", r"\u200b", r"\ufeff", r"\u2028x", "😀",
                 r"\ud83d\ude00", r"\u007f", r"\t", r"e\u0301", r"x\\y"):  # JSON escapes, as written
        case(f"name {name}", raw_learner_name=f'"{name}"')
    for value in ("é", "\u3000", "\u200b", "\ufeff", "\u2028", "\x7f", "\u1680", "\x85"):
        case(f"name raw {value!r}", learner_name=value)
    for day in ("2024-02-29", "2026-02-29", "2026-13-01", "20261124", "2026-11-24T00:00", "0000-01-01"):
        case(f"issued {day}", issued_on=day)
    case("expires before issued", expires_on="2026-11-23")
    case("award completed written out", award="completed")
    case("override other", award="override", override_reason="other")
    case("override unknown reason", award="override", override_reason="because")
    case("renews itself", renews=base["number"])
    case("renews with a space", renews="ZZ-2025-0001-0000 ")
    case("renews empty string", renews="")
    case("v 1.0", raw_v="1.0")
    case("v true", raw_v="true")
    case("v 2", raw_v="2")
    case("extra key", extra="x")
    case("center_name_zh left out")
    del out["center_name_zh left out"]
    without = {k: v for k, v in base.items() if k != "center_name_zh"}
    out["center_name_zh left out"] = _signed_doc(keys, without)
    out["claims are a list"] = _signed_doc(keys, [base])
    spaced = json.dumps(base, sort_keys=True, ensure_ascii=False).encode()
    out["spaces"] = raw_payload(spaced, keys.sign(spaced), keys.key_id())
    bom = b"\xef\xbb\xbf" + canonical_bytes(base_claims())
    out["byte-order mark"] = raw_payload(bom, keys.sign(bom), keys.key_id())
    latin = canonical_bytes(base_claims(learner_name="Zoë")).replace("ë".encode(), b"\xeb")  # not UTF-8
    out["latin-1 bytes"] = raw_payload(latin, keys.sign(latin), keys.key_id())
    return out


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

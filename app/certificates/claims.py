"""What a certificate asserts, its canonical byte form, and certificate numbers.

Canonical form (what is signed), version 1:

* a JSON object with exactly the keys of :class:`Claims` plus ``"v": 1``;
* keys sorted by code point, no whitespace (``separators=(",", ":")``);
* UTF-8, non-ASCII characters written as-is (no ``\\u`` escapes);
* dates as ISO 8601 ``YYYY-MM-DD``; a missing score or expiry is ``null``;
* numbers in their shortest round-trip form, integral floats written as
  integers (``16`` not ``16.0``), as JSON Canonicalization (RFC 8785) does
  for the value range we use (|x| < 1e21; NaN/infinity are rejected);
* ``award`` and ``override_reason`` only on certificates awarded by the
  center's override (``"award":"override"``); a certificate earned by
  completing the course leaves both out, so its bytes are the same as before
  the keys existed and older verifiers still read it;
* ``renews`` (the number of the certificate this one renews) only on a
  renewal (issue 19); other certificates leave it out, for the same reason.

The same object, parsed again and re-serialised, gives the same bytes; a
verifier checks the signature over the bytes it received, then parses them.
"""

from __future__ import annotations

import json
import math
import re
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import date
from typing import Any

from app.jsonlimits import JsonLimitError, loads_bounded

CLAIMS_VERSION = 1

# Crockford base32: no I, L, O, U, so numbers survive being read aloud or typed.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_BODY_LEN = 7  # 32**7 ≈ 3.4e10 numbers per center and year
_CENTER_CODE = re.compile(r"^[A-Z0-9]{2,6}$")
_NUMBER = re.compile(r"^([A-Z0-9]{2,6})-(\d{4})-([0-9A-Z]{4})-([0-9A-Z]{4})$")

AWARD_COMPLETED = "completed"  # the learner met the course's passing rules
AWARD_OVERRIDE = "override"    # staff awarded it although the rules were not met
# Why an override was granted, as a category that can be printed and signed (the
# free-text reason stays in the center's audit log).
OVERRIDE_REASONS = ("prior_learning", "assessed_elsewhere", "records_lost", "other")
_OPTIONAL = {"center_name_zh", "award", "override_reason", "renews"}
# How the certificate and the badge state each basis (zh, en); fixed, not run through gettext.
OVERRIDE_LABELS: dict[str, tuple[str, str]] = {
    "prior_learning": ("先前学习认定", "recognition of prior learning"),
    "assessed_elsewhere": ("线下考核合格", "assessed in person by the training center"),
    "records_lost": ("学习记录缺失，经核实认定", "verified by the training center (records incomplete)"),
    "other": ("培训中心决定（见中心记录）", "decision of the training center (see its records)"),
}


class ClaimsError(ValueError):
    """Claims that cannot be signed or were not produced by :func:`canonical_bytes`."""


@dataclass(frozen=True)
class Claims:
    number: str
    learner_name: str
    learner_login: str
    course_id: str
    course_version: str
    course_title_en: str
    course_title_zh: str
    issued_on: date
    score: float | None  # percent 0–100; None for pass/fail courses
    hours: float
    modules_completed: int
    expires_on: date | None
    center_id: str
    center_name: str
    center_name_zh: str = ""
    award: str = AWARD_COMPLETED
    override_reason: str = ""  # one of OVERRIDE_REASONS when award is "override"
    renews: str = ""  # the number of the certificate this one renews, on a renewal

    @property
    def is_override(self) -> bool:
        return self.award == AWARD_OVERRIDE

    def __post_init__(self) -> None:
        for f in ("number", "learner_name", "course_id", "center_id"):
            if not str(getattr(self, f)).strip():
                raise ClaimsError(f"claims: {f} is empty")
        if self.score is not None and not (math.isfinite(self.score) and 0 <= self.score <= 100):
            raise ClaimsError(f"claims: score {self.score!r} is not a percentage 0–100")
        if not (math.isfinite(self.hours) and self.hours >= 0):
            raise ClaimsError(f"claims: hours {self.hours!r} is not a non-negative number")
        if self.modules_completed < 0:
            raise ClaimsError(f"claims: modules_completed {self.modules_completed!r} is negative")
        if self.expires_on is not None and self.expires_on < self.issued_on:
            raise ClaimsError("claims: expires_on is before issued_on")
        if self.award == AWARD_OVERRIDE:
            if self.override_reason not in OVERRIDE_REASONS:
                raise ClaimsError(f"claims: override_reason {self.override_reason!r} is not one of "
                                  + ", ".join(OVERRIDE_REASONS))
        elif self.award != AWARD_COMPLETED or self.override_reason:
            raise ClaimsError(f"claims: award {self.award!r} with override_reason {self.override_reason!r}")
        if self.renews and (self.renews != self.renews.strip() or self.renews == self.number):
            raise ClaimsError(f"claims: renews {self.renews!r} is not another certificate's number")

    def to_json_dict(self) -> dict[str, Any]:
        """The claims as JSON-ready values (ISO dates), without the version key."""
        out = asdict(self)
        out["issued_on"] = self.issued_on.isoformat()
        out["expires_on"] = self.expires_on.isoformat() if self.expires_on else None
        out["score"] = _number(self.score) if self.score is not None else None
        out["hours"] = _number(self.hours)
        if not self.is_override:
            del out["award"], out["override_reason"]
        if not self.renews:
            del out["renews"]
        return out

    @classmethod
    def from_json_dict(cls, data: object) -> Claims:
        """Parse claims strictly: every key present, right types, nothing extra."""
        if not isinstance(data, dict):
            raise ClaimsError("claims are not a JSON object")
        data = dict(data)
        version = data.pop("v", CLAIMS_VERSION)
        if version != CLAIMS_VERSION:
            raise ClaimsError(f"claims version {version!r} is not supported")
        names = {f.name for f in fields(cls)}
        missing = names - data.keys() - _OPTIONAL
        extra = data.keys() - names
        if missing or extra:
            raise ClaimsError("claims keys differ: missing " + ", ".join(sorted(missing))
                              + "; unexpected " + ", ".join(sorted(extra)))
        try:
            kw: dict[str, Any] = {}
            for key in ("number", "learner_name", "learner_login", "course_id", "course_version",
                        "course_title_en", "course_title_zh", "center_id", "center_name"):
                kw[key] = _typed(data, key, str)
            kw["center_name_zh"] = _typed(data, "center_name_zh", str) if "center_name_zh" in data else ""
            for key in ("award", "override_reason", "renews"):
                if key in data:
                    kw[key] = _typed(data, key, str)
            kw["issued_on"] = date.fromisoformat(_typed(data, "issued_on", str))
            exp = data["expires_on"]
            kw["expires_on"] = None if exp is None else date.fromisoformat(_typed(data, "expires_on", str))
            score = data["score"]
            kw["score"] = None if score is None else float(_typed(data, "score", (int, float)))
            kw["hours"] = float(_typed(data, "hours", (int, float)))
            kw["modules_completed"] = _typed(data, "modules_completed", int)
        except ValueError as exc:  # bad ISO date
            raise ClaimsError(f"claims: {exc}") from None
        return cls(**kw)


def _typed(data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data[key]
    if isinstance(value, bool) or not isinstance(value, kind):
        raise ClaimsError(f"claims: {key} has the wrong type ({type(value).__name__})")
    return value


def _number(value: float) -> int | float:
    if not math.isfinite(value):
        raise ClaimsError(f"claims: {value!r} is not a finite number")
    if float(value).is_integer() and abs(value) < 1e21:
        return int(value)
    return float(value)


def canonical_json(obj: Any) -> bytes:
    """Sorted-key compact UTF-8 JSON (JCS for our value range; see module docstring)."""
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def canonical_bytes(claims: Claims) -> bytes:
    """The exact bytes that are signed."""
    return canonical_json({**claims.to_json_dict(), "v": CLAIMS_VERSION})


# Real claims are under 1 kB and 2 levels deep; a QR code holds at most 16 kB of them.
MAX_CLAIMS_JSON_BYTES = 65_536
CLAIMS_JSON_DEPTH = 16


def parse_canonical(data: bytes) -> Claims:
    """Claims from signed bytes; refuses any form :func:`canonical_bytes` would not produce."""
    try:
        obj = loads_bounded(data, MAX_CLAIMS_JSON_BYTES, CLAIMS_JSON_DEPTH, "claims")
    except JsonLimitError as exc:
        raise ClaimsError(str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ClaimsError(f"claims are not UTF-8 JSON: {exc}") from None
    claims = Claims.from_json_dict(obj)
    try:
        canonical = canonical_bytes(claims)
    except UnicodeEncodeError:
        # JSON may escape a lone surrogate ("\ud800"); no UTF-8 text, so never signed by a center.
        raise ClaimsError("claims contain text that is not valid Unicode") from None
    if canonical != data:
        raise ClaimsError("claims are not in canonical form")
    return claims


# --- certificate numbers ------------------------------------------------------

_CROCKFORD_ALIASES = str.maketrans("OILU", "011V")


def _check_char(text: str) -> str:
    """Luhn mod 32 over the alphabet: catches any single typo and most adjacent swaps."""
    factor, total = 2, 0
    for ch in reversed(text.translate(_CROCKFORD_ALIASES)):
        addend = factor * ALPHABET.index(ch)
        factor = 1 if factor == 2 else 2
        total += addend // 32 + addend % 32
    return ALPHABET[(32 - total % 32) % 32]


def new_certificate_number(center_code: str, issued_on: date, seq_or_random: int | None = None) -> str:
    """A readable unique number such as ``ZZ-2026-7K3F-9Q2M``.

    ``center_code`` (2–6 letters/digits) and the year come first; then seven
    base32 characters, from ``seq_or_random`` (a per-center sequence number)
    or, when it is None, 35 random bits; the last character is a check
    character over the whole number.
    """
    code = center_code.strip().upper()
    if not _CENTER_CODE.match(code):
        raise ClaimsError(f"center code {center_code!r} must be 2–6 letters or digits")
    value = secrets.randbits(5 * _BODY_LEN) if seq_or_random is None else seq_or_random
    if not 0 <= value < 32 ** _BODY_LEN:
        raise ClaimsError(f"sequence number {value} is out of range")
    body = ""
    for _ in range(_BODY_LEN):
        value, digit = divmod(value, 32)
        body = ALPHABET[digit] + body
    year = f"{issued_on.year:04d}"
    full = body + _check_char(code + year + body)
    return f"{code}-{year}-{full[:4]}-{full[4:]}"


def normalize_certificate_number(text: str) -> str:
    """Upper-case, drop spaces, and read O as 0 and I/L as 1 (Crockford's rules)."""
    cleaned = "".join(text.split()).upper()
    parts = cleaned.split("-")
    if len(parts) == 4:
        parts[1:] = [p.translate(_CROCKFORD_ALIASES) for p in parts[1:]]
    return "-".join(parts)


def is_valid_certificate_number(text: str) -> bool:
    """Whether ``text`` is well formed and its check character matches."""
    m = _NUMBER.match(normalize_certificate_number(text))
    if not m:
        return False
    code, year, a, b = m.groups()
    full = a + b
    if any(ch not in ALPHABET for ch in full):
        return False
    return _check_char(code + year + full[:-1]) == full[-1]

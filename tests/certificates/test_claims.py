"""Canonical claims bytes and certificate numbers."""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.certificates.claims import (
    ALPHABET,
    Claims,
    ClaimsError,
    canonical_bytes,
    is_valid_certificate_number,
    new_certificate_number,
    normalize_certificate_number,
    parse_canonical,
)
from tests.certificates.conftest import make_claims


def test_canonical_form_is_sorted_compact_utf8(claims):
    data = canonical_bytes(claims)
    text = data.decode("utf-8")
    assert "张伟" in text and "\\u" not in text  # raw UTF-8, no escapes
    assert ", " not in text and ": " not in text
    keys = list(json.loads(text))
    assert keys == sorted(keys)
    assert '"issued_on":"2026-11-24"' in text
    assert '"hours":16,' in text  # integral float written as an integer
    assert '"score":92.5' in text
    assert '"v":1' in text


def test_canonical_bytes_are_stable_and_round_trip(claims):
    data = canonical_bytes(claims)
    assert canonical_bytes(parse_canonical(data)) == data
    assert parse_canonical(data) == claims


def test_none_score_and_expiry_are_null():
    text = canonical_bytes(make_claims(score=None, expires_on=None)).decode()
    assert '"score":null' in text and '"expires_on":null' in text
    assert parse_canonical(text.encode()).score is None


def test_non_canonical_bytes_are_refused(claims):
    pretty = json.dumps(json.loads(canonical_bytes(claims)), indent=1, ensure_ascii=False).encode()
    with pytest.raises(ClaimsError, match="canonical"):
        parse_canonical(pretty)


def test_a_lone_surrogate_in_the_claims_is_refused_not_a_crash(claims):
    # JSON may escape a surrogate that no UTF-8 text holds: hostile QR text, never signed by a center.
    data = canonical_bytes(claims).replace("张伟".encode(), b"\\ud800")
    with pytest.raises(ClaimsError, match="not valid Unicode"):
        parse_canonical(data)


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("learner_name"), "missing learner_name"),
    (lambda d: d.update(extra=1), "unexpected extra"),
    (lambda d: d.update(hours="16"), "hours has the wrong type"),
    (lambda d: d.update(modules_completed=True), "modules_completed has the wrong type"),
    (lambda d: d.update(issued_on="24.11.2026"), "claims:"),
    (lambda d: d.update(v=2), "version 2"),
])
def test_bad_claims_objects_name_the_problem(claims, mutate, message):
    data = {**claims.to_json_dict(), "v": 1}
    mutate(data)
    with pytest.raises(ClaimsError, match=message):
        Claims.from_json_dict(data)


@pytest.mark.parametrize("changes, message", [
    ({"score": 101.0}, "score"),
    ({"hours": -1.0}, "hours"),
    ({"learner_name": "  "}, "learner_name"),
    ({"expires_on": date(2020, 1, 1)}, "before"),
    ({"score": float("nan")}, "score"),
])
def test_invalid_claims_are_refused(changes, message):
    with pytest.raises(ClaimsError, match=message):
        make_claims(**changes)


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=12).filter(lambda s: s.strip()),
       score=st.one_of(st.none(), st.floats(0, 100, allow_nan=False)),
       hours=st.floats(0, 500, allow_nan=False), modules=st.integers(0, 99))
def test_any_claims_round_trip(name, score, hours, modules):
    c = make_claims(learner_name=name, score=score, hours=hours, modules_completed=modules)
    assert parse_canonical(canonical_bytes(c)) == c


def test_certificate_number_format_and_check_character():
    n = new_certificate_number("zz", date(2026, 11, 24), 123456)
    assert n.startswith("ZZ-2026-") and len(n) == len("ZZ-2026-7K3F-9Q2M")
    assert is_valid_certificate_number(n)
    assert new_certificate_number("ZZ", date(2026, 11, 24), 123456) == n  # sequence → deterministic


def test_every_single_character_typo_is_detected():
    n = new_certificate_number("ZZ", date(2026, 11, 24), 987654)
    for i, ch in enumerate(n):
        if ch == "-" or i < 8:
            continue
        for other in ALPHABET:
            if other != ch:
                assert not is_valid_certificate_number(n[:i] + other + n[i + 1:]), (i, other)


def test_number_typed_loosely_is_normalised():
    n = new_certificate_number("ZZ", date(2026, 1, 1), 0)  # body of zeros
    sloppy = n.lower().replace("0", "o")
    assert normalize_certificate_number(sloppy) == n
    assert is_valid_certificate_number(" " + sloppy + " ")


def test_random_numbers_are_unique():
    numbers = {new_certificate_number("ZZ", date(2026, 1, 1)) for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(is_valid_certificate_number(n) for n in numbers)


@pytest.mark.parametrize("code", ["Z", "TOOLONG7", "Z-Z", "智造"])
def test_bad_center_code_is_refused(code):
    with pytest.raises(ClaimsError, match="center code"):
        new_certificate_number(code, date(2026, 1, 1), 1)


def test_a_normal_certificate_signs_exactly_the_bytes_it_did_before_renewals():
    """``renews`` is left out unless set: the bytes of make_claims() are those signed before it existed."""
    import hashlib

    data = canonical_bytes(make_claims())
    assert b"renews" not in data
    assert hashlib.sha256(data).hexdigest() == "ebb9d76d7ce14864d4d342d81e032dcb5d95972c124683595e63e5ace99862db"


def test_a_renewal_signs_the_old_number_and_round_trips():
    c = make_claims(number="ZZ-2027-0004-AAAA", renews="ZZ-2026-0003-RJ0E")
    data = canonical_bytes(c)
    assert '"renews":"ZZ-2026-0003-RJ0E"' in data.decode()
    assert parse_canonical(data) == c and parse_canonical(data).renews == "ZZ-2026-0003-RJ0E"
    with pytest.raises(ClaimsError, match="renews"):
        make_claims(renews="ZZ-2026-0003-RJ0E")  # a certificate cannot renew itself

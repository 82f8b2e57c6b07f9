"""Open Badges 3.0 credential with an eddsa-jcs-2022 Data Integrity proof."""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, date, datetime

import pytest

from app.certificates.badge import (
    CRYPTOSUITE,
    OB_CONTEXT,
    VC_CONTEXT,
    b58decode,
    b58encode,
    did_key,
    open_badge_credential,
    public_key_from_did,
    verify_open_badge,
)
from app.certificates.claims import canonical_json
from tests.certificates.conftest import make_claims

TODAY = date(2027, 1, 1)
CREATED = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
def badge(claims, session_keys):
    return open_badge_credential(claims, session_keys, created=CREATED)


def test_shape_follows_open_badges_3(badge, claims, session_keys):
    assert badge["@context"] == [VC_CONTEXT, OB_CONTEXT]
    assert badge["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert badge["issuer"]["id"] == did_key(session_keys.public_key)
    assert badge["issuer"]["type"] == ["Profile"]
    assert badge["validFrom"] == "2026-11-24T00:00:00Z"
    assert badge["validUntil"] == "2029-11-24T23:59:59Z"
    subject = badge["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["licenseNumber"] == claims.number
    assert {"identityType": "name", "identityHash": "张伟"}.items() <= subject["identifier"][0].items()
    ach = subject["achievement"]
    assert ach["type"] == ["Achievement"] and ach["name"] == claims.course_title_en
    assert claims.course_title_zh in ach["description"] and ach["criteria"]["narrative"]
    assert subject["result"][0]["value"] == "92.5"
    assert subject["result"][0]["resultDescription"] == ach["resultDescription"][0]["id"]
    proof = badge["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == CRYPTOSUITE
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"] == "2026-11-24T09:30:00Z"
    assert proof["verificationMethod"].startswith(badge["issuer"]["id"] + "#z6Mk")
    assert proof["proofValue"].startswith("z")
    json.dumps(badge)  # plain JSON, no Python objects left


def test_proof_is_the_eddsa_jcs_2022_construction(badge, session_keys):
    """Signature over SHA-256(JCS(proof config)) || SHA-256(JCS(document without proof))."""
    doc = {k: v for k, v in badge.items() if k != "proof"}
    config = {k: v for k, v in badge["proof"].items() if k != "proofValue"}
    data = hashlib.sha256(canonical_json(config)).digest() + hashlib.sha256(canonical_json(doc)).digest()
    session_keys.public_key.verify(b58decode(badge["proof"]["proofValue"][1:]), data)


def test_valid_badge_gives_back_the_claims(badge, claims, trusted):
    v = verify_open_badge(badge, trusted, today=TODAY)
    assert v.status == "valid", v.message
    assert v.claims == claims


def test_json_round_trip_still_verifies(badge, trusted):
    again = json.loads(json.dumps(badge, ensure_ascii=False, indent=3))
    assert verify_open_badge(again, trusted, today=TODAY).status == "valid"


@pytest.mark.parametrize("edit", [
    lambda d: d["credentialSubject"].update(licenseNumber="ZZ-2026-FAKE-0000"),
    lambda d: d["credentialSubject"]["identifier"][0].update(identityHash="李四"),
    lambda d: d["credentialSubject"]["achievement"].update(name="Something else"),
    lambda d: d.update(validUntil="2099-01-01T00:00:00Z"),
    lambda d: d["issuer"].update(name="Fake Center"),
    lambda d: d["proof"].update(created="2020-01-01T00:00:00Z"),
])
def test_any_edit_gives_tampered(badge, trusted, edit):
    forged = copy.deepcopy(badge)
    edit(forged)
    assert verify_open_badge(forged, trusted, today=TODAY).status == "tampered"


def test_resigned_badge_with_different_fields_than_its_claims_is_tampered(claims, session_keys, trusted):
    """Even a correctly signed credential must agree with the signed claims it carries."""
    from app.certificates.badge import PAYLOAD_TERM

    other = open_badge_credential(make_claims(learner_name="李娜"), session_keys, created=CREATED)
    mine = open_badge_credential(claims, session_keys, created=CREATED)
    mixed = {k: v for k, v in mine.items() if k != "proof"}
    mixed[PAYLOAD_TERM] = other[PAYLOAD_TERM]
    from app.certificates.badge import _hash_data

    config = {k: v for k, v in mine["proof"].items() if k != "proofValue"}
    mixed["proof"] = {**config, "proofValue": "z" + b58encode(session_keys.sign(_hash_data(mixed, config)))}
    assert verify_open_badge(mixed, trusted, today=TODAY).status == "tampered"


def test_foreign_issuer_expired_and_revoked(claims, foreign_keys, session_keys, trusted):
    foreign = open_badge_credential(claims, foreign_keys)
    assert verify_open_badge(foreign, trusted, today=TODAY).status == "unknown_issuer"
    mine = open_badge_credential(claims, session_keys)
    assert verify_open_badge(mine, trusted, today=date(2030, 1, 1)).status == "expired"
    assert verify_open_badge(mine, trusted, lambda n: (True, "x"), TODAY).status == "revoked"


@pytest.mark.parametrize("doc", [None, [], {"type": ["VerifiableCredential"]},
                                 {"type": ["OpenBadgeCredential"], "proof": {"type": "Ed25519Signature2020"}}])
def test_non_badges_are_unreadable(doc, trusted):
    assert verify_open_badge(doc, trusted).status == "unreadable"


def test_did_key_and_base58_round_trip(session_keys):
    did = did_key(session_keys.public_key)
    assert did.startswith("did:key:z6Mk")  # the well-known Ed25519 multicodec prefix
    assert public_key_from_did(did + "#frag").public_bytes_raw() == session_keys.public_key.public_bytes_raw()
    for data in (b"", b"\0\0abc", bytes(range(256))):
        assert b58decode(b58encode(data)) == data


def test_issued_files_include_a_verifiable_badge(issued_zh, trusted):
    assert issued_zh.badge_path.name == "zh.openbadge.json"
    doc = json.loads(issued_zh.badge_path.read_text(encoding="utf-8"))
    v = verify_open_badge(doc, trusted, today=TODAY)
    assert v.status == "valid" and v.claims == issued_zh.claims
    assert doc["zhizaoCertificate"] == issued_zh.payload


def test_override_badge_says_awarded_not_completed(session_keys, trusted):
    claims = make_claims(score=0, modules_completed=0, award="override", override_reason="assessed_elsewhere")
    doc = open_badge_credential(claims, session_keys)
    narrative = doc["credentialSubject"]["achievement"]["criteria"]["narrative"]
    assert "Completed all" not in narrative and "not earned by completing the course" in narrative
    assert "assessed in person by the training center" in narrative and "线下考核合格" in narrative
    assert verify_open_badge(doc, trusted).claims.is_override

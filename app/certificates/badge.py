"""Open Badges 3.0 ``OpenBadgeCredential`` (a W3C Verifiable Credential 2.0) for wallets.

Secured with a ``DataIntegrityProof`` using the ``eddsa-jcs-2022`` cryptosuite
(W3C VC Data Integrity EdDSA Cryptosuites v1.0): the proof configuration and
the credential without its proof are each canonicalised with JCS (RFC 8785)
and SHA-256 hashed; the Ed25519 signature over ``hash(config) + hash(doc)``
is the multibase (base58btc, ``z…``) ``proofValue``. The issuer is a
``did:key`` made from the center's public key, so the credential verifies
without any network lookup.

JCS limits: we canonicalise with sorted-key compact JSON. That equals RFC 8785
as long as keys are in the Basic Multilingual Plane (ours are ASCII) and
numbers are integers (scores are written as strings); strings are emitted as
raw UTF-8, as JCS requires.

The signed Zhizao QR payload rides along as ``zhizaoCertificate`` (an
issuer-dependent term under the VC 2.0 ``@vocab``), so a verifier gets the
exact claims back and checks them against the badge's own fields.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from app.certificates.claims import OVERRIDE_LABELS, Claims, canonical_json
from app.certificates.keys import CenterKeys, TrustedKey, as_issuers, raw_public_bytes
from app.certificates.qr import PayloadError, decode_payload, encode_payload
from app.certificates.verify import RevokedLookup, Trusted, Verification, verify_signed
from app.i18n import _
from app.jsonlimits import read_bounded

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
CRYPTOSUITE = "eddsa-jcs-2022"
PAYLOAD_TERM = "zhizaoCertificate"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_ED25519_MULTICODEC = b"\xed\x01"


# --- encodings ------------------------------------------------------------------

def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        idx = _B58.find(ch)
        if idx < 0:
            raise ValueError(f"not base58: {ch!r}")
        n = n * 58 + idx
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def did_key(public_key: Ed25519PublicKey) -> str:
    """``did:key:z6Mk…`` for an Ed25519 key (multicodec 0xed, base58btc)."""
    return "did:key:z" + b58encode(_ED25519_MULTICODEC + raw_public_bytes(public_key))


def public_key_from_did(did: str) -> Ed25519PublicKey:
    method = did.split("#", 1)[0]
    if not method.startswith("did:key:z"):
        raise ValueError(f"not an Ed25519 did:key: {did}")
    raw = b58decode(method[len("did:key:z"):])
    if not raw.startswith(_ED25519_MULTICODEC) or len(raw) != 34:
        raise ValueError(f"not an Ed25519 did:key: {did}")
    return Ed25519PublicKey.from_public_bytes(raw[2:])


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _day_start(d: date) -> str:
    return _iso(datetime.combine(d, time(0, 0), tzinfo=UTC))


def _day_end(d: date) -> str:
    return _iso(datetime.combine(d, time(23, 59, 59), tzinfo=UTC))


# --- building ---------------------------------------------------------------------

def _hash_data(unsecured: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    return (hashlib.sha256(canonical_json(proof_config)).digest()
            + hashlib.sha256(canonical_json(unsecured)).digest())


def _narrative(claims: Claims) -> str:
    """What earned the credential, in both languages; an override says it was awarded, not completed."""
    if claims.is_override:
        zh, en = OVERRIDE_LABELS.get(claims.override_reason, OVERRIDE_LABELS["other"])
        return (f"Awarded by the training center ({en}) for {claims.course_title_en}, version "
                f"{claims.course_version}; not earned by completing the course. "
                f"经培训中心认定（{zh}）授予《{claims.course_title_zh}》证书，并非完成课程获得。")
    return (f"Completed all {claims.modules_completed} modules ({_num(claims.hours)} hours) "
            f"of {claims.course_title_en}, version {claims.course_version}. "
            f"完成《{claims.course_title_zh}》全部 {claims.modules_completed} 个模块"
            f"（{_num(claims.hours)} 学时）。")


def open_badge_credential(claims: Claims, keys: CenterKeys, *, signature: bytes | None = None,
                          created: datetime | None = None) -> dict[str, Any]:
    """The credential for ``claims``, signed with the center key.

    ``signature`` is the claims signature already made for the PDF (made
    afresh when omitted; Ed25519 is deterministic, so it is the same).
    """
    from app.certificates.claims import canonical_bytes

    issuer_did = did_key(keys.public_key)
    sig = signature if signature is not None else keys.sign(canonical_bytes(claims))
    payload = encode_payload(claims, sig, keys.key_id())
    profile: dict[str, Any] = {
        "id": issuer_did,
        "type": ["Profile"],
        "name": claims.center_name,
        "otherIdentifier": [{"type": "IdentifierEntry", "identifier": claims.center_id,
                             "identifierType": "identifier"}],
    }
    if claims.center_name_zh:
        profile["description"] = claims.center_name_zh
    achievement: dict[str, Any] = {
        "id": f"urn:zhizao:course:{claims.course_id}:{claims.course_version}",
        "type": ["Achievement"],
        "achievementType": "Certificate",
        "name": claims.course_title_en,
        "description": f"{claims.course_title_zh} — {claims.course_title_en}",
        "criteria": {"narrative": _narrative(claims)},
        "humanCode": claims.course_id,
        "version": claims.course_version,
        "creator": {"id": issuer_did, "type": ["Profile"], "name": claims.center_name},
        "inLanguage": "zh-CN",
    }
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [
            {"type": "IdentityObject", "identityHash": claims.learner_name, "identityType": "name",
             "hashed": False},
            {"type": "IdentityObject", "identityHash": claims.learner_login, "identityType": "userName",
             "hashed": False},
        ],
        "licenseNumber": claims.number,
        "activityEndDate": _day_start(claims.issued_on),
        "achievement": achievement,
    }
    if claims.score is not None:
        score_id = f"{achievement['id']}:score"
        achievement["resultDescription"] = [{
            "id": score_id, "type": ["ResultDescription"], "name": "Score", "resultType": "Percent",
            "valueMin": "0", "valueMax": "100"}]
        subject["result"] = [{"type": ["Result"], "resultDescription": score_id,
                              "value": _num(claims.score)}]
    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL,
                                           f"zhizao:{claims.center_id}:{claims.number}")),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"{claims.course_title_en} — {claims.learner_name}",
        "issuer": profile,
        "validFrom": _day_start(claims.issued_on),
        "credentialSubject": subject,
        PAYLOAD_TERM: payload,
    }
    if claims.expires_on is not None:
        credential["validUntil"] = _day_end(claims.expires_on)
    proof_config = {
        "@context": credential["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _iso(created or datetime.now(UTC)),
        "verificationMethod": f"{issuer_did}#{issuer_did.removeprefix('did:key:')}",
        "proofPurpose": "assertionMethod",
    }
    proof_value = "z" + b58encode(keys.sign(_hash_data(credential, proof_config)))
    # The proof keeps its @context, as in the W3C eddsa-jcs-2022 test vectors.
    return {**credential, "proof": {**proof_config, "proofValue": proof_value}}


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# --- verifying --------------------------------------------------------------------

def _unreadable(message: str) -> Verification:
    return Verification("unreadable", None, _("Unreadable: {reason}").format(reason=message))


def _fields_match(doc: dict[str, Any], claims: Claims) -> bool:
    subject = doc.get("credentialSubject") or {}
    names = [i.get("identityHash") for i in subject.get("identifier") or []
             if isinstance(i, dict) and i.get("identityType") == "name"]
    achievement = subject.get("achievement") or {}
    return (subject.get("licenseNumber") == claims.number
            and names == [claims.learner_name]
            and achievement.get("name") == claims.course_title_en
            and achievement.get("humanCode") == claims.course_id
            and achievement.get("version") == claims.course_version
            and doc.get("validFrom") == _day_start(claims.issued_on)
            and doc.get("validUntil") == (_day_end(claims.expires_on) if claims.expires_on else None))


# A real credential is about 3 kB and 4 levels deep.
BADGE_MAX_BYTES = 1 << 20
BADGE_JSON_DEPTH = 32


def read_badge(path: Path) -> Any:
    """The JSON of a badge file. OSError when it cannot be read; ValueError when it is not
    UTF-8 JSON, or JsonLimitError (a ValueError, one sentence) when too large or too deep."""
    return read_bounded(path, BADGE_MAX_BYTES, BADGE_JSON_DEPTH)


def verify_open_badge(doc: object, trusted_keys: Trusted | Iterable[TrustedKey | Ed25519PublicKey],
                      revoked_lookup: RevokedLookup | None = None, today: date | None = None) -> Verification:
    """Check the Data Integrity proof, the issuer, and the embedded claims."""
    if not isinstance(doc, dict):
        return _unreadable(_("the credential is not a JSON object"))
    types = doc.get("type") or []
    proof = doc.get("proof")
    if "OpenBadgeCredential" not in types or not isinstance(proof, dict):
        return _unreadable(_("not a signed OpenBadgeCredential"))
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return _unreadable(_("unsupported proof {kind}").format(kind=proof.get("cryptosuite") or proof.get("type")))
    try:
        public_key = public_key_from_did(str(proof.get("verificationMethod", "")))
        signature = b58decode(str(proof.get("proofValue", ""))[1:])
    except ValueError as exc:
        return _unreadable(str(exc))
    issuers = as_issuers(trusted_keys)
    trusted = next((k for k in issuers if raw_public_bytes(k.public_key) == raw_public_bytes(public_key)), None)
    if trusted is None:
        return Verification("unknown_issuer", None, _(
            "Unknown issuer: the credential was not signed by a trusted center key."))
    unsecured = {k: v for k, v in doc.items() if k != "proof"}
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    doc_context = doc.get("@context") or []
    proof_context = config.get("@context", doc_context)
    if not isinstance(proof_context, list) or doc_context[: len(proof_context)] != proof_context:
        return Verification("tampered", None, _("Tampered: the proof's @context differs from the credential's."),
                            issuer=trusted.name, fingerprint=trusted.fingerprint)
    if not str(proof.get("proofValue", "")).startswith("z") or not trusted.verify(
            signature, _hash_data(unsecured, config)):
        return Verification("tampered", None, _(
            "Tampered: the credential does not match its proof."), issuer=trusted.name,
            fingerprint=trusted.fingerprint)
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if issuer_id != str(proof["verificationMethod"]).split("#", 1)[0]:
        return Verification("tampered", None, _("Tampered: the credential's issuer is not its signer."),
                            issuer=trusted.name, fingerprint=trusted.fingerprint)
    try:
        signed = decode_payload(str(doc.get(PAYLOAD_TERM, "")))
    except PayloadError as exc:
        return _unreadable(str(exc))
    result = verify_signed(signed, [trusted], revoked_lookup, today)
    if result.claims is not None and result.status not in ("tampered", "unknown_issuer") \
            and not _fields_match(doc, result.claims):
        return Verification("tampered", result.claims, _(
            "Tampered: the credential's fields differ from its signed certificate claims."),
            issuer=trusted.name, fingerprint=trusted.fingerprint)
    return result

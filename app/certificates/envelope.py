"""The signed-certificate JSON embedded in the PDF (attachment ``zhizao-certificate.json``).

Shape (version 1)::

    {"type": "ZhizaoCertificate", "version": 1,
     "claims": {... canonical claims as an object ...},
     "key_id": "<16 hex>", "signature": "<base64url, no padding>",
     "payload": "ZZC1:..."}          # the same text as the printed QR code

``claims`` is for people and other tools; verification re-serialises it
canonically, checks the signature, and checks that ``payload`` carries the
very same bytes.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass

from app.certificates.claims import Claims, ClaimsError, canonical_bytes
from app.certificates.keys import KEY_ID_LEN
from app.certificates.qr import SIG_LEN, encode_payload
from app.jsonlimits import JsonLimitError, loads_bounded

ATTACHMENT_NAME = "zhizao-certificate.json"
ENVELOPE_TYPE = "ZhizaoCertificate"


class EnvelopeError(ValueError):
    """The embedded JSON is not a certificate envelope (message says why)."""


@dataclass(frozen=True)
class Envelope:
    claims: Claims
    claims_bytes: bytes
    key_id: bytes
    signature: bytes
    payload: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def build_envelope(claims: Claims, signature: bytes, key_id: bytes, payload: str | None = None) -> bytes:
    """The attachment bytes; ``payload`` is the QR text when the caller already has it."""
    doc = {
        "type": ENVELOPE_TYPE,
        "version": 1,
        "claims": claims.to_json_dict(),
        "key_id": key_id.hex(),
        "signature": b64url(signature),
        "payload": payload or encode_payload(claims, signature, key_id),
    }
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8")


# A real attachment is about 2 kB and 3 levels deep.
MAX_ENVELOPE_BYTES = 1 << 20
ENVELOPE_JSON_DEPTH = 16


def parse_envelope(data: bytes) -> Envelope:
    """Parse the attachment; raises EnvelopeError, or ClaimsError for altered claims."""
    try:
        doc = loads_bounded(data, MAX_ENVELOPE_BYTES, ENVELOPE_JSON_DEPTH, ATTACHMENT_NAME)
    except JsonLimitError as exc:
        raise EnvelopeError(str(exc)) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise EnvelopeError(f"{ATTACHMENT_NAME}: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("type") != ENVELOPE_TYPE or doc.get("version") != 1:
        raise EnvelopeError(f"{ATTACHMENT_NAME}: not a version 1 {ENVELOPE_TYPE}")
    try:
        key_id = bytes.fromhex(str(doc["key_id"]))
        signature = b64url_decode(str(doc["signature"]))
        payload = str(doc["payload"])
    except (KeyError, ValueError, binascii.Error) as exc:
        raise EnvelopeError(f"{ATTACHMENT_NAME}: bad key_id, signature or payload ({exc})") from None
    if len(key_id) != KEY_ID_LEN or len(signature) != SIG_LEN:
        raise EnvelopeError(f"{ATTACHMENT_NAME}: key id or signature has the wrong length")
    claims = Claims.from_json_dict(doc.get("claims"))  # ClaimsError: altered claims
    return Envelope(claims, canonical_bytes(claims), key_id, signature, payload)


__all__ = ["ATTACHMENT_NAME", "Envelope", "EnvelopeError", "ClaimsError", "build_envelope",
           "parse_envelope", "b64url", "b64url_decode"]

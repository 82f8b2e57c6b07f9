"""The self-contained certificate verification page a center publishes (issue 22).

One HTML file: the center's name, its trusted public keys with fingerprints, a snapshot of its
revocations with the snapshot's date, the page's text in English and Chinese, and all the code
(our ``*.js`` and the vendored libraries under ``vendor/``) inline. It needs no server and makes
no request: its Content-Security-Policy allows only its own inline script and style (by hash),
images and video from the files and camera the user picks, and nothing else (``connect-src
'none'``). The checks in ``core.js`` are those of :mod:`app.certificates.verify` and
:mod:`app.certificates.badge`, step for step; tests/verifier/ runs both on the same inputs.

Qt-free: the CLI (``zhizao certificate verifier-page``) and the Certificates screen both call
:meth:`app.services.certificates.CertificateService.export_verifier_page`, which gathers the data.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from app.atomic import write_atomic
from app.certificates.claims import normalize_certificate_number
from app.certificates.qr import ZDICT
from app.certificates.verifier.strings import STRINGS

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
NOBLE = VENDOR / "noble-ed25519-3.1.0.js"
JSQR = VENDOR / "jsQR-1.4.0.js"
LICENCES = (("@noble/ed25519 3.1.0", VENDOR / "LICENSE.noble-ed25519"), ("jsQR 1.4.0", VENDOR / "LICENSE.jsQR"))
# Our code, in load order: each defines one constant the next ones use.
SOURCES = ("sha2.js", "inflate.js", "core.js", "ui.js")
_NOBLE_EXPORT = re.compile(r"^export \{[^}]*\};\s*$", re.MULTILINE)
_SLOTS = re.compile(r"\{(csp|title|app_version|style|center|data|script|licences)\}")


@dataclass(frozen=True)
class PageIssuer:
    """A public key the page accepts: ``own`` is this center's (shown under the center's name)."""

    name: str
    public_key: bytes  # raw 32-byte Ed25519 key
    own: bool = False


@dataclass(frozen=True)
class PageRevocation:
    number: str
    revoked_on: date
    reason: str = ""


@dataclass(frozen=True)
class PageData:
    center_name: str
    center_name_zh: str
    issuers: tuple[PageIssuer, ...]
    revocations: tuple[PageRevocation, ...] = ()
    snapshot: datetime = field(default_factory=lambda: datetime.now(UTC))
    app_version: str = ""


def _fingerprint(raw: bytes) -> str:
    digest = hashlib.sha256(raw).hexdigest().upper()
    return " ".join(digest[i:i + 4] for i in range(0, len(digest), 4))


def _json_for_script(value: object) -> str:
    """JSON that cannot end its <script> element or open a comment, whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def script_text() -> str:
    """All the page's JavaScript: ours and the vendored libraries, as one classic script."""
    noble, count = _NOBLE_EXPORT.subn("", NOBLE.read_text(encoding="utf-8"))
    if count != 1:
        raise RuntimeError(f"{NOBLE.name}: expected one closing export line, found {count}")
    parts = [(HERE / "sha2.js").read_text(encoding="utf-8"), (HERE / "inflate.js").read_text(encoding="utf-8"),
             "const ZZNoble = (() => {\n" + noble + "\nhashes.sha512 = (m) => ZZSha2.sha512(m);\n"
             "return { verify, hashes };\n})();",
             JSQR.read_text(encoding="utf-8"),
             (HERE / "core.js").read_text(encoding="utf-8"), (HERE / "ui.js").read_text(encoding="utf-8")]
    text = "\n;\n".join(parts)
    lowered = text.lower()
    if "</script" in lowered or "<!--" in text:
        raise RuntimeError("a page script contains </script or <!--; it cannot be inlined")
    return text


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy(script: str, style: str) -> str:
    """Nothing from the network, ever: only the inline script and style (by hash) run."""
    return "; ".join([
        "default-src 'none'",
        f"script-src {_csp_hash(script)}",
        f"style-src {_csp_hash(style)}",
        "img-src blob: data:",
        "media-src blob: mediastream:",
        "connect-src 'none'",
        "font-src 'none'",
        "object-src 'none'",
        "frame-src 'none'",
        "worker-src 'none'",
        "manifest-src 'none'",
        "form-action 'none'",
        "base-uri 'none'",
    ])


def page_data_json(data: PageData) -> dict[str, object]:
    """What the page's script reads from its ``zz-data`` element."""
    snapshot = data.snapshot.astimezone(UTC)
    revocations = {}
    for r in sorted(data.revocations, key=lambda r: r.number):
        number = normalize_certificate_number(r.number)
        revocations[number] = {"number": number, "revoked_on": r.revoked_on.isoformat(), "reason": r.reason}
    snapshot_text = snapshot.strftime("%Y-%m-%d %H:%M UTC")
    center = " / ".join(n for n in (data.center_name_zh, data.center_name) if n)
    return {
        "center": {"name": data.center_name, "name_zh": data.center_name_zh},
        "keys": [{"name": k.name, "own": k.own, "raw": k.public_key.hex(),
                  "key_id": hashlib.sha256(k.public_key).digest()[:8].hex(),
                  "fingerprint": _fingerprint(k.public_key)} for k in data.issuers],
        "revocations": list(revocations.values()),
        "snapshot": snapshot.isoformat().replace("+00:00", "Z"),
        "snapshot_date": snapshot_text,
        "vars": {"snapshot": snapshot_text, "count": len(revocations), "center": center},
        "zdict": base64.b64encode(ZDICT).decode("ascii"),
        "strings": STRINGS,
    }


def build_page(data: PageData) -> str:
    """The page's HTML text."""
    if not data.issuers:
        raise ValueError("the page needs at least one issuer key")
    for k in data.issuers:
        if len(k.public_key) != 32:
            raise ValueError(f"issuer {k.name!r}: not a raw 32-byte Ed25519 public key")
    script = script_text()
    style = (HERE / "style.css").read_text(encoding="utf-8")
    center = " / ".join(n for n in (data.center_name_zh, data.center_name) if n)
    licences = "\n\n".join(f"{name}\n\n{path.read_text(encoding='utf-8')}" for name, path in LICENCES)
    slots = {
        "csp": html.escape(content_security_policy(script, style)),
        "title": html.escape(STRINGS["en"]["title"] + " — " + center if center else STRINGS["en"]["title"]),
        "app_version": html.escape(data.app_version),
        "style": style,
        "center": html.escape(center),
        "data": _json_for_script(page_data_json(data)),
        "script": script,
        "licences": licences.replace("--", "- -"),
    }
    template = (HERE / "template.html").read_text(encoding="utf-8")
    return _SLOTS.sub(lambda m: slots[m.group(1)], template)


def write_page(path: Path, data: PageData) -> Path:
    """Write the page atomically; returns the path written."""
    path = Path(path).expanduser()
    if path.is_dir():
        path = path / "verify.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, build_page(data).encode("utf-8"))
    return path


"""The page generator without a browser: vendored files as recorded, both languages complete, the
security policy, and hostile data kept inside its JSON element (issue 22)."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime
from html.parser import HTMLParser

import pytest

from app.certificates.claims import OVERRIDE_REASONS
from app.certificates.keys import CenterKeys
from app.certificates.verifier import page as page_mod
from app.certificates.verifier.page import PageData, PageIssuer, PageRevocation, build_page
from app.certificates.verifier.strings import STRINGS
from tests.verifier.test_export import embedded

README = page_mod.VENDOR / "README.md"


def test_vendored_files_match_the_recorded_sha256():
    recorded = dict(re.findall(r"^\| `([^`]+)` \| `([0-9a-f]{64})` \|$", README.read_text(encoding="utf-8"), re.M))
    on_disk = {p.name for p in page_mod.VENDOR.iterdir() if p.name != "README.md"}
    assert set(recorded) == on_disk
    for name, digest in recorded.items():
        assert hashlib.sha256((page_mod.VENDOR / name).read_bytes()).hexdigest() == digest, name


def test_both_languages_have_the_same_keys_and_placeholders():
    en, zh = STRINGS["en"], STRINGS["zh_CN"]
    assert en.keys() == zh.keys()
    for key in en:
        assert sorted(re.findall(r"\{\w+\}", en[key])) == sorted(re.findall(r"\{\w+\}", zh[key])), key
        assert not re.search(r"[您你]", zh[key]), key


def test_every_string_the_scripts_use_exists():
    """Keys the JS builds from a prefix (status_, why_, basis_) and the ones the template names."""
    js = (page_mod.HERE / "ui.js").read_text() + (page_mod.HERE / "core.js").read_text()
    template = (page_mod.HERE / "template.html").read_text()
    named = {k for k in set(re.findall(r"data-tp?=\"(\w+)\"", template)) | set(re.findall(r"\bt\('(\w+)'", js))
             if not k.endswith("_")}  # prefixes: the keys made from them are listed below
    reasons = set(re.findall(r"reason: '(\w+)'", js)) | set(re.findall(r"new Fail\('(\w+)'\)", js))
    reasons = (reasons | {"damaged_data", "too_much", "cut_off", "internal"}) - {"valid"}  # why_ only when not valid
    statuses = {"valid", "tampered", "unknown_issuer", "revoked", "expired", "unreadable"}
    wanted = named | {f"why_{r}" for r in reasons} | {f"status_{s}" for s in statuses} | {
        f"msg_{s}" for s in statuses | {"valid_image"}} | {f"basis_{r}" for r in OVERRIDE_REASONS}
    assert wanted - set(STRINGS["en"]) == set()


@pytest.fixture(scope="module")
def raw_key(tmp_path_factory) -> bytes:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("k")).public_key.public_bytes_raw()


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_hostile_names_stay_data(raw_key):
    evil = '</script><script>alert(1)</script><!-- "\u2028'
    data = PageData(evil, evil, (PageIssuer(evil, raw_key, own=True),),
                    (PageRevocation("ZZ-2026-0009-0000", date(2026, 1, 2), evil),),
                    datetime(2026, 12, 1, 8, 30, tzinfo=UTC))
    html = build_page(data)
    parser = _Tags()
    parser.feed(html)
    scripts = [a for t, a in parser.tags if t == "script"]
    assert scripts == [{"type": "application/json", "id": "zz-data"}, {}]
    back = embedded(html)
    assert back["center"]["name"] == evil and back["revocations"][0]["reason"] == evil
    assert back["snapshot"] == "2026-12-01T08:30:00Z" and back["snapshot_date"] == "2026-12-01 08:30 UTC"


def test_policy_forbids_the_network_and_allows_only_the_inline_code(raw_key):
    html = build_page(PageData("C", "", (PageIssuer("k", raw_key),)))
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html).group(1)
    rules = dict(part.split(" ", 1) for part in csp.replace("&#x27;", "'").split("; "))
    assert rules["default-src"] == "'none'" and rules["connect-src"] == "'none'"
    assert rules["script-src"].startswith("'sha256-") and " " not in rules["script-src"]
    assert "unsafe" not in csp and "http" not in csp
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


def test_bad_keys_are_refused():
    with pytest.raises(ValueError):
        build_page(PageData("C", "", ()))
    with pytest.raises(ValueError):
        build_page(PageData("C", "", (PageIssuer("k", b"short"),)))

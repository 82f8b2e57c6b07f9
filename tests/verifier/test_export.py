"""A center exports the verification page from its own records, through the CLI and the service:
the page embeds its key, its name and its revocations as of the export, and in the browser it says
what the center's own verification says (issue 22)."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from app.cli.main import main
from app.services.auth import PermissionDenied
from tests.verifier import browser


def embedded(html: str) -> dict:
    m = re.search(r'<script type="application/json" id="zz-data">(.*?)</script>', html, re.S)
    assert m, "no zz-data element"
    return json.loads(m.group(1))


def _payload(pdf) -> str:
    from pypdf import PdfReader

    return str(PdfReader(str(pdf)).metadata["/ZhizaoCertificate"])


@pytest.fixture
def center(ctx, admin, trainee, fixture_course):
    """Two certificates of this center: one revoked, one current."""
    first = ctx.certificates.issue(admin, "zhangwei", fixture_course, override=True, reason="checked on paper",
                                   reason_category="assessed_elsewhere")
    ctx.certificates.revoke(admin, first.number, "issued to the wrong person")
    second = ctx.certificates.issue(admin, "zhangwei", fixture_course, override=True, reason="checked again",
                                    reason_category="assessed_elsewhere")
    return first, second


def test_cli_writes_the_page_with_keys_name_and_revocations(ctx, center, capsys, tmp_path):
    revoked, current = center
    out = tmp_path / "site" / "verify.html"
    assert main(["--data-dir", str(ctx.data_dir), "certificate", "verifier-page", "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    keys = ctx.certificates.center_keys()
    assert str(out) in printed and keys.fingerprint() in printed
    data = embedded(out.read_text(encoding="utf-8"))
    assert data["center"] == {"name": "Zhizao Academy Training Center", "name_zh": "智造学院培训中心"}
    assert data["keys"] == [{"name": "this center", "own": True, "raw": keys.public_key.public_bytes_raw().hex(),
                             "key_id": keys.key_id().hex(), "fingerprint": keys.fingerprint()}]
    assert [(r["number"], r["reason"]) for r in data["revocations"]] == [(revoked.number,
                                                                          "issued to the wrong person")]
    taken = dt.datetime.fromisoformat(data["snapshot"].replace("Z", "+00:00"))
    assert abs((dt.datetime.now(dt.UTC) - taken).total_seconds()) < 600
    assert current.number not in json.dumps(data)


def test_cli_write_error_is_one_line(ctx, center, capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    code = main(["--data-dir", str(ctx.data_dir), "certificate", "verifier-page", "-o", str(blocker / "v.html")])
    err = capsys.readouterr().err
    assert code != 0 and "The verification page could not be written" in err and "Traceback" not in err


def test_only_staff_export_the_page(ctx, trainee, tmp_path):
    with pytest.raises(PermissionDenied):
        ctx.certificates.export_verifier_page(trainee, tmp_path / "v.html")
    assert not (tmp_path / "v.html").exists()


@pytest.mark.skipif(bool(browser.missing()), reason=browser.missing() or "browser available")
def test_exported_page_agrees_with_the_centers_own_verification(ctx, admin, center, tmp_path):
    revoked, current = center
    page = ctx.certificates.export_verifier_page(admin, tmp_path / "verify.html")
    texts = {n: _payload(ctx.certificates.pdf_path(i)) for n, i in (("revoked", revoked), ("current", current))}
    d = browser.start()
    try:
        d.get(page.as_uri())
        for name, text in texts.items():
            app = ctx.certificates.verify_qr(text)
            got = d.execute_async_script(
                "const [t, done] = arguments; window.ZZVerifier.verifyText(t, 'text').then((r) => done(r.status));",
                text)
            assert got == app.status == {"revoked": "revoked", "current": "valid"}[name]
        assert [r for r in browser.requests_seen(d) if r["url"] != page.as_uri()] == []
    finally:
        d.quit()

"""JSON from outside, too deep or too large, is refused with one clear line and the documented exit
code at every entry point, never "unexpected error" (issue 21): the package manifest, the sync
bundle, the certificate PDF attachment, the QR text and the badge JSON."""

from __future__ import annotations

import io
import json
import sys
import zipfile
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from app.certificates.claims import MAX_CLAIMS_JSON_BYTES
from app.certificates.envelope import ATTACHMENT_NAME, MAX_ENVELOPE_BYTES
from app.certificates.keys import CenterKeys
from app.certificates.qr import encode_payload
from app.cli.main import main
from app.courses.package import MAX_MANIFEST_BYTES
from app.jsonlimits import JsonLimitError, loads_bounded, read_bounded
from app.services.sync import MANIFEST_MAX

DEEP = "[" * 100_000 + "]" * 100_000


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def big(size: int) -> str:
    """A valid JSON object of about ``size`` bytes."""
    return json.dumps({"pad": "x" * size})


# --- the helper -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [DEEP, DEEP.encode(), nested(65), nested(900)])
def test_too_deep_is_one_clear_error(text):
    with pytest.raises(JsonLimitError, match="nested too deeply"):
        loads_bounded(text, 10_000_000, 64, "x.json")


def test_depth_and_size_at_the_limit_are_accepted():
    assert loads_bounded(nested(64), 128, 64) == json.loads(nested(64))
    assert loads_bounded(json.dumps({"a": [{"b": 1}]}), 100, 3) == {"a": [{"b": 1}]}
    with pytest.raises(JsonLimitError):
        loads_bounded(json.dumps({"a": [{"b": []}]}), 100, 3)


def test_too_large_names_the_document_and_the_limit():
    with pytest.raises(JsonLimitError) as info:
        loads_bounded(big(2000), 1000, what="manifest.json")
    assert "manifest.json is too large" in str(info.value) and "1,000" in str(info.value)
    with pytest.raises(JsonLimitError):  # bytes, counted as UTF-8
        loads_bounded(json.dumps(["中" * 400], ensure_ascii=False), 1000)


def test_other_faults_keep_their_own_errors():
    with pytest.raises(json.JSONDecodeError):
        loads_bounded("[1,", 100)
    with pytest.raises(UnicodeDecodeError):
        loads_bounded(b"\xff[]", 100)


def test_read_bounded_reads_no_more_than_the_limit(tmp_path):
    path = tmp_path / "huge.json"
    path.write_text(big(5_000_000))
    with pytest.raises(JsonLimitError) as info:
        read_bounded(path, 1000)
    assert "huge.json is too large" in str(info.value) and "5,000,0" in str(info.value)
    (tmp_path / "ok.json").write_text('{"a": 1}')
    assert read_bounded(tmp_path / "ok.json", 1000) == {"a": 1}


# --- through the command line ---------------------------------------------------------------------


def run_cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = io.StringIO("")
    try:
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(argv))
    finally:
        sys.stdin = saved
    return code, out.getvalue(), err.getvalue()


def one_line(err: str, out: str = "") -> str:
    assert "Traceback" not in err + out and "unexpected error" not in err + out, err + out
    lines = [line for line in (err + out).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    return lines[0]


@pytest.fixture
def data(tmp_path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


def zip_with(path: Path, members: dict[str, str]) -> Path:
    """Stored, not deflated: a deflated 100,000-deep manifest is caught as a zip bomb first."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


@pytest.mark.parametrize(("manifest", "expected"), [
    (DEEP, "nested too deeply"),
    (nested(100), "nested too deeply"),
    (big(MAX_MANIFEST_BYTES + 10), "too large"),
])
def test_import_course_refuses_a_deep_or_huge_manifest(tmp_path, data, manifest, expected):
    package = zip_with(tmp_path / "bad.zhizao", {"manifest.json": manifest})
    code, out, err = run_cli("--data-dir", str(data), "import", "course", str(package))
    assert code == 1 and expected in one_line(err, out)
    assert not (data / "library").exists() or not any((data / "library").iterdir())


@pytest.mark.parametrize("manifest", [DEEP, big(MANIFEST_MAX + 10)])
def test_import_progress_refuses_a_deep_or_huge_manifest(tmp_path, data, manifest):
    bundle = zip_with(tmp_path / "bad.zip", {"manifest.json": manifest, "manifest.sig": "AAAA",
                                             "records.jsonl": ""})
    code, out, err = run_cli("--data-dir", str(data), "import", "progress", str(bundle))
    assert code == 1 and "nothing was imported" in one_line(err, out)


def verify(data: Path, *args: str) -> tuple[int, str]:
    code, out, err = run_cli("--data-dir", str(data), "certificate", "verify", *args)
    assert "Traceback" not in err + out and "unexpected error" not in err + out, err + out
    return code, out.splitlines()[0] if out else err


@pytest.mark.parametrize(("text", "expected"), [(DEEP, "nested too deeply"), (big(2 << 20), "too large")])
def test_verify_badge_refuses_a_deep_or_huge_file(tmp_path, data, text, expected):
    badge = tmp_path / "badge.json"
    badge.write_text(text)
    code, first = verify(data, "--badge", str(badge))
    assert code == 7 and first.startswith("Unreadable:") and expected in first


@pytest.mark.parametrize("claims", [nested(8000), nested(20)])
def test_verify_qr_with_deep_signed_claims_is_unreadable(data, claims):
    keys = CenterKeys.load_or_create(data / "keys")  # signed by this center: only the claims are wrong
    raw = claims.encode()
    text = encode_payload(raw, keys.sign(raw), keys.key_id())
    code, first = verify(data, "--qr", text)
    assert code == 7 and first.startswith("Unreadable:")


def test_verify_qr_with_oversized_claims_is_unreadable(data):
    from app.certificates.qr import MAX_CLAIMS_BYTES

    keys = CenterKeys.load_or_create(data / "keys")
    raw = big(MAX_CLAIMS_BYTES + 10).encode()
    code, first = verify(data, "--qr", encode_payload(raw, keys.sign(raw), keys.key_id()))
    assert code == 7 and first.startswith("Unreadable:") and "too much data" in first


def test_verify_qr_with_deep_unsigned_claims_is_an_unknown_issuer(data):
    raw = nested(8000).encode()
    code, first = verify(data, "--qr", encode_payload(raw, b"\0" * 64, b"\1" * 8))
    assert code == 5 and first.startswith("Unknown issuer")


@pytest.mark.parametrize(("attachment", "expected"), [
    (DEEP, "nested too deeply"), (big(MAX_ENVELOPE_BYTES + 10), "too large")])
def test_verify_pdf_with_a_deep_or_huge_attachment(tmp_path, data, attachment, expected):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_attachment(ATTACHMENT_NAME, attachment.encode())
    pdf = tmp_path / "certificate.pdf"
    with pdf.open("wb") as fh:
        writer.write(fh)
    code, first = verify(data, str(pdf))
    assert code == 6 and first.startswith("Tampered:") and expected in first


def test_the_claims_limit_is_above_what_a_qr_code_can_hold():
    from app.certificates.qr import MAX_CLAIMS_BYTES

    assert MAX_CLAIMS_JSON_BYTES >= MAX_CLAIMS_BYTES

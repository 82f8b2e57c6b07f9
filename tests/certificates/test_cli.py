"""`zhizao certificate verify|export-key|import-key` through the real CLI entry point."""

from __future__ import annotations

import json

import pytest

from app.certificates.issue import write_certificate
from app.certificates.keys import CenterKeys
from app.cli.main import main
from tests.certificates.conftest import make_claims


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def issued(data_dir, tmp_path):
    keys = CenterKeys.load_or_create(data_dir / "keys")
    return write_certificate(make_claims(expires_on=None), keys, tmp_path / "cert.pdf")


def run(capsys, *argv):
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_verify_pdf_valid(capsys, data_dir, issued):
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", str(issued.pdf_path))
    assert code == 0
    assert out.startswith("Valid:")
    assert "张伟" in out and "工业机器人操作与编程" in out and issued.claims.number in out


def test_verify_qr_json_output(capsys, data_dir, issued):
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", "--qr", issued.payload, "--json")
    assert code == 0
    doc = json.loads(out)
    assert doc["status"] == "valid" and doc["claims"]["learner_name"] == "张伟"
    assert doc["page"] == "none" and doc["differences"] == []  # QR text: no page to compare
    assert {"label": "Name", "value": "张伟"} in doc["facts"]


def test_verify_pdf_prints_the_signed_facts_to_compare(capsys, data_dir, issued):
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", str(issued.pdf_path))
    lines = out.splitlines()
    assert code == 0 and "the printed page matches it" in lines[0]
    facts = lines[lines.index("Compare these with the paper:") + 2:]
    labels = [line.split()[0] for line in facts[:7]]
    assert labels == ["Name", "Course", "Completed", "Score", "Hours", "Issuer", "Valid"]
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", str(issued.pdf_path), "--json")
    doc = json.loads(out)
    assert doc["page"] == "matches" and doc["facts"][0] == {"label": "Name", "value": "张伟"}


def test_verify_badge(capsys, data_dir, issued):
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", "--badge", str(issued.badge_path))
    assert code == 0 and out.startswith("Valid:")


def test_verify_on_an_employer_pc_needs_the_exported_key(capsys, data_dir, issued, tmp_path):
    code, out, _ = run(capsys, "--data-dir", str(data_dir), "certificate", "export-key", "-o", str(tmp_path / "c.pem"))
    assert code == 0 and CenterKeys.load_or_create(data_dir / "keys").fingerprint() in out

    employer = tmp_path / "employer"
    code, out, _ = run(capsys, "--data-dir", str(employer), "certificate", "verify", str(issued.pdf_path))
    assert code == 5 and out.startswith("Unknown issuer")
    assert not (employer / "keys" / "center_ed25519.pem").exists()  # verifying makes no key

    code, out, _ = run(capsys, "--data-dir", str(employer), "certificate", "verify", str(issued.pdf_path),
                       "--trust", str(tmp_path / "c.pem"))
    assert code == 0

    code, out, _ = run(capsys, "--data-dir", str(employer), "certificate", "import-key", str(tmp_path / "c.pem"),
                       "--name", "zhizao")
    assert code == 0 and "zhizao" in out
    code, _, _ = run(capsys, "--data-dir", str(employer), "certificate", "verify", str(issued.pdf_path))
    assert code == 0


def test_garbage_qr_and_missing_file_are_one_line_errors(capsys, data_dir):
    code, out, err = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", "--qr", "nonsense")
    assert code == 7 and out.startswith("Unreadable:") and "Traceback" not in out + err
    code, out, err = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", str(data_dir / "nope.pdf"))
    assert code == 2 and "nope.pdf" in err and len(err.strip().splitlines()) == 1


def test_bad_trust_key_is_a_clear_error(capsys, data_dir, issued, tmp_path):
    bad = tmp_path / "bad.pem"
    bad.write_text("nope")
    code, _, err = run(capsys, "--data-dir", str(data_dir), "certificate", "verify", str(issued.pdf_path),
                       "--trust", str(bad))
    assert code == 2 and "bad.pem" in err

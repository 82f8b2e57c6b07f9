"""The page comparison on its own: languages, layout versions, and what it calls a difference."""

from __future__ import annotations

import io

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from app.certificates.page_compare import compare_certificate_page, expected_page
from app.certificates.pdf_draw import LAYOUT_VERSION
from app.certificates.verify import verify_pdf
from tests.certificates.conftest import make_claims


def test_both_leading_languages_match_their_own_page(issued_zh, issued_en):
    for issued in (issued_zh, issued_en):
        result = compare_certificate_page(issued.pdf_path, 0, issued.claims, issued.signature, issued.key_id,
                                          LAYOUT_VERSION)
        assert result.outcome == "matches", result


def test_another_persons_claims_differ_in_name_only(issued_zh):
    other = make_claims(learner_name="李娜")
    result = compare_certificate_page(issued_zh.pdf_path, 0, other, issued_zh.signature, issued_zh.key_id)
    assert result.outcome == "differs" and "name" in result.fields
    assert "score" not in result.fields and "label" not in result.fields


def test_expected_page_records_where_each_fact_is(issued_zh):
    page = expected_page(issued_zh.claims, issued_zh.signature, issued_zh.key_id, "zh_CN")
    tags = {tag for tag, _box in page.boxes}
    assert {"name", "course", "date", "score", "hours", "modules", "number", "expires", "issuer", "qr",
            "label", "statement"} <= tags
    assert PdfReader(io.BytesIO(page.pdf)).metadata["/ZhizaoLayout"] == LAYOUT_VERSION


def test_pdf_of_another_layout_version_is_not_compared(issued_zh, trusted, tmp_path):
    """Updating the app must not turn certificates it drew earlier into 'Tampered'."""
    reader = PdfReader(str(issued_zh.pdf_path))
    writer = PdfWriter(clone_from=reader)
    meta = {NameObject(k): TextStringObject(str(v)) for k, v in (reader.metadata or {}).items()}
    meta[NameObject("/ZhizaoLayout")] = TextStringObject("1")
    writer.add_metadata(meta)
    old = tmp_path / "old.pdf"
    with open(old, "wb") as fh:
        writer.write(fh)
    v = verify_pdf(old, trusted)
    assert v.status == "valid" and v.page == "not_compared", v.message
    assert any("another version of the app (layout 1)" in n for n in v.notes)

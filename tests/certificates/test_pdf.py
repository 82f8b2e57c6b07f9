"""The certificate PDF: text extraction, fonts, embedded data, rendering, QR on the page."""

from __future__ import annotations

import json
import shutil
import subprocess

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from app.certificates.decode_image import certificate_payloads, render_pdf_page
from app.certificates.envelope import ATTACHMENT_NAME, parse_envelope
from app.certificates.pdf import CertificateRenderError, render_certificate
from tests.certificates.conftest import TITLE_EN, TITLE_ZH, make_claims

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")


def pdftotext(path) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def flat(text: str) -> str:
    return "".join(text.split())


@needs_pdftotext
@pytest.mark.parametrize("fixture", ["issued_zh", "issued_en"])
def test_pdftotext_gives_back_name_titles_number_and_dates(fixture, request):
    issued = request.getfixturevalue(fixture)
    text = pdftotext(issued.pdf_path)
    assert "张伟" in text  # no letter-spacing artefacts like "张 伟"
    assert "结业证书" in text
    assert TITLE_ZH in text
    assert TITLE_EN in text
    assert issued.claims.number in text
    assert "2026年11月24日" in text and "24 November 2026" in text
    assert "2029年11月24日" in text  # expiry


def test_pypdf_extracts_the_same_text(issued_zh):
    text = PdfReader(str(issued_zh.pdf_path)).pages[0].extract_text()
    for expected in ("张伟", TITLE_ZH, TITLE_EN, issued_zh.claims.number, "结业证书"):
        assert flat(expected) in flat(text)


def test_language_order_follows_the_locale(issued_zh, issued_en):
    def first_of(path, a, b):
        text = PdfReader(str(path)).pages[0].extract_text()
        return a if text.index(a) < text.index(b) else b

    assert first_of(issued_zh.pdf_path, TITLE_ZH, TITLE_EN) == TITLE_ZH
    assert first_of(issued_en.pdf_path, TITLE_ZH, TITLE_EN) == TITLE_EN


def test_a4_landscape_single_page_with_only_embedded_fonts(issued_zh):
    reader = PdfReader(str(issued_zh.pdf_path))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = []
    for ref in fonts.values():
        font = ref.get_object()
        names.append(str(font["/BaseFont"]))
        assert "/FontFile2" in font["/FontDescriptor"]  # TrueType program embedded
        assert "/ToUnicode" in font  # what makes the text extractable
    assert names and all("NotoSansSC" in n for n in names)


def test_claims_are_embedded_as_attachment_and_metadata(issued_zh):
    reader = PdfReader(str(issued_zh.pdf_path))
    data = reader.attachments[ATTACHMENT_NAME][0]
    env = parse_envelope(data)
    assert env.claims == issued_zh.claims
    assert env.signature == issued_zh.signature
    assert env.payload == issued_zh.payload
    assert json.loads(data)["claims"]["learner_name"] == "张伟"
    assert reader.metadata["/ZhizaoCertificate"] == issued_zh.payload
    assert "张伟" in reader.metadata.title


def test_rendered_page_is_not_blank(issued_zh, tmp_path):
    img = render_pdf_page(issued_zh.pdf_path, dpi=80).convert("L")
    assert img.width == 936 and abs(img.height - 661) <= 1  # A4 landscape at 80 dpi
    hist = img.histogram()
    dark = sum(hist[:100]) / (img.width * img.height)
    assert 0.01 < dark < 0.35  # text, frame and QR are there; not a black page
    assert len([c for c in hist if c]) > 50  # anti-aliased text, not a flat fill
    img.save(tmp_path / "page.png")
    assert Image.open(tmp_path / "page.png").getbbox() is not None


def test_qr_decoded_from_the_rendered_page_is_the_payload(issued_zh, issued_en):
    for issued in (issued_zh, issued_en):
        assert certificate_payloads(render_pdf_page(issued.pdf_path, dpi=150)) == [issued.payload]


def test_every_page_renders_with_pdfium(issued_zh):
    pdf = pdfium.PdfDocument(str(issued_zh.pdf_path))
    try:
        assert len(pdf) == 1
    finally:
        pdf.close()


def test_long_titles_and_names_wrap_without_losing_text(tmp_path, session_keys):
    long_en = ("Advanced Predictive Maintenance of Servo-Driven Conveyor Lines with Machine Learning, "
               "Vibration Analysis and Thermal Imaging")
    long_zh = "基于机器学习、振动分析与红外热成像的伺服驱动输送线高级预测性维护与故障诊断综合实践课程"
    c = make_claims(learner_name="Maximilian Alexander von Hohenzollern-Sigmaringen",
                    course_title_en=long_en, course_title_zh=long_zh, score=None, expires_on=None)
    out = render_certificate(c, session_keys.sign(b"x"), tmp_path / "long.pdf", key_id=session_keys.key_id(),
                             locale="en")
    text = flat(PdfReader(str(out)).pages[0].extract_text())
    assert flat(long_en) in text and flat(long_zh) in text
    assert flat(c.learner_name) in text
    assert "Pass" in text and "合格" in text  # no score → pass


def test_characters_outside_the_font_are_refused_not_boxed(tmp_path, session_keys):
    c = make_claims(learner_name="张𠀀")  # CJK Extension B: not in the bundled subset
    with pytest.raises(CertificateRenderError, match="𠀀"):
        render_certificate(c, b"\0" * 64, tmp_path / "x.pdf", key_id=session_keys.key_id())
    assert not (tmp_path / "x.pdf").exists()


def test_logo_is_drawn_and_a_bad_logo_is_a_clear_error(tmp_path, session_keys, claims):
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 60), (200, 30, 30)).save(logo)
    out = render_certificate(claims, b"\0" * 64, tmp_path / "logo.pdf", key_id=session_keys.key_id(),
                             logo_path=logo)
    px = np.asarray(render_pdf_page(out, dpi=40).convert("RGB")).astype(int)
    reds = int(((px[..., 0] > 180) & (px[..., 1] < 60) & (px[..., 2] < 60)).sum())
    assert reds > 50
    bad = tmp_path / "logo.txt"
    bad.write_text("no image")
    with pytest.raises(CertificateRenderError, match="logo.txt"):
        render_certificate(claims, b"\0" * 64, tmp_path / "bad.pdf", key_id=session_keys.key_id(),
                           logo_path=bad)

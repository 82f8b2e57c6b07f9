"""Verifying a certificate tells the truth: forged pages are caught, genuine printouts and scans pass.

Issue 14, part 3.

Every attack goes through the public entry points (``verify_pdf`` as the
verify dialog calls it, ``zhizao certificate verify``, ``zhizao users``) on
real PDFs: ours, ours printed through the app's Qt print path, ours rasterised
by pdftoppm into image-only PDFs the way an office scanner makes them, and
ours with things drawn over or hidden in the page.
"""

from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from PIL import Image, ImageFilter
from pypdf import PdfReader, PdfWriter
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from app.certificates.issue import write_certificate
from app.certificates.keys import CenterKeys, TrustedIssuers
from app.certificates.pdf import PAGE_H, PAGE_W
from app.certificates.pdf_draw import binary_streams, text_width
from app.certificates.verify import COMPARE_HINT, verify_pdf
from app.cli.main import main
from app.fonts import register_reportlab_fonts
from app.storage.models import AuditEntry
from tests.certificates.conftest import make_claims

TODAY = date(2027, 1, 1)
PAPER = HexColor("#FDFBF6")
INK = HexColor("#222222")
# Where the renderer puts the learner's name and the score (see app/certificates/pdf.py).
NAME_Y, SCORE_Y = 342, 184
SCORE_X = (PAGE_W - 650) / 2 + 230 + 70

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (pdftoppm) not installed")


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> CenterKeys:
    return CenterKeys.load_or_create(tmp_path_factory.mktemp("center") / "keys")


@pytest.fixture(scope="module")
def trusted(keys) -> TrustedIssuers:
    return TrustedIssuers.load(keys.key_dir, own=keys)


@pytest.fixture(scope="module")
def genuine(tmp_path_factory, keys) -> Path:
    out = tmp_path_factory.mktemp("genuine") / "zhangwei.pdf"
    return write_certificate(make_claims(), keys, out, locale="zh_CN", badge=False).pdf_path


@pytest.fixture(scope="module")
def genuine_scan(tmp_path_factory, genuine):
    """``genuine_scan(dpi)``: the genuine page as pdftoppm renders it (RGB), made once per resolution for the
    module (0.4 s of CPU at 150 dpi, which four tests scan); each call returns a copy of its own."""
    pages: dict[int, Image.Image] = {}

    def scan(dpi: int) -> Image.Image:
        if dpi not in pages:
            pages[dpi] = pdftoppm(genuine, tmp_path_factory.mktemp(f"page{dpi}") / "page", dpi).convert("RGB")
        return pages[dpi].copy()

    return scan


def pdftoppm(pdf: Path, out: Path, dpi: int, gray: bool = False) -> Image.Image:
    """The page as pdftoppm renders it, read from its PPM/PGM output: the same pixels as its PNG
    output without the PNG's compression, ~70 % of pdftoppm's CPU (0.95 -> 0.27 s at 300 dpi)."""
    args = ["pdftoppm", "-r", str(dpi), "-singlefile", *(["-gray"] if gray else []), str(pdf), str(out)]
    subprocess.run(args, check=True, capture_output=True)
    return Image.open(out.with_suffix(".pgm" if gray else ".ppm"))


def image_only_pdf(image: Image.Image, path: Path, margin: float = 0) -> Path:
    """The page as a single image, no text and no embedded data: what a scanner or 'print to PDF' makes."""
    dy = margin * PAGE_H / PAGE_W
    # An image XObject, as scanners write it (pypdf mis-reads some large ASCII85 inline images), and
    # binary like theirs: reportlab's pure-Python ASCII85 took most of a noisy 300-dpi page's 1.3 s.
    with binary_streams():
        c = Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
        c.drawImage(ImageReader(image), margin, dy, PAGE_W - 2 * margin, PAGE_H - 2 * dy)
        c.save()
    return path


def drawn_over(genuine: Path, path: Path, draw) -> Path:
    """The genuine PDF with ``draw(canvas)`` merged on top of its page (embedded data untouched)."""
    layer = io.BytesIO()
    c = Canvas(layer, pagesize=(PAGE_W, PAGE_H))
    draw(c)
    c.save()
    writer = PdfWriter()
    writer.append(PdfReader(str(genuine)))
    writer.pages[0].merge_page(PdfReader(layer).pages[0])
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def li_si_98(c: Canvas) -> None:
    """White boxes over the name and the score, then '李四' and '98%' in the same font and place."""
    _regular, bold = register_reportlab_fonts()
    c.setFillColor(PAPER)
    c.rect(PAGE_W / 2 - 110, NAME_Y - 9, 220, 40, stroke=0, fill=1)
    c.rect(SCORE_X - 45, SCORE_Y - 6, 90, 22, stroke=0, fill=1)
    c.setFillColor(INK)
    c.setFont(bold, 32)
    c.drawCentredString(PAGE_W / 2, NAME_Y, "李四")
    c.setFont(bold, 16)
    c.drawCentredString(SCORE_X, SCORE_Y, "98%")


# --- genuine papers verify --------------------------------------------------------------------------------

def test_original_pdf_is_valid_and_its_page_matches(genuine, trusted):
    v = verify_pdf(genuine, trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message
    facts = dict(v.facts())
    assert facts["Name"] == "张伟" and facts["Score"] == "92.5%" and facts["Hours"] == "16"
    assert "智造学院培训中心" in facts["Issuer"] and "2029" in facts["Valid until"]
    assert COMPARE_HINT == "Compare these with the paper"


@needs_poppler
@pytest.mark.parametrize("dpi", [150, 300])
def test_image_only_pdf_made_from_our_pdf_verifies_valid(genuine_scan, trusted, tmp_path, dpi):
    scan = image_only_pdf(genuine_scan(dpi), tmp_path / "scan.pdf")
    assert not PdfReader(str(scan)).attachments and not PdfReader(str(scan)).pages[0].extract_text().strip()
    v = verify_pdf(scan, trusted, today=TODAY)
    assert v.status == "valid", v.message
    assert v.page == "matches" and "the printed page matches" in v.message
    assert any("only the printed QR code" in n for n in v.notes)


@needs_poppler
def test_skewed_noisy_jpeg_scan_is_valid_never_tampered(genuine, trusted, tmp_path):
    import numpy as np

    page = pdftoppm(genuine, tmp_path / "page", 300, gray=True).convert("L")
    page = page.rotate(0.6, resample=Image.Resampling.BICUBIC, fillcolor=255)
    noisy = np.asarray(page, float) * 0.92 + 12 + np.random.default_rng(7).normal(0, 6, page.size[::-1])
    page = Image.fromarray(np.clip(noisy, 0, 255).astype("uint8")).filter(ImageFilter.GaussianBlur(0.8))
    jpeg = io.BytesIO()
    page.save(jpeg, "JPEG", quality=60)
    v = verify_pdf(image_only_pdf(Image.open(jpeg), tmp_path / "scan.pdf"), trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message


@needs_poppler
def test_unclear_scan_says_signature_valid_compare_with_the_paper(genuine, trusted, tmp_path):
    page = pdftoppm(genuine, tmp_path / "page", 200, gray=True).convert("L")
    page = page.filter(ImageFilter.GaussianBlur(1.6))  # the QR still reads, small print does not
    v = verify_pdf(image_only_pdf(page, tmp_path / "blurred.pdf"), trusted, today=TODAY)
    assert v.status == "valid" and v.page == "not_compared", v.message
    assert v.message.startswith("Signature valid — compare the details with the paper")
    assert dict(v.facts())["Name"] == "张伟"


def test_pdf_printed_through_the_apps_qt_print_path_verifies(genuine, trusted, tmp_path, qapp):
    from PySide6.QtPrintSupport import QPrinter

    from app.ui.certificates.actions import make_printer, paint_pdfs

    printer = make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(tmp_path / "printed.pdf"))
    assert paint_pdfs(printer, [genuine]) == 1
    printed = tmp_path / "printed.pdf"
    assert printed.is_file() and not PdfReader(str(printed)).attachments
    v = verify_pdf(printed, trusted, today=TODAY)
    assert v.status == "valid", v.message
    assert v.page == "matches"


# --- forged papers do not ------------------------------------------------------------------------------

def test_overlay_forgery_is_not_valid(genuine, trusted, tmp_path):
    forged = drawn_over(genuine, tmp_path / "forged.pdf", li_si_98)
    v = verify_pdf(forged, trusted, today=TODAY)
    assert v.status == "tampered" and not v.ok
    assert v.message.startswith("Tampered: the printed details differ from the signed certificate")
    assert "name" in v.differences and "score" in v.differences
    assert dict(v.facts())["Name"] == "张伟"  # the signed truth is still shown to compare


def test_overlay_forgery_through_the_cli_exits_tampered(genuine, keys, tmp_path, capsys):
    forged = drawn_over(genuine, tmp_path / "forged.pdf", li_si_98)
    data = tmp_path / "employer"
    (data / "keys" / "trusted").mkdir(parents=True)
    keys.export_public_key(tmp_path / "center.pem")
    code = main(["--data-dir", str(data), "certificate", "verify", str(forged),
                 "--trust", str(tmp_path / "center.pem")])
    out = capsys.readouterr().out
    assert code == 6 and "differ from the signed certificate: name, score" in out
    assert "Compare these with the paper:" in out and "张伟" in out


@needs_poppler
def test_overlay_forgery_printed_to_an_image_only_pdf_is_not_valid(genuine, trusted, tmp_path):
    forged = drawn_over(genuine, tmp_path / "forged.pdf", li_si_98)
    scan = image_only_pdf(pdftoppm(forged, tmp_path / "page", 150).convert("RGB"), tmp_path / "scan.pdf")
    v = verify_pdf(scan, trusted, today=TODAY)
    assert v.status == "tampered" and {"name", "score"} <= set(v.differences), v.message


def test_one_changed_digit_of_the_date_is_caught(genuine, trusted, tmp_path):
    _regular, bold = register_reportlab_fonts()
    x0 = (PAGE_W - 650) / 2 + 115 - text_width("2026年11月24日", bold, 13) / 2 + text_width("2026年11月2", bold, 13)

    def seven(c: Canvas) -> None:
        c.setFillColor(PAPER)
        c.rect(x0, 186, text_width("4", bold, 13), 11, stroke=0, fill=1)
        c.setFillColor(INK)
        c.setFont(bold, 13)
        c.drawString(x0, 189, "7")

    v = verify_pdf(drawn_over(genuine, tmp_path / "date.pdf", seven), trusted, today=TODAY)
    assert v.status == "tampered" and v.differences == ("date",), v.message


def test_hidden_text_forgery_is_not_valid(genuine, trusted, tmp_path):
    """Invisible text that machines read (search, copy, the old name check) but people do not see."""
    def hidden(c: Canvas) -> None:
        regular, _bold = register_reportlab_fonts()
        t = c.beginText(120, 120)
        t.setTextRenderMode(3)
        t.setFont(regular, 12)
        t.textOut("李四 98%")
        c.drawText(t)

    v = verify_pdf(drawn_over(genuine, tmp_path / "hidden.pdf", hidden), trusted, today=TODAY)
    assert v.status == "tampered" and "hidden text" in v.differences, v.message


def test_forged_picture_with_the_genuine_name_hidden_behind_it_is_not_valid(genuine, trusted, tmp_path):
    """A page image of the forgery over the genuine data, the true name kept as invisible text."""
    forged_page = drawn_over(genuine, tmp_path / "forged.pdf", li_si_98)
    from app.certificates.decode_image import render_pdf_page

    picture = render_pdf_page(forged_page, dpi=150)

    def cover(c: Canvas) -> None:
        # An image XObject: pypdf's merge_page (drawn_over) fails on some large ASCII85 inline images
        # ("Unexpected end of stream"), depending on the page's pixels: the test failed now and then.
        c.drawImage(ImageReader(picture), 0, 0, PAGE_W, PAGE_H)

    v = verify_pdf(drawn_over(genuine, tmp_path / "picture.pdf", cover), trusted, today=TODAY)
    assert v.status == "tampered" and {"name", "score"} <= set(v.differences), v.message


def test_white_text_is_not_valid(genuine, trusted, tmp_path):
    def white(c: Canvas) -> None:
        regular, _bold = register_reportlab_fonts()
        c.setFillColor(PAPER)
        c.setFont(regular, 12)
        c.drawString(120, 300, "成绩 98%")

    v = verify_pdf(drawn_over(genuine, tmp_path / "white.pdf", white), trusted, today=TODAY)
    assert v.status == "tampered", v.message


# --- override certificates and names ---------------------------------------------------------------------

def test_override_certificate_says_awarded_by_the_training_center(keys, trusted, tmp_path):
    claims = make_claims(score=0, modules_completed=0, award="override", override_reason="prior_learning")
    pdf = write_certificate(claims, keys, tmp_path / "override.pdf", locale="en", badge=False).pdf_path
    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split()) \
        if shutil.which("pdftotext") else " ".join(PdfReader(str(pdf)).pages[0].extract_text().split())
    assert "successfully completed" not in text and "已完成以下课程的全部学习与考核" not in text
    assert "awarded this certificate by the training center" in text and "recognition of prior learning" in text
    v = verify_pdf(pdf, trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message
    assert "not by completing the course (recognition of prior learning)" in dict(v.facts())["Basis"]
    # The category is signed: changing it breaks the signature.
    forged = dataclasses.replace(claims, override_reason="assessed_elsewhere")
    from app.certificates.claims import canonical_bytes

    assert canonical_bytes(forged) != canonical_bytes(claims)


def test_names_at_account_creation_and_rare_characters_print(ctx, fixture_course, tmp_path, capsys, monkeypatch):
    from app.services.auth import SYSTEM

    def users(*argv: str) -> tuple[int, str, str]:
        monkeypatch.setattr("sys.stdin", io.StringIO("long-enough\n"))
        code = main(["--data-dir", str(tmp_path / "data"), "users", *argv])  # the ctx fixture's data folder
        out, err = capsys.readouterr()
        return code, out, err

    code, _out, err = users("add", "maria", "--name", "Maria 🏭 陈-O'Neil", "--password-stdin")
    assert code != 0 and "emoji" in err and "Traceback" not in err
    code, _out, err = users("add", "long", "--name", "x" * 300, "--password-stdin")
    assert code != 0 and "at most 64" in err
    assert ctx.accounts.list_users(SYSTEM) == []  # nothing created

    for login, name in (("liuyan", "刘䶮"), ("yoshida", "𠮷田 花子")):
        code, _out, err = users("add", login, "--name", name, "--password-stdin")
        assert code == 0, err
        info = ctx.certificates.issue(SYSTEM, login, fixture_course, override=True, reason="test",
                                      reason_category="other")
        pdf = ctx.certificates.pdf_path(info)
        if shutil.which("pdffonts"):
            fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True).stdout
            assert "NotoSansSCExt-Bold" in fonts  # the rare character came from the fallback face
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout \
            if shutil.which("pdftotext") else PdfReader(str(pdf)).pages[0].extract_text()
        assert name in text  # and copies back as itself (𠮷 is beyond U+FFFF)
        assert ctx.certificates.verify_pdf(pdf).page == "matches"

    code, out, err = users("rename", "liuyan", "--name", "刘 䶮")
    assert code == 0 and "刘 䶮" in out, err
    with ctx.store.session() as s:
        entry = s.scalar(select(AuditEntry).where(AuditEntry.action == "user.rename"))
    assert entry.details["old_name"] == "刘䶮" and entry.details["new_name"] == "刘 䶮"
    code, _out, err = users("rename", "liuyan", "--name", "刘䶮 🙂")
    assert code != 0 and "emoji" in err


def test_second_page_with_another_certificate_is_not_valid(genuine, keys, trusted, tmp_path):
    other = write_certificate(make_claims(learner_name="李四", number="ZZ-2026-0000-0000"), keys,
                              tmp_path / "other.pdf", badge=False).pdf_path
    writer = PdfWriter()
    writer.append(PdfReader(str(genuine)))
    writer.append(PdfReader(str(other)))
    with open(tmp_path / "two.pdf", "wb") as fh:
        writer.write(fh)
    v = verify_pdf(tmp_path / "two.pdf", trusted, today=TODAY)
    assert v.status == "tampered" and v.differences == ("other pages of the file",), v.message


def test_blank_back_side_of_a_scan_is_fine(genuine, trusted, tmp_path):
    writer = PdfWriter()
    writer.append(PdfReader(str(genuine)))
    writer.add_blank_page(PAGE_W, PAGE_H)
    with open(tmp_path / "duplex.pdf", "wb") as fh:
        writer.write(fh)
    v = verify_pdf(tmp_path / "duplex.pdf", trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message


@needs_poppler
@pytest.mark.parametrize("turn", [90, 180, 270])
def test_scan_lying_on_its_side_or_upside_down_still_compares(genuine_scan, trusted, tmp_path, turn):
    page = genuine_scan(150).rotate(turn, expand=True)
    c = Canvas(str(tmp_path / "turned.pdf"), pagesize=page.size)  # 1 px = 1 pt: any page size will do
    c.drawInlineImage(page, 0, 0, *page.size)
    c.save()
    v = verify_pdf(tmp_path / "turned.pdf", trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message


@needs_poppler
def test_scan_saved_as_png_is_compared_too(genuine, trusted, tmp_path):
    from app.certificates.verify import verify_image

    page = pdftoppm(genuine, tmp_path / "page", 200)
    page.save(tmp_path / "page.png", compress_level=1)  # the same pixels as pdftoppm's PNG, faster
    v = verify_image(tmp_path / "page.png", trusted, today=TODAY)
    assert v.status == "valid" and v.page == "matches", v.message
    forged = pdftoppm(drawn_over(genuine, tmp_path / "forged.pdf", li_si_98), tmp_path / "forged", 200)
    forged.save(tmp_path / "forged.png", compress_level=1)
    assert forged.size == page.size
    v = verify_image(tmp_path / "forged.png", trusted, today=TODAY)
    assert v.status == "tampered" and {"name", "score"} <= set(v.differences), v.message

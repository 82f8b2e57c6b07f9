"""The printable certificate: A4 landscape, bilingual, framed, with a signed QR code.

The bundled Noto Sans SC subset is embedded (only the glyphs used), so the
page looks the same everywhere and ``pdftotext`` gives the text back. The
signed claims travel inside the PDF twice: as the attachment
``zhizao-certificate.json`` and as the custom document-info entry
``/ZhizaoCertificate`` (the QR text), besides the visible QR code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import BinaryIO

from reportlab.pdfgen.canvas import Canvas

from app.certificates.claims import OVERRIDE_LABELS, Claims
from app.certificates.envelope import build_envelope
from app.certificates.pdf_draw import (
    GOLD,
    INFO_KEY,
    INK,
    MUTED,
    NAVY,
    PAGE_H,
    PAGE_W,
    Box,
    CertificateRenderError,
    Page,
    binary_streams,
    draw_emblem,
    draw_frame,
    draw_logo,
    draw_qr,
    embed_data,
    fit_text,
    mix,
    text_width,
)
from app.certificates.qr import encode_payload
from app.fonts import missing_characters, register_reportlab_fonts
from app.i18n import _, format_date, format_decimal, format_percent

__all__ = ["Box", "CertificateRenderError", "DEFAULT_SIGNER_TITLE", "INFO_KEY", "LABELS", "OVERRIDE_LABELS",
           "PAGE_H", "PAGE_W", "binary_streams", "render_certificate"]

EN_DATE_LOCALE = "en_GB"  # "24 November 2026": day first reads the same everywhere

# Fixed bilingual labels (zh, en): the certificate always prints both languages,
# so they are not run through gettext.
LABELS: dict[str, tuple[str, str]] = {
    "title": ("结业证书", "Certificate of Completion"),
    "certify": ("兹证明", "This is to certify that"),
    "completed": ("已完成以下课程的全部学习与考核", "has successfully completed the course"),
    "awarded": ("经培训中心认定，获授以下课程证书",
                "is awarded this certificate by the training center for the course"),
    "basis": ("认定依据", "Basis"),
    "date": ("完成日期", "Date of completion"),
    "awarded_on": ("认定日期", "Date of award"),
    "score": ("成绩", "Score"),
    "pass": ("合格", "Pass"),
    "hours": ("学时", "Hours"),
    "modules": ("完成模块", "Modules completed"),
    "number": ("证书编号", "Certificate No."),
    "expires": ("有效期至", "Valid until"),
    "signature": ("签名", "Signature"),
    "scan": ("扫码离线验证", "Scan to verify offline"),
    "key": ("签发密钥", "Issuer key"),
    "renews": ("续证，原证书编号", "Renewal of"),
}
DEFAULT_SIGNER_TITLE = "培训中心负责人 · Head of Training"


def _chinese_first(locale: str) -> bool:
    return locale.lower().startswith("zh")


def _label(key: str, zh_first: bool, sep: str = "  ") -> str:
    zh, en = LABELS[key]
    return f"{zh}{sep}{en}" if zh_first else f"{en}{sep}{zh}"


def _text_to_check(claims: Claims, signer_title: str, signer_name: str) -> str:
    return "".join([claims.learner_name, claims.course_title_en, claims.course_title_zh,
                    claims.center_name, claims.center_name_zh, claims.number,
                    signer_title, signer_name, *(zh + en for zh, en in LABELS.values())])


def render_certificate(claims: Claims, signature: bytes, out_path: Path | BinaryIO, *, key_id: bytes,
                       locale: str = "zh_CN", logo_path: Path | None = None,
                       signer_title: str = DEFAULT_SIGNER_TITLE, signer_name: str = "",
                       layout: list[tuple[str, Box]] | None = None) -> Path | BinaryIO:
    """Draw the certificate PDF for already-signed claims; returns ``out_path``.

    ``locale`` picks which language leads (zh_* → Chinese first, else
    English first); both are always printed. ``key_id`` is the issuer key id
    (``CenterKeys.key_id()``) that goes into the QR payload. ``out_path`` may
    be a binary file object; ``layout``, when given, receives (tag, box) for
    every signed fact and fixed label drawn (see :class:`Page`).
    """
    text = _text_to_check(claims, signer_title, signer_name)
    missing = missing_characters(text)
    missing += "".join(ch for ch in missing_characters(text, bold=True) if ch not in missing)
    if missing:
        raise CertificateRenderError(
            _("The bundled font cannot print these characters: {chars}").format(chars=" ".join(missing)))
    regular, bold = register_reportlab_fonts()
    zh_first = _chinese_first(locale)
    payload = encode_payload(claims, signature, key_id)
    if isinstance(out_path, (str, Path)):
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        target = str(out_path)
    else:
        target = out_path

    c = Canvas(target, pagesize=(PAGE_W, PAGE_H), pageCompression=1, initialFontName=regular)
    title_zh, title_en = LABELS["title"]
    c.setTitle(f"{title_zh} {title_en} — {claims.learner_name} — {claims.course_title_zh}")
    c.setAuthor(claims.center_name_zh or claims.center_name)
    c.setSubject(f"{LABELS['number'][1]} {claims.number}")
    c.setKeywords(f"{claims.number}, {claims.course_id} {claims.course_version}")
    c.setCreator("Zhizao Academy")
    embed_data(c, build_envelope(claims, signature, key_id, payload), payload)
    page = Page(c, regular, bold)
    draw_frame(c)

    # Header: logo or emblem, then the center's names.
    if logo_path:
        draw_logo(c, Path(logo_path), PAGE_W / 2, 522, 46)
    else:
        draw_emblem(c, PAGE_W / 2, 522, 23, bold)
    page.mark("emblem", (PAGE_W / 2 - 24, 522 - 24, PAGE_W / 2 + 24, 522 + 24))
    centre_names = [n for n in ((claims.center_name_zh, claims.center_name) if zh_first
                                else (claims.center_name, claims.center_name_zh)) if n]
    page.block("  ·  ".join(centre_names), 482, 11.5, 640, 6, color=NAVY, max_lines=1, tag="issuer")

    # Title.
    if zh_first:
        page.centred(title_zh, 436, 36, bold=True, color=NAVY, spacing=10, tag="label")
        page.centred(title_en.upper(), 412, 12, color=GOLD, spacing=3.2, tag="label")
    else:
        page.centred(title_en.upper(), 438, 27, bold=True, color=NAVY, spacing=2, tag="label")
        page.centred(title_zh, 412, 13, color=GOLD, spacing=3, tag="label")  # wider reads as spaces in pdftotext

    page.centred(_label("certify", zh_first, "   "), 384, 10.5, color=MUTED, tag="label")
    # Learner name, on a gold rule.
    name_size, _lines = fit_text(claims.learner_name, bold, 32, 480, 16)
    short_cjk = len(claims.learner_name) <= 4 and all(ord(ch) >= 0x2E80 for ch in claims.learner_name)
    page.centred(claims.learner_name, 342, name_size, bold=True, spacing=8 if short_cjk else 0, tag="name")
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.8)
    c.line(PAGE_W / 2 - 150, 332, PAGE_W / 2 + 150, 332)
    # An override says so instead of claiming a completion the scores do not show.
    statement = "awarded" if claims.is_override else "completed"
    page.centred(_label(statement, zh_first, "   "), 310, 10.5, color=MUTED, tag="statement")

    # Course titles: leading language large and bold, the other below.
    first, second = ((claims.course_title_zh, claims.course_title_en) if zh_first
                     else (claims.course_title_en, claims.course_title_zh))
    _titles(page, first, second)

    _details(page, claims, zh_first)
    if claims.is_override:
        zh, en = OVERRIDE_LABELS.get(claims.override_reason, OVERRIDE_LABELS["other"])
        basis_zh, basis_en = LABELS["basis"]
        text = f"{basis_zh}：{zh}  ·  {basis_en}: {en}" if zh_first else f"{basis_en}: {en}  ·  {basis_zh}：{zh}"
        page.block(text, 150, 8.5, 640, 6, color=INK, max_lines=1, tag="statement")
    if claims.renews:  # a small signed link to the certificate this one renews (issue 19)
        zh, en = LABELS["renews"]
        text = f"{zh} {claims.renews}  ·  {en} {claims.renews}" if zh_first else \
            f"{en} {claims.renews}  ·  {zh} {claims.renews}"
        page.centred(text, 140.5 if claims.is_override else 150, 7.5 if claims.is_override else 8, color=MUTED,
                     tag="statement")
    _footer(page, claims, payload, key_id, zh_first, signer_title, signer_name)
    with binary_streams():
        c.showPage()
        c.save()
    if layout is not None:
        layout.extend(page.boxes)
    return out_path


def _titles(page: Page, first: str, second: str) -> None:
    """Both course titles, centred vertically in the band between 'completed' and the details."""
    width, band_top, band_bottom = 660, 300, 246
    if text_width(first, page.bold, 15) <= width:
        s1, l1 = fit_text(first, page.bold, 21, width, 15)
    else:  # too long for one line at 15 pt: wrap, smaller
        s1, l1 = fit_text(first, page.bold, 16, width, 11)
    s2, l2 = fit_text(second, page.regular, 13, width, 8)
    lead1, lead2 = s1 * 1.18, s2 * 1.25
    height = len(l1) * lead1 + len(l2) * lead2
    y = band_bottom + (band_top - band_bottom + height) / 2 - s1 * 0.9
    for line in l1:
        page.centred(line, y, s1, bold=True, color=NAVY, tag="course")
        y -= lead1
    y += lead1 - lead2 * 0.1 - s1 * 0.1
    for line in l2:
        y -= lead2
        page.centred(line, y, s2, color=INK, tag="course")


def _dates(d: date, zh_first: bool) -> list[str]:
    zh = format_date(d, "long", locale="zh_CN")
    en = format_date(d, "long", locale=EN_DATE_LOCALE)
    return [zh, en] if zh_first else [en, zh]


def _details(page: Page, claims: Claims, zh_first: bool) -> None:
    """Four columns: date (both languages), score, hours, modules."""
    c = page.c
    loc = "zh_CN" if zh_first else "en"
    if claims.score is None:
        score = [_label("pass", zh_first, " ")]
    else:
        digits = 0 if float(claims.score).is_integer() else 1
        score = [format_percent(claims.score / 100, digits, locale=loc)]
    hours = format_decimal(claims.hours, 0 if float(claims.hours).is_integer() else 1, locale=loc)
    cols = [("date", _dates(claims.issued_on, zh_first)), ("score", score), ("hours", [hours]),
            ("modules", [str(claims.modules_completed)])]
    date_label = "awarded_on" if claims.is_override else "date"
    widths = [230, 140, 140, 140]
    x = (PAGE_W - sum(widths)) / 2
    top, bottom = 232, 164
    c.setStrokeColor(GOLD)
    c.setLineWidth(0.6)
    c.line(x, top, x + sum(widths), top)
    c.line(x, bottom, x + sum(widths), bottom)
    for (key, values), w in zip(cols, widths, strict=True):
        cx = x + w / 2
        zh, en = LABELS[date_label if key == "date" else key]
        lead, other = (zh, en) if zh_first else (en, zh)
        page.centred(lead, top - 13, 8.5, color=MUTED, x=cx, tag="label")
        page.centred(other, top - 23, 7, color=MUTED, x=cx, tag="label")
        if len(values) == 2:
            page.centred(values[0], top - 43, 13, bold=True, x=cx, tag=key)
            page.centred(values[1], top - 58, 9.5, color=INK, x=cx, tag=key)
        else:
            page.centred(values[0], top - 48, 16, bold=True, x=cx, tag=key)
        x += w
        if x < (PAGE_W + sum(widths)) / 2 - 1:
            c.setStrokeColor(mix(GOLD, 0.5))
            c.line(x, bottom + 8, x, top - 8)


def _footer(page: Page, claims: Claims, payload: str, key_id: bytes, zh_first: bool,
            signer_title: str, signer_name: str) -> None:
    c = page.c
    # Signature line (left).
    left, right = 78, 300
    middle = (left + right) / 2
    if signer_name:
        size, _lines = fit_text(signer_name, page.regular, 12, right - left, 7)
        page.centred(signer_name, 118, size, x=middle, tag="signer")
    c.setStrokeColor(INK)
    c.setLineWidth(0.6)
    c.line(left, 110, right, 110)
    size, _lines = fit_text(signer_title, page.regular, 9, right - left + 40, 5.5)
    page.centred(signer_title, 96, size, color=INK, x=middle, tag="signer")
    page.centred(_label("signature", zh_first, " "), 83, 7.5, color=MUTED, x=middle, tag="label")

    # Certificate number and expiry (middle).
    mid = PAGE_W / 2 + 10
    page.centred(_label("number", zh_first, " "), 128, 8, color=MUTED, x=mid, tag="label")
    page.centred(claims.number, 111, 15, bold=True, color=NAVY, spacing=1.2, x=mid, tag="number")
    if claims.expires_on:
        page.centred(_label("expires", zh_first, " "), 92, 8, color=MUTED, x=mid, tag="label")
        page.centred("  /  ".join(_dates(claims.expires_on, zh_first)), 78, 9.5, x=mid, tag="expires")

    # QR code (right) with caption.
    side = 104
    qx, qy = PAGE_W - 62 - side, 58
    draw_qr(c, payload, qx, qy, side)
    page.mark("qr", (qx, qy, qx + side, qy + side))
    page.centred(_label("scan", zh_first, " "), qy - 6, 6.5, color=MUTED, x=qx + side / 2, tag="label")
    page.centred(f"{LABELS['key'][0] if zh_first else LABELS['key'][1]} {key_id.hex().upper()}",
                 qy - 14, 5.5, color=MUTED, x=qx + side / 2, tag="key")

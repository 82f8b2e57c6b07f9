"""Drawing pieces of the certificate page: text fitting, frame, emblem, logo, QR, embedded data.

The frame and emblem are the same on every certificate, so their PDF
operators are built once and reused; the QR code is an inline 1-bit image
mask. Both keep a batch of certificates close to the cost of plain
reportlab pages.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from reportlab import rl_config
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfdoc
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.pathobject import PDFPathObject

from app.certificates.envelope import ATTACHMENT_NAME
from app.certificates.qr import qr_rows
from app.fonts import font_runs
from app.i18n import _

PAGE_W, PAGE_H = landscape(A4)
NAVY = HexColor("#1F3A5F")
GOLD = HexColor("#B08D3C")
INK = HexColor("#222222")
MUTED = HexColor("#5F6B7A")
PAPER = HexColor("#FDFBF6")
INFO_KEY = "ZhizaoCertificate"
LAYOUT_KEY = "ZhizaoLayout"
# Which drawing of the page this renderer makes. Bump it whenever anything drawn changes (text,
# position, size): the verifier compares a PDF's page only with the layout it says it has, so
# certificates drawn by an older version are "not compared" instead of "differs".
LAYOUT_VERSION = "2"


class CertificateRenderError(ValueError):
    """The certificate cannot be drawn as asked (message says what to fix)."""


Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in PDF points (origin bottom left)


def text_width(text: str, font: str, size: float) -> float:
    """Width of ``text`` as drawn, each character in the face that has it (main or fallback)."""
    return sum(stringWidth(chunk, face, size) for chunk, face in font_runs(text, font))


_A85_LOCK = threading.Lock()


@contextmanager
def binary_streams() -> Iterator[None]:
    """Save streams as plain Flate, not ASCII85+Flate (reportlab's default).

    ASCII85 only makes the file 25 % larger, and reportlab encodes it in pure
    Python: it was a fifth of a certificate's render time. reportlab reads the
    switch from its global config while saving, hence the lock.
    """
    with _A85_LOCK:
        old = rl_config.useA85
        rl_config.useA85 = 0
        try:
            yield
        finally:
            rl_config.useA85 = old


def wrap_text(text: str, font: str, size: float, width: float) -> list[str]:
    """Greedy wrap: at spaces for Latin words, anywhere between CJK characters."""
    tokens: list[str] = []
    word = ""
    for ch in text:
        if ch == " ":
            tokens.append(word + " ")
            word = ""
        elif ord(ch) >= 0x2E80:  # CJK and full-width: a break is allowed after each
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        else:
            word += ch
    if word:
        tokens.append(word)
    lines, line = [], ""
    for tok in tokens:
        if line and text_width((line + tok).rstrip(), font, size) > width:
            lines.append(line.rstrip())
            line = tok.lstrip()
        else:
            line += tok
    if line.strip():
        lines.append(line.rstrip())
    return lines or [""]


def fit_text(text: str, font: str, size: float, width: float, min_size: float,
             max_lines: int = 2) -> tuple[float, list[str]]:
    """Largest size ≤ ``size`` at which ``text`` fits on one line, else wrapped lines.

    Never drops text: at ``min_size`` it returns as many lines as it takes.
    """
    s = size
    while s > min_size and text_width(text, font, s) > width:
        s -= 0.5
    if text_width(text, font, s) <= width:
        return s, [text]
    s = size
    while True:
        lines = wrap_text(text, font, s, width)
        if len(lines) <= max_lines or s <= min_size:
            return s, lines
        s -= 0.5


class Page:
    """Drawing helpers bound to one canvas and the two registered fonts.

    Text drawn with a ``tag`` records its box in :attr:`boxes`, so the
    verifier knows where each signed fact sits on the page.
    """

    def __init__(self, canvas: Canvas, regular: str, bold: str) -> None:
        self.c, self.regular, self.bold = canvas, regular, bold
        self.boxes: list[tuple[str, Box]] = []

    def mark(self, tag: str, box: Box) -> None:
        self.boxes.append((tag, box))

    def centred(self, text: str, y: float, size: float, *, bold: bool = False, color: Color = INK,
                spacing: float = 0.0, x: float = PAGE_W / 2, tag: str = "") -> None:
        font = self.bold if bold else self.regular
        c = self.c
        c.setFillColor(color)
        runs = font_runs(text, font)
        width = sum(stringWidth(chunk, face, size) for chunk, face in runs) + spacing * max(len(text) - 1, 0)
        t = c.beginText(x - width / 2, y)
        if spacing:
            t.setCharSpace(spacing)
        for chunk, face in runs:  # rare characters come from the fallback face, run by run
            t.setFont(face, size)
            t.textOut(chunk)
        if spacing:
            t.setCharSpace(0)  # Tc is graphics state: it would leak into later text
        c.drawText(t)
        if tag:
            self.mark(tag, (x - width / 2, y - 0.3 * size, x + width / 2, y + 0.95 * size))

    def block(self, text: str, y: float, size: float, width: float, min_size: float, *,
              bold: bool = False, color: Color = INK, leading: float = 1.25,
              max_lines: int = 2, tag: str = "") -> float:
        """Centred text fitted to ``width`` (shrunk, then wrapped); returns the next baseline."""
        font = self.bold if bold else self.regular
        s, lines = fit_text(text, font, size, width, min_size, max_lines)
        for i, line in enumerate(lines):
            self.centred(line, y - i * s * leading, s, bold=bold, color=color, tag=tag)
        return y - len(lines) * s * leading


def _rgb(color: Color, op: str) -> str:
    return f"{color.red:.4f} {color.green:.4f} {color.blue:.4f} {op}"


def mix(color: Color, amount: float, base: Color = PAPER) -> Color:
    """``color`` at ``amount`` opacity over ``base``, as an opaque colour (no ExtGState)."""
    return Color(*(b + (c - b) * amount for c, b in
                   ((color.red, base.red), (color.green, base.green), (color.blue, base.blue))))


def _path(build: Callable[[PDFPathObject], object]) -> str:
    p = PDFPathObject()
    build(p)
    return p.getCode()


def _diamond(p: PDFPathObject, cx: float, cy: float, r: float) -> None:
    p.moveTo(cx, cy + r)
    p.lineTo(cx + r, cy)
    p.lineTo(cx, cy - r)
    p.lineTo(cx - r, cy)
    p.close()


@lru_cache(maxsize=1)
def _frame_ops() -> str:
    """Page background, double frame, corner diamonds and the faint rosette.

    The same for every certificate, so the operators are made once: building
    ~100 curves through reportlab per page cost more than the page's text.
    """
    m = 22
    inner = (m + 7, m + 7, PAGE_W - 2 * m - 14, PAGE_H - 2 * m - 14)
    hair = (m + 10, m + 10, PAGE_W - 2 * m - 20, PAGE_H - 2 * m - 20)
    corners = [(m + 8.5, m + 8.5), (PAGE_W - m - 8.5, m + 8.5),
               (m + 8.5, PAGE_H - m - 8.5), (PAGE_W - m - 8.5, PAGE_H - m - 8.5)]
    cx, cy = PAGE_W / 2, PAGE_H / 2 + 10

    def rosette(p: PDFPathObject) -> None:
        for k in range(24):
            a = 2 * math.pi * k / 24
            p.ellipse(cx - 150 + 40 * math.cos(a), cy - 110 + 40 * math.sin(a), 300, 220)

    return "\n".join([
        "q", _rgb(PAPER, "rg"), _path(lambda p: p.rect(0, 0, PAGE_W, PAGE_H)), "f",
        _rgb(mix(GOLD, 0.12), "RG"), "0.6 w", _path(rosette), "S",
        _rgb(NAVY, "RG"), "3.2 w", _path(lambda p: p.rect(m, m, PAGE_W - 2 * m, PAGE_H - 2 * m)), "S",
        _rgb(GOLD, "RG"), "0.9 w", _path(lambda p: p.rect(*inner)), "S",
        "0.4 w", _path(lambda p: p.rect(*hair)), "S",
        _rgb(GOLD, "rg"), _path(lambda p: [_diamond(p, x, y, 9) for x, y in corners]), "f",
        "Q",
    ])


@lru_cache(maxsize=4)
def _emblem_ops(cx: float, cy: float, r: float) -> str:
    """Default mark when the center has no logo: a navy gear with a gold ring."""
    teeth = 16

    def gear(p: PDFPathObject) -> None:
        for i in range(teeth * 2):
            a = math.pi * i / teeth
            rr = r if i % 2 == 0 else r * 0.86
            (p.moveTo if i == 0 else p.lineTo)(cx + rr * math.cos(a), cy + rr * math.sin(a))
        p.close()

    return "\n".join([
        "q", _rgb(NAVY, "rg"), _path(gear), "f",
        _rgb(GOLD, "rg"), _path(lambda p: p.circle(cx, cy, r * 0.74)), "f",
        _rgb(NAVY, "rg"), _path(lambda p: p.circle(cx, cy, r * 0.66)), "f",
        "Q",
    ])


def draw_frame(c: Canvas) -> None:
    c.addLiteral(_frame_ops())


def draw_emblem(c: Canvas, cx: float, cy: float, r: float, bold: str) -> None:
    c.addLiteral(_emblem_ops(cx, cy, r))
    c.setFillColor(white)
    c.setFont(bold, r * 0.8)
    c.drawCentredString(cx, cy - r * 0.28, "智")


def draw_logo(c: Canvas, path: Path, cx: float, cy: float, size: float) -> None:
    try:
        img = ImageReader(str(path))
        w, h = img.getSize()
    except Exception as exc:  # noqa: BLE001 - PIL raises many kinds for a bad image
        raise CertificateRenderError(
            _("{path}: the logo cannot be read as an image ({error})").format(path=path, error=exc)
        ) from None
    scale = size / max(w, h)
    c.drawImage(img, cx - w * scale / 2, cy - h * scale / 2, w * scale, h * scale, mask="auto")


_MASK_BITS = bytes.maketrans(b"\x00\x01", b"10")  # stencil: 0 bits are painted


def draw_qr(c: Canvas, payload: str, x: float, y: float, side: float) -> None:
    """The QR code as a 1-bit stencil mask (inline image), one bit per module.

    Painted in the fill colour with no interpolation: sharp when printed at
    any resolution and decodable from 150 dpi renders and phone photos. ~750
    bytes instead of ~1000 vector rectangles, which cost more than all of the
    page's text.
    """
    rows = qr_rows(payload)
    n = len(rows)
    pad = "1" * (-n % 8)
    data = b"".join(int(row.translate(_MASK_BITS).decode("ascii") + pad, 2).to_bytes((n + 7) // 8, "big")
                    for row in rows)
    c.addLiteral(
        f"q 1 1 1 rg {x:.3f} {y:.3f} {side:.3f} {side:.3f} re f 0 0 0 rg\n"
        f"{side:.3f} 0 0 {side:.3f} {x:.3f} {y:.3f} cm\n"
        f"BI /IM true /W {n} /H {n} /BPC 1 /I false /F /AHx ID\n{data.hex()}>\nEI Q")


class _Info(pdfdoc.PDFInfo):
    """Document info with one extra entry carrying the QR payload."""

    extra: dict[str, str] = {}

    def format(self, document):  # type: ignore[override]
        d = pdfdoc.PDFInfo.format(self, document)
        extra = b"".join(b"/" + k.encode("ascii") + b" " + pdfdoc.PDFString(v).format(document) + b"\n"
                         for k, v in self.extra.items())
        return d[:-2] + extra + d[-2:] if d.endswith(b">>") else d


def embed_data(c: Canvas, data: bytes, payload: str) -> None:
    """Attach the envelope (PDF/A-3 style, AFRelationship Data) and the info entry."""
    doc = c._doc
    stream = pdfdoc.PDFStream(
        pdfdoc.PDFDictionary({
            "Type": pdfdoc.PDFName("EmbeddedFile"),
            # PDFName does not escape "/", which a MIME type needs as #2F.
            "Subtype": "/application#2Fjson",
            "Params": pdfdoc.PDFDictionary({"Size": len(data)}),
        }),
        data,
        filters=[pdfdoc.PDFZCompress],
    )
    spec = pdfdoc.PDFDictionary({
        "Type": pdfdoc.PDFName("Filespec"),
        "F": pdfdoc.PDFString(ATTACHMENT_NAME),
        "UF": pdfdoc.PDFString(ATTACHMENT_NAME),
        "Desc": pdfdoc.PDFString("Signed certificate claims (Zhizao Academy)"),
        "AFRelationship": pdfdoc.PDFName("Data"),
        "EF": pdfdoc.PDFDictionary({"F": doc.Reference(stream)}),
    })
    spec_ref = doc.Reference(spec)
    names = pdfdoc.PDFDictionary({
        "EmbeddedFiles": pdfdoc.PDFDictionary({
            "Names": pdfdoc.PDFArray([pdfdoc.PDFString(ATTACHMENT_NAME), spec_ref]),
        }),
    })
    doc.Catalog.Names = names
    # /AF (associated files, PDF 2.0 and PDF/A-3) is not among reportlab's catalog keys.
    doc.Catalog.__NoDefault__ = [*pdfdoc.PDFCatalog.__NoDefault__, "AF"]
    doc.Catalog.AF = pdfdoc.PDFArray([spec_ref])
    info = _Info()
    info.__dict__.update(doc.info.__dict__)
    info.extra = {INFO_KEY: payload, LAYOUT_KEY: LAYOUT_VERSION}
    doc.info = info



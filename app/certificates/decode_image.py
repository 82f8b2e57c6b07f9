"""Read QR codes from a photo, a scan, or a rendered PDF page (zxing-cpp).

zxing-cpp ships self-contained wheels (no system zbar/OpenCV needed) and
copes with rotation, perspective, low contrast and inverted codes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.certificates.qr import PREFIX
from app.i18n import _

MAX_SIDE = 3000  # phone photos are 4000+ px; zxing is faster and no worse below this


class ImageDecodeError(ValueError):
    """The image cannot be opened (message names the file)."""


def _load(source: str | Path | Any):
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(source, Image.Image):
        img = source
    else:
        try:
            img = Image.open(source)
            img.load()
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            raise ImageDecodeError(
                _("{path}: cannot open the image ({error})").format(path=source, error=exc)) from None
        img = ImageOps.exif_transpose(img)  # phone photos carry their rotation in EXIF
    img = img.convert("L")
    if max(img.size) > MAX_SIDE:
        img.thumbnail((MAX_SIDE, MAX_SIDE))
    return img


def load_image(source: str | Path | Any):
    """The image as grey PIL, upright (EXIF) and at most MAX_SIDE; :class:`ImageDecodeError` if unreadable."""
    return _load(source)


def decode_qr_texts(source: str | Path | Any) -> list[str]:
    """Texts of every QR code found in an image file or PIL image (maybe none)."""
    import zxingcpp
    from PIL import Image, ImageOps

    img = _load(source)
    found = []
    # Cheapest first. Uneven lighting defeats the local binarizer on some photos (the global one
    # may cope); a low-resolution, slightly rotated JPEG has modules of ~2 px whose edges blur
    # into each other, which an upscaled, contrast-stretched grey copy separates again.
    for attempt in range(4):
        if attempt < 2:
            candidate = img
        else:
            grey = ImageOps.autocontrast(img.convert("L"), cutoff=1)
            candidate = grey.resize((grey.width * 2, grey.height * 2), Image.Resampling.LANCZOS)
        binarizer = zxingcpp.Binarizer.LocalAverage if attempt % 2 == 0 else zxingcpp.Binarizer.GlobalHistogram
        found = zxingcpp.read_barcodes(candidate, formats=zxingcpp.BarcodeFormat.QRCode, binarizer=binarizer)
        if found:
            break
    texts: list[str] = []
    for code in found:
        if code.text and code.text not in texts:
            texts.append(code.text)
    return texts


def certificate_payloads(source: str | Path | Any) -> list[str]:
    """Only the QR texts that look like certificate payloads."""
    return [t for t in decode_qr_texts(source) if t.strip().upper().startswith(PREFIX)]


def render_pdf_page(path: Path, page_index: int = 0, dpi: int = 150):
    """A PDF page as a PIL image (pypdfium2)."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        page = pdf[page_index]
        try:
            return page.render(scale=dpi / 72).to_pil()
        finally:
            page.close()
    finally:
        pdf.close()

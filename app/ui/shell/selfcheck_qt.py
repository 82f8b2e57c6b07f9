"""The self-test's checks of the Qt side that carries native code: plots, printing, ICU data, picture codecs.

``app.ui.shell.selftest`` runs them with the Qt-free ones of ``app.selfcheck``. Each drives
the real libraries (pyqtgraph on numpy, QtPrintSupport with pypdfium2, QtCore's ICU
collation, Qt's and Pillow's image codecs), so a bundle that left out one of their
libraries, plugins or data files fails here rather than on a trainee's screen.
"""

from __future__ import annotations

import functools
import io
import sys
from collections.abc import Callable
from typing import Any

# Pinyin order (a, li, wang, zhang); ICU's root collation, used when its Chinese data is missing, sorts Han
# characters by code point instead and puts 张 (U+5F20) first.
_PINYIN_ORDER = ["阿强", "李娜", "王芳", "张伟"]


def qt_checks(ctx: Any) -> list[tuple[str, Callable[[], str]]]:
    return [
        ("plots", check_plot),
        ("printing", lambda: check_printing(ctx)),
        ("Qt locale data", check_qt_locale),
        ("picture formats", check_picture_formats),
    ]


def _rgb(image) -> Any:
    """A QImage as an (h, w, 3) numpy array."""
    import numpy as np
    from PySide6.QtGui import QImage

    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8, image.bytesPerLine() * image.height())
    return rows.reshape(image.height(), image.bytesPerLine())[:, :3 * image.width()].reshape(
        image.height(), image.width(), 3)


def check_plot() -> str:
    """A pyqtgraph curve (numpy data, the labs' plotting path) drawn offscreen shows up in its colour."""
    import numpy as np
    import pyqtgraph as pg

    widget = pg.PlotWidget(background="w")
    try:
        widget.resize(320, 200)
        x = np.linspace(0.0, 4 * np.pi, 4001)
        widget.plot(x, np.sin(x), pen=pg.mkPen((220, 20, 20), width=3))
        pixels = _rgb(widget.grab().toImage()).astype(int)
    finally:
        widget.deleteLater()
    red = int(((pixels[..., 0] > 150) & (pixels[..., 1] < 110) & (pixels[..., 2] < 110)).sum())
    if red < 200:
        raise RuntimeError(f"the plotted curve is not on the image ({red} red pixels)")
    return f"pyqtgraph {pg.__version__}, numpy {np.__version__}: {x.size} points drawn, {red} curve pixels"


def check_printing(ctx: Any) -> str:
    """The certificate written by the certificate check, printed as Print… does (pypdfium2 rasterises,
    QPrinter paints) to a PDF file; the system's printers are listed (CUPS comes from the workstation)."""
    from PySide6.QtPrintSupport import QPrinter, QPrinterInfo

    from app.ui.certificates.actions import make_printer, paint_pdfs

    source = ctx.data_dir / "certificates" / "selftest.pdf"
    if not source.is_file():
        raise RuntimeError(f"no certificate to print ({source.name} was not written)")
    target = source.with_name("selftest-printed.pdf")
    printer = make_printer()
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(target))
    pages = paint_pdfs(printer, [source], max_dpi=100)
    data = target.read_bytes() if target.is_file() else b""
    if pages != 1 or not data.startswith(b"%PDF") or len(data) < 20_000:
        raise RuntimeError(f"printing gave {pages} page(s), {len(data)} bytes")
    printers = len(QPrinterInfo.availablePrinterNames())
    return f"{pages} page printed to PDF ({len(data) // 1024} KB); {printers} system printer(s)"


def check_qt_locale() -> str:
    """Qt's ICU data for the shipped languages: Chinese collation (names sort by pinyin) and zone names."""
    from PySide6.QtCore import QCollator, QLocale, QTimeZone

    zh = QLocale("zh_CN")
    ordered = sorted(_PINYIN_ORDER, key=functools.cmp_to_key(QCollator(zh).compare))
    if ordered != _PINYIN_ORDER:
        raise RuntimeError(f"Chinese names sort as {ordered}: ICU's Chinese collation data is missing")
    english = sorted(["b", "B", "a", "é", "e"], key=functools.cmp_to_key(QCollator(QLocale("en_US")).compare))
    if english != ["a", "b", "B", "e", "é"]:
        raise RuntimeError(f"English words sort as {english}")
    zone = QTimeZone(b"Asia/Shanghai")
    if not zone.isValid():  # Qt reads the zone rules from the system's tzdata
        return f"{' < '.join(ordered)}; no tzdata here for zone names"
    name = zone.displayName(QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, zh)
    # Linux: Qt asks the bundled ICU data. Windows names zones in the system's own language instead.
    if sys.platform.startswith("linux") and (not name or name.isascii()):
        raise RuntimeError(f"Asia/Shanghai is called {name!r} in Chinese: ICU's zone names are missing")
    return f"{' < '.join(ordered)}; Asia/Shanghai: {name}"


def check_picture_formats() -> str:
    """Every picture format a course or a scanned certificate may come in: written by Pillow, read back by
    Qt (course pictures: docs/course-format-safety.md) and by Pillow (photos of certificates)."""
    from PIL import Image
    from PySide6.QtGui import QImage, QImageReader

    qt_formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    red = Image.new("RGB", (16, 16), (230, 20, 20))
    seen = []
    for pil_format, qt_format in (("PNG", "png"), ("JPEG", "jpeg"), ("GIF", "gif"), ("BMP", "bmp"),
                                  ("WEBP", "webp"), ("TIFF", None)):
        buf = io.BytesIO()
        red.save(buf, pil_format)
        data = buf.getvalue()
        back = Image.open(io.BytesIO(data)).convert("RGB").getpixel((8, 8))
        if back[0] < 180 or back[1] > 80:
            raise RuntimeError(f"Pillow read its own {pil_format} back as {back}")
        if qt_format is not None:
            if qt_format not in qt_formats:
                raise RuntimeError(f"Qt cannot read {pil_format} pictures (image format plugin missing)")
            image = QImage.fromData(data, qt_format)
            pixel = _rgb(image)[8, 8] if not image.isNull() else None
            if pixel is None or pixel[0] < 180 or pixel[1] > 80:
                raise RuntimeError(f"Qt read a red {pil_format} picture as {pixel}")
        seen.append(pil_format)
    return f"{', '.join(seen)} written and read back (Qt and Pillow)"

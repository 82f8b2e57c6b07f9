"""The bundled CJK font (Noto Sans SC subset, OFL 1.1) for Qt and reportlab.

Qt-free: the UI calls ``QFontDatabase.addApplicationFont(str(font_path()))``
itself; PDF code calls :func:`register_reportlab_fonts`.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

from app.paths import fonts_dir

FAMILY = "Noto Sans SC"
REGULAR_FILE = "NotoSansSC-Regular.ttf"
BOLD_FILE = "NotoSansSC-Bold.ttf"
# Names under which reportlab knows the faces.
REPORTLAB_REGULAR = "NotoSansSC"
REPORTLAB_BOLD = "NotoSansSC-Bold"

_lock = threading.Lock()


class FontMissingError(RuntimeError):
    """The bundled font file is not where the installation should have put it."""


def font_path(bold: bool = False) -> Path:
    """Path of the bundled regular or bold face."""
    path = fonts_dir() / (BOLD_FILE if bold else REGULAR_FILE)
    if not path.is_file():
        raise FontMissingError(f"{path}: bundled font is missing; reinstall Zhizao Academy")
    return path


def license_path() -> Path:
    return fonts_dir() / "OFL.txt"


def register_reportlab_fonts() -> tuple[str, str]:
    """Register both faces with reportlab once; returns (regular, bold) font names.

    Also registers them as a family so ``<b>`` in reportlab Paragraphs works.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        registered = pdfmetrics.getRegisteredFontNames()
        if REPORTLAB_REGULAR not in registered:
            pdfmetrics.registerFont(TTFont(REPORTLAB_REGULAR, str(font_path())))
        if REPORTLAB_BOLD not in registered:
            pdfmetrics.registerFont(TTFont(REPORTLAB_BOLD, str(font_path(bold=True))))
        for bold, italic, name in ((0, 0, REPORTLAB_REGULAR), (1, 0, REPORTLAB_BOLD),
                                   (0, 1, REPORTLAB_REGULAR), (1, 1, REPORTLAB_BOLD)):
            addMapping(REPORTLAB_REGULAR, bold, italic, name)
    return REPORTLAB_REGULAR, REPORTLAB_BOLD


@lru_cache(maxsize=2)
def _codepoints(bold: bool) -> frozenset[int]:
    from reportlab.pdfbase.ttfonts import TTFontFile

    return frozenset(TTFontFile(str(font_path(bold))).charToGlyph)


def missing_characters(text: str, bold: bool = False) -> str:
    """Characters of ``text`` the bundled font cannot draw (would print as boxes).

    Whitespace and control characters are ignored; each character is listed once.
    """
    have = _codepoints(bold)
    seen: dict[str, None] = {}
    for ch in text:
        if ch.isspace() or ord(ch) < 0x20:
            continue
        if ord(ch) not in have:
            seen.setdefault(ch)
    return "".join(seen)

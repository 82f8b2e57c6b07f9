"""The bundled CJK fonts (Noto Sans SC subset plus a tiny fallback face, OFL 1.1) for Qt and reportlab.

Qt-free: the UI calls ``QFontDatabase.addApplicationFont(str(path))`` for
each of :func:`all_font_paths` itself; PDF code calls
:func:`register_reportlab_fonts` and draws each run of :func:`font_runs`
in its own font, because reportlab has no per-character fallback.
"""

from __future__ import annotations

import struct
import threading
from functools import lru_cache
from pathlib import Path

from app.paths import fonts_dir

FAMILY = "Noto Sans SC"
FALLBACK_FAMILY = "Noto Sans SC Ext"
REGULAR_FILE = "NotoSansSC-Regular.ttf"
BOLD_FILE = "NotoSansSC-Bold.ttf"
FALLBACK_REGULAR_FILE = "NotoSansSCExt-Regular.ttf"
FALLBACK_BOLD_FILE = "NotoSansSCExt-Bold.ttf"
# Names under which reportlab knows the faces.
REPORTLAB_REGULAR = "NotoSansSC"
REPORTLAB_BOLD = "NotoSansSC-Bold"
REPORTLAB_FALLBACK_REGULAR = "NotoSansSCExt"
REPORTLAB_FALLBACK_BOLD = "NotoSansSCExt-Bold"

_lock = threading.Lock()


class FontMissingError(RuntimeError):
    """The bundled font file is not where the installation should have put it."""


def _bundled(name: str) -> Path:
    path = fonts_dir() / name
    if not path.is_file():
        raise FontMissingError(f"{path}: bundled font is missing; reinstall Zhizao Academy")
    return path


def font_path(bold: bool = False) -> Path:
    """Path of the bundled regular or bold face."""
    return _bundled(BOLD_FILE if bold else REGULAR_FILE)


def fallback_font_path(bold: bool = False) -> Path:
    """Path of the fallback face with rare name characters (CJK Ext A/B…) the main face lacks."""
    return _bundled(FALLBACK_BOLD_FILE if bold else FALLBACK_REGULAR_FILE)


def all_font_paths() -> list[Path]:
    """Every bundled face, main ones first (what Qt should load)."""
    return [font_path(), font_path(True), fallback_font_path(), fallback_font_path(True)]


def license_path() -> Path:
    return fonts_dir() / "OFL.txt"


def _patch_tounicode() -> None:
    """Make reportlab's ToUnicode maps name characters beyond U+FFFF correctly.

    reportlab writes ``<%04X>``, i.e. ``<20BB7>`` for 𠮷, which readers take
    as U+20BB (₻): the page prints 𠮷 but copying or ``pdftotext`` gives
    another character. The PDF reference wants UTF-16BE (``<D842DFB7>``).
    """
    from reportlab.pdfbase import ttfonts

    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "zhizao_utf16", False):
        return

    def make_cmap(fontname: str, subset: list[int]) -> str:
        text = original(fontname, [min(v, 0xFFFF) for v in subset])
        for i, v in enumerate(subset):
            if v > 0xFFFF:
                utf16 = chr(v).encode("utf-16-be").hex().upper()
                text = text.replace(f"<{i:02X}> <FFFF>", f"<{i:02X}> <{utf16}>")
        return text

    make_cmap.zhizao_utf16 = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_cmap


def register_reportlab_fonts() -> tuple[str, str]:
    """Register the faces with reportlab once; returns the main (regular, bold) font names.

    Also registers them as a family so ``<b>`` in reportlab Paragraphs works;
    the fallback faces are registered under :data:`REPORTLAB_FALLBACK_REGULAR` / ``_BOLD``.
    """
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    with _lock:
        _patch_tounicode()
        registered = pdfmetrics.getRegisteredFontNames()
        for name, path in ((REPORTLAB_REGULAR, font_path()), (REPORTLAB_BOLD, font_path(True)),
                           (REPORTLAB_FALLBACK_REGULAR, fallback_font_path()),
                           (REPORTLAB_FALLBACK_BOLD, fallback_font_path(True))):
            if name not in registered:
                pdfmetrics.registerFont(TTFont(name, str(path)))
        for bold, italic, name in ((0, 0, REPORTLAB_REGULAR), (1, 0, REPORTLAB_BOLD),
                                   (0, 1, REPORTLAB_REGULAR), (1, 1, REPORTLAB_BOLD)):
            addMapping(REPORTLAB_REGULAR, bold, italic, name)
    return REPORTLAB_REGULAR, REPORTLAB_BOLD


@lru_cache(maxsize=4)
def _codepoints(bold: bool, fallback: bool = False) -> frozenset[int]:
    path = fallback_font_path(bold) if fallback else font_path(bold)
    found = cmap_codepoints(path.read_bytes())
    if found is None:  # a cmap layout the short reader does not know: reportlab reads every one
        from reportlab.pdfbase.ttfonts import TTFontFile

        found = frozenset(TTFontFile(str(path)).charToGlyph)
    return found


def cmap_codepoints(data: bytes) -> frozenset[int] | None:
    """The characters a TrueType font maps, read from its ``cmap`` table alone, as reportlab's
    ``TTFontFile.charToGlyph`` has them (the same subtable chosen, every code of a format 4 segment,
    U+00A0 and the space as one); None for a subtable format other than 4 or 12.

    reportlab parses the whole font for this (glyph metrics and all): 0.15 s of CPU for the four
    bundled faces in every process that checks a name, e.g. each ``zhizao users add``."""
    try:
        (num_tables,) = struct.unpack_from(">H", data, 4)
        cmap = next((offset for i in range(num_tables)
                     for tag, _sum, offset, _length in [struct.unpack_from(">4sIII", data, 12 + 16 * i)]
                     if tag == b"cmap"), None)
        if cmap is None:
            return None
        version, count = struct.unpack_from(">HH", data, cmap)
        if count == 0 and version != 0:
            count = version
        chosen, enc = None, 0
        for i in range(count):  # reportlab's choice, the last suitable subtable winning
            platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
            if platform == 3 or (platform == 1 and encoding == 1) or (platform == 0 and encoding != 5):
                enc, chosen = 1, offset
            elif platform == 1 and encoding == 0 and enc != 1:
                enc, chosen = 2, offset
        if chosen is None:
            return None
        at = cmap + chosen
        (fmt,) = struct.unpack_from(">H", data, at)
        chars: set[int] = set()
        if fmt == 4:
            n = struct.unpack_from(">H", data, at + 6)[0] // 2
            ends = struct.unpack_from(f">{n}H", data, at + 14)
            starts = struct.unpack_from(f">{n}H", data, at + 16 + 2 * n)
            for start, end in zip(starts, ends, strict=True):
                chars.update(range(start, end + 1))
        elif fmt == 12:
            (groups,) = struct.unpack_from(">I", data, at + 12)
            for g in range(groups):
                start, end, _glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
                chars.update(range(start, end + 1))
        else:
            return None
    except struct.error:
        return None  # cut short: let reportlab say what is wrong with it
    if 0x20 in chars or 0xA0 in chars:
        chars.update((0x20, 0xA0))
    return frozenset(chars)


def fallback_for(font_name: str) -> str | None:
    """The reportlab fallback face for a main face name (None for other fonts)."""
    return {REPORTLAB_REGULAR: REPORTLAB_FALLBACK_REGULAR, REPORTLAB_BOLD: REPORTLAB_FALLBACK_BOLD}.get(font_name)


def font_runs(text: str, font_name: str) -> list[tuple[str, str]]:
    """``text`` cut into (chunk, reportlab font) runs: the fallback face where the main one lacks a glyph.

    Only the bundled main faces have a fallback; any other font gets one run.
    """
    fallback = fallback_for(font_name)
    if fallback is None or not text:
        return [(text, font_name)]
    bold = font_name == REPORTLAB_BOLD
    main, extra = _codepoints(bold), _codepoints(bold, True)
    runs: list[tuple[str, str]] = []
    for ch in text:
        face = fallback if ord(ch) not in main and ord(ch) in extra else font_name
        if runs and runs[-1][1] == face:
            runs[-1] = (runs[-1][0] + ch, face)
        else:
            runs.append((ch, face))
    return runs


def missing_characters(text: str, bold: bool = False) -> str:
    """Characters of ``text`` neither bundled face can draw (would print as boxes).

    Whitespace and control characters are ignored; each character is listed once.
    """
    have, extra = _codepoints(bold), _codepoints(bold, True)
    seen: dict[str, None] = {}
    for ch in text:
        if ch.isspace() or ord(ch) < 0x20:
            continue
        if ord(ch) not in have and ord(ch) not in extra:
            seen.setdefault(ch)
    return "".join(seen)

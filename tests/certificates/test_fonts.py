"""The bundled Noto Sans SC subset: present, licensed, complete for GB2312, usable by reportlab and Qt."""

from __future__ import annotations

import pytest
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFontFile

from app import fonts
from app.paths import fonts_dir


def test_files_licence_and_size():
    for bold in (False, True):
        path = fonts.font_path(bold)
        assert path.parent == fonts_dir()
        assert 1_500_000 < path.stat().st_size < 3_200_000
    licence = fonts.license_path().read_text(encoding="utf-8")
    assert "SIL OPEN FONT LICENSE Version 1.1" in licence and "Adobe" in licence
    assert "NotoSansSC-Regular.ttf" in (fonts_dir() / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("bold", [False, True])
def test_truetype_outlines_and_full_gb2312_coverage(bold):
    face = TTFontFile(str(fonts.font_path(bold)))  # reportlab refuses CFF: this proves glyf outlines
    have = set(face.charToGlyph)
    missing = []
    for hi in range(0xB0, 0xF8):  # GB2312 hanzi rows 16–87
        for lo in range(0xA1, 0xFF):
            try:
                ch = bytes([hi, lo]).decode("gb2312")
            except UnicodeDecodeError:
                continue
            if ord(ch) not in have:
                missing.append(ch)
    assert missing == []
    for ch in "°±×÷µ≤≥→·№²³Ω‰—–…“”‘’•✓✗、。《》（）：；！？０１ＡＢ喆堃Ł":
        assert ord(ch) in have, ch


def test_register_is_idempotent_and_names_both_faces():
    first = fonts.register_reportlab_fonts()
    assert fonts.register_reportlab_fonts() == first == ("NotoSansSC", "NotoSansSC-Bold")
    assert set(first) <= set(pdfmetrics.getRegisteredFontNames())
    assert pdfmetrics.stringWidth("张伟", first[0], 10) == pytest.approx(20, abs=0.5)  # full-width glyphs


@pytest.mark.parametrize("path", fonts.all_font_paths(), ids=lambda p: p.name)
def test_cmap_reader_finds_what_reportlab_finds(path):
    """The short cmap reader behind missing_characters/font_runs sees the characters reportlab does."""
    assert fonts.cmap_codepoints(path.read_bytes()) == frozenset(TTFontFile(str(path)).charToGlyph)


def test_cmap_reader_declines_what_it_does_not_know():
    data = bytearray(fonts.font_path().read_bytes())
    assert fonts.cmap_codepoints(bytes(data[:40])) is None  # cut short
    at = data.find(b"cmap")
    data[at:at + 4] = b"xxxx"  # no cmap table at all
    assert fonts.cmap_codepoints(bytes(data)) is None


def test_missing_characters_lists_each_once():
    assert fonts.missing_characters("张伟 Zhang Wei\n") == ""
    assert fonts.missing_characters("𠀀a𠀀😀") == "𠀀😀"


def test_qt_loads_the_font(qapp):
    from PySide6.QtGui import QFontDatabase, QRawFont

    font_id = QFontDatabase.addApplicationFont(str(fonts.font_path()))
    assert font_id >= 0
    assert QFontDatabase.applicationFontFamilies(font_id) == [fonts.FAMILY]
    raw = QRawFont(str(fonts.font_path()), 14)
    assert raw.isValid()
    assert all(raw.supportsCharacter(ord(ch)) for ch in "张伟工业机器人操作与编程")


def test_fallback_face_draws_rare_name_characters_run_by_run():
    """䶮 and 𠮷 are not in the main subset; the 4 kB fallback face has them, and nothing else is missing."""
    assert fonts.missing_characters("刘䶮 𠮷田") == ""
    regular, bold = fonts.register_reportlab_fonts()
    assert fonts.font_runs("刘䶮 𠮷田", bold) == [("刘", bold), ("䶮", fonts.REPORTLAB_FALLBACK_BOLD),
                                                  (" ", bold), ("𠮷", fonts.REPORTLAB_FALLBACK_BOLD), ("田", bold)]
    assert fonts.font_runs("张伟", regular) == [("张伟", regular)]
    listed = [line.split()[0] for line in (fonts_dir() / "fallback-chars.txt").read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("#")]
    for bold_face in (False, True):
        path = fonts.fallback_font_path(bold_face)
        assert path.stat().st_size < 20_000
        assert {chr(c) for c in TTFontFile(str(path)).charToGlyph} == set(listed)
    assert fonts.all_font_paths()[:2] == [fonts.font_path(), fonts.font_path(True)]

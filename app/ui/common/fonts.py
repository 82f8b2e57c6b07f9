"""Register the bundled CJK font with Qt so a PC without Chinese fonts shows no tofu."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.paths import fonts_dir

log = logging.getLogger(__name__)


_LOADED: dict[Path, int] = {}  # font file → Qt's font id


def install_fonts(app: QApplication) -> str | None:
    """Load every .ttf shipped in app/resources/fonts; make the CJK family the UI default.

    Each font file is added to Qt's database once per process: Qt keeps every copy it is given,
    and text layout slowed down with each (a second call only sets the default font again)."""
    family: str | None = None
    for path in sorted(fonts_dir().glob("*.ttf")):
        font_id = _LOADED.get(path)
        if font_id is None:
            font_id = _LOADED[path] = QFontDatabase.addApplicationFont(str(path))
        if font_id < 0:
            log.warning("Qt could not load font %s", path)
            continue
        families = QFontDatabase.applicationFontFamilies(font_id)
        if families and family is None:
            family = families[0]
    if family:
        font = QFont(app.font())
        font.setFamilies([family, *font.families()] if hasattr(font, "families") else [family])
        font.setPointSizeF(max(font.pointSizeF(), 10.0))
        app.setFont(font)
    return family

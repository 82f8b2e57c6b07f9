"""The bundled fonts in Qt's font database."""

from __future__ import annotations

from PySide6.QtGui import QFontDatabase

from app.paths import fonts_dir
from app.ui.common import fonts


def test_fonts_are_added_to_qt_once_however_often_the_app_is_set_up(qapp_ready, monkeypatch):
    """Qt keeps every copy of a font it is given, and text layout slows down with each."""
    added: list[str] = []
    real = QFontDatabase.addApplicationFont

    def counting(path: str) -> int:
        added.append(path)
        return real(path)

    monkeypatch.setattr(fonts, "_LOADED", {}, raising=False)
    monkeypatch.setattr(fonts.QFontDatabase, "addApplicationFont", staticmethod(counting))
    first = fonts.install_fonts(qapp_ready)
    second = fonts.install_fonts(qapp_ready)
    assert first == second == "Noto Sans SC"
    assert sorted(added) == sorted(str(p) for p in fonts_dir().glob("*.ttf"))
    assert qapp_ready.font().families()[0] == "Noto Sans SC"

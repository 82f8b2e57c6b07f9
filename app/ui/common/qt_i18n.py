"""Bridge between app.i18n and Qt: one signal every widget listens to for retranslation."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QObject, QTranslator, Signal

from app import i18n


class LanguageNotifier(QObject):
    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        self._qt_translator: QTranslator | None = None
        i18n.add_listener(self._switch)
        self._install_qt_translator(i18n.current_locale())

    def _switch(self, code: str) -> None:
        self._install_qt_translator(code)
        self.changed.emit(code)

    def _install_qt_translator(self, code: str) -> None:
        """Qt's own texts (OK/Cancel, context menus, file dialogs) follow the UI language."""
        app = QCoreApplication.instance()
        if app is None:
            return
        if self._qt_translator is not None:
            app.removeTranslator(self._qt_translator)
            self._qt_translator = None
        if code == "en":
            return
        translator = QTranslator(self)
        if translator.load(f"qtbase_{code}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(translator)
            self._qt_translator = translator


_notifier: LanguageNotifier | None = None


def notifier() -> LanguageNotifier:
    global _notifier
    if _notifier is None:
        _notifier = LanguageNotifier()
    return _notifier


def on_language_changed(widget, callback) -> None:
    """Call ``callback`` now and whenever the language changes, while ``widget`` lives."""
    sig = notifier().changed
    sig.connect(widget_slot := (lambda _code: callback()))
    widget.destroyed.connect(lambda *_: _safe_disconnect(sig, widget_slot))
    callback()


def _safe_disconnect(sig, slot) -> None:
    try:
        sig.disconnect(slot)
    except (RuntimeError, TypeError):
        pass

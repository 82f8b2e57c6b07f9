"""Bridge between app.i18n and Qt: one signal every widget listens to for retranslation."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app import i18n


class LanguageNotifier(QObject):
    changed = Signal(str)

    def __init__(self) -> None:
        super().__init__()
        i18n.add_listener(self.changed.emit)


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

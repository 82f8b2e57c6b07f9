"""A status line that follows a language switch (review #22).

A status line reports the outcome of the last action ("Created wang.", "Published version 1.0.0.").
Set once as a finished string it would stay in the language of the moment; ``say`` keeps instead a
zero-argument function that builds the text with ``_()`` and calls it again whenever the UI language
changes, the way the login and quiz screens keep their error lines.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QLabel, QWidget

from app.ui.common.qt_i18n import on_language_changed

Render = Callable[[], str]


class StatusLine(QLabel):
    """A word-wrapped label whose text is re-rendered in the new language after a switch.

    ``say(lambda: _("Saved {path}").format(path=p))`` shows a message. ``setText`` shows a fixed
    text (a service's refusal, translated when it was raised): it cannot follow a switch, so a
    switch empties the line rather than leave it in the old language. ``clear`` empties it now.
    """

    def __init__(self, parent: QWidget | None = None, *, objectName: str = "statusLabel") -> None:
        super().__init__(parent, objectName=objectName, wordWrap=True)
        self._render: Render | None = None
        on_language_changed(self, self._rerender)

    def say(self, render: Render | None) -> None:
        """Show ``render()`` now and again after every language switch (None empties the line)."""
        self._render = render
        super().setText(render() if render is not None else "")

    def say_lines(self, renders: list[Render]) -> None:
        """Several messages, one a line (e.g. what a batch action did to each item)."""
        parts = list(renders)
        self.say((lambda: "\n".join(r() for r in parts)) if parts else None)

    def setText(self, text: str) -> None:
        self._render = None
        super().setText(text)

    def clear(self) -> None:
        self._render = None
        super().clear()

    def _rerender(self) -> None:
        super().setText(self._render() if self._render is not None else "")

"""The base of every page the shell's navigation shows."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.context import AppContext
from app.services.auth import Actor


class Page(QWidget):
    """A page of the shell. Subclasses set ``key`` and implement ``title``.

    Pages never look for each other: a page asks the shell to show something on
    another page with ``open_requested`` and says that center settings changed with
    ``settings_changed``; the shell and the window do the rest.
    """

    key = ""
    open_requested = Signal(str, object)  # (page key, what to show there), e.g. ("catalog", course_id)
    settings_changed = Signal()  # center settings changed (the window re-reads the idle lock)
    title_changed = Signal()  # ``title()`` changed (a count in it): the navigation re-reads it

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor

    def title(self) -> str:
        raise NotImplementedError

    def page_layout(self, widget: QWidget | None = None, *, summary: bool = False) -> QVBoxLayout:
        """Lay ``widget`` (the page itself by default) out the way every page is: in the pages' margins,
        the heading on top (``self.heading``) and, with ``summary``, a subtitle line under it
        (``self.summary``). Returns the layout for the rest of the page."""
        lay = QVBoxLayout(widget if widget is not None else self)
        lay.setContentsMargins(24, 20, 24, 12)
        self.heading = QLabel(objectName="pageTitle")
        lay.addWidget(self.heading)
        if summary:
            self.summary = QLabel(objectName="subtitle", wordWrap=True)
            lay.addWidget(self.summary)
        return lay

    def activated(self) -> None:
        """Called when the page is shown (refresh data here)."""

    def show_item(self, item: object) -> None:
        """Show ``item``, which another page asked to open here."""

    def save_state(self) -> None:
        """Persist work in progress (before lock, logout or quit)."""

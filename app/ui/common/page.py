"""The base of every page the shell's navigation shows."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from app.context import AppContext
from app.services.auth import Actor


class Page(QWidget):
    """A page of the shell. Subclasses set ``key`` and implement ``title``."""

    key = ""

    def __init__(self, ctx: AppContext, actor: Actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor

    def title(self) -> str:
        raise NotImplementedError

    def activated(self) -> None:
        """Called when the page is shown (refresh data here)."""

    def save_state(self) -> None:
        """Persist work in progress (before lock, logout or quit)."""

"""Small building blocks every lab view uses the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSplitter, QTabWidget, QWidget


def two_panes(orientation: Qt.Orientation, name: str, first: QWidget, second: QWidget,
              stretch: tuple[int, int], sizes: tuple[int, int],
              place: Callable[[QSplitter], Any] | None = None) -> QSplitter:
    """Two panes in a splitter the trainee can drag but that never collapses either pane.

    ``place`` puts the splitter where it goes (e.g. into a layout) before the panes are added: each time a
    widget tree changes parents, Qt re-resolves the style (the app's style sheet), font and palette of every
    widget in it, so a tree put in place once costs less than one moved from container to container.
    """
    split = QSplitter(orientation, objectName=name)
    if place is not None:
        place(split)
    for i, pane in enumerate((first, second)):
        split.addWidget(pane)
        split.setStretchFactor(i, stretch[i])
    split.setSizes(list(sizes))
    split.setChildrenCollapsible(False)
    return split


def lab_button(name: str, slot: Callable[[], Any], primary: bool = False) -> QPushButton:
    """A lab's action button; never a default button (Enter in a settings field must not run the lab)."""
    button = QPushButton(objectName=name)
    if primary:
        button.setProperty("primary", True)
    button.setAutoDefault(False)
    button.clicked.connect(slot)
    return button


class ShownTabFirst:
    """Live pictures in tabs: the tab in view is drawn every frame, the hidden ones only with the slow
    panels (so they are never far behind), and a tab is drawn at once when it comes into view.

    ``draw`` maps a tab's index to its drawing (called with the sim time); ``now`` is the sim time, or
    None while there is no run to draw.
    """

    def __init__(self, tabs: QTabWidget, draw: dict[int, Callable[[float], Any]],
                 now: Callable[[], float | None]) -> None:
        self.tabs, self.draw, self.now = tabs, draw, now
        tabs.currentChanged.connect(self._shown)

    def refresh(self, now: float, slow: bool) -> None:
        shown = self.tabs.currentIndex()
        for index, draw in self.draw.items():
            if slow or index == shown:
                draw(now)

    def _shown(self, index: int) -> None:
        now = self.now()
        if now is not None and index in self.draw:
            self.draw[index](now)

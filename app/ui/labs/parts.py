"""Small building blocks every lab view uses the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton, QSplitter, QWidget


def two_panes(orientation: Qt.Orientation, name: str, first: QWidget, second: QWidget,
              stretch: tuple[int, int], sizes: tuple[int, int]) -> QSplitter:
    """Two panes in a splitter the trainee can drag but that never collapses either pane."""
    split = QSplitter(orientation, objectName=name)
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

"""The problems of a robot program or an alarm rule, listed under their editor.

Each entry keeps where it is (line, column) and a function giving its text, so the list
re-renders in the current language on ``retranslate()``. Texts wrap; clicking an entry
(or Enter on it) emits ``jump(line, column, source)``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QRect, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QListWidget, QListWidgetItem, QStyle, QWidget

from app.courses import sim_messages

_STYLE = ("QListWidget#{name} {{ color: #b42318; background: #fdeceb; border: 1px solid #f2b8b2; "
          "border-radius: 4px; }}")


@dataclass(frozen=True)
class Problem:
    """One problem: its position (None when unknown) and its text in the current language."""

    line: int | None
    column: int | None
    text: Callable[[], str]
    source: str = ""  # the control whose editor it is in, when a view has several


def problems_from(diagnostics: Iterable[Any], *, with_line: bool = True, source: str = "") -> list[Problem]:
    """Problems for simulator diagnostics, rendered by ``app.courses.sim_messages``."""
    return [Problem(d.line, d.column, lambda d=d: sim_messages.located(d, with_line=with_line), source)
            for d in diagnostics]


def problems_of(exc: BaseException, *, with_line: bool = True) -> list[Problem]:
    """The diagnostics behind ``exc``, or one problem with its own text."""
    found = sim_messages.diagnostics_of(exc)
    if found:
        return problems_from(found, with_line=with_line)
    text = str(exc)
    return [Problem(None, None, lambda: text)]


class ProblemList(QListWidget):
    jump = Signal(int, int, str)  # line, column (0: the start of the line), source

    def __init__(self, name: str, max_height: int = 140, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setStyleSheet(_STYLE.format(name=name))
        self.setWordWrap(True)
        self.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.max_height = max_height
        self.problems: list[Problem] = []
        self.itemClicked.connect(self._activated)
        self.itemActivated.connect(self._activated)
        self.hide()

    def set_problems(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        self.retranslate()

    def retranslate(self) -> None:
        self.clear()
        for p in self.problems:
            text = p.text()
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, (p.line, p.column, p.source))
            item.setToolTip(text)
            self.addItem(item)
        self.setVisible(bool(self.problems))
        QTimer.singleShot(0, self, self._fit)

    def texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]

    def _fit(self) -> None:
        """Each entry as tall as its wrapped text, the list as tall as its entries, up to ``max_height``.

        Measured here: QListView's own word-wrapped item heights are computed for a stale width."""
        if not self.count():
            return
        width = self.viewport().width()
        # The item delegate draws the text inside this margin on each side.
        margin = self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1
        metrics = self.fontMetrics()
        total = 0
        for i in range(self.count()):
            item = self.item(i)
            rect = metrics.boundingRect(QRect(0, 0, max(40, width - 2 * margin), 100_000),
                                        Qt.TextFlag.TextWordWrap, item.text())
            height = rect.height() + 6
            item.setSizeHint(QSize(width, height))
            total += height
        self.setFixedHeight(min(self.max_height, total + 2 * self.frameWidth() + 2))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if event.oldSize().width() != event.size().width():
            QTimer.singleShot(0, self, self._fit)

    def _activated(self, item: QListWidgetItem) -> None:
        line, column, source = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(line, int) and line > 0:
            self.jump.emit(line, column if isinstance(column, int) else 0, source)

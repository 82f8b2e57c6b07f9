"""A layout that places widgets left to right and wraps them like words in a paragraph."""

from __future__ import annotations

import re

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLayout, QWidget


class FlowLayout(QLayout):
    """Lays out items left to right and wraps them, like words in a paragraph."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 0) -> None:
        super().__init__(parent)
        self._items = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._do_layout(QRect(0, 0, width, 0), True)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._do_layout(rect, False)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        return size

    def _do_layout(self, rect: QRect, test_only: bool) -> int:
        m = self.contentsMargins()
        rect = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line_height = rect.x(), rect.y(), 0
        for item in self._items:
            hint = item.sizeHint()
            next_x = x + hint.width()
            if next_x > rect.right() + 1 and line_height > 0:
                x = rect.x()
                y += line_height + 4
                next_x = x + hint.width()
                line_height = 0
            if not test_only:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x = next_x + self._spacing
            line_height = max(line_height, hint.height())
        return y + line_height - rect.y() + m.top() + m.bottom()


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def wrap_tokens(text: str) -> list[str]:
    """Break text where a line may wrap: after spaces, and between CJK characters."""
    out: list[str] = []
    for word in re.findall(r"\S+\s*|\s+", text):
        if _CJK.search(word):
            buf = ""
            for ch in word:
                if _CJK.match(ch) and buf and not _CJK.match(buf[-1]):
                    out.append(buf)
                    buf = ""
                buf += ch
                if _CJK.match(ch):
                    out.append(buf)
                    buf = ""
            if buf:
                out.append(buf)
        else:
            out.append(word)
    return out

"""A small code editor for robot programs and alarm rules: line numbers, syntax colours,
errors marked at their line (red background, message as tooltip) and column (a red wavy
underline from there to the end of the word), the executing line."""

from __future__ import annotations

from PySide6.QtCore import QRect, QRegularExpression, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontDatabase,
    QPainter,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import QPlainTextEdit, QTextEdit, QToolTip, QWidget

ROBOT_KEYWORDS = ("POINT", "MOVEJ", "MOVEL", "GRIP", "RELEASE", "WAIT", "SET", "LOOP", "ENDLOOP", "END")
ROBOT_IO = ("DI", "DO", "ON", "OFF")
ARM_KEYWORDS = ("POINT", "JOINTS", "CONF", "MOVEJ", "MOVEL", "MOVEC", "TOOL", "UFRAME", "WORLD", "OFFS", "RELTOOL",
                "FINE", "GRIP", "RELEASE", "WAIT", "TIMEOUT", "SET", "IF", "THEN", "ELSE", "ENDIF", "WHILE", "DO",
                "ENDWHILE", "LOOP", "ENDLOOP", "AND", "OR", "NOT")
RULE_FUNCTIONS = ("ewma", "mean", "max", "min", "delta", "slope", "zone", "abs")
RULE_WORDS = ("and", "or", "not")
RULE_SIGNALS = ("vibration", "temperature", "current")


def _fmt(colour: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    f = QTextCharFormat()
    f.setForeground(QColor(colour))
    if bold:
        f.setFontWeight(QFont.Weight.Bold)
    f.setFontItalic(italic)
    return f


class ProgramHighlighter(QSyntaxHighlighter):
    """Keywords, I/O, numbers and percentages, point names after POINT, comments (``#``)."""

    def __init__(self, document, language: str = "robot") -> None:
        super().__init__(document)
        flags = QRegularExpression.PatternOption.CaseInsensitiveOption
        number = (QRegularExpression(r"(?<![\w.])[-+]?\d+(\.\d+)?%?"), _fmt("#9a3412"))
        if language == "arm":  # the six-axis language (simulators.robot.arm.lang)
            self.rules = [
                (QRegularExpression(r"\b(" + "|".join(ARM_KEYWORDS) + r")\b", flags), _fmt("#1d4ed8", bold=True)),
                (QRegularExpression(r"\b(DI|DO|R|ON|OFF)\b", flags), _fmt("#7c3aed", bold=True)),
                number,
                (QRegularExpression(r"\b(Z\d+|v\d+|mm/s)\b", flags), _fmt("#9a3412")),
                (QRegularExpression(r"(?<=POINT\s)\s*[A-Za-z_]\w*|(?<=JOINTS\s)\s*[A-Za-z_]\w*", flags),
                 _fmt("#0f766e", bold=True)),
            ]
        elif language == "robot":
            self.rules = [
                (QRegularExpression(r"\b(" + "|".join(ROBOT_KEYWORDS) + r")\b", flags), _fmt("#1d4ed8", bold=True)),
                (QRegularExpression(r"\b(" + "|".join(ROBOT_IO) + r")\b", flags), _fmt("#7c3aed", bold=True)),
                number,
                (QRegularExpression(r"(?<=POINT\s)\s*[A-Za-z_]\w*", flags), _fmt("#0f766e", bold=True)),
            ]
        else:
            self.rules = [
                (QRegularExpression(r"\b(" + "|".join(RULE_FUNCTIONS) + r")(?=\s*\()", flags),
                 _fmt("#1d4ed8", bold=True)),
                (QRegularExpression(r"\b(" + "|".join(RULE_WORDS) + r")\b", flags), _fmt("#7c3aed", bold=True)),
                (QRegularExpression(r"\b(" + "|".join(RULE_SIGNALS) + r")\b", flags), _fmt("#0f766e", bold=True)),
                number,
            ]
        self.comment = _fmt("#6b7a89", italic=True)

    def highlightBlock(self, text: str) -> None:
        code_end = text.find("#")
        code = text if code_end < 0 else text[:code_end]
        for pattern, fmt in self.rules:
            it = pattern.globalMatch(code)
            while it.hasNext():
                m = it.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)
        if code_end >= 0:
            self.setFormat(code_end, len(text) - code_end, self.comment)


class _LineNumbers(QWidget):
    def __init__(self, editor: ProgramEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.number_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_numbers(event)


class ProgramEditor(QPlainTextEdit):
    """``set_errors([(line, column, message)])`` marks lines and columns (column may be None);
    ``goto(line, column)``; ``set_running_line(n or None)``."""

    def __init__(self, parent: QWidget | None = None, language: str = "robot") -> None:
        super().__init__(parent)
        self.setObjectName("programEditor")
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setPointSizeF(max(10.0, self.font().pointSizeF()))
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.setFont(font)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.highlighter = ProgramHighlighter(self.document(), language)
        self.numbers = _LineNumbers(self)
        self.errors: dict[int, str] = {}
        self.error_columns: dict[int, list[int]] = {}
        self.running_line: int | None = None
        self.blockCountChanged.connect(self._update_margin)
        self.updateRequest.connect(self._scroll_numbers)
        self.cursorPositionChanged.connect(self._selections)
        self.setStyleSheet("QPlainTextEdit#programEditor { background: white; border: 1px solid #d5dde5; "
                           "border-radius: 4px; }")
        self._update_margin()
        self._selections()

    # --- line numbers ----------------------------------------------------------------------

    def number_width(self) -> int:
        digits = len(str(max(1, self.blockCount())))
        return 14 + self.fontMetrics().horizontalAdvance("9") * max(2, digits)

    def _update_margin(self, *_args) -> None:
        self.setViewportMargins(self.number_width(), 0, 0, 0)

    def _scroll_numbers(self, rect: QRect, dy: int) -> None:
        if dy:
            self.numbers.scroll(0, dy)
        else:
            self.numbers.update(0, rect.y(), self.numbers.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        cr = self.contentsRect()
        self.numbers.setGeometry(QRect(cr.left(), cr.top(), self.number_width(), cr.height()))

    def paint_numbers(self, event) -> None:
        painter = QPainter(self.numbers)
        painter.fillRect(event.rect(), QColor("#f3f6f9"))
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                line = number + 1
                if line in self.errors:
                    painter.fillRect(0, top, self.numbers.width(), height, QColor("#f8c9c4"))
                    painter.setPen(QColor("#b42318"))
                elif line == self.running_line:
                    painter.setPen(QColor("#1d4ed8"))
                else:
                    painter.setPen(QColor("#8a97a6"))
                painter.drawText(0, top, self.numbers.width() - 6, height, Qt.AlignmentFlag.AlignRight, str(line))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    # --- marks -----------------------------------------------------------------------------

    def set_errors(self, errors: list[tuple[int | None, int | None, str]]) -> None:
        """Mark each error's line (the tooltip lists all of that line's messages) and column."""
        self.errors = {}
        self.error_columns = {}
        for line, column, message in errors:
            if line is None or line < 1:
                continue
            self.errors[line] = f"{self.errors[line]}\n{message}" if line in self.errors else message
            if column is not None and column >= 1:
                self.error_columns.setdefault(line, []).append(column)
        self._selections()
        self.numbers.update()

    def set_running_line(self, line: int | None) -> None:
        if line != self.running_line:
            self.running_line = line
            self._selections()
            self.numbers.update()

    def goto_line(self, line: int) -> None:
        self.goto(line, 0)

    def goto(self, line: int, column: int = 0) -> None:
        """Put the cursor on ``line`` at ``column`` (1-based; 0 or None: the start of the line)."""
        block = self.document().findBlockByNumber(max(0, line - 1))
        if block.isValid():
            cursor = QTextCursor(block)
            if column and column > 1:
                cursor.movePosition(QTextCursor.MoveOperation.Right, QTextCursor.MoveMode.MoveAnchor,
                                    min(column - 1, max(0, block.length() - 1)))
            self.setTextCursor(cursor)
            self.centerCursor()
            self.setFocus()

    def _line_selection(self, line: int, colour: str) -> QTextEdit.ExtraSelection | None:
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return None
        sel = QTextEdit.ExtraSelection()
        sel.format.setBackground(QColor(colour))
        sel.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
        sel.cursor = QTextCursor(block)
        return sel

    def _selections(self) -> None:
        sels = []
        current = self.textCursor().blockNumber() + 1
        if current not in self.errors and current != self.running_line:
            sel = self._line_selection(current, "#eef4fa")
            if sel is not None:
                sels.append(sel)
        if self.running_line is not None:
            sel = self._line_selection(self.running_line, "#dbe9f6")
            if sel is not None:
                sels.append(sel)
        for line in sorted(self.errors):
            sel = self._line_selection(line, "#fbd5d1")
            if sel is not None:
                sels.append(sel)
        for line, columns in self.error_columns.items():
            sels += [sel for column in columns if (sel := self._column_selection(line, column)) is not None]
        self.setExtraSelections(sels)

    def _column_selection(self, line: int, column: int) -> QTextEdit.ExtraSelection | None:
        """A red wavy underline from ``column`` to the end of the word (or the parenthesis) there."""
        block = self.document().findBlockByNumber(line - 1)
        if not block.isValid():
            return None
        text = block.text()
        if not text:
            return None
        start = min(column - 1, len(text) - 1)  # just past the end (an incomplete rule): the last character

        def word(ch: str) -> bool:
            return ch.isalnum() or ch in "_."

        end = start + 1
        if text[start] == "(":  # coordinates or a parenthesis: up to its ")"
            close = text.find(")", start)
            end = close + 1 if close > 0 else len(text)
        while end < len(text) and word(text[start]) and word(text[end]):
            end += 1
        sel = QTextEdit.ExtraSelection()
        sel.format.setUnderlineStyle(QTextCharFormat.UnderlineStyle.WaveUnderline)
        sel.format.setUnderlineColor(QColor("#b42318"))
        sel.cursor = QTextCursor(block)
        sel.cursor.setPosition(block.position() + start)
        sel.cursor.setPosition(block.position() + end, QTextCursor.MoveMode.KeepAnchor)
        return sel

    def event(self, event) -> bool:
        # The error message of the line under the mouse, as a tooltip.
        if event.type() == event.Type.ToolTip:
            pos = self.viewport().mapFromGlobal(event.globalPos())
            line = self.cursorForPosition(pos).blockNumber() + 1
            if line in self.errors and 0 <= pos.x():
                QToolTip.showText(event.globalPos(), self.errors[line], self)
            else:
                QToolTip.hideText()
                event.ignore()
            return True
        return super().event(event)

    def text_lines(self) -> list[str]:
        return self.toPlainText().split("\n")


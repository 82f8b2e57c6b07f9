"""A list of mappings in a course file edited as a table: options, pairs, controls, objectives, stations…

Cell edits are undoable value changes; adding, removing and moving rows are undoable
structural changes of the file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.courses.authoring import MISSING, AuthoringError
from app.courses.authoring.common import value_at
from app.i18n import _
from app.ui.common.qt_i18n import on_language_changed
from app.ui.instructor.authoring.binding import scroll_into_view
from app.ui.instructor.authoring.model import DraftModel


@dataclass
class Column:
    """``msgid``: header (marked with N_); ``path``: key path inside a row's mapping."""

    msgid: str
    path: tuple[str | int, ...]
    kind: str = "text"  # text | int | float | number (int if whole) | combo | check | ids
    choices: Sequence[tuple[Any, str]] | Callable[[], Sequence[tuple[Any, str]]] = ()
    editable_combo: bool = False
    optional: bool = True
    width: int = 0
    flag_missing: bool = False  # an empty cell is a missing translation
    get: Callable[[Any], Any] | None = None  # value shown for a row's mapping (default: the value at path)
    put: Callable[[Any, Any], tuple[tuple[str | int, ...], Any]] | None = None  # (sub-path, value) to write
    read_only: bool = False


def cell_text(value: Any) -> str:
    if value is MISSING or value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def parse_cell(kind: str, text: str) -> Any:
    """The value typed in a cell; ValueError if it does not fit the column."""
    text = text.strip()
    if kind == "text":
        return text
    if kind == "ids":
        return [p.strip() for p in text.replace("，", ",").split(",") if p.strip()]
    number = float(text.replace("，", ".").replace(",", "."))
    if kind == "int":
        if not number.is_integer():
            raise ValueError(text)
        return int(number)
    return int(number) if kind == "number" and number.is_integer() else number


class BoundTable(QWidget):
    """Rows are the mappings in the list at ``list_path`` of ``rel`` (plus ``base()`` in front)."""

    rows_changed = Signal()
    current_row_changed = Signal(int)

    def __init__(self, model: DraftModel, rel: str, list_path: Sequence[str | int], columns: list[Column],
                 new_item: Callable[[list[Any]], dict[str, Any]], *, object_name: str = "",
                 base: Callable[[], Sequence[str | int]] | None = None, movable: bool = True,
                 min_rows: int = 0, rows_visible: int = 4) -> None:
        super().__init__()
        self.model, self.rel, self.columns, self.new_item = model, rel, columns, new_item
        self.list_path = tuple(list_path)
        self.base = base or (lambda: ())
        self.min_rows = min_rows
        self._loading = False
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.table = QTableWidget(0, len(columns), objectName=object_name)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 12)
        header = self.table.horizontalHeader()
        for i, col in enumerate(columns):
            if col.width:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Interactive)
                self.table.setColumnWidth(i, col.width)
            else:
                header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)
        rows_h = self.table.verticalHeader().defaultSectionSize() * rows_visible
        self.table.setMinimumHeight(rows_h + header.sizeHint().height() + 6)
        self.table.itemChanged.connect(self._item_changed)
        self.table.currentCellChanged.connect(lambda r, *_a: self.current_row_changed.emit(r))
        lay.addWidget(self.table)
        bar = QHBoxLayout()
        self.add_btn, self.remove_btn = QPushButton(), QPushButton()
        self.up_btn, self.down_btn = QPushButton(), QPushButton()
        self.add_btn.clicked.connect(self.add_row)
        self.remove_btn.clicked.connect(self.remove_row)
        self.up_btn.clicked.connect(lambda: self.move_row(-1))
        self.down_btn.clicked.connect(lambda: self.move_row(1))
        for b in (self.add_btn, self.remove_btn, self.up_btn, self.down_btn):
            bar.addWidget(b)
            b.setEnabled(not model.read_only)
        self.up_btn.setVisible(movable)
        self.down_btn.setVisible(movable)
        bar.addStretch(1)
        lay.addLayout(bar)
        model.values_changed.connect(self._values_changed)
        on_language_changed(self, self.retranslate)
        self.reload()

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c.msgid) for c in self.columns])
        self.add_btn.setText(_("Add row"))
        self.remove_btn.setText(_("Remove row"))
        self.up_btn.setText(_("Move up"))
        self.down_btn.setText(_("Move down"))

    # --- data --------------------------------------------------------------------------------------

    def full_list_path(self) -> list[str | int]:
        return [*self.base(), *self.list_path]

    def items(self) -> list[Any]:
        value = self.model.get(self.rel, self.full_list_path())
        return list(value) if isinstance(value, list) else []

    def _values_changed(self, origin: object) -> None:
        if origin is not self:
            self.reload()

    def reload(self) -> None:
        """Show the list as it is in the draft (keeps the current cell)."""
        self._loading = True
        row, col = self.table.currentRow(), self.table.currentColumn()
        items = self.items()
        self.table.setRowCount(len(items))
        for r, item in enumerate(items):
            for c, column in enumerate(self.columns):
                value = column.get(item) if column.get is not None else value_at(item, column.path)
                if column.kind == "combo":
                    self._combo(r, c, column, value)
                    continue
                cell = self.table.item(r, c)
                if cell is None:
                    cell = QTableWidgetItem()
                    self.table.setItem(r, c, cell)
                if column.kind == "check":
                    cell.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable
                                  | Qt.ItemFlag.ItemIsSelectable)
                    cell.setCheckState(Qt.CheckState.Checked if value is True else Qt.CheckState.Unchecked)
                else:
                    cell.setText(cell_text(value))
                    flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                    if not self.model.read_only and not column.read_only:
                        flags |= Qt.ItemFlag.ItemIsEditable
                    cell.setFlags(flags)
                    missing = column.flag_missing and not cell.text().strip()
                    cell.setBackground(Qt.GlobalColor.yellow if missing else Qt.GlobalColor.white)
                    cell.setToolTip(_("Missing translation") if missing else "")
        if 0 <= row < len(items):
            self.table.setCurrentCell(row, max(col, 0))
        self._loading = False
        self.remove_btn.setEnabled(not self.model.read_only and len(items) > self.min_rows)
        self.rows_changed.emit()

    def _combo(self, r: int, c: int, column: Column, value: Any) -> None:
        combo = self.table.cellWidget(r, c)
        if not isinstance(combo, QComboBox):
            combo = QComboBox(editable=column.editable_combo)
            combo.setEnabled(not self.model.read_only)
            choices = column.choices() if callable(column.choices) else column.choices
            for v, label in choices:
                combo.addItem(label, v)
            self.table.setCellWidget(r, c, combo)
            if column.editable_combo:
                combo.currentTextChanged.connect(lambda t, cb=combo, col=column: self._combo_changed(cb, col, t))
            else:
                combo.activated.connect(lambda i, cb=combo, col=column: self._combo_changed(cb, col, cb.itemData(i)))
        combo.blockSignals(True)
        idx = next((i for i in range(combo.count()) if combo.itemData(i) == value and
                    type(combo.itemData(i)) is type(value)), -1)
        if idx >= 0:
            combo.setCurrentIndex(idx)
        elif column.editable_combo:
            combo.setEditText(cell_text(value))
        else:
            combo.setCurrentIndex(-1)
        combo.blockSignals(False)

    def _combo_changed(self, combo: QComboBox, column: Column, value: Any) -> None:
        for r in range(self.table.rowCount()):
            if self.table.cellWidget(r, self.columns.index(column)) is combo:
                self._set(r, column, value if value != "" else MISSING)
                return

    def _item_changed(self, cell: QTableWidgetItem) -> None:
        if self._loading:
            return
        r, c = cell.row(), cell.column()
        column = self.columns[c]
        if column.kind == "check":
            self._set(r, column, cell.checkState() == Qt.CheckState.Checked)
            return
        try:
            value = parse_cell(column.kind, cell.text()) if cell.text().strip() else MISSING
        except ValueError:
            self.reload()  # not a number: show the stored value again
            return
        if value is MISSING and not column.optional:
            value = ""
        self._set(r, column, value)

    def _set(self, row: int, column: Column, value: Any) -> None:
        sub = column.path
        if column.put is not None:
            items = self.items()
            sub, value = column.put(items[row] if row < len(items) else {}, value)
        path = [*self.full_list_path(), row, *sub]
        self.model.set_value(self.rel, path, value, origin=self, merge_key=None)
        self.reload_flags()

    def reload_flags(self) -> None:
        for r in range(self.table.rowCount()):
            for c, column in enumerate(self.columns):
                cell = self.table.item(r, c)
                if column.flag_missing and cell is not None:
                    self._loading = True
                    missing = not cell.text().strip()
                    cell.setBackground(Qt.GlobalColor.yellow if missing else Qt.GlobalColor.white)
                    self._loading = False

    # --- rows --------------------------------------------------------------------------------------

    def add_row(self) -> None:
        items = self.items()
        item = self.new_item(items)
        row = self.table.currentRow() + 1 if self.table.currentRow() >= 0 else len(items)
        self.model.change(_("Add row"), lambda d: d.insert_item(self.rel, self.full_list_path(), row, item))
        self._select(row, 0)

    def remove_row(self) -> None:
        row = self.table.currentRow()
        if row < 0 or len(self.items()) <= self.min_rows:
            return
        self.model.change(_("Remove row"), lambda d: d.remove_item(self.rel, self.full_list_path(), row))
        self._select(min(row, len(self.items()) - 1), 0)

    def move_row(self, delta: int) -> None:
        row = self.table.currentRow()
        dst = row + delta
        if row < 0 or not 0 <= dst < len(self.items()):
            return
        try:
            self.model.change(_("Move row"), lambda d: d.move_item(self.rel, self.full_list_path(), row, dst))
        except AuthoringError:
            return
        self._select(dst, max(self.table.currentColumn(), 0))

    def _select(self, row: int, col: int) -> None:
        """After a structural change the page may have been rebuilt; select in this table if it still lives."""
        if shiboken6.isValid(self.table):
            self.reload()
            if row >= 0:
                self.table.setCurrentCell(row, col)

    def focus_path(self, rest: Sequence[str | int]) -> bool:
        """Select the cell a key path (row index, then the column's path) points at."""
        scroll_into_view(self.table)
        self.table.setFocus()
        if not rest or not isinstance(rest[0], int) or rest[0] >= self.table.rowCount():
            return True
        sub = tuple(rest[1:])
        col = next((i for i, c in enumerate(self.columns) if c.path == sub[:len(c.path)] and sub), None)
        if col is None:
            col = next((i for i, c in enumerate(self.columns) if sub and c.path[:1] == sub[:1]), 0)
        self.table.setCurrentCell(rest[0], col)
        widget = self.table.cellWidget(rest[0], col)
        if widget is not None:
            widget.setFocus()
        return True



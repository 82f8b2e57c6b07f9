"""One table model for every read-only table of plain rows (the dashboard's, accounts, workstations):
columns know their header, shown text, look and exported value.

Headers and texts are functions, so a language change only needs ``retranslate()``
(no new query). The exported value is the typed value (number, date) an
Excel sheet should hold; CSV exports the text as shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget, QWidget

Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column:
    header: Callable[[], str]
    text: Callable[[Any], str]
    value: Callable[[Any], Any] | None = None  # typed value for XLSX; the text when None
    number_format: str | None = None  # XLSX number format of ``value``
    numeric: bool = False  # right-aligned
    stretch: bool = False
    tooltip: Callable[[Any], str] | None = None
    export_header: Callable[[], str] | None = None  # when the exported value needs a unit in the header
    foreground: Callable[[Any], QColor | None] | None = None  # a row's text colour in this column, if not the usual
    font: QFont | None = None  # every cell of this column (a fingerprint in a monospace font)


WARN = QColor("#fff4d6")
BAD = QColor("#fdeceb")


class RowsModel(QAbstractTableModel):
    """Rows of plain data objects shown through ``columns``; ``tone(row)`` → None, "warn" or "bad"."""

    def __init__(self, columns: Sequence[Column], tone: Callable[[Any], str | None] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self.rows: list[Any] = []
        self._tone = tone

    def set_rows(self, rows: Sequence[Any]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self.endResetModel()

    def retranslate(self) -> None:
        if self.columns:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self.columns) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(self.columns) - 1))

    def rowCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole \
                and 0 <= section < len(self.columns):
            return self.columns[section].header()
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = self.columns[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return col.text(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            return col.tooltip(row) if col.tooltip else col.text(row)
        if role == Qt.ItemDataRole.TextAlignmentRole and col.numeric:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and col.foreground is not None:
            return col.foreground(row)
        if role == Qt.ItemDataRole.FontRole:
            return col.font
        if role == Qt.ItemDataRole.BackgroundRole and self._tone is not None:
            tone = self._tone(row)
            if tone:
                return QBrush(BAD if tone == "bad" else WARN)
        if role == Qt.ItemDataRole.UserRole:
            return row
        return None

    # --- export ------------------------------------------------------------------------------

    def headers(self, for_export: bool = False) -> list[str]:
        return [(c.export_header or c.header)() if for_export else c.header() for c in self.columns]

    def texts(self) -> list[list[str]]:
        return [[c.text(r) for c in self.columns] for r in self.rows]

    def values(self) -> list[list[Any]]:
        return [[c.value(r) if c.value else c.text(r) for c in self.columns] for r in self.rows]

    def number_formats(self) -> list[str | None]:
        return [c.number_format for c in self.columns]


Selection = QAbstractItemView.SelectionMode


def _read_only_rows(view: QTableView, stretch: Sequence[int], selection: Selection, wrap: bool) -> None:
    """How every read-only table of rows looks: no row numbers, cells not editable, a click selects
    the whole row, columns as wide as their contents, the ``stretch`` columns (else the last) take the rest."""
    view.verticalHeader().hide()
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(selection)
    view.setWordWrap(wrap)
    header = view.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(not stretch)
    for i in stretch:
        header.setSectionResizeMode(i, QHeaderView.ResizeMode.Stretch)


def make_view(model: RowsModel, name: str, parent: QWidget | None = None) -> QTableView:
    view = QTableView(parent, objectName=name)
    view.setModel(model)
    view.setAlternatingRowColors(False)
    _read_only_rows(view, [i for i, col in enumerate(model.columns) if col.stretch],
                    Selection.SingleSelection, wrap=False)
    return view


def list_table(columns: int, name: str, *, stretch: int | None = None,
               selection: Selection = Selection.SingleSelection, wrap: bool = True,
               parent: QWidget | None = None) -> QTableWidget:
    """A read-only QTableWidget of rows (filled item by item), laid out like ``make_view``'s tables;
    column ``stretch`` (the last when None) takes the width left."""
    table = QTableWidget(0, columns, parent, objectName=name)
    _read_only_rows(table, [] if stretch is None else [stretch], selection, wrap)
    return table


def wrap_rows(view: QTableView) -> None:
    """Let long cells wrap onto more lines (rows grow to fit) instead of being cut off."""
    view.setWordWrap(True)
    view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

"""A titled dashboard panel holding one chart or one table, with its own export menu."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QStandardPaths, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.ui.common import messages
from app.ui.common.table_model import RowsModel
from app.ui.instructor.dashboard.charts import Chart
from app.ui.instructor.dashboard.export import ExportError, Sheet, save_png, write_csv, write_xlsx


def safe_stem(text: str) -> str:
    """A file name stem from a title (Chinese kept; path separators and the like dropped)."""
    stem = re.sub(r'[\\/:*?"<>|\s]+', "-", text).strip("-.")
    return stem[:80] or "export"


class Section(QFrame):
    """One chart or one table under a title; "Export" saves what it shows.

    A table saves as CSV or XLSX; a chart as PNG, and its data as CSV or XLSX when
    ``model`` holds the numbers it draws.
    """

    saved = Signal(str)  # the path written

    def __init__(self, name: str, title: Callable[[], str], content: Callable[[QWidget], QWidget],
                 model: RowsModel | None = None, parent: QWidget | None = None) -> None:
        """``content(section)`` makes the chart or table inside the section (made in place: a finished
        widget tree added to another gets Qt's style, font and palette resolved again, all of it)."""
        super().__init__()
        self.setObjectName(name)
        if parent is not None:  # named first: a QSplitter names the handle it adds after its widget
            self.setParent(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet(f"#{name} {{ background: white; border: 1px solid #d5dde5; border-radius: 6px; }}")
        self.title_fn = title
        self.model = model
        self.subject: Callable[[], str] = lambda: ""  # what is shown now (the quiz, the lab), for file names
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 8)
        lay.setSpacing(4)
        head = QHBoxLayout()
        self.title = QLabel(self, objectName="sectionTitle")
        self.title.setStyleSheet("padding-top: 0px; border: none;")
        head.addWidget(self.title, 1)
        self.export_btn = QToolButton(self, objectName=name + "Export")
        self.export_btn.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.export_btn.setStyleSheet("QToolButton { padding: 3px 20px 3px 8px; } "
                                      "QToolButton::menu-indicator { subcontrol-origin: padding; "
                                      "subcontrol-position: center right; right: 6px; }")
        self.menu = QMenu(self.export_btn)
        self.export_btn.setMenu(self.menu)
        self.csv_action = QAction(self)
        self.xlsx_action = QAction(self)
        self.png_action = QAction(self)
        self.content = content = content(self)
        if model is not None:
            self.menu.addAction(self.csv_action)
            self.menu.addAction(self.xlsx_action)
        if isinstance(content, Chart):
            self.menu.addAction(self.png_action)
        self.csv_action.triggered.connect(lambda: self._ask("csv"))
        self.xlsx_action.triggered.connect(lambda: self._ask("xlsx"))
        self.png_action.triggered.connect(lambda: self._ask("png"))
        head.addWidget(self.export_btn)
        lay.addLayout(head)
        lay.addWidget(content, 1)

    def retranslate(self) -> None:
        self.title.setText(self.title_fn())
        self.export_btn.setText(_("Export"))
        self.export_btn.setToolTip(_("Save what this panel shows"))
        if isinstance(self.content, Chart):
            self.csv_action.setText(_("Save chart data as CSV…"))
            self.xlsx_action.setText(_("Save chart data as Excel workbook…"))
        else:
            self.csv_action.setText(_("Save table as CSV…"))
            self.xlsx_action.setText(_("Save table as Excel workbook…"))
        self.png_action.setText(_("Save chart as PNG image…"))
        if self.model is not None:
            self.model.retranslate()
        if isinstance(self.content, Chart):
            self.content.render()

    def file_title(self) -> str:
        subject = self.subject()
        return _("{panel} — {subject}").format(panel=self.title_fn(), subject=subject) if subject else self.title_fn()

    # --- export --------------------------------------------------------------------------------

    def sheet(self) -> Sheet:
        assert self.model is not None
        return Sheet(self.file_title(), self.model.headers(for_export=True), self.model.values(),
                     self.model.number_formats())

    def export_csv(self, path: Path) -> Path:
        assert self.model is not None
        return write_csv(path, self.model.headers(), self.model.texts())

    def export_xlsx(self, path: Path) -> Path:
        return write_xlsx(path, [self.sheet()])

    def export_png(self, path: Path) -> Path:
        assert isinstance(self.content, Chart)
        return save_png(self.content.plot_item, path)

    def _ask(self, kind: str) -> None:
        filters = {"csv": _("CSV file (*.csv)"), "xlsx": _("Excel workbook (*.xlsx)"), "png": _("PNG image (*.png)")}
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        suggested = str(Path(folder) / f"{safe_stem(self.file_title())}.{kind}")
        path, _chosen = QFileDialog.getSaveFileName(self, _("Export"), suggested, filters[kind])
        if not path:
            return
        target = Path(path)
        if target.suffix.lower() != f".{kind}":
            target = target.with_name(target.name + f".{kind}")
        try:
            {"csv": self.export_csv, "xlsx": self.export_xlsx, "png": self.export_png}[kind](target)
        except ExportError as exc:
            messages.warn(self, _("Export"), str(exc))
            return
        self.saved.emit(str(target))

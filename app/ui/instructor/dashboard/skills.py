"""The dashboard's retention and skills-matrix tabs (issue 19) for the chosen class and course.

Figures come from :meth:`app.services.review.ReviewService.retention` and
:meth:`app.services.skills.SkillsService.class_matrix`, computed in the background;
the tabs only format them.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QStandardPaths
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.i18n import _, format_date, format_number, format_percent
from app.services.recertification import Expiring
from app.services.review import RECALL_WINDOW_DAYS, Retention
from app.services.skills import LEVEL_COLOURS, SkillsMatrix, cell_text, level_text, write_matrix_xlsx
from app.ui.common import messages
from app.ui.common.background import LatestOnly
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.table_model import list_table
from app.ui.instructor.dashboard.section import safe_stem

DASH = "—"


class RetentionTab(QWidget):
    """Cards, cards due now and the recall rate of the last 30 days for the class and course shown."""

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("retentionTab")
        self.ctx, self.actor = ctx, actor
        self.retention: Retention | None = None
        self.error: str | None = None
        self._loads = LatestOnly(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(12, 12, 12, 12)
        self.note = QLabel(self, objectName="subtitle", wordWrap=True)
        lay.addWidget(self.note)
        form = QFormLayout()
        self.labels: dict[str, QLabel] = {}
        self.values: dict[str, QLabel] = {}
        for key in ("trainees", "cards", "due", "reviews", "recall"):
            self.labels[key] = QLabel(self)
            self.values[key] = QLabel(self, objectName=f"retention_{key}")
            form.addRow(self.labels[key], self.values[key])
        lay.addLayout(form)
        # Recertification: this class's certificates that expire soon (every course).
        bar = QHBoxLayout()
        self.expiring_label = QLabel(self, objectName="expiringLabel")
        self.expiring_days = QSpinBox(self, objectName="expiringDays", minimum=1, maximum=730, value=60)
        self.expiring_days.valueChanged.connect(lambda _v: self._load_expiring())
        self.expiring_suffix = QLabel(self)
        bar.addWidget(self.expiring_label)
        bar.addWidget(self.expiring_days)
        bar.addWidget(self.expiring_suffix)
        bar.addStretch(1)
        lay.addLayout(bar)
        self.expiring = list_table(4, "expiringTable", parent=self)
        lay.addWidget(self.expiring, 1)
        self.expiring_rows: list[Expiring] = []
        self._cohort_id: str | None = None
        self._expiring_loads = LatestOnly(self)
        on_language_changed(self, self.retranslate)

    def load(self, cohort_id: str | None, course) -> None:
        """Compute the figures for ``course`` (None: nothing) and the class ``cohort_id`` (None: everyone)."""
        self._cohort_id = cohort_id
        self._load_expiring()
        self.retention, self.error = None, None
        if course is None:
            self._loads.invalidate()
            self.render()
            return
        review, actor = self.ctx.review, self.actor

        def done(figures: Retention) -> None:
            self.retention = figures
            self.render()

        def failed(exc: Exception) -> None:
            self.error = str(exc)
            self.render()

        self._loads.run(lambda: review.retention(actor, course.id, cohort_id), done, failed)

    def _load_expiring(self) -> None:
        recert, actor, cohort_id = self.ctx.recertification, self.actor, self._cohort_id
        days = self.expiring_days.value()

        def done(rows: list[Expiring]) -> None:
            self.expiring_rows = rows
            self._render_expiring()

        self._expiring_loads.run(lambda: recert.expiring(actor, days, cohort_id), done, lambda _exc: None)

    def _render_expiring(self) -> None:
        self.expiring.setRowCount(len(self.expiring_rows))
        for i, e in enumerate(self.expiring_rows):
            for j, text in enumerate((e.name, content_text(e.course_title), e.number, format_date(e.expires_on))):
                self.expiring.setItem(i, j, QTableWidgetItem(text))

    def retranslate(self) -> None:
        self.note.setText(_("Spaced review: cards come from the questions trainees missed and from the course "
                            "glossary. The recall rate is the share of reviews in the last {days} days answered "
                            "Hard, Good or Easy (not Again).").format(days=RECALL_WINDOW_DAYS))
        self.labels["trainees"].setText(_("Trainees:"))
        self.labels["cards"].setText(_("Review cards:"))
        self.labels["due"].setText(_("Cards due now:"))
        self.labels["reviews"].setText(_("Reviews in the last {days} days:").format(days=RECALL_WINDOW_DAYS))
        self.labels["recall"].setText(_("Recall rate:"))
        self.expiring_label.setText(_("Certificates of this class expiring in the next"))
        self.expiring_suffix.setText(_("days"))
        self.expiring.setHorizontalHeaderLabels([_("Trainee"), _("Course"), _("Number"), _("Valid until")])
        self.render()
        self._render_expiring()

    def render(self) -> None:
        r = self.retention
        if r is None:
            for value in self.values.values():
                value.setText(self.error and _("Not available: {error}").format(error=self.error) or DASH)
            return
        self.values["trainees"].setText(format_number(r.trainees))
        self.values["cards"].setText(format_number(r.cards))
        self.values["due"].setText(format_number(r.due))
        self.values["reviews"].setText(format_number(r.reviews))
        self.values["recall"].setText(DASH if r.recall_rate is None else format_percent(r.recall_rate))


class SkillsMatrixTab(QWidget):
    """Trainees × competencies, each cell the level reached (coloured) and its evidence; Excel export for HR."""

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("skillsMatrixTab")
        self.ctx, self.actor = ctx, actor
        self.matrix: SkillsMatrix | None = None
        self.course = None
        self.error: str | None = None
        self._loads = LatestOnly(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 8, 4, 4)
        bar = QHBoxLayout()
        self.note = QLabel(self, objectName="subtitle", wordWrap=True)
        bar.addWidget(self.note, 1)
        self.export_btn = QPushButton(self, objectName="skillsExport")
        self.export_btn.clicked.connect(self._ask_export)
        bar.addWidget(self.export_btn)
        lay.addLayout(bar)
        self.table = QTableWidget(0, 0, self, objectName="skillsMatrix")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        lay.addWidget(self.table, 1)
        on_language_changed(self, self.retranslate)

    def load(self, cohort_id: str | None, course) -> None:
        self.matrix, self.course, self.error = None, course, None
        if course is None:
            self._loads.invalidate()
            self.render()
            return
        skills, actor = self.ctx.skills, self.actor

        def done(matrix: SkillsMatrix) -> None:
            self.matrix = matrix
            self.render()

        def failed(exc: Exception) -> None:
            self.error = str(exc)
            self.render()

        self._loads.run(lambda: skills.class_matrix(actor, course, cohort_id), done, failed)

    def retranslate(self) -> None:
        self.export_btn.setText(_("Export to Excel…"))
        self.export_btn.setToolTip(_("Save the skills matrix as an Excel workbook (for HR)"))
        self.render()

    def render(self) -> None:
        matrix = self.matrix
        self.export_btn.setEnabled(bool(matrix and matrix.rows and matrix.competencies))
        self.table.clear()
        if matrix is None or not matrix.competencies:
            self.table.setRowCount(0)
            self.table.setColumnCount(0)
            if self.error:
                self.note.setText(_("Not available: {error}").format(error=self.error))
            elif matrix is not None:
                self.note.setText(_("This course lists no competencies (competencies: in course.yaml)."))
            else:
                self.note.setText("")
            return
        levels = ", ".join(level_text(level) for level in LEVEL_COLOURS)
        self.note.setText(_("Level reached per trainee and competency, and its evidence (quiz, lab, practical "
                            "sign-off). Levels: {levels}.").format(levels=levels))
        self.table.setColumnCount(len(matrix.competencies))
        self.table.setRowCount(len(matrix.rows))
        self.table.setHorizontalHeaderLabels([content_text(c.name) for c in matrix.competencies])
        self.table.setVerticalHeaderLabels([r.name for r in matrix.rows])
        for i, row in enumerate(matrix.rows):
            for j, comp in enumerate(matrix.competencies):
                cell = row.cells[comp.id]
                item = QTableWidgetItem(cell_text(cell))
                if cell.level:
                    item.setBackground(QBrush(QColor("#" + LEVEL_COLOURS[cell.level])))
                    item.setForeground(QBrush(QColor("#1b1b1b")))
                self.table.setItem(i, j, item)

    def _ask_export(self) -> None:
        if self.matrix is None or self.course is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = safe_stem(_("Skills matrix") + " " + content_text(self.course.title)) + ".xlsx"
        path, _filter = QFileDialog.getSaveFileName(self, _("Export to Excel…"), str(Path(folder) / name),
                                                    _("Excel workbook (*.xlsx)"))
        if path:
            self.export(Path(path))

    def export(self, path: Path) -> Path | None:
        try:
            return write_matrix_xlsx(self.matrix, content_text(self.course.title), path, i18n.current_locale())
        except ValueError as exc:  # SkillsError: the file cannot be written
            messages.error(self, _("Export to Excel…"), messages.error_text(exc))
            return None

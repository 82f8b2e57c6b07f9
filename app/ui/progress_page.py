"""My progress: completion, scores and time per course."""

from __future__ import annotations

from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from app.i18n import _, format_duration, format_percent
from app.ui.catalog import course_steps
from app.ui.content import content_text
from app.ui.qt_i18n import on_language_changed
from app.ui.shell import Page


class ProgressPage(Page):
    key = "progress"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(24, 20, 24, 12)
        self.heading = QLabel(objectName="pageTitle")
        lay.addWidget(self.heading)
        self.table = QTableWidget(0, 5, objectName="progressTable")
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        lay.addWidget(self.table, 1)
        on_language_changed(self, self.retranslate)

    def title(self) -> str:
        return _("My progress")

    def retranslate(self) -> None:
        self.heading.setText(_("My progress"))
        self.table.setHorizontalHeaderLabels([_("Course"), _("Completed"), _("Steps passed"), _("Best scores"),
                                              _("Time spent")])
        self.activated()

    def activated(self) -> None:
        try:
            courses = self.ctx.library.courses()
        except Exception:  # noqa: BLE001 - shown as an empty table; the catalog reports problems
            courses = []
        self.table.setRowCount(len(courses))
        for row, course in enumerate(courses):
            prog = self.ctx.progress.course_progress(self.actor, self.actor.user_id, course.id, course_steps(course))
            scores = [r.best_score for r in prog.steps.values() if r.best_score is not None]
            mean = sum(scores) / len(scores) if scores else None
            cells = [content_text(course.title), format_percent(prog.fraction),
                     f"{prog.passed_steps} / {prog.total_steps}", format_percent(mean) if mean is not None else "—",
                     format_duration(prog.time_s) if prog.time_s else "—"]
            for col, text in enumerate(cells):
                self.table.setItem(row, col, QTableWidgetItem(text))

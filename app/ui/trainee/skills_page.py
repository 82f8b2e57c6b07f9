"""My skills (issue 19): per enrolled course, each competency's level reached and the evidence behind it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QLabel, QTableWidgetItem, QWidget

from app.i18n import _
from app.services.skills import LEVEL_COLOURS, SkillCell, evidence_text, level_text
from app.ui.common.content import content_text
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.table_model import list_table


def level_item(cell: SkillCell) -> QTableWidgetItem:
    """A level, coloured as in the class matrix and its Excel export."""
    item = QTableWidgetItem(level_text(cell.level))
    if cell.level:
        item.setBackground(QBrush(QColor("#" + LEVEL_COLOURS[cell.level])))
        item.setForeground(QBrush(QColor("#1b1b1b")))
    return item


class SkillsPage(Page):
    key = "skills"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        lay = self.page_layout(summary=True)
        self.table = list_table(4, "skillsTable", stretch=1)
        lay.addWidget(self.table, 1)
        self.empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty, 1)
        self.rows: list[tuple[str, str, SkillCell]] = []  # (course id, competency id, cell)
        on_language_changed(self, self.retranslate)

    @classmethod
    def title(cls) -> str:  # the shell names the page before building it
        return _("My skills")

    def activated(self) -> None:
        self.reload()

    def reload(self) -> None:
        found = self.ctx.skills.my_skills(self.actor)
        self.table.setRowCount(0)
        self.rows = []
        for course, cells in found:
            for comp in course.competencies:
                cell = cells[comp.id]
                r = self.table.rowCount()
                self.table.insertRow(r)
                self.table.setItem(r, 0, QTableWidgetItem(content_text(course.title)))
                self.table.setItem(r, 1, QTableWidgetItem(content_text(comp.name)))
                self.table.setItem(r, 2, level_item(cell))
                self.table.setItem(r, 3, QTableWidgetItem(evidence_text(cell) or "—"))
                self.rows.append((course.id, comp.id, cell))
        self.table.setVisible(bool(self.rows))
        self.empty.setVisible(not self.rows)

    def retranslate(self) -> None:
        self.heading.setText(_("My skills"))
        self.summary.setText(_("A level is reached when every step that shows it, and those of the levels "
                               "below, is passed: a quiz or lab passed, a practical signed off by your instructor."))
        self.table.setHorizontalHeaderLabels([_("Course"), _("Competency"), _("Level reached"), _("Evidence")])
        self.empty.setText(_("No skills yet: the courses you are enrolled in list no competencies."))
        self.reload()

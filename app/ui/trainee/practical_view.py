"""A practical step: the instructions, the checklist the instructor signs off, and its status.

Opening the practical is what the trainee does on it: it is then "awaiting sign-off" (a small
draft records it), before that "not started" (review #27).
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QTextBrowser, QWidget

from app import i18n
from app.courses.render import render_markdown
from app.i18n import _, format_datetime
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.step_base import WRITE_ERRORS, StepView
from app.ui.common.style import repolish

log = logging.getLogger(__name__)


class PracticalView(StepView):
    """Read-only for the trainee: an instructor signs the practical off in the instructor workspace."""

    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        lay = self.step_layout()
        self.status = QLabel(objectName="practicalStatus", wordWrap=True)
        lay.addWidget(self.status)
        self.instructions = QTextBrowser(objectName="practicalInstructions")
        self.instructions.setOpenLinks(False)
        lay.addWidget(self.instructions, 3)
        self.checklist_title = QLabel(objectName="sectionTitle")
        lay.addWidget(self.checklist_title)
        self.checklist = QListWidget(objectName="practicalChecklist")
        self.checklist.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        lay.addWidget(self.checklist, 2)
        self.comment = QLabel(objectName="subtitle", wordWrap=True)
        lay.addWidget(self.comment)
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        practical = self.step.practical
        self.heading.setText(content_text(self.step.title))
        self.checklist_title.setText(_("Checklist (your instructor ticks these off with you)"))
        text, _fallback = i18n.localized(practical.instructions if practical else None)
        try:
            self.instructions.setHtml(render_markdown(text, self.step.path, self.course.path))
        except Exception:
            log.exception("rendering practical %s failed", self.step_key)
            self.instructions.setPlainText(text)
        self.refresh()

    def refresh(self) -> None:
        practical = self.step.practical
        info = self.ctx.progress.signoffs(self.actor, self.actor.user_id, self.course.id).get(self.step_key)
        self.checklist.clear()
        for entry in (practical.checklist if practical else []):
            done = bool(info and info.checklist.get(entry.id))
            mark = "☑" if done else "☐"
            item = QListWidgetItem(f"{mark}  {content_text(entry.text)}")
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            item.setData(Qt.ItemDataRole.AccessibleTextRole,
                         (_("done: {item}") if done else _("not done yet: {item}")).format(
                             item=content_text(entry.text)))
            self.checklist.addItem(item)
        if info is None:
            self.status.setProperty("state", "awaiting")
            self.status.setText(_("Awaiting sign-off: do this task with your instructor, who records it."))
            self.comment.hide()
            self._mark_opened()
        else:
            when = format_datetime(info.signed_at, "short")
            if info.passed:
                self.status.setProperty("state", "passed")
                self.status.setText(_("Signed off by {name} on {date}.").format(name=info.instructor_name, date=when))
            else:
                self.status.setProperty("state", "failed")
                self.status.setText(_("Not passed yet: checked by {name} on {date}. Practise the open items and "
                                      "ask for another check.").format(name=info.instructor_name, date=when))
            self.comment.setVisible(bool(info.comment))
            self.comment.setText(_("Instructor's comment: {comment}").format(comment=info.comment))
        repolish(self.status)

    def _mark_opened(self) -> None:
        """Record once that the trainee has seen the task (the step then awaits the instructor)."""
        if not self.isVisible() or self.ctx.store.readonly:
            return
        try:
            if self.ctx.progress.load_draft(self.actor, self.course.id, self.step_key) is None:
                self.ctx.progress.save_draft(self.actor, self.course.id, self.step_key, {"kind": "practical-seen"})
                self.status_changed.emit()
        except WRITE_ERRORS:
            log.warning("cannot record that practical %s was opened", self.step_key)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self.refresh()

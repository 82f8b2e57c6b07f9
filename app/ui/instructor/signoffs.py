"""Instructor workspace, sign-offs tab: tick a trainee's practical checklist and sign it off.

The list holds the practicals of trainees enrolled in each course (``PracticalService.pending``),
with a course column, a search over names and logins, and "Waiting only" (trainees who have
worked in the practical's module, or were recorded as not passed before). The instructions are
the course's Markdown, rendered; the checklist wraps and scrolls, so nothing is clipped at 700 px.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.courses.render import render_markdown
from app.i18n import _, ngettext
from app.services.auth import ServiceError
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine

log = logging.getLogger(__name__)


class ChecklistItem(QWidget):
    """A check box whose text wraps (a QCheckBox's own text never does); clicking the text ticks it."""

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 2, 0, 2)
        self.box = QCheckBox()
        self.label = QLabel(text, wordWrap=True)
        self.label.setBuddy(self.box)
        self.label.mousePressEvent = lambda _event: self.box.toggle()
        lay.addWidget(self.box, 0, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.label, 1)


class SignOffPanel(QWidget):
    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.pending = []  # every pending practical of the chosen class
        self.shown = []  # those the filters let through, in table order
        self.courses = {}
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.cohort_label = QLabel()
        self.cohort = QComboBox(objectName="signoffCohort")
        self.cohort.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.cohort.currentIndexChanged.connect(lambda _i: self.refresh())
        self.course_label = QLabel()
        self.course = QComboBox(objectName="signoffCourse")
        self.course.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.course.currentIndexChanged.connect(lambda _i: self._fill())
        self.search = QLineEdit(objectName="signoffSearch")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(lambda _t: self._fill())
        self.waiting = QCheckBox(objectName="signoffWaitingOnly")
        self.waiting.toggled.connect(lambda _on: self._fill())
        for w in (self.cohort_label, self.cohort, self.course_label, self.course):
            bar.addWidget(w)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.waiting)
        lay.addLayout(bar)

        split = QSplitter()
        self.table = QTableWidget(0, 4, objectName="pendingTable")
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(lambda: self._show(self.current_row()))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(self.table, 1)
        self.count = QLabel(objectName="statusLabel")
        ll.addWidget(self.count)
        split.addWidget(left)

        self.box = QGroupBox()
        outer = QVBoxLayout(self.box)
        self.heading = QLabel(wordWrap=True, objectName="sectionTitle")
        outer.addWidget(self.heading)
        # Instructions above, checklist below, each scrolling on its own (never one scroll inside another).
        parts = QSplitter(Qt.Orientation.Vertical)
        self.instructions = QTextBrowser(objectName="practicalInstructions")
        self.instructions.setOpenLinks(False)
        parts.addWidget(self.instructions)
        self.scroll = QScrollArea(widgetResizable=True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        body = QWidget()
        self.box_lay = QVBoxLayout(body)
        self.box_lay.setContentsMargins(0, 4, 8, 0)
        self.items_host = QVBoxLayout()
        self.box_lay.addLayout(self.items_host)
        self.box_lay.addStretch(1)
        self.scroll.setWidget(body)
        parts.addWidget(self.scroll)
        parts.setSizes([200, 220])
        parts.setCollapsible(0, False)
        parts.setCollapsible(1, False)
        outer.addWidget(parts, 1)
        self.comment = QLineEdit(objectName="signoffComment")
        outer.addWidget(self.comment)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.fail_btn = QPushButton(objectName="recordNotPassed")
        self.fail_btn.clicked.connect(lambda: self._sign(passed=False))
        self.sign_btn = QPushButton(objectName="signOff")
        self.sign_btn.clicked.connect(lambda: self._sign(passed=True))
        buttons.addWidget(self.fail_btn)
        buttons.addWidget(self.sign_btn)
        outer.addLayout(buttons)
        split.addWidget(self.box)
        split.setSizes([640, 560])
        lay.addWidget(split, 1)
        self.status = StatusLine()
        lay.addWidget(self.status)
        self.checks: list[tuple[str, QCheckBox]] = []
        self._items: list[ChecklistItem] = []
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.cohort_label.setText(_("Class:"))
        self.course_label.setText(_("Course:"))
        self.search.setPlaceholderText(_("Search a trainee's name or login…"))
        self.waiting.setText(_("Waiting only"))
        self.waiting.setToolTip(_("Trainees who have worked in the practical's module, or were recorded as not "
                                  "passed before"))
        self.comment.setPlaceholderText(_("Comment (optional)"))
        self.sign_btn.setText(_("Sign off as passed"))
        self.fail_btn.setText(_("Record as not passed"))
        self.box.setTitle(_("Checklist"))
        self.table.setHorizontalHeaderLabels([_("Trainee"), _("Course"), _("Practical"), _("State")])
        self.refresh()

    def _courses(self):
        try:
            return {c.id: c for c in self.ctx.library.courses()}
        except Exception:  # noqa: BLE001 - no courses means nothing to sign off
            return {}

    def refresh(self) -> None:
        chosen = self.cohort.currentData()
        self.cohort.blockSignals(True)
        self.cohort.clear()
        self.cohort.addItem(_("All trainees"), None)
        for info in self.ctx.cohorts.list(self.actor):
            self.cohort.addItem(info.name, info.cohort_id)
        self.cohort.setCurrentIndex(max(0, self.cohort.findData(chosen)))
        self.cohort.blockSignals(False)
        self.courses = self._courses()
        course_chosen = self.course.currentData()
        self.course.blockSignals(True)
        self.course.clear()
        self.course.addItem(_("All courses"), None)
        for c in self.courses.values():
            if any(s.kind == "practical" for _m, s in c.iter_steps()):
                self.course.addItem(content_text(c.title), c.id)
        self.course.setCurrentIndex(max(0, self.course.findData(course_chosen)))
        self.course.blockSignals(False)
        self.pending = self.ctx.practicals.pending(self.actor, self.courses.values(), self.cohort.currentData())
        self._fill()

    def _fill(self) -> None:
        needle = self.search.text().strip().lower()
        course_id = self.course.currentData()
        self.shown = [p for p in self.pending
                      if (course_id is None or p.course_id == course_id)
                      and (not needle or needle in p.login.lower() or needle in p.display_name.lower())
                      and (not self.waiting.isChecked() or p.working_on_it or p.not_passed_before)]
        self.table.blockSignals(True)
        self.table.clearSelection()
        self.table.setRowCount(len(self.shown))
        for row, p in enumerate(self.shown):
            course = self.courses[p.course_id]
            state = (_("Not passed before") if p.not_passed_before else _("Working on the module")
                     if p.working_on_it else "—")
            cells = (f"{p.display_name} ({p.login})", content_text(course.title),
                     content_text(course.step(p.step_key).title), state)
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.table.setItem(row, col, item)
        self.table.blockSignals(False)
        self.table.resizeColumnsToContents()
        for col, widest in enumerate((150, 120, 180)):  # the full texts are in the tooltips
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), widest))
        if not self.pending:
            self.count.setText(_("No practical is waiting for sign-off."))
        else:
            self.count.setText(ngettext("{n} of {total} practical shown.", "{n} of {total} practicals shown.",
                                        len(self.pending)).format(n=len(self.shown), total=len(self.pending)))
        self._show(self.current_row())

    def current_row(self) -> int:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].row() if rows else -1

    def select(self, row: int) -> None:
        self.table.selectRow(row)

    def _show(self, row: int) -> None:
        for item in self._items:
            item.setParent(None)
            item.deleteLater()
        self._items, self.checks = [], []
        valid = 0 <= row < len(self.shown)
        self.box.setEnabled(valid)
        if not valid:
            self.heading.clear()
            self.instructions.setPlainText(_("Choose a trainee's practical on the left."))
            self._update_buttons()
            return
        p = self.shown[row]
        course = self.courses[p.course_id]
        step = course.step(p.step_key)
        self.heading.setText(_("{practical} — {name}").format(practical=content_text(step.title),
                                                             name=p.display_name))
        text, _fallback = i18n.localized(step.practical.instructions)
        try:
            self.instructions.setHtml(render_markdown(text, step.path or course.path, course.path))
        except Exception:  # show the words even if the Markdown cannot be rendered
            log.exception("rendering the instructions of %s failed", p.step_key)
            self.instructions.setPlainText(text)
        for entry in step.practical.checklist:
            item = ChecklistItem(content_text(entry.text))
            item.box.setObjectName(f"check-{entry.id}")
            item.box.toggled.connect(self._update_buttons)
            self.items_host.addWidget(item)
            self._items.append(item)
            self.checks.append((entry.id, item.box))
        self._update_buttons()

    def _update_buttons(self) -> None:
        # A pass needs every item ticked; anything less can only be recorded as not passed.
        self.sign_btn.setEnabled(bool(self.checks) and all(cb.isChecked() for _id, cb in self.checks))

    def _sign(self, passed: bool) -> None:
        row = self.current_row()
        if not 0 <= row < len(self.shown):
            return
        p = self.shown[row]
        checklist = {item_id: cb.isChecked() for item_id, cb in self.checks}
        if passed != all(checklist.values()):
            return
        try:
            self.ctx.progress.sign_off(self.actor, p.user_id, p.course_id, p.step_key, checklist, self.comment.text())
        except (ServiceError, PermissionError) as exc:
            messages.warn(self, _("Sign off"), str(exc))
            return
        name = p.display_name
        lines = [(lambda: _("Signed off for {name}.").format(name=name)) if passed
                 else (lambda: _("Recorded as not passed for {name}.").format(name=name))]
        if passed:
            # The sign-off may be the last requirement: issue the certificate now, not when
            # the trainee next opens the course.
            try:
                cert = self.ctx.certificates.check_and_issue(self.actor, p.user_id, self.courses[p.course_id])
            except Exception:
                log.exception("automatic certificate after sign-off failed")
                cert = None
            if cert is not None:
                number = cert.number
                lines.append(lambda: _("Certificate {number} issued.").format(number=number))
        self.comment.clear()
        self.refresh()
        self.status.say_lines(lines)

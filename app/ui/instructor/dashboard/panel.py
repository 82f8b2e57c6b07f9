"""The instructor dashboard: choose a class and a course, read the panels, export, open a trainee.

Every query runs in the background (:class:`app.ui.common.background.LatestOnly`):
a newer request makes an older answer stale, so switching filters quickly
never shows mixed data.
"""

from __future__ import annotations

import logging
from pathlib import Path

import shiboken6
from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_percent, ngettext
from app.services.auth import require_staff
from app.services.dashboard_queries import Dashboard
from app.ui.common import messages
from app.ui.common.background import LatestOnly
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.instructor.dashboard.export import ExportError, write_xlsx
from app.ui.instructor.dashboard.record import TraineeRecordDialog
from app.ui.instructor.dashboard.section import Section, safe_stem
from app.ui.instructor.dashboard.skills import RetentionTab, SkillsMatrixTab
from app.ui.instructor.dashboard.tabs import LabTab, ProgressTab, QuizTab, Tab, TimeTab, TraineesTab
from app.ui.instructor.dates import when

log = logging.getLogger(__name__)


class DashboardPanel(QWidget):
    loaded = Signal()  # a dashboard is shown (or the query failed: see ``error``)

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        require_staff(actor)
        super().__init__(parent)
        self.setObjectName("dashboardPanel")
        self.ctx, self.actor = ctx, actor
        self.board: Dashboard | None = None
        self.error: str | None = None
        self.courses: dict[str, object] = {}
        self.cohort_courses: dict[str | None, list[str]] = {}
        self._loads = LatestOnly(self)
        self._loading = False
        self._stale = True
        self.records: list[TraineeRecordDialog] = []

        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 8, 4, 4)
        bar = QHBoxLayout()
        self.cohort_label = QLabel(self)
        self.cohort = QComboBox(self, objectName="dashCohort")
        self.cohort.setMinimumContentsLength(14)
        self.course_label = QLabel(self)
        self.course = QComboBox(self, objectName="dashCourse")
        self.course.setMinimumContentsLength(26)
        for combo in (self.cohort, self.course):  # grow to the longest name (review #33): never "重庆一…"
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.refresh_btn = QPushButton(self, objectName="dashRefresh")
        self.export_btn = QPushButton(self, objectName="dashExportAll")
        for w in (self.cohort_label, self.cohort, self.course_label, self.course):
            bar.addWidget(w)
        bar.addSpacing(8)
        bar.addWidget(self.refresh_btn)
        bar.addStretch(1)
        bar.addWidget(self.export_btn)
        lay.addLayout(bar)
        self.summary = QLabel(self, objectName="dashSummary", wordWrap=True)
        self.summary.setStyleSheet("color: #3d4b59; padding: 2px 0px;")
        lay.addWidget(self.summary)
        self.tabs = QTabWidget(self, objectName="dashTabs")
        # The tabs are made in the tab widget's page stack, where addTab puts them (see Section).
        pages = self.tabs.findChild(QStackedWidget, options=Qt.FindChildOption.FindDirectChildrenOnly)
        self.progress_tab = ProgressTab(pages)
        self.quiz_tab = QuizTab(pages)
        self.lab_tab = LabTab(pages)
        self.time_tab = TimeTab(pages)
        self.trainees_tab = TraineesTab(pages)
        self.all_tabs: list[Tab] = [self.progress_tab, self.quiz_tab, self.lab_tab, self.time_tab, self.trainees_tab]
        for tab in self.all_tabs:
            self.tabs.addTab(tab, "")
            tab.open_trainee.connect(self.open_record)
            for sec in tab.sections:
                sec.saved.connect(self._saved)
        self.retention_tab = RetentionTab(ctx, actor, pages)  # spaced review (issue 19): its own query
        self.tabs.addTab(self.retention_tab, "")
        self.skills_tab = SkillsMatrixTab(ctx, actor, pages)
        self.tabs.addTab(self.skills_tab, "")
        lay.addWidget(self.tabs, 1)
        self.status = StatusLine(self)
        lay.addWidget(self.status)

        self.cohort.currentIndexChanged.connect(self._cohort_changed)
        self.course.currentIndexChanged.connect(lambda _i: self.reload())
        self.refresh_btn.clicked.connect(self.refresh)
        self.export_btn.clicked.connect(self._ask_export_all)
        on_language_changed(self, self.retranslate)

    # --- filters ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the classes and courses, then the dashboard for the chosen pair (all in the background)."""
        try:
            courses = self.ctx.library.courses()  # in memory once loaded; the library is not thread-safe
        except Exception:
            log.exception("cannot list the courses")
            courses = []
        self.courses = {c.id: c for c in courses}
        self._loading = True
        self.refresh_btn.setEnabled(False)
        self.summary.setText(_("Loading…"))
        cohorts, actor = self.ctx.cohorts, self.actor

        def done(infos) -> None:
            self._fill_filters(infos)
            self.reload()

        self._loads.run(lambda: cohorts.list(actor), done, self._failed)

    def _fill_filters(self, infos) -> None:
        self.cohort_courses = {i.cohort_id: [cid for cid, _due in i.courses] for i in infos}
        first_time = self.cohort.count() == 0
        chosen_cohort, chosen_course = self.cohort.currentData(), self.course.currentData()
        self.cohort.blockSignals(True)
        self.cohort.clear()
        self.cohort.addItem(_("All trainees"), None)
        for info in infos:
            self.cohort.addItem(info.name, info.cohort_id)
        index = -1 if first_time else self.cohort.findData(chosen_cohort)
        if index < 0 and infos:
            index = 1  # the first class rather than every trainee of the center
        self.cohort.setCurrentIndex(max(0, index))
        self.cohort.blockSignals(False)
        self._fill_courses(chosen_course, follow_class=first_time or self.cohort.currentData() != chosen_cohort)

    def _fill_courses(self, prefer: str | None, follow_class: bool = False) -> None:
        """Courses assigned to the class first; ``follow_class`` picks one of those over ``prefer``."""
        assigned = self.cohort_courses.get(self.cohort.currentData(), [])
        ordered = [cid for cid in assigned if cid in self.courses] + \
                  [cid for cid in self.courses if cid not in assigned]
        self.course.blockSignals(True)
        self.course.clear()
        for cid in ordered:
            self.course.addItem(content_text(self.courses[cid].title), cid)
        index = self.course.findData(prefer)
        if index < 0 or (follow_class and assigned and prefer not in assigned):
            index = 0
        self.course.setCurrentIndex(max(0, index) if self.course.count() else -1)
        self.course.blockSignals(False)

    def _cohort_changed(self, _index: int) -> None:
        self._fill_courses(self.course.currentData(), follow_class=True)
        self.reload()

    def select(self, cohort_id: str | None, course_id: str) -> None:
        """Choose a class and a course as the user would (loads in the background)."""
        self.cohort.setCurrentIndex(max(0, self.cohort.findData(cohort_id)))
        self.course.setCurrentIndex(self.course.findData(course_id))

    # --- loading ------------------------------------------------------------------------------

    def reload(self) -> None:
        course = self.courses.get(self.course.currentData())
        self.error = None
        if course is None:
            self._loads.invalidate()
            self.board = None
            self._loading = False
            self.refresh_btn.setEnabled(True)
            self.summary.setText(_("No course is installed yet.") if not self.courses else "")
            self.loaded.emit()
            return
        self._loading = True
        self.summary.setText(_("Loading…"))
        self.refresh_btn.setEnabled(False)
        dashboards, actor, cohort_id = self.ctx.dashboards, self.actor, self.cohort.currentData()

        self._loads.run(lambda: dashboards.dashboard(actor, cohort_id, course),
                        lambda board: self._show(board, course), self._failed)

    def _show(self, board: Dashboard, course) -> None:
        self.board = board
        self._loading = False
        self._stale = False
        self.refresh_btn.setEnabled(True)
        for tab in self.all_tabs:
            tab.show_board(board, course)
        self.retention_tab.load(self.cohort.currentData(), course)
        self.skills_tab.load(self.cohort.currentData(), course)
        self._summary()
        self.loaded.emit()

    def _failed(self, exc: Exception) -> None:
        self._loading = False
        self.refresh_btn.setEnabled(True)
        self.error = str(exc)
        self.summary.setText(_("The dashboard could not be computed: {error}").format(error=exc))
        self.loaded.emit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale and not self._loading:
            self.refresh()

    def mark_stale(self) -> None:
        """New data may exist (the page was activated): reload when shown."""
        self._stale = True
        if self.isVisible() and not self._loading:
            self.refresh()

    # --- text ---------------------------------------------------------------------------------

    def _summary(self) -> None:
        b = self.board
        if b is None:
            return
        if not b.trainees:
            self.summary.setText(_("Nobody in this class takes this course yet."))
            return
        done = sum(1 for r in b.report if r.passed_steps == r.total_steps and r.total_steps)
        mean = sum(r.fraction for r in b.report) / len(b.report) if b.report else 0.0
        text = ngettext("{n} trainee · {done} completed · mean progress {mean} · {risk} at risk",
                        "{n} trainees · {done} completed · mean progress {mean} · {risk} at risk", b.trainees)
        self.summary.setText(_("{figures} (as of {time})").format(
            figures=text.format(n=b.trainees, done=done, mean=format_percent(mean), risk=len(b.at_risk)),
            time=when(b.generated_at)))

    def retranslate(self) -> None:
        self.cohort_label.setText(_("Class:"))
        self.course_label.setText(_("Course:"))
        self.refresh_btn.setText(_("Refresh"))
        self.export_btn.setText(_("Export all tables…"))
        self.export_btn.setToolTip(_("Save every table of this dashboard in one Excel workbook"))
        if self.cohort.count():
            self.cohort.setItemText(0, _("All trainees"))
        for i in range(self.course.count()):
            course = self.courses.get(self.course.itemData(i))
            if course is not None:
                self.course.setItemText(i, content_text(course.title))
        for i, text in enumerate((_("Progress"), _("Quizzes"), _("Labs"), _("Time on task"), _("Trainees"))):
            self.tabs.setTabText(i, text)
        self.tabs.setTabText(self.tabs.indexOf(self.retention_tab), _("Retention"))
        self.tabs.setTabText(self.tabs.indexOf(self.skills_tab), _("Skills matrix"))
        for tab in self.all_tabs:
            tab.retranslate()
        if self._loading:
            self.summary.setText(_("Loading…"))
        else:
            self._summary()

    # --- trainee record -------------------------------------------------------------------------

    def open_record(self, user_id: str) -> TraineeRecordDialog:
        dialog = TraineeRecordDialog(self.ctx, self.actor, user_id, self.courses, self)
        self.records = [d for d in self.records if shiboken6.isValid(d) and d.isVisible()] + [dialog]
        dialog.show()
        return dialog

    # --- export ---------------------------------------------------------------------------------

    def sections(self) -> list[Section]:
        return [sec for tab in self.all_tabs for sec in tab.sections]

    def export_all(self, path: Path) -> Path:
        """Every table of every tab (the current quiz and lab choice) as sheets of one workbook."""
        return write_xlsx(path, [sec.sheet() for sec in self.sections() if sec.model is not None])

    def _ask_export_all(self) -> None:
        if self.board is None:
            return
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        name = safe_stem(_("Dashboard {cls} {course}").format(cls=self.cohort.currentText(),
                                                              course=self.course.currentText()))
        path, _chosen = QFileDialog.getSaveFileName(self, _("Export all tables…"), str(Path(folder) / f"{name}.xlsx"),
                                                    _("Excel workbook (*.xlsx)"))
        if not path:
            return
        target = Path(path) if path.lower().endswith(".xlsx") else Path(path + ".xlsx")
        try:
            self.export_all(target)
        except ExportError as exc:
            messages.warn(self, _("Export"), str(exc))
            return
        self._saved(str(target))

    def _saved(self, path: str) -> None:
        self.status.say(lambda: _("Saved {path}").format(path=path))

"""My progress: per course completion, scores and time; the labs' best results; certificates."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.clock import as_utc
from app.i18n import _, format_date, format_duration, format_percent, ngettext
from app.services.completion import evaluate
from app.ui.certificates.actions import CertificateActions
from app.ui.common.content import content_text
from app.ui.common.page import Page
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.table_model import list_table
from app.ui.labs.panels import format_metric, metric_label

log = logging.getLogger(__name__)


def _item(text: str, data=None, align_right: bool = False) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    if data is not None:
        item.setData(Qt.ItemDataRole.UserRole, data)
    if align_right:
        item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    return item


class ProgressPage(Page):
    key = "progress"

    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, parent)
        lay = self.page_layout(summary=True)
        self.tabs = QTabWidget(objectName="progressTabs")
        lay.addWidget(self.tabs, 1)

        courses_tab = QWidget()
        cl = QVBoxLayout(courses_tab)
        self.table = list_table(6, "progressTable", stretch=0, wrap=False)
        self.table.itemActivated.connect(self._open_course)
        cl.addWidget(self.table, 1)
        self.courses_empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        cl.addWidget(self.courses_empty)
        row = QHBoxLayout()
        row.addStretch(1)
        self.open_course_btn = QPushButton(objectName="openFromProgress")
        self.open_course_btn.clicked.connect(lambda: self._open_course(self.table.currentItem()))
        row.addWidget(self.open_course_btn)
        cl.addLayout(row)
        self.tabs.addTab(courses_tab, "")

        labs_tab = QWidget()
        ll = QVBoxLayout(labs_tab)
        self.labs = list_table(6, "labTable", stretch=0, wrap=False)
        # Names first, at their own width (Chinese names were cut to "…" by a wide results column);
        # the results take the rest, elided, in full in the tooltip.
        lab_header = self.labs.horizontalHeader()
        lab_header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        lab_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        lab_header.setSectionResizeMode(5, QHeaderView.ResizeMode.Stretch)
        lab_header.setMinimumSectionSize(60)
        self.labs.setTextElideMode(Qt.TextElideMode.ElideRight)
        ll.addWidget(self.labs, 1)
        self.labs_empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        ll.addWidget(self.labs_empty)
        self.tabs.addTab(labs_tab, "")

        certs_tab = QWidget()
        ctl = QVBoxLayout(certs_tab)
        self.certs = list_table(5, "certificateTable", stretch=0, wrap=False)
        self.certs.itemSelectionChanged.connect(self._cert_buttons)
        self.certs.itemActivated.connect(lambda *_: self.cert_actions.open())
        ctl.addWidget(self.certs, 1)
        self.certs_empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        ctl.addWidget(self.certs_empty, 1)  # with no certificate the note fills the tab (review #30)
        crow = QHBoxLayout()
        self.cert_note = QLabel(objectName="subtitle", wordWrap=True)
        crow.addWidget(self.cert_note, 1)
        # Open / Save PDF… / Print…; a PDF missing on this workstation is drawn again from the store.
        self.cert_actions = CertificateActions(self._selected_pdf)
        crow.addWidget(self.cert_actions)
        ctl.addLayout(crow)
        self.tabs.addTab(certs_tab, "")

        self._certificates: list = []
        on_language_changed(self, self.retranslate)

    @classmethod
    def title(cls) -> str:  # the shell names the page before building it
        return _("My progress")

    def retranslate(self) -> None:
        self.heading.setText(_("My progress"))
        self.tabs.setTabText(0, _("Courses"))
        self.tabs.setTabText(1, _("Labs"))
        self.tabs.setTabText(2, _("Certificates"))
        self.table.setHorizontalHeaderLabels([_("Course"), _("Completed"), _("Steps passed"),
                                              _("Overall score"), _("Time spent"), _("Status")])
        self.labs.setHorizontalHeaderLabels([_("Lab"), _("Course"), _("Best score"), _("Result"), _("Runs"),
                                             _("Best run: results")])
        self.certs.setHorizontalHeaderLabels([_("Course"), _("Number"), _("Issued"), _("Valid until"),
                                              _("Status")])
        self.open_course_btn.setText(_("Open course"))
        self.courses_empty.setText(_("You have not started a course yet. Open the catalog to enroll."))
        self.labs_empty.setText(_("No lab runs yet."))
        self.certs_empty.setText(_("No certificates yet. A certificate is issued when you complete a course "
                                   "and pass its requirements."))
        if self.isVisible():  # the rows hold translated words; a hidden page refills when the shell shows it
            self.activated()

    # --- data ------------------------------------------------------------------------------

    def _courses(self) -> dict:
        try:
            return {c.id: c for c in self.ctx.library.courses()}
        except Exception:
            log.exception("loading the course library failed")
            return {}

    def activated(self) -> None:
        courses = self._courses()
        self._fill_courses(courses)
        self._fill_labs(courses)
        self._fill_certificates(courses)

    def _fill_courses(self, courses: dict) -> None:
        p = self.ctx.progress
        enrolled = {e.course_id for e in p.enrollments(self.actor, self.actor.user_id)}
        rows = []
        total_time = 0.0
        complete = 0
        for course in courses.values():
            prog = p.course_progress(self.actor, self.actor.user_id, course.id, course.step_kinds())
            started = any(r.attempts or r.time_s for r in prog.steps.values())
            if course.id not in enrolled and not started:
                continue
            rows.append((course, prog))
            total_time += prog.time_s
            complete += prog.complete
        self.table.setRowCount(len(rows))
        for row, (course, prog) in enumerate(rows):
            # The certificate's rule (review #30): the mean best score of the scored steps, untried ones at 0.
            mean = evaluate(course, prog).overall_score if course.scored_step_keys() else None
            status = _("Complete") if prog.complete else (_("In progress") if prog.passed_steps or prog.time_s
                                                            else _("Enrolled"))
            cells = [_item(content_text(course.title), course.id),
                     _item(format_percent(prog.fraction), align_right=True),
                     _item(_("{done} of {total}").format(done=prog.passed_steps, total=prog.total_steps)),
                     _item(format_percent(mean) if mean is not None else "—", align_right=True),
                     _item(format_duration(prog.time_s) if prog.time_s >= 1 else "—", align_right=True),
                     _item(status)]
            for col, item in enumerate(cells):
                self.table.setItem(row, col, item)
        self.table.setVisible(bool(rows))
        self.courses_empty.setVisible(not rows)
        self.open_course_btn.setEnabled(bool(rows))
        if rows and self.table.currentRow() < 0:
            self.table.setCurrentCell(0, 0)
        self.summary.setText(ngettext("{n} course · {done} complete · {time} spent learning",
                                      "{n} courses · {done} complete · {time} spent learning", len(rows)).format(
            n=len(rows), done=complete, time=format_duration(total_time)))

    def _fill_labs(self, courses: dict) -> None:
        runs = self.ctx.progress.lab_runs(self.actor, self.actor.user_id)
        counts: dict[tuple[str, str], int] = {}
        for run in runs:
            counts[(run.course_id, run.step_key)] = counts.get((run.course_id, run.step_key), 0) + 1
        best = self.ctx.progress.best_lab_runs(self.actor, self.actor.user_id)
        self.labs.setRowCount(len(best))
        for row, ((course_id, key), run) in enumerate(sorted(best.items())):
            course = courses.get(course_id)
            step = course.step(key) if course else None
            when = as_utc(run.created_at)
            lab = getattr(step, "lab", None)
            first = [o.metric for o in lab.objectives] if lab is not None else []
            results = self._metrics_text(run.metrics, first)
            if when:
                results = _("{results} ({date})").format(results=results, date=format_date(when, "medium"))
            cells = [_item(content_text(step.title) if step else key),
                     _item(content_text(course.title) if course else course_id),
                     _item(format_percent(run.score), align_right=True),
                     _item(_("Passed") if run.passed else _("Not passed")),
                     _item(str(counts.get((course_id, key), 0)), align_right=True),
                     _item(results)]
            cells[0].setToolTip(cells[0].text())
            cells[5].setToolTip("\n".join(self._metric_lines(run.metrics, first)))
            for col, item in enumerate(cells):
                self.labs.setItem(row, col, item)
        self.labs.setVisible(bool(best))
        self.labs_empty.setVisible(not best)
        self._fit_lab_columns()

    def _fit_lab_columns(self) -> None:
        """Lab and course names at their width, but together at most 60 % of the table."""
        room = max(400, self.tabs.width() - 40)   # the table's own width is stale while its tab is hidden
        for col, share in ((0, 0.35), (1, 0.25)):
            self.labs.resizeColumnToContents(col)
            self.labs.setColumnWidth(col, min(self.labs.columnWidth(col), int(room * share)))

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit_lab_columns()

    @staticmethod
    def _metric_lines(metrics: dict, first: list[str]) -> list[str]:
        """Each metric in words with its unit ("Cycle time: 4.93 s"), the lab's objectives first."""
        numbers = {k: v for k, v in (metrics or {}).items()
                   if isinstance(v, int | float) and not isinstance(v, bool)}
        order = [k for k in first if k in numbers] + [k for k in numbers if k not in first]
        return [_("{metric}: {value}").format(metric=metric_label(k), value=format_metric(k, numbers[k]))
                for k in order]

    @classmethod
    def _metrics_text(cls, metrics: dict, first: list[str], limit: int = 3) -> str:
        return _(", ").join(cls._metric_lines(metrics, first)[:limit])

    def _fill_certificates(self, courses: dict) -> None:
        try:
            certs = self.ctx.certificates.list_for_user(self.actor, self.actor.user_id)
        except Exception:
            log.exception("listing certificates failed")
            certs = []
        certs.sort(key=lambda c: c.issued_on, reverse=True)
        self._certificates = certs
        labels = {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}
        self.certs.setRowCount(len(certs))
        for row, cert in enumerate(certs):
            course = courses.get(cert.course_id)
            cells = [_item(content_text(course.title) if course else cert.course_title(), row),
                     _item(cert.number), _item(format_date(cert.issued_on, "medium")),
                     _item(format_date(cert.expires_on, "medium") if cert.expires_on else _("No expiry")),
                     _item(labels.get(cert.status(), cert.status()))]
            for col, item in enumerate(cells):
                self.certs.setItem(row, col, item)
        self.certs.setVisible(bool(certs))
        self.certs_empty.setVisible(not certs)
        self.cert_actions.setVisible(bool(certs))  # no buttons floating over an empty tab (review #30)
        if certs and self.certs.currentRow() < 0:
            self.certs.setCurrentCell(0, 0)
        self._cert_buttons()

    # --- actions -----------------------------------------------------------------------------

    def _open_course(self, item) -> None:
        if item is None:
            return
        course_id = self.table.item(item.row(), 0).data(Qt.ItemDataRole.UserRole)
        self.open_requested.emit("catalog", course_id)

    def selected_certificate(self):
        row = self.certs.currentRow()
        return self._certificates[row] if 0 <= row < len(self._certificates) else None

    def _selected_pdf(self) -> Path | None:
        cert = self.selected_certificate()
        return self.ctx.certificates.pdf_path(cert) if cert is not None else None

    def _cert_buttons(self) -> None:
        cert = self.selected_certificate()
        self.cert_actions.setEnabled(cert is not None)
        self.cert_note.setText(_("Open shows the PDF in your PDF viewer; Print… sends it to a printer.")
                               if cert is not None else "")

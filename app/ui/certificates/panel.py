"""Instructor workspace, certificates tab: list, issue (one or a whole class), renew, revoke, open, save, print,
verify."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QProgressDialog,
    QPushButton,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_date, format_percent, ngettext
from app.services.auth import PermissionDenied, Role, ServiceError
from app.services.certificates import BatchResult, RulesNotMet
from app.ui.certificates.actions import CertificateActions, preview_and_print, print_pdfs
from app.ui.certificates.verifier_page import export_verifier_page
from app.ui.common import messages
from app.ui.common.background import run_in_background
from app.ui.common.content import content_text
from app.ui.common.dialogs import add_form_footer, ok_cancel
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.status_line import StatusLine
from app.ui.common.table_model import Selection, list_table

log = logging.getLogger(__name__)

COLUMNS = 8


class IssueDialog(QDialog):
    """Choose a trainee and a course for a manual issue."""

    def __init__(self, trainees: list[tuple[str, str]], courses, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(_("Issue a certificate"))
        form = QFormLayout(self)
        self.trainee = QComboBox(objectName="issueTrainee")
        for login, name in trainees:
            self.trainee.addItem(f"{name} ({login})", login)
        self.course = QComboBox(objectName="issueCourse")
        for c in courses:
            self.course.addItem(content_text(c.title), c.id)
        note = QLabel(_("The certificate is issued only if the trainee meets the course's passing rules; "
                        "otherwise you are asked whether to override them."), wordWrap=True)
        form.addRow(_("Trainee:"), self.trainee)
        form.addRow(_("Course:"), self.course)
        form.addRow(note)
        form.addRow(ok_cancel(self, _("Issue")))


class OverrideDialog(QDialog):
    """The basis (printed on the certificate) and the reason (for the audit log) of an override.

    An empty reason is said inside the dialog, which stays open: the flow never ends on a slip.
    """

    def __init__(self, problem: str, parent: QWidget | None = None) -> None:
        from app.certificates.verify import OVERRIDE_REASON_LABELS

        super().__init__(parent)
        self.setObjectName("overrideDialog")
        self.setWindowTitle(_("Override"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        intro = QLabel(_("{problem}\n\nThe certificate will say that the training center awarded it, with the "
                         "basis you choose. The override and its reason are recorded in the audit log.").format(
            problem=problem), wordWrap=True)
        form.addRow(intro)
        self.basis = QComboBox(objectName="overrideBasis")
        for key, label in OVERRIDE_REASON_LABELS.items():
            self.basis.addItem(_(label), key)
        self.reason = QLineEdit(objectName="overrideReason")
        self.reason.setPlaceholderText(_("e.g. assessed at the workshop on 3 May by Li Wei"))
        form.addRow(_("Basis (printed):"), self.basis)
        form.addRow(_("Reason (audit log):"), self.reason)
        self.error, self.ok_btn = add_form_footer(self, form, _("Issue with override"))
        self.reason.setFocus()

    def accept(self) -> None:
        if not self.reason.text().strip():
            self.error.setText(_("Write the reason for the override: it goes into the audit log."))
            self.reason.setFocus()
            return
        super().accept()


class CertificatesPanel(QWidget):
    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.service = ctx.certificates
        self.rows: list = []
        self.shown: list = []
        self.batch_task = None
        self.batch_result: BatchResult | None = None
        self.progress_dialog: QProgressDialog | None = None
        self._verify = None

        lay = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.cohort_label = QLabel()
        self.cohort = QComboBox(objectName="certCohort")
        self.course_label = QLabel()
        self.course = QComboBox(objectName="certCourse")
        self.search = QLineEdit(objectName="certSearch")
        self.search.setClearButtonEnabled(True)
        self.cohort_label.setBuddy(self.cohort)
        self.course_label.setBuddy(self.course)
        for w in (self.cohort_label, self.cohort, self.course_label, self.course):
            filters.addWidget(w)
        filters.addWidget(self.search, 1)
        lay.addLayout(filters)

        self.table = list_table(COLUMNS, "certificateList", stretch=3, selection=Selection.ExtendedSelection,
                                wrap=False)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemActivated.connect(lambda *_: self.actions.open())
        lay.addWidget(self.table, 1)
        self.empty = QLabel(objectName="emptyLabel", wordWrap=True, alignment=Qt.AlignmentFlag.AlignCenter)
        lay.addWidget(self.empty)

        bar = QHBoxLayout()
        self.issue_btn = QPushButton(objectName="certIssue")
        self.batch_btn = QPushButton(objectName="certIssueClass")
        self.renew_btn = QPushButton(objectName="certRenew")
        self.revoke_btn = QPushButton(objectName="certRevoke")
        self.print_all_btn = QPushButton(objectName="certPrintAll")
        self.verify_btn = QPushButton(objectName="certVerify")
        self.verifier_page_btn = QPushButton(objectName="certVerifierPage")
        self.actions = CertificateActions(self.selected_pdfs, self)
        for b in (self.issue_btn, self.batch_btn, self.renew_btn, self.revoke_btn):
            b.setAutoDefault(False)
            bar.addWidget(b)
        bar.addStretch(1)
        bar.addWidget(self.actions)
        bar.addWidget(self.print_all_btn)
        bar.addWidget(self.verify_btn)
        bar.addWidget(self.verifier_page_btn)
        lay.addLayout(bar)
        self.status = StatusLine(objectName="certStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)

        self.issue_btn.clicked.connect(self._issue_clicked)
        self.batch_btn.clicked.connect(self._batch_clicked)
        self.renew_btn.clicked.connect(self._renew_clicked)
        self.revoke_btn.clicked.connect(self._revoke_clicked)
        self.print_all_btn.clicked.connect(self.print_listed)
        self.verify_btn.clicked.connect(self.open_verify)
        self.verifier_page_btn.clicked.connect(lambda: export_verifier_page(self, self.service, self.actor,
                                                                            self.status))
        self.cohort.currentIndexChanged.connect(lambda _i: self.refresh())
        self.course.currentIndexChanged.connect(lambda _i: self.refresh())
        self.search.textChanged.connect(lambda _t: self._fill())
        on_language_changed(self, self.retranslate)

    # --- texts ---------------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.cohort_label.setText(_("&Class:"))
        self.course_label.setText(_("C&ourse:"))
        self.search.setPlaceholderText(_("Search by number, name or login"))
        self.table.setHorizontalHeaderLabels([_("Number"), _("Learner"), _("Login"), _("Course"), _("Issued"),
                                              _("Valid until"), _("Score"), _("Status")])
        self.issue_btn.setText(_("Issue…"))
        self.issue_btn.setToolTip(_("Issue a certificate to one trainee"))
        self.batch_btn.setText(_("Issue to class…"))
        self.renew_btn.setText(_("Renew…"))
        self.renew_btn.setToolTip(_("Issue a renewal of the selected certificate: a new number, linked to the old "
                                    "one, valid from today"))
        self.revoke_btn.setText(_("Revoke…"))
        self.print_all_btn.setText(_("Print all listed…"))
        self.verify_btn.setText(_("Verify…"))
        self.verifier_page_btn.setText(_("Export verification page…"))
        self.verifier_page_btn.setToolTip(_("Write one web page that checks this center's certificates in any "
                                            "browser, offline, for employers"))
        self.empty.setText(_("No certificates match. Certificates are issued automatically when a trainee meets a "
                             "course's passing rules, or here with Issue…."))
        self._fill_filters()
        self.refresh()

    def _courses(self) -> list:
        try:
            return [c for c in self.ctx.library.courses() if c.certificate is not None]
        except Exception:
            log.exception("loading the course library failed")
            return []

    def _fill_filters(self) -> None:
        cohort_id, course_id = self.cohort.currentData(), self.course.currentData()
        for combo in (self.cohort, self.course):
            combo.blockSignals(True)
            combo.clear()
        self.cohort.addItem(_("All trainees"), None)
        try:
            for info in self.ctx.cohorts.list(self.actor):
                self.cohort.addItem(info.name, info.cohort_id)
        except PermissionDenied:
            pass
        self.course.addItem(_("All courses"), None)
        for c in self._courses():
            self.course.addItem(content_text(c.title), c.id)
        for combo, value in ((self.cohort, cohort_id), (self.course, course_id)):
            i = combo.findData(value)
            combo.setCurrentIndex(max(0, i))
            combo.blockSignals(False)

    # --- data ------------------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read the list again (after an issue, a revocation, or another tab changed things)."""
        if self.cohort.count() == 0:
            return
        self.rows = self.service.list_all(self.actor, cohort_id=self.cohort.currentData(),
                                          course_id=self.course.currentData())
        self._fill()

    def reload_filters(self) -> None:
        self._fill_filters()
        self.refresh()

    def _visible_rows(self) -> list:
        needle = self.search.text().strip().lower()
        if not needle:
            return list(self.rows)
        return [r for r in self.rows if needle in r.number.lower() or needle in r.learner_name.lower()
                or needle in r.login.lower()]

    def _fill(self) -> None:
        titles = {c.id: content_text(c.title) for c in self._courses()}
        shown = self._visible_rows()
        self.shown = shown
        self.table.setRowCount(len(shown))
        for row, c in enumerate(shown):
            status = c.status()
            cells = [c.number, c.learner_name, c.login, titles.get(c.course_id, c.course_title()),
                     format_date(c.issued_on, "medium"),
                     format_date(c.expires_on, "medium") if c.expires_on else _("No expiry"),
                     format_percent(c.score / 100, 0 if float(c.score).is_integer() else 1)
                     if c.score is not None else _("Pass"),
                     {"valid": _("Valid"), "expired": _("Expired"), "revoked": _("Revoked")}[status]]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, c.number)
                if col == 7 and status == "revoked":
                    item.setToolTip(_("Reason: {reason}").format(reason=c.revoked_reason))
                self.table.setItem(row, col, item)
        self.table.setVisible(bool(shown))
        self.empty.setVisible(not shown)
        self._update_buttons()

    def selected(self) -> list:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [self.shown[r] for r in rows if 0 <= r < len(self.shown)]

    def selected_pdfs(self) -> list[Path]:
        return [self.service.pdf_path(c) for c in self.selected()]

    def _update_buttons(self) -> None:
        chosen = self.selected()
        self.actions.setEnabled(bool(chosen))
        self.revoke_btn.setEnabled(len(chosen) == 1 and chosen[0].revoked_at is None)
        self.renew_btn.setEnabled(len(chosen) == 1 and chosen[0].revoked_at is None
                                  and chosen[0].expires_on is not None)
        ready = self.cohort.currentData() is not None and self.course.currentData() is not None
        self.batch_btn.setEnabled(ready and self.batch_task is None)
        self.batch_btn.setToolTip(_("Issue the chosen course's certificate to every member of the chosen class "
                                    "who meets its passing rules") if ready else _("Choose a class and a course first"))
        self.print_all_btn.setEnabled(any(c.is_current() for c in self.shown))

    # --- one certificate -------------------------------------------------------------------------------

    def _trainees(self) -> list[tuple[str, str]]:
        cohort_id = self.cohort.currentData()
        if cohort_id:
            return [(login, name) for _uid, login, name in self.ctx.cohorts.members(self.actor, cohort_id)]
        return [(u.login, u.display_name) for u in self.ctx.accounts.list_users(self.actor, Role.TRAINEE)
                if not u.disabled]

    def _issue_clicked(self) -> None:
        courses = self._courses()
        dlg = IssueDialog(self._trainees(), courses, self)
        i = dlg.course.findData(self.course.currentData())
        if i >= 0:
            dlg.course.setCurrentIndex(i)
        if dlg.exec() != QDialog.DialogCode.Accepted or dlg.trainee.currentData() is None:
            return
        course = next(c for c in courses if c.id == dlg.course.currentData())
        self.issue_for(dlg.trainee.currentData(), course)

    def issue_for(self, login: str, course):
        """Issue by hand; when the rules are not met, ask whether to override (with a reason)."""
        try:
            info = self.service.issue(self.actor, login, course)
        except RulesNotMet as exc:
            if not messages.ask(
                    self, _("Passing rules not met"),
                    _("{problem}\n\nIssue the certificate anyway? The override is recorded in the audit log.").format(
                        problem=exc), destructive=True):
                return None
            dlg = OverrideDialog(str(exc), self)
            self.override_dialog = dlg
            if dlg.exec() != QDialog.DialogCode.Accepted:
                self.status.say(lambda: _("Not issued."))
                return None
            try:
                info = self.service.issue(self.actor, login, course, override=True, reason=dlg.reason.text().strip(),
                                          reason_category=dlg.basis.currentData())
            except ServiceError as exc2:
                messages.warn(self, _("Issue a certificate"), str(exc2))
                return None
        except ServiceError as exc:
            messages.warn(self, _("Issue a certificate"), str(exc))
            return None
        self.status.say(lambda: _("Issued certificate {number} to {name}.").format(number=info.number,
                                                                                 name=info.learner_name))
        self.refresh()
        self._select(info.number)
        return info

    def _select(self, number: str) -> None:
        for row, c in enumerate(self.shown):
            if c.number == number:
                self.table.selectRow(row)
                return

    def _renew_clicked(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        c = chosen[0]
        if messages.ask(self, _("Renew certificate"),
                        _("Renew certificate {number} of {name}?\nA new certificate, linked to this one, is issued "
                          "and valid from today; this one stays valid until its own expiry.").format(
                              number=c.number, name=c.learner_name), yes_label=_("Renew")):
            self.renew(c.number)

    def renew(self, number: str):
        """Renew as staff (the service decides whether the certificate may be renewed now)."""
        try:
            info = self.ctx.recertification.renew(self.actor, number)
        except ServiceError as exc:
            messages.warn(self, _("Renew certificate"), str(exc))
            return None
        self.status.say(lambda: _("Certificate {old} is renewed as {number}.").format(old=number,
                                                                                   number=info.number))
        self.refresh()
        self._select(info.number)
        return info

    def _revoke_clicked(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        c = chosen[0]
        reason, ok = QInputDialog.getText(
            self, _("Revoke certificate"),
            _("Revoke certificate {number} of {name}?\nVerification at this center will report it as revoked.\n\n"
              "Reason:").format(number=c.number, name=c.learner_name))
        if ok:
            self.revoke(c.number, reason)

    def revoke(self, number: str, reason: str) -> bool:
        try:
            info = self.service.revoke(self.actor, number, reason)
        except ServiceError as exc:
            messages.warn(self, _("Revoke certificate"), str(exc))
            return False
        self.status.say(lambda: _("Certificate {number} is revoked.").format(number=info.number))
        self.refresh()
        return True

    # --- a whole class -----------------------------------------------------------------------------------

    def _batch_clicked(self) -> None:
        cohort_id, course_id = self.cohort.currentData(), self.course.currentData()
        course = next((c for c in self._courses() if c.id == course_id), None)
        if cohort_id is None or course is None:
            return
        if messages.ask(
                self, _("Issue to class"),
                _("Issue “{course}” certificates to every member of {cohort} who meets the passing rules?").format(
                    course=content_text(course.title), cohort=self.cohort.currentText())):
            self.start_batch(cohort_id, course)

    def start_batch(self, cohort_id: str, course):
        """Issue off the UI thread with a progress dialog; Cancel stops between certificates."""
        from app.i18n import current_locale

        dlg = QProgressDialog(_("Issuing certificates…"), _("Cancel"), 0, 0, self)
        dlg.setObjectName("batchProgress")
        dlg.setWindowTitle(_("Issue to class"))
        dlg.setWindowModality(Qt.WindowModality.WindowModal)
        dlg.setAutoClose(False)
        dlg.setAutoReset(False)
        dlg.setMinimumDuration(0)
        self.progress_dialog = dlg
        self.batch_result = None
        actor, service, locale = self.actor, self.service, current_locale()

        def work(report, is_cancelled):
            return service.issue_batch(actor, cohort_id, course, report, is_cancelled, locale=locale)

        def step(done: int, total: int) -> None:
            dlg.setMaximum(total)
            dlg.setValue(done)
            dlg.setLabelText(_("Issuing certificates… {done} of {total} trainees checked").format(
                done=done, total=total))

        self.batch_task = run_in_background(work, self._batch_done, self._batch_failed, step)
        dlg.canceled.connect(self._cancel_batch)
        dlg.show()
        self._update_buttons()
        return self.batch_task

    def _cancel_batch(self) -> None:
        if self.batch_task is not None:
            self.batch_task.cancelled = True
            self.status.say(lambda: _("Cancelling after the current certificate…"))

    def _close_progress(self) -> None:
        if self.progress_dialog is not None:
            self.progress_dialog.close()
            self.progress_dialog.deleteLater()
            self.progress_dialog = None
        self.batch_task = None

    def _batch_done(self, result: BatchResult) -> None:
        self._close_progress()
        self.batch_result = result
        lines = [lambda: ngettext("{n} certificate issued.", "{n} certificates issued.", len(result.issued))
                 .format(n=len(result.issued))]
        if result.cancelled:
            lines.append(lambda: _("Cancelled: the remaining trainees were not checked."))
        if result.skipped:
            lines.append(lambda: ngettext("{n} trainee skipped:", "{n} trainees skipped:", len(result.skipped))
                         .format(n=len(result.skipped)))
            lines += [lambda who=who, why=why: _("  {name}: {reason}").format(name=who, reason=why)
                      for who, why in result.skipped]
        self.status.say_lines(lines)
        self.refresh()
        for info in result.issued:
            self._select_add(info.number)

    def _select_add(self, number: str) -> None:
        from PySide6.QtCore import QItemSelectionModel

        for row, c in enumerate(self.shown):
            if c.number == number:
                index = self.table.model().index(row, 0)
                self.table.selectionModel().select(
                    index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)

    def _batch_failed(self, exc: Exception) -> None:
        self._close_progress()
        messages.warn(self, _("Issue to class"), _("Issuing stopped: {error}").format(error=exc))
        self.refresh()

    # --- print and verify ---------------------------------------------------------------------------------

    def listed_current(self) -> list:
        return [c for c in self.shown if c.is_current()]

    def print_listed(self, printer=None):
        """Print every valid certificate in the list (e.g. a class's, after a batch issue).

        Without a ``printer`` the pages are shown in a print preview first.
        """
        try:
            paths = [self.service.pdf_path(c) for c in self.listed_current()]
        except ServiceError as exc:
            messages.warn(self, _("Print"), str(exc))
            return None
        if printer is None:
            return preview_and_print(self, paths)
        return print_pdfs(self, paths, printer)

    def open_verify(self) -> None:
        from app.ui.certificates.verify_dialog import VerifyDialog

        if self._verify is None:
            self._verify = VerifyDialog(self.service, self)
        self._verify.show()
        self._verify.raise_()

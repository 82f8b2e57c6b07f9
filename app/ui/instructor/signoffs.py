"""Instructor workspace, sign-offs tab: tick a trainee's practical checklist and sign it off."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _
from app.services.auth import ServiceError
from app.ui.common import messages
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed

log = logging.getLogger(__name__)


class SignOffPanel(QWidget):
    def __init__(self, ctx, actor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.actor = actor
        self.pending = []
        lay = QVBoxLayout(self)
        bar = QHBoxLayout()
        self.cohort_label = QLabel()
        self.cohort = QComboBox(objectName="signoffCohort")
        self.cohort.currentIndexChanged.connect(lambda _i: self.refresh())
        bar.addWidget(self.cohort_label)
        bar.addWidget(self.cohort)
        bar.addStretch(1)
        lay.addLayout(bar)
        split = QSplitter()
        self.list = QListWidget(objectName="pendingList")
        self.list.currentRowChanged.connect(self._show)
        split.addWidget(self.list)
        self.box = QGroupBox()
        self.box_lay = QVBoxLayout(self.box)
        self.instructions = QLabel(wordWrap=True, objectName="practicalInstructions")
        self.instructions.setTextFormat(Qt.TextFormat.PlainText)
        self.box_lay.addWidget(self.instructions)
        self.items_host = QVBoxLayout()
        self.box_lay.addLayout(self.items_host)
        self.comment = QLineEdit(objectName="signoffComment")
        self.box_lay.addWidget(self.comment)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.fail_btn = QPushButton(objectName="recordNotPassed")
        self.fail_btn.clicked.connect(lambda: self._sign(passed=False))
        self.sign_btn = QPushButton(objectName="signOff")
        self.sign_btn.clicked.connect(lambda: self._sign(passed=True))
        buttons.addWidget(self.fail_btn)
        buttons.addWidget(self.sign_btn)
        self.box_lay.addLayout(buttons)
        self.box_lay.addStretch(1)
        split.addWidget(self.box)
        split.setSizes([360, 600])
        lay.addWidget(split, 1)
        self.status = QLabel(objectName="statusLabel", wordWrap=True)
        lay.addWidget(self.status)
        self.checks: list[tuple[str, QCheckBox]] = []
        on_language_changed(self, self.retranslate)

    def retranslate(self) -> None:
        self.cohort_label.setText(_("Class:"))
        self.comment.setPlaceholderText(_("Comment (optional)"))
        self.sign_btn.setText(_("Sign off as passed"))
        self.fail_btn.setText(_("Record as not passed"))
        self.box.setTitle(_("Checklist"))
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
        idx = self.cohort.findData(chosen)
        self.cohort.setCurrentIndex(max(0, idx))
        self.cohort.blockSignals(False)
        self.courses = self._courses()
        self.pending = self.ctx.practicals.pending(self.actor, self.courses.values(), self.cohort.currentData())
        self.list.clear()
        for p in self.pending:
            course = self.courses[p.course_id]
            step = course.step(p.step_key)
            self.list.addItem(f"{p.display_name} ({p.login}) — {content_text(step.title)}")
        if not self.pending:
            self.list.addItem(_("No practical is waiting for sign-off."))
        self._show(self.list.currentRow())

    def _show(self, row: int) -> None:
        for _id, cb in self.checks:
            cb.setParent(None)
            cb.deleteLater()
        self.checks = []
        valid = 0 <= row < len(self.pending)
        self.box.setEnabled(valid)
        if not valid:
            self.instructions.setText(_("Choose a trainee's practical on the left."))
            return
        p = self.pending[row]
        step = self.courses[p.course_id].step(p.step_key)
        self.instructions.setText(content_text(step.practical.instructions))
        for item in step.practical.checklist:
            cb = QCheckBox(content_text(item.text))
            cb.setObjectName(f"check-{item.id}")
            cb.toggled.connect(self._update_buttons)
            self.items_host.addWidget(cb)
            self.checks.append((item.id, cb))
        self._update_buttons()

    def _update_buttons(self) -> None:
        # A pass needs every item ticked; anything less can only be recorded as not passed.
        self.sign_btn.setEnabled(bool(self.checks) and all(cb.isChecked() for _id, cb in self.checks))

    def _sign(self, passed: bool) -> None:
        row = self.list.currentRow()
        if not 0 <= row < len(self.pending):
            return
        p = self.pending[row]
        checklist = {item_id: cb.isChecked() for item_id, cb in self.checks}
        if passed != all(checklist.values()):
            return
        try:
            self.ctx.progress.sign_off(self.actor, p.user_id, p.course_id, p.step_key, checklist, self.comment.text())
        except (ServiceError, PermissionError) as exc:
            messages.warn(self, _("Sign off"), str(exc))
            return
        message = _("Signed off for {name}.") if passed else _("Recorded as not passed for {name}.")
        lines = [message.format(name=p.display_name)]
        if passed:
            # The sign-off may be the last requirement: issue the certificate now, not when
            # the trainee next opens the course.
            try:
                cert = self.ctx.certificates.check_and_issue(self.actor, p.user_id, self.courses[p.course_id])
            except Exception:
                log.exception("automatic certificate after sign-off failed")
                cert = None
            if cert is not None:
                lines.append(_("Certificate {number} issued.").format(number=cert.number))
        self.status.setText("\n".join(lines))
        self.comment.clear()
        self.refresh()

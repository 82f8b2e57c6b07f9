"""One trainee's full record, read-only: progress per step, every attempt, lab runs and sign-offs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTabWidget, QVBoxLayout, QWidget

from app.i18n import _, format_decimal
from app.services.dashboard_queries import AttemptEntry, LabRunEntry, TraineeRecord
from app.services.progress import StepRecord, StepStatus
from app.ui.common.background import run_in_background
from app.ui.common.content import content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.table_model import Column, RowsModel, make_view
from app.ui.instructor.dashboard.tabs import DASH, day_text, duration_text, joined, local_day, pct
from app.ui.instructor.dates import when
from app.ui.labs.panels import format_metric, metric_label
from app.ui.trainee.course_view import kind_label, status_text


@dataclass(frozen=True)
class StepLine:
    course_id: str
    step_key: str
    kind: str
    record: StepRecord


def when_text(entry: Any) -> str:
    return when(entry.when)


class TraineeRecordDialog(QDialog):
    """Loads the record in the background; ``record`` is set once it is shown."""

    def __init__(self, ctx, actor, user_id: str, courses: Mapping[str, Any], parent: QWidget | None = None) -> None:
        from app.services.auth import require_staff

        require_staff(actor)
        super().__init__(parent)
        self.setObjectName("traineeRecord")
        self.ctx, self.actor, self.user_id, self.courses = ctx, actor, user_id, dict(courses)
        self.record: TraineeRecord | None = None
        self.error: str | None = None
        self.resize(980, 600)
        lay = QVBoxLayout(self)
        self.heading = QLabel(objectName="pageTitle")
        self.facts = QLabel(objectName="subtitle", wordWrap=True)
        self.facts.setTextFormat(Qt.TextFormat.PlainText)
        lay.addWidget(self.heading)
        lay.addWidget(self.facts)
        self.tabs = QTabWidget(objectName="recordTabs")
        lay.addWidget(self.tabs, 1)
        self.steps = RowsModel([
            Column(lambda: _("Course"), lambda r: self._course_title(r.course_id)),
            Column(lambda: _("Step"), lambda r: self._step_title(r.course_id, r.step_key), stretch=True),
            Column(lambda: _("Kind"), lambda r: kind_label(r.kind)),
            Column(lambda: _("Status"), lambda r: status_text(r.record.status, r.kind)),
            Column(lambda: _("Attempts"), lambda r: format_decimal(r.record.attempts, 0), numeric=True),
            Column(lambda: _("Best score"), lambda r: pct(r.record.best_score), numeric=True),
            Column(lambda: _("Time on task"), lambda r: duration_text(r.record.time_s), numeric=True),
        ], tone=lambda r: "bad" if r.record.status is StepStatus.FAILED else None, parent=self)
        self.attempts = RowsModel([
            Column(lambda: _("Date"), when_text),
            Column(lambda: _("Course"), lambda r: self._course_title(r.course_id)),
            Column(lambda: _("Step"), lambda r: self._step_title(r.course_id, r.step_key), stretch=True),
            Column(lambda: _("Kind"), lambda r: kind_label(r.kind)),
            Column(lambda: _("Score"), lambda r: pct(r.score), numeric=True),
            Column(lambda: _("Result"), self._result),
            Column(lambda: _("Duration"), lambda r: duration_text(r.duration_s), numeric=True),
        ], parent=self)
        self.runs = RowsModel([
            Column(lambda: _("Date"), when_text),
            Column(lambda: _("Step"), lambda r: self._step_title(r.course_id, r.step_key)),
            Column(lambda: _("Settings"), self._parameters, tooltip=self._parameters),
            Column(lambda: _("Results"), self._metrics, stretch=True, tooltip=self._all_metrics),
            Column(lambda: _("Score"), lambda r: pct(r.score), numeric=True),
            Column(lambda: _("Result"), lambda r: _("Passed") if r.passed else _("Not passed")),
        ], parent=self)
        self.signoffs = RowsModel([
            Column(lambda: _("Date"), when_text),
            Column(lambda: _("Step"), lambda r: self._step_title(r.course_id, r.step_key)),
            Column(lambda: _("Result"), lambda r: _("Passed") if r.passed else _("Not passed")),
            Column(lambda: _("Instructor"), lambda r: r.instructor),
            Column(lambda: _("Comment"), lambda r: r.comment, stretch=True),
        ], parent=self)
        self.views = {}
        for name, model in (("recordSteps", self.steps), ("recordAttempts", self.attempts),
                            ("recordLabRuns", self.runs), ("recordSignoffs", self.signoffs)):
            self.views[name] = make_view(model, name)
            self.tabs.addTab(self.views[name], "")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay.addWidget(buttons)
        on_language_changed(self, self.retranslate)
        self.load()

    def load(self) -> None:
        dashboards, actor, user_id, courses = self.ctx.dashboards, self.actor, self.user_id, self.courses

        def done(rec: TraineeRecord) -> None:
            if shiboken6.isValid(self):
                self.show_record(rec)

        def failed(exc: Exception) -> None:
            if shiboken6.isValid(self):
                self.error = str(exc)
                self.facts.setText(_("The record could not be read: {error}").format(error=exc))

        run_in_background(lambda: dashboards.trainee_record(actor, user_id, courses), done, failed)

    def show_record(self, rec: TraineeRecord) -> None:
        self.record = rec
        lines = []
        for entry in rec.courses:
            course = self.courses.get(entry.course_id)
            for _m, step in course.iter_steps():
                lines.append(StepLine(entry.course_id, step.key, step.kind, entry.progress.steps[step.key]))
        self.steps.set_rows(lines)
        self.attempts.set_rows(rec.attempts)
        self.runs.set_rows(rec.lab_runs)
        self.signoffs.set_rows(rec.signoffs)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Trainee record"))
        for i, text in enumerate((_("Progress"), _("Attempts"), _("Lab runs"), _("Sign-offs"))):
            self.tabs.setTabText(i, text)
        for model in (self.steps, self.attempts, self.runs, self.signoffs):
            model.retranslate()
        rec = self.record
        if rec is None:
            self.heading.setText(_("Trainee record"))
            if self.error is None:
                self.facts.setText(_("Loading…"))
            return
        self.heading.setText(_("{name} ({login})").format(name=rec.display_name, login=rec.login))
        parts = [_("Classes: {names}").format(names=", ".join(rec.cohorts) if rec.cohorts else DASH)]
        for entry in rec.courses:
            p = entry.progress
            text = _("{course}: {passed} of {total} steps ({share})").format(
                course=self._course_title(entry.course_id), passed=p.passed_steps, total=p.total_steps,
                share=pct(p.fraction))
            if entry.completed_at is not None:
                text = _("{progress}, completed {date}").format(progress=text,
                                                               date=day_text(local_day(entry.completed_at)))
            elif entry.due_date is not None and not p.complete:
                text = _("{progress}, due {date}").format(progress=text, date=day_text(entry.due_date))
            parts.append(text)
        self.facts.setText("\n".join(parts))

    # --- cell texts -----------------------------------------------------------------------------

    def _course_title(self, course_id: str) -> str:
        course = self.courses.get(course_id)
        return content_text(course.title) if course is not None else course_id

    def _step_title(self, course_id: str, key: str) -> str:
        course = self.courses.get(course_id)
        step = course.step(key) if course is not None else None
        return content_text(step.title) if step is not None else key

    @staticmethod
    def _result(entry: AttemptEntry) -> str:
        if entry.passed is None:
            return DASH
        if entry.kind == "lesson":
            return _("Read")
        return _("Passed") if entry.passed else _("Not passed")

    def _lab(self, run: LabRunEntry):
        course = self.courses.get(run.course_id)
        step = course.step(run.step_key) if course is not None else None
        return step.lab if step is not None else None

    def _parameters(self, run: LabRunEntry) -> str:
        lab = self._lab(run)
        parts = []
        for key, value in run.parameters.items():
            control = lab.control(key) if lab is not None else None
            label = content_text(control.label) if control is not None else key
            shown = format_decimal(value, 0 if float(value).is_integer() else 2) \
                if isinstance(value, int | float) and not isinstance(value, bool) else str(value)
            parts.append(_("{setting}: {value}").format(setting=label, value=shown))
        return joined(parts) or DASH

    def _metrics(self, run: LabRunEntry) -> str:
        """The objectives' metrics (all of them in the tooltip)."""
        lab = self._lab(run)
        names = [o.metric for o in lab.objectives] if lab is not None else list(run.metrics)
        return self._metric_text(run, names)

    def _all_metrics(self, run: LabRunEntry) -> str:
        return "\n".join(self._metric_text(run, [n]) for n in sorted(run.metrics)
                         if isinstance(run.metrics[n], int | float) and not isinstance(run.metrics[n], bool))

    @staticmethod
    def _metric_text(run: LabRunEntry, names: list[str]) -> str:
        parts = []
        for name in names:
            value = run.metrics.get(name)
            if isinstance(value, int | float) and not isinstance(value, bool):
                parts.append(_("{metric}: {value}").format(metric=metric_label(name), value=format_metric(name, value)))
        return joined(parts) or DASH


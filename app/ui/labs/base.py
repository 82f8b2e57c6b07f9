"""Lab steps: what every lab view shares, and the registration with the step-view registry.

A lab view shows the task, the controls from ``lab.yaml`` within their bounds, the
objectives (green or red, with ✓/✗ in words), hints on demand and Submit. Submit
grades the trainee's settings headlessly with the lab's grading seed and
replications (``app.courses.grading.run_and_grade_lab``) in the background, so the
grade never depends on how fast the preview ran, and records the run.
``line``/``maintenance`` labs open ``app.ui.labs.sim_lab.SimLabView``, ``robot_cell``
labs ``app.ui.labs.robot_lab.RobotLabView``.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QScrollArea,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app import i18n
from app.courses import models as m
from app.courses.grading import LabConfigError, LabGrade, check_control_value
from app.courses.render import render_body
from app.courses.sim_messages import diagnostics_of
from app.i18n import _, format_percent, ngettext
from app.services.errors import WRITE_ERRORS
from app.services.grading import GradingError
from app.ui.common.background import run_in_background
from app.ui.common.content import as_dict, content_text
from app.ui.common.qt_i18n import on_language_changed
from app.ui.common.step_base import StepView
from app.ui.labs.panels import ControlsForm, ObjectivesPanel, restore_values
from app.ui.labs.parts import lab_button, two_panes
from app.ui.labs.problem_list import Problem, ProblemList, problems_of

log = logging.getLogger(__name__)

SAVE_DELAY_MS = 800
# The task in a compact style (the lesson style is made for long reading).
TASK_HTML = ('<html><head><meta charset="utf-8"><style type="text/css">'
             "p, li {{ line-height: 120%; }} h1, h2, h3 {{ font-size: 11pt; }} "
             "code {{ background-color: #f0f0f0; font-family: monospace; }}"
             "</style></head><body>{body}</body></html>")


# --- the base view ----------------------------------------------------------------------------


class LabViewBase(StepView):
    """Task, controls, objectives, hints, Submit and drafts; subclasses add the simulation and plots.

    Subclasses call ``_build_common()`` first, lay out ``self.task``, ``self.side`` (a scroll area with
    the controls, ``self.run_bar`` slot, status, objectives, hints and Submit) and their own panels,
    then ``_finish_init()``.
    """

    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        self.lab: m.Lab = step.lab
        self.hints_shown = 0
        self.last_grade: LabGrade | None = None
        self.last_metrics: dict[str, float] | None = None
        self.grading = False
        self._elapsed_s = 0.0
        self._shown_at: float | None = None
        self._save_timer = QTimer(self, singleShot=True, interval=SAVE_DELAY_MS)
        self._save_timer.timeout.connect(self.save_state)
        self._status_kind = ""
        draft = self._load_draft()
        # A draft is written once the trainee changed something (or one exists): merely looking
        # at a lab does not make it "in progress".
        self._has_draft = bool(draft)
        self._dirty = False
        self.values = restore_values(self.lab, draft.get("values"))
        self.hints_shown = min(int(draft.get("hints", 0) or 0), len(self.lab.hints))
        self._elapsed_s = float(draft.get("elapsed_s", 0.0) or 0.0)

    # --- building --------------------------------------------------------------------------

    def _build_common(self) -> None:
        root = QVBoxLayout(self)
        root.setContentsMargins(14, 10, 14, 8)
        root.setSpacing(6)
        head = QHBoxLayout()
        self.heading = QLabel(objectName="stepTitle", wordWrap=True)
        head.addWidget(self.heading, 1)
        self.preview_badge = QLabel(objectName="previewBadge")
        self.preview_badge.setStyleSheet("QLabel#previewBadge { background: #fff4d6; color: #7a5200; "
                                         "border: 1px solid #d9b24c; border-radius: 4px; padding: 2px 8px; }")
        head.addWidget(self.preview_badge, 0, Qt.AlignmentFlag.AlignTop)
        root.addLayout(head)
        self.root = root

        self.task = QTextBrowser(objectName="labTask")
        self.task.setOpenLinks(False)
        self.task.setStyleSheet("QTextBrowser#labTask { background: white; border: 1px solid #d5dde5; "
                                "border-radius: 6px; padding: 4px 8px; }")

        self.controls_title = QLabel(objectName="sectionTitle")
        self.form = ControlsForm(self.lab.controls)
        self.form.set_values(self.values)
        self.form.changed.connect(self._on_form_changed)
        self.status = QLabel(objectName="labStatus", wordWrap=True)
        self.status.setStyleSheet("QLabel#labStatus[kind=\"error\"] { color: #b42318; font-weight: bold; }"
                                  "QLabel#labStatus { color: #4a5a6a; }")
        self.objectives_title = QLabel(objectName="sectionTitle")
        self.objectives = ObjectivesPanel(self.lab.objectives)

        self.hint_btn = lab_button("hintButton", self.show_next_hint)
        self.hints_label = QLabel(objectName="labHints", wordWrap=True)
        self.hints_label.setTextFormat(Qt.TextFormat.RichText)
        self.hints_label.setStyleSheet("QLabel#labHints { background: #f6f8fa; border: 1px solid #d5dde5; "
                                       "border-radius: 6px; padding: 6px; }")

        self.submit_btn = lab_button("submitLab", self.submit, primary=True)
        self.grading_bar = QProgressBar(objectName="gradingBar")
        self.grading_bar.setRange(0, 0)
        self.grading_bar.setMaximumHeight(8)
        self.grading_bar.setTextVisible(False)
        self.grading_bar.hide()
        self.result_label = QLabel(objectName="resultLabel", wordWrap=True)
        self.result_label.hide()
        self.result_note = QLabel(objectName="subtitle", wordWrap=True)
        self.best_label = QLabel(objectName="subtitle", wordWrap=True)
        # Why a submission was not graded, right under Submit: where the trainee looks after clicking it.
        self.refusal = QLabel(objectName="submitRefusal", wordWrap=True)
        self.refusal.setStyleSheet("QLabel#submitRefusal { color: #b42318; font-weight: bold; }")
        self.refusal.hide()
        self.refusal_list = ProblemList("submitProblems", max_height=160)
        self.refusal_list.jump.connect(self.jump_to_problem)
        self._refusal: list[Problem] = []

    def _side_panel(self, parts: list[QWidget | str]) -> QScrollArea:
        """A scrolling column of ``parts``: widgets, or "controls", "status", "objectives", "hints",
        "submit" (Submit with the grading result and the best result so far)."""
        inner = QWidget(objectName="labSide")
        lay = QVBoxLayout(inner)
        lay.setContentsMargins(2, 0, 8, 4)
        lay.setSpacing(6)
        # The column in its scroll area (and its style set) before its parts: they change parents once.
        scroll = QScrollArea(objectName="labSideScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(inner)
        inner.setStyleSheet("QWidget#labSide { background: #f3f6f9; }")
        for part in parts:
            if part == "controls":
                if self.form.controls or self.form.extra:
                    lay.addWidget(self.controls_title)
                    lay.addWidget(self.form)
                else:
                    self.controls_title.hide()
            elif part == "status":
                lay.addWidget(self.status)
            elif part == "objectives":
                lay.addWidget(self.objectives_title)
                lay.addWidget(self.objectives)
            elif part == "hints":
                hint_row = QHBoxLayout()
                hint_row.addWidget(self.hint_btn)
                hint_row.addStretch(1)
                lay.addLayout(hint_row)
                lay.addWidget(self.hints_label)
            elif part == "hint_text":   # the button is elsewhere (``_footer(hint_button=True)``)
                lay.addWidget(self.hints_label)
            elif part == "submit":
                self._add_submit(lay)
            elif isinstance(part, QWidget):
                lay.addWidget(part)
        lay.addStretch(1)
        self.side_scroll = scroll
        return scroll

    def _add_submit(self, lay: QVBoxLayout, hint_button: bool = False) -> None:
        # Submit with the best result so far beside it (or the hint button), the grading outcome below.
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.submit_btn, 0, Qt.AlignmentFlag.AlignTop)
        if hint_button:
            row.addWidget(self.hint_btn, 0, Qt.AlignmentFlag.AlignTop)
            row.addStretch(1)
        else:
            row.addWidget(self.best_label, 1)
        lay.addLayout(row)
        lay.addWidget(self.grading_bar)
        lay.addWidget(self.refusal)
        lay.addWidget(self.refusal_list)
        lay.addWidget(self.result_label)
        lay.addWidget(self.result_note)
        if hint_button:
            lay.addWidget(self.best_label)

    def _footer(self, hint_button: bool = False) -> QWidget:
        """The status line, Submit and the result, fixed under the scrolling panel: Submit is always in
        view, and a status that grows by a line moves none of the settings above it (the panel keeps
        its scroll position; only its bottom edge moves). ``hint_button``: the hint button goes here
        too (the hints' text stays in the scrolling panel)."""
        box = QFrame(objectName="labFooter")
        box.setStyleSheet("QFrame#labFooter { border-top: 1px solid #d5dde5; }")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(2, 4, 8, 0)
        lay.setSpacing(4)
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.status)
        self._add_submit(lay, hint_button)
        self.best_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        self.result_label.setStyleSheet("QLabel#resultLabel { font-size: 13pt; }")
        self._hint_in_footer = hint_button
        return box

    def _place_side_by_side(self, left: QWidget, right: QWidget, stretch: tuple[int, int],
                            sizes: tuple[int, int], min_widths: tuple[int, int] | None = None) -> None:
        """The lab's two columns (settings | views) in one splitter that never collapses a side."""
        if min_widths is not None:
            left.setMinimumWidth(min_widths[0])
            right.setMinimumWidth(min_widths[1])
        self.split = two_panes(Qt.Orientation.Horizontal, "labSplit", left, right, stretch, sizes,
                               place=lambda split: self.root.addWidget(split, 1))

    def _views_column(self, parts: list[QWidget | QLayout], grow: QWidget | None = None) -> QWidget:
        """The right column: the objectives on top (always in view, their title left out for room), then
        ``parts`` from top to bottom; ``grow`` takes the height that is left."""
        column = QWidget(objectName="labRight")
        lay = QVBoxLayout(column)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.objectives)
        for part in parts:
            if isinstance(part, QLayout):
                lay.addLayout(part)
            else:
                lay.addWidget(part, 1 if part is grow else 0)
        self.objectives_title.hide()
        return column

    def _in_background(self, work: Callable[[], Any], done: Callable[[Any], None],
                       failed: Callable[[Exception], None], wanted: Callable[[], bool] = lambda: True) -> None:
        """``work`` off the GUI thread; its outcome reaches ``done`` or ``failed`` only if this view still
        exists (the trainee may have left the step) and ``wanted()`` still says yes (settings unchanged)."""

        def on_done(result: Any) -> None:
            if shiboken6.isValid(self) and wanted():
                done(result)

        def on_failed(exc: Exception) -> None:
            if shiboken6.isValid(self) and wanted():
                failed(exc)

        run_in_background(work, on_done, on_failed)

    def _finish_init(self) -> None:
        on_language_changed(self, self._retranslate_all)
        self._show_hints()
        self._show_best()

    # --- translation -----------------------------------------------------------------------

    def _retranslate_all(self) -> None:
        self.heading.setText(content_text(self.step.title))
        badge, tip = self.preview_text()
        self.preview_badge.setText(badge)
        self.preview_badge.setToolTip(tip)
        self.preview_badge.setVisible(bool(badge))
        text, _fallback = i18n.localized(as_dict(self.lab.task))
        try:
            base = self.lab.step_dir or self.step.path or self.course.path
            self.task.setHtml(TASK_HTML.format(body=render_body(text, base, self.course.path)))
        except Exception:
            log.exception("rendering the task of %s failed", self.step_key)
            self.task.setPlainText(text)
        self.controls_title.setText(_("Settings"))
        self.objectives_title.setText(_("Objectives"))
        self.form.retranslate()
        self.objectives.retranslate()
        if callable(getattr(self, "_status_text", None)):
            self.set_status(self._status_text, self._status_error)
        self.submit_btn.setText(_("Submit for grading"))
        self.submit_btn.setToolTip(_("Grades your settings with the lab's own seed: the result does not depend "
                                     "on the preview."))
        self._show_hints()
        self._show_best()
        self._show_refusal()
        if self.last_grade is not None:
            self._show_grade(self.last_grade)
        self.retranslate()

    def retranslate(self) -> None:
        """Subclasses: their own texts."""

    def preview_text(self) -> tuple[str, str]:
        """(badge, tooltip) saying what the live run is."""
        return (_("Preview"), _("The live run uses a display seed. Submit grades your settings with the lab's "
                                "own seed, so the grade does not depend on the preview."))

    # --- status line -----------------------------------------------------------------------

    def set_status(self, text: str | Callable[[], str], error: bool = False) -> None:
        """Show ``text``; pass a function returning it to have it retranslated on a language change."""
        self._status_text = text
        self._status_error = error
        kind = "error" if error else ""
        self.status.setText(text() if callable(text) else text)
        if kind != self._status_kind:
            self._status_kind = kind
            self.status.setProperty("kind", kind)
            self.status.style().unpolish(self.status)
            self.status.style().polish(self.status)

    # --- values, drafts ---------------------------------------------------------------------

    def control_values(self) -> dict[str, Any]:
        """Every control's current value (subclasses add program editors)."""
        values = dict(self.values)
        values.update(self.form.values())
        return values

    def mark_changed(self) -> None:
        """The trainee changed something worth keeping; saved shortly (and on leaving)."""
        self._dirty = True
        self._save_timer.start()

    def _on_form_changed(self) -> None:
        self._dirty = True
        self.values = self.control_values()
        self.settings_changed()
        self._save_timer.start()

    def settings_changed(self) -> None:
        """Subclasses: the trainee changed a setting."""

    def _load_draft(self) -> dict[str, Any]:
        try:
            return self.ctx.progress.load_draft(self.actor, self.course.id, self.step_key) or {}
        except WRITE_ERRORS:
            log.warning("cannot read the lab draft for %s", self.step_key)
            return {}

    def save_state(self) -> None:
        """Store the settings (and program text), the hints opened and the time spent as a draft."""
        self._save_timer.stop()
        self.values = self.control_values()
        self._bank_time()
        if not (self._dirty or self._has_draft):
            return
        state = {"values": _jsonable(self.values), "hints": self.hints_shown, "elapsed_s": round(self._elapsed_s, 1)}
        try:
            self.ctx.progress.save_draft(self.actor, self.course.id, self.step_key, state)
            self._has_draft = True
        except WRITE_ERRORS:
            log.warning("cannot save the lab draft for %s", self.step_key)

    def _bank_time(self) -> None:
        if self._shown_at is not None:
            now = time.monotonic()
            self._elapsed_s += now - self._shown_at
            self._shown_at = now

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._shown_at is None:
            self._shown_at = time.monotonic()

    def hideEvent(self, event) -> None:
        self._bank_time()
        self._shown_at = None
        super().hideEvent(event)

    # --- hints ------------------------------------------------------------------------------

    def show_next_hint(self) -> None:
        if self.hints_shown < len(self.lab.hints):
            self.hints_shown += 1
            self._show_hints()
            self.mark_changed()
            side = getattr(self, "side_scroll", None)
            if side is not None:   # the new hint may be below the panel's fold
                QTimer.singleShot(0, lambda: side.ensureWidgetVisible(self.hints_label, 0, 0))

    def _show_hints(self) -> None:
        total = len(self.lab.hints)
        self.hint_btn.setVisible(total > 0)
        if self.hints_shown < total:
            self.hint_btn.setEnabled(True)
            self.hint_btn.setText(_("Show a hint ({n} of {total})").format(n=self.hints_shown + 1, total=total))
        else:
            self.hint_btn.setEnabled(False)
            self.hint_btn.setText(_("All hints shown"))
        shown = self.lab.hints[: self.hints_shown]
        self.hints_label.setVisible(bool(shown))
        self.hints_label.setText("".join(
            f"<p><b>{i + 1}.</b> {_escape(content_text(h))}</p>" for i, h in enumerate(shown)))

    # --- grading ----------------------------------------------------------------------------

    def submit(self) -> None:
        if self.grading:
            return
        values = self.control_values()
        problems = self.submit_problems(values)
        self.refuse_submit(problems)
        if problems:
            return
        self.save_state()
        self.grading = True
        self.submit_btn.setEnabled(False)
        self.grading_bar.show()
        reps = self.lab.grading_replications
        self.set_status(lambda: ngettext_grading(reps))
        ctx, actor, course, step = self.ctx, self.actor, self.course, self.step
        self._bank_time()
        elapsed = self._elapsed_s
        self._elapsed_s = 0.0   # the next run counts its own time

        def work():
            # The service runs, grades and stores the run; the view only shows the outcome.
            return ctx.progress.submit_lab(actor, course, step, dict(values), duration_s=elapsed, parallel=True)

        self._in_background(work, lambda outcome: self._graded(outcome.grade, dict(outcome.metrics)),
                            self._grading_failed)

    def submit_problems(self, values: Mapping[str, Any]) -> list[Problem]:
        """What stops ``values`` from being graded, found before running (subclasses add their editors')."""
        problem = self.check_values(values)
        if not problem:
            return []
        return [Problem(None, None, lambda: self.check_values(values) or problem)]

    def refuse_submit(self, problems: list[Problem], reveal: bool = True) -> None:
        """Show next to Submit why the settings were not graded (an empty list clears it).

        ``reveal`` scrolls the side panel to it, when Submit is in that panel."""
        self._refusal = list(problems)
        self._show_refusal()
        if problems and reveal:
            QTimer.singleShot(0, self, self._reveal_refusal)

    def _show_refusal(self) -> None:
        count = len(self._refusal)
        self.refusal.setText(ngettext_refusal(count) if count else "")
        self.refusal.setVisible(bool(count))
        self.refusal_list.set_problems(self._refusal)

    def _reveal_refusal(self) -> None:
        side = getattr(self, "side_scroll", None)
        if side is not None and self._refusal:
            side.ensureWidgetVisible(self.refusal_list, 10, 10)
            side.ensureWidgetVisible(self.refusal, 10, 10)

    def jump_to_problem(self, line: int, column: int, source: str) -> None:
        """Subclasses: show ``line``/``column`` in the editor of control ``source`` (or their only editor)."""

    def check_values(self, values: Mapping[str, Any]) -> str | None:
        """A message if a value is not allowed (the editors keep most of them in bounds)."""
        for control in self.lab.controls:
            if control.id in values:
                try:
                    check_control_value(control, values[control.id])
                except LabConfigError as exc:
                    return str(exc)
        return None

    def _graded(self, grade: LabGrade, metrics: dict[str, float]) -> None:
        self.grading = False
        self.grading_bar.hide()
        self.submit_btn.setEnabled(True)
        self.last_grade = grade
        self.last_metrics = metrics
        self._show_grade(grade)
        self.set_status(lambda: _("Graded and saved."))
        self._show_best()
        self.completed.emit()

    def _show_grade(self, grade: LabGrade) -> None:
        self.objectives.show_metrics(self.last_metrics or {}, final=True)
        score = format_percent(grade.score)
        self.result_label.setProperty("state", "passed" if grade.passed else "failed")
        self.result_label.setText(_("Passed · score {score}").format(score=score) if grade.passed
                                  else _("Not passed · score {score}").format(score=score))
        self.result_label.style().unpolish(self.result_label)
        self.result_label.style().polish(self.result_label)
        self.result_label.show()
        reps = self.lab.grading_replications
        self.result_note.setText(
            _("Graded with seed {seed} on the mean of {n} runs.").format(seed=self.lab.grading_seed, n=reps)
            if reps > 1 else _("Graded with seed {seed}.").format(seed=self.lab.grading_seed))

    def _grading_failed(self, exc: Exception) -> None:
        self.grading = False
        self.grading_bar.hide()
        self.submit_btn.setEnabled(True)
        if diagnostics_of(exc) and not isinstance(exc, LabConfigError):  # e.g. a program that runs too long
            log.info("not graded %s: %s", self.step_key, exc)
            self.refuse_submit(problems_of(exc))
        elif isinstance(exc, LabConfigError | GradingError):
            self.refuse_submit(problems_of(exc))
        elif isinstance(exc, WRITE_ERRORS):
            log.warning("cannot store the lab run of %s: %s", self.step_key, exc)
            self.set_status(lambda: _("The result could not be saved (the data folder is not writable)."),
                            error=True)
        else:
            log.error("grading %s failed: %r", self.step_key, exc)
            self.set_status(lambda: _("Grading failed: {error}").format(error=exc), error=True)

    def _show_best(self) -> None:
        try:
            best = self.ctx.progress.best_lab_runs(self.actor, self.actor.user_id, self.course.id).get(
                (self.course.id, self.step_key))
        except WRITE_ERRORS:
            best = None
        if best is None:
            self.best_label.setText(_("Not submitted yet."))
        else:
            self.best_label.setText(
                (_("Best result so far: {score}, passed.") if best.passed
                 else _("Best result so far: {score}, not passed.")).format(score=format_percent(best.score)))


def ngettext_refusal(count: int) -> str:
    return ngettext("Not graded: {n} problem to fix first.", "Not graded: {n} problems to fix first.",
                    count).format(n=count)


def ngettext_grading(reps: int) -> str:
    if reps > 1:
        return ngettext("Grading: {n} run with the lab's seed…", "Grading: {n} runs with the lab's seed…",
                             reps).format(n=reps)
    return _("Grading with the lab's seed…")


def _escape(text: str) -> str:
    import html

    return html.escape(text)


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in values.items():
        if isinstance(v, float) and not math.isfinite(v):
            out[k] = None
        elif isinstance(v, bool | int | float | str) or v is None:
            out[k] = v
        elif isinstance(v, list) and all(isinstance(e, dict) for e in v):
            out[k] = v  # a pendant log: JSON events, restored by replaying them
        else:
            out[k] = str(v)
    return out

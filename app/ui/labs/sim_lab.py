"""The live lab view for the ``line`` and ``maintenance`` simulators.

The view runs a preview (display seed) advanced by ``LiveDriver`` in time slices and shows it
through a panels object: ``app.ui.labs.line_panels.LinePanels`` (the line diagram, output rate,
buffer levels, machine-state Gantt) or ``app.ui.labs.maintenance_panels.MaintenancePanels``. Submit grades headlessly
(see ``LabViewBase``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from app.courses import sim_messages
from app.courses.grading import lab_scenario
from app.i18n import _
from app.ui.common.content import content_text
from app.ui.labs.base import LabViewBase
from app.ui.labs.line_diagram import LineDiagram, display_name
from app.ui.labs.line_panels import LinePanels
from app.ui.labs.live import LiveDriver
from app.ui.labs.maintenance_panels import MaintenancePanels
from app.ui.labs.panels import guard_wheel
from app.ui.labs.parts import lab_button, two_panes
from app.ui.labs.plots import StateTimeline, setup_pyqtgraph
from app.ui.labs.problem_list import Problem, ProblemList, problems_from
from app.ui.labs.program_editor import ProgramEditor

log = logging.getLogger(__name__)

PREVIEW_SEED_OFFSET = 1  # the preview never shows the graded run itself
SLOW_S = 0.1             # objectives, tables, the line diagram and the clock: 10 times a second (text is costly)
FRAME_S = 0.012          # plots redrawn at every driver tick (~60/s); ticks that bunch up after a stall only simulate


def changed_text(running: bool) -> str:
    """What a settings change does to the preview: it restarts, and runs on only if it was running."""
    if running:
        return _("Settings changed: the preview starts again from the beginning and keeps running.")
    return _("Settings changed: the preview starts again from the beginning when you press Run.")


class SimLabView(LabViewBase):
    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        setup_pyqtgraph()
        self.kind = self.lab.simulator
        self.runner: Any = None
        self.collector: Any = None
        self.scenario: Any = None
        self.preview_result: Any = None
        self.driver = LiveDriver(self)
        self.driver.ticked.connect(self._on_tick)
        self.driver.finished.connect(self._on_finished)
        self.driver.failed.connect(self._run_failed)
        # The frame is drawn in the event loop's next turn, not inside the simulation's tick: input that
        # arrived meanwhile is handled between the two, and neither holds the GUI thread for long.
        self._frame_timer = QTimer(self, singleShot=True, interval=0)
        self._frame_timer.timeout.connect(self._refresh_view)
        self._rebuild_timer = QTimer(self, singleShot=True, interval=300)
        self._rebuild_timer.timeout.connect(self._rebuild_after_change)
        self._resume_after_rebuild = False
        self._last_frame = 0.0
        self._last_slow = 0.0
        self._build_seq = 0
        self._built_for: tuple | None = None
        self._build_common()
        self.panels = LinePanels(self) if self.kind == "line" else MaintenancePanels(self)
        self._build_rule_editors()
        self.run_bar = self._build_run_bar()
        # Left: what to do (task), what to set (scrolling) and Submit (fixed, always in view).
        lower = QWidget(objectName="labLower")
        llay = QVBoxLayout(lower)
        llay.setContentsMargins(0, 0, 0, 0)
        llay.setSpacing(0)
        llay.addWidget(self._side_panel(["controls", "hints"]), 1)
        llay.addWidget(self._footer())
        # The task readable (≥ 130 px at 1366×700), the settings below.
        left = two_panes(Qt.Orientation.Vertical, "labLeft", self.task, lower, stretch=(2, 3), sizes=(185, 325))
        left.setMinimumWidth(240)
        self.task.setMinimumHeight(80)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("labPlots")
        self.plots.ci.setContentsMargins(2, 2, 2, 2)
        self.plots.setMinimumHeight(240)
        # Right: the objectives (always in view), the preview's controls, its pictures.
        if self.panels.top_widget() is not None:
            self.root.addWidget(self.panels.top_widget())
        pictures = self.panels.wrap_plots(self.plots)
        right = self._views_column([self.run_bar, pictures], grow=pictures)
        self._place_side_by_side(left, right, stretch=(0, 1), sizes=(310, 630))
        self._finish_init()
        self._rebuild(keep_running=False, background=False)

    @property
    def diagram(self) -> LineDiagram | None:
        return getattr(self.panels, "diagram", None)

    @property
    def timeline(self) -> StateTimeline | None:
        return self.panels.timeline

    # --- building ------------------------------------------------------------------------

    def _build_rule_editors(self) -> None:
        """Program-type controls of a maintenance lab are alarm rules: a small editor each, in the form,
        with the rule's problems (checked as you type) listed under it."""
        self.rule_editors: dict[str, ProgramEditor] = {}
        self.rule_problems: dict[str, ProblemList] = {}
        for control in self.lab.controls:
            if control.type != "program":
                continue
            editor = ProgramEditor(language="rule")
            editor.setObjectName(f"control-{control.id}")
            editor.setPlainText(str(self.values.get(control.id, "")))
            editor.setFixedHeight(editor.fontMetrics().lineSpacing() * 4 + 12)
            editor.textChanged.connect(self._on_form_changed)
            editor.textChanged.connect(lambda cid=control.id: self._check_rule(cid))
            problems = ProblemList(f"problems-{control.id}", max_height=110)
            problems.jump.connect(lambda line, column, _source, cid=control.id: self.jump_to_problem(line, column, cid))
            box = QWidget()
            box_lay = QVBoxLayout(box)
            box_lay.setContentsMargins(0, 0, 0, 0)
            box_lay.setSpacing(2)
            box_lay.addWidget(editor)
            box_lay.addWidget(problems)
            box.setFocusProxy(editor)
            self.rule_editors[control.id] = editor
            self.rule_problems[control.id] = problems
            self.form.add_field(control, box)
            self._check_rule(control.id)

    def _rule_diagnostics(self, control_id: str) -> list[Problem]:
        """The alarm rule's problems, found at once by the simulator's own rule reader."""
        if self.kind != "maintenance":
            return []
        from simulators.maintenance.rules import check_rule

        text = self.rule_editors[control_id].toPlainText()
        return problems_from(check_rule(text), with_line="\n" in text.strip(), source=control_id)

    def _check_rule(self, control_id: str) -> None:
        problems = self._rule_diagnostics(control_id)
        self.rule_editors[control_id].set_errors([(p.line, p.column, p.text()) for p in problems])
        self.rule_problems[control_id].set_problems(problems)
        if self._refusal:  # a refused Submit shows the rules' current problems
            self.refuse_submit(self.submit_problems(self.control_values()), reveal=False)

    def submit_problems(self, values: dict[str, Any]) -> list[Problem]:
        found = super().submit_problems(values)
        for control_id in self.rule_editors:
            found += self._rule_diagnostics(control_id)
        return found

    def jump_to_problem(self, line: int, column: int = 0, source: str = "") -> None:
        editor = self.rule_editors.get(source) or next(iter(self.rule_editors.values()), None)
        if editor is not None:
            editor.goto(line, column)

    def _build_run_bar(self) -> QWidget:
        """Run/Pause and Reset, the speed, the sim clock."""
        self.run_btn = lab_button("runButton", self.toggle_run, primary=True)
        self.reset_btn = lab_button("resetButton", self.reset_run)
        self.speed_label = QLabel()
        self.speed = QComboBox(objectName="speedChoice")
        self.speed.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.speeds = self.panels.speeds
        for _label, value in self.speeds:
            self.speed.addItem("", value)
        self.speed.setCurrentIndex(3)
        self.speed.currentIndexChanged.connect(lambda _i: self.driver.set_speed(self.speed.currentData()))
        self.speed_label.setBuddy(self.speed)
        # A thin bar without text and a label: QProgressBar repaints at once when its text changes.
        self.clock = QProgressBar(objectName="simClock")
        self.clock.setRange(0, 200)
        self.clock.setTextVisible(False)
        self.clock.setMaximumHeight(8)
        self.clock_label = QLabel(objectName="simClockText")
        self.clock_label.setStyleSheet("QLabel#simClockText { color: #4a5a6a; }")
        # One row above the plots it drives: Run, Reset, speed, and how far the run has come.
        outer = QWidget(objectName="runBarBox")
        row = QHBoxLayout(outer)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(6)
        row.addWidget(self.run_btn)
        row.addWidget(self.reset_btn)
        row.addSpacing(8)
        row.addWidget(self.speed_label)
        row.addWidget(self.speed)
        row.addSpacing(8)
        row.addWidget(self.clock, 1)
        row.addWidget(self.clock_label)
        guard_wheel(self.speed)
        self.driver.set_speed(self.speed.currentData())
        return outer

    # --- translation ---------------------------------------------------------------------

    def _update_run_button(self) -> None:
        self.run_btn.setText(_("Pause") if self.driver.running else _("Run"))

    def retranslate(self) -> None:
        self._update_run_button()
        self.run_btn.setToolTip(_("Run or pause the preview"))
        self.reset_btn.setText(_("Reset"))
        self.reset_btn.setToolTip(_("Back to the start of the run"))
        self.speed_label.setText(_("Speed:"))
        for i, (label, _value) in enumerate(self.speeds):
            self.speed.setItemText(i, label if label.startswith("×") else _(label))
        for control_id, editor in self.rule_editors.items():
            self._check_rule(control_id)
            control = self.lab.control(control_id)
            editor.setAccessibleName(content_text(control.label) or control_id)
            if control.help:
                editor.setToolTip(content_text(control.help))
        if self.runner is not None:
            self.panels.retranslate()
        self._update_clock()

    # --- runs ----------------------------------------------------------------------------

    def _prepare(self, values: dict[str, Any]) -> tuple[Any, Any]:
        """(scenario, runner) for ``values``. Loading a scenario parses YAML and validates it, which
        takes longer than a frame: after a settings change this runs off the GUI thread."""
        import simulators

        kind, scenario = lab_scenario(self.lab, self.course.path, values)
        seed = int(getattr(scenario, "seed", 1)) + PREVIEW_SEED_OFFSET
        return scenario, simulators.make_runner(kind, scenario, seed=seed)

    def _rebuild(self, keep_running: bool, background: bool = True) -> None:
        """A new preview run for the current settings (the first at once, later ones in the background)."""
        self.driver.pause()
        self.preview_result = None
        self._build_seq += 1
        seq = self._build_seq
        values = self.control_values()
        if not background:
            try:
                prepared = self._prepare(values)
            except Exception as exc:  # noqa: BLE001 - any refusal is shown, never raised
                self._cannot_simulate(exc)
                return
            self._install(prepared, keep_running)
            return
        self.run_btn.setEnabled(False)

        def done(prepared) -> None:
            self._install(prepared, keep_running)
            self.set_status(lambda: changed_text(keep_running))

        self._in_background(lambda: self._prepare(values), done, self._cannot_simulate,
                            wanted=lambda: seq == self._build_seq)   # not if the settings changed again

    def _cannot_simulate(self, exc: Exception) -> None:
        # Rendered when shown, so the reason follows a language switch (the simulator's codes, not its text).
        found = sim_messages.diagnostics_of(exc)
        with_line = any((d.line or 1) > 1 for d in found)
        self.set_status(lambda: _("These settings cannot be simulated: {reason}").format(
            reason=sim_messages.describe(exc, with_line=with_line, separator=" ")), error=True)
        self.run_btn.setEnabled(False)

    def _run_failed(self, exc: Exception) -> None:
        """The preview stopped mid-run: the simulator's work budget (issue 21), or another refusal."""
        from simulators.errors import WorkLimitError

        self._update_run_button()
        if isinstance(exc, WorkLimitError):
            self.set_status(lambda: _("The preview stopped: these settings make too much work for one run "
                                      "(a very short time between events over a long shift?). Change them and "
                                      "run again."), error=True)
        else:
            self._cannot_simulate(exc)

    def _install(self, prepared: tuple[Any, Any], keep_running: bool) -> None:
        scenario, runner = prepared
        if self.collector is not None:
            self.collector.runner.unsubscribe(self.collector.on_event)
        self.scenario, self.runner = scenario, runner
        self.collector = self.panels.make_collector(scenario, runner)
        structure = self.panels.structure(scenario)
        if structure != self._built_for:
            self.panels.build(scenario, runner, self.collector)   # new plots: only when the layout changes
            self._built_for = structure
        else:
            self.panels.reset(scenario, runner, self.collector)
        self.collector.timeline = self.panels.timeline
        self.collector.start()
        sampler = getattr(self.collector, "sample", None)
        step = getattr(self.collector, "sample_step", None)
        self.driver.attach(runner, step, sampler)
        self.objectives.show_metrics(None, final=False)
        self.run_btn.setEnabled(True)
        self._refresh_view(force=True)
        if keep_running:
            self.driver.start()
        self._update_run_button()

    def settings_changed(self) -> None:
        self._resume_after_rebuild = self._resume_after_rebuild or self.driver.running
        self.driver.pause()
        resume = self._resume_after_rebuild
        self.set_status(lambda: changed_text(resume))
        self._rebuild_timer.start()

    def _rebuild_after_change(self) -> None:
        resume = self._resume_after_rebuild
        self._resume_after_rebuild = False
        self._rebuild(keep_running=resume)

    def control_values(self) -> dict[str, Any]:
        values = super().control_values()
        for control_id, editor in getattr(self, "rule_editors", {}).items():
            values[control_id] = editor.toPlainText().strip()
        return values

    def toggle_run(self) -> None:
        if self.runner is None:
            return
        if self.driver.running:
            self.driver.pause()
            self.set_status(lambda: _("Paused."))
        else:
            if self.runner.done:
                self.reset_run()
            self.driver.set_speed(self.speed.currentData())
            self.driver.start()
            self.set_status(lambda: _("Running the preview…"))
        self._update_run_button()

    def reset_run(self) -> None:
        """Back to the start of the same run (same settings, same display seed)."""
        if self._rebuild_timer.isActive():
            self._rebuild_timer.stop()
            self._resume_after_rebuild = False
            self._rebuild(keep_running=False)
            return
        if self.runner is None:
            return
        import simulators

        self.driver.pause()
        self.preview_result = None
        # A new runner, not runner.reset(): the finished one may still be read by its result job in the
        # background (the job then sees it is no longer this view's runner and is dropped).
        runner = simulators.make_runner(self.runner.kind, self.scenario, seed=self.runner.seed)
        self._install((self.scenario, runner), keep_running=False)
        self.set_status(lambda: _("Back at the start."))

    def _on_tick(self) -> None:
        if not self._frame_timer.isActive():
            self._frame_timer.start()

    def _refresh_view(self, force: bool = False) -> None:
        if self.collector is None:
            return
        wall = time.perf_counter()
        if not force and wall - self._last_frame < FRAME_S:
            return
        self._last_frame = wall
        slow = force or wall - self._last_slow >= SLOW_S
        if slow:
            self._last_slow = wall
        now = self.runner.now
        self.panels.refresh(now, slow)
        if slow:
            if self.preview_result is None:
                self.objectives.show_metrics(self.collector.live_metrics() if now > 0 else None, final=False)
            self._update_clock()

    def _update_clock(self) -> None:
        if self.runner is None:
            return
        end = self.runner.end_time or 1.0
        now = self.runner.now
        value = round(200 * now / end)
        if value != self.clock.value():
            # QProgressBar.setValue repaints at once, and a synchronous repaint flushes every pending paint
            # of the window (the plots too) inside this call; with updates off it only schedules one.
            self.clock.setUpdatesEnabled(False)
            self.clock.setValue(value)
            self.clock.setUpdatesEnabled(True)
        text = self.panels.clock_text(now, end)
        if text != self.clock_label.text():
            self.clock_label.setText(text)

    def _on_finished(self) -> None:
        self._refresh_view(force=True)
        self._update_run_button()
        self.set_status(lambda: _("Preview finished: computing the results…"))
        runner = self.runner

        def current() -> bool:   # not if the settings changed or the run was reset in the meantime
            return runner is self.runner

        # Collecting a long run's statistics takes a frame's time or more: off the GUI thread (the
        # runner is finished, nothing else touches it), once the last frame is painted.
        def collect() -> None:
            if shiboken6.isValid(self) and current():
                self._in_background(runner.result, self._preview_done,
                                    lambda exc: log.error("preview result failed: %r", exc), wanted=current)

        QTimer.singleShot(40, collect)

    def _preview_done(self, result: Any) -> None:
        self.preview_result = result
        if hasattr(self.panels, "show_result"):
            self.panels.show_result(result)
        self.objectives.show_metrics(result.metrics, final=True)
        met = sum(1 for s in self.objectives.states() if s == "met")
        total = len(self.lab.objectives)
        bottleneck = getattr(result, "bottleneck_station", None)

        def text() -> str:
            words = _("Preview finished: {met} of {total} objectives met with the display seed. "
                      "Submit to grade.").format(met=met, total=total)
            if bottleneck:
                station = next((st for st in getattr(self.scenario, "stations", []) if st.name == bottleneck), None)
                words += " " + _("Bottleneck: {station}.").format(
                    station=display_name(station) if station is not None else bottleneck)
            return words

        self.set_status(text)

    # --- lifecycle -----------------------------------------------------------------------

    def hideEvent(self, event) -> None:
        # Locked, logged out or another step: the preview pauses (the draft is saved by save_state).
        if self.driver.running:
            self.driver.pause()
            self.set_status(lambda: _("Paused."))
            self._update_run_button()
        super().hideEvent(event)

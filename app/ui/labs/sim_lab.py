"""The live lab view for the ``line`` and ``maintenance`` simulators.

The view runs a preview (display seed) advanced by ``LiveDriver`` in time slices and shows it
through a panels object: ``LinePanels`` here (the line diagram, output rate, buffer levels,
machine-state Gantt) or ``app.ui.labs.maintenance_panels.MaintenancePanels``. Submit grades headlessly
(see ``LabViewBase``).
"""

from __future__ import annotations

import html
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
    QPushButton,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.courses import sim_messages
from app.courses.grading import lab_scenario
from app.i18n import N_, _, format_decimal
from app.ui.common.background import run_in_background
from app.ui.common.content import content_text
from app.ui.labs.base import LabViewBase
from app.ui.labs.event_log import EventLogPanel
from app.ui.labs.line_diagram import STATE_COLOURS, LineDiagram, display_name
from app.ui.labs.live import LINE_STATES, LineCollector, LiveDriver
from app.ui.labs.maintenance_panels import MaintenancePanels
from app.ui.labs.panels import guard_wheel
from app.ui.labs.plots import (
    PixelCurves,
    StateTimeline,
    colour,
    nice_ceiling,
    set_labels,
    setup_pyqtgraph,
    style_plot,
    threshold_line,
)
from app.ui.labs.problem_list import Problem, ProblemList, problems_from
from app.ui.labs.program_editor import ProgramEditor

log = logging.getLogger(__name__)

PREVIEW_SEED_OFFSET = 1  # the preview never shows the graded run itself
SLOW_S = 0.1             # objectives, tables, the line diagram and the clock: 10 times a second (text is costly)
FRAME_S = 0.012          # plots redrawn at every driver tick (~60/s); ticks that bunch up after a stall only simulate


class LinePanels:
    """The line diagram (above the lab) and the line plots."""

    # (label, sim seconds per second; None = as fast as possible)
    speeds = [("×1", 1.0), ("×10", 10.0), ("×60", 60.0), ("×600", 600.0), (N_("as fast as possible"), None)]
    SCALE = 1 / 3600.0  # plots in hours

    def __init__(self, view) -> None:
        self.view = view
        self.diagram = LineDiagram()
        self.diagram.setMaximumHeight(135)
        self.timeline: StateTimeline | None = None
        self.threshold_items: list[pg.InfiniteLine] = []
        self.collector: LineCollector | None = None
        # Output and buffers in one tab, the machine-state history in another: three plots stacked
        # in the ~300 px a 1366×700 screen leaves are too flat to read (the Gantt lost its row names).
        self.tabs = QTabWidget(objectName="lineTabs")
        self.state_plots = pg.GraphicsLayoutWidget()
        self.state_plots.setObjectName("lineStates")
        self.state_plots.ci.setContentsMargins(2, 2, 2, 2)
        self.events = EventLogPanel()   # order-driven lines only: the MES event log and the six big losses

    def make_collector(self, scenario: Any, runner: Any) -> LineCollector:
        return LineCollector(scenario, runner)

    def top_widget(self) -> QWidget | None:
        return self.diagram

    def wrap_plots(self, plots: QWidget) -> QWidget:
        self.tabs.addTab(plots, "")
        self.tabs.addTab(self.state_plots, "")
        self.tabs.addTab(self.events, "")
        self.tabs.currentChanged.connect(self._tab_shown)
        return self.tabs

    def _tab_shown(self, index: int) -> None:
        if self.collector is None or self.view.runner is None:
            return
        if index == 0:
            self.draw_curves()
        elif index == 1:
            self.timeline.refresh(self.view.runner.now)

    def structure(self, scenario: Any) -> tuple:
        return (tuple((st.name, st.servers) for st in scenario.stations), tuple(b.name for b in scenario.buffers),
                scenario.warmup_s, scenario.warmup_s + scenario.shift_length_s)

    def build(self, scenario: Any, runner: Any, collector: LineCollector) -> None:
        plots = self.view.plots
        plots.clear()
        self.collector = None   # until reset() below: the new plots' signals must not draw the old run
        self.threshold_items.clear()
        end_h = runner.end_time * self.SCALE
        self.rate_plot = plots.addPlot(row=0, col=0)
        self.buffer_plot = plots.addPlot(row=1, col=0)
        self.state_plots.clear()
        self.gantt = self.state_plots.addPlot(row=0, col=0)
        for p in (self.rate_plot, self.buffer_plot, self.gantt):
            style_plot(p)
            p.setXRange(0, end_h, padding=0.01)
            p.enableAutoRange(x=False)
            p.setMouseEnabled(x=True, y=False)
        self.buffer_plot.setXLink(self.rate_plot)
        # The Gantt chart is not x-linked: pyqtgraph links views by their pixels, and its row names are wider.
        self.rate_plot.getAxis("bottom").setStyle(showValues=False)   # one time axis, under the buffers
        # Width-1 pens: wide pens are drawn many times slower.
        self.rates = PixelCurves(self.rate_plot, [pg.mkPen(colour(0), width=1)], self.SCALE)
        self.levels = PixelCurves(self.buffer_plot, [pg.mkPen(colour(i + 1), width=1)
                                                     for i in range(len(scenario.buffers))], self.SCALE)
        self.rate_curve = self.rates.curves[0]
        self.buffer_curves = self.levels.curves
        self.buffer_plot.enableAutoRange(y=False)
        # The rate's y range only grows, in round steps: an axis whose ticks move every frame is redrawn
        # (text and grid) every frame, which cost more than the curves.
        self.rate_plot.enableAutoRange(y=False)
        # Zooming or panning (the buffers follow, x-linked) re-draws at the new resolution, even when paused.
        self.rate_plot.sigXRangeChanged.connect(lambda *_a: self.draw_curves())
        self.rate_plot.getViewBox().sigResized.connect(lambda *_a: self.draw_curves())
        for obj in self.view.lab.objectives:
            if obj.metric == "throughput_per_hour":
                self.threshold_items.append(threshold_line(self.rate_plot, obj.target, "", "#1a7f37"))
        if scenario.warmup_s > 0:
            for p in (self.rate_plot, self.buffer_plot):
                p.addItem(pg.InfiniteLine(scenario.warmup_s * self.SCALE, angle=90,
                                          pen=pg.mkPen("#6b7a89", style=Qt.PenStyle.DotLine)))
        for row in (0, 1):
            plots.ci.layout.setRowStretchFactor(row, 1)
        self.timeline = StateTimeline(self.gantt, collector.row_labels(), runner.end_time,
                                      [STATE_COLOURS[s] for s in LINE_STATES], columns=3000, x_scale=self.SCALE)
        self.reset(scenario, runner, collector)

    def reset(self, scenario: Any, runner: Any, collector: LineCollector) -> None:
        self.scenario = scenario
        self.collector = collector
        self.diagram.build(scenario)
        self.events.clear()
        self.tabs.setTabVisible(self.tabs.indexOf(self.events), bool(getattr(scenario, "order_driven", False)))
        self.timeline.clear()
        self.rates.clear()
        self.levels.clear()
        self._rate_top = 0.0
        self._fit_rate_axis()
        cap = max([b.capacity for b in scenario.buffers] + [1])
        self.buffer_plot.setYRange(0, cap * 1.05 + 0.5)
        self.retranslate()

    def refresh(self, now: float, slow: bool) -> None:
        # The tab in view every frame, the hidden one with the slow panels (so it is never far behind).
        shown = self.tabs.currentIndex()
        if slow or shown == 0:
            self.draw_curves()
        if slow or shown == 1:
            self.timeline.refresh(now)
        if slow and self.collector.snapshot is not None:
            self.diagram.show_snapshot(self.collector.snapshot)

    def draw_curves(self) -> None:
        if self.collector is None:
            return
        s = self.collector.series
        self.rates.show(s.x, s.rows(0, 1))
        self.levels.show(s.x, s.rows(3, 3 + len(self.buffer_curves)))
        self._fit_rate_axis()

    def _fit_rate_axis(self) -> None:
        targets = [line.value() for line in self.threshold_items]
        top = nice_ceiling(max([self.rates.top, *targets]) * 1.08)
        if top != self._rate_top:
            self._rate_top = top
            self.rate_plot.setYRange(0, top, padding=0)

    def retranslate(self) -> None:
        set_labels(self.rate_plot, _("Output rate (good parts/h)"))
        # Buffer names and colours in the title: a legend would hide the curves.
        keys = " ".join(f"<span style='color:{colour(i + 1)}'>■</span>&nbsp;{html.escape(b.name)}"
                        for i, b in enumerate(self.scenario.buffers))
        set_labels(self.buffer_plot, _("Buffer levels (parts)") + "&nbsp;&nbsp;" + keys, "", _("Time (h)"))
        set_labels(self.gantt, _("Machine states"), "", _("Time (h)"))
        self.timeline.set_row_names(self.collector.row_labels())   # station labels in the UI language
        self.tabs.setTabText(0, _("Output and buffers"))
        self.tabs.setTabText(1, _("Machine states"))
        self.tabs.setTabText(self.tabs.indexOf(self.events), _("Event log and losses"))
        self.events.retranslate()
        for line in self.threshold_items:
            line.label.setFormat(_("objective"))
        self.diagram.retranslate()

    def show_result(self, result: Any) -> None:
        """A finished preview: its event log and loss tree (recorded runs of order-driven lines)."""
        if getattr(self.scenario, "order_driven", False):
            self.events.show_result(self.scenario, result)

    def clock_text(self, now: float, end: float) -> str:
        return _("{now} h of {end} h").format(now=format_decimal(now / 3600, 1), end=format_decimal(end / 3600, 1))


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
        left = QSplitter(Qt.Orientation.Vertical, objectName="labLeft")
        left.addWidget(self.task)
        left.addWidget(lower)
        left.setStretchFactor(0, 2)
        left.setStretchFactor(1, 3)
        left.setSizes([185, 325])   # the task readable (≥ 130 px at 1366×700), the settings below
        left.setChildrenCollapsible(False)
        left.setMinimumWidth(240)
        self.task.setMinimumHeight(80)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("labPlots")
        self.plots.ci.setContentsMargins(2, 2, 2, 2)
        self.plots.setMinimumHeight(240)
        right = QWidget()
        rlay = QVBoxLayout(right)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.setSpacing(4)
        # Right: the objectives (always in view), the preview's controls, its pictures.
        rlay.addWidget(self.objectives)
        rlay.addWidget(self.run_bar)
        self.objectives_title.hide()
        if self.panels.top_widget() is not None:
            self.root.addWidget(self.panels.top_widget())
        rlay.addWidget(self.panels.wrap_plots(self.plots), 1)
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
        self.run_btn = QPushButton(objectName="runButton")
        self.run_btn.setProperty("primary", True)
        self.run_btn.setAutoDefault(False)
        self.run_btn.clicked.connect(self.toggle_run)
        self.reset_btn = QPushButton(objectName="resetButton")
        self.reset_btn.setAutoDefault(False)
        self.reset_btn.clicked.connect(self.reset_run)
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
            if shiboken6.isValid(self) and seq == self._build_seq:
                self._install(prepared, keep_running)
                self.set_status(lambda: changed_text(keep_running))

        def failed(exc: Exception) -> None:
            if shiboken6.isValid(self) and seq == self._build_seq:
                self._cannot_simulate(exc)

        run_in_background(lambda: self._prepare(values), done, failed)

    def _cannot_simulate(self, exc: Exception) -> None:
        # Rendered when shown, so the reason follows a language switch (the simulator's codes, not its text).
        found = sim_messages.diagnostics_of(exc)
        with_line = any((d.line or 1) > 1 for d in found)
        self.set_status(lambda: _("These settings cannot be simulated: {reason}").format(
            reason=sim_messages.describe(exc, with_line=with_line, separator=" ")), error=True)
        self.run_btn.setEnabled(False)

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
        self._refresh_view()

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

        def done(result) -> None:
            # Too late if the settings changed (or the view closed) in the meantime.
            if shiboken6.isValid(self) and runner is self.runner:
                self._preview_done(result)

        # Collecting a long run's statistics takes a frame's time or more: off the GUI thread (the
        # runner is finished, nothing else touches it), once the last frame is painted.
        def collect() -> None:
            if shiboken6.isValid(self) and runner is self.runner:
                run_in_background(runner.result, done, lambda exc: log.error("preview result failed: %r", exc))

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

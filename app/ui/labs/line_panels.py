"""The line lab's pictures: the line diagram above the lab, output rate and buffer levels, the
machine-state Gantt chart and (order-driven lines) the MES event log, in tabs under the run bar.

Only the tab in view is redrawn every frame; the curves are drawn at the plot's pixel width
(``plots.PixelCurves``) and the rate axis grows in round steps, so a frame stays cheap at 12,000
points per series.
"""

from __future__ import annotations

import html
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QTabWidget, QWidget

from app.i18n import N_, _, format_decimal
from app.ui.labs.event_log import EventLogPanel
from app.ui.labs.line_diagram import STATE_COLOURS, LineDiagram
from app.ui.labs.live import LINE_STATES, LineCollector
from app.ui.labs.parts import ShownTabFirst
from app.ui.labs.plots import (
    PixelCurves,
    StateTimeline,
    add_plot,
    colour,
    nice_ceiling,
    set_labels,
    style_plot,
    threshold_line,
)


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
        self.pictures = ShownTabFirst(self.tabs, {0: lambda _now: self.draw_curves(),
                                                  1: lambda now: self.timeline.refresh(now)}, self._now)
        return self.tabs

    def _now(self) -> float | None:
        return None if self.collector is None or self.view.runner is None else self.view.runner.now

    def structure(self, scenario: Any) -> tuple:
        return (tuple((st.name, st.servers) for st in scenario.stations), tuple(b.name for b in scenario.buffers),
                scenario.warmup_s, scenario.warmup_s + scenario.shift_length_s)

    def build(self, scenario: Any, runner: Any, collector: LineCollector) -> None:
        plots = self.view.plots
        plots.clear()
        self.collector = None   # until reset() below: the new plots' signals must not draw the old run
        self.threshold_items.clear()
        end_h = runner.end_time * self.SCALE
        self.rate_plot = add_plot(plots, row=0, col=0)
        self.buffer_plot = add_plot(plots, row=1, col=0)
        self.state_plots.clear()
        self.gantt = add_plot(self.state_plots, row=0, col=0)
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
        self.pictures.refresh(now, slow)
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

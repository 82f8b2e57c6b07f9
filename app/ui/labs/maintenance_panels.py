"""The panels of a predictive-maintenance lab: machine table, sensor signals with the trainee's alarm
threshold (or the comparisons of the alarm rule) and the vibration zone limits, alarm / failure /
replacement / false-alarm markers, and the machine states. Used by ``app.ui.labs.sim_lab.SimLabView``."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QTextDocument
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _, format_decimal
from app.ui.labs.live import MACHINE_STATES, MARKER_KINDS, SIGNALS, MaintenanceCollector
from app.ui.labs.parts import ShownTabFirst
from app.ui.labs.plots import (
    PixelCurves,
    StateTimeline,
    add_plot,
    colour,
    plot_font,
    set_labels,
    style_plot,
    threshold_line,
)


def rule_levels(rule: str) -> list[tuple[str, str, str, str]]:
    """(signal, expression, operator, value) of each ``signal-level > number`` comparison in an alarm rule:
    the ones that can be drawn as a line on that signal's plot (not a slope, a change or a zone number)."""
    found = []
    for expr, op, number in _RULE_CMP.findall(rule):
        names = [s for s in SIGNALS if s in expr]
        if len(names) != 1 or re.match(r"\s*(slope|delta|zone)\s*\(", expr) or op.startswith("<"):
            continue
        found.append((names[0], expr.strip(), op, number))
    return found


def thin_markers(x: np.ndarray, y: np.ndarray, width: float) -> tuple[np.ndarray, np.ndarray]:
    """The first marker in each ``width`` of time (markers come in time order): hundreds of false
    alarms drawn on top of each other are an orange band, one per bin still shows where they fall."""
    if len(x) < 2 or width <= 0:
        return x, y
    bins = np.floor(x / width)
    keep = np.concatenate(([True], bins[1:] != bins[:-1]))
    return x[keep], y[keep]

SPEEDS = [(N_("1 h per second"), 1.0), (N_("1 day per second"), 24.0), (N_("1 week per second"), 168.0),
          (N_("1 month per second"), 730.0), (N_("as fast as possible"), None)]
STATE_COLOURS = ("#2e9e44", "#d62728", "#3b7dd8", "#e07b1a")
STATE_LABELS = {"running": N_("running"), "down": N_("failed"),
                "planned_replacement": N_("replacement"), "inspection": N_("inspection")}
MARKERS = {  # kind: (symbol, colour, label, the symbol as text for the key)
    "alarm": ("t", "#b42318", N_("alarm"), "▼"),
    "failure": ("x", "#000000", N_("failure"), "✖"),
    "planned_replacement": ("s", "#3b7dd8", N_("replacement"), "■"),
    "false_alarm": ("o", "#e07b1a", N_("false alarm"), "●"),
}
SIGNAL_LABELS = {"vibration": (N_("Vibration"), "mm/s"), "temperature": (N_("Temperature"), "°C"),
                 "current": (N_("Motor current"), "A")}
ZONE_COLOURS = {"A": "#e9f7ee", "B": "#f4f9e8", "C": "#fff4d6", "D": "#fdeceb"}
# Two or more machines: one machine's signals at a time (six noisy curves in one small plot are a band).
MAX_CURVES = 1
MARKER_BINS = 150   # at most one marker of a kind per 1/150 of the time axis (hundreds of false alarms)
_RULE_CMP = re.compile(r"([A-Za-z_]\w*\s*\([^()]*\)|[A-Za-z_]\w*)\s*(>=|>|<=|<)\s*(-?\d+(?:\.\d+)?)")


class MaintenancePanels:
    """Builds and updates the maintenance plots inside the view's ``plots`` layout."""

    speeds = SPEEDS

    def __init__(self, view) -> None:
        self.view = view
        self.threshold_items: list[pg.InfiniteLine] = []
        self.timeline: StateTimeline | None = None
        self.machines: list[str] = []
        self.selected: int | None = None   # None: every machine's curves
        self.pick_label = QLabel()
        self.pick = QComboBox(objectName="machineChoice")
        self.pick.currentIndexChanged.connect(self._picked)
        self.pick_label.setBuddy(self.pick)
        self.pick_row = QWidget()
        pick = QHBoxLayout(self.pick_row)
        pick.setContentsMargins(0, 0, 0, 0)
        pick.addWidget(self.pick_label)
        pick.addWidget(self.pick, 1)
        # Colour keys as wrapping text: plot titles that long would force the plots wider than the view.
        self.key = QLabel(objectName="plotKey", wordWrap=True)
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setStyleSheet("QLabel#plotKey { background: white; padding: 2px 6px; }")
        self.health = QTableWidget(objectName="machineHealth")
        self.health.setColumnCount(5)
        self.health.verticalHeader().hide()
        self.health.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.health.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.health.setSelectionMode(QTableWidget.SelectionMode.SingleSelection)
        self.health.horizontalHeader().setStretchLastSection(True)
        self.health.cellClicked.connect(lambda row, _col: self.select_machine(row))
        self.tabs = QTabWidget(objectName="maintTabs")
        self.state_plots = pg.GraphicsLayoutWidget()
        self.state_plots.ci.setContentsMargins(2, 2, 2, 2)
        # The machine states' colours go with their chart (the Machines tab), not with the signals.
        self.state_key = QLabel(objectName="stateKey", wordWrap=True)
        self.state_key.setTextFormat(Qt.TextFormat.RichText)
        self.state_key.setStyleSheet("QLabel#stateKey { background: white; padding: 2px 6px; }")
        self._marker_seen: dict[str, tuple[int, int | None]] = {}
        self._drawn: dict[tuple[str, int], int] = {}   # (signal, curve): samples drawn
        self.collector: MaintenanceCollector | None = None

    # --- layout ------------------------------------------------------------------------------

    def make_collector(self, scenario: Any, runner: Any) -> MaintenanceCollector:
        return MaintenanceCollector(scenario, runner)

    def top_widget(self) -> QWidget | None:
        return None

    def wrap_plots(self, plots: QWidget) -> QWidget:
        """Tabs: the signals (machine choice, plots, key) and the machine table."""
        signals = QWidget()
        lay = QVBoxLayout(signals)
        lay.setContentsMargins(0, 2, 0, 0)
        lay.setSpacing(2)
        lay.addWidget(plots, 1)
        lay.addWidget(self.key)
        machines = QWidget()
        mlay = QVBoxLayout(machines)
        mlay.setContentsMargins(0, 2, 0, 0)
        mlay.setSpacing(2)
        mlay.addWidget(self.health, 1)
        mlay.addWidget(self.state_plots, 1)
        mlay.addWidget(self.state_key)
        self.tabs.addTab(signals, "")
        self.tabs.addTab(machines, "")
        # The machine choice sits in the tab bar's corner: the plots keep every pixel of height.
        self.pick_row.setContentsMargins(0, 0, 4, 2)
        self.tabs.setCornerWidget(self.pick_row, Qt.Corner.TopRightCorner)
        self.pictures = ShownTabFirst(self.tabs, {0: lambda _now: self._draw_signals(),
                                                  1: lambda now: self.timeline.refresh(now)}, self._now)
        return self.tabs

    def _now(self) -> float | None:
        return None if self.collector is None or self.view.runner is None else self.view.runner.now

    def structure(self, scenario: Any) -> tuple:
        return (scenario.machines, scenario.horizon_h, getattr(scenario.policy, "signal", "vibration"))

    def build(self, scenario: Any, runner: Any, collector: MaintenanceCollector) -> None:
        plots = self.view.plots
        plots.clear()
        self.collector = None   # until reset() below: the new plots' signals must not draw the old run
        self.threshold_items.clear()
        self.machines = list(collector.machines)
        many = len(self.machines) > MAX_CURVES
        self.selected = 0 if many else None
        self.plots: dict[str, pg.PlotItem] = {}
        self.pixels: dict[str, PixelCurves] = {}
        self.curves: dict[str, list[pg.PlotCurveItem]] = {}
        # The signal the policy watches gets the width and most of the height; the other two sit
        # side by side under it (three stacked plots at 700 px are 60 px each: unreadable).
        main = collector.signal if collector.signal in SIGNALS else SIGNALS[0]
        others = [sig for sig in SIGNALS if sig != main]
        for sig in [main, *others]:
            if sig == main:
                p = add_plot(plots, row=0, col=0, colspan=2)
            else:
                p = add_plot(plots, row=1, col=others.index(sig))
            style_plot(p)
            p.setXRange(0, runner.end_time, padding=0.01)
            p.enableAutoRange(x=False, y=False)   # fixed ranges: no bounds scan of every point each frame
            p.setMouseEnabled(x=True, y=False)
            # Not x-linked: pyqtgraph links side-by-side views by pixel, which would shift their time ranges.
            self.plots[sig] = p
            n = 1 if many else len(self.machines)
            self.pixels[sig] = PixelCurves(p, [pg.mkPen(colour(j), width=1) for j in range(n)])
            self.curves[sig] = self.pixels[sig].curves
            # Zoomed, panned or resized: that plot is drawn again at its new resolution (also when paused).
            p.sigXRangeChanged.connect(lambda *_a, sig=sig: self._redraw(sig))
            p.getViewBox().sigResized.connect(lambda *_a, sig=sig: self._redraw(sig))
        self.signal = collector.signal if collector.signal in self.plots else SIGNALS[0]
        self.marker_plot = self.plots[self.signal]
        self.markers: dict[str, pg.ScatterPlotItem] = {}
        for kind in MARKER_KINDS:
            symbol, col, _label, _text = MARKERS[kind]
            size = 7 if kind == "false_alarm" else 9
            item = pg.ScatterPlotItem(size=size, symbol=symbol, pen=pg.mkPen(col), brush=pg.mkBrush(col))
            self.marker_plot.addItem(item)
            self.markers[kind] = item
        self._marker_seen.clear()
        zones = scenario.zones
        self.zone_lines: list[pg.InfiniteLine] = []
        for value, name in ((zones.b_c, "B/C"), (zones.c_d, "C/D")):
            # Label at the left end, under the line and inside the plot (a centred label is cut by the axis).
            line = pg.InfiniteLine(pos=value, angle=0, pen=pg.mkPen("#8a97a6", style=Qt.PenStyle.DotLine),
                                   label=name, labelOpts={"position": 0.03, "color": "#6b7a89",
                                                          "anchors": [(0, 0), (0, 0)],
                                                          "fill": pg.mkBrush(255, 255, 255, 200)})
            line.label.setFont(plot_font())
            self.plots["vibration"].addItem(line, ignoreBounds=True)
            self.zone_lines.append(line)
        self.time_plot = self.plots[main]   # its time axis is labelled with the unit
        plots.ci.layout.setRowStretchFactor(0, 3)
        plots.ci.layout.setRowStretchFactor(1, 2)
        # The machine states over time go under the machine table (the Machines tab).
        self.state_plots.clear()
        gantt = add_plot(self.state_plots, row=0, col=0)
        style_plot(gantt, grid=False)
        gantt.setXRange(0, runner.end_time, padding=0.01)
        gantt.enableAutoRange(x=False)
        gantt.setMouseEnabled(x=True, y=False)
        self.gantt = gantt
        self.timeline = StateTimeline(gantt, self.machines, runner.end_time, STATE_COLOURS, columns=2000)
        self.pick.blockSignals(True)
        self.pick.clear()
        for name in self.machines:
            self.pick.addItem(name)
        self.pick.setCurrentIndex(0)
        self.pick.blockSignals(False)
        self.pick_row.setVisible(many)
        self.health.setRowCount(len(self.machines))
        self.reset(scenario, runner, collector)

    def reset(self, scenario: Any, runner: Any, collector: MaintenanceCollector) -> None:
        self.scenario = scenario
        self.collector = collector
        self._clear_plots()
        self.timeline.clear()
        self._ranges()
        self.draw_thresholds()
        self.retranslate()

    def _ranges(self) -> None:
        """Start each signal's range at the healthy level (± noise) and the alarm threshold; it grows with
        the readings (``_grow``), so no frame has to scan every point for auto-ranging."""
        policy = self.scenario.policy
        self._range: dict[str, list[float]] = {}
        self._seen: dict[tuple[str, str], int] = {}
        for sig, p in self.plots.items():
            model = getattr(self.scenario.sensors, sig)
            low, high = model.base - 3 * model.noise_sd, model.base + 3 * model.noise_sd
            if getattr(policy, "type", "") == "condition_based" and policy.signal == sig:
                high = max(high, policy.threshold * 1.2)   # room for the threshold's label above it
            elif getattr(policy, "type", "") == "rule":
                high = max([high] + [float(v) * 1.2 for s, _e, _o, v in rule_levels(policy.rule) if s == sig])
            if sig != "temperature":
                low = max(0.0, low)
            if sig == "vibration":   # the zone B/C limit in view from the start: the reading's yardstick
                high = max(high, self.scenario.zones.b_c * 1.15)
            self._range[sig] = [low, high]
            p.setYRange(low, high, padding=0.05)

    def _grow(self) -> None:
        for sig, p in self.plots.items():
            col = SIGNALS.index(sig)
            lo, hi = self._range[sig]
            for name in self.machines:
                series = self.collector.series[name]
                start = self._seen.get((sig, name), 0)
                if series.n > start:
                    y = series.y(col)[start:]
                    lo, hi = min(lo, float(y.min())), max(hi, float(y.max()))
                    self._seen[(sig, name)] = series.n
            old_lo, old_hi = self._range[sig]
            if lo < old_lo or hi > old_hi:
                span = (hi - lo) or 1.0
                # Grow with some headroom so the range changes a few times per run, not every frame.
                lo = lo - 0.1 * span if lo < old_lo else old_lo
                hi = hi + 0.1 * span if hi > old_hi else old_hi
                self._range[sig] = [lo, hi]
                p.setYRange(lo, hi, padding=0.02)

    def draw_thresholds(self) -> None:
        for item in self.threshold_items:
            vb = item.getViewBox()
            if vb is not None:
                vb.removeItem(item)
        self.threshold_items.clear()
        policy = self.scenario.policy
        ptype = getattr(policy, "type", "")
        if ptype == "condition_based" and policy.signal in self.plots:
            unit = SIGNAL_LABELS[policy.signal][1]
            text = _("alarm threshold {value} {unit}").format(value=format_decimal(policy.threshold, 2), unit=unit)
            self.threshold_items.append(threshold_line(self.plots[policy.signal], policy.threshold, text))
        elif ptype == "rule":
            for signal, expr, op, value in rule_levels(policy.rule):
                text = _("rule: {expr} {op} {value}").format(expr=expr, op=op, value=value)
                self.threshold_items.append(threshold_line(self.plots[signal], float(value), text))

    # --- machines ------------------------------------------------------------------------------

    def select_machine(self, row: int) -> None:
        """A click in the machine table shows that machine's signals (when they are shown one at a time)."""
        if self.selected is not None and 0 <= row < len(self.machines):
            self.pick.setCurrentIndex(row)
            self.tabs.setCurrentIndex(0)

    def _picked(self, index: int) -> None:
        if self.selected is None or index < 0:
            return
        self.selected = index
        self._clear_plots()
        self.refresh(self.view.runner.now if self.view.runner else 0.0, slow=True)
        self.retranslate()

    def _redraw(self, sig: str) -> None:
        if self.collector is None or sig not in self.curves:
            return
        for key in [k for k in self._drawn if k[0] == sig]:
            del self._drawn[key]
        self._draw_signals()

    def _clear_plots(self) -> None:
        """Empty every curve and marker set; the next refresh draws them all again."""
        self._drawn.clear()
        for curves in self.curves.values():
            for curve in curves:
                curve.setData([], [])
        for item in self.markers.values():
            item.setData([], [])
        self._marker_seen.clear()

    # --- updates -------------------------------------------------------------------------------

    def refresh(self, now: float, slow: bool) -> None:
        self.pictures.refresh(now, slow)
        if slow:
            self._grow()
            self._update_table()

    def _draw_signals(self) -> None:
        c = self.collector
        shown = [self.machines[self.selected]] if self.selected is not None else self.machines
        for sig, curves in self.curves.items():
            col = SIGNALS.index(sig)
            for j, name in enumerate(shown[:len(curves)]):
                series = c.series[name]
                if self._drawn.get((sig, j)) != series.n:
                    self._drawn[(sig, j)] = series.n
                    self.pixels[sig].show(series.x, series.rows(col, col + 1), first=j)
        for kind, item in self.markers.items():
            m = c.markers[kind]
            if self._marker_seen.get(kind) == (m.n, self.selected):
                continue
            self._marker_seen[kind] = (m.n, self.selected)
            x, y, who = m.x, m.y(0), m.y(1)
            if self.selected is not None:
                keep = who == self.selected
                x, y = x[keep], y[keep]
            x, y = thin_markers(x, y, self.view.runner.end_time / MARKER_BINS)
            item.setData(x.copy(), y.copy())

    def _update_table(self) -> None:
        snap = self.collector.snapshot or self.view.runner.snapshot()
        table = self.health
        for row, name in enumerate(self.machines):
            info = snap["machines"].get(name, {})
            state = info.get("state", "running")
            zone = info.get("zone") or ""
            texts = [name, _(STATE_LABELS[state]) if state in STATE_LABELS else state, zone or "—",
                     _("{hours} h").format(hours=format_decimal(info.get("age_h", 0.0), 0)),
                     _("yes") if info.get("alarm") else _("no")]
            for col, text in enumerate(texts):
                item = table.item(row, col)
                if item is None:
                    item = QTableWidgetItem()
                    table.setItem(row, col, item)
                if item.text() != text:
                    item.setText(text)
            tint = QColor(STATE_COLOURS[MACHINE_STATES.index(state)] if state in MACHINE_STATES else "#6b7a89")
            tint.setAlpha(60)
            table.item(row, 1).setBackground(tint)
            table.item(row, 2).setBackground(QColor(ZONE_COLOURS.get(zone, "#ffffff")))

    # --- texts ---------------------------------------------------------------------------------

    def retranslate(self) -> None:
        self.pick_label.setText(_("Signals of:"))
        self.health.setHorizontalHeaderLabels([_("Machine"), _("State"), _("Zone"), _("Part age"), _("Alarm")])
        self._update_table()
        self.health.resizeColumnsToContents()
        self.health.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.health.horizontalHeader().setStretchLastSection(True)
        self.tabs.setTabText(0, _("Signals"))
        self.tabs.setTabText(1, _("Machines"))
        shown = [self.machines[self.selected]] if self.selected is not None else self.machines
        for sig, p in self.plots.items():
            name, unit = SIGNAL_LABELS[sig]
            title = _("{signal} ({unit})").format(signal=_(name), unit=unit)
            if self.selected is not None:
                title = _("{machine}: {signal}").format(machine=self.machines[self.selected], signal=title)
            set_labels(p, title, bottom=_("Operating time (h)") if p is self.time_plot else "")
        set_labels(self.gantt, _("Machine states"), "", _("Operating time (h)"))
        marker_names = {k: _(MARKERS[k][2]) for k in MARKER_KINDS}
        state_names = {st: _(STATE_LABELS[st]) for st in MACHINE_STATES}
        parts = [f"<span style='color:{MARKERS[k][1]}'>{MARKERS[k][3]}</span>&nbsp;{marker_names[k]}"
                 for k in MARKER_KINDS]
        if len(shown) > 1:
            parts += [f"<span style='color:{colour(j)}'>━</span>&nbsp;{m}" for j, m in enumerate(shown)]
        self.key.setText(" &nbsp; ".join(parts))
        self.state_key.setText(" &nbsp; ".join(f"<span style='color:{c}'>■</span>&nbsp;{state_names[st]}"
                                               for c, st in zip(STATE_COLOURS, MACHINE_STATES)))
        self.draw_thresholds()

    def key_texts(self) -> list[str]:
        """The entries of the signals' key, as words (for tests: no entry twice)."""
        doc = QTextDocument()
        doc.setHtml(self.key.text())
        return [t.strip() for t in doc.toPlainText().replace("\u00a0", " ").split("   ") if t.strip()]

    def clock_text(self, now: float, end: float) -> str:
        return _("day {now} of {end}").format(now=format_decimal(now / 24, 0), end=format_decimal(end / 24, 0))

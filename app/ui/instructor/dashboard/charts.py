"""The dashboard's pyqtgraph charts.

Each chart keeps the data it was given and redraws everything from it in
``render()`` (titles, axis labels, legends, reference lines), so a language
change is one ``render()`` away and never needs a new query.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QWidget

from app.i18n import _, format_date, format_decimal, format_percent, pgettext
from app.services.dashboard_queries import CompletionTimeline, ItemRow, LabMetricStats, StepTime, histogram
from app.services.reports import ScoreDistribution
from app.ui.labs.panels import OPS, format_metric, metric_label
from app.ui.labs.plots import INK, PALETTE, plot_font, set_labels, setup_pyqtgraph, style_plot

BLUE, ORANGE, GREEN, PINK, SKY, RED = PALETTE[0], PALETTE[1], PALETTE[2], PALETTE[3], PALETTE[4], PALETTE[5]
MUTED = "#8a99a8"
DUE = "#b42318"


def axis_date_pattern() -> str:
    # Translators: a Babel/CLDR date pattern for chart axis ticks (Chinese: M月d日).
    return pgettext("chart axis date", "MMM d")


class DayAxis(pg.AxisItem):
    """x is a date ordinal; ticks fall on whole days (weeks start on Monday), labelled in the UI locale."""

    STEPS = (1, 2, 7, 14, 28, 56, 91, 182, 364)

    def tickValues(self, minVal: float, maxVal: float, size: float):
        if maxVal <= minVal:
            return []
        fit = max(2, int(size / 70))
        step = next((s for s in self.STEPS if (maxVal - minVal) / s <= fit), self.STEPS[-1])
        first = math.ceil((minVal - 1) / step) * step + 1 if step % 7 == 0 else math.ceil(minVal / step) * step
        values = []
        v = first
        while v <= maxVal:
            values.append(v)
            v += step
        return [(step, values)]

    def tickStrings(self, values, scale, spacing):
        pattern = axis_date_pattern()
        out = []
        for v in values:
            try:
                out.append(format_date(dt.date.fromordinal(int(round(v))), pattern))
            except (ValueError, OverflowError):
                out.append("")
        return out


class Chart(pg.PlotWidget):
    """A plot with the app's look and a centred message when there is nothing to draw."""

    def __init__(self, name: str, parent: QWidget | None = None, **kw) -> None:
        setup_pyqtgraph()
        # No pyqtgraph context menus (style_plot turns them off): building them was ~half of a chart's set-up.
        super().__init__(parent, enableMenu=False, **kw)
        self.setObjectName(name)
        self.plot_item: pg.PlotItem = self.getPlotItem()
        style_plot(self.plot_item)
        self.plot_item.setMouseEnabled(x=False, y=False)
        self.legend: pg.LegendItem | None = None
        self.message: pg.TextItem | None = None
        self.grid_x = True
        self.setMinimumSize(260, 200)

    def reset(self) -> None:
        self.plot_item.clear()
        self.message = None
        if self.legend is not None:  # a fresh legend each time: Qt's grid keeps the old column widths
            self.legend.setParentItem(None)
            if self.legend.scene() is not None:
                self.legend.scene().removeItem(self.legend)
            self.plot_item.legend = None
            self.legend = None
        for name in ("left", "bottom"):
            axis = self.plot_item.getAxis(name)
            axis.setStyle(showValues=True)
            axis.enableAutoSIPrefix(False)   # counts and scores read as they are, never "(x0.001)"
        self.plot_item.showGrid(x=self.grid_x, y=True, alpha=0.25)

    def show_message(self, text: str) -> None:
        """Draw ``text`` in the middle of an empty plot (no data yet, nothing chosen)."""
        self.message = pg.TextItem(text, color=MUTED, anchor=(0.5, 0.5))
        self.message.setFont(plot_font())
        self.plot_item.addItem(self.message, ignoreBounds=True)
        self.message.setPos(0.5, 0.5)
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).setStyle(showValues=False)
        self.plot_item.showGrid(x=False, y=False)
        self.plot_item.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)

    def ensure_legend(self) -> pg.LegendItem:
        """A one-row legend above the plot area (never over the data), right-aligned."""
        if self.legend is None:
            legend = pg.LegendItem(offset=None, colCount=4, labelTextColor=INK, horSpacing=14, frame=False)
            legend.setLabelTextSize(f"{plot_font().pointSizeF():.0f}pt")
            legend.setParentItem(self.plot_item)
            self.plot_item.legend = legend  # so items added with a name get an entry
            self.legend = legend
        self.plot_item.layout.setRowFixedHeight(0, 26)  # the (unused) title row holds the legend
        self.legend.anchor((1, 0), (1, 0), offset=(-6, 1))
        return self.legend

    def legend_texts(self) -> list[str]:
        return [label.text for _sample, label in self.legend.items] if self.legend else []

    def axis_label(self, name: str) -> str:
        return self.plot_item.getAxis(name).labelText

    def integer_ticks(self, axis: str, top: float) -> None:
        major = max(1, math.ceil(top / 5))
        self.plot_item.getAxis(axis).setTickSpacing(major, major)

    def clear_ticks(self) -> None:
        for name in ("left", "bottom"):
            self.plot_item.getAxis(name).setTickSpacing()


def _vline(plot: pg.PlotItem, x: float, text: str, colour: str, position: float = 0.92,
           left: bool = False) -> pg.InfiniteLine:
    """A dashed vertical line with its label right of it, or left of it (``left``) near the plot's right edge."""
    anchor = (1, 0.5) if left else (0, 0.5)
    line = pg.InfiniteLine(pos=x, angle=90, movable=False,
                           pen=pg.mkPen(colour, width=2, style=Qt.PenStyle.DashLine), label=text,
                           labelOpts={"position": position, "color": colour, "anchors": [anchor, anchor],
                                      "fill": pg.mkBrush(255, 255, 255, 200)})
    line.label.setFont(plot_font())
    plot.addItem(line)
    return line


class CompletionChart(Chart):
    """Share of trainees done with the course, and mean progress, per day; a dashed line per due date."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("completionChart", parent, axisItems={"bottom": DayAxis(orientation="bottom")})
        self.timeline: CompletionTimeline | None = None
        self.completed_curve: pg.PlotDataItem | None = None
        self.progress_curve: pg.PlotDataItem | None = None
        self.due_lines: list[pg.InfiniteLine] = []
        self.render()

    def set_timeline(self, timeline: CompletionTimeline | None) -> None:
        self.timeline = timeline
        self.render()

    def render(self) -> None:
        self.reset()
        self.due_lines = []
        set_labels(self.plot_item, left=_("Trainees (%)"), bottom=_("Date"))
        tl = self.timeline
        if tl is None or not tl.days:
            self.completed_curve = self.progress_curve = None
            self.show_message(_("No activity in this course yet.") if tl is not None else _("Loading…"))
            return
        self.ensure_legend()
        xs = [d.toordinal() for d in tl.days]
        symbol = "o" if len(xs) <= 31 else None
        self.progress_curve = self.plot_item.plot(
            xs, [v * 100 for v in tl.progress], name=_("Mean progress (steps passed)"),
            pen=pg.mkPen(SKY, width=2), symbol=symbol, symbolSize=5, symbolBrush=SKY, symbolPen=None)
        self.completed_curve = self.plot_item.plot(
            xs, [v * 100 for v in tl.completed], name=_("Completed the course"),
            pen=pg.mkPen(BLUE, width=3), symbol=symbol, symbolSize=6, symbolBrush=BLUE, symbolPen=None)
        last = max([xs[-1]] + [d.toordinal() for d, _n in tl.due_dates])
        for i, (due, n) in enumerate(tl.due_dates):
            text = _("Due {date} ({count})").format(date=format_date(due, axis_date_pattern()), count=n)
            # In the right half the label goes left of its line, so the plot's edge never cuts it (review #33).
            left = due.toordinal() > (xs[0] + last) / 2
            self.due_lines.append(_vline(self.plot_item, due.toordinal(), text, DUE, 0.93 - 0.09 * (i % 3), left))
        self.plot_item.setRange(xRange=(xs[0] - 0.5, last + 1.5), yRange=(0, 100), padding=0.02)


class ScoreHistogram(Chart):
    """How many trainees have their best score in each tenth of the range; the pass mark as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("scoreHistogram", parent)
        self.dist: ScoreDistribution | None = None
        self.pass_mark: float | None = None
        self.bars: pg.BarGraphItem | None = None
        self.pass_line: pg.InfiniteLine | None = None
        self.render()

    def set_distribution(self, dist: ScoreDistribution | None, pass_mark: float | None) -> None:
        self.dist, self.pass_mark = dist, pass_mark
        self.render()

    def render(self) -> None:
        self.reset()
        self.bars = self.pass_line = None
        set_labels(self.plot_item, left=_("Trainees"), bottom=_("Best score (%)"))
        if self.dist is None or not self.dist.n:
            self.show_message(_("No attempts at this quiz yet."))
            return
        bins = len(self.dist.bins)
        width = 100 / bins
        centres = [(i + 0.5) * width for i in range(bins)]
        below = [c if (i + 1) * width <= (self.pass_mark or 0) * 100 + 1e-9 else 0
                 for i, c in enumerate(self.dist.bins)]
        above = [c - b for c, b in zip(self.dist.bins, below)]
        self.ensure_legend()
        if any(below):
            self.plot_item.addItem(pg.BarGraphItem(x=centres, height=below, width=width * 0.85,
                                                   brush=pg.mkBrush(ORANGE), pen=pg.mkPen("w"),
                                                   name=_("Below the pass mark")))
        self.bars = pg.BarGraphItem(x=centres, height=above, width=width * 0.85, brush=pg.mkBrush(BLUE),
                                    pen=pg.mkPen("w"), name=_("At or above the pass mark"))
        self.plot_item.addItem(self.bars)
        if self.pass_mark is not None:
            self.pass_line = _vline(self.plot_item, self.pass_mark * 100,
                                    _("Pass mark {mark}").format(mark=format_percent(self.pass_mark)), DUE)
        top = max(self.dist.bins)
        self.integer_ticks("left", top)
        self.plot_item.setRange(xRange=(0, 100), yRange=(0, top * 1.25 + 0.5), padding=0.02)

    def heights(self) -> list[int]:
        """The bar heights drawn, per bin (both colours together)."""
        total = [0.0] * (len(self.dist.bins) if self.dist else 0)
        for item in self.plot_item.items:
            if isinstance(item, pg.BarGraphItem):
                for i, h in enumerate(item.opts["height"]):
                    total[i] += h
        return [int(h) for h in total]


class ItemScatter(Chart):
    """Difficulty p against discrimination D, one labelled dot per question; guides at the flag limits."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("itemScatter", parent)
        self.items: Sequence[ItemRow] = ()
        self.numbers: dict[str, int] = {}
        self.spots: dict[str, tuple[float, float]] = {}
        self.render()

    def set_items(self, items: Sequence[ItemRow], numbers: dict[str, int]) -> None:
        """``numbers``: each question's place in the quiz, the dot's label (ids are too long to fit)."""
        self.items, self.numbers = list(items), dict(numbers)
        self.render()

    @staticmethod
    def _tip(x: float, y: float, data: str) -> str:
        return _("{question}: p {p}, D {d}").format(question=data, p=format_decimal(x, 2), d=format_decimal(y, 2))

    def render(self) -> None:
        from app.services.dashboard_queries import TOO_EASY_P, TOO_HARD_P, WEAK_D

        self.reset()
        self.spots = {}
        self.labels: list[pg.TextItem] = []  # the question numbers beside the dots
        set_labels(self.plot_item, left=_("Discrimination D"), bottom=_("Difficulty p (share correct)"))
        shown = [i for i in self.items if i.discrimination is not None]
        if not shown:
            self.show_message(_("No attempts at this quiz yet."))
            return
        guide = pg.mkPen(MUTED, width=1, style=Qt.PenStyle.DotLine)
        for x in (TOO_HARD_P, TOO_EASY_P):
            self.plot_item.addItem(pg.InfiniteLine(pos=x, angle=90, pen=guide, movable=False))
        self.plot_item.addItem(pg.InfiniteLine(pos=WEAK_D, angle=0, pen=guide, movable=False))
        self.plot_item.addItem(pg.InfiniteLine(pos=0, angle=0, pen=pg.mkPen(INK, width=1), movable=False))
        self.ensure_legend()
        groups = ((_("Looks broken"), RED, "t", [i for i in shown if i.broken]),
                  (_("Worth a look"), ORANGE, "s", [i for i in shown if i.flags and not i.broken]),
                  (_("Fine"), BLUE, "o", [i for i in shown if not i.flags]))
        for name, colour, symbol, group in groups:
            if not group:
                continue
            scatter = pg.ScatterPlotItem([i.difficulty for i in group], [i.discrimination for i in group],
                                         data=[i.question_id for i in group], symbol=symbol, size=11,
                                         brush=pg.mkBrush(colour), pen=pg.mkPen("w"), name=name,
                                         hoverable=True, tip=self._tip)
            self.plot_item.addItem(scatter)
            for i in group:
                self.spots[i.question_id] = (i.difficulty, i.discrimination)
        # Questions on the same spot (often p 0 or 1, D 0) share one label "3, 5, 7" instead of overprinting.
        at: dict[tuple[float, float], list[int | str]] = {}
        for i in shown:
            at.setdefault((round(i.difficulty, 2), round(i.discrimination, 2)), []).append(
                self.numbers.get(i.question_id, "?"))
        for (x, y), numbers in at.items():
            text = ", ".join(str(n) for n in sorted(numbers, key=lambda n: (isinstance(n, str), n)))
            label = pg.TextItem(text, color=INK, anchor=(1, 0.5) if x > 0.8 else (0, 0.5))
            label.setFont(plot_font())
            label.setPos(x - 0.02 if x > 0.8 else x + 0.02, y)
            self.plot_item.addItem(label, ignoreBounds=True)
            self.labels.append(label)
        self.plot_item.setRange(xRange=(-0.03, 1.08), yRange=(-1.12, 1.12), padding=0)


class LabMetricChart(Chart):
    """Trainees per value band of one lab metric (each trainee's best), the objective's target as a line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("labMetricChart", parent)
        self.stats: LabMetricStats | None = None
        self.target_line: pg.InfiniteLine | None = None
        self.render()

    def set_stats(self, stats: LabMetricStats | None) -> None:
        self.stats = stats
        self.render()

    def render(self) -> None:
        self.reset()
        self.clear_ticks()
        self.target_line = None
        self.bars_met: list[int] = []
        self.bars_missed: list[int] = []
        st = self.stats
        set_labels(self.plot_item, left=_("Trainees"), bottom=metric_label(st.metric) if st else _("Value"))
        if st is None or not st.values:
            self.show_message(_("No lab runs with this result yet.") if st else _("This course has no lab."))
            return
        # Each trainee's bar is coloured by the grading rule applied to their own value (not to the
        # middle of the band: a band can hold trainees on both sides of the target).
        lo, hi = st.edges[0], st.edges[-1]
        _edges, good = histogram([v.value for v in st.values if st.meets(v.value)], len(st.counts), lo, hi)
        bad = [c - g for c, g in zip(st.counts, good)]
        x0, x1 = st.edges[:-1], st.edges[1:]
        self.ensure_legend()
        gap = (x1[0] - x0[0]) * 0.08
        self.bars_met, self.bars_missed = list(good), bad
        for heights, base, colour, name in ((good, [0] * len(good), GREEN, _("Meets the target")),
                                            (bad, good, ORANGE, _("Misses the target"))):
            if any(heights):
                self.plot_item.addItem(pg.BarGraphItem(x0=[a + gap for a in x0], x1=[b - gap for b in x1],
                                                       y0=base, height=heights, brush=pg.mkBrush(colour),
                                                       pen=pg.mkPen("w"), name=name))
        text = _("Target {op} {value}").format(op=OPS.get(st.op, st.op), value=format_metric(st.metric, st.target))
        self.target_line = _vline(self.plot_item, st.target, text, DUE)
        top = max(st.counts)
        self.integer_ticks("left", top)
        if all(float(v.value).is_integer() for v in st.values) and float(st.target).is_integer():
            # A count (violations, failures): whole numbers on the axis, never "×0.001".
            self.integer_ticks("bottom", max(1.0, hi - lo))
        span = hi - lo
        self.plot_item.setRange(xRange=(lo - span * 0.05, hi + span * 0.05),
                                yRange=(0, top * 1.25 + 0.5), padding=0)


class TimeChart(Chart):
    """Mean minutes per trainee on each step beside the course's estimate (horizontal bars)."""

    LABEL_PX = 190

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("timeChart", parent)
        self.times: Sequence[StepTime] = ()
        self.titles: Sequence[str] = ()
        self.mean_bars: pg.BarGraphItem | None = None
        self.plot_item.invertY(True)
        self.render()

    def set_times(self, times: Sequence[StepTime], titles: Sequence[str]) -> None:
        self.times, self.titles = list(times), list(titles)
        self.render()

    def render(self) -> None:
        self.reset()
        self.mean_bars = None
        set_labels(self.plot_item, bottom=_("Minutes per trainee"))
        left = self.plot_item.getAxis("left")
        if not self.times:
            left.setTicks(None)
            self.show_message(_("Loading…"))
            return
        fm = QFontMetrics(plot_font())
        left.setTicks([[(i, fm.elidedText(t, Qt.TextElideMode.ElideRight, self.LABEL_PX))
                        for i, t in enumerate(self.titles)], []])
        left.setWidth(self.LABEL_PX + 12)
        self.ensure_legend()
        ys = list(range(len(self.times)))
        means = [(t.mean_s or 0) / 60 for t in self.times]
        estimates = [t.estimated_s / 60 for t in self.times]
        self.plot_item.addItem(pg.BarGraphItem(x0=0, y0=[y + 0.02 for y in ys], width=estimates, height=0.36,
                                               brush=pg.mkBrush("#c9d3dd"), pen=pg.mkPen("w"),
                                               name=_("Estimated by the course")))
        self.mean_bars = pg.BarGraphItem(x0=0, y0=[y - 0.38 for y in ys], width=means, height=0.36,
                                         brush=pg.mkBrush(BLUE), pen=pg.mkPen("w"), name=_("Mean time spent"))
        self.plot_item.addItem(self.mean_bars)
        for y, t in zip(ys, self.times):
            if t.mean_s:
                label = pg.TextItem(format_decimal(t.mean_s / 60, 1), color=INK, anchor=(0, 0.5))
                label.setFont(plot_font())
                label.setPos(t.mean_s / 60, y - 0.2)
                self.plot_item.addItem(label, ignoreBounds=True)
        top = max(means + estimates + [1])
        self.plot_item.setRange(xRange=(0, top * 1.15), yRange=(-0.6, len(ys) - 0.4), padding=0)

    def mean_minutes(self) -> list[float]:
        return [float(w) for w in self.mean_bars.opts["width"]] if self.mean_bars is not None else []

"""pyqtgraph helpers for the live lab views.

Series live in preallocated numpy arrays (doubling when full) and are handed to
curves as views, so a frame costs one ``setData`` per curve; curves clip to the
visible range and downsample (peak) to the pixel width, which keeps a frame
cheap however many points a run collects. ``StateTimeline`` draws a Gantt chart
of element states as one image (rows × time columns) instead of thousands of
rectangles.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QFont
from PySide6.QtWidgets import QApplication, QGraphicsItem, QVBoxLayout, QWidget

INK = "#1f2d3d"
GRID_ALPHA = 0.25

# Okabe-Ito: distinguishable with the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]

_configured = False


def setup_pyqtgraph() -> None:
    """Light plots that match the app (white background, dark ink); called before the first plot."""
    global _configured
    if _configured:
        return
    _configured = True
    pg.setConfigOptions(background="w", foreground=INK, antialias=False, imageAxisOrder="row-major")


def colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def plot_font() -> QFont:
    """The application font (the bundled CJK family), a little smaller, for axes and legends."""
    font = QFont(QApplication.font())
    font.setPointSizeF(max(8.0, font.pointSizeF() - 1))
    return font


def style_plot(plot: pg.PlotItem, *, grid: bool = True) -> None:
    """Axis fonts from the app font (Chinese axis labels would otherwise be tofu on a bare PC)."""
    font = plot_font()
    for name in ("left", "bottom"):
        axis = plot.getAxis(name)
        axis.setStyle(tickFont=font)
        axis.label.setFont(font)
        # An axis (with its grid) is redrawn whenever a curve under it changes; text is slow to draw,
        # so keep it as a pixmap that is only rebuilt when the axis itself changes.
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.titleLabel.item.setFont(font)
    if grid:
        plot.showGrid(x=True, y=True, alpha=GRID_ALPHA)
    plot.setMenuEnabled(False)
    plot.hideButtons()


def add_plot(layout: pg.GraphicsLayout | pg.GraphicsLayoutWidget, **kw) -> pg.PlotItem:
    """A plot in ``layout`` (``row``, ``col``, ``colspan`` …) built without pyqtgraph's context menus.

    ``style_plot`` turns them off in any case; built, the view box's menu (two sets of axis controls) was
    close to half of a plot's construction (~11 of ~24 ms of CPU, with the app's event filter on).
    """
    return layout.addPlot(enableMenu=False, **kw)


def set_labels(plot: pg.PlotItem, title: str = "", left: str = "", bottom: str = "", *,
               left_units: str | None = None, bottom_units: str | None = None) -> None:
    """(Re)set the title and axis labels; call again from the retranslate callback."""
    font = plot_font()
    size = f"{font.pointSizeF():.0f}pt"
    plot.setTitle(title, size=size, color=INK) if title else plot.setTitle(None)
    if left:
        plot.setLabel("left", left, units=left_units, color=INK, size=size)
    if bottom:
        plot.setLabel("bottom", bottom, units=bottom_units, color=INK, size=size)
    for name in ("left", "bottom"):
        plot.getAxis(name).label.setFont(font)


def add_legend(plot: pg.PlotItem, columns: int = 1) -> pg.LegendItem:
    legend = plot.addLegend(offset=(6, 4), colCount=columns, labelTextColor=INK,
                            brush=pg.mkBrush(255, 255, 255, 200), pen=pg.mkPen("#c9d3dd"))
    legend.setLabelTextSize(f"{plot_font().pointSizeF():.0f}pt")
    return legend


def rename_legend(legend: pg.LegendItem, item: pg.GraphicsObject, text: str) -> None:
    """Change the legend text of ``item`` in place (on a language change)."""
    for sample, label in legend.items:
        if sample.item is item:
            label.setText(text)
            break
    legend.updateSize()


def plot_area(host: QWidget, name: str) -> tuple[QVBoxLayout, pg.GraphicsLayoutWidget]:
    """``host`` named ``name``, laid out top to bottom without margins, its plots taking the height."""
    setup_pyqtgraph()
    host.setObjectName(name)
    lay = QVBoxLayout(host)
    lay.setContentsMargins(0, 0, 0, 0)
    lay.setSpacing(2)
    plots = pg.GraphicsLayoutWidget()
    lay.addWidget(plots, 1)
    return lay, plots


class Series:
    """An x column and ``columns`` y columns, appended row by row into arrays that double when full."""

    def __init__(self, columns: int, capacity: int = 4096) -> None:
        self.columns = columns
        self._x = np.empty(max(16, capacity), dtype=np.float64)
        self._y = np.empty((columns, max(16, capacity)), dtype=np.float64)
        self.n = 0

    def _grow(self, need: int) -> None:
        cap = self._x.shape[0]
        if need <= cap:
            return
        new = max(need, cap * 2)
        x = np.empty(new, dtype=np.float64)
        x[: self.n] = self._x[: self.n]
        y = np.empty((self.columns, new), dtype=np.float64)
        y[:, : self.n] = self._y[:, : self.n]
        self._x, self._y = x, y

    def append(self, x: float, ys: Sequence[float]) -> None:
        if self.n >= self._x.shape[0]:
            self._grow(self.n + 1)
        self._x[self.n] = x
        self._y[:, self.n] = ys
        self.n += 1

    def clear(self) -> None:
        self.n = 0

    @property
    def x(self) -> np.ndarray:
        return self._x[: self.n]

    def y(self, column: int = 0) -> np.ndarray:
        return self._y[column, : self.n]

    def rows(self, first: int, stop: int) -> np.ndarray:
        """Columns ``first`` … ``stop - 1`` as one 2-D view (no copy)."""
        return self._y[first:stop, : self.n]

    def last(self, column: int = 0) -> float | None:
        return float(self._y[column, self.n - 1]) if self.n else None


def live_curve(plot: pg.PlotItem, pen, name: str | None = None, **kw) -> pg.PlotDataItem:
    """A curve set up for big growing series: clipped to the view, peak-downsampled, no finite check."""
    item = plot.plot([], [], pen=pen, name=name, **kw)
    item.setClipToView(True)
    item.setDownsampling(auto=True, method="peak")
    item.setSkipFiniteCheck(True)
    return item


def peak_downsample(x: np.ndarray, ys: np.ndarray, ds: int, start: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Every ``ds`` samples from ``start`` on become two points (the bin's min and max, at its first x), for
    all rows of ``ys`` in one numpy pass; the samples after the last whole bin stay as they are."""
    n = len(x)
    bins = max(0, (n - start) // ds)
    end = start + bins * ds
    if ds <= 1 or bins == 0:
        return x[start:], ys[:, start:]
    block = ys[:, start:end].reshape(len(ys), bins, ds)
    tail = n - end
    out_y = np.empty((len(ys), 2 * bins + tail))
    lows, highs = out_y[:, 0:2 * bins:2], out_y[:, 1:2 * bins:2]
    if ds <= 32:
        # ds element-wise passes over whole rows: several times faster than numpy's reduction over a short axis.
        lows[:], highs[:] = block[:, :, 0], block[:, :, 0]
        for j in range(1, ds):
            np.minimum(lows, block[:, :, j], out=lows)
            np.maximum(highs, block[:, :, j], out=highs)
    else:
        lows[:], highs[:] = block.min(axis=2), block.max(axis=2)
    out_y[:, 2 * bins:] = ys[:, end:]
    out_x = np.empty(2 * bins + tail)
    out_x[0:2 * bins:2] = x[start:end:ds]
    out_x[1:2 * bins:2] = out_x[0:2 * bins:2]
    out_x[2 * bins:] = x[end:]
    return out_x, out_y


class _BoundedCurve(pg.PlotCurveItem):
    """A curve told its data's bounds with its data: ``PixelCurves`` finds them for all its curves in one numpy
    pass, where pyqtgraph scans each curve twice (NaN-aware min and max per axis) every time it is drawn anew."""

    bounds: tuple[tuple[float, float], tuple[float, float]] | None = None

    def dataBounds(self, ax, frac=1.0, orthoRange=None):
        # pyqtgraph widens the bounds for a non-cosmetic pen or a fill level; those curves compute their own.
        pen = self.opts["pen"]
        if (self.bounds is None or frac < 1.0 or orthoRange is not None or self.opts["shadowPen"] is not None
                or self.opts["fillLevel"] not in (None, "enclosed") or (pen is not None and not pen.isCosmetic())):
            return super().dataBounds(ax, frac, orthoRange)
        return self.bounds[ax]


class PixelCurves:
    """Curves over one shared, growing x column, drawn at the plot's pixel width.

    Each frame the visible samples of all curves are peak-downsampled together (one numpy pass, about
    one bin per pixel column, bins aligned so they stay put as the run grows) and each curve gets the
    ~2 points per pixel it can show. pyqtgraph's own clip-and-downsample costs a Python pass per curve
    per frame and keeps several points per pixel, which made the plots the largest part of a frame.
    """

    def __init__(self, plot: pg.PlotItem, pens: Sequence, scale: float = 1.0) -> None:
        self.plot = plot
        self.scale = scale
        # Bare curve items: a PlotDataItem's option handling costs more than the drawing needs here.
        self.curves = [_BoundedCurve(pen=pen, skipFiniteCheck=True) for pen in pens]
        for curve in self.curves:
            plot.addItem(curve)
        self.top = 0.0   # the largest value shown so far (for a y range that only grows)

    def clear(self) -> None:
        for curve in self.curves:
            curve.bounds = None
            curve.setData([], [])
        self.top = 0.0

    def show(self, x: np.ndarray, ys: np.ndarray, first: int = 0) -> None:
        """Show rows ``ys`` over ``x`` (sorted, in data units before ``scale``) on the curves from ``first`` on
        (curves over different x columns are shown one call each)."""
        curves = self.curves[first:first + len(ys)]
        n = len(x)
        if n == 0:
            for curve in curves:
                curve.bounds = None
                curve.setData([], [])
            return
        vb = self.plot.getViewBox()
        x0, x1 = (v / self.scale for v in vb.viewRange()[0])
        lo = max(0, int(np.searchsorted(x, x0)) - 1)
        hi = min(n, int(np.searchsorted(x, x1, side="right")) + 1)
        ds = 1
        if n > 1 and x[n - 1] > x[0]:
            step = (x[n - 1] - x[0]) / (n - 1)
            ds = max(1, int((x1 - x0) / step / max(1.0, vb.width())))
        lo -= lo % ds
        px, py = peak_downsample(x[lo:hi], ys[:, lo:hi], ds)
        px = px * self.scale
        bounds = self._bounds(px, py)
        for i, (curve, y) in enumerate(zip(curves, py)):
            curve.bounds = None   # calls during setData compute them as pyqtgraph does
            curve.setData(px, y)
            curve.bounds = bounds[i] if bounds is not None else None
        if py.size:
            self.top = max(self.top, float(py.max()))

    @staticmethod
    def _bounds(px: np.ndarray, py: np.ndarray) -> list[tuple[tuple[float, float], tuple[float, float]]] | None:
        """Each row's ((x min, x max), (y min, y max)) as pyqtgraph's dataBounds finds them for finite data
        (NaN skipped); None when there is nothing or an infinite value (pyqtgraph then leaves those out)."""
        if px.size == 0 or py.size == 0:
            return None
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")   # an all-NaN row: pyqtgraph ignores the warning too
            x = (float(np.nanmin(px)), float(np.nanmax(px)))
            lows, highs = np.nanmin(py, axis=1), np.nanmax(py, axis=1)
        if not (np.isfinite(x).all() and np.isfinite(lows).all() and np.isfinite(highs).all()):
            return None
        return [(x, (float(lo), float(hi))) for lo, hi in zip(lows, highs)]


def nice_ceiling(value: float) -> float:
    """The smallest round value (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above ``value`` (> 0): a y
    range that changes a few times per run (each change redraws the axis) and leaves at most ~25 % empty."""
    if value <= 0:
        return 1.0
    k = 10.0 ** np.floor(np.log10(value))
    for m in (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0):
        if m * k >= value * (1 - 1e-12):
            return m * k
    return 10.0 * k


def threshold_line(plot: pg.PlotItem, value: float, text: str, colour_: str = "#b42318",
                   dashed: bool = True) -> pg.InfiniteLine:
    """A horizontal line at ``value`` with a label at its right end."""
    pen = pg.mkPen(colour_, width=2, style=Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine)
    line = pg.InfiniteLine(pos=value, angle=0, pen=pen, movable=False, label=text,
                           labelOpts={"position": 0.98, "color": colour_, "anchors": [(1, 1), (1, 1)],
                                      "fill": pg.mkBrush(255, 255, 255, 190)})
    line.label.setFont(plot_font())
    plot.addItem(line)  # counted in the auto range: a threshold above every reading stays visible
    return line


class StateTimeline:
    """A Gantt chart of states: one row per element, time in columns, each cell coloured by the state
    that filled most of it. Intervals are added as they happen; ``refresh`` redraws what changed."""

    EMPTY = 255

    def __init__(self, plot: pg.PlotItem, rows: list[str], t_end: float, colours: Sequence[str],
                 columns: int = 3000, x_scale: float = 1.0) -> None:
        self.plot = plot
        self.rows = list(rows)
        self.t_end = float(t_end)
        self.columns = max(10, int(columns))
        self.res = self.t_end / self.columns
        self.states = len(colours)
        self.acc = np.zeros((len(rows), self.columns, self.states), dtype=np.float32)
        self.index = np.full((len(rows), self.columns), self.EMPTY, dtype=np.uint8)
        lut = np.zeros((256, 4), dtype=np.uint8)
        lut[:, :] = (246, 248, 250, 255)
        for i, c in enumerate(colours):
            q = QColor(c)
            lut[i] = (q.red(), q.green(), q.blue(), 255)
        self.lut = lut
        self.rgba = np.empty((len(rows), self.columns, 4), dtype=np.uint8)
        self.rgba[:] = lut[self.EMPTY]
        self.image = pg.ImageItem(axisOrder="row-major")
        self.image.setImage(self.rgba, autoLevels=False)
        # Row i spans y in [i, i + 1]; the y axis is inverted so the first element is on top.
        self.image.setRect(QRectF(0, 0, self.t_end * x_scale, len(rows)))
        plot.addItem(self.image)
        plot.invertY(True)
        plot.setYRange(-0.2, len(rows) + 0.05, padding=0)  # room for the first row's label
        left = plot.getAxis("left")
        left.setTicks([[(i + 0.5, name) for i, name in enumerate(rows)]])
        left.setStyle(hideOverlappingLabels=False)
        self._dirty_lo = self.columns
        self._dirty_hi = -1
        self._open: dict[int, tuple[float, int]] = {}

    def set_row_names(self, rows: list[str]) -> None:
        """Rename the rows (after a language switch); their number stays the same."""
        self.rows = list(rows)
        self.plot.getAxis("left").setTicks([[(i + 0.5, name) for i, name in enumerate(self.rows)]])

    def clear(self) -> None:
        self.acc[:] = 0
        self.index[:] = self.EMPTY
        self.rgba[:] = self.lut[self.EMPTY]
        self._open.clear()
        self._dirty_lo, self._dirty_hi = self.columns, -1
        self.image.setImage(self.rgba, autoLevels=False)

    def _col(self, t: float) -> int:
        return min(max(int(t / self.res), 0), self.columns - 1)

    def _fill(self, a: np.ndarray, offset: int, t0: float, t1: float, state: int) -> tuple[int, int]:
        """Add the interval to ``a`` (one row's columns × states, starting at column ``offset``)."""
        res = self.res
        c0, c1 = self._col(t0), self._col(t1)
        if c0 == c1:
            a[c0 - offset, state] += t1 - t0
        else:
            a[c0 - offset, state] += (c0 + 1) * res - t0
            if c1 > c0 + 1:
                a[c0 + 1 - offset:c1 - offset, state] += res
            a[c1 - offset, state] += t1 - c1 * res
        return c0, c1

    def change(self, row: int, time: float, state: int) -> None:
        """Element ``row`` enters ``state`` at ``time`` (closing its previous state)."""
        prev = self._open.get(row)
        if prev is not None and time > prev[0] and 0 <= prev[1] < self.states:
            c0, c1 = self._fill(self.acc[row], 0, prev[0], time, prev[1])
            self._dirty_lo = min(self._dirty_lo, c0)
            self._dirty_hi = max(self._dirty_hi, c1)
        self._open[row] = (time, state)

    def refresh(self, now: float) -> None:
        """Redraw the changed columns; open states are drawn up to ``now`` (provisionally)."""
        lo, hi = self._dirty_lo, self._dirty_hi
        opened = [(row, t0, state) for row, (t0, state) in self._open.items()
                  if now > t0 and 0 <= state < self.states]
        for _row, t0, _state in opened:
            lo, hi = min(lo, self._col(t0)), max(hi, self._col(now))
        if hi < lo:
            return
        block = self.acc[:, lo:hi + 1, :].copy()
        for row, t0, state in opened:
            self._fill(block[row], lo, t0, now, state)
        idx = block.argmax(axis=2).astype(np.uint8)
        idx[block.max(axis=2) <= 0] = self.EMPTY
        self.index[:, lo:hi + 1] = idx
        self.rgba[:, lo:hi + 1] = self.lut[idx]
        self.image.updateImage(self.rgba)
        # Open states are still growing: their columns are redrawn next time.
        self._dirty_lo, self._dirty_hi = self.columns, -1
        for _row, t0, _state in opened:
            self._dirty_lo = min(self._dirty_lo, self._col(t0))
            self._dirty_hi = max(self._dirty_hi, self._col(now))

    def filled_columns(self) -> int:
        """How many columns show a state (for tests: the chart got data)."""
        return int((self.index != self.EMPTY).any(axis=0).sum())

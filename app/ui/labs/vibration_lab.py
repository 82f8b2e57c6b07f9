"""The spectrum-diagnosis lab: pick a machine on the route, read its acceleration waveform, velocity
spectrum and envelope spectrum (cursors at shaft orders and the calculated bearing frequencies; the
pointer reads the nearest peak in Hz and in orders), and choose a diagnosis per machine.

The records are made with the lab's grading seed, so the trainee grades exactly what they read.
Nothing about the answers is shown before Submit: the run's metrics include whether each
diagnosis is right, so the objectives stay blank until the service has graded the settings.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from app.courses.grading import LabConfigError, lab_scenario
from app.i18n import _, format_decimal
from app.ui.labs.base import LabViewBase
from app.ui.labs.parts import two_panes
from app.ui.labs.plots import INK, add_plot, plot_area, plot_font, set_labels, setup_pyqtgraph, style_plot

log = logging.getLogger(__name__)

RECOMPUTE_DELAY_MS = 300
SPECTRUM_MAX_HZ = 1000.0     # the widest opening span of the spectra; the mouse wheel zooms
WAVEFORM_SPAN_S = 0.2        # opening span of the waveform: a few shaft turns, impacts visible
MIN_FULL_SCALE = {"velocity": 0.5, "envelope": 0.02}   # mm/s and g: below this a spectrum reads as flat
SHAFT_COLOUR, BEARING_COLOUR = "#0072B2", "#D55E00"
CURVE_PEN = pg.mkPen(INK, width=1)
SHAFT_MARKERS = ("½×", "1×", "2×", "3×")
BEARING_MARKERS = ("FTF", "BSF", "2×BSF", "BPFO", "BPFI")
# The answers written into the scenario: they change the grade, never the signals.
ANSWER_FIELDS = ("diagnosis", "reading_hz")


def signal_key(scenario: Any) -> Any:
    """What the records depend on: the scenario without the trainee's answers."""
    import simulators

    data = simulators.scenario_data(scenario)
    for machine in data.get("machines", []):
        for field in ANSWER_FIELDS:
            machine.pop(field, None)
    return repr(data)


def opening_span(record: Any) -> float:
    """The spectra's opening span: ten shaft orders and three BPFI harmonics, within 1 kHz and Nyquist."""
    want = max(10.5 * record.speed_hz, 3.3 * record.markers.get("BPFI", 0.0))
    return min(want, SPECTRUM_MAX_HZ, float(record.velocity_spectrum.freqs_hz[-1]))


class SpectrumView(QWidget):
    """Waveform, velocity spectrum and envelope spectrum of one machine, with cursors; pointing at a
    spectrum reads the nearest peak (``peak_read`` carries the text)."""

    peak_read = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        _lay, self.plots = plot_area(self, "spectrumView")
        self.plots.ci.layout.setSpacing(2)
        self.wave = add_plot(self.plots, row=0, col=0)
        self.velocity = add_plot(self.plots, row=1, col=0)
        self.envelope = add_plot(self.plots, row=2, col=0)
        self.plots.ci.layout.setRowStretchFactor(0, 2)
        self.plots.ci.layout.setRowStretchFactor(1, 3)
        self.plots.ci.layout.setRowStretchFactor(2, 3)
        self.plots.ci.setContentsMargins(2, 2, 2, 2)
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.names: dict[str, pg.TextItem] = {}
        for name, plot in (("wave", self.wave), ("velocity", self.velocity), ("envelope", self.envelope)):
            # The plot's name inside its top-left corner (parented to the view box, so it stays put when
            # the trainee zooms): a title row would cost each plot 20 px it does not have at 1366×700.
            label = pg.TextItem(color=INK, anchor=(1, 0), fill=pg.mkBrush(255, 255, 255, 210))
            label.setParentItem(plot.getViewBox())
            plot.getViewBox().sigResized.connect(self._place_names)
            label.setZValue(20)
            label.setFont(plot_font())
            self.names[name] = label
            style_plot(plot)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).enableAutoSIPrefix(False)  # "(x0.001)" on an axis reads as an error
            plot.setMouseEnabled(x=True, y=False)
            plot.setAutoVisible(y=True)
            curve = plot.plot([], [], pen=CURVE_PEN)
            curve.setClipToView(True)
            curve.setDownsampling(auto=True, method="peak")
            self.curves[name] = curve
        # An invisible line at the smallest full scale of each spectrum: autoscaling would otherwise blow a
        # healthy machine's noise up to full height, and a flat envelope would look like a forest of peaks.
        self.floors = {name: plot.plot([], [], pen=pg.mkPen(0, 0, 0, 0)) for name, plot in
                       (("velocity", self.velocity), ("envelope", self.envelope))}
        for floor in self.floors.values():
            floor.setClipToView(True)
            floor.setDownsampling(auto=True, method="peak")
        self.velocity.setXLink(self.envelope)
        self.markers: list[tuple[pg.PlotItem, str, pg.InfiniteLine]] = []
        self.record: Any = None
        self.show_shaft = True
        self.show_bearing = True
        self.plots.scene().sigMouseMoved.connect(self._hover)
        self.retranslate()

    # --- content -------------------------------------------------------------------------

    def show_record(self, record: Any) -> None:
        """Draw ``record`` (a ``MachineRecord``); the zoom is reset to the opening spans."""
        self.record = record
        self.curves["wave"].setData(record.time_s, record.acceleration_g)
        for name in ("velocity", "envelope"):
            spectrum = getattr(record, f"{name}_spectrum")
            self.curves[name].setData(spectrum.freqs_hz, spectrum.amplitude)
            self.floors[name].setData(spectrum.freqs_hz, np.full(len(spectrum.freqs_hz), MIN_FULL_SCALE[name]))
        self.wave.setXRange(0, min(WAVEFORM_SPAN_S, float(record.time_s[-1])), padding=0)
        self.velocity.setXRange(0, opening_span(record), padding=0)
        for plot in (self.wave, self.velocity, self.envelope):
            plot.enableAutoRange(axis="y")
        self._draw_markers()

    def set_marker_groups(self, shaft: bool, bearing: bool) -> None:
        self.show_shaft, self.show_bearing = shaft, bearing
        for _plot, group, line in self.markers:
            line.setVisible(shaft if group == "shaft" else bearing)

    def _draw_markers(self) -> None:
        for plot, _group, line in self.markers:
            plot.removeItem(line)
        self.markers = []
        if self.record is None:
            return
        font = plot_font()
        names = [(n, "shaft") for n in SHAFT_MARKERS] + [(n, "bearing") for n in BEARING_MARKERS]
        found = sorted((self.record.markers[n], n, g) for n, g in names if n in self.record.markers)
        for plot in (self.velocity, self.envelope):
            # Labels at three heights, taken in frequency order, so neighbouring cursors do not overprint.
            for i, (freq, name, group) in enumerate(found):
                colour_ = SHAFT_COLOUR if group == "shaft" else BEARING_COLOUR
                line = pg.InfiniteLine(
                    pos=freq, angle=90, movable=False,
                    pen=pg.mkPen(colour_, width=1, style=Qt.PenStyle.DashLine),
                    label=name, labelOpts={"position": 0.9 - 0.18 * (i % 3), "color": colour_,
                                           "anchors": [(0.5, 0), (0.5, 0)],  # hang below the point
                                           "fill": pg.mkBrush(255, 255, 255, 200), "movable": False})
                line.label.setFont(font)
                line.setVisible(self.show_shaft if group == "shaft" else self.show_bearing)
                plot.addItem(line, ignoreBounds=True)
                self.markers.append((plot, group, line))

    # --- reading peaks ---------------------------------------------------------------------

    def peak_at(self, which: str, freq_hz: float) -> tuple[float, float]:
        """(frequency, amplitude) of the highest line within ±3 lines of ``freq_hz`` in a spectrum."""
        spectrum = getattr(self.record, f"{which}_spectrum")
        df = spectrum.resolution_hz
        i = int(round(freq_hz / df))
        lo, hi = max(0, i - 3), min(len(spectrum.amplitude), i + 4)
        if lo >= hi:
            return float("nan"), float("nan")
        j = lo + int(np.argmax(spectrum.amplitude[lo:hi]))
        return float(spectrum.freqs_hz[j]), float(spectrum.amplitude[j])

    def read_peak(self, which: str, freq_hz: float) -> str:
        """The readout for the peak nearest ``freq_hz`` in the ``which`` spectrum, in Hz and shaft orders."""
        freq, amp = self.peak_at(which, freq_hz)
        if not np.isfinite(freq):
            return ""
        order = freq / self.record.speed_hz
        if which == "velocity":
            return _("Velocity spectrum: {freq} Hz = {order}× · {amp} mm/s").format(
                freq=format_decimal(freq, 2), order=format_decimal(order, 2), amp=format_decimal(amp, 3))
        return _("Envelope spectrum: {freq} Hz = {order}× · {amp} g").format(
            freq=format_decimal(freq, 2), order=format_decimal(order, 2), amp=format_decimal(amp, 4))

    def _hover(self, pos) -> None:
        if self.record is None:
            return
        for which, plot in (("velocity", self.velocity), ("envelope", self.envelope)):
            if plot.sceneBoundingRect().contains(pos):
                freq = plot.getViewBox().mapSceneToView(pos).x()
                if freq >= 0:
                    self.peak_read.emit(self.read_peak(which, freq))
                return

    def idle_text(self) -> str:
        """What to show while the pointer is on no spectrum."""
        if self.record is None:
            return ""
        feats = self.record.features
        text = _("Shaft {speed} Hz · overall {rms} mm/s · kurtosis {kurtosis} · point at a peak to read it")
        return text.format(speed=format_decimal(self.record.speed_hz, 2),
                           rms=format_decimal(feats["velocity_rms_mm_s"], 2),
                           kurtosis=format_decimal(feats["kurtosis"], 1))

    def _place_names(self) -> None:
        # Top-right: the cursors' labels crowd the low-frequency (left) end of the spectra.
        for name, plot in (("wave", self.wave), ("velocity", self.velocity), ("envelope", self.envelope)):
            label = self.names[name]
            label.setPos(plot.getViewBox().width() - 4, 0)

    def retranslate(self) -> None:
        set_labels(self.wave, "", "g", _("Time (s)"))
        set_labels(self.velocity, "", "mm/s")
        set_labels(self.envelope, "", "g", _("Frequency (Hz)"))
        self.names["wave"].setText(_("Acceleration waveform"))
        self.names["velocity"].setText(_("Velocity spectrum (RMS)"))
        self.names["envelope"].setText(_("Envelope spectrum"))
        self.plots.setToolTip(_("The mouse wheel zooms the time or frequency axis; dragging pans it."))
        self._place_names()


class VibrationLabView(LabViewBase):
    """Spectra of the route's machines beside the diagnosis controls; Submit grades like every lab."""

    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        setup_pyqtgraph()
        self.result: Any = None
        self.machine: str | None = None
        self.computing = False
        self._key: Any = None
        self._pending = False
        self._recompute = QTimer(self, singleShot=True, interval=RECOMPUTE_DELAY_MS)
        self._recompute.timeout.connect(self.refresh)
        self._build_common()

        self.spectra = SpectrumView()
        self.spectra.setMinimumHeight(240)
        self.machine_bar = QHBoxLayout()
        self.machine_bar.setSpacing(6)
        self.machine_label = QLabel(objectName="sectionTitle")
        self.machine_choice = QComboBox(objectName="machineChoice")
        self.machine_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.machine_choice.currentIndexChanged.connect(self._machine_chosen)
        self.machine_label.setBuddy(self.machine_choice)
        self._machine_names: list[str] = []
        self.shaft_box = QCheckBox(objectName="shaftMarkers", checked=True)
        self.bearing_box = QCheckBox(objectName="bearingMarkers", checked=True)
        self.machine_bar.addWidget(self.machine_label)
        self.machine_bar.addWidget(self.machine_choice)
        self.machine_bar.addStretch(1)
        for box in (self.shaft_box, self.bearing_box):
            box.toggled.connect(self._markers_toggled)
            self.machine_bar.addWidget(box)

        self.spectra.peak_read.connect(self._peak_read)
        side = self._side_panel(["controls", "hints"])
        left = two_panes(Qt.Orientation.Vertical, "labLeft", self.task, side, stretch=(1, 1), sizes=(260, 300))
        self.task.setMinimumHeight(120)
        side.setMinimumHeight(120)
        right = self._views_column([self.machine_bar, self.spectra, self._footer()], grow=self.spectra)
        self._place_side_by_side(left, right, stretch=(1, 2), sizes=(330, 660), min_widths=(260, 420))
        self._finish_init()
        self.refresh()

    # --- records ---------------------------------------------------------------------------

    def refresh(self) -> None:
        """Make the records for the current settings (in the background) unless they are already shown."""
        try:
            kind, scenario = lab_scenario(self.lab, self.course.path, self.control_values())
        except (LabConfigError, ImportError) as exc:
            message = str(exc)
            self.set_status(lambda: _("The records cannot be made: {reason}").format(reason=message), error=True)
            return
        key = signal_key(scenario)
        if key == self._key:
            return
        if self.computing:
            self._pending = True
            return
        import simulators

        self.computing = True
        self.set_status(lambda: _("Measuring the machines…"))
        seed = self.lab.grading_seed

        def failed(exc: Exception) -> None:
            self.computing = False
            message = str(exc)
            self.set_status(lambda: _("The records cannot be made: {reason}").format(reason=message), error=True)

        self._in_background(lambda: simulators.run(kind, scenario, seed=seed),
                            lambda result: self._measured(key, result), failed)

    def _measured(self, key: Any, result: Any) -> None:
        self.computing = False
        self._key = key
        self.result = result
        self._fill_machines(list(result.machines))
        if self.machine not in result.machines:
            self.machine = next(iter(result.machines))
        self.show_machine(self.machine)
        self.set_status(self.spectra.idle_text)
        if self._pending:
            self._pending = False
            self.refresh()

    def _fill_machines(self, names: list[str]) -> None:
        if names == self._machine_names:
            return
        self._machine_names = names
        blocked = self.machine_choice.blockSignals(True)
        self.machine_choice.clear()
        for name in names:
            self.machine_choice.addItem("", name)
        self.machine_choice.blockSignals(blocked)
        self._machine_texts()

    def _machine_chosen(self, index: int) -> None:
        if 0 <= index < len(self._machine_names):
            self.show_machine(self._machine_names[index])

    def show_machine(self, name: str) -> None:
        if self.result is None or name not in self.result.machines:
            return
        self.machine = name
        index = self._machine_names.index(name)
        if self.machine_choice.currentIndex() != index:
            self.machine_choice.setCurrentIndex(index)   # comes back here through _machine_chosen
            return
        self.spectra.show_record(self.result.machines[name])
        if not self.grading:
            self.set_status(self.spectra.idle_text)

    def _peak_read(self, text: str) -> None:
        # The status line doubles as the analyser's cursor readout; grading messages win while grading.
        if text and not self.grading:
            self.set_status(text)

    def _markers_toggled(self) -> None:
        self.spectra.set_marker_groups(self.shaft_box.isChecked(), self.bearing_box.isChecked())

    def settings_changed(self) -> None:
        self._recompute.start()

    # --- translation -----------------------------------------------------------------------

    def _machine_texts(self) -> None:
        if self.result is None:
            return
        for i, name in enumerate(self._machine_names):
            rpm = self.result.machines[name].speed_hz * 60
            self.machine_choice.setItemText(i, _("{machine} · {speed} r/min").format(
                machine=name, speed=format_decimal(rpm, 0)))

    def retranslate(self) -> None:
        self.machine_label.setText(_("&Machine:"))
        self.shaft_box.setText(_("Shaft orders"))
        self.shaft_box.setToolTip(_("Cursors at ½×, 1×, 2× and 3× shaft speed"))
        self.bearing_box.setText(_("Bearing frequencies"))
        self.bearing_box.setToolTip(_("Cursors at the calculated FTF, BSF, 2×BSF, BPFO and BPFI; the real peaks "
                                      "lie a little lower because the rolling elements slip"))
        self._machine_texts()
        self.spectra.retranslate()

    def preview_text(self) -> tuple[str, str]:
        # The records are made with the grading seed: there is no separate preview.
        return "", ""

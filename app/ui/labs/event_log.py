"""The MES view of an order-driven line's preview: its event log in a filterable table, the six big
losses of one station (the loss tree as shares of planned busy time, with counts read off the log),
and "Export event log…" to CSV through the simulator's Qt-free export."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSplitter,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.i18n import N_, _, format_decimal, format_percent
from app.ui.common import messages
from app.ui.labs.line_diagram import display_name

EVENT_LABELS = {
    "release": N_("release"), "changeover": N_("changeover"), "start": N_("start"), "minor_stop": N_("minor stop"),
    "end": N_("end"), "scrap": N_("scrap"), "rework": N_("rework"), "failure": N_("failure"),
    "repair": N_("repair"), "complete": N_("complete"), "order_done": N_("order done"),
}
# The six big losses in the loss tree's order: (metric suffix, name, event-log count key or None).
LOSSES = (
    ("loss_breakdowns", N_("Breakdowns"), "breakdowns"),
    ("loss_setups", N_("Setups and changeovers"), "changeovers"),
    ("loss_minor_stops", N_("Minor stops"), "minor_stops"),
    ("loss_reduced_speed", N_("Reduced speed"), None),
    ("loss_startup_rejects", N_("Startup rejects"), "startup_rejects"),
    ("loss_production_rejects", N_("Production rejects"), "production_rejects"),
)
HEADERS = (N_("Time (h)"), N_("Event"), N_("Station"), N_("Server"), N_("Unit ID"), N_("Order"), N_("Product"),
           N_("Value"))


def event_label(kind: str) -> str:
    return _(EVENT_LABELS[kind]) if kind in EVENT_LABELS else kind


class EventTableModel(QAbstractTableModel):
    """Rows of ``mes.EVENT_FIELDS``; station and product names shown by their labels."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple] = []
        self.names: dict[str, str] = {}

    def set_rows(self, rows: list[tuple], names: dict[str, str]) -> None:
        self.beginResetModel()
        self.rows, self.names = rows, names
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return _(HEADERS[section])
        return None

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        col = index.column()
        if role == Qt.ItemDataRole.TextAlignmentRole and col in (0, 3, 7):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        value = row[col]
        if col == 0:
            return format_decimal(value / 3600.0, 3)
        if col == 1:
            return event_label(value)
        if col in (2, 6):
            return self.names.get(value, value)
        if col == 3:
            return "" if value < 0 else str(value + 1)
        if col == 7:
            return format_decimal(value, 1) if value else ""
        return value

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(HEADERS) - 1)
        if self.rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.rows) - 1, len(HEADERS) - 1))


class EventLogPanel(QWidget):
    """Filter the log by station and event, read one station's six big losses, export the log."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("eventLogPanel")
        self.scenario: Any = None
        self.events: list[tuple] = []
        self.metrics: dict[str, float] = {}
        self.stations: list[str] = []
        self.names: dict[str, str] = {}
        self.station_label = QLabel()
        self.station = QComboBox(objectName="eventStation")
        self.station_label.setBuddy(self.station)
        self.kind_label = QLabel()
        self.kind_box = QComboBox(objectName="eventKind")
        self.kind_label.setBuddy(self.kind_box)
        self.count = QLabel(objectName="eventCount")
        self.export_btn = QPushButton(objectName="exportEvents")
        self.export_btn.setAutoDefault(False)
        self.export_btn.clicked.connect(self.export)
        top = QHBoxLayout()
        for w in (self.station_label, self.station, self.kind_label, self.kind_box, self.count):
            top.addWidget(w)
        top.addStretch(1)
        top.addWidget(self.export_btn)
        self.model = EventTableModel()
        self.table = QTableView(objectName="eventTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        # Fit the columns to the first rows only: by default Qt measures 1,000 rows of every column, which
        # held the GUI thread ~0.4 s when a finished run's log arrived with its tab in view.
        self.table.horizontalHeader().setResizeContentsPrecision(40)
        self.losses = QTableWidget(len(LOSSES) + 1, 3, objectName="lossTable")
        self.losses.verticalHeader().hide()
        self.losses.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        header = self.losses.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)   # the loss names in full
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.losses_title = QLabel(objectName="lossTitle")
        self.losses_title.setWordWrap(True)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self.losses_title)
        rl.addWidget(self.losses, 1)
        split = QSplitter()
        split.addWidget(self.table)
        split.addWidget(right)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        self.station.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.kind_box.currentIndexChanged.connect(lambda _i: self.apply_filter())
        self.retranslate()
        self.clear()

    # --- data --------------------------------------------------------------------------------

    def clear(self) -> None:
        """No run yet (or the settings changed): nothing to show or export."""
        self.show_log(None, [], {})

    def show_result(self, scenario: Any, result: Any) -> None:
        production = getattr(result, "production", None)
        self.show_log(scenario, list(production.events) if production is not None else [], dict(result.metrics))

    def show_log(self, scenario: Any, events: list[tuple], metrics: dict[str, float]) -> None:
        self.scenario, self.events, self.metrics = scenario, events, metrics
        self.stations = [st.name for st in getattr(scenario, "stations", []) or []]
        self._names()
        kinds = sorted({e[1] for e in events})
        for combo, items in ((self.station, self.stations), (self.kind_box, kinds)):
            keep = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            combo.addItem("", None)
            for item in items:
                combo.addItem("", item)
            combo.setCurrentIndex(max(0, combo.findData(keep)))
            combo.blockSignals(False)
        self._item_texts()
        self.export_btn.setEnabled(bool(events))
        self.apply_filter()

    def apply_filter(self) -> None:
        station, kind = self.station.currentData(), self.kind_box.currentData()
        rows = [e for e in self.events if (station is None or e[2] == station) and (kind is None or e[1] == kind)]
        self.model.set_rows(rows, self.names)
        self.count.setText(_("{shown} of {total} events").format(shown=len(rows), total=len(self.events))
                           if self.events else _("Run the preview to record the event log."))
        self._fill_losses()

    def loss_station(self) -> str | None:
        """The station whose losses are shown: the filtered one, else the most utilised (the constraint)."""
        chosen = self.station.currentData()
        if chosen is not None or not self.stations:
            return chosen
        busy = {s: self.metrics.get(f"station.{s}.valuable", 0.0) for s in self.stations}
        return max(self.stations, key=lambda s: (busy[s], -self.stations.index(s)))

    def _fill_losses(self) -> None:
        from simulators.line.mes import loss_summary

        station = self.loss_station()
        counts = loss_summary(self.events, station) if station is not None and self.events else {}
        self.losses_title.setText(
            _("The six big losses of {station} (share of planned busy time)").format(
                station=self.names.get(station, station)) if station is not None and self.metrics else
            _("The six big losses appear when the preview has finished."))
        rows = [(_(name), self.metrics.get(f"station.{station}.{key}"), counts.get(count) if count else None)
                for key, name, count in LOSSES]
        rows.append((_("OEE (valuable operating time)"), self.metrics.get(f"station.{station}.valuable"), None))
        for r, (name, share, n) in enumerate(rows):
            cells = (name, "—" if share is None else format_percent(share, 1),
                     "" if n is None else format_decimal(n, 0))
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.losses.setItem(r, c, item)

    # --- export ------------------------------------------------------------------------------

    def export(self) -> None:
        if not self.events:
            return
        path, _filter = QFileDialog.getSaveFileName(self, _("Export event log"), "event-log.csv",
                                                    _("CSV files (*.csv)"))
        if path:
            self.export_to(path)

    def export_to(self, path: str) -> int | None:
        """Write the whole log (not only the filtered rows) as CSV; rows written, or None after a message."""
        from simulators.line.mes import export_events

        try:
            n = export_events(self.events, path, "csv")
        except OSError as exc:
            messages.error(self, _("Export event log"), _("The event log could not be written to {path}.").format(
                path=path), messages.error_text(exc))
            return None
        messages.inform(self, _("Export event log"), _("{n} events written to {path}.").format(n=n, path=path))
        return n

    # --- language ----------------------------------------------------------------------------

    def _names(self) -> None:
        """Station and product names in the UI language (their scenario labels)."""
        sc = self.scenario
        self.names = {el.name: display_name(el) for el in [*(getattr(sc, "stations", None) or []),
                                                            *(getattr(sc, "products", None) or [])]}

    def _item_texts(self) -> None:
        self.station.setItemText(0, _("All stations"))
        for i in range(1, self.station.count()):
            name = self.station.itemData(i)
            self.station.setItemText(i, self.names.get(name, name))
        self.kind_box.setItemText(0, _("All events"))
        for i in range(1, self.kind_box.count()):
            self.kind_box.setItemText(i, event_label(self.kind_box.itemData(i)))

    def retranslate(self) -> None:
        self.station_label.setText(_("Station:"))
        self.kind_label.setText(_("Event:"))
        self.export_btn.setText(_("Export event log…"))
        self.export_btn.setToolTip(_("Save the whole event log of the preview as a CSV file"))
        self.losses.setHorizontalHeaderLabels([_("Loss"), _("Share"), _("Count")])
        self._names()
        self._item_texts()
        self.apply_filter()

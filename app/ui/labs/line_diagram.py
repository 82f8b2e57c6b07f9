"""The production line drawn as stations and buffers, each station coloured by its live state."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QApplication,
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QSizePolicy,
    QWidget,
)

from app.i18n import N_, _, ngettext, pgettext
from app.ui.common.content import content_text

# The simulator's station states, in its order (simulators.line.flow_station.FLOW_STATES: the serial
# model's six, then the two performance losses only order-driven lines have).
LINE_STATES = ("working", "starved", "blocked", "down", "maintenance", "setup", "minor_stop", "reduced_speed")
# The states a line can be in, for its colour key: order-driven lines have no planned maintenance.
SERIAL_STATES = LINE_STATES[:6]
ORDER_DRIVEN_STATES = ("working", "starved", "blocked", "down", "setup", "minor_stop", "reduced_speed")
STATE_COLOURS = {
    "working": "#2e9e44",
    "starved": "#f2c12e",
    "blocked": "#e07b1a",
    "down": "#d62728",
    "maintenance": "#3b7dd8",
    "setup": "#9467bd",
    "minor_stop": "#e377c2",
    "reduced_speed": "#8fd18f",   # a paler green: still producing, but slower
}
STATE_LABELS = {
    "working": N_("working"),
    "starved": N_("starved"),
    "blocked": N_("blocked"),
    "down": N_("down"),
    "maintenance": N_("maintenance"),
    "setup": N_("setup"),
    "minor_stop": N_("minor stop"),
    "reduced_speed": N_("reduced speed"),
}
# The kind of station under its name, in a context of its own: "machine" is also a unit ("2 machines", 台).
KIND_LABELS = {
    "machine": lambda: pgettext("station kind", "machine"),
    "robot": lambda: pgettext("station kind", "robot"),
    "inspection": lambda: pgettext("station kind", "inspection"),
    "assembly": lambda: pgettext("station kind", "assembly"),
}
INK = QColor("#1f2d3d")
MUTED = QColor("#6b7a89")
STATION_W, STATION_H = 94.0, 64.0
BUFFER_W, BUFFER_H = 42.0, 40.0
GAP = 18.0
MIN_SCALE = 0.6  # below this the labels get too small: scroll instead (six stations fit 680 px)


def state_label(state: str) -> str:
    return _(STATE_LABELS[state]) if state in STATE_LABELS else state


def display_name(element: Any) -> str:
    """A station's (or product's) name for people: its ``label`` in the UI language, else its identifier."""
    label = getattr(element, "label", None)
    return content_text(label, mark_fallback=False) or element.name if label else element.name


def _font(scale: float = 1.0, bold: bool = False) -> QFont:
    font = QFont(QApplication.font())
    font.setPointSizeF(max(6.0, font.pointSizeF() * scale))
    font.setBold(bold)
    return font


def _text(parent: QGraphicsItem, font: QFont, colour: QColor = INK) -> QGraphicsSimpleTextItem:
    item = QGraphicsSimpleTextItem(parent)
    item.setFont(font)
    item.setBrush(QBrush(colour))
    return item


def _centre(item: QGraphicsSimpleTextItem, cx: float, y: float, max_w: float | None = None) -> None:
    rect = item.boundingRect()
    if max_w is not None and rect.width() > max_w:
        # Shrink rather than clip: long Chinese or station names must stay readable in full.
        item.setScale(max(0.55, max_w / rect.width()))
    w = rect.width() * item.scale()
    item.setPos(cx - w / 2, y)


class StationItem(QGraphicsRectItem):
    """A station: name, kind, one small square per server in its state's colour, the dominant state in words."""

    def __init__(self, name: str, kind: str, servers: int, x: float, label: Any = None) -> None:
        super().__init__(QRectF(x, 0, STATION_W, STATION_H))
        self.name = name
        self.label = label    # {en, zh_CN} from the scenario, shown in the UI language
        self.display = name
        self.kind = kind
        self.servers = servers
        self.setPen(QPen(INK, 1.5))
        self.setBrush(QBrush(QColor("#eef2f6")))
        self.title = _text(self, _font(0.95, bold=True))
        self.kind_text = _text(self, _font(0.75), MUTED)
        self.state_text = _text(self, _font(0.8))
        self.cells: list[QGraphicsRectItem] = []
        n = max(1, min(servers, 10))
        size = min(12.0, (STATION_W - 12) / n - 2)
        total = n * (size + 2) - 2
        for i in range(n):
            cell = QGraphicsRectItem(QRectF(x + (STATION_W - total) / 2 + i * (size + 2), 36, size, size), self)
            cell.setPen(QPen(QColor("#ffffff"), 1))
            cell.setBrush(QBrush(QColor("#c9d3dd")))
            self.cells.append(cell)
        self.states: list[str] = []
        self.retranslate()

    def retranslate(self) -> None:
        x = self.rect().x()
        self.display = display_name(self)
        self.title.setText(self.display)
        self.title.setScale(1.0)
        _centre(self.title, x + STATION_W / 2, 3, STATION_W - 8)
        kind = KIND_LABELS[self.kind]() if self.kind in KIND_LABELS else self.kind
        if self.servers > 1:
            kind = _("{kind} ×{n}").format(kind=kind, n=self.servers)
        self.kind_text.setText(kind)
        _centre(self.kind_text, x + STATION_W / 2, 20, STATION_W - 8)
        self.set_states(self.states)

    def set_states(self, states: list[str]) -> None:
        self.states = list(states)
        x = self.rect().x()
        for cell, state in zip(self.cells, states):
            cell.setBrush(QBrush(QColor(STATE_COLOURS.get(state, "#c9d3dd"))))
        if not states:
            self.setBrush(QBrush(QColor("#eef2f6")))
            self.state_text.setText("")
            self.setToolTip(self.display)
            return
        main = max(set(states), key=lambda s: (states.count(s), -LINE_STATES.index(s) if s in LINE_STATES else 0))
        tint = QColor(STATE_COLOURS.get(main, "#c9d3dd"))
        tint.setAlpha(70)
        self.setBrush(QBrush(tint))
        words = state_label(main) if len(set(states)) == 1 else ", ".join(
            _("{n} {state}").format(n=states.count(s), state=state_label(s)) for s in LINE_STATES if s in states)
        self.state_text.setText(words)
        _centre(self.state_text, x + STATION_W / 2, 49, STATION_W - 6)
        self.setToolTip(_("{station}: {states}").format(station=self.display, states=words))


class BufferItem(QGraphicsRectItem):
    """A buffer: its fill level as a bar and as "level/capacity"."""

    def __init__(self, name: str, capacity: int, x: float) -> None:
        y = (STATION_H - BUFFER_H) / 2
        super().__init__(QRectF(x, y, BUFFER_W, BUFFER_H))
        self.name = name
        self.capacity = capacity
        self.setPen(QPen(INK, 1, Qt.PenStyle.DashLine if capacity == 0 else Qt.PenStyle.SolidLine))
        self.setBrush(QBrush(QColor("white")))
        self.bar = QGraphicsRectItem(self)
        self.bar.setPen(QPen(Qt.PenStyle.NoPen))
        self.bar.setBrush(QBrush(QColor("#8ab8e6")))
        self.title = _text(self, _font(0.75), MUTED)
        self.title.setText(name)
        _centre(self.title, x + BUFFER_W / 2, y - 16, BUFFER_W + GAP - 4)
        self.level_text = _text(self, _font(0.8))
        self.level = 0
        self.set_level(0)

    def set_level(self, level: int) -> None:
        self.level = level
        r = self.rect()
        frac = min(1.0, level / self.capacity) if self.capacity > 0 else 0.0
        h = (r.height() - 2) * frac
        self.bar.setRect(QRectF(r.x() + 1, r.bottom() - 1 - h, r.width() - 2, h))
        self.level_text.setText(f"{level}/{self.capacity}")
        _centre(self.level_text, r.center().x(), r.center().y() - self.level_text.boundingRect().height() / 2,
                BUFFER_W - 2)
        self.setToolTip(ngettext("{buffer}: {level} of {capacity} part", "{buffer}: {level} of {capacity} parts",
                                 self.capacity).format(buffer=self.name, level=level, capacity=self.capacity))


def _arrow(scene: QGraphicsScene, x0: float, x1: float, y: float) -> None:
    path = QPainterPath(QPointF(x0, y))
    path.lineTo(QPointF(x1 - 5, y))
    item = QGraphicsPathItem(path)
    item.setPen(QPen(MUTED, 1.5))
    scene.addItem(item)
    head = QPolygonF([QPointF(x1, y), QPointF(x1 - 7, y - 4), QPointF(x1 - 7, y + 4)])
    scene.addPolygon(head, QPen(MUTED), QBrush(MUTED))


class LineDiagram(QGraphicsView):
    """Source → station → buffer → station … → sink; ``show_snapshot`` recolours from a runner snapshot."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lineDiagram")
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(110)
        self.setStyleSheet("QGraphicsView#lineDiagram { background: white; border: 1px solid #d5dde5; "
                           "border-radius: 6px; }")
        self.stations: dict[str, StationItem] = {}
        self.buffers: dict[str, BufferItem] = {}
        self.queue_text: QGraphicsSimpleTextItem | None = None
        self.counter_text: QGraphicsSimpleTextItem | None = None
        self.legend: list[tuple[str, QGraphicsSimpleTextItem]] = []
        self._source_kind = "saturated"

    def build(self, scenario: Any) -> None:
        """Lay out the line of a ``LineScenario``."""
        scene = self.scene()
        scene.clear()
        self.stations.clear()
        self.buffers.clear()
        self.legend.clear()
        x = 0.0
        mid = STATION_H / 2
        self._source_kind = getattr(scenario.source, "type", "saturated")
        src = scene.addEllipse(QRectF(x, mid - 14, 28, 28), QPen(INK, 1.2), QBrush(QColor("#eef2f6")))
        src.setToolTip(_("Raw parts"))
        self.queue_text = _text(src, _font(0.75), MUTED)
        x += 28
        for i, st in enumerate(scenario.stations):
            _arrow(scene, x + 2, x + GAP - 2, mid)
            x += GAP
            item = StationItem(st.name, st.kind, st.servers, x, getattr(st, "label", None))
            scene.addItem(item)
            self.stations[st.name] = item
            x += STATION_W
            if i < len(scenario.buffers):
                buf = scenario.buffers[i]
                _arrow(scene, x + 2, x + GAP - 2, mid)
                x += GAP
                bitem = BufferItem(buf.name, buf.capacity, x)
                scene.addItem(bitem)
                self.buffers[buf.name] = bitem
                x += BUFFER_W
        _arrow(scene, x + 2, x + GAP - 2, mid)
        x += GAP
        sink = scene.addRect(QRectF(x, mid - 14, 28, 28), QPen(INK, 1.2), QBrush(QColor("#e9f7ee")))
        sink.setToolTip(_("Good parts out"))
        self.counter_text = _text(sink, _font(0.75), MUTED)
        self._sink_x = x + 14
        # The colour key, in words as well as colours.
        lx = 0.0
        for state in ORDER_DRIVEN_STATES if getattr(scenario, "order_driven", False) else SERIAL_STATES:
            swatch = scene.addRect(QRectF(lx, STATION_H + 14, 10, 10), QPen(Qt.PenStyle.NoPen),
                                   QBrush(QColor(STATE_COLOURS[state])))
            label = _text(swatch, _font(0.75))
            label.setPos(lx + 13, STATION_H + 11)
            self.legend.append((state, label))
            lx += 13
        self.retranslate()
        self.show_snapshot(None)

    def retranslate(self) -> None:
        for item in self.stations.values():
            item.retranslate()
        # Legend entries are placed after their text is known (widths differ per language).
        lx = 0.0
        for state, label in self.legend:
            label.setText(state_label(state))
            swatch = label.parentItem()
            swatch.setRect(QRectF(lx, STATION_H + 14, 10, 10))
            label.setPos(lx + 13, STATION_H + 11)
            lx += 13 + label.boundingRect().width() + 14
        self._fit()

    def show_snapshot(self, snap: dict[str, Any] | None) -> None:
        if snap is None:
            for item in self.stations.values():
                item.set_states([])
            for item in self.buffers.values():
                item.set_level(0)
            self._counters(None, 0)
            return
        for name, info in snap["stations"].items():
            item = self.stations.get(name)
            if item is not None and item.states != info["servers"]:
                item.set_states(info["servers"])
        for name, level in snap["buffers"].items():
            item = self.buffers.get(name)
            if item is not None and item.level != level:
                item.set_level(level)
        self._counters(snap.get("input_queue"), snap.get("good_parts", 0))

    def _counters(self, queue: int | None, good: int) -> None:
        if self.queue_text is not None:
            self.queue_text.setText("∞" if self._source_kind == "saturated" else str(queue or 0))
            r = self.queue_text.parentItem().boundingRect()
            _centre(self.queue_text, r.center().x(), r.bottom() + 2)
        if self.counter_text is not None:
            self.counter_text.setText(str(good))
            r = self.counter_text.parentItem().boundingRect()
            _centre(self.counter_text, r.center().x(), r.bottom() + 2)

    def station_states(self) -> dict[str, list[str]]:
        return {name: list(item.states) for name, item in self.stations.items()}

    def _fit(self) -> None:
        rect = self.scene().itemsBoundingRect().adjusted(-6, -6, 6, 6)
        self.setSceneRect(rect)
        if rect.width() <= 0 or rect.height() <= 0:
            return
        view = self.viewport().size()
        scale = min(1.3, view.width() / rect.width(), view.height() / rect.height())
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if scale < MIN_SCALE
                                          else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.resetTransform()
        self.scale(max(scale, MIN_SCALE), max(scale, MIN_SCALE))
        self.centerOn(rect.center())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._fit()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        self._fit()


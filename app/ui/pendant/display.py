"""What the pendant shows: the position (joints and TCP in the chosen frame, configuration, speed and the T1
cap), the taught points with their buttons, and the alarm list."""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_decimal, pgettext
from app.ui.common.status_line import StatusLine
from app.ui.pendant.controls import CARTESIAN_NAMES, JOINT_NAMES
from app.ui.pendant.messages import alarm_text, stop_text
from simulators.robot.arm.orientation import matrix_to_wpr

TCP_NAMES = ("X", "Y", "Z", "W", "P", "R")


class PositionDisplay(QGroupBox):
    """Joints (°) beside the TCP (mm, W-P-R °) in the chosen frame, the configuration, speed and cap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="positionBox")
        grid = QGridLayout(self)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(6)
        grid.setVerticalSpacing(1)
        self.joint_values: list[QLabel] = []
        self.tcp_values: list[QLabel] = []
        self.frame_label = QLabel(objectName="tcpFrameLabel")
        grid.addWidget(self.frame_label, 0, 2, 1, 2)
        self.joint_head = QLabel(objectName="jointHead")
        grid.addWidget(self.joint_head, 0, 0, 1, 2)
        for i in range(6):
            grid.addWidget(QLabel(JOINT_NAMES[i]), i + 1, 0)
            jv = QLabel(objectName=f"jointValue{i + 1}", alignment=Qt.AlignmentFlag.AlignRight)
            jv.setMinimumWidth(64)
            grid.addWidget(jv, i + 1, 1)
            grid.addWidget(QLabel(TCP_NAMES[i]), i + 1, 2)
            tv = QLabel(objectName=f"tcpValue{TCP_NAMES[i]}", alignment=Qt.AlignmentFlag.AlignRight)
            tv.setMinimumWidth(72)
            grid.addWidget(tv, i + 1, 3)
            self.joint_values.append(jv)
            self.tcp_values.append(tv)
        self.config = QLabel(objectName="configLabel")
        grid.addWidget(self.config, 7, 0, 1, 4)
        # two short labels that never wrap: a wrapped line would not fit the box when the panel is short
        self.speed = QLabel(objectName="speedLabel")
        self.cap = QLabel(objectName="capLabel")
        self.cap.setStyleSheet("font-weight: bold;")
        grid.addWidget(self.speed, 8, 0, 1, 2)
        grid.addWidget(self.cap, 8, 2, 1, 2)
        self._frame = "world"
        self._last: tuple | None = None

    def retranslate(self) -> None:
        self.setTitle(pgettext("pendant", "Position"))
        self.joint_head.setText(_("Joints (°)"))
        self._show_frame()
        if self._last is not None:
            self.show_position(*self._last)

    def set_frame_name(self, text: str) -> None:
        self._frame = text
        self._show_frame()

    def _show_frame(self) -> None:
        self.frame_label.setText(_("TCP in {frame} (mm, °)").format(frame=self._frame))

    def show_position(self, q: np.ndarray, tcp: np.ndarray, configuration: str, speed: float,
                      cap: float | None, mode: str) -> None:
        self._last = (q, tcp, configuration, speed, cap, mode)
        for label, v in zip(self.joint_values, q, strict=True):
            label.setText(format_decimal(math.degrees(v), 2))
        w, p, r = matrix_to_wpr(tcp)
        for label, v in zip(self.tcp_values, (*tcp[:3, 3], *(math.degrees(a) for a in (w, p, r))), strict=True):
            label.setText(format_decimal(float(v), 2))
        self.config.setText(_("Configuration: {conf}").format(conf=configuration))
        self.speed.setText(_("TCP speed {speed} mm/s").format(speed=format_decimal(speed, 0)))
        if cap is not None:
            self.cap.setText(_("{mode} cap {cap} mm/s").format(mode=mode, cap=format_decimal(cap, 0)))
            self.cap.setToolTip(_("In {mode} no point of the arm or the tool moves faster than {cap} mm/s.").format(
                mode=mode, cap=format_decimal(cap, 0)))
        else:
            self.cap.setText(_("{mode}: no speed cap").format(mode=mode))
            self.cap.setToolTip("")


class PointsBox(QWidget):
    """Taught points: the list, a name field, Record / Touch up / Rename / Delete."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="pointsBox")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 4)
        lay.setSpacing(3)
        self.list = QListWidget(objectName="pointsList")
        self.list.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.list.setMinimumHeight(48)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.name_label = QLabel(objectName="pointNameLabel")
        self.name = QLineEdit(objectName="pointName", maxLength=32)
        row.addWidget(self.name_label)
        row.addWidget(self.name, 1)
        lay.addLayout(row)
        buttons = self._buttons = QGridLayout()
        buttons.setSpacing(3)
        self.record, self.touchup, self.rename, self.delete = (
            QPushButton(objectName=n) for n in ("recordPoint", "touchupPoint", "renamePoint", "deletePoint"))
        for b in (self.record, self.touchup, self.rename, self.delete):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.setAutoDefault(False)
        self.set_compact(False)
        lay.addLayout(buttons)

    def set_compact(self, compact: bool) -> None:
        """The four buttons in one row, or two rows of two (a compact pendant)."""
        for i, b in enumerate((self.record, self.touchup, self.rename, self.delete)):
            self._buttons.removeWidget(b)
            self._buttons.addWidget(b, *((i // 2, i % 2) if compact else (0, i)))

    def retranslate(self) -> None:
        self.name_label.setText(pgettext("pendant", "Name"))
        self.name.setPlaceholderText(_("e.g. pick1"))
        self.record.setText(pgettext("pendant", "Record"))
        self.touchup.setText(pgettext("pendant", "Touch up"))
        self.rename.setText(pgettext("pendant", "Rename"))
        self.delete.setText(_("Delete"))
        self.record.setToolTip(_("Record the current position under the name typed (or the next free pN)."))
        self.touchup.setToolTip(_("Re-record the selected point at the current position."))
        self.rename.setToolTip(_("Give the selected point the name typed."))

    def selected(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else None

    def show_points(self, points: dict) -> None:
        keep = self.selected()
        self.list.clear()
        for name, p in points.items():
            xyz = ", ".join(format_decimal(float(v), 1) for v in p.pose[:3, 3])
            item = QListWidgetItem(f"{name}   ({xyz})   {p.user} · {p.tool} · {p.configuration}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            self.list.addItem(item)
            if name == keep:
                self.list.setCurrentItem(item)


MAX_SHOWN = 500  # the newest; the session keeps them all


class AlarmList(QListWidget):
    """Alarms and stops, newest first, each with its time, code and message in the user's language."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="alarmList")
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setWordWrap(True)
        self.setMinimumHeight(48)
        self._entries: list[tuple[str, int, str, dict]] = []  # kind, tick, code, params / category

    def add_alarm(self, tick: int, code: str, params: dict) -> None:
        self._add(("alarm", tick, code, params))

    def add_stop(self, tick: int, code: str, category: int) -> None:
        self._add(("stop", tick, code, {"category": category}))

    def _add(self, entry: tuple[str, int, str, dict]) -> None:
        self._entries.append(entry)
        self.insertItem(0, self._text(entry))
        if len(self._entries) > MAX_SHOWN:
            del self._entries[0]
            self.takeItem(self.count() - 1)

    def clear_entries(self) -> None:
        self._entries.clear()
        self.clear()

    def codes(self) -> list[str]:
        return [e[2] for e in self._entries]

    def newest(self) -> tuple | None:
        return self._entries[-1] if self._entries else None

    def entry_text(self, entry: tuple) -> str:
        return self._text(entry)

    def _text(self, entry: tuple[str, int, str, dict]) -> str:
        kind, tick, code, params = entry
        message = alarm_text(code, params) if kind == "alarm" else stop_text(code, params["category"])
        return _("{time} s  [{code}]  {message}").format(time=format_decimal(tick * 0.01, 2), code=code,
                                                         message=message)

    def retranslate(self) -> None:
        self.clear()
        for entry in reversed(self._entries):
            self.addItem(self._text(entry))


__all__ = ["CARTESIAN_NAMES", "AlarmList", "PointsBox", "PositionDisplay"]


class PendantStatus(StatusLine):
    """The panel's message line, hidden while empty: it sits near the top and an empty line was a gap."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="pendantStatus")
        self.hide()

    def say(self, render) -> None:
        super().say(render)
        self.setVisible(bool(self.text()))

    def setText(self, text: str) -> None:
        super().setText(text)
        self.setVisible(bool(text))

    def clear(self) -> None:
        super().clear()
        self.hide()

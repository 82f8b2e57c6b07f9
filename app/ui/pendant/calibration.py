"""Teaching frames and updating revolution counters on the pendant: the TCP from 4 recorded points, a user
frame from 3, and each axis' counter at its sync mark. Each action is one session event (``request``); the
result shown is the session's (its calibration, its frames, or the alarm that refused the action)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, format_decimal
from app.ui.pendant.controls import JOINT_NAMES
from app.ui.pendant.messages import alarm_text


def _button(name: str) -> QPushButton:
    b = QPushButton(objectName=name)
    b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    b.setAutoDefault(False)
    return b


def _point_combo(name: str) -> QComboBox:
    c = QComboBox(objectName=name)
    c.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    c.setMinimumContentsLength(5)
    c.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    return c


def _mm(values: Any) -> str:
    return ", ".join(format_decimal(float(v), 2) for v in values)


class FramesTab(QWidget):
    """TCP by 4 points and user frame by 3 points, from the points recorded in the Points tab."""

    request = Signal(dict)  # a session event

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="framesTab")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        lay.setSpacing(2)
        self.tcp_box = QGroupBox(objectName="tcpBox")
        grid = QGridLayout(self.tcp_box)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        self.tcp_points = [_point_combo(f"tcpPoint{i + 1}") for i in range(4)]
        row = QHBoxLayout()
        for c in self.tcp_points:
            row.addWidget(c, 1)
        grid.addLayout(row, 0, 0, 1, 3)
        self.tool_label = QLabel()
        self.tool_name = QLineEdit("tool1", objectName="tcpToolName", maxLength=32)
        self.tcp_button = _button("calibrateTcp")
        self.tcp_button.clicked.connect(self._calibrate)
        grid.addWidget(self.tool_label, 1, 0)
        grid.addWidget(self.tool_name, 1, 1)
        grid.addWidget(self.tcp_button, 1, 2)
        self.tcp_result = QLabel(objectName="tcpResult", wordWrap=True)
        grid.addWidget(self.tcp_result, 2, 0, 1, 3)
        lay.addWidget(self.tcp_box)

        self.uf_box = QGroupBox(objectName="userFrameBox")
        grid = QGridLayout(self.uf_box)
        grid.setContentsMargins(4, 2, 4, 2)
        grid.setVerticalSpacing(2)
        self.uf_points = [_point_combo(n) for n in ("ufOrigin", "ufX", "ufXY")]
        self.uf_labels = [QLabel() for _i in range(3)]
        row = QHBoxLayout()
        for label, c in zip(self.uf_labels, self.uf_points):
            row.addWidget(label)
            row.addWidget(c, 1)
        grid.addLayout(row, 0, 0, 1, 3)
        self.frame_label = QLabel()
        self.frame_name = QLineEdit("uframe1", objectName="userFrameName", maxLength=32)
        self.uf_button = _button("defineUserFrame")
        self.uf_button.clicked.connect(self._define)
        grid.addWidget(self.frame_label, 1, 0)
        grid.addWidget(self.frame_name, 1, 1)
        grid.addWidget(self.uf_button, 1, 2)
        self.uf_result = QLabel(objectName="userFrameResult", wordWrap=True)
        grid.addWidget(self.uf_result, 2, 0, 1, 3)
        lay.addWidget(self.uf_box)
        lay.addStretch(1)
        self._tcp_outcome: tuple[str, Any] | None = None
        self._uf_outcome: tuple[str, Any] | None = None
        self._chosen: set[QComboBox] = set()  # combos the trainee set by hand
        for c in self.tcp_points + self.uf_points:
            c.activated.connect(lambda _i, c=c: self._chosen.add(c))

    def retranslate(self) -> None:
        self.tcp_box.setTitle(_("Tool centre point from 4 points on one fixed tip"))
        self.tool_label.setText(_("Tool name"))
        self.tcp_button.setText(_("Calculate TCP"))
        self.uf_box.setTitle(_("User frame from 3 points"))
        for label, text in zip(self.uf_labels, (_("Origin"), _("+X"), _("XY"))):
            label.setText(text)
        self.uf_points[2].setToolTip(_("A point in the XY plane, on the +Y side"))
        self.frame_label.setText(_("Frame name"))
        self.uf_button.setText(_("Define frame"))
        self._show_outcomes()

    def show_points(self, names: list[str]) -> None:
        """Offer the recorded points: a combo the trainee set keeps its point while it exists; the others
        propose the points in the order recorded (1st, 2nd, …), which is how the procedure is taught."""
        for group in (self.tcp_points, self.uf_points):
            for i, c in enumerate(group):
                keep = c.currentText() if c in self._chosen else None
                c.blockSignals(True)
                c.clear()
                c.addItems(names)
                if keep in names:
                    c.setCurrentText(keep)
                else:
                    self._chosen.discard(c)
                    if names:
                        c.setCurrentIndex(min(i, len(names) - 1))
                c.blockSignals(False)

    def reset(self) -> None:
        self._tcp_outcome = self._uf_outcome = None
        self._show_outcomes()

    def _calibrate(self) -> None:
        self.request.emit({"ev": "calibrate_tcp", "points": [c.currentText() for c in self.tcp_points],
                           "tool": self.tool_name.text().strip() or "tool1"})

    def _define(self) -> None:
        self.request.emit({"ev": "define_user_frame", "points": [c.currentText() for c in self.uf_points],
                           "name": self.frame_name.text().strip() or "uframe1"})

    def show_outcome(self, event: dict, session: Any, alarm: Any | None) -> None:
        """What came of a calibration event: the session's result, or the alarm that refused it."""
        outcome = ("alarm", alarm) if alarm is not None else ("ok", session)
        if event["ev"] == "calibrate_tcp":
            self._tcp_outcome = outcome if alarm is not None else ("ok", dict(session.tcp_calibration))
        else:
            self._uf_outcome = outcome if alarm is not None else (
                "ok", (event["name"], session.frames.users[event["name"]].matrix.copy()))
        self._show_outcomes()

    def _show_outcomes(self) -> None:
        for label, outcome, fmt in ((self.tcp_result, self._tcp_outcome, self._tcp_text),
                                    (self.uf_result, self._uf_outcome, self._uf_text)):
            if outcome is None:
                label.clear()
            elif outcome[0] == "alarm":
                label.setText(alarm_text(outcome[1].code, outcome[1].params))
            else:
                label.setText(fmt(outcome[1]))

    @staticmethod
    def _tcp_text(cal: dict) -> str:
        return _("Tool {tool}: TCP ({xyz}) mm in the flange; error mean {mean} mm, max {max} mm").format(
            tool=cal["tool"], xyz=_mm(cal["tcp_mm"]), mean=format_decimal(cal["mean_error_mm"], 3),
            max=format_decimal(cal["max_error_mm"], 3))

    @staticmethod
    def _uf_text(value: tuple) -> str:
        name, m = value
        return _("User frame {name}: origin ({xyz}) mm in world").format(name=name, xyz=_mm(m[:3, 3]))


class CountersTab(QWidget):
    """Revolution counters: update an axis once it stands on its sync mark."""

    request = Signal(dict)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="countersTab")
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 2, 4, 2)
        self.help = QLabel(objectName="countersHelp", wordWrap=True)
        lay.addWidget(self.help)
        grid = QGridLayout()
        grid.setVerticalSpacing(2)
        self.states: list[QLabel] = []
        self.buttons: list[QPushButton] = []
        for i in range(6):
            row, col = i % 3, (i // 3) * 3
            grid.addWidget(QLabel(JOINT_NAMES[i]), row, col)
            state = QLabel(objectName=f"counterState{i + 1}")
            b = _button(f"updateCounter{i + 1}")
            b.clicked.connect(lambda _c=False, j=i + 1: self.request.emit({"ev": "rev_update", "axis": j}))
            grid.addWidget(state, row, col + 1)
            grid.addWidget(b, row, col + 2)
            self.states.append(state)
            self.buttons.append(b)
        lay.addLayout(grid)
        lay.addStretch(1)
        self._counters: dict[int, dict] = {}

    def retranslate(self) -> None:
        self.help.setText(_("After an encoder-battery change: jog each axis to its sync mark (joint jog, T1), "
                            "then update its counter here. Updating away from the mark leaves the counter wrong."))
        for b in self.buttons:
            b.setText(_("Update"))
        self.show_counters(self._counters)

    def show_counters(self, counters: dict[int, dict]) -> None:
        """Updated or not — like a real controller, the pendant cannot tell a counter updated off its mark."""
        self._counters = counters
        for j, label in enumerate(self.states, start=1):
            lost = counters.get(j, {}).get("state") == "lost"
            label.setText(_("not updated") if lost else _("updated"))
            label.setStyleSheet("color: #b42318; font-weight: bold;" if lost else "")

"""The virtual teach pendant (issue 24): a panel driving a Qt-free :class:`PendantSession`.

Everything the trainee does becomes a session event at the current tick; a QTimer steps the session once per
timeout (a tick of 10 ms counted, not measured), so the log replays to the same joints however the machine
keeps up. The panel shows what the session says and never moves the arm itself; the service grades by replaying
``log()``.

Keyboard: see ``keyboard``. For the lab view and the 3D view: ``joints_changed(q)`` every tick the arm moved,
``points_changed()``, ``frames_changed()`` (active or taught tool/user frame), ``alarm(code)``; ``log()`` is what
Submit sends; ``restart(setup, events, end_tick)`` restores a draft.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QButtonGroup,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.i18n import _, pgettext
from app.ui.common.qt_i18n import on_language_changed
from app.ui.pendant.calibration import CountersTab, FramesTab
from app.ui.pendant.controls import (
    CARTESIAN_NAMES,
    JOINT_NAMES,
    EnablingDevice,
    EStopButton,
    JogKeys,
)
from app.ui.pendant.display import AlarmList, PendantStatus, PointsBox, PositionDisplay
from app.ui.pendant.keyboard import PendantKeyboard
from app.ui.pendant.layout import PendantLayout
from simulators.robot.arm.pendant import PendantLogError, PendantSession, PendantSetup
from simulators.robot.arm.pendant_log import MAX_TICKS, NAME_RE, validate_log

TICK_MS = 10
FRAMES = ("joint", "world", "base", "tool", "user")
INCREMENTS = ("continuous", "0.1mm", "1mm", "10mm")
MODES = ("T1", "T2", "AUTO")


def frame_labels() -> dict[str, str]:
    """The jog frames' names (a context: "World", "Tool" … mean other things elsewhere in the app)."""
    return {"joint": pgettext("pendant", "Joint"), "world": pgettext("pendant", "World"),
            "base": pgettext("pendant", "Base"), "tool": pgettext("pendant", "Tool"),
            "user": pgettext("pendant", "User")}


def increment_labels() -> dict[str, str]:
    return {"continuous": pgettext("pendant", "Continuous"), "0.1mm": _("0.1 mm / 0.1°"), "1mm": _("1 mm / 1°"),
            "10mm": _("10 mm / 5°")}


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea(objectName=widget.objectName() + "Scroll", widgetResizable=True)
    area.setFrameShape(QScrollArea.Shape.NoFrame)
    area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    area.setWidget(widget)
    return area


class PendantPanel(PendantLayout, PendantKeyboard, QWidget):
    """The teach pendant. ``session`` is the live session; ``log()`` the events that replay it."""

    joints_changed = Signal(object)  # np.ndarray (6,) rad
    points_changed = Signal()
    alarm = Signal(str)  # the code of each new alarm or stop
    frames_changed = Signal()  # the active tool or user frame, or their data (a TCP calibrated, a frame taught)

    def __init__(self, setup: PendantSetup, parent: QWidget | None = None, *, run: bool = True) -> None:
        super().__init__(parent, objectName="pendantPanel")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setup = setup
        self.session = PendantSession(setup)
        self._held_keys: set[int] = set()  # Qt keys of jog keys held on the keyboard
        self._space = False
        self._seen = (0, 0)  # alarms, stops already listed
        self._shown_points: tuple | None = None
        self._shown_frames: tuple | None = None
        self._speed_shown = False
        self._build()
        self._sync_controls()
        self.timer = QTimer(self, interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self.tick)
        self._run = run  # the timer runs while the panel is shown
        on_language_changed(self, self.retranslate)
        self.counters_tab.show_counters(self.session.counters)
        self._refresh()

    # ------------------------------------------------------------------ building
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.setSpacing(4)
        # wide: one row; compact (a narrow lab): the mode switch over Reset and E-STOP (see set_compact)
        top = self._top = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        top.setSpacing(4)
        modes = self._modes = QHBoxLayout()
        modes.setSpacing(4)
        stops = self._stops = QHBoxLayout()
        stops.setSpacing(4)
        top.addLayout(modes)
        top.addLayout(stops, 1)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QPushButton] = {}
        for mode in MODES:
            b = self._button(f"mode{mode}", checkable=True)
            b.setText(mode)
            self.mode_group.addButton(b)
            self.mode_buttons[mode] = b
            b.clicked.connect(lambda _c=False, m=mode: self._send({"ev": "mode", "v": m}))
            modes.addWidget(b)
        self.motors_on = self._button("motorsOn")
        self.motors_on.clicked.connect(lambda: self._send({"ev": "motors_on"}))
        modes.addWidget(self.motors_on)
        stops.addStretch(1)
        self.reset_button = self._button("resetButton")
        self.reset_button.clicked.connect(lambda: self._send({"ev": "reset"}))
        stops.addWidget(self.reset_button)
        self.estop = EStopButton()
        self.estop.toggled.connect(lambda on: self._send({"ev": "estop", "v": bool(on)}))
        stops.addWidget(self.estop)
        lay.addLayout(top)

        self.enabling = EnablingDevice()
        self.enabling.position_changed.connect(self._enabling_changed)
        lay.addWidget(self.enabling)

        sel = self._sel = QGridLayout()
        sel.setHorizontalSpacing(6)
        sel.setVerticalSpacing(3)
        self.frame_combo = self._combo("frameCombo", list(FRAMES))
        self.tool_combo = self._combo("toolCombo", list(self.session.frames.tools))
        self.user_combo = self._combo("userCombo", list(self.session.frames.users))
        self.inc_combo = self._combo("incrementCombo", list(INCREMENTS))
        self.frame_combo.activated.connect(lambda i: self._send({"ev": "frame", "v": FRAMES[i]}))
        self.tool_combo.activated.connect(lambda i: self._send({"ev": "tool", "v": self.tool_combo.itemData(i)}))
        self.user_combo.activated.connect(lambda i: self._send({"ev": "user", "v": self.user_combo.itemData(i)}))
        self.inc_combo.activated.connect(lambda i: self._send({"ev": "inc", "v": INCREMENTS[i]}))
        self.sel_labels = [QLabel() for _i in range(5)]
        self._place_selectors(compact=False)
        self.override_slider = QSlider(Qt.Orientation.Horizontal, objectName="overrideSlider", minimum=1,
                                       maximum=100)
        self.override_spin = QSpinBox(objectName="overrideSpin", minimum=1, maximum=100, suffix=" %")
        for w in (self.override_slider, self.override_spin):
            w.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.override_slider.valueChanged.connect(self._override_changed)
        self.override_spin.valueChanged.connect(self._override_changed)
        self.override_spin.editingFinished.connect(self.setFocus)
        self.override_slider.sliderReleased.connect(self.setFocus)
        self._override_row = QHBoxLayout()
        self._override_row.addWidget(self.override_slider, 1)
        self._override_row.addWidget(self.override_spin)
        self._place_override(compact=False)
        sel.setColumnStretch(1, 1)
        sel.setColumnStretch(3, 1)
        lay.addLayout(sel)

        # wide: the jog keys beside the position; compact: over it
        mid = self._mid = QBoxLayout(QBoxLayout.Direction.LeftToRight)
        mid.setSpacing(6)
        self.jog_keys = JogKeys()
        self.jog_keys.key.connect(self._jog_key)
        mid.addWidget(self.jog_keys)
        self.position = PositionDisplay()
        mid.addWidget(self.position, 1)
        lay.addLayout(mid)

        self.tabs = QTabWidget(objectName="pendantTabs")
        self.tabs.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.tabs.setUsesScrollButtons(True)  # a compact pendant is narrower than the four tabs
        self.points = PointsBox()
        self.points.record.clicked.connect(self._record)
        self.points.touchup.clicked.connect(lambda: self._on_selected("touchup"))
        self.points.rename.clicked.connect(self._rename)
        self.points.delete.clicked.connect(lambda: self._on_selected("delete"))
        self.points.name.returnPressed.connect(self._record)
        self.alarms = AlarmList()
        self.frames_tab = FramesTab()
        self.frames_tab.request.connect(self._send)
        self.counters_tab = CountersTab()
        self.counters_tab.request.connect(self._send)
        for tab in (self.points, self.alarms, _scrolled(self.frames_tab), _scrolled(self.counters_tab)):
            self.tabs.addTab(tab, "")
        lay.addWidget(self.tabs, 1)
        # the newest alarm and the panel's messages just under the enabling device, where a trainee looks while
        # jogging: at the bottom (beside the alarm tab) a short lab had them scrolled out of view
        at = lay.indexOf(self.enabling) + 1
        self.banner = QLabel(objectName="pendantAlarmBanner", wordWrap=True)
        self.banner.setStyleSheet("QLabel#pendantAlarmBanner { background: #fef3f2; color: #b42318;"
                                  " border: 1px solid #fda29b; border-radius: 3px; padding: 2px 4px; }")
        self.banner.hide()
        lay.insertWidget(at, self.banner)
        self.status = PendantStatus()
        lay.insertWidget(at + 1, self.status)
        self._banner_entry: tuple | None = None

    def _button(self, name: str, checkable: bool = False) -> QPushButton:
        b = QPushButton(objectName=name, checkable=checkable)
        b.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # never narrower than its text
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setAutoDefault(False)
        return b

    def _combo(self, name: str, keys: list[str]) -> QComboBox:
        c = QComboBox(objectName=name)
        c.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for k in keys:
            c.addItem(k, k)
        return c

    def retranslate(self) -> None:
        for mode, button in self.mode_buttons.items():  # the key switch: its positions need no label
            button.setToolTip(_("Operating mode {mode}. Changing the mode stops any motion.").format(mode=mode))
        self.motors_on.setText(_("Motors on"))
        self.motors_on.setToolTip(_("AUTO: switch the drives on (the cell must be closed)."))
        self.reset_button.setText(pgettext("pendant", "Reset"))
        self.reset_button.setToolTip(_("Clear the stops whose cause is gone. A reset never starts motion."))
        self.estop.retranslate()
        self.enabling.retranslate()
        for label, text in zip(self.sel_labels, (pgettext("pendant", "Frame"), pgettext("pendant", "Increment"),
                                                 pgettext("pendant", "Tool"), pgettext("pendant", "User frame"),
                                                 pgettext("pendant", "Override"))):
            label.setText(text)
        for i, text in enumerate(frame_labels().values()):
            self.frame_combo.setItemText(i, text)
        for i, text in enumerate(increment_labels().values()):
            self.inc_combo.setItemText(i, text)
        # the letters are on the keys and Space on the enabling device; the whole list is the keys' tooltip
        self.jog_keys.setToolTip(_("Keys: hold Space = enabling device, Shift+Space = pressed through; "
                                 "QWERTY = axes 1–6 +, ASDFGH = axes 1–6 −."))
        self.tabs.setTabText(0, pgettext("pendant", "Points"))
        self._alarm_tab_text()
        self.tabs.setTabText(2, pgettext("pendant", "Frames"))  # in scroll areas: the panel stays short
        self.tabs.setTabText(3, _("Counters"))
        self.frames_tab.retranslate()
        self.counters_tab.retranslate()
        self.points.retranslate()
        self.position.retranslate()
        self.alarms.retranslate()
        self.jog_keys.retranslate()
        self._show_banner()
        self._refresh()

    def _show_banner(self) -> None:
        entry = self._banner_entry
        self.banner.setVisible(entry is not None)
        if entry is not None:
            self.banner.setText(self.alarms.entry_text(entry))

    def _alarm_tab_text(self) -> None:
        n = len(self.session.alarms) + len(self.session.stops)
        text = _("Alarms ({count})").format(count=n) if n else pgettext("pendant", "Alarms")
        self.tabs.setTabText(self.tabs.indexOf(self.alarms), text)

    # ------------------------------------------------------------------ events to the session
    def log(self) -> list[dict[str, Any]]:
        """The events so far (what the service replays), ending at the current tick."""
        return list(self.session.log)

    def _send(self, event: dict[str, Any]) -> None:
        before, stops = len(self.session.alarms), len(self.session.stops)
        try:
            self.session.apply(event)
        except PendantLogError as e:  # the panel builds valid events; a bad name typed is caught before
            code = e.code
            if code == "pendant.log.too_long":
                self.status.say(lambda: _("The session has reached its limit of events: submit it or start again."))
            else:
                self.status.say(lambda: _("Refused: {code}").format(code=code))
            return
        if event["ev"] in ("calibrate_tcp", "define_user_frame"):
            alarms = self.session.alarms[before:]
            self.frames_tab.show_outcome(event, self.session, alarms[-1] if alarms else None)
        if event["ev"] == "rev_update":
            self.counters_tab.show_counters(self.session.counters)
        self._sync_controls()
        self._refresh()
        let_go = event["ev"] == "key" and not event.get("down")
        if (len(self.session.alarms), len(self.session.stops)) == (before, stops) and self._banner_entry \
                and not let_go:
            self._banner_entry = None  # the trainee acted and nothing was refused: the alarm is history
            self._show_banner()

    def _frame(self) -> str:
        return self.session.jog_frame

    def _enabling_changed(self, position: int) -> None:
        if position > 1:
            self.setFocus()  # held with the mouse: the keyboard's jog keys go to the pendant from now on
        self._send({"ev": "enable", "v": position})

    def _jog_key(self, index: int, direction: int, down: bool) -> None:
        if down:
            self.setFocus()
        frame = self._frame()
        axis = JOINT_NAMES[index] if frame == "joint" else CARTESIAN_NAMES[index]
        self._send({"ev": "key", "axis": axis, "frame": frame, "dir": direction, "down": down})

    def _override_changed(self, value: int) -> None:
        if value != round(self.session.jogger.override):
            self._send({"ev": "override", "v": value})

    def _next_name(self) -> str:
        n = 1
        while f"p{n}" in self.session.points:
            n += 1
        return f"p{n}"

    def _typed_name(self) -> str | None:
        name = self.points.name.text().strip()
        if name and not NAME_RE.match(name):
            self.status.say(lambda: _("A point name starts with a letter and has letters, digits or _ only "
                                      "(at most 32)."))
            return None
        return name

    def _record(self) -> None:
        name = self._typed_name()
        if name is None:
            return
        self.status.clear()
        self._send({"ev": "record", "name": name or self._next_name()})
        self.points.name.clear()
        self.setFocus()

    def _on_selected(self, ev: str) -> None:
        name = self.points.selected()
        if name is None:
            self.status.say(lambda: _("Select a point in the list first."))
            return
        self.status.clear()
        self._send({"ev": ev, "name": name})

    def _rename(self) -> None:
        name, new = self.points.selected(), self._typed_name()
        if new is None:
            return
        if name is None or not new:
            self.status.say(lambda: _("Select a point, type its new name, then press Rename."))
            return
        self.status.clear()
        self._send({"ev": "rename", "name": name, "to": new})
        self.points.name.clear()

    # ------------------------------------------------------------------ visibility
    def hideEvent(self, event: QHideEvent) -> None:
        self.let_go()
        self.timer.stop()  # time stands still while the lab is hidden (lock, another step)
        super().hideEvent(event)

    def showEvent(self, event: QShowEvent) -> None:
        if self._run:
            self.timer.start()
        super().showEvent(event)

    def set_running(self, run: bool) -> None:
        """Whether the clock ticks while the panel is shown (False: the caller ticks it, as the tests do)."""
        self._run = run
        if run and self.isVisible():
            self.timer.start()
        else:
            self.timer.stop()

    def restart(self, setup: PendantSetup | None = None, events: list[dict[str, Any]] | None = None,
                end_tick: int | None = None) -> None:
        """A new session from ``setup`` (default: the current one), optionally replaying a saved log (a draft)
        up to ``end_tick``. A log that does not validate raises PendantLogError and leaves the panel as it was."""
        session = PendantSession(setup or self.setup)
        for ev in validate_log(events or []):
            session.advance_to(ev["tick"])
            session.apply(ev)
        if end_tick is not None:
            session.advance_to(end_tick)
        self.let_go()
        self.setup, self.session = setup or self.setup, session
        self._seen, self._shown_points, self._shown_frames = (0, 0), None, None
        self.alarms.clear_entries()
        self.frames_tab.reset()
        self.counters_tab.show_counters(session.counters)
        self._sync_controls()
        self._alarm_tab_text()
        self._refresh()
        self._banner_entry = None  # a restored draft: its alarms are history (the Alarms tab)
        self._show_banner()

    # ------------------------------------------------------------------ time and display
    def tick(self) -> None:
        """One tick of the session (the timer's slot; tests call it to advance time exactly)."""
        if self.session.tick >= MAX_TICKS:  # a log holds at most MAX_TICKS: time stops there
            self.timer.stop()
            self.status.say(lambda: _("The session has reached its time limit: submit it or start again."))
            return
        q = self.session.q
        self.session.step()
        moved = not np.array_equal(q, self.session.q)
        if moved and self._banner_entry is not None:  # moving again: the alarm is history (the Alarms tab)
            self._banner_entry = None
            self._show_banner()
        if moved or len(self.session.alarms) != self._seen[0] or len(self.session.stops) != self._seen[1]:
            # the numbers at 50 Hz are plenty to read; the signals (3D view) follow every tick
            self._refresh(display=not moved or self.session.tick % 2 == 0 or not self.session.moving)
        elif self._speed_shown and self.session.tcp_speed_mm_s == 0.0:
            self._refresh()  # show the speed back at 0 once motion ends

    def _sync_controls(self) -> None:
        """The controls show the session's state (after an event the session refused or changed)."""
        s = self.session
        self.mode_buttons[s.safety.mode.value].setChecked(True)
        self.motors_on.setEnabled(s.safety.mode.value == "AUTO")
        self.estop.blockSignals(True)
        self.estop.setChecked(s.safety.estop_pressed)
        self.estop.blockSignals(False)
        self.frame_combo.setCurrentIndex(FRAMES.index(s.jog_frame))
        self.inc_combo.setCurrentIndex(INCREMENTS.index(s.increment))
        for combo, names, current in ((self.tool_combo, s.frames.tools, s.frames.tool),
                                      (self.user_combo, s.frames.users, s.frames.user)):
            if [combo.itemData(i) for i in range(combo.count())] != list(names):
                combo.clear()
                for n in names:
                    combo.addItem(n, n)
            combo.setCurrentIndex(list(names).index(current))
        for w in (self.override_slider, self.override_spin):
            w.blockSignals(True)
            w.setValue(round(s.jogger.override))
            w.blockSignals(False)
        self.enabling.set_position(int(s.safety.enabling), emit=False)
        self.jog_keys.set_joint(s.jog_frame == "joint")
        self.jog_keys.retranslate()

    def _refresh(self, display: bool = True) -> None:
        """New alarms and stops into the list, the position (``display``), the points; then the signals."""
        s = self.session
        new_alarms, new_stops = s.alarms[self._seen[0]:], s.stops[self._seen[1]:]
        for st in new_stops:
            self.alarms.add_stop(st.tick, st.code, st.category)
        for a in new_alarms:
            self.alarms.add_alarm(a.tick, a.code, a.params)
        if new_alarms or new_stops:
            self._banner_entry = self.alarms.newest()
            self._show_banner()
        self._seen = (len(s.alarms), len(s.stops))
        if new_alarms or new_stops:
            self._alarm_tab_text()
        if display:
            frame = s.jog_frame if s.jog_frame in ("world", "base") else "user"
            name = s.frames.user if frame == "user" else frame_labels()[frame]
            self.position.set_frame_name(name)
            self.position.show_position(s.q, s.tcp_in(frame), s.configuration(), s.tcp_speed_mm_s,
                                        s.speed_limit_mm_s, s.safety.mode.value)
            self._speed_shown = s.tcp_speed_mm_s != 0.0
        key = self._points_key()
        if key != self._shown_points:
            self._shown_points = key
            self.points.show_points(s.points)
            self.frames_tab.show_points(list(s.points))
            self.points_changed.emit()
        frames = self._frames_key()
        if frames != self._shown_frames:
            self._shown_frames = frames
            self.frames_changed.emit()
        self.joints_changed.emit(s.q.copy())
        for st in new_stops:
            self.alarm.emit(st.code)
        for a in new_alarms:
            self.alarm.emit(a.code)

    def _frames_key(self) -> tuple:
        f = self.session.frames
        return (f.tool, f.user, tuple((n, t.tcp.tobytes()) for n, t in f.tools.items()),
                tuple((n, u.matrix.tobytes()) for n, u in f.users.items()))

    def _points_key(self) -> tuple:
        return tuple((n, p.tick, p.joints.tobytes()) for n, p in self.session.points.items())

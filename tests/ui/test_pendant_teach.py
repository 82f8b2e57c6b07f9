"""Teaching on the pendant panel (issue 24): the TCP from 4 points, a user frame from 3, revolution counters,
and restoring a saved log (a draft) — each by clicks and keys, checked against what the session stored."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.ui.pendant import PendantPanel
from app.ui.pendant.panel import FRAMES, INCREMENTS
from simulators.robot.arm.pendant import replay
from tests.ui.test_pendant import START, _choose, _hold_enabling, _setup, _ticks

LEFT = Qt.MouseButton.LeftButton


@pytest.fixture
def panel(qtbot, qapp_ready):
    p = PendantPanel(_setup(), run=False)
    qtbot.addWidget(p)
    p.resize(470, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def _press(qtbot, panel, key, ticks=40):
    qtbot.keyPress(panel, key)
    _ticks(panel, ticks)
    qtbot.keyRelease(panel, key)


def _record(qtbot, panel):
    qtbot.mouseClick(panel.points.record, LEFT)


def test_tcp_from_four_points_turned_about_the_tip(qtbot, panel):
    """Turning about the TCP of the real tool keeps its tip on one point: the 4-point method finds that TCP."""
    _hold_enabling(qtbot, panel)
    _choose(panel.tool_combo, "gripper", list(panel.session.frames.tools))
    _choose(panel.frame_combo, "tool", FRAMES)
    _choose(panel.inc_combo, "10mm", INCREMENTS)  # 5° a press for rotations
    _record(qtbot, panel)
    for key in (Qt.Key.Key_R, Qt.Key.Key_R, Qt.Key.Key_R):  # Rx +15°
        _press(qtbot, panel, key)
    _record(qtbot, panel)
    for key in (Qt.Key.Key_T, Qt.Key.Key_T, Qt.Key.Key_T, Qt.Key.Key_T):  # Ry +20°
        _press(qtbot, panel, key)
    _record(qtbot, panel)
    for key in (Qt.Key.Key_F,) * 6 + (Qt.Key.Key_Y,) * 6:  # Rx −30°, Rz +30°
        _press(qtbot, panel, key)
    _record(qtbot, panel)
    assert list(panel.session.points) == ["p1", "p2", "p3", "p4"] and panel.session.alarms == []
    panel.tabs.setCurrentIndex(2)
    tab = panel.frames_tab
    for i, combo in enumerate(tab.tcp_points):
        assert combo.currentText() == f"p{i + 1}"
    tab.tool_name.clear()
    qtbot.keyClicks(tab.tool_name, "pen")
    qtbot.mouseClick(tab.tcp_button, LEFT)
    cal = panel.session.tcp_calibration
    np.testing.assert_allclose(cal["tcp_mm"], [0.0, 20.0, 130.0], atol=1e-6)
    assert cal["max_error_mm"] < 1e-6
    assert "pen" in tab.tcp_result.text() and "20.00" in tab.tcp_result.text()
    assert [panel.tool_combo.itemData(i) for i in range(panel.tool_combo.count())] == ["tool0", "gripper", "pen"]
    tab.tcp_points[1].setCurrentText("p1")  # the same pose twice … and four times: refused with the reason
    tab.tcp_points[2].setCurrentText("p1")
    tab.tcp_points[3].setCurrentText("p1")
    qtbot.mouseClick(tab.tcp_button, LEFT)
    assert panel.session.alarms[-1].code == "frame.degenerate"
    assert "too alike" in tab.tcp_result.text()


def test_user_frame_from_three_points(qtbot, panel):
    _hold_enabling(qtbot, panel)
    _choose(panel.frame_combo, "world", FRAMES)
    _choose(panel.inc_combo, "10mm", INCREMENTS)
    _record(qtbot, panel)
    for _ in range(3):
        _press(qtbot, panel, Qt.Key.Key_Q)  # X +10 mm
    _record(qtbot, panel)
    for _ in range(2):
        _press(qtbot, panel, Qt.Key.Key_W)  # Y +10 mm
    _record(qtbot, panel)
    tab = panel.frames_tab
    assert [c.currentText() for c in tab.uf_points] == ["p1", "p2", "p3"]
    tab.frame_name.clear()
    qtbot.keyClicks(tab.frame_name, "fixture")
    qtbot.mouseClick(tab.uf_button, LEFT)
    m = panel.session.frames.users["fixture"].matrix
    np.testing.assert_allclose(m[:3, :3], np.eye(3), atol=1e-9)
    np.testing.assert_allclose(m[:3, 3], panel.session.points["p1"].world[:3, 3], atol=1e-9)
    assert "fixture" in tab.uf_result.text()
    _choose(panel.user_combo, "fixture", list(panel.session.frames.users))
    _choose(panel.frame_combo, "user", FRAMES)
    assert panel.position.tcp_values[0].text() == "30.00" and panel.position.tcp_values[1].text() == "20.00"


def test_revolution_counters(qtbot, qapp_ready):
    setup = _setup()
    setup.counters_lost = True
    setup.sync_marks_deg = tuple(math.degrees(v) for v in START)
    p = PendantPanel(setup, run=False)
    qtbot.addWidget(p)
    p.show()
    tab = p.counters_tab
    assert [s.text() for s in tab.states] == ["not updated"] * 6
    _hold_enabling(qtbot, p)
    _choose(p.frame_combo, "world", FRAMES)
    _press(qtbot, p, Qt.Key.Key_Q, 5)
    assert p.session.alarms[-1].code == "pendant.not_synchronized"
    np.testing.assert_array_equal(p.session.q, START)
    for b in tab.buttons[:5]:
        qtbot.mouseClick(b, LEFT)
    _choose(p.frame_combo, "joint", FRAMES)
    _choose(p.inc_combo, "1mm", INCREMENTS)
    _press(qtbot, p, Qt.Key.Key_Y, 20)  # J6 +1°: off its mark
    qtbot.mouseClick(tab.buttons[5], LEFT)
    assert [s.text() for s in tab.states] == ["updated"] * 6  # the pendant cannot tell
    counters = p.session.counters
    assert all(counters[j]["state"] == "ok" for j in range(1, 6))
    assert counters[6]["state"] == "wrong" and counters[6]["error_deg"] == pytest.approx(1.0)


def test_restore_a_saved_log_and_pause_while_hidden(qtbot, qapp_ready, panel):
    _hold_enabling(qtbot, panel)
    _press(qtbot, panel, Qt.Key.Key_E, 15)
    _record(qtbot, panel)
    log, tick = panel.log(), panel.session.tick
    other = PendantPanel(_setup(), run=True)
    qtbot.addWidget(other)
    other.restart(events=log, end_tick=tick)
    np.testing.assert_array_equal(other.session.q, panel.session.q)
    assert other.points.list.count() == 1 and other.session.tick == tick
    assert other.enabling.position == 2  # the device as the log left it
    assert not other.timer.isActive()  # not shown yet
    other.show()
    qtbot.waitExposed(other)
    assert other.timer.isActive()
    other.hide()
    assert not other.timer.isActive()
    other.set_running(False)
    other.show()
    assert not other.timer.isActive()  # the caller ticks it
    other.set_running(True)
    assert other.timer.isActive()
    other.hide()
    assert other.enabling.position == 1  # hands off when the lab is hidden
    r = replay(_setup(), other.log(), end_tick=other.session.tick)
    np.testing.assert_array_equal(r.joints, panel.session.q)
    from simulators.robot.arm.pendant import PendantLogError

    with pytest.raises(PendantLogError):
        other.restart(events=[{"tick": 0, "ev": "teleport"}])
    np.testing.assert_array_equal(other.session.q, panel.session.q)  # left as it was


def test_the_session_time_limit_stops_the_clock(qtbot, panel, monkeypatch):
    import app.ui.pendant.panel as panel_module

    monkeypatch.setattr(panel_module, "MAX_TICKS", 30)
    _ticks(panel, 40)
    assert panel.session.tick == 30 and "time limit" in panel.status.text()
    _hold_enabling(qtbot, panel)  # events at the last tick are still taken
    assert panel.session.log[-1] == {"tick": 30, "ev": "enable", "v": 2}

"""The teach pendant panel (issue 24), driven with real key presses and clicks: every axis in every frame, the
enabling device, the T1 cap shown, E-stop and reset, taught points, and the log replaying to the same pose.

Time is the session's ticks: the tests call ``panel.tick()`` (the timer's slot) so a jog lasts exactly as many
ticks as asked, whatever the machine's load; one test runs the real 100 Hz timer.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtCore import Qt

from app.ui.pendant import PendantPanel
from app.ui.pendant.controls import MINUS_KEYS, PLUS_KEYS
from app.ui.pendant.panel import FRAMES, INCREMENTS
from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.frames import Frames, Tool, UserFrame, make_pose
from simulators.robot.arm.jog import _axis_angle
from simulators.robot.arm.orientation import rot_x, rot_y, rot_z
from simulators.robot.arm.pendant import PendantSetup, replay

START = np.radians([5.0, 15.0, -5.0, 10.0, -55.0, 20.0])
LEFT = Qt.MouseButton.LeftButton


def _setup(mode: str = "T1") -> PendantSetup:
    frames = Frames(base=make_pose((20.0, -10.0, 30.0), rot_z(math.radians(10))))
    frames.add_tool(Tool("gripper", make_pose((0.0, 20.0, 130.0), rot_x(math.radians(15)))))
    frames.add_user(UserFrame("table", make_pose((900.0, 150.0, 250.0), rot_z(math.radians(30))
                                                 @ rot_y(math.radians(8)))))
    return PendantSetup(Arm(R12_1440), START.copy(), frames=frames, mode=mode)


@pytest.fixture
def panel(qtbot, qapp_ready):
    p = PendantPanel(_setup(), run=False)
    qtbot.addWidget(p)
    p.resize(470, 700)
    p.show()
    qtbot.waitExposed(p)
    return p


def _ticks(panel, n):
    for _ in range(n):
        panel.tick()


def _choose(combo, key, keys):
    """Pick an item the way the keyboard does on a closed combo box (Down/Up emit ``activated``)."""
    target = keys.index(key)
    while combo.currentIndex() != target:
        step = Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up
        combo.keyPressEvent(_key_event(step))


def _key_event(key):
    from PySide6.QtGui import QKeyEvent

    return QKeyEvent(QKeyEvent.Type.KeyPress, key, Qt.KeyboardModifier.NoModifier)


def _hold_enabling(qtbot, panel):
    qtbot.keyPress(panel, Qt.Key.Key_Space)
    assert panel.enabling.position == 2 and panel.session.safety.enabled


def _tcp(panel):
    return panel.session.tcp_world()


def _jog_once(qtbot, panel, axis_index, direction, use_mouse):
    """One incremental jog with the keyboard (+) or the on-screen key (−), then the ticks it needs."""
    if use_mouse:
        button = (panel.jog_keys.plus if direction > 0 else panel.jog_keys.minus)[axis_index]
        qtbot.mousePress(button, LEFT)
        _ticks(panel, 30)
        qtbot.mouseRelease(button, LEFT)
    else:
        key = (PLUS_KEYS if direction > 0 else MINUS_KEYS)[axis_index]
        qtbot.keyPress(panel, key)
        _ticks(panel, 30)
        qtbot.keyRelease(panel, key)


@pytest.mark.parametrize("frame", FRAMES)
def test_jog_each_axis_in_each_frame_moves_the_pose_by_one_increment(qtbot, panel, frame):
    _hold_enabling(qtbot, panel)
    _choose(panel.tool_combo, "gripper", list(panel.session.frames.tools))
    _choose(panel.user_combo, "table", list(panel.session.frames.users))
    _choose(panel.frame_combo, frame, FRAMES)
    _choose(panel.inc_combo, "1mm", INCREMENTS)
    assert panel.session.jog_frame == frame and panel.session.increment == "1mm"
    assert panel.session.frames.tool == "gripper" and panel.session.frames.user == "table"
    expected_names = ["J1", "J2", "J3", "J4", "J5", "J6"] if frame == "joint" else ["X", "Y", "Z", "Rx", "Ry", "Rz"]
    assert [n.text() for n in panel.jog_keys.names] == expected_names
    fr = panel.session.frames
    for i in range(6):
        for direction in (1, -1):
            q0, p0 = panel.session.q.copy(), _tcp(panel)
            _jog_once(qtbot, panel, i, direction, use_mouse=direction < 0)
            q1, p1 = panel.session.q.copy(), _tcp(panel)
            if frame == "joint":
                dq = np.degrees(q1 - q0)
                np.testing.assert_allclose(dq, direction * np.eye(6)[i], atol=1e-9)
                continue
            axis_world = {"world": np.eye(3), "base": fr.base[:3, :3], "user": fr.users["table"].matrix[:3, :3],
                          "tool": p0[:3, :3]}[frame][:, i % 3]
            if i < 3:  # 1 mm along the frame's axis, orientation kept
                np.testing.assert_allclose(p1[:3, 3] - p0[:3, 3], direction * axis_world, atol=1e-7)
                np.testing.assert_allclose(p1[:3, :3], p0[:3, :3], atol=1e-9)
            else:  # 1° about the frame's axis through the TCP, which stays put
                np.testing.assert_allclose(p1[:3, 3], p0[:3, 3], atol=1e-7)
                turn = _axis_angle(axis_world, direction * math.radians(1.0))
                np.testing.assert_allclose(p1[:3, :3], turn @ p0[:3, :3], atol=1e-9)
    assert panel.session.alarms == []
    shown = panel.position.joint_values[0].text()
    assert shown.replace(",", "") == f"{math.degrees(panel.session.q[0]):.2f}"


def test_continuous_jog_and_releasing_the_enabling_device_mid_jog_stops(qtbot, panel):
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_W)  # J2 +
    _ticks(panel, 20)
    moved = panel.session.q.copy()
    assert moved[1] > START[1]
    qtbot.keyRelease(panel, Qt.Key.Key_Space)  # the hand lets go mid-jog
    assert panel.enabling.position == 1
    _ticks(panel, 20)
    np.testing.assert_array_equal(panel.session.q, moved)
    assert "safety.enabling_released" in panel.alarms.codes()
    qtbot.keyPress(panel, Qt.Key.Key_Space)  # held again while the key is still down: no restart
    _ticks(panel, 20)
    np.testing.assert_array_equal(panel.session.q, moved)
    assert panel.alarms.codes()[-1] == "jog.release_key"
    assert "jog.release_key" in panel.alarms.item(0).text()
    qtbot.keyRelease(panel, Qt.Key.Key_W)


def test_enabling_device_by_mouse_and_pressed_through(qtbot, panel):
    qtbot.mousePress(panel.enabling, LEFT)
    assert panel.session.safety.enabled
    qtbot.mouseRelease(panel.enabling, LEFT)
    assert panel.enabling.position == 1 and not panel.session.safety.enabled
    qtbot.mousePress(panel.enabling, LEFT, Qt.KeyboardModifier.ShiftModifier)
    assert panel.enabling.position == 3
    qtbot.mouseRelease(panel.enabling, LEFT)
    qtbot.keyPress(panel, Qt.Key.Key_Space)
    qtbot.keyPress(panel, Qt.Key.Key_Shift, Qt.KeyboardModifier.ShiftModifier)  # squeezed through
    qtbot.keyRelease(panel, Qt.Key.Key_Shift)  # back to the middle: still not enabled
    assert panel.enabling.position == 2 and not panel.session.safety.enabled
    qtbot.keyPress(panel, Qt.Key.Key_Q)
    _ticks(panel, 5)
    np.testing.assert_array_equal(panel.session.q, START)
    assert "safety.enabling_panic" in panel.alarms.codes()


@pytest.mark.parametrize("mode", ["T1", "T2"])
def test_t1_speed_cap_is_shown_and_kept(qtbot, panel, mode):
    qtbot.mouseClick(panel.mode_buttons[mode], LEFT)
    assert panel.session.safety.mode.value == mode
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # J1 +: 10 % of 260°/s would move the TCP faster than 250 mm/s
    speeds = []
    for _ in range(20):
        panel.tick()
        speeds.append(panel.session.tcp_speed_mm_s)
    shown = float(panel.position.speed.text().split()[-2].replace(",", ""))  # "TCP speed 249 mm/s"
    assert shown == pytest.approx(panel.session.tcp_speed_mm_s, abs=0.5)
    cap = panel.position.cap.text()
    if mode == "T1":
        assert cap == "T1 cap 250 mm/s" and max(speeds) <= 250.0 + 1e-6 and max(speeds) > 200.0
    else:
        assert cap == "T2: no speed cap" and max(speeds) > 300.0
    qtbot.keyRelease(panel, Qt.Key.Key_Q)


def test_mode_change_stops_motion_without_asking(qtbot, panel):
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_E)
    _ticks(panel, 5)
    qtbot.mouseClick(panel.mode_buttons["T2"], LEFT)
    q = panel.session.q.copy()
    _ticks(panel, 5)
    np.testing.assert_array_equal(panel.session.q, q)
    assert "safety.mode_changed" in panel.alarms.codes()
    qtbot.mouseClick(panel.mode_buttons["AUTO"], LEFT)
    assert panel.motors_on.isEnabled()


def test_estop_then_reset_does_not_move(qtbot, panel):
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_R)  # J4 +, held through everything below
    _ticks(panel, 10)
    qtbot.mouseClick(panel.estop, LEFT)
    assert panel.estop.isChecked() and panel.session.safety.estop_pressed
    q = panel.session.q.copy()
    _ticks(panel, 10)
    qtbot.mouseClick(panel.reset_button, LEFT)  # still pressed: refused
    assert panel.alarms.codes()[-1] == "safety.estop"
    qtbot.mouseClick(panel.estop, LEFT)  # pulled out
    assert not panel.estop.isChecked()
    qtbot.mouseClick(panel.reset_button, LEFT)
    _ticks(panel, 30)
    np.testing.assert_array_equal(panel.session.q, q)
    assert "safety.estop" in panel.alarms.codes()


def test_record_touch_up_rename_delete_points(qtbot, panel):
    _hold_enabling(qtbot, panel)
    with qtbot.waitSignal(panel.points_changed):
        panel.points.name.setFocus()
        qtbot.keyClicks(panel.points.name, "pick1")
        qtbot.mouseClick(panel.points.record, LEFT)
    qtbot.mouseClick(panel.points.record, LEFT)  # no name typed: the next free pN
    names = [panel.points.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(panel.points.list.count())]
    assert names == ["pick1", "p1"]
    assert "pick1" in panel.points.list.item(0).text() and panel.session.configuration() in panel.points.list.item(
        0).text()
    panel.setFocus()
    qtbot.keyPress(panel, Qt.Key.Key_Q)
    _ticks(panel, 10)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    panel.points.list.setCurrentRow(0)
    qtbot.mouseClick(panel.points.touchup, LEFT)
    np.testing.assert_array_equal(panel.session.points["pick1"].joints, panel.session.q)
    qtbot.keyClicks(panel.points.name, "place1")
    qtbot.mouseClick(panel.points.rename, LEFT)
    assert list(panel.session.points) == ["p1", "place1"]
    qtbot.keyClicks(panel.points.name, "9bad")
    qtbot.mouseClick(panel.points.record, LEFT)
    assert "letter" in panel.status.text() and len(panel.session.points) == 2
    panel.points.name.clear()
    panel.points.list.setCurrentRow(0)
    qtbot.mouseClick(panel.points.delete, LEFT)
    assert list(panel.session.points) == ["place1"] and panel.points.list.count() == 1


def test_the_log_replays_to_the_same_pose_and_points(qtbot, panel):
    _hold_enabling(qtbot, panel)
    _choose(panel.frame_combo, "tool", FRAMES)
    _choose(panel.tool_combo, "gripper", list(panel.session.frames.tools))
    panel.override_spin.setValue(35)
    qtbot.keyPress(panel, Qt.Key.Key_E)  # tool Z +
    _ticks(panel, 25)
    qtbot.keyRelease(panel, Qt.Key.Key_E)
    qtbot.mouseClick(panel.points.record, LEFT)
    qtbot.mousePress(panel.jog_keys.minus[5], LEFT)  # Rz −
    _ticks(panel, 17)
    qtbot.mouseRelease(panel.jog_keys.minus[5], LEFT)
    _ticks(panel, 3)
    log = panel.log()
    assert any(ev["ev"] == "override" and ev["v"] == 35.0 for ev in log)
    r = replay(_setup(), log, end_tick=panel.session.tick)
    np.testing.assert_array_equal(r.joints, panel.session.q)
    np.testing.assert_array_equal(r.points["p1"].joints, panel.session.points["p1"].joints)


def test_the_timer_steps_the_session_and_focus_loss_lets_go(qtbot, qapp_ready):
    p = PendantPanel(_setup(), run=True)
    qtbot.addWidget(p)
    p.show()
    qtbot.waitExposed(p)
    moves = []
    p.joints_changed.connect(lambda q: moves.append(q))
    qtbot.keyPress(p, Qt.Key.Key_Space)
    qtbot.keyPress(p, Qt.Key.Key_T)  # J5 +
    qtbot.waitUntil(lambda: p.session.q[4] > START[4] + math.radians(0.5), timeout=20000)
    assert moves and p.session.tick > 0
    p.let_go()  # what losing the focus does
    q = p.session.q.copy()
    tick = p.session.tick
    qtbot.waitUntil(lambda: p.session.tick > tick + 5, timeout=20000)
    np.testing.assert_array_equal(p.session.q, q)
    p.timer.stop()
    r = replay(_setup(), p.log(), end_tick=p.session.tick)
    np.testing.assert_array_equal(r.joints, p.session.q)


def test_signals_for_the_lab_and_3d_views(qtbot, panel):
    with qtbot.waitSignal(panel.frames_changed):
        _choose(panel.tool_combo, "gripper", list(panel.session.frames.tools))
    with qtbot.assertNotEmitted(panel.frames_changed):
        _choose(panel.frame_combo, "world", FRAMES)  # the jog frame is not a tool or user frame
    joints, alarms = [], []
    panel.joints_changed.connect(lambda q: joints.append(q))
    panel.alarm.connect(alarms.append)
    qtbot.keyPress(panel, Qt.Key.Key_Y)  # J6 + without the enabling device
    panel.tick()
    assert alarms == ["safety.enabling_required"]
    qtbot.keyRelease(panel, Qt.Key.Key_Y)
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_Y)
    joints.clear()
    _ticks(panel, 5)
    assert len(joints) == 5 and np.array_equal(joints[-1], panel.session.q)  # every tick, not only when drawn
    with qtbot.waitSignal(panel.alarm) as blocker:
        qtbot.keyRelease(panel, Qt.Key.Key_Space)
    assert blocker.args == ["safety.enabling_released"]


def test_language_switch_retranslates_the_panel(qtbot, panel):
    from app import i18n

    qtbot.keyPress(panel, Qt.Key.Key_Q)  # an alarm in the list before the switch
    panel.tick()
    assert panel.alarms.count() == 1
    try:
        i18n.set_locale("zh_CN")
        assert panel.points.delete.text() == "删除"
        assert panel.alarms.count() == 1 and "safety.enabling_required" in panel.alarms.item(0).text()
    finally:
        i18n.set_locale("en")
    assert panel.points.delete.text() == "Delete"


def test_pressing_a_pendant_control_gives_it_the_keyboard(qtbot, panel):
    panel.points.name.setFocus()
    qtbot.waitUntil(panel.points.name.hasFocus)
    qtbot.mousePress(panel.enabling, LEFT)
    qtbot.waitUntil(panel.hasFocus)
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # now a jog key, not a letter typed into the name field
    panel.tick()
    assert panel.session.q[0] > START[0] and panel.points.name.text() == ""


def test_alarm_list_keeps_the_newest(qtbot, panel, monkeypatch):
    import app.ui.pendant.display as display

    monkeypatch.setattr(display, "MAX_SHOWN", 3)
    for _ in range(5):
        qtbot.mouseClick(panel.points.touchup, LEFT)  # nothing selected: a status line, no alarm
        panel._send({"ev": "touchup", "name": "nope"})
    assert panel.alarms.count() == 3 and panel.tabs.tabText(1).endswith("(5)")
    assert panel.status.text() == "Select a point in the list first."


def test_a_letter_with_ctrl_or_alt_is_a_command_not_a_jog(qtbot, panel):
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyPress(panel, Qt.Key.Key_Q, Qt.KeyboardModifier.AltModifier)
    _ticks(panel, 5)
    np.testing.assert_array_equal(panel.session.q, START)
    assert not any(ev["ev"] == "key" for ev in panel.log())

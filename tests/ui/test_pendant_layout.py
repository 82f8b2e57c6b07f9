"""The pendant as a trainee sees it on a small screen: the newest alarm shown under the enabling device (the
Alarms tab is far down a short lab's scroll area), gone once the arm moves again; the compact layout keeps every
control and is narrower."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from tests.ui.test_pendant import _hold_enabling, _ticks, panel  # noqa: F401 - the fixture

LEFT = Qt.MouseButton.LeftButton


def test_the_newest_alarm_is_shown_near_the_top_until_the_arm_moves(qtbot, panel):  # noqa: F811
    panel.setFocus()
    assert panel.banner.isHidden()
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # no enabling device: refused
    _ticks(panel, 3)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    assert panel.banner.isVisible() and "enabling device" in panel.banner.text()
    assert "safety.enabling_required" in panel.banner.text()
    # under the enabling device, above the jog keys
    assert panel.banner.y() < panel.jog_keys.y() and panel.banner.y() > panel.enabling.y()
    qtbot.mouseClick(panel.estop, LEFT)
    _ticks(panel, 2)
    assert "E" in panel.banner.text() and "stop" in panel.banner.text().lower()
    qtbot.mouseClick(panel.estop, LEFT)
    qtbot.mouseClick(panel.reset_button, LEFT)
    _ticks(panel, 2)
    q = panel.session.q.copy()
    _hold_enabling(qtbot, panel)
    qtbot.keyPress(panel, Qt.Key.Key_Q)
    _ticks(panel, 10)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    assert not np.array_equal(panel.session.q, q)
    assert panel.banner.isHidden()  # moving again: the alarm stays in the Alarms tab only
    assert panel.alarms.count() >= 2


def test_compact_layout_is_narrower_and_keeps_every_control(qtbot, panel):  # noqa: F811
    wide = panel.sizeHint().width()
    panel.set_compact(True)
    panel.layout().activate()
    assert panel.compact and panel.minimumSizeHint().width() < wide - 100
    # the jog keys over the position, the selectors in one column
    qtbot.waitUntil(lambda: panel.position.y() >= panel.jog_keys.geometry().bottom(), timeout=2000)
    assert panel.tool_combo.y() > panel.frame_combo.y() and panel.user_combo.y() > panel.inc_combo.y() > \
        panel.frame_combo.y()
    # and it still jogs
    panel.setFocus()
    _hold_enabling(qtbot, panel)
    q = panel.session.q.copy()
    qtbot.keyPress(panel, Qt.Key.Key_W)
    _ticks(panel, 10)
    qtbot.keyRelease(panel, Qt.Key.Key_W)
    assert panel.session.q[1] > q[1]
    panel.set_compact(False)
    qtbot.waitUntil(lambda: panel.position.x() > panel.jog_keys.geometry().right(), timeout=2000)


def test_the_banner_clears_when_an_action_is_accepted_and_a_restored_draft_has_none(qtbot, panel):  # noqa: F811
    panel.setFocus()
    qtbot.keyPress(panel, Qt.Key.Key_Q)  # refused: no enabling device
    _ticks(panel, 2)
    qtbot.keyRelease(panel, Qt.Key.Key_Q)
    assert panel.banner.isVisible()
    log = panel.log()
    _hold_enabling(qtbot, panel)  # taken: accepted, nothing refused
    assert panel.banner.isHidden()
    panel.restart(events=log)  # the draft's alarm is in the Alarms tab only
    assert panel.banner.isHidden() and panel.alarms.count() == 1

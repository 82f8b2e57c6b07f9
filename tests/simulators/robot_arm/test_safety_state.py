"""Modes, the three-position enabling device, stops and reset (issue 23), alone and with a jog in progress."""

import numpy as np
import pytest

from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.jog import JogAxis, Jogger
from simulators.robot.arm.safety_state import Enabling, Mode, SafetyConfig, SafetyState, StopCategory

J1 = JogAxis("joint", 1)
TX = JogAxis("tool", "x")


def _moving(mode=Mode.T1):
    s = SafetyState(mode)
    s.set_enabling(Enabling.MIDDLE)
    j = Jogger(Arm(R12_1440), np.radians([0, 10, -10, 0, -60, 0]), safety=s)
    for _ in range(5):
        assert j.jog(TX, 1, 0.01).moved
    return s, j


def test_enabling_device_three_positions():
    s = SafetyState(Mode.T1)
    assert s.motion_blocked().code == "safety.enabling_required"
    s.set_enabling(2)
    assert s.enabled and s.drives_on and s.motion_blocked() is None
    s.set_enabling(3)  # pressed through: stop
    assert not s.enabled and s.events[-1].code == "safety.enabling_panic"
    s.set_enabling(2)  # 3 → 2 does not re-enable
    assert not s.enabled and s.motion_blocked().code == "safety.enabling_panic"
    s.set_enabling(1)
    s.set_enabling(2)  # released first: now it enables again
    assert s.enabled and s.motion_blocked() is None


def test_release_mid_jog_stops_and_re_enabling_needs_a_new_key_press():
    s, j = _moving()
    q = j.q.copy()
    s.set_enabling(Enabling.RELEASED)
    r = j.jog(TX, 1, 0.01)
    assert not r.moved and r.alarm.code == "safety.enabling_required"
    assert np.array_equal(j.q, q)
    assert s.events[-1].code == "safety.enabling_released"
    assert s.events[-1].category == StopCategory.CONTROLLED_POWER_OFF and not s.drives_on
    s.set_enabling(Enabling.MIDDLE)  # enabled again, drives on, but the held key does not resume by itself
    r = j.jog(TX, 1, 0.01)
    assert not r.moved and r.alarm.code == "jog.release_key"
    j.release()
    assert j.jog(TX, 1, 0.01).moved


def test_panic_mid_jog_and_back_to_middle_does_not_move():
    s, j = _moving()
    s.set_enabling(Enabling.PANIC)
    assert not j.jog(TX, 1, 0.01).moved
    s.set_enabling(Enabling.MIDDLE)
    j.release()
    r = j.jog(TX, 1, 0.01)
    assert not r.moved and r.alarm.code == "safety.enabling_panic"


def test_emergency_stop_latches_and_reset_never_restarts():
    s, j = _moving()
    s.press_estop()
    assert s.events[-1].category == StopCategory.UNCONTROLLED and not s.drives_on
    assert j.jog(TX, 1, 0.01).alarm.code == "safety.estop"
    assert s.reset()[0].code == "safety.estop"  # button still pressed: reset refused
    s.release_estop()
    assert s.motion_blocked().code == "safety.estop"  # pulling the button out is not a reset
    assert s.reset() == []
    q = j.q.copy()
    r = j.jog(TX, 1, 0.01)  # key still held through the reset: no motion
    assert not r.moved and np.array_equal(j.q, q)
    assert not s.drives_on  # reset did not switch the drives on either
    j.release()
    assert j.jog(TX, 1, 0.01).alarm.code == "safety.drives_off"
    s.set_enabling(Enabling.RELEASED)
    s.set_enabling(Enabling.MIDDLE)  # the deliberate act: enabling device 1 → 2 switches the drives on
    assert j.jog(TX, 1, 0.01).moved


def test_estop_is_category_0_or_1_never_2():
    assert SafetyConfig(estop_category=StopCategory.CONTROLLED_POWER_OFF).estop_category == 1
    with pytest.raises(ValueError):
        SafetyConfig(estop_category=StopCategory.CONTROLLED_POWER_ON)


def test_protective_stop_category_2_keeps_power_and_needs_reset():
    s, j = _moving()
    s.protective_stop("light_curtain")
    assert s.events[-1].category == StopCategory.CONTROLLED_POWER_ON and s.drives_on
    assert j.jog(TX, 1, 0.01).alarm.params == {"cause": "light_curtain"}
    assert s.reset() == []
    assert j.jog(TX, 1, 0.01).alarm.code == "jog.release_key"
    j.release()
    assert j.jog(TX, 1, 0.01).moved  # power stayed on: a new key press is enough


def test_auto_needs_the_cell_closed():
    s = SafetyState(Mode.AUTO, door_closed=False)
    assert s.switch_drives_on().code == "safety.cell_open"
    assert s.motion_blocked().code == "safety.cell_open"
    s.set_door(True)
    assert s.switch_drives_on() is None and s.motion_blocked() is None
    s.set_door(False)  # opened in AUTO: latched protective stop, category 1
    assert s.events[-1].code == "safety.protective_stop"
    assert s.events[-1].category == StopCategory.CONTROLLED_POWER_OFF and not s.drives_on
    assert s.reset()[0].code == "safety.protective_stop"  # door still open
    s.set_door(True)
    assert s.reset() == [] and s.motion_blocked().code == "safety.drives_off"
    assert s.switch_drives_on() is None and s.motion_blocked() is None


def test_door_open_is_allowed_in_manual_modes_and_mode_change_stops():
    s, j = _moving(Mode.T2)
    s.set_door(False)
    assert j.jog(TX, 1, 0.01).moved
    s.set_mode(Mode.T1)
    assert s.events[-1].code == "safety.mode_changed"
    j.release()
    assert j.jog(TX, 1, 0.01).alarm.code == "safety.drives_off"
    assert s.speed_limit_mm_s == 250.0

"""A pendant log from outside is hostile: one clear error with a stable code, never a traceback (issue 24)."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, Arm
from simulators.robot.arm.pendant import PendantLogError, PendantSession, PendantSetup, replay
from simulators.robot.arm.pendant_log import MAX_EVENTS, MAX_TICKS, validate_log


def _setup():
    return PendantSetup(Arm(R7_700), np.radians([0.0, 0.0, 0.0, 0.0, 30.0, 0.0]))


OK = {"tick": 0, "ev": "enable", "v": 2}


@pytest.mark.parametrize(("log", "code", "index"), [
    ("not a list", "pendant.log.not_list", None),
    ({"tick": 0}, "pendant.log.not_list", None),
    ([OK, 5], "pendant.log.not_object", 1),
    ([{"tick": 0, "ev": "teleport", "q": [0] * 6}], "pendant.log.unknown_event", 0),
    ([{"tick": 0}], "pendant.log.unknown_event", 0),
    ([{"tick": -1, "ev": "reset"}], "pendant.log.bad_tick", 0),
    ([{"tick": 1.5, "ev": "reset"}], "pendant.log.bad_tick", 0),
    ([{"tick": True, "ev": "reset"}], "pendant.log.bad_tick", 0),
    ([{"tick": MAX_TICKS + 1, "ev": "reset"}], "pendant.log.bad_tick", 0),
    ([{"tick": 5, "ev": "reset"}, {"tick": 4, "ev": "reset"}], "pendant.log.tick_order", 1),
    ([{"tick": 0, "ev": "reset", "extra": 1}], "pendant.log.unknown_field", 0),
    ([{"tick": 0, "ev": "mode"}], "pendant.log.missing_field", 0),
    ([{"tick": 0, "ev": "mode", "v": "MANUAL"}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "enable", "v": 4}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "enable", "v": True}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "override", "v": float("nan")}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "override", "v": 0}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "override", "v": 150}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "inc", "v": "3mm"}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "key", "axis": "J7", "dir": 1, "down": True}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "key", "axis": "X", "dir": 2, "down": True}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "key", "axis": "X", "frame": "joint", "dir": 1, "down": True}],
     "pendant.log.axis_frame", 0),
    ([{"tick": 0, "ev": "key", "axis": "J2", "frame": "tool", "dir": 1, "down": True}],
     "pendant.log.axis_frame", 0),
    ([{"tick": 0, "ev": "record", "name": "1abc"}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "record", "name": "x" * 100}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "calibrate_tcp", "points": ["a"] * 50, "tool": "t"}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "tool", "v": ""}], "pendant.log.bad_value", 0),
    ([{"tick": 0, "ev": "rev_update", "axis": 0}], "pendant.log.bad_value", 0),
])
def test_a_bad_log_is_refused_with_one_coded_error(log, code, index):
    with pytest.raises(PendantLogError) as e:
        replay(_setup(), log)
    assert e.value.code == code and e.value.index == index
    assert str(e.value)  # the English text renders (every placeholder is given)


def test_too_many_events_is_refused_before_any_is_looked_at():
    log = [{"tick": 0, "ev": "reset"}] * (MAX_EVENTS + 1)
    log[0] = "garbage"  # not reached: the size is checked first
    with pytest.raises(PendantLogError) as e:
        validate_log(log)
    assert e.value.code == "pendant.log.too_long" and e.value.params["count"] == MAX_EVENTS + 1


def test_canonical_forms():
    out = validate_log([{"tick": 0, "ev": "key", "axis": "rz", "frame": "tool", "dir": -1, "down": True},
                        {"tick": 0, "ev": "key", "axis": "j3", "dir": 1, "down": False},
                        {"tick": 2, "ev": "inc", "v": "5deg"},
                        {"tick": 2, "ev": "override", "v": 30},
                        {"tick": 3, "ev": "rev_update", "axis": "J2"}])
    assert out[0]["axis"] == "Rz" and out[1] == {"tick": 0, "ev": "key", "axis": "J3", "frame": "joint", "dir": 1,
                                                  "down": False}
    assert out[2]["v"] == "10mm" and out[3]["v"] == 30.0 and out[4]["axis"] == 2


def test_live_apply_refuses_an_event_for_another_tick_and_keeps_its_state():
    s = PendantSession(_setup())
    s.step()
    with pytest.raises(PendantLogError) as e:
        s.apply({"tick": 0, "ev": "reset"})
    assert e.value.code == "pendant.log.tick_order"
    with pytest.raises(PendantLogError):
        s.apply({"ev": "key", "axis": "Q", "dir": 1, "down": True})
    assert s.log == []


def test_unknown_tool_or_frame_names_are_alarms_not_errors():
    r = replay(_setup(), [{"tick": 0, "ev": "tool", "v": "nope"}, {"tick": 0, "ev": "user", "v": "nope"}])
    assert [a.code for a in r.alarms] == ["pendant.unknown_tool", "pendant.unknown_user"]
    assert r.tool == "tool0"


def test_a_long_idle_log_replays_without_stepping_each_tick():
    r = replay(_setup(), [OK, {"tick": MAX_TICKS, "ev": "reset"}])
    assert r.ticks == MAX_TICKS and r.elapsed == pytest.approx(3600.0)
    np.testing.assert_allclose(np.degrees(r.joints), [0, 0, 0, 0, 30, 0])
    assert math.isfinite(r.tcp[0, 3])

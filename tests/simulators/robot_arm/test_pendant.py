"""The Qt-free pendant session (issue 24): live = replay, enabling device, T1 cap, stops, teaching, counters."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.frames import Frames, Tool, UserFrame, make_pose
from simulators.robot.arm.orientation import rot_x, rot_z
from simulators.robot.arm.pendant import DT, PendantSession, PendantSetup, replay

START = np.radians([0.0, 10.0, -10.0, 0.0, -60.0, 0.0])


def _setup(**kw):
    frames = Frames(base=make_pose((0.0, 0.0, 50.0)))
    frames.add_tool(Tool("gripper", make_pose((0.0, 0.0, 120.0))))
    frames.add_user(UserFrame("table", make_pose((900.0, 100.0, 200.0), rot_z(math.radians(30)))))
    return PendantSetup(Arm(R12_1440), START.copy(), frames=frames, **kw)


def _session(**kw):
    s = PendantSession(_setup(**kw.pop("setup", {})), **kw)
    s.apply({"ev": "enable", "v": 2})
    return s


def _key(s, axis, frame=None, d=1, down=True):
    ev = {"ev": "key", "axis": axis, "dir": d, "down": down}
    if frame:
        ev["frame"] = frame
    s.apply(ev)


def _run(s, n):
    for _ in range(n):
        s.step()


def _scripted_session():
    s = _session()
    s.apply({"ev": "tool", "v": "gripper"})
    s.apply({"ev": "user", "v": "table"})
    s.apply({"ev": "override", "v": 40})
    _key(s, "X", "user")
    _run(s, 37)
    _key(s, "X", "user", down=False)
    _run(s, 5)
    s.apply({"ev": "record", "name": "p1"})
    _key(s, "Rz", "tool", d=-1)
    _run(s, 23)
    _key(s, "Rz", "tool", d=-1, down=False)
    s.apply({"ev": "inc", "v": "1mm"})
    _key(s, "Z", "base", d=-1)
    _run(s, 3)
    _key(s, "Z", "base", d=-1, down=False)
    _run(s, 10)
    s.apply({"ev": "inc", "v": "continuous"})
    _key(s, "J4", d=1)
    _run(s, 11)
    s.apply({"ev": "record", "name": "p2"})
    return s


def test_replay_equals_the_live_session_bit_for_bit():
    s = _scripted_session()
    r = replay(_setup(), s.log, end_tick=s.tick, record_path=True)
    assert np.array_equal(r.joints, s.q)
    assert set(r.points) == {"p1", "p2"}
    for name, p in s.points.items():
        assert np.array_equal(r.points[name].joints, p.joints)
        assert r.points[name].configuration == p.configuration
    assert r.ticks == s.tick and r.elapsed == pytest.approx(s.tick * DT)
    assert r.path.shape == (s.tick + 1, 3)
    assert np.array_equal(r.tcp, s.tcp_world())
    # and a second replay is the same again (no clock, no randomness)
    assert np.array_equal(replay(_setup(), s.log, end_tick=s.tick).joints, r.joints)


def test_a_replay_ending_at_the_last_event_cuts_motion_still_running():
    s = _scripted_session()
    r = replay(_setup(), s.log)  # last event at the record of p2: the J4 key is still held there
    assert np.array_equal(r.joints, s.points["p2"].joints)


def test_user_frame_jog_moves_along_the_user_axis_and_increment_lands_exactly():
    s = _session(setup={"mode": "T2"})
    s.apply({"ev": "user", "v": "table"})
    s.apply({"ev": "inc", "v": "10mm"})
    p0 = s.tcp_user()
    _key(s, "Y", "user")
    _run(s, 30)  # 10 mm at 250 mm/s is 4 ticks; the rest idle
    d = s.tcp_user()[:3, 3] - p0[:3, 3]
    np.testing.assert_allclose(d, [0.0, 10.0, 0.0], atol=1e-8)


def test_releasing_the_enabling_device_mid_jog_stops_and_does_not_resume():
    s = _session()
    _key(s, "X", "world")
    _run(s, 20)
    s.apply({"ev": "enable", "v": 1})
    q = s.q.copy()
    _run(s, 20)
    assert np.array_equal(s.q, q)
    assert [st.code for st in s.stops] == ["safety.enabling_released"]
    assert s.stops[0].tick == 20
    assert any(a.code == "safety.enabling_required" for a in s.alarms)
    s.apply({"ev": "enable", "v": 2})  # held again, the key never let go: still no motion
    _run(s, 20)
    assert np.array_equal(s.q, q)
    assert s.alarms[-1].code == "jog.release_key"
    _key(s, "X", "world", down=False)
    _key(s, "X", "world")  # a new press moves
    _run(s, 5)
    assert not np.array_equal(s.q, q)


def test_pressed_through_then_back_to_middle_does_not_enable():
    s = _session()
    s.apply({"ev": "enable", "v": 3})
    s.apply({"ev": "enable", "v": 2})
    q = s.q.copy()
    _key(s, "J1")
    _run(s, 10)
    assert np.array_equal(s.q, q)
    assert s.alarms[-1].code == "safety.enabling_panic"
    assert len([a for a in s.alarms if a.code == "safety.enabling_panic"]) == 1  # once per press, not per tick
    _key(s, "J1", down=False)
    s.apply({"ev": "enable", "v": 1})
    s.apply({"ev": "enable", "v": 2})
    _key(s, "J1")
    _run(s, 10)
    assert s.q[0] > q[0]


def _peak_link_speed(s, q0, q1):
    return float(np.max(np.linalg.norm(s.jogger.link_points(q1) - s.jogger.link_points(q0), axis=1)) / DT)


@pytest.mark.parametrize("mode", ["T1", "T2"])
def test_t1_caps_every_link_point_at_250_mm_s(mode):
    s = _session(setup={"mode": mode})
    s.apply({"ev": "tool", "v": "gripper"})
    _key(s, "J1")
    peaks = []
    for _ in range(30):
        q0 = s.q.copy()
        s.step()
        peaks.append(_peak_link_speed(s, q0, s.q))
    if mode == "T1":
        assert max(peaks) <= 250.0 + 1e-6
        assert max(peaks) > 240.0  # the cap binds: J1 at 10 % of 260°/s would be faster
        assert s.speed_limit_mm_s == 250.0
    else:
        assert max(peaks) > 300.0
        assert s.speed_limit_mm_s is None
    assert s.tcp_speed_mm_s > 0


def test_estop_then_reset_does_not_move_and_needs_the_button_out():
    s = _session()
    _key(s, "J2")
    _run(s, 5)
    s.apply({"ev": "estop", "v": True})
    q = s.q.copy()
    _run(s, 5)
    s.apply({"ev": "reset"})
    assert s.alarms[-1].code == "safety.estop"  # still pressed: the reset is refused
    s.apply({"ev": "estop", "v": False})
    s.apply({"ev": "reset"})
    _run(s, 20)
    assert np.array_equal(s.q, q)
    assert "safety.estop" in [st.code for st in s.stops]


def test_mode_change_stops_motion():
    s = _session()
    _key(s, "J3")
    _run(s, 5)
    s.apply({"ev": "mode", "v": "T2"})
    q = s.q.copy()
    _run(s, 5)
    assert np.array_equal(s.q, q) and s.stops[-1].code == "safety.mode_changed"


def test_auto_refuses_jogging():
    s = _session(setup={"mode": "AUTO"})
    s.apply({"ev": "motors_on"})
    _key(s, "J1")
    _run(s, 3)
    assert s.alarms[-1].code == "jog.mode_auto"


def test_record_touch_up_rename_delete():
    s = _session()
    s.apply({"ev": "user", "v": "table"})
    s.apply({"ev": "record", "name": "pick"})
    first = s.points["pick"]
    assert first.user == "table" and first.tool == "tool0" and first.configuration == s.configuration()
    np.testing.assert_allclose(s.frames.users["table"].matrix @ first.pose, first.world, atol=1e-9)
    s.apply({"ev": "record", "name": "pick"})
    assert s.alarms[-1].code == "pendant.point_exists" and s.points["pick"] is first
    _key(s, "J1")
    _run(s, 10)
    s.apply({"ev": "touchup", "name": "pick"})
    assert np.array_equal(s.points["pick"].joints, s.q) and not np.array_equal(first.joints, s.q)
    s.apply({"ev": "touchup", "name": "nope"})
    assert s.alarms[-1].code == "pendant.point_unknown"
    s.apply({"ev": "rename", "name": "pick", "to": "place"})
    assert list(s.points) == ["place"] and s.points["place"].name == "place"
    s.apply({"ev": "delete", "name": "place"})
    assert s.points == {}


def _flange_poses_on_pin(arm, tcp, pin):
    """Joint vectors putting the TCP (in flange) on ``pin`` (base) with four different tool tilts."""
    out = []
    for tilt, turn in ((0, 0), (25, 0), (25, 120), (20, 240)):
        rot = rot_z(math.radians(turn)) @ rot_x(math.radians(180 - tilt))
        flange = make_pose(pin - rot @ tcp, rot)
        out.append(arm.ik(flange, START))
    return out


def test_tcp_calibration_from_four_recorded_points():
    setup = _setup()
    arm = setup.arm
    tcp = np.array([5.0, -3.0, 150.0])
    qs = _flange_poses_on_pin(arm, tcp, np.array([900.0, 0.0, 300.0]))
    setup.points = {}
    s = PendantSession(setup)
    for i, q in enumerate(qs):  # teach the four poses by setting the joints the way jogging would end
        s.jogger.q = q
        s.apply({"ev": "record", "name": f"t{i + 1}"})
    s.apply({"ev": "calibrate_tcp", "points": ["t1", "t2", "t3", "t4"], "tool": "pen"})
    cal = s.result().tcp_calibration
    np.testing.assert_allclose(cal["tcp_mm"], tcp, atol=1e-6)
    assert cal["max_error_mm"] < 1e-6
    np.testing.assert_allclose(s.result().tools["pen"][:3, 3], tcp, atol=1e-6)
    s.apply({"ev": "calibrate_tcp", "points": ["t1", "t1", "t1"], "tool": "bad"})
    assert s.alarms[-1].code == "frame.degenerate"


def test_user_frame_from_three_recorded_points():
    s = _session(setup={"mode": "T2"})
    s.apply({"ev": "inc", "v": "10mm"})
    s.apply({"ev": "record", "name": "o"})
    for _ in range(5):
        _key(s, "X", "world")
        _run(s, 5)
    s.apply({"ev": "record", "name": "px"})
    for _ in range(3):
        _key(s, "Y", "world")
        _run(s, 5)
    s.apply({"ev": "record", "name": "pxy"})
    s.apply({"ev": "define_user_frame", "points": ["o", "px", "pxy"], "name": "fixture"})
    m = s.result().user_frames["fixture"]
    np.testing.assert_allclose(m[:3, :3], np.eye(3), atol=1e-9)
    np.testing.assert_allclose(m[:3, 3], s.points["o"].world[:3, 3], atol=1e-9)
    s.apply({"ev": "define_user_frame", "points": ["o", "o", "px"], "name": "bad"})
    assert s.alarms[-1].code == "frame.degenerate"


def test_revolution_counters_lost_then_updated_on_and_off_the_mark():
    s = _session(setup={"counters_lost": True, "sync_marks_deg": (0, 10, -10, 0, -60, 0)})
    _key(s, "X", "world")
    assert s.alarms[-1].code == "pendant.not_synchronized"  # Cartesian jogs need the counters
    _key(s, "X", "world", down=False)
    for j in range(1, 6):
        s.apply({"ev": "rev_update", "axis": j})
    s.apply({"ev": "inc", "v": "10mm"})
    _key(s, "J6")  # 5° away from its mark
    _run(s, 40)
    s.apply({"ev": "rev_update", "axis": "J6"})
    c = s.result().counters
    assert all(c[j]["state"] == "ok" for j in range(1, 6))
    assert c[6]["state"] == "wrong" and c[6]["error_deg"] == pytest.approx(5.0)
    assert s.alarms[-1].code == "pendant.counter_off_mark"


def test_collision_check_is_a_protective_stop_and_jogging_out_is_allowed():
    from simulators.robot.arm.safety_state import Alarm

    def below_table(arm, frames, q):
        z = (frames.base @ arm.fk(q))[2, 3]
        return [Alarm("cell.collision", {"link": "tool", "solid": "table", "depth_mm": 900.0 - z})] if z < 900 else []

    s = _session(setup={"collision_check": below_table})
    _key(s, "Z", "world", d=-1)
    _run(s, 300)
    assert [c.code for c in s.collisions] == ["cell.collision"]
    assert s.stops[-1].code == "safety.protective_stop"
    q = s.q.copy()
    _run(s, 10)
    assert np.array_equal(s.q, q)
    z_stop = (s.frames.base @ s.arm.fk(s.q))[2, 3]
    assert z_stop < 900.0
    s.apply({"ev": "reset"})
    s.apply({"ev": "enable", "v": 1})
    s.apply({"ev": "enable", "v": 2})
    _key(s, "Z", "world", d=-1, down=False)
    _key(s, "Z", "world", d=1)  # back out, still touching for a step: allowed
    _run(s, 20)
    assert len(s.collisions) == 1 and (s.frames.base @ s.arm.fk(s.q))[2, 3] > 900.0
    _key(s, "Z", "world", d=1, down=False)
    _key(s, "Z", "world", d=-1)  # and down again: a new contact
    _run(s, 60)
    assert len(s.collisions) == 2

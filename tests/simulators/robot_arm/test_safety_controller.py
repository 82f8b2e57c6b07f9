"""The cell's safety controller (issue 23): zones, light curtains, collisions → protective stops, trajectories."""

import numpy as np
import pytest

from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.cell import Box, Cell, LightCurtain, SafeZone, ToolCapsule, ToolGeometry, load_cell, pose_from
from simulators.robot.arm.collision import capsule_arrays, link_capsules
from simulators.robot.arm.safety_controller import SafetyController, inputs_at
from simulators.robot.arm.safety_state import Mode, SafetyState

ARM = Arm(R12_1440)
TOOL = ToolGeometry("g", pose_from((0, 0, 150)), (ToolCapsule((0, 0, 0), (0, 0, 120), 30),))  # ends at the TCP
# reaching forward, the tool pointing straight down, the TCP at (1100, 0, 600)
Q0 = ARM.ik(pose_from((1100, 0, 600), (180, 0, 0)) @ np.linalg.inv(TOOL.tcp),
            current=np.radians([0, 20, 10, 0, -60, 0]))


def _tool_tip(q):
    return link_capsules(ARM, q, TOOL).tcp


def _cell(zones=(), curtains=(), solids=()):
    return Cell("r12-1440", np.eye(4), list(solids), list(zones), list(curtains))


def _box_around(point, size, name="z", kind="zone"):
    return Box(name, pose_from(point), size, kind)


def test_keep_out_zone_entered_names_the_link():
    tip = _tool_tip(Q0)
    inside = SafeZone("press", _box_around(tip + [0, 0, -20], (200, 200, 100)), "keep_out")
    alarms = SafetyController(_cell([inside])).check(link_capsules(ARM, Q0, TOOL), {}, 1.5)
    assert [(a.code, a.params["zone"], a.params["link"], a.time) for a in alarms] == [
        ("safety.zone_violation", "press", "tool", 1.5)]
    below = SafeZone("press", _box_around(tip + [0, 0, -150], (200, 200, 100)), "keep_out")  # 100 mm below
    assert SafetyController(_cell([below])).check(link_capsules(ARM, Q0, TOOL), {}, 0.0) == []


def test_keep_in_zone_watches_tcp_and_flange():
    caps = link_capsules(ARM, Q0, TOOL)
    both = SafeZone("envelope", _box_around((caps.tcp + caps.flange) / 2, (400, 400, 400)), "keep_in")
    assert SafetyController(_cell([both])).check(caps) == []
    # a box holding the flange but not the TCP (150 mm below it)
    flange_only = SafeZone("envelope", _box_around(caps.flange, (400, 400, 100)), "keep_in")
    alarms = SafetyController(_cell([flange_only])).check(caps)
    assert [(a.code, a.params) for a in alarms] == [("safety.zone_violation", {"zone": "envelope", "link": "TCP"})]


def test_light_curtain_stops_only_when_interrupted_and_the_robot_is_in_its_box():
    tip = _tool_tip(Q0)
    curtain = LightCurtain("loading", _box_around(tip, (300, 300, 300), "loading", "curtain"), 3)
    sc = SafetyController(_cell(curtains=[curtain]))
    caps = link_capsules(ARM, Q0, TOOL)
    assert sc.check(caps, {3: False}) == []
    alarms = sc.check(caps, {3: True}, 2.0)
    assert [(a.code, a.params["curtain"], a.params["input"], a.stop) for a in alarms] == [
        ("safety.light_curtain", "loading", 3, "protective")]
    assert sc.check(caps, {4: True}) == []  # another input


def test_light_curtain_stops_a_robot_heading_into_its_box():
    caps0 = link_capsules(ARM, Q0, TOOL)
    # the guarded box 200 mm beside the tool (in -y), beyond the arm's reach of it while the robot stands still
    box = Box("cell_b", pose_from(caps0.tcp + [0, -200 - 30 - 100, 0]), (200, 200, 200), "curtain")
    curtain = LightCurtain("b", box, 2, approach_mm=250.0)
    toward, away = Q0 + np.radians([-2, 0, 0, 0, 0, 0]), Q0 + np.radians([2, 0, 0, 0, 0, 0])
    for q, expected in ((toward, True), (away, False)):
        sc = SafetyController(_cell(curtains=[curtain]))
        assert sc.check(caps0, {2: True}) == []  # still, 200 mm away: no stop
        got = sc.check(link_capsules(ARM, q, TOOL), {2: True})
        assert bool(got) is expected, q
    # heading towards it from farther than the approach distance: no stop
    far = LightCurtain("b", box, 2, approach_mm=100.0)
    sc = SafetyController(_cell(curtains=[far]))
    sc.check(caps0, {2: True})
    assert sc.check(link_capsules(ARM, toward, TOOL), {2: True}) == []


def test_collision_is_a_protective_stop_latched_in_the_safety_state():
    tip = _tool_tip(Q0)
    table = Box("table", pose_from(tip + [0, 0, -100 + 5]), (400, 400, 200))  # top 5 mm above the TCP
    state = SafetyState(Mode.AUTO)
    sc = SafetyController(_cell(solids=[table]), state)
    alarms = sc.check(link_capsules(ARM, Q0, TOOL), {}, 3.0)
    assert [(a.code, a.params["link"], a.params["solid"]) for a in alarms] == [("cell.collision", "tool", "table")]
    assert alarms[0].params["depth_mm"] == pytest.approx(5.0, abs=1e-6)
    blocked = state.motion_blocked()
    assert blocked.code == "safety.protective_stop" and blocked.params["cause"] == "cell.collision"
    assert state.reset() == [] and not state.drives_on  # a reset clears the latch but never restarts


def test_inputs_timeline():
    times = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    timeline = [(0.5, 1, True), (1.5, 1, False), (1.0, 2, True)]
    assert inputs_at(times, 1, timeline).tolist() == [False, True, True, False, False]
    assert inputs_at(times, 2, timeline).tolist() == [False, False, True, True, True]
    assert inputs_at(times, 3, timeline, initial=True).all()


def _sweep(n=201):
    """J1 from -30° to +30° at 10 ms a sample."""
    q = np.tile(Q0, (n, 1))
    q[:, 0] = np.radians(np.linspace(-30, 30, n))
    return q, np.arange(n) * 0.01


def test_trajectory_check_reports_the_first_sample_like_sample_by_sample_checks():
    q, t = _sweep()
    mid = capsule_arrays(ARM, q[150:151], TOOL).tcp[0]
    cell = _cell(zones=[SafeZone("fixture", _box_around(mid, (150, 150, 150)), "keep_out")],
                 curtains=[LightCurtain("c", _box_around(capsule_arrays(ARM, q[60:61], TOOL).tcp[0], (100, 100, 100),
                                                         "c", "curtain"), 4, approach_mm=0.0)],
                 solids=[Box("post", pose_from(capsule_arrays(ARM, q[190:191], TOOL).tcp[0]), (40, 40, 40), "fixture")])
    sc = SafetyController(cell)
    timeline = [(0.9, 4, True)]  # the curtain is interrupted after the robot passed its box (around 0.6 s)
    result = sc.check_trajectory(ARM, q, t, TOOL, timeline)
    one_by_one = SafetyController(cell)
    first = None
    for i in range(len(q)):
        inputs = {4: bool(inputs_at(t[i:i + 1], 4, timeline)[0])}
        if one_by_one.check(link_capsules(ARM, q[i], TOOL), inputs, float(t[i])):
            first = i
            break
    assert result.first_sample == first and first is not None and 130 < first < 150
    assert result.first_time == pytest.approx(t[first])
    assert [(a.code, a.params["zone"]) for a in result.alarms][0] == ("safety.zone_violation", "fixture")
    # the curtain interrupted while the robot passes through its box: stopped there instead
    early = sc.check_trajectory(ARM, q, t, TOOL, [(0.3, 4, True)])
    assert early.first_sample < 60 and early.alarms[0].code == "safety.light_curtain"
    # without the zone and the curtain, the post is hit
    bare = SafetyController(_cell(solids=cell.solids)).check_trajectory(ARM, q, t, TOOL)
    assert bare.alarms[0].code == "cell.collision" and bare.alarms[0].params["solid"] == "post"
    assert 170 < bare.first_sample < 190


def test_trajectory_clear_in_the_training_cell():
    cell = load_cell("training-cell")
    q = np.tile(np.radians([0, 0, 0, 0, -90, 0]), (50, 1))
    q[:, 0] = np.radians(np.linspace(-60, 60, 50))
    sc = SafetyController(cell)
    assert sc.check_trajectory(ARM, q, tool="gripper").ok
    assert sc.check_trajectory(ARM, q, tool="gripper", inputs=[(0.0, 5, True)]).ok  # high above: away from it
    # from the table to the loading station, low: stopped on its way while the operator loads, not before
    tool = cell.tools["gripper"]
    load = np.linalg.inv(cell.base) @ cell.frames["loading"] @ pose_from((0, 0, 50), (180, 0, 0))
    q_load = ARM.ik(load @ np.linalg.inv(tool.tcp), current=np.radians([30, 50, 20, 0, -60, 0]))
    q = np.tile(q_load, (100, 1))
    q[:, 0] = np.linspace(q_load[0] - np.radians(60), q_load[0], 100)
    assert sc.check_trajectory(ARM, q, tool="gripper").ok
    stopped = sc.check_trajectory(ARM, q, tool="gripper", inputs=[(0.0, 5, True)])
    assert stopped.alarms[0].code == "safety.light_curtain" and 50 < stopped.first_sample < 99

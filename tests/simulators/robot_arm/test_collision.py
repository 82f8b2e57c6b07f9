"""Collision geometry (issue 23): capsule distances on constructed cases, against brute force, links named."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.cell import Box, Cell, Cylinder, ToolCapsule, ToolGeometry, pose_from
from simulators.robot.arm.collision import (
    Capsule,
    capsule_arrays,
    capsule_solid_distance,
    check_collisions,
    collision_distances,
    link_capsules,
    segment_distance,
)


def _cap(p0, p1, r, name="x"):
    return Capsule(name, np.array(p0, dtype=float), np.array(p1, dtype=float), float(r))


def _brute_box(p0, p1, box, n=20001):
    """Distance by dense sampling: clamp each sample into the box in its own frame (no SDF code)."""
    t = np.linspace(0, 1, n)[:, None]
    pts = np.asarray(p0) + t * (np.asarray(p1) - np.asarray(p0))
    local = (pts - box.pose[:3, 3]) @ box.pose[:3, :3]
    h = box.half
    outside = np.linalg.norm(local - np.clip(local, -h, h), axis=1)
    inside = -np.min(h - np.abs(local), axis=1)
    return np.where(outside > 0, outside, inside).min()


@pytest.mark.parametrize("gap", [0.0, 0.01, -0.01, 5.0, -5.0])
def test_capsule_above_a_rotated_box_touches_exactly(gap):
    box = Box("b", pose_from((100, -50, 0), (0, 0, 30)), (100, 200, 50))
    # a capsule 20 mm thick lying across the top face, in the box's own x direction (turned 30°)
    u = box.pose[:3, 0]
    z = 25 + 20 + gap
    cap = _cap(box.pose[:3, 3] - 300 * u + [0, 0, z], box.pose[:3, 3] + 300 * u + [0, 0, z], 20)
    d = capsule_solid_distance(cap, box)
    assert d == pytest.approx(gap, abs=1e-6)
    cell = Cell("r7-700", np.eye(4), [box])
    contacts = check_collisions(cell, [cap])
    assert (contacts != []) == (gap < 0)
    if contacts:
        assert (contacts[0].link, contacts[0].solid) == ("x", "b")
        assert contacts[0].distance == pytest.approx(gap, abs=1e-6)


def test_capsule_past_a_tilted_box_edge():
    """Parallel to a box's edge, off both faces: the distance is to the edge (Pythagoras)."""
    box = Box("b", pose_from((0, 0, 0), (20, 10, 0)), (100, 60, 40))
    r, h = box.pose[:3, :3], box.half
    local_p0, local_p1 = np.array([-80, h[1] + 3, h[2] + 4]), np.array([80, h[1] + 3, h[2] + 4])
    cap = _cap(r @ local_p0, r @ local_p1, 2.0)
    assert capsule_solid_distance(cap, box) == pytest.approx(5.0 - 2.0, abs=1e-6)


def test_segment_through_a_box_is_negative_by_its_depth():
    box = Box("b", np.eye(4), (100, 100, 100))
    cap = _cap((-200, 0, 30), (200, 0, 30), 10)  # axis 20 mm inside the top face
    assert capsule_solid_distance(cap, box) == pytest.approx(-20 - 10, abs=1e-6)


@pytest.mark.parametrize(("p0", "p1", "r", "expected"), [
    ((-100, 20, 60), (100, 20, 60), 5, math.hypot(10, 10) - 5),  # across, past the top rim
    ((30, -100, 25), (30, 100, 25), 5, 20 - 5),  # across the side, mid height
    ((0, 0, 80), (0, 0, 200), 4, 30 - 4),  # along the axis, above the top
    ((0, 0, 70), (0, 0, 200), 20, 0.0),  # just touching the top
    ((5, 0, -100), (5, 0, -5), 5, 0.0),  # just touching the bottom
    ((15, 0, -100), (15, 0, -5), 5, math.hypot(5, 5) - 5),  # below, past the bottom rim
    ((0, 0, -20), (0, 0, 80), 1, -11.0),  # along the axis, through: the axis is 10 mm inside the mantle
])
def test_capsule_and_cylinder(p0, p1, r, expected):
    cyl = Cylinder("c", pose_from((0, 0, 0)), 10, 50)
    assert capsule_solid_distance(_cap(p0, p1, r), cyl) == pytest.approx(expected, abs=1e-6)


def test_rotated_cylinder_axis_follows_its_pose():
    cyl = Cylinder("c", pose_from((500, 0, 0), (0, 90, 0)), 10, 100)  # axis along +x from x = 500 to 600
    assert capsule_solid_distance(_cap((550, 0, 40), (550, 0, 90), 5), cyl) == pytest.approx(40 - 10 - 5, abs=1e-6)
    assert capsule_solid_distance(_cap((620, 0, 0), (700, 0, 0), 5), cyl) == pytest.approx(15, abs=1e-6)


def test_random_capsules_match_brute_force():
    rng = np.random.default_rng(23)
    for _ in range(200):
        box = Box("b", pose_from(rng.uniform(-100, 100, 3), rng.uniform(-180, 180, 3)), tuple(rng.uniform(5, 200, 3)))
        p0, p1 = rng.uniform(-300, 300, 3), rng.uniform(-300, 300, 3)
        got = capsule_solid_distance(_cap(p0, p1, 0.0), box)
        brute = _brute_box(p0, p1, box)
        # exact search: never above the samples' minimum, and below it by at most a sample spacing
        step = np.linalg.norm(p1 - p0) / 20000
        assert brute - step - 1e-9 <= got <= brute + 1e-9


def test_segment_distance_against_brute_force():
    rng = np.random.default_rng(5)
    p = rng.uniform(-100, 100, (80, 4, 3))
    p[::7, 1] = p[::7, 0]  # some zero-length segments
    p[::11, 3] = p[::11, 2] + (p[::11, 1] - p[::11, 0])  # some parallel pairs
    got = segment_distance(p[:, 0], p[:, 1], p[:, 2], p[:, 3])
    s = np.linspace(0, 1, 301)
    a = p[:, None, 0] + s[None, :, None] * (p[:, None, 1] - p[:, None, 0])
    b = p[:, None, 2] + s[None, :, None] * (p[:, None, 3] - p[:, None, 2])
    brute = np.linalg.norm(a[:, :, None] - b[:, None, :], axis=-1).min(axis=(1, 2))
    assert np.all(got <= brute + 1e-9)
    assert np.all(got >= brute - 1.2)  # within the sampling: 300 steps on segments ≤ 350 mm


def test_link_capsules_follow_the_skeleton():
    arm = Arm(R12_1440)
    q = np.radians([20, 30, -10, 40, -50, 60])
    tool = ToolGeometry("g", pose_from((0, 0, 150)), (ToolCapsule((0, 0, 0), (0, 0, 140), 30),))
    base = pose_from((100, 200, 500), (0, 0, 45))
    caps = link_capsules(arm, q, tool, base=base)
    assert [c.name for c in caps] == ["J1 link", "J1 link", "J2 link", "J3 link", "J4 link", "J5 link", "J6 link",
                                      "tool"]
    flange = base @ arm.fk(q)
    np.testing.assert_allclose(caps.flange, flange[:3, 3], atol=1e-9)
    np.testing.assert_allclose(caps.tcp, (flange @ tool.tcp)[:3, 3], atol=1e-9)
    np.testing.assert_allclose(caps[-1].p1, (flange @ [0, 0, 140, 1])[:3], atol=1e-9)
    np.testing.assert_allclose(caps[0].p0, base[:3, 3])
    np.testing.assert_allclose(caps[4].p1, (base @ np.append(arm.wrist_centre(q), 1))[:3], atol=1e-9)
    m = R12_1440
    assert np.linalg.norm(caps[2].p1 - caps[2].p0) == pytest.approx(m.a2)
    assert np.linalg.norm(caps[4].p1 - caps[4].p0) == pytest.approx(m.d4)
    # chained: each capsule starts where the previous one ends
    for a, b in zip(caps[:6], caps[1:7], strict=True):
        np.testing.assert_allclose(a.p1, b.p0, atol=1e-9)


def test_the_link_that_touches_is_named():
    arm = Arm(R7_700)
    q = np.radians([0, 30, 0, 0, 60, 0])
    caps = link_capsules(arm, q)
    elbow = caps[2].p1  # end of the upper arm
    block = Box("block", pose_from(elbow + [0, 0, -0.0]), (60, 60, 60))
    contacts = check_collisions(Cell("r7-700", np.eye(4), [block]), caps)
    assert {c.link for c in contacts} >= {"J2 link", "J3 link"} and {c.solid for c in contacts} == {"block"}
    assert "J5 link" not in {c.link for c in contacts}


def test_the_mount_is_excluded_but_another_solid_at_the_base_is_not():
    arm = Arm(R12_1440)
    base = pose_from((0, 0, 500))
    plinth = Box("plinth", pose_from((0, 0, 250)), (600, 600, 500), "plinth")
    q = np.radians([0, 0, 0, 0, 0, 0])
    caps = link_capsules(arm, q, base=base)
    assert check_collisions(Cell("r12-1440", base, [plinth], mount="plinth"), caps) == []
    contacts = check_collisions(Cell("r12-1440", base, [plinth]), caps)
    assert [(c.link, c.solid) for c in contacts] == [("J1 link", "plinth")]


def test_tool_folded_onto_the_base_is_a_self_collision():
    arm = Arm(R7_700)
    tool = ToolGeometry("g", pose_from((0, 0, 150)), (ToolCapsule((0, 0, 0), (0, 0, 140), 30),))
    cell = Cell("r7-700", np.eye(4), [])
    clear = check_collisions(cell, link_capsules(arm, np.radians([0, 0, 0, 0, 90, 0]), tool))
    assert clear == []
    # upper arm tilted back, forearm folded down, wrist bent back: the tool reaches the J1 column
    hits = [c for c in check_collisions(cell, link_capsules(arm, np.radians([0, -40, 70, 0, 120, 0]), tool))
            if c.solid == "J1 link"]
    assert hits and hits[0].link in {"tool", "J5 link", "J6 link", "J4 link"}
    assert check_collisions(cell, link_capsules(arm, np.radians([0, -40, 70, 0, 120, 0]), tool),
                            self_collision=False) == []


def test_many_poses_at_once_equal_one_at_a_time():
    arm = Arm(R12_1440)
    rng = np.random.default_rng(7)
    q = rng.uniform(-1.5, 1.5, (60, 6))
    tool = ToolGeometry("g", pose_from((0, 0, 150)), (ToolCapsule((0, 0, 0), (0, 0, 140), 30),))
    solids = [Box(f"b{i}", pose_from(rng.uniform(-800, 800, 3), rng.uniform(-90, 90, 3)), (300, 200, 400))
              for i in range(6)] + [Cylinder("c", pose_from((600, 0, 0)), 150, 900)]
    cell = Cell("r12-1440", np.eye(4), solids)
    caps = capsule_arrays(arm, q, tool)
    batch, cols = collision_distances(cell, caps)
    assert (batch < 0).any() and (batch > 0).any()
    for i in range(len(q)):
        single = check_collisions(cell, link_capsules(arm, q[i], tool))
        expected = {cols[c] for c in np.nonzero(batch[i] < -1e-3)[0]}
        assert {(c.link, c.solid) for c in single} == expected
    again, _ = collision_distances(cell, capsule_arrays(arm, q, tool))
    assert np.array_equal(again, batch)  # deterministic


def test_a_changed_cell_is_checked_as_it_is_now():
    """The prepared model is kept on the cell: adding a solid or changing the mount must not be missed."""
    arm = Arm(R12_1440)
    base = pose_from((0, 0, 500))
    plinth = Box("plinth", pose_from((0, 0, 250)), (600, 600, 500), "plinth")
    cell = Cell("r12-1440", base, [plinth], mount="plinth")
    caps = link_capsules(arm, np.radians([0, 0, 0, 0, 0, 0]), base=base)
    assert check_collisions(cell, caps) == []
    cell.solids.append(Box("post", pose_from(caps[2].p1), (50, 50, 50), "fixture"))  # at the elbow
    assert {c.solid for c in check_collisions(cell, caps)} == {"post"}
    cell.mount = None
    assert {c.solid for c in check_collisions(cell, caps)} == {"post", "plinth"}


def test_pruned_distances_equal_the_exact_search_on_every_pair():
    """The bounding-box and SDF stages only skip pairs that are clear: below the bound every distance is the
    exact search's, and every pair skipped is really at least that far."""
    from simulators.robot.arm.cell import load_cell
    from simulators.robot.arm.collision import SolidArrays, cell_capsules, pair_distances, segment_sdf_min

    cell = load_cell("training-cell")
    arm = Arm(R12_1440)
    rng = np.random.default_rng(11)
    lim = arm.model.limits_rad
    caps = cell_capsules(cell, arm, rng.uniform(lim[:, 0] * 0.6, lim[:, 1] * 0.6, (40, 6)), "gripper")
    solids = SolidArrays.of(cell.solids)
    n, k, m = caps.p0.shape[0], caps.p0.shape[1], len(solids.names)
    i, j, s = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(k), np.arange(m), indexing="ij"))
    full = (segment_sdf_min(caps.p0[i, j], caps.p1[i, j], solids.rot[s], solids.origin[s], solids.half[s],
                            solids.is_cyl[s]) - caps.radius[j]).reshape(n, k, m)
    for bound in (0.0, 150.0):
        dist, exact = pair_distances(caps, solids, bound=bound)
        assert (full < 0).any()
        np.testing.assert_array_equal(dist[full < bound], full[full < bound])
        assert exact[full < bound].all()
        assert np.all(dist[~exact] <= full[~exact] + 1e-9)  # a lower bound where not exact
        assert np.all(dist[~exact] >= bound)


def test_pose_contacts_equal_the_exact_check_on_a_walk_through_the_cell():
    """The pendant's per-tick check skips the exact distances while no contact is possible: along a jog-like
    walk into the table and out again, every answer is check_collisions' own (the same contacts and depths)."""
    from simulators.robot.arm.cell import load_cell
    from simulators.robot.arm.collision import PoseContacts, cell_capsules

    cell = load_cell("training-cell")
    arm = Arm(R12_1440)
    rng = np.random.default_rng(3)
    for tool in ("gripper", "glue_gun", None):
        geometry = cell.tools[tool] if tool else None
        check = PoseContacts(cell, geometry)
        skipped = touching = 0
        # J2 tipped forward and back (the tool down onto the table and out), J1 swinging, the wrist turning
        for s in np.concatenate([np.linspace(0, 1, 200), np.linspace(1, 0, 200)]):
            q = np.radians([-20 + 40 * s, 10 + 60 * s, 20 * s, 90 * s, 40 + 30 * s, 0]) + rng.normal(0, 0.002, 6)
            exact = check_collisions(cell, cell_capsules(cell, arm, q[None], geometry))
            before = check._last
            assert check(arm, q) == exact
            skipped += check._last is before
            touching += bool(exact)
        assert skipped > 100 and touching > 20  # both sides of the shortcut were taken


def test_pose_contacts_see_an_edited_cell():
    from simulators.robot.arm.collision import PoseContacts

    arm = Arm(R12_1440)
    base = pose_from((0, 0, 500))
    cell = Cell("r12-1440", base, [Box("plinth", pose_from((0, 0, 250)), (600, 600, 500), "plinth")],
                mount="plinth")
    check = PoseContacts(cell)
    q = np.radians([0, 0, 0, 0, 0, 0])
    assert check(arm, q) == []
    caps = link_capsules(arm, q, base=base)
    cell.solids.append(Box("post", pose_from(caps[2].p1), (50, 50, 50), "fixture"))  # at the elbow
    assert {c.solid for c in check(arm, q)} == {"post"}
    cell.mount = None
    assert {c.solid for c in check(arm, q)} == {"post", "plinth"}

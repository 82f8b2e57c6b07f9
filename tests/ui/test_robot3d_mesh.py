"""The 3D view's numpy core without a display: meshes closed and wound outward, the triangle budget, link
frames against the kinematics, camera presets, culling and the depth order (issue 24)."""

from __future__ import annotations

import numpy as np
import pytest

from app.ui.robot3d import mesh as M
from app.ui.robot3d.arm_mesh import arm_link_meshes, link_frames, tool_kind, tool_mesh
from app.ui.robot3d.camera import Camera
from app.ui.robot3d.cell_mesh import cell_lines, cell_meshes
from app.ui.robot3d.materials import LEVELS
from app.ui.robot3d.scene import Scene
from simulators.robot.arm import MODELS, Arm
from simulators.robot.arm.cell import load_cell

BUDGET = 3000  # drawn triangles for arm + tool + cell (issue 24)


def _components(mesh: M.Mesh) -> list[np.ndarray]:
    """Face indices of each connected part (faces sharing a vertex)."""
    parent = list(range(len(mesh.vertices)))

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for f, n in zip(mesh.faces, mesh.counts, strict=True):
        for v in f[1:n]:
            parent[find(int(v))] = find(int(f[0]))
    roots = np.array([find(int(f[0])) for f in mesh.faces])
    return [np.flatnonzero(roots == r) for r in np.unique(roots)]


def assert_closed_outward(mesh: M.Mesh) -> None:
    """Every edge is shared by exactly two faces running it in opposite directions (closed: no holes, one
    winding), and each connected part has a positive signed volume (that winding faces outward)."""
    edges: dict[tuple[int, int], int] = {}
    for f, n in zip(mesh.faces, mesh.counts, strict=True):
        ring = [int(v) for v in f[:n]]
        for a, b in zip(ring, ring[1:] + ring[:1], strict=True):
            edges[(a, b)] = edges.get((a, b), 0) + 1
    assert all(c == 1 for c in edges.values()), "an edge is used twice in one direction"
    assert all((b, a) in edges for a, b in edges), "an open edge (a hole)"
    pts = mesh.vertices[mesh.faces]
    area = M.face_normals(pts)
    k = np.arange(mesh.faces.shape[1])[None, :]
    centroid = (pts * (k < mesh.counts[:, None])[..., None]).sum(1) / mesh.counts[:, None]
    for part in _components(mesh):
        volume = float(np.einsum("ij,ij->", centroid[part], area[part])) / 6.0
        assert volume > 0, "faces wound inward"


@pytest.mark.parametrize("make", [
    lambda: M.box((0, 0, 0), (100, 50, 20)),
    lambda: M.tiled_box((900, 600, 40), 250.0),
    lambda: M.cylinder(40, 120, 16),
    lambda: M.frustum(40, 25, 80, 12),
    lambda: M.rod((10, 20, 30), (200, -50, 400), 15, 8, r1=4),
    lambda: M.tapered_box(0, 300, (40, 30), (25, 20), shift1=(10, 0)),
])
def test_primitives_closed_and_outward(make) -> None:
    assert_closed_outward(make())


@pytest.mark.parametrize("key", list(MODELS))
def test_arm_links_closed_and_outward(key) -> None:
    for link in arm_link_meshes(MODELS[key]):
        assert_closed_outward(link)
    for kind in ("gripper", "glue", "pointer"):
        assert_closed_outward(tool_mesh(np.array([[1, 0, 0, 30], [0, 1, 0, 0], [0, 0, 1, 200], [0, 0, 0, 1.0]]), kind))


def test_an_inward_face_is_caught() -> None:
    bad = M.box((0, 0, 0), (1, 1, 1))
    bad.faces[0] = bad.faces[0][::-1]
    with pytest.raises(AssertionError):
        assert_closed_outward(bad)


@pytest.mark.parametrize("key", list(MODELS))
def test_link_frames_follow_the_kinematics(key) -> None:
    arm = Arm(MODELS[key])
    rng = np.random.default_rng(7)
    for _ in range(50):
        q = rng.uniform(-2.5, 2.5, 6)
        frames = link_frames(arm, q)
        assert np.allclose(frames[5][:3, 3], arm.wrist_centre(q), atol=1e-9)
        assert np.allclose(frames[6][:3, :3] @ [arm.model.d6, 0, 0] + frames[6][:3, 3], arm.fk(q)[:3, 3], atol=1e-9)


def test_budget_of_the_training_cell() -> None:
    cell = load_cell("training-cell")
    scene = Scene(Arm(MODELS[cell.arm_model]), cell.base)
    scene.set_static(cell_meshes(cell))
    scene.set_tool(cell.tools["gripper"].tcp, "gripper")
    assert 300 < scene.arm_triangles
    assert scene.triangles <= BUDGET
    # drawn = after culling: fewer than built
    scene.set_joints(np.radians([10, 20, 30, 0, 40, 0]))
    dl = scene.draw_list(Camera(), 1366, 768)
    assert 0 < int(np.sum(dl.counts - 2)) < scene.triangles


def test_cell_lines_and_tool_kinds() -> None:
    cell = load_cell("training-cell")
    lines = cell_lines(cell)
    assert lines["keep_in"].shape == (12, 2, 3) and lines["keep_out"].shape == (12, 2, 3)
    assert len(lines["beams"]) >= 4 and lines["fence"].shape == (12 * 5, 2, 3)
    assert [tool_kind(n) for n in ("gripper", "glue_gun", "pointer")] == ["gripper", "glue", "pointer"]


def test_presets_orient_the_screen() -> None:
    cam = Camera(target=np.zeros(3), distance=2000)
    cam.preset("top")
    xy, _ = cam.project(np.array([[0, 0, 0], [100, 0, 0], [0, 100, 0.0]]), 800, 600)
    assert xy[1, 0] > xy[0, 0] + 10 and abs(xy[1, 1] - xy[0, 1]) < 1  # X to the right
    assert xy[2, 1] < xy[0, 1] - 10 and abs(xy[2, 0] - xy[0, 0]) < 1  # Y up
    cam.preset("side")
    xy, _ = cam.project(np.array([[0, 0, 0], [100, 0, 0], [0, 0, 100.0]]), 800, 600)
    assert xy[1, 0] > xy[0, 0] + 10 and xy[2, 1] < xy[0, 1] - 10  # X right, Z up
    cam.preset("front")
    xy, depth = cam.project(np.array([[0, 0, 0], [100, 0, 0.0]]), 800, 600)
    assert depth[1] < depth[0]  # +x is toward the eye


def test_culling_shows_at_most_three_faces_of_a_box() -> None:
    scene = Scene(Arm(MODELS["r7-700"]))
    scene._links = [M.merge([])] * 8
    scene._build_dynamic()
    scene.set_static(M.box((-100, -100, 0), (100, 100, 200), 7))
    for az, el in ((-50, 30), (0, 0), (120, -20), (-90, 89.9)):
        cam = Camera(azimuth=az, elevation=el, distance=1500, target=np.array([0, 0, 100.0]))
        n = len(scene.draw_list(cam, 640, 480))
        assert 1 <= n <= 3


def _static_scene(mesh: M.Mesh) -> Scene:
    scene = Scene(Arm(MODELS["r7-700"]))
    scene._links = [M.merge([])] * 8
    scene._build_dynamic()
    scene.set_static(mesh)
    return scene


def test_depth_sort_draws_far_before_near() -> None:
    near = M.box((-50, -50, 0), (50, 50, 10), 11)  # material PART
    far = M.box((-80, -80, -300), (80, 80, -290), 7)  # material FIXTURE, 300 mm farther from a top camera
    scene = _static_scene(M.merge([near, far]))  # near listed first: the list's order is no hint
    cam = Camera(azimuth=-90, elevation=89.9, distance=1000, target=np.zeros(3))
    dl = scene.draw_list(cam, 640, 480)
    mats = (dl.brush // LEVELS).tolist()
    assert mats == [7, 11]  # only the two top faces face the eye; the far one first
    assert np.all(np.diff(dl.depth) <= 0)


def test_big_face_drawn_before_a_small_box_standing_on_its_far_edge() -> None:
    """A table top's centre is nearer the eye than a small box standing at its far edge: sorting on centres
    alone would paint the table over the box. The plane rule puts the box after the table."""
    table = M.box((-600, -400, -20), (600, 400, 0), 6)
    cube = M.box((-40, 300, 0), (40, 380, 80), 11)
    scene = _static_scene(M.merge([table, cube]))
    cam = Camera(azimuth=-90, elevation=15, distance=1500, target=np.zeros(3))
    dl = scene.draw_list(cam, 800, 600)
    mats = (dl.brush // LEVELS).tolist()
    lo, hi = dl.points.min(1), dl.points.max(1)
    top = max(range(len(mats)), key=lambda i: (mats[i] == 6) * (hi[i] - lo[i]).prod())  # the table top
    covered = [i for i, m in enumerate(mats) if m == 11 and (lo[i] < hi[top]).all() and (hi[i] > lo[top]).all()]
    assert covered and all(i > top for i in covered)
    # the case is a real one: the table top's centre is nearer than the cube's front face
    eye, fwd = cam.eye(), cam.basis()[2]
    assert (np.array([0, 0, 0.0]) - eye) @ fwd < (np.array([0, 300, 40.0]) - eye) @ fwd


def test_set_joints_moves_only_the_arm() -> None:
    cell = load_cell("training-cell")
    scene = Scene(Arm(MODELS[cell.arm_model]), cell.base)
    scene.set_static(cell_meshes(cell))
    static = scene._static.vertices.copy()
    v0, _, _ = scene._dynamic_world()
    scene.set_joints(np.radians([30, 10, 0, 0, 0, 0]))
    v1, _, _ = scene._dynamic_world()
    assert np.array_equal(scene._static.vertices, static)
    assert not np.allclose(v0, v1)

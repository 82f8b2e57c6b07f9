"""The software renderer's core, numpy only: world geometry → a back-to-front list of shaded 2D polygons.

Per frame: move the arm's precomputed link meshes by the link frames (``set_joints`` touches nothing else; the
cell is world geometry built once), transform every vertex to the camera and project it (perspective), cull
faces turned away from the eye, shade each face by Lambert's law (a light over the viewer's left shoulder),
and sort back to front on the depth of the face's centroid (the painter's algorithm).

The painter's algorithm guesses wrong when a large face meets a small one: a table top's centre can be
nearer the eye than a gripper standing above the table's far edge. So for every large cell face (> ``BIG_AREA``)
whose screen box overlaps a smaller face's, a face lying wholly on the eye's side of the large face's plane
is drawn after it, and one wholly behind that plane before it (when both apply, the eye's side wins).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from app.ui.robot3d.arm_mesh import arm_link_meshes, link_frames, link_width, tool_mesh
from app.ui.robot3d.camera import NEAR, Camera
from app.ui.robot3d.materials import LEVELS, Material, materials_for
from app.ui.robot3d.mesh import Mesh, face_normals, merge, pad_faces, unit

BIG_AREA = 40_000.0  # mm² (20 cm × 20 cm)
EPS = 1e-3
EPS_MM = 0.5  # a corner this close to a plane counts as on it


@dataclass
class DrawList:
    """Polygons to fill in order: ``points`` (n, K, 2) screen pixels, ``counts`` (n,), ``brush`` (n,) indices
    ``material * LEVELS + level``, ``depth`` (n,) the sort key (mm from the eye, decreasing)."""

    points: np.ndarray
    counts: np.ndarray
    brush: np.ndarray
    depth: np.ndarray

    def __len__(self) -> int:
        return len(self.counts)


def positions_at(t: np.ndarray, tcp: np.ndarray, times) -> np.ndarray:
    """TCP positions (n, 3) at ``times`` on a sampled path (linear between samples, clamped at its ends):
    where an alarm that carries only its time happened."""
    t, tcp = np.asarray(t, dtype=float), np.asarray(tcp, dtype=float)
    times = np.asarray(times, dtype=float).reshape(-1)
    if len(t) == 0:
        return np.zeros((len(times), 3))
    return np.stack([np.interp(times, t, tcp[:, i]) for i in range(3)], 1)


def _face_data(mesh: Mesh) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Unit normals, centroids, bounding radii and areas of a mesh's faces."""
    pts = mesh.vertices[mesh.faces]
    area_vec = face_normals(pts)
    k = np.arange(mesh.faces.shape[1])[None, :]
    real = (k < mesh.counts[:, None])[..., None]
    centroid = (pts * real).sum(1) / mesh.counts[:, None]
    radius = np.linalg.norm(pts - centroid[:, None, :], axis=-1).max(1)
    return unit(area_vec), centroid, radius, 0.5 * np.linalg.norm(area_vec, axis=1)


class Scene:
    """One arm (on its base pose), its tool and the cell's static geometry."""

    def __init__(self, arm, base: np.ndarray | None = None) -> None:
        self.arm = arm
        self.base = np.eye(4) if base is None else np.asarray(base, dtype=float)
        self.materials: list[Material] = materials_for(arm.model.key)
        self._two_sided = np.array([not m.cull for m in self.materials])
        self._links = arm_link_meshes(arm.model) + [merge([])]
        self.q = np.zeros(6)
        self.tcp = np.eye(4)
        self.set_static(merge([]))
        self._build_dynamic()

    # ------------------------------------------------------------------ content
    @property
    def triangles(self) -> int:
        """Triangles in the scene (a face of n vertices counts n − 2), before culling."""
        return int(np.sum(self._counts - 2))

    @property
    def arm_triangles(self) -> int:
        return int(sum(m.triangles for m in self._links))

    def set_static(self, mesh: Mesh) -> None:
        """World geometry drawn as is (the cell); built once, not per frame."""
        self._static = mesh
        self._s_normal, self._s_centroid, self._s_radius, area = _face_data(mesh)
        self._s_big = area > BIG_AREA
        if hasattr(self, "_d_local"):
            self._combine()

    def set_tool(self, tcp: np.ndarray, kind: str) -> None:
        """The tool drawn on the flange (``kind``: gripper, glue, pointer or none) reaching ``tcp`` (flange → TCP)."""
        self.tcp = np.asarray(tcp, dtype=float)
        flange_r = 0.27 * link_width(self.arm.model)
        self._links[-1] = merge([]) if kind == "none" else tool_mesh(self.tcp, kind, flange_r)
        self._build_dynamic()

    def set_joints(self, q) -> None:
        self.q = np.asarray(q, dtype=float).copy()
        self._frames = None

    def frames(self) -> list[np.ndarray]:
        """The link frames in world (base, J1…J6, flange), cached until the joints change."""
        if self._frames is None:
            self._frames = [self.base @ f for f in link_frames(self.arm, self.q)]
        return self._frames

    def tcp_world(self) -> np.ndarray:
        return self.frames()[-1] @ self.tcp

    def _build_dynamic(self) -> None:
        meshes = list(self._links)
        whole = merge(meshes)
        self._d_local = whole
        self._d_normal, self._d_centroid, self._d_radius, area = _face_data(whole) if len(whole.faces) else (
            np.zeros((0, 3)), np.zeros((0, 3)), np.zeros(0), np.zeros(0))
        # the arm's faces are never "large": its parts overlap (a link enters its joint housing), and a face
        # straddling another's plane defeats the rule; measured against a z-buffer it made the arm worse
        self._d_big = np.zeros(len(area), dtype=bool)
        self._v_slices, self._f_slices = [], []
        v0 = f0 = 0
        for m in meshes:
            self._v_slices.append(slice(v0, v0 + len(m.vertices)))
            self._f_slices.append(slice(f0, f0 + len(m.faces)))
            v0 += len(m.vertices)
            f0 += len(m.faces)
        self._frames = None
        self._combine()

    def _combine(self) -> None:
        s, d = self._static, self._d_local
        k = max(s.faces.shape[1] if len(s.faces) else 1, d.faces.shape[1] if len(d.faces) else 1)
        parts = [pad_faces(s.faces, k)] if len(s.faces) else []
        if len(d.faces):
            parts.append(pad_faces(d.faces, k) + len(s.vertices))
        self._faces = np.concatenate(parts) if parts else np.zeros((0, k), dtype=int)
        self._counts = np.concatenate([s.counts, d.counts])
        self._material = np.concatenate([s.material, d.material])
        self._big = np.concatenate([self._s_big, self._d_big])
        self._cull = ~self._two_sided[self._material]

    def _dynamic_world(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Arm and tool vertices, face normals and centroids in world for the current joints."""
        d = self._d_local
        v = np.empty_like(d.vertices)
        n = np.empty_like(self._d_normal)
        c = np.empty_like(self._d_centroid)
        for frame, vs, fs in zip(self.frames(), self._v_slices, self._f_slices, strict=True):
            r, t = frame[:3, :3], frame[:3, 3]
            v[vs] = d.vertices[vs] @ r.T + t
            n[fs] = self._d_normal[fs] @ r.T
            c[fs] = self._d_centroid[fs] @ r.T + t
        return v, n, c

    # ------------------------------------------------------------------ render
    def draw_list(self, camera: Camera, width: int, height: int) -> DrawList:
        """The visible faces, shaded, projected and sorted back to front."""
        dv, dn, dc = self._dynamic_world()
        return render(np.concatenate([self._static.vertices, dv]), self._faces, self._counts, self._material,
                      np.concatenate([self._s_normal, dn]), np.concatenate([self._s_centroid, dc]),
                      np.concatenate([self._s_radius, self._d_radius]), self._cull, self._big, camera, width,
                      height)


class FaceLayer:
    """World geometry drawn on its own, without the arm (the view paints the fences into its background)."""

    def __init__(self, mesh: Mesh, materials: list[Material]) -> None:
        self.mesh = mesh
        self.normal, self.centroid, self.radius, _ = _face_data(mesh)
        self.cull = np.array([materials[m].cull for m in mesh.material], dtype=bool)

    def draw_list(self, camera: Camera, width: int, height: int) -> DrawList:
        m = self.mesh
        return render(m.vertices, m.faces, m.counts, m.material, self.normal, self.centroid, self.radius, self.cull,
                      np.zeros(len(m.faces), dtype=bool), camera, width, height)


def render(verts, faces, counts, material, normal, centroid, radius, cull, big_faces, camera: Camera, width: int,
           height: int) -> DrawList:
    """Cull, shade, project and sort faces (see the module's docstring); ``big_faces`` get the plane rule."""
    basis, eye = camera.basis(), camera.eye()
    to_eye = eye - centroid
    facing = np.einsum("ij,ij->i", normal, to_eye)
    depth = -to_eye @ basis[2]
    visible = ((facing > 0) | ~cull) & (depth - radius > NEAR)
    idx = np.flatnonzero(visible)

    light = unit(-0.55 * basis[2] + 0.65 * basis[1] - 0.35 * basis[0])
    lit = normal[idx] @ light
    lit = np.where(facing[idx] < 0, -lit, lit)  # a two-sided face seen from behind is lit on that side
    level = np.clip(np.rint(lit * (LEVELS - 1)), 0, LEVELS - 1).astype(int)
    brush = material[idx] * LEVELS + level

    cam = (verts - eye) @ basis.T
    f = camera.focal(height)
    z = np.maximum(cam[:, 2], NEAR)
    xy = np.empty((len(verts), 2))
    xy[:, 0] = 0.5 * width + f * cam[:, 0] / z
    xy[:, 1] = 0.5 * height - f * cam[:, 1] / z
    pts = xy[faces[idx]]
    key = depth[idx].copy()
    big = np.flatnonzero(big_faces[idx] & cull[idx])
    if len(big) and len(idx) > 1:
        _order_big_faces(key, big, pts, normal[idx], centroid[idx], radius[idx], verts, faces[idx])
    order = np.argsort(-key, kind="stable")
    return DrawList(pts[order], counts[idx][order], brush[order], key[order])


def _order_big_faces(key, big, pts, normal, centroid, radius, verts, faces) -> None:
    """Move each large face's sort key so that faces on the eye's side of its plane come after it and faces
    behind it before it. ``faces`` (n, K) index ``verts`` (world)."""
    flat = np.ascontiguousarray(pts.transpose(0, 2, 1))  # numpy reduces a middle axis ~4× slower
    lo, hi = flat.min(2), flat.max(2)
    lob, hib = lo[big], hi[big]
    overlap = ((lo[:, None, 0] < hib[None, :, 0]) & (hi[:, None, 0] > lob[None, :, 0])
               & (lo[:, None, 1] < hib[None, :, 1]) & (hi[:, None, 1] > lob[None, :, 1]))  # (n, B)
    nb = normal[big]
    plane_d = np.einsum("ij,ij->i", nb, centroid[big])
    dist = centroid @ nb.T - plane_d  # (n, B) signed distance of each face's centre
    r = radius[:, None]
    front = overlap & (dist > r)
    behind = overlap & (dist < -r)
    # a face within its radius of the plane (a box standing on a table): decide on its corners
    fi, bi = np.nonzero(overlap & ~front & ~behind)
    if len(fi):
        vd = verts @ nb.T - plane_d  # (V, B)
        d = vd[faces[fi], bi[:, None]]  # (pairs, K)
        front[fi, bi] = d.min(1) > -EPS_MM
        behind[fi, bi] = d.max(1) < EPS_MM
        own = np.arange(len(big))
        front[big, own] = False  # a face is neither in front of nor behind itself
        behind[big, own] = False
    after = np.where(front, key[:, None], -np.inf).max(0)  # big face must be farther than these
    before = np.where(behind, key[:, None], np.inf).min(0)  # … and nearer than these
    k = key[big]
    k = np.where(k > before, before - EPS, k)
    k = np.where(k < after, after + EPS, k)
    key[big] = k

"""Polygon meshes for the software 3D view, in numpy (no Qt: unit-tested without a display).

A mesh is vertices (V, 3) in mm and convex planar faces stored padded: ``faces`` (F, K) vertex indices, the
last real index repeated up to K, with ``counts`` (F,) the real vertex count. Padding keeps every per-frame
step (normals, culling, depth, projection) one numpy expression; repeated vertices add nothing to a Newell
normal or to a polygon QPainter fills. Faces are wound counter-clockwise seen from outside, so the normal
(right-hand rule) points outward and back faces can be culled.

Budget talk counts triangles: a face of n vertices is n − 2 of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Mesh:
    vertices: np.ndarray  # (V, 3) float
    faces: np.ndarray  # (F, K) int, padded with the face's last index
    counts: np.ndarray  # (F,) int, real vertex count of each face
    material: np.ndarray  # (F,) int, index into the view's material table

    @property
    def triangles(self) -> int:
        return int(np.sum(self.counts - 2))

    def transformed(self, pose: np.ndarray) -> Mesh:
        """The mesh moved by a 4×4 rigid transform."""
        v = self.vertices @ pose[:3, :3].T + pose[:3, 3]
        return Mesh(v, self.faces, self.counts, self.material)

    def with_material(self, material: int) -> Mesh:
        return Mesh(self.vertices, self.faces, self.counts, np.full(len(self.faces), material, dtype=int))


def make_mesh(vertices, polygons: list[list[int]], material: int = 0) -> Mesh:
    """A mesh from a vertex list and polygons of any size (each wound counter-clockwise from outside)."""
    k = max(len(p) for p in polygons)
    faces = np.array([list(p) + [p[-1]] * (k - len(p)) for p in polygons], dtype=int)
    counts = np.array([len(p) for p in polygons], dtype=int)
    return Mesh(np.asarray(vertices, dtype=float).reshape(-1, 3), faces, counts,
                np.full(len(polygons), material, dtype=int))


def merge(meshes: list[Mesh]) -> Mesh:
    """One mesh of several (padding widened to the largest face)."""
    meshes = [m for m in meshes if len(m.faces)]
    if not meshes:
        return Mesh(np.zeros((0, 3)), np.zeros((0, 3), dtype=int), np.zeros(0, dtype=int), np.zeros(0, dtype=int))
    k = max(m.faces.shape[1] for m in meshes)
    verts, faces, offset = [], [], 0
    for m in meshes:
        f = m.faces + offset
        if f.shape[1] < k:
            f = np.concatenate([f, np.repeat(f[:, -1:], k - f.shape[1], axis=1)], axis=1)
        faces.append(f)
        verts.append(m.vertices)
        offset += len(m.vertices)
    return Mesh(np.concatenate(verts), np.concatenate(faces), np.concatenate([m.counts for m in meshes]),
                np.concatenate([m.material for m in meshes]))


def pad_faces(faces: np.ndarray, k: int) -> np.ndarray:
    if faces.shape[1] >= k:
        return faces
    return np.concatenate([faces, np.repeat(faces[:, -1:], k - faces.shape[1], axis=1)], axis=1)


def face_normals(points: np.ndarray) -> np.ndarray:
    """Area vectors (twice the area, along the outward normal) of padded polygons (F, K, 3): Newell's sum."""
    return np.cross(points, np.roll(points, -1, axis=1)).sum(axis=1)


def unit(v: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


# ---------------------------------------------------------------------------------------------- primitives
_HEX_FACES = [[0, 3, 2, 1], [4, 5, 6, 7], [0, 1, 5, 4], [1, 2, 6, 5], [2, 3, 7, 6], [3, 0, 4, 7]]


def hexahedron(corners, material: int = 0) -> Mesh:
    """Six quads from eight corners: bottom ring 0-3 counter-clockwise seen from above, top ring 4-7 over them."""
    return make_mesh(corners, _HEX_FACES, material)


def box(lo, hi, material: int = 0) -> Mesh:
    """Axis-aligned box between two corners."""
    (x0, y0, z0), (x1, y1, z1) = lo, hi
    ring = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    return hexahedron([(x, y, z0) for x, y in ring] + [(x, y, z1) for x, y in ring], material)


def centred_box(size, material: int = 0) -> Mesh:
    h = np.asarray(size, dtype=float) / 2.0
    return box(-h, h, material)


def tiled_box(size, tile: float, material: int = 0, max_tiles: int = 8) -> Mesh:
    """A centred box whose faces are cut into tiles of about ``tile`` mm (at most ``max_tiles`` a side).

    Large faces make the painter's algorithm guess wrong next to small objects (a part on a table is nearer
    the camera than the table's centre is, or not); tiles keep each face's depth close to its neighbours'.
    """
    h = np.asarray(size, dtype=float) / 2.0
    n = [int(min(max_tiles, max(1, np.ceil(2 * h[i] / tile)))) for i in range(3)]
    axes = [np.linspace(-h[i], h[i], n[i] + 1) for i in range(3)]
    verts: list[tuple[float, float, float]] = []
    polys: list[list[int]] = []
    # each face: the fixed axis, its side, and the two in-plane axes ordered so (u × v) points outward
    for fixed, u, v in ((0, 1, 2), (1, 2, 0), (2, 0, 1)):
        for side in (-1, 1):
            a, b = (u, v) if side > 0 else (v, u)
            for i in range(n[a]):
                for j in range(n[b]):
                    base = len(verts)
                    for di, dj in ((0, 0), (1, 0), (1, 1), (0, 1)):
                        p = [0.0, 0.0, 0.0]
                        p[fixed] = side * h[fixed]
                        p[a] = axes[a][i + di]
                        p[b] = axes[b][j + dj]
                        verts.append(tuple(p))
                    polys.append([base, base + 1, base + 2, base + 3])
    # tiles share their corners: one vertex each, so the mesh is closed (and has fewer points to project)
    unique, inverse = np.unique(np.round(np.asarray(verts), 6), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    return make_mesh(unique, [[int(inverse[i]) for i in p] for p in polys], material)


def frustum(r0: float, r1: float, height: float, segments: int = 16, material: int = 0, rings: int = 1) -> Mesh:
    """A cylinder (r0 = r1) or cone frustum on local z from 0 to ``height``; caps are single polygons.

    ``rings`` > 1 cuts the side into that many bands: a long tube's faces then have depths close to those of
    the small parts around them, which the painter's algorithm needs.
    """
    a = np.linspace(0.0, 2 * np.pi, segments, endpoint=False)
    c, s = np.cos(a), np.sin(a)
    levels = np.linspace(0.0, 1.0, rings + 1)
    ringpts = [np.stack([(r0 + (r1 - r0) * f) * c, (r0 + (r1 - r0) * f) * s, np.full(segments, height * f)], 1)
               for f in levels]
    polys = []
    for k in range(rings):
        lo, hi = k * segments, (k + 1) * segments
        polys += [[lo + i, lo + (i + 1) % segments, hi + (i + 1) % segments, hi + i] for i in range(segments)]
    top = rings * segments
    polys.append(list(range(top, top + segments)))  # top, counter-clockwise from +z
    polys.append(list(range(segments - 1, -1, -1)))  # bottom, reversed
    return make_mesh(np.concatenate(ringpts), polys, material)


def cylinder(radius: float, height: float, segments: int = 16, material: int = 0) -> Mesh:
    return frustum(radius, radius, height, segments, material)


def frame_along(p0, p1) -> np.ndarray:
    """A 4×4 at ``p0`` whose z axis points to ``p1`` (x, y any perpendicular pair)."""
    p0, p1 = np.asarray(p0, dtype=float), np.asarray(p1, dtype=float)
    z = p1 - p0
    length = float(np.linalg.norm(z))
    z = z / length if length > 0 else np.array([0.0, 0.0, 1.0])
    helper = np.array([1.0, 0.0, 0.0]) if abs(z[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    x = np.cross(helper, z)
    x /= np.linalg.norm(x)
    t = np.eye(4)
    t[:3, 0], t[:3, 1], t[:3, 2], t[:3, 3] = x, np.cross(z, x), z, p0
    return t


def rod(p0, p1, radius: float, segments: int = 12, material: int = 0, r1: float | None = None) -> Mesh:
    """A cylinder (or frustum to radius ``r1``) from point ``p0`` to point ``p1``."""
    length = float(np.linalg.norm(np.asarray(p1, dtype=float) - np.asarray(p0, dtype=float)))
    m = frustum(radius, radius if r1 is None else r1, max(length, 1e-6), segments, material)
    return m.transformed(frame_along(p0, p1))


def tapered_box(z0: float, z1: float, half0, half1, material: int = 0, shift0=(0.0, 0.0), shift1=(0.0, 0.0),
                bands: int = 1) -> Mesh:
    """A box along z from ``z0`` to ``z1`` whose (x, y) half sizes go from ``half0`` to ``half1``; ``bands`` cuts
    its sides along z (see ``frustum``)."""
    rings = []
    for f in np.linspace(0.0, 1.0, bands + 1):
        hx, hy = (a + (b - a) * f for a, b in zip(half0, half1, strict=True))
        sx, sy = (a + (b - a) * f for a, b in zip(shift0, shift1, strict=True))
        z = z0 + (z1 - z0) * f
        rings += [(sx - hx, sy - hy, z), (sx + hx, sy - hy, z), (sx + hx, sy + hy, z), (sx - hx, sy + hy, z)]
    polys = [[0, 3, 2, 1]]  # bottom
    for k in range(bands):
        lo, hi = 4 * k, 4 * (k + 1)
        polys += [[lo + i, lo + (i + 1) % 4, hi + (i + 1) % 4, hi + i] for i in range(4)]
    top = 4 * bands
    polys.append([top, top + 1, top + 2, top + 3])
    return make_mesh(rings, polys, material)


def rotation_to(axis: str) -> np.ndarray:
    """4×4 turning local z onto the named axis ("x" or "y"; "z" is the identity)."""
    t = np.eye(4)
    if axis == "x":
        t[:3, :3] = [[0, 0, 1], [0, 1, 0], [-1, 0, 0]]
    elif axis == "y":
        t[:3, :3] = [[1, 0, 0], [0, 0, 1], [0, -1, 0]]
    return t


def translation(x: float, y: float, z: float) -> np.ndarray:
    t = np.eye(4)
    t[:3, 3] = (x, y, z)
    return t

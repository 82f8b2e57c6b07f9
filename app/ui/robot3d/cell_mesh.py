"""The cell's solids, safe zones and light curtains as meshes and line sets in world (no Qt).

Reads the dataclasses of ``simulators.robot.arm.cell`` (``Box``: centre pose and full size; ``Cylinder``: base
disc pose, radius, height) by their fields. Keep-out zones are translucent red boxes; the keep-in envelope,
usually the whole cell, would tint everything, so it is drawn as a green wireframe only. A light curtain's
guarded box is translucent amber (red while interrupted) with its beams as stripes across the two faces of
its thinnest horizontal side (emitter and receiver).
"""

from __future__ import annotations

import numpy as np

from app.ui.robot3d.materials import CURTAIN, CURTAIN_ON, KEEP_OUT, KIND_MATERIAL, TABLE
from app.ui.robot3d.mesh import Mesh, centred_box, cylinder, merge

BOX_EDGES = [(0, 1), (1, 3), (3, 2), (2, 0), (4, 5), (5, 7), (7, 6), (6, 4), (0, 4), (1, 5), (2, 6), (3, 7)]
BEAM_PITCH = 60.0  # mm between drawn beams (real curtains: 14–30 mm for fingers, ~40–90 for hands)


def solid_mesh(solid) -> Mesh:
    """One solid in world."""
    material = KIND_MATERIAL.get(getattr(solid, "kind", "table"), TABLE)
    if hasattr(solid, "radius"):
        segments = 8 if solid.radius < 15 else 16 if solid.radius < 300 else 24
        return cylinder(solid.radius, solid.height, segments, material).transformed(solid.pose)
    return centred_box(solid.size, material).transformed(solid.pose)


def box_corners(b) -> np.ndarray:
    """(8, 3) world corners of a ``Box`` in the order its ``corners()`` uses (x major, then y, then z)."""
    half = np.asarray(b.size, dtype=float) / 2.0
    s = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=float) * half
    return s @ b.pose[:3, :3].T + b.pose[:3, 3]


def box_edges(b) -> np.ndarray:
    """(12, 2, 3) world edge segments of a box."""
    c = box_corners(b)
    return np.array([[c[i], c[j]] for i, j in BOX_EDGES])


def curtain_beams(b) -> np.ndarray:
    """(n, 2, 3) horizontal beam segments on the two faces across the box's thinner horizontal side."""
    sx, sy, sz = (float(v) for v in b.size)
    n = max(2, min(40, int(sz // BEAM_PITCH)))
    zs = np.linspace(-sz / 2, sz / 2, n + 2)[1:-1]
    segs = []
    for z in zs:
        if sx <= sy:  # beams run along y on the faces x = ±sx/2
            for x in (-sx / 2, sx / 2):
                segs.append([(x, -sy / 2, z), (x, sy / 2, z)])
        else:
            for y in (-sy / 2, sy / 2):
                segs.append([(-sx / 2, y, z), (sx / 2, y, z)])
    local = np.asarray(segs, dtype=float)
    return local @ b.pose[:3, :3].T + b.pose[:3, 3]


def cell_meshes(cell, interrupted: frozenset[str] = frozenset(), fences: bool = True) -> Mesh:
    """Every solid (but the fences if ``fences`` is false), keep-out zone and curtain box as one world mesh."""
    parts = [solid_mesh(s) for s in cell.solids if fences or getattr(s, "kind", "") != "fence"]
    parts += [centred_box(z.box.size, KEEP_OUT).transformed(z.box.pose) for z in cell.zones if z.rule == "keep_out"]
    parts += [centred_box(c.box.size, CURTAIN_ON if c.name in interrupted else CURTAIN).transformed(c.box.pose)
              for c in cell.curtains]
    return merge(parts)


def fence_mesh(cell) -> Mesh:
    """The fence panels alone (the view draws them into its background: see ``view``)."""
    return merge([solid_mesh(s) for s in cell.solids if getattr(s, "kind", "") == "fence"])


def cell_lines(cell) -> dict[str, np.ndarray]:
    """Line sets (n, 2, 3) by style: "keep_in", "keep_out", "curtain" (box edges) and "beams"."""
    def stack(items) -> np.ndarray:
        return np.concatenate(items) if items else np.zeros((0, 2, 3))
    return {
        "fence": stack([box_edges(s) for s in cell.solids if getattr(s, "kind", "") == "fence"]),
        "keep_in": stack([box_edges(z.box) for z in cell.zones if z.rule == "keep_in"]),
        "keep_out": stack([box_edges(z.box) for z in cell.zones if z.rule == "keep_out"]),
        "curtain": stack([box_edges(c.box) for c in cell.curtains]),
        "beams": stack([curtain_beams(c.box) for c in cell.curtains]),
    }


def cell_points(cell, base: np.ndarray, reach: float) -> np.ndarray:
    """Points the fit-to-cell view keeps in frame: the solids' corners (not the fences: framing them leaves the
    arm small) and a box around the arm's base out to 80 % of its reach."""
    r = 0.8 * reach
    pts = [base[:3, 3] + np.array([dx * r, dy * r, dz]) for dx in (-1, 1) for dy in (-1, 1) for dz in (0.0, r)]
    for s in cell.solids:
        if hasattr(s, "radius"):
            local = np.array([(dx * s.radius, dy * s.radius, dz * s.height)
                              for dx in (-1, 1) for dy in (-1, 1) for dz in (0, 1)])
            pts += list(local @ s.pose[:3, :3].T + s.pose[:3, 3])
        elif getattr(s, "kind", "") != "fence":
            pts += list(box_corners(s))
    return np.asarray(pts)

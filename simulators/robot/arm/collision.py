"""Collision geometry of the arm: link and tool capsules, and their distance to the cell's boxes and cylinders.

Each link is a capsule (a segment swept by a sphere) along the arm's skeleton, radii per model
(``cell.LINK_RADII``); the tool adds its own capsules from ``ToolGeometry`` (flange frame). Names:

| capsule | segment |
|---|---|
| ``J1 link`` | base → J1 top (d1 up) → shoulder (a1 forward): two capsules |
| ``J2 link`` | shoulder → elbow (the upper arm) |
| ``J3 link`` | elbow → forearm bend (a3) |
| ``J4 link`` | forearm bend → wrist centre (d4) |
| ``J5 link`` | wrist centre → flange plate |
| ``J6 link`` | the flange plate (the last 20 mm before the flange) |
| ``tool`` | the tool's capsules |

**Distance, exact to ~1e-9 of the segment's length.** The signed distance function (SDF) of a convex solid is
convex, and so is its restriction to a segment; the segment's minimum is found by a golden-section search
(48 steps, the bracket shrinks to 1e-10 of its length; the SDF is 1-Lipschitz, so the value is that close).
Capsule–solid distance = that minimum − radius: positive = clearance, negative = how deep the capsule's
surface reaches inside (a contact). A pair is skipped without the search when a lower bound —
SDF at the segment's middle − half its length − radius — already shows clearance. Everything is numpy over
all samples × capsules × solids at once, so a whole trajectory is checked in one call.

A contact is a distance below −``TOUCH_MM`` (1 µm): a capsule exactly touching a surface (a taught point on a
part, the pointer on the pin) is not a collision. The J1 link standing on the cell's ``mount`` (plinth, bench)
is excluded by design, as are capsules that meet at a joint; self-collision is checked between the pairs in
``SELF_PAIRS`` only (links the arm's own geometry keeps apart unless folded onto them).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

from simulators.robot.arm.cell import LINK_RADII, Box, Cell, Cylinder, ToolGeometry
from simulators.robot.arm.kinematics import Arm

TOUCH_MM = 1e-3
FLANGE_PLATE_MM = 20.0
_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_STEPS = 48
SELF_PAIRS = (("tool", "J1 link"), ("tool", "J2 link"), ("J5 link", "J1 link"), ("J6 link", "J1 link"),
              ("J4 link", "J1 link"))


@dataclass(frozen=True)
class Capsule:
    name: str
    p0: np.ndarray  # (3,) world mm
    p1: np.ndarray
    radius: float


class Capsules(list):
    """The capsules of one arm pose, plus where its flange and TCP are (world mm)."""

    def __init__(self, items: Iterable[Capsule], flange: np.ndarray, tcp: np.ndarray) -> None:
        super().__init__(items)
        self.flange = flange
        self.tcp = tcp


@dataclass(frozen=True)
class Contact:
    link: str  # "J2 link", "tool", …
    solid: str  # the solid's name, or the other link's for a self-collision
    distance: float  # mm, negative: how far the capsule reaches into the solid


@dataclass
class CapsuleArrays:
    """Capsules of n arm poses: names (k,), p0/p1 (n, k, 3), radius (k,), flange/tcp (n, 3)."""

    names: list[str]
    p0: np.ndarray
    p1: np.ndarray
    radius: np.ndarray
    flange: np.ndarray
    tcp: np.ndarray

    def pose(self, i: int) -> Capsules:
        caps = [Capsule(n, self.p0[i, j], self.p1[i, j], float(self.radius[j])) for j, n in enumerate(self.names)]
        return Capsules(caps, self.flange[i], self.tcp[i])

    @classmethod
    def from_capsules(cls, caps: Capsules | list[Capsule]) -> CapsuleArrays:
        flange = getattr(caps, "flange", np.full(3, np.nan))
        tcp = getattr(caps, "tcp", np.full(3, np.nan))
        return cls([c.name for c in caps], np.array([[c.p0 for c in caps]], dtype=float).reshape(1, -1, 3),
                   np.array([[c.p1 for c in caps]], dtype=float).reshape(1, -1, 3),
                   np.array([c.radius for c in caps], dtype=float), np.asarray(flange)[None], np.asarray(tcp)[None])


def capsule_arrays(arm: Arm, q: np.ndarray, tool: ToolGeometry | None = None, base: np.ndarray | None = None,
                   radii: tuple[float, ...] | None = None) -> CapsuleArrays:
    """Link and tool capsules for joints q (n, 6) or (6,) radians, in world (``base`` = the robot's base pose)."""
    m = arm.model
    q = np.atleast_2d(np.asarray(q, dtype=float))
    n = q.shape[0]
    radii = radii or LINK_RADII.get(m.key, LINK_RADII["r12-1440"])
    t = q * np.array(m.signs, dtype=float)
    c1, s1 = np.cos(t[:, 0]), np.sin(t[:, 0])
    t23 = t[:, 1] + t[:, 2]
    r_el, z_el = m.a1 + m.a2 * np.sin(t[:, 1]), m.d1 + m.a2 * np.cos(t[:, 1])
    r_bd, z_bd = r_el + m.a3 * np.sin(t23), z_el + m.a3 * np.cos(t23)
    r_wc, z_wc = r_bd + m.d4 * np.cos(t23), z_bd - m.d4 * np.sin(t23)
    # skeleton vertices in the base frame: base, J1 top, shoulder, elbow, forearm bend, wrist centre
    zero = np.zeros(n)
    rr = np.stack([zero, zero, zero + m.a1, r_el, r_bd, r_wc], 1)
    zz = np.stack([zero, zero + m.d1, zero + m.d1, z_el, z_bd, z_wc], 1)
    skel = np.stack([c1[:, None] * rr, s1[:, None] * rr, zz], -1)  # (n, 6, 3)
    flange = arm.fk(q)  # (n, 4, 4)
    fpos = flange[:, :3, 3]
    plate = fpos - min(FLANGE_PLATE_MM, m.d6 / 2.0) * flange[:, :3, 2]
    chain = np.concatenate([skel, plate[:, None], fpos[:, None]], 1)  # (n, 8, 3)
    names = ["J1 link", "J1 link", "J2 link", "J3 link", "J4 link", "J5 link", "J6 link"]
    p0, p1 = chain[:, :-1], chain[:, 1:]
    rad = [radii[0], radii[0], radii[1], radii[2], radii[3], radii[4], radii[5]]
    tcp_local = np.eye(4) if tool is None else tool.tcp
    tcp = flange @ tcp_local
    if tool is not None and tool.capsules:
        a = np.array([c.p0 for c in tool.capsules], dtype=float)  # (c, 3) flange frame
        b = np.array([c.p1 for c in tool.capsules], dtype=float)
        rot = flange[:, :3, :3]
        p0 = np.concatenate([p0, a @ np.swapaxes(rot, 1, 2) + fpos[:, None]], 1)
        p1 = np.concatenate([p1, b @ np.swapaxes(rot, 1, 2) + fpos[:, None]], 1)
        names += ["tool"] * len(tool.capsules)
        rad += [c.radius for c in tool.capsules]
    if base is not None:
        rb, tb = base[:3, :3], base[:3, 3]
        p0, p1 = p0 @ rb.T + tb, p1 @ rb.T + tb
        fpos, tcp = fpos @ rb.T + tb, tcp[:, :3, 3] @ rb.T + tb
    else:
        tcp = tcp[:, :3, 3]
    return CapsuleArrays(names, p0, p1, np.array(rad, dtype=float), fpos, tcp)


def link_capsules(arm: Arm, q: np.ndarray, tool_geometry: ToolGeometry | None = None, *,
                  base: np.ndarray | None = None, radii: tuple[float, ...] | None = None) -> Capsules:
    """The capsules of one pose (joints in radians), in world."""
    return capsule_arrays(arm, np.asarray(q, dtype=float)[None], tool_geometry, base, radii).pose(0)


def cell_capsules(cell: Cell, arm: Arm, q: np.ndarray, tool: str | ToolGeometry | None = None) -> CapsuleArrays:
    """Capsules of joints q (n, 6) in ``cell`` (its base, the model's radii), with a tool of the cell by name."""
    geometry = cell.tools[tool] if isinstance(tool, str) else tool
    return capsule_arrays(arm, q, geometry, cell.base, cell.link_radii)


# --------------------------------------------------------------------------------------------- distances
@dataclass
class SolidArrays:
    """The cell's solids as arrays: rotation (m, 3, 3), origin (m, 3), box half sizes or cylinder r/h."""

    names: list[str]
    rot: np.ndarray
    origin: np.ndarray
    half: np.ndarray  # boxes: half sizes; cylinders: (radius, height, 0)
    is_cyl: np.ndarray
    lo: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))  # world axis-aligned bounds (m, 3)
    hi: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))

    def __post_init__(self) -> None:
        centre = self.origin.copy()
        ext = np.abs(self.rot) @ self.half[:, :, None]  # boxes: |R|·half
        ext = ext[:, :, 0]
        axis = self.rot[:, :, 2]
        r, h = self.half[:, 0:1], self.half[:, 1:2]
        cyl_ext = np.abs(axis) * h / 2.0 + r * np.sqrt(np.clip(1.0 - axis * axis, 0.0, 1.0))
        ext = np.where(self.is_cyl[:, None], cyl_ext, ext)
        centre = np.where(self.is_cyl[:, None], self.origin + axis * h / 2.0, centre)
        self.lo, self.hi = centre - ext, centre + ext

    @classmethod
    def of(cls, solids: Iterable[Box | Cylinder]) -> SolidArrays:
        solids = list(solids)
        rot = np.array([s.pose[:3, :3] for s in solids], dtype=float).reshape(-1, 3, 3)
        origin = np.array([s.pose[:3, 3] for s in solids], dtype=float).reshape(-1, 3)
        half = np.array([s.half if isinstance(s, Box) else (s.radius, s.height, 0.0) for s in solids],
                        dtype=float).reshape(-1, 3)
        is_cyl = np.array([isinstance(s, Cylinder) for s in solids], dtype=bool)
        return cls([s.name for s in solids], rot, origin, half, is_cyl)


def sdf(points: np.ndarray, rot: np.ndarray, origin: np.ndarray, half: np.ndarray, is_cyl: np.ndarray) -> np.ndarray:
    """Signed distance (mm) of points (p, 3) to their solids given per point (rot (p,3,3), …): < 0 inside."""
    local = np.einsum("pji,pj->pi", rot, points - origin)
    any_cyl = bool(is_cyl.any())
    if not any_cyl or not is_cyl.all():  # boxes (zones and curtains are always boxes)
        d = np.abs(local) - half
        box = np.sqrt(np.einsum("pi,pi->p", *(np.maximum(d, 0.0),) * 2)) + np.minimum(d.max(-1), 0.0)
        if not any_cyl:
            return box
    # cylinder: axis local z from 0 to height
    dr = np.hypot(local[:, 0], local[:, 1]) - half[:, 0]
    dz = np.abs(local[:, 2] - half[:, 1] / 2.0) - half[:, 1] / 2.0
    cyl = np.hypot(np.maximum(dr, 0.0), np.maximum(dz, 0.0)) + np.minimum(np.maximum(dr, dz), 0.0)
    return cyl if is_cyl.all() else np.where(is_cyl, cyl, box)


def segment_sdf_min(p0: np.ndarray, p1: np.ndarray, rot: np.ndarray, origin: np.ndarray, half: np.ndarray,
                    is_cyl: np.ndarray) -> np.ndarray:
    """Minimum over each segment (p, 3)→(p, 3) of the solid's SDF, by golden-section search (convex)."""
    seg = p1 - p0

    def f(t: np.ndarray) -> np.ndarray:
        return sdf(p0 + t[:, None] * seg, rot, origin, half, is_cyl)

    n = p0.shape[0]
    a, b = np.zeros(n), np.ones(n)
    c, d = b - _GOLDEN, a + _GOLDEN
    fc, fd = f(c), f(d)
    for _ in range(_STEPS):
        left = fc < fd  # a minimum lies in [a, d]
        b = np.where(left, d, b)
        a = np.where(left, a, c)
        c_new = np.where(left, b - _GOLDEN * (b - a), d)
        d_new = np.where(left, c, a + _GOLDEN * (b - a))
        x = np.where(left, c_new, d_new)
        fx = f(x)
        fc, fd = np.where(left, fx, fd), np.where(left, fc, fx)
        c, d = c_new, d_new
    ends = np.minimum(f(np.zeros(n)), f(np.ones(n)))
    return np.minimum(np.minimum(fc, fd), ends)


def pair_distances(caps: CapsuleArrays, solids: SolidArrays, skip: np.ndarray | None = None,
                   bound: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Distances (n, k, m) of every capsule to every solid where they may be below ``bound``.

    Returns (distance, exact): pairs where the lower bound is already ≥ ``bound`` (or ``skip`` (k, m) is set)
    keep that lower bound (or +inf) and ``exact`` False.
    """
    n, k = caps.p0.shape[:2]
    m = len(solids.names)
    dist = np.full((n, k, m), np.inf)
    exact = np.zeros((n, k, m), dtype=bool)
    if m == 0 or k == 0 or n == 0:
        return dist, exact
    # 1. the gap between the capsule's and the solid's axis-aligned bounds (a lower bound, cheap for all pairs)
    r = caps.radius[None, :, None]
    clo = np.minimum(caps.p0, caps.p1)[:, :, None, :]
    chi = np.maximum(caps.p0, caps.p1)[:, :, None, :]
    gap = np.maximum(np.maximum(solids.lo - chi, clo - solids.hi), 0.0)
    dist[:] = np.sqrt(np.einsum("nkmi,nkmi->nkm", gap, gap)) - r
    if skip is not None:
        dist[:, skip] = np.inf
    # 2. the SDF at the segment's middle − half its length (1-Lipschitz), for the pairs still in question
    i, j, s = np.nonzero(dist < bound)
    if i.size:
        mid = (caps.p0[i, j] + caps.p1[i, j]) / 2.0
        half_len = np.linalg.norm(caps.p1[i, j] - caps.p0[i, j], axis=-1) / 2.0
        lower = sdf(mid, solids.rot[s], solids.origin[s], solids.half[s], solids.is_cyl[s]) - half_len
        lower = lower - caps.radius[j]
        dist[i, j, s] = np.maximum(dist[i, j, s], lower)
        keep = lower < bound
        i, j, s = i[keep], j[keep], s[keep]
    # 3. the exact minimum for the rest
    if i.size:
        exact_d = segment_sdf_min(caps.p0[i, j], caps.p1[i, j], solids.rot[s], solids.origin[s], solids.half[s],
                                  solids.is_cyl[s]) - caps.radius[j]
        dist[i, j, s] = exact_d
        exact[i, j, s] = True
    return dist, exact


def segment_distance(p0: np.ndarray, p1: np.ndarray, q0: np.ndarray, q1: np.ndarray) -> np.ndarray:
    """Closest distance between segments (…, 3) (clamped closed form, Ericson §5.1.9)."""
    d1, d2, r = p1 - p0, q1 - q0, p0 - q0
    a = np.einsum("...i,...i", d1, d1)
    e = np.einsum("...i,...i", d2, d2)
    f = np.einsum("...i,...i", d2, r)
    c = np.einsum("...i,...i", d1, r)
    b = np.einsum("...i,...i", d1, d2)
    denom = a * e - b * b
    tiny = 1e-12
    s = np.where(denom > tiny, np.clip((b * f - c * e) / np.where(denom > tiny, denom, 1.0), 0.0, 1.0), 0.0)
    s = np.where(a > tiny, s, 0.0)
    t = np.where(e > tiny, (b * s + f) / np.where(e > tiny, e, 1.0), 0.0)
    t_c = np.clip(t, 0.0, 1.0)
    s = np.where((t < 0.0) & (a > tiny), np.clip(-c / np.where(a > tiny, a, 1.0), 0.0, 1.0), s)
    s = np.where((t > 1.0) & (a > tiny), np.clip((b - c) / np.where(a > tiny, a, 1.0), 0.0, 1.0), s)
    cp = p0 + s[..., None] * d1
    cq = q0 + t_c[..., None] * d2
    return np.linalg.norm(cp - cq, axis=-1)


class CollisionModel:
    """The cell's solids as arrays, the pairs to skip and the self-collision pairs, for one list of capsule
    names: prepared once, used for every pose (the safety controller keeps one)."""

    def __init__(self, cell: Cell, names: list[str], ignore: Iterable[tuple[str, str]] = (),
                 self_collision: bool = True) -> None:
        self.names = list(names)
        self.solids = SolidArrays.of(cell.solids)
        pairs = set(ignore)
        if cell.mount is not None:
            pairs.add(("J1 link", cell.mount))
        self.skip = np.array([[(link, solid) in pairs for solid in self.solids.names] for link in self.names],
                             dtype=bool).reshape(len(self.names), len(self.solids.names))
        self.cols = [(link, solid) for link in self.names for solid in self.solids.names]
        xa: list[int] = []
        xb: list[int] = []
        if self_collision:
            for a, b in SELF_PAIRS:
                for x in (j for j, nm in enumerate(self.names) if nm == a):
                    for y in (j for j, nm in enumerate(self.names) if nm == b):
                        xa.append(x)
                        xb.append(y)
                        self.cols.append((a, b))
        self.xa, self.xb = np.array(xa, dtype=int), np.array(xb, dtype=int)
        self.solids_ref: tuple = ()

    @classmethod
    def for_cell(cls, cell: Cell, names: list[str], ignore: Iterable[tuple[str, str]] = (),
                 self_collision: bool = True) -> CollisionModel:
        """The model, kept on the cell while its solids and mount stay the same objects (a pendant checks
        every 10 ms tick; preparing costs a quarter of a check). The model holds the solids, so the ids in
        its key cannot be reused by other objects while it is cached."""
        ignore = tuple(sorted(ignore))
        key = (tuple(names), ignore, self_collision, cell.mount, tuple(id(x) for x in cell.solids))
        cache: dict = cell.__dict__.setdefault("_collision_models", {})
        model = cache.get(key)
        if model is None:
            if len(cache) > 16:
                cache.clear()
            model = cache[key] = cls(cell, names, ignore, self_collision)
            model.solids_ref = tuple(cell.solids)  # holds the solids alive, so their ids stay theirs
        return model

    def distances(self, caps: CapsuleArrays) -> np.ndarray:
        """(n, columns) signed distances; columns are ``self.cols``."""
        if caps.names != self.names:
            raise ValueError("capsule names differ from the ones this model was prepared for")
        dist, _ = pair_distances(caps, self.solids, self.skip)
        n = dist.shape[0]
        out = dist.reshape(n, -1)
        if self.xa.size:
            d = segment_distance(caps.p0[:, self.xa], caps.p1[:, self.xa], caps.p0[:, self.xb], caps.p1[:, self.xb])
            out = np.concatenate([out, d - caps.radius[self.xa] - caps.radius[self.xb]], 1)
        return out

    def contacts(self, dist_row: np.ndarray) -> list[Contact]:
        """The contacts in one row of ``distances``: the deepest per (link, solid), deepest first."""
        worst: dict[tuple[str, str], float] = {}
        for c in np.nonzero(dist_row < -TOUCH_MM)[0]:
            key = self.cols[c]
            worst[key] = min(worst.get(key, 0.0), float(dist_row[c]))
        return sorted((Contact(link, solid, d) for (link, solid), d in worst.items()), key=lambda c: c.distance)


def collision_distances(cell: Cell, caps: CapsuleArrays, *, ignore: Iterable[tuple[str, str]] = (),
                        self_collision: bool = True) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """(n, pairs) signed distances below zero where they matter, and the (link, solid) name of each column.

    Columns: every capsule × solid, then the self-collision pairs. Pairs whose lower bound shows clearance
    hold that bound, not the exact distance (both are ≥ 0 then).
    """
    model = CollisionModel.for_cell(cell, caps.names, ignore, self_collision)
    return model.distances(caps), model.cols


def check_collisions(cell: Cell, capsules: Capsules | list[Capsule] | CapsuleArrays, *,
                     ignore: Iterable[tuple[str, str]] = (), self_collision: bool = True) -> list[Contact]:
    """Contacts of one pose (the deepest per link and solid), deepest first.

    ``ignore`` lists (link, solid) pairs not to check, e.g. ("tool", part) while the gripper holds that part.
    """
    caps = capsules if isinstance(capsules, CapsuleArrays) else CapsuleArrays.from_capsules(capsules)
    model = CollisionModel.for_cell(cell, caps.names, ignore, self_collision)
    return model.contacts(model.distances(caps)[0])


def capsule_solid_distance(capsule: Capsule, solid: Box | Cylinder) -> float:
    """Exact signed distance of one capsule to one solid (mm)."""
    s = SolidArrays.of([solid])
    d = segment_sdf_min(np.asarray(capsule.p0, dtype=float)[None], np.asarray(capsule.p1, dtype=float)[None],
                        s.rot, s.origin, s.half, s.is_cyl)
    return float(d[0] - capsule.radius)


class PoseContacts:
    """The contacts of one pose at a time (the pendant checks every 10 ms tick), exactly ``check_collisions``'
    answer, with the exact distances skipped while no contact is possible.

    After each exact check it keeps the pose and the clearances found (the smallest capsule–solid and
    capsule–capsule distance or lower bound). Turning joint j by Δ moves no point of the links it carries by
    more than Δ times their farthest reach from its axis, so a later pose is at most Σ reachⱼ·|Δqⱼ| from the
    kept one at every capsule point (twice that between two capsules). While the clearances exceed that, no
    distance can have fallen below zero — the computed ones stay above −``TOUCH_MM``, rounding (~1e-6 mm)
    included — and the answer is no contact, as the exact check would give. A pendant jogging across a free
    cell then checks exactly only every few ticks; near a solid, every tick as before.
    """

    def __init__(self, cell: Cell, tool: ToolGeometry | None = None) -> None:
        self.cell, self.tool = cell, tool
        self._arm: Arm | None = None
        self._reach = np.zeros(6)
        self._last: tuple[np.ndarray, float, float] | None = None  # q, solid clearance, self clearance
        self._cell_key: tuple = ()  # the cell as it was then (an edited cell is checked as it is now)
        self._solids: tuple = ()  # holds the solids alive, so the ids in that key stay theirs

    def _prepare(self, arm: Arm) -> None:
        m = arm.model
        tool = max((math.hypot(*p) for c in (self.tool.capsules if self.tool else ()) for p in (c.p0, c.p1)),
                   default=0.0)
        wrist = abs(m.d6) + tool  # from the wrist centre: the flange plate, the flange and the tool
        forearm = abs(m.a3) + abs(m.d4) + wrist  # from the elbow
        # from each joint's axis (a point on it): J1 vertical through the base, J2 at the shoulder, J3 at the
        # elbow, J4 along the forearm through the wrist centre, J5 at the wrist centre, J6 along the tool axis
        self._reach = np.array([abs(m.a1) + abs(m.a2) + forearm, abs(m.a2) + forearm, forearm, wrist, wrist, tool])
        self._arm, self._last = arm, None

    def __call__(self, arm: Arm, q: np.ndarray) -> list[Contact]:
        q = np.array(q, dtype=float)
        if arm is not self._arm:
            self._prepare(arm)
        cell = self.cell
        key = (cell.mount, cell.link_radii, cell.base.tobytes(), tuple(map(id, cell.solids)))
        if key != self._cell_key:
            self._last, self._cell_key, self._solids = None, key, tuple(cell.solids)
        if self._last is not None:
            q0, solid, other = self._last
            moved = float(np.abs(q - q0) @ self._reach)
            if solid - moved > 0.0 and other - 2.0 * moved > 0.0:
                return []
        caps = cell_capsules(self.cell, arm, q[None], self.tool)
        model = CollisionModel.for_cell(self.cell, caps.names)
        row = model.distances(caps)[0]
        split = len(caps.names) * len(model.solids.names)
        self._last = (q, float(np.min(row[:split], initial=np.inf)), float(np.min(row[split:], initial=np.inf)))
        return model.contacts(row)

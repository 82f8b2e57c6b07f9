"""An orbit camera with perspective projection (numpy, no Qt).

The camera looks at ``target`` from ``distance`` along the direction given by ``azimuth`` (about world z,
0 = from +x) and ``elevation`` (above the floor), world z up. Presets: top (X right, Y up on screen),
front (from +x, the side the arm reaches to at J1 = 0), side (from −y: X right, Z up) and iso.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PRESETS: dict[str, tuple[float, float]] = {  # name → (azimuth, elevation) in degrees
    "top": (-90.0, 89.9),
    "front": (0.0, 0.0),
    "side": (-90.0, 0.0),
    "iso": (-50.0, 30.0),
}
MAX_ELEVATION = 89.9  # straight down leaves no "up" to orient the screen by
MIN_ELEVATION = -20.0  # a little below the floor, to look under a table; further is of no use in a cell
MIN_DISTANCE, MAX_DISTANCE = 50.0, 100_000.0
NEAR = 10.0  # mm: faces closer to the eye than this are dropped (no clipping)


@dataclass
class Camera:
    azimuth: float = -50.0
    elevation: float = 30.0
    distance: float = 4000.0
    target: np.ndarray = field(default_factory=lambda: np.array([0.0, 0.0, 600.0]))
    fov: float = 35.0  # vertical field of view, degrees

    def state(self) -> tuple[float, ...]:
        """A hashable snapshot (tests compare it; the view caches projections on it)."""
        return (self.azimuth, self.elevation, self.distance, *self.target.tolist(), self.fov)

    # ------------------------------------------------------------ geometry
    def _view(self) -> tuple[np.ndarray, np.ndarray]:
        """Eye and basis, recomputed only when the camera moved (a frame asks for them several times)."""
        state = self.state()
        cached = self.__dict__.get("_cached")
        if cached is not None and cached[0] == state:
            return cached[1], cached[2]
        a, e = math.radians(self.azimuth), math.radians(self.elevation)
        d = np.array([math.cos(e) * math.cos(a), math.cos(e) * math.sin(a), math.sin(e)])
        eye = self.target + self.distance * d
        f = -d
        r = np.array([f[1], -f[0], 0.0])  # f × z
        r /= np.linalg.norm(r)
        u = np.array([r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]])
        basis = np.stack([r, u, f])
        self.__dict__["_cached"] = (state, eye, basis)
        return eye, basis

    def eye(self) -> np.ndarray:
        return self._view()[0].copy()

    def basis(self) -> np.ndarray:
        """3×3 rows: right, up, forward (into the screen), in world coordinates."""
        return self._view()[1].copy()

    def focal(self, height: int) -> float:
        """Pixels per unit of x/z at depth 1."""
        return 0.5 * height / math.tan(math.radians(self.fov) / 2.0)

    def project(self, points: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
        """Screen coordinates (N, 2) and depths (N,) of world points (N, 3); depth ≤ 0 is behind the eye."""
        cam = (np.asarray(points, dtype=float) - self.eye()) @ self.basis().T
        depth = cam[:, 2]
        f = self.focal(height)
        safe = np.where(depth > 1e-9, depth, 1e-9)
        xy = np.empty((len(cam), 2))
        xy[:, 0] = 0.5 * width + f * cam[:, 0] / safe
        xy[:, 1] = 0.5 * height - f * cam[:, 1] / safe
        return xy, depth

    # ------------------------------------------------------------ moves
    def orbit(self, d_azimuth: float, d_elevation: float) -> None:
        self.azimuth = (self.azimuth + d_azimuth + 180.0) % 360.0 - 180.0
        self.elevation = max(MIN_ELEVATION, min(MAX_ELEVATION, self.elevation + d_elevation))

    def pan(self, dx_px: float, dy_px: float, height: int) -> None:
        """Move the target so the scene at the target's depth follows the mouse by (dx, dy) pixels."""
        per_px = self.distance / self.focal(height)
        r, u, _ = self.basis()
        self.target = self.target - r * dx_px * per_px + u * dy_px * per_px

    def zoom(self, steps: float) -> None:
        """Positive steps move closer (one wheel notch = 15 %)."""
        self.distance = max(MIN_DISTANCE, min(MAX_DISTANCE, self.distance * 0.85 ** steps))

    def preset(self, name: str) -> None:
        self.azimuth, self.elevation = PRESETS[name]

    def fit(self, centre: np.ndarray, radius: float, width: int, height: int) -> None:
        """Aim at ``centre`` from far enough that a sphere of ``radius`` fills the view."""
        half_v = math.radians(self.fov) / 2.0
        half_h = math.atan(math.tan(half_v) * width / max(height, 1))
        self.target = np.asarray(centre, dtype=float).copy()
        self.distance = max(MIN_DISTANCE, min(MAX_DISTANCE, 1.02 * radius / math.sin(min(half_v, half_h))))

    def fit_points(self, points: np.ndarray, width: int, height: int, fill: float = 0.92) -> None:
        """Aim at the points' box centre and move so their projection fills ``fill`` of the view."""
        points = np.asarray(points, dtype=float)
        self.target = (points.min(0) + points.max(0)) / 2.0
        radius = float(np.linalg.norm(points - self.target, axis=1).max())
        self.fit(self.target, radius, width, height)
        for _ in range(3):  # the sphere is loose; shrink to the projected extent (perspective: iterate)
            xy, depth = self.project(points, width, height)
            if (depth <= NEAR).any():
                return
            half = np.array([width, height]) / 2.0
            extent = float((np.abs(xy - half) / half).max())
            if extent <= 0:
                return
            self.distance = max(MIN_DISTANCE, min(MAX_DISTANCE, self.distance * extent / fill))


"""The 3D robot cell view while jogging (issue 24 goal: ≥ 60 frames/s at 1366×768 offscreen, no GPU).

Ours: ``RobotCellView`` on the bundled training cell (R12-1440 with its gripper, table, fixtures, conveyor,
pallet, fences, a keep-out zone, the keep-in envelope and a light curtain), the iso view fitted to the cell,
a 200-point programmed path, taught points and the triads shown. Every frame the joints change (a six-axis
sweep like a held jog key) and the widget is repainted synchronously: arm transforms, projection, culling,
shading, the depth sort, the polygons and the overlays (the background with the floor and the fences is
painted once per camera position and copied).

Floor, in the same run: a bare widget of the same size whose paint fills the background and fills the same
polygons with the same brushes, already projected and sorted (the draw list of the first frame): what
QPainter alone costs for this picture. Blocks of ``BLOCK`` frames of each alternate (A B A B …); medians of
the per-frame CPU time of this process are reported (on the shared 2-core machine wall time mostly measures
the other jobs; the wall figure is printed too). Plain and antialiased ("Smooth") runs are both reported, and
a cell at the ~3,000-triangle budget (the training cell plus 18 pallet parts and 30 drums).

Measured (December 2026, shared 2-core machine, load average 4–5): training cell 5.3–6.0 ms CPU per frame
(167–188 fps; floor 1.7–2.2 ms), antialiased 9.3 ms (108 fps; floor 4.9–5.1 ms); ~3k triangles built
(1,442 drawn after culling) 8.1 ms (123 fps; floor 3.8 ms). Wall-clock fps follow the load (86–161 fps for
the training cell, 42 at 3k). Where our time goes beyond the floor: ~1.2 ms numpy per frame (transforms,
projection, culling, shading, sort, the plane rule for large faces), ~1.5 ms overlays (zone and curtain
lines, path, triads and labels), ~0.3 ms copying the background.
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QApplication, QWidget

from tests.benchmarks._report import report

W, H = 1366, 768
BLOCK = 60
ROUNDS = 7
GOAL_FPS = 60.0


class _Floor(QWidget):
    """The same polygons, pre-projected, painted with the same brushes."""

    def __init__(self, view) -> None:
        super().__init__()
        self.view = view
        self.draw = view.last_draw
        self.antialias = False
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)

    def paintEvent(self, event) -> None:
        from app.ui.robot3d.view import BACKGROUND

        p = QPainter(self)
        p.fillRect(self.rect(), BACKGROUND)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        p.setPen(Qt.PenStyle.NoPen)
        dl, v = self.draw, self.view
        k = dl.points.shape[1]
        v._poly_view[: len(dl) * k] = dl.points.reshape(-1, 2)
        start = 0
        for b, c in zip(dl.brush.tolist(), dl.counts.tolist(), strict=True):
            p.setBrush(v._brushes[b])
            p.drawConvexPolygon(v._poly.mid(start, c))
            start += k
        p.end()


def _jog_joints(n: int) -> np.ndarray:
    """A smooth sweep of all six joints (radians), one row per frame."""
    s = np.linspace(0.0, 1.0, n)[:, None]
    amp = np.radians([60, 25, 25, 90, 40, 120])
    base = np.radians([0, 15, 10, 0, 50, 0])
    return base + amp * np.sin(2 * np.pi * s * np.array([1, 2, 3, 1, 2, 1]))


def _frames(widget, joints=None) -> tuple[float, float]:
    """CPU and wall ms per frame over one block."""
    c0, t0 = time.process_time(), time.perf_counter()
    for i in range(BLOCK):
        if joints is not None:
            widget.set_joints(joints[i])
        widget.repaint()
    return (time.process_time() - c0) / BLOCK * 1e3, (time.perf_counter() - t0) / BLOCK * 1e3


def _view(cell):
    from app.ui.robot3d.view import RobotCellView

    view = RobotCellView(cell.arm_model)
    view.resize(W, H)
    view.set_cell(cell)
    view.set_tool(cell.tools["gripper"].tcp, name="gripper")
    view.show()
    QApplication.processEvents()
    view.set_preset("iso")
    view.fit_to_cell()
    s = np.linspace(0, 2 * np.pi, 200)
    view.set_path(np.stack([1000 + 250 * np.cos(s), -100 + 250 * np.sin(s), np.full_like(s, 900.0)], 1))
    view.set_points({"pick": np.array([900.0, -350, 900]), "place": np.array([500.0, 700, 450])})
    return view


def _measure(name: str, view, smooth: bool) -> None:
    joints = _jog_joints(BLOCK)
    view.antialias = smooth
    view.set_joints(joints[0])
    view.repaint()
    floor = _Floor(view)
    floor.antialias = smooth
    floor.resize(W, H)
    floor.show()
    QApplication.processEvents()
    drawn = int(np.sum(view.last_draw.counts - 2))
    ours, ours_wall, base, base_wall = [], [], [], []
    _frames(view, joints), _frames(floor)  # warm-up
    for _ in range(ROUNDS):
        c, w = _frames(view, joints)
        ours.append(c)
        ours_wall.append(w)
        c, w = _frames(floor)
        base.append(c)
        base_wall.append(w)
    o, f = statistics.median(ours), statistics.median(base)
    report(f"{name}, per frame (goal ≥ {GOAL_FPS:.0f} fps)", o, f, "ms CPU",
           f"{1000 / o:.0f} fps CPU, {1000 / statistics.median(ours_wall):.0f} fps wall; floor = the same "
           f"{len(view.last_draw)} polygons ({drawn} triangles drawn of {view.triangles}) pre-projected: "
           f"{1000 / f:.0f} fps CPU, {1000 / statistics.median(base_wall):.0f} fps wall; "
           f"load {os.getloadavg()[0]:.1f}")
    floor.close()
    assert o > 0 and f > 0


def test_view_fps_while_jogging() -> None:
    QApplication.instance() or QApplication([])
    from simulators.robot.arm.cell import load_cell

    view = _view(load_cell("training-cell"))
    _measure("3D cell view jogging, training cell 1366×768", view, False)
    _measure("3D cell view jogging, training cell 1366×768 antialiased", view, True)
    view.close()


def test_view_fps_at_the_triangle_budget() -> None:
    """The training cell plus a stacked pallet of parts and drums behind the robot: ~3,000 triangles built."""
    QApplication.instance() or QApplication([])
    from simulators.robot.arm.cell import Box, Cylinder, load_cell, pose_from

    cell = load_cell("training-cell")
    parts = [Box(f"part{i}{j}{k}", pose_from((300 + 160 * i, 690 + 160 * j, 430 + 60 * k)), (140.0, 140.0, 55.0),
                 "part") for i in range(3) for j in range(3) for k in range(2)]
    drums = [Cylinder(f"drum{i}", pose_from((-1000 + 220 * (i % 3), -1250 + 250 * (i // 3), 0)), 90.0, 400.0)
             for i in range(30)]
    cell.solids = [*cell.solids, *parts, *drums]
    view = _view(cell)
    assert 2900 <= view.triangles <= 3300
    _measure("3D cell view jogging, ~3k-triangle cell 1366×768", view, False)
    view.close()

"""Labels in the 3D view stay readable: frames and points at one spot (World, Base, a user frame, targets on
it) do not cover each other, and a long alarm text near the edge is kept inside the view (it ran off it)."""

from __future__ import annotations

import numpy as np
import pytest

from app.ui.robot3d import overlay
from app.ui.robot3d.view import RobotCellView
from simulators.robot.arm.cell import load_cell


@pytest.fixture
def view(qtbot, qapp):
    cell = load_cell("training-cell")
    v = RobotCellView(cell.arm_model)
    qtbot.addWidget(v)
    v.resize(420, 320)
    v.set_cell(cell)
    v.show()
    qtbot.waitExposed(v)
    v.fit_to_cell()
    return v


def _plates(v):
    v.grab()  # paints: the plates drawn in that frame
    return list(overlay._TAKEN)


def test_labels_at_one_spot_do_not_overlap(view):
    at = view.scene.frames()[0][:3, 3]
    view.set_user_frame("table", view.scene.frames()[0])
    view.set_points({"t1": at, "t2": at + 1.0, "target t3": at - 1.0})
    plates = _plates(view)
    assert len(plates) >= 6
    for i, a in enumerate(plates):
        for b in plates[i + 1:]:
            assert not a.intersects(b), (a, b)


def test_a_long_alarm_near_the_edge_stays_in_the_view(view):
    w = view.width()
    # a point projected near the right edge
    pts = view._fit_points
    xy, _ = view.camera.project(pts, view.width(), view.height())
    right = pts[int(np.argmax(xy[:, 0]))]
    view.show_triads = False
    view.set_alarms([(right, "The linear move stops before a wrist singularity (J5 near 0°): reach the point "
                             "with MOVEJ, turn the tool a little or add a via point.")])
    (plate,) = _plates(view)
    assert plate.left() >= 0 and plate.right() <= w


def test_a_reference_contour_is_drawn_dashed_until_cleared(view):
    from PySide6.QtGui import QImage

    def teal() -> int:
        img = view.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
        w, h = img.width(), img.height()
        arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(h, img.bytesPerLine())[:, : 3 * w]
        arr = arr.reshape(h, w, 3).astype(int)
        return int((np.abs(arr - np.array([0, 150, 170])).max(2) <= 10).sum())

    tcp = view.scene.tcp_world()[:3, 3]
    s = np.linspace(0, 2 * np.pi, 2000)
    assert teal() == 0
    view.set_reference(np.stack([tcp[0] + 200 * np.cos(s), tcp[1] + 200 * np.sin(s), np.full_like(s, tcp[2])], 1))
    assert len(view.reference) == 600 and teal() > 50  # thinned for drawing
    view.set_reference(None)
    assert teal() == 0


def test_double_click_is_a_close_up_of_the_tool_and_home_frames_the_cell_again(view, qtbot):
    from PySide6.QtCore import QPoint, Qt

    qtbot.mouseDClick(view, Qt.MouseButton.LeftButton, pos=QPoint(200, 200))
    tip = view.scene.tcp_world()[:3, 3]
    assert np.allclose(view.camera.target, tip) and view.camera.distance == 700.0
    xy, _ = view.camera.project(tip[None], view.width(), view.height())
    assert np.allclose(xy[0], [view.width() / 2, view.height() / 2])  # the tip in the middle
    assert not view.keep_fitted  # a resize keeps the close-up
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_Home)
    pts = view._fit_points
    assert np.allclose(view.camera.target, (pts.min(0) + pts.max(0)) / 2) and view.keep_fitted

"""Revolution-counter sync marks in the 3D view: per axis a tick on the fixed part and one on the moving part that
meet in one line (green) when the joint is on its mark, and part (orange) when it is not."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from app.ui.robot3d.marks import sync_mark_segments
from app.ui.robot3d.view import SYNC_OFF, SYNC_ON, RobotCellView
from simulators.robot.arm.cell import load_cell

MARKS = (10.0, -20.0, 15.0, 30.0, -40.0, 60.0)


@pytest.fixture
def view(qtbot, qapp):
    cell = load_cell("training-cell")
    v = RobotCellView(cell.arm_model)
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.set_cell(cell)
    v.show()
    qtbot.waitExposed(v)
    v.fit_to_cell()
    return v


def _segments(v, q_deg):
    v.set_joints(np.radians(q_deg))
    m = v.scene.arm.model
    return sync_mark_segments(v.scene.frames(), v.scene.q, m.signs, MARKS, 0.5, m)


def _direction(seg):
    d = seg[1] - seg[0]
    return d / np.linalg.norm(d)


def test_the_ticks_line_up_on_the_mark_and_part_off_it(view):
    aligned, off = _segments(view, MARKS)
    assert len(aligned) == 12 and len(off) == 0
    for moving, fixed in zip(aligned[0::2], aligned[1::2], strict=True):  # one straight line, end to end
        assert np.allclose(moving[1], fixed[0]) and np.allclose(_direction(moving), _direction(fixed))
    q = list(MARKS)
    q[3] += 20.0  # J4 20° off its mark
    aligned, off = _segments(view, q)
    assert len(aligned) == 10 and len(off) == 2
    moving, fixed = off
    angle = np.degrees(np.arccos(np.clip(_direction(moving) @ _direction(fixed), -1, 1)))
    assert angle == pytest.approx(20.0, abs=1e-6)
    q[3] = MARKS[3] + 0.4  # within the tolerance
    assert len(_segments(view, q)[0]) == 12


def _count(v, colour) -> int:
    img = v.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(h, img.bytesPerLine())[:, : 3 * w]
    arr = arr.reshape(h, w, 3).astype(int)
    return int((np.abs(arr - np.array([colour.red(), colour.green(), colour.blue()])).max(2) <= 12).sum())


def test_the_view_draws_them_green_or_orange_and_only_when_asked(view):
    view.set_joints(np.radians(MARKS))
    assert _count(view, SYNC_ON) == 0
    view.set_sync_marks(MARKS, 0.5)
    assert _count(view, SYNC_ON) > 20 and _count(view, SYNC_OFF) == 0
    view.set_joints(np.radians([m + 30.0 for m in MARKS]))
    assert _count(view, SYNC_OFF) > 20 and _count(view, SYNC_ON) == 0

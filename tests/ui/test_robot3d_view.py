"""The 3D robot cell view as a widget, offscreen: it paints a real image, the arm moves with its joints, the
mouse orbits/pans/zooms, the preset buttons and keys turn the camera, and the path, triads, points and
alarm marks appear (issue 24)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage, QWheelEvent
from PySide6.QtWidgets import QApplication

from app.ui.robot3d.camera import PRESETS
from app.ui.robot3d.view import RobotCellView
from simulators.robot.arm.cell import load_cell

ARM_BLUE = (34, 96, 170)  # the R12-1440's colour (materials.ARM_COLOURS)


@pytest.fixture
def view(qtbot, qapp):
    cell = load_cell("training-cell")
    v = RobotCellView(cell.arm_model)
    qtbot.addWidget(v)
    v.resize(800, 600)
    v.set_cell(cell)
    v.set_tool(cell.tools["gripper"].tcp, name="gripper")
    v.set_joints(np.radians([0, 10, 10, 0, 60, 0]))
    v.show()
    qtbot.waitExposed(v)
    v.fit_to_cell()
    return v


def pixels(v: RobotCellView) -> np.ndarray:
    img = v.grab().toImage().convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    arr = np.frombuffer(img.constBits(), dtype=np.uint8).reshape(h, img.bytesPerLine())[:, : 3 * w]
    return arr.reshape(h, w, 3).astype(int).copy()


def near_colour(arr: np.ndarray, rgb, tol: int) -> np.ndarray:
    return (np.abs(arr - np.array(rgb)) <= tol).all(-1)


def arm_mask(arr: np.ndarray) -> np.ndarray:
    """Pixels of the arm's blue, at any shade (hue: blue well above red and green)."""
    r, g, b = arr[..., 0], arr[..., 1], arr[..., 2]
    return (b > r + 50) & (b > g + 25) & (b < 200)


def test_grab_gives_a_real_image_with_the_arm(view) -> None:
    arr = pixels(view)
    assert arr.shape[:2] == (600, 800)
    assert len(np.unique(arr.reshape(-1, 3), axis=0)) > 50  # shading, not a flat fill
    assert arm_mask(arr).sum() > 500
    assert view.last_draw is not None and len(view.last_draw) > 100


def _arm_box(v: RobotCellView, margin: int = 45) -> np.ndarray:
    """Screen mask of the box around the arm's joints and TCP (projected), widened by ``margin`` pixels."""
    pts = np.array([f[:3, 3] for f in v.scene.frames()] + [v.scene.tcp_world()[:3, 3]])
    xy, _ = v.camera.project(pts, v.width(), v.height())
    (x0, y0), (x1, y1) = xy.min(0) - margin, xy.max(0) + margin
    ys, xs = np.mgrid[0 : v.height(), 0 : v.width()]
    return (xs >= x0) & (xs <= x1) & (ys >= y0) & (ys <= y1)


def test_changing_joints_changes_the_pixels_where_the_arm_is(view) -> None:
    before, box_before = pixels(view), _arm_box(view)
    view.set_joints(np.radians([70, -20, 30, 0, 40, 0]))
    after, box_after = pixels(view), _arm_box(view)
    changed = (before != after).any(-1)
    assert changed.sum() > 2000
    assert (arm_mask(before) != arm_mask(after)).sum() > 500
    # only where the arm was or now is: the cell does not move
    assert changed[~(box_before | box_after)].sum() == 0


def test_left_drag_orbits_and_shift_drag_pans(view, qtbot) -> None:
    az, el, target = view.camera.azimuth, view.camera.elevation, view.camera.target.copy()
    before = pixels(view)
    with qtbot.waitSignal(view.cameraChanged):
        qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(400, 300))
        qtbot.mouseMove(view, QPoint(460, 280))
        qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=QPoint(460, 280))
    assert view.camera.azimuth == pytest.approx(az - 60 * 0.4)
    assert view.camera.elevation == pytest.approx(el - 20 * 0.4)
    assert np.array_equal(view.camera.target, target)
    assert (pixels(view) != before).any(-1).sum() > 5000

    az = view.camera.azimuth
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(400, 300))
    qtbot.mouseMove(view, QPoint(450, 300))
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, QPoint(450, 300))
    assert view.camera.azimuth == az
    assert not np.allclose(view.camera.target, target)

    target = view.camera.target.copy()
    qtbot.mousePress(view, Qt.MouseButton.MiddleButton, pos=QPoint(400, 300))
    qtbot.mouseMove(view, QPoint(400, 350))
    qtbot.mouseRelease(view, Qt.MouseButton.MiddleButton, pos=QPoint(400, 350))
    assert view.camera.target[2] > target[2]  # dragging down moves the scene down: the target goes up


def test_wheel_zooms(view) -> None:
    d = view.camera.distance
    event = QWheelEvent(QPointF(400, 300), QPointF(400, 300), QPoint(0, 0), QPoint(0, 240), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view, event)
    assert view.camera.distance == pytest.approx(d * 0.85 ** 2)


@pytest.mark.parametrize("name", list(PRESETS))
def test_preset_buttons(view, qtbot, name) -> None:
    view.camera.orbit(33, -17)
    qtbot.mouseClick(view.buttons[name], Qt.MouseButton.LeftButton)
    assert (view.camera.azimuth, view.camera.elevation) == PRESETS[name]


def test_preset_keys_and_fit(view, qtbot) -> None:
    view.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    for key, name in ((Qt.Key.Key_T, "top"), (Qt.Key.Key_S, "side"), (Qt.Key.Key_F, "front"), (Qt.Key.Key_I, "iso")):
        qtbot.keyClick(view, key)
        assert (view.camera.azimuth, view.camera.elevation) == PRESETS[name]
    view.camera.zoom(8)
    qtbot.keyClick(view, Qt.Key.Key_Home)
    pts = view._fit_points
    assert np.allclose(view.camera.target, (pts.min(0) + pts.max(0)) / 2)
    xy, _ = view.camera.project(pts, view.width(), view.height())
    assert (xy >= 0).all() and (xy[:, 0] <= view.width()).all() and (xy[:, 1] <= view.height()).all()
    assert (xy[:, 0].min() < 0.2 * view.width()) or (xy[:, 1].min() < 0.2 * view.height())  # and fills it


def test_top_view_shows_the_arm_from_above(view, qtbot) -> None:
    qtbot.mouseClick(view.buttons["top"], Qt.MouseButton.LeftButton)
    view.set_joints(np.radians([0, 0, 0, 0, 0, 0]))
    a = arm_mask(pixels(view))
    view.set_joints(np.radians([90, 0, 0, 0, 0, 0]))
    b = arm_mask(pixels(view))
    ys_a, xs_a = np.nonzero(a)
    ys_b, xs_b = np.nonzero(b)
    # J1 = 0: the arm reaches along +x (to the right on screen); J1 = 90°: along +y (up on screen)
    assert np.ptp(xs_a) > np.ptp(ys_a)
    assert np.ptp(ys_b) > np.ptp(xs_b)


def test_path_triads_points_and_alarms_draw(view) -> None:
    magenta, alarm_red = (190, 30, 190), (210, 20, 20)
    before = pixels(view)
    assert near_colour(before, magenta, 20).sum() == 0
    tcp = view.scene.tcp_world()[:3, 3]
    s = np.linspace(0, 2 * np.pi, 100)
    view.set_path(np.stack([tcp[0] + 150 * np.cos(s), tcp[1] + 150 * np.sin(s), np.full_like(s, tcp[2])], 1))
    arr = pixels(view)
    assert near_colour(arr, magenta, 20).sum() > 100
    # triads: pure axis colours near the world origin and the tool
    for rgb in ((220, 40, 40), (30, 160, 60), (40, 90, 220)):
        assert near_colour(arr, rgb, 12).sum() > 20
    view.show_triads = False
    no_triads = pixels(view)
    assert near_colour(no_triads, (30, 160, 60), 12).sum() < near_colour(arr, (30, 160, 60), 12).sum()
    view.show_triads = True
    view.set_alarms([(tcp + [0, 0, 200], "cell.collision")])
    view.set_points({"p1": tcp + [0, 300, 0]})
    arr = pixels(view)
    assert near_colour(arr, alarm_red, 15).sum() > 30
    assert near_colour(arr, (20, 20, 120), 10).sum() > 20


def test_interrupted_curtain_turns_red(view) -> None:
    qtbot_free = pixels(view)
    view.set_interrupted({"loading_curtain"})
    assert (pixels(view) != qtbot_free).any(-1).sum() > 100
    assert view._interrupted == frozenset({"loading_curtain"})


def test_antialias_toggle_changes_edges(view, qtbot) -> None:
    plain = pixels(view)
    qtbot.mouseClick(view.buttons["smooth"], Qt.MouseButton.LeftButton)
    assert view.antialias
    assert (pixels(view) != plain).any(-1).sum() > 100


def test_labels_follow_a_language_switch(view) -> None:
    from app import i18n

    assert view.buttons["top"].text() == "Top" and "(T)" in view.buttons["top"].toolTip()
    view.buttons["top"].setText("stale")
    i18n.set_locale("zh_CN")
    try:
        assert view.buttons["top"].text() not in ("stale", "")  # set again through _() on the switch
    finally:
        i18n.set_locale("en")
    assert view.buttons["top"].text() == "Top"


def test_a_planned_trajectory_its_progress_and_alarms_by_time(view) -> None:
    from simulators.robot.arm.motion import MoveCmd, Planner, Zone

    arm, base, tool = view.scene.arm, view.scene.base, view.scene.tcp
    q0 = view.scene.q
    planner = Planner(arm, tool, base=base, start_q=q0)
    q1 = q0 + np.radians([40, 10, -10, 0, 0, 0])
    planner.add(MoveCmd("J", base @ arm.fk(q1) @ tool, q1, None, 0.5, Zone(0.0), 1))
    traj = planner.flush()
    assert len(traj.t) > 10 and not traj.alarms
    view.set_trajectory(traj)
    plain = pixels(view)
    assert near_colour(plain, (190, 30, 190), 20).sum() > 50
    assert near_colour(plain, (110, 0, 120), 15).sum() == 0
    view.set_progress(float(traj.t[len(traj.t) // 2]))
    assert near_colour(pixels(view), (110, 0, 120), 15).sum() > 50  # the executed half, drawn stronger
    mid = float(traj.t[len(traj.t) // 2])
    view.mark_alarms([(mid, "arm.reach")])
    (where, text), = view.alarms
    assert text == "arm.reach"
    assert np.allclose(where, traj.tcp[len(traj.t) // 2], atol=1e-6)


def test_a_cell_for_another_arm_switches_the_model(qtbot, qapp) -> None:
    v = RobotCellView("r12-1440")
    qtbot.addWidget(v)
    v.resize(640, 480)
    tcp = np.eye(4)
    tcp[2, 3] = 140.0
    v.set_tool(tcp, name="gripper")
    v.set_cell(load_cell("bench-cell"))
    assert v.scene.arm.model.key == "r7-700"
    assert v.scene.tcp[2, 3] == 140.0 and v.scene._links[-1].triangles > 0  # the tool came along
    arr = pixels(v)
    orange = (arr[..., 0] > arr[..., 2] + 80) & (arr[..., 0] > 150)  # the R7-700 is drawn orange
    assert orange.sum() > 200
    assert np.allclose(v.scene.frames()[0], load_cell("bench-cell").base)


def test_arrow_and_plus_minus_keys_move_the_camera(view, qtbot) -> None:
    view.activateWindow()
    view.setFocus()
    qtbot.waitUntil(view.hasFocus)
    az, el, d = view.camera.azimuth, view.camera.elevation, view.camera.distance
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert view.camera.azimuth == pytest.approx(az + 15)
    qtbot.keyClick(view, Qt.Key.Key_Down)
    assert view.camera.elevation == pytest.approx(el - 15)
    qtbot.keyClick(view, Qt.Key.Key_Plus)
    assert view.camera.distance == pytest.approx(d * 0.85)
    qtbot.keyClick(view, Qt.Key.Key_Minus)
    assert view.camera.distance == pytest.approx(d)

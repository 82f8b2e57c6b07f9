"""The 3D robot cell view: a QWidget painting the scene with QPainter (no OpenGL, so it runs on a PC without
a working GPU driver and offscreen in the tests; issue 24 has the measurements behind that choice).

Mouse: left drag orbits, middle drag or Shift + left drag pans, the wheel zooms. Buttons and keys (while the
view has focus): T top, F front, S side, I iso, Home fit to the cell; arrows turn the view, + and − zoom.
``set_joints`` only moves the arm; the cell's meshes are built once by ``set_cell``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSize, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QFont, QKeySequence, QPainter, QPen, QPixmap, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QSizePolicy, QToolButton, QVBoxLayout, QWidget

from app.i18n import _, pgettext
from app.ui.common.qt_i18n import on_language_changed
from app.ui.robot3d import overlay
from app.ui.robot3d.arm_mesh import link_width, tool_kind
from app.ui.robot3d.camera import Camera
from app.ui.robot3d.cell_mesh import cell_lines, cell_meshes, cell_points, fence_mesh
from app.ui.robot3d.marks import sync_mark_segments
from app.ui.robot3d.materials import LEVELS, shaded
from app.ui.robot3d.scene import DrawList, FaceLayer, Scene, positions_at
from simulators.robot.arm import Arm, ArmModel, get_model

BACKGROUND = QColor(222, 226, 232)
FLOOR = QColor(204, 208, 214)
ORBIT_DEG_PER_PX = 0.4
KEY_ORBIT_DEG = 15.0
PRESET_KEYS = (("top", "T"), ("front", "F"), ("side", "S"), ("iso", "I"))
CLOSE_UP_MM = 700.0  # eye to the tool's tip in a close-up
SYNC_ON, SYNC_OFF = QColor(120, 230, 0), QColor(250, 110, 0)  # a joint on its sync mark / off it


class RobotCellView(QWidget):
    """The arm in its cell. Lengths mm, joints radians, poses 4×4 in world."""

    cameraChanged = Signal()

    def __init__(self, model: str | ArmModel | Arm = "r12-1440", parent: QWidget | None = None, *,
                 antialias: bool = False) -> None:
        super().__init__(parent)
        self.setObjectName("robot3d")
        arm = model if isinstance(model, Arm) else Arm(get_model(model) if isinstance(model, str) else model)
        self.scene = Scene(arm)
        self.camera = Camera()
        self.antialias = antialias
        self.cell = None
        self._tool_kind = "none"
        self._lines: dict[str, np.ndarray] = {}
        self._interrupted: frozenset[str] = frozenset()
        r = arm.model.reach
        self._fit_points = np.array([(x, y, z) for x in (-r, r) for y in (-r, r) for z in (0.0, r + arm.model.d1)])
        self.user_frame: tuple[str, np.ndarray] | None = None
        self.points: dict[str, np.ndarray] = {}
        self.path = np.zeros((0, 3))
        self.path_t: np.ndarray | None = None
        self.path_done = 0  # samples of ``path`` already executed (drawn stronger)
        self.alarms: list[tuple[np.ndarray, str]] = []
        self.show_triads = True
        self.sync_marks: tuple[tuple[float, ...], float] | None = None  # (marks °, tolerance °): rev counters
        self.reference = np.zeros((0, 3))  # a contour to follow (glue path), drawn dashed under the path
        self.keep_fitted = False  # after Fit: a resize fits again, until the trainee turns, moves or zooms
        self._brushes: list[QBrush] = []
        self._poly, self._poly_view = overlay.polygon_buffer(4096)
        self._static_cache: tuple | None = None
        self._fences: FaceLayer | None = None
        self._drag: tuple[Qt.MouseButton, QPointF, bool] | None = None
        self._font = QFont(self.font())
        self._font.setPointSizeF(max(8.0, self._font.pointSizeF() - 1))
        self.last_draw: DrawList | None = None
        self._make_brushes()
        self._build_toolbar()
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(320, 240)
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        on_language_changed(self, self._retranslate)

    # ------------------------------------------------------------------ content
    def set_cell(self, cell, interrupted: frozenset[str] | set[str] = frozenset()) -> None:
        """The cell's solids, zones and curtains (``simulators.robot.arm.cell.Cell``); the base pose comes with it,
        and its arm model replaces the view's if they differ."""
        self.cell = cell
        self._interrupted = frozenset(interrupted)
        if cell.arm_model != self.scene.arm.model.key:
            old = self.scene
            self.scene = Scene(Arm(get_model(cell.arm_model)))
            self.scene.set_tool(old.tcp, self._tool_kind)
            self.scene.set_joints(old.q)
            self._make_brushes()
        self.scene.base = np.asarray(cell.base, dtype=float)
        self.scene.set_joints(self.scene.q)
        self.scene.set_static(cell_meshes(cell, self._interrupted, fences=False))
        self._fences = FaceLayer(fence_mesh(cell), self.scene.materials)
        self._lines = cell_lines(cell)
        self._fit_points = cell_points(cell, self.scene.base, self.scene.arm.model.reach)
        self._static_cache = None
        if self.keep_fitted:
            self.camera.fit_points(self._fit_points, max(self.width(), 1), max(self.height(), 1))
        self.update()

    def set_interrupted(self, curtains: set[str] | frozenset[str]) -> None:
        """Draw these light curtains as interrupted (red)."""
        if self.cell is not None and frozenset(curtains) != self._interrupted:
            self.set_cell(self.cell, curtains)

    def set_tool(self, tcp: np.ndarray, kind: str = "pointer", name: str = "") -> None:
        """The tool on the flange: ``kind`` gripper, glue, pointer or none (guessed from ``name`` if given)."""
        self._tool_kind = tool_kind(name) if name else kind
        self.scene.set_tool(tcp, self._tool_kind)
        self.update()

    def set_joints(self, q) -> None:
        """Joints in radians; only the arm's transforms change."""
        self.scene.set_joints(q)
        self.update()

    def set_user_frame(self, name: str | None, matrix: np.ndarray | None = None) -> None:
        self.user_frame = None if name is None or matrix is None else (name, np.asarray(matrix, dtype=float))
        self.update()

    def set_reference(self, points: np.ndarray | None, max_points: int = 600) -> None:
        """The contour the task asks the TCP to follow (n, 3 world), or none; thinned for drawing."""
        ref = np.zeros((0, 3)) if points is None else np.asarray(points, dtype=float).reshape(-1, 3)
        if len(ref) > max_points:
            ref = ref[np.linspace(0, len(ref) - 1, max_points).round().astype(int)]
        self.reference = ref
        self.update()

    def set_sync_marks(self, marks_deg=None, tolerance_deg: float = 0.5) -> None:
        """Draw each joint's revolution-counter sync marks (degrees, one per axis), or none."""
        self.sync_marks = None if marks_deg is None else (tuple(float(m) for m in marks_deg), float(tolerance_deg))
        self.update()

    def set_points(self, points: dict[str, np.ndarray]) -> None:
        """Taught points by name: world positions (3,) or poses (4×4)."""
        self.points = dict(points)
        self.update()

    def set_path(self, tcp: np.ndarray | None, times: np.ndarray | None = None, max_points: int = 2000) -> None:
        """The programmed path: a trajectory's TCP positions (n, 3) and, optionally, their times (n,) so alarms
        can be marked by time; thinned to ``max_points`` for drawing."""
        path = np.zeros((0, 3)) if tcp is None else np.asarray(tcp, dtype=float).reshape(-1, 3)
        t = None if times is None else np.asarray(times, dtype=float).reshape(-1)
        if len(path) > max_points:
            keep = np.linspace(0, len(path) - 1, max_points).round().astype(int)
            path = path[keep]
            t = None if t is None else t[keep]
        self.path, self.path_t, self.path_done = path, t, 0
        self.update()

    def set_trajectory(self, trajectory) -> None:
        """A planned ``Trajectory`` (``simulators.robot.arm.motion``): its TCP path with the sample times."""
        self.set_path(trajectory.tcp, trajectory.t)

    def set_progress(self, time: float) -> None:
        """The path up to ``time`` (s) is drawn as executed (needs the path's times)."""
        if self.path_t is not None:
            self.path_done = int(np.searchsorted(self.path_t, time, side="right"))
            self.update()

    def mark_alarms(self, alarms: list[tuple[float, str]]) -> None:
        """Alarms known by their time (s) and text, marked where the TCP was then on the current path."""
        if self.path_t is None or not alarms:
            self.set_alarms([])
            return
        where = positions_at(self.path_t, self.path, [a[0] for a in alarms])
        self.set_alarms([(p, text) for p, (_, text) in zip(where, alarms, strict=True)])

    def set_alarms(self, alarms: list[tuple[np.ndarray, str]]) -> None:
        """Alarm marks: (world position, text already in the user's language)."""
        self.alarms = [(np.asarray(p, dtype=float), str(t)) for p, t in alarms]
        self.update()

    @property
    def triangles(self) -> int:
        """Triangles built for arm, tool and cell (fences included), before culling: the budget is ~3,000."""
        fences = 0 if self._fences is None else self._fences.mesh.triangles
        return self.scene.triangles + fences

    # ------------------------------------------------------------------ camera
    def set_preset(self, name: str) -> None:
        self.camera.preset(name)
        self._camera_moved()

    def fit_to_cell(self) -> None:
        """Frame the cell, and keep it framed when the view is resized (a lab fits before its layout has
        given the view its size) until the camera is moved by hand."""
        self.keep_fitted = True
        self.camera.fit_points(self._fit_points, max(self.width(), 1), max(self.height(), 1))
        self._camera_moved()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.keep_fitted:
            self.camera.fit_points(self._fit_points, max(self.width(), 1), max(self.height(), 1))
            self.cameraChanged.emit()

    def close_up(self) -> None:
        """Aim at the tool's tip from close by (touching a pin, a target): the cell is framed again with Home."""
        self.keep_fitted = False
        self.camera.target = self.scene.tcp_world()[:3, 3].copy()
        self.camera.distance = CLOSE_UP_MM
        self._camera_moved()

    def mouseDoubleClickEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.close_up()
            event.accept()
            return
        super().mouseDoubleClickEvent(event)

    def _camera_moved(self) -> None:
        self.cameraChanged.emit()
        self.update()

    # ------------------------------------------------------------------ toolbar
    def _build_toolbar(self) -> None:
        bar = self._toolbar = QWidget(self, objectName="robot3d_toolbar")
        bar.setAttribute(Qt.WidgetAttribute.WA_StyledBackground)
        bar.setStyleSheet("#robot3d_toolbar { background: rgba(255, 255, 255, 170); border-radius: 4px; }")
        row = QHBoxLayout(bar)
        row.setContentsMargins(4, 4, 4, 4)
        row.setSpacing(2)
        self.buttons: dict[str, QToolButton] = {}
        for name, key in (*PRESET_KEYS, ("fit", "Home")):
            b = QToolButton(bar, objectName=f"robot3d_{name}")
            b.setAutoRaise(True)
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            b.clicked.connect(self.fit_to_cell if name == "fit" else (lambda _=False, n=name: self.set_preset(n)))
            row.addWidget(b)
            self.buttons[name] = b
            sc = QShortcut(QKeySequence(key), self, context=Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(b.click)
        smooth = QToolButton(bar, objectName="robot3d_smooth")
        smooth.setAutoRaise(True)
        smooth.setCheckable(True)
        smooth.setChecked(self.antialias)
        smooth.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        smooth.toggled.connect(self._set_antialias)
        row.addWidget(smooth)
        self.buttons["smooth"] = smooth
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(bar, 0, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        outer.addStretch(1)

    def _set_antialias(self, on: bool) -> None:
        self.antialias = bool(on)
        self.update()

    def _retranslate(self) -> None:
        labels = {"top": pgettext("robot view", "Top"), "front": pgettext("robot view", "Front"),
                  "side": pgettext("robot view", "Side"), "iso": pgettext("robot view", "Iso"),
                  "fit": pgettext("robot view", "Fit"), "smooth": pgettext("robot view", "Smooth")}
        tips = {
            "top": _("Top view (T)"), "front": _("Front view (F)"), "side": _("Side view (S)"),
            "iso": _("Isometric view (I)"), "fit": _("Fit the cell in the view (Home)"),
            "smooth": _("Smooth edges (antialiasing; slower)"),
        }
        for name, b in self.buttons.items():
            b.setText(labels[name])
            b.setToolTip(tips[name])
        self._toolbar.adjustSize()  # the labels' widths change with the language
        self.setToolTip(_("Left drag or arrow keys: turn the view. Middle drag or Shift + drag: move it. "
                          "Wheel or + and −: zoom.") + " " + _("Double-click: close-up of the tool (Home: the cell)."))
        self.setAccessibleName(_("3D view of the robot cell"))
        self._frame_names = {"world": pgettext("robot view", "World"), "base": pgettext("robot view", "Base"),
                             "tool": pgettext("robot view", "Tool")}
        self.update()

    # ------------------------------------------------------------------ mouse
    def mousePressEvent(self, event) -> None:
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if event.button() in (Qt.MouseButton.LeftButton, Qt.MouseButton.MiddleButton):
            pan = event.button() == Qt.MouseButton.MiddleButton or shift
            self._drag = (event.button(), event.position(), pan)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event) -> None:
        if self._drag is None:
            return super().mouseMoveEvent(event)
        button, last, pan = self._drag
        pos = event.position()
        dx, dy = pos.x() - last.x(), pos.y() - last.y()
        self.keep_fitted = False
        if pan:
            self.camera.pan(dx, dy, max(self.height(), 1))
        else:
            self.camera.orbit(-dx * ORBIT_DEG_PER_PX, dy * ORBIT_DEG_PER_PX)
        self._drag = (button, pos, pan)
        self._camera_moved()

    def mouseReleaseEvent(self, event) -> None:
        self._drag = None
        super().mouseReleaseEvent(event)

    def wheelEvent(self, event) -> None:
        steps = event.angleDelta().y() / 120.0
        if steps:
            self.keep_fitted = False
            self.camera.zoom(steps)
            self._camera_moved()
        event.accept()

    def keyPressEvent(self, event) -> None:
        """Arrow keys turn the view (15° a press), + and − zoom: the view works without a mouse too."""
        key = event.key()
        turns = {Qt.Key.Key_Left: (KEY_ORBIT_DEG, 0.0), Qt.Key.Key_Right: (-KEY_ORBIT_DEG, 0.0),
                 Qt.Key.Key_Up: (0.0, KEY_ORBIT_DEG), Qt.Key.Key_Down: (0.0, -KEY_ORBIT_DEG)}
        if key in turns:
            self.camera.orbit(*turns[key])
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.camera.zoom(1)
        elif key == Qt.Key.Key_Minus:
            self.camera.zoom(-1)
        else:
            super().keyPressEvent(event)
            return
        self.keep_fitted = False
        event.accept()
        self._camera_moved()

    # ------------------------------------------------------------------ painting
    def _make_brushes(self) -> None:
        self._brushes = [QBrush(QColor(*shaded(m, lv))) for m in self.scene.materials for lv in range(LEVELS)]

    def _background(self, w: int, h: int):
        """What does not move while jogging, drawn once per camera and size: the fill, the floor with its grid
        and the fence panels (see-through mesh, so they sit behind everything: a fence between the eye and the
        arm does not hide it), plus the cell's lines projected for drawing over the solids."""
        dpr = self.devicePixelRatioF()
        key = (self.camera.state(), w, h, dpr, id(self.cell), self._interrupted, self.antialias)
        if self._static_cache is None or self._static_cache[0] != key:
            pixmap = QPixmap(max(1, round(w * dpr)), max(1, round(h * dpr)))
            pixmap.setDevicePixelRatio(dpr)
            pixmap.fill(BACKGROUND)
            p = QPainter(pixmap)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
            pts = self._fit_points
            centre = (pts.min(0) + pts.max(0)) / 2.0
            half = max(float(np.abs(pts[:, :2] - centre[:2]).max()) + 500.0, 1000.0)
            floor_poly, grid = overlay.floor(self.camera, centre, half, w, h)
            if floor_poly is not None:
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(FLOOR)
                p.drawConvexPolygon(floor_poly)
            overlay.draw_lines(p, grid, "grid")
            if self._fences is not None and len(self._fences.mesh.faces):
                self._fill(p, self._fences.draw_list(self.camera, w, h))
            lines = {k: overlay.project_segments(self.camera, v, w, h) for k, v in self._lines.items()}
            overlay.draw_lines(p, lines.pop("fence", []), "fence")
            p.end()
            self._static_cache = (key, pixmap, lines)
        return self._static_cache[1:]

    def paintEvent(self, event) -> None:
        w, h = self.width(), self.height()
        background, lines = self._background(w, h)
        p = QPainter(self)
        p.drawPixmap(0, 0, background)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, self.antialias)
        self._draw_solids(p, w, h)
        overlay.draw_lines(p, lines.get("keep_in", []), "keep_in")
        overlay.draw_lines(p, lines.get("keep_out", []), "keep_out")
        overlay.draw_lines(p, lines.get("curtain", []), "curtain")
        overlay.draw_lines(p, lines.get("beams", []), "beams_on" if self._interrupted else "beams")
        overlay.reset_labels()
        if len(self.reference) > 1:
            segs = np.stack([self.reference[:-1], self.reference[1:]], axis=1)
            overlay.draw_lines(p, overlay.project_segments(self.camera, segs, w, h), "reference")
        overlay.draw_path(p, self.camera, self.path, w, h)
        if self.path_done > 1:
            overlay.draw_path(p, self.camera, self.path[: self.path_done], w, h, overlay.DONE_COLOUR, 3.5)
        if self.sync_marks is not None:
            self._draw_sync_marks(p, w, h)
        if self.show_triads:
            self._draw_triads(p, w, h)
        overlay.draw_points(p, self.camera, self.points, w, h, self._font)
        overlay.draw_alarms(p, self.camera, self.alarms, w, h, self._font)
        p.end()

    def _draw_solids(self, p: QPainter, w: int, h: int) -> None:
        dl = self.scene.draw_list(self.camera, w, h)
        self.last_draw = dl
        self._fill(p, dl)

    def _fill(self, p: QPainter, dl: DrawList) -> None:
        """Fill the draw list's polygons in order: one copy into the shared QPolygonF, one call per face."""
        n = len(dl)
        if n == 0:
            return
        k = dl.points.shape[1]
        if n * k > len(self._poly_view):
            self._poly, self._poly_view = overlay.polygon_buffer(2 * n * k)
        self._poly_view[: n * k] = dl.points.reshape(-1, 2)
        p.setPen(Qt.PenStyle.NoPen)
        brushes, mid, draw, set_brush = self._brushes, self._poly.mid, p.drawConvexPolygon, p.setBrush
        last = -1
        start = 0
        for b, c in zip(dl.brush.tolist(), dl.counts.tolist(), strict=True):
            if b != last:
                set_brush(brushes[b])
                last = b
            draw(mid(start, c))
            start += k

    def _draw_sync_marks(self, p: QPainter, w: int, h: int) -> None:
        marks, tolerance = self.sync_marks
        arm = self.scene.arm
        aligned, off = sync_mark_segments(self.scene.frames(), self.scene.q, arm.model.signs, marks, tolerance,
                                          arm.model)
        for segs, colour in ((off, SYNC_OFF), (aligned, SYNC_ON)):
            pen = QPen(colour, 3.0)
            pen.setCosmetic(True)
            p.setPen(pen)
            p.drawLines(overlay.project_segments(self.camera, segs, w, h))

    def _draw_triads(self, p: QPainter, w: int, h: int) -> None:
        size = 0.35 * link_width(self.scene.arm.model) + 80.0
        names = self._frame_names
        overlay.draw_triad(p, self.camera, np.eye(4), 2 * size, names["world"], w, h, self._font)
        if not np.allclose(self.scene.base, np.eye(4)):
            overlay.draw_triad(p, self.camera, self.scene.base, 1.5 * size, names["base"], w, h, self._font)
        overlay.draw_triad(p, self.camera, self.scene.tcp_world(), size, names["tool"], w, h, self._font)
        if self.user_frame is not None:
            overlay.draw_triad(p, self.camera, self.user_frame[1], 1.5 * size, self.user_frame[0], w, h, self._font)

    def sizeHint(self) -> QSize:
        return QSize(800, 600)

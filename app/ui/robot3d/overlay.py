"""What the 3D view draws over or under the shaded solids: floor, zone wireframes, curtain beams, frame triads,
taught points, the programmed path and alarm marks. Lines are projected with the same camera and drawn in one
call per style; they are not depth-sorted with the solids (a path or a triad stays visible through the arm,
as in the robot makers' offline tools)."""

from __future__ import annotations

import numpy as np
import shiboken6
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPen, QPolygonF, QStaticText

from app.ui.robot3d.camera import NEAR, Camera

AXIS_COLOURS = (QColor(220, 40, 40), QColor(30, 160, 60), QColor(40, 90, 220))  # X red, Y green, Z blue
PATH_COLOUR = QColor(190, 30, 190)
DONE_COLOUR = QColor(110, 0, 120)
POINT_COLOUR = QColor(20, 20, 120)
ALARM_COLOUR = QColor(210, 20, 20)
HALO = QColor(255, 255, 255, 150)
LABEL_COLOUR = QColor(25, 25, 25)
LINE_STYLES = {
    "grid": (QColor(150, 156, 165), 1.0, Qt.PenStyle.SolidLine),
    "fence": (QColor(170, 140, 20), 1.0, Qt.PenStyle.SolidLine),
    "keep_in": (QColor(20, 150, 60), 1.5, Qt.PenStyle.DashLine),
    "keep_out": (QColor(200, 30, 30), 1.5, Qt.PenStyle.SolidLine),
    "curtain": (QColor(210, 130, 10), 1.2, Qt.PenStyle.DashLine),
    "beams": (QColor(235, 150, 20), 1.0, Qt.PenStyle.SolidLine),
    "beams_on": (QColor(230, 30, 30), 1.5, Qt.PenStyle.SolidLine),
    "reference": (QColor(0, 150, 170), 2.0, Qt.PenStyle.DashLine),  # a contour the task asks to follow
}


def polygon_buffer(n: int) -> tuple[QPolygonF, np.ndarray]:
    """A QPolygonF of ``n`` points and a numpy (n, 2) view of its memory: filling it costs one array copy."""
    poly = QPolygonF()
    poly.resize(max(n, 1))
    view = np.frombuffer(shiboken6.VoidPtr(poly.data(), max(n, 1) * 16, True), dtype=np.float64).reshape(-1, 2)
    return poly, view


def project_segments(camera: Camera, segs: np.ndarray, w: int, h: int) -> list[QLineF]:
    """Segments (n, 2, 3) → screen lines, dropping those that reach behind the eye."""
    if len(segs) == 0:
        return []
    xy, depth = camera.project(segs.reshape(-1, 3), w, h)
    ok = (depth.reshape(-1, 2) > NEAR).all(1)
    pts = xy.reshape(-1, 4)[ok].tolist()
    return [QLineF(a, b, c, d) for a, b, c, d in pts]


_STATIC_TEXT: dict[tuple[str, str], QStaticText] = {}
_TAKEN: list[QRectF] = []  # the plates drawn in this frame: a label moves down off them (frames meet at a base)


def reset_labels() -> None:
    """A new frame: no label plate drawn yet."""
    _TAKEN.clear()


def label(p: QPainter, x: float, y: float, text: str, colour: QColor, avoid: bool = True) -> None:
    """Text (baseline at ``y``) on a light translucent plate, readable on dark solids and on the floor alike.
    Laid out once per text and font (``QStaticText``): a frame draws the same labels again."""
    room = p.window()  # the view: a label is kept inside it (a long alarm ran off the right edge)
    fm = p.fontMetrics()
    if fm.horizontalAdvance(text) > room.width() - 8:
        text = fm.elidedText(text, Qt.TextElideMode.ElideRight, max(40, room.width() - 8))
    key = (text, p.font().key())
    st = _STATIC_TEXT.get(key)
    if st is None:
        if len(_STATIC_TEXT) > 512:
            _STATIC_TEXT.clear()
        st = _STATIC_TEXT[key] = QStaticText(text)
        st.prepare(font=p.font())
    size = st.size()
    ascent = p.fontMetrics().ascent()
    top = y - ascent
    plate = QRectF(x - 2, top - 1, size.width() + 4, size.height() + 2)
    if plate.right() > room.right() - 2:  # pulled back in, below its anchor so it does not cover the mark
        plate.moveRight(room.right() - 2)
        plate.moveTop(plate.top() + fm.height())
    if plate.left() < room.left() + 2:
        plate.moveLeft(room.left() + 2)
    for _try in range(6 if avoid else 0):  # slide down past the plates it would cover (World, Base, a frame)
        hit = next((r for r in _TAKEN if r.intersects(plate)), None)
        if hit is None:
            break
        plate.moveTop(hit.bottom() + 1)
    top = plate.top() + 1
    _TAKEN.append(plate)
    p.fillRect(plate, HALO)
    p.setPen(colour)
    p.drawStaticText(QPointF(plate.left() + 2, top), st)


def draw_lines(p: QPainter, lines: list[QLineF], style: str) -> None:
    if not lines:
        return
    colour, width, dash = LINE_STYLES[style]
    pen = QPen(colour, width, dash)
    pen.setCosmetic(True)
    p.setPen(pen)
    p.drawLines(lines)


def floor(camera: Camera, centre: np.ndarray, half: float, w: int, h: int) -> tuple[QPolygonF | None, list[QLineF]]:
    """The floor square (when seen from above) and its 500 mm grid."""
    step = 500.0
    n = int(np.ceil(half / step))
    cx, cy = np.round(centre[:2] / step) * step
    ticks = np.arange(-n, n + 1) * step
    segs = [[(cx + t, cy - n * step, 0.0), (cx + t, cy + n * step, 0.0)] for t in ticks]
    segs += [[(cx - n * step, cy + t, 0.0), (cx + n * step, cy + t, 0.0)] for t in ticks]
    lines = project_segments(camera, np.asarray(segs, dtype=float), w, h)
    if camera.eye()[2] <= 0:
        return None, lines
    corners = np.array([(cx - n * step, cy - n * step, 0), (cx + n * step, cy - n * step, 0),
                        (cx + n * step, cy + n * step, 0), (cx - n * step, cy + n * step, 0)], dtype=float)
    xy, depth = camera.project(corners, w, h)
    if (depth <= NEAR).any():
        return None, lines
    return QPolygonF([QPointF(x, y) for x, y in xy.tolist()]), lines


def draw_triad(p: QPainter, camera: Camera, pose: np.ndarray, length: float, name: str, w: int, h: int,
               font: QFont) -> None:
    """X/Y/Z axes of a frame in red/green/blue with their letters, and the frame's name at its origin."""
    o = pose[:3, 3]
    pts = np.vstack([o, o + length * pose[:3, 0], o + length * pose[:3, 1], o + length * pose[:3, 2]])
    xy, depth = camera.project(pts, w, h)
    if (depth <= NEAR).any():
        return
    p.setFont(font)
    for i, colour in enumerate(AXIS_COLOURS):
        pen = QPen(colour, 2.5)
        pen.setCosmetic(True)
        p.setPen(pen)
        p.drawLine(QPointF(*xy[0]), QPointF(*xy[i + 1]))
        p.drawText(QPointF(xy[i + 1][0] + 3, xy[i + 1][1] - 3), "XYZ"[i])
    if name:
        label(p, xy[0][0] + 4, xy[0][1] + 14, name, LABEL_COLOUR)


def draw_path(p: QPainter, camera: Camera, path: np.ndarray, w: int, h: int, colour: QColor = PATH_COLOUR,
              width: float = 2.0) -> None:
    """A 3D polyline, broken where it passes behind the eye or has NaN gaps."""
    if len(path) < 2:
        return
    xy, depth = camera.project(np.nan_to_num(path, nan=0.0), w, h)
    good = (depth > NEAR) & np.isfinite(path).all(1)
    pen = QPen(colour, width)
    pen.setCosmetic(True)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)
    breaks = np.flatnonzero(~good)
    start = 0
    for end in [*breaks.tolist(), len(path)]:
        if end - start >= 2:
            poly, view = polygon_buffer(end - start)
            view[:] = xy[start:end]
            p.drawPolyline(poly)
        start = end + 1


def draw_points(p: QPainter, camera: Camera, points: dict[str, np.ndarray], w: int, h: int, font: QFont) -> None:
    """Taught points: a diamond and the point's name."""
    if not points:
        return
    names = list(points)
    xyz = np.array([np.asarray(points[n], dtype=float)[:3, 3] if np.ndim(points[n]) == 2 else points[n][:3]
                    for n in names], dtype=float)
    xy, depth = camera.project(xyz, w, h)
    p.setFont(font)
    pen = QPen(QColor(255, 255, 255), 1.0)
    for name, (x, y), d in zip(names, xy.tolist(), depth.tolist(), strict=True):
        if d <= NEAR:
            continue
        p.setPen(pen)
        p.setBrush(QBrush(POINT_COLOUR))
        p.drawPolygon(QPolygonF([QPointF(x, y - 6), QPointF(x + 6, y), QPointF(x, y + 6), QPointF(x - 6, y)]))
        label(p, x + 8, y - 6, name, POINT_COLOUR)


def draw_alarms(p: QPainter, camera: Camera, alarms: list[tuple[np.ndarray, str]], w: int, h: int,
                font: QFont) -> None:
    """Where alarms happened: a red ring with a cross and the alarm's text."""
    if not alarms:
        return
    xy, depth = camera.project(np.array([a[0] for a in alarms], dtype=float).reshape(-1, 3), w, h)
    p.setFont(font)
    pen = QPen(ALARM_COLOUR, 2.5)
    pen.setCosmetic(True)
    for (x, y), d, (_, text) in zip(xy.tolist(), depth.tolist(), alarms, strict=True):
        if d <= NEAR:
            continue
        p.setPen(pen)
        p.setBrush(QBrush(QColor(255, 255, 255, 170)))
        p.drawEllipse(QRectF(x - 9, y - 9, 18, 18))
        p.drawLine(QPointF(x - 5, y - 5), QPointF(x + 5, y + 5))
        p.drawLine(QPointF(x - 5, y + 5), QPointF(x + 5, y - 5))
        if text:
            label(p, x + 12, y + 4, text, ALARM_COLOUR, avoid=False)  # on top, where it happened

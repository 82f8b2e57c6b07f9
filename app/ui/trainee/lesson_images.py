"""Lesson SVG diagrams drawn sharp at the reader's zoom and the screen's pixel density.

QTextBrowser rasterises an ``<img>`` SVG once at its intrinsic size and then scales that
bitmap: small labels blur, and A+/A− enlarge the text but not the diagrams. Here each
inlined SVG (``data:image/svg+xml`` from ``app.courses.render``) is drawn with QSvgRenderer
straight to a pixmap of (width × zoom × device pixel ratio), registered as a document
resource, and the ``<img>`` gets that logical size.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from PySide6.QtCore import QByteArray, QRectF, Qt, QUrl
from PySide6.QtGui import QPainter, QPixmap, QTextDocument
from PySide6.QtSvg import QSvgRenderer

_SVG_IMG = re.compile(r'<img\b([^>]*?)\bsrc="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"([^>]*)>', re.S)
_SIZE_ATTR = re.compile(r'\s(?:width|height)="[^"]*"')
_WIDTH_ATTR = re.compile(r'\bwidth="([\d.]+)"')
RESOURCE_SCHEME = "lesson-svg"


def sharp_svgs(html: str, document: QTextDocument, zoom: float, dpr: float, max_width: float | None = None) -> str:
    """``html`` with every inlined SVG replaced by a pixmap resource of ``document`` drawn at ``zoom``
    (1.0 = the lesson's own size) for a screen of ``dpr`` device pixels per pixel; ``max_width``
    (logical px) keeps a zoomed diagram inside the reader."""

    def draw(match: re.Match) -> str:
        before, data, after = match.group(1), match.group(2), match.group(3)
        try:
            svg = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            return match.group(0)
        renderer = QSvgRenderer(QByteArray(svg))
        natural = renderer.defaultSize()
        if not renderer.isValid() or natural.width() <= 0 or natural.height() <= 0:
            return match.group(0)
        attrs = before + after
        given = _WIDTH_ATTR.search(attrs)
        width = (float(given.group(1)) if given else float(natural.width())) * zoom
        if max_width and width > max_width:
            width = max_width
        height = width * natural.height() / natural.width()
        pixmap = QPixmap(max(1, round(width * dpr)), max(1, round(height * dpr)))
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing
                               | QPainter.RenderHint.SmoothPixmapTransform)
        renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
        painter.end()
        pixmap.setDevicePixelRatio(dpr)
        digest = hashlib.sha1(svg).hexdigest()[:16]
        name = QUrl(f"{RESOURCE_SCHEME}:{digest}-{pixmap.width()}x{pixmap.height()}")
        document.addResource(QTextDocument.ResourceType.ImageResource, name, pixmap)
        attrs = _SIZE_ATTR.sub("", attrs).rstrip().rstrip("/").rstrip()
        return f'<img{attrs} src="{name.toString()}" width="{round(width)}" height="{round(height)}" />'

    return _SVG_IMG.sub(draw, html)

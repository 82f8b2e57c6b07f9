"""Runtime hook: the bundle leaves out Qt's OpenGL Python bindings (QtOpenGL + QtOpenGLWidgets, 9 MB).

pyqtgraph imports ``PySide6.QtOpenGL`` and ``PySide6.QtOpenGLWidgets`` by name when its curve
module loads (it defines an OpenGL curve renderer and a GL widget class), but uses them only
when OpenGL rendering is switched on (``useOpenGL``), which the app never does: the lab plots
are raster-painted, the robot cell is drawn with QPainter. These stand-ins make those imports
succeed; anything that would really use OpenGL fails loudly, naming the cause.
"""

import sys
import types

_WHY = "Qt's OpenGL bindings are not part of this bundle"


class _QtOpenGL(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        raise ImportError(f"PySide6.QtOpenGL.{name}: {_WHY}")


class _QtOpenGLWidgets(types.ModuleType):
    """``QOpenGLWidget`` can be subclassed (pyqtgraph does, at import) but not created."""

    def __getattr__(self, name: str):
        if name != "QOpenGLWidget":
            if name.startswith("__"):
                raise AttributeError(name)
            raise ImportError(f"PySide6.QtOpenGLWidgets.{name}: {_WHY}")
        from PySide6.QtWidgets import QWidget  # loaded by now: pyqtgraph asks after importing QtWidgets

        class QOpenGLWidget(QWidget):
            def __init__(self, *args, **kwargs):
                raise ImportError(f"QOpenGLWidget: {_WHY}")

        self.QOpenGLWidget = QOpenGLWidget
        return QOpenGLWidget


sys.modules.setdefault("PySide6.QtOpenGL", _QtOpenGL("PySide6.QtOpenGL"))
sys.modules.setdefault("PySide6.QtOpenGLWidgets", _QtOpenGLWidgets("PySide6.QtOpenGLWidgets"))

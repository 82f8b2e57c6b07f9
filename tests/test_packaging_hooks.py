"""The bundle's runtime hook that stands in for Qt's OpenGL bindings (packaging/pyi_hooks/rthook_no_opengl.py).

The bundle leaves those bindings out; pyqtgraph must still import and draw, and anything that
would really use OpenGL must fail with a message naming the cause. Run in a fresh interpreter
so the stand-ins are in place before pyqtgraph loads (as in the bundle).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

HOOK = Path(__file__).resolve().parents[1] / "packaging" / "pyi_hooks" / "rthook_no_opengl.py"

SCRIPT = textwrap.dedent("""
    import runpy, sys
    runpy.run_path(sys.argv[1])
    from PySide6.QtWidgets import QApplication
    app = QApplication([])
    import numpy as np
    import pyqtgraph as pg
    w = pg.PlotWidget()
    w.plot(np.arange(200.0), np.sin(np.arange(200.0) / 10), pen="r")
    w.resize(320, 200)
    img = w.grab().toImage()
    red = sum(1 for x in range(0, 320, 2) for y in range(0, 200, 2) if img.pixelColor(x, y).red() > 200
              and img.pixelColor(x, y).green() < 80)
    print("red pixels", red)
    for what in ("import PySide6.QtOpenGL as m; m.QOpenGLBuffer",
                 "from PySide6.QtOpenGLWidgets import QOpenGLWidget; QOpenGLWidget()"):
        try:
            exec(what)
            print("not refused:", what)
        except ImportError as exc:
            print("refused:", exc)
""")


def test_plots_draw_without_opengl_bindings_and_opengl_use_is_refused():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(HOOK)], capture_output=True, text=True,
                         env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    red = int(out.stdout.split("red pixels", 1)[1].split()[0])
    assert red > 20  # the curve was drawn
    assert out.stdout.count("refused: ") == 2 and "not refused" not in out.stdout
    assert "not part of this bundle" in out.stdout

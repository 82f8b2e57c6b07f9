"""Startup: `zhizao --self-test` to the first painted main window vs a bare PySide6 window.

Both are timed the same way: from process launch to the line the process
prints when its window has painted (interpreter start included).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

from tests.benchmarks._report import report

BARE = textwrap.dedent("""
    import sys
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    app = QApplication(sys.argv[:1])
    win = QMainWindow(); win.setCentralWidget(QLabel("hello")); win.resize(1280, 760)
    class Spy(QObject):
        def eventFilter(self, obj, ev):
            if ev.type() == QEvent.Type.Paint:
                print("painted", flush=True); app.quit()
            return False
    spy = Spy(); win.installEventFilter(spy); win.show(); app.exec()
""")


def _time_to_line(cmd: list[str], marker: str, env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    elapsed = None
    assert proc.stdout is not None
    for line in proc.stdout:
        if marker in line and elapsed is None:
            elapsed = (time.perf_counter() - t0) * 1000
    proc.wait(timeout=120)
    assert elapsed is not None, f"{cmd} never printed {marker!r}"
    return elapsed


def test_startup_ratio():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BARE)
    ours, floor = [], []
    for _ in range(5):
        floor.append(_time_to_line([sys.executable, f.name], "painted", env))
        ours.append(_time_to_line([sys.executable, "-m", "app", "--self-test"], "main window painted", env))
    os.unlink(f.name)
    ratio = report("startup (self-test to first paint)", statistics.median(ours), statistics.median(floor),
                   note="goal ratio <= 2.0")
    assert ratio > 0

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


def _time_to_lines(cmd: list[str], markers: list[str], env: dict) -> list[float]:
    """Milliseconds from launch until each marker line was printed."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    seen: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        for marker in markers:
            if marker in line and marker not in seen:
                seen[marker] = (time.perf_counter() - t0) * 1000
    proc.wait(timeout=120)
    assert set(seen) == set(markers), f"{cmd} printed only {sorted(seen)}"
    return [seen[m] for m in markers]


def test_startup_ratio():
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        f.write(BARE)
    ours, ready, floor = [], [], []
    for _ in range(5):
        floor.extend(_time_to_lines([sys.executable, f.name], ["painted"], env))
        paint_ms, ready_ms = _time_to_lines([sys.executable, "-m", "app", "--self-test"],
                                            ["main window painted", "set-up screen ready"], env)
        ours.append(paint_ms)
        ready.append(ready_ms)
    os.unlink(f.name)
    ratio = report("startup (self-test to first paint)", statistics.median(ours), statistics.median(floor),
                   note="goal ratio <= 2.0")
    report("startup to a usable set-up screen (store opened and migrated)", statistics.median(ready),
           statistics.median(floor), note="fresh data dir: includes creating the database")
    assert ratio > 0

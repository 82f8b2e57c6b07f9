"""`zhizao --self-test`: start offscreen in a fresh data dir, check the real parts, exit 0.

Used by the packaging smoke test and the startup benchmark. Prints one line
per check and the time to the first painted main window.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path


def run_self_test(started: float) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory(prefix="zhizao-selftest-") as tmp:
        os.environ["ZHIZAO_DATA_DIR"] = tmp
        try:
            return _run(Path(tmp), started)
        except Exception as exc:  # noqa: BLE001 - the self-test reports, never crashes
            print(f"FAIL self-test: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 1


def _run(data_dir: Path, started: float) -> int:
    from PySide6.QtCore import QEvent, QObject, QTimer

    from app import i18n
    from app.context import AppContext
    from app.ui.application import make_qapp
    from app.ui.main_window import MainWindow

    from app.context import setup_logging

    app = make_qapp()
    setup_logging(data_dir)
    ctx = AppContext.open(data_dir)
    print(f"ok   database created and migrated ({ctx.store.url.split('///')[-1]})")
    win = MainWindow(ctx)
    painted: list[float] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    win.installEventFilter(spy)
    win.show()
    deadline = time.perf_counter() + 20
    while not painted and time.perf_counter() < deadline:
        app.processEvents()
    if not painted:
        print("FAIL main window never painted", file=sys.stderr)
        return 1
    startup_ms = (painted[0] - started) * 1000
    print(f"ok   main window painted: startup {startup_ms:.0f} ms")
    admin = ctx.accounts.create_first_admin("selftest", "自检 Self-test", "selftest-pw")
    win._logged_in(admin)
    app.processEvents()
    print(f"ok   first administrator created and logged in ({len(win.shell.pages)} pages)")

    failures = 0
    for name, check in _extra_checks(ctx):
        try:
            detail = check()
            print(f"ok   {name}: {detail}")
        except Exception as exc:  # noqa: BLE001
            failures += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=sys.stderr)
    i18n.set_locale("zh_CN")
    title = win.windowTitle()
    i18n.set_locale("en")
    if title == win.windowTitle():
        failures += 1
        print("FAIL language switch: the window title did not change", file=sys.stderr)
    else:
        print(f"ok   language switch: {title!r} -> {win.windowTitle()!r}")
    win.close()
    QTimer.singleShot(0, app.quit)
    app.exec()
    ctx.close()
    print(f"STARTUP_MS {startup_ms:.1f}")
    return 1 if failures else 0


def _extra_checks(ctx) -> list[tuple[str, Callable[[], str]]]:
    """Checks of the other parts, added as they land (courses, simulation, certificates)."""
    checks: list[tuple[str, Callable[[], str]]] = []

    def courses() -> str:
        found = ctx.library.courses()
        if not found:
            raise RuntimeError("no bundled course loaded")
        return ", ".join(f"{c.id} {c.version}" for c in found)

    checks.append(("bundled courses", courses))
    return checks

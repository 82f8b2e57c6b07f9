"""`zhizao --self-test`: start offscreen in a fresh data dir, check the real parts, exit 0.

Used by the packaging smoke test (the installed bundle, with no network) and the
startup benchmark. Prints one ``ok   <check>: <what was seen>`` line per check
(``FAIL ...`` on stderr otherwise, ``skip ...`` for an optional part that is not
installed) and the time to the first painted main window. Nothing here is
specific to the bundle: the same checks run from a source checkout.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.selfcheck import (
    Skipped,
    check_certificate,
    check_courses,
    check_dates,
    check_migrations,
    check_modules,
    check_postgres_driver,
    check_processes,
    check_shift,
)
from app.ui.shell.selfcheck_qt import qt_checks


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
    from app.logs import setup_logging
    from app.ui.shell.application import make_qapp
    from app.ui.shell.main_window import MainWindow

    app = make_qapp()
    setup_logging(data_dir)
    opened: list = []

    def open_context():
        from app.context import AppContext

        opened.append(AppContext.open(data_dir))
        return opened[0]

    # As a user starts it: the window paints first, then the store opens (and here, migrates).
    win = MainWindow(open_context=open_context)
    painted: list[float] = []

    class PaintSpy(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint and not painted:
                painted.append(time.perf_counter())
            return False

    spy = PaintSpy()
    win.installEventFilter(spy)
    failure: list[Exception] = []
    win.context_failed.connect(failure.append)
    win.show()
    deadline = time.perf_counter() + 30
    while not painted and not failure and time.perf_counter() < deadline:
        app.processEvents()
    if not painted:
        print("FAIL main window never painted", file=sys.stderr)
        return 1
    startup_ms = (painted[0] - started) * 1000
    print(f"ok   main window painted: startup {startup_ms:.0f} ms", flush=True)
    while win.ctx is None and not failure and time.perf_counter() < deadline:
        app.processEvents()
    if failure:
        raise failure[0]
    if win.ctx is None:
        print("FAIL the store never opened", file=sys.stderr)
        return 1
    ready_ms = (time.perf_counter() - started) * 1000
    ctx = win.ctx
    print(f"ok   database created and migrated ({ctx.store.url.split('///')[-1]})", flush=True)
    print(f"ok   set-up screen ready (store open and migrated): {ready_ms:.0f} ms", flush=True)
    admin = ctx.accounts.create_first_admin("selftest", "自检 Self-test", "selftest-pw")
    win._logged_in(admin)
    app.processEvents()
    pages = [win.shell.page(key) for key in win.shell.page_keys()]  # a login builds only the first: all here
    print(f"ok   first administrator created and logged in ({len(pages)} pages)", flush=True)

    failures = 0
    for name, check in _extra_checks(ctx):
        t0 = time.perf_counter()
        try:
            detail = check()
            print(f"ok   {name}: {detail} [{(time.perf_counter() - t0) * 1000:.0f} ms]", flush=True)
        except Skipped as exc:
            print(f"skip {name}: {exc}", flush=True)
        except Exception as exc:  # noqa: BLE001 - every check reports, none stops the self-test
            failures += 1
            print(f"FAIL {name}: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
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
    print(f"READY_MS {ready_ms:.1f}")
    return 1 if failures else 0


def _extra_checks(ctx: Any) -> list[tuple[str, Callable[[], str]]]:
    """Checks of the other parts, each exercising the real code on the temp data dir."""
    return [
        ("modules", check_modules),
        ("migrations", lambda: check_migrations(ctx)),
        ("bundled courses", lambda: check_courses(ctx)),
        ("course images", _check_images),
        ("simulation shift", check_shift),
        ("worker processes", check_processes),
        ("certificate", lambda: check_certificate(ctx)),
        ("dates in both languages", check_dates),
        ("PostgreSQL driver", check_postgres_driver),
        *qt_checks(ctx),  # after "certificate": printing prints its PDF
    ]


def _check_images() -> str:
    """Course illustrations are SVG: Qt must have its SVG image plugin (and JPEG/GIF) at hand."""
    from PySide6.QtGui import QImage, QImageReader

    from app.paths import courses_dir

    formats = {bytes(f).decode() for f in QImageReader.supportedImageFormats()}
    missing = {"svg", "png", "jpeg", "gif"} - formats
    if missing:
        raise RuntimeError(f"Qt cannot read {', '.join(sorted(missing))} images (plugins missing)")
    root = courses_dir()
    svg = next(p for p in sorted(root.rglob("*.svg")) if not p.relative_to(root).parts[0].startswith((".", "_")))
    image = QImage(str(svg))
    if image.isNull():
        raise RuntimeError(f"{svg}: Qt could not draw it")
    return f"{svg.name} drawn at {image.width()}×{image.height()}; {len(formats)} image formats"

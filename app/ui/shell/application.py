"""Start the GUI: Qt application, fonts, style, error dialog, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication, QMessageBox

from app import i18n
from app.i18n import _
from app.logs import setup_logging
from app.paths import default_data_dir
from app.ui.common import messages
from app.ui.common.fonts import install_fonts

log = logging.getLogger(__name__)


def make_qapp(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Zhizao Academy")
    app.setOrganizationName("Zhizao")
    install_fonts(app)
    style = Path(__file__).resolve().parents[1] / "style.qss"
    if style.exists():
        app.setStyleSheet(style.read_text(encoding="utf-8"))
    return app


def install_excepthook(log_path: Path) -> None:
    """An unhandled error shows a dialog with the message and the log path; the app keeps running."""

    def hook(exc_type, exc, tb) -> None:
        log.error("unhandled exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        box = QMessageBox(QMessageBox.Icon.Critical, _("Something went wrong"),
                          _("{error}\n\nYour saved work is safe. Details are in the log file:\n{path}")
                          .format(error=exc or exc_type.__name__, path=log_path))
        box.setObjectName("errorDialog")
        box.exec()

    sys.excepthook = hook


class _StartupTrace:
    """``ZHIZAO_STARTUP_TRACE=1``: print when the window first paints and when the set-up or
    login screen has painted on an open store (what a user waits for; the startup benchmark);
    ``=quit`` then quits, so the whole process can be timed."""

    def __init__(self, app: QApplication) -> None:
        from PySide6.QtCore import QEvent, QObject

        self._ready = False
        trace = self

        class Spy(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    trace.painted()
                return False

        self._spy = Spy()
        self._stage = "window painted"
        app.installEventFilter(self._spy)

    def painted(self) -> None:
        if self._stage:
            print(f"startup: {self._stage} {time.perf_counter() * 1000:.0f}", flush=True)
            if self._stage == "login screen ready" and os.environ.get("ZHIZAO_STARTUP_TRACE") == "quit":
                QApplication.quit()
            self._stage = ""

    def ready(self) -> None:
        self._stage = "login screen ready"


def run_gui(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    app = make_qapp()
    try:
        log_path = setup_logging(data_dir, getattr(args, "verbose", False))
    except OSError as exc:
        messages.error(None, _("Zhizao Academy"),
                       _("Cannot write to the data folder {path}: {error}").format(path=data_dir, error=exc.strerror))
        return 1
    install_excepthook(log_path)
    from app.ui.shell.main_window import MainWindow

    # Opening the store on a thread while the window paints was measured (issue 20): on a
    # loaded 2-core PC it delayed the first paint by a third (the import holds the GIL)
    # and did not bring the login screen sooner, so the store opens after the first paint.
    def open_context():
        from app.context import AppContext

        return AppContext.open(data_dir, args.db)

    def failed(exc: Exception) -> None:
        log.error("cannot open the store: %s", exc)
        messages.error(win, _("Zhizao Academy"), _("The database cannot be opened: {error}").format(error=exc))
        app.exit(1)

    def ready() -> None:
        if win.ctx.store.readonly:
            messages.warn(win, _("Read-only"),
                          _("The data folder cannot be written (disk full or read-only). "
                          "You can read courses and records, but nothing new will be saved."))

    # The window paints first ("Starting…"); the store opens and migrates right after.
    win = MainWindow(open_context=open_context)
    win.context_failed.connect(failed)
    win.context_ready.connect(ready)
    if os.environ.get("ZHIZAO_STARTUP_TRACE"):
        trace = _StartupTrace(app)
        win.context_ready.connect(trace.ready)
    win.show_fitted()
    code = app.exec()
    if win.ctx is not None:
        win.ctx.close()
    i18n.set_locale(i18n.current_locale())
    return code

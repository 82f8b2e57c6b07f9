"""Start the GUI: Qt application, fonts, style, error dialog, the main window."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
import traceback
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app import i18n
from app.i18n import _
from app.logs import log_file, setup_logging
from app.paths import default_data_dir
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


def install_excepthook(log_path: Path | None) -> None:
    """An unhandled error shows a dialog with the message and the log path; the app keeps running."""

    def hook(exc_type, exc, tb) -> None:
        from PySide6.QtWidgets import QMessageBox

        log.error("unhandled exception:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        if issubclass(exc_type, KeyboardInterrupt):
            QApplication.quit()
            return
        text = (_("{error}\n\nYour saved work is safe. Details are in the log file:\n{path}") if log_path else
                _("{error}\n\nYour saved work is safe."))
        box = QMessageBox(QMessageBox.Icon.Critical, _("Something went wrong"),
                          text.format(error=exc or exc_type.__name__, path=log_path))
        box.setObjectName("errorDialog")
        box.exec()

    sys.excepthook = hook


class _StartupTrace:
    """``ZHIZAO_STARTUP_TRACE=1`` prints, each with the process's CPU seconds so far:

    - ``startup: window painted`` at the window's first paint;
    - ``startup: login screen ready`` at the first paint showing the set-up or login page
      with the keyboard focus in its first field (what a user waits for);
    - ``startup: store ready`` when the store is open and migrated (a login is carried out).

    ``=quit`` quits once all three are printed, so the whole process can be timed."""

    def __init__(self, app: QApplication, win) -> None:
        from PySide6.QtCore import QEvent, QObject

        trace = self
        self._win = win
        self._done: set[str] = set()

        class Spy(QObject):
            def eventFilter(self, obj, event):
                if event.type() == QEvent.Type.Paint:
                    trace.painted()
                return False

        # On the window only, as the bare window's benchmark does: an application-wide Python filter
        # sees every event and would slow the start it measures.
        self._spy = Spy()
        win.installEventFilter(self._spy)
        win.context_ready.connect(lambda: self._say("store ready"))

    def _say(self, stage: str) -> None:
        if stage in self._done:
            return
        self._done.add(stage)
        print(f"startup: {stage} {time.perf_counter() * 1000:.0f} cpu {time.process_time():.3f}", flush=True)
        if len(self._done) == 3 and os.environ.get("ZHIZAO_STARTUP_TRACE") == "quit":
            QApplication.quit()

    def painted(self) -> None:
        self._say("window painted")
        page = self._win.stack.currentWidget()
        if page is not None and page in (self._win.setup_page, self._win.login_page):
            field = page.name if page is self._win.setup_page else page.user
            if self._win.focusWidget() in (field, getattr(field, "lineEdit", lambda: None)()):
                self._say("login screen ready")


def run_gui(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    app = make_qapp()
    verbose = getattr(args, "verbose", False)
    try:
        log_path: Path | None = log_file(data_dir)  # the file handler is attached with the store, after the first paint
    except OSError:
        log_path = None  # a read-only data folder: the store opens read-only and says so (issue 21)
    install_excepthook(log_path)
    from app.context import probe_center
    from app.ui.shell.main_window import MainWindow

    # The set-up/login screen paints from a read-only probe of the database (stdlib sqlite3, no
    # ORM); the store (SQLAlchemy, migrations) opens on a thread started after that first paint,
    # while the user types. Starting it before the paint delayed the paint (the imports hold the
    # GIL, issue 20). When the probe is unsure (PostgreSQL, a damaged or locked file) the window
    # shows "Starting…" and opens the store first, as before.
    def open_context():
        setup_logging(data_dir, verbose)  # before the store says anything worth logging
        from app.context import AppContext

        return AppContext.open(data_dir, args.db)

    # The message module (and the Qt namespace it imports) loads after the first paint.
    def failed(exc: Exception) -> None:
        from app.ui.common import messages

        log.error("cannot open the store: %s", exc)
        messages.error(win, _("Zhizao Academy"), _("The database cannot be opened: {error}").format(error=exc))
        app.exit(1)

    def ready() -> None:
        if win.ctx.store.readonly:
            from app.ui.common import messages

            messages.warn(win, _("Read-only"),
                          _("The data folder cannot be written (disk full or read-only). "
                          "You can read courses and records, but nothing new will be saved."))

    win = MainWindow(open_context=open_context, preview=probe_center(data_dir, args.db))
    win.context_failed.connect(failed)
    win.context_ready.connect(ready)
    if os.environ.get("ZHIZAO_STARTUP_TRACE"):
        trace = _StartupTrace(app, win)  # noqa: F841 - kept alive until exit
    win.show_fitted()
    code = app.exec()
    win.close_store()
    i18n.set_locale(i18n.current_locale())
    return code

"""The rotating log file in the data dir (light: imported before the window paints).

The log is for the details; what the user must know is said once, on screen or as the CLI's
one line. So a log that cannot be written (read-only data folder, full disk) drops records
silently: without a handler Python's last-resort handler would print every warning and trace
on stderr, and a failing file handler prints "--- Logging error ---" with a traceback (issue 21).
"""

from __future__ import annotations

import logging
from pathlib import Path


def log_file(data_dir: Path) -> Path:
    """The log file's path; creates its folder (OSError: the data folder cannot be written)."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / "zhizao.log"


class _Unlogged(logging.NullHandler):
    """Stands where the log file could not be opened, so nothing falls back to stderr."""


def _quiet_file_handler(path: Path) -> logging.Handler:
    import logging.handlers

    class QuietRotatingFileHandler(logging.handlers.RotatingFileHandler):
        """A record that cannot be written (disk full) is dropped, not printed on stderr."""

        def handleError(self, record: logging.LogRecord) -> None:  # logging calls it by this name
            return

    return QuietRotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")


def setup_logging(data_dir: Path, verbose: bool = False) -> Path | None:
    """Rotating log in the data dir; the full trace of any error goes there.

    None when the log cannot be opened (read-only or full data folder): records are then
    dropped, never printed, and the caller carries on (a read-only folder opens read-only).
    """
    # logging.handlers (socket, pickle, queue…) loads here: the GUI attaches the file after its
    # first paint (issue 20).
    import logging.handlers

    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    try:
        path = log_file(data_dir)
        if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
            handler = _quiet_file_handler(path)
            handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
            root.addHandler(handler)
    except OSError:
        if not root.handlers:
            root.addHandler(_Unlogged())
        return None
    for stale in [h for h in root.handlers if isinstance(h, _Unlogged)]:
        root.removeHandler(stale)
    return path

"""The rotating log file in the data dir (light: imported before the window paints)."""

from __future__ import annotations

from pathlib import Path


def log_file(data_dir: Path) -> Path:
    """The log file's path; creates its folder (OSError: the data folder cannot be written)."""
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    return logs / "zhizao.log"


def setup_logging(data_dir: Path, verbose: bool = False) -> Path:
    """Rotating log in the data dir; the full trace of any error goes there."""
    # logging.handlers (socket, pickle, queue…) loads here: the GUI attaches the file after its
    # first paint (issue 20).
    import logging.handlers

    path = log_file(data_dir)
    root = logging.getLogger()
    if not any(isinstance(h, logging.handlers.RotatingFileHandler) for h in root.handlers):
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    return path

"""Writing a file all at once or not at all: the one copy of the temp-file-then-rename rule.

A reader (or a crash) never sees half a file: the data goes to a uniquely named
temporary file in the same folder, which replaces the target only when complete.
``durable=True`` also fsyncs it first, for files that must survive a power cut
(sync bundles, exports handed to another system).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.part")


@contextmanager
def atomic_path(path: Path | str, *, durable: bool = False, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path``, on any failure it is removed.

    ``mode``: the file's permissions from the start (e.g. 0o600 for secrets, whatever the umask).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_name(path)
    if mode is not None:
        os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode))
    try:
        yield tmp
        if durable:
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_atomic(path: Path | str, data: bytes | str, *, durable: bool = False, mode: int | None = None) -> None:
    """Write ``data`` (text is UTF-8) to ``path`` in one step."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    with atomic_path(path, durable=durable, mode=mode) as tmp:
        with open(tmp, "wb" if mode is None else "r+b") as fh:
            fh.write(raw)


def write_via(path: Path | str, write: Callable[[Path], None], error: type[Exception], *,
              durable: bool = False) -> Path:
    """Let ``write`` fill a temporary path, then put it in place; a failure becomes ``error`` with one
    clear message (the file named, the system's reason) for the screen or the command line."""
    from app.i18n import _

    path = Path(path)
    try:
        with atomic_path(path, durable=durable) as tmp:
            write(tmp)
    except OSError as exc:
        raise error(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
    return path

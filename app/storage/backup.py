"""Backup and restore of a SQLite database file: consistent copies, written beside and renamed.

A full disk or a folder that refuses writes leaves no half copy and gives one line naming the
file (issue 21); a restore keeps the database and its write-ahead log until its copy is made.
"""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from pathlib import Path

from app.i18n import _
from app.storage import health
from app.storage.errors import StoreError, WriteRefused


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent under WAL).

    Written to ``.part`` and renamed: a full disk or a refused folder leaves no half copy,
    and the failure is one :class:`StoreError` naming ``dest`` (disk full, not writable).
    """
    tmp = dest.with_name(dest.name + ".part")
    try:
        source = health.open_for_check(src)  # also in a read-only folder, where mode=ro alone fails
    except sqlite3.Error as exc:
        raise StoreError(_("Cannot read the database {path}: {error}").format(path=src, error=exc)) from exc
    try:
        try:
            dest.parent.mkdir(parents=True, exist_ok=True)
            target = sqlite3.connect(tmp)
            try:
                source.backup(target)
            finally:
                target.close()
        finally:
            source.close()
        tmp.replace(dest)
    except (OSError, sqlite3.Error) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise _write_failure(dest, exc) from exc
    return dest


def _write_failure(dest: Path, exc: OSError | sqlite3.Error) -> StoreError:
    """One line for a file that could not be written: disk full, not writable, or the OS's words."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    errno_ = getattr(exc, "errno", None)
    if primary == health.SQLITE_FULL or errno_ == errno.ENOSPC or health.disk_nearly_full(_existing(dest.parent)):
        return WriteRefused(_("Cannot write {path}: the disk is full. Free some disk space, then try again.")
                            .format(path=dest))
    refused = primary in (health.SQLITE_READONLY, health.SQLITE_CANTOPEN)
    if refused or errno_ in (errno.EROFS, errno.EACCES, errno.EPERM):
        return WriteRefused(_("Cannot write {path}: the folder is read-only or not writable here.").format(path=dest))
    detail = getattr(exc, "strerror", None) or exc
    return StoreError(_("Cannot write {path}: {error}").format(path=dest, error=detail))


def _existing(folder: Path) -> Path:
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    return folder


def restore_sqlite(backup: Path, dest: Path) -> None:
    """Replace the database with a backup copy, after checking the copy is sound.

    The copy is made beside the database first: if that fails (disk full) the database and
    its write-ahead log are still as they were.
    """
    problems = health.check_sqlite_file(backup)
    if problems:
        raise StoreError(f"{backup}: not a sound database: {problems[0]}")
    staged = backup_sqlite(backup, dest.with_name(dest.name + ".restoring"))
    for suffix in ("-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    staged.replace(dest)

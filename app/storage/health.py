"""Is an existing SQLite file a Zhizao database? Asked before anything may write to it (issue 21).

A 0-byte file, a file that is not SQLite, a damaged one or another program's database must
never be "upgraded" into a new, empty center over what was there: the store refuses it, names
the file and points at the newest backup. Standard-library ``sqlite3`` only, read-only, one
SELECT: cheap enough for every start.
"""

from __future__ import annotations

import enum
import shutil
import sqlite3
from pathlib import Path

from app.i18n import _

# SQLite primary result codes meaning "this file is damaged or not a database".
SQLITE_CORRUPT, SQLITE_NOTADB = 11, 26
# ... and "this file cannot be written".
SQLITE_READONLY, SQLITE_FULL, SQLITE_CANTOPEN = 8, 13, 14


class FileState(enum.Enum):
    MISSING = "missing"  # a first start: the store creates it
    BLANK = "blank"  # a sound SQLite file without any table: the schema may be created in it
    ZHIZAO = "zhizao"  # has the schema version table: the ordinary path (migrate, open)
    UNSURE = "unsure"  # locked, unreadable, read-only folder…: the ordinary path decides and says why
    EMPTY = "empty"  # 0 bytes: refuse
    NOT_A_FILE = "not-a-file"  # a folder or a device: refuse
    DAMAGED = "damaged"  # not a database, or SQLite reports it malformed: refuse
    FOREIGN = "foreign"  # a sound database of another program: refuse

    @property
    def refused(self) -> bool:
        return self in (FileState.EMPTY, FileState.NOT_A_FILE, FileState.DAMAGED, FileState.FOREIGN)


def is_damage(exc: BaseException) -> bool:
    """Whether a ``sqlite3`` error says the file is damaged or not a database."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (SQLITE_CORRUPT, SQLITE_NOTADB):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text


def inspect_file(path: Path) -> tuple[FileState, str]:
    """The file's state and, for a refused or unsure one, SQLite's own words."""
    try:
        if not path.exists():
            return FileState.MISSING, ""
        if not path.is_file():
            return FileState.NOT_A_FILE, ""
        if path.stat().st_size == 0:
            return FileState.EMPTY, ""
        conn = sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True, timeout=1)
    except (OSError, ValueError, sqlite3.Error) as exc:
        return FileState.UNSURE, str(exc)
    try:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        return (FileState.DAMAGED if is_damage(exc) else FileState.UNSURE), str(exc)
    finally:
        conn.close()
    if not tables:
        return FileState.BLANK, ""
    if "alembic_version" not in tables:
        return FileState.FOREIGN, ", ".join(sorted(tables)[:5])
    return FileState.ZHIZAO, ""


def disk_nearly_full(folder: Path, margin: int = 1 << 20) -> bool:
    """Less than ``margin`` bytes left for this user: a refused write there means "disk full"."""
    try:
        return shutil.disk_usage(folder).free < margin
    except OSError:
        return False


def folder_refused(folder: Path, exc: OSError) -> str:
    """One line for a data folder that cannot be created: "disk full" said as such."""
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return _("Cannot create the data folder {path}: the disk is full. Free some disk space, then try again."
                 ).format(path=folder)
    return _("Cannot create the data folder {path}: {error}").format(path=folder, error=exc.strerror or exc)


def latest_backup(folder: Path | None) -> Path | None:
    """The newest ``*.sqlite`` copy in the backups folder (``db upgrade`` writes them there)."""
    if folder is None:
        return None
    try:
        copies = [p for p in folder.glob("*.sqlite") if p.is_file() and p.stat().st_size > 0]
    except OSError:
        return None
    return max(copies, key=lambda p: (p.stat().st_mtime, p.name), default=None)


def restore_hint(backups: Path | None) -> str:
    """The sentence telling how to get the data back, naming the newest backup if there is one."""
    latest = latest_backup(backups)
    if latest is not None:
        return _("Restore the latest backup with: zhizao db restore \"{backup}\"").format(backup=latest)
    return _("Restore a backup with: zhizao db restore FILE (no backup found in {folder})").format(
        folder=backups if backups is not None else "—")


def refusal_message(state: FileState, path: Path, detail: str, backups: Path | None) -> str:
    """One clear line: what is wrong with which file, and how to restore. Nothing was changed."""
    if state is FileState.EMPTY:
        what = _("The database file {path} is empty (0 bytes): it was not replaced by a new, empty center.")
    elif state is FileState.NOT_A_FILE:
        what = _("The database path {path} is not a file.")
    elif state is FileState.FOREIGN:
        what = _("The file {path} is not a Zhizao database (it holds other tables: {detail}); it was not changed.")
    else:
        what = _("The database file {path} is damaged ({detail}); it was not changed.")
    return what.format(path=path, detail=detail) + " " + restore_hint(backups)


def open_for_check(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master")
    except sqlite3.OperationalError:
        # A WAL file in a read-only folder: nobody can be writing it, read it as it stands.
        conn.close()
        conn = sqlite3.connect(f"file:{path}?immutable=1", uri=True)
        conn.execute("SELECT count(*) FROM sqlite_master")
    except BaseException:
        conn.close()
        raise
    return conn


def _damage_finding(exc: sqlite3.DatabaseError) -> str:
    """SQLite's words; a table definition it cannot parse or a missing table is a damaged schema."""
    text_ = str(exc)
    if "schema" in text_ or "no such table" in text_:
        return _("damaged schema: {error}").format(error=text_)
    return text_


def check_sqlite_file(path: Path) -> list[str]:
    """Integrity and foreign-key findings; each check runs on its own, so a damaged schema
    (a table definition SQLite cannot parse, a reference to a missing table) is a finding
    beside the others, not the end of the check."""
    try:
        conn = open_for_check(path)
    except sqlite3.DatabaseError as exc:
        return [_damage_finding(exc)]
    problems: list[str] = []
    try:
        for pragma, finding in (("integrity_check", lambda r: r[0] if r[0] != "ok" else None),
                                ("foreign_key_check",
                                 lambda r: f"foreign key violation in {r[0]} row {r[1]}")):
            try:
                problems += [f for f in map(finding, conn.execute(f"PRAGMA {pragma}")) if f]
            except sqlite3.DatabaseError as exc:
                problems.append(_damage_finding(exc))
    finally:
        conn.close()
    return list(dict.fromkeys(problems))


def schema_findings(path: Path, head: str) -> list[str]:
    """Tables and columns this release's models need but the file lacks (at the newest revision
    only: an older database is upgraded at start, not reported as damaged)."""
    from app.storage.models import Base

    try:
        conn = open_for_check(path)
    except sqlite3.DatabaseError as exc:
        return [_damage_finding(exc)]
    try:
        try:
            revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
        except sqlite3.DatabaseError:
            return [_("damaged schema: the schema version table is missing or unreadable")]
        if [r[0] for r in revision] != [head]:
            return []
        found: list[str] = []
        for table in Base.metadata.sorted_tables:
            try:
                columns = {row[1] for row in conn.execute(f'PRAGMA table_info("{table.name}")')}
            except sqlite3.DatabaseError as exc:
                found.append(_("damaged schema: {error}").format(error=exc))
                continue
            if not columns:
                found.append(_("damaged schema: table {table} is missing").format(table=table.name))
                continue
            missing = [c.name for c in table.columns if c.name not in columns]
            if missing:
                found.append(_("damaged schema: table {table} lacks {columns}").format(
                    table=table.name, columns=", ".join(missing)))
        return found
    finally:
        conn.close()

"""Engine set-up, durability pragmas, migrations at start, backup and check.

SQLite is the default (one file in the data dir); PostgreSQL serves a whole
center with the same code. Completing a step commits with ``synchronous=FULL``
(see :func:`durable`), ordinary writes with NORMAL, both under WAL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _
from app.paths import migrations_dir
from app.storage import health
from app.storage.backup import backup_sqlite, restore_sqlite  # also re-exported (CLI, tests)
from app.storage.errors import DamagedDatabase, StoreError, WriteRefused  # also re-exported
from app.storage.probe import is_sqlite, sqlite_path, sqlite_url  # light helpers, also re-exported
from app.storage.session import WRITE_OPTION, StoreSession, write_bind

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only when a database must actually be migrated: loading it costs
# about 0.2 s of CPU (0.6 s on a loaded 2-core PC) on every start, for a check that one
# SELECT answers (issue 20).

log = logging.getLogger(__name__)


DURABLE_OPTION = "zhizao_durable"
"""Connection execution option: the next transaction commits with synchronous=FULL."""


def _sqlite_pragmas(dbapi_conn, record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # read-only media: keep the existing journal mode
    try:
        cur.execute("PRAGMA synchronous=NORMAL")
    except sqlite3.OperationalError:
        pass  # read-only media: nothing is written anyway
    cur.close()
    record.info["synchronous"] = "NORMAL"


def _sqlite_begin(conn) -> None:
    """Emit BEGIN ourselves, first setting the safety level this transaction needs.

    SQLite refuses to change ``synchronous`` inside a transaction, so the
    level is chosen here, just before BEGIN (see :func:`durable`).
    """
    options = conn.get_execution_options()
    want = "FULL" if options.get(DURABLE_OPTION) else "NORMAL"
    if conn.info.get("synchronous") != want:
        conn.exec_driver_sql(f"PRAGMA synchronous={want}")
        conn.info["synchronous"] = want
    if not options.get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN")
        return
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # a write: wait up to busy_timeout for the lock (app.storage.session)
    except OperationalError as exc:
        if not _is_busy(exc.orig):
            raise
        # Nothing has run in this transaction yet, so one more wait is always safe.
        log.info("the database stayed locked for the whole busy timeout; waiting once more")
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _is_busy(orig: BaseException | None) -> bool:
    code = getattr(orig, "sqlite_errorcode", None)
    return isinstance(code, int) and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED)


# SQLite result codes and PostgreSQL SQLSTATEs that mean "the disk refuses writes".
_SQLITE_FULL, _SQLITE_READONLY, _SQLITE_IOERR = 13, 8, 10
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_DISK_FULL = {"53100"}
_PG_READ_ONLY = {"25006"}


def _friendly_error(context: ExceptionContext) -> None:
    """Turn "disk full" and "read-only" driver errors into one clear StoreError.

    The transaction is rolled back by the caller's ``with`` block, so nothing
    is half-written; reads keep working.
    """
    orig = context.original_exception
    code = getattr(orig, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    sqlstate = getattr(orig, "sqlstate", None)
    if primary == _SQLITE_FULL or sqlstate in _PG_DISK_FULL:
        raise WriteRefused(_("The disk is full: nothing was saved. Free some disk space, then try again."))
    if primary in (_SQLITE_READONLY, _SQLITE_IOERR) and context.engine is not None:
        # A full disk shows as "read-only" too (the store fell back to read-only because the
        # -shm file could not grow) or as an I/O error: say what the user must fix.
        path = _engine_path(context.engine)
        if path is not None and health.disk_nearly_full(path.parent):
            raise WriteRefused(_("The disk is full: nothing was saved. Free some disk space, then try again."))
    if primary == _SQLITE_READONLY or sqlstate in _PG_READ_ONLY:
        raise WriteRefused(_("The database is read-only here: nothing was saved. "
                           "Ask an administrator to make the data folder writable."))
    if primary == _SQLITE_IOERR:
        raise WriteRefused(_("The disk reported an error ({error}); nothing was saved.").format(error=orig))
    if primary in (health.SQLITE_CORRUPT, health.SQLITE_NOTADB) and context.engine is not None:
        path = _engine_path(context.engine)
        raise DamagedDatabase(health.refusal_message(health.FileState.DAMAGED, path or context.engine.url.database,
                                                     str(orig), path.parent / "backups" if path else None))


def _engine_path(engine: Engine) -> Path | None:
    """The SQLite file behind an engine, also for the read-only ``file:…?mode=ro`` form."""
    if engine.dialect.name != "sqlite" or not engine.url.database or engine.url.database == ":memory:":
        return None
    return Path(engine.url.database.removeprefix("file:"))


def make_engine(url: str, *, readonly: bool = False, immutable: bool = False) -> Engine:
    """``immutable`` (read-only only): for a WAL database in a folder where SQLite cannot
    even create its shared-memory file, so ``mode=ro`` cannot open it."""
    if is_sqlite(url):
        path = sqlite_path(url)
        if readonly and path is not None:
            mode = "immutable=1" if immutable else "mode=ro"
            engine = create_engine(
                f"sqlite:///file:{path}?{mode}&uri=true", connect_args={"check_same_thread": False},
                hide_parameters=True,
            )
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10},
                                   hide_parameters=True)
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy's transaction control be the only one (pysqlite's legacy mode
        # would otherwise defer BEGIN and break SAVEPOINT semantics).
        event.listen(engine, "begin", _sqlite_begin)

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _rec):
            dbapi_conn.isolation_level = None

    else:
        # Errors and logs never carry a statement's values (password hashes, names).
        engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
    event.listen(engine, "handle_error", _friendly_error)
    return engine


@contextlib.contextmanager
def durable(session: Session) -> Iterator[None]:
    """Make the session's current transaction commit fully durable (SQLite synchronous=FULL).

    Used for commits that complete a step: they must survive power loss.
    Enter it before the transaction's first statement (right after
    ``session.begin()``): the level is set before BEGIN. Entered later, the
    write-ahead log is fsynced after the commit instead, to the same effect.
    PostgreSQL commits are durable already (synchronous_commit=on).
    """
    bind = session.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    trans = session.get_transaction()
    # SQLAlchemy offers no public "has this transaction a connection yet?"; without one,
    # assume it has (the fallback is still durable, only a little slower).
    begun = trans is not None and bind in getattr(trans, "_connections", {bind: None})
    if begun:
        path = sqlite_path(bind.engine.url.render_as_string(hide_password=False))
        if path is not None:
            event.listen(session, "after_commit", lambda _s: _fsync(Path(f"{path}-wal")), once=True)
    else:
        session.connection(execution_options={DURABLE_OPTION: True})
    yield


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return  # no WAL file: the commit went to the main file, synced by SQLite
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


_REVISION_LINE = re.compile(r"^(down_revision|revision)\s*(?::[^=]*)?=\s*(.+?)\s*$", re.MULTILINE)


def _scan_head() -> str | None:
    """The single head of the revision files, read as text; None when unsure (Alembic decides).

    Each revision file names itself and its parent in two plain assignments; the head
    is the revision no other file names as its parent.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (migrations_dir() / "versions").glob("*.py"):
        if path.name == "__init__.py":
            continue
        found = dict(m.groups() for m in _REVISION_LINE.finditer(path.read_text(encoding="utf-8")))
        rev, down = found.get("revision", ""), found.get("down_revision", "")
        if not re.fullmatch(r"['\"][\w.-]+['\"]", rev) or not re.fullmatch(r"None|['\"][\w.-]+['\"]", down):
            return None  # a merge revision, a tuple or something unusual
        revisions.add(rev[1:-1])
        if down != "None":
            parents.add(down[1:-1])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


_head_cache: list[str] = []


def head_revision() -> str:
    if not _head_cache:
        head = _scan_head()
        if head is None:
            from alembic.script import ScriptDirectory

            head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""
        _head_cache.append(head)
    return _head_cache[0]


def current_revision(engine: Engine) -> str | None:
    """The database's schema revision with one SELECT (None for a database never migrated)."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            exists = conn.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'").first()
        else:
            exists = inspect(conn).has_table("alembic_version")
        if not exists:
            return None
        rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) > 1:
        raise StoreError(_("The database records several schema versions ({versions}); it cannot be "
                           "upgraded automatically.").format(versions=", ".join(rows)))
    return rows[0] if rows else None


check_sqlite_file = health.check_sqlite_file  # re-exported: restore, tests and `db check` use it


_PG_MIGRATION_LOCK = 0x5A485A41  # "ZHZA"


@dataclass
class UpgradeResult:
    from_revision: str | None
    to_revision: str
    backup: Path | None


def upgrade(url: str, backups_dir: Path | None = None) -> UpgradeResult:
    """Bring a database to the newest schema; back up an existing SQLite file first.

    A failed migration on SQLite restores the backup copy, so the original
    is left as it was; the error says so.
    """
    path = sqlite_path(url)
    backups = backups_dir or (path.parent / "backups" if path is not None else None)
    if path is not None and "?" not in url:  # never write over a file that is not a sound Zhizao database
        state, detail = health.inspect_file(path)
        if state.refused:
            raise DamagedDatabase(health.refusal_message(state, path, detail, backups))
        if state is health.FileState.MISSING:
            _create_sqlite(path)
            return UpgradeResult(None, head_revision(), None)
    engine = make_engine(url)
    try:
        try:
            before = current_revision(engine)
        except OperationalError as exc:
            raise StoreError(_("Cannot open the database: {error}").format(error=exc.orig)) from exc
        except DBAPIError as exc:
            if path is not None and health.is_damage(exc.orig):
                raise DamagedDatabase(health.refusal_message(health.FileState.DAMAGED, path, str(exc.orig),
                                                             backups)) from exc
            raise
        head = head_revision()
        if before == head:
            return UpgradeResult(before, head, None)
        backup: Path | None = None
        if path is not None and before is not None and path.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            dest = (backups_dir or path.parent / "backups") / f"{path.stem}-before-{head}-{stamp}.sqlite"
            try:
                backup = backup_sqlite(path, dest)
            except StoreError as exc:
                raise WriteRefused(_("Cannot write a backup before upgrading the database ({error}); "
                                     "the database was not changed.").format(error=exc)) from exc
        try:
            if engine.dialect.name == "sqlite":
                _migrate_sqlite(engine, url)
            elif not _migrate_locked(engine, url, head):
                return UpgradeResult(before, head, None)
        except Exception as exc:
            engine.dispose()
            if backup is not None and path is not None:
                restore_sqlite(backup, path)
                raise StoreError(_("database upgrade failed ({error}); the database was left as it was "
                                   "(backup: {backup})").format(error=exc, backup=backup)) from exc
            raise StoreError(_("database upgrade failed: {error}").format(error=exc)) from exc
        return UpgradeResult(before, head, backup)
    finally:
        engine.dispose()


def _create_sqlite(path: Path) -> None:
    """A first start builds the database beside its place and links it in once complete.

    A crash or a full disk half-way then leaves no half-made file that the next start would
    have to refuse as damaged, and a file that appeared meanwhile is never overwritten (a
    hard link fails where a file already is; another process's new database is then used).
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.new")
    try:
        engine = make_engine(sqlite_url(tmp))
        try:
            _migrate_sqlite(engine, sqlite_url(tmp))
        finally:
            engine.dispose()
        try:
            os.link(tmp, path)
        except FileExistsError:
            log.info("%s was created by another process meanwhile; using it", path)
        except OSError:  # a file system without hard links (FAT, some network shares)
            if not path.exists():
                os.replace(tmp, path)
    except WriteRefused as exc:
        raise WriteRefused(_("Cannot create the database {path}: {error}").format(path=path, error=exc)) from exc
    except (OSError, sqlite3.Error, DBAPIError, StoreError) as exc:
        detail = getattr(exc, "orig", None) or getattr(exc, "strerror", None) or exc
        raise StoreError(_("Cannot create the database {path}: {error}").format(path=path, error=detail)) from exc
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _run_alembic(conn, url: str) -> None:
    from alembic import command

    cfg = alembic_config(url)
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def _migrate_sqlite(engine: Engine, url: str) -> None:
    """Migrate with foreign keys off, as SQLite asks for schema changes.

    With them on, a migration that rebuilds a table (Alembic batch mode) would
    drop the old copy, and the drop cascades to every attempt that points at it.
    The keys are checked before the commit instead.
    """
    with engine.connect() as conn:
        conn.execution_options(**{WRITE_OPTION: True})
        raw = conn.connection.dbapi_connection
        raw.execute("PRAGMA foreign_keys=OFF")  # outside any transaction, or it is ignored
        try:
            with conn.begin():
                # Programs upgrading together: the first migrates, the others wait for
                # the write lock here and then find nothing left to do.
                if _revision_in(conn) == head_revision():
                    return
                _run_alembic(conn, url)
                broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise StoreError(f"the migration broke {len(broken)} references (first in {broken[0][0]})")
        finally:
            raw.execute("PRAGMA foreign_keys=ON")


def _migrate_locked(engine: Engine, url: str, head: str) -> bool:
    """PostgreSQL: workstations of a center start together; one migrates, the others wait."""
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_MIGRATION_LOCK})
        if _revision_in(conn) == head:
            return False
        _run_alembic(conn, url)
    return True


def _revision_in(conn) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(conn).get_current_revision()


class Store:
    """The open database: an engine and a session factory."""

    def __init__(self, url: str, *, readonly: bool = False, immutable: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.engine = make_engine(url, readonly=readonly, immutable=immutable)
        # Explicit begin() blocks take the write lock up front (see app.storage.session).
        self.sessions = sessionmaker(self.engine, class_=StoreSession, expire_on_commit=False,
                                     write_bind=None if readonly else write_bind(self.engine))

    @classmethod
    def open_readonly(cls, url: str) -> Store:
        """Read-only; a WAL database whose folder refuses even SQLite's shared-memory file
        is opened as immutable (nobody can be writing it there)."""
        store = cls(url, readonly=True)
        try:
            with store.engine.connect() as conn:
                conn.exec_driver_sql("SELECT count(*) FROM sqlite_master")
            return store
        except Exception:  # noqa: BLE001 - any failure here means "try immutable"
            store.dispose()
        return cls(url, readonly=True, immutable=True)

    @classmethod
    def open(cls, url: str, backups_dir: Path | None = None) -> Store:
        """Upgrade (with backup) and open; fall back to read-only when the disk refuses writes."""
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(health.folder_refused(path.parent, exc)) from exc
        try:
            upgrade(url, backups_dir)
        except StoreError as exc:
            if isinstance(exc, DamagedDatabase):
                raise
            if path is not None and path.exists() and _is_write_refused(exc):
                log.info("database is not writable, opening read-only: %s", exc)  # callers tell the user
                store = cls.open_readonly(url)
                if current_revision(store.engine) != head_revision():
                    store.dispose()
                    raise StoreError(_("This database comes from an older release and must be upgraded, "
                                       "but its folder is read-only: {error}").format(error=exc)) from exc
                return store
            raise
        return cls(url)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def _is_write_refused(exc: BaseException) -> bool:
    if isinstance(exc, WriteRefused) or isinstance(exc.__cause__, WriteRefused):
        return True
    text_ = str(exc).lower()
    return any(s in text_ for s in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open"))


def copy_file_atomically(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)

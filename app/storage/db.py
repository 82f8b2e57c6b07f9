"""Engine set-up, durability pragmas, migrations at start, backup and check.

SQLite is the default (one file in the data dir); PostgreSQL serves a whole
center with the same code. Completing a step commits with ``synchronous=FULL``
(see :func:`durable`), ordinary writes with NORMAL, both under WAL.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from app.paths import migrations_dir

log = logging.getLogger(__name__)


class StoreError(RuntimeError):
    """A problem with the database the user must be told about (one clear line)."""


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def sqlite_path(url: str) -> Path | None:
    if not is_sqlite(url):
        return None
    raw = url.split("///", 1)[1] if "///" in url else ""
    return Path(raw) if raw and raw != ":memory:" else None


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass  # read-only media: keep the existing journal mode
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_engine(url: str, *, readonly: bool = False) -> Engine:
    if is_sqlite(url):
        path = sqlite_path(url)
        if readonly and path is not None:
            engine = create_engine(
                f"sqlite:///file:{path}?mode=ro&uri=true", connect_args={"check_same_thread": False}
            )
        else:
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        # Let SQLAlchemy's transaction control be the only one (pysqlite's legacy mode
        # would otherwise defer BEGIN and break SAVEPOINT semantics).
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _rec):  # noqa: ANN001
            dbapi_conn.isolation_level = None

        return engine
    return create_engine(url, pool_pre_ping=True)


@contextlib.contextmanager
def durable(session: Session) -> Iterator[None]:
    """Make the current SQLite transaction's commit fully durable (synchronous=FULL).

    Used for commits that complete a step: they must survive power loss.
    """
    bind = session.get_bind()
    if bind.dialect.name == "sqlite":
        session.execute(text("PRAGMA synchronous=FULL"))
        try:
            yield
        finally:
            session.execute(text("PRAGMA synchronous=NORMAL"))
    else:
        yield


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live SQLite database with the online backup API (consistent under WAL)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(dest.name + ".part")
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


def restore_sqlite(backup: Path, dest: Path) -> None:
    """Replace the database with a backup copy, after checking the copy is sound."""
    problems = check_sqlite_file(backup)
    if problems:
        raise StoreError(f"{backup}: not a sound database: {problems[0]}")
    for suffix in ("-wal", "-shm"):
        Path(str(dest) + suffix).unlink(missing_ok=True)
    backup_sqlite(backup, dest)


def check_sqlite_file(path: Path) -> list[str]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            problems = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key violation in {r[0]} row {r[1]}" for r in conn.execute("PRAGMA foreign_key_check")]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    return problems


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
    engine = make_engine(url)
    try:
        try:
            before = current_revision(engine)
        except OperationalError as exc:
            raise StoreError(f"cannot open the database: {exc.orig}") from exc
        head = head_revision()
        if before == head:
            return UpgradeResult(before, head, None)
        path = sqlite_path(url)
        backup: Path | None = None
        if path is not None and before is not None and path.exists():
            stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
            backup = backup_sqlite(path, (backups_dir or path.parent / "backups") / f"{path.stem}-before-{head}-{stamp}.sqlite")
        try:
            with engine.begin() as conn:
                cfg = alembic_config(url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except Exception as exc:
            engine.dispose()
            if backup is not None and path is not None:
                restore_sqlite(backup, path)
                raise StoreError(
                    f"database upgrade failed ({exc}); the database was left as it was (backup: {backup})"
                ) from exc
            raise StoreError(f"database upgrade failed: {exc}") from exc
        return UpgradeResult(before, head, backup)
    finally:
        engine.dispose()


class Store:
    """The open database: an engine and a session factory."""

    def __init__(self, url: str, *, readonly: bool = False) -> None:
        self.url = url
        self.readonly = readonly
        self.engine = make_engine(url, readonly=readonly)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def open(cls, url: str, backups_dir: Path | None = None) -> Store:
        """Upgrade (with backup) and open; fall back to read-only when the disk refuses writes."""
        path = sqlite_path(url)
        if path is not None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"cannot create the data folder {path.parent}: {exc.strerror}") from exc
        try:
            upgrade(url, backups_dir)
        except StoreError as exc:
            if path is not None and path.exists() and _is_write_refused(exc):
                log.warning("database is not writable, opening read-only: %s", exc)
                return cls(url, readonly=True)
            raise
        return cls(url)

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def _is_write_refused(exc: BaseException) -> bool:
    text_ = str(exc).lower()
    return any(s in text_ for s in ("readonly", "read-only", "disk is full", "disk i/o", "unable to open"))


def copy_file_atomically(src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".part")
    shutil.copyfile(src, tmp)
    tmp.replace(dest)

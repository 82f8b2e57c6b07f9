"""The store's tests run against SQLite and against a real PostgreSQL server started here.

The server is tests/pg_server.py's (Debian's ``postgresql`` binaries, a temp
folder, a Unix socket only, no fsync). Each test gets its own database, cloned
from a migrated template. Without the binaries the PostgreSQL half is skipped
with the reason; everything else still runs.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterator

import pytest

from app.context import AppContext
from app.storage import db as storedb
from tests.pg_server import PgServer, running_server, unavailable_reason


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    with running_server() as server:
        with server.admin() as conn:
            conn.execute("CREATE DATABASE zhizao_template")
        storedb.upgrade(server.url("zhizao_template"))
        yield server


_db_counter = itertools.count()

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_db(backend, request, tmp_path) -> Iterator[Callable[[str], str]]:
    """Factory: a fresh, migrated, empty database URL of the current backend.

    Both are copies of a database migrated once per run: PostgreSQL's cloned from its template,
    SQLite's the first start's file (tests/conftest.py), instead of five Alembic revisions per
    workstation (~0.05 s of CPU; test_sync opens up to nine)."""
    made: list[str] = []
    server: PgServer | None = request.getfixturevalue("pg_server") if backend == "postgresql" else None
    first_start = request.getfixturevalue("first_start_data_dir") if server is None else None

    def make(name: str) -> str:
        if first_start is not None:
            folder = tmp_path / name
            folder.mkdir(parents=True, exist_ok=True)
            db = folder / "zhizao.sqlite"
            if not db.exists():
                shutil.copy2(first_start / "zhizao.sqlite", db)
            return storedb.sqlite_url(db)
        assert server is not None
        dbname = f"t{os.getpid()}_{next(_db_counter)}"
        with server.admin() as conn:
            # FILE_COPY (PostgreSQL 15+) clones the template twice as fast as the default WAL_LOG.
            strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
            conn.execute(f'CREATE DATABASE "{dbname}" TEMPLATE zhizao_template{strategy}')
        made.append(dbname)
        return server.url(dbname)

    yield make
    if server is not None:
        with server.admin() as conn:
            for dbname in made:
                conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture
def open_ctx(new_db, tmp_path) -> Iterator[Callable[[str], AppContext]]:
    """Factory: a workstation (its own data dir and database) of the current backend."""
    opened: list[AppContext] = []

    def make(name: str) -> AppContext:
        context = AppContext.open(tmp_path / name, new_db(name))
        opened.append(context)
        return context

    yield make
    for context in opened:
        context.close()


@pytest.fixture
def ctx(open_ctx) -> AppContext:
    """Overrides the top-level ``ctx``: every store test runs on SQLite and PostgreSQL."""
    return open_ctx("data")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """argon2id at its production cost takes ~0.4 s a hash; these tests make dozens of accounts.

    Same code path, cheaper parameters (the accounts tests check the real ones).
    """
    from argon2 import PasswordHasher

    from app.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))

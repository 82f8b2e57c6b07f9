"""The store's tests run against SQLite and against a real PostgreSQL server started here.

The server comes from Debian's ``postgresql`` binaries (``.ci/run`` installs
them): ``initdb`` into a temp folder, listening on a Unix socket only. Debian's
postgres refuses to run as root, so as root the server runs as the
``postgres`` user (or ``nobody``). Each test gets its own database, cloned
from a migrated template. Without the binaries the PostgreSQL half is skipped
with the reason; everything else still runs.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.context import AppContext
from app.storage import db as storedb


def _pg_bindir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when we are root; None when already unprivileged."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pw = pwd.getpwnam(name)
            return pw.pw_uid, pw.pw_gid
        except KeyError:
            continue
    raise RuntimeError("running as root and neither 'postgres' nor 'nobody' exists")


@dataclass
class PgServer:
    socket_dir: Path
    port: int
    user: str = "zhizao"

    def url(self, dbname: str) -> str:
        return f"postgresql+psycopg://{self.user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def admin(self):
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.user, dbname="postgres",
                               autocommit=True)


_WATCHDOG = """
import os, shutil, signal, sys, time
parent, pidfile, root = int(sys.argv[1]), sys.argv[2], sys.argv[3]
while True:
    try:
        os.kill(parent, 0)
    except ProcessLookupError:
        break
    time.sleep(1)
try:
    with open(pidfile) as fh:
        postmaster = int(fh.readline())
    os.kill(postmaster, signal.SIGQUIT)  # immediate shutdown
    for _ in range(100):
        os.kill(postmaster, 0)
        time.sleep(0.1)
except (OSError, ValueError):
    pass
shutil.rmtree(root, ignore_errors=True)
"""


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian: apt-get install postgresql)")
    try:
        import psycopg  # noqa: F401 - only asks whether the driver is installed
    except ImportError:
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    root = Path(tempfile.mkdtemp(prefix="zhizao-pg-"))
    ids = _run_as()
    if ids is not None:
        os.chown(root, *ids)

    def demote() -> None:
        if ids is not None:
            os.setgid(ids[1])
            os.setuid(ids[0])

    def run(*cmd: str) -> None:
        proc = subprocess.run(cmd, cwd=root, preexec_fn=demote, capture_output=True, text=True, timeout=120)
        if proc.returncode:
            raise RuntimeError(f"{cmd[0]} failed: {proc.stdout}{proc.stderr}")

    data = root / "data"
    port = 54321
    run(str(bindir / "initdb"), "-D", str(data), "-U", "zhizao", "--auth=trust", "-E", "UTF8",
        "--no-sync", "--locale=C")
    # A throwaway server: no fsync (the tests check logic, not the disk), Unix socket only.
    opts = (f"-k {root} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off "
            "-c synchronous_commit=off -c max_connections=200")
    run(str(bindir / "pg_ctl"), "-D", str(data), "-o", opts, "-l", str(root / "server.log"), "-w", "-t", "60",
        "start")
    server = PgServer(root, port)
    # If this test process is killed, nothing runs the teardown below: a watchdog in its own
    # session stops the server and removes its folder once we are gone.
    subprocess.Popen([sys.executable, "-c", _WATCHDOG, str(os.getpid()), str(data / "postmaster.pid"), str(root)],
                     start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    try:
        with server.admin() as conn:
            conn.execute("CREATE DATABASE zhizao_template")
        storedb.upgrade(server.url("zhizao_template"))
        yield server
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], cwd=root,
                       preexec_fn=demote, capture_output=True, timeout=60)
        shutil.rmtree(root, ignore_errors=True)


_db_counter = itertools.count()

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def new_db(backend, request, tmp_path) -> Iterator[Callable[[str], str]]:
    """Factory: a fresh, migrated, empty database URL of the current backend."""
    made: list[str] = []
    server: PgServer | None = request.getfixturevalue("pg_server") if backend == "postgresql" else None

    def make(name: str) -> str:
        if server is None:
            folder = tmp_path / name
            folder.mkdir(parents=True, exist_ok=True)
            return storedb.sqlite_url(folder / "zhizao.sqlite")
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

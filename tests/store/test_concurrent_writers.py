"""Several processes write one SQLite database at once: none fails, no update is lost (issue 21).

Before write transactions took the lock at BEGIN, a deferred BEGIN that later wrote
failed at once with "database is locked" whenever another process had written in
between (507 of 1,200 service writes, 5 of 50 CLI calls).
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import InvalidRequestError

from app.context import AppContext
from app.services.accounts import AccountService
from app.storage import db as storedb
from app.storage.models import LessonTime, Role, Setting, StepAttempt, User
from tests.store import cli_server

ROOT = Path(__file__).resolve().parents[2]
PROCESSES = 4
WRITES = 150  # per process; each round is three write transactions and a read

# One workstation process: service writes (a lesson's time, every other one a durable
# attempt), a read-modify-write of a shared counter, and a read between them.
WORKER = """
import json, sys
from sqlalchemy import func, select
from app.services.auth import Actor
from app.services.progress import ProgressService
from app.storage.db import Store
from app.storage.models import LessonTime, Role, Setting

url, worker, rounds, user_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
store = Store(url)
progress = ProgressService(store.sessions, "ws-" + worker)
actor = Actor(user_id, "t", "T", Role.TRAINEE)
failures = []
for i in range(rounds):
    for op in ("lesson", "counter", "read"):
        try:
            if op == "lesson":
                progress.record_lesson(actor, "course", "1", f"w{worker}-{i}", 1.0, completed=i % 2 == 0)
            elif op == "counter":
                with store.session() as s, s.begin():
                    row = s.get(Setting, "test_counter")
                    row.value = str(int(row.value) + 1)
            else:
                with store.session() as s:
                    s.scalar(select(func.count()).select_from(LessonTime))
        except Exception as exc:
            failures.append(f"{op}: {type(exc).__name__}: {exc}"[:300])
store.dispose()
print(json.dumps({"failures": failures}))
"""


# What WORKER imports, loaded once by the launcher that forks the workers (tests.store.fork_launch).
PRELOAD = "sqlalchemy,app.services.auth,app.services.progress,app.storage.db,app.storage.models"


def _start_workers(url: str, user_id: str, count: int, rounds: int) -> subprocess.Popen:
    """``count`` workstation processes running WORKER, forked at once from one warm launcher."""
    return subprocess.Popen([sys.executable, "-m", "tests.store.fork_launch", WORKER, PRELOAD, str(count), url, "{n}",
                             str(rounds), user_id], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)


def _failures(launcher: subprocess.Popen) -> list[str]:
    out, err = launcher.communicate(timeout=600)
    assert launcher.returncode == 0, err[-2000:]
    failures: list[str] = []
    for worker in json.loads(out.strip().splitlines()[-1]):
        assert worker["code"] == 0, err[-2000:]
        failures += json.loads(worker["out"].strip().splitlines()[-1])["failures"]
    return failures


def _prepare(tmp_path: Path) -> tuple[str, str]:
    """A migrated center with one trainee and the shared counter at 0."""
    data = tmp_path / "data"
    ctx = AppContext.open(data)
    try:
        admin = ctx.accounts.create_first_admin("admin", "Admin", "secret-admin")
        info = ctx.accounts.add_user(admin, "trainee", "Trainee", Role.TRAINEE, "secret-trainee")
        with ctx.store.session() as s, s.begin():
            s.add(Setting(key="test_counter", value="0"))
    finally:
        ctx.close()
    return storedb.sqlite_url(data / "zhizao.sqlite"), info.user_id


def _wait_for_writes(url: str) -> None:
    """Until a workstation has committed its first update of the shared counter."""
    conn = sqlite3.connect(storedb.sqlite_path(url), timeout=60)
    try:
        for _ in range(6000):
            if conn.execute("SELECT value FROM settings WHERE key = 'test_counter'").fetchone()[0] != "0":
                return
            time.sleep(0.01)
    finally:
        conn.close()
    raise AssertionError("the workstations never wrote")


def test_processes_writing_at_once_all_succeed_and_nothing_is_lost(tmp_path):
    url, user_id = _prepare(tmp_path)

    failures = _failures(_start_workers(url, user_id, PROCESSES, WRITES))

    assert failures == [], f"{len(failures)} failed, first: {failures[:3]}"
    store = storedb.Store(url)
    try:
        with store.session() as s:
            assert s.get(Setting, "test_counter").value == str(PROCESSES * WRITES)  # no lost update
            assert s.scalar(select(func.count()).select_from(LessonTime)) == PROCESSES * WRITES
            assert s.scalar(select(func.count()).select_from(StepAttempt)) == PROCESSES * ((WRITES + 1) // 2)
    finally:
        store.dispose()


def test_cli_calls_while_workstations_write(tmp_path):
    """`zhizao users add` from several shells while two workstations write: every call succeeds.

    Each call is a process of its own, forked from a warm interpreter (tests.store.cli_server):
    what is tested is the command under contention, not the interpreter's start."""
    url, user_id = _prepare(tmp_path)
    data = tmp_path / "data"
    cli_server.start()
    writers = _start_workers(url, user_id, 2, WRITES)
    _wait_for_writes(url)  # a forked call starts at once: no import to cover the writers' start
    results: dict[str, subprocess.CompletedProcess] = {}

    def shell(n: int) -> None:
        for i in range(5):
            login = f"cli{n}x{i}"
            results[login] = cli_server.run(["--data-dir", str(data), "users", "add", login, "--name", "Cli User",
                                             "--password-stdin"], input="secret-cli\n", cwd=ROOT)

    shells = [threading.Thread(target=shell, args=(n,)) for n in range(3)]
    for t in shells:
        t.start()
    for t in shells:
        t.join()

    assert _failures(writers) == []
    failed = {login: r.stderr for login, r in results.items() if r.returncode != 0}
    assert failed == {}
    store = storedb.Store(url)
    try:
        with store.session() as s:
            made = set(s.scalars(select(User.login).where(User.login.like("cli%"))))
            assert made == set(results) and len(made) == 15
            assert s.get(Setting, "test_counter").value == str(2 * WRITES)
    finally:
        store.dispose()


def test_a_read_does_not_wait_for_a_writer(tmp_path):
    """Reads keep a plain BEGIN: under WAL they go on while another process holds the write lock."""
    url, _user_id = _prepare(tmp_path)
    store = storedb.Store(url)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN IMMEDIATE'); c.execute(\"UPDATE settings SET value='held' WHERE key='test_counter'\")\n"
        "print('locked', flush=True); sys.stdin.readline()\n"), str(storedb.sqlite_path(url))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        store.engine.dispose()
        with store.session() as s:  # would raise "database is locked" after 10 s if it waited
            assert s.get(Setting, "test_counter").value == "0"
        assert AccountService(store.sessions).has_users()
    finally:
        holder.stdin.write("\n")
        holder.stdin.close()
        holder.wait(timeout=60)
        store.dispose()
    with store.session() as s, s.begin():  # the lock is free again: a write goes through
        s.get(Setting, "test_counter").value = "1"


def test_a_write_outside_begin_is_refused(tmp_path):
    """Writes belong in ``with session.begin():``; committing an autobegun (read) transaction is refused."""
    url, _user_id = _prepare(tmp_path)
    store = storedb.Store(url)
    try:
        with store.session() as s:
            s.get(Setting, "test_counter").value = "5"
            with pytest.raises(InvalidRequestError, match="session.begin"):
                s.commit()
        with store.session() as s:
            assert s.get(Setting, "test_counter").value == "0"
        with store.session() as s:
            s.begin()
            s.get(Setting, "test_counter").value = "6"
            s.commit()  # an explicit begin may still end with commit()
        with store.session() as s:
            assert s.get(Setting, "test_counter").value == "6"
    finally:
        store.dispose()

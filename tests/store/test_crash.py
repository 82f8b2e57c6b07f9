"""kill -9 at random moments never loses a reported commit nor corrupts the database."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from app.context import AppContext
from app.storage import db as storedb

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 30


@pytest.mark.slow
def test_sigkill_loses_no_reported_commit(tmp_path):
    data = tmp_path / "data"
    ctx = AppContext.open(data)
    admin = ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    user_id = ctx.accounts.add_user(admin, "crash", "Crash Test", "trainee", "crash-pass").user_id
    ctx.close()

    seed = int(os.environ.get("ZHIZAO_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    quiz_ids: set[str] = set()
    lab_ids: set[str] = set()
    mid_write_rounds = 0
    errors = tmp_path / "writers-stderr.txt"
    # One warm server forks a new writer process per round (see tests.store.crash_writer).
    with errors.open("wb") as err:
        server = subprocess.Popen([sys.executable, "-m", "tests.store.crash_writer", str(data), user_id],
                                  cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=err)
    assert server.stdin is not None and server.stdout is not None
    try:
        for _round in range(ROUNDS):
            server.stdin.write(b"go\n")
            server.stdin.flush()
            started = server.stdout.readline()
            assert started.startswith(b"pid "), f"no writer started: {started!r} {errors.read_text()}"
            seen = b""
            if rng.random() < 0.2:
                # Now and then while it opens the store (0.05 s of CPU for a forked writer, 0.1-0.2 s
                # of wall time on a loaded PC) or just after.
                time.sleep(rng.uniform(0.0, 0.2))
            else:
                # Kill only once it is writing (a loaded machine must not turn this into a startup test).
                seen = server.stdout.readline() + server.stdout.readline()
                assert seen.startswith(b"ready\n"), errors.read_text()
                mid_write_rounds += 1
                time.sleep(rng.uniform(0.0, 0.3))
            server.stdin.write(b"kill\n")
            server.stdin.flush()
            while True:  # its reports, then the server's "exit CODE" once it is gone
                line = server.stdout.readline()
                assert line, f"the writer server ended: {errors.read_text()}"
                torn, found, code = line.rpartition(b"exit ")
                if found and line.endswith(b"\n"):
                    seen += torn  # a torn last report runs into the server's line
                    break
                seen += line
            assert int(code) == -signal.SIGKILL, f"writer died by itself: {errors.read_text()}"
            for report in seen.decode().splitlines():
                parts = report.split()
                if len(parts) == 2 and len(parts[1]) == 36:  # a torn last line is not a report
                    (quiz_ids if parts[0] == "Q" else lab_ids).add(parts[1])
    finally:
        server.stdin.close()  # the server's loop ends
        server.wait(timeout=60)
        server.stdout.close()

    print(f"{ROUNDS} rounds, {len(quiz_ids)} attempts and {len(lab_ids)} lab runs reported (seed {seed})")
    assert len(quiz_ids) + len(lab_ids) >= mid_write_rounds > 0, f"seed {seed}"
    path = data / "zhizao.sqlite"
    conn = sqlite3.connect(path)  # recovers the WAL like the app would
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)], f"seed {seed}"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == [], f"seed {seed}"
        stored_quiz = {r[0] for r in conn.execute("SELECT id FROM step_attempts WHERE kind='quiz'")}
        stored_lab = {r[0] for r in conn.execute("SELECT id FROM lab_runs")}
        lab_attempts = conn.execute("SELECT count(*) FROM step_attempts WHERE kind='lab'").fetchone()[0]
        orphans = conn.execute("SELECT count(*) FROM lab_runs r LEFT JOIN step_attempts a ON a.id = r.attempt_id "
                               "WHERE a.id IS NULL").fetchone()[0]
    finally:
        conn.close()
    assert quiz_ids <= stored_quiz, f"lost {len(quiz_ids - stored_quiz)} reported attempts (seed {seed})"
    assert lab_ids <= stored_lab, f"lost {len(lab_ids - stored_lab)} reported lab runs (seed {seed})"
    # A lab run and its attempt commit together or not at all.
    assert lab_attempts == len(stored_lab) and orphans == 0, f"seed {seed}"
    assert storedb.check_sqlite_file(path) == []
    again = AppContext.open(data)
    try:
        assert not again.store.readonly
    finally:
        again.close()

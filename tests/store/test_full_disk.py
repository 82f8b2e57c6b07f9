"""A full disk and a read-only data folder, made for real with a small tmpfs (issue 21).

Mounting needs root (the CI runs as root); elsewhere these tests are skipped with the reason.
What is checked is what the user sees (one line, "disk full" rather than "read-only", no
traceback, no "Logging error") and that nothing already committed is lost.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.context import AppContext
from app.services.errors import StorageError
from app.storage import db as storedb
from tests.store import cli_server
from tests.store.helpers import trainee
from tests.stored_progress import store_quiz_attempt

ROOT = Path(__file__).resolve().parents[2]


def zhizao(data_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """``python -m app --data-dir DATA_DIR ARGS`` in a process forked from a warm interpreter
    (tests.store.cli_server): what is tested is the command on the full or read-only disk."""
    env = {**os.environ, "ZHIZAO_LANG": "en", "QT_QPA_PLATFORM": "offscreen"}
    return cli_server.run(["--data-dir", str(data_dir), *args], input=stdin, env=env, cwd=ROOT, timeout=120)


def one_line(res: subprocess.CompletedProcess) -> str:
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert "Traceback" not in res.stderr and "Logging error" not in res.stderr, res.stderr
    assert "unexpected error" not in res.stderr, res.stderr
    return lines[0]


def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, timeout=30)


@pytest.fixture
def disk(tmp_path) -> Iterator[Path]:
    """A 3 MB file system of our own (tmpfs), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root (the CI runs as root)")
    point = tmp_path / "disk"
    point.mkdir()
    res = _mount("-t", "tmpfs", "-o", "size=3m", "tmpfs", str(point))
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {res.stderr.strip()}")
    try:
        yield point
    finally:
        subprocess.run(["umount", "-l", str(point)], capture_output=True, timeout=30)


def fill(disk: Path) -> Path:
    """Take every free block (unbuffered, smaller and smaller pieces); returns the filler to delete."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (1 << 16, 4096, 512, 1):
            try:
                while True:
                    os.write(fd, b"\0" * size)
            except OSError:
                pass
    finally:
        os.close(fd)
    return filler


def read_only(disk: Path) -> None:
    res = _mount("-o", "remount,ro", str(disk))
    assert res.returncode == 0, res.stderr


def test_a_full_disk_says_disk_full_and_loses_nothing_committed(disk):
    data = disk / "data"
    ctx = AppContext.open(data)
    admin = ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    wang = trainee(ctx, admin, "wang", "Wang")
    saved = [store_quiz_attempt(ctx.progress, wang, "c", "1", f"m/before{i}", answers={}, score=1, passed=True,
                                duration_s=1) for i in range(20)]
    filler = fill(disk)
    refused = None
    for i in range(2000):  # the write-ahead log may still have room for a few
        try:
            saved.append(store_quiz_attempt(ctx.progress, wang, "c", "1", f"m/q{i}", answers={"a": "x" * 2000},
                                            score=1, passed=True, duration_s=1))
        except (StorageError, storedb.StoreError) as exc:  # the helper bypasses the service wrapper
            refused = str(exc)
            break
    assert refused is not None, "the disk never filled"
    assert "disk is full" in refused and "read-only" not in refused
    # The CLI on the full disk: reading works, a write says "disk full" in one line.
    listing = zhizao(data, "users", "list")
    assert listing.returncode == 0 and "wang" in listing.stdout, listing.stderr
    add = zhizao(data, "users", "add", "li", "--name", "Li", "--role", "trainee", "--password-stdin",
                 stdin="trainee-pass\n")
    assert add.returncode == 1 and "disk is full" in one_line(add)
    ctx.close()

    filler.unlink()
    db = data / "zhizao.sqlite"
    assert storedb.check_sqlite_file(db) == []
    again = AppContext.open(data)
    try:
        store_quiz_attempt(again.progress, wang, "c", "1", "m/after", answers={}, score=1, passed=True,
                           duration_s=1)
    finally:
        again.close()
    kept = _attempt_ids(db)
    assert saved and set(saved) <= kept and len(kept) == len(saved) + 1

    # Started on a full disk with nobody holding the database open (its -shm file cannot be
    # made, so the store falls back to read-only): still "disk full", not "read-only".
    assert not Path(f"{db}-shm").exists()
    filler = fill(disk)
    cold = zhizao(data, "users", "add", "li", "--name", "Li", "--role", "trainee", "--password-stdin",
                  stdin="trainee-pass\n")
    assert cold.returncode == 1 and "disk is full" in one_line(cold) and "read-only" not in cold.stderr
    filler.unlink()
    assert storedb.check_sqlite_file(db) == [] and _attempt_ids(db) == kept


def _attempt_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(db)
    try:
        return {r[0] for r in conn.execute("SELECT id FROM step_attempts")}
    finally:
        conn.close()


def test_a_first_start_on_a_full_disk_is_one_line_and_leaves_no_file(disk):
    fill(disk)
    data = disk / "data"
    res = zhizao(data, "users", "list")
    assert res.returncode == 1
    line = one_line(res)
    assert "disk is full" in line or "No space left" in line, line
    leftovers = [p.name for p in disk.rglob("*") if "zhizao.sqlite" in p.name]
    assert leftovers == [], leftovers


def test_a_backup_on_a_full_disk_is_one_line_and_leaves_no_part_file(disk, tmp_path):
    data = tmp_path / "data"
    AppContext.open(data).close()
    fill(disk)
    res = zhizao(data, "db", "backup", str(disk / "copy.sqlite"))
    assert res.returncode == 1 and "disk is full" in one_line(res)
    assert sorted(p.name for p in disk.iterdir()) == ["filler"]


def test_a_read_only_data_folder_backup_and_import_are_one_line(disk, tmp_path):
    data = disk / "data"
    ctx = AppContext.open(data)
    ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.close()
    package = tmp_path / "course.zhizao"
    exported = zhizao(tmp_path / "other", "export", "course", "industrial-robot-operation", "-o", str(package))
    assert exported.returncode == 0, exported.stderr
    read_only(disk)

    backup = zhizao(data, "db", "backup", str(data / "copy.sqlite"))
    assert backup.returncode == 1 and "read-only" in one_line(backup)
    imported = zhizao(data, "import", "course", str(package))
    assert imported.returncode == 1 and "read-only" in one_line(imported)
    # Reading still works, and the one line of a refused write is all that is printed.
    listing = zhizao(data, "users", "list")
    assert listing.returncode == 0 and "admin" in listing.stdout and listing.stderr == "", listing.stderr
    # A backup to a writable place works from the read-only folder.
    elsewhere = zhizao(data, "db", "backup", str(tmp_path / "copy.sqlite"))
    assert elsewhere.returncode == 0, elsewhere.stderr
    assert storedb.check_sqlite_file(tmp_path / "copy.sqlite") == []


LOG_PROBE = """
import logging, sys
from pathlib import Path
from app.logs import setup_logging
if setup_logging(Path(sys.argv[1])) is None:
    print("no log file")
try:
    raise ValueError("boom")
except ValueError:
    logging.getLogger("zhizao").exception("command failed")
logging.getLogger("zhizao").warning("a warning")
"""


@pytest.mark.parametrize("fault", ["read-only", "full"])
def test_a_log_that_cannot_be_written_prints_nothing(disk, fault):
    data = disk / "data"
    if fault == "read-only":
        read_only(disk)
    else:
        (data / "logs").mkdir(parents=True)
        fill(disk)
    res = subprocess.run([sys.executable, "-c", LOG_PROBE, str(data)], cwd=ROOT, capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0
    assert res.stderr == "", res.stderr
    assert res.stdout.strip() == ("no log file" if fault == "read-only" else "")


def test_a_data_folder_that_cannot_be_created_on_a_full_disk_says_disk_full(disk):
    stats = os.statvfs(disk)
    used = stats.f_files - stats.f_ffree
    res = _mount("-o", f"remount,nr_inodes={used}", str(disk))  # no room for one more file or folder
    if res.returncode != 0:
        pytest.skip(f"cannot limit the tmpfs's inodes here: {res.stderr.strip()}")
    data = disk / "new" / "data"
    run = zhizao(data, "users", "list")
    assert run.returncode == 1
    line = one_line(run)
    assert str(data) in line and "disk is full" in line

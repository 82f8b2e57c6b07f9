"""A damaged, empty or foreign database file is refused, never replaced by a new center (issue 21).

Each test makes the fault for real (a 0-byte file, garbage bytes, a broken table definition, a
truncated copy, another program's database) and checks what the user sees (one line naming the
file and the newest backup, the exit code) and that the file was not changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.context import AppContext, probe_center
from app.storage import db as storedb
from app.storage import health
from tests.store import cli_server

ROOT = Path(__file__).resolve().parents[2]


def zhizao(data_dir: Path, *args: str) -> subprocess.CompletedProcess:
    """``python -m app --data-dir DATA_DIR ARGS`` in a process forked from a warm interpreter
    (tests.store.cli_server): what is tested is the command on the damaged file."""
    env = {**os.environ, "ZHIZAO_LANG": "en", "QT_QPA_PLATFORM": "offscreen"}
    return cli_server.run(["--data-dir", str(data_dir), *args], env=env, cwd=ROOT, timeout=120)


def one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr and "unexpected error" not in stderr, stderr
    return lines[0]


@pytest.fixture(scope="module")
def sound_copy(tmp_path_factory) -> Path:
    """A real center database with one account, closed (no WAL beside it)."""
    folder = tmp_path_factory.mktemp("sound")
    ctx = AppContext.open(folder)
    ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.close()
    return folder / "zhizao.sqlite"


def with_backup(data: Path, sound_copy: Path) -> Path:
    backups = data / "backups"
    backups.mkdir(parents=True)
    older = backups / "zhizao-before-0001-20260101-090000.sqlite"
    newer = backups / "zhizao-before-0002-20260301-090000.sqlite"
    older.write_bytes(sound_copy.read_bytes())
    newer.write_bytes(sound_copy.read_bytes())
    os.utime(older, (1_000_000, 1_000_000))
    return newer


def test_a_first_start_creates_the_database_and_leaves_no_temporary_file(tmp_path):
    ctx = AppContext.open(tmp_path)
    try:
        assert ctx.accounts.has_users() is False
    finally:
        ctx.close()
    assert storedb.check_sqlite_file(tmp_path / "zhizao.sqlite") == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith((".new", ".new-wal", ".new-shm"))] == []


def test_a_first_start_that_fails_half_way_leaves_nothing_to_refuse(tmp_path, monkeypatch):
    """Built beside its place and linked in when complete: a failure leaves no 0-byte or half file."""
    def broken(engine, url):
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE half (x)")
        raise RuntimeError("power cut")

    monkeypatch.setattr(storedb, "_migrate_sqlite", broken)
    with pytest.raises(RuntimeError, match="power cut"):
        AppContext.open(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if "sqlite" in p.name] == []
    monkeypatch.undo()
    AppContext.open(tmp_path).close()  # the next start simply creates it
    assert health.inspect_file(tmp_path / "zhizao.sqlite")[0] is health.FileState.ZHIZAO


def test_a_zero_byte_database_is_refused_naming_the_file_and_the_latest_backup(tmp_path, sound_copy):
    data = tmp_path / "data"
    latest = with_backup(data, sound_copy)
    db = data / "zhizao.sqlite"
    db.touch()
    with pytest.raises(storedb.DamagedDatabase) as refused:
        AppContext.open(data)
    message = str(refused.value)
    assert str(db) in message and "0 bytes" in message
    assert f'zhizao db restore "{latest}"' in message
    assert db.stat().st_size == 0 and not Path(f"{db}-wal").exists()
    assert probe_center(data) is None, "the window must not offer to set up a new center over it"

    res = zhizao(data, "users", "list")
    assert res.returncode == 1
    line = one_line(res.stderr)
    assert str(db) in line and str(latest) in line
    assert db.stat().st_size == 0
    # Nor is it copied as if it were a backup.
    copy = zhizao(data, "db", "backup", str(data / "backups" / "zhizao-copy.sqlite"))
    assert copy.returncode == 1 and str(latest) in one_line(copy.stderr)
    assert not (data / "backups" / "zhizao-copy.sqlite").exists()

    # The way out the message names works, and the center is back.
    restored = zhizao(data, "db", "restore", str(latest))
    assert restored.returncode == 0, restored.stderr
    listing = zhizao(data, "users", "list")
    assert listing.returncode == 0 and "admin" in listing.stdout, listing.stderr


@pytest.mark.parametrize("content", [b"not a database at all\n" * 10, b"SQLite format 3\x00" + b"\x07" * 4000])
def test_a_file_that_is_not_a_database_is_refused_and_left_as_it_was(tmp_path, content):
    db = tmp_path / "zhizao.sqlite"
    db.write_bytes(content)
    with pytest.raises(storedb.DamagedDatabase, match="damaged"):
        storedb.Store.open(storedb.sqlite_url(db), tmp_path / "backups")
    assert db.read_bytes() == content
    res = zhizao(tmp_path, "users", "list")
    assert res.returncode == 1 and "damaged" in one_line(res.stderr) and "db restore" in res.stderr
    assert db.read_bytes() == content


def test_another_programs_database_is_not_migrated(tmp_path):
    db = tmp_path / "zhizao.sqlite"
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE inventory (part TEXT)")
    conn.execute("INSERT INTO inventory VALUES ('bolt')")
    conn.commit()
    conn.close()
    res = zhizao(tmp_path, "db", "upgrade")
    assert res.returncode == 1 and "not a Zhizao database" in one_line(res.stderr)
    conn = sqlite3.connect(db)
    assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")] == ["inventory"]
    conn.close()


def test_a_sound_file_without_tables_is_still_set_up(tmp_path):
    """What an administrator's `sqlite3 zhizao.sqlite` leaves: no data to lose, the probe says set-up."""
    conn = sqlite3.connect(tmp_path / "zhizao.sqlite")
    conn.execute("PRAGMA user_version=0")
    conn.execute("VACUUM")
    conn.close()
    probe = probe_center(tmp_path)
    assert probe is not None and not probe.has_users
    AppContext.open(tmp_path).close()
    assert health.inspect_file(tmp_path / "zhizao.sqlite")[0] is health.FileState.ZHIZAO


def break_table_definition(db: Path, table: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA writable_schema=ON")
    conn.execute("UPDATE sqlite_master SET sql='CREATE TABLE x(' WHERE name=?", (table,))
    conn.commit()
    conn.close()


def test_db_check_reports_a_damaged_schema_as_a_finding(tmp_path, sound_copy):
    data = tmp_path / "data"
    latest = with_backup(data, sound_copy)
    db = data / "zhizao.sqlite"
    db.write_bytes(sound_copy.read_bytes())
    break_table_definition(db, "users")
    res = zhizao(data, "db", "check")
    assert res.returncode == 1, res.stderr
    assert "Traceback" not in res.stderr and res.stderr == ""
    assert "damaged schema" in res.stdout and "1 problem found." in res.stdout
    assert f'zhizao db restore "{latest}"' in res.stdout
    # The app itself refuses it with the one line.
    start = zhizao(data, "users", "list")
    assert start.returncode == 1 and "damaged" in one_line(start.stderr)


def test_db_check_reports_a_missing_table(tmp_path, sound_copy):
    db = tmp_path / "zhizao.sqlite"
    db.write_bytes(sound_copy.read_bytes())
    conn = sqlite3.connect(db)
    conn.execute("DROP TABLE settings")
    conn.commit()
    conn.close()
    res = zhizao(tmp_path, "db", "check")
    assert res.returncode == 1 and "damaged schema: table settings is missing" in res.stdout, res.stdout + res.stderr


@pytest.mark.parametrize("how", ["truncated", "not a database", "empty"])
def test_db_check_on_a_damaged_file_says_so_in_one_line(tmp_path, sound_copy, how):
    db = tmp_path / "zhizao.sqlite"
    data = sound_copy.read_bytes()
    db.write_bytes({"truncated": data[: len(data) // 3], "not a database": b"\x00garbage" * 100,
                    "empty": b""}[how])
    res = zhizao(tmp_path, "db", "check")
    assert res.returncode == 1 and res.stdout == ""
    line = one_line(res.stderr)
    assert str(db) in line and "db restore" in line
    assert ("empty" if how == "empty" else "damaged") in line


def read_every_table(store: storedb.Store) -> None:
    with store.engine.connect() as conn:
        for (name,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type='table'").all():
            conn.exec_driver_sql(f'SELECT * FROM "{name}"').all()


def test_damage_found_while_running_gives_the_restore_message(tmp_path, sound_copy):
    """A store that opened fine and then meets a damaged page says "damaged", not "unexpected error"."""
    db = tmp_path / "zhizao.sqlite"
    db.write_bytes(sound_copy.read_bytes())
    store = storedb.Store.open(storedb.sqlite_url(db))
    try:
        store.engine.dispose()
        raw = bytearray(db.read_bytes())
        raw[4096 * 3: 4096 * 6] = b"\xff" * (4096 * 3)  # scribble over some table pages
        db.write_bytes(bytes(raw))
        with pytest.raises(storedb.StoreError) as failed:
            read_every_table(store)
        assert "damaged" in str(failed.value) and "db restore" in str(failed.value)
    finally:
        store.dispose()


STARTER = """
import sys, time
from app.storage import db
time.sleep(max(0.0, float(sys.argv[2]) - time.time()))
db.Store.open(db.sqlite_url(sys.argv[1])).dispose()
"""
STARTER_PRELOAD = "app.storage.db,alembic.command,alembic.config,alembic.script,alembic.runtime.migration"


def test_programs_starting_together_on_a_new_folder_share_one_database(tmp_path):
    """Each process builds its own copy; the first linked in wins, the others use it (none overwritten)."""
    import time

    at = str(time.time() + 3)  # the imports done, all start the store at once
    # Four processes forked from one launcher that imported the store and Alembic once (tests.store.fork_launch).
    launcher = subprocess.Popen([sys.executable, "-m", "tests.store.fork_launch", STARTER, STARTER_PRELOAD, "4",
                                 str(tmp_path / "zhizao.sqlite"), at], cwd=ROOT, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
    out, err = launcher.communicate(timeout=120)
    assert launcher.returncode == 0, err
    assert [proc["code"] for proc in json.loads(out)] == [0] * 4, err
    assert health.inspect_file(tmp_path / "zhizao.sqlite")[0] is health.FileState.ZHIZAO
    assert storedb.check_sqlite_file(tmp_path / "zhizao.sqlite") == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".new")] == []

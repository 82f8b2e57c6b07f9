"""The start-up probe: what the set-up/login screen shows, read with stdlib sqlite3 before the
store opens (issue 20). It must never guess: anything unusual gives None (open the store first)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from app.context import AppContext, probe_center
from app.storage.probe import probe_sqlite, probe_url, sqlite_url


@pytest.fixture
def center(tmp_path):
    ctx = AppContext.open(tmp_path / "center")
    yield ctx
    ctx.close()


def test_missing_file_is_a_first_start(tmp_path):
    probe = probe_center(tmp_path / "nowhere")
    assert probe is not None
    assert (probe.has_users, probe.logins, probe.exists) == (False, (), False)
    assert not (tmp_path / "nowhere").exists(), "the probe creates nothing"


def test_fresh_database_has_no_users(center):
    probe = probe_center(center.data_dir)
    assert probe is not None and probe.exists and not probe.has_users and probe.logins == ()


def test_zero_byte_database_file_is_left_to_the_store(tmp_path):
    """The store refuses a 0-byte file (issue 21): no set-up screen may be offered for it."""
    (tmp_path / "zhizao.sqlite").touch()
    assert probe_center(tmp_path) is None


def test_database_with_users_lists_the_enabled_ones_as_the_service_does(center):
    admin = center.accounts.create_first_admin("admin", "Zhou Admin", "admin-password-1")
    center.accounts.add_user(admin, "wang", "Wang Wei", "trainee", "trainee-pass")
    center.accounts.add_user(admin, "li", "Li Na", "trainee", "trainee-pass")
    center.accounts.set_disabled(admin, "li")
    probe = probe_center(center.data_dir)
    assert probe is not None and probe.has_users
    assert list(probe.logins) == center.accounts.login_choices() == [("wang", "Wang Wei"), ("admin", "Zhou Admin")]


def test_only_disabled_accounts_still_means_login(center):
    admin = center.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    center.accounts.add_user(admin, "wang", "Wang Wei", "trainee", "trainee-pass")
    center.accounts.set_disabled(admin, "wang")
    with center.store.sessions() as s, s.begin():
        s.connection().exec_driver_sql("UPDATE users SET disabled = 1")
    probe = probe_center(center.data_dir)
    assert probe is not None and probe.has_users and probe.logins == ()
    assert center.accounts.has_users()


def test_damaged_file_gives_none(tmp_path):
    (tmp_path / "zhizao.sqlite").write_bytes(b"this is not a database, " * 400)
    assert probe_center(tmp_path) is None


def test_another_schema_gives_none(tmp_path):
    conn = sqlite3.connect(tmp_path / "zhizao.sqlite")
    conn.execute("CREATE TABLE users (name TEXT)")
    conn.commit()
    conn.close()
    assert probe_center(tmp_path) is None


def test_locked_database_gives_none(tmp_path):
    """A rollback-journal database held by a writer's exclusive lock: the probe gives up after its
    short timeout and the store's ordinary open (which waits, then says why) takes over."""
    path = tmp_path / "zhizao.sqlite"
    ctx = AppContext.open(tmp_path)
    ctx.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    ctx.close()
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA journal_mode=DELETE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE users SET failed_attempts = failed_attempts")
        assert probe_sqlite(path) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    probe = probe_sqlite(path)
    assert probe is not None and probe.has_users


def test_a_writer_in_wal_mode_does_not_block_the_probe(center):
    center.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    with center.store.sessions() as s, s.begin():
        s.connection().exec_driver_sql("UPDATE users SET display_name = 'Renamed'")
        probe = probe_center(center.data_dir)  # the writer's transaction is still open
    assert probe is not None and probe.logins == (("admin", "Admin"),)


def test_the_probe_leaves_the_database_as_it_was(center):
    """Read-only: the file is unchanged (a WAL reader may leave SQLite's empty -wal/-shm companions)."""
    center.accounts.create_first_admin("admin", "Admin", "admin-password-1")
    center.close()
    path = center.data_dir / "zhizao.sqlite"
    before = path.read_bytes()
    assert probe_center(center.data_dir) is not None
    assert path.read_bytes() == before
    assert not (path.parent / "zhizao.sqlite-wal").exists() or not (path.parent / "zhizao.sqlite-wal").stat().st_size


def test_urls_the_probe_leaves_to_the_store(tmp_path):
    assert probe_url("postgresql://user@host/zhizao") is None
    assert probe_url("sqlite://") is None
    assert probe_url("sqlite:///:memory:") is None
    assert probe_url(sqlite_url(tmp_path / "z.sqlite") + "?mode=ro") is None
    assert probe_url(sqlite_url(tmp_path / "z.sqlite")) is not None


def test_probing_loads_neither_sqlalchemy_nor_the_models(tmp_path):
    code = textwrap.dedent("""
        import sys
        from pathlib import Path
        from app.context import probe_center
        probe = probe_center(Path(sys.argv[1]))
        print(probe.has_users, sorted(m for m in sys.modules if m.split(".")[0] in ("sqlalchemy", "alembic")
                                      or m.startswith(("app.storage.db", "app.storage.models", "app.services"))))
    """)
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True,
                         capture_output=True, text=True).stdout
    assert out.strip() == "False []"

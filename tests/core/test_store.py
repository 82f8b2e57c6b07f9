"""Store set-up: migrations from nothing, pragmas, backups, read-only fallback, ids."""

from __future__ import annotations

import os
import sqlite3

import pytest
from sqlalchemy import text

from app.context import AppContext
from app.storage import db as storedb
from app.storage.ids import uuid7


def test_schema_is_created_by_alembic(tmp_path):
    ctx = AppContext.open(tmp_path)
    try:
        assert storedb.current_revision(ctx.store.engine) == storedb.head_revision()
        with ctx.store.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            tables = {r[0] for r in conn.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))}
        assert {"users", "step_attempts", "lab_runs", "certificates", "audit_log", "alembic_version"} <= tables
    finally:
        ctx.close()


def test_upgrade_backs_up_an_older_database(tmp_path):
    path = tmp_path / "zhizao.sqlite"
    url = storedb.sqlite_url(path)
    cfg = storedb.alembic_config(url)
    from alembic import command

    # An "earlier release": an empty database stamped at no revision but with data in it.
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE legacy (x)")
    conn.execute("INSERT INTO legacy VALUES (42)")
    conn.commit()
    conn.close()
    command.stamp(cfg, "base")
    res = storedb.upgrade(url, tmp_path / "backups")
    assert res.to_revision == storedb.head_revision()
    # First migration from "no revision" needs no backup; a second upgrade is a no-op.
    assert storedb.upgrade(url).backup is None


def test_failed_migration_leaves_original_untouched(tmp_path, monkeypatch):
    path = tmp_path / "zhizao.sqlite"
    url = storedb.sqlite_url(path)
    storedb.upgrade(url)
    conn = sqlite3.connect(path)
    conn.execute("INSERT INTO settings(key, value) VALUES ('center_name', 'Chongqing')")
    conn.execute("UPDATE alembic_version SET version_num='0000_older'")
    conn.commit()
    conn.close()
    with pytest.raises(storedb.StoreError, match="left as it was"):
        storedb.upgrade(url, tmp_path / "backups")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT value FROM settings WHERE key='center_name'").fetchone() == ("Chongqing",)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0000_older",)
    conn.close()
    assert list((tmp_path / "backups").glob("*.sqlite"))


def test_backup_restore_and_check(tmp_path, ctx, admin):
    src = storedb.sqlite_path(ctx.store.url)
    backup = storedb.backup_sqlite(src, tmp_path / "copy.sqlite")
    assert storedb.check_sqlite_file(backup) == []
    ctx.accounts.add_user(admin, "later", "Later", "trainee", "later-pass")
    ctx.close()
    storedb.restore_sqlite(backup, src)
    again = AppContext.open(src.parent)
    try:
        assert [u.login for u in again.accounts.list_users(admin)] == ["admin"]
    finally:
        again.close()


def test_check_reports_a_corrupt_file(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    assert storedb.check_sqlite_file(bad)


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_data_dir_opens_read_only(tmp_path):
    ctx = AppContext.open(tmp_path)
    ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.close()
    os.chmod(tmp_path / "zhizao.sqlite", 0o444)
    os.chmod(tmp_path, 0o555)
    try:
        ro = AppContext.open(tmp_path)
        assert ro.store.readonly
        assert ro.accounts.has_users()
        ro.close()
    finally:
        os.chmod(tmp_path, 0o755)


def test_uuid7_is_time_ordered_and_unique():
    ids = [uuid7() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(i[14] == "7" for i in ids)


def test_write_refused_falls_back_to_read_only(tmp_path, monkeypatch):
    """Root ignores file modes, so simulate the OS refusing writes (disk full / read-only media)."""
    ctx = AppContext.open(tmp_path)
    ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.close()

    def refuse(*_a, **_k):
        raise storedb.StoreError("attempt to write a readonly database")

    monkeypatch.setattr(storedb, "upgrade", refuse)
    ro = storedb.Store.open(storedb.sqlite_url(tmp_path / "zhizao.sqlite"))
    try:
        assert ro.readonly
        with ro.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 1
            with pytest.raises(Exception, match="(?i)read.?only"):
                conn.execute(text("INSERT INTO settings(key, value) VALUES ('x', 'y')"))
    finally:
        ro.dispose()

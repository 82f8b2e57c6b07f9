"""Durability: FULL sync for step-completing commits, migrations from older releases, schema drift,
disk full and read-only folders."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, func, select

from app.context import AppContext
from app.storage import db as storedb
from app.storage.models import Base, LabRun, StepAttempt
from tests.store.helpers import trainee
from tests.stored_progress import store_lab_run, store_quiz_attempt

ROOT = Path(__file__).resolve().parents[2]


def test_schema_has_no_drift_from_the_models(ctx):
    """The migrated database is exactly what the models say (what `alembic check` verifies)."""
    with ctx.store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []


def test_dashboard_indexes_exist(ctx):
    from sqlalchemy import inspect

    names = {ix["name"] for ix in inspect(ctx.store.engine).get_indexes("step_attempts")}
    assert {"ix_attempt_progress", "ix_attempt_course_step"} <= names


def _sync_levels(ctx) -> list[int]:
    seen: list[int] = []

    @event.listens_for(ctx.store.engine, "commit")
    def _spy(conn):
        seen.append(conn.exec_driver_sql("PRAGMA synchronous").scalar())

    return seen


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_step_completing_commits_are_fully_synced(ctx, admin):
    """synchronous=FULL (2) when a step completes, NORMAL (1) for drafts and other writes."""
    t = trainee(ctx, admin, "wu", "吴")
    seen = _sync_levels(ctx)
    ctx.progress.save_draft(t, "c", "m/q", {"answers": [1]})
    store_quiz_attempt(ctx.progress, t, "c", "1", "m/q", answers={}, score=1, passed=True, duration_s=1)
    store_lab_run(ctx.progress, t, "c", "1", "m/lab", parameters={}, seed=1, metrics={}, score=1, passed=True,
                                duration_s=1)
    ctx.progress.record_lesson(t, "c", "1", "m/l", seconds=30, completed=False)
    ctx.progress.record_lesson(t, "c", "1", "m/l", seconds=30, completed=True)
    ctx.progress.sign_off(admin, t.user_id, "c", "m/p", {"ok": True})
    assert seen == [1, 2, 2, 1, 2, 2]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_durable_entered_mid_transaction_fsyncs_the_wal(ctx, admin, monkeypatch):
    synced: list[Path] = []
    monkeypatch.setattr(storedb, "_fsync", synced.append)
    with ctx.store.session() as s, s.begin():
        s.execute(select(func.count()).select_from(StepAttempt))  # the transaction has begun
        with storedb.durable(s):
            s.add(StepAttempt(user_id=admin.user_id, course_id="c", step_key="m/s", kind="quiz", answers={}))
    assert synced == [Path(f"{storedb.sqlite_path(ctx.store.url)}-wal")]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_disk_full_is_one_clear_error_and_nothing_half_written(ctx, admin):
    t = trainee(ctx, admin, "zhou", "周")
    store_quiz_attempt(ctx.progress, t, "c", "1", "m/q", answers={}, score=0.5, passed=False, duration_s=1)
    path = storedb.sqlite_path(ctx.store.url)
    with sqlite3.connect(path) as raw:
        pages = raw.execute("PRAGMA page_count").fetchone()[0]
    ctx.store.engine.dispose()

    def cap(dbapi_conn, _rec):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    event.listen(ctx.store.engine, "connect", cap)
    big = {"questions": [{"id": f"q{i}", "response": "x" * 2000, "correct": True, "points": 1} for i in range(50)]}
    with pytest.raises(storedb.WriteRefused, match="disk is full: nothing was saved"):
        store_quiz_attempt(ctx.progress, t, "c", "1", "m/q", answers=big, score=1, passed=True, duration_s=1)
    with pytest.raises(storedb.WriteRefused, match="disk is full"):
        store_lab_run(ctx.progress, t, "c", "1", "m/lab", parameters={"blob": "y" * 100_000}, seed=1, metrics={},
                                    score=1, passed=True, duration_s=1)
    # Still usable for reading; nothing of either write is there.
    prog = ctx.progress.course_progress(t, t.user_id, "c", [("m/q", "quiz"), ("m/lab", "lab")])
    assert prog.steps["m/q"].attempts == 1 and prog.status("m/lab").value == "not_started"
    with ctx.store.session() as s:
        assert s.scalar(select(func.count()).select_from(LabRun)) == 0
        assert s.scalar(select(func.count()).select_from(StepAttempt)) == 1
    event.remove(ctx.store.engine, "connect", cap)
    ctx.store.engine.dispose()
    assert storedb.check_sqlite_file(path) == []
    store_quiz_attempt(ctx.progress, t, "c", "1", "m/q", answers=big, score=1, passed=True, duration_s=1)


def test_upgrade_from_the_first_release_keeps_everything_and_backs_up(tmp_path):
    path = tmp_path / "zhizao.sqlite"
    url = storedb.sqlite_url(path)
    command.upgrade(storedb.alembic_config(url), "0001_initial")
    raw = sqlite3.connect(path)
    raw.execute("PRAGMA foreign_keys=ON")
    raw.execute("INSERT INTO users (id, workstation_id, created_at, login, display_name, role, password_hash, "
                "disabled, failed_attempts) VALUES ('u1', 'ws', '2025-05-01 08:00:00.000000', 'wang', '王伟', "
                "'trainee', 'x', 0, 0)")
    raw.executemany("INSERT INTO step_attempts (id, workstation_id, created_at, user_id, course_id, course_version, "
                    "step_key, kind, started_at, duration_s, score, passed, answers) VALUES (?, 'ws', "
                    "'2025-05-02 08:00:00.000000', 'u1', 'c', '1', 'm/q', 'quiz', '2025-05-02 08:00:00.000000', "
                    "5, 0.5, 0, '{}')", [(f"a{i}",) for i in range(20)])
    raw.commit()
    raw.close()

    ctx = AppContext.open(tmp_path, storedb.sqlite_url(path))
    try:
        assert storedb.current_revision(ctx.store.engine) == storedb.head_revision()
        with ctx.store.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT count(*) FROM step_attempts").scalar() == 20
            assert conn.exec_driver_sql("SELECT updated_at FROM users").scalar().startswith("2025-05-01 08:00:00")
    finally:
        ctx.close()
    backups = list((tmp_path / "backups").glob("zhizao-before-*.sqlite"))
    assert len(backups) == 1 and storedb.head_revision() in backups[0].name
    old = sqlite3.connect(backups[0])
    assert old.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001_initial",)
    assert old.execute("SELECT count(*) FROM step_attempts").fetchone() == (20,)
    old.close()


def test_a_migration_that_breaks_references_is_rolled_back(tmp_path, monkeypatch):
    """Migrations run with foreign keys off (SQLite's rule) but are checked before the commit."""
    path = tmp_path / "zhizao.sqlite"
    url = storedb.sqlite_url(path)
    command.upgrade(storedb.alembic_config(url), "0001_initial")
    real = storedb._run_alembic

    def breaking(conn, url_):
        real(conn, url_)
        conn.exec_driver_sql("INSERT INTO cohort_members (cohort_id, user_id) VALUES ('nope', 'nobody')")

    monkeypatch.setattr(storedb, "_run_alembic", breaking)
    with pytest.raises(storedb.StoreError, match="left as it was"):
        storedb.upgrade(url, tmp_path / "backups")
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001_initial",)
    assert conn.execute("SELECT count(*) FROM cohort_members").fetchone() == (0,)
    conn.close()


def _unprivileged(cmd: list[str]) -> list[str] | None:
    """Run ``cmd`` so file permissions apply: as is for a normal user, as root without DAC override."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", *cmd]


READ_ONLY_PROBE = """
import json, sys
from pathlib import Path
from app.context import AppContext
from app.services.auth import SYSTEM, Actor
from app.storage.db import StoreError
from app.storage.models import Role
from tests.stored_progress import store_lab_run, store_quiz_attempt
ctx = AppContext.open(Path(sys.argv[1]))
out = {"readonly": ctx.store.readonly, "logins": [u.login for u in ctx.accounts.list_users(SYSTEM)]}
me = Actor(sys.argv[2], "wang", "W", Role.TRAINEE)
out["attempts"] = len(ctx.progress.attempts(me, me.user_id, "c", "m/q"))
try:
    store_quiz_attempt(ctx.progress, me, "c", "1", "m/q", answers={}, score=1, passed=True, duration_s=1)
    out["write"] = "saved"
except StoreError as exc:
    out["write"] = str(exc)
print(json.dumps(out))
"""


def test_a_read_only_data_dir_opens_read_only_and_says_so(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="zhizao-ro-"))
    try:
        data = folder / "data"
        ctx = AppContext.open(data)
        admin = ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
        wang = trainee(ctx, admin, "wang", "王伟")
        store_quiz_attempt(ctx.progress, wang, "c", "1", "m/q", answers={}, score=1, passed=True, duration_s=1)
        ctx.close()
        for p in data.iterdir():
            if p.is_file():
                os.chmod(p, 0o444)
        os.chmod(data, 0o555)
        cmd = _unprivileged([sys.executable, "-c", READ_ONLY_PROBE, str(data), wang.user_id])
        if cmd is None:
            pytest.skip("running as root without setpriv: cannot make a folder read-only for ourselves")
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        assert out["readonly"] is True
        assert out["logins"] == ["admin", "wang"] and out["attempts"] == 1
        assert "read-only" in out["write"] and "nothing was saved" in out["write"]
        # The CLI checks it and refuses imports with one line, no traceback.
        check = subprocess.run(_unprivileged([sys.executable, "-m", "app", "--data-dir", str(data), "db", "check"]),
                               cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert check.returncode == 0 and "sound" in check.stdout, check.stderr
        (folder / "b.zip").write_bytes(b"x")
        imp = subprocess.run(_unprivileged([sys.executable, "-m", "app", "--data-dir", str(data), "import",
                                            "progress", str(folder / "b.zip")]),
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert imp.returncode == 1 and "read-only" in imp.stderr and "Traceback" not in imp.stderr
        assert len(imp.stderr.strip().splitlines()) == 1
        # An older release's database in a read-only folder cannot be upgraded: said plainly.
        old = folder / "old"
        old.mkdir()
        command.upgrade(storedb.alembic_config(storedb.sqlite_url(old / "zhizao.sqlite")), "0001_initial")
        os.chmod(old / "zhizao.sqlite", 0o444)
        os.chmod(old, 0o555)
        listing = subprocess.run(_unprivileged([sys.executable, "-m", "app", "--data-dir", str(old), "users",
                                                "list"]), cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert listing.returncode == 1 and "older release" in listing.stderr, listing.stderr
        assert len(listing.stderr.strip().splitlines()) == 1
        assert sqlite3.connect(old / "zhizao.sqlite").execute("SELECT version_num FROM alembic_version"
                                                               ).fetchone() == ("0001_initial",)
    finally:
        for p in [folder, *folder.rglob("*")]:
            os.chmod(p, 0o755)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_workstations_starting_together_migrate_once(new_db, pg_server):
    """Several PCs of a center start at once against a new, empty server database."""
    import psycopg

    url = new_db("fresh")
    dbname = url.split("/")[3].split("?")[0]
    with pg_server.admin() as conn:  # an empty database, as a center's admin creates it
        conn.execute(f'DROP DATABASE "{dbname}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{dbname}"')
    errors: list[BaseException] = []

    def start() -> None:
        try:
            storedb.upgrade(url)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread to re-raise
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    with psycopg.connect(host=str(pg_server.socket_dir), port=pg_server.port, user=pg_server.user,
                         dbname=dbname) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchall() == [(storedb.head_revision(),)]

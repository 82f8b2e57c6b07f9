"""A refused database write tells the user what kind of refusal, never the SQL or its values (issue 21).

Before, a failing `zhizao users add` printed the driver's message with the INSERT
and its parameters, the new user's argon2 hash among them.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.exc import IntegrityError, OperationalError

from app.context import AppContext
from app.services.errors import StorageError, storage_message
from app.storage.db import sqlite_url
from app.storage.models import Role, Setting

ROOT = Path(__file__).resolve().parents[2]
LEAKS = ("$argon2", "INSERT", "[SQL", "parameters", "secret-bob")


def _refuse_new_users(db: Path) -> None:
    """The fault: the database refuses every new account (as a constraint would)."""
    conn = sqlite3.connect(db)
    conn.execute("CREATE TRIGGER refuse_users BEFORE INSERT ON users "
                 "BEGIN SELECT RAISE(ABORT, 'refused by the test trigger'); END")
    conn.commit()
    conn.close()


def test_failing_users_add_prints_one_line_without_sql_or_hash(tmp_path):
    data = tmp_path / "data"
    AppContext.open(data).close()
    _refuse_new_users(data / "zhizao.sqlite")

    run = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data), "users", "add", "bob",
                          "--name", "Bob", "--password-stdin"], input="secret-bob\n", cwd=ROOT,
                         capture_output=True, text=True, timeout=300)

    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "zhizao: The database refused the request (the change conflicts with a record already stored); "
        "nothing was changed."]
    assert run.stdout == ""
    log = (data / "logs" / "zhizao.log").read_text(encoding="utf-8")
    assert "refused by the test trigger" in log  # the details are kept for the administrator ...
    assert not [leak for leak in ("$argon2", "secret-bob") if leak in log]  # ... without the values


def test_service_error_names_the_kind_only(ctx, admin):
    _refuse_new_users(Path(ctx.store.engine.url.database))
    with pytest.raises(StorageError) as info:
        ctx.accounts.add_user(admin, "bob", "Bob", Role.TRAINEE, "secret-bob")
    assert "conflicts with a record already stored" in str(info.value)
    assert not [leak for leak in LEAKS if leak in str(info.value)]


def test_engine_errors_hide_the_parameters(ctx):
    with pytest.raises(IntegrityError) as info:
        with ctx.store.session() as s, s.begin():
            s.add(Setting(key="center_id", value="secret-value"))  # the key exists: refused
    assert "secret-value" not in str(info.value)
    assert "hidden" in str(info.value)


def test_a_busy_database_is_named_busy(tmp_path):
    path = tmp_path / "busy.sqlite"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    engine = create_engine(sqlite_url(path), connect_args={"timeout": 0}, hide_parameters=True)
    try:
        with pytest.raises(OperationalError) as info, engine.begin() as conn:
            conn.exec_driver_sql("INSERT INTO t VALUES (?)", ("secret-value",))
    finally:
        engine.dispose()
        holder.close()
    message = storage_message(info.value)
    assert "busy" in message
    assert "secret-value" not in message and "INSERT" not in message


def test_a_database_error_outside_the_services_is_one_line_without_sql(tmp_path):
    """`export report` reads the database directly too: a missing table there is not an "unexpected error"."""
    data = tmp_path / "data"
    AppContext.open(data).close()
    conn = sqlite3.connect(data / "zhizao.sqlite")
    conn.execute("DROP TABLE enrollments")  # the fault: a damaged schema behind a current revision
    conn.commit()
    conn.close()

    run = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(data), "export", "report", "-o",
                          str(tmp_path / "report.csv")], cwd=ROOT, capture_output=True, text=True, timeout=300)

    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "zhizao: The database refused the request (the database cannot be reached or used); nothing was changed."]
    assert "unexpected" not in run.stderr and "SELECT" not in run.stderr


def test_a_refused_record_is_named_by_its_rule_never_its_values():
    """A sync report quotes which rule a record broke; PostgreSQL's DETAIL line (with the values) is left out."""
    from sqlalchemy.exc import IntegrityError

    from app.services.errors import constraint_summary

    class PgError(Exception):
        pass

    orig = PgError('duplicate key value violates unique constraint "users_login_key"\n'
                   'DETAIL:  Key (login)=(zhang.secret) already exists.')
    text = constraint_summary(IntegrityError("INSERT INTO users ...", {"login": "zhang.secret"}, orig))
    assert text == 'duplicate key value violates unique constraint "users_login_key"'
    assert "zhang.secret" not in text

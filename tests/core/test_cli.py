"""The `zhizao` command line as a process: output, exit codes, no tracebacks.

What is about the process itself (``python -m app``, --version, usage errors, the data dir's
environment variable, the self-test) runs a real ``python -m app``; the account and database
commands run in processes forked from a warm interpreter (tests.store.cli_server), the same
code from ``main`` on without importing SQLAlchemy and the app again for each (issue 20).
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from app import __version__
from app.cli.main import build_parser
from tests.conftest import FIXTURE_COURSE
from tests.store import cli_server


def zhizao(*args: str, data_dir=None, stdin: str | None = None, env: dict | None = None):
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ZHIZAO_LANG": "en", **(env or {})}
    cmd = [sys.executable, "-m", "app"]
    if data_dir is not None:
        cmd += ["--data-dir", str(data_dir)]
    return subprocess.run(cmd + list(args), input=stdin, capture_output=True, text=True, env=full_env, timeout=120)


def forked(*args: str, data_dir=None, stdin: str | None = None):
    """Like ``zhizao``, in a process forked from the warm server."""
    full_env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ZHIZAO_LANG": "en"}
    dirs = [] if data_dir is None else ["--data-dir", str(data_dir)]
    return cli_server.run(dirs + list(args), input=stdin, env=full_env, timeout=120)


def test_version():
    res = zhizao("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"zhizao {__version__}"


def test_users_add_list_passwd_disable(tmp_path):
    res = forked("users", "add", "zhangwei", "--name", "张伟", "--role", "trainee", "--password-stdin",
                 data_dir=tmp_path, stdin="secret-pass\n")
    assert res.returncode == 0, res.stderr
    assert "zhangwei" in res.stdout
    res = forked("users", "list", data_dir=tmp_path)
    assert res.returncode == 0
    assert "zhangwei\t张伟\tTrainee\tactive" in res.stdout
    assert forked("users", "passwd", "zhangwei", "--password-stdin", data_dir=tmp_path,
                  stdin="another-pass\n").returncode == 0
    assert forked("users", "disable", "zhangwei", data_dir=tmp_path).returncode == 0
    assert "zhangwei\t张伟\tTrainee\tdisabled" in forked("users", "list", data_dir=tmp_path).stdout

    from app.context import AppContext
    from app.services.accounts import LoginFailed

    ctx = AppContext.open(tmp_path)
    try:
        with pytest.raises(LoginFailed, match="disabled"):
            ctx.accounts.authenticate("zhangwei", "another-pass")
    finally:
        ctx.close()


def test_duplicate_user_is_one_clear_line(tmp_path):
    for expected in (0, 1):
        res = forked("users", "add", "li", "--name", "李", "--password-stdin", data_dir=tmp_path, stdin="pass-word\n")
        assert res.returncode == expected
    assert res.stderr.strip() == "zhizao: The login “li” is already taken."
    assert "Traceback" not in res.stderr


def test_role_choices_are_the_roles():
    """The parser writes the roles out (it is built without the models): they must stay Role's values."""
    from app.cli import users
    from app.storage.models import Role

    assert users.ROLES == tuple(r.value for r in Role)
    parser = build_parser()
    assert Role(parser.parse_args(["users", "add", "x", "--name", "X"]).role) is Role.TRAINEE
    assert Role(parser.parse_args(["sync", "trust", "FP"]).role) is Role.INSTRUCTOR
    assert Role(parser.parse_args(["sync", "trust", "FP", "--role", "admin"]).role) is Role.ADMIN


@pytest.mark.parametrize("args", [["users", "add"], ["users", "frobnicate"], ["--no-such-option"],
                                  ["users", "add", "x", "--name", "X", "--role", "king"]])
def test_usage_errors_exit_2_without_traceback(tmp_path, args):
    res = zhizao(*args, data_dir=tmp_path)
    assert res.returncode == 2
    assert "error:" in res.stderr and "Traceback" not in res.stderr


def test_db_upgrade_backup_check_restore(tmp_path):
    assert forked("db", "upgrade", data_dir=tmp_path).returncode == 0
    assert "up to date" in forked("db", "upgrade", data_dir=tmp_path).stdout
    forked("users", "add", "wang", "--name", "王芳", "--password-stdin", data_dir=tmp_path, stdin="pass-word\n")
    backup = tmp_path / "b.sqlite"
    res = forked("db", "backup", str(backup), data_dir=tmp_path)
    assert res.returncode == 0 and backup.exists()
    res = forked("db", "check", data_dir=tmp_path)
    assert res.returncode == 0 and "sound" in res.stdout
    forked("users", "add", "zhao", "--name", "赵", "--password-stdin", data_dir=tmp_path, stdin="pass-word\n")
    assert forked("db", "restore", str(backup), data_dir=tmp_path).returncode == 0
    listing = forked("users", "list", data_dir=tmp_path).stdout
    assert "wang" in listing and "zhao" not in listing


def test_restore_missing_file_is_clear(tmp_path):
    res = zhizao("db", "restore", str(tmp_path / "nope.sqlite"), data_dir=tmp_path)
    assert res.returncode == 1 and "No backup file" in res.stderr and "Traceback" not in res.stderr


def test_env_var_selects_data_dir(tmp_path):
    env = {"ZHIZAO_DATA_DIR": str(tmp_path / "envdir")}
    res = zhizao("users", "add", "li", "--name", "李", "--password-stdin", stdin="pass-word\n", env=env)
    assert res.returncode == 0
    assert (tmp_path / "envdir" / "zhizao.sqlite").exists()


def test_self_test_exits_zero_and_prints_startup(tmp_path):
    res = zhizao("--self-test", env={"HOME": str(tmp_path)})
    assert res.returncode == 0, res.stdout + res.stderr
    assert "STARTUP_MS" in res.stdout
    assert "ok   main window painted" in res.stdout


def test_export_course_without_output_names_the_package_by_version(tmp_path, monkeypatch, capsys):
    """The name comes from course.yaml's version; the export itself reads and checks the course once."""
    import shutil

    from app.cli.main import main

    shutil.copytree(FIXTURE_COURSE, tmp_path / "data" / "library" / "fixture-mini")
    monkeypatch.chdir(tmp_path)
    assert main(["--data-dir", str(tmp_path / "data"), "export", "course", "fixture-mini"]) == 0
    assert (tmp_path / "fixture-mini-1.0.0.zhizao").is_file()
    assert "Exported fixture-mini to fixture-mini-1.0.0.zhizao" in capsys.readouterr().out

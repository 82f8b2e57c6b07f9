"""xAPI push against a real Learning Record Store: Ralph (openfun) with its file-system backend.

Started per module from the ``lrs`` extra (``pip install -e '.[test]'`` pulls it in); skipped, saying why,
where Ralph is not installed or does not start. Credentials come from ``ralph auth`` as an administrator
would make them; the server is Ralph's FastAPI app under uvicorn on a socket this test binds (no port race
under xdist; ``ralph runserver`` itself always runs uvicorn's file-watching reloader over its working folder).
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.services import xapi as xapi_mod
from app.services.auth import SYSTEM
from app.services.xapi import XapiError, XapiService
from tests.store.helpers import workstation_history

HOME = "https://training.example-factory.cn"
USER, PASSWORD = "zhizao-push", "lrs-pass-42"  # Ralph (FastAPI) decodes basic auth as ASCII only
RALPH = Path(sys.executable).with_name("ralph")


class Lrs:
    def __init__(self, url: str, data_dir: Path, log: Path) -> None:
        self.url = url  # .../xAPI
        self.data_dir = data_dir
        self.log = log

    def _get(self, url: str) -> dict:
        token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        req = urllib.request.Request(url, headers={"Authorization": f"Basic {token}",
                                                   "X-Experience-API-Version": "1.0.3"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.load(resp)

    def statements(self, **query: str) -> list[dict]:
        """GET /statements, following the ``more`` links (Ralph pages at 100)."""
        base = urllib.parse.urlsplit(self.url)
        url = f"{self.url}/statements?" + urllib.parse.urlencode(query)
        out: list[dict] = []
        while url:
            page = self._get(url)
            out.extend(page["statements"])
            more = page.get("more")
            url = f"{base.scheme}://{base.netloc}{more}" if more else ""
        return out

    def by_id(self, statement_id: str) -> dict | None:
        try:
            got = self._get(f"{self.url}/statements?" + urllib.parse.urlencode({"statementId": statement_id}))
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        if "statements" in got:  # Ralph answers a statementId query with a result page, not the statement
            return got["statements"][0] if got["statements"] else None
        return got


# Ralph's file-system LRS backend (its development backend; 5.1.0) writes each POST with its data backend's
# default mode, "create", which refuses to touch the statements file once it exists: every POST after the
# first answers 500. Its "append" mode is what an LRS needs; everything else is Ralph's own code.
# The credentials are made first by Ralph's own `ralph auth` command, run in the server's process: a process
# of its own imported Ralph again (~0.7 s of CPU per run).
_SERVE = """\
import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
from ralph.cli import cli
cli.main({auth!r}, prog_name="ralph", standalone_mode=False)
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.main()
"""
_AUTH = ["auth", "-u", USER, "-p", PASSWORD, "-s", "all", "-M", "mailto:xapi@example-factory.cn", "-w"]


def _wait_up(url: str, proc: subprocess.Popen, log: Path, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.skip(f"Ralph LRS exited ({proc.returncode}) at start: {log.read_text(errors='replace')[-500:]}")
        try:
            with urllib.request.urlopen(url + "/__heartbeat__", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.skip(f"Ralph LRS did not answer within {seconds:.0f} s: {log.read_text(errors='replace')[-500:]}")


@pytest.fixture(scope="module")
def ralph(tmp_path_factory) -> Iterator[Lrs]:
    # Looked up, not imported: Ralph configures itself from the environment when its app is imported.
    missing = [m for m in ("ralph", "uvicorn", "fastapi", "bcrypt") if importlib.util.find_spec(m) is None]
    if missing or not RALPH.exists():
        pytest.skip(f"Ralph LRS not installed (pip install -e '.[lrs]'): missing {', '.join(missing) or RALPH}")
    if sys.platform == "win32":
        pytest.skip("the test LRS gets its listening socket by descriptor (pass_fds): POSIX only")
    root = tmp_path_factory.mktemp("ralph")
    data, log = root / "statements", root / "ralph.log"
    data.mkdir()
    env = {**os.environ, "RALPH_APP_DIR": str(root), "RALPH_AUTH_FILE": str(root / "auth.json"),
           "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data),
           "RALPH_SENTRY_DSN": ""}
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-c", _SERVE.format(auth=_AUTH), "--fd", str(sock.fileno()),
                                 "--log-level", "warning", "ralph.api:app"],
                                env=env, cwd=root, stdout=out, stderr=subprocess.STDOUT, pass_fds=(sock.fileno(),))
    sock.close()  # the server holds its own copy
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, proc, log)
        yield Lrs(url + "/xAPI", data, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def journey(ctx):
    """Two trainees' lessons, quizzes, a lab, a sign-off and a completed course (workstation 1)."""
    h = workstation_history(ctx, 1)
    ctx.progress.record_lesson(h["wang"], "robot-basics", "1.0.0", "m1/intro", seconds=42.5, completed=False)
    return h


def _ours(statement: dict, stored: dict) -> dict:
    """The part of a stored statement we sent: the LRS adds stored/authority/version (and may add more)."""
    return {k: stored[k] for k in statement if k in stored}


def test_a_trainee_journey_reaches_the_lrs_as_sent(ctx, journey, ralph, monkeypatch):
    monkeypatch.setattr(xapi_mod, "BATCH", 40)  # several batches
    service = XapiService(ctx.store.sessions)
    sent = list(service.statements(SYSTEM, HOME))
    assert len(sent) > 40
    res = service.post(SYSTEM, ralph.url, USER, PASSWORD, HOME)
    assert res.posted == len(sent)

    ours = {st["id"] for st in sent}
    stored = {st["id"]: st for st in ralph.statements() if st["id"] in ours}
    assert set(stored) == ours  # nothing lost
    for st in sent:
        got = stored[st["id"]]
        assert _ours(st, got) == st, st["id"]
        assert got["authority"]["mbox"] == "mailto:xapi@example-factory.cn"  # it came in with our login

    # The LRS answers queries on what we sent: wang's statements, by account.
    wang = ralph.statements(agent=json.dumps({"account": {"homePage": HOME, "name": "wang"}}))
    assert {st["actor"]["account"]["name"] for st in wang} == {"wang"}  # (other tests' wang too: one LRS)
    assert {st["id"] for st in wang} & ours == {st["id"] for st in sent if st["actor"]["account"]["name"] == "wang"}

    # Pushing again (the next export run) adds nothing: statement ids are stable, the LRS keeps one copy.
    again = service.post(SYSTEM, ralph.url, USER, PASSWORD, HOME)
    assert again.posted == len(sent)
    assert sorted(st["id"] for st in ralph.statements() if st["id"] in ours) == sorted(ours)


def test_a_statement_the_lrs_refuses_is_named_and_its_batch_not_counted(ctx, journey, ralph, monkeypatch):
    """Ralph answers 422 with one error per alternative of the actor union, for the first statement it
    refuses; the report names it and the field that matched its shape, and counts none of its batch."""
    monkeypatch.setattr(xapi_mod, "BATCH", 10)
    sent = list(XapiService(ctx.store.sessions).statements(SYSTEM, HOME))
    first, second = sent[:10], json.loads(json.dumps(sent[10:20]))
    for st in second[3:6]:
        st["actor"]["account"]["name"] = ""  # an account needs a name
    with pytest.raises(XapiError) as err:
        xapi_mod.post_statements(iter(first + second), ralph.url, USER, PASSWORD)
    exc = err.value
    assert exc.posted == 10  # the first batch, which the LRS has
    assert exc.rejected == [(second[3]["id"], "actor.BaseXapiAgentWithAccount.account.name: "
                                              "String should have at least 1 character")]
    assert str(exc) == ("The LRS refused 1 statement (422); it stored none of this batch of 10 (10 sent before "
                        f"it): {second[3]['id']}: actor.BaseXapiAgentWithAccount.account.name: String should "
                        "have at least 1 character")
    assert all(ralph.by_id(st["id"]) is not None for st in first)
    assert all(ralph.by_id(st["id"]) is None for st in second)  # none of the refused batch


def test_a_home_page_the_lrs_would_refuse_is_caught_before_sending(ctx, journey, ralph):
    # `--home-page training.example-factory.cn` (no scheme): no actor's homePage would be an IRI.
    # (Ralph 5.1 itself then answers 500: it cannot serialise its own IRI validation error.)
    before = len(ralph.statements())
    with pytest.raises(XapiError, match="must be a full address") as err:
        XapiService(ctx.store.sessions).post(SYSTEM, ralph.url, USER, PASSWORD, "training.example-factory.cn")
    assert err.value.posted == 0
    assert len(ralph.statements()) == before


def test_a_record_changed_after_a_push_is_reported_not_overwritten(ctx, journey, ralph):
    """Renaming a trainee changes the actor of statements the LRS already holds: it answers 409."""
    service = XapiService(ctx.store.sessions)
    service.post(SYSTEM, ralph.url, USER, PASSWORD, HOME)
    ctx.accounts.rename_user(journey["admin"], journey["wang"].user_id, "王伟 (2)")
    changed = {st["id"] for st in service.statements(SYSTEM, HOME) if st["actor"]["account"]["name"] == "wang"}
    with pytest.raises(XapiError) as err:
        service.post(SYSTEM, ralph.url, USER, PASSWORD, HOME)
    exc = err.value
    assert len(exc.rejected) == 1 and exc.rejected[0][0] in changed  # Ralph names the first it meets
    assert "(409)" in str(exc) and exc.rejected[0][0] in str(exc) and "0 sent before it" in str(exc)
    assert exc.posted == 0
    kept = ralph.by_id(exc.rejected[0][0])
    assert kept["actor"]["name"] == "王伟"  # the LRS keeps what it had


def test_a_wrong_password_is_one_clear_message(ctx, journey, ralph):
    with pytest.raises(XapiError, match="refused the login"):
        XapiService(ctx.store.sessions).post(SYSTEM, ralph.url, USER, "not-the-password", HOME)


def test_the_cli_says_sent_only_when_the_lrs_took_everything(ctx, journey, ralph, monkeypatch, capsys):
    from app.cli.main import main

    db = ctx.store.engine.url.render_as_string(hide_password=False)
    args = ["--data-dir", str(ctx.data_dir), "--db", db, "export", "xapi", "--home-page", HOME,
            "--lrs", ralph.url, "--lrs-user", USER]
    monkeypatch.setenv("ZHIZAO_LRS_PASSWORD", PASSWORD)
    count = sum(1 for _st in XapiService(ctx.store.sessions).statements(SYSTEM, HOME))
    assert main(args) == 0
    assert f"Sent {count} xAPI statements to {ralph.url}." in capsys.readouterr().out

    ctx.accounts.rename_user(journey["admin"], journey["wang"].user_id, "王伟 (2)")
    assert main(args) == 1
    out, err = capsys.readouterr()
    assert "Sent" not in out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "refused 1 statement (409)" in lines[0] and "Traceback" not in err

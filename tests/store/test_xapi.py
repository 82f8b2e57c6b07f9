"""xAPI 1.0.3 export: every statement valid against the schema, the right verbs and results, LRS posting."""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import jsonschema
import pytest
from sqlalchemy import select

from app.services import xapi as xapi_mod
from app.services.auth import SYSTEM, PermissionDenied
from app.services.xapi import StatementBuilder, XapiError, XapiService, iso_duration
from app.storage.models import LabRun
from tests.store.helpers import workstation_history

SCHEMA = json.loads((Path(__file__).with_name("xapi_statement.schema.json")).read_text(encoding="utf-8"))
HOME = "https://training.example-factory.cn"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture
def history(ctx):
    h = workstation_history(ctx, 1)
    ctx.progress.record_lesson(h["wang"], "robot-basics", "1.0.0", "m1/intro", seconds=42.5, completed=False)
    return h


def _validate(statements):
    validator = jsonschema.Draft202012Validator(SCHEMA)
    for st in statements:
        errors = sorted(validator.iter_errors(st), key=lambda e: list(e.path))
        assert not errors, f"{errors[0].message} at {list(errors[0].path)} in {json.dumps(st)[:300]}"
        score = st.get("result", {}).get("score")
        if score and "raw" in score:  # cross-field rule the schema cannot express
            assert score.get("min", score["raw"]) <= score["raw"] <= score.get("max", score["raw"])


def test_exported_statements_are_valid_xapi(ctx, history, tmp_path):
    res = XapiService(ctx.store.sessions).export_file(SYSTEM, tmp_path / "xapi.json", HOME)
    statements = json.loads((tmp_path / "xapi.json").read_text(encoding="utf-8"))
    assert res.count == len(statements) > 0
    _validate(statements)
    verbs = Counter(st["verb"]["id"].removeprefix(ADL) for st in statements)
    assert set(verbs) == {"experienced", "attempted", "answered", "passed", "failed", "completed"}
    assert len({st["id"] for st in statements}) == len(statements)

    wang = [st for st in statements if st["actor"]["account"]["name"] == "wang"]
    assert wang[0]["actor"] == {"objectType": "Agent", "name": "王伟", "account": {"homePage": HOME, "name": "wang"}}
    quiz_attempts = 3 * 2  # workstation 1 records 3 quiz attempts for each of its two trainees
    assert verbs["answered"] == quiz_attempts * 3  # three questions in each
    graded = [st for st in statements if st["verb"]["id"] in (ADL + "passed", ADL + "failed")
              and st["object"]["id"].endswith("/modules/m1/steps/quiz")]
    assert len(graded) == quiz_attempts
    for st in graded:
        assert st["result"]["success"] is (st["verb"]["id"] == ADL + "passed")
        assert 0 <= st["result"]["score"]["scaled"] <= 1
        assert st["result"]["duration"].startswith("PT")
        ctx_acts = st["context"]["contextActivities"]
        assert ctx_acts["grouping"][0]["id"] == f"{HOME}/xapi/activities/courses/robot-basics"
        assert ctx_acts["parent"][0]["id"] == f"{HOME}/xapi/activities/courses/robot-basics/modules/m1"
        assert st["context"]["extensions"][f"{HOME}/xapi/extensions/module-id"] == "m1"
        assert st["context"]["registration"]  # the enrollment
    labs = [st for st in statements if st["verb"]["id"] == ADL + "passed" and st["object"]["id"].endswith("/lab")]
    assert len(labs) == 2
    assert labs[0]["result"]["extensions"][f"{HOME}/xapi/extensions/lab-run"]["metrics"] == {"cycle_s": 13.5}
    assert labs[0]["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/simulation"
    experienced = [st for st in statements if st["verb"]["id"] == ADL + "experienced"]
    assert any(st["result"]["duration"] == "PT42.5S" for st in experienced)
    practical = [st for st in statements if st["object"]["id"].endswith("/steps/practical")]
    assert practical and practical[0]["context"]["instructor"]["account"]["name"] == "admin"
    course_done = [st for st in statements if st["verb"]["id"] == ADL + "completed"
                   and st["object"]["id"].endswith("/courses/robot-basics")]
    assert [st["actor"]["account"]["name"] for st in course_done] == ["li1"]

    # Exporting again gives the same statement ids (an LRS keeps one copy).
    again = list(XapiService(ctx.store.sessions).statements(SYSTEM, HOME))
    assert [st["id"] for st in again] == [st["id"] for st in statements]


def test_iso_durations():
    assert iso_duration(0) == "PT0S"
    assert iso_duration(75.5) == "PT75.5S"
    assert iso_duration(3600.123) == "PT3600.12S"


def test_only_staff_export_statements(ctx, history, tmp_path):
    with pytest.raises(PermissionDenied):
        XapiService(ctx.store.sessions).export_file(history["wang"], tmp_path / "x.json", HOME)
    assert not (tmp_path / "x.json").exists()


def test_a_home_page_that_is_not_a_full_address_is_refused_before_writing(ctx, history, tmp_path):
    for bad in ("training.example-factory.cn", "https://training example.cn", "mailto:x@example.cn", ""):
        with pytest.raises(XapiError, match="home page must be a full address"):
            XapiService(ctx.store.sessions).export_file(SYSTEM, tmp_path / "x.json", bad or " ")
        assert not (tmp_path / "x.json").exists()  # nothing half-written


def test_non_finite_lab_metrics_still_give_strict_json(ctx, history, tmp_path, backend):
    """SQLite keeps NaN/inf in a lab run's metrics; JSON has no such numbers (a strict LRS refuses them)."""
    if backend == "postgresql":
        pytest.skip("PostgreSQL refuses NaN/inf in a JSON column: such a lab run is never stored there")
    with ctx.store.session() as s, s.begin():
        run = s.scalars(select(LabRun).order_by(LabRun.id)).first()
        run.metrics = {"cycle_s": float("nan"), "throughput": float("inf"), "trace": [1.5, float("-inf")]}
        run_attempt = run.attempt_id
    XapiService(ctx.store.sessions).export_file(SYSTEM, tmp_path / "x.json", HOME)

    def refuse(name):
        raise AssertionError(f"{name} in the file")

    statements = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"), parse_constant=refuse)
    ext = f"{HOME}/xapi/extensions/lab-run"
    labs = [st["result"]["extensions"][ext] for st in statements if ext in st.get("result", {}).get("extensions", {})
            and st["id"] == StatementBuilder.statement_id(run_attempt, st["verb"]["display"]["en-US"])]
    assert labs and labs[0]["metrics"] == {"cycle_s": None, "throughput": None, "trace": [1.5, None]}


def test_a_long_pendant_log_is_sent_as_its_length_and_hash(ctx, history, tmp_path):
    """A robot lab's graded log may hold 100k events: an LRS refuses statements of megabytes."""
    log = [{"tick": i, "ev": "enable", "v": 2} for i in range(5000)]
    with ctx.store.session() as s, s.begin():
        run = s.scalars(select(LabRun).order_by(LabRun.id)).first()
        run.parameters = {"program": "MOVEJ home 50%", "session": log}
        run_attempt = run.attempt_id
    XapiService(ctx.store.sessions).export_file(SYSTEM, tmp_path / "x.json", HOME)
    statements = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    ext = f"{HOME}/xapi/extensions/lab-run"
    (params,) = [st["result"]["extensions"][ext]["parameters"] for st in statements
                 if ext in st.get("result", {}).get("extensions", {})
                 and st["id"] == StatementBuilder.statement_id(run_attempt, st["verb"]["display"]["en-US"])]
    assert params["program"] == "MOVEJ home 50%"
    assert params["session"]["items"] == 5000 and len(params["session"]["sha256"]) == 64
    assert len(json.dumps(params)) < 500


# A hand-written server, only for what a real LRS (tests/store/test_xapi_lrs.py) cannot show: how many
# requests a push makes, the exact headers and password bytes, answers Ralph never gives, no server at all.
class _LRS(BaseHTTPRequestHandler):
    received: list = []
    answer = 200
    body = b""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((self.path, self.headers, json.loads(body)))  # case-insensitive
        self.send_response(type(self).answer)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(type(self).body or json.dumps([st["id"] for st in json.loads(body)]).encode())

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture
def lrs():
    _LRS.received = []
    _LRS.answer = 200
    _LRS.body = b""
    server = HTTPServer(("127.0.0.1", 0), _LRS)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/xapi/"
    server.shutdown()
    server.server_close()


def test_statements_go_in_batches_with_the_xapi_headers(ctx, history, lrs, monkeypatch):
    monkeypatch.setattr(xapi_mod, "BATCH", 7)
    service = XapiService(ctx.store.sessions)
    expected = [st["id"] for st in service.statements(SYSTEM, HOME)]
    res = service.post(SYSTEM, lrs, "lrs-user", "密码-pass", HOME)
    assert res.posted == len(expected)
    assert len(_LRS.received) == -(-len(expected) // 7)
    path, headers, _body = _LRS.received[0]
    assert path == "/xapi/statements"
    assert headers["X-Experience-API-Version"] == "1.0.3"
    # UTF-8 credentials (RFC 7617); Ralph's server decodes basic auth as ASCII, so only this server shows it.
    assert base64.b64decode(headers["Authorization"].split()[1]).decode() == "lrs-user:密码-pass"
    posted = [st for _p, _h, body in _LRS.received for st in body]
    assert [st["id"] for st in posted] == expected
    _validate(posted)


def test_an_lrs_message_naming_a_statement_is_reported_for_it(ctx, history, lrs, monkeypatch):
    monkeypatch.setattr(xapi_mod, "BATCH", 7)
    service = XapiService(ctx.store.sessions)
    named = list(service.statements(SYSTEM, HOME))[3]["id"]
    _LRS.answer = 400
    _LRS.body = json.dumps({"message": f"Invalid statement {named}: result.score.raw out of range"}).encode()
    with pytest.raises(XapiError) as err:
        service.post(SYSTEM, lrs, "u", "p", HOME)
    assert err.value.posted == 0
    assert err.value.rejected == [(named, f"Invalid statement {named}: result.score.raw out of range")]
    assert "refused 1 statement (400)" in str(err.value)


def test_every_statement_an_lrs_lists_is_reported_on_one_line(ctx, history, lrs, monkeypatch):
    """A FastAPI-style 422 listing several statements (Ralph stops at the first; others may not)."""
    monkeypatch.setattr(xapi_mod, "BATCH", 10)
    service = XapiService(ctx.store.sessions)
    batch = list(service.statements(SYSTEM, HOME))[:10]
    detail = []
    for i in range(2, 9):  # per statement: a shallow error of another union member, then the real one
        detail.append({"loc": ["body", i, "actor", "WithMbox", "mbox"], "msg": "Field required"})
        detail.append({"loc": ["body", i, "actor", "WithAccount", "account", "name"], "msg": "too\nshort"})
    detail.append({"loc": ["body", 99, "actor"], "msg": "not in the batch"})
    _LRS.answer, _LRS.body = 422, json.dumps({"detail": detail}).encode()
    with pytest.raises(XapiError) as err:
        service.post(SYSTEM, lrs, "u", "p", HOME)
    exc = err.value
    assert exc.rejected == [(batch[i]["id"], "actor.WithAccount.account.name: too\nshort") for i in range(2, 9)]
    message = str(exc)
    assert message.startswith("The LRS refused 7 statements (422); it stored none of this batch of 10 "
                              f"(0 sent before it): {batch[2]['id']}: actor.WithAccount.account.name: too short; ")
    assert batch[6]["id"] in message and batch[7]["id"] not in message and message.endswith("; … and 2 more")
    assert len(message.splitlines()) == 1


def test_lrs_errors_are_one_clear_message(ctx, history, lrs):
    _LRS.answer, _LRS.body = 503, b"<html>\n  maintenance\n</html>\n"
    with pytest.raises(XapiError, match=r"^The LRS answered 503 after 0 statements: <html> maintenance </html>$"):
        XapiService(ctx.store.sessions).post(SYSTEM, lrs, "u", "p", HOME)
    with pytest.raises(XapiError, match="Cannot reach the LRS"):
        XapiService(ctx.store.sessions).post(SYSTEM, "http://127.0.0.1:9/xapi", "u", "p", HOME, timeout=5)
    with pytest.raises(XapiError, match="must start with http"):
        XapiService(ctx.store.sessions).post(SYSTEM, "ftp://lrs", "u", "p", HOME)

"""xAPI 1.0.3 statements from the progress store, to a file or a Learning Record Store.

Each stored record becomes statements with ADL verbs:

========================  ====================================================
lesson time               ``experienced`` the lesson (result.duration)
lesson marked read        ``completed`` the lesson
quiz attempt              ``attempted`` the quiz, ``answered`` each question
                          (result.success/response), then ``passed``/``failed``
lab attempt               ``attempted`` the lab, then ``passed``/``failed``
practical sign-off        ``passed``/``failed`` with context.instructor
course completed          ``completed`` the course
========================  ====================================================

The actor is an account on the center's home page (``name`` = login).
Activity ids live under ``<home page>/xapi/activities/courses/<course>/modules/
<module>/steps/<step>``; context names the course (grouping) and the module
(parent). Statement ids are name-based UUIDs of the stored record, so
exporting or posting twice gives the same statements (an LRS keeps one).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.atomic import atomic_path
from app.i18n import _, ngettext
from app.services.auth import Actor, ServiceError, require_staff
from app.services.errors import storage_errors
from app.storage.models import Enrollment, LabRun, LessonTime, Setting, SignOff, StepAttempt, User

XAPI_VERSION = "1.0.3"
ADL_VERBS = ("experienced", "attempted", "answered", "passed", "failed", "completed")
ACTIVITY_TYPES = {
    "course": "http://adlnet.gov/expapi/activities/course",
    "module": "http://adlnet.gov/expapi/activities/module",
    "lesson": "http://adlnet.gov/expapi/activities/lesson",
    "quiz": "http://adlnet.gov/expapi/activities/assessment",
    "lab": "http://adlnet.gov/expapi/activities/simulation",
    "practical": "http://adlnet.gov/expapi/activities/performance",
    "question": "http://adlnet.gov/expapi/activities/cmi.interaction",
}
PLATFORM = "Zhizao Academy"
_NAMESPACE = uuid.UUID("6f1c1d2e-5b7a-4c1e-9a57-7a68697a616f")  # fixed: statement ids stay stable
BATCH = 500

# (course_id, step_key or None) -> language map of the activity's name, or None for the id.
NameLookup = Callable[[str, str | None], dict[str, str] | None]


class XapiError(ServiceError):
    """Writing or posting statements failed; the message says why (translated).

    ``posted`` counts the statements the LRS took before the failure; ``rejected`` lists the
    (statement id, reason) pairs it named, so a caller can show or log each one.
    """

    def __init__(self, message: str, posted: int = 0, rejected: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__(message)
        self.posted = posted
        self.rejected = list(rejected)


def verb(name: str) -> dict[str, Any]:
    return {"id": f"http://adlnet.gov/expapi/verbs/{name}", "display": {"en-US": name}}


def iso_duration(seconds: float) -> str:
    """ISO 8601 duration as xAPI wants it (``PT75.5S``); 0.01 s precision."""
    text = f"{max(0.0, float(seconds)):.2f}".rstrip("0").rstrip(".")
    return f"PT{text}S"


def _ts(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json_safe(value: Any) -> Any:
    """NaN/inf (a simulation metric; SQLite stores them) become null: JSON has no such numbers, so a
    file or LRS post carrying them is not JSON, and strict LRSs refuse the whole batch."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


# A lab setting longer than this (a robot lab's pendant log: up to 100k events) is sent as a summary:
# an LRS refuses statements of megabytes, and the log itself stays in the center's database.
MAX_PARAMETER_ITEMS = 200


def _lab_parameters(parameters: Any) -> Any:
    """The lab's settings for a statement: long lists summarised by their length and SHA-256."""
    if not isinstance(parameters, dict):
        return _json_safe(parameters)
    out: dict[str, Any] = {}
    for key, value in parameters.items():
        if isinstance(value, list) and len(value) > MAX_PARAMETER_ITEMS:
            data = json.dumps(_json_safe(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
            out[key] = {"items": len(value), "sha256": hashlib.sha256(data.encode("utf-8")).hexdigest()}
        else:
            out[key] = _json_safe(value)
    return out


def _lang(tag: str) -> str:
    return {"zh_CN": "zh-CN", "en": "en-US"}.get(tag, tag.replace("_", "-"))


@dataclass
class XapiExportResult:
    count: int
    path: Path | None = None
    posted: int = 0


class StatementBuilder:
    """Turns stored rows into statement dicts (pure: no database)."""

    def __init__(self, home_page: str, names: NameLookup | None = None) -> None:
        parts = urllib.parse.urlsplit(home_page.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in home_page.strip()):
            # Every actor's account.homePage must be an IRI: an LRS refuses all statements otherwise.
            raise XapiError(_("The center home page must be a full address such as https://training.example.cn "
                              "({url}).").format(url=home_page))
        self.home = home_page.strip().rstrip("/")
        self.base = f"{self.home}/xapi/activities"
        self.names = names

    def agent(self, login: str, display_name: str) -> dict[str, Any]:
        return {"objectType": "Agent", "name": display_name, "account": {"homePage": self.home, "name": login}}

    def course_id(self, course_id: str) -> str:
        return f"{self.base}/courses/{course_id}"

    def module_id(self, course_id: str, step_key: str) -> str:
        module = step_key.partition("/")[0]
        return f"{self.course_id(course_id)}/modules/{module}"

    def step_id(self, course_id: str, step_key: str) -> str:
        step = step_key.partition("/")[2] or step_key
        return f"{self.module_id(course_id, step_key)}/steps/{step}"

    def _activity(self, act_id: str, kind: str, course_id: str, step_key: str | None,
                  fallback: str) -> dict[str, Any]:
        name = (self.names(course_id, step_key) if self.names else None) or {"en-US": fallback}
        definition: dict[str, Any] = {"type": ACTIVITY_TYPES[kind], "name": {_lang(k): v for k, v in name.items()}}
        if kind == "question":
            definition["interactionType"] = "other"
        return {"objectType": "Activity", "id": act_id, "definition": definition}

    def step_activity(self, course_id: str, step_key: str, kind: str) -> dict[str, Any]:
        return self._activity(self.step_id(course_id, step_key), kind if kind in ACTIVITY_TYPES else "lesson",
                              course_id, step_key, step_key)

    def context(self, course_id: str, step_key: str | None, version: str = "",
                registration: str | None = None, instructor: dict[str, Any] | None = None) -> dict[str, Any]:
        course = self._activity(self.course_id(course_id), "course", course_id, None, course_id)
        ctx: dict[str, Any] = {"platform": PLATFORM, "contextActivities": {"grouping": [course]}}
        if step_key:
            module = step_key.partition("/")[0]
            ctx["contextActivities"]["parent"] = [
                self._activity(self.module_id(course_id, step_key), "module", course_id, module, module)]
        ext = {f"{self.home}/xapi/extensions/course-id": course_id}
        if step_key:
            ext[f"{self.home}/xapi/extensions/module-id"] = step_key.partition("/")[0]
        if version:
            ext[f"{self.home}/xapi/extensions/course-version"] = version
        ctx["extensions"] = ext
        if registration:
            ctx["registration"] = str(uuid.UUID(registration))
        if instructor:
            ctx["instructor"] = instructor
        return ctx

    @staticmethod
    def statement_id(record_id: str, verb_name: str, part: str = "") -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{record_id}/{verb_name}/{part}"))

    @staticmethod
    def score(value: float | None) -> dict[str, Any] | None:
        if value is None:
            return None
        scaled = min(1.0, max(0.0, float(value)))
        return {"scaled": round(scaled, 4), "raw": round(scaled * 100, 2), "min": 0, "max": 100}

    def statement(self, sid: str, actor: dict[str, Any], verb_name: str, obj: dict[str, Any],
                  ctx: dict[str, Any], when: dt.datetime | None, result: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
        st: dict[str, Any] = {"id": sid, "actor": actor, "verb": verb(verb_name), "object": obj, "context": ctx}
        if result:
            st["result"] = result
        stamp = _ts(when)
        if stamp:
            st["timestamp"] = stamp
        return st

    # --- one stored record -> statements ---------------------------------------------------

    def for_lesson_time(self, row: LessonTime, actor: dict[str, Any], registration: str | None) -> list[dict]:
        obj = self.step_activity(row.course_id, row.step_key, "lesson")
        ctx = self.context(row.course_id, row.step_key, registration=registration)
        return [self.statement(self.statement_id(row.id, "experienced"), actor, "experienced", obj, ctx,
                               row.created_at, {"duration": iso_duration(row.seconds)})]

    def for_attempt(self, a: StepAttempt, actor: dict[str, Any], registration: str | None,
                    lab: LabRun | None = None) -> list[dict]:
        obj = self.step_activity(a.course_id, a.step_key, a.kind)
        ctx = self.context(a.course_id, a.step_key, a.course_version, registration)
        done = a.finished_at or a.created_at
        duration = iso_duration(a.duration_s)
        if a.kind == "lesson":
            return [self.statement(self.statement_id(a.id, "completed"), actor, "completed", obj, ctx, done,
                                   {"completion": True, "duration": duration})]
        out = [self.statement(self.statement_id(a.id, "attempted"), actor, "attempted", obj, ctx, a.started_at)]
        if a.kind == "quiz":
            out.extend(self._answers(a, actor, ctx))
        if a.passed is None:
            return out
        name = "passed" if a.passed else "failed"
        result: dict[str, Any] = {"success": bool(a.passed), "completion": True, "duration": duration}
        score = self.score(a.score)
        if score:
            result["score"] = score
        if lab is not None:
            result["extensions"] = {f"{self.home}/xapi/extensions/lab-run": {
                "seed": lab.seed, "parameters": _lab_parameters(lab.parameters), "metrics": _json_safe(lab.metrics)}}
        out.append(self.statement(self.statement_id(a.id, name), actor, name, obj, ctx, done, result))
        return out

    def _answers(self, a: StepAttempt, actor: dict[str, Any], ctx: dict[str, Any]) -> Iterator[dict]:
        questions = (a.answers or {}).get("questions")
        if not isinstance(questions, list):
            return
        step = self.step_id(a.course_id, a.step_key)
        for q in questions:
            if not isinstance(q, dict) or "id" not in q:
                continue
            qid = str(q["id"])
            obj = self._activity(f"{step}/questions/{qid}", "question", a.course_id, None, qid)
            result: dict[str, Any] = {}
            if isinstance(q.get("correct"), bool):
                result["success"] = q["correct"]
            response = q.get("response")
            if response is not None:
                result["response"] = response if isinstance(response, str) else json.dumps(
                    response, ensure_ascii=False, sort_keys=True)
            points = q.get("points")
            if isinstance(points, (int, float)) and not isinstance(points, bool) and math.isfinite(points):
                result["score"] = {"raw": float(q["points"]), "min": 0}
            acts = ctx["contextActivities"]
            qctx = {**ctx, "contextActivities": {"parent": [self.step_activity(a.course_id, a.step_key, "quiz")],
                                                 "grouping": acts["grouping"] + acts.get("parent", [])}}
            yield self.statement(self.statement_id(a.id, "answered", qid), actor, "answered", obj, qctx,
                                 a.finished_at or a.created_at, result or None)

    def for_signoff(self, so: SignOff, actor: dict[str, Any], instructor: dict[str, Any] | None,
                    registration: str | None) -> list[dict]:
        name = "passed" if so.passed else "failed"
        obj = self.step_activity(so.course_id, so.step_key, "practical")
        ctx = self.context(so.course_id, so.step_key, registration=registration, instructor=instructor)
        return [self.statement(self.statement_id(so.id, name), actor, name, obj, ctx, so.created_at,
                               {"success": bool(so.passed), "completion": True})]

    def for_course_completed(self, e: Enrollment, actor: dict[str, Any]) -> list[dict]:
        obj = self._activity(self.course_id(e.course_id), "course", e.course_id, None, e.course_id)
        ctx = self.context(e.course_id, None, e.course_version, e.id)
        ctx.pop("contextActivities")  # the course is the object itself
        return [self.statement(self.statement_id(e.id, "completed"), actor, "completed", obj, ctx, e.completed_at,
                               {"completion": True})]


@storage_errors
class XapiService:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def default_home_page(self) -> str:
        """The center's home page (setting ``center_home_page``), else a URL naming the center id."""
        with self._sessions() as s:
            home = s.get(Setting, "center_home_page")
            center = s.get(Setting, "center_id")
        if home is not None and home.value.strip():
            return home.value.strip()
        return f"https://zhizao.invalid/centers/{center.value if center else 'unknown'}"

    def statements(self, actor: Actor, home_page: str | None = None, *, since: dt.datetime | None = None,
                   course_id: str | None = None, names: NameLookup | None = None) -> Iterator[dict[str, Any]]:
        """Every statement for the stored records (optionally since a time / for one course)."""
        require_staff(actor)
        b = StatementBuilder(home_page or self.default_home_page(), names)
        with self._sessions() as s:
            agents = {u.id: b.agent(u.login, u.display_name) for u in s.scalars(select(User))}
            regs = {(e.user_id, e.course_id): e.id for e in s.scalars(select(Enrollment))}

            def filt(model, q):
                if since is not None:
                    q = q.where(model.created_at >= since)
                if course_id:
                    q = q.where(model.course_id == course_id)
                return q.order_by(model.id).execution_options(yield_per=1000)

            for row in s.scalars(filt(LessonTime, select(LessonTime))):
                yield from b.for_lesson_time(row, agents[row.user_id], regs.get((row.user_id, row.course_id)))
            attempts = filt(StepAttempt, select(StepAttempt, LabRun).outerjoin(LabRun, LabRun.attempt_id ==
                                                                                 StepAttempt.id))
            for a, lab in s.execute(attempts):
                yield from b.for_attempt(a, agents[a.user_id], regs.get((a.user_id, a.course_id)), lab)
            for so in s.scalars(filt(SignOff, select(SignOff))):
                yield from b.for_signoff(so, agents[so.user_id], agents.get(so.instructor_id),
                                         regs.get((so.user_id, so.course_id)))
            q = select(Enrollment).where(Enrollment.completed_at.is_not(None))
            if since is not None:
                q = q.where(Enrollment.completed_at >= since)
            if course_id:
                q = q.where(Enrollment.course_id == course_id)
            for e in s.scalars(q.order_by(Enrollment.id)):
                yield from b.for_course_completed(e, agents[e.user_id])

    def export_file(self, actor: Actor, path: Path, home_page: str | None = None, **kw: Any) -> XapiExportResult:
        """Write the statements as one JSON array (what an LRS accepts); complete or not at all."""
        require_staff(actor)  # before the file exists (PermissionDenied is an OSError too)
        path = Path(path)
        count = 0
        try:
            with atomic_path(path, durable=True) as tmp, open(tmp, "w", encoding="utf-8") as fh:
                fh.write("[")
                for st in self.statements(actor, home_page, **kw):
                    fh.write(",\n" if count else "\n")
                    fh.write(json.dumps(st, ensure_ascii=False, sort_keys=True))
                    count += 1
                fh.write("\n]\n")
        except OSError as exc:
            raise XapiError(_("Cannot write {path}: {error}").format(path=path, error=exc.strerror or exc)) from exc
        return XapiExportResult(count, path)

    def post(self, actor: Actor, lrs_url: str, user: str, password: str, home_page: str | None = None,
             timeout: float = 30.0, **kw: Any) -> XapiExportResult:
        """POST the statements to ``<lrs_url>/statements`` in batches, with basic auth."""
        require_staff(actor)
        statements = self.statements(actor, home_page, **kw)
        try:
            return post_statements(statements, lrs_url, user, password, timeout)
        finally:
            statements.close()  # a failed post leaves it mid-way: end its session now, not at garbage collection


def post_statements(statements: Iterable[dict[str, Any]], lrs_url: str, user: str, password: str,
                    timeout: float = 30.0) -> XapiExportResult:
    endpoint = lrs_url.rstrip("/")
    if not endpoint.endswith("/statements"):
        endpoint += "/statements"
    if not endpoint.startswith(("http://", "https://")):
        raise XapiError(_("The LRS address must start with http:// or https:// ({url}).").format(url=lrs_url))
    token = base64.b64encode(f"{user}:{password}".encode()).decode("ascii")
    headers = {"Authorization": f"Basic {token}", "Content-Type": "application/json; charset=utf-8",
               "X-Experience-API-Version": XAPI_VERSION}
    posted = 0
    batch: list[dict[str, Any]] = []

    def send() -> None:
        nonlocal posted
        body = json.dumps(batch, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as exc:
            answer = exc.read(_ANSWER_LIMIT).decode("utf-8", "replace").strip()
            if exc.code in (401, 403):
                raise XapiError(_("The LRS refused the login ({code}): check the user and password.").format(
                    code=exc.code), posted) from None
            rejected = _rejected_statements(answer, batch)
            if rejected:
                raise XapiError(_rejection_message(exc.code, rejected, len(batch), posted), posted,
                                rejected) from None
            raise XapiError(_("The LRS answered {code} after {n} statements: {detail}").format(
                code=exc.code, n=posted, detail=" ".join(answer[:300].split()) or exc.reason), posted) from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise XapiError(_("Cannot reach the LRS at {url}: {error}").format(url=endpoint, error=reason),
                            posted) from None
        posted += len(batch)
        batch.clear()

    for st in statements:
        batch.append(st)
        if len(batch) >= BATCH:
            send()
    if batch:
        send()
    return XapiExportResult(posted, None, posted)


_ANSWER_LIMIT = 256 * 1024  # an LRS lists every refused statement; enough for a full batch's reasons
_SHOWN = 5  # refused statements named in the message; all are on XapiError.rejected


def _rejected_statements(answer: str, batch: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(statement id, reason) for each statement the LRS names in its error answer.

    Understands the usual shapes: ``{"detail": [{"loc": ["body", <index>, field...], "msg": ...}]}``
    (validation errors by position, e.g. Ralph, FastAPI) and a message naming statement ids
    (e.g. 409 "Differing statements already exist with the same ID: <id>").
    """
    try:
        detail = json.loads(answer)
    except ValueError:
        detail = answer
    if isinstance(detail, dict):
        detail = detail.get("detail", detail.get("message", detail))
    found: dict[str, str] = {}
    if isinstance(detail, list):
        # A union field (the actor) gets one error per alternative; the deepest path is the one that
        # matched the statement's shape ("actor.…WithAccount.account.name", not "actor.…WithMbox.mbox").
        deepest: dict[int, tuple[list, dict]] = {}
        for err in detail:
            loc = err.get("loc") if isinstance(err, dict) else None
            if not (isinstance(loc, list) and len(loc) >= 2 and loc[0] == "body" and isinstance(loc[1], int)
                    and 0 <= loc[1] < len(batch)):
                continue
            if loc[1] not in deepest or len(loc) > len(deepest[loc[1]][0]):
                deepest[loc[1]] = (loc, err)
        for index in sorted(deepest):
            loc, err = deepest[index]
            field = ".".join(str(part) for part in loc[2:])
            msg = str(err.get("msg", ""))
            found[str(batch[index].get("id"))] = f"{field}: {msg}" if field else msg
    elif isinstance(detail, str):
        for st in batch:
            if str(st.get("id")) in detail:
                found[str(st["id"])] = detail
    return list(found.items())


def _rejection_message(code: int, rejected: list[tuple[str, str]], size: int, posted: int) -> str:
    """One line (the CLI prints errors as one line): the count, then each refused statement and why."""
    head = ngettext("The LRS refused {n} statement ({code}); it stored none of this batch of {size} "
                    "({posted} sent before it):",
                    "The LRS refused {n} statements ({code}); it stored none of this batch of {size} "
                    "({posted} sent before it):", len(rejected)).format(
        n=len(rejected), code=code, size=size, posted=posted)
    items = [f"{sid}: {' '.join(reason.split())}" for sid, reason in rejected[:_SHOWN]]
    if len(rejected) > _SHOWN:
        items.append(_("… and {n} more").format(n=len(rejected) - _SHOWN))  # the same words as errors.py
    return f"{head} {'; '.join(items)}"

"""Shared helpers for the store tests: canonical database dumps, workstation histories, bundle forgery."""

from __future__ import annotations

import base64
import datetime as dt
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from app.certificates.keys import fingerprint, public_pem
from app.context import AppContext
from app.services.auth import Actor
from app.services.sync import LOCAL_ONLY, TABLE_ORDER, SyncService
from app.storage.models import Base, Certificate, Cohort, CohortMember, Role, Setting
from tests.stored_progress import store_lab_run, store_quiz_attempt


def sync(ctx: AppContext) -> SyncService:
    return SyncService(ctx.store.sessions, ctx.workstation_id, ctx.keys_dir)


def _norm(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return value


def dump(ctx: AppContext) -> dict[str, list[tuple]]:
    """Every merged table (and the settings), normalised and sorted: equal dumps = same database."""
    out: dict[str, list[tuple]] = {}
    with ctx.store.engine.connect() as conn:
        for name in (*TABLE_ORDER, "settings"):
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if c.name not in LOCAL_ONLY.get(name, set())]
            rows = conn.execute(select(*cols)).all()
            out[name] = sorted((tuple((c.name, _norm(v)) for c, v in zip(cols, row)) for row in rows), key=repr)
    return out


def set_center(ctx: AppContext, center_id: str) -> None:
    with ctx.store.session() as s, s.begin():
        s.merge(Setting(key="center_id", value=center_id))


def trainee(ctx: AppContext, admin: Actor, login: str, name: str) -> Actor:
    info = ctx.accounts.add_user(admin, login, name, Role.TRAINEE, "secret-" + login)
    return Actor(info.user_id, info.login, info.display_name, info.role)


def quiz_answers(correct: list[bool], seed: int = 1) -> dict[str, Any]:
    return {"questions": [{"id": f"q{i + 1}", "response": "a" if ok else "b", "correct": ok, "points": float(ok)}
                          for i, ok in enumerate(correct)], "seed": seed}


def workstation_history(ws: AppContext, idx: int) -> dict[str, Any]:
    """A small but complete history: shared and own logins, every record kind, a cohort, a certificate."""
    admin = ws.accounts.create_first_admin("admin", f"管理员 {idx}", "admin-pass")
    wang = trainee(ws, admin, "wang", "王伟")  # the same person signs up on every workstation
    own = trainee(ws, admin, f"li{idx}", f"李{idx}")
    p = ws.progress
    ids = []
    for person in (wang, own):
        for n in range(2 + idx):
            ids.append(store_quiz_attempt(p, person, "robot-basics", "1.0.0", "m1/quiz", answers=quiz_answers(
                [n % 2 == 0, True, n > 0], seed=n), score=(n % 3) / 2, passed=n % 3 == 2, duration_s=60 + n))
        store_lab_run(p, person, "robot-basics", "1.0.0", "m2/lab", parameters={"speed": idx}, seed=idx,
                         metrics={"cycle_s": 12.5 + idx}, score=0.9, passed=True, duration_s=300)
        p.record_lesson(person, "robot-basics", "1.0.0", "m1/intro", seconds=120 + idx, completed=True)
        p.enroll(person, "robot-basics", "1.0.0")
    p.sign_off(admin, wang.user_id, "robot-basics", "m3/practical", {"guard closed": True, "e-stop": idx != 2})
    if idx == 1:
        p.mark_course_completed(own, "robot-basics", "1.0.0")
    with ws.store.session() as s, s.begin():
        cohort = Cohort(name=f"Line {idx} 产线", workstation_id=ws.workstation_id)
        s.add(cohort)
        s.flush()
        s.add_all([CohortMember(cohort_id=cohort.id, user_id=wang.user_id),
                   CohortMember(cohort_id=cohort.id, user_id=own.user_id)])
        s.add(Certificate(number=f"ZA-{idx:02d}-0001", user_id=own.user_id, course_id="robot-basics",
                          course_version="1.0.0", issued_on=dt.date(2026, 1, idx), score=0.9, claims={"n": idx},
                          signature="sig", issued_by=admin.user_id, workstation_id=ws.workstation_id))
    return {"admin": admin, "wang": wang, "own": own, "attempts": ids}


def rewrite_bundle(src: Path, dst: Path, *, records: Callable[[list[bytes]], list[bytes]] | None = None,
                   manifest: Callable[[dict], dict] | None = None,
                   resign: Ed25519PrivateKey | None = None) -> Path:
    """Copy a bundle, changing its records and/or manifest (the hash follows the records).

    The old signature is kept unless ``resign`` gives a key to sign the new manifest with.
    """
    import hashlib

    with zipfile.ZipFile(src) as zf:
        lines = zf.read("records.jsonl").splitlines(keepends=True)
        man_raw = zf.read("manifest.json")
        sig = zf.read("manifest.sig")
    if records:
        lines = records(lines)
    body = b"".join(lines)
    man = json.loads(man_raw)
    if records:
        man["records"]["sha256"] = hashlib.sha256(body).hexdigest()
    if manifest:
        man = manifest(man)
    if resign is not None:
        pub = resign.public_key()
        man["signer"] = {"algorithm": "Ed25519", "public_key": public_pem(pub).decode(),
                         "fingerprint": fingerprint(pub)}
    new_raw = man_raw if (records is None and manifest is None and resign is None) else \
        json.dumps(man, indent=2, ensure_ascii=False, sort_keys=True).encode()
    if resign is not None:
        sig = base64.b64encode(resign.sign(new_raw)) + b"\n"
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("records.jsonl", body)
        zf.writestr("manifest.json", new_raw)
        zf.writestr("manifest.sig", sig)
    return dst


def count(ctx: AppContext, model) -> int:
    from sqlalchemy import func

    with ctx.store.session() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


"""Offline workstations merge by signed bundle: idempotent, order-independent, lossless, tamper-proof.

Every import here is from a workstation enrolled as an administrator's (the attacks on that
trust, and the narrower enrolments, are in tests/attacks/test_sync_attacks.py).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

from app.context import AppContext
from app.services.accounts import LoginFailed
from app.services.auth import SYSTEM, PermissionDenied
from app.services.sync import SyncError
from app.services.workstations import WorkstationService
from app.storage.models import Certificate, Enrollment, LabRun, Role, StepAttempt, User, Workstation
from tests.store.helpers import count, dump, rewrite_bundle, set_center, sync, trainee, workstation_history
from tests.stored_progress import store_lab_run, store_quiz_attempt

COURSE = "robot-basics"


def trust(target, *sources, role=Role.ADMIN):
    """Enrol each source workstation's key at ``target`` (what `zhizao sync trust` does)."""
    service = WorkstationService(target.store.sessions, target.workstation_id, target.keys_dir)
    for i, src in enumerate(sources):
        service.enroll(SYSTEM, sync(src).fingerprint(), f"PC {i}", role)


def merge(target, bundle):
    """Import as the center's administrator, approving the shared 'admin' account's merge."""
    return sync(target).import_bundle(SYSTEM, bundle, approve_escalations=True)


@pytest.fixture
def center(open_ctx):
    """Three offline workstations of one center, each with its own history, and their bundles."""
    stations = [open_ctx(f"ws{i}") for i in (1, 2, 3)]
    center_id = stations[0].settings.get("center_id")
    for ws in stations[1:]:
        set_center(ws, center_id)
    histories = [workstation_history(ws, i) for i, ws in enumerate(stations, start=1)]
    return center_id, stations, histories


def _export_all(stations, tmp_path):
    return [sync(ws).export_bundle(SYSTEM, tmp_path / f"ws{i}.zhizao-progress").path
            for i, ws in enumerate(stations, start=1)]


def test_three_workstations_merge_to_the_same_database_in_every_order(center, open_ctx, tmp_path):
    center_id, stations, histories = center
    # Workstation 2 has seen workstation 1's bundle, revoked its certificate and renamed wang since.
    first = sync(stations[0]).export_bundle(SYSTEM, tmp_path / "early.zip").path
    trust(stations[1], stations[0])
    merge(stations[1], first)
    with stations[1].store.session() as s, s.begin():
        s.execute(update(Certificate).where(Certificate.number == "ZA-01-0001").values(
            revoked_at=dt.datetime(2026, 3, 1, tzinfo=dt.UTC), revoked_reason="wrong course"))
    stations[1].accounts.set_password(SYSTEM, "wang", "renewed-pass")
    bundles = _export_all(stations, tmp_path)

    every_attempt = set()
    for ws in stations:
        with ws.store.session() as s:
            every_attempt |= set(s.scalars(select(StepAttempt.id)))

    dumps = []
    for n, order in enumerate(itertools.permutations(range(3))):
        target = open_ctx(f"merged{n}")
        set_center(target, center_id)
        trust(target, *stations)
        for i in order:
            merge(target, bundles[i])
        dumps.append(dump(target))
        if n == 0:
            merged = target
    for d in dumps:  # each target has its own audit trail of enrolments; the merged records must agree
        d["audit_log"] = [r for r in d["audit_log"] if not dict(r)["action"].startswith("workstation.")]
    differing = {t for d in dumps[1:] for t in d if d[t] != dumps[0][t]}
    assert not differing, f"merge order changed {sorted(differing)}"

    # Nothing lost: the union of every workstation's attempts, lab runs intact with their attempts.
    with merged.store.session() as s:
        assert set(s.scalars(select(StepAttempt.id))) == every_attempt
        assert s.scalar(select(func.count()).select_from(LabRun).where(LabRun.attempt_id.is_(None))) == 0
        logins = sorted(s.scalars(select(User.login)))
        wang = s.scalar(select(User).where(User.login == "wang"))
        certs = {c.number: c for c in s.scalars(select(Certificate))}
        wang_enrollments = s.scalars(select(Enrollment).where(Enrollment.user_id == wang.id)).all()
    assert logins == ["admin", "li1", "li2", "li3", "wang"]
    # One account per login: the oldest id, every record re-pointed to it, the newest password.
    assert wang.id == min(h["wang"].user_id for h in histories)
    assert merged.accounts.authenticate("wang", "renewed-pass").user_id == wang.id
    assert len(wang_enrollments) == 1
    # A revocation made anywhere sticks, whatever the order.
    assert certs["ZA-01-0001"].revoked_reason == "wrong course" and len(certs) == 3
    # Status is derived from the union: wang passed the lab on every workstation, the quiz on ws3 (n=2).
    prog = merged.progress.course_progress(SYSTEM, wang.id, COURSE, [("m1/quiz", "quiz"), ("m2/lab", "lab"),
                                                                       ("m3/practical", "practical")])
    assert prog.status("m1/quiz").value == "passed"
    assert prog.status("m2/lab").value == "passed"
    assert prog.steps["m1/quiz"].attempts == 3 + 4 + 5

    # Twice = once: importing everything again changes nothing.
    before = dump(merged)
    for b in bundles:
        res = merge(merged, b)
        assert res.total_added == 0 and not res.updated and not res.refused
    assert dump(merged) == before


def test_merge_into_a_workstation_with_its_own_history(center, tmp_path):
    center_id, stations, histories = center
    bundles = _export_all(stations, tmp_path)
    trust(stations[0], stations[1])
    trust(stations[1], stations[0])
    before = count(stations[0], StepAttempt)
    res = merge(stations[0], bundles[1])
    assert res.added["step_attempts"] == count(stations[1], StepAttempt)
    assert count(stations[0], StepAttempt) == before + res.added["step_attempts"]
    assert sorted(res.merged_logins) == ["admin", "wang"]
    assert res.workstation_name == "PC 0" and res.authority is Role.ADMIN and not res.refused
    again = merge(stations[0], bundles[1])
    assert again.total_added == 0 and not again.refused
    # ws1 ↔ ws2 both ways gives one database.
    merge(stations[1], bundles[0])
    assert dump(stations[0])["step_attempts"] == dump(stations[1])["step_attempts"]
    assert dump(stations[0])["users"] == dump(stations[1])["users"]


def test_enrollment_conflicts_resolve_by_rule(center, open_ctx, tmp_path):
    center_id, stations, histories = center
    # Same trainee enrolled on two workstations: due dates changed on both, completed on one.
    wang1, wang2 = histories[0]["wang"], histories[1]["wang"]
    with stations[0].store.session() as s, s.begin():
        e = s.scalar(select(Enrollment).where(Enrollment.user_id == wang1.user_id))
        e.due_date = dt.date(2026, 5, 1)
    stations[1].progress.mark_course_completed(wang2, COURSE, "1.0.0")
    with stations[1].store.session() as s, s.begin():
        e = s.scalar(select(Enrollment).where(Enrollment.user_id == wang2.user_id))
        e.due_date = dt.date(2026, 6, 1)  # the later edit
    bundles = _export_all(stations[:2], tmp_path)
    target = open_ctx("t")
    set_center(target, center_id)
    trust(target, *stations[:2])
    for b in bundles:
        merge(target, b)
    with target.store.session() as s:
        wang = s.scalar(select(User).where(User.login == "wang"))
        rows = s.scalars(select(Enrollment).where(Enrollment.user_id == wang.id)).all()
    assert len(rows) == 1
    assert rows[0].due_date == dt.date(2026, 6, 1)
    assert rows[0].completed_at is not None


def test_since_limits_attempts_but_keeps_what_they_need(ctx, admin, tmp_path):
    t = trainee(ctx, admin, "zhao", "赵六")
    old_quiz = store_quiz_attempt(ctx.progress, t, COURSE, "1", "m1/q", answers={}, score=1, passed=True,
                                                duration_s=5)
    lab = store_lab_run(ctx.progress, t, COURSE, "1", "m2/lab", parameters={}, seed=1, metrics={}, score=1,
                                      passed=True, duration_s=5)
    old = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    with ctx.store.session() as s, s.begin():
        s.execute(update(StepAttempt).values(created_at=old))  # the lab's attempt is old too
    new_quiz = store_quiz_attempt(ctx.progress, t, COURSE, "1", "m1/q", answers={}, score=0, passed=False,
                                                duration_s=5)
    res = sync(ctx).export_bundle(SYSTEM, tmp_path / "b.zip", since=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    with zipfile.ZipFile(res.path) as zf:
        records = [json.loads(line) for line in zf.read("records.jsonl").splitlines()]
    attempt_ids = {r["r"]["id"] for r in records if r["t"] == "step_attempts"}
    lab_attempt = next(r["r"]["attempt_id"] for r in records if r["t"] == "lab_runs" and r["r"]["id"] == lab)
    assert new_quiz in attempt_ids and old_quiz not in attempt_ids
    assert lab_attempt in attempt_ids  # the lab run's attempt travels with it
    assert {r["r"]["login"] for r in records if r["t"] == "users"} == {"admin", "zhao"}


def test_a_tampered_bundle_is_refused_and_nothing_imported(center, tmp_path):
    center_id, stations, _h = center
    good = sync(stations[0]).export_bundle(SYSTEM, tmp_path / "good.zip").path
    target = stations[1]
    trust(target, stations[0])
    before = dump(target)

    def raise_scores(lines):
        out = []
        for line in lines:
            rec = json.loads(line)
            if rec["t"] == "step_attempts":
                rec["r"]["score"], rec["r"]["passed"] = 1.0, True
            out.append((json.dumps(rec) + "\n").encode())
        return out

    forged = [
        rewrite_bundle(good, tmp_path / "scores.zip", records=raise_scores),
        rewrite_bundle(good, tmp_path / "manifest.zip", manifest=lambda m: {**m, "since": None, "center_name": "x"}),
    ]
    # Records changed but manifest hash left alone: also caught.
    with zipfile.ZipFile(good) as zf, zipfile.ZipFile(tmp_path / "body.zip", "w") as out:
        for name in zf.namelist():
            data = zf.read(name)
            out.writestr(name, data.replace(b'"passed":false', b'"passed":true') if name == "records.jsonl" else data)
    forged.append(tmp_path / "body.zip")
    for path in forged:
        with pytest.raises(SyncError, match="changed since it was exported"):
            sync(target).import_bundle(SYSTEM, path)
    assert dump(target) == before


def test_a_resigned_bundle_from_an_enrolled_workstation_is_refused(center, tmp_path):
    center_id, stations, _h = center
    trust(stations[1], stations[0])
    good = sync(stations[0]).export_bundle(SYSTEM, tmp_path / "good.zip").path
    merge(stations[1], good)
    store_quiz_attempt(stations[0].progress, _h[0]["wang"], COURSE, "1", "m1/quiz", answers={}, score=1,
                                             passed=True, duration_s=3)
    newer = sync(stations[0]).export_bundle(SYSTEM, tmp_path / "newer.zip").path
    forged = rewrite_bundle(newer, tmp_path / "forged.zip", resign=Ed25519PrivateKey.generate())
    before = dump(stations[1])
    with pytest.raises(SyncError, match="which is not enrolled here") as err:
        merge(stations[1], forged)
    assert "zhizao sync trust" in str(err.value)
    assert dump(stations[1]) == before
    assert merge(stations[1], newer).added == {"step_attempts": 1}
    with stations[1].store.session() as s:
        row = s.get(Workstation, sync(stations[0]).fingerprint())
    assert row.last_import_at is not None and row.last_workstation_id == stations[0].workstation_id


def test_a_foreign_bundle_is_refused_unless_accepted(center, open_ctx, tmp_path):
    _c, stations, _h = center
    other = open_ctx("other-center")
    workstation_history(other, 9)
    foreign = sync(other).export_bundle(SYSTEM, tmp_path / "foreign.zip").path
    trust(stations[0], other)
    before = dump(stations[0])
    with pytest.raises(SyncError, match="comes from another center") as err:
        sync(stations[0]).import_bundle(SYSTEM, foreign)
    assert "--accept-center " + other.settings.get("center_id") in str(err.value)
    assert dump(stations[0]) == before
    with pytest.raises(SyncError, match="another center"):
        sync(stations[0]).import_bundle(SYSTEM, foreign, accept_center="some-other-id")
    res = sync(stations[0]).import_bundle(SYSTEM, foreign, accept_center=other.settings.get("center_id"),
                                          approve_escalations=True)
    assert res.added["step_attempts"] == count(other, StepAttempt)
    assert stations[0].settings.get("center_id") == _c  # accepting once does not change our center


def test_a_fresh_workstation_joins_the_center_of_its_first_bundle(center, open_ctx, tmp_path):
    center_id, stations, _h = center
    bundle = sync(stations[0]).export_bundle(SYSTEM, tmp_path / "b.zip").path
    fresh = open_ctx("new-pc")
    assert fresh.settings.get("center_id") != center_id
    trust(fresh, stations[0])
    merge(fresh, bundle)
    assert fresh.settings.get("center_id") == center_id
    assert fresh.accounts.authenticate("admin", "admin-pass").login == "admin"


@pytest.mark.parametrize("content, message", [
    (b"hello, not a zip", "not a Zhizao progress bundle"),
    (None, "manifest.sig is missing"),
])
def test_files_that_are_not_bundles_get_a_clear_message(ctx, admin, tmp_path, content, message):
    path = tmp_path / "x.zip"
    if content is None:
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("manifest.json", "{}")
            zf.writestr("records.jsonl", "")
    else:
        path.write_bytes(content)
    with pytest.raises(SyncError, match=message):
        sync(ctx).import_bundle(SYSTEM, path)


def test_export_is_atomic_and_a_trainee_exports_only_their_own_records(ctx, admin, tmp_path):
    zhang, other = trainee(ctx, admin, "zhangwei", "张伟"), trainee(ctx, admin, "li", "李")
    for who in (zhang, other):
        store_quiz_attempt(ctx.progress, who, COURSE, "1", "m1/q", answers={}, score=1, passed=True, duration_s=5)
    ctx.progress.sign_off(admin, zhang.user_id, COURSE, "m3/practical", {"guard closed": True})
    res = sync(ctx).export_bundle(zhang, tmp_path / "mine.zip")
    with zipfile.ZipFile(res.path) as zf:
        records = [json.loads(line) for line in zf.read("records.jsonl").splitlines()]
        manifest = json.loads(zf.read("manifest.json"))
    assert {r["t"] for r in records} == {"users", "step_attempts"}
    assert {r["r"].get("user_id", r["r"]["id"]) for r in records} == {zhang.user_id}
    assert manifest["exported_by"] == {"user_id": zhang.user_id, "login": "zhangwei"}
    with pytest.raises(PermissionDenied):
        sync(ctx).import_bundle(zhang, res.path)
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(SyncError, match="Cannot write"):
        sync(ctx).export_bundle(admin, tmp_path / "a-file" / "b.zip")
    assert not list(tmp_path.rglob("*.part"))


def test_only_synced_account_fields_count_as_an_edit(ctx, admin):
    """A login or a lockout must not make a stale copy of an account win a merge."""
    def stamp():
        with ctx.store.session() as s:
            return s.scalar(select(User.updated_at).where(User.login == "qian"))

    trainee(ctx, admin, "qian", "钱")
    created = stamp()
    ctx.accounts.authenticate("qian", "secret-qian")
    with pytest.raises(LoginFailed):
        ctx.accounts.authenticate("qian", "wrong")
    assert stamp() == created
    ctx.accounts.set_password(SYSTEM, "qian", "another-pass")
    assert stamp() > created


@pytest.mark.postgres
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_an_offline_sqlite_workstation_merges_into_the_center_server(open_ctx, tmp_path):
    server = open_ctx("center-server")
    workstation_history(server, 1)
    pc = AppContext.open(tmp_path / "offline-pc")
    try:
        set_center(pc, server.settings.get("center_id"))
        h = workstation_history(pc, 2)
        bundle = sync(pc).export_bundle(SYSTEM, tmp_path / "pc.zip").path
        trust(server, pc)
        trust(pc, server)
        res = merge(server, bundle)
        assert res.added["step_attempts"] == count(pc, StepAttempt)
        back = sync(server).export_bundle(SYSTEM, tmp_path / "server.zip").path
        merge(pc, back)
        assert dump(pc)["step_attempts"] == dump(server)["step_attempts"]
        assert dump(pc)["users"] == dump(server)["users"]
        assert server.accounts.authenticate("li2", "secret-li2").user_id == h["own"].user_id
    finally:
        pc.close()

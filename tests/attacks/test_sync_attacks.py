"""Progress bundles: every way a workstation could forge its way into the center is refused.

The set-up is a real center and a real workstation, each with its own data folder and key.
The workstation receives the center's accounts from a center bundle (as in the field), then
the attacker — who owns the workstation, its database and its key — edits its records or
signs a bundle of their own, and the center imports through ``zhizao import progress``.
Each attack must be refused with its message and write nothing (every table counted before
and after); the genuine path still imports.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select, update

from app.cli.main import main
from app.context import AppContext
from app.services.auth import SYSTEM, Actor, PermissionDenied
from app.services.sync import SyncService
from app.services.workstations import WorkstationError, WorkstationService, parse_fingerprint, workstation_keys
from app.storage.models import AuditEntry, Base, Certificate, Role, SignOff, StepAttempt, User, Workstation
from tests.store.helpers import rewrite_bundle
from tests.stored_progress import store_lab_run, store_quiz_attempt

COURSE = "robot-basics"
COUNTED = ("users", "cohorts", "cohort_members", "enrollments", "step_attempts", "lab_runs", "lesson_time",
           "signoffs", "certificates", "audit_log", "workstations")


@pytest.fixture(autouse=True)
def quick_password_hashing(monkeypatch):
    """Same code path, cheaper argon2 parameters: these tests make and check a dozen accounts."""
    from argon2 import PasswordHasher

    from app.services import accounts

    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture(autouse=True)
def english_cli(monkeypatch):
    monkeypatch.setenv("ZHIZAO_LANG", "en")


def zhizao(capsys, ctx: AppContext, *args: str) -> tuple[int, str, str]:
    """Run the real CLI on ``ctx``'s data folder: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(["--data-dir", str(ctx.data_dir), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def counts(ctx: AppContext) -> dict[str, int]:
    with ctx.store.session() as s:
        return {t: s.scalar(select(func.count()).select_from(Base.metadata.tables[t])) for t in COUNTED}


def actor(ctx: AppContext, login: str) -> Actor:
    with ctx.store.session() as s:
        u = s.scalar(select(User).where(User.login == login))
        return Actor(u.id, u.login, u.display_name, Role(u.role))


class Site:
    """A center and one workstation that has the center's accounts."""

    def __init__(self, tmp_path: Path, capsys, first_start: Path | None = None) -> None:
        """``first_start``: a first start's data folder (tests/conftest.py) that each site copies,
        as the ``ctx`` fixture does, instead of creating and migrating two databases (~0.1 s of CPU)."""
        self.tmp = tmp_path
        self.capsys = capsys
        if first_start is not None:
            for name in ("center", "ws"):
                shutil.copytree(first_start, tmp_path / name)
        self.center = AppContext.open(tmp_path / "center")
        self.ws = AppContext.open(tmp_path / "ws")
        c = self.center
        self.admin = c.accounts.create_first_admin("admin", "Center Admin", "admin-pass")
        c.accounts.add_user(self.admin, "teacher", "李老师", Role.INSTRUCTOR, "teach-pass")
        for login, name in (("zhang", "张伟"), ("li", "李娜")):
            c.accounts.add_user(self.admin, login, name, Role.TRAINEE, "secret-" + login)
        self.zhang, self.li, self.teacher = actor(c, "zhang"), actor(c, "li"), actor(c, "teacher")
        c.progress.enroll(self.li, COURSE, "1.0.0")
        with c.store.session() as s, s.begin():
            s.add(Certificate(number="ZA-01-0001", user_id=self.li.user_id, course_id=COURSE, course_version="1.0.0",
                              issued_on=dt.date(2026, 1, 5), score=91.0, claims={"n": 1}, signature="sig",
                              issued_by=self.teacher.user_id, workstation_id=c.workstation_id))
        # The workstation gets the center's accounts: it enrols the center's key and imports its bundle.
        self.trust(self.ws, self.center, "--role", "admin")
        first = self.tmp / "center.zip"
        assert self.cli(self.center, "export", "progress", "-o", str(first))[0] == 0
        code, out, err = self.cli(self.ws, "import", "progress", str(first), "--approve-escalations")
        assert code == 0, out + err

    def cli(self, ctx: AppContext, *args: str) -> tuple[int, str, str]:
        return zhizao(self.capsys, ctx, *args)

    def fingerprint(self, ctx: AppContext) -> str:
        """Read off `zhizao sync enroll` on that workstation, as the operator would."""
        code, out, _err = self.cli(ctx, "sync", "enroll")
        assert code == 0
        return re.search(r"^\s+([A-Z2-7]{4}(?:-[A-Z2-7]{4}){4})\s*$", out, re.MULTILINE).group(1)

    def trust(self, at: AppContext, whom: AppContext, *options: str) -> None:
        code, out, err = self.cli(at, "sync", "trust", self.fingerprint(whom), "--name", "Room 2 PC", *options)
        assert code == 0, err
        assert "Enrolled Room 2 PC" in out

    def export(self, ctx: AppContext | None = None, name: str = "ws.zip") -> Path:
        path = self.tmp / name
        code, _out, err = self.cli(ctx or self.ws, "export", "progress", "-o", str(path))
        assert code == 0, err
        return path

    def import_(self, bundle: Path, *options: str) -> tuple[int, str, str]:
        return self.cli(self.center, "import", "progress", str(bundle), *options)

    def close(self) -> None:
        self.center.close()
        self.ws.close()


@pytest.fixture
def site(tmp_path, capsys, first_start_data_dir):
    s = Site(tmp_path, capsys, first_start_data_dir)
    yield s
    s.close()


def resign_with_workstation_key(site: Site, src: Path, dst: Path, **changes) -> Path:
    """What an attacker holding the workstation's key file can do: any records, validly signed."""
    key = workstation_keys(site.ws.keys_dir).private_key
    return rewrite_bundle(src, dst, resign=key, **changes)


def edit_records(table: str, change):
    def apply(lines: list[bytes]) -> list[bytes]:
        out = []
        for line in lines:
            rec = json.loads(line)
            if rec["t"] == table:
                change(rec["r"])
            out.append((json.dumps(rec, ensure_ascii=False) + "\n").encode())
        return out
    return apply


# --- who signed it ----------------------------------------------------------------------------------------------

def test_a_bundle_signed_by_an_unknown_key_is_refused(site):
    genuine = site.export()
    forged = rewrite_bundle(genuine, site.tmp / "forged.zip", resign=Ed25519PrivateKey.generate(),
                            records=edit_records("step_attempts", lambda r: None))
    for bundle in (genuine, forged):  # the workstation is not enrolled yet; the forged key never will be
        before = counts(site.center)
        code, out, err = site.import_(bundle)
        assert code == 1
        assert "which is not enrolled here; nothing was imported" in err
        assert "zhizao sync trust" in err and "unexpected" not in err
        fp = re.search(r"workstation ([A-Z2-7-]{24})", err).group(1)
        assert counts(site.center) == before
    assert fp != site.fingerprint(site.ws)  # the message names the key that signed, not the one it claims


def test_a_revoked_workstation_is_refused(site):
    site.trust(site.center, site.ws)
    site.ws.progress.record_lesson(actor(site.ws, "zhang"), COURSE, "1.0.0", "m1/intro", seconds=90, completed=True)
    assert site.import_(site.export())[0] == 0
    code, out, _err = site.cli(site.center, "sync", "revoke", site.fingerprint(site.ws))
    assert code == 0 and "refused from now on" in out
    site.ws.progress.record_lesson(actor(site.ws, "zhang"), COURSE, "1.0.0", "m1/intro", seconds=30, completed=True)
    before = counts(site.center)
    code, _out, err = site.import_(site.export(name="later.zip"))
    assert code == 1 and "whose enrolment was revoked" in err and site.fingerprint(site.ws) in err
    assert counts(site.center) == before
    listing = site.cli(site.center, "sync", "list")[1]
    assert "revoked" in listing and "last import" in listing


# --- an enrolled trainee's device -------------------------------------------------------------------------------

@pytest.fixture
def trainee_device(site):
    site.trust(site.center, site.ws, "--trainee", "zhang")
    return site


def _refused(site: Site, bundle: Path, reason: str) -> str:
    before = counts(site.center)
    code, out, err = site.import_(bundle)
    assert code == 3, out + err
    assert reason in out, out
    assert re.search(r"records? of \S+ (was|were) refused", err), err
    assert counts(site.center) == before
    return out


def test_trainee_device_cannot_create_an_administrator(trainee_device):
    site = trainee_device
    site.ws.accounts.add_user(SYSTEM, "evil", "Evil", Role.ADMIN, "evil-pass")
    out = _refused(site, site.export(), "only accepted from an administrator's workstation")
    assert "accepted with the rights of: Trainee" in out
    assert site.cli(site.center, "users", "list")[1].count("Administrator") == 1


def test_trainee_device_cannot_take_over_admin_with_a_later_timestamp(trainee_device):
    site = trainee_device
    site.ws.accounts.set_password(SYSTEM, "admin", "taken-over")
    with site.ws.store.session() as s, s.begin():
        s.execute(update(User).where(User.login == "admin").values(
            updated_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC), display_name="Pwned"))
    _refused(site, site.export(), "only accepted from an administrator's workstation")
    assert site.center.accounts.authenticate("admin", "admin-pass").display_name == "Center Admin"


def test_trainee_device_cannot_store_role_superuser(trainee_device, site):
    with site.ws.store.session() as s, s.begin():
        s.execute(update(User).where(User.login == "zhang").values(role="superuser"))
    _refused(site, site.export(), "role “superuser” is not one of admin, instructor, trainee")
    code, out, err = site.cli(site.center, "users", "list")
    assert code == 0 and "zhang" in out, err


def test_trainee_device_cannot_send_passed_attempts_for_another_trainee(trainee_device):
    site = trainee_device
    li = actor(site.ws, "li")
    store_quiz_attempt(site.ws.progress, li, COURSE, "1.0.0", "m1/quiz", answers={}, score=1.0, passed=True,
                                         duration_s=30)
    store_lab_run(site.ws.progress, li, COURSE, "1.0.0", "m2/lab", parameters={}, seed=1, metrics={}, score=1.0,
                                    passed=True, duration_s=30)
    out = _refused(site, site.export(), "may only bring that trainee's own records, not li's")
    assert "lab_runs" in out and "step_attempts" in out


def test_trainee_device_cannot_forge_signoffs_or_revoke_certificates(trainee_device):
    site = trainee_device
    teacher = actor(site.ws, "teacher")
    # A sign-off made out in the real instructor's name, and a genuine certificate revoked.
    site.ws.progress.sign_off(teacher, site.zhang.user_id, COURSE, "m3/practical", {"guard closed": True})
    with site.ws.store.session() as s, s.begin():
        s.execute(update(Certificate).values(revoked_at=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
                                             revoked_reason="forged", revoked_by=teacher.user_id))
    out = _refused(site, site.export(), "sign-offs are only accepted from an instructor's or administrator's")
    assert "revocations are only accepted" in out
    assert "audit entries are only accepted" in out
    assert site.center.certificates.revoked_lookup("ZA-01-0001") == (False, "")


def test_trainee_device_brings_its_trainees_own_work(trainee_device):
    site = trainee_device
    zhang = actor(site.ws, "zhang")
    store_quiz_attempt(site.ws.progress, zhang, COURSE, "1.0.0", "m1/quiz", answers={}, score=0.8, passed=True,
                                         duration_s=42)
    site.ws.progress.record_lesson(zhang, COURSE, "1.0.0", "m1/intro", seconds=120, completed=True)
    before = counts(site.center)
    code, out, err = site.import_(site.export())
    assert code == 0, out + err
    after = counts(site.center)
    assert after["step_attempts"] == before["step_attempts"] + 2 and after["lesson_time"] == before["lesson_time"] + 1
    with site.center.store.session() as s:
        assert set(s.scalars(select(StepAttempt.user_id))) == {site.zhang.user_id}


def test_a_device_enrolled_for_one_trainee_refuses_another_trainees_export(trainee_device):
    site = trainee_device
    li = actor(site.ws, "li")
    bundle = SyncService(site.ws.store.sessions, site.ws.workstation_id, site.ws.keys_dir).export_bundle(
        li, site.tmp / "li.zip").path
    before = counts(site.center)
    code, _out, err = site.import_(bundle)
    assert code == 1 and "enrolled for another trainee" in err
    assert counts(site.center) == before


# --- instructor and administrator workstations ------------------------------------------------------------------

def test_instructor_workstation_imports_real_work_but_no_accounts(site):
    site.trust(site.center, site.ws)  # default: an instructor's workstation
    ws = site.ws
    zhang, teacher = actor(ws, "zhang"), actor(ws, "teacher")
    store_quiz_attempt(ws.progress, zhang, COURSE, "1.0.0", "m1/quiz", answers={}, score=0.9, passed=True,
                                    duration_s=60)
    ws.progress.sign_off(teacher, zhang.user_id, COURSE, "m3/practical", {"guard closed": True})
    code, out, err = site.import_(site.export(name="real.zip"))
    assert code == 0, out + err
    assert "accepted with the rights of: Instructor" in out
    with site.center.store.session() as s:
        assert s.scalar(select(func.count()).select_from(SignOff)) == 1
    # Now the escalations: a new instructor account, and a sign-off by a trainee (the workstation's
    # database says zhang is an instructor there; the center knows better).
    ws.accounts.add_user(SYSTEM, "helper", "Helper", Role.INSTRUCTOR, "helper-pass")
    posing = Actor(zhang.user_id, zhang.login, zhang.display_name, Role.INSTRUCTOR)
    ws.progress.sign_off(posing, zhang.user_id, COURSE, "m4/practical", {"ok": True})
    out = _refused(site, site.export(name="forged.zip"), "a sign-off must be made by a staff account")
    assert "only accepted from an administrator's workstation" in out
    assert "an audit entry must name a staff account" in out


def test_admin_workstation_needs_approval_to_make_an_administrator(site):
    site.trust(site.center, site.ws, "--role", "admin")
    site.ws.accounts.add_user(SYSTEM, "deputy", "Deputy", Role.ADMIN, "deputy-pass")
    site.ws.accounts.add_user(SYSTEM, "wu", "吴", Role.TRAINEE, "secret-wu")
    bundle = site.export()
    before = counts(site.center)
    code, out, err = site.import_(bundle)
    assert code == 3 and "A new administrator account deputy" in out and "--approve-escalations" in out
    after = counts(site.center)
    assert after["users"] == before["users"] + 1  # wu, an ordinary trainee, came in; deputy did not
    with pytest.raises(PermissionDenied):  # only the center's administrator may approve
        SyncService(site.center.store.sessions, site.center.workstation_id, site.center.keys_dir).import_bundle(
            site.teacher, bundle, approve_escalations=True)
    code, out, err = site.import_(bundle, "--approve-escalations")
    assert code == 0 and "Approved: new administrator deputy" in out
    assert site.center.accounts.authenticate("deputy", "deputy-pass").role is Role.ADMIN


def test_admin_workstation_cannot_take_over_admin_without_approval(site):
    site.trust(site.center, site.ws, "--role", "admin")
    site.ws.accounts.set_password(SYSTEM, "admin", "taken-over")
    site.ws.accounts.set_disabled(SYSTEM, "li")  # an ordinary account change from an administrator's workstation
    code, out, _err = site.import_(site.export())
    assert code == 3 and "A change to administrator account admin" in out
    assert site.center.accounts.authenticate("admin", "admin-pass").login == "admin"
    assert site.center.accounts.get_user(site.admin, "li").disabled


def test_an_export_by_someone_unknown_or_disabled_at_the_center_is_refused(site):
    site.trust(site.center, site.ws, "--role", "admin")
    stranger = site.ws.accounts.add_user(SYSTEM, "stranger", "Stranger", Role.INSTRUCTOR, "stranger-pass")
    sync = SyncService(site.ws.store.sessions, site.ws.workstation_id, site.ws.keys_dir)
    by_stranger = sync.export_bundle(Actor(stranger.user_id, "stranger", "Stranger", Role.INSTRUCTOR),
                                     site.tmp / "stranger.zip").path
    by_teacher = sync.export_bundle(actor(site.ws, "teacher"), site.tmp / "teacher.zip").path
    site.center.accounts.set_disabled(site.admin, "teacher")
    before = counts(site.center)
    for bundle, reason in ((by_stranger, "who has no account at this center"),
                           (by_teacher, "whose account is disabled here")):
        code, _out, err = site.import_(bundle)
        assert code == 1 and reason in err
    assert counts(site.center) == before


# --- field checks -----------------------------------------------------------------------------------------------

def test_future_timestamps_are_clamped_or_refused(site):
    site.trust(site.center, site.ws, "--role", "admin")
    zhang = actor(site.ws, "zhang")
    store_quiz_attempt(site.ws.progress, zhang, COURSE, "1.0.0", "m1/quiz", answers={}, score=1.0, passed=True,
                                         duration_s=5)
    future = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    with site.ws.store.session() as s, s.begin():
        s.execute(update(User).where(User.login == "zhang").values(display_name="张伟 (new)", updated_at=future))
        s.execute(update(StepAttempt).values(created_at=future))
    before = counts(site.center)
    code, out, _err = site.import_(site.export())
    assert code == 3
    assert "moved back to it" in out and "updated_at 2099-01-01" in out
    assert "created_at is in the future" in out
    assert counts(site.center)["step_attempts"] == before["step_attempts"]
    with site.center.store.session() as s:
        zhang_here = s.get(User, site.zhang.user_id)
        stamp = zhang_here.updated_at.replace(tzinfo=dt.UTC)
    assert zhang_here.display_name == "张伟 (new)"
    assert stamp <= dt.datetime.now(dt.UTC)  # clamped to the import time, not 2099


@pytest.mark.parametrize("table, change, reason", [
    ("step_attempts", lambda r: r.update(kind="exploit"), "step kind “exploit” is not one of"),
    ("step_attempts", lambda r: r.update(score=7.5), "score = 7.5 is outside"),
    ("step_attempts", lambda r: r.update(passed="yes"), "passed is not true or false"),
    ("step_attempts", lambda r: r.update(user_id="../../etc"), "user_id is not a record id"),
    ("step_attempts", lambda r: r.update(course_id="x" * 65), "course_id is longer than 64 characters"),
    ("step_attempts", lambda r: r.update(answers={"a": json.loads("[" * 40 + "]" * 40)}),
     "answers is nested too deeply"),
    ("lesson_time", lambda r: r.update(seconds=-5), "seconds = -5 is outside"),
    ("users", lambda r: r.update(role="superuser"), "role “superuser” is not one of"),
    ("users", lambda r: r.update(login="a b"), "is not a valid login"),
    ("users", lambda r: r.update(display_name="Wu\u202eevil"), "display_name: The name contains an invisible"),
    ("audit_log", lambda r: r.update(action="DROP TABLE"), "is not an audit action"),
])
def test_bad_values_are_refused_field_by_field(site, table, change, reason):
    site.trust(site.center, site.ws, "--role", "admin")
    zhang, admin = actor(site.ws, "zhang"), actor(site.ws, "admin")
    store_quiz_attempt(site.ws.progress, zhang, COURSE, "1.0.0", "m1/quiz", answers={}, score=1.0, passed=True,
                                         duration_s=5)
    site.ws.progress.record_lesson(zhang, COURSE, "1.0.0", "m1/intro", seconds=60, completed=True)
    site.ws.accounts.add_user(admin, "wu", "吴", Role.TRAINEE, "secret-wu")
    bundle = resign_with_workstation_key(site, site.export(), site.tmp / "bad.zip",
                                         records=edit_records(table, change))
    code, out, err = site.import_(bundle, "--approve-escalations")
    assert code == 3, out + err
    assert reason in out
    with site.center.store.session() as s:
        assert s.scalar(select(func.count()).select_from(User).where(User.role.not_in(["trainee", "instructor",
                                                                                       "admin"]))) == 0


# --- damaged files ----------------------------------------------------------------------------------------------

def _zip(path: Path, members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def _members(bundle: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(bundle) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _corrupt(path: Path, member: str, offset_from_data: int, flip: int = 0xFF) -> Path:
    """Flip one byte inside ``member``'s stored data (its header stays intact)."""
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(member)
    header = info.header_offset
    name_len = int.from_bytes(raw[header + 26:header + 28], "little")
    extra_len = int.from_bytes(raw[header + 28:header + 30], "little")
    start = header + 30 + name_len + extra_len
    raw[start + offset_from_data] ^= flip
    path.write_bytes(bytes(raw))
    return path


def _signed_manifest(site: Site, manifest_bytes: bytes, members: dict[str, bytes]) -> dict[str, bytes]:
    key = workstation_keys(site.ws.keys_dir).private_key
    return {**members, "manifest.json": manifest_bytes,
            "manifest.sig": base64.b64encode(key.sign(manifest_bytes)) + b"\n"}


def test_damaged_archives_get_the_tamper_message(site):
    site.trust(site.center, site.ws)
    site.ws.progress.record_lesson(actor(site.ws, "zhang"), COURSE, "1.0.0", "m1/intro", seconds=60, completed=True)
    genuine = site.export()
    members = _members(genuine)
    damaged = {
        "bad CRC": _corrupt(_zip(site.tmp / "crc.zip", members, zipfile.ZIP_STORED), "records.jsonl", 10),
        "bad deflate": _corrupt(_zip(site.tmp / "deflate.zip", members), "records.jsonl", 3, 0x5A),
        "manifest not JSON": _zip(site.tmp / "nojson.zip", _signed_manifest(site, b"\x89PNG not json", members)),
        "manifest nested too deep": _zip(site.tmp / "deep.zip", _signed_manifest(
            site, b"[" * 100_000 + b"]" * 100_000, members)),
        "records nested too deep": _zip(site.tmp / "deeprec.zip", {
            **members, "records.jsonl": b'{"t":"users","r":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"}),
        "truncated": site.tmp / "cut.zip",
    }
    (site.tmp / "cut.zip").write_bytes(genuine.read_bytes()[:-200])
    before = counts(site.center)
    for what, path in damaged.items():
        code, _out, err = site.import_(path)
        assert code == 1, what
        assert "unexpected" not in err, (what, err)
        assert ("changed since it was exported, or is damaged" in err
                or "not a Zhizao progress bundle (not a zip file)" in err), (what, err)
    assert counts(site.center) == before
    # Records re-hashed and re-signed by the workstation's own key but nested too deep: a clear line error.
    deep = b'{"t":"users","r":' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    manifest = json.loads(members["manifest.json"])
    manifest["records"]["sha256"] = hashlib.sha256(deep).hexdigest()
    raw = json.dumps(manifest).encode()
    signed = _zip(site.tmp / "deep-signed.zip", _signed_manifest(site, raw, {**members, "records.jsonl": deep}))
    code, _out, err = site.import_(signed)
    assert code == 1 and "line 1 is not a record; nothing was imported" in err
    assert counts(site.center) == before


# --- the enrolment itself ---------------------------------------------------------------------------------------

def test_enrolment_is_admin_only_audited_and_checks_the_fingerprint(site):
    service = WorkstationService(site.center.store.sessions, site.center.workstation_id, site.center.keys_dir)
    fp = site.fingerprint(site.ws)
    with pytest.raises(PermissionDenied):
        service.enroll(site.teacher, fp, "teacher's laptop")
    with pytest.raises(WorkstationError, match="is not a workstation fingerprint"):
        service.enroll(site.admin, fp[:-2], "typo")
    with pytest.raises(WorkstationError, match="this workstation's own key"):
        service.enroll(site.admin, site.fingerprint(site.center), "self")
    info = service.enroll(site.admin, fp.lower().replace("-", " "), "Room 2", Role.INSTRUCTOR)
    assert info.fingerprint == parse_fingerprint(fp) == fp and info.active
    service.revoke(site.admin, fp)
    with site.center.store.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).where(AuditEntry.action.like("workstation.%"))
                                 .order_by(AuditEntry.created_at)))
        row = s.get(Workstation, fp)
    assert actions == ["workstation.enroll", "workstation.revoke"] and row.revoked_by == site.admin.user_id
    code, _out, err = site.cli(site.center, "sync", "trust", "not-a-fingerprint")
    assert code == 1 and "is not a workstation fingerprint" in err

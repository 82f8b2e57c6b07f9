"""CertificateService: automatic and manual issue, overrides, expiry, revocation, numbers, batches."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from app.certificates.claims import Claims, is_valid_certificate_number
from app.services.auth import PermissionDenied, ServiceError
from app.services.certificates import CertificateService, RulesNotMet, add_months, decode_signature, encode_signature
from app.storage.models import AuditEntry, Certificate, Role, User
from tests.stored_progress import store_lab_run, store_quiz_attempt


def _pass_scored(ctx, actor, course, score: float = 1.0) -> None:
    """The trainee's quiz and lab, passed with ``score``."""
    store_quiz_attempt(ctx.progress, actor, course.id, course.version, "basics/quiz",
                                     answers={"questions": [], "seed": 1}, score=score, passed=True, duration_s=30)
    store_lab_run(ctx.progress, actor, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                                metrics={"oee": 0.8}, score=score, passed=True, duration_s=60)


def _sign(ctx, instructor, user_id, course, passed: bool = True) -> None:
    checklist = {item.id: passed for item in course.step("line/practical").practical.checklist}
    ctx.progress.sign_off(instructor, user_id, course.id, "line/practical", checklist)


def _meet(ctx, actor, instructor, course) -> None:
    _pass_scored(ctx, actor, course)
    _sign(ctx, instructor, actor.user_id, course)


def _count(ctx, model=Certificate, **where) -> int:
    with ctx.store.sessions() as s:
        q = select(func.count()).select_from(model)
        for name, value in where.items():
            q = q.where(getattr(model, name) == value)
        return s.scalar(q) or 0


def _trainees(ctx, admin, n: int) -> list:
    out = []
    for i in range(n):
        ctx.accounts.add_user(admin, f"t{i:02d}", f"学员{i}", Role.TRAINEE, "trainee-pass")
        out.append(ctx.accounts.authenticate(f"t{i:02d}", "trainee-pass"))
    return out


# --- automatic issue -------------------------------------------------------------------------------

def test_automatic_issue_waits_for_the_practical_sign_off(ctx, trainee, instructor, fixture_course):
    svc = ctx.certificates
    course = fixture_course
    assert svc.check_and_issue(trainee, trainee.user_id, course) is None  # nothing done yet
    _pass_scored(ctx, trainee, course)
    assert svc.check_and_issue(trainee, trainee.user_id, course) is None  # the practical is not signed off
    _sign(ctx, instructor, trainee.user_id, course, passed=False)
    assert svc.check_and_issue(trainee, trainee.user_id, course) is None  # a failed sign-off does not count
    assert _count(ctx) == 0
    _sign(ctx, instructor, trainee.user_id, course)

    info = svc.check_and_issue(trainee, trainee.user_id, course)
    assert info is not None
    assert svc.check_and_issue(trainee, trainee.user_id, course) is None  # once per learner and course
    assert _count(ctx) == 1
    today = dt.date.today()
    assert info.issued_on == today and info.expires_on == add_months(today, 12)
    assert info.learner_name == "张伟" and info.login == "zhangwei" and info.issued_by is None
    claims = Claims.from_json_dict(info.claims)
    assert claims.number == info.number and claims.course_title_zh == "测试用迷你课程"
    assert claims.course_title_en == "Fixture mini course" and claims.score == 100 and claims.hours == 1.5
    assert claims.modules_completed == 1  # "line" is complete; the basics lesson was never read
    assert claims.center_name_zh == "智造学院培训中心" and claims.center_id == ctx.settings.get("center_id")
    pdf = ctx.data_dir / "certificates" / f"{info.number}.pdf"
    assert svc.pdf_path(info) == pdf and pdf.is_file()
    assert pdf.with_suffix(".openbadge.json").is_file()
    result = svc.verify_pdf(pdf)
    assert result.status == "valid" and result.claims == claims
    # Automatic issue is not an instructor action: nothing in the audit log.
    assert _count(ctx, AuditEntry, action="certificate.issue") == 0


def test_automatic_issue_needs_the_overall_score(ctx, trainee, instructor, fixture_course):
    _pass_scored(ctx, trainee, fixture_course, score=0.6)  # "passed" steps, but the mean is below 70 %
    _sign(ctx, instructor, trainee.user_id, fixture_course)
    assert ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course) is None
    store_quiz_attempt(ctx.progress, trainee, fixture_course.id, "1.0.0", "basics/quiz", answers={},
                                     score=0.9, passed=True, duration_s=5)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert info is not None and info.score == 75.0  # mean of the best scores 0.9 and 0.6


def test_a_trainee_cannot_issue_for_someone_else_or_by_hand(ctx, admin, trainee, instructor, fixture_course):
    other = _trainees(ctx, admin, 1)[0]
    _meet(ctx, other, instructor, fixture_course)
    with pytest.raises(PermissionDenied):
        ctx.certificates.check_and_issue(trainee, other.user_id, fixture_course)
    with pytest.raises(PermissionDenied):
        ctx.certificates.issue(trainee, other.login, fixture_course)
    with pytest.raises(PermissionDenied):
        ctx.certificates.issue(other, other.login, fixture_course)  # not even for themself
    with pytest.raises(PermissionDenied):
        ctx.certificates.list_all(trainee)
    assert _count(ctx) == 0
    # Staff may trigger the automatic check for a trainee (e.g. right after a sign-off).
    assert ctx.certificates.check_and_issue(instructor, other.user_id, fixture_course) is not None


def test_a_course_without_a_certificate_awards_none(ctx, trainee, instructor, fixture_course):
    course = fixture_course.model_copy(update={"certificate": None})
    _meet(ctx, trainee, instructor, course)
    assert ctx.certificates.check_and_issue(trainee, trainee.user_id, course) is None
    with pytest.raises(ServiceError, match="does not award a certificate"):
        ctx.certificates.issue(instructor, "zhangwei", course)


# --- manual issue and override -------------------------------------------------------------------

def test_manual_issue_is_refused_until_the_rules_are_met_unless_overridden(ctx, trainee, instructor, fixture_course):
    svc = ctx.certificates
    _pass_scored(ctx, trainee, fixture_course)
    with pytest.raises(RulesNotMet) as refused:
        svc.issue(instructor, "zhangwei", fixture_course)
    assert refused.value.result.missing_required == ["line/practical"]
    assert "Lockout/tagout sign-off" in str(refused.value)
    assert _count(ctx) == 0 and _count(ctx, AuditEntry, action="certificate.override") == 0

    info = svc.issue(instructor, "ZhangWei", fixture_course, override=True, reason="signed off on paper")
    assert info.issued_by == instructor.user_id and info.is_current()
    with ctx.store.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.override"))
    assert audit.actor_id == instructor.user_id and audit.target_user_id == trainee.user_id
    assert audit.details["number"] == info.number and audit.details["reason"] == "signed off on paper"
    assert audit.details["missing_required"] == ["line/practical"]

    with pytest.raises(ServiceError, match="already holds certificate"):
        svc.issue(instructor, "zhangwei", fixture_course, override=True)
    with pytest.raises(ServiceError, match="No user"):
        svc.issue(instructor, "nobody", fixture_course, override=True)


def test_override_certificate_says_what_it_is(ctx, trainee, instructor, fixture_course):
    """No "successfully completed" beside 0 %: the paper and the signed data say the center awarded it."""
    import subprocess

    svc = ctx.certificates
    with pytest.raises(ServiceError, match="Unknown override reason"):
        svc.issue(instructor, "zhangwei", fixture_course, override=True, reason="x", reason_category="friendship")
    info = svc.issue(instructor, "zhangwei", fixture_course, override=True, reason="RPL: 10 years on the line",
                     reason_category="prior_learning", locale="en")
    assert info.claims["award"] == "override" and info.claims["override_reason"] == "prior_learning"
    with ctx.store.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.override"))
    assert audit.details["reason_category"] == "prior_learning"
    assert audit.details["reason"] == "RPL: 10 years on the line"  # the free text stays in the audit log only
    assert "RPL" not in str(info.claims)

    pdf = svc.pdf_path(info)
    text = " ".join(subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "successfully completed" not in text and "已完成以下课程的全部学习与考核" not in text
    assert "awarded this certificate by the training center" in text and "经培训中心认定" in text
    assert "recognition of prior learning" in text and "先前学习认定" in text
    result = svc.verify_pdf(pdf)
    assert result.status == "valid" and result.page == "matches", result.message
    facts = dict(result.facts())
    assert "Awarded by the training center, not by completing the course" in facts["Basis"]
    assert "recognition of prior learning" in facts["Basis"]


def test_completed_certificate_claims_keep_their_old_canonical_form(ctx, trainee, instructor, fixture_course):
    """Certificates earned the normal way sign no award keys: verifiers older than overrides still read them."""
    _meet(ctx, trainee, instructor, fixture_course)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert "award" not in info.claims and "override_reason" not in info.claims
    assert not Claims.from_json_dict(info.claims).is_override


def test_manual_issue_when_met_is_audited_without_override(ctx, trainee, instructor, fixture_course):
    _meet(ctx, trainee, instructor, fixture_course)
    info = ctx.certificates.issue(instructor, "zhangwei", fixture_course, locale="en")
    assert _count(ctx, AuditEntry, action="certificate.issue") == 1
    assert _count(ctx, AuditEntry, action="certificate.override") == 0
    assert ctx.certificates.verify_pdf(ctx.certificates.pdf_path(info)).status == "valid"


# --- dates -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "months", "expected"), [
    (dt.date(2026, 11, 24), 36, dt.date(2029, 11, 24)),
    (dt.date(2024, 1, 31), 1, dt.date(2024, 2, 29)),    # leap year: clamped to the 29th
    (dt.date(2023, 1, 31), 1, dt.date(2023, 2, 28)),
    (dt.date(2024, 2, 29), 12, dt.date(2025, 2, 28)),
    (dt.date(2025, 8, 31), 1, dt.date(2025, 9, 30)),
    (dt.date(2025, 11, 15), 14, dt.date(2027, 1, 15)),  # across the year end
    (dt.date(2025, 12, 1), 1, dt.date(2026, 1, 1)),
])
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def _service_on(ctx, day: list[dt.date]) -> CertificateService:
    """The context's service with a movable "today"."""
    return CertificateService(ctx.store.sessions, ctx.keys_dir, ctx.data_dir / "certificates", ctx.settings,
                              ctx.progress, ctx.workstation_id, today=lambda: day[0])


def test_expiry_date_and_reissue_after_expiry(ctx, trainee, instructor, fixture_course):
    day = [dt.date(2024, 2, 29)]
    svc = _service_on(ctx, day)
    _meet(ctx, trainee, instructor, fixture_course)
    first = svc.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert first.issued_on == dt.date(2024, 2, 29) and first.expires_on == dt.date(2025, 2, 28)
    assert first.number.startswith("ZZ-2024-")
    day[0] = dt.date(2025, 2, 28)  # the last valid day
    assert svc.check_and_issue(trainee, trainee.user_id, fixture_course) is None
    assert svc.verify_pdf(svc.pdf_path(first), today=day[0]).status == "valid"
    day[0] = dt.date(2025, 3, 1)
    assert first.status(day[0]) == "expired"
    assert svc.verify_pdf(svc.pdf_path(first), today=day[0]).status == "expired"
    second = svc.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert second is not None and second.number != first.number
    assert second.expires_on == dt.date(2026, 3, 1)
    assert [c.number for c in svc.list_for_user(trainee, trainee.user_id)] == [second.number, first.number]


# --- revocation ------------------------------------------------------------------------------------

def test_revoke_then_verify_says_revoked(ctx, trainee, instructor, fixture_course):
    svc = ctx.certificates
    _meet(ctx, trainee, instructor, fixture_course)
    info = svc.check_and_issue(trainee, trainee.user_id, fixture_course)
    pdf = svc.pdf_path(info)
    with pytest.raises(PermissionDenied):
        svc.revoke(trainee, info.number, "no")
    with pytest.raises(ServiceError, match="reason"):
        svc.revoke(instructor, info.number, "   ")
    with pytest.raises(ServiceError, match="No certificate"):
        svc.revoke(instructor, "ZZ-2026-0000-0000", "typo")

    revoked = svc.revoke(instructor, info.number.lower(), "identity fraud")  # any case works
    assert revoked.status() == "revoked" and revoked.revoked_reason == "identity fraud"
    assert svc.revoked_lookup(info.number) == (True, "identity fraud")
    for result in (svc.verify_pdf(pdf), svc.verify_qr(_payload_of(pdf))):
        assert result.status == "revoked" and result.revocation_reason == "identity fraud"
        assert "identity fraud" in result.message
    with ctx.store.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.revoke"))
    assert audit.actor_id == instructor.user_id and audit.details == {"number": info.number,
                                                                       "reason": "identity fraud"}
    with pytest.raises(ServiceError, match="already revoked"):
        svc.revoke(instructor, info.number, "again")
    # The learner still meets the rules: a revoked certificate does not block a new one.
    again = svc.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert again is not None and again.number != info.number and svc.verify_pdf(svc.pdf_path(again)).ok


def _payload_of(pdf) -> str:
    from pypdf import PdfReader

    return str(PdfReader(str(pdf)).metadata["/ZhizaoCertificate"])


def test_verifying_never_creates_a_key(ctx):
    from app.certificates.issue import write_certificate
    from app.certificates.keys import CenterKeys
    from tests.certificates.conftest import make_claims

    other = CenterKeys.load_or_create(ctx.data_dir.parent / "elsewhere" / "keys")
    pdf = write_certificate(make_claims(), other, ctx.data_dir.parent / "x.pdf").pdf_path
    assert ctx.certificates.verify_pdf(pdf).status == "unknown_issuer"
    assert not (ctx.keys_dir / "center_ed25519.pem").exists()


# --- numbers and files -------------------------------------------------------------------------------

def test_numbers_are_unique_and_a_clash_draws_again(ctx, admin, instructor, fixture_course, monkeypatch):
    people = _trainees(ctx, admin, 3)
    for p in people:
        _meet(ctx, p, instructor, fixture_course)
    first = ctx.certificates.check_and_issue(people[0], people[0].user_id, fixture_course)
    import app.certificates.claims as claims_mod

    real = claims_mod.new_certificate_number
    drawn: list[str] = []

    def clashing(code, day, seq=None):
        number = first.number if not drawn else real(code, day, seq)
        drawn.append(number)
        return number

    monkeypatch.setattr("app.services.certificates.new_certificate_number", clashing)
    second = ctx.certificates.check_and_issue(people[1], people[1].user_id, fixture_course)
    assert drawn[0] == first.number and second.number == drawn[1] != first.number
    monkeypatch.undo()
    third = ctx.certificates.check_and_issue(people[2], people[2].user_id, fixture_course)
    numbers = [first.number, second.number, third.number]
    assert len(set(numbers)) == 3 and all(is_valid_certificate_number(n) for n in numbers)
    assert _count(ctx) == 3


def test_center_code_setting_prefixes_numbers(ctx, admin, trainee, instructor, fixture_course):
    ctx.settings.set(admin, "center_code", "cq01")
    _meet(ctx, trainee, instructor, fixture_course)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course)
    assert info.number.startswith("CQ01-") and is_valid_certificate_number(info.number)
    ctx.settings.set(admin, "center_code", "not a code!")
    assert ctx.certificates.center_code() == "ZZ"


def test_missing_pdf_is_drawn_again_from_the_store(ctx, trainee, instructor, fixture_course):
    svc = ctx.certificates
    _meet(ctx, trainee, instructor, fixture_course)
    info = svc.check_and_issue(trainee, trainee.user_id, fixture_course)
    pdf = svc.pdf_path(info)
    original = svc.verify_pdf(pdf)
    pdf.unlink()
    pdf.with_suffix(".openbadge.json").unlink()
    again = svc.pdf_path(svc.get(info.number))
    assert again == pdf and pdf.is_file() and pdf.with_suffix(".openbadge.json").is_file()
    redrawn = svc.verify_pdf(pdf)
    assert redrawn.status == "valid" and redrawn.claims == original.claims
    kid, sig = decode_signature(info.signature)
    assert encode_signature(kid, sig) == info.signature and kid == svc.center_keys().key_id()


def test_unprintable_name_is_refused_and_leaves_nothing(ctx, admin, instructor, fixture_course):
    """Account creation refuses such names; one stored before that rule (or by an old version) still fails cleanly."""
    ctx.accounts.add_user(admin, "rare", "王", Role.TRAINEE, "trainee-pass")
    with ctx.store.session() as s, s.begin():
        s.scalar(select(User).where(User.login == "rare")).display_name = "王𠀀"
    rare = ctx.accounts.authenticate("rare", "trainee-pass")
    _meet(ctx, rare, instructor, fixture_course)
    with pytest.raises(ServiceError, match="cannot be printed.*𠀀"):
        ctx.certificates.check_and_issue(rare, rare.user_id, fixture_course)
    assert _count(ctx) == 0
    assert not list((ctx.data_dir / "certificates").glob("*"))


# --- batch -------------------------------------------------------------------------------------------

def test_batch_cancelled_midway_leaves_whole_records(ctx, admin, instructor, fixture_course):
    people = _trainees(ctx, admin, 5)
    cohort = ctx.cohorts.create(instructor, "一班")
    for p in people:
        ctx.cohorts.add_member(instructor, cohort, p.login)
    for p in people[:4]:
        _meet(ctx, p, instructor, fixture_course)
    _pass_scored(ctx, people[4], fixture_course)  # t04: the practical is missing
    seen: list[tuple[int, int]] = []

    result = ctx.certificates.issue_batch(instructor, cohort, fixture_course, lambda d, t: seen.append((d, t)),
                                          lambda: len(seen) >= 2)
    assert result.cancelled and result.total == 5 and seen == [(1, 5), (2, 5)]
    assert [c.login for c in result.issued] == ["t00", "t01"]
    assert _count(ctx) == 2
    files = sorted(p.name for p in (ctx.data_dir / "certificates").iterdir())
    assert files == sorted([f"{c.number}.pdf" for c in result.issued]
                           + [f"{c.number}.openbadge.json" for c in result.issued])
    for c in result.issued:
        assert ctx.certificates.verify_pdf(ctx.certificates.pdf_path(c)).ok
    assert _count(ctx, AuditEntry, action="certificate.issue") == 2

    rest = ctx.certificates.issue_batch(instructor, cohort, fixture_course)
    assert not rest.cancelled and [c.login for c in rest.issued] == ["t02", "t03"]
    reasons = dict(rest.skipped)
    assert "already holds certificate" in reasons["学员0 (t00)"]
    assert "Lockout/tagout sign-off" in reasons["学员4 (t04)"]
    assert _count(ctx) == 4
    listed = ctx.certificates.list_all(instructor, cohort_id=cohort, course_id=fixture_course.id)
    assert sorted(c.login for c in listed) == ["t00", "t01", "t02", "t03"]
    with pytest.raises(PermissionDenied):
        ctx.certificates.issue_batch(people[0], cohort, fixture_course)


# --- the command line --------------------------------------------------------------------------------

def _cli(capsys, data_dir, *argv):
    from app.cli.main import main

    code = main(["--data-dir", str(data_dir), "certificate", *argv])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_issue_list_revoke_verify(ctx, trainee, instructor, fixture_course, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("ZHIZAO_LANG", "en")
    data = ctx.data_dir
    _pass_scored(ctx, trainee, fixture_course)
    out_pdf = tmp_path / "out" / "zhangwei.pdf"

    code, out, err = _cli(capsys, data, "issue", "--user", "zhangwei", "--course", "fixture-mini", "-o", str(out_pdf))
    assert code == 1 and "does not meet the passing rules" in err and "Lockout/tagout sign-off" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1 and not out_pdf.exists()
    code, _out, err = _cli(capsys, data, "issue", "--user", "zhangwei", "--course", "no-such-course")
    assert code == 2 and "no-such-course" in err

    code, out, err = _cli(capsys, data, "issue", "--user", "zhangwei", "--course", "fixture-mini", "-o", str(out_pdf),
                          "--override", "--reason", "paper sign-off", "--lang", "en")
    assert code == 0, err
    number = ctx.certificates.list_all(instructor)[0].number
    assert f"Issued certificate {number} to 张伟" in out and str(out_pdf) in out
    assert out_pdf.is_file() and out_pdf.with_suffix(".openbadge.json").is_file()
    with ctx.store.sessions() as s:
        audit = s.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.override"))
    assert audit.actor_id is None and audit.details["reason"] == "paper sign-off"  # the operator (no account)

    code, out, _err = _cli(capsys, data, "list", "--user", "zhangwei")
    assert code == 0 and out.startswith(f"{number}\tzhangwei\t张伟\tfixture-mini\t") and out.rstrip().endswith("Valid")

    code, out, _err = _cli(capsys, data, "verify", str(out_pdf))
    assert code == 0 and out.startswith("Valid:") and "revocation checked" in out
    code, out, err = _cli(capsys, data, "revoke", number, "--reason", "wrong person")
    assert code == 0 and "wrong person" in out, err
    code, out, _err = _cli(capsys, data, "verify", str(out_pdf))
    assert code == 4 and out.startswith("Revoked:") and "wrong person" in out
    code, out, _err = _cli(capsys, data, "verify", "--badge", str(out_pdf.with_suffix(".openbadge.json")))
    assert code == 4
    code, out, _err = _cli(capsys, data, "list")
    assert out.rstrip().endswith("Revoked")
    code, _out, err = _cli(capsys, data, "revoke", number, "--reason", "again")
    assert code == 1 and "already revoked" in err

    # An employer's PC has the key but not the center's database: genuine, not known to be revoked,
    # and verifying creates no database there.
    employer = tmp_path / "employer"
    (employer / "keys" / "trusted").mkdir(parents=True)
    (employer / "keys" / "trusted" / "center.pem").write_bytes((data / "keys" / "center_ed25519.pub.pem").read_bytes())
    code, out, _err = _cli(capsys, employer, "verify", str(out_pdf), "--json")
    import json

    doc = json.loads(out)
    assert code == 0 and doc["status"] == "valid" and doc["revocation_checked"] is False
    assert not (employer / "zhizao.sqlite").exists()


def test_cli_pdf_copy_redraws_a_missing_file(ctx, trainee, instructor, fixture_course, capsys, tmp_path,
                                             monkeypatch):
    monkeypatch.setenv("ZHIZAO_LANG", "en")
    _meet(ctx, trainee, instructor, fixture_course)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course)
    ctx.certificates.pdf_path(info).unlink()
    code, out, err = _cli(capsys, ctx.data_dir, "pdf", info.number.lower(), "-o", str(tmp_path))
    assert code == 0, err
    copy = tmp_path / f"{info.number}.pdf"
    assert copy.is_file() and ctx.certificates.verify_pdf(copy).ok
    code, _out, err = _cli(capsys, ctx.data_dir, "pdf", "ZZ-2026-0000-0001", "-o", str(tmp_path / "x.pdf"))
    assert code == 1 and "No certificate numbered" in err


def test_cli_verify_as_a_real_process(ctx, trainee, instructor, fixture_course, tmp_path):
    import os
    import subprocess
    import sys

    _meet(ctx, trainee, instructor, fixture_course)
    info = ctx.certificates.check_and_issue(trainee, trainee.user_id, fixture_course)
    ctx.certificates.revoke(instructor, info.number, "test revocation")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "ZHIZAO_LANG": "en"}
    res = subprocess.run([sys.executable, "-m", "app", "--data-dir", str(ctx.data_dir), "certificate", "verify",
                          str(ctx.certificates.pdf_path(info))], capture_output=True, text=True, env=env, timeout=120)
    assert res.returncode == 4 and res.stdout.startswith("Revoked:") and "test revocation" in res.stdout

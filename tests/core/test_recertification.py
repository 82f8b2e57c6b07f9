"""Recertification (issue 19): expiring certificates per class, and the trainee's reminder at the right time."""

from __future__ import annotations

import datetime as dt

import pytest

from app.services.auth import PermissionDenied
from app.services.recertification import REMIND_DAYS, RecertificationService
from app.storage.models import Certificate, Role

EXPIRY = dt.date(2027, 6, 30)


class Today:
    def __init__(self, day: dt.date) -> None:
        self.day = day

    def __call__(self) -> dt.date:
        return self.day


def _certificate(ctx, user_id: str, number: str, issued: dt.date, expires: dt.date | None, *, revoked=False) -> None:
    with ctx.store.session() as s, s.begin():
        s.add(Certificate(number=number, user_id=user_id, course_id="fixture-mini", course_version="1.0.0",
                          issued_on=issued, expires_on=expires,
                          claims={"course_title_en": "Fixture mini course", "course_title_zh": "测试用迷你课程"},
                          revoked_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC) if revoked else None))


@pytest.fixture
def today():
    return Today(EXPIRY)


@pytest.fixture
def recert(ctx, today):
    return RecertificationService(ctx.store.sessions, today)


def test_reminder_appears_29_days_before_expiry_not_31_and_changes_after(ctx, trainee, recert, today):
    _certificate(ctx, trainee.user_id, "ZA-01-0001", dt.date(2026, 6, 30), EXPIRY)
    assert REMIND_DAYS == 30
    today.day = EXPIRY - dt.timedelta(days=31)
    assert recert.reminders(trainee) == []
    today.day = EXPIRY - dt.timedelta(days=29)
    assert recert.reminders(trainee) == [
        "Your certificate ZA-01-0001 for “Fixture mini course” expires on June 30, 2027, in 29 days. "
        "Renew it before then with the refresher."]
    today.day = EXPIRY - dt.timedelta(days=1)
    assert "in 1 day." in recert.reminders(trainee)[0]
    today.day = EXPIRY + dt.timedelta(days=1)
    assert recert.reminders(trainee) == [
        "Your certificate ZA-01-0001 for “Fixture mini course” expired on June 30, 2027. "
        "Ask your instructor about the refresher to renew it."]


def test_a_renewed_revoked_or_unlimited_certificate_reminds_nobody(ctx, admin, trainee, recert, today):
    _certificate(ctx, trainee.user_id, "ZA-01-0001", dt.date(2026, 6, 30), EXPIRY)
    today.day = EXPIRY - dt.timedelta(days=10)
    assert len(recert.reminders(trainee)) == 1
    _certificate(ctx, trainee.user_id, "ZA-01-0002", EXPIRY - dt.timedelta(days=11), dt.date(2028, 6, 19))
    assert recert.reminders(trainee) == []  # renewed: the newer one counts
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "pass-lina-1")
    lina = ctx.accounts.authenticate("lina", "pass-lina-1")
    _certificate(ctx, lina.user_id, "ZA-01-0003", dt.date(2026, 6, 30), EXPIRY, revoked=True)
    _certificate(ctx, lina.user_id, "ZA-01-0004", dt.date(2026, 6, 30), None)
    assert recert.reminders(lina) == []


def test_dashboard_lists_certificates_expiring_in_the_next_n_days_per_class(ctx, admin, instructor, trainee, recert,
                                                                             today):
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "pass-lina-1")
    lina = ctx.accounts.authenticate("lina", "pass-lina-1")
    today.day = dt.date(2027, 6, 1)
    _certificate(ctx, trainee.user_id, "ZA-01-0001", dt.date(2026, 6, 30), dt.date(2027, 6, 30))  # 29 days
    _certificate(ctx, lina.user_id, "ZA-01-0002", dt.date(2026, 8, 1), dt.date(2027, 8, 1))  # 61 days
    _certificate(ctx, lina.user_id, "ZA-01-0009", dt.date(2025, 1, 1), dt.date(2026, 1, 1))  # older, renewed
    assert [(e.number, e.days_left(today.day)) for e in recert.expiring(instructor, 30)] == [("ZA-01-0001", 29)]
    assert [e.number for e in recert.expiring(instructor, 90)] == ["ZA-01-0001", "ZA-01-0002"]
    cohort = ctx.cohorts.create(instructor, "Class C")
    ctx.cohorts.add_member(instructor, cohort, "lina")
    assert [(e.login, e.number) for e in recert.expiring(instructor, 90, cohort)] == [("lina", "ZA-01-0002")]
    with pytest.raises(PermissionDenied):
        recert.expiring(trainee, 30)


# --- renewal -------------------------------------------------------------------------------------

REAL_TODAY = dt.datetime.now(dt.UTC).date()


@pytest.fixture
def renewing(ctx, fixture_course, today):
    """A certificate service and a renewal service on one injected clock (validity 12 months)."""
    from app.services.certificates import CertificateService

    certs = CertificateService(ctx.store.sessions, ctx.keys_dir, ctx.data_dir / "certificates", ctx.settings,
                               ctx.progress, ctx.workstation_id, today=today)
    return certs, RecertificationService(ctx.store.sessions, today, certificates=certs,
                                         course_of=ctx.library.get, review=ctx.review)


def _old_certificate(ctx, instructor, trainee, course, certs, today):
    """Issued 330 days ago (so it expires in about a month); the course's work done before that."""
    from sqlalchemy import update

    from app.storage.models import StepAttempt
    from tests.stored_progress import store_lab_run, store_quiz_attempt

    store_quiz_attempt(ctx.progress, trainee, course.id, course.version, "basics/quiz",
                       answers={"questions": [], "seed": 1}, score=1.0, passed=True, duration_s=30)
    store_lab_run(ctx.progress, trainee, course.id, course.version, "line/buffer-lab", parameters={}, seed=1,
                  metrics={"oee": 0.8}, score=1.0, passed=True, duration_s=60)
    checklist = {item.id: True for item in course.step("line/practical").practical.checklist}
    ctx.progress.sign_off(instructor, trainee.user_id, course.id, "line/practical", checklist)
    issued = REAL_TODAY - dt.timedelta(days=330)
    with ctx.store.session() as s, s.begin():  # the course was done back then, not today
        s.execute(update(StepAttempt).values(created_at=dt.datetime.combine(issued, dt.time(), tzinfo=dt.UTC)))
    today.day = issued
    old = certs.issue(instructor, trainee.login, course)
    today.day = REAL_TODAY
    return old


def _pass_final_quiz_again(ctx, trainee, course):
    from tests.stored_progress import store_quiz_attempt

    store_quiz_attempt(ctx.progress, trainee, course.id, course.version, "basics/quiz",
                       answers={"questions": [], "seed": 2}, score=0.9, passed=True, duration_s=30)


def test_trainee_renews_after_passing_the_final_quiz_again_with_a_new_linked_number(
        ctx, instructor, trainee, fixture_course, renewing, today):
    from sqlalchemy import select

    from app.services.certificates import add_months
    from app.services.recertification import RenewalRefused
    from app.storage.models import AuditEntry

    certs, recert = renewing
    old = _old_certificate(ctx, instructor, trainee, fixture_course, certs, today)
    assert "renews" not in old.claims
    with pytest.raises(RenewalRefused, match="refresher"):
        recert.renew(trainee, old.number)  # the rule does not hold yet
    assert recert.renewable(trainee) == []
    _pass_final_quiz_again(ctx, trainee, fixture_course)
    assert recert.refresher_basis(trainee, old.number) == "quiz"
    assert recert.renewable(trainee) == [old.number]
    new = recert.renew(trainee, old.number)
    assert new.number != old.number and new.claims["renews"] == old.number
    assert new.issued_on == REAL_TODAY and new.expires_on == add_months(REAL_TODAY, 12)
    assert certs.get(old.number).is_current(REAL_TODAY)  # the old one stays valid until its own expiry
    assert certs.get(old.number).revoked_at is None
    assert recert.reminders(trainee) == [] and recert.renewable(trainee) == []
    with ctx.store.session() as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "certificate.renew")).one()
        assert entry.details["renews"] == old.number and entry.details["number"] == new.number
        assert entry.details["basis"] == "quiz" and entry.actor_id == trainee.user_id
    with pytest.raises(RenewalRefused, match="already been renewed"):
        recert.renew(trainee, old.number)


def test_renewal_is_signed_and_verification_and_pdf_show_the_old_number(
        ctx, instructor, trainee, fixture_course, renewing, today):
    import shutil
    import subprocess

    from app.certificates.claims import Claims, canonical_bytes

    certs, recert = renewing
    old = _old_certificate(ctx, instructor, trainee, fixture_course, certs, today)
    new = recert.renew(instructor, old.number)
    result = certs.verify_pdf(certs.pdf_path(new), today=REAL_TODAY)
    assert result.status == "valid" and result.claims.renews == old.number
    assert result.page == "matches" and result.differences == ()  # the printed page agrees with the claims
    assert ("Renewal", f"Renews certificate {old.number}") in result.facts()
    old_result = certs.verify_pdf(certs.pdf_path(old), today=REAL_TODAY)
    assert old_result.status == "valid" and old_result.claims.renews == ""
    assert all(label != "Renewal" for label, _v in old_result.facts())
    assert b"renews" not in canonical_bytes(Claims.from_json_dict(old.claims))
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(certs.pdf_path(new)), "-"], check=True,
                              capture_output=True, text=True).stdout
        assert f"Renewal of {old.number}" in text


def test_renewal_window_staff_basis_and_who_may_renew(ctx, admin, instructor, trainee, fixture_course, renewing,
                                                      today):
    from sqlalchemy import select

    from app.services.recertification import RENEW_WINDOW_DAYS, RenewalRefused
    from app.storage.models import AuditEntry

    certs, recert = renewing
    old = _old_certificate(ctx, instructor, trainee, fixture_course, certs, today)
    _pass_final_quiz_again(ctx, trainee, fixture_course)
    today.day = old.expires_on - dt.timedelta(days=RENEW_WINDOW_DAYS + 1)
    for actor in (trainee, instructor):
        with pytest.raises(RenewalRefused, match="can be renewed from"):
            recert.renew(actor, old.number)
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "pass-lina-1")
    lina = ctx.accounts.authenticate("lina", "pass-lina-1")
    today.day = old.expires_on + dt.timedelta(days=3)  # after expiry: still renewable
    with pytest.raises(PermissionDenied):
        recert.renew(lina, old.number)
    new = recert.renew(instructor, old.number)
    assert new.claims["renews"] == old.number and new.issued_on == today.day
    with ctx.store.session() as s:
        assert s.scalars(select(AuditEntry.details).where(AuditEntry.action == "certificate.renew")).one()[
            "basis"] == "staff"


def test_cli_renews_by_staff_refuses_the_holder_without_refresher_and_verify_shows_the_link(
        ctx, instructor, trainee, fixture_course, renewing, today, capsys):
    from app.cli.main import main

    certs, _recert = renewing
    old = _old_certificate(ctx, instructor, trainee, fixture_course, certs, today)
    base = ["--data-dir", str(ctx.data_dir), "certificate"]
    assert main([*base, "renew", old.number, "--by", "zhangwei"]) != 0
    assert "refresher" in capsys.readouterr().err
    assert main([*base, "renew", old.number, "--by", "teacher"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Renewed certificate {old.number} as ")
    new_number = out.split(" as ", 1)[1].split()[0]
    assert certs.get(new_number).claims["renews"] == old.number
    assert main([*base, "verify", str(certs.pdf_path(certs.get(new_number)))]) == 0
    out = capsys.readouterr().out
    assert f"Renews certificate {old.number}" in out


def test_refresher_by_review_streak_or_a_passed_exam_not_a_failed_one(ctx, instructor, trainee, fixture_course,
                                                                     renewing, today):
    from app.storage.models import ExamAttempt, ExamSession, ReviewLog

    certs, _recert = renewing
    streaky = fixture_course.model_copy(update={"review_streak_days": 3})
    recert = RecertificationService(ctx.store.sessions, today, certificates=certs,
                                    course_of=lambda _cid: streaky, review=ctx.review)
    old = _old_certificate(ctx, instructor, trainee, fixture_course, certs, today)
    now = dt.datetime.now(dt.UTC)

    def reviewed(days_ago: int) -> None:
        with ctx.store.session() as s, s.begin():
            s.add(ReviewLog(user_id=trainee.user_id, course_id=fixture_course.id, source="glossary", ref="buffer",
                            rating=3, reviewed_at=now - dt.timedelta(days=days_ago)))

    reviewed(0)
    reviewed(1)
    assert recert.refresher_basis(trainee, old.number) is None  # 2 days in a row, 3 needed
    reviewed(2)
    assert recert.refresher_basis(trainee, old.number) == "review_streak"

    plain = RecertificationService(ctx.store.sessions, today, certificates=certs, course_of=ctx.library.get,
                                   review=ctx.review)
    assert plain.refresher_basis(trainee, old.number) is None  # the course asks for no streak
    with ctx.store.session() as s, s.begin():
        session = ExamSession(course_id=fixture_course.id, proctor_id=instructor.user_id)
        s.add(session)
        s.flush()
        s.add(ExamAttempt(session_id=session.id, user_id=trainee.user_id, course_id=fixture_course.id,
                          attempt_no=1, ended_at=now, passed=False))
    assert plain.refresher_basis(trainee, old.number) is None  # a failed exam is no refresher
    with ctx.store.session() as s, s.begin():
        s.add(ExamAttempt(session_id=session.id, user_id=trainee.user_id, course_id=fixture_course.id,
                          attempt_no=2, ended_at=now, passed=True))
    assert plain.refresher_basis(trainee, old.number) == "exam"
    assert plain.renew(trainee, old.number).claims["renews"] == old.number

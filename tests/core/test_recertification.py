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

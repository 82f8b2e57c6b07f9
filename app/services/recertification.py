"""Recertification (issue 19): certificates that expire soon, per class, and the trainee's reminder.

Validity comes from the course (``certificate.validity_months``): a certificate's
``expires_on`` is set when it is issued. A trainee is reminded from ``REMIND_DAYS``
days before the expiry date on; after it, the reminder says the certificate has expired.
The clock is injected so the reminder's timing is tested to the day.

Renewal (:meth:`RecertificationService.renew`) issues a new certificate, with a new
number, validity from the renewal date and ``renews: <old number>`` in its signed
claims. The old certificate is not revoked: it stays valid until its own expiry. It is
allowed from ``RENEW_WINDOW_DAYS`` days before the old certificate's expiry on (or after
it), for the holder's newest certificate of the course, and

* by staff at any time in that window (their judgement, e.g. a refresher held in person);
* by the trainee themself when the refresher is done: they passed the course's final
  exam (an exam session) or its final quiz again after the old certificate's issue date,
  or their review streak of the course reached its ``review_streak_days``.

Every renewal is audited (``certificate.renew``) with the basis it was granted on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _, format_date, ngettext
from app.services.auth import Actor, PermissionDenied, ServiceError, require_self_or_staff, require_staff
from app.services.certificates_records import CertificateInfo, title_text
from app.services.errors import storage_errors
from app.storage.models import Certificate, CohortMember, ExamAttempt, StepAttempt, User

REMIND_DAYS = 30
RENEW_WINDOW_DAYS = 60  # renewal opens this many days before the old certificate's expiry

# Why a renewal was granted (stored in the audit entry).
BASIS_STAFF = "staff"
BASIS_EXAM = "exam"
BASIS_QUIZ = "quiz"
BASIS_STREAK = "review_streak"


class RenewalRefused(ServiceError):
    """The certificate cannot be renewed now (the message says why)."""


@dataclass(frozen=True)
class Expiring:
    """A certificate that expires within the window asked for (or has expired, for the reminder)."""

    number: str
    user_id: str
    login: str
    name: str
    course_id: str
    course_title: dict[str, str]
    expires_on: dt.date

    def days_left(self, today: dt.date) -> int:
        return (self.expires_on - today).days


def _today() -> dt.date:
    return dt.datetime.now().astimezone().date()


@storage_errors
class RecertificationService:
    def __init__(self, sessions: sessionmaker[Session], today: Callable[[], dt.date] = _today, *,
                 certificates=None, course_of: Callable[[str], object] | None = None, review=None) -> None:
        """``certificates`` (CertificateService), ``course_of`` (course id → course) and ``review``
        (ReviewService) are needed for renewal only."""
        self._sessions = sessions
        self._today = today
        self._certificates = certificates
        self._course_of = course_of
        self._review = review

    def _latest(self, s: Session, user_ids: list[str] | None = None) -> list[Expiring]:
        """Each trainee's newest unrevoked certificate per course that has an expiry date.

        Only the newest counts: once renewed (a newer certificate for the same course), the
        older one's expiry is no longer a reason to remind anyone.
        """
        query = (select(Certificate, User).join(User, User.id == Certificate.user_id)
                 .where(Certificate.revoked_at.is_(None)).order_by(Certificate.issued_on, Certificate.created_at))
        if user_ids is not None:
            query = query.where(Certificate.user_id.in_(user_ids))
        newest: dict[tuple[str, str], tuple[Certificate, User]] = {}
        for cert, user in s.execute(query):
            newest[(cert.user_id, cert.course_id)] = (cert, user)
        out = []
        for cert, user in newest.values():
            if cert.expires_on is None:
                continue
            title = {"en": cert.claims.get("course_title_en", ""), "zh_CN": cert.claims.get("course_title_zh", "")}
            out.append(Expiring(cert.number, user.id, user.login, user.display_name, cert.course_id,
                                {k: v for k, v in title.items() if v} or {"en": cert.course_id}, cert.expires_on))
        return sorted(out, key=lambda e: (e.expires_on, e.name, e.number))

    def expiring(self, actor: Actor, days: int, cohort_id: str | None = None) -> list[Expiring]:
        """Current certificates expiring in the next ``days`` days (today included), of one class or all."""
        require_staff(actor)
        today = self._today()
        with self._sessions() as s:
            users = None
            if cohort_id is not None:
                users = list(s.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
            return [e for e in self._latest(s, users) if 0 <= e.days_left(today) <= days]

    def reminders(self, actor: Actor) -> list[str]:
        """What to tell the logged-in trainee about their certificates: expiring soon or expired."""
        today = self._today()
        with self._sessions() as s:
            mine = self._latest(s, [actor.user_id])
        out = []
        for e in mine:
            left = e.days_left(today)
            course = title_text(e.course_title)
            if left < 0:
                out.append(_("Your certificate {number} for “{course}” expired on {date}. Ask your instructor "
                             "about the refresher to renew it.").format(number=e.number, course=course,
                                                                        date=format_date(e.expires_on)))
            elif left <= REMIND_DAYS:
                out.append(ngettext(
                    "Your certificate {number} for “{course}” expires on {date}, in {n} day. Renew it before "
                    "then with the refresher.",
                    "Your certificate {number} for “{course}” expires on {date}, in {n} days. Renew it before "
                    "then with the refresher.", left).format(number=e.number, course=course,
                                                             date=format_date(e.expires_on), n=left))
        return out

    # --- renewal -------------------------------------------------------------------------------

    def refresher_basis(self, actor: Actor, number: str) -> str | None:
        """What the trainee's refresher rests on (``exam``, ``quiz``, ``review_streak``), or None."""
        info = self._certificates.get_for(actor, number)
        return self._refresher(actor, info, self._course_of(info.course_id))

    def renewable(self, actor: Actor) -> list[str]:
        """Numbers of the logged-in trainee's certificates they may renew themself right now."""
        out = []
        with self._sessions() as s:
            mine = self._latest(s, [actor.user_id])
        for e in mine:
            try:
                self._check(actor, self._certificates.get(e.number), self_service=True)
            except ServiceError:
                continue
            out.append(e.number)
        return out

    def renew(self, actor: Actor, old_number: str, *, locale: str | None = None) -> CertificateInfo:
        """Issue the renewal of ``old_number`` (see the module docstring for who may, and when)."""
        old = self._certificates.get_for(actor, old_number)
        course, basis = self._check(actor, old, self_service=not actor.is_staff)
        user = self._certificates._user(old.user_id)
        result, progress = self._certificates.rules(actor, old.user_id, course)
        override = old.claims.get("award") == "override"
        return self._certificates._issue(
            actor, user, course, result, progress, manual=True, override=override, reason="",
            reason_category=old.claims.get("override_reason", "") if override else "", locale=locale,
            renews=old.number, basis=basis)

    def _check(self, actor: Actor, old: CertificateInfo, *, self_service: bool) -> tuple[object, str]:
        """(course, basis) when ``old`` may be renewed now by ``actor``; else RenewalRefused."""
        require_self_or_staff(actor, old.user_id)
        if old.revoked_at is not None:
            raise RenewalRefused(_("Certificate {number} is revoked; it cannot be renewed.").format(
                number=old.number))
        if old.expires_on is None:
            raise RenewalRefused(_("Certificate {number} does not expire; it needs no renewal.").format(
                number=old.number))
        with self._sessions() as s:
            newest = {e.course_id: e.number for e in self._latest(s, [old.user_id])}
        if newest.get(old.course_id) != old.number:
            raise RenewalRefused(_("Certificate {number} has already been renewed (by {newer}).").format(
                number=old.number, newer=newest.get(old.course_id, "—")))
        opens = old.expires_on - dt.timedelta(days=RENEW_WINDOW_DAYS)
        if self._today() < opens:
            raise RenewalRefused(_("Certificate {number} can be renewed from {date} on.").format(
                number=old.number, date=format_date(opens)))
        try:
            course = self._course_of(old.course_id)
        except LookupError:
            course = None
        if course is None or getattr(course, "certificate", None) is None:
            raise RenewalRefused(_("The course of certificate {number} is not installed or awards no "
                                   "certificate.").format(number=old.number))
        if not self_service:
            if not actor.is_staff:
                raise PermissionDenied(_("Only staff can renew a certificate without the refresher."))
            return course, BASIS_STAFF
        basis = self._refresher(actor, old, course)
        if basis is None:
            raise RenewalRefused(_("Certificate {number} is renewed after the refresher: pass the course's final "
                                   "exam or quiz again, or keep up the review streak it asks for.").format(
                                       number=old.number))
        return course, basis

    def _refresher(self, actor: Actor, old: CertificateInfo, course) -> str | None:
        # From the day after the issue date (UTC midnight): a refresher, not the original course run.
        since = dt.datetime.combine(old.issued_on + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
        with self._sessions() as s:
            exam = s.scalar(select(ExamAttempt.id).where(
                ExamAttempt.user_id == old.user_id, ExamAttempt.course_id == old.course_id,
                ExamAttempt.passed.is_(True), ExamAttempt.ended_at >= since).limit(1))
            if exam is not None:
                return BASIS_EXAM
            quizzes = [key for key, kind in course.step_kinds() if kind == "quiz"]
            if quizzes:
                quiz = s.scalar(select(StepAttempt.id).where(
                    StepAttempt.user_id == old.user_id, StepAttempt.course_id == old.course_id,
                    StepAttempt.step_key == quizzes[-1], StepAttempt.passed.is_(True),
                    StepAttempt.created_at >= since).limit(1))
                if quiz is not None:
                    return BASIS_QUIZ
        need = getattr(course, "review_streak_days", None)
        if need and self._review is not None and self._review.streak_days(actor, old.user_id, old.course_id) >= need:
            return BASIS_STREAK
        return None


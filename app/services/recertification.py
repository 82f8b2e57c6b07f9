"""Recertification (issue 19): certificates that expire soon, per class, and the trainee's reminder.

Validity comes from the course (``certificate.validity_months``): a certificate's
``expires_on`` is set when it is issued. A trainee is reminded from ``REMIND_DAYS``
days before the expiry date on; after it, the reminder says the certificate has expired.
The clock is injected so the reminder's timing is tested to the day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _, format_date, ngettext
from app.services.auth import Actor, require_staff
from app.services.certificates_records import title_text
from app.services.errors import storage_errors
from app.storage.models import Certificate, CohortMember, User

REMIND_DAYS = 30


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
    def __init__(self, sessions: sessionmaker[Session], today: Callable[[], dt.date] = _today) -> None:
        self._sessions = sessions
        self._today = today

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

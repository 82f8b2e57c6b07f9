"""Plain data and helpers of the certificate service: the stored certificate as callers see it,
batch results, the signature column's form, and the passing-rule texts.

Qt-free and store-free apart from reading a :class:`Certificate` row into
:class:`CertificateInfo`.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.i18n import _, current_locale, format_percent
from app.services.auth import ServiceError, as_utc
from app.services.completion import CompletionResult
from app.services.progress import CourseProgress, StepStatus
from app.storage.models import Certificate, User

SIGNATURE_SCHEME = "ed25519"


class RulesNotMet(ServiceError):
    """The learner does not meet the course's passing rules (``result`` says what is missing)."""

    def __init__(self, message: str, result: CompletionResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class CertificateInfo:
    """A stored certificate as the UI and the CLI see it (plain data)."""

    id: str
    number: str
    user_id: str
    login: str
    learner_name: str
    course_id: str
    course_version: str
    course_title_en: str
    course_title_zh: str
    issued_on: dt.date
    expires_on: dt.date | None
    score: float | None
    issued_by: str | None
    revoked_at: dt.datetime | None
    revoked_reason: str
    claims: dict[str, Any] = field(repr=False, default_factory=dict)
    signature: str = field(repr=False, default="")

    def status(self, today: dt.date | None = None) -> str:
        """``valid``, ``expired`` or ``revoked`` as the store knows it."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_on is not None and self.expires_on < (today or dt.date.today()):
            return "expired"
        return "valid"

    def is_current(self, today: dt.date | None = None) -> bool:
        return self.status(today) == "valid"

    def course_title(self, locale: str | None = None) -> str:
        zh = (locale or current_locale()).startswith("zh")
        return (self.course_title_zh if zh else self.course_title_en) or self.course_title_en or self.course_id


@dataclass
class BatchResult:
    issued: list[CertificateInfo] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (learner, reason)
    cancelled: bool = False
    total: int = 0


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus whole calendar months; the 31st becomes the month's last day (Feb 28/29)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def encode_signature(key_id: bytes, signature: bytes) -> str:
    sig = base64.urlsafe_b64encode(signature).decode("ascii").rstrip("=")
    return f"{SIGNATURE_SCHEME}:{key_id.hex().upper()}:{sig}"


def decode_signature(text: str) -> tuple[bytes, bytes]:
    """(key id, signature) from the stored column; ValueError if it is not in that form."""
    scheme, _sep, rest = (text or "").partition(":")
    kid_hex, _sep, sig = rest.partition(":")
    if scheme != SIGNATURE_SCHEME or not kid_hex or not sig:
        raise ValueError("not an ed25519:<key id>:<signature> value")
    try:
        return bytes.fromhex(kid_hex), base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4))
    except (ValueError, binascii.Error) as exc:
        raise ValueError(f"damaged signature value ({exc})") from None



def modules_completed(course, progress: CourseProgress) -> int:
    """Modules whose every step is passed (lessons read, practicals signed off)."""
    return sum(1 for m in course.modules
               if m.steps and all(progress.status(s.key) is StepStatus.PASSED for s in m.steps))


def rules_text(course, result: CompletionResult) -> str:
    """Why the rules are not met, in one sentence for a dialog or the CLI."""
    parts: list[str] = []
    if not result.score_ok:
        parts.append(_("overall score {score} is below the required {required}").format(
            score=format_percent(result.overall_score), required=format_percent(result.min_score)))
    if result.missing_required:
        names = []
        for key in result.missing_required:
            step = course.step(key)
            names.append(title_text(step.title) if step is not None else key)
        parts.append(_("not passed yet: {steps}").format(steps=", ".join(names)))
    return "; ".join(parts)


def title_text(text: dict[str, str] | None) -> str:
    from app.i18n import localized

    return localized(text)[0]


class AlreadyIssued(Exception):
    """Raised inside the issuing transaction when a current certificate appeared meanwhile."""

    def __init__(self, number: str) -> None:
        super().__init__(number)
        self.number = number


def info_of(row: Certificate, user: User | None) -> CertificateInfo:
    claims = dict(row.claims or {})
    return CertificateInfo(
        id=row.id, number=row.number, user_id=row.user_id, login=user.login if user else "",
        learner_name=claims.get("learner_name") or (user.display_name if user else ""),
        course_id=row.course_id, course_version=row.course_version,
        course_title_en=claims.get("course_title_en", ""), course_title_zh=claims.get("course_title_zh", ""),
        issued_on=row.issued_on, expires_on=row.expires_on, score=row.score, issued_by=row.issued_by,
        revoked_at=as_utc(row.revoked_at), revoked_reason=row.revoked_reason or "", claims=claims,
        signature=row.signature or "")


def discard(*paths: Path) -> None:
    for path in paths:
        try:
            Path(path).unlink()
        except OSError:
            pass

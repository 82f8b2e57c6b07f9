"""Issuing, recording, revoking and verifying certificates against the store.

Qt-free. The signing and drawing live in :mod:`app.certificates`; this
service decides *whether* a learner gets a certificate (the course's
passing rules, :func:`app.services.completion.evaluate`) and records it.

* Automatic issue (:meth:`CertificateService.check_and_issue`): once per
  (learner, course) while that certificate is current (not revoked, not
  expired). A trainee may trigger their own, only when the rules are met.
* Manual issue (:meth:`CertificateService.issue`, staff only): refused when
  the rules are not met unless ``override=True``, which is audited.
* Each certificate is written in its own transaction; its PDF and Open
  Badges file are kept in ``<data>/certificates/<number>.pdf`` and drawn again
  from the stored claims and signature when missing.
* An override is signed as such (``award: override`` and its reason
  category in the claims), so the paper says "awarded by the training
  center" instead of "successfully completed".

Plain data and helpers live in :mod:`.certificates_records`, verification
against the center's records in :mod:`.certificates_verify`.

The ``signature`` column holds ``ed25519:<key id, 16 hex>:<signature, base64url>``
and ``claims`` the claims as JSON (:meth:`Claims.to_json_dict`), so the PDF can
be drawn again on any workstation the record travels to.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from app.certificates.claims import (
    AWARD_COMPLETED,
    AWARD_OVERRIDE,
    OVERRIDE_REASONS,
    Claims,
    ClaimsError,
    is_valid_certificate_number,
    new_certificate_number,
    normalize_certificate_number,
)
from app.i18n import _, current_locale
from app.services.auth import Actor, ServiceError, require_self_or_staff, require_staff
from app.services.certificates_records import (
    AlreadyIssued,
    BatchResult,
    CertificateInfo,
    RulesNotMet,
    add_months,
    decode_signature,
    discard,
    encode_signature,
    info_of,
    modules_completed,
    rules_text,
    title_text,
)
from app.services.certificates_verify import CertificateVerifier
from app.services.completion import CompletionResult, evaluate
from app.services.errors import storage_errors
from app.services.progress import CourseProgress, ProgressService
from app.services.settings import SettingsService
from app.storage.db import durable
from app.storage.models import AuditEntry, Certificate, CohortMember, User, utcnow

log = logging.getLogger(__name__)

DEFAULT_CENTER_CODE = "ZZ"
_NUMBER_TRIES = 8  # random 35-bit numbers: a clash is already a one-in-billions event


@storage_errors
class CertificateService:
    def __init__(self, sessions: sessionmaker[Session], keys_dir: Path, certs_dir: Path, settings: SettingsService,
                 progress: ProgressService, workstation_id: str = "",
                 today: Callable[[], dt.date] = dt.date.today) -> None:
        self._sessions = sessions
        self.keys_dir = Path(keys_dir)
        self.certs_dir = Path(certs_dir)
        self._settings = settings
        self._progress = progress
        self._ws = workstation_id
        self._today = today
        self._keys = None
        self.verifier = CertificateVerifier(sessions, self.keys_dir)
        # Verification as before, delegated: callers keep using the service.
        self.revoked_lookup = self.verifier.revoked_lookup
        self.trusted_issuers = self.verifier.trusted_issuers
        self.verify_pdf = self.verifier.verify_pdf
        self.verify_qr = self.verifier.verify_qr
        self.verify_image = self.verifier.verify_image
        self.verify_badge = self.verifier.verify_badge

    # --- keys and settings -------------------------------------------------------------------

    def center_keys(self):
        """This center's signing key, made on the first issue (never by verifying)."""
        from app.certificates.keys import CenterKeys, KeyFileError

        if self._keys is None:
            try:
                self._keys = CenterKeys.load_or_create(self.keys_dir)
            except (KeyFileError, OSError) as exc:
                raise ServiceError(_("The center's signing key cannot be used: {error}").format(error=exc)) from exc
        return self._keys

    def center_code(self) -> str:
        """The prefix of certificate numbers: setting ``center_code`` (2–6 letters/digits), else ZZ."""
        code = self._settings.get("center_code").strip().upper()
        if code and code.isascii() and code.isalnum() and 2 <= len(code) <= 6:
            return code
        if code:
            log.warning("setting center_code %r is not 2–6 letters or digits; using %s", code, DEFAULT_CENTER_CODE)
        return DEFAULT_CENTER_CODE

    # --- rules ---------------------------------------------------------------------------------

    def rules(self, actor: Actor, user_id: str, course) -> tuple[CompletionResult, CourseProgress]:
        """Whether ``user_id`` meets the course's passing rules, with the progress it was judged on."""
        progress = self._progress.course_progress(actor, user_id, course.id, course.step_kinds())
        return evaluate(course, progress), progress

    # --- issuing -------------------------------------------------------------------------------

    def check_and_issue(self, actor: Actor, user_id: str, course,
                        progress: CourseProgress | None = None, *, locale: str | None = None
                        ) -> CertificateInfo | None:
        """Issue the certificate if ``user_id`` meets the rules and holds no current one; else None.

        Called after a step is recorded (by the learner themself) or by staff.
        ``progress``, when the caller already has it, only short-cuts the
        common "not met yet" case; a positive answer is always re-checked here.
        """
        require_self_or_staff(actor, user_id)
        if course.certificate is None:
            return None
        if progress is not None and not evaluate(course, progress).met:
            return None
        if self.current_for(user_id, course.id) is not None:
            return None
        result, progress = self.rules(actor, user_id, course)
        if not result.met:
            return None
        user = self._user(user_id)
        return self._issue(actor, user, course, result, progress, manual=False, override=False, reason="",
                           reason_category="", locale=locale)

    def issue(self, actor: Actor, login: str, course, *, override: bool = False, reason: str = "",
              reason_category: str = "other", locale: str | None = None) -> CertificateInfo:
        """An instructor issues a certificate by hand.

        Refused when the learner does not meet the passing rules (:class:`RulesNotMet`)
        unless ``override``; an override is recorded in the audit log with the
        unmet rules and ``reason``, and signed as an override with
        ``reason_category`` (one of :data:`OVERRIDE_REASONS`), which the
        certificate prints. Refused while the learner holds a current
        certificate for the course (revoke it first).
        """
        require_staff(actor)
        if override and reason_category not in OVERRIDE_REASONS:
            raise ServiceError(_("Unknown override reason “{category}”; use one of: {choices}.").format(
                category=reason_category, choices=", ".join(OVERRIDE_REASONS)))
        if course.certificate is None:
            raise ServiceError(_("The course “{course}” does not award a certificate.").format(
                course=title_text(course.title)))
        user = self._user_by_login(login)
        existing = self.current_for(user.id, course.id)
        if existing is not None:
            raise ServiceError(_("{name} already holds certificate {number} for this course; revoke it first "
                                 "to issue a new one.").format(name=user.display_name, number=existing.number))
        result, progress = self.rules(actor, user.id, course)
        if not result.met and not override:
            raise RulesNotMet(_("{name} does not meet the passing rules of “{course}”: {why}.").format(
                name=user.display_name, course=title_text(course.title), why=rules_text(course, result)), result)
        return self._issue(actor, user, course, result, progress, manual=True, override=not result.met,
                           reason=reason.strip(), reason_category=reason_category, locale=locale)

    def issue_batch(self, actor: Actor, cohort_id: str, course,
                    progress_cb: Callable[[int, int], None] | None = None,
                    is_cancelled: Callable[[], bool] | None = None, *, locale: str | None = None) -> BatchResult:
        """Issue to every member of a class who meets the rules and holds no current certificate.

        Safe to run off the UI thread. Each certificate is its own transaction,
        and cancelling is checked between certificates, so a cancel leaves every
        record whole.
        """
        require_staff(actor)
        locale = locale or current_locale()
        with self._sessions() as s:
            members = s.execute(select(User.id, User.login, User.display_name)
                                .join(CohortMember, CohortMember.user_id == User.id)
                                .where(CohortMember.cohort_id == cohort_id).order_by(User.login)).all()
        out = BatchResult(total=len(members))
        if course.certificate is None:
            out.skipped = [(f"{name} ({login})", _("the course does not award a certificate"))
                           for _uid, login, name in members]
            return out
        for i, (uid, login, name) in enumerate(members):
            if is_cancelled is not None and is_cancelled():
                out.cancelled = True
                break
            who = f"{name} ({login})"
            try:
                existing = self.current_for(uid, course.id)
                if existing is not None:
                    out.skipped.append((who, _("already holds certificate {number}").format(number=existing.number)))
                else:
                    result, progress = self.rules(actor, uid, course)
                    if not result.met:
                        out.skipped.append((who, rules_text(course, result)))
                    else:
                        user = self._user(uid)
                        out.issued.append(self._issue(actor, user, course, result, progress, manual=True,
                                                      override=False, reason="", reason_category="",
                                                      locale=locale, batch=True))
            except (ServiceError, OSError) as exc:
                log.warning("batch issue for %s failed: %s", login, exc)
                out.skipped.append((who, str(exc)))
            if progress_cb is not None:
                progress_cb(i + 1, len(members))
        return out

    def _issue(self, actor: Actor, user: User, course, result: CompletionResult,
               progress: CourseProgress, *, manual: bool, override: bool, reason: str, reason_category: str,
               locale: str | None, batch: bool = False, renews: str = "", basis: str = "") -> CertificateInfo:
        """Sign, draw and record one certificate; ``renews`` (with its ``basis``) makes it a renewal
        of that current certificate, which then stays valid beside it until its own expiry."""
        from app.certificates.issue import badge_path_for, write_certificate
        from app.certificates.pdf import CertificateRenderError

        keys = self.center_keys()
        issued_on = self._today()
        months = course.certificate.validity_months if course.certificate else None
        expires_on = add_months(issued_on, months) if months else None
        score = round(result.overall_score * 100, 1) if result.scored_steps else None
        center_id = self._settings.ensure_center_id()
        center_name = self._settings.get("center_name").strip()
        center_name_zh = self._settings.get("center_name_zh").strip()
        staff = actor.is_staff and bool(actor.user_id)
        for _try in range(_NUMBER_TRIES):
            number = new_certificate_number(self.center_code(), issued_on)
            if self._number_taken(number):
                continue
            try:
                claims = Claims(number=number, learner_name=user.display_name, learner_login=user.login,
                                course_id=course.id, course_version=course.version,
                                course_title_en=course.title.get("en", "") or title_text(course.title),
                                course_title_zh=course.title.get("zh_CN", ""), issued_on=issued_on, score=score,
                                hours=float(course.estimated_hours),
                                modules_completed=modules_completed(course, progress), expires_on=expires_on,
                                center_id=center_id, center_name=center_name or center_name_zh,
                                center_name_zh=center_name_zh,
                                award=AWARD_OVERRIDE if override else AWARD_COMPLETED,
                                override_reason=reason_category if override else "", renews=renews)
            except ClaimsError as exc:
                raise ServiceError(_("The certificate cannot be made: {error}").format(error=exc)) from exc
            pdf = self.certs_dir / f"{number}.pdf"
            try:
                written = write_certificate(claims, keys, pdf, locale=locale or current_locale())
            except CertificateRenderError as exc:
                discard(pdf)
                raise ServiceError(_("The certificate for {name} cannot be printed: {error}").format(
                    name=user.display_name, error=exc)) from exc
            except OSError as exc:
                discard(pdf)
                raise ServiceError(_("The certificate PDF cannot be written to {path}: {error}").format(
                    path=pdf, error=exc.strerror or exc)) from exc
            signature = encode_signature(written.key_id, written.signature)
            try:
                with self._sessions() as s, s.begin(), durable(s):
                    clash = self._current(s, user.id, course.id)
                    if clash is not None and clash.number != renews:  # issued meanwhile (or renewed already)
                        raise AlreadyIssued(clash.number)
                    row = Certificate(number=number, user_id=user.id, course_id=course.id,
                                      course_version=course.version, issued_on=issued_on, expires_on=expires_on,
                                      score=score, claims=claims.to_json_dict(), signature=signature,
                                      issued_by=actor.user_id if staff else None, workstation_id=self._ws)
                    s.add(row)
                    if renews:
                        s.add(AuditEntry(actor_id=actor.user_id or None, action="certificate.renew",
                                         target_user_id=user.id, workstation_id=self._ws,
                                         details={"number": number, "renews": renews, "basis": basis,
                                                  "course_id": course.id, "course_version": course.version}))
                    elif manual:
                        action = "certificate.override" if override else "certificate.issue"
                        details: dict[str, Any] = {"number": number, "course_id": course.id,
                                                   "course_version": course.version, "score": score}
                        if override:
                            details.update(reason=reason, reason_category=reason_category,
                                           overall_score=round(result.overall_score, 4),
                                           min_score=result.min_score, missing_required=result.missing_required)
                        if batch:
                            details["batch"] = True
                        s.add(AuditEntry(actor_id=actor.user_id or None, action=action, target_user_id=user.id,
                                         details=details, workstation_id=self._ws))
                    s.flush()
                    info = info_of(row, user)
            except IntegrityError:
                discard(pdf, badge_path_for(pdf))
                log.warning("certificate number %s was taken meanwhile; drawing another", number)
                continue
            except AlreadyIssued as exc:
                discard(pdf, badge_path_for(pdf))
                if manual or renews:
                    raise ServiceError(_("{name} already holds certificate {number} for this course.").format(
                        name=user.display_name, number=exc.number)) from None
                return self.get(exc.number)
            except BaseException:
                discard(pdf, badge_path_for(pdf))
                raise
            log.info("issued certificate %s to %s for %s %s", number, user.login, course.id, course.version)
            return info
        raise ServiceError(_("No free certificate number could be drawn; try again."))

    # --- revocation ------------------------------------------------------------------------------

    def revoke(self, actor: Actor, number: str, reason: str) -> CertificateInfo:
        """Withdraw a certificate; verification at this center then reports it as revoked."""
        require_staff(actor)
        reason = reason.strip()
        if not reason:
            raise ServiceError(_("Give a reason for the revocation."))
        wanted = normalize_certificate_number(number)
        with self._sessions() as s, s.begin(), durable(s):
            row = s.scalar(select(Certificate).where(Certificate.number == wanted))
            if row is None:
                raise ServiceError(_("No certificate numbered {number} in this center's records.").format(
                    number=wanted))
            if row.revoked_at is not None:
                raise ServiceError(_("Certificate {number} is already revoked.").format(number=wanted))
            row.revoked_at = utcnow()
            row.revoked_reason = reason
            row.revoked_by = actor.user_id or None
            s.add(AuditEntry(actor_id=actor.user_id or None, action="certificate.revoke",
                             target_user_id=row.user_id, details={"number": wanted, "reason": reason},
                             workstation_id=self._ws))
            s.flush()
            user = s.get(User, row.user_id)
            return info_of(row, user)

    # --- the verification page (issue 22) ---------------------------------------------------------

    def export_verifier_page(self, actor: Actor, out_path: Path, now: dt.datetime | None = None) -> Path:
        """Write the one-file HTML page employers open to verify this center's certificates (staff only)."""
        require_staff(actor)
        from app.services.certificates_page import write_verifier_page

        return write_verifier_page(self._sessions, self.center_keys(), self.keys_dir, self._settings,
                                   Path(out_path), now)

    # --- reading ---------------------------------------------------------------------------------

    def get(self, number: str) -> CertificateInfo:
        wanted = normalize_certificate_number(number)
        with self._sessions() as s:
            row = s.execute(select(Certificate, User).join(User, User.id == Certificate.user_id)
                            .where(Certificate.number == wanted)).first()
        if row is None:
            hint = "" if is_valid_certificate_number(wanted) else " " + _("(the number looks mistyped)")
            raise ServiceError(_("No certificate numbered {number} in this center's records.").format(
                number=wanted) + hint)
        return info_of(row[0], row[1])

    def get_for(self, actor: Actor, number: str) -> CertificateInfo:
        info = self.get(number)
        require_self_or_staff(actor, info.user_id)
        return info

    def current_for(self, user_id: str, course_id: str) -> CertificateInfo | None:
        """The learner's current (not revoked, not expired) certificate for the course."""
        with self._sessions() as s:
            row = self._current(s, user_id, course_id)
            return info_of(row, s.get(User, user_id)) if row is not None else None

    def _current(self, s: Session, user_id: str, course_id: str) -> Certificate | None:
        today = self._today()
        rows = s.scalars(select(Certificate).where(Certificate.user_id == user_id, Certificate.course_id == course_id,
                                                   Certificate.revoked_at.is_(None))
                         .order_by(Certificate.issued_on.desc()))
        return next((r for r in rows if r.expires_on is None or r.expires_on >= today), None)

    def list_for_user(self, actor: Actor, user_id: str) -> list[CertificateInfo]:
        require_self_or_staff(actor, user_id)
        return self._list(select(Certificate, User).join(User, User.id == Certificate.user_id)
                          .where(Certificate.user_id == user_id))

    def list_all(self, actor: Actor, cohort_id: str | None = None, course_id: str | None = None,
                 login: str | None = None) -> list[CertificateInfo]:
        require_staff(actor)
        q = select(Certificate, User).join(User, User.id == Certificate.user_id)
        if cohort_id:
            q = q.join(CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort_id)
        if course_id:
            q = q.where(Certificate.course_id == course_id)
        if login:
            q = q.where(User.login == login.strip())
        return self._list(q)

    def _list(self, query) -> list[CertificateInfo]:
        with self._sessions() as s:
            rows = s.execute(query.order_by(Certificate.issued_on.desc(), Certificate.created_at.desc())).all()
            return [info_of(c, u) for c, u in rows]

    # --- files -----------------------------------------------------------------------------------

    def pdf_path(self, info: CertificateInfo, *, locale: str | None = None) -> Path:
        """``<data>/certificates/<number>.pdf``, drawn again from the stored claims if it is missing."""
        from app.certificates.pdf import CertificateRenderError, render_certificate

        path = self.certs_dir / f"{info.number}.pdf"
        if path.is_file():
            return path
        try:
            claims = Claims.from_json_dict(info.claims)
            key_id, signature = decode_signature(info.signature)
        except (ClaimsError, ValueError) as exc:
            raise ServiceError(_("The stored data of certificate {number} is damaged ({error}); "
                                 "its PDF cannot be drawn again.").format(number=info.number, error=exc)) from exc
        try:
            render_certificate(claims, signature, path, key_id=key_id, locale=locale or current_locale())
        except CertificateRenderError as exc:
            raise ServiceError(str(exc)) from exc
        except OSError as exc:
            discard(path)
            raise ServiceError(_("The certificate PDF cannot be written to {path}: {error}").format(
                path=path, error=exc.strerror or exc)) from exc
        self._rewrite_badge(claims, key_id, signature, path)
        log.info("drew certificate %s again from the stored claims", info.number)
        return path

    def _rewrite_badge(self, claims: Claims, key_id: bytes, signature: bytes, pdf: Path) -> None:
        """The Open Badges file needs this center's key to sign; only when that key signed the claims."""
        import json

        from app.certificates.badge import open_badge_credential
        from app.certificates.issue import badge_path_for
        from app.certificates.keys import PRIVATE_NAME

        if not (self.keys_dir / PRIVATE_NAME).is_file():
            return
        keys = self.center_keys()
        if keys.key_id() != key_id:
            return
        doc = open_badge_credential(claims, keys, signature=signature)
        badge_path_for(pdf).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")

    # --- helpers ---------------------------------------------------------------------------------

    def _user(self, user_id: str) -> User:
        with self._sessions() as s:
            user = s.get(User, user_id)
            if user is None:
                raise ServiceError(_("No such user."))
            s.expunge(user)
            return user

    def _user_by_login(self, login: str) -> User:
        from sqlalchemy import func

        with self._sessions() as s:
            user = s.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))
            if user is None:
                raise ServiceError(_("No user with the login “{login}”.").format(login=login))
            s.expunge(user)
            return user

    def _number_taken(self, number: str) -> bool:
        with self._sessions() as s:
            return s.scalar(select(Certificate.id).where(Certificate.number == number)) is not None


__all__ = ["BatchResult", "CertificateInfo", "CertificateService", "RulesNotMet", "add_months",
           "decode_signature", "encode_signature", "modules_completed", "rules_text"]

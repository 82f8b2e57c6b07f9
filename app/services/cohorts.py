"""Cohorts (classes): members, bulk enrollment from CSV/XLSX, course assignments with due dates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _
from app.services.accounts import AccountService
from app.services.auth import Actor, ServiceError, require_staff, role_label
from app.services.errors import storage_errors
from app.storage.models import AuditEntry, Cohort, CohortMember, Enrollment, Role, User

# Column names accepted in a roster file (English or Chinese headers).
LOGIN_HEADERS = ("login", "username", "账号", "登录名", "工号")
NAME_HEADERS = ("name", "full name", "display_name", "姓名")
PASSWORD_HEADERS = ("password", "密码")


@dataclass(frozen=True)
class CohortInfo:
    cohort_id: str
    name: str
    members: int
    courses: list[tuple[str, dt.date | None]]


@dataclass
class RosterResult:
    created: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passwords: dict[str, str] = field(default_factory=dict)


@storage_errors
class CohortService:
    def __init__(self, sessions: sessionmaker[Session], accounts: AccountService, workstation_id: str = "") -> None:
        self._sessions = sessions
        self._accounts = accounts
        self._ws = workstation_id

    def create(self, actor: Actor, name: str) -> str:
        require_staff(actor)
        name = name.strip()
        if not name:
            raise ServiceError(_("The class needs a name."))
        with self._sessions() as s, s.begin():
            self._check_free(s, name)
            cohort = Cohort(name=name, workstation_id=self._ws)
            s.add(cohort)
            s.flush()
            s.add(AuditEntry(actor_id=actor.user_id or None, action="cohort.create",
                             details={"cohort": name}, workstation_id=self._ws))
            return cohort.id

    @staticmethod
    def _check_free(s: Session, name: str, except_id: str | None = None) -> None:
        q = select(Cohort.id).where(Cohort.name == name, Cohort.archived.is_(False))
        if except_id is not None:
            q = q.where(Cohort.id != except_id)
        if s.scalar(q) is not None:
            raise ServiceError(_("A class named “{name}” already exists.").format(name=name))

    def _cohort(self, s: Session, cohort_id: str) -> Cohort:
        cohort = s.get(Cohort, cohort_id)
        if cohort is None or cohort.archived:
            raise ServiceError(_("This class no longer exists."))
        return cohort

    def rename(self, actor: Actor, cohort_id: str, name: str) -> None:
        require_staff(actor)
        name = name.strip()
        if not name:
            raise ServiceError(_("The class needs a name."))
        with self._sessions() as s, s.begin():
            cohort = self._cohort(s, cohort_id)
            self._check_free(s, name, except_id=cohort_id)
            old, cohort.name = cohort.name, name
            s.add(AuditEntry(actor_id=actor.user_id or None, action="cohort.rename",
                             details={"cohort_id": cohort_id, "old": old, "new": name}, workstation_id=self._ws))

    def delete(self, actor: Actor, cohort_id: str) -> None:
        """Remove a class from every list; its trainees keep their courses and progress.

        The class is archived rather than erased, so the deletion travels in progress bundles
        (the newest version of a class wins) and its history stays in the audit log.
        """
        require_staff(actor)
        with self._sessions() as s, s.begin():
            cohort = self._cohort(s, cohort_id)
            cohort.archived = True
            s.add(AuditEntry(actor_id=actor.user_id or None, action="cohort.delete",
                             details={"cohort_id": cohort_id, "cohort": cohort.name}, workstation_id=self._ws))

    def remove_member(self, actor: Actor, cohort_id: str, user_id: str) -> None:
        """Take a trainee out of a class; the courses it assigned stay with their progress."""
        require_staff(actor)
        with self._sessions() as s, s.begin():
            self._cohort(s, cohort_id)
            member = s.get(CohortMember, (cohort_id, user_id))
            if member is None:
                raise ServiceError(_("This trainee is not a member of the class."))
            s.delete(member)
            for row in s.scalars(select(Enrollment).where(Enrollment.user_id == user_id,
                                                          Enrollment.cohort_id == cohort_id)):
                row.cohort_id = None
            s.add(AuditEntry(actor_id=actor.user_id or None, action="cohort.remove_member", target_user_id=user_id,
                             details={"cohort_id": cohort_id}, workstation_id=self._ws))

    def find_trainees(self, actor: Actor, text: str, limit: int = 50) -> list[tuple[str, str]]:
        """(login, display name) of active trainees whose login or name contains ``text`` (any case)."""
        require_staff(actor)
        needle = " ".join(text.split()).lower()
        with self._sessions() as s:
            q = (select(User.login, User.display_name)
                 .where(User.role == Role.TRAINEE.value, User.disabled.is_(False)).order_by(User.login))
            if needle:
                like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                q = q.where(func.lower(User.login).like(like, escape="\\")
                            | func.lower(User.display_name).like(like, escape="\\"))
            return [(r[0], r[1]) for r in s.execute(q.limit(limit)).all()]

    def list(self, actor: Actor) -> list[CohortInfo]:
        require_staff(actor)
        with self._sessions() as s:
            out = []
            for c in s.scalars(select(Cohort).where(Cohort.archived.is_(False)).order_by(Cohort.name)):
                members = s.scalar(select(func.count()).select_from(CohortMember)
                                   .where(CohortMember.cohort_id == c.id)) or 0
                courses = s.execute(select(Enrollment.course_id, func.max(Enrollment.due_date))
                                    .where(Enrollment.cohort_id == c.id).group_by(Enrollment.course_id)).all()
                out.append(CohortInfo(c.id, c.name, members, [(r[0], r[1]) for r in courses]))
            return out

    def members(self, actor: Actor, cohort_id: str) -> list[tuple[str, str, str]]:
        """(user id, login, display name) of a class."""
        require_staff(actor)
        with self._sessions() as s:
            rows = s.execute(select(User.id, User.login, User.display_name).join(
                CohortMember, CohortMember.user_id == User.id).where(CohortMember.cohort_id == cohort_id)
                .order_by(User.login)).all()
            return [(r[0], r[1], r[2]) for r in rows]

    def add_member(self, actor: Actor, cohort_id: str, login: str) -> None:
        require_staff(actor)
        with self._sessions() as s, s.begin():
            self._add_member(s, cohort_id, login)

    def _add_member(self, s: Session, cohort_id: str, login: str) -> User:
        user = s.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))
        if user is None:
            raise ServiceError(_("No user with the login “{login}”.").format(login=login))
        if Role(user.role) is not Role.TRAINEE:
            raise ServiceError(_("{name} ({login}) is an account of the role {role}: only trainees can be members "
                                 "of a class.").format(name=user.display_name, login=user.login,
                                                       role=role_label(user.role)))
        self._cohort(s, cohort_id)
        if s.get(CohortMember, (cohort_id, user.id)) is None:
            s.add(CohortMember(cohort_id=cohort_id, user_id=user.id))
        # Members inherit the class's course assignments.
        for course_id, due in s.execute(select(Enrollment.course_id, Enrollment.due_date)
                                        .where(Enrollment.cohort_id == cohort_id).distinct()).all():
            self._enroll(s, user.id, course_id, cohort_id, due)
        return user

    def assign_course(self, actor: Actor, cohort_id: str, course_id: str, due: dt.date | None) -> int:
        """Enroll every member in a course with a due date; returns how many were enrolled."""
        require_staff(actor)
        with self._sessions() as s, s.begin():
            ids = list(s.scalars(select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)))
            if not ids:
                raise ServiceError(_("Add trainees to the class before assigning a course."))
            for uid in ids:
                self._enroll(s, uid, course_id, cohort_id, due)
            s.add(AuditEntry(actor_id=actor.user_id or None, action="cohort.assign",
                             details={"cohort_id": cohort_id, "course_id": course_id,
                                      "due": due.isoformat() if due else None}, workstation_id=self._ws))
            return len(ids)

    def _enroll(self, s: Session, user_id: str, course_id: str, cohort_id: str, due: dt.date | None) -> None:
        row = s.scalar(select(Enrollment).where(Enrollment.user_id == user_id, Enrollment.course_id == course_id))
        if row is None:
            s.add(Enrollment(user_id=user_id, course_id=course_id, cohort_id=cohort_id, due_date=due,
                             workstation_id=self._ws))
        else:
            row.cohort_id = cohort_id
            row.due_date = due

    # --- roster import -------------------------------------------------------

    def import_roster(self, actor: Actor, cohort_id: str, path: Path) -> RosterResult:
        """Create missing trainee accounts and add everyone to the class.

        Rows with problems are reported by row number and skipped; the others
        are imported. New accounts without a password column get a random one
        (returned, so the instructor can hand it out).
        """
        require_staff(actor)
        rows = read_roster(path)
        result = RosterResult()
        if not rows:
            result.errors.append(_("{file}: no rows found.").format(file=path.name))
            return result
        header = [h.strip().lower() for h in rows[0]]

        def col(names: tuple[str, ...]) -> int | None:
            return next((header.index(n) for n in names if n in header), None)

        login_col, name_col, pw_col = col(LOGIN_HEADERS), col(NAME_HEADERS), col(PASSWORD_HEADERS)
        if login_col is None or name_col is None:
            result.errors.append(_("{file}: the first row must name the columns “login” and “name” (or 账号 and 姓名).")
                                 .format(file=path.name))
            return result
        for number, row in enumerate(rows[1:], start=2):
            cells = [str(c).strip() if c is not None else "" for c in row]
            if not any(cells):
                continue
            login = cells[login_col] if login_col < len(cells) else ""
            name = cells[name_col] if name_col < len(cells) else ""
            password = cells[pw_col] if pw_col is not None and pw_col < len(cells) else ""
            try:
                if not login or not name:
                    raise ServiceError(_("login and name are both needed"))
                exists = self._exists(login)
                if not exists:
                    password = password or _random_password()
                    self._accounts.add_user(actor, login, name, Role.TRAINEE, password)
                    result.created.append(login)
                    result.passwords[login] = password
                self.add_member(actor, cohort_id, login)
                result.added.append(login)
            except ServiceError as exc:
                result.errors.append(_("{file}, row {row}: {error}").format(file=path.name, row=number, error=exc))
        return result

    def _exists(self, login: str) -> bool:
        with self._sessions() as s:
            return s.scalar(select(User.id).where(func.lower(User.login) == login.lower())) is not None


def _random_password() -> str:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


def read_roster(path: Path) -> list[list[object]]:
    """Rows of a CSV (UTF-8, UTF-8 with BOM, or GB18030 as Excel in China saves it) or XLSX file."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            wb = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many types for a bad file
            raise ServiceError(_("{file}: not a readable Excel file ({error}).").format(
                file=path.name, error=exc)) from exc
        try:
            return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    if suffix != ".csv":
        raise ServiceError(_("{file}: use a .csv or .xlsx file.").format(file=path.name))
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ServiceError(_("{file}: the text encoding is not UTF-8 or GB18030.").format(file=path.name))
    return list(csv.reader(io.StringIO(text)))

"""Accounts on a shared workstation: first administrator, login with lockout, user admin."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.i18n import _, ngettext
from app.services.auth import Actor, PermissionDenied, ServiceError, as_utc, require_role, require_staff
from app.services.errors import storage_errors
from app.storage.models import AuditEntry, Role, User, UserPreference, utcnow

MAX_FAILED_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=5)
MIN_PASSWORD_LENGTH = 6
LOGIN_RE = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
MAX_NAME_LENGTH = 64  # characters; the certificate prints the name on one or two lines
# Punctuation people's names carry: hyphens, apostrophes, dots, middle dots (Chinese transliterations).
NAME_PUNCTUATION = set("-'’.·・‧,()‐")

# argon2id with the library's RFC 9106 "low memory" profile keeps login under a
# second on old training-room PCs while staying well above OWASP minimums.
_hasher = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)


class LoginFailed(ServiceError):
    """Wrong login or password, or a locked/disabled account."""


@dataclass(frozen=True)
class UserInfo:
    user_id: str
    login: str
    display_name: str
    role: Role
    disabled: bool
    locked_until: dt.datetime | None
    locale: str | None
    last_login_at: dt.datetime | None


def _info(user: User) -> UserInfo:
    return UserInfo(user.id, user.login, user.display_name, Role(user.role), user.disabled,
                    as_utc(user.locked_until), user.locale, as_utc(user.last_login_at))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(_("The password must have at least {n} characters.").format(n=MIN_PASSWORD_LENGTH))


def _is_emoji(ch: str) -> bool:
    cp = ord(ch)
    return (0x1F000 <= cp <= 0x1FAFF or 0x2600 <= cp <= 0x27BF or 0x2B00 <= cp <= 0x2BFF
            or cp in (0xFE0F, 0x20E3, 0x200D) or 0xE0020 <= cp <= 0xE007F)


def check_display_name(name: str) -> str:
    """The name as it will be stored and printed, or :class:`ServiceError` saying what to change.

    Rules: NFC-normalised, runs of spaces collapsed, 1–64 characters; only
    letters, combining marks, digits, spaces and the punctuation names carry;
    no emoji, control or invisible format characters; every character
    printable by the bundled certificate fonts.
    """
    from app.fonts import missing_characters

    name = " ".join(unicodedata.normalize("NFC", name).split())
    if not name:
        raise ServiceError(_("The name must not be empty."))
    if len(name) > MAX_NAME_LENGTH:
        raise ServiceError(_("The name has {n} characters; at most {max} are allowed.").format(
            n=len(name), max=MAX_NAME_LENGTH))
    emoji = "".join(dict.fromkeys(ch for ch in name if _is_emoji(ch)))
    if emoji:
        raise ServiceError(_("The name contains an emoji ({chars}), which cannot be printed on a certificate. "
                             "Use letters only.").format(chars=emoji))
    for ch in name:
        category = unicodedata.category(ch)
        if category[0] in "L" or category == "Nd" or ch == " " or ch in NAME_PUNCTUATION:
            continue
        if category in ("Mn", "Mc", "Me") and not 0xFE00 <= ord(ch) <= 0xFE0F:
            continue
        if category[0] in "CZ":
            raise ServiceError(_("The name contains an invisible or control character (U+{code:04X}); "
                                 "type it again without it.").format(code=ord(ch)))
        raise ServiceError(_("The name cannot contain “{char}”: use letters, spaces, hyphens and "
                             "apostrophes.").format(char=ch))
    missing = missing_characters(name, bold=True) or missing_characters(name)
    if missing:
        raise ServiceError(_("The certificate font cannot print these characters of the name: {chars}. "
                             "Ask the administrator to add them to the bundled fonts.").format(
                                 chars=" ".join(missing)))
    return name


def _check_login(login: str) -> str:
    login = login.strip()
    if not LOGIN_RE.match(login):
        raise ServiceError(_("A login has 2–64 letters, digits or . _ - @ (no spaces)."))
    return login


@storage_errors
class AccountService:
    def __init__(self, sessions: sessionmaker[Session], workstation_id: str = "",
                 clock: Callable[[], dt.datetime] = utcnow) -> None:
        self._sessions = sessions
        self._ws = workstation_id
        self._clock = clock

    # --- first start -----------------------------------------------------

    def has_users(self) -> bool:
        with self._sessions() as s:
            return (s.scalar(select(func.count()).select_from(User)) or 0) > 0

    def create_first_admin(self, login: str, display_name: str, password: str) -> Actor:
        """Only allowed while the store has no account at all."""
        if self.has_users():
            raise PermissionDenied(_("An administrator already exists."))
        info = self._create(login, display_name, Role.ADMIN, password, actor_id=None)
        return Actor(info.user_id, info.login, info.display_name, info.role)

    # --- login -----------------------------------------------------------

    def authenticate(self, login: str, password: str) -> Actor:
        """Check a password; 5 failures lock the account for 5 minutes.

        The password is checked (argon2, the slow part) before the write
        transaction, so parallel logins hold the write lock only to count;
        each wrong one counts, serialized by that lock (issue 21). The
        failure count is committed before the error is raised (raising
        inside the transaction would roll it back).
        """
        now = self._clock()
        with self._sessions() as s:
            user = s.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))
            error = self._refusal(user, now)
            user_id, seen_hash = (user.id, user.password_hash) if user is not None else ("", "")
        if error is not None:
            if user is None:
                _hasher.hash(password)  # same cost as a real check: no user enumeration by timing
            raise LoginFailed(error)
        ok = _verify(seen_hash, password)
        actor: Actor | None = None
        with self._sessions() as s, s.begin():
            user = s.get(User, user_id)
            error = self._refusal(user, now)  # locked or disabled meanwhile: not counted again
            if user is not None and error is None:
                if user.password_hash != seen_hash:
                    ok = _verify(user.password_hash, password)  # changed meanwhile: check the new one
                if ok:
                    user.failed_attempts = 0
                    user.locked_until = None
                    user.last_login_at = now
                    if _hasher.check_needs_rehash(user.password_hash):
                        user.password_hash = hash_password(password)
                    actor = Actor(user.id, user.login, user.display_name, Role(user.role))
                else:
                    error = self._count_failure(user, now)
        if actor is None:
            raise LoginFailed(error or _("Unknown user or wrong password."))
        return actor

    @staticmethod
    def _refusal(user: User | None, now: dt.datetime) -> str | None:
        """Why this account cannot log in now, before its password is looked at (None: it may)."""
        if user is None:
            return _("Unknown user or wrong password.")
        if user.disabled:
            return _("This account is disabled. Ask an administrator.")
        locked = as_utc(user.locked_until)
        if locked is not None and locked > now:
            minutes = max(1, int((locked - now).total_seconds() + 59) // 60)
            return _("Too many failed attempts. Try again in {minutes} min.").format(minutes=minutes)
        return None

    @staticmethod
    def _count_failure(user: User, now: dt.datetime) -> str:
        """Count a wrong password (inside the write transaction) and say how many are left."""
        user.failed_attempts += 1
        if user.failed_attempts >= MAX_FAILED_ATTEMPTS:
            user.failed_attempts = 0
            user.locked_until = now + LOCKOUT
            return _("Too many failed attempts. The account is locked for {minutes} min.").format(
                minutes=int(LOCKOUT.total_seconds() // 60))
        left = MAX_FAILED_ATTEMPTS - user.failed_attempts
        if left <= 3:
            return ngettext(
                "Unknown user or wrong password. {n} attempt left before the account is locked "
                "for {minutes} min.",
                "Unknown user or wrong password. {n} attempts left before the account is locked "
                "for {minutes} min.", left).format(n=left, minutes=int(LOCKOUT.total_seconds() // 60))
        return _("Unknown user or wrong password.")

    def login_choices(self) -> list[tuple[str, str]]:
        """(login, display name) of enabled accounts, for the login screen's list."""
        with self._sessions() as s:
            rows = s.execute(select(User.login, User.display_name).where(User.disabled.is_(False))
                             .order_by(User.display_name)).all()
            return [(r[0], r[1]) for r in rows]

    # --- administration --------------------------------------------------

    def add_user(self, actor: Actor, login: str, display_name: str, role: Role | str, password: str) -> UserInfo:
        role = Role(role)
        require_staff(actor)
        if role is not Role.TRAINEE:
            require_role(actor, Role.ADMIN)
        return self._create(login, display_name, role, password, actor_id=actor.user_id or None)

    def _create(self, login: str, display_name: str, role: Role, password: str, actor_id: str | None) -> UserInfo:
        login = _check_login(login)
        display_name = check_display_name(display_name)
        _check_password_rules(password)
        password_hash = hash_password(password)  # the slow part, before taking the write lock
        with self._sessions() as s, s.begin():
            if s.scalar(select(User).where(func.lower(User.login) == login.lower())) is not None:
                raise ServiceError(_("The login “{login}” is already taken.").format(login=login))
            user = User(login=login, display_name=display_name, role=role.value,
                        password_hash=password_hash, workstation_id=self._ws)
            s.add(user)
            s.flush()
            s.add(AuditEntry(actor_id=actor_id, action="user.create", target_user_id=user.id,
                             details={"login": login, "role": role.value}, workstation_id=self._ws))
            return _info(user)

    def list_users(self, actor: Actor, role: Role | None = None) -> list[UserInfo]:
        require_staff(actor)
        with self._sessions() as s:
            q = select(User).order_by(User.login)
            if role is not None:
                q = q.where(User.role == role.value)
            return [_info(u) for u in s.scalars(q)]

    def get_user(self, actor: Actor, login: str) -> UserInfo:
        with self._sessions() as s:
            user = self._by_login(s, login)
            if user.id != actor.user_id:
                require_staff(actor)
            return _info(user)

    def set_password(self, actor: Actor, login: str, new_password: str, old_password: str | None = None) -> None:
        """Users change their own password (old one required); staff reset others'."""
        _check_password_rules(new_password)
        new_hash = hash_password(new_password)  # the slow part, before taking the write lock
        with self._sessions() as s, s.begin():
            user = self._by_login(s, login)
            if user.id == actor.user_id and old_password is not None:
                try:
                    _hasher.verify(user.password_hash, old_password)
                except (VerifyMismatchError, VerificationError, InvalidHashError):
                    raise ServiceError(_("The current password is wrong.")) from None
            else:
                self._require_can_manage(actor, user)
            user.password_hash = new_hash
            user.failed_attempts = 0
            user.locked_until = None
            s.add(AuditEntry(actor_id=actor.user_id or None, action="user.password_reset", target_user_id=user.id,
                             details={}, workstation_id=self._ws))

    def set_disabled(self, actor: Actor, login: str, disabled: bool = True) -> None:
        with self._sessions() as s, s.begin():
            user = self._by_login(s, login)
            self._require_can_manage(actor, user)
            if user.id == actor.user_id:
                raise ServiceError(_("You cannot disable your own account."))
            user.disabled = disabled
            s.add(AuditEntry(actor_id=actor.user_id or None, action="user.disable" if disabled else "user.enable",
                             target_user_id=user.id, details={}, workstation_id=self._ws))

    def rename_user(self, actor: Actor, user_id: str, name: str) -> UserInfo:
        """Correct a display name (administrators only, audited with the old and new name).

        Certificates already issued keep the name they were signed with; new
        ones print the corrected name.
        """
        require_role(actor, Role.ADMIN)
        name = check_display_name(name)
        with self._sessions() as s, s.begin():
            user = s.get(User, user_id)
            if user is None:
                raise ServiceError(_("No such user."))
            old = user.display_name
            if old != name:
                user.display_name = name
                s.add(AuditEntry(actor_id=actor.user_id or None, action="user.rename", target_user_id=user.id,
                                 details={"login": user.login, "old_name": old, "new_name": name},
                                 workstation_id=self._ws))
            s.flush()
            return _info(user)

    def _require_can_manage(self, actor: Actor, user: User) -> None:
        require_staff(actor)
        if Role(user.role) is not Role.TRAINEE:
            require_role(actor, Role.ADMIN)

    @staticmethod
    def _by_login(s: Session, login: str) -> User:
        user = s.scalar(select(User).where(func.lower(User.login) == login.strip().lower()))
        if user is None:
            raise ServiceError(_("No user with the login “{login}”.").format(login=login))
        return user

    # --- per-user preferences -------------------------------------------

    def set_locale(self, actor: Actor, locale: str) -> None:
        with self._sessions() as s, s.begin():
            user = s.get(User, actor.user_id)
            if user is not None:
                user.locale = locale

    def get_locale(self, actor: Actor) -> str | None:
        with self._sessions() as s:
            user = s.get(User, actor.user_id)
            return user.locale if user else None

    def get_preference(self, actor: Actor, key: str) -> str | None:
        with self._sessions() as s:
            pref = s.get(UserPreference, (actor.user_id, key))
            return pref.value if pref else None

    def set_preference(self, actor: Actor, key: str, value: str) -> None:
        with self._sessions() as s, s.begin():
            pref = s.get(UserPreference, (actor.user_id, key))
            if pref is None:
                s.add(UserPreference(user_id=actor.user_id, key=key, value=value))
            else:
                pref.value = value

"""Who is acting, and what their role allows. Checked in every service call."""

from __future__ import annotations

from dataclasses import dataclass

from app.clock import as_utc as as_utc  # one copy of the rule, in app.clock; services import it from here too
from app.i18n import _
from app.storage.models import Role  # the UI takes Role from here, never from storage


class PermissionDenied(PermissionError):
    """The acting user's role does not allow this call."""


class ServiceError(ValueError):
    """A request the user can correct (bad login, duplicate name …); message is translated."""


@dataclass(frozen=True)
class Actor:
    """The logged-in user as services see it (plain data, safe to pass to widgets)."""

    user_id: str
    login: str
    display_name: str
    role: Role

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)


SYSTEM = Actor(user_id="", login="system", display_name="system", role=Role.ADMIN)
"""Used by the CLI run by the workstation's operator, who owns the data files anyway."""


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        raise PermissionDenied(_("This action needs the {role} role.").format(role=role_label(roles[0])))


def require_staff(actor: Actor) -> None:
    require_role(actor, Role.INSTRUCTOR, Role.ADMIN)


def require_self_or_staff(actor: Actor, user_id: str) -> None:
    """A trainee may only touch their own records."""
    if actor.user_id != user_id and not actor.is_staff:
        raise PermissionDenied(_("You can only see your own records."))


def role_label(role: Role | str) -> str:
    role = Role(role)
    return {Role.TRAINEE: _("Trainee"), Role.INSTRUCTOR: _("Instructor"), Role.ADMIN: _("Administrator")}[role]


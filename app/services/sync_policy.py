"""What one imported bundle may change, decided per record type (as Kolibri's permissions are).

The *authority* of a bundle is the lower of two roles, both as this center knows them:
what the signing workstation was enrolled for, and the role of the account that
exported it (when a logged-in user did; the workstation's operator otherwise).

==========================================  ==========================================
record                                      accepted when the authority is
==========================================  ==========================================
attempts, lab runs, time on task,           trainee: that trainee's own account only;
enrollments, review answers                 staff: any account known here
sign-offs                                   staff, and signed off by a staff account
                                            known here
certificates (issue, override, revoke)      staff, made by a staff account known here
cohorts, membership                         staff
audit entries                               staff, naming a staff account known here
accounts (new ones, names, roles,           administrator; a change that makes or
passwords, disabling)                       touches an administrator only with the
                                            center administrator's approval
==========================================  ==========================================
"""

from __future__ import annotations

from dataclasses import dataclass

from app.i18n import _
from app.storage.models import Role

RANK = {Role.TRAINEE: 0, Role.INSTRUCTOR: 1, Role.ADMIN: 2}
STAFF = frozenset({Role.INSTRUCTOR.value, Role.ADMIN.value})


class Refused(Exception):
    """One record this bundle may not write; the message (translated) says why."""


def lower_role(a: Role, b: Role) -> Role:
    return a if RANK[a] <= RANK[b] else b


@dataclass(frozen=True)
class Authority:
    """The most one import may change (see the module docstring)."""

    role: Role
    account_id: str | None = None  # trainee authority: the only account whose records may come
    approve_escalations: bool = False

    @property
    def is_staff(self) -> bool:
        return self.role in (Role.INSTRUCTOR, Role.ADMIN)

    def own_records(self, user_id: str, login: str = "") -> None:
        """Trainee records: a trainee's device brings that trainee's records only."""
        if self.role is Role.TRAINEE and user_id != self.account_id:
            raise Refused(_("a trainee's workstation may only bring that trainee's own records, not {who}'s").format(
                who=login or user_id))

    def _staff(self, message: str) -> None:
        if not self.is_staff:
            raise Refused(message)

    def _by_staff(self, author_id: str | None, roles: dict[str, str], message: str) -> None:
        if author_id is not None and roles.get(author_id) not in STAFF:
            raise Refused(message.format(id=author_id))

    def signoff(self, instructor_id: str | None, roles: dict[str, str]) -> None:
        self._staff(_("sign-offs are only accepted from an instructor's or administrator's workstation"))
        self._by_staff(instructor_id, roles, _("a sign-off must be made by a staff account of this center; "
                                               "account {id} is not one"))

    def certificate(self, issued_by: str | None, roles: dict[str, str]) -> None:
        self._staff(_("certificates are only accepted from an instructor's or administrator's workstation"))
        self._by_staff(issued_by, roles, _("a certificate must be issued by a staff account of this center; "
                                           "account {id} is not one"))

    def revocation(self, revoked_by: str | None, roles: dict[str, str]) -> None:
        self._staff(_("revocations are only accepted from an instructor's or administrator's workstation"))
        self._by_staff(revoked_by, roles, _("a revocation must be made by a staff account of this center; "
                                            "account {id} is not one"))

    def cohorts(self) -> None:
        self._staff(_("cohorts are only accepted from an instructor's or administrator's workstation"))

    def audit(self, actor_id: str | None, roles: dict[str, str]) -> None:
        """Audit entries record staff actions (sign-offs, overrides, revocations, account changes)."""
        self._staff(_("audit entries are only accepted from an instructor's or administrator's workstation"))
        self._by_staff(actor_id, roles, _("an audit entry must name a staff account of this center; "
                                          "account {id} is not one"))

    def accounts(self) -> None:
        if self.role is not Role.ADMIN:
            raise Refused(_("accounts, roles and passwords are only accepted from an administrator's workstation"))

    def escalation(self, message: str) -> None:
        """A change that makes or touches an administrator: only with the center administrator's approval."""
        if not self.approve_escalations:
            raise Refused(message + " " + _("(an administrator of this center can approve it: import again with "
                                            "--approve-escalations)"))

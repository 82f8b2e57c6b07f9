"""`zhizao sync enroll|trust|list|revoke`: which workstations' progress bundles this center accepts.

On the workstation, ``zhizao sync enroll`` shows its fingerprint; an administrator
compares it and runs ``zhizao sync trust FINGERPRINT --name NAME`` on the center.
Bundles are then exchanged with ``zhizao export progress`` / ``zhizao import progress``.
"""

from __future__ import annotations

import argparse

from app.cli.common import CliError, open_context
from app.i18n import _, format_datetime


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("sync", help=_("enrol the workstations whose progress bundles this center accepts"))
    sub = p.add_subparsers(dest="sync_cmd", required=True, metavar="COMMAND")
    sub.add_parser("enroll", help=_("show this workstation's fingerprint and how to enrol it at the center"))
    trust = sub.add_parser("trust", help=_("accept bundles signed by the workstation with this fingerprint"))
    trust.add_argument("fingerprint", metavar="FINGERPRINT")
    trust.add_argument("--name", default="", help=_("a name to recognise it by (room, PC)"))
    who = trust.add_mutually_exclusive_group()
    # Role's values written out: the parser is built without loading the models (see app.cli.users.ROLES).
    who.add_argument("--role", choices=["instructor", "admin"], default="instructor",
                     help=_("the most its bundles may change: instructor (trainees' records, sign-offs, "
                            "certificates) or admin (accounts too); default instructor"))
    who.add_argument("--trainee", metavar="LOGIN", help=_("a trainee's own device: only this trainee's records"))
    sub.add_parser("list", help=_("list enrolled and revoked workstations"))
    revoke = sub.add_parser("revoke", help=_("refuse this workstation's bundles from now on"))
    revoke.add_argument("fingerprint", metavar="FINGERPRINT")
    p.set_defaults(func=run)


def _trust_line(info) -> str:
    from app.services.auth import role_label

    if info.account_login:
        return _("a trainee's device for {login}").format(login=info.account_login)
    return role_label(info.role)


def run(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM
    from app.services.workstations import WorkstationService
    from app.storage.models import Role

    ctx = open_context(args)
    try:
        service = WorkstationService(ctx.store.sessions, ctx.workstation_id, ctx.keys_dir)
        if args.sync_cmd == "enroll":
            fp = service.own_fingerprint()
            print(_("This workstation's fingerprint:"))
            print()
            print(f"    {fp}")
            print()
            print(_("To enrol it, an administrator compares this fingerprint with what you read out and runs on "
                    "the center:"))
            print("    " + _('zhizao sync trust {fp} --name "NAME"').format(fp=fp))
            print(_("Add --role admin for an administrator's workstation (accounts too), or --trainee LOGIN for "
                    "a trainee's own device."))
            print(_("To import the center's bundles here, enrol the center's fingerprint on this workstation the "
                    "same way."))
            return 0
        if ctx.store.readonly:
            raise CliError(_("The database is read-only here; nothing was changed."))
        if args.sync_cmd == "trust":
            info = service.enroll(SYSTEM, args.fingerprint, args.name, Role(args.role), args.trainee)
            print(_("Enrolled {name} ({fp}) as {trust}: its progress bundles are accepted here.").format(
                name=info.name, fp=info.fingerprint, trust=_trust_line(info)))
        elif args.sync_cmd == "revoke":
            info = service.revoke(SYSTEM, args.fingerprint)
            print(_("Revoked {name} ({fp}): its bundles are refused from now on.").format(
                name=info.name, fp=info.fingerprint))
        else:
            rows = service.list(SYSTEM)
            if not rows:
                print(_("No workstation is enrolled here. This workstation's fingerprint: {fp}").format(
                    fp=service.own_fingerprint()))
            for w in rows:
                state = (_("revoked {date}").format(date=format_datetime(w.revoked_at, "short")) if w.revoked_at
                         else _("enrolled {date}").format(date=format_datetime(w.enrolled_at, "short")))
                last = (_("last import {date}").format(date=format_datetime(w.last_import_at, "short"))
                        if w.last_import_at else _("no import yet"))
                print(f"{w.fingerprint}\t{w.name}\t{_trust_line(w)}\t{state}\t{last}")
        return 0
    finally:
        ctx.close()

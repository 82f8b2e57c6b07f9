"""`zhizao users add|list|passwd|rename|disable|enable` for administrators' scripts."""

from __future__ import annotations

import argparse

from app.cli.common import open_context, read_password
from app.i18n import _, format_datetime

# Role's values in its order, written out: building the parser (every usage error, --help) must not
# load the models and SQLAlchemy, 0.4 s of CPU a process (issue 20); tests/core/test_cli.py compares them.
ROLES = ("trainee", "instructor", "admin")


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("users", help=_("manage accounts"))
    sub = p.add_subparsers(dest="users_cmd", required=True, metavar="COMMAND")
    add = sub.add_parser("add", help=_("create an account"))
    add.add_argument("login")
    add.add_argument("--name", required=True, help=_("full name as printed on certificates"))
    add.add_argument("--role", choices=list(ROLES), default="trainee")
    add.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    sub.add_parser("list", help=_("list accounts"))
    pw = sub.add_parser("passwd", help=_("set a new password"))
    pw.add_argument("login")
    pw.add_argument("--password-stdin", action="store_true", help=_("read the password from standard input"))
    rn = sub.add_parser("rename", help=_("correct the name printed on new certificates (audited)"))
    rn.add_argument("login")
    rn.add_argument("--name", required=True, help=_("full name as printed on certificates"))
    for name, text in (("disable", _("disable an account")), ("enable", _("enable an account"))):
        d = sub.add_parser(name, help=text)
        d.add_argument("login")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM, role_label
    from app.storage.models import Role

    ctx = open_context(args)
    try:
        accounts = ctx.accounts
        if args.users_cmd == "add":
            password = read_password(args)
            info = accounts.add_user(SYSTEM, args.login, args.name, Role(args.role), password)
            print(_("Created {login} ({role}).").format(login=info.login, role=role_label(info.role)))
        elif args.users_cmd == "list":
            for u in accounts.list_users(SYSTEM):
                state = _("disabled") if u.disabled else _("active")
                last = format_datetime(u.last_login_at, "short") if u.last_login_at else "—"
                print(f"{u.login}\t{u.display_name}\t{role_label(u.role)}\t{state}\t{last}")
        elif args.users_cmd == "passwd":
            accounts.set_password(SYSTEM, args.login, read_password(args))
            print(_("Password changed for {login}.").format(login=args.login))
        elif args.users_cmd == "rename":
            user = accounts.get_user(SYSTEM, args.login)
            info = accounts.rename_user(SYSTEM, user.user_id, args.name)
            print(_("{login} is now named “{name}”.").format(login=info.login, name=info.display_name))
        elif args.users_cmd in ("disable", "enable"):
            accounts.set_disabled(SYSTEM, args.login, args.users_cmd == "disable")
            msg = _("{login} is disabled.") if args.users_cmd == "disable" else _("{login} is enabled.")
            print(msg.format(login=args.login))
        return 0
    finally:
        ctx.close()

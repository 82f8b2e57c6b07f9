"""`zhizao db upgrade|backup PATH|restore PATH|check`."""

from __future__ import annotations

import argparse
from pathlib import Path

from app.cli.common import CliError
from app.context import resolve_db_url
from app.i18n import _, ngettext
from app.paths import default_data_dir
from app.storage import health
from app.storage.backup import backup_sqlite, restore_sqlite
from app.storage.errors import StoreError
from app.storage.probe import sqlite_path

# app.storage.db (SQLAlchemy, 0.3 s of CPU a process) is imported by the commands that need it:
# backup, restore and a check of a damaged file work on the file with sqlite3 alone (issue 20).


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("db", help=_("upgrade, back up, restore or check the database"))
    sub = p.add_subparsers(dest="db_cmd", required=True, metavar="COMMAND")
    sub.add_parser("upgrade", help=_("migrate the database to this release (backs it up first)"))
    b = sub.add_parser("backup", help=_("write a consistent copy of the database"))
    b.add_argument("path")
    r = sub.add_parser("restore", help=_("replace the database with a backup copy"))
    r.add_argument("path")
    sub.add_parser("check", help=_("run integrity and foreign-key checks"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    data_dir = Path(args.data_dir) if args.data_dir else default_data_dir()
    url = resolve_db_url(data_dir, args.db)
    path = sqlite_path(url)
    if args.db_cmd == "upgrade":
        from app.storage.db import upgrade

        data_dir.mkdir(parents=True, exist_ok=True)
        res = upgrade(url, data_dir / "backups")
        if res.from_revision == res.to_revision:
            print(_("The database is up to date ({rev}).").format(rev=res.to_revision))
        else:
            print(_("Upgraded the database from {old} to {new}.").format(old=res.from_revision or "—",
                                                                         new=res.to_revision))
            if res.backup:
                print(_("Backup written to {path}.").format(path=res.backup))
        return 0
    if path is None:
        raise CliError(_("backup, restore and check work on SQLite; use pg_dump and pg_restore for PostgreSQL."))
    if args.db_cmd == "backup":
        if not path.exists():
            raise CliError(_("No database at {path}.").format(path=path))
        state, detail = health.inspect_file(path)
        if state.refused:  # a copy of it would pass for a backup and hide the sound ones
            raise CliError(health.refusal_message(state, path, detail, data_dir / "backups"))
        dest = backup_sqlite(path, Path(args.path))
        print(_("Backup written to {path}.").format(path=dest))
        return 0
    if args.db_cmd == "restore":
        src = Path(args.path)
        if not src.is_file():
            raise CliError(_("No backup file at {path}.").format(path=src))
        try:
            restore_sqlite(src, path)
        except StoreError as exc:
            raise CliError(str(exc)) from exc
        print(_("Restored {path}.").format(path=path))
        return 0
    if not path.exists():
        raise CliError(_("No database at {path}.").format(path=path))
    backups = data_dir / "backups"
    state, detail = health.inspect_file(path)
    if state.refused and not (state is health.FileState.DAMAGED and "schema" in detail):
        # Nothing to list finding by finding: the file as a whole is not a readable database.
        raise CliError(health.refusal_message(state, path, detail, backups))
    problems = health.check_sqlite_file(path)
    if state is health.FileState.ZHIZAO and not problems:
        from app.storage.db import head_revision

        problems = health.schema_findings(path, head_revision())
    for p in problems:
        print(p)
    if problems:
        print(ngettext("{n} problem found.", "{n} problems found.", len(problems)).format(n=len(problems)))
        print(health.restore_hint(backups))
        return 1
    print(_("The database is sound."))
    return 0

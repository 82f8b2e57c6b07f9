"""`zhizao export progress|xapi|report` and `zhizao import progress`.

Progress bundles carry records between offline workstations of one center;
xAPI statements go to a file or a Learning Record Store; cohort reports are
CSV or XLSX.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from app.cli.common import CliError, open_context
from app.i18n import _, format_number, ngettext

log = logging.getLogger(__name__)


def add_export_parser(export_subparsers: argparse._SubParsersAction) -> None:
    p = export_subparsers.add_parser("progress", help=_("write a signed bundle of progress records for another "
                                                        "workstation"))
    p.add_argument("--since", metavar="DATE", help=_("only attempts made on or after DATE (YYYY-MM-DD)"))
    p.add_argument("-o", "--output", metavar="FILE", required=True, help=_("bundle file to write"))
    p.set_defaults(func=run_export_progress)

    x = export_subparsers.add_parser("xapi", help=_("write xAPI 1.0.3 statements, or send them to an LRS"))
    x.add_argument("-o", "--output", metavar="FILE", help=_("JSON file to write"))
    x.add_argument("--since", metavar="DATE", help=_("only records made on or after DATE (YYYY-MM-DD)"))
    x.add_argument("--course", metavar="ID", help=_("only this course"))
    x.add_argument("--home-page", metavar="URL",
                   help=_("the center's home page, naming the trainees' accounts (default: setting "
                          "center_home_page)"))
    x.add_argument("--lrs", metavar="URL", help=_("post the statements to this Learning Record Store"))
    x.add_argument("--lrs-user", metavar="USER", default="", help=_("LRS user (basic auth)"))
    x.add_argument("--lrs-password-stdin", action="store_true",
                   help=_("read the LRS password from standard input (else $ZHIZAO_LRS_PASSWORD)"))
    x.set_defaults(func=run_export_xapi)

    r = export_subparsers.add_parser("report", help=_("write a cohort report (CSV or XLSX)"))
    r.add_argument("--cohort", metavar="NAME", help=_("cohort name or id (default: every trainee)"))
    r.add_argument("--course", metavar="ID", action="append", help=_("only this course (repeatable)"))
    r.add_argument("-o", "--output", metavar="FILE", required=True, help=_("FILE.csv or FILE.xlsx"))
    r.set_defaults(func=run_export_report)


def add_import_parser(import_subparsers: argparse._SubParsersAction) -> None:
    p = import_subparsers.add_parser("progress", help=_("merge a progress bundle from another workstation"))
    p.add_argument("bundle", metavar="FILE", help=_("bundle written by 'zhizao export progress'"))
    p.add_argument("--accept-center", metavar="ID", help=_("accept a bundle from the center with this id"))
    p.add_argument("--approve-escalations", action="store_true",
                   help=_("as this center's administrator, accept new administrators and changes to "
                          "administrator accounts from an administrator's workstation"))
    p.set_defaults(func=run_import_progress)


# --- helpers ------------------------------------------------------------------------------------

def parse_since(value: str | None) -> dt.datetime | None:
    """A date (local midnight) or an ISO date-time (local time unless it has an offset)."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime.combine(day, dt.time()).astimezone()
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CliError(_("--since: “{value}” is not a date like 2025-03-01.").format(value=value), 2) from None
    return stamp if stamp.tzinfo else stamp.astimezone()


def _n(value: int) -> str:
    return format_number(value)


def course_steps(ctx, only: list[str] | None = None) -> dict[str, list[tuple[str, str]]]:
    """(step_key, kind) per course from the installed course definitions.

    A course that is not installed here (its records came from elsewhere) is
    described by the steps seen in its records, and a note says so.
    """
    from sqlalchemy import select

    from app.storage.models import Enrollment, SignOff, StepAttempt

    steps: dict[str, list[tuple[str, str]]] = {}
    try:
        for course in ctx.library.courses():
            steps[course.id] = course.step_kinds()
    except Exception:
        log.exception("cannot load the course library")
    with ctx.store.session() as s:
        seen = set(s.scalars(select(StepAttempt.course_id).distinct()))
        seen |= set(s.scalars(select(SignOff.course_id).distinct()))
        seen |= set(s.scalars(select(Enrollment.course_id).distinct()))
        wanted = only or sorted(seen)
        for course_id in wanted:
            if course_id in steps:
                continue
            rows = s.execute(select(StepAttempt.step_key, StepAttempt.kind).where(
                StepAttempt.course_id == course_id).distinct()).all()
            keys = dict(rows)
            for (key,) in s.execute(select(SignOff.step_key).where(SignOff.course_id == course_id).distinct()):
                keys[key] = "practical"
            if not keys:
                if only:
                    raise CliError(_("No course “{id}” here and no records of it.").format(id=course_id))
                continue
            print(_("Note: course {id} is not installed here; its steps are taken from the records.").format(
                id=course_id), file=sys.stderr)
            steps[course_id] = sorted(keys.items())
    return {cid: steps[cid] for cid in wanted if cid in steps}


def _names(ctx):
    """Activity names for xAPI from the installed courses (ids otherwise)."""
    try:
        courses = {c.id: c for c in ctx.library.courses()}
    except Exception:
        log.exception("cannot load the course library")
        courses = {}

    def lookup(course_id: str, key: str | None) -> dict[str, str] | None:
        course = courses.get(course_id)
        if course is None:
            return None
        if key is None:
            return dict(course.title)
        if "/" not in key:
            module = course.module(key)
            return dict(module.title) if module else None
        step = course.step(key)
        return dict(step.title) if step else None

    return lookup


# --- commands -----------------------------------------------------------------------------------

def run_export_progress(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM
    from app.services.sync import SyncService

    since = parse_since(args.since)
    ctx = open_context(args)
    try:
        sync = SyncService(ctx.store.sessions, ctx.workstation_id, ctx.keys_dir)
        res = sync.export_bundle(SYSTEM, Path(args.output), since)
    finally:
        ctx.close()
    print(_("Exported {n} records to {path}: {attempts} attempts, {users} accounts.").format(
        n=_n(res.total), path=res.path, attempts=_n(res.counts.get("step_attempts", 0)),
        users=_n(res.counts.get("users", 0))))
    print(_("Signed with key {fp}.").format(fp=res.fingerprint))
    return 0


def run_import_progress(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM
    from app.services.sync import SyncService

    path = Path(args.bundle)
    if not path.is_file():
        raise CliError(_("No file at {path}.").format(path=path))
    ctx = open_context(args)
    try:
        if ctx.store.readonly:
            raise CliError(_("The database is read-only here; nothing was imported."))
        sync = SyncService(ctx.store.sessions, ctx.workstation_id, ctx.keys_dir)
        res = sync.import_bundle(SYSTEM, path, args.accept_center, approve_escalations=args.approve_escalations)
    finally:
        ctx.close()
    print_import_report(res, path.name)
    if res.refused:
        print(ngettext("zhizao: {n} record of {file} was refused (listed above); the rest was imported.",
                       "zhizao: {n} records of {file} were refused (listed above); the rest was imported.",
                       len(res.refused)).format(n=_n(len(res.refused)), file=path.name), file=sys.stderr)
        return REFUSED_EXIT
    return 0


REFUSED_EXIT = 3  # imported, but some records were refused: scripts can tell it from success (0) and failure (1)
REPORT_LINES = 50  # refusals shown one by one; the rest are counted (all are in the log)


def print_import_report(res, filename: str) -> None:
    """The import report: who sent it, what was added, what was clamped, refused or approved."""
    from app.services.auth import role_label

    print(_("Bundle from workstation {name} ({fp}), accepted with the rights of: {role}.").format(
        name=res.workstation_name, fp=res.fingerprint, role=role_label(res.authority)))
    if not res.total_added and not res.updated:
        print(_("Nothing new in {file}: everything was here already.").format(file=filename))
    else:
        print(_("Imported {file}: {added} records added ({attempts} attempts), {updated} updated.").format(
            file=filename, added=_n(res.total_added), attempts=_n(res.added.get("step_attempts", 0)),
            updated=_n(sum(res.updated.values()))))
    if res.merged_logins:
        print(_("Accounts merged by login: {logins}.").format(logins=", ".join(sorted(set(res.merged_logins)))))
    for text in res.approved:
        print(_("Approved: {change}.").format(change=text))
    if res.clamped:
        print(ngettext("{n} time was later than this import and was moved back to it:",
                       "{n} times were later than this import and were moved back to it:",
                       len(res.clamped)).format(n=_n(len(res.clamped))))
        for c in res.clamped[:REPORT_LINES]:
            print("  " + _("line {line}, {table} {id}: {column} {sent} → {kept}").format(
                line=c.line, table=c.table, id=c.record_id, column=c.column, sent=c.sent.isoformat(),
                kept=c.kept.isoformat()))
    if res.refused:
        print(ngettext("{n} record was refused:", "{n} records were refused:",
                       len(res.refused)).format(n=_n(len(res.refused))))
        for r in res.refused[:REPORT_LINES]:
            print("  " + _("line {line}, {table} {id}: {reason}").format(
                line=r.line, table=r.table, id=r.record_id or "?", reason=r.reason))
        if len(res.refused) > REPORT_LINES:
            print("  " + _("… and {n} more.").format(n=_n(len(res.refused) - REPORT_LINES)))
        for r in res.refused:
            log.warning("refused line %d (%s %s): %s", r.line, r.table, r.record_id, r.reason)


def run_export_xapi(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM
    from app.services.xapi import XapiService

    if not args.output and not args.lrs:
        raise CliError(_("Give -o FILE, --lrs URL, or both."), 2)
    since = parse_since(args.since)
    password = ""
    if args.lrs:
        if args.lrs_password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = os.environ.get("ZHIZAO_LRS_PASSWORD", "")
    ctx = open_context(args)
    try:
        service = XapiService(ctx.store.sessions)
        options = {"since": since, "course_id": args.course, "names": _names(ctx)}
        if args.output:
            res = service.export_file(SYSTEM, Path(args.output), args.home_page, **options)
            print(_("Wrote {n} xAPI statements to {path}.").format(n=_n(res.count), path=res.path))
        if args.lrs:
            res = service.post(SYSTEM, args.lrs, args.lrs_user, password, args.home_page, **options)
            print(_("Sent {n} xAPI statements to {url}.").format(n=_n(res.posted), url=args.lrs))
    finally:
        ctx.close()
    return 0


def run_export_report(args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM
    from app.services.reports import ReportService, write_csv, write_xlsx

    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise CliError(_("The report file must end in .csv or .xlsx ({path}).").format(path=out), 2)
    ctx = open_context(args)
    try:
        reports = ReportService(ctx.store.sessions)
        cohort = reports.find_cohort(SYSTEM, args.cohort) if args.cohort else None
        steps = course_steps(ctx, args.course)
        rows = reports.cohort_report(SYSTEM, cohort, steps)
    finally:
        ctx.close()
    title = args.cohort or _("All trainees")
    (write_xlsx(rows, out, title) if suffix == ".xlsx" else write_csv(rows, out))
    print(_("Wrote {n} rows to {path}.").format(n=_n(len(rows)), path=out))
    return 0

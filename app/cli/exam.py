"""`zhizao exam open|close|list|results|grant|regrade|workstations`: exam sessions without the GUI.

Actions that change an exam name the instructor doing them (``--proctor LOGIN``, an instructor
or administrator account): they are recorded as that person, who is also the proctor stored
with every result. Reading (list, results, workstations) runs as the workstation's operator.
A session is named by its id or any unique beginning of it (as ``list`` prints it).
"""

from __future__ import annotations

import argparse
import json

from app.cli.common import CliError
from app.i18n import _, ngettext


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("exam", help=_("open and close exam sessions, see results, regrade"))
    sub = p.add_subparsers(dest="exam_cmd", required=True, metavar="COMMAND")

    o = sub.add_parser("open", help=_("open a course's exam for a class on chosen workstations"))
    o.add_argument("--course", required=True, metavar="ID", help=_("course id"))
    o.add_argument("--class", dest="cohort", required=True, metavar="NAME", help=_("the class that sits the exam"))
    o.add_argument("--workstation", action="append", required=True, metavar="ID",
                   help=_("a workstation id where the exam may be taken, 'this' for this one (repeatable)"))
    o.add_argument("--extra", action="append", default=[], metavar="LOGIN=MINUTES",
                   help=_("extra time for a trainee, in minutes (repeatable)"))
    o.add_argument("--proctor", required=True, metavar="LOGIN", help=_("the instructor who proctors"))

    c = sub.add_parser("close", help=_("close a session; running attempts are submitted as they stand"))
    c.add_argument("session", metavar="SESSION")
    c.add_argument("--proctor", required=True, metavar="LOGIN", help=_("the instructor who closes it"))

    ls = sub.add_parser("list", help=_("list exam sessions"))
    ls.add_argument("--open", action="store_true", help=_("only open sessions"))
    ls.add_argument("--course", metavar="ID", help=_("only this course"))

    r = sub.add_parser("results", help=_("the sealed results of a session"))
    r.add_argument("session", metavar="SESSION")
    r.add_argument("--json", action="store_true", help=_("print the results as JSON"))

    g = sub.add_parser("grant", help=_("allow a trainee another attempt"))
    g.add_argument("session", metavar="SESSION")
    g.add_argument("--user", required=True, metavar="LOGIN", help=_("the trainee's login"))
    g.add_argument("--reason", default="", metavar="TEXT", help=_("why (kept in the audit log)"))
    g.add_argument("--proctor", required=True, metavar="LOGIN", help=_("the instructor who grants it"))

    rg = sub.add_parser("regrade", help=_("regrade every result of a course after a key correction"))
    rg.add_argument("--course", required=True, metavar="ID", help=_("course id"))
    rg.add_argument("--reason", default="", metavar="TEXT", help=_("what was corrected (kept in the audit)"))
    rg.add_argument("--proctor", required=True, metavar="LOGIN", help=_("the instructor who regrades"))

    sub.add_parser("workstations", help=_("the workstation ids an exam can be opened on"))
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from app.cli.common import open_context

    ctx = open_context(args)
    try:
        return {"open": _open, "close": _close, "list": _list, "results": _results, "grant": _grant,
                "regrade": _regrade, "workstations": _workstations}[args.exam_cmd](ctx, args)
    finally:
        ctx.close()


def _staff(ctx, login: str):
    """The instructor named by ``--proctor`` as an acting user (the service checks the role)."""
    from app.services.auth import SYSTEM, Actor

    info = ctx.accounts.get_user(SYSTEM, login)  # ServiceError (one line) when there is none
    return Actor(info.user_id, info.login, info.display_name, info.role)


def _user_id(ctx, login: str) -> str:
    from app.services.auth import SYSTEM

    return ctx.accounts.get_user(SYSTEM, login).user_id


def _session_id(ctx, text: str) -> str:
    from app.services.auth import SYSTEM

    matches = [s.session_id for s in ctx.exams.sessions(SYSTEM) if s.session_id.startswith(text.strip())]
    if len(matches) != 1:
        raise CliError(_("No exam session “{id}”.").format(id=text) if not matches else
                       _("“{id}” names more than one exam session: give more of its id.").format(id=text), 2)
    return matches[0]


def _open(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM

    minutes_by_login = _extra_minutes(args.extra)  # wrong arguments first, before any lookup
    actor = _staff(ctx, args.proctor)
    cohort = next((c for c in ctx.cohorts.list(SYSTEM) if c.name == args.cohort), None)
    if cohort is None:
        raise CliError(_("No class named “{name}”.").format(name=args.cohort), 2)
    extra = {_user_id(ctx, login): value for login, value in minutes_by_login.items()}
    stations = [ctx.workstation_id if w == "this" else w for w in args.workstation]
    info = ctx.exams.open_session(actor, args.course, cohort.cohort_id, stations, extra)
    n = len(info.workstation_ids)
    print(ngettext("Exam session {id} is open: {course} for {cohort} on {n} workstation.",
                   "Exam session {id} is open: {course} for {cohort} on {n} workstations.", n).format(
        id=info.session_id, course=info.course_id, cohort=info.cohort_name, n=n))
    return 0


MAX_EXTRA_MINUTES = 600  # the exam service's own bound


def _extra_minutes(items: list[str]) -> dict[str, float]:
    """``LOGIN=MINUTES`` items; a malformed, negative, huge or not-a-number value is a usage error."""
    extra: dict[str, float] = {}
    for item in items:
        login, sep, minutes = item.partition("=")
        try:
            value = float(minutes)
        except ValueError:
            sep = ""
        if not sep or not login.strip():
            raise CliError(_("--extra wants LOGIN=MINUTES, not “{value}”.").format(value=item), 2)
        if not 0 <= value <= MAX_EXTRA_MINUTES:  # also false for nan
            raise CliError(_("--extra: the minutes must be between 0 and {max}, not “{value}”.").format(
                max=MAX_EXTRA_MINUTES, value=minutes), 2)
        extra[login.strip()] = value
    return extra


def _close(ctx, args: argparse.Namespace) -> int:
    submitted = ctx.exams.close_session(_staff(ctx, args.proctor), _session_id(ctx, args.session))
    print(ngettext("Exam session closed; {n} running attempt submitted.",
                   "Exam session closed; {n} running attempts submitted.", submitted).format(n=submitted))
    return 0


def _list(ctx, args: argparse.Namespace) -> int:
    from app.i18n import format_datetime
    from app.services.auth import SYSTEM

    rows = ctx.exams.sessions(SYSTEM, open_only=args.open, course_id=args.course)
    if not rows:
        print(_("No exam sessions."))
    for s in rows:
        state = _("open") if s.open else _("closed")
        print(f"{s.session_id}  {s.course_id}  {s.cohort_name}  {format_datetime(s.opened_at)}  {state}  "
              f"{s.proctor_name}")
    return 0


def _results(ctx, args: argparse.Namespace) -> int:
    from app.i18n import format_duration, format_percent
    from app.services.auth import SYSTEM

    rows = ctx.exams.results(SYSTEM, _session_id(ctx, args.session))
    if args.json:
        print(json.dumps([{"attempt_id": r.attempt_id, "login": r.login, "name": r.user_name, "attempt": r.attempt_no,
                           "score": r.score, "passed": r.passed, "quiz_score": r.quiz_score,
                           "practical_score": r.practical_score, "time_used_s": r.time_used_s,
                           "end_reason": r.end_reason, "questions": list(r.question_ids), "seed": r.seed,
                           "proctor": r.proctor_name, "seal_ok": r.seal_ok} for r in rows],
                         ensure_ascii=False, indent=2))
        return 0
    if not rows:
        print(_("No results yet."))
    for r in rows:
        verdict = _("passed") if r.passed else _("failed")
        seal = "" if r.seal_ok else "  " + _("SEAL BROKEN: the stored result was changed")
        print(f"{r.login}  {r.user_name}  #{r.attempt_no}  {format_percent(r.score or 0)}  {verdict}  "
              f"{format_duration(r.time_used_s)}{seal}")
    return 0 if all(r.seal_ok for r in rows) else 6


def _grant(ctx, args: argparse.Namespace) -> int:
    ctx.exams.grant_attempt(_staff(ctx, args.proctor), _session_id(ctx, args.session), _user_id(ctx, args.user),
                            args.reason)
    print(_("{login} may take the exam once more.").format(login=args.user))
    return 0


def _regrade(ctx, args: argparse.Namespace) -> int:
    from app.i18n import format_percent

    changes = ctx.exams.regrade(_staff(ctx, args.proctor), args.course, args.reason)
    if not changes:
        print(_("No result changed."))
    for c in changes:
        print(_("{name}: {old} → {new}").format(name=c.user_name, old=format_percent(c.old_score or 0),
                                                new=format_percent(c.new_score or 0)))
    return 0


def _workstations(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM

    for ws_id, label in ctx.exams.known_workstations(SYSTEM):
        print(f"{ws_id}  {label}")
    return 0

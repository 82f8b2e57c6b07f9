"""`zhizao certificate issue|renew|revoke|list|pdf|verify|export-key|import-key|verifier-page`.

Verification needs no database: the trusted keys are files under
``<data>/keys`` (this center's public key and ``trusted/*.pem``), plus any
``--trust FILE.pem`` given on the command line. When the data dir holds the
center's database (or ``--db`` names one), revocations recorded there are
reported too; verifying never creates a database or a key. Exit codes of
``verify``: 0 valid, 3 expired, 4 revoked, 5 unknown issuer, 6 tampered,
7 unreadable.

``issue``, ``renew``, ``revoke``, ``list``, ``pdf`` and ``verifier-page`` (the one-file HTML page
employers open to verify certificates offline, with the revocations as of now) work on the center's
database as the workstation's operator (like ``zhizao users``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from app.certificates.claims import OVERRIDE_REASONS
from app.cli.common import CliError
from app.i18n import _

EXIT_CODES = {"valid": 0, "expired": 3, "revoked": 4, "unknown_issuer": 5, "tampered": 6, "unreadable": 7}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("certificate", help=_("issue, revoke and verify certificates; manage the signing key"))
    sub = p.add_subparsers(dest="certificate_cmd", required=True, metavar="COMMAND")

    iss = sub.add_parser("issue", help=_("issue a certificate to a trainee who meets the course's passing rules"))
    iss.add_argument("--user", required=True, metavar="LOGIN", help=_("the trainee's login"))
    iss.add_argument("--course", required=True, metavar="ID", help=_("course id"))
    iss.add_argument("-o", "--output", metavar="FILE.pdf", help=_("also copy the PDF (and its badge) here"))
    iss.add_argument("--override", action="store_true",
                     help=_("issue even though the passing rules are not met (recorded in the audit log)"))
    iss.add_argument("--reason", default="", metavar="TEXT", help=_("why the rules are overridden"))
    iss.add_argument("--reason-category", choices=OVERRIDE_REASONS, default="other",
                     help=_("the kind of reason, signed and printed on the certificate"))
    iss.add_argument("--lang", choices=["zh_CN", "en"], help=_("which language leads on the certificate"))

    ren = sub.add_parser("renew", help=_("renew an expiring certificate: a new number, linked to the old one"))
    ren.add_argument("number", metavar="NUMBER")
    ren.add_argument("--by", metavar="LOGIN",
                     help=_("renew as this user: staff, or the holder (then only after the refresher)"))
    ren.add_argument("-o", "--output", metavar="FILE.pdf", help=_("also copy the PDF (and its badge) here"))
    ren.add_argument("--lang", choices=["zh_CN", "en"], help=_("which language leads on the certificate"))

    rev = sub.add_parser("revoke", help=_("withdraw a certificate (verification at this center reports it)"))
    rev.add_argument("number", metavar="NUMBER")
    rev.add_argument("--reason", required=True, metavar="TEXT", help=_("why it is withdrawn"))

    lst = sub.add_parser("list", help=_("list issued certificates"))
    lst.add_argument("--user", metavar="LOGIN", help=_("only this trainee's certificates"))
    lst.add_argument("--course", metavar="ID", help=_("only this course"))

    pdf = sub.add_parser("pdf", help=_("write a copy of an issued certificate's PDF"))
    pdf.add_argument("number", metavar="NUMBER")
    pdf.add_argument("-o", "--output", required=True, metavar="FILE.pdf")

    v = sub.add_parser("verify", help=_("check a certificate PDF, QR text, photo of the QR, or badge JSON"))
    src = v.add_mutually_exclusive_group(required=True)
    src.add_argument("file", nargs="?", metavar="FILE.pdf", help=_("certificate PDF"))
    src.add_argument("--qr", metavar="TEXT", help=_("text of the QR code (ZZC1:…)"))
    src.add_argument("--image", metavar="IMAGE", help=_("photo or scan of the QR code"))
    src.add_argument("--badge", metavar="FILE.json", help=_("Open Badges 3.0 credential"))
    v.add_argument("--trust", metavar="KEY.pem", action="append", default=[],
                   help=_("also trust this issuer public key (repeatable)"))
    v.add_argument("--json", action="store_true", help=_("print the result as JSON"))

    e = sub.add_parser("export-key", help=_("write this center's public key for employers"))
    e.add_argument("-o", "--output", required=True, metavar="FILE.pem")

    vp = sub.add_parser("verifier-page", help=_("write the verification page employers open in any browser, "
                                                "offline (keys, revocations as of now)"))
    vp.add_argument("-o", "--output", required=True, metavar="FILE.html")

    i = sub.add_parser("import-key", help=_("trust another center's exported public key"))
    i.add_argument("key", metavar="KEY.pem")
    i.add_argument("--name", help=_("short name for the issuer (default: the file name)"))
    p.set_defaults(func=run)


def _keys_dir(args: argparse.Namespace) -> Path:
    from app.paths import default_data_dir

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    return data_dir / "keys"


def run(args: argparse.Namespace) -> int:
    if args.certificate_cmd in ("issue", "renew", "revoke", "list", "pdf", "verifier-page"):
        return _with_store(args)
    if args.certificate_cmd == "verify":
        return _verify(args)
    if args.certificate_cmd == "export-key":
        return _export_key(args)
    return _import_key(args)


# --- on the center's database -------------------------------------------------------------------

def _with_store(args: argparse.Namespace) -> int:
    from app.cli.common import open_context

    ctx = open_context(args)
    try:
        commands = {"issue": _issue, "renew": _renew, "revoke": _revoke, "list": _list, "pdf": _pdf,
                    "verifier-page": _verifier_page}
        return commands[args.certificate_cmd](ctx, args)
    finally:
        ctx.close()


def _copy_out(pdf: Path, target: Path) -> Path:
    """Copy the PDF (and the Open Badges file beside it) to ``target``."""
    import shutil

    from app.certificates.issue import badge_path_for

    target = target.expanduser()
    if target.is_dir():
        target = target / pdf.name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, target)
    badge = badge_path_for(pdf)
    if badge.is_file():
        shutil.copyfile(badge, badge_path_for(target))
    return target


def _issue(ctx, args: argparse.Namespace) -> int:
    from app.courses.library import CourseNotFound
    from app.services.auth import SYSTEM

    try:
        course = ctx.library.get(args.course)
    except CourseNotFound:
        raise CliError(_("No course with the id “{id}” is installed.").format(id=args.course), 2) from None
    info = ctx.certificates.issue(SYSTEM, args.user, course, override=args.override, reason=args.reason,
                                  reason_category=args.reason_category, locale=args.lang)
    print(_("Issued certificate {number} to {name} for {course}.").format(
        number=info.number, name=info.learner_name, course=info.course_title()))
    _print_pdf(ctx, info, args.output)
    return 0


def _renew(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM, Actor

    actor = SYSTEM
    if args.by:
        user = ctx.accounts.get_user(SYSTEM, args.by)
        actor = Actor(user.user_id, user.login, user.display_name, user.role)
    info = ctx.recertification.renew(actor, args.number, locale=args.lang)
    print(_("Renewed certificate {old} as {number} for {name} ({course}).").format(
        old=info.claims.get("renews", ""), number=info.number, name=info.learner_name, course=info.course_title()))
    _print_pdf(ctx, info, args.output)
    return 0


def _print_pdf(ctx, info, output: str | None) -> None:
    """What a newly issued or renewed certificate tells the operator: validity, where its PDF is, the copy."""
    from app.i18n import format_date

    if info.expires_on:
        print(_("Valid until {date}.").format(date=format_date(info.expires_on)))
    pdf = ctx.certificates.pdf_path(info)
    print(_("PDF: {path}").format(path=pdf))
    if output:
        print(_("Copied to {path}").format(path=_copy_out(pdf, Path(output))))


def _revoke(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM

    info = ctx.certificates.revoke(SYSTEM, args.number, args.reason)
    print(_("Revoked certificate {number} ({name}). Reason: {reason}").format(
        number=info.number, name=info.learner_name, reason=info.revoked_reason))
    return 0


def _list(ctx, args: argparse.Namespace) -> int:
    from app.certificates.verify import status_label
    from app.i18n import format_date
    from app.services.auth import SYSTEM

    rows = ctx.certificates.list_all(SYSTEM, course_id=args.course, login=args.user)
    for c in rows:
        until = format_date(c.expires_on, "medium") if c.expires_on else "—"
        print("\t".join([c.number, c.login, c.learner_name, c.course_id, format_date(c.issued_on, "medium"),
                         until, status_label(c.status())]))
    if not rows:
        print(_("No certificates."), file=sys.stderr)
    return 0


def _pdf(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM

    info = ctx.certificates.get_for(SYSTEM, args.number)
    print(_("Copied to {path}").format(path=_copy_out(ctx.certificates.pdf_path(info), Path(args.output))))
    return 0


def _verifier_page(ctx, args: argparse.Namespace) -> int:
    from app.services.auth import SYSTEM

    path = ctx.certificates.export_verifier_page(SYSTEM, Path(args.output))
    issuers = ctx.certificates.trusted_issuers()
    print(_("Wrote the verification page to {path}").format(path=path))
    for key in issuers:
        print("  " + _("Signed by key {name}, SHA-256 {fp}").format(name=key.name, fp=key.fingerprint))
    print(_("Publish it on the center's web site or send it to employers; export it again after a revocation."))
    return 0


# --- offline checks -------------------------------------------------------------------------------

def _revocations(args: argparse.Namespace):
    """(lookup, store) when this PC holds the center's database; (None, None) on an employer's PC.

    Read-only, and only an existing database: verifying must not create one.
    """
    import os

    from app.context import resolve_db_url
    from app.paths import default_data_dir
    from app.storage.db import Store, sqlite_path

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else default_data_dir()
    explicit = getattr(args, "db", None) or os.environ.get("ZHIZAO_DB_URL")
    url = resolve_db_url(data_dir, getattr(args, "db", None))
    path = sqlite_path(url)
    if path is not None and not path.is_file():
        return None, None
    if path is None and not explicit:
        return None, None
    try:
        store = Store.open_readonly(url) if path is not None else Store(url)
    except Exception as exc:  # noqa: BLE001 - revocations are a bonus; the signature check goes on
        print(_("warning: revocations not checked: {error}").format(error=exc), file=sys.stderr)
        return None, None

    def lookup(number: str) -> tuple[bool, str]:
        from sqlalchemy import select

        from app.storage.models import Certificate

        with store.sessions() as s:
            row = s.execute(select(Certificate.revoked_at, Certificate.revoked_reason)
                            .where(Certificate.number == number)).first()
        return (True, row[1] or "") if row is not None and row[0] is not None else (False, "")

    def checked(number: str) -> tuple[bool, str]:
        try:
            return lookup(number)
        except Exception as exc:  # noqa: BLE001 - e.g. a database of another program
            print(_("warning: revocations not checked: {error}").format(error=exc), file=sys.stderr)
            return False, ""

    return checked, store


def _trusted(args: argparse.Namespace):
    from app.certificates.keys import KeyFileError, TrustedIssuers, TrustedKey, load_public_key

    issuers = TrustedIssuers.load(_keys_dir(args))
    for problem in issuers.problems:
        print(_("warning: {problem}").format(problem=problem), file=sys.stderr)
    for path in args.trust:
        try:
            issuers.add(TrustedKey(load_public_key(Path(path)), Path(path).stem))
        except KeyFileError as exc:
            raise CliError(str(exc), 2) from None
    return issuers


def _verify(args: argparse.Namespace) -> int:
    from app.certificates.verify import claims_rows, verify_image, verify_pdf, verify_qr_text

    for given in (args.file, args.image, args.badge):
        try:
            found = given is None or Path(given).is_file()
        except OSError as exc:  # e.g. a name too long for the file system
            raise CliError(f"{given}: {exc.strerror or exc}", 2) from None
        if not found:
            raise CliError(_("{path}: no such file").format(path=given), 2)
    issuers = _trusted(args)
    lookup, store = _revocations(args)
    try:
        if args.qr is not None:
            result = verify_qr_text(args.qr, issuers, lookup)
        elif args.image is not None:
            result = verify_image(Path(args.image), issuers, lookup)
        elif args.badge is not None:
            result = _verify_badge(Path(args.badge), issuers, lookup)
        else:
            result = verify_pdf(Path(args.file), issuers, lookup)
    finally:
        if store is not None:
            store.dispose()

    if args.json:
        out = {"status": result.status, "message": result.message, "issuer": result.issuer,
               "fingerprint": result.fingerprint, "revocation_reason": result.revocation_reason,
               "page": result.page, "differences": list(result.differences),
               "facts": [{"label": label, "value": value} for label, value in result.facts()],
               "notes": list(result.notes), "revocation_checked": lookup is not None,
               "claims": result.claims.to_json_dict() if result.claims else None}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(result.message)  # starts with the status word (Valid:, Tampered: …)
        _print_facts(result)
        if result.claims is not None:
            print("  " + _("Further signed details:"))
            _print_rows(claims_rows(result.claims), indent=4)
        if result.fingerprint:
            print("  " + _("Signed by key {name}, SHA-256 {fp}").format(name=result.issuer, fp=result.fingerprint))
        for note in result.notes:
            print("  - " + note)
        if lookup is not None and result.claims is not None:
            print("  - " + _("revocation checked against this center's records"))
    return EXIT_CODES[result.status]


def _print_rows(rows: list[tuple[str, str]], indent: int) -> None:
    width = max(len(label) for label, _value in rows)
    for label, value in rows:
        print(" " * indent + f"{label.ljust(width)}  {value}")


def _print_facts(result) -> None:
    """The signed facts, before anything else about them: what the employer compares with the paper."""
    from app.certificates.verify import COMPARE_HINT

    facts = result.facts()
    if not facts:
        return
    heading = _(COMPARE_HINT) + ":"
    print()
    print(heading)
    print("=" * len(heading))
    _print_rows(facts, indent=2)
    print()


def _verify_badge(path: Path, issuers, lookup=None):
    from app.certificates.badge import read_badge, verify_open_badge
    from app.certificates.verify import Verification
    from app.jsonlimits import JsonLimitError

    try:
        doc = read_badge(path)
    except OSError as exc:
        raise CliError(f"{path}: {exc.strerror or exc}") from None
    except JsonLimitError as exc:
        return Verification("unreadable", None, _("Unreadable: {reason}").format(reason=exc))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Verification("unreadable", None, _("Unreadable: {path} is not JSON ({error})").format(
            path=path, error=exc))
    return verify_open_badge(doc, issuers, lookup)


def _export_key(args: argparse.Namespace) -> int:
    from app.certificates.keys import CenterKeys, KeyFileError

    try:
        keys = CenterKeys.load_or_create(_keys_dir(args))
    except KeyFileError as exc:
        raise CliError(str(exc)) from None
    out = keys.export_public_key(Path(args.output))
    print(_("Wrote the public key to {path}").format(path=out))
    print(_("SHA-256 fingerprint: {fp}").format(fp=keys.fingerprint()))
    return 0


def _import_key(args: argparse.Namespace) -> int:
    from app.certificates.keys import KeyFileError, import_trusted_key

    try:
        key = import_trusted_key(Path(args.key), _keys_dir(args), args.name)
    except KeyFileError as exc:
        raise CliError(str(exc), 2) from None
    print(_("Now trusting {name}, SHA-256 fingerprint {fp}").format(name=key.name, fp=key.fingerprint))
    return 0

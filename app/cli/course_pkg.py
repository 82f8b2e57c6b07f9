"""`zhizao export course ID -o FILE.zhizao` and `zhizao import course FILE.zhizao [--replace]`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.common import CliError
from app.i18n import _


def add_export_parser(export_subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = export_subparsers.add_parser("course", help=_("write a course as a .zhizao package"))
    p.add_argument("course_id", metavar="ID", help=_("course id (bundled or in the instructor library)"))
    p.add_argument("-o", "--output", metavar="FILE", help=_("package file to write (default: ID-VERSION.zhizao)"))
    p.set_defaults(func=run_export, course_pkg_action="export")
    return p


def add_import_parser(import_subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = import_subparsers.add_parser("course", help=_("install a .zhizao package into the instructor library"))
    p.add_argument("package", metavar="FILE", help=_(".zhizao package"))
    p.add_argument("--replace", "--yes", "-y", dest="replace", action="store_true",
                   help=_("replace a course with the same id (in the library or bundled) without asking"))
    p.set_defaults(func=run_import, course_pkg_action="import")
    return p


def _data_dir(args: argparse.Namespace) -> Path:
    from app.paths import default_data_dir

    value = getattr(args, "data_dir", None)
    return Path(value).expanduser() if value else default_data_dir()


def library_dir(args: argparse.Namespace) -> Path:
    return _data_dir(args) / "library"


def find_course(course_id: str, data_dir: Path) -> tuple[Path, str]:
    """The folder and version of the newest ``course_id`` among the bundled courses and the library.

    Only course.yaml headers are read here; the export itself validates the course.
    """
    from app.courses import semver
    from app.courses.package import installed_version
    from app.courses.validator import course_dirs, read_header
    from app.paths import courses_dir

    best: tuple[semver.Version, int, Path] | None = None
    for rank, folder in enumerate((courses_dir(), data_dir / "library")):
        for root in course_dirs(folder):
            header = read_header(root, str(root))
            version = installed_version(root)
            if header is None or header.course_id != course_id or version is None:
                continue
            candidate = (semver.Version(version), rank, root)
            if best is None or candidate[:2] > best[:2]:
                best = candidate
    if best is None:
        raise CliError(_("no course with id “{id}”").format(id=course_id))
    return best[2], best[0].text


def run_export(args: argparse.Namespace) -> int:
    from app.courses.errors import format_problem
    from app.courses.package import PACKAGE_SUFFIX, PackageError, export_course

    course_dir, version = find_course(args.course_id, _data_dir(args))
    # The version from course.yaml, not from a full read: export_course reads and checks the course
    # (seconds of CPU with its labs' simulations) and refuses it with errors before this name is used.
    out = Path(args.output) if args.output else Path(f"{args.course_id}-{version}{PACKAGE_SUFFIX}")
    try:
        export_course(course_dir, out)
    except PackageError as exc:
        for p in exc.problems:
            if p.is_error:
                print(format_problem(p), file=sys.stderr)
        raise CliError(exc.message) from None
    except OSError as exc:
        raise CliError(_("cannot write {file}: {reason}").format(file=out, reason=exc.strerror or exc)) from None
    print(_("Exported {id} to {file}").format(id=args.course_id, file=out))
    return 0


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        answer = input(question + " " + _("[y/N]") + " ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes", _("y"), _("yes"))


def _write_refusal(folder: Path, exc: OSError) -> str:
    import errno

    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        reason = _("the disk is full; free some disk space, then try again")
    elif exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        reason = _("the folder is read-only or not writable here")
    else:
        reason = exc.strerror or str(exc)
    return _("not imported: cannot write to the course library {path}: {reason}").format(path=folder, reason=reason)


def run_import(args: argparse.Namespace) -> int:
    from app.courses.errors import format_problem
    from app.courses.package import PackageError, describe_replacement, import_course

    package = Path(args.package)
    target = library_dir(args)
    try:
        result = import_course(package, target, replace=args.replace)
        if result.needs_confirmation:
            change = describe_replacement(result)
            if not _confirm(_("{change}. Replace it?").format(change=change)):
                raise CliError(_("not imported: {change}; use --replace (or --yes) to replace it").format(
                    change=change))
            result = import_course(package, target, replace=True)
    except PackageError as exc:
        for p in exc.problems:
            if p.is_error:
                print(format_problem(p), file=sys.stderr)
        raise CliError(_("not imported: {reason}").format(reason=exc.message)) from None
    except OSError as exc:  # the library folder refuses: one line, nothing half-installed is left visible
        raise CliError(_write_refusal(target, exc)) from None
    for p in result.warnings:
        print(format_problem(p), file=sys.stderr)
    messages = {
        "installed": _("Installed {id} {version} in {path}"),
        "upgraded": _("Upgraded {id} from {previous} to {version} in {path}"),
        "replaced": _("Replaced {id} {version} in {path}"),
        "downgraded": _("Replaced {id} {previous} with the older {version} in {path}"),
    }
    print(messages[result.status].format(id=result.course_id, version=result.version,
                                         previous=result.previous_version, path=result.path))
    if result.previous_source == "bundled" and result.status == "downgraded":
        print(_("The bundled {id} {previous} is newer, so trainees still see the bundled course.").format(
            id=result.course_id, previous=result.previous_version))
    elif result.previous_source == "bundled":
        print(_("The library copy now stands in for the bundled {id} {previous} ({old} steps → {new} steps).")
              .format(id=result.course_id, previous=result.previous_version, old=result.previous_steps,
                      new=result.steps))
    return 0


def run(args: argparse.Namespace) -> int:
    """Dispatch for callers that wire ``run`` rather than ``args.func``."""
    return run_export(args) if getattr(args, "course_pkg_action", "") == "export" else run_import(args)

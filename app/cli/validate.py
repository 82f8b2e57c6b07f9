"""`zhizao validate PATH...`: check course folders and packages like a compiler would.

Also runnable as ``python -m app.cli.validate PATH...``. Exit status: 0 clean
(warnings allowed), 1 errors, 2 usage.
"""

from __future__ import annotations

import argparse
import sys

from app.i18n import _

MAX_SEEDS = 1000  # each seed runs every lab's examples: more is hours of work, not more certainty


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "validate", help=_("check course folders or .zhizao packages"),
        description=_("Report every problem in the courses, one per line as file:line:col: error|warning: message."))
    _arguments(p)
    p.set_defaults(func=run)
    return p


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help=_("course folder, folder of courses, or .zhizao file"))
    p.add_argument("--schema", metavar="FILE",
                   help=_("write the JSON Schema of the course files to FILE (one file per kind if FILE is a folder)"))
    p.add_argument("--quiet", "-q", action="store_true", help=_("print errors only, not warnings"))
    p.add_argument("--robustness", nargs="?", type=int, const=30, default=None, metavar="N",
                   help=_("also run every lab's known-good and known-bad examples over N seeds (default 30) "
                          "and report their pass rates"))


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from app.courses.errors import count, format_problem, summary
    from app.courses.schema import write_schema
    from app.courses.validator import validate_paths

    if args.robustness is not None and not 1 <= args.robustness <= MAX_SEEDS:
        print(_("zhizao validate: --robustness needs a number of seeds from 1 to {max}").format(max=MAX_SEEDS),
              file=sys.stderr)
        return 2
    if not args.paths and not args.schema:
        print(_("zhizao validate: give at least one PATH (or --schema FILE)"), file=sys.stderr)
        return 2
    if args.schema:
        try:
            written = list(write_schema(Path(args.schema)))
        except OSError as exc:
            print(_("zhizao validate: cannot write {file}: {reason}").format(
                file=args.schema, reason=exc.strerror or exc), file=sys.stderr)
            return 2
        for out in written:  # outside the try: a closed stdout is not "cannot write FILE"
            print(_("Wrote {file}").format(file=out))
        if not args.paths:
            return 0
    rates: list[str] = []
    unusable, paths = _unusable_paths(args.paths)
    problems = unusable + (validate_paths(paths, robustness=args.robustness or 0, rates=rates) if paths else [])
    for line in rates:
        print(line)
    for p in problems:
        if p.is_error or not args.quiet:
            print(format_problem(p))
    errors, _warnings = count(problems)
    print(summary(problems))
    return 1 if errors else 0


def _unusable_paths(paths: list[str]) -> tuple[list, list[str]]:
    """Paths the system refuses even to look at (name too long, no permission on a folder above) become
    findings like any other, instead of an OSError out of the validator; the rest is validated."""
    import os

    from app.courses.errors import Problem

    problems, rest = [], []
    for raw in paths:
        try:
            os.stat(raw)
        except (FileNotFoundError, NotADirectoryError):
            rest.append(raw)  # the validator's own "no such file or folder"
        except OSError as exc:
            problems.append(Problem(str(raw), None, None, "error", exc.strerror or str(exc), ""))
        else:
            rest.append(raw)
    return problems, rest


def main(argv: list[str] | None = None) -> int:
    import os

    from app.cli.common import Parser
    from app.i18n import set_locale, system_locale

    set_locale(os.environ.get("ZHIZAO_LANG") or system_locale())
    parser = Parser(prog="zhizao validate", description=_("Check course folders and .zhizao packages."))
    _arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())

"""Entry point: parse arguments, then start the GUI or run a subcommand.

Every failure the user can cause ends as one line on stderr and a non-zero
exit code; the full trace goes to the log file only.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import time
from pathlib import Path

from app import __version__
from app.cli.common import CliError, Parser
from app.i18n import _, pgettext, set_locale, system_locale

log = logging.getLogger("zhizao")
STARTED = time.perf_counter()

# Subcommand modules; each exposes add_parser(subparsers). Groups "export"
# and "import" are shared: their modules add sub-subcommands to them.
COMMAND_MODULES = ("app.cli.users", "app.cli.db", "app.cli.validate", "app.cli.simulate", "app.cli.certificate",
                   "app.cli.sync", "app.cli.exam")
EXPORT_MODULES = ("app.cli.course_pkg", "app.cli.progress_io")


def _argparse_texts() -> dict[str, str]:
    """argparse's own words (usage:, options, …) in the CLI's language (review #23)."""
    return {
        "usage: ": pgettext("argparse", "usage: "),
        "positional arguments": pgettext("argparse", "positional arguments"),
        "options": pgettext("argparse", "options"),
        "show this help message and exit": pgettext("argparse", "show this help message and exit"),
        "show program's version number and exit": pgettext("argparse", "show program's version number and exit"),
        "the following arguments are required: %s": pgettext("argparse", "the following arguments are required: %s"),
        "unrecognized arguments: %s": pgettext("argparse", "unrecognized arguments: %s"),
        "invalid choice: %(value)r (choose from %(choices)s)":
            pgettext("argparse", "invalid choice: %(value)r (choose from %(choices)s)"),
        "argument %(argument_name)s: %(message)s": pgettext("argparse", "argument %(argument_name)s: %(message)s"),
        "expected one argument": pgettext("argparse", "expected one argument"),
        "invalid %(type)s value: %(value)r": pgettext("argparse", "invalid %(type)s value: %(value)r"),
        "ambiguous option: %(option)s could match %(matches)s":
            pgettext("argparse", "ambiguous option: %(option)s could match %(matches)s"),
        "not allowed with argument %s": pgettext("argparse", "not allowed with argument %s"),
        "one of the arguments %s is required": pgettext("argparse", "one of the arguments %s is required"),
    }


def _argparse_gettext(message: str) -> str:
    return _argparse_texts().get(message, message)


def translate_argparse() -> None:
    """Let argparse's help and errors speak the CLI's language, like the rest of the output.

    argparse looks its words up with ``gettext`` under the name ``argparse._`` at call time,
    so pointing that name at our catalog is enough; a word we do not know stays as it is.
    """
    import argparse

    argparse._ = _argparse_gettext


def _optional(name: str):
    """Import a subcommand module; a missing optional part must not break the CLI."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _global_options(parser: Parser, detecting: bool = False) -> None:
    if detecting:
        parser.add_argument("--version", action="store_true")
    else:
        parser.add_argument("--version", action="version", version=f"zhizao {__version__}",
                            help=pgettext("argparse", "show program's version number and exit"))
    parser.add_argument("--data-dir", metavar="DIR", help=_("where the database and user files live"))
    parser.add_argument("--db", metavar="URL", help=_("database URL (default: SQLite in the data dir)"))
    parser.add_argument("--self-test", action="store_true", help=_("start offscreen, check the main parts, exit"))
    parser.add_argument("--verbose", action="store_true", help=_("log debug details"))


def _wants_subcommand(argv: list[str]) -> bool:
    """Whether the command line names a subcommand (or asks for help, which lists them).

    Starting the GUI must not import every subcommand's module (courses,
    simulators, certificates…): that alone would double the time to the first window.
    """
    light = Parser(prog="zhizao", add_help=False)
    _global_options(light, detecting=True)
    try:
        _known, rest = light.parse_known_args(argv)
    except SystemExit:
        return True  # let the full parser report the error
    return bool(rest) or any(a in ("-h", "--help") for a in argv)


def build_parser() -> Parser:
    parser = Parser(prog="zhizao", description=_("Zhizao Academy: smart-factory training, offline."))
    _global_options(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for name in COMMAND_MODULES:
        module = _optional(name)
        if module is not None:
            module.add_parser(sub)
    export = sub.add_parser("export", help=_("export courses, progress or xAPI statements"))
    export_sub = export.add_subparsers(dest="export_what", required=True, metavar="WHAT", parser_class=Parser)
    import_ = sub.add_parser("import", help=_("import courses or progress"))
    import_sub = import_.add_subparsers(dest="import_what", required=True, metavar="WHAT", parser_class=Parser)
    for name in EXPORT_MODULES:
        module = _optional(name)
        if module is not None:
            module.add_export_parser(export_sub)
            module.add_import_parser(import_sub)
    return parser


def _report(message: str, code: int) -> int:
    # One line even when a driver's message has several (psycopg adds "Is the server running…").
    message = " ".join(line.strip() for line in str(message).splitlines() if line.strip())
    print(_("zhizao: {message}").format(message=message), file=sys.stderr)
    return code


def check_db_url(url: str, source: str) -> None:
    """Refuse a database URL this program cannot open before anything tries to (issue #21).

    Named by ``source`` (--db or ZHIZAO_DB_URL); the URL is echoed without its password.
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise CliError(_("{option}: not a database URL (use sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST/DATABASE).").format(option=source), 2) from None
    shown = parsed.render_as_string(hide_password=True)
    try:
        parsed.get_dialect().import_dbapi()
    except NoSuchModuleError:
        raise CliError(_("{option}: “{url}” names a database this program cannot use (use sqlite:///FILE or "
                         "postgresql+psycopg://USER@HOST/DATABASE).").format(option=source, url=shown), 2) from None
    except ImportError:
        raise CliError(_("{option}: the driver for “{url}” is not installed.").format(option=source, url=shown),
                       2) from None


def _stdout_closed() -> bool:
    """Whether stdout is a pipe whose reader has gone (not some other pipe or socket, e.g. an LRS)."""
    try:
        import select

        poller = select.poll()
        poller.register(sys.stdout.fileno(), select.POLLOUT)
        return any(events & (select.POLLERR | select.POLLHUP) for _fd, events in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return not hasattr(select, "poll")  # Windows has no poll(): a broken pipe there is stdout's


def _quiet_pipe() -> int:
    """stdout's reader went away (``zhizao users list | head -1``): stop quietly like other Unix tools.

    Point stdout at /dev/null so the interpreter's final flush cannot fail again, and exit with
    128 + SIGPIPE, which shells treat as "the reader stopped", not as an error.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass  # stdout is not a real file (tests): nothing will flush to the closed pipe
    return 141


def _is_text(arg: str) -> bool:
    """False for an argument holding bytes the system could not decode (lone surrogates): SQLite, the
    terminal and the file formats would each fail on it later, with a worse message."""
    try:
        arg.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _user_errors() -> tuple[type[Exception], ...]:
    """The service and store errors a user can correct, reported as one line with exit code 1.

    Taken from the modules that define them only once loaded: a command that never touched the
    services (``db backup``, ``validate``…) cannot have raised one, and importing them would load
    the models and SQLAlchemy (0.4 s of CPU) in every process (issue 20).
    """
    from app.storage.errors import StoreError  # light: no SQLAlchemy

    auth = sys.modules.get("app.services.auth")
    return (StoreError,) if auth is None else (auth.ServiceError, auth.PermissionDenied, StoreError)


def main(argv: list[str] | None = None) -> int:
    set_locale(os.environ.get("ZHIZAO_LANG") or system_locale())
    translate_argparse()
    argv = sys.argv[1:] if argv is None else argv
    bad = next((a for a in argv if not _is_text(a)), None)
    if bad is not None:
        return _report(_("the argument “{arg}” is not valid text (bytes that are not UTF-8); rename the file or "
                         "retype it.").format(arg=bad.encode("utf-8", "surrogateescape").decode("utf-8",
                                                                                             "backslashreplace")), 2)
    if _wants_subcommand(argv):
        args = build_parser().parse_args(argv)
    else:
        light = Parser(prog="zhizao", description=_("Zhizao Academy: smart-factory training, offline."))
        _global_options(light)
        args = light.parse_args(argv)
        args.command = None
    if args.data_dir:
        args.data_dir = str(Path(args.data_dir).expanduser())

    if args.self_test:
        from app.ui.shell.selftest import run_self_test

        return run_self_test(STARTED)
    if args.command is None:
        from app.ui.shell.application import run_gui

        return run_gui(args)

    from app.context import setup_logging
    from app.paths import default_data_dir

    try:
        setup_logging(Path(args.data_dir) if args.data_dir else default_data_dir(), args.verbose)
    except OSError:
        # A read-only data dir must not stop read-only commands, and without a handler logging's
        # last resort would print every logged trace on stderr, under the one-line message.
        logging.getLogger().addHandler(logging.NullHandler())
    try:
        if args.db:
            check_db_url(args.db, "--db")
        elif os.environ.get("ZHIZAO_DB_URL"):
            check_db_url(os.environ["ZHIZAO_DB_URL"], "ZHIZAO_DB_URL")
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handlers below
        return code
    except CliError as exc:
        return _report(str(exc), exc.code)
    except _user_errors() as exc:
        return _report(str(exc), 1)
    except KeyboardInterrupt:
        return _report(_("interrupted"), 130)
    except BrokenPipeError as exc:
        if _stdout_closed():
            return _quiet_pipe()
        log.exception("command failed")  # another pipe or socket (an LRS): a real error
        return _report(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    except OSError as exc:
        log.exception("command failed")
        return _report(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), 1)
    except Exception as exc:  # last resort: one line, trace in the log
        log.exception("command failed")
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError):  # the driver's text can carry SQL and values: say the kind only
            from app.services.errors import storage_message

            return _report(storage_message(exc), 1)
        return _report(_("unexpected error: {error} (details in the log)").format(error=exc), 1)

"""Shared CLI plumbing: a parser that fails with one line, and opening the context."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NoReturn

from app.i18n import _


class CliError(Exception):
    """A user error on the command line: printed as one line, exit code ``code``."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one clear line and exit code 2.

    One line, hint included: scripts and logs keep stderr's last line as the reason (issue #21)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, _("{prog}: error: {message}").format(prog=self.prog, message=message) + " "
                  + _("Try '{prog} --help'.").format(prog=self.prog) + "\n")


def open_context(args: argparse.Namespace):
    """Open the store named by --data-dir/--db (env vars and defaults otherwise)."""
    from app.context import AppContext

    data_dir = Path(args.data_dir) if getattr(args, "data_dir", None) else None
    return AppContext.open(data_dir, getattr(args, "db", None))


def read_password(args: argparse.Namespace) -> str:
    if getattr(args, "password_stdin", False):
        value = sys.stdin.readline().rstrip("\r\n")
        if not value:
            raise CliError(_("No password on standard input."), 2)
        return value
    if sys.stdin is None or not sys.stdin.isatty():
        # getpass would fall back to echoing on stdin (or wait on /dev/tty) and end in an obscure error.
        raise CliError(_("No terminal to type the password on: pipe it in with --password-stdin."), 2)
    import getpass

    first = getpass.getpass(_("Password: "))
    second = getpass.getpass(_("Repeat password: "))
    if first != second:
        raise CliError(_("The passwords do not match."))
    return first

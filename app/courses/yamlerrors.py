"""The errors of course-file parsing, shared by the pure-Python and the libyaml parsers."""

from __future__ import annotations

from typing import Any

from app.i18n import _

MAX_DEPTH = 64


class TextError(Exception):
    """A file that cannot be read as course text; ``line``/``col`` are 1-based or None."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


def _alias_error(anchor: Any, line: int, col: int) -> TextError:
    return TextError(_("YAML aliases (*{name}) are not allowed in course files; write the value out").format(
        name=anchor), line + 1, col + 1)


def _depth_error(line: int | None, col: int | None) -> TextError:
    return TextError(_("the YAML is nested too deeply (over {n} levels)").format(n=MAX_DEPTH), line, col)

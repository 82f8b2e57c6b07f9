"""Problems found in course files, reported like a compiler does."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from app.i18n import _, ngettext

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One finding: where (``file``, 1-based ``line``/``col``, or None) and what.

    ``pointer`` is the machine-usable location for click-to-jump in the editor:
    the file path relative to the course folder plus ``#`` and a dotted key path
    (list items by 0-based index), e.g. ``modules/safety/quiz/quiz.yaml#questions.2.answer``.
    """

    file: str
    line: int | None
    col: int | None
    severity: Severity
    message: str
    pointer: str = field(default="", compare=False)

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


def format_problem(p: Problem) -> str:
    """``file:line:col: error: message`` (line/col omitted when unknown)."""
    where = p.file
    if p.line is not None:
        where += f":{p.line}"
        if p.col is not None:
            where += f":{p.col}"
    label = _("error") if p.severity == "error" else _("warning")
    return f"{where}: {label}: {p.message}"


def count(problems: Iterable[Problem]) -> tuple[int, int]:
    """(errors, warnings)."""
    errors = warnings = 0
    for p in problems:
        if p.is_error:
            errors += 1
        else:
            warnings += 1
    return errors, warnings


def summary(problems: Iterable[Problem]) -> str:
    errors, warnings = count(problems)
    return "{errors}, {warnings}".format(
        errors=ngettext("{n} error", "{n} errors", errors).format(n=errors),
        warnings=ngettext("{n} warning", "{n} warnings", warnings).format(n=warnings),
    )


def has_errors(problems: Iterable[Problem]) -> bool:
    return any(p.is_error for p in problems)


class CourseError(Exception):
    """A course could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem], message: str | None = None) -> None:
        self.problems = problems
        if message is None:
            errors = [p for p in problems if p.is_error] or problems
            lines = [format_problem(p) for p in errors[:5]]
            if len(errors) > 5:
                lines.append(_("… and {n} more").format(n=len(errors) - 5))
            message = "\n".join(lines) or _("the course could not be loaded")
        super().__init__(message)

"""Validator problems in the editor's words: "Question 2: tick a correct option", not "missing “answer”".

``zhizao validate`` speaks YAML (file:line, key names), which is right for files and wrong for
the form an instructor fills in. :func:`form_wording` recognises a problem by the field it points
at (``Problem.pointer``) and by which of the validator's own message templates produced it
(matched in the current language, since both sides translate the same msgid), and says it in
form words; the file:line and the original message stay available as the detail. Problems it
does not recognise keep their message. Qt-free, so the table is tested without a display.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from app.courses.errors import Problem
from app.i18n import N_, _

# The validator's templates (app/courses/reporter.py, app/courses/checks.py): the same msgids.
TEMPLATES = {
    "no_text": N_("no text in any language (give it in {locales})"),
    "missing_translation": N_("missing {locale} translation"),
    "missing_field": N_("missing required field “{field}”"),
    "too_short": N_("needs at least {limit} item(s)"),
    "empty": N_("must not be empty"),
}

# Field names as the forms label them (the key in the YAML → the form's label).
FIELD_LABELS = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "prompt": N_("Question"),
    "text": N_("Text"),
    "explanation": N_("Explanation"),
    "instructions": N_("Instructions"),
    "task": N_("Task"),
    "hint": N_("Hint"),
    "pass_mark": N_("Pass mark"),
    "estimated_hours": N_("Estimated hours"),
    "id": N_("Id"),
    "version": N_("Version"),
}


def _kind(message: str) -> tuple[str, dict[str, str]] | None:
    """Which template produced ``message`` (in the current language), with its placeholders' values."""
    for kind, msgid in TEMPLATES.items():
        template = _(msgid)
        pattern = re.escape(template)
        pattern = re.sub(r"\\\{(\w+)\\\}", lambda mo: f"(?P<{mo.group(1)}>.*?)", pattern)
        match = re.fullmatch(pattern, message)
        if match:
            return kind, match.groupdict()
    return None


def _path(pointer: str) -> list[str]:
    return pointer.split("#", 1)[1].split(".") if "#" in pointer and pointer.split("#", 1)[1] else []


def _n(text: str) -> int:
    return int(text) + 1  # the forms count from 1


def _field(key: str) -> str:
    label = FIELD_LABELS.get(key)
    return _(label) if label else key


def _question(path: list[str], kind: str, info: dict[str, str], rel: str) -> str | None:
    """Problems inside quiz questions: "Question 2: …"."""
    if len(path) < 2 or not path[1].isdigit():
        return None
    q = _n(path[1])
    rest = path[2:]
    if rest == ["answer"] or (kind == "missing_field" and info.get("field") == "answer"):
        return _("Question {n}: tick a correct option.").format(n=q)
    if rest == ["options"] and kind == "too_short":
        return _("Question {n}: add at least {limit} options.").format(n=q, limit=info.get("limit", "2"))
    if len(rest) >= 3 and rest[0] == "options" and rest[1].isdigit() and rest[2] == "text":
        return _words(_("Question {n}, option {m}").format(n=q, m=_n(rest[1])), kind, info)
    if rest and rest[0] in ("prompt", "explanation"):
        return _words(_("Question {n}: {field}").format(n=q, field=_field(rest[0])), kind, info)
    return None


def _words(where: str, kind: str, info: dict[str, str]) -> str | None:
    """A localized text field's problem, named by where it is in the form."""
    if kind == "no_text":
        return _("{field}: write it in English, Chinese or both.").format(field=where)
    if kind == "missing_translation":
        language = {"en": _("English"), "zh_CN": _("Chinese")}.get(info.get("locale", ""), info.get("locale", ""))
        return _("{field}: the {language} text is missing.").format(field=where, language=language)
    if kind == "empty":
        return _("{field}: must not be empty.").format(field=where)
    return None


RULES: list[Callable[[list[str], str, dict[str, str], str], str | None]] = []


def _rule(fn):
    RULES.append(fn)
    return fn


@_rule
def _course_modules(path, kind, info, rel):
    if rel == "course.yaml" and path == ["modules"] and kind == "too_short":
        return _("The course has no module yet: add one with “Add module” under the tree.")
    return None


@_rule
def _module_steps(path, kind, info, rel):
    if rel.endswith("module.yaml") and path == ["steps"] and kind == "too_short":
        return _("This module has no step yet: add one with “Add step” under the tree.")
    return None


@_rule
def _quiz_questions(path, kind, info, rel):
    if path == ["questions"] and kind == "too_short":
        return _("The quiz has no question yet: add one with “Add question”.")
    if path and path[0] == "questions":
        return _question(path, kind, info, rel)
    return None


@_rule
def _checklist(path, kind, info, rel):
    if path == ["checklist"] and kind == "too_short":
        return _("The checklist is empty: add the items the instructor ticks.")
    if len(path) >= 3 and path[0] == "checklist" and path[1].isdigit() and path[2] == "text":
        return _words(_("Checklist item {n}").format(n=_n(path[1])), kind, info)
    return None


@_rule
def _certificate_title(path, kind, info, rel):
    if path[:2] == ["certificate", "title"]:
        return _words(_("Certificate title"), kind, info)
    return None


@_rule
def _plain_field(path, kind, info, rel):
    if len(path) == 1 and path[0] in FIELD_LABELS:
        words = _words(_field(path[0]), kind, info)
        if words is not None:
            return words
        if kind == "missing_field":
            return _("{field}: fill it in.").format(field=_field(path[0]))
    return None


def form_wording(problem: Problem) -> str | None:
    """The problem in the form's words, or None when it has no better words than its message."""
    found = _kind(problem.message)
    kind, info = found if found is not None else ("", {})
    rel = problem.pointer.split("#", 1)[0] if problem.pointer else problem.file
    path = _path(problem.pointer)
    if kind == "missing_field" and info.get("field") and (not path or path[-1] != info["field"]):
        path = [*path, info["field"]]  # the key that is missing is where the form field is
    for rule in RULES:
        words = rule(path, kind, info, rel)
        if words:
            return words
    return None

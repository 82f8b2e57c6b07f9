"""Rules the models alone cannot express: unique ids, answers that refer to options,
complete translations, images that exist, Markdown that renders."""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Iterable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, TypeAdapter

from app.courses import models as m
from app.courses.links import classify_link
from app.courses.render import EXTERNAL_SCHEMES, IMAGE_SUFFIXES, link_scheme, markdown_refs, resolve_local
from app.courses.reporter import KeyPath, Reporter
from app.courses.svg_safe import safe_svg_file
from app.i18n import _

# --- ids ----------------------------------------------------------------------------------------


def unique_ids(rep: Reporter, rel: str, items: Iterable[Any], base: KeyPath, what: str) -> set[str]:
    """Report repeated ``id``s among ``items`` (at ``base.<index>.id``); returns the ids."""
    seen: set[str] = set()
    for i, item in enumerate(items):
        ident = getattr(item, "id", None)
        if ident is None:
            continue
        if ident in seen:
            rep.error(rel, [*base, i, "id"], _("duplicate {what} id “{id}”").format(what=what, id=ident))
        seen.add(ident)
    return seen


# --- translations -------------------------------------------------------------------------------


def _is_localized(hint: Any) -> bool:
    return hint is m.LocalizedText or hint == m.LocalizedText


@cache
def _localized_fields(cls: type[BaseModel]) -> dict[str, str]:
    """Field name → "one" (LocalizedText, maybe optional) or "list" (list of LocalizedText)."""
    found: dict[str, str] = {}
    hints = typing.get_type_hints(cls, include_extras=True)
    for name in cls.model_fields:
        hint = hints.get(name)
        origin = typing.get_origin(hint)
        if _is_localized(hint):
            found[name] = "one"
        elif origin in (typing.Union, types.UnionType) and any(_is_localized(a) for a in typing.get_args(hint)):
            found[name] = "one"
        elif origin is list and typing.get_args(hint) and _is_localized(typing.get_args(hint)[0]):
            found[name] = "list"
    return found


def iter_localized(model: BaseModel, base: KeyPath = ()) -> Iterator[tuple[list[str | int], dict[str, str]]]:
    """Every LocalizedText in ``model`` (recursively) with its key path."""
    fields = _localized_fields(type(model))
    for name in type(model).model_fields:
        value = getattr(model, name)
        kind = fields.get(name)
        if kind == "one" and isinstance(value, dict):
            yield [*base, name], value
        elif kind == "list" and isinstance(value, list):
            for i, item in enumerate(value):
                yield [*base, name, i], item
        elif isinstance(value, BaseModel):
            yield from iter_localized(value, [*base, name])
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from iter_localized(item, [*base, name, i])


def check_locales(rep: Reporter, rel: str, path: KeyPath, values: dict[str, Any],
                  locales: Sequence[str] = m.COURSE_LOCALES) -> None:
    """Missing one locale is a warning; missing every locale an error."""

    def present(v: Any) -> bool:
        if isinstance(v, str):
            return bool(v.strip())
        if isinstance(v, list):
            return any(isinstance(x, str) and x.strip() for x in v)
        return v is not None

    if not any(present(v) for v in values.values()):
        rep.error(rel, path, _("no text in any language (give it in {locales})").format(locales=", ".join(locales)))
        return
    for loc in locales:
        if not present(values.get(loc)):
            rep.warning(rel, path, _("missing {locale} translation").format(locale=loc))
    for loc in values:
        if loc not in locales:
            rep.warning(rel, [*path, loc], _("unknown locale “{locale}” (course locales: {locales})").format(
                locale=loc, locales=", ".join(locales)), key=True)


def check_all_locales(rep: Reporter, rel: str, model: BaseModel, base: KeyPath = ()) -> None:
    for path, text in iter_localized(model, base):
        check_locales(rep, rel, path, text)


# --- Markdown -------------------------------------------------------------------------------------


def check_markdown(rep: Reporter, rel: str, path: KeyPath, text: str, base_dir: Path, root_dir: Path) -> None:
    """Parse ``text`` as the lesson view does and check its images and links.

    The HTML itself is made when the text is first shown (the views catch a failure
    there); parsing is where the Markdown is understood, and doing it once here
    instead of also rendering halves the cost of loading a library. For a Markdown
    file (``path`` empty) positions are exact; for Markdown inside a YAML value,
    problems point at the value.
    """

    def report(severity: str, line: int, col: int, message: str) -> None:
        if not path:
            rep.add(severity, rel, path, message, line=line, col=col)  # type: ignore[arg-type]
        else:
            rep.add(severity, rel, path, message)  # type: ignore[arg-type]

    try:
        refs = markdown_refs(text)
    except Exception as exc:  # noqa: BLE001 - markdown-it is robust, but a lesson must never crash the app
        rep.error(rel, path, _("the Markdown could not be rendered: {reason}").format(reason=exc))
        return
    for ref in refs:
        scheme = link_scheme(ref.target)
        if ref.kind == "image":
            if scheme is not None:
                report("error", ref.line, ref.col, _(
                    "image “{src}” must be a file in the course folder, not a URL").format(src=ref.target))
                continue
            local = resolve_local(ref.target, base_dir, root_dir)
            if local is None:
                report("error", ref.line, ref.col, _(
                    "image “{src}” is outside the course folder").format(src=ref.target))
            elif not local.is_file():
                report("error", ref.line, ref.col, _("image not found: “{src}”").format(src=ref.target))
            elif local.suffix.lower() not in IMAGE_SUFFIXES:
                report("warning", ref.line, ref.col, _(
                    "image “{src}” is not SVG, PNG, JPEG or GIF and may not display").format(src=ref.target))
            elif local.suffix.lower() == ".svg" and safe_svg_file(local, root_dir) is None:
                report("warning", ref.line, ref.col, _(
                    "image “{src}” is not shown: it is not a well-formed SVG file without DTD or entities").format(
                    src=ref.target))
        else:
            if scheme in EXTERNAL_SCHEMES or (scheme is None and ref.target.startswith("#")):
                continue
            if scheme is not None:
                report("warning", ref.line, ref.col, _(
                    "link “{href}” will not be clickable: only http, https and mailto links are allowed").format(
                    href=ref.target))
                continue
            local = resolve_local(ref.target, base_dir, root_dir)
            if local is None or not local.is_file():
                report("warning", ref.line, ref.col, _(
                    "link target “{href}” is not a file in the course folder").format(href=ref.target))
                continue
            link = classify_link(root_dir, local.as_uri())
            if not link.allowed:
                report("warning", ref.line, ref.col, _("link “{href}” will not open for trainees: {reason}").format(
                    href=ref.target, reason=link.reason))


# --- quiz -----------------------------------------------------------------------------------------


def check_quiz(rep: Reporter, rel: str, quiz: m.Quiz) -> None:
    unique_ids(rep, rel, quiz.questions, ["questions"], _("question"))
    if quiz.draw is not None and quiz.draw > len(quiz.questions):
        rep.error(rel, ["draw"], _("draw is {draw} but the bank has only {n} question(s)").format(
            draw=quiz.draw, n=len(quiz.questions)))
    for i, q in enumerate(quiz.questions):
        check_question(rep, rel, i, q)
    check_all_locales(rep, rel, quiz)


def check_question(rep: Reporter, rel: str, i: int, q: m.Question) -> None:
    """Answers that refer to options, unique option ids, blanks (not translations)."""
    base: list[str | int] = ["questions", i]
    if isinstance(q, m.SingleQuestion | m.MultipleQuestion | m.OrderingQuestion):
        ids = unique_ids(rep, rel, q.options, [*base, "options"], _("option"))
        listed = ", ".join(o.id for o in q.options)
        answers = [q.answer] if isinstance(q, m.SingleQuestion) else q.answer
        for j, ans in enumerate(answers):
            where = [*base, "answer"] if isinstance(q, m.SingleQuestion) else [*base, "answer", j]
            if ans not in ids:
                rep.error(rel, where, _("answer “{answer}” is not one of the options ({ids})").format(
                    answer=ans, ids=listed))
        if not isinstance(q, m.SingleQuestion) and len(set(answers)) != len(answers):
            rep.error(rel, [*base, "answer"], _("the answer lists an option more than once"))
        if isinstance(q, m.OrderingQuestion):
            missing = [o.id for o in q.options if o.id not in answers]
            if missing:
                rep.error(rel, [*base, "answer"], _(
                    "an ordering answer must list every option; missing: {ids}").format(ids=", ".join(missing)))
        if isinstance(q, m.MultipleQuestion) and set(answers) >= ids and len(ids) > 1:
            rep.warning(rel, [*base, "answer"], _("every option is correct; consider adding a distractor"))
    elif isinstance(q, m.MatchingQuestion):
        unique_ids(rep, rel, q.pairs, [*base, "pairs"], _("pair"))
    elif isinstance(q, m.NumericQuestion):
        if not math.isfinite(q.answer):
            rep.error(rel, [*base, "answer"], _("the answer must be a finite number"))
        if not math.isfinite(q.tolerance):
            rep.error(rel, [*base, "tolerance"], _("the tolerance must be a finite number"))
    elif isinstance(q, m.FillBlankQuestion):
        for loc, text in q.prompt.items():
            blanks = text.count(m.BLANK)
            if blanks != 1:
                rep.error(rel, [*base, "prompt", loc], _(
                    "a fill_blank prompt needs exactly one “___” (found {n})").format(n=blanks))
        check_locales(rep, rel, [*base, "accepted"], dict(q.accepted))
        for loc, answers_ in q.accepted.items():
            for j, ans in enumerate(answers_):
                if not ans.strip():
                    rep.error(rel, [*base, "accepted", loc, j], _("an accepted answer must not be empty"))


_QUESTION = TypeAdapter(m.Question)


def check_questions_of_invalid_quiz(rep: Reporter, rel: str, raw: Any) -> None:
    """When quiz.yaml as a whole is invalid, still check each question that is valid on its own."""
    questions = raw.get("questions") if isinstance(raw, dict) else None
    if not isinstance(questions, list):
        return
    for i, item in enumerate(questions):
        try:
            q = _QUESTION.validate_python(item)
        except (ValueError, TypeError):
            continue  # its schema errors are reported already
        check_question(rep, rel, i, q)


# --- lab (structure only; the simulator checks are in labcheck) -----------------------------------


def fmt_number(value: float | None) -> str:
    """3.0 → "3", 0.5 → "0.5" (numbers in messages as an author wrote them)."""
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else str(value)


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def check_control(rep: Reporter, rel: str, i: int, c: m.Control) -> None:
    base: list[str | int] = ["controls", i]
    if isinstance(c.default, dict) and c.type != "program":
        rep.error(rel, [*base, "default"], _("only a program control can give its default per language"))
        return
    if c.type in ("int", "float"):
        for bound in ("min", "max"):
            value = getattr(c, bound)
            if value is None:
                rep.error(rel, [*base, bound], _("a {type} control needs “{field}”").format(type=c.type, field=bound))
            elif not math.isfinite(value) or (c.type == "int" and value != int(value)):
                rep.error(rel, [*base, bound], _("“{field}” must be a finite {type} value").format(
                    field=bound, type=c.type))
        if c.min is not None and c.max is not None and c.min > c.max:
            rep.error(rel, [*base, "max"], _("max ({max}) is below min ({min})").format(
                max=fmt_number(c.max), min=fmt_number(c.min)))
        if c.default is None:
            rep.error(rel, [*base, "default"], _("the control needs a default value"))
        elif not _num(c.default) or (c.type == "int" and not isinstance(c.default, int)):
            rep.error(rel, [*base, "default"], _("the default must be a number of type {type}").format(type=c.type))
        elif (c.min is not None and c.default < c.min) or (c.max is not None and c.default > c.max):
            rep.error(rel, [*base, "default"], _("the default {value} is outside {min}..{max}").format(
                value=fmt_number(c.default), min=fmt_number(c.min), max=fmt_number(c.max)))
        if c.type == "int" and c.step is not None and c.step != int(c.step):
            rep.error(rel, [*base, "step"], _("an int control needs a whole-number step"))
        if c.choices:
            rep.warning(rel, [*base, "choices"], _("choices are ignored for a {type} control").format(type=c.type))
    elif c.type == "choice":
        if not c.choices:
            rep.error(rel, [*base, "choices"], _("a choice control needs a list of choices"))
        else:
            values = [ch.value for ch in c.choices]
            for j, v in enumerate(values):
                if values.index(v) != j:
                    rep.error(rel, [*base, "choices", j, "value"], _("duplicate choice value “{value}”").format(
                        value=v))
            if c.default is None:
                rep.error(rel, [*base, "default"], _("the control needs a default value"))
            elif c.default not in values:
                rep.error(rel, [*base, "default"], _("the default “{value}” is not one of the choices").format(
                    value=c.default))
    elif c.type == "program":
        check_program_default(rep, rel, base, c)
    elif c.type == "pendant" and c.default is not None:
        rep.error(rel, [*base, "default"], _("a pendant control starts from an empty log: leave out “default”"))


def program_code(text: str) -> list[str]:
    """A program's lines without ``#`` comments, blank lines or spacing: what it does, in any language."""
    code = (" ".join(line.split("#", 1)[0].split()) for line in text.splitlines())
    return [line for line in code if line]


def check_program_default(rep: Reporter, rel: str, base: KeyPath, c: m.Control) -> None:
    """A starting program, or one per language that differ only in their comments (grading uses English)."""
    if isinstance(c.default, str):
        return
    if not isinstance(c.default, dict):
        rep.error(rel, [*base, "default"], _("a program control needs the starting program text as default"))
        return
    english = c.default.get("en")
    if not english:
        rep.error(rel, [*base, "default"], _(
            "a per-language program needs the English one (“en”): grading and the examples use it"))
        return
    for locale, text in c.default.items():
        if locale != "en" and text and program_code(text) != program_code(english):
            rep.error(rel, [*base, "default", locale], _(
                "the {locale} program must be the English one with other comments: line {line} differs").format(
                locale=locale, line=_first_difference(text, english)))


def _first_difference(text: str, english: str) -> int:
    """The line of ``text`` holding its first code that differs from ``english`` (1-based)."""
    others = program_code(english)
    n = 0
    for number, line in enumerate(text.splitlines(), start=1):
        code = " ".join(line.split("#", 1)[0].split())
        if not code:
            continue
        if n >= len(others) or others[n] != code:
            return number
        n += 1
    return len(text.splitlines()) + 1


def check_objective(rep: Reporter, rel: str, i: int, obj: m.Objective, replications: int) -> None:
    base: list[str | int] = ["objectives", i]
    if not math.isfinite(obj.target):
        rep.error(rel, [*base, "target"], _("the target must be a finite number"))
    if obj.op == "between":
        if obj.target_max is None:
            rep.error(rel, [*base, "op"], _("op: between needs “target_max”, the upper end of the band"))
        elif not math.isfinite(obj.target_max):
            rep.error(rel, [*base, "target_max"], _("the target must be a finite number"))
        elif obj.target_max < obj.target:
            rep.error(rel, [*base, "target_max"], _("target_max ({high}) is below target ({low})").format(
                high=fmt_number(obj.target_max), low=fmt_number(obj.target)))
    elif obj.target_max is not None:
        rep.error(rel, [*base, "target_max"], _("target_max is only used with op: between"), key=True)
    if obj.stat != "mean" and replications < 2:
        rep.error(rel, [*base, "stat"], _(
            "a confidence bound needs several replications: set grading_replications to 2 or more"))


def check_lab(rep: Reporter, rel: str, lab: m.Lab, step_dir: Path, root: Path) -> None:
    if lab.scenario is None and lab.scenario_file is None:
        rep.error(rel, [], _("the lab needs “scenario” (a name or a mapping) or “scenario_file”"))
    elif lab.scenario is not None and lab.scenario_file is not None:
        rep.error(rel, ["scenario_file"], _("give either “scenario” or “scenario_file”, not both"), key=True)
    elif lab.scenario_file is not None:
        local = resolve_local(lab.scenario_file, step_dir, step_dir)
        if local is None:
            rep.error(rel, ["scenario_file"], _("scenario_file must be a file in the step folder"))
        elif not local.is_file():
            rep.error(rel, ["scenario_file"], _("scenario file not found: “{file}”").format(file=lab.scenario_file))
    unique_ids(rep, rel, lab.controls, ["controls"], _("control"))
    for i, c in enumerate(lab.controls):
        check_control(rep, rel, i, c)
    if lab.scoring == "all" and lab.pass_score != 1.0:
        rep.warning(rel, ["pass_score"], _("pass_score is only used with scoring: weighted"))
    for i, obj in enumerate(lab.objectives):
        check_objective(rep, rel, i, obj, lab.grading_replications)
    check_all_locales(rep, rel, lab)
    for loc, text in lab.task.items():
        check_markdown(rep, rel, ["task", loc], text, step_dir, root)


# --- practical ------------------------------------------------------------------------------------


def check_practical(rep: Reporter, rel: str, practical: m.Practical, step_dir: Path, root: Path) -> None:
    unique_ids(rep, rel, practical.checklist, ["checklist"], _("checklist item"))
    check_all_locales(rep, rel, practical)
    for loc, text in practical.instructions.items():
        check_markdown(rep, rel, ["instructions", loc], text, step_dir, root)

"""Collects problems for one course folder and turns pydantic errors into readable ones."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from app.courses import models as m
from app.courses.errors import Problem, Severity
from app.courses.yamlio import TextError, decode_text, locate_in, parse_positions, parse_yaml, read_text
from app.i18n import _

M = TypeVar("M", bound=BaseModel)
KeyPath = Sequence[str | int]

_PATTERN_MESSAGES = {
    m.SLUG_PATTERN: lambda v: _(
        "“{value}” is not a valid id: use lowercase letters, digits and hyphens "
        "(up to 64, starting with a letter or digit)").format(value=v),
    m.SEMVER_PATTERN: lambda v: _("“{value}” is not a semantic version such as 1.0.0").format(value=v),
    m.LOCALE_PATTERN: lambda v: _("“{value}” is not a locale code such as en or zh_CN").format(value=v),
    m.STEP_REF_PATTERN: lambda v: _("“{value}” is not a module id or a module/step id").format(value=v),
}


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _pydantic_message(err: dict[str, Any], field: str) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "missing":
        return _("missing required field “{field}”").format(field=field)
    if kind == "extra_forbidden":
        return _("unknown field “{field}”").format(field=field)
    if kind == "literal_error":
        return _("“{value}” is not allowed here; expected {expected}").format(
            value=_short(value), expected=ctx.get("expected", ""))
    if kind == "string_pattern_mismatch":
        make = _PATTERN_MESSAGES.get(ctx.get("pattern", ""))
        if make is not None:
            return make(_short(value))
    if kind == "union_tag_invalid":
        return _("unknown {field} “{tag}”; expected one of: {expected}").format(
            field=str(ctx.get("discriminator", "type")).strip("'"), tag=_short(ctx.get("tag")),
            expected=ctx.get("expected_tags", ""))
    if kind == "union_tag_not_found":
        return _("missing “{field}” (one of: {expected})").format(
            field=str(ctx.get("discriminator", "type")).strip("'"), expected=", ".join(m.QUESTION_TYPES))
    if kind == "value_error":
        return str(ctx.get("error", err.get("msg", "")))
    simple = {
        "string_type": _("must be text"),
        "int_type": _("must be a whole number"),
        "int_from_float": _("must be a whole number"),
        "float_type": _("must be a number"),
        "bool_type": _("must be true or false"),
        "list_type": _("must be a list"),
        "dict_type": _("must be a mapping (key: value)"),
        "model_type": _("must be a mapping (key: value)"),
        "model_attributes_type": _("must be a mapping (key: value)"),
        "finite_number": _("must be a finite number"),
        "string_too_short": _("must not be empty"),
    }
    if kind == "string_type" and isinstance(value, int | float | bool):
        return _("must be text (found {value}); write it in quotes").format(value=_short(value))
    if kind == "string_too_short":
        return simple[kind]
    if kind in simple:
        return _("{problem} (found {value})").format(problem=simple[kind], value=_short(value))
    bounds = {
        "greater_than_equal": (_("must be at least {limit}"), "ge"),
        "greater_than": (_("must be greater than {limit}"), "gt"),
        "less_than_equal": (_("must be at most {limit}"), "le"),
        "less_than": (_("must be less than {limit}"), "lt"),
        "too_short": (_("needs at least {limit} item(s)"), "min_length"),
        "too_long": (_("allows at most {limit} item(s)"), "max_length"),
    }
    if kind in bounds:
        template, key = bounds[kind]
        return template.format(limit=ctx.get(key, "?"))
    return str(err.get("msg", kind))


def clean_loc(loc: Sequence[str | int], data: Any) -> tuple[list[str | int], bool]:
    """Map a pydantic error location onto the document: drop union tags and type labels.

    Returns (key path, points at a key rather than a value).
    """
    path: list[str | int] = []
    node = data
    at_key = False
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if part == "[key]":
            at_key = True
            continue
        if isinstance(node, dict) and part in node:
            path.append(part)
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            path.append(part)
            node = node[part]
        elif isinstance(node, dict) and last:
            path.append(part)  # a missing key: keep its name
    return path, at_key


class Reporter:
    """Problems for files under one course folder, located by key path."""

    def __init__(self, root: Path, display_root: str | None = None, texts: dict[str, bytes] | None = None) -> None:
        self.root = root
        self.display_root = display_root if display_root is not None else str(root)
        self._preread = texts if texts is not None else {}
        self.problems: list[Problem] = []
        self._texts: dict[str, str] = {}
        self._docs: dict[str, Any] = {}

    # --- reporting -------------------------------------------------------------------------

    def display(self, rel: str) -> str:
        if not rel:
            return self.display_root
        return os.path.join(self.display_root, *rel.split("/"))

    def add(self, severity: Severity, rel: str, path: KeyPath, message: str, *, key: bool = False,
            line: int | None = None, col: int | None = None) -> None:
        if line is None and rel in self._texts:
            if rel not in self._docs:
                self._docs[rel] = parse_positions(self._texts[rel])
            pos = locate_in(self._docs[rel], path, key=key)
            if pos is not None:
                line, col = pos
        pointer = rel + ("#" + ".".join(str(p) for p in path) if path else "")
        self.problems.append(Problem(self.display(rel), line, col, severity, message, pointer))

    def error(self, rel: str, path: KeyPath, message: str, **kw: Any) -> None:
        self.add("error", rel, path, message, **kw)

    def warning(self, rel: str, path: KeyPath, message: str, **kw: Any) -> None:
        self.add("warning", rel, path, message, **kw)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    # --- reading ---------------------------------------------------------------------------

    def text(self, rel: str) -> str | None:
        """A UTF-8 text file under the root, or None (problem reported)."""
        data = self._preread.pop(rel, None)
        try:
            text = read_text(self.root / rel) if data is None else decode_text(data)
        except TextError as exc:
            self.error(rel, (), exc.message, line=exc.line, col=exc.col)
            return None
        self._texts[rel] = text
        return text

    def yaml(self, rel: str) -> Any:
        """A YAML mapping, or None (problem reported)."""
        text = self.text(rel)
        if text is None:
            return None
        try:
            data = parse_yaml(text)
        except TextError as exc:
            self.error(rel, (), exc.message, line=exc.line, col=exc.col)
            return None
        if not isinstance(data, dict):
            self.error(rel, (), _("the file must be a YAML mapping (key: value lines)"), line=1, col=1)
            return None
        return data

    def model(self, cls: type[M], data: Any, rel: str, base: KeyPath = ()) -> M | None:
        """Validate ``data`` as ``cls``; every error becomes a located problem."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                path, at_key = clean_loc(err["loc"], data)
                field = str(path[-1]) if path else ""
                message = _pydantic_message(err, field)
                at_key = at_key or err["type"] == "extra_forbidden"
                self.error(rel, [*base, *path], message, key=at_key)
            return None
        except (TypeError, ValueError, RecursionError) as exc:  # never let odd input escape as a crash
            self.error(rel, base, _("invalid content: {reason}").format(reason=exc))
            return None

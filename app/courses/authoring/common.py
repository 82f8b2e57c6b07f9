"""Names shared by the authoring modules: the error, ids, versions, per-locale text."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Literal

from app.courses import models as m
from app.courses.semver import Version
from app.i18n import _

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "MISSING"})()
BumpPart = Literal["major", "minor", "patch"]
# Content for new items, in both course locales (course text, not interface text).
STEP_TITLES = {"lesson": ("New lesson", "新课文"), "quiz": ("New quiz", "新测验"),
               "lab": ("New lab", "新仿真实训"), "practical": ("New practical", "新实操考核")}
COPY_SUFFIX = {"en": " (copy)", "zh_CN": "（副本）"}


class AuthoringError(ValueError):
    """An edit that cannot be made; the message says why."""


def check_id(ident: str, taken: Iterable[str] = (), what: str = "") -> str:
    """``ident`` if it is a valid, unused slug; AuthoringError otherwise."""
    if not isinstance(ident, str) or not m.SLUG_RE.match(ident):
        raise AuthoringError(_("“{value}” is not a valid id: use lowercase letters, digits and hyphens "
                               "(up to 64, starting with a letter or digit)").format(value=ident))
    if ident in set(taken):
        raise AuthoringError(_("the id “{id}” is already used here").format(id=ident))
    return ident


def unique_id(base: str, taken: Iterable[str]) -> str:
    taken = set(taken)
    base = re.sub(r"[^a-z0-9-]+", "-", base.lower()).strip("-")[:58] or "item"
    if not m.SLUG_RE.match(base):
        base = "x" + base
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def bump_version(version: str, part: BumpPart) -> str:
    """The next version: ``1.2.3`` → major ``2.0.0``, minor ``1.3.0``, patch ``1.2.4``.

    A pre-release is released by a patch bump (``1.3.0-rc.1`` → ``1.3.0``).
    """
    v = Version(version)
    if part == "major":
        return f"{v.major + 1}.0.0"
    if part == "minor":
        return f"{v.major}.{v.minor + 1}.0"
    if v.pre:
        return f"{v.major}.{v.minor}.{v.patch}"
    return f"{v.major}.{v.minor}.{v.patch + 1}"


def localized(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh_CN": zh}



def value_at(node: Any, path: Iterable[str | int], default: Any = MISSING) -> Any:
    """The value at ``path`` (mapping keys and list indexes) inside a YAML document, or ``default``."""
    for part in path:
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return default
    return node


def dotted(path: Iterable[str | int]) -> str:
    return ".".join(str(p) for p in path)

"""Semantic version precedence (semver.org 2.0), for "newest version wins"."""

from __future__ import annotations

import functools
import re

from app.courses.models import SEMVER_PATTERN

_RE = re.compile(SEMVER_PATTERN)


def is_valid(version: str) -> bool:
    return isinstance(version, str) and _RE.match(version) is not None


@functools.total_ordering
class Version:
    """A parsed version; build metadata is ignored when comparing, as semver says."""

    __slots__ = ("major", "minor", "patch", "pre", "text")

    def __init__(self, text: str) -> None:
        m = _RE.match(text) if isinstance(text, str) else None
        if m is None:
            raise ValueError(f"not a semantic version: {text!r}")
        self.text = text
        self.major, self.minor, self.patch = int(m.group(1)), int(m.group(2)), int(m.group(3))
        self.pre: tuple[str, ...] = tuple(m.group(4).split(".")) if m.group(4) else ()

    def _key(self) -> tuple:
        # A release sorts after its pre-releases; numeric identifiers sort before alphanumeric ones.
        pre = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in self.pre)
        return (self.major, self.minor, self.patch, 0 if self.pre else 1, pre)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Version) and self._key() == other._key()

    def __lt__(self, other: Version) -> bool:
        return self._key() < other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Version({self.text!r})"

    def __str__(self) -> str:
        return self.text


def compare(a: str, b: str) -> int:
    """-1, 0 or 1 as ``a`` is older than, the same as, or newer than ``b``."""
    va, vb = Version(a), Version(b)
    return (va > vb) - (va < vb)

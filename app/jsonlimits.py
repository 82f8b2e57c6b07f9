"""Parse JSON from outside (packages, bundles, certificates, badges) within a size and depth limit.

``json.loads`` recurses once per nesting level: a 100,000-deep ``[[[…]]]`` raises
RecursionError, which callers that expect ``ValueError`` let through as an "unexpected error",
and a document within the recursion limit can still be deep enough to break later code that
recurses over it (canonical JSON, signature checks). ``loads_bounded`` turns both, and an
oversized input, into one ``JsonLimitError`` (a ValueError) whose text names the document.
Qt-free: used by the CLI, the services and the GUI alike.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from app.i18n import _

DEFAULT_MAX_DEPTH = 64  # our documents nest 2-6 deep


class JsonLimitError(ValueError):
    """A JSON document over its size or nesting limit; ``str(e)`` is one translated sentence."""


def depth_exceeds(value: Any, limit: int) -> bool:
    """Whether a decoded JSON value nests deeper than ``limit`` (iterative: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def loads_bounded(text: str | bytes, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH,
                  what: str = "") -> Any:
    """``json.loads(text)``, or JsonLimitError when ``text`` is over ``max_bytes`` (UTF-8) or
    nests deeper than ``max_depth``. Bytes must be UTF-8 (UnicodeDecodeError otherwise); syntax
    errors stay ``json.JSONDecodeError``. ``what`` names the document in the message."""
    size = len(text) if isinstance(text, bytes) else len(text.encode("utf-8", "surrogatepass"))
    name = what or _("the JSON document")
    if size > max_bytes:
        raise _too_large(name, size, max_bytes)
    too_deep = JsonLimitError(_("{what} is nested too deeply (more than {max} levels)").format(
        what=name, max=max_depth))
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    try:
        value = json.loads(text)
    except RecursionError:
        raise too_deep from None
    if depth_exceeds(value, max_depth):
        raise too_deep
    return value


def read_bounded(path: Path, max_bytes: int, max_depth: int = DEFAULT_MAX_DEPTH, what: str = "") -> Any:
    """``loads_bounded`` on a file's bytes, never reading more than ``max_bytes`` + 1 of them.
    OSError when the file cannot be read; ``what`` defaults to the file's name."""
    path = Path(path)
    name = what or path.name
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(name, max(len(data), path.stat().st_size), max_bytes)
    return loads_bounded(data, max_bytes, max_depth, name)


def _too_large(what: str, size: int, max_bytes: int) -> JsonLimitError:
    return JsonLimitError(_("{what} is too large ({size} bytes; at most {max} are allowed)").format(
        what=what, size=f"{size:,}", max=f"{max_bytes:,}"))

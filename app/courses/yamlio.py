"""Reading course text files safely: strict UTF-8, YAML without aliases, positions on demand.

Course YAML means YAML 1.2 (``yes``/``no``/``on`` are text, ``012`` is twelve), as
ruamel.yaml reads it. Parsing uses libyaml through PyYAML's C parser when it is
available (about fifty times faster than the pure-Python parser, which matters for a
library of hundreds of courses) with YAML 1.2 resolution rules, and ruamel's
pure-Python safe loader otherwise; both give the same data for course files.

Aliases (``*name``) are refused outright: course files never need them and they are
the way to build "billion laughs" expansion bombs. Positions (line/column) are only
needed for problems, so they are looked up afterwards with ruamel's round-trip loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import Composer, MaxDepthExceededError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent

from app.courses.yamlerrors import MAX_DEPTH, TextError, _alias_error, _depth_error
from app.i18n import _

MAX_YAML_BYTES = 5 * 1024 * 1024


class _NoAliasComposer(Composer):
    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.get_event()
            raise _alias_error(event.anchor, event.start_mark.line, event.start_mark.column)
        return super().compose_node(parent, index)


def _yaml(typ: str) -> YAML:
    y = YAML(typ=typ, pure=True)
    y.Composer = _NoAliasComposer
    y.max_depth = MAX_DEPTH
    y.allow_duplicate_keys = False
    return y


def decode_text(data: bytes) -> str:
    """Strict UTF-8 (a leading BOM is dropped); TextError points at the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1  # in characters
        raise TextError(_("invalid UTF-8 (byte 0x{byte:02x}); save the file as UTF-8").format(
            byte=data[exc.start]), line, col) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\x00" in text:
        idx = text.index("\x00")
        line = text.count("\n", 0, idx) + 1
        raise TextError(_("the file contains a NUL character (binary data?)"), line, None)
    return text


def read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TextError(_("cannot read the file: {reason}").format(reason=exc.strerror or exc)) from None
    return decode_text(data)


def _marked_message(exc: MarkedYAMLError) -> str:
    parts = [str(p).strip() for p in (exc.context, exc.problem) if p]
    text = "; ".join(parts) or type(exc).__name__
    # ruamel appends long advice paragraphs to some messages; the first line says it.
    return text.splitlines()[0]


def parse_yaml(text: str) -> Any:
    """Parse one YAML 1.2 document; TextError (with position where known) on any failure."""
    if len(text) > MAX_YAML_BYTES:
        raise TextError(_("the YAML file is too large (over {mb} MB)").format(mb=MAX_YAML_BYTES // 2**20))
    if _fast is not None:
        try:
            return _fast.parse(text)
        except TextError:
            _refuse_deep(text)  # libyaml is quick on deep text but words its own 1,000-level limit
            raise
    return parse_yaml_pure(text)


def _refuse_deep(text: str) -> None:
    """The depth error, from a linear scan: ruamel's scanner spends seconds on a deep flow collection
    before its own limit is checked."""
    from simulators.validation import yaml_nesting_exceeds  # not at import: the package loads its models

    deep = yaml_nesting_exceeds(text)
    if deep is not None:
        raise _depth_error(*deep)


def parse_yaml_pure(text: str) -> Any:
    """``parse_yaml`` with ruamel's pure-Python loader (the reference the fast path must match)."""
    _refuse_deep(text)
    try:
        return _yaml("safe").load(text)
    except TextError:
        raise
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if isinstance(exc, MaxDepthExceededError):
            raise _depth_error(mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        raise TextError(_("invalid YAML: {reason}").format(reason=_marked_message(exc)), line, col) from None
    except (YAMLError, ValueError, TypeError, RecursionError, OverflowError) as exc:
        raise TextError(_("invalid YAML: {reason}").format(reason=str(exc).splitlines()[0] if str(exc) else
                                                            type(exc).__name__)) from None


try:
    from app.courses import _fastyaml as _fast
except ImportError:  # PyYAML or its libyaml binding is missing: the pure-Python path still works
    _fast = None  # type: ignore[assignment]


def parse_positions(text: str) -> Any:
    """The round-trip document (with ``.lc`` positions), or None if it does not parse."""
    try:
        _refuse_deep(text)
        return _yaml("rt").load(text)
    except Exception:  # noqa: BLE001 - ruamel raises many types; the safe parse already reported why
        return None


def locate_in(doc: Any, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int] | None:
    """1-based (line, col) of the value at ``path`` in a round-trip document (of its key if ``key``).

    Walks as deep as the document goes, so a missing key reports its parent.
    """
    if doc is None:
        return None
    node = doc
    lc = getattr(node, "lc", None)
    pos: tuple[int, int] = (lc.line, lc.col) if lc is not None and lc.line is not None else (0, 0)
    for i, part in enumerate(path):
        last = i == len(path) - 1
        try:
            if isinstance(node, dict) and part in node:
                pos = node.lc.key(part) if (last and key) else node.lc.value(part)
                node = node[part]
            elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
                pos = node.lc.item(part)
                node = node[part]
            else:
                break
        except (AttributeError, KeyError, IndexError, TypeError):
            break
    return pos[0] + 1, pos[1] + 1


def locate(text: str, path: Sequence[str | int], *, key: bool = False) -> tuple[int, int] | None:
    """``locate_in`` on freshly parsed text."""
    return locate_in(parse_positions(text), path, key=key)

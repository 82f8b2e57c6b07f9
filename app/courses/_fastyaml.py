"""YAML 1.2 course files through libyaml (PyYAML's C parser), matching ruamel's safe loader.

Import fails (ImportError) when PyYAML has no libyaml binding; ``yamlio`` then uses
ruamel's pure-Python loader.

``parse`` builds the data straight from libyaml's events in one pass (no node graph,
no second parse): about twice as fast as PyYAML's own CSafeLoader on course files.
It handles what course files contain (untagged mappings, sequences and scalars of
type str, int, float, bool or null). Anything else (an alias, a tag, a merge key, a
duplicate or non-scalar key, a date, nesting over ``MAX_DEPTH``, a syntax error,
several documents) hands the text to ``parse_checked``: there the events are scanned
first (in C, iteratively) so that aliases and excessive nesting are refused before
anything is composed, and every error gets its message and position.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import BaseResolver

from app.courses.yamlerrors import MAX_DEPTH, TextError, _alias_error, _depth_error
from app.i18n import _

if not getattr(yaml, "__with_libyaml__", False):
    raise ImportError("PyYAML was built without libyaml")

from yaml._yaml import CParser


class _Resolver12(BaseResolver):
    """The implicit types of ruamel's YAML 1.2 resolver (``yes`` is text, ``012`` is twelve)."""


_Resolver12.yaml_implicit_resolvers = {}
for _tag, _regexp, _first in (
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:float", r"""^(?:
         [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""", "-+0123456789."),
    ("tag:yaml.org,2002:int", r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0o?[0-7_]+
        |[-+]?[0-9_]+
        |[-+]?0x[0-9a-fA-F_]+)$""", "-+0123456789"),
    ("tag:yaml.org,2002:merge", r"^(?:<<)$", "<"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:timestamp", r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
        |[0-9][0-9][0-9][0-9]-[0-9][0-9]?-[0-9][0-9]?
        (?:[Tt]|[ \t]+)[0-9][0-9]?
        :[0-9][0-9]:[0-9][0-9](?:\.[0-9]*)?
        (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""", "0123456789"),
):
    _Resolver12.add_implicit_resolver(_tag, re.compile(_regexp, re.X), list(_first))


class _Constructor12(SafeConstructor):
    """SafeConstructor with YAML 1.2 numbers and booleans, and duplicate keys refused."""

    def construct_yaml_int(self, node: Any) -> int:
        value = str(self.construct_scalar(node)).replace("_", "")
        sign = -1 if value.startswith("-") else 1
        value = value.lstrip("+-")
        for prefix, base in (("0b", 2), ("0x", 16), ("0o", 8)):
            if value.startswith(prefix):
                return sign * int(value[2:], base)
        return sign * int(value)

    def construct_yaml_bool(self, node: Any) -> bool:
        # Only true/false resolve implicitly; an explicit !!bool also takes the YAML 1.1 words.
        return str(self.construct_scalar(node)).lower() in ("true", "yes", "on", "y")

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                duplicate = key in seen
                seen.add(key)
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found unhashable key", key_node.start_mark) from None
            if duplicate:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       f'found duplicate key "{key}"', key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


_Constructor12.add_constructor("tag:yaml.org,2002:int", _Constructor12.construct_yaml_int)
_Constructor12.add_constructor("tag:yaml.org,2002:bool", _Constructor12.construct_yaml_bool)


class _Loader(CParser, _Constructor12, _Resolver12):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        _Constructor12.__init__(self)
        _Resolver12.__init__(self)


class _EventScanner(CParser, _Resolver12):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        CParser.__init__(self, stream)
        _Resolver12.__init__(self)


def _scan(text: str) -> None:
    """Refuse aliases and deep nesting, looking at the events only."""
    scanner = _EventScanner(text)
    depth = 0
    try:
        while True:
            event = scanner.get_event()
            if event is None or isinstance(event, yaml.StreamEndEvent):
                return
            if isinstance(event, yaml.AliasEvent):
                raise _alias_error(event.anchor, event.start_mark.line, event.start_mark.column)
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _depth_error(event.start_mark.line + 1, event.start_mark.column + 1)
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
    finally:
        scanner.dispose()


def _message(exc: yaml.MarkedYAMLError) -> str:
    parts = [str(p).strip() for p in (exc.context, exc.problem) if p]
    return "; ".join(parts) or type(exc).__name__


def parse_checked(text: str) -> Any:
    """One YAML 1.2 document, or TextError with the position of the problem (the reference path)."""
    try:
        _scan(text)
        loader = _Loader(text)
        try:
            return loader.get_single_data()
        finally:
            loader.dispose()
    except TextError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise TextError(_("invalid YAML: {reason}").format(reason=_message(exc)),
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise TextError(_("invalid YAML: {reason}").format(reason=reason)) from None


class _Unusual(Exception):
    """Something ``parse`` leaves to ``parse_checked`` (which reads it or says what is wrong)."""


_NO_KEY = object()
_IMPLICIT = dict(_Resolver12.yaml_implicit_resolvers)
_CONSTRUCTOR = _Constructor12()
_MAKERS = {tag: _Constructor12.yaml_constructors[tag] for tag in (
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float")}
_ScalarEvent, _MappingStart, _SequenceStart = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
_MappingEnd, _SequenceEnd = yaml.MappingEndEvent, yaml.SequenceEndEvent


def _build(parser: Any) -> Any:
    """The document from ``parser``'s events, iteratively; _Unusual for anything out of the ordinary."""
    get = parser.get_event
    scalar_event, mapping_start, sequence_start = _ScalarEvent, _MappingStart, _SequenceStart
    mapping_end, sequence_end, implicit, makers, no_key = _MappingEnd, _SequenceEnd, _IMPLICIT.get, _MAKERS, _NO_KEY
    get()  # stream start
    event = get()
    if type(event) is yaml.StreamEndEvent:
        return None  # an empty file, as the constructor reads it
    if type(event) is not yaml.DocumentStartEvent:
        raise _Unusual
    # The open collection (None at document level), whether it is a list, the mapping's pending
    # key (or no_key); the enclosing ones are on the stack.
    top: Any = None
    is_list = False
    key: Any = no_key
    stack: list[tuple[Any, bool, Any]] = []
    root: Any = None
    while True:
        event = get()
        kind = type(event)
        if kind is scalar_event:
            if event.tag is not None:
                raise _Unusual
            value: Any = event.value
            if event.implicit[0]:  # plain: resolved like the constructor does (same table, same code)
                for tag, regexp in implicit(value[:1], ()):
                    if regexp.match(value):
                        maker = makers.get(tag)
                        if maker is None:  # a date or a merge key
                            raise _Unusual
                        value = maker(_CONSTRUCTOR, ScalarNode(tag, value))
                        break
            opened = False
        elif kind is mapping_start or kind is sequence_start:
            if event.tag is not None or len(stack) >= MAX_DEPTH:
                raise _Unusual
            value = [] if kind is sequence_start else {}
            opened = True
        elif kind is mapping_end or kind is sequence_end:
            top, is_list, key = stack.pop()
            if top is None:
                break
            continue
        else:  # an alias
            raise _Unusual
        if top is None:
            root = value
            if not opened:
                break
        elif is_list:
            top.append(value)
        elif key is no_key:
            if opened or value in top:  # a collection as key, or a duplicate key
                raise _Unusual
            key = value
        else:
            top[key] = value
            key = no_key
        if opened:
            stack.append((top, is_list, key))
            top, is_list, key = value, kind is sequence_start, no_key
    if type(get()) is not yaml.DocumentEndEvent or type(get()) is not yaml.StreamEndEvent:
        raise _Unusual  # more than one document
    return root


def parse(text: str) -> Any:
    """One YAML 1.2 document, or TextError with the position of the problem."""
    parser = CParser(text)
    try:
        return _build(parser)
    except Exception:  # noqa: BLE001 - _Unusual, or a parse error: the checked path reads it or explains it
        pass
    finally:
        parser.dispose()
    return parse_checked(text)

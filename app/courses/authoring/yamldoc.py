"""Course YAML as ruamel round-trip documents (comments, key order and quoting survive), and the draft's
file entries."""

from __future__ import annotations

import copy
import io
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarstring import LiteralScalarString, ScalarString


def _yaml(seq: int = 4, offset: int = 2) -> YAML:
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # never wrap long texts: instructors diff these files
    y.allow_duplicate_keys = False
    y.indent(mapping=2, sequence=seq, offset=offset)
    return y


def guess_indent(doc: Any) -> tuple[int, int]:
    """(sequence indent, dash offset) of the first block list under a key, as the author wrote it."""
    queue = [doc]
    while queue:
        node = queue.pop(0)
        if isinstance(node, CommentedMap):
            for key, value in node.items():
                if isinstance(value, CommentedSeq) and len(value) and not value.fa.flow_style():
                    try:
                        offset = value.lc.col - node.lc.key(key)[1]
                    except (TypeError, AttributeError, KeyError):
                        continue
                    if offset >= 0:
                        return offset + 2, offset
                queue.append(value)
        elif isinstance(node, CommentedSeq):
            queue.extend(node)
    return 4, 2


def to_plain(value: Any) -> Any:
    """Plain dicts/lists/scalars (ruamel's types stripped), for comparing and copying out."""
    if isinstance(value, dict):
        return {str(k): to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, ScalarString):
        return str(value)
    return value


def clone_doc(doc: Any) -> Any:
    """A deep copy of a round-trip document (ruamel's own deepcopy drops the style of empty lists)."""
    out = copy.deepcopy(doc)

    def fix(a: Any, b: Any) -> None:
        if isinstance(a, CommentedSeq) and not a and a.fa.flow_style() is not None:
            b.fa.set_flow_style() if a.fa.flow_style() else b.fa.set_block_style()
        if isinstance(a, dict) and isinstance(b, dict):
            for k in a:
                fix(a[k], b.get(k))
        elif isinstance(a, list) and isinstance(b, list):
            for x, y in zip(a, b, strict=False):
                fix(x, y)

    fix(doc, out)
    return out


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _flowable(value: Any) -> bool:
    if isinstance(value, str):
        return "\n" not in value
    if isinstance(value, dict):
        return all(_flowable(v) and not isinstance(v, list) for v in value.values())
    return _scalar(value)


def _size(value: Any) -> int:
    if isinstance(value, dict):
        return sum(len(str(k)) + _size(v) + 2 for k, v in value.items())
    return len(str(value))


def to_yaml(value: Any) -> Any:
    """Python data as round-trip nodes: short mappings and scalar lists in flow style, like the bundled courses."""
    if isinstance(value, CommentedMap | CommentedSeq | ScalarString):
        return value
    if isinstance(value, dict):
        out = CommentedMap((k, to_yaml(v)) for k, v in value.items())
        simple = all(_scalar(v) for v in value.values()) or len(value) <= 2
        if not value or (simple and _flowable(value) and _size(value) <= 90):
            out.fa.set_flow_style()
        else:
            out.fa.set_block_style()
        return out
    if isinstance(value, list | tuple):
        seq = CommentedSeq(to_yaml(v) for v in value)
        if all(_scalar(v) and not (isinstance(v, str) and "\n" in v) for v in value):
            seq.fa.set_flow_style()
        else:
            seq.fa.set_block_style()
        return seq
    if isinstance(value, str) and "\n" in value:
        return LiteralScalarString(value)
    return value


def _styled(old: Any, new: Any) -> Any:
    """``new`` written in the style of ``old`` (quotes kept; multi-line text as a ``|`` block)."""
    if not isinstance(new, str):
        return to_yaml(new)
    if "\n" in new:
        return LiteralScalarString(new)
    if isinstance(old, ScalarString) and not isinstance(old, LiteralScalarString):
        return type(old)(new)
    return new


def _key(part: str | int) -> str | int:
    return int(part) if isinstance(part, str) and part.isdigit() else part


def split_pointer(pointer: str) -> tuple[str, list[str | int]]:
    """``modules/a/q/quiz.yaml#questions.2.answer`` → (``modules/a/q/quiz.yaml``, ["questions", 2, "answer"])."""
    rel, _sep, frag = pointer.partition("#")
    return rel.strip("/"), [_key(p) for p in frag.split(".")] if frag else []




class Entry:
    """One file of the draft: a YAML document, text (Markdown, or YAML that does not parse) or a blob.

    A YAML file read from disk (``Entry.unparsed``) keeps its text until its kind or document is
    first asked for: ruamel's round-trip parser is pure Python (about half a second for a bundled
    course) and opening a course in the editor shows only a few of its files. Until then the
    entry is written back, copied and validated from that text, exactly as the parsed file would be.
    """

    __slots__ = ("_kind", "_data", "_pristine", "source", "error", "indent", "rev", "cache")

    def __init__(self, kind: Literal["yaml", "text", "blob"], data: Any = None, source: Path | None = None,
                 error: str | None = None, indent: tuple[int, int] = (4, 2), rev: int = 0,
                 cache: tuple[int, str] | None = None) -> None:
        self._kind, self._data, self._pristine = kind, data, None
        self.source, self.error, self.indent, self.rev, self.cache = source, error, indent, rev, cache

    @classmethod
    def unparsed(cls, text: str) -> Entry:
        """A YAML file's text, parsed on first use (as ``yaml_entry``: text with the reason if it does not parse)."""
        entry = cls("yaml")
        entry._pristine = Pristine(text)
        return entry

    def _settle(self) -> None:
        p = self._pristine
        if p is None:
            return
        e = yaml_entry(p.text)
        self._kind, self._data, self.error, self.indent, self.cache = e._kind, e._data, e.error, e.indent, e.cache
        self._pristine = None
        p.settled = fingerprint(self)  # before any edit: the file as read, for "what changed"

    @property
    def kind(self) -> Literal["yaml", "text", "blob"]:
        self._settle()
        return self._kind

    @property
    def data(self) -> Any:
        self._settle()
        return self._data

    @data.setter
    def data(self, value: Any) -> None:
        self._settle()
        self._data = value

    def text(self) -> str:
        if self._pristine is not None:
            return self._pristine.text
        if self.kind == "text":
            return self.data
        if self.kind != "yaml":
            raise TypeError("a blob has no text")
        if self.cache is None or self.cache[0] != self.rev:
            buf = io.StringIO()
            _yaml(*self.indent).dump(self.data, buf)
            self.cache = (self.rev, buf.getvalue())
        return self.cache[1]

    def content(self) -> bytes | Path:
        if self._pristine is None and self.kind == "blob":
            return self.source  # type: ignore[return-value]
        return self.text().encode("utf-8")

    def replace(self, **changes: Any) -> Entry:
        """A new entry with ``changes`` (keyword arguments of the constructor) applied."""
        fields = {"kind": self.kind, "data": self._data, "source": self.source, "error": self.error,
                  "indent": self.indent, "rev": self.rev, "cache": self.cache}
        return Entry(**(fields | changes))

    def clone(self) -> Entry:
        return self.replace(data=clone_doc(self.data), rev=self.rev + 1, cache=None)

    def __repr__(self) -> str:
        if self._pristine is not None:
            return f"Entry(unparsed, {len(self._pristine.text)} characters)"
        return f"Entry({self._kind!r}, rev={self.rev}, source={self.source!r}, error={self.error!r})"


class Pristine:
    """The text of an unparsed YAML entry: it stands for the file's data in "what changed" comparisons."""

    __slots__ = ("settled", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.settled: Any = None  # the fingerprint of the parsed file, once known

    def resolved(self) -> Any:
        if self.settled is None:
            self.settled = fingerprint(yaml_entry(self.text))
        return self.settled


def fingerprint(e: Entry) -> Any:
    """What "has this file changed?" compares: a YAML file's data, a text's text, a blob's source file."""
    if e._pristine is not None:
        return ("unparsed", e._pristine)
    if e.kind == "yaml":
        return ("yaml", to_plain(e.data))
    if e.kind == "text":
        return ("text", e.data)
    return ("blob", e.source.resolve() if e.source else None)


def same_fingerprint(a: Any, b: Any) -> bool:
    """Whether two fingerprints (or None: no such file) say the same content; parses only when they differ."""
    if a is None or b is None:
        return a is b
    if a[0] == "unparsed" and b[0] == "unparsed" and a[1].text == b[1].text:
        return True
    a = a[1].resolved() if a[0] == "unparsed" else a
    b = b[1].resolved() if b[0] == "unparsed" else b
    return a == b


def read_entry(path: Path) -> Entry:
    """A file as a draft entry (YAML parsed on first use); YAML that does not parse is kept as text with the reason."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".md"):
        return Entry("blob", source=path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (UnicodeDecodeError, OSError):
        return Entry("blob", source=path)
    if suffix == ".md":
        return Entry("text", text)
    return Entry.unparsed(text)


def yaml_entry(text: str) -> Entry:
    from app.courses.yamlio import _refuse_deep  # ruamel takes seconds on a deep flow collection

    try:
        _refuse_deep(text)
        doc = _yaml().load(text)
    except Exception as exc:  # noqa: BLE001 - any parse failure keeps the file as editable text
        return Entry("text", text, error=str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__)
    if doc is None:
        doc = CommentedMap()
    entry = Entry("yaml", doc, indent=guess_indent(doc))
    entry.cache = (0, text)  # unchanged files are written back byte for byte
    return entry

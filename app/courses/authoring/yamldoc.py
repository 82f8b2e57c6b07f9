"""Course YAML as ruamel round-trip documents (comments, key order and quoting survive), and the draft's
file entries."""

from __future__ import annotations

import copy
import dataclasses
import io
from dataclasses import dataclass
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




@dataclass(eq=False)
class Entry:
    """One file of the draft: a YAML document, text (Markdown, or YAML that does not parse) or a blob."""

    kind: Literal["yaml", "text", "blob"]
    data: Any = None
    source: Path | None = None
    error: str | None = None
    indent: tuple[int, int] = (4, 2)
    rev: int = 0
    cache: tuple[int, str] | None = None

    def text(self) -> str:
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
        return self.source if self.kind == "blob" else self.text().encode("utf-8")  # type: ignore[return-value]

    def clone(self) -> Entry:
        return dataclasses.replace(self, data=clone_doc(self.data), rev=self.rev + 1, cache=None)


def read_entry(path: Path) -> Entry:
    """A file as a draft entry; YAML that does not parse is kept as text with the reason."""
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".md"):
        return Entry("blob", source=path)
    try:
        text = path.read_bytes().decode("utf-8").removeprefix("\ufeff")
    except (UnicodeDecodeError, OSError):
        return Entry("blob", source=path)
    if suffix == ".md":
        return Entry("text", text)
    return yaml_entry(text)


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

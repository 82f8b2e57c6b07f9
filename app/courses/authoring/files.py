"""The file layer of a draft: entries, values inside YAML documents, list edits, and saving."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from app.atomic import atomic_path
from app.courses import models as m
from app.courses.authoring.common import MISSING, AuthoringError, dotted, value_at
from app.courses.authoring.yamldoc import Entry, _styled, fingerprint, same_fingerprint, to_yaml
from app.i18n import _


def walk(root: Path) -> list[str]:
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "__pycache__")
        here = Path(dirpath)
        for name in sorted(filenames):
            if not name.startswith(".") and not name.endswith("~"):
                found.append((here / name).relative_to(root).as_posix())
    return found


def write_atomic(path: Path, data: bytes | Path) -> None:
    """Write ``data`` (bytes, or a file to copy) to ``path`` via a temporary file in the same folder."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        if isinstance(data, Path):
            with data.open("rb") as src:
                shutil.copyfileobj(src, fh)
        else:
            fh.write(data)



class DraftFiles:
    """Every file of a course folder, in memory (see the package docstring)."""

    def __init__(self, root: Path, entries: dict[str, Entry]) -> None:
        self.root = Path(root)
        self.entries = entries
        self._saved: dict[str, Any] = {}

    # --- files -------------------------------------------------------------------------------------

    def snapshot(self) -> dict[str, Entry]:
        return dict(self.entries)

    def restore(self, snapshot: dict[str, Entry]) -> None:
        self.entries = dict(snapshot)

    def entry(self, rel: str) -> Entry | None:
        return self.entries.get(rel)

    def doc(self, rel: str) -> Any:
        e = self.entries.get(rel)
        return e.data if e is not None and e.kind == "yaml" else None

    def text(self, rel: str) -> str | None:
        e = self.entries.get(rel)
        return e.data if e is not None and e.kind == "text" else None

    def get(self, rel: str, path: Iterable[str | int], default: Any = None) -> Any:
        return value_at(self.doc(rel), path, default)

    def _touch(self, rel: str) -> Entry:
        e = self.entries.get(rel)
        if e is None or e.kind != "yaml":
            raise AuthoringError(_("{file} is not a YAML document that can be edited").format(file=rel))
        e.rev += 1
        return e

    def set_value(self, rel: str, path: list[str | int], value: Any) -> Any:
        """Set the value at ``path`` in place (creating mappings on the way); returns the old value or MISSING."""
        e = self._touch(rel)
        node = e.data
        for i, part in enumerate(path[:-1]):
            nxt = node[part] if _has(node, part) else MISSING
            if not isinstance(nxt, dict | list):
                if not isinstance(node, dict):
                    raise AuthoringError(_("cannot set {path} in {file}").format(path=dotted(path), file=rel))
                nxt = CommentedMap()
                if isinstance(path[i + 1], str) and path[i + 1] in m.COURSE_LOCALES:
                    nxt.fa.set_flow_style()
                node[part] = nxt
            node = nxt
        last = path[-1]
        old = node[last] if _has(node, last) else MISSING
        if value is MISSING:
            if old is not MISSING:
                del node[last]
            return old
        new = _styled(old, value)
        if isinstance(new, str) and "\n" in new and isinstance(node, CommentedMap) and node.fa.flow_style():
            node.fa.set_block_style()  # a block scalar cannot sit in a flow mapping
        if isinstance(node, list) and last == len(node):
            node.append(new)
        else:
            node[last] = new
        return old

    def delete_value(self, rel: str, path: list[str | int]) -> Any:
        return self.set_value(rel, path, MISSING)

    def set_text(self, rel: str, text: str) -> str | None:
        """Replace a text file's contents (creating it); returns the old text or None."""
        e = self.entries.get(rel)
        old = e.data if e is not None and e.kind == "text" else None
        if e is not None and e.kind == "text":
            e.data = text
            e.rev += 1
        else:
            self.entries[rel] = Entry("text", text)
        return old

    def edit_doc(self, rel: str) -> Any:
        """The document of ``rel`` as a fresh copy installed in the draft (copy-on-write for snapshots)."""
        e = self.entries.get(rel)
        if e is None or e.kind != "yaml":
            raise AuthoringError(_("{file} is not a YAML document that can be edited").format(file=rel))
        self.entries[rel] = e.clone()
        return self.entries[rel].data

    def list_at(self, rel: str, path: list[str | int], *, create: bool = True) -> CommentedSeq:
        """The list at ``path`` of a copied document (created empty if missing)."""
        node = self.edit_doc(rel)
        for i, part in enumerate(path):
            last = i == len(path) - 1
            if not _has(node, part) or not isinstance(node[part], dict | list):
                if not create or not isinstance(node, dict):
                    raise AuthoringError(_("cannot set {path} in {file}").format(path=dotted(path), file=rel))
                node[part] = CommentedSeq() if last else CommentedMap()
                if last:
                    node[part].fa.set_block_style()
            node = node[part]
        if not isinstance(node, list):
            raise AuthoringError(_("{path} in {file} is not a list").format(path=dotted(path), file=rel))
        return node

    def insert_item(self, rel: str, path: list[str | int], index: int | None, value: Any) -> int:
        seq = self.list_at(rel, path)
        item = to_yaml(value)
        if isinstance(item, dict) and seq.fa.flow_style():
            seq.fa.set_block_style()
        index = len(seq) if index is None else max(0, min(index, len(seq)))
        seq.insert(index, item)
        return index

    def remove_item(self, rel: str, path: list[str | int], index: int) -> Any:
        seq = self.list_at(rel, path, create=False)
        return seq.pop(index)

    def move_item(self, rel: str, path: list[str | int], src: int, dst: int) -> None:
        seq = self.list_at(rel, path, create=False)
        if not (0 <= src < len(seq)) or not (0 <= dst < len(seq)):
            raise AuthoringError(_("cannot move item {src} to {dst}").format(src=src + 1, dst=dst + 1))
        seq.insert(dst, seq.pop(src))

    # --- saving ------------------------------------------------------------------------------------

    def _mark_saved(self) -> None:
        self._saved = {rel: fingerprint(e) for rel, e in self.entries.items()}

    def changed_files(self) -> list[str]:
        """Files that differ from the folder on disk: changed, new, or gone."""
        now = {rel: fingerprint(e) for rel, e in self.entries.items()}
        return sorted(rel for rel in set(now) | set(self._saved)
                      if not same_fingerprint(now.get(rel), self._saved.get(rel)))

    @property
    def dirty(self) -> bool:
        return bool(self.changed_files())

    def save(self) -> list[str]:
        """Write the changed files into ``root``; returns the relative paths written or removed."""
        changed = self.changed_files()
        # Read every blob that moves first: its source may be another file this save replaces or removes.
        payload: dict[str, bytes] = {}
        for rel in changed:
            e = self.entries.get(rel)
            if e is None:
                continue
            content = e.content()
            payload[rel] = content.read_bytes() if isinstance(content, Path) else content
        for rel, data in payload.items():
            write_atomic(self.root / rel, data)
        for rel in changed:
            if rel not in self.entries:
                (self.root / rel).unlink(missing_ok=True)
                _prune_empty(self.root, (self.root / rel).parent)
        for rel in payload:
            e = self.entries[rel]
            if e.source is not None and e.kind == "blob":  # source first: asking an unparsed YAML's kind parses it
                self.entries[rel] = e.replace(source=self.root / rel)
        self._mark_saved()
        return changed

    def files(self) -> dict[str, bytes | Path]:
        """Every file's contents (bytes) or source (blob path): what a scratch copy needs (call on one thread)."""
        return {rel: e.content() for rel, e in self.entries.items()}


def _has(node: Any, part: str | int) -> bool:
    if isinstance(node, dict):
        return part in node
    return isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)



def _prune_empty(root: Path, folder: Path) -> None:
    root = root.resolve()
    folder = folder.resolve()
    while folder != root and folder.is_relative_to(root):
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent

"""The draft being edited, wrapped for Qt: every change is an undoable command on one QUndoStack.

Three kinds of command: a field value in a YAML file (consecutive keystrokes in one
field merge into one step), the text of a Markdown file (merged the same way), and a
structural change (modules, steps, list items, images) recorded as before/after
snapshots of the draft.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from app.courses.authoring import MISSING, AuthoringError, CourseDraft, to_plain
from app.i18n import _

_MERGE_ID = 0x5A48


class DraftModel(QObject):
    """Signals: ``edited`` after any change; ``values_changed(origin)`` when field values changed
    (``origin`` is the widget that made the change, or None for undo/redo); ``structure_changed(node)``
    when files, modules, steps or list items changed (``node``: what to select, or None)."""

    edited = Signal()
    values_changed = Signal(object)
    structure_changed = Signal(object)

    def __init__(self, draft: CourseDraft, read_only: bool = False, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.draft = draft
        self.read_only = read_only
        self.stack = QUndoStack(self)
        self.current_node: tuple[str, ...] = ("course",)

    # --- reading -----------------------------------------------------------------------------------

    def get(self, rel: str, path: list[str | int], default: Any = None) -> Any:
        return self.draft.get(rel, path, default)

    # --- changing ----------------------------------------------------------------------------------

    def _check_writable(self) -> bool:
        return not self.read_only

    def set_value(self, rel: str, path: list[str | int], value: Any, *, origin: object | None = None,
                  merge_key: object | None = None, label: str | None = None) -> None:
        """Set (or with MISSING remove) one value; a no-op when it is already that value."""
        if not self._check_writable():
            return
        current = self.draft.get(rel, path, MISSING)
        if current is not MISSING and value is not MISSING and _same(current, value):
            return
        if current is MISSING and value is MISSING:
            return
        self.stack.push(_ValueCommand(self, rel, list(path), value, origin, merge_key,
                                      label or _("Edit {field}").format(field=_field_name(path))))

    def set_text(self, rel: str, text: str, *, origin: object | None = None, merge_key: object | None = None,
                 label: str | None = None) -> None:
        if not self._check_writable() or self.draft.text(rel) == text:
            return
        self.stack.push(_TextCommand(self, rel, text, origin, merge_key, label or _("Edit text")))

    def change(self, label: str, fn: Callable[[CourseDraft], Any], select: tuple[str, ...] | None = None,
               select_from: Callable[[Any], tuple[str, ...] | None] | None = None) -> Any:
        """Run a structural edit ``fn(draft)`` as one undoable step; AuthoringError leaves the draft as it was."""
        if not self._check_writable():
            raise AuthoringError(_("this course is read-only; copy it to your library to edit it"))
        before = self.draft.snapshot()
        try:
            result = fn(self.draft)
        except Exception:
            self.draft.restore(before)
            raise
        after = self.draft.snapshot()
        if select_from is not None:
            select = select_from(result)
        self.stack.push(_StructureCommand(self, label, before, after, self.current_node, select))
        return result


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b and isinstance(a, float) == isinstance(b, float)
    return to_plain(a) == to_plain(b)


def _field_name(path: list[str | int]) -> str:
    names = [p for p in path if isinstance(p, str) and p not in ("en", "zh_CN")]
    return names[-1] if names else ""


class _MergingEdit(QUndoCommand):
    """An edit of one thing (a field's value, a file's text); consecutive edits with the same
    ``merge_key`` (keystrokes in one field) merge into one undo step. Subclasses write the new
    content and put the old one back."""

    merge_id = -1  # one per subclass: Qt merges only commands of the same id

    def __init__(self, model: DraftModel, new: Any, origin: object | None, merge_key: object | None,
                 label: str) -> None:
        super().__init__(label)
        self.model, self.new = model, new
        self.origin, self.merge_key = origin, merge_key
        self.old: Any = MISSING
        self.first = True

    def _write(self, new: Any) -> Any:
        """Write ``new``; return what was there before."""
        raise NotImplementedError

    def _put_back(self, old: Any) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        old = self._write(self.new)
        if self.first:
            self.old = old
        self.model.values_changed.emit(self.origin if self.first else None)
        self.first = False
        self.model.edited.emit()

    def undo(self) -> None:
        self._put_back(self.old)
        self.model.values_changed.emit(None)
        self.model.edited.emit()

    def id(self) -> int:
        return self.merge_id if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if type(other) is not type(self) or other.merge_key != self.merge_key:
            return False
        self.new = other.new
        return True


class _ValueCommand(_MergingEdit):
    """One value in a YAML file (MISSING: the key is removed)."""

    merge_id = _MERGE_ID

    def __init__(self, model: DraftModel, rel: str, path: list[str | int], value: Any, origin: object | None,
                 merge_key: object | None, label: str) -> None:
        super().__init__(model, value, origin, merge_key, label)
        self.rel, self.path = rel, path

    def _write(self, new: Any) -> Any:
        return self.model.draft.set_value(self.rel, self.path, new)

    def _put_back(self, old: Any) -> None:
        self.model.draft.set_value(self.rel, self.path, old)


class _TextCommand(_MergingEdit):
    """The whole text of a Markdown file (None before: the file did not exist)."""

    merge_id = _MERGE_ID + 1

    def __init__(self, model: DraftModel, rel: str, text: str, origin: object | None, merge_key: object | None,
                 label: str) -> None:
        super().__init__(model, text, origin, merge_key, label)
        self.rel = rel

    def _write(self, new: str) -> str | None:
        return self.model.draft.set_text(self.rel, new)

    def _put_back(self, old: str | None) -> None:
        if old is None:
            self.model.draft.entries.pop(self.rel, None)
        else:
            self.model.draft.set_text(self.rel, old)


class _StructureCommand(QUndoCommand):
    def __init__(self, model: DraftModel, label: str, before: dict, after: dict,
                 select_before: tuple[str, ...] | None, select_after: tuple[str, ...] | None) -> None:
        super().__init__(label)
        self.model, self.before, self.after = model, before, after
        self.select_before, self.select_after = select_before, select_after

    def redo(self) -> None:
        self.model.draft.restore(self.after)
        self.model.structure_changed.emit(self.select_after)
        self.model.edited.emit()

    def undo(self) -> None:
        self.model.draft.restore(self.before)
        self.model.structure_changed.emit(self.select_before)
        self.model.edited.emit()

"""``CourseDraft``: a course in memory, with the structural edits of the editor (modules, steps, images)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from app.courses import models as m
from app.courses.authoring.common import (
    COPY_SUFFIX,
    STEP_TITLES,
    AuthoringError,
    BumpPart,
    bump_version,
    check_id,
    localized,
    unique_id,
)
from app.courses.authoring.files import DraftFiles, walk
from app.courses.authoring.templates import step_template
from app.courses.authoring.yamldoc import Entry, clone_doc, read_entry, to_yaml
from app.courses.render import IMAGE_SUFFIXES
from app.i18n import _


class CourseDraft(DraftFiles):
    """A course folder held in memory, edited as the editor does and saved back."""

    # --- opening -----------------------------------------------------------------------------------

    @classmethod
    def load(cls, root: Path) -> CourseDraft:
        root = Path(root)
        if not (root / "course.yaml").is_file():
            raise AuthoringError(_("not a course folder: course.yaml is missing"))
        draft = cls(root, {rel: read_entry(root / rel) for rel in walk(root)})
        draft._mark_saved()
        return draft

    @classmethod
    def new(cls, root: Path, course_id: str, title: dict[str, str]) -> CourseDraft:
        """A course that exists only in memory until saved into ``root`` (named after its id)."""
        check_id(course_id)
        doc = to_yaml({
            "format": m.FORMAT_VERSION, "id": course_id, "version": "0.1.0", "title": dict(title),
            "summary": {}, "track": "digital-manufacturing", "level": "beginner", "estimated_hours": 1,
            "prerequisites": [], "passing": {"min_overall_score": 0.7, "required": []}, "modules": [],
            # Trainees are told a course ends in a certificate: a new one issues it unless the author says not.
            "certificate": {"title": dict(title), "validity_months": None},
        })
        doc["passing"].fa.set_block_style()
        return cls(Path(root), {"course.yaml": Entry("yaml", doc)})

    # --- course structure --------------------------------------------------------------------------

    @property
    def course_id(self) -> str:
        cid = self.get("course.yaml", ["id"])
        return cid if isinstance(cid, str) else self.root.name

    @property
    def version(self) -> str:
        v = self.get("course.yaml", ["version"])
        return str(v) if v is not None else ""

    def module_ids(self) -> list[str]:
        mods = self.get("course.yaml", ["modules"])
        return [x for x in mods if isinstance(x, str)] if isinstance(mods, list) else []

    @staticmethod
    def module_rel(module_id: str) -> str:
        return f"modules/{module_id}/module.yaml"

    @staticmethod
    def step_rel(module_id: str, step_id: str) -> str:
        return f"modules/{module_id}/{step_id}"

    def step_entries(self, module_id: str) -> list[Any]:
        steps = self.get(self.module_rel(module_id), ["steps"])
        return [s for s in steps if isinstance(s, dict)] if isinstance(steps, list) else []

    def step_ids(self, module_id: str) -> list[str]:
        return [str(s.get("id")) for s in self.step_entries(module_id) if isinstance(s.get("id"), str)]

    def step_index(self, module_id: str, step_id: str) -> int:
        steps = self.get(self.module_rel(module_id), ["steps"]) or []
        for i, s in enumerate(steps):
            if isinstance(s, dict) and s.get("id") == step_id:
                return i
        raise AuthoringError(_("module “{module}” has no step “{step}”").format(module=module_id, step=step_id))

    @staticmethod
    def lesson_rel(module_id: str, step_id: str, locale: str) -> str:
        return f"modules/{module_id}/{step_id}/{m.lesson_file(locale)}"

    def step_kind(self, module_id: str, step_id: str) -> str | None:
        kind = self.get(self.module_rel(module_id), ["steps", self.step_index(module_id, step_id), "kind"])
        return kind if kind in ("lesson", "quiz", "lab", "practical") else None

    def step_file(self, module_id: str, step_id: str) -> str | None:
        """The content file of a quiz, lab or practical step (None for a lesson)."""
        kind = self.step_kind(module_id, step_id)
        return f"{self.step_rel(module_id, step_id)}/{m.STEP_FILES[kind]}" if kind in m.STEP_FILES else None

    def _move_prefix(self, old: str, new: str) -> None:
        """Rename a folder of the draft (every file under ``old/`` moves under ``new/``)."""
        moved = {}
        for rel, e in self.entries.items():
            if rel == old or rel.startswith(old + "/"):
                moved[new + rel[len(old):]] = e
            else:
                moved.setdefault(rel, e)
        self.entries = moved

    def _drop_prefix(self, prefix: str) -> None:
        self.entries = {r: e for r, e in self.entries.items() if not (r == prefix or r.startswith(prefix + "/"))}

    def _rewrite_required(self, change: Any) -> None:
        """Apply ``change(ref) -> ref | None`` to every passing.required reference (None drops it)."""
        refs = self.get("course.yaml", ["passing", "required"])
        if not isinstance(refs, list) or not refs:
            return
        new = [change(r) if isinstance(r, str) else r for r in refs]
        if new != list(refs):
            seq = self.list_at("course.yaml", ["passing", "required"])
            seq[:] = [r for r in new if r is not None]

    def add_module(self, module_id: str | None = None, title: dict[str, str] | None = None,
                   index: int | None = None) -> str:
        taken = set(self.module_ids()) | {r.split("/")[1] for r in self.entries if r.startswith("modules/")}
        module_id = check_id(module_id, taken) if module_id else unique_id("module", taken)
        doc = to_yaml({"id": module_id, "title": title or localized("New module", "新模块"), "steps": []})
        doc["steps"].fa.set_block_style()
        self.entries[self.module_rel(module_id)] = Entry("yaml", doc)
        self.insert_item("course.yaml", ["modules"], index, module_id)
        return module_id

    def add_step(self, module_id: str, kind: str, step_id: str | None = None, title: dict[str, str] | None = None,
                 index: int | None = None) -> str:
        if kind not in STEP_TITLES:
            raise AuthoringError(_("unknown step kind “{kind}”").format(kind=kind))
        prefix = f"modules/{module_id}/"
        taken = set(self.step_ids(module_id)) | {r[len(prefix):].split("/")[0] for r in self.entries
                                                 if r.startswith(prefix) and r.count("/") > 2}
        step_id = check_id(step_id, taken) if step_id else unique_id(kind, taken)
        title = title or localized(*STEP_TITLES[kind])
        base = self.step_rel(module_id, step_id)
        for name, entry in step_template(kind, title).items():
            self.entries[f"{base}/{name}"] = entry
        self.insert_item(self.module_rel(module_id), ["steps"], index,
                         {"id": step_id, "kind": kind, "title": dict(title), "estimated_minutes": 10})
        return step_id

    def remove_module(self, module_id: str) -> None:
        mods = self.list_at("course.yaml", ["modules"])
        mods[:] = [x for x in mods if x != module_id]
        self._drop_prefix(f"modules/{module_id}")
        self._rewrite_required(lambda r: None if r.split("/")[0] == module_id else r)

    def remove_step(self, module_id: str, step_id: str) -> None:
        self.remove_item(self.module_rel(module_id), ["steps"], self.step_index(module_id, step_id))
        self._drop_prefix(self.step_rel(module_id, step_id))
        self._rewrite_required(lambda r: None if r == f"{module_id}/{step_id}" else r)

    def move_module(self, module_id: str, index: int) -> None:
        mods = self.list_at("course.yaml", ["modules"])
        src = list(mods).index(module_id)
        self.move_item("course.yaml", ["modules"], src, max(0, min(index, len(mods) - 1)))

    def move_step(self, module_id: str, step_id: str, dst_module: str, index: int) -> str:
        """Move a step within its module or into another one; returns its id (renamed if taken there)."""
        if dst_module == module_id:
            n = len(self.get(self.module_rel(module_id), ["steps"]) or [])
            self.move_item(self.module_rel(module_id), ["steps"], self.step_index(module_id, step_id),
                           max(0, min(index, n - 1)))
            return step_id
        if self.doc(self.module_rel(dst_module)) is None:
            raise AuthoringError(_("module “{id}” has no module.yaml").format(id=dst_module))
        entry = self.remove_item(self.module_rel(module_id), ["steps"], self.step_index(module_id, step_id))
        new_id = unique_id(step_id, self.step_ids(dst_module))
        entry = clone_doc(entry)
        entry["id"] = new_id
        self.insert_item(self.module_rel(dst_module), ["steps"], index, entry)
        self._move_prefix(self.step_rel(module_id, step_id), self.step_rel(dst_module, new_id))
        old_ref, new_ref = f"{module_id}/{step_id}", f"{dst_module}/{new_id}"
        self._rewrite_required(lambda r: new_ref if r == old_ref else r)
        return new_id

    def rename_module(self, old: str, new: str) -> None:
        if new == old:
            return
        check_id(new, set(self.module_ids()) | {r.split("/")[1] for r in self.entries if r.startswith("modules/")})
        mods = self.list_at("course.yaml", ["modules"])
        mods[list(mods).index(old)] = new
        self._move_prefix(f"modules/{old}", f"modules/{new}")
        if self.doc(self.module_rel(new)) is not None:
            self.edit_doc(self.module_rel(new))["id"] = new
        self._rewrite_required(lambda r: new + r[len(old):] if r == old or r.startswith(old + "/") else r)

    def rename_step(self, module_id: str, old: str, new: str) -> None:
        if new == old:
            return
        check_id(new, self.step_ids(module_id))
        i = self.step_index(module_id, old)
        self.edit_doc(self.module_rel(module_id))["steps"][i]["id"] = new
        self._move_prefix(self.step_rel(module_id, old), self.step_rel(module_id, new))
        self._rewrite_required(lambda r: f"{module_id}/{new}" if r == f"{module_id}/{old}" else r)

    def duplicate_module(self, module_id: str) -> str:
        new_id = unique_id(module_id, set(self.module_ids()))
        prefix = f"modules/{module_id}/"
        for rel, e in list(self.entries.items()):
            if rel.startswith(prefix):
                self.entries[f"modules/{new_id}/{rel[len(prefix):]}"] = e.clone()
        doc = self.doc(self.module_rel(new_id))
        if doc is not None:
            doc["id"] = new_id
            _suffix_title(doc)
        self.insert_item("course.yaml", ["modules"], self.module_ids().index(module_id) + 1, new_id)
        return new_id

    def duplicate_step(self, module_id: str, step_id: str) -> str:
        i = self.step_index(module_id, step_id)
        new_id = unique_id(step_id, self.step_ids(module_id))
        prefix = self.step_rel(module_id, step_id) + "/"
        for rel, e in list(self.entries.items()):
            if rel.startswith(prefix):
                self.entries[f"{self.step_rel(module_id, new_id)}/{rel[len(prefix):]}"] = e.clone()
        entry = clone_doc(self.get(self.module_rel(module_id), ["steps", i]))
        entry["id"] = new_id
        _suffix_title(entry)
        self.insert_item(self.module_rel(module_id), ["steps"], i + 1, entry)
        return new_id

    def add_image(self, module_id: str, step_id: str, source: Path) -> str:
        """Copy an image into the step folder (on save); returns its file name, unique in the folder."""
        source = Path(source)
        suffix = source.suffix.lower()
        if suffix not in IMAGE_SUFFIXES:
            raise AuthoringError(_("“{name}” is not an image the lessons can show ({types})").format(
                name=source.name, types=", ".join(IMAGE_SUFFIXES)))
        if not source.is_file():
            raise AuthoringError(_("no such file: {path}").format(path=source))
        base = self.step_rel(module_id, step_id)
        taken = {r[len(base) + 1:] for r in self.entries if r.startswith(base + "/")}
        stem = re.sub(r"[^a-z0-9_-]+", "-", source.stem.lower()).strip("-") or "image"
        name, n = f"{stem}{suffix}", 2
        while name in taken:
            name, n = f"{stem}-{n}{suffix}", n + 1
        self.entries[f"{base}/{name}"] = Entry("blob", source=source)
        return name

    def bump_version(self, part: BumpPart) -> str:
        new = bump_version(self.version, part)
        self.edit_doc("course.yaml")["version"] = new
        return new


def _suffix_title(doc: Any) -> None:
    title = doc.get("title") if isinstance(doc, dict) else None
    if isinstance(title, dict):
        for loc, suffix in COPY_SUFFIX.items():
            if isinstance(title.get(loc), str) and title[loc]:
                title[loc] = title[loc] + suffix

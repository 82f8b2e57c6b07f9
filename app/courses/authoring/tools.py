"""Where a validator problem points, and the draft on disk: scratch copies, validation, copying a course."""

from __future__ import annotations

import dataclasses
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from app.courses import models as m
from app.courses.authoring.common import AuthoringError, check_id
from app.courses.authoring.draft import CourseDraft
from app.courses.authoring.yamldoc import split_pointer
from app.courses.errors import Problem
from app.i18n import _


@dataclass(frozen=True)
class Target:
    """The tree node a validator pointer belongs to, and the file and key path inside it."""

    node: tuple[str, ...]  # ("course",) | ("module", id) | ("step", module id, step id)
    rel: str
    path: tuple[str | int, ...]


def resolve_pointer(draft: CourseDraft, pointer: str) -> Target:
    rel, path = split_pointer(pointer)
    parts = rel.split("/")
    if len(parts) >= 2 and parts[0] == "modules" and parts[1]:
        mid = parts[1]
        if len(parts) == 2 or parts[2] == "module.yaml":
            if len(parts) > 2 and len(path) >= 2 and path[0] == "steps" and isinstance(path[1], int):
                sid = draft.get(draft.module_rel(mid), ["steps", path[1], "id"])
                if isinstance(sid, str):
                    return Target(("step", mid, sid), rel, tuple(path))
            return Target(("module", mid), rel, tuple(path))
        return Target(("step", mid, parts[2]), rel, tuple(path))
    return Target(("course",), rel or "course.yaml", tuple(path))


# --- on disk ----------------------------------------------------------------------------------------


def write_tree(files: dict[str, bytes | Path], dest: Path) -> None:
    """Materialize ``CourseDraft.files()`` in ``dest`` (blobs hard-linked where possible)."""
    for rel, content in files.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            try:
                os.link(content, target)
            except OSError:
                shutil.copyfile(content, target)
        else:
            target.write_bytes(content)


def validate_files(files: dict[str, bytes | Path], course_id: str,
                   catalog_dirs: Iterable[Path] | None = None) -> list[Problem]:
    """Problems of a draft, exactly as ``zhizao validate`` finds them, with ``file`` relative to the course.

    Safe to run off the UI thread with a ``files`` snapshot.
    """
    from app.courses.validator import validate_path

    name = course_id if m.SLUG_RE.match(course_id or "") else "draft"
    with tempfile.TemporaryDirectory(prefix="zhizao-draft-") as tmp:
        root = Path(tmp) / name
        root.mkdir()
        write_tree(files, root)
        problems = validate_path(root, catalog_dirs=list(catalog_dirs) if catalog_dirs is not None else None)
    out = []
    for p in problems:
        rel = split_pointer(p.pointer)[0] if p.pointer or p.file == str(root) else p.file
        out.append(dataclasses.replace(p, file=rel or "course.yaml"))
    return out


def copy_course(source: Path, library_dir: Path, course_id: str | None = None) -> Path:
    """Copy a course (e.g. a bundled one) into the library as ``library_dir/<id>``; returns the folder.

    With a new ``course_id`` the copy is a new course (its course.yaml id is changed, comments kept).
    """
    draft = CourseDraft.load(source)
    course_id = course_id or draft.course_id
    check_id(course_id)
    dest = Path(library_dir) / course_id
    if dest.exists():
        raise AuthoringError(_("the library already has a folder “{id}”").format(id=course_id))
    draft.root = dest
    draft._saved = {}
    if course_id != draft.course_id:
        draft.edit_doc("course.yaml")["id"] = course_id
    draft.save()
    return dest

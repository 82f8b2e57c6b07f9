"""Reading a course folder into a ``Course``, reporting every problem on the way.

``read_course`` collects problems and keeps going after errors (a validator must
report all of them); ``load_course`` is the strict form the app uses.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from app.courses import checks, labcheck
from app.courses import models as m
from app.courses.competencies import check_competencies
from app.courses.errors import CourseError, Problem
from app.courses.exam import check_exam
from app.courses.glossary import check_glossary
from app.courses.reporter import Reporter
from app.i18n import _


def _folder_matches(folder: str, course_id: str) -> bool:
    # Folders starting with "_" hold fixtures and drafts; the id is the name without it.
    return folder == course_id or folder == "_" + course_id


def _listed_ids(raw: Any, key: str) -> list[tuple[int, str]]:
    """(index, id) of the valid-looking ids in ``raw[key]`` when the file failed validation."""
    values = raw.get(key) if isinstance(raw, dict) else None
    if not isinstance(values, list):
        return []
    out = []
    for i, v in enumerate(values):
        ident = v.get("id") if isinstance(v, dict) else v
        if isinstance(ident, str) and m.SLUG_RE.match(ident):
            out.append((i, ident))
    return out


class _CourseReader:
    def __init__(self, root: Path, display: str | None, check_simulators: bool,
                 texts: dict[str, bytes] | None = None) -> None:
        self.root = root
        self.abs_root = root.resolve()
        self.rep = Reporter(root, display, texts)
        self.check_simulators = check_simulators
        self._root_str = os.fspath(root)
        self._listings: dict[str, dict[str, os.DirEntry[str]] | None] = {}

    # --- files -------------------------------------------------------------------------------
    # One scandir per folder answers every "is there such a file/folder" question about it
    # (a course has a few folders per step; asking with a stat each was a fifth of a cold load).
    # DirEntry.is_file()/is_dir() follow symlinks, as Path.is_file()/is_dir() do.

    def _listing(self, rel_dir: str) -> dict[str, os.DirEntry[str]] | None:
        """The entries of the folder ``rel_dir`` under the root, or None if it cannot be listed."""
        try:
            return self._listings[rel_dir]
        except KeyError:
            pass
        try:
            with os.scandir(os.path.join(self._root_str, *rel_dir.split("/")) if rel_dir else self._root_str) as it:
                found: dict[str, os.DirEntry[str]] | None = {e.name: e for e in it}
        except (OSError, ValueError):
            found = None
        self._listings[rel_dir] = found
        return found

    def _dirent(self, rel: str) -> os.DirEntry[str] | None:
        folder, _sep, name = rel.rpartition("/")
        listing = self._listing(folder)
        return listing.get(name) if listing else None

    def _is_file(self, rel: str) -> bool:
        entry = self._dirent(rel)
        try:
            return entry is not None and entry.is_file()
        except OSError:
            return False

    def _is_dir(self, rel: str) -> bool:
        entry = self._dirent(rel)
        try:
            return entry is not None and entry.is_dir()
        except OSError:
            return False

    def _exists(self, rel: str) -> bool:
        entry = self._dirent(rel)
        return entry is not None and (not entry.is_symlink() or os.path.exists(entry.path))

    def _subfolders(self, rel_dir: str) -> list[str]:
        """Names of the folders in ``rel_dir``, sorted as paths sort."""
        listing = self._listing(rel_dir) or {}
        names = sorted(listing, key=os.path.normcase)
        return [n for n in names if self._is_dir(f"{rel_dir}/{n}")]

    # --- steps -------------------------------------------------------------------------------

    def lesson(self, step_rel: str, step_dir: Path) -> m.Lesson | None:
        markdown: dict[str, str] = {}
        for loc in m.COURSE_LOCALES:
            rel = f"{step_rel}/{m.lesson_file(loc)}"
            if self._is_file(rel):
                text = self.rep.text(rel)
                if text is not None:
                    markdown[loc] = text
                    if not text.strip():
                        self.rep.warning(rel, [], _("the lesson is empty"))
                    checks.check_markdown(self.rep, rel, [], text, step_dir, self.abs_root)
        present = [loc for loc in m.COURSE_LOCALES if self._is_file(f"{step_rel}/{m.lesson_file(loc)}")]
        if not present:
            self.rep.error(step_rel, [], _("the lesson has no {files}").format(
                files=_(" or ").join(m.lesson_file(loc) for loc in m.COURSE_LOCALES)))
            return None
        for loc in m.COURSE_LOCALES:
            if loc not in present:
                self.rep.warning(f"{step_rel}/{m.lesson_file(loc)}", [], _("missing {locale} translation").format(
                    locale=loc))
        return m.Lesson(markdown=markdown)

    def step(self, module_id: str, entry: m.StepEntry, index: int) -> m.Step | None:
        module_rel = f"modules/{module_id}/module.yaml"
        step_rel = f"modules/{module_id}/{entry.id}"
        step_dir = self.abs_root / "modules" / module_id / entry.id
        if not self._is_dir(step_rel):
            self.rep.error(module_rel, ["steps", index, "id"], _("step folder {folder}/ not found").format(
                folder=step_rel))
            return None
        for kind, filename in m.STEP_FILES.items():
            if kind != entry.kind and self._exists(f"{step_rel}/{filename}"):
                self.rep.warning(f"{step_rel}/{filename}", [], _("{file} is ignored: this step is a {kind}").format(
                    file=filename, kind=entry.kind))
        content: dict[str, Any] = {}
        if entry.kind == "lesson":
            lesson = self.lesson(step_rel, step_dir)
            if lesson is None:
                return None
            content["lesson"] = lesson
        else:
            rel = f"{step_rel}/{m.STEP_FILES[entry.kind]}"
            if not self._is_file(rel):
                self.rep.error(module_rel, ["steps", index, "kind"], _("a {kind} step needs {file}").format(
                    kind=entry.kind, file=f"{step_rel}/{m.STEP_FILES[entry.kind]}"))
                return None
            raw = self.rep.yaml(rel)
            if raw is None:
                return None
            cls = {"quiz": m.Quiz, "lab": m.Lab, "practical": m.Practical}[entry.kind]
            model = self.rep.model(cls, raw, rel)
            if model is None:
                if entry.kind == "quiz":
                    checks.check_questions_of_invalid_quiz(self.rep, rel, raw)
                return None
            if isinstance(model, m.Quiz):
                checks.check_quiz(self.rep, rel, model)
            elif isinstance(model, m.Lab):
                model._step_dir = step_dir
                checks.check_lab(self.rep, rel, model, step_dir, self.abs_root)
                if self.check_simulators:
                    labcheck.check_lab_simulation(self.rep, rel, model, step_dir)
            else:
                checks.check_practical(self.rep, rel, model, step_dir, self.abs_root)
            content[entry.kind] = model
        try:
            return m.Step(**dict(entry), module_id=module_id, path=step_dir, **content)
        except ValueError as exc:  # a programming error; report rather than crash
            self.rep.error(step_rel, [], str(exc))
            return None

    # --- modules -----------------------------------------------------------------------------

    def module(self, module_id: str, index: int) -> m.Module | None:
        folder = f"modules/{module_id}"
        rel = f"{folder}/module.yaml"
        if not self._is_dir(folder):
            self.rep.error("course.yaml", ["modules", index], _("module folder modules/{id}/ not found").format(
                id=module_id))
            return None
        if not self._is_file(rel):
            self.rep.error(folder, [], _("missing module.yaml"))
            return None
        raw = self.rep.yaml(rel)
        if raw is None:
            return None
        header = self.rep.model(m.ModuleFile, raw, rel)
        if header is not None:
            entries = list(enumerate(header.steps))
            if header.id != module_id:
                self.rep.error(rel, ["id"], _("module id “{id}” does not match its folder “{folder}”").format(
                    id=header.id, folder=module_id))
            checks.unique_ids(self.rep, rel, header.steps, ["steps"], _("step"))
            checks.check_all_locales(self.rep, rel, header)
        else:
            # Keep checking the steps that are well-formed so every problem shows in one run.
            entries = []
            for i, _ident in _listed_ids(raw, "steps"):
                entry = self._entry(raw["steps"][i])
                if entry is not None:
                    entries.append((i, entry))
        listed = {e.id for _i, e in entries} | {ident for _i, ident in _listed_ids(raw, "steps")}
        steps: list[m.Step] = []
        seen: set[str] = set()
        for i, entry in entries:
            if entry.id in seen:
                continue
            seen.add(entry.id)
            step = self.step(module_id, entry, i)
            if step is not None:
                steps.append(step)
        for name in self._subfolders(folder):
            if not name.startswith((".", "_")) and name not in listed:
                self.rep.warning(f"{folder}/{name}", [], _(
                    "folder {name}/ is not a step listed in module.yaml").format(name=name))
        if header is None or len(steps) != len(header.steps):
            return None
        return m.Module(id=header.id, title=header.title, summary=header.summary, steps=steps,
                        path=self.abs_root / "modules" / module_id)

    @staticmethod
    def _entry(raw: Any) -> m.StepEntry | None:
        try:
            return m.StepEntry.model_validate(raw)
        except ValueError:
            return None

    # --- course ------------------------------------------------------------------------------

    def course(self, source: m.CourseSource) -> m.Course | None:
        rep = self.rep
        if not self.root.is_dir():
            rep.error("", [], _("not a folder"))
            return None
        if not self._is_file("course.yaml"):
            rep.error("", [], _("not a course folder: course.yaml is missing"))
            return None
        raw = rep.yaml("course.yaml")
        if raw is None:
            return None
        fmt = raw.get("format")
        if isinstance(fmt, int) and not isinstance(fmt, bool) and fmt != m.FORMAT_VERSION:
            rep.error("course.yaml", ["format"], _(
                "this course uses format {found}; this version of Zhizao reads format {supported}").format(
                found=fmt, supported=m.FORMAT_VERSION))
            return None
        header = rep.model(m.CourseFile, raw, "course.yaml")
        if header is not None:
            module_ids = list(enumerate(header.modules))
            if not _folder_matches(self.root.name, header.id) and not _folder_matches(self.abs_root.name, header.id):
                rep.error("course.yaml", ["id"], _("course id “{id}” does not match its folder “{folder}”").format(
                    id=header.id, folder=self.abs_root.name))
            if header.id in header.prerequisites:
                rep.error("course.yaml", ["prerequisites"], _("a course cannot be its own prerequisite"))
            checks.check_all_locales(rep, "course.yaml", header)
        else:
            module_ids = _listed_ids(raw, "modules")
        modules: list[m.Module] = []
        seen: set[str] = set()
        for i, module_id in module_ids:
            if module_id in seen:
                rep.error("course.yaml", ["modules", i], _("module “{id}” is listed twice").format(id=module_id))
                continue
            seen.add(module_id)
            module = self.module(module_id, i)
            if module is not None:
                modules.append(module)
        for name in self._subfolders("modules") if self._is_dir("modules") else []:
            if not name.startswith((".", "_")) and name not in seen:
                rep.warning(f"modules/{name}", [], _(
                    "module folder {name}/ is not listed in course.yaml").format(name=name))
        glossary = self.glossary()
        if header is None or rep.has_errors:
            return None
        course = m.Course(
            **{k: getattr(header, k) for k in m.CourseFile.model_fields if k != "modules"},
            modules=modules, path=self.abs_root, source=source, glossary=glossary,
        )
        self._check_passing(course)
        for path, message in check_exam(course):
            rep.error("course.yaml", path, message)
        for path, message in check_competencies(course):
            rep.error("course.yaml", path, message)
        return None if rep.has_errors else course

    def glossary(self) -> list[m.GlossaryEntry]:
        """The terms of ``glossary.yaml`` if the course has one (problems reported with file:line)."""
        rel = m.GLOSSARY_FILE
        if not self._is_file(rel):
            return []
        raw = self.rep.yaml(rel)
        if raw is None:
            return []
        model = self.rep.model(m.GlossaryFile, raw, rel)
        if model is None:
            return []
        checks.check_all_locales(self.rep, rel, model)
        check_glossary(self.rep, rel, model)
        return model.terms

    def _check_passing(self, course: m.Course) -> None:
        for i, ref in enumerate(course.passing.required):
            module_id, _sep, step_id = ref.partition("/")
            module = course.module(module_id)
            if module is None:
                self.rep.error("course.yaml", ["passing", "required", i], _(
                    "passing.required names module “{id}”, which the course does not have").format(id=module_id))
            elif step_id and module.step(step_id) is None:
                self.rep.error("course.yaml", ["passing", "required", i], _(
                    "passing.required names step “{ref}”, which the course does not have").format(ref=ref))
        if course.passing.min_overall_score > 0 and not course.scored_step_keys():
            self.rep.warning("course.yaml", ["passing", "min_overall_score"], _(
                "the course has no quiz or lab, so min_overall_score cannot be reached"))


def read_course(path: Path, display: str | None = None, *, source: m.CourseSource = "path",
                check_simulators: bool = True,
                texts: dict[str, bytes] | None = None) -> tuple[m.Course | None, list[Problem]]:
    """Load and check the course folder at ``path``.

    Returns the course (None if there is any error) and every problem found,
    warnings included. ``display`` is how the folder is named in problems.
    ``texts`` (relative posix path → bytes) are files the caller has just read
    (the library hashes them); each is used instead of reading it again.
    """
    reader = _CourseReader(Path(path), display, check_simulators, texts)
    try:
        course = reader.course(source)
    except RecursionError:
        reader.rep.error("", [], _("the course is nested too deeply to read"))
        course = None
    return course, reader.rep.problems


def load_course(path: Path, *, source: m.CourseSource = "path") -> m.Course:
    """The course at ``path``; raises ``CourseError`` (with every problem) if it has errors."""
    course, problems = read_course(path, source=source)
    if course is None:
        raise CourseError(problems)
    return course

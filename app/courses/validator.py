"""``zhizao validate``: every problem in course folders and packages, plus checks across courses.

``validate_path``/``validate_paths`` never raise for bad input: whatever is wrong
with the files becomes a ``Problem``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from app.courses import models as m
from app.courses.errors import Problem, format_problem
from app.courses.loader import read_course
from app.courses.package import PACKAGE_SUFFIX, PackageError, extracted
from app.courses.reporter import Reporter
from app.courses.yamlio import TextError, parse_yaml, read_text
from app.i18n import _

__all__ = ["Problem", "course_dirs", "format_problem", "is_package", "read_header", "validate_path", "validate_paths"]


@dataclass
class _Header:
    """What cross-course checks need from one course.yaml."""

    course_id: str
    prerequisites: list[str]
    root: Path
    display: str


def read_header(root: Path, display: str) -> _Header | None:
    try:
        data = parse_yaml(read_text(root / "course.yaml"))
    except (TextError, OSError):
        return None
    if not isinstance(data, dict):
        return None
    cid = data.get("id")
    prereqs = data.get("prerequisites") or []
    if not isinstance(cid, str) or not isinstance(prereqs, list):
        return None
    return _Header(cid, [p for p in prereqs if isinstance(p, str)], root, display)


def course_dirs(folder: Path) -> list[Path]:
    """Course folders directly inside ``folder`` (those with a course.yaml), sorted."""
    try:
        return sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")
                      and (p / "course.yaml").is_file())
    except OSError:
        return []


def _default_catalog_dirs() -> list[Path]:
    from app.paths import courses_dir, default_data_dir

    return [courses_dir(), default_data_dir() / "library"]


def _catalog(dirs: Iterable[Path]) -> dict[str, list[str]]:
    known: dict[str, list[str]] = {}
    for folder in dirs:
        for root in course_dirs(folder):
            header = read_header(root, str(root))
            if header is not None:
                known.setdefault(header.course_id, header.prerequisites)
    return known


def _cycle_from(start: str, graph: dict[str, list[str]]) -> list[str] | None:
    """A prerequisite chain from ``start`` back to itself, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        node, chain = stack.pop()
        for nxt in graph.get(node, []):
            if nxt == start:
                return [*chain, start]
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, [*chain, nxt]))
    return None


def _cross_course(headers: list[_Header], catalog: dict[str, list[str]]) -> list[Problem]:
    graph = dict(catalog)
    for h in headers:
        graph[h.course_id] = h.prerequisites  # the files being validated win over installed copies
    problems: list[Problem] = []
    for h in headers:
        rep = Reporter(h.root, h.display)
        if rep.text("course.yaml") is None:
            continue
        for i, prereq in enumerate(h.prerequisites):
            if prereq != h.course_id and prereq not in graph:
                rep.error("course.yaml", ["prerequisites", i], _(
                    "prerequisite “{id}” is not a known course (bundled, in the library or validated alongside)"
                ).format(id=prereq))
        cycle = _cycle_from(h.course_id, graph)
        if cycle is not None and len(cycle) > 2:
            rep.error("course.yaml", ["prerequisites"], _("prerequisites form a cycle: {chain}").format(
                chain=" → ".join(cycle)))
        problems.extend(rep.problems)
    return problems


def _course_root_of(path: Path) -> Path | None:
    for folder in path.resolve().parents:
        if (folder / "course.yaml").is_file():
            return folder
    return None


def _validate_folder(root: Path, display: str, headers: list[_Header],
                     loaded: list[tuple[m.Course, Path, str]] | None = None) -> list[Problem]:
    course, problems = read_course(root, display)
    header = read_header(root, display)
    if header is not None:
        headers.append(header)
    if course is not None and loaded is not None:
        loaded.append((course, root, display))
    return problems


def _robustness(loaded: list[tuple[m.Course, Path, str]], n_seeds: int, rates: list[str] | None) -> list[Problem]:
    """Every lab's known-good/bad examples over ``n_seeds`` seeds (one process pool for all)."""
    from app.courses import robustness

    labs = [(course, root, display, step) for course, root, display in loaded
            for _module, step in course.iter_steps() if step.kind == "lab" and step.lab is not None]
    results = robustness.check_labs([(step.lab, course.path) for course, _r, _d, step in labs], n_seeds)
    problems: list[Problem] = []
    for (course, root, display, step), result in zip(labs, results, strict=True):
        rep = Reporter(root, display)
        rel = f"modules/{step.module_id}/{step.id}/{m.STEP_FILES['lab']}"
        rep.text(rel)
        robustness.report(rep, rel, step.lab, result)
        problems.extend(rep.problems)
        if rates is not None:
            rates.extend(robustness.summary_lines(f"{course.id}/{step.key}", result))
    return problems


def _validate_package(path: Path, display: str) -> list[Problem]:
    # Cross-course checks are skipped for packages: their folder vanishes afterwards.
    try:
        with extracted(path) as (_manifest, course_dir):
            _course, problems = read_course(course_dir, f"{display}!")
            return problems
    except PackageError as exc:
        return exc.problems or [Problem(display, None, None, "error", exc.message, "")]


def validate_paths(paths: Sequence[Path | str], *, catalog_dirs: Iterable[Path] | None = None,
                   robustness: int = 0, rates: list[str] | None = None) -> list[Problem]:
    """Problems in every course folder or package in ``paths``.

    A folder that holds course folders (like ``courses/``) is validated course by
    course. Prerequisites are resolved among the given courses and those in
    ``catalog_dirs`` (default: the bundled courses and the instructor library).
    With ``robustness`` N > 0, the labs of every course folder that loads are also
    run with their known-good/bad examples over N seeds (``app.courses.robustness``);
    one line per example's pass rate goes to ``rates``.
    """
    problems: list[Problem] = []
    headers: list[_Header] = []
    loaded: list[tuple[m.Course, Path, str]] | None = [] if robustness > 0 else None
    for raw in paths:
        path = Path(raw)
        display = str(raw)
        if not path.exists():
            problems.append(Problem(display, None, None, "error", _("no such file or folder"), ""))
        elif path.is_file() and path.suffix.lower() in (".yaml", ".yml", ".md"):
            # A file inside a course (the editor validates on save): check its whole course.
            root = _course_root_of(path)
            if root is None:
                problems.append(Problem(display, None, None, "error", _("this file is not inside a course folder"), ""))
            else:
                root_display = os.path.relpath(root) if not Path(raw).is_absolute() else str(root)
                problems.extend(_validate_folder(root, root_display, headers, loaded))
        elif path.is_file():
            problems.extend(_validate_package(path, display))
        elif (path / "course.yaml").is_file():
            problems.extend(_validate_folder(path, display, headers, loaded))
        else:
            inner = course_dirs(path)
            if not inner:
                problems.append(Problem(display, None, None, "error", _(
                    "not a course folder (no course.yaml) and holds no course folders"), ""))
            for root in inner:
                problems.extend(_validate_folder(root, os.path.join(display, root.name), headers, loaded))
    if headers:
        dirs = list(catalog_dirs) if catalog_dirs is not None else _default_catalog_dirs()
        dirs += sorted({h.root.resolve().parent for h in headers})
        problems.extend(_cross_course(headers, _catalog(dirs)))
    if loaded:
        problems.extend(_robustness(loaded, robustness, rates))
    # Compiler order: by file, then position (a file-level problem first).
    problems.sort(key=lambda p: (p.file, p.line or 0, p.col or 0))
    return problems


def validate_path(path: Path | str, *, catalog_dirs: Iterable[Path] | None = None) -> list[Problem]:
    """Problems in one course folder or ``.zhizao`` package (never raises for bad input)."""
    return validate_paths([path], catalog_dirs=catalog_dirs)


def is_package(path: Path) -> bool:
    return path.suffix.lower() == PACKAGE_SUFFIX


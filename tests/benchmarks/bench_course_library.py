"""Loading a library of 200 generated courses × 10 modules, cold (parse + validate) and warm (cache).

Floor: parsing the same YAML files and nothing else (libyaml through PyYAML's C safe
loader if available, else ruamel's safe loader), measured in the same run. Warm should
beat the floor (that is what the cache is for); cold pays for validation on top of parsing.
"""

from __future__ import annotations

import time
from pathlib import Path

from ruamel.yaml import YAML

from app.courses.library import CourseLibrary
from tests.benchmarks._report import report

COURSES = 200
MODULES = 10


def _lt(en: str, zh: str) -> str:
    return "{en: " + en + ", zh_CN: " + zh + "}"


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def generate(root: Path, courses: int = COURSES, modules: int = MODULES) -> None:
    """Small but complete courses: each module has a lesson, a 3-question quiz and a practical."""
    for c in range(courses):
        cid = f"course-{c:03d}"
        mids = [f"module-{i:02d}" for i in range(modules)]
        _write(root / cid / "course.yaml", "\n".join([
            "format: 1", f"id: {cid}", "version: 1.0.0", f"title: {_lt(f'Course {c}', f'课程 {c}')}",
            f"summary: {_lt('Generated.', '生成的课程。')}", "track: robotics-control", "level: beginner",
            "estimated_hours: 10", "passing:", "  min_overall_score: 0.7", f"  required: [{mids[0]}/quiz]",
            f"modules: [{', '.join(mids)}]", ""]))
        for mid in mids:
            base = root / cid / "modules" / mid
            _write(base / "module.yaml", "\n".join([
                f"id: {mid}", f"title: {_lt(mid, mid)}", "steps:",
                f"  - {{id: lesson, kind: lesson, title: {_lt('Lesson', '课程')}, estimated_minutes: 20}}",
                f"  - {{id: quiz, kind: quiz, title: {_lt('Quiz', '测验')}, estimated_minutes: 10}}",
                f"  - {{id: practical, kind: practical, title: {_lt('Practical', '实操')}}}", ""]))
            _write(base / "lesson" / "lesson.en.md", f"# {mid}\n\nSome text.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
            _write(base / "lesson" / "lesson.zh_CN.md", f"# {mid}\n\n一些文字。\n")
            _write(base / "quiz" / "quiz.yaml", "\n".join([
                "pass_mark: 0.7", "questions:",
                f"  - {{id: q1, type: true_false, prompt: {_lt('True?', '对吗？')}, answer: true}}",
                f"  - {{id: q2, type: numeric, prompt: {_lt('How many?', '多少？')}, answer: 120, tolerance: 1}}",
                "  - id: q3", "    type: single", f"    prompt: {_lt('Which?', '哪个？')}", "    options:",
                f"      - {{id: a, text: {_lt('A', '甲')}}}", f"      - {{id: b, text: {_lt('B', '乙')}}}",
                "    answer: b", ""]))
            _write(base / "practical" / "practical.yaml", "\n".join([
                f"instructions: {_lt('Do it.', '做。')}", "checklist:",
                f"  - {{id: one, text: {_lt('One', '一')}}}", ""]))


def _parse_all_yaml(root: Path) -> tuple[int, str]:
    try:
        import yaml

        loader = yaml.CSafeLoader

        def load(text: str) -> object:
            return yaml.load(text, Loader=loader)

        name = "libyaml"
    except (ImportError, AttributeError):
        ruamel = YAML(typ="safe", pure=True)
        load, name = ruamel.load, "ruamel"
    count = 0
    for path in sorted(root.rglob("*.yaml")):
        load(path.read_text(encoding="utf-8"))
        count += 1
    return count, name


def test_course_library_cold_and_warm(tmp_path):
    root = tmp_path / "library"
    generate(root)
    cache = tmp_path / "cache"

    t0 = time.perf_counter()
    cold = CourseLibrary(None, root, cache).courses()
    cold_ms = (time.perf_counter() - t0) * 1000
    assert len(cold) == COURSES and all(len(c.modules) == MODULES for c in cold)

    warm_runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        warm = CourseLibrary(None, root, cache).courses()
        warm_runs.append((time.perf_counter() - t0) * 1000)
    assert [c.model_dump() for c in warm] == [c.model_dump() for c in cold]
    warm_ms = sorted(warm_runs)[1]

    t0 = time.perf_counter()
    files, parser = _parse_all_yaml(root)
    floor_ms = (time.perf_counter() - t0) * 1000

    note = f"{COURSES} courses x {MODULES} modules, {files} YAML files; floor = bare {parser} parse, no checks"
    report("course_library_warm", warm_ms, floor_ms, note=note)
    report("course_library_cold", cold_ms, floor_ms, note=note)

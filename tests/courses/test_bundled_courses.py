"""The bundled courses: valid with no warning, and every lab passable and failable.

Each lab.yaml starts with comment lines recording settings checked by its
author: ``# known-good: {...}`` must pass every objective with the lab's grading
seed, each ``# known-bad: {...}`` must fail. This proves every objective is
reachable and the lab actually discriminates.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from app.courses.grading import run_and_grade_lab
from app.courses.loader import load_course
from app.courses.validator import validate_path
from app.paths import courses_dir

BUNDLED = sorted(p for p in courses_dir().iterdir() if (p / "course.yaml").exists() and not p.name.startswith("_"))
LABS = sorted(p for course in BUNDLED for p in course.glob("modules/*/*/lab.yaml"))
_MARK = re.compile(r"^#.*\bknown-(good|bad)\b[^:{]*:\s*(\{.*)$")


def _mapping(text: str) -> dict:
    """The flow mapping at the start of ``text`` (a note may follow it)."""
    depth, quote, escaped = 0, "", False
    for i, ch in enumerate(text):
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = ""
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return dict(YAML(typ="safe").load(text[: i + 1]) or {})
    raise AssertionError(f"unterminated settings: {text[:80]}")


def known_settings(lab_yaml: Path) -> list[tuple[str, dict]]:
    found = []
    for line in lab_yaml.read_text(encoding="utf-8").splitlines():
        m = _MARK.match(line.strip())
        if m:
            found.append((m.group(1), _mapping(m.group(2))))
    return found


def test_both_flagship_courses_are_bundled():
    assert {p.name for p in BUNDLED} >= {"industrial-robot-operation", "ai-predictive-maintenance"}
    assert len(LABS) >= 8


@pytest.mark.parametrize("course", BUNDLED, ids=lambda p: p.name)
def test_course_validates_without_errors_or_warnings(course):
    problems = validate_path(course)
    assert problems == [], "\n".join(f"{p.file}:{p.line}: {p.severity}: {p.message}" for p in problems)


@pytest.mark.parametrize("course", BUNDLED, ids=lambda p: p.name)
def test_course_shape(course):
    loaded = load_course(course)
    assert len(loaded.modules) >= 6
    kinds = [s.kind for _m, s in loaded.iter_steps()]
    assert kinds.count("lab") >= 4 and "practical" in kinds
    for module in loaded.modules:
        quizzes = [s for s in module.steps if s.kind == "quiz"]
        assert quizzes and all(len(q.quiz.questions) >= 8 for q in quizzes)
        assert all(q.explanation for q in quizzes[0].quiz.questions)


@pytest.mark.parametrize("lab_yaml", LABS, ids=lambda p: "/".join(p.parts[-4:-1]))
def test_lab_known_good_passes_and_known_bad_fails(lab_yaml):
    settings = known_settings(lab_yaml)
    assert any(k == "good" for k, _s in settings) and any(k == "bad" for k, _s in settings)
    course = load_course(lab_yaml.parents[3])
    step = course.step(f"{lab_yaml.parts[-3]}/{lab_yaml.parts[-2]}")
    for kind, values in settings:
        grade, metrics = run_and_grade_lab(step.lab, course.path, values)
        assert grade.passed is (kind == "good"), f"{kind} {values}: {metrics}"

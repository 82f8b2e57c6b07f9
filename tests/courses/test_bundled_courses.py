"""The bundled courses: valid with no warning, and every lab passable and failable.

Each lab.yaml lists settings checked by its author under ``examples``: every
``good`` one must pass every objective with the lab's grading seed, every ``bad``
one must fail. This proves every objective is reachable and the lab actually
discriminates (tests/courses/test_labs.py checks the same over many seeds).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from app.courses.grading import run_and_grade_lab
from app.courses.labcheck import example_settings
from app.courses.loader import load_course
from app.courses.validator import validate_path
from app.courses.yamlio import parse_yaml
from app.paths import courses_dir

BUNDLED = sorted(p for p in courses_dir().iterdir() if (p / "course.yaml").exists() and not p.name.startswith("_"))
LABS = sorted(p for course in BUNDLED for p in course.glob("modules/*/*/lab.yaml"))
DETERMINISTIC = ("robot_cell", "robot_arm")
"""Simulators that draw nothing at random: the seed only labels their result."""
SEEDED_LABS = [p for p in LABS if parse_yaml(p.read_text(encoding="utf-8"))["simulator"] not in DETERMINISTIC]
"""The labs whose grade could depend on the seed. The others' examples are graded by
test_labs.py::test_every_bundled_lab_is_robust with the same function (run_and_grade_lab) and the same
assertions (every good example passes, every bad one fails); on another seed, which gives the same run."""


@cache
def _course(path: Path):
    return load_course(path)
def test_both_flagship_courses_are_bundled():
    assert {p.name for p in BUNDLED} >= {"industrial-robot-operation", "ai-predictive-maintenance",
                                         "digital-manufacturing-management"}
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


@pytest.mark.parametrize("lab_yaml", SEEDED_LABS, ids=lambda p: "/".join(p.parts[-4:-1]))
def test_lab_known_good_passes_and_known_bad_fails(lab_yaml):
    course = _course(lab_yaml.parents[3])
    step = course.step(f"{lab_yaml.parts[-3]}/{lab_yaml.parts[-2]}")
    examples = step.lab.examples
    assert examples is not None and examples.good and examples.bad
    for kind, settings in [("good", s) for s in examples.good] + [("bad", s) for s in examples.bad]:
        settings = example_settings(step.lab, settings, None)  # a robot_arm lab's pendant log from its file
        grade, metrics = run_and_grade_lab(step.lab, course.path, settings)
        assert grade.passed is (kind == "good"), f"{kind} {settings}: {metrics}"

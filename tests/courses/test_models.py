"""The models: navigation helpers, the question union, and the JSON Schema derived from them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from app.courses import models as m
from app.courses.loader import load_course
from app.courses.schema import course_schema, file_schema
from app.courses.yamlio import parse_yaml, read_text

from .conftest import FIXTURE


@pytest.fixture(scope="module")
def course() -> m.Course:
    return load_course(FIXTURE)


def test_navigation(course):
    assert course.step_keys() == ["basics/lesson", "basics/quiz", "line/buffer-lab", "line/practical"]
    assert course.scored_step_keys() == ["basics/quiz", "line/buffer-lab"]
    assert course.find_step("line", "practical").kind == "practical"
    assert course.find_step("line", "nope") is None and course.find_step("nope", "quiz") is None
    assert course.step("basics/quiz").key == "basics/quiz"
    assert course.module("basics").step("lesson").content is course.step("basics/lesson").lesson
    assert course.required_step_keys() == ["basics/quiz", "line/practical"]
    assert course.path == FIXTURE.resolve() and course.source == "path" and not course.read_only


def test_module_refs_in_passing_expand_to_their_passable_steps(course):
    changed = course.model_copy(update={"passing": m.Passing(required=["line", "basics/quiz"])})
    assert changed.required_step_keys() == ["line/buffer-lab", "line/practical", "basics/quiz"]


def test_localized_text_and_lesson_fallback(course):
    assert course.title.get("zh_CN") == "测试用迷你课程"
    assert m.text_for({"en": "Hello"}, "zh_CN") == "Hello"
    lesson = course.step("basics/lesson").lesson
    assert lesson.text("zh_CN").startswith("# 工位") and lesson.text("fr").startswith("# Stations")


def test_question_union_is_discriminated_by_type():
    quiz = m.Quiz.model_validate({"questions": [
        {"id": "t", "type": "true_false", "prompt": {"en": "?"}, "answer": False},
        {"id": "n", "type": "numeric", "prompt": {"en": "?"}, "answer": 3},
    ]})
    assert isinstance(quiz.questions[0], m.TrueFalseQuestion) and isinstance(quiz.questions[1], m.NumericQuestion)
    assert quiz.questions[1].answer == 3.0 and quiz.draw_count == 2
    with pytest.raises(ValidationError):
        m.Quiz.model_validate({"questions": [{"id": "x", "type": "essay", "prompt": {"en": "?"}}]})


def test_models_are_strict_about_types():
    with pytest.raises(ValidationError):
        m.TrueFalseQuestion.model_validate({"id": "t", "type": "true_false", "prompt": {"en": "?"}, "answer": "yes"})
    with pytest.raises(ValidationError):
        m.StepEntry.model_validate({"id": "s", "kind": "lesson", "title": {"en": "t"}, "extra": 1})


def test_schema_covers_every_file_kind():
    schema = course_schema()
    assert set(schema["x-zhizao-files"]) == {"course.yaml", "module.yaml", "quiz.yaml", "lab.yaml", "practical.yaml"}
    quiz = schema["$defs"]["Quiz"]
    mapping = quiz["properties"]["questions"]["items"]["discriminator"]["mapping"]
    assert set(mapping) == set(m.QUESTION_TYPES)
    assert schema["$defs"]["CourseFile"]["additionalProperties"] is False


@pytest.mark.parametrize("rel, name", [
    ("course.yaml", "course.yaml"),
    ("modules/basics/module.yaml", "module.yaml"),
    ("modules/basics/quiz/quiz.yaml", "quiz.yaml"),
    ("modules/line/buffer-lab/lab.yaml", "lab.yaml"),
    ("modules/line/practical/practical.yaml", "practical.yaml"),
])
def test_schema_accepts_the_fixture_and_rejects_a_typo(rel, name):
    jsonschema = pytest.importorskip("jsonschema")
    data = parse_yaml(read_text(FIXTURE / rel))
    jsonschema.validate(data, file_schema(name))
    jsonschema.validate(data, course_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**data, "tittle": "x"}, file_schema(name))

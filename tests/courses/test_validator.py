"""Every validator rule, each on a copy of the fixture course with one thing broken."""

from __future__ import annotations

import copy
import os
import shutil
from pathlib import Path

import pytest

from app.courses import checks
from app.courses.errors import CourseError, Problem, format_problem
from app.courses.loader import load_course, read_course
from app.courses.validator import validate_paths

from .conftest import FIXTURE, edit_yaml, errors, having, only, validate, warnings

QUIZ = "modules/basics/quiz/quiz.yaml"
LAB = "modules/line/buffer-lab/lab.yaml"
PRACTICAL = "modules/line/practical/practical.yaml"
LESSON_EN = "modules/basics/lesson/lesson.en.md"
LESSON_ZH = "modules/basics/lesson/lesson.zh_CN.md"
BASICS = "modules/basics/module.yaml"


def line_of(path: Path, needle: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return i
    raise AssertionError(f"{needle!r} not in {path}")


# --- the fixture itself ----------------------------------------------------------------------------


def test_fixture_course_is_clean():
    assert validate(FIXTURE) == []


def test_fixture_course_loads_with_every_step_kind_and_question_type():
    course = load_course(FIXTURE)
    assert course.id == "fixture-mini"
    assert course.step_keys() == ["basics/lesson", "basics/quiz", "line/buffer-lab", "line/practical"]
    assert {s.kind for _m, s in course.iter_steps()} == {"lesson", "quiz", "lab", "practical"}
    quiz = course.find_step("basics", "quiz").quiz
    assert sorted(q.type for q in quiz.questions) == sorted(
        ["single", "multiple", "true_false", "numeric", "ordering", "matching", "fill_blank"])
    lesson = course.find_step("basics", "lesson")
    assert set(lesson.lesson.markdown) == {"en", "zh_CN"}
    assert (lesson.path / "line.svg").is_file()
    assert "| Factor" in lesson.lesson.markdown["en"]


# --- YAML and text ----------------------------------------------------------------------------------


def test_malformed_yaml_points_at_the_line(course_dir):
    quiz = course_dir / QUIZ
    text = quiz.read_text(encoding="utf-8").replace("answer: [a, b, c]", "answer: [a, b, c")
    quiz.write_text(text, encoding="utf-8")
    problems = validate(course_dir)
    p = only(errors(problems), "invalid YAML")
    assert p.file == str(course_dir / QUIZ)
    # The scanner notices the unclosed list on the next line at the latest.
    assert p.line in (line_of(quiz, "answer: [a, b, c"), line_of(quiz, "answer: [a, b, c") + 1)
    assert p.col is not None


def test_yaml_aliases_are_refused(course_dir):
    path = course_dir / "course.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("title: {en: Fixture mini course", "title: &t {en: Fixture mini course")
    text = text.replace("modules: [basics, line]", "modules: [basics, line]\nextra: *t")
    path.write_text(text, encoding="utf-8")
    p = only(errors(validate(course_dir)), "aliases")
    assert p.line == line_of(path, "extra: *t")


def test_invalid_utf8_is_reported_with_its_position(course_dir):
    lesson = course_dir / LESSON_EN
    data = lesson.read_bytes().replace(b"A production line", b"A produc\xff\xfeion line")
    lesson.write_bytes(data)
    p = only(errors(validate(course_dir)), "UTF-8")
    assert p.file == str(course_dir / LESSON_EN)
    assert p.line == line_of_bytes(data, b"\xff")
    assert p.col == 9


def line_of_bytes(data: bytes, needle: bytes) -> int:
    return data[: data.index(needle)].count(b"\n") + 1


def test_duplicate_yaml_keys_are_errors(course_dir):
    path = course_dir / "course.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "level: advanced\n", encoding="utf-8")
    p = only(errors(validate(course_dir)), "duplicate key")
    assert p.line == len(path.read_text(encoding="utf-8").splitlines())


# --- schema and types -------------------------------------------------------------------------------


def test_unknown_field_has_location_and_pointer(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][2].insert(1, "anwser", True))
    p = only(errors(validate(course_dir)), "unknown field “anwser”")
    assert p.pointer == f"{QUIZ}#questions.2.anwser"
    assert p.line == line_of(course_dir / QUIZ, "anwser")
    assert format_problem(p).startswith(f"{course_dir / QUIZ}:{p.line}:{p.col}: error: ")


def test_wrong_type_and_missing_field(course_dir):
    def change(d):
        d["estimated_hours"] = "lots"
        del d["title"]

    edit_yaml(course_dir / "course.yaml", change)
    problems = errors(validate(course_dir))
    wrong = only(problems, "must be a number")
    assert wrong.pointer == "course.yaml#estimated_hours"
    assert wrong.line == line_of(course_dir / "course.yaml", "estimated_hours")
    missing = only(problems, "missing required field “title”")
    assert missing.pointer == "course.yaml#title"


def test_unknown_question_type_lists_the_types(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][0].__setitem__("type", "essay"))
    p = only(errors(validate(course_dir)), "essay")
    assert "fill_blank" in p.message
    assert p.pointer.startswith(f"{QUIZ}#questions.0")


def test_bad_ids_and_versions(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("version", "1.0"))
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][0].__setitem__("id", "Q One"))
    problems = errors(validate(course_dir))
    assert only(problems, "semantic version").pointer == "course.yaml#version"
    assert only(problems, "not a valid id").pointer == f"{QUIZ}#questions.0.id"


def test_range_limits(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d.__setitem__("pass_mark", 1.5))
    p = only(errors(validate(course_dir)), "at most 1")
    assert p.pointer == f"{QUIZ}#pass_mark"


def test_unsupported_format_version(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("format", 2))
    p = only(errors(validate(course_dir)), "format 2")
    assert "format 1" in p.message


def test_every_problem_is_reported_in_one_run(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("level", "expert"))
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][0].__setitem__("answer", "z"))
    edit_yaml(course_dir / PRACTICAL, lambda d: d["checklist"][1].__setitem__("id", "notify"))
    pointers = {p.pointer for p in errors(validate(course_dir))}
    assert {"course.yaml#level", f"{QUIZ}#questions.0.answer", f"{PRACTICAL}#checklist.1.id"} <= pointers


# --- unique ids -------------------------------------------------------------------------------------


def test_duplicate_ids_everywhere(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: (d["questions"][1].__setitem__("id", "q-single"),
                                            d["questions"][0]["options"][1].__setitem__("id", "a")))
    edit_yaml(course_dir / "modules/line/module.yaml", lambda d: d["steps"][1].__setitem__("id", "buffer-lab"))
    problems = errors(validate(course_dir))
    assert only(problems, "duplicate question id").pointer == f"{QUIZ}#questions.1.id"
    assert only(problems, "duplicate option id").pointer == f"{QUIZ}#questions.0.options.1.id"
    assert only(problems, "duplicate step id").pointer == "modules/line/module.yaml#steps.1.id"


def test_module_listed_twice(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d["modules"].append("basics"))
    p = only(errors(validate(course_dir)), "listed twice")
    assert p.pointer == "course.yaml#modules.2"


def test_duplicate_control_and_pair_ids(course_dir):
    def dup_control(d):
        d["controls"].append(copy.deepcopy(d["controls"][0]))

    edit_yaml(course_dir / LAB, dup_control)
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][5]["pairs"][2].__setitem__("id", "availability"))
    problems = errors(validate(course_dir))
    assert only(problems, "duplicate control id").pointer == f"{LAB}#controls.3.id"
    assert only(problems, "duplicate pair id").pointer == f"{QUIZ}#questions.5.pairs.2.id"


# --- cross-references -------------------------------------------------------------------------------


def test_answers_must_name_options(course_dir):
    def change(d):
        d["questions"][0]["answer"] = "z"
        d["questions"][1]["answer"].append("q")
        d["questions"][4]["answer"].pop()

    edit_yaml(course_dir / QUIZ, change)
    problems = errors(validate(course_dir))
    assert only(problems, "answer “z”").pointer == f"{QUIZ}#questions.0.answer"
    assert only(problems, "answer “q”").pointer == f"{QUIZ}#questions.1.answer.3"
    assert "verify" in only(problems, "must list every option").message


def test_fill_blank_needs_exactly_one_blank(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][6]["prompt"].__setitem__("en", "___ = ___"))
    p = only(errors(validate(course_dir)), "exactly one “___”")
    assert p.pointer == f"{QUIZ}#questions.6.prompt.en"


def test_draw_cannot_exceed_the_bank(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d.insert(0, "draw", 9))
    assert only(errors(validate(course_dir)), "draw is 9").pointer == f"{QUIZ}#draw"


def test_missing_image_points_at_the_markdown(course_dir):
    lesson = course_dir / LESSON_EN
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\nSee ![flow](flow.png) here.\n", encoding="utf-8")
    p = only(errors(validate(course_dir)), "image not found")
    assert p.file == str(lesson)
    assert p.line == line_of(lesson, "![flow](flow.png)")
    assert p.col == lesson.read_text(encoding="utf-8").splitlines()[p.line - 1].index("flow.png") + 1


@pytest.mark.parametrize("src, fragment", [
    ("https://example.com/a.png", "not a URL"),
    ("../../../../outside.svg", "outside the course folder"),
    ("data:image/png;base64,AAAA", "not a URL"),
])
def test_images_must_be_local_files(course_dir, src, fragment):
    lesson = course_dir / LESSON_ZH
    lesson.write_text(lesson.read_text(encoding="utf-8") + f"\n![x]({src})\n", encoding="utf-8")
    assert only(errors(validate(course_dir)), fragment).file == str(lesson)


def test_image_in_another_folder_of_the_course_is_allowed(course_dir):
    shutil.copy(course_dir / "modules/basics/lesson/line.svg", course_dir / "modules/shared.svg")
    lesson = course_dir / LESSON_EN
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n![x](../../shared.svg)\n", encoding="utf-8")
    assert errors(validate(course_dir)) == []


def test_links_with_unsafe_schemes_are_warned(course_dir):
    lesson = course_dir / LESSON_EN
    lesson.write_text(lesson.read_text(encoding="utf-8") + "\n[run](ftp://example.com/a.txt)\n", encoding="utf-8")
    p = only(warnings(validate(course_dir)), "not be clickable")
    assert p.line == line_of(lesson, "[run]")


def test_passing_required_must_exist(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d["passing"]["required"].extend(["basics/exam", "robots"]))
    problems = errors(validate(course_dir))
    assert only(problems, "“basics/exam”").pointer == "course.yaml#passing.required.2"
    assert only(problems, "module “robots”").pointer == "course.yaml#passing.required.3"


def test_unknown_prerequisite(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("prerequisites", ["robot-basics"]))
    p = only(errors(validate(course_dir)), "robot-basics")
    assert p.pointer == "course.yaml#prerequisites.0"
    assert p.line == line_of(course_dir / "course.yaml", "- robot-basics")


def test_prerequisite_among_sibling_courses_is_found(course_dir):
    other = course_dir.parent / "robot-basics"
    shutil.copytree(course_dir, other)
    edit_yaml(other / "course.yaml", lambda d: d.__setitem__("id", "robot-basics"))
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("prerequisites", ["robot-basics"]))
    assert errors(validate(course_dir)) == []


def test_prerequisite_cycles_are_errors(course_dir):
    other = course_dir.parent / "robot-basics"
    shutil.copytree(course_dir, other)
    edit_yaml(other / "course.yaml", lambda d: (d.__setitem__("id", "robot-basics"),
                                                d.__setitem__("prerequisites", ["fixture-mini"])))
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("prerequisites", ["robot-basics"]))
    problems = errors(validate_paths([course_dir, other], catalog_dirs=[]))
    cycles = having(problems, "cycle")
    assert {p.file for p in cycles} == {str(course_dir / "course.yaml"), str(other / "course.yaml")}
    assert "fixture-mini → robot-basics → fixture-mini" in cycles[0].message or \
        "robot-basics → fixture-mini → robot-basics" in cycles[0].message


def test_a_course_cannot_require_itself(course_dir):
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("prerequisites", ["fixture-mini"]))
    only(errors(validate(course_dir)), "its own prerequisite")


# --- folders and files ------------------------------------------------------------------------------


def test_ids_must_match_folders(course_dir):
    edit_yaml(course_dir / BASICS, lambda d: d.__setitem__("id", "basic"))
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("id", "fixture-maxi"))
    problems = errors(validate(course_dir))
    assert only(problems, "module id “basic”").pointer == f"{BASICS}#id"
    assert only(problems, "course id “fixture-maxi”").pointer == "course.yaml#id"


def test_missing_step_folder_and_step_file(course_dir):
    shutil.rmtree(course_dir / "modules/line/practical")
    (course_dir / LAB).unlink()
    problems = errors(validate(course_dir))
    assert only(problems, "step folder").pointer == "modules/line/module.yaml#steps.1.id"
    assert only(problems, "needs modules/line/buffer-lab/lab.yaml").pointer == "modules/line/module.yaml#steps.0.kind"


def test_missing_module_folder(course_dir):
    shutil.rmtree(course_dir / "modules/line")
    p = only(errors(validate(course_dir)), "modules/line/ not found")
    assert p.pointer == "course.yaml#modules.1"


def test_stray_folders_and_files_are_warned(course_dir):
    (course_dir / "modules/old-module").mkdir()
    (course_dir / "modules/basics/draft").mkdir()
    (course_dir / "modules/basics/lesson/quiz.yaml").write_text("questions: []\n", encoding="utf-8")
    problems = validate(course_dir)
    assert errors(problems) == []
    only(warnings(problems), "old-module/ is not listed")
    only(warnings(problems), "draft/ is not a step")
    only(warnings(problems), "quiz.yaml is ignored")


def test_stray_folders_are_warned_in_order_and_stray_files_are_not(course_dir):
    for name in ("b-stray", "a-stray"):
        (course_dir / "modules" / name).mkdir()
    (course_dir / "modules/notes.txt").write_text("x", encoding="utf-8")
    (course_dir / "modules/basics/notes").write_text("x", encoding="utf-8")
    stray = [p.file for p in warnings(validate(course_dir)) if "is not" in p.message]
    assert stray == [str(course_dir / "modules" / name) for name in ("a-stray", "b-stray")]


@pytest.mark.skipif(os.name == "nt", reason="symlinks need privileges on Windows")
def test_symlinked_folders_and_files_count_as_what_they_point_to(course_dir):
    lesson = course_dir / "modules/basics/lesson"
    lesson.rename(course_dir / "lesson-source")
    lesson.symlink_to(course_dir / "lesson-source", target_is_directory=True)
    (lesson / "lesson.zh_CN.md").unlink()
    (lesson / "lesson.zh_CN.md").symlink_to(course_dir / "nowhere.md")  # broken: no such file
    (lesson / "practical.yaml").symlink_to(course_dir / "nowhere.yaml")
    problems = validate(course_dir)
    assert errors(problems) == []
    assert only(warnings(problems), "missing zh_CN").file == str(course_dir / LESSON_ZH)
    assert not having(problems, "is ignored")  # a broken link is no file
    (course_dir / "modules/line/practical").rename(course_dir / "practical-source")
    (course_dir / "modules/line/practical").symlink_to(course_dir / "practical-source", target_is_directory=True)
    (course_dir / "lesson-source/quiz.yaml").symlink_to(course_dir / QUIZ)
    problems = validate(course_dir)
    assert errors(problems) == []
    only(warnings(problems), "quiz.yaml is ignored")


def test_not_a_course_and_missing_path(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "no course.yaml" in only(validate(tmp_path / "empty"), "course").message
    assert only(validate(tmp_path / "nope"), "no such file").severity == "error"


def test_a_folder_of_courses_is_validated_course_by_course(course_dir):
    shutil.copytree(course_dir, course_dir.parent / "fixture-two")
    edit_yaml(course_dir.parent / "fixture-two/course.yaml", lambda d: d.__setitem__("id", "fixture-two"))
    edit_yaml(course_dir.parent / "fixture-two" / QUIZ, lambda d: d["questions"][0].__setitem__("answer", "z"))
    problems = errors(validate(course_dir.parent))
    assert [p.file for p in problems] == [str(course_dir.parent / "fixture-two" / QUIZ)]


# --- locales ----------------------------------------------------------------------------------------


def test_missing_chinese_is_a_warning_missing_everything_an_error(course_dir):
    def change(d):
        del d["title"]["zh_CN"]
        d["summary"] = {}

    edit_yaml(course_dir / "course.yaml", change)
    problems = validate(course_dir)
    assert only(warnings(problems), "missing zh_CN").pointer == "course.yaml#title"
    assert only(errors(problems), "no text in any language").pointer == "course.yaml#summary"


def test_empty_translation_counts_as_missing(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][3]["explanation"].__setitem__("en", "  "))
    p = only(warnings(validate(course_dir)), "missing en")
    assert p.pointer == f"{QUIZ}#questions.3.explanation"


def test_missing_lesson_translation_and_missing_lesson(course_dir):
    (course_dir / LESSON_ZH).unlink()
    problems = validate(course_dir)
    assert errors(problems) == []
    assert only(warnings(problems), "missing zh_CN").file == str(course_dir / LESSON_ZH)
    (course_dir / LESSON_EN).unlink()
    p = only(errors(validate(course_dir)), "the lesson has no")
    assert p.file == str(course_dir / "modules/basics/lesson")


def test_fill_blank_accepted_answers_per_locale(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][6]["accepted"].__delitem__("zh_CN"))
    assert only(warnings(validate(course_dir)), "missing zh_CN").pointer == f"{QUIZ}#questions.6.accepted"
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][6].__setitem__("accepted", {"en": []}))
    assert only(errors(validate(course_dir)), "no text").pointer == f"{QUIZ}#questions.6.accepted"


def test_unknown_locale_is_warned(course_dir):
    edit_yaml(course_dir / PRACTICAL, lambda d: d["checklist"][0]["text"].__setitem__("fr", "Prévenir"))
    p = only(warnings(validate(course_dir)), "unknown locale “fr”")
    assert p.pointer == f"{PRACTICAL}#checklist.0.text.fr"


def test_markdown_that_fails_to_parse_is_an_error(course_dir, monkeypatch):
    def broken(*_args, **_kw):
        raise RuntimeError("renderer exploded")

    monkeypatch.setattr(checks, "markdown_refs", broken)
    problems = errors(validate(course_dir))
    assert {p.file for p in having(problems, "renderer exploded")} >= {
        str(course_dir / LESSON_EN), str(course_dir / LESSON_ZH)}


# --- labs: structure --------------------------------------------------------------------------------


def test_control_defaults_must_fit(course_dir):
    edit_yaml(course_dir / LAB, lambda d: d["controls"][0].__setitem__("default", 25))
    assert only(errors(validate(course_dir)), "outside 0..20").pointer == f"{LAB}#controls.0.default"


def test_choice_control_default_must_be_a_choice(course_dir):
    def change(d):
        c = d["controls"][0]
        for key in ("min", "max", "step", "unit"):
            del c[key]
        c["type"] = "choice"
        c["choices"] = [{"value": 2, "label": {"en": "two", "zh_CN": "二"}},
                        {"value": 4, "label": {"en": "four", "zh_CN": "四"}}]
        c["default"] = 3

    edit_yaml(course_dir / LAB, change)
    assert only(errors(validate(course_dir)), "not one of the choices").pointer == f"{LAB}#controls.0.default"


def test_scenario_and_scenario_file_are_exclusive(course_dir):
    edit_yaml(course_dir / LAB, lambda d: d.insert(2, "scenario_file", "scenario.yaml"))
    only(errors(validate(course_dir)), "not both")
    edit_yaml(course_dir / LAB, lambda d: d.__delitem__("scenario"))
    assert only(errors(validate(course_dir)), "scenario file not found").pointer == f"{LAB}#scenario_file"


def test_scenario_must_be_a_name_or_mapping(course_dir):
    edit_yaml(course_dir / LAB, lambda d: d.__setitem__("scenario", 42))
    assert only(errors(validate(course_dir)), "scenario must be").pointer == f"{LAB}#scenario"


# --- API --------------------------------------------------------------------------------------------


def test_load_course_raises_course_error_with_every_problem(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][0].__setitem__("answer", "z"))
    edit_yaml(course_dir / "course.yaml", lambda d: d.__setitem__("level", "expert"))
    with pytest.raises(CourseError) as info:
        load_course(course_dir)
    assert {p.pointer for p in info.value.problems if p.is_error} >= {
        f"{QUIZ}#questions.0.answer", "course.yaml#level"}
    assert "answer “z”" in str(info.value)


def test_read_course_returns_warnings_with_the_course(course_dir):
    (course_dir / LESSON_ZH).unlink()
    course, problems = read_course(course_dir)
    assert course is not None
    assert problems and all(p.severity == "warning" for p in problems)
    assert only(problems, "missing zh_CN").file == str(course_dir / LESSON_ZH)


def test_problem_without_position_formats_without_numbers():
    p = Problem("x/course.yaml", None, None, "warning", "something", "course.yaml")
    assert format_problem(p) == "x/course.yaml: warning: something"


def test_a_file_inside_a_course_validates_its_course(course_dir):
    edit_yaml(course_dir / QUIZ, lambda d: d["questions"][0].__setitem__("answer", "z"))
    for target in (course_dir / QUIZ, course_dir / "course.yaml", course_dir / LESSON_EN):
        p = only(errors(validate(target)), "answer “z”")
        assert p.pointer == f"{QUIZ}#questions.0.answer" and p.file == str(course_dir / QUIZ)


def test_a_yaml_file_outside_any_course(tmp_path):
    (tmp_path / "loose.yaml").write_text("a: 1\n")
    assert "not inside a course" in only(validate(tmp_path / "loose.yaml"), "course").message

"""Starting programs per language: a program control's ``default`` may be {en: ..., zh_CN: ...}.

The trainee sees the program in their language; grading and the examples use the English one; the
validator checks that every language's program runs and is the English one with other comments.
"""

from __future__ import annotations

import re

import pytest

from app.courses import models as m
from app.courses.checks import program_code
from app.courses.grading import lab_scenario, run_and_grade_lab
from app.courses.loader import load_course, read_course
from app.paths import courses_dir

from .conftest import edit_yaml, errors, validate

LAB = "modules/line/buffer-lab/lab.yaml"
ROBOT_COURSE = courses_dir() / "industrial-robot-operation"
CJK = re.compile(r"[\u4e00-\u9fff]")

EN = """# Pick the part and place it in the fixture.
POINT home = (500, 0, 600)
MOVEJ home 100%
WAIT DI[1]          # part present
MOVEJ (600, -400, 250) 100%
"""
ZH = """# 抓取工件，放入夹具。
# 第二行注释也可以。
POINT home = (500, 0, 600)

MOVEJ   home 100%
WAIT DI[1]          # 工件到位
MOVEJ (600, -400, 250) 100%
"""


def control(default) -> m.Control:
    return m.Control.model_validate({"id": "program", "path": "program", "label": {"en": "Program"},
                                     "type": "program", "default": default})


def test_the_trainee_sees_their_language_and_grading_uses_english():
    c = control({"en": EN, "zh_CN": ZH})
    assert c.default_in("zh_CN") == ZH
    assert c.default_in("en") == EN
    assert c.default_in("fr") == EN  # a language the course lacks: English
    assert c.graded_default == EN
    plain = control(EN)
    assert plain.default_in("zh_CN") == plain.graded_default == EN


def test_program_code_ignores_comments_blank_lines_and_spacing():
    assert program_code(EN) == program_code(ZH) == [
        "POINT home = (500, 0, 600)", "MOVEJ home 100%", "WAIT DI[1]", "MOVEJ (600, -400, 250) 100%"]
    assert program_code(ZH.replace("100%\n", "50%\n", 1)) != program_code(EN)


def _robot_lab(default):
    def change(d):
        d["simulator"] = "robot_cell"
        d["scenario"] = "pick-and-place-cell"
        d["controls"] = [{"id": "program", "path": "program", "label": {"en": "Program", "zh_CN": "程序"},
                          "type": "program", "default": default}]
        d["objectives"] = [{"metric": "violations", "op": "==", "target": 0}]
        d.pop("examples", None)
    return change


def test_a_per_language_program_that_differs_only_in_comments_is_valid(course_dir):
    edit_yaml(course_dir / LAB, _robot_lab({"en": EN, "zh_CN": ZH}))
    assert errors(validate(course_dir)) == []
    lab = load_course(course_dir).find_step("line", "buffer-lab").lab
    _kind, scenario = lab_scenario(lab, None)
    assert scenario.program == EN  # graded on the English program


def test_the_validator_finds_a_translated_program_that_does_something_else(course_dir):
    changed = ZH.replace("WAIT DI[1]", "WAIT DI[2]")
    edit_yaml(course_dir / LAB, _robot_lab({"en": EN, "zh_CN": changed}))
    [problem] = errors(validate(course_dir))
    assert problem.pointer == f"{LAB}#controls.0.default.zh_CN"
    assert "line 6 differs" in problem.message


def test_every_language_s_program_must_run(course_dir):
    broken = ZH + "MOVX home\n"
    edit_yaml(course_dir / LAB, _robot_lab({"en": EN + "MOVX home\n", "zh_CN": broken}))
    found = errors(validate(course_dir))
    assert {p.pointer for p in found} == {f"{LAB}#controls.0.default.en", f"{LAB}#controls.0.default.zh_CN"}
    assert all("unknown instruction" in p.message for p in found)


def test_a_per_language_program_needs_english(course_dir):
    edit_yaml(course_dir / LAB, _robot_lab({"zh_CN": ZH}))
    assert [p.pointer for p in errors(validate(course_dir)) if "English" in p.message] == [
        f"{LAB}#controls.0.default"]


def test_only_programs_take_a_per_language_default(course_dir):
    edit_yaml(course_dir / LAB, lambda d: d["controls"][0].__setitem__("default", {"en": "1", "zh_CN": "1"}))
    [problem] = errors(validate(course_dir))
    assert problem.pointer == f"{LAB}#controls.0.default" and "per language" in problem.message


# --- the robot course's starting programs ----------------------------------------------------------

def _program_controls():
    # Read at collection in every test process: without the simulators' checks of each lab (1.3 s of
    # CPU), which test_bundled_courses.py runs on this course.
    course, problems = read_course(ROBOT_COURSE, check_simulators=False)
    assert course is not None, problems
    return [(f"{mod.id}/{step.id}", step.lab, c) for mod in course.modules for step in mod.steps
            if step.lab is not None for c in step.lab.controls if c.type == "program"]


def _comments(text: str) -> list[str]:
    return [line.split("#", 1)[1].strip() for line in text.splitlines() if "#" in line]


@pytest.mark.parametrize("key, lab, c", _program_controls(), ids=lambda v: v if isinstance(v, str) else "")
def test_robot_starting_programs_are_commented_in_each_language(key, lab, c):
    assert isinstance(c.default, dict) and set(c.default) == {"en", "zh_CN"}, key
    en, zh = _comments(c.default["en"]), _comments(c.default["zh_CN"])
    assert en and len(en) == len(zh)
    assert not any(CJK.search(text) for text in en)  # no Chinese left in the English program
    assert all(CJK.search(text) for text in zh)  # and every Chinese comment is Chinese
    assert program_code(c.default["zh_CN"]) == program_code(c.default["en"])


def test_a_robot_lab_left_at_its_default_is_graded_on_the_english_program():
    key, lab, c = next(x for x in _program_controls() if x[0] == "jogging/t1-test-lab")
    by_default, _m = run_and_grade_lab(lab, None, {})
    in_english, _m = run_and_grade_lab(lab, None, {"program": c.default["en"]})
    in_chinese, _m = run_and_grade_lab(lab, None, {"program": c.default["zh_CN"]})
    assert by_default == in_english and not by_default.passed
    # The Chinese program is the same program: the same grade.
    assert [r.value for r in in_chinese.objectives] == [r.value for r in by_default.objectives]

"""The skills matrix (issue 19): competencies in the course format, levels from the records, Excel export."""

from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from app.courses import models as m
from app.courses.errors import CourseError
from app.courses.loader import load_course
from app.services.auth import PermissionDenied
from app.services.skills import LEVEL_COLOURS, SkillsService, cell_text, write_matrix_xlsx
from app.storage.models import Role
from tests.conftest import FIXTURE_COURSE
from tests.stored_progress import store_lab_run, store_quiz_attempt

COMPETENCIES = [
    {"id": "line-basics", "name": {"en": "Line basics", "zh_CN": "产线基础"},
     "evidence": [{"step": "basics/quiz", "level": "beginner"}, {"step": "line/buffer-lab", "level": "intermediate"},
                  {"step": "line/practical", "level": "advanced"}]},
    {"id": "buffers", "name": {"en": "Buffer sizing", "zh_CN": "缓冲区设计"},
     "evidence": [{"step": "line/buffer-lab", "level": "beginner"}, {"step": "line/practical", "level": "beginner"}]},
]


@pytest.fixture
def course(fixture_course):
    comps = [m.Competency.model_validate(c) for c in COMPETENCIES]
    return fixture_course.model_copy(update={"competencies": comps})


@pytest.fixture
def skills(ctx, course):
    return SkillsService(ctx.store.sessions, ctx.progress, {course.id: course}.get)


def _quiz(ctx, who, course, passed: bool) -> None:
    store_quiz_attempt(ctx.progress, who, course.id, course.version, "basics/quiz", answers={},
                       score=1.0 if passed else 0.2, passed=passed, duration_s=10)


def _lab(ctx, who, course, passed: bool) -> None:
    store_lab_run(ctx.progress, who, course.id, course.version, "line/buffer-lab", parameters={}, seed=1, metrics={},
                  score=1.0 if passed else 0.1, passed=passed, duration_s=10)


def test_competencies_in_course_yaml_are_checked(tmp_path):
    folder = shutil.copytree(FIXTURE_COURSE, tmp_path / "fixture-mini")
    yaml = (folder / "course.yaml").read_text(encoding="utf-8")
    good = yaml + """competencies:
  - id: line-basics
    name: {en: Line basics, zh_CN: 产线基础}
    evidence:
      - {step: basics/quiz, level: beginner}
      - {step: line/practical, level: advanced}
"""
    (folder / "course.yaml").write_text(good, encoding="utf-8")
    course = load_course(folder)
    assert [(e.step, e.level) for e in course.competencies[0].evidence] == [("basics/quiz", "beginner"),
                                                                           ("line/practical", "advanced")]
    (folder / "course.yaml").write_text(good.replace("basics/quiz", "basics/lesson"), encoding="utf-8")
    with pytest.raises(CourseError, match=r"course.yaml:\d+.*“basics/lesson” is not a quiz, lab or practical step"):
        load_course(folder)
    (folder / "course.yaml").write_text(good.replace("level: advanced", "level: expert"), encoding="utf-8")
    with pytest.raises(CourseError, match=r"course.yaml:\d+"):
        load_course(folder)


def test_the_class_matrix_equals_the_records(ctx, admin, instructor, trainee, course, skills):
    ctx.accounts.add_user(admin, "lina", "李娜", Role.TRAINEE, "pass-lina-1")
    ctx.accounts.add_user(admin, "wangfang", "王芳", Role.TRAINEE, "pass-wang-1")
    lina = ctx.accounts.authenticate("lina", "pass-lina-1")
    wang = ctx.accounts.authenticate("wangfang", "pass-wang-1")
    for who in (trainee, lina, wang):
        ctx.progress.enroll(who, course.id, course.version)
    # zhangwei: quiz passed, lab failed -> line-basics beginner; buffers none.
    _quiz(ctx, trainee, course, True)
    _lab(ctx, trainee, course, False)
    # lina: quiz and lab passed, practical signed off -> advanced; buffers beginner.
    _quiz(ctx, lina, course, True)
    _lab(ctx, lina, course, True)
    ctx.progress.sign_off(instructor, lina.user_id, course.id, "line/practical", {"guard closed": True})
    # wangfang: lab passed only -> line-basics none (beginner needs the quiz); buffers none (no sign-off).
    _lab(ctx, wang, course, True)
    matrix = skills.class_matrix(instructor, course)
    got = {(r.login, cid): (cell.level, cell.kinds) for r in matrix.rows for cid, cell in r.cells.items()}
    assert got == {
        ("zhangwei", "line-basics"): ("beginner", ("quiz",)), ("zhangwei", "buffers"): (None, ()),
        ("lina", "line-basics"): ("advanced", ("quiz", "lab", "practical")),
        ("lina", "buffers"): ("beginner", ("lab", "practical")),
        ("wangfang", "line-basics"): (None, ("lab",)), ("wangfang", "buffers"): (None, ("lab",)),
    }
    cohort = ctx.cohorts.create(instructor, "Class B")
    ctx.cohorts.add_member(instructor, cohort, "lina")
    assert [r.login for r in skills.class_matrix(instructor, course, cohort).rows] == ["lina"]
    with pytest.raises(PermissionDenied):
        skills.class_matrix(trainee, course)
    mine = skills.my_skills(lina)
    assert [(c.id, {k: v.level for k, v in cells.items()}) for c, cells in mine] == [
        (course.id, {"line-basics": "advanced", "buffers": "beginner"})]
    with pytest.raises(PermissionDenied):
        skills.my_skills(trainee, lina.user_id)


def test_excel_export_opens_and_matches_the_matrix(ctx, instructor, trainee, course, skills, tmp_path):
    ctx.progress.enroll(trainee, course.id, course.version)
    _quiz(ctx, trainee, course, True)
    _lab(ctx, trainee, course, True)
    matrix = skills.class_matrix(instructor, course)
    path = write_matrix_xlsx(matrix, "Fixture mini course", tmp_path / "skills.xlsx", "en")
    ws = load_workbook(path).active
    assert ws["A1"].value == "Fixture mini course"
    assert [c.value for c in ws[2]] == ["Trainee", "Login", "Line basics", "Buffer sizing"]
    row = [c.value for c in ws[3]]
    assert row == ["张伟", "zhangwei", "Intermediate (quiz, lab)", "Not yet (lab)"]
    assert row[2] == cell_text(matrix.rows[0].cells["line-basics"])
    assert ws["C3"].fill.fgColor.rgb.endswith(LEVEL_COLOURS["intermediate"])
    assert ws["D3"].fill.fill_type is None

"""The Qt-free authoring core: in-memory drafts, structural edits, round-trip saves, validation of drafts."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from app.courses import authoring as a
from app.courses.errors import has_errors
from app.courses.loader import load_course
from app.paths import courses_dir
from tests.courses.conftest import validate

QUIZ = "modules/basics/quiz/quiz.yaml"
LAB = "modules/line/buffer-lab/lab.yaml"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _png(path: Path, width: int = 3) -> Path:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(2))
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, 2, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return path


def test_unchanged_draft_writes_nothing(course_dir):
    before = _files(course_dir)
    draft = a.CourseDraft.load(course_dir)
    assert not draft.dirty and draft.save() == []
    assert _files(course_dir) == before


def test_field_edit_keeps_comments_key_order_and_other_files(course_dir):
    before = _files(course_dir)
    draft = a.CourseDraft.load(course_dir)
    draft.set_value(LAB, ["objectives", 0, "target"], 65)
    draft.set_value(LAB, ["controls", 0, "label", "zh_CN"], "铣床前的缓冲区")
    assert draft.save() == [LAB]
    after = _files(course_dir)
    assert {k for k in after if after[k] != before[k]} == {LAB}
    old, new = before[LAB].decode().splitlines(), after[LAB].decode().splitlines()
    assert new[:4] == old[:4] and new[0].startswith("# known-good:")  # header comments survive
    assert [ln.split(":")[0] for ln in new if ln and not ln.startswith((" ", "#"))] == \
           [ln.split(":")[0] for ln in old if ln and not ln.startswith((" ", "#"))]  # key order
    assert 'op: ">="' in after[LAB].decode()  # quoting kept
    assert "label: {en: Buffer before the Mill, zh_CN: 铣床前的缓冲区}" in after[LAB].decode()
    lab = load_course(course_dir).step("line/buffer-lab").lab
    assert lab.objectives[0].target == 65 and lab.controls[0].label["zh_CN"] == "铣床前的缓冲区"


def test_multiline_text_becomes_a_block_and_undo_by_old_value(course_dir):
    draft = a.CourseDraft.load(course_dir)
    old = draft.set_value(QUIZ, ["questions", 0, "prompt", "en"], "Line one\nline two")
    text = draft.entry(QUIZ).text()
    assert "prompt:\n      en: |-\n        Line one\n        line two" in text
    draft.set_value(QUIZ, ["questions", 0, "prompt", "en"], old)
    assert draft.changed_files() == []  # back to what is on disk: nothing to write
    assert draft.delete_value(QUIZ, ["max_attempts"]) == 3
    assert draft.get(QUIZ, ["max_attempts"], "none") == "none"


def test_new_course_from_nothing_validates_and_loads(tmp_path):
    root = tmp_path / "library" / "night-shift"
    draft = a.CourseDraft.new(root, "night-shift", a.localized("Night shift basics", "夜班基础"))
    draft.set_value("course.yaml", ["summary", "en"], "What a night shift needs.")
    draft.set_value("course.yaml", ["summary", "zh_CN"], "夜班须知。")
    mid = draft.add_module("intro", a.localized("Introduction", "入门"))
    for kind in ("lesson", "quiz", "lab", "practical"):
        assert draft.add_step(mid, kind) == kind
    written = draft.save()
    assert "course.yaml" in written and "modules/intro/quiz/quiz.yaml" in written
    assert not [p for p in validate(root) if p.is_error]
    course = load_course(root)
    assert course.step_keys() == ["intro/lesson", "intro/quiz", "intro/lab", "intro/practical"]
    assert course.step("intro/lesson").lesson.markdown["zh_CN"].startswith("# 新课文")
    assert "modules: [intro]" in (root / "course.yaml").read_text(encoding="utf-8")
    assert not list(root.rglob(".*.part")) and not list(root.rglob(".tmp-*"))  # atomic writes leave no temporary files


def test_empty_new_course_reports_what_is_missing(tmp_path):
    draft = a.CourseDraft.new(tmp_path / "x", "x", a.localized("X", ""))
    problems = a.validate_files(draft.files(), draft.course_id, catalog_dirs=[])
    assert [(p.pointer, p.severity) for p in problems] == [("course.yaml#modules", "error")]
    assert problems[0].file == "course.yaml"
    mid = draft.add_module()
    problems = a.validate_files(draft.files(), draft.course_id, catalog_dirs=[])
    assert sorted((p.pointer, p.severity) for p in problems) == [
        ("course.yaml#certificate.title", "warning"),  # a new course issues a certificate; its title in one language
        ("course.yaml#summary", "error"),  # no text in any language
        ("course.yaml#title", "warning"),  # one language missing
        (f"modules/{mid}/module.yaml#steps", "error")]
    draft.add_step(mid, "lesson")
    problems = a.validate_files(draft.files(), draft.course_id, catalog_dirs=[])
    assert sorted(p.pointer for p in problems) == ["course.yaml#certificate.title", "course.yaml#summary",
                                                  "course.yaml#title"]


def test_rename_move_duplicate_delete(course_dir):
    draft = a.CourseDraft.load(course_dir)
    draft.rename_step("basics", "quiz", "check")
    draft.rename_module("line", "balancing")
    assert draft.get("course.yaml", ["passing", "required"]) == ["basics/check", "balancing/practical"]
    new_id = draft.move_step("basics", "check", "balancing", 0)
    assert new_id == "check"
    draft.move_module("balancing", 0)
    dup = draft.duplicate_step("balancing", "buffer-lab")
    assert dup == "buffer-lab-2"
    assert draft.get(draft.module_rel("balancing"), ["steps", 2, "title", "zh_CN"]) == "设定缓冲区容量（副本）"
    draft.remove_step("balancing", "practical")
    assert draft.get("course.yaml", ["passing", "required"]) == ["balancing/check"]
    draft.save()
    assert not (course_dir / "modules" / "line").exists() and not (course_dir / "modules/basics/quiz").exists()
    assert not (course_dir / "modules/balancing/practical").exists()
    assert (course_dir / "modules/balancing/buffer-lab-2/lab.yaml").read_text(encoding="utf-8").startswith(
        "# known-good:")
    course = load_course(course_dir)
    assert course.step_keys() == ["balancing/check", "balancing/buffer-lab", "balancing/buffer-lab-2",
                                  "basics/lesson"]
    assert course.required_step_keys() == ["balancing/check"]


def test_moving_a_step_into_a_module_with_that_id_renames_it(course_dir):
    draft = a.CourseDraft.load(course_dir)
    draft.add_step("line", "quiz")
    assert draft.move_step("basics", "quiz", "line", 0) == "quiz-2"
    assert draft.get("course.yaml", ["passing", "required"])[0] == "line/quiz-2"
    with pytest.raises(a.AuthoringError, match="already used"):
        draft.rename_step("line", "quiz-2", "quiz")
    with pytest.raises(a.AuthoringError, match="not a valid id"):
        draft.rename_module("line", "Line 2")


def test_snapshots_undo_structural_edits(course_dir):
    draft = a.CourseDraft.load(course_dir)
    s0 = draft.snapshot()
    draft.remove_module("line")
    s1 = draft.snapshot()
    old = draft.set_value("course.yaml", ["title", "en"], "Changed")
    assert draft.module_ids() == ["basics"]
    draft.set_value("course.yaml", ["title", "en"], old)  # field undo first, as an undo stack does
    draft.restore(s0)
    assert draft.module_ids() == ["basics", "line"] and draft.entry(LAB) is not None
    assert draft.get("course.yaml", ["passing", "required"]) == ["basics/quiz", "line/practical"]
    assert not draft.dirty
    draft.restore(s1)
    assert draft.module_ids() == ["basics"] and draft.entry(LAB) is None


def test_images_are_copied_into_the_step_folder_on_save(course_dir, tmp_path):
    draft = a.CourseDraft.load(course_dir)
    src = _png(tmp_path / "My Diagram.PNG")
    name = draft.add_image("basics", "lesson", src)
    assert name == "my-diagram.png"
    assert draft.add_image("basics", "lesson", src) == "my-diagram-2.png"
    with pytest.raises(a.AuthoringError):
        draft.add_image("basics", "lesson", tmp_path)
    (tmp_path / "notes.txt").write_text("x")
    with pytest.raises(a.AuthoringError, match="not an image"):
        draft.add_image("basics", "lesson", tmp_path / "notes.txt")
    rel = a.CourseDraft.lesson_rel("basics", "lesson", "en")
    draft.set_text(rel, draft.text(rel) + f"\n![diagram]({name})\n")
    draft.save()
    assert (course_dir / "modules/basics/lesson/my-diagram.png").read_bytes() == src.read_bytes()
    assert not [p for p in validate(course_dir) if p.is_error]
    # A step folder renamed later carries its images with it.
    draft.rename_step("basics", "lesson", "intro")
    draft.save()
    assert (course_dir / "modules/basics/intro/my-diagram.png").read_bytes() == src.read_bytes()
    assert not (course_dir / "modules/basics/lesson").exists()


def test_version_bumps():
    assert a.bump_version("1.2.3", "patch") == "1.2.4"
    assert a.bump_version("1.2.3", "minor") == "1.3.0"
    assert a.bump_version("1.2.3", "major") == "2.0.0"
    assert a.bump_version("1.3.0-rc.1", "patch") == "1.3.0"
    assert a.bump_version("1.3.0+build.5", "minor") == "1.4.0"
    with pytest.raises(ValueError):
        a.bump_version("1.0", "patch")


def test_copy_a_bundled_course_into_the_library(tmp_path):
    library = tmp_path / "library"
    dest = a.copy_course(courses_dir() / "_fixture-mini", library, "my-line-basics")
    assert dest == library / "my-line-basics"
    text = (dest / "course.yaml").read_text(encoding="utf-8")
    assert text.startswith("# A tiny but complete course") and "id: my-line-basics" in text
    assert load_course(dest).id == "my-line-basics"
    with pytest.raises(a.AuthoringError, match="already has"):
        a.copy_course(courses_dir() / "_fixture-mini", library, "my-line-basics")


def test_validation_of_a_draft_points_at_fields(course_dir):
    draft = a.CourseDraft.load(course_dir)
    i = next(i for i, q in enumerate(draft.get(QUIZ, ["questions"])) if q["type"] == "fill_blank")
    draft.set_value(QUIZ, ["questions", i, "prompt", "en"], "OEE is availability times performance times quality.")
    problems = a.validate_files(draft.files(), draft.course_id, catalog_dirs=[])
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1 and errors[0].pointer == f"{QUIZ}#questions.{i}.prompt.en"
    assert errors[0].file == QUIZ and errors[0].line is not None
    target = a.resolve_pointer(draft, errors[0].pointer)
    assert target == a.Target(("step", "basics", "quiz"), QUIZ, ("questions", i, "prompt", "en"))
    assert a.resolve_pointer(draft, "modules/line/module.yaml#steps.1.title") == a.Target(
        ("step", "line", "practical"), "modules/line/module.yaml", ("steps", 1, "title"))
    assert a.resolve_pointer(draft, "modules/line").node == ("module", "line")
    assert a.resolve_pointer(draft, "course.yaml#passing.required.0").node == ("course",)
    draft.set_value(QUIZ, ["questions", i, "prompt", "en"], "OEE = availability × performance × ___.")
    assert not has_errors(a.validate_files(draft.files(), draft.course_id, catalog_dirs=[]))


def test_yaml_that_does_not_parse_stays_editable_text(course_dir):
    path = course_dir / QUIZ
    path.write_text("questions: [\n", encoding="utf-8")
    draft = a.CourseDraft.load(course_dir)
    entry = draft.entry(QUIZ)
    assert entry.kind == "text" and entry.error
    assert not draft.dirty and draft.save() == []
    assert path.read_text(encoding="utf-8") == "questions: [\n"
    with pytest.raises(a.AuthoringError):
        draft.set_value(QUIZ, ["draw"], 1)


def test_question_templates_switch_type_and_keep_what_fits():
    base = a.question_template("single")
    base["explanation"] = a.localized("Because.", "因为。")
    multiple = a.question_template("multiple", base)
    assert multiple["options"] == base["options"] and multiple["answer"] == ["a"]
    assert multiple["explanation"] == base["explanation"]
    ordering = a.question_template("ordering", base)
    assert ordering["answer"] == ["a", "b"]
    numeric = a.question_template("numeric", base)
    assert "options" not in numeric and numeric["answer"] == 0
    assert set(a.question_template("fill_blank", base)["accepted"]) == {"en", "zh_CN"}
    with pytest.raises(a.AuthoringError):
        a.question_template("essay", base)


def test_indentation_of_the_author_is_kept(course_dir):
    shutil.copy(courses_dir() / "industrial-robot-operation/modules/maintenance/downtime-buffer-lab/lab.yaml",
                course_dir / LAB)
    draft = a.CourseDraft.load(course_dir)
    before = (course_dir / LAB).read_text(encoding="utf-8")
    draft.set_value(LAB, ["grading_seed"], 99)
    draft.save()
    after = (course_dir / LAB).read_text(encoding="utf-8")
    changed = [(x, y) for x, y in zip(before.splitlines(), after.splitlines(), strict=True) if x != y]
    assert len(changed) == 1 and changed[0][1] == "grading_seed: 99"

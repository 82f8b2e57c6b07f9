"""Opening a draft parses a YAML file (ruamel round trip, pure Python) only when it is first used."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.courses import authoring as a
from app.courses.authoring import yamldoc

QUIZ = "modules/basics/quiz/quiz.yaml"


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def parsed(monkeypatch) -> list[str]:
    """The texts parsed round trip, in order."""
    seen: list[str] = []
    real = yamldoc.yaml_entry

    def counting(text: str) -> a.Entry:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(yamldoc, "yaml_entry", counting)
    return seen


def test_the_outline_parses_only_the_course_and_module_files(course_dir, parsed):
    draft = a.CourseDraft.load(course_dir)
    assert parsed == []
    outline = [(mid, draft.step_ids(mid)) for mid in draft.module_ids()]
    assert outline and draft.course_id == "fixture-mini"
    shown = {"course.yaml"} | {draft.module_rel(mid) for mid, _steps in outline}
    assert sorted(parsed) == sorted((course_dir / rel).read_text(encoding="utf-8") for rel in shown)
    on_disk = _files(course_dir)  # validation and scratch copies read the text as it is, blobs by path
    assert {rel: c if isinstance(c, bytes) else c.read_bytes() for rel, c in draft.files().items()} == on_disk
    assert draft.changed_files() == [] and draft.save() == []
    assert len(parsed) == len(shown)
    assert draft.get(QUIZ, ["max_attempts"]) == 3  # the step being opened
    assert len(parsed) == len(shown) + 1 and draft.changed_files() == []


def test_a_file_that_does_not_parse_is_found_when_asked(course_dir, parsed):
    (course_dir / QUIZ).write_text("questions: [\n", encoding="utf-8")
    draft = a.CourseDraft.load(course_dir)
    assert draft.changed_files() == [] and not parsed
    entry = draft.entry(QUIZ)
    assert entry.kind == "text" and entry.error and entry.text() == "questions: [\n"
    assert draft.doc(QUIZ) is None and draft.changed_files() == []


def test_a_copy_and_a_kept_draft_compare_and_write_the_same_bytes(course_dir, tmp_path, parsed):
    before = _files(course_dir)
    dest = a.copy_course(course_dir, tmp_path / "library", "night-shift")
    assert parsed == [before["course.yaml"].decode()]  # only the file whose id changes
    after = _files(dest)
    assert {k for k in after if after[k] != before[k]} == {"course.yaml"}
    kept = a.CourseDraft.load(course_dir)
    kept._saved = a.CourseDraft.load(course_dir)._saved  # as the editor restores edits kept over a logout
    old = kept.set_value(QUIZ, ["max_attempts"], 5)
    assert kept.changed_files() == [QUIZ]
    kept.set_value(QUIZ, ["max_attempts"], old)
    assert kept.changed_files() == [] and kept.save() == [] and _files(course_dir) == before

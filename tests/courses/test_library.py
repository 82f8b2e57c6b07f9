"""The course library: newest version wins, broken courses are skipped, the cache is trusted correctly."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from app.courses import library as library_mod
from app.courses.library import CourseLibrary, CourseNotFound
from app.courses.semver import Version, compare

from .conftest import FIXTURE, edit_yaml


def _copy(dst: Path, version: str | None = None, course_id: str | None = None) -> Path:
    shutil.copytree(FIXTURE, dst)
    if version or course_id:
        edit_yaml(dst / "course.yaml", lambda d: d.update(
            {k: v for k, v in (("version", version), ("id", course_id)) if v}))
    return dst


@pytest.fixture
def dirs(tmp_path):
    bundled, user, cache = tmp_path / "bundled", tmp_path / "library", tmp_path / "cache"
    bundled.mkdir()
    user.mkdir()
    return bundled, user, cache


@pytest.fixture
def count_parses(monkeypatch):
    calls: list[Path] = []
    real = library_mod.read_course

    def counting(path, *args, **kw):
        calls.append(Path(path))
        return real(path, *args, **kw)

    monkeypatch.setattr(library_mod, "read_course", counting)
    return calls


def test_semver_precedence():
    assert compare("1.10.0", "1.9.0") == 1
    assert compare("1.0.0-alpha", "1.0.0") == -1
    assert compare("1.0.0-alpha.2", "1.0.0-alpha.10") == -1
    assert compare("1.0.0-alpha.beta", "1.0.0-alpha.1") == 1
    assert compare("2.0.0+build.5", "2.0.0") == 0
    assert sorted(["1.0.0", "0.9.12", "1.0.0-rc.1"], key=Version) == ["0.9.12", "1.0.0-rc.1", "1.0.0"]
    with pytest.raises(ValueError):
        Version("1.0")


def test_newest_version_of_each_course_is_shown_once(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini", "1.9.0")
    _copy(user / "fixture-mini", "1.10.0")
    _copy(bundled / "other-course", "3.0.0", "other-course")
    lib = CourseLibrary(bundled, user, cache)
    assert [(c.id, c.version, c.source) for c in lib.courses()] == [
        ("fixture-mini", "1.10.0", "library"), ("other-course", "3.0.0", "bundled")]
    assert lib.get("fixture-mini").version == "1.10.0"
    assert [c.version for c in lib.versions("fixture-mini")] == ["1.10.0", "1.9.0"]
    assert lib.get("other-course").read_only and not lib.get("fixture-mini").read_only
    assert lib.problems == []


def test_same_version_in_both_places_the_library_copy_wins(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    _copy(user / "fixture-mini")
    assert CourseLibrary(bundled, user, cache).get("fixture-mini").source == "library"


def test_unknown_course_raises_key_error(dirs):
    lib = CourseLibrary(*dirs)
    with pytest.raises(CourseNotFound) as info:
        lib.get("nope")
    assert isinstance(info.value, KeyError) and "nope" in str(info.value)


def test_broken_courses_are_skipped_and_reported(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    broken = _copy(user / "broken-course", course_id="broken-course")
    (broken / "modules/basics/quiz/quiz.yaml").write_text("questions: [\n", encoding="utf-8")
    (user / "not-a-course").mkdir()
    (user / "stray.txt").write_text("x")
    lib = CourseLibrary(bundled, user, cache)
    assert [c.id for c in lib.courses()] == ["fixture-mini"]
    assert list(lib.failed) == [broken]
    assert any("invalid YAML" in p.message for p in lib.problems)


def test_missing_folders_give_an_empty_library(tmp_path):
    lib = CourseLibrary(tmp_path / "none", tmp_path / "none2", tmp_path / "cache")
    assert lib.courses() == [] and lib.problems == []


def test_hidden_folders(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "_fixture-mini")
    assert [c.id for c in CourseLibrary(bundled, user, cache).courses()] == ["fixture-mini"]
    assert CourseLibrary(bundled, user, cache, include_hidden=False).courses() == []


def test_the_real_bundled_folder_hides_the_fixture(tmp_path):
    from app.paths import courses_dir

    lib = CourseLibrary(courses_dir(), tmp_path / "library", None)
    assert "fixture-mini" not in lib
    assert "fixture-mini" in CourseLibrary(courses_dir(), tmp_path / "library", None, include_hidden=True)


def test_warm_start_comes_from_the_cache(dirs, count_parses):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    first = CourseLibrary(bundled, user, cache).get("fixture-mini")
    assert len(count_parses) == 1 and any(cache.glob("*.course-cache"))
    second = CourseLibrary(bundled, user, cache).get("fixture-mini")
    assert len(count_parses) == 1
    assert second.model_dump() == first.model_dump()
    assert second.content_hash == first.content_hash and len(first.content_hash) == 64
    lab = second.find_step("line", "buffer-lab").lab
    assert lab.step_dir == bundled.resolve() / "fixture-mini/modules/line/buffer-lab"


def test_touched_but_unchanged_files_reuse_the_cache(dirs, count_parses):
    bundled, user, cache = dirs
    course = _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    quiz = course / "modules/basics/quiz/quiz.yaml"
    st = quiz.stat()
    os.utime(quiz, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    CourseLibrary(bundled, user, cache).courses()
    assert len(count_parses) == 1


def test_changed_files_are_parsed_again(dirs, count_parses):
    bundled, user, cache = dirs
    course = _copy(bundled / "fixture-mini")
    lib = CourseLibrary(bundled, user, cache)
    assert lib.get("fixture-mini").title["en"] == "Fixture mini course"
    edit_yaml(course / "course.yaml", lambda d: d["title"].__setitem__("en", "Renamed"))
    lib.reload()
    assert lib.get("fixture-mini").title["en"] == "Renamed"
    assert len(count_parses) == 2
    (course / "modules/basics/lesson/extra.svg").write_text("<svg/>")  # a new file changes the key too
    CourseLibrary(bundled, user, cache).courses()
    assert len(count_parses) == 3


def test_a_damaged_cache_is_a_miss(dirs, count_parses):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    for f in cache.glob("*.course-cache"):
        f.write_bytes(b"not a cache")
    assert [c.id for c in CourseLibrary(bundled, user, cache).courses()] == ["fixture-mini"]
    assert len(count_parses) == 2


def test_failures_are_cached_too(dirs, count_parses):
    bundled, user, cache = dirs
    broken = _copy(bundled / "fixture-mini")
    (broken / "course.yaml").write_text("format: 1\n", encoding="utf-8")
    assert CourseLibrary(bundled, user, cache).problems
    assert CourseLibrary(bundled, user, cache).problems
    assert len(count_parses) == 1


def test_reload_sees_new_courses(dirs):
    bundled, user, cache = dirs
    lib = CourseLibrary(bundled, user, cache)
    assert lib.courses() == []
    _copy(user / "fixture-mini")
    lib.reload()
    assert [c.id for c in lib.courses()] == ["fixture-mini"]


def test_step_keys_survive_a_new_version(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini", "1.0.0")
    new = _copy(user / "fixture-mini", "1.1.0")
    edit_yaml(new / "modules/line/module.yaml", lambda d: d["steps"].pop(1))
    shutil.rmtree(new / "modules/line/practical")
    edit_yaml(new / "course.yaml", lambda d: d["passing"]["required"].remove("line/practical"))
    lib = CourseLibrary(bundled, user, cache)
    old_keys, new_keys = (set(c.step_keys()) for c in lib.versions("fixture-mini")[::-1])
    assert old_keys & new_keys == {"basics/lesson", "basics/quiz", "line/buffer-lab"}


def _entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.course-cache"))


def test_the_cache_is_json_signed_with_a_private_key(dirs):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    key = cache.parent / "course-cache.key"
    assert len(key.read_bytes()) == 32
    if os.name != "nt":
        assert key.stat().st_mode & 0o777 == 0o600
    (entry,) = _entries(cache)
    signature, header, course = entry.read_bytes().split(b"\n", 2)
    assert len(signature) == 64 and b'"code_key"' in header and course.startswith(b"{")


def test_an_edited_cache_is_ignored_and_rebuilt(dirs, count_parses):
    """A cache whose course was changed (a quiz answer, say) without the key is never used."""
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    (entry,) = _entries(cache)
    forged = entry.read_bytes().replace(b"Fixture mini course", b"Forged course title")
    entry.write_bytes(forged)
    course = CourseLibrary(bundled, user, cache).get("fixture-mini")
    assert course.title["en"] == "Fixture mini course" and len(count_parses) == 2
    assert b"Forged" not in entry.read_bytes()  # rebuilt


def test_a_cache_signed_with_another_key_is_ignored(dirs, count_parses):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache, key_file=cache.parent / "other.key").courses()
    CourseLibrary(bundled, user, cache).courses()
    assert len(count_parses) == 2


def test_a_planted_pickle_is_never_loaded(dirs, count_parses, monkeypatch):
    import pickle

    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    (entry,) = _entries(cache)
    entry.with_suffix(".pickle").write_bytes(pickle.dumps(print))
    entry.write_bytes(pickle.dumps(print))
    monkeypatch.setattr(pickle, "loads", lambda *a, **k: pytest.fail("unpickled"))
    monkeypatch.setattr(pickle, "load", lambda *a, **k: pytest.fail("unpickled"))
    assert [c.id for c in CourseLibrary(bundled, user, cache).courses()] == ["fixture-mini"]
    assert len(count_parses) == 2


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_key_others_can_read_is_replaced(dirs, count_parses):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    CourseLibrary(bundled, user, cache).courses()
    key = cache.parent / "course-cache.key"
    old = key.read_bytes()
    key.chmod(0o644)
    CourseLibrary(bundled, user, cache).courses()
    assert key.read_bytes() != old and key.stat().st_mode & 0o777 == 0o600
    assert len(count_parses) == 2  # the old entries no longer verify


def test_without_a_usable_key_nothing_is_cached(dirs, count_parses):
    bundled, user, cache = dirs
    _copy(bundled / "fixture-mini")
    (cache.parent / "course-cache.key").mkdir()  # not a file, cannot be replaced
    CourseLibrary(bundled, user, cache).courses()
    CourseLibrary(bundled, user, cache).courses()
    assert len(count_parses) == 2 and not _entries(cache)

"""Course glossaries: the format and its checks (file:line), the bundled glossaries, and search."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from app.courses import models as m
from app.courses.glossary import normalize, search
from app.courses.library import CourseLibrary
from app.courses.loader import read_course
from app.paths import courses_dir, i18n_dir

from .conftest import errors, only, validate, warnings

ROBOT = courses_dir() / "industrial-robot-operation"
PDM = courses_dir() / "ai-predictive-maintenance"

GOOD = """\
terms:
  - term: {en: teach pendant, zh_CN: 示教器}
    definition:
      en: The hand-held operator unit.
      zh_CN: 手持操作单元。
    aliases: [TP]
  - term: {en: tool centre point (TCP), zh_CN: 工具中心点（TCP）}
    definition:
      en: The working point of the tool.
      zh_CN: 工具的工作点。
  - term: {en: four-phase handshake, zh_CN: 四步握手}
    definition:
      en: Request on, acknowledge on, request off, acknowledge off.
      zh_CN: 请求置位、应答置位、请求复位、应答复位。
"""


def _entries(text: str) -> list[m.GlossaryEntry]:
    import yaml

    return m.GlossaryFile.model_validate(yaml.safe_load(text)).terms


# --- the format -----------------------------------------------------------------------------------


def test_a_course_glossary_is_loaded_with_the_course(course_dir):
    (course_dir / "glossary.yaml").write_text(GOOD, encoding="utf-8")
    course, problems = read_course(course_dir)
    assert course is not None and not errors(problems)
    assert [e.term["en"] for e in course.glossary] == ["teach pendant", "tool centre point (TCP)",
                                                       "four-phase handshake"]
    assert course.glossary[0].aliases == ["TP"]


def test_a_course_without_a_glossary_has_an_empty_one(course_dir):
    course, _problems = read_course(course_dir)
    assert course is not None and course.glossary == []


def test_glossary_errors_point_at_file_and_line(course_dir):
    bad = GOOD.replace("      en: The working point of the tool.\n", "") \
              .replace("{en: four-phase handshake, zh_CN: 四步握手}", "{en: Teach  Pendant, zh_CN: 四步握手}")
    (course_dir / "glossary.yaml").write_text(bad, encoding="utf-8")
    problems = validate(course_dir)
    dup = only(problems, "already defined")
    assert dup.file.endswith("glossary.yaml") and dup.line == 10 and dup.severity == "error"
    assert "entry 1" in dup.message
    missing = only(problems, "missing en translation")
    assert missing.file.endswith("glossary.yaml") and missing.line == 9
    assert read_course(course_dir)[0] is None  # an error in the glossary is an error in the course


def test_glossary_shape_errors_are_located(course_dir):
    (course_dir / "glossary.yaml").write_text(
        "terms:\n  - term: {en: a, zh_CN: 甲}\n    definition: just text\n  - term: {en: b, zh_CN: 乙}\n"
        "    definition: {en: B., zh_CN: 乙。}\n    see: [a]\n", encoding="utf-8")
    problems = [p for p in errors(validate(course_dir)) if p.file.endswith("glossary.yaml")]
    assert {p.line for p in problems} == {3, 6}, [(p.line, p.message) for p in problems]


def test_blank_text_and_invalid_yaml_are_errors(course_dir):
    (course_dir / "glossary.yaml").write_text(GOOD.replace("zh_CN: 手持操作单元。", "zh_CN: '  '"), encoding="utf-8")
    assert any(p.line == 5 for p in errors(validate(course_dir)))
    (course_dir / "glossary.yaml").write_text("terms: [\n", encoding="utf-8")
    (problem,) = [p for p in errors(validate(course_dir)) if p.file.endswith("glossary.yaml")]
    assert problem.line is not None


def test_a_missing_translation_is_a_warning(course_dir):
    (course_dir / "glossary.yaml").write_text(GOOD.replace("      zh_CN: 工具的工作点。\n", ""), encoding="utf-8")
    problems = validate(course_dir)
    assert not errors(problems)
    assert any(p.file.endswith("glossary.yaml") and p.line == 9 for p in warnings(problems))


def test_the_glossary_survives_the_course_cache(tmp_path, course_dir):
    (course_dir / "glossary.yaml").write_text(GOOD, encoding="utf-8")
    user, cache = course_dir.parent, tmp_path / "cache"
    first = CourseLibrary(None, user, cache).get("fixture-mini")
    second = CourseLibrary(None, user, cache).get("fixture-mini")
    assert second.glossary == first.glossary and len(second.glossary) == 3


# --- the bundled glossaries -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def bundled() -> dict[str, list[m.GlossaryEntry]]:
    out = {}
    for root in (ROBOT, PDM):
        course, problems = read_course(root, check_simulators=False)
        assert course is not None, [p.message for p in problems if p.is_error]
        assert not [p for p in problems if p.file.endswith("glossary.yaml")]
        out[root.name] = course.glossary
    return out


def test_both_bundled_courses_have_a_full_bilingual_glossary(bundled):
    for entries in bundled.values():
        assert len(entries) >= 120
        for e in entries:
            assert set(e.term) == set(e.definition) == {"en", "zh_CN"}
            assert all(len(d) >= 8 for d in e.definition.values()), e.term


@pytest.mark.parametrize(("course", "en", "zh"), [
    # content review 2026-12, §4.3: terms the lessons use that the first glossary missed
    ("industrial-robot-operation", "quaternion", "四元数"),
    ("industrial-robot-operation", "Euler angles", "欧拉角"),
    ("industrial-robot-operation", "payload", "负载"),
    ("industrial-robot-operation", "payload diagram", "负载曲线图"),
    ("industrial-robot-operation", "hard stop", "机械硬限位"),
    ("industrial-robot-operation", "safety-rated soft limits", "安全级软限位"),
    ("industrial-robot-operation", "ESPE", "电敏防护设备"),
    ("industrial-robot-operation", "sourcing / sinking", "源型 / 漏型"),
    ("industrial-robot-operation", "four-phase handshake", "四步握手"),
    ("industrial-robot-operation", "protective separation distance", "保护分离距离"),
    ("industrial-robot-operation", "Class I / Class II robot", "I 类 / II 类机器人"),
    ("ai-predictive-maintenance", "ISO 10816-7", "ISO 10816-7"),
    # and its corrections of existing entries
    ("industrial-robot-operation", "main axes", "基本轴"),
    ("industrial-robot-operation", "hold-to-run", "保持-运行"),
    ("ai-predictive-maintenance", "Machine group", "机器组"),
])
def test_the_review_terms_are_there(bundled, course, en, zh):
    (entry,) = [e for e in bundled[course] if e.term["en"] == en]
    assert entry.term["zh_CN"] == zh


def test_payload_also_answers_to_its_other_chinese_name(bundled):
    hits = search(bundled["industrial-robot-operation"], "有效载荷")
    assert hits[0].entry.term["en"] == "payload" and hits[0].rank == 0


@pytest.mark.parametrize(("course", "csv_name"), [("industrial-robot-operation", "robotics.csv"),
                                                   ("ai-predictive-maintenance", "maintenance.csv")])
def test_course_glossary_and_translator_vocabulary_agree(bundled, course, csv_name):
    """i18n/glossary/*.csv (the translators' word list) and the course glossary name the same terms alike."""
    with (i18n_dir() / "glossary" / csv_name).open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    by_name = {}
    for e in bundled[course]:
        for name in (e.term["en"], *e.aliases):
            by_name.setdefault(name, set()).add(e.term["zh_CN"])
    missing = [f"{csv_name}:{i}: {r['en']} = {r['zh_CN']}" for i, r in enumerate(rows, start=2)
               if r["zh_CN"] not in by_name.get(r["en"], set())]
    assert not missing, "\n".join(missing)
    listed = {(r["en"], r["zh_CN"]) for r in rows}
    extra = [e.term["en"] for e in bundled[course] if (e.term["en"], e.term["zh_CN"]) not in listed]
    assert not extra, f"add these to {csv_name}: {extra}"


# --- search ---------------------------------------------------------------------------------------


def test_search_finds_terms_in_either_language_and_by_alias():
    entries = _entries(GOOD)
    for query in ("teach pendant", "示教器", "TP", "tp", "Teach", "示教"):
        assert search(entries, query)[0].entry.term["en"] == "teach pendant", query
    assert search(entries, "tcp")[0].entry.term["zh_CN"] == "工具中心点（TCP）"


def test_search_ignores_width_case_spaces_and_hyphens():
    entries = _entries(GOOD)
    for query in ("ＴＣＰ", "工具中心点(TCP)", "four phase handshake", "FOUR-PHASE", "四步 握手"):
        assert [h.entry.term["en"] for h in search(entries, query)][:1] in (
            ["tool centre point (TCP)"], ["four-phase handshake"]), query
    assert normalize("Four-Phase  Hand\u2011shake") == "fourphasehandshake"


def test_search_ranks_names_before_definitions():
    entries = _entries(GOOD)
    hits = search(entries, "operator")  # only in a definition
    assert [(h.entry.term["en"], h.rank) for h in hits] == [("teach pendant", 4)]
    words = search(entries, "acknowledge request")  # every word, in a definition
    assert [h.entry.term["en"] for h in words] == ["four-phase handshake"]
    assert search(entries, "工作点")[0].entry.term["en"] == "tool centre point (TCP)"


def test_empty_query_lists_everything_sorted_and_no_match_is_empty():
    entries = _entries(GOOD)
    assert [h.entry.term["en"] for h in search(entries, "  ")] == [
        "four-phase handshake", "teach pendant", "tool centre point (TCP)"]
    assert search(entries, "quaternion") == []


def test_search_the_real_glossaries(bundled):
    robot, pdm = bundled["industrial-robot-operation"], bundled["ai-predictive-maintenance"]
    assert search(robot, "工具坐标系")[0].entry.term["en"] == "tool frame"
    assert search(robot, "T1")[0].entry.term["en"] == "manual reduced speed (T1)"
    assert search(pdm, "bpfo")[0].entry.term["zh_CN"] == "外圈故障特征频率（BPFO）"
    assert search(pdm, "包络")[0].entry.term["en"] == "Envelope analysis"
    assert search(pdm, "剩余有效寿命")[0].entry.term["en"] == "RUL"


def test_search_is_fast_enough_to_run_on_every_keystroke(bundled):
    import time

    entries = bundled["ai-predictive-maintenance"] * 4
    start = time.perf_counter()
    for query in ("v", "vi", "vib", "vibr", "振", "振动"):
        search(entries, query)
    assert time.perf_counter() - start < 0.5


def test_glossary_file_is_found_by_name():
    assert m.GLOSSARY_FILE == "glossary.yaml" and Path(ROBOT / m.GLOSSARY_FILE).is_file()

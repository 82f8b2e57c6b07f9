"""Simulator diagnostics rendered in the user's language: every code has a template, the zh_CN fragment
translates each one with the same placeholders, and a message follows a language switch."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import simulators
from app import i18n
from app.courses import sim_messages as sm
from app.courses.grading import LabConfigError, lab_scenario
from simulators.errors import MESSAGES, Diagnostic
from simulators.maintenance.rules import check_rule

from .sim_fragment import fragment_catalog, with_fragment
from .test_labs import robot_lab

FIELDS = re.compile(r"\{(\w+)\}")
SIMULATORS_DIR = Path(simulators.__file__).parent
# Language keywords and example code stay as they are typed.
KEEP_IN_CHINESE = {"POINT", "MOVEJ", "MOVEL", "GRIP", "RELEASE", "WAIT", "SET", "LOOP", "ENDLOOP", "ON", "OFF",
                   "home", "vibration", "alpha", "and",
                   # the six-axis language's keywords
                   "JOINTS", "MOVEC", "TOOL", "UFRAME", "WORLD", "CONF", "FINE", "OFFS", "RELTOOL", "WHILE", "ELSE",
                   "AND", "TIMEOUT"}


def fields(text: str) -> set[str]:
    return set(FIELDS.findall(text))


@pytest.fixture
def chinese(monkeypatch):
    with_fragment(monkeypatch)
    i18n.set_locale("zh_CN")
    yield
    i18n.set_locale("en")


def test_every_code_has_a_template_with_the_same_placeholders() -> None:
    assert set(sm.TEMPLATES) == set(MESSAGES)
    for code, template in sm.TEMPLATES.items():
        assert fields(template) == fields(MESSAGES[code]), code


def test_every_code_written_in_the_simulators_is_registered() -> None:
    """Codes are string literals in the simulators' source: a typo in a rarely taken branch shows here."""
    written: set[str] = set()
    for path in SIMULATORS_DIR.rglob("*.py"):
        if path.name == "errors.py":
            continue
        written |= set(re.findall(r"[\"']((?:robot|rule)\.[a-z_]+\.[a-z_.]+)[\"']", path.read_text(encoding="utf-8")))
    assert len(written) > 40
    assert written <= set(MESSAGES), written - set(MESSAGES)


def test_the_zh_fragment_translates_every_template() -> None:
    catalog = fragment_catalog()
    needed = [*sm.TEMPLATES.values(), sm.LINE_COLUMN, sm.LINE_ONLY, sm.COLUMN_ONLY]
    for msgid in needed:
        message = catalog.get(msgid)
        assert message is not None and message.string, f"untranslated: {msgid}"
        assert fields(message.string) == fields(msgid), msgid
        words = set(re.findall(r"[A-Za-z]{3,}", FIELDS.sub("", message.string))) - KEEP_IN_CHINESE
        assert not words, f"English left in {message.string!r}: {words}"


def test_a_message_is_rendered_in_the_current_language(chinese) -> None:
    d = Diagnostic("robot.point.unknown", 17, 7, {"name": "pik"})
    assert sm.located(d) == "第 17 行第 7 列：未知的点“pik”：请先用 POINT pik = (x, y, z) 定义。"
    i18n.set_locale("en")
    assert sm.located(d) == "Line 17, column 7: Unknown point “pik”: define it with POINT pik = (x, y, z)."
    i18n.set_locale("zh_CN")
    assert sm.message(d).startswith("未知的点")


def test_numbers_are_formatted_for_the_locale(chinese) -> None:
    d = Diagnostic("robot.reach.too_far", 2, 7, {"where": "far (1500, 0, 300)", "distance": 1500, "max": 1400})
    assert sm.message(d) == "far (1500, 0, 300) 超出可达范围：距基座轴线 1,500 mm，而手臂最远只能到 1,400 mm。"
    i18n.set_locale("en")
    assert sm.message(d) == ("far (1500, 0, 300) is out of reach: 1,500 mm from the base axis, "
                             "but the arm reaches 1,400 mm.")


def test_rule_messages_with_columns(chinese) -> None:
    problems = check_rule("ewma(vibraton, 0.1) > 2.4 and")
    texts = [sm.located(d, with_line=False) for d in problems]
    assert texts == ["第 6 列：未知信号“vibraton”（可用的信号：vibration, temperature, current）。",
                     "第 30 列：规则不完整：“and”后面缺少一个值。"]


def test_lab_errors_carry_the_diagnostics_of_every_program_line(chinese) -> None:
    lab = robot_lab()
    with pytest.raises(LabConfigError) as info:
        lab_scenario(lab, None, {"program": "MOVEJ (600, 0, 300)\nMOVEL\nMOVEL pik 30%\n"})
    found = sm.diagnostics_of(info.value)
    assert [(d.code, d.line, d.column) for d in found] == [("robot.move.expected_point", 2, 1),
                                                            ("robot.point.unknown", 3, 7)]
    assert sm.describe(info.value) == ("第 2 行第 1 列：写法是 MOVEL <点> [速度%]，例如 MOVEL home 50%。\n"
                                       "第 3 行第 7 列：未知的点“pik”：请先用 POINT pik = (x, y, z) 定义。")


def test_an_error_without_diagnostics_keeps_its_text() -> None:
    err = LabConfigError("the scenario file is missing")
    assert sm.diagnostics_of(err) == () and sm.describe(err) == "the scenario file is missing"


def test_an_unknown_code_falls_back_to_the_english_text() -> None:
    class Future:
        code, line, column, args, message = "robot.future.thing", 1, None, {}, "something new"

    assert sm.located(Future()) == "Line 1: something new"


def test_the_docs_list_every_code() -> None:
    docs = Path(__file__).resolve().parents[2] / "docs"
    text = "".join((docs / name).read_text(encoding="utf-8")
                   for name in ("simulators-robot-language.md", "simulators-alarm-rules.md", "simulators-robot-arm.md"))
    assert [code for code in MESSAGES if f"`{code}`" not in text] == []


def test_a_singularity_says_which_and_what_to_do(chinese) -> None:
    wrist = Diagnostic("motion.singularity", 12, None, {"kind": "wrist", "distance": 0.4, "threshold": 2.0})
    elbow = Diagnostic("motion.singularity", 3, None, {"kind": "elbow", "distance": 1.0, "threshold": 2.0})
    assert "腕部奇异点" in sm.message(wrist) and "肘部奇异点" in sm.message(elbow)
    i18n.set_locale("en")
    assert "wrist singularity (J5 near 0°)" in sm.message(wrist)
    other = Diagnostic("motion.singularity", 3, None, {"kind": "new-kind"})
    assert sm.message(other) == sm.TEMPLATES["motion.singularity"]  # a kind we do not know: the general text


def test_the_arm_parts_in_a_protective_stop_are_named_in_the_language(chinese) -> None:
    hit = Diagnostic("cell.collision", 7, None, {"link": "J3 link", "solid": "pallet", "depth_mm": 2.5})
    curtain = Diagnostic("safety.zone_violation", 9, None, {"link": "tool", "zone": "operator"})
    assert "J3 连杆" in sm.message(hit) and "J3 link" not in sm.message(hit)
    assert "工具" in sm.message(curtain) and "operator" in sm.message(curtain)
    i18n.set_locale("en")
    assert sm.message(hit) == "Collision: J3 link touches pallet. Protective stop."

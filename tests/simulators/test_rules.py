"""The alarm-rule language: our own parser, stable codes, correct columns, several errors at once."""

from __future__ import annotations

import random

import pytest

from simulators import ScenarioError, apply_overrides, load_scenario, scenario_data
from simulators.errors import MESSAGES
from simulators.maintenance.rule_parser import tokenize
from simulators.maintenance.rules import RuleError, check_rule, compile_rule


def found(text: str) -> list[tuple[str, int | None]]:
    return [(d.code, d.column) for d in check_rule(text)]


def trace(text: str, values: list[float]) -> list[bool]:
    rule = compile_rule(text)()
    return [rule({"vibration": v, "temperature": 50.0, "current": 12.0}) for v in values]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the review's examples: a misspelt signal and a dangling "and"; a missing comma
        ("ewma(vibraton, 0.1) > 2.4 and", [("rule.name.unknown_signal", 6), ("rule.syntax.incomplete", 30)]),
        ("ewma(vibration 0.1) > 2.4", [("rule.syntax.expected_comma", 16)]),
        ("vibration >", [("rule.syntax.incomplete", 12)]),
        ("", [("rule.syntax.empty", 1)]),
        ("> 4", [("rule.syntax.expected_value", 1)]),
        ("(vibration > 3", [("rule.syntax.unclosed_paren", 15)]),
        ("vibration > 3)", [("rule.syntax.unmatched_paren", 14)]),
        ("vibration 3", [("rule.syntax.unexpected_token", 11)]),
        ("vibration > 3 if True else 2", [("rule.syntax.unexpected_token", 15)]),
        ("vibration.real > 3", [("rule.syntax.unexpected_char", 10)]),
        ("'abc' > 1", [("rule.syntax.text_not_allowed", 1)]),
        ("1.2.3 > vibration", [("rule.syntax.bad_number", 1)]),
        ("vibration == 3 or vibration = 2", [("rule.compare.not_allowed", 11), ("rule.compare.not_allowed", 29)]),
        ("speed > 3 and temprature > 60", [("rule.name.unknown_signal", 1), ("rule.name.unknown_signal", 15)]),
        ("__import__('os')", [("rule.name.unknown_function", 1), ("rule.syntax.text_not_allowed", 12)]),
        ("vibration(3) > ewma", [("rule.name.not_a_function", 1), ("rule.name.function_without_call", 16)]),
        ("abs(vibration, 2) > 1", [("rule.call.arg_count", 1)]),
        ("ewma(vibration) > 1", [("rule.call.arg_count", 1)]),
        ("ewma(vibration, 2) > 3", [("rule.call.alpha_range", 17)]),
        ("ewma(vibration, temperature) > 3", [("rule.call.number_expected", 17)]),
        ("mean(vibration, 0.5) > 3", [("rule.call.window_size", 17)]),
        ("slope(vibration, 1) > 3", [("rule.call.window_size", 18)]),
        ("  vibration >   ", [("rule.syntax.incomplete", 14)]),
    ],
)
def test_errors_have_codes_and_columns(text: str, expected: list[tuple[str, int]]) -> None:
    assert found(text) == expected


def test_args_are_plain_values_and_english_is_kept() -> None:
    d1, d2 = check_rule("ewma(vibraton, 0.1) > 2.4 and")
    assert d1.args == {"name": "vibraton", "signals": "vibration, temperature, current"}
    assert d2.args == {"after": "and"}
    (alpha,) = check_rule("ewma(vibration, 2) > 3")
    assert alpha.args == {"value": 2}
    for d in (d1, d2, alpha):
        assert d.code in MESSAGES and d.message == MESSAGES[d.code].format(**d.args)
    with pytest.raises(RuleError) as info:
        compile_rule("ewma(vibraton, 0.1) > 2.4 and")
    assert str(info.value) == ("col 6: unknown name 'vibraton' (signals: vibration, temperature, current); "
                               "col 30: incomplete rule (syntax error): a value is expected after 'and'")
    assert info.value.col == 6 and len(info.value.diagnostics) == 2


def test_no_python_parser_text_leaks() -> None:
    for text in ("vibration >", "ewma(vibration 0.1) > 2", "vibration >> 2", "lambda: 1", "vibration ** 2 > 1",
                 "[1, 2]", "x if y else z", "vibration > 2 and and 3", "f'{x}'"):
        problems = check_rule(text)
        assert problems, text
        for d in problems:
            assert "invalid syntax" not in d.message and "Perhaps" not in d.message
            assert d.code.startswith("rule.")


def test_lines_and_columns_in_a_rule_over_several_lines() -> None:
    (d,) = check_rule("vibration > 2 and\n  temprature > 3")
    assert (d.code, d.line, d.column) == ("rule.name.unknown_signal", 2, 3)
    with pytest.raises(RuleError) as info:
        compile_rule("vibration > 2 and\n  temprature > 3")
    assert str(info.value).startswith("line 2, col 3: unknown name")


def test_full_width_punctuation_from_a_chinese_input_method_reads_as_ascii() -> None:
    assert check_rule("ewma（vibration，0.5）＞＝2") == ()
    assert trace("ewma（vibration，0.5）＞＝2", [0, 4, 0, 4]) == [False, True, False, True]
    tokens, errors = tokenize("mean（vibration， 3）")
    assert errors == [] and [t.text for t in tokens[:3]] == ["mean", "（", "vibration"]


def test_semantics_are_unchanged() -> None:
    assert trace("vibration > 2", [1, 3, 2]) == [False, True, False]
    assert trace("not vibration > 2", [1, 3]) == [True, False]  # not binds looser than a comparison
    assert trace("-vibration * 2 < -5", [2, 3]) == [False, True]
    assert trace("1 < vibration <= 3", [1, 2, 3, 4]) == [False, True, True, False]
    assert trace("(vibration - 1) / 2 >= 1 or vibration < 0.5", [0.2, 2, 3]) == [True, False, True]
    assert trace("max(vibration, 2) > 4 AND NOT min(vibration, 2) > 4", [5, 5, 3]) == [False, False, True]


def test_a_number_argument_must_be_written_as_a_number() -> None:
    assert found("ewma(vibration, -0.5 * -1) > 1") == [("rule.call.number_expected", 17)]
    assert found("ewma(vibration, -0.5) > 1") == [("rule.call.alpha_range", 17)]


def test_many_errors_are_capped() -> None:
    text = " and ".join(f"x{i} > 1" for i in range(50))
    assert len(check_rule(text)) == 20


def test_the_scenario_error_carries_the_diagnostics() -> None:
    pump = scenario_data(load_scenario("maintenance", "pump-bearing-wear"))
    with pytest.raises(ScenarioError) as info:
        apply_overrides("maintenance", pump, {"policy": {"type": "rule", "rule": "ewma(vibraton, 0.1) > 2.4 and"}})
    assert info.value.field == "policy.rule" and info.value.message.startswith("col 6: unknown name 'vibraton'")
    assert [(d.code, d.column) for d in info.value.diagnostics] == [
        ("rule.name.unknown_signal", 6), ("rule.syntax.incomplete", 30)]


def test_any_text_gives_messages_never_an_exception() -> None:
    """Random rules: every problem has a registered code and a position inside the text (or just after it),
    and a rule without problems runs."""
    rng = random.Random(7)
    words = ["vibration", "temperature", "ewma(", "mean(", "slope(", "(", ")", ",", "and", "or", "not", ">", ">=",
             "<", "==", "=", "0.1", "2.4", "30", "-", "*", "/", "'x", "\"", "@", "1.2.3", "（", "，", "\n", " "]
    chars = list("vibrationemcu()<>=!+-*/,.0123'\"@#（），＞\n _x")
    for i in range(4000):
        if i % 2:
            text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 12)))
        else:
            text = "".join(rng.choice(chars) for _ in range(rng.randint(0, 30)))
        problems = check_rule(text)
        lines = text.split("\n")
        for d in problems:
            assert d.code in MESSAGES and d.message
            assert d.line is not None and 1 <= d.line <= len(lines), (text, d)
            assert d.column is not None and 1 <= d.column <= len(lines[d.line - 1]) + 1, (text, d)
        if not problems:
            rule = compile_rule(text)()
            rule({"vibration": 1.0, "temperature": 50.0, "current": 12.0})


@pytest.mark.parametrize(("text", "code", "column"), [
    ("(" * 2000 + "vibration" + ")" * 2000 + " > 1", "rule.syntax.too_deep", 31),
    ("vibration > " + "-" * 1000 + "1", "rule.syntax.too_deep", 43),
    ("not " * 500 + "vibration > 1", "rule.syntax.too_deep", 121),
    ("abs(" * 100 + "vibration" + ")" * 100 + " > 1", "rule.syntax.too_deep", 121),
    ("vibration > " + "1 + " * 600 + "1", "rule.syntax.too_deep", None),  # a chain deepens the tree too
    ("vibration > 1e999", "rule.syntax.number_too_large", 13),
    ("9" * 400 + " < vibration", "rule.syntax.number_too_large", 1),
])
def test_hostile_rules_give_a_coded_message_not_a_recursion_error(text: str, code: str, column: int | None) -> None:
    problems = check_rule(text)
    assert [d.code for d in problems] == [code]
    assert column is None or problems[0].column == column
    with pytest.raises(RuleError):
        compile_rule(text)


def test_deep_but_allowed_rules_still_run() -> None:
    assert trace("(" * 29 + "vibration" + ")" * 29 + " > 2", [1, 3]) == [False, True]
    assert trace("vibration > " + "0.01 + " * 90 + "0", [0.5, 1.0]) == [False, True]


def test_every_clause_reports_its_first_syntax_error() -> None:
    text = "(vibration > > 1) or temprature > 2 and (current +) > 1 or vibration 5"
    assert found(text) == [("rule.syntax.expected_value", 14), ("rule.name.unknown_signal", 22),
                           ("rule.syntax.expected_value", 51), ("rule.syntax.unexpected_token", 70)]
    assert found("vibration > 2 and and 3") == [("rule.syntax.expected_value", 19)]  # one mistake, one message

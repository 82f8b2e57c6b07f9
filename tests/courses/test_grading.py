"""Grading: all seven question types, drawing, quizzes and lab objectives."""

from __future__ import annotations

import pytest

from app.courses import models as m
from app.courses.grading import (
    draw_questions,
    grade_lab,
    grade_question,
    grade_quiz,
    matching_right_order,
    normalize_answer,
    objective_key,
    parse_number,
    run_and_grade_lab,
)
from app.courses.loader import load_course

from .conftest import FIXTURE


@pytest.fixture(scope="module")
def quiz() -> m.Quiz:
    return load_course(FIXTURE).find_step("basics", "quiz").quiz


def q(quiz: m.Quiz, qid: str):
    return quiz.question(qid)


@pytest.mark.parametrize("qid, response, correct", [
    ("q-single", "a", True),
    ("q-single", "b", False),
    ("q-single", ["a"], False),
    ("q-multiple", ["c", "a", "b"], True),
    ("q-multiple", ["a", "b"], False),
    ("q-multiple", ["a", "b", "c", "d"], False),
    ("q-multiple", "abc", False),
    ("q-true-false", True, True),
    ("q-true-false", False, False),
    ("q-true-false", 1, False),
    ("q-true-false", "true", False),
    ("q-numeric", 120, True),
    ("q-numeric", 120.0, True),
    ("q-numeric", "120", True),
    ("q-numeric", " 120,0 ", True),
    ("q-numeric", "１２０", True),
    ("q-numeric", 121, False),
    ("q-numeric", "12O", False),
    ("q-numeric", None, False),
    ("q-numeric", True, False),
    ("q-ordering", ["notify", "shutdown", "isolate", "lock", "verify"], True),
    ("q-ordering", ["shutdown", "notify", "isolate", "lock", "verify"], False),
    ("q-ordering", ["notify", "shutdown", "isolate", "lock"], False),
    ("q-matching", {"availability": "availability", "performance": "performance", "quality": "quality"}, True),
    ("q-matching", {"availability": "performance", "performance": "availability", "quality": "quality"}, False),
    ("q-matching", {"availability": "availability"}, False),
    ("q-matching", [("availability", "availability")], False),
    ("q-fill-blank", "quality", True),
    ("q-fill-blank", "  QUALITY ", True),
    ("q-fill-blank", "ｑｕａｌｉｔｙ", True),
    ("q-fill-blank", "合格品率", True),
    ("q-fill-blank", "质量", True),
    ("q-fill-blank", "performance", False),
    ("q-fill-blank", 42, False),
])
def test_every_question_type(quiz, qid, response, correct):
    question = q(quiz, qid)
    assert grade_question(question, response) == (correct, float(question.points) if correct else 0.0)


def test_points_are_awarded_per_question(quiz):
    assert grade_question(q(quiz, "q-numeric"), "120") == (True, 2.0)


def test_numeric_tolerance_is_inclusive_and_float_safe():
    question = m.NumericQuestion(id="n", type="numeric", prompt={"en": "?"}, answer=0.3, tolerance=0.05)
    assert grade_question(question, 0.35)[0]
    assert grade_question(question, 0.1 + 0.2)[0]
    assert not grade_question(question, 0.36)[0]
    exact = m.NumericQuestion(id="e", type="numeric", prompt={"en": "?"}, answer=0.3)
    assert grade_question(exact, 0.1 + 0.2)[0]


@pytest.mark.parametrize("text, number", [
    ("2,5", 2.5), ("1,234.5", 1234.5), ("1.234,5", 1234.5), ("1,234,567", 1234567.0), ("-3", -3.0),
    ("−3", -3.0), ("1e3", 1000.0), (".5", 0.5), ("", None), ("abc", None), ("nan", None), ("inf", None),
    ("1 000", 1000.0),
])
def test_parse_number(text, number):
    assert parse_number(text) == number


def test_normalize_answer():
    assert normalize_answer("  Ｑｕａｌｉｔｙ \t rate ") == "quality rate"


def test_draw_is_deterministic_and_honours_draw_and_shuffle(quiz):
    drawn = draw_questions(quiz, 7)
    assert [x.id for x in drawn] == [x.id for x in draw_questions(quiz, 7)]
    assert sorted(x.id for x in drawn) == sorted(x.id for x in quiz.questions)
    orders = {tuple(x.id for x in draw_questions(quiz, seed)) for seed in range(20)}
    assert len(orders) > 1  # shuffle: true

    limited = quiz.model_copy(update={"draw": 3, "shuffle": False})
    picks = [[x.id for x in draw_questions(limited, seed)] for seed in range(30)]
    bank = [x.id for x in quiz.questions]
    for pick in picks:
        assert len(pick) == 3 and pick == sorted(pick, key=bank.index)  # bank order without shuffle
    assert len({tuple(p) for p in picks}) > 1


def test_draw_shuffles_options_but_grading_still_works(quiz):
    for seed in range(10):
        for question in draw_questions(quiz, seed):
            original = quiz.question(question.id)
            if isinstance(question, m.OrderingQuestion):
                assert [o.id for o in question.options] != list(question.answer)
            if hasattr(question, "options"):
                assert sorted(o.id for o in question.options) == sorted(o.id for o in original.options)
    assert [o.id for o in quiz.question("q-ordering").options][0] == "notify"  # the bank is untouched


def test_matching_right_order_is_shuffled_and_deterministic(quiz):
    question = q(quiz, "q-matching")
    orders = {tuple(matching_right_order(question, seed)) for seed in range(20)}
    assert all(sorted(o) == sorted(p.id for p in question.pairs) for o in orders)
    assert tuple(p.id for p in question.pairs) not in orders
    assert matching_right_order(question, "s") == matching_right_order(question, "s")


def test_grade_quiz_scores_points_and_passes_at_the_mark(quiz):
    drawn = [x.id for x in quiz.questions]
    right = {
        "q-single": "a", "q-multiple": ["a", "b", "c"], "q-true-false": True, "q-numeric": "120",
        "q-ordering": ["notify", "shutdown", "isolate", "lock", "verify"],
        "q-matching": {"availability": "availability", "performance": "performance", "quality": "quality"},
        "q-fill-blank": "quality",
    }
    full = grade_quiz(quiz, drawn, right)
    assert full.score == 1.0 and full.passed and full.points_possible == 8.0
    # Miss the 2-point numeric question: 6/8 = 0.75 >= 0.7.
    partly = grade_quiz(quiz, drawn, {**right, "q-numeric": "100"})
    assert partly.score == pytest.approx(0.75) and partly.passed
    by_id = {r.question_id: r for r in partly.per_question}
    assert not by_id["q-numeric"].correct and by_id["q-numeric"].points_possible == 2.0
    # Unanswered questions score nothing: 4/8.
    half = grade_quiz(quiz, drawn, {k: right[k] for k in ("q-single", "q-multiple", "q-true-false", "q-ordering")})
    assert half.score == pytest.approx(0.5) and not half.passed
    with pytest.raises(ValueError):
        grade_quiz(quiz, ["nope"], {})


def _lab(scoring: str = "all", pass_score: float = 1.0) -> m.Lab:
    return m.Lab(
        simulator="line", scenario="x", task={"en": "t"}, scoring=scoring, pass_score=pass_score,
        objectives=[
            m.Objective(metric="oee", op=">=", target=0.8, weight=2),
            m.Objective(metric="wip", op="<", target=10),
            m.Objective(metric="scrap", op="==", target=0),
        ],
    )


def test_grade_lab_all():
    grade = grade_lab(_lab(), {"oee": 0.8, "wip": 9.5, "scrap": 0.0})
    assert grade.passed and grade.score == 1.0
    assert [(r.objective.metric, r.value, r.met) for r in grade.objectives] == [
        ("oee", 0.8, True), ("wip", 9.5, True), ("scrap", 0.0, True)]
    failing = grade_lab(_lab(), {"oee": 0.79, "wip": 10, "scrap": 0})
    assert not failing.passed and failing.score == pytest.approx(1 / 4)


def test_grade_lab_weighted_and_missing_metrics():
    lab = _lab("weighted", 0.5)
    grade = grade_lab(lab, {"oee": 0.9})
    assert grade.score == pytest.approx(0.5) and grade.passed
    assert grade.objectives[1].value is None and not grade.objectives[1].met
    assert not grade_lab(lab, {"oee": float("nan"), "wip": 3}).passed


def test_objective_comparison_tolerates_float_noise():
    lab = m.Lab(simulator="line", scenario="x", task={"en": "t"},
                objectives=[m.Objective(metric="oee", op=">=", target=0.3)])
    assert grade_lab(lab, {"oee": 0.1 + 0.2 - 1e-12}).passed


def test_band_objective_includes_both_ends():
    lab = m.Lab(simulator="maintenance", scenario="x", task={"en": "t"},
                objectives=[m.Objective(metric="mean_replacement_age_h", op="between", target=900, target_max=1400)])
    assert [grade_lab(lab, {"mean_replacement_age_h": v}).passed for v in (899, 900, 1150, 1400, 1401)] == [
        False, True, True, True, False]


def test_confidence_bound_objectives_judge_the_bound_not_the_mean():
    lab = m.Lab(simulator="maintenance", scenario="x", task={"en": "t"}, grading_replications=10,
                objectives=[m.Objective(metric="false_alarms", op="<=", target=0.5, stat="ci_upper")])
    assert objective_key(lab.objectives[0]) == "false_alarms:ci_upper"
    # A mean of 0.3 whose upper 95 % bound is 0.6 is not good enough; the bound is what counts.
    grade = grade_lab(lab, {"false_alarms": 0.3, "false_alarms:ci_upper": 0.6})
    assert not grade.passed and grade.objectives[0].value == 0.6
    assert grade_lab(lab, {"false_alarms": 0.3, "false_alarms:ci_upper": 0.45}).passed
    assert not grade_lab(lab, {"false_alarms": 0.3}).passed  # the bound is missing: not met


def test_run_metrics_adds_the_bounds_of_bound_objectives():
    lab = load_course(FIXTURE).find_step("line", "buffer-lab").lab.model_copy(deep=True)
    lab.grading_replications = 4
    lab.objectives[0] = lab.objectives[0].model_copy(update={"stat": "ci_lower"})
    grade, metrics = run_and_grade_lab(lab, None, {"mill-servers": 2})
    key = f"{lab.objectives[0].metric}:ci_lower"
    assert metrics[key] < metrics[lab.objectives[0].metric]
    assert grade.objectives[0].value == metrics[key]
    assert not any(k.endswith(":ci_lower") for k in metrics if k != key)
    # Common random numbers: the same seed gives the same draws, so the same numbers.
    assert run_and_grade_lab(lab, None, {"mill-servers": 2})[1] == metrics
    _grade, other = run_and_grade_lab(lab, None, {"mill-servers": 2}, seed=lab.grading_seed + 1)
    assert other != metrics

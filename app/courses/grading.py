"""Pure grading: questions, quizzes and labs. No I/O except resolving a lab's scenario.

Response shapes accepted by ``grade_question`` (anything else is simply wrong, never an exception):

==============  =====================================================================
``single``      the chosen option id (``str``)
``multiple``    the chosen option ids (``list[str]``; order does not matter)
``true_false``  ``bool``
``numeric``     ``float``/``int``, or a string: full-width digits, a comma decimal
                (``"2,5"``) and thousands separators (``"1,234.5"``) are understood
``ordering``    every option id in the chosen order (``list[str]``)
``matching``    ``dict`` left pair id → the pair id whose right item was chosen
``fill_blank``  ``str``; compared trimmed, case-insensitively, full-width folded to
                half-width, against the accepted answers of every locale
==============  =====================================================================
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from app.courses import labcheck
from app.courses import models as m
from app.courses.labcheck import LabConfigError, check_control_value, control_label
from app.i18n import _

__all__ = [
    "LabConfigError", "LabGrade", "ObjectiveResult", "QuestionResult", "QuizResult", "check_control_value",
    "compare", "draw_questions", "grade_lab", "grade_question", "grade_quiz", "lab_scenario",
    "matching_right_order", "normalize_answer", "objective_key", "objective_met", "objective_value",
    "parse_number", "run_and_grade_lab", "run_metrics",
]

_SPACES = re.compile(r"\s+")


# --- single questions -----------------------------------------------------------------------------


def normalize_answer(text: str) -> str:
    """Trimmed, case-folded, NFKC (full-width → half-width), inner whitespace collapsed."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def parse_number(value: Any) -> float | None:
    """A finite number from a float/int or a typed string (``"2,5"``, ``"１２０"``, ``"1,234.5"``)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if not isinstance(value, str):
        return None
    text = unicodedata.normalize("NFKC", value).strip().replace(" ", "").replace("\u2212", "-")
    if not text:
        return None
    if "," in text and "." in text:
        # Whichever separator comes last is the decimal one.
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") \
            else text.replace(",", "")
    elif "," in text:
        text = text.replace(",", ".") if text.count(",") == 1 else text.replace(",", "")
    if not re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _str_list(value: Any) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None
    return list(value)


def _is_correct(q: m.Question, response: Any) -> bool:
    if isinstance(q, m.SingleQuestion):
        return isinstance(response, str) and response == q.answer
    if isinstance(q, m.MultipleQuestion):
        chosen = _str_list(response)
        return chosen is not None and set(chosen) == set(q.answer)
    if isinstance(q, m.TrueFalseQuestion):
        return isinstance(response, bool) and response is q.answer
    if isinstance(q, m.NumericQuestion):
        number = parse_number(response)
        if number is None:
            return False
        slack = 1e-9 * max(1.0, abs(q.answer))  # binary floating point: 0.1 + 0.2 is 0.3
        return abs(number - q.answer) <= q.tolerance + slack
    if isinstance(q, m.OrderingQuestion):
        return _str_list(response) == list(q.answer)
    if isinstance(q, m.MatchingQuestion):
        return isinstance(response, Mapping) and all(response.get(p.id) == p.id for p in q.pairs)
    if isinstance(q, m.FillBlankQuestion):
        if not isinstance(response, str):
            return False
        accepted = {normalize_answer(a) for answers in q.accepted.values() for a in answers}
        return normalize_answer(response) in accepted
    return False


def grade_question(question: m.Question, response: Any) -> tuple[bool, float]:
    """(correct, points awarded): all of ``question.points`` or nothing. See the module doc for shapes."""
    try:
        correct = _is_correct(question, response)
    except (TypeError, ValueError, AttributeError):
        correct = False
    return correct, float(question.points) if correct else 0.0


# --- quizzes --------------------------------------------------------------------------------------


def _rng(seed: Any, salt: str = "") -> random.Random:
    # Strings seed Random through SHA-512, so results do not depend on PYTHONHASHSEED.
    return random.Random(f"{seed!r}|{salt}")


def draw_questions(quiz: m.Quiz, seed: Any) -> list[m.Question]:
    """The questions of one attempt: ``draw`` of them, in shuffled order with shuffled options
    if ``shuffle``; ordering questions always get their options shuffled. Deterministic per seed."""
    rng = _rng(seed)
    indices = list(range(len(quiz.questions)))
    chosen = rng.sample(indices, quiz.draw_count) if quiz.draw_count < len(indices) else indices
    if quiz.shuffle:
        rng.shuffle(chosen)
    else:
        chosen.sort()
    drawn: list[m.Question] = []
    for i in chosen:
        q = quiz.questions[i]
        if isinstance(q, m.OrderingQuestion):
            options = list(q.options)
            rng.shuffle(options)
            if [o.id for o in options] == list(q.answer):
                options = options[1:] + options[:1]  # never show the answer as the starting order
            q = q.model_copy(update={"options": options})
        elif quiz.shuffle and isinstance(q, m.SingleQuestion | m.MultipleQuestion):
            options = list(q.options)
            rng.shuffle(options)
            q = q.model_copy(update={"options": options})
        drawn.append(q)
    return drawn


def matching_right_order(question: m.MatchingQuestion, seed: Any) -> list[str]:
    """Pair ids in the order to show the right column (shuffled, never the solved order)."""
    ids = [p.id for p in question.pairs]
    order = list(ids)
    _rng(seed, question.id).shuffle(order)
    if order == ids and len(ids) > 1:
        order = order[1:] + order[:1]
    return order


@dataclass(frozen=True)
class QuestionResult:
    question_id: str
    correct: bool
    points_awarded: float
    points_possible: float
    response: Any = None


@dataclass(frozen=True)
class QuizResult:
    """``score`` is the fraction of the drawn questions' points, 0..1."""

    score: float
    passed: bool
    per_question: list[QuestionResult] = field(default_factory=list)
    points_awarded: float = 0.0
    points_possible: float = 0.0


def grade_quiz(quiz: m.Quiz, drawn_ids: Iterable[str], responses: Mapping[str, Any]) -> QuizResult:
    """Grade one attempt. Unanswered questions score nothing; ValueError for an id not in the quiz."""
    results: list[QuestionResult] = []
    for qid in drawn_ids:
        q = quiz.question(qid)
        if q is None:
            raise ValueError(_("question “{id}” is not in this quiz").format(id=qid))
        response = responses.get(qid)
        correct, points = grade_question(q, response) if qid in responses else (False, 0.0)
        results.append(QuestionResult(qid, correct, points, float(q.points), response))
    possible = sum(r.points_possible for r in results)
    awarded = sum(r.points_awarded for r in results)
    score = awarded / possible if possible else 0.0
    return QuizResult(score, possible > 0 and score >= quiz.pass_mark - 1e-9, results, awarded, possible)


# --- labs -----------------------------------------------------------------------------------------


class ObjectiveResult(NamedTuple):
    objective: m.Objective
    value: float | None
    met: bool


@dataclass(frozen=True)
class LabGrade:
    """``score``: weighted fraction of objectives met; ``passed`` per the lab's ``scoring``."""

    score: float
    passed: bool
    objectives: list[ObjectiveResult]


def compare(op: str, value: float, target: float, target_max: float | None = None) -> bool:
    """The one rule for "objective met", for grading and the instructor dashboard alike.

    ``>=``/``<=``/``==``/``between`` forgive binary rounding (1e-9 relative), so a value
    printed as the target meets it; ``>``/``<`` are strict.
    """
    def slack(t: float) -> float:
        return 1e-9 * max(1.0, abs(t))

    if op == "between":
        high = target if target_max is None else target_max
        return target - slack(target) <= value <= high + slack(high)
    return {
        ">=": lambda: value >= target - slack(target),
        "<=": lambda: value <= target + slack(target),
        ">": lambda: value > target,
        "<": lambda: value < target,
        "==": lambda: abs(value - target) <= slack(target),
    }[op]()


def objective_met(objective: m.Objective, value: float | None) -> bool:
    if value is None or isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return False
    return compare(objective.op, value, objective.target, objective.target_max)


def objective_key(objective: m.Objective) -> str:
    """Where a run's metrics hold the value an objective is judged on (``metric`` or ``metric:ci_upper``)."""
    return objective.metric if objective.stat == "mean" else f"{objective.metric}:{objective.stat}"


def objective_value(objective: m.Objective, metrics: Mapping[str, Any]) -> float | None:
    """The value of ``objective`` in stored or fresh run metrics; None when missing or not a number."""
    raw = metrics.get(objective_key(objective))
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return None
    return float(raw)


def grade_lab(lab: m.Lab, metrics: Mapping[str, float]) -> LabGrade:
    """Grade a lab run from its metrics (see ``run_metrics``); a missing metric is not met."""
    results = []
    for obj in lab.objectives:
        value = objective_value(obj, metrics)
        results.append(ObjectiveResult(obj, value, objective_met(obj, value)))
    total = sum(r.objective.weight for r in results)
    score = sum(r.objective.weight for r in results if r.met) / total if total else 0.0
    if lab.scoring == "all":
        passed = bool(results) and all(r.met for r in results)
    else:
        passed = score >= lab.pass_score - 1e-9
    return LabGrade(score, passed, results)


def lab_scenario(lab: m.Lab, course_dir: Path | None, overrides: Mapping[str, Any] | None = None) -> tuple[str, Any]:
    """(simulator kind, scenario model) for a run: the lab's scenario with every control set.

    ``overrides`` maps control id → value (others keep their default); each value is
    checked against its control's bounds. ``scenario_file`` is found in the lab's step
    folder (known once loaded) or else relative to ``course_dir``. LabConfigError if
    anything is off.
    """
    overrides = dict(overrides or {})
    controls = {c.id: c for c in lab.controls}
    unknown = sorted(set(overrides) - set(controls))
    if unknown:
        raise LabConfigError(_("the lab has no control “{id}”").format(id=unknown[0]))
    values: dict[str, Any] = {}
    for control in lab.controls:
        if control.id in overrides:
            values[control.path] = check_control_value(control, overrides[control.id])
        elif control.graded_default is not None:
            values[control.path] = control.graded_default
    sims = labcheck.simulators_api()
    base_dir = lab.step_dir or (Path(course_dir) if course_dir is not None else None)
    base = labcheck.load_base_scenario(lab, base_dir)
    try:
        data = sims.apply_overrides(lab.simulator, sims.scenario_data(base), values)
        return lab.simulator, sims.load_scenario(lab.simulator, data)
    except sims.ScenarioError as exc:
        by_path = {c.path: c for c in lab.controls}
        control = by_path.get(exc.field)
        if control is not None:
            raise LabConfigError(_("“{label}” cannot be used: {reason}").format(
                label=control_label(control), reason=exc.message)) from None
        raise LabConfigError(_("the scenario is invalid: {reason}").format(reason=exc)) from None


def run_metrics(lab: m.Lab, kind: str, scenario: Any, seed: int, *, parallel: bool = False) -> dict[str, float]:
    """The metrics a graded run is judged on: over ``grading_replications`` replications from
    ``seed`` (common random numbers: the same seed gives every trainee the same draws), the
    mean of each metric, plus ``metric:ci_lower``/``metric:ci_upper`` for objectives on a bound."""
    sims = labcheck.simulators_api()
    if lab.grading_replications == 1:
        return dict(sims.run(kind, scenario, seed=seed).metrics)
    summary = sims.run_replications(kind, scenario, seed=seed, replications=lab.grading_replications,
                                    parallel=parallel)
    metrics = dict(summary.means())
    for obj in lab.objectives:
        stats = summary.metrics.get(obj.metric)
        if obj.stat != "mean" and stats is not None:
            metrics[objective_key(obj)] = stats.low if obj.stat == "ci_lower" else stats.high
    return metrics


def run_and_grade_lab(lab: m.Lab, course_dir: Path | None, overrides: Mapping[str, Any] | None = None,
                      *, parallel: bool = False, seed: int | None = None) -> tuple[LabGrade, dict[str, float]]:
    """Run the lab as graded (``grading_seed`` unless ``seed`` is given, ``grading_replications``)
    and grade it. Returns the grade and the metrics it was judged on."""
    kind, scenario = lab_scenario(lab, course_dir, overrides)
    metrics = run_metrics(lab, kind, scenario, lab.grading_seed if seed is None else seed, parallel=parallel)
    return grade_lab(lab, metrics), metrics

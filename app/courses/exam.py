"""A course's final exam, pure: the question pool of each blueprint row, the per-trainee draw, grading.

An exam question is named ``module/step/question`` (its quiz step and its id in that quiz), so a
stored draw keeps naming the same question after the course is updated. The draw depends only on
the course and the seed: the service stores the seed and the drawn ids, and the draw can be redone
from the seed to check them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from app.courses import models as m
from app.courses.grading import grade_question
from app.i18n import _


class ExamDefinitionError(ValueError):
    """The course's exam cannot be drawn (a pool too small, a step that is not a quiz)."""


@dataclass(frozen=True)
class ExamQuestion:
    qid: str  # module/step/question
    question: m.Question


def question_key(step: m.Step, question: m.Question) -> str:
    return f"{step.key}/{question.id}"


def quiz_steps(course: m.Course, ref: str) -> list[m.Step]:
    """The quiz steps a blueprint reference names: a module's quizzes, or one quiz step."""
    module_id, _sep, step_id = ref.partition("/")
    module = course.module(module_id)
    if module is None:
        raise ExamDefinitionError(_("the exam blueprint names module “{id}”, which the course does not have")
                                  .format(id=module_id))
    if step_id:
        step = module.step(step_id)
        if step is None or step.kind != "quiz" or step.quiz is None:
            raise ExamDefinitionError(_("the exam blueprint names “{ref}”, which is not a quiz of the course")
                                      .format(ref=ref))
        return [step]
    return [s for s in module.steps if s.kind == "quiz" and s.quiz is not None]


def row_pool(course: m.Course, row: m.ExamPoolRow) -> list[ExamQuestion]:
    """Every question a blueprint row may draw, in course order, without duplicates."""
    pool: dict[str, ExamQuestion] = {}
    for ref in row.from_steps:
        for step in quiz_steps(course, ref):
            for q in step.quiz.questions:
                if row.difficulty is None or q.difficulty == row.difficulty:
                    pool.setdefault(question_key(step, q), ExamQuestion(question_key(step, q), q))
    return list(pool.values())


def check_exam(course: m.Course) -> list[tuple[list[str | int], str]]:
    """Problems of the course's exam as (key path in course.yaml, message); empty when it can be drawn."""
    exam = course.exam
    if exam is None:
        return []
    problems: list[tuple[list[str | int], str]] = []
    for i, row in enumerate(exam.blueprint):
        try:
            pool = row_pool(course, row)
        except ExamDefinitionError as exc:
            problems.append((["exam", "blueprint", i, "from_steps"], str(exc)))
            continue
        if len(pool) < row.count:
            problems.append((["exam", "blueprint", i, "count"], _(
                "the exam blueprint draws {count} questions here but its pool has only {available}").format(
                count=row.count, available=len(pool))))
    if exam.practical is not None:
        step = course.step(exam.practical.lab)
        if step is None or step.kind != "lab" or step.lab is None:
            problems.append((["exam", "practical", "lab"], _(
                "the exam's practical names “{ref}”, which is not a lab of the course").format(
                ref=exam.practical.lab)))
    if not problems:
        try:
            draw(course, 0)
        except ExamDefinitionError as exc:
            problems.append((["exam", "blueprint"], str(exc)))
    return problems


def draw(course: m.Course, seed: int) -> list[str]:
    """The question ids of one trainee's exam: each row's count drawn from its pool, no question twice.

    Deterministic per (course, seed). Rows draw in order; a question drawn by an earlier row is not
    drawn again, so overlapping pools need enough questions for both rows.
    """
    if course.exam is None:
        raise ExamDefinitionError(_("this course has no exam"))
    rng = random.Random(f"exam|{course.id}|{seed}")
    chosen: list[str] = []
    for row in course.exam.blueprint:
        pool = [q.qid for q in row_pool(course, row) if q.qid not in chosen]
        if len(pool) < row.count:
            raise ExamDefinitionError(_(
                "the exam blueprint draws {count} questions but only {available} are left in a pool").format(
                count=row.count, available=len(pool)))
        chosen.extend(rng.sample(pool, row.count))
    rng.shuffle(chosen)
    return chosen


def find_question(course: m.Course, qid: str) -> m.Question | None:
    step_key, _sep, question_id = qid.rpartition("/")
    step = course.step(step_key)
    if step is None or step.quiz is None:
        return None
    return step.quiz.question(question_id)


@dataclass(frozen=True)
class ExamGrade:
    """``quiz_score`` over the drawn questions' points; ``score`` with the practical's share."""

    quiz_score: float
    score: float
    passed: bool
    points: dict[str, float]  # qid -> points awarded (a missing question scores 0 and is listed in missing)
    missing: list[str]


def grade(course: m.Course, qids: Iterable[str], answers: Mapping[str, Any],
          practical_score: float | None = None) -> ExamGrade:
    """Grade an exam against the course's current key; unanswered questions score nothing.

    A drawn question no longer in the course cannot be graded: it is left out of the points
    possible (not held against the trainee) and listed in ``missing``.
    """
    exam = course.exam
    if exam is None:
        raise ExamDefinitionError(_("this course has no exam"))
    points: dict[str, float] = {}
    missing: list[str] = []
    possible = awarded = 0.0
    for qid in qids:
        q = find_question(course, qid)
        if q is None:
            missing.append(qid)
            continue
        _correct, got = grade_question(q, answers[qid]) if qid in answers else (False, 0.0)
        points[qid] = got
        possible += float(q.points)
        awarded += got
    quiz_score = awarded / possible if possible else 0.0
    score = quiz_score
    if exam.practical is not None:
        w = exam.practical.weight
        score = (1 - w) * quiz_score + w * (practical_score or 0.0)
    return ExamGrade(round(quiz_score, 6), round(score, 6), score >= exam.pass_mark - 1e-9, points, missing)


def presented(course: m.Course, qids: Iterable[str], seed: int) -> list[ExamQuestion]:
    """The drawn questions as shown: option order shuffled per attempt (from its seed), an ordering
    question never starting in the answer's order. Questions no longer in the course are left out."""
    shown: list[ExamQuestion] = []
    for qid in qids:
        q = find_question(course, qid)
        if q is None:
            continue
        if isinstance(q, m.SingleQuestion | m.MultipleQuestion | m.OrderingQuestion):
            options = list(q.options)
            random.Random(f"exam|{seed}|{qid}").shuffle(options)
            if isinstance(q, m.OrderingQuestion) and [o.id for o in options] == list(q.answer):
                options = options[1:] + options[:1]
            q = q.model_copy(update={"options": options})
        shown.append(ExamQuestion(qid, q))
    return shown

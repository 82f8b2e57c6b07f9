"""Checks of a course's ``competencies:`` (the skills matrix, issue 19) that the models cannot see."""

from __future__ import annotations

from app.courses import models as m
from app.i18n import _

EVIDENCE_KINDS = ("quiz", "lab", "practical")
LEVEL_ORDER = ("beginner", "intermediate", "advanced")


def check_competencies(course: m.Course) -> list[tuple[list[str | int], str]]:
    """Problems as (key path in course.yaml, message): ids twice, steps that are not graded steps of the course."""
    problems: list[tuple[list[str | int], str]] = []
    seen: set[str] = set()
    for i, comp in enumerate(course.competencies):
        if comp.id in seen:
            problems.append((["competencies", i, "id"], _("the competency “{id}” is defined twice").format(
                id=comp.id)))
        seen.add(comp.id)
        for j, ev in enumerate(comp.evidence):
            step = course.step(ev.step)
            if step is None or step.kind not in EVIDENCE_KINDS:
                problems.append((["competencies", i, "evidence", j, "step"], _(
                    "“{ref}” is not a quiz, lab or practical step of the course").format(ref=ev.step)))
    return problems

"""Whether a trainee meets a course's passing rules (the basis of a certificate).

Pure functions over a loaded course and the derived progress, so the GUI,
the CLI and the certificate service agree on one definition.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.services.progress import CourseProgress, StepStatus


@dataclass(frozen=True)
class CompletionResult:
    met: bool
    overall_score: float
    min_score: float
    missing_required: list[str]
    scored_steps: int

    @property
    def score_ok(self) -> bool:
        return self.overall_score >= self.min_score


def evaluate(course, progress: CourseProgress) -> CompletionResult:
    """Overall score = mean of the best scores of the scored steps (a step never tried counts 0).

    The course is met when that mean reaches ``passing.min_overall_score`` and
    every required step (practical sign-offs included) has been passed.
    """
    scored = course.scored_step_keys()
    bests = []
    for key in scored:
        rec = progress.steps.get(key)
        bests.append(rec.best_score if rec is not None and rec.best_score is not None else 0.0)
    overall = sum(bests) / len(bests) if bests else 1.0
    missing = [k for k in course.required_step_keys() if progress.status(k) is not StepStatus.PASSED]
    min_score = course.passing.min_overall_score
    return CompletionResult(met=overall >= min_score and not missing, overall_score=overall,
                            min_score=min_score, missing_required=missing, scored_steps=len(scored))

"""Does a lab grade the setting or the seed? Its known-good and known-bad examples over many seeds.

Each example (``examples: {good: [...], bad: [...]}`` in lab.yaml) is graded exactly as a
trainee's run would be, once per seed, with the grading seed replaced by each of N seeds
derived from it. A fair lab passes its known-good settings on at least 95 % of the seeds and
its known-bad settings on at most 5 %; an objective that every example meets on every seed
never decides a grade. Qt-free: ``zhizao validate --robustness`` and the editor's *Try it*
both call :func:`check_lab` / :func:`check_labs`.

Runs go to a process pool, one (example, seed) per task; results are collected in task
order, so the report is the same whatever the number of workers.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import threading
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from app.courses import models as m
from app.courses.grading import run_and_grade_lab
from app.courses.labcheck import LabConfigError, example_settings
from app.courses.reporter import Reporter
from app.i18n import _, format_percent

DEFAULT_SEEDS = 30
GOOD_MIN_PASS = 0.95
BAD_MAX_PASS = 0.05

ExampleKind = Literal["good", "bad"]


@dataclass(frozen=True)
class ExampleResult:
    """One example graded on every seed: ``met[k][j]`` is objective j on seed k."""

    kind: ExampleKind
    index: int
    settings: dict[str, Any]
    passed: tuple[bool, ...]
    met: tuple[tuple[bool, ...], ...]
    error: str | None = None

    @property
    def pass_count(self) -> int:
        return sum(self.passed)

    @property
    def pass_rate(self) -> float:
        return self.pass_count / len(self.passed) if self.passed else 0.0

    @property
    def fair(self) -> bool:
        if self.error is not None:
            return False
        return self.pass_rate >= GOOD_MIN_PASS - 1e-9 if self.kind == "good" else self.pass_rate <= BAD_MAX_PASS + 1e-9


@dataclass(frozen=True)
class LabRobustness:
    seeds: tuple[int, ...]
    examples: tuple[ExampleResult, ...]

    def never_binding(self, lab: m.Lab) -> list[int]:
        """Objectives met by every example (good and bad) on every seed: they never decide a grade."""
        ran = [e for e in self.examples if e.error is None]
        if not any(e.kind == "good" for e in ran) or not any(e.kind == "bad" for e in ran):
            return []
        return [j for j in range(len(lab.objectives)) if all(row[j] for e in ran for row in e.met)]

    @property
    def fair(self) -> bool:
        return all(e.fair for e in self.examples)


def robustness_seeds(lab: m.Lab, n: int = DEFAULT_SEEDS) -> tuple[int, ...]:
    """N seeds derived from the lab's grading seed (never the grading seed itself), same on every machine."""
    seeds: list[int] = []
    k = 0
    while len(seeds) < n:
        digest = hashlib.sha256(f"zhizao-robustness|{lab.grading_seed}|{k}".encode()).digest()
        seed = int.from_bytes(digest[:4], "big") & 0x7FFFFFFF
        if seed != lab.grading_seed and seed not in seeds:
            seeds.append(seed)
        k += 1
    return tuple(seeds)


def _examples(lab: m.Lab) -> list[tuple[ExampleKind, int, dict[str, Any]]]:
    if lab.examples is None:
        return []
    return ([("good", i, dict(s)) for i, s in enumerate(lab.examples.good)]
            + [("bad", i, dict(s)) for i, s in enumerate(lab.examples.bad)])


def _grade_one(task: tuple[m.Lab, Path | None, dict[str, Any], int]) -> tuple[bool, tuple[bool, ...]] | str:
    lab, course_dir, settings, seed = task
    try:
        settings = example_settings(lab, settings, None)  # a pendant log given as a file
        grade, _metrics = run_and_grade_lab(lab, course_dir, settings, seed=seed)
    except LabConfigError as exc:
        return str(exc)
    return grade.passed, tuple(r.met for r in grade.objectives)


def _pool_context() -> Any:
    # fork is fast and needs no __main__ guard, but only while single-threaded (the GUI is not).
    if sys.platform.startswith("linux") and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def _workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _run_all(tasks: list[tuple[m.Lab, Path | None, dict[str, Any], int]], workers: int | None) -> list[Any]:
    n = min(workers or _workers(), len(tasks))
    if n > 1:
        try:
            with ProcessPoolExecutor(max_workers=n, mp_context=_pool_context()) as pool:
                return list(pool.map(_grade_one, tasks, chunksize=max(1, len(tasks) // (n * 8))))
        except (OSError, BrokenProcessPool, PermissionError):
            pass  # no processes allowed here: run them one by one
    return [_grade_one(t) for t in tasks]


def check_labs(labs: Sequence[tuple[m.Lab, Path | None]], n_seeds: int = DEFAULT_SEEDS,
               *, workers: int | None = None) -> list[LabRobustness]:
    """:class:`LabRobustness` for each (lab, course folder), all runs shared out over one process pool."""
    plan: list[tuple[tuple[int, ...], list[tuple[ExampleKind, int, dict[str, Any]]]]] = []
    tasks: list[tuple[m.Lab, Path | None, dict[str, Any], int]] = []
    for lab, course_dir in labs:
        seeds = robustness_seeds(lab, n_seeds)
        examples = _examples(lab)
        plan.append((seeds, examples))
        tasks += [(lab, course_dir, settings, seed) for _k, _i, settings in examples for seed in seeds]
    outputs = iter(_run_all(tasks, workers))
    results = []
    for seeds, examples in plan:
        found = []
        for kind, i, settings in examples:
            rows = [next(outputs) for _seed in seeds]
            error = next((r for r in rows if isinstance(r, str)), None)
            graded = [r for r in rows if not isinstance(r, str)]
            found.append(ExampleResult(kind, i, settings, tuple(p for p, _met in graded),
                                       tuple(met for _p, met in graded), error))
        results.append(LabRobustness(seeds, tuple(found)))
    return results


def check_lab(lab: m.Lab, course_dir: Path | None, n_seeds: int = DEFAULT_SEEDS,
              *, workers: int | None = None) -> LabRobustness:
    """One lab's robustness (see the module doc)."""
    return check_labs([(lab, course_dir)], n_seeds, workers=workers)[0]


def report(rep: Reporter, rel: str, lab: m.Lab, result: LabRobustness) -> None:
    """Problems for ``zhizao validate``: unfair examples (errors) and objectives that never bind (warnings)."""
    n = len(result.seeds)
    if lab.examples is None or not lab.examples.good or not lab.examples.bad:
        rep.warning(rel, ["examples"] if lab.examples is not None else [], _(
            "no known-good and known-bad examples, so the robustness of this lab was not checked"))
    for ex in result.examples:
        where: list[str | int] = ["examples", ex.kind, ex.index]
        if ex.error is not None:
            rep.error(rel, where, _("this example cannot be run: {reason}").format(reason=ex.error))
        elif ex.kind == "good" and not ex.fair:
            rep.error(rel, where, _(
                "known-good settings pass on only {passed} of {n} seeds ({rate}; at least {min} needed): "
                "the grade depends on luck").format(passed=ex.pass_count, n=n, rate=format_percent(ex.pass_rate),
                                                    min=format_percent(GOOD_MIN_PASS)))
        elif ex.kind == "bad" and not ex.fair:
            rep.error(rel, where, _(
                "known-bad settings pass on {passed} of {n} seeds ({rate}; at most {max} allowed): "
                "the grade depends on luck").format(passed=ex.pass_count, n=n, rate=format_percent(ex.pass_rate),
                                                    max=format_percent(BAD_MAX_PASS)))
    for j in result.never_binding(lab):
        rep.warning(rel, ["objectives", j], _(
            "objective “{metric}” is met by every known-good and known-bad example on every seed: "
            "it never decides a grade").format(metric=lab.objectives[j].metric))


def summary_lines(lab_name: str, result: LabRobustness) -> Iterable[str]:
    """Pass rates per example, for ``zhizao validate --robustness`` output."""
    n = len(result.seeds)
    for ex in result.examples:
        label = _("known-good") if ex.kind == "good" else _("known-bad")
        yield _("{lab}: {kind} #{index}: passes on {passed} of {n} seeds").format(
            lab=lab_name, kind=label, index=ex.index + 1, passed=ex.pass_count, n=n)

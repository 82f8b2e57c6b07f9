"""The spectrum-diagnosis lab is fair: the lesson's reading rules diagnose every machine on any seed,
the deciding F2 peak sits where the answer key says, and the examples grade as the author claims."""

from __future__ import annotations

import numpy as np
import pytest

import simulators
from app.courses.grading import run_and_grade_lab
from app.courses.loader import load_course
from app.paths import courses_dir

STEP = ("features", "spectrum-diagnosis-lab")


@pytest.fixture(scope="module")
def lab():
    return load_course(courses_dir() / "ai-predictive-maintenance").find_step(*STEP).lab


def diagnose(rec) -> str:
    """The rules of the lesson and the lab's hints, applied to what the trainee sees (no hidden truth)."""
    env, vel, marks = rec.envelope_spectrum, rec.velocity_spectrum, rec.markers
    floor = float(np.median(env.amplitude[(env.freqs_hz > 2) & (env.freqs_hz < 500)]))
    # a bearing: an envelope line within 3 % below/at its calculated cursor, far above the floor
    bearing = {kind: env.peak_near(marks[key] * 0.98, marks[key] * 0.025)[1]
               for kind, key in (("outer_race", "BPFO"), ("inner_race", "BPFI"), ("ball", "2×BSF"))}
    kind, height = max(bearing.items(), key=lambda kv: kv[1])
    if height > 20 * floor:
        return kind
    fr = rec.speed_hz
    order = {k: vel.peak_near(k * fr, 2 * vel.resolution_hz)[1] for k in (0.5, 1, 1.5, 2, 3, 4, 5, 6)}
    if sum(order[k] > 0.25 * order[1] for k in (3, 4, 5, 6)) >= 3 or order[1.5] > 0.2 * order[1]:
        return "looseness"
    if order[2] >= 0.5 * order[1]:
        return "misalignment"
    return "unbalance" if order[1] > 2.0 else "healthy"


def test_the_lessons_rules_diagnose_every_machine_on_any_seed(lab) -> None:
    from app.courses.labcheck import load_base_scenario

    scenario = load_base_scenario(lab, lab.step_dir)
    truth = {m.name: m.true_diagnosis for m in scenario.machines}
    assert sorted(truth.values()) == ["inner_race", "looseness", "misalignment", "outer_race"]
    for seed in [lab.grading_seed, *range(1, 16)]:
        result = simulators.run("vibration", scenario, seed)
        assert {name: diagnose(rec) for name, rec in result.machines.items()} == truth, seed
        f2 = result.machines["F2"]
        peak, _ = f2.envelope_spectrum.peak_near(f2.markers["BPFO"], 0.03 * f2.markers["BPFO"])
        assert abs(peak - 86.7) <= 1.0 and abs(f2.markers["BPFO"] - 86.7) > 1.0, seed  # the peak, not the cursor


def test_examples_grade_as_the_author_says(lab) -> None:
    good = lab.examples.good[0]
    grade, metrics = run_and_grade_lab(lab, None, good)
    assert grade.passed and metrics["correct_diagnoses"] == 4 and metrics["machine.F2.frequency_error_hz"] < 0.1
    for bad in lab.examples.bad:
        grade, _ = run_and_grade_lab(lab, None, bad)
        assert not grade.passed, bad
    calculated = {**good, "f2-frequency": 88.0}
    grade, _ = run_and_grade_lab(lab, None, calculated)
    assert [r.met for r in grade.objectives] == [True, False]

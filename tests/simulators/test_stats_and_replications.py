"""Distributions, Student-t confidence intervals, and parallel replications."""

from __future__ import annotations

import math
import random
import statistics

import pytest
from pydantic import BaseModel

from simulators import load_scenario, run, run_replications
from simulators.distributions import Distribution
from simulators.stats import summarize, t_quantile


class _Holder(BaseModel):
    d: Distribution


@pytest.mark.parametrize(
    "spec",
    [
        7,
        {"dist": "exponential", "mean": 30},
        {"dist": "normal", "mean": 30, "sd": 5},
        {"dist": "normal", "mean": 2, "sd": 3},  # heavily truncated: the reported mean is the truncated one
        {"dist": "lognormal", "mean": 30, "sd": 12},
        {"dist": "triangular", "low": 10, "mode": 20, "high": 60},
        {"dist": "uniform", "low": 5, "high": 15},
        {"dist": "weibull", "shape": 1.7, "scale": 100},
    ],
)
def test_distribution_moments(spec) -> None:
    d = _Holder(d=spec).d
    draw = d.sampler(random.Random(12345))
    xs = [draw() for _ in range(100_000)]
    assert min(xs) >= 0
    mean = statistics.fmean(xs)
    sd = statistics.pstdev(xs)
    assert abs(mean - d.mean) <= 5 * math.sqrt(d.variance / len(xs)) + 1e-12
    assert math.isclose(sd, math.sqrt(d.variance), rel_tol=0.03, abs_tol=1e-12)


def test_student_t_quantiles() -> None:
    for df, expected in [(1, 12.7062), (2, 4.3027), (4, 2.7764), (9, 2.2622), (29, 2.0452), (100, 1.9840)]:
        assert math.isclose(t_quantile(0.975, df), expected, abs_tol=1e-4)
    assert math.isclose(t_quantile(0.025, 9), -2.2622, abs_tol=1e-4)


def test_summary_interval() -> None:
    s = summarize([1.0, 2.0, 3.0, 4.0])
    assert s.mean == 2.5 and s.n == 4
    assert math.isclose(s.half_width, 3.1824 * statistics.stdev([1, 2, 3, 4]) / 2, rel_tol=1e-4)
    assert s.low < 2.5 < s.high
    one = summarize([5.0])
    assert (one.mean, one.half_width, one.n) == (5.0, 0.0, 1)


def test_replication_zero_is_run_and_parallel_equals_serial() -> None:
    sc = load_scenario("line", "basic-three-station-line")
    par = run_replications("line", sc, 9, 6, parallel=True)
    ser = run_replications("line", sc, 9, 6, parallel=False)
    assert par.runs == ser.runs
    assert par.runs[0] == run("line", sc, 9).metrics
    assert len({r["good_parts"] for r in par.runs}) > 1  # replications differ
    assert par.metrics["oee"].n == 6 and par.metrics["oee"].half_width > 0
    assert sum(par.bottlenecks.values()) == 6
    single = run_replications("line", sc, 9, 1)
    assert single.runs[0] == par.runs[0] and single.metrics["oee"].half_width == 0.0


def test_replications_of_other_kinds() -> None:
    pump = run_replications("maintenance", "pump-bearing-wear", 1, 3)
    assert pump.metrics["total_cost"].n == 3
    cell = run_replications("robot_cell", "pick-and-place-cell", 1, 3)
    assert cell.metrics["cycle_time_s"].half_width == 0.0  # deterministic

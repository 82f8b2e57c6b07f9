"""Predictive-maintenance model: renewal theory, availability, policies, the rule language, the runner."""

from __future__ import annotations

import math

import pytest

from simulators import load_scenario, make_runner, run, run_replications, scenario_data
from simulators.maintenance.model import PartLife
from simulators.maintenance.rules import RuleError, compile_rule

from .conftest import close_to


def _scenario(**change) -> dict:
    data = {
        "kind": "maintenance",
        "horizon_h": 20_000,
        "sample_interval_h": 10,
        "degradation": {"model": "weibull", "shape": 2.0, "scale_h": 1000},
        "repair": {"corrective_h": 0, "planned_h": 4, "inspection_h": 1},
        "policy": {"type": "run_to_failure"},
    }
    data.update(change)
    return data


@pytest.fixture(scope="module")
def pump():
    return load_scenario("maintenance", "pump-bearing-wear")


def test_expected_number_of_renewals_weibull() -> None:
    # Renewal function for large T: M(T) ≈ T/mu + (sigma^2/mu^2 - 1) / 2.
    shape, scale, horizon = 2.0, 1000.0, 20_000.0
    mu = scale * math.gamma(1 + 1 / shape)
    var = scale**2 * (math.gamma(1 + 2 / shape) - math.gamma(1 + 1 / shape) ** 2)
    expected = horizon / mu + (var / mu**2 - 1) / 2
    s = run_replications("maintenance", load_scenario("maintenance", _scenario()), 1, 40)
    assert close_to(s.metrics["unplanned_failures"], expected, rel=0.005)
    assert s.metrics["unplanned_failures"].half_width < 1.0
    assert s.means()["missed_failures"] == s.means()["unplanned_failures"]


def test_poisson_failures_for_exponential_lives() -> None:
    s = run_replications("maintenance", load_scenario("maintenance", _scenario(
        degradation={"model": "weibull", "shape": 1.0, "scale_h": 500})), 2, 30)
    assert close_to(s.metrics["unplanned_failures"], 20_000 / 500, rel=0.005)


def test_availability_mtbf_over_mtbf_plus_mttr() -> None:
    scale = 1000.0
    mttf = scale * math.gamma(1.5)
    s = run_replications("maintenance", load_scenario("maintenance", _scenario(
        horizon_h=100_000, repair={"corrective_h": 100}, sample_interval_h=50)), 3, 10)
    assert close_to(s.metrics["availability"], mttf / (mttf + 100), rel=0.002)
    # downtime cost follows downtime exactly
    for r in s.runs:
        assert math.isclose(r["downtime_cost"], r["downtime_h"] * 800)


def test_gamma_wear_mean_life(pump) -> None:
    data = scenario_data(pump)
    data.update(policy={"type": "run_to_failure"}, random_failure_rate_per_h=0, horizon_h=60_000,
                repair={"corrective_h": 0})
    ages = [PartLife(load_scenario("maintenance", data), 5, 0, "M1", k).failure_age for k in range(300)]
    mean = sum(ages) / len(ages)
    sd = math.sqrt(sum((a - mean) ** 2 for a in ages) / (len(ages) - 1))
    assert abs(mean - 2000) < 3 * sd / math.sqrt(len(ages)) + 40
    assert 0.15 < sd / mean < 0.35  # the configured cv of 0.25, approximately


def test_policies_compare_as_taught(pump) -> None:
    data = scenario_data(pump)

    def means(policy_change: dict) -> dict[str, float]:
        changed = {**data, "policy": {**data["policy"], **policy_change}} if "type" not in policy_change else {
            **data, "policy": policy_change}
        return run_replications("maintenance", load_scenario("maintenance", changed), 11, 8).means()

    good = means({})
    rtf = means({"type": "run_to_failure"})
    low = means({"threshold": 2.0, "persistence": 1})
    assert good["total_cost"] < 0.6 * rtf["total_cost"]
    assert rtf["unplanned_failures"] > 3 * good["unplanned_failures"]
    assert rtf["planned_stops"] == rtf["false_alarms"] == 0
    assert good["false_alarms"] <= 1
    assert low["false_alarms"] > 50
    assert low["total_cost"] > good["total_cost"]
    assert good["mean_warning_lead_time_h"] > 24
    assert low["availability"] < good["availability"]


def test_common_random_numbers_across_policies(pump) -> None:
    rtf = load_scenario("maintenance", {**scenario_data(pump), "policy": {"type": "run_to_failure"}})
    first_life = PartLife(pump, 2024, 0, "M1", 0).failure_age
    assert PartLife(rtf, 2024, 0, "M1", 0).failure_age == first_life
    runner = make_runner("maintenance", rtf, 2024)
    failures: list[float] = []
    runner.subscribe(lambda e: failures.append(e.time) if e.kind == "failure" else None)
    runner.advance(runner.end_time)
    assert failures[0] == first_life


def test_runner_slices_snapshot_and_events(pump) -> None:
    whole = run("maintenance", pump, 3)
    runner = make_runner("maintenance", pump, 3)
    kinds: set[str] = set()
    runner.subscribe(lambda e: kinds.add(e.kind))
    runner.advance(100.5)
    snap = runner.snapshot()
    m1 = snap["machines"]["M1"]
    assert snap["time"] == 100.5 and m1["state"] == "running"
    assert set(m1["readings"]) == {"vibration", "temperature", "current"}
    assert m1["zone"] in "ABCD" and m1["age_h"] == 100.0
    assert "reading" in kinds
    for t in range(200, 9000, 777):
        runner.advance(float(t))
    runner.advance(runner.end_time)
    assert runner.done and runner.result().metrics == whole.metrics
    assert {"alarm", "planned_replacement"} <= kinds
    assert whole.metrics == run("maintenance", pump, 3).metrics
    series = whole.series["M1"]
    assert len(series.times) == len(series.vibration) == len(series.wear) > 8000
    assert max(series.vibration) > 4.5 and min(series.wear) >= 0 and max(series.wear) <= 1


def test_fixed_interval_replaces_at_the_interval() -> None:
    data = _scenario(policy={"type": "fixed_interval", "interval_h": 300},
                     degradation={"model": "weibull", "shape": 4.0, "scale_h": 5000})
    r = run("maintenance", load_scenario("maintenance", data), 1)
    # 4 h per planned change: one every 304 h, no failures (a 300 h part almost never fails)
    assert r.metrics["unplanned_failures"] == 0
    assert r.metrics["planned_stops"] == (20_000 - 300) // 304 + 1
    assert math.isclose(r.metrics["mean_replacement_age_h"], 300.0)


def test_rule_functions() -> None:
    def trace(text: str, values: list[float], dt: float = 1.0) -> list[bool]:
        rule = compile_rule(text, dt)()
        return [rule({"vibration": v, "temperature": 50.0, "current": 12.0}) for v in values]

    assert trace("vibration > 2", [1, 3, 2]) == [False, True, False]
    assert trace("ewma(vibration, 0.5) >= 2", [0, 4, 0, 4]) == [False, True, False, True]
    assert trace("mean(vibration, 3) > 2", [3, 3, 0, 0]) == [True, True, False, False]
    assert trace("slope(vibration, 3) > 0.9", [1, 2, 3, 3]) == [False, True, True, False]
    assert trace("slope(vibration, 3) > 0.4", [1, 2, 3], dt=2.0) == [False, True, True]  # per hour
    assert trace("delta(vibration, 2) > 1 or zone(vibration) >= 4", [1, 3, 5, 5]) == [False, True, True, True]
    assert trace("max(vibration, 2) > 4 and not min(vibration, 2) > 4", [5, 5, 3]) == [False, False, True]
    assert trace("1 < vibration <= 3 and temperature > 40", [1, 2, 4]) == [False, True, False]
    assert trace("abs(vibration - 3) < 0.5", [3.2, 4]) == [True, False]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("vibration >", "syntax error"),
        ("speed > 3", "unknown name 'speed'"),
        ("ewma(vibration, 2) > 3", "alpha must be in (0, 1]"),
        ("mean(vibration, 0.5) > 3", "whole number"),
        ("__import__('os')", "unknown function"),
        ("vibration.real > 3", "not allowed"),
        ("vibration == 3", "comparisons"),
        ("'abc'", "only numbers"),
        ("vibration > 3 if True else 2", "not allowed"),
    ],
)
def test_rule_errors(text: str, words: str) -> None:
    with pytest.raises(RuleError) as info:
        compile_rule(text)
    assert words in info.value.message
    assert str(info.value).startswith("col ")


def test_rule_policy_runs(pump) -> None:
    data = {**scenario_data(pump), "policy": {"type": "rule", "rule": "ewma(vibration, 0.2) > 4.0 and temperature > 60",
                                                "persistence": 2}}
    r = run("maintenance", load_scenario("maintenance", data))
    assert r.metrics["alarms"] >= 3 and r.metrics["unplanned_failures"] <= 1

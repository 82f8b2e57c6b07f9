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


def _gamma_lives(mean_life: float, cv: float, n: int, dt: float) -> list[float]:
    sc = load_scenario("maintenance", _scenario(degradation={"model": "gamma", "mean_life_h": mean_life, "cv": cv},
                                                sample_interval_h=dt))
    return [PartLife(sc, 5, 0, "M1", k).failure_age for k in range(n)]


@pytest.mark.parametrize(("cv", "n"), [(0.25, 2000), (1.0, 1500)])
def test_gamma_wear_mean_life_is_the_mean_first_passage_time(cv: float, n: int) -> None:
    # The old parametrisation (wear expected to reach 1 at mean_life_h) gave a mean of
    # 1000 × g(cv²): 1031 h at cv 0.25 and 1481 h at cv 1, both far outside these intervals.
    lives = _gamma_lives(1000.0, cv, n, dt=1.0 if cv < 0.5 else 2.0)
    mean = sum(lives) / n
    sd = math.sqrt(sum((a - mean) ** 2 for a in lives) / (n - 1))
    assert abs(mean - 1000) < 3.3 * sd / math.sqrt(n) + 1.0  # 99.9 % CI plus the grid's ½ dt
    if cv < 0.5:
        assert 0.22 < sd / mean < 0.28  # for small cv the life's cv is the wear path's cv


def test_gamma_mean_life_factor() -> None:
    from simulators.maintenance.gamma_process import mean_life_factor, regularized_lower_gamma

    assert math.isclose(regularized_lower_gamma(1.0, 2.0), 1 - math.exp(-2.0), rel_tol=1e-12)
    assert math.isclose(regularized_lower_gamma(3.0, 10.0), 1 - math.exp(-10) * (1 + 10 + 50), rel_tol=1e-12)
    for theta in (0.05, 0.0625, 0.25):
        assert math.isclose(mean_life_factor(theta), 1 + theta / 2, rel_tol=2e-4)
    # the integral and the small-θ formula meet at the switch-over
    assert math.isclose(mean_life_factor(0.0401), 1 + 0.0401 / 2, rel_tol=1e-7)
    assert 1.47 < mean_life_factor(1.0) < 1.49
    pump = load_scenario("maintenance", "pump-bearing-wear").degradation
    assert math.isclose(pump.unit_wear_h * 1.03125, pump.mean_life_h, rel_tol=1e-6)


def test_pump_bearing_mean_life(pump) -> None:
    data = scenario_data(pump)
    data.update(policy={"type": "run_to_failure"}, random_failure_rate_per_h=0, horizon_h=60_000,
                repair={"corrective_h": 0})
    ages = [PartLife(load_scenario("maintenance", data), 5, 0, "M1", k).failure_age for k in range(300)]
    mean = sum(ages) / len(ages)
    sd = math.sqrt(sum((a - mean) ** 2 for a in ages) / (len(ages) - 1))
    assert abs(mean - 2000) < 3.3 * sd / math.sqrt(len(ages)) + 1
    assert 0.2 < sd / mean < 0.3  # the configured cv of 0.25


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


@pytest.mark.parametrize("policy", [
    {"type": "condition_based", "signal": "vibration", "threshold": 3.0, "persistence": 2, "response_h": 8},
    {"type": "rule", "rule": "ewma(vibration, 0.1) > 2.5", "persistence": 1, "response_h": 0},
    {"type": "fixed_interval", "interval_h": 700},
])
def test_readings_in_blocks_equal_one_event_per_reading(pump, policy) -> None:
    """A run without a subscriber takes readings in blocks (no SimPy event each); with one, every
    reading is an event. Same floats either way: metrics, every series value, every event time,
    and the snapshots between slices (a block never runs past the slice's end)."""
    data = {**scenario_data(pump), "machines": 3, "horizon_h": 6000, "policy": policy}
    if policy["type"] == "fixed_interval":
        data["repair"] = {**data["repair"], "planned_h": 4}  # the three machines stay in step: ties
    sc = load_scenario("maintenance", data)

    def sliced(subscribed: bool):
        runner = make_runner("maintenance", sc, 7)
        if subscribed:
            runner.subscribe(lambda e: None)
        snaps = []
        for t in (0.5, 1.0, 333.3, 1000.0, 2024.0, 4999.9):
            runner.advance(t)
            snaps.append(runner.snapshot())
        runner.advance(runner.end_time)
        return runner, snaps

    (blocks, block_snaps), (events, event_snaps) = sliced(False), sliced(True)
    assert block_snaps == event_snaps and block_snaps[-1]["counters"]["alarms" if policy["type"] != "fixed_interval"
                                                                      else "planned_stops"] > 0
    a, b = blocks.result(), events.result()
    assert a.metrics == b.metrics == run("maintenance", sc, 7).metrics
    for name in a.series:
        sa, sb = a.series[name], b.series[name]
        assert (sa.times, sa.vibration, sa.temperature, sa.current, sa.wear, sa.events) == (
            sb.times, sb.vibration, sb.temperature, sb.current, sb.wear, sb.events)
    # the readings taken in blocks still count against the run's event budget
    assert blocks.events >= sum(len(s.times) for s in a.series.values()) > 3 * 5000
    assert events.events >= blocks.events


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

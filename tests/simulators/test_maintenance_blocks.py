"""Maintenance readings computed in blocks with numpy: the same floats as CPython's draws and as
one reading per event (the per-reading code a run with a subscriber uses)."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from simulators import load_scenario, scenario_data
from simulators.errors import WorkLimitError
from simulators.maintenance import draws, model
from simulators.maintenance.readings import BlockReader
from simulators.maintenance.runner import MaintenanceRunner


@pytest.mark.parametrize("seed", [0, 1, 2**32 - 1, 2**32, 2**64 - 1, 8_812_345_678_901_234_567])
def test_normals_are_cpythons_normalvariate(seed: int) -> None:
    rng = random.Random(seed)
    assert draws.normals(seed, 3000).tolist() == [rng.normalvariate(0.0, 1.0) for _ in range(3000)]


def test_sensor_noise_hands_out_the_stream_in_order_whichever_way_it_is_taken() -> None:
    rng = random.Random(77)
    expected = [rng.normalvariate(0.0, 1.0) for _ in range(3 * 1500)]
    noise = draws.SensorNoise(77)
    got = [*noise.three(), *noise.three()]  # one reading at a time: CPython's loop
    for n in (1, 5, 300, 700):  # then in batches, each computed again from the start, longer
        got += noise.peek(n).ravel().tolist()
        noise.skip(n)
        got += noise.three()
    assert got == expected[:len(got)]


def _cpython_gamma_path(seed: int, shape: float, scale: float, max_steps: int) -> list[float]:
    rng = random.Random(seed)
    wear, w = [0.0], 0.0
    while w < 1.0 and len(wear) <= max_steps:
        w += rng.gammavariate(shape, scale)
        wear.append(w)
    return wear


@pytest.mark.parametrize(("shape", "scale", "max_steps"), [
    (0.0082, 0.0625, 2_000_000),  # the labs' bearings: most increments too small to change the sum
    (0.3, 0.25, 2_000_000),
    (0.9, 0.01, 2_000_000),  # several batches of attempts
    (0.004, 1.0, 2_000_000),
    (0.01, 0.0625, 50),  # cut at the step limit
])
def test_gamma_path_is_cpythons_gammavariate(shape: float, scale: float, max_steps: int) -> None:
    for seed in range(5):
        assert draws.gamma_path(seed, shape, scale, max_steps).tolist() == \
            _cpython_gamma_path(seed, shape, scale, max_steps)


def _one_ulp_off(f):
    """numpy's function, off by up to two ulps (as SIMD code on another CPU may be)."""
    def off(x, *args, **kwargs):
        y = f(x, *args, **kwargs)
        return np.nextafter(np.nextafter(y, np.inf), np.inf)
    return off


def test_rejection_tests_on_the_edge_are_decided_as_cpython_does(monkeypatch) -> None:
    """Attempts whose two sides are a few ulps apart: numpy's log or exp (here off by two ulps)
    must not decide them."""
    rng = random.Random(3)
    c = draws.NV_MAGICCONST
    km = []
    while len(km) < 400:
        r = rng.random()
        u2 = 1.0 - r
        u1 = 2.0 * math.sqrt(-math.log(u2)) * u2 / c + 0.5  # z*z/4 ≈ -log(u2)
        if u1 < 1.0:
            for _ in range(3):
                u1 = math.nextafter(u1, -1.0)
            for _ in range(6):
                km.append((u1, r))
                u1 = math.nextafter(u1, 2.0)

    def km_accepts(u1: float, r: float) -> bool:
        u2 = 1.0 - r
        z = c * (u1 - 0.5) / u2
        return z * z / 4.0 <= -math.log(u2)

    shape = 0.0082
    b = (math.e + shape) / math.e
    gs = []
    for _ in range(400):
        u = rng.random() / b  # p <= 1: the test against exp(-x)
        v = math.exp(-((b * u) ** (1.0 / shape)))
        for step in (-2, -1, 0, 1, 2):
            gs.append((u, v + step * math.ulp(v)))
    monkeypatch.setattr(np, "log", _one_ulp_off(np.log))
    monkeypatch.setattr(np, "exp", _one_ulp_off(np.exp))
    z = draws._km_accepted(np.array(km))
    expected = [c * (u1 - 0.5) / (1.0 - r) for u1, r in km if km_accepts(u1, r)]
    assert 0 < len(expected) < len(km) and z.tolist() == expected
    _p, accept, _x = draws._gs_attempts(np.array(gs), b, shape)
    expected_gs = [draws._gs_accepts(b * u, v, b, shape) for u, v in gs]
    assert 0 < sum(expected_gs) < len(gs) and accept.tolist() == expected_gs


def test_a_reading_at_the_threshold_is_decided_with_libms_pow(pump) -> None:
    """numpy's power differs from libm's in the last bit for a few % of values: a reading that
    equals the threshold by libm's (or by numpy's) pow must be decided as the per-reading code does."""
    data = {**scenario_data(pump), "policy": {"type": "condition_based", "signal": "vibration", "threshold": 3.0,
                                              "persistence": 1, "response_h": 0}}
    reader = BlockReader(load_scenario("maintenance", data), None, False, math.inf)
    base, delta, exponent, _sd, _clamp = reader.sensors[0]
    rng = random.Random(5)
    wear = np.array([rng.random() for _ in range(4000)])
    exact = [base + delta * w**exponent for w in wear.tolist()]
    approx = (base + delta * wear**exponent).tolist()
    differ = [i for i in range(len(wear)) if exact[i] != approx[i]]
    assert len(differ) > 20
    for i in differ[:20]:
        reader.threshold = max(exact[i], approx[i])
        hits = reader._hits(wear[i:i + 1], np.zeros((1, 3)))
        assert hits.tolist() == [exact[i] >= reader.threshold]


@pytest.fixture(scope="module")
def pump():
    return load_scenario("maintenance", "pump-bearing-wear")


def _run(sc, seed: int, stops: tuple[float, ...], subscribed: bool = False, budget: int | None = None,
         record: bool = True):
    """Snapshots at ``stops`` and at the end, the runner, and the work limit's error if it stopped it."""
    runner = MaintenanceRunner(sc, seed, 0, record)
    if subscribed:
        runner.subscribe(lambda e: None)
    if budget is not None:
        runner.event_budget = budget
    snaps = []
    try:
        for t in (*stops, runner.end_time):
            runner.advance(t)
            snaps.append(runner.snapshot())
    except WorkLimitError as e:
        return snaps + [runner.snapshot()], runner, str(e)
    return snaps, runner, None


def _series(runner) -> list[tuple]:
    return [(s.times, s.vibration, s.temperature, s.current, s.wear, s.events)
            for _name, s in sorted(runner.model.series.items())]


EDGES = {
    # an alarm on many blocks' first reading: noise crosses the threshold, false alarm after false alarm
    "false alarms": {"policy": {"type": "condition_based", "signal": "vibration", "threshold": 2.2,
                                "persistence": 1, "response_h": 0}},
    # runs of hits cut short and carried across chunks and slices; the current clamped at 0 (a quarter of it)
    "persistence": {"policy": {"type": "condition_based", "signal": "current", "threshold": 1.5,
                               "persistence": 3, "response_h": 5},
                    "sensors": {"current": {"base": 0.05, "at_failure": 6.0, "exponent": 1.5, "noise_sd": 1.0}}},
    # ages off the wear path's grid (0.7 h added again and again drifts): the wear interpolated
    "temperature": {"policy": {"type": "condition_based", "signal": "temperature", "threshold": 60,
                               "persistence": 2, "response_h": 30}, "sample_interval_h": 0.7},
    # every reading a hit once clamped at 0 (the alarm on a block's second reading), not before
    "threshold 0": {"policy": {"type": "condition_based", "signal": "current", "threshold": 0.0,
                               "persistence": 2, "response_h": 3}, "horizon_h": 1500.0,
                    "sensors": {"current": {"base": 0.05, "at_failure": 6.0, "exponent": 1.5, "noise_sd": 1.0}}},
    # a slice every 23.3 h: runs of hits carried from one block into the next
    "many slices": {"policy": {"type": "condition_based", "signal": "vibration", "threshold": 1.35,
                               "persistence": 3, "response_h": 2}},
    # blocks (between slices) of hits only, shorter than the persistence: the run carried on
    "long persistence": {"policy": {"type": "condition_based", "signal": "vibration", "threshold": 0.9,
                                    "persistence": 30, "response_h": 2}},
    # very short parts (a few readings each), shocks, a horizon off the sampling grid
    "short parts": {"degradation": {"model": "weibull", "shape": 1.5, "scale_h": 7.0}, "sample_interval_h": 1.5,
                    "random_failure_rate_per_h": 0.05, "horizon_h": 2000.3, "policy": {"type": "run_to_failure"},
                    "repair": {"corrective_h": 0.5, "planned_h": 4, "inspection_h": 1}},
    # Weibull wear, long blocks without an alarm to watch for
    "fixed interval": {"degradation": {"model": "weibull", "shape": 3.0, "scale_h": 2500.0}, "sample_interval_h": 0.25,
                       "horizon_h": 4500.0, "policy": {"type": "fixed_interval", "interval_h": 1900}},
    "rule": {"policy": {"type": "rule", "rule": "mean(vibration, 5) > 2.8 and temperature > 50",
                        "persistence": 2, "response_h": 12}},
}


@pytest.mark.parametrize("edge", sorted(EDGES))
def test_blocks_equal_one_reading_at_a_time_at_the_edges(pump, edge: str, monkeypatch) -> None:
    """Blocks, then one reading at a time without events (MIN_BLOCK out of reach), then an event
    per reading (a subscriber): the same snapshots between slices, series and metrics."""
    data = {**scenario_data(pump), "machines": 2, "horizon_h": 5000.0, **EDGES[edge]}
    if "sensors" in EDGES[edge]:
        data["sensors"] = {**scenario_data(pump)["sensors"], **EDGES[edge]["sensors"]}
    sc = load_scenario("maintenance", data)
    stops = (tuple(23.3 * i for i in range(1, 200)) if edge in ("many slices", "long persistence")
             else (0.7, 1.5, 200.0, 201.0, 777.7, 3100.0))
    blocks, runner, _ = _run(sc, 11, stops)
    unrecorded, unrecorded_runner, _ = _run(sc, 11, stops, record=False)
    monkeypatch.setattr(model, "MIN_BLOCK", 10**9)
    singly, single_runner, _ = _run(sc, 11, stops)
    single_unrecorded, _r, _ = _run(sc, 11, stops, record=False)
    evented, event_runner, _ = _run(sc, 11, stops, subscribed=True)
    assert blocks == singly == evented == unrecorded == single_unrecorded
    assert _series(runner) == _series(single_runner) == _series(event_runner)
    assert runner.result().metrics == single_runner.result().metrics == event_runner.result().metrics \
        == unrecorded_runner.result().metrics
    assert runner.events == single_runner.events >= sum(len(s.times) for s in runner.model.series.values()) > 1000
    if edge != "short parts" and edge != "fixed interval":
        assert runner.result().metrics["alarms"] >= 5


@pytest.mark.parametrize("policy", [
    {"type": "condition_based", "signal": "vibration", "threshold": 2.4, "persistence": 2, "response_h": 3},
    {"type": "run_to_failure"},
])
def test_the_event_budget_stops_a_block_where_it_runs_out(pump, policy, monkeypatch) -> None:
    """A block takes no more readings than the run's budget has left: the run stops at the same
    reading, in the same state, as when the readings are taken one at a time."""
    sc = load_scenario("maintenance", {**scenario_data(pump), "machines": 2, "policy": policy})
    budgets = (5, 37, 200, 1111, 2500, 9000)
    blocks = [_run(sc, 3, (100.0, 1500.0), budget=budget) for budget in budgets]
    monkeypatch.setattr(model, "MIN_BLOCK", 10**9)
    for budget, (snaps, runner, error) in zip(budgets, blocks):
        single_snaps, single_runner, single_error = _run(sc, 3, (100.0, 1500.0), budget=budget)
        assert error is not None and error == single_error and runner.events == budget
        assert snaps == single_snaps and _series(runner) == _series(single_runner)

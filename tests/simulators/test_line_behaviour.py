"""Line model behaviour: determinism, common random numbers, the steppable runner, outputs."""

from __future__ import annotations

import math

import pytest

from simulators import SimEvent, load_scenario, make_runner, run, run_replications, scenario_data

from .conftest import line, station

STATES = ("working", "starved", "blocked", "down", "maintenance", "setup")


@pytest.fixture(scope="module")
def robot_line():
    return load_scenario("line", "unreliable-robot-line")


def test_same_seed_same_numbers_bit_for_bit(robot_line) -> None:
    a = run("line", robot_line, 42)
    b = run("line", robot_line, 42)
    assert a.metrics == b.metrics
    assert a.series.times == b.series.times and a.series.buffer_levels == b.series.buffer_levels
    assert a.state_intervals == b.state_intervals
    c = run("line", robot_line, 43)
    assert c.metrics != a.metrics


def test_seed_none_uses_the_scenario_seed(robot_line) -> None:
    assert run("line", robot_line).metrics == run("line", robot_line, robot_line.seed).metrics


def test_changing_one_station_keeps_the_other_streams() -> None:
    # Station A is saturated and never blocked (huge buffer), so its failure times depend only on
    # its own streams: changing B's processing distribution must not move them.
    failures = {"tbf": {"dist": "exponential", "mean": 500}, "ttr": {"dist": "exponential", "mean": 50}}
    base = line([station("A", {"dist": "exponential", "mean": 10}, failures=failures),
                 station("B", {"dist": "exponential", "mean": 5})], buffers=[100_000], shift_length_s=20_000)
    other = line([station("A", {"dist": "exponential", "mean": 10}, failures=failures),
                  station("B", {"dist": "uniform", "low": 1, "high": 8}, scrap=0.1)],
                 buffers=[100_000], shift_length_s=20_000)

    def failure_times(data):
        runner = make_runner("line", load_scenario("line", data), 9)
        seen: list[float] = []
        runner.subscribe(lambda e: seen.append(e.time) if e.kind == "failure" and e.element == "A" else None)
        runner.advance(runner.end_time)
        return seen

    first = failure_times(base)
    assert len(first) > 10
    assert first == failure_times(other)


def test_runner_in_slices_equals_run(robot_line) -> None:
    whole = run("line", robot_line, 5)
    runner = make_runner("line", robot_line, 5)
    t = 0.0
    step = 0.0
    while not runner.done:
        step = step * 1.7 + 13.3  # uneven slices
        t += step
        runner.advance(t)
        assert runner.now == min(t, runner.end_time)
    sliced = runner.result()
    assert sliced.metrics == whole.metrics
    assert sliced.bottleneck_station == whole.bottleneck_station
    assert sliced.series.output_rate_per_hour == whole.series.output_rate_per_hour


def test_runner_snapshot_events_and_reset(robot_line) -> None:
    runner = make_runner("line", robot_line, 5)
    events: list[SimEvent] = []
    runner.subscribe(events.append)
    with pytest.raises(RuntimeError):
        runner.result()
    runner.advance(900.0)
    snap = runner.snapshot()
    assert snap["time"] == 900.0 and snap["in_warmup"] is True
    assert set(snap["stations"]) == {s.name for s in robot_line.stations}
    assert all(state in STATES for st in snap["stations"].values() for state in st["servers"])
    assert set(snap["buffers"]) == {b.name for b in robot_line.buffers}
    assert all(0 <= level <= b.capacity for b, level in zip(robot_line.buffers, snap["buffers"].values()))
    assert snap["wip"] >= sum(snap["buffers"].values())
    kinds = {e.kind for e in events}
    assert {"state", "part_finished"} <= kinds
    assert all(e.time <= 900.0 for e in events)
    assert sum(1 for e in events if e.kind == "part_finished") == snap["finished_total"]
    runner.reset()
    assert runner.now == 0.0 and runner.snapshot()["finished_total"] == 0
    count = len(events)
    runner.advance(runner.end_time)
    assert len(events) > count  # still subscribed after reset
    assert runner.result().metrics == run("line", robot_line, 5).metrics


def test_state_fractions_sum_to_one_and_series_shapes(robot_line) -> None:
    r = run("line", robot_line, 3)
    for st in robot_line.stations:
        total = sum(r.metrics[f"station.{st.name}.{s}"] for s in STATES)
        assert math.isclose(total, 1.0, abs_tol=1e-9)
        oee = r.metrics[f"station.{st.name}.oee"]
        a, p, q = (r.metrics[f"station.{st.name}.{k}"] for k in ("availability", "performance", "quality"))
        assert math.isclose(oee, a * p * q, rel_tol=1e-12)
    assert math.isclose(r.metrics["oee"], r.metrics["availability"] * r.metrics["performance"] * r.metrics["quality"])
    series = r.series
    n = len(series.times)
    assert series.times[0] == 0.0 and series.times[-1] == robot_line.end_time
    assert n == int(robot_line.end_time / robot_line.series_step_s) + 1
    assert all(len(v) == n for v in series.buffer_levels.values())
    assert len(series.wip) == n == len(series.output_rate_per_hour)
    # intervals tile each server's time line with no gaps
    for name, rows in r.state_intervals.items():
        covered = sum(iv.end - iv.start for iv in rows)
        assert math.isclose(covered, robot_line.end_time, rel_tol=1e-9), name
        assert {iv.state for iv in rows} <= set(STATES)
    # output in the series matches the finished parts (warm-up included)
    finished = sum(rate * robot_line.series_step_s / 3600 for rate in series.output_rate_per_hour)
    assert finished >= r.metrics["good_parts"]


def test_bigger_buffer_before_the_robot_raises_oee(robot_line) -> None:
    base = scenario_data(robot_line)
    small = run_replications("line", robot_line, 7, 6)
    big_data = {**base, "buffers": [dict(b) for b in base["buffers"]]}
    big_data["buffers"][1]["capacity"] = 25
    big = run_replications("line", load_scenario("line", big_data), 7, 6)
    assert small.means()["oee"] < 0.78 < 0.80 < big.means()["oee"]
    assert big.means()["mean_wip"] > small.means()["mean_wip"]


def test_faster_robot_program_raises_throughput(robot_line) -> None:
    data = scenario_data(robot_line)
    fast = open_cell_program().replace("50%", "100%").replace("20%", "100%")
    data["stations"][2]["robot"] = {"cell": "pick-and-place-cell", "program": fast}
    quick = load_scenario("line", data)
    assert quick.stations[2].process_time().mean < robot_line.stations[2].process_time().mean
    slow = run_replications("line", robot_line, 1, 4)
    faster = run_replications("line", quick, 1, 4)
    assert faster.means()["throughput_per_hour"] > slow.means()["throughput_per_hour"] * 1.05


def open_cell_program() -> str:
    return load_scenario("robot_cell", "pick-and-place-cell").program


def test_bottleneck_is_the_slow_station() -> None:
    data = line([station("Fast", {"dist": "exponential", "mean": 20}),
                 station("Slow", {"dist": "exponential", "mean": 30}),
                 station("Faster", {"dist": "exponential", "mean": 15})], buffers=[3, 3], shift_length_s=200_000)
    r = run("line", load_scenario("line", data), 2)
    assert r.bottleneck_station == "Slow"
    assert "Fast" in r.bottleneck_reason and "Faster" in r.bottleneck_reason
    assert r.metrics["station.Fast.blocked"] > r.metrics["station.Slow.starved"]


def test_arrival_source_counts_and_warmup_reset() -> None:
    data = line([station("M", 30)], source={"type": "arrivals", "interarrival": {"dist": "exponential",
                                                                                   "mean": 40}},
                shift_length_s=36_000, warmup_s=3_600)
    r = run("line", load_scenario("line", data), 4)
    # roughly 900 arrivals in 10 h; all counts refer to the shift only
    assert 750 < r.metrics["started_parts"] < 1050
    assert abs(r.metrics["good_parts"] - r.metrics["started_parts"]) < 15
    assert r.metrics["lost_arrivals"] == 0.0
    assert len(r.series.input_queue) == len(r.series.times)


def test_time_dependent_failures_strike_idle_servers() -> None:
    # A starved machine still fails under mode: time, but never under mode: operation.
    def downs(mode: str) -> float:
        data = line([station("M", 10, failures={"tbf": {"dist": "exponential", "mean": 600},
                                                "ttr": {"dist": "fixed", "value": 120}, "mode": mode})],
                    source={"type": "arrivals", "interarrival": {"dist": "fixed", "value": 100}},
                    shift_length_s=360_000)
        return run("line", load_scenario("line", data), 8).metrics["station.M.down"]

    assert math.isclose(downs("time"), 120 / 720, rel_tol=0.1)
    assert downs("operation") < 0.05


@pytest.mark.parametrize("name", ["unreliable-robot-line", "dmm-oee-loss-hunt"])
def test_state_intervals_tile_each_server_and_add_up_to_the_state_metrics(name: str) -> None:
    """The timelines (change points, built into intervals when read) and the state-time counters
    are kept apart in the models: over the measured shift they must agree."""
    sc = load_scenario("line", name)
    r = run("line", sc, 5)
    window = sc.end_time - sc.warmup_s
    for st in sc.stations:
        rows = r.state_intervals[st.name]
        for k in range(st.servers):
            mine = [iv for iv in rows if iv.server == k]
            assert mine[0].start == 0.0 and mine[-1].end == sc.end_time
            assert all(a.end == b.start and a.start < a.end for a, b in zip(mine, mine[1:]))
        for state in set(r.state_names):
            seconds = sum(max(0.0, min(iv.end, sc.end_time) - max(iv.start, sc.warmup_s))
                          for iv in rows if iv.state == state)
            assert math.isclose(seconds / (st.servers * window), r.metrics[f"station.{st.name}.{state}"],
                                rel_tol=1e-9, abs_tol=1e-12), (st.name, state)

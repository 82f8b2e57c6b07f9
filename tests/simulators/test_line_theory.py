"""The line model against closed-form queueing and reliability results (long runs, several replications)."""

from __future__ import annotations

import math

from simulators import load_scenario, run, run_replications

from .conftest import close_to, line, station

EXP = "exponential"


def _reps(data: dict, n: int = 8, seed: int = 3):
    return run_replications("line", load_scenario("line", data), seed, n)


def test_mm1_queue_length_and_sojourn_time() -> None:
    # M/M/1 with rho = 0.75: L = rho / (1 - rho) = 3, W = 1 / (mu - lambda) = 180 s.
    data = line([station("Server", {"dist": EXP, "mean": 45})],
                source={"type": "arrivals", "interarrival": {"dist": EXP, "mean": 60}},
                shift_length_s=1_500_000, warmup_s=20_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["mean_wip"], 3.0, rel=0.01)
    assert close_to(s.metrics["mean_lead_time_s"], 180.0, rel=0.01)
    assert close_to(s.metrics["throughput_per_hour"], 60.0, rel=0.005)
    assert close_to(s.metrics["station.Server.working"], 0.75, rel=0.005)
    assert s.metrics["mean_wip"].half_width < 0.1  # the run is long enough to mean something


def test_littles_law_holds_in_every_replication() -> None:
    data = line([station("A", {"dist": "uniform", "low": 20, "high": 60}),
                 station("B", {"dist": EXP, "mean": 35}), station("C", {"dist": "normal", "mean": 30, "sd": 10})],
                buffers=[2, 4], source={"type": "arrivals", "interarrival": {"dist": EXP, "mean": 50}},
                shift_length_s=400_000, warmup_s=10_000, series_step_s=3600)
    s = _reps(data, n=4)
    for metrics in s.runs:
        lam = metrics["throughput_per_hour"] / 3600
        assert math.isclose(metrics["mean_wip"], lam * metrics["mean_lead_time_s"], rel_tol=0.02)


def test_md1_pollaczek_khinchine() -> None:
    # M/D/1: Lq = rho^2 / (2 (1 - rho)); with rho = 0.8, L = Lq + rho = 1.6 + 0.8 = 2.4.
    data = line([station("Press", 40)], source={"type": "arrivals", "interarrival": {"dist": EXP, "mean": 50}},
                shift_length_s=1_000_000, warmup_s=20_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["mean_wip"], 2.4, rel=0.01)


def test_mm2_erlang_c() -> None:
    # M/M/2, lambda = 1/30, mu = 1/50 per server: a = 5/3, rho = 5/6.
    lam, mu, c = 1 / 30, 1 / 50, 2
    a = lam / mu
    rho = a / c
    p0 = 1 / (sum(a**k / math.factorial(k) for k in range(c)) + a**c / (math.factorial(c) * (1 - rho)))
    lq = p0 * a**c * rho / (math.factorial(c) * (1 - rho) ** 2)
    expected_l = lq + a
    data = line([station("Cell", {"dist": EXP, "mean": 50}, servers=2)],
                source={"type": "arrivals", "interarrival": {"dist": EXP, "mean": 30}},
                shift_length_s=1_500_000, warmup_s=20_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["mean_wip"], expected_l, rel=0.02)


def test_mm1k_loss_probability() -> None:
    # Input queue of 3 + 1 in service: M/M/1/4, rho = 1.2. P(loss) = (1 - rho) rho^K / (1 - rho^(K+1)).
    rho, k = 1.2, 4
    p_loss = (1 - rho) * rho**k / (1 - rho ** (k + 1))
    data = line([station("Server", {"dist": EXP, "mean": 60})],
                source={"type": "arrivals", "interarrival": {"dist": EXP, "mean": 50}, "capacity": 3},
                shift_length_s=1_000_000, warmup_s=5_000, series_step_s=3600)
    s = _reps(data)
    lost = [r["lost_arrivals"] / (r["lost_arrivals"] + r["started_parts"]) for r in s.runs]
    mean = sum(lost) / len(lost)
    assert abs(mean - p_loss) < 0.01


def test_two_stations_zero_buffer_exponential_throughput() -> None:
    # Saturated two-station line, no buffer (blocking after service), exponential rates mu1, mu2:
    # TH = mu1 mu2 (mu1 + mu2) / (mu1^2 + mu1 mu2 + mu2^2).
    m1, m2 = 1 / 40, 1 / 50
    expected = m1 * m2 * (m1 + m2) / (m1 * m1 + m1 * m2 + m2 * m2) * 3600
    data = line([station("A", {"dist": EXP, "mean": 40}), station("B", {"dist": EXP, "mean": 50})],
                buffers=[0], shift_length_s=1_000_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["throughput_per_hour"], expected, rel=0.005)
    # and the zero buffer really blocks: A is blocked while B works on the part it handed over
    assert s.metrics["station.A.blocked"].mean > 0.2
    assert s.metrics["buffer.B1.mean_level"].mean == 0.0


def test_two_stations_finite_buffer_equal_rates() -> None:
    # Equal exponential rates, buffer B: TH = mu (B + 2) / (B + 3).
    data = line([station("A", {"dist": EXP, "mean": 30}), station("B", {"dist": EXP, "mean": 30})],
                buffers=[3], shift_length_s=1_000_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["throughput_per_hour"], 120 * 5 / 6, rel=0.005)


def test_single_machine_availability_time_dependent() -> None:
    # Always busy, time-dependent failures: down fraction = MTTR / (MTBF + MTTR).
    data = line([station("M", 30, failures={"tbf": {"dist": EXP, "mean": 3000},
                                           "ttr": {"dist": "lognormal", "mean": 600, "sd": 300}})],
                shift_length_s=3_000_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["station.M.uptime"], 3000 / 3600, rel=0.005)
    assert close_to(s.metrics["throughput_per_hour"], 120 * 3000 / 3600, rel=0.005)
    # expected renewals: failures ≈ T / (MTBF + MTTR) for an alternating renewal process
    assert close_to(s.metrics["station.M.failures"], 3_000_000 / 3600, rel=0.01)


def test_single_machine_availability_operation_dependent_weibull() -> None:
    # Operation-dependent Weibull failures on an always-busy machine: uptime = MTBF / (MTBF + MTTR).
    shape, scale = 2.0, 2000.0
    mtbf = scale * math.gamma(1 + 1 / shape)
    data = line([station("M", {"dist": "uniform", "low": 10, "high": 30},
                         failures={"tbf": {"dist": "weibull", "shape": shape, "scale": scale},
                                   "ttr": {"dist": "fixed", "value": 400}, "mode": "operation"})],
                shift_length_s=3_000_000, series_step_s=3600)
    s = _reps(data)
    assert close_to(s.metrics["station.M.uptime"], mtbf / (mtbf + 400), rel=0.005)


def test_scrap_and_rework_yield() -> None:
    # Each operation: scrap 10 %, rework 20 %, good 70 %; 10 s per operation on a saturated machine.
    data = line([station("M", 10, scrap=0.1, rework=0.2)], shift_length_s=2_000_000, series_step_s=3600)
    m = run("line", load_scenario("line", data), 5).metrics
    assert math.isclose(m["throughput_per_hour"], 360 * 0.7, rel_tol=0.01)
    assert math.isclose(m["scrap"] / (m["scrap"] + m["good_parts"]), 0.1 / 0.8, rel_tol=0.02)
    assert math.isclose(m["quality"], 0.7, rel_tol=0.01)  # GQ / (GQ + SQ + RQ)
    assert math.isclose(m["performance"], 1.0, rel_tol=1e-4)


def test_deterministic_line_exact_values() -> None:
    # Fixed times, zero buffer: A (10 s) feeds B (20 s); B is the bottleneck, A is blocked half the time.
    data = line([station("A", 10), station("B", 20)], buffers=[0], shift_length_s=36_000, warmup_s=1000)
    r = run("line", load_scenario("line", data), 1)
    assert r.metrics["throughput_per_hour"] == 180.0
    assert math.isclose(r.metrics["station.A.blocked"], 0.5, abs_tol=1e-9)
    assert math.isclose(r.metrics["station.B.working"], 1.0, abs_tol=1e-9)
    assert math.isclose(r.metrics["oee"], 1.0, abs_tol=1e-9)
    assert r.bottleneck_station == "B"
    assert r.constraint_station == "B"


def test_setup_and_planned_maintenance_fractions() -> None:
    data = line([station("M", 10, setup={"time": 100, "every_parts": 10},
                         maintenance={"interval_s": 3600, "duration": 360, "first_at_s": 0})],
                shift_length_s=360_000, series_step_s=3600)
    m = run("line", load_scenario("line", data), 1).metrics
    assert math.isclose(m["station.M.maintenance"], 0.1, rel_tol=0.02)
    # between maintenances, 10 parts take 100 s of processing + 100 s of setup
    assert math.isclose(m["station.M.setup"] / m["station.M.working"], 1.0, rel_tol=0.05)
    # ISO 22400: planned maintenance is not a loss, setup is
    assert math.isclose(m["station.M.availability"], m["station.M.working"] / 0.9, rel_tol=0.01)

"""Vibration simulator: bearing formulas, spectra against theory, envelope detection, determinism, metrics."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators import (
    ScenarioError,
    apply_overrides,
    is_metric,
    load_scenario,
    make_runner,
    run,
    run_replications,
    scenario_data,
)
from simulators.vibration import spectra
from simulators.vibration.bearing import defect_frequencies
from simulators.vibration.signals import G

BEARING = {"balls": 9, "ball_diameter_mm": 8.0, "pitch_diameter_mm": 40.0}  # d/D = 0.2: the lesson's example


def scenario(*machines: dict, **extra) -> dict:
    return {"kind": "vibration", "machines": list(machines), **extra}


def machine(name: str = "M1", **extra) -> dict:
    return {"name": name, "speed_rpm": 1500, "bearing": BEARING, **extra}


def measure(*machines: dict, seed: int = 1, **extra):
    return run("vibration", load_scenario("vibration", scenario(*machines, **extra)), seed)


def highest_line(spectrum: spectra.Spectrum, low: float, high: float) -> tuple[float, float]:
    mask = (spectrum.freqs_hz >= low) & (spectrum.freqs_hz <= high)
    i = np.flatnonzero(mask)[np.argmax(spectrum.amplitude[mask])]
    return float(spectrum.freqs_hz[i]), float(spectrum.amplitude[i])


# --- bearing frequencies ---------------------------------------------------------------------------


def test_bearing_frequencies_worked_example_of_the_lesson() -> None:
    # n = 9, d/D = 0.2, φ = 0, 1,500 r/min: BPFO 90, BPFI 135, BSF 60, FTF 10 Hz (features lesson §4)
    f = defect_frequencies(9, 8.0, 40.0, 0.0, 25.0)
    assert [round(x, 9) for x in (f.bpfo, f.bpfi, f.bsf, f.ftf)] == [90.0, 135.0, 60.0, 10.0]
    assert math.isclose(f.bpfo + f.bpfi, 9 * 25.0)
    # the quiz: n = 8, d/D = 0.25, 1,800 r/min → BPFO 90 Hz, BPFI 150 Hz
    q = defect_frequencies(8, 10.0, 40.0, 0.0, 30.0)
    assert math.isclose(q.bpfo, 90.0) and math.isclose(q.bpfi, 150.0)


def test_contact_angle_shrinks_the_ratio() -> None:
    # r = d/D·cos φ: at 60° the effective ratio halves, so BPFO rises towards n·fr/2
    f = defect_frequencies(9, 8.0, 40.0, 60.0, 25.0)
    assert math.isclose(f.ftf, 12.5 * (1 - 0.1))
    assert math.isclose(f.bsf, 2.5 * 25 * (1 - 0.01))
    with pytest.raises(ValueError):
        defect_frequencies(9, 40.0, 40.0, 0.0, 25.0)


# --- spectra against theory ------------------------------------------------------------------------


def test_hann_spectrum_reads_rms_on_bin_and_within_scalloping_between_bins() -> None:
    fs, n = 1024.0, 4096  # Δf = 0.25 Hz
    t = np.arange(n) / fs
    on_bin = spectra.amplitude_spectrum(3.0 * np.sin(2 * np.pi * 50.0 * t), fs, "g")
    freq, amp = highest_line(on_bin, 1, 500)
    assert freq == 50.0 and math.isclose(amp, 3.0 / math.sqrt(2), rel_tol=1e-9)
    between = spectra.amplitude_spectrum(3.0 * np.sin(2 * np.pi * 50.125 * t), fs, "g")
    freq, amp = highest_line(between, 1, 500)
    assert abs(freq - 50.125) <= between.resolution_hz
    # the Hann window loses at most 1.42 dB (15.1 %) half-way between lines
    assert 0.84 * 3.0 / math.sqrt(2) < amp < 3.0 / math.sqrt(2)


def test_parseval_with_the_hann_noise_bandwidth() -> None:
    rng = np.random.default_rng(7)
    x = 0.5 * rng.standard_normal(65_536)
    s = spectra.amplitude_spectrum(x, 10_000.0, "g")
    assert math.isclose(np.sum(s.amplitude[1:] ** 2) / spectra.HANN_ENBW, np.mean(x**2), rel_tol=0.02)


def test_sine_features_and_frequency_domain_integration() -> None:
    fs, n = 12_800.0, 32_768
    t = np.arange(n) / fs
    sine = np.sin(2 * np.pi * 25.0 * t)  # 25 Hz falls on line 64
    f = spectra.features(sine)
    assert math.isclose(f["kurtosis"], 1.5, rel_tol=1e-6)
    assert math.isclose(f["crest_factor"], math.sqrt(2), rel_tol=1e-3)
    # ∫ cos(ωt) dt = sin(ωt)/ω
    integral = spectra.integrate(np.cos(2 * np.pi * 25.0 * t), fs, 10, 1000)
    assert np.allclose(integral, sine / (2 * np.pi * 25.0), atol=1e-12)
    assert np.allclose(spectra.integrate(sine, fs, 100, 1000), 0.0, atol=1e-12)  # outside the band


def test_spectrum_peak_at_1x_within_one_line_and_rms_sanity() -> None:
    # residual unbalance only, no noise: 1× = 2.0 and 2× = 0.6 mm/s RMS exactly
    r = measure(machine(residual_unbalance_mm_s=2.0, noise_g=0.0))
    m = r.machines["M1"]
    vel = m.velocity_spectrum
    freq, amp = highest_line(vel, 2, 1000)
    assert abs(freq - 25.0) <= vel.resolution_hz and math.isclose(amp, 2.0, rel_tol=1e-6)
    assert math.isclose(m.features["velocity_rms_mm_s"], math.hypot(2.0, 0.6), rel_tol=1e-6)
    # the acceleration of a velocity line V at f is V·2πf (in m/s², here in g)
    acc_rms = math.hypot(2.0 * 2 * math.pi * 25, 0.6 * 2 * math.pi * 50) / 1000 / G
    assert math.isclose(m.features["acceleration_rms_g"], acc_rms, rel_tol=1e-6)
    # Parseval again on the machine's own velocity spectrum
    assert math.isclose(math.sqrt(np.sum(vel.amplitude[1:] ** 2) / spectra.HANN_ENBW), math.hypot(2.0, 0.6),
                        rel_tol=1e-6)


def test_off_bin_speed_peak_within_one_line() -> None:
    r = measure(machine(speed_rpm=1487, fault={"type": "unbalance", "level": 5.0}))
    vel = r.machines["M1"].velocity_spectrum
    freq, amp = highest_line(vel, 2, 1000)
    assert abs(freq - 1487 / 60) <= vel.resolution_hz
    assert 0.84 * 0.85 * 4.5 < amp < 1.15 * 5.5  # level ± 15 % scatter, residual ±0.5, Hann scalloping


@pytest.mark.parametrize("fault, order", [("unbalance", 1.0), ("misalignment", 2.0), ("looseness", 1.0)])
def test_shaft_faults_show_their_orders(fault: str, order: float) -> None:
    m = measure(machine(fault={"type": fault, "level": 4.0}), seed=3).machines["M1"]
    vel = m.velocity_spectrum
    at = {k: vel.peak_near(k * 25.0, vel.resolution_hz)[1] for k in (0.5, 1, 2, 3, 4, 5, 6)}
    assert max(at, key=at.get) == order or fault == "looseness"
    if fault == "unbalance":
        assert at[2] < 0.2 * at[1] and at[3] < 0.1 * at[1]
    if fault == "misalignment":
        assert at[2] > at[1] > at[3] > 0.2 * at[2]
    if fault == "looseness":
        assert all(at[k] > 0.25 * at[1] for k in (2, 3, 4, 5, 6)) and at[0.5] > 0.2 * at[1]


# --- envelope analysis -----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_envelope_spectrum_peaks_at_bpfo_for_an_outer_race_fault(seed: int) -> None:
    m = measure(machine(fault={"type": "outer_race", "level": 1.0, "slip": 0.01}), seed=seed).machines["M1"]
    env = m.envelope_spectrum
    freq, _ = highest_line(env, 2, 500)
    assert abs(freq - 90.0 * 0.99) <= env.resolution_hz  # the slipped BPFO, not the calculated one
    assert m.fault_frequencies_hz == pytest.approx((89.1,))
    assert m.markers["BPFO"] == pytest.approx(90.0)
    # harmonics at 2× and 3× BPFO, nothing special at BPFI
    assert env.peak_near(2 * 89.1, env.resolution_hz)[1] > 10 * env.peak_near(135 * 0.99, 2)[1]
    # the early fault hardly shows in the velocity spectrum, but the impacts raise the kurtosis
    assert m.features["kurtosis"] > 6


def test_inner_race_envelope_has_bpfi_with_1x_sidebands_and_ball_fault_2bsf_with_ftf_sidebands() -> None:
    inner = measure(machine(fault={"type": "inner_race", "level": 1.5, "slip": 0.0})).machines["M1"].envelope_spectrum
    dfl = inner.resolution_hz
    bpfi = inner.peak_near(135.0, dfl)[1]
    assert highest_line(inner, 30, 500)[0] == pytest.approx(135.0, abs=dfl)
    for side in (110.0, 160.0):
        assert inner.peak_near(side, dfl)[1] > 0.2 * bpfi
        assert inner.peak_near(side, dfl)[1] > 5 * inner.peak_near(side + 6, 1)[1]
    ball = measure(machine(fault={"type": "ball", "level": 1.5, "slip": 0.0})).machines["M1"].envelope_spectrum
    two_bsf = ball.peak_near(120.0, dfl)[1]
    assert highest_line(ball, 30, 500)[0] == pytest.approx(120.0, abs=dfl)
    assert ball.peak_near(110.0, dfl)[1] > 0.2 * two_bsf and ball.peak_near(130.0, dfl)[1] > 0.2 * two_bsf
    assert ball.peak_near(60.0, dfl)[1] > 5 * ball.peak_near(75.0, 2)[1]  # BSF itself: every other strike is weaker


def test_healthy_machine_has_a_flat_envelope() -> None:
    healthy = measure(machine()).machines["M1"]
    faulty = measure(machine(fault={"type": "outer_race", "level": 1.0})).machines["M1"]
    assert highest_line(healthy.envelope_spectrum, 2, 500)[1] < 0.05 * highest_line(faulty.envelope_spectrum, 2, 500)[1]
    assert healthy.features["kurtosis"] < 3.5 < 6 < faulty.features["kurtosis"]


# --- determinism, metrics, validation --------------------------------------------------------------


def test_same_seed_same_record_and_machines_do_not_disturb_each_other() -> None:
    one = measure(machine(fault={"type": "inner_race", "level": 1.0}), seed=5)
    again = measure(machine(fault={"type": "inner_race", "level": 1.0}), seed=5)
    other = measure(machine(fault={"type": "inner_race", "level": 1.0}), seed=6)
    more = measure(machine("X", fault={"type": "looseness", "level": 2.0}),
                   machine(fault={"type": "inner_race", "level": 1.0}), seed=5)
    a = one.machines["M1"].acceleration_g
    assert np.array_equal(a, again.machines["M1"].acceleration_g) and one.metrics == again.metrics
    assert not np.allclose(a, other.machines["M1"].acceleration_g)
    assert np.array_equal(a, more.machines["M1"].acceleration_g)  # its own random stream


def test_diagnosis_metrics_and_frequency_reading() -> None:
    sc = scenario(machine("P1", fault={"type": "misalignment", "level": 3.0}, diagnosis="unbalance"),
                  machine("F2", fault={"type": "outer_race", "level": 1.0, "slip": 0.02}, diagnosis="outer_race",
                          reading_hz=88.0),
                  machine("M3", diagnosis="healthy"),
                  machine("C4", fault={"type": "ball", "level": 1.0, "slip": 0.0}))
    r = run("vibration", load_scenario("vibration", sc), 1)
    assert r.metrics["correct_diagnoses"] == 2 and r.metrics["wrong_diagnoses"] == 1 and r.metrics["undiagnosed"] == 1
    assert r.metrics["diagnosis_accuracy"] == 0.5
    assert r.metrics["machine.P1.correct"] == 0 and r.metrics["machine.F2.correct"] == 1
    assert r.metrics["machine.F2.frequency_error_hz"] == pytest.approx(abs(88.0 - 90.0 * 0.98))
    assert "machine.P1.frequency_error_hz" not in r.metrics
    loaded = load_scenario("vibration", sc)
    assert is_metric("vibration", loaded, "machine.F2.frequency_error_hz")
    assert is_metric("vibration", loaded, "correct_diagnoses")
    assert not is_metric("vibration", loaded, "machine.Q9.correct")
    assert not is_metric("vibration", loaded, "machine.F2.bogus")
    # a lab's choice control writes the trainee's answer by machine name
    data = apply_overrides("vibration", scenario_data(loaded), {"machines.P1.diagnosis": "misalignment"})
    assert run("vibration", load_scenario("vibration", data), 1).metrics["correct_diagnoses"] == 3


def test_runner_and_replications() -> None:
    sc = load_scenario("vibration", scenario(machine(fault={"type": "unbalance", "level": 3.0}, diagnosis="unbalance")))
    runner = make_runner("vibration", sc, 4)
    assert not runner.done and runner.end_time == pytest.approx(32_768 / 12_800)
    runner.advance(1.0)
    assert runner.snapshot()["time"] == 1.0
    runner.advance(runner.end_time)
    assert runner.result().metrics == run("vibration", sc, 4).metrics
    summary = run_replications("vibration", sc, 4, 3, parallel=False)
    assert summary.means()["correct_diagnoses"] == 1.0
    assert summary.runs[0] == run("vibration", sc, 4).metrics  # replication 0 is the plain run


@pytest.mark.parametrize("change, field, words", [
    ({"sample_rate_hz": 4000}, "sample_rate_hz", "Nyquist"),
    ({"sample_rate_hz": 1600, "velocity_band_hz": [10, 700],
      "machines": [machine(speed_rpm=6000, resonance_hz=500, fault={"type": "looseness", "level": 1})]},
     "sample_rate_hz", "reaches 1000 Hz"),
    ({"machines": [machine(), machine()]}, "machines.1.name", "used twice"),
    ({"machines": [machine(bearing={**BEARING, "ball_diameter_mm": 50})]}, "machines.0.bearing.ball_diameter_mm",
     "smaller than"),
    ({"machines": [machine(fault={"type": "unbalance", "level": 1, "tone_mm_s": 0.2})]},
     "machines.0.fault.tone_mm_s", "bearing faults only"),
    ({"machines": [machine(diagnosis="gearbox")]}, "machines.0.diagnosis", ""),
    ({"machines": [machine(name="bad name")]}, "machines.0.name", "letters"),
])
def test_bad_scenarios_name_the_field(change: dict, field: str, words: str) -> None:
    data = {**scenario(machine()), **change}
    with pytest.raises(ScenarioError) as info:
        load_scenario("vibration", data)
    assert info.value.field == field and words in info.value.message


def test_bundled_fault_gallery_has_one_machine_per_diagnosis() -> None:
    from simulators.vibration.scenario import DIAGNOSES

    sc = load_scenario("vibration", "vibration-fault-gallery")
    assert sorted(m.true_diagnosis for m in sc.machines) == sorted(DIAGNOSES)
    answers = {f"machines.{m.name}.diagnosis": m.name for m in sc.machines}
    data = apply_overrides("vibration", scenario_data(sc), answers)
    assert run("vibration", load_scenario("vibration", data)).metrics["diagnosis_accuracy"] == 1.0

"""The spectrum-diagnosis lab view, driven through its widgets: records per machine with cursors, the
peak readout, diagnoses chosen in the form, Submit graded and stored by the service.

Set ``ZHIZAO_SHOTS=<folder>`` to keep the English and Chinese screenshots."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from app import i18n
from app.ui.labs.vibration_lab import VibrationLabView
from app.ui.trainee.steps import make_step_view
from tests.ui.conftest import login
from tests.ui.test_labs import lab_runs, submit_and_wait, type_into_spin

KEY = "features/spectrum-diagnosis-lab"
GOOD = {"p1-diagnosis": "misalignment", "f2-diagnosis": "outer_race", "m3-diagnosis": "inner_race",
        "c4-diagnosis": "looseness"}


def open_spectrum_lab(qtbot, ctx, actor, size=(1366, 640)) -> VibrationLabView:
    course = ctx.library.get("ai-predictive-maintenance")
    module = course.module("features")
    view = make_step_view("lab", ctx, actor, course, module, module.step("spectrum-diagnosis-lab"))
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    return view


def pick_machine(qtbot, view: VibrationLabView, name: str) -> None:
    """Choose ``name`` with the keyboard, as a trainee would in the machine list."""
    combo = view.machine_choice
    combo.setFocus()
    target = combo.findData(name)
    assert target >= 0, name
    for _step in range(combo.count()):
        if combo.currentIndex() == target:
            break
        qtbot.keyClick(combo, Qt.Key.Key_Down if combo.currentIndex() < target else Qt.Key.Key_Up)
    assert combo.currentData() == name


def choose(view: VibrationLabView, control_id: str, value: str) -> None:
    combo = view.form.editors[control_id]
    index = combo.findData(value)
    assert index >= 0, value
    combo.setCurrentIndex(index)


def test_spectrum_lab_shows_each_machine_and_grades_the_diagnoses(qtbot, ctx, trainee):
    view = open_spectrum_lab(qtbot, ctx, trainee)
    assert isinstance(view, VibrationLabView)
    combo = view.machine_choice
    assert [combo.itemData(i) for i in range(combo.count())] == ["P1", "F2", "M3", "C4"]
    assert combo.itemText(0) == "P1 · 2,970 r/min"
    # The first machine is drawn, sample for sample, with the lab's grading seed.
    p1 = view.result.machines["P1"]
    assert view.result.seed == view.lab.grading_seed
    assert len(view.spectra.curves["velocity"].xData) == len(p1.velocity_spectrum.freqs_hz)
    assert len(view.spectra.curves["wave"].yData) == 32_768
    # Nothing about the answers shows before Submit.
    assert view.objectives.states() == ["pending", "pending"]

    pick_machine(qtbot, view, "F2")
    f2 = view.spectra.record
    assert f2.name == "F2" and combo.currentText() == "F2 · 1,480 r/min"
    assert len(view.spectra.markers) == 2 * 9
    # Pointing at the BPFO cursor reads the real (slipped) peak beside it, in Hz and orders.
    readout = view.spectra.read_peak("envelope", f2.markers["BPFO"])
    assert readout.startswith("Envelope spectrum: 86.72 Hz = 3.52×")
    view.bearing_box.setChecked(False)
    assert sum(line.isVisible() for _p, _g, line in view.spectra.markers) == 2 * 4

    # A wrong diagnosis is graded and stored as not passed.
    for control, value in {**GOOD, "p1-diagnosis": "unbalance"}.items():
        choose(view, control, value)
    type_into_spin(qtbot, view.form.editors["f2-frequency"], "86.7")
    submit_and_wait(qtbot, view)
    run = lab_runs(ctx, KEY)[-1]
    assert not run.passed and run.metrics["correct_diagnoses"] == 3
    assert run.parameters["p1-diagnosis"] == "unbalance" and run.seed == view.lab.grading_seed
    assert view.objectives.states() == ["unmet", "met"]

    choose(view, "p1-diagnosis", "misalignment")
    submit_and_wait(qtbot, view)
    run = lab_runs(ctx, KEY)[-1]
    assert run.passed and run.score == 1.0
    assert run.parameters == {**GOOD, "f2-frequency": 86.7}
    assert run.metrics["machine.F2.frequency_error_hz"] < 0.05
    assert view.objectives.states() == ["met", "met"]
    # The answers never remake the records.
    assert view.spectra.record is f2


@pytest.mark.parametrize("locale", ["en", "zh_CN"])
def test_spectrum_lab_in_the_window_in_both_languages(qtbot, window, ctx, trainee, tmp_path, locale):
    login(qtbot, window, "zhangwei", "trainee-pass")
    window.resize(1366, 700)
    qtbot.waitUntil(lambda: window.height() == 700)
    i18n.set_locale(locale)
    view = window.shell.show_page("catalog").show_course("ai-predictive-maintenance", KEY).view
    assert isinstance(view, VibrationLabView)
    qtbot.waitUntil(lambda: view.result is not None, timeout=30_000)
    pick_machine(qtbot, view, "M3")
    QApplication.processEvents()
    # The course's own texts follow the language (the UI words come from the merged catalog).
    expected = "P1 水泵电机：诊断结论" if locale == "zh_CN" else "P1 pump motor: diagnosis"
    assert view.form.labels["p1-diagnosis"].text() == expected
    assert view.spectra.record.name == "M3"
    folder = Path(os.environ.get("ZHIZAO_SHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    shot = folder / f"spectrum-lab-{locale}.png"
    assert window.grab().save(str(shot))
    assert shot.stat().st_size > 20_000
    assert view.spectra.plots.height() > 300   # three readable plots at 1366×700
    pick_machine(qtbot, view, "P1")
    QApplication.processEvents()
    assert window.grab().save(str(folder / f"spectrum-lab-P1-{locale}.png"))


def test_the_course_editor_opens_the_spectrum_lab(qtbot, window, ctx, instructor):
    from tests.ui.test_authoring import _open_authoring

    panel = _open_authoring(qtbot, window)
    idx = next(i for i in range(panel.course_combo.count())
               if (panel.course_combo.itemData(i) or ("", ""))[1].endswith("ai-predictive-maintenance"))
    panel.course_combo.setCurrentIndex(idx)
    panel.course_combo.activated.emit(idx)
    panel.tree.select(("step", "features", "spectrum-diagnosis-lab"))
    lab = panel.editor
    assert lab.simulator.currentData() == "vibration"
    assert lab.rel.endswith("spectrum-diagnosis-lab/lab.yaml")


def test_the_status_line_gives_the_machines_overall_level_and_kurtosis(qtbot, ctx, trainee):
    view = open_spectrum_lab(qtbot, ctx, trainee)
    pick_machine(qtbot, view, "F2")
    feats = view.result.machines["F2"].features
    text = view.status.text()
    assert text.startswith("Shaft 24.67 Hz · overall ") and f"{feats['velocity_rms_mm_s']:.2f} mm/s ·" in text
    assert feats["kurtosis"] > 6 and f"kurtosis {feats['kurtosis']:.1f}" in text  # impacts


def test_vibration_metrics_have_names_and_units_for_people() -> None:
    from app.ui.labs.panels import format_metric, metric_label

    assert metric_label("correct_diagnoses") == "Correct diagnoses"
    assert metric_label("machine.F2.frequency_error_hz") == "F2: frequency reading error"
    assert format_metric("machine.F2.frequency_error_hz", 0.0164) == "0.016 Hz"
    assert format_metric("machine.P1.velocity_rms_mm_s", 5.234) == "5.23 mm/s"
    assert format_metric("diagnosis_accuracy", 0.75) == "75.0%"
    assert metric_label("machine.F2.bogus") == "machine.F2.bogus"


def test_the_lab_editor_offers_machine_paths_and_metrics() -> None:
    from app.ui.instructor.authoring.lab_tables import metric_choices, path_choices

    data = {"kind": "vibration", "machines": [{"name": "P1"}, {"name": "F2"}]}
    paths = [p for p, _label in path_choices("vibration", data)]
    assert "machines.F2.diagnosis" in paths and "machines.F2.reading_hz" in paths
    metrics = [n for n, _label in metric_choices("vibration", data)]
    assert "correct_diagnoses" in metrics and "machine.P1.frequency_error_hz" in metrics


def test_a_flat_envelope_is_drawn_flat(qtbot, ctx, trainee):
    # P1 has no bearing fault: its envelope (noise of about 0.0001 g) must not fill the plot.
    view = open_spectrum_lab(qtbot, ctx, trainee)
    QApplication.processEvents()
    low, high = view.spectra.envelope.getViewBox().viewRange()[1]
    assert high >= 0.02 > 50 * float(view.result.machines["P1"].envelope_spectrum.amplitude.max())
    pick_machine(qtbot, view, "F2")
    QApplication.processEvents()
    f2_peak = float(view.result.machines["F2"].envelope_spectrum.amplitude.max())
    assert view.spectra.envelope.getViewBox().viewRange()[1][1] >= f2_peak > 0.05

"""The live lab views driven through their real widgets: line, maintenance and robot-cell labs.

The fixture course is copied and given a maintenance lab and a robot lab next to its line lab.
"""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton
from ruamel.yaml import YAML
from sqlalchemy import select

from app import i18n
from app.courses.grading import run_and_grade_lab
from app.courses.library import CourseLibrary
from app.storage.models import LabRun
from app.ui.labs.live import LiveDriver
from app.ui.labs.plots import PixelCurves, StateTimeline, nice_ceiling, peak_downsample
from app.ui.labs.robot_lab import RobotLabView
from app.ui.labs.sim_lab import SimLabView
from app.ui.trainee.steps import make_step_view, registered_kinds
from tests.robot_programs import PICK_AND_PLACE
from tests.ui.conftest import login
from tests.ui.test_trainee_support import FIXTURE_DIR, FIXTURE_ID

MAINT_LAB = """\
simulator: maintenance
scenario: pump-bearing-wear
task: {en: "Set the vibration alarm of the pump.", zh_CN: "设定水泵的振动报警。"}
controls:
  - {id: threshold, path: policy.threshold, label: {en: Vibration alarm threshold, zh_CN: 振动报警阈值},
     type: float, min: 1.5, max: 8.0, step: 0.1, unit: mm/s, default: 2.5}
  - {id: persistence, path: policy.persistence, label: {en: Readings in a row, zh_CN: 连续超限读数次数},
     type: int, min: 1, max: 10, default: 1}
objectives:
  - {metric: total_cost, op: "<=", target: 45000}
  - {metric: false_alarms, op: "<=", target: 2}
  - {metric: unplanned_failures, op: "<=", target: 1}
hints:
  - {en: Zone C/D starts at 4.5 mm/s., zh_CN: C/D 区从 4.5 mm/s 开始。}
grading_seed: 2024
"""

ROBOT_PROGRAM = PICK_AND_PLACE
# The same without the light-curtain wait: the safety controller's protective stop at line 12.
UNSAFE_PROGRAM = ROBOT_PROGRAM.replace("WAIT DI[2]\n", "")

ROBOT_LAB = """\
simulator: robot_cell
scenario: pick-and-place-cell
task: {en: "Shorten the cycle without a violation.", zh_CN: "在无违规的前提下缩短循环时间。"}
controls:
  - {id: program, path: program, label: {en: Robot program, zh_CN: 机器人程序}, type: program,
     default: "MOVEJ (500, 0, 600) 50%\\nWAIT DI[1]\\n"}
objectives:
  - {metric: cycle_time_s, op: "<=", target: 5.2}
  - {metric: protective_stops, op: "==", target: 0}
  - {metric: parts_per_cycle, op: ">=", target: 1}
grading_seed: 20260103
"""


@pytest.fixture
def course(ctx, tmp_path):
    """The fixture course plus ``line/pump-lab`` (maintenance) and ``line/robot-lab`` (robot cell)."""
    bundled = tmp_path / "bundled"
    target = bundled / FIXTURE_ID
    shutil.copytree(FIXTURE_DIR, target)
    module_dir = target / "modules" / "line"
    yaml = YAML()
    data = yaml.load((module_dir / "module.yaml").read_text(encoding="utf-8"))
    for step_id, text in (("pump-lab", MAINT_LAB), ("robot-lab", ROBOT_LAB)):
        (module_dir / step_id).mkdir()
        (module_dir / step_id / "lab.yaml").write_text(text, encoding="utf-8")
        data["steps"].append({"id": step_id, "kind": "lab", "title": {"en": step_id, "zh_CN": step_id}})
    with (module_dir / "module.yaml").open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    ctx._library = CourseLibrary(bundled, None, tmp_path / "course-cache")
    loaded = ctx.library.get(FIXTURE_ID)
    assert ctx.library.problems == []
    return loaded


def open_lab(qtbot, ctx, actor, course, key: str, size=(1150, 700)):
    module_id, _sep, step_id = key.partition("/")
    module = course.module(module_id)
    view = make_step_view("lab", ctx, actor, course, module, module.step(step_id))
    qtbot.addWidget(view)
    view.resize(*size)
    view.show()
    qtbot.waitExposed(view)
    return view


def type_into_spin(qtbot, spin, text: str) -> None:
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, text)
    qtbot.keyClick(spin, Qt.Key.Key_Return)


def run_preview_to_end(qtbot, view: SimLabView) -> None:
    view.speed.setCurrentIndex(view.speed.count() - 1)  # as fast as possible
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    assert view.driver.running
    qtbot.waitUntil(lambda: view.runner.done and not view.driver.running, timeout=60_000)
    qtbot.waitUntil(lambda: view.preview_result is not None, timeout=10_000)


def assert_shows(plot, curve, series, column: int = 0, scale: float = 1.0) -> None:
    """``curve`` draws ``series`` over the whole run: each sample while they fit the plot's pixel width,
    else about two points per pixel column (the min and max of its samples), so every peak is in it."""
    x, y = curve.xData, curve.yData
    width = plot.getViewBox().width()
    if series.n <= width:
        assert np.array_equal(y, series.y(column))
    assert len(x) <= min(series.n, 2 * width + 64)
    assert x[0] == series.x[0] * scale and x[-1] == pytest.approx(series.x[-1] * scale)
    assert y.max() == series.y(column).max() and y.min() == series.y(column).min()


def submit_and_wait(qtbot, view) -> None:
    before = view.result_label.text()
    qtbot.mouseClick(view.submit_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.grading, timeout=60_000)
    assert view.result_label.isVisible() and view.result_label.text()
    del before


def lab_runs(ctx, step_key: str) -> list[LabRun]:
    with ctx.store.sessions() as s:
        return list(s.scalars(select(LabRun).where(LabRun.step_key == step_key).order_by(LabRun.created_at)))


# --- registration ----------------------------------------------------------------------------------

def test_lab_kind_is_registered_and_chooses_the_view_by_simulator(qtbot, ctx, trainee, course):
    assert "lab" in registered_kinds()
    assert isinstance(open_lab(qtbot, ctx, trainee, course, "line/buffer-lab"), SimLabView)
    assert isinstance(open_lab(qtbot, ctx, trainee, course, "line/pump-lab"), SimLabView)
    assert isinstance(open_lab(qtbot, ctx, trainee, course, "line/robot-lab"), RobotLabView)


# --- line lab ------------------------------------------------------------------------------------

def test_line_lab_live_run_and_deterministic_submit(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    lab = view.lab
    # The controls come from lab.yaml, within their bounds.
    servers = view.form.editors["mill-servers"]
    assert (servers.minimum(), servers.maximum(), servers.value()) == (1, 3, 1)
    type_into_spin(qtbot, servers, "9")  # beyond the maximum: the spin box refuses the digit
    assert servers.value() == 1
    type_into_spin(qtbot, servers, "2")
    assert servers.value() == 2
    assert "starts again" in view.status.text()
    qtbot.waitUntil(lambda: view.scenario is not None and next(
        s for s in view.scenario.stations if s.name == "Mill").servers == 2, timeout=5000)
    assert view.diagram.stations["Mill"].servers == 2
    assert view.objectives.states() == ["pending", "pending"]

    run_preview_to_end(qtbot, view)
    collector = view.collector
    assert collector.series.n >= 10_000                     # one sample per display step
    # The curves get about two points per pixel column (min and max of its samples), covering the whole
    # run and keeping every peak of the data.
    s, scale = collector.series, view.panels.SCALE
    assert_shows(view.panels.rate_plot, view.panels.rate_curve, s, 0, scale)
    for i, curve in enumerate(view.panels.buffer_curves):
        assert_shows(view.panels.buffer_plot, curve, s, 3 + i, scale)
    assert view.panels.rate_curve.yData.max() > 0
    # Zoomed in to 200 samples: those samples as they are (and one on each side), redrawn at once.
    x0, x1 = (s.x[2000] + s.x[2001]) / 2 * scale, (s.x[2200] + s.x[2201]) / 2 * scale
    view.panels.rate_plot.setXRange(x0, x1, padding=0)
    x, y = view.panels.rate_curve.xData, view.panels.rate_curve.yData
    assert len(x) == 202 and x[0] < x0 < x[1] and x[-2] < x1 < x[-1]
    assert np.array_equal(y, s.y(0)[2000:2202])
    assert view.timeline.filled_columns() == view.timeline.columns   # the Gantt covers the whole run
    assert all(states for states in view.diagram.station_states().values())
    # Objectives judged on the preview's final metrics (green or red, in words too).
    assert set(view.objectives.states()) <= {"met", "unmet"}
    assert all(m.text().startswith(("✓", "✗")) for m in view.objectives.marks)
    assert "Preview finished" in view.status.text()

    # Submit: graded headlessly with the grading seed, recorded with parameters and metrics.
    submit_and_wait(qtbot, view)
    runs = lab_runs(ctx, "line/buffer-lab")
    assert len(runs) == 1
    run = runs[0]
    assert run.parameters == {"buffer-before-mill": 3, "buffer-after-mill": 3, "mill-servers": 2}
    assert run.seed == lab.grading_seed == 20261124
    grade, metrics = run_and_grade_lab(lab, course.path, run.parameters)
    assert run.metrics["throughput_per_hour"] == pytest.approx(metrics["throughput_per_hour"], abs=0)
    assert (run.score, run.passed) == (grade.score, grade.passed) == (1.0, True)
    assert view.result_label.property("state") == "passed"
    assert view.objectives.states() == ["met", "met"]

    # Same settings again → the same grade and metrics (the preview speed does not matter).
    view.speed.setCurrentIndex(0)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)   # a slow preview running meanwhile
    submit_and_wait(qtbot, view)
    runs = lab_runs(ctx, "line/buffer-lab")
    assert len(runs) == 2
    assert runs[1].metrics == runs[0].metrics and runs[1].score == runs[0].score
    view.driver.pause()


def test_line_lab_pause_reset_and_failing_settings(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    view.speed.setCurrentIndex(3)  # ×600
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.runner.now > 600, timeout=10_000)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)  # pause
    assert not view.driver.running and view.run_btn.text() == "Run"
    paused_at = view.runner.now
    qtbot.wait(100)
    assert view.runner.now == paused_at
    qtbot.mouseClick(view.reset_btn, Qt.MouseButton.LeftButton)
    assert view.runner.now == 0 and view.collector.series.n == 1
    # Defaults (the known-bad setting) fail when graded.
    submit_and_wait(qtbot, view)
    run = lab_runs(ctx, "line/buffer-lab")[-1]
    assert run.passed is False and run.score < 1.0
    assert view.result_label.property("state") == "failed"
    assert "unmet" in view.objectives.states()


def test_hints_open_one_by_one(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    assert not view.hints_label.isVisible()
    qtbot.mouseClick(view.hint_btn, Qt.MouseButton.LeftButton)
    assert "Bigger buffers" in view.hints_label.text() and "Add capacity" not in view.hints_label.text()
    qtbot.mouseClick(view.hint_btn, Qt.MouseButton.LeftButton)
    assert "Add capacity" in view.hints_label.text()
    assert not view.hint_btn.isEnabled()


# --- drafts and resume ---------------------------------------------------------------------------

def test_settings_are_kept_as_a_draft_and_restored(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    view.save_state()   # only looked at: no draft, the step does not turn "in progress"
    assert ctx.progress.load_draft(trainee, FIXTURE_ID, "line/buffer-lab") is None
    type_into_spin(qtbot, view.form.editors["buffer-before-mill"], "7")
    qtbot.mouseClick(view.hint_btn, Qt.MouseButton.LeftButton)
    view.save_state()
    view.close()
    again = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    assert again.form.editors["buffer-before-mill"].value() == 7
    assert again.control_values()["buffer-before-mill"] == 7
    assert again.hints_shown == 1 and again.hints_label.text()
    # The restored value is what the preview simulates.
    assert next(b for b in again.scenario.buffers if b.name == "B1").capacity == 7


def test_lock_saves_the_lab_and_reopening_resumes(qtbot, window, ctx, trainee, course):
    login(qtbot, window, "zhangwei", "trainee-pass")
    catalog = window.shell.show_page("catalog")
    cview = catalog.show_course(FIXTURE_ID, "line/pump-lab")
    view = cview.view
    assert isinstance(view, SimLabView)
    type_into_spin(qtbot, view.form.editors["threshold"], "4.5")
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    assert view.driver.running
    window.lock()   # the idle lock does the same
    assert not view.driver.running            # hidden: the preview pauses
    draft = ctx.progress.load_draft(trainee, FIXTURE_ID, "line/pump-lab")
    assert draft["values"]["threshold"] == 4.5
    # Log out and in again (as after closing the app): the lab opens where it was left.
    window.logout()
    login(qtbot, window, "zhangwei", "trainee-pass")
    cview = window.shell.show_page("catalog").show_course(FIXTURE_ID, "line/pump-lab")
    assert cview.view.form.editors["threshold"].value() == pytest.approx(4.5)


# --- maintenance lab -----------------------------------------------------------------------------

def test_maintenance_lab_draws_the_threshold_and_events(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/pump-lab")
    vib = view.panels.plots["vibration"]
    lines = view.panels.threshold_items
    assert len(lines) == 1 and lines[0].value() == pytest.approx(2.5) and lines[0].getViewBox() is vib.vb
    assert "2.50" in lines[0].label.toPlainText()
    run_preview_to_end(qtbot, view)
    series = view.collector.series["M1"]
    assert series.n > 8000
    assert_shows(view.panels.plots["vibration"], view.panels.curves["vibration"][0], series)
    # A threshold of 2.5 mm/s in one reading: noise raises false alarms, shown as markers.
    assert len(view.panels.markers["false_alarm"].data) > 2
    assert view.objectives.states()[1] == "unmet"
    assert view.panels.health.item(0, 0).text() == "M1"

    type_into_spin(qtbot, view.form.editors["threshold"], "4.5")
    qtbot.waitUntil(lambda: view.scenario.policy.threshold == 4.5, timeout=5000)
    assert view.panels.threshold_items[0].value() == pytest.approx(4.5)
    submit_and_wait(qtbot, view)
    run = lab_runs(ctx, "line/pump-lab")[-1]
    assert run.parameters == {"threshold": 4.5, "persistence": 1}
    assert run.seed == 2024 and run.passed
    assert run.metrics["false_alarms"] == 0 and run.metrics["total_cost"] < 45000


# --- robot lab -----------------------------------------------------------------------------------

def replace_program(qtbot, view: RobotLabView, text: str) -> None:
    editor = view.editor
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClick(editor, Qt.Key.Key_Delete)
    for i, line in enumerate(text.split("\n")):
        if i:
            qtbot.keyClick(editor, Qt.Key.Key_Return)
        qtbot.keyClicks(editor, line)


def test_robot_lab_shows_errors_at_their_line_then_runs(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    replace_program(qtbot, view, "MOVEJ (500, 0, 600) 50%\nMOVX home\n")
    qtbot.waitUntil(lambda: view.error_list.count() == 1, timeout=3000)
    assert view.error_list.item(0).text().startswith("Line 2, column 1:")
    assert "MOVX" in view.error_list.item(0).text()
    assert list(view.editor.errors) == [2]
    assert not view.run_btn.isEnabled()
    # Clicking the error puts the cursor on its line.
    view.editor.goto_line(1)
    qtbot.mouseClick(view.error_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.error_list.visualItemRect(view.error_list.item(0)).center())
    assert view.editor.textCursor().blockNumber() + 1 == 2

    # An error found by the cell (a point out of reach) is located too.
    replace_program(qtbot, view, "MOVEJ (500, 0, 600) 50%\nMOVEL (2000, 0, 0) 50%\n")
    qtbot.waitUntil(lambda: "reach" in view.editor.errors.get(2, ""), timeout=3000)
    assert view.error_list.count() == 1 and "reach" in view.error_list.item(0).text()

    replace_program(qtbot, view, UNSAFE_PROGRAM)
    qtbot.waitUntil(lambda: view.error_list.count() == 0 and view.run_btn.isEnabled(), timeout=3000)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    assert "14.5 s" in view.results.text() and "1 protective stop" in view.results.text()
    assert [view.violation_list.item(i).data(Qt.ItemDataRole.UserRole)
            for i in range(view.violation_list.count())] == [12]
    assert "heading into the guarded zone" in view.violation_list.item(0).text()
    view.editor.goto_line(1)
    qtbot.mouseClick(view.violation_list.viewport(), Qt.MouseButton.LeftButton,
                     pos=view.violation_list.visualItemRect(view.violation_list.item(0)).center())
    assert view.editor.textCursor().blockNumber() + 1 == 12
    assert view.objectives.states()[:2] == ["unmet", "unmet"]

    replace_program(qtbot, view, ROBOT_PROGRAM)
    qtbot.waitUntil(lambda: view.run_btn.isEnabled(), timeout=3000)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None and view.result.metrics["protective_stops"] == 0,
                    timeout=10_000)
    assert "4.93" in view.results.text()
    assert view.path_view.path_points() >= len(view.result.path) > 50
    assert len(view.path_view.items["top"]["grip"].data) == 1
    assert view.log_table.rowCount() == len(view.result.steps)
    assert view.objectives.states() == ["met", "met", "met"]
    # The replay moves the TCP marker and highlights the executing line.
    qtbot.waitUntil(lambda: view.editor.running_line is not None, timeout=5000)

    submit_and_wait(qtbot, view)
    run = lab_runs(ctx, "line/robot-lab")[-1]
    assert run.parameters == {"program": ROBOT_PROGRAM} and run.seed == 20260103
    assert run.passed and run.metrics["cycle_time_s"] == pytest.approx(4.93, abs=0.01)
    view.replay.pause()


def test_robot_program_draft_is_restored(qtbot, ctx, trainee, course):
    view = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    replace_program(qtbot, view, "MOVEJ (500, 0, 600) 30%\n")
    view.save_state()
    view.close()
    again = open_lab(qtbot, ctx, trainee, course, "line/robot-lab")
    assert again.editor.toPlainText() == "MOVEJ (500, 0, 600) 30%\n"


# --- language ------------------------------------------------------------------------------------

def _clipped_buttons(widget) -> list[str]:
    return [b.text() for b in widget.findChildren(QPushButton)
            if b.isVisible() and b.text() and b.width() < b.sizeHint().width() - 1]


def test_views_retranslate_and_fit_in_chinese(qtbot, ctx, trainee, course):
    line = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab", size=(780, 620))
    robot = open_lab(qtbot, ctx, trainee, course, "line/robot-lab", size=(780, 620))
    english = line.form.labels["mill-servers"].text()
    qtbot.mouseClick(line.run_btn, Qt.MouseButton.LeftButton)
    assert line.status.text() == "Running the preview…"
    i18n.set_locale("zh_CN")
    QApplication.processEvents()
    # The status line follows the language too.
    assert line.status.text() == i18n._("Running the preview…") != "Running the preview…"
    assert line.run_btn.text() == i18n._("Pause") != "Pause"
    line.driver.pause()
    assert line.form.labels["mill-servers"].text() == "并联铣床台数"
    assert line.form.labels["mill-servers"].text() != english
    assert "产线" in line.task.toPlainText() or "铣床" in line.task.toPlainText()
    assert robot.editor_title.text() == "机器人程序"
    for view in (line, robot):
        assert _clipped_buttons(view) == []
        labels = [lab for lab in view.findChildren(QLabel) if lab.isVisible() and lab.text()
                  and not lab.wordWrap() and lab.width() < lab.sizeHint().width() - 1]
        assert [lab.text() for lab in labels] == []


# --- building blocks -----------------------------------------------------------------------------

def test_state_timeline_shows_the_dominant_state_per_column(qtbot):
    import pyqtgraph as pg

    widget = pg.PlotWidget()
    qtbot.addWidget(widget)
    tl = StateTimeline(widget.getPlotItem(), ["A", "B"], 100.0, ["#00ff00", "#ff0000"], columns=10)
    tl.change(0, 0.0, 0)
    tl.change(0, 14.0, 1)    # column 1: 4 s of state 0, 6 s of state 1 → state 1
    tl.change(0, 50.0, 0)
    tl.change(1, 0.0, 1)
    tl.refresh(60.0)
    assert list(tl.index[0, :6]) == [0, 1, 1, 1, 1, 0]
    assert list(tl.index[1, :6]) == [1] * 6
    assert tl.index[0, 7] == tl.EMPTY and tl.filled_columns() == 6
    tl.refresh(100.0)        # the open states grow, nothing is counted twice
    assert list(tl.index[0]) == [0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert tl.acc[0].sum() == pytest.approx(50.0)   # closed intervals only; the open one is provisional


def test_peak_downsample_keeps_each_bins_extremes_for_every_row():
    rng = np.random.default_rng(7)
    x = np.arange(103, dtype=float)
    ys = rng.normal(size=(3, 103))
    for ds in (5, 40):     # the element-wise passes and numpy's reduction
        px, py = peak_downsample(x, ys, ds)
        bins = 103 // ds
        assert len(px) == py.shape[1] == 2 * bins + 103 - bins * ds
        for b in range(bins):
            block = ys[:, b * ds:(b + 1) * ds]
            assert px[2 * b] == px[2 * b + 1] == x[b * ds]
            assert np.array_equal(py[:, 2 * b], block.min(axis=1))
            assert np.array_equal(py[:, 2 * b + 1], block.max(axis=1))
        assert np.array_equal(py[:, 2 * bins:], ys[:, bins * ds:])     # the unfinished bin as it is
    px, py = peak_downsample(x, ys, 1)
    assert np.array_equal(px, x) and np.array_equal(py, ys)


def test_pixel_curves_give_pyqtgraph_the_bounds_it_would_find(qapp):
    """The bounds PixelCurves hands its curves with their data are the ones pyqtgraph computes itself
    (NaN skipped); with an infinite value, pyqtgraph's own computation is used."""
    import pyqtgraph as pg

    plot = pg.PlotItem()
    plot.setXRange(0, 10, padding=0)
    curves = PixelCurves(plot, [pg.mkPen("k"), pg.mkPen("r")], scale=2.0)
    rng = np.random.default_rng(3)
    x = np.linspace(0, 5, 4000)
    ys = rng.normal(size=(2, 4000))
    ys[1, 17] = np.nan
    for data in (ys, np.where(np.arange(4000) == 9, np.inf, ys)):
        curves.show(x, data)
        for curve in curves.curves:
            for ax in (0, 1):
                given = curve.dataBounds(ax)
                curve.invalidateBounds()
                assert given == pg.PlotCurveItem.dataBounds(curve, ax)
                assert curve.bounds is None or curve.bounds[ax] == given
    assert curves.curves[0].bounds is None    # the infinite value: computed by pyqtgraph


def test_nice_ceiling_rounds_up_to_a_round_value():
    values = (0.0, 0.7, 1.0, 1.1, 2.2, 3.0, 3.5, 7.0, 9.0, 10.0, 10.5, 240.0, 756.0)
    assert [nice_ceiling(v) for v in values] == \
        [1.0, 0.8, 1.0, 1.2, 2.5, 3.0, 4.0, 8.0, 10.0, 10.0, 12.0, 250.0, 800.0]


def test_a_reset_right_after_the_end_drops_the_finished_runs_result(qtbot, ctx, trainee, course, caplog):
    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    view.speed.setCurrentIndex(view.speed.count() - 1)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.runner.done and not view.driver.running, timeout=60_000)
    finished = view.runner
    qtbot.mouseClick(view.reset_btn, Qt.MouseButton.LeftButton)   # before its statistics are collected
    assert view.runner is not finished and view.runner.now == 0
    qtbot.wait(400)
    assert view.preview_result is None and "Back at the start" in view.status.text()
    assert "preview result failed" not in caplog.text


def test_the_tab_in_view_is_drawn_every_frame_the_others_with_the_slow_panels(qtbot):
    from PySide6.QtWidgets import QTabWidget, QWidget

    from app.ui.labs.parts import ShownTabFirst

    tabs = QTabWidget()
    qtbot.addWidget(tabs)
    for _i in range(3):
        tabs.addTab(QWidget(), "")
    drawn: list[tuple[int, float]] = []
    run = {"now": None}
    pictures = ShownTabFirst(tabs, {0: lambda t: drawn.append((0, t)), 1: lambda t: drawn.append((1, t))},
                             lambda: run["now"])
    pictures.refresh(1.0, slow=False)
    pictures.refresh(2.0, slow=True)
    assert drawn == [(0, 1.0), (0, 2.0), (1, 2.0)]
    drawn.clear()
    tabs.setCurrentIndex(1)            # no run yet: nothing to draw
    run["now"] = 5.0
    tabs.setCurrentIndex(0)            # comes into view: drawn at once
    tabs.setCurrentIndex(2)            # a tab without live pictures
    pictures.refresh(6.0, slow=False)
    assert drawn == [(0, 5.0)]


def test_driver_gives_the_simulation_less_time_while_frames_come_late(qtbot, monkeypatch):
    from app.ui.labs import live

    class Clock:      # wall time that passes only by the simulation's work and the gaps between ticks
        t = 100.0

        def perf_counter(self) -> float:
            return self.t

    class Runner:     # costs 1 ms of wall time per unit of sim time
        now, end_time = 0.0, 1e5

        @property
        def done(self) -> bool:
            return self.now >= self.end_time

        def advance(self, until: float) -> None:
            clock.t += (until - self.now) / 1000.0
            self.now = until

    clock = Clock()
    monkeypatch.setattr(live, "time", clock)
    driver, runner = live.LiveDriver(), Runner()
    driver.attach(runner)
    driver.set_speed(None)

    def slices(gap_ms: float, n: int) -> list[float]:
        done = []
        for _i in range(n):
            before, start = runner.now, clock.t
            driver.tick()
            done.append(runner.now - before)
            clock.t = start + gap_ms / 1000.0     # the next tick comes gap_ms after this one started
        return done

    assert slices(16, 3)[-1] == pytest.approx(live.BUDGET_MS, abs=0.3)     # on time: the whole budget
    late = slices(40, 8)                                                        # painting took 40 ms a frame
    assert late[1] < 6 and late[-1] == pytest.approx(live.MIN_BUDGET_MS, abs=0.3)
    assert slices(16, 12)[-1] == pytest.approx(live.BUDGET_MS, abs=0.3)    # back on time: back to the budget


def test_driver_reaches_the_end_in_slices_with_the_same_metrics_as_a_plain_run(qtbot):
    import simulators

    sc = simulators.load_scenario("line", "unreliable-robot-line")
    runner = simulators.make_runner("line", sc, seed=3)
    samples = []
    driver = LiveDriver()
    driver.attach(runner, sample_step=runner.end_time / 500, on_sample=samples.append)
    driver.set_speed(None)
    while not runner.done:
        driver.tick()
    assert len(driver.tick_ms) > 1                  # it took several slices
    assert len(samples) == 501                      # t = 0 and every step to the end
    assert runner.result().metrics == simulators.run("line", sc, seed=3).metrics


# --- the bundled maintenance course: alarm rules, many machines ------------------------------------

def _bundled_lab(qtbot, ctx, actor, course_id: str, key: str):
    course = ctx.library.get(course_id)
    return open_lab(qtbot, ctx, actor, course, key)


def test_alarm_rule_is_edited_checked_and_drawn(qtbot, ctx, trainee):
    view = _bundled_lab(qtbot, ctx, trainee, "ai-predictive-maintenance", "anomaly-rul/ewma-rule-lab")
    editor = view.rule_editors["alarm-rule"]
    assert editor.toPlainText() == "vibration >= 4.5"
    assert [line.value() for line in view.panels.threshold_items] == [pytest.approx(4.5)]
    editor.setFocus()
    editor.selectAll()
    qtbot.keyClicks(editor, "ewma(vibration, 0.1) > 2.4")
    qtbot.waitUntil(lambda: view.scenario.policy.rule == "ewma(vibration, 0.1) > 2.4", timeout=5000)
    lines = view.panels.threshold_items
    assert [line.value() for line in lines] == [pytest.approx(2.4)]
    assert "ewma(vibration, 0.1) > 2.4" in lines[0].label.toPlainText()
    editor.selectAll()
    qtbot.keyClicks(editor, "ewma(vibration")
    qtbot.waitUntil(lambda: view.status.property("kind") == "error", timeout=5000)
    assert "cannot be simulated" in view.status.text() and not view.run_btn.isEnabled()
    view.save_state()
    assert ctx.progress.load_draft(trainee, "ai-predictive-maintenance",
                                   "anomaly-rul/ewma-rule-lab")["values"]["alarm-rule"] == "ewma(vibration"


def test_many_machines_show_one_machine_at_a_time(qtbot, ctx, trainee):
    view = _bundled_lab(qtbot, ctx, trainee, "ai-predictive-maintenance", "reliability/random-failure-lab")
    panels = view.panels
    assert len(panels.machines) == 20 and panels.pick_row.isVisibleTo(view)
    assert all(len(curves) == 1 for curves in panels.curves.values())
    run_preview_to_end(qtbot, view)
    m1 = view.collector.series["M1"]
    assert_shows(panels.plots["vibration"], panels.curves["vibration"][0], m1)
    panels.tabs.setCurrentIndex(1)
    table = panels.health
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton,
                     pos=table.visualItemRect(table.item(3, 0)).center())
    assert panels.pick.currentText() == "M4" and panels.tabs.currentIndex() == 0
    m4 = view.collector.series["M4"]
    assert_shows(panels.plots["vibration"], panels.curves["vibration"][0], m4)
    assert panels.timeline.filled_columns() == panels.timeline.columns


def test_a_run_stopped_by_the_work_budget_pauses_and_says_so(qtbot, ctx, trainee, course):
    """The simulator's per-run work budget (issue 21) stops the preview mid-run: the lab pauses and says why
    in the trainee's language; nothing escapes the timer."""
    from simulators.errors import WorkLimitError

    view = open_lab(qtbot, ctx, trainee, course, "line/buffer-lab")
    real_advance = view.runner.advance
    calls = []

    def advance(until):
        calls.append(until)
        if len(calls) > 3:
            raise WorkLimitError("scenario", "the run stopped after 5,000,000 simulation events")
        return real_advance(until)

    view.runner.advance = advance
    view.speed.setCurrentIndex(view.speed.count() - 1)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not view.driver.running, timeout=10_000)
    assert view.run_btn.text() == "Run"
    assert "too much work for one run" in view.status.text()
    stopped_at = view.runner.now
    qtbot.wait(100)
    assert view.runner.now == stopped_at and len(calls) == 4

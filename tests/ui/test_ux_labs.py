"""Lab and trainee pages as a trainee meets them (review ux-2026-12): the wheel, the maintenance plot,
My progress → Labs, the dashboard's lab chart, the window size and lesson diagrams."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QSplitter

from tests.ui import test_labs
from tests.ui.test_labs import open_lab


@pytest.fixture
def labs_course(ctx, tmp_path):
    """The fixture course with its line lab, a maintenance lab and a robot lab (as in test_labs)."""
    return test_labs.course.__wrapped__(ctx, tmp_path)


def wheel(widget, steps: int = -3) -> None:
    """Turn the mouse wheel over the middle of ``widget`` (negative: towards the user, i.e. scroll down)."""
    pos = QPointF(widget.rect().center())
    glob = QPointF(widget.mapToGlobal(pos.toPoint()))
    event = QWheelEvent(pos, glob, QPoint(0, 0), QPoint(0, 120 * steps), Qt.MouseButton.NoButton,
                        Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


# --- #2: the wheel never changes a graded setting it merely passes over ---------------------------

def test_wheel_over_an_unfocused_spin_box_scrolls_the_panel_and_changes_nothing(qtbot, ctx, trainee, labs_course):
    view = open_lab(qtbot, ctx, trainee, labs_course, "line/pump-lab", size=(1000, 420))
    left = view.findChild(QSplitter, "labLeft")
    left.setSizes([300, 100])    # a tall task: the settings below it need scrolling
    qtbot.waitUntil(lambda: view.side_scroll.verticalScrollBar().maximum() > 0, timeout=3000)
    box = view.form.editors["threshold"]
    bar = view.side_scroll.verticalScrollBar()
    assert bar.maximum() > 0, "the settings panel must scroll at this size for the test to mean anything"
    bar.setValue(0)
    view.submit_btn.setFocus()
    before = box.value()
    wheel(box, -3)
    assert box.value() == before
    assert view.control_values()["threshold"] == before
    assert bar.value() > 0            # the panel scrolled instead
    # Once the trainee clicks into it, the wheel does change the value (on purpose).
    view.activateWindow()
    qtbot.waitUntil(view.isActiveWindow)
    box.setFocus()
    assert box.hasFocus()
    wheel(box, 1)
    assert box.value() == before + box.singleStep()


def test_every_lab_editor_takes_the_wheel_only_with_focus(qtbot, ctx, trainee, labs_course):
    view = open_lab(qtbot, ctx, trainee, labs_course, "line/buffer-lab")
    for editor in view.form.editors.values():
        assert editor.focusPolicy() == Qt.FocusPolicy.StrongFocus
        value = view.form.values()
        view.submit_btn.setFocus()
        wheel(editor, 2)
        assert view.form.values() == value


# --- #7: the maintenance plot with six machines ---------------------------------------------------

def test_six_machines_one_at_a_time_thinned_markers_units_and_currency(qtbot, ctx, trainee):
    from app.ui.labs.maintenance_panels import MARKER_BINS, thin_markers
    from tests.ui.test_labs import run_preview_to_end

    course = ctx.library.get("ai-predictive-maintenance")
    view = open_lab(qtbot, ctx, trainee, course, "condition-monitoring/vibration-alarm-lab", size=(1100, 680))
    panels = view.panels
    assert len(panels.machines) == 6 and panels.pick_row.isVisibleTo(view) and panels.pick.count() == 6
    assert all(len(curves) == 1 for curves in panels.curves.values())     # one machine's curve per plot
    assert panels.plots["vibration"].titleLabel.text.startswith("M1")
    # The key names each marker once; the machine states have their own key on the Machines tab.
    keys = panels.key_texts()
    assert len(keys) == len(set(keys)) == 4
    assert not any("running" in k or "inspection" in k for k in keys)
    assert "running" in panels.state_key.text() and "inspection" in panels.state_key.text()
    # Zone limits: B/C in view from the start, labelled in full at the left inside the plot.
    low, high = panels.plots["vibration"].vb.viewRange()[1]
    bc = view.scenario.zones.b_c
    assert low < bc < high
    assert [line.label.toPlainText() for line in panels.zone_lines] == ["B/C", "C/D"]
    # Units: the time axis says hours, the signals their unit.
    assert panels.time_plot.getAxis("bottom").labelText == "Operating time (h)"
    assert "(mm/s)" in panels.plots["vibration"].titleLabel.text

    run_preview_to_end(qtbot, view)
    raw = view.collector.markers["false_alarm"]
    shown = panels.markers["false_alarm"].data
    mine = int((raw.y(1) == 0).sum())
    assert raw.n > mine > 0              # M1's false alarms only…
    assert 0 < len(shown) <= min(mine, MARKER_BINS)   # …at most one per 1/150 of the year
    # Costs are money: the total cost objective shows the yuan sign.
    cost_row = next(i for i, o in enumerate(view.lab.objectives) if o.metric == "total_cost")
    assert "¥" in view.objectives.values[cost_row].text()

    # Another machine from the picker: its curve and its own markers.
    panels.pick.setCurrentIndex(3)
    m4 = view.collector.series["M4"]
    y = panels.curves["vibration"][0].yData
    assert y.max() == m4.y(0).max() and y.min() == m4.y(0).min() and len(y) < m4.n   # its peaks, per pixel
    assert panels.plots["vibration"].titleLabel.text.startswith("M4")

    x, y = thin_markers(np.array([0.0, 0.1, 0.2, 5.0, 5.5, 12.0]), np.arange(6.0), 1.0)
    assert list(x) == [0.0, 5.0, 12.0] and list(y) == [0.0, 3.0, 5.0]


# --- #13: the dashboard's lab chart colours each trainee by the grading rule -------------------------

def _lab_stats(op: str, target: float, values: list[float], metric: str = "violations"):
    from app.services.dashboard_queries import LabMetricStats, MetricValue, histogram

    people = tuple(MetricValue(f"u{i}", f"t{i}", f"T{i}", v, 1) for i, v in enumerate(values))
    edges, counts = histogram(values, 10, min(values + [target]), max(values + [target]))
    return LabMetricStats("m/lab", metric, op, target, None, people, edges, counts)


def test_lab_chart_colours_a_trainee_who_met_the_target_as_meeting_it(qtbot):
    from app.ui.instructor.dashboard.charts import LabMetricChart

    chart = LabMetricChart()
    qtbot.addWidget(chart)
    chart.resize(600, 300)
    chart.show()
    # 0 violations against "≤ 0": met (the review saw an orange "misses" bar and a ×0.001 axis).
    stats = _lab_stats("<=", 0, [0.0])
    assert stats.met == 1
    chart.set_stats(stats)
    assert sum(chart.bars_met) == 1 and sum(chart.bars_missed) == 0
    assert chart.legend_texts() == ["Meets the target"]
    for name in ("left", "bottom"):
        axis = chart.plot_item.getAxis(name)
        assert axis.autoSIPrefixScale == 1.0 and "x0.001" not in axis.labelString()
    ticks = chart.plot_item.getAxis("bottom").tickValues(-0.55, 0.55, 500)
    assert all(float(v).is_integer() for _spacing, values in ticks for v in values)

    # One band, trainees on both sides of the target: stacked, each by their own value; same as the table.
    stats = _lab_stats("<=", 5.0, [4.99, 5.01, 2.0, 9.0], metric="cycle_time_s")
    chart.set_stats(stats)
    assert sum(chart.bars_met) == stats.met == 2 and sum(chart.bars_missed) == 2
    both = [i for i, (g, b) in enumerate(zip(chart.bars_met, chart.bars_missed)) if g and b]
    assert len(both) == 1


# --- #14: My progress → Labs readable in Chinese, metrics in words ------------------------------------

@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_my_progress_labs_readable_with_metrics_in_words(qtbot, window, ctx, trainee, locale):
    from app import i18n
    from tests.stored_progress import store_lab_run
    from tests.ui.conftest import login

    course = ctx.library.get("industrial-robot-operation")
    store_lab_run(ctx.progress, trainee, course.id, course.version, "pick-place/cycle-time-lab", parameters={},
                  seed=1, metrics={"path_length_mm": 3210.5, "cycle_time_s": 4.93, "violations": 0.0,
                                   "parts_per_cycle": 1.0}, score=1.0, passed=True, duration_s=30)
    login(qtbot, window, "zhangwei", "trainee-pass")
    window.resize(1366, 700)
    i18n.set_locale(locale)
    page = window.shell.show_page("progress")
    page.tabs.setCurrentIndex(1)
    qtbot.waitUntil(page.labs.isVisible)
    table, header = page.labs, page.labs.horizontalHeader()
    name = table.item(0, 0).text()
    assert name == i18n.localized(dict(course.step("pick-place/cycle-time-lab").title))[0]
    # The lab's name and every header in full (the review saw a 43-px column and "真实" for "仿真实训").
    fm = table.fontMetrics()
    assert table.columnWidth(0) >= fm.horizontalAdvance(name) + 8
    for col in range(table.columnCount()):
        text = table.horizontalHeaderItem(col).text()
        assert text, f"column {col} has no header"
        assert header.sectionSize(col) >= header.fontMetrics().horizontalAdvance(text), text
    # Results in words with units, the objectives' metrics first; no raw keys.
    results = table.item(0, 5).text()
    assert "cycle_time_s" not in results and "_" not in results
    assert results.startswith(i18n._("Cycle time")) and "4.93 s" in results
    assert "3,210.5 mm" not in results or locale == "en"
    assert "mm" in table.item(0, 5).toolTip()


# --- #39: the window fits the screen ---------------------------------------------------------------

def test_the_window_is_maximized_on_a_small_screen_and_fits_a_large_one(qtbot, ctx):
    from PySide6.QtCore import QRect

    from app.ui.shell.main_window import MainWindow

    small = MainWindow(ctx)
    qtbot.addWidget(small)
    small.fit_to_screen(QRect(0, 0, 1366, 728))        # 1366×768 less a taskbar
    assert small.windowState() & Qt.WindowState.WindowMaximized

    big = MainWindow(ctx)
    qtbot.addWidget(big)
    screen = QRect(0, 0, 1920, 1040)
    big.fit_to_screen(screen)
    assert not big.windowState() & Qt.WindowState.WindowMaximized
    assert screen.contains(big.geometry()) and big.width() >= 1200 and big.height() >= 700

    # A geometry saved on a bigger or second screen is brought back within the screen.
    big.setGeometry(2500, 900, 2400, 1400)
    big.keep_on_screen(screen)
    assert screen.contains(big.frameGeometry()), big.frameGeometry()


def test_saved_window_geometry_is_corrected_on_login(qtbot, window, ctx, trainee):
    import base64

    from PySide6.QtCore import QRect

    from tests.ui.conftest import login

    avail = window.screen().availableGeometry()
    window.setGeometry(avail.right() + 500, avail.bottom() + 300, avail.width() + 800, avail.height() + 500)
    ctx.accounts.set_preference(trainee, "window_geometry",
                                base64.b64encode(bytes(window.saveGeometry().data())).decode("ascii"))
    window.setGeometry(QRect(0, 0, 1000, 640))
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell is not None
    assert avail.contains(window.frameGeometry()) or window.isMaximized()


# --- #25: lesson diagrams sharp and scaling with A+/A− ----------------------------------------------

def test_lesson_svg_is_drawn_at_the_zoom_and_pixel_ratio(qtbot, ctx, trainee, tmp_path):
    import re

    from PySide6.QtCore import QUrl
    from PySide6.QtGui import QTextDocument

    from app.ui.trainee.steps import make_step_view
    from tests.ui.test_trainee_support import install_fixture

    course = install_fixture(ctx, tmp_path)
    module = course.module("basics")
    view = make_step_view("lesson", ctx, trainee, course, module, module.step("lesson"))
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)

    def diagram() -> tuple[int, object]:
        html = view.browser.toHtml()
        found = re.search(r'<img[^>]*src="(lesson-svg:[^"]+)"[^>]*width="(\d+)"', html)
        assert found, "the SVG is not drawn through a sharp resource"
        pixmap = view.browser.document().resource(QTextDocument.ResourceType.ImageResource, QUrl(found.group(1)))
        return int(found.group(2)), pixmap

    width, pixmap = diagram()
    dpr = view.browser.devicePixelRatioF()
    assert pixmap.devicePixelRatio() == dpr and abs(pixmap.width() - width * dpr) <= 1
    image = pixmap.toImage()
    assert any(image.pixelColor(x, y).alpha() > 0 for x in range(0, image.width(), 7)
               for y in range(0, image.height(), 7)), "nothing drawn"
    view.set_zoom(view.zoom + 2)      # A+ twice: text and diagram 20 % larger
    zoomed, zpixmap = diagram()
    assert abs(zoomed - width * 1.2) <= 1 and zpixmap.width() > pixmap.width()
    view.set_zoom(0)
    assert diagram()[0] == width


# --- #28 and #29: the line lab's words and the robot lab's instruction log ---------------------------

def test_part_counts_in_the_right_plural_and_the_preview_says_what_a_change_does(qtbot, ctx, trainee, labs_course):
    from tests.ui.test_labs import type_into_spin

    view = open_lab(qtbot, ctx, trainee, labs_course, "line/buffer-lab")
    box = view.form.editors["buffer-before-mill"]
    assert box.suffix() == " parts" and box.value() == 3
    type_into_spin(qtbot, box, "1")
    assert box.value() == 1 and box.suffix() == " part"       # never "1 parts"
    # Stopped preview: the change resets it and says that Run starts it again.
    assert not view.driver.running
    assert "when you press Run" in view.status.text()
    qtbot.waitUntil(lambda: next(b for b in view.scenario.buffers if b.name == "B1").capacity == 1, timeout=5000)
    assert view.runner.now == 0 and not view.driver.running and "press Run" in view.status.text()
    # Running preview: it starts again from the beginning and keeps running, and says so.
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.runner.now > 0, timeout=5000)
    type_into_spin(qtbot, box, "2")
    assert box.suffix() == " parts" and "keeps running" in view.status.text()
    qtbot.waitUntil(lambda: next(b for b in view.scenario.buffers if b.name == "B1").capacity == 2, timeout=5000)
    qtbot.waitUntil(lambda: view.driver.running, timeout=5000)
    assert "keeps running" in view.status.text()
    view.driver.pause()
    assert view.diagram.buffers["B1"].toolTip().endswith("of 2 parts")


def test_robot_instruction_log_shows_the_duration_column(qtbot, ctx, trainee, labs_course):
    from tests.ui.test_labs import ROBOT_PROGRAM, replace_program

    view = open_lab(qtbot, ctx, trainee, labs_course, "line/robot-lab", size=(850, 560))
    replace_program(qtbot, view, ROBOT_PROGRAM)
    qtbot.waitUntil(lambda: view.run_btn.isEnabled(), timeout=3000)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)
    view.replay.pause()
    view.tabs.setCurrentIndex(1)
    table = view.log_table
    qtbot.waitUntil(table.isVisible)
    right = table.horizontalHeader().sectionViewportPosition(3) + table.columnWidth(3)
    assert right <= table.viewport().width(), "the Duration column is cut off"
    assert table.horizontalScrollBar().maximum() == 0
    assert table.columnWidth(3) >= table.horizontalHeader().fontMetrics().horizontalAdvance(
        table.horizontalHeaderItem(3).text())


def test_the_alarm_rule_level_is_in_view(qtbot, ctx, trainee):
    course = ctx.library.get("ai-predictive-maintenance")
    view = open_lab(qtbot, ctx, trainee, course, "anomaly-rul/ewma-rule-lab", size=(1100, 680))
    (line,) = view.panels.threshold_items
    low, high = view.panels.plots["vibration"].vb.viewRange()[1]
    assert low < line.value() < high, (line.value(), low, high)


def test_a_longer_status_line_does_not_move_the_settings(qtbot, ctx, trainee, labs_course):
    view = open_lab(qtbot, ctx, trainee, labs_course, "line/buffer-lab", size=(1000, 620))
    box = view.form.editors["buffer-after-mill"]

    def where():
        QApplication.processEvents()
        return box.mapTo(view, QPoint(0, 0))

    before = where()
    view.set_status("Short.")
    assert where() == before
    view.set_status(" ".join(["A status that wraps over several lines in the narrow settings column."] * 4),
                    error=True)
    qtbot.waitUntil(lambda: view.status.height() > 2 * view.status.fontMetrics().lineSpacing(), timeout=3000)
    assert where() == before                    # the click lands where the trainee aimed
    assert view.submit_btn.visibleRegion().boundingRect() == view.submit_btn.rect()

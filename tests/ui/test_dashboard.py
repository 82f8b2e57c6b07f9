"""The instructor dashboard through its widgets: a seeded class, the panels' figures, exports, the record.

The expected figures are worked out here from the seed (tests/core/test_dashboard_queries.py),
never read back from the service under test.
"""

from __future__ import annotations

import csv
import datetime as dt
import gettext
import math
import threading

import pytest
from openpyxl import load_workbook
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage

from app import i18n
from app.services.auth import PermissionDenied
from app.ui.instructor.dashboard import DashboardPanel
from app.ui.instructor.page import InstructorPage
from app.ui.shell.main_window import MainWindow
from tests.core import test_dashboard_queries as dq
from tests.core.test_dashboard_queries import FIRST, LAB, QUIZ, UTC, score_of
from tests.ui.conftest import login

world = dq.world  # the dashboard's data set, a fixture shared with the query tests

STEPS = ("basics/lesson", QUIZ, LAB, "line/practical")


@pytest.fixture
def seeded(world):
    """The seeded class (module-wide: these tests only read it)."""
    return world.seed


@pytest.fixture
def panel(qtbot, qapp_ready, world, seeded):
    widget = DashboardPanel(world.ctx, world.instructor)
    qtbot.addWidget(widget)
    widget.resize(1140, 640)
    with qtbot.waitSignal(widget.loaded, timeout=10000):
        widget.show()
    widget.select(seeded.cohort_id, "fixture-mini")
    qtbot.waitUntil(lambda: widget.board is not None and widget.board.cohort_id == seeded.cohort_id
                    and not widget._loading, timeout=10000)
    return widget


def local_day(offset: int, seed) -> dt.date:
    """The workstation's calendar day of the seed's 09:00 UTC event ``offset`` days after day 0."""
    return dt.datetime.combine(seed.day0 + dt.timedelta(days=offset), dt.time(9), UTC).astimezone().date()


def cell(section, row: int, header: str) -> str:
    model = section.model
    col = model.headers().index(header)
    return model.data(model.index(row, col))


def row_of(section, name: str) -> int:
    return next(i for i, r in enumerate(section.model.rows) if r.display_name == name)


def test_the_workspace_shows_the_dashboard_for_the_chosen_class(qtbot, qapp_ready, world, seeded):
    window = MainWindow(world.ctx)
    qtbot.addWidget(window)
    window.resize(1366, 768)
    window.show()
    qtbot.waitExposed(window)
    window.show_login()
    login(qtbot, window, "teacher", "teach-pass")
    page = window.shell.show_page("instructor")
    assert page.tabs.currentWidget() is page.dashboard_tab  # built when first shown, not at login
    dash = page.dashboard
    assert dash.isVisible() and dash.parentWidget() is page.dashboard_tab
    qtbot.waitUntil(lambda: dash.board is not None and not dash._loading, timeout=10000)
    # Choose the class and the course as a user would, in the combo boxes.
    with qtbot.waitSignal(dash.loaded, timeout=10000):
        dash.cohort.setCurrentIndex(dash.cohort.findData(None))
    assert dash.board.cohort_id is None
    with qtbot.waitSignal(dash.loaded, timeout=10000):
        dash.cohort.setCurrentIndex(dash.cohort.findText("一班 Line A"))
    if dash.course.currentData() != "fixture-mini":
        with qtbot.waitSignal(dash.loaded, timeout=10000):
            dash.course.setCurrentIndex(dash.course.findData("fixture-mini"))
    assert dash.board.cohort_id == seeded.cohort_id and dash.board.course_id == "fixture-mini"
    assert "6 trainees" in dash.summary.text() and "5 at risk" in dash.summary.text()
    window.idle.stop()


def test_progress_panel_matches_the_seed(panel, seeded):
    chart = panel.progress_tab.chart
    xs, completed = chart.completed_curve.getData()
    _xs, progress = chart.progress_curve.getData()
    first = local_day(0, seeded)
    today = dt.datetime.now(UTC).astimezone().date()
    assert list(xs) == [d.toordinal() for d in (first + dt.timedelta(days=i) for i in range((today - first).days + 1))]
    for x, done_pct, prog_pct in zip(xs, completed, progress):
        day = dt.date.fromordinal(int(x))
        days = {who: {k: local_day(o, seeded) for k, o in p.items()} for who, p in seeded.passes.items()}
        done = sum(1 for p in days.values() if len(p) == 4 and max(p.values()) <= day)
        passed = sum(1 for p in days.values() for k in STEPS if k in p and p[k] <= day)
        assert done_pct == pytest.approx(100 * done / 6) and prog_pct == pytest.approx(100 * passed / 24)
    [due_line] = chart.due_lines
    assert due_line.value() == seeded.due.toordinal()
    risk = panel.progress_tab.risk_section
    assert sorted(r.login for r in risk.model.rows) == ["t2", "t3", "t4", "t5", "t6"]
    assert "failed a step repeatedly" in cell(risk, row_of(risk, "赵六"), "Why")
    assert cell(risk, row_of(risk, "孙八"), "Progress") == "75%"


def test_quiz_panels_match_the_seed(panel, seeded):
    tab = panel.quiz_tab
    panel.tabs.setCurrentWidget(tab)
    assert tab.pick.currentData() == QUIZ
    expected = [0] * 10
    for score in seeded.best_quiz.values():
        expected[min(9, math.floor(score * 10))] += 1
    assert tab.histogram.heights() == expected
    assert tab.histogram.pass_line.value() == pytest.approx(70)
    items = tab.items_section
    fill = next(i for i, r in enumerate(items.model.rows) if r.question_id == "q-fill-blank")
    ranked = sorted(FIRST, key=lambda w: score_of(FIRST[w]))
    j = 6  # q-fill-blank's column in FIRST
    p = sum(FIRST[w][j] for w in FIRST) / 6
    d = sum(FIRST[w][j] for w in ranked[-2:]) / 2 - sum(FIRST[w][j] for w in ranked[:2]) / 2
    assert cell(items, fill, "p") == f"{p:.2f}" and cell(items, fill, "D") == f"{d:.2f}" == "-1.00"
    assert cell(items, fill, "Check") == "negative discrimination — check the key"
    assert cell(items, fill, "No.") == "7"
    assert items.model.rows[0].broken  # broken questions are listed first
    assert tab.scatter.spots["q-fill-blank"] == pytest.approx((p, d))
    assert "2 passed" in tab.summary.text()


def test_item_flags_wait_for_enough_answers():
    """Review #33: with one answer a wrong answer is 'nobody correct'; below five answers only say so."""
    from app.services.dashboard_queries import MIN_ANSWERS, ItemStats, item_flags

    assert MIN_ANSWERS == 5
    for n in range(1, MIN_ANSWERS):
        got = ItemStats("q", n, 0.0, None, None, None)
        assert item_flags(got) == ("few_answers",)
    assert item_flags(ItemStats("q", 5, 0.0, 0.0, None, None)) == ("nobody_correct",)


def test_scatter_labels_share_a_spot_and_due_labels_stay_inside(qtbot, qapp_ready):
    """Review #33: questions at the same p and D get one label; a due date at the right edge is not cut."""
    from app.services.dashboard_queries import CompletionTimeline, ItemRow
    from app.ui.instructor.dashboard.charts import CompletionChart, ItemScatter

    scatter = ItemScatter()
    qtbot.addWidget(scatter)
    items = [ItemRow(q, 6, 0.0, 0.0, ("nobody_correct",)) for q in ("a", "b", "c")]
    items.append(ItemRow("d", 6, 0.6, 0.4, ()))
    scatter.set_items(items, {"a": 3, "b": 1, "c": 7, "d": 2})
    assert sorted(label.textItem.toPlainText() for label in scatter.labels) == ["1, 3, 7", "2"]

    chart = CompletionChart()
    qtbot.addWidget(chart)
    chart.resize(600, 380)
    chart.show()
    days = tuple(dt.date(2026, 12, 7) + dt.timedelta(days=i) for i in range(10))
    chart.set_timeline(CompletionTimeline(days, (0.0,) * 10, (0.1,) * 10, 5, ((dt.date(2027, 1, 6), 5),)))
    qtbot.wait(50)
    label = chart.due_lines[0].label
    view = chart.plot_item.getViewBox()
    shown = view.mapRectToScene(view.boundingRect())
    drawn = label.mapRectToScene(label.boundingRect())
    assert drawn.right() <= shown.right() + 1 and drawn.left() >= shown.left() - 1


def test_combos_show_the_whole_names(panel, seeded):
    for combo in (panel.cohort, panel.course, panel.quiz_tab.pick):
        longest = max((combo.itemText(i) for i in range(combo.count())), key=combo.fontMetrics().horizontalAdvance)
        assert combo.width() >= combo.fontMetrics().horizontalAdvance(longest), longest


def test_lab_and_time_panels_match_the_seed(panel, seeded):
    tab = panel.lab_tab
    panel.tabs.setCurrentWidget(tab)
    assert tab.current().metric == "throughput_per_hour"
    best = {w: max(m["throughput_per_hour"] for m, _ok in runs) for w, runs in seeded.lab_runs.items()}
    assert sum(tab.chart.stats.counts) == len(best)
    assert tab.chart.target_line.value() == 60
    values = tab.values_section
    assert cell(values, row_of(values, "张三"), "Best result") == "70.1"
    assert cell(values, row_of(values, "李四"), "Target met") == "No"
    assert "3 met the target (75%)" in tab.summary.text()
    tab.pick.setCurrentIndex(1)  # mean_wip: the lowest is best
    assert {v.login: v.value for v in tab.chart.stats.values} == {
        w: min(m["mean_wip"] for m, _ok in runs) for w, runs in seeded.lab_runs.items()}

    time = panel.time_tab
    spent = (seeded.lesson_s, seeded.quiz_s, seeded.lab_s)
    expected = [sum(s.values()) / len(s) / 60 for s in spent] + [0.0]
    assert time.chart.mean_minutes() == pytest.approx(expected)
    assert cell(time.table_section, 3, "Trainees") == "0"


def test_queries_run_off_the_ui_thread(qtbot, qapp_ready, world, monkeypatch):
    ctx, instructor = world.ctx, world.instructor
    threads = []
    real = ctx.dashboards.dashboard

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(ctx.dashboards, "dashboard", spy)
    widget = DashboardPanel(ctx, instructor)
    qtbot.addWidget(widget)
    with qtbot.waitSignal(widget.loaded, timeout=10000):
        widget.show()
    assert threads and all(t is not threading.main_thread() for t in threads)
    assert widget.board is not None and widget.board.trainees == 6


def test_export_tables_and_charts(panel, tmp_path):
    risk = panel.progress_tab.risk_section
    risk.export_csv(tmp_path / "risk.csv")
    with open(tmp_path / "risk.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Trainee", "Login", "Progress", "Last activity", "Why"]
    assert sorted(r[0] for r in rows[1:]) == sorted(["李四", "王五", "赵六", "钱七", "孙八"])
    assert (tmp_path / "risk.csv").read_bytes().startswith(b"\xef\xbb\xbf")

    panel.export_all(tmp_path / "all.xlsx")
    wb = load_workbook(tmp_path / "all.xlsx")
    assert len(wb.sheetnames) == len([s for s in panel.sections() if s.model is not None]) == 8
    timeline = wb["Completion over time"]
    days = panel.board.timeline.days
    assert timeline.max_row == 1 + len(days)
    assert timeline.cell(row=timeline.max_row, column=2).value == pytest.approx(1 / 6)  # t1 done, as a fraction
    assert timeline.cell(row=2, column=1).value.date() == days[0]  # a real date cell, not text
    assert timeline.cell(row=2, column=1).number_format == "yyyy-mm-dd"
    scores = next(wb[n] for n in wb.sheetnames if n.startswith("Best scores"))
    assert [r[2] for r in scores.iter_rows(min_row=2, values_only=True)] == [0, 0, 0, 1, 0, 2, 1, 1, 1, 0]
    items = next(wb[n] for n in wb.sheetnames if n.startswith("Item analysis"))
    header = [c.value for c in items[1]]
    by_id = {r[header.index("Question")]: r for r in items.iter_rows(min_row=2, values_only=True)}
    assert by_id["q-fill-blank"][header.index("D")] == pytest.approx(-1.0)
    trainees = wb["Trainees"]
    names = [r[0] for r in trainees.iter_rows(min_row=2, values_only=True)]
    assert sorted(names) == sorted(["张三", "李四", "王五", "赵六", "钱七", "孙八"])

    panel.tabs.setCurrentWidget(panel.quiz_tab)
    png = panel.quiz_tab.hist_section.export_png(tmp_path / "scores.png")
    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 1000
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 5  # not blank
    blue = QColor("#0072B2").rgb() & 0xFFFFFF
    assert any((c & 0xFFFFFF) == blue for c in colours)  # the bars above the pass mark are drawn
    assert not list(tmp_path.glob("*.part"))


def test_double_click_opens_the_trainees_record(qtbot, panel, seeded):
    view = panel.progress_tab.risk_section.view
    row = row_of(panel.progress_tab.risk_section, "赵六")
    rect = view.visualRect(view.model().index(row, 0))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert len(panel.records) == 1
    dialog = panel.records[-1]
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=10000)
    assert dialog.record.user_id == seeded.people["t4"].user_id
    assert dialog.heading.text() == "赵六 (t4)"
    assert dialog.attempts.rowCount() == 3  # three quiz attempts; the unfinished lesson is reading time only
    assert [dialog.attempts.data(dialog.attempts.index(r, 5)) for r in range(3)] == ["Not passed"] * 3
    steps = dialog.steps
    assert steps.rowCount() == 4
    assert steps.data(steps.index(1, 4)) == "3"  # attempts at the quiz
    assert dialog.runs.rowCount() == 0 and dialog.signoffs.rowCount() == 0
    assert "Fixture mini course: 0 of 4 steps (0%)" in dialog.facts.text()
    dialog.close()

    rec = panel.open_record(seeded.people["t1"].user_id)
    qtbot.waitUntil(lambda: rec.record is not None, timeout=10000)
    assert rec.runs.rowCount() == 2
    assert "Good parts per hour: 70.1" in rec.runs.data(rec.runs.index(0, 3))
    assert "Milling machines in parallel: 2" in rec.runs.data(rec.runs.index(0, 2))
    assert rec.signoffs.data(rec.signoffs.index(0, 3)) == "李老师"


class Marked(gettext.NullTranslations):
    """A pseudo-translation: every message comes back bracketed, so a missed retranslation shows."""

    def gettext(self, message):
        return f"«{message}»"

    def ngettext(self, singular, plural, n):
        return f"«{singular if n == 1 else plural}»"

    def pgettext(self, context, message):
        return message if context == "chart axis date" else f"«{message}»"


def test_axis_labels_legends_and_tables_retranslate(panel, monkeypatch):
    monkeypatch.setattr(i18n, "_load", lambda code: Marked() if code == "zh_CN" else gettext.NullTranslations())
    chart = panel.progress_tab.chart
    assert chart.axis_label("left") == "Trainees (%)"
    assert chart.legend_texts() == ["Mean progress (steps passed)", "Completed the course"]
    i18n.set_locale("zh_CN")
    try:
        assert chart.axis_label("left") == "«Trainees (%)»" and chart.axis_label("bottom") == "«Date»"
        assert chart.legend_texts() == ["«Mean progress (steps passed)»", "«Completed the course»"]
        assert chart.due_lines[0].label.toPlainText().startswith("«Due")
        quiz = panel.quiz_tab
        assert quiz.histogram.axis_label("bottom") == "«Best score (%)»"
        assert quiz.histogram.pass_line.label.toPlainText().startswith("«Pass mark")
        assert "«Looks broken»" in quiz.scatter.legend_texts()
        assert panel.lab_tab.chart.legend_texts() == ["«Meets the target»", "«Misses the target»"]
        assert panel.time_tab.chart.axis_label("bottom") == "«Minutes per trainee»"
        risk = panel.progress_tab.risk_section
        assert risk.model.headers()[0] == "«Trainee»" and risk.title.text() == "«Trainees at risk»"
        assert panel.tabs.tabText(0) == "«Progress»"
        assert any(v.startswith("«") for v in (cell(risk, 0, "«Why»"),))
    finally:
        i18n.set_locale("en")
    assert chart.axis_label("left") == "Trainees (%)"


def test_a_trainee_can_never_open_the_dashboard(qtbot, window, ctx, trainee, instructor, fixture_course):
    with pytest.raises(PermissionDenied):
        DashboardPanel(ctx, trainee)
    with pytest.raises(PermissionDenied):
        InstructorPage(ctx, trainee)
    with pytest.raises(PermissionDenied):
        ctx.dashboards.dashboard(trainee, None, fixture_course)
    with pytest.raises(PermissionDenied):
        ctx.dashboards.trainee_record(trainee, trainee.user_id, {})
    window.show_login()
    login(qtbot, window, "zhangwei", "trainee-pass")
    assert window.shell is not None and window.shell.page("instructor") is None
    assert "instructor" not in window.shell.page_keys()

"""The line lab on order-driven (DMM) lines: the minor-stop and reduced-speed states coloured, keyed and
counted in the live estimates; station labels in the trainee's language in the diagram and the Gantt chart."""

from __future__ import annotations

import gettext
import io
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QApplication

from app import i18n
from app.ui.labs.line_diagram import LINE_STATES, STATE_COLOURS, state_label
from app.ui.labs.live import LINE_STATES as LIVE_STATES
from simulators.line.flow_station import FLOW_STATES
from tests.ui.test_labs import open_lab

DMM = "digital-manufacturing-management"
# The Chinese of the new strings waits in this helper's fragment until the lead merges it.
FRAGMENT = Path(__file__).resolve().parents[2] / "i18n" / "zh_CN" / "LC_MESSAGES" / "messages.po"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    original = i18n._load

    def load(code: str) -> gettext.NullTranslations:
        catalog = original(code)
        if code == "zh_CN":
            with FRAGMENT.open("rb") as fh:
                buf = io.BytesIO()
                write_mo(buf, read_po(fh, locale="zh_CN"))
            buf.seek(0)
            catalog.add_fallback(gettext.GNUTranslations(buf))
        return catalog

    monkeypatch.setattr(i18n, "_load", load)
    i18n.set_locale("en")
    yield
    i18n.set_locale("en")


def open_bundled(qtbot, ctx, actor, course_id: str, key: str):
    return open_lab(qtbot, ctx, actor, ctx.library.get(course_id), key, size=(1366, 700))


def run_to_end(qtbot, view) -> None:
    view.speed.setCurrentIndex(view.speed.count() - 1)
    qtbot.mouseClick(view.run_btn, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: view.runner.done and not view.driver.running, timeout=60_000)
    qtbot.waitUntil(lambda: view.preview_result is not None, timeout=20_000)


def legend(view) -> dict[str, str]:
    return {state: label.text() for state, label in view.panels.diagram.legend}


def test_the_ui_knows_every_state_of_the_simulator_in_its_order():
    assert LINE_STATES == LIVE_STATES == FLOW_STATES
    colours = {QColor(STATE_COLOURS[s]).name() for s in LINE_STATES}
    assert len(colours) == len(LINE_STATES)  # every state its own colour


def test_order_driven_line_keys_minor_stops_and_reduced_speed_in_both_languages(qtbot, ctx, trainee):
    view = open_bundled(qtbot, ctx, trainee, DMM, "oee-losses/oee-loss-lab")
    keys = legend(view)
    assert keys["minor_stop"] == "minor stop" and keys["reduced_speed"] == "reduced speed"
    assert "maintenance" not in keys  # no planned maintenance on order-driven lines
    i18n.set_locale("zh_CN")
    QApplication.processEvents()
    keys = legend(view)
    assert keys["minor_stop"] == state_label("minor_stop") == "短暂停机"
    assert keys["reduced_speed"] == state_label("reduced_speed") == "速度降低"


def test_serial_line_keeps_its_six_states(qtbot, ctx, trainee):
    view = open_bundled(qtbot, ctx, trainee, "ai-predictive-maintenance", "decisions-oee/buffer-oee-lab")
    assert list(legend(view)) == list(LINE_STATES[:6])


def test_minor_stops_are_drawn_and_counted_like_the_result(qtbot, ctx, trainee):
    view = open_bundled(qtbot, ctx, trainee, DMM, "oee-losses/oee-loss-lab")
    run_to_end(qtbot, view)
    panels = view.panels
    rows = panels.timeline.rows
    filler = rows.index(panels.collector.row_labels()[0])
    # The Gantt chart has cells coloured as minor stops on the filler's row.
    assert (panels.timeline.index[filler] == LINE_STATES.index("minor_stop")).any()
    live = panels.collector.live_metrics()
    final = view.preview_result.metrics
    for state in ("minor_stop", "reduced_speed", "working", "down", "setup"):
        name = f"station.Filler.{state}"
        assert live[name] == pytest.approx(final[name], abs=0.01), name
    assert final["station.Filler.minor_stop"] > 0.1  # the lab's biggest loss, seen in the live estimate too


def test_station_labels_follow_the_trainee_language(qtbot, ctx, trainee):
    view = open_bundled(qtbot, ctx, trainee, DMM, "oee-losses/oee-loss-lab")
    diagram = view.panels.diagram
    assert diagram.stations["Packer"].title.text() == "Case packer"
    assert view.panels.timeline.rows == ["Filler", "Capper", "Case packer"]
    i18n.set_locale("zh_CN")
    QApplication.processEvents()
    assert diagram.stations["Packer"].title.text() == "装箱机"
    assert diagram.stations["Filler"].toolTip().startswith("灌装机：")
    assert view.panels.timeline.rows == ["灌装机", "旋盖机", "装箱机"]
    ticks = view.panels.gantt.getAxis("left")._tickLevels[0]
    assert [name for _pos, name in ticks] == ["灌装机", "旋盖机", "装箱机"]


@pytest.mark.parametrize("scenario", ["dmm-dispatching-due-dates", "dmm-line-balancing", "dmm-oee-loss-hunt",
                                      "dmm-changeover-sequencing", "dmm-conwip-lead-time"])
def test_the_lab_editor_offers_the_order_driven_paths_and_metrics(scenario):
    import simulators
    from app.ui.instructor.authoring.lab_tables import metric_choices, path_choices, scenario_dict
    from simulators.line.dmm_checks import control_paths
    from simulators.line.flow_results import flow_metric_names

    data = scenario_dict("line", scenario)
    loaded = simulators.load_scenario("line", scenario)
    paths = [p for p, _label in path_choices("line", data)]
    metrics = [n for n, _label in metric_choices("line", data)]
    assert set(control_paths(loaded)) <= set(paths) and len(paths) == len(set(paths))
    assert set(flow_metric_names(loaded)) <= set(metrics) and len(metrics) == len(set(metrics))
    # Everything offered is a metric the simulator knows for this scenario.
    assert [m for m in metrics if not simulators.is_metric("line", loaded, m)] == []


def test_the_lab_editor_offers_dispatching_and_task_paths_only_where_they_apply():
    from app.ui.instructor.authoring.lab_tables import metric_choices, path_choices, scenario_dict

    dispatching = [p for p, _label in path_choices("line", scenario_dict("line", "dmm-dispatching-due-dates"))]
    assert "stations.CNC.dispatch" in dispatching and "release.sequence" in dispatching
    balancing = [p for p, _label in path_choices("line", scenario_dict("line", "dmm-line-balancing"))]
    assert {f"balancing.tasks.{t}.station" for t in "ABCDEFGHIJ"} <= set(balancing)
    serial = scenario_dict("line", "basic-three-station-line")
    assert not [p for p, _label in path_choices("line", serial) if p.endswith(".dispatch")]
    assert "on_time_delivery" not in [n for n, _label in metric_choices("line", serial)]
    hunt = [n for n, _label in metric_choices("line", scenario_dict("line", "dmm-oee-loss-hunt"))]
    assert {"station.Filler.minor_stop", "station.Filler.loss_minor_stops", "on_time_delivery"} <= set(hunt)


# --- the event log and loss tree of the OEE loss-hunt lab ------------------------------------------


@pytest.fixture
def told():
    from app.ui.common import messages

    seen: list = []
    previous = messages.set_sink(lambda _parent, msg: seen.append(msg) or "ok")
    yield seen
    messages.set_sink(previous)


def test_event_log_panel_filters_shows_the_six_losses_and_exports_csv(qtbot, ctx, trainee, tmp_path, told):
    from simulators.line.mes import EVENT_FIELDS, loss_summary

    view = open_bundled(qtbot, ctx, trainee, DMM, "oee-losses/oee-loss-lab")
    panels = view.panels
    tab = panels.tabs.indexOf(panels.events)
    assert panels.tabs.isTabVisible(tab) and panels.tabs.tabText(tab) == "Event log and losses"
    events = panels.events
    assert not events.export_btn.isEnabled() and events.model.rowCount() == 0
    run_to_end(qtbot, view)
    log = view.preview_result.production.events
    assert events.model.rowCount() == len(log) > 1000
    # Filter: the filler's minor stops are exactly the log's.
    events.station.setCurrentIndex(events.station.findData("Filler"))
    events.kind_box.setCurrentIndex(events.kind_box.findData("minor_stop"))
    expected = loss_summary(log, "Filler")
    assert events.model.rowCount() == expected["minor_stops"] > 10
    assert events.model.data(events.model.index(0, 2)) == "Filler"
    assert events.count.text() == f"{int(expected['minor_stops'])} of {len(log)} events"
    # The six big losses of the filler: minor stops are the biggest, as the lab's lesson says.
    shares = {events.losses.item(r, 0).text(): events.losses.item(r, 1).text() for r in range(7)}
    metrics = view.preview_result.metrics
    losses = {k: metrics[f"station.Filler.{k}"] for k in ("loss_breakdowns", "loss_setups", "loss_minor_stops",
                                                           "loss_reduced_speed", "loss_startup_rejects",
                                                           "loss_production_rejects")}
    assert max(losses, key=losses.get) == "loss_minor_stops"
    assert shares["Minor stops"] == i18n.format_percent(losses["loss_minor_stops"], 1)
    assert events.losses.item(2, 2).text() == str(int(expected["minor_stops"]))
    # Export writes the whole log (not only the filtered rows) as CSV with a header.
    target = tmp_path / "filler-log.csv"
    assert events.export_to(str(target)) == len(log)
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(EVENT_FIELDS) and len(lines) == len(log) + 1
    assert told[-1].level == "info" and str(target) in told[-1].text
    # A folder that does not exist: one message, no traceback.
    assert events.export_to(str(tmp_path / "missing" / "log.csv")) is None
    assert told[-1].level == "error"
    # In Chinese: the tab, the filter items and the station names.
    i18n.set_locale("zh_CN")
    QApplication.processEvents()
    assert panels.tabs.tabText(tab) == "事件日志与损失"
    assert events.station.currentText() == "灌装机" and events.kind_box.currentText() == "短暂停机"
    assert events.model.data(events.model.index(0, 2)) == "灌装机"
    assert events.export_btn.text() == "导出事件日志…"
    assert "灌装机" in view.status.text()  # the bottleneck by its label


def test_serial_line_has_no_event_log_tab(qtbot, ctx, trainee):
    view = open_bundled(qtbot, ctx, trainee, "ai-predictive-maintenance", "decisions-oee/buffer-oee-lab")
    assert not view.panels.tabs.isTabVisible(view.panels.tabs.indexOf(view.panels.events))

"""The robot-cell lab: program editor (line numbers, colours, errors at their line), Run draws the
tool path with the gripper events in a top view (X–Y) and a side view (X–Z), reports the cycle
time and violations (click one to jump to its line), and replays the cycle with the executing
line highlighted. Submit grades the program headlessly like every lab (see ``LabViewBase``)."""

from __future__ import annotations

import html
import logging
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsEllipseItem,
    QGraphicsRectItem,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.courses import sim_messages
from app.courses.grading import LabConfigError, lab_scenario
from app.i18n import _, format_decimal, ngettext
from app.ui.common.content import content_text
from app.ui.labs.base import LabViewBase
from app.ui.labs.live import LiveDriver
from app.ui.labs.panels import format_metric
from app.ui.labs.parts import lab_button, two_panes
from app.ui.labs.plots import add_plot, live_curve, plot_area, set_labels, setup_pyqtgraph, style_plot
from app.ui.labs.problem_list import Problem, ProblemList, problems_of
from app.ui.labs.program_editor import ProgramEditor

log = logging.getLogger(__name__)

CHECK_DELAY_MS = 400
OPEN_COLOUR, HOLD_COLOUR = "#0072B2", "#E69F00"
GRIP_COLOUR, RELEASE_COLOUR, VIOLATION_COLOUR = "#009E73", "#CC79A7", "#b42318"


def _split_by_gripper(path: list[tuple], axes: tuple[int, int]) -> tuple[np.ndarray, ...]:
    """x/y arrays for the open-gripper and the holding parts of the path (NaN between pieces)."""
    a = np.asarray([(p[axes[0]], p[axes[1]], 1.0 if p[4] else 0.0) for p in path], dtype=float)
    if len(a) == 0:
        empty = np.empty(0)
        return empty, empty, empty, empty
    out = []
    for holding in (0.0, 1.0):
        x, y = a[:, 0].copy(), a[:, 1].copy()
        # A segment belongs to the state at its start; keep the end point so pieces join up.
        mask = a[:, 2] == holding
        keep = mask | np.concatenate(([False], mask[:-1]))
        x[~keep], y[~keep] = np.nan, np.nan
        out += [x, y]
    return tuple(out)


class PathView(QWidget):
    """Top view (X–Y) and side view (X–Z) of the cell: path, gripper events, safety zone, reach, TCP."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        lay, self.plots = plot_area(self, "robotPath")
        # The key as wrapping text under both views: a legend inside a view would hide the path.
        self.key = QLabel(objectName="pathKey", wordWrap=True)
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setStyleSheet("QLabel#pathKey { background: white; padding: 2px 6px; }")
        lay.addWidget(self.key)
        self.top = add_plot(self.plots, row=0, col=0)
        self.side = add_plot(self.plots, row=0, col=1)
        self.items: dict[str, dict[str, Any]] = {}
        for name, plot in (("top", self.top), ("side", self.side)):
            style_plot(plot)
            plot.setAspectLocked(True)
            items = {
                "open": live_curve(plot, pg.mkPen(OPEN_COLOUR, width=2), connect="finite"),
                "hold": live_curve(plot, pg.mkPen(HOLD_COLOUR, width=3), connect="finite"),
                "grip": pg.ScatterPlotItem(size=11, symbol="t", pen=pg.mkPen(GRIP_COLOUR),
                                           brush=pg.mkBrush(GRIP_COLOUR)),
                "release": pg.ScatterPlotItem(size=11, symbol="t1", pen=pg.mkPen(RELEASE_COLOUR),
                                              brush=pg.mkBrush(RELEASE_COLOUR)),
                "violation": pg.ScatterPlotItem(size=14, symbol="x", pen=pg.mkPen(VIOLATION_COLOUR, width=2),
                                                brush=pg.mkBrush(VIOLATION_COLOUR)),
                "tcp": pg.ScatterPlotItem(size=12, symbol="o", pen=pg.mkPen("#1f2d3d", width=2),
                                          brush=pg.mkBrush(255, 255, 255, 220)),
            }
            for key in ("grip", "release", "violation", "tcp"):
                plot.addItem(items[key])
            zone = QGraphicsRectItem()
            zone.setPen(pg.mkPen(VIOLATION_COLOUR, width=1.5, style=Qt.PenStyle.DashLine))
            zone.setBrush(QBrush(QColor(180, 35, 24, 30)))
            zone.setVisible(False)
            plot.addItem(zone, ignoreBounds=False)
            items["zone"] = zone
            self.items[name] = items
        base = QGraphicsEllipseItem(QRectF(-60, -60, 120, 120))
        base.setPen(QPen(QColor("#1f2d3d"), 0))
        base.setBrush(QBrush(QColor("#c9d3dd")))
        self.top.addItem(base)
        self.reach: list[QGraphicsEllipseItem] = []
        for _i in range(2):
            ring = QGraphicsEllipseItem()
            ring.setPen(pg.mkPen("#8a97a6", width=1, style=Qt.PenStyle.DotLine))
            self.top.addItem(ring, ignoreBounds=True)
            self.reach.append(ring)
        self.retranslate()

    def retranslate(self) -> None:
        set_labels(self.top, _("Top view"), "Y (mm)", "X (mm)")
        set_labels(self.side, _("Side view"), "Z (mm)", "X (mm)")
        entries = [(OPEN_COLOUR, "━", _("path, gripper open")), (HOLD_COLOUR, "━", _("path, holding a part")),
                   (GRIP_COLOUR, "▼", _("GRIP")), (RELEASE_COLOUR, "▲", _("RELEASE")),
                   (VIOLATION_COLOUR, "✖", _("violation or protective stop")),
                   (VIOLATION_COLOUR, "▭", _("safety zone"))]
        self.key.setText("&nbsp;&nbsp; ".join(
            f"<span style='color:{c}'>{sym}</span>&nbsp;{html.escape(t).replace(' ', '&nbsp;')}"
            for c, sym, t in entries))

    def set_cell(self, scenario: Any) -> None:
        rob = scenario.robot
        for ring, r in zip(self.reach, (rob.min_reach_mm, rob.max_reach_mm)):
            ring.setRect(QRectF(-r, -r, 2 * r, 2 * r))
        zone = scenario.safety_zone
        for name, axes in (("top", (0, 1)), ("side", (0, 2))):
            item = self.items[name]["zone"]
            if zone is None:
                item.setVisible(False)
                continue
            lo = (zone.min[axes[0]], zone.min[axes[1]])
            hi = (zone.max[axes[0]], zone.max[axes[1]])
            item.setRect(QRectF(lo[0], lo[1], hi[0] - lo[0], hi[1] - lo[1]))
            item.setVisible(True)

    def show_result(self, result: Any) -> None:
        path = result.path
        times = [p[0] for p in path]

        def at(t: float) -> tuple[float, float, float]:
            i = max(0, min(len(path) - 1, int(np.searchsorted(times, t, side="right")) - 1))
            return path[i][1], path[i][2], path[i][3]

        grips = [p for prev, p in zip(path, path[1:]) if p[4] and not prev[4]]
        releases = [p for prev, p in zip(path, path[1:]) if prev[4] and not p[4]]
        bad = [at(v.time_s) for v in result.violations] + [p.position for p in getattr(result, "protective_stops", [])]
        for name, axes in (("top", (1, 2)), ("side", (1, 3))):
            items = self.items[name]
            ox, oy, hx, hy = _split_by_gripper(path, axes)
            items["open"].setData(ox, oy)
            items["hold"].setData(hx, hy)
            items["grip"].setData([p[axes[0]] for p in grips], [p[axes[1]] for p in grips])
            items["release"].setData([p[axes[0]] for p in releases], [p[axes[1]] for p in releases])
            a, b = axes[0] - 1, axes[1] - 1
            items["violation"].setData([q[a] for q in bad], [q[b] for q in bad])
        for plot in (self.top, self.side):
            plot.autoRange(padding=0.12)

    def show_tcp(self, tcp: tuple[float, float, float] | None) -> None:
        for name, (a, b) in (("top", (0, 1)), ("side", (0, 2))):
            self.items[name]["tcp"].setData([] if tcp is None else [tcp[a]], [] if tcp is None else [tcp[b]])

    def path_points(self) -> int:
        """Points drawn in the top view (a point where the gripper changes is in both curves)."""
        total = 0
        for key in ("open", "hold"):
            x = self.items["top"][key].xData
            total += int(np.isfinite(x).sum()) if x is not None else 0
        return total

    def clear(self) -> None:
        for items in self.items.values():
            for key in ("open", "hold"):
                items[key].setData([], [])
            for key in ("grip", "release", "violation", "tcp"):
                items[key].setData([], [])


class RobotLabView(LabViewBase):
    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        setup_pyqtgraph()
        self.program_control = next((c for c in self.lab.controls if c.type == "program"), None)
        self.result: Any = None
        self.scenario: Any = None
        self.running = False
        self.errors: list[Problem] = []
        self._run_problems: tuple[str, list[Problem]] = ("", [])  # (program text, what running it found)
        self.replay = LiveDriver(self)
        self.replay.ticked.connect(self._replay_tick)
        self.replay.finished.connect(lambda: self.editor.set_running_line(None))
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_program)
        self._build_common()

        self.editor = ProgramEditor(language="robot")
        self.editor.setPlainText(self._initial_program())
        self.editor.setReadOnly(self.program_control is None)
        self.editor.textChanged.connect(self._program_edited)
        self.editor_title = QLabel(objectName="sectionTitle")
        self.editor_help = QLabel(objectName="subtitle", wordWrap=True)
        self.error_list = ProblemList("programErrors", max_height=150)
        self.error_list.jump.connect(self.jump_to_problem)
        self.run_btn = lab_button("runButton", self.run_program, primary=True)
        self.replay_btn = lab_button("replayButton", self.start_replay)
        self.replay_btn.setEnabled(False)

        editor_box = QWidget()
        elay = QVBoxLayout(editor_box)
        elay.setContentsMargins(0, 0, 0, 0)
        elay.setSpacing(4)
        elay.addWidget(self.editor_title)
        elay.addWidget(self.editor_help)
        elay.addWidget(self.editor, 1)
        elay.addWidget(self.error_list)
        row = QHBoxLayout()
        row.addWidget(self.run_btn)
        row.addWidget(self.replay_btn)
        row.addStretch(1)
        elay.addLayout(row)

        left = two_panes(Qt.Orientation.Vertical, "labLeft", self.task, editor_box, stretch=(2, 3), sizes=(200, 330))
        self.task.setMinimumHeight(90)
        # Comments after a statement wrap under it rather than hiding beyond a horizontal scroll bar.
        self.editor.setLineWrapMode(ProgramEditor.LineWrapMode.WidgetWidth)

        self.path_view = PathView()
        self.path_view.setMinimumHeight(200)
        self.log_table = QTableWidget(objectName="instructionLog")
        self.log_table.setColumnCount(4)
        self.log_table.verticalHeader().hide()
        self.log_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # The instruction column takes what is left (and elides), so Duration is never pushed out of view.
        header = self.log_table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setStretchLastSection(False)
        self.log_table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.log_table.setWordWrap(False)
        self.log_table.cellClicked.connect(lambda r, _c: self.jump_to_problem(self.log_table.item(r, 0).data(
            Qt.ItemDataRole.UserRole), 0))
        self.tabs = QTabWidget(objectName="robotTabs")
        self.tabs.addTab(self.path_view, "")
        self.tabs.addTab(self.log_table, "")

        self.results = QLabel(objectName="robotResults", wordWrap=True)
        self.results.setTextFormat(Qt.TextFormat.RichText)
        self.violations_title = QLabel(objectName="sectionTitle")
        self.violation_list = QListWidget(objectName="violations")
        self.violation_list.setMaximumHeight(90)
        self.violation_list.setWordWrap(True)
        self.violation_list.itemClicked.connect(self._jump)
        self.violation_list.itemActivated.connect(self._jump)
        result_box = QWidget(objectName="robotResultBox")
        rlay = QVBoxLayout(result_box)
        rlay.setContentsMargins(0, 0, 0, 0)
        rlay.addWidget(self.results)
        rlay.addWidget(self.violations_title)
        rlay.addWidget(self.violation_list)
        self.violations_title.hide()   # until a run finds one
        self.violation_list.hide()
        side = self._side_panel(["controls", result_box, "hint_text"])

        # Right: the objectives (always in view), the path and log, the run's results (scrolling if
        # long), and status + Submit fixed at the bottom.
        views = two_panes(Qt.Orientation.Vertical, "labRightViews", self.tabs, side, stretch=(3, 1), sizes=(330, 80))
        side.setMinimumHeight(60)
        right = self._views_column([views, self._footer(hint_button=True)], grow=views)
        self._place_side_by_side(left, right, stretch=(1, 1), sizes=(450, 450), min_widths=(300, 300))
        self._finish_init()
        self._set_cell()
        self.check_program()

    # --- program ---------------------------------------------------------------------------

    def _initial_program(self) -> str:
        if self.program_control is not None:
            return str(self.values.get(self.program_control.id) or "")
        try:
            _kind, scenario = lab_scenario(self.lab, self.course.path, self.values)
            return scenario.program
        except (LabConfigError, ImportError):
            return ""

    def control_values(self) -> dict[str, Any]:
        values = super().control_values()
        if self.program_control is not None and hasattr(self, "editor"):
            values[self.program_control.id] = self.editor.toPlainText()
        return values

    def _program_edited(self) -> None:
        self.values = self.control_values()
        self._check_timer.start()
        self.mark_changed()

    def settings_changed(self) -> None:
        self._set_cell()
        self.check_program()

    def _set_cell(self) -> None:
        try:
            _kind, self.scenario = lab_scenario(self.lab, self.course.path, {
                k: v for k, v in self.control_values().items()
                if self.program_control is None or k != self.program_control.id})
        except (LabConfigError, ImportError):
            return
        self.path_view.set_cell(self.scenario)

    def diagnose(self) -> list[Problem]:
        """Every problem of the program: syntax, what the cell refuses (unknown points, reach, wiring), and
        what running this very program found."""
        text, found_by_running = self._run_problems
        try:
            lab_scenario(self.lab, self.course.path, self.control_values())
        except LabConfigError as exc:
            return problems_of(exc)
        except ImportError as exc:
            reason = str(exc)
            return [Problem(None, None, lambda: reason)]
        return list(found_by_running) if text == self.editor.toPlainText() else []

    def check_program(self) -> bool:
        self._check_timer.stop()
        self.show_errors(self.diagnose())
        return not self.errors

    def show_errors(self, errors: list[Problem]) -> None:
        self.errors = errors
        self.editor.set_errors([(p.line, p.column, p.text()) for p in errors if p.line])
        self.error_list.set_problems(errors)
        self.run_btn.setEnabled(not errors and not self.running)
        if self._refusal:  # a refused Submit shows the program's current problems
            self.refuse_submit(errors, reveal=False)
        if errors:
            count = len(errors)
            self.set_status(lambda: ngettext_errors(count), error=True)
        elif self.result is None:
            self.set_status(lambda: _("No errors found. Run the program to see its path and cycle time."))

    def submit_problems(self, values: dict[str, Any]) -> list[Problem]:
        found = super().submit_problems(values)
        if found or self.program_control is None:
            return found
        self.check_program()
        return list(self.errors)

    def jump_to_problem(self, line: int, column: int = 0, source: str = "") -> None:
        if isinstance(line, int) and line > 0:
            self.editor.goto(line, column)

    def _jump(self, item: QListWidgetItem) -> None:
        self.jump_to_problem(item.data(Qt.ItemDataRole.UserRole), 0)

    # --- running ---------------------------------------------------------------------------

    def run_program(self) -> None:
        if self.running or not self.check_program():
            return
        try:
            kind, scenario = lab_scenario(self.lab, self.course.path, self.control_values())
        except LabConfigError as exc:
            self.show_errors(problems_of(exc))
            return
        import simulators

        self.running = True
        self.run_btn.setEnabled(False)
        self.set_status(lambda: _("Running the program…"))
        self.scenario = scenario
        self.path_view.set_cell(scenario)

        def failed(exc: Exception) -> None:
            self.running = False
            self._run_problems = (self.editor.toPlainText(), problems_of(exc))
            self.check_program()

        self._in_background(lambda: simulators.run(kind, scenario), self._ran, failed)

    def _ran(self, result: Any) -> None:
        self.running = False
        self.result = result
        self.run_btn.setEnabled(not self.errors)
        self.replay_btn.setEnabled(True)
        self.path_view.show_result(result)
        self._fill_log(result)
        self._fill_violations(result)
        self._show_results()
        self.objectives.show_metrics(result.metrics, final=True)
        met = sum(1 for s in self.objectives.states() if s == "met")
        self.set_status(lambda: _("Run finished: {met} of {total} objectives met. Submit to grade.").format(
            met=met, total=len(self.lab.objectives)))
        self.start_replay()

    def _show_results(self) -> None:
        r = self.result
        if r is None:
            self.results.setText(_("Not run yet."))
            return
        mt = r.metrics
        n = len(r.violations)
        colour = "#b42318" if n else "#1a7f37"
        self.results.setText(
            _("Cycle time: <b>{cycle}</b> · {pph} parts/h · path {length} · top TCP speed {speed}").format(
                cycle=format_metric("cycle_time_s", mt["cycle_time_s"]),
                pph=format_decimal(mt["parts_per_hour"], 0),
                length=format_metric("path_length_mm", mt["path_length_mm"]),
                speed=format_metric("max_tcp_speed_mm_s", mt["max_tcp_speed_mm_s"]))
            + "<br>" + f"<span style='color:{colour}'><b>"
            + ngettext_violations(n) + "</b></span>" + protective_stops_text(r))

    def _fill_log(self, result: Any) -> None:
        steps = result.steps
        self.log_table.setRowCount(len(steps))
        for row, s in enumerate(steps):
            cells = [str(s.line), s.what, format_decimal(s.start_s, 2), format_decimal(s.end_s - s.start_s, 2)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if col == 0:
                    item.setData(Qt.ItemDataRole.UserRole, s.line)
                elif col == 1:
                    item.setToolTip(text)   # the column elides long instructions
                if col in (0, 2, 3):
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.log_table.setItem(row, col, item)

    def _fill_violations(self, result: Any) -> None:
        self.violation_list.clear()
        for v in result.violations:
            text = _("Line {line} at {time} s: {message}").format(
                line=v.line, time=format_decimal(v.time_s, 2), message=sim_messages.message(v.diagnostic))
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, v.line)
            item.setToolTip(_("Click to show the line in the program"))
            self.violation_list.addItem(item)
        stops = getattr(result, "protective_stops", [])
        for p in stops:
            item = QListWidgetItem(protective_stop_text(p))
            item.setData(Qt.ItemDataRole.UserRole, p.line)
            item.setToolTip(_("Click to show the line in the program"))
            self.violation_list.addItem(item)
        self.violation_list.setVisible(bool(result.violations or stops))
        self.violations_title.setVisible(bool(result.violations or stops))

    def start_replay(self) -> None:
        """Move the TCP marker along the path in real time, highlighting the executing line."""
        if self.result is None or self.scenario is None:
            return
        import simulators

        try:
            runner = simulators.make_runner("robot_cell", self.scenario)
        except (simulators.ScenarioError, simulators.ProgramError):
            return
        self.replay.attach(runner)
        self.replay.set_speed(1.0)
        self.replay.start()

    def _replay_tick(self) -> None:
        snap = self.replay.runner.snapshot()
        self.path_view.show_tcp(snap["tcp"])
        self.editor.set_running_line(snap["line"])

    # --- translation, lifecycle ------------------------------------------------------------

    def retranslate(self) -> None:
        pc = self.program_control
        self.editor_title.setText(content_text(pc.label) if pc is not None else _("Robot program (read only)"))
        self.editor_help.setText(content_text(pc.help) if pc is not None and pc.help else "")
        self.editor_help.setVisible(bool(pc is not None and pc.help))
        self.editor.setAccessibleName(self.editor_title.text())
        self.run_btn.setText(_("Run program"))
        self.run_btn.setToolTip(_("Simulate one cycle and draw the path"))
        self.replay_btn.setText(_("Replay"))
        self.replay_btn.setToolTip(_("Show the cycle again in real time"))
        self.tabs.setTabText(0, _("Path"))
        self.tabs.setTabText(1, _("Instruction log"))
        self.log_table.setHorizontalHeaderLabels([_("Line"), _("Instruction"), _("Start (s)"), _("Duration (s)")])
        self.violations_title.setText(_("Violations and protective stops"))
        self.path_view.retranslate()
        self._show_results()
        if self.result is not None:
            self._fill_violations(self.result)
        self.show_errors(self.errors)

    def preview_text(self) -> tuple[str, str]:
        return "", ""

    def hideEvent(self, event) -> None:
        self.replay.pause()
        super().hideEvent(event)


def ngettext_errors(n: int) -> str:
    return ngettext("{n} error in the program: fix it before running.",
                    "{n} errors in the program: fix them before running.", n).format(n=n)


def protective_stops_text(result: Any) -> str:
    """The results line about the safety controller's protective stops (empty when there was none)."""
    stops = getattr(result, "protective_stops", [])
    if not stops:
        return ""
    lost = format_decimal(result.metrics.get("stopped_s", 0.0), 1)
    return ("<br><span style='color:#b42318'><b>" + ngettext(
        "{n} protective stop by the safety controller: {lost} s lost",
        "{n} protective stops by the safety controller: {lost} s lost", len(stops)).format(n=len(stops), lost=lost)
        + "</b></span>")


def protective_stop_text(stop: Any) -> str:
    """One protective stop in the list: where, when, why and what it cost."""
    device = _("the laser scanner") if stop.device == "scanner" else _("the light curtain")
    if stop.reason == "inside":
        text = _("Line {line} at {time} s: protective stop — the robot was in the guarded zone when {device} "
                 "detected the operator; {held} s until the operator left and the cell was reset.")
    else:
        text = _("Line {line} at {time} s: protective stop — the robot was heading into the guarded zone while "
                 "{device} detected the operator; {held} s until the operator left and the cell was reset.")
    return text.format(line=stop.line, time=format_decimal(stop.time_s, 2), device=device,
                       held=format_decimal(stop.held_s, 1))


def ngettext_violations(n: int) -> str:
    if n == 0:
        return _("No safety violations")
    return ngettext("{n} safety violation", "{n} safety violations", n).format(n=n)


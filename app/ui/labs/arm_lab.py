"""The six-axis robot lab (``robot_arm``): the task and objectives, the 3D cell, the teach pendant and/or the
program editor, Submit.

* The pendant (a ``pendant`` control) drives a live session; its log is the control's value, so Submit sends
  the log and the service replays it (the pose the widget shows is never trusted). A draft restores the log.
* The program (a ``program`` control) is planned from where the pendant left the arm, with the points taught
  so far usable by name, and played in the 3D view (see ``arm_program``); in T1/T2 it moves only while the
  enabling device is held. A program run is a preview: the arm goes back to the pendant's pose when the
  pendant is used again (the graded run replays the log, then runs the program).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QScrollArea, QSplitter, QVBoxLayout, QWidget

from app.courses.grading import LabConfigError, lab_scenario
from app.i18n import _, ngettext
from app.ui.common.content import content_text
from app.ui.labs.arm_demo import DemoPlayer
from app.ui.labs.arm_layout import ArmLayout
from app.ui.labs.arm_program import ProgramPane, alarm_text
from app.ui.labs.base import LabViewBase
from app.ui.labs.parts import lab_button, two_panes
from app.ui.labs.problem_list import Problem, problems_of
from app.ui.pendant import PendantPanel
from app.ui.robot3d.view import RobotCellView

log = logging.getLogger(__name__)

CHECK_DELAY_MS = 400
PREVIEW_DELAY_MS = 500
LIVE_KINDS = ("jog_targets", "tcp_calibration", "rev_counters")  # judged on the pendant work alone
DEMO_KINDS = ("jog_targets", "tcp_calibration", "user_frame", "rev_counters")  # autojog.demo_log can show them


class ArmLabView(ArmLayout, LabViewBase):
    def __init__(self, ctx, actor, course, module, step, parent: QWidget | None = None) -> None:
        super().__init__(ctx, actor, course, module, step, parent)
        self.program_control = next((c for c in self.lab.controls if c.type == "program"), None)
        self.pendant_control = next((c for c in self.lab.controls if c.type == "pendant"), None)
        self.scenario: Any = None
        self.env: Any = None
        self._planned_metrics: tuple[Any, Any] = (None, None)  # (run, its preview metrics) from the worker
        self._build_common()
        self._load_scenario()
        self.view3d = RobotCellView(self.env.arm if self.env is not None else "r7-700")
        self.view3d.setMinimumSize(240, 160)  # 1366×768 with the steps list: the program and pendant need room
        self.pendant: PendantPanel | None = None
        self._pendant_q: Any = None
        self.program: ProgramPane | None = None
        self.restart_btn = lab_button("armRestart", self.restart_pendant)
        self.demo_btn = lab_button("armShowMe", self.toggle_demo)
        self.demo: DemoPlayer | None = None
        self._demo_point = ""
        self.centre_split: QSplitter | None = None
        self.pendant_scroll: QScrollArea | None = None
        self._pendant_box: QWidget | None = None
        self._pendant_wide = 0
        self.pendant_note = QLabel(objectName="subtitle", wordWrap=True)
        self._check_timer = QTimer(self, singleShot=True, interval=CHECK_DELAY_MS)
        self._check_timer.timeout.connect(self.check_program)
        self._preview_timer = QTimer(self, singleShot=True, interval=PREVIEW_DELAY_MS)
        self._preview_timer.timeout.connect(self.preview)
        centre = self._build_centre()
        row = self._right_row(centre)
        # the views get the height; other settings (if any) and the hints go under the task
        right = self._views_column([row, self._footer(hint_button=True)], grow=row)
        left = QWidget(objectName="armLabLeft")
        llay = QVBoxLayout(left)
        llay.setContentsMargins(0, 0, 0, 0)
        llay.addWidget(self.task, 3)
        if self.form.controls:
            llay.addWidget(self._side_panel(["controls", "hint_text"]), 2)
        else:
            self.controls_title.hide()
            llay.addWidget(self.hints_label)
        self._place_side_by_side(left, right, stretch=(1, 4), sizes=(240, 1000), min_widths=(180, 600))
        self._finish_init()
        self._show_scene()
        self.check_program()

    # ------------------------------------------------------------------ building
    def _load_scenario(self) -> None:
        """The lab's scenario without the trainee's work (the cell, tools, frames, task)."""
        from simulators.robot.arm.runner import build_environment

        try:
            _kind, self.scenario = lab_scenario(self.lab, self.course.path, self._settings_without_work())
            self.env = build_environment(self.scenario)
        except (LabConfigError, ImportError, ValueError) as exc:
            log.warning("robot_arm lab %s: %s", self.step_key, exc)
            self.scenario = self.env = None
            reason = str(exc)
            self.set_status(lambda: _("This lab cannot be shown: {reason}").format(reason=reason), error=True)

    def _settings_without_work(self) -> dict[str, Any]:
        work = {c.id for c in (self.program_control, self.pendant_control) if c is not None}
        return {k: v for k, v in self.values.items() if k not in work}

    def _build_centre(self) -> QWidget:
        given = self.scenario.program if self.scenario is not None else ""
        if self.program_control is None and not given.strip():
            return self.view3d
        from simulators.robot.arm.runner import run_program  # noqa: F401 - fail here, not on the first Run

        self.program = ProgramPane(self._plan, self._may_move, self._why_paused, background=self._in_background)
        self.program.override.setValue(round(self.scenario.override) if self.scenario is not None else 100)
        if self.program_control is not None:
            self.program.editor.setPlainText(str(self.values.get(self.program_control.id) or ""))
        else:  # the lab's own program: run it, not edit it
            self.program.editor.setPlainText(given)
            self.program.editor.setReadOnly(True)
        self.program.edited.connect(self._program_edited)
        self.program.pose.connect(self._program_pose)
        self.program.run_changed.connect(self._run_changed)
        self.program.override.valueChanged.connect(lambda _v: self.program.invalidate())
        self.centre_split = two_panes(Qt.Orientation.Vertical, "armCentre", self.view3d, self.program, (1, 1),
                                      (300, 260))
        self.centre_split.installEventFilter(self)
        return self.centre_split

    def _right_row(self, centre: QWidget) -> QWidget:
        if self.pendant_control is None or self.env is None:
            return centre
        from simulators.robot.arm.runner import pendant_setup

        self.setup = pendant_setup(self.scenario, self.env)
        self.pendant = PendantPanel(self.setup)
        saved = self.values.get(self.pendant_control.id)
        if isinstance(saved, list) and saved:
            try:
                self.pendant.restart(events=saved)
            except ValueError:
                log.info("the saved pendant log of %s no longer replays", self.step_key)
        self.pendant.joints_changed.connect(self._pendant_moved)
        self.pendant.points_changed.connect(self._points_changed)
        box = self._pendant_box = QWidget(objectName="armPendantBox")
        lay = QVBoxLayout(box)
        lay.setContentsMargins(0, 0, 4, 0)
        buttons = QHBoxLayout()  # over the pendant, not under it: a short lab scrolled Show me out of sight
        buttons.addWidget(self.restart_btn)
        if self.scenario.task.kind in DEMO_KINDS:
            from simulators.robot.arm.autojog import demo_log
            from simulators.robot.arm.pendant import PendantSession

            scenario, setup = self.scenario, self.setup
            self.demo = DemoPlayer(lambda: demo_log(scenario), lambda: PendantSession(setup), self)
            self.demo.pose.connect(self.view3d.set_joints)
            self.demo.recorded.connect(self._demo_recorded)
            self.demo.started.connect(self._show_note)
            self.demo.finished.connect(self._demo_finished)
            buttons.addWidget(self.demo_btn)
        else:
            self.demo_btn.hide()
        buttons.addStretch(1)
        lay.addLayout(buttons)
        lay.addWidget(self.pendant_note)
        lay.addWidget(self.pendant, 1)
        # a low screen scrolls the pendant rather than squeezing its keys; a narrow one gets the compact pendant
        box.setMinimumHeight(self.pendant.minimumSizeHint().height() + 60)
        scroll = self.pendant_scroll = QScrollArea(objectName="armPendantScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(box)
        # the pendant keeps the width it needs, the 3D view (and the program) get the rest and any growth
        self.right_split = two_panes(Qt.Orientation.Horizontal, "armRight", centre, scroll, (1, 0), (360, 560))
        self.right_split.installEventFilter(self)
        return self.right_split

    def _show_scene(self) -> None:
        env = self.env
        if env is None:
            return
        if env.cell is not None:
            self.view3d.set_cell(env.cell)
        tool = env.frames.tools[env.frames.tool]
        task = self.scenario.task
        tcp = tool.tcp
        if task.kind == "tcp_calibration":  # the real tool is drawn: its tip is what touches the pin
            from simulators.robot.arm.tasks import pose_matrix

            tcp = pose_matrix(task.true_tcp)
        if task.kind == "rev_counters":  # the scribed lines each axis is jogged onto
            self.view3d.set_sync_marks(task.marks_deg, task.tolerance_deg)
        if task.kind == "glue_path":  # the contour to follow, under the programmed path
            self.view3d.set_reference(self._glue_contour())
        self.view3d.set_tool(tcp, name=tool.name)
        self.view3d.set_joints(self.pendant.session.q if self.pendant is not None else env.start_q)
        self._show_frame_and_points()
        self.view3d.fit_to_cell()

    def _glue_contour(self) -> Any:
        """The glue task's contour in world, as grading samples it (None if it cannot be drawn)."""
        from simulators.robot.arm import tasks

        task, users = self.scenario.task, self.env.frames.users
        frame = users[task.frame].matrix if task.frame in users else np.eye(4)
        try:
            return tasks._contour(task, frame)[0]  # the same sampling the grade measures against
        except (ValueError, ArithmeticError):
            return None

    def _show_frame_and_points(self) -> None:
        env, session = self.env, self.pendant.session if self.pendant is not None else None
        frames = session.frames if session is not None else env.frames
        user = frames.user
        self.view3d.set_user_frame(None if user == "wobj0" else user, frames.users[user].matrix)
        points = {name: p.world for name, p in (session.points if session is not None else env.points).items()}
        task = self.scenario.task
        if task.kind == "jog_targets":
            from simulators.robot.arm.tasks import pose_matrix

            users = {n: u.matrix for n, u in env.frames.users.items()}
            for t in task.targets:
                points.setdefault(_("target {name}").format(name=t.name),
                                  users.get(t.frame, np.eye(4)) @ pose_matrix(t.pose))
        self.view3d.set_points(points)

    # ------------------------------------------------------------------ the pendant
    def _pendant_moved(self, q: Any) -> None:
        """The pendant refreshed: the arm moved (or an event changed its state, recorded in the log)."""
        self.mark_changed()
        if self.scenario is not None and self.scenario.task.kind in LIVE_KINDS:
            self._preview_timer.start()
        if self._pendant_q is not None and np.array_equal(q, self._pendant_q):
            return
        self._pendant_q = np.array(q)
        if self.demo is None or not self.demo.busy:  # the demonstration has the 3D view
            self.view3d.set_joints(q)
        if self.program is not None:
            self.program.invalidate()  # the program starts from the arm's new pose

    def _points_changed(self) -> None:
        self._show_frame_and_points()
        self.mark_changed()
        if self.program is not None:
            self.program.invalidate()
            self._check_timer.start()

    def _may_move(self) -> bool:
        """A program moves when the pendant's safety allows motion: no E-stop or protective stop latched, the
        enabling device in its middle position in T1/T2, the drives on (an E-stop mid-run stopped nothing)."""
        if self.pendant is None:
            return True
        return self.pendant.session.safety.motion_blocked() is None

    def _why_paused(self) -> str:
        """What holds a run back, in words (empty: the enabling device, which the pane names itself)."""
        blocked = self.pendant.session.safety.motion_blocked() if self.pendant is not None else None
        if blocked is None or blocked.code in ("safety.enabling_required", "safety.enabling_panic"):
            return ""
        from app.ui.pendant.messages import alarm_text as pendant_alarm_text

        return _("Paused: {reason}").format(reason=pendant_alarm_text(blocked.code, dict(blocked.params)))

    def restart_pendant(self) -> None:
        """Start the pendant session over: the arm back at its start, no points taught (a new, empty log)."""
        if self.pendant is None:
            return
        self.pendant.restart(self.setup, [])
        self.view3d.set_joints(self.pendant.session.q)
        self._points_changed()

    # ------------------------------------------------------------------ show me
    def toggle_demo(self) -> None:
        """Show me: the lab's demonstration in the 3D view (the trainee's log and points untouched), or stop it."""
        if self.demo is None:
            return
        if self.demo.busy:
            self.demo.stop()
            return
        self.pendant.let_go()
        if self.program is not None:
            self.program.stop()
        self.pendant.setEnabled(False)  # no jogging meanwhile: the 3D view shows the demonstration's arm
        self.restart_btn.setEnabled(False)
        self._demo_point = ""
        self.demo.play()
        self.retranslate()

    def _demo_recorded(self, name: str) -> None:
        self._demo_point = name
        self._show_note()

    def _demo_finished(self, ok: bool) -> None:
        self.pendant.setEnabled(True)
        self.restart_btn.setEnabled(True)
        self.view3d.set_joints(self.pendant.session.q)  # back to the trainee's arm
        if self.program is not None and self.program.run is not None:
            self.program.show_cursor()
        self.pendant.setFocus()
        self.retranslate()
        if not ok:
            self.set_status(lambda: _("The demonstration could not be made for this lab."), error=True)

    def _show_note(self) -> None:
        demo = self.demo
        if demo is not None and demo.busy and demo.session is None:
            text = _("Preparing the demonstration…")
        elif demo is not None and demo.busy:
            text = _("Demonstration: the 3D view shows one way to do the task. Your own pendant work is kept "
                     "as it is and is what Submit grades.")
            if self._demo_point:
                text += " " + _("Point {name} recorded.").format(name=self._demo_point)
        else:
            text = _("Everything done on the pendant is recorded; Submit has it replayed and graded.")
        self.pendant_note.setText(text)

    # ------------------------------------------------------------------ the program
    def _known_points(self) -> set[str]:
        if self.pendant is not None:
            return set(self.pendant.session.points)
        return set(self.env.points) if self.env is not None else set()

    def _names(self) -> tuple[list[str], set[str]]:
        frames = self.pendant.session.frames if self.pendant is not None else self.env.frames
        return list(frames.tools), {"world", *frames.users}

    def check_program(self) -> bool:
        """The program's errors (all of them, line and column, in the user's language) against the points
        taught so far and the cell's tools and frames."""
        self._check_timer.stop()
        if self.program is None or self.env is None:
            return True
        from simulators.errors import ProgramError
        from simulators.robot.arm.lang import parse_arm_program

        tools, frames = self._names()
        try:
            parse_arm_program(self.program.editor.toPlainText(), points=self._known_points(), tools=tools,
                              frames=frames)
            diagnostics: list[Any] = []
        except ProgramError as exc:
            diagnostics = list(exc.diagnostics)
        self.program.set_problems(diagnostics)
        if diagnostics:
            n = len(diagnostics)
            self.set_status(lambda: ngettext("{n} error in the program: fix it before running.",
                                             "{n} errors in the program: fix them before running.", n).format(n=n),
                            error=True)
        else:
            self.set_status(lambda: _("Run the program to see it move, or Submit to have it graded."))
        return not diagnostics

    def _program_edited(self) -> None:
        self.values = self.control_values()
        self.program.invalidate()
        self._check_timer.start()
        self.mark_changed()

    def _work(self, text: str | None = None, override: float | None = None) -> tuple[Any, Any, list[dict]]:
        """(scenario with the program and override, the pendant's session so far, its log)."""
        update: dict[str, Any] = {}
        if text is not None:
            update["program"] = text
        if override is not None:
            update["override"] = override * 100.0
        sc = self.scenario.model_copy(update=update) if update else self.scenario
        if self.pendant is None:
            return sc, None, []
        return sc, self.pendant.session.result(), self.pendant.log()

    def _plan(self, text: str, override: float) -> Callable[[], Any]:
        """The work that plans the program as grading runs it after the pendant work so far: from the pendant's
        pose, with its points, tools and frames (a user-frame task: the frame as taught). Called on the GUI
        thread; the work runs in a worker, so it gets copies: the live pendant goes on changing its session."""
        from simulators.robot.arm import runner

        sc, session, events = self._work(text, override)  # session.result() is a snapshot (arrays copied)
        events = copy.deepcopy(events)
        env = self.env  # read only while planning (built once from the scenario)

        def work() -> Any:
            run = runner.program_run(sc, env, session, events)
            # the preview's metrics too (≈ 10 ms of link speeds on the bundled labs): the run is shown at once
            try:
                self._planned_metrics = (run, runner.measure(sc, env, session, events, run=run).metrics)
            except Exception:  # noqa: BLE001 - the preview is then judged on the GUI thread, which logs it
                pass
            return run

        return work

    def preview(self, run: Any = None) -> None:
        """The objectives judged on the work so far (the pendant's session, the planned program): a preview of
        what Submit will grade."""
        self._preview_timer.stop()
        if self.env is None:
            return
        from simulators.robot.arm.runner import measure

        planned_run, planned = self._planned_metrics
        self._planned_metrics = (None, None)
        try:
            if run is not None and planned_run is run and planned is not None:
                metrics = planned  # judged in the worker with the inputs the run was planned for (still current)
            elif run is not None:
                sc, session, events = self._work(self.program.editor.toPlainText(),
                                                 self.program.override.value() / 100)
                metrics = measure(sc, self.env, session, events, run=run).metrics
            else:
                sc, session, events = self._work()
                metrics = measure(sc, self.env, session, events, run=run).metrics
        except Exception:  # a preview never breaks the lab; Submit reports real problems
            log.exception("preview of %s failed", self.step_key)
            return
        self.objectives.show_metrics(metrics, final=True)
        met = sum(1 for state in self.objectives.states() if state == "met")
        total = len(self.lab.objectives)
        self.set_status(lambda: _("Preview: {met} of {total} objectives met. Submit to have your work graded.")
                        .format(met=met, total=total))

    def _program_pose(self, q: Any, t: float) -> None:
        self.view3d.set_joints(q)
        self.view3d.set_progress(t)

    def _run_changed(self, run: Any) -> None:
        if run is None:
            self.view3d.set_path(None)
            self.view3d.set_alarms([])
            if self.pendant is not None:
                self.view3d.set_joints(self.pendant.session.q)
            return
        self.view3d.set_trajectory(run.trajectory)
        self.view3d.mark_alarms([(a.time, alarm_text(a)) for a in run.alarms])
        self.preview(run)

    # ------------------------------------------------------------------ values, submit
    def control_values(self) -> dict[str, Any]:
        values = super().control_values()
        if self.program_control is not None and getattr(self, "program", None) is not None:
            values[self.program_control.id] = self.program.editor.toPlainText()
        if self.pendant_control is not None and getattr(self, "pendant", None) is not None:
            values[self.pendant_control.id] = self.pendant.log()
        return values

    def submit_problems(self, values: dict[str, Any]) -> list[Problem]:
        found = super().submit_problems(values)
        if found or self.program is None:
            return found
        self.check_program()
        return list(self.program.problems)

    def jump_to_problem(self, line: int, column: int = 0, source: str = "") -> None:
        if self.program is not None and isinstance(line, int) and line > 0:
            self.program.editor.goto(line, column)

    def _grading_failed(self, exc: Exception) -> None:
        super()._grading_failed(exc)
        if self.program is not None and self._refusal:
            self.program.set_problems([], problems_of(exc))

    # ------------------------------------------------------------------ texts, lifecycle
    def retranslate(self) -> None:
        if self.program is not None:
            pc = self.program_control
            self.program.retranslate(content_text(pc.label) if pc is not None else _("Robot program (read only)"))
        self.restart_btn.setText(_("Start over"))
        self.restart_btn.setToolTip(_("The arm back at its start and no points taught: a new pendant session"))
        if self.pendant is not None and getattr(self, "right_split", None) is not None:
            self._later(self._fit_pendant)  # the pendant's widths change with the language
        playing = self.demo is not None and self.demo.busy
        self.demo_btn.setText(_("Stop the demonstration") if playing else _("Show me"))
        self.demo_btn.setToolTip(_("Watch one way to do this task in the 3D view. Your pendant work is not "
                                   "changed."))
        self._show_note()
        if self.env is not None:
            self._show_frame_and_points()

    def preview_text(self) -> tuple[str, str]:
        return "", ""

    def hideEvent(self, event) -> None:
        if self.program is not None:
            self.program.stop()
        if self.demo is not None and self.demo.busy:
            self.demo.stop()
        super().hideEvent(event)


__all__ = ["ArmLabView", "alarm_text"]

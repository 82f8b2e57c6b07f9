"""The six-axis lab's program pane: the editor with its problems, and Run / Step forward / Step back / Stop at an
override, playing a planned run in the 3D view with the executing line highlighted.

The run is planned off the GUI thread (``simulators.robot.arm.runner.run_program``, 70–200 ms) from the arm's
current joints with the points taught so far: ``plan`` snapshots its inputs on the GUI thread and returns the work,
``background`` runs it; the click's action (run all / step forward) is carried out when the run lands, and only for
the inputs it was planned for (else it is planned again). A QTimer then moves a time cursor along its trajectory.
Stepping is seeking in that run (the ``executed`` list): forward to the end of the next statement, backward to the
start of the previous motion statement (a real pendant steps back through motion only). While ``may_move()`` says
no (the enabling device let go in T1/T2) the cursor stands still. What the view shows is a preview: Submit has the
service run and grade.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.courses import sim_messages
from app.i18n import _, format_decimal, ngettext, pgettext
from app.ui.labs.parts import lab_button
from app.ui.labs.problem_list import Problem, ProblemList, problems_from
from app.ui.labs.program_editor import ProgramEditor

FRAME_MS = 20  # animation frame; the cursor advances by the frame's length in sim time


@dataclass(frozen=True)
class _Coded:
    """A run alarm shaped like a diagnostic, for ``sim_messages.message``."""

    code: str
    args: dict[str, Any]
    message: str


def alarm_text(alarm: Any) -> str:
    """A run alarm in the user's language (its English text if the code has no translation yet)."""
    args = {k: v for k, v in dict(alarm.params).items() if isinstance(v, str | int | float)}
    try:
        return sim_messages.message(_Coded(alarm.code, args, alarm.message))
    except (KeyError, IndexError, ValueError):
        return alarm.message


Background = Callable[[Callable[[], Any], Callable[[Any], None], Callable[[Exception], None]], None]


def _at_once(work: Callable[[], Any], done: Callable[[Any], None], failed: Callable[[Exception], None]) -> None:
    """No background runner given: plan on the calling thread (the outcome still goes through the callbacks)."""
    try:
        result = work()
    except Exception as exc:  # noqa: BLE001 - handed to ``failed`` like a worker's refusal
        failed(exc)
        return
    done(result)


class ProgramPane(QWidget):
    """Editor, problems, run bar and the run's alarms. ``plan(text, override)`` snapshots what planning needs and
    returns the work that makes a ``ProgramRun`` (raising ``ProgramError``/``ScenarioError`` on a problem);
    ``background(work, done, failed)`` runs it off the GUI thread; ``may_move`` gates the animation."""

    pose = Signal(object, float)  # joints (rad) and sim time of the cursor
    run_changed = Signal(object)  # the new ProgramRun (or None)
    edited = Signal()

    def __init__(self, plan: Callable[[str, float], Callable[[], Any]], may_move: Callable[[], bool],
                 why_paused: Callable[[], str] | None = None, background: Background | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, objectName="armProgramPane")
        self.plan = plan
        self.background = background or _at_once
        self.pending: str | None = None  # the click waiting for its run: "run" or "step" (None: nothing asked)
        self.planning = False  # a plan is in the worker
        self._inputs = 0  # bumped whenever the program's inputs change (text, override, points, the arm's pose)
        self.may_move = may_move
        self.why_paused = why_paused or (lambda: "")
        self.run: Any = None
        self.run_key: tuple | None = None
        self.t = 0.0
        self.goal: float | None = None  # where the cursor is heading (None: stopped)
        self.step_index = -1  # the executed entry the cursor is in
        self.waiting = False  # held back by may_move()
        self.stepping = False  # the cursor goes one statement (forward or back), not the whole run
        self.speed = 1.0  # sim seconds per real second (the run is planned at the override already)
        self.problems: list[Problem] = []
        self.editor = ProgramEditor(language="arm")
        self.editor.setLineWrapMode(ProgramEditor.LineWrapMode.WidgetWidth)
        self.editor.textChanged.connect(self.edited)
        self.title = QLabel(objectName="sectionTitle")
        self.errors = ProblemList("programErrors", max_height=90)
        self.errors.jump.connect(lambda line, col, _s: self.editor.goto(line, col))
        self.run_btn = lab_button("armRun", self.run_all, primary=True)
        self.fwd_btn = lab_button("armStepForward", self.step_forward)
        self.back_btn = lab_button("armStepBack", self.step_back)
        self.stop_btn = lab_button("armStop", self.stop)
        for b in (self.run_btn, self.fwd_btn, self.back_btn, self.stop_btn):
            # clicking must not take the focus from the pendant: that would let go of the enabling device
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.override = QSpinBox(objectName="armOverride")
        self.override.setRange(1, 100)
        self.override.setSuffix(" %")
        self.override_label = QLabel(objectName="armOverrideLabel")
        self.override_label.setBuddy(self.override)
        self.where = QLabel(objectName="armRunState", wordWrap=True)
        self.alarms = QListWidget(objectName="armRunAlarms")
        self.alarms.setMaximumHeight(80)
        self.alarms.setWordWrap(True)
        self.alarms.itemClicked.connect(self._alarm_clicked)
        self.alarms.hide()
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.title)
        lay.addWidget(self.editor, 1)
        lay.addWidget(self.errors)
        bar = QHBoxLayout()
        for w in (self.run_btn, self.fwd_btn, self.back_btn, self.stop_btn):
            w.setSizePolicy(QSizePolicy.Policy.Minimum, QSizePolicy.Policy.Fixed)  # never narrower than the text
            bar.addWidget(w)
        bar.addStretch(1)
        lay.addLayout(bar)
        # the override under the buttons: beside them it squeezed their text in a narrow pane
        state = QHBoxLayout()
        state.addWidget(self.where, 1)
        state.addWidget(self.override_label, 0, Qt.AlignmentFlag.AlignTop)
        state.addWidget(self.override, 0, Qt.AlignmentFlag.AlignTop)
        lay.addLayout(state)
        lay.addWidget(self.alarms)
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self.frame)
        self._update_buttons()

    # ------------------------------------------------------------------ problems
    def set_problems(self, diagnostics: list[Any], other: list[Problem] | None = None) -> None:
        self.problems = problems_from(diagnostics) + list(other or [])
        self.editor.set_errors([(p.line, p.column, p.text()) for p in self.problems if p.line])
        self.errors.set_problems(self.problems)
        self._update_buttons()

    # ------------------------------------------------------------------ planning
    def invalidate(self) -> None:
        """The program, the points or the arm's pose changed: the next Run or Step plans again (a plan under way
        is for the old inputs: when it lands it is planned again, the click it serves still pending)."""
        self._inputs += 1
        self._halt()
        self.run, self.run_key = None, None
        self.step_index, self.t = -1, 0.0
        self.editor.set_running_line(None)
        self.alarms.clear()
        self.alarms.hide()
        self.run_changed.emit(None)
        self._update_buttons()

    def _key(self) -> tuple[str, int]:
        return self.editor.toPlainText(), self.override.value()

    def request(self, action: str) -> None:
        """Carry out ``action`` ("run" or "step") on a run planned for the current inputs, planning it first
        (in the background) if needed. A click while a plan is under way does not start a second one."""
        if self.pending is not None:
            return
        if self.run is not None and self.run_key == self._key():
            self._act(action)
            return
        if self.problems:
            return
        self.pending = action
        if self.planning:  # a plan cancelled by Stop is still in the worker: it serves this click (or is redone)
            self._update_buttons()
            return
        self._start_plan()

    def _start_plan(self) -> None:
        key, inputs = self._key(), self._inputs
        try:
            work = self.plan(key[0], key[1] / 100.0)  # the inputs snapshotted here, on the GUI thread
        except Exception as exc:  # noqa: BLE001 - any refusal (program, scenario) is shown, never raised
            self._refused(exc)
            return
        self.planning = True
        self._update_buttons()
        self.background(work, lambda run: self._landed(run, None, key, inputs),
                        lambda exc: self._landed(None, exc, key, inputs))

    def _landed(self, run: Any, exc: Exception | None, key: tuple[str, int], inputs: int) -> None:
        """A plan came back: install it and do what the click asked, if it is still wanted and still current."""
        self.planning = False
        if self.pending is None:  # Stop (or leaving the lab) cancelled the click: the plan is not wanted
            self._update_buttons()
            return
        if (key, inputs) != (self._key(), self._inputs):  # edited, jogged or re-taught meanwhile
            if self.problems:
                self.pending = None
                self._update_buttons()
            else:
                self._start_plan()
            return
        if exc is not None:
            self._refused(exc)
            return
        action, self.pending = self.pending, None
        self.run, self.run_key = run, key
        self.t, self.step_index = 0.0, -1
        self._fill_alarms()
        self.run_changed.emit(run)
        self._act(action)

    def _refused(self, exc: Exception) -> None:
        from app.ui.labs.problem_list import problems_of

        self.pending, self.planning = None, False
        self.set_problems([], problems_of(exc))

    def _act(self, action: str) -> None:
        if action == "run":
            self._run_all()
        else:
            self._step_forward()

    def _fill_alarms(self) -> None:
        self.alarms.clear()
        for a in self.run.alarms:
            item = QListWidgetItem(_("Line {line} at {time} s: {message}").format(
                line=a.line, time=format_decimal(a.time, 2), message=alarm_text(a)))
            item.setData(Qt.ItemDataRole.UserRole, a.line)
            self.alarms.addItem(item)
        self.alarms.setVisible(bool(self.run.alarms))

    def _alarm_clicked(self, item: QListWidgetItem) -> None:
        line = item.data(Qt.ItemDataRole.UserRole)
        if isinstance(line, int) and line > 0:
            self.editor.goto(line, 0)

    # ------------------------------------------------------------------ run, step, stop
    def run_all(self) -> None:
        self.request("run")

    def step_forward(self) -> None:
        self.request("step")

    def _run_all(self) -> None:
        if self.t >= self.run.cycle_time:
            self.t = 0.0
        self.stepping, self.step_index = False, -1
        self._go(self.run.cycle_time)

    def _step_forward(self) -> None:
        executed = self.run.executed
        if self.step_index >= 0:
            k = self.step_index + 1
        else:
            k = 0 if self.t <= 0 else self._entry_at(self.t) + 1
        if k >= len(executed):
            return
        self.step_index, self.stepping = k, True
        line, _t0, t1 = executed[k]
        self.editor.set_running_line(line)
        self._go(max(t1, self.t))

    def step_back(self) -> None:
        if self.run is None:
            return
        motion = self.run.motion_lines
        executed = self.run.executed
        # the latest motion statement begun before the cursor: back to its start (through it, backwards)
        k = self.step_index if self.step_index >= 0 else self._entry_at(self.t)
        while k >= 0 and (executed[k][0] not in motion or executed[k][1] >= self.t - 1e-9):
            k -= 1
        if k < 0:
            return
        self.step_index, self.stepping = k, True
        self.editor.set_running_line(executed[k][0])
        self._go(executed[k][1])

    def stop(self) -> None:
        """Stop the cursor and cancel a click still waiting for its plan."""
        self.pending = None
        self._halt()

    def _halt(self) -> None:
        self.goal = None
        self.waiting = False
        self.timer.stop()
        self._update_buttons()

    def _go(self, goal: float) -> None:
        self.goal = goal
        self.timer.start()
        self._update_buttons()
        self.frame()

    def _entry_at(self, t: float) -> int:
        """The last executed entry started at or before ``t`` (−1 before the first)."""
        k = -1
        for i, (_line, t0, _t1) in enumerate(self.run.executed):
            if t0 <= t + 1e-9:
                k = i
        return k

    def frame(self) -> None:
        """One animation frame: the cursor moves toward the goal by a frame's time (unless held back)."""
        if self.run is None or self.goal is None:
            self.timer.stop()
            return
        self.waiting = not self.may_move()
        if not self.waiting:
            step = FRAME_MS / 1000.0 * self.speed
            self.t = min(self.goal, self.t + step) if self.goal >= self.t else max(self.goal, self.t - step)
        self.show_cursor()
        if abs(self.t - self.goal) < 1e-12:
            self.goal = None
            self.timer.stop()
        self._update_buttons()

    def show_cursor(self) -> None:
        traj = self.run.trajectory
        if not len(traj.t):
            return
        i = self.run.sample_at(self.t)
        if not self.stepping:  # a step keeps its own statement highlighted
            self.editor.set_running_line(int(traj.line[i]))
        self.pose.emit(traj.q[i], self.t)

    def _update_buttons(self) -> None:
        moving = self.goal is not None
        busy = moving or self.pending is not None
        ok = not self.problems
        self.run_btn.setEnabled(ok and not busy)
        self.fwd_btn.setEnabled(ok and not busy)
        self.back_btn.setEnabled(self.run is not None and not busy)
        self.stop_btn.setEnabled(busy)
        self._show_state()

    def _show_state(self) -> None:
        if self.pending is not None:
            self.where.setText(_("Planning the program…"))
        elif self.run is None:
            self.where.setText(_("Not run yet: Run plays the whole program, Step forward one statement."))
        elif self.waiting:
            self.where.setText(self.why_paused() or _("Paused: hold the enabling device in the middle position "
                                                      "(Space) to move in T1 or T2."))
        else:
            n = len(self.run.alarms)
            text = _("Time {t} of {total} s").format(t=format_decimal(self.t, 2),
                                                      total=format_decimal(self.run.cycle_time, 2))
            if n:
                text += " · " + ngettext("{n} alarm", "{n} alarms", n).format(n=n)
            self.where.setText(text)

    # ------------------------------------------------------------------ texts
    def retranslate(self, title: str) -> None:
        self.title.setText(title)
        self.editor.setAccessibleName(title)
        self.run_btn.setText(_("Run"))
        self.run_btn.setToolTip(_("Plan the program from the arm's current position and play it"))
        self.fwd_btn.setText(_("Step forward"))
        self.fwd_btn.setToolTip(_("Execute the next statement"))
        self.back_btn.setText(_("Step back"))
        self.back_btn.setToolTip(_("Go back to the start of the previous motion statement"))
        self.stop_btn.setText(_("Stop"))
        self.override_label.setText(pgettext("pendant", "Override"))  # the speed override, as on the pendant
        self.override.setToolTip(_("Speed override: the program's speeds are scaled by this percentage"))
        self.errors.retranslate()
        if self.run is not None:
            self._fill_alarms()
        self._show_state()

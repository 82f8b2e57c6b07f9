"""Run and Step plan the program off the GUI thread (issue 20: the main thread never blocked > 33 ms): while the
plan is in the worker the lab stays live (timers tick, the pendant jogs), the buttons say it is planning, a second
click starts no second plan, Stop cancels the click, and a plan made for inputs that changed meanwhile is made again.

The worker's planning is held at a gate the test opens, so "during the plan" is an observable state, not a race.
"""

from __future__ import annotations

import threading

import numpy as np
from PySide6.QtCore import Qt, QTimer

from simulators.robot.arm import runner
from tests.arm_lab_course import GOOD
from tests.ui.test_arm_lab import LEFT, course, open_arm_lab, planned, settled, teach_pal_and_jog_away, type_program
from tests.ui.test_pendant import _ticks

__all__ = ["course"]  # the fixture, shared


def _gated(monkeypatch):
    """``program_run`` held until the gate opens; the inputs of each plan recorded (on the worker thread)."""
    gate, calls, real = threading.Event(), [], runner.program_run

    def program_run(sc, env, session, log):
        calls.append(np.array(session.joints))
        assert gate.wait(30), "the test never opened the gate"
        return real(sc, env, session, log)

    monkeypatch.setattr(runner, "program_run", program_run)
    return gate, calls


def test_the_lab_stays_live_while_a_program_is_planned(qtbot, ctx, trainee, course, monkeypatch):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    pane, panel = view.program, view.pendant
    gate, calls = _gated(monkeypatch)
    ticks = []
    timer = QTimer(interval=5)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    qtbot.mouseClick(pane.run_btn, LEFT)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10_000)  # the worker is planning (and held)
    assert pane.planning and pane.run is None
    assert not pane.run_btn.isEnabled() and not pane.fwd_btn.isEnabled() and pane.stop_btn.isEnabled()
    assert pane.where.text() == "Planning the program…"
    qtbot.mouseClick(pane.run_btn, LEFT)  # a second click (disabled, and refused if it got through)
    pane.run_all()
    seen = len(ticks)
    qtbot.waitUntil(lambda: len(ticks) >= seen + 5, timeout=10_000)  # the GUI thread's timers keep ticking
    # the pendant still jogs while the plan is under way: the arm moves, the 3D view follows it
    before = panel.session.q.copy()
    panel.setFocus()
    qtbot.keyPress(panel, Qt.Key.Key_W)  # J2 + while held
    _ticks(panel, 40)
    qtbot.keyRelease(panel, Qt.Key.Key_W)
    _ticks(panel, 2)
    assert not np.allclose(panel.session.q, before)
    assert np.allclose(view.view3d.scene.q, panel.session.q)
    assert len(calls) == 1 and pane.pending == "run"  # one plan, the click still waiting for it
    gate.set()
    # the first plan was for the old pose: it is planned again from the new one, then run
    qtbot.waitUntil(lambda: planned(pane), timeout=20_000)
    timer.stop()
    assert len(calls) == 2 and np.allclose(calls[1], panel.session.q)
    assert np.allclose(pane.run.trajectory.q[0], panel.session.q)
    qtbot.waitUntil(lambda: settled(pane), timeout=20_000)
    assert pane.t == pane.run.cycle_time and pane.editor.running_line == 8


def test_stop_cancels_a_click_waiting_for_its_plan(qtbot, ctx, trainee, course, monkeypatch):
    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    pane = view.program
    gate, calls = _gated(monkeypatch)
    qtbot.mouseClick(pane.fwd_btn, LEFT)
    qtbot.waitUntil(lambda: len(calls) == 1, timeout=10_000)
    qtbot.mouseClick(pane.stop_btn, LEFT)
    assert pane.pending is None and pane.run_btn.isEnabled() and not pane.stop_btn.isEnabled()
    # clicked again while that plan is still in the worker: it waits for it, no second plan; then stopped again
    qtbot.mouseClick(pane.run_btn, LEFT)
    assert pane.pending == "run" and not pane.run_btn.isEnabled() and len(calls) == 1
    qtbot.mouseClick(pane.stop_btn, LEFT)
    assert pane.pending is None
    gate.set()
    qtbot.waitUntil(lambda: not pane.planning, timeout=20_000)
    qtbot.wait(50)
    assert pane.run is None and pane.goal is None and pane.editor.running_line is None and len(calls) == 1
    # a new click plans and steps (the gate is open now)
    qtbot.mouseClick(pane.fwd_btn, LEFT)
    qtbot.waitUntil(lambda: settled(pane) and pane.run is not None, timeout=20_000)
    assert pane.editor.running_line == 1 and len(calls) == 2


def test_a_refused_plan_lands_in_the_problem_list(qtbot, ctx, trainee, course, monkeypatch):
    from simulators.errors import ScenarioError

    view = open_arm_lab(qtbot, ctx, trainee, course)
    teach_pal_and_jog_away(qtbot, view)
    type_program(qtbot, view, GOOD)
    pane = view.program

    def refuse(sc, env, session, log):
        raise ScenarioError("program", "the cell refuses this program")

    monkeypatch.setattr(runner, "program_run", refuse)
    qtbot.mouseClick(pane.run_btn, LEFT)
    qtbot.waitUntil(lambda: bool(pane.problems), timeout=20_000)
    assert pane.pending is None and pane.run is None and pane.goal is None
    assert pane.errors.count() == 1 and not pane.run_btn.isEnabled()

"""Responsiveness of the live lab views (offscreen), each against a bare pyqtgraph floor in the same run.

Two views:

* the line lab on ``unreliable-robot-line`` run as fast as possible (6 curves × 12,001 points at the
  end, the Gantt chart, the line diagram, the objectives and the clock);
* the robot lab (``pick-place/cycle-time-lab``): its cell view (top and side view of the path, the TCP
  marker) while the cycle replays in real time with the executing line highlighted in the editor.
  The app has no 3D cell view yet (issue 24 plans one); this is the robot view that animates today.

Measured on the GUI thread:

* frame time: every stretch the main thread is busy (simulation slice, plot updates, painting),
  seen by a 0 ms probe timer that fires whenever the event loop is idle; p95 over the run;
* the longest such stretch (goal ≤ 33 ms: the app never feels frozen);
* frames/s: paints of the plots (goal ≥ 60).

Each stretch is timed in wall time and in the main thread's CPU time. On the shared 2-core machine the
wall figures mostly measure the other jobs (the bare floor misses 60 fps too when the load is high);
the CPU figures are what our code costs. Lab and floor alternate (A B A B …) and medians are reported.

The floor is a bare pyqtgraph widget showing the same items (the line lab: the same number of curves
and points, ``setData`` from a 16 ms timer; the robot view: two plots with the path and a marker moved
every 16 ms).

What bounds the line lab (measured 2026-12-07 on the shared 2-core machine, load average 7-9, CPU ms of
the main thread): a frame is the simulation slice (7 ms of wall time by design, ``live.BUDGET_MS``; the
driver gives it less, down to 2 ms, while ticks come late) plus ~4 ms for everything else: peak-
downsampling all curves to the pixel width in one numpy pass and ``setData`` on ~2 points per pixel
column (~0.5 ms), painting the plots (~1-2.5 ms), the Gantt (~0.2 ms), and at 10 Hz the diagram,
objectives and clock (~1.5 ms). That is ~11 ms of a 16 ms frame: on a core of its own the driver's
16 ms timer (62.5/s) is the cap. The frame is drawn in the event loop's turn after the slice, so
the longest CPU stretches are 10-17 ms: the few frames whose rate axis grows to the next round value
(the axis and its grid are drawn again, ~6-9 ms). With the machine loaded, the wall figures follow
the load: the bare floor reaches only 30-50 fps and has blocks of 40-80 ms then, and our frames/s
(35-50 in five runs) and longest block (33-104 ms) vary with it. Before and after this work, run
alternately on the same load (average 6; lab views of commit 0921391 vs 88899cd, same simulators):
35-38 → 55 fps (floor 59-61), p95 busy stretch 29-42 → 12 ms, longest 49-94 → 22-28 ms, longest in
CPU 18-20 → 9-10 ms. At load average ~5 (floor 62 fps): 59.2 and 60.2 fps, p95 8-10 ms, longest block
31 and 12 ms (robot view: 61-62 fps, longest block in CPU ≤ 4 ms).
"""

from __future__ import annotations

import os
import statistics
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from tests.benchmarks._report import report

RUNS = 3
GOAL_BLOCK_MS = 33.0
GOAL_FPS = 60.0
REPLAY_S = 3.0     # robot view: seconds of replay measured per run
FLOOR_S = 2.5      # seconds of floor per run


class Probe(QObject):
    """Busy stretches of the main thread (gaps between idle-time timer shots, wall and CPU) and paint counts."""

    def __init__(self, painted: QObject) -> None:
        super().__init__()
        self.timer = QTimer()
        self.timer.setInterval(0)
        self.timer.timeout.connect(self._idle)
        self.gaps: list[tuple[float, float]] = []
        self.paints = 0
        self.wall = 0.0
        self._last = (0.0, 0.0)
        self._t0 = 0.0
        painted.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint and self.timer.isActive():
            self.paints += 1
        return False

    def start(self) -> None:
        self._t0 = time.perf_counter()
        self._last = (self._t0, time.thread_time())
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        self.wall += time.perf_counter() - self._t0

    def _idle(self) -> None:
        now = (time.perf_counter(), time.thread_time())
        self.gaps.append(((now[0] - self._last[0]) * 1000.0, (now[1] - self._last[1]) * 1000.0))
        self._last = now

    def busy(self) -> tuple[list[float], list[float]]:
        """(wall, CPU) ms of the stretches longer than an idle loop turn (0.5 ms wall)."""
        kept = [g for g in self.gaps if g[0] > 0.5]
        return [g[0] for g in kept], [g[1] for g in kept]

    def fps(self) -> float:
        return self.paints / self.wall if self.wall else 0.0


def p95(values: list[float]) -> float:
    return float(np.percentile(values, 95)) if values else 0.0


class Figures:
    """Per-run figures of one side (lab or floor); medians over the runs."""

    def __init__(self) -> None:
        self.runs: list[dict[str, float]] = []

    def add(self, probe: Probe, sim_cpu_s: float = 0.0) -> None:
        wall, cpu = probe.busy()
        frames = max(1, probe.paints)
        self.runs.append({"p95": p95(wall), "p95_cpu": p95(cpu), "block": max(wall, default=0.0),
                          "block_cpu": max(cpu, default=0.0), "fps": probe.fps(),
                          "cpu_frame": sum(cpu) / frames, "render_cpu_frame": (sum(cpu) - sim_cpu_s * 1000) / frames})

    def __getitem__(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs)


def _context(tmp_path):
    from app.context import AppContext
    from app.storage.models import Role

    ctx = AppContext.open(tmp_path / "data")
    admin = ctx.accounts.create_first_admin("admin", "Admin", "admin-pass")
    ctx.accounts.add_user(admin, "bench", "Bench", Role.TRAINEE, "bench-pass")
    return ctx, ctx.accounts.authenticate("bench", "bench-pass")


def _lab_view(ctx, actor, step_path: str):
    from app.ui.labs.registry import make_lab_view

    course = ctx.library.get("industrial-robot-operation")
    step = course.step(step_path)
    return make_lab_view(ctx, actor, course, course.module(step_path.split("/")[0]), step)


def _spin(app: QApplication, n: int) -> None:
    for _i in range(n):
        app.processEvents()


def _run_line_lab(app: QApplication, view) -> tuple[Probe, list[float], int, float]:
    """One run as fast as possible: (probe, tick wall ms, samples per series, simulation CPU s)."""
    probe = Probe(view.plots.viewport())
    view.reset_run()
    view.speed.setCurrentIndex(view.speed.count() - 1)  # as fast as possible
    _spin(app, 20)
    # The simulation's share of the main thread's CPU: advancing the runner and taking its samples.
    runner, driver, sim_cpu = view.runner, view.driver, [0.0]

    def timed(fn):
        def call(*args):
            c0 = time.thread_time()
            try:
                return fn(*args)
            finally:
                sim_cpu[0] += time.thread_time() - c0
        return call

    runner.advance = timed(runner.advance)
    driver.on_sample = timed(driver.on_sample)
    runner.snapshot = timed(runner.snapshot)
    probe.start()
    view.toggle_run()
    while not view.runner.done or view.driver.running:
        app.processEvents()
    _spin(app, 5)   # the last frame
    probe.stop()
    return probe, list(view.driver.tick_ms), view.collector.series.n, sim_cpu[0]


def _floor_plot(app: QApplication, size, curves: int, points: int) -> Probe:
    widget = pg.PlotWidget(background="w")
    widget.resize(size)
    widget.show()
    items = [widget.plot(pen=pg.mkPen(pg.intColor(i), width=1)) for i in range(curves)]
    x = np.linspace(0, 8.5, points)
    rng = np.random.default_rng(1)
    ys = [rng.normal(size=points).cumsum() for _ in range(curves)]
    # Fixed ranges, as the lab's plots have: an autoranging view paints twice in some frames.
    widget.enableAutoRange(enable=False)
    widget.setXRange(0, 8.5, padding=0)
    widget.setYRange(min(y.min() for y in ys), max(y.max() for y in ys) + 7)
    frames = {"n": 0}

    def frame() -> None:
        k = frames["n"] % 7
        for item, y in zip(items, ys):
            item.setData(x, y + k)
        frames["n"] += 1

    return _time_floor(app, widget, frame)


def _floor_cell(app: QApplication, size, path: np.ndarray) -> Probe:
    widget = pg.GraphicsLayoutWidget()
    widget.resize(size)
    widget.show()
    markers = []
    for col, axes in enumerate(((0, 1), (0, 2))):
        plot = widget.addPlot(row=0, col=col)
        plot.setAspectLocked(True)
        plot.plot(path[:, axes[0]], path[:, axes[1]], pen=pg.mkPen("#0072B2", width=2))
        marker = pg.ScatterPlotItem(size=12)
        plot.addItem(marker)
        plot.autoRange(padding=0.12)
        plot.disableAutoRange()   # as the robot view: ranged once for the path
        markers.append((marker, axes))
    frames = {"n": 0}

    def frame() -> None:
        p = path[frames["n"] % len(path)]
        for marker, (a, b) in markers:
            marker.setData([p[a]], [p[b]])
        frames["n"] += 1

    return _time_floor(app, widget, frame)


def _time_floor(app: QApplication, widget, frame) -> Probe:
    probe = Probe(widget.viewport())
    timer = QTimer()
    timer.setInterval(16)
    timer.timeout.connect(frame)
    _spin(app, 10)
    probe.start()
    timer.start()
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < FLOOR_S:
        app.processEvents()
    timer.stop()
    probe.stop()
    widget.close()
    widget.deleteLater()
    _spin(app, 5)
    return probe


def _report(what: str, ours: Figures, floor: Figures, note: str) -> None:
    block_ok = ours["block"] <= GOAL_BLOCK_MS
    fps_ok = ours["fps"] >= GOAL_FPS
    report(f"{what} frame time p95", ours["p95"], floor["p95"], note=note)
    report(f"{what} frame CPU time p95", ours["p95_cpu"], floor["p95_cpu"], note="main-thread CPU per busy stretch")
    report(f"{what} max main-thread block", ours["block"], floor["block"],
           note=f"goal <= {GOAL_BLOCK_MS:.0f} ms: {'met' if block_ok else 'MISSED'} (wall, with the machine's load)")
    report(f"{what} max main-thread block CPU", ours["block_cpu"], floor["block_cpu"],
           note=f"goal <= {GOAL_BLOCK_MS:.0f} ms: {'met' if ours['block_cpu'] <= GOAL_BLOCK_MS else 'MISSED'}")
    report(f"{what} frames per second", ours["fps"], floor["fps"], unit="fps",
           note=f"goal >= {GOAL_FPS:.0f}: {'met' if fps_ok else 'MISSED'}")


def test_lab_ui_frame_time(tmp_path):
    from app.ui.shell.application import make_qapp

    app = make_qapp()
    ctx, actor = _context(tmp_path)
    view = _lab_view(ctx, actor, "maintenance/downtime-buffer-lab")
    assert view.lab.scenario == "unreliable-robot-line"
    ours, floor, ticks = Figures(), Figures(), []
    try:
        view.resize(1150, 700)
        view.show()
        _spin(app, 30)
        curves = 1 + len(view.panels.buffer_curves)
        for _run in range(RUNS):
            probe, run_ticks, points, sim_cpu = _run_line_lab(app, view)
            ours.add(probe, sim_cpu)
            ticks += run_ticks
            floor.add(_floor_plot(app, view.plots.size(), curves, points))
    finally:
        view.driver.pause()
        view.close()
        ctx.close()
    assert points >= 10_000, points
    _report("lab UI", ours, floor,
            note=f"{curves} curves x {points} points + Gantt + line diagram; floor: bare PlotWidget setData")
    report("lab UI simulation tick p95", p95(ticks), statistics.median(ticks),
           note=f"floor column = median tick; max tick {max(ticks):.1f} ms")
    # What a frame costs on a core of its own: the simulation's wall budget plus the CPU of everything else.
    from app.ui.labs.live import BUDGET_MS, INTERVAL_MS

    render = ours["render_cpu_frame"]
    projected = min(1000.0 / INTERVAL_MS, 1000.0 / (BUDGET_MS + render))
    report("lab UI render CPU per frame", render, floor["cpu_frame"],
           note=f"all but the simulation (plots, Gantt, diagram, objectives, clock, painting); floor: bare "
                f"PlotWidget's CPU per frame; on an idle core {BUDGET_MS:.0f} ms simulation + this = "
                f"{projected:.0f} fps (timer cap {1000 / INTERVAL_MS:.1f})")


def test_robot_view_frame_time(tmp_path):
    from app.ui.shell.application import make_qapp

    app = make_qapp()
    ctx, actor = _context(tmp_path)
    view = _lab_view(ctx, actor, "pick-place/cycle-time-lab")
    ours, floor = Figures(), Figures()
    try:
        view.resize(1150, 700)
        view.show()
        _spin(app, 30)
        view.run_program()
        deadline = time.perf_counter() + 60
        while view.result is None and time.perf_counter() < deadline:
            app.processEvents()
        assert view.result is not None, "the robot program did not run"
        view.replay.pause()
        path = np.asarray([p[1:4] for p in view.result.path], dtype=float)
        for _run in range(RUNS):
            probe = Probe(view.path_view.plots.viewport())
            view.start_replay()
            probe.start()
            t0 = time.perf_counter()
            while view.replay.running and time.perf_counter() - t0 < REPLAY_S:
                app.processEvents()
            probe.stop()
            view.replay.pause()
            ours.add(probe)
            floor.add(_floor_cell(app, view.path_view.plots.size(), path))
    finally:
        view.replay.pause()
        view.close()
        ctx.close()
    _report("robot view", ours, floor,
            note=f"replay at x1, path of {len(path)} points in top and side view + TCP marker + editor line; "
                 "floor: bare plots with a moving marker")

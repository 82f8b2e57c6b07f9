"""Running a simulator live in the GUI thread without blocking it, and collecting what the plots show.

``LiveDriver`` advances a runner from a QTimer in time slices: each tick gets a
wall-clock budget (``BUDGET_MS``; down to ``MIN_BUDGET_MS`` while ticks come late,
so frames keep their rate on a loaded machine) and the driver measures the cost of
sim time as it goes, so slices shrink on a busy model and grow on a quiet one. The
collectors turn runner events and snapshots into numpy series and live metric
estimates ("so far"); the final metrics always come from ``runner.result()``.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from app.ui.labs.line_diagram import display_name
from app.ui.labs.plots import Series, StateTimeline

BUDGET_MS = 7.0      # simulation work per tick; the rest of a frame is for plots and painting
MIN_BUDGET_MS = 2.0  # what the simulation keeps when frames run late (a loaded machine)
INTERVAL_MS = 16     # ~60 ticks/s when there is time for them
LATE = 1.15          # a tick is late when it comes more than 15 % after the interval
MAX_CATCH_UP_S = 0.25

_frozen = 0


def _freeze_heap() -> None:
    """Keep the full garbage collections short while a run is live.

    A generation-2 collection walks every object of the app (>100 ms here); with the
    objects that exist when the run starts frozen, it only walks what the run creates.
    """
    global _frozen
    if _frozen == 0:
        gc.freeze()
    _frozen += 1


def _release(hold: list[bool]) -> None:
    if hold[0]:
        hold[0] = False
        _thaw_heap()


def _thaw_heap() -> None:
    global _frozen
    if _frozen > 0:
        _frozen -= 1
        if _frozen == 0:
            gc.unfreeze()


class LiveDriver(QObject):
    """Drives ``runner`` toward wall-clock time × ``speed`` (sim units per second; None = as fast as possible).

    ``on_sample(snapshot)`` is called at every multiple of ``sample_step`` of sim time; ``ticked`` is emitted
    after each tick (update the plots there), ``finished`` when the runner is done and ``failed(exc)`` when
    the simulator stops the run with an error (the driver pauses; an exception must not escape a timer).
    ``tick_ms`` keeps the duration of every tick (simulation + the ``ticked`` handlers).
    """

    ticked = Signal()
    finished = Signal()
    failed = Signal(object)  # the simulator refused to go on (e.g. its work budget per run): paused, never raised

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(INTERVAL_MS)
        self.timer.timeout.connect(self.tick)
        self.runner: Any = None
        self.speed: float | None = None
        self.sample_step: float | None = None
        self.on_sample: Callable[[dict[str, Any]], None] | None = None
        self.next_sample = 0.0
        self.tick_ms: list[float] = []
        self._cost: float | None = None  # wall seconds per unit of sim time
        self._last_wall = 0.0
        self._last_tick = 0.0
        self.budget_ms = BUDGET_MS
        self._hold = [False]  # whether this driver froze the heap (released even if it is deleted running)
        self.destroyed.connect(lambda *_a, hold=self._hold: _release(hold))

    def attach(self, runner: Any, sample_step: float | None = None,
               on_sample: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.pause()
        self.runner = runner
        self.sample_step = sample_step
        self.on_sample = on_sample
        self.next_sample = 0.0
        self._cost = None
        self.tick_ms.clear()
        if on_sample is not None and sample_step:
            self._take_samples()

    @property
    def running(self) -> bool:
        return self.timer.isActive()

    def start(self) -> None:
        if self.runner is None or self.runner.done:
            return
        self._last_wall = time.perf_counter()
        self._last_tick = 0.0
        if not self._hold[0]:
            self._hold[0] = True
            _freeze_heap()
        self.timer.start()

    def pause(self) -> None:
        self.timer.stop()
        _release(self._hold)

    def set_speed(self, speed: float | None) -> None:
        self.speed = speed
        self._last_wall = time.perf_counter()

    def _take_samples(self) -> None:
        r = self.runner
        eps = 1e-9 * max(1.0, r.end_time)
        while self.next_sample <= r.now + eps and self.next_sample <= r.end_time + eps:
            self.on_sample(r.snapshot())
            self.next_sample += self.sample_step

    def tick(self) -> None:
        """One slice of simulation within the budget, then ``ticked`` (the timer calls this)."""
        start = time.perf_counter()
        r = self.runner
        if r is None:
            self.pause()
            return
        # Frames first: when ticks come late (painting and the rest of the frame took longer than the
        # interval, e.g. on a loaded machine), the simulation's slice shrinks; it grows back when they are on time.
        if self._last_tick and (start - self._last_tick) * 1000.0 > INTERVAL_MS * LATE:
            self.budget_ms = max(MIN_BUDGET_MS, self.budget_ms * 0.75)
        else:
            self.budget_ms = min(BUDGET_MS, self.budget_ms + 0.5)
        self._last_tick = start
        deadline = start + self.budget_ms / 1000.0
        if self.speed is None:
            target = r.end_time
        else:
            wall = min(start - self._last_wall, MAX_CATCH_UP_S)
            target = min(r.end_time, r.now + self.speed * wall)
        self._last_wall = start
        sampling = self.on_sample is not None and bool(self.sample_step)
        while r.now < target:
            left = deadline - time.perf_counter()
            if left <= 0:
                break
            if self._cost:
                chunk = max(left * 0.8 / self._cost, r.end_time * 1e-6)
            else:
                chunk = self.sample_step or r.end_time / 2000.0
            stop = min(target, r.now + chunk)
            if sampling:
                stop = min(stop, self.next_sample)
            before, t0 = r.now, time.perf_counter()
            try:
                r.advance(stop)
            except ValueError as exc:  # the simulators' errors (ScenarioError, WorkLimitError) are ValueErrors
                self.pause()
                self.failed.emit(exc)
                return
            spent = time.perf_counter() - t0
            if r.now > before:
                cost = spent / (r.now - before)
                self._cost = cost if self._cost is None else 0.7 * self._cost + 0.3 * cost
            if sampling:
                self._take_samples()
            if stop >= r.end_time:
                break
        self.ticked.emit()
        self.tick_ms.append((time.perf_counter() - start) * 1000.0)
        if r.done:
            self.pause()
            self.finished.emit()


# --- line ---------------------------------------------------------------------------------------

# The simulator's station states in its order (simulators.line.flow_station.FLOW_STATES), as in
# line_diagram.LINE_STATES; the last two occur on order-driven lines only.
LINE_STATES = ("working", "starved", "blocked", "down", "maintenance", "setup", "minor_stop", "reduced_speed")
_LINE_INDEX = {s: i for i, s in enumerate(LINE_STATES)}


class LineCollector:
    """Series for the line plots (output rate, WIP, buffer levels), the state timeline and live metrics."""

    SAMPLES = 12000      # points per series over a whole run
    RATE_WINDOW_S = 900  # output rate: parts finished over the last 15 min of sim time

    def __init__(self, scenario: Any, runner: Any) -> None:
        self.scenario = scenario
        self.runner = runner
        self.warmup = float(scenario.warmup_s)
        self.end = float(runner.end_time)
        self.sample_step = self.end / self.SAMPLES
        self.buffers = [b.name for b in scenario.buffers]
        # columns: output rate, WIP, finished total, then one per buffer
        self.series = Series(3 + len(self.buffers), capacity=self.SAMPLES + 8)
        self.rows: list[tuple[str, int]] = [(st.name, k) for st in scenario.stations for k in range(st.servers)]
        self.row_of = {key: i for i, key in enumerate(self.rows)}
        self.servers = {st.name: st.servers for st in scenario.stations}
        self.timeline: StateTimeline | None = None
        self._window = max(1, round(self.RATE_WINDOW_S / self.sample_step))
        self.reset_stats()
        runner.subscribe(self.on_event)

    def row_labels(self) -> list[str]:
        """The Gantt rows: each station by its label in the UI language, one row per server."""
        names = {st.name: display_name(st) for st in self.scenario.stations}
        return [names[name] if self.servers[name] == 1 else f"{names[name]} {k + 1}" for name, k in self.rows]

    def reset_stats(self) -> None:
        self.series.clear()
        self.state_since: dict[int, tuple[float, int]] = {}
        self.state_acc: dict[str, list[float]] = {name: [0.0] * len(LINE_STATES) for name in self.servers}
        self.lead_sum = 0.0
        self.lead_n = 0
        self.wip_area = 0.0
        self.buffer_area = [0.0] * len(self.buffers)
        self._prev: tuple[float, float, list[float]] | None = None
        self.snapshot: dict[str, Any] | None = None
        if self.timeline is not None:
            self.timeline.clear()

    def start(self) -> None:
        """Read the states at t = 0 (no event announces them)."""
        snap = self.runner.snapshot()
        for name, info in snap["stations"].items():
            for k, state in enumerate(info["servers"]):
                self._enter(self.row_of[(name, k)], 0.0, _LINE_INDEX.get(state, -1))
        self.snapshot = snap

    def _enter(self, row: int, t: float, state: int) -> None:
        prev = self.state_since.get(row)
        if prev is not None and prev[1] >= 0:
            since = max(prev[0], self.warmup)
            if t > since:
                self.state_acc[self.rows[row][0]][prev[1]] += t - since
        self.state_since[row] = (t, state)
        if self.timeline is not None:
            self.timeline.change(row, t, state)

    def on_event(self, ev) -> None:
        kind = ev.kind
        if kind == "state":
            row = self.row_of.get((ev.element, ev.data.get("server", 0)))
            if row is not None:
                self._enter(row, ev.time, _LINE_INDEX.get(ev.data.get("new"), -1))
        elif kind == "part_finished":
            if ev.time >= self.warmup:
                self.lead_sum += float(ev.data.get("lead_time_s", 0.0))
                self.lead_n += 1

    def sample(self, snap: dict[str, Any]) -> None:
        t = snap["time"]
        s = self.series
        finished = float(snap["finished_total"])
        k = min(self._window, s.n)
        if k:
            t_old = s.x[s.n - k]
            f_old = s.y(2)[s.n - k]
            rate = (finished - f_old) / (t - t_old) * 3600.0 if t > t_old else 0.0
        else:
            rate = 0.0
        levels = [float(snap["buffers"].get(b, 0)) for b in self.buffers]
        wip = float(snap["wip"])
        if self._prev is not None:
            t0, wip0, levels0 = self._prev
            a = max(t0, self.warmup)
            if t > a:
                self.wip_area += wip0 * (t - a)
                for i, v in enumerate(levels0):
                    self.buffer_area[i] += v * (t - a)
        self._prev = (t, wip, levels)
        s.append(t, [rate, wip, finished, *levels])
        self.snapshot = snap

    def live_metrics(self) -> dict[str, float]:
        """Estimates of the metrics so far (after the warm-up); the rest appear with the result."""
        snap = self.runner.snapshot()
        self.snapshot = snap
        now = snap["time"]
        elapsed = now - self.warmup
        if elapsed <= 0:
            return {}
        out = {
            "good_parts": float(snap["good_parts"]),
            "scrap": float(snap["scrap_total"]),
            "throughput_per_hour": snap["good_parts"] / elapsed * 3600.0,
        }
        if self._prev is not None:
            t0, wip0, levels0 = self._prev
            tail = now - max(t0, self.warmup)
            out["mean_wip"] = (self.wip_area + wip0 * max(0.0, tail)) / elapsed
            for i, name in enumerate(self.buffers):
                out[f"buffer.{name}.mean_level"] = (self.buffer_area[i] + levels0[i] * max(0.0, tail)) / elapsed
        if self.lead_n:
            out["mean_lead_time_s"] = self.lead_sum / self.lead_n
        acc = {name: list(v) for name, v in self.state_acc.items()}
        for row, (since, state) in self.state_since.items():
            if state >= 0 and now > max(since, self.warmup):
                acc[self.rows[row][0]][state] += now - max(since, self.warmup)
        for name, info in snap["stations"].items():
            total = self.servers[name] * elapsed
            for i, state in enumerate(LINE_STATES):
                out[f"station.{name}.{state}"] = acc[name][i] / total
            out[f"station.{name}.produced"] = float(info["produced"])
            out[f"station.{name}.failures"] = float(info["failures"])
            out[f"station.{name}.scrap"] = float(info["scrap"])
        return out


# --- maintenance ------------------------------------------------------------------------------

SIGNALS = ("vibration", "temperature", "current")
MACHINE_STATES = ("running", "down", "planned_replacement", "inspection")
MARKER_KINDS = ("alarm", "failure", "planned_replacement", "false_alarm")
_AFTER_EVENT = {"failure": 1, "planned_replacement": 2, "false_alarm": 3, "back_in_service": 0}


class MaintenanceCollector:
    """Sensor series per machine, event markers, machine-state timeline and live counters."""

    def __init__(self, scenario: Any, runner: Any) -> None:
        self.scenario = scenario
        self.runner = runner
        self.machines = [f"M{i + 1}" for i in range(scenario.machines)]
        expected = int(scenario.horizon_h / scenario.sample_interval_h) + 8
        self.series = {name: Series(len(SIGNALS), capacity=expected) for name in self.machines}
        self.markers = {kind: Series(2, capacity=64) for kind in MARKER_KINDS}  # y: signal value, machine
        self.timeline: StateTimeline | None = None
        self.signal = getattr(scenario.policy, "signal", "vibration")
        self.snapshot: dict[str, Any] | None = None
        runner.subscribe(self.on_event)

    def reset_stats(self) -> None:
        for s in self.series.values():
            s.clear()
        for s in self.markers.values():
            s.clear()
        if self.timeline is not None:
            self.timeline.clear()
        self.snapshot = None

    def start(self) -> None:
        snap = self.runner.snapshot()
        for i, name in enumerate(self.machines):
            state = snap["machines"].get(name, {}).get("state", "running")
            if self.timeline is not None:
                self.timeline.change(i, 0.0, MACHINE_STATES.index(state) if state in MACHINE_STATES else 0)
        self.snapshot = snap

    def on_event(self, ev) -> None:
        kind = ev.kind
        if kind == "reading":
            s = self.series.get(ev.element)
            if s is not None:
                d = ev.data
                s.append(ev.time, [d["vibration"], d["temperature"], d["current"]])
            return
        if kind in MARKER_KINDS:
            s = self.series.get(ev.element)
            value = s.last(SIGNALS.index(self.signal)) if s is not None else None
            self.markers[kind].append(ev.time, [value if value is not None else 0.0,
                                                self.machines.index(ev.element) if ev.element in self.machines
                                                else 0])
        if kind in _AFTER_EVENT and self.timeline is not None and ev.element in self.machines:
            self.timeline.change(self.machines.index(ev.element), ev.time, _AFTER_EVENT[kind])

    def live_metrics(self) -> dict[str, float]:
        snap = self.runner.snapshot()
        self.snapshot = snap
        now = snap["time"]
        c = snap["counters"]
        out = {k: float(c[k]) for k in ("unplanned_failures", "planned_stops", "false_alarms", "missed_failures",
                                         "alarms", "replacements", "downtime_h", "unplanned_downtime_h",
                                         "planned_downtime_h") if k in c}
        costs = self.scenario.costs
        if all(k in c for k in ("downtime_h", "unplanned_failures", "replacements")):
            downtime = c["downtime_h"] * costs.downtime_per_h
            repair = (c["unplanned_failures"] * costs.corrective_repair
                      + c.get("planned_replacements", 0) * costs.planned_repair
                      + c.get("inspections", 0) * costs.inspection)
            spares = c["replacements"] * costs.spare_part
            out.update({"downtime_cost": downtime, "repair_cost": repair, "spare_parts_cost": spares,
                        "total_cost": downtime + repair + spares})
        if now > 0 and "downtime_h" in c:
            out["availability"] = 1.0 - c["downtime_h"] / (len(self.machines) * now)
        return out

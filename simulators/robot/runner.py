"""Robot cell results and a steppable replay of the executed program."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from simulators.events import SimEvent, Subscriber
from simulators.robot.model import CellOutcome, ProtectiveStop, Step, Violation, simulate_cell
from simulators.robot.scenario import RobotCellScenario
from simulators.stepping import EventReplayRunner

ROBOT_METRICS = frozenset(
    {"cycle_time_s", "violations", "protective_stops", "stopped_s", "parts_per_hour", "parts_per_cycle",
     "path_length_mm", "max_tcp_speed_mm_s", "moves"}
)


@dataclass
class RobotResult:
    kind: str
    seed: int
    replication: int
    metrics: dict[str, float]
    cycle_time_s: float
    path: list[tuple[float, float, float, float, bool]]
    violations: list[Violation]
    steps: list[Step] = field(default_factory=list)
    io_log: list[tuple[float, str, bool]] = field(default_factory=list)
    protective_stops: list[ProtectiveStop] = field(default_factory=list)


def _result(outcome: CellOutcome, seed: int, replication: int) -> RobotResult:
    ct = outcome.cycle_time_s
    metrics = {
        "cycle_time_s": ct,
        "violations": float(outcome.violation_count),  # the program's own faults (path near the base, J1 swing)
        "protective_stops": float(len(outcome.protective_stops)),  # the safety controller stopped the robot
        "stopped_s": outcome.stopped_s,
        "parts_per_cycle": float(outcome.parts_per_cycle),
        "parts_per_hour": outcome.parts_per_cycle * 3600.0 / ct if ct > 0 else 0.0,
        "path_length_mm": outcome.path_length_mm,
        "max_tcp_speed_mm_s": outcome.max_tcp_speed_mm_s,
        "moves": float(outcome.moves),
    }
    return RobotResult("robot_cell", seed, replication, metrics, ct, outcome.path, outcome.violations,
                       outcome.steps, outcome.io_log, outcome.protective_stops)


class RobotRunner(EventReplayRunner["RobotResult"]):
    """Replays one program cycle in sim time: events per executed line, path position in snapshots.

    The robot cell is deterministic: the seed only labels the result.
    """

    kind = "robot_cell"

    def __init__(self, scenario: RobotCellScenario, seed: int, replication: int = 0) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self._outcome = simulate_cell(scenario)
        self._times = [p[0] for p in self._outcome.path]
        self._events = self._timeline()
        self._subscribers: list[Subscriber] = []
        self.reset()

    def _timeline(self) -> list[SimEvent]:
        events = [SimEvent(s.start_s, "step", f"line {s.line}", {"line": s.line, "what": s.what, "end_s": s.end_s})
                  for s in self._outcome.steps]
        events += [SimEvent(v.time_s, "violation", f"line {v.line}",
                            {"line": v.line, "message": v.message, "code": v.code, "args": dict(v.args)})
                   for v in self._outcome.violations]
        events += [SimEvent(p.time_s, "protective_stop", f"line {p.line}",
                            {"line": p.line, "device": p.device, "reason": p.reason, "held_s": p.held_s})
                   for p in self._outcome.protective_stops]
        events += [SimEvent(t, "output", name, {"on": on}) for t, name, on in self._outcome.io_log]
        events.sort(key=lambda e: (e.time, e.kind != "step"))
        return events

    @property
    def end_time(self) -> float:
        return self._outcome.cycle_time_s

    def snapshot(self) -> dict[str, Any]:
        """TCP position and gripper at ``now``, the current line, parts placed and violations so far."""
        path = self._outcome.path
        i = max(0, bisect.bisect_right(self._times, self._now) - 1)
        t0, x, y, z, grip = path[i]
        if i + 1 < len(path) and path[i + 1][0] > t0:
            t1, x1, y1, z1, _ = path[i + 1]
            f = (self._now - t0) / (t1 - t0)
            x, y, z = x + f * (x1 - x), y + f * (y1 - y), z + f * (z1 - z)
        current = None
        for s in self._outcome.steps:
            if s.start_s <= self._now:
                current = s
            else:
                break
        return {
            "time": self._now,
            "tcp": (x, y, z),
            "gripper_closed": grip,
            "line": current.line if current else None,
            "instruction": current.what if current else None,
            "parts_placed": sum(1 for s in self._outcome.steps if s.what == "RELEASE" and s.end_s <= self._now),
            "violations": [str(v) for v in self._outcome.violations if v.time_s <= self._now],
            "protective_stops": [str(p) for p in self._outcome.protective_stops if p.time_s <= self._now],
            "stopped": any(p.time_s <= self._now < p.time_s + p.held_s for p in self._outcome.protective_stops),
        }

    def result(self) -> RobotResult:
        return _result(self._outcome, self.seed, self.replication)


def run_robot(scenario: RobotCellScenario, seed: int, replication: int = 0) -> RobotResult:
    return RobotRunner(scenario, seed, replication).result()

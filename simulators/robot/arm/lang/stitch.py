"""One run's trajectory from its planner episodes (one per active tool), and the safety controller's cut.

A planner's tool is fixed, so ``TOOL`` starts a new planner from the joints where the last one ended; its
samples follow the previous ones on the same time grid (its first sample, the same pose, is dropped). Each
episode's TCP column is computed with its own tool.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from simulators.robot.arm.lang.runs import RunAlarm
from simulators.robot.arm.motion import MotionAlarm, Planner, Trajectory


@dataclass
class Episode:
    planner: Planner
    tool_name: str | None
    tool: np.ndarray
    offset: float  # program time of its first sample
    entries: list[list[Any] | None] = field(default_factory=list)  # executed entry per planner segment
    trajectory: Trajectory | None = None

    def finish(self) -> None:
        if self.trajectory is None:
            self.trajectory = self.planner.flush()

    @property
    def end(self) -> float:
        assert self.trajectory is not None
        return self.offset + self.trajectory.cycle_time

    def fill_times(self) -> None:
        """The planner's segments, in the order its moves and dwells were added, time the executed entries."""
        assert self.trajectory is not None
        for seg, entry in zip(self.trajectory.segments, self.entries, strict=False):
            if entry is not None:
                entry[1], entry[2] = self.offset + seg.t_start, self.offset + seg.t_end


def _shift(alarm: MotionAlarm, offset: float) -> RunAlarm:
    return RunAlarm(alarm.code, dict(alarm.params), alarm.line, alarm.time + offset)


def stitch(episodes: list[Episode]) -> tuple[Trajectory, list[RunAlarm]]:
    """The run's trajectory (times from the program's start) and the motion alarms as run alarms."""
    trajs = [ep.trajectory for ep in episodes]
    assert all(t is not None for t in trajs)
    alarms = [_shift(m, ep.offset) for ep in episodes for m in ep.trajectory.alarms]  # type: ignore[union-attr]
    if len(episodes) == 1:
        return trajs[0], alarms  # type: ignore[return-value]
    parts = [(ep.trajectory, ep.offset, 0 if i == 0 else 1) for i, ep in enumerate(episodes)]
    t = np.concatenate([tr.t[k:] + off for tr, off, k in parts])  # type: ignore[union-attr]
    q = np.concatenate([tr.q[k:] for tr, _, k in parts])  # type: ignore[union-attr]
    tcp = np.concatenate([tr.tcp[k:] for tr, _, k in parts])  # type: ignore[union-attr]
    line = np.concatenate([tr.line[k:] for tr, _, k in parts])  # type: ignore[union-attr]
    segments = [dataclasses.replace(s, t_start=s.t_start + off, t_end=s.t_end + off)
                for tr, off, _ in parts for s in tr.segments]  # type: ignore[union-attr]
    motion = [dataclasses.replace(m, time=m.time + ep.offset) for ep in episodes
              for m in ep.trajectory.alarms]  # type: ignore[union-attr]
    last = episodes[-1]
    return Trajectory(t, q, tcp, line, motion, segments, last.planner.dt, last.planner.arm, last.tool,
                      last.planner.base), alarms


def cut(trajectory: Trajectory, i: int) -> Trajectory:
    """The samples up to and including ``i`` (the robot stops there)."""
    t_stop = float(trajectory.t[i])
    return Trajectory(trajectory.t[:i + 1], trajectory.q[:i + 1], trajectory.tcp[:i + 1], trajectory.line[:i + 1],
                      [m for m in trajectory.alarms if m.time <= t_stop],
                      [s for s in trajectory.segments if s.t_start <= t_stop], trajectory.dt,
                      trajectory._arm, trajectory._tool, trajectory._base)


def safety_cut(run: Any, trajectory: Trajectory) -> tuple[Trajectory, list[RunAlarm]] | None:
    """The cell's safety controller over the run (an interpreter): None if nothing, else the cut trajectory and
    its alarms."""
    from simulators.robot.arm.cell import ToolGeometry
    from simulators.robot.arm.safety_controller import SafetyController

    setup = run.setup
    controller = SafetyController(setup.cell)
    timeline = list(run.inputs.changes)
    for ep in run.episodes:
        lo = int(np.searchsorted(trajectory.t, ep.offset - 1e-9))
        hi = int(np.searchsorted(trajectory.t, ep.end + 1e-9))
        if hi <= lo:
            continue
        name = ep.tool_name
        geometry = None
        if name is not None:
            geometry = setup.tool_geometry.get(name) or setup.cell.tools.get(name) or ToolGeometry(name, ep.tool)
        controller.reset()
        check = controller.check_trajectory(run.arm, trajectory.q[lo:hi], trajectory.t[lo:hi], tool=geometry,
                                            inputs=timeline, initial_inputs=run.inputs.initial)
        if check.first_sample is None:
            continue
        i = lo + check.first_sample
        line = int(trajectory.line[i])
        if line == 0:  # the start pose itself (no statement yet): blame the first statement that moves
            later = np.nonzero(trajectory.line[i:])[0]
            line = int(trajectory.line[i + later[0]]) if len(later) else 1
        alarms = [RunAlarm(x.code, dict(x.params), line, float(trajectory.t[i])) for x in check.alarms]
        return cut(trajectory, i), alarms
    return None

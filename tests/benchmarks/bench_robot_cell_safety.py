"""Benchmarks of the six-axis cell's collision and safety checks (issue 23), against FK floors in the same run.

* A 60 s pendant session's checks: 6,000 control cycles (capsules + ``SafetyController.check``) in the training
  cell with the gripper, near the table and the loading area; floor: 6,000 single-pose ``Arm.fk`` calls.
* A 30 s program's trajectory: ``check_trajectory`` on 3,000 samples at 10 ms; floor: one batched FK of them.

Segments interleaved (A B A B), CPU-time medians of five rounds (the shared machine's wall time mostly
measures the other jobs).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from simulators.robot.arm import R12_1440, Arm
from simulators.robot.arm.cell import load_cell
from simulators.robot.arm.collision import cell_capsules
from simulators.robot.arm.safety_controller import SafetyController
from tests.benchmarks._report import report

ROUNDS = 5


def _path(n: int) -> np.ndarray:
    """A smooth wander of the arm over the table towards the loading area (deterministic)."""
    rng = np.random.default_rng(23)
    q = np.radians([0, 45, 20, 0, -60, 0]) + np.cumsum(rng.normal(0, 0.002, (n, 6)), 0)
    q[:, 0] = np.linspace(-0.6, 0.5, n)
    return q


def test_control_cycle_checks_of_a_60_s_session() -> None:
    arm, cell = Arm(R12_1440), load_cell("training-cell")
    q = _path(1000)
    ours, floor = [], []
    for _ in range(ROUNDS):
        controller = SafetyController(cell)
        t_ours = t_floor = 0.0
        for _seg in range(6):
            c0 = time.process_time()
            for qi in q:
                controller.check(cell_capsules(cell, arm, qi[None], "gripper"), {5: True})
            t_ours += time.process_time() - c0
            c0 = time.process_time()
            for qi in q:
                arm.fk(qi)
            t_floor += time.process_time() - c0
        ours.append(t_ours * 1000)
        floor.append(t_floor * 1000)
    o = statistics.median(ours)
    report("Safety checks of a 60 s pendant session at 100 Hz, training cell", o, statistics.median(floor),
           "ms CPU", f"{o / 600:.2f} % of real time; floor = 6,000 single-pose FK calls")


def test_trajectory_check_of_a_30_s_program() -> None:
    arm, cell = Arm(R12_1440), load_cell("training-cell")
    q = _path(3000)
    t = np.arange(len(q)) * 0.01
    controller = SafetyController(cell)
    ours, floor = [], []
    for _ in range(ROUNDS):
        c0 = time.process_time()
        result = controller.check_trajectory(arm, q, t, "gripper", [(12.0, 5, True)])
        ours.append((time.process_time() - c0) * 1000)
        c0 = time.process_time()
        arm.fk(q)
        floor.append((time.process_time() - c0) * 1000)
    report("Safety check of a 30 s trajectory (3,000 samples), training cell", statistics.median(ours),
           statistics.median(floor), "ms CPU",
           f"first violation at sample {result.first_sample}; floor = one batched FK of the samples")

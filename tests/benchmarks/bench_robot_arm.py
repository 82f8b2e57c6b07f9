"""Six-axis arm: inverse kinematics per pose (issue 23 goal: ≤ 50 µs median).

Ours: ``Arm.ik`` — all eight closed-form solutions, whole turns fitted, limits checked, nearest to the current
joints chosen — on one pose at a time, as a controller calls it once per interpolation step. Floor: the
bare numpy chain every FK does, six 4×4 matrix products of the same pose, in the same run. Blocks of 200
calls of each are interleaved (A B A B …) and the medians of the per-pose CPU time reported: on the shared
2-core machine the wall time mostly measures the other jobs.

Measured (December 2026, load average ≈ 5.5 on 2 cores): 26–32 µs CPU per pose (R12-1440 / R7-700; the
R7-700 has a1 = 0, so all eight solutions exist more often), floor ≈ 5 µs, ratio 5–6. Wall medians read
65–75 µs because a 200-call block of ours (~6 ms) is preempted by the other jobs far more often than the
floor's ~1 ms block. Where the CPU goes: ~12 µs the eight solutions in plain floats (numpy on 3×3 arrays
would cost ~10× more: ~1 µs per ufunc call; the first version with numpy was ~140 µs), ~15 µs whole-turn
fitting, limit checks and the time-to-reach cost of the eight, the rest the call. The vectorised ``ik_batch``
(tests, trajectory sampling) is ~3.4 µs per pose on 10,000 poses.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from simulators.robot.arm import R7_700, R12_1440, Arm
from tests.benchmarks._report import report

BLOCK = 200
ROUNDS = 15


def _per_call_us(fn, args) -> tuple[float, float]:
    c0, t0 = time.process_time(), time.perf_counter()
    for a in args:
        fn(*a)
    n = len(args)
    return (time.process_time() - c0) / n * 1e6, (time.perf_counter() - t0) / n * 1e6


def test_ik_per_pose_vs_matmul_chain() -> None:
    rng = np.random.default_rng(1)
    for model in (R7_700, R12_1440):
        arm = Arm(model)
        lim = model.limits_rad
        q = rng.uniform(lim[:, 0], lim[:, 1], size=(BLOCK, 6))
        poses = arm.fk(q)
        ours_args = [(poses[i], q[i]) for i in range(BLOCK)]
        chains = [[np.eye(4) + 0.01 * rng.normal(size=(4, 4)) for _ in range(6)] for _ in range(BLOCK)]

        def chain(ms):
            m = ms[0]
            for x in ms[1:]:
                m = m @ x
            return m

        floor_args = [(c,) for c in chains]
        ours_cpu, ours_wall, floor_cpu, floor_wall = [], [], [], []
        for _ in range(ROUNDS):
            c, w = _per_call_us(arm.ik, ours_args)
            ours_cpu.append(c)
            ours_wall.append(w)
            c, w = _per_call_us(chain, floor_args)
            floor_cpu.append(c)
            floor_wall.append(w)
        report(f"IK per pose, {model.label} (goal ≤ 50 µs)", statistics.median(ours_cpu),
               statistics.median(floor_cpu), "µs CPU",
               f"wall medians {statistics.median(ours_wall):.1f} vs {statistics.median(floor_wall):.1f} µs; "
               "floor = six 4x4 numpy products")
        # the timed calls solved the poses: each answer is the joints the pose was made from
        for (pose, x) in ours_args[:20]:
            np.testing.assert_allclose(arm.ik(pose, x), x, atol=1e-7)


def test_ik_batch_per_pose() -> None:
    arm = Arm(R12_1440)
    lim = R12_1440.limits_rad
    q = np.random.default_rng(2).uniform(lim[:, 0], lim[:, 1], size=(10_000, 6))
    poses = arm.fk(q)
    ours, floor = [], []
    for _ in range(5):
        c0 = time.process_time()
        arm.ik_batch(poses)
        ours.append((time.process_time() - c0) / len(q) * 1e6)
        c0 = time.process_time()
        arm.fk(q)
        floor.append((time.process_time() - c0) / len(q) * 1e6)
    report("IK, all 8 solutions, batch of 10,000 poses (per pose)", statistics.median(ours),
           statistics.median(floor), "µs CPU", "floor = batch FK of the same poses")

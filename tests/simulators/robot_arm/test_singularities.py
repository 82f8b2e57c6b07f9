"""Singularity measures on constructed poses: each is zero at its singularity and the threshold decides."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm
from simulators.robot.arm.singularities import DEFAULT_THRESHOLDS, measures, near

MODELS = [R7_700, R12_1440]


def _kinds(arm, q, **th):
    return [s.kind for s in near(arm, q, th or None)]


@pytest.mark.parametrize("model", MODELS)
def test_wrist(model):
    arm = Arm(model)
    q = np.radians([10.0, 20.0, 10.0, 30.0, 0.5, 40.0])
    assert measures(arm, q)["wrist"] == pytest.approx(0.5)
    assert _kinds(arm, q) == ["wrist"]
    q[4] = math.radians(10.0)
    assert _kinds(arm, q) == []
    assert _kinds(arm, q, wrist=12.0) == ["wrist"]


@pytest.mark.parametrize("model", MODELS)
def test_shoulder_wrist_centre_on_the_j1_axis(model):
    arm = Arm(model)
    # J3 = 0: r = a1 + (a2 + a3)·sin J2 + d4·cos J2 = 0  →  J2 = asin(−a1/ρ) − atan2(d4, a2 + a3)
    rho = math.hypot(model.a2 + model.a3, model.d4)
    j2 = math.asin(-model.a1 / rho) - math.atan2(model.d4, model.a2 + model.a3)
    q = np.array([0.4, j2, 0.0, 0.2, 0.7, 0.0])
    assert measures(arm, q)["shoulder"] < 1e-9
    assert _kinds(arm, q) == ["shoulder"]
    q[1] += math.radians(5.0)  # ≈ 5° × 680 mm ≈ 60 mm off the axis
    assert measures(arm, q)["shoulder"] > DEFAULT_THRESHOLDS["shoulder"]
    assert _kinds(arm, q) == []


@pytest.mark.parametrize("model", MODELS)
def test_elbow_stretched(model):
    arm = Arm(model)
    beta = math.atan2(model.a3, model.d4)
    q = np.array([0.0, 0.3, (beta - math.pi / 2) * model.signs[2], 0.0, 0.8, 0.0])
    assert measures(arm, q)["elbow"] < 1e-9
    assert _kinds(arm, q) == ["elbow"]
    # stretched means the wrist centre is exactly a2 + forearm from the shoulder
    wc = arm.wrist_centre(q)
    assert math.hypot(math.hypot(wc[0], wc[1]) - model.a1, wc[2] - model.d1) == pytest.approx(model.a2 + model.forearm)
    q[2] += math.radians(1.0)
    assert measures(arm, q)["elbow"] == pytest.approx(1.0)
    q[2] += math.radians(4.0)
    assert _kinds(arm, q) == []


def test_several_at_once_closest_first():
    arm = Arm(R7_700)
    beta = math.atan2(R7_700.a3, R7_700.d4)
    q = np.array([0.0, 0.3, beta - math.pi / 2 + math.radians(1.5), 0.0, math.radians(0.1), 0.0])
    found = near(arm, q)
    assert [s.kind for s in found] == ["wrist", "elbow"]
    assert found[0].code == "arm.singularity.wrist"


def test_ordinary_pose_is_clear():
    arm = Arm(R12_1440)
    assert near(arm, np.radians([0.0, 0.0, 0.0, 0.0, -90.0, 0.0])) == []

"""FK/IK theory: every configuration round-trips, the nearest solution is the current one, errors name the joint."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm, Configuration, JointLimitError, ReachError
from simulators.robot.arm.frames import make_pose
from simulators.robot.arm.kinematics import wrap
from simulators.robot.arm.orientation import rot_x, rotation_angle

MODELS = [R7_700, R12_1440]


def _random_joints(model, n, seed):
    lim = model.limits_rad
    return np.random.default_rng(seed).uniform(lim[:, 0], lim[:, 1], size=(n, 6))


@pytest.mark.parametrize("model", MODELS)
def test_round_trip_10000_poses_every_configuration(model):
    arm = Arm(model)
    q = _random_joints(model, 10_000, seed=23)
    poses = arm.fk(q)
    sols, reachable = arm.ik_batch(poses)
    assert sols.shape == (10_000, 8, 6)
    # every one of the eight configurations is exercised and reproduces the pose
    assert reachable.sum(axis=0).min() > 1000
    back = arm.fk(np.where(reachable[..., None], sols, 0.0))
    pos_err = np.linalg.norm(back[..., :3, 3] - poses[:, None, :3, 3], axis=-1)[reachable]
    ori_err = rotation_angle(np.swapaxes(back[..., :3, :3], -1, -2) @ poses[:, None, :3, :3])[reachable]
    assert pos_err.max() < 1e-6
    assert ori_err.max() < 1e-9
    # the joints we started from are the solution at the index of their own configuration
    index = np.array([arm.configuration(x).index for x in q])
    assert set(index) == set(range(8))
    own = sols[np.arange(len(q)), index]
    assert np.abs(wrap(own - q)).max() < 1e-7


@pytest.mark.parametrize("model", MODELS)
def test_single_pose_solver_agrees_with_the_batch(model):
    arm = Arm(model)
    q = _random_joints(model, 300, seed=5)
    batch, ok = arm.ik_batch(arm.fk(q))
    for i, x in enumerate(q):
        sols = arm.solutions(arm.fk(x))
        assert [s.configuration.index for s in sols] == list(np.flatnonzero(ok[i]))
        for s in sols:
            assert np.abs(wrap(s.joints - batch[i, s.configuration.index])).max() < 1e-9
            np.testing.assert_allclose(s.joints, arm.fit_turns(batch[i, s.configuration.index]), atol=1e-9)
            assert s.within_limits == (not arm.limit_violation(s.joints).any())


@pytest.mark.parametrize("model", MODELS)
def test_nearest_solution_is_the_current_joints(model):
    arm = Arm(model)
    for x in _random_joints(model, 500, seed=11):
        np.testing.assert_allclose(arm.ik(arm.fk(x), x), x, atol=1e-7)


def test_nearest_keeps_whole_turns_of_the_wrist():
    arm = Arm(R12_1440)
    q = np.radians([20.0, 10.0, 5.0, 190.0, 40.0, 400.0])  # J4 and J6 past ±180°
    assert np.degrees(arm.ik(arm.fk(q), q)) == pytest.approx(np.degrees(q), abs=1e-6)
    # from a current J6 near 0 the same pose is solved with J6 = 40°, not 400°
    near_zero = q.copy()
    near_zero[5] = 0.0
    assert math.degrees(arm.ik(arm.fk(q), near_zero)[5]) == pytest.approx(40.0, abs=1e-6)


def test_configuration_is_honoured():
    arm = Arm(R7_700)
    q = np.radians([10.0, 20.0, 30.0, 40.0, 50.0, 60.0])
    pose = arm.fk(q)
    flip = Configuration(back=False, elbow_down=False, flip=True)
    other = arm.ik(pose, q, configuration=flip)
    assert arm.configuration(other) == flip
    assert other[4] == pytest.approx(-q[4])
    np.testing.assert_allclose(arm.fk(other), pose, atol=1e-9)


def test_out_of_reach_names_the_elbow():
    arm = Arm(R7_700)
    pose = make_pose((1200.0, 0.0, 400.0), rot_x(math.pi))
    with pytest.raises(ReachError) as err:
        arm.ik(pose, np.zeros(6))
    assert err.value.code == "arm.reach"
    assert err.value.params["joint"] == 3
    assert err.value.params["too_far"] is True
    assert err.value.params["limit_mm"] == pytest.approx(R7_700.a2 + R7_700.forearm, abs=1e-3)


def test_joint_limit_names_the_joint():
    arm = Arm(R7_700)
    # J1 at 175° is past ±170°; in the front configuration nothing else can help
    q = np.radians([175.0, 20.0, 10.0, 0.0, 45.0, 0.0])
    front = arm.configuration(q)
    with pytest.raises(JointLimitError) as err:
        arm.ik(arm.fk(q), np.zeros(6), configuration=front)
    assert err.value.code == "arm.joint_limit"
    assert err.value.params["joint"] == 1
    assert err.value.params["value_deg"] == pytest.approx(175.0, abs=1e-6)
    assert (err.value.params["lower_deg"], err.value.params["upper_deg"]) == (-170, 170)
    # a wrist bent past ±130° in its own configuration: joint 5
    q = np.radians([0.0, 20.0, 10.0, 0.0, 150.0, 0.0])
    with pytest.raises(JointLimitError) as err:
        arm.ik(arm.fk(q), np.zeros(6), configuration=arm.configuration(q))
    assert err.value.params["joint"] == 5


def test_any_configuration_falls_back_to_one_within_limits():
    arm = Arm(R7_700)
    q = np.radians([175.0, 20.0, 10.0, 0.0, 45.0, 0.0])  # J1 out of limits; the back posture reaches it
    sol = arm.ik(arm.fk(q), np.zeros(6))
    assert not arm.limit_violation(sol).any()
    assert arm.configuration(sol).back
    np.testing.assert_allclose(arm.fk(sol), arm.fk(q), atol=1e-9)


def test_round_trip_close_to_the_stretched_arm_and_the_wrist_singularity():
    for model in MODELS:
        arm = Arm(model)
        beta = math.atan2(model.a3, model.d4)
        for eps in (0.0, 1e-9, 1e-6):
            q = np.array([0.3, 0.5, (beta - math.pi / 2 + eps) * model.signs[2], 0.4, eps, -0.2])
            pose = arm.fk(q)
            for s in arm.solutions(pose):
                back = arm.fk(s.joints)
                assert np.linalg.norm(back[:3, 3] - pose[:3, 3]) < 1e-6
                assert rotation_angle(back[:3, :3].T @ pose[:3, :3]) < 1e-9


def test_configuration_index_round_trips():
    for k in range(8):
        assert Configuration.from_index(k).index == k


def test_reach_error_for_the_shoulder_asked_for():
    arm = Arm(R12_1440)
    q = np.radians([0.0, 80.0, 60.0, 0.0, 30.0, 0.0])  # far forward: the back posture cannot reach it
    pose = arm.fk(q)
    assert arm.configuration(q).back is False
    with pytest.raises(ReachError) as err:
        arm.ik(pose, q, configuration=Configuration(back=True, elbow_down=False, flip=False))
    assert err.value.params["too_far"] is True
    assert err.value.params["distance_mm"] > err.value.params["limit_mm"]


@pytest.mark.parametrize("model", [R7_700, R12_1440], ids=lambda m: m.key)
def test_fk_of_one_pose_is_the_stacked_fk_bit_for_bit(model):
    """One joint vector takes a shorter path (and is remembered): the same bits as a row of the stacked FK,
    asked again or after the caller changed the answer it got."""
    arm = Arm(model)
    q = np.random.default_rng(9).uniform(-4.0, 4.0, (3000, 6))
    stacked = arm.fk(q)
    for i in range(len(q)):
        one = arm.fk(q[i])
        assert one.tobytes() == stacked[i].tobytes()
        one[:] = 0.0
        assert arm.fk(q[i]).tobytes() == stacked[i].tobytes()
        assert arm.fk(list(q[i])).tobytes() == stacked[i].tobytes()

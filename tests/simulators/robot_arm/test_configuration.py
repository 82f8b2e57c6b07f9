"""ABB, KUKA and FANUC-style configuration data on joint values worked out by hand."""

import math

import numpy as np
import pytest

from simulators.robot.arm import R7_700, R12_1440, Arm, Configuration
from simulators.robot.arm.configuration import (
    abb_conf,
    fanuc_string,
    ik_abb,
    ik_fanuc,
    kuka_status_turn,
    parse_fanuc,
    turn_number,
)
from simulators.robot.arm.errors import ConfigurationError

ARM = Arm(R7_700)


def q(*deg):
    return np.radians(deg)


def test_abb_quadrants_and_cfx():
    # front (J2, J3 ordinary), elbow up, J5 > 0 → cfx 0; quadrants floor(θ/90°)
    assert abb_conf(ARM, q(100, 10, 20, -100, 30, 200)) == (1, -2, 2, 0)
    assert abb_conf(ARM, q(100, 10, 20, -100, -30, 200)) == (1, -2, 2, 1)
    # J2 −100°, J3 20°: wrist centre r = 350·sin(−100°) + 351·cos(−80°) + 42·sin(−80°) = −325 mm → behind axis 1
    assert abb_conf(ARM, q(0, -100, 20, 0, 30, 0))[3] == 4
    # J2 90°, J3 −170°: r = 350 + 351·cos(−80°) + 42·sin(−80°) = +370 mm, forearm folded behind the lower arm
    assert abb_conf(ARM, q(0, 90, -170, 0, 30, 0))[3] == 2
    # J2 0°, J3 −170°: r = 351·cos(−170°) + 42·sin(−170°) = −353 mm → behind axis 1 and the lower arm
    assert abb_conf(ARM, q(0, 0, -170, 0, -30, 0))[3] == 7


def test_cfx_is_the_ik_solution_index():
    rng = np.random.default_rng(2)
    lim = R12_1440.limits_rad
    arm = Arm(R12_1440)
    for x in rng.uniform(lim[:, 0], lim[:, 1], size=(200, 6)):
        cfx = abb_conf(arm, x)[3]
        sols = {s.configuration.index: s.joints for s in arm.solutions(arm.fk(x), x)}
        np.testing.assert_allclose(sols[cfx], x, atol=1e-7)


def test_kuka_status_and_turn():
    assert kuka_status_turn(ARM, q(10, 10, 20, 30, 30, 40)) == (0, 0)
    # behind + elbow down + flip, axes 3 and 5 negative
    assert kuka_status_turn(ARM, q(0, 0, -170, 0, -30, 0)) == (0b111, 0b10100)
    # elbow down only (front), axis 1, 3, 4, 6 negative
    assert kuka_status_turn(ARM, q(-5, 90, -170, -1, 30, -2)) == (0b010, 0b101101)


def test_fanuc_string_and_turn_numbers():
    degrees = (-190, -180, 0, 180, 190, 370, 540, 541)
    assert [turn_number(math.radians(d)) for d in degrees] == [-1, -1, 0, 0, 1, 1, 1, 2]
    assert fanuc_string(ARM, q(10, 10, 20, -200, 30, 370)) == "N U T, 0, -1, 1"
    assert fanuc_string(ARM, q(0, 0, -170, 0, -30, 0)) == "F D B, 0, 0, 0"


def test_parse_fanuc():
    config, turns = parse_fanuc("f d t, 0, -1, 1")
    assert config == Configuration(back=False, elbow_down=True, flip=True)
    assert turns == (0, -1, 1)
    with pytest.raises(ConfigurationError) as err:
        parse_fanuc("N U, 0, 0")
    assert err.value.code == "arm.configuration"
    assert err.value.params == {"text": "N U, 0, 0"}


def test_ik_from_abb_and_fanuc_configuration_data():
    arm = Arm(R12_1440)
    x = q(30, 20, 10, 190, 40, -300)
    pose = arm.fk(x)
    np.testing.assert_allclose(ik_abb(arm, pose, abb_conf(arm, x)), x, atol=1e-9)
    np.testing.assert_allclose(ik_fanuc(arm, pose, fanuc_string(arm, x)), x, atol=1e-9)
    # the same pose asked with J6 one turn further: the solver takes the turn, not the nearest angle
    cf1, cf4, cf6, cfx = abb_conf(arm, x)
    assert math.degrees(ik_abb(arm, pose, (cf1, cf4, cf6 + 4, cfx))[5]) == pytest.approx(60.0)
    # J1 in the wrong quadrant cannot be honoured: the error names joint 1
    with pytest.raises(ConfigurationError) as err:
        ik_abb(arm, pose, (cf1 + 1, cf4, cf6, cfx))
    assert err.value.params["joint"] == 1

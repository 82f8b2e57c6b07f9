"""The cell as data (issue 23): bundled cells, the loader's checks and its error messages."""

import numpy as np
import pytest

from simulators.errors import ScenarioError
from simulators.robot.arm import Arm, get_model
from simulators.robot.arm.cell import (
    MAX_SOLIDS,
    Box,
    Cylinder,
    bundled_cells,
    load_cell,
    pose_from,
)
from simulators.robot.arm.collision import cell_capsules, check_collisions


def _err(data):
    with pytest.raises(ScenarioError) as exc:
        load_cell(data)
    return exc.value


def test_bundled_cells_have_what_the_labs_need():
    assert {"training-cell", "bench-cell"} <= set(bundled_cells())
    cell = load_cell("training-cell")
    assert cell.arm_model == "r12-1440" and cell.mount == "plinth"
    kinds = {s.kind for s in cell.solids}
    assert {"table", "pin", "fixture", "conveyor", "pallet", "fence", "plinth"} <= kinds
    assert {z.rule for z in cell.zones} == {"keep_out", "keep_in"}
    assert [c.input for c in cell.curtains] == [5]
    assert {"gripper", "glue_gun", "pointer"} <= set(cell.tools)
    assert {"pin_tip", "tilted_fixture", "pallet", "conveyor_pick", "loading"} <= set(cell.frames)
    # the pin's tip frame is the pin's top
    pin = cell.solid("pin")
    assert isinstance(pin, Cylinder)
    np.testing.assert_allclose(cell.frames["pin_tip"][:3, 3], pin.pose[:3, 3] + [0, 0, pin.height])
    bench = load_cell("bench-cell")
    assert bench.arm_model == "r7-700" and bench.link_radii[0] < cell.link_radii[0]


@pytest.mark.parametrize("name", ["training-cell", "bench-cell"])
def test_bundled_cells_start_clear_and_reach_their_pin(name):
    """The arm stands in its cell without touching anything, and the pointer reaches the pin tip, tool down."""
    cell = load_cell(name)
    arm = Arm(get_model(cell.arm_model))
    home = np.radians([0, 0, 0, 0, 0, 0])
    assert check_collisions(cell, cell_capsules(cell, arm, home, "gripper")) == []
    tip = cell.frames["pin_tip"] @ pose_from((0, 0, 0), (180, 0, 0))
    flange = np.linalg.inv(cell.base) @ tip @ np.linalg.inv(cell.tools["pointer"].tcp)
    q = arm.ik(flange, current=np.radians([0, 20, 10, 0, 60, 0]))
    caps = cell_capsules(cell, arm, q, "pointer")
    np.testing.assert_allclose(caps.tcp[0], cell.frames["pin_tip"][:3, 3], atol=1e-6)
    assert check_collisions(cell, caps) == []  # touching the tip is not a collision
    below = flange.copy()
    below[2, 3] -= 1.0
    contacts = check_collisions(cell, cell_capsules(cell, arm, arm.ik(below, current=q), "pointer"))
    assert [(c.link, c.solid) for c in contacts] == [("tool", "pin")]


def test_tilted_fixture_frame_lies_on_the_plate():
    cell = load_cell("training-cell")
    plate = cell.solid("tilted_fixture")
    frame = cell.frames["tilted_fixture"]
    local = np.linalg.inv(plate.pose) @ frame
    np.testing.assert_allclose(local[:3, 3], [-150, -120, 15], atol=0.01)  # a top corner
    np.testing.assert_allclose(local[:3, :3], np.eye(3), atol=1e-12)  # same axes: z out of the plate


def test_mapping_and_yaml_text_give_the_same_cell():
    data = {"arm_model": "r7-700", "base": {"at": [0, 0, 800]},
            "solids": [{"name": "t", "at": [1, 2, 3], "wpr": [0, 0, 90], "size": [10, 20, 30]},
                       {"name": "c", "shape": "cylinder", "radius": 5, "height": 7}]}
    text = ("arm_model: r7-700\nbase: {at: [0, 0, 800]}\nsolids:\n"
            "  - {name: t, at: [1, 2, 3], wpr: [0, 0, 90], size: [10, 20, 30]}\n"
            "  - {name: c, shape: cylinder, radius: 5, height: 7}\n")
    a, b = load_cell(data), load_cell(text)
    for cell in (a, b):
        box, cyl = cell.solids
        assert isinstance(box, Box) and box.kind == "table" and box.size == (10, 20, 30)
        np.testing.assert_allclose(box.pose[:3, 0], [0, 1, 0], atol=1e-12)  # R = 90° turns x onto y
        assert isinstance(cyl, Cylinder) and cyl.kind == "fixture"
        assert cell.base[2, 3] == 800 and cell.link_radii == (110.0, 75.0, 70.0, 55.0, 45.0, 35.0)
    assert box.contains(np.array([[1, 2, 3], [1 + 19.9 / 2, 2, 3], [1 + 10.1, 2, 3]])).tolist() == [True, True, False]


@pytest.mark.parametrize(("data", "field", "words"), [
    ({"arm_model": "r99"}, "arm_model", "unknown arm model 'r99'"),
    ({}, "arm_model", "required"),
    ({"arm_model": "r7-700", "solids": [{"name": "a", "size": [1, 2, -3]}]}, "solids.0.size.2", "greater than 0"),
    ({"arm_model": "r7-700", "solids": [{"name": "a", "shape": "cone", "size": [1, 2, 3]}]}, "solids.0.shape",
     "'box' or 'cylinder'"),
    ({"arm_model": "r7-700", "solids": [{"name": "p", "shape": "cylinder", "radius": 3}]}, "solids.0.height",
     "required for a cylinder"),
    ({"arm_model": "r7-700", "solids": [{"name": "p", "radius": 3, "height": 2}]}, "solids.0.size",
     "required for a box"),
    ({"arm_model": "r7-700", "solids": [{"name": "p", "size": [1, 1, 1], "radius": 3}]}, "solids.0.radius",
     "not a field of a box"),
    ({"arm_model": "r7-700", "solids": [{"name": "p", "size": [1, 1, 1], "colour": 3}]}, "solids.0.colour",
     "unknown field"),
    ({"arm_model": "r7-700", "solids": [{"name": "p", "size": [1, 1, 1], "at": [0, 0, 1e9]}]}, "solids.0.at.2",
     "less than or equal to 20000"),
    ({"arm_model": "r7-700", "solids": [{"name": "a", "size": [1, 1, 1]}] * 2}, "solids.1.name", "already used"),
    ({"arm_model": "r7-700", "mount": "x"}, "mount", "no solid named 'x'"),
    ({"arm_model": "r7-700", "zones": [{"name": "z", "rule": "avoid", "size": [1, 1, 1]}]}, "zones.0.rule",
     "keep_out"),
    ({"arm_model": "r7-700", "curtains": [{"name": "c", "input": 0, "size": [1, 1, 1]}]}, "curtains.0.input",
     "greater than or equal to 1"),
    ({"arm_model": "r7-700", "curtains": [{"name": "c", "input": 2, "size": [1, 1, 1]},
                                          {"name": "d", "input": 2, "size": [1, 1, 1]}]}, "curtains.1.input",
     "DI[2] is already the input of 'c'"),
    ({"arm_model": "r7-700", "tools": {"g": {"capsules": [{"p0": [0, 0, 0], "p1": [0, 0, 1]}]}}},
     "tools.g.capsules.0.radius", "required"),
    ({"arm_model": "r7-700", "link_radii": [1, 2, 3]}, "link_radii.3", "required"),
])
def test_malformed_cells_name_the_field(data, field, words):
    err = _err(data)
    assert err.field == field
    assert words in err.message


def test_counts_are_limited():
    err = _err({"arm_model": "r7-700", "solids": [{"name": f"s{i}", "size": [1, 1, 1]} for i in range(MAX_SOLIDS + 1)]})
    assert err.field == "solids" and f"at most {MAX_SOLIDS}" in err.message


def test_yaml_errors_carry_the_line():
    err = _err("arm_model: r7-700\nsolids:\n  - {name: a, size: [1, 2, 3]}\n  - {name: b, size: [1, 2, .nan]}\n")
    assert (err.field, err.line) == ("solids.1.size.2", 4)
    assert err.located().startswith("<cell>:4: solids.1.size.2:")
    err = _err("arm_model: [unclosed\n")
    assert "not valid YAML" in err.message


def test_unknown_names_and_types():
    assert "bundled: bench-cell" in _err("no-such-cell").message
    assert _err(42).field == "cell"

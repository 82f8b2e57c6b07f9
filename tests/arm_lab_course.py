"""A fixture course with a robot_arm lab (pendant + program), for the service and the GUI tests.

An R7-700 with a pen; the pallet's first slot is where the TCP starts, so a trainee records ``pal`` there and a
program places two parts with ``OFFS(pal, …)``. Qt-free.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from ruamel.yaml import YAML

from app.courses.library import CourseLibrary
from simulators.robot.arm.runner import build_environment
from simulators.robot.arm.scenario import RobotArmScenario

FIXTURE_DIR = Path(__file__).resolve().parent.parent / "courses" / "_fixture-mini"
FIXTURE_ID = "fixture-mini"
STEP = "line/arm-lab"
START = [0, 10, 10, 0, 60, 0]
BASE = {"kind": "robot_arm", "arm": "r7-700", "tools": [{"name": "pen", "tcp": [0, 0, 100, 0, 0, 0]}],
        "tool": "pen", "start_joints": START, "mode": "T1"}

GOOD = """TOOL pen
MOVEJ OFFS(pal, 0, 0, 40) 100%
MOVEL pal 200 mm/s FINE
RELEASE
MOVEL OFFS(pal, 0, 0, 40) 300 mm/s Z5
MOVEL OFFS(pal, 60, 0, 0) 200 mm/s FINE
RELEASE
MOVEL OFFS(pal, 60, 0, 40) 300 mm/s FINE"""
BAD = GOOD.replace("OFFS(pal, 60, 0, 0)", "OFFS(pal, 75, 0, 0)")


def pallet_origin() -> list[float]:
    env = build_environment(RobotArmScenario.model_validate({**BASE, "task": {"kind": "program"}}))
    return [round(float(v), 6) for v in env.tcp_of(env.start_q)[:3, 3]]


def start_pose() -> list[float]:
    """The TCP where the arm starts, as ``[x, y, z, w, p, r]``."""
    import math

    from simulators.robot.arm.orientation import matrix_to_wpr

    env = build_environment(RobotArmScenario.model_validate({**BASE, "task": {"kind": "program"}}))
    pose = env.tcp_of(env.start_q)
    return [*pallet_origin(), *(round(math.degrees(a), 6) for a in matrix_to_wpr(pose[:3, :3]))]


def lab_yaml(examples: dict | None = None, given_program: str | None = None, jog: bool = False) -> str:
    """The lab; with ``given_program`` the program is the scenario's own (no program control); ``jog``: a
    jog-targets lab instead (target t1 where the TCP starts, pendant only)."""
    lab = {
        "simulator": "robot_arm",
        "scenario": {**BASE, "task": {"kind": "palletizing", "pallet": [*pallet_origin(), 0, 0, 0],
                                      "pattern": [2, 1, 1], "pitch": [60, 60, 40], "tolerance_mm": 2}},
        "task": {"en": "Teach pal at the first slot, then place two parts.",
                 "zh_CN": "在第一个位置示教 pal，然后放两个零件。"},
        "controls": [
            {"id": "session", "path": "session", "type": "pendant",
             "label": {"en": "Teach pendant", "zh_CN": "示教器"}},
            {"id": "program", "path": "program", "type": "program",
             "label": {"en": "Robot program", "zh_CN": "机器人程序"}, "default": "TOOL pen\n"},
        ],
        "objectives": [{"metric": "parts_placed", "op": ">=", "target": 2},
                       {"metric": "completed", "op": "==", "target": 1}],
    }
    if examples is not None:
        lab["examples"] = examples
    if given_program is not None:
        lab["scenario"]["program"] = given_program
        lab["controls"] = lab["controls"][:1]
    if jog:
        lab["scenario"]["task"] = {"kind": "jog_targets", "targets": [{"name": "t1", "pose": start_pose()}]}
        lab["controls"] = lab["controls"][:1]
        lab["objectives"] = [{"metric": "targets_reached", "op": ">=", "target": 1},
                             {"metric": "collisions", "op": "==", "target": 0}]
    out = io.StringIO()
    YAML().dump(lab, out)
    return out.getvalue()


def install(ctx, tmp_path: Path, extra_files: dict[str, str] | None = None, examples: dict | None = None,
            load: bool = True, given_program: str | None = None, jog: bool = False):
    """The fixture course with ``line/arm-lab`` added (its folder holding ``extra_files``), as the library of
    ``ctx``; the course folder is ``tmp_path/bundled/fixture-mini``."""
    bundled = tmp_path / "bundled"
    target = bundled / FIXTURE_ID
    shutil.copytree(FIXTURE_DIR, target)
    module_dir = target / "modules" / "line"
    yaml = YAML()
    data = yaml.load((module_dir / "module.yaml").read_text(encoding="utf-8"))
    step_dir = module_dir / "arm-lab"
    step_dir.mkdir()
    (step_dir / "lab.yaml").write_text(lab_yaml(examples, given_program, jog), encoding="utf-8")
    for name, text in (extra_files or {}).items():
        (step_dir / name).write_text(text, encoding="utf-8")
    data["steps"].append({"id": "arm-lab", "kind": "lab", "title": {"en": "Arm lab", "zh_CN": "机械臂实验"}})
    with (module_dir / "module.yaml").open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)
    if not load:  # a course with errors: only written
        return target
    ctx._library = CourseLibrary(bundled, None, tmp_path / "course-cache")
    loaded = ctx.library.get(FIXTURE_ID)
    assert ctx.library.problems == []
    return loaded

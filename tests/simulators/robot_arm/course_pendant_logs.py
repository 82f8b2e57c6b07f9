"""Write the good and bad example pendant logs of the robot course's pendant labs (issue 24).

Each log is what a trainee's pendant would record, produced by ``simulators.robot.arm.autojog`` against the
lab's own scenario (same cell, tools, collision check as the grader), and stored as JSON next to the lab.yaml
that names it in ``examples``. Deterministic: running it again writes the same files.

    .venv/bin/python -m tests.simulators.robot_arm.course_pendant_logs [lab-folder-name ...]

It lives here, not in the course folder, because a course package must carry no scripts (the importer warns
about every program file); the stored logs are what the course ships, checked by ``zhizao validate
--robustness`` and the bundled-lab tests.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import yaml

from simulators.robot.arm import runner
from simulators.robot.arm.autojog import TCP_ORIENTATIONS_DEG, Autojog, AutojogOptions, demo_log, flange_on_point
from simulators.robot.arm.frames import make_pose
from simulators.robot.arm.orientation import wpr_to_matrix
from simulators.robot.arm.pendant import PendantSession
from simulators.robot.arm.scenario import RobotArmScenario
from simulators.robot.arm.tasks import pose_matrix

MODULES = Path(__file__).resolve().parents[3] / "courses" / "industrial-robot-operation" / "modules"


def _scenario(folder: Path) -> RobotArmScenario:
    return RobotArmScenario.model_validate(yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8")))


def _job(sc: RobotArmScenario, **options) -> tuple[Autojog, runner.ArmEnvironment]:
    env = runner.build_environment(sc)
    return Autojog(PendantSession(runner.pendant_setup(sc, env)), AutojogOptions(**options)), env


def _write(folder: Path, name: str, events: list[dict]) -> None:
    lines = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(", ", ": ")) for e in events)
    (folder / name).write_text(f"[\n{lines}\n]\n", encoding="utf-8")


def _hold_key(job: Autojog, frame: str, axis: str, direction: int, ticks: int) -> None:
    """A continuous jog held for ``ticks`` (whatever happens meanwhile: the bad examples' careless operator)."""
    job.set_increment("continuous")
    job._key(frame, axis, direction, True)
    job.wait(ticks)
    job._key(frame, axis, direction, False)
    job.wait(job.opt.gap_ticks)


# --------------------------------------------------------------------------------------------- jogging
def jog_targets(folder: Path) -> None:
    sc = _scenario(folder)
    task = sc.task

    def goal(env, t):
        return env.frames.users[t.frame].matrix @ pose_matrix(t.pose)

    def run(frame: str, targets, **options) -> list[dict]:
        job, env = _job(sc, frame=frame, **options)
        job.prepare()
        for t in targets:
            job.to_pose(goal(env, t), lift_mm=200, approach_mm=150)
            job.record(t.name)
        job.release_enabling()
        return job.events

    _write(folder, "good.json", demo_log(sc))
    _write(folder, "bad-two-targets.json", run("user", task.targets[:2]))
    _write(folder, "bad-world-frame.json", run("world", task.targets))
    _write(folder, "bad-coarse.json", run("user", task.targets, linear_steps=(10.0, 1.0), angular_steps=(5.0,)))
    # Down onto the table to "feel" the first target: the tip hits the table, a protective stop.
    job, env = _job(sc, frame="user")
    job.prepare()
    job.to_pose(goal(env, task.targets[0]), lift_mm=200, approach_mm=150)
    _hold_key(job, "user", "Z", -1, 60)
    job.record(task.targets[0].name)
    job.release_enabling()
    _write(folder, "bad-collision.json", job.events)
    # Jog keys pressed before the enabling device is held: the controller refuses them (counted), then the work.
    job, env = _job(sc, frame="user")
    job.prepare(enable=False)
    for axis in ("J2", "J3"):
        job._key("joint", axis, 1, True)
        job.wait(20)
        job._key("joint", axis, 1, False)
        job.wait(job.opt.gap_ticks)
    job.emit({"ev": "enable", "v": 2})
    job.wait(job.opt.gap_ticks)
    for t in task.targets:
        job.to_pose(goal(env, t), lift_mm=200, approach_mm=150)
        job.record(t.name)
    job.release_enabling()
    _write(folder, "bad-no-enabling.json", job.events)


# --------------------------------------------------------------------------------------------- coordinates
TCP_ORIENTATIONS = TCP_ORIENTATIONS_DEG
_flange_on_pin = flange_on_point


def tcp_calibration(folder: Path) -> None:
    sc = _scenario(folder)
    task = sc.task
    names = list(task.points)

    def run(tip: np.ndarray, orientations, verify: bool, press_mm: float = 0.0, **options) -> list[dict]:
        job, env = _job(sc, frame="world", **options)
        nominal = env.frames.tools[env.frames.tool].tcp
        job.prepare()
        for name, wpr in zip(names, orientations, strict=False):
            target = _flange_on_pin(task.pin, tip, wpr) @ nominal  # where the pendant's TCP must be
            job.to_pose(target, lift_mm=80, approach_mm=60)
            if press_mm:  # "make sure it touches": pressed on down into the pin at full jog speed
                _hold_key(job, "world", "Z", -1, max(1, round(press_mm / 2.5)))
            job.record(name)
        job.emit({"ev": "calibrate_tcp", "points": names[:len(orientations)], "tool": env.frames.tool})
        job.wait(job.opt.gap_ticks)
        if verify:  # turn about the new TCP: the real tip stays on the pin
            job.set_increment("10mm")
            for d in (1, -1):
                job._moving_press("tool", "Rx", d)
        job.release_enabling()
        return job.events

    true_tip = pose_matrix(task.true_tcp)
    _write(folder, "good.json", demo_log(sc))
    # Trusting the drawing: p1 touched, then each new orientation made by turning about the (drawing's) TCP
    # in the tool frame and recorded without touching the pin again: the real tip has wandered off.
    job, env = _job(sc, frame="world")
    nominal = env.frames.tools[env.frames.tool].tcp
    job.prepare()
    turns = ((), (("Rx", 30.0),), (("Rx", -30.0), ("Ry", 30.0)), (("Ry", -55.0),))  # tool axes, degrees
    job.to_pose(_flange_on_pin(task.pin, true_tip, TCP_ORIENTATIONS[0]) @ nominal, lift_mm=80, approach_mm=60)
    for name, turn in zip(names, turns, strict=True):
        for axis, angle in turn:
            job._press_amounts("tool", [axis], [angle], (5.0,), rotational=True)
        job.record(name)
    job.emit({"ev": "calibrate_tcp", "points": names, "tool": env.frames.tool})
    job.wait(job.opt.gap_ticks)
    job.release_enabling()
    _write(folder, "bad-nominal-tcp.json", job.events)
    # Four orientations only a few degrees apart, touched with 1 mm steps: the fit cannot locate the tip.
    alike = ((180.0, 0.0, 0.0), (184.0, 0.0, 0.0), (180.0, 4.0, 0.0), (178.0, -3.0, 0.0))
    _write(folder, "bad-alike.json", run(true_tip, alike, verify=False, linear_steps=(10.0, 1.0)))
    # Three points only (the fourth skipped to save time).
    _write(folder, "bad-three-points.json", run(true_tip, TCP_ORIENTATIONS[:3], verify=False))
    # Pressed 10 mm on "to be sure it touches" at the first point: the tool hits the pin, a protective stop.
    _write(folder, "bad-collision.json", run(true_tip, TCP_ORIENTATIONS[:1], verify=False, press_mm=10.0))


def user_frame(folder: Path) -> None:
    sc = _scenario(folder)
    task = sc.task
    fixture = pose_matrix(task.fixture)
    sx, sy = task.size
    touch = {"uf_o": (0.0, 0.0), "uf_x": (sx - 30.0, 0.0), "uf_y": (40.0, sy - 30.0)}

    def run(points: dict[str, tuple[float, float]], press_mm: float = 0.0) -> list[dict]:
        job, env = _job(sc, frame="world")
        job.prepare()
        for name in task.points:
            x, y = points[name]
            # the pointer perpendicular to the plate, its tip 0.3 mm above the surface (touching, not pressing)
            target = fixture @ make_pose((x, y, 0.3), wpr_to_matrix(math.pi, 0.0, 0.0))
            job.to_pose(target, lift_mm=120, approach_mm=80)
            if press_mm and name == task.points[0]:
                _hold_key(job, "world", "Z", -1, max(1, round(press_mm / 2.5)))
                job.emit({"ev": "reset"})
                job.emit({"ev": "enable", "v": 1})
                job.wait(job.opt.gap_ticks)
                job.emit({"ev": "enable", "v": 2})
                job.wait(job.opt.gap_ticks)
            job.record(name)
        job.lift(150)
        job.emit({"ev": "define_user_frame", "points": list(task.points), "name": task.frame})
        job.wait(job.opt.gap_ticks)
        job.release_enabling()
        return job.events

    _write(folder, "good.json", demo_log(sc))
    # +X and +Y points swapped: the frame turns by 90 degrees and flips upside down.
    _write(folder, "bad-swapped.json", run({"uf_o": touch["uf_o"], "uf_x": touch["uf_y"], "uf_y": touch["uf_x"]}))
    # The origin "felt" by pressing the pointer into the plate: a contact and a protective stop; after the
    # reset the points are recorded where the arm stood.
    _write(folder, "bad-collision.json", run(touch, press_mm=10.0))


# --------------------------------------------------------------------------------------------- servicing
def rev_counters(folder: Path) -> None:
    sc = _scenario(folder)
    task = sc.task
    marks = np.radians(task.marks_deg)
    order = (1, 2, 3, 4, 5, 6)

    def run(axes, tolerance_only: bool = False, move: bool = True, verify_home: bool = False) -> list[dict]:
        job, env = _job(sc)
        job.prepare()
        for j in axes:
            goal = job.joints()
            goal[j - 1] = marks[j - 1]
            if move:
                job.coarse_joints(goal, order=[j])
                if not tolerance_only:
                    job.fine_joints(goal, order=[j])
            job.emit({"ev": "rev_update", "axis": j})
            job.wait(job.opt.gap_ticks)
        if verify_home:  # back to the home position to check it against its mark
            job.to_joints(np.radians(task.home))
        job.release_enabling()
        return job.events

    _write(folder, "good.json", demo_log(sc))
    # J2 jogged forward "to get a better view" before starting: the gripper hits the table.
    job, env = _job(sc)
    job.prepare()
    _hold_key(job, "joint", "J2", 1, 1500)
    _write(folder, "bad-collision.json", job.events + [])
    _write(folder, "bad-no-jog.json", run(order, move=False))
    _write(folder, "bad-j6-forgotten.json", run(order[:5]))
    _write(folder, "bad-coarse.json", run(order, tolerance_only=True))


LABS: dict[str, Callable[[Path], None]] = {
    "jogging/jog-targets-lab": jog_targets,
    "coordinates/tcp-calibration-lab": tcp_calibration,
    "coordinates/user-frame-lab": user_frame,
    "servicing/rev-counters-lab": rev_counters,
}


def main(argv: list[str]) -> None:
    for rel, make in LABS.items():
        if argv and not any(a in rel for a in argv):
            continue
        folder = MODULES / rel
        if (folder / "scenario.yaml").exists():
            make(folder)
            print("wrote", rel)


if __name__ == "__main__":
    main(sys.argv[1:])

"""A robot_arm lab graded by the service: it replays the pendant log and runs the program; the widget's view of the
arm is never trusted, hostile logs are refused with one clear message, and the graded log is stored whole."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.courses.labcheck import example_settings
from app.services.grading import GradingError
from simulators.errors import ScenarioError
from simulators.robot.arm.autojog import drive
from simulators.robot.arm.pendant import PendantSession
from simulators.robot.arm.runner import build_environment, pendant_setup
from tests.arm_lab_course import BAD, GOOD, STEP, install


@pytest.fixture
def course(ctx, tmp_path):
    return install(ctx, tmp_path)


def _log(course, *, away_first: bool = False) -> list[dict]:
    """``pal`` recorded where the TCP starts, then J1 jogged away (or, ``away_first``, recorded after the jog)."""
    from app.courses.grading import lab_scenario

    lab = course.step(STEP).lab
    _kind, sc = lab_scenario(lab, course.path, {})
    session = PendantSession(pendant_setup(sc, build_environment(sc)))
    events = [{"tick": 0, "ev": "enable", "v": 2}]
    if not away_first:
        events.append({"tick": 0, "ev": "record", "name": "pal"})
    events += [{"tick": 1, "ev": "key", "axis": "J1", "frame": "joint", "dir": 1, "down": True},
               {"tick": 150, "ev": "key", "axis": "J1", "frame": "joint", "dir": 1, "down": False}]
    if away_first:
        events.append({"tick": 151, "ev": "record", "name": "pal"})
    for ev in events:
        session.advance_to(ev["tick"])
        session.apply(ev)
    return events + drive(session, joints=np.radians([0, 10, 10, 0, 60, 0]), release=True)[1:]


def _submit(ctx, trainee, course, settings):
    return ctx.progress.submit_lab(trainee, course, course.step(STEP), settings, parallel=False)


def test_good_log_and_program_pass_and_the_whole_log_is_stored(ctx, trainee, course):
    log = _log(course)
    end = log[-1]["tick"]
    log += [{"tick": end + i, "ev": "inc", "v": ("1mm", "continuous")[i % 2]} for i in range(300)]
    assert len(log) > 300  # past what plain responses keep of a list (200 items)
    outcome = _submit(ctx, trainee, course, {"session": log, "program": GOOD})
    assert outcome.grade.passed and outcome.metrics["parts_placed"] == 2
    (run,) = ctx.progress.lab_runs(trainee, trainee.user_id, course.id)
    assert run.passed and run.parameters["session"] == log and run.parameters["program"] == GOOD


@pytest.mark.parametrize("case", ["bad program", "point taught elsewhere"])
def test_known_bad_work_fails(ctx, trainee, course, case):
    settings = {"bad program": {"session": _log(course), "program": BAD},
                "point taught elsewhere": {"session": _log(course, away_first=True), "program": GOOD}}[case]
    outcome = _submit(ctx, trainee, course, settings)
    assert not outcome.grade.passed


def test_a_program_using_a_point_never_taught_is_not_graded(ctx, trainee, course):
    with pytest.raises(ScenarioError) as err:  # the lab view lists these under the editor, Submit refused
        _submit(ctx, trainee, course, {"program": GOOD})
    assert [(d.line, d.column, d.code) for d in err.value.diagnostics][:2] == [
        (2, 12, "arm.lang.point.unknown"), (3, 7, "arm.lang.point.unknown")]
    assert ctx.progress.lab_runs(trainee, trainee.user_id, course.id) == []


@pytest.mark.parametrize(("session", "fragment"), [
    ([{"tick": 0, "ev": "record", "name": "pal"}] * 100_001, "at most 100000 are allowed"),
    ([{"tick": 0, "ev": "record", "name": "pal", "pose": [1, 2, 3]}], "unknown field “pose”"),
    ([{"tick": -1, "ev": "reset"}], "event 0: the tick"),
    ({"events": []}, "must be a list"),
    ({"file": "good.json"}, "only read for a lab's examples"),
])
def test_hostile_logs_are_refused_with_one_message(ctx, trainee, course, session, fragment):
    with pytest.raises(GradingError) as err:
        _submit(ctx, trainee, course, {"session": session, "program": GOOD})
    assert fragment in str(err.value) and "Teach pendant" in str(err.value)
    assert ctx.progress.lab_runs(trainee, trainee.user_id, course.id) == []


def test_a_pose_or_metrics_sent_with_the_work_are_not_trusted(ctx, trainee, course):
    with pytest.raises(GradingError, match="no control"):
        _submit(ctx, trainee, course, {"session": _log(course, away_first=True), "program": GOOD,
                                       "metrics": {"parts_placed": 2}})
    outcome = _submit(ctx, trainee, course, {"session": _log(course, away_first=True), "program": GOOD})
    assert not outcome.grade.passed


def test_examples_may_name_a_log_file_in_the_step_folder(ctx, trainee, tmp_path):
    course = install(ctx, tmp_path)
    log = _log(course)
    course = install(ctx, tmp_path / "again", {"good.json": json.dumps(log)})
    lab = course.step(STEP).lab
    settings = example_settings(lab, {"session": {"file": "good.json"}, "program": GOOD}, None)
    assert settings["session"] == log
    from app.courses.grading import LabConfigError

    for name in ("missing.json", "../lab.yaml", "/etc/passwd"):
        with pytest.raises(LabConfigError):
            example_settings(lab, {"session": {"file": name}}, None)


def test_validate_and_robustness_read_the_example_logs(ctx, trainee, tmp_path):
    from app.courses import robustness
    from app.courses.validator import validate_path

    log = _log(install(ctx, tmp_path / "first"))
    elsewhere = _log(install(ctx, tmp_path / "second"), away_first=True)
    examples = {"good": [{"session": {"file": "good.json"}, "program": GOOD}],
                "bad": [{"session": {"file": "good.json"}, "program": BAD},
                        {"session": {"file": "elsewhere.json"}, "program": GOOD}]}
    course = install(ctx, tmp_path / "third", {"good.json": json.dumps(log), "elsewhere.json": json.dumps(elsewhere)},
                     examples)
    root = tmp_path / "third" / "bundled" / "fixture-mini"
    problems = [p for p in validate_path(root) if "arm-lab" in p.file]
    assert [p for p in problems if p.severity == "error"] == []
    result = robustness.check_lab(course.step(STEP).lab, course.path, n_seeds=3, workers=1)
    assert [(e.kind, e.pass_count, e.error) for e in result.examples] == [("good", 3, None), ("bad", 0, None),
                                                                          ("bad", 0, None)]
    assert result.fair


def test_validate_reports_a_missing_or_damaged_example_log(ctx, trainee, tmp_path):
    from app.courses.validator import validate_path

    examples = {"good": [{"session": {"file": "nowhere.json"}}], "bad": [{"session": {"file": "broken.json"}}]}
    root = install(ctx, tmp_path, {"broken.json": '[{"tick": 0, "ev": "warp"}]'}, examples, load=False)
    errors = [p.message for p in validate_path(root) if "arm-lab" in p.file and p.severity == "error"]
    assert any("not found: “nowhere.json”" in e for e in errors)
    assert any("unknown event kind “warp”" in e for e in errors)

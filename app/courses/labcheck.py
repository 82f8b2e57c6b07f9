"""Lab cross-references against the simulators: scenario, control paths, programs, metrics.

Also resolves a lab's scenario for running it (``resolve_scenario``), so the
validator and ``grading.lab_scenario`` agree on what a lab means.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

from app.courses import models as m
from app.courses.checks import fmt_number
from app.courses.render import resolve_local
from app.courses.reporter import Reporter
from app.i18n import N_, _, current_locale


class LabConfigError(ValueError):
    """A lab whose scenario or control values cannot be used; the message says which and why."""


_API = ("SIMULATORS", "ScenarioError", "load_scenario", "bundled_scenarios", "metric_names", "is_metric",
        "apply_overrides", "scenario_data", "run", "run_replications")


def control_label(control: m.Control) -> str:
    return m.text_for(control.label, current_locale()) or control.id


def check_control_value(control: m.Control, value: Any) -> Any:
    """The value normalised (3.0 → 3 for an int control); LabConfigError if it is not allowed."""
    label = control_label(control)
    if control.type in ("int", "float"):
        number = value
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise LabConfigError(_("“{label}” must be a number").format(label=label))
        if control.type == "int":
            if number != int(number):
                raise LabConfigError(_("“{label}” must be a whole number").format(label=label))
            number = int(number)
        if (control.min is not None and number < control.min) or (control.max is not None and number > control.max):
            raise LabConfigError(_("“{label}” must be between {min} and {max} (got {value})").format(
                label=label, min=fmt_number(control.min), max=fmt_number(control.max), value=fmt_number(number)))
        if control.type == "int" and control.step and control.step > 1:
            origin = control.min if control.min is not None else 0
            if (number - origin) % control.step:
                raise LabConfigError(_("“{label}” must go in steps of {step} from {origin} (got {value})").format(
                    label=label, step=fmt_number(control.step), origin=fmt_number(origin), value=number))
        return number
    if control.type == "choice":
        allowed = [c.value for c in control.choices or []]
        if not any(_same(value, v) for v in allowed):
            raise LabConfigError(_("“{label}” must be one of: {choices}").format(
                label=label, choices=", ".join(str(v) for v in allowed)))
        return value
    if control.type == "pendant":
        return check_pendant_log(label, value)
    if not isinstance(value, str):
        raise LabConfigError(_("“{label}” must be a program (text)").format(label=label))
    return value  # the simulator checks the program (or rule) itself when the scenario is built


# The pendant log's refusals (simulators.robot.arm.pendant_log codes) in the user's language.
PENDANT_LOG_MESSAGES = {
    "pendant.log.not_list": N_("the pendant log must be a list of events"),
    "pendant.log.too_long": N_("the pendant log has {count} events; at most {max} are allowed"),
    "pendant.log.not_object": N_("event {index} is not an object"),
    "pendant.log.unknown_event": N_("event {index}: unknown event kind “{ev}”"),
    "pendant.log.missing_field": N_("event {index} ({ev}): the field “{field}” is missing"),
    "pendant.log.unknown_field": N_("event {index} ({ev}): unknown field “{field}”"),
    "pendant.log.bad_value": N_("event {index} ({ev}): bad value for “{field}”"),
    "pendant.log.bad_tick": N_("event {index}: the tick must be a whole number from 0 to {max}"),
    "pendant.log.tick_order": N_("event {index}: tick {tick} comes before the previous event's tick {previous}"),
    "pendant.log.axis_frame": N_("event {index}: axis {axis} cannot be jogged in the {frame} frame"),
}


def check_pendant_log(label: str, value: Any) -> list[dict[str, Any]]:
    """The log in canonical form; LabConfigError (translated, with the event's number) if it is refused.

    Hostile input (a sync bundle, a course file): its size is checked before any event."""
    from simulators.robot.arm.pendant_log import PendantLogError, validate_log

    if isinstance(value, dict) and set(value) == {"file"}:
        raise LabConfigError(_("“{label}”: a log file is only read for a lab's examples").format(label=label))
    try:
        return validate_log(value)
    except PendantLogError as exc:
        template = PENDANT_LOG_MESSAGES.get(exc.code)
        reason = _(template).format(**exc.params) if template else str(exc)
        raise LabConfigError(_("“{label}” is not a usable pendant log: {reason}").format(
            label=label, reason=reason)) from None


MAX_LOG_FILE_BYTES = 20_000_000  # 100,000 events of ~60 bytes, with room


def example_settings(lab: m.Lab, settings: dict[str, Any], step_dir: Path | None) -> dict[str, Any]:
    """An example's settings with each pendant log given as ``{file: name.json}`` read from the step folder.

    Only a lab's examples may name a file; a trainee's settings carry the log itself."""
    out = dict(settings)
    base = step_dir if step_dir is not None else lab.step_dir
    for control_id, value in settings.items():
        control = lab.control(control_id)
        if control is None or control.type != "pendant" or not isinstance(value, dict) or set(value) != {"file"}:
            continue
        name = value["file"]
        local = resolve_local(name, base, base) if isinstance(name, str) and base is not None else None
        if local is None or not local.is_file():
            raise LabConfigError(_("pendant log file not found: “{file}”").format(file=name))
        from app.jsonlimits import read_bounded

        try:
            out[control_id] = read_bounded(local, MAX_LOG_FILE_BYTES, what=str(name))
        except (OSError, ValueError) as exc:
            raise LabConfigError(_("pendant log file “{file}” cannot be read: {reason}").format(
                file=name, reason=exc)) from None
    return out


def _same(a: Any, b: Any) -> bool:
    # True == 1 in Python; a choice of true is not a choice of 1.
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    both_numbers = isinstance(a, int | float) and isinstance(b, int | float)
    return a == b and (type(a) is type(b) or both_numbers)


def simulators_api() -> Any:
    """The simulators package; ImportError if it (or part of its API) is missing."""
    import simulators

    missing = [name for name in _API if not hasattr(simulators, name)]
    if missing:
        raise ImportError(f"simulators lacks {', '.join(missing)}")
    return simulators


def scenario_source(lab: m.Lab, step_dir: Path | None) -> dict[str, Any] | str | Path:
    """What to hand ``simulators.load_scenario``: an inline mapping, a file path or a bundled name."""
    if lab.scenario_file is not None:
        base = step_dir if step_dir is not None else lab.step_dir
        if base is None:
            raise LabConfigError(_("the lab's step folder is unknown, so scenario_file cannot be found"))
        local = resolve_local(lab.scenario_file, base, base)
        if local is None or not local.is_file():
            raise LabConfigError(_("scenario file not found: “{file}”").format(file=lab.scenario_file))
        return local
    if isinstance(lab.scenario, dict):
        return copy.deepcopy(lab.scenario)
    if isinstance(lab.scenario, str):
        sims = simulators_api()
        bundled = sims.bundled_scenarios()
        if lab.scenario not in bundled:
            names = sorted(n for n, (kind, _p) in bundled.items() if kind == lab.simulator)
            raise LabConfigError(_("unknown bundled scenario “{name}” (for {kind}: {names})").format(
                name=lab.scenario, kind=lab.simulator, names=", ".join(names) or "—"))
        kind, path = bundled[lab.scenario]
        if kind != lab.simulator:
            raise LabConfigError(_("scenario “{name}” is for the {found} simulator, not {kind}").format(
                name=lab.scenario, found=kind, kind=lab.simulator))
        return Path(path)
    raise LabConfigError(_("the lab needs “scenario” (a name or a mapping) or “scenario_file”"))


def load_base_scenario(lab: m.Lab, step_dir: Path | None) -> Any:
    """The lab's scenario before any control is applied (a simulator scenario model)."""
    sims = simulators_api()
    source = scenario_source(lab, step_dir)
    try:
        return sims.load_scenario(lab.simulator, source)
    except sims.ScenarioError as exc:
        raise LabConfigError(_("the scenario is invalid: {reason}").format(reason=exc.located())) from None


def _scenario_dict(scenario: Any) -> dict[str, Any]:
    sims = simulators_api()
    return sims.scenario_data(scenario)


def check_lab_simulation(rep: Reporter, rel: str, lab: m.Lab, step_dir: Path) -> None:
    """Report problems only the simulators can see. Structure was checked before."""
    try:
        sims = simulators_api()
    except ImportError:
        rep.warning(rel, ["simulator"], _("the simulators are not installed, so this lab was not checked"))
        return
    if lab.simulator not in sims.SIMULATORS:
        rep.error(rel, ["simulator"], _("unknown simulator “{kind}” (available: {kinds})").format(
            kind=lab.simulator, kinds=", ".join(sims.SIMULATORS)))
        return
    if (lab.scenario is None) == (lab.scenario_file is None):
        return  # neither or both: reported by the structure checks
    if lab.scenario_file is not None:
        local = resolve_local(lab.scenario_file, step_dir, step_dir)
        if local is None or not local.is_file():
            return  # reported by the structure checks
    where: list[str | int] = ["scenario_file"] if lab.scenario_file is not None else ["scenario"]
    try:
        scenario = load_base_scenario(lab, step_dir)
    except LabConfigError as exc:
        rep.error(rel, where, str(exc))
        return
    data = _scenario_dict(scenario)
    for i, control in enumerate(lab.controls):
        if control.default is None:
            continue  # reported by the structure checks
        # Every language's starting program must run, not only the graded English one.
        if isinstance(control.default, dict) and control.type != "program":
            continue  # reported by the structure checks
        defaults = control.default if isinstance(control.default, dict) else {None: control.default}
        for locale, default in defaults.items():
            # The simulator validates the whole result, programs and rules included
            # (a robot program answers "line N: …", a maintenance rule "col N: …").
            try:
                sims.apply_overrides(lab.simulator, data, {control.path: default})
            except sims.ScenarioError as exc:
                reason = exc.message if exc.field == control.path else str(exc)
                at: list[str | int] = ["controls", i, "default" if control.type == "program" else "path"]
                rep.error(rel, [*at, locale] if locale else at, _(
                    "control “{id}” cannot be applied: {reason}").format(id=control.id, reason=reason))
    for i, objective in enumerate(lab.objectives):
        if not sims.is_metric(lab.simulator, scenario, objective.metric):
            known = ", ".join(sorted(sims.metric_names(lab.simulator)))
            rep.error(rel, ["objectives", i, "metric"], _(
                "unknown metric “{metric}” for the {kind} simulator (known: {known})").format(
                metric=objective.metric, kind=lab.simulator, known=known))
    check_examples(rep, rel, lab, sims, data, step_dir)


def check_examples(rep: Reporter, rel: str, lab: m.Lab, sims: Any, data: dict[str, Any],
                   step_dir: Path | None = None) -> None:
    """Each known-good/bad example names real controls with allowed values, and applies to the scenario."""
    if lab.examples is None:
        return
    for kind in ("good", "bad"):
        for i, settings in enumerate(getattr(lab.examples, kind)):
            where: list[str | int] = ["examples", kind, i]
            values: dict[str, Any] = {}
            try:
                settings = example_settings(lab, settings, step_dir)
            except LabConfigError as exc:
                rep.error(rel, where, str(exc))
                continue
            for control_id, value in settings.items():
                control = lab.control(control_id)
                if control is None:
                    rep.error(rel, [*where, control_id], _("the lab has no control “{id}”").format(id=control_id),
                              key=True)
                    continue
                try:
                    values[control.path] = check_control_value(control, value)
                except LabConfigError as exc:
                    rep.error(rel, [*where, control_id], str(exc))
            try:
                sims.apply_overrides(lab.simulator, data, values)
            except sims.ScenarioError as exc:
                rep.error(rel, where, _("this example cannot be run: {reason}").format(reason=exc))

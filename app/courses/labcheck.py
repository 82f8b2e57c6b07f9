"""Lab cross-references against the simulators: scenario, control paths, programs, metrics.

Also resolves a lab's scenario for running it (``resolve_scenario``), so the
validator and ``grading.lab_scenario`` agree on what a lab means.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from app.courses import models as m
from app.courses.render import resolve_local
from app.courses.reporter import Reporter
from app.i18n import _


class LabConfigError(ValueError):
    """A lab whose scenario or control values cannot be used; the message says which and why."""


_API = ("SIMULATORS", "ScenarioError", "load_scenario", "bundled_scenarios", "metric_names", "is_metric",
        "apply_overrides", "scenario_data", "run", "run_replications")


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
        # The simulator validates the whole result, programs and rules included
        # (a robot program answers "line N: …", a maintenance rule "col N: …").
        try:
            sims.apply_overrides(lab.simulator, data, {control.path: control.default})
        except sims.ScenarioError as exc:
            reason = exc.message if exc.field == control.path else str(exc)
            where = "default" if control.type == "program" else "path"
            rep.error(rel, ["controls", i, where], _("control “{id}” cannot be applied: {reason}").format(
                id=control.id, reason=reason))
    for i, objective in enumerate(lab.objectives):
        if not sims.is_metric(lab.simulator, scenario, objective.metric):
            known = ", ".join(sorted(sims.metric_names(lab.simulator)))
            rep.error(rel, ["objectives", i, "metric"], _(
                "unknown metric “{metric}” for the {kind} simulator (known: {known})").format(
                metric=objective.metric, kind=lab.simulator, known=known))

"""Zhizao Academy simulators: production line, predictive maintenance, robot cell, machine vibration.

Plain Python on SimPy (the line and maintenance models) — no Qt, no ``app`` imports. Typical use::

    sc = load_scenario("line", "unreliable-robot-line")
    result = run("line", sc, seed=7)
    result.metrics["oee"], result.bottleneck_station

Everything is deterministic: the same scenario and seed give the same numbers,
bit for bit, and each stochastic element has its own random stream.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Import pydantic's lazily loaded parts in one go, first: PySide6's import hook (active under
# pytest-qt and in the GUI) inspects half-initialised modules and breaks pydantic's lazy imports.
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError, model_validator  # noqa: F401 - imported for the side effect above

from simulators.errors import ProgramError, ScenarioError
from simulators.events import SimEvent
from simulators.loading import (
    SIMULATORS,
    apply_overrides,
    bundled_scenarios,
    detect_kind,
    load_scenario,
    scenario_class,
    scenario_data,
)
from simulators.replications import ReplicationSummary, replicate
from simulators.robot.language import Program, parse_program
from simulators.stats import MetricSummary

__all__ = [
    "SIMULATORS", "ScenarioError", "ProgramError", "SimEvent", "Program", "MetricSummary", "ReplicationSummary",
    "load_scenario", "bundled_scenarios", "detect_kind", "scenario_data", "metric_names", "is_metric",
    "apply_overrides", "run", "run_replications", "make_runner", "parse_program",
]


def _scenario(kind: str, scenario: Any) -> Any:
    """Accept a scenario model, or anything ``load_scenario`` reads."""
    cls = scenario_class(kind)
    if isinstance(scenario, cls):
        return scenario
    if isinstance(scenario, BaseModel):
        raise ScenarioError("kind", f"expected a '{kind}' scenario, got {type(scenario).__name__}")
    return load_scenario(kind, scenario)


def metric_names(kind: str) -> frozenset[str]:
    """The static metric names of a simulator (line per-station names: see ``is_metric``)."""
    if kind == "line":
        from simulators.line.results import LINE_METRICS

        return LINE_METRICS
    if kind == "maintenance":
        from simulators.maintenance.runner import MAINTENANCE_METRICS

        return MAINTENANCE_METRICS
    if kind == "robot_cell":
        from simulators.robot.runner import ROBOT_METRICS

        return ROBOT_METRICS
    if kind == "vibration":
        from simulators.vibration.runner import VIBRATION_METRICS

        return VIBRATION_METRICS
    if kind == "robot_arm":
        from simulators.robot.arm.tasks import ROBOT_ARM_METRICS

        return ROBOT_ARM_METRICS
    raise ScenarioError("kind", f"unknown simulator '{kind}' (expected one of: {', '.join(SIMULATORS)})")


def _line_names(scenario: Any) -> tuple[set[str], set[str]]:
    if isinstance(scenario, BaseModel):
        return {s.name for s in scenario.stations}, {b.name for b in scenario.buffers}  # type: ignore[attr-defined]
    if isinstance(scenario, (str, Path)):
        return _line_names(load_scenario("line", scenario))
    stations = {s.get("name") for s in scenario.get("stations", []) if isinstance(s, dict)}
    buffers = set()
    for i, b in enumerate(scenario.get("buffers", [])):
        buffers.add(b.get("name", f"B{i + 1}") if isinstance(b, dict) else f"B{i + 1}")
    return {s for s in stations if isinstance(s, str)}, buffers


def is_metric(kind: str, scenario: Any, name: str) -> bool:
    """Whether ``name`` is reported for this scenario: static names, plus for lines
    ``station.<station>.<working|starved|blocked|down|maintenance|setup|availability|performance|
    quality|oee|failures|produced|scrap|uptime>`` and ``buffer.<buffer>.mean_level``; an
    order-driven line adds delivery, ``product.<product>.*``, six-big-loss and ``balance.*`` metrics."""
    if kind == "robot_arm":  # each task kind reports its own metrics
        from simulators.robot.arm.tasks import TASK_METRICS

        return name in TASK_METRICS[_scenario(kind, scenario).task.kind]
    if name in metric_names(kind):
        return True
    if kind == "vibration":
        return _is_machine_metric(scenario, name)
    if kind != "line" or not isinstance(name, str):
        return False
    if _order_driven_metric(scenario, name):
        return True
    from simulators.line.results import BUFFER_METRICS, STATION_METRICS

    head, _, rest = name.partition(".")
    element, _, metric = rest.rpartition(".")
    if not element:
        return False
    stations, buffers = _line_names(scenario)
    if head == "station":
        return element in stations and metric in STATION_METRICS
    if head == "buffer":
        return element in buffers and metric in BUFFER_METRICS
    return False


def _order_driven_metric(scenario: Any, name: str) -> bool:
    """Delivery, product, loss and balance metrics of an order-driven line (see simulators.line.flow_results)."""
    from simulators.line.flow_results import is_flow_metric

    if not isinstance(scenario, BaseModel):
        try:
            scenario = load_scenario("line", scenario)
        except ScenarioError:
            return False
    return is_flow_metric(scenario, name)


def _is_machine_metric(scenario: Any, name: str) -> bool:
    """``machine.<name>.<metric>`` for a machine of this vibration scenario."""
    from simulators.vibration.runner import MACHINE_METRICS

    head, _, rest = str(name).partition(".")
    machine, _, metric = rest.rpartition(".")
    if head != "machine" or metric not in MACHINE_METRICS:
        return False
    sc = _scenario("vibration", scenario)
    return sc.machine(machine) is not None


def make_runner(kind: str, scenario: Any, seed: int | None = None) -> Any:
    """A steppable run: ``advance(until)``, ``now``, ``end_time``, ``done``, ``snapshot()``,
    ``subscribe(callback)``, ``reset()``, ``result()``."""
    sc = _scenario(kind, scenario)
    seed = sc.seed if seed is None else int(seed)
    if kind == "line":
        from simulators.line.runner import LineRunner

        return LineRunner(sc, seed)
    if kind == "maintenance":
        from simulators.maintenance.runner import MaintenanceRunner

        return MaintenanceRunner(sc, seed)
    if kind == "vibration":
        from simulators.vibration.runner import VibrationRunner

        return VibrationRunner(sc, seed)
    if kind == "robot_arm":
        from simulators.robot.arm.runner import RobotArmRunner

        return RobotArmRunner(sc, seed)
    from simulators.robot.runner import RobotRunner

    return RobotRunner(sc, seed)


def run(kind: str, scenario: Any, seed: int | None = None) -> Any:
    """Run one replication to the end; ``result.metrics`` is a flat ``dict[str, float]``.

    Line results also carry ``bottleneck_station``, ``bottleneck_reason``, ``series`` and
    ``state_intervals``; maintenance results ``series``; robot results ``cycle_time_s``,
    ``path`` and ``violations``; vibration results ``machines`` (waveforms, spectra, features).
    """
    runner = make_runner(kind, scenario, seed)
    runner.advance(runner.end_time)
    return runner.result()


def run_replications(kind: str, scenario: Any, seed: int | None = None, replications: int | None = None,
                     parallel: bool = True) -> ReplicationSummary:
    """``replications`` independent runs (replication 0 equals ``run`` with the same seed),
    in parallel on all cores; per metric the mean and the 95 % CI half-width (Student t)."""
    sc = _scenario(kind, scenario)
    seed = sc.seed if seed is None else int(seed)
    n = sc.replications if replications is None else int(replications)
    if n < 1:
        raise ScenarioError("replications", "must be at least 1")
    return replicate(kind, sc, seed, n, parallel)

"""Machines that wear, sensors that show it, and a maintenance policy that reacts — in SimPy.

Each installed part (bearing) gets its own random streams (wear path, sensor
noise, shocks), keyed by machine and part number. Its whole life is therefore
fixed when it is installed — whatever the policy does — so policies are compared
on the same parts (common random numbers), and the warning lead time of an
alarm can be measured to the hour the part *would* have failed.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

import simpy

from simulators.events import Publisher
from simulators.maintenance.rules import Rule, compile_rule
from simulators.maintenance.scenario import (
    ConditionBased,
    FixedInterval,
    GammaWear,
    MaintenanceScenario,
    RulePolicy,
    SignalModel,
)
from simulators.streams import stream

MAX_STEPS_PER_LIFE = 2_000_000


class PartLife:
    """One installed part: its hidden wear path and the age (operating hours) it fails at."""

    def __init__(self, sc: MaintenanceScenario, seed: int, replication: int, machine: str, number: int) -> None:
        dt = sc.sample_interval_h
        self.dt = dt
        rng = stream(seed, machine, f"wear.{number}", replication)
        deg = sc.degradation
        self.grid: list[float] | None = None
        if isinstance(deg, GammaWear):
            theta = deg.cv**2
            shape = dt / (theta * deg.unit_wear_h)
            wear = [0.0]
            w = 0.0
            gamma = rng.gammavariate
            while w < 1.0:
                w += gamma(shape, theta)
                wear.append(w)
                if len(wear) > MAX_STEPS_PER_LIFE:
                    break
            n = len(wear) - 1
            prev = wear[n - 1]
            frac = (1.0 - prev) / (wear[n] - prev) if wear[n] > prev else 1.0
            self.wear_life = (n - 1 + min(max(frac, 0.0), 1.0)) * dt
            self.grid = wear
        else:
            self.wear_life = deg.scale_h * (-math.log(1.0 - rng.random())) ** (1.0 / deg.shape)
        self.failure_age = self.wear_life
        self.shock = False
        if sc.random_failure_rate_per_h > 0:
            shock_rng = stream(seed, machine, f"shock.{number}", replication)
            t = -math.log(1.0 - shock_rng.random()) / sc.random_failure_rate_per_h
            if t < self.failure_age:
                self.failure_age, self.shock = t, True
        self.noise = stream(seed, machine, f"sensors.{number}", replication).normalvariate

    def wear_at(self, age: float) -> float:
        """Hidden wear at ``age`` (0 new … 1 failed), linear between grid points."""
        if self.grid is None:
            return min(age / self.wear_life, 1.0) if self.wear_life > 0 else 1.0
        x = age / self.dt
        i = int(x)
        if i + 1 >= len(self.grid):
            return min(self.grid[-1], 1.0)
        w = self.grid[i] + (x - i) * (self.grid[i + 1] - self.grid[i])
        return min(w, 1.0)


def _reading(model: SignalModel, wear: float, noise: float) -> float:
    return model.base + (model.at_failure - model.base) * wear**model.exponent + noise * model.noise_sd


@dataclass
class MachineSeries:
    """Readings of one machine (calendar hours); ``wear`` is the hidden truth, for debriefing."""

    times: list[float] = field(default_factory=list)
    vibration: list[float] = field(default_factory=list)
    temperature: list[float] = field(default_factory=list)
    current: list[float] = field(default_factory=list)
    wear: list[float] = field(default_factory=list)
    events: list[tuple[float, str]] = field(default_factory=list)


class MachineState:
    def __init__(self, name: str) -> None:
        self.name = name
        self.state = "running"
        self.part = 0
        self.age = 0.0
        self.latest: dict[str, float] = {}
        self.alarm = False
        self.wear = 0.0


class MaintenanceModel(Publisher):
    """One replication of a maintenance scenario."""

    def __init__(self, scenario: MaintenanceScenario, seed: int, replication: int = 0, record: bool = True) -> None:
        super().__init__()
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.record = record
        self.env = simpy.Environment()
        self.end_time = scenario.horizon_h
        self.counts: dict[str, float] = {
            "unplanned_failures": 0, "planned_stops": 0, "false_alarms": 0, "missed_failures": 0,
            "alarms": 0, "replacements": 0, "planned_replacements": 0, "inspections": 0, "shock_failures": 0,
            "downtime_h": 0.0, "unplanned_downtime_h": 0.0, "planned_downtime_h": 0.0,
        }
        self.lead_times: list[float] = []
        self.replacement_ages: list[float] = []
        self.machines = [MachineState(f"M{i + 1}") for i in range(scenario.machines)]
        self.series = {m.name: MachineSeries() for m in self.machines}
        policy = scenario.policy
        self._rule_factory = (compile_rule(policy.rule, scenario.sample_interval_h, scenario.zones.zone)
                              if isinstance(policy, RulePolicy) else None)
        for m in self.machines:
            self.env.process(self._machine(m))

    def _new_rule(self) -> Rule | None:
        return self._rule_factory() if self._rule_factory else None

    def _alarm_condition(self, rule: Rule | None, readings: dict[str, float]) -> bool:
        policy = self.scenario.policy
        if isinstance(policy, ConditionBased):
            return readings[policy.signal] >= policy.threshold
        if rule is not None:
            return rule(readings)
        return False

    def _downtime(self, machine: MachineState, hours: float, kind: str) -> None:
        counted = max(0.0, min(hours, self.end_time - self.env.now))
        self.counts["downtime_h"] += counted
        self.counts["unplanned_downtime_h" if kind == "corrective" else "planned_downtime_h"] += counted

    def _note(self, machine: MachineState, kind: str, **data: Any) -> None:
        now = self.env.now
        if self.record and now < self.end_time:
            self.series[machine.name].events.append((now, kind))
        if self._subscribers:
            self._emit(now, kind, machine.name, **data)

    def _machine(self, m: MachineState) -> Generator[simpy.Event, Any, None]:
        sc, env = self.scenario, self.env
        dt = sc.sample_interval_h
        policy = sc.policy
        persistence = getattr(policy, "persistence", 1)
        response = getattr(policy, "response_h", 0.0)
        inf = math.inf
        draws = {
            "corrective": sc.repair.corrective_h.sampler(stream(self.seed, m.name, "corrective", self.replication)),
            "planned": sc.repair.planned_h.sampler(stream(self.seed, m.name, "planned", self.replication)),
            "inspection": sc.repair.inspection_h.sampler(stream(self.seed, m.name, "inspection", self.replication)),
        }
        series = self.series[m.name]
        counts = self.counts
        number = 0
        while True:
            life = PartLife(sc, self.seed, self.replication, m.name, number)
            m.part, m.age, m.alarm = number, 0.0, False
            age = 0.0
            rule = self._new_rule()
            streak = 0
            alarm_age: float | None = None
            warned = False
            stop_age = policy.interval_h if isinstance(policy, FixedInterval) else inf
            next_sample = dt
            while True:
                if life.failure_age <= min(next_sample, stop_age):
                    yield env.timeout(life.failure_age - age)
                    age = m.age = life.failure_age
                    m.state, m.wear = "down", life.wear_at(age)
                    counts["unplanned_failures"] += 1
                    counts["shock_failures"] += life.shock
                    if warned and alarm_age is not None:
                        self.lead_times.append(life.failure_age - alarm_age)
                    else:
                        counts["missed_failures"] += 1
                    hours = draws["corrective"]()
                    self._note(m, "failure", part=number, age_h=age, warned=warned, repair_h=hours)
                    self._downtime(m, hours, "corrective")
                    counts["replacements"] += 1
                    self.replacement_ages.append(age)
                    self._cost_event("corrective")
                    yield env.timeout(hours)
                    self._note(m, "back_in_service", part=number + 1)
                    break
                if stop_age <= next_sample:
                    yield env.timeout(stop_age - age)
                    age = m.age = stop_age
                    counts["planned_stops"] += 1
                    wear = life.wear_at(age)
                    m.wear = wear
                    replace = isinstance(policy, FixedInterval) or wear >= sc.repair.replace_above
                    if replace:
                        hours = draws["planned"]()
                        m.state = "planned_replacement"
                        counts["replacements"] += 1
                        counts["planned_replacements"] += 1
                        self.replacement_ages.append(age)
                        if alarm_age is not None:
                            self.lead_times.append(life.failure_age - alarm_age)
                        self._note(m, "planned_replacement", part=number, age_h=age, wear=wear, hours=hours)
                        self._downtime(m, hours, "planned")
                        self._cost_event("planned")
                        yield env.timeout(hours)
                        self._note(m, "back_in_service", part=number + 1)
                        break
                    hours = draws["inspection"]()
                    m.state = "inspection"
                    counts["false_alarms"] += 1
                    counts["inspections"] += 1
                    self._note(m, "false_alarm", part=number, age_h=age, wear=wear, hours=hours)
                    self._downtime(m, hours, "inspection")
                    self._cost_event("inspection")
                    yield env.timeout(hours)
                    m.state, m.alarm = "running", False
                    self._note(m, "back_in_service", part=number)
                    streak, alarm_age, stop_age, warned = 0, None, inf, False
                    continue
                yield env.timeout(next_sample - age)
                age = m.age = next_sample
                next_sample += dt
                wear = life.wear_at(age)
                readings = {
                    "vibration": max(0.0, _reading(sc.sensors.vibration, wear, life.noise(0.0, 1.0))),
                    "temperature": _reading(sc.sensors.temperature, wear, life.noise(0.0, 1.0)),
                    "current": max(0.0, _reading(sc.sensors.current, wear, life.noise(0.0, 1.0))),
                }
                m.latest, m.wear = readings, wear
                now = env.now
                if self.record and now < self.end_time:
                    series.times.append(now)
                    series.vibration.append(readings["vibration"])
                    series.temperature.append(readings["temperature"])
                    series.current.append(readings["current"])
                    series.wear.append(wear)
                if self._subscribers:
                    self._emit(now, "reading", m.name, zone="ABCD"[sc.zones.zone(readings["vibration"]) - 1],
                               **readings)
                if self._alarm_condition(rule, readings):
                    streak += 1
                else:
                    streak = 0
                if streak >= persistence and alarm_age is None:
                    alarm_age = age
                    warned = True
                    m.alarm = True
                    counts["alarms"] += 1
                    stop_age = age + response
                    self._note(m, "alarm", part=number, age_h=age, **readings)
            number += 1
            m.state = "running"

    def _cost_event(self, kind: str) -> None:
        key = f"n_{kind}"
        self.counts[key] = self.counts.get(key, 0) + 1

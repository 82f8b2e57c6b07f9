"""Maintenance metrics and a steppable runner (sim time in hours)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.events import Subscriber
from simulators.maintenance.model import MachineSeries, MaintenanceModel
from simulators.maintenance.scenario import MaintenanceScenario

MAINTENANCE_METRICS = frozenset(
    {
        "unplanned_failures", "planned_stops", "false_alarms", "missed_failures", "alarms", "replacements",
        "availability", "downtime_h", "unplanned_downtime_h", "planned_downtime_h", "total_cost",
        "downtime_cost", "repair_cost", "spare_parts_cost", "mean_warning_lead_time_h",
        "mean_replacement_age_h", "cost_per_operating_h",
    }
)


@dataclass
class MaintenanceResult:
    kind: str
    seed: int
    replication: int
    metrics: dict[str, float]
    series: dict[str, MachineSeries] = field(default_factory=dict)


def collect(model: MaintenanceModel) -> MaintenanceResult:
    sc, c = model.scenario, model.counts
    costs = sc.costs
    total_time = sc.horizon_h * sc.machines
    downtime_cost = c["downtime_h"] * costs.downtime_per_h
    repair_cost = (c.get("n_corrective", 0) * costs.corrective_repair + c.get("n_planned", 0) * costs.planned_repair
                   + c.get("n_inspection", 0) * costs.inspection)
    spares = c["replacements"] * costs.spare_part
    total = downtime_cost + repair_cost + spares
    operating = total_time - c["downtime_h"]
    metrics = {
        "unplanned_failures": float(c["unplanned_failures"]),
        "planned_stops": float(c["planned_stops"]),
        "false_alarms": float(c["false_alarms"]),
        "missed_failures": float(c["missed_failures"]),
        "alarms": float(c["alarms"]),
        "replacements": float(c["replacements"]),
        "availability": 1.0 - c["downtime_h"] / total_time,
        "downtime_h": c["downtime_h"],
        "unplanned_downtime_h": c["unplanned_downtime_h"],
        "planned_downtime_h": c["planned_downtime_h"],
        "total_cost": total,
        "downtime_cost": downtime_cost,
        "repair_cost": repair_cost,
        "spare_parts_cost": spares,
        "mean_warning_lead_time_h": sum(model.lead_times) / len(model.lead_times) if model.lead_times else 0.0,
        "mean_replacement_age_h": (sum(model.replacement_ages) / len(model.replacement_ages)
                                   if model.replacement_ages else 0.0),
        "cost_per_operating_h": total / operating if operating > 0 else 0.0,
    }
    return MaintenanceResult("maintenance", model.seed, model.replication, metrics, model.series)


class MaintenanceRunner:
    """Advance in slices (hours), read snapshots, subscribe to readings, alarms and failures."""

    kind = "maintenance"

    def __init__(self, scenario: MaintenanceScenario, seed: int, replication: int = 0, record: bool = True) -> None:
        self.scenario = scenario
        self.seed = seed
        self.replication = replication
        self.record = record
        self._subscribers: list[Subscriber] = []
        self._result: MaintenanceResult | None = None
        self.model = MaintenanceModel(scenario, seed, replication, record)

    @property
    def end_time(self) -> float:
        return self.model.end_time

    @property
    def now(self) -> float:
        return float(self.model.env.now)

    @property
    def done(self) -> bool:
        return self.model.env.now >= self.model.end_time

    def advance(self, until: float) -> None:
        target = min(float(until), self.model.end_time)
        if target > self.model.env.now:
            self.model.env.run(until=target)

    def reset(self) -> None:
        self.model = MaintenanceModel(self.scenario, self.seed, self.replication, self.record)
        for callback in self._subscribers:
            self.model.subscribe(callback)
        self._result = None

    def subscribe(self, callback: Subscriber) -> None:
        self._subscribers.append(callback)
        self.model.subscribe(callback)

    def unsubscribe(self, callback: Subscriber) -> None:
        if callback in self._subscribers:
            self._subscribers.remove(callback)
            self.model._subscribers.remove(callback)

    def snapshot(self) -> dict[str, Any]:
        """Per machine: state, part number and age, latest readings and vibration zone, alarm; counters.

        ``hidden_wear`` is the true wear (0…1), for the debriefing view only.
        """
        zones = self.scenario.zones
        machines = {}
        for m in self.model.machines:
            vib = m.latest.get("vibration")
            machines[m.name] = {
                "state": m.state,
                "part": m.part,
                "age_h": m.age,
                "readings": dict(m.latest),
                "zone": "ABCD"[zones.zone(vib) - 1] if vib is not None else None,
                "alarm": m.alarm,
                "hidden_wear": m.wear,
            }
        counters = {k: v for k, v in self.model.counts.items() if not k.startswith("n_")}
        return {"time": self.now, "machines": machines, "counters": counters}

    def result(self) -> MaintenanceResult:
        if not self.done:
            raise RuntimeError("the run has not reached its end time yet")
        if self._result is None:
            self._result = collect(self.model)
        return self._result


def run_maintenance(scenario: MaintenanceScenario, seed: int, replication: int = 0,
                    record: bool = True) -> MaintenanceResult:
    runner = MaintenanceRunner(scenario, seed, replication, record)
    runner.advance(runner.end_time)
    return runner.result()

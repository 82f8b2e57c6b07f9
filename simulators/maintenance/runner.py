"""Maintenance metrics and a steppable runner (sim time in hours)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from simulators.maintenance.model import MachineSeries, MaintenanceModel
from simulators.maintenance.scenario import MaintenanceScenario
from simulators.stepping import SteppableRunner

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


class MaintenanceRunner(SteppableRunner[MaintenanceResult]):
    """Advance in slices (hours), read snapshots, subscribe to readings, alarms and failures."""

    kind = "maintenance"

    def _new_model(self) -> MaintenanceModel:
        return MaintenanceModel(self.scenario, self.seed, self.replication, self.record)

    def _collect(self) -> MaintenanceResult:
        return collect(self.model)

    def _allow_work(self, until: float, budget: int) -> int:
        self.model.until, self.model.block_budget = until, budget  # readings taken in blocks (model.py)
        return self.model.block_samples

    def _work_done(self) -> int:
        return self.model.block_samples

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



def run_maintenance(scenario: MaintenanceScenario, seed: int, replication: int = 0,
                    record: bool = True) -> MaintenanceResult:
    return MaintenanceRunner(scenario, seed, replication, record).run_to_end()

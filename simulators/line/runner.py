"""A steppable line run for the GUI; ``run`` drives the same runner to the end.

A line with products, orders, dispatching, release control, changeovers, loss sources or a
balancing runs on the order-driven model; any other line on the serial model.
"""

from __future__ import annotations

from typing import Any

from simulators.line.model import STATE_NAMES, LineModel
from simulators.line.results import LineResult, collect
from simulators.line.scenario import LineScenario
from simulators.stepping import SteppableRunner


class LineRunner(SteppableRunner[LineResult]):
    """Advance in slices, pause (just stop calling), resume, reset; read snapshots; subscribe."""

    kind = "line"

    def _new_model(self) -> Any:
        if self.scenario.order_driven:
            from simulators.line.flow_model import FlowModel

            return FlowModel(self.scenario, self.seed, self.replication, self.record)
        return LineModel(self.scenario, self.seed, self.replication, self.record)

    def _collect(self) -> LineResult:
        if self.scenario.order_driven:
            from simulators.line.flow_results import collect_flow

            return collect_flow(self.model)
        return collect(self.model)

    def snapshot(self) -> dict[str, Any]:
        """Current state: per-station server states and counters, buffer levels, WIP, totals.

        Counters count from the end of warm-up; ``finished_total`` from t = 0. An order-driven
        line also reports its backlog (units released by the plan but not yet in the line).
        """
        m = self.model
        names = getattr(m, "state_names", STATE_NAMES)
        snap = {
            "time": self.now,
            "in_warmup": self.now < m.warmup,
            "stations": {
                st.name: {
                    "servers": [names[s.state] for s in st.servers_list],
                    "produced": st.ops,
                    "scrap": st.scrap,
                    "failures": st.failures,
                }
                for st in m.stations
            },
            "buffers": {b.name: len(b.items) for b in m.buffers},
            "input_queue": len(m.input.items) if m.input is not None else None,
            "wip": m.wip,
            "good_parts": m.good,
            "finished_total": m.finished_total,
            "scrap_total": m.scrap_total,
        }
        if hasattr(m, "backlog"):
            snap["input_queue"] = len(m.input.items) + len(m.backlog)
            snap["backlog"] = len(m.backlog)
        return snap


def run_line(scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> LineResult:
    return LineRunner(scenario, seed, replication, record).run_to_end()

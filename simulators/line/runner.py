"""A steppable line run for the GUI; ``run`` drives the same runner to the end."""

from __future__ import annotations

from typing import Any

from simulators.stepping import SteppableRunner
from simulators.line.model import STATE_NAMES, LineModel
from simulators.line.results import LineResult, collect
from simulators.line.scenario import LineScenario


class LineRunner(SteppableRunner[LineResult]):
    """Advance in slices, pause (just stop calling), resume, reset; read snapshots; subscribe."""

    kind = "line"

    def _new_model(self) -> LineModel:
        return LineModel(self.scenario, self.seed, self.replication, self.record)

    def _collect(self) -> LineResult:
        return collect(self.model)

    def snapshot(self) -> dict[str, Any]:
        """Current state: per-station server states and counters, buffer levels, WIP, totals.

        Counters count from the end of warm-up; ``finished_total`` from t = 0.
        """
        m = self.model
        return {
            "time": self.now,
            "in_warmup": self.now < m.warmup,
            "stations": {
                st.name: {
                    "servers": [STATE_NAMES[s.state] for s in st.servers_list],
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



def run_line(scenario: LineScenario, seed: int, replication: int = 0, record: bool = True) -> LineResult:
    return LineRunner(scenario, seed, replication, record).run_to_end()

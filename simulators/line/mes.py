"""MES-like production data of an order-driven run: OEE with the six big losses, the event log,
per-unit genealogy, and export of the log as CSV or JSON lines (plain Python, no Qt).

OEE follows ISO 22400-2 for one work unit (a station):

* PBT, planned busy time = servers × observed time − planned downtime
* APT, actual production time = time processing (at full or reduced speed) + minor stops
* A = APT / PBT;  E = Σ PRI / APT (PRI: the planned run time of each operation done, so a
  product mix is weighted correctly);  QR = GQ / PQ;  OEE = A · E · QR

The loss tree splits PBT exactly: breakdowns + setups + idle (starved or blocked) + minor stops +
reduced speed + startup rejects + production rejects + valuable time = PBT. Reduced speed is
the processing time beyond the planned run time, so normal variation around the plan shows up
there too (and can make it slightly negative in a lucky run).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, NamedTuple

EVENT_FIELDS = ("time_s", "event", "station", "server", "unit", "order", "product", "value")
"""Columns of the event log. ``event`` is one of release, changeover, start, minor_stop, end,
scrap (value 1 = startup reject), rework, failure (value = repair time), repair, complete
(value = lead time), order_done (value = lateness). ``server`` is −1 for line-level events."""
LOSS_NAMES = ("breakdowns", "setups", "idle", "minor_stops", "reduced_speed", "startup_rejects",
              "production_rejects")


@dataclass(frozen=True)
class OeeBreakdown:
    """One station's ISO 22400 KPIs and its loss tree in seconds (``losses`` + ``valuable_s`` = ``pbt_s``)."""

    pbt_s: float
    apt_s: float
    availability: float
    effectiveness: float
    quality: float
    losses: dict[str, float]
    valuable_s: float

    @property
    def oee(self) -> float:
        return self.availability * self.effectiveness * self.quality

    @property
    def biggest_loss(self) -> str:
        """The largest of the six big losses (idle time is not one of them)."""
        return max((n for n in LOSS_NAMES if n != "idle"), key=lambda n: self.losses[n])


def oee_breakdown(state_s: dict[str, float], ideal_all_s: float, ideal_good_s: float, ideal_startup_s: float,
                  ideal_rejects_s: float, produced: int, good: int) -> OeeBreakdown:
    """KPIs and losses from a station's time per state and the planned run time of its operations.

    ``ideal_*``: Σ PRI of all operations, of good ones, of startup rejects, of production
    rejects and reworks. ``produced``/``good``: PQ and GQ.
    """
    total = sum(state_s.values())
    pbt = total - state_s.get("maintenance", 0.0)
    processing = state_s.get("working", 0.0) + state_s.get("reduced_speed", 0.0)
    minor = state_s.get("minor_stop", 0.0)
    apt = processing + minor
    losses = {
        "breakdowns": state_s.get("down", 0.0),
        "setups": state_s.get("setup", 0.0),
        "idle": state_s.get("starved", 0.0) + state_s.get("blocked", 0.0),
        "minor_stops": minor,
        "reduced_speed": processing - ideal_all_s,
        "startup_rejects": ideal_startup_s,
        "production_rejects": ideal_rejects_s,
    }
    return OeeBreakdown(
        pbt_s=pbt,
        apt_s=apt,
        availability=apt / pbt if pbt > 0 else 0.0,
        effectiveness=ideal_all_s / apt if apt > 0 else 0.0,
        quality=good / produced if produced else 0.0,
        losses=losses,
        valuable_s=ideal_good_s,
    )


class Operation(NamedTuple):
    """One unit's visit to a station: when it started and ended there, and how it ended."""

    station: str
    server: int
    start: float
    end: float
    outcome: str  # good, rework or scrap


@dataclass
class ProductionLog:
    """The recorded events of one run (rows in ``EVENT_FIELDS`` order)."""

    events: list[tuple[float, str, str, int, str, str, str, float]] = field(default_factory=list)

    def rows(self) -> list[dict[str, Any]]:
        return [dict(zip(EVENT_FIELDS, e)) for e in self.events]

    def genealogy(self) -> dict[str, list[Operation]]:
        """Per unit (``order/seq`` or ``U<seq>``): its operations in time order."""
        out: dict[str, list[Operation]] = {}
        started: dict[tuple[str, str], tuple[int, float]] = {}
        for t, kind, station, server, unit, _order, _product, _value in self.events:
            if kind == "start":
                started[(unit, station)] = (server, t)
            elif kind in ("end", "scrap", "rework") and (unit, station) in started:
                server0, t0 = started.pop((unit, station))
                outcome = {"end": "good"}.get(kind, kind)
                out.setdefault(unit, []).append(Operation(station, server0, t0, t, outcome))
        return out

    def of_order(self, order_id: str) -> list[tuple[float, str, str, int, str, str, str, float]]:
        return [e for e in self.events if e[5] == order_id]


def loss_summary(events: Iterable[Sequence[Any]], station: str, start: float = 0.0,
                 end: float = float("inf")) -> dict[str, float]:
    """What a shift report reads off the event log for one station between ``start`` and ``end``:
    breakdown, changeover and minor-stop counts and seconds (each event's duration clipped to the
    window), startup rejects, production rejects (scrap), reworks and good operations.

    The same numbers as the state accounting, up to an activity a breakdown interrupted at the
    window's edges — which is how a trainee finds the biggest loss from the log alone.
    """
    out = dict.fromkeys(("breakdowns", "breakdowns_s", "changeovers", "changeovers_s", "minor_stops",
                         "minor_stops_s", "startup_rejects", "production_rejects", "reworks", "good"), 0.0)
    timed = {"failure": "breakdowns", "changeover": "changeovers", "minor_stop": "minor_stops"}
    for t, kind, where, _server, _unit, _order, _product, value in events:
        if where != station:
            continue
        if kind in timed:
            seconds = max(0.0, min(t + value, end) - max(t, start))
            if start <= t < end:
                out[timed[kind]] += 1
            out[timed[kind] + "_s"] += seconds
        elif start <= t < end:
            if kind == "scrap":
                out["startup_rejects" if value == 1 else "production_rejects"] += 1
            elif kind == "rework":
                out["reworks"] += 1
            elif kind == "end":
                out["good"] += 1
    return out


def _open(target: str | Path | IO[str]) -> tuple[IO[str], bool]:
    if isinstance(target, (str, Path)):
        return open(target, "w", encoding="utf-8", newline=""), True
    return target, False


def export_events(events: Iterable[Sequence[Any]], target: str | Path | IO[str], fmt: str = "csv") -> int:
    """Write the event log to a path or text stream as ``csv`` (with a header) or ``jsonl``; rows written."""
    if fmt not in ("csv", "jsonl"):
        raise ValueError(f"unknown export format '{fmt}' (expected csv or jsonl)")
    stream, owned = _open(target)
    n = 0
    try:
        if fmt == "csv":
            writer = csv.writer(stream)
            writer.writerow(EVENT_FIELDS)
            for e in events:
                writer.writerow([f"{e[0]:.3f}", *e[1:7], f"{e[7]:.6g}"])
                n += 1
        else:
            for e in events:
                stream.write(json.dumps(dict(zip(EVENT_FIELDS, e)), ensure_ascii=False) + "\n")
                n += 1
    finally:
        if owned:
            stream.close()
    return n


def export_state_log(state_intervals: dict[str, Iterable[Any]], target: str | Path | IO[str]) -> int:
    """Write per-station state intervals (station, server, start_s, end_s, state) as CSV; rows written."""
    stream, owned = _open(target)
    n = 0
    try:
        writer = csv.writer(stream)
        writer.writerow(("station", "server", "start_s", "end_s", "state"))
        for station, rows in state_intervals.items():
            for r in rows:
                writer.writerow((station, r.server, f"{r.start:.3f}", f"{r.end:.3f}", r.state))
                n += 1
    finally:
        if owned:
            stream.close()
    return n


def events_csv(events: Iterable[Sequence[Any]]) -> str:
    """The event log as CSV text."""
    buf = io.StringIO()
    export_events(events, buf, "csv")
    return buf.getvalue()

"""Helpers for the simulator tests: scenario builders and a statistical tolerance check."""

from __future__ import annotations

from typing import Any

from simulators.stats import MetricSummary


def station(name: str, process: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "process": process, **extra}


def line(stations: list[dict[str, Any]], buffers: list[int] | None = None, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": "line", "stations": stations,
                            "buffers": buffers if buffers is not None else [10] * (len(stations) - 1)}
    data.update(extra)
    return data


def close_to(summary: MetricSummary, expected: float, rel: float = 0.0, widths: float = 4.0) -> bool:
    """Theory lies within ``widths`` CI half-widths (plus a small relative slack) of the estimate."""
    return abs(summary.mean - expected) <= widths * summary.half_width + rel * abs(expected)

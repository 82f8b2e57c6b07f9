"""One line per benchmark: name, our figure, the floor measured in the same run, ratio."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def report(name: str, ours: float, floor: float, unit: str = "ms", note: str = "") -> float:
    ratio = ours / floor if floor else float("inf")
    line = f"BENCH {name}: ours {ours:.2f} {unit}, floor {floor:.2f} {unit}, ratio {ratio:.2f}"
    if note:
        line += f"  ({note})"
    print(line, flush=True)
    return ratio


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``fn`` in ms over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)

"""Line balancing as plain functions: takt, station times, balance measures, feasibility, heuristics.

An *assignment* maps each task name to a 1-based workstation. It is feasible when every
task sits at or after the stations of the tasks it needs first and no station's work
exceeds the takt time. Formulas (Heizer & Render; Groover):

* takt = available time / demand; theoretical minimum stations = ⌈Σt / takt⌉
* efficiency = Σt / (n · takt); balance delay = 1 − efficiency
* line efficiency = Σt / (n · CT), CT = the longest station time (the line's cycle time)
* smoothness index = √Σ(CT − t_k)²
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

EPS = 1e-9


@dataclass(frozen=True)
class WorkElement:
    """One task: ``time`` seconds, after the tasks named in ``after``."""

    name: str
    time: float
    after: tuple[str, ...] = ()


class BalancingError(ValueError):
    """Tasks that cannot be balanced at all (unknown predecessor, a cycle, a task longer than takt)."""


@dataclass
class BalanceReport:
    """The measures of one assignment; ``problems`` says what makes it infeasible (empty: feasible)."""

    takt_s: float
    stations: int
    station_times: list[float]
    work_content_s: float
    cycle_time_s: float
    bottleneck: int
    min_stations: int
    efficiency: float
    balance_delay: float
    line_efficiency: float
    smoothness_index: float
    problems: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return not self.problems


def elements(tasks: Iterable[object]) -> list[WorkElement]:
    """WorkElements from anything with ``name``, ``time`` and ``after`` (e.g. scenario tasks)."""
    return [WorkElement(t.name, float(t.time), tuple(t.after)) for t in tasks]  # type: ignore[attr-defined]


def takt_time(available_s: float, demand: float) -> float:
    """Available time per unit of demand."""
    if demand <= 0 or available_s <= 0:
        raise BalancingError("available time and demand must both be > 0")
    return available_s / demand


def min_stations(tasks: Sequence[WorkElement], takt: float) -> int:
    return max(1, math.ceil(sum(t.time for t in tasks) / takt - EPS))


def check_graph(tasks: Sequence[WorkElement]) -> None:
    """BalancingError for duplicate names, unknown predecessors or a precedence cycle."""
    names = [t.name for t in tasks]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise BalancingError(f"duplicate task '{name}'")
        seen.add(name)
    for t in tasks:
        for p in t.after:
            if p not in seen:
                raise BalancingError(f"task '{t.name}' comes after unknown task '{p}'")
            if p == t.name:
                raise BalancingError(f"task '{t.name}' cannot come after itself")
    topological_order(tasks)


def topological_order(tasks: Sequence[WorkElement]) -> list[str]:
    """Task names so that every task follows its predecessors (list order breaks ties)."""
    preds = {t.name: set(t.after) for t in tasks}
    done: list[str] = []
    placed: set[str] = set()
    while len(done) < len(tasks):
        ready = [t.name for t in tasks if t.name not in placed and preds[t.name] <= placed]
        if not ready:
            stuck = sorted(n for n in preds if n not in placed)
            raise BalancingError(f"the precedence graph has a cycle among: {', '.join(stuck)}")
        done.append(ready[0])
        placed.add(ready[0])
    return done


def station_times(tasks: Sequence[WorkElement], assignment: Mapping[str, int]) -> list[float]:
    """Work per station 1..n (n = the highest station used)."""
    n = max(assignment.values(), default=0)
    times = [0.0] * n
    for t in tasks:
        times[assignment[t.name] - 1] += t.time
    return times


def assignment_problems(tasks: Sequence[WorkElement], assignment: Mapping[str, int],
                        takt: float | None = None) -> list[str]:
    """Everything that makes ``assignment`` infeasible, one sentence each, precedence first."""
    problems: list[str] = []
    by_name = {t.name: t for t in tasks}
    for name in assignment:
        if name not in by_name:
            problems.append(f"unknown task '{name}'")
    for t in tasks:
        if t.name not in assignment:
            problems.append(f"task '{t.name}' is not assigned to a station")
        elif assignment[t.name] < 1:
            problems.append(f"task '{t.name}': stations are numbered from 1")
    if problems:
        return problems
    for t in tasks:
        k = assignment[t.name]
        for p in t.after:
            if assignment[p] > k:
                problems.append(f"task '{t.name}' (station {k}) needs '{p}' first, but '{p}' is at "
                                f"station {assignment[p]}")
    times = station_times(tasks, assignment)
    for k, s in enumerate(times, start=1):
        if s <= 0:
            problems.append(f"station {k} has no task (number the stations 1, 2, 3 … without gaps)")
        elif takt is not None and s > takt + EPS:
            problems.append(f"station {k} has {s:g} s of work, more than the takt time of {takt:g} s")
    return problems


def evaluate(tasks: Sequence[WorkElement], assignment: Mapping[str, int], takt: float) -> BalanceReport:
    """The balance measures of ``assignment`` (see the module docstring) and its problems."""
    problems = assignment_problems(tasks, assignment, takt)
    if set(assignment) != {t.name for t in tasks} or min(assignment.values(), default=0) < 1:
        raise BalancingError(problems[0])  # no station times without a complete assignment
    times = station_times(tasks, assignment)
    n = len(times)
    work = float(sum(t.time for t in tasks))
    ct = max(times)
    eff = work / (n * takt)
    return BalanceReport(
        takt_s=takt,
        stations=n,
        station_times=times,
        work_content_s=work,
        cycle_time_s=ct,
        bottleneck=times.index(ct) + 1,
        min_stations=min_stations(tasks, takt),
        efficiency=eff,
        balance_delay=1.0 - eff,
        line_efficiency=work / (n * ct),
        smoothness_index=math.sqrt(sum((ct - s) ** 2 for s in times)),
        problems=problems,
    )


def _successors(tasks: Sequence[WorkElement]) -> dict[str, set[str]]:
    """Every task's transitive followers."""
    direct: dict[str, set[str]] = {t.name: set() for t in tasks}
    for t in tasks:
        for p in t.after:
            direct[p].add(t.name)
    out: dict[str, set[str]] = {}
    for name in reversed(topological_order(tasks)):
        acc: set[str] = set()
        for s in direct[name]:
            acc.add(s)
            acc |= out[s]
        out[name] = acc
    return out


def positional_weights(tasks: Sequence[WorkElement]) -> dict[str, float]:
    """A task's time plus the times of all tasks that follow it (Helgeson & Birnie 1961)."""
    times = {t.name: t.time for t in tasks}
    return {name: times[name] + sum(times[s] for s in succ) for name, succ in _successors(tasks).items()}


def _greedy(tasks: Sequence[WorkElement], takt: float, rank: Callable[[WorkElement], float]) -> dict[str, int]:
    """Fill stations one by one: the highest-ranked task whose predecessors are placed and that fits."""
    check_graph(tasks)
    too_long = [t.name for t in tasks if t.time > takt + EPS]
    if too_long:
        raise BalancingError(f"task '{too_long[0]}' alone takes longer than the takt time of {takt:g} s")
    order = sorted(tasks, key=lambda t: -rank(t))  # stable: list order breaks ties
    assignment: dict[str, int] = {}
    station, free = 1, takt
    while len(assignment) < len(tasks):
        placed = set(assignment)
        pick = next((t for t in order if t.name not in placed and set(t.after) <= placed
                     and t.time <= free + EPS), None)
        if pick is None:
            station, free = station + 1, takt
            continue
        assignment[pick.name] = station
        free -= pick.time
    return assignment


def ranked_positional_weight(tasks: Sequence[WorkElement], takt: float) -> dict[str, int]:
    """The ranked positional weight heuristic: rank by positional weight."""
    weights = positional_weights(tasks)
    return _greedy(tasks, takt, lambda t: weights[t.name])


def largest_candidate(tasks: Sequence[WorkElement], takt: float) -> dict[str, int]:
    """The largest candidate rule: rank by task time."""
    return _greedy(tasks, takt, lambda t: t.time)

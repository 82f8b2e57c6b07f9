"""A machine's sensor readings over a block, computed at once with numpy, bit-identical to the
per-reading code in ``model.py`` (which a run with a subscriber still uses, one event per reading).

The times and ages are the same chained float additions (``np.add.accumulate`` adds one element
after another, as the loop does), the wear the same interpolation, a reading's ``wear**exponent``
libm's pow through Python (numpy's power may differ in the last bit: it only decides whether a
reading reaches the threshold, and a reading within a hair of it is computed again), and the
alarm logic the same counts.
"""

from __future__ import annotations

from itertools import repeat
from typing import Any

import numpy as np

from simulators.maintenance.draws import MARGIN
from simulators.maintenance.rules import Rule
from simulators.maintenance.scenario import ConditionBased, MaintenanceScenario
from simulators.maintenance.signals import SIGNALS

BLOCK_MAX = 4096  # readings in a block without an alarm to watch for
FIRST_CHUNK = 128  # readings first computed when an alarm may end the block; then 4 times as many each time


def _pow(wear: list[float], exponent: float) -> np.ndarray:
    """``w ** exponent`` for each w: libm's pow, as the per-reading code."""
    return np.array(list(map(pow, wear, repeat(exponent))))


class BlockReader:
    """One machine's readings over a block: no failure, stop or slice end inside it."""

    def __init__(self, sc: MaintenanceScenario, series: Any, record: bool, end_time: float) -> None:
        """``series``: the machine's ``MachineSeries`` (model.py, which imports this module)."""
        self.dt = sc.sample_interval_h
        s = sc.sensors
        self.sensors = [(m.base, m.at_failure - m.base, m.exponent, m.noise_sd, clamp)
                        for m, clamp in ((s.vibration, True), (s.temperature, False), (s.current, True))]
        policy = sc.policy
        self.signal = SIGNALS.index(policy.signal) if isinstance(policy, ConditionBased) else None
        self.threshold = policy.threshold if isinstance(policy, ConditionBased) else 0.0
        self.persistence = getattr(policy, "persistence", 1)
        self.series = series if record else None
        self.end_time = end_time

    def read(self, life: Any, rule: Rule | None, now: float, age: float, next_sample: float, limit: float,
             until: float, budget: int, streak: int, armed: bool,
             ) -> tuple[int, float, float, float, dict[str, float], int, bool]:
        """Take the part's readings (``life``: its ``PartLife``) from ``next_sample`` on while the age
        stays below ``limit`` (its failure or stop), the time below ``until`` and their number within
        ``budget``; ``now`` and ``age`` are those of the previous reading. An alarm (when ``armed``)
        ends the block.

        Returns the number taken, the last one's time, age, wear and readings, the streak after
        it, and whether it raised the alarm.
        """
        dt, p = self.dt, self.persistence
        watched = self.signal is not None or rule is not None
        size = FIRST_CHUNK if watched else min(int((limit - next_sample) / dt) + 2, int((until - now) / dt) + 2,
                                                   BLOCK_MAX)
        parts: list[tuple[np.ndarray, np.ndarray]] = []  # times and wear of each chunk
        exact: list[list[float]] = [[], [], []]  # readings computed exactly, from the block's first
        alarm = False
        k = 0
        while True:  # chunk after chunk, until the block's end
            n = max(1, min(size, budget - k))
            steps = np.full(n, dt)
            steps[0] = next_sample
            ages = np.add.accumulate(steps)  # next_sample += dt, reading after reading
            gaps = np.empty(n)
            gaps[0] = age
            gaps[1:] = ages[:-1]
            gaps = ages - gaps
            gaps[0] += now  # t = now + (next_sample - age), then now = t
            times = np.add.accumulate(gaps)
            c = min(int(np.searchsorted(ages, limit)), int(np.searchsorted(times, until)))
            if c == 0:  # the previous chunk ended just before the limit (never the first: see model.py)
                break
            ages, times = ages[:c], times[:c]
            wear = self._wear(life, ages)
            noise = life.noise.peek(k + c)[k:]
            if self.signal is not None:
                hits = self._hits(wear, noise)
                if armed:
                    j = _first_run(hits, min(streak, p - 1), p)
                    if j is not None:
                        hits, c, alarm = hits[:j + 1], j + 1, True
                streak = _streak_after(hits, streak)
            elif rule is not None:  # the rule's state moves reading by reading, on exact readings
                values = [self._exact(i, wear.tolist(), noise) for i in range(3)]
                for i in range(3):
                    exact[i] += values[i]
                vib, temp, cur = values
                for j in range(c):
                    if rule({"vibration": vib[j], "temperature": temp[j], "current": cur[j]}):
                        streak += 1
                    else:
                        streak = 0
                    if armed and streak >= p:
                        c, alarm = j + 1, True
                        break
            else:
                streak = 0  # no signal watched: every reading resets it, as in the per-reading code
            parts.append((times[:c], wear[:c]))
            k += c
            now, age = float(times[c - 1]), float(ages[c - 1])
            next_sample = age + dt
            if alarm or c < n or k >= budget:
                break
            size *= 4
        noise = life.noise.peek(k)  # the block's draws
        life.noise.skip(k)
        times, wear = (np.concatenate(a) for a in zip(*parts)) if len(parts) > 1 else parts[0]
        self._record(k, times, wear, noise, exact)
        last = k - 1
        if len(exact[0]) > last:
            readings = {"vibration": exact[0][last], "temperature": exact[1][last], "current": exact[2][last]}
        else:  # one reading: Python's floats (the same operations) cost less than numpy's calls
            w = float(wear[last])
            vib, temp, cur = (base + delta * w**exponent + z * sd for (base, delta, exponent, sd, _clamp), z
                              in zip(self.sensors, noise[last].tolist()))
            readings = {"vibration": vib if vib > 0.0 else 0.0, "temperature": temp,
                        "current": cur if cur > 0.0 else 0.0}
        return k, now, age, float(wear[-1]), readings, streak, alarm

    def _record(self, k: int, times: np.ndarray, wear: np.ndarray, noise: np.ndarray, exact: list[list[float]],
                ) -> None:
        """Record the block's readings before the run's end."""
        if self.series is None:
            return
        r = k if times[k - 1] < self.end_time else int(np.searchsorted(times, self.end_time))
        if len(exact[0]) < r:
            exact[:] = [self._exact(i, wear[:r].tolist(), noise[:r]) for i in range(3)]
        s = self.series
        s.times.extend(times[:r].tolist())
        s.vibration.extend(exact[0][:r])
        s.temperature.extend(exact[1][:r])
        s.current.extend(exact[2][:r])
        s.wear.extend(wear[:r].tolist())

    def _exact(self, k: int, wear: list[float], noise: np.ndarray) -> list[float]:
        """Sensor ``k``'s readings for these wear values and rows of draws."""
        base, delta, exponent, sd, clamp = self.sensors[k]
        value = base + delta * _pow(wear, exponent) + noise[:, k] * sd
        return (np.where(value > 0.0, value, 0.0) if clamp else value).tolist()

    def _hits(self, wear: np.ndarray, noise: np.ndarray) -> np.ndarray:
        """Whether each reading of the watched signal is at or above the threshold: decided with
        numpy's power, and again with libm's for a reading within a hair of the threshold."""
        k, threshold = self.signal, self.threshold
        base, delta, exponent, sd, clamp = self.sensors[k]
        scatter = noise[:, k] * sd
        value = base + delta * wear**exponent + scatter
        if clamp:
            value = np.maximum(value, 0.0)
        hits = value >= threshold
        near = np.abs(value - threshold) <= MARGIN * (abs(base) + abs(delta) + abs(threshold) + np.abs(scatter))
        for i in np.flatnonzero(near).tolist():
            hits[i] = self._exact(k, [float(wear[i])], noise[i:i + 1])[0] >= threshold
        return hits

    def _wear(self, life: Any, ages: np.ndarray) -> np.ndarray:
        """``life.wear_at`` for each age (the same floats)."""
        if life.grid is None:
            if life.wear_life <= 0:
                return np.ones(len(ages))
            return np.minimum(ages / life.wear_life, 1.0)
        grid, steps = life.grid_array, life.grid_steps
        x = ages / self.dt
        i = x.astype(np.intp)
        if i[-1] + 1 < len(grid):  # ages only grow: all inside the path
            return np.minimum(grid[i] + (x - i) * steps[i], 1.0)
        last = min(life.grid[-1], 1.0)
        if len(grid) < 2:
            return np.full(len(ages), last)
        j = np.minimum(i, len(grid) - 2)
        return np.where(i + 1 < len(grid), np.minimum(grid[j] + (x - j) * steps[j], 1.0), last)


def _first_run(hits: np.ndarray, carried: int, p: int) -> int | None:
    """The first index where ``p`` hits in a row end, counting ``carried`` hits before index 0."""
    if p == 1:
        found = np.flatnonzero(hits)
        return int(found[0]) if len(found) else None
    ext = np.concatenate((np.ones(carried, dtype=bool), hits))
    sums = np.concatenate(([0], np.add.accumulate(ext, dtype=np.int64)))
    found = np.flatnonzero(sums[p:] - sums[:-p] == p)
    return int(found[0]) + p - 1 - carried if len(found) else None


def _streak_after(hits: np.ndarray, streak: int) -> int:
    """The run of hits at the end, added to ``streak`` if every reading was a hit."""
    misses = np.flatnonzero(~hits)
    return streak + len(hits) if not len(misses) else len(hits) - 1 - int(misses[-1])

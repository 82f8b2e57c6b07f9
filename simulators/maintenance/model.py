"""Machines that wear, sensors that show it, and a maintenance policy that reacts — in SimPy.

Each installed part (bearing) gets its own random streams (wear path, sensor
noise, shocks), keyed by machine and part number. Its whole life is therefore
fixed when it is installed — whatever the policy does — so policies are compared
on the same parts (common random numbers), and the warning lead time of an
alarm can be measured to the hour the part *would* have failed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass, field
from heapq import heappush
from typing import Any

import simpy
from simpy.core import NORMAL
from simpy.events import Event

from simulators.events import Publisher
from simulators.maintenance.rules import Rule, compile_rule
from simulators.maintenance.scenario import (
    ConditionBased,
    FixedInterval,
    GammaWear,
    MaintenanceScenario,
    RulePolicy,
)
from simulators.streams import derive_seed, stream

MAX_STEPS_PER_LIFE = 2_000_000
MIN_BLOCK = 12  # readings: a shorter block costs more in numpy calls than it saves


class PartLife:
    """One installed part: its hidden wear path and the age (operating hours) it fails at."""

    def __init__(self, sc: MaintenanceScenario, seed: int, replication: int, machine: str, number: int) -> None:
        # numpy on a model's first part, not with this module (imported to list the metrics)
        from simulators.maintenance.draws import SensorNoise, gamma_path

        dt = sc.sample_interval_h
        self.dt = dt
        wear_seed = derive_seed(seed, machine, f"wear.{number}", replication)
        deg = sc.degradation
        self.grid: list[float] | None = None
        self._grid_array: Any = None
        self._grid_steps: Any = None
        if isinstance(deg, GammaWear):
            theta = deg.cv**2
            shape = dt / (theta * deg.unit_wear_h)
            if shape < 1.0:  # small steps (the labs' ≈ 0.008): drawn in batches, nothing drawn after them
                self._grid_array = gamma_path(wear_seed, shape, theta, MAX_STEPS_PER_LIFE)
                wear = self._grid_array.tolist()
            else:
                wear = [0.0]
                w = 0.0
                gamma = random.Random(wear_seed).gammavariate
                while w < 1.0 and len(wear) <= MAX_STEPS_PER_LIFE:
                    w += gamma(shape, theta)
                    wear.append(w)
            n = len(wear) - 1
            prev = wear[n - 1]
            frac = (1.0 - prev) / (wear[n] - prev) if wear[n] > prev else 1.0
            self.wear_life = (n - 1 + min(max(frac, 0.0), 1.0)) * dt
            self.grid = wear
        else:
            rng = random.Random(wear_seed)
            self.wear_life = deg.scale_h * (-math.log(1.0 - rng.random())) ** (1.0 / deg.shape)
        self.failure_age = self.wear_life
        self.shock = False
        if sc.random_failure_rate_per_h > 0:
            shock_rng = stream(seed, machine, f"shock.{number}", replication)
            t = -math.log(1.0 - shock_rng.random()) / sc.random_failure_rate_per_h
            if t < self.failure_age:
                self.failure_age, self.shock = t, True
        # the sensors' noise: three normal draws per reading, as normalvariate(0, 1) from this stream
        self.noise = SensorNoise(derive_seed(seed, machine, f"sensors.{number}", replication),
                                 int(min(self.failure_age, sc.horizon_h) / dt) + 1)

    @property
    def grid_array(self) -> Any:
        """The wear path as a numpy array (for readings in blocks)."""
        if self._grid_array is None and self.grid is not None:
            import numpy as np

            self._grid_array = np.array(self.grid)
        return self._grid_array

    @property
    def grid_steps(self) -> Any:
        """``grid[i + 1] - grid[i]`` for each i, as a numpy array."""
        if self._grid_steps is None:
            self._grid_steps = self.grid_array[1:] - self.grid_array[:-1]
        return self._grid_steps

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
        # Readings are taken in blocks without a SimPy event each (3 million events for a lab's
        # examples were 87 % of its time): a machine's readings touch only its own state, so a
        # block is computed at once up to the next failure or stop, or ``until``, the end of the
        # current ``advance`` (a snapshot between advances sees the same state as per-event runs):
        # with numpy (readings.py) from MIN_BLOCK readings on, else one reading at a time. Times
        # follow the same float arithmetic, so runs are bit-identical. With a subscriber (the live
        # view) every reading is its own event again, emitted at its time.
        self.until = 0.0
        self.block_samples = 0  # readings taken inside blocks: work the runner's event budget counts
        self.block_budget = 0
        for m in self.machines:
            self.env.process(self._machine(m))

    def _new_rule(self) -> Rule | None:
        return self._rule_factory() if self._rule_factory else None

    def _downtime(self, machine: MachineState, hours: float, kind: str) -> None:
        counted = max(0.0, min(hours, self.end_time - self.env.now))
        self.counts["downtime_h"] += counted
        self.counts["unplanned_downtime_h" if kind == "corrective" else "planned_downtime_h"] += counted

    def _at(self, time: float) -> Event:
        """An event at the absolute ``time`` (a timeout would add a delay to ``now``: not
        always the same float as the per-reading arithmetic that gave ``time``)."""
        event = Event(self.env)
        event._ok = True
        event._value = None
        env = self.env
        heappush(env._queue, (time, NORMAL, next(env._eid), event))  # what env.schedule does, at ``time``
        return event

    def _note(self, machine: MachineState, kind: str, now: float | None = None, **data: Any) -> None:
        if now is None:
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
        record, end_time = self.record, self.end_time
        times_append, vib_append, temp_append = series.times.append, series.vibration.append, series.temperature.append
        cur_append, wear_append = series.current.append, series.wear.append
        sv, st, sc_ = sc.sensors.vibration, sc.sensors.temperature, sc.sensors.current
        vb, vd, ve, vs = sv.base, sv.at_failure - sv.base, sv.exponent, sv.noise_sd
        tb, td, te, ts = st.base, st.at_failure - st.base, st.exponent, st.noise_sd
        cb, cd, ce, cs = sc_.base, sc_.at_failure - sc_.base, sc_.exponent, sc_.noise_sd
        signal = policy.signal if isinstance(policy, ConditionBased) else None  # else the rule, if any
        threshold = policy.threshold if isinstance(policy, ConditionBased) else 0.0
        reader = None  # a BlockReader, made for the first block (none when readings are far apart)
        block_span = MIN_BLOCK * dt
        number = 0
        while True:
            life = PartLife(sc, self.seed, self.replication, m.name, number)
            three = life.noise.three  # the next reading's three normal draws
            grid = life.grid
            grid_len = len(grid) if grid is not None else 0
            m.part, m.age, m.alarm = number, 0.0, False
            age = 0.0
            rule = self._new_rule()
            streak = 0
            alarm_age: float | None = None
            warned = False
            stop_age = policy.interval_h if isinstance(policy, FixedInterval) else inf
            next_sample = dt
            ahead, now = False, env.now  # ahead: readings taken past env.now, up to ``now``
            while True:
                if life.failure_age <= min(next_sample, stop_age):
                    yield (self._at(now + (life.failure_age - age)) if ahead
                           else env.timeout(life.failure_age - age))
                    ahead = False
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
                    yield self._at(now + (stop_age - age)) if ahead else env.timeout(stop_age - age)
                    ahead = False
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
                if not ahead:
                    now = env.now
                t = now + (next_sample - age)  # the time a timeout of (next_sample - age) would give
                eventless = t < self.until and self.block_budget > 0 and not self._subscribers  # see __init__
                if (eventless and next_sample + block_span < stop_age and next_sample + block_span < life.failure_age
                        and t + block_span < self.until and self.block_budget >= MIN_BLOCK):
                    # a block computed at once (readings.py), up to the failure or stop, the
                    # slice's end, the budget or an alarm
                    if reader is None:
                        from simulators.maintenance.readings import BlockReader  # numpy: see PartLife

                        reader = BlockReader(sc, series, record, end_time)
                    k, now, age, wear, readings, streak, alarmed = reader.read(
                        life, rule, now, age, next_sample, min(life.failure_age, stop_age), self.until,
                        self.block_budget, streak, alarm_age is None)
                    self.block_budget -= k
                    self.block_samples += k
                    ahead = True
                    m.age = age
                    next_sample = age + dt
                    m.latest, m.wear = readings, wear
                else:  # one reading, without an event if it can
                    if eventless:
                        ahead = True
                        self.block_budget -= 1
                        self.block_samples += 1
                    else:
                        yield self._at(t) if ahead else env.timeout(next_sample - age)
                        ahead = False
                    now = t
                    age = m.age = next_sample
                    next_sample += dt
                    if grid is None:
                        wear = life.wear_at(age)
                    else:  # wear_at() inlined for the gamma path: linear between grid points
                        x = age / dt
                        i = int(x)
                        if i + 1 >= grid_len:
                            wear = min(grid[-1], 1.0)
                        else:
                            wear = min(grid[i] + (x - i) * (grid[i + 1] - grid[i]), 1.0)
                    n1, n2, n3 = three()
                    # reading = base + (at_failure - base) * wear**exponent + noise * noise_sd, ≥ 0 for
                    # vibration and current (the sensors' models, scenario.py)
                    vib = vb + vd * wear**ve + n1 * vs
                    temp = tb + td * wear**te + n2 * ts
                    cur = cb + cd * wear**ce + n3 * cs
                    readings = {
                        "vibration": vib if vib > 0.0 else 0.0,
                        "temperature": temp,
                        "current": cur if cur > 0.0 else 0.0,
                    }
                    m.latest, m.wear = readings, wear
                    if record and now < end_time:
                        times_append(now)
                        vib_append(readings["vibration"])
                        temp_append(temp)
                        cur_append(readings["current"])
                        wear_append(wear)
                    if self._subscribers:
                        self._emit(now, "reading", m.name, zone="ABCD"[sc.zones.zone(readings["vibration"]) - 1],
                                   **readings)
                    if (readings[signal] >= threshold) if signal else (rule is not None and rule(readings)):
                        streak += 1
                    else:
                        streak = 0
                    alarmed = streak >= persistence and alarm_age is None
                if alarmed:
                    alarm_age = age
                    warned = True
                    m.alarm = True
                    counts["alarms"] += 1
                    stop_age = age + response
                    self._note(m, "alarm", now, part=number, age_h=age, **readings)
            number += 1
            m.state = "running"

    def _cost_event(self, kind: str) -> None:
        key = f"n_{kind}"
        self.counts[key] = self.counts.get(key, 0) + 1

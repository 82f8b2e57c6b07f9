"""Operating modes, the three-position enabling device and the stops of a robot controller (issue 23).

Terms are the robot course's (modules/safety): stop categories of IEC 60204-1 — 0 = drive power removed at
once, 1 = controlled braking then power removed, 2 = controlled braking with power kept on; the emergency
stop latches, acts as category 0 or 1 (never 2), and a reset never restarts motion: a separate, deliberate
command is needed. Manual modes (T1 reduced speed, T2 programmed speed) need the enabling device in its
middle position; AUTO needs the cell closed (door/gate input).

The state is event-driven and has no clock. Every event that takes away the permission to move increments
``stop_epoch``; a motion started under an older epoch does not resume by itself (the jog engine asks for the
jog key to be released and pressed again), which is how "reset never restarts" is kept.
Refusals are :class:`Alarm` with a stable code (``safety.*``) and plain parameters for the app's catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum, IntEnum


class Mode(Enum):
    T1 = "T1"  # manual reduced speed: every checked point ≤ 250 mm/s
    T2 = "T2"  # manual high speed
    AUTO = "AUTO"


class Enabling(IntEnum):
    """Positions of the three-position enabling device."""

    RELEASED = 1
    MIDDLE = 2
    PANIC = 3  # pressed through


class StopCategory(IntEnum):
    """IEC 60204-1 stop categories."""

    UNCONTROLLED = 0  # power removed at once, brakes stop the axes
    CONTROLLED_POWER_OFF = 1  # braked along the path, then power removed at standstill
    CONTROLLED_POWER_ON = 2  # braked, power stays on, standstill monitored


T1_SPEED_LIMIT_MM_S = 250.0


@dataclass(frozen=True)
class Alarm:
    """A refusal or stop: stable ``code`` for translation, plain ``params``."""

    code: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class StopEvent:
    code: str  # safety.estop | safety.protective_stop | safety.enabling_released | safety.enabling_panic | …
    category: StopCategory
    epoch: int


@dataclass(frozen=True)
class SafetyConfig:
    """Which category each stop uses (set by the cell's risk assessment, not by the program)."""

    estop_category: StopCategory = StopCategory.UNCONTROLLED
    protective_category: StopCategory = StopCategory.CONTROLLED_POWER_ON
    door_auto_category: StopCategory = StopCategory.CONTROLLED_POWER_OFF  # door opened in AUTO
    enabling_category: StopCategory = StopCategory.CONTROLLED_POWER_OFF  # enabling released or pressed through

    def __post_init__(self) -> None:
        if self.estop_category == StopCategory.CONTROLLED_POWER_ON:
            raise ValueError("an emergency stop is category 0 or 1, never 2 (ISO 13850)")


class SafetyState:
    """Mode, enabling device, door, emergency and protective stops, drive power."""

    def __init__(self, mode: Mode = Mode.T1, config: SafetyConfig | None = None, door_closed: bool = True) -> None:
        self.config = config or SafetyConfig()
        self.mode = mode
        self.enabling = Enabling.RELEASED
        self.panic_latched = False  # pressed through; cleared only by releasing to position 1
        self.door_closed = door_closed
        self.estop_pressed = False  # the mushroom button itself (latching)
        self.estop_latched = False  # the controller's latch, cleared by reset once the button is released
        self.protective_latched: str | None = None  # cause of a latched protective stop
        self.drives_on = False
        self.stop_epoch = 0
        self.events: list[StopEvent] = []

    # ------------------------------------------------------------------ events
    def _stop(self, code: str, category: StopCategory) -> None:
        self.stop_epoch += 1
        self.events.append(StopEvent(code, category, self.stop_epoch))
        if category != StopCategory.CONTROLLED_POWER_ON:
            self.drives_on = False  # category 0 at once, category 1 at standstill (no braking model yet)

    def set_mode(self, mode: Mode) -> None:
        """Changing the mode stops any motion (category 2) and switches off the manual-mode drive power."""
        if mode == self.mode:
            return
        self.mode = mode
        self._stop("safety.mode_changed", StopCategory.CONTROLLED_POWER_ON)
        self.drives_on = False

    def set_enabling(self, position: Enabling | int) -> None:
        """Move the enabling device. 2 enables (switching the drives on in T1/T2) unless it came down from 3."""
        position = Enabling(position)
        old, was_enabled = self.enabling, self.enabled
        self.enabling = position
        if position == Enabling.PANIC:
            self.panic_latched = True
            if old != Enabling.PANIC:
                self._stop("safety.enabling_panic", self.config.enabling_category)
        elif position == Enabling.RELEASED:
            self.panic_latched = False
            if was_enabled:
                self._stop("safety.enabling_released", self.config.enabling_category)
        elif self.enabled and self.mode != Mode.AUTO and not self._latched_cause():
            self.drives_on = True  # 1 → 2 in a manual mode is the deliberate "motors on"

    def set_door(self, closed: bool) -> None:
        """Door/gate input. Opening it in AUTO is a latched protective stop; in T1/T2 it is allowed."""
        self.door_closed = closed
        if not closed and self.mode == Mode.AUTO:
            self.protective_latched = "door"
            self._stop("safety.protective_stop", self.config.door_auto_category)

    def press_estop(self) -> None:
        self.estop_pressed = True
        if not self.estop_latched:
            self.estop_latched = True
            self._stop("safety.estop", self.config.estop_category)

    def release_estop(self) -> None:
        """Pulling the button out only allows a reset; it restarts nothing."""
        self.estop_pressed = False

    def protective_stop(self, cause: str = "input") -> None:
        """A safeguard (light curtain, scanner, safety controller) asks for a stop; latched until reset."""
        self.protective_latched = cause
        self._stop("safety.protective_stop", self.config.protective_category)

    def reset(self) -> list[Alarm]:
        """Clear the latches whose cause is gone; return what still blocks. Never switches drives on or moves."""
        if self.estop_latched and not self.estop_pressed:
            self.estop_latched = False
        if self.protective_latched == "door":
            if self.door_closed:
                self.protective_latched = None
        elif self.protective_latched is not None:
            self.protective_latched = None
        blocking = self._latched_cause()
        return [blocking] if blocking else []

    def switch_drives_on(self) -> Alarm | None:
        """The deliberate "motors on" command of AUTO (in T1/T2 the enabling device does it)."""
        blocking = self._latched_cause()
        if blocking:
            return blocking
        if self.mode == Mode.AUTO and not self.door_closed:
            return Alarm("safety.cell_open")
        if self.mode != Mode.AUTO and not self.enabled:
            return Alarm("safety.enabling_required", {"position": int(self.enabling)})
        self.drives_on = True
        return None

    # ------------------------------------------------------------------ queries
    @property
    def enabled(self) -> bool:
        """Enabling device in the middle position, not reached by coming back from 3."""
        return self.enabling == Enabling.MIDDLE and not self.panic_latched

    def _latched_cause(self) -> Alarm | None:
        if self.estop_latched:
            return Alarm("safety.estop", {"pressed": self.estop_pressed})
        if self.protective_latched is not None:
            return Alarm("safety.protective_stop", {"cause": self.protective_latched})
        return None

    def motion_blocked(self) -> Alarm | None:
        """Why the robot may not move now (None: it may)."""
        blocking = self._latched_cause()
        if blocking:
            return blocking
        if self.mode == Mode.AUTO:
            if not self.door_closed:
                return Alarm("safety.cell_open")
        elif not self.enabled:
            code = "safety.enabling_panic" if self.panic_latched else "safety.enabling_required"
            return Alarm(code, {"position": int(self.enabling)})
        if not self.drives_on:
            return Alarm("safety.drives_off")
        return None

    @property
    def speed_limit_mm_s(self) -> float | None:
        """Cap on every checked point of the arm: 250 mm/s in T1, none otherwise."""
        return T1_SPEED_LIMIT_MM_S if self.mode == Mode.T1 else None

"""Plain event objects a runner hands to its subscribers, and the runner base class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class SimEvent:
    """Something that happened at sim time ``time``.

    ``kind`` is e.g. ``state``, ``part_finished``, ``scrap``, ``failure``, ``repair``,
    ``maintenance_start``, ``alarm``, ``move``; ``element`` names the station,
    machine or program line; ``data`` holds the details (plain values only).
    """

    time: float
    kind: str
    element: str
    data: dict[str, Any] = field(default_factory=dict)


Subscriber = Callable[[SimEvent], None]


class Publisher:
    """Subscriber bookkeeping shared by the models."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def _emit(self, time: float, kind: str, element: str, **data: Any) -> None:
        event = SimEvent(time, kind, element, data)
        for callback in list(self._subscribers):
            callback(event)

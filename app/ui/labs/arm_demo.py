"""*Show me* for the six-axis robot's pendant labs: the lab's demonstration played in the 3D view only.

The demonstration is ``simulators.robot.arm.autojog.demo_log(scenario)`` — how a careful operator does the
task on the pendant. It is computed in a worker thread (a few seconds of CPU for the longer tasks) and replayed
on a private ``PendantSession``, a few ticks per animation frame. The trainee's pendant session, its log (what
Submit sends) and the points it taught are never touched: while the demonstration plays the pendant is locked,
and at the end (or on Stop) the 3D view goes back to the trainee's arm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

log = logging.getLogger(__name__)

FRAME_MS = 20
TICKS_PER_FRAME = 6  # three times real time: the longest demonstration (three targets) takes about 15 s
POLL_MS = 50


class DemoPlayer(QObject):
    """Computes the demonstration once, then plays it: ``pose(q)`` per frame, ``recorded(name)`` when the
    operator records a point, ``finished(ok)`` at the end or on ``stop()`` (ok False: it could not be made)."""

    pose = Signal(object)
    recorded = Signal(str)
    started = Signal()
    finished = Signal(bool)

    def __init__(self, make_log: Callable[[], list[dict]], make_session: Callable[[], Any],
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make_log = make_log
        self._make_session = make_session
        self._log: list[dict] | None = None
        self._future: Future | None = None
        self._pool: ThreadPoolExecutor | None = None
        self.session: Any = None
        self._next = 0
        self.ticks_per_frame = TICKS_PER_FRAME
        self.timer = QTimer(self, interval=FRAME_MS)
        self.timer.timeout.connect(self.frame)
        self._poll = QTimer(self, interval=POLL_MS)
        self._poll.timeout.connect(self._check_ready)

    @property
    def busy(self) -> bool:
        """Preparing or playing."""
        return self._future is not None or self.timer.isActive()

    def play(self) -> None:
        if self.busy:
            return
        if self._log is not None:
            self._start()
            return
        self._pool = self._pool or ThreadPoolExecutor(max_workers=1, thread_name_prefix="arm-demo")
        self._future = self._pool.submit(self._make_log)
        self._poll.start()

    def _check_ready(self) -> None:
        future = self._future
        if future is None or not future.done():
            return
        self._poll.stop()
        self._future = None
        try:
            self._log = list(future.result())
        except Exception:  # a lab whose demonstration cannot be made says so, never crashes
            log.exception("the demonstration could not be made")
            self.finished.emit(False)
            return
        self._start()

    def _start(self) -> None:
        self.session = self._make_session()
        self._next = 0
        self.started.emit()
        self.pose.emit(self.session.q.copy())
        self.timer.start()

    def frame(self) -> None:
        """Advance the private session by a few ticks, applying the demonstration's events on their tick."""
        events, s = self._log or [], self.session
        if s is None:
            return
        for _i in range(self.ticks_per_frame):
            while self._next < len(events) and events[self._next]["tick"] <= s.tick:
                event = events[self._next]
                s.apply(event)
                self._next += 1
                if event.get("ev") == "record":
                    self.recorded.emit(str(event.get("name", "")))
            if self._next >= len(events) and not s.moving:
                self.pose.emit(s.q.copy())
                self._end(True)
                return
            s.step()
        self.pose.emit(s.q.copy())

    def stop(self) -> None:
        if self._future is not None:  # still being made: let the thread finish, forget the answer
            self._future.cancel()
            self._future = None
            self._poll.stop()
            self.finished.emit(True)
            return
        if self.timer.isActive():
            self._end(True)

    def _end(self, ok: bool) -> None:
        self.timer.stop()
        self.session = None
        self.finished.emit(ok)

    def shutdown(self) -> None:
        self.timer.stop()
        self._poll.stop()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

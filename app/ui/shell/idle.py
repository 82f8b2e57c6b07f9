"""Lock the screen after N idle minutes on a shared workstation, with a warning first.

A minute before the lock (half the time when the lock comes sooner) ``warning`` is emitted every
second with the seconds left, so the window can show a countdown; any input cancels it
(``warning_cancelled``) and starts the wait again (review #21).
"""

from __future__ import annotations

import math

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer, Signal

_INPUT_EVENTS = {QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove, QEvent.Type.KeyPress, QEvent.Type.Wheel,
                 QEvent.Type.TouchBegin, QEvent.Type.TabletPress, QEvent.Type.TabletMove, QEvent.Type.InputMethod}

WARNING_S = 60.0


class IdleWatcher(QObject):
    """Application-wide event filter while started: any input restarts the countdown.

    Installed only between :meth:`start` and :meth:`stop` (a session): a Python filter on every
    event of the logged-out screens, start-up included, costs time and helps no one (issue 20)."""

    idle = Signal()
    warning = Signal(int)  # seconds until the lock
    warning_cancelled = Signal()

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self, singleShot=True)  # the lock, ``minutes`` after the last input
        self.timer.timeout.connect(self._lock)
        self.warn_timer = QTimer(self, singleShot=True)  # the warning, a minute before that
        self.warn_timer.timeout.connect(self._warn)
        self.ticker = QTimer(self, interval=1000)  # the countdown, once a second
        self.ticker.timeout.connect(self._tick)
        self.active = False
        self.warning_shown = False
        self._input_classes: frozenset[type] = frozenset()  # set by start()
        self.set_minutes(minutes)

    @property
    def warning_ms(self) -> int:
        return int(min(WARNING_S * 1000, self.timer.interval() / 2))

    def set_minutes(self, minutes: float) -> None:
        self.timer.setInterval(max(1, int(minutes * 60_000)))
        self.warn_timer.setInterval(self.timer.interval() - self.warning_ms)
        if self.active:
            self._restart()

    def start(self) -> None:
        # Set here, not when built: PySide6 builds the Qt namespace's enum types on first use
        # (16-19 ms of CPU), which the start-up keeps until after its first paint (issue 20).
        from PySide6.QtCore import Qt
        from PySide6.QtGui import QInputMethodEvent, QKeyEvent, QMouseEvent, QTabletEvent, QTouchEvent, QWheelEvent

        # The Python classes PySide6 wraps the input events in (it picks the class from the event's type
        # in C++; 0.4-0.6 ms to look them up, kept off the start-up too). Most events the filter sees are
        # none of these (child added, polish, paint, timers: ~2 million in a run of the UI tests), and
        # ``event.type()`` builds a Python enum at each call (~1 µs), the class test ~0.05 µs.
        self._input_classes = frozenset((QKeyEvent, QMouseEvent, QWheelEvent, QTouchEvent, QTabletEvent,
                                         QInputMethodEvent))
        # Precise: a coarse timer may fire 5 % early, and the banner would promise a second it does not keep.
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.warn_timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.active = True
        app = QCoreApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # installing it again only moves it to the front
        self._restart()

    def stop(self) -> None:
        self.active = False
        app = QCoreApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        self._cancel_warning()
        self.timer.stop()
        self.warn_timer.stop()

    def seconds_left(self) -> int:
        """Whole seconds to the lock, never more than the warning announced (timers may fire a little early)."""
        if not self.timer.isActive():
            return 0
        return max(0, min(math.ceil(self.timer.remainingTime() / 1000), math.ceil(self.warning_ms / 1000)))

    def _restart(self) -> None:
        self._cancel_warning()
        self.timer.start()
        self.warn_timer.start()

    def _warn(self) -> None:
        self.warning_shown = True
        self.ticker.start()
        self.warning.emit(self.seconds_left())

    def _tick(self) -> None:
        if self.warning_shown:
            self.warning.emit(self.seconds_left())

    def _lock(self) -> None:
        self._cancel_warning()
        self.idle.emit()

    def _cancel_warning(self) -> None:
        self.ticker.stop()
        if self.warning_shown:
            self.warning_shown = False
            self.warning_cancelled.emit()

    def eventFilter(self, obj, event) -> bool:
        if type(event) in self._input_classes and self.active and event.type() in _INPUT_EVENTS:
            self._restart()
        return False

"""Run work off the UI thread, then call back on the main thread (like Anki's QueryOp).

Without an ``on_error`` the failure is shown to the user (``messages.error``), so a
failed operation is never silent. Errors the user caused (a service refusing, a
lab setting that cannot be simulated) are logged without a traceback; only
unexpected ones are logged as errors with one.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QWidget

from app.courses.labcheck import LabConfigError
from app.i18n import _
from app.services.auth import PermissionDenied, ServiceError
from app.ui.common import messages
from simulators.errors import ProgramError, RuleError, ScenarioError

log = logging.getLogger(__name__)

# What a user's own input or a refused request raises: worth a line in the log, not a traceback.
EXPECTED_ERRORS: tuple[type[BaseException], ...] = (ServiceError, PermissionDenied, LabConfigError,
                                                     ScenarioError, ProgramError, RuleError)


class _Signals(QObject):
    done = Signal(object)
    failed = Signal(object)
    progress = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, fn: Callable[..., Any], with_progress: bool) -> None:
        super().__init__()
        self.fn = fn
        self.with_progress = with_progress
        self.signals = _Signals()
        self.cancelled = False

    def run(self) -> None:
        try:
            if self.with_progress:
                result = self.fn(self._progress, lambda: self.cancelled)
            else:
                result = self.fn()
        except EXPECTED_ERRORS as exc:
            log.info("background task refused: %s", exc)
            self.signals.failed.emit(exc)
        except Exception as exc:  # noqa: BLE001 - reported on the main thread
            log.error("background task failed:\n%s", traceback.format_exc())
            self.signals.failed.emit(exc)
        else:
            self.signals.done.emit(result)

    def _progress(self, done: int, total: int) -> None:
        self.signals.progress.emit(done, total)


_live: set[_Task] = set()


def run_in_background(fn: Callable[..., Any], on_done: Callable[[Any], None],
                      on_error: Callable[[Exception], None] | None = None,
                      on_progress: Callable[[int, int], None] | None = None,
                      parent: QWidget | None = None) -> _Task:
    """Run ``fn`` in the thread pool; callbacks arrive on the main thread.

    With ``on_progress``, ``fn`` is called as ``fn(report(done, total), is_cancelled())``.
    Without ``on_error``, a failure is shown in a message box over ``parent``.
    """
    if on_error is None:
        def on_error(exc: Exception) -> None:
            text = messages.error_text(exc) if isinstance(exc, EXPECTED_ERRORS) else _(
                "The operation failed: {error}").format(error=messages.error_text(exc))
            messages.error(parent, _("Zhizao Academy"), text)

    task = _Task(fn, on_progress is not None)
    _live.add(task)

    def finish(cb, value):
        _live.discard(task)
        if cb is not None:
            cb(value)

    task.signals.done.connect(lambda v: finish(on_done, v))
    task.signals.failed.connect(lambda e: finish(on_error, e))
    if on_progress is not None:
        task.signals.progress.connect(on_progress)
    QThreadPool.globalInstance().start(task)
    return task


class LatestOnly:
    """Background loads of which only the latest request's answer counts, and only while ``owner`` lives.

    A newer choice (another class, another course, another file to check) makes the answers still
    on their way stale: they are dropped, as are answers arriving after the owner was deleted.
    """

    def __init__(self, owner: QWidget) -> None:
        self._owner = owner
        self._latest = 0

    def invalidate(self) -> None:
        """Drop the answers still on their way (nothing new is asked)."""
        self._latest += 1

    def run(self, fn: Callable[[], Any], on_done: Callable[[Any], None],
            on_error: Callable[[Exception], None]) -> None:
        """``run_in_background(fn, ...)``, calling back only if no newer request came meanwhile."""
        self.invalidate()
        request = self._latest

        def current() -> bool:
            return request == self._latest and shiboken6.isValid(self._owner)

        run_in_background(fn, lambda value: on_done(value) if current() else None,
                          lambda exc: on_error(exc) if current() else None)

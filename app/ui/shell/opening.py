"""Open the store on a worker thread while the set-up/login screen takes typing (issue 20)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

if TYPE_CHECKING:
    from app.context import AppContext


# One store opens at a time: Alembic keeps its migration context in module globals.
_OPENING = threading.Lock()


class StoreOpener(QObject):
    """Opens the store on a worker thread (started after the first paint) while the trainee types;
    the outcome comes back to the GUI thread as a queued signal. The thread is not a daemon: a
    migration is never cut short by quitting."""

    finished = Signal(object, object)  # (the context or None, the exception or None)

    def __init__(self, open_context: Callable[[], AppContext]) -> None:
        super().__init__()
        self._open = open_context
        self.result: AppContext | None = None
        self._thread = threading.Thread(target=self._run, name="zhizao-open-store")

    def start(self) -> None:
        self._thread.start()

    def join(self) -> None:
        if self._thread.ident is not None:
            self._thread.join()

    def _run(self) -> None:
        try:
            with _OPENING:
                self.result = self._open()
        except Exception as exc:  # noqa: BLE001 - reported on the GUI thread
            self.finished.emit(None, exc)
            return
        self.finished.emit(self.result, None)

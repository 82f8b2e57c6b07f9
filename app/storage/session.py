"""Sessions that tell write transactions from reads, so writers wait instead of failing.

On SQLite a deferred ``BEGIN`` that later writes must turn its read snapshot into
the write lock; when another process has written meanwhile, SQLite refuses at once
("database is locked") without waiting for the busy timeout, and the write is lost.
Write transactions therefore take the lock at ``BEGIN`` (``BEGIN IMMEDIATE``, which
does wait for the busy timeout); reads keep a plain ``BEGIN`` and, under WAL, never
wait for writers.

The line drawn: services write only inside ``with session.begin():`` and read in
autobegun transactions, so an explicit ``begin()`` is a write transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.orm import Session, SessionTransactionOrigin

WRITE_OPTION = "zhizao_write"
"""Connection execution option: BEGIN takes the write lock at once (SQLite ``BEGIN IMMEDIATE``)."""


def write_bind(engine: Engine) -> Engine | None:
    """The engine write transactions run on (same pool, :data:`WRITE_OPTION` set); None where
    nothing needs to change (PostgreSQL locks rows as it writes)."""
    if engine.dialect.name != "sqlite":
        return None
    return engine.execution_options(**{WRITE_OPTION: True})


class StoreSession(Session):
    """A session whose explicit ``begin()`` blocks run on the write bind.

    Without a write bind (PostgreSQL, read-only stores) it is a plain Session.
    """

    def __init__(self, *args: Any, write_bind: Engine | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._write_bind = write_bind

    def get_bind(self, mapper: Any = None, *, clause: Any = None, bind: Any = None, **kw: Any) -> Any:
        found = super().get_bind(mapper, clause=clause, bind=bind, **kw)
        if self._write_bind is not None and bind is None and found is self.bind:
            trans = self.get_transaction()
            if trans is not None and trans.origin is SessionTransactionOrigin.BEGIN:
                return self._write_bind
        return found

    def commit(self) -> None:
        """Refuse to commit an autobegun transaction: its writes would not have taken the lock up front.

        Nothing in the application does this; the refusal keeps it that way.
        """
        trans = self.get_transaction()
        if self._write_bind is not None and trans is not None and trans.origin is SessionTransactionOrigin.AUTOBEGIN:
            raise InvalidRequestError("write inside `with session.begin():` (app.storage.session): an autobegun "
                                      "transaction is a read and would fail under concurrent writers")
        super().commit()

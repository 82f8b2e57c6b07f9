"""Services raise their own errors: a failed write reaches callers as ``StorageError``.

The storage layer and SQLAlchemy have their own exceptions (a read-only or full
disk, a lost center database, a constraint); ``storage_errors`` turns them into a
``StorageError`` (a ``ServiceError`` with a message for the user) at every public
method of a service class, so neither the UI nor the CLI needs to know what the
storage layer raises. The UI catches ``WRITE_ERRORS`` around a write and keeps the
trainee's work on screen.
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError, SQLAlchemyError, StatementError

from app.i18n import _
from app.services.auth import ServiceError
from app.storage.db import StoreError


class StorageError(ServiceError):
    """The database or the disk refused (read-only, full, unreachable, or a broken constraint)."""


WRITE_ERRORS: tuple[type[BaseException], ...] = (StorageError, OSError)

log = logging.getLogger(__name__)

# SQLite primary result codes and PostgreSQL SQLSTATEs that mean "another writer holds the lock".
_SQLITE_BUSY_CODES = {5, 6}
_PG_BUSY_STATES = {"55P03", "40P01", "40001"}


def storage_message(exc: SQLAlchemyError) -> str:
    """One line for the user: what kind of refusal, never the SQL or its values.

    A driver's own text can carry the statement and its parameters (a new
    user's password hash, names); it goes to the log (without parameters) only.
    """
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlite_errorcode", None)
    busy = (isinstance(code, int) and code & 0xFF in _SQLITE_BUSY_CODES) or \
        getattr(orig, "sqlstate", None) in _PG_BUSY_STATES
    if busy:
        cause = _("the database is busy with other changes; try again in a moment")
    elif isinstance(exc, IntegrityError):
        cause = _("the change conflicts with a record already stored")
    elif isinstance(exc, DataError):
        cause = _("a value does not fit in the database")
    elif isinstance(exc, OperationalError) or (isinstance(exc, DBAPIError) and exc.connection_invalidated):
        cause = _("the database cannot be reached or used")
    else:
        cause = _("a database error")
    return _("The database refused the request ({cause}); nothing was changed.").format(cause=cause)


def constraint_summary(exc: SQLAlchemyError) -> str:
    """Which rule a refused record broke, for a sync report: the driver's first line only. PostgreSQL puts
    the offending values on a DETAIL line (SQLite names only the column), and values are never shown."""
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else type(exc).__name__)
    return (text.splitlines() or [""])[0][:200]


T = TypeVar("T", bound=type)


def _log_details(where: str, exc: SQLAlchemyError) -> None:
    orig = getattr(exc, "orig", None)
    # Never exc.params, nor str() of a StatementError: they would write the values into the log.
    detail = orig if orig is not None else "" if isinstance(exc, StatementError) else exc
    statement = getattr(exc, "statement", None)
    log.warning("%s: %s: %s%s", where, type(orig if orig is not None else exc).__name__, detail,
                f" [SQL: {statement}]" if statement else "")


def _translate(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreError as exc:
            raise StorageError(str(exc)) from exc
        except SQLAlchemyError as exc:
            _log_details(fn.__qualname__, exc)
            raise StorageError(storage_message(exc)) from exc
    return call


def storage_errors(cls: T) -> T:
    """Class decorator: every public method raises ``StorageError`` instead of a storage exception.

    Generators are left alone (their body runs after the call returns).
    """
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or not inspect.isfunction(member) or inspect.isgeneratorfunction(member):
            continue
        setattr(cls, name, _translate(member))
    return cls

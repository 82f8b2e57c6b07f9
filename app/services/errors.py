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
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from app.i18n import _
from app.services.auth import ServiceError
from app.storage.db import StoreError


class StorageError(ServiceError):
    """The database or the disk refused (read-only, full, unreachable, or a broken constraint)."""


WRITE_ERRORS: tuple[type[BaseException], ...] = (StorageError, OSError)

T = TypeVar("T", bound=type)


def _translate(fn: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StoreError as exc:
            raise StorageError(str(exc)) from exc
        except SQLAlchemyError as exc:
            detail = getattr(exc, "orig", None) or exc
            raise StorageError(_("The database refused the change: {error}").format(error=detail)) from exc
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

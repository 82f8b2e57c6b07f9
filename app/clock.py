"""The one clock and UTC rule of the app: every stored time is an aware UTC datetime."""

from __future__ import annotations

import datetime as dt
from typing import overload


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...
@overload
def as_utc(value: None) -> None: ...
def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite returns naive datetimes, and every stored time is UTC: label naive ones, convert aware ones."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)

"""Date-times on the staff screens: the month in words, the time to the minute (never "12/7/26")."""

from __future__ import annotations

import datetime as dt

from babel.dates import format_time, get_datetime_format

from app.i18n import babel_locale, format_date


def when(value: dt.datetime) -> str:
    """E.g. "Dec 7, 2026, 9:36 AM" / "2026年12月7日 09:36", joined the way the locale joins them (CLDR)."""
    locale = babel_locale()
    local = value.astimezone() if value.tzinfo is not None else value
    pattern = get_datetime_format("medium", locale=locale)
    return pattern.replace("{1}", format_date(local, "medium")).replace(
        "{0}", format_time(local, "short", locale=locale))

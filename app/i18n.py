"""Translation and locale-aware formatting, free of Qt.

Bind ``_`` from here everywhere (never ``from gettext import gettext``): the
active catalog can change at runtime and ``_`` always looks it up anew.
Listeners (the Qt windows) are told when the locale changes so they can
retranslate at once.
"""

from __future__ import annotations

import datetime as _dt
import gettext as _gettext
import locale as _locale
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from app.paths import i18n_dir

# Babel (and its CLDR data) loads on first formatting, not at start: the login screen needs
# none of it and the import is a tenth of the time to the first window (issue 20).
if TYPE_CHECKING:
    from babel import Locale

DOMAIN = "messages"
DEFAULT_LOCALE = "en"

_current: str = DEFAULT_LOCALE
_translation: _gettext.NullTranslations = _gettext.NullTranslations()
_listeners: list[Callable[[str], None]] = []
# The shipped languages' names for themselves (what Babel says), so the language menus built
# before the first paint need no Babel.
_OWN_NAMES = {"en": "English", "zh_CN": "简体中文"}


def available_locales() -> list[str]:
    """Locales with a catalog folder in i18n/ (plus English, the source language)."""
    found = {DEFAULT_LOCALE}
    root = i18n_dir()
    if root.is_dir():
        for child in root.iterdir():
            if (child / "LC_MESSAGES").is_dir():
                found.add(child.name)
    return sorted(found)


def locale_display_name(code: str) -> str:
    """The language's own name for itself (English, 简体中文)."""
    if code in _OWN_NAMES:
        return _OWN_NAMES[code]
    from babel import Locale

    name = Locale.parse(code).get_display_name(code) or code
    return name[:1].upper() + name[1:]


def system_locale() -> str:
    """The OS locale mapped to one we ship, for the first start."""
    candidates = [os.environ.get(k, "") for k in ("LC_ALL", "LC_MESSAGES", "LANG")]
    try:
        candidates.append(_locale.getlocale()[0] or "")
    except ValueError:
        pass
    shipped = available_locales()
    for raw in candidates:
        code = raw.split(".")[0].replace("-", "_")
        if not code or code in ("C", "POSIX"):
            continue
        if code in shipped:
            return code
        lang = code.split("_")[0]
        if lang == "zh" and "zh_CN" in shipped:
            return "zh_CN"
        if lang in shipped:
            return lang
    return DEFAULT_LOCALE


def _load(code: str) -> _gettext.NullTranslations:
    try:
        return _gettext.translation(DOMAIN, localedir=str(i18n_dir()), languages=[code])
    except OSError:
        return _gettext.NullTranslations()


def set_locale(code: str) -> None:
    """Switch the active language and notify listeners."""
    global _current, _translation
    code = code if code in available_locales() else DEFAULT_LOCALE
    _translation = _load(code)
    _current = code
    for listener in list(_listeners):
        listener(code)


def current_locale() -> str:
    return _current


def babel_locale(code: str | None = None) -> Locale:
    from babel import Locale

    return Locale.parse(code or _current)


def add_listener(callback: Callable[[str], None]) -> None:
    _listeners.append(callback)


def remove_listener(callback: Callable[[str], None]) -> None:
    if callback in _listeners:
        _listeners.remove(callback)


def _(message: str) -> str:
    return _translation.gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translation.ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return _translation.pgettext(context, message)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (module-level tables)."""
    return message


# --- locale-aware formatting -------------------------------------------------

def format_date(value: _dt.date | _dt.datetime, fmt: str = "long", locale: str | None = None) -> str:
    from babel import dates as _bdates

    return _bdates.format_date(value, format=fmt, locale=babel_locale(locale))


def format_datetime(value: _dt.datetime, fmt: str = "medium", locale: str | None = None) -> str:
    from babel import dates as _bdates

    return _bdates.format_datetime(value, format=fmt, locale=babel_locale(locale))


def format_number(value: float, locale: str | None = None) -> str:
    from babel import numbers as _bnumbers

    return _bnumbers.format_decimal(value, locale=babel_locale(locale))


def format_decimal(value: float, digits: int = 2, locale: str | None = None) -> str:
    from babel import numbers as _bnumbers

    pattern = "#,##0." + "0" * digits if digits else "#,##0"
    return _bnumbers.format_decimal(value, format=pattern, locale=babel_locale(locale))


def format_percent(value: float, digits: int = 0, locale: str | None = None) -> str:
    from babel import numbers as _bnumbers

    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return _bnumbers.format_percent(value, format=pattern, locale=babel_locale(locale))


def format_duration(seconds: float, locale: str | None = None) -> str:
    """A short human duration, rounded to the largest sensible unit ("90 min", "2 hr", "2小时")."""
    from babel import dates as _bdates

    return _bdates.format_timedelta(
        _dt.timedelta(seconds=seconds), threshold=1.5, format="short", locale=babel_locale(locale)
    )


def format_unit(value: float, unit: str, locale: str | None = None) -> str:
    """A number with a physical unit; units are SI symbols, not translated."""
    return f"{format_number(value, locale)} {unit}"


def localized(text: dict[str, str] | str | None, locale: str | None = None) -> tuple[str, bool]:
    """Pick a per-locale text; returns (text, is_fallback)."""
    if text is None:
        return "", False
    if isinstance(text, str):
        return text, False
    code = locale or _current
    if text.get(code):
        return text[code], False
    for other in (DEFAULT_LOCALE, "zh_CN", *text.keys()):
        if text.get(other):
            return text[other], True
    return "", False


def catalog_path(code: str) -> Path:
    return i18n_dir() / code / "LC_MESSAGES" / f"{DOMAIN}.po"

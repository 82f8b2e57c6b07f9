"""Locale-aware formatting and runtime catalog switching through app.i18n."""

from __future__ import annotations

import datetime as dt

from app import i18n

DAY = dt.date(2026, 11, 24)


def test_long_date_per_locale():
    assert i18n.format_date(DAY, locale="en") == "November 24, 2026"
    assert i18n.format_date(DAY, locale="zh_CN") == "2026年11月24日"


def test_date_follows_the_active_locale():
    i18n.set_locale("zh_CN")
    assert i18n.format_date(DAY) == "2026年11月24日"
    i18n.set_locale("en")
    assert i18n.format_date(DAY) == "November 24, 2026"


def test_numbers_per_locale():
    for code in ("en", "zh_CN"):
        assert i18n.format_number(12345.6, locale=code) == "12,345.6"
        assert i18n.format_decimal(12345.6, 2, locale=code) == "12,345.60"
        assert i18n.format_decimal(12345.6, 0, locale=code) == "12,346"


def test_percent_per_locale():
    for code in ("en", "zh_CN"):
        assert i18n.format_percent(0.856, locale=code) == "86%"
        assert i18n.format_percent(0.856, 1, locale=code) == "85.6%"
        assert i18n.format_percent(1, locale=code) == "100%"


def test_switching_language_uses_the_compiled_catalog():
    """The committed .mo is what the running app reads."""
    assert {"en", "zh_CN"} <= set(i18n.available_locales())
    i18n.set_locale("zh_CN")
    assert i18n.current_locale() == "zh_CN"
    assert i18n._("Save") == "保存"
    assert i18n._("&File") == "文件(&F)"
    for n in (1, 5):
        assert i18n.ngettext("{n} error", "{n} errors", n).format(n=n) == f"{n} 个错误"
    i18n.set_locale("en")
    assert i18n._("Save") == "Save"
    assert i18n.ngettext("{n} error", "{n} errors", 1).format(n=1) == "1 error"
    assert i18n.ngettext("{n} error", "{n} errors", 2).format(n=2) == "2 errors"


def test_unknown_locale_falls_back_to_english():
    i18n.set_locale("xx_YY")
    assert i18n.current_locale() == "en"
    assert i18n._("Save") == "Save"


def test_translated_date_pattern_formats_in_chinese():
    """The chart-axis date pattern is a translated CLDR pattern (msgctxt "chart axis date")."""
    i18n.set_locale("zh_CN")
    pattern = i18n.pgettext("chart axis date", "MMM d")
    assert i18n.format_date(DAY, fmt=pattern) == "11月24日"
    i18n.set_locale("en")
    assert i18n.format_date(DAY, fmt=i18n.pgettext("chart axis date", "MMM d")) == "Nov 24"

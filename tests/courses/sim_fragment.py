"""Use the sim-messages zh_CN fragment before the lead has merged it into messages.po.

``with_fragment(monkeypatch)`` makes every catalog ``app.i18n`` loads fall back to the
fragment, so tests see the Chinese texts through the ordinary ``_()``. Once merged, the
main catalog answers first and the fallback is simply not asked.
"""

from __future__ import annotations

import gettext
import io
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from app import i18n

# The helpers' fragments are merged now: the catalog itself is what the tests read.
FRAGMENT = Path(__file__).resolve().parents[2] / "i18n" / "zh_CN" / "LC_MESSAGES" / "messages.po"


def fragment_catalog():
    with FRAGMENT.open("rb") as fh:
        return read_po(fh, locale="zh_CN")


def _translations() -> gettext.GNUTranslations:
    buf = io.BytesIO()
    write_mo(buf, fragment_catalog())
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def with_fragment(monkeypatch) -> None:
    original = i18n._load

    def load(code: str) -> gettext.NullTranslations:
        catalog = original(code)
        if code == "zh_CN":
            catalog.add_fallback(_translations())
        return catalog

    monkeypatch.setattr(i18n, "_load", load)

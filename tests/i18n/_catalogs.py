"""Helpers shared by the catalog tests: where the catalogs are and how to read them."""

from __future__ import annotations

import re
import string
from collections import Counter
from pathlib import Path

from babel.messages.catalog import PYTHON_FORMAT, Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
I18N = ROOT / "i18n"
POT = I18N / "messages.pot"
DOMAIN = "messages"

# Exactly the keywords `make i18n` passes to `pybabel extract` (a test checks the Makefile agrees).
EXTRACT_KEYWORDS = ["_", "N_", "ngettext:1,2", "pgettext:1c,2"]

_FORMATTER = string.Formatter()
# A Qt mnemonic: "&F" but not "&&" (a literal ampersand) and not "& " (prose).
_ACCEL = re.compile(r"(?<!&)&(?!&)(\w)")


def po_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(locale: str) -> Path:
    return I18N / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def catalog_locales() -> list[str]:
    return sorted(p.parent.parent.name for p in I18N.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def load(path: Path) -> Catalog:
    with path.open("rb") as fh:
        return read_po(fh, abort_invalid=True)


def entries(cat: Catalog) -> list[Message]:
    """Every real message (not the header)."""
    return [m for m in cat if m.id]


def key(m: Message) -> tuple[str | None, str | tuple[str, ...]]:
    return (m.context, m.id)


def ids(m: Message) -> tuple[str, ...]:
    return tuple(m.id) if isinstance(m.id, (list, tuple)) else (m.id,)


def strings(m: Message) -> tuple[str, ...]:
    if isinstance(m.string, (list, tuple)):
        return tuple(m.string)
    return (m.string or "",)


def is_translated(m: Message) -> bool:
    return all(s.strip() for s in strings(m))


def brace_fields(text: str) -> Counter[str]:
    """The ``{name:spec}`` fields of a str.format template, as written (raises on bad braces)."""
    fields: Counter[str] = Counter()
    for _literal, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        conv = f"!{conversion}" if conversion else ""
        fields["{" + name + conv + (f":{spec}" if spec else "") + "}"] += 1
    return fields


def percent_fields(text: str) -> Counter[str]:
    return Counter(m.group(0) for m in PYTHON_FORMAT.finditer(text) if m.group(0) != "%%")


def accelerators(text: str) -> list[str]:
    return [c.lower() for c in _ACCEL.findall(text)]


def source_for_form(m: Message, form: int, nplurals: int) -> str:
    """The msgid a plural form must agree with: with one form it serves every n, so the plural."""
    singular, *plural = ids(m)
    if not plural:
        return singular
    if nplurals == 1 or form > 0:
        return plural[0]
    return singular

"""Course glossaries: checking ``glossary.yaml`` and searching it in both languages, without Qt.

A course may ship ``glossary.yaml`` (see ``GlossaryFile`` in ``app.courses.models``):
each term in English and Chinese with a definition in both, plus aliases
(abbreviations, other usual names). Trainees search it from any lesson; a query
matches terms, aliases and definitions in either language, so typing "TCP",
"tool centre" or "工具中心点" finds the same entry.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.courses import models as m
from app.courses.reporter import Reporter
from app.i18n import _

# Spaces, hyphens and dashes are ignored when matching: "four-phase" finds "four phase", "RV减速机" finds "RV 减速机".
_IGNORED = re.compile(r"[\s\-_\u2010-\u2015\u00b7\u30fb]+")


def normalize(text: str) -> str:
    """The form used for matching: NFKC (full-width → half-width), case-folded, separators removed."""
    return _IGNORED.sub("", unicodedata.normalize("NFKC", text).casefold())


def check_glossary(rep: Reporter, rel: str, glossary: m.GlossaryFile) -> None:
    """Errors for what the models cannot see: blank text and a term listed twice in one language."""
    seen: dict[tuple[str, str], int] = {}
    empty = {"term": _("the term is empty"), "definition": _("the definition is empty")}
    for i, entry in enumerate(glossary.terms):
        for field, message in empty.items():
            for loc, text in getattr(entry, field).items():
                if not text.strip():
                    rep.error(rel, ["terms", i, field, loc], message)
        for loc, text in entry.term.items():
            key = (loc, normalize(text))
            if not key[1]:
                continue
            if key in seen:
                rep.error(rel, ["terms", i, "term", loc], _(
                    "the term “{term}” is already defined (entry {n})").format(term=text, n=seen[key] + 1))
            else:
                seen[key] = i


@dataclass(frozen=True)
class GlossaryHit:
    """An entry found by ``search`` and how well it matched (lower ``rank`` is better)."""

    entry: m.GlossaryEntry
    rank: int


def _names(entry: m.GlossaryEntry) -> list[str]:
    return [normalize(t) for t in (*entry.term.values(), *entry.aliases)]


def _rank(entry: m.GlossaryEntry, query: str, tokens: Sequence[str]) -> int | None:
    names = _names(entry)
    if query in names:
        return 0
    if any(n.startswith(query) for n in names):
        return 1
    if any(query in n for n in names):
        return 2
    joined = " ".join(names)
    if tokens and all(t in joined for t in tokens):
        return 3
    definitions = " ".join(normalize(d) for d in entry.definition.values())
    if query in definitions or (tokens and all(t in definitions or t in joined for t in tokens)):
        return 4
    return None


def sort_key(entry: m.GlossaryEntry, locale: str) -> str:
    return normalize(m.text_for(entry.term, locale))


def search(entries: Iterable[m.GlossaryEntry], query: str, locale: str = "en") -> list[GlossaryHit]:
    """The entries matching ``query`` in either language, best first.

    Order: the term or an alias equals the query, starts with it, contains it;
    every word of the query is in the names; the query is in a definition. Ties
    are alphabetical by the term in ``locale``. An empty query lists everything.
    """
    entries = list(entries)
    q = normalize(query)
    if not q:
        return [GlossaryHit(e, 0) for e in sorted(entries, key=lambda e: sort_key(e, locale))]
    tokens = [normalize(t) for t in query.split() if normalize(t)]
    hits = []
    for entry in entries:
        rank = _rank(entry, q, tokens if len(tokens) > 1 else [])
        if rank is not None:
            hits.append(GlossaryHit(entry, rank))
    hits.sort(key=lambda h: (h.rank, sort_key(h.entry, locale)))
    return hits

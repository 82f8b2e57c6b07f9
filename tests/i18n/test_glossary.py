"""The UI glossary is well-formed, the catalog uses its words, and it agrees with the course glossaries."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.i18n._catalogs import I18N, entries, load, po_path, strings

GLOSSARY = I18N / "glossary"
UI = GLOSSARY / "ui.csv"
# Variants the UI glossary rules out (see the note column of ui.csv).
AVOIDED = {"培训师": "讲师", "教员": "讲师", "帐户": "账户", "帐号": "账户"}


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == ["en", "zh_CN", "note"], f"{path.name}: header must be en,zh_CN,note"
        return list(reader)


def _norm_en(text: str) -> str:
    return re.sub(r"\s*\(.*?\)\s*", " ", text).strip().lower()


def _norm_zh(text: str) -> str:
    return re.sub(r"[（(].*?[)）]", "", text).strip()


def test_ui_glossary_is_well_formed():
    rows = _rows(UI)
    assert len(rows) >= 40
    seen: set[str] = set()
    for i, row in enumerate(rows, start=2):
        assert row["en"].strip() and row["zh_CN"].strip(), f"ui.csv:{i}: en and zh_CN are required"
        assert row["en"] not in seen, f"ui.csv:{i}: {row['en']!r} is listed twice"
        seen.add(row["en"])


def test_catalog_uses_the_glossary_words():
    """A msgid that is exactly a glossary term is translated with the glossary's word."""
    terms = {row["en"]: row["zh_CN"] for row in _rows(UI)}
    cat = load(po_path("zh_CN"))
    wrong = [f"{m.id!r}: {m.string!r}, glossary says {terms[m.id]!r}"
             for m in entries(cat) if isinstance(m.id, str) and m.id in terms and m.string != terms[m.id]]
    assert not wrong, "\n".join(wrong)


def test_catalog_avoids_ruled_out_variants():
    cat = load(po_path("zh_CN"))
    bad = [f"{m.id!r}: {s!r} uses {word}, write {good}"
           for m in entries(cat) for s in strings(m) for word, good in AVOIDED.items() if word in s]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("name", ["robotics.csv", "maintenance.csv"])
def test_course_glossaries_agree_with_the_ui(name):
    """The UI uses the same words as the courses (the issue asks for one bilingual vocabulary)."""
    path = GLOSSARY / name
    if not path.is_file():
        pytest.skip(f"{name} is not written yet")
    ui = {}
    for row in _rows(UI):
        ui.setdefault(_norm_en(row["en"]), set()).add(_norm_zh(row["zh_CN"]))
    clashes = []
    for i, row in enumerate(_rows(path), start=2):
        en = _norm_en(row["en"])
        zh = _norm_zh(row["zh_CN"])
        if en in ui and zh not in ui[en]:
            clashes.append(f"{name}:{i}: {row['en']!r} is {row['zh_CN']!r}, the UI says {sorted(ui[en])}")
    assert not clashes, "\n".join(clashes)
